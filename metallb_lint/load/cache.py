"""The persistent per-file cache: what loading a file worked out, kept between runs.

An entry is keyed by the file's bytes (blake2b), the tool's version, a fingerprint of the code
that loads files, and every input of loading besides the bytes (the path a finding names, the
file's role, its chart, whether it is read whatever it says). A changed byte, option or release
is another key, so an entry is never stale. Entries are JSON (`cachecodec.py`: nothing is
executed or constructed when one is read, and a hostile or corrupt one is ignored and written
again).

Entries live in packs, one per working directory (the paths findings name are relative to it)
and release: DIR/v1/<pack>.jsonl, a header line, then one `<key> <entry JSON>` line per file.
A run reads its pack once and, if it loaded anything afresh, writes the pack again: the lines
there now (with what concurrent runs added) plus its new ones (only the lines it used when the
pack would grow past `MAX_PACK_BYTES`), to a temporary file in the same folder renamed into
place, so concurrent runs never see half a pack (if two write at once, the last one wins; what
the other added is loaded afresh next time). One file per run rather than per entry: creating
files is what a cold run would spend most of its extra time on. Where the folder cannot be
created or written, the run goes on uncached and `problem` says why, once. Packs unused for
longest are pruned once a day when the folder grows over `MAX_BYTES`. DIR also holds
CACHEDIR.TAG and a `.gitignore` of `*`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from metallb_lint import __version__
from metallb_lint.inputlog import Status, current_status
from metallb_lint.load import cachecodec
from metallb_lint.load.filetext import source_text
from metallb_lint.load.sources import SourceFile, load_file, passed_over
from metallb_lint.safeio import read_bytes, read_chunks

ENV_VAR = "METALLB_LINT_CACHE_DIR"
FORMAT = 1  # of a pack and its entries; the folder is named after it
MAX_BYTES = 1024 * 1024 * 1024  # the folder's size before the oldest packs are pruned
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_PACK_BYTES = 256 * 1024 * 1024  # past it, a pack keeps only the entries of the last run
PRUNE_EVERY = 24 * 3600  # seconds between two looks at the folder's size
MAX_INDEX_ROWS = 1_000_000  # past it, the index keeps only the rows of the last run
RACY_SECONDS = 2  # a status this recent is not remembered (see FileCache.known)
_STAMP = "last-prune"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by metallb-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def default_dir() -> str:
    """The platform's user cache folder for metallb-lint."""
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "metallb-lint", "Cache")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "metallb-lint")
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative value is invalid, ignore it
        base = os.path.join(home, ".cache")
    return os.path.join(base, "metallb-lint")


def _code_fingerprint() -> str:
    """The sources of the code that loads files: a development checkout that changes the
    loader gets new keys without a new version number (an installed release never changes)."""
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent.parent
    names = sorted(p.name for p in (package / "load").glob("*.py"))
    for path in [*(package / "load" / n for n in names), package / "findings.py"]:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError:
            digest.update(path.name.encode() + b"\0?\0")
    import yaml

    digest.update(f"{getattr(yaml, '__version__', '?')} {yaml.__with_libyaml__}".encode())
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    return digest.hexdigest()


