"""Documents to typed objects (the `inventory` stage), plus the target version and mode.

Everything the checks read comes from here: MetalLB resources (wherever they are embedded),
Services and the service blocks of chart values, charts and their values, where MetalLB is
installed, and which namespace each resource really lands in. What each GitOps tool does to a
file (kustomize, Flux, Argo CD, Helm, helmfile) is read by the modules of `gitops/`.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from metallb_lint.config import Config
from metallb_lint.findings import Location, ResourceRef
from metallb_lint.gitops import (
    argocd,
    chains,
    deployment,
    fleet,
    flux,
    helm,
    helmfile,
    images,
    kustomize,
    patches,
    replacements,
    scripts,
)
from metallb_lint.gitops.deployment import Deployment
from metallb_lint.gitops.fields import get, is_object, items, text
from metallb_lint.gitops.placeholders import has_placeholder, resolve_flux
from metallb_lint.gitops.scopes import Scope, Scopes, ancestors
from metallb_lint.load.discover import Candidate
from metallb_lint.load.documents import (
    Chunk,
    Document,
    LoadProblem,
    PathKey,
    compose_chunk,
    split_documents,
)
from metallb_lint.load.sources import KUSTOMIZATION_NAMES, SourceFile, documents_on_disk
from metallb_lint.metallb import bitnami
from metallb_lint.metallb.addresses import ParsedEntry, parse_pool_entry
from metallb_lint.metallb.bitnami import is_bitnami
from metallb_lint.metallb.versions import Version
from metallb_lint.model import rendering
from metallb_lint.model.objects import (
    ADVERTISEMENT_KINDS,
    METALLB_GROUP,
    POOL_KINDS,
    Advertisement,
    BFDProfile,
    BGPPeer,
    Chart,
    Community,
    CommunityAlias,
    InstallSite,
    PatchedResource,
    Pool,
    PoolEntry,
    Resource,
    ServiceRequest,
    ValuesSource,
)
from metallb_lint.model.service_requests import requests_from_service, requests_from_values
from metallb_lint.model.target import (
    Target,
    choose_mode,
    choose_namespace,
    choose_version,
    chosen_range,
    default_mode,
    load_balancer_class,
)
from metallb_lint.safeio import read_optional_text

_SERVICE_KIND = re.compile(r"^kind:[ \t]*['\"]?Service['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)
_KIND_IN_TEXT = re.compile(r"^kind:\s*['\"]?([A-Za-z0-9]+)", re.MULTILINE)


@dataclass
class Unresolved:
    """A value or document left out because a placeholder or template was not resolved."""

    location: Location
    message: str


@dataclass
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
    # Where the repository says which MetalLB release runs without pinning MetalLB's own chart
    # or manifests: container image tags, Bitnami's chart versions (gitops/images.py).
    release_sites: list[InstallSite] = field(default_factory=list)
    # What the repository's entry points apply, and the files with MetalLB objects they do not
    # (path, why): those are not judged (ML007 says so).
    deployment: Deployment | None = None
    undeployed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    # Kinds of documents that were skipped (unrendered templates): checks that need the whole
    # set of those kinds stay silent rather than guess.
    incomplete_kinds: set[str] = field(default_factory=set)
    # The Flux variables the repository defines with one value (gitops/flux.py variables).
    flux_vars: dict[str, str] = field(default_factory=dict)
    # Jinja templates of manifests in the tree, never linted (model/announcers.py reads them).
    jinja: list[Candidate] = field(default_factory=list)
    # Every candidate file of the tree (display paths), loaded or skipped by relevance.
    files: frozenset[str] = frozenset()
    # Spans of base objects that an overlay's kustomize patch replaces (gitops/patches.py):
    # what is written there is not what is deployed, and nothing is judged there.
    superseded: list[Location] = field(default_factory=list)
    superseding_folders: list[str] = field(default_factory=list)  # of each superseded span
    # Services as an overlay's strategic-merge patch leaves them (gitops/patches.py), judged
    # in place of the base Service they patch
    patched: list[PatchedResource] = field(default_factory=list)
    # Files whose objects a kustomize namePrefix/nameSuffix renames (MetalLB's references to
    # them are not rewritten): path -> the rename
    renamed: dict[str, kustomize.Rename] = field(default_factory=dict)
    # The OLM Subscription that installs the MetalLB Operator, when the repository has one
    operator: OperatorSubscription | None = None
    # What the kustomize engine built (`--render`), when it ran
    engine_builds: rendering.Outcome | None = None

    def is_superseded(self, location: Location) -> bool:
        return bool(self.superseded_by(location))

    def superseded_by(self, location: Location) -> tuple[str, ...]:
        """The folders of the kustomizations whose patches or replacements write what is at
        `location` (none: what is written there is deployed)."""
        point = (location.line, location.column)
        folders = self.superseding_folders
        found = [
            folders[index] if index < len(folders) else ""
            for index, span in enumerate(self.superseded)
            if span.path == location.path
            and (span.line, span.column) <= point <= (span.end_line, span.end_column)
        ]
        return tuple(sorted(set(found)))

    def of_kind(self, *kinds: str) -> list[Resource]:
        return [r for r in self.resources if r.kind in kinds]

    @cached_property
    def pools_resolved(self) -> bool:
        """No pool that was read holds an unresolved placeholder (its addresses are known)."""
        return not any(p.unresolved for p in self.pools)

    @cached_property
    def pools_complete(self) -> bool:
        """False when a pool was skipped or holds an unresolved placeholder: membership
        questions ("is this IP in any pool?") then have no reliable answer."""
        return not (self.incomplete_kinds & POOL_KINDS) and not any(
            p.unresolved for p in self.pools
        )


class _Builder:
    def __init__(
        self,
        sources: list[SourceFile],
        config: Config,
        cli_version: str | None,
        files: Iterable[str] | None = None,
        scripts: Iterable[Candidate] = (),
        render: rendering.Request | None = None,
    ):
        self.sources = sources
        self.render = render
        self.scripts = list(scripts)
        # (one frozenset, shared by the deployment model and the inventory: a large tree's
        # paths are tens of thousands)
        self.files = frozenset(files if files is not None else (s.display for s in sources))
        self.config = config
        self.cli_version = cli_version
        self.inv: Inventory | None = None
        self.documents = [d for s in sources for d in s.documents]
        self.scopes = Scopes(source.directory for source in sources)
        self.patch_files: set[str] = set()
        # Service patches whose Service a chart renders: what the patch does not say is unknown
        self.partial_services: set[int] = set()
        self._reads_by_chart: dict[str, helm.TemplateReads | None] = {}
        self._disk_services: dict[str, list[tuple[Document, dict]]] = {}
        self.flux_vars: dict[str, str] = {}
        self._operator: OperatorSubscription | None = None
        self._resolved: set[int] = set()  # objects whose replacements were resolved
        self.deployment = Deployment("uncertain")
        self._deployments: dict[int, str] = {}  # id of a chains.py document -> its deployment

    def build(self) -> Inventory:
        charts = helm.read_charts(self.sources)
        self.scopes.unit_dirs.update(c.directory for c in charts)
        self.patch_files = kustomize.read_kustomizations(self.sources, self.scopes)
        roots = [(d, self._objects(d)) for d in self.documents]
        self._operator = next(
            (
                OperatorSubscription.of(doc, base, body)
                for doc, objects in roots
                for base, body in objects
                if _is_operator_subscription(body)
            ),
            None,
        )
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
        self.scopes.forget_lookups()
        skipped: list[tuple[str, Chunk, str, int]] = []
        render_problems: list[LoadProblem] = []
        rendered = [
            (doc, self._objects(doc))
            for doc in helm.render_templates(
                self.sources,
                charts,
                self.release_namespace,
                lambda *args: skipped.append(args),
                render_problems,
            )
        ]
        followed = self._followed(charts)
        if followed.templates:  # rendered there with every value the installs give
            rendered = [(d, o) for d, o in rendered if d.path not in followed.templates]
            skipped = [s for s in skipped if s[0] not in followed.templates]
        rendered.extend((doc, self._objects(doc)) for doc in followed.documents)
        self._deployments = {id(doc): followed.deployments[k] for k, doc in followed.labelled()}
        # What the entry points and kustomizations apply; the rest is not judged (ML007).
        setup = {
            doc.path for doc, objects in [*roots, *rendered] if _configures_metallb(doc, objects)
        }
        self.deployment = deployment.analyse(
            self.files,
            {
                s.directory: (s.display, s.documents[0].data)
                for s in self.sources
                if s.role == "kustomization"
                and s.documents
                and isinstance(s.documents[0].data, dict)
            },
            [c.directory for c in charts],
            [*gitops, *rendered],
            [kind for s in self.sources for kind in s.incomplete_kinds]
            + [
                kind
                for s in self.sources
                for chunk, _, _ in s.skipped_templates
                for kind in _KIND_IN_TEXT.findall(chunk.text)
            ]
            + [k for _, chunk, _, _ in skipped for k in _KIND_IN_TEXT.findall(chunk.text)],
            setup,
        )
        self._reached_namespaces()
        deployed = self.deployment.deployed
        roots = [(d, objs) for d, objs in roots if deployed(d.path)]
        # Flux sources are looked up in every file: one applied by hand or from another folder
        # still says where a chart comes from.
        sources_anywhere = flux.FluxSources(gitops)
        rendered = [(d, objs) for d, objs in rendered if deployed(d.path)]
        rendered_charts = {  # rendered template -> its chart's folder
            d.path: self._sources_by_path[d.path].chart_dir or ""
            for d, _ in rendered
            if d.path in self._sources_by_path
        }
        # an app-of-apps chart's templates render Applications and HelmReleases: they install too
        gitops = [(d, objs) for d, objs in gitops if deployed(d.path)] + [
            (d, objs) for d, objs in rendered if any(map(_is_gitops_object, objs))
        ]
        charts = [c for c in charts if deployed(c.doc.path)]
        self.flux_vars = flux.variables(gitops)
        values = self._values(charts, gitops)
        every_site = self._install_sites(charts, gitops, sources_anywhere)
        sites = [s for s in every_site if s.official]
        others = [s for s in every_site if not s.official]
        releases = self._release_sites(gitops, values, others)
        target = self._target(values, sites, releases, _legacy_era(gitops, values))
        inv = Inventory({s.display: s for s in self.sources}, target)
        self.inv = inv
        inv.charts, inv.values = charts, values
        inv.install_sites = [
            replace(site, substituted=self._substituted(site).substituted) for site in sites
        ]
        inv.other_sites, inv.release_sites = others, releases
        inv.deployment = self.deployment
        inv.operator = self._operator
        inv.flux_vars = self.flux_vars
        for source in self.sources:
            if not deployed(source.display):
                if _about_metallb(source):
                    inv.undeployed.append((source.display, self.deployment.reasons[source.display]))
                continue
            inv.problems.extend(self._problems_of(source))
            inv.incomplete_kinds.update(source.incomplete_kinds)
            applied_by = self.deployment.literal.get(source.display)
            for chunk, reason, line in source.skipped_templates:
                if applied_by is None:
                    self._skip(source.display, chunk, reason, line)
                    continue
                inv.problems.append(_literal_template(source.display, chunk, line, applied_by))
                inv.incomplete_kinds.update(_KIND_IN_TEXT.findall(chunk.text))
        for path, chunk, reason, line in skipped:
            if deployed(path):
                self._skip(path, chunk, reason, line)
        inv.unresolved.extend(Unresolved(where, why) for where, why in followed.notes)
        inv.problems.extend(p for p in render_problems if deployed(p.location.path))
        for doc, objects in [*roots, *rendered]:
            inv.documents.append(doc)
            if doc.path in self.patch_files:
                continue  # kustomize patches are partial objects, not resources
            for base, body in objects:
                self._add_resource(doc, base, body)
        inv.resources = self._replaced(self._kustomize_keeps(inv.resources))
        patched, unmatched = self._patched_services(inv.resources)
        inv.patched = [p for group in patched.values() for p in group]
        built = self._rendered(inv.resources, inv.patched)
        superseded = self._superseded([r for r in inv.resources if id(r) not in built.covered])
        inv.superseded = [location for location, _ in superseded]
        inv.superseding_folders = [folder for _, folder in superseded]
        for res in inv.resources:
            for deployed_as in patched.get(id(res), [res]):
                for judged_as in built.judged_as(deployed_as):
                    self._type(judged_as)
        inv.resources = [j for res in inv.resources for j in built.judged_as(res)]
        loaded = {id(res) for res in inv.resources}
        for res in [p for p in inv.patched if id(p.original) not in loaded] + unmatched:
            self._type(res)  # a base the relevance filter skipped, or no base at all
        inv.renamed = kustomize.renames(
            (
                (source.directory, source.documents[0])
                for source in self._kustomizations.values()
                if source.documents and self.deployment.deployed(source.display)
            ),
            self.deployment.reach,
        )
        for res in inv.resources:  # MetalLB's objects under the names they are deployed with
            rename = inv.renamed.get(res.path)
            if rename is not None and res.name and res.group == METALLB_GROUP:
                res.written_name, res.name = res.name, rename.apply(res.name)
        for source in values:
            if not source.is_metallb:
                rendered = self._template_reads(charts, source)
                inv.services.extend(requests_from_values(source, target, self.flux_vars, rendered))
        for res in inv.resources:  # Services that operators create from a custom resource
            if _may_describe_services(res) and isinstance(res.body.get("spec"), dict):
                spec = ValuesSource(
                    res.doc,
                    (*res.base, "spec"),
                    res.body["spec"],
                    None,
                    res.ref,
                    res.effective_namespace,
                    False,
                    res.unit,
                )
                inv.services.extend(requests_from_values(spec, target, self.flux_vars))
        inv.services = _without_rendered_duplicates(
            inv.services,
            rendered_charts,
        )
        # Services of a cluster where MetalLB does not run are another load balancer's
        elsewhere = self.deployment.without_metallb(setup)
        if elsewhere:
            inv.services = [r for r in inv.services if r.head.path not in elsewhere]
        return inv

    def _replaced(self, resources: list[Resource]) -> list[Resource]:
        """MetalLB's objects and Services as the `replacements` the repository resolves leave
        them, where every root kustomization that builds them applies those replacements; a
        value a replacement copies is located at its source (the ConfigMap's field)."""
        found = [
            replacement
            for doc in self._deployed_kustomizations()
            if doc.data.get("replacements")
            for replacement in replacements.resolved(
                doc,
                doc.data,
                self.deployment.reach(posixpath.dirname(doc.path)),
                self._documents_of,
            )
        ]
        if not found:
            return resources
        reach = self.deployment.reach
        out = []
        for res in resources:
            applied = [
                r for r in found if r.selects(res.kind, res.name) and res.path in reach(r.folder)
            ]
            if not applied or not self._built_only_through(res.path, {r.folder for r in applied}):
                out.append(res)
                continue
            body: dict | None = res.body
            for replacement in applied:
                body = replacement.apply(body) if body is not None else None
            if body is None:
                out.append(res)  # kustomize refuses the build: left to the engine
                continue
            source = applied[-1]
            variant = PatchedResource(
                res.doc,
                res.base,
                res.api_version,
                res.kind,
                res.name,
                res.namespace,
                res.effective_namespace,
                res.unit,
                body,
                res.written_name,
                patch_doc=source.source_doc,
                written_at=_replacement_writer(applied),
                original=res,
                overlay=source.folder,
            )
            self._resolved.add(id(variant))
            out.append(variant)
        return out

    @cached_property
    def _kustomize_roots(self) -> list[str]:
        return kustomize.roots(set(self._kustomizations), self.deployment.reach)

    def _roots_reaching(self, path: str) -> list[str]:
        """The root kustomizations that build `path`."""
        reach = self.deployment.reach
        return [root for root in self._kustomize_roots if path in reach(root)]

    def _built_only_through(self, path: str, folders: set[str]) -> bool:
        """Whether some root kustomization builds `path` and every one that does goes through
        the kustomization of one of `folders` (which patch or replace what it holds)."""
        reach = self.deployment.reach
        files = {kustomize.own_kustomization(folder, reach(folder)) for folder in folders}
        files.discard(None)
        reaching = self._roots_reaching(path)
        return bool(files and reaching) and all(
            any(file in reach(root) for file in files) for root in reaching
        )

    def _reach_of(self, kustomization: str) -> frozenset[str]:
        return self.deployment.reach(posixpath.dirname(kustomization))

    def _problems_of(self, source: SourceFile) -> list[LoadProblem]:
        """A file's load problems; a kustomization's syntax only where MetalLB's objects or
        the Services it serves lie below it (kustomize cannot build them, so they are never
        applied), said in the message."""
        if source.role != "kustomization" or not any(
            p.rule in ("ML001", "ML003") for p in source.problems
        ):
            return source.problems
        below = source.directory + "/" if source.directory else ""
        metallb = sorted(
            other.display
            for other in self.sources
            if other is not source
            and other.display.startswith(below)
            and other.role != "kustomization"
            and _about_metallb(other)
        )
        kept = []
        for problem in source.problems:
            if problem.rule not in ("ML001", "ML003"):
                kept.append(problem)
            elif metallb:
                more = f" and {len(metallb) - 1} more" if len(metallb) > 1 else ""
                message = (
                    f"{problem.message}; kustomize cannot build "
                    f"{source.directory or '.'}/, so what it holds ({metallb[0]}{more}) is "
                    "never applied through it"
                )
                kept.append(replace(problem, message=message))
        return kept

    def _kustomize_keeps(self, resources: list[Resource]) -> list[Resource]:
        """The resources kustomize builds: not one annotated
        `config.kubernetes.io/local-config: "true"`, nor one a `$patch: delete` removes, in
        every root kustomization that reaches its file (applied some other way, it stays)."""
        deletions = [
            deletion
            for doc in self._deployed_kustomizations()
            for deletion in patches.deletions(doc, doc.data, self._documents_of)
        ]
        flagged = [
            res
            for res in resources
            if res.annotations.get(_LOCAL_CONFIG) in ("true", True)
            or any(d.kind == res.kind and d.name in (None, res.name) for d in deletions)
        ]
        if not flagged:
            return resources
        reach = self.deployment.reach
        dropped: set[int] = set()
        for res in flagged:
            if res.annotations.get(_LOCAL_CONFIG) in ("true", True):
                if self._roots_reaching(res.path):  # (applied some other way, it stays)
                    dropped.add(id(res))
                continue
            deleters = {
                d.folder
                for d in deletions
                if d.kind == res.kind and d.name in (None, res.name) and res.path in reach(d.folder)
            }
            if self._built_only_through(res.path, deleters):
                dropped.add(id(res))
        return [res for res in resources if id(res) not in dropped]

    def _reached_namespaces(self) -> None:
        """The namespace of files a kustomization with `namespace:` reaches outside its
        folder (`resources: [../base]`): kustomize sets it there too."""
        namespaces: dict[str, tuple[str, str]] = {}
        for source in self._kustomizations.values():
            data = source.documents[0].data if source.documents else None
            namespace = data.get("namespace") if isinstance(data, dict) else None
            if isinstance(namespace, str) and namespace and not has_placeholder(namespace):
                namespaces[source.directory] = (namespace, source.display)
        folders = {source.directory for source in self._kustomizations.values()}
        reached = kustomize.reached_namespaces(namespaces, folders, self.deployment.reach)
        for path, (namespace, own) in reached.items():
            self.scopes.set_file_scope(path, Scope(posixpath.dirname(own), namespace, own, True))

    def _deployment_scopes(self, roots: list[tuple[Document, list]]) -> None:
        """Argo CD Applications and Flux Kustomizations name a path and a namespace."""
        for doc, objects in roots:
            for _, body in objects:
                kind, api = text(body.get("kind")), text(body.get("apiVersion")) or ""
                spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
                if argocd.is_application(kind, api):
                    argocd.application_scope(doc, spec, self.scopes)
                elif flux.is_flux_kustomization(kind, api):
                    flux.kustomization_scope(doc, spec, self.scopes)

    def release_namespace(self, chart_dir: str) -> str | None:
        scope = (
            self.scopes.scope_for(posixpath.join(chart_dir, "Chart.yaml")) if chart_dir else None
        )
        return scope.namespace if scope else None

    # -- values and install sites ------------------------------------------------------------

    def _values(
        self, charts: list[Chart], roots: list[tuple[Document, list]]
    ) -> list[ValuesSource]:
        by_dir = {c.directory: c for c in charts}
        found: list[ValuesSource] = []
        extra = {posixpath.normpath(p) for p in self.config.values_files}
        for source in self.sources:
            if not self.deployment.deployed(source.display):
                continue
            if source.role == "values" or source.display in extra:
                chart = by_dir.get(source.chart_dir or "")
                namespace = self.release_namespace(chart.directory) if chart else None
                for doc in source.documents:
                    if isinstance(doc.data, dict):
                        found.extend(
                            helm.chart_values(
                                doc,
                                (),
                                doc.data,
                                chart,
                                source.display in extra,
                                self.scopes.unit(doc.path),
                                namespace,
                            )
                        )
        # ConfigMaps and Secrets by kind and name, for HelmReleases' `valuesFrom`
        holders: dict[tuple[str, str], list[tuple[Document, PathKey, dict]]] = {}
        for doc, objects in roots:
            for base, body in objects:
                kind, name = text(body.get("kind")), text(get(body, "metadata", "name"))
                if kind in ("ConfigMap", "Secret") and name:
                    holders.setdefault((kind, name), []).append((doc, base, body))
        for doc, objects in roots:
            for base, body in objects:
                kind, api = text(body.get("kind")), text(body.get("apiVersion")) or ""
                unit = self._unit_of(doc)
                if flux.is_helmrelease(kind, api):
                    values_from = functools.partial(self._values_from, holders)
                    found.extend(flux.helmrelease_values(doc, base, body, api, unit, values_from))
                elif argocd.is_application(kind, api):
                    found.extend(
                        argocd.application_values(
                            doc, base, body, api, unit, self._documents_of_repository_path
                        )
                    )
                elif kustomize.is_kustomize_file(doc.path, kind, api):
                    found.extend(
                        kustomize.helm_chart_values(doc, base, body, api, unit, self._documents_of)
                    )
            if not objects and fleet.is_fleet_file(doc):
                found.extend(fleet.values(doc, self.scopes.unit(doc.path)))
        found.extend(self._script_values())
        # A values file can be named twice (a chart's own values.yaml that an Application's
        # `valueFiles` lists too): it is one source of values, read once.
        unique: dict[tuple[str, int, PathKey], ValuesSource] = {}
        for source in found:
            unique.setdefault((source.doc.path, source.doc.index, source.base), source)
        return list(unique.values())

    def _template_reads(
        self, charts: list[Chart], source: ValuesSource
    ) -> Callable[[PathKey], bool] | None:
        """For a local chart's own values.yaml: which values its templates render."""
        folder = posixpath.dirname(source.doc.path)
        if source.base or posixpath.basename(source.doc.path) not in helm.VALUES_NAMES:
            return None
        chart = next((c for c in charts if c.directory == folder), None)
        if chart is None:
            return None
        if folder not in self._reads_by_chart:
            self._reads_by_chart[folder] = helm.template_reads(chart, self.files, self._text_of)
        found = self._reads_by_chart[folder]
        return found.reads if found is not None else None

    def _unit_of(self, doc: Document) -> str:
        """The deployment unit of a document: its folder's, or for a document of one of
        several deployments an install may be (chains.py), that deployment's."""
        unit = self.scopes.unit(doc.path)
        deployment = self._deployments.get(id(doc))
        return f"{unit} ({deployment})" if deployment else unit

    def _followed(self, charts: list[Chart]) -> chains.Followed:
        """What the charts of the repository that its scripts install render (chains.py)."""
        folders = {c.directory for c in charts}
        installs = [
            (script.display, install)
            for script in self.scripts
            for install in scripts.local_installs(script, folders)
        ]
        if not installs:
            return chains.Followed()
        return chains.Follower(charts, self.files, self._documents_of).follow(installs)

    def _text_of(self, path: str) -> str | None:
        source = self._sources_by_path.get(path)
        known = source.text if source is not None else None
        if known is not None:
            return known
        text, problem = read_optional_text(path)
        return None if problem else text

    def _script_values(self) -> Iterator[ValuesSource]:
        """The values files a shell script's helm command passes to MetalLB's (or Bitnami's)
        chart: a path as written, from the repository's root or from the script's folder."""
        for script in self.scripts:
            for site, paths in scripts.helm_installs(script):
                owner = ResourceRef("v1", "Script", None, script.display)
                for written in paths:
                    for folder in ("", posixpath.dirname(script.display)):
                        path = posixpath.normpath(posixpath.join(folder, written))
                        if path in self.files and not has_placeholder(written):
                            yield from ValuesSource.files(
                                self._documents_of(path),
                                "metallb",
                                owner,
                                site.namespace,
                                site.official,
                                self.scopes.unit(path),
                            )
                            break

    def _superseded(self, resources: list[Resource]) -> list[tuple[Location, str]]:
        """Where base objects hold what an overlay's kustomize patch or replacement replaces,
        with the folder of that kustomization."""
        found: list[tuple[Location, str]] = []
        for doc in self._deployed_kustomizations():
            for override in patches.overrides(doc, doc.data, self._documents_of):
                reached = self.deployment.reach(override.folder)
                for res in resources:
                    if (
                        res.kind == override.kind
                        and override.name in (None, res.name)
                        and res.doc.path in reached
                        and not (override.replacement and id(res) in self._resolved)
                    ):
                        found.extend(
                            (res.location(*path), override.folder)
                            for path in override.paths
                            if _has_path(res.body, path)
                        )
        return found

    def _rendered(
        self, resources: list[Resource], patched: list[PatchedResource]
    ) -> rendering.Outcome:
        """What the kustomize engine builds, where the run asks for it (`--render`)."""
        assert self.inv is not None
        if self.render is None:
            return rendering.Outcome()
        outcome = rendering.render(
            self.render,
            self.deployment,
            self.files,
            resources,
            patched,
            self._documents_of,
        )
        self.inv.engine_builds = outcome
        for path, why in outcome.failed:
            self.inv.unresolved.append(
                Unresolved(
                    Location(path, 1, 1),
                    f"kustomize could not build {posixpath.dirname(path) or '.'} ({why}); what "
                    "it reaches was judged as written",
                )
            )
        return outcome

    def _deployed_kustomizations(self) -> Iterator[Document]:
        """The kustomization documents something deploys (their data a mapping)."""
        for source in self.sources:
            if source.role != "kustomization" or not self.deployment.deployed(source.display):
                continue
            yield from (doc for doc in source.documents if isinstance(doc.data, dict))

    def _patched_services(
        self, resources: list[Resource]
    ) -> tuple[dict[int, list[PatchedResource]], list[Resource]]:
        """Services as the overlays' strategic-merge patches leave them: for each base Service
        an overlay patches, the merged Service of every overlay (in place of the base), and the
        patches whose Service the repository does not hold (a chart renders it), read alone."""
        patched: dict[int, list[PatchedResource]] = {}
        unmatched: list[Resource] = []
        services = [r for r in resources if r.kind == "Service" and r.api_version == "v1"]
        for doc in self._deployed_kustomizations():
            for patch in patches.service_patches(doc, doc.data, self._documents_of):
                reached = self.deployment.reach(patch.folder)
                bases = [r for r in services if r.name == patch.name and r.doc.path in reached]
                bases = bases or self._filtered_services(reached, patch.name)
                for base in bases:
                    patched.setdefault(id(base), []).append(self._patched(doc, base, patch))
                if not bases:
                    unmatched.append(self._patched(doc, None, patch))
                    self.partial_services.add(id(unmatched[-1]))
        return patched, unmatched

    def _filtered_services(self, reached: frozenset[str], name: str) -> list[Resource]:
        """The Services named `name` in the files a kustomization reaches that the relevance
        filter skipped (a ClusterIP Service mentions no load balancer until a patch does)."""
        found = []
        for path in sorted(reached):
            if posixpath.basename(path) in KUSTOMIZATION_NAMES or path in self.patch_files:
                continue
            for doc, body in self._services_on_disk(path):
                if text(get(body, "metadata", "name")) == name:
                    found.append(self._resource(doc, (), body))
        return found

    def _services_on_disk(self, path: str) -> list[tuple[Document, dict]]:
        """The Service documents of a file, read once per run: a file without the word
        `Service` is not parsed at all."""
        if path not in self._disk_services:
            services: list[tuple[Document, dict]] = []
            raw = self._text_of(path) if path in self.files else None
            if raw is not None and "\r" in raw:
                raw = raw.replace("\r\n", "\n").replace("\r", "\n")
            chunks = split_documents(raw) if raw is not None and "Service" in raw else []
            for index, chunk in enumerate(chunks):
                if not _SERVICE_KIND.search(chunk.text):
                    continue  # only the documents of kind Service are parsed
                doc, _ = compose_chunk(path, chunk, index)
                body = doc.data if doc is not None else None
                if (
                    isinstance(body, dict)
                    and body.get("kind") == "Service"
                    and body.get("apiVersion") == "v1"
                ):
                    services.append((doc, body))
            self._disk_services[path] = services
        return self._disk_services[path]

    def _patched(
        self, kustomization: Document, base: Resource | None, patch: patches.ServicePatch
    ) -> PatchedResource:
        """The Service as an overlay's patch leaves it, in the overlay's namespace and unit:
        merged into its base, or, with no base in the repository (a chart renders it), the
        patch read alone."""
        scope = self.scopes.scope_for(kustomization.path)
        body = patch.apply(base.body if base else {"apiVersion": "v1", "kind": "Service"})
        explicit = text(get(body, "metadata", "namespace"))
        namespace = base.effective_namespace if base else explicit
        if scope and scope.namespace and (scope.overrides or not explicit):
            namespace = scope.namespace
        return PatchedResource(
            base.doc if base else patch.doc,
            base.base if base else patch.base,
            "v1",
            "Service",
            patch.name,
            explicit,
            namespace,
            self.scopes.unit(kustomization.path),
            body,
            patch_doc=patch.doc,
            written_at=patch.written_at,
            original=base,
            overlay=patch.folder,
        )

    def _values_from(
        self,
        holders: dict[tuple[str, str], list[tuple[Document, PathKey, dict]]],
        path: str,
        kind: str,
        name: str,
        key: str,
    ) -> list[Document]:
        """The values document a HelmRelease's `valuesFrom` names: a kustomize generator's
        file (in the HelmRelease's folder or above), or the key of a ConfigMap (a Secret's
        `stringData`) written in the repository (`holders`, by kind and name)."""
        generator = "configMapGenerator" if kind == "ConfigMap" else "secretGenerator"
        for folder in ancestors(posixpath.dirname(path)):
            source = self._kustomizations.get(folder)
            data = source.documents[0].data if source and source.documents else None
            for item in items(data.get(generator)) if isinstance(data, dict) else []:
                if not isinstance(item, dict) or text(item.get("name")) != name:
                    continue
                for entry in items(item.get("files")):
                    if not isinstance(entry, str):
                        continue
                    file_key, _, file = entry.rpartition("=")
                    if (file_key or posixpath.basename(file)) == key:
                        return self._documents_of(posixpath.normpath(posixpath.join(folder, file)))
        field_name = "stringData" if kind == "Secret" else "data"  # a Secret's data is base64
        for doc, base, body in holders.get((kind, name), []):
            value = get(body, field_name, key)
            if isinstance(value, str):
                embedded = argocd.embedded_document(doc, (*base, field_name, key), value)
                return [embedded] if embedded is not None else []
        return []

    @cached_property
    def _kustomizations(self) -> dict[str, SourceFile]:
        return {s.directory: s for s in self.sources if s.role == "kustomization"}

    @cached_property
    def _sources_by_path(self) -> dict[str, SourceFile]:
        return {s.display: s for s in self.sources}

    def _documents_of_repository_path(self, path: str) -> list[Document]:
        found = self.deployment.resolve_file(path)
        return self._documents_of(found) if found else []

    def _documents_of(self, path: str) -> list[Document]:
        """The documents of a file of the tree: as loaded, or read now if the relevance
        filter skipped it."""
        source = self._sources_by_path.get(path)
        if source is not None:
            return source.documents
        return documents_on_disk(path) if path in self.files else []

    def _install_sites(
        self,
        charts: list[Chart],
        roots: list[tuple[Document, list]],
        flux_sources: flux.FluxSources,
    ) -> list[InstallSite]:
        sites = list(helm.dependency_sites(charts, self.scopes))
        for doc, objects in roots:
            for base, body in objects:
                kind, api = text(body.get("kind")), text(body.get("apiVersion")) or ""
                spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
                if flux.is_helmrelease(kind, api):
                    site = flux.helmrelease_site(doc, base, body, flux_sources)
                    if site is not None:
                        sites.append(site)
                elif argocd.is_application(kind, api):
                    sites.extend(argocd.install_sites(doc, (*base, "spec"), spec, "argocd", body))
                elif argocd.is_applicationset(kind, api):
                    template = get(spec, "template", "spec")
                    if isinstance(template, dict):
                        sites.extend(
                            argocd.install_sites(
                                doc,
                                (*base, "spec", "template", "spec"),
                                template,
                                "applicationset",
                                body,
                            )
                        )
                elif kustomize.is_kustomize_file(doc.path, kind, api):
                    sites.extend(kustomize.install_sites(doc, base, body, api))
            if not objects and fleet.is_fleet_file(doc):
                sites.extend(fleet.install_sites(doc))
        sites.extend(flux.git_sites(roots))
        helmfiles = {
            path for path in {doc.path for doc in self.documents} if helmfile.is_helmfile(path)
        }
        for doc in self.documents:
            if (
                doc.path in helmfiles
                and isinstance(doc.data, dict)
                and self.deployment.deployed(doc.path)
            ):
                sites.extend(helmfile.install_sites(doc))
        for script in self.scripts:
            sites.extend(scripts.install_sites(script))
        return sites

    def _release_sites(
        self,
        roots: list[tuple[Document, list]],
        values: list[ValuesSource],
        others: list[InstallSite],
    ) -> list[InstallSite]:
        """Image tags and Bitnami chart versions that say which release runs. A workload
        image that a kustomization above it re-tags (`images:`) is the override's business."""
        workloads: list[InstallSite] = []
        overrides: list[InstallSite] = []
        for doc, objects in roots:
            for base, body in objects:
                kind, api = text(body.get("kind")), text(body.get("apiVersion")) or ""
                if kustomize.is_kustomize_file(doc.path, kind, api):
                    overrides.extend(images.kustomize_image_overrides(doc, base, body))
                else:
                    workloads.extend(images.workload_sites(doc, base, body))
        retagged = {site.path_hint for site in overrides}
        workloads = [
            site
            for site in workloads
            if not any(
                folder == "" or site.version_location.path.startswith(folder + "/")
                for folder in retagged
            )
        ]
        found = [*overrides, *workloads]
        for source in values:
            found.extend(images.values_sites(source))
        for site in others:
            if not is_bitnami(site.repository, site.owner):
                continue
            pinned = str(self._substituted(site).version_text or "").strip()
            chart_version = Version.parse(pinned)
            release = bitnami.metallb_release(chart_version) if chart_version else None
            chart = f"Bitnami chart {chart_version}"
            if pinned != str(site.version_text or "").strip():
                chart += f", as Flux substitutes {site.version_text}"
            if chart_version is None and pinned and not has_placeholder(pinned):
                # a range whose every chart ships one MetalLB release still says which runs
                admitted = bitnami.releases_admitted(pinned)
                if admitted is not None and len(admitted) == 1:
                    release = next(iter(admitted))
                    chart = f"Bitnami chart {pinned}: every chart it admits ships {release}"
            if release is not None:
                found.append(
                    replace(
                        site,
                        kind="bitnami-chart",
                        version_text=str(release),
                        owner=f"{site.owner or 'chart'} ({chart})",
                    )
                )
        return found

    def _substituted(self, site: InstallSite) -> InstallSite:
        """The site with its version as Flux substitutes it (`${VERSION:-0.14.8}` is 0.14.8
        unless the repository sets VERSION): what release it installs. Only for reading the
        release: findings and fixes keep the text as written."""
        written = site.version_text
        if not isinstance(written, str) or not has_placeholder(written):
            return site
        resolved, missing = resolve_flux(written, self.flux_vars)
        if missing or has_placeholder(resolved):
            return site
        return replace(site, version_text=resolved, substituted=resolved)

    def _target(
        self,
        values: list[ValuesSource],
        sites: list[InstallSite],
        releases: list[InstallSite],
        legacy_era: bool,
    ) -> Target:
        version, version_source, version_location, assumed = choose_version(
            self.cli_version,
            self.config.metallb_version,
            self.config.path,
            [self._substituted(site) for site in sites],
            releases,
        )
        floor = None
        named_range = chosen_range(self.cli_version, self.config.metallb_version, self.config.path)
        if named_range is not None:  # checked with the newest, held back for the oldest
            release_range, where = named_range
            version, floor = release_range.newest, release_range.oldest
            version_source = f"{where} {release_range.describe()}"
            version_location, assumed = None, False
        assumed_because = ""
        if assumed and self._operator is not None:
            assumed_because = "operator"
        if assumed and legacy_era:
            # Nothing names the release, but the configuration is one only 0.12 and older
            # read: judge it as such rather than call it removed by an assumed newest release.
            version, assumed_because = LAST_LEGACY_RELEASE, "legacy"
        # "chart X defaults" when nothing says it
        mode, mode_source = choose_mode(version, values, [*sites, *releases])
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
            assumed_because,
            mode_assumed=mode_source.endswith(" defaults")
            and (assumed or (floor is not None and default_mode(floor) != default_mode(version))),
            floor=floor,
        )

    def _skip(self, path: str, chunk: Chunk, reason: str, line: int) -> None:
        assert self.inv is not None
        kinds = set(_KIND_IN_TEXT.findall(chunk.text))
        self.inv.incomplete_kinds.update(kinds)
        what = "/".join(sorted(kinds)) or "document"
        self.inv.unresolved.append(
            Unresolved(
                Location(path, line),
                f"{what} not checked: {reason}, so it cannot be rendered without Helm. Other "
                "checks that need every such resource stay silent",
            )
        )

    # -- resources -----------------------------------------------------------------------------

    def _objects(self, doc: Document) -> list[tuple[PathKey, dict]]:
        """Kubernetes objects in a document: the root, List items, embedded MetalLB resources."""
        data = doc.data
        if not isinstance(data, dict):
            return []
        found: list[tuple[PathKey, dict]] = []
        if is_object(data):
            if data.get("kind") == "List" and isinstance(data.get("items"), list):
                found.extend(
                    (("items", i), item) for i, item in enumerate(data["items"]) if is_object(item)
                )
            else:
                found.append(((), data))
        if doc.mentions(METALLB_GROUP) and not _is_metallb(data):
            found.extend(_embedded_metallb(data, ()))
        return found

    def _add_resource(self, doc: Document, base: PathKey, body: dict) -> None:
        assert self.inv is not None
        self.inv.resources.append(self._resource(doc, base, body))

    def _resource(self, doc: Document, base: PathKey, body: dict) -> Resource:
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        explicit = text(metadata.get("namespace"))
        if explicit and has_placeholder(explicit):
            explicit = self._resolve(doc, (*base, "metadata", "namespace"), explicit)
        effective = explicit
        scope = self.scopes.scope_for(doc.path)
        if scope and (scope.overrides or not explicit):
            effective = scope.namespace
        name = text(metadata.get("name"))
        if name and has_placeholder(name):
            name = self._resolve(doc, (*base, "metadata", "name"), name) or name
        return Resource(
            doc,
            base,
            text(body.get("apiVersion")) or "",
            text(body.get("kind")) or "",
            name,
            explicit,
            effective,
            self._unit_of(doc),
            body,
        )

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
            partial = id(res) in self.partial_services
            for request in requests:
                request.labels = None if partial else res.labels
                if partial:  # the ports and the selector are the rendered Service's
                    request.ports = None if "ports" not in res.mapping("spec") else request.ports
            self.inv.services.extend(requests)

    def _pool(self, res: Resource) -> Pool:
        assert self.inv is not None
        spec = res.mapping("spec")
        entries: list[PoolEntry] = []
        raw_entries = spec.get("addresses")
        if isinstance(raw_entries, list):
            for index, raw in enumerate(raw_entries):
                if isinstance(raw, str) and has_placeholder(raw):
                    resolved = self._resolve(res.doc, (*res.base, "spec", "addresses", index), raw)
                    raw = resolved if resolved is not None else raw
                location = res.location("spec", "addresses", index)
                parsed = parse_pool_entry(raw)
                writers = self.inv.superseded_by(location) if self.inv.superseded else ()
                if writers:
                    # an overlay's patch or a replacement writes it: unknown without the engine
                    written_by = ", ".join(f"{folder or '.'}/" for folder in writers)
                    parsed = ParsedEntry(str(raw), unresolved=True, written_by=written_by)
                entries.append(PoolEntry(index, parsed, location))
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
    sources: list[SourceFile],
    config: Config,
    cli_version: str | None,
    files: Iterable[str] | None = None,
    jinja: Iterable[Candidate] = (),
    scripts: Iterable[Candidate] = (),
    render: rendering.Request | None = None,
) -> Inventory:
    """The inventory of `sources`; `files` are every file of the tree (the relevance filter
    skips most), which tell which folders exist for the deployment model; `jinja` the Jinja
    templates of manifests beside them; `scripts` the shell scripts (read for installs);
    `render` what to build with the kustomize engine (None: the static model alone)."""
    builder = _Builder(sources, config, cli_version, files, scripts, render)
    inventory = builder.build()
    inventory.jinja = list(jinja)
    inventory.files = builder.files
    return inventory


