"""What a Service asks MetalLB for: requested IPs, pool, sharing key, ports and backends.

Read from Service manifests and from the service blocks of chart values (any mapping with a
`loadBalancerIP` or MetalLB annotations), honouring which annotation prefixes the target
release reads (facts §5.1): `metallb.io/` only from 0.14.9, `metallb.universe.tf/` always,
and `metallb.io/` winning when both are present (even when its value is empty, as MetalLB's
`valueForAnnotation` does). An empty value is no request at all. Flux `${VAR}` placeholders
are resolved from the variables the inventory collected (`postBuild.substitute`); a value that
stays unresolved is marked so and never judged as an address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from metallb_lint.findings import Location
from metallb_lint.gitops.placeholders import has_placeholder, resolve_flux
from metallb_lint.load.documents import PathKey
from metallb_lint.metallb.addresses import parse_ip
from metallb_lint.metallb.versions import LOAD_BALANCER_IPS_ANNOTATION, METALLB_IO_ANNOTATIONS
from metallb_lint.model.objects import (
    Annotation,
    RequestedIP,
    Resource,
    ServiceRequest,
    ValuesSource,
)
from metallb_lint.model.target import Target

OLD_PREFIX = "metallb.universe.tf/"
NEW_PREFIX = "metallb.io/"
IPS, POOL, SHARING = "loadBalancerIPs", "address-pool", "allow-shared-ip"

Locator = Callable[..., Location]
Variables = Mapping[str, str]


def is_metallb_annotation(key: object) -> bool:
    return isinstance(key, str) and key.startswith((OLD_PREFIX, NEW_PREFIX))


def substitute(value: object, variables: Variables) -> object:
    """The value after Flux substitution; unchanged when a placeholder would be left in it."""
    if not isinstance(value, str) or not has_placeholder(value):
        return value
    resolved, missing = resolve_flux(value, variables)
    if missing or has_placeholder(resolved):
        return value
    return resolved


def _read_annotations(
    annotations: dict,
    locate: Locator | Resource,
    target: Target,
    request: ServiceRequest,
    variables: Variables,
) -> None:
    new_read = target.version >= METALLB_IO_ANNOTATIONS
    chosen: dict[str, Annotation] = {}
    found: list[Annotation] = []
    ignored: list[Annotation] = []
    for key, raw in annotations.items():
        if not is_metallb_annotation(key):
            continue
        note = Annotation(key, substitute(raw, variables), locate)
        found.append(note)
        new = key.startswith(NEW_PREFIX)
        if new and not new_read:
            ignored.append(note)
            continue
        if key == OLD_PREFIX + IPS and target.version < LOAD_BALANCER_IPS_ANNOTATION:
            ignored.append(note)  # read from 0.12.0 on
            continue
        suffix = key.partition("/")[2]
        if not new and suffix in chosen:
            continue  # metallb.io/ wins over metallb.universe.tf/ (facts §5.1)
        chosen[suffix] = note
    if found:  # (else the request keeps its shared empty defaults)
        request.metallb_annotations = (*request.metallb_annotations, *found)
    if ignored:
        request.ignored_annotations = (*request.ignored_annotations, *ignored)
    # MetalLB reads an empty (or, in YAML, null) value as "no request" (`valueForAnnotation`).
    ips = chosen.get(IPS)
    if ips is not None and not _empty(ips.value):
        request.annotation_ips_key = ips
        request.annotation_ips = _split_ips(ips)
    pool = chosen.get(POOL)
    request.pool = pool if pool is not None and not _empty(pool.value) else None
    sharing = chosen.get(SHARING)
    request.sharing_key = sharing if sharing is not None and not _empty(sharing.value) else None


def _empty(value: object) -> bool:
    return value is None or value == ""


def _parse(text: str) -> tuple[int, int] | None:
    """An address as MetalLB (Go's net.ParseIP) reads it: IPv4-mapped IPv6 is IPv4."""
    parsed = parse_ip(text)
    if parsed and parsed[0] == 6 and parsed[1] >> 32 == 0xFFFF:
        return 4, parsed[1] & 0xFFFFFFFF
    return parsed


def _split_ips(note: Annotation) -> list[RequestedIP]:
    value = note.value
    where = note  # (its `location`)
    if not isinstance(value, str):
        return [RequestedIP(str(value), where, None)]
    out = []
    for item in value.split(","):
        text = item.strip()
        unresolved = has_placeholder(text)
        out.append(RequestedIP(text, where, None if unresolved else _parse(text), unresolved))
    return out


def _requested(
    value: object, where: Callable[[], Location] | Annotation, variables: Variables
) -> RequestedIP | None:
    value = substitute(value, variables)
    if value is None or value == "":
        return None
    text = str(value).strip()
    unresolved = has_placeholder(text)
    return RequestedIP(text, where, None if unresolved else _parse(text), unresolved)


def requests_from_service(
    res: Resource, target: Target, variables: Variables | None = None
) -> list[ServiceRequest]:
    variables = variables or {}
    body = res.body
    spec = body.get("spec")
    if not isinstance(spec, dict):
        spec = {}
    lb_class = spec.get("loadBalancerClass")
    request = ServiceRequest(
        res.ref,
        "service",
        res,  # (its `name_location`)
        res.effective_namespace,
        spec.get("type") == "LoadBalancer",  # (a type that is not a string is ClusterIP)
        lb_class if isinstance(lb_class, str) else None,
        res.location("spec", "loadBalancerClass") if lb_class is not None else None,
        unit=res.unit,
    )
    spec_ip = spec.get("loadBalancerIP")
    if spec_ip is not None and spec_ip != "":  # (most Services have none: no location needed)
        request.spec_ip = _requested(
            spec_ip, lambda: res.location("spec", "loadBalancerIP"), variables
        )
    metadata = body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if isinstance(annotations, dict):
        _read_annotations(annotations, res, target, request, variables)
    request.ports = _ports(spec.get("ports"))
    policy = spec.get("externalTrafficPolicy")
    request.external_traffic_policy = "Local" if policy == "Local" else "Cluster"
    selector = spec.get("selector")
    request.selector = selector if isinstance(selector, dict) else None
    families = spec.get("ipFamilies")
    if isinstance(families, list):
        request.ip_families = [f for f in families if isinstance(f, str)]
    family_policy = spec.get("ipFamilyPolicy")
    if isinstance(family_policy, str):
        request.ip_family_policy = family_policy
    external = spec.get("externalIPs")
    if isinstance(external, list):
        request.external_ips = [
            (str(substitute(ip, variables)), res.location("spec", "externalIPs", i))
            for i, ip in enumerate(external)
        ]
    return [request]


def _parent(data: dict, path: PathKey) -> dict:
    node: object = data
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None  # type: ignore[assignment]
    return node if isinstance(node, dict) else {}


def _ports(ports: object) -> tuple[tuple[str, int], ...]:
    """(protocol, port) of each port entry that has a port number."""
    out: list[tuple[str, int]] = []
    if isinstance(ports, list):
        for item in ports:
            if isinstance(item, dict):
                number = item.get("port")
                if isinstance(number, int):
                    protocol = item.get("protocol")
                    out.append((protocol if isinstance(protocol, str) else "TCP", number))
    found = tuple(out)
    return _PORTS.setdefault(found, found) if len(_PORTS) < 4096 else found


# The port lists seen, to share one tuple per list: Services repeat a few ((TCP, 80), (TCP,
# 443)), and a large run holds the ports of tens of thousands of Services.
_PORTS: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}


