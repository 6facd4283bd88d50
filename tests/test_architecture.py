"""The package's layout keeps the pipeline's direction (ARCHITECTURE.md): no module imports
another that, directly or not, imports it back, and no stage imports a later one. Imports inside
functions count (they are deferred, not absent); `if TYPE_CHECKING:` blocks do not."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "metallb_lint"

# stage -> the later stages (and the command line) it must never import
LATER = {
    "load": ("gitops", "model", "checks", "policies", "decide", "report", "cli", "engine"),
    "metallb": ("model", "checks", "policies", "decide", "report", "cli", "engine"),
    "gitops": ("checks", "policies", "decide", "report", "cli", "engine"),
    "model": ("checks", "policies", "decide", "report", "cli", "engine"),
    "checks": ("decide", "report", "cli", "engine"),
    "decide": ("gitops", "model", "checks", "policies", "report", "cli", "engine"),
    "report": ("cli",),
    "tools": ("cli",),
    # fixes work on findings and texts only: no stage's internals, no command line
    "fixes": ("load", "gitops", "model", "checks", "policies", "decide", "report", "cli", "engine"),
    "engine": ("cli",),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules `path` imports. `from pkg import mod` names the submodule only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_blocks(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("metallb_lint"):
                continue
            submodules = [f"{node.module}.{a.name}" for a in node.names]
            named = [m for m in submodules if m in modules]
            found.update(named)
            if len(named) < len(submodules) and node.module in modules:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
    return found - {_module_name(path)}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_nothing_imports_the_command_line() -> None:
    importers = {
        name
        for name, targets in _graph().items()
        if any(t == "metallb_lint.cli" or t.startswith("metallb_lint.cli.") for t in targets)
        and not name.startswith("metallb_lint.cli")
    }
    assert importers == {"metallb_lint.__main__"}


def test_no_stage_imports_a_later_one() -> None:
    wrong = []
    for name, targets in _graph().items():
        stage = name.split(".")[1] if "." in name else ""
        for target in targets:
            later = target.split(".")[1] if "." in target else ""
            if later in LATER.get(stage, ()):
                wrong.append(f"{name} -> {target}")
    assert wrong == []
