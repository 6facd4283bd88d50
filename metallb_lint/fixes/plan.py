"""Which fixes to apply: the findings' fixes in report order, checked against the text the run
read, without two fixes touching the same text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from metallb_lint.findings import SAFE, Edit, Finding, span_offsets


@dataclass
class FileChange:
    """One file's text before and after the fixes applied to it."""

    path: str  # as findings name it
    before: str
    after: str = ""
    fixed: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class NotApplied:
    """A fix that was not applied, and why."""

    finding: Finding
    reason: str


@dataclass
class Plan:
    """The files to change and the fixes left out. `unsafe_left` counts the unsafe fixes that
    were not asked for (`--unsafe-fixes`)."""

    changes: dict[str, FileChange] = field(default_factory=dict)
    not_applied: list[NotApplied] = field(default_factory=list)
    unsafe_left: int = 0

    @property
    def fixed(self) -> list[Finding]:
        return [f for change in self.changes.values() for f in change.fixed]

    def drop(self, path: str, reason: str) -> None:
        """Leave a file unchanged (it cannot be written): its fixes become not applied."""
        change = self.changes.pop(path, None)
        if change is not None:
            self.not_applied.extend(NotApplied(f, reason) for f in change.fixed)


def plan_fixes(
    findings: Iterable[Finding], texts: Mapping[str, str | None], paths: set[str], unsafe: bool
) -> Plan:
    """The fixes of `findings` (in their order) to apply to `texts` (by path): only unsuppressed
    findings, only unsafe fixes when `unsafe`, only edits in `paths` (the linted files)."""
    plan = Plan()
    taken: dict[str, list[tuple[int, int]]] = {}
    edits_by_path: dict[str, list[tuple[int, int, str]]] = {}
    for finding in findings:
        fix = finding.fix
        if fix is None or finding.suppressed:
            continue
        if fix.safety != SAFE and not unsafe:
            plan.unsafe_left += 1
            continue
        located, reason = _locate(fix.edits, texts, paths)
        if reason is None and any(_overlaps(taken.get(p, []), s, e) for p, s, e, _ in located):
            reason = "another fix changes the same text (the first one wins); run --fix again"
        if reason is None and _self_overlapping(located):
            reason = "its edits overlap"
        if reason is not None:
            plan.not_applied.append(NotApplied(finding, reason))
            continue
        for path, start, end, replacement in located:
            taken.setdefault(path, []).append((start, end))
            edits_by_path.setdefault(path, []).append((start, end, replacement))
        first = located[0][0]
        text = texts[first] or ""
        plan.changes.setdefault(first, FileChange(first, text)).fixed.append(finding)
        for path, *_ in located[1:]:
            plan.changes.setdefault(path, FileChange(path, texts[path] or ""))
    for path, change in plan.changes.items():
        change.after = apply_edits(change.before, edits_by_path.get(path, []))
    return plan


def _locate(
    edits: tuple[Edit, ...], texts: Mapping[str, str | None], paths: set[str]
) -> tuple[list[tuple[str, int, int, str]], str | None]:
    located = []
    for edit in edits:
        path = edit.location.path
        if path not in paths:
            return [], f"{path} is not one of the linted files"
        text = texts.get(path)
        offsets = span_offsets(text, edit.location) if text is not None else None
        if offsets is None or text is None or text[offsets[0] : offsets[1]] != edit.original:
            return [], f"{path} does not read as the finding says at line {edit.location.line}"
        located.append((path, offsets[0], offsets[1], edit.replacement))
    if not located:
        return [], "the fix has no edits"
    return located, None


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) touches a taken span: shares text, or is an insertion at the same
    point or inside it."""
    for other_start, other_end in spans:
        if start == other_start or (start < other_end and other_start < end):
            return True
        if start == end and other_start < start < other_end:
            return True
        if other_start == other_end and start < other_start < end:
            return True
    return False


def _self_overlapping(located: list[tuple[str, int, int, str]]) -> bool:
    seen: dict[str, list[tuple[int, int]]] = {}
    for path, start, end, _ in located:
        if _overlaps(seen.get(path, []), start, end):
            return True
        seen.setdefault(path, []).append((start, end))
    return False


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """`text` with non-overlapping [start, end) spans replaced."""
    parts = []
    position = 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)
