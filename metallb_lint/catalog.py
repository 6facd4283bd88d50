"""Rule metadata from `rules/*.yaml`: the one source for `rules`, `explain` and reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

from metallb_lint.findings import Severity
from metallb_lint.resources import data_dir


class RuleText(NamedTuple):
    """The prose of a rule: only `rules`, `explain`, SARIF and the docs read it."""

    summary: str
    description: str
    remediation: str
    bad: str
    good: str
    fix: str = ""  # what the rule's fix does, when it has one


_PROSE = frozenset({"summary", "description", "remediation", "bad", "good", "fix_summary"})


@dataclass(frozen=True)
class RuleInfo:
    """A rule's metadata from `rules/*.yaml`: ID, name, severity, family; its prose on demand."""

    id: str
    name: str
    severity: Severity
    family: str
    enabled_by_default: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)
    # "safe" or "unsafe" when some findings of the rule carry a fix (metallb_lint/fixes/)
    fix: str | None = None
    source: str = field(default="", compare=False, repr=False)  # the rules/*.yaml file

    @property
    def text(self) -> RuleText:
        return _texts(self.source)[self.id]

    def __getattr__(self, name: str) -> str:
        """`summary`, `description`, `remediation`, `bad`, `good`: the rule's prose."""
        if name in _PROSE:
            return getattr(self.text, "fix" if name == "fix_summary" else name)
        raise AttributeError(name)

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
            "fix": {"safety": self.fix, "summary": self.fix_summary} if self.fix else None,
            "examples": {"bad": self.bad, "good": self.good},
        }


# A lint run needs each rule's ID, name, severity and default, not its pages of prose: these
# are read from the head of each rule (`id`, `name`, `severity` first, as every rules file is
# written) without parsing the YAML. A file whose rules do not all start that way is parsed.
_FAMILY = re.compile(r"^family: *(.*?) *$", re.MULTILINE)
_RULE_START = re.compile(r"^  - id: ", re.MULTILINE)
_RULE_HEAD = re.compile(r"  - id: ([A-Z0-9]+)\n    name: ([a-z0-9-]+)\n    severity: ([a-z]+)\n")
_DISABLED = re.compile(r"^    enabled_by_default: false$", re.MULTILINE)
_FIX = re.compile(r"^    fix:\n      safety: (safe|unsafe)$", re.MULTILINE)
_OTHER_FLAGS = re.compile(r"^    (?:enabled_by_default|tags):", re.MULTILINE)


def _files() -> list:
    folder = data_dir("rules")
    return sorted(
        (e for e in folder.iterdir() if e.name.endswith((".yaml", ".yml"))), key=lambda e: e.name
    )


@cache
def catalog() -> dict[str, RuleInfo]:
    """Every built-in rule's metadata, by ID, in ID order."""
    rules: dict[str, RuleInfo] = {}
    for entry in _files():
        text = entry.read_text(encoding="utf-8")
        indexed = _index(text, str(entry))
        for info in indexed if indexed is not None else _parsed(str(entry))[0]:
            rules[info.id] = info
    return dict(sorted(rules.items()))


def _index(text: str, source: str) -> list[RuleInfo] | None:
    """The rules of one file from the heads of its rules; None when one is written otherwise."""
    family = _FAMILY.search(text)
    starts = [m.start() for m in _RULE_START.finditer(text)]
    found = []
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        head = _RULE_HEAD.match(text, start)
        block = text[start:end]
        if head is None or (_OTHER_FLAGS.search(block) and not _DISABLED.search(block)):
            return None  # tags, or a default written some other way: parse the file
        found.append(
            RuleInfo(
                id=head.group(1),
                name=head.group(2),
                severity=Severity.parse(head.group(3)),
                family=family.group(1) if family else "",
                enabled_by_default=_DISABLED.search(block) is None,
                fix=fix.group(1) if (fix := _FIX.search(block)) else None,
                source=source,
            )
        )
    return found


@cache
def _parsed(source: str) -> tuple[list[RuleInfo], dict[str, RuleText]]:
    import yaml

    document = yaml.load(Path(source).read_text(encoding="utf-8"), Loader=_loader())
    family = document.get("family", "")
    infos, texts = [], {}
    for item in document.get("rules", []):
        infos.append(
            RuleInfo(
                id=item["id"],
                name=item["name"],
                severity=Severity.parse(item["severity"]),
                family=family,
                enabled_by_default=item.get("enabled_by_default", True),
                tags=tuple(item.get("tags", ())),
                fix=(item.get("fix") or {}).get("safety"),
                source=source,
            )
        )
        texts[item["id"]] = RuleText(
            summary=item["summary"].strip(),
            description=item["description"].strip(),
            remediation=item["remediation"].strip(),
            bad=item["examples"]["bad"].rstrip() + "\n",
            good=item["examples"]["good"].rstrip() + "\n",
            fix=((item.get("fix") or {}).get("summary") or "").strip(),
        )
    return infos, texts


def _texts(source: str) -> dict[str, RuleText]:
    return _parsed(source)[1]


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def by_name() -> dict[str, RuleInfo]:
    return {info.name: info for info in catalog().values()}


def lookup(key: str) -> RuleInfo | None:
    """A rule by ID (any case) or by name."""
    return catalog().get(key.upper()) or by_name().get(key)