def requests_from_values(
    source: ValuesSource,
    target: Target,
    variables: Variables | None = None,
    rendered: Callable[[PathKey], bool] | None = None,
) -> list[ServiceRequest]:
    """Service blocks inside an app chart's values (e.g. `service.loadBalancerIP`, or
    Traefik's `service.spec.loadBalancerIP`), and whole Service manifests embedded in values
    (e.g. the `resources` list of a generic "raw" chart). `rendered` says whether the chart's
    templates render a value (None: not known); a value they never read asks for nothing."""
    variables = variables or {}

    def read(path: PathKey) -> bool:
        return rendered is None or rendered(path)

    out: list[ServiceRequest] = []
    for path, block in _service_blocks(source.data, ()):
        full: PathKey = (*source.base, *path)
        if _is_service_manifest(block) or _is_service_template(block):
            embedded = _embedded_service(source, full, block, target, variables)
            if _is_service_template(block):
                _as_template(embedded, block, source, path)
            out.extend(embedded)
            continue

        def locate(*sub: str | int, _full: PathKey = full) -> Location:
            return source.doc.location((*_full, *sub))

        spec = block.get("spec") if isinstance(block.get("spec"), dict) else {}

        def field(key: str, _block: dict = block, _spec: dict = spec) -> tuple[object, PathKey]:
            """A Service field, at block level or under `spec` (Traefik's chart)."""
            if key in _block or key not in _spec:
                return _block.get(key), (key,)
            return _spec[key], ("spec", key)

        svc_type, _ = field("type")
        if svc_type is None:  # `serviceType` beside the block's keys, or beside `service:`
            svc_type = block.get("serviceType")
            if svc_type is None and path and path[-1] == "service":
                svc_type = _parent(source.data, path).get("serviceType")
        lb_class, class_path = field("loadBalancerClass")
        dotted = ".".join(str(p) for p in path) or "(root)"
        owner = source.owner
        owner_ns = f"{owner.namespace}/" if owner.namespace else ""
        request = ServiceRequest(
            owner,
            "values",
            lambda _full=full: source.doc.location(_full, key=bool(_full)),
            source.namespace,
            svc_type in (None, "LoadBalancer"),
            lb_class if isinstance(lb_class, str) else None,
            locate(*class_path) if lb_class is not None else None,
            unit=source.unit,
            display=(
                f"values '{dotted}' of {owner.kind} {owner_ns}{owner.name}"
                if owner.kind in _VALUES_OWNERS
                else f"the Service of 'spec.{dotted}' of {owner.kind} {owner_ns}{owner.name}"
            ),
        )
        ip, ip_path = field("loadBalancerIP")
        if not read((*path, *ip_path)):
            ip = None  # left in values.yaml, never rendered
        request.spec_ip = _requested(
            ip, lambda _locate=locate, _path=ip_path: _locate(*_path), variables
        )
        policy, _ = field("externalTrafficPolicy")
        request.external_traffic_policy = "Local" if policy == "Local" else "Cluster"
        external, external_path = field("externalIPs")
        if isinstance(external, list) and read((*path, *external_path)):
            request.external_ips = [
                (str(substitute(ip, variables)), locate(*external_path, i))
                for i, ip in enumerate(external)
            ]
        annotations = block.get("annotations")
        if isinstance(annotations, dict) and read((*path, "annotations")):

            def locate_annotation(
                *sub: str | int, _full: PathKey = full, key: bool = False
            ) -> Location:
                # sub is ("metadata", "annotations", key): values keep annotations at block level
                return source.doc.location((*_full, "annotations", sub[-1]), key=key)

            _read_annotations(annotations, locate_annotation, target, request, variables)
        if request.is_load_balancer:
            out.append(request)
    return out


