"""MetalLB address syntax and integer-interval math (all IP parsing goes through netaddr).

Pools, reserved ranges and requested IPs become integer intervals `[first, last]` per IP
version. Overlap and membership questions are answered by sorting those intervals once
(n log n), never by comparing every pair or by building IP sets address by address.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, NamedTuple, TypeVar

import netaddr

from metallb_lint.gitops.placeholders import has_placeholder

T = TypeVar("T")


class IPRange(NamedTuple):
    """An inclusive range of addresses of one IP version."""

    version: int
    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def contains(self, version: int, value: int) -> bool:
        return version == self.version and self.first <= value <= self.last

    def __str__(self) -> str:
        if self.first == self.last:
            return format_ip(self.version, self.first)
        cidrs = netaddr.iprange_to_cidrs(
            netaddr.IPAddress(self.first, self.version), netaddr.IPAddress(self.last, self.version)
        )
        if len(cidrs) == 1:
            return str(cidrs[0])
        return f"{format_ip(self.version, self.first)}-{format_ip(self.version, self.last)}"


def format_ip(version: int, value: int) -> str:
    return str(netaddr.IPAddress(value, version))


class ParsedEntry(NamedTuple):
    """One item of `IPAddressPool.spec.addresses`, as MetalLB reads it (facts §3.1 rules 3-5)."""

    text: str
    range: IPRange | None = None
    error: str | None = None
    unresolved: bool = False  # a placeholder: its value is unknown, so it is not judged
    host_bits: str | None = None  # the network a CIDR with host bits set really means
    is_cidr: bool = False
    prefixlen: int | None = None  # the shortest prefix the entry summarises to
    # With an error: True when MetalLB accepts the entry but it yields no addresses (a range
    # mixing IPv4 and IPv6 that passes MetalLB's start/end check), False when MetalLB rejects it.
    silent: bool = False
    # unresolved because kustomize patches or replacements of these folders' kustomizations
    # write it ("a/, b/"; its value is known only when kustomize builds it)
    written_by: str = ""


def parse_ip(text: str) -> tuple[int, int] | None:
    """(version, integer) of a single address, or None when it does not parse."""
    if isinstance(text, str):
        return _parse_ip_text(text)
    return _parse_ip(text)


@lru_cache(maxsize=65536)
def _parse_ip_text(text: str) -> tuple[int, int] | None:
    # a requested address is read by the inventory, then by rules and policies
    return _parse_ip(text)


def _parse_ip(text: object) -> tuple[int, int] | None:
    try:
        addr = netaddr.IPAddress(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None
    return addr.version, int(addr)


def parse_pool_entry(raw: object) -> ParsedEntry:
    if not isinstance(raw, str):
        return ParsedEntry(str(raw), error=f"'{raw}' is not a string; write a CIDR or a range")
    text = raw.strip()
    if has_placeholder(text):
        return ParsedEntry(raw, unresolved=True)
    if "-" in text:
        return _parse_range(raw, text)
    return _parse_cidr(raw, text)


def _parse_range(raw: str, text: str) -> ParsedEntry:
    start_text, end_text = (part.strip() for part in text.split("-", 1))
    start, end = parse_ip(start_text), parse_ip(end_text)
    if start is None:
        return ParsedEntry(raw, error=f"invalid IP range '{raw}': invalid start IP '{start_text}'")
    if end is None:
        return ParsedEntry(raw, error=f"invalid IP range '{raw}': invalid end IP '{end_text}'")
    if start[0] != end[0]:
        # MetalLB compares the 16-byte forms (IPv4 as ::ffff:a.b.c.d): a range that passes that
        # check is summarised to no addresses at all, silently.
        if _as16(*start) > _as16(*end):
            return ParsedEntry(
                raw,
                error=(
                    f"invalid IP range '{raw}': it mixes IPv{start[0]} and IPv{end[0]}, and "
                    f"MetalLB rejects it as 'start IP {start_text} is after the end IP'. Write "
                    "one range per IP family"
                ),
            )
        return ParsedEntry(
            raw,
            error=(
                f"the range '{raw}' mixes IPv{start[0]} and IPv{end[0]}: MetalLB accepts it but "
                "summarises it to no addresses at all. Write one range per IP family"
            ),
            silent=True,
        )
    if start[1] > end[1]:
        return ParsedEntry(
            raw, error=f"invalid IP range '{raw}': start IP {start_text} is after the end IP"
        )
    ip_range = IPRange(start[0], start[1], end[1])
    return ParsedEntry(raw, range=ip_range, prefixlen=_shortest_prefix(ip_range))


def _as16(version: int, value: int) -> int:
    """An address as Go's 16-byte net.IP, whose byte order MetalLB compares range ends by."""
    return 0xFFFF_0000_0000 | value if version == 4 else value


