"""Running the rules: the rule modules register themselves when imported here, the built-in
declarative policies and the user's policies run beside them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from metallb_lint.checks.context import FIXERS, REGISTRY, Context, RuleFunc
from metallb_lint.findings import Finding


def load_rules() -> dict[str, RuleFunc]:
    """Import the rule modules (which register themselves) and return the registry."""
    from metallb_lint.checks import (  # noqa: F401
        advertisements,
        allocators,
        bgp,
        chart,
        input,
        install,
        legacy,
        pools,
        renames,
        schema,
        services,
        versions,
    )
    from metallb_lint.policies import register_builtin

    register_builtin(REGISTRY)  # built-in rules written as declarative policies
    return REGISTRY


def run_rules(
    context: Context,
    selected: Iterable[str],
    reported: Callable[[Finding], bool] | None = None,
) -> Iterator[Finding]:
    """The findings of the selected rules, with their fixes; `reported` says which findings
    a report can show (the others get no fix: working one out can cost more than the rule)."""
    registry = load_rules()
    for rule_id in sorted(selected):
        func = registry.get(rule_id)
        if func is None:
            continue
        fixer = FIXERS.get(rule_id)
        for finding in func(context):
            wanted = reported is None or reported(finding)
            if fixer is not None and finding.fix is None and wanted:
                finding.fix = fixer(context, finding)
            yield finding
    if context.policies:
        from metallb_lint.policies import run_user_policies

        yield from run_user_policies(context, selected)
