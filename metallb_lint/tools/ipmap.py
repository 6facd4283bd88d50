"""The IP allocation map behind `metallb-lint ips`: per pool, which Services hold which
address, how many take one automatically, and what is still free. No printing here
(report/ips.py renders it).

Computed from the inventory the checks read, with the same semantics (facts §3.1, §5): only
LoadBalancer Services MetalLB handles count, the annotation prefixes the target release reads,
requests MetalLB refuses are shown as refused, `avoidBuggyIPs` removes .0/.255 addresses from
the usable set. All address math is on integer intervals (addresses.py): free space is the
pool's merged intervals minus the held addresses, by one sort, so a /8 costs what a /30 does.

What is not known offline is said, not guessed: the Services that may take an address from one
of several pools are listed once, grouped by the pools they may draw from (a `Choice`), and each
of those pools counts them; the pools whose `serviceAllocation` uses label selectors are not
modelled. The map is linear in the repository: every Service appears once (an explicit request
once per pool holding its address), so a thousand automatic Services and fifty pools make a
thousand entries, not fifty thousand.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from metallb_lint.checks.common import (
    handled_requests,
    pool_index,
    pools_by_name,
    read_pools,
    selects,
)
from metallb_lint.checks.context import Context
from metallb_lint.findings import Location, ResourceRef
from metallb_lint.metallb.addresses import IPRange, buggy_count, format_ip, is_buggy
from metallb_lint.metallb.versions import v
from metallb_lint.model.inventory import Inventory
from metallb_lint.model.objects import Pool, ServiceRequest
from metallb_lint.model.target import Target

FAMILIES = {4: "IPv4", 6: "IPv6"}
EMPTY_ALLOCATION_MATCHES_ALL = v("0.15.0")  # facts §3.1 rule 12


class ServiceRef(NamedTuple):
    """How the map names a Service (or a chart-values service block) and where it asks."""

    label: str
    resource: ResourceRef
    location: Location

    @classmethod
    def of(cls, request: ServiceRequest, location: Location) -> ServiceRef:
        if request.origin == "service" and not request.display:
            ns = f"{request.namespace}/" if request.namespace else ""
            label = f"{ns}{request.resource.name}"
        else:
            label = request.label
        return cls(label, request.resource, location)


@dataclass
class Holding:
    """An address a Service requests explicitly."""

    version: int
    value: int
    service: ServiceRef
    sharing_key: str | None = None
    refused: str | None = None  # why MetalLB refuses it (the Service stays <pending>)

    @property
    def ip(self) -> str:
        return format_ip(self.version, self.value)


@dataclass
class Draw:
    """A Service (or a group sharing one key) that takes an address automatically."""

    service: ServiceRef
    family: int
    via: str  # "address-pool annotation" or "autoAssign"


@dataclass
class Choice:
    """Services that take an address automatically from one of several pools: which one,
    MetalLB decides at run time. Listed once, with the pools."""

    pools: tuple[str, ...]  # names, sorted
    draws: list[Draw]


@dataclass
class PoolMap:
    """One pool in the address map: its sizes, who holds which address, what is left."""

    pool: Pool
    addresses: list[str]  # as written
    sizes: dict[int, int]  # per IP version, overlapping entries counted once
    usable: dict[int, int]  # after avoidBuggyIPs
    advertisements: list[tuple[ResourceRef, bool]]  # (advertisement, certain)
    held: list[Holding]
    draws: list[Draw]  # the automatic draws that certainly land here
    free_ranges: list[IPRange]  # usable space minus held addresses
    free: int
    unresolved: list[str] = field(default_factory=list)  # entries not placed (placeholders)
    invalid: list[str] = field(default_factory=list)  # entries MetalLB rejects
    # Per IP version: Services that may take an address here or from another pool (a Choice).
    possible: dict[int, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.pool.name

    @property
    def total_usable(self) -> int:
        return sum(self.usable.values())

    @property
    def held_addresses(self) -> int:
        """Distinct usable addresses Services hold by explicit request."""
        return len({(h.version, h.value) for h in self.held if h.refused is None})

    @property
    def certain_draws(self) -> int:
        return len(self.draws)

    @property
    def may_draw(self) -> int:
        return sum(self.possible.values())

    @property
    def used(self) -> int:
        """Held addresses plus the automatic draws that certainly land here (capped)."""
        return min(self.held_addresses + self.certain_draws, self.total_usable)

    @property
    def utilisation(self) -> float:
        return self.used / self.total_usable if self.total_usable else 0.0

    @property
    def overcommitted(self) -> int:
        """Services that find no address left (they stay <pending>)."""
        return max(self.held_addresses + self.certain_draws - self.total_usable, 0)

    def free_addresses(self, *, skip_automatic: bool = True) -> Iterator[tuple[int, int]]:
        """Free addresses in the order MetalLB hands them out: entries as written, each from
        its first address (facts §5.3). With `skip_automatic`, the first addresses of each
        family that Services without a request are likely to take are skipped, so that an
        address chosen for a new Service is not one already taken automatically."""
        skip = {4: 0, 6: 0}
        if skip_automatic:
            for draw in self.draws:
                skip[draw.family] += 1
            for family, count in self.possible.items():
                skip[family] += count
        held = sorted({(h.version, h.value) for h in self.held if h.refused is None})
        seen: list[IPRange] = []
        for entry in self.pool.entries:
            ip_range = entry.parsed.range
            if ip_range is None:
                continue
            for value in _walk(ip_range, held, seen, self.pool.avoid_buggy_ips):
                if skip[ip_range.version]:
                    skip[ip_range.version] -= 1
                    continue
                yield ip_range.version, value
            seen.append(ip_range)


@dataclass
class IPMap:
    """What `metallb-lint ips` shows: every pool's map and the requests outside all pools."""

    target: Target
    pools: list[PoolMap]
    outside: list[Holding]  # requests in no pool
    notes: list[str]
    choices: list[Choice] = field(default_factory=list)

    def only(self, name: str) -> None:
        """Keep one pool, and the choices that name it; no requests outside (`--pool`)."""
        self.pools = [pm for pm in self.pools if pm.name == name]
        self.choices = [c for c in self.choices if name in c.pools]
        self.outside = []


