"""Which files the cluster receives: what the repository's entry points and kustomizations apply.

Three cases, from what the repository declares (DESIGN.md, "What the cluster receives"):

- Entry points: Flux Kustomizations (`spec.path`) and Argo CD Applications and ApplicationSets
  (`source.path`). A file is deployed when an active entry point covers it: a path with a
  kustomization covers what that kustomization reaches; a Flux path without one covers every
  file below it (Flux generates a kustomization over it); an Argo CD path without one covers
  its own files, or all below it with `directory.recurse`, and a chart folder covers the chart.
  The active entry points are the roots (a Flux Kustomization whose path holds its own file,
  or the one named flux-system; an Argo CD object no entry point applies, since someone applied
  it by hand, with the other files of its folder) and whatever an active one covers. Argo CD
  roots in more than two folders mean much is applied by hand: that is uncertain.
- No entry points: every file is deployed, except a manifest in a folder governed by a
  kustomization (the nearest one above it) that no kustomization reaches: kustomize never
  builds it. A chart's files are Helm's, which may install the chart without kustomize.
- Uncertain: an active entry point whose path is templated, or names no folder of the tree
  (an OCI artifact's layout, another repository); a document that may be an entry point but
  was not read (an unrendered template): nothing is called undeployed.

A kustomization reaches its `resources`, `bases`, `components` (files, or folders through their
own kustomization), its patches, generator files, `helmCharts` values files and replacement
sources. Remote resources (URLs) reach nothing here.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from metallb_lint.gitops import argocd, flux
from metallb_lint.gitops.fields import get, items, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.gitops.scopes import ancestors, directory_of, repo_relative
from metallb_lint.load.documents import Document, PathKey
from metallb_lint.load.sources import KUSTOMIZATION_NAMES
from metallb_lint.safeio import read_optional_text

Roots = list[tuple[Document, list[tuple[PathKey, dict]]]]

_FILE_KEYS = ("resources", "bases", "components", "crds", "configurations")
_PATCH_KEYS = ("patches", "patchesStrategicMerge", "patchesJson6902")
_PLUGIN_KEYS = ("generators", "transformers", "validators")


@dataclass
class EntryPoint:
    """A Flux Kustomization or an Argo CD source that applies a path of the repository."""

    tool: str  # "flux" or "argocd"
    path: str  # as written
    file: str  # the file that declares it
    name: str = ""
    recurse: bool = False  # Argo CD `directory.recurse`
    include: str = ""  # Argo CD `directory.include` glob
    exclude: str = ""  # Argo CD `directory.exclude` glob
    chart: bool = False  # the path is a chart (Argo CD renders it with Helm)
    excluded: tuple[str, ...] = ()  # ApplicationSet git generator folders marked `exclude`
    source: str = ""  # Flux `sourceRef` as kind/name ("" when not given)
    values_files: tuple[str, ...] = ()  # Argo CD `helm.valueFiles` of this repository
    renders: bool = False  # Argo CD renders the source (a `helm` or `plugin` block)


@dataclass
class Deployment:
    """What the repository deploys; `deployed(path)` for each file, with why not."""

    mode: str  # "entry-points", "kustomizations" or "uncertain"
    why: str = ""  # what made it uncertain
    covered: set[str] = field(default_factory=set)
    reasons: dict[str, str] = field(default_factory=dict)  # undeployed file -> why
    # with several bootstrapped roots (one a cluster): what each root deploys
    clusters: list[frozenset[str]] = field(default_factory=list)
    # the files the kustomization of a folder reaches (itself included)
    reach: Callable[[str], frozenset[str]] = lambda folder: frozenset()
    # the file of the tree a repository-relative path names, or None
    resolve_file: Callable[[str], str | None] = lambda path: None
    # files an entry point applies as written (Flux, an Argo CD directory or kustomize source;
    # not a chart, not a plugin): template syntax in them reaches the cluster (file -> by whom)
    literal: dict[str, str] = field(default_factory=dict)

    def deployed(self, path: str) -> bool:
        return path not in self.reasons

    def without_metallb(self, relevant: set[str]) -> set[str]:
        """Files deployed only to clusters whose roots reach nothing that installs or
        configures MetalLB (another load balancer serves their Services)."""
        if len(self.clusters) < 2:
            return set()
        served = [files for files in self.clusters if files & relevant]
        if not served:
            return set()
        others = set().union(*(files for files in self.clusters if not files & relevant))
        return others - set().union(*served)


def _folders_of(files: Iterable[str]) -> set[str]:
    """Every folder that holds one of `files`, directly or below it. (A folder already found
    has its ancestors found too: the walk up from a file stops there.)"""
    found: set[str] = set()
    for path in files:
        for folder in ancestors(directory_of(path)):
            if folder in found:
                break
            found.add(folder)
    return found


class _Tree:
    """The files and folders of the linted tree, and its kustomizations."""

    def __init__(self, files: Iterable[str], kustomizations: dict[str, tuple[str, dict]]):
        self.files = files if isinstance(files, frozenset) else frozenset(files)
        self.kustomizations = kustomizations  # folder -> (file, data)
        self.dirs = _folders_of(self.files)
        # When the linted folder is above the repository (`metallb-lint repo/`), every path
        # shares a prefix that repository-relative paths lack.
        self.prefix = _common_folder(self.files)
        self._reach: dict[str, frozenset[str]] = {}
        self._sorted = sorted(self.files)  # the files below a folder are one slice of it

    def resolve(self, repo_path: str) -> str | None:
        """The folder of the tree a repository-relative path names (exactly, or below the
        prefix all files share); None when it names none. No looser match: `./cluster` must
        not name `archive/cluster`."""
        wanted = repo_relative(repo_path)
        return self.prefix if not wanted else self._lookup(wanted, self.dirs)

    def resolve_file(self, repo_path: str) -> str | None:
        """The file of the tree a repository-relative path names, the same way."""
        return self._lookup(repo_relative(repo_path), self.files)

    def _lookup(self, wanted: str, within: set[str]) -> str | None:
        for candidate in (wanted, posixpath.join(self.prefix, wanted) if self.prefix else None):
            if candidate and candidate in within:
                return candidate
        return None

    def files_below(self, folder: str) -> list[str]:
        if not folder:
            return self._sorted
        # "/" sorts just before "0": the files of `folder/` lie between the two
        low = bisect_left(self._sorted, folder + "/")
        return self._sorted[low : bisect_left(self._sorted, folder + "0", low)]

    def reach(self, folder: str, visiting: frozenset[str] = frozenset()) -> frozenset[str]:
        """The files the kustomization of `folder` reaches, itself included."""
        if folder in self._reach:
            return self._reach[folder]
        if folder in visiting or folder not in self.kustomizations:
            return frozenset()
        own, data = self.kustomizations[folder]
        found = {own}
        visiting = visiting | {folder}
        for entry in self._entries(data):
            target = posixpath.normpath(posixpath.join(folder, entry)) if folder else entry
            target = posixpath.normpath(target)
            if target in self.files:
                found.add(target)
            elif target in self.kustomizations:
                found |= self.reach(target, visiting)
            elif target in self.dirs:
                found.update(self.files_below(target))  # kustomize refuses it; be generous
        result = frozenset(found)
        self._reach[folder] = result
        return result

    @staticmethod
    def _entries(data: dict) -> Iterable[str]:
        for key in _FILE_KEYS:
            for item in items(data.get(key)):
                if isinstance(item, str) and not is_remote(item):
                    yield item
        for key in _PATCH_KEYS:
            for item in items(data.get(key)):
                path = item.get("path") if isinstance(item, dict) else item
                if isinstance(path, str) and "\n" not in path and not is_remote(path):
                    yield path
        for key in ("configMapGenerator", "secretGenerator"):
            for generator in items(data.get(key)):
                if not isinstance(generator, dict):
                    continue
                for entry in [*items(generator.get("files")), *items(generator.get("envs"))]:
                    if isinstance(entry, str):
                        yield entry.split("=", 1)[-1]
                env = generator.get("env")
                if isinstance(env, str):
                    yield env
        home = text(get(data, "helmGlobals", "chartHome")) or "charts"
        for chart in items(data.get("helmCharts")):
            if isinstance(chart, dict):
                if isinstance(chart.get("name"), str):
                    yield posixpath.join(home, chart["name"])  # a chart kept in the tree
                values_file = chart.get("valuesFile")
                if isinstance(values_file, str):
                    yield values_file
                for extra in items(chart.get("additionalValuesFiles")):
                    if isinstance(extra, str):
                        yield extra
        for item in items(data.get("replacements")):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                yield item["path"]
        for key in _PLUGIN_KEYS:
            for item in items(data.get(key)):
                if isinstance(item, str) and "\n" not in item and not is_remote(item):
                    yield item


def _common_folder(files: set[str]) -> str:
    """The deepest folder every file is below ("" for none)."""
    folders = [directory_of(f).split("/") for f in files]
    if not folders or any(parts == [""] for parts in folders):
        return ""
    common: list[str] = []
    for segments in zip(*folders, strict=False):
        if any(s != segments[0] for s in segments):
            break
        common.append(segments[0])
    if common == [""]:
        return ""  # only the filesystem root in common
    return "/".join(common)


def is_remote(entry: str) -> bool:
    return (
        "://" in entry
        or entry.startswith(("github.com/", "git@", "gitlab.com/"))
        or ("?ref=" in entry)
    )


def entry_points(roots: Roots) -> list[EntryPoint]:
    """The Flux Kustomizations and Argo CD sources (with a path) of the tree."""
    found: list[EntryPoint] = []
    for doc, objects in roots:
        for _, body in objects:
            kind, api = text(body.get("kind")), text(body.get("apiVersion")) or ""
            spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
            name = text(get(body, "metadata", "name")) or ""
            if flux.is_flux_kustomization(kind, api):
                path = spec.get("path")  # Flux's default is the source's root
                path = path if isinstance(path, str) and path.strip() else "./"
                ref = spec.get("sourceRef") if isinstance(spec.get("sourceRef"), dict) else {}
                source = f"{text(ref.get('kind')) or 'GitRepository'}/{text(ref.get('name')) or ''}"
                found.append(EntryPoint("flux", path, doc.path, name, source=source))
            elif argocd.is_application(kind, api):
                found.extend(_argo_entries(spec, doc.path, name))
            elif argocd.is_applicationset(kind, api):
                template = get(spec, "template", "spec")
                if isinstance(template, dict):
                    paths = _generator_paths(spec)
                    params = _list_parameters(spec)
                    for entry in _argo_entries(template, doc.path, name):
                        if has_placeholder(entry.path) and paths is not None:
                            included, excluded = paths
                            found.extend(_with_path(entry, p, excluded) for p in included)
                        elif has_placeholder(entry.path) and params is not None:
                            found.extend(_filled(entry, params))
                        else:
                            found.append(entry)
    return found


def _argo_entries(spec: dict, file: str, name: str) -> list[EntryPoint]:
    out = []
    sources = argocd.app_sources(spec)
    values = tuple(p for src in sources for p in argocd.value_file_paths(spec, src))
    if not any(isinstance(src.get("path"), str) for src in sources):
        # a chart from a Helm repository: applies nothing of this tree but its values files,
        # and is applied itself
        return [EntryPoint("argocd", "", file, name, values_files=values)]
    for src in sources:
        path = src.get("path")
        if src.get("chart") is not None or not isinstance(path, str):
            continue
        directory = src.get("directory") if isinstance(src.get("directory"), dict) else {}
        out.append(
            EntryPoint(
                "argocd",
                path,
                file,
                name,
                recurse=directory.get("recurse") is True,
                include=text(directory.get("include")) or "",
                exclude=text(directory.get("exclude")) or "",
                chart=isinstance(src.get("helm"), dict),
                renders=isinstance(src.get("helm"), dict) or isinstance(src.get("plugin"), dict),
                values_files=values,
            )
        )
    if values and not out:  # the chart's source has no path here; its values files do
        out.append(EntryPoint("argocd", "", file, name, values_files=values))
    return out


def _generator_paths(spec: dict) -> tuple[list[str], tuple[str, ...]] | None:
    """The folders an ApplicationSet's git directory generators produce and exclude (globs
    kept), or None when a generator produces paths some other way."""
    paths: list[str] = []
    excluded: list[str] = []
    generators = items(spec.get("generators"))
    stack = list(generators)
    while stack:
        generator = stack.pop()
        if not isinstance(generator, dict):
            return None
        for combined in ("matrix", "merge"):
            inner = get(generator, combined, "generators")
            if isinstance(inner, list):
                stack.extend(inner)
        git = generator.get("git")
        if isinstance(git, dict):
            for item in items(git.get("directories")):
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    (excluded if item.get("exclude") is True else paths).append(item["path"])
            if git.get("files"):
                return None
    return (paths, tuple(excluded)) if paths else None


_GO_TEMPLATE_VALUE = re.compile(r"\{\{\s*\.?([A-Za-z_][\w.-]*)\s*\}\}")


def _list_parameters(spec: dict) -> list[dict[str, str]] | None:
    """The parameter sets of an ApplicationSet whose generators are `list` generators, or a
    `matrix` of them (every combination); None when any generator is of another kind (its
    parameters come from outside the file). No generator at all: no Application."""
    sets: list[dict[str, str]] = []
    for generator in items(spec.get("generators")):
        found = _generator_parameters(generator)
        if found is None:
            return None
        sets.extend(found)
    return sets


def _generator_parameters(generator: object) -> list[dict[str, str]] | None:
    if not isinstance(generator, dict):
        return None
    if isinstance(generator.get("list"), dict) and len(generator) == 1:
        elements = generator["list"].get("elements")
        if not isinstance(elements, list) or generator["list"].get("elementsYaml"):
            return None
        return [_flat(e) for e in elements if isinstance(e, dict)]
    inner = get(generator, "matrix", "generators")
    if isinstance(inner, list) and len(generator) == 1 and len(inner) == 2:
        left, right = (_generator_parameters(g) for g in inner)
        if left is None or right is None:
            return None
        return [{**a, **b} for a in left for b in right]
    return None


def _flat(element: dict, prefix: str = "") -> dict[str, str]:
    """An element's values by their dotted names (`values.cluster` for `values: {cluster:}`)."""
    flat: dict[str, str] = {}
    for key, value in element.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, name + "."))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            flat[name] = str(value)
    return flat


