"""The static deployment model against the real kustomize engine (gitops/render.py).

For each root kustomization of a tree (one no other kustomization reaches) that the repository
deploys, both must agree on what reaches the cluster from MetalLB's kinds and Services:
- the engine renders an object from a file  <=>  the static model holds that object there and
  counts the file as reached by that root;
- the namespace the engine gives it is the static model's effective namespace;
- every `spec` field the static model judges (outside what an overlay's patch replaces) has the
  value the engine renders, and so has every MetalLB annotation of a Service;
- a Service an overlay's strategic-merge patch changes is compared as the static model merges
  it (`Inventory.patched`), in place of its base.
A duplicate the engine refuses must be ML210's finding. Used by the differential test over the
fixtures and by the real-world corpus (benchmarks/realworld/differential.py)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from metallb_lint.engine import RunResult
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.gitops.render import OfflineTree, Rendered
from metallb_lint.model.inventory import Inventory
from metallb_lint.model.objects import PatchedResource, Resource

JUDGED_KINDS = frozenset(
    {"IPAddressPool", "L2Advertisement", "BGPAdvertisement", "BGPPeer", "BFDProfile", "Community"}
    | {"Service"}
)
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_MISSING = object()


@dataclass
class Comparison:
    built: list[str] = field(default_factory=list)  # roots the engine built
    failed: list[str] = field(default_factory=list)  # "root: why" the engine could not build
    compared: int = 0  # rendered objects matched with the static model's
    problems: list[str] = field(default_factory=list)  # every disagreement, one line each


def compare(result: RunResult, tree: Path, engine: list[str]) -> Comparison:
    """Build each deployed root kustomization of `tree` (the folder `result` linted as `.`)."""
    inventory = result.inventory
    deployment = inventory.deployment
    comparison = Comparison()
    if deployment is None:
        return comparison
    folders = {posixpath.dirname(p) for p in inventory.files if is_kustomization(p)}
    # objects embedded in other objects (a chart's values) are Helm's to render, not kustomize's
    judged = [
        r
        for r in inventory.resources
        if (_judged(r.kind, r.body) or any(p.original is r for p in inventory.patched))
        and all(part == "items" or isinstance(part, int) for part in r.base)
    ]
    with OfflineTree(engine, tree) as offline:
        for root in roots(folders, deployment.reach):
            _compare_root(result, offline, root, judged, comparison)
    return comparison


def _compare_root(
    result: RunResult,
    offline: OfflineTree,
    root: str,
    judged: list[Resource],
    comparison: Comparison,
) -> None:
    deployment = result.inventory.deployment
    assert deployment is not None
    reached = deployment.reach(root)
    own = next((f for f in reached if is_kustomization(f) and posixpath.dirname(f) == root), None)
    if own is None or not deployment.deployed(own):
        return  # nothing applies this kustomization: the cluster never receives it
    where = root or "."
    rendered = offline.build(root)
    if rendered.error and "already registered id" in rendered.error:
        # kustomize refuses two objects with one identity: ML210 must say so
        if not any(f.rule == "ML210" and f.location.path in reached for f in result.findings):
            comparison.problems.append(f"{where}: the engine refuses a duplicate, ML210 is silent")
        return
    if rendered.error:
        comparison.failed.append(f"{where}: {rendered.error}")
        return
    comparison.built.append(where)
    objects = [o for o in rendered.objects if _judged(o.kind, o.body)]
    comparison.compared += len(objects)
    here = _as_patched(result.inventory.patched, reached, judged)
    comparison.problems += _compare(result.inventory, where, reached, objects, here)


def _as_patched(
    patched: list[PatchedResource], reached: frozenset[str], judged: list[Resource]
) -> list[Resource]:
    """The judged objects of one root, a base Service replaced by what the overlays this root
    reaches make of it."""
    applied = [
        p
        for p in patched
        if any(is_kustomization(f) and posixpath.dirname(f) == p.overlay for f in reached)
    ]
    replaced = {id(p.original) for p in applied}
    return [r for r in judged if id(r) not in replaced] + [
        p for p in applied if _judged(p.kind, p.body)
    ]


def _judged(kind: str, body: dict) -> bool:
    """MetalLB's kinds, and the Services MetalLB serves (the others are not read at all)."""
    if kind != "Service":
        return kind in JUDGED_KINDS
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    annotations = (
        metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    )
    return spec.get("type") == "LoadBalancer" or any("metallb" in str(k) for k in annotations)