def _parse_cidr(raw: str, text: str) -> ParsedEntry:
    if text != raw:
        # Unlike range ends, MetalLB hands a CIDR to net.ParseCIDR untrimmed.
        return ParsedEntry(
            raw,
            error=(
                f"invalid CIDR '{raw}': MetalLB does not trim the spaces around a CIDR; "
                f"write '{text}'"
            ),
        )
    if "/" not in text:
        if parse_ip(text) is not None:
            width = 32 if ":" not in text else 128
            return ParsedEntry(
                raw,
                error=(
                    f"'{text}' is a bare address, which MetalLB rejects as an invalid CIDR; "
                    f"write a single address as '{text}/{width}'"
                ),
            )
        return ParsedEntry(raw, error=f"invalid CIDR '{raw}': neither a CIDR nor an 'a-b' range")
    addr_part, prefix = text.split("/", 1)
    address = parse_ip(addr_part)
    if address is None:
        return ParsedEntry(raw, error=f"invalid CIDR '{raw}': '{addr_part}' is not an IP address")
    width = 32 if address[0] == 4 else 128
    digits = prefix.lstrip("0") or "0"  # Go's ParseCIDR reads "/024" as 24
    if not (prefix.isascii() and prefix.isdigit()) or len(digits) > 3 or int(digits) > width:
        return ParsedEntry(
            raw, error=f"invalid CIDR '{raw}': the prefix length must be a number from 0 to {width}"
        )
    net = netaddr.IPNetwork(f"{addr_part}/{int(digits)}")
    ip_range = IPRange(net.version, net.first, net.last)
    host_bits = None
    if int(net.ip) != net.first:
        host_bits = str(net.cidr)
    return ParsedEntry(
        raw, range=ip_range, host_bits=host_bits, is_cidr=True, prefixlen=net.prefixlen
    )


def _shortest_prefix(ip_range: IPRange) -> int:
    cidrs = netaddr.iprange_to_cidrs(
        netaddr.IPAddress(ip_range.first, ip_range.version),
        netaddr.IPAddress(ip_range.last, ip_range.version),
    )
    return min(c.prefixlen for c in cidrs)


def parse_range_or_cidr(text: str) -> IPRange | None:
    """Lenient form for configuration (`networks`, `reserved`): CIDR, range or single IP."""
    entry = parse_pool_entry(text.strip())
    if entry.range:
        return entry.range
    single = parse_ip(text.strip())
    if single:
        return IPRange(single[0], single[1], single[1])
    return None


def buggy_count(ip_range: IPRange) -> int:
    """How many addresses of the range end in .0 or .255 (IPv4 only; facts §3.1 rule 9)."""
    if ip_range.version != 4:
        return 0
    return _count_last_octet(ip_range.first, ip_range.last, 0) + _count_last_octet(
        ip_range.first, ip_range.last, 255
    )


def _count_last_octet(first: int, last: int, octet: int) -> int:
    # Numbers n in [first, last] with n % 256 == octet.
    def upto(n: int) -> int:  # count in [0, n]
        return 0 if n < octet else (n - octet) // 256 + 1

    return upto(last) - upto(first - 1)


def is_buggy(version: int, value: int) -> bool:
    return version == 4 and value % 256 in (0, 255)


def first_buggy(ip_range: IPRange) -> int | None:
    if ip_range.version != 4:
        return None
    for candidate in (ip_range.first, ip_range.first | 0xFF):
        for value in (candidate - candidate % 256, candidate - candidate % 256 + 255):
            if ip_range.first <= value <= ip_range.last:
                return value
    return None


@dataclass(frozen=True)
class Overlap(Generic[T]):
    """Two payloads whose address ranges overlap, and the range they share."""

    first: T
    second: T
    shared: IPRange


