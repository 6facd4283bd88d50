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


# -- Service patches merged into their Service ---------------------------------------------------


def test_strategic_merge_of_a_service() -> None:
    from metallb_lint.gitops.patches import strategic_merge

    base = {
        "metadata": {"name": "web", "annotations": {"a": "1", "b": "2"}},
        "spec": {
            "ports": [{"port": 80, "name": "http"}, {"port": 443}],
            "externalIPs": ["192.0.2.1"],
            "selector": {"app": "web"},
        },
    }
    patch = {
        "metadata": {"name": "web", "annotations": {"b": None, "c": "3"}},
        "spec": {
            "type": "LoadBalancer",
            "ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "$patch": "delete"}],
            "externalIPs": ["192.0.2.9"],
            "selector": {"$patch": "replace", "tier": "front"},
        },
    }
    assert strategic_merge(base, patch) == {
        "metadata": {"name": "web", "annotations": {"a": "1", "c": "3"}},
        "spec": {
            "ports": [{"port": 80, "name": "http", "targetPort": 8080}],
            "externalIPs": ["192.0.2.9"],  # lists other than ports are replaced
            "selector": {"tier": "front"},
            "type": "LoadBalancer",
        },
    }
    assert base["metadata"]["annotations"] == {"a": "1", "b": "2"}  # the base is not changed


SERVICE_BASE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
  selector: {app: web}
"""
LB_PATCH = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    metallb.io/loadBalancerIPs: {ip}
spec:
  type: LoadBalancer
"""
POOL_AND_AD = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: metallb-system}
spec: {addresses: [10.0.0.0/28]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: lan, namespace: metallb-system}
"""


def _service_repo(repo: Path, patches: str, **files: str) -> None:
    write(
        repo,
        {
            "metallb/kustomization.yaml": "resources: [pool.yaml]\n",
            "metallb/pool.yaml": POOL_AND_AD,
            "base/kustomization.yaml": "resources: [service.yaml]\n",
            "base/service.yaml": SERVICE_BASE,
            "overlay/kustomization.yaml": (
                "namespace: web\nresources: [../base, ../metallb]\n" + patches
            ),
            **files,
        },
    )


def _service_findings(repo: Path) -> list[tuple[str, str, int]]:
    return findings(lint_json(".", "--metallb-version", "0.15.3", "--select", "ML4", cwd=repo))


def test_a_service_patch_file_is_judged_where_it_writes(repo: Path) -> None:
    _service_repo(
        repo,
        "patches:\n  - path: lb.yaml\n",
        **{"overlay/lb.yaml": LB_PATCH.format(ip="10.0.1.5")},
    )
    assert _service_findings(repo) == [("ML401", "overlay/lb.yaml", 6)]


def test_an_inline_service_patch_is_located_in_the_kustomization(repo: Path) -> None:
    inline = "".join(f"      {line}\n" for line in LB_PATCH.format(ip="10.0.1.5").splitlines())
    _service_repo(repo, "patches:\n  - target: {kind: Service, name: web}\n    patch: |\n" + inline)
    assert _service_findings(repo) == [("ML401", "overlay/kustomization.yaml", 11)]


def test_patches_strategic_merge_and_a_patch_inside_the_pool_are_silent(repo: Path) -> None:
    _service_repo(
        repo,
        "patchesStrategicMerge:\n  - lb.yaml\n",
        **{"overlay/lb.yaml": LB_PATCH.format(ip="10.0.0.5")},
    )
    assert _service_findings(repo) == []


def test_a_selector_patch_is_not_guessed(repo: Path) -> None:
    _service_repo(
        repo,
        "patches:\n  - path: lb.yaml\n    target: {kind: Service, labelSelector: app=web}\n",
        **{"overlay/lb.yaml": LB_PATCH.format(ip="10.0.1.5")},
    )
    assert _service_findings(repo) == []


def test_a_patch_that_deletes_the_annotation_removes_the_request(repo: Path) -> None:
    base = SERVICE_BASE.replace(
        "  name: web\n",
        "  name: web\n  annotations:\n    metallb.io/loadBalancerIPs: 10.0.1.5\n",
    ).replace("spec:\n", "spec:\n  type: LoadBalancer\n")
    deleting = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n"
    deleting += "    metallb.io/loadBalancerIPs: null\n"
    _service_repo(
        repo,
        "patches:\n  - path: plain.yaml\n",
        **{"base/service.yaml": base, "overlay/plain.yaml": deleting},
    )
    assert _service_findings(repo) == []
    # the base alone, with no overlay applying the patch, asks for the address
    (repo / "overlay" / "kustomization.yaml").write_text(
        "namespace: web\nresources: [../base, ../metallb]\n", encoding="utf-8"
    )
    assert _service_findings(repo) == [("ML401", "base/service.yaml", 6)]


def test_a_json6902_service_patch_is_judged_where_it_writes(repo: Path) -> None:
    """`patchesJson6902` and `patches` with a list of operations: the annotation an operation
    adds is read at its value's line; `remove` drops what the base wrote."""
    base = SERVICE_BASE.replace("spec:\n", "spec:\n  type: LoadBalancer\n")
    inline = (
        "patches:\n  - target: {kind: Service, name: web}\n    patch: |-\n"
        "      - op: add\n        path: /metadata/annotations\n        value: {}\n"
        "      - op: add\n        path: /metadata/annotations/metallb.io~1loadBalancerIPs\n"
        "        value: 10.0.1.5\n"
    )
    _service_repo(repo, inline, **{"base/service.yaml": base})
    assert _service_findings(repo) == [("ML401", "overlay/kustomization.yaml", 11)]
    from_file = "patchesJson6902:\n  - target: {version: v1, kind: Service, name: web}\n"
    from_file += "    path: ops.yaml\n"
    operations = (
        "- op: replace\n  path: /spec/type\n  value: LoadBalancer\n"
        "- op: add\n  path: /spec/loadBalancerIP\n  value: 10.0.1.6\n"
    )
    _service_repo(repo, from_file, **{"overlay/ops.yaml": operations})
    assert _service_findings(repo) == [
        ("ML401", "overlay/ops.yaml", 6),
        ("ML406", "overlay/ops.yaml", 6),
    ]


def test_json6902_operations_on_a_service() -> None:
    from metallb_lint.gitops.patches import _apply_operation

    service = {"spec": {"ports": [{"port": 80}], "externalIPs": ["192.0.2.1"]}}
    added = _apply_operation(service, ("spec", "ports", -1), "add", {"port": 443})
    assert added["spec"]["ports"] == [{"port": 80}, {"port": 443}]
    removed = _apply_operation(service, ("spec", "externalIPs"), "remove", None)
    assert removed == {"spec": {"ports": [{"port": 80}]}}
    assert service["spec"]["externalIPs"] == ["192.0.2.1"]  # the base is not changed
