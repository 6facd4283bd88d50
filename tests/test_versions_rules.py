"""ML101, ML102, ML105-ML109 on MetalLB resources and legacy configurations, per release: the
exact rule, path, line and column of every finding, and the release each message names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, lint_json, run_cli, write
from tests.test_chart_values import chart, pos

NS = "metallb-system"


def val(text: str, key: str, nth: int = 0) -> tuple[int, int]:
    """Where the value of the `nth` `key: value` of `text` starts."""
    line, column = pos(text, f"{key}: ", nth)
    return line, column + len(key) + 2


def lint(repo: Path, *args: str) -> list[tuple[str, str, int, int]]:
    result = lint_json("--exit-zero", *args, ".", cwd=repo)
    assert result.code == 0, result.err
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in result.json["findings"]]


def messages(repo: Path, *args: str) -> list[str]:
    result = lint_json("--exit-zero", *args, ".", cwd=repo)
    return [f["message"] for f in result.json["findings"]]


def peer(spec: str, api: str = "metallb.io/v1beta2", name: str = "router") -> str:
    return (
        f"apiVersion: {api}\nkind: BGPPeer\nmetadata:\n  name: {name}\n  namespace: {NS}\n"
        f"spec:\n{spec}"
    )


def resource(kind: str, spec: str, namespace: str | None = NS, name: str = "a") -> str:
    meta = f"  name: {name}\n" + (f"  namespace: {namespace}\n" if namespace else "")
    return f"apiVersion: metallb.io/v1beta1\nkind: {kind}\nmetadata:\n{meta}spec:\n{spec}"


PEER = "  myASN: 64500\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n"
FILE = "metallb-system/templates/objects.yaml"


def pinned(repo: Path, version: str, text: str) -> None:
    write(repo, {**chart(version), FILE: text})


# -- ML107: fields a later release added ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "too_old", "first"),
    [
        ("  connectTime: 10s\n", "0.14.3", "0.14.4"),
        ("  disableMP: false\n", "0.14.3", "0.14.4"),
        ("  enableGracefulRestart: true\n", "0.14.5", "0.14.6"),
        ("  dualStackAddressFamily: true\n", "0.14.9", "0.15.0"),
        ("  localASN: 64999\n", "0.15.3", "0.16.0"),
        ("  vrf: red\n", "0.13.7", "0.13.8"),
    ],
)
def test_bgppeer_field_before_its_release(repo: Path, line: str, too_old: str, first: str) -> None:
    text = peer(PEER + line)
    pinned(repo, too_old, text)
    key = line.split(":")[0].strip()
    assert lint(repo, "--select", "ML1") == [("ML107", FILE, *pos(text, key))]
    assert (
        f"`spec.{key}` arrived in MetalLB {first}; {too_old} does not have it"
        in (messages(repo, "--select", "ML107")[0])
    )
    pinned(repo, first, text)
    assert [r for r in lint(repo, "--select", "ML1") if r[0] != "ML106"] == []


def test_dynamic_asn_and_interface_change_what_is_required(repo: Path) -> None:
    text = peer("  myASN: 64500\n  dynamicASN: external\n  interface: eth0\n")
    pinned(repo, "0.14.8", text)
    assert lint(repo, "--select", "ML1") == [
        ("ML101", FILE, *pos(text, "spec:")),  # peerASN
        ("ML101", FILE, *pos(text, "spec:")),  # peerAddress
        ("ML107", FILE, *pos(text, "dynamicASN")),
        ("ML107", FILE, *pos(text, "interface")),
    ]
    pinned(repo, "0.14.9", text)
    assert lint(repo, "--select", "ML1") == [
        ("ML101", FILE, *pos(text, "spec:")),  # peerAddress, until interface arrives
        ("ML107", FILE, *pos(text, "interface")),
    ]
    pinned(repo, "0.15.0", text)
    assert lint(repo, "--select", "ML1") == []


def test_peer_port_zero_is_refused_from_015(repo: Path) -> None:
    text = peer(PEER + "  peerPort: 0\n")
    pinned(repo, "0.14.9", text)
    assert lint(repo, "--select", "ML101") == []
    pinned(repo, "0.15.0", text)
    assert lint(repo, "--select", "ML101") == [("ML101", FILE, *val(text, "peerPort"))]


@pytest.mark.parametrize(
    ("kind", "spec", "key", "too_old", "first"),
    [
        (
            "IPAddressPool",
            "  addresses: [10.0.0.0/29]\n  avoidBuggyIPs: true\n",
            "avoidBuggyIPs",
            "0.13.2",
            "0.13.4",
        ),
        (
            "IPAddressPool",
            "  addresses: [10.0.0.0/29]\n  serviceAllocation:\n    priority: 1\n",
            "serviceAllocation",
            "0.13.7",
            "0.13.8",
        ),
        ("L2Advertisement", "  interfaces: [eth0]\n", "interfaces", "0.13.5", "0.13.6"),
        ("L2Advertisement", "  serviceSelectors: []\n", "serviceSelectors", "0.15.3", "0.16.0"),
        ("BGPAdvertisement", "  serviceSelectors: []\n", "serviceSelectors", "0.15.3", "0.16.0"),
    ],
)
def test_other_fields_before_their_release(
    repo: Path, kind: str, spec: str, key: str, too_old: str, first: str
) -> None:
    text = resource(kind, spec)
    pinned(repo, too_old, text)
    assert lint(repo, "--select", "ML1") == [("ML107", FILE, *pos(text, key))]
    pinned(repo, first, text)
    assert lint(repo, "--select", "ML1") == []


def test_no_custom_resources_before_013(repo: Path) -> None:
    text = resource("IPAddressPool", "  addresses: [10.0.0.0/29]\n")
    pinned(repo, "0.12.1", text)
    assert lint(repo, "--select", "ML1") == [("ML107", FILE, *pos(text, "IPAddressPool"))]
    assert "custom resources arrived in 0.13.0" in messages(repo, "--select", "ML107")[0]


# -- ML101 / ML102 --------------------------------------------------------------------------------


def test_invalid_values_point_at_the_value(repo: Path) -> None:
    text = (
        peer('  myASN: 64500\n  peerASN: "64501"\n  peerAddress: 10.0.0.1\n  holdTime: 90\n')
        + "---\n"
        + resource("BFDProfile", "  detectMultiplier: 300\n  minimumTtl: 0\n")
    )
    pinned(repo, "0.14.8", text)
    assert lint(repo, "--select", "ML101") == [
        ("ML101", FILE, *val(text, "peerASN")),
        ("ML101", FILE, *val(text, "holdTime")),
        ("ML101", FILE, *val(text, "detectMultiplier")),
        ("ML101", FILE, *val(text, "minimumTtl")),
    ]


def test_a_misspelt_required_field_is_one_finding_at_the_typo(repo: Path) -> None:
    text = peer("  myAsn: 64500\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n")
    pinned(repo, "0.14.8", text)
    assert lint(repo, "--select", "ML101,ML102") == [("ML101", FILE, *pos(text, "myAsn"))]
    assert "(`myAsn` looks like a misspelling of it)" in messages(repo, "--select", "ML101")[0]


def test_missing_spec_and_unknown_kinds_and_versions(repo: Path) -> None:
    text = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: a\n"
        f"  namespace: {NS}\nspecs:\n  addresses: [10.0.0.0/29]\n---\n"
        "apiVersion: metallb.io/v1beta2\nkind: IPAddressPool\nmetadata:\n  name: b\n"
        f"  namespace: {NS}\n---\n"
        "apiVersion: metallb.io/v1beta1\nkind: IPPool\nmetadata:\n  name: c\n"
    )
    pinned(repo, "0.14.8", text)
    assert lint(repo, "--select", "ML101,ML102") == [
        ("ML101", FILE, *pos(text, "specs")),  # a missing spec beside its misspelling
        ("ML101", FILE, *pos(text, "metallb.io/v1beta2")),
        ("ML101", FILE, *pos(text, "IPPool")),
    ]
    found = messages(repo, "--select", "ML101,ML102")
    assert "`specs` looks like a misspelling of it" in found[0]
    assert "served as metallb.io/v1beta1 in MetalLB 0.14.8" in found[1]
    assert "did you mean IPAddressPool?" in found[2]
    text = text.replace("specs:", "status:")
    pinned(repo, "0.14.8", text)
    assert lint(repo, "--select", "ML101,ML102")[0] == (
        "ML101",
        FILE,
        *pos(text, "kind: IPAddressPool"),  # no spec at all: the resource's kind line
    )


def test_unknown_fields_suggest_the_closest(repo: Path) -> None:
    text = resource("BGPAdvertisement", "  localpref: 100\n  ipAddresPools: [a]\n")
    pinned(repo, "0.16.1", text)
    assert lint(repo, "--select", "ML102") == [
        ("ML102", FILE, *pos(text, "localpref")),
        ("ML102", FILE, *pos(text, "ipAddresPools")),
    ]
    found = messages(repo, "--select", "ML102")
    assert "Did you mean `localPref`?" in found[0]
    assert "Did you mean `ipAddressPools`?" in found[1]


def test_metadata_and_status_are_free_form(repo: Path) -> None:
    text = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: a\n"
        f'  namespace: {NS}\n  uid: x\n  annotations:\n    argocd.argoproj.io/sync-wave: "-1"\n'
        "spec:\n  addresses: [10.0.0.0/29]\nstatus:\n  assignedIPv4: 3\n"
    )
    pinned(repo, "0.16.1", text)
    assert lint(repo, "--select", "ML1") == []


def test_empty_fields_are_dropped_as_the_api_server_does(repo: Path) -> None:
    text = resource("IPAddressPool", "  addresses:\n  autoAssign:\n")
    pinned(repo, "0.16.1", text)
    assert lint(repo, "--select", "ML101") == [("ML101", FILE, *pos(text, "addresses"))]
    assert "it is empty here" in messages(repo, "--select", "ML101")[0]


def test_yaml_11_base_60_numbers_are_strings_to_kubernetes(repo: Path) -> None:
    text = resource("BGPAdvertisement", "  communities:\n    - 64496:1\n    - 7\n")
    pinned(repo, "0.16.1", text)
    assert lint(repo, "--select", "ML101") == [("ML101", FILE, *pos(text, "7\n"))]


def test_placeholders_are_not_judged(repo: Path) -> None:
    text = peer("  myASN: ${LOCAL_ASN}\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n")
    pinned(repo, "0.14.8", text)
    assert lint(repo, "--select", "ML101") == []


# -- ML105 / ML106 ---------------------------------------------------------------------------------


def test_address_pool_is_deprecated_in_013_and_removed_in_014(repo: Path) -> None:
    text = resource("AddressPool", "  protocol: layer2\n  addresses: [10.0.0.0/29]\n")
    pinned(repo, "0.13.12", text)
    assert lint(repo, "--select", "ML1") == [("ML106", FILE, *pos(text, "metallb.io/v1beta1"))]
    pinned(repo, "0.14.0", text)
    assert lint(repo, "--select", "ML1") == [("ML105", FILE, *pos(text, "AddressPool"))]
    found = messages(repo, "--select", "ML105")[0]
    assert "MetalLB 0.14.0 stopped reading this kind" in found
    assert "IPAddressPool plus an L2Advertisement" in found


def test_v1beta1_bgppeer_and_disable_mp_deprecations(repo: Path) -> None:
    text = (
        peer(PEER, api="metallb.io/v1beta1")
        + "---\n"
        + peer(PEER + "  disableMP: true\n", name="b")
    )
    pinned(repo, "0.14.8", text)
    assert lint(repo, "--select", "ML106") == []
    pinned(repo, "0.14.9", text)
    assert lint(repo, "--select", "ML106") == [("ML106", FILE, *pos(text, "metallb.io/v1beta1"))]
    pinned(repo, "0.15.0", text)
    assert lint(repo, "--select", "ML106") == [
        ("ML106", FILE, *pos(text, "metallb.io/v1beta1")),
        ("ML106", FILE, *pos(text, "disableMP")),
    ]
    assert "dualStackAddressFamily" in messages(repo, "--select", "ML106")[1]


def test_old_annotation_prefix_is_deprecated_from_0149(repo: Path) -> None:
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\n"
        "  annotations:\n    metallb.universe.tf/address-pool: default\n"
        "    metallb.universe.tf/allow-shared-ip: web\n    metallb.io/allow-shared-ip: web\n"
        "spec:\n  type: LoadBalancer\n  ports:\n    - port: 80\n"
    )
    write(repo, {**chart("0.14.8"), "apps/web.yaml": service})
    assert lint(repo, "--select", "ML106") == []
    write(repo, chart("0.14.9"))
    assert lint(repo, "--select", "ML106") == [
        ("ML106", "apps/web.yaml", *pos(service, "metallb.universe.tf/address-pool")),
        ("ML106", "apps/web.yaml", *pos(service, "metallb.universe.tf/allow-shared-ip")),
    ]
    found = messages(repo, "--select", "ML106")
    assert "rename it to metallb.io/address-pool" in found[0]
    assert "metallb.io/allow-shared-ip is set too and wins" in found[1]


# -- ML108 -------------------------------------------------------------------------------------


def test_namespace_from_the_install_and_from_kustomize(repo: Path) -> None:
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: metallb\n"
        "  namespace: argocd\nspec:\n  source:\n    repoURL: https://github.com/x/y.git\n"
        "    path: metallb-system\n  destination:\n    namespace: networking\n"
    )
    pools = resource("IPAddressPool", "  addresses: [10.0.0.0/29]\n", namespace=None, name="lab")
    in_chart = resource("IPAddressPool", "  addresses: [10.1.0.0/29]\n", namespace=NS)
    unknown = resource("L2Advertisement", "  ipAddressPools: [a]\n", namespace=None)
    write(
        repo,
        {
            **chart("0.14.8"),
            "argocd/metallb.yaml": app,
            "argocd/pools.yaml": app.replace("name: metallb", "name: pools").replace(
                "path: metallb-system", "path: pools"
            ),
            FILE: in_chart + "---\n" + unknown,
            "pools/kustomization.yaml": "namespace: apps\nresources: [lab.yaml]\n",
            "pools/lab.yaml": pools,
        },
    )
    assert lint(repo, "--select", "ML108") == [
        ("ML108", FILE, *pos(in_chart, NS)),
        ("ML108", "pools/lab.yaml", *pos(pools, "lab")),
    ]
    found = messages(repo, "--select", "ML108")
    assert "its own namespace 'networking' (from argocd/metallb.yaml)" in found[0]
    assert "webhook refuses to create it there" in found[0]


def test_without_an_install_namespace_the_unit_majority_decides(repo: Path) -> None:
    pools = (
        resource("IPAddressPool", "  addresses: [10.0.0.0/29]\n", name="a")
        + "---\n"
        + resource("IPAddressPool", "  addresses: [10.0.1.0/29]\n", name="b")
        + "---\n"
        + resource("L2Advertisement", "  ipAddressPools: [a, b]\n", namespace="default")
    )
    # another cluster of the same repository installs MetalLB into `networking`
    other = resource("IPAddressPool", "  addresses: [10.9.0.0/29]\n", namespace="networking")
    write(
        repo,
        {
            "clusters/home/metallb.yaml": pools,
            "clusters/home/kustomization.yaml": "resources: [metallb.yaml]\n",
            "clusters/office/pool.yaml": other,
            "clusters/office/kustomization.yaml": "resources: [pool.yaml]\n",
        },
    )
    found = lint(repo, "--select", "ML108", "--metallb-version", "0.13.4")
    assert found == [("ML108", "clusters/home/metallb.yaml", *pos(pools, "default"))]
    message = messages(repo, "--select", "ML108", "--metallb-version", "0.13.4")[0]
    assert "the other MetalLB resources of clusters/home are in 'metallb-system'" in message
    assert "set `namespace` in .metallb-lint.yaml" in message
    assert "it never sees it" in message  # no namespace webhook before 0.13.5
    write(repo, {".metallb-lint.yaml": "namespace: networking\n"})
    result = run_cli("--format", "json", "--select", "ML108", ".", cwd=repo)
    assert [(f["path"], f["line"]) for f in result.json["findings"]] == [
        ("clusters/home/metallb.yaml", pos(pools, NS)[0]),
        ("clusters/home/metallb.yaml", pos(pools, NS, 1)[0]),
        ("clusters/home/metallb.yaml", pos(pools, "default")[0]),
    ]


def test_one_namespace_everywhere_and_no_sign_of_metallb_says_the_default_is_assumed(
    repo: Path,
) -> None:
    pools = (
        resource("IPAddressPool", "  addresses: [10.0.0.0/29]\n", namespace="lb", name="a")
        + "---\n"
        + resource("L2Advertisement", "  ipAddressPools: [a]\n", namespace="lb")
    )
    write(repo, {"metallb.yaml": pools})
    result = lint_json(
        "--exit-zero", "--select", "ML108", "--metallb-version", "0.14.9", ".", cwd=repo
    )
    found = result.json["findings"]
    assert [(f["rule"], f["path"], f["line"], f["severity"]) for f in found] == [
        ("ML108", "metallb.yaml", pos(pools, "lb\n")[0], "info")
    ]
    message = found[0]["message"]
    assert "all 2 MetalLB resources of the repository are in namespace 'lb'" in message
    assert "its documented namespace 'metallb-system' is assumed" in message
    assert "set `namespace: lb` in .metallb-lint.yaml" in message
    assert found[0]["related"][0]["line"] == pos(pools, "name: a", 1)[0]
    # a Namespace object of that name, or any install of MetalLB, shows where it runs
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lb\n  labels:\n"
    write(repo, {"ns.yaml": namespace + "    app: metallb\n"})
    assert lint(repo, "--select", "ML108", "--metallb-version", "0.14.9") == []
    (repo / "ns.yaml").unlink()
    speaker = (
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: speaker\n  namespace: lb\n"
        "spec:\n  template:\n    spec:\n      containers:\n        - name: speaker\n"
        "          image: quay.io/metallb/speaker:main\n"
    )
    write(repo, {"speaker.yaml": speaker})
    assert lint(repo, "--select", "ML108", "--metallb-version", "0.14.9") == []
    (repo / "speaker.yaml").unlink()
    write(repo, chart("0.14.8"))
    assert lint(repo, "--select", "ML108") == []


# -- ML109 / ML105 for legacy configuration ------------------------------------------------------


CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: metallb-system
data:
  config: |
    peers:
      - my-asn: 64500
        peer-asn: 64501
        peer-address: 10.0.0.1
        bfd-profile: slow
        router-id: 10.0.0.100
      - my-asn: 64500
        peer-asn: 64502
        peer-address: 10.0.0.2
    bfd-profiles:
      - name: fast
        detect-multiplier: 1
    address-pools:
      - name: a
        protocol: bgp
        addresses: [fd00::/120]
        bgp-advertisements:
          - aggregation-length-v6: 129
      - name: a
        protocol: layer2
        protocol: bgp
        addresses: [fd00::80/121]
"""