def _filled(entry: EntryPoint, parameter_sets: list[dict[str, str]]) -> Iterator[EntryPoint]:
    """The entry point once per parameter set, its path filled in (`{{.cluster}}` of Go
    templates or `{{cluster}}`); a path that stays templated keeps the model uncertain."""
    for parameters in parameter_sets:
        path = _GO_TEMPLATE_VALUE.sub(
            lambda m, p=parameters: p.get(m.group(1), m.group(0)), entry.path
        )
        yield _with_path(entry, path, entry.excluded)


def _with_path(entry: EntryPoint, path: str, excluded: tuple[str, ...]) -> EntryPoint:
    return EntryPoint(
        entry.tool,
        path,
        entry.file,
        entry.name,
        entry.recurse,
        entry.include,
        entry.exclude,
        entry.chart,
        excluded,
    )


def analyse(
    files: Iterable[str],
    kustomizations: dict[str, tuple[str, dict]],
    chart_dirs: Iterable[str],
    roots: Roots,
    unread_kinds: Iterable[str] = (),
    relevant: Iterable[str] = (),
) -> Deployment:
    """`unread_kinds`: kinds of documents that were not read (unrendered templates, syntax
    errors): an entry point among them makes the model uncertain. `relevant`: the files that
    mention MetalLB; entry points applied by hand count only when they reach one of them."""
    tree = _Tree(files, kustomizations)
    deployment = _analyse(tree, chart_dirs, roots, unread_kinds, relevant)
    deployment.reach = tree.reach
    deployment.resolve_file = tree.resolve_file
    return deployment


