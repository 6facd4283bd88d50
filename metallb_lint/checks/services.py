"""ML4xx: what Services request from MetalLB (facts §5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from difflib import get_close_matches

from metallb_lint.checks.common import (
    ALLOCATION_MATCHES_ALL,
    AllocationVerdict,
    allocation_is_open,
    allocation_verdict,
    auto_assign_candidates,
    cached,
    external_ip_announcer,
    families,
    handled_by_metallb,
    handled_requests,
    installed_here,
    pool_index,
    pools_by_name,
    read_pools,
    reads_crds,
    renamed_pool_names,
    service_allocation,
)
from metallb_lint.checks.context import Context, fixer, rule
from metallb_lint.checks.fixing import line_text, scalar_quote, written
from metallb_lint.checks.legacy import legacy_configs
from metallb_lint.findings import SAFE, Edit, Finding, Fix, Location, Related, Severity
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.addresses import IPRange, format_ip, is_buggy, parse_ip, parse_pool_entry
from metallb_lint.metallb.versions import METALLB_IO_ANNOTATIONS, Version
from metallb_lint.model.objects import (
    POOL_KINDS,
    Annotation,
    Pool,
    PoolEntry,
    RequestedIP,
    Resource,
    ServiceRequest,
)
from metallb_lint.model.service_requests import NEW_PREFIX, OLD_PREFIX

PREFER_DUAL_STACK_FROM = Version(0, 14, 9)  # facts §5.6: PreferDualStack handled from here


def _pool_summary(pool: Pool) -> str:
    return f"pool '{pool.name}' is {pool.describe()}"


Problem = tuple[str, Annotation | RequestedIP]  # what is wrong with a request, and where
Hits = tuple[tuple[Pool, PoolEntry], ...]  # the pool entries holding an address


@cached
def _triaged_requests(
    ctx: Context,
) -> tuple[list[ServiceRequest], list[tuple[ServiceRequest, Problem]]]:
    """The requests of Services handled by MetalLB, split into those the rules judge and those
    MetalLB rejects outright (ML405 reports them; other rules do not judge them again)."""
    judged: list[ServiceRequest] = []
    rejected: list[tuple[ServiceRequest, Problem]] = []
    for request in handled_requests(ctx):
        problem = _request_problem(request)
        if problem is None:
            judged.append(request)
        else:
            rejected.append((request, problem))
    return judged, rejected


def _judged_requests(ctx: Context) -> list[ServiceRequest]:
    """The requests MetalLB does not reject outright: what the rules other than ML405 judge."""
    return _triaged_requests(ctx)[0]


@cached
def _handled_ips(ctx: Context) -> list[tuple[ServiceRequest, RequestedIP, Hits]]:
    """Every parsed IP that a judged request asks for, with the pool entries holding it."""
    lookup = pool_index(ctx).lookup
    return [
        (request, ip, lookup(*ip.parsed))
        for request in _judged_requests(ctx)
        for ip in request.requested_ips
        if ip.parsed
    ]


def _request_problem(request: ServiceRequest) -> Problem | None:
    """Why MetalLB rejects the requested IPs (`getDesiredLbIPs`, facts §5.2), checked in
    MetalLB's order so that one request gets one finding: (problem, where), or None."""
    note = request.annotation_ips_key
    if note is not None and request.spec_ip is not None:
        return "both", note
    if note is not None:
        ips = request.annotation_ips
        if any(ip.parsed is None and not ip.unresolved for ip in ips):
            return "unparsable", note
        if len(ips) > 2:
            return "too-many", note
        parsed = [ip.parsed for ip in ips if ip.parsed]
        if len(parsed) == 2 and parsed[0][0] == parsed[1][0]:
            return "same-family", note
        return None
    spec_ip = request.spec_ip
    if spec_ip is not None and spec_ip.parsed is None and not spec_ip.unresolved:
        return "unparsable", spec_ip
    return None


def _pools_known(ctx: Context) -> bool:
    """Pools are defined here and all of them could be read: "in no pool" can be told."""
    inv = ctx.inventory
    return bool(inv.pools) and inv.pools_complete


def _in_no_pool(ctx: Context, hits: Hits) -> bool:
    """ML401 reports an IP that no pool holds: other rules about it would only repeat that."""
    return not hits and _pools_known(ctx)


