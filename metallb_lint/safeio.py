"""Reading and writing files safely, for every path the tool opens, whatever named it: the tree
walk, `.gitignore` files, git's exclude file, `--baseline`, `--crd`, `--policies`, the
configuration file (DESIGN.md, "Bad input").

Reading: only regular files, checked on the open descriptor before a byte is read (a FIFO, a
device or a socket would block or never end), opened non-blocking so that opening a FIFO
returns at once, and never more than `MAX_READ_BYTES` (documented in README.md, "Limits").

Writing (`write_atomic`): to a temporary file in the destination's folder, flushed to disk and
renamed into place, so that a run killed while writing leaves the previous file whole; never
through a symbolic link, never over one of the run's inputs.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from metallb_lint.inputlog import note_read

MAX_READ_BYTES = 8 * 1024 * 1024  # one file: a manifest, a baseline, a CRD bundle, a policy

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


class NotRegularFile(OSError):
    """The path names a FIFO, a socket, a device or a directory: not read."""

    def __init__(self, path: str, mode: int) -> None:
        super().__init__(f"not a regular file ({file_kind(mode)}); not read")
        self.strerror = f"not a regular file ({file_kind(mode)})"
        self.kind = file_kind(mode)


class FileTooLarge(OSError):
    """The file is larger than the limit: not read."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file is {human_size(size)}, over the {human_size(limit)} limit")
        self.strerror = str(self)
        self.size = size
        self.limit = limit


def file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a file"


def human_size(count: int) -> str:
    if count >= 1048576:
        return f"{count / 1048576:.1f}".removesuffix(".0") + " MiB"
    if count >= 1024:
        return f"{count / 1024:.1f}".removesuffix(".0") + " KiB"
    return f"{count} bytes"


def _open(path: str) -> int:
    return os.open(path, _OPEN_FLAGS)


def read_bytes(path: str, limit: int = MAX_READ_BYTES, *, noted: bool = True) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them. Raises NotRegularFile,
    FileTooLarge (also for a file that grows past the limit while it is read) or OSError.
    `noted`: the read is one of the run's inputs (inputlog.py); the cache's own files are not."""
    fd, info = _open_regular(path, limit, noted)
    try:
        parts: list[bytes] = []
        size = 0
        while size <= limit:
            left = info.st_size + 1 - size  # one byte more than stat said: is it the end?
            want = min(left if left > 0 else 65536, limit + 1 - size)
            part = os.read(fd, want)
            if not part:
                break
            parts.append(part)
            size += len(part)
            if len(part) < want:
                break  # a regular file returns less than asked for only at its end
        if size > limit:
            raise FileTooLarge(size, limit)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def read_chunks(path: str, limit: int, size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of the regular file `path` in chunks of at most `size`, for a file too large
    to hold at once (the cache's pack); never more than `limit` bytes in all (FileTooLarge
    once past it). Raises as `read_bytes` does, when first iterated. Not one of the run's
    inputs."""
    fd, _ = _open_regular(path, limit, False)
    try:
        total = 0
        while True:
            part = os.read(fd, size)
            if not part:
                return
            total += len(part)
            if total > limit:
                raise FileTooLarge(total, limit)
            yield part
    finally:
        os.close(fd)


def _open_regular(path: str, limit: int, noted: bool) -> tuple[int, os.stat_result]:
    """A descriptor open on the regular file `path`, no larger than `limit`, and its status."""
    try:
        fd = _open(path)
    except FileNotFoundError:
        if noted:
            note_read(path, None)
        raise
    try:
        info = os.fstat(fd)
        if noted:
            note_read(path, info)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, info.st_mode)
        if info.st_size > limit:
            raise FileTooLarge(info.st_size, limit)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def regular_file_problem(path: str) -> str | None:
    """Why `path` cannot be read as a file ("no such file", "not a regular file (a named
    pipe)"), or None when it is a regular file. For command-line checks before a run."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return "no such file"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({file_kind(info.st_mode)})"
    return None


def walk_files(
    top: str, max_depth: int, *, note: Callable[[str], None] | None = None
) -> Iterator[str]:
    """The files below the folder `top`, in a stable order, without recursion: folders more
    than `max_depth` levels down and hidden entries are skipped; symbolic links to folders are
    not followed. `note` is told each folder before it is listed."""
    stack: list[tuple[str, int]] = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        if note is not None:
            note(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        below: list[tuple[str, int]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if not is_dir:
                yield entry.path
            elif depth < max_depth:
                below.append((entry.path, depth + 1))
        stack.extend(reversed(below))


def read_stdin(stream: BinaryIO, limit: int = MAX_READ_BYTES) -> bytes:
    """Standard input, at most one byte past `limit` (the caller reports the excess)."""
    return stream.read(limit + 1)


def read_optional_text(path: str, limit: int = MAX_READ_BYTES) -> tuple[str, str | None]:
    """The text of a file that may be absent (a `.gitignore`): ("", None) when there is none,
    ("", why) when it exists but is not read (not a regular file, too large, unreadable)."""
    try:
        raw = read_bytes(path, limit)
    except FileNotFoundError:
        return "", None
    except (NotADirectoryError, IsADirectoryError):
        return "", None
    except OSError as exc:
        return "", str(exc.strerror or exc)
    return raw.decode("utf-8", "replace"), None


def write_atomic(path: str, text: str, *, inputs: Iterable[str] = ()) -> None:
    """Write `text` (UTF-8) to `path`: a temporary file in the same folder, flushed and fsync'd,
    then renamed over `path`. Raises OSError (with a `strerror` to show) when `path` is a
    symbolic link or one of `inputs`. A path that is a device or a pipe (`/dev/stdout`) is
    written to directly: there is no file to replace."""
    data = text.encode("utf-8", "backslashreplace")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        target = os.stat(path) if os.path.exists(path) else None
        if target is not None and _is_stream(target.st_mode):  # /dev/stdout, /dev/null
            _write_stream(path, data)
            return
        raise _refused(path, "it is a symbolic link; not written through it (name its target)")
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise _refused(path, "it is a directory")
    if info is not None and _is_stream(info.st_mode):
        _write_stream(path, data)
        return
    if info is not None and _is_input(info, inputs):
        raise _refused(path, "it is one of the files this run reads; not overwritten")
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        mode = stat.S_IMODE(info.st_mode) if info is not None else _default_mode()
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_folder(folder)


def _is_stream(mode: int) -> bool:
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _write_stream(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def _is_input(info: os.stat_result, inputs: Iterable[str]) -> bool:
    for other in inputs:
        try:
            seen = os.stat(other)
        except (OSError, ValueError):
            continue
        if (seen.st_dev, seen.st_ino) == (info.st_dev, info.st_ino):
            return True
    return False


def _refused(path: str, why: str) -> OSError:
    error = OSError(why)
    error.strerror = why
    error.filename = path
    return error


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); where a folder cannot be opened, skip it."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
