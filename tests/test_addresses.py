"""Address syntax as MetalLB reads it, and the interval math (overlaps, lookups) behind ML2xx."""

from __future__ import annotations

import random

import netaddr
import pytest

from metallb_lint.metallb.addresses import (
    IntervalIndex,
    IPRange,
    buggy_count,
    find_overlaps,
    first_buggy,
    format_ip,
    is_buggy,
    parse_ip,
    parse_pool_entry,
    parse_range_or_cidr,
)


def v4(text: str) -> int:
    return int(netaddr.IPAddress(text))


def v6(text: str) -> int:
    return int(netaddr.IPAddress(text, 6))


def r4(first: str, last: str) -> IPRange:
    return IPRange(4, v4(first), v4(last))


# -- parse_pool_entry ------------------------------------------------------------------------


def test_cidr() -> None:
    entry = parse_pool_entry("192.168.1.240/29")
    assert entry.error is None
    assert entry.range == r4("192.168.1.240", "192.168.1.247")
    assert entry.is_cidr and entry.prefixlen == 29 and entry.host_bits is None


def test_single_address_cidr() -> None:
    entry = parse_pool_entry("192.168.1.250/32")
    assert entry.range == r4("192.168.1.250", "192.168.1.250")
    assert entry.range.size == 1


def test_range_with_spaces_around_the_dash() -> None:
    # MetalLB splits on the first '-' and trims both sides.
    entry = parse_pool_entry("192.168.1.240 - 192.168.1.250")
    assert entry.error is None
    assert entry.range == r4("192.168.1.240", "192.168.1.250")
    assert not entry.is_cidr
    assert entry.prefixlen == 29  # .240/29 is the widest CIDR it summarises to


def test_single_address_range() -> None:
    assert parse_pool_entry("10.0.0.5-10.0.0.5").range == r4("10.0.0.5", "10.0.0.5")


@pytest.mark.parametrize("text, width", [("192.168.1.240", 32), ("2001:db8::1", 128)])
def test_bare_address_is_rejected_with_the_fix(text: str, width: int) -> None:
    entry = parse_pool_entry(text)
    assert entry.range is None
    assert "bare address" in entry.error
    assert f"'{text}/{width}'" in entry.error
    assert not entry.silent


def test_start_after_end() -> None:
    entry = parse_pool_entry("10.20.0.250-10.20.0.240")
    assert entry.range is None
    assert "is after the end IP" in entry.error
    assert not entry.silent


def test_range_v4_to_v6_is_silently_empty() -> None:
    # As 16-byte addresses ::ffff:10.0.0.10 < fd00::10, so MetalLB accepts the range, and
    # summarising a mixed range gives nothing: no error, no addresses.
    entry = parse_pool_entry("10.0.0.10-fd00::10")
    assert entry.range is None
    assert entry.silent
    assert "mixes IPv4 and IPv6" in entry.error and "no addresses" in entry.error


def test_range_v6_to_v4_is_rejected() -> None:
    entry = parse_pool_entry("2001:db8::1-10.0.0.1")
    assert entry.range is None
    assert not entry.silent
    assert "mixes IPv6 and IPv4" in entry.error and "is after the end IP" in entry.error


def test_low_v6_to_v4_is_silently_empty() -> None:
    # ::1 sorts before ::ffff:10.0.0.1, so this one passes MetalLB's start/end check.
    assert parse_pool_entry("::1-10.0.0.1").silent


def test_host_bits_set() -> None:
    entry = parse_pool_entry("192.168.1.10/24")
    assert entry.error is None
    assert entry.host_bits == "192.168.1.0/24"
    assert entry.range == r4("192.168.1.0", "192.168.1.255")


def test_ipv6_cidr_and_host_bits() -> None:
    entry = parse_pool_entry("2001:db8:1::/120")
    assert entry.range == IPRange(6, v6("2001:db8:1::"), v6("2001:db8:1::ff"))
    assert entry.host_bits is None
    widened = parse_pool_entry("2001:db8:1::f0/64")
    assert widened.host_bits == "2001:db8:1::/64"
    assert widened.range.size == 2**64


