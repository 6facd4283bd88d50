"""Every way the package reads or lists files is accounted for: the run memo (runmemo.py)
replays a run only while every input it noted is unchanged, so a module that reads the tree
without `safeio.read_bytes` (which notes its files) must note what it reads (`inputlog`).

This test fails on a new place that reads or lists files; add it below with the reason it is
safe, after making it note its inputs if it reads the linted tree during a run."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "metallb_lint"
_CALLS = {"listdir", "walk", "scandir", "read_text", "read_bytes", "iterdir", "rglob", "glob"}
_OPENERS = {"open", "copytree"}

# module -> why its reads need no note of their own
ACCOUNTED = {
    "catalog.py": "the package's own rules/ (the memo's code fingerprint covers them)",
    "resources.py": "the package's own schemas/ (code fingerprint)",
    "metallb/schema.py": "the package's own schemas/ (code fingerprint)",
    "policies/__init__.py": "the package's built-in policies (code fingerprint)",
    "load/cache.py": "the cache's own files, never an input",
    "load/discover.py": "discovery runs on every run, the memo's listing is its result",
    "load/gitrev.py": "writes a git revision for --new-since, which keeps no memo",
    "gitops/chartfiles.py": "notes each folder it walks and file it reads (note_path)",
    "model/chart_values.py": "notes the charts/ folder and each file or archive it reads",
    "gitops/render.py": "notes every file and folder it copies for the engine",
    "runmemo.py": "the tool's own files (its code fingerprint)",
    "safeio.py": "read_bytes notes its files; walk_files tells its `note` each folder",
}


def _readers(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            return True
        if isinstance(func, ast.Attribute):
            base = ast.unparse(func.value)
            if func.attr in _OPENERS and base != "os":
                return True
            if func.attr in _CALLS and not (func.attr == "read_bytes" and base == "safeio"):
                return True
    return False


def test_every_module_that_reads_files_is_accounted_for() -> None:
    readers = {
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        if _readers(path)
    }
    assert readers - ACCOUNTED.keys() == set(), "read files without noting them (inputlog.py)"
    assert ACCOUNTED.keys() - readers == set(), "accounted for, but no longer reads files"