class FileCache:
    """One run's view of the cache folder `root`, for runs from `scope` (default: the
    current directory)."""

    def __init__(self, root: str, scope: str | None = None) -> None:
        self.root = root
        self.folder = os.path.join(root, f"v{FORMAT}")
        prefix = f"metallb-lint {__version__} format {FORMAT} {_code_fingerprint()}\0"
        self._base = hashlib.blake2b(prefix.encode(), digest_size=20)
        pack = self._base.copy()
        pack.update(b"pack\0" + os.path.abspath(scope or os.getcwd()).encode("utf-8", "replace"))
        self.pack = os.path.join(self.folder, pack.hexdigest()[:32] + ".jsonl")
        self.writable = True
        self.problem: str | None = None  # why the run went on uncached (said once)
        self.hits = 0
        self.misses = 0
        self.written = 0  # entries written
        self._entries: _PackEntries | None = None  # read on first use
        self._new = _NewLines(self.folder)
        self._used: set[bytes] = set()
        # The status index (see `known`): display path -> [status, role, chart, force, verdict]
        self.index_path = self.pack.removesuffix(".jsonl") + ".index.json"
        self._index: dict[str, list] | None = None
        self._index_new: dict[str, tuple] = {}
        self._recent = time.time_ns() - RACY_SECONDS * 1_000_000_000

    # --- the loader's entry point -------------------------------------------------------

    def load(
        self, display: str, raw: bytes, role: str, chart_dir: str | None, *, force: bool = False
    ) -> SourceFile | None:
        """`load_file` of these arguments, from the cache when an entry has it."""
        return self.load_keyed(display, raw, role, chart_dir, force=force)[0]

    def load_keyed(
        self,
        display: str,
        raw: bytes,
        role: str,
        chart_dir: str | None,
        *,
        force: bool = False,
        key: bytes | None = None,
    ) -> tuple[SourceFile | None, bytes | None]:
        """`load` and the key of the file's entry (None: passed over). `key`: the one the
        status index knows for these bytes (no byte search, no hash)."""
        indexed = key is not None
        if key is None:
            if passed_over(raw, role, force=force):
                return None, None  # most files: one byte search, no hash, no entry
            key = self.key(display, raw, role, chart_dir, force)
        entry = self._read(key)
        if entry is not None:
            try:
                text = _text_or_none(raw, entry)
                source = cachecodec.decode(entry, display, role, chart_dir, text)
            except (cachecodec.BadEntry, RecursionError, ValueError, TypeError):
                pass  # corrupt or hostile: loaded as usual and written again below
            else:
                self.hits += 1
                return source, key
        if indexed:  # the index's entry is gone (a pack cut down, another run's): as usual
            return self.load_keyed(display, raw, role, chart_dir, force=force)
        self.misses += 1
        source = load_file(display, raw, role, chart_dir, force=force, searched=True)
        if self.writable:
            with contextlib.suppress(cachecodec.NotCacheable):
                self._add(key, cachecodec.encode(source))
        return source, key

    # --- the status index ---------------------------------------------------------------

    def known(
        self, display: str, fs_path: str, role: str, chart_dir: str | None, force: bool
    ) -> tuple[Status, str | None]:
        """The file's status now, and what an earlier run worked out from the same status
        and reading: "" passed over, "held" passed over but a ConfigMap or Secret that Flux
        may substitute from, else its entry's key; None when nothing is known. A status is
        remembered only when it is older than its run by `RACY_SECONDS` (a file written in
        the same tick as it was read could change again without a new status), so the same
        status means the same bytes: the file need not be read (passed over) or searched and
        hashed (an entry)."""
        status = current_status(fs_path)
        if self._index is None:
            self._index = _read_index(self.index_path)
        row = self._index.get(display)
        if status is None or row is None or row[:4] != [list(status), role, chart_dir, force]:
            return status, None
        return status, row[4]

    def remember(
        self,
        display: str,
        status: Status,
        role: str,
        chart_dir: str | None,
        force: bool,
        verdict: str,
    ) -> None:
        """Note in the index what loading the file with `status` (taken before it was read)
        worked out (see `known`)."""
        if status is None or max(status[1], status[2]) >= self._recent:
            return
        old = self._index.get(display) if self._index is not None else None
        if old is not None and old == [list(status), role, chart_dir, force, verdict]:
            return  # known already (rows read back from JSON are lists)
        self._index_new[display] = (status, role, chart_dir, force, verdict)

    def loaded(self) -> None:
        """The run's files are loaded: the index read from disk is not asked again (a large
        tree's rows are megabytes, which the rest of the run would hold; `flush` reads the
        index as it is then)."""
        self._index = None

    def key(self, display: str, raw: bytes, role: str, chart_dir: str | None, force: bool) -> bytes:
        digest = self._base.copy()
        digest.update(json.dumps([display, role, chart_dir, force]).encode() + b"\0")
        digest.update(raw)
        return digest.hexdigest().encode("ascii")

    # --- worker processes (parallel.py) -------------------------------------------------

    def prime(self) -> None:
        """Before workers are forked: read where the pack's lines are and the index now, so
        that the workers inherit them instead of each reading them, and write out what the
        temporary file of new lines buffers (a worker's copy of the buffer would otherwise be
        written into the shared file again when the worker lets the copy go)."""
        if self._entries is None:
            self._entries = _PackEntries(self.pack)
        if self._index is None:
            self._index = _read_index(self.index_path)
        self._new.flush()

    def enter_worker(self) -> None:
        """In a forked worker, before it loads: new entries, keys used and index rows of its
        own. The parent's temporary file of new lines is not the worker's to write or read:
        its object is kept, never closed (closing would write the worker's copy of its
        buffer), and the worker exits without finalising it."""
        _INHERITED.append(self._new)
        self._new = _NewLines(self.folder)
        self._used, self._index_new = set(), {}
        self.hits = self.misses = 0

    def take_new(self) -> tuple[dict[bytes, bytes], set[bytes], dict[str, tuple]]:
        """In a worker: the entry lines it added, the keys it used and the index rows it wrote
        since `enter_worker` or the last call."""
        new = self._new
        lines = {key: new.line(key) for key in new}
        new.close()
        used, rows = self._used, self._index_new
        self._used, self._index_new = set(), {}
        return lines, used, rows

    def adopt(
        self,
        lines: dict[bytes, bytes],
        used: set[bytes],
        rows: dict[str, tuple],
        hits: int,
        misses: int,
    ) -> None:
        """In the parent: what a worker's `take_new` gave, and its hits and misses."""
        for key, line in lines.items():
            try:
                if not self._new:
                    self._prepare()
                self._new.add(key, line)
            except OSError as exc:
                self._give_up(exc)
                break
        self._used |= used
        self._index_new.update(rows)
        self.hits += hits
        self.misses += misses

    # --- the pack -----------------------------------------------------------------------

    def _read(self, key: bytes) -> dict | None:
        self._used.add(key)
        if self._entries is None:
            self._entries = _PackEntries(self.pack)
        line = self._entries.take(key)
        if line is None:
            return None
        payload = line[len(key) + 1 :]
        try:
            cachecodec.check_depth(payload)
            entry = json.loads(payload)
        except (ValueError, RecursionError, cachecodec.BadEntry):
            return None  # truncated, not JSON or too deep: a miss
        return entry if isinstance(entry, dict) else None

    def _add(self, key: bytes, data: dict) -> None:
        try:
            payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        except (ValueError, TypeError, RecursionError):
            return  # data JSON cannot hold exactly (a lone surrogate): not cached
        if len(payload) <= MAX_ENTRY_BYTES and b"\n" not in payload:
            try:
                if not self._new:
                    self._prepare()  # (the new lines wait in a temporary file there)
                self._new.add(key, key + b" " + payload)
            except OSError as exc:
                self._give_up(exc)

    def flush(self) -> None:
        """Write the pack again if this run loaded anything afresh, and the index if it
        learnt anything."""
        if self._index_new and self.writable:
            self._write_index()
        if self._entries is not None:
            self._entries.close()  # (the run has read what it needed)
        new = self._new
        if not new or not self.writable:
            return
        try:
            self._prepare()
            if self._rewrite_pack(new, only_used=False) > MAX_PACK_BYTES:
                self._rewrite_pack(new, only_used=True)
        except OSError as exc:
            self._give_up(exc)
            return
        self.written += len(new)
        new.close()
        self._new = _NewLines(self.folder)

    def _rewrite_pack(self, new: _NewLines, *, only_used: bool) -> int:
        """Write the pack again: the lines there now (with what concurrent runs added), a new
        one in place of an old one of its key, then the other new ones (all used by this run);
        `only_used`: only the entries this run used. Read and written a line at a time: the
        pack is tens of megabytes on a large tree, and holding it, or a copy of it, would be
        the run's peak of memory. Returns the size of the lines; a pack that would be larger
        than MAX_PACK_BYTES is not written unless `only_used`."""
        import tempfile  # only a run that writes needs it (start-up is what pre-commit feels)

        fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".jsonl", dir=self.folder)
        try:
            size = 0
            written: set[bytes] = set()
            with os.fdopen(fd, "wb") as stream:
                stream.write(_HEADER + b"\n")
                for key, line in _pack_lines(self.pack):
                    if key in written or (only_used and key not in self._used):
                        continue
                    written.add(key)
                    size += _write_line(stream, new.line(key) if key in new else line)
                for key in new:
                    if key not in written:
                        size += _write_line(stream, new.line(key))
            if size > MAX_PACK_BYTES and not only_used:
                _remove(temp)
            else:
                os.replace(temp, self.pack)
            return size
        except OSError:
            _remove(temp)
            if os.path.isfile(self.pack):
                return 0  # another run's pack is there (Windows refuses to replace it)
            raise
        except BaseException:
            _remove(temp)
            raise

    def _write_index(self) -> None:
        rows = _read_index(self.index_path)  # as it is now: with what concurrent runs added
        rows.update(self._index_new)
        if len(rows) > MAX_INDEX_ROWS:
            rows = self._index_new
        try:
            self._prepare()
            _replace_atomically(self.folder, self.index_path, _index_chunks(rows))
        except OSError as exc:
            self._give_up(exc)
            return
        self._index = None  # (read again if asked: the rows written are partly tuples)
        self._index_new = {}

    def _prepare(self) -> None:
        """Create the folder, tagged as a cache (backup tools skip it, git ignores it)."""
        os.makedirs(self.folder, exist_ok=True)
        for name, text in (
            ("CACHEDIR.TAG", _TAG),
            (".gitignore", "# created by metallb-lint\n*\n"),
        ):
            path = os.path.join(self.root, name)
            if not os.path.lexists(path):
                _write_new(path, text)

    def _give_up(self, exc: OSError) -> None:
        self.writable = False
        reason = exc.strerror or type(exc).__name__
        self.problem = f"cache directory {self.root} cannot be written ({reason}); running uncached"

    def finish(self, now: float | None = None) -> None:
        """After the run: prune old packs once a day if the folder has grown too large."""
        self.flush()
        if not self.written or not self.writable:
            return
        now = time.time() if now is None else now
        stamp = os.path.join(self.root, _STAMP)
        try:
            if now - os.stat(stamp).st_mtime < PRUNE_EVERY:
                return
            _write_new(stamp, "", replace=True)
        except OSError:  # a new folder (nothing to prune yet), or the stamp cannot be written
            with contextlib.suppress(OSError):
                _write_new(stamp, "", replace=True)
            return
        prune(self.folder, MAX_BYTES, keep={os.path.basename(self.pack)}, now=now)


