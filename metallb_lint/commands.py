"""`metallb-lint ips` and `metallb-lint migrate`: argument parsing and the flow of each.

Both read the repository exactly as `check` does (discovery, configuration file, placeholders:
`engine.run`), then work on the inventory. Exit codes follow `check`: 0 done; 1 problems
(`migrate`: values that could not be converted; `ips --free N`: fewer than N free addresses);
2 usage errors, one line on stderr (UsageError, handled by `cli.main`).
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import islice
from typing import TYPE_CHECKING

from metallb_lint.errors import UsageError

if TYPE_CHECKING:
    from metallb_lint.config import Config
    from metallb_lint.inventory import Inventory
    from metallb_lint.ipmap import IPMap
    from metallb_lint.migrate import Migration, Problem
    from metallb_lint.versions import Version

EXIT_OK, EXIT_PROBLEMS = 0, 1
MIGRATE_FROM = "0.13.0"  # the first release with custom resources (facts §1.3)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories to read ('-' reads stdin); default '.'",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (as for check)")
    parser.add_argument(
        "--isolated", action="store_true", help="read no configuration file (not with --config)"
    )
    parser.add_argument(
        "--metallb-version",
        metavar="X.Y.Z",
        help="MetalLB release to assume (default: what the repository pins)",
    )
    parser.add_argument(
        "--stdin-filename", metavar="PATH", help="the path to report for input read from stdin"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def _inventory(args: argparse.Namespace) -> tuple[Inventory, Config]:
    """The inventory `check` would build for these arguments, and the configuration."""
    from metallb_lint.cli import _load_config
    from metallb_lint.engine import Options, check_paths_exist, run
    from metallb_lint.versions import Version

    if not args.paths:
        args.paths = ["-"] if args.stdin_filename else ["."]
    if args.metallb_version and Version.parse(args.metallb_version) is None:
        raise UsageError(
            f"--metallb-version: '{args.metallb_version}' is not a version like 0.14.8"
        )
    check_paths_exist(args.paths)
    config = _load_config(args)
    stdin_data = sys.stdin.buffer.read() if "-" in args.paths else None
    options = Options(
        paths=args.paths,
        metallb_version=args.metallb_version,
        stdin_filename=args.stdin_filename,
        stdin_data=stdin_data,
    )
    return run(options, config).inventory, config


def _use_color(choice: str, stream) -> bool:
    """As `check`: --color, then NO_COLOR / FORCE_COLOR, then whether stdout is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


# -- ips ---------------------------------------------------------------------------------------


def run_ips(argv: list[str]) -> int:
    parser = _Parser(
        prog="metallb-lint ips",
        description="The IP allocation map: per address pool, which Services hold which "
        "address, how many take one automatically, and what is free.",
    )
    _common(parser)
    parser.add_argument(
        "-f",
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text (default), json (stable, versioned) or markdown (a table for a README)",
    )
    parser.add_argument("--pool", metavar="NAME", help="show only this pool")
    parser.add_argument(
        "--free",
        type=int,
        metavar="N",
        help="print the first N free addresses of the pool (--pool, unless there is one pool) "
        "for a new Service, skipping the ones Services without a request are likely to take",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (honours NO_COLOR and FORCE_COLOR)",
    )
    args = parser.parse_args(argv)
    if args.free is not None and args.free < 1:
        raise UsageError("metallb-lint ips: --free needs a number of addresses from 1")

    from metallb_lint.checks import Context
    from metallb_lint.ipmap import build_map
    from metallb_lint.report import ips as report

    inventory, config = _inventory(args)
    ipmap = build_map(inventory, Context(inventory, config))
    names = sorted({pm.name for pm in ipmap.pools})
    if args.pool is not None:
        ipmap.pools = [pm for pm in ipmap.pools if pm.name == args.pool]
        ipmap.outside = []
        if not ipmap.pools:
            known = ", ".join(names) or "none"
            raise UsageError(f"metallb-lint ips: no pool named '{args.pool}' (pools: {known})")
    if args.free is not None:
        return _free(ipmap, args, names)
    if args.format == "json":
        report.write_json(ipmap, sys.stdout)
    elif args.format == "markdown":
        report.write_markdown(ipmap, sys.stdout)
    else:
        report.write_text(ipmap, sys.stdout, color=_use_color(args.color, sys.stdout))
    return EXIT_OK


