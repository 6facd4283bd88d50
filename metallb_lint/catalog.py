"""Rule metadata from `rules/*.yaml`: the one source for `rules`, `explain` and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import yaml

from metallb_lint.findings import Severity
from metallb_lint.resources import data_dir

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    severity: Severity
    summary: str
    description: str
    remediation: str
    bad: str
    good: str
    family: str
    enabled_by_default: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "severity": str(self.severity),
            "family": self.family,
            "summary": self.summary,
            "description": self.description,
            "remediation": self.remediation,
            "enabled_by_default": self.enabled_by_default,
            "examples": {"bad": self.bad, "good": self.good},
        }


@cache
def catalog() -> dict[str, RuleInfo]:
    """Every built-in rule's metadata, by ID, in ID order."""
    rules: dict[str, RuleInfo] = {}
    folder = data_dir("rules")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        document = yaml.load(entry.read_text(encoding="utf-8"), Loader=_Loader)
        family = document.get("family", "")
        for item in document.get("rules", []):
            info = RuleInfo(
                id=item["id"],
                name=item["name"],
                severity=Severity.parse(item["severity"]),
                summary=item["summary"].strip(),
                description=item["description"].strip(),
                remediation=item["remediation"].strip(),
                bad=item["examples"]["bad"].rstrip() + "\n",
                good=item["examples"]["good"].rstrip() + "\n",
                family=family,
                enabled_by_default=item.get("enabled_by_default", True),
                tags=tuple(item.get("tags", ())),
            )
            rules[info.id] = info
    return dict(sorted(rules.items()))


def by_name() -> dict[str, RuleInfo]:
    return {info.name: info for info in catalog().values()}


def lookup(key: str) -> RuleInfo | None:
    """A rule by ID (any case) or by name."""
    return catalog().get(key.upper()) or by_name().get(key)
