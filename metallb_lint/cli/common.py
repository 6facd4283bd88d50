"""What every subcommand shares: the argument parser that fails with one line, exit codes,
the configuration file, colour."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from metallb_lint.errors import UsageError
from metallb_lint.safeio import read_stdin, regular_file_problem

if TYPE_CHECKING:
    from metallb_lint.config import Config
    from metallb_lint.load.cache import FileCache
    from metallb_lint.model.inventory import Inventory

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are UsageErrors: one line and exit 2, from `cli.main`."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}{self._did_you_mean(message)}")

    def _did_you_mean(self, message: str) -> str:
        """'; did you mean '--select'?' for a mistyped option (argparse of Python < 3.14 has
        no suggestions)."""
        if not message.startswith("unrecognized arguments:"):
            return ""
        import difflib

        known = [o for action in self._actions for o in action.option_strings if o != "--"]
        for word in message.split(":", 1)[1].split():
            if word.startswith("--"):
                close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.6)
                if close:
                    return f"; did you mean '{close[0]}'?"
        return ""


def version_text() -> str:
    """`--version`: this release and how new the MetalLB release table it checks against is
    (a MetalLB release after that date is unknown to it; see CHANGELOG.md)."""
    from metallb_lint import __version__
    from metallb_lint.metallb.versions import KNOWN_VERSIONS, NEWEST, RELEASES

    return (
        f"metallb-lint {__version__} (MetalLB release table of {RELEASES[str(NEWEST)]}: "
        f"{KNOWN_VERSIONS[0]} to {NEWEST})"
    )


# Every subcommand, for --help and for "did you mean" (cli/__init__.py dispatches them).
SUBCOMMANDS = {
    "check": "lint paths (the default: 'metallb-lint PATH ...' is 'metallb-lint check PATH ...')",
    "rules": "list every rule",
    "explain": "explain one rule: 'metallb-lint explain ML401'",
    "ips": "the IP allocation map of the pools: who holds which address, what is free",
    "migrate": "turn a legacy ConfigMap or configInline into MetalLB's custom resources",
    "test-policies": "run the examples of user policies as tests",
    "help": "this help ('--help' too)",
    "version": "the version ('--version' too)",
}


def split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def use_color(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def text_width(stream) -> int | None:
    """The width the text report wraps to: COLUMNS when set (to a number), else the terminal's
    when `stream` is one; None (never wrap) for a file or a pipe."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stream is None or not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    import shutil

    return shutil.get_terminal_size().columns


def check_metallb_version(args: argparse.Namespace) -> None:
    """`--metallb-version` names a release of the table or a range holding some (exit 2
    otherwise, with the nearest); one newer than the table is accepted with a warning."""
    if not args.metallb_version:
        return
    from metallb_lint.metallb.versions import UnknownRelease, check_release_spec

    try:
        _, warning = check_release_spec(args.metallb_version)
    except UnknownRelease as exc:
        raise UsageError(f"--metallb-version: {exc}") from None
    if warning:
        print(f"metallb-lint: warning: --metallb-version: {warning}", file=sys.stderr)


def load_config_for(args: argparse.Namespace):
    """The configuration a run with these arguments reads (--config, --isolated, or the
    nearest config file above the first path)."""
    from metallb_lint.config import Config, find_config, load_config
    from metallb_lint.load.discover import display_path

    if args.isolated:
        if args.config:
            raise UsageError("--config and --isolated exclude each other")
        return Config()
    path = args.config
    if path is None:
        on_disk = [p for p in args.paths if p != "-"]
        start = on_disk[0] if on_disk else (args.stdin_filename or ".")
        path = find_config(start)
        if path is None:
            return Config()
    elif (problem := regular_file_problem(path)) is not None:
        raise UsageError(f"--config {path}: {problem}")
    config = load_config(path, display_path(path, os.getcwd()))
    if config.release_warning and not args.metallb_version:
        print(f"metallb-lint: warning: {config.release_warning}", file=sys.stderr)
    if config.unknown_rule_names:  # they may name user policies: a bad name fails fast
        from metallb_lint.config import check_rule_names
        from metallb_lint.policies import load_user_policies

        check_rule_names(config, load_user_policies(config.policies))
    return config


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """`--config` and `--isolated`, as every subcommand that reads the configuration takes them."""
    parser.add_argument("--config", metavar="FILE", help="configuration file (as for check)")
    parser.add_argument(
        "--isolated", action="store_true", help="read no configuration file (not with --config)"
    )


CACHE_ENV = "METALLB_LINT_CACHE_DIR"


