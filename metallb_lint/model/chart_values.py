"""Chart values the way Helm sees them.

For every values source of the official `metallb` chart (an umbrella chart's values under the
dependency's name or alias, a Flux HelmRelease's `spec.values`, an Argo CD Application's
`helm.values`/`helm.valuesObject`, kustomize `helmCharts[].valuesInline`) this finds the chart
release it is rendered with, whether a `condition` turns the chart off, and the chart files it is
rendered from when the umbrella vendors them (`charts/metallb-X.Y.Z.tgz` or `charts/metallb/`).
`coalesce` merges user values over a release's defaults as Helm does (a `null` deletes a key).
Values of a chart that is merely *named* metallb (e.g. Bitnami's) are not the official chart's:
`third_party_values` lists them so a rule can say they were not checked.
"""

from __future__ import annotations

import copy
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

from metallb_lint.findings import Location, ResourceRef
from metallb_lint.inputlog import note_path
from metallb_lint.metallb.charts import OFFICIAL_REPOSITORIES, is_official_repository
from metallb_lint.metallb.schema import CrdVersion, Model, crd_versions, schema_set
from metallb_lint.metallb.versions import NEWEST, Version
from metallb_lint.model.inventory import Inventory
from metallb_lint.model.objects import Chart, Dependency, Resource, ValuesSource

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_ARCHIVE_BYTES = 16 * 1024 * 1024  # a packed chart is a few hundred KiB
MAX_MEMBER_BYTES = 4 * 1024 * 1024
MAX_SCANNED_BYTES = 64 * 1024 * 1024  # total size of the members an archive may declare
MAX_MEMBERS = 5000
_WANTED = {
    "Chart.yaml": "chart",
    "values.yaml": "values",
    "values.schema.json": "schema",
    "charts/crds/templates/crds.yaml": "crds",
}
_TEMPLATE_ACTION = re.compile(r"\{\{-?.*?-?\}\}", re.DOTALL)
# Chart repositories that publish a chart named `metallb` that is not MetalLB's own.
THIRD_PARTY_HINTS = ("bitnami",)