def is_kustomization(path: str) -> bool:
    return posixpath.basename(path) in KUSTOMIZATION_NAMES


def roots(kustomizations: set[str], reach: Callable[[str], frozenset[str]]) -> list[str]:
    """The kustomization folders no other kustomization reaches."""
    reached_by_other = {
        posixpath.dirname(f)
        for other in kustomizations
        for f in reach(other)
        if is_kustomization(f) and posixpath.dirname(f) != other
    }
    return sorted(kustomizations - reached_by_other)


def _compare(
    inventory: Inventory,
    root: str,
    reached: frozenset[str],
    rendered: list[Rendered],
    judged: list[Resource],
) -> list[str]:
    problems = []
    unmatched = [r for r in judged if r.path in reached]
    for obj in rendered:
        match = next(
            (
                r
                for r in unmatched
                if r.path == obj.origin and r.kind == obj.kind and _same_name(r.name, obj.name)
            ),
            None,
        )
        where = f"{root}: {obj.kind}/{obj.name} from {obj.origin}"
        if match is None:
            problems.append(f"{where}: rendered, but the static model does not reach it")
            continue
        unmatched.remove(match)
        namespace = match.effective_namespace
        # no namespace rendered: Argo CD's destination or Flux's targetNamespace gives it; a
        # Flux `${VAR}` rendered as written is Flux's to substitute (unknown to the static model
        # when the repository does not set it)
        flux_var = obj.namespace is not None and has_placeholder(obj.namespace)
        if obj.namespace is not None and not flux_var and namespace != obj.namespace:
            problems.append(
                f"{where}: namespace {obj.namespace!r} rendered, {namespace!r} in the static model"
            )
        problems += [f"{where}: {p}" for p in _spec_differences(inventory, match, obj)]
    for resource in unmatched:
        problems.append(
            f"{root}: {resource.kind}/{resource.name} in {resource.path}: "
            "reached in the static model, not rendered"
        )
    return problems


def _same_name(static: str | None, rendered: str | None) -> bool:
    """Equal, or equal but for a kustomize `namePrefix`/`nameSuffix`."""
    return static == rendered or bool(static and rendered and static in rendered)


def _spec_differences(inventory: Inventory, resource: Resource, obj: Rendered) -> list[str]:
    differences = []
    leaves = list(_leaves(resource.body.get("spec"), ("spec",)))
    if resource.kind == "Service":
        annotations = resource.mapping("metadata", "annotations")
        leaves += [
            (("metadata", "annotations", key), value)
            for key, value in annotations.items()
            if "metallb" in str(key)
        ]
    for path, value in leaves:
        if resource.kind == "Service" and path[:2] == ("spec", "selector"):
            continue  # kustomize `labels`/`commonLabels` add selector labels
        if inventory.is_superseded(resource.location(*path)):
            continue
        rendered = _dig({"spec": obj.body.get("spec"), "metadata": obj.body.get("metadata")}, path)
        if rendered != value:
            shown = "nothing" if rendered is _MISSING else repr(rendered)
            differences.append(
                f"{'.'.join(map(str, path))}: {value!r} in the static model, {shown} rendered"
            )
    return differences


def _leaves(value: object, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _dig(value: object, path: tuple) -> object:
    for part in path:
        in_list = isinstance(value, list) and isinstance(part, int) and part < len(value)
        if in_list or (isinstance(value, dict) and part in value):
            value = value[part]  # type: ignore[index]
        else:
            return _MISSING
    return value
