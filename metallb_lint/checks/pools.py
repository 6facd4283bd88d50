"""ML2xx: address pools (facts §3.1 rules 2-9, 14-15)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from difflib import get_close_matches

from metallb_lint.checks.common import (
    ADDRESS_POOL_REMOVED,
    ALLOCATION_MATCHES_ALL,
    advertisements_complete,
    allocation_is_open,
    handled_requests,
    pool_index,
    pools_by_name,
    read_pools,
    repeated,
    same_namespace,
    selector_list_findings,
    selects,
    service_allocation,
)
from metallb_lint.checks.context import Context, rule
from metallb_lint.checks.fixing import replace_scalar
from metallb_lint.findings import UNSAFE, Finding, Fix, Location, Related
from metallb_lint.metallb.addresses import (
    IntervalIndex,
    IPRange,
    Overlap,
    buggy_count,
    find_overlaps,
    first_buggy,
    format_ip,
    is_buggy,
)
from metallb_lint.metallb.versions import v
from metallb_lint.model.objects import (
    POOL_KINDS,
    Advertisement,
    Pool,
    PoolEntry,
    Resource,
    ServiceRequest,
)

MAX_RELATED = 10
# duplicates in serviceAllocation (validateLabelSelectorDuplicate, namespaces) from 0.13.10
ALLOCATION_DUPLICATES_CHECKED = v("0.13.10")


def _kind_of_value(raw: object) -> str:
    if isinstance(raw, str):
        return "a single string"
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, bool):
        return "a boolean"
    if isinstance(raw, (int, float)):
        return "a number"
    return f"a {type(raw).__name__}"


@rule("ML201")
def invalid_address(ctx: Context) -> Iterator[Finding]:
    for pool in read_pools(ctx):
        raw = pool.resource.get("spec", "addresses")
        if raw is not None and not isinstance(raw, list):
            example = raw.split(",")[0].strip() if isinstance(raw, str) else ""
            example = example or "192.168.1.240/29"
            yield ctx.finding(
                "ML201",
                f"spec.addresses of pool '{pool.name}' is {_kind_of_value(raw)}, but the CRD "
                "declares a list of CIDRs or 'a-b' ranges: the API server rejects the pool and "
                f"MetalLB never sees it. Write it as a YAML list ('- {example}')",
                pool.resource.location("spec", "addresses"),
                resource=pool.resource.ref,
                anchor="spec.addresses",
            )
        for entry in pool.entries:
            if not entry.parsed.error:
                continue
            effect = (
                ""
                if entry.parsed.silent
                else ". MetalLB rejects the whole configuration and keeps running with the last "
                "valid one"
            )
            yield ctx.finding(
                "ML201",
                f"pool '{pool.name}': {entry.parsed.error}{effect}",
                entry.location,
                resource=pool.resource.ref,
                anchor=f"spec.addresses[{entry.index}]",
            )


@rule("ML202")
def host_bits_set(ctx: Context) -> Iterator[Finding]:
    for pool in read_pools(ctx):
        for entry in pool.entries:
            parsed = entry.parsed
            if not parsed.host_bits or parsed.range is None:
                continue
            text = str(parsed.text).strip()
            start = text.split("/", 1)[0]
            single = 32 if parsed.range.version == 4 else 128
            end = format_ip(parsed.range.version, parsed.range.last)
            yield ctx.finding(
                "ML202",
                f"'{text}' in pool '{pool.name}' has host bits set: MetalLB reads it as "
                f"{parsed.host_bits}, all {parsed.range.size:,} addresses of it. Write "
                f"'{parsed.host_bits}' if that is meant; for the addresses from {start} on write "
                f"'{start}-{end}', or '{start}/{single}' for that one address",
                entry.location,
                resource=pool.resource.ref,
                anchor=f"spec.addresses[{entry.index}]",
                fix=_single_address_fix(ctx, entry),
            )


def _single_address_fix(ctx: Context, entry: PoolEntry) -> Fix | None:
    """The one address the entry starts with (unsafe: a likely intent, since an address with
    its subnet's prefix length is usually an interface address copied as it is; the author may
    have meant the whole network or a range instead)."""
    parsed = entry.parsed
    assert parsed.range is not None
    start = str(parsed.text).strip().split("/", 1)[0]
    single = f"{start}/{32 if parsed.range.version == 4 else 128}"
    edit = replace_scalar(ctx, entry.location, str(parsed.text), single)
    if edit is None:
        return None
    return Fix(UNSAFE, f"write {single}, the one address it starts with", (edit,))


def _describe_entry(pool: Pool, entry: PoolEntry) -> str:
    return f"'{str(entry.parsed.text).strip()}' of pool '{pool.name}'"


def _order(item: tuple[Pool, PoolEntry]) -> tuple[str, int, int]:
    loc = item[1].location
    return (loc.path, loc.line, loc.column)


def _namespace_groups(pools: list[Pool]) -> list[list[Pool]]:
    """Pools one MetalLB could read together: it reads only its own namespace, and a pool
    whose namespace is left to kustomize, a chart or Argo CD may land in any of them."""
    known = sorted(
        {p.resource.effective_namespace for p in pools if p.resource.effective_namespace}
    )
    if not known:
        return [pools]
    return [
        [p for p in pools if p.resource.effective_namespace in (namespace, None)]
        for namespace in known
    ]


@rule("ML203")
def pool_overlap(ctx: Context) -> Iterator[Finding]:
    pools = read_pools(ctx)
    reported: dict[int, Overlap[tuple[Pool, PoolEntry]]] = {}

    def keep(overlap: Overlap[tuple[Pool, PoolEntry]]) -> None:
        first, second = sorted((overlap.first, overlap.second), key=_order)
        reported.setdefault(id(second[1]), Overlap(first, second, overlap.shared))

    # Entries of one pool (MetalLB compares every CIDR with all those before it) ...
    for pool in pools:
        for overlap in find_overlaps(
            (entry.parsed.range, (pool, entry)) for entry in pool.entries if entry.parsed.range
        ):
            keep(overlap)
    # ... and of different pools. Pools of one name are the same pool twice (ML210) or a
    # variant of it for another cluster or overlay, never two pools competing for addresses.
    for group in _namespace_groups(pools):
        items = [
            (entry.parsed.range, (pool, entry))
            for pool in group
            for entry in pool.entries
            if entry.parsed.range
        ]
        for overlap in find_overlaps(items, group=lambda item: item[0].name):
            keep(overlap)

    for overlap in sorted(reported.values(), key=lambda o: _order(o.second)):
        (pool_a, entry_a), (pool_b, entry_b) = overlap.first, overlap.second
        where = "of the same pool" if pool_a is pool_b else f"of pool '{pool_a.name}'"
        yield ctx.finding(
            "ML203",
            f"{_describe_entry(pool_b, entry_b)} overlaps '{str(entry_a.parsed.text).strip()}' "
            f'{where} (shared: {overlap.shared}). MetalLB rejects the configuration ("CIDR '
            '... overlaps with already defined CIDR") and keeps the last valid one, so no '
            "change of that update takes effect; give each address to exactly one pool",
            entry_b.location,
            resource=pool_b.resource.ref,
            related=[Related(entry_a.location, f"{_describe_entry(pool_a, entry_a)} is here")],
            anchor=f"spec.addresses[{entry_b.index}]",
        )


@rule("ML205")
def pool_not_advertised(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not advertisements_complete(ctx):
        return
    existing = {p.name for p in inv.pools}
    dangling = [
        (ad, name, loc)
        for ad in inv.advertisements
        for name, loc in ad.pool_names or ()
        if name not in existing
    ]
    for pool in inv.pools:
        if pool.resource.kind != "IPAddressPool" or not pool.entries:
            continue
        verdicts = [selects(ad, pool) for ad in inv.advertisements]
        if any(v is None or v for v in verdicts):
            continue
        yield ctx.finding(
            "ML205",
            f"no L2Advertisement or BGPAdvertisement selects pool '{pool.name}': MetalLB "
            "assigns its addresses to Services but never announces them, so they are "
            "unreachable. Add an L2Advertisement (or BGPAdvertisement) in the pool's namespace "
            f"with 'ipAddressPools: [{pool.name}]'",
            pool.resource.name_location,
            resource=pool.resource.ref,
            related=_near_misses(inv.advertisements, pool, dangling)[:MAX_RELATED],
        )


def _near_misses(
    ads: list[Advertisement], pool: Pool, dangling: list[tuple[Advertisement, str, Location]]
) -> list[Related]:
    """Advertisements that look meant for the pool: the reasons they do not select it."""
    related = []
    for ad in ads:
        label = f"{ad.resource.kind} '{ad.resource.name}'"
        for name, loc in ad.pool_names or ():
            if name == pool.name:
                related.append(
                    Related(
                        loc,
                        f"{label} names it, but in namespace {ad.resource.effective_namespace}",
                    )
                )
    close = set(get_close_matches(pool.name, sorted({n for _, n, _ in dangling}), 3, 0.6))
    for ad, name, loc in dangling:
        if name in close:
            label = f"{ad.resource.kind} '{ad.resource.name}'"
            related.append(Related(loc, f"{label} names '{name}', which is no pool"))
    labels = ", ".join(f"{k}={v}" for k, v in sorted(pool.resource.labels.items()))
    for ad in ads:
        if (
            labels
            and ad.pool_selectors
            and same_namespace(ad.resource.effective_namespace, pool.resource.effective_namespace)
        ):
            related.append(
                Related(
                    ad.resource.location("spec", "ipAddressPoolSelectors"),
                    f"{ad.resource.kind} '{ad.resource.name}' selects pools by label, and "
                    f"the pool's labels ({labels}) do not match",
                )
            )
    return related


FAMILY_NAMES = {4: "IPv4", 6: "IPv6"}


def _families(request: ServiceRequest) -> tuple[int, ...]:
    """The IP families a Service takes an address of (facts §5.6). PreferDualStack counts
    only its first family: MetalLB falls back to single stack when the other is short."""
    if request.ip_family_policy == "RequireDualStack":
        return (4, 6)
    return (6,) if request.ip_families[:1] == ["IPv6"] else (4,)


def _sharing_key(request: ServiceRequest) -> str | None:
    """Services with one sharing key may be put on one address (facts §5.5)."""
    if request.sharing_key is None or request.sharing_key.value in (None, ""):
        return None
    return str(request.sharing_key.value)


def _has_family(pool: Pool, family: int) -> bool:
    return any(r.version == family for r in pool.ranges)


@rule("ML206")
def pool_exhausted(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not inv.pools_complete or not inv.pools:
        return
    lookup = pool_index(ctx).lookup
    pools = read_pools(ctx)
    by_name = pools_by_name(ctx)

    # Explicit requests first: they take their address whatever the order, and a Service
    # with the same sharing key as one of them can always share its address.
    explicit: defaultdict[tuple[int, int], set[int]] = defaultdict(set)  # by (pool, family)
    explicit_keys: dict[str, set[int]] = {}
    unrequested: list[tuple[ServiceRequest, str | None]] = []  # with their sharing keys
    for request in handled_requests(ctx):
        ips = request.requested_ips
        key = _sharing_key(request)
        if not ips:
            unrequested.append((request, key))
        for ip in ips:
            if ip.unresolved:
                return  # an unknown request could be anywhere
            if not ip.parsed:
                continue
            family, value = ip.parsed
            for pool, _ in lookup(family, value):
                if pool.avoid_buggy_ips and is_buggy(family, value):
                    continue  # refused anyway ("not allowed in config", ML411)
                explicit[id(pool), family].add(value)
                if key is not None:
                    explicit_keys.setdefault(key, set()).add(id(pool))

    pinned: dict[tuple[int, int], dict[object, ServiceRequest]] = {}
    automatic: dict[int, dict[object, ServiceRequest]] = {}
    for request, key in unrequested:
        group = ("shared", key) if key is not None else ("own", id(request))
        if request.pool is not None:
            named = by_name.get(str(request.pool.value), [])
            if len(named) != 1:
                continue  # unknown (ML403) or one name in several overlays: cannot tell which
            pool = named[0]
            if key is not None and id(pool) in explicit_keys.get(key, ()):
                continue
            for family in _families(request):
                pinned.setdefault((id(pool), family), {})[group] = request
            continue
        if key is not None and key in explicit_keys:
            continue
        for family in _families(request):
            automatic.setdefault(family, {})[group] = request

    free: dict[tuple[int, int], int] = {}
    for pool in pools:
        for family in (4, 6):
            if not _has_family(pool, family):
                continue
            usable = pool.usable(family)
            used = len(explicit.get((id(pool), family), ()))
            wanted = list(pinned.get((id(pool), family), {}).values())
            free[(id(pool), family)] = max(usable - used - len(wanted), 0)
            if wanted and used + len(wanted) > usable:
                yield _exhausted(ctx, pool, family, usable, used, wanted)
    if any(p.service_allocation for p in pools):
        return  # serviceAllocation steers automatic assignment: not modelled here
    for family, groups in sorted(automatic.items()):
        auto_pools = [p for p in pools if p.auto_assign and _has_family(p, family)]
        if not groups or not auto_pools:
            continue  # no pool of that family at all is another problem (ML408)
        capacity = sum(free[(id(p), family)] for p in auto_pools)
        if len(groups) <= capacity:
            continue
        waiting = sorted(groups.values(), key=lambda r: (r.head.path, r.head.line))
        pool = min(auto_pools, key=lambda p: (p.resource.path, p.resource.head.line))
        names = ", ".join(f"'{p.name}'" for p in auto_pools)
        fam = FAMILY_NAMES[family]
        yield ctx.finding(
            "ML206",
            f"{_count(len(waiting), 'LoadBalancer Service')} "
            f"{'gets' if len(waiting) == 1 else 'get'} an {fam} address automatically, but "
            f"the auto-assign pools ({names}) have only "
            f"{_count(capacity, f'free usable {fam} address')} left after explicit requests "
            "and Services that name a pool; whichever come last stay <pending> "
            "(AllocationFailed: no available IPs). Grow the pools, let Services share an "
            "address with one allow-shared-ip key, or request addresses explicitly",
            pool.resource.location("spec", "addresses", key=True),
            resource=pool.resource.ref,
            related=_service_related(waiting, "takes an address automatically"),
            anchor=f"spec.addresses:auto:{fam}",
        )


def _exhausted(
    ctx: Context, pool: Pool, family: int, usable: int, used: int, wanted: list[ServiceRequest]
) -> Finding:
    fam = FAMILY_NAMES[family]
    return ctx.finding(
        "ML206",
        f"pool '{pool.name}' has {_count(usable, f'usable {fam} address')}, {used} requested "
        f"explicitly, and {_count(len(wanted), 'more Service')} "
        f"{'requests' if len(wanted) == 1 else 'request'} the pool by name (address-pool "
        "annotation); whichever come last stay <pending> (AllocationFailed: no available "
        "IPs). Grow the pool or move Services to another pool",
        pool.resource.location("spec", "addresses", key=True),
        resource=pool.resource.ref,
        related=_service_related(wanted, "draws from this pool"),
        anchor=f"spec.addresses:{fam}",
    )


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {noun}es" if noun.endswith("s") else f"{n:,} {noun}s"


def _service_related(requests: list[ServiceRequest], what: str) -> list[Related]:
    return [Related(r.head, f"{r.label} {what}") for r in requests[:MAX_RELATED]]


@rule("ML207")
def buggy_ips(ctx: Context) -> Iterator[Finding]:
    for pool in read_pools(ctx):
        if pool.avoid_buggy_ips:
            continue
        legacy = pool.resource.kind == "AddressPool"  # has no avoidBuggyIPs field
        fix = (
            "Leave those addresses out of the pool (or move to an IPAddressPool with "
            "avoidBuggyIPs: true)"
            if legacy
            else "Set spec.avoidBuggyIPs: true, or leave those addresses out of the pool"
        )
        for entry in pool.entries:
            ip_range = entry.parsed.range
            sample = first_buggy(ip_range) if ip_range else None
            if sample is None:
                continue
            count = buggy_count(ip_range)
            them = "it" if count == 1 else "them"
            yield ctx.finding(
                "ML207",
                f"'{str(entry.parsed.text).strip()}' in pool '{pool.name}' includes "
                f"{_count(count, 'address')} ending in .0 or .255 (first: "
                f"{format_ip(4, sample)}): without 'avoidBuggyIPs: true' MetalLB hands {them} "
                f"to Services, and some clients and routers drop traffic to {them}. {fix}",
                entry.location,
                resource=pool.resource.ref,
                anchor=f"spec.addresses[{entry.index}]",
            )


class _Coverage:
    """The configured node networks of one IP family, merged into disjoint sorted blocks."""

    def __init__(self, ranges: list[IPRange]) -> None:
        self.starts: list[int] = []
        self.lasts: list[int] = []
        for r in sorted(ranges, key=lambda r: r.first):
            if self.lasts and r.first <= self.lasts[-1] + 1:
                self.lasts[-1] = max(self.lasts[-1], r.last)
            else:
                self.starts.append(r.first)
                self.lasts.append(r.last)

    def covers(self, r: IPRange) -> bool:
        i = bisect_right(self.starts, r.first) - 1
        return i >= 0 and self.lasts[i] >= r.last

    def touches(self, r: IPRange) -> bool:
        i = bisect_right(self.starts, r.last) - 1
        return i >= 0 and self.lasts[i] >= r.first


@rule("ML208")
def pool_outside_network(ctx: Context) -> Iterator[Finding]:
    networks = ctx.config.networks
    if not networks:
        return
    coverage = {
        version: _Coverage([n.range for n in networks if n.range.version == version])
        for version in {n.range.version for n in networks}
    }
    l2_ads = [a for a in ctx.inventory.advertisements if a.resource.kind == "L2Advertisement"]
    listed = ", ".join(n.text for n in networks)
    for pool in read_pools(ctx):
        if not any(selects(ad, pool) for ad in l2_ads):
            continue
        for entry in pool.entries:
            ip_range = entry.parsed.range
            # Only families with configured networks are judged: an IPv6 entry says nothing
            # when only the IPv4 node subnets are known.
            cover = coverage.get(ip_range.version) if ip_range else None
            if ip_range is None or cover is None or cover.covers(ip_range):
                continue
            where, which = (
                ("reaches outside the node networks", "those outside them are")
                if cover.touches(ip_range)
                else ("lies outside every node network", "these addresses are")
            )
            yield ctx.finding(
                "ML208",
                f"'{str(entry.parsed.text).strip()}' of layer-2 pool '{pool.name}' {where} "
                f"({listed}): ARP/NDP announcements only reach hosts on the nodes' own subnet, "
                f"so {which} unreachable. Use addresses from the node subnet, or announce this "
                "pool with BGP",
                entry.location,
                resource=pool.resource.ref,
                related=[Related(n.location, f"node network {n.text}") for n in networks],
                anchor=f"spec.addresses[{entry.index}]",
            )


@rule("ML209")
def pool_overlaps_reserved(ctx: Context) -> Iterator[Finding]:
    reserved = ctx.config.reserved
    if not reserved:
        return
    index = IntervalIndex((r.range, r) for r in reserved)
    for pool in read_pools(ctx):
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
                    "them, and traffic reaches the wrong host. Shrink or move the pool, or shrink "
                    "the reserved range (e.g. the router's DHCP range)",
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
    # MetalLB 0.13 reads AddressPool and IPAddressPool as one set of pools (facts §3.1 rule 6).
    legacy_pools = ctx.target.version < ADDRESS_POOL_REMOVED
    seen: dict[tuple, object] = {}
    kustomized = {
        source.directory or "."
        for source in ctx.inventory.sources.values()
        if source.role == "kustomization"
    }
    candidates = [r for r in ctx.inventory.resources if _may_duplicate(r, kustomized)]
    for res in _in_file_order(candidates):
        kind = "pool" if legacy_pools and res.kind in POOL_KINDS else res.kind
        key = (res.group, kind, res.effective_namespace, res.name, res.unit)
        first = seen.setdefault(key, res)
        assert isinstance(first, Resource)
        if first is res or (first.doc is res.doc and first.base == res.base):
            continue  # one object as two overlays render it (`--render`), not two objects
        ns = f" in namespace {res.effective_namespace}" if res.effective_namespace else ""
        if first.kind != res.kind:
            message = (
                f"{res.kind} '{res.name}'{ns} has the name of {first.kind} '{first.name}': "
                "MetalLB reads both kinds as address pools and rejects the configuration with "
                '"duplicate definition of pool", keeping the last valid one. Rename one, or '
                "delete the legacy AddressPool"
            )
        else:
            message = (
                f"{res.kind} '{res.name}'{ns} is defined twice; whichever is applied last "
                "silently replaces the other (kustomize would refuse to build both). Rename "
                "one or delete the copy"
            )
        yield ctx.finding(
            "ML210",
            message,
            res.name_location,
            resource=res.ref,
            related=[Related(first.name_location, f"first {first.kind} '{res.name}' is here")],
        )


def _may_duplicate(res: Resource, kustomized: set[str]) -> bool:
    """A named MetalLB resource, or a Service of a folder kustomize builds: ML210 looks for a
    second definition of it. Two Services of one name in a plain folder may be alternatives
    (an example and its variant) applied one at a time."""
    if not res.name:
        return False
    if res.kind == "Service":
        return res.api_version == "v1" and res.unit in kustomized
    return res.kind in DUPLICATE_KINDS and res.group == "metallb.io"


def _in_file_order(resources: list[Resource]) -> list[Resource]:
    """Resources by file and line of their `kind:`. Documents are ordered by where they start;
    only resources sharing a document (List items, embedded objects) need their kind line."""
    documents: dict[tuple[str, int], list[Resource]] = {}
    for res in resources:
        doc = res.doc
        documents.setdefault((doc.path, doc.start_line), []).append(res)
    out: list[Resource] = []
    for start in sorted(documents):
        group = documents[start]
        out.extend(group if len(group) == 1 else sorted(group, key=lambda r: r.head.line))
    return out


@rule("ML211")
def invalid_service_allocation(ctx: Context) -> Iterator[Finding]:
    for pool in read_pools(ctx):
        allocation = service_allocation(ctx, pool)
        if allocation is None:
            continue
        res = pool.resource
        base = ("spec", "serviceAllocation")
        effect = (
            "MetalLB rejects the configuration and keeps the last valid one, so no change of "
            "that update takes effect"
        )
        version = ctx.target.version
        checked = version >= ALLOCATION_DUPLICATES_CHECKED
        names = allocation.get("namespaces")
        indexed = list(enumerate(names)) if isinstance(names, list) and checked else []
        for name, index, first in repeated((name, index) for index, name in indexed):
            yield ctx.finding(
                "ML211",
                f"namespace '{name}' is listed twice in serviceAllocation.namespaces of pool "
                f"'{pool.name}': {effect} (\"duplicate definition in namespaces field\"). "
                "Remove the copy",
                res.location(*base, "namespaces", index),
                resource=res.ref,
                related=[Related(res.location(*base, "namespaces", first), "first listed here")],
                anchor=f"serviceAllocation.namespaces[{index}]",
            )
        for key in ("namespaceSelectors", "serviceSelectors"):
            yield from selector_list_findings(
                ctx, "ML211", res, (*base, key), f"pool '{pool.name}'", effect, repeats=checked
            )
        if allocation_is_open(allocation) and pool.auto_assign and version < ALLOCATION_MATCHES_ALL:
            yield ctx.finding(
                "ML211",
                f"pool '{pool.name}' has a serviceAllocation without namespaces, "
                f"namespaceSelectors or serviceSelectors. MetalLB {version} leaves pools with a "
                "serviceAllocation out of automatic assignment unless it matches the Service, and "
                "this one matches none, so the pool is never auto-assigned; only Services that "
                "request one of its addresses or the pool by name get one (from "
                f"{ALLOCATION_MATCHES_ALL} such a serviceAllocation matches every Service). List "
                "the namespaces or selectors it is meant for, remove serviceAllocation, or "
                f"upgrade to {ALLOCATION_MATCHES_ALL} or later",
                res.location(*base, key=True),
                resource=res.ref,
                anchor="serviceAllocation",
            )