def coalesce(defaults: object, user: object) -> object:
    """User values over chart defaults, as Helm merges them: mappings merge key by key, a
    `null` deletes a key the defaults have, anything else replaces."""
    if not isinstance(user, dict) or not isinstance(defaults, dict):
        return copy.deepcopy(user)
    merged = copy.deepcopy(defaults)
    for key, value in user.items():
        if value is None and key in merged:
            del merged[key]
        elif key in merged and isinstance(value, dict) and isinstance(merged[key], dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@dataclass
class VendoredChart:
    """The official chart's files vendored in an umbrella chart (an archive or a folder)."""

    origin: str  # the archive or folder, as findings name files
    version: str | None
    values: dict | None
    schema: dict | None
    crd_documents: list = field(default_factory=list)

    @property
    def parsed_version(self) -> Version | None:
        return Version.parse(self.version)


@dataclass
class ValuesCheck:
    """One values source of the official chart and how Helm renders it."""

    source: ValuesSource
    version: Version  # the chart release it is rendered with
    pinned: bool  # the release is pinned where the values are (else: the target version)
    model: Model | None  # None: a release before the chart existed
    allowed: frozenset[tuple] = frozenset()  # keys Helm itself reads (`enabled` of a condition)
    disabled_by: Location | None = None  # a condition that turns the chart off
    vendored: VendoredChart | None = None

    def location(self, path: tuple, *, key: bool = False) -> Location:
        return self.source.doc.location((*self.source.base, *path), key=key)

    @property
    def ref(self) -> ResourceRef:
        return self.source.owner


@dataclass
class ThirdParty:
    """Values given to a chart named `metallb` that is not MetalLB's (e.g. Bitnami's)."""

    location: Location
    owner: ResourceRef
    repository: str | None


def _resource_at(inv: Inventory, path: str, kind: str, name: str | None) -> Resource | None:
    for res in inv.resources:
        if res.path == path and res.kind == kind and res.name == name:
            return res
    return None


def _chart_for(inv: Inventory, source: ValuesSource) -> Chart | None:
    if source.owner.kind != "Chart":
        return None
    directory = posixpath.dirname(source.doc.path)
    return next((c for c in inv.charts if c.directory == directory), None)


def _metallb_dependency(chart: Chart | None, key: object) -> Dependency | None:
    if chart is None:
        return None
    for dep in chart.dependencies:
        official = dep.name == "metallb" and is_official_repository(dep.repository)
        if official and dep.values_key == key:
            return dep
    return None


def _get(node: object, *path: object) -> object:
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                return None
            node = node[part]
        else:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
    return node


def _pinned_text(inv: Inventory, source: ValuesSource) -> object:
    """The chart version written where the values are, if it is written there."""
    doc, base, owner = source.doc, source.base, source.owner
    if owner.kind == "HelmRelease" and base[-2:] == ("spec", "values"):
        return _get(doc.get(*base[:-1]), "chart", "spec", "version")
    if owner.kind == "Application":
        if base[-2:] == ("helm", "valuesObject"):
            return _get(doc.get(*base[:-2]), "targetRevision")
        app = _resource_at(inv, doc.path, "Application", owner.name)
        if app is not None:
            spec = app.mapping("spec")
            sources = [spec["source"]] if isinstance(spec.get("source"), dict) else []
            sources += [s for s in spec.get("sources") or [] if isinstance(s, dict)]
            for src in sources:
                if src.get("chart") == "metallb" and is_official_repository(src.get("repoURL")):
                    return src.get("targetRevision")
        return None
    if owner.kind == "Kustomization" and base[-1:] == ("valuesInline",):
        return _get(doc.get(*base[:-1]), "version")
    return None


def values_checks(inv: Inventory, vendored_cache: dict) -> list[ValuesCheck]:
    """Every values source of the official chart, with its release and conditions."""
    checks: list[ValuesCheck] = []
    for source in inv.values:
        if not source.is_metallb or _third_party_release(inv, source) is not None:
            continue
        chart = _chart_for(inv, source)
        dep = _metallb_dependency(chart, source.base[-1] if source.base else None)
        pinned_text = dep.version if dep is not None else _pinned_text(inv, source)
        pinned = Version.parse(pinned_text)
        version = pinned or inv.target.version
        check = ValuesCheck(source, version, pinned is not None, None)
        if dep is not None and chart is not None:
            check.allowed, check.disabled_by = _condition(inv, source, dep, chart)
            check.vendored = vendored_chart(chart.directory, vendored_cache)
        check.model = _values_model(check)
        checks.append(check)
    return checks


def _condition(
    inv: Inventory, source: ValuesSource, dep: Dependency, chart: Chart
) -> tuple[frozenset[tuple], Location | None]:
    """Keys a dependency `condition` reads, and where it turns the chart off (if it does)."""
    allowed: set[tuple] = set()
    disabled: Location | None = None
    key = dep.values_key
    umbrella = [
        v
        for v in inv.values
        if v.owner.kind == "Chart" and posixpath.dirname(v.doc.path) == chart.directory
    ]
    # this file first, then the chart's own values.yaml
    others = {id(v.doc): v.doc for v in umbrella if v.doc is not source.doc}.values()
    main_first = sorted(
        others,
        key=lambda d: (posixpath.basename(d.path) not in ("values.yaml", "values.yml"), d.path),
    )
    docs = [source.doc, *main_first]
    decided = False
    for condition in (dep.condition or "").split(","):
        parts = tuple(p for p in condition.strip().split(".") if p)
        if not parts:
            continue
        if parts[0] == key:
            allowed.add(parts[1:])
        if decided:
            continue
        for doc in docs:
            value = doc.get(*parts)
            if isinstance(value, bool):
                decided = True
                if value is False:
                    disabled = doc.location(parts)
                break
    return frozenset(allowed), disabled


def _values_model(check: ValuesCheck) -> Model | None:
    vendored = check.vendored
    if vendored is not None and vendored.values is not None:
        release = vendored.parsed_version
        if release is None or release == check.version or not check.pinned:
            return _vendored_model(vendored, release or check.version)
    return schema_set(check.version).values_model()


def _vendored_model(vendored: VendoredChart, version: Version) -> Model:
    base = schema_set(min(version, NEWEST)).values_model()
    if base is None:
        base = schema_set(NEWEST).values_model()
    assert base is not None
    tree = _with_keys(copy.deepcopy(base.tree), vendored.values or {})
    return Model(
        f"{vendored.origin}:values",
        version,
        tree,
        base.raw,
        draft="7",
        validation=vendored.schema if isinstance(vendored.schema, dict) else None,
        default_values=vendored.values,
        origin=vendored.origin,
    )


def _with_keys(tree: dict, values: object, depth: int = 0) -> dict:
    """The model's tree, plus every key the vendored chart's values.yaml has."""
    if not isinstance(values, dict) or depth > 50 or tree.get("x-open"):
        return tree
    props = tree.setdefault("properties", {})
    for key, value in values.items():
        key = str(key)
        if key not in props or props[key].get("x-schema-only"):
            props[key] = {"x-open": True} if isinstance(value, dict) else {}
        if isinstance(value, dict) and value == {}:
            props[key]["x-open"] = True  # `{}` in values.yaml: a free-form mapping
        _with_keys(props[key], value, depth + 1)
    return tree


# -- vendored charts ---------------------------------------------------------------------------


def vendored_chart(chart_dir: str, cache: dict) -> VendoredChart | None:
    """The metallb chart an umbrella vendors in `charts/`: a packed `metallb-X.Y.Z.tgz` or an
    unpacked `metallb/` folder. Read safely: size limits, regular files only, nothing written."""
    if chart_dir in cache:
        return cache[chart_dir]
    found: VendoredChart | None = None
    folder = os.path.join(chart_dir or ".", "charts")
    note_path(folder)
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        names = []
    for name in names:
        path = os.path.join(folder, name)
        display = posixpath.join(chart_dir, "charts", name) if chart_dir else f"charts/{name}"
        if name == "metallb" and os.path.isdir(path) and not os.path.islink(path):
            found = _read_folder(path, display)
        elif re.fullmatch(r"metallb-[0-9][^/]*\.tgz", name) and os.path.isfile(path):
            found = _read_archive(path, display)
        if found is not None:
            break
    cache[chart_dir] = found
    return found


def _read_folder(path: str, display: str) -> VendoredChart | None:
    files: dict[str, bytes] = {}
    root = os.path.realpath(path)
    for inner, role in _WANTED.items():
        target = os.path.join(path, *inner.split("/"))
        real = os.path.realpath(target)
        if not real.startswith(root + os.sep) or not os.path.isfile(real):
            continue
        note_path(real)
        try:
            if os.path.getsize(real) > MAX_MEMBER_BYTES:
                continue
            with open(real, "rb") as handle:
                files[role] = handle.read(MAX_MEMBER_BYTES + 1)
        except OSError:
            continue
    return _build(files, display)


def _read_archive(path: str, display: str) -> VendoredChart | None:
    import tarfile  # vendored chart archives are rare

    note_path(path)
    try:
        if os.path.getsize(path) > MAX_ARCHIVE_BYTES:
            return None
        files: dict[str, bytes] = {}
        scanned = 0
        with tarfile.open(path, mode="r:gz") as archive:
            for count, member in enumerate(archive):
                if count > MAX_MEMBERS:
                    break
                scanned += max(member.size, 0)
                if scanned > MAX_SCANNED_BYTES:
                    break
                parts = member.name.lstrip("./").split("/", 1)
                if len(parts) != 2 or parts[0] != "metallb" or parts[1] not in _WANTED:
                    continue
                if not member.isfile() or member.size > MAX_MEMBER_BYTES:
                    continue
                handle = archive.extractfile(member)
                if handle is not None:
                    files[_WANTED[parts[1]]] = handle.read(MAX_MEMBER_BYTES + 1)
    except (OSError, tarfile.TarError, EOFError, ValueError):
        return None
    return _build(files, display)


def _load_yaml(raw: bytes | None) -> object:
    if raw is None or len(raw) > MAX_MEMBER_BYTES:
        return None
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return None


def _build(files: dict[str, bytes], display: str) -> VendoredChart | None:
    import json

    chart = _load_yaml(files.get("chart"))
    if not isinstance(chart, dict) or chart.get("name") != "metallb":
        return None
    values = _load_yaml(files.get("values"))
    schema = None
    if files.get("schema") is not None:
        try:
            schema = json.loads(files["schema"].decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            schema = None
    crd_documents: list = []
    raw_crds = files.get("crds")
    if raw_crds is not None and len(raw_crds) <= MAX_MEMBER_BYTES:
        try:
            text = _TEMPLATE_ACTION.sub("rendered", raw_crds.decode("utf-8"))
            crd_documents = [d for d in yaml.load_all(text, Loader=_Loader) if d]
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
            crd_documents = []
    version = chart.get("version")
    return VendoredChart(
        display,
        str(version) if isinstance(version, (str, int, float)) else None,
        values if isinstance(values, dict) else None,
        schema if isinstance(schema, dict) else None,
        crd_documents,
    )


def vendored_crds(vendored: VendoredChart) -> dict[tuple[str, str], CrdVersion]:
    return {
        (v.api_version, v.kind): v for v in crd_versions(vendored.crd_documents, vendored.origin)
    }


# -- charts named metallb that are not MetalLB's --------------------------------------------


def _third_party_release(inv: Inventory, source: ValuesSource) -> str | None:
    """For a HelmRelease of a chart named metallb: the repository, when it is not MetalLB's."""
    if source.owner.kind != "HelmRelease" or source.base[-2:] != ("spec", "values"):
        return None
    ref = _get(source.doc.get(*source.base[:-1]), "chart", "spec", "sourceRef")
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
        return None
    name = ref["name"]
    kind = ref.get("kind") if isinstance(ref.get("kind"), str) else "HelmRepository"
    for res in inv.resources:
        if res.kind == kind and res.name == name and res.api_version.startswith("source.toolkit"):
            url = res.get("spec", "url")
            if isinstance(url, str):
                return None if is_official_repository(url) else url
    if any(hint in name.lower() for hint in THIRD_PARTY_HINTS):
        return f"the {kind} '{name}'"
    return None


def third_party_values(inv: Inventory) -> Iterator[ThirdParty]:
    """Values given to a chart named `metallb` from a repository that is not MetalLB's."""
    for source in inv.values:
        if source.is_metallb:
            repository = _third_party_release(inv, source)
            if repository is not None:
                yield ThirdParty(_base_location(source), source.owner, repository)
            continue
        if source.owner.kind == "Chart":
            chart = _chart_for(inv, source)
            for dep in chart.dependencies if chart else []:
                if dep.name == "metallb" and not is_official_repository(dep.repository):
                    key = dep.values_key
                    if isinstance(source.data.get(key), dict):
                        yield ThirdParty(
                            source.doc.location((*source.base, key), key=True),
                            source.owner,
                            dep.repository,
                        )
        elif source.chart_name == "metallb":
            yield ThirdParty(_base_location(source), source.owner, _repository(source))


def _base_location(source: ValuesSource) -> Location:
    if source.base:
        return source.doc.location(source.base, key=True)
    return source.doc.location(())


def _repository(source: ValuesSource) -> str | None:
    doc, base = source.doc, source.base
    if base[-2:] == ("helm", "valuesObject"):
        url = _get(doc.get(*base[:-2]), "repoURL")
        return url if isinstance(url, str) else None
    if base[-1:] == ("valuesInline",):
        url = _get(doc.get(*base[:-1]), "repo")
        return url if isinstance(url, str) else None
    return None


__all__ = [
    "OFFICIAL_REPOSITORIES",
    "ThirdParty",
    "ValuesCheck",
    "VendoredChart",
    "coalesce",
    "third_party_values",
    "values_checks",
    "vendored_chart",
    "vendored_crds",
]
