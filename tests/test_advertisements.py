"""ML301-ML304: advertisements and the pools they select, with exact locations, the other
party of each finding, and MetalLB's version differences."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write
from tests.manifests import at, chart, docs, lint, where

CR = "metallb-system/templates/config.yaml"


def pool(name: str, *addresses: str, labels: str = "", extra: str = "") -> str:
    meta = f"  labels:\n{labels}" if labels else ""
    entries = "".join(f"    - {a}\n" for a in addresses)
    return (
        f"apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: {name}\n"
        f"  namespace: metallb-system\n{meta}spec:\n  addresses:\n{entries}{extra}"
    )


def ad(kind: str, name: str, spec: str = "") -> str:
    body = f"spec:\n{spec}" if spec else ""
    return (
        f"apiVersion: metallb.io/v1beta1\nkind: {kind}\nmetadata:\n  name: {name}\n"
        f"  namespace: metallb-system\n{body}"
    )


# -- ML301 ----------------------------------------------------------------------------------


def test_ml301_names_the_pool_and_suggests_a_close_one(repo: Path) -> None:
    text = docs(
        pool("default", "192.168.1.240-192.168.1.250"),
        pool("iot", "192.168.20.240/29"),
        ad("L2Advertisement", "l2", "  ipAddressPools:\n    - default\n    - iot-pool\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML301")
    assert where(found) == [("ML301", CR, at(text, "- iot-pool"))]
    message = found[0]["message"]
    assert "lists pool 'iot-pool'" in message and "Did you mean 'iot'?" in message
    assert "does not announce any pool called 'iot-pool'" in message
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "name: iot"), "message": "pool 'iot' is here"}
    ]


def test_ml301_only_name_means_nothing_is_announced(repo: Path) -> None:
    text = docs(
        pool("default", "192.168.1.240-192.168.1.250"),
        ad("BGPAdvertisement", "bgp", "  ipAddressPools:\n    - public\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML301")
    assert where(found) == [("ML301", CR, at(text, "- public"))]
    assert "it announces none at all" in found[0]["message"]


def test_ml301_pool_in_another_namespace_is_related(repo: Path) -> None:
    other = pool("media", "192.168.1.230/29").replace("metallb-system", "networking")
    text = docs(
        pool("default", "192.168.1.240-192.168.1.250"),
        other,
        ad("L2Advertisement", "l2", "  ipAddressPools:\n    - media\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML301")
    assert where(found) == [("ML301", CR, at(text, "- media"))]
    assert "exists in namespace networking" in found[0]["message"]
    assert found[0]["related"][0]["line"] == at(text, "name: media")


def test_ml301_legacy_addresspool_from_014(repo: Path) -> None:
    legacy = (
        "apiVersion: metallb.io/v1beta1\nkind: AddressPool\nmetadata:\n  name: old\n"
        "  namespace: metallb-system\nspec:\n  protocol: layer2\n  addresses:\n"
        "    - 192.168.1.200/29\n"
    )
    text = docs(
        pool("default", "192.168.1.240-192.168.1.250"),
        legacy,
        ad("L2Advertisement", "l2", "  ipAddressPools:\n    - old\n"),
    )
    write(repo, {**chart("0.14.8"), CR: text})
    found = lint(repo, "ML301")
    assert where(found) == [("ML301", CR, at(text, "- old"))]
    assert "legacy AddressPool" in found[0]["message"]
    write(repo, {**chart("0.13.12"), CR: text})
    assert lint(repo, "ML301") == []  # 0.13 still reads AddressPools


def test_ml301_silent_without_pools_with_placeholders_and_inherited_namespaces(
    repo: Path,
) -> None:
    write(
        repo,
        {
            **chart("0.15.3"),
            CR: ad("L2Advertisement", "l2", "  ipAddressPools:\n    - default\n"),
        },
    )
    assert lint(repo, "ML301") == []  # pools are managed elsewhere
    text = docs(
        pool("default", "192.168.1.240-192.168.1.250"),
        ad("L2Advertisement", "l2", "  ipAddressPools:\n    - ${POOL}\n"),
    )
    write(repo, {CR: text})
    assert lint(repo, "ML301") == []
    write(
        repo,
        {
            CR: pool("default", "192.168.1.240/29"),
            "overlay/kustomization.yaml": "namespace: metallb-system\nresources: [l2.yaml]\n",
            "overlay/l2.yaml": "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n"
            "metadata:\n  name: l2\nspec:\n  ipAddressPools: [default]\n",
        },
    )
    assert lint(repo, "ML301") == []


def test_ml301_silent_when_a_pool_template_cannot_be_rendered(repo: Path) -> None:
    text = docs(
        pool("default", "192.168.1.240-192.168.1.250"),
        ad("L2Advertisement", "l2", "  ipAddressPools:\n    - media\n"),
    )
    templated = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: media\n"
        "spec:\n  addresses:\n  {{- range .Values.pools }}\n    - {{ . }}\n  {{- end }}\n"
    )
    write(repo, {**chart("0.15.3"), CR: text, "metallb-system/templates/media.yaml": templated})
    assert lint(repo, "ML301") == []


# -- ML302 ----------------------------------------------------------------------------------


def test_ml302_each_dead_selector_with_the_labels_pools_have(repo: Path) -> None:
    text = docs(
        pool("lan", "192.168.1.240/29", labels="    zone: home\n"),
        pool("lab", "10.30.0.240/28", labels="    zone: lab\n"),
        ad(
            "L2Advertisement",
            "only",
            "  ipAddressPoolSelectors:\n    - matchLabels:\n        zone: labs\n",
        ),
        ad(
            "BGPAdvertisement",
            "mixed",
            "  ipAddressPoolSelectors:\n    - matchLabels:\n        zone: home\n"
            "    - matchLabels:\n        zone: dmz\n",
        ),
    )
    write(repo, {**chart("0.14.9"), CR: text})
    found = lint(repo, "ML302")
    first = at(text, "ipAddressPoolSelectors:") + 1
    second = at(text, "- matchLabels:", 3)
    assert where(found) == [("ML302", CR, first), ("ML302", CR, second)]
    assert "announces no pool at all" in found[0]["message"]
    assert "'lab': zone=lab" in found[0]["message"]
    assert "adds nothing" in found[1]["message"]
    assert [r["line"] for r in found[0]["related"]] == [
        at(text, "labels:", 1),
        at(text, "labels:", 2),
    ]


def test_ml302_pools_of_other_namespaces_and_placeholders(repo: Path) -> None:
    text = docs(
        pool("lan", "192.168.1.240/29", labels="    zone: ${ZONE}\n"),
        ad(
            "L2Advertisement", "l2", "  ipAddressPoolSelectors:\n    - matchLabels:\n        a: b\n"
        ),
    )
    write(repo, {**chart("0.14.9"), CR: text})
    assert lint(repo, "ML302") == []  # a pool label is not known
    text = docs(
        pool("lan", "192.168.1.240/29", labels="    zone: home\n"),
        ad(
            "L2Advertisement",
            "l2",
            "  ipAddressPoolSelectors:\n    - matchLabels:\n        zone: ${ZONE}\n"
            "  nodeSelectors:\n    - matchLabels:\n        rack: none\n",
        ),
    )
    write(repo, {CR: text})
    assert lint(repo, "ML302") == []  # the selector is not known; nodes are never judged


# -- ML303 ----------------------------------------------------------------------------------


def test_ml303_range_uses_its_shortest_prefix_and_relates_entries(repo: Path) -> None:
    text = docs(
        pool("office", "198.51.100.10-198.51.100.20"),
        ad(
            "BGPAdvertisement",
            "too-short",
            "  ipAddressPools: [office]\n  aggregationLength: 29\n",
        ),
        ad("BGPAdvertisement", "fits", "  ipAddressPools: [office]\n  aggregationLength: 30\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML303")
    assert where(found) == [("ML303", CR, at(text, "aggregationLength: 29"))]
    assert "/30 of '198.51.100.10-198.51.100.20'" in found[0]["message"]
    assert found[0]["related"] == [
        {
            "path": CR,
            "line": at(text, "- 198.51.100.10"),
            "message": "'198.51.100.10-198.51.100.20' of pool 'office'",
        }
    ]


def test_ml303_lengths_per_family_and_over_the_width(repo: Path) -> None:
    text = docs(
        pool("dual", "203.0.113.0/26", "2001:db8::/64"),
        ad(
            "BGPAdvertisement",
            "agg",
            "  aggregationLength: 26\n  aggregationLengthV6: 56\n",
        ),
        ad("BGPAdvertisement", "typo", "  ipAddressPools: [dual]\n  aggregationLengthV6: 129\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML303")
    assert where(found) == [
        ("ML303", CR, at(text, "aggregationLengthV6: 56")),
        ("ML303", CR, at(text, "aggregationLengthV6: 129")),
    ]
    assert "more than 128" in found[1]["message"]


def test_ml303_service_selectors_only_from_016(repo: Path) -> None:
    text = docs(
        pool("public", "203.0.113.0/26"),
        ad(
            "BGPAdvertisement",
            "web",
            "  aggregationLength: 28\n  serviceSelectors:\n    - matchLabels:\n        a: b\n",
        ),
    )
    write(repo, {**chart("0.16.1"), CR: text})
    found = lint(repo, "ML303")
    assert where(found) == [("ML303", CR, at(text, "aggregationLength: 28"))]
    assert "mutually exclusive" in found[0]["message"]
    write(repo, chart("0.15.3"))
    assert lint(repo, "ML303") == []  # 0.15 has no serviceSelectors (ML107)


# -- ML304 ----------------------------------------------------------------------------------

PEERS = """\
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: a
  namespace: metallb-system
