"""`--fix`, `--unsafe-fixes`, `--diff` and `--show-fixes` of `metallb-lint check`: the options
and what they do after a run (the fixes themselves: metallb_lint/fixes/)."""

from __future__ import annotations

import argparse
import sys

from metallb_lint.errors import UsageError


def add_fix_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fixes (see README, 'Fixes')")
    group.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe fixes to the files, then report what remains (the exit code "
        "follows the remaining findings)",
    )
    group.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff: the unsafe fixes too (a likely intent, to be reviewed)",
    )
    group.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff and write nothing; exit 1 when fixes are pending",
    )
    group.add_argument(
        "--show-fixes",
        action="store_true",
        help="list each fix applied (with --diff: each fix pending) on stderr",
    )


def check_fix_options(args: argparse.Namespace) -> None:
    if args.fix and args.diff:
        raise UsageError("--fix and --diff: choose one (--diff writes nothing)")
    if (args.fix or args.diff) and args.write_baseline:
        raise UsageError("--write-baseline records findings; it does not go with --fix or --diff")


def plan_for(args: argparse.Namespace, result):
    """The fixes of a run's findings that --fix or --diff would apply."""
    from metallb_lint.fixes import plan_fixes
    from metallb_lint.load.filetext import Texts

    texts = Texts({path: source.content for path, source in result.inventory.sources.items()})
    return plan_fixes(result.findings, texts, set(result.paths), args.unsafe_fixes)


def show_diff(args: argparse.Namespace, result) -> int:
    """--diff: the pending fixes on stdout; 1 when there are any, else 0."""
    from metallb_lint.cli.common import EXIT_FINDINGS, EXIT_OK
    from metallb_lint.fixes import unified_diff

    plan = plan_for(args, result)
    sys.stdout.write(unified_diff(plan.changes.values()))
    _summary(args, plan, "would fix")
    return EXIT_FINDINGS if plan.changes else EXIT_OK


def apply_fixes(args: argparse.Namespace, result):
    """--fix: write the fixes; the plan, with what could not be written among `not_applied`."""
    from metallb_lint.fixes import write_changes

    plan = plan_for(args, result)
    write_changes(plan, result.disk, args.paths)
    _summary(args, plan, "fixed")
    return plan


def _summary(args: argparse.Namespace, plan, verb: str) -> None:
    fixed = plan.fixed
    files = len({f.location.path for f in fixed})
    if fixed or plan.not_applied or args.show_fixes:
        print(
            f"metallb-lint: {verb} {len(fixed)} problem(s) in {files} file(s)",
            file=sys.stderr,
        )
    if args.show_fixes:
        for finding in fixed:
            loc = finding.location
            assert finding.fix is not None
            print(
                f"  {loc.path}:{loc.line}:{loc.column}: {finding.rule} {finding.fix.message}"
                f" [{finding.fix.safety}]",
                file=sys.stderr,
            )
    for item in plan.not_applied:
        loc = item.finding.location
        print(
            f"metallb-lint: not applied: {loc.path}:{loc.line}:{loc.column}: "
            f"{item.finding.rule}: {item.reason}",
            file=sys.stderr,
        )
    if plan.unsafe_left:
        print(
            f"metallb-lint: {plan.unsafe_left} more fix(es) available with --unsafe-fixes",
            file=sys.stderr,
        )
