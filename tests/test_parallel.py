"""Loading in worker processes (metallb_lint/load/parallel.py): a run whose files are loaded by
forked workers says byte for byte what a single process says, fills the cache with the same
entries, and notes the files the workers read as inputs of the run memo."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
from pathlib import Path

import pytest

from metallb_lint import engine, runmemo
from metallb_lint.load import parallel
from metallb_lint.load.discover import Candidate
from metallb_lint.load.parallel import Job
from metallb_lint.load.sources import load_file
from tests.conftest import FIXTURES, run_cli

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes are forked on Linux only"
)

TREES = [
    FIXTURES / "homelab",
    *(
        FIXTURES / "realworld" / name
        for name in (
            "flux-substitution-dual-stack",
            "flux-substitution-parent-patch",
            "helm-template-umbrella-helpers",
            "service-shape-custom-resources",
            "values-from-configmap-generator",
            "not-deployed-unlisted-sibling",
            "yaml-reading-redefined-anchor",
        )
    ),
]


def forced_workers(monkeypatch: pytest.MonkeyPatch, chunk: int = 1) -> None:
    """Two workers, whatever the tree's size and the machine's cores; `chunk` files a task
    (one: every tree is spread over several tasks; many: a task's files share pickle streams,
    some of which a file the full YAML parser read cuts short)."""
    monkeypatch.setattr(engine, "workers_for", lambda jobs: 2 if jobs else 0)
    monkeypatch.setattr(parallel, "CHUNK", chunk)


@pytest.mark.parametrize("chunk", [1, 1000])
@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_workers_say_what_one_process_says(
    tree: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("--isolated", "--no-cache", "--format", "json", "-v", ".")
    alone = run_cli(*args, cwd=tree)
    forced_workers(monkeypatch, chunk)
    shared = run_cli(*args, cwd=tree)
    assert (shared.code, shared.out, shared.err) == (alone.code, alone.out, alone.err)
    assert json.loads(shared.out)["findings"]


def test_workers_fill_the_cache_and_a_warm_run_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = FIXTURES / "homelab"
    alone_dir, shared_dir = tmp_path / "alone", tmp_path / "shared"
    args = ("--isolated", "--format", "json", ".")
    alone = run_cli("--cache-dir", str(alone_dir), *args, cwd=tree)
    forced_workers(monkeypatch)
    cold = run_cli("--cache-dir", str(shared_dir), *args, cwd=tree)
    packs = [sorted(d.rglob("*.jsonl")) for d in (alone_dir, shared_dir)]
    lines = [sorted(p.read_bytes().split(b"\n")) for (p,) in packs]
    assert lines[0] == lines[1]  # the same entries, whichever process loaded the file
    (pack,) = packs[1]
    before = (pack.read_bytes(), pack.stat().st_mtime_ns)
    warm = run_cli("--cache-dir", str(shared_dir), *args, cwd=tree)
    assert (pack.read_bytes(), pack.stat().st_mtime_ns) == before  # every file a hit
    assert alone.out == cold.out == warm.out


def test_what_workers_read_is_an_input_of_the_run_memo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_memo: None
) -> None:
    monkeypatch.setattr(runmemo, "RACY_SECONDS", 0)
    tree = shutil.copytree(FIXTURES / "homelab", tmp_path / "repo")
    forced_workers(monkeypatch)
    args = ("--isolated", "--cache-dir", str(tmp_path / "cache"), "--format", "json", ".")
    first = run_cli(*args, cwd=tree)
    (memo,) = (tmp_path / "cache").rglob("run-*.json")
    noted = {os.path.abspath(tree / path) for path, _ in json.loads(memo.read_bytes())["inputs"]}
    manifests = {str(p) for p in tree.rglob("*.yaml") if not p.name.startswith(".")}
    assert manifests <= noted  # loaded by the workers, noted in the parent's log
    builds: list[int] = []
    real = engine.build_inventory
    monkeypatch.setattr(
        engine, "build_inventory", lambda *a, **k: builds.append(1) or real(*a, **k)
    )
    assert run_cli(*args, cwd=tree).out == first.out
    assert builds == []
    service = next(p for p in tree.rglob("*.yaml") if "loadBalancerIP" in p.read_text("utf-8"))
    service.write_text(service.read_text("utf-8") + "# edited\n", encoding="utf-8")
    run_cli(*args, cwd=tree)
    assert builds == [1]


def _dying_chunk(chunk):
    """A worker killed while it loads (out of memory, a signal)."""
    os._exit(9)


def test_a_worker_that_dies_leaves_its_files_to_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tree = FIXTURES / "homelab"
    args = ("--isolated", "--no-cache", "--format", "json", ".")
    alone = run_cli(*args, cwd=tree)
    forced_workers(monkeypatch)
    monkeypatch.setattr(parallel, "_load_chunk", _dying_chunk)
    broken = run_cli(*args, cwd=tree)
    assert (broken.code, broken.out, broken.err) == (alone.code, alone.out, alone.err)


def test_a_file_that_does_not_pickle_cuts_the_stream_and_is_loaded_again() -> None:
    """Sources travel in shared pickle streams; one whose documents the full YAML parser read
    (an anchor) does not pickle: it is `_RELOAD`, and the files after it start a new stream."""
    block = b"apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  type: LoadBalancer\n"
    anchored = block.replace(b"name: a", b"name: &n b\n  labels: {x: *n}")
    jobs = [Job(Candidate(f"{n}.yaml", f"{n}.yaml"), "manifest", None, False) for n in "abc"]
    texts = (block, anchored, block.replace(b"name: a", b"name: c"))
    loaded = [
        parallel.Loaded(job, load_file(job.candidate.display, raw, "manifest", None), False)
        for job, raw in zip(jobs, texts, strict=True)
    ]
    shipped, streams = parallel._shippable(loaded)
    assert [item.result for item in shipped] == [0, parallel._RELOAD, 1]
    assert len(streams) == 2
    first, last = (pickle.loads(stream) for stream in streams)
    assert [d.data["metadata"]["name"] for d in (*first.documents, *last.documents)] == ["a", "c"]


def test_workers_only_for_trees_large_enough_to_repay_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enough files and enough bytes; many small files are parsed faster than their
    documents are pickled back."""
    monkeypatch.setattr(parallel, "MIN_FILES", 3)
    monkeypatch.setattr(parallel, "MIN_BYTES", 1000)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)

    def jobs(count: int, size: int) -> list[Job]:
        made = []
        for n in range(count):
            path = tmp_path / f"{count}-{size}-{n}.yaml"
            path.write_bytes(b"#" * size)
            made.append(Job(Candidate(str(path), path.name), "manifest", None, False))
        return made

    assert parallel.workers_for(jobs(2, 1000)) == 0  # too few files
    assert parallel.workers_for(jobs(3, 100)) == 0  # too few bytes
    assert parallel.workers_for(jobs(3, 400)) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert parallel.workers_for(jobs(3, 400)) == 0  # one core
