"""Objects as the real kustomize engine builds them (`--render`), judged at the lines the user
wrote.

The static model (gitops/deployment.py, patches.py, scopes.py) says what each kustomization
deploys. Where an engine is installed, each root kustomization that reaches MetalLB's objects
or the Services MetalLB serves is built offline (gitops/render.py), and every rendered object
is matched with the object the static model holds for that file: where both agree, nothing
changes; where the engine renders other values (a `replacements` source, a component's patch,
a generator), the rendered object is judged in place of the static one, each value the engine
changed located at the kustomization that changes it and everything else where it is written;
where the engine does not render an object the static model deploys (a `$patch: delete`, a
local-config object), it is not judged. A failed build leaves that root to the static model,
with one ML004 info at its kustomization saying why.

The same matching serves the differential test (tools/differential.py)."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from metallb_lint.findings import Location
from metallb_lint.gitops import render as render_module
from metallb_lint.gitops.fields import items
from metallb_lint.gitops.kustomize import (
    is_kustomization,
    needs_engine,
    own_kustomization,
    roots,
)
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.gitops.render import BuildResult, OfflineTree, Rendered
from metallb_lint.gitops.replacements import source_object
from metallb_lint.load.documents import Document, PathKey
from metallb_lint.load.sources import KUSTOMIZATION_NAMES
from metallb_lint.model.objects import PatchedResource, Resource

__all__ = ["KUSTOMIZATION_NAMES", "is_kustomization", "own_kustomization", "roots"]

JUDGED_KINDS = frozenset(
    {"IPAddressPool", "L2Advertisement", "BGPAdvertisement", "BGPPeer", "BFDProfile", "Community"}
    | {"Service"}
)
# The keys of a kustomization that change the fields of the objects it reaches, most specific
# first: where a value the engine renders differently from the file comes from.
_CHANGING_KEYS = (
    "replacements",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "components",
    "configMapGenerator",
    "vars",
)
_ORIGIN = "config.kubernetes.io/origin"
DUPLICATE = "already registered id"  # kustomize's refusal of two objects with one identity
MISSING = object()


def judged(kind: str, body: dict) -> bool:
    """MetalLB's kinds, and the Services MetalLB serves (the others are not read at all)."""
    if kind != "Service":
        return kind in JUDGED_KINDS
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    annotations = (
        metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    )
    return spec.get("type") == "LoadBalancer" or any("metallb" in str(k) for k in annotations)


def top_level(resource: Resource) -> bool:
    """An object at the root of its document or in a List (what kustomize builds), not one
    embedded in another object (a chart's values are Helm's to render)."""
    return all(part == "items" or isinstance(part, int) for part in resource.base)


def as_patched(
    patched: Iterable[PatchedResource], reached: frozenset[str], candidates: list[Resource]
) -> list[Resource]:
    """The judged objects of one root, a base Service replaced by what the overlays this root
    reaches make of it."""
    applied = [
        p
        for p in patched
        if any(is_kustomization(f) and posixpath.dirname(f) == p.overlay for f in reached)
    ]
    replaced = {id(p.original) for p in applied}
    return [r for r in candidates if id(r) not in replaced] + [
        p for p in applied if judged(p.kind, p.body)
    ]


def same_name(static: str | None, rendered: str | None) -> bool:
    """Equal, or equal but for a kustomize `namePrefix`/`nameSuffix`."""
    return static == rendered or bool(static and rendered and static in rendered)


def match(
    rendered: list[Rendered], candidates: list[Resource]
) -> tuple[list[tuple[Rendered, Resource | None]], list[Resource]]:
    """Each rendered object with the static object of its file, kind and name (None: the
    static model does not reach it), and the static objects nothing rendered. An object whose
    origin a patch dropped (one that replaces `metadata.annotations`) is matched by kind and
    name alone, when one static object fits."""
    unmatched = list(candidates)
    found: dict[int, Resource] = {}
    for index, obj in enumerate(rendered):
        static = next(
            (
                r
                for r in unmatched
                if r.path == obj.origin and r.kind == obj.kind and same_name(r.name, obj.name)
            ),
            None,
        )
        if static is not None:
            unmatched.remove(static)
            found[index] = static
    for index, obj in enumerate(rendered):
        if obj.origin is not None or index in found:
            continue
        fits = [r for r in unmatched if r.kind == obj.kind and same_name(r.name, obj.name)]
        if len(fits) == 1:
            unmatched.remove(fits[0])
            found[index] = fits[0]
        else:  # which one it is is not known: none counts as not rendered
            unmatched = [r for r in unmatched if all(r is not fit for fit in fits)]
    return [(obj, found.get(index)) for index, obj in enumerate(rendered)], unmatched