def _analyse(
    tree: _Tree,
    chart_dirs: Iterable[str],
    roots: Roots,
    unread_kinds: Iterable[str],
    relevant: Iterable[str],
) -> Deployment:
    charts = set(chart_dirs)
    points = entry_points(roots)
    unread = set(unread_kinds) & ENTRY_POINT_KINDS
    if unread:
        uncertain = Deployment(
            "uncertain", f"a {sorted(unread)[0]} in a document that was not read"
        )
        # what is deployed is unknown, but an entry point that is read still applies its
        # files as written if it applies them at all
        uncertain.literal = _literal(_coverage(tree, charts, points, roots), charts)
        return uncertain
    if not points:
        return _by_kustomizations(tree, charts)
    coverage = _coverage(tree, charts, points, roots)
    starts = _roots(coverage, set(relevant))
    if not starts:
        return _fallback(tree, charts, coverage)
    active = _active(coverage, starts)
    unknown = [point for point, cover in coverage if point in active and cover is None]
    if unknown:
        return Deployment(
            "uncertain",
            f"the path '{unknown[0].path}' of {unknown[0].file} is templated or names no folder",
        )
    covered: set[str] = set()
    for point, cover in coverage:
        if point in active and cover is not None:
            covered |= cover
            covered.add(point.file)
    literal = _literal([(p, c) for p, c in coverage if p in active], charts)
    by_hand = {
        directory_of(p.file) for p in active if p.tool == "argocd" and _hand_applied(p, coverage)
    }
    if len(by_hand) > 3:  # much is applied by hand: what else is, is unknown
        return Deployment("uncertain", "entry points applied by hand in several folders")
    for folder in by_hand:  # applied with `kubectl apply -f` on its folder
        covered.update(f for f in tree.files_below(folder) if directory_of(f) == folder)
    wanted = set(relevant)
    if wanted and not covered & wanted:
        # the entry points of the tree reach nothing that installs or configures MetalLB:
        # whatever deploys MetalLB is not among them
        return _fallback(tree, charts, coverage)
    deployment = Deployment("entry-points", covered=covered, literal=literal)
    # One cluster per Flux root that applies itself, and per folder of Kustomizations applied
    # by hand (`kubectl apply -f clusters/lab/`): what each one deploys.
    groups: dict[str, list[EntryPoint]] = {}
    for root in starts:
        if root.tool == "flux":
            key = root.file if _bootstrapped(root, None) else directory_of(root.file)
            groups.setdefault(key, []).append(root)
    if len(groups) > 1:
        for roots_of_cluster in groups.values():
            closure = _active(coverage, roots_of_cluster)
            files = set().union(*(c for p, c in coverage if p in closure and c is not None))
            deployment.clusters.append(frozenset(files | {p.file for p in closure}))
    names = ", ".join(sorted({f"{p.tool} {p.name or p.file}" for p in active}))
    for path in tree.files:
        if path not in covered:
            deployment.reasons[path] = (
                f"no entry point applies it (the active ones are {names})"
                if len(names) < 300
                else "no entry point applies it"
            )
    return deployment


