"""ML305-ML312: BGP peers, BFD profiles, communities and the BGP mode, with exact locations,
the other party of each finding, and MetalLB's version and mode differences."""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint.checks.bgp import parse_community, parse_duration
from metallb_lint.metallb.versions import v
from tests.conftest import write
from tests.manifests import at, chart, docs, lint, where

CR = "metallb-system/templates/bgp.yaml"
NATIVE = "metallb:\n  speaker:\n    frr:\n      enabled: false\n  frrk8s:\n    enabled: false\n"
FRR_016 = "metallb:\n  speaker:\n    frr:\n      enabled: true\n  frrk8s:\n    enabled: false\n"


def res(kind: str, name: str, spec: str = "", api: str = "metallb.io/v1beta1") -> str:
    body = f"spec:\n{spec}" if spec else ""
    meta = f"metadata:\n  name: {name}\n  namespace: metallb-system\n"
    return f"apiVersion: {api}\nkind: {kind}\n{meta}{body}"


def peer(name: str, spec: str, api: str = "metallb.io/v1beta2") -> str:
    return res("BGPPeer", name, spec, api)


BASIC = "  myASN: 64512\n  peerASN: 64500\n  peerAddress: 10.0.0.1\n"
POOL = res("IPAddressPool", "public", "  addresses:\n    - 203.0.113.0/27\n")
DUAL = res("IPAddressPool", "dual", "  addresses:\n    - 203.0.113.0/27\n    - 2001:db8::/120\n")


# -- parsers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, nanoseconds",
    [
        ("90s", 90 * 10**9),
        ("1m30s", 90 * 10**9),
        ("1.5s", 1_500_000_000),
        (".5s", 500_000_000),
        ("300ms", 300_000_000),
        ("1h", 3600 * 10**9),
        ("0", 0),
        ("-3s", -3 * 10**9),
        ("90", None),  # Go needs a unit
        ("", None),
        (" 90s", None),
        ("90 s", None),
        ("1d", None),
        ("s", None),
    ],
)
def test_parse_duration_follows_go(text: str, nanoseconds: int | None) -> None:
    assert parse_duration(text) == nanoseconds


@pytest.mark.parametrize(
    "text, version, kind",
    [
        ("64512:100", "0.15.3", "legacy"),
        ("65535:65535", "0.15.3", "legacy"),
        ("65536:1", "0.15.3", "value-error"),
        ("+1:2", "0.15.3", "value-error"),
        ("foo:bar", "0.15.3", "value-error"),
        ("large:64512:1:2", "0.15.3", "large"),
        ("large:4294967296:1:2", "0.15.3", "value-error"),
        ("big:1:2:3", "0.15.3", "value-error"),
        ("large:64512:1:2", "0.13.9", "format-error"),  # before large communities
        ("no-export", "0.15.3", "format-error"),
        ("1:2:3", "0.15.3", "format-error"),
    ],
)
def test_parse_community(text: str, version: str, kind: str) -> None:
    assert parse_community(text, v(version)).kind == kind


# -- ML305 ----------------------------------------------------------------------------------


def test_ml305_base60_looking_values_are_read_as_written(repo: Path) -> None:
    """YAML 1.1 reads `64512:1` as a number; Kubernetes keeps the string."""
    text = docs(
        POOL,
        res("BGPAdvertisement", "a", "  communities:\n    - 64512:1\n    - 64512:1\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML305")
    assert where(found) == [("ML305", CR, at(text, "- 64512:1", 2))]
    assert "'64512:1' is listed twice" in found[0]["message"]
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "- 64512:1"), "message": "first listed here"}
    ]


def test_ml305_aliases_defined_twice_and_unknown_ones(repo: Path) -> None:
    text = docs(
        POOL,
        res(
            "Community",
            "first",
            "  communities:\n    - name: vpn\n      value: 64512:100\n",
        ),
        res(
            "Community",
            "second",
            "  communities:\n    - name: vpn\n      value: 64512:101\n",
        ),
        res("BGPAdvertisement", "a", "  communities:\n    - vpn\n    - vnp\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML305")
    assert where(found) == [
        ("ML305", CR, at(text, "- name: vpn", 2)),
        ("ML305", CR, at(text, "- vnp")),
    ]
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "- name: vpn"), "message": "first defined here"}
    ]
    assert "did you mean 'vpn'?" in found[1]["message"]
    assert found[1]["related"][0]["line"] == at(text, "- name: vpn")