def test_ipv6_range() -> None:
    entry = parse_pool_entry("fd00::10-fd00::1f")
    assert entry.range == IPRange(6, v6("fd00::10"), v6("fd00::1f"))
    assert entry.prefixlen == 124


@pytest.mark.parametrize(
    "text, expected",
    [
        ("192.168.1.0/33", "prefix length must be a number from 0 to 32"),
        ("2001:db8::/129", "from 0 to 128"),
        ("192.168.1.0/", "prefix length"),
        ("192.168.300.0/29", "'192.168.300.0' is not an IP address"),
        ("010.0.0.1/32", "is not an IP address"),  # Go rejects leading zeros
        ("TBD", "neither a CIDR nor an 'a-b' range"),
        ("", "neither a CIDR"),
        ("10.0.0.1-10.0.0.x", "invalid end IP '10.0.0.x'"),
        ("pool-a", "invalid start IP 'pool'"),
        ("10.0.0.1-", "invalid end IP ''"),
        ("1.2.3.4/-1", "invalid start IP"),  # has a '-', so MetalLB reads it as a range
        (" 10.0.0.0/24", "does not trim"),  # net.ParseCIDR gets the string untrimmed
    ],
)
def test_invalid_entries(text: str, expected: str) -> None:
    entry = parse_pool_entry(text)
    assert entry.range is None
    assert expected in entry.error


def test_prefix_with_leading_zeros_is_accepted() -> None:
    # Go's ParseCIDR reads the prefix with dtoi, which accepts leading zeros.
    assert parse_pool_entry("10.0.0.0/024").range == r4("10.0.0.0", "10.0.0.255")


def test_not_a_string() -> None:
    entry = parse_pool_entry(42)
    assert entry.range is None and "not a string" in entry.error


@pytest.mark.parametrize("text", ["${POOL_RANGE}", "__POOL_RANGE__", "{{ .Values.range }}"])
def test_placeholder_is_unresolved_not_invalid(text: str) -> None:
    entry = parse_pool_entry(text)
    assert entry.unresolved
    assert entry.error is None and entry.range is None


def test_parse_range_or_cidr_is_lenient() -> None:
    assert parse_range_or_cidr("192.168.1.1") == r4("192.168.1.1", "192.168.1.1")
    assert parse_range_or_cidr(" 192.168.1.0/24 ") == r4("192.168.1.0", "192.168.1.255")
    assert parse_range_or_cidr("192.168.1.100 - 192.168.1.199") == r4(
        "192.168.1.100", "192.168.1.199"
    )
    assert parse_range_or_cidr("nonsense") is None


def test_parse_ip_and_format() -> None:
    assert parse_ip("192.168.1.1") == (4, v4("192.168.1.1"))
    assert parse_ip("2001:db8::1") == (6, v6("2001:db8::1"))
    assert parse_ip("192.168.1") is None
    assert format_ip(6, v6("2001:db8::1")) == "2001:db8::1"


def test_iprange_str() -> None:
    assert str(r4("10.0.0.8", "10.0.0.15")) == "10.0.0.8/29"
    assert str(r4("10.0.0.8", "10.0.0.8")) == "10.0.0.8"
    assert str(r4("10.0.0.8", "10.0.0.20")) == "10.0.0.8-10.0.0.20"


# -- find_overlaps ---------------------------------------------------------------------------


def _pairs(overlaps) -> set[tuple[str, str, str]]:
    return {(o.first, o.second, str(o.shared)) for o in overlaps}


def test_no_overlap_for_adjacent_ranges() -> None:
    items = [
        (r4("192.168.1.240", "192.168.1.249"), "a"),
        (r4("192.168.1.250", "192.168.1.250"), "b"),
        (r4("192.168.1.251", "192.168.1.254"), "c"),
    ]
    assert find_overlaps(items) == []


def test_simple_overlap_names_the_shared_range() -> None:
    items = [(r4("10.0.0.8", "10.0.0.20"), "b"), (r4("10.0.0.0", "10.0.0.15"), "a")]
    assert _pairs(find_overlaps(items)) == {("a", "b", "10.0.0.8/29")}