spec: {myASN: 64512, peerASN: 64512, peerAddress: 10.0.0.1}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: b
  namespace: metallb-system
spec: {myASN: 64512, peerASN: 64512, peerAddress: 10.0.0.2}
"""


def test_ml304_names_both_advertisements_and_the_pool(repo: Path) -> None:
    text = docs(
        pool("public", "203.0.113.0/27"),
        ad("BGPAdvertisement", "primary", "  ipAddressPools: [public]\n  localPref: 200\n"),
        ad("BGPAdvertisement", "backup", "  ipAddressPools: [public]\n  localPref: 100\n"),
        PEERS,
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML304")
    assert where(found) == [("ML304", CR, at(text, "localPref: 100"))]
    message = found[0]["message"]
    assert "'backup' (localPref 100)" in message and "'primary' (localPref 200)" in message
    assert found[0]["related"] == [
        {
            "path": CR,
            "line": at(text, "localPref: 200"),
            "message": "BGPAdvertisement 'primary' sets localPref 200",
        },
        {"path": CR, "line": at(text, "name: public"), "message": "pool 'public'"},
    ]


def test_ml304_unset_localpref_is_zero_and_points_at_the_name(repo: Path) -> None:
    text = docs(
        pool("public", "203.0.113.0/27"),
        ad("BGPAdvertisement", "pref", "  ipAddressPools: [public]\n  localPref: 50\n"),
        ad("BGPAdvertisement", "everything"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    assert where(lint(repo, "ML304")) == [("ML304", CR, at(text, "name: everything"))]


def test_ml304_aggregation_lengths_follow_the_version(repo: Path) -> None:
    text = docs(
        pool("public", "203.0.113.0/27"),
        ad("BGPAdvertisement", "routes", "  ipAddressPools: [public]\n  localPref: 200\n"),
        ad(
            "BGPAdvertisement",
            "aggregate",
            "  ipAddressPools: [public]\n  localPref: 100\n  aggregationLength: 27\n",
        ),
    )
    write(repo, {**chart("0.14.8"), CR: text})  # both lengths had to differ
    assert where(lint(repo, "ML304")) == [("ML304", CR, at(text, "localPref: 100"))]
    write(repo, chart("0.15.0"))  # an IPv4-only pool: the IPv4 length decides
    assert lint(repo, "ML304") == []
    write(repo, chart("0.13.9"))  # not checked before 0.13.10
    assert lint(repo, "ML304") == []
    dual = text.replace("- 203.0.113.0/27", "- 203.0.113.0/27\n    - 2001:db8::/120")
    write(repo, {**chart("0.15.3"), CR: dual})
    assert where(lint(repo, "ML304")) == [("ML304", CR, at(dual, "localPref: 100"))]


def test_ml304_peers_nodes_and_service_selectors_keep_them_apart(repo: Path) -> None:
    base = pool("public", "203.0.113.0/27") + "---\n" + PEERS
    cases = {
        "disjoint peers": ("  peers: [a]\n", "  peers: [b]\n", False),
        "shared peer": ("  peers: [a, b]\n", "  peers: [b]\n", True),
        "disjoint nodes": (
            "  nodeSelectors:\n    - matchLabels: {rack: r1}\n",
            "  nodeSelectors:\n    - matchLabels: {rack: r2}\n",
            False,
        ),
        "same nodes": (
            "  nodeSelectors:\n    - matchLabels: {rack: r1}\n",
            "  nodeSelectors:\n    - matchLabels: {rack: r1}\n",
            True,
        ),
        "unknown overlap": (
            "  nodeSelectors:\n    - matchLabels: {rack: r1}\n",
            "  nodeSelectors:\n    - matchLabels: {zone: z1}\n",
            False,
        ),
        "all nodes and some": ("", "  nodeSelectors:\n    - matchLabels: {rack: r1}\n", True),
    }
    for name, (first, second, conflict) in cases.items():
        text = docs(
            base,
            ad("BGPAdvertisement", "one", f"  ipAddressPools: [public]\n  localPref: 1\n{first}"),
            ad("BGPAdvertisement", "two", f"  ipAddressPools: [public]\n  localPref: 2\n{second}"),
        )
        write(repo, {**chart("0.15.3"), CR: text})
        expected = [("ML304", CR, at(text, "localPref: 2"))] if conflict else []
        assert where(lint(repo, "ML304")) == expected, name
    selectors = "  serviceSelectors:\n    - matchLabels: {app: web}\n"
    text = docs(
        base,
        ad("BGPAdvertisement", "one", "  ipAddressPools: [public]\n  localPref: 1\n"),
        ad("BGPAdvertisement", "two", f"  ipAddressPools: [public]\n  localPref: 2\n{selectors}"),
    )
    write(repo, {**chart("0.16.1"), CR: text})
    assert lint(repo, "ML304") == []  # checked per Service by the speaker


def test_ml304_pool_selection_prefers_the_advertisements_own_cluster(repo: Path) -> None:
    """Two clusters in one repository, each with its own pool 'public': their advertisements
    never meet. With one shared pool they do."""
    files = {}
    for cluster, pref in (("home", 100), ("edge", 200)):
        files[f"clusters/{cluster}/kustomization.yaml"] = (
            "namespace: metallb-system\nresources: [pool.yaml, bgp.yaml]\n"
        )
        files[f"clusters/{cluster}/pool.yaml"] = pool("public", "203.0.113.0/27")
        files[f"clusters/{cluster}/bgp.yaml"] = ad(
            "BGPAdvertisement", cluster, f"  ipAddressPools: [public]\n  localPref: {pref}\n"
        )
    write(repo, {**chart("0.15.3"), **files})
    assert lint(repo, "ML304") == []
    (repo / "clusters/edge/pool.yaml").unlink()
    files["clusters/edge/kustomization.yaml"] = "namespace: metallb-system\nresources: [bgp.yaml]\n"
    write(repo, files | {"clusters/edge/pool.yaml": "# moved to home\n"})
    found = lint(repo, "ML304")
    home = files["clusters/home/bgp.yaml"]
    assert where(found) == [("ML304", "clusters/home/bgp.yaml", at(home, "localPref"))]
    assert found[0]["related"][0]["path"] == "clusters/edge/bgp.yaml"
