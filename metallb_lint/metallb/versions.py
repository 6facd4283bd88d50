"""MetalLB releases this tool knows (facts §1.1) and version comparison."""

from __future__ import annotations

import re
from typing import NamedTuple

_VERSION = re.compile(r"^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})$")  # no release has longer parts


class Version(NamedTuple):
    """An exact MetalLB release version (major.minor.patch), ordered by its numbers (a tuple
    underneath, like the other small value types: cheaper to define than a frozen dataclass)."""

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

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


# Release tags and the date of their tagged commit (facts §1.1).
RELEASES: dict[str, str] = {
    "0.8.0": "2019-07-21",
    "0.8.1": "2019-07-25",
    "0.8.2": "2019-10-29",
    "0.8.3": "2019-10-30",
    "0.9.0": "2020-03-20",
    "0.9.1": "2020-03-20",
    "0.9.2": "2020-03-20",
    "0.9.3": "2020-03-23",
    "0.9.4": "2020-10-16",
    "0.9.5": "2020-11-06",
    "0.9.6": "2021-03-22",
    "0.9.7": "2022-02-09",
    "0.9.8": "2023-04-14",
    "0.10.0": "2021-06-07",
    "0.10.1": "2021-06-09",
    "0.10.2": "2021-06-11",
    "0.10.3": "2021-10-07",
    "0.11.0": "2021-10-29",
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


class UnknownRelease(ValueError):
    """A release name that names no MetalLB release (the message says the nearest ones)."""


def check_release_name(text: str) -> tuple[Version, str | None]:
    """The release a user names (`--metallb-version`, `metallb-version:`), and a warning when
    it is newer than the release table. A name that is not a release, or a release between
    known ones that does not exist (0.14.99), raises UnknownRelease: every check would be
    judged against behaviour nobody ships."""
    version = Version.parse(str(text))
    if version is None:
        raise UnknownRelease(f"'{text}' is not a version like {NEWEST}")
    if version in KNOWN_VERSIONS:
        return version, None
    next_minor = (NEWEST.major, NEWEST.minor + 1)
    if version > NEWEST and (version.major, version.minor) <= next_minor:
        return version, (
            f"MetalLB {version} is newer than the release table of this metallb-lint (newest "
            f"known: {NEWEST}, {RELEASES[str(NEWEST)]}): its changes are not known here, so it "
            f"is checked with what {NEWEST} does; upgrade metallb-lint for its facts"
        )
    below = [k for k in KNOWN_VERSIONS if k < version]
    above = [k for k in KNOWN_VERSIONS if k > version]
    nearest = [str(k) for k in (below[-1:] + above[:1])]
    verb = "are" if len(nearest) > 1 else "is"
    raise UnknownRelease(
        f"'{text}' is not a MetalLB release this metallb-lint knows; the nearest {verb} "
        + " and ".join(nearest)
    )


class ReleaseRange(NamedTuple):
    """A range of releases a user names instead of one (`>=0.14.0,<0.15`, `0.14.x`): the
    repository may run any known release in it, oldest first."""

    text: str
    releases: tuple[Version, ...]

    @property
    def oldest(self) -> Version:
        return self.releases[0]

    @property
    def newest(self) -> Version:
        return self.releases[-1]

    def describe(self) -> str:
        if len(self.releases) == 1:
            return f"{self.text}: only {self.oldest}"
        return f"{self.text}: {self.oldest} to {self.newest}"


_WILDCARD = re.compile(r"^v?(\d+)\.(?:(\d+)\.)?[x*]$", re.I)
_BOUND = re.compile(r"^(>=|<=|==|!=|>|<|=)\s*v?(\d+)\.(\d+)(?:\.(\d+))?$")
_COMPARE = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def parse_release_range(text: str) -> ReleaseRange | None:
    """The known releases of `0.14.x` / `0.x` / `0.14.*`, or of comparators joined by commas
    or spaces (`>=0.14.0, <0.15`; a bound without its patch number is `.0`); None when the
    text is no range. An empty range raises UnknownRelease."""
    text = text.strip()
    wildcard = _WILDCARD.match(text)
    if wildcard:
        major, minor = int(wildcard.group(1)), wildcard.group(2)
        releases = [
            k
            for k in KNOWN_VERSIONS
            if k.major == major and (minor is None or k.minor == int(minor))
        ]
    else:
        pieces = [p for p in re.split(r"\s*,\s*|\s+(?=[<>=!])", text) if p]
        bounds = [_BOUND.match(p) for p in pieces]
        if not bounds or not all(bounds):
            return None
        tests = [
            (_COMPARE[m.group(1)], Version(int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)))
            for m in bounds
            if m is not None
        ]
        releases = [k for k in KNOWN_VERSIONS if all(test(k, bound) for test, bound in tests)]
    if not releases:
        raise UnknownRelease(
            f"'{text}' holds no MetalLB release this metallb-lint knows (known: "
            f"{KNOWN_VERSIONS[0]} to {NEWEST})"
        )
    return ReleaseRange(text, tuple(releases))


