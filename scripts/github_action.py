"""The steps of the GitHub Action (action.yml), kept here so that tests can run them.

    python3 scripts/github_action.py prepare   # the interpreter checked, the cache key
    python3 scripts/github_action.py install   # a virtual environment with metallb-lint
    python  scripts/github_action.py lint      # run it: log, annotations, SARIF, summary, outputs

Every input arrives as an environment variable (INPUT_PATHS, INPUT_CONFIG, ...), set by the
`env:` of the step; nothing is interpolated into a shell script, so no input (a branch name, a
path in a pull request) can inject code. Paths and extra arguments are split like a shell would
split them (`shlex`), and nothing is ever evaluated.

`prepare` checks the interpreter (Python 3.10+) and sets the step outputs `venv` (the virtual
environment's folder, $RUNNER_TEMP/metallb-lint-venv) and `cache-key`: the runner's system and
machine, the interpreter's version and path, and the SHA-256 of requirements/action.txt, so
actions/cache restores an environment built by the same interpreter from the same lock. The
key is empty (no caching) with INPUT_INSTALL=false or INPUT_CACHE=false.

`install` makes that environment hold exactly the lock: when it already does (restored from
the cache: a marker file holds the lock's hash and the interpreter, and the interpreter runs),
it installs nothing; otherwise it creates it afresh and runs
`pip install --require-hashes --no-deps --only-binary :all: -r requirements/action.txt`, so
every file pip downloads must match a hash of the lock (metallb-lint is not built: a .pth file
puts the action's checkout, $GITHUB_ACTION_PATH, on the environment's path, rewritten each
run since the checkout's folder changes with the action's version). It sets the step outputs
`python` (the environment's interpreter) and `installed` (true when pip ran: the cache is
saved then). With INPUT_INSTALL=false it uses the interpreter as it is, which must already
have metallb-lint (self-hosted runners).

`lint` runs metallb-lint once with these outputs: the text report and the GitHub annotations
on stdout (the log), JSON to a temporary file for the counts and the summary, and SARIF to
INPUT_SARIF_FILE when given. It appends a markdown summary to $GITHUB_STEP_SUMMARY, sets the
step outputs (findings, errors, warnings, infos, suppressed, exit-code, sarif-file) in
$GITHUB_OUTPUT, and exits with metallb-lint's exit code (0 clean, 1 findings at or above
fail-on, 2 usage or configuration error).

Written for any Python 3 the runner has (the install step runs before metallb-lint exists).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

MAX_SUMMARY_ROWS = 50
VENV_NAME = "metallb-lint-venv"
SEVERITIES = ("error", "warning", "info")
ICONS = {"error": ":x:", "warning": ":warning:", "info": ":information_source:"}


# -- the runner's files ---------------------------------------------------------------------


def set_output(name: str, value: str) -> None:
    """Append `name=value` to $GITHUB_OUTPUT (the multi-line form for values with newlines)."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        print(f"{name}={value}")
        return
    with open(path, "a", encoding="utf-8") as handle:
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            handle.write(f"{name}={value}\n")


def add_summary(markdown: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown)


def error(message: str) -> None:
    """An error annotation (escaped as GitHub's toolkit escapes command data)."""
    data = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::error title=metallb-lint::{data}", flush=True)


# -- install ----------------------------------------------------------------------------------


LOCK = Path("requirements") / "action.txt"
MARKER = "metallb-lint-lock.txt"
PTH = "metallb-lint-action.pth"


def action_path() -> Path:
    return Path(os.environ.get("GITHUB_ACTION_PATH") or Path(__file__).resolve().parent.parent)


def venv_path() -> Path:
    return Path(os.environ.get("RUNNER_TEMP") or ".").resolve() / VENV_NAME


def lock_digest() -> str:
    """The SHA-256 of requirements/action.txt: the cache key and the marker hold it."""
    return hashlib.sha256((action_path() / LOCK).read_bytes()).hexdigest()


def interpreter() -> str:
    """The interpreter that builds the environment, as the marker and the cache key name it."""
    return os.path.realpath(sys.executable)


def venv_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    return python if python.exists() else venv / "Scripts" / "python.exe"  # Windows


def _new_enough() -> bool:
    if sys.version_info < (3, 10):  # noqa: UP036 - this runs before the package is installed
        error(
            f"metallb-lint needs Python 3.10 or later; '{sys.executable}' is "
            f"{sys.version.split()[0]}. Run actions/setup-python first, or set the python input."
        )
        return False
    return True