def test_ml305_alias_names_need_a_community_but_well_known_names_never_work(
    repo: Path,
) -> None:
    text = docs(POOL, res("BGPAdvertisement", "a", "  communities:\n    - vpn\n    - no-export\n"))
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML305")  # MetalLB installed here: no Community defines 'vpn'
    assert where(found) == [
        ("ML305", CR, at(text, "- vpn")),
        ("ML305", CR, at(text, "- no-export")),
    ]
    assert [f["severity"] for f in found] == ["error", "error"]
    assert "defines no Community" in found[0]["message"]
    assert "'65535:65281'" in found[1]["message"]


def test_ml305_unknown_alias_held_back_when_metallb_is_installed_elsewhere(repo: Path) -> None:
    text = docs(POOL, res("BGPAdvertisement", "a", "  communities:\n    - vpn\n    - lan\n"))
    write(repo, {CR: text})  # no chart, manifest or image: MetalLB is installed elsewhere
    found = lint(repo, "ML305")
    assert where(found) == [("ML305", CR, at(text, "- vpn"))]
    assert found[0]["severity"] == "info"
    assert found[0]["message"].startswith("not checked: the repository holds no Community")
    assert "('vpn', 'lan')" in found[0]["message"]
    assert found[0]["related"] == [{"path": CR, "line": at(text, "- lan"), "message": "'lan'"}]


def test_ml305_large_communities_need_01310(repo: Path) -> None:
    text = docs(
        POOL,
        res("Community", "c", "  communities:\n    - name: eu\n      value: large:64512:1:2\n"),
    )
    write(repo, {**chart("0.13.9"), CR: text})
    found = lint(repo, "ML305")
    assert where(found) == [("ML305", CR, at(text, "value: large"))]
    assert "arrived in MetalLB 0.13.10" in found[0]["message"]
    write(repo, chart("0.13.10"))
    assert lint(repo, "ML305") == []


# -- ML306 ----------------------------------------------------------------------------------


def test_ml306_unknown_name_with_suggestion(repo: Path) -> None:
    text = docs(
        POOL,
        peer("tor-a", BASIC),
        res("BGPAdvertisement", "a", "  peers:\n    - tor-a\n    - tor-b\n"),
        res("BGPAdvertisement", "b", "  peers:\n    - 10.0.0.1\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML306")
    assert where(found) == [("ML306", CR, at(text, "- tor-b")), ("ML306", CR, at(text, "- 10.0"))]
    assert "Did you mean 'tor-a'?" in found[0]["message"]
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "name: tor-a"), "message": "BGPPeer 'tor-a'"}
    ]
    assert "announced to nobody" in found[1]["message"]


def test_ml306_silent_without_peers_or_with_placeholders(repo: Path) -> None:
    write(repo, {**chart("0.15.3"), CR: docs(POOL, res("BGPAdvertisement", "a", "  peers: [x]\n"))})
    assert lint(repo, "ML306") == []
    text = docs(POOL, peer("tor-a", BASIC), res("BGPAdvertisement", "a", "  peers: [${PEER}]\n"))
    write(repo, {CR: text})
    assert lint(repo, "ML306") == []


# -- ML307 ----------------------------------------------------------------------------------


def test_ml307_asn_rules_follow_the_version(repo: Path) -> None:
    text = docs(
        POOL, peer("dyn", "  myASN: 64512\n  dynamicASN: external\n  peerAddress: 10.0.0.1\n")
    )
    write(repo, {**chart("0.14.8"), CR: text})
    found = lint(repo, "ML307")
    assert where(found) == [("ML307", CR, at(text, "name: dyn"))]
    assert "dynamicASN arrived in 0.14.9" in found[0]["message"]
    write(repo, chart("0.14.9"))
    assert lint(repo, "ML307") == []
    both = text.replace("  myASN: 64512\n", "  myASN: 64512\n  peerASN: 64500\n")
    write(repo, {CR: both})
    assert where(lint(repo, "ML307")) == [("ML307", CR, at(both, "dynamicASN"))]


def test_ml307_address_or_interface_from_015(repo: Path) -> None:
    text = docs(
        POOL, peer("unnumbered", "  myASN: 64512\n  dynamicASN: external\n  interface: eth1\n")
    )
    write(repo, {**chart("0.15.0"), CR: text})
    assert lint(repo, "ML307") == []
    write(repo, chart("0.14.9"))  # interface arrived in 0.15: peerAddress is required
    found = lint(repo, "ML307")
    assert where(found) == [("ML307", CR, at(text, "name: unnumbered"))]
    assert "peerAddress is missing" in found[0]["message"]


