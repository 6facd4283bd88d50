"""kustomize: the namespace a kustomization sets, its patch files (partial objects, not
resources), the chart values of its `helmCharts`, MetalLB installed through `helmCharts`,
remote bases or manifest URLs, and the objects `namePrefix`/`nameSuffix` rename."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from metallb_lint.findings import Location, ResourceRef
from metallb_lint.gitops.fields import items, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.gitops.scopes import Scope, Scopes
from metallb_lint.load.documents import Document, PathKey
from metallb_lint.load.sources import KUSTOMIZATION_NAMES, SourceFile
from metallb_lint.metallb.charts import is_official_repository
from metallb_lint.model.objects import InstallSite, ValuesSource

MANIFEST_URL = re.compile(
    r"(?:github\.com/metallb/metallb(?:\.git)?/+(?P<kpath>[^?\s]*)(?:\?ref=(?P<kref>[^&\s]+))?)"
    r"|(?:raw\.githubusercontent\.com/metallb/metallb/(?P<rref>[^/\s]+)/(?P<rpath>\S+))"
)
PATCH_KEYS = ("patchesStrategicMerge", "patches", "patchesJson6902")


def is_kustomization(path: str) -> bool:
    return posixpath.basename(path) in KUSTOMIZATION_NAMES


def own_kustomization(folder: str, reached: frozenset[str]) -> str | None:
    """The kustomization file of `folder` among the files its kustomization reaches."""
    return next(
        (f for f in reached if is_kustomization(f) and posixpath.dirname(f) == folder), None
    )


def roots(kustomizations: set[str], reach: Callable[[str], frozenset[str]]) -> list[str]:
    """The kustomization folders no other kustomization reaches."""
    reached_by_other = {
        posixpath.dirname(f)
        for other in kustomizations
        for f in reach(other)
        if is_kustomization(f) and posixpath.dirname(f) != other
    }
    return sorted(kustomizations - reached_by_other)


# What the static model does not follow and only the engine renders (tests of both agree on
# the rest: tests/test_render_differential.py).
_ENGINE_KEYS = ("replacements", "components", "vars", "configurations", "transformers")
_PATCH_LISTS = ("patches", "patchesJson6902")


def needs_engine(data: object) -> str | None:
    """Why a kustomization's output may differ from what the static model makes of it (a
    replacement, a component, a patch of another kind than Service), or None."""
    if not isinstance(data, dict):
        return None
    for key in _ENGINE_KEYS:
        if data.get(key):
            return key
    for key in _PATCH_LISTS:
        for entry in items(data.get(key)):
            target = entry.get("target") if isinstance(entry, dict) else None
            if not isinstance(target, dict):
                return key  # the patch names its object itself: any kind
            if target.get("kind") != "Service" or set(target) - {"kind", "name", "version"}:
                return key
    if data.get("patchesStrategicMerge"):
        return "patchesStrategicMerge"
    return None


def reached_namespaces(
    namespaces: dict[str, tuple[str, str]],
    folders: set[str],
    reach: Callable[[str], frozenset[str]],
) -> dict[str, tuple[str, str]]:
    """file -> (namespace, kustomization file) for the files a kustomization with `namespace:`
    reaches (`namespaces`: folder -> (namespace, its kustomization file)), as kustomize sets
    it: the outermost kustomization with one wins, also for files outside its folder
    (`../base`). A file that roots place in different namespaces (or one root in none) is left
    out: the folder scopes decide for it. Linear in what the roots reach."""
    if not namespaces:
        return {}
    by_file = {own: folder for folder, (_, own) in namespaces.items()}
    verdicts: dict[str, set[tuple[str, str] | None]] = {}
    for root in roots(folders, reach):
        reached = reach(root)
        inner = [by_file[f] for f in reached if f in by_file]
        if root in namespaces:  # the root's own namespace is the outermost for all it reaches
            for file in reached:
                verdicts.setdefault(file, set()).add(namespaces[root])
            continue
        for file in reached:
            owners = [folder for folder in inner if file in reach(folder)]
            outermost = [
                folder
                for folder in owners
                if not any(
                    namespaces[folder][1] in reach(other) for other in owners if other != folder
                )
            ]
            verdict = namespaces[outermost[0]] if len(outermost) == 1 else None
            verdicts.setdefault(file, set()).add(verdict)
    return {
        file: next(iter(found))
        for file, found in verdicts.items()
        if len(found) == 1 and None not in found
    }


def is_kustomize_file(path: str, kind: str | None, api: str) -> bool:
    """A kustomize Kustomization (not Flux's CR of the same kind); its kind may be omitted."""
    if api.startswith("kustomize.toolkit.fluxcd.io"):
        return False
    return kind == "Kustomization" or (
        kind is None and posixpath.basename(path) in KUSTOMIZATION_NAMES
    )


def read_kustomizations(sources: list[SourceFile], scopes: Scopes) -> set[str]:
    """Record each kustomization's folder as a unit and its `namespace:` as a scope; return the
    paths of the patch files they name."""
    patch_files: set[str] = set()
    for source in sources:
        if source.role != "kustomization":
            continue
        scopes.unit_dirs.add(source.directory)
        for doc in source.documents:
            data = doc.data if isinstance(doc.data, dict) else {}
            namespace = data.get("namespace")
            if isinstance(namespace, str) and namespace and not has_placeholder(namespace):
                scopes.add(Scope(source.directory, namespace, doc.path, True))
            for key in PATCH_KEYS:
                for item in items(data.get(key)):
                    path = item.get("path") if isinstance(item, dict) else item
                    if isinstance(path, str) and "\n" not in path:
                        joined = posixpath.normpath(posixpath.join(source.directory, path))
                        patch_files.add(joined)
    return patch_files


def helm_chart_values(
    doc: Document,
    base: PathKey,
    body: dict,
    api: str,
    unit: str,
    documents_of: Callable[[str], list[Document]] | None = None,
) -> Iterator[ValuesSource]:
    """The values of each `helmCharts` entry: its `valuesFile` and `additionalValuesFiles`
    (files of this tree, relative to the kustomization; `documents_of` reads them) and its
    `valuesInline`, each judged where it is written."""
    folder = posixpath.dirname(doc.path)
    for index, item in enumerate(items(body.get("helmCharts"))):
        if not isinstance(item, dict):
            continue
        chart = text(item.get("name"))
        owner = ResourceRef(api or "kustomize.config.k8s.io/v1beta1", "Kustomization", None, chart)
        namespace = text(item.get("namespace")) or text(body.get("namespace"))
        official = chart == "metallb" and is_official_repository(item.get("repo"))
        files = [item.get("valuesFile"), *items(item.get("additionalValuesFiles"))]
        for name in files if documents_of is not None else []:
            if not isinstance(name, str) or "://" in name or has_placeholder(name):
                continue
            path = posixpath.normpath(posixpath.join(folder, name))
            yield from ValuesSource.files(
                documents_of(path), chart, owner, namespace, official, unit
            )
        if isinstance(item.get("valuesInline"), dict):
            yield ValuesSource(
                doc,
                (*base, "helmCharts", index, "valuesInline"),
                item["valuesInline"],
                chart,
                owner,
                namespace,
                official,
                unit,
            )


def install_sites(doc: Document, base: PathKey, body: dict, api: str) -> Iterator[InstallSite]:
    """MetalLB's chart in `helmCharts`, and MetalLB's repository in `resources`, `bases` and
    `components` (remote bases and manifest URLs)."""
    namespace = text(body.get("namespace"))
    for index, item in enumerate(items(body.get("helmCharts"))):
        if isinstance(item, dict) and item.get("name") == "metallb":
            yield InstallSite(
                "kustomize-helm",
                item.get("version"),
                doc.location((*base, "helmCharts", index, "version")),
                text(item.get("repo")),
                text(item.get("namespace")) or namespace,
                doc.path,
                repository_location=doc.location((*base, "helmCharts", index, "repo")),
                chart="metallb",
                official=is_official_repository(item.get("repo")),
                owner="kustomization helmCharts",
                resource=kustomization_ref(api),
            )
    for key in ("resources", "bases", "components"):
        for index, item in enumerate(items(body.get(key))):
            site = manifest_site(doc, (*base, key, index), item, namespace)
            if site is not None:
                site.resource = kustomization_ref(api)
                yield site


def manifest_site(
    doc: Document, where: PathKey, item: object, namespace: str | None
) -> InstallSite | None:
    """A kustomize remote base or raw manifest URL of MetalLB's repository."""
    if not isinstance(item, str):
        return None
    match = MANIFEST_URL.search(item)
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


def kustomization_ref(api: str) -> ResourceRef:
    return ResourceRef(api or "kustomize.config.k8s.io/v1beta1", "Kustomization", None, None)


# -- namePrefix / nameSuffix ---------------------------------------------------------------------


class Rename(NamedTuple):
    """What the kustomizations reaching a file do to the names of its objects."""

    prefix: str
    suffix: str
    where: Location  # the namePrefix (or nameSuffix) that does it

    def apply(self, name: str) -> str:
        return f"{self.prefix}{name}{self.suffix}"


def renames(
    kustomizations: Iterable[tuple[str, Document]], reach: Callable[[str], frozenset[str]]
) -> dict[str, Rename]:
    """The files whose objects kustomize renames (`namePrefix`, `nameSuffix`), by the
    kustomizations reaching them; the outer kustomization's prefix goes first, as kustomize
    applies it last. A file reached by a kustomization with `configurations:` (where a
    nameReference can teach kustomize MetalLB's references) is left out: unknown."""
    affixes: dict[str, list[tuple[int, str, str, Location]]] = {}
    configured: set[str] = set()
    for folder, doc in kustomizations:
        data = doc.data if isinstance(doc.data, dict) else {}
        reached = reach(folder)
        if data.get("configurations"):
            configured |= reached
        prefix, suffix = text(data.get("namePrefix")) or "", text(data.get("nameSuffix")) or ""
        if not (prefix or suffix) or has_placeholder(prefix + suffix):
            continue
        where = doc.location(("namePrefix",) if prefix else ("nameSuffix",))
        depth = folder.count("/") + (1 if folder else 0)
        for path in reached:
            affixes.setdefault(path, []).append((depth, prefix, suffix, where))
    found: dict[str, Rename] = {}
    for path, entries in affixes.items():
        if path in configured:
            continue
        entries.sort(key=lambda e: e[0])  # outer first
        prefix = "".join(e[1] for e in entries)
        suffix = "".join(e[2] for e in reversed(entries))
        found[path] = Rename(prefix, suffix, entries[-1][3])
    return found
