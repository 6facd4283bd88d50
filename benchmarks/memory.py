"""Where a run's memory is: tracemalloc snapshots at the pipeline's stage boundaries.

    python benchmarks/memory.py TREE                 # the top 25 lines after each stage
    python benchmarks/memory.py TREE --top 40 --frames 3
    python benchmarks/memory.py TREE --cache-dir DIR  # a cached run (empty DIR: cold)

Runs `metallb-lint --isolated --exit-zero --no-cache -f concise TREE` in this process (the
report goes to /dev/null) with tracemalloc on, and prints, after loading, after the inventory
and after the rules (the peak of a large run), the memory traced then and the source lines
holding the most of it. tracemalloc makes the run several times slower and sees only Python's
allocations: the process's peak RSS (`/usr/bin/time -f %M`) is some 30 MB more (the
interpreter, libyaml, freed memory not returned to the system).
"""

from __future__ import annotations

import argparse
import contextlib
import linecache
import os
import sys
import tracemalloc


def _report(label: str, top: int) -> None:
    snapshot = tracemalloc.take_snapshot()
    current, peak = tracemalloc.get_traced_memory()
    out = sys.__stdout__  # (the report itself goes to /dev/null)
    print(f"== {label}: {current / 1e6:.1f} MB traced (peak so far {peak / 1e6:.1f} MB)", file=out)
    for stat in snapshot.statistics("lineno")[:top]:
        frame = stat.traceback[0]
        where = frame.filename.split("metallb_lint/")[-1]
        code = linecache.getline(frame.filename, frame.lineno).strip()[:60]
        size = f"{stat.size / 1e6:8.2f} MB {stat.count:8d}"
        print(f"{size}  {where}:{frame.lineno}  {code}", file=out)
    out.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree")
    parser.add_argument("--top", type=int, default=25, help="lines shown per snapshot")
    parser.add_argument("--frames", type=int, default=1, help="frames kept per allocation")
    parser.add_argument("--cache-dir", help="run with this cache folder instead of --no-cache")
    args = parser.parse_args()
    tracemalloc.start(args.frames)
    from metallb_lint import engine
    from metallb_lint.cli import main as cli_main

    build_inventory, run_rules = engine.build_inventory, engine.run_rules

    def inventory(*a, **k):
        _report("after loading", args.top)
        built = build_inventory(*a, **k)
        _report("after the inventory", args.top)
        return built

    def rules(*a, **k):
        found = list(run_rules(*a, **k))
        _report("after the rules", args.top)
        return found

    engine.build_inventory, engine.run_rules = inventory, rules
    cache = ["--cache-dir", args.cache_dir] if args.cache_dir else ["--no-cache"]
    argv = ["--isolated", "--exit-zero", *cache, "-f", "concise", args.tree]
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        code = cli_main(argv)
    current, peak = tracemalloc.get_traced_memory()
    end = f"== at the end: {current / 1e6:.1f} MB traced, peak {peak / 1e6:.1f} MB"
    print(end, file=sys.__stdout__)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
