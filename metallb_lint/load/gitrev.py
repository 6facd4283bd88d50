"""The files of a git revision, written to a folder (`check --new-since REF`): what the
repository held before the change, to lint it the same way and tell new findings from old.

Only what a run reads is written (YAML files, Chart.lock, Kustomization, shell scripts, Jinja
manifests, `.gitignore`, configuration files), never through a symbolic link or out of the
folder, and no file over the read limit (the run would not read it either). `git` is run with
`ls-tree` and `cat-file --batch`: the index, the working tree and the repository's state are
never touched.
"""

from __future__ import annotations

import os
import subprocess

from metallb_lint.load.discover import (
    CONFIG_NAMES,
    JINJA_SUFFIXES,
    SCRIPT_SUFFIXES,
    is_candidate_name,
)
from metallb_lint.safeio import MAX_READ_BYTES

_READ_NAMES = frozenset({".gitignore", "pyproject.toml", *CONFIG_NAMES})


class RevisionError(Exception):
    """The revision cannot be read (no such revision, git missing or failing)."""


def _wanted(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..", ".git") for p in parts):
        return False
    return (
        is_candidate_name(name)
        or name in _READ_NAMES
        or name.endswith(JINJA_SUFFIXES)
        or name.endswith(SCRIPT_SUFFIXES)
    )


def _git(root: str, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", root, *args],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=300,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RevisionError(f"git could not run: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RevisionError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def has_commits(root: str) -> bool:
    """Whether HEAD names a commit (a new repository has none yet)."""
    try:
        _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except RevisionError:
        return False
    return True


def write_revision(root: str, revision: str, dest: str) -> int:
    """Write the files a run reads of `revision` of the repository at `root` into `dest`;
    the number of files written."""
    if revision.startswith("-"):
        raise RevisionError(f"'{revision}' is not a revision")
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except RevisionError:
        raise RevisionError(f"no commit '{revision}' in the repository {root}") from None
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", "-l", commit.decode().strip())
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        path = os.fsdecode(raw_path)
        if kind != b"blob" or mode not in (b"100644", b"100755") or not _wanted(path):
            continue
        if int(size) > MAX_READ_BYTES:
            continue
        blobs.append((sha.decode(), path))
    # The folder is a repository's root as the working tree's is: the same project boundary
    # (discover.project_root), whatever the revision holds.
    os.makedirs(os.path.join(dest, ".git"), exist_ok=True)
    if not blobs:
        return 0
    batch = _git(root, "cat-file", "--batch", stdin="".join(f"{s}\n" for s, _ in blobs).encode())
    offset = 0
    for sha, path in blobs:
        header_end = batch.index(b"\n", offset)
        header = batch[offset:header_end].split()
        if len(header) != 3 or header[0].decode() != sha:
            raise RevisionError(f"git cat-file: unexpected answer for {path}")
        size = int(header[2])
        start = header_end + 1
        _write(dest, path, batch[start : start + size])
        offset = start + size + 1
    return len(blobs)


def _write(dest: str, path: str, data: bytes) -> None:
    target = os.path.join(dest, *path.split("/"))
    real_dest = os.path.realpath(dest)
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    if not os.path.realpath(folder).startswith(real_dest):
        return  # never out of the folder (a tree cannot hold '..', but a path may be odd)
    with open(target, "xb") as out:
        out.write(data)
