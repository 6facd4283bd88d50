"""`metallb-lint ips`: the IP allocation map, per pool: which Service holds which address, how
many take one automatically, what is free. Exit 1 when `--free N` finds fewer than N."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from metallb_lint.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Parser,
    add_repository_arguments,
    inventory_for,
    use_color,
)
from metallb_lint.errors import UsageError

if TYPE_CHECKING:
    from metallb_lint.tools.ipmap import IPMap


def ips(argv: list[str]) -> int:
    parser = Parser(
        prog="metallb-lint ips",
        description="The IP allocation map: per address pool, which Services hold which "
        "address, how many take one automatically, and what is free.",
    )
    add_repository_arguments(parser)
    parser.add_argument(
        "-f",
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text (default), json (stable, versioned) or markdown (a table for a README)",
    )
    parser.add_argument(
        "--pool",
        metavar="NAME",
        help="show only this pool (and the Services that may draw from it among others)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="list at most N Services per table (per pool, per group of pools, outside); "
        "the counts stay whole and the output says how many it left out",
    )
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
    if args.limit is not None and args.limit < 0:
        raise UsageError("metallb-lint ips: --limit needs a number from 0")

    from metallb_lint.checks.context import Context
    from metallb_lint.report import ips as report
    from metallb_lint.tools.ipmap import build_map

    human = args.format == "text" and args.free is None
    inventory, config = inventory_for(args, human=human)
    ipmap = build_map(inventory, Context(inventory, config))
    names = sorted({pm.name for pm in ipmap.pools})
    if args.pool is not None:
        ipmap.only(args.pool)
        if not ipmap.pools:
            known = ", ".join(names) or "none"
            raise UsageError(f"metallb-lint ips: no pool named '{args.pool}' (pools: {known})")
    if args.free is not None:
        return _free(ipmap, args, names)
    if args.format == "json":
        report.write_json(ipmap, sys.stdout, args.limit)
    elif args.format == "markdown":
        report.write_markdown(ipmap, sys.stdout, args.limit)
    else:
        color = use_color(args.color, sys.stdout)
        from metallb_lint.report.ips_text import write_text

        write_text(ipmap, sys.stdout, color=color, limit=args.limit)
    return EXIT_OK


def _free(ipmap: IPMap, args: argparse.Namespace, names: list[str]) -> int:
    from metallb_lint.metallb.addresses import format_ip

    if len(ipmap.pools) != 1:
        raise UsageError(
            "metallb-lint ips: --free needs --pool NAME when there is more than one pool "
            f"({', '.join(names) or 'none found'})"
        )
    pool = ipmap.pools[0]
    # Streamed: N may be larger than any list (10**30) and a pool as large as ::/0; the run
    # stops at N addresses, at the end of the pool, or when the reader goes away.
    addresses = (format_ip(*a) for a in pool.free_addresses())
    if args.format == "json":
        count = _stream_json(pool.name, addresses, args.free)
    else:
        count = _stream_lines(addresses, args.free)
    if count < args.free:
        print(
            f"metallb-lint ips: pool '{pool.name}' has only {count} free address"
            f"{'es' if count != 1 else ''} left for a new Service",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _stream_lines(addresses: Iterator[str], wanted: int) -> int:
    count = 0
    for address in addresses:
        if count >= wanted:
            break
        sys.stdout.write(f"{address}\n")
        count += 1
    return count


def _stream_json(pool: str, addresses: Iterator[str], wanted: int) -> int:
    """`{"version": 1, "pool": ..., "free": [...]}`, as json.dump(indent=2) writes it."""
    import json

    sys.stdout.write(f'{{\n  "version": 1,\n  "pool": {json.dumps(pool)},\n  "free": [')
    count = 0
    for address in addresses:
        if count >= wanted:
            break
        sys.stdout.write(f"{',' if count else ''}\n    {json.dumps(address)}")
        count += 1
    sys.stdout.write("\n  ]\n}\n" if count else "]\n}\n")
    return count
