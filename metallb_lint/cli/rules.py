"""`metallb-lint rules` (the catalog) and `metallb-lint explain ID` (one rule in full)."""

from __future__ import annotations

import json
import sys

from metallb_lint.cli.common import EXIT_OK, Parser
from metallb_lint.errors import UsageError


def rules(argv: list[str]) -> int:
    from metallb_lint.catalog import catalog

    parser = Parser(prog="metallb-lint rules", description="List the built-in rules.")
    parser.add_argument("-f", "--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    rules = list(catalog().values())
    if args.format == "json":
        json.dump([r.as_dict() for r in rules], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    width = max(len(r.name) for r in rules)
    for info in rules:
        off = "" if info.enabled_by_default else "  (off unless selected)"
        off += f"  (fix: {info.fix})" if info.fix else ""
        severity = str(info.severity).ljust(7)
        print(f"{info.id}  {info.name.ljust(width)}  {severity}  {info.summary}{off}")
    return EXIT_OK


def explain(argv: list[str]) -> int:
    from metallb_lint.catalog import lookup

    parser = Parser(prog="metallb-lint explain", description="Explain one rule.")
    parser.add_argument("rule", metavar="ID", help="rule ID (ML401) or name (ip-not-in-any-pool)")
    args = parser.parse_args(argv)
    info = lookup(args.rule)
    if info is None:
        raise UsageError(f"explain: no rule '{args.rule}' (see 'metallb-lint rules')")
    default = "" if info.enabled_by_default else " (off unless selected)"
    print(f"{info.id} {info.name} [{info.severity}]{default}\n")
    print(f"{info.summary}\n")
    print(f"{info.description}\n")
    print(f"How to fix:\n{info.remediation}\n")
    if info.fix:
        flag = "--fix" if info.fix == "safe" else "--fix --unsafe-fixes"
        print(f"Automatic fix ({info.fix}, {flag}):\n{info.fix_summary}\n")
    print("Bad:\n" + _indent(info.bad))
    print("Good:\n" + _indent(info.good), end="")
    return EXIT_OK


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))
