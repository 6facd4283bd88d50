"""`metallb-lint [check] [PATH ...]`: lint, then write each requested report."""

from __future__ import annotations

import argparse
import io
import os
import sys

from metallb_lint.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    SUBCOMMANDS,
    Parser,
    add_cache_arguments,
    add_render_argument,
    check_metallb_version,
    finish_cache,
    load_config_for,
    open_cache,
    render_mode,
    split,
    text_width,
    use_color,
    version_text,
)
from metallb_lint.cli.fix import add_fix_options, apply_fixes, check_fix_options, show_diff
from metallb_lint.errors import UsageError
from metallb_lint.findings import Severity
from metallb_lint.safeio import read_stdin, regular_file_problem, write_atomic

OUTPUTS_HELP = """\
Outputs: each --output-file FILE writes the output of the --format just before it; a --format
without an --output-file goes to stdout. One --output-file before any --format belongs to the
first --format, or to the default text report when no --format is given. At most one format
goes to stdout, plus 'github' (its annotations follow the other output). With no --format
under GITHUB_ACTIONS=true, stdout gets the text report and GitHub annotations. Example:
  metallb-lint -f text -f sarif --output-file out.sarif -f junit --output-file junit.xml ."""


# The same flags in every subcommand that writes a file (`migrate --output FILE` too).
_OUTPUT_FILE_FLAGS = ("--output-file", "-o", "--output")


class _OutputEvent(argparse.Action):
    """Records --format and --output-file in command-line order (see `_outputs`)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        kind = "file" if option_string in _OUTPUT_FILE_FLAGS else "format"
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), (kind, values)])


# The report formats that show a finding's fix (the others never work one out).
SHOW_FIXES = frozenset({"json", "sarif"})


def _outputs(
    events: list[tuple[str, str]] | None, github_actions: bool
) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs from the --format/--output-file sequence, by the
    rule of OUTPUTS_HELP."""
    pairs: list[list[str | None]] = []
    early: list[str] = []  # files named before any --format
    for kind, value in events or []:
        if kind == "format":
            pairs.append([value, None])
        elif not pairs:
            early.append(value)
        elif pairs[-1][1] is not None:
            raise UsageError(
                f"--output-file {value}: --format {pairs[-1][0]} already writes to "
                f"{pairs[-1][1]}; give each --output-file its own --format before it"
            )
        else:
            pairs[-1][1] = value
    if not pairs:
        pairs.append(["text", None])
        if github_actions:
            pairs.append(["github", None])
    if early:
        if len(early) > 1 or pairs[0][1] is not None:
            raise UsageError(
                f"--output-file {early[-1]}: no --format to write; put each --output-file "
                "after its --format"
            )
        pairs[0][1] = early[0]
    to_stdout = [str(fmt) for fmt, file in pairs if file is None]
    others = [fmt for fmt in to_stdout if fmt != "github"]
    if len(others) > 1 or to_stdout.count("github") > 1:
        raise UsageError(
            f"--format {', '.join(to_stdout)}: {len(to_stdout)} formats for stdout; give all "
            "but one an --output-file (only 'github' may share stdout with another format)"
        )
    files = [str(file) for _, file in pairs if file is not None]
    for i, file in enumerate(files):
        if any(os.path.abspath(file) == os.path.abspath(other) for other in files[:i]):
            raise UsageError(f"--output-file {file}: named twice")
    # stdout last, github after the other format on stdout
    return sorted(
        ((str(fmt), file) for fmt, file in pairs),
        key=lambda pair: (pair[1] is None, pair[0] == "github"),
    )


