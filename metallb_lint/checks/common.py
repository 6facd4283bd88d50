"""Derived facts several rules share, computed once per run and cached on the Context."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from difflib import get_close_matches
from functools import wraps
from typing import NamedTuple, TypeVar

from metallb_lint.checks.context import Context
from metallb_lint.findings import Finding, Location, Related, Severity
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.addresses import IntervalIndex
from metallb_lint.metallb.selectors import NAMESPACE_NAME_LABEL, any_matches, list_problems, matches
from metallb_lint.metallb.selectors import keys as selector_keys
from metallb_lint.metallb.versions import v
from metallb_lint.model.announcers import Announcer, find_announcers
from metallb_lint.model.objects import (
    Advertisement,
    BFDProfile,
    BGPPeer,
    Community,
    Pool,
    PoolEntry,
    Resource,
    ServiceRequest,
)

T = TypeVar("T")
L = TypeVar("L")


def cached(func: Callable[[Context], T]) -> Callable[[Context], T]:
    """Compute `func(ctx)` once per run: the result is kept in ctx.cache under its name."""
    key = func.__name__

    @wraps(func)
    def wrapper(ctx: Context) -> T:
        try:
            return ctx.cache[key]
        except KeyError:
            value = ctx.cache[key] = func(ctx)
            return value

    return wrapper


ADDRESS_POOL_REMOVED = v("0.14.0")
FIRST_CRD_RELEASE = v("0.13.0")


def reads_crds(ctx: Context) -> bool:
    """Before 0.13 MetalLB reads a ConfigMap, not these resources (ML105/ML107 say so)."""
    return ctx.target.version >= FIRST_CRD_RELEASE


def installed_here(ctx: Context) -> bool:
    """The repository installs MetalLB itself (a chart, manifests or images of a known
    release): what MetalLB reads is then all in the repository, and a name it refers to that
    nothing here defines is missing, not defined elsewhere."""
    inv = ctx.inventory
    return bool(inv.install_sites or inv.release_sites) and not ctx.target.assumed


def held_back(
    ctx: Context, rule_id: str, kind: str, what: str, references: list[tuple[str, Location]]
) -> Iterator[Finding]:
    """The one info finding of a rule that does not judge `references` (names of `kind`
    objects) because MetalLB is not installed by the repository: they may be defined where
    it is."""
    if not references:
        return
    names = ", ".join(dict.fromkeys(f"'{name}'" for name, _ in references))
    finding = ctx.finding(
        rule_id,
        f"not checked: the repository holds no {kind}, so the {what} named here ({names}) "
        "may be defined where MetalLB is installed, and this repository does not install it "
        "(no chart, manifests or images of a known release). If they are defined nowhere, "
        "MetalLB rejects the whole configuration and keeps the last valid one",
        references[0][1],
        related=[Related(where, f"'{name}'") for name, where in references[1:11]],
        anchor="held-back",
    )
    finding.severity = Severity.INFO
    yield finding


def read_by_metallb(ctx: Context, pool: Pool) -> bool:
    """The legacy AddressPool kind is not read from 0.14 on (ML105 reports it)."""
    return pool.resource.kind != "AddressPool" or ctx.target.version < ADDRESS_POOL_REMOVED


@cached
def read_pools(ctx: Context) -> list[Pool]:
    """The pools the target release reads."""
    return [p for p in ctx.inventory.pools if read_by_metallb(ctx, p)]


@cached
def pool_index(ctx: Context) -> IntervalIndex[tuple[Pool, PoolEntry]]:
    """Every parsed pool entry, for 'which pool holds this IP' in O(log n)."""
    return IntervalIndex(
        (entry.parsed.range, (pool, entry))
        for pool in read_pools(ctx)
        for entry in pool.entries
        if entry.parsed.range
    )


@cached
def renamed_pool_names(ctx: Context) -> frozenset[str]:
    """Pool names as written that a kustomize namePrefix/nameSuffix changed: a reference to
    one is ML212's (which says why), not an unknown pool."""
    return frozenset(
        p.resource.written_name for p in ctx.inventory.pools if p.resource.written_name
    )


@cached
def pools_by_name(ctx: Context) -> dict[str, list[Pool]]:
    table: dict[str, list[Pool]] = {}
    for pool in read_pools(ctx):
        table.setdefault(pool.name, []).append(pool)
    return table


