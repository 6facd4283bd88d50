"""Findings, locations and severities: the values every stage after `check` passes around."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple


class Severity(IntEnum):
    """Ordered so that `severity >= fail_on` decides the exit code."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected error, warning or info)"
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


class _Span(NamedTuple):
    path: str
    line: int
    column: int
    end_line: int
    end_column: int


class Location(_Span):
    """A span in a file; lines and columns are 1-based, the end is inclusive of its column.

    Immutable, hashable and ordered by (path, line, column, end). A tuple underneath: a large
    run creates tens of thousands of locations, and a frozen dataclass costs three times as
    much to build.
    """

    __slots__ = ()

    def __new__(
        cls, path: str, line: int = 1, column: int = 1, end_line: int = 0, end_column: int = 0
    ) -> Location:
        if end_line < line:
            end_line = line
            end_column = max(end_column, column)
        return tuple.__new__(cls, (path, line, column, end_line, end_column))

    def __repr__(self) -> str:
        return (
            f"Location(path={self.path!r}, line={self.line}, column={self.column}, "
            f"end_line={self.end_line}, end_column={self.end_column})"
        )


class Edit(NamedTuple):
    """One text edit of a fix: the text at `location` (which reads `original` when the edit is
    made) becomes `replacement`. An empty span, an end column one before the start column on
    the start line, inserts `replacement` before that column."""

    location: Location
    original: str
    replacement: str

    @classmethod
    def insert(cls, path: str, line: int, column: int, text: str) -> Edit:
        return cls(Location(path, line, column, line, column - 1), "", text)


SAFE = "safe"  # the result means the same to MetalLB at the target release
UNSAFE = "unsafe"  # a likely intent, to be reviewed: applied only with --unsafe-fixes


@dataclass(frozen=True)
class Fix:
    """A mechanical remedy of a finding: text edits at the exact spans the user wrote."""

    safety: str  # SAFE or UNSAFE
    message: str  # what the fix does, e.g. "rename to metallb.io/loadBalancerIPs"
    edits: tuple[Edit, ...]

    def as_dict(self) -> dict[str, object]:
        """The JSON form; `end_column` is exclusive as in the findings' JSON (an insertion has
        `end_column` equal to `column`)."""
        return {
            "applicability": self.safety,
            "message": self.message,
            "edits": [
                {
                    "path": e.location.path,
                    "line": e.location.line,
                    "column": e.location.column,
                    "end_line": e.location.end_line,
                    "end_column": e.location.end_column + 1,
                    "content": e.replacement,
                }
                for e in self.edits
            ],
        }


def span_offsets(text: str, location: Location) -> tuple[int, int] | None:
    """The [start, end) character offsets of `location` in `text`, or None when the span is
    not inside the text. A line one past the last names the end of the text."""
    starts = line_starts(text)
    start = _offset(text, starts, location.line, location.column)
    end = _offset(text, starts, location.end_line, location.end_column + 1)
    if start is None or end is None or end < start:
        return None
    return start, end


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character (linear in the text)."""
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _offset(text: str, starts: list[int], line: int, column: int) -> int | None:
    if line < 1 or column < 1:
        return None
    if line > len(starts):
        return len(text) if line == len(starts) + 1 and column == 1 else None
    stop = starts[line] if line < len(starts) else len(text)  # the start of the next line
    offset = starts[line - 1] + column - 1
    return offset if offset <= stop else None


class Related(NamedTuple):
    """Another party of a finding: the other pool of an overlap, the other Service of a conflict."""

    location: Location
    message: str


class ResourceRef(NamedTuple):
    """How findings name a Kubernetes resource: apiVersion, kind, namespace and name."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name or '<unnamed>'}"


@dataclass
class Finding:
    """One problem a rule found: rule, severity, message, location and suppression state."""

    rule: str
    name: str
    severity: Severity
    message: str
    location: Location
    resource: ResourceRef | None = None
    related: tuple[Related, ...] = ()
    # A location-independent anchor (e.g. "spec.addresses[1]") that keeps fingerprints and
    # baselines stable across edits that move lines.
    anchor: str = ""
    suppressed: bool = False
    suppression_reason: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    fix: Fix | None = None  # the mechanical remedy, when the rule knows one (fixes/)

    @property
    def path(self) -> str:
        return self.location.path

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.message)

    @property
    def fingerprint(self) -> str:
        res = self.resource
        parts = [
            self.rule,
            self.location.path,
            f"{res.kind}/{res.namespace}/{res.name}" if res else "",
            self.anchor or self.message,
        ]
        import hashlib  # only machine formats and baselines need fingerprints

        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