def _walk(
    ip_range: IPRange, held: list[tuple[int, int]], seen: list[IPRange], avoid: bool
) -> Iterator[int]:
    """Addresses of `ip_range` that are not held, not buggy (with avoid), and not already
    walked in an earlier (overlapping) entry. Lazy: the caller stops after what it needs."""
    value = ip_range.first
    while value <= ip_range.last:
        done = next((r for r in seen if r.contains(ip_range.version, value)), None)
        if done is not None:
            value = done.last + 1
            continue
        i = bisect_left(held, (ip_range.version, value))
        if i < len(held) and held[i] == (ip_range.version, value):
            value += 1
            continue
        if avoid and is_buggy(ip_range.version, value):
            value += 1
            continue
        yield value
        value += 1


def merge(ranges: list[IPRange]) -> list[IPRange]:
    """Sorted, disjoint, non-adjacent intervals covering the same addresses."""
    out: list[IPRange] = []
    for r in sorted(ranges):
        if out and out[-1].version == r.version and r.first <= out[-1].last + 1:
            if r.last > out[-1].last:
                out[-1] = IPRange(r.version, out[-1].first, r.last)
        else:
            out.append(r)
    return out


def subtract(ranges: list[IPRange], points: list[tuple[int, int]]) -> list[IPRange]:
    """`ranges` (merged) without the addresses `points` (sorted (version, value) pairs)."""
    out: list[IPRange] = []
    for r in ranges:
        start = r.first
        i = bisect_left(points, (r.version, r.first))
        while i < len(points) and points[i][0] == r.version and points[i][1] <= r.last:
            if points[i][1] > start:
                out.append(IPRange(r.version, start, points[i][1] - 1))
            start = points[i][1] + 1
            i += 1
        if start <= r.last:
            out.append(IPRange(r.version, start, r.last))
    return out


def _trim_buggy(ranges: list[IPRange]) -> list[IPRange]:
    """Ranges without .0/.255 addresses at their ends (the ones inside are not cut out, to
    keep a large pool's free space short to print; counts always exclude them)."""
    out = []
    for r in ranges:
        first, last = r.first, r.last
        while first <= last and is_buggy(r.version, first):
            first += 1
        while last >= first and is_buggy(r.version, last):
            last -= 1
        if first <= last:
            out.append(IPRange(r.version, first, last))
    return out


def _count(ranges: list[IPRange], avoid: bool) -> dict[int, int]:
    table: dict[int, int] = {}
    for r in ranges:
        table[r.version] = table.get(r.version, 0) + r.size - (buggy_count(r) if avoid else 0)
    return table


