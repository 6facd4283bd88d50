"""Documents to typed objects (the `inventory` stage), plus the target version and mode.

Everything the checks read comes from here: MetalLB resources (wherever they are embedded),
Services and the service blocks of chart values, charts and their values, where MetalLB is
installed, and which namespace each resource really lands in.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import field
from functools import cached_property, lru_cache

from metallb_lint.addresses import parse_pool_entry
from metallb_lint.config import Config
from metallb_lint.findings import Location, ResourceRef
from metallb_lint.load import Chunk, Document, LoadProblem, PathKey, compose_chunk
from metallb_lint.model import (
    ADVERTISEMENT_KINDS,
    METALLB_GROUP,
    POOL_KINDS,
    Advertisement,
    BFDProfile,
    BGPPeer,
    Chart,
    Community,
    CommunityAlias,
    Dependency,
    InstallSite,
    Pool,
    PoolEntry,
    Resource,
    ServiceRequest,
    ValuesSource,
)
from metallb_lint.placeholders import has_placeholder, resolve_flux
from metallb_lint.records import record
from metallb_lint.service_requests import requests_from_service, requests_from_values
from metallb_lint.sources import KUSTOMIZATION_NAMES, SourceFile
from metallb_lint.target import (
    Target,
    choose_mode,
    choose_namespace,
    choose_version,
    is_official_repository,
    load_balancer_class,
)
from metallb_lint.templates import render

_KIND_IN_TEXT = re.compile(r"^kind:\s*['\"]?([A-Za-z0-9]+)", re.MULTILINE)
_MANIFEST_URL = re.compile(
    r"(?:github\.com/metallb/metallb(?:\.git)?/+(?P<kpath>[^?\s]*)(?:\?ref=(?P<kref>[^&\s]+))?)"
    r"|(?:raw\.githubusercontent\.com/metallb/metallb/(?P<rref>[^/\s]+)/(?P<rpath>\S+))"
)


@record
class Unresolved:
    """A value or document left out because a placeholder or template was not resolved."""

    location: Location
    message: str


@record
class Inventory:
    """What the checks read: the typed objects of every loaded document, and the target."""

    sources: dict[str, SourceFile]
    target: Target
    documents: list[Document] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    advertisements: list[Advertisement] = field(default_factory=list)
    peers: list[BGPPeer] = field(default_factory=list)
    bfd_profiles: list[BFDProfile] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    services: list[ServiceRequest] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    values: list[ValuesSource] = field(default_factory=list)
    install_sites: list[InstallSite] = field(default_factory=list)
    # charts named metallb from a repository that is not MetalLB's (e.g. Bitnami's)
    other_sites: list[InstallSite] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    # Kinds of documents that were skipped (unrendered templates): checks that need the whole
    # set of those kinds stay silent rather than guess.
    incomplete_kinds: set[str] = field(default_factory=set)

    def of_kind(self, *kinds: str) -> list[Resource]:
        return [r for r in self.resources if r.kind in kinds]

    @cached_property
    def pools_complete(self) -> bool:
        """False when a pool was skipped or holds an unresolved placeholder: membership
        questions ("is this IP in any pool?") then have no reliable answer."""
        return not (self.incomplete_kinds & POOL_KINDS) and not any(
            p.unresolved for p in self.pools
        )


@record
class _Scope:
    """A directory subtree with a namespace that resources inside it inherit or are forced to."""

    directory: str
    namespace: str
    source: str
    overrides: bool  # kustomize/Flux `targetNamespace` override explicit namespaces


class _Builder:
    def __init__(self, sources: list[SourceFile], config: Config, cli_version: str | None):
        self.sources = sources
        self.config = config
        self.cli_version = cli_version
        self.inv: Inventory | None = None
        self.documents = [d for s in sources for d in s.documents]
        self.scopes: list[_Scope] = []
        self._scope_index: tuple[int, dict[str, _Scope]] = (0, {})
        self.patch_files: set[str] = set()
        self.unit_dirs: set[str] = set()
        self.flux_vars: dict[str, str] = {}
        # Flux sources (HelmRepository, OCIRepository, ...) by (kind, name)
        self._flux_sources: dict[tuple, tuple[Document, PathKey, dict]] = {}
        self._scope_cache: dict[str, _Scope | None] = {}
        self._unit_cache: dict[str, str] = {}

    # -- orchestration -----------------------------------------------------------------------

    def build(self) -> Inventory:
        charts = self._charts()
        self._kustomizations()
        roots = [(d, self._objects(d)) for d in self.documents]
        roles = {s.display: s.role for s in self.sources}
        # kustomize does not require apiVersion/kind in kustomization.yaml
        roots = [
            (
                d,
                objs
                or (
                    [((), d.data)]
                    if roles.get(d.path) == "kustomization" and isinstance(d.data, dict)
                    else []
                ),
            )
            for d, objs in roots
        ]
        # Most objects of a large repository are Services, and no Service deploys a path,
        # installs MetalLB, holds chart values or Flux variables: those passes skip them.
        gitops = [(d, objs) for d, objs in roots if not objs or not all(map(_is_service, objs))]
        self._deployment_scopes(gitops)
        self._scope_cache.clear()
        self._flux_variables(gitops)
        values = self._values(charts, gitops)
        every_site = self._install_sites(charts, gitops)
        sites = [s for s in every_site if s.official]
        target = self._target(values, sites)
        inv = Inventory({s.display: s for s in self.sources}, target)
        self.inv = inv
        inv.charts, inv.values, inv.install_sites = charts, values, sites
        inv.other_sites = [s for s in every_site if not s.official]
        for source in self.sources:
            inv.problems.extend(source.problems)
            inv.incomplete_kinds.update(source.incomplete_kinds)
            for chunk, reason, line in source.skipped_templates:
                self._skip(source.display, chunk, reason, line)
        rendered = self._render_templates(charts, values)
        for doc, objects in [*roots, *rendered]:
            inv.documents.append(doc)
            if doc.path in self.patch_files:
                continue  # kustomize patches are partial objects, not resources
            for base, body in objects:
                self._add_resource(doc, base, body)
        for res in inv.resources:
            self._type(res)
        for source in values:
            if not source.is_metallb:
                inv.services.extend(requests_from_values(source, target, self.flux_vars))
        return inv

    # -- charts, kustomizations, scopes --------------------------------------------------------

    def _charts(self) -> list[Chart]:
        charts: dict[str, Chart] = {}
        locks: dict[str, Document] = {}
        for source in self.sources:
            for doc in source.documents:
                if source.role == "chart" and isinstance(doc.data, dict):
                    charts[source.chart_dir or ""] = Chart(
                        source.chart_dir or "",
                        doc,
                        _str(doc.data.get("name")),
                        _dependencies(doc, ("dependencies",)),
                    )
                elif source.role == "chart-lock":
                    locks[source.chart_dir or ""] = doc
        for source in self.sources:
            if source.role == "requirements":
                chart = charts.get(source.chart_dir or "")
                for doc in source.documents:
                    if chart is not None:
                        chart.dependencies.extend(_dependencies(doc, ("dependencies",)))
        for directory, lock in locks.items():
            if directory in charts:
                charts[directory].lock = lock
        self.unit_dirs.update(charts)
        return [charts[k] for k in sorted(charts)]

    def _kustomizations(self) -> None:
        for source in self.sources:
            if source.role != "kustomization":
                continue
            self.unit_dirs.add(source.directory)
            for doc in source.documents:
                data = doc.data if isinstance(doc.data, dict) else {}
                namespace = data.get("namespace")
                if isinstance(namespace, str) and namespace and not has_placeholder(namespace):
                    self.scopes.append(_Scope(source.directory, namespace, doc.path, True))
                for key in ("patchesStrategicMerge", "patches", "patchesJson6902"):
                    for item in _list(data.get(key)):
                        path = item.get("path") if isinstance(item, dict) else item
                        if isinstance(path, str) and "\n" not in path:
                            joined = posixpath.normpath(posixpath.join(source.directory, path))
                            self.patch_files.add(joined)

    def _deployment_scopes(self, roots: list[tuple[Document, list]]) -> None:
        """Argo CD Applications and Flux Kustomizations name a path and a namespace."""
        for doc, objects in roots:
            for _, body in objects:
                kind, api = _str(body.get("kind")), _str(body.get("apiVersion")) or ""
                spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
                if kind == "Application" and api.startswith("argoproj.io/"):
                    dest = (
                        spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
                    )
                    namespace = _str(dest.get("namespace"))
                    for src in _app_sources(spec):
                        path = _str(src.get("path"))
                        if namespace and path and not has_placeholder(path + namespace):
                            for directory in self._dirs_matching(path):
                                self.scopes.append(_Scope(directory, namespace, doc.path, False))
                elif kind == "Kustomization" and api.startswith("kustomize.toolkit.fluxcd.io"):
                    path = _str(spec.get("path"))
                    namespace = _str(spec.get("targetNamespace"))
                    if namespace and path and not has_placeholder(path + namespace):
                        for directory in self._dirs_matching(path):
                            self.scopes.append(_Scope(directory, namespace, doc.path, True))

    def _dirs_matching(self, repo_path: str) -> list[str]:
        """Directories of the linted tree that a repository-relative path may name."""
        wanted = posixpath.normpath(repo_path.strip().lstrip("./")).strip("/")
        if wanted in ("", "."):
            return [""]
        suffix = "/" + wanted
        return sorted(d for d in self._all_dirs if d == wanted or d.endswith(suffix))

    @cached_property
    def _all_dirs(self) -> frozenset[str]:
        """Every directory of the linted tree that holds a read file, and their parents."""
        return frozenset(
            ancestor
            for directory in {source.directory for source in self.sources}
            for ancestor in _ancestors(directory)
        )

    def _scope_for(self, path: str) -> _Scope | None:
        directory = _directory(path)
        if directory not in self._scope_cache:
            self._scope_cache[directory] = self._nearest_scope(directory)
        return self._scope_cache[directory]

    def _nearest_scope(self, directory: str) -> _Scope | None:
        """The scope of the deepest directory that holds `directory` (the first one named
        when several name the same directory). By ancestors, not by scanning every scope: a
        monorepo has thousands of both."""
        by_directory = self._scopes_by_directory()
        for ancestor in _ancestors(directory):
            scope = by_directory.get(ancestor)
            if scope is not None and (
                not ancestor or directory == ancestor or directory.startswith(ancestor + "/")
            ):
                return scope
        return by_directory.get("")  # the whole tree (reached here for absolute paths)

    def _scopes_by_directory(self) -> dict[str, _Scope]:
        if self._scope_index[0] != len(self.scopes):  # scopes were added since
            index: dict[str, _Scope] = {}
            for scope in self.scopes:
                index.setdefault(scope.directory, scope)
            self._scope_index = (len(self.scopes), index)
        return self._scope_index[1]

    def _unit(self, path: str) -> str:
        directory = _directory(path)
        unit = self._unit_cache.get(directory)
        if unit is None:
            unit = next((a or "." for a in _ancestors(directory) if a in self.unit_dirs), None)
            unit = self._unit_cache[directory] = unit or directory or "."
        return unit

    def _flux_variables(self, roots: list[tuple[Document, list]]) -> None:
        for _, objects in roots:
            for _, body in objects:
                spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
                post = spec.get("postBuild") if isinstance(spec.get("postBuild"), dict) else {}
                substitute = post.get("substitute")
                if isinstance(substitute, dict):
                    for key, value in substitute.items():
                        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                            self.flux_vars.setdefault(str(key), str(value))

    # -- values and install sites ------------------------------------------------------------

    def _values(
        self, charts: list[Chart], roots: list[tuple[Document, list]]
    ) -> list[ValuesSource]:
        by_dir = {c.directory: c for c in charts}
        found: list[ValuesSource] = []
        extra = {posixpath.normpath(p) for p in self.config.values_files}
        for source in self.sources:
            if source.role == "values" or source.display in extra:
                chart = by_dir.get(source.chart_dir or "")
                for doc in source.documents:
                    if isinstance(doc.data, dict):
                        found.extend(
                            self._chart_values(doc, (), doc.data, chart, source.display in extra)
                        )
        for doc, objects in roots:
            for base, body in objects:
                found.extend(self._inline_values(doc, base, body))
        return found

    def _chart_values(
        self, doc: Document, base: PathKey, data: dict, chart: Chart | None, forced: bool
    ) -> list[ValuesSource]:
        chart_api = chart.doc.get("apiVersion") if chart else None
        owner = ResourceRef(
            chart_api if isinstance(chart_api, str) else "v2",
            "Chart",
            None,
            chart.name if chart else posixpath.basename(posixpath.dirname(doc.path) or "."),
        )
        unit = self._unit(doc.path)
        namespace = self.release_namespace(chart.directory) if chart else None
        if forced:
            return [ValuesSource(doc, base, data, "metallb", owner, namespace, True, unit)]
        out: list[ValuesSource] = []
        metallb_keys: set[str] = set()
        for dep in chart.dependencies if chart else []:
            if dep.name == "metallb" and is_official_repository(dep.repository):
                key = dep.values_key
                if isinstance(data.get(key), dict):
                    metallb_keys.add(key)
                    out.append(
                        ValuesSource(
                            doc, (*base, key), data[key], "metallb", owner, namespace, True, unit
                        )
                    )
        rest = {k: v for k, v in data.items() if k not in metallb_keys}
        out.append(
            ValuesSource(
                doc, base, rest, chart.name if chart else None, owner, namespace, False, unit
            )
        )
        return out

    def _inline_values(self, doc: Document, base: PathKey, body: dict) -> Iterator[ValuesSource]:
        kind, api = _str(body.get("kind")), _str(body.get("apiVersion")) or ""
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        name = _str(_get(body, "metadata", "name"))
        unit = self._unit(doc.path)
        if kind == "HelmRelease" and api.startswith("helm.toolkit.fluxcd.io"):
            chart = _str(_get(spec, "chart", "spec", "chart"))
            namespace = _str(spec.get("targetNamespace")) or _str(
                _get(body, "metadata", "namespace")
            )
            owner = ResourceRef(api, kind, _str(_get(body, "metadata", "namespace")), name)
            if isinstance(spec.get("values"), dict):
                yield ValuesSource(
                    doc,
                    (*base, "spec", "values"),
                    spec["values"],
                    chart,
                    owner,
                    namespace,
                    chart == "metallb",
                    unit,
                )
        elif kind == "Application" and api.startswith("argoproj.io/"):
            namespace = _str(_get(spec, "destination", "namespace"))
            owner = ResourceRef(api, kind, _str(_get(body, "metadata", "namespace")), name)
            for index, src in enumerate(_app_sources(spec)):
                prefix = (
                    (*base, "spec", "source")
                    if "source" in spec
                    else (*base, "spec", "sources", index)
                )
                helm = src.get("helm") if isinstance(src.get("helm"), dict) else {}
                chart = _str(src.get("chart"))
                is_metallb = chart == "metallb" and is_official_repository(src.get("repoURL"))
                if isinstance(helm.get("valuesObject"), dict):
                    yield ValuesSource(
                        doc,
                        (*prefix, "helm", "valuesObject"),
                        helm["valuesObject"],
                        chart,
                        owner,
                        namespace,
                        is_metallb,
                        unit,
                    )
                elif isinstance(helm.get("values"), str):
                    embedded = _embedded(doc, (*prefix, "helm", "values"), helm["values"])
                    if embedded is not None and isinstance(embedded.data, dict):
                        yield ValuesSource(
                            embedded, (), embedded.data, chart, owner, namespace, is_metallb, unit
                        )
        elif _is_kustomize_file(doc.path, kind, api):
            for index, item in enumerate(_list(body.get("helmCharts"))):
                if isinstance(item, dict) and isinstance(item.get("valuesInline"), dict):
                    chart = _str(item.get("name"))
                    owner = ResourceRef(
                        api or "kustomize.config.k8s.io/v1beta1", "Kustomization", None, chart
                    )
                    yield ValuesSource(
                        doc,
                        (*base, "helmCharts", index, "valuesInline"),
                        item["valuesInline"],
                        chart,
                        owner,
                        _str(item.get("namespace")) or _str(body.get("namespace")),
                        chart == "metallb" and is_official_repository(item.get("repo")),
                        unit,
                    )

    def release_namespace(self, chart_dir: str) -> str | None:
        scope = self._scope_for(posixpath.join(chart_dir, "Chart.yaml")) if chart_dir else None
        return scope.namespace if scope else None

    def _install_sites(
        self, charts: list[Chart], roots: list[tuple[Document, list]]
    ) -> list[InstallSite]:
        sites: list[InstallSite] = []
        for chart in charts:
            for dep in chart.dependencies:
                if dep.name == "metallb":
                    scope = self._scope_for(posixpath.join(chart.directory, "Chart.yaml"))
                    sites.append(
                        InstallSite(
                            "chart-dependency",
                            dep.version,
                            dep.location,
                            dep.repository,
                            scope.namespace if scope else None,
                            scope.source if scope else None,
                            repository_location=dep.repository_location,
                            chart=dep.name,
                            official=is_official_repository(dep.repository),
                            owner=f"chart {chart.name or chart.directory or '.'}",
                            resource=_chart_ref(chart),
                        )
                    )
        self._flux_sources = {
            (_str(body.get("kind")), _str(_get(body, "metadata", "name"))): (doc, base, body)
            for doc, objects in roots
            for base, body in objects
            if _str(body.get("apiVersion")) is not None
            and str(body.get("apiVersion")).startswith("source.toolkit.fluxcd.io")
        }
        for doc, objects in roots:
            for base, body in objects:
                sites.extend(self._sites_in(doc, base, body))
        helmfiles = {path for path in {doc.path for doc in self.documents} if _is_helmfile(path)}
        for doc in self.documents:
            if doc.path in helmfiles and isinstance(doc.data, dict):
                sites.extend(_helmfile_sites(doc))
        return sites

    def _sites_in(self, doc: Document, base: PathKey, body: dict) -> Iterator[InstallSite]:
        kind, api = _str(body.get("kind")), _str(body.get("apiVersion")) or ""
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        if kind == "HelmRelease" and api.startswith("helm.toolkit.fluxcd.io"):
            site = self._helmrelease_site(doc, base, body, spec)
            if site is not None:
                yield site
        elif kind == "Application" and api.startswith("argoproj.io/"):
            yield from _argo_sites(doc, (*base, "spec"), spec, "argocd", body)
        elif kind == "ApplicationSet" and api.startswith("argoproj.io/"):
            template = _get(spec, "template", "spec")
            if isinstance(template, dict):
                yield from _argo_sites(
                    doc, (*base, "spec", "template", "spec"), template, "applicationset", body
                )
        elif _is_kustomize_file(doc.path, kind, api):
            namespace = _str(body.get("namespace"))
            for index, item in enumerate(_list(body.get("helmCharts"))):
                if isinstance(item, dict) and item.get("name") == "metallb":
                    yield InstallSite(
                        "kustomize-helm",
                        item.get("version"),
                        doc.location((*base, "helmCharts", index, "version")),
                        _str(item.get("repo")),
                        _str(item.get("namespace")) or namespace,
                        doc.path,
                        repository_location=doc.location((*base, "helmCharts", index, "repo")),
                        chart="metallb",
                        official=is_official_repository(item.get("repo")),
                        owner="kustomization helmCharts",
                        resource=_kustomization_ref(api),
                    )
            for key in ("resources", "bases", "components"):
                for index, item in enumerate(_list(body.get(key))):
                    site = _manifest_site(doc, (*base, key, index), item, namespace)
                    if site is not None:
                        site.resource = _kustomization_ref(api)
                        yield site

    def _helmrelease_site(
        self, doc: Document, base: PathKey, body: dict, spec: dict
    ) -> InstallSite | None:
        """A Flux HelmRelease of a chart named metallb, with its HelmRepository/OCIRepository."""
        namespace = _str(spec.get("targetNamespace")) or _str(_get(body, "metadata", "namespace"))
        owner = f"HelmRelease {_str(_get(body, 'metadata', 'name')) or ''}".strip()
        resource = _body_ref(body)
        chart_ref = spec.get("chartRef") if isinstance(spec.get("chartRef"), dict) else None
        if chart_ref is not None:  # Flux 2.3+: the chart is an OCIRepository artifact
            ref_kind, ref_name = _str(chart_ref.get("kind")), _str(chart_ref.get("name"))
            found = self._flux_sources.get((ref_kind, ref_name))
            if found is None:
                return None
            src_doc, src_base, src_body = found
            url = _str(_get(src_body, "spec", "url"))
            if not url or posixpath.basename(url.rstrip("/")) != "metallb":
                return None
            ref = _get(src_body, "spec", "ref")
            ref_key = "tag" if isinstance(ref, dict) and "tag" in ref else "semver"
            if isinstance(ref, dict) and "digest" in ref:
                ref_key = "digest"
            return InstallSite(
                "helmrelease",
                _get(src_body, "spec", "ref", ref_key),
                src_doc.location((*src_base, "spec", "ref", ref_key)),
                url,
                namespace,
                doc.path,
                repository_location=src_doc.location((*src_base, "spec", "url")),
                chart="metallb",
                official=is_official_repository(posixpath.dirname(url.rstrip("/"))),
                owner=owner,
                resource=resource,
            )
        if _str(_get(spec, "chart", "spec", "chart")) != "metallb":
            return None
        source_ref = _get(spec, "chart", "spec", "sourceRef")
        url: str | None = None
        url_location: Location | None = None
        official = True  # a source this repository does not hold: assume MetalLB's
        if isinstance(source_ref, dict):
            ref_name = _str(source_ref.get("name"))
            ref_kind = _str(source_ref.get("kind")) or "HelmRepository"
            found = self._flux_sources.get((ref_kind, ref_name))
            if found is not None:
                src_doc, src_base, src_body = found
                url = _str(_get(src_body, "spec", "url"))
                url_location = src_doc.location((*src_base, "spec", "url"))
                official = is_official_repository(url)
            elif ref_name and "bitnami" in ref_name.lower():
                official = False
        return InstallSite(
            "helmrelease",
            _get(spec, "chart", "spec", "version"),
            doc.location((*base, "spec", "chart", "spec", "version")),
            url,
            namespace,
            doc.path,
            repository_location=url_location,
            chart="metallb",
            official=official,
            owner=owner,
            resource=resource,
        )

    def _target(self, values: list[ValuesSource], sites: list[InstallSite]) -> Target:
        version, version_source, version_location, assumed = choose_version(
            self.cli_version, self.config.metallb_version, self.config.path, sites
        )
        mode, mode_source = choose_mode(version, values, sites)
        namespace, namespace_source = choose_namespace(
            self.config.namespace, self.config.path, sites
        )
        return Target(
            version,
            version_source,
            version_location,
            assumed,
            mode,
            mode_source,
            namespace,
            namespace_source,
            load_balancer_class(values),
        )

    # -- templates -----------------------------------------------------------------------------

    def _render_templates(
        self, charts: list[Chart], values: list[ValuesSource]
    ) -> list[tuple[Document, list]]:
        by_dir = {c.directory: c for c in charts}
        chart_values: dict[str, dict] = {}
        for source in self.sources:
            if source.role == "values" and posixpath.basename(source.display) in (
                "values.yaml",
                "values.yml",
            ):
                for doc in source.documents:
                    if isinstance(doc.data, dict):
                        chart_values[source.chart_dir or ""] = doc.data
        out: list[tuple[Document, list]] = []
        for source in self.sources:
            for index, chunk in source.pending_templates:
                chart = by_dir.get(source.chart_dir or "")
                context = {
                    "Values": chart_values.get(source.chart_dir or "", {}),
                    "Chart": {"Name": chart.name if chart else None},
                    "Release": {"Name": chart.name if chart else None},
                }
                namespace = self.release_namespace(source.chart_dir or "")
                if namespace:
                    context["Release"]["Namespace"] = namespace
                if chart and isinstance(chart.doc.data, dict):
                    context["Chart"]["Version"] = chart.doc.data.get("version")
                result = render(chunk.text, context)
                if result.text is None:
                    self._skip(
                        source.display, chunk, result.reason, chunk.start_line + result.line - 1
                    )
                    continue
                doc, problems = compose_chunk(source.display, chunk, index, result.text)
                assert self.inv is not None
                self.inv.problems.extend(problems)
                if doc is not None:
                    out.append((doc, self._objects(doc)))
        return out

    def _skip(self, path: str, chunk: Chunk, reason: str, line: int) -> None:
        assert self.inv is not None
        kinds = set(_KIND_IN_TEXT.findall(chunk.text))
        self.inv.incomplete_kinds.update(kinds)
        what = "/".join(sorted(kinds)) or "document"
        self.inv.unresolved.append(
            Unresolved(
                Location(path, line),
                f"{what} not checked: {reason} cannot be rendered without Helm. Other checks "
                "that need every such resource stay silent",
            )
        )

    # -- resources -----------------------------------------------------------------------------

    def _objects(self, doc: Document) -> list[tuple[PathKey, dict]]:
        """Kubernetes objects in a document: the root, List items, embedded MetalLB resources."""
        data = doc.data
        if not isinstance(data, dict):
            return []
        found: list[tuple[PathKey, dict]] = []
        if _is_object(data):
            if data.get("kind") == "List" and isinstance(data.get("items"), list):
                found.extend(
                    (("items", i), item) for i, item in enumerate(data["items"]) if _is_object(item)
                )
            else:
                found.append(((), data))
        if METALLB_GROUP in doc.text and not _is_metallb(data):
            found.extend(_embedded_metallb(data, ()))
        return found

    def _add_resource(self, doc: Document, base: PathKey, body: dict) -> None:
        assert self.inv is not None
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        explicit = _str(metadata.get("namespace"))
        if explicit and has_placeholder(explicit):
            explicit = self._resolve(doc, (*base, "metadata", "namespace"), explicit)
        effective = explicit
        scope = self._scope_for(doc.path)
        if scope and (scope.overrides or not explicit):
            effective = scope.namespace
        name = _str(metadata.get("name"))
        if name and has_placeholder(name):
            name = self._resolve(doc, (*base, "metadata", "name"), name) or name
        resource = Resource(
            doc,
            base,
            _str(body.get("apiVersion")) or "",
            _str(body.get("kind")) or "",
            name,
            explicit,
            effective,
            self._unit(doc.path),
            body,
        )
        self.inv.resources.append(resource)

    def _resolve(self, doc: Document, path: PathKey, text: str) -> str | None:
        resolved, missing = resolve_flux(text, self.flux_vars)
        if missing or has_placeholder(resolved):
            return None
        return resolved

    def _type(self, res: Resource) -> None:
        assert self.inv is not None
        metallb = res.group == METALLB_GROUP
        if metallb and res.kind in POOL_KINDS:
            self.inv.pools.append(self._pool(res))
        elif metallb and res.kind in ADVERTISEMENT_KINDS:
            self.inv.advertisements.append(_advertisement(res))
        elif metallb and res.kind == "BGPPeer":
            self.inv.peers.append(_bgp_peer(res))
        elif metallb and res.kind == "BFDProfile":
            self.inv.bfd_profiles.append(BFDProfile(res))
        elif metallb and res.kind == "Community":
            self.inv.communities.append(_community(res))
        elif res.kind == "Service" and res.api_version == "v1":
            requests = requests_from_service(res, self.inv.target, self.flux_vars)
            for request in requests:
                request.labels = res.labels
            self.inv.services.extend(requests)

    def _pool(self, res: Resource) -> Pool:
        spec = res.mapping("spec")
        entries: list[PoolEntry] = []
        raw_entries = spec.get("addresses")
        if isinstance(raw_entries, list):
            for index, raw in enumerate(raw_entries):
                if isinstance(raw, str) and has_placeholder(raw):
                    resolved = self._resolve(res.doc, (*res.base, "spec", "addresses", index), raw)
                    raw = resolved if resolved is not None else raw
                entries.append(
                    PoolEntry(
                        index, parse_pool_entry(raw), res.location("spec", "addresses", index)
                    )
                )
        allocation = spec.get("serviceAllocation")
        return Pool(
            res,
            entries,
            isinstance(raw_entries, list),
            spec.get("autoAssign") is not False,
            spec.get("avoidBuggyIPs") is True,
            allocation if isinstance(allocation, dict) else None,
        )


def _advertisement(res: Resource) -> Advertisement:
    spec = res.mapping("spec")
    names = spec.get("ipAddressPools")
    selectors = spec.get("ipAddressPoolSelectors")
    pool_names = None
    unresolved = False
    if isinstance(names, list):
        pool_names = []
        for index, name in enumerate(names):
            if isinstance(name, str):
                unresolved |= has_placeholder(name)
                pool_names.append((name, res.location("spec", "ipAddressPools", index)))
    pool_selectors = (
        [s for s in selectors if isinstance(s, dict)] if isinstance(selectors, list) else None
    )
    ad = Advertisement(res, pool_names, pool_selectors, unresolved)
    ad.node_selectors = _selectors(spec.get("nodeSelectors"))
    ad.service_selectors = _selectors(spec.get("serviceSelectors"))
    if res.kind == "BGPAdvertisement":
        peers = spec.get("peers")
        if isinstance(peers, list):
            ad.peers = [
                (name, res.location("spec", "peers", index))
                for index, name in enumerate(peers)
                if isinstance(name, str)
            ]
        communities = spec.get("communities")
        if isinstance(communities, list):
            ad.communities = [
                (value, res.location("spec", "communities", index))
                for index, value in enumerate(communities)
            ]
    return ad


def _selectors(value: object) -> list[dict]:
    return [s for s in value if isinstance(s, dict)] if isinstance(value, list) else []


def _bgp_peer(res: Resource) -> BGPPeer:
    spec = res.mapping("spec")
    compared = ("myASN", "peerAddress", "interface", "vrf", "routerID", "bfdProfile")
    unresolved = any(
        isinstance(spec.get(key), str) and has_placeholder(spec[key]) for key in compared
    )
    return BGPPeer(res, _selectors(spec.get("nodeSelectors")), unresolved)


def _community(res: Resource) -> Community:
    community = Community(res)
    entries = res.get("spec", "communities")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        where = ("spec", "communities", index)
        community.aliases.append(
            CommunityAlias(
                entry.get("name"),
                entry.get("value"),
                res.location(*where, "value") if "value" in entry else res.location(*where),
                res.location(*where, "name") if "name" in entry else res.location(*where),
            )
        )
    return community


def build_inventory(
    sources: list[SourceFile], config: Config, cli_version: str | None
) -> Inventory:
    return _Builder(sources, config, cli_version).build()


# -- small helpers ---------------------------------------------------------------------------


def _is_kustomize_file(path: str, kind: str | None, api: str) -> bool:
    """A kustomize Kustomization (not Flux's CR of the same kind); its kind may be omitted."""
    if api.startswith("kustomize.toolkit.fluxcd.io"):
        return False
    return kind == "Kustomization" or (
        kind is None and posixpath.basename(path) in KUSTOMIZATION_NAMES
    )


@lru_cache(maxsize=4096)
def _directory(path: str) -> str:
    """The directory of a file path (asked for every document, by several stages)."""
    return posixpath.dirname(path)


def _ancestors(directory: str) -> Iterator[str]:
    """`a/b/c`, `a/b`, `a`, `` (or `/x/y`, `/x`, `/`): terminates for absolute paths too."""
    while True:
        yield directory
        parent = posixpath.dirname(directory)
        if parent == directory:
            return
        directory = parent


def _is_service(obj: tuple[PathKey, dict]) -> bool:
    body = obj[1]
    return body.get("kind") == "Service" and body.get("apiVersion") == "v1"


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _get(node: object, *path: str) -> object:
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _is_object(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("apiVersion"), str)
        and isinstance(value.get("kind"), str)
    )


