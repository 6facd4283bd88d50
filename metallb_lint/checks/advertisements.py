"""ML301-ML304, ML313: advertisements, the pools they select, and what MetalLB's parser
rejects in them (facts §3.1 rules 14-22)."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.checks.common import (
    ADDRESS_POOL_REMOVED,
    covered_pools,
    did_you_mean,
    families,
    integer,
    named,
    read_by_metallb,
    read_pools,
    reads_crds,
    renamed_pool_names,
    repeated,
    resource_of,
    same_namespace,
    selector_list_findings,
    well_formed,
)
from metallb_lint.checks.context import Context, rule
from metallb_lint.findings import Finding, Location, Related
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.selectors import any_matches, disjoint, same_selection
from metallb_lint.metallb.versions import v
from metallb_lint.model.objects import POOL_KINDS, Advertisement, Pool

MAX_RELATED = 10
LOCAL_PREF_CHECKED = v("0.13.10")  # cross-advertisement localPref validation arrived
AGGREGATION_PER_FAMILY = v("0.15.0")  # localPref: only the pool's families' lengths count
SERVICE_SELECTORS = v("0.16.0")
WIDTH = {4: ("aggregationLength", 32), 6: ("aggregationLengthV6", 128)}


@rule("ML301")
def unknown_pool_reference(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    inv = ctx.inventory
    pools = read_pools(ctx)
    if inv.incomplete_kinds & POOL_KINDS or not pools:
        return  # pools generated elsewhere, or not all readable: names are not all known
    if any(has_placeholder(p.name) for p in pools):
        return
    for ad in inv.advertisements:
        if ad.unresolved or not ad.pool_names:
            continue
        found = {name for name, _ in ad.pool_names if named(ad.resource, pools, name, resource_of)}
        for name, location in ad.pool_names:
            if name in found or name in renamed_pool_names(ctx):
                continue  # (a pool kustomize renamed: ML212)
            yield _unknown_pool(ctx, ad, name, location, found)


def _unknown_pool(
    ctx: Context, ad: Advertisement, name: str, location: Location, found: set[str]
) -> Finding:
    pools = read_pools(ctx)
    related: list[Related] = []
    hint = ""
    elsewhere = [p for p in pools if p.name == name]
    legacy = [p for p in ctx.inventory.pools if p.name == name and not read_by_metallb(ctx, p)]
    if elsewhere:
        pool = elsewhere[0]
        hint = (
            f" A pool '{name}' exists in namespace {pool.resource.effective_namespace}, but "
            "MetalLB reads only the pools of the advertisement's own namespace."
        )
        related.append(Related(pool.resource.name_location, f"pool '{name}' is here"))
    elif legacy:
        hint = (
            f" '{name}' is a legacy AddressPool, which MetalLB {ctx.target.version} no longer "
            f"reads (removed in {ADDRESS_POOL_REMOVED}); convert it to an IPAddressPool."
        )
        related.append(Related(legacy[0].resource.name_location, f"AddressPool '{name}'"))
    else:
        hint, related = did_you_mean(ad.resource, name, pools, "pool '{}' is here")
    if found or ad.pool_selectors:
        effect = f"so it does not announce any pool called '{name}'"
    else:
        effect = "and as it selects no other pool, it announces none at all"
    ns = ad.resource.effective_namespace
    where = f" in namespace {ns}" if ns else ""
    return ctx.finding(
        "ML301",
        f"{ad.label} lists pool '{name}' in ipAddressPools, but no IPAddressPool '{name}' "
        f"exists{where}: MetalLB silently ignores the name (no error, no event), {effect}; "
        f"Services on such a pool get an address nobody announces.{hint}",
        location,
        resource=ad.resource.ref,
        related=related,
        anchor=f"ipAddressPools:{name}",
    )


@rule("ML302")
def selector_matches_nothing(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    inv = ctx.inventory
    pools = read_pools(ctx)
    if inv.incomplete_kinds & POOL_KINDS or not pools:
        return
    for ad in inv.advertisements:
        if ad.unresolved or not ad.pool_selectors:
            continue
        candidates = [
            p
            for p in pools
            if same_namespace(ad.resource.effective_namespace, p.resource.effective_namespace)
        ]
        if not candidates or any(has_placeholder(repr(p.resource.labels)) for p in candidates):
            continue
        raw = ad.resource.get("spec", "ipAddressPoolSelectors")
        dead: list[int] = []
        for index, selector in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(selector, dict):
                continue
            verdicts = [any_matches([selector], p.resource.labels) for p in candidates]
            if not any(verdicts) and None not in verdicts:
                dead.append(index)
        live = len(ad.pool_selectors) - len(dead)
        for index in dead:
            yield _dead_selector(ctx, ad, index, candidates, nothing_else=not live)


def _dead_selector(
    ctx: Context, ad: Advertisement, index: int, pools: list[Pool], nothing_else: bool
) -> Finding:
    if nothing_else and not ad.pool_names:
        effect = (
            "so the advertisement announces no pool at all (MetalLB does not fall back to all "
            "pools, whatever the CRD's description says)"
        )
    else:
        effect = "so it adds nothing to what the advertisement announces"
    labelled = [p for p in pools if p.resource.labels]
    shown = "; ".join(
        f"'{p.name}': " + ", ".join(f"{k}={val}" for k, val in sorted(p.resource.labels.items()))
        for p in labelled[:3]
    )
    known = f" Pool labels: {shown}." if shown else " No pool in its namespace has labels."
    return ctx.finding(
        "ML302",
        f"ipAddressPoolSelectors[{index}] of {ad.label} matches no IPAddressPool in its "
        f"namespace, {effect}.{known} Fix the selector or label the pool",
        ad.resource.location("spec", "ipAddressPoolSelectors", index),
        resource=ad.resource.ref,
        related=[
            Related(p.resource.location("metadata", "labels", key=True), f"labels of '{p.name}'")
            for p in labelled[:3]
        ],
        anchor=f"ipAddressPoolSelectors[{index}]",
    )


def _bgp_ads(ctx: Context) -> list[Advertisement]:
    return [
        a
        for a in ctx.inventory.advertisements
        if a.resource.kind == "BGPAdvertisement" and well_formed(a.resource)
    ]


@rule("ML303")
def invalid_aggregation_length(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    version = ctx.target.version
    for ad in _bgp_ads(ctx):
        spec = ad.resource.mapping("spec")
        for family, (key, width) in WIDTH.items():
            length = integer(spec.get(key))
            if length is None or length < (1 if family == 4 else 0):
                continue  # not a length; below the CRD's minimum of 1 is ML101
            location = ad.resource.location("spec", key)
            if length > width:
                yield ctx.finding(
                    "ML303",
                    f"{key} {length} of {ad.label} is more than {width}, the length of an "
                    f'IPv{family} address: MetalLB rejects the configuration ("invalid '
                    f'aggregation length ... for IPv{family}") and keeps the last valid one. Use '
                    f"{width} to announce each address, or a shorter prefix that covers the pool",
                    location,
                    resource=ad.resource.ref,
                    anchor=key,
                )
                continue
            if version >= SERVICE_SELECTORS and ad.service_selectors and length != width:
                yield ctx.finding(
                    "ML303",
                    f"{ad.label} sets serviceSelectors and {key} {length}: they are mutually "
                    "exclusive (a route aggregating several Services cannot follow a per-Service "
                    "selection), so the API server and MetalLB reject it. Remove "
                    f"{key} or split the advertisement",
                    location,
                    resource=ad.resource.ref,
                    anchor=f"{key}:serviceSelectors",
                )
                continue
            offenders = [
                (pool, entry)
                for pool in covered_pools(ctx, ad)
                for entry in pool.entries
                if entry.parsed.range
                and entry.parsed.range.version == family
                and entry.parsed.prefixlen is not None
                and length < entry.parsed.prefixlen
            ]
            if not offenders:
                continue
            pool, entry = offenders[0]
            text = str(entry.parsed.text).strip()
            yield ctx.finding(
                "ML303",
                f"{key} {length} of {ad.label} is shorter than the /{entry.parsed.prefixlen} "
                f"of '{text}' in pool '{pool.name}' that it announces: a /{length} route would "
                "cover addresses outside the pool, so MetalLB rejects the configuration "
                f'("invalid aggregation length {length}: prefix {entry.parsed.prefixlen} in this '
                'pool is more specific than the aggregation length") and keeps the last valid '
                f"one. Use {key} {entry.parsed.prefixlen} or more ({width} announces each "
                "address), or widen the pool to a CIDR as long as the aggregate",
                location,
                resource=ad.resource.ref,
                related=[
                    Related(e.location, f"'{str(e.parsed.text).strip()}' of pool '{p.name}'")
                    for p, e in offenders[:MAX_RELATED]
                ],
                anchor=key,
            )


def _local_pref(ad: Advertisement) -> int | None:
    """The localPref (unset: 0); None when it is no uint32, which MetalLB cannot read."""
    value = ad.resource.get("spec", "localPref")
    if value is None:
        return 0
    number = integer(value)
    return number if number is not None and 0 <= number <= 0xFFFFFFFF else None


def _lengths(ad: Advertisement) -> tuple[int, int] | None:
    spec = ad.resource.mapping("spec")
    v4, v6 = spec.get("aggregationLength", 32), spec.get("aggregationLengthV6", 128)
    if integer(v4) is None or integer(v6) is None:
        return None
    return v4, v6


def _may_collide(ctx: Context, a: Advertisement, b: Advertisement, pool: Pool) -> bool:
    """MetalLB's check that two advertisements of a pool send the same kind of update to the
    same peer from the same node (BGPAdvertisementsHaveCompatibleLocalPref). False also when
    that cannot be known offline: nodes are unknown, so only selectors written alike (or
    none) count as the same nodes."""
    version = ctx.target.version
    if version >= SERVICE_SELECTORS and (a.service_selectors or b.service_selectors):
        return False  # checked per Service at runtime by the speaker
    lengths_a, lengths_b = _lengths(a), _lengths(b)
    if lengths_a is None or lengths_b is None:
        return False
    v4_differs, v6_differs = lengths_a[0] != lengths_b[0], lengths_a[1] != lengths_b[1]
    if v4_differs and v6_differs:
        return False
    if version >= AGGREGATION_PER_FAMILY:
        held = families(pool)
        if not held or (v4_differs and 6 not in held) or (v6_differs and 4 not in held):
            return False
    if a.peers and b.peers:
        names_a, names_b = {n for n, _ in a.peers}, {n for n, _ in b.peers}
        if any(has_placeholder(n) for n in names_a | names_b) or not names_a & names_b:
            return False
    if disjoint(a.node_selectors, b.node_selectors):
        return False
    return (
        not a.node_selectors
        or not b.node_selectors
        or same_selection(a.node_selectors, b.node_selectors)
    )


def _order(ad: Advertisement) -> tuple[str, int]:
    return ad.resource.path, ad.resource.head.line


def _pref_location(ad: Advertisement) -> Location:
    if "localPref" in ad.resource.mapping("spec"):
        return ad.resource.location("spec", "localPref")
    return ad.resource.name_location


@rule("ML304")
def localpref_conflict(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    if ctx.target.version < LOCAL_PREF_CHECKED:
        return
    ads = sorted((a for a in _bgp_ads(ctx) if _local_pref(a) is not None), key=_order)
    by_pool: dict[int, tuple[Pool, list[Advertisement]]] = {}
    for ad in ads:
        for pool in covered_pools(ctx, ad):
            by_pool.setdefault(id(pool), (pool, []))[1].append(ad)
    conflicts: dict[tuple[int, int], tuple[Advertisement, Advertisement, list[Pool]]] = {}
    for pool, group in by_pool.values():
        for j, later in enumerate(group):
            for earlier in group[:j]:
                if _local_pref(earlier) == _local_pref(later):
                    continue
                if not _may_collide(ctx, earlier, later, pool):
                    continue
                key = (id(earlier), id(later))
                conflicts.setdefault(key, (earlier, later, []))[2].append(pool)
    for earlier, later, pools in conflicts.values():
        names = ", ".join(f"'{p.name}'" for p in pools)
        first, second = _local_pref(earlier), _local_pref(later)
        yield ctx.finding(
            "ML304",
            f"{later.label} (localPref {second}) and {earlier.label} (localPref {first}) "
            f"both announce pool{'s' if len(pools) > 1 else ''} {names} with the same "
            "aggregation length to the same peers from the same nodes: one route carries one "
            'LOCAL_PREF, so MetalLB rejects the configuration ("invalid local preference '
            f"{second}: local preferernce {first} was already set for the same type of BGP "
            'update") and keeps the last valid one. Use one localPref, or separate the two by '
            "peers, nodeSelectors or aggregationLength",
            _pref_location(later),
            resource=later.resource.ref,
            related=[
                Related(_pref_location(earlier), f"{earlier.label} sets localPref {first}"),
                *(
                    Related(p.resource.name_location, f"pool '{p.name}'")
                    for p in pools[:MAX_RELATED]
                ),
            ],
            anchor=f"localPref:{earlier.resource.name}",
        )


ADVERTISEMENT_SELECTORS = ("ipAddressPoolSelectors", "nodeSelectors", "serviceSelectors")


@rule("ML313")
def invalid_advertisement(ctx: Context) -> Iterator[Finding]:
    """l2AdvertisementFromCR and bgpAdvertisementFromCR: names listed twice (validateDuplicate),
    selectors repeated or unreadable (validateLabelSelectorDuplicate, LabelSelectorAsSelector);
    the same checks at every release from 0.13.0. A community listed twice is ML305's."""
    if not reads_crds(ctx):
        return
    effect = (
        "MetalLB rejects the configuration and keeps the last valid one, so no change of that "
        "update takes effect"
    )
    version = ctx.target.version
    for ad in ctx.inventory.advertisements:
        res = ad.resource
        if not well_formed(res):
            continue
        lists = [("ipAddressPools", ad.pool_names or [])]
        if res.kind == "BGPAdvertisement":
            lists.append(("peers", ad.peers or []))
        for key, entries in lists:
            for name, where, first in repeated(entries):
                yield ctx.finding(
                    "ML313",
                    f"'{name}' is listed twice in {key} of {ad.label}: {effect} (\"duplicate "
                    f'definition of {key}"). Remove the copy',
                    where,
                    resource=res.ref,
                    related=[Related(first, "first listed here")],
                    anchor=f"{key}:{name}:twice",
                )
        for key in ADVERTISEMENT_SELECTORS:
            if key == "serviceSelectors" and version < SERVICE_SELECTORS:
                continue  # not a field before 0.16: pruned (ML102), never parsed
            yield from selector_list_findings(ctx, "ML313", res, ("spec", key), ad.label, effect)