Coverage = list[tuple[EntryPoint, frozenset[str] | None]]


def _coverage(tree: _Tree, charts: set[str], points: list[EntryPoint], roots: Roots) -> Coverage:
    urls = _source_urls(roots)
    covers = [_cover(tree, charts, point) for point in points]
    # this tree's repository: the sources of Kustomizations whose path is a folder here, other
    # than the root that any source has (an archived layout's path names no folder)
    own = {
        urls.get(point.source)
        for point, cover in zip(points, covers, strict=True)
        if point.tool == "flux" and cover is not None and _clean(point.path) not in ("", ".")
    }
    coverage: Coverage = []
    for point, cover in zip(points, covers, strict=True):
        kind = point.source.split("/", 1)[0]
        if point.tool == "flux" and _foreign(urls.get(point.source), kind, own):
            cover = frozenset()  # a path of another repository (Flux's own manifests, CRDs)
        elif cover is None and _bootstrapped(point, None):
            cover = frozenset()  # a root naming no folder here: an archived layout's
        coverage.append((point, cover))
    # An entry point nothing applies whose literal path names no folder here (an archived
    # layout's, another repository's) applies nothing of this tree.
    applied = set().union(*(cover for _, cover in coverage if cover is not None))
    return [
        (point, frozenset())
        if cover is None and point.file not in applied and not has_placeholder(point.path)
        else (point, cover)
        for point, cover in coverage
    ]