# -- small helpers ---------------------------------------------------------------------------


LAST_LEGACY_RELEASE = Version(0, 12, 1)  # the last release that reads ConfigMap configuration
# kustomize leaves out of its output an object annotated with it (a function's input)
_LOCAL_CONFIG = "config.kubernetes.io/local-config"


def _has_path(body: object, path: PathKey) -> bool:
    for part in path:
        in_list = isinstance(body, list) and isinstance(part, int) and 0 <= part < len(body)
        if in_list or (isinstance(body, dict) and part in body):
            body = body[part]  # type: ignore[index]
        else:
            return False
    return True


def _legacy_era(roots: list[tuple[Document, list]], values: list[ValuesSource]) -> bool:
    """The repository configures MetalLB the legacy way (a ConfigMap's `config` with
    `address-pools`, a bare configuration file, chart `configInline`) and has no pool
    resources: it runs a release of 0.12 or older."""
    legacy = any(
        source.chart_name == "metallb" and "configInline" in source.data for source in values
    )
    for doc, objects in roots:
        data = doc.data
        if isinstance(data, dict) and "address-pools" in data and not objects:
            legacy = True  # a bare configuration file (for a configMapGenerator)
        for _, body in objects:
            api = text(body.get("apiVersion")) or ""
            if api.startswith(METALLB_GROUP + "/") and body.get("kind") in POOL_KINDS:
                return False
            config = get(body, "data", "config")
            if body.get("kind") == "ConfigMap" and isinstance(config, str):
                legacy = legacy or "address-pools" in config
    return legacy


