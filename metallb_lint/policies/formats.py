"""Formats and keywords that policies may use beyond JSON Schema 2020-12, all backed by netaddr
(through metallb_lint.metallb.addresses).

Formats (`format: ...`, always asserted, unlike plain JSON Schema where `format` only
annotates): `ip`, `ipv4`, `ipv6`, `ipv4-cidr`, `ipv6-cidr`, `cidr`, `ip-range`,
`metallb-address` and `placeholder`, next to the standard formats jsonschema checks. A string
holding an unresolved placeholder (`${VAR}`, `__VAR__`, a template) passes every format but
`placeholder`, which it alone passes: metallb-lint never judges a value it cannot see (ML004
reports it).

Keywords: `maxAddresses` and `minAddresses` bound how many addresses a list of pool entries
(`spec.addresses`) holds: an integer for both IP families together, or `{ipv4: N, ipv6: M}`.
A list with an entry that does not parse or holds a placeholder is not judged (ML201 and ML004
report those).
"""

from __future__ import annotations

from functools import cache

from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.addresses import parse_ip, parse_pool_entry

OUR_FORMATS = (
    "ip",
    "ipv4",
    "ipv6",
    "ipv4-cidr",
    "ipv6-cidr",
    "cidr",
    "ip-range",
    "metallb-address",
    "placeholder",
)
ADDRESS_KEYWORDS = ("maxAddresses", "minAddresses")
FAMILIES = {"ipv4": 4, "ipv6": 6}


def _ip(version: int | None):
    def check(value: str) -> bool:
        parsed = parse_ip(value)
        return parsed is not None and (version is None or parsed[0] == version)

    return check


def _cidr(version: int | None):
    def check(value: str) -> bool:
        if "/" not in value or "-" in value:
            return False
        entry = parse_pool_entry(value)
        return (
            entry.range is not None
            and entry.is_cidr
            and (version is None or entry.range.version == version)
        )

    return check


def _ip_range(value: str) -> bool:
    if "-" not in value:
        return False
    entry = parse_pool_entry(value)
    return entry.range is not None and not entry.is_cidr


def _metallb_address(value: str) -> bool:
    entry = parse_pool_entry(value)
    return entry.range is not None and entry.error is None


_CHECKS = {
    "ip": _ip(None),
    "ipv4": _ip(4),
    "ipv6": _ip(6),
    "ipv4-cidr": _cidr(4),
    "ipv6-cidr": _cidr(6),
    "cidr": _cidr(None),
    "ip-range": _ip_range,
    "metallb-address": _metallb_address,
}


def _lenient(check):
    def wrapped(value: object) -> bool:
        if not isinstance(value, str):
            return True  # formats apply to strings only (JSON Schema)
        if has_placeholder(value):
            return True
        return check(value)

    return wrapped


def _is_placeholder(value: object) -> bool:
    return not isinstance(value, str) or has_placeholder(value)


OUR_CHECKS = {name: _lenient(check) for name, check in _CHECKS.items()}
OUR_CHECKS["placeholder"] = _is_placeholder


class OurFormats:
    """Our formats alone, for the small evaluator (metallb_lint.policies.mini)."""

    def conforms(self, value: object, name: str) -> bool:
        return OUR_CHECKS[name](value)


@cache
def format_checker():
    """jsonschema's standard format checkers, with ours added and the IP ones replaced."""
    import jsonschema

    checker = jsonschema.FormatChecker()
    for name, check in OUR_CHECKS.items():
        checker.checks(name)(check)
    return checker


def known_formats() -> frozenset[str]:
    return frozenset(format_checker().checkers)


# -- keywords --------------------------------------------------------------------------------


def count_addresses(entries: object) -> dict[int, int] | None:
    """Addresses per IP version of a list of pool entries; None when it cannot be told."""
    if not isinstance(entries, list):
        return None
    counts = {4: 0, 6: 0}
    for raw in entries:
        entry = parse_pool_entry(raw)
        if entry.range is None or entry.error is not None:
            return None
        counts[entry.range.version] += entry.range.size
    return counts


def _limits(value: object) -> dict[int | None, int]:
    if isinstance(value, dict):
        return {FAMILIES[k]: v for k, v in value.items()}
    return {None: value}  # type: ignore[dict-item]


def _describe(count: int, family: int | None) -> str:
    what = "address" if count == 1 else "addresses"
    return f"{count:,} {what}" if family is None else f"{count:,} IPv{family} {what}"


def address_problems(keyword: str, value: object, instance: object) -> list[str]:
    """What `maxAddresses`/`minAddresses: value` finds wrong with a list of pool entries."""
    counts = count_addresses(instance)
    if counts is None:
        return []
    maximum = keyword == "maxAddresses"
    out = []
    for family, limit in _limits(value).items():
        count = counts[4] + counts[6] if family is None else counts[family]
        if (count > limit) if maximum else (count < limit):
            relation = "more" if maximum else "fewer"
            out.append(f"{_describe(count, family)}, {relation} than {limit:,}")
    return out


def _jsonschema_keyword(keyword: str):
    def validate(validator, value, instance, schema):
        from jsonschema.exceptions import ValidationError

        for message in address_problems(keyword, value, instance):
            yield ValidationError(message)

    return validate


KEYWORDS = {keyword: _jsonschema_keyword(keyword) for keyword in ADDRESS_KEYWORDS}


def keyword_problem(keyword: str, value: object) -> str | None:
    """Why a value of one of our keywords is malformed, or None."""
    if keyword in ADDRESS_KEYWORDS:
        if _count(value):
            return None
        if (
            isinstance(value, dict)
            and value
            and all(k in FAMILIES and _count(v) for k, v in value.items())
        ):
            return None
        return (
            f"{keyword} must be a whole number of addresses (e.g. 64) or a mapping "
            "{ipv4: N, ipv6: M}"
        )
    return None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
