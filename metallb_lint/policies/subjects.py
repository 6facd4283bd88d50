"""What policies look at: inventory resources as written, chart values (`HelmValues`), the
official chart's values merged over its release's defaults (`MetalLBChartValues`), and the
`ServiceRequest` view of what each Service (or chart-values service block) asks MetalLB for.

A subject carries the document the policy's schema sees, and how to turn a path inside it into
a file location and a location-independent anchor (for fingerprints and baselines).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from metallb_lint.findings import Location, ResourceRef
from metallb_lint.load.documents import PathKey
from metallb_lint.metallb.versions import Version
from metallb_lint.model.objects import Resource, ServiceRequest, ValuesSource
from metallb_lint.policies.model import REAL_KINDS, Policy


def dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Subject:
    """What a policy looks at: the document its schema sees, and how to locate paths."""

    kind: str
    api_version: str
    name: str | None
    namespace: str | None
    labels: dict | None
    chart: str | None
    data: object
    # Works out `head`, where findings about the whole subject (or a missing value) point.
    # Locations and anchors are worked out only for the subjects a policy reports.
    where: Callable[[], Location]
    ref: ResourceRef | None
    label: str  # how messages name it
    locate: Callable[[PathKey, bool], Location]
    anchors_of: Callable[[], dict[PathKey, str]] = dict  # the known anchors of paths
    # the release `metallbVersion` and `{version}` refer to, when not the target's (the chart
    # release a MetalLBChartValues subject is rendered with)
    version: Version | None = None

    @cached_property
    def head(self) -> Location:
        return self.where()

    @cached_property
    def anchors(self) -> dict[PathKey, str]:
        return self.anchors_of()

    def anchor(self, path: PathKey) -> str:
        for cut in range(len(path), 0, -1):
            known = self.anchors.get(path[:cut])
            if known is not None:
                rest = dotted(path[cut:])
                return known + ("." + rest if rest and not rest.startswith("[") else rest)
        return dotted(path)


def _resource_label(ref: ResourceRef) -> str:
    return str(ref)


def resource_subject(res: Resource) -> Subject:
    def locate(path: PathKey, key: bool) -> Location:
        return res.location(*path, key=key)

    return Subject(
        kind=res.kind,
        api_version=res.api_version,
        name=res.name,
        namespace=res.effective_namespace,
        labels=res.labels,
        chart=None,
        data=res.body,
        where=lambda: res.name_location,
        ref=res.ref,
        label=_resource_label(res.ref),
        locate=locate,
    )


def values_subject(source: ValuesSource) -> Subject:
    def locate(path: PathKey, key: bool) -> Location:
        return source.doc.location((*source.base, *path), key=key)

    chart = "metallb" if source.is_metallb else source.chart_name
    owner = source.owner
    return Subject(
        kind="HelmValues",
        api_version="",
        name=owner.name,
        namespace=source.namespace,
        labels=None,
        chart=chart,
        data=source.data,
        where=lambda: source.doc.location(source.base, key=bool(source.base)),
        ref=owner,
        label=f"{chart or 'chart'} values of {owner}",
        locate=locate,
    )


def chart_values_subject(values) -> Subject:
    """One values source of the official chart (a `checks.chart.ChartValues`), merged over the
    defaults of the chart release it is rendered with. A path the user wrote points at what they
    wrote; one that comes from the chart's defaults, at the deepest key they wrote on the way
    (the component's key), else at the values themselves."""
    check = values.check
    source = check.source

    def written(path: PathKey) -> bool:
        node: object = source.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or not 0 <= part < len(node):
                    return False
            elif not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    head = source.doc.location(source.base, key=bool(source.base))

    def locate(path: PathKey, key: bool) -> Location:
        if written(path):
            return check.location(path, key=key)
        for depth in range(len(path) - 1, 0, -1):
            if written(path[:depth]):
                return check.location(path[:depth], key=True)
        return head

    owner = check.ref
    return Subject(
        kind="MetalLBChartValues",
        api_version="",
        name=owner.name,
        namespace=source.namespace,
        labels=None,
        chart="metallb",
        data=values.merged,
        where=lambda: head,
        ref=owner,
        label=f"metallb values of {owner}",
        locate=locate,
        version=check.version,
    )


def request_data(request: ServiceRequest, handled: bool) -> dict:
    """The `ServiceRequest` document: what one Service asks MetalLB for, as MetalLB reads it
    for the target release (annotation prefixes, Flux substitution)."""
    data: dict[str, object] = {
        "kind": "ServiceRequest",
        "origin": request.origin,
        "name": request.resource.name,
        "namespace": request.namespace,
        "label": request.label,
        "loadBalancer": request.is_load_balancer,
        "handledByMetalLB": handled,
        "externalTrafficPolicy": request.external_traffic_policy,
    }
    if request.load_balancer_class is not None:
        data["loadBalancerClass"] = request.load_balancer_class
    if request.spec_ip is not None:
        data["loadBalancerIP"] = request.spec_ip.text
    note = request.annotation_ips_key
    if note is not None:
        data["loadBalancerIPs"] = [ip.text for ip in request.annotation_ips]
        data["loadBalancerIPsAnnotation"] = note.key
    if request.pool is not None:
        data["addressPool"] = request.pool.value
    if request.sharing_key is not None:
        data["allowSharedIP"] = request.sharing_key.value
    data["annotations"] = {note.key: note.value for note in request.metallb_annotations}
    if request.external_ips:
        data["externalIPs"] = [text for text, _ in request.external_ips]
    if request.ports is not None:
        data["ports"] = [{"protocol": p, "port": n} for p, n in request.ports]
    data["ipFamilies"] = list(request.ip_families)
    if request.ip_family_policy is not None:
        data["ipFamilyPolicy"] = request.ip_family_policy
    if request.selector is not None:
        data["selector"] = request.selector
    if request.labels is not None:
        data["labels"] = request.labels
    return data


def request_location(request: ServiceRequest, path: PathKey) -> Location | None:
    """Where the field of `request_data` at `path` (not the root) was written; None when it
    has no place of its own. Worked out for one path at a time: a finding needs one or two."""
    field = path[0]
    if len(path) == 1:
        if field == "loadBalancerClass" and request.load_balancer_class is not None:
            return request.class_location
        if field == "loadBalancerIP" and request.spec_ip is not None:
            return request.spec_ip.location
        note = request.annotation_ips_key
        if field == "loadBalancerIPs" and note is not None:
            return note.location
        if field == "loadBalancerIPsAnnotation" and note is not None:
            return note.key_location
        chosen = {"addressPool": request.pool, "allowSharedIP": request.sharing_key}.get(field)
        if chosen is not None:
            return chosen.location
        if field == "annotations" and request.metallb_annotations:
            return request.metallb_annotations[0].key_location
        return None
    if len(path) != 2:
        return None
    index = path[1]
    if field == "annotations":
        for note in request.metallb_annotations:
            if note.key == index:
                return note.location
        return None
    if not isinstance(index, int) or index < 0:
        return None
    if field == "loadBalancerIPs" and request.annotation_ips_key is not None:
        ips = request.annotation_ips
        return ips[index].location if index < len(ips) else None
    if field == "externalIPs" and index < len(request.external_ips):
        return request.external_ips[index][1]
    return None


def request_anchors(request: ServiceRequest) -> dict[PathKey, str]:
    """The anchor of each field of `request_data` in the real object (the Service manifest,
    or the chart values)."""
    service = request.origin == "service"
    anchors: dict[PathKey, str] = {}
    if request.load_balancer_class is not None:
        anchors[("loadBalancerClass",)] = (
            "spec.loadBalancerClass" if service else "loadBalancerClass"
        )
    if request.spec_ip is not None:
        anchors[("loadBalancerIP",)] = "spec.loadBalancerIP" if service else "loadBalancerIP"
    note = request.annotation_ips_key
    if note is not None:
        anchors[("loadBalancerIPs",)] = note.key
        anchors[("loadBalancerIPsAnnotation",)] = note.key
    for key, chosen in (("addressPool", request.pool), ("allowSharedIP", request.sharing_key)):
        if chosen is not None:
            anchors[(key,)] = chosen.key
    for note in request.metallb_annotations:
        anchors[("annotations", note.key)] = note.key
    if request.external_ips:
        anchors[("externalIPs",)] = "spec.externalIPs"
    return anchors


class RequestSubject(Subject):
    """The `ServiceRequest` subject of one request. Built for every Service of a run, so it
    is cheap: locations and anchors are worked out from the request only for a subject that a
    policy reports, and a location only for the path reported. Its document (`data`) and label
    are built each time they are asked for, not kept: the subjects of a run are kept for every
    policy that reads them, and their documents would be most of a large run's memory."""

    kind = "ServiceRequest"  # (class attributes and properties: little kept per subject)
    api_version = ""
    chart = None
    version = None
    # (slots: no instance dictionary unless a policy reports the subject, `head` and `anchors`)
    __slots__ = ("handled", "request")

    def __init__(self, request: ServiceRequest, handled: bool) -> None:  # (not the dataclass's)
        self.request = request
        self.handled = handled

    @property  # type: ignore[override]
    def name(self) -> str | None:  # type: ignore[override]
        return self.request.resource.name

    @property  # type: ignore[override]
    def namespace(self) -> str | None:  # type: ignore[override]
        return self.request.namespace

    @property  # type: ignore[override]
    def labels(self) -> dict | None:  # type: ignore[override]
        return self.request.labels

    @property  # type: ignore[override]
    def ref(self) -> ResourceRef:  # type: ignore[override]
        return self.request.resource

    @property  # type: ignore[override]
    def data(self) -> dict:  # type: ignore[override]
        return request_data(self.request, self.handled)

    @property  # type: ignore[override]
    def label(self) -> str:  # type: ignore[override]
        return self.request.label

    def where(self) -> Location:  # type: ignore[override]
        return self.request.head

    def locate(self, path: PathKey, key: bool) -> Location:  # type: ignore[override]
        for cut in range(len(path), 0, -1):
            found = request_location(self.request, path[:cut])
            if found is not None:
                return found
        return self.request.head

    def anchors_of(self) -> dict[PathKey, str]:  # type: ignore[override]
        return request_anchors(self.request)


def subjects(policy: Policy, ctx) -> Iterator[Subject]:
    """Every subject of the inventory that one of the policy's match blocks selects (for the
    target release, or the subject's own, see `Subject.version`)."""
    target = ctx.inventory.target
    blocks = [
        b
        for b in policy.matches
        if "MetalLBChartValues" in b.kinds or b.target_ok(target.version, target.mode)
    ]
    if not blocks:
        return

    def selected(subject: Subject) -> bool:
        version = subject.version or target.version
        return any(b.target_ok(version, target.mode) and b.subject_ok(subject) for b in blocks)

    kinds = {k for b in blocks for k in b.kinds}
    inventory = ctx.inventory
    if kinds & set(REAL_KINDS):
        for res in inventory.resources:
            if res.kind in kinds:
                subject = resource_subject(res)
                if selected(subject):
                    yield subject
    if "HelmValues" in kinds:
        for source in inventory.values:
            subject = values_subject(source)
            if selected(subject):
                yield subject
    if "MetalLBChartValues" in kinds:
        from metallb_lint.checks.chart import chart_values

        for values in chart_values(ctx):
            subject = chart_values_subject(values)
            if selected(subject):
                yield subject
    if "ServiceRequest" in kinds:
        requests = _request_subjects(ctx)  # (all of the target release: `version` is None)
        fitting = [b for b in blocks if b.target_ok(target.version, target.mode)]
        if any(b.selects_every("ServiceRequest") for b in fitting):
            yield from requests
        else:
            yield from (s for s in requests if any(b.subject_ok(s) for b in fitting))


def _request_subjects(ctx) -> list[Subject]:
    """The ServiceRequest subjects of the run, built once for every policy that reads them."""
    cached = ctx.cache.get("policy-subjects:ServiceRequest")
    if cached is None:
        from metallb_lint.checks.common import handled_by_metallb

        cached = ctx.cache["policy-subjects:ServiceRequest"] = [
            RequestSubject(request, handled_by_metallb(ctx, request))
            for request in ctx.inventory.services
        ]
    return cached  # type: ignore[return-value]