def _subcommands_help() -> str:
    width = max(map(len, SUBCOMMANDS))
    lines = [f"  {name:<{width}}  {text}" for name, text in SUBCOMMANDS.items()]
    return "Commands ('metallb-lint COMMAND --help' for each):\n" + "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    from metallb_lint.report import FORMATS

    parser = Parser(
        prog="metallb-lint",
        description="Lint MetalLB configuration in a GitOps repository, offline.",
        epilog=OUTPUTS_HELP + "\n\n" + _subcommands_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        default=None,
        metavar="PATH",
        help="files or directories to lint ('-' reads stdin); default '.'",
    )
    parser.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        action=_OutputEvent,
        dest="outputs",
        default=None,
        help="output format: text (default), concise, json, sarif, github (workflow-command "
        "annotations) or junit; repeatable, see 'Outputs' below",
    )
    parser.add_argument(
        *_OUTPUT_FILE_FLAGS,
        metavar="FILE",
        action=_OutputEvent,
        dest="outputs",
        default=None,
        help="write the output of the --format just before it to FILE (also -o, --output)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: .metallb-lint.yaml, .metallb-lint.yml or "
        "[tool.metallb-lint] in pyproject.toml, found upwards to the repository root)",
    )
    parser.add_argument(
        "--isolated", action="store_true", help="read no configuration file (not with --config)"
    )
    parser.add_argument(
        "--no-context",
        action="store_true",
        help="judge the named files and folders alone: do not read the rest of their project "
        "(git repository, or the folder of the nearest .metallb-lint.yaml) as context",
    )
    parser.add_argument(
        "--select",
        action="append",
        metavar="RULES",
        help="only these rules: IDs, names or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="RULES",
        help="skip these rules: IDs, names or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="lowest severity that makes the exit code 1 (default error)",
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when findings fail the run (report-only rollouts)",
    )
    parser.add_argument(
        "--metallb-version",
        metavar="X.Y.Z",
        help="MetalLB release to check against (default: what the repo pins)",
    )
    parser.add_argument(
        "--crd",
        action="append",
        metavar="FILE",
        help="check MetalLB resources against the CustomResourceDefinitions in FILE "
        "(repeatable; e.g. the CRDs of a release newer than this tool)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (honours NO_COLOR and FORCE_COLOR)",
    )
    parser.add_argument(
        "--stdin-filename", metavar="PATH", help="the path to report for input read from stdin"
    )
    parser.add_argument(
        "--no-inline-suppressions",
        action="store_true",
        help="ignore suppressions: '# metallb-lint: disable' comments and "
        "lint.metallb.io/ignore annotations",
    )
    parser.add_argument(
        "--policies",
        action="append",
        metavar="DIR",
        help="a directory (or file) of user policies, next to config 'policies'; repeatable "
        "(see docs/policies.md and 'metallb-lint test-policies')",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="suppress the findings recorded in FILE (by rule, file, resource and JSON path, "
        "not by line); select ML006 to report entries that match nothing any more",
    )
    parser.add_argument(
        "--new-since",
        metavar="REF",
        help="report only the findings the change since the git revision REF causes (e.g. "
        "HEAD in a pre-commit hook): findings REF already had are suppressed, and a new one "
        "in an unchanged file names the changed file that caused it",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record every current finding in FILE (keeping the reasons of entries already "
        "there) and exit 0",
    )
    add_render_argument(parser)
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text format: concise finding lines only, no header, source or summary",
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="a count of findings per rule instead of the findings (as ruff --statistics)",
    )
    parser.add_argument(
        "--show-settings",
        action="store_true",
        help="print the resolved settings (configuration file, target release, rules, ...) "
        "and where each came from, instead of the findings",
    )
    parser.add_argument(
        "--show-files",
        action="store_true",
        help="print every file read and every file or folder skipped, with why, instead of "
        "the findings",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more detail (notes, suppressed findings, every repeated info finding)",
    )
    add_cache_arguments(parser)
    add_fix_options(parser)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--version", action="version", version=version_text())
    return parser


def options_with_values() -> set[str]:
    """The option strings of `check` that take a value (`--config FILE`): what tells an
    option's value from a subcommand written after global options."""
    return {
        option
        for action in build_parser()._actions
        if action.nargs != 0 and action.option_strings
        for option in action.option_strings
    }


