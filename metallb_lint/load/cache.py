"""The persistent per-file cache: what loading a file worked out, kept between runs.

An entry is keyed by the file's bytes (blake2b), the tool's version, a fingerprint of the code
that loads files, and every input of loading besides the bytes (the path a finding names, the
file's role, its chart, whether it is read whatever it says). A changed byte, option or release
is another key, so an entry is never stale. Entries are JSON (`cachecodec.py`: nothing is
executed or constructed when one is read, and a hostile or corrupt one is ignored and written
again), written to a temporary file in the same folder and renamed into place, so that
concurrent runs never see half an entry. Where the folder cannot be created or written, the run
goes on uncached and `problem` says why, once.

Layout: DIR/CACHEDIR.TAG, DIR/.gitignore, DIR/v1/<key>.json (one flat folder: creating files in
many new subfolders costs several times more). Old entries are pruned once a day when the
folder grows over `MAX_BYTES`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Collection
from pathlib import Path

from metallb_lint import __version__
from metallb_lint.load import cachecodec
from metallb_lint.load.sources import SourceFile, load_file, passed_over, source_text
from metallb_lint.safeio import read_bytes

ENV_VAR = "METALLB_LINT_CACHE_DIR"
FORMAT = 1  # of an entry; the folder is named after it
MAX_BYTES = 512 * 1024 * 1024  # the folder's size before old entries are pruned
MAX_ENTRY_BYTES = 32 * 1024 * 1024
PRUNE_EVERY = 24 * 3600  # seconds between two looks at the folder's size
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
    """One run's view of the cache folder `root`."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.folder = os.path.join(root, f"v{FORMAT}")
        prefix = f"metallb-lint {__version__} format {FORMAT} {_code_fingerprint()}\0"
        self._base = hashlib.blake2b(prefix.encode(), digest_size=20)
        self.writable = True
        self.problem: str | None = None  # why the run went on uncached (said once)
        self.hits = 0
        self.misses = 0
        self.written = 0
        self._used: set[str] = set()
        self._ready = False
        self._queue: queue.SimpleQueue[tuple[str, bytes] | None] | None = None
        self._thread: threading.Thread | None = None

    # --- the loader's entry point -------------------------------------------------------

    def load(
        self, display: str, raw: bytes, role: str, chart_dir: str | None, *, force: bool = False
    ) -> SourceFile | None:
        """`load_file` of these arguments, from the cache when an entry has it."""
        if passed_over(raw, role, force=force):
            return None  # most files: one byte search, no hash, no entry
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
                return source
        self.misses += 1
        source = load_file(display, raw, role, chart_dir, force=force)
        if self.writable:
            try:
                data = cachecodec.encode(source)
            except cachecodec.NotCacheable:
                return source
            data["key"] = key
            self._write(key, data)
        return source

    def key(self, display: str, raw: bytes, role: str, chart_dir: str | None, force: bool) -> str:
        digest = self._base.copy()
        digest.update(json.dumps([display, role, chart_dir, force]).encode() + b"\0")
        digest.update(raw)
        return digest.hexdigest()

    # --- the folder ---------------------------------------------------------------------

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, key + ".json")

    def _read(self, key: str) -> dict | None:
        self._used.add(key)
        try:
            raw = read_bytes(self._path(key), MAX_ENTRY_BYTES)
            cachecodec.check_depth(raw)
            entry = json.loads(raw)
        except (OSError, ValueError, RecursionError, cachecodec.BadEntry):
            return None  # missing, unreadable, truncated, not JSON or too deep: a miss
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry

    def _write(self, key: str, data: dict) -> None:
        try:
            payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        except (ValueError, TypeError, RecursionError):
            return  # data JSON cannot hold exactly: not cached
        if len(payload) > MAX_ENTRY_BYTES:
            return
        if self._queue is None:
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._writer, name="metallb-lint-cache")
            self._thread.daemon = True
            self._thread.start()
        self._queue.put((key, payload))

    def _writer(self) -> None:
        """Write entries while the run goes on: creating files is mostly waiting for the file
        system, which overlaps with building the inventory and running the rules."""
        assert self._queue is not None
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self.writable:
                self._store(*item)

    def flush(self) -> None:
        """Wait until every entry of the run is written (or given up on)."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        self._queue = self._thread = None

    def _store(self, key: str, payload: bytes) -> None:
        try:
            if not self._ready:
                self._prepare()
            fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(payload)
                os.replace(temp, self._path(key))
            except BaseException:
                _remove(temp)
                if os.path.isfile(self._path(key)):
                    return  # another run wrote it meanwhile (Windows refuses to replace it)
                raise
        except OSError as exc:
            self._give_up(exc)
            return
        self.written += 1

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
        self._ready = True

    def _give_up(self, exc: OSError) -> None:
        self.writable = False
        reason = exc.strerror or type(exc).__name__
        self.problem = f"cache directory {self.root} cannot be written ({reason}); running uncached"

    def finish(self, now: float | None = None) -> None:
        """After the run: prune old entries once a day if the folder has grown too large."""
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
        prune(self.folder, MAX_BYTES, keep=self._used, now=now)


def prune(folder: str, limit: int, *, keep: Collection[str] = (), now: float | None = None) -> int:
    """Delete the oldest entries until the folder holds at most 3/4 of `limit` bytes (if it
    holds more than `limit`), and temporary files an interrupted run left an hour ago or more.
    Returns how many files were deleted. Entries in `keep` (this run's) stay."""
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
        if name.removesuffix(".json") not in keep:
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