@rule("ML401")
def ip_not_in_any_pool(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        yield from _outside_legacy_pools(ctx)
        return
    unread = _unread_pool_files(ctx)
    if _no_pool_at_all(ctx, unread):
        yield from _requests_without_pools(ctx)
        return
    if not _pools_known(ctx) and not (unread and ctx.inventory.pools_resolved):
        return  # pools managed elsewhere, or a placeholder in one: nothing to compare with
    index = pool_index(ctx)
    for request, ip, hits in _handled_ips(ctx):
        if hits:
            continue
        near = index.nearest(*ip.parsed)
        related = [Related(entry.location, _pool_summary(pool)) for pool, entry in near[:3]]
        hint = ""
        if near:
            pool = near[0][0]
            hint = f"use an address of pool '{pool.name}' ({pool.describe()}), or "
        finding = ctx.finding(
            "ML401",
            f"{request.label} requests {ip.text}, which is in no IPAddressPool: MetalLB leaves "
            f"it <pending> (AllocationFailed: {_go_list(request.requested_ips)} is not allowed "
            f"in config). To fix, {hint}add {ip.text} to a pool",
            ip.location,
            resource=request.resource,
            related=related,
            anchor=f"ip:{ip.text}",
        )
        yield _uncertain(finding, ip.text, unread) if unread else finding


def _outside_legacy_pools(ctx: Context) -> Iterator[Finding]:
    """Before 0.13 the pools are the legacy configuration's `address-pools`: an address in none
    of them is refused the same way. Any pool entry that is a placeholder or unreadable makes
    the pools unknown, and nothing is said."""
    pools: list[tuple[IPRange, str, Location]] = []
    for config in legacy_configs(ctx):
        if config.unknown:
            return
        for pool in config.pools:
            for text, where in pool.addresses:
                entry = parse_pool_entry(text)
                if entry.range is None:
                    return
                pools.append((entry.range, pool.name or "<unnamed>", where))
    if not pools:
        return  # no legacy configuration here: the pools are applied from elsewhere
    for request, ip, _ in _handled_ips(ctx):
        if any(r.contains(*ip.parsed) for r, _, _ in pools):
            continue
        _, name, where = min(pools, key=lambda p: _distance(p[0], *ip.parsed))
        yield ctx.finding(
            "ML401",
            f"{request.label} requests {ip.text}, which is in no address pool of the legacy "
            f"configuration MetalLB {ctx.target.version} reads: MetalLB leaves it <pending> "
            f"({ip.text} is not allowed in config). To fix, use an address of pool '{name}', or "
            f"add {ip.text} to a pool",
            ip.location,
            resource=request.resource,
            related=[Related(where, f"pool '{name}'")],
            anchor=f"ip:{ip.text}",
        )


def _distance(pool: IPRange, version: int, value: int) -> int:
    if pool.version != version:
        return 1 << 130
    return (
        0
        if pool.first <= value <= pool.last
        else min(abs(pool.first - value), abs(value - pool.last))
    )


def _no_pool_at_all(ctx: Context, unread: list[str]) -> bool:
    """The repository installs MetalLB of a known release that reads pools as resources, and
    the cluster receives no pool from it at all (none skipped, none unreadable, no legacy
    configuration: with one the release that runs may be older than the one pinned)."""
    inv = ctx.inventory
    return (
        installed_here(ctx)
        and reads_crds(ctx)
        and not inv.pools
        and not unread
        and not inv.incomplete_kinds & POOL_KINDS
        and not legacy_configs(ctx)
    )


def _requests_without_pools(ctx: Context) -> Iterator[Finding]:
    """Issue 16 item 9: each address a Service requests, as a warning, since the pools may be
    applied from somewhere the repository does not show."""
    install = next(iter(ctx.inventory.install_sites or ctx.inventory.release_sites))
    for request, ip, _ in _handled_ips(ctx):
        finding = ctx.finding(
            "ML401",
            f"{request.label} requests {ip.text}, but the repository installs MetalLB "
            f"{ctx.target.version} and gives it no IPAddressPool: MetalLB allocates no address "
            "until a pool holds it, and leaves the Service <pending>. Add a pool with "
            f"{ip.text}; if the pools are applied from elsewhere, this is uncertain",
            ip.location,
            resource=request.resource,
            related=[Related(install.version_location, "MetalLB is installed here")],
            anchor=f"ip:{ip.text}",
        )
        yield replace(finding, severity=Severity.WARNING)


def _unread_pool_files(ctx: Context) -> list[str]:
    """The files whose pools could not be read (bad YAML, not UTF-8, binary, a list)."""
    return sorted(
        path
        for path, source in ctx.inventory.sources.items()
        if source.incomplete_kinds & POOL_KINDS
    )


def _uncertain(finding: Finding, ip: str, unread: list[str]) -> Finding:
    """ML401 judged on the pools that could be read: a warning that names what is unknown
    (issue 21: a malformed pool file must not make the finding disappear silently)."""
    files = ", ".join(unread)
    message = (
        f"{finding.message}. Uncertain: {files} could not be read, and a pool in "
        f"{'it' if len(unread) == 1 else 'them'} may hold {ip}; fix "
        f"{'it' if len(unread) == 1 else 'them'} to know for sure"
    )
    related = (
        *finding.related,
        *(Related(Location(path), "pools here could not be read") for path in unread),
    )
    return replace(finding, message=message, severity=Severity.WARNING, related=related)


def _go_list(ips: list[RequestedIP]) -> str:
    """How MetalLB's `%q` prints a list of IPs in its events."""
    return "[" + " ".join(f'"{ip.text}"' for ip in ips) + "]"


@rule("ML402")
def ip_not_in_requested_pool(ctx: Context) -> Iterator[Finding]:
    names = pools_by_name(ctx)
    for request, ip, hits in _handled_ips(ctx):
        if request.pool is None or not isinstance(request.pool.value, str):
            continue
        wanted = names.get(request.pool.value)
        if not wanted or any(pool.unresolved for pool in wanted):
            continue  # ML403, or the pool's addresses are not known
        holders = [pool for pool, _ in hits]
        if any(pool.name == request.pool.value for pool in holders) or _in_no_pool(ctx, hits):
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
    if not inv.pools or inv.incomplete_kinds & POOL_KINDS:
        return  # pools managed elsewhere, or some could not be read: names are not all known
    names = pools_by_name(ctx)
    if any(has_placeholder(name) for name in names):
        return
    for request in handled_requests(ctx):
        note = request.pool
        if note is None:
            continue
        value = note.value
        if isinstance(value, str) and (value in names or has_placeholder(value)):
            continue
        if isinstance(value, str) and value in renamed_pool_names(ctx):
            continue  # renamed by kustomize: ML212
        hint = ""
        lowered = {name.lower(): name for name in sorted(names, reverse=True)}
        close = get_close_matches(str(value).lower(), list(lowered), n=1)
        if close:
            hint = f"Did you mean '{lowered[close[0]]}'? "
        known = ", ".join(sorted(names)[:8]) + (", ..." if len(names) > 8 else "")
        yield ctx.finding(
            "ML403",
            f"{request.label} asks for address pool '{value}', which does not exist: "
            f'MetalLB reports "unknown pool" and the Service stays <pending>. {hint}Known '
            f"pools: {known}",
            note.location,
            resource=request.resource,
            anchor=f"pool:{value}",
        )


def _backend_key(request: ServiceRequest) -> str | None:
    """MetalLB's `BackendKey`: "" with Cluster policy, else the selector as a label string.
    None: not known (chart values do not show the selector the chart renders)."""
    if request.external_traffic_policy != "Local":
        return ""
    if request.origin != "service":
        return None
    selector = request.selector or {}
    return ",".join(f"{key}={value}" for key, value in sorted(selector.items()))


def _sharing_problem(ctx: Context, a: ServiceRequest, b: ServiceRequest) -> tuple[str, str] | None:
    """Why MetalLB will not let `a` and `b` share an address, and the fix (facts §5.5)."""
    key = _annotation(ctx, "allow-shared-ip")
    key_a = a.sharing_key.value if a.sharing_key else None
    key_b = b.sharing_key.value if b.sharing_key else None
    if not key_a or not key_b:
        missing = [r.label for r, k in ((a, key_a), (b, key_b)) if not k]
        return (
            f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no "
            "allow-shared-ip annotation",
            f"To share it, give both the same {key} key (and distinct ports)",
        )
    if key_a != key_b:
        return (
            f"their allow-shared-ip keys differ ('{key_a}' and '{key_b}')",
            f"To share it, use one {key} value on both",
        )
    if a.ports is not None and b.ports is not None:
        clash = sorted(set(a.ports) & set(b.ports))
        if clash:
            ports = ", ".join(f"{proto}/{port}" for proto, port in clash)
            return (
                f"both use {ports}",
                "An address can carry each protocol and port only once: move one Service to "
                "another port",
            )
    backend_a, backend_b = _backend_key(a), _backend_key(b)
    if backend_a is None or backend_b is None:
        differ = a.external_traffic_policy != b.external_traffic_policy
    else:
        differ = backend_a != backend_b
    if differ:
        if a.external_traffic_policy != b.external_traffic_policy:
            return (
                "one has externalTrafficPolicy Local and the other Cluster",
                "To share it, use the same externalTrafficPolicy on both",
            )
        return (
            "with externalTrafficPolicy Local their selectors must be identical, and differ",
            "To share it, use externalTrafficPolicy Cluster on both, or the same selector",
        )
    return None


def _variant(a: ServiceRequest, b: ServiceRequest) -> bool:
    """The same Service defined for another cluster or overlay, not a second Service."""
    return (
        a.resource.kind == b.resource.kind
        and a.resource.name == b.resource.name
        and a.namespace == b.namespace
        and a.unit != b.unit
    )


@rule("ML404")
def ip_conflict(ctx: Context) -> Iterator[Finding]:
    holders: dict[tuple[int, int], list[tuple[ServiceRequest, RequestedIP]]] = {}
    for request, ip, hits in _handled_ips(ctx):
        if not _in_no_pool(ctx, hits):  # MetalLB refuses both anyway (ML401)
            holders.setdefault(ip.parsed, []).append((request, ip))
    reported: set[tuple[int, int]] = set()  # a dual-stack pair conflicts once, not per family
    for group in holders.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda item: (item[1].location.path, item[1].location.line))
        for i, (request, ip) in enumerate(group[1:], start=1):
            for other, other_ip in group[:i]:
                pair = (id(request), id(other))
                if other is request or _variant(other, request) or pair in reported:
                    continue
                found = _sharing_problem(ctx, other, request)
                if found is None:
                    continue
                problem, fix = found
                reported.add(pair)
                yield ctx.finding(
                    "ML404",
                    f"{request.label} requests {ip.text}, which {other.label} requests too, but "
                    f"they cannot share it: {problem}. MetalLB gives the address to whichever "
                    f"it handles first and leaves the other <pending>. {fix}; or request "
                    "another address",
                    ip.location,
                    resource=request.resource,
                    related=[Related(other_ip.location, f"{other.label} requests it here")],
                    anchor=f"ip:{ip.text}",
                )
                break


