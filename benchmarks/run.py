"""Benchmark metallb-lint against the parse-only floor, yamllint and the import floor.

Usage::

    python benchmarks/run.py [--scales small,medium] [--runs 5] [--tree-dir DIR] [--json]

Every number is the median of ``--runs`` whole-process wall-clock runs (``time.perf_counter``
around ``subprocess.run``, output to /dev/null), so interpreter start-up and imports count, as
they do for a pre-commit user. See benchmarks/README.md for what each number means and the goals.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEMO_DIR = REPO_ROOT / "fixtures" / "homelab"
PY = sys.executable

# The floor: what any tool that parses every YAML file of the tree must at least pay.
# Prints "<yaml files> <documents>" so the untimed first run also counts the tree.
COMPOSE_CODE = """\
import os, sys, yaml
loader = yaml.CSafeLoader
files = docs = 0
for root, dirs, names in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(names):
        if name.endswith((".yaml", ".yml")):
            files += 1
            with open(os.path.join(root, name), encoding="utf-8") as fh:
                try:
                    for _ in yaml.compose_all(fh.read(), Loader=loader):
                        docs += 1
                except yaml.YAMLError:  # a broken file or a chart template: up to the error
                    pass
print(files, docs)
"""
IMPORT_FLOOR_CODE = "import yaml, jsonschema, netaddr, rich.console"

GOAL_LINT_VS_COMPOSE = 0.5  # medium: lint time <= this x compose-only
GOAL_YAMLLINT_VS_LINT = 50.0  # medium: yamllint time >= this x lint time
GOAL_DEMO_VS_IMPORTS = 1.3  # demo lint <= this x import floor
GOAL_RENDER_S = 1.0  # 10,000-finding text report rendered in under this


class BenchError(Exception):
    """A failure reported as one line on stderr, exit status 2."""


@dataclass(frozen=True)
class Command:
    """A command to time; ``ok_codes`` None means any exit status is fine (yamllint)."""

    label: str
    argv: list[str]
    ok_codes: frozenset[int] | None = frozenset({0})


@dataclass
class ScaleResult:
    scale: str
    tree: str
    files: int
    documents: int
    compose_s: float
    lint_s: float | None = None
    yamllint_s: float | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def lint_compose_ratio(self) -> float | None:
        return None if self.lint_s is None else self.lint_s / self.compose_s

    @property
    def yamllint_lint_ratio(self) -> float | None:
        if self.lint_s is None or self.yamllint_s is None:
            return None
        return self.yamllint_s / self.lint_s


@dataclass
class DemoResult:
    import_floor_s: float
    lint_s: float | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return None if self.lint_s is None else self.lint_s / self.import_floor_s


@dataclass
class RenderResult:
    files: int
    findings: int | None
    text_s: float
    json_s: float
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def render_s(self) -> float:
        return self.text_s - self.json_s


@dataclass
class Goal:
    name: str
    value: float
    target: str
    met: bool


# --- running ------------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The environment of every timed process: no CI annotations, no colour overrides, and
    byte-code caching on (PYTHONDONTWRITEBYTECODE would make every run recompile the linter's
    sources, while the installed dependencies it is compared with have their .pyc files, as
    a pip-installed metallb-lint has)."""
    dropped = {"GITHUB_ACTIONS", "NO_COLOR", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["COLUMNS"] = "120"
    return env


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_once(cmd: Command, capture: bool) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    pipe = subprocess.PIPE if capture else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.run(
        cmd.argv, stdout=subprocess.DEVNULL, stderr=pipe, cwd=REPO_ROOT, env=child_env()
    )
    return time.perf_counter() - start, proc


def validate(cmd: Command, proc: subprocess.CompletedProcess[bytes]) -> None:
    """Stop on a crash or a usage error rather than timing it."""
    stderr = (proc.stderr or b"").decode("utf-8", "replace").strip()
    bad = proc.returncode not in cmd.ok_codes if cmd.ok_codes is not None else bool(stderr)
    if bad:
        if stderr:
            print(stderr, file=sys.stderr)
        raise BenchError(f"{cmd.label} exited with status {proc.returncode}: {' '.join(cmd.argv)}")


def measure_rounds(
    cmds: Sequence[Command], runs: int, warmup: Sequence[bool] | None = None
) -> list[list[float]]:
    """Wall-clock seconds of ``runs`` runs of each command, the commands taking turns (round
    i runs each once): a shared machine speeds up and slows down over minutes, and the
    commands a ratio compares should see the same conditions. Each command first runs once
    untimed, unless its ``warmup`` is false (commands that take minutes), to validate it; the
    warm-up also fills the page cache and writes .pyc files, which a user's machine has."""
    warm = list(warmup) if warmup is not None else [True] * len(cmds)
    for cmd, first in zip(cmds, warm, strict=True):
        if first:
            validate(cmd, run_once(cmd, capture=True)[1])
    samples: list[list[float]] = [[] for _ in cmds]
    for i in range(runs):
        for cmd, first, out in zip(cmds, warm, samples, strict=True):
            check = i == 0 and not first
            elapsed, proc = run_once(cmd, capture=check)
            if check:
                validate(cmd, proc)
            out.append(elapsed)
    for cmd, out in zip(cmds, samples, strict=True):
        progress(f"  {cmd.label}: median {statistics.median(out):.3f} s over {runs} runs")
    return samples


def capture_stdout(cmd: Command) -> str:
    """One untimed run whose standard output we need (counts); also warms the page cache."""
    proc = subprocess.run(cmd.argv, capture_output=True, cwd=REPO_ROOT, env=child_env())
    validate(cmd, proc)
    return proc.stdout.decode("utf-8", "replace")


def lint_cmd(label: str, target: str | Path, fmt: str = "concise", *extra: str) -> Command:
    # --no-cache: these goals are about a run that reads and parses; benchmarks/cache.py
    # measures the persistent cache (and the user's cache is never filled by a benchmark).
    argv = [PY, "-m", "metallb_lint", "--isolated", "--no-cache", "--exit-zero", "--format", fmt]
    argv += extra
    return Command(label, [*argv, str(target)])


def check_lint_runnable() -> None:
    """Fail with one clear line when ``python -m metallb_lint`` cannot start."""
    proc = subprocess.run(
        [PY, "-m", "metallb_lint", "--help"], capture_output=True, cwd=REPO_ROOT, env=child_env()
    )
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"]
        raise BenchError(
            f"metallb_lint is not runnable with {PY} from {REPO_ROOT} ({lines[-1]}); "
            "install it (pip install -e .) or pass --skip-lint"
        )


# --- trees --------------------------------------------------------------------------------------


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH_DIR / "generate.py")
    if spec is None or spec.loader is None:
        raise BenchError(f"cannot load {BENCH_DIR / 'generate.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


def prepare_tree(scale: str, base: Path) -> Path:
    """``base/scale``, generated unless a previous run left it there."""
    tree = base / scale
    if tree.is_dir() and any(tree.iterdir()):
        progress(f"[{scale}] reusing {tree}")
        return tree
    size, _, flavour = scale.partition("-")
    stats = load_generator().generate(size, tree, real=flavour == "realistic")
    progress(
        f"[{scale}] generated {stats.files} files, {stats.documents} documents "
        f"in {stats.seconds:.2f} s -> {tree}"
    )
    return tree


def count_files(tree: Path) -> int:
    return sum(len(names) for _, _, names in os.walk(tree))


# --- benchmarks ---------------------------------------------------------------------------------


def bench_scale(scale: str, tree: Path, args: argparse.Namespace) -> ScaleResult:
    compose = Command("compose-only", [PY, "-c", COMPOSE_CODE, str(tree)])
    _, docs = capture_stdout(compose).split()
    cmds = {"compose": (compose, False)}  # counting warmed it
    if not args.skip_lint:
        cmds["lint"] = (lint_cmd("metallb-lint", tree), True)
    if scale.startswith("large") and args.skip_yamllint_large:
        progress("  yamllint: skipped at the large scale (--no-skip-yamllint-large to run it)")
    else:
        yamllint = Command(
            "yamllint", [PY, "-m", "yamllint", "-d", "default", "-f", "parsable", str(tree)], None
        )
        cmds["yamllint"] = (yamllint, False)  # minutes: its first timed run validates it
    timed = measure_rounds([c for c, _ in cmds.values()], args.runs, [w for _, w in cmds.values()])
    samples = dict(zip(cmds, timed, strict=True))
    med = {k: statistics.median(v) for k, v in samples.items()}
    return ScaleResult(
        scale=scale,
        tree=str(tree),
        files=count_files(tree),
        documents=int(docs),
        compose_s=med["compose"],
        lint_s=med.get("lint"),
        yamllint_s=med.get("yamllint"),
        samples=samples,
    )


def bench_demo(args: argparse.Namespace) -> DemoResult:
    progress("[demo]")
    cmds = {"import_floor": Command("import floor", [PY, "-c", IMPORT_FLOOR_CODE])}
    if args.skip_lint:
        pass
    elif not DEMO_DIR.is_dir():
        progress(f"  demo lint: skipped, {DEMO_DIR} does not exist")
    else:
        cmds["lint"] = lint_cmd("demo lint", DEMO_DIR.relative_to(REPO_ROOT))
    samples = dict(zip(cmds, measure_rounds(list(cmds.values()), args.runs), strict=True))
    med = {k: statistics.median(v) for k, v in samples.items()}
    return DemoResult(import_floor_s=med["import_floor"], lint_s=med.get("lint"), samples=samples)


def count_findings(tree: Path) -> int | None:
    out = capture_stdout(lint_cmd("metallb-lint --format json", tree, "json"))
    try:
        return len(json.loads(out)["findings"])
    except (ValueError, KeyError, TypeError):
        progress("  warning: --format json output has no findings list")
        return None


def bench_render(tree: Path, args: argparse.Namespace) -> RenderResult:
    findings = count_findings(tree)
    progress(f"  {findings} findings")
    text = lint_cmd("text report", tree, "text", "--color", "always")
    as_json = lint_cmd("json report", tree, "json")
    timed = measure_rounds([text, as_json], args.runs, [True, False])  # counting warmed json
    samples = {"text": timed[0], "json": timed[1]}
    return RenderResult(
        files=count_files(tree),
        findings=findings,
        text_s=statistics.median(samples["text"]),
        json_s=statistics.median(samples["json"]),
        samples=samples,
    )


# --- reporting ----------------------------------------------------------------------------------


def goals(
    scales: Sequence[ScaleResult], demo: DemoResult | None, render: RenderResult | None
) -> list[Goal]:
    out: list[Goal] = []
    for r in scales:
        if r.scale not in ("medium", "medium-realistic"):
            continue
        if (ratio := r.lint_compose_ratio) is not None:
            target = f"<= {GOAL_LINT_VS_COMPOSE}x"
            met = ratio <= GOAL_LINT_VS_COMPOSE
            out.append(Goal(f"{r.scale} lint / compose-only", ratio, target, met))
        if (ratio := r.yamllint_lint_ratio) is not None:
            target = f">= {GOAL_YAMLLINT_VS_LINT:.0f}x"
            met = ratio >= GOAL_YAMLLINT_VS_LINT
            out.append(Goal(f"{r.scale} yamllint / lint", ratio, target, met))
    if demo and (ratio := demo.ratio) is not None:
        target = f"<= {GOAL_DEMO_VS_IMPORTS}x"
        out.append(Goal("demo lint / import floor", ratio, target, ratio <= GOAL_DEMO_VS_IMPORTS))
    if render:
        cost = render.render_s
        out.append(Goal("text rendering of findings (s)", cost, "< 1 s", cost < GOAL_RENDER_S))
    return out


def fmt(value: float | None, spec: str = ".3f", suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def print_table(
    scales: Sequence[ScaleResult],
    demo: DemoResult | None,
    render: RenderResult | None,
    met: Sequence[Goal],
) -> None:
    head = ("scale", "files", "documents", "lint s", "compose-only s", "yamllint s",
            "lint/compose", "yamllint/lint")  # fmt: skip
    rows = [
        (r.scale, str(r.files), str(r.documents), fmt(r.lint_s), fmt(r.compose_s),
         fmt(r.yamllint_s), fmt(r.lint_compose_ratio, ".2f", "x"),
         fmt(r.yamllint_lint_ratio, ".1f", "x"))
        for r in scales
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]
    for row in (head, *rows):
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    if demo:
        print(
            f"\ndemo ({DEMO_DIR.relative_to(REPO_ROOT)}): lint {fmt(demo.lint_s)} s, "
            f"import floor {fmt(demo.import_floor_s)} s, ratio {fmt(demo.ratio, '.2f', 'x')}"
        )
    if render:
        print(
            f"\nreport rendering ({render.findings} findings, {render.files} files): "
            f"text {render.text_s:.3f} s - json {render.json_s:.3f} s "
            f"= {render.render_s:.3f} s"
        )
    if met:
        print("\ngoals:")
        for g in met:
            print(f"  {'ok  ' if g.met else 'MISS'} {g.name}: {g.value:.2f} (goal {g.target})")


def as_json(
    args: argparse.Namespace,
    scales: Sequence[ScaleResult],
    demo: DemoResult | None,
    render: RenderResult | None,
    met: Sequence[Goal],
) -> dict[str, object]:
    def with_ratios(obj: ScaleResult | DemoResult | RenderResult, *props: str) -> dict[str, object]:
        data = asdict(obj)
        data.update({p: getattr(obj, p) for p in props})
        return data

    return {
        "python": PY,
        "runs": args.runs,
        "scales": [with_ratios(r, "lint_compose_ratio", "yamllint_lint_ratio") for r in scales],
        "demo": with_ratios(demo, "ratio") if demo else None,
        "render": with_ratios(render, "render_s") if render else None,
        "goals": [asdict(g) for g in met],
    }


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="small,medium", help="comma-separated scales")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (median)")
    parser.add_argument(
        "--tree-dir", type=Path, help="keep trees in DIR/<scale> and reuse them on later runs"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--skip-yamllint-large",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="do not run yamllint on the large tree (it takes minutes; default: skip)",
    )
    parser.add_argument(
        "--skip-lint", action="store_true", help="measure only the floors and yamllint"
    )
    parser.add_argument("--skip-demo", action="store_true", help="no demo / import-floor line")
    parser.add_argument("--skip-render", action="store_true", help="no report-rendering line")
    args = parser.parse_args(argv)
    args.scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    known = ("small", "medium", "large", *(f"{s}-realistic" for s in ("small", "medium", "large")))
    if bad := [s for s in args.scales if s not in known]:
        parser.error(f"unknown scale(s) {', '.join(bad)}; choose from {', '.join(known)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def run_all(args: argparse.Namespace, base: Path) -> int:
    if not args.skip_lint:
        check_lint_runnable()
    scales = []
    for scale in args.scales:
        tree = prepare_tree(scale, base)
        scales.append(bench_scale(scale, tree, args))
    demo = None if args.skip_demo else bench_demo(args)
    render = None
    if not (args.skip_render or args.skip_lint):
        progress("[findings]")
        render = bench_render(prepare_tree("findings", base), args)
    met = goals(scales, demo, render)
    if args.json:
        print(json.dumps(as_json(args, scales, demo, render, met), indent=2))
    else:
        print_table(scales, demo, render, met)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.tree_dir:
            return run_all(args, args.tree_dir.resolve())
        with tempfile.TemporaryDirectory(prefix="metallb-lint-bench-") as tmp:
            return run_all(args, Path(tmp))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
