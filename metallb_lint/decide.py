"""Which findings count: selection, per-file ignores, suppressions, the baseline and severities.

Precedence, for each finding, in this order:
1. the rule is not selected (`--select`/`select`, minus `--ignore`/`ignore`): dropped;
2. `per-file-ignores` matches the finding's path and rule: dropped;
3. a suppression: the finding is kept (counted, shown in JSON and SARIF) and marked suppressed,
   with the reason of the first of these that matches:
   a. `# metallb-lint: disable=ML401,ML2 -- reason` at the end of the finding's line, or alone
      on the line above it;
   b. `# metallb-lint: disable-file=ML4 -- reason` in the first 10 lines of the file;
   c. the annotation `lint.metallb.io/ignore: "ML401=reason,ML406"` on the finding's resource;
   d. an entry of the baseline (`--baseline FILE`), keyed on rule, file, resource and anchor
      (the JSON path of the finding), not on lines;
   `--no-inline-suppressions` turns a, b and c off (the baseline still applies);
4. severity overrides (`severity:`) apply to what is left, suppressed or not.

Every suppression that matches a finding counts as used, not only the first. With ML006
(`unused-suppression`, off unless selected) selected, the suppressions that matched nothing are
reported: comments, annotations and baseline entries. To know that, every rule that runs by
default also runs (its findings only credit suppressions, and are then dropped); a suppression
is judged only when every rule it names ran, and always when it names no rule at all.

Malformed suppressions are ML008 (`invalid-suppression`, on by default): a `# metallb-lint:`
comment that is no directive (`disabel=ML401`, `disable ML401`), a rule in a comment, an
annotation or the baseline that names no rule, a comment or annotation without a reason when
the configuration says `require-suppression-reason: true`. Each one suppresses nothing, so it
is reported whatever ML006 says.

Rules are named by ID (ML401), name (ip-not-in-any-pool) or ID prefix (ML4, or ORG for user
policies ORG001...) everywhere; user policies take part exactly like built-in rules.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from metallb_lint.catalog import RuleInfo, catalog
from metallb_lint.errors import UsageError
from metallb_lint.findings import Finding, Location, ResourceRef, Severity
from metallb_lint.inputlog import note_path
from metallb_lint.load.ignore import parse_pattern
from metallb_lint.safeio import read_bytes, write_atomic

_DIRECTIVE = re.compile(
    r"#\s*metallb-lint:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\- ]+?)\s*(?:--\s*(.*?))?\s*$"
)
# Anything that looks meant as a directive: judged by ML008 when _DIRECTIVE does not match it.
_ATTEMPT = re.compile(r"#\s*metallb-lint\s*:\s*(.*?)(?:\s+#.*)?\s*$")
_DIRECTIVE_WORDS = ("disable", "disable-file")
_ID_PREFIX = re.compile(r"([A-Z]+)(\d*)")
FILE_DIRECTIVE_LINES = 10
IGNORE_ANNOTATION = "lint.metallb.io/ignore"
UNUSED = "ML006"
INVALID = "ML008"
# Rules that decide.py itself reports (no function in checks/ and no policy).
DECIDED = frozenset({UNUSED, INVALID})
BASELINE_VERSION = 1


class _Rule(NamedTuple):
    """A rule outside the catalog (a user policy): matched by ID or name only."""

    id: str
    name: str
    enabled_by_default: bool = True


def matches_rule(spec: str, info) -> bool:
    """An ID (ML401), a name (ip-not-in-any-pool) or an ID prefix: the ID's letters and
    some of its digits (ML, ML4, ML40; ORG, ORG0 for a policy ORG001)."""
    spec = spec.strip()
    upper = spec.upper()
    if upper == info.id or spec == info.name:
        return True
    prefix = _ID_PREFIX.fullmatch(upper)
    if not prefix or not info.id.startswith(upper):
        return False
    letters = _ID_PREFIX.match(info.id)
    return letters is not None and letters.group(1) == prefix.group(1)


def known_rules(extra: Iterable = ()) -> list:
    """The built-in catalog and the user policies (anything with id, name, enabled_by_default)."""
    return [*catalog().values(), *extra]


def covered(spec: str, rules: Iterable) -> set[str]:
    return {info.id for info in rules if matches_rule(spec, info)}


def suggest_rule(spec: str, rules: Iterable | None = None) -> str | None:
    """The rule ID or name nearest to a spec that names no rule ('ML4O1' -> 'ML401'), by
    edit distance (at most 2, and less than half the spec), or None when nothing is close."""
    rules = known_rules() if rules is None else list(rules)
    spec = spec.strip()
    best: tuple[int, str] | None = None
    for info in rules:
        for candidate, text in ((info.id, spec.upper()), (info.name, spec.lower())):
            distance = _edit_distance(text, candidate)
            if best is None or distance < best[0]:
                best = (distance, candidate)
    if best is None or best[0] > min(2, (len(spec) - 1) // 2):
        return None
    return best[1]


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings only: rule IDs and names)."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def did_you_mean(spec: str, rules: Iterable | None = None) -> str:
    """' (did you mean 'ML401'?)' for a spec that names no rule, or ''."""
    close = suggest_rule(spec, rules)
    return f" (did you mean '{close}'?)" if close else ""


def check_specs(specs: Iterable[str], where: str, extra: Iterable = ()) -> None:
    rules = known_rules(extra)
    for spec in specs:
        if not any(matches_rule(spec, info) for info in rules):
            raise UsageError(
                f"{where}: '{spec}' names no rule{did_you_mean(spec, rules)} (use an ID like "
                "ML401, a name, or a prefix like ML4; a user policy counts once its directory "
                "is named by `policies:` or --policies)"
            )


_check_specs = check_specs


def select_rules(
    select: list[str],
    ignore: list[str],
    *,
    where: str = "--select/--ignore",
    extra: Iterable = (),
) -> set[str]:
    extra = list(extra)
    rules = known_rules(extra)
    check_specs([*select, *ignore], where, extra)
    chosen = [
        info
        for info in rules
        if (any(matches_rule(s, info) for s in select) if select else info.enabled_by_default)
    ]
    return {info.id for info in chosen if not any(matches_rule(s, info) for s in ignore)}


def severity_overrides(
    overrides: dict[str, Severity], where: str, extra: Iterable = ()
) -> dict[str, Severity]:
    extra = list(extra)
    rules = known_rules(extra)
    check_specs(overrides, where, extra)
    out: dict[str, Severity] = {}
    for spec, severity in overrides.items():
        for info in rules:
            if matches_rule(spec, info):
                out[info.id] = severity
    return out


# -- suppressions ----------------------------------------------------------------------------


@dataclass(eq=False)
class Suppression:
    """One suppression as written: a comment, an annotation entry or a baseline entry."""

    kind: str  # line, file, late-file, annotation, baseline
    specs: list[str]
    reason: str
    location: Location | None = None
    resource: ResourceRef | None = None
    used: set[int] = field(default_factory=set)  # indexes of specs that matched a finding

    def matching(self, info) -> int | None:
        for index, spec in enumerate(self.specs):
            if matches_rule(spec, info):
                return index
        return None


# Suppressions written on a resource: (its file, its reference) -> [Suppression].
AnnotationTable = dict[tuple[str, ResourceRef], list[Suppression]]


def annotation_table(resources: Iterable) -> AnnotationTable:
    """Suppressions from `lint.metallb.io/ignore` annotations of inventory resources
    (objects with `.path`, `.ref` and `.annotations`, and optionally `.location(...)`)."""
    table: AnnotationTable = {}
    for resource in resources:
        if IGNORE_ANNOTATION not in resource.annotations:
            continue
        value = resource.annotations[IGNORE_ANNOTATION]
        locate = getattr(resource, "location", None)
        where = locate("metadata", "annotations", IGNORE_ANNOTATION) if callable(locate) else None
        if not isinstance(value, str):  # kept, with no rule, for ML008 to report
            table.setdefault((resource.path, resource.ref), []).append(
                Suppression("annotation", [], "", where, resource.ref)
            )
            continue
        for part in value.split(","):
            spec, _, reason = part.partition("=")
            if spec.strip():
                table.setdefault((resource.path, resource.ref), []).append(
                    Suppression("annotation", [spec.strip()], reason.strip(), where, resource.ref)
                )
    return table


@dataclass
class _Directives:
    """The `# metallb-lint:` suppression comments of one file: by line, whole-file, late."""

    # line -> (suppression, whether the comment is alone on its line)
    by_line: dict[int, tuple[Suppression, bool]] = field(default_factory=dict)
    whole_file: list[Suppression] = field(default_factory=list)
    late: list[Suppression] = field(default_factory=list)  # disable-file after line 10
    # `# metallb-lint:` comments that are no directive: (what follows the colon, where)
    malformed: list[tuple[str, Location]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None, path: str = "") -> _Directives:
        table = cls()
        if not text or "metallb-lint:" not in text:
            return table
        for number, line in enumerate(text.split("\n"), start=1):
            if "metallb-lint:" not in line:
                continue
            match = _DIRECTIVE.search(line)
            if not match:
                attempt = _ATTEMPT.search(line)
                if attempt:
                    where = Location(path, number, attempt.start() + 1, number, len(line))
                    table.malformed.append((attempt.group(1), where))
                continue
            specs = [s.strip() for s in match.group(2).split(",") if s.strip()]
            reason = (match.group(3) or "").strip()
            column = match.start() + 1
            where = Location(path, number, column, number, len(line.rstrip("\r")))
            if match.group(1) == "disable-file":
                kind = "file" if number <= FILE_DIRECTIVE_LINES else "late-file"
                entry = Suppression(kind, specs, reason, where)
                (table.whole_file if kind == "file" else table.late).append(entry)
            else:
                alone = line.lstrip().startswith("#")
                table.by_line[number] = (Suppression("line", specs, reason, where), alone)
        return table

    def matching(self, line: int, info) -> list[tuple[Suppression, int]]:
        """The directives that cover a finding of `info` on `line`, nearest first."""
        found = []
        for candidate in (line, line - 1):
            entry = self.by_line.get(candidate)
            if entry is None or (candidate != line and not entry[1]):
                continue  # a comment ending the line above is about that line, not this one
            index = entry[0].matching(info)
            if index is not None:
                found.append((entry[0], index))
        for suppression in self.whole_file:
            index = suppression.matching(info)
            if index is not None:
                found.append((suppression, index))
        return found

    def suppresses(self, line: int, info) -> str | None:
        """The reason ('' when none was given) if a directive covers `line`, else None."""
        found = self.matching(line, info)
        return found[0][0].reason if found else None

    def all(self) -> list[Suppression]:
        return [s for s, _ in self.by_line.values()] + self.whole_file + self.late


# -- the baseline ----------------------------------------------------------------------------


def _resource_text(ref: ResourceRef | None) -> str | None:
    return str(ref) if ref is not None else None


def baseline_key(finding: Finding, root: str) -> tuple[str, str, str | None, str]:
    """What a baseline entry matches on: rule, file (relative to the baseline's folder),
    resource and anchor (the message when the finding has no anchor). Never a line number."""
    path = os.path.relpath(os.path.abspath(finding.location.path), root).replace(os.sep, "/")
    return (
        finding.rule,
        path,
        _resource_text(finding.resource),
        finding.anchor or finding.message,
    )


@dataclass
class Baseline:
    """A loaded `--baseline` file: its entries as suppressions, keyed on rule, file and anchor."""

    path: str  # as messages name it
    root: str  # the folder entry paths are relative to
    entries: dict[tuple, Suppression] = field(default_factory=dict)
    files: dict[int, str] = field(default_factory=dict)  # id(suppression) -> entry file
    # ML006 reports entries that match nothing; not those of `of_findings` (fixed findings of
    # an earlier revision are no stale suppressions).
    judged: bool = True

    @classmethod
    def of_findings(
        cls, findings: Iterable[Finding], findings_root: str, root: str, label: str, reason: str
    ) -> Baseline:
        """A baseline holding `findings` (of files under `findings_root`), matched against the
        findings of files under `root`: the findings of an earlier revision (--new-since)."""
        baseline = cls(label, root, judged=False)
        for finding in findings:
            key = baseline_key(finding, findings_root)
            suppression = Suppression("baseline", [finding.rule], reason, Location(label, 1, 1))
            baseline.entries.setdefault(key, suppression)
            baseline.files[id(suppression)] = key[1]
        return baseline

    @classmethod
    def load(cls, path: str, display: str | None = None) -> Baseline:
        from metallb_lint.load.documents import Chunk, compose_chunk
        from metallb_lint.load.filetext import decode

        display = display or path
        try:
            raw = read_bytes(path)
        except OSError as exc:
            raise UsageError(f"--baseline {display}: cannot read: {exc.strerror or exc}") from None
        try:
            text = decode(raw)
        except UnicodeDecodeError:
            raise UsageError(f"{display}:1: baseline is not UTF-8 text") from None
        doc, problems = compose_chunk(display, Chunk(1, text), 0)
        for problem in problems:
            raise UsageError(f"{display}:{problem.location.line}: baseline: {problem.message}")
        data = doc.data if doc is not None else None
        if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
            raise UsageError(
                f"{display}:1: not a metallb-lint baseline (expected a JSON object with "
                "'findings'; write one with --write-baseline)"
            )
        if data.get("version") != BASELINE_VERSION:
            raise UsageError(
                f"{display}:1: baseline version {data.get('version')!r} is not "
                f"{BASELINE_VERSION}; write it again with --write-baseline"
            )
        baseline = cls(display, os.path.dirname(os.path.abspath(path)))
        for index, item in enumerate(data["findings"]):
            line = doc.location(("findings", index)).line
            if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) for k in ("rule", "path")
            ):
                raise UsageError(
                    f"{display}:{line}: baseline entry needs 'rule' and 'path' strings"
                )
            anchor = item.get("anchor") or item.get("message")
            if not isinstance(anchor, str):
                raise UsageError(f"{display}:{line}: baseline entry needs 'anchor' or 'message'")
            resource = item.get("resource")
            reason = item.get("reason")
            resource = resource if isinstance(resource, str) else None
            key = (item["rule"], item["path"], resource, anchor)
            suppression = Suppression(
                "baseline",
                [item["rule"]],
                reason.strip() if isinstance(reason, str) else "",
                Location(display, line, 1),
            )
            baseline.entries[key] = suppression
            baseline.files[id(suppression)] = item["path"]
        return baseline

    def matching(self, finding: Finding) -> Suppression | None:
        return self.entries.get(baseline_key(finding, self.root))

    def entry_file(self, suppression: Suppression) -> str:
        """The linted file of an entry, relative to the current directory when under it."""
        from metallb_lint.load.discover import display_path

        relative = self.files[id(suppression)]
        return display_path(os.path.join(self.root, relative), os.getcwd())


def write_baseline(
    path: str,
    findings: Iterable[Finding],
    previous: Baseline | None = None,
    *,
    inputs: Iterable[str] = (),
) -> int:
    """Write every finding not suppressed by a comment or an annotation (ML006 excluded) to a
    baseline; reasons of entries that are still there are kept. Returns the entry count."""
    root = os.path.dirname(os.path.abspath(path))
    kept_reasons: dict[tuple, str] = {}
    if previous is not None:
        for key, suppression in previous.entries.items():
            if suppression.reason:
                absolute = os.path.normpath(os.path.join(previous.root, key[1]))
                relative = os.path.relpath(absolute, root).replace(os.sep, "/")
                kept_reasons[(key[0], relative, key[2], key[3])] = suppression.reason
    entries: dict[tuple, dict[str, object]] = {}
    for finding in findings:
        if finding.rule == UNUSED or finding.location.path == "<stdin>":
            continue
        if finding.suppressed and finding.extra.get("suppressed_by") != "baseline":
            continue
        key = baseline_key(finding, root)
        item: dict[str, object] = {
            "rule": finding.rule,
            "name": finding.name,
            "path": key[1],
            "resource": key[2],
        }
        if finding.anchor:
            item["anchor"] = finding.anchor
        item["message"] = finding.message
        if key in kept_reasons:
            item["reason"] = kept_reasons[key]
        entries.setdefault(key, item)
    ordered = [entries[k] for k in sorted(entries, key=lambda k: (k[1], k[0], str(k[2]), k[3]))]
    document = {"version": BASELINE_VERSION, "tool": "metallb-lint", "findings": ordered}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        write_atomic(path, text, inputs=inputs)
    except OSError as exc:
        raise UsageError(f"--write-baseline {path}: cannot write: {exc.strerror or exc}") from None
    return len(ordered)


# -- the decider -----------------------------------------------------------------------------


@dataclass
class Decider:
    """Decides which findings count: selection, ignores, suppressions, baseline, severities."""

    selected: set[str]
    severities: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    inline: bool = True
    annotations: AnnotationTable = field(default_factory=dict)
    # The folder `per-file-ignores` patterns are relative to (the config file's); None: the
    # patterns are matched against finding paths as they are (relative to the cwd).
    root: str | None = None
    baseline: Baseline | None = None
    rules: list = field(default_factory=list)  # user policies, next to the catalog
    # The rules that ran: `selected`, plus (with ML006) every rule on by default, whose
    # findings only credit suppressions. None: `selected`.
    ran: set[str] | None = None
    # Files that were linted (ML006 judges baseline entries of these, and of deleted files).
    linted: set[str] | None = None
    # False when other files were not read (named files, --no-context): cross-file findings
    # are missing then, so no suppression can be called unused.
    judge: bool = True
    # `require-suppression-reason: true`: a comment or annotation without a reason is ML008.
    require_reason: bool = False

    def decide(self, findings: Iterable[Finding], texts: Mapping[str, str | None]) -> list[Finding]:
        patterns = [(parse_pattern(glob), specs) for glob, specs in self.per_file_ignores.items()]
        infos = {info.id: info for info in known_rules(self.rules)}
        directives: dict[str, _Directives] = {}

        def directives_of(path: str) -> _Directives:
            table = directives.get(path)
            if table is None:
                table = directives[path] = _Directives.parse(texts.get(path), path)
            return table

        ran = self.ran if self.ran is not None else self.selected
        kept: list[Finding] = []
        for finding in findings:
            if finding.rule not in ran:
                continue
            info = infos.get(finding.rule) or _Rule(finding.rule, finding.name)
            path = finding.location.path
            if patterns and self._ignored(path, info, patterns):
                continue
            matched = self._suppressions(finding, info, directives_of)
            for suppression, index in matched:
                suppression.used.add(index)
            if finding.rule not in self.selected:
                continue  # ran only to credit suppressions (ML006)
            self._mark(finding, matched)
            kept.append(finding)
        if self.inline and ({UNUSED, INVALID} & self.selected):
            for path in texts:
                directives_of(path)
        judged = []
        if INVALID in self.selected:
            judged += self._invalid(directives, infos)
        if UNUSED in self.selected and self.judge:
            judged += self._unused(directives, infos, ran)
        for finding in judged:
            info = infos[finding.rule]
            if patterns and self._ignored(finding.location.path, info, patterns):
                continue
            matched = self._suppressions(finding, info, directives_of, baseline=False)
            for suppression, index in matched:
                suppression.used.add(index)
            self._mark(finding, matched)
            kept.append(finding)
        return sorted(kept, key=Finding.sort_key)

    def _suppressions(
        self, finding: Finding, info, directives_of, baseline: bool = True
    ) -> list[tuple[Suppression, int]]:
        matched: list[tuple[Suppression, int]] = []
        if self.inline:
            matched += directives_of(finding.location.path).matching(finding.location.line, info)
            if finding.resource is not None:
                for suppression in self.annotations.get(
                    (finding.location.path, finding.resource), ()
                ):
                    index = suppression.matching(info)
                    if index is not None:
                        matched.append((suppression, index))
        if baseline and self.baseline is not None:
            entry = self.baseline.matching(finding)
            if entry is not None:
                matched.append((entry, 0))
        return matched

    def _mark(self, finding: Finding, matched: list[tuple[Suppression, int]]) -> None:
        if matched:
            first = matched[0][0]
            finding.suppressed = True
            if first.kind == "baseline":
                finding.extra["suppressed_by"] = "baseline"
                where = first.location.path if first.location else "baseline"
                finding.suppression_reason = first.reason or f"in the baseline {where}"
            else:
                finding.extra["suppressed_by"] = (
                    "annotation" if first.kind == "annotation" else "comment"
                )
                finding.suppression_reason = first.reason or None
        if finding.rule in self.severities:
            finding.severity = self.severities[finding.rule]

    def _ignored(self, path: str, info, patterns: list) -> bool:
        if self.root is not None:
            relative = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
            if relative == ".." or relative.startswith("../"):
                return False
            path = relative
        return any(
            pattern and pattern.regex.match(path) and any(matches_rule(s, info) for s in specs)
            for pattern, specs in patterns
        )

    # -- ML008 ---------------------------------------------------------------------------------

    def _invalid(self, directives: dict[str, _Directives], infos: dict) -> list[Finding]:
        """Suppressions that cannot work as written: no directive, no such rule, no reason."""
        rules = list(infos.values())
        info = infos[INVALID]
        out: list[Finding] = []

        def report(message: str, where: Location | None, anchor: str, resource=None) -> None:
            out.append(
                Finding(
                    INVALID,
                    info.name,
                    info.severity,
                    message,
                    where or Location("?"),
                    resource=resource,
                    anchor=anchor,
                )
            )

        def unknown(spec: str, form: str, where, resource=None) -> None:
            if " " in spec.strip():
                fix = "put ' -- ' between the rules and the reason"
            else:
                fix = "name a rule by ID (ML401), name or prefix (ML4); see 'metallb-lint rules'"
            report(
                f"{form} names '{spec}', which is no rule{did_you_mean(spec, rules)}, so it "
                f"suppresses nothing; {fix}",
                where,
                f"{form}:{spec}",
                resource,
            )

        def reasonless(suppression: Suppression, form: str) -> None:
            if self.require_reason and not suppression.reason and suppression.specs:
                annotation = suppression.kind == "annotation"
                how = "'=reason' after the rule" if annotation else "' -- reason'"
                report(
                    f"{form} gives no reason, and the configuration requires one "
                    f"(require-suppression-reason): add {how} saying why the finding is accepted",
                    suppression.location,
                    f"{form}:reason",
                    suppression.resource,
                )

        if self.inline:
            for path in sorted(directives):
                table = directives[path]
                for text, where in table.malformed:
                    report(_malformed_message(text), where, f"malformed:{text}")
                for suppression in table.late:
                    assert suppression.location is not None
                    specs = ",".join(suppression.specs)
                    report(
                        f"'disable-file={specs}' on line {suppression.location.line} "
                        "suppresses nothing: disable-file counts only in the first "
                        f"{FILE_DIRECTIVE_LINES} lines of a file. Move it to the top, or use "
                        "'disable=' on the line of the finding",
                        suppression.location,
                        f"disable-file={specs}:late",
                    )
                for suppression in table.all():
                    form = "disable" if suppression.kind == "line" else "disable-file"
                    for spec in suppression.specs:
                        if not covered(spec, rules):
                            unknown(spec, f"'{form}={spec}'", suppression.location)
                    reasonless(suppression, f"'{form}={','.join(suppression.specs)}'")
            seen: set[int] = set()
            for entries in self.annotations.values():
                for suppression in entries:
                    if id(suppression) in seen:
                        continue
                    seen.add(id(suppression))
                    if not suppression.specs:
                        report(
                            f"the {IGNORE_ANNOTATION} annotation must be a string like "
                            '"ML401=reason,ML406"; this one suppresses nothing',
                            suppression.location,
                            f"{IGNORE_ANNOTATION}:type",
                            suppression.resource,
                        )
                        continue
                    spec = suppression.specs[0]
                    form = f"the {IGNORE_ANNOTATION} annotation"
                    if not covered(spec, rules):
                        unknown(spec, form, suppression.location, suppression.resource)
                    reasonless(suppression, f"'{spec}' in {form}")
        if self.baseline is not None:
            for key, suppression in self.baseline.entries.items():
                if not covered(key[0], rules):
                    unknown(key[0], f"baseline entry for {key[1]}", suppression.location)
        return out

    # -- ML006 ---------------------------------------------------------------------------------

    def _unused(self, directives: dict[str, _Directives], infos: dict, ran: set[str]):
        rules = list(infos.values())
        info = infos[UNUSED]

        def make(message: str, where: Location, anchor: str, resource=None) -> Finding:
            return Finding(
                UNUSED, info.name, info.severity, message, where, resource=resource, anchor=anchor
            )

        def judge(suppression: Suppression) -> list[str]:
            """The specs of the suppression that name rules that ran and matched nothing
            (a spec naming no rule is ML008's)."""
            out = []
            for index, spec in enumerate(suppression.specs):
                if index in suppression.used:
                    continue
                names = covered(spec, rules)
                names.discard(UNUSED)  # ML006's own findings come after this judgement
                if names and names <= ran:
                    out.append(spec)
            return out

        if self.inline:
            for path in sorted(directives):
                table = directives[path]
                for suppression in [s for s, _ in table.by_line.values()] + table.whole_file:
                    assert suppression.location is not None
                    form = "disable" if suppression.kind == "line" else "disable-file"
                    scope = "on this line or the next" if form == "disable" else "in this file"
                    for spec in judge(suppression):
                        yield make(
                            f"suppression '{form}={spec}' is unused: no {spec} finding "
                            f"{scope}. Remove it (or the rule from its list) so that it "
                            "cannot hide a future finding",
                            suppression.location,
                            f"{form}={spec}",
                        )
            seen: set[int] = set()
            for entries in self.annotations.values():
                for suppression in entries:
                    if id(suppression) in seen:
                        continue
                    seen.add(id(suppression))
                    for spec in judge(suppression):
                        yield make(
                            f"'{spec}' in the {IGNORE_ANNOTATION} annotation is unused: "
                            f"{suppression.resource} has no {spec} finding. Remove it from "
                            "the annotation",
                            suppression.location or Location("?"),
                            f"{IGNORE_ANNOTATION}:{spec}",
                            suppression.resource,
                        )
        if self.baseline is not None and self.baseline.judged:
            for key, suppression in self.baseline.entries.items():
                if suppression.used:
                    continue
                rule, _, resource, anchor = key
                names = covered(rule, rules)
                if not names or not names <= ran:
                    continue  # no such rule (ML008), or it did not run: cannot tell
                file = self.baseline.entry_file(suppression)
                absolute = os.path.join(self.baseline.root, key[1])
                note_path(absolute)
                if self.linted is not None and file not in self.linted and os.path.exists(absolute):
                    continue  # not linted this time: cannot tell
                what = f" on {resource}" if resource else ""
                assert suppression.location is not None
                yield make(
                    f"baseline entry {rule} in {file}{what} ({anchor}) matches no finding any "
                    "more: the problem was fixed or moved. Remove the entry, or write the "
                    "baseline again with --write-baseline",
                    suppression.location,
                    f"baseline:{rule}:{key[1]}:{resource}:{anchor}",
                )


def _malformed_message(text: str) -> str:
    """ML008's message for a `# metallb-lint:` comment that is no directive."""
    import difflib

    word = re.split(r"[\s=]", text, maxsplit=1)[0]
    if word in _DIRECTIVE_WORDS and "=" in text:
        problem = (
            f"'{word}=' takes rules (IDs, names or prefixes, comma-separated), then ' -- ' and "
            "the reason, and nothing else"
        )
    elif word in _DIRECTIVE_WORDS:
        problem = f"'{word}' needs '=' and a list of rules, e.g. '{word}=ML401 -- reason'"
    else:
        close = difflib.get_close_matches(word, _DIRECTIVE_WORDS, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        problem = (
            f"'{word or text}' is no directive; {hint}the directives are 'disable=' and "
            "'disable-file='"
        )
    return (
        f"suppression comment '# metallb-lint: {text}' suppresses nothing: {problem}. "
        "Write '# metallb-lint: disable=RULES -- reason'"
    )


def fails(findings: Iterable[Finding], fail_on: Severity) -> bool:
    return any(not f.suppressed and f.severity >= fail_on for f in findings)


__all__ = [
    "AnnotationTable",
    "Baseline",
    "Decider",
    "RuleInfo",
    "Suppression",
    "annotation_table",
    "check_specs",
    "did_you_mean",
    "fails",
    "matches_rule",
    "select_rules",
    "severity_overrides",
    "suggest_rule",
    "write_baseline",
]