def _is_metallb(value: dict) -> bool:
    return _is_object(value) and value["apiVersion"].startswith(METALLB_GROUP + "/")


def _embedded_metallb(
    node: object, path: PathKey, depth: int = 0
) -> Iterator[tuple[PathKey, dict]]:
    if depth > 50:
        return
    if isinstance(node, dict):
        if path and _is_metallb(node):
            yield path, node
            return
        for key, value in node.items():
            yield from _embedded_metallb(value, (*path, key), depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _embedded_metallb(value, (*path, index), depth + 1)


def _app_sources(spec: dict) -> list[dict]:
    if isinstance(spec.get("source"), dict):
        return [spec["source"]]
    return [s for s in _list(spec.get("sources")) if isinstance(s, dict)]


def _manifest_site(
    doc: Document, where: PathKey, item: object, namespace: str | None
) -> InstallSite | None:
    """A kustomize remote base or raw manifest URL of MetalLB's repository."""
    if not isinstance(item, str):
        return None
    match = _MANIFEST_URL.search(item)
    if not match:
        return None
    return InstallSite(
        "manifest-url",
        match.group("kref") or match.group("rref"),
        doc.location(where),
        item,
        namespace,
        doc.path,
        path_hint=(match.group("kpath") or match.group("rpath") or "").strip("/"),
        repository_location=doc.location(where),
        owner="kustomization",
    )


def _argo_sites(
    doc: Document, spec_path: PathKey, spec: dict, kind: str, body: dict
) -> Iterator[InstallSite]:
    """The metallb chart sources (and MetalLB git sources) of an Argo CD Application, or of an
    ApplicationSet's template when its values are literal."""
    namespace = _str(_get(spec, "destination", "namespace"))
    name = _str(_get(body, "metadata", "name")) or ""
    owner = f"{'Application' if kind == 'argocd' else 'ApplicationSet'} {name}".strip()
    for index, src in enumerate(_app_sources(spec)):
        prefix = (*spec_path, "source") if "source" in spec else (*spec_path, "sources", index)
        repo = _str(src.get("repoURL"))
        revision = src.get("targetRevision")
        if kind == "applicationset" and has_placeholder(f"{repo} {revision} {src.get('chart')}"):
            continue  # filled in by a generator: not literal
        if _str(src.get("chart")) == "metallb":
            yield InstallSite(
                kind,
                revision,
                doc.location((*prefix, "targetRevision")),
                repo,
                namespace if namespace and not has_placeholder(namespace) else None,
                doc.path,
                repository_location=doc.location((*prefix, "repoURL")),
                chart="metallb",
                official=is_official_repository(repo),
                owner=owner,
                resource=_body_ref(body),
            )
        elif repo and re.search(r"github\.com/metallb/metallb(?:\.git)?/?$", repo):
            path = _str(src.get("path")) or ""
            yield InstallSite(
                "manifest-url",
                revision if revision is not None else "HEAD",
                doc.location((*prefix, "targetRevision")),
                repo,
                namespace,
                doc.path,
                path_hint=path.strip("/"),
                repository_location=doc.location((*prefix, "repoURL")),
                owner=owner,
                resource=_body_ref(body),
            )


def _body_ref(body: dict) -> ResourceRef:
    return ResourceRef(
        _str(body.get("apiVersion")) or "",
        _str(body.get("kind")) or "",
        _str(_get(body, "metadata", "namespace")),
        _str(_get(body, "metadata", "name")),
    )


def _kustomization_ref(api: str) -> ResourceRef:
    return ResourceRef(api or "kustomize.config.k8s.io/v1beta1", "Kustomization", None, None)


def _chart_ref(chart: Chart) -> ResourceRef:
    api = chart.doc.get("apiVersion")
    return ResourceRef(api if isinstance(api, str) else "v2", "Chart", None, chart.name)


def _is_helmfile(path: str) -> bool:
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path))
    return name in ("helmfile.yaml", "helmfile.yml") or (
        folder == "helmfile.d" and name.endswith((".yaml", ".yml"))
    )


