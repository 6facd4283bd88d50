"""What a rule is: a function registered with `@rule(ID)` that yields findings through the
`Context`. Rules never parse files and never print."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from metallb_lint.catalog import catalog
from metallb_lint.config import Config
from metallb_lint.findings import Finding, Fix, Location, Related, ResourceRef
from metallb_lint.model.inventory import Inventory

RuleFunc = Callable[["Context"], Iterable[Finding]]
REGISTRY: dict[str, RuleFunc] = {}
# Fixes of the findings of rules written as declarative policies, which cannot compute one
# (`@fixer(ID)`); Python rules pass theirs to `Context.finding`.
FixFunc = Callable[["Context", Finding], "Fix | None"]
FIXERS: dict[str, FixFunc] = {}


def rule(rule_id: str) -> Callable[[RuleFunc], RuleFunc]:
    def register(func: RuleFunc) -> RuleFunc:
        if rule_id in REGISTRY:  # pragma: no cover - programming error
            raise ValueError(f"rule {rule_id} registered twice")
        REGISTRY[rule_id] = func
        return func

    return register


def fixer(rule_id: str) -> Callable[[FixFunc], FixFunc]:
    def register(func: FixFunc) -> FixFunc:
        FIXERS[rule_id] = func
        return func

    return register


@dataclass
class Context:
    """What rules read (inventory, config, policies, a shared cache) and how they make findings."""

    inventory: Inventory
    config: Config
    cache: dict[str, object] = field(default_factory=dict)
    policies: list = field(default_factory=list)  # user policies (metallb_lint.policies)

    @property
    def target(self):
        return self.inventory.target

    def finding(
        self,
        rule_id: str,
        message: str,
        location: Location,
        *,
        resource: ResourceRef | None = None,
        related: Iterable[Related] = (),
        anchor: str = "",
        fix: Fix | None = None,
    ) -> Finding:
        info = catalog()[rule_id]
        return Finding(
            rule=rule_id,
            name=info.name,
            severity=info.severity,
            message=message,
            location=location,
            resource=resource,
            related=tuple(related),
            anchor=anchor,
            fix=fix,
        )
