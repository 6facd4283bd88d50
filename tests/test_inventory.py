"""The inventory: where MetalLB is installed, which namespace resources land in, templates
rendered from their chart's values, resources embedded in other documents."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import findings, lint_json, write

ARGO_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: network
  namespace: argocd
spec:
  source:
    repoURL: https://example.org/homelab.git
    path: network
    targetRevision: HEAD
  destination:
    namespace: networking
"""

CONFIG_CHART = """\
apiVersion: v2
name: network
version: 0.1.0
"""

TEMPLATED_POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: {{ .Values.pool.name }}
  namespace: {{ .Release.Namespace }}
spec:
  addresses:
    - {{ .Values.pool.range }}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: l2
  namespace: {{ .Release.Namespace }}
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
  annotations:
    metallb.universe.tf/loadBalancerIPs: {ip}
spec:
  type: LoadBalancer
  ports:
    - port: 443
"""


def test_templates_of_a_chart_not_named_metallb_are_rendered_from_its_values(repo: Path) -> None:
    write(
        repo,
        {
            "argocd/network.yaml": ARGO_APP,
            "argocd/apps.yaml": ARGO_APP.replace("network", "apps"),
            "network/Chart.yaml": CONFIG_CHART,
            "network/values.yaml": "pool:\n  name: lan\n  range: 10.0.0.0/29\n",
            "network/templates/pools.yaml": TEMPLATED_POOL,
            "apps/web.yaml": SERVICE.format(ip="10.0.1.1"),
        },
    )
    result = lint_json(
        ".", "--metallb-version", "0.14.9", "--select", "ML401", "--exit-zero", cwd=repo
    )
    assert findings(result) == [("ML401", "apps/web.yaml", 7)]
    assert "pool 'lan' (10.0.0.0/29)" in result.json["findings"][0]["message"]


def test_template_namespace_comes_from_the_argo_cd_destination(repo: Path) -> None:
    write(
        repo,
        {
            "argocd/network.yaml": ARGO_APP,
            "network/Chart.yaml": CONFIG_CHART,
            "network/values.yaml": "pool:\n  name: lan\n  range: 10.0.0.0/29\n",
            "network/templates/pools.yaml": TEMPLATED_POOL.replace(
                "  name: l2\n", "  name: l2\n"
            ).replace(
                "  name: l2\n  namespace: {{ .Release.Namespace }}\n",
                "  name: l2\n  namespace: metallb-system\n",
            ),
        },
    )
    result = lint_json(".", "--metallb-version", "0.14.9", "--select", "ML205", cwd=repo)
    # The advertisement is in metallb-system, the pool lands in networking: not announced.
    assert findings(result) == [("ML205", "network/templates/pools.yaml", 4)]


def test_version_mode_and_namespace_from_a_flux_helmrelease(repo: Path) -> None:
    write(
        repo,
        {
            "infra/metallb.yaml": """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: metallb
  namespace: flux-system
spec:
  targetNamespace: lb
  chart:
    spec:
      chart: metallb
      version: 0.15.3
      sourceRef: {kind: HelmRepository, name: metallb}
  values:
    speaker:
      frr:
        enabled: false
""",
        },
    )
    result = lint_json(".", cwd=repo)
    assert result.json["target"] == {
        "metallb_version": "0.15.3",
        "source": "infra/metallb.yaml",
        "mode": "native",
    }


def test_metallb_resources_embedded_in_a_raw_chart_are_located(repo: Path) -> None:
    write(
        repo,
        {
            "infra/pools.yaml": """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: metallb-config
  namespace: metallb-system
spec:
  chart:
    spec: {chart: raw, version: 2.0.0, sourceRef: {kind: HelmRepository, name: bedag}}
  values:
    resources:
      - apiVersion: metallb.io/v1beta1
        kind: IPAddressPool
        metadata: {name: lan, namespace: metallb-system}
        spec:
          addresses:
            - 10.0.0.10
""",
        },
    )
    result = lint_json(".", "--metallb-version", "0.14.9", "--select", "ML201", cwd=repo)
    assert findings(result) == [("ML201", "infra/pools.yaml", 16)]


def test_a_kustomization_namespace_overrides_explicit_namespaces(repo: Path) -> None:
    pool = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
        "  namespace: default\nspec:\n  addresses: [10.0.0.0/29]\n"
    )
    ad = (
        "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: l2\n"
        "  namespace: networking\n"
    )
    write(
        repo,
        {
            "metallb/kustomization.yaml": (
                "namespace: networking\nresources: [pool.yaml, l2.yaml]\n"
            ),
            "metallb/pool.yaml": pool,
            "metallb/l2.yaml": ad,
        },
    )
    result = lint_json(".", "--metallb-version", "0.14.9", "--select", "ML205", cwd=repo)
    assert findings(result) == []