def prepare() -> int:
    if not _new_enough():
        return 2
    set_output("venv", str(venv_path()))
    if not (_flag("INSTALL", True) and _flag("CACHE", True)):
        set_output("cache-key", "")
        return 0
    version = ".".join(str(n) for n in sys.version_info[:3])
    where = hashlib.sha256(interpreter().encode()).hexdigest()[:12]
    key = (
        f"metallb-lint-venv-{platform.system()}-{platform.machine()}-"
        f"{sys.implementation.name}{version}-{where}-{lock_digest()[:24]}"
    )
    set_output("cache-key", key)
    return 0


def _up_to_date(venv: Path, stamp: str) -> bool:
    """The environment was built by this interpreter from this lock, and still runs."""
    try:
        if (venv / MARKER).read_text(encoding="utf-8") != stamp:
            return False
    except OSError:
        return False
    python = venv_python(venv)
    done = subprocess.run([str(python), "-c", "pass"], capture_output=True, check=False)
    return done.returncode == 0


def _pip(python: Path) -> list[str]:
    """pip for the environment: this interpreter's own pip when it has `--python` (22.3+),
    which spares the environment a pip of its own (seconds of a cold run), else the
    environment's, bootstrapped with ensurepip."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=False
    )
    found = re.match(r"pip (\d+)\.(\d+)", done.stdout)
    if found and (int(found[1]), int(found[2])) >= (22, 3):
        return [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run([str(python), "-m", "ensurepip", "--default-pip"], capture_output=True)
    return [str(python), "-m", "pip"]


def install() -> int:
    if not _new_enough():
        return 2
    if not _flag("INSTALL", True):  # metallb-lint is already installed for this interpreter
        try:
            import metallb_lint
        except ImportError:
            error(
                f"install is false, but '{sys.executable}' cannot import metallb_lint; "
                "install it first or set install to true"
            )
            return 2
        print(f"metallb-lint {metallb_lint.__version__} of {sys.executable}", flush=True)
        set_output("python", sys.executable)
        return 0
    venv, lock = venv_path(), action_path() / LOCK
    stamp = f"{lock_digest()} {interpreter()}\n"
    installed = not _up_to_date(venv, stamp)
    if installed:
        print(f"Installing metallb-lint's dependencies from {LOCK} into {venv}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)], check=True
        )
        pip = [*_pip(venv_python(venv)), "install", "--disable-pip-version-check", "--no-input"]
        pip += ["--quiet", "--require-hashes", "--no-deps", "--only-binary", ":all:"]
        if subprocess.run([*pip, "-r", str(lock)], check=False).returncode:
            error(f"pip could not install {LOCK} (the log above says why)")
            return 2
    else:
        print(f"metallb-lint's environment {venv} matches {LOCK}: nothing to install", flush=True)
    python = venv_python(venv)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, PTH).write_text(f"{action_path().resolve()}\n", encoding="utf-8")
    if installed:
        (venv / MARKER).write_text(stamp, encoding="utf-8")
    set_output("python", str(python))
    set_output("installed", "true" if installed else "false")
    return 0


# -- lint ---------------------------------------------------------------------------------------


def _input(name: str, default: str = "") -> str:
    return os.environ.get(f"INPUT_{name}", default).strip()


def _flag(name: str, default: bool) -> bool:
    value = _input(name).lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    return default


def docs_url() -> str | None:
    """docs/rules.md of the action's own repository and ref, for SARIF's rule help links."""
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    repository = os.environ.get("GITHUB_ACTION_REPOSITORY", "")
    ref = os.environ.get("GITHUB_ACTION_REF", "")
    if not (repository and ref):  # both are empty inside composite actions on some runners
        parts = Path(os.environ.get("GITHUB_ACTION_PATH", "")).parts
        if "_actions" in parts and len(parts) >= parts.index("_actions") + 4:
            i = parts.index("_actions")
            repository, ref = f"{parts[i + 1]}/{parts[i + 2]}", parts[i + 3]
    if not (repository and ref):
        return None
    return f"{server}/{repository}/blob/{ref}/docs/rules.md"


def command(json_path: str) -> list[str]:
    """The metallb-lint command line for the inputs."""
    python = os.environ.get("METALLB_LINT_PYTHON") or sys.executable
    args = [python, "-m", "metallb_lint", *(shlex.split(_input("PATHS")) or ["."])]
    args += ["--format", "text"]
    if _flag("ANNOTATIONS", True):
        args += ["--format", "github"]
    args += ["--format", "json", "--output-file", json_path]
    if _input("SARIF_FILE"):
        args += ["--format", "sarif", "--output-file", _input("SARIF_FILE")]
    for name, option in (
        ("CONFIG", "--config"),
        ("FAIL_ON", "--fail-on"),
        ("METALLB_VERSION", "--metallb-version"),
    ):
        if _input(name):
            args += [option, _input(name)]
    args += shlex.split(_input("EXTRA_ARGS"))
    return args


def _cell(text: str) -> str:
    """Text safe in one markdown table cell."""
    text = " ".join(str(text).split())
    for char, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def _blob(path: str, line: int) -> str | None:
    """A link to the file at the commit being checked, when the file is in the workspace."""
    server = os.environ.get("GITHUB_SERVER_URL")
    repository = os.environ.get("GITHUB_REPOSITORY")
    sha = os.environ.get("GITHUB_SHA")
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not (server and repository and sha and workspace) or path.startswith("<"):
        return None
    absolute = os.path.abspath(path)
    root = os.path.abspath(workspace)
    if not absolute.startswith(root.rstrip(os.sep) + os.sep):
        return None
    relative = os.path.relpath(absolute, root).replace(os.sep, "/")
    quoted = "/".join(part.replace(" ", "%20").replace("#", "%23") for part in relative.split("/"))
    return f"{server}/{repository}/blob/{sha}/{quoted}#L{line}"


def summary(document: dict, sarif_file: str) -> str:
    """The job summary: the verdict, the target, and a table of the findings."""
    counts = document["summary"]
    target = document["target"]
    shown = [f for f in document["findings"] if not f.get("suppressed")]
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in SEVERITIES if counts[s]]
    files = f"{counts['files']} file{'s' if counts['files'] != 1 else ''}"
    if shown:
        head = f"**{len(shown)} problem{'s' if len(shown) != 1 else ''}** ({', '.join(parts)})"
        icon = ICONS[next(s for s in SEVERITIES if counts[s])]
    else:
        head, icon = "**No problems found**", ":white_check_mark:"
    lines = ["## metallb-lint", "", f"{icon} {head} in {files}, {counts['resources']} resources."]
    if counts.get("suppressed"):
        lines[-1] += f" {counts['suppressed']} suppressed."
    source = target.get("source") or "assumed"
    lines += [
        "",
        f"Checked against MetalLB {_cell(target['metallb_version'])} ({_cell(target['mode'])} "
        f"mode; version from {_cell(source)}).",
    ]
    if shown:
        lines += ["", "| | Rule | Location | Message |", "|---|---|---|---|"]
        for item in shown[:MAX_SUMMARY_ROWS]:
            where = f"{item['path']}:{item['line']}"
            link = _blob(item["path"], item["line"])
            location = f"[{_cell(where)}]({link})" if link else _cell(where)
            rule = f"{item['rule']} {_cell(item['name'])}"
            icon = ICONS.get(item["severity"], "")
            lines.append(f"| {icon} | {rule} | {location} | {_cell(item['message'])} |")
        if len(shown) > MAX_SUMMARY_ROWS:
            lines += [
                "",
                f"The first {MAX_SUMMARY_ROWS} of {len(shown)} findings; the log has all.",
            ]
    if sarif_file:
        lines += ["", f"SARIF written to `{_cell(sarif_file)}`."]
    return "\n".join(lines) + "\n"


def lint() -> int:
    temp = Path(os.environ.get("RUNNER_TEMP") or ".")
    json_path = str(temp / f"metallb-lint-{uuid.uuid4().hex}.json")
    env = dict(os.environ)
    url = docs_url()
    if url and not env.get("METALLB_LINT_DOCS_URL"):
        env["METALLB_LINT_DOCS_URL"] = url
    args = command(json_path)
    sys.stdout.flush()
    code = subprocess.run(args, env=env).returncode
    set_output("exit-code", str(code))
    try:
        with open(json_path, encoding="utf-8") as handle:
            document = json.load(handle)
        os.unlink(json_path)
    except (OSError, ValueError):
        add_summary(
            "## metallb-lint\n\n:x: metallb-lint could not run (exit code "
            f"{code}); the log of this step says why.\n"
        )
        return code or 2
    counts = document["summary"]
    findings = sum(counts[s] for s in SEVERITIES)
    set_output("findings", str(findings))
    for severity in SEVERITIES:
        set_output(f"{severity}s", str(counts[severity]))
    set_output("suppressed", str(counts["suppressed"]))
    sarif_file = _input("SARIF_FILE")
    if sarif_file:
        set_output("sarif-file", sarif_file)
    if _flag("SUMMARY", True):
        add_summary(summary(document, sarif_file))
    return code


def main(argv: list[str]) -> int:
    if argv == ["prepare"]:
        return prepare()
    if argv == ["install"]:
        return install()
    if argv == ["lint"]:
        return lint()
    print("usage: github_action.py prepare|install|lint", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