def _replacement_writer(applied: list) -> Callable[[PathKey], PathKey | None]:
    """Where in the source document the last replacement that writes a path copies it from."""

    def written_at(path: PathKey) -> PathKey | None:
        for replacement in reversed(applied):
            if replacement.writes(path):
                return replacement.source_path
        return None

    return written_at


def _about_metallb(source: SourceFile) -> bool:
    """A file whose not being deployed is worth saying: it mentions MetalLB or a load balancer."""
    content = source.content
    if content is None:
        return False
    return content.mentions("metallb", any_case=True) or content.mentions(
        "loadbalancer", any_case=True
    )


def _configures_metallb(doc: Document, objects: list[tuple[PathKey, dict]]) -> bool:
    """A document that installs or configures MetalLB, read from its data (not merely a
    Service that asks it for an address, nor a comment that names it): a metallb.io resource,
    the metallb chart in a Chart.yaml, HelmRelease, Argo CD source or kustomize `helmCharts`,
    MetalLB's images, or a legacy configuration."""
    for _, body in objects:
        api, kind = text(body.get("apiVersion")) or "", body.get("kind")
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        if api.startswith(METALLB_GROUP + "/"):
            return True
        if get(spec, "chart", "spec", "chart") == "metallb" or any(
            src.get("chart") == "metallb" for src in argocd.app_sources(spec)
        ):
            return True
        if kind == "ConfigMap" and "address-pools" in str(get(body, "data", "config") or ""):
            return True
        charts = [*items(body.get("dependencies")), *items(body.get("helmCharts"))]
        if any(isinstance(c, dict) and c.get("name") == "metallb" for c in charts):
            return True
    return (
        doc.mentions("metallb/controller", any_case=True)
        or doc.mentions("metallb/speaker", any_case=True)
        or (
            isinstance(doc.data, dict)
            and ("address-pools" in doc.data or "configInline" in doc.data)
        )
    )