def _roots(coverage: Coverage, relevant: set[str]) -> list[EntryPoint]:
    """The entry points everything starts from: roots that apply themselves (Flux's
    flux-system Kustomization, an app-of-apps), else the ones applied by hand, when those reach
    a file that installs or configures MetalLB (a stray example, or an entry point for the apps
    alone, says nothing about how MetalLB itself is deployed)."""
    bootstrapped = [p for p, cover in coverage if _bootstrapped(p, cover) and cover]
    by_hand = [p for p, _ in coverage if _hand_applied(p, coverage)]
    if bootstrapped:  # and the entry points applied by hand beside them (other clusters')
        return bootstrapped + [p for p in by_hand if p not in bootstrapped]
    closure = _active(coverage, by_hand)
    reached = set().union(*(c for p, c in coverage if p in closure and c is not None))
    return by_hand if reached & relevant else []


def _literal(coverage: Coverage, charts: set[str]) -> dict[str, str]:
    """The files entry points apply as written (not a chart, no plugin), and by whom."""
    literal: dict[str, str] = {}
    rendered: set[str] = set()
    in_chart: dict[str, bool] = {}
    for point, cover in coverage:
        if cover is None:
            continue
        if point.chart or point.renders:
            rendered |= cover  # another entry point renders it
            continue
        who = f"{'Flux' if point.tool == 'flux' else 'Argo CD'} ({point.file})"
        for path in cover:
            if path not in literal and not _in_chart(directory_of(path), charts, in_chart):
                literal[path] = who
    return {path: who for path, who in literal.items() if path not in rendered}