@rule("ML405")
def invalid_requested_ip(ctx: Context) -> Iterator[Finding]:
    for request, (problem, where) in _triaged_requests(ctx)[1]:
        note = request.annotation_ips_key
        field = note.key if note is not None else "spec.loadBalancerIP"
        related: list[Related] = []
        if problem == "both":
            assert request.spec_ip is not None and note is not None
            message = (
                f"{request.label} sets both spec.loadBalancerIP and {note.key}: MetalLB "
                'refuses it ("service can not have both") and leaves it <pending>. Keep only '
                "the annotation"
            )
            related.append(Related(request.spec_ip.location, "spec.loadBalancerIP is set here"))
        elif problem == "unparsable":
            candidates = request.annotation_ips if note is not None else [request.spec_ip]
            bad = [ip.text for ip in candidates if ip and ip.parsed is None and not ip.unresolved]
            shown = ", ".join(f"'{text}'" for text in bad)
            what = "is not an IP address" if len(bad) == 1 else "are not IP addresses"
            message = (
                f"{request.label} requests {shown} in {field}, which {what}: "
                f'MetalLB rejects the request ("invalid {field}") and the Service stays '
                "<pending>. Write plain IPv4 or IPv6 addresses (no prefix length, no port), "
                "separated by commas"
            )
        elif problem == "too-many":
            message = (
                f"{field} of {request.label} lists {len(request.annotation_ips)} addresses; "
                "MetalLB accepts one, or two of different IP families (dual stack), so it "
                "rejects the request and the Service stays <pending>"
            )
        else:
            family = request.annotation_ips[0].parsed[0] if request.annotation_ips[0].parsed else 4
            message = (
                f"{field} of {request.label} lists two IPv{family} addresses; two "
                "addresses must be one IPv4 and one IPv6 (dual stack), so MetalLB rejects the "
                'request ("same address family") and the Service stays <pending>. Request '
                "one address"
            )
        yield ctx.finding(
            "ML405",
            message,
            where.location,
            resource=request.resource,
            related=related,
            anchor="spec.loadBalancerIP" if note is None else "loadBalancerIPs",
        )


