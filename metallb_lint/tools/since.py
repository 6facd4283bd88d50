"""`check --new-since REF`: report only the findings a change causes.

The files of REF (`load/gitrev.py`) are linted the same way as the working tree, from the same
place in the repository; a finding of the working tree that REF already had (same rule, file,
resource and anchor, as a baseline matches them, never by line) is suppressed with a reason.
A new finding in a file that did not change says which changed file caused it: a file it
relates to (the pool that shrank), else the changed files, deleted ones included. What a
deleted pool file strands is found this way, which named files alone never show.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import replace

from metallb_lint.config import Config
from metallb_lint.decide import Baseline
from metallb_lint.engine import Options, RunResult, run
from metallb_lint.errors import UsageError
from metallb_lint.findings import Finding
from metallb_lint.load.discover import display_path, find_repo_root
from metallb_lint.load.gitrev import RevisionError, has_commits, write_revision
from metallb_lint.safeio import read_bytes


@contextlib.contextmanager
def _cwd(folder: str) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _inside(path: str, root: str) -> str | None:
    """`path` relative to `root`, or None when it lies outside."""
    relative = os.path.relpath(os.path.abspath(path), root)
    return None if relative == ".." or relative.startswith(".." + os.sep) else relative


def run_since(options: Options, config: Config, revision: str) -> RunResult:
    if "-" in options.paths:
        raise UsageError("--new-since lints files of the repository, not stdin")
    if options.baseline:
        raise UsageError("--new-since and --baseline exclude each other")
    first = next(iter(options.paths), ".")
    root = find_repo_root(first)
    if root is None:
        raise UsageError(f"--new-since {revision}: {first} is not in a git repository")
    root = os.path.realpath(root)
    with tempfile.TemporaryDirectory(prefix="metallb-lint-since-") as tmp:
        tmp = os.path.realpath(tmp)
        if revision != "HEAD" or has_commits(root):  # a new repository: nothing was there
            try:
                write_revision(root, revision, tmp)
            except RevisionError as exc:
                raise UsageError(f"--new-since {revision}: {exc}") from None
        else:
            os.makedirs(os.path.join(tmp, ".git"))
        previous, old_files = _earlier(options, config, root, tmp, revision)
        result = run(replace(options, previous=previous), config)
        changed = _changed(old_files, _files(result, root), root, tmp)
    _blame(result.findings, changed, root)
    kept = sum(1 for f in result.findings if f.extra.get("suppressed_by") == "baseline")
    result.notes.append(
        f"--new-since {revision}: {kept} finding(s) that {revision} already had are not "
        f"reported again; {len(changed)} file(s) changed"
    )
    return result


def _earlier(
    options: Options, config: Config, root: str, tmp: str, revision: str
) -> tuple[Baseline, set[str]]:
    """The findings of the revision written to `tmp`, linted from the same place as now,
    as a baseline for the working tree; and the files that run read (relative to the root)."""
    where = _inside(os.getcwd(), root)
    folder = os.path.join(tmp, where) if where is not None else os.getcwd()
    os.makedirs(folder, exist_ok=True)
    paths = []
    for path in options.paths:
        relative = _inside(path, root)
        if relative is not None and os.path.lexists(os.path.join(tmp, relative)):
            paths.append(os.path.join(tmp, relative))
    reason = f"{revision} already had it: not caused by this change"
    label = f"--new-since {revision}"
    if not paths:
        return Baseline.of_findings([], tmp, root, label, reason), set()
    config_root = _inside(config.root, root) if config.root else None
    earlier_config = replace(
        config,
        root=os.path.join(tmp, config_root) if config_root is not None else config.root,
        crds=[os.path.abspath(c) for c in config.crds],
    )
    with _cwd(folder):
        relative_paths = [os.path.relpath(p) if where is not None else p for p in paths]
        # (no run memo: a temporary checkout's could never be used again)
        earlier = run(
            replace(options, paths=relative_paths, previous=None, memo=False), earlier_config
        )
        findings = [f for f in earlier.findings if not f.suppressed]
        baseline = Baseline.of_findings(findings, tmp, root, label, reason)
        files = _files(earlier, tmp)
    return baseline, files


def _files(result: RunResult, root: str) -> set[str]:
    """The files a run read, relative to `root` (the cwd of that run)."""
    found = result.discovery
    if found is None:
        return set()
    out = set()
    for candidate in [*found.candidates, *found.context, *found.jinja, *found.scripts]:
        relative = _inside(candidate.fs_path, root) if candidate.fs_path else None
        if relative is not None:
            out.add(relative)
    return out


def _changed(old: set[str], new: set[str], root: str, tmp: str) -> dict[str, str]:
    """The files that differ between the revision and the working tree: path -> how."""
    changed = {}
    for relative in sorted(old | new):
        if relative not in new and not os.path.lexists(os.path.join(root, relative)):
            changed[relative] = "deleted"
        elif relative not in old:
            changed[relative] = "added"
        elif _content(os.path.join(root, relative)) != _content(os.path.join(tmp, relative)):
            changed[relative] = "changed"
    return changed


def _content(path: str) -> bytes | None:
    try:
        return read_bytes(path)
    except OSError:
        return None


def _blame(findings: list[Finding], changed: dict[str, str], root: str) -> None:
    """A new finding in a file the change did not touch says which changed file caused it."""
    if not changed:
        return
    cwd = os.getcwd()

    def name(relative: str) -> str:
        shown = display_path(os.path.join(root, relative), cwd)
        return f"{shown} ({changed[relative]})" if changed[relative] == "deleted" else shown

    for finding in findings:
        if finding.suppressed:
            continue
        own = _inside(finding.location.path, root)
        if own is None or own in changed:
            continue
        related = [_inside(r.location.path, root) for r in finding.related]
        causes = [r for r in dict.fromkeys(related) if r is not None and r in changed]
        causes += [c for c, how in changed.items() if how == "deleted"]  # never related
        causes = causes or list(changed)
        shown = ", ".join(name(c) for c in causes[:3])
        if len(causes) > 3:
            shown += f" and {len(causes) - 3} more"
        finding.extra["caused_by"] = [name(c) for c in causes]
        finding.message += f" (new with this change to {shown})"