@dataclass(frozen=True)
class OperatorSubscription:
    """What an OLM Subscription to the MetalLB Operator says: a channel and a catalog, maybe a
    starting version of the operator, never the MetalLB release it runs."""

    location: Location
    channel: str | None
    source: str | None
    starting_csv: str | None

    @classmethod
    def of(cls, doc: Document, base: PathKey, body: dict) -> OperatorSubscription:
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        where = (*base, "spec", "channel") if "channel" in spec else (*base, "kind")
        return cls(
            doc.location(where),
            text(spec.get("channel")),
            text(spec.get("source")),
            text(spec.get("startingCSV")),
        )


def _is_operator_subscription(body: dict) -> bool:
    """An OLM Subscription to the MetalLB Operator (which installs a MetalLB the repository
    does not name)."""
    api = text(body.get("apiVersion")) or ""
    return (
        body.get("kind") == "Subscription"
        and api.startswith("operators.coreos.com/")
        and "metallb-operator" in str(get(body, "spec", "name") or "")
    )


# Custom resources read elsewhere, or whose Services are not MetalLB's to serve.
_NOT_SERVICE_CARRIERS = frozenset(
    {
        "CustomResourceDefinition",
        "HelmRelease",
        "Application",
        "ApplicationSet",
        "Kustomization",
        "HelmChart",
        "HelmChartConfig",
    }
)


