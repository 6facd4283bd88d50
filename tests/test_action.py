"""The GitHub Action: action.yml and the sample workflow validated against GitHub's schemas
(check-jsonschema's vendored `vendor.github-actions` and `vendor.github-workflows`), audited by
zizmor offline, and the action's steps run here as the runner runs them: each `run:` script
with bash, its `env:` resolved from the inputs, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY pointing
at temporary files.

A test whose external tool (check-jsonschema, zizmor, bash) is missing is skipped, not failed.
The install step is run with `install: false` (this interpreter already has metallb-lint);
tests/test_action_install.py runs it offline with a lock of its own; installing the real
requirements/action.txt downloads from PyPI, so that test runs only with
METALLB_LINT_NETWORK_TESTS=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from metallb_lint import __version__
from tests import manifests
from tests.conftest import ROOT, write
from tests.manifests import POOL

ACTION = ROOT / "action.yml"
EXAMPLE = ROOT / "docs" / "github-actions-example.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def service(name: str, ip: str) -> str:
    return manifests.service(name, ip, how="metallb.universe.tf")


def tool(name: str, module: str | None = None) -> list[str]:
    """The command of an external tool installed with the test extra, or skip."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return [str(beside)]
    if shutil.which(name):
        return [name]
    if module:
        try:
            __import__(module)
        except ImportError:
            pass
        else:
            return [sys.executable, "-m", module]
    pytest.skip(f"{name} is not installed (pip install '.[test]')")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