def well_formed(res: Resource) -> bool:
    """A spec that is a mapping (or absent): the API server refuses any other (ML101), so
    MetalLB never sees the resource and cross-resource rules leave it out."""
    return isinstance(res.body.get("spec", {}), dict)


def integer(value: object) -> int | None:
    """`value` when it is an integer as Kubernetes and Helm decode one (YAML's `true` is not)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def same_namespace(a: str | None, b: str | None) -> bool:
    """Unknown namespaces (left to kustomize, a chart or Argo CD) match anything."""
    return a is None or b is None or a == b


def selects(ad: Advertisement, pool: Pool) -> bool | None:
    """Does an advertisement announce a pool (facts §3.1 rules 14-15)? None: cannot tell."""
    if ad.unresolved:
        return None
    if not same_namespace(ad.resource.effective_namespace, pool.resource.effective_namespace):
        return False
    if ad.applies_to_all:
        return True
    if ad.pool_names and any(name == pool.name for name, _ in ad.pool_names):
        return True
    if ad.pool_selectors:
        return any_matches(ad.pool_selectors, pool.resource.labels)
    return False


@cached
def advertisements_complete(ctx: Context) -> bool:
    inv = ctx.inventory
    return not ({"L2Advertisement", "BGPAdvertisement"} & inv.incomplete_kinds)


def handled_by_metallb(ctx: Context, request: ServiceRequest) -> bool:
    """A LoadBalancer Service whose loadBalancerClass is MetalLB's (facts §5.4)."""
    if not request.is_load_balancer:
        return False
    wanted = ctx.target.load_balancer_class or None
    return (request.load_balancer_class or None) == wanted


@cached
def handled_requests(ctx: Context) -> list[ServiceRequest]:
    """The requests of every Service MetalLB handles, in inventory order."""
    return [request for request in ctx.inventory.services if handled_by_metallb(ctx, request)]


@cached
def external_ip_announcers(ctx: Context) -> list[Announcer]:
    """What else announces externalIPs (Calico, Cilium); read once, when first asked."""
    return find_announcers(ctx.inventory.resources, ctx.inventory.jinja)


def external_ip_announcer(ctx: Context, address: str) -> tuple[Announcer, bool] | None:
    """The announcer that covers `address` (True) or may (False: its range is unknown)."""
    maybe = None
    for announcer in external_ip_announcers(ctx):
        covered = announcer.covers(address)
        if covered:
            return announcer, True
        if covered is None and maybe is None:
            maybe = (announcer, False)
    return maybe


def repeated(entries: Iterable[tuple[object, L]]) -> Iterator[tuple[str, L, L]]:
    """(value, where repeated, where first written) for each string written again in one list,
    as MetalLB's validateDuplicate rejects it. Values holding placeholders are not compared."""
    first: dict[str, L] = {}
    for value, where in entries:
        if not isinstance(value, str) or has_placeholder(value):
            continue
        if value in first:
            yield value, where, first[value]
        else:
            first[value] = where


def selector_list_findings(
    ctx: Context,
    rule_id: str,
    res: Resource,
    path: tuple[str, ...],
    owner: str,
    effect: str,
    *,
    repeats: bool = True,
) -> Iterator[Finding]:
    """One finding per label selector of the list at `path` that MetalLB's parser rejects
    (list_problems): unreadable, or repeating values, expressions or an earlier selector."""
    key = path[-1]
    field = ".".join(path[1:]) if path[0] == "spec" else ".".join(path)
    for problem in list_problems(res.get(*path), repeats=repeats):
        location = res.location(*path, problem.index)
        anchor = f"{field}[{problem.index}]"
        if problem.first is None:
            yield ctx.finding(
                rule_id,
                f"{field}[{problem.index}] of {owner} is invalid: {problem.message}. {effect}",
                location,
                resource=res.ref,
                anchor=anchor,
            )
            continue
        yield ctx.finding(
            rule_id,
            f"{field}[{problem.index}] of {owner} repeats {key}[{problem.first}]: {effect} "
            f'("duplicate definition of {key}"). Remove the copy',
            location,
            resource=res.ref,
            related=[Related(res.location(*path, problem.first), "first written here")],
            anchor=anchor,
        )


def same_object(a_kind: str, a_name: str | None, b_kind: str, b_name: str | None) -> bool:
    return a_kind == b_kind and a_name == b_name


# -- scoping: which objects one MetalLB reads together ----------------------------------------

R = TypeVar("R")


