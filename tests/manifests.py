"""Manifests and small helpers shared by several test files.

Only texts that were identical in every copy live here; a copy that differs in a value is built
by a function with that value as a parameter.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import lint_json


def pool(*addresses: str) -> str:
    """The IPAddressPool `default` in metallb-system, with `addresses` written as given."""
    entries = "".join(f"    - {address}\n" for address in addresses)
    return (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: default\n"
        f"  namespace: metallb-system\nspec:\n  addresses:\n{entries}"
    )


# An IPAddressPool and an L2Advertisement (no spec: it advertises every pool) in metallb-system.
POOL = (
    pool("192.168.1.240-192.168.1.244")
    + """\
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: default
  namespace: metallb-system
"""
)

# The same pool with an L2Advertisement that names it in spec.ipAddressPools.
POOL_L2 = POOL + "spec:\n  ipAddressPools:\n    - default\n"


def service(name: str, ip: str, *, how: str = "spec", kind: str = "LoadBalancer") -> str:
    """A Service in `media` requesting `ip` through spec.loadBalancerIP (`how="spec"`) or the
    `{how}/loadBalancerIPs` annotation."""
    annotation = f"  annotations:\n    {how}/loadBalancerIPs: {ip}\n" if how != "spec" else ""
    spec_ip = f"  loadBalancerIP: {ip}\n" if how == "spec" else ""
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: media\n"
        f"{annotation}spec:\n  type: {kind}\n{spec_ip}  ports:\n    - port: 80\n"
    )


def chart_yaml(version: str) -> str:
    """An umbrella Chart.yaml (metallb-system 1.0.0) depending on the official metallb chart."""
    return f"""\
apiVersion: v2
name: metallb-system
version: 1.0.0
dependencies:
  - name: metallb
    version: {version}
    repository: https://metallb.github.io/metallb
"""


def chart(version: str, values: str = "") -> dict[str, str]:
    """The umbrella chart's files: Chart.yaml, and values.yaml when `values` is given."""
    files = {"metallb-system/Chart.yaml": chart_yaml(version)}
    if values:
        files["metallb-system/values.yaml"] = values
    return files


def docs(*parts: str) -> str:
    return "---\n".join(parts)


def at(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line of `text` containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, (needle, hits)
    return hits[nth - 1]


def lint_selected(root: Path, *rules: str):
    """The JSON run of `rules` alone over the repository at `root` (exit code forced to 0)."""
    result = lint_json("--exit-zero", "--select", ",".join(rules), ".", cwd=root)
    assert result.code == 0, result.err
    return result


def lint(root: Path, rule: str) -> list[dict]:
    """The findings of `rule` alone over the repository at `root`."""
    return lint_selected(root, rule).json["findings"]


def messages(result) -> list[str]:
    return [f["message"] for f in result.json["findings"]]


def where(found: list[dict]) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in found]
