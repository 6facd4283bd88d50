"""Command line: `metallb-lint [check] [PATH ...]`, `rules`, `explain ID`, `ips`, `migrate`,
`test-policies`; one module per subcommand. Nothing imports this package.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage error, bad
configuration or internal error (one line on stderr; a traceback only with --debug).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from metallb_lint.cli.common import EXIT_ERROR, EXIT_OK, SUBCOMMANDS
from metallb_lint.errors import UsageError


def run() -> NoReturn:
    """The console script (and `python -m metallb_lint`): `main`, then an immediate exit.

    Freeing the hundreds of thousands of objects of a large run one by one at interpreter
    shutdown takes tens of milliseconds and achieves nothing; the output is flushed first.
    The collector stays off to the end: switched back on, it would first scan everything the
    run built (main restores it only for callers that go on running).
    """
    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: nothing left to say
        pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    # A run builds hundreds of thousands of small objects and frees them all at exit; the
    # cyclic garbage collector would rescan them again and again (a third of the run time
    # on a 2,000-file tree). Nothing a run builds needs collecting before it ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if collecting:
            gc.enable()


def _word_or_path(args: list[str]) -> list[str]:
    """`help` and `version` as words, and a mistyped subcommand caught before it is taken
    for a path that does not exist. A file or folder of that name always wins."""
    if not args or args[0].startswith("-") or os.path.lexists(args[0]):
        return args
    if args[0] in ("help", "version") and len(args) == 1:
        return [f"--{args[0]}"]
    if args[0] not in SUBCOMMANDS:
        import difflib

        close = difflib.get_close_matches(args[0], list(SUBCOMMANDS), n=1, cutoff=0.7)
        if close:
            raise UsageError(
                f"{args[0]}: no such file or directory, and no subcommand; "
                f"did you mean '{close[0]}'?"
            )
    return args


def _subcommand_first(args: list[str]) -> list[str]:
    """Options written before a subcommand move after it: `metallb-lint --policies p explain
    ORG001` is `metallb-lint explain --policies p ORG001`. The subcommand is the first word
    that is not an option or an option's value, as when it comes first; to lint a folder
    named like a subcommand, write `./rules` or `check rules`."""
    if not args or not args[0].startswith("-"):
        return args
    from metallb_lint.cli.check import options_with_values

    takes_value = options_with_values()
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return args
        if not word.startswith("-") or word == "-":
            break
        index += 2 if word in takes_value else 1
    else:
        return args
    word = args[index]
    if word in SUBCOMMANDS and word not in ("help", "version", "check"):
        return [word, *args[:index], *args[index + 1 :]]
    return args


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    _tolerant_stdout()
    try:
        args = _subcommand_first(_word_or_path(args))
        if args and args[0] in ("rules", "explain"):
            from metallb_lint.cli import rules

            return getattr(rules, args[0])(args[1:])
        if args and args[0] == "test-policies":
            from metallb_lint.cli.test_policies import test_policies

            return test_policies(args[1:])
        if args and args[0] == "ips":
            from metallb_lint.cli.ips import ips

            return ips(args[1:])
        if args and args[0] == "migrate":
            from metallb_lint.cli.migrate import migrate

            return migrate(args[1:])
        if args and args[0] == "check":
            args = args[1:]
        from metallb_lint.cli.check import check

        return check(args)
    except UsageError as exc:
        message = str(exc) if str(exc).startswith("metallb-lint") else f"metallb-lint: {exc}"
        _error_line(message)
        return EXIT_ERROR
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`metallb-lint | head`): stop quietly, and keep Python from
        # complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:  # one line, never a traceback (DESIGN.md, Contracts)
        if debug:
            raise
        _error_line(
            f"metallb-lint: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug and report it)"
        )
        return EXIT_ERROR


def _error_line(message: str) -> None:
    print(" ".join(message.split()), file=sys.stderr)


def _tolerant_stdout() -> None:
    """Never fail on a character the terminal's encoding lacks (e.g. cp1252 and '│')."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")
