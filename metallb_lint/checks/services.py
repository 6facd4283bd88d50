"""ML4xx: what Services request from MetalLB (facts §5)."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.addresses import format_ip, is_buggy
from metallb_lint.checks import Context, rule
from metallb_lint.checks.common import handled_by_metallb, pool_index, pools_by_name
from metallb_lint.findings import Finding, Related
from metallb_lint.model import Pool, RequestedIP, ServiceRequest
from metallb_lint.service_requests import NEW_PREFIX, OLD_PREFIX
from metallb_lint.versions import METALLB_IO_ANNOTATIONS


def _pool_summary(pool: Pool) -> str:
    return f"pool '{pool.name}' is {pool.describe()}"


def _handled_ips(ctx: Context) -> Iterator[tuple[ServiceRequest, RequestedIP]]:
    """Every parsed IP that a Service handled by MetalLB requests."""
    for request in ctx.inventory.services:
        if handled_by_metallb(ctx, request) and _valid_request(request):
            for ip in request.requested_ips:
                if ip.parsed:
                    yield request, ip


def _valid_request(request: ServiceRequest) -> bool:
    """Requests MetalLB rejects outright (ML405) are not judged again by other rules."""
    return not (request.spec_ip and request.annotation_ips) and len(request.annotation_ips) <= 2


@rule("ML401")
def ip_not_in_any_pool(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not inv.pools or not inv.pools_complete:
        return  # pools managed elsewhere, or not all of them readable: nothing to compare with
    index = pool_index(ctx)
    for request, ip in _handled_ips(ctx):
        if index.lookup(*ip.parsed):
            continue
        near = index.nearest(*ip.parsed)
        related = [Related(entry.location, _pool_summary(pool)) for pool, entry in near[:3]]
        hint = ""
        if near:
            pool = near[0][0]
            hint = f"use an address of pool '{pool.name}' ({pool.describe()}), or "
        yield ctx.finding(
            "ML401",
            f"{request.label} requests {ip.text}, which is in no IPAddressPool: MetalLB leaves "
            f'it <pending> ("{ip.text} is not allowed in config"). To fix, {hint}add '
            f"{ip.text} to a pool",
            ip.location,
            resource=request.resource,
            related=related,
            anchor=f"ip:{ip.text}",
        )


@rule("ML402")
def ip_not_in_requested_pool(ctx: Context) -> Iterator[Finding]:
    index = pool_index(ctx)
    names = pools_by_name(ctx)
    for request, ip in _handled_ips(ctx):
        if request.pool is None or not isinstance(request.pool.value, str):
            continue
        wanted = names.get(request.pool.value)
        if not wanted:
            continue  # ML403
        holders = [pool for pool, _ in index.lookup(*ip.parsed)]
        if any(pool.name == request.pool.value for pool in holders):
            continue
        related = [Related(p.resource.name_location, _pool_summary(p)) for p in wanted[:1]]
        other = f" (it belongs to pool '{holders[0].name}')" if holders else ""
        yield ctx.finding(
            "ML402",
            f"{request.label} requests {ip.text} from pool '{request.pool.value}', but that "
            f'pool does not contain it{other}: MetalLB refuses the request ("not compatible '
            'with requested address pool") and the Service stays <pending>. Request an '
            "address of the pool, or drop the address-pool annotation",
            ip.location,
            resource=request.resource,
            related=[*related, Related(request.pool.location, "the pool is requested here")],
            anchor=f"ip:{ip.text}",
        )


@rule("ML403")
def unknown_pool(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not inv.pools or not inv.pools_complete:
        return
    names = pools_by_name(ctx)
    for request in inv.services:
        note = request.pool
        if note is None or not handled_by_metallb(ctx, request):
            continue
        if isinstance(note.value, str) and note.value in names:
            continue
        known = ", ".join(sorted(names)[:8])
        yield ctx.finding(
            "ML403",
            f"{request.label} asks for address pool '{note.value}', which does not exist: "
            f'MetalLB reports "unknown pool" and the Service stays <pending>. Known pools: '
            f"{known}",
            note.location,
            resource=request.resource,
            anchor=f"pool:{note.value}",
        )


def _sharing_problem(a: ServiceRequest, b: ServiceRequest) -> str | None:
    """Why MetalLB will not let `a` and `b` share an address (facts §5.5), or None."""
    key_a = a.sharing_key.value if a.sharing_key else None
    key_b = b.sharing_key.value if b.sharing_key else None
    if not key_a or not key_b:
        missing = [r.label for r, k in ((a, key_a), (b, key_b)) if not k]
        return (
            f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no "
            "allow-shared-ip annotation"
        )
    if key_a != key_b:
        return f"their allow-shared-ip keys differ ('{key_a}' and '{key_b}')"
    if a.ports is not None and b.ports is not None:
        clash = sorted(set(a.ports) & set(b.ports))
        if clash:
            ports = ", ".join(f"{proto}/{port}" for proto, port in clash)
            return f"both use {ports}"
    if a.external_traffic_policy != b.external_traffic_policy:
        return "one has externalTrafficPolicy Local and the other Cluster"
    if a.external_traffic_policy == "Local" and a.selector != b.selector:
        return "with externalTrafficPolicy Local their selectors must be identical, and differ"
    return None


def _variant(a: ServiceRequest, b: ServiceRequest) -> bool:
    """The same Service defined for another cluster or overlay, not a second Service."""
    return (
        a.resource.kind == b.resource.kind
        and a.resource.name == b.resource.name
        and (a.unit != b.unit)
    )


@rule("ML404")
def ip_conflict(ctx: Context) -> Iterator[Finding]:
    holders: dict[tuple[int, int], list[tuple[ServiceRequest, RequestedIP]]] = {}
    for request, ip in _handled_ips(ctx):
        holders.setdefault(ip.parsed, []).append((request, ip))
    for group in holders.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda item: (item[1].location.path, item[1].location.line))
        for i, (request, ip) in enumerate(group[1:], start=1):
            for other, other_ip in group[:i]:
                if other is request or _variant(other, request):
                    continue
                problem = _sharing_problem(other, request)
                if problem is None:
                    continue
                yield ctx.finding(
                    "ML404",
                    f"{request.label} requests {ip.text}, which {other.label} requests too, but "
                    f"they cannot share it: {problem}. MetalLB gives the address to one of them "
                    "and leaves the other <pending>. Use another address, or give both the same "
                    f"{_annotation(ctx, 'allow-shared-ip')} key with distinct ports",
                    ip.location,
                    resource=request.resource,
                    related=[Related(other_ip.location, f"{other.label} requests it here")],
                    anchor=f"ip:{ip.text}",
                )
                break


@rule("ML405")
def invalid_requested_ip(ctx: Context) -> Iterator[Finding]:
    for request in ctx.inventory.services:
        if not request.is_load_balancer:
            continue
        note = request.annotation_ips_key
        if request.spec_ip and note:
            yield ctx.finding(
                "ML405",
                f"{request.label} sets both spec.loadBalancerIP and {note.key}: MetalLB refuses "
                'it ("service can not have both") and leaves it <pending>. Keep only the '
                "annotation",
                note.location,
                resource=request.resource,
                related=[Related(request.spec_ip.location, "spec.loadBalancerIP is set here")],
                anchor="loadBalancerIPs",
            )
        for ip in [*request.annotation_ips, *([request.spec_ip] if request.spec_ip else [])]:
            if ip.parsed is None and not ip.unresolved:
                yield ctx.finding(
                    "ML405",
                    f"{request.label} requests '{ip.text}', which is not an IP address: MetalLB "
                    "rejects the request and the Service stays <pending>. Write a plain IPv4 "
                    "or IPv6 address (no prefix length)",
                    ip.location,
                    resource=request.resource,
                    anchor=f"ip:{ip.text}",
                )
        parsed = [ip for ip in request.annotation_ips if ip.parsed]
        if note and len(request.annotation_ips) > 2:
            yield ctx.finding(
                "ML405",
                f"{note.key} of {request.label} lists {len(request.annotation_ips)} addresses; "
                "MetalLB accepts one, or two of different IP families (dual stack)",
                note.location,
                resource=request.resource,
                anchor="loadBalancerIPs",
            )
        elif note and len(parsed) == 2 and parsed[0].parsed[0] == parsed[1].parsed[0]:
            yield ctx.finding(
                "ML405",
                f"{note.key} of {request.label} lists two IPv{parsed[0].parsed[0]} addresses; "
                "two addresses must be one IPv4 and one IPv6 (dual stack), so MetalLB rejects it",
                note.location,
                resource=request.resource,
                anchor="loadBalancerIPs",
            )


@rule("ML406")
def deprecated_loadbalancerip(ctx: Context) -> Iterator[Finding]:
    for request in ctx.inventory.services:
        if request.origin != "service" or not request.is_load_balancer or not request.spec_ip:
            continue
        yield ctx.finding(
            "ML406",
            f"{request.label} uses spec.loadBalancerIP, deprecated in Kubernetes since 1.24 "
            "and unable to carry a dual-stack pair. Use the annotation "
            f'{_ips_annotation(ctx)}: "{request.spec_ip.text}" instead',
            request.spec_ip.location,
            resource=request.resource,
            anchor="spec.loadBalancerIP",
        )


def _annotation(ctx: Context, suffix: str) -> str:
    """The annotation key the target release reads best (facts §5.1)."""
    if ctx.target.version >= METALLB_IO_ANNOTATIONS:
        return NEW_PREFIX + suffix
    return OLD_PREFIX + suffix


def _ips_annotation(ctx: Context) -> str:
    return _annotation(ctx, "loadBalancerIPs")


@rule("ML409")
def not_a_loadbalancer(ctx: Context) -> Iterator[Finding]:
    for request in ctx.inventory.services:
        if request.origin != "service" or request.is_load_balancer:
            continue
        settings = [(n.key, n.location) for n in request.metallb_annotations]
        if request.spec_ip:
            settings.append(("spec.loadBalancerIP", request.spec_ip.location))
        for what, location in settings:
            yield ctx.finding(
                "ML409",
                f"{request.label} is not of type LoadBalancer, so MetalLB ignores its {what}. "
                "Set spec.type: LoadBalancer, or remove the setting",
                location,
                resource=request.resource,
                anchor=what,
            )


@rule("ML410")
def loadbalancerclass_ignored(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    index = pool_index(ctx)
    wanted = ctx.target.load_balancer_class
    for request in inv.services:
        if not request.is_load_balancer or handled_by_metallb(ctx, request):
            continue
        in_pool = any(ip.parsed and index.lookup(*ip.parsed) for ip in request.requested_ips)
        if not (request.metallb_annotations or in_pool):
            continue  # meant for another load-balancer implementation
        where = request.class_location or request.head
        if request.load_balancer_class is None:
            problem = (
                f"sets no loadBalancerClass, but MetalLB is configured (chart value "
                f"loadBalancerClass) to handle only class '{wanted}'"
            )
            fix = f"Set spec.loadBalancerClass: {wanted}"
        else:
            handled = f"only class '{wanted}'" if wanted else "only Services without a class"
            problem = (
                f"sets loadBalancerClass '{request.load_balancer_class}', but MetalLB handles "
                f"{handled}"
            )
            fix = "Remove spec.loadBalancerClass, or align the chart value loadBalancerClass"
        yield ctx.finding(
            "ML410",
            f"{request.label} {problem}, so MetalLB ignores it despite its MetalLB settings. {fix}",
            where,
            resource=request.resource,
            anchor="loadBalancerClass",
        )


@rule("ML411")
def buggy_ip_requested(ctx: Context) -> Iterator[Finding]:
    index = pool_index(ctx)
    for request, ip in _handled_ips(ctx):
        version, value = ip.parsed
        if not is_buggy(version, value):
            continue
        for pool, _entry in index.lookup(version, value):
            if pool.avoid_buggy_ips:
                yield ctx.finding(
                    "ML411",
                    f"{request.label} requests {format_ip(version, value)}, but pool "
                    f"'{pool.name}' sets avoidBuggyIPs: true, which forbids addresses ending "
                    "in .0 or .255; MetalLB refuses the request and the Service stays <pending>. "
                    "Pick another address",
                    ip.location,
                    resource=request.resource,
                    related=[
                        Related(
                            pool.resource.location("spec", "avoidBuggyIPs"),
                            f"pool '{pool.name}' avoids buggy IPs",
                        )
                    ],
                    anchor=f"ip:{ip.text}",
                )
                break


@rule("ML412")
def external_ips_not_announced(ctx: Context) -> Iterator[Finding]:
    for request in ctx.inventory.services:
        if not handled_by_metallb(ctx, request):
            continue
        for text, location in request.external_ips:
            yield ctx.finding(
                "ML412",
                f"{request.label} lists {text} in spec.externalIPs: MetalLB never announces "
                "externalIPs, only the address it assigns, so nothing answers for it. Request "
                f"it with the {_ips_annotation(ctx)} annotation instead (it must be in a pool)",
                location,
                resource=request.resource,
                anchor=f"externalIPs:{text}",
            )


@rule("ML413")
def dedicated_pool_auto_assign(ctx: Context) -> Iterator[Finding]:
    pools = ctx.inventory.pools
    if len(pools) < 2:
        return
    for pool in pools:
        size = sum(r.size for r in pool.ranges)
        if not pool.auto_assign or not 0 < size <= 2 or pool.unresolved:
            continue
        yield ctx.finding(
            "ML413",
            f"pool '{pool.name}' holds only {size} address{'es' if size > 1 else ''}, as pools "
            "reserved for one Service do, but leaves autoAssign on: any Service that requests "
            "nothing may take it first. Set spec.autoAssign: false (explicit requests still "
            "work)",
            pool.resource.name_location,
            resource=pool.resource.ref,
            anchor="spec.autoAssign",
        )