def add_cache_arguments(parser: argparse.ArgumentParser) -> None:
    """`--cache-dir` and `--no-cache`, for every subcommand that reads a repository."""
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help=f"keep the per-file cache in DIR (default: ${CACHE_ENV}, config 'cache-dir', "
        "else the user cache directory, e.g. ~/.cache/metallb-lint)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="read and parse every file afresh, and write no cache",
    )


def cache_dir_for(args: argparse.Namespace, config: Config) -> tuple[str | None, str]:
    """The cache directory of a run (None: no cache) and where that came from: --no-cache,
    --cache-dir, $METALLB_LINT_CACHE_DIR, config `cache-dir`, then the user cache directory."""
    if getattr(args, "no_cache", False):
        return None, "--no-cache"
    chosen = getattr(args, "cache_dir", None)
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen)), "--cache-dir"
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen)), CACHE_ENV
    if config.cache_dir:
        line = config.lines.get("cache-dir")
        return config.cache_dir, f"{config.path}:{line}" if line else str(config.path)
    from metallb_lint.load.cache import default_dir

    return os.path.abspath(default_dir()), "default (the user cache directory)"


def open_cache(args: argparse.Namespace, config: Config) -> FileCache | None:
    """The run's FileCache, or None with --no-cache."""
    folder, _ = cache_dir_for(args, config)
    if folder is None:
        return None
    from metallb_lint.load.cache import FileCache

    return FileCache(folder)


def finish_cache(cache: FileCache | None, *, note: bool) -> None:
    """Prune the cache if it is due, and say once (`note`: on a human-readable run) that the
    run went uncached because the cache directory cannot be written."""
    if cache is None:
        return
    cache.finish()
    if note and cache.problem:
        print(f"metallb-lint: note: {cache.problem}", file=sys.stderr)


def add_repository_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of the subcommands that read a repository as `check` does."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories to read ('-' reads stdin); default '.'",
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--metallb-version",
        metavar="X.Y.Z",
        help="MetalLB release to assume (default: what the repository pins)",
    )
    parser.add_argument(
        "--stdin-filename", metavar="PATH", help="the path to report for input read from stdin"
    )
    add_cache_arguments(parser)
    add_render_argument(parser)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def add_render_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--render",
        choices=RENDER_MODES,
        default=None,
        help="build root kustomizations with the kustomize engine (kustomize or kubectl on "
        "PATH, offline) and judge objects as it renders them: auto (default: where an engine "
        "is installed, the roots that use what the static model does not follow), always "
        "(every root that reaches MetalLB's objects; exit 2 without an engine), never (the "
        "static model alone); also METALLB_LINT_RENDER and the configuration's `render`",
    )


def inventory_for(args: argparse.Namespace, *, human: bool = False) -> tuple[Inventory, Config]:
    """The inventory `check` would build for these arguments, and the configuration; with
    `human` (an output for people), a progress bar on a terminal for a long run."""
    from metallb_lint.engine import Options, check_paths_exist, run

    if not args.paths:
        args.paths = ["-"] if args.stdin_filename else ["."]
    check_metallb_version(args)
    check_paths_exist(args.paths)
    config = load_config_for(args)
    stdin_data = read_stdin(sys.stdin.buffer) if "-" in args.paths else None
    options = Options(
        paths=args.paths,
        metallb_version=args.metallb_version,
        stdin_filename=args.stdin_filename,
        stdin_data=stdin_data,
        cache=open_cache(args, config),
        render=render_mode(args, config)[0],
        rules=False,  # (the inventory alone: no findings, no fixes)
    )
    from metallb_lint.cli import progress

    bar = None
    if human and progress.wanted(sys.stderr, ["text"]):
        bar = options.progress = progress.Progress(sys.stderr)
    try:
        inventory = run(options, config).inventory
    finally:
        if bar is not None:
            bar.close()
    finish_cache(options.cache, note=human)
    return inventory, config


RENDER_MODES = ("auto", "always", "never")


def render_mode(args: argparse.Namespace, config) -> tuple[str, str]:
    """The `--render` mode and where it came from: the option, METALLB_LINT_RENDER, the
    configuration, else auto."""
    if getattr(args, "render", None):
        return args.render, "--render"
    env = os.environ.get("METALLB_LINT_RENDER", "").strip()
    if env:
        if env not in RENDER_MODES:
            raise UsageError(
                f"METALLB_LINT_RENDER={env}: expected one of {', '.join(RENDER_MODES)}"
            )
        return env, "METALLB_LINT_RENDER"
    if config.render:
        return config.render, f"{config.path}: render"
    return "auto", "default"