# What holds chart values; any other owner is a custom resource describing a Service.
_VALUES_OWNERS = frozenset(
    {"Chart", "HelmRelease", "Application", "ApplicationSet", "Kustomization", "Bundle", "Script"}
    | {"Release"}
)


def _is_service_manifest(node: dict) -> bool:
    return node.get("kind") == "Service" and node.get("apiVersion") == "v1"


def _is_service_template(node: dict) -> bool:
    """A Service without apiVersion and kind, as operators take one (CloudNativePG's
    `serviceTemplate`, EMQX's `listenersServiceTemplate`): `metadata` and a `spec` that asks for
    a load balancer, or MetalLB annotations in its metadata."""
    metadata, spec = node.get("metadata"), node.get("spec")
    if "kind" in node or not isinstance(metadata, dict) or not isinstance(spec, dict):
        return False
    annotations = metadata.get("annotations")
    has_metallb = isinstance(annotations, dict) and any(map(is_metallb_annotation, annotations))
    return has_metallb or spec.get("type") == "LoadBalancer" or "loadBalancerIP" in spec


def _as_template(
    requests: list[ServiceRequest], block: dict, source: ValuesSource, path: PathKey
) -> None:
    """A Service template an operator completes: a type it leaves out is the operator's to
    set (read as a load balancer, as in chart values), and a template without a name is named
    by where it is written."""
    spec = block.get("spec") if isinstance(block.get("spec"), dict) else {}
    metadata = block.get("metadata") if isinstance(block.get("metadata"), dict) else {}
    owner = source.owner
    owner_ns = f"{owner.namespace}/" if owner.namespace else ""
    dotted = ".".join(str(p) for p in path) or "(root)"
    for request in requests:
        if "type" not in spec:
            request.is_load_balancer = True
        if not isinstance(metadata.get("name"), str):
            request.display = (
                f"the Service of '{dotted}' of {owner.kind} {owner_ns}{owner.name or ''}".rstrip()
            )


def _embedded_service(
    source: ValuesSource, base: PathKey, body: dict, target: Target, variables: Variables
) -> list[ServiceRequest]:
    """A whole Service manifest inside chart values, located at its own lines."""
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    name = metadata.get("name") if isinstance(metadata.get("name"), str) else None
    namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else None
    res = Resource(
        source.doc,
        base,
        "v1",
        "Service",
        name,
        namespace,
        namespace or source.namespace,
        source.unit,
        body,
    )
    return requests_from_service(res, target, variables)


def _service_blocks(
    node: object, path: PathKey, depth: int = 0, load_balancer: bool = False
) -> Iterator[tuple[PathKey, dict]]:
    """Mappings of chart values that describe a Service. `load_balancer`: the parent says the
    Service is one (`serviceType: LoadBalancer` beside a `service:` block, as CoreDNS's chart
    has it)."""
    if depth > 40 or not isinstance(node, dict):
        return
    if _is_service_manifest(node) or _is_service_template(node):
        yield path, node
        return
    annotations = node.get("annotations")
    has_metallb = isinstance(annotations, dict) and any(map(is_metallb_annotation, annotations))
    spec = node.get("spec")
    in_spec = isinstance(spec, dict) and "loadBalancerIP" in spec
    # a load balancer that lists externalIPs asks for addresses too, the wrong way (ML412)
    typed = node.get("type", "LoadBalancer" if load_balancer else None) == "LoadBalancer"
    external = typed and isinstance(node.get("externalIPs"), list)
    if "loadBalancerIP" in node or has_metallb or in_spec or external:
        yield path, node
    for key, value in node.items():
        if key == "annotations" or (key == "spec" and in_spec):
            continue
        if isinstance(value, dict):
            parent_says = key == "service" and node.get("serviceType") == "LoadBalancer"
            yield from _service_blocks(value, (*path, key), depth + 1, parent_says)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from _service_blocks(item, (*path, key, index), depth + 1)