def test_legacy_configuration_in_native_and_frr_mode(repo: Path) -> None:
    write(repo, {**chart("0.12.1"), "metallb-system/config.yaml": CONFIGMAP})
    path = "metallb-system/config.yaml"
    native = lint(repo, "--select", "ML109")
    assert native == [
        ("ML109", path, *val(CONFIGMAP, "bfd-profile")),  # bfd-profile in native mode
        ("ML109", path, *val(CONFIGMAP, "bfd-profile")),  # ... of an unknown profile
        ("ML109", path, *pos(CONFIGMAP, "bfd-profiles")),  # no BFD at all in native mode
        ("ML109", path, *val(CONFIGMAP, "detect-multiplier")),
        ("ML109", path, *pos(CONFIGMAP, "fd00::/120")),  # IPv6 in native BGP
        ("ML109", path, *val(CONFIGMAP, "aggregation-length-v6")),
        ("ML109", path, *val(CONFIGMAP, "name", 3)),  # duplicate pool name
        ("ML109", path, *pos(CONFIGMAP, "protocol: bgp", 1)),  # duplicate key
        ("ML109", path, *pos(CONFIGMAP, "fd00::80/121")),  # overlap with the first pool
        ("ML109", path, *pos(CONFIGMAP, "fd00::80/121")),  # IPv6 in native BGP
    ]
    write(
        repo,
        {"metallb-system/values.yaml": "metallb:\n  speaker:\n    frr:\n      enabled: true\n"},
    )
    frr = lint(repo, "--select", "ML109")
    second = pos(CONFIGMAP, "- my-asn", 1)
    assert ("ML109", path, second[0], second[1] + 2) in frr  # router-id differs in FRR mode
    assert ("ML109", path, *pos(CONFIGMAP, "bfd-profiles")) not in frr
    assert ("ML109", path, *pos(CONFIGMAP, "fd00::/120")) not in frr
    # from 0.13 the whole thing is dead: one ML105, no ML109
    write(repo, chart("0.13.0"))
    assert lint(repo, "--select", "ML105,ML109") == [
        ("ML105", path, *pos(CONFIGMAP, "config: |")),
    ]


