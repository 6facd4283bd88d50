"""Which findings count: selection, severity overrides, per-file ignores and inline suppressions.

Precedence, first match wins for each finding:
1. the rule is not selected (`--select`/`select`, minus `--ignore`/`ignore`): dropped;
2. `per-file-ignores` matches the finding's path and rule: dropped;
3. a `# metallb-lint: disable=...` comment on the finding's line or the line above, or a
   `disable-file=...` comment in the first lines of the file: kept, marked suppressed;
4. severity overrides (`severity:`) apply to what is left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from metallb_lint.catalog import RuleInfo, catalog
from metallb_lint.errors import UsageError
from metallb_lint.findings import Finding, Severity
from metallb_lint.ignore import parse_pattern

_DIRECTIVE = re.compile(
    r"#\s*metallb-lint:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\- ]+?)\s*(?:--\s*(.*?))?\s*$"
)
FILE_DIRECTIVE_LINES = 10


def matches_rule(spec: str, info: RuleInfo) -> bool:
    """An ID (ML401), a name (ip-not-in-any-pool) or an ID prefix (ML4, ML)."""
    spec = spec.strip()
    return (
        spec.upper() == info.id
        or spec == info.name
        or (spec.upper().startswith("ML") and info.id.startswith(spec.upper()))
    )


def _check_specs(specs: Iterable[str], where: str) -> None:
    rules = catalog().values()
    for spec in specs:
        if not any(matches_rule(spec, info) for info in rules):
            raise UsageError(
                f"{where}: '{spec}' names no rule "
                "(use an ID like ML401, a name, or a prefix like ML4)"
            )


def select_rules(
    select: list[str], ignore: list[str], *, where: str = "--select/--ignore"
) -> set[str]:
    _check_specs([*select, *ignore], where)
    chosen = {
        info.id
        for info in catalog().values()
        if (any(matches_rule(s, info) for s in select) if select else info.enabled_by_default)
    }
    return {i for i in chosen if not any(matches_rule(s, catalog()[i]) for s in ignore)}


def severity_overrides(overrides: dict[str, Severity], where: str) -> dict[str, Severity]:
    _check_specs(overrides, where)
    out: dict[str, Severity] = {}
    for spec, severity in overrides.items():
        for info in catalog().values():
            if matches_rule(spec, info):
                out[info.id] = severity
    return out


@dataclass
class Decider:
    selected: set[str]
    severities: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    inline: bool = True

    def decide(self, findings: Iterable[Finding], texts: dict[str, str | None]) -> list[Finding]:
        patterns = [(parse_pattern(glob), specs) for glob, specs in self.per_file_ignores.items()]
        directives: dict[str, _Directives] = {}
        kept: list[Finding] = []
        for finding in findings:
            if finding.rule not in self.selected:
                continue
            info = catalog()[finding.rule]
            path = finding.location.path
            if any(
                p and p.regex.match(path) and any(matches_rule(s, info) for s in specs)
                for p, specs in patterns
            ):
                continue
            if self.inline:
                table = directives.get(path)
                if table is None:
                    table = directives[path] = _Directives.parse(texts.get(path))
                reason = table.suppresses(finding.location.line, info)
                if reason is not None:
                    finding.suppressed = True
                    finding.suppression_reason = reason or None
            if finding.rule in self.severities:
                finding.severity = self.severities[finding.rule]
            kept.append(finding)
        return sorted(kept, key=Finding.sort_key)


@dataclass
class _Directives:
    by_line: dict[int, tuple[list[str], str]] = field(default_factory=dict)
    whole_file: list[tuple[list[str], str]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None) -> _Directives:
        table = cls()
        if not text or "metallb-lint:" not in text:
            return table
        for number, line in enumerate(text.split("\n"), start=1):
            if "metallb-lint:" not in line:
                continue
            match = _DIRECTIVE.search(line)
            if not match:
                continue
            specs = [s.strip() for s in match.group(2).split(",") if s.strip()]
            reason = (match.group(3) or "").strip()
            if match.group(1) == "disable-file":
                if number <= FILE_DIRECTIVE_LINES:
                    table.whole_file.append((specs, reason))
            else:
                table.by_line[number] = (specs, reason)
        return table

    def suppresses(self, line: int, info: RuleInfo) -> str | None:
        """The reason ('' when none was given) if a directive covers `line`, else None."""
        for candidate in (line, line - 1):
            entry = self.by_line.get(candidate)
            if entry and any(matches_rule(s, info) for s in entry[0]):
                return entry[1]
        for specs, reason in self.whole_file:
            if any(matches_rule(s, info) for s in specs):
                return reason
        return None


def fails(findings: Iterable[Finding], fail_on: Severity) -> bool:
    return any(not f.suppressed and f.severity >= fail_on for f in findings)
