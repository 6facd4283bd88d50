"""What a Service asks MetalLB for: requested IPs, pool, sharing key, ports and backends.

Read from Service manifests and from the service blocks of chart values (any mapping with a
`loadBalancerIP` or MetalLB annotations), honouring which annotation prefixes the target
release reads (facts §5.1): `metallb.io/` only from 0.14.9, `metallb.universe.tf/` always,
and `metallb.io/` winning when both are present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from metallb_lint.addresses import parse_ip
from metallb_lint.findings import Location, ResourceRef
from metallb_lint.load import PathKey
from metallb_lint.model import Annotation, RequestedIP, Resource, ServiceRequest, ValuesSource
from metallb_lint.placeholders import has_placeholder
from metallb_lint.target import Target
from metallb_lint.versions import METALLB_IO_ANNOTATIONS

OLD_PREFIX = "metallb.universe.tf/"
NEW_PREFIX = "metallb.io/"
IPS, POOL, SHARING = "loadBalancerIPs", "address-pool", "allow-shared-ip"

Locator = Callable[..., Location]


def is_metallb_annotation(key: object) -> bool:
    return isinstance(key, str) and key.startswith((OLD_PREFIX, NEW_PREFIX))


def _read_annotations(
    annotations: dict, locate: Locator, target: Target, request: ServiceRequest
) -> None:
    new_read = target.version >= METALLB_IO_ANNOTATIONS
    chosen: dict[str, Annotation] = {}
    for key, value in annotations.items():
        if not is_metallb_annotation(key):
            continue
        note = Annotation(key, value, locate("metadata", "annotations", key))
        request.metallb_annotations.append(note)
        prefix, suffix = key.split("/", 1)
        if prefix + "/" == NEW_PREFIX and not new_read:
            request.ignored_annotations.append(note)
            continue
        if suffix in chosen and chosen[suffix].key.startswith(NEW_PREFIX):
            continue  # metallb.io/ wins over metallb.universe.tf/ (facts §5.1)
        chosen[suffix] = note
    if IPS in chosen:
        note = chosen[IPS]
        request.annotation_ips_key = note
        request.annotation_ips = _split_ips(note)
    request.pool = chosen.get(POOL)
    request.sharing_key = chosen.get(SHARING)


def _split_ips(note: Annotation) -> list[RequestedIP]:
    value = note.value
    if not isinstance(value, str):
        return [RequestedIP(str(value), note.location, None)]
    out = []
    for item in value.split(","):
        text = item.strip()
        unresolved = has_placeholder(text)
        out.append(
            RequestedIP(text, note.location, None if unresolved else parse_ip(text), unresolved)
        )
    return out


def _requested(value: object, location: Location) -> RequestedIP | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    unresolved = has_placeholder(text)
    return RequestedIP(text, location, None if unresolved else parse_ip(text), unresolved)


def requests_from_service(res: Resource, target: Target) -> list[ServiceRequest]:
    spec = res.mapping("spec")
    svc_type = spec.get("type") if isinstance(spec.get("type"), str) else "ClusterIP"
    lb_class = spec.get("loadBalancerClass")
    request = ServiceRequest(
        res.ref,
        "service",
        res.name_location,
        res.effective_namespace,
        svc_type == "LoadBalancer",
        lb_class if isinstance(lb_class, str) else None,
        res.location("spec", "loadBalancerClass") if lb_class is not None else None,
        unit=res.unit,
    )
    request.spec_ip = _requested(spec.get("loadBalancerIP"), res.location("spec", "loadBalancerIP"))
    _read_annotations(res.annotations, res.location, target, request)
    request.ports = []
    for item in spec.get("ports") if isinstance(spec.get("ports"), list) else []:
        if isinstance(item, dict) and isinstance(item.get("port"), int):
            protocol = item.get("protocol") if isinstance(item.get("protocol"), str) else "TCP"
            request.ports.append((protocol, item["port"]))
    policy = spec.get("externalTrafficPolicy")
    request.external_traffic_policy = "Local" if policy == "Local" else "Cluster"
    request.selector = spec.get("selector") if isinstance(spec.get("selector"), dict) else None
    families = spec.get("ipFamilies")
    request.ip_families = (
        [f for f in families if isinstance(f, str)] if isinstance(families, list) else []
    )
    if isinstance(spec.get("ipFamilyPolicy"), str):
        request.ip_family_policy = spec["ipFamilyPolicy"]
    external = spec.get("externalIPs")
    if isinstance(external, list):
        request.external_ips = [
            (str(ip), res.location("spec", "externalIPs", i)) for i, ip in enumerate(external)
        ]
    return [request]


def requests_from_values(source: ValuesSource, target: Target) -> list[ServiceRequest]:
    """Service blocks inside an app chart's values (e.g. `service.loadBalancerIP`)."""
    out: list[ServiceRequest] = []
    for path, block in _service_blocks(source.data, ()):
        full: PathKey = (*source.base, *path)

        def locate(*sub: str | int, _full: PathKey = full) -> Location:
            return source.doc.location((*_full, *sub))

        svc_type = block.get("type")
        lb_class = block.get("loadBalancerClass")
        dotted = ".".join(str(p) for p in path) or "(root)"
        name = f"{source.chart_name or source.owner.name}: {dotted}"
        ref = ResourceRef(source.owner.api_version, source.owner.kind, source.namespace, name)
        request = ServiceRequest(
            ref,
            "values",
            source.doc.location(full, key=bool(full)),
            source.namespace,
            svc_type in (None, "LoadBalancer"),
            lb_class if isinstance(lb_class, str) else None,
            locate("loadBalancerClass") if lb_class is not None else None,
            unit=source.unit,
        )
        request.spec_ip = _requested(block.get("loadBalancerIP"), locate("loadBalancerIP"))
        annotations = block.get("annotations")
        if isinstance(annotations, dict):

            def locate_annotation(*sub: str | int, _full: PathKey = full) -> Location:
                # sub is ("metadata", "annotations", key): values keep annotations at block level
                return source.doc.location((*_full, "annotations", sub[-1]))

            _read_annotations(annotations, locate_annotation, target, request)
        if request.is_load_balancer:
            out.append(request)
    return out


def _service_blocks(node: object, path: PathKey, depth: int = 0) -> Iterator[tuple[PathKey, dict]]:
    if depth > 40 or not isinstance(node, dict):
        return
    annotations = node.get("annotations")
    has_metallb = isinstance(annotations, dict) and any(map(is_metallb_annotation, annotations))
    if "loadBalancerIP" in node or has_metallb:
        yield path, node
    for key, value in node.items():
        if isinstance(value, dict) and key != "annotations":
            yield from _service_blocks(value, (*path, key), depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from _service_blocks(item, (*path, key, index), depth + 1)