def test_a_valid_legacy_configuration_is_silent(repo: Path) -> None:
    good = (
        "peers:\n  - my-asn: 64500\n    peer-asn: 64501\n    peer-address: 10.0.0.1\n"
        "    hold-time: 1m30s\n    node-selectors:\n      - match-labels:\n          rack: a\n"
        "bgp-communities:\n  no-export: 65535:65281\naddress-pools:\n"
        "  - name: bgp\n    protocol: bgp\n    addresses: [198.51.100.0/24]\n"
        "    bgp-advertisements:\n      - aggregation-length: 24\n"
        "        communities: [no-export]\n"
        "      - localpref: 100\n  - name: l2\n    protocol: layer2\n"
        "    addresses: [192.168.1.240-192.168.1.250]\n"
    )
    write(
        repo,
        {
            **chart("0.12.1"),
            "metallb/kustomization.yaml": "configMapGenerator:\n  - name: config\n"
            "    namespace: metallb-system\n    files: [config=config.yaml]\n",
            "metallb/config.yaml": good,
        },
    )
    assert lint(repo, "--select", "ML109") == []
    write(repo, {"metallb/config.yaml": good.replace("protocol: layer2", "protocol: layr2")})
    assert lint(repo, "--select", "ML109") == [
        ("ML109", "metallb/config.yaml", *pos(good, "layer2")),
    ]
    assert "did you mean 'layer2'?" in messages(repo, "--select", "ML109")[0]