def test_ml307_v1beta1_has_no_dynamic_asn_and_addresses_must_be_plain(repo: Path) -> None:
    text = docs(
        POOL,
        peer(
            "legacy",
            "  myASN: 64512\n  peerASN: 64500\n  peerAddress: fe80::1%eth0\n"
            "  sourceAddress: 10.0.0.2\n  routerID: 010.0.0.1\n",
            api="metallb.io/v1beta1",
        ),
    )
    write(repo, {**chart("0.16.1"), CR: text})
    found = lint(repo, "ML307")
    assert where(found) == [
        ("ML307", CR, at(text, "peerAddress")),
        ("ML307", CR, at(text, "routerID")),
    ]
    assert "invalid BGPPeer address" in found[0]["message"]


# -- ML308 ----------------------------------------------------------------------------------


def test_ml308_derived_hold_time_follows_the_version(repo: Path) -> None:
    text = docs(POOL, peer("tor", BASIC + "  keepaliveTime: 2m\n"))
    write(repo, {**chart("0.14.8"), CR: text})
    found = lint(repo, "ML308")  # unset holdTime is 90s before 0.14.9
    assert where(found) == [("ML308", CR, at(text, "keepaliveTime"))]
    assert "holdTime 1m30s (holdTime is unset, so MetalLB 0.14.8 uses 90s)" in found[0]["message"]
    write(repo, chart("0.14.9"))  # from 0.14.9 holdTime becomes 3 x keepaliveTime
    assert lint(repo, "ML308") == []


def test_ml308_keepalive_alone_can_make_the_hold_time_too_short(repo: Path) -> None:
    text = docs(POOL, peer("tor", BASIC + "  keepaliveTime: 500ms\n"))
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML308")
    assert where(found) == [("ML308", CR, at(text, "keepaliveTime"))]
    assert "is 1500ms (holdTime is unset" in found[0]["message"]


def test_ml308_zero_hold_time_and_keepalive(repo: Path) -> None:
    text = docs(POOL, peer("tor", BASIC + "  holdTime: 0s\n  keepaliveTime: 30s\n"))
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML308")
    assert where(found) == [("ML308", CR, at(text, "keepaliveTime"))]
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "holdTime"), "message": "holdTime is set here"}
    ]


def test_ml308_connect_time_exists_from_0144(repo: Path) -> None:
    text = docs(POOL, peer("tor", BASIC + "  connectTime: 0s\n"))
    write(repo, {**chart("0.14.3"), CR: text})
    assert lint(repo, "ML308") == []
    write(repo, chart("0.14.4"))
    assert where(lint(repo, "ML308")) == [("ML308", CR, at(text, "connectTime"))]


# -- ML309 ----------------------------------------------------------------------------------


def test_ml309_suggests_the_profile_and_is_mode_aware(repo: Path) -> None:
    text = docs(
        POOL,
        res("BFDProfile", "fast", "  receiveInterval: 100\n"),
        peer("tor", BASIC + "  bfdProfile: fast-bfd\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML309")
    assert where(found) == [("ML309", CR, at(text, "bfdProfile"))]
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "name: fast"), "message": "BFDProfile 'fast'"}
    ]
    write(repo, chart("0.15.3", NATIVE))
    assert lint(repo, "ML309") == []  # native mode rejects bfdProfile itself (ML310)


def test_ml309_without_profiles_rejected_where_metallb_is_installed_here(repo: Path) -> None:
    text = docs(POOL, peer("tor", BASIC + "  bfdProfile: x\n"))
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML309")
    assert where(found) == [("ML309", CR, at(text, "bfdProfile"))]
    assert found[0]["severity"] == "error"


def test_ml309_without_profiles_held_back_when_metallb_is_installed_elsewhere(
    repo: Path,
) -> None:
    text = docs(
        POOL, peer("tor", BASIC + "  bfdProfile: x\n"), peer("r2", BASIC + "  bfdProfile: y\n")
    )
    write(repo, {CR: text})
    found = lint(repo, "ML309")
    assert where(found) == [("ML309", CR, at(text, "bfdProfile"))]
    assert found[0]["severity"] == "info"
    assert "holds no BFDProfile" in found[0]["message"]
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "bfdProfile", 2), "message": "'y'"}
    ]


# -- ML310 ----------------------------------------------------------------------------------


