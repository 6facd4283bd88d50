"""Loading the bulk of a large tree in worker processes (issue 17, item 5).

Reading, the relevance filter and parsing take about half of a large run, and each file is
loaded on its own: the manifests and values files (everything read after chart metadata,
kustomizations and templates, which decide how the rest is read) are split in chunks that
worker processes load while the parent takes the results in order. The run's output is byte
for byte a single process's: the same function loads each file, results keep the files' order,
and what a worker notes (the files it read, for the run memo; its cache entries) is handed back.

Workers are forked: they start in milliseconds with the parent's imports, its configuration and
its cache's pack already in memory. Where `fork` is not the platform's way (Windows, macOS,
where it is unsafe) or the tree is small, files are loaded in the parent as before: a pool costs
some 30 ms to start and each result a pickling, which only a few thousand files repay. Results
travel pickled: data made here from the worker's own bytes, never read from elsewhere.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import pickle
import sys
from collections import deque
from collections.abc import Callable, Iterator
from typing import NamedTuple

from metallb_lint import inputlog
from metallb_lint.load.cache import FileCache
from metallb_lint.load.discover import Candidate
from metallb_lint.load.documents import LoadProblem
from metallb_lint.load.sources import SourceFile, load_file, read_candidate

MIN_FILES = 4_000  # below this, one process is as fast (pool start-up, pickling)
MIN_BYTES = 64 * 1024 * 1024  # and below this many bytes of them
CHUNK = 250  # files per task: few enough round trips, small enough to keep both cores busy


class Job(NamedTuple):
    candidate: Candidate
    role: str
    chart_dir: str | None
    force: bool


class Hooks(NamedTuple):
    """What the caller wants to know of each file, asked while its bytes and text are at hand
    (the text is let go once the file is loaded)."""

    is_holder: Callable[[bytes], bool]  # passed over, yet Flux may substitute from it
    names_of: Callable[[str], set[str]]  # the ConfigMaps and Secrets its text names


class Loaded(NamedTuple):
    """What loading one file gave: a source, a read problem, or None (passed over); from a
    worker, a source travels as the number of the pickle stream that holds it (or `_RELOAD`)."""

    job: Job
    result: SourceFile | LoadProblem | int | None
    holder: bool  # passed over, and a ConfigMap or Secret that may hold Flux variables
    names: frozenset[str] = frozenset()  # what `Hooks.names_of` said of its text


def workers_for(jobs: list[Job]) -> int:
    """How many worker processes to load `jobs` with: 0 (load in the parent) for a single
    core, a platform without a safe `fork`, or a tree too small to repay them: fewer than
    `MIN_FILES` files or `MIN_BYTES` bytes. Parsing, which workers share out, grows with the
    bytes; pickling each file's documents back does not shrink with them: on 20,000 files of
    2.7 KB each, workers cost 10 MB and saved nothing; on 20,000 of 13 KB, 9% of the run
    (benchmarks/README.md)."""
    if len(jobs) < MIN_FILES or not sys.platform.startswith("linux"):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2 or _bytes_under(jobs, MIN_BYTES):
        return 0
    return cores or 1


def _bytes_under(jobs: list[Job], limit: int) -> bool:
    """Whether the files of `jobs` hold fewer than `limit` bytes (looked at until they do)."""
    total = 0
    for job in jobs:
        with contextlib.suppress(OSError, ValueError):
            total += os.stat(job.candidate.fs_path).st_size
            if total >= limit:
                return False
    return True


def load_all(
    jobs: list[Job],
    cache: FileCache | None,
    hooks: Hooks,
    workers: int,
    stdin: bytes | None = None,
) -> Iterator[Loaded]:
    """Each job's result, in the jobs' order: in `workers` forked processes, or here (0, and
    always when standard input is one of the files)."""
    if workers <= 0 or stdin is not None:
        yield from (load_one(job, cache, hooks, stdin) for job in jobs)
        return
    global _STATE
    if cache is not None:
        cache.prime()
    _STATE = (cache, hooks)  # what the forked workers inherit
    chunks = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    try:
        yield from _in_workers(chunks, cache, hooks, workers)
    finally:
        _STATE = None


def _in_workers(
    chunks: list[list[Job]],
    cache: FileCache | None,
    hooks: Hooks,
    workers: int,
) -> Iterator[Loaded]:
    """The chunks' results in order. A pool that cannot start (no `/dev/shm`, no semaphores)
    or that breaks (a worker killed, out of memory) leaves the chunks not yet taken to this
    process: never a hang, never a lost file."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    for stream in (sys.stdout, sys.stderr):  # (a worker must not write its copy of them)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    except (OSError, ImportError, ValueError):
        yield from (load_one(job, cache, hooks) for chunk in chunks for job in chunk)
        return
    with pool:
        # A few tasks ahead of the one taken, not all: results wait pickled until taken
        pending: deque = deque()
        with contextlib.suppress(OSError, BrokenProcessPool):  # (then the first take says so)
            for chunk in chunks[: 2 * workers]:
                pending.append(pool.submit(_load_chunk, chunk))
        submitted = len(pending)
        for index in range(len(chunks)):
            try:
                if not pending:
                    raise BrokenProcessPool("no task left running")
                shipped, streams, noted, entries, used, rows, counts = pending.popleft().result()
            except BrokenProcessPool:
                rest = chunks[index:]
                yield from (load_one(job, cache, hooks) for chunk in rest for job in chunk)
                return
            if submitted < len(chunks):
                if cache is not None:
                    cache.prime()  # (should the pool fork a worker now)
                with contextlib.suppress(BrokenProcessPool):  # (then the next take says so)
                    pending.append(pool.submit(_load_chunk, chunks[submitted]))
                    submitted += 1
            inputlog.adopt(noted)
            if cache is not None:
                cache.adopt(entries, used, rows, *counts)
            readers = [pickle.Unpickler(io.BytesIO(stream)) for stream in streams]
            del streams
            for item in shipped:
                if item.result == _RELOAD and type(item.result) is int:
                    yield load_one(item.job, cache, hooks)
                elif type(item.result) is int:
                    yield item._replace(result=readers[item.result].load())
                else:
                    yield item


