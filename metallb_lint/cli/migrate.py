"""`metallb-lint migrate`: legacy configuration (ConfigMap `config`, a bare config file, chart
`configInline`) to the custom resources of MetalLB 0.13 and later, checked as `check` would.
Exit 1 when a value could not be converted."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from metallb_lint.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Parser,
    add_repository_arguments,
    inventory_for,
)
from metallb_lint.errors import UsageError
from metallb_lint.safeio import write_atomic

if TYPE_CHECKING:
    from metallb_lint.metallb.versions import Version
    from metallb_lint.model.inventory import Inventory
    from metallb_lint.tools.migrate import Migration, Problem

MIGRATE_FROM = "0.13.0"  # the first release with custom resources (facts §1.3)


def _afterwards(configs: list, version: object) -> list[str]:
    """What to delete or edit once the resources are applied: the legacy configuration itself,
    which MetalLB 0.13 and later no longer read (and chart 0.13.3 and later refuse to render
    with `configInline`)."""
    lines = ["Then, once the resources are applied:"]
    for config in configs:
        where = f"{config.location.path}:{config.location.line}"
        if config.origin == "values":
            lines.append(
                f"  {where}: remove {config.description}: MetalLB "
                f"{version} does not read it, and the chart refuses to render with "
                "configInline from 0.13.3"
            )
        else:
            lines.append(
                f"  {where}: delete {config.description} (and `existingConfigMap` where the "
                f"chart values name it): MetalLB {version} does not read it"
            )
    return lines


def migrate(argv: list[str]) -> int:
    parser = Parser(
        prog="metallb-lint migrate",
        description="Convert legacy MetalLB configuration (ConfigMap 'config', a bare config "
        "file, chart configInline) into the custom resources of MetalLB 0.13 and later.",
    )
    add_repository_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        "--output-file",
        metavar="FILE",
        dest="output",
        help="write the resources to FILE (default stdout); an existing FILE needs --force",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace the --output file if it exists"
    )
    args = parser.parse_args(argv)
    if args.output and os.path.lexists(args.output) and not args.force:
        raise UsageError(
            f"metallb-lint migrate: --output {args.output} exists; pass --force to replace it"
        )

    from metallb_lint.load.discover import display_path
    from metallb_lint.metallb.versions import NEWEST, Version
    from metallb_lint.model import legacy
    from metallb_lint.model.target import choose_mode
    from metallb_lint.tools import migrate as conversion

    inventory, _ = inventory_for(args)
    target = inventory.target
    version, mode, note = target.version, target.mode, None
    if target.assumed and not args.metallb_version:
        version = NEWEST
        mode, _ = choose_mode(version, inventory.values, inventory.install_sites)
        note = (
            f"No MetalLB version is pinned in the files read: converted for the newest "
            f"release, {version} (--metallb-version chooses another)."
        )
    elif version < Version.parse(MIGRATE_FROM):  # type: ignore[operator]
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
    cwd = os.getcwd()
    files = [display_path(p, cwd) for p in args.paths if p != "-" and os.path.isfile(p)]
    configs = legacy.find_all(inventory, files)
    if not configs:
        print("metallb-lint migrate: no legacy configuration found", file=sys.stderr)
        for line in _existing_configmaps(inventory):
            print(line, file=sys.stderr)
        return EXIT_OK
    migrations = [conversion.convert(c, target.namespace, version, mode) for c in configs]
    problems = [p for m in migrations for p in m.problems] + conversion.clashes(migrations)
    text = conversion.render(migrations, version, mode, note)
    output = display_path(args.output, cwd) if args.output else "<stdout>"
    problems += _verify(text, version, output, migrations)
    if args.output:
        inputs = [p for p in args.paths if p != "-"] + list(inventory.sources)
        try:
            write_atomic(args.output, text, inputs=inputs)
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
    for line in [] if problems else _afterwards(configs, version):  # problems come first
        print(line, file=sys.stderr)
    return EXIT_FINDINGS if problems else EXIT_OK


def _verify(text: str, version: Version, name: str, migrations: list[Migration]) -> list[Problem]:
    """Lint the converted resources as `check` would; their errors are problems too."""
    from metallb_lint.config import Config
    from metallb_lint.engine import Options, run
    from metallb_lint.findings import Severity
    from metallb_lint.tools.migrate import Problem

    namespaces = {m.namespace for m in migrations}
    config = Config(namespace=namespaces.pop() if len(namespaces) == 1 else None)
    options = Options(
        paths=["-"],
        stdin_filename=name,
        stdin_data=text.encode("utf-8"),
        metallb_version=str(version),
        context=False,  # the converted resources alone, not the project around the output
        fixes=False,  # (only the errors' messages are shown)
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