def _in_chart(folder: str, charts: set[str], known: dict[str, bool]) -> bool:
    """Whether `folder` is a chart's or below one, each folder worked out once (a large
    tree's entry points cover hundreds of thousands of files in a few thousand folders)."""
    found = known.get(folder)
    if found is None:
        found = known[folder] = any(a in charts for a in ancestors(folder))
    return found


def _fallback(tree: _Tree, charts: set[str], coverage: Coverage) -> Deployment:
    """No root to start from: the entry points that apply this tree may live elsewhere (another
    repository, a cluster's bootstrap). Only kustomize is certain, outside every folder an
    entry point names and for the Argo CD objects someone applied by hand."""
    if any(cover is None for _, cover in coverage):
        return Deployment("uncertain", "no entry point of the tree applies itself")
    named = set().union(*(cover for _, cover in coverage if cover is not None))
    named |= {p.file for p, _ in coverage if p.tool == "argocd" and _hand_applied(p, coverage)}
    fallback = _by_kustomizations(tree, charts)
    for path in named:
        fallback.reasons.pop(path, None)
    by_hand = [(p, c) for p, c in coverage if p.tool == "argocd" and _hand_applied(p, coverage)]
    fallback.literal = _literal(by_hand, charts)
    fallback.why = "no entry point of the tree applies itself"
    return fallback


def _by_kustomizations(tree: _Tree, charts: set[str]) -> Deployment:
    """kustomize alone: a manifest below a kustomization that no kustomization reaches is not
    deployed. Every kustomization counts as applied, nested ones too: a tool or a person may
    run `kubectl apply -k` on any of them (a parent that does not list it proves nothing),
    except one its parent lists only in a comment (`# - media`): switched off on purpose."""
    deployment = Deployment("kustomizations")
    reached: set[str] = set()
    off = _commented_out(tree)
    for folder in tree.kustomizations:
        if folder not in off:
            reached |= tree.reach(folder)
    for folder, parent_file in off.items():
        for path in tree.reach(folder) - reached:
            deployment.reasons[path] = (
                f"{parent_file} lists {posixpath.basename(folder)} only in a comment, and no "
                "other kustomization reaches it"
            )
    for path in tree.files:
        governing = next(
            (a for a in ancestors(directory_of(path)) if a in tree.kustomizations), None
        )
        if governing is None or path in reached or path in deployment.reasons:
            continue
        if any(a in charts for a in ancestors(directory_of(path))):
            continue  # a chart's file: Helm may install it without kustomize
        top = next(
            a for a in reversed(list(ancestors(directory_of(path)))) if a in tree.kustomizations
        )
        own = tree.kustomizations[top][0]
        deployment.reasons[path] = f"{own} governs its folder and no kustomization lists it"
    return deployment