def _helmfile_sites(doc: Document) -> Iterator[InstallSite]:
    """helmfile releases of a chart named metallb (`metallb/metallb` or an OCI reference)."""
    repositories: dict[str, tuple[int, dict]] = {}
    for index, repo in enumerate(_list(doc.get("repositories"))):
        if isinstance(repo, dict) and isinstance(repo.get("name"), str):
            repositories[repo["name"]] = (index, repo)
    for index, release in enumerate(_list(doc.get("releases"))):
        if not isinstance(release, dict) or not isinstance(release.get("chart"), str):
            continue
        chart = release["chart"].strip()
        if posixpath.basename(chart.rstrip("/")) != "metallb" or has_placeholder(chart):
            continue
        if chart.startswith((".", "/")):
            continue  # a local chart folder: its version is whatever the folder holds
        where = ("releases", index)
        url: str | None
        url_location = doc.location((*where, "chart"))
        if "://" in chart:
            url = posixpath.dirname(chart.rstrip("/"))
        elif "/" in chart and chart.split("/", 1)[0] in repositories:
            repo_index, repo = repositories[chart.split("/", 1)[0]]
            url = _str(repo.get("url"))
            if url and repo.get("oci") is True and "://" not in url:
                url = "oci://" + url
            url_location = doc.location(("repositories", repo_index, "url"))
        else:
            url = None  # a local chart folder or an unknown repository
        yield InstallSite(
            "helmfile",
            release.get("version"),
            doc.location((*where, "version")),
            url,
            _str(release.get("namespace")),
            doc.path,
            repository_location=url_location,
            chart=chart,
            official=url is None or is_official_repository(url),
            owner=f"helmfile release {_str(release.get('name')) or ''}".strip(),
            resource=ResourceRef(
                "helmfile", "Release", _str(release.get("namespace")), _str(release.get("name"))
            ),
        )


