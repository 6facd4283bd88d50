"""Bitnami's metallb chart: which MetalLB release each chart version ships.

Read from the history of Bitnami's chart repository (`bitnami/metallb/Chart.yaml`, the
`appVersion` of each published `version`), as ranges of chart versions. Bitnami's charts have
their own version numbers, values and images, so the release they run is not their version.
Bitnami stopped updating its free catalogue in 2025: 6.4.23 is its last chart and ships 0.15.2.
"""

from __future__ import annotations

from metallb_lint.metallb.versions import Version, constraint_tests, v

# (first chart version, last chart version, MetalLB release), in chart-version order.
_RANGES: tuple[tuple[str, str, str], ...] = (
    ("0.1.10", "0.1.14", "0.9.3"),
    ("0.1.15", "0.1.15", "0.9.4"),
    ("0.1.16", "0.1.26", "0.9.3"),
    ("0.1.27", "0.1.28", "0.9.4"),
    ("0.1.29", "2.3.3", "0.9.5"),
    ("2.3.4", "2.4.0", "0.9.6"),
    ("2.4.1", "2.4.2", "0.10.0"),
    ("2.4.3", "2.5.5", "0.10.2"),
    ("2.5.6", "2.5.9", "0.10.3"),
    ("2.5.10", "2.6.2", "0.11.0"),
    ("2.6.3", "2.6.3", "0.12.0"),
    ("2.6.4", "3.0.12", "0.12.1"),
    ("4.0.0", "4.1.1", "0.13.4"),
    ("4.1.2", "4.1.5", "0.13.5"),
    ("4.1.6", "4.1.7", "0.13.6"),
    ("4.1.8", "4.1.16", "0.13.7"),
    ("4.1.17", "4.5.1", "0.13.9"),
    ("4.5.2", "4.7.0", "0.13.10"),
    ("4.7.1", "4.7.10", "0.13.11"),
    ("4.7.11", "4.11.1", "0.13.12"),
    ("4.11.2", "4.11.3", "0.14.2"),
    ("4.11.4", "5.0.3", "0.14.3"),
    ("6.0.0", "6.3.9", "0.14.5"),
    ("6.3.10", "6.4.1", "0.14.8"),
    ("6.4.2", "6.4.13", "0.14.9"),
    ("6.4.14", "6.4.14", "0.15.0"),
    ("6.4.15", "6.4.23", "0.15.2"),
)
RANGES: tuple[tuple[Version, Version, Version], ...] = tuple(
    (v(first), v(last), v(release)) for first, last, release in _RANGES
)
NEWEST_CHART = RANGES[-1][1]
NEWEST_RELEASE = RANGES[-1][2]


def metallb_release(chart_version: Version) -> Version | None:
    """The MetalLB release Bitnami's chart `chart_version` ships; None when no such chart was
    published (or it is older than the history this table starts from)."""
    for first, last, release in RANGES:
        if first <= chart_version <= last:
            return release
    return None


def releases_admitted(constraint: str) -> set[Version] | None:
    """The MetalLB releases of the Bitnami charts a version constraint (`^1.0.0`, `4.x`) may
    fetch; None when it is no constraint or admits no chart of the table. A constraint whose
    charts all ship one release says which release runs, whichever chart is fetched."""
    alternatives = constraint_tests(constraint)
    if alternatives is None:
        return None
    found = {
        release
        for first, last, release in RANGES
        for tests in alternatives
        if _meets(first, last, tests)
    }
    return found or None


def _meets(first: Version, last: Version, tests: list[tuple[str, Version]]) -> bool:
    """Whether some version from `first` to `last` may pass every test (a `!=` excludes one
    version or range, never all of a span: it is not counted)."""
    low, high = first, last
    for op, bound in tests:
        if op in (">=", ">") and bound > low:
            low = bound
        elif op in ("<", "<=") and bound < high:
            high = bound
        elif op == "==":
            low, high = max(low, bound), min(high, bound)
        strict = (op == ">" and bound == low) or (op == "<" and bound == high)
        if strict and low == high:
            return False
    if low > high:
        return False
    return not any(op == "<" and bound == low for op, bound in tests) or low < high


def is_bitnami(repository: str | None, owner: str | None) -> bool:
    """A chart site that is Bitnami's: its repository, or the name of the Flux source it uses
    when the repository is not in the tree."""
    return "bitnami" in f"{repository or ''} {owner or ''}".lower()
