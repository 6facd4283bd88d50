"""Which findings count: selection, severity overrides, per-file ignores and inline suppressions.

Precedence, first match wins for each finding:
1. the rule is not selected (`--select`/`select`, minus `--ignore`/`ignore`): dropped;
2. `per-file-ignores` matches the finding's path and rule: dropped;
3. a suppression: kept (counted, shown in JSON), marked suppressed with its reason:
   a. `# metallb-lint: disable=ML401,ML2 -- reason` at the end of the finding's line, or alone
      on the line above it;
   b. `# metallb-lint: disable-file=ML4 -- reason` in the first 10 lines of the file;
   c. the annotation `lint.metallb.io/ignore: "ML401=reason,ML406"` on the finding's resource;
   `--no-inline-suppressions` turns all three off;
4. severity overrides (`severity:`) apply to what is left.

Rules are named by ID (ML401), name (ip-not-in-any-pool) or ID prefix (ML4) everywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from metallb_lint.catalog import RuleInfo, catalog
from metallb_lint.errors import UsageError
from metallb_lint.findings import Finding, ResourceRef, Severity
from metallb_lint.ignore import parse_pattern

_DIRECTIVE = re.compile(
    r"#\s*metallb-lint:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\- ]+?)\s*(?:--\s*(.*?))?\s*$"
)
FILE_DIRECTIVE_LINES = 10
IGNORE_ANNOTATION = "lint.metallb.io/ignore"

# Suppressions written on a resource: (its file, its reference) -> [(rule specs, reason)].
AnnotationTable = dict[tuple[str, ResourceRef], list[tuple[list[str], str]]]


@dataclass(frozen=True)
class _Rule:
    """A rule outside the catalog (a user policy): matched by ID or name only."""

    id: str
    name: str


def matches_rule(spec: str, info: RuleInfo | _Rule) -> bool:
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


def annotation_table(resources: Iterable) -> AnnotationTable:
    """Suppressions from `lint.metallb.io/ignore` annotations of inventory resources
    (objects with `.path`, `.ref` and `.annotations`)."""
    table: AnnotationTable = {}
    for resource in resources:
        value = resource.annotations.get(IGNORE_ANNOTATION)
        if not isinstance(value, str):
            continue
        entries = []
        for part in value.split(","):
            spec, _, reason = part.partition("=")
            if spec.strip():
                entries.append(([spec.strip()], reason.strip()))
        if entries:
            table.setdefault((resource.path, resource.ref), []).extend(entries)
    return table


@dataclass
class Decider:
    selected: set[str]
    severities: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    inline: bool = True
    annotations: AnnotationTable = field(default_factory=dict)
    # The folder `per-file-ignores` patterns are relative to (the config file's); None: the
    # patterns are matched against finding paths as they are (relative to the cwd).
    root: str | None = None

    def decide(self, findings: Iterable[Finding], texts: dict[str, str | None]) -> list[Finding]:
        patterns = [(parse_pattern(glob), specs) for glob, specs in self.per_file_ignores.items()]
        directives: dict[str, _Directives] = {}
        kept: list[Finding] = []
        for finding in findings:
            if finding.rule not in self.selected:
                continue
            info = catalog().get(finding.rule) or _Rule(finding.rule, finding.name)
            path = finding.location.path
            if patterns and self._ignored(path, info, patterns):
                continue
            if self.inline:
                table = directives.get(path)
                if table is None:
                    table = directives[path] = _Directives.parse(texts.get(path))
                reason = table.suppresses(finding.location.line, info)
                if reason is None and finding.resource is not None:
                    reason = _annotated(self.annotations.get((path, finding.resource)), info)
                if reason is not None:
                    finding.suppressed = True
                    finding.suppression_reason = reason or None
            if finding.rule in self.severities:
                finding.severity = self.severities[finding.rule]
            kept.append(finding)
        return sorted(kept, key=Finding.sort_key)

    def _ignored(self, path: str, info: RuleInfo | _Rule, patterns: list) -> bool:
        if self.root is not None:
            relative = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
            if relative == ".." or relative.startswith("../"):
                return False
            path = relative
        return any(
            pattern and pattern.regex.match(path) and any(matches_rule(s, info) for s in specs)
            for pattern, specs in patterns
        )


def _annotated(entries: list[tuple[list[str], str]] | None, info: RuleInfo | _Rule) -> str | None:
    for specs, reason in entries or ():
        if any(matches_rule(s, info) for s in specs):
            return reason
    return None


@dataclass
class _Directives:
    # line -> (rule specs, reason, whether the comment is alone on its line)
    by_line: dict[int, tuple[list[str], str, bool]] = field(default_factory=dict)
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
                alone = line.lstrip().startswith("#")
                table.by_line[number] = (specs, reason, alone)
        return table

    def suppresses(self, line: int, info: RuleInfo | _Rule) -> str | None:
        """The reason ('' when none was given) if a directive covers `line`, else None."""
        for candidate in (line, line - 1):
            entry = self.by_line.get(candidate)
            if entry is None or (candidate != line and not entry[2]):
                continue  # a comment ending the line above is about that line, not this one
            if any(matches_rule(s, info) for s in entry[0]):
                return entry[1]
        for specs, reason in self.whole_file:
            if any(matches_rule(s, info) for s in specs):
                return reason
        return None


def fails(findings: Iterable[Finding], fail_on: Severity) -> bool:
    return any(not f.suppressed and f.severity >= fail_on for f in findings)