def _literal_template(path: str, chunk: Chunk, line: int, applied_by: str) -> LoadProblem:
    """Template syntax in a file an entry point applies as written: nothing renders it, so the
    document reaches the cluster as YAML that is not what was meant, or not valid at all."""
    kinds = "/".join(sorted(set(_KIND_IN_TEXT.findall(chunk.text)))) or "document"
    return LoadProblem(
        "ML001",
        f"template syntax in a file that {applied_by} applies as written: nothing renders it, "
        f"so this {kinds} reaches the cluster as YAML that is not what was meant (or that "
        "cannot be converted at all) and is not applied. Render the value into the file, or "
        "move it where it is rendered (a chart's templates, a plugin, Flux ${VAR} substitution)",
        Location(path, line),
    )


def _may_describe_services(res: Resource) -> bool:
    """A custom resource an operator turns into Services (CloudNativePG's Cluster, EMQX,
    Envoy Gateway's EnvoyProxy, ...): not MetalLB's, not a GitOps object read as such."""
    return (
        "." in res.group
        and res.group != METALLB_GROUP
        and not res.group.endswith(("k8s.io", "cilium.io", "projectcalico.org"))
        and res.kind not in _NOT_SERVICE_CARRIERS
    )


def _is_gitops_object(item: tuple[PathKey, dict]) -> bool:
    kind, api = text(item[1].get("kind")), text(item[1].get("apiVersion")) or ""
    return (
        argocd.is_application(kind, api)
        or argocd.is_applicationset(kind, api)
        or flux.is_helmrelease(kind, api)
        or flux.is_flux_kustomization(kind, api)
    )


