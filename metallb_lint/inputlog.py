"""What a run read from disk: every file (with the status it had when opened), every path it
found absent, every folder it listed (with its status before the listing).

The run memo (`runmemo.py`) replays a run's result only while all of these are as they were;
so every place that reads the tree outside `safeio.read_bytes` (which notes its files itself)
notes what it reads or lists here. Nothing is noted outside `recording()`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# (size, modification time, change time, inode, device), all in nanoseconds where times; None
# when the path was absent. A folder's times change whenever an entry is added, removed or
# renamed, a file's whenever a byte is written (and the change time cannot be set back).
Status = tuple[int, int, int, int, int] | None


def status_of(info: os.stat_result) -> tuple[int, int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


def current_status(path: str) -> Status:
    """The status of `path` now (symbolic links followed, as reading them does)."""
    try:
        return status_of(os.stat(path))
    except (OSError, ValueError):
        return None


class InputLog:
    """The paths of one run, each with the first status seen (see the top)."""

    def __init__(self) -> None:
        self.paths: dict[str, Status] = {}
        self.unknowable = False  # the result depended on something no status describes

    def note(self, path: str, status: Status) -> None:
        """(`path` as the run names it: relative to the working directory, which is part of
        the memo's key; kept as given, a large tree's paths are not copied again)"""
        self.paths.setdefault(path, status)


_log: InputLog | None = None


@contextmanager
def recording() -> Iterator[InputLog]:
    """Note what is read while the block runs (nested recordings share the outer log)."""
    global _log
    outer = _log
    log = outer if outer is not None else InputLog()
    _log = log
    try:
        yield log
    finally:
        _log = outer


def restart() -> InputLog:
    """In a worker process: a log of its own, whose paths it hands back to the parent's."""
    global _log
    _log = InputLog()
    return _log


def adopt(paths: dict[str, Status]) -> None:
    """In the parent: the paths a worker process noted."""
    if _log is not None:
        for path, status in paths.items():
            _log.note(path, status)


def note_read(path: str, info: os.stat_result | None) -> None:
    """A file read (its status from the descriptor it was read through), or absent (None)."""
    if _log is not None:
        _log.note(path, status_of(info) if info is not None else None)


def note_status(path: str, status: Status) -> None:
    """A file whose status was taken before it was (or instead of being) read."""
    if _log is not None:
        _log.note(path, status)


def note_path(path: str) -> None:
    """A file read or a folder listed by code that does not go through `safeio.read_bytes`:
    its status now, taken before it is read or listed."""
    if _log is not None:
        _log.note(path, current_status(path))


def note_unknowable() -> None:
    """The run depended on something no status describes (a build the engine did not finish
    in time, or could not start): its result is not kept."""
    if _log is not None:
        _log.unknowable = True
