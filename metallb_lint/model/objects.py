"""Typed objects of the inventory: what the checks read instead of raw YAML."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from metallb_lint.findings import Location, ResourceRef
from metallb_lint.load.documents import Document, PathKey, dig
from metallb_lint.metallb.addresses import IPRange, ParsedEntry

METALLB_GROUP = "metallb.io"
POOL_KINDS = frozenset({"IPAddressPool", "AddressPool"})
ADVERTISEMENT_KINDS = frozenset({"L2Advertisement", "BGPAdvertisement"})


@dataclass(slots=True)
class Resource:
    """A Kubernetes object found in a document (at its root, in a List, or embedded). Slotted,
    its late locations in a slot each: a large run holds tens of thousands."""

    doc: Document
    base: PathKey
    api_version: str
    kind: str
    name: str | None
    namespace: str | None  # as written in metadata.namespace
    effective_namespace: str | None  # after kustomize/chart/Argo/Flux inheritance; None: unknown
    unit: str  # the deployment unit (kustomization, chart or folder) it belongs to
    body: dict
    # the name as written, when a kustomize namePrefix/nameSuffix makes `name` another one
    written_name: str | None = None
    # (set by `__post_init__`, which the dataclasses deriving from this one call too)
    _head: Location | None = field(init=False, repr=False, compare=False)
    _name_location: Location | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._head = self._name_location = None

    @property
    def path(self) -> str:
        return self.doc.path

    def get(self, *path: str | int, default: object = None) -> object:
        return dig(self.body, path, default)

    def mapping(self, *path: str) -> dict:
        """The mapping at `path` (keys only), or an empty one where there is none."""
        node: object = self.body
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}

    def location(self, *path: str | int, key: bool = False) -> Location:
        return self.doc.location((*self.base, *path), key=key)

    @property
    def head(self) -> Location:
        """Where a finding about the whole resource points: its kind line, else its start."""
        found = self._head
        if found is None:
            kind = "kind" in self.body
            found = self._head = self.location("kind", key=True) if kind else self.location()
        return found

    @property
    def name_location(self) -> Location:
        found = self._name_location
        if found is None:
            named = isinstance(self.get("metadata", "name"), str)
            found = self.location("metadata", "name") if named else self.head
            self._name_location = found
        return found

    def where_named(self) -> Location:
        """`name_location`, as a callable to hand on (a bound method costs less than a lambda:
        one is kept for each of a large run's tens of thousands of Services)."""
        return self.name_location

    @property
    def ref(self) -> ResourceRef:
        return ResourceRef(self.api_version, self.kind, self.effective_namespace, self.name)

    @property
    def group(self) -> str:
        return self.api_version.split("/", 1)[0] if "/" in self.api_version else ""

    @property
    def labels(self) -> dict:
        return self.mapping("metadata", "labels")

    @property
    def annotations(self) -> dict:
        return self.mapping("metadata", "annotations")


@dataclass
class PatchedResource(Resource):
    """A base object as an overlay's strategic-merge patch leaves it: `body` is the merged
    object, and a value the patch writes is located in the patch, where the user wrote it."""

    patch_doc: Document | None = None
    # where in patch_doc the patch writes a path of the object (None: the base writes it)
    written_at: Callable[[PathKey], PathKey | None] = lambda path: None
    original: Resource | None = None  # the base object as written
    overlay: str = ""  # the folder of the kustomization that applies the patch

    def location(self, *path: str | int, key: bool = False) -> Location:
        where = self.written_at(path) if self.patch_doc is not None else None
        if where is not None and self.patch_doc is not None:
            return self.patch_doc.location(where, key=key)
        return super().location(*path, key=key)


@dataclass
class PoolEntry:
    """One `spec.addresses` entry of an IPAddressPool: its index, parsed value and location."""

    index: int
    parsed: ParsedEntry
    location: Location


@dataclass
class Pool:
    """An IPAddressPool (or legacy AddressPool): its address entries and allocation settings."""

    resource: Resource
    entries: list[PoolEntry]
    addresses_given: bool  # `spec.addresses` present and a list
    auto_assign: bool
    avoid_buggy_ips: bool
    service_allocation: dict | None

    @property
    def name(self) -> str:
        return self.resource.name or "<unnamed>"

    @property
    def ranges(self) -> list[IPRange]:
        return [e.parsed.range for e in self.entries if e.parsed.range]

    @property
    def unresolved(self) -> bool:
        return any(e.parsed.unresolved for e in self.entries)

    def describe(self) -> str:
        return ", ".join(str(e.parsed.text).strip() for e in self.entries) or "no addresses"

    def usable(self, version: int) -> int:
        from metallb_lint.metallb.addresses import buggy_count

        total = 0
        for r in self.ranges:
            if r.version == version:
                total += r.size - (buggy_count(r) if self.avoid_buggy_ips else 0)
        return total


@dataclass
class Advertisement:
    """An L2Advertisement or BGPAdvertisement: the pools, nodes and peers it selects."""

    resource: Resource
    pool_names: list[tuple[str, Location]] | None  # None: field absent
    pool_selectors: list[dict] | None  # None: field absent
    unresolved: bool = False  # a name or selector holds a placeholder
    node_selectors: list[dict] = field(default_factory=list)  # empty: every node
    # BGPAdvertisement only (None: field absent)
    peers: list[tuple[str, Location]] | None = None
    communities: list[tuple[object, Location]] | None = None
    service_selectors: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How findings name it: `L2Advertisement 'lan'`."""
        return f"{self.resource.kind} '{self.resource.name}'"

    @property
    def applies_to_all(self) -> bool:
        """Neither field set: the advertisement covers every pool (facts §3.1 rule 14)."""
        return not self.pool_names and not self.pool_selectors


@dataclass
class BGPPeer:
    """A BGPPeer (v1beta2, or the deprecated v1beta1 that MetalLB converts)."""

    resource: Resource
    node_selectors: list[dict] = field(default_factory=list)  # empty: every node
    unresolved: bool = False  # a field this tool compares holds a placeholder

    @property
    def name(self) -> str:
        return self.resource.name or "<unnamed>"

    @property
    def spec(self) -> dict:
        return self.resource.mapping("spec")

    @property
    def legacy_api(self) -> bool:
        """v1beta1: no vrf, interface, dynamicASN, passwordSecret, connectTime, ..."""
        return self.resource.api_version.endswith("/v1beta1")

    def text(self, key: str) -> str:
        """A string field as MetalLB compares it ("" when unset)."""
        value = self.spec.get(key)
        return value if isinstance(value, str) else ""

    def number(self, key: str) -> int | None:
        value = self.spec.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class BFDProfile:
    """A BFDProfile resource, which BGPPeers name in `bfdProfile`."""

    resource: Resource

    @property
    def name(self) -> str:
        return self.resource.name or "<unnamed>"

    @property
    def echo_mode(self) -> bool:
        return self.resource.get("spec", "echoMode") is True


@dataclass
class CommunityAlias:
    """One `spec.communities` entry of a Community: an alias name and its BGP community."""

    name: object
    value: object
    location: Location  # of the value (or of the entry when the value is missing)
    name_location: Location


@dataclass
class Community:
    """A Community resource: aliases for BGP community values."""

    resource: Resource
    aliases: list[CommunityAlias] = field(default_factory=list)


# Service requests, their addresses and annotations are slotted, with their late locations kept
# in a slot each (not `cached_property`, which needs an instance dictionary): a large run holds
# one of each for every Service, tens of thousands.


@dataclass(slots=True)
class RequestedIP:
    """An IP a Service asks for (`spec.loadBalancerIP` or the ips annotation), text and parsed."""

    text: str
    # works out `location` (most are never reported): a callable, or the annotation that
    # writes the address (kept as it is: a bound method a request would cost more)
    where: Callable[[], Location] | Annotation
    parsed: tuple[int, int] | None  # (version, integer)
    unresolved: bool = False
    _location: Location | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def location(self) -> Location:
        found = self._location
        if found is None:
            where = self.where
            found = where.location if isinstance(where, Annotation) else where()
            self._location = found
        return found


@dataclass(slots=True)
class Annotation:
    """A MetalLB annotation of a Service: key, value and where they are written."""

    key: str
    value: object
    # The owner's locator, (*path, key=False) -> Location, with paths as in a Service manifest
    # (`metadata.annotations.<key>`), or the Service itself (its `location`); the locations are
    # worked out when first asked for.
    locate: Callable[..., Location] | Resource
    _location: Location | None = field(default=None, init=False, repr=False, compare=False)
    _key_location: Location | None = field(default=None, init=False, repr=False, compare=False)

    def _locate(self, *path: str, key: bool = False) -> Location:
        locate = self.locate
        if isinstance(locate, Resource):
            return locate.location(*path, key=key)
        return locate(*path, key=key)

    @property
    def location(self) -> Location:
        """Where the value is written."""
        found = self._location
        if found is None:
            found = self._location = self._locate("metadata", "annotations", self.key)
        return found

    @property
    def key_location(self) -> Location:
        found = self._key_location
        if found is None:
            found = self._locate("metadata", "annotations", self.key, key=True)
            self._key_location = found
        return found


@dataclass(slots=True)
class ServiceRequest:
    """What one Service, or one chart-values service block, asks MetalLB for."""

    resource: ResourceRef
    origin: str  # "service" for a Service manifest, "values" for chart values
    # works out `head`: its values key, or the Service (its `name_location`)
    where: Callable[[], Location] | Resource
    namespace: str | None
    is_load_balancer: bool
    load_balancer_class: str | None
    class_location: Location | None = None
    spec_ip: RequestedIP | None = None
    # (The collections below default to one shared empty tuple, not a list each: a large run
    # holds tens of thousands of requests, most with none of them.)
    annotation_ips: Sequence[RequestedIP] = ()
    annotation_ips_key: Annotation | None = None
    pool: Annotation | None = None
    sharing_key: Annotation | None = None
    ports: Sequence[tuple[str, int]] | None = None  # None: not known (chart values)
    external_traffic_policy: str = "Cluster"
    selector: dict | None = None
    ip_families: Sequence[str] = ()
    ip_family_policy: str | None = None
    external_ips: Sequence[tuple[str, Location]] = ()
    metallb_annotations: Sequence[Annotation] = ()
    ignored_annotations: Sequence[Annotation] = ()  # not read by target
    unit: str = ""
    display: str | None = None  # how messages name it, when not by its resource (chart values)
    labels: dict | None = None  # the Service's labels; None: not known (chart values)
    _head: Location | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def head(self) -> Location:
        """Where findings about the whole request point (worked out when first asked for)."""
        found = self._head
        if found is None:
            where = self.where
            found = where.name_location if isinstance(where, Resource) else where()
            self._head = found
        return found

    @property
    def requested_ips(self) -> list[RequestedIP]:
        """The IPs MetalLB reads for this Service (annotation wins over spec.loadBalancerIP)."""
        if self.annotation_ips:  # (a list: set by service_requests._split_ips)
            return self.annotation_ips  # type: ignore[return-value]
        return [self.spec_ip] if self.spec_ip else []

    @property
    def label(self) -> str:
        if self.display:
            return self.display
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.resource.kind} {ns}{self.resource.name}"


@dataclass
class Chart:
    """A Chart.yaml (or Helm v2 requirements.yaml) and its dependencies."""

    directory: str
    doc: Document
    name: str | None
    dependencies: list[Dependency]
    lock: Document | None = None


@dataclass
class Dependency:
    """One dependency of a Chart.yaml (or requirements.yaml): name, version, repository."""

    name: str
    alias: str | None
    version: object
    repository: str | None
    condition: str | None
    location: Location  # of the version value (or of the entry when missing)
    repository_location: Location | None = None  # of the repository value (or of the entry)

    @property
    def values_key(self) -> str:
        return self.alias or self.name


@dataclass
class ValuesSource:
    """Helm values: a chart's values file, or values inline in a HelmRelease/Application."""

    doc: Document
    base: PathKey
    data: dict
    chart_name: str | None
    owner: ResourceRef
    namespace: str | None
    is_metallb: bool  # values of the official metallb chart (after resolving umbrella keys)
    unit: str

    @classmethod
    def files(
        cls,
        documents: Iterable[Document],
        chart_name: str | None,
        owner: ResourceRef,
        namespace: str | None,
        is_metallb: bool,
        unit: str,
    ) -> Iterator[ValuesSource]:
        """Whole documents of values files (a `valuesFile`, `valueFiles`, a `valuesFrom` key),
        each one source of values; a document that is not a mapping holds no values."""
        for doc in documents:
            if isinstance(doc.data, dict):
                yield cls(doc, (), doc.data, chart_name, owner, namespace, is_metallb, unit)


@dataclass
class InstallSite:
    """Where the repository installs MetalLB, with the version and namespace it says."""

    # chart-dependency, helmrelease, argocd, applicationset, kustomize-helm, helmfile, manifest-url
    kind: str
    version_text: object
    version_location: Location
    repository: str | None
    namespace: str | None
    namespace_source: str | None
    path_hint: str | None = None  # e.g. config/frr of a manifest URL
    bgp_type: str | None = None  # a vendored workload's mode (its METALLB_BGP_TYPE, or native)
    repository_location: Location | None = None  # where the repository/URL is written
    chart: str | None = None  # the chart name as written (`metallb`, `metallb/metallb`)
    official: bool = True  # MetalLB's own chart or manifests (False: a chart merely named metallb)
    owner: str | None = None  # e.g. "HelmRelease metallb" (for messages)
    resource: ResourceRef | None = None  # the object that installs it (Chart, HelmRelease, ...)
    path_location: Location | None = None  # where `path_hint` is written, when not in the URL
    # the version as Flux substitutes it (`${VERSION:-0.14.8}`: 0.14.8), when that differs
    substituted: str | None = None
