"""Shared test helpers. Every run is isolated from user configuration and the environment."""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from metallb_lint import engine
from metallb_lint.cli import main
from metallb_lint.load import sharing

_REAL_MEMO_OF = engine._memo_of

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("metallb-lint-cache")


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, _session_cache: Path) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "CI", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    # The static model alone, whatever this machine has on PATH (tests of `--render` ask for
    # the engine themselves: tests/test_render_runtime.py).
    monkeypatch.setenv("METALLB_LINT_RENDER", "never")
    # Never the user's cache. One cache for the whole session: a test that runs a tree
    # another test ran reads it from the cache, so every exact-output test also checks that
    # a warm run says what a cold one does (tests/test_cache.py tests the cache itself).
    monkeypatch.setenv("METALLB_LINT_CACHE_DIR", str(_session_cache))
    # and where a subprocess drops METALLB_LINT_* (the action, the corpus runner), the default
    # user cache directory is a temporary one too
    monkeypatch.setenv("XDG_CACHE_HOME", str(_session_cache / "xdg"))
    # No run memo: it replays a run whose inputs did not change, and a test that patches the
    # code (a smaller budget, a fake engine) changes what no input says. Tests of the memo ask
    # for it with the `run_memo` fixture.
    monkeypatch.setattr(engine, "_memo_of", lambda options, config: None)


@pytest.fixture(autouse=True)
def _shared_data_unchanged() -> object:
    """Every test proves that nothing changes a manifest's data in place: equal collections
    of manifests are shared (load/sharing.py), and a test fails when one of them changed."""
    with sharing.checking():
        yield


@pytest.fixture()
def run_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run memo on (runmemo.py), which `_hermetic` turns off."""
    monkeypatch.setattr(engine, "_memo_of", _REAL_MEMO_OF)


def parser_limits_nesting() -> bool:
    """Whether the installed PyYAML refuses deep nesting itself: from 6.0.4 its libyaml stops at
    1,000 levels with a syntax error (ML001); older releases leave a deep document to
    metallb-lint's own limit of 200 levels (ML002). Both skip the document, quickly; the tests
    of deep input expect what the installed parser does (CI's lowest job runs PyYAML 6.0)."""
    import yaml

    deep = "[" * 1100 + "]" * 1100
    try:
        yaml.compose(deep, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return True
    except RecursionError:
        return False
    return False


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> CliResult:
    """Run the CLI in-process and capture what it prints."""
    out, err = io.StringIO(), io.StringIO()
    old = (sys.stdout, sys.stderr, sys.stdin, os.getcwd())
    sys.stdout, sys.stderr = out, err
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        if cwd is not None:
            os.chdir(cwd)
        code = main(list(args))
    finally:
        sys.stdout, sys.stderr, sys.stdin = old[0], old[1], old[2]
        os.chdir(old[3])
    return CliResult(code, out.getvalue(), err.getvalue())


def lint_json(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> CliResult:
    return run_cli("--isolated", "--format", "json", *args, cwd=cwd, stdin=stdin)


def findings(result: CliResult) -> list[tuple[str, str, int]]:
    """(rule, path, line) of every finding of a JSON run."""
    return [(f["rule"], f["path"], f["line"]) for f in result.json["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git-like repository root (a .git folder stops config lookup here)."""
    (tmp_path / ".git").mkdir()
    return tmp_path


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