def _commented_out(tree: _Tree) -> dict[str, str]:
    """Kustomization folders that nothing reaches and that the nearest kustomization above
    them lists only in a comment (`# - media`): folder -> the parent's file."""
    reached_by_other = {
        directory_of(f)
        for folder in tree.kustomizations
        for f in tree.reach(folder)
        if directory_of(f) != folder and posixpath.basename(f) in KUSTOMIZATION_NAMES
    }
    found: dict[str, str] = {}
    for folder in tree.kustomizations:
        if not folder or folder in reached_by_other:
            continue
        parent = next(
            (a for a in ancestors(posixpath.dirname(folder)) if a in tree.kustomizations), None
        )
        if parent is None:
            continue
        parent_file = tree.kustomizations[parent][0]
        relative = posixpath.relpath(folder, parent) if parent else folder
        text_of_parent, problem = read_optional_text(parent_file)
        if problem is None and _lists_in_comment(text_of_parent, relative):
            found[folder] = parent_file
    return found


def _lists_in_comment(kustomization: str, relative: str) -> bool:
    pattern = re.compile(
        r"^[ \t]*#[ \t]*-[ \t]*['\"]?(?:\./)?" + re.escape(relative) + r"/?['\"]?[ \t]*$",
        re.MULTILINE,
    )
    return pattern.search(kustomization) is not None


def _cover(tree: _Tree, charts: set[str], point: EntryPoint) -> frozenset[str] | None:
    """The files an entry point applies; None when its path is templated or names no folder."""
    cover = _cover_path(tree, charts, point)
    values = {f for f in map(tree.resolve_file, point.values_files) if f is not None}
    return cover | values if cover is not None and values else cover


def _cover_path(tree: _Tree, charts: set[str], point: EntryPoint) -> frozenset[str] | None:
    if point.tool == "argocd" and not point.path:
        return frozenset()  # a Helm repository's chart
    if not point.path or has_placeholder(point.path):
        return None
    if any(ch in point.path for ch in "*?["):
        return _cover_glob(tree, charts, point)
    folder = tree.resolve(point.path)
    if folder is None:
        # an Argo CD source of another repository; a Flux path of another source is judged
        # in `analyse`, which knows the root's source
        return frozenset() if point.tool == "argocd" else None
    return _cover_folder(tree, charts, point, folder)


def _cover_glob(tree: _Tree, charts: set[str], point: EntryPoint) -> frozenset[str] | None:
    wanted = _glob_regex(_clean(point.path), tree.prefix)
    excluded = [_glob_regex(_clean(p), tree.prefix) for p in point.excluded]
    folders = [
        d
        for d in tree.dirs
        if d and wanted.fullmatch(d) and not any(x.fullmatch(d) for x in excluded)
    ]
    if not folders:
        return None
    found: set[str] = set()
    for folder in folders:
        found |= _cover_folder(tree, charts, point, folder)
    return frozenset(found)


def _clean(path: str) -> str:
    return repo_relative(path).rstrip("/")


def _glob_regex(pattern: str, prefix: str) -> re.Pattern[str]:
    """An ApplicationSet path glob as a regular expression over the tree's folders: `*` and `?`
    stay within one path segment, as in Argo CD; the path is relative to the repository."""
    out = []
    for char in pattern:
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    body = "".join(out)
    return re.compile(f"{re.escape(prefix)}/{body}" if prefix else body)


def _cover_folder(tree: _Tree, charts: set[str], point: EntryPoint, folder: str) -> frozenset[str]:
    if folder in tree.kustomizations:
        return tree.reach(folder)
    if folder in charts:
        return frozenset(tree.files_below(folder))
    below = tree.files_below(folder)
    if point.tool == "argocd":
        chosen = below if point.recurse else [f for f in below if directory_of(f) == folder]
        if point.include:
            chosen = [f for f in chosen if _glob(point.include, f, folder)]
        if point.exclude:
            chosen = [f for f in chosen if not _glob(point.exclude, f, folder)]
        return frozenset(chosen)
    return _flux_generated(tree, folder, below)


