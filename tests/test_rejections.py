"""MetalLB's parser and webhooks reject these configurations at every release line from 0.13
(docs/metallb-rejections.md): each is an error here, with the exact rule, file and line, and
none fires for a release that accepts it. The manifests are written from MetalLB's behaviour
(`internal/config/config.go` at each tag), not taken from its tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write
from tests.manifests import at, chart, docs, lint, where
from tests.test_bgp import BASIC, CR, POOL, peer, res

RELEASES = ["0.13.0", "0.13.12", "0.14.0", "0.14.9", "0.15.0", "0.15.3", "0.16.0", "0.16.1"]
FRR = "metallb:\n  speaker:\n    frr:\n      enabled: true\n"


def _selector(key: str, operator: str, *values: str) -> str:
    listed = "".join(f"\n            - {value}" for value in values)
    tail = f"\n          values:{listed}" if values else ""
    return f"\n    - matchExpressions:\n        - key: {key}\n          operator: {operator}{tail}"


ZONE_AB = _selector("zone", "In", "a", "b")
ZONE_BA = _selector("zone", "In", "b", "a")

# (case, manifests, the line's marker (nth occurrence), rule)
CASES = [
    (
        "l2-pool-twice",
        res("L2Advertisement", "l2", "  ipAddressPools:\n    - public\n    - public\n"),
        ("- public", 2),
        "ML313",
    ),
    (
        "bgp-pool-twice",
        res("BGPAdvertisement", "b", "  ipAddressPools:\n    - public\n    - public\n"),
        ("- public", 2),
        "ML313",
    ),
    (
        "bgp-peer-twice",
        docs(
            peer("tor", BASIC),
            res("BGPAdvertisement", "b", "  peers:\n    - tor\n    - tor\n"),
        ),
        ("- tor", 2),
        "ML313",
    ),
    (
        "pool-selector-twice",
        res(
            "L2Advertisement",
            "l2",
            "  ipAddressPoolSelectors:\n    - matchLabels:\n        tier: edge\n"
            "    - matchLabels:\n        tier: edge\n",
        ),
        ("- matchLabels", 2),
        "ML313",
    ),
    (
        "node-selector-values-reordered",
        res("BGPAdvertisement", "b", f"  nodeSelectors:{ZONE_AB}{ZONE_BA}\n"),
        ("- matchExpressions", 2),
        "ML313",
    ),
    (
        "node-selector-value-repeated",
        res("L2Advertisement", "l2", f"  nodeSelectors:{_selector('zone', 'In', 'a', 'a')}\n"),
        ("- matchExpressions", 1),
        "ML313",
    ),
    (
        "node-selector-bad-operator",
        res(
            "L2Advertisement",
            "l2",
            f"  nodeSelectors:{_selector('zone', 'Surrounds', 'a')}\n",
        ),
        ("- matchExpressions", 1),
        "ML313",
    ),
    (
        "pool-selector-bad-operator",
        res(
            "BGPAdvertisement",
            "b",
            f"  ipAddressPoolSelectors:{_selector('tier', 'Exists', 'edge')}\n",
        ),
        ("- matchExpressions", 1),
        "ML313",
    ),
    (
        "peer-node-selector-twice",
        peer("tor", BASIC + f"  nodeSelectors:{ZONE_AB}{ZONE_AB}\n"),
        ("- matchExpressions", 2),
        "ML307",
    ),
    (
        "peer-node-selector-bad-operator",
        peer("tor", BASIC + f"  nodeSelectors:{_selector('zone', 'surrounds', 'a')}\n"),
        ("- matchExpressions", 1),
        "ML307",
    ),
    (
        "peer-secret-wrong-type",
        docs(
            peer("tor", BASIC + "  passwordSecret:\n    name: bgp-auth\n"),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bgp-auth\n"
            "  namespace: metallb-system\ntype: Opaque\nstringData:\n  password: s3cret\n",
        ),
        ("name: bgp-auth", 1),
        "ML307",
    ),
    (
        "peer-secret-without-password",
        docs(
            peer("tor", BASIC + "  passwordSecret:\n    name: bgp-auth\n"),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bgp-auth\n"
            "  namespace: metallb-system\ntype: kubernetes.io/basic-auth\n"
            "stringData:\n  username: metallb\n",
        ),
        ("name: bgp-auth", 1),
        "ML307",
    ),
    (
        "community-alias-without-communities",
        res("BGPAdvertisement", "b", "  communities:\n    - vpn\n"),
        ("- vpn", 1),
        "ML305",
    ),
    (
        "bfd-profile-without-profiles",
        peer("tor", BASIC + "  bfdProfile: fast\n"),
        ("bfdProfile", 1),
        "ML309",
    ),
]


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("case, manifests, marker, rule", CASES, ids=[c[0] for c in CASES])
def test_rejection_is_an_error_at_every_release(
    repo: Path, release: str, case: str, manifests: str, marker: tuple[str, int], rule: str
) -> None:
    text = docs(POOL, manifests)
    write(repo, {**chart(release, FRR), CR: text})
    found = lint(repo, rule)
    assert where(found) == [(rule, CR, at(text, *marker))], case
    assert found[0]["severity"] == "error"


SERVICE_SELECTORS_TWICE = res(
    "L2Advertisement",
    "l2",
    "  serviceSelectors:\n    - matchLabels:\n        app: web\n"
    "    - matchLabels:\n        app: web\n",
)


@pytest.mark.parametrize(
    "release, rejected", [("0.15.3", False), ("0.16.0", True), ("0.16.1", True)]
)
def test_service_selectors_are_parsed_from_016(repo: Path, release: str, rejected: bool) -> None:
    """Before 0.16 the field does not exist: the API server prunes it (ML102), MetalLB never
    sees it."""
    text = docs(POOL, SERVICE_SELECTORS_TWICE)
    write(repo, {**chart(release), CR: text})
    expected = [("ML313", CR, at(text, "- matchLabels", 2))] if rejected else []
    assert where(lint(repo, "ML313")) == expected


ALLOCATION = res(
    "IPAddressPool",
    "pinned",
    "  addresses:\n    - 198.51.100.0/28\n  serviceAllocation:\n    namespaces:\n      - web\n"
    "      - web\n    serviceSelectors:\n      - matchLabels:\n          app: web\n"
    "      - matchLabels:\n          app: web\n",
)


@pytest.mark.parametrize(
    "release, rejected", [("0.13.9", False), ("0.13.10", True), ("0.16.1", True)]
)
def test_service_allocation_duplicates_are_rejected_from_01310(
    repo: Path, release: str, rejected: bool
) -> None:
    """0.13.9 read serviceAllocation without looking for duplicates (sets.New)."""
    text = docs(POOL, ALLOCATION)
    write(repo, {**chart(release), CR: text})
    expected = (
        [("ML211", CR, at(text, "- web", 2)), ("ML211", CR, at(text, "- matchLabels", 2))]
        if rejected
        else []
    )
    assert where(lint(repo, "ML211")) == expected


ACCEPTED = docs(
    POOL,
    peer("tor", BASIC + f"  nodeSelectors:{ZONE_AB}{_selector('zone', 'In', 'a')}\n"),
    res(
        "BGPAdvertisement",
        "b",
        f"  ipAddressPools:\n    - public\n  peers:\n    - tor\n  nodeSelectors:{ZONE_AB}"
        f"{_selector('rack', 'In', 'a', 'b')}\n",
    ),
    res("L2Advertisement", "l2", f"  nodeSelectors:{_selector('zone', 'Exists')}\n"),
)


@pytest.mark.parametrize("release", RELEASES)
def test_accepted_configuration_is_not_called_rejected(repo: Path, release: str) -> None:
    write(repo, {**chart(release, FRR), CR: ACCEPTED})
    assert lint(repo, "ML313") == []
    assert lint(repo, "ML307") == []


def test_secret_not_in_the_repository_or_encrypted_is_not_judged(repo: Path) -> None:
    text = docs(
        POOL,
        peer("tor", BASIC + "  passwordSecret:\n    name: bgp-auth\n"),
        peer("r2", BASIC.replace("10.0.0.1", "10.0.0.2") + "  passwordSecret:\n    name: sops\n"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops\n  namespace: metallb-system\n"
        "type: ENC[AES256_GCM,data:abc,type:str]\ndata:\n  password: ENC[AES256_GCM,data:x]\n",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: bgp-auth\n  namespace: other\n"
        "type: Opaque\n",
    )
    write(repo, {**chart("0.15.3"), CR: text})
    assert lint(repo, "ML307") == []
