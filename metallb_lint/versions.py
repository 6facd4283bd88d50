"""MetalLB releases this tool knows (facts §1.1) and version comparison."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: object) -> Version | None:
        """An exact release version (`0.14.3` or `v0.14.3`); None for ranges, branches, junk."""
        if not isinstance(text, str):
            return None
        match = _VERSION.match(text.strip())
        if not match:
            return None
        return cls(*(int(g) for g in match.groups()))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor, self.patch) < (other.major, other.minor, other.patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


# Release tags and the date of their tagged commit (facts §1.1).
RELEASES: dict[str, str] = {
    "0.12.0": "2022-02-15",
    "0.12.1": "2022-02-16",
    "0.13.0": "2022-07-06",
    "0.13.1": "2022-07-06",
    "0.13.2": "2022-07-06",
    "0.13.3": "2022-07-07",
    "0.13.4": "2022-07-21",
    "0.13.5": "2022-09-01",
    "0.13.6": "2022-10-11",
    "0.13.7": "2022-10-17",
    "0.13.8": "2023-02-20",
    "0.13.9": "2023-02-21",
    "0.13.10": "2023-05-31",
    "0.13.11": "2023-09-05",
    "0.13.12": "2023-10-20",
    "0.14.0": "2024-01-29",
    "0.14.1": "2024-01-29",
    "0.14.2": "2024-01-29",
    "0.14.3": "2024-01-30",
    "0.14.4": "2024-03-26",
    "0.14.5": "2024-04-19",
    "0.14.6": "2024-07-16",
    "0.14.7": "2024-07-16",
    "0.14.8": "2024-07-23",
    "0.14.9": "2024-12-17",
    "0.15.0": "2025-06-03",
    "0.15.1": "2025-06-04",
    "0.15.2": "2025-06-04",
    "0.15.3": "2025-12-04",
    "0.16.0": "2026-05-20",
    "0.16.1": "2026-05-27",
}

KNOWN_VERSIONS: tuple[Version, ...] = tuple(
    sorted(v for v in (Version.parse(t) for t in RELEASES) if v is not None)
)
NEWEST: Version = KNOWN_VERSIONS[-1]


def v(text: str) -> Version:
    """A version literal for comparisons in rules (`target.version >= v("0.14.9")`)."""
    parsed = Version.parse(text)
    if parsed is None:  # pragma: no cover - programming error
        raise ValueError(text)
    return parsed


# Milestones the checks depend on (facts §1.3, §5.1).
METALLB_IO_ANNOTATIONS = v("0.14.9")
FRR_DEFAULT_FROM = v("0.13.10")
FRR_K8S_DEFAULT_FROM = v("0.16.0")