# -- metadata, schema and audit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "schema"),
    [(ACTION, "vendor.github-actions"), (EXAMPLE, "vendor.github-workflows")],
)
def test_schema(path: Path, schema: str) -> None:
    command = tool("check-jsonschema", "check_jsonschema")
    done = subprocess.run(
        [*command, "--builtin-schema", schema, str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing() -> None:
    command = tool("zizmor")
    done = subprocess.run(
        [*command, "--offline", "--no-progress", str(ACTION), str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout


def test_inputs_reach_scripts_only_through_env() -> None:
    """No `${{ }}` in a run: script; every input is passed to a step's env:."""
    meta = action()
    assert meta["runs"]["using"] == "composite"
    passed = set()
    for step in meta["runs"]["steps"]:
        if "uses" in step:  # the cache's steps see the prepare step's outputs only
            assert "inputs." not in json.dumps(step), step["name"]
            continue
        assert "${{" not in step["run"], step["name"]
        assert step["shell"] == "bash"
        for value in step.get("env", {}).values():
            passed.update(re.findall(r"inputs\.([\w-]+)", str(value)))
    assert passed == set(meta["inputs"])
    assert "pip install" not in json.dumps(meta)  # the script installs; see scripts/
    assert set(meta["outputs"]) >= {"findings", "errors", "sarif-file"}


def test_readme_workflow_is_valid(tmp_path: Path) -> None:
    command = tool("check-jsonschema", "check_jsonschema")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("# .github/workflows/metallb-lint.yml") :]
    workflow = tmp_path / "metallb-lint.yml"
    workflow.write_text(block[: block.index("```")], encoding="utf-8")
    done = subprocess.run(
        [*command, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["metallb-lint"]["steps"]
    lint = next(step for step in steps if step.get("id") == "lint")
    assert set(lint["with"]) <= set(action()["inputs"])


def test_the_example_uses_the_action_with_sarif_upload() -> None:
    workflow = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["metallb-lint"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("metallb-lint/metallb-lint@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    lint = next(step for step in steps if step.get("id") == "lint")
    assert set(lint["with"]) <= set(action()["inputs"])


def test_the_guide_shows_every_input_with_its_default() -> None:
    """docs/github-actions.md: one `uses: metallb-lint/metallb-lint@v0` step with every input
    and its default, and a table row for each."""
    text = (ROOT / "docs" / "github-actions.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(- id: lint\n.*?)```", text, re.S)
    assert block, "docs/github-actions.md has no step with every input"
    [step] = yaml.safe_load(block[1])
    assert step["uses"] == "metallb-lint/metallb-lint@v0"
    inputs = action()["inputs"]
    assert step["with"] == {name: spec["default"] for name, spec in inputs.items()}
    rows = re.findall(r"^\| `([\w-]+)` \|\s*(`[^`]*`)?\s*\|", text, re.M)
    assert {name: default.strip("`") for name, default in rows} == {
        name: spec["default"] for name, spec in inputs.items()
    }


# -- running the steps --------------------------------------------------------------------------


def parse_output_file(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's `name=value` and `name<<DELIMITER` forms."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


class Runner:
    """Runs the steps of action.yml as GitHub's runner does, for one set of inputs."""

    def __init__(
        self, tmp: Path, workspace: Path, inputs: dict[str, str], action_path: Path = ROOT
    ) -> None:
        if shutil.which("bash") is None:
            pytest.skip("bash is not installed")
        meta = action()
        self.inputs = {name: str(spec.get("default", "")) for name, spec in meta["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, unknown
        self.inputs.update(inputs)
        self.steps = meta["runs"]["steps"]
        self.outputs: dict[str, dict[str, str]] = {}
        self.tmp, self.workspace = tmp, workspace
        self.summary = tmp / "step-summary.md"
        (tmp / "runner-temp").mkdir(exist_ok=True)
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "METALLB_LINT"))
        }
        self.env.update(
            GITHUB_ACTIONS="true",
            CI="true",
            GITHUB_ACTION_PATH=str(action_path),
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_SERVER_URL="https://github.example",
            GITHUB_REPOSITORY="me/gitops",
            GITHUB_SHA="0" * 40,
            GITHUB_ACTION_REPOSITORY="someone/metallb-lint",
            GITHUB_ACTION_REF="v1",
            RUNNER_TEMP=str(tmp / "runner-temp"),
            XDG_CACHE_HOME=str(tmp / "xdg-cache"),  # the linter's cache: never the user's
        )

    def _resolve(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return self.inputs[expression[len("inputs.") :]]
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
            assert step, f"the test runner does not know the expression {expression!r}"
            return self.outputs.get(step[1], {}).get(step[2], "")

        return EXPRESSION.sub(value, text)

    def run(self, step_id: str) -> subprocess.CompletedProcess[str]:
        step = next(s for s in self.steps if s["id"] == step_id)
        output = self.tmp / f"output-{step_id}"
        env = {**self.env, "GITHUB_OUTPUT": str(output)}
        env.update({name: self._resolve(str(v)) for name, v in step.get("env", {}).items()})
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.outputs[step_id] = parse_output_file(output)
        return done


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checked-out GitOps repository: one Service outside the pool (ML401), one inside."""
    root = tmp_path / "workspace"
    (root / ".git").mkdir(parents=True)
    return write(
        root,
        {
            "infra/pool.yaml": POOL,
            "apps/jellyfin/service.yaml": service("jellyfin", "192.168.1.231"),
            "apps/navidrome/service.yaml": service("navidrome", "192.168.1.241"),
        },
    )


def use_this_interpreter(runner: Runner) -> None:
    """The prepare and install steps with install: false, on the interpreter that runs these
    tests: no cache, no environment built."""
    done = runner.run("prepare")
    assert done.returncode == 0, done.stdout + done.stderr
    assert runner.outputs["prepare"]["cache-key"] == ""
    done = runner.run("install")
    assert done.returncode == 0, done.stdout + done.stderr
    assert runner.outputs["install"] == {"python": sys.executable}
    assert f"metallb-lint {__version__}" in done.stdout


def test_action_with_findings(tmp_path: Path, workspace: Path) -> None:
    runner = Runner(
        tmp_path,
        workspace,
        {
            "python": sys.executable,
            "install": "false",
            "metallb-version": "0.14.8",
            "sarif-file": "metallb-lint.sarif",
            "extra-args": "--ignore ML205 --color never",
        },
    )
    use_this_interpreter(runner)
    done = runner.run("lint")
    assert done.returncode == 1, done.stdout + done.stderr
    # The log: the text report, then the annotations.
    assert "apps/jellyfin/service.yaml" in done.stdout
    assert "1 problem (1 error) in 1 file of 3 checked" in done.stdout
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    assert annotations[0].startswith(
        "::error file=apps/jellyfin/service.yaml,line=7,col=42,endLine=7,endColumn=54,"
        "title=ML401 ip-not-in-any-pool::Service media/jellyfin requests 192.168.1.231"
    )
    assert runner.outputs["lint"] == {
        "exit-code": "1",
        "findings": "1",
        "errors": "1",
        "warnings": "0",
        "infos": "0",
        "suppressed": "0",
        "sarif-file": "metallb-lint.sarif",
    }
    sarif = json.loads((workspace / "metallb-lint.sarif").read_text(encoding="utf-8"))
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "ML401"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "apps/jellyfin/service.yaml"
    [rule] = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rule["helpUri"] == (
        "https://github.example/someone/metallb-lint/blob/v1/docs/rules.md#ml401-ip-not-in-any-pool"
    )
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary.startswith("## metallb-lint\n")
    assert ":x: **1 problem** (1 error) in 3 files, 4 resources." in summary
    assert "Checked against MetalLB 0.14.8" in summary
    assert "| | Rule | Location | Message |" in summary
    link = f"https://github.example/me/gitops/blob/{'0' * 40}/apps/jellyfin/service.yaml#L7"
    assert f"[apps/jellyfin/service.yaml:7]({link})" in summary
    assert "ML401 ip-not-in-any-pool" in summary
    assert "&lt;pending&gt;" in summary  # markdown-safe message
    assert "SARIF written to `metallb-lint.sarif`." in summary
    assert not list((tmp_path / "runner-temp").glob("*.json"))  # the JSON is cleaned up


def test_action_clean_run(tmp_path: Path, workspace: Path) -> None:
    runner = Runner(
        tmp_path,
        workspace,
        {
            "python": sys.executable,
            "install": "false",
            # A named file is linted with the repository as context: jellyfin's finding does
            # not touch it.
            "paths": "apps/navidrome/service.yaml\n",
            "metallb-version": "0.14.8",
        },
    )
    use_this_interpreter(runner)
    done = runner.run("lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::" not in done.stdout
    assert runner.outputs["lint"]["findings"] == "0"
    assert "sarif-file" not in runner.outputs["lint"]
    assert not (workspace / "metallb-lint.sarif").exists()
    summary = runner.summary.read_text(encoding="utf-8")
    assert ":white_check_mark: **No problems found** in 1 file," in summary


def test_action_report_only(tmp_path: Path, workspace: Path) -> None:
    """--exit-zero through extra-args; no annotations and no summary when turned off."""
    runner = Runner(
        tmp_path,
        workspace,
        {
            "python": sys.executable,
            "install": "false",
            "annotations": "false",
            "summary": "false",
            "extra-args": "--exit-zero --select 'ML4'",
        },
    )
    use_this_interpreter(runner)
    done = runner.run("lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ML401" in done.stdout and "::error" not in done.stdout
    assert runner.outputs["lint"]["errors"] == "1"
    assert not runner.summary.exists()


def test_action_inputs_are_never_evaluated(tmp_path: Path, workspace: Path) -> None:
    """Shell syntax in an input is an argument, not a command."""
    marker = tmp_path / "pwned"
    runner = Runner(
        tmp_path,
        workspace,
        {
            "python": sys.executable,
            "install": "false",
            "paths": f'"apps/$(touch {marker})" `touch {marker}`',
            "extra-args": f"; touch {marker}",
        },
    )
    use_this_interpreter(runner)
    done = runner.run("lint")
    assert done.returncode == 2  # no such paths: a usage error, reported in the summary
    assert not marker.exists()
    assert "unrecognized arguments: ; touch" in done.stderr
    assert runner.outputs["lint"] == {"exit-code": "2"}
    assert "could not run (exit code 2)" in runner.summary.read_text(encoding="utf-8")


def test_install_false_needs_metallb_lint(tmp_path: Path, workspace: Path) -> None:
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    python = bare / "bin" / "python"
    if not python.exists():
        pytest.skip("no POSIX virtual environment layout")
    runner = Runner(tmp_path, workspace, {"python": str(python), "install": "false"})
    done = runner.run("install")
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=metallb-lint::install is false")
    assert runner.outputs["install"] == {}


@pytest.mark.skipif(
    os.environ.get("METALLB_LINT_NETWORK_TESTS") != "1",
    reason="installs from PyPI; set METALLB_LINT_NETWORK_TESTS=1",
)
def test_install_into_a_fresh_environment_then_from_the_cache(
    tmp_path: Path, workspace: Path
) -> None:
    """The real lock from PyPI, every file checked against its hash; then a warm run (the
    environment as actions/cache restores it) installs nothing and lints the same."""
    inputs = {"python": sys.executable, "metallb-version": "0.14.8"}
    for installed in ("true", "false"):
        runner = Runner(tmp_path, workspace, inputs)
        assert runner.run("prepare").returncode == 0
        assert runner.outputs["prepare"]["cache-key"].startswith("metallb-lint-venv-")
        done = runner.run("install")
        assert done.returncode == 0, done.stdout + done.stderr
        assert runner.outputs["install"]["installed"] == installed
        python = runner.outputs["install"]["python"]
        assert python.startswith(str(tmp_path / "runner-temp" / "metallb-lint-venv"))
        assert runner.run("lint").returncode == 1
        assert runner.outputs["lint"]["errors"] == "1"