def check(argv: list[str]) -> int:
    from metallb_lint.engine import Options, check_paths_exist, run
    from metallb_lint.report import render

    args = build_parser().parse_args(argv)
    if not args.paths:  # nothing named: stdin when --stdin-filename says so, else '.'
        args.paths = ["-"] if args.stdin_filename else ["."]
    check_metallb_version(args)
    check_fix_options(args)
    check_paths_exist(args.paths)
    config = load_config_for(args)
    for path in args.crd or []:
        problem = regular_file_problem(path)
        if problem is not None:
            raise UsageError(f"--crd {path}: {problem}")
        config.crds.append(path)
    stdin_data = read_stdin(sys.stdin.buffer) if "-" in args.paths else None
    options = Options(
        paths=args.paths,
        select=split(args.select),
        ignore=split(args.ignore),
        fail_on=Severity.parse(args.fail_on) if args.fail_on else None,
        metallb_version=args.metallb_version,
        stdin_filename=args.stdin_filename,
        stdin_data=stdin_data,
        inline_suppressions=not args.no_inline_suppressions,
        context=not args.no_context,
        policies=[os.path.abspath(p) for p in args.policies or []],
        baseline=_baseline_to_apply(args),
        render=render_mode(args, config)[0],
        cache=open_cache(args, config),
        # fixes, diffs and --show-* need the inventory, which a replayed run does not have
        memo=not (args.fix or args.diff or args.show_settings or args.show_files),
    )
    outputs = _outputs(args.outputs, os.environ.get("GITHUB_ACTIONS") == "true")
    options.fixes = bool(args.fix or args.diff) or any(fmt in SHOW_FIXES for fmt, _ in outputs)
    if args.new_since:
        if args.write_baseline:
            raise UsageError("--new-since and --write-baseline exclude each other")
        if args.fix or args.diff:
            raise UsageError("--new-since and --fix or --diff exclude each other")
    from metallb_lint.cli import progress

    bar = None
    if not args.quiet and progress.wanted(sys.stderr, [fmt for fmt, _ in outputs]):
        bar = options.progress = progress.Progress(sys.stderr)
    try:
        if args.new_since:
            from metallb_lint.tools.since import run_since

            result = run_since(options, config, args.new_since)
        else:
            result = run(options, config)
            if args.diff:
                if bar is not None:
                    bar.close()
                return show_diff(args, result)
            if args.fix and apply_fixes(args, result).changes:
                result = run(options, config)  # report what remains
    finally:
        if bar is not None:
            bar.close()
    human = {fmt for fmt, _ in outputs} <= {"text", "concise"} and not args.quiet
    finish_cache(options.cache, note=human)
    if args.write_baseline:
        return _write_baseline(args.write_baseline, args.baseline, result)
    if args.show_settings or args.show_files:
        from metallb_lint.cli.show import show_files, show_settings

        if args.show_settings:
            sys.stdout.write(show_settings(args, config, result))
        if args.show_files:
            sys.stdout.write(show_files(result))
        return EXIT_OK
    if args.statistics:
        sys.stdout.write(statistics(result.findings))
        return _exit_code(args, result)
    style = {
        "verbose": args.verbose,
        "quiet": args.quiet,
        "docs_url": os.environ.get("METALLB_LINT_DOCS_URL") or None,
        "github_base": os.environ.get("GITHUB_WORKSPACE") or None,
    }
    for fmt, output_file in outputs:
        if output_file is None:
            color = use_color(args.color, sys.stdout)
            render(fmt, result, sys.stdout, color=color, width=text_width(sys.stdout), **style)
            continue
        buffer = io.StringIO()
        render(fmt, result, buffer, color=False, width=text_width(None), **style)
        try:
            write_atomic(output_file, buffer.getvalue(), inputs=_inputs(args, config, result))
        except OSError as exc:
            raise UsageError(
                f"--output-file {output_file}: cannot write: {exc.strerror or exc}"
            ) from None
    return _exit_code(args, result)


def _exit_code(args: argparse.Namespace, result) -> int:
    from metallb_lint.decide import fails

    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if fails(result.findings, result.fail_on) else EXIT_OK


def statistics(findings: list) -> str:
    """One line per rule with findings (suppressed ones not counted): the count, the rule's ID,
    name and severity, most frequent first, as `ruff --statistics` prints them."""
    from collections import Counter

    counts = Counter(
        (f.rule, f.name, f.severity.name.lower()) for f in findings if not f.suppressed
    )
    width = len(str(max(counts.values(), default=0)))
    lines = [
        f"{count:>{width}}  {rule}  {name}  [{severity}]"
        for (rule, name, severity), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "".join(f"{line}\n" for line in lines) or "No problems found\n"


def _inputs(args: argparse.Namespace, config, result) -> list[str]:
    """Every file the run read: a report is never written over one of them."""
    named = [args.baseline, args.config, *config.crds, *(args.policies or [])]
    return [*result.inputs, *(path for path in named if path)]


def _baseline_to_apply(args: argparse.Namespace) -> str | None:
    """--baseline, except when --write-baseline creates that same file for the first time."""
    path = args.baseline
    new = path and args.write_baseline and not os.path.exists(path)
    if new and os.path.abspath(path) == os.path.abspath(args.write_baseline):
        return None
    return path


def _write_baseline(path: str, applied: str | None, result) -> int:
    from metallb_lint.decide import Baseline, write_baseline

    previous = None  # the reasons written there are kept
    if applied is not None and os.path.isfile(applied):
        previous = Baseline.load(applied)
    elif os.path.isfile(path):
        previous = Baseline.load(path)
    # The baseline it reads is the one it rewrites: that input is expected.
    inputs = [p for p in result.inputs if os.path.abspath(p) != os.path.abspath(path)]
    count = write_baseline(path, result.findings, previous, inputs=inputs)
    print(f"metallb-lint: wrote {count} finding(s) to the baseline {path}", file=sys.stderr)
    return EXIT_OK
