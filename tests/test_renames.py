"""ML212 renamed-reference: kustomize's namePrefix/nameSuffix rename MetalLB's objects, not the
references to them; the objects are judged under the names they are deployed with."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import findings, lint_json, write

OBJECTS = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: metallb-system}
spec: {addresses: [192.168.1.224/28]}
---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: {name: fast, namespace: metallb-system}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: router, namespace: metallb-system}
spec: {myASN: 64500, peerASN: 64501, peerAddress: 192.168.1.1, bfdProfile: fast}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: lan, namespace: metallb-system}
spec:
  ipAddressPools: [lan]
  peers: [router]
"""


def _lint(repo: Path) -> list[tuple[str, str, int]]:
    args = ("--metallb-version", "0.16.1", "--select", "ML212", ".")
    return findings(lint_json(*args, cwd=repo))


@pytest.mark.parametrize(
    ("kustomization", "expected"),
    [
        (
            "namePrefix: lab-\nresources: [objects.yaml]\n",
            [
                ("ML212", "metallb/objects.yaml", 13),
                ("ML212", "metallb/objects.yaml", 19),
                ("ML212", "metallb/objects.yaml", 20),
            ],
        ),
        (
            "nameSuffix: -v2\nresources: [objects.yaml]\n",
            [
                ("ML212", "metallb/objects.yaml", 13),
                ("ML212", "metallb/objects.yaml", 19),
                ("ML212", "metallb/objects.yaml", 20),
            ],
        ),
        # a nameReference configuration may teach kustomize these fields: not judged
        ("namePrefix: lab-\nconfigurations: [names.yaml]\nresources: [objects.yaml]\n", []),
        # a placeholder prefix: unknown
        ("namePrefix: ${CLUSTER}-\nresources: [objects.yaml]\n", []),
        ("resources: [objects.yaml]\n", []),
    ],
)
def test_references_a_rename_breaks(repo: Path, kustomization: str, expected: list) -> None:
    write(
        repo,
        {
            "metallb/kustomization.yaml": kustomization,
            "metallb/objects.yaml": OBJECTS,
            "metallb/names.yaml": "nameReference: []\n",
        },
    )
    assert _lint(repo) == expected


def test_a_parent_prefix_goes_first(repo: Path) -> None:
    write(
        repo,
        {
            "kustomization.yaml": "namePrefix: site-\nresources: [metallb]\n",
            "metallb/kustomization.yaml": "namePrefix: lab-\nresources: [objects.yaml]\n",
            "metallb/objects.yaml": OBJECTS.replace(
                "ipAddressPools: [lan]", "ipAddressPools: [site-lab-lan]"
            ),
        },
    )
    result = lint_json("--metallb-version", "0.16.1", "--select", "ML212,ML301", ".", cwd=repo)
    assert [f["line"] for f in result.json["findings"]] == [13, 20]  # the profile and the peer
    assert "renames BGPPeer 'router' to 'site-lab-router'" in result.json["findings"][1]["message"]