def test_three_mutually_overlapping() -> None:
    items = [
        (r4("10.0.0.0", "10.0.0.10"), "a"),
        (r4("10.0.0.5", "10.0.0.15"), "b"),
        (r4("10.0.0.8", "10.0.0.20"), "c"),
    ]
    found = find_overlaps(items)
    # Every interval that overlaps an earlier one is reported once, against the one reaching
    # furthest: b against a, c against b.
    assert _pairs(found) == {
        ("a", "b", "10.0.0.5-10.0.0.10"),
        ("b", "c", "10.0.0.8/29"),
    }


def test_nested_intervals() -> None:
    items = [
        (r4("10.0.0.0", "10.0.0.255"), "outer"),
        (r4("10.0.0.16", "10.0.0.31"), "middle"),
        (r4("10.0.0.20", "10.0.0.20"), "inner"),
    ]
    assert _pairs(find_overlaps(items)) == {
        ("outer", "middle", "10.0.0.16/28"),
        ("outer", "inner", "10.0.0.20"),
    }


def test_identical_ranges() -> None:
    items = [(r4("10.0.0.0", "10.0.0.3"), "a"), (r4("10.0.0.0", "10.0.0.3"), "b")]
    assert _pairs(find_overlaps(items)) == {("a", "b", "10.0.0.0/30")}


def test_versions_never_overlap() -> None:
    items = [(IPRange(4, 0, 100), "v4"), (IPRange(6, 0, 100), "v6")]
    assert find_overlaps(items) == []


def test_ipv6_overlap() -> None:
    items = [
        (IPRange(6, v6("2001:db8:1::"), v6("2001:db8:1::ff")), "a"),
        (IPRange(6, v6("2001:db8:1::80"), v6("2001:db8:1::17f")), "b"),
    ]
    assert _pairs(find_overlaps(items)) == {("a", "b", "2001:db8:1::80/121")}


def test_group_never_pairs_members_of_one_group() -> None:
    items = [
        (r4("10.0.0.0", "10.0.0.255"), ("default", "prod")),
        (r4("10.0.0.0", "10.0.0.255"), ("default", "staging")),
    ]
    assert find_overlaps(items, group=lambda p: p[0]) == []


def test_group_finds_another_group_behind_a_longer_one_of_the_same_group() -> None:
    # The furthest-reaching earlier interval is of the same group as the last one; the
    # overlap with the other group must still be found (a plain sweep would miss it).
    dns = ("dns", "staging")
    prod = ("default", "prod")
    staging = ("default", "staging")
    items = [
        (r4("10.0.0.238", "10.0.0.242"), dns),
        (r4("10.0.0.240", "10.0.0.250"), prod),
        (r4("10.0.0.240", "10.0.0.250"), staging),
    ]
    found = find_overlaps(items, group=lambda p: p[0])
    assert _pairs(found) == {
        (dns, prod, "10.0.0.240-10.0.0.242"),
        (dns, staging, "10.0.0.240-10.0.0.242"),
    }


def test_overlaps_match_brute_force_on_random_input() -> None:
    rng = random.Random(7)
    for _ in range(200):
        items = []
        for i in range(rng.randint(1, 12)):
            first = rng.randint(0, 60)
            items.append((IPRange(4, first, first + rng.randint(0, 15)), (i, rng.randint(0, 3))))
        for group in (None, lambda p: p[1]):
            key = (lambda p: p[1]) if group else (lambda p: p)
            found = find_overlaps(items, group=group)
            reported = {o.second for o in found}
            for o in found:
                a = next(r for r, p in items if p == o.first)
                b = next(r for r, p in items if p == o.second)
                assert key(o.first) != key(o.second)
                assert o.shared.first == max(a.first, b.first)
                assert o.shared.last == min(a.last, b.last)
            # Every interval overlapping an earlier one of another group is reported.
            order = sorted(items, key=lambda it: (it[0].first, -it[0].last))
            for index, (r, p) in enumerate(order):
                earlier = order[:index]
                if any(q[0].last >= r.first and key(q[1]) != key(p) for q in earlier):
                    assert p in reported