_STATE: tuple[FileCache | None, Hooks] | None = None


_ChunkResult = tuple[
    list[Loaded],
    list[bytes],
    dict[str, inputlog.Status],
    dict[bytes, bytes],
    set[bytes],
    dict[str, tuple],
    tuple[int, int],
]


def _load_chunk(chunk: list[Job]) -> _ChunkResult:
    """A worker's task: load `chunk`, and say what it read and what it did with the cache."""
    assert _STATE is not None
    cache, hooks = _STATE
    log = inputlog.restart()
    if cache is not None:
        cache.enter_worker()
    shipped, streams = _shippable([load_one(job, cache, hooks) for job in chunk])
    if cache is None:
        return shipped, streams, log.paths, {}, set(), {}, (0, 0)
    entries, used, rows = cache.take_new()
    return shipped, streams, log.paths, entries, used, rows, (cache.hits, cache.misses)


_RELOAD = -1  # a source that cannot cross to the parent: the parent loads the file again


def _shippable(loaded: list[Loaded]) -> tuple[list[Loaded], list[bytes]]:
    """A worker's results as they are sent: the sources pickled here, one after another into
    streams (each item's result says which stream holds it, read in order). One pickler for
    many files writes a string the files share once, as the block reader shares it in one
    process: the parent's memory stays near a single process's. Documents the full YAML
    parser read keep its node graph for their positions, which does not pickle: such a file
    is `_RELOAD` (the parent loads it itself, with the same function), and the stream it
    spoilt ends before it."""
    streams: list[bytes] = []
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    shipped = []
    for item in loaded:
        if not isinstance(item.result, SourceFile):
            shipped.append(item)
            continue
        mark = buffer.tell()
        try:
            pickler.dump(item.result)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            buffer.truncate(mark)
            buffer.seek(mark)
            if mark:
                streams.append(buffer.getvalue())
            buffer = io.BytesIO()
            pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
            shipped.append(item._replace(result=_RELOAD))
            continue
        shipped.append(item._replace(result=len(streams)))
    if buffer.tell():
        streams.append(buffer.getvalue())
    return shipped, streams


def load_one(
    job: Job,
    cache: FileCache | None,
    hooks: Hooks,
    stdin: bytes | None = None,
) -> Loaded:
    """Load one file, ask `hooks` about it, and let go of its text (read again from the file
    when needed). With a cache, its status index first: a file whose status an earlier run saw
    pass over is not read at all, and one it saw cached is not searched or hashed."""
    candidate = job.candidate
    status: inputlog.Status = None
    known: str | None = None
    if cache is not None and candidate.fs_path:
        status, known = cache.known(
            candidate.display, candidate.fs_path, job.role, job.chart_dir, job.force
        )
        # An input of the run with the status taken before it is read, as the index keeps it
        # (one tuple for both; a file changed since has another status the next time)
        inputlog.note_status(candidate.fs_path, status)
        if known in ("", "held"):
            return Loaded(job, None, known == "held")
    raw = read_candidate(candidate, stdin)
    if isinstance(raw, LoadProblem):
        return Loaded(job, raw, False)
    display = candidate.display
    if cache is None:
        source = load_file(display, raw, job.role, job.chart_dir, force=job.force)
    else:
        key = known.encode("ascii") if known else None
        source, key = cache.load_keyed(
            display, raw, job.role, job.chart_dir, force=job.force, key=key
        )
    holder = source is None and hooks.is_holder(raw)
    if cache is not None and candidate.fs_path:
        verdict = key.decode("ascii") if key is not None else "held" if holder else ""
        cache.remember(display, status, job.role, job.chart_dir, job.force, verdict)
    if source is None:
        return Loaded(job, None, holder)
    names = frozenset(hooks.names_of(source.text or ""))
    release(source, candidate, raw)
    return Loaded(job, source, False, names)


def release(source: SourceFile, candidate: Candidate, raw: bytes) -> None:
    """Let go of a loaded file's text: whoever needs it later reads it again from the file
    (load/filetext.py). A run holds no more than one file's text at a time so (stdin's is
    kept: there is no file to read it from)."""
    if source.content is not None and candidate.fs_path:
        source.content.keep_on_disk(candidate.fs_path, raw)
        source.content.release()