def _flux_generated(tree: _Tree, folder: str, below: list[str]) -> frozenset[str]:
    """What the kustomization Flux generates for a folder without one applies: every YAML
    file below it, except that a subfolder with its own kustomization is added as one resource
    and not descended into (`fluxcd/pkg` kustomize_generator.go, `generateKustomization`)."""
    nested = sorted(k for k in tree.kustomizations if _inside(k, folder))
    outermost: list[str] = []
    for candidate in nested:  # sorted: a folder comes before the folders inside it
        if not any(_inside(candidate, outer) for outer in outermost):
            outermost.append(candidate)
    found = {f for f in below if not any(_inside(f, outer) for outer in outermost)}
    for outer in outermost:
        found |= tree.reach(outer)
    return frozenset(found)


def _inside(path: str, folder: str) -> bool:
    """`path` is strictly below `folder` ("" is the tree's root)."""
    return path != folder and (not folder or path.startswith(folder + "/"))


def _glob(pattern: str, path: str, folder: str) -> bool:
    relative = path[len(folder) + 1 :] if folder else path
    options = pattern.strip("{}").split(",")
    return any(
        fnmatch.fnmatchcase(relative, p.strip())
        or fnmatch.fnmatchcase(posixpath.basename(path), p.strip())
        for p in options
    )


ENTRY_POINT_KINDS = frozenset({"Kustomization", "Application", "ApplicationSet"})


def _hand_applied(point: EntryPoint, coverage: Coverage) -> bool:
    """An Argo CD object that no entry point applies: someone applied it by hand."""
    return not any(point.file in cover for _, cover in coverage if cover is not None)


def _source_urls(roots: Roots) -> dict[str, str | None]:
    """The URL of each Flux source of the tree (GitRepository, OCIRepository, Bucket), by
    `Kind/name`, normalised to `host/owner/name` where it has that shape."""
    urls: dict[str, str | None] = {}
    for _, objects in roots:
        for _, body in objects:
            api = text(body.get("apiVersion")) or ""
            kind = text(body.get("kind")) or ""
            if api.startswith("source.toolkit.fluxcd.io") and kind.endswith(
                ("Repository", "Bucket")
            ):
                name = text(get(body, "metadata", "name")) or ""
                urls[f"{kind}/{name}"] = _normal_url(text(get(body, "spec", "url")))
    return urls


def _normal_url(url: str | None) -> str | None:
    if not url:
        return None
    clean = url.strip().lower().rstrip("/").removesuffix(".git")
    clean = clean.split("://", 1)[-1].split("@", 1)[-1].replace(":", "/", 1)
    return clean


def _owner(url: str) -> str:
    """The owner of a normalised URL (`github.com/me/repo`, `ghcr.io/me/manifests/repo`: me),
    who publishes it whatever the registry."""
    parts = url.split("/")
    return parts[1] if len(parts) > 1 else url


def _foreign(url: str | None, kind: str, own: set[str | None]) -> bool:
    """A Flux source that is not this repository: a Git repository at another URL, or an
    artifact of another publisher (Flux's own manifests). An artifact of the same publisher
    may be this repository, built: not foreign."""
    if url is None or url in own or not any(own):
        return False  # no root says which repository this tree is: nothing is foreign
    if kind == "GitRepository":
        return True
    return all(_owner(url) != _owner(o) for o in own if o)


def _bootstrapped(point: EntryPoint, cover: frozenset[str] | None) -> bool:
    """A root that manages itself: Flux's flux-system Kustomization, or an entry point whose
    path holds its own file (an app-of-apps that applies itself)."""
    return (point.tool == "flux" and point.name == "flux-system") or (
        cover is not None and point.file in cover
    )


def _active(coverage: Coverage, starts: list[EntryPoint]) -> list[EntryPoint]:
    """The roots, then whatever an active entry point applies, to a fixed point."""
    active = list(starts)
    changed = True
    while changed:
        changed = False
        reach = set().union(*(c for p, c in coverage if p in active and c is not None))
        for point, _ in coverage:
            if point not in active and point.file in reach:
                active.append(point)
                changed = True
    return active