LOAD_BALANCER_IPS_ANNOTATION = Version(0, 12, 0)  # the loadBalancerIPs annotation (facts §1.3)


def _annotation(ctx: Context, suffix: str) -> str:
    """The annotation key the target release reads best (facts §5.1); the old prefix, which
    every release reads, when the release is only assumed."""
    if ctx.target.surely_at_least(METALLB_IO_ANNOTATIONS):
        return NEW_PREFIX + suffix
    return OLD_PREFIX + suffix


def _ips_annotation(ctx: Context) -> str:
    return _annotation(ctx, "loadBalancerIPs")


@rule("ML410")
def loadbalancerclass_ignored(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    index = pool_index(ctx)
    wanted = ctx.target.load_balancer_class
    for request in inv.services:
        if not request.is_load_balancer or handled_by_metallb(ctx, request):
            continue
        in_pool = [
            (ip, index.lookup(*ip.parsed)[0][0])
            for ip in request.requested_ips
            if ip.parsed and index.lookup(*ip.parsed)
        ]
        if not (request.metallb_annotations or in_pool):
            continue  # meant for another load-balancer implementation
        if request.metallb_annotations:
            keys = ", ".join(note.key for note in request.metallb_annotations[:3])
            intent = f"it carries MetalLB annotations ({keys})"
        else:
            ip, pool = in_pool[0]
            intent = f"it requests {ip.text}, inside MetalLB's pool '{pool.name}'"
        where = request.class_location or request.head
        if request.load_balancer_class is None:
            problem = (
                "sets no loadBalancerClass, but MetalLB is configured (chart value "
                f"loadBalancerClass) to handle only class '{wanted}'"
            )
            fix = f"Set spec.loadBalancerClass: {wanted}"
        else:
            handled = f"only class '{wanted}'" if wanted else "only Services without a class"
            problem = (
                f"sets loadBalancerClass '{request.load_balancer_class}', but MetalLB handles "
                f"{handled}"
            )
            if request.metallb_annotations:
                fix = (
                    "Remove spec.loadBalancerClass, or set the metallb chart value "
                    "loadBalancerClass to it"
                )
            else:
                fix = (
                    "If MetalLB should serve it, remove spec.loadBalancerClass; otherwise "
                    "request an address outside MetalLB's pools, which MetalLB may hand to "
                    "another Service"
                )
        yield ctx.finding(
            "ML410",
            f"{request.label} {problem}. MetalLB ignores it although {intent}, and it stays "
            f"<pending> unless another controller serves it. {fix}",
            where,
            resource=request.resource,
            related=[Related(p.resource.name_location, _pool_summary(p)) for _, p in in_pool[:1]],
            anchor="loadBalancerClass",
        )


@rule("ML411")
def buggy_ip_requested(ctx: Context) -> Iterator[Finding]:
    for request, ip, hits in _handled_ips(ctx):
        version, value = ip.parsed
        if not is_buggy(version, value):
            continue
        for pool, _entry in hits:
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
    for request in handled_requests(ctx):
        if not request.external_ips:
            continue
        # An externalIP that is also the requested address is announced all the same; one that
        # may be (both unresolved placeholders) is unknown, and not judged.
        requested = {ip.parsed for ip in request.requested_ips if ip.parsed}
        written = {ip.text.strip() for ip in request.requested_ips}
        unknown = any(has_placeholder(ip.text) for ip in request.requested_ips)
        for text, location in request.external_ips:
            if parse_ip(text.strip()) in requested or text.strip() in written:
                continue
            if unknown and has_placeholder(text):
                continue
            if external_ip_announcer(ctx, text):
                continue  # Calico or Cilium announces it (or may: ML004 says so)
            if requested:
                shown = ", ".join(ip.text for ip in request.requested_ips)
                fix = f"Remove it: MetalLB announces only the requested {shown}"
            elif ctx.target.version < LOAD_BALANCER_IPS_ANNOTATION:
                fix = (
                    f"Request it with spec.loadBalancerIP instead (MetalLB {ctx.target.version} "
                    "reads no loadBalancerIPs annotation; it must be in a pool)"
                )
            else:
                fix = (
                    f"Request it with the {_ips_annotation(ctx)} annotation instead (it must be "
                    "in a pool)"
                )
            yield ctx.finding(
                "ML412",
                f"{request.label} lists {text} in spec.externalIPs: MetalLB never announces "
                "externalIPs, only the address it assigns, so nothing answers for it unless "
                f"something outside Kubernetes routes it to the nodes. {fix}",
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
        if _steered(ctx, pool):
            continue  # only the Services its serviceAllocation selects draw from it
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


def _steered(ctx: Context, pool: Pool) -> bool:
    """A serviceAllocation that limits the pool to some namespaces or Services (before 0.15,
    one with only a priority keeps the pool out of automatic assignment altogether)."""
    allocation = service_allocation(ctx, pool)
    if allocation is None:
        return False
    if allocation_is_open(allocation):
        return ctx.target.version < ALLOCATION_MATCHES_ALL
    return True


def _selector_text(selector: dict) -> str:
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        if isinstance(expression, dict):
            values = ",".join(str(x) for x in expression.get("values") or [])
            suffix = f" ({values})" if values else ""
            parts.append(f"{expression.get('key')} {expression.get('operator')}{suffix}")
    return "{" + ", ".join(parts) + "}"


def _refusal(pool: Pool, request: ServiceRequest, verdict: AllocationVerdict) -> str:
    """Why a pool's serviceAllocation refuses a Service, in the Service's terms."""
    if verdict.namespace_ok is False:
        allowed = []
        if verdict.namespaces:
            allowed.append("namespaces " + ", ".join(verdict.namespaces))
        if verdict.namespace_selectors:
            shown = " or ".join(_selector_text(s) for s in verdict.namespace_selectors)
            allowed.append(f"namespaces labelled {shown}")
        return (
            f"pool '{pool.name}' is reserved by its serviceAllocation for "
            f"{' and '.join(allowed)}, and the Service is in namespace '{request.namespace}'"
        )
    labels = ", ".join(f"{k}={v}" for k, v in sorted((request.labels or {}).items())) or "none"
    shown = " or ".join(_selector_text(s) for s in verdict.service_selectors)
    return (
        f"pool '{pool.name}' is reserved by its serviceAllocation for Services labelled "
        f"{shown}, and the Service's labels ({labels}) match none"
    )


def _allocation_related(pool: Pool) -> Related:
    return Related(
        pool.resource.location("spec", "serviceAllocation", key=True),
        f"serviceAllocation of pool '{pool.name}'",
    )


@rule("ML407")
def pool_not_allowed(ctx: Context) -> Iterator[Finding]:
    if not any(service_allocation(ctx, pool) is not None for pool in read_pools(ctx)):
        return  # no pool is reserved for some Services (or the release has no such field)
    index = pool_index(ctx)
    names = pools_by_name(ctx)
    for request in _judged_requests(ctx):
        wanted = request.pool.value if request.pool is not None else None
        ips = [ip for ip in request.requested_ips if ip.parsed]
        for ip in ips:
            holders = [pool for pool, _ in index.lookup(*ip.parsed)]
            if isinstance(wanted, str) and not any(p.name == wanted for p in holders):
                continue  # not in the requested pool: ML402
            refused = _refusing(ctx, holders, request)
            if refused:
                pool, verdict = refused
                yield ctx.finding(
                    "ML407",
                    f"{request.label} requests {ip.text}, but {_refusal(pool, request, verdict)}: "
                    f'MetalLB refuses it ("pool {pool.name} not compatible for ip assignment") '
                    "and the Service stays <pending>. Request an address of a pool open to it, "
                    "or widen the pool's serviceAllocation",
                    ip.location,
                    resource=request.resource,
                    related=[_allocation_related(pool)],
                    anchor=f"ip:{ip.text}",
                )
                break
        if ips or not isinstance(wanted, str) or request.pool is None:
            continue
        refused = _refusing(ctx, names.get(wanted, []), request)
        if refused:
            pool, verdict = refused
            yield ctx.finding(
                "ML407",
                f"{request.label} asks for pool '{wanted}', but {_refusal(pool, request, verdict)}:"
                f' MetalLB refuses it ("pool {pool.name} not compatible for ip assignment") and '
                "the Service stays <pending>. Ask for a pool open to it, or widen the pool's "
                "serviceAllocation",
                request.pool.location,
                resource=request.resource,
                related=[_allocation_related(pool)],
                anchor=f"pool:{wanted}",
            )


def _refusing(
    ctx: Context, pools: list[Pool], request: ServiceRequest
) -> tuple[Pool, AllocationVerdict] | None:
    """The pool (of those that could serve the request) refusing it, when all of them do."""
    refusing = None
    for pool in pools:
        verdict = allocation_verdict(ctx, pool, request)
        if verdict.admits is not False:
            return None  # this one may take it
        if refusing is None:
            refusing = (pool, verdict)
    return refusing


FAMILIES = {"IPv4": 4, "IPv6": 6}


def _family_text(families: set[int]) -> str:
    return " and ".join(f"IPv{f}" for f in sorted(families))


@rule("ML408")
def ip_family_mismatch(ctx: Context) -> Iterator[Finding]:
    pools_known = _pools_known(ctx)
    for request in _judged_requests(ctx):
        ips = request.requested_ips
        if len(ips) < 2 and not (request.ip_family_policy or request.ip_families):
            continue  # one address at most, of the cluster's default family: nothing to match
        if ips:
            if any(ip.parsed is None for ip in ips):
                continue  # placeholders
            found = _requested_families(ctx, request)
        elif request.origin == "service" and pools_known:
            found = _assignable_families(ctx, request)
        else:
            continue
        if found is not None:
            yield found


def _policy(request: ServiceRequest) -> str | None:
    """The Service's ipFamilyPolicy (Kubernetes defaults it to SingleStack); None when the
    Service is only known from chart values, which may set it elsewhere."""
    if request.origin != "service":
        return None
    if request.ip_family_policy:
        return request.ip_family_policy
    if len(request.ip_families) == 2:
        return None  # Kubernetes 1.21-1.22 default it to RequireDualStack, 1.23+ refuse it
    return "SingleStack"


def _requested_families(ctx: Context, request: ServiceRequest) -> Finding | None:
    ips = request.requested_ips
    policy = _policy(request)
    refuse = (
        'MetalLB refuses it ("requested loadBalancer IP(s) ... does not match the ipFamily of '
        'the service") and the Service stays <pending>'
    )
    key = request.annotation_ips_key
    if policy == "SingleStack" and len(ips) == 2 and key is not None:
        return ctx.finding(
            "ML408",
            f"{request.label} requests an IPv4 and an IPv6 address, but it is single-stack "
            f"(ipFamilyPolicy {request.ip_family_policy or 'unset, so SingleStack'}): {refuse}. "
            "Set ipFamilyPolicy: RequireDualStack (on a dual-stack cluster), or request one "
            "address",
            key.location,
            resource=request.resource,
            anchor="loadBalancerIPs:family",
        )
    if policy == "RequireDualStack" and len(ips) == 1:
        ip = ips[0]
        how = (
            "spec.loadBalancerIP holds only one"
            if request.annotation_ips_key is None
            else "the annotation lists only one"
        )
        return ctx.finding(
            "ML408",
            f"{request.label} is dual-stack (ipFamilyPolicy RequireDualStack) and requests "
            f"only {ip.text}: {refuse}. Request one IPv4 and one IPv6 address, comma-separated, "
            f"in the {_ips_annotation(ctx)} annotation ({how})",
            ip.location,
            resource=request.resource,
            anchor=f"ip:{ip.text}:family",
        )
    if (
        policy == "PreferDualStack"
        and len(ips) == 1
        and len(set(request.ip_families) & set(FAMILIES)) == 2
        and ctx.target.version < PREFER_DUAL_STACK_FROM
        and not ctx.target.assumed
    ):
        ip = ips[0]
        return ctx.finding(
            "ML408",
            f"{request.label} prefers dual-stack (ipFamilyPolicy PreferDualStack, both "
            f"ipFamilies) and requests only {ip.text}: on a dual-stack cluster it gets two "
            f"clusterIPs, and MetalLB {ctx.target.version} takes the Service's family from "
            f"them, so {refuse}. MetalLB handles PreferDualStack from "
            f"{PREFER_DUAL_STACK_FROM}: upgrade, request one IPv4 and one IPv6 address, or set "
            "ipFamilyPolicy: SingleStack",
            ip.location,
            resource=request.resource,
            anchor=f"ip:{ip.text}:family",
        )
    declared = request.ip_families[:1]
    if policy == "SingleStack" and len(ips) == 1 and declared and declared[0] in FAMILIES:
        family = FAMILIES[declared[0]]
        ip = ips[0]
        if ip.parsed and ip.parsed[0] != family:
            return ctx.finding(
                "ML408",
                f"{request.label} is an {declared[0]} Service (ipFamilies: [{declared[0]}]) and "
                f"requests the IPv{ip.parsed[0]} address {ip.text}: {refuse}. Request an "
                f"{declared[0]} address, or change ipFamilies",
                ip.location,
                resource=request.resource,
                anchor=f"ip:{ip.text}:family",
            )
    if len(ips) == 2 and key is not None:
        return _split_pair(ctx, request)
    return None


def _split_pair(ctx: Context, request: ServiceRequest) -> Finding | None:
    """MetalLB takes a dual-stack pair from one pool (`poolFor`). An address in no pool is
    ML401's."""
    if not _pools_known(ctx):
        return None
    index = pool_index(ctx)
    first, second = (index.lookup(*ip.parsed) for ip in request.requested_ips if ip.parsed)
    if not first or not second:
        return None
    if {id(p) for p, _ in first} & {id(p) for p, _ in second}:
        return None
    ip_a, ip_b = request.requested_ips
    wanted = {ip.parsed[0] for ip in (ip_a, ip_b) if ip.parsed}
    key = request.annotation_ips_key
    assert key is not None
    return ctx.finding(
        "ML408",
        f"{request.label} requests {ip_a.text} (pool '{first[0][0].name}') and {ip_b.text} (pool "
        f"'{second[0][0].name}'), but MetalLB takes both addresses of a dual-stack Service from "
        f'one pool: it refuses the pair ("... is not allowed in config") and the Service stays '
        f"<pending>. Put both addresses in one pool that holds {_family_text(wanted)}",
        key.location,
        resource=request.resource,
        related=[
            Related(first[0][1].location, _pool_summary(first[0][0])),
            Related(second[0][1].location, _pool_summary(second[0][0])),
        ],
        anchor="loadBalancerIPs:pools",
    )


def _assignable_families(ctx: Context, request: ServiceRequest) -> Finding | None:
    """No requested IP: does some pool MetalLB may pick hold the families it needs?"""
    policy = _policy(request)
    declared = request.ip_families[:1]
    if policy == "RequireDualStack":
        needed = {4, 6}
    elif policy == "SingleStack" and declared and declared[0] in FAMILIES:
        needed = {FAMILIES[declared[0]]}
    else:
        return None  # the family follows the cluster's default: unknown here
    if request.pool is not None:
        wanted = request.pool.value
        candidates = pools_by_name(ctx).get(wanted, []) if isinstance(wanted, str) else []
        where = f"pool '{wanted}' (its address-pool annotation)"
    else:
        candidates = auto_assign_candidates(ctx, request)
        where = "the pools it may be assigned from (" + (
            ", ".join(f"'{p.name}'" for p in candidates[:5]) + ")"
        )
    if not candidates or any(p.unresolved for p in candidates):
        return None  # unknown pool (ML403), or no pool at all for it: not a family problem
    if any(needed <= families(p) for p in candidates):
        return None
    if needed == {4, 6}:
        problem = (
            f"is dual-stack (ipFamilyPolicy RequireDualStack), but no pool among "
            f"{where} holds both IPv4 and IPv6 addresses; MetalLB takes both addresses from one "
            "pool"
        )
        fix = "Add the missing family to one pool (a pool may list IPv4 and IPv6 ranges)"
    else:
        family = next(iter(needed))
        problem = (
            f"is an IPv{family} Service (ipFamilies: [IPv{family}]), but {where} hold no "
            f"IPv{family} addresses"
        )
        fix = f"Add IPv{family} addresses to a pool it may use"
    return ctx.finding(
        "ML408",
        f"{request.label} {problem}: MetalLB cannot assign it an address (AllocationFailed) "
        f"and it stays <pending>. {fix}",
        request.pool.location if request.pool is not None else request.head,
        resource=request.resource,
        related=[Related(p.resource.name_location, _pool_summary(p)) for p in candidates[:5]],
        anchor="ipFamilies",
    )


# -- ML406 fix (the rule itself is a declarative policy, rules/policies/) ----------------------

# `spec.loadBalancerIP: <value>` alone on its line, with an optional comment after it.
_SPEC_IP_LINE = re.compile(
    r"(?P<indent> *)loadBalancerIP: *(?P<value>[^#\s][^#]*?)(?P<comment> +#.*)?"
)
_BLOCK_KEY_LINE = re.compile(r" *[A-Za-z0-9_.\"'/-]+: *(#.*)?")


@cached
def _spec_ip_index(ctx: Context) -> tuple[dict[tuple, ServiceRequest], dict[tuple, Resource]]:
    """The Service requests and Service resources by where their `spec.loadBalancerIP` is
    (path, line, column), the first of each, once per run: looked up per ML406 finding, a scan
    of every Service each time made thousands of findings quadratic."""
    requests: dict[tuple, ServiceRequest] = {}
    for r in ctx.inventory.services:
        if r.origin == "service" and r.spec_ip is not None:
            requests.setdefault(r.spec_ip.location[:3], r)
    resources: dict[tuple, Resource] = {}
    for r in ctx.inventory.resources:
        spec = r.get("spec") if r.kind == "Service" else None
        if isinstance(spec, dict) and "loadBalancerIP" in spec:
            at = r.location("spec", "loadBalancerIP")
            if at.path == r.doc.path:
                resources.setdefault(at[:3], r)
    return requests, resources


@fixer("ML406")
def move_spec_ip(ctx: Context, finding: Finding) -> Fix | None:
    """`spec.loadBalancerIP` moved into the loadBalancerIPs annotation with the prefix the
    target release reads (the old prefix, read by every release since 0.12, when the release
    is only assumed): the same request to MetalLB, a safe fix. Only for a Service manifest
    written in block style, not patched, not templated, without the annotation already."""
    loc = finding.location
    requests, resources = _spec_ip_index(ctx)
    request = requests.get(loc[:3])
    target = ctx.target
    if request is None or request.annotation_ips_key is not None or request.spec_ip is None:
        return None
    if target.version < LOAD_BALANCER_IPS_ANNOTATION:
        return None
    resource = resources.get(loc[:3])
    source = ctx.inventory.sources.get(loc.path)
    written_ip = written(ctx, request.spec_ip.location)
    if resource is None or source is None or source.role == "template":
        return None
    text = source.text  # (read once: a released text is read again from disk)
    if text is None:
        return None
    if any(span.path == loc.path for span in ctx.inventory.superseded):
        return None  # an overlay patches objects of this file: fixed in the patch or not at all
    if scalar_quote(written_ip, request.spec_ip.text) is None:
        return None
    line = line_text(text, loc.line) or ""
    match = _SPEC_IP_LINE.fullmatch(line)
    if match is None or match.group("value").rstrip() != written_ip:
        return None
    new = not target.assumed and target.version >= METALLB_IO_ANNOTATIONS
    prefix = NEW_PREFIX if new else OLD_PREFIX
    key = f"{prefix}loadBalancerIPs"
    comment = match.group("comment") or ""
    insert = _annotation_insert(ctx, resource, text, f"{key}: {written_ip}{comment}")
    if insert is None:
        return None
    delete = Edit(Location(loc.path, loc.line, 1, loc.line, len(line) + 1), line + "\n", "")
    return Fix(SAFE, f"move the address to the {key} annotation", (insert, delete))


def _annotation_insert(ctx: Context, resource: Resource, text: str, entry: str) -> Edit | None:
    """The edit that adds `entry` to the Service's block-style `metadata.annotations`, creating
    that mapping after `metadata.name`/`namespace` when there is none."""
    metadata = resource.get("metadata")
    if not isinstance(metadata, dict):
        return None
    meta_key = resource.location("metadata", key=True)
    children = [k for k in metadata if isinstance(k, str)]
    if not children or not _block_key(text, meta_key.line):
        return None
    first = resource.location("metadata", children[0], key=True)
    if first.line <= meta_key.line:
        return None  # a flow mapping
    indent = first.column - 1
    path = meta_key.path
    annotations = metadata.get("annotations")
    if "annotations" in metadata:
        if not isinstance(annotations, dict) or not annotations:
            return None
        head = resource.location("metadata", "annotations", key=True)
        inner = resource.location("metadata", "annotations", next(iter(annotations)), key=True)
        if inner.line <= head.line or not _block_key(text, head.line):
            return None
        return Edit.insert(path, head.line + 1, 1, " " * (inner.column - 1) + entry + "\n")
    step = indent - (meta_key.column - 1)
    after = meta_key.line
    for name in ("name", "namespace"):
        if isinstance(metadata.get(name), str):
            where_ = resource.location("metadata", name)
            if where_.end_line == resource.location("metadata", name, key=True).line:
                after = max(after, where_.end_line)
    block = f"{' ' * indent}annotations:\n{' ' * (indent + step)}{entry}\n"
    return Edit.insert(path, after + 1, 1, block)


def _block_key(text: str, line: int) -> bool:
    """Whether line `line` holds a key that opens a block mapping (`metadata:` and nothing
    else but a comment)."""
    return _BLOCK_KEY_LINE.fullmatch(line_text(text, line) or "") is not None