def judged_leaves(resource: Resource) -> list[tuple[PathKey, object]]:
    """The values the checks read: every `spec` leaf, and a Service's MetalLB annotations."""
    leaves = list(leaves_of(resource.body.get("spec"), ("spec",)))
    if resource.kind == "Service":
        annotations = resource.mapping("metadata", "annotations")
        leaves += [
            (("metadata", "annotations", key), value)
            for key, value in annotations.items()
            if "metallb" in str(key)
        ]
    return leaves


def leaves_of(value: object, path: PathKey = ()) -> Iterator[tuple[PathKey, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves_of(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves_of(item, (*path, index))
    else:
        yield path, value


def dig(value: object, path: PathKey) -> object:
    for part in path:
        in_list = isinstance(value, list) and isinstance(part, int) and part < len(value)
        if in_list or (isinstance(value, dict) and part in value):
            value = value[part]  # type: ignore[index]
        else:
            return MISSING
    return value


def rendered_namespace(obj: Rendered) -> str | None:
    """The namespace the engine gives, None when it gives none or leaves a Flux `${VAR}`
    for Flux to substitute (Argo CD's destination or Flux's targetNamespace decides)."""
    if obj.namespace is None or has_placeholder(obj.namespace):
        return None
    return obj.namespace


def _judged_view(body: dict) -> dict:
    return {"spec": body.get("spec"), "metadata": body.get("metadata")}


def differences(resource: Resource, obj: Rendered) -> set[PathKey]:
    """The judged paths whose rendered value is not the static model's, both ways."""
    rendered_view = _judged_view(obj.body)
    changed = {
        path
        for path, value in judged_leaves(resource)
        if not _selector(resource.kind, path) and dig(rendered_view, path) != value
    }
    static_view = _judged_view(resource.body)
    shadow = Resource(
        resource.doc, resource.base, obj.api_version, obj.kind, None, None, None, "", obj.body
    )
    changed |= {
        path
        for path, value in judged_leaves(shadow)
        if not _selector(obj.kind, path) and dig(static_view, path) is MISSING
    }
    return changed


def _selector(kind: str, path: PathKey) -> bool:
    """A Service's selector, which kustomize `labels`/`commonLabels` extend."""
    return kind == "Service" and path[:2] == ("spec", "selector")


@dataclass
class RenderedResource(PatchedResource):
    """An object as the engine renders it where that differs from the static model: `body`
    is the rendered object; a value the engine changed is located at the kustomization that
    changes it, every other value where the static model locates it."""

    static: Resource | None = None
    changed_at: Location | None = None
    changed: frozenset[PathKey] = frozenset()

    def location(self, *path: str | int, key: bool = False) -> Location:
        if self.changed_at is not None and _touches(path, self.changed):
            return self.changed_at
        if self.static is not None:
            return self.static.location(*path, key=key)
        return super().location(*path, key=key)


def _touches(path: tuple, changed: frozenset[PathKey]) -> bool:
    size = len(path)
    return bool(path) and any(c[:size] == path or path[: len(c)] == c for c in changed)


@dataclass
class Outcome:
    """What the builds change: per static object (by id; a base object or an overlay's patched
    Service) what is judged in its place (an empty list: nothing, the engine does not deploy
    it), and the roots that could not be built."""

    replaced: dict[int, list[Resource]] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (kustomization file, why)
    built: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # remote resources and helmCharts
    compared: int = 0
    # the static objects (by id) every root that reaches them built: what the engine renders
    # for them is known, so nothing written there is "replaced by a patch, unknown"
    covered: set[int] = field(default_factory=set)

    def judged_as(self, resource: Resource) -> list[Resource]:
        return self.replaced.get(id(resource), [resource])


@dataclass
class Request:
    """What to build: the engine command, how many builds at once, the time limit of each, and
    the files a run names (None: every root; otherwise only roots that reach one of them)."""

    command: list[str]
    jobs: int = 0  # 0: one per core
    time_limit: float | None = None  # seconds per build (None: gitops/render.py's)
    named: frozenset[str] | None = None
    # every root that reaches judged objects (`always`), not only those using what the static
    # model does not follow (`auto`: replacements, components, patches of other kinds)
    every_root: bool = False


def render(
    request: Request,
    deployment,
    files: Iterable[str],
    resources: list[Resource],
    patched: list[PatchedResource],
    documents_of: Callable[[str], list[Document]],
) -> Outcome:
    """Build the roots that reach judged objects and reconcile what they render."""
    outcome = Outcome()
    folders = {posixpath.dirname(p) for p in files if is_kustomization(p)}
    patched_bases = {id(p.original) for p in patched}
    candidates = [
        r for r in resources if (judged(r.kind, r.body) or id(r) in patched_bases) and top_level(r)
    ]
    wanted: list[tuple[str, str, frozenset[str]]] = []
    candidate_paths = frozenset(r.path for r in candidates)
    engine_only = {
        posixpath.dirname(file)
        for file in files
        if is_kustomization(file) and needs_engine(_data(documents_of, file))
    }
    if not engine_only and not request.every_root:
        return outcome  # the static model builds every root as the engine would
    for root in roots(folders, deployment.reach):
        reached = deployment.reach(root)
        own = own_kustomization(root, reached)
        if own is None or not deployment.deployed(own):
            continue  # nothing applies this kustomization: the cluster never receives it
        if request.named is not None and not reached & request.named:
            continue
        if candidate_paths.isdisjoint(reached):
            continue
        if not request.every_root and not any(
            is_kustomization(file) and posixpath.dirname(file) in engine_only for file in reached
        ):
            continue  # the static model builds it as the engine would
        wanted.append((root, own, reached))
    if not wanted:
        return outcome
    tree = _common_folder([f for _, _, reached in wanted for f in reached])
    if tree is None:
        return outcome  # files on several drives, or above the filesystem root
    results = _build_all(request, tree, [root for root, _, _ in wanted])
    verdicts: dict[int, list[Resource]] = {}
    statics: dict[int, Resource] = {}
    uncovered: set[int] = set()
    for (root, own, reached), result in zip(wanted, results, strict=True):
        here = as_patched(patched, reached, candidates)
        outcome.left_out += [e for e in result.left_out if e not in outcome.left_out]
        if result.error:
            if DUPLICATE not in result.error:  # two objects with one identity: ML210 says so
                outcome.failed.append((own, result.error))
            uncovered.update(id(r) for r in here if r.path in reached)
            continue
        outcome.built.append(root or ".")
        objects = [_relative(o, tree) for o in result.objects if judged(o.kind, o.body)]
        outcome.compared += len(objects)
        pairs, unrendered = match(objects, [r for r in here if r.path in reached])
        for obj, static in pairs:
            if static is None:
                continue  # rendered where the static model sees nothing (left to it, said in -v)
            statics[id(static)] = static
            variant = _rendered_variant(static, obj, documents_of, reached)
            verdicts.setdefault(id(static), []).append(variant)
        for static in unrendered:
            statics[id(static)] = static
            verdicts.setdefault(id(static), [])
    for key, static in statics.items():
        if key in uncovered:
            continue  # some root that deploys it could not be built: keep the static object
        outcome.covered.add(key)
        if isinstance(static, PatchedResource) and static.original is not None:
            outcome.covered.add(id(static.original))
        judged_in_place: list[Resource] = []
        for variant in verdicts[key]:
            if not any(_same(variant, kept) for kept in judged_in_place):
                judged_in_place.append(variant)
        if judged_in_place != [static]:
            outcome.replaced[key] = judged_in_place
    return outcome


def _data(documents_of: Callable[[str], list[Document]], path: str) -> object:
    documents = documents_of(path)
    return documents[0].data if documents else None


def _same(one: Resource, other: Resource) -> bool:
    return one is other or (
        one.effective_namespace == other.effective_namespace
        and _judged_view(one.body) == _judged_view(other.body)
    )


def _rendered_variant(
    static: Resource,
    obj: Rendered,
    documents_of: Callable[[str], list[Document]],
    reached: frozenset[str],
) -> Resource:
    """`static` itself where the engine renders what the static model holds, else the
    rendered object located at the static model's lines."""
    namespace = rendered_namespace(obj) or static.effective_namespace
    changed = differences(static, obj)
    if not changed and namespace == static.effective_namespace:
        return static
    body = _without_origin(obj.body)
    return RenderedResource(
        static.doc,
        static.base,
        obj.api_version,
        obj.kind,
        static.name,
        static.namespace,
        namespace,
        static.unit,
        body,
        static.written_name,
        static=static,
        changed_at=_changed_at(documents_of, reached, static) if changed else None,
        changed=frozenset(changed),
    )


def _changed_at(
    documents_of: Callable[[str], list[Document]], reached: frozenset[str], static: Resource
) -> Location | None:
    """Where the kustomization nearest to the object's file changes fields (`replacements`
    first): the patch entry that targets the object, else the key; None when no kustomization
    changes fields (the object's own lines stay)."""
    found: list[tuple[int, int, str, Document, str]] = []
    for file in reached:
        if not is_kustomization(file):
            continue
        doc = next(iter(documents_of(file)), None)
        if doc is None or not isinstance(doc.data, dict):
            continue
        for rank, key in enumerate(_CHANGING_KEYS):
            if doc.data.get(key):
                distance = _distance(posixpath.dirname(file), posixpath.dirname(static.path))
                found.append((rank, distance, file, doc, key))
                break
    if not found:
        return None
    _, _, _, doc, key = min(found, key=lambda item: item[:3])
    entries = doc.data.get(key)
    if key in ("patches", "patchesJson6902") and isinstance(entries, list):
        for index, entry in enumerate(entries):
            target = entry.get("target") if isinstance(entry, dict) else None
            if _selects(target, static):
                return doc.location((key, index))
    if key == "replacements" and isinstance(entries, list):
        for index, entry in enumerate(entries):
            if isinstance(entry, dict) and any(
                isinstance(t, dict) and _selects(t.get("select"), static)
                for t in items(entry.get("targets"))
            ):
                found = source_object(entry.get("source"), reached, documents_of)
                return found[0].location(found[1]) if found else doc.location((key, index))
    return doc.location((key,), key=True)


def _selects(target: object, static: Resource) -> bool:
    """A patch `target` or replacement `select` that names the object's kind and, if it gives
    one, its name."""
    if not isinstance(target, dict) or target.get("kind") != static.kind:
        return False
    name = target.get("name")
    return name is None or name == static.name


def _distance(folder: str, path_folder: str) -> int:
    """How many folders apart two folders are."""
    one = [p for p in folder.split("/") if p]
    two = [p for p in path_folder.split("/") if p]
    common = 0
    for a, b in zip(one, two, strict=False):
        if a != b:
            break
        common += 1
    return len(one) + len(two) - 2 * common


def _without_origin(body: dict) -> dict:
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("annotations"), dict):
        return body
    annotations = {k: v for k, v in metadata["annotations"].items() if k != _ORIGIN}
    metadata = {**metadata, "annotations": annotations}
    if not annotations:
        del metadata["annotations"]
    return {**body, "metadata": metadata}


def _relative(obj: Rendered, tree: str) -> Rendered:
    """The object with its origin as the run names files (relative to the tree built)."""
    if obj.origin is None or tree in ("", "."):
        return obj
    origin = posixpath.join(tree, obj.origin)
    return Rendered(obj.api_version, obj.kind, obj.name, obj.namespace, origin, obj.body)


def _common_folder(paths: list[str]) -> str | None:
    """The deepest folder that holds every path ("" for the current folder)."""
    folders = [posixpath.dirname(p) for p in paths]
    if not folders:
        return None
    absolute = {f.startswith("/") for f in folders}
    if len(absolute) > 1:
        return None
    common = posixpath.commonpath(folders) if folders else ""
    if common.startswith("..") or (absolute == {True} and common == "/"):
        return None
    return common


def _build_all(request: Request, tree: str, folders: list[str]) -> list[BuildResult]:
    """Build each folder (relative to `tree`) from one offline copy, several at once."""
    base = Path(tree or ".")
    jobs = request.jobs or (os.cpu_count() or 1)
    with OfflineTree(request.command, base) as offline:

        def build(folder: str) -> BuildResult:
            relative = posixpath.relpath(folder or ".", tree or ".")
            limit = request.time_limit or render_module.TIME_LIMIT
            result = offline.build("" if relative == "." else relative, limit)
            result.left_out = [_in_tree(entry, tree) for entry in offline.left_out]
            return result

        if jobs == 1 or len(folders) == 1:
            return [build(folder) for folder in folders]
        with ThreadPoolExecutor(max_workers=min(jobs, len(folders))) as pool:
            return list(pool.map(build, folders))


def _in_tree(entry: str, tree: str) -> str:
    if tree in ("", "."):
        return entry
    folder, _, rest = entry.partition(": ")
    return f"{posixpath.normpath(posixpath.join(tree, folder)) if folder else tree}: {rest}"