PLACEHOLDER_CONFIG = """\
peers:
  - my-asn: 64512
    peer-asn: ${PEER_ASN}
    peer-address: ${ROUTER_ADDR}
address-pools:
  - name: bgp
    protocol: ${PROTOCOL}
    addresses:
      - ${LB_RANGE}
      - 198.51.100.0/24
"""


def _flux_legacy(repo: Path, substitute: str) -> None:
    """A Flux Kustomization that applies metallb/ (chart 0.12.1 and a configMapGenerator fed
    by PLACEHOLDER_CONFIG), with `substitute` as its postBuild.substitute entries."""
    write(
        repo,
        {
            "clusters/home/metallb.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
            "kind: Kustomization\nmetadata:\n  name: metallb\n  namespace: flux-system\n"
            "spec:\n  path: ./metallb\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
            f"  postBuild:\n    substitute:\n{substitute}",
            "metallb/kustomization.yaml": "resources: [release.yaml]\nconfigMapGenerator:\n"
            "  - name: config\n    namespace: metallb-system\n    files: [config=config.yaml]\n",
            "metallb/release.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
            "metadata: {name: metallb, namespace: metallb-system}\nspec:\n  chart:\n    spec:\n"
            "      chart: metallb\n      version: 0.12.1\n"
            "      sourceRef: {kind: HelmRepository, name: metallb}\n",
            "metallb/config.yaml": PLACEHOLDER_CONFIG,
        },
    )