def in_scope(origin: Resource, items: Iterable[R], resource_of: Callable[[R], Resource]) -> list[R]:
    """The objects MetalLB reads together with `origin`: those of its namespace (or of an
    unknown one). A repository may hold several clusters in one namespace name, so when some
    of them sit in origin's deployment unit (kustomization, chart or folder), only those."""
    found = [
        item
        for item in items
        if same_namespace(origin.effective_namespace, resource_of(item).effective_namespace)
    ]
    local = [item for item in found if resource_of(item).unit == origin.unit]
    return local or found


def named(
    origin: Resource, items: Iterable[R], name: str, resource_of: Callable[[R], Resource]
) -> list[R]:
    """The objects a reference by name from `origin` reaches (same-unit ones preferred: a
    name defined in several folders is one object per cluster or overlay)."""
    found = [
        item
        for item in items
        if resource_of(item).name == name
        and same_namespace(origin.effective_namespace, resource_of(item).effective_namespace)
    ]
    local = [item for item in found if resource_of(item).unit == origin.unit]
    return local or found


def covered_pools(ctx: Context, ad: Advertisement) -> list[Pool]:
    """The pools an advertisement certainly announces (facts §3.1 rules 14-15): by name, by
    label, or all of them when it names none and selects none."""
    if ad.unresolved or not well_formed(ad.resource):
        return []
    memo = ctx.cache.setdefault("covered_pools", {})
    assert isinstance(memo, dict)
    if id(ad) in memo:
        return memo[id(ad)]
    pools = [p for p in read_pools(ctx) if well_formed(p.resource)]
    chosen: dict[int, Pool] = {}
    for name, _ in ad.pool_names or ():
        for pool in named(ad.resource, pools, name, resource_of):
            chosen.setdefault(id(pool), pool)
    if ad.applies_to_all or ad.pool_selectors:
        for pool in in_scope(ad.resource, pools, resource_of):
            if ad.applies_to_all or any_matches(ad.pool_selectors or [], pool.resource.labels):
                chosen.setdefault(id(pool), pool)
    memo[id(ad)] = list(chosen.values())
    return memo[id(ad)]


def resource_of(item: Pool | Advertisement | BGPPeer | BFDProfile | Community) -> Resource:
    """The Kubernetes object behind a typed one (the key `in_scope` and `named` look at)."""
    return item.resource


def families(pool: Pool) -> set[int]:
    """The IP versions (4, 6) a pool holds addresses of."""
    return {r.version for r in pool.ranges}


# -- serviceAllocation (facts §3.1 rules 10-13, §5.3) ----------------------------------------

SERVICE_ALLOCATION = v("0.13.9")
ALLOCATION_MATCHES_ALL = v("0.15.0")  # a serviceAllocation with only `priority`


def service_allocation(ctx: Context, pool: Pool) -> dict | None:
    """The pool's serviceAllocation as the target reads it (the field arrived in 0.13.9)."""
    if ctx.target.version < SERVICE_ALLOCATION:
        return None
    return pool.service_allocation


def _listed(allocation: dict, key: str) -> list:
    value = allocation.get(key)
    return value if isinstance(value, list) else []


def allocation_is_open(allocation: dict) -> bool:
    """No namespaces and no selectors: only a priority, or nothing at all."""
    return not any(
        _listed(allocation, key) for key in ("namespaces", "namespaceSelectors", "serviceSelectors")
    )


@cached
def namespace_labels(ctx: Context) -> dict[str, dict]:
    """Labels of the Namespace objects the repository defines (merged across copies)."""
    table: dict[str, dict] = {}
    for res in ctx.inventory.of_kind("Namespace"):
        if res.api_version == "v1" and res.name:
            table.setdefault(res.name, {}).update(res.labels)
    return table


def namespace_selected(ctx: Context, selector: object, namespace: str) -> bool | None:
    """Does a namespaceSelector select `namespace`? Kubernetes labels every namespace with
    kubernetes.io/metadata.name; other labels are known only from a Namespace object."""
    known = namespace_labels(ctx).get(namespace)
    labels = {**(known or {}), NAMESPACE_NAME_LABEL: namespace}
    if known is None and not selector_keys(selector) <= {NAMESPACE_NAME_LABEL}:
        return None
    return matches(selector, labels)


@cached
def namespaces_in_use(ctx: Context) -> set[str]:
    """Namespaces that certainly exist: those of Services and of Namespace objects."""
    found = {r.namespace for r in ctx.inventory.services if r.namespace}
    return found | set(namespace_labels(ctx))


