"""Writing fixed files back: atomically (safeio.write_atomic), only regular files inside the
linted paths reached without a symbolic link, and only when the file still holds the text the
run read. Line breaks (CRLF) and a byte-order mark are kept as the file had them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from metallb_lint.fixes.plan import Plan
from metallb_lint.safeio import read_bytes, write_atomic

_BOM = b"\xef\xbb\xbf"


def write_changes(plan: Plan, files: dict[str, str], roots: Iterable[str]) -> None:
    """Write each changed file of `plan` (`files`: path as findings name it -> path on disk;
    `roots`: the paths named on the command line). A file that cannot be written safely is
    left alone and its fixes move to `plan.not_applied`."""
    real_roots = [os.path.realpath(root) for root in roots if root != "-"]
    for path in list(plan.changes):
        change = plan.changes[path]
        reason = _write(files.get(path), change.before, change.after, real_roots)
        if reason is not None:
            plan.drop(path, reason)


def _write(disk: str | None, before: str, after: str, roots: list[str]) -> str | None:
    """Why the file was not written, or None once it is."""
    if not disk:
        return "standard input is never rewritten (use --diff)"
    try:
        info = os.lstat(disk)
    except OSError:
        return "the file is gone"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link; not written through it"
    real = os.path.realpath(disk)
    if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
        return "it lies outside the linted paths"
    try:
        raw = read_bytes(disk)
    except OSError as exc:
        return f"it cannot be read again: {exc.strerror or exc}"
    encoded = _encode(raw, before, after)
    if encoded is None:
        return "it changed since it was read"
    try:
        current = os.lstat(disk)
        if (current.st_ino, current.st_size, current.st_mtime_ns) != (
            info.st_ino,
            info.st_size,
            info.st_mtime_ns,
        ):
            return "it changed since it was read"
        write_atomic(disk, encoded)
    except OSError as exc:
        return f"it cannot be written: {exc.strerror or exc}"
    return None


def _encode(raw: bytes, before: str, after: str) -> str | None:
    """`after` in the byte-order mark and line breaks of `raw`; None when `raw` is not the text
    `before` (as the loader read it: breaks normalised, mark dropped) or mixes line breaks."""
    bom = raw.startswith(_BOM)
    body = raw[len(_BOM) :] if bom else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    crlf = "\r\n" in text
    normalised = text.replace("\r\n", "\n")
    if "\r" in normalised or normalised != before:
        return None  # lone carriage returns, or not what was read
    if crlf and normalised.count("\n") != text.count("\r\n"):
        return None  # mixed line breaks: no single style to write
    out = after.replace("\n", "\r\n") if crlf else after
    return ("\ufeff" if bom else "") + out