def _dependencies(doc: Document, path: PathKey) -> list[Dependency]:
    deps: list[Dependency] = []
    for index, item in enumerate(_list(doc.get(*path))):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        where = (*path, index, "version") if "version" in item else (*path, index)
        deps.append(
            Dependency(
                item["name"],
                _str(item.get("alias")),
                item.get("version"),
                _str(item.get("repository")),
                _str(item.get("condition")),
                doc.location(where),
                doc.location((*path, index, "repository")),
            )
        )
    return deps


def _embedded(doc: Document, path: PathKey, text: str) -> Document | None:
    """A YAML document held in a string (Argo CD `helm.values: |`), located in its file."""
    line, column, _, _ = doc.positions.span(path)
    source_lines = doc.text.split("\n")
    first = line - doc.start_line  # 0-based index of the value's first line within doc.text
    header = source_lines[first] if 0 <= first < len(source_lines) else ""
    block = header.rstrip().endswith(("|", "|-", "|+", ">", ">-", ">+"))
    start_line = line + 1 if block else line
    indent = 0
    if block and first + 1 < len(source_lines):
        following = next((s for s in source_lines[first + 1 :] if s.strip()), "")
        indent = len(following) - len(following.lstrip(" "))
    chunk = Chunk(start_line, text)
    embedded, problems = compose_chunk(doc.path, chunk, doc.index)
    if embedded is None:
        return None
    if indent:
        shift = {
            k: (a, b + indent, c, d + indent)
            for k, (a, b, c, d) in embedded.positions.values.items()
        }
        keys = {
            k: (a, b + indent, c, d + indent) for k, (a, b, c, d) in embedded.positions.keys.items()
        }
        embedded.positions.values, embedded.positions.keys = shift, keys
    del column, problems
    return embedded