_HEADER = f"metallb-lint cache pack {FORMAT}".encode()


def _pack_lines(path: str) -> Iterator[tuple[bytes, bytes]]:
    """(key, line) for each line of a pack, read a chunk at a time; none when it is missing,
    unreadable, too large or not a pack (a corrupt line is skipped, and its entry loaded
    afresh; a pack that cannot be read to its end gives the lines read until then)."""
    pending: list[bytes] = []  # the start of a line a chunk cut
    header = True
    try:
        for chunk in read_chunks(path, MAX_PACK_BYTES):
            lines = chunk.split(b"\n")
            if pending:
                lines[0] = b"".join([*pending, lines[0]])
            pending = [lines.pop()]
            for line in lines:
                if header:
                    if line != _HEADER:
                        return
                    header = False
                elif _good_line(line):
                    yield line[:_KEY_CHARS], line
    except OSError:
        return
    last = b"".join(pending)
    if not header and _good_line(last):
        yield last[:_KEY_CHARS], last


def _good_line(line: bytes) -> bool:
    key = line[:_KEY_CHARS]
    return line[_KEY_CHARS : _KEY_CHARS + 1] == b" " and key.isalnum()


def _write_line(stream: BinaryIO, line: bytes) -> int:
    stream.write(line)
    stream.write(b"\n")
    return len(line) + 1


