"""Paths to candidate files: directories walked, `.gitignore` and excludes honoured, symlinks
followed only inside the tree and never into a loop.

Context (DESIGN.md, "Pre-commit: files versus the whole repository"): a named file, a named
folder below its project's root, and stdin with --stdin-filename are judged with the rest of
their *project* as `Discovery.context`: the other candidate files are read for cross-file
checks (a Service against the pools of the whole repository), and the caller reports only the
findings that touch a named path. A project is the nearest folder at or above the path that
holds `.git` or a metallb-lint configuration file (`.metallb-lint.yaml`, `.metallb-lint.yml`,
`[tool.metallb-lint]` in `pyproject.toml`): a configuration file marks a repository of its own
inside another (this project's fixtures), and a folder that is its project's root is its own
context."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from metallb_lint.findings import Location
from metallb_lint.load.ignore import IgnoreRules
from metallb_lint.printable import printable
from metallb_lint.safeio import read_optional_text

YAML_SUFFIXES = (".yaml", ".yml")
# Manifests that Ansible or another Jinja renderer writes (`calico-bgp.yaml.j2`): not linted,
# their values are templated, but they can show what else runs on the cluster.
JINJA_SUFFIXES = (".yaml.j2", ".yml.j2", ".yaml.jinja", ".yml.jinja", ".yaml.jinja2")
SCRIPT_SUFFIXES = (".sh", ".bash")  # read only for the MetalLB install they name
EXTRA_NAMES = frozenset({"Chart.lock", "Kustomization"})
# metallb-lint's own configuration: never a manifest, and a project's boundary (see the top).
CONFIG_NAMES = (".metallb-lint.yaml", ".metallb-lint.yml")
ALWAYS_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})
STDIN = "-"
# A .gitignore or git exclude file larger than this is not read (and said so).
MAX_IGNORE_FILE_BYTES = 1024 * 1024
# Folders more than this many levels below a walked folder are not entered (one note).
MAX_DEPTH = 100


class Candidate(NamedTuple):
    """A file to read: where it is on disk and how findings name it."""

    fs_path: str  # "" for stdin
    display: str
    explicit: bool = False  # named on the command line (pre-commit passes files this way)


@dataclass
class Discovery:
    """What discovery found: candidate files, problems, notes and context files."""

    candidates: list[Candidate] = field(default_factory=list)
    problems: list[tuple[Location, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The rest of the enclosing repositories, when only files were named (see the top).
    context: list[Candidate] = field(default_factory=list)
    # True when `context` was looked for: findings must then touch a named file to be reported.
    scoped: bool = False
    context_roots: list[str] = field(default_factory=list)  # the projects read as context
    # Jinja templates of manifests in the walked folders (JINJA_SUFFIXES): never linted.
    jinja: list[Candidate] = field(default_factory=list)
    scripts: list[Candidate] = field(default_factory=list)  # shell scripts (gitops/scripts.py)
    # What the walk passed over, and why (--show-files): (displayed path, reason). Files whose
    # names are never read (not YAML) are only counted, in `other_files`.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    other_files: int = 0


def display_path(path: str, cwd: str) -> str:
    """Relative to the current directory when the file is under it (DESIGN.md, JSON output)."""
    absolute = os.path.abspath(path)
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return printable(os.path.relpath(absolute, cwd).replace(os.sep, "/"))
    return printable(absolute.replace(os.sep, "/"))


def _child(folder_display: str, name: str) -> str:
    """The displayed path of `name` in a directory displayed as `folder_display` (what
    `display_path` gives for it: a directory entry's name has no separator, `.` or `..`)."""
    if folder_display == ".":
        return printable(name)
    return folder_display.rstrip("/") + "/" + printable(name)


def is_candidate_name(name: str) -> bool:
    return name.endswith(YAML_SUFFIXES) or name in EXTRA_NAMES


def project_root(start: str) -> str | None:
    """The nearest folder at or above `start` (a file's folder for a file) that holds `.git`
    or a metallb-lint configuration file, or None."""
    current = Path(os.path.abspath(start))
    if not current.is_dir():
        current = current.parent
    for folder in (current, *current.parents):
        if (folder / ".git").exists() or any((folder / n).is_file() for n in CONFIG_NAMES):
            return str(folder)
        if (folder / "pyproject.toml").is_file() and _configures(folder / "pyproject.toml"):
            return str(folder)
    return None


def _configures(pyproject: Path) -> bool:
    text, _ = read_optional_text(str(pyproject), MAX_IGNORE_FILE_BYTES)
    return "[tool.metallb-lint" in text or '[tool."metallb-lint"' in text


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
    context: bool = False,
) -> Discovery:
    """The candidate files of `paths`; with `context`, also the context of named files (see the
    top of this module)."""
    cwd = os.path.abspath(cwd or os.getcwd())
    excludes = excludes or IgnoreRules()
    found = Discovery()
    seen: set[str] = set()
    paths = list(paths)
    for raw in paths:
        if raw == STDIN:
            found.candidates.append(
                Candidate("", printable(stdin_name or "<stdin>"), explicit=True)
            )
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
        if os.path.islink(raw):
            real, problem = _resolve_link(raw)
            if real is None:
                found.problems.append((Location(display), problem))
                continue
            tree = find_repo_root(os.path.dirname(os.path.abspath(raw)) or ".") or cwd
            if not _inside(real, os.path.realpath(tree)):
                found.notes.append(f"{display}: symbolic link out of the tree, not followed")
                continue
        else:
            real = os.path.abspath(raw)
        if real not in seen:
            seen.add(real)
            found.candidates.append(Candidate(raw, display, explicit=True))
    if context:
        _add_context(paths, found, seen, excludes, exclude_root, stdin_name, cwd)
    return found