def _rejected(request: ServiceRequest) -> bool:
    """Requests MetalLB refuses outright (ML405): they hold nothing and draw nothing."""
    if request.annotation_ips_key is not None and request.spec_ip is not None:
        return True
    ips = request.requested_ips
    if any(ip.parsed is None and not ip.unresolved for ip in ips) or len(ips) > 2:
        return True
    parsed = [ip.parsed for ip in ips if ip.parsed]
    return len(parsed) == 2 and parsed[0][0] == parsed[1][0]


def _sharing_key(request: ServiceRequest) -> str | None:
    note = request.sharing_key
    if note is None or note.value in (None, ""):
        return None
    return str(note.value)


def _families(request: ServiceRequest) -> tuple[int, ...]:
    """The families a Service takes an address of (facts §5.6), as ML206 counts them."""
    if request.ip_family_policy == "RequireDualStack":
        return (4, 6)
    return (6,) if request.ip_families[:1] == ["IPv6"] else (4,)


def _namespaces_only(pool: Pool) -> list[str] | None:
    """The `serviceAllocation.namespaces` of a pool steered by namespace names only."""
    allocation = pool.service_allocation or {}
    if allocation.get("namespaceSelectors") or allocation.get("serviceSelectors"):
        return None
    names = allocation.get("namespaces")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