_KEY_CHARS = 40  # blake2b, 20 bytes, in hex


def _read_index(path: str) -> dict[str, list]:
    """The rows of a status index; none when it is missing, unreadable or not one (a row of
    the wrong shape is dropped: its file is read and searched as usual)."""
    try:
        data = json.loads(read_bytes(path, MAX_PACK_BYTES, noted=False))
    except (OSError, ValueError, RecursionError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("format") == FORMAT else None
    if not isinstance(files, dict):
        return {}
    return {
        display: row
        for display, row in files.items()
        if isinstance(row, list)
        and len(row) == 5
        and isinstance(row[0], list)
        and len(row[0]) == 5
        and all(type(n) is int for n in row[0])
        and isinstance(row[4], str)
        and (row[4] in ("", "held") or (len(row[4]) == _KEY_CHARS and row[4].isalnum()))
    }


def _index_chunks(rows: dict[str, list | tuple]) -> Iterator[bytes]:
    """A status index as JSON, a row at a time (a large tree's index is megabytes)."""
    yield b'{"format":%d,"files":{' % FORMAT
    for number, (display, row) in enumerate(rows.items()):
        item = json.dumps(display) + ":" + json.dumps(row, separators=(",", ":"))
        yield (b"," if number else b"") + item.encode()
    yield b"}}"


def _replace_atomically(folder: str, path: str, chunks: Iterable[bytes]) -> None:
    import tempfile

    fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
        os.replace(temp, path)
    except BaseException:
        _remove(temp)
        raise


_INHERITED: list[_NewLines] = []  # in a forked worker: the parent's, never closed here


class _NewLines:
    """The lines a run adds to its pack (key -> line), kept in a temporary file in the cache
    folder until the pack is written: a cold run on a large tree adds tens of megabytes, which
    it would otherwise hold to its end."""

    def __init__(self, folder: str) -> None:
        self._folder = folder
        self._where: dict[bytes, tuple[int, int]] = {}  # key -> (offset, length) in the file
        self._file = None
        self._end = 0
        self.size = 0  # of the lines, with a line break each

    def add(self, key: bytes, line: bytes) -> None:
        """Raises OSError when the temporary file cannot be created or written."""
        if self._file is None:
            import tempfile

            # (open until the pack is written: `close`)
            self._file = tempfile.TemporaryFile(dir=self._folder)  # noqa: SIM115
        self._file.seek(self._end)
        self._file.write(line)
        old = self._where.get(key)
        self.size += len(line) + 1 - (old[1] + 1 if old is not None else 0)
        self._where[key] = (self._end, len(line))
        self._end += len(line)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def line(self, key: bytes) -> bytes:
        offset, length = self._where[key]
        assert self._file is not None
        self._file.seek(offset)
        return self._file.read(length)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._where)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __len__(self) -> int:
        return len(self._where)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._where = {}
        self._end = self.size = 0