def _add_context(
    paths: list[str],
    found: Discovery,
    seen: set[str],
    excludes: IgnoreRules,
    exclude_root: str | None,
    stdin_name: str | None,
    cwd: str,
) -> None:
    """Walk the projects enclosing the named paths into `found.context` (see the top): those
    of named files, of named folders below their project's root, and of --stdin-filename."""
    named = [p for p in paths if p != STDIN]
    if STDIN in paths and stdin_name:  # the file on disk is stale: stdin holds its new text
        named.append(stdin_name)
        seen.add(os.path.abspath(stdin_name))
    roots = set()
    for path in named:
        root = project_root(path)
        if root is None:
            continue
        if os.path.isdir(path) and os.path.abspath(path) == root:
            continue  # a project's root is its own context
        roots.add(root)
    if not roots:
        return
    roots = sorted(roots)
    walked = Discovery()
    for root in roots:
        _walk(root, walked, seen, excludes, exclude_root, cwd)
    found.context = walked.candidates
    found.jinja.extend(walked.jinja)
    found.scripts.extend(walked.scripts)
    found.scoped = True
    found.context_roots = [display_path(root, cwd) for root in roots]
    found.notes.extend(
        f"{root}: indexed as context for the named paths; only findings that touch them are "
        "reported (--no-context turns this off)"
        for root in found.context_roots
    )


def _excluded(abs_path: str, excludes: IgnoreRules, root: str | None, *, is_dir: bool) -> bool:
    if not excludes.patterns or root is None:
        return False
    rel = os.path.relpath(abs_path, root).replace(os.sep, "/")
    if rel.startswith(".."):
        return False
    return excludes.ignored(rel, is_dir)


def _resolve_link(path: str) -> tuple[str | None, str]:
    """The real path of a symbolic link, or None and why it cannot be followed."""
    try:
        return os.path.realpath(path, strict=True), ""
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "symbolic link loop (the link leads back to itself); file not read"
        target = _link_target(path)
        return None, f"broken symbolic link (its target {target} does not exist); file not read"
    except RuntimeError:  # pragma: no cover - older Pythons report loops this way
        return None, "symbolic link loop (the link leads back to itself); file not read"


def _link_target(path: str) -> str:
    try:
        return f"'{os.readlink(path)}'"
    except OSError:
        return "of the link"


def _read_lines(path: str, found: Discovery, cwd: str) -> list[str]:
    """The lines of an ignore file; one that is there but not read (a pipe, a device, too
    large, unreadable) is a note."""
    text, problem = read_optional_text(path, MAX_IGNORE_FILE_BYTES)
    if problem is not None:
        found.notes.append(f"{display_path(path, cwd)}: {problem}; its patterns were not applied")
    return text.splitlines()


def _read_gitignore(folder: str, found: Discovery, cwd: str) -> list[str]:
    return _read_lines(os.path.join(folder, ".gitignore"), found, cwd)


def _initial_rules(top: str, root_real: str, found: Discovery, cwd: str) -> tuple[str, IgnoreRules]:
    """`.git/info/exclude` and the .gitignore files between the repository root and `top`."""
    repo_root = find_repo_root(top)
    if repo_root is None:
        return "", IgnoreRules()
    exclude = os.path.join(repo_root, ".git", "info", "exclude")
    rules = IgnoreRules().extended(_read_lines(exclude, found, cwd), "")
    rel_top = os.path.relpath(root_real, os.path.realpath(repo_root))
    if rel_top == "." or rel_top.startswith(".."):
        return "", rules
    folder = repo_root
    for part in rel_top.split(os.sep):
        rel_base = os.path.relpath(folder, repo_root).replace(os.sep, "/")
        lines = _read_gitignore(folder, found, cwd)
        rules = rules.extended(lines, "" if rel_base == "." else rel_base)
        folder = os.path.join(folder, part)
    return rel_top.replace(os.sep, "/"), rules


