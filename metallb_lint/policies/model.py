"""What a loaded policy is: its identity (like a built-in rule's), what it matches, and the JSON
Schema its target must satisfy."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from metallb_lint.findings import Severity
from metallb_lint.metallb.versions import Version

# Kinds a policy can match. Real kinds are the objects metallb-lint reads (MetalLB resources and
# the Services that mention MetalLB or a LoadBalancer); pseudo-kinds are views it builds.
METALLB_KINDS = (
    "IPAddressPool",
    "AddressPool",
    "L2Advertisement",
    "BGPAdvertisement",
    "BGPPeer",
    "BFDProfile",
    "Community",
)
REAL_KINDS = (*METALLB_KINDS, "Service")
PSEUDO_KINDS = ("HelmValues", "MetalLBChartValues", "ServiceRequest")
VALUES_KINDS = ("HelmValues", "MetalLBChartValues")
KINDS = (*REAL_KINDS, *PSEUDO_KINDS)
MODES = ("native", "frr", "frr-k8s")
# Without `apiVersion`, a block matches these (a Knative `Service` is not a Kubernetes Service).
DEFAULT_API_VERSIONS = {
    **{kind: ("metallb.io/*",) for kind in METALLB_KINDS},
    "Service": ("v1",),
}

_COMPARATOR = re.compile(r"^(>=|<=|==|!=|>|<|=)?\s*v?(\d+)\.(\d+)\.(\d+)$")


class VersionRange(NamedTuple):
    """A MetalLB version constraint such as `>=0.14.0, <0.15.0` (every part must hold)."""

    text: str
    parts: tuple[tuple[str, Version], ...]

    @classmethod
    def parse(cls, text: str) -> VersionRange | None:
        pieces = [p for p in re.split(r"\s*,\s*|\s+(?=[<>=!])", text.strip()) if p]
        parts = []
        for piece in pieces:
            match = _COMPARATOR.match(piece)
            if not match:
                return None
            op = match.group(1) or "=="
            bound = Version(*(int(g) for g in match.groups()[1:]))
            parts.append(("==" if op == "=" else op, bound))
        return cls(text, tuple(parts)) if parts else None

    def __contains__(self, version: Version) -> bool:
        for op, bound in self.parts:
            ok = {
                ">=": version >= bound,
                "<=": version <= bound,
                ">": version > bound,
                "<": version < bound,
                "==": version == bound,
                "!=": version != bound,
            }[op]
            if not ok:
                return False
        return True


def _glob(patterns: tuple[str, ...], value: str | None) -> bool:
    """Shell-style patterns; an unknown value (None) matches only '*'."""
    if value is None:
        return "*" in patterns
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


class MatchBlock(NamedTuple):
    """One `match` block of a policy: the subjects and the target releases and modes it fits."""

    kinds: tuple[str, ...]
    api_versions: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    charts: tuple[str, ...] = ()
    versions: VersionRange | None = None
    modes: tuple[str, ...] = ()

    def target_ok(self, version: Version, mode: str) -> bool:
        if self.versions is not None and version not in self.versions:
            return False
        return not self.modes or mode in self.modes

    def selects_every(self, kind: str) -> bool:
        """Whether every subject of `kind` fits (no apiVersion, name or label to match)."""
        narrowed = self.namespaces or self.names or self.charts or self.labels
        return kind in self.kinds and kind not in REAL_KINDS and not narrowed

    def subject_ok(self, subject) -> bool:
        if subject.kind not in self.kinds:
            return False
        if subject.kind in REAL_KINDS:
            wanted = self.api_versions or DEFAULT_API_VERSIONS[subject.kind]
            if not _glob(wanted, subject.api_version):
                return False
        if self.namespaces and not _glob(self.namespaces, subject.namespace):
            return False
        if self.names and not _glob(self.names, subject.name):
            return False
        if self.charts and not _glob(self.charts, subject.chart):
            return False
        if self.labels:
            labels = subject.labels
            if labels is None:
                return False
            for key, pattern in self.labels:
                value = labels.get(key)
                if value is None or not fnmatch.fnmatchcase(_text(value), pattern):
                    return False
        return True


def _text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@dataclass
class Example:
    """One `examples.pass` or `examples.fail` document of a policy, and its line."""

    data: object  # a YAML string or a mapping, as written
    line: int


@dataclass
class Policy:
    """A loaded policy: identity like a built-in rule's, its match blocks and target schema."""

    id: str
    name: str
    severity: Severity
    summary: str
    description: str
    remediation: str
    enabled: bool
    matches: tuple[MatchBlock, ...]
    target: tuple[str, ...]  # JSON pointer tokens
    target_text: str
    schema: dict | bool
    message: str
    source: str  # the file, as messages name it
    line: int
    builtin: bool = False
    passing: list[Example] = field(default_factory=list)
    failing: list[Example] = field(default_factory=list)
    examples_version: str | None = None

    # Rule-like attributes, so that decide.py treats a policy like a built-in rule.
    @property
    def enabled_by_default(self) -> bool:
        return self.enabled

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(k for block in self.matches for k in block.kinds)

    def __hash__(self) -> int:
        return hash((self.id, self.source, self.line))