class _PackEntries:
    """The lines of a pack by key, each read from the file when taken (once): a large tree's
    pack is tens of megabytes, and a run holding its lines would keep them, or the holes they
    leave in the heap, to its end. Read as `_pack_lines` reads a pack; a line that is not where
    the pack said (a concurrent run replaced it) is a miss."""

    def __init__(self, path: str) -> None:
        self._where: dict[bytes, tuple[int, int]] = {}
        self._file = None
        try:
            raw = read_bytes(path, MAX_PACK_BYTES, noted=False)
            if not raw.startswith(_HEADER + b"\n"):
                return
            self._file = open(path, "rb")  # noqa: SIM115 - kept open for `take`, see `close`
        except OSError:
            return
        start, size = len(_HEADER) + 1, len(raw)
        while start < size:
            end = raw.find(b"\n", start)
            end = size if end < 0 else end
            key = raw[start : start + _KEY_CHARS]
            if raw[start + _KEY_CHARS : start + _KEY_CHARS + 1] == b" " and key.isalnum():
                self._where[key] = (start, end - start)
            start = end + 1

    def take(self, key: bytes) -> bytes | None:
        where = self._where.pop(key, None)
        if where is None or self._file is None:
            return None
        try:  # (at an offset, not through the file's position: forked workers share it)
            if hasattr(os, "pread"):
                line = os.pread(self._file.fileno(), where[1], where[0])
            else:  # (Windows: no workers there)
                self._file.seek(where[0])
                line = self._file.read(where[1])
        except OSError:
            return None
        return line if line[: _KEY_CHARS + 1] == key + b" " else None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def prune(folder: str, limit: int, *, keep: Collection[str] = (), now: float | None = None) -> int:
    """Delete the oldest packs until the folder holds at most 3/4 of `limit` bytes (if it
    holds more than `limit`), and temporary files an interrupted run left an hour ago or more.
    Returns how many files were deleted. The files named in `keep` (this run's) stay."""
    now = time.time() if now is None else now
    entries: list[tuple[float, int, str]] = []
    removed = total = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if name.startswith(".tmp-"):
            if now - info.st_mtime > 3600 and _remove(path):
                removed += 1
            continue
        total += info.st_size
        if name not in keep:
            entries.append((info.st_mtime, info.st_size, path))
    if total <= limit:
        return removed
    entries.sort()
    for _, size, path in entries:
        if total <= limit * 3 // 4:
            break
        if _remove(path):
            removed += 1
        total -= size
    return removed


def _text_or_none(raw: bytes, entry: dict) -> str | None:
    """The text an entry's documents are slices of (None when it says the file has none)."""
    if entry.get("text") is not True:
        return None
    return source_text(raw)  # ValueError (UnicodeDecodeError) for a lying entry


def _write_new(path: str, text: str, *, replace: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= os.O_TRUNC if replace else os.O_EXCL
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(text)


def _remove(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True