def test_unfilled_placeholders_in_a_legacy_configuration_are_unknown(repo: Path) -> None:
    # Nothing defines the variables: no value is judged as written (no "invalid peer IP
    # '${ROUTER_ADDR}'", no "unknown protocol", no "missing peer ASN"); ML004 says what was not
    # checked, each where it is written.
    _flux_legacy(repo, "      OTHER: x\n")
    path = "metallb/config.yaml"
    assert lint(repo, "--select", "ML004,ML109") == [
        ("ML004", path, *val(PLACEHOLDER_CONFIG, "peer-asn")),
        ("ML004", path, *val(PLACEHOLDER_CONFIG, "peer-address")),
        ("ML004", path, *val(PLACEHOLDER_CONFIG, "protocol")),
        ("ML004", path, *pos(PLACEHOLDER_CONFIG, "${LB_RANGE}")),
    ]
    assert "'${ROUTER_ADDR}' in a bare configuration" in messages(repo, "--select", "ML004")[1]


def test_flux_variables_fill_a_legacy_configuration_before_it_is_judged(repo: Path) -> None:
    filled = "      PEER_ASN: '64501'\n      ROUTER_ADDR: 10.0.0.1\n      PROTOCOL: bgp\n"
    _flux_legacy(repo, filled + "      LB_RANGE: 203.0.113.0/24\n")
    assert lint(repo, "--select", "ML004,ML109") == []
    # the filled values are judged as MetalLB reads them: an overlap and a wrong protocol
    _flux_legacy(repo, filled.replace("bgp", "layr2") + "      LB_RANGE: 198.51.100.128/25\n")
    path = "metallb/config.yaml"
    assert lint(repo, "--select", "ML004,ML109") == [
        ("ML109", path, *val(PLACEHOLDER_CONFIG, "protocol")),
        ("ML109", path, *pos(PLACEHOLDER_CONFIG, "${LB_RANGE}")),  # overlaps the /24
    ]
    assert "'198.51.100.128/25' in pool 'bgp' overlaps" in messages(repo, "--select", "ML109")[1]
    # a variable that is no address is reported where the variable is used
    _flux_legacy(
        repo, filled.replace("10.0.0.1", "router.lan") + "      LB_RANGE: 203.0.113.0/24\n"
    )
    found = messages(repo, "--select", "ML109")
    assert lint(repo, "--select", "ML109") == [
        ("ML109", path, *val(PLACEHOLDER_CONFIG, "peer-address")),
    ]
    assert "invalid peer IP 'router.lan'" in found[0]


