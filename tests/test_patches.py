"""kustomize patches of an overlay replace parts of the base objects they target
(gitops/patches.py): what they replace is not deployed as the base writes it and is not judged."""

from __future__ import annotations

from pathlib import Path

from metallb_lint.gitops.patches import Override, overrides
from metallb_lint.load.documents import Chunk, compose_chunk
from tests.conftest import findings, lint_json, write

POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan
  namespace: metallb-system
spec:
  addresses: []
  autoAssign: true
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: lan
  namespace: metallb-system
"""
BASE = "resources:\n  - pool.yaml\n"


def lint(repo: Path) -> list[tuple[str, str, int]]:
    return findings(lint_json(".", "--metallb-version", "0.15.3", "--select", "ML204", cwd=repo))


def test_empty_base_pool_filled_by_each_kind_of_patch(repo: Path) -> None:
    write(repo, {"base/pool.yaml": POOL, "base/kustomization.yaml": BASE})
    # the base alone: an empty pool
    assert lint(repo) == [("ML204", "base/pool.yaml", 7)]
    smp = "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
    smp += "spec:\n  addresses: [10.0.0.0/28]\n"
    write(
        repo,
        {
            "overlay/kustomization.yaml": "resources:\n  - ../base\n"
            "patchesStrategicMerge:\n  - pool-patch.yaml\n",
            "overlay/pool-patch.yaml": smp,
        },
    )
    assert lint(repo) == []
    inline_json = (
        "resources:\n  - ../base\npatches:\n  - target: {kind: IPAddressPool, name: lan}\n"
        "    patch: |-\n      - op: replace\n        path: /spec/addresses\n"
        "        value: [10.0.0.0/28]\n"
    )
    write(repo, {"overlay/kustomization.yaml": inline_json})
    assert lint(repo) == []
    # a patch of another pool leaves this one as the base writes it
    write(repo, {"overlay/kustomization.yaml": inline_json.replace("name: lan", "name: wan")})
    assert lint(repo) == [("ML204", "base/pool.yaml", 7)]


def test_a_patch_outside_the_kustomizations_that_reach_the_base_changes_nothing(
    repo: Path,
) -> None:
    smp = "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
    smp += "spec:\n  addresses: [10.0.0.0/28]\n"
    write(
        repo,
        {
            "base/pool.yaml": POOL,
            "base/kustomization.yaml": BASE,
            "other/kustomization.yaml": "resources:\n  - web.yaml\n"
            "patchesStrategicMerge:\n  - pool-patch.yaml\n",
            "other/pool-patch.yaml": smp,
            "other/web.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n",
        },
    )
    assert lint(repo) == [("ML204", "base/pool.yaml", 7)]


def _overrides(kustomization: str, files: dict[str, str] | None = None) -> list[Override]:
    doc, _ = compose_chunk("k/kustomization.yaml", Chunk(1, kustomization), 0)
    assert doc is not None

    def documents_of(path: str):
        text = (files or {}).get(path)
        parsed = compose_chunk(path, Chunk(1, text), 0)[0] if text else None
        return [parsed] if parsed else []

    return list(overrides(doc, doc.data, documents_of))


def test_what_each_patch_form_replaces() -> None:
    smp = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: metallb\n"
        "spec:\n  values:\n    speaker:\n      tolerations: []\n      logLevel: debug\n"
        "    controller:\n      $patch: delete\n"
    )
    assert _overrides("patchesStrategicMerge:\n  - release.yaml\n", {"k/release.yaml": smp}) == [
        Override(
            "k",
            "HelmRelease",
            "metallb",
            (
                ("spec", "values", "speaker", "tolerations"),
                ("spec", "values", "speaker", "logLevel"),
                ("spec", "values", "controller"),
            ),
        )
    ]
    json6902 = (
        "patchesJson6902:\n  - target: {kind: BGPPeer, name: router}\n    patch: |-\n"
        "      - op: replace\n        path: /spec/peerAddress\n        value: 10.0.0.1\n"
        "      - op: add\n        path: /spec/nodeSelectors/-\n        value: {}\n"
        "      - op: test\n        path: /spec/myASN\n        value: 64512\n"
        "      - op: remove\n        path: /metadata/annotations/a~1b\n"
    )
    assert _overrides(json6902) == [
        Override(
            "k",
            "BGPPeer",
            "router",
            (
                ("spec", "peerAddress"),
                ("spec", "nodeSelectors"),
                ("metadata", "annotations", "a/b"),
            ),
        )
    ]
    # every object of a kind; a label selector picks targets not known here; remote files
    every = "patches:\n  - target: {kind: L2Advertisement}\n    patch: |-\n"
    every += (
        "      apiVersion: metallb.io/v1beta1\n      kind: L2Advertisement\n"
        "      metadata: {name: x}\n      spec: {interfaces: [eth0]}\n"
    )
    assert _overrides(every) == [Override("k", "L2Advertisement", None, (("spec", "interfaces"),))]
    selected = every.replace(
        "{kind: L2Advertisement}", "{kind: L2Advertisement, labelSelector: a=b}"
    )
    assert _overrides(selected) == []
    assert _overrides("patchesStrategicMerge:\n  - https://example.org/p.yaml\n") == []
    # Kubernetes' own kinds merge lists by key (containers by name): the list is not replaced
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller\nspec:\n"
        "  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: controller\n"
        "          args: [--log-level=warn]\n"
    )
    assert _overrides("patches:\n  - path: d.yaml\n", {"k/d.yaml": deployment}) == [
        Override("k", "Deployment", "controller", (("spec", "replicas"),))
    ]