def _free(ipmap: IPMap, args: argparse.Namespace, names: list[str]) -> int:
    import json

    from metallb_lint.addresses import format_ip

    if len(ipmap.pools) != 1:
        raise UsageError(
            "metallb-lint ips: --free needs --pool NAME when there is more than one pool "
            f"({', '.join(names) or 'none found'})"
        )
    pool = ipmap.pools[0]
    found = [format_ip(*a) for a in islice(pool.free_addresses(), args.free)]
    if args.format == "json":
        json.dump({"version": 1, "pool": pool.name, "free": found}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("".join(f"{a}\n" for a in found))
    if len(found) < args.free:
        print(
            f"metallb-lint ips: pool '{pool.name}' has only {len(found)} free address"
            f"{'es' if len(found) != 1 else ''} left for a new Service",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    return EXIT_OK


# -- migrate -----------------------------------------------------------------------------------


def run_migrate(argv: list[str]) -> int:
    parser = _Parser(
        prog="metallb-lint migrate",
        description="Convert legacy MetalLB configuration (ConfigMap 'config', a bare config "
        "file, chart configInline) into the custom resources of MetalLB 0.13 and later.",
    )
    _common(parser)
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the resources to FILE (default stdout)"
    )
    args = parser.parse_args(argv)

    from metallb_lint import legacy, migrate
    from metallb_lint.discover import display_path
    from metallb_lint.target import choose_mode
    from metallb_lint.versions import NEWEST, Version

    inventory, _ = _inventory(args)
    target = inventory.target
    version, mode, note = target.version, target.mode, None
    if version < Version.parse(MIGRATE_FROM):  # type: ignore[operator]
        if args.metallb_version:
            raise UsageError(
                f"metallb-lint migrate: --metallb-version {args.metallb_version} still reads the "
                f"legacy configuration; name a release from {MIGRATE_FROM} on"
            )
        note = (
            f"The repository pins MetalLB {version}, which still reads the legacy "
            f"configuration; converted for the newest release, {NEWEST}."
        )
        version = NEWEST
        mode, _ = choose_mode(version, inventory.values, inventory.install_sites)
    elif target.assumed and not args.metallb_version:
        note = (
            f"No MetalLB version is pinned in the files read: converted for the newest "
            f"release, {version} (--metallb-version chooses another)."
        )
    cwd = os.getcwd()
    files = [display_path(p, cwd) for p in args.paths if p != "-" and os.path.isfile(p)]
    configs = legacy.find_all(inventory, files)
    if not configs:
        print("metallb-lint migrate: no legacy configuration found", file=sys.stderr)
        for line in _existing_configmaps(inventory):
            print(line, file=sys.stderr)
        return EXIT_OK
    migrations = [migrate.convert(c, target.namespace, version, mode) for c in configs]
    problems = [p for m in migrations for p in m.problems] + migrate.clashes(migrations)
    text = migrate.render(migrations, version, mode, note)
    output = display_path(args.output, cwd) if args.output else "<stdout>"
    problems += _verify(text, version, output, migrations)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(
                f"metallb-lint migrate: --output {args.output}: cannot write: {exc.strerror or exc}"
            ) from None
    else:
        sys.stdout.write(text)
    problems.sort(key=lambda p: (p.location.path, p.location.line, p.location.column))
    for problem in problems:
        loc = problem.location
        print(f"{loc.path}:{loc.line}:{loc.column}: {problem.message}", file=sys.stderr)
    count = sum(len(m.resources) for m in migrations)
    summary = f"metallb-lint migrate: {count} resource{'s' if count != 1 else ''} from " + (
        f"{len(configs)} legacy configuration{'s' if len(configs) != 1 else ''}"
    )
    if args.output:
        summary += f" written to {args.output}"
    if problems:
        summary += f"; {len(problems)} problem{'s' if len(problems) != 1 else ''} (above)"
    print(summary, file=sys.stderr)
    return EXIT_PROBLEMS if problems else EXIT_OK


def _verify(text: str, version: Version, name: str, migrations: list[Migration]) -> list[Problem]:
    """Lint the converted resources as `check` would; their errors are problems too."""
    from metallb_lint.config import Config
    from metallb_lint.engine import Options, run
    from metallb_lint.findings import Severity
    from metallb_lint.migrate import Problem

    namespaces = {m.namespace for m in migrations}
    config = Config(namespace=namespaces.pop() if len(namespaces) == 1 else None)
    options = Options(
        paths=["-"],
        stdin_filename=name,
        stdin_data=text.encode("utf-8"),
        metallb_version=str(version),
    )
    return [
        Problem(f.location, f"the converted resources fail {f.rule} {f.name}: {f.message}")
        for f in run(options, config).findings
        if f.severity >= Severity.ERROR and not f.suppressed
    ]


def _existing_configmaps(inventory: Inventory) -> list[str]:
    """Chart values pointing at a ConfigMap this run did not find: say where to look."""
    lines = []
    for values in inventory.values:
        name = values.data.get("existingConfigMap") if values.is_metallb else None
        if isinstance(name, str) and name:
            loc = values.doc.location((*values.base, "existingConfigMap"))
            lines.append(
                f"{loc.path}:{loc.line}: note: the chart values name ConfigMap '{name}' "
                "(existingConfigMap), which is not among the files read; pass the file that "
                "holds it to convert it"
            )
    return lines
