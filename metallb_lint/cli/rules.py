"""`metallb-lint rules` (the catalog) and `metallb-lint explain ID` (one rule in full). Both
show the user policies a check would run too: `--policies DIR` and the configuration's
`policies:` (found as `check` finds it, from the current directory), each with its file."""

from __future__ import annotations

import argparse
import json
import sys

from metallb_lint.cli.common import EXIT_OK, Parser, add_config_arguments
from metallb_lint.errors import UsageError


def _parser(prog: str, description: str) -> Parser:
    parser = Parser(prog=prog, description=description)
    parser.add_argument(
        "--policies",
        action="append",
        metavar="DIR",
        help="a directory (or file) of user policies to list too, next to config 'policies'",
    )
    add_config_arguments(parser)
    return parser


def _user_policies(args: argparse.Namespace) -> list:
    """The user policies of --policies and of the configuration's `policies:`."""
    import os

    from metallb_lint.cli.common import load_config_for

    args.paths, args.stdin_filename, args.metallb_version = ["."], None, None
    config = load_config_for(args)
    locations = [*config.policies, *(os.path.abspath(p) for p in args.policies or [])]
    if not locations:
        return []
    from metallb_lint.policies import load_user_policies

    return load_user_policies(locations)


def rules(argv: list[str]) -> int:
    from metallb_lint.catalog import catalog

    parser = _parser("metallb-lint rules", "List the built-in rules and the user policies.")
    parser.add_argument("-f", "--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    builtin = list(catalog().values())
    policies = _user_policies(args)
    if args.format == "json":
        entries = [r.as_dict() for r in builtin] + [_policy_dict(p) for p in policies]
        json.dump(entries, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    width = max(len(r.name) for r in [*builtin, *policies])
    id_width = max(len(r.id) for r in [*builtin, *policies])
    for info in builtin:
        print(_rule_line(info, id_width, width))
    for policy in policies:
        print(_rule_line(policy, id_width, width) + f"  [{policy.source}:{policy.line}]")
    return EXIT_OK


def _rule_line(info, id_width: int, width: int) -> str:
    off = "" if info.enabled_by_default else "  (off unless selected)"
    fix = getattr(info, "fix", None)  # user policies have no fixes
    off += f"  (fix: {fix})" if fix else ""
    severity = str(info.severity).ljust(7)
    return f"{info.id.ljust(id_width)}  {info.name.ljust(width)}  {severity}  {info.summary}{off}"


def _policy_dict(policy) -> dict[str, object]:
    return {
        "id": policy.id,
        "name": policy.name,
        "severity": str(policy.severity),
        "family": "user policies",
        "summary": policy.summary,
        "description": policy.description,
        "remediation": policy.remediation,
        "enabled_by_default": policy.enabled_by_default,
        "source": f"{policy.source}:{policy.line}",
    }


def explain(argv: list[str]) -> int:
    from metallb_lint.catalog import lookup

    parser = _parser("metallb-lint explain", "Explain one rule or user policy.")
    parser.add_argument("rule", metavar="ID", help="rule ID (ML401) or name (ip-not-in-any-pool)")
    args = parser.parse_args(argv)
    info = lookup(args.rule)
    if info is None:
        policies = _user_policies(args)
        policy = next(
            (p for p in policies if args.rule.upper() == p.id or args.rule == p.name), None
        )
        if policy is not None:
            _explain_policy(policy)
            return EXIT_OK
        from metallb_lint.decide import did_you_mean, known_rules

        hint = did_you_mean(args.rule, known_rules(policies))
        raise UsageError(f"explain: no rule '{args.rule}'{hint} (see 'metallb-lint rules')")
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


def _explain_policy(policy) -> None:
    default = "" if policy.enabled_by_default else " (off unless selected)"
    print(f"{policy.id} {policy.name} [{policy.severity}]{default}")
    print(f"User policy from {policy.source}:{policy.line}\n")
    print(f"{policy.summary}\n")
    if policy.description:
        print(f"{policy.description.rstrip()}\n")
    if policy.remediation:
        print(f"How to fix:\n{policy.remediation.rstrip()}\n")
    for title, examples in (("Fails", policy.failing), ("Passes", policy.passing)):
        if examples:
            print(f"{title}:")
            for example in examples:
                print(_indent(_example_text(example)), end="")
            print()


def _example_text(example) -> str:
    if isinstance(example.data, str):
        return example.data
    return json.dumps(example.data, ensure_ascii=False)


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))