# -- --crd and the `crds` setting ----------------------------------------------------------------


NEWER_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: bgppeers.metallb.io
spec:
  group: metallb.io
  names:
    kind: BGPPeer
  versions:
    - name: v1beta2
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [myASN]
              properties:
                myASN: {type: integer, minimum: 0, maximum: 4294967295}
                peerAddress: {type: string}
                bgpRole: {type: string, enum: [provider, customer, peer]}
    - name: v1beta1
      served: false
      schema:
        openAPIV3Schema:
          type: object
"""


def test_crd_files_replace_the_built_in_schemas(repo: Path) -> None:
    text = peer("  myASN: 64500\n  peerAddress: 10.0.0.1\n  bgpRole: client\n  vrf: red\n")
    old = peer(PEER, api="metallb.io/v1beta1", name="old")
    write(repo, {**chart("0.16.1"), FILE: text + "---\n" + old, "crds/bgppeer.yaml": NEWER_CRD})
    whole = text + "---\n" + old
    assert lint(repo, "--select", "ML1") == [
        ("ML102", FILE, *pos(whole, "bgpRole")),
        ("ML106", FILE, *pos(whole, "metallb.io/v1beta1")),  # deprecated since 0.14.9
    ]
    with_crd = lint(repo, "--select", "ML1", "--crd", "crds/bgppeer.yaml")
    assert with_crd == [
        ("ML101", FILE, *pos(whole, "client")),
        ("ML102", FILE, *pos(whole, "vrf")),
        ("ML101", FILE, *pos(whole, "metallb.io/v1beta1")),
    ]
    found = messages(repo, "--select", "ML1", "--crd", "crds/bgppeer.yaml")
    assert "(the CRD in crds/bgppeer.yaml)" in found[0]
    assert "not served by the CRD in crds/bgppeer.yaml" in found[2]
    write(repo, {".metallb-lint.yaml": "crds: [crds/bgppeer.yaml]\n"})
    result = run_cli("--format", "json", "--select", "ML1", ".", cwd=repo)
    assert [(f["rule"], f["line"]) for f in result.json["findings"]] == [
        (r, line) for r, _, line, _ in with_crd
    ]


def test_bad_crd_files_are_usage_errors(repo: Path) -> None:
    write(repo, {"a.yaml": "kind: ConfigMap\n", "b.yaml": "a: [\n"})
    for name, error in (
        ("missing.yaml", "no such file"),
        ("a.yaml", "no CustomResourceDefinition"),
        ("b.yaml", "not valid YAML"),
    ):
        write(repo, {"pool.yaml": resource("IPAddressPool", "  addresses: [10.0.0.0/29]\n")})
        result = run_cli("--isolated", "--crd", name, ".", cwd=repo)
        assert result.code == 2, name
        assert error in result.err, result.err
    write(repo, {".metallb-lint.yaml": "crds: 3\n"})
    result = run_cli(".", cwd=repo)
    assert result.code == 2 and "crds must be a list" in result.err, result.err


SPEAKER = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: speaker
  namespace: metallb-system
  labels: {app: metallb}
spec:
  template:
    spec:
      containers:
        - name: speaker
          image: quay.io/metallb/speaker:v0.14.9
"""


