"""Paths to candidate files: directories walked, `.gitignore` and excludes honoured, symlinks
followed only inside the tree and never into a loop."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from metallb_lint.findings import Location
from metallb_lint.ignore import IgnoreRules

YAML_SUFFIXES = (".yaml", ".yml")
EXTRA_NAMES = frozenset({"Chart.lock", "Kustomization"})
ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})
STDIN = "-"


@dataclass(frozen=True)
class Candidate:
    """A file to read: where it is on disk and how findings name it."""

    fs_path: str  # "" for stdin
    display: str
    explicit: bool = False  # named on the command line (pre-commit passes files this way)


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[tuple[Location, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def display_path(path: str, cwd: str) -> str:
    """Relative to the current directory when the file is under it (DESIGN.md, JSON output)."""
    absolute = os.path.abspath(path)
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd).replace(os.sep, "/")
    return absolute.replace(os.sep, "/")


def is_candidate_name(name: str) -> bool:
    return name.endswith(YAML_SUFFIXES) or name in EXTRA_NAMES


def find_repo_root(start: str) -> str | None:
    """The nearest enclosing directory with a `.git` entry, or None."""
    current = Path(os.path.abspath(start))
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return str(folder)
    return None


def discover(
    paths: Iterable[str],
    *,
    excludes: IgnoreRules | None = None,
    exclude_root: str | None = None,
    stdin_name: str | None = None,
    cwd: str | None = None,
) -> Discovery:
    cwd = os.path.abspath(cwd or os.getcwd())
    excludes = excludes or IgnoreRules()
    found = Discovery()
    seen: set[str] = set()
    for raw in paths:
        if raw == STDIN:
            found.candidates.append(Candidate("", stdin_name or "<stdin>", explicit=True))
            continue
        if os.path.isdir(raw):
            _walk(raw, found, seen, excludes, exclude_root, cwd)
            continue
        display = display_path(raw, cwd)
        if not os.path.lexists(raw):
            raise FileNotFoundError(raw)
        if _excluded(os.path.abspath(raw), excludes, exclude_root, is_dir=False):
            found.notes.append(f"{display}: excluded by configuration")
            continue
        real = _safe_realpath(raw) if os.path.islink(raw) else os.path.abspath(raw)
        if real is None:
            found.problems.append((Location(display), "symbolic link loop; file not read"))
            continue
        if real not in seen:
            seen.add(real)
            found.candidates.append(Candidate(raw, display, explicit=True))
    return found


def _excluded(abs_path: str, excludes: IgnoreRules, root: str | None, *, is_dir: bool) -> bool:
    if not excludes.patterns or root is None:
        return False
    rel = os.path.relpath(abs_path, root).replace(os.sep, "/")
    if rel.startswith(".."):
        return False
    return excludes.ignored(rel, is_dir)


def _safe_realpath(path: str) -> str | None:
    try:
        real = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        return None
    return real


def _read_gitignore(folder: str) -> list[str]:
    try:
        with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return []


def _walk(
    top: str,
    found: Discovery,
    seen: set[str],
    excludes: IgnoreRules,
    exclude_root: str | None,
    cwd: str,
) -> None:
    root_real = os.path.realpath(top)
    visited_dirs: set[str] = {root_real}
    # (directory path, its path relative to top, gitignore rules in force there)
    stack: list[tuple[str, str, IgnoreRules]] = [(top, "", IgnoreRules())]
    repo_root = find_repo_root(top)
    if repo_root and os.path.realpath(repo_root) != root_real:
        # .gitignore files between the repository root and `top` apply too.
        rules = IgnoreRules()
        rel_top = os.path.relpath(root_real, os.path.realpath(repo_root))
        folder = repo_root
        for part in rel_top.split(os.sep):
            lines = _read_gitignore(folder)
            rel_base = os.path.relpath(folder, repo_root).replace(os.sep, "/")
            rules = rules.extended(lines, "" if rel_base == "." else rel_base)
            folder = os.path.join(folder, part)
        stack = [(top, rel_top.replace(os.sep, "/"), rules)]
    while stack:
        folder, rel, rules = stack.pop()
        rules = rules.extended(_read_gitignore(folder), rel)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            found.problems.append(
                (Location(display_path(folder, cwd)), f"directory not readable: {exc.strerror}")
            )
            continue
        subdirs: list[tuple[str, str, IgnoreRules]] = []
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_link, is_dir = True, False
            if is_dir:
                if entry.name in ALWAYS_SKIPPED_DIRS or rules.ignored(child_rel, True):
                    continue
                if _excluded(entry.path, excludes, exclude_root, is_dir=True):
                    continue
                real = os.path.realpath(entry.path)
                if is_link and not _inside(real, root_real):
                    found.notes.append(f"{display_path(entry.path, cwd)}: link out of the tree")
                    continue
                if real in visited_dirs:
                    continue  # a link back into an ancestor or a second way in: a loop
                visited_dirs.add(real)
                subdirs.append((entry.path, child_rel, rules))
                continue
            if not is_candidate_name(entry.name):
                continue
            if rules.ignored(child_rel, False):
                continue
            if _excluded(entry.path, excludes, exclude_root, is_dir=False):
                continue
            display = display_path(entry.path, cwd)
            if is_link:
                real = _safe_realpath(entry.path)
                if real is None:
                    found.problems.append(
                        (Location(display), "broken or looping symbolic link; file not read")
                    )
                    continue
                if not _inside(real, root_real):
                    found.notes.append(f"{display}: link out of the tree, not followed")
                    continue
            else:
                real = os.path.abspath(entry.path)
            if real in seen:
                continue
            seen.add(real)
            found.candidates.append(Candidate(entry.path, display))
        stack.extend(reversed(subdirs))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
