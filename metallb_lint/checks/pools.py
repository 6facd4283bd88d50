"""ML2xx: address pools (facts §3.1 rules 2-9, 14-15)."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.addresses import (
    IntervalIndex,
    IPRange,
    find_overlaps,
    first_buggy,
    format_ip,
)
from metallb_lint.checks import Context, rule
from metallb_lint.checks.common import (
    advertisements_complete,
    handled_by_metallb,
    pool_index,
    selects,
)
from metallb_lint.findings import Finding, Related
from metallb_lint.model import POOL_KINDS, Pool, PoolEntry, ServiceRequest

MAX_RELATED = 10


@rule("ML201")
def invalid_address(ctx: Context) -> Iterator[Finding]:
    for pool in ctx.inventory.pools:
        raw = pool.resource.get("spec", "addresses")
        if raw is not None and not isinstance(raw, list):
            yield ctx.finding(
                "ML201",
                f"spec.addresses of pool '{pool.name}' must be a list of CIDRs or 'a-b' ranges, "
                f"not {type(raw).__name__ if not isinstance(raw, str) else 'a single string'}; "
                "write it as a YAML list ('- 192.168.1.240/29')",
                pool.resource.location("spec", "addresses"),
                resource=pool.resource.ref,
                anchor="spec.addresses",
            )
        for entry in pool.entries:
            if entry.parsed.error:
                yield ctx.finding(
                    "ML201",
                    f"pool '{pool.name}': {entry.parsed.error}. MetalLB rejects the whole "
                    "configuration and keeps running with the last valid one",
                    entry.location,
                    resource=pool.resource.ref,
                    anchor=f"spec.addresses[{entry.index}]",
                )


@rule("ML202")
def host_bits_set(ctx: Context) -> Iterator[Finding]:
    for pool in ctx.inventory.pools:
        for entry in pool.entries:
            if entry.parsed.host_bits:
                text = str(entry.parsed.text).strip()
                yield ctx.finding(
                    "ML202",
                    f"'{text}' in pool '{pool.name}' has host bits set: MetalLB reads it as "
                    f"{entry.parsed.host_bits}, all {entry.parsed.range.size:,} addresses of it. "
                    f"Write '{entry.parsed.host_bits}' if that is meant, or a range or /32 for "
                    "the addresses you want",
                    entry.location,
                    resource=pool.resource.ref,
                    anchor=f"spec.addresses[{entry.index}]",
                )


def _describe_entry(pool: Pool, entry: PoolEntry) -> str:
    return f"'{str(entry.parsed.text).strip()}' of pool '{pool.name}'"


def _order(item: tuple[Pool, PoolEntry]) -> tuple[str, int, int]:
    loc = item[1].location
    return (loc.path, loc.line, loc.column)


@rule("ML203")
def pool_overlap(ctx: Context) -> Iterator[Finding]:
    items = [
        (entry.parsed.range, (pool, entry))
        for pool in ctx.inventory.pools
        for entry in pool.entries
        if entry.parsed.range
    ]
    for overlap in find_overlaps(items):
        first, second = sorted((overlap.first, overlap.second), key=_order)
        (pool_a, entry_a), (pool_b, entry_b) = first, second
        if pool_a is not pool_b and pool_a.name == pool_b.name:
            # Same name: the same pool twice (ML210) or a variant of it for another cluster or
            # overlay, not two pools competing for addresses.
            continue
        where = "of the same pool" if pool_a is pool_b else f"of pool '{pool_a.name}'"
        yield ctx.finding(
            "ML203",
            f"{_describe_entry(pool_b, entry_b)} overlaps '{str(entry_a.parsed.text).strip()}' "
            f"{where} (shared: {overlap.shared}). MetalLB rejects overlapping pools and keeps "
            "the last valid configuration, so neither change takes effect; give each address "
            "to exactly one pool",
            entry_b.location,
            resource=pool_b.resource.ref,
            related=[Related(entry_a.location, f"{_describe_entry(pool_a, entry_a)} is here")],
            anchor=f"spec.addresses[{entry_b.index}]",
        )


@rule("ML204")
def empty_pool(ctx: Context) -> Iterator[Finding]:
    for pool in ctx.inventory.pools:
        raw = pool.resource.get("spec", "addresses")
        if isinstance(raw, list) and raw:
            continue
        if raw is not None and not isinstance(raw, list):
            continue  # ML201 says what is wrong with it
        where = (
            pool.resource.location("spec", "addresses")
            if isinstance(raw, list)
            else pool.resource.name_location
        )
        yield ctx.finding(
            "ML204",
            f"pool '{pool.name}' has no addresses: MetalLB fails with \"pool has no prefixes "
            'defined" and keeps the last valid configuration. List at least one CIDR or '
            "'a-b' range under spec.addresses",
            where,
            resource=pool.resource.ref,
            anchor="spec.addresses",
        )


@rule("ML205")
def pool_not_advertised(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not advertisements_complete(ctx):
        return
    for pool in inv.pools:
        if pool.resource.kind != "IPAddressPool" or not pool.entries:
            continue
        verdicts = [selects(ad, pool) for ad in inv.advertisements]
        if any(v is None or v for v in verdicts):
            continue
        named = [
            (ad, loc)
            for ad in inv.advertisements
            for n, loc in ad.pool_names or ()
            if n == pool.name
        ]
        related = [
            Related(
                loc,
                f"{ad.resource.kind} '{ad.resource.name}' names it, but in namespace "
                f"{ad.resource.effective_namespace}",
            )
            for ad, loc in named
        ]
        yield ctx.finding(
            "ML205",
            f"no L2Advertisement or BGPAdvertisement selects pool '{pool.name}': MetalLB "
            "assigns its addresses to Services but never announces them, so they are "
            "unreachable. Add an L2Advertisement (or BGPAdvertisement) in the pool's namespace "
            f"with 'ipAddressPools: [{pool.name}]'",
            pool.resource.name_location,
            resource=pool.resource.ref,
            related=related,
        )


def _family(request: ServiceRequest) -> int:
    return 6 if request.ip_families[:1] == ["IPv6"] else 4


def _group_key(request: ServiceRequest) -> object:
    """Services with one sharing key may be put on one address; count them once."""
    if request.sharing_key and isinstance(request.sharing_key.value, str):
        return ("shared", request.sharing_key.value)
    return ("own", id(request))


@rule("ML206")
def pool_exhausted(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not inv.pools_complete or not inv.pools:
        return
    index = pool_index(ctx)
    explicit: dict[int, set[tuple[int, int]]] = {}
    pinned: dict[int, dict[object, ServiceRequest]] = {}
    automatic: dict[object, ServiceRequest] = {}
    by_name = {p.name: p for p in inv.pools}
    for request in inv.services:
        if not handled_by_metallb(ctx, request):
            continue
        ips = request.requested_ips
        if any(ip.unresolved for ip in ips):
            return  # an unknown request could be anywhere
        if ips:
            for ip in ips:
                if ip.parsed:
                    for pool, _ in index.lookup(*ip.parsed):
                        explicit.setdefault(id(pool), set()).add(ip.parsed)
            continue
        if request.pool is not None:
            pool = by_name.get(str(request.pool.value))
            if pool is not None:
                pinned.setdefault(id(pool), {})[_group_key(request)] = request
            continue
        automatic[_group_key(request)] = request

    free: dict[int, int] = {}
    for pool in inv.pools:
        used = len(explicit.get(id(pool), ()))
        wanted = list(pinned.get(id(pool), {}).values())
        usable = pool.usable(4) + pool.usable(6)
        free[id(pool)] = max(usable - used - len(wanted), 0)
        if wanted and used + len(wanted) > usable:
            yield _exhausted(ctx, pool, usable, used, wanted, "request it by name")
    if any(p.service_allocation for p in inv.pools):
        return  # serviceAllocation steers automatic assignment: not modelled here
    auto_pools = [p for p in inv.pools if p.auto_assign]
    if not automatic or not auto_pools:
        return
    capacity = sum(free[id(p)] for p in auto_pools)
    waiting = sorted(automatic.values(), key=lambda r: (r.head.path, r.head.line))
    if len(waiting) > capacity:
        pool = min(auto_pools, key=lambda p: (p.resource.path, p.resource.head.line))
        names = ", ".join(f"'{p.name}'" for p in auto_pools)
        yield ctx.finding(
            "ML206",
            f"{len(waiting)} LoadBalancer Services get an address automatically, but the "
            f"auto-assign pools ({names}) have only {capacity} free usable addresses left "
            "after explicit requests; the rest stay <pending> (AllocationFailed: no available "
            "IPs). Grow the pools or request addresses explicitly",
            pool.resource.location("spec", "addresses", key=True),
            resource=pool.resource.ref,
            related=_service_related(waiting[capacity:], "gets no address"),
            anchor="spec.addresses",
        )


def _exhausted(
    ctx: Context, pool: Pool, usable: int, used: int, wanted: list[ServiceRequest], how: str
) -> Finding:
    return ctx.finding(
        "ML206",
        f"pool '{pool.name}' has {usable} usable addresses, {used} requested explicitly, and "
        f"{len(wanted)} more Services {how}; the ones that do not fit stay <pending>. Grow the "
        "pool or move Services to another pool",
        pool.resource.location("spec", "addresses", key=True),
        resource=pool.resource.ref,
        related=_service_related(wanted, "draws from this pool"),
        anchor="spec.addresses",
    )


def _service_related(requests: list[ServiceRequest], what: str) -> list[Related]:
    return [Related(r.head, f"{r.label} {what}") for r in requests[:MAX_RELATED]]


@rule("ML207")
def buggy_ips(ctx: Context) -> Iterator[Finding]:
    for pool in ctx.inventory.pools:
        if pool.avoid_buggy_ips:
            continue
        for entry in pool.entries:
            ip_range = entry.parsed.range
            sample = first_buggy(ip_range) if ip_range else None
            if sample is None:
                continue
            yield ctx.finding(
                "ML207",
                f"'{str(entry.parsed.text).strip()}' in pool '{pool.name}' includes "
                f"{format_ip(4, sample)}: without 'avoidBuggyIPs: true' MetalLB hands out "
                "addresses ending in .0 and .255, which some clients and routers drop. Set "
                "spec.avoidBuggyIPs: true, or leave those addresses out of the pool",
                entry.location,
                resource=pool.resource.ref,
                anchor=f"spec.addresses[{entry.index}]",
            )


@rule("ML208")
def pool_outside_network(ctx: Context) -> Iterator[Finding]:
    networks = ctx.config.networks
    if not networks:
        return
    l2_ads = [a for a in ctx.inventory.advertisements if a.resource.kind == "L2Advertisement"]
    listed = ", ".join(n.text for n in networks)
    for pool in ctx.inventory.pools:
        if not any(selects(ad, pool) for ad in l2_ads):
            continue
        for entry in pool.entries:
            ip_range = entry.parsed.range
            if ip_range is None or any(_within(ip_range, n.range) for n in networks):
                continue
            yield ctx.finding(
                "ML208",
                f"'{str(entry.parsed.text).strip()}' of layer-2 pool '{pool.name}' lies outside "
                f"every node network ({listed}): ARP/NDP announcements only reach hosts on the "
                "nodes' own subnet, so these addresses are unreachable. Use addresses from the "
                "node subnet, or announce this pool with BGP",
                entry.location,
                resource=pool.resource.ref,
                related=[Related(n.location, f"node network {n.text}") for n in networks],
                anchor=f"spec.addresses[{entry.index}]",
            )


def _within(inner: IPRange, outer: IPRange) -> bool:
    return (
        inner.version == outer.version and outer.first <= inner.first and inner.last <= outer.last
    )


@rule("ML209")
def pool_overlaps_reserved(ctx: Context) -> Iterator[Finding]:
    reserved = ctx.config.reserved
    if not reserved:
        return
    index = IntervalIndex((r.range, r) for r in reserved)
    for pool in ctx.inventory.pools:
        for entry in pool.entries:
            if entry.parsed.range is None:
                continue
            for hit in index.overlapping(entry.parsed.range):
                shared = IPRange(
                    hit.range.version,
                    max(hit.range.first, entry.parsed.range.first),
                    min(hit.range.last, entry.parsed.range.last),
                )
                yield ctx.finding(
                    "ML209",
                    f"'{str(entry.parsed.text).strip()}' of pool '{pool.name}' overlaps the "
                    f"reserved range {hit.text} (shared: {shared}): MetalLB would hand those "
                    "addresses to Services while something else (DHCP, a gateway, a node) uses "
                    "them. Shrink the pool",
                    entry.location,
                    resource=pool.resource.ref,
                    related=[Related(hit.location, f"reserved range {hit.text}")],
                    anchor=f"spec.addresses[{entry.index}]:{hit.text}",
                )


DUPLICATE_KINDS = POOL_KINDS | {
    "L2Advertisement",
    "BGPAdvertisement",
    "BGPPeer",
    "BFDProfile",
    "Community",
}


@rule("ML210")
def duplicate_resource(ctx: Context) -> Iterator[Finding]:
    seen: dict[tuple, object] = {}
    for res in sorted(ctx.inventory.resources, key=lambda r: (r.path, r.head.line)):
        metallb = res.group == "metallb.io" and res.kind in DUPLICATE_KINDS
        if not (metallb or (res.kind == "Service" and res.api_version == "v1")) or not res.name:
            continue
        key = (res.group, res.kind, res.effective_namespace, res.name, res.unit)
        first = seen.setdefault(key, res)
        if first is res:
            continue
        ns = f" in namespace {res.effective_namespace}" if res.effective_namespace else ""
        yield ctx.finding(
            "ML210",
            f"{res.kind} '{res.name}'{ns} is defined twice; whichever is applied last silently "
            "replaces the other. Rename one or delete the copy",
            res.name_location,
            resource=res.ref,
            related=[Related(first.name_location, f"first {res.kind} '{res.name}' is here")],
        )