def _walk(
    top: str,
    found: Discovery,
    seen: set[str],
    excludes: IgnoreRules,
    exclude_root: str | None,
    cwd: str,
) -> None:
    """Walk `top` in a stable order. Symbolic links are never followed: a link to something
    inside the tree names a file that is linted under its real name anyway, one out of the
    tree leads outside what was asked for, and a broken or looping one is reported."""
    root_real = os.path.realpath(top)
    rel_top, initial = _initial_rules(top, root_real, found, cwd)
    if rel_top and initial.ignored(rel_top, True):
        return  # an ignored directory, named: nothing below it can be re-included
    # Below, a directory is entered only when it is not ignored, and a .gitignore cannot match
    # its own directory: a path's parents need no second look (`parents=False`).
    visited_dirs: set[tuple[int, int]] = {_identity(os.stat(top))}
    # (directory path, its path relative to the repository root, gitignore rules in force,
    # its depth below `top`)
    stack: list[tuple[str, str, IgnoreRules, int]] = [(top, rel_top, initial, 0)]
    while stack:
        folder, rel, rules, depth = stack.pop()
        rules = rules.extended(_read_gitignore(folder, found, cwd), rel)
        # Worked out once a directory: its files' absolute and displayed paths extend them.
        folder_abs = os.path.abspath(folder)
        folder_display = display_path(folder_abs, cwd)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                found.notes.append(
                    f"{folder_display}: path too long for the system; nothing below it was checked"
                )
                continue
            found.problems.append(
                (
                    Location(folder_display),
                    f"directory not readable: {exc.strerror}; nothing below it was checked",
                )
            )
            continue
        subdirs: list[tuple[str, str, IgnoreRules, int]] = []
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                why = _skipped_why(entry, child_rel, rules, excludes, exclude_root, True)
                if why is not None:
                    found.skipped.append((_child(folder_display, entry.name) + "/", why))
                    continue
                if depth >= MAX_DEPTH:
                    found.notes.append(
                        f"{_child(folder_display, entry.name)}: more than {MAX_DEPTH} folders "
                        "deep; nothing below it was checked"
                    )
                    continue
                try:
                    identity = _identity(entry.stat(follow_symlinks=False))
                except OSError:
                    continue
                if identity in visited_dirs:  # a bind mount or another second way in
                    continue
                visited_dirs.add(identity)
                subdirs.append((entry.path, child_rel, rules, depth + 1))
                continue
            if is_link:
                _link(entry, child_rel, rules, found, excludes, exclude_root, root_real, cwd)
                continue
            jinja = entry.name.endswith(JINJA_SUFFIXES)
            script = entry.name.endswith(SCRIPT_SUFFIXES)
            if not jinja and not script and not is_candidate_name(entry.name):
                found.other_files += 1
                continue
            if entry.name in CONFIG_NAMES:
                found.skipped.append((_child(folder_display, entry.name), "the configuration"))
                continue
            why = _skipped_why(entry, child_rel, rules, excludes, exclude_root, False)
            if why is not None:
                found.skipped.append((_child(folder_display, entry.name), why))
                continue
            real = os.path.join(folder_abs, entry.name)
            if real in seen:  # a named file's folder walked again as context
                continue
            seen.add(real)
            candidate = Candidate(entry.path, _child(folder_display, entry.name))
            if jinja or script:
                (found.jinja if jinja else found.scripts).append(candidate)
                continue
            found.candidates.append(candidate)
        stack.extend(reversed(subdirs))


def _skipped_why(
    entry: os.DirEntry,
    rel: str,
    rules: IgnoreRules,
    excludes: IgnoreRules,
    exclude_root: str | None,
    is_dir: bool,
) -> str | None:
    """Why a walked file or folder is not read, or None when it is."""
    if is_dir and entry.name in ALWAYS_SKIPPED_DIRS:
        return "never read (version control, dependencies or caches)"
    if rules.ignored(rel, is_dir, parents=False):
        return "ignored by .gitignore or .git/info/exclude"
    if _excluded(entry.path, excludes, exclude_root, is_dir=is_dir):
        return "excluded by the configuration's exclude"
    return None


def _identity(info: os.stat_result) -> tuple[int, int]:
    """What tells a folder apart whatever path leads to it (no realpath: that costs a system
    call per level, quadratic in a deep tree)."""
    return info.st_dev, info.st_ino


def _link(
    entry: os.DirEntry,
    rel: str,
    rules: IgnoreRules,
    found: Discovery,
    excludes: IgnoreRules,
    exclude_root: str | None,
    root_real: str,
    cwd: str,
) -> None:
    """Account for a symbolic link met while walking; it is never followed (see `_walk`)."""
    candidate = is_candidate_name(entry.name)
    ignored = rules.ignored(rel, False, parents=False)
    if ignored or _excluded(entry.path, excludes, exclude_root, is_dir=False):
        return
    display = display_path(entry.path, cwd)
    real, problem = _resolve_link(entry.path)
    if real is None:
        if candidate:
            found.problems.append((Location(display), problem))
        else:
            found.notes.append(f"{display}: {problem.split(';')[0]}")
        return
    if not candidate and not os.path.isdir(real):
        return
    if not _inside(real, root_real):
        found.notes.append(f"{display}: symbolic link out of the tree, not followed")
        return
    target = display_path(real, cwd)
    found.notes.append(f"{display}: symbolic link to {target}, which is checked under that name")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