def test_ml310_native_names_the_mode_source(repo: Path) -> None:
    text = docs(POOL, peer("tor", BASIC + "  vrf: red\n  connectTime: 5s\n  keepaliveTime: 0s\n"))
    write(repo, {**chart("0.15.3", NATIVE), CR: text})
    found = lint(repo, "ML310")
    assert where(found) == [("ML310", CR, at(text, "vrf")), ("ML310", CR, at(text, "connect"))]
    assert "native BGP mode here (metallb-system/values.yaml)" in found[0]["message"]
    write(repo, chart("0.14.3", NATIVE))  # connectTime did not exist yet (ML107)
    assert where(lint(repo, "ML310")) == [("ML310", CR, at(text, "vrf"))]
    (repo / "metallb-system/values.yaml").unlink()
    write(repo, chart("0.15.3"))  # FRR mode by default
    assert lint(repo, "ML310") == []


def test_ml310_native_ipv6_pools_before_and_after_0149(repo: Path) -> None:
    text = docs(
        POOL,
        res("IPAddressPool", "lan-v6", "  addresses:\n    - fd00::100/120\n"),
        res("L2Advertisement", "lan-v6", "  ipAddressPools: [lan-v6]\n"),
        res("BGPAdvertisement", "public", "  ipAddressPools: [public]\n"),
    )
    write(repo, {**chart("0.14.9", NATIVE), CR: text})
    assert lint(repo, "ML310") == []  # only pools a BGPAdvertisement selects count
    write(repo, chart("0.14.8", NATIVE))
    found = lint(repo, "ML310")
    assert where(found) == [("ML310", CR, at(text, "- fd00::100/120"))]
    assert "before 0.14.9" in found[0]["message"]


def test_ml310_large_community_in_a_community_resource(repo: Path) -> None:
    text = docs(res("Community", "c", "  communities:\n    - name: eu\n      value: large:1:2:3\n"))
    write(repo, {**chart("0.15.3", NATIVE), CR: text})
    found = lint(repo, "ML310")
    assert where(found) == [("ML310", CR, at(text, "value: large"))]
    assert "even when no advertisement uses it" in found[0]["message"]


def test_ml310_and_ml305_name_an_unnamed_alias_by_its_line(repo: Path) -> None:
    text = docs(
        res("Community", "c", "  communities:\n    - value: large:1:2:3\n    - value: 1:x\n")
    )
    write(repo, {**chart("0.15.3", NATIVE), CR: text})
    found = lint(repo, "ML310")
    assert where(found) == [("ML310", CR, at(text, "value: large"))]
    assert (
        f"(the unnamed alias on line {at(text, 'value: large')} in Community 'c')"
        in (found[0]["message"])
    )
    assert "None" not in found[0]["message"]
    assert "None" not in lint(repo, "ML305")[0]["message"]


def test_ml310_local_asn_is_ignored_in_frr_k8s_mode_only(repo: Path) -> None:
    text = docs(POOL, peer("tor", BASIC + "  localASN: 64999\n"))
    write(repo, {**chart("0.16.1"), CR: text})
    found = lint(repo, "ML310")
    assert where(found) == [("ML310", CR, at(text, "localASN"))]
    assert "FRR-K8s mode here (chart 0.16.1 defaults)" in found[0]["message"]
    write(repo, chart("0.16.1", FRR_016))
    assert lint(repo, "ML310") == []


# -- ML311 ----------------------------------------------------------------------------------

RACK = "  nodeSelectors:\n    - matchLabels:\n        rack: {rack}\n"


def test_ml311_per_node_from_016(repo: Path) -> None:
    text = docs(
        POOL,
        peer("r1", BASIC + "  routerID: 10.0.0.1\n" + RACK.format(rack="r1")),
        peer("r2", BASIC + "  routerID: 10.0.0.2\n" + RACK.format(rack="r2")),
    )
    write(repo, {**chart("0.16.1"), CR: text})
    assert lint(repo, "ML311") == []  # disjoint nodes: two FRR instances
    write(repo, chart("0.15.3"))  # up to 0.15 every peer counts
    found = lint(repo, "ML311")
    assert where(found) == [
        ("ML311", CR, at(text, "peerAddress", 2)),
        ("ML311", CR, at(text, "routerID: 10.0.0.2")),
    ]
    assert "both peer with 10.0.0.1 in the default VRF" in found[0]["message"]
    assert found[0]["related"][0]["line"] == at(text, "peerAddress")
    assert found[1]["related"] == [
        {"path": CR, "line": at(text, "routerID: 10.0.0.1"), "message": "BGPPeer 'r1'"}
    ]