def test_find_overlaps_is_not_quadratic() -> None:
    # 20,000 nested intervals: a pairwise comparison would do 2e8 checks.
    items = [(IPRange(4, i, 10**6 - i), i) for i in range(20_000)]
    found = find_overlaps(items)
    assert len(found) == 19_999
    assert all(o.first == 0 for o in found)


# -- IntervalIndex ---------------------------------------------------------------------------


@pytest.fixture
def index() -> IntervalIndex[str]:
    return IntervalIndex(
        [
            (r4("192.168.1.240", "192.168.1.250"), "default"),
            (r4("192.168.1.250", "192.168.1.250"), "dns"),
            (r4("10.0.0.0", "10.0.0.255"), "lab"),
            (IPRange(6, v6("2001:db8::"), v6("2001:db8::ff")), "v6"),
        ]
    )


def test_lookup(index: IntervalIndex[str]) -> None:
    assert index.lookup(4, v4("192.168.1.241")) == ("default",)
    assert index.lookup(4, v4("192.168.1.250")) == ("default", "dns")
    assert index.lookup(4, v4("192.168.1.251")) == ()
    assert index.lookup(4, v4("10.0.0.0")) == ("lab",)
    assert index.lookup(6, v6("2001:db8::10")) == ("v6",)
    assert index.lookup(6, v4("10.0.0.1")) == ()


def test_overlapping(index: IntervalIndex[str]) -> None:
    assert set(index.overlapping(r4("192.168.1.200", "192.168.1.245"))) == {"default"}
    assert set(index.overlapping(r4("192.168.1.245", "192.168.1.255"))) == {"default", "dns"}
    assert set(index.overlapping(r4("0.0.0.0", "255.255.255.255"))) == {"default", "dns", "lab"}
    assert index.overlapping(r4("192.168.2.0", "192.168.2.255")) == ()
    assert index.overlapping(IPRange(6, v6("fd00::"), v6("fd00::ff"))) == ()


def test_nearest(index: IntervalIndex[str]) -> None:
    assert index.nearest(4, v4("192.168.1.235")) == ("default",)
    assert index.nearest(4, v4("192.168.1.253")) == ("default", "dns")  # the .250 segment
    assert index.nearest(4, v4("10.0.1.5")) == ("lab",)
    assert index.nearest(4, v4("192.168.1.245")) == ("default",)  # inside: distance 0
    assert index.nearest(6, v6("2001:db8::1:0")) == ("v6",)
    assert IntervalIndex([]).nearest(4, 1) == ()


# -- buggy IPs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, last, count, sample",
    [
        ("10.0.50.0", "10.0.50.255", 2, "10.0.50.0"),
        ("192.168.1.240", "192.168.1.250", 0, None),
        ("10.0.51.200", "10.0.52.20", 2, "10.0.51.255"),
        ("10.0.0.255", "10.0.0.255", 1, "10.0.0.255"),
        ("10.0.0.0", "10.0.3.255", 8, "10.0.0.0"),
        ("10.0.0.1", "10.0.0.254", 0, None),
    ],
)
def test_buggy(first: str, last: str, count: int, sample: str | None) -> None:
    ip_range = r4(first, last)
    assert buggy_count(ip_range) == count
    assert first_buggy(ip_range) == (v4(sample) if sample else None)


def test_buggy_count_matches_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(300):
        first = rng.randint(0, 2000)
        last = first + rng.randint(0, 1200)
        expected = sum(1 for n in range(first, last + 1) if is_buggy(4, n))
        assert buggy_count(IPRange(4, first, last)) == expected
        firsts = [n for n in range(first, last + 1) if is_buggy(4, n)]
        assert first_buggy(IPRange(4, first, last)) == (firsts[0] if firsts else None)


def test_ipv6_is_never_buggy() -> None:
    ip_range = IPRange(6, 0, 1024)
    assert buggy_count(ip_range) == 0 and first_buggy(ip_range) is None
    assert not is_buggy(6, 0)