class _Builder:
    def __init__(self, inventory: Inventory, ctx: Context) -> None:
        self.inv = inventory
        self.ctx = ctx
        self.pools = read_pools(ctx)
        self.held: dict[int, list[Holding]] = {id(p): [] for p in self.pools}
        self.draws: dict[int, list[Draw]] = {id(p): [] for p in self.pools}
        self.possible: dict[int, dict[int, int]] = {id(p): {} for p in self.pools}
        self.choices: dict[tuple[str, ...], list[Draw]] = {}
        self.outside: list[Holding] = []
        self.notes: list[str] = []

    def build(self) -> IPMap:
        requests = handled_requests(self.ctx)
        self._note_inputs(requests)
        requests = [r for r in requests if not _rejected(r)]
        explicit_keys = self._explicit(requests)
        self._automatic(requests, explicit_keys)
        maps = [self._pool_map(p) for p in self.pools]
        maps.sort(
            key=lambda m: (m.pool.resource.effective_namespace or "", m.name, m.pool.resource.path)
        )
        self.outside.sort(key=lambda h: (h.version, h.value, h.service.label))
        choices = [
            Choice(names, sorted(draws, key=lambda d: (d.family, d.service.label)))
            for names, draws in sorted(self.choices.items())
        ]
        return IPMap(self.inv.target, maps, self.outside, self.notes, choices)

    def _note_inputs(self, requests: list[ServiceRequest]) -> None:
        inv = self.inv
        if not self.pools:
            self.notes.append(
                "no IPAddressPool found: every requested address is listed as outside every pool"
            )
        elif not inv.pools_complete:
            self.notes.append(
                "some pools could not be read (templates or placeholders): "
                "addresses may be missing from the map"
            )
        unresolved = sum(1 for r in requests for ip in r.requested_ips if ip.unresolved)
        if unresolved:
            self.notes.append(
                f"{unresolved} requested address(es) hold placeholders and are not placed"
            )
        refused = sum(1 for r in requests if _rejected(r))
        if refused:
            self.notes.append(
                f"{refused} Service(s) request addresses MetalLB rejects (ML405) and are left out"
            )
        for request in requests:
            for note in request.ignored_annotations:
                if note.key.endswith("/loadBalancerIPs") and not request.requested_ips:
                    self.notes.append(
                        f"{ServiceRef.of(request, request.head).label} sets {note.key}, which "
                        f"MetalLB {inv.target.version} ignores: it takes an address "
                        "automatically"
                    )
        unread = {p.location.path for p in inv.problems if p.rule in ("ML001", "ML002")}
        if unread:
            files = len(unread)
            self.notes.append(
                f"{files} file(s) could not be read completely; 'metallb-lint check' shows why"
            )

    def _explicit(self, requests: list[ServiceRequest]) -> dict[str, set[int]]:
        """Place every explicitly requested address; return the pools of each sharing key."""
        index = pool_index(self.ctx)
        keys: dict[str, set[int]] = {}
        for request in requests:
            key = _sharing_key(request)
            for ip in request.requested_ips:
                if ip.parsed is None:
                    continue
                service = ServiceRef.of(request, ip.location)
                holders = {id(pool): pool for pool, _ in index.lookup(*ip.parsed)}
                if not holders:
                    self.outside.append(Holding(*ip.parsed, service, key))
                    continue
                for pool in holders.values():
                    refused = self._refusal(request, pool, ip.parsed)
                    self.held[id(pool)].append(Holding(*ip.parsed, service, key, refused))
                    if refused is None and key is not None:
                        keys.setdefault(key, set()).add(id(pool))
        return keys

    def _refusal(self, request: ServiceRequest, pool: Pool, ip: tuple[int, int]) -> str | None:
        """Why MetalLB refuses an address of this pool to this Service (facts §5.2)."""
        if pool.avoid_buggy_ips and is_buggy(*ip):
            return "ends in .0 or .255 and the pool sets avoidBuggyIPs"
        wanted = request.pool.value if request.pool is not None else None
        if isinstance(wanted, str) and wanted != pool.name:
            return f"the Service asks for pool '{wanted}'"
        allowed = _namespaces_only(pool)
        if allowed and request.namespace and request.namespace not in allowed:
            return "the pool's serviceAllocation does not include the Service's namespace"
        return None

    def _automatic(self, requests: list[ServiceRequest], explicit_keys: dict[str, set[int]]):
        """Services without an address take one from a pool (facts §5.3); one per sharing
        key, and none when the key is shared with an explicitly requested address."""
        by_name = pools_by_name(self.ctx)
        families = {id(p): set(_count(p.ranges, False)) for p in self.pools}
        groups: set[tuple[object, int]] = set()
        for request in sorted(requests, key=lambda r: (r.head.path, r.head.line)):
            if request.requested_ips:
                continue
            key = _sharing_key(request)
            if key is not None and key in explicit_keys:
                continue
            if request.pool is not None:
                candidates = list(by_name.get(str(request.pool.value), []))
                via = "address-pool annotation"
            else:
                candidates = self._auto_candidates(request)
                via = "autoAssign"
            for family in _families(request):
                eligible = [p for p in candidates if family in families[id(p)]]
                group = (("key", key) if key is not None else ("own", id(request)), family)
                if not eligible or group in groups:
                    continue
                groups.add(group)
                draw = Draw(ServiceRef.of(request, request.head), family, via)
                if len(eligible) == 1:
                    self.draws[id(eligible[0])].append(draw)
                    continue
                names = tuple(sorted({p.name for p in eligible}))
                self.choices.setdefault(names, []).append(draw)
                for pool in eligible:
                    counts = self.possible[id(pool)]
                    counts[family] = counts.get(family, 0) + 1

    def _auto_candidates(self, request: ServiceRequest) -> list[Pool]:
        """Pools a Service without a request may draw from: those whose serviceAllocation
        names its namespace (or, from 0.15, is empty) first, else the unsteered ones."""
        auto = [p for p in self.pools if p.auto_assign]
        pinned = []
        for pool in auto:
            if pool.service_allocation is None:
                continue
            names = _namespaces_only(pool)
            if names is None:
                continue  # label selectors: not modelled
            everyone = not names and self.inv.target.version >= EMPTY_ALLOCATION_MATCHES_ALL
            if everyone or request.namespace in names:
                pinned.append(pool)
        if pinned:
            return pinned
        return [p for p in auto if p.service_allocation is None]

    def _pool_map(self, pool: Pool) -> PoolMap:
        merged = merge(pool.ranges)
        held = sorted(self.held[id(pool)], key=lambda h: (h.version, h.value, h.service.label))
        points = sorted({(h.version, h.value) for h in held if h.refused is None})
        free_ranges = subtract(merged, points)
        free = sum(_count(free_ranges, pool.avoid_buggy_ips).values())
        if pool.avoid_buggy_ips:
            free_ranges = _trim_buggy(free_ranges)
        ads = []
        for ad in self.inv.advertisements:
            verdict = selects(ad, pool)
            if verdict is not False:
                ads.append((ad.resource.ref, verdict is True))
        ads.sort(key=lambda a: (a[0].kind, a[0].name or ""))
        draws = sorted(self.draws[id(pool)], key=lambda d: (d.family, d.service.label))
        return PoolMap(
            pool,
            [str(e.parsed.text) for e in pool.entries],
            _count(merged, False),
            _count(merged, pool.avoid_buggy_ips),
            ads,
            held,
            draws,
            free_ranges,
            free,
            [str(e.parsed.text) for e in pool.entries if e.parsed.unresolved],
            [str(e.parsed.text) for e in pool.entries if e.parsed.error],
            dict(sorted(self.possible[id(pool)].items())),
        )


def build_map(inventory: Inventory, ctx: Context) -> IPMap:
    return _Builder(inventory, ctx).build()