def find_overlaps(
    items: Iterable[tuple[IPRange, T]], group: Callable[[T], Hashable] | None = None
) -> list[Overlap[T]]:
    """Pairs of intervals that share addresses, by one sort and a sweep (n log n).

    Each interval is compared with the one reaching furthest among those before it (in order
    of start), so the result names, for every interval that overlaps something earlier, one
    partner: enough to report every overlapping entry without quadratic work.

    With `group`, intervals whose payloads map to the same group are never paired (e.g. the
    entries of pools of one name). The sweep then keeps the furthest-reaching interval and the
    furthest-reaching one of any other group, so an overlap with another group is never hidden
    behind one of the same group.
    """
    ordered = sorted(items, key=lambda it: (it[0].version, it[0].first, -it[0].last))
    found: list[Overlap[T]] = []
    best: tuple[IPRange, T, object] | None = None  # reaches furthest
    other: tuple[IPRange, T, object] | None = None  # reaches furthest, group != best's group
    for ip_range, payload in ordered:
        key = group(payload) if group is not None else object()
        if best is not None and best[0].version != ip_range.version:
            best = other = None
        partner = best if best is not None and best[2] != key else other
        if partner is not None and ip_range.first <= partner[0].last:
            shared = IPRange(ip_range.version, ip_range.first, min(ip_range.last, partner[0].last))
            found.append(Overlap(partner[1], payload, shared))
        current = (ip_range, payload, key)
        if best is None or ip_range.last > best[0].last:
            if best is not None and best[2] != key:
                other = best
            best = current
        elif key != best[2] and (other is None or ip_range.last > other[0].last):
            other = current
    return found


class IntervalIndex(Generic[T]):
    """Which intervals contain an address: disjoint elementary segments, then bisect."""

    def __init__(self, items: Iterable[tuple[IPRange, T]]) -> None:
        self._segments: dict[int, tuple[list[int], list[int], list[tuple[T, ...]]]] = {}
        by_version: dict[int, list[tuple[IPRange, T]]] = {}
        for ip_range, payload in items:
            by_version.setdefault(ip_range.version, []).append((ip_range, payload))
        for version, group in by_version.items():
            self._segments[version] = _segments(group)

    def lookup(self, version: int, value: int) -> tuple[T, ...]:
        table = self._segments.get(version)
        if not table:
            return ()
        starts, ends, payloads = table
        i = bisect_right(starts, value) - 1
        if i >= 0 and value <= ends[i]:
            return payloads[i]
        return ()

    def overlapping(self, ip_range: IPRange) -> tuple[T, ...]:
        """Payloads of every interval that shares an address with `ip_range`."""
        table = self._segments.get(ip_range.version)
        if not table:
            return ()
        starts, ends, payloads = table
        found: dict[int, T] = {}
        i = bisect_right(starts, ip_range.last) - 1
        # Segments are disjoint and sorted, so their ends are sorted too: walk back while
        # they still reach the start of the range.
        while i >= 0 and ends[i] >= ip_range.first:
            for payload in payloads[i]:
                found.setdefault(id(payload), payload)
            i -= 1
        return tuple(found.values())

    def nearest(self, version: int, value: int) -> tuple[T, ...]:
        """Payloads of the segment closest to `value` (for 'did you mean pool X' messages)."""
        table = self._segments.get(version)
        if not table:
            return ()
        starts, ends, payloads = table
        i = bisect_right(starts, value) - 1
        options: list[tuple[int, int]] = []
        if i >= 0:
            options.append((value - ends[i] if value > ends[i] else 0, i))
        if i + 1 < len(starts):
            options.append((starts[i + 1] - value, i + 1))
        if not options:
            return ()
        return payloads[min(options)[1]]


def _segments(
    group: Sequence[tuple[IPRange, T]],
) -> tuple[list[int], list[int], list[tuple[T, ...]]]:
    events: list[tuple[int, int, int]] = []  # (position, kind 0=open 1=close, item index)
    for i, (ip_range, _) in enumerate(group):
        events.append((ip_range.first, 0, i))
        events.append((ip_range.last + 1, 1, i))
    events.sort()
    starts: list[int] = []
    ends: list[int] = []
    payloads: list[tuple[T, ...]] = []
    active: dict[int, None] = {}
    pos_prev: int | None = None
    k = 0
    while k < len(events):
        pos = events[k][0]
        if active and pos_prev is not None and pos > pos_prev:
            starts.append(pos_prev)
            ends.append(pos - 1)
            payloads.append(tuple(group[i][1] for i in sorted(active)))
        while k < len(events) and events[k][0] == pos:
            _, kind, idx = events[k]
            if kind == 0:
                active[idx] = None
            else:
                active.pop(idx, None)
            k += 1
        pos_prev = pos
    return starts, ends, payloads
