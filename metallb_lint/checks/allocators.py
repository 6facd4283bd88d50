"""ML414: another load-balancer allocator the repository deploys beside MetalLB.

Cilium's LB IPAM assigns addresses to LoadBalancer Services as soon as a
`CiliumLoadBalancerIPPool` exists: every Service without a `loadBalancerClass` (or with
Cilium's own classes) that the pool's `serviceSelector` matches (no selector: every one).
MetalLB does the same for every Service without a class, unless it runs with its own
`loadBalancerClass`. When both can take a Service, both write its
`status.loadBalancer.ingress`, each overwriting the other, and the address that answers
changes with whichever wrote last. kube-vip's cloud provider (its ConfigMap `kubevip` with
`cidr-`/`range-` entries) is a cloud controller: it takes every Service without a class.

Judged only where the repository shows both going to one cluster: one of the clusters the
deployment model tells apart holds both, or one kustomization reaches both files. Nothing is
assumed about allocators the repository does not show, or about pools in files applied by
hand as alternatives.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from metallb_lint.checks.common import cached, read_pools
from metallb_lint.checks.context import Context, rule
from metallb_lint.findings import Finding, Related
from metallb_lint.gitops.fields import get, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.addresses import IPRange, parse_range_or_cidr
from metallb_lint.model.objects import Pool, Resource

CILIUM_POOL = "CiliumLoadBalancerIPPool"


def cilium_ranges(res: Resource) -> list[IPRange] | None:
    """The addresses of a Cilium pool (`blocks` of cidr or start/stop, or the older `cidrs`);
    None when one of them is unknown (a placeholder) or unreadable."""
    ranges: list[IPRange] = []
    for key in ("blocks", "cidrs"):
        entries = get(res.body, "spec", key)
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                return None
            cidr, start, stop = (
                text(entry.get("cidr")),
                text(entry.get("start")),
                text(entry.get("stop")),
            )
            written = cidr or (f"{start}-{stop or start}" if start else None)
            if not written or has_placeholder(written):
                return None
            parsed = parse_range_or_cidr(written)
            if parsed is None:
                return None
            ranges.append(parsed)
    return ranges


def _one_cluster(ctx: Context, a: str, b: str) -> bool:
    groups = _cluster_groups(ctx)
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


@cached
def _cluster_groups(ctx: Context) -> dict[str, frozenset[int]]:
    """For each file, the clusters the deployment model tells apart that hold it, or (without
    them) the kustomizations that reach it, by number: two files share one when they go to one
    cluster together."""
    deployment = ctx.inventory.deployment
    if deployment is None:
        return {}
    sets: list[frozenset[str]] = list(deployment.clusters)
    if not sets:
        sets = [
            deployment.reach(posixpath.dirname(source.display))
            for source in ctx.inventory.sources.values()
            if source.role == "kustomization"
        ]
    found: dict[str, set[int]] = {}
    for number, files in enumerate(sets):
        for path in files:
            found.setdefault(path, set()).add(number)
    return {path: frozenset(numbers) for path, numbers in found.items()}


def _overlap(ranges: list[IPRange], pool: Pool) -> IPRange | None:
    for mine in pool.ranges:
        for theirs in ranges:
            if (
                mine.version == theirs.version
                and mine.first <= theirs.last
                and theirs.first <= mine.last
            ):
                return mine
    return None


@dataclass(frozen=True)
class _Allocator:
    """Another allocator the repository deploys: what it is, where, its ranges (None: not all
    known), and whether a selector limits it to some Services."""

    label: str
    resource: Resource
    ranges: list[IPRange] | None
    selective: bool
    split_hint: str


def _allocators(ctx: Context) -> Iterator[_Allocator]:
    for res in ctx.inventory.of_kind(CILIUM_POOL):
        if res.group != "cilium.io" or get(res.body, "spec", "disabled") is True:
            continue
        yield _Allocator(
            f"{CILIUM_POOL} '{res.name or '<unnamed>'}' turns on Cilium's LB IPAM, which",
            res,
            cilium_ranges(res),
            bool(get(res.body, "spec", "serviceSelector")),
            "a serviceSelector on this pool, or Cilium's defaultLBServiceIPAM: none",
        )
    for res in ctx.inventory.of_kind("ConfigMap"):
        if res.name == KUBE_VIP_CONFIGMAP and res.api_version == "v1":
            ranges = kube_vip_ranges(res)
            if ranges != []:
                yield _Allocator(
                    f"ConfigMap '{KUBE_VIP_CONFIGMAP}' configures kube-vip's cloud provider, which",
                    res,
                    ranges,
                    False,
                    "a loadBalancerClass for kube-vip's Services",
                )


KUBE_VIP_CONFIGMAP = "kubevip"


def kube_vip_ranges(res: Resource) -> list[IPRange] | None:
    """The `cidr-<namespace>` and `range-<namespace>` entries of kube-vip's ConfigMap (comma
    lists); None when one is a placeholder or unreadable, [] when there are none."""
    ranges: list[IPRange] = []
    for key, value in res.mapping("data").items():
        if not str(key).startswith(("cidr-", "range-")):
            continue
        if not isinstance(value, str) or has_placeholder(value):
            return None
        for part in value.split(","):
            parsed = parse_range_or_cidr(part.strip())
            if parsed is None:
                return None
            ranges.append(parsed)
    return ranges


@rule("ML414")
def competing_allocator(ctx: Context) -> Iterator[Finding]:
    metallb_class = ctx.target.load_balancer_class
    pools = read_pools(ctx)
    if not pools:
        return
    for other in _allocators(ctx):
        res = other.resource
        beside = [p for p in pools if _one_cluster(ctx, res.path, p.resource.path)]
        if not beside:
            continue
        ranges = other.ranges
        shared = [(p, r) for p in beside if ranges and (r := _overlap(ranges, p)) is not None]
        related = [
            Related(p.resource.name_location, f"MetalLB pool '{p.name}'") for p in beside[:5]
        ]
        if not other.selective and not metallb_class:
            yield ctx.finding(
                "ML414",
                f"{other.label} assigns addresses to every LoadBalancer Service without a "
                f"loadBalancerClass, and MetalLB (pool '{beside[0].name}') takes the same "
                "Services: both write each Service's status.loadBalancer, overwriting each "
                "other, and the address that answers changes with whichever wrote last. Keep "
                "one allocator, or split them: a loadBalancerClass for MetalLB (the chart's "
                f"`loadBalancerClass`), {other.split_hint}",
                res.head,
                resource=res.ref,
                related=related,
            )
        elif shared:
            pool, mine = shared[0]
            yield ctx.finding(
                "ML414",
                f"{other.label} hands out addresses that MetalLB's pool '{pool.name}' holds too "
                f"({mine}): a Service of each may get the same address, and both answer for "
                "it. Give the two allocators ranges apart",
                res.head,
                resource=res.ref,
                related=[Related(pool.resource.name_location, f"MetalLB pool '{pool.name}'")],
            )