def test_mode_checks_are_held_back_when_the_release_is_only_assumed(repo: Path) -> None:
    """Nothing pins MetalLB: its BGP mode is the default of an assumed release, and a native
    install would accept what FRR refuses (benchmarks/realworld held-out set: a false ML311 on a
    native install named only in a script). ML005 says what was held back."""
    text = docs(
        POOL,
        peer("r1", BASIC + "  routerID: 10.0.0.1\n"),
        peer("r2", BASIC.replace(".0.1", ".0.2") + "  routerID: 10.0.0.2\n"),
    )
    write(repo, {CR: text})
    assert lint(repo, "ML311") == []
    notice = lint(repo, "ML005")
    assert len(notice) == 1
    assert (
        "checks that hold in one mode only (ML310 mode mismatches, ML311" in (notice[0]["message"])
    )
    write(repo, chart("0.15.3"))  # the chart pins the release, its defaults the mode
    assert [f["rule"] for f in lint(repo, "ML311")] == ["ML311"]
    assert lint(repo, "ML005") == []  # the release is known: nothing held back


def test_ml311_unknown_node_overlap_is_not_judged(repo: Path) -> None:
    zone = "  nodeSelectors:\n    - matchLabels:\n        zone: z1\n"
    text = docs(
        POOL,
        peer("a", BASIC + "  routerID: 10.0.0.1\n" + RACK.format(rack="r1")),
        peer("b", BASIC.replace(".0.1", ".0.2") + "  routerID: 10.0.0.2\n" + zone),
        peer("c", BASIC.replace(".0.1", ".0.3") + "  routerID: 10.0.0.3\n"),
    )
    write(repo, {**chart("0.16.1"), CR: text})
    found = lint(repo, "ML311")  # c selects every node, so it meets a (and b)
    assert where(found) == [("ML311", CR, at(text, "routerID: 10.0.0.3"))]


def test_ml311_my_asn_per_vrf(repo: Path) -> None:
    text = docs(
        POOL,
        peer("default", BASIC),
        peer("storage", "  myASN: 64700\n  peerASN: 64500\n  peerAddress: 10.0.0.1\n  vrf: s\n"),
        peer("other", "  myASN: 64513\n  peerASN: 64500\n  peerAddress: 10.0.0.9\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML311")
    assert where(found) == [("ML311", CR, at(text, "myASN: 64513"))]
    assert "in the default VRF" in found[0]["message"]
    write(repo, chart("0.15.3", NATIVE))
    assert lint(repo, "ML311") == []


def test_ml311_peers_of_different_clusters_are_not_compared(repo: Path) -> None:
    files = {}
    for cluster, router in (("home", "10.0.0.1"), ("edge", "10.9.0.1")):
        files[f"clusters/{cluster}/kustomization.yaml"] = (
            "namespace: metallb-system\nresources: [peer.yaml]\n"
        )
        files[f"clusters/{cluster}/peer.yaml"] = peer(
            f"{cluster}-router", BASIC + f"  routerID: {router}\n"
        ).replace("  namespace: metallb-system\n", "")
    write(repo, {**chart("0.15.3"), **files})
    assert lint(repo, "ML311") == []


# -- ML312 ----------------------------------------------------------------------------------


def test_ml312_points_at_profile_advertisement_and_pool(repo: Path) -> None:
    text = docs(
        DUAL,
        res("BFDProfile", "echo", "  echoMode: true\n"),
        peer("tor", BASIC + "  bfdProfile: echo\n"),
        res("BGPAdvertisement", "dual", "  peers: [tor]\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    found = lint(repo, "ML312")
    assert where(found) == [("ML312", CR, at(text, "bfdProfile: echo"))]
    assert found[0]["related"] == [
        {"path": CR, "line": at(text, "echoMode"), "message": "echoMode is on here"},
        {"path": CR, "line": at(text, "name: dual", 2), "message": "BGPAdvertisement 'dual'"},
        {
            "path": CR,
            "line": at(text, "2001:db8::/120"),
            "message": "IPv6 addresses of pool 'dual'",
        },
    ]
    write(repo, chart("0.13.9"))  # not checked before 0.13.10
    assert lint(repo, "ML312") == []


def test_ml312_ipv4_only_or_other_peers(repo: Path) -> None:
    text = docs(
        DUAL,
        POOL,
        res("BFDProfile", "echo", "  echoMode: true\n"),
        peer("tor", BASIC + "  bfdProfile: echo\n"),
        peer("v6", BASIC.replace("10.0.0.1", "fd00::1")),
        res("BGPAdvertisement", "dual", "  ipAddressPools: [dual]\n  peers: [v6]\n"),
        res("BGPAdvertisement", "v4", "  ipAddressPools: [public]\n"),
    )
    write(repo, {**chart("0.15.3"), CR: text})
    assert lint(repo, "ML312") == []
