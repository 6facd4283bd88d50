"""The real kustomize engine, where one is installed: build a kustomization the way the cluster
receives it, offline, and say which file each object came from.

The static model (deployment.py, patches.py, scopes.py) answers the same questions without an
engine; this module is the reference the differential tests compare it with
(tests/test_render_differential.py).

Safety, because the input is someone else's repository:
- no shell: the command is a list; the kustomization is passed as one argument;
- no network: a proxy that refuses every connection and git allowed only local protocols, so a
  remote base fails fast instead of fetching (the build error says which resource);
- no plugins: exec and Helm plugins stay off (no `--enable-alpha-plugins`, no `--enable-helm`);
- a time limit and an output limit; every failure is a `BuildResult.error`, never an exception.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from metallb_lint.gitops.deployment import is_remote
from metallb_lint.gitops.fields import items, text
from metallb_lint.inputlog import note_path, note_unknowable

TIME_LIMIT = 60.0  # seconds per build
OUTPUT_LIMIT = 64 * 1024 * 1024  # bytes of rendered YAML per build
_ORIGIN = "config.kubernetes.io/origin"
_KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_RESOURCE_KEYS = ("resources", "bases", "components")
_REFUSED = "http://127.0.0.1:9"  # the discard port: nothing listens, connections fail at once


@dataclass(frozen=True)
class Rendered:
    """One object of a build, with the file it came from (relative to the tree root; None for
    generated objects and remote resources)."""

    api_version: str
    kind: str
    name: str | None
    namespace: str | None
    origin: str | None
    body: dict = field(compare=False, hash=False)


@dataclass
class BuildResult:
    objects: list[Rendered] = field(default_factory=list)
    error: str | None = None  # one line: why the build failed
    left_out: list[str] = field(default_factory=list)  # "folder: entry" not built (offline)


def find_engine() -> list[str] | None:
    """The command that builds a kustomization: `kustomize build`, else `kubectl kustomize`."""
    for program, verb in (("kustomize", "build"), ("kubectl", "kustomize")):
        found = shutil.which(program)
        if found:
            return [found, verb]
    return None


def offline_environment(plugin_home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[name] = _REFUSED
    env.update(
        {
            "NO_PROXY": "",
            "no_proxy": "",
            "GIT_ALLOW_PROTOCOL": "file",
            "GIT_TERMINAL_PROMPT": "0",
            "KUSTOMIZE_PLUGIN_HOME": plugin_home,
            "XDG_CONFIG_HOME": plugin_home,
        }
    )
    return env


class OfflineTree:
    """A copy of the tree to build from, made once for many builds: its kustomizations leave
    out remote resources and `helmCharts` (said in `left_out`). The user's files are never
    touched; the copy is removed on exit."""

    def __init__(self, command: list[str], tree_root: Path) -> None:
        self.command = command
        self.tree_root = tree_root
        self.left_out: list[str] = []
        self.error: str | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._copy = Path()

    def __enter__(self) -> OfflineTree:
        self._scratch = tempfile.TemporaryDirectory(prefix="metallb-lint-render-")
        self._copy = Path(self._scratch.name).resolve() / "tree"
        try:
            self.left_out = offline_copy(self.tree_root, self._copy)
        except (OSError, shutil.Error) as exc:
            self.error = f"the tree could not be copied for the build: {exc}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()

    def build(self, folder: str, time_limit: float = TIME_LIMIT) -> BuildResult:
        """Build the kustomization in `folder` (relative to the tree root), offline, wrapped
        in a temporary kustomization that asks for origin annotations; origins are relative
        to the tree root."""
        if self.error:
            return BuildResult(error=self.error)
        with tempfile.TemporaryDirectory(dir=self._copy.parent) as scratch:
            result = _build_copy(
                self.command, self._copy / folder, Path(scratch), self._copy, time_limit
            )
        if result.error:  # name the user's files, not the copy's
            result.error = result.error.replace(f"{self._copy}{os.sep}", "").replace(
                str(self._copy), "."
            )
        return result


def build(
    command: list[str], folder: str, tree_root: Path, time_limit: float = TIME_LIMIT
) -> BuildResult:
    """One build of `folder` from a fresh offline copy of `tree_root` (see OfflineTree)."""
    with OfflineTree(command, tree_root) as tree:
        result = tree.build(folder, time_limit)
        result.left_out = tree.left_out
        return result


def offline_copy(tree_root: Path, destination: Path) -> list[str]:
    """Copy the tree (symbolic links as links, `.git` left out) and strip from its
    kustomizations what needs the network or Helm; return what was stripped."""
    shutil.copytree(
        tree_root, destination, symlinks=True, ignore=_ignored, copy_function=_copy_noted
    )
    left_out: list[str] = []
    for name in _KUSTOMIZATION_NAMES:
        for file in sorted(destination.rglob(name)):
            if file.is_symlink() or not file.is_file():
                continue
            folder = file.parent.relative_to(destination).as_posix()
            left_out += [f"{folder}: {entry}" for entry in _strip(file)]
    return left_out


_GIT = shutil.ignore_patterns(".git")


def _ignored(folder: str, names: list[str]) -> set[str]:
    """`.git` is left out; every folder copied is an input of the run (inputlog.py)."""
    note_path(folder)
    return _GIT(folder, names)


def _copy_noted(source: str, target: str) -> object:
    """Copy one file, noting it as an input of the run first: the engine may read any file of
    the tree (a generator's `.env`, a patch), so the run memo checks them all."""
    note_path(source)
    return shutil.copy2(source, target)


def _strip(file: Path) -> list[str]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # the engine says what is wrong with it
    if not isinstance(data, dict):
        return []
    stripped: list[str] = []
    for key in _RESOURCE_KEYS:
        entries = items(data.get(key))
        remote = [e for e in entries if isinstance(e, str) and is_remote(e)]
        if remote:
            data[key] = [e for e in entries if e not in remote]
            stripped += remote
    if data.get("helmCharts"):
        stripped += [
            f"helmCharts {c.get('name')}" if isinstance(c, dict) else "helmCharts"
            for c in items(data.pop("helmCharts"))
        ]
        data.pop("helmGlobals", None)
    if stripped:
        file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return stripped


def _build_copy(
    command: list[str], folder: Path, scratch: Path, tree_root: Path, time_limit: float
) -> BuildResult:
    scratch = scratch.resolve()
    wrapper = scratch / "wrapper"
    wrapper.mkdir()
    plugins = scratch / "plugins"
    plugins.mkdir()
    relative = os.path.relpath(folder.resolve(), wrapper)
    (wrapper / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": [relative], "buildMetadata": ["originAnnotations"]}),
        encoding="utf-8",
    )
    output = scratch / "output.yaml"  # a file, so that memory never holds more than the limit
    try:
        with output.open("wb") as sink:
            done = subprocess.run(
                # Flux's kustomize-controller builds without kustomize's root restriction
                [*command, "--load-restrictor", "LoadRestrictionsNone", str(wrapper)],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.PIPE,
                timeout=time_limit,
                env=offline_environment(str(plugins)),
                check=False,
            )
        size = output.stat().st_size
        if done.returncode != 0:
            return BuildResult(error=_first_error(done.stderr[:65536]))
        if size > OUTPUT_LIMIT:
            return BuildResult(error=f"the build wrote more than {OUTPUT_LIMIT} bytes")
        rendered = output.read_bytes()
    except subprocess.TimeoutExpired:
        note_unknowable()  # another run, on a less busy machine, may finish it
        return BuildResult(error=f"the build took longer than {time_limit:.0f} s")
    except OSError as exc:
        note_unknowable()
        return BuildResult(error=f"the engine could not run: {exc.strerror or exc}")
    return _parse(rendered, wrapper, tree_root.resolve())


def _first_error(stderr: bytes) -> str:
    """The innermost cause kustomize gives: it wraps each level of accumulation around it."""
    message = stderr.decode("utf-8", "replace").strip()
    for marker in ('err="', "Error: "):
        if marker in message:
            message = message.split(marker, 1)[1].rstrip('"')
            break
    for marker in ("accumulation err='", "accumulating resources: "):
        message = message.rsplit(marker, 1)[-1]
    line = " ".join(message.split()).rstrip("'")
    return line[:300] or "the build failed without a message"


def _parse(output: bytes, wrapper: Path, tree_root: Path) -> BuildResult:
    try:
        documents = list(
            yaml.load_all(output, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        )
    except yaml.YAMLError as exc:
        return BuildResult(error=f"the engine wrote YAML that does not parse: {exc}")
    result = BuildResult()
    for body in documents:
        if not isinstance(body, dict):
            continue
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        annotations = (
            metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
        )
        result.objects.append(
            Rendered(
                text(body.get("apiVersion")) or "",
                text(body.get("kind")) or "",
                text(metadata.get("name")),
                text(metadata.get("namespace")),
                _origin(annotations.get(_ORIGIN), wrapper, tree_root),
                body,
            )
        )
    return result


def _origin(annotation: object, wrapper: Path, tree_root: Path) -> str | None:
    if not isinstance(annotation, str):
        return None
    try:
        origin = yaml.safe_load(annotation)
    except yaml.YAMLError:
        return None
    path = origin.get("path") if isinstance(origin, dict) else None
    if not isinstance(path, str) or origin.get("repo"):
        return None  # a generated object, or one from a remote repository
    absolute = os.path.normpath(os.path.join(wrapper, path))
    relative = os.path.relpath(absolute, tree_root)
    if relative.startswith(".."):
        return None
    return posixpath.join(*Path(relative).parts)