def _is_service(obj: tuple[PathKey, dict]) -> bool:
    body = obj[1]
    return body.get("kind") == "Service" and body.get("apiVersion") == "v1"


def _is_metallb(value: dict) -> bool:
    return is_object(value) and value["apiVersion"].startswith(METALLB_GROUP + "/")


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


def _without_rendered_duplicates(
    requests: list[ServiceRequest], rendered: dict[str, str]
) -> list[ServiceRequest]:
    """A local chart's values request an address and its rendered Service template asks for
    the same one (`loadBalancerIP: {{ .Values.service.loadBalancerIP }}`): one request, judged
    where the address is written, in the values, not twice (nor as conflicting with itself)."""
    if not rendered:
        return requests
    from_values: dict[str, set[str]] = {}
    for request in requests:
        if request.origin == "values":
            folder = posixpath.dirname(request.head.path)
            from_values.setdefault(folder, set()).update(_requested(request))
    kept = []
    for request in requests:
        if request.origin == "service":
            folder = rendered.get(request.head.path)
            asked = _requested(request)
            if folder is not None and asked and asked <= from_values.get(folder, set()):
                continue
        kept.append(request)
    return kept


def _requested(request: ServiceRequest) -> set[str]:
    ips = [request.spec_ip] if request.spec_ip is not None else []
    return {ip.text for ip in [*ips, *request.annotation_ips]}
