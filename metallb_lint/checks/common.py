"""Derived facts several rules share, computed once per run and cached on the Context."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from metallb_lint.addresses import IntervalIndex
from metallb_lint.checks import Context
from metallb_lint.model import Advertisement, Pool, PoolEntry, ServiceRequest
from metallb_lint.selectors import any_matches
from metallb_lint.versions import v

T = TypeVar("T")


def cached(func: Callable[[Context], T]) -> Callable[[Context], T]:
    def wrapper(ctx: Context) -> T:
        key = func.__name__
        if key not in ctx.cache:
            ctx.cache[key] = func(ctx)
        return ctx.cache[key]

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


ADDRESS_POOL_REMOVED = v("0.14.0")


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
def pools_by_name(ctx: Context) -> dict[str, list[Pool]]:
    table: dict[str, list[Pool]] = {}
    for pool in read_pools(ctx):
        table.setdefault(pool.name, []).append(pool)
    return table


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


def same_object(a_kind: str, a_name: str | None, b_kind: str, b_name: str | None) -> bool:
    return a_kind == b_kind and a_name == b_name