def check_release_spec(text: str) -> tuple[Version | ReleaseRange, str | None]:
    """A release (see `check_release_name`) or a range of releases (`parse_release_range`)."""
    found = parse_release_range(str(text)) if not Version.parse(str(text)) else None
    if found is not None:
        return found, None
    return check_release_name(text)


def v(text: str) -> Version:
    """A version literal for comparisons in rules (`target.version >= v("0.14.9")`)."""
    parsed = Version.parse(text)
    if parsed is None:  # pragma: no cover - programming error
        raise ValueError(text)
    return parsed


# Milestones the checks depend on (facts §1.3, §5.1).
METALLB_IO_ANNOTATIONS = v("0.14.9")
LOAD_BALANCER_IPS_ANNOTATION = v("0.12.0")  # metallb.universe.tf/loadBalancerIPs (facts §5.1)
FRR_DEFAULT_FROM = v("0.13.10")
FRR_K8S_DEFAULT_FROM = v("0.16.0")


# -- the release table (facts §1.1-§1.4) -------------------------------------------------------

# Release tags without a `metallb-chart-X.Y.Z` tag: no chart of that version was published
# (MetalLB's own chart starts with 0.10.0).
NO_CHART: frozenset[str] = frozenset(
    {t for t in RELEASES if t.startswith(("0.8.", "0.9."))} | {"0.13.8", "0.14.0", "0.14.1"}
)

# Releases that fix vulnerabilities (facts §1.4: release notes and git log).
SECURITY_FIXES: dict[str, str] = {
    "0.9.8": "a rebuild of 0.9.7 with up-to-date Go dependencies and base image (security fixes)",
    "0.13.0": "prometheus client_golang bumped for CVE-2022-21698",
    "0.15.0": "Go 1.22.12, fixing several Go CVEs",
    "0.15.3": "CVE-2025-22874 fixed in the images, Go toolchain 1.24.6 for GO-2025-3956",
    "0.16.0": "Go 1.25.x and x/net bumps for GO-2026-4918 and others",
}

# Behaviour a release removes or changes in a way an upgrade must plan for (facts §1.3).
REMOVALS: dict[str, str] = {
    "0.13.0": "the ConfigMap configuration is no longer read, CRDs replace it, and the "
    "chart's configInline/existingConfigMap are gone",
    "0.14.0": "the legacy AddressPool kind is no longer handled, its CRD is gone from 0.14.3",
    "0.14.2": "only EndpointSlices are read, which needs Kubernetes 1.21+",
    "0.16.0": "FRR-K8s becomes the chart's default BGP backend, FRR mode is deprecated, "
    "and kube-rbac-proxy is removed: metrics only over HTTPS",
}


class Release(NamedTuple):
    """A known MetalLB release: its date, whether a chart was published, fixes and removals."""

    version: Version
    date: str
    chart: bool  # a Helm chart of this version was published
    security: str | None = None  # what it fixes
    removal: str | None = None  # what it removes or changes


RELEASE_TABLE: tuple[Release, ...] = tuple(
    Release(
        ver,
        RELEASES[str(ver)],
        str(ver) not in NO_CHART,
        SECURITY_FIXES.get(str(ver)),
        REMOVALS.get(str(ver)),
    )
    for ver in KNOWN_VERSIONS
)
CHART_VERSIONS: tuple[Version, ...] = tuple(r.version for r in RELEASE_TABLE if r.chart)


def release(version: Version) -> Release | None:
    return next((r for r in RELEASE_TABLE if r.version == version), None)


def newest_patch(version: Version) -> Version | None:
    """The newest known release of the same minor line (None: an unknown line)."""
    line = [k for k in KNOWN_VERSIONS if (k.major, k.minor) == (version.major, version.minor)]
    return line[-1] if line else None


def releases_between(old: Version, new: Version) -> list[Release]:
    """The releases after `old`, up to and including `new`."""
    return [r for r in RELEASE_TABLE if old < r.version <= new]


# -- Helm / semver constraints (Masterminds semver, as Helm, Flux, Argo CD and helmfile read them)

