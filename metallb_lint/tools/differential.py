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
from dataclasses import dataclass, field
from pathlib import Path

from metallb_lint.engine import RunResult
from metallb_lint.gitops.render import OfflineTree, Rendered
from metallb_lint.model.inventory import Inventory
from metallb_lint.model.objects import Resource
from metallb_lint.model.rendering import (
    DUPLICATE,
    KUSTOMIZATION_NAMES,
    MISSING,
    as_patched,
    dig,
    is_kustomization,
    judged,
    judged_leaves,
    match,
    own_kustomization,
    rendered_namespace,
    roots,
    top_level,
)

__all__ = ["KUSTOMIZATION_NAMES", "Comparison", "compare", "roots"]


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
    candidates = [
        r
        for r in inventory.resources
        if (judged(r.kind, r.body) or any(p.original is r for p in inventory.patched))
        and top_level(r)
    ]
    with OfflineTree(engine, tree) as offline:
        for root in roots(folders, deployment.reach):
            _compare_root(result, offline, root, candidates, comparison)
    return comparison


def _compare_root(
    result: RunResult,
    offline: OfflineTree,
    root: str,
    candidates: list[Resource],
    comparison: Comparison,
) -> None:
    deployment = result.inventory.deployment
    assert deployment is not None
    reached = deployment.reach(root)
    own = own_kustomization(root, reached)
    if own is None or not deployment.deployed(own):
        return  # nothing applies this kustomization: the cluster never receives it
    where = root or "."
    rendered = offline.build(root)
    if rendered.error and DUPLICATE in rendered.error:
        # kustomize refuses two objects with one identity: ML210 must say so
        if not any(f.rule == "ML210" and f.location.path in reached for f in result.findings):
            comparison.problems.append(f"{where}: the engine refuses a duplicate, ML210 is silent")
        return
    if rendered.error:
        comparison.failed.append(f"{where}: {rendered.error}")
        return
    comparison.built.append(where)
    objects = [o for o in rendered.objects if judged(o.kind, o.body)]
    comparison.compared += len(objects)
    here = as_patched(result.inventory.patched, reached, candidates)
    comparison.problems += _compare(result.inventory, where, reached, objects, here)


def _compare(
    inventory: Inventory,
    root: str,
    reached: frozenset[str],
    rendered: list[Rendered],
    candidates: list[Resource],
) -> list[str]:
    problems = []
    pairs, unmatched = match(rendered, [r for r in candidates if r.path in reached])
    for obj, static in pairs:
        where = f"{root}: {obj.kind}/{obj.name} from {obj.origin}"
        if static is None:
            problems.append(f"{where}: rendered, but the static model does not reach it")
            continue
        namespace = static.effective_namespace
        # no namespace rendered: Argo CD's destination or Flux's targetNamespace gives it; a
        # Flux `${VAR}` rendered as written is Flux's to substitute (unknown to the static model
        # when the repository does not set it)
        shown = rendered_namespace(obj)
        if shown is not None and namespace != shown:
            problems.append(
                f"{where}: namespace {obj.namespace!r} rendered, {namespace!r} in the static model"
            )
        problems += [f"{where}: {p}" for p in _spec_differences(inventory, static, obj)]
    for resource in unmatched:
        problems.append(
            f"{root}: {resource.kind}/{resource.name} in {resource.path}: "
            "reached in the static model, not rendered"
        )
    return problems


def _spec_differences(inventory: Inventory, resource: Resource, obj: Rendered) -> list[str]:
    differences = []
    view = {"spec": obj.body.get("spec"), "metadata": obj.body.get("metadata")}
    for path, value in judged_leaves(resource):
        if resource.kind == "Service" and path[:2] == ("spec", "selector"):
            continue  # kustomize `labels`/`commonLabels` add selector labels
        if inventory.is_superseded(resource.location(*path)):
            continue
        rendered = dig(view, path)
        if rendered != value:
            shown = "nothing" if rendered is MISSING else repr(rendered)
            differences.append(
                f"{'.'.join(map(str, path))}: {value!r} in the static model, {shown} rendered"
            )
    return differences
