"""The run memo: what a run decided, kept in the cache folder with the status of every input it
read, and given back to the same run while none of those inputs has changed.

The per-file cache (`load/cache.py`) saves the loading of a file; what a warm run still pays is
the rest: the inventory of the whole repository and every rule over it. A pre-commit hook run
again on the same commit, an editor linting on save, CI re-running a job: the same invocation
over the same files. The memo answers those from one file: discovery runs as usual (what is
linted is always worked out afresh), then the status (size, modification and change times,
inode, device) of every file the earlier run read, every path it found absent and every folder
it listed is compared with the disk. Any difference, a new or vanished file, another option,
configuration, release of the tool or of its code, and the run is made in full.

Never stale: a status is trusted only when it is older than the run that recorded it by more
than `RACY_SECONDS` (a file written in the same tick as it was read could change again without
a new status, the "racily clean" case of git's index); a run whose inputs are that recent or
changed while it ran keeps no memo, nor one whose kustomize build ran out of time (another run
may finish it). A build reads a copy of the whole tree: every file and folder copied is an
input (gitops/render.py). Memo files are JSON, read only as data: a corrupt or
hostile one is a miss and is written again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from metallb_lint import __version__
from metallb_lint.inputlog import InputLog, current_status
from metallb_lint.safeio import read_bytes

FORMAT = 1
RACY_SECONDS = 2
MAX_MEMO_BYTES = 256 * 1024 * 1024
_PACKAGE = Path(__file__).resolve().parent


def code_fingerprint() -> str:
    """Every file of the installed tool and its data (name, size, modification time): a
    development checkout that changes any of them gets other memos (a release never changes)."""
    from metallb_lint.resources import data_dir

    digest = hashlib.blake2b(digest_size=16)
    for folder in (str(_PACKAGE), str(data_dir("rules")), str(data_dir("schemas"))):
        for current, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                try:
                    info = os.stat(os.path.join(current, name))
                except OSError:
                    continue
                digest.update(f"{current}/{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    return digest.hexdigest()


class RunMemo:
    """The memo of one invocation (`invocation`: every option and setting the run reads, as
    JSON-able values) in the cache folder `folder`."""

    def __init__(self, folder: str, invocation: list[object]) -> None:
        self.folder = folder
        key = json.dumps([FORMAT, __version__, code_fingerprint(), invocation], default=repr)
        name = hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=20).hexdigest()
        self.path = os.path.join(folder, f"run-{name}.json")
        self.hit = False

    def lookup(self, listing: str) -> dict | None:
        """The stored result when the files discovered (`listing`, a digest of the candidate
        list) and every input are as they were; None otherwise."""
        try:
            entry = json.loads(read_bytes(self.path, MAX_MEMO_BYTES, noted=False))
        except (OSError, ValueError, RecursionError):
            return None  # no memo, unreadable, or not JSON: a miss
        if not isinstance(entry, dict) or entry.get("listing") != listing:
            return None
        inputs = entry.get("inputs")
        result = entry.get("result")
        if not isinstance(inputs, list) or not isinstance(result, dict):
            return None
        result["findings"] = entry.get("findings")
        for item in inputs:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                return None
            path, status = item
            now = current_status(path)
            if (list(now) if now is not None else None) != status:
                return None
        self.hit = True
        return result

    def store(
        self,
        listing: str,
        log: InputLog,
        started_ns: int,
        result: dict,
        findings: Iterable[object] = (),
    ) -> bool:
        """Keep `result` for the inputs `log` noted, unless one of them is too recent to be
        told apart from a later change, changed while the run read it, or the run depended on
        something no status describes (see the top). True when it was written."""
        if log.unknowable:
            return False
        recent = started_ns - RACY_SECONDS * 1_000_000_000
        for path, status in log.paths.items():
            if status is not None and max(status[1], status[2]) >= recent:
                return False
            if current_status(path) != status:
                return False
        try:
            head = json.dumps(
                {"format": FORMAT, "listing": listing, "result": result},
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
        except (ValueError, TypeError, RecursionError):
            return False  # something JSON cannot hold exactly: not kept
        try:
            return _write(self.folder, self.path, _entry_chunks(head, findings, log))
        except (ValueError, TypeError, RecursionError):
            return False  # a finding JSON cannot hold exactly: not kept


def _entry_chunks(head: bytes, findings: Iterable[object], log: InputLog) -> Iterator[bytes]:
    """The memo file: `head` (an object) with the findings and the inputs added, one at a
    time (a large tree has thousands of each: never one string of all of them)."""
    yield head[:-1] + b',"findings":['
    yield from _items(findings)
    yield b'],"inputs":['
    yield from _items(
        [path, list(status) if status else None] for path, status in log.paths.items()
    )
    yield b"]}"


def _items(values: Iterable[object]) -> Iterator[bytes]:
    for number, value in enumerate(values):
        item = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        yield b"," + item if number else item


def listing_digest(parts: list[object]) -> str:
    """A digest of what discovery found (candidates, context files, problems)."""
    text = json.dumps(parts, ensure_ascii=False, default=repr)
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=20).hexdigest()


def _write(folder: str, path: str, chunks: Iterable[bytes]) -> bool:
    """Write `chunks` to `path` through a temporary file renamed into place (a concurrent or
    killed run never leaves half a memo); False where the folder cannot be written or the
    memo would pass `MAX_MEMO_BYTES`."""
    try:
        os.makedirs(folder, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    except OSError:
        return False
    try:
        written = 0
        with os.fdopen(fd, "wb") as stream:
            for chunk in chunks:
                written += len(chunk)
                if written > MAX_MEMO_BYTES:
                    raise _TooLarge
                stream.write(chunk)
        os.replace(temp, path)
    except (OSError, _TooLarge):
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return False
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return True


class _TooLarge(Exception):
    pass