_PARTIAL = re.compile(
    r"^v?(\d{1,9}|[xX*])(?:\.(\d{1,9}|[xX*]))?(?:\.(\d{1,9}|[xX*]))?(?:[-+].*)?$"
)  # (no release has longer parts: longer is junk, and too long for int())
_OPERATOR = re.compile(r"^(\^|~>|~|>=|=>|<=|=<|>|<|!=|=)?\s*(.*)$")


def _parts(text: str) -> list[int | None] | None:
    """`0.14` -> [0, 14, None]; `0.x` -> [0, None, None]; junk -> None."""
    match = _PARTIAL.match(text.strip())
    if not match:
        return None
    out: list[int | None] = []
    for group in match.groups():
        out.append(int(group) if group is not None and group.isdigit() else None)
    # a wildcard makes everything after it a wildcard
    for i, part in enumerate(out):
        if part is None:
            out[i + 1 :] = [None] * (len(out) - i - 1)
            break
    return out


def _bounds(op: str, parts: list[int | None]) -> list[tuple[str, Version]] | None:
    """A single comparison as a list of (operator, version) tests, all of which must hold."""
    major, minor, patch = parts
    if major is None:
        return [] if op in ("", "=", ">=", "=>", "^", "~", "~>") else None
    low = Version(major, minor or 0, patch or 0)
    if minor is None:
        upper = Version(major + 1, 0, 0)
    elif patch is None:
        upper = Version(major, minor + 1, 0)
    else:
        upper = None
    if op in ("", "="):
        return [(">=", low), ("<", upper)] if upper else [("==", low)]
    if op in ("~", "~>"):
        return [(">=", low), ("<", upper or Version(major, minor + 1, 0))]  # type: ignore[operator]
    if op == "^":
        if major > 0 or minor is None:
            return [(">=", low), ("<", Version(major + 1, 0, 0))]
        if minor > 0 or patch is None:
            return [(">=", low), ("<", Version(0, minor + 1, 0))]
        return [(">=", low), ("<", Version(0, 0, patch + 1))]
    if op in (">=", "=>"):
        return [(">=", low)]
    if op == ">":
        return [(">=", upper)] if upper else [(">", low)]
    if op in ("<=", "=<"):
        return [("<", upper)] if upper else [("<=", low)]
    if op == "<":
        return [("<", low)]
    if op == "!=":
        return [("!=", low)] if upper is None else [("!range", low), ("!range<", upper)]
    return None


def _holds(version: Version, tests: list[tuple[str, Version]]) -> bool:
    excluded_low = next((b for o, b in tests if o == "!range"), None)
    excluded_high = next((b for o, b in tests if o == "!range<"), None)
    if excluded_low and excluded_high and excluded_low <= version < excluded_high:
        return False
    for op, bound in tests:
        ok = {
            ">=": version >= bound,
            ">": version > bound,
            "<": version < bound,
            "<=": version <= bound,
            "==": version == bound,
            "!=": version != bound,
        }.get(op, True)
        if not ok:
            return False
    return True


def constraint_tests(text: str) -> list[list[tuple[str, Version]]] | None:
    """A constraint as alternatives (`||`) of conjunctions; None when it is not one."""
    alternatives: list[list[tuple[str, Version]]] = []
    for alternative in text.split("||"):
        tests: list[tuple[str, Version]] = []
        alternative = alternative.strip()
        hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", alternative)
        if hyphen:
            items = [f">={hyphen.group(1)}", f"<={hyphen.group(2)}"]
        else:
            # `>= 0.13, < 0.15` or `>=0.13 <0.15`: operators may be followed by a space
            items = re.findall(
                r"(?:\^|~>|~|>=|=>|<=|=<|>|<|!=|=)?\s*[^\s,<>=~^!][^\s,]*", alternative
            )
        if not items:
            return None
        for item in items:
            op, rest = _OPERATOR.match(item.strip()).groups()  # type: ignore[union-attr]
            parts = _parts(rest)
            if parts is None:
                return None
            bounds = _bounds(op or "", parts)
            if bounds is None:
                return None
            tests.extend(bounds)
        alternatives.append(tests)
    return alternatives


def resolve_constraint(
    text: str, candidates: tuple[Version, ...] = CHART_VERSIONS
) -> Version | None:
    """The newest candidate a constraint admits (what Helm would fetch today); None if none."""
    alternatives = constraint_tests(text)
    if alternatives is None:
        return None
    admitted = [c for c in candidates if any(_holds(c, tests) for tests in alternatives)]
    return admitted[-1] if admitted else None