def test_a_vendored_install_says_its_bgp_mode(repo: Path) -> None:
    """The speaker of a vendored install manifest runs FRR when its METALLB_BGP_TYPE says so
    (`frr`, `frr-k8s`), natively otherwise: not the chart's default for that release, which a
    repository without the chart does not run (benchmarks/realworld held-out set)."""
    frr = (
        SPEAKER + "          env:\n            - name: METALLB_BGP_TYPE\n              value: frr\n"
    )
    for text, mode in ((SPEAKER, "native"), (frr, "frr")):
        write(repo, {"metallb/speaker.yaml": text})
        target = lint_json("--exit-zero", ".", cwd=repo).json["target"]
        assert (target["metallb_version"], target["mode"]) == ("0.14.9", mode)


# -- ML107: what an ignored annotation asks for is judged in the same run (issue 16 item 8) ----

ONE_PASS = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {{name: lan, namespace: metallb-system}}
spec: {{addresses: [10.0.0.0/28]}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    metallb.io/{key}: {value}
spec:
  type: LoadBalancer
"""


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("loadBalancerIPs", "10.9.9.9", "Once MetalLB reads it, 10.9.9.9 is in no IPAddressPool"),
        ("address-pool", "nope", "Once MetalLB reads it, pool 'nope' does not exist"),
        ("loadBalancerIPs", "10.0.0.3", None),
        ("address-pool", "lan", None),
    ],
)
def test_an_ignored_annotation_is_judged_as_if_read(
    repo: Path, key: str, value: str, said: str | None
) -> None:
    write(repo, {"svc.yaml": ONE_PASS.format(key=key, value=value)})
    result = lint_json("--metallb-version", "0.14.8", "--select", "ML107", ".", cwd=repo)
    [finding] = result.json["findings"]
    assert (finding["rule"], finding["line"]) == ("ML107", 11)
    if said is None:
        assert "Once MetalLB reads it" not in finding["message"]
    else:
        assert said in finding["message"]


def test_before_0_12_the_loadbalancerips_annotation_is_not_read(repo: Path) -> None:
    """0.11 reads only spec.loadBalancerIP: the annotation is ignored (ML107), and the field is
    not called deprecated in favour of an annotation the release cannot read (ML406)."""
    write(
        repo,
        {
            "a.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n"
            "    metallb.universe.tf/loadBalancerIPs: 10.0.0.1\nspec:\n  type: LoadBalancer\n",
            "b.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\nspec:\n"
            "  type: LoadBalancer\n  loadBalancerIP: 10.0.0.2\n",
        },
    )
    for version, expected in [
        ("0.11.0", [("ML107", "a.yaml", 6)]),
        ("0.12.1", [("ML406", "b.yaml", 7)]),
    ]:
        result = lint_json("--metallb-version", version, "--select", "ML107,ML406", ".", cwd=repo)
        found = [(f["rule"], f["path"], f["line"]) for f in result.json["findings"]]
        assert found == expected


def test_ml005_names_what_an_operator_subscription_says() -> None:
    """The MetalLB Operator's Subscription names a channel, a catalog and maybe an operator
    version, never the MetalLB release: ML005 says so at the channel, with what it read."""
    case = FIXTURES / "realworld" / "operator-metallb-cr"
    result = run_cli("--format", "json", "--exit-zero", "--select", "ML005", ".", cwd=case)
    (finding,) = result.json["findings"]
    assert (finding["path"], finding["line"]) == ("operators/metallb/subscription.yaml", 19)
    assert finding["message"].startswith(
        "MetalLB is installed by the MetalLB Operator (an OLM Subscription: channel 'stable' "
        "of catalog 'redhat-operators'): a channel, a catalog and an operator version say which "
        "operator installs, not which MetalLB release it runs"
    )
