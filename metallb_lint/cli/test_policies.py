"""`metallb-lint test-policies [DIR ...]`: run each policy's pass and fail examples."""

from __future__ import annotations

import os

from metallb_lint.cli.common import EXIT_FINDINGS, EXIT_OK, Parser
from metallb_lint.errors import UsageError
from metallb_lint.policies.model import Policy
from metallb_lint.policies.testing import report


def test_policies(argv: list[str]) -> int:
    from metallb_lint.policies import builtin_policies, load_user_policies

    parser = Parser(
        prog="metallb-lint test-policies",
        description="Run the pass/fail examples of policies (exit 1 when one misbehaves).",
    )
    parser.add_argument("paths", nargs="*", metavar="DIR", help="policy directories or files")
    parser.add_argument(
        "--builtin", action="store_true", help="also test the built-in declarative rules"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every example")
    args = parser.parse_args(argv)
    if not args.paths and not args.builtin:
        raise UsageError("test-policies: name a policy directory (or --builtin)")
    policies: list[Policy] = []
    if args.builtin:
        policies += _validated_builtins(builtin_policies())
    policies += load_user_policies([os.path.abspath(p) for p in args.paths])
    ok = report(policies, verbose=args.verbose)
    return EXIT_OK if ok else EXIT_FINDINGS


def _validated_builtins(policies) -> list[Policy]:
    """The built-in policies, validated like user policies (their runtime load skips it)."""
    from metallb_lint.policies import builtin_files
    from metallb_lint.policies.loader import load_policy_file

    checked = {
        p.id
        for path, display in builtin_files()
        for p in load_policy_file(path, display, builtin=True)
    }
    return [p for p in policies if p.id in checked]