class AllocationVerdict(NamedTuple):
    """isPoolCompatibleWithService, per part: the namespace check (namespaces and
    namespaceSelectors) and the serviceSelectors check. None: cannot be known offline."""

    namespace_ok: bool | None
    labels_ok: bool | None
    namespaces: tuple[str, ...] = ()
    namespace_selectors: tuple[dict, ...] = ()
    service_selectors: tuple[dict, ...] = ()

    @property
    def admits(self) -> bool | None:
        if self.namespace_ok is False or self.labels_ok is False:
            return False
        return True if self.namespace_ok and self.labels_ok else None


def allocation_verdict(ctx: Context, pool: Pool, request: ServiceRequest) -> AllocationVerdict:
    allocation = service_allocation(ctx, pool)
    if allocation is None:
        return AllocationVerdict(True, True)
    if has_placeholder(repr(allocation)):
        return AllocationVerdict(None, None)
    names = tuple(n for n in _listed(allocation, "namespaces") if isinstance(n, str))
    ns_selectors = tuple(
        s for s in _listed(allocation, "namespaceSelectors") if isinstance(s, dict)
    )
    svc_selectors = tuple(s for s in _listed(allocation, "serviceSelectors") if isinstance(s, dict))
    ns_ok: bool | None = True
    if names or ns_selectors:
        namespace = request.namespace
        if namespace is None:
            ns_ok = None
        elif namespace not in names:
            verdicts = [namespace_selected(ctx, s, namespace) for s in ns_selectors]
            if any(verdicts):
                ns_ok = True
            elif None in verdicts:
                ns_ok = None
            elif names or any(
                namespace_selected(ctx, s, other)
                for s in ns_selectors
                for other in namespaces_in_use(ctx)
            ):
                ns_ok = False  # the allowed set is not empty, and it lacks this namespace
            else:
                ns_ok = None  # selectors that select no namespace at all restrict nothing
    svc_ok: bool | None = True
    if svc_selectors:
        svc_ok = None if request.labels is None else any_matches(svc_selectors, request.labels)
    return AllocationVerdict(ns_ok, svc_ok, names, ns_selectors, svc_selectors)


def allocation_admits(ctx: Context, pool: Pool, request: ServiceRequest) -> bool | None:
    """MetalLB's isPoolCompatibleWithService: may the Service take an address of the pool?
    None when it cannot be known (unknown namespace, labels or namespace labels)."""
    return allocation_verdict(ctx, pool, request).admits


def auto_assign_candidates(ctx: Context, request: ServiceRequest) -> list[Pool]:
    """Pools MetalLB may assign a Service an address from when it requests nothing (facts
    §5.3): auto-assign pools without serviceAllocation, and those whose serviceAllocation may
    admit it. Before 0.15 a serviceAllocation with only a priority admits nobody here."""
    found = []
    for pool in read_pools(ctx):
        if not pool.auto_assign:
            continue
        allocation = service_allocation(ctx, pool)
        if allocation is not None:
            if allocation_is_open(allocation) and ctx.target.version < ALLOCATION_MATCHES_ALL:
                continue
            if allocation_admits(ctx, pool, request) is False:
                continue
        found.append(pool)
    return found


def did_you_mean(
    origin: Resource, name: str, items: Iterable[Pool | BGPPeer | BFDProfile], label: str
) -> tuple[str, list[Related]]:
    """For a name `origin` refers to that none of `items` has: " Did you mean 'x'?" and where x
    is (`label` with x for `{}`), when an object in origin's scope has a close name; else ""."""
    scope = in_scope(origin, items, resource_of)
    close = closest_name(name, (item.name for item in scope))
    if not close:
        return "", []
    item = next(item for item in scope if item.name == close)
    return f" Did you mean '{close}'?", [Related(item.resource.name_location, label.format(close))]


def closest_name(name: str, names: Iterable[str]) -> str | None:
    """The known name `name` was probably meant to be: a close spelling, or one that the
    other merely adds a prefix or suffix to ('iot-pool' for 'iot')."""
    options = sorted(set(names))
    close = get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = name.lower()
    for option in options:
        short, long = sorted((option.lower(), lowered), key=len)
        if len(short) >= 3 and short != long and (long.startswith(short) or long.endswith(short)):
            return option
    return None
