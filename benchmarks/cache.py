"""Benchmark the persistent cache: cold, warm and uncached runs, side by side.

Usage::

    python benchmarks/cache.py precommit TREE [--file PATH] [--runs 5] [--before DIR]
    python benchmarks/cache.py full TREE [--runs 3] [--before DIR]

`precommit` runs, from TREE's root (a git repository, as `generate.py` trees become with
`git init && git add -A && git commit`), the pre-commit loop naming one file: with a cold
cache (emptied before every run), a warm one (filled by an untimed run first), without a
cache, and with `--no-context` (the goal's yardstick). `full` lints the whole tree cold, warm
and uncached. Both also time `edited`: a warm cache, but the named file (`--file`, for `full`
too) edited just before each run, as in a real pre-commit loop, in a copy of TREE: the run
memo (runmemo.py) cannot answer, only the per-file cache can. `--before DIR` also times the
code in DIR (a checkout from before the cache, e.g. `git archive REV | tar -x -C DIR`),
without cache options. The commands take turns (round i runs each once), so that a shared
machine slowing down slows all of them; each figure is the median wall-clock time of whole
processes (start-up included) and the largest peak RSS of the runs. Cache folders are
temporary and removed at the end; the user's cache is never touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = "apps/catalog/alerts-api/service.yaml"


def child_env(code: Path) -> dict[str, str]:
    dropped = {"GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("METALLB")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
    return env


def run(argv: list[str], cwd: Path, code: Path = REPO_ROOT) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one run of the linter in `code`; stops the benchmark on
    a failed run."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=child_env(code), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace"))
        raise SystemExit(f"exit {proc.returncode}: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss


def measure(
    tree: Path,
    commands: dict[str, list[str]],
    cold: Path,
    runs: int,
    before: Path | None = None,
    edited: tuple[Path, Path, bytes] | None = None,
) -> None:
    """`edited`: (the copy of the tree, the file in it to edit, its original bytes)."""
    lint = [sys.executable, "-m", "metallb_lint", "--exit-zero", "--format", "concise"]

    def code(name: str) -> Path:
        return before if name == "before" and before is not None else REPO_ROOT

    def where(name: str) -> Path:
        return edited[0] if name == "edited" and edited is not None else tree

    for name, extra in commands.items():  # validate, write .pyc files, fill the warm cache
        run([*lint, *extra], where(name), code(name))
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, int] = dict.fromkeys(commands, 0)
    for i in range(runs):
        for name, extra in commands.items():
            if name == "cold":
                shutil.rmtree(cold, ignore_errors=True)
            if name == "edited" and edited is not None:  # as a user saves before a commit
                edited[1].write_bytes(edited[2] + f"# edit {i}\n".encode())
            elapsed, peak = run([*lint, *extra], where(name), code(name))
            times[name].append(elapsed)
            peaks[name] = max(peaks[name], peak)
        print(f"round {i + 1}/{runs} done", file=sys.stderr, flush=True)
    base = statistics.median(times[next(iter(commands))])
    for name in commands:
        median = statistics.median(times[name])
        print(
            f"{name:<12} median {median:.3f} s  ({median / base:.2f}x {next(iter(commands))})"
            f"  peak {peaks[name] / 1024:.0f} MB  runs {', '.join(f'{t:.2f}' for t in times[name])}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("precommit", "full"))
    parser.add_argument("tree", type=Path)
    parser.add_argument("--file", default=DEFAULT_FILE, help="precommit: the file to name")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of the code before the cache (e.g. `git archive REV | tar -x -C DIR`), "
        "timed alongside, without cache options",
    )
    args = parser.parse_args(argv)
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory(prefix="metallb-lint-bench-cache-") as scratch:
        cold, warm = Path(scratch) / "cold", Path(scratch) / "warm"
        target = [args.file] if args.mode == "precommit" else ["--isolated", "."]
        commands = {}
        if args.mode == "precommit":
            commands["no-context"] = ["--no-cache", "--no-context", *target]
        if args.before is not None:
            commands["before"] = list(target)
        commands["uncached"] = ["--no-cache", *target]
        commands["cold"] = ["--cache-dir", str(cold), *target]
        commands["warm"] = ["--cache-dir", str(warm), *target]
        # warm, but the named file (precommit) or one file of the tree (full) was just edited:
        # the run memo cannot answer, the per-file cache answers for the other files
        commands["edited"] = ["--cache-dir", str(Path(scratch) / "edited"), *target]
        copy = Path(scratch) / "tree"
        shutil.copytree(tree, copy, symlinks=True)
        edited = (copy, copy / args.file, (copy / args.file).read_bytes())
        measure(tree, commands, cold, args.runs, args.before, edited)
    return 0


if __name__ == "__main__":
    sys.exit(main())
