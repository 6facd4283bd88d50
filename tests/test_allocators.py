"""ML414 competing-allocator: Cilium's LB IPAM beside MetalLB, judged only where the
repository shows both going to one cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import findings, lint_json, write

METALLB = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lab, namespace: metallb-system}
spec:
  addresses: [192.168.60.32/27]
"""
CILIUM = """\
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata:
  name: lab
spec:
{spec}
"""
BOTH = "resources:\n  - ../../infra/cilium.yaml\n  - ../../infra/metallb.yaml\n"


def _lint(repo: Path) -> list[tuple[str, str, int]]:
    result = lint_json("--metallb-version", "0.16.1", "--select", "ML414", ".", cwd=repo)
    return findings(result)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("  blocks:\n    - cidr: 192.168.50.0/27", [("ML414", "infra/cilium.yaml", 2)]),
        ("  cidrs:\n    - cidr: 192.168.50.0/27", [("ML414", "infra/cilium.yaml", 2)]),
        # a selector splits the Services: only shared addresses collide
        (
            "  serviceSelector: {matchLabels: {lb: cilium}}\n  blocks:\n"
            "    - start: 192.168.50.10\n      stop: 192.168.50.20",
            [],
        ),
        (
            "  serviceSelector: {matchLabels: {lb: cilium}}\n  blocks:\n"
            "    - cidr: 192.168.60.48/28",
            [("ML414", "infra/cilium.yaml", 2)],
        ),
        # switched off
        ("  disabled: true\n  blocks:\n    - cidr: 192.168.50.0/27", []),
    ],
)
def test_cilium_pool_beside_metallb_in_one_cluster(repo: Path, spec: str, expected: list) -> None:
    write(
        repo,
        {
            "infra/cilium.yaml": CILIUM.format(spec=spec),
            "infra/metallb.yaml": METALLB,
            "clusters/lab/kustomization.yaml": BOTH,
        },
    )
    assert _lint(repo) == expected


def test_the_message_says_how_to_split_them(repo: Path) -> None:
    write(
        repo,
        {
            "infra/cilium.yaml": CILIUM.format(spec="  blocks:\n    - cidr: 192.168.50.0/27"),
            "infra/metallb.yaml": METALLB,
            "clusters/lab/kustomization.yaml": BOTH,
        },
    )
    result = lint_json("--metallb-version", "0.16.1", "--select", "ML414", ".", cwd=repo)
    [finding] = result.json["findings"]
    assert "both write each Service's status.loadBalancer" in finding["message"]
    assert "a loadBalancerClass for MetalLB" in finding["message"]
    assert [r["path"] for r in finding["related"]] == ["infra/metallb.yaml"]


def test_nothing_joins_them_so_nothing_is_assumed(repo: Path) -> None:
    """No kustomization and no entry point puts both in one cluster: they may be alternatives
    applied by hand (the held-out set has a repository that deletes its Cilium pools)."""
    write(
        repo,
        {
            "cilium/pool.yaml": CILIUM.format(spec="  blocks:\n    - cidr: 192.168.50.0/27"),
            "metallb/pool.yaml": METALLB,
        },
    )
    assert _lint(repo) == []


@pytest.mark.parametrize(
    ("metallb_in", "expected"),
    [("b", []), ("a", [("ML414", "clusters/a/cilium.yaml", 2)])],
)
def test_two_clusters_each_with_its_allocator(repo: Path, metallb_in: str, expected: list) -> None:
    """Two Flux clusters: Cilium's LB IPAM in one, MetalLB in the other (or in the same)."""
    flux = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: flux-system, namespace: flux-system}}
spec:
  interval: 10m
  path: ./clusters/{name}
  prune: true
  sourceRef: {{kind: GitRepository, name: flux-system}}
"""
    write(
        repo,
        {
            "clusters/a/flux-system/gotk-sync.yaml": flux.format(name="a"),
            "clusters/a/cilium.yaml": CILIUM.format(spec="  blocks:\n    - cidr: 192.168.50.0/27"),
            "clusters/b/flux-system/gotk-sync.yaml": flux.format(name="b"),
            f"clusters/{metallb_in}/metallb.yaml": METALLB,
        },
    )
    assert _lint(repo) == expected


KUBE_VIP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: kubevip
  namespace: kube-system
data:
  {key}: {value}
"""


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("range-global", "192.168.50.10-192.168.50.20", [("ML414", "infra/cilium.yaml", 2)]),
        ("cidr-global", "192.168.50.0/29,192.168.51.0/29", [("ML414", "infra/cilium.yaml", 2)]),
        ("cidr-global", "${KUBE_VIP_RANGE}", [("ML414", "infra/cilium.yaml", 2)]),
        ("unrelated", "x", []),  # no range: not configured as an allocator
    ],
)
def test_kube_vips_cloud_provider_beside_metallb(
    repo: Path, key: str, value: str, expected: list
) -> None:
    """kube-vip's cloud provider takes every LoadBalancer Service without a class, as MetalLB
    does (no selector to split them); its ConfigMap is read only because it is named kubevip."""
    write(
        repo,
        {
            "infra/cilium.yaml": KUBE_VIP.format(key=key, value=value),
            "infra/metallb.yaml": METALLB,
            "clusters/lab/kustomization.yaml": BOTH,
        },
    )
    assert _lint(repo) == expected
    if expected:
        result = lint_json("--metallb-version", "0.16.1", "--select", "ML414", ".", cwd=repo)
        assert "kube-vip's cloud provider" in result.json["findings"][0]["message"]
