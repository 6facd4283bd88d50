"""ML2xx beyond the fixtures: exact messages, related locations, counts, namespace inference."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import findings, lint_json, run_cli, write

L2 = """\
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: l2
  namespace: metallb-system
"""

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {namespace}
resources:
{resources}
"""


def pool(name: str, *addresses: str, namespace: str | None = "metallb-system", **spec) -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    lines = "".join(f"\n    - {a}" for a in addresses)
    extra = "".join(
        f"\n  {k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in spec.items()
    )
    return (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n"
        f"  name: {name}{ns}\nspec:\n  addresses:{lines}{extra}\n"
    )


def kustomization(namespace: str, *resources: str) -> str:
    return KUSTOMIZATION.format(
        namespace=namespace, resources="\n".join(f"  - {r}" for r in resources)
    )


def service(name: str, namespace: str = "media", annotations: dict | None = None, **spec) -> str:
    notes = ""
    if annotations:
        notes = "\n  annotations:" + "".join(f"\n    {k}: {v}" for k, v in annotations.items())
    extra = "".join(f"\n  {k}: {v}" for k, v in spec.items())
    return (
        "apiVersion: v1\nkind: Service\nmetadata:\n"
        f"  name: {name}\n  namespace: {namespace}{notes}\n"
        f"spec:\n  type: LoadBalancer{extra}\n  selector:\n    app: {name}\n"
        "  ports:\n    - port: 80\n"
    )


def lint(root: Path, rule: str, *extra: str):
    result = lint_json("--select", rule, "--exit-zero", *extra, ".", cwd=root)
    assert result.code == 0, result.err
    return result


def lint_configured(root: Path, rule: str):
    """With the repository's .metallb-lint.yaml (for `networks` and `reserved`)."""
    result = run_cli("--format", "json", "--select", rule, "--exit-zero", ".", cwd=root)
    assert result.code == 0, result.err
    return result


# -- ML201 / ML204 -----------------------------------------------------------------------------


def test_ml201_messages_tell_rejected_from_silently_empty(repo: Path) -> None:
    write(
        repo,
        {
            "metallb/pools.yaml": pool(
                "lan", "192.168.1.240", "10.0.0.10-fd00::10", "2001:db8::1-10.0.0.1"
            ),
            "metallb/l2.yaml": L2,
        },
    )
    result = lint(repo, "ML201")
    assert findings(result) == [
        ("ML201", "metallb/pools.yaml", 8),
        ("ML201", "metallb/pools.yaml", 9),
        ("ML201", "metallb/pools.yaml", 10),
    ]
    bare, silent, rejected = (f["message"] for f in result.json["findings"])
    assert "'192.168.1.240/32'" in bare and "rejects the whole configuration" in bare
    assert "no addresses at all" in silent and "rejects the whole" not in silent
    assert "is after the end IP" in rejected and "rejects the whole configuration" in rejected


def test_ml201_addresses_as_a_string_points_at_the_value(repo: Path) -> None:
    write(
        repo,
        {
            "metallb/pool.yaml": (
                "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n"
                "  name: guest\n  namespace: metallb-system\nspec:\n"
                "  addresses: 192.168.50.240/28, 192.168.50.250/32\n"
            ),
            "metallb/l2.yaml": L2,
        },
    )
    result = lint(repo, "ML201,ML204")
    assert findings(result) == [("ML201", "metallb/pool.yaml", 7)]
    message = result.json["findings"][0]["message"]
    assert "a single string" in message and "'- 192.168.50.240/28'" in message


def test_ml204_points_at_the_key_or_the_name(repo: Path) -> None:
    write(
        repo,
        {
            "metallb/pools.yaml": (
                "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n"
                "  name: empty\n  namespace: metallb-system\nspec:\n  addresses: []\n"
                "---\n"
                "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n"
                "  name: missing\n  namespace: metallb-system\nspec:\n  autoAssign: false\n"
            ),
        },
    )
    result = lint(repo, "ML204")
    assert findings(result) == [
        ("ML204", "metallb/pools.yaml", 7),
        ("ML204", "metallb/pools.yaml", 12),
    ]
    empty, missing = (f["message"] for f in result.json["findings"])
    assert '"pool has no prefixes defined"' in empty
    assert "required by the CRD" in missing


# -- ML203 -------------------------------------------------------------------------------------


def test_ml203_names_the_shared_range_and_the_other_entry(repo: Path) -> None:
    write(
        repo,
        {
            "metallb/kustomization.yaml": kustomization(
                "metallb-system", "pool-default.yaml", "pool-dns.yaml", "l2.yaml"
            ),
            "metallb/pool-default.yaml": pool(
                "default", "192.168.1.240-192.168.1.254", "2001:db8:1::/120"
            ),
            "metallb/pool-dns.yaml": pool(
                "dns", "192.168.1.248/30", "2001:db8:1::80/121", autoAssign=False
            ),
            "metallb/l2.yaml": L2,
        },
    )
    result = lint(repo, "ML203")
    assert findings(result) == [
        ("ML203", "metallb/pool-dns.yaml", 8),
        ("ML203", "metallb/pool-dns.yaml", 9),
    ]
    v4, v6 = result.json["findings"]
    assert "'192.168.1.248/30' of pool 'dns'" in v4["message"]
    assert "'192.168.1.240-192.168.1.254' of pool 'default'" in v4["message"]
    assert "(shared: 192.168.1.248/30)" in v4["message"]
    assert [(r["path"], r["line"]) for r in v4["related"]] == [("metallb/pool-default.yaml", 8)]
    assert "(shared: 2001:db8:1::80/121)" in v6["message"]
    assert [(r["path"], r["line"]) for r in v6["related"]] == [("metallb/pool-default.yaml", 9)]


def test_ml203_partial_overlap_shared_range(repo: Path) -> None:
    write(
        repo,
        {
            "metallb/pools.yaml": pool("default", "10.0.0.0/28", "10.0.0.8-10.0.0.20"),
        },
    )
    result = lint(repo, "ML203")
    assert findings(result) == [("ML203", "metallb/pools.yaml", 9)]
    finding = result.json["findings"][0]
    assert "of the same pool (shared: 10.0.0.8/29)" in finding["message"]
    assert [(r["path"], r["line"]) for r in finding["related"]] == [("metallb/pools.yaml", 8)]


def test_ml203_variants_in_overlays_hide_no_real_overlap(repo: Path) -> None:
    # prod and staging both define "default" (variants, not an overlap), and staging's "dns"
    # overlaps both. Staging's "default" must be reported against "dns", although prod's
    # "default" reaches further.
    write(
        repo,
        {
            "clusters/prod/kustomization.yaml": kustomization("metallb-system", "pools.yaml"),
            "clusters/prod/pools.yaml": pool("default", "192.168.1.240-192.168.1.250"),
            "clusters/staging/kustomization.yaml": kustomization("metallb-system", "pools.yaml"),
            "clusters/staging/pools.yaml": pool("dns", "192.168.1.238-192.168.1.242")
            + "---\n"
            + pool("default", "192.168.1.240-192.168.1.250"),
        },
    )
    result = lint(repo, "ML203")
    assert findings(result) == [
        ("ML203", "clusters/staging/pools.yaml", 8),
        ("ML203", "clusters/staging/pools.yaml", 17),
    ]
    by_line = {f["line"]: f for f in result.json["findings"]}
    assert [(r["path"], r["line"]) for r in by_line[17]["related"]] == [
        ("clusters/staging/pools.yaml", 8)
    ]
    assert "(shared: 192.168.1.240-192.168.1.242)" in by_line[17]["message"]


def test_ml203_pools_of_different_metallb_namespaces_do_not_overlap(repo: Path) -> None:
    write(
        repo,
        {
            "home/pools.yaml": pool("home", "192.168.1.240/29", namespace="metallb-system"),
            "office/pools.yaml": pool("office", "192.168.1.240/29", namespace="networking"),
            "shared/pools.yaml": pool("any", "192.168.1.244/32", namespace=None),
        },
    )
    # The pool without a namespace may land in either, so it overlaps both (reported once).
    assert findings(lint(repo, "ML203")) == [("ML203", "shared/pools.yaml", 7)]


def test_ml203_ignores_legacy_addresspool_from_014(repo: Path) -> None:
    legacy = pool("legacy", "192.168.1.240/29").replace("IPAddressPool", "AddressPool")
    legacy = legacy.replace("spec:\n", "spec:\n  protocol: layer2\n")
    write(repo, {"m/pools.yaml": pool("default", "192.168.1.240/29"), "m/legacy.yaml": legacy})
    assert findings(lint(repo, "ML203", "--metallb-version", "0.14.8")) == []
    assert findings(lint(repo, "ML203", "--metallb-version", "0.13.12")) == [
        ("ML203", "m/pools.yaml", 8)
    ]


# -- ML205 -------------------------------------------------------------------------------------


def test_ml205_namespace_inherited_from_kustomization(repo: Path) -> None:
    # The pool has no metadata.namespace; the kustomization puts it in "networking", where
    # the advertisement explicitly is: announced.
    ad = L2.replace("metallb-system", "networking") + "spec:\n  ipAddressPools:\n    - default\n"
    write(
        repo,
        {
            "networking/kustomization.yaml": kustomization("networking", "pool.yaml", "l2.yaml"),
            "networking/pool.yaml": pool("default", "192.168.1.240/29", namespace=None),
            "networking/l2.yaml": ad,
        },
    )
    assert findings(lint(repo, "ML205")) == []
    # A second pool of the same kustomization that the advertisement does not name is
    # reported, in the inherited namespace.
    path = repo / "networking/pool.yaml"
    path.write_text(
        path.read_text() + "---\n" + pool("iot", "10.20.0.240/29", namespace=None),
        encoding="utf-8",
    )
    result = lint(repo, "ML205")
    assert findings(result) == [("ML205", "networking/pool.yaml", 12)]
    assert result.json["findings"][0]["resource"]["namespace"] == "networking"


def test_ml205_advertisement_in_another_namespace(repo: Path) -> None:
    ad = L2 + "spec:\n  ipAddressPools:\n    - default\n"
    write(
        repo,
        {
            "networking/kustomization.yaml": kustomization("networking", "pool.yaml"),
            "networking/pool.yaml": pool("default", "192.168.1.240/29", namespace=None),
            "metallb/l2.yaml": ad,
        },
    )
    result = lint(repo, "ML205")
    assert findings(result) == [("ML205", "networking/pool.yaml", 4)]
    related = result.json["findings"][0]["related"]
    assert [(r["path"], r["line"]) for r in related] == [("metallb/l2.yaml", 8)]
    assert "in namespace metallb-system" in related[0]["message"]


def test_ml205_near_miss_names_and_selectors_are_related(repo: Path) -> None:
    ads = (
        "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: media\n"
        "  namespace: metallb-system\nspec:\n  ipAddressPools:\n    - media-pool\n---\n"
        "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata:\n  name: lab\n"
        "  namespace: metallb-system\nspec:\n  ipAddressPoolSelectors:\n"
        "    - matchLabels:\n        tier: labs\n"
    )
    lab = pool("lab", "10.30.0.240/28").replace(
        "  namespace: metallb-system\n", "  namespace: metallb-system\n  labels:\n    tier: lab\n"
    )
    write(repo, {"m/pools.yaml": pool("media", "10.0.0.0/28") + "---\n" + lab, "m/ads.yaml": ads})
    result = lint(repo, "ML205")
    assert findings(result) == [("ML205", "m/pools.yaml", 4), ("ML205", "m/pools.yaml", 13)]
    media, lab_finding = result.json["findings"]
    assert [(r["path"], r["line"]) for r in media["related"]] == [("m/ads.yaml", 8)]
    assert "'media-pool', which is no pool" in media["related"][0]["message"]
    assert [(r["path"], r["line"]) for r in lab_finding["related"]] == [("m/ads.yaml", 17)]
    assert "(tier=lab)" in lab_finding["related"][0]["message"]


# -- ML206 -------------------------------------------------------------------------------------


def _ml206_messages(result) -> list[str]:
    return [f["message"] for f in result.json["findings"]]


def test_ml206_counts_explicit_and_automatic(repo: Path) -> None:
    ips = "metallb.io/loadBalancerIPs"
    write(
        repo,
        {
            "m/pools.yaml": pool("default", "192.168.1.240/30"),
            "apps/a.yaml": service("ingress", "ingress", {ips: "192.168.1.240"}),
            "apps/b.yaml": service("jellyfin", annotations={ips: "192.168.1.241"}),
            "apps/c.yaml": service("sonarr"),
            "apps/d.yaml": service("radarr"),
            "apps/e.yaml": service("prowlarr"),
            # Not MetalLB's: another load-balancer class.
            "apps/f.yaml": service("ha", "home", loadBalancerClass="tailscale"),
        },
    )
    result = lint(repo, "ML206")
    assert findings(result) == [("ML206", "m/pools.yaml", 7)]
    (message,) = _ml206_messages(result)
    assert message.startswith("3 LoadBalancer Services get an IPv4 address automatically")
    assert "only 2 free usable IPv4 addresses" in message
    related = [(r["path"], r["line"]) for r in result.json["findings"][0]["related"]]
    assert related == [("apps/c.yaml", 4), ("apps/d.yaml", 4), ("apps/e.yaml", 4)]


def test_ml206_pool_requested_by_name(repo: Path) -> None:
    pin = {"metallb.io/address-pool": "dns"}
    write(
        repo,
        {
            "m/pools.yaml": pool("default", "192.168.1.240/29")
            + "---\n"
            + pool("dns", "192.168.1.250/32", autoAssign=False),
            "apps/dns.yaml": service("pihole", "dns", pin)
            + "---\n"
            + service("adguard", "dns", pin),
        },
    )
    result = lint(repo, "ML206")
    assert findings(result) == [("ML206", "m/pools.yaml", 16)]
    (message,) = _ml206_messages(result)
    assert message.startswith(
        "pool 'dns' has 1 usable IPv4 address, 0 requested explicitly, and 2 more Services "
        "request the pool by name"
    )


def test_ml206_sharing_keys_count_once(repo: Path) -> None:
    ips, share = "metallb.io/loadBalancerIPs", "metallb.io/allow-shared-ip"
    write(
        repo,
        {
            "m/pools.yaml": pool("default", "192.168.1.240-192.168.1.241"),
            "apps/ingress.yaml": service("tcp", "ingress", {ips: "192.168.1.240", share: "ing"})
            + "---\n"
            + service("udp", "ingress", {share: "ing"}),  # shares the requested address
            "apps/dns.yaml": service("dns-tcp", "dns", {share: "dns"})
            + "---\n"
            + service("dns-udp", "dns", {share: "dns"}),
        },
    )
    assert findings(lint(repo, "ML206")) == []
    # Without the keys: 1 explicit + 3 automatic on 2 addresses.
    for name in ("apps/ingress.yaml", "apps/dns.yaml"):
        path = repo / name
        path.write_text(
            path.read_text().replace(f"    {share}: ing\n", "").replace(f"    {share}: dns\n", "")
        )
    result = lint(repo, "ML206")
    assert findings(result) == [("ML206", "m/pools.yaml", 7)]
    assert "3 LoadBalancer Services" in result.json["findings"][0]["message"]
    assert "only 1 free usable IPv4 address left" in result.json["findings"][0]["message"]


def test_ml206_avoid_buggy_ips_and_families(repo: Path) -> None:
    # /30 with avoidBuggyIPs: .0 is not usable, 3 addresses left. The IPv6 half of the pool
    # does not help single-stack IPv4 Services.
    write(
        repo,
        {
            "m/pools.yaml": pool("default", "10.0.0.0/30", "fd00::/64", avoidBuggyIPs=True),
            "apps/s.yaml": "---\n".join(service(f"app{i}") for i in range(4)),
        },
    )
    result = lint(repo, "ML206")
    assert findings(result) == [("ML206", "m/pools.yaml", 7)]
    assert "only 3 free usable IPv4 addresses" in result.json["findings"][0]["message"]


def test_ml206_silent_with_unresolved_request(repo: Path) -> None:
    write(
        repo,
        {
            "m/pools.yaml": pool("default", "192.168.1.240/32"),
            "apps/s.yaml": service("a", annotations={"metallb.io/loadBalancerIPs": "${IP}"})
            + "---\n"
            + service("b")
            + "---\n"
            + service("c"),
        },
    )
    assert findings(lint(repo, "ML206")) == []


# -- ML207 / ML208 / ML209 / ML210 -------------------------------------------------------------


def test_ml207_counts_buggy_addresses(repo: Path) -> None:
    write(repo, {"m/pools.yaml": pool("default", "10.0.50.0/23", "fd00::/120")})
    result = lint(repo, "ML207")
    assert findings(result) == [("ML207", "m/pools.yaml", 8)]
    assert (
        "includes 4 addresses ending in .0 or .255 (first: 10.0.50.0)"
        in (result.json["findings"][0]["message"])
    )


def test_ml208_partial_coverage_and_unconfigured_family(repo: Path) -> None:
    write(
        repo,
        {
            ".metallb-lint.yaml": "networks:\n  - 192.168.1.0/24\n  - 192.168.2.0/24\n",
            "m/pools.yaml": pool(
                "default",
                "192.168.1.250-192.168.2.10",  # inside the two adjacent networks together
                "192.168.2.250-192.168.3.5",  # partly outside
                "192.168.9.0/28",  # outside
                "fd00::/120",  # no IPv6 networks configured: not judged
            ),
            "m/l2.yaml": L2,
        },
    )
    result = lint_configured(repo, "ML208")
    assert findings(result) == [("ML208", "m/pools.yaml", 9), ("ML208", "m/pools.yaml", 10)]
    partial, outside = (f["message"] for f in result.json["findings"])
    assert "reaches outside the node networks" in partial
    assert "lies outside every node network" in outside


def test_ml209_reserved_range_is_related(repo: Path) -> None:
    write(
        repo,
        {
            ".metallb-lint.yaml": (
                "reserved:\n  - 192.168.1.1/32\n  - 192.168.1.100-192.168.1.239\n"
            ),
            "m/pools.yaml": pool("default", "192.168.1.230-192.168.1.250"),
        },
    )
    result = lint_configured(repo, "ML209")
    assert findings(result) == [("ML209", "m/pools.yaml", 8)]
    finding = result.json["findings"][0]
    assert "(shared: 192.168.1.230-192.168.1.239)" in finding["message"]
    assert [(r["path"], r["line"]) for r in finding["related"]] == [(".metallb-lint.yaml", 3)]


def test_ml210_second_copy_points_at_first(repo: Path) -> None:
    write(
        repo,
        {
            "m/a.yaml": pool("default", "192.168.1.240/29"),
            "m/b.yaml": pool("default", "10.0.0.240/29"),
            # Same name in another deployment unit: a variant, not a duplicate.
            "other/kustomization.yaml": kustomization("metallb-system", "pool.yaml"),
            "other/pool.yaml": pool("default", "10.1.0.240/29"),
        },
    )
    result = lint(repo, "ML210")
    assert findings(result) == [("ML210", "m/b.yaml", 4)]
    related = result.json["findings"][0]["related"]
    assert [(r["path"], r["line"]) for r in related] == [("m/a.yaml", 4)]


def test_ml210_legacy_addresspool_with_a_pool_name_before_014(repo: Path) -> None:
    legacy = pool("default", "10.0.0.240/29").replace("IPAddressPool", "AddressPool")
    legacy = legacy.replace("spec:\n", "spec:\n  protocol: layer2\n")
    write(repo, {"m/a.yaml": pool("default", "192.168.1.240/29"), "m/b.yaml": legacy})
    result = lint(repo, "ML210", "--metallb-version", "0.13.12")
    assert findings(result) == [("ML210", "m/b.yaml", 4)]
    assert '"duplicate definition of pool"' in result.json["findings"][0]["message"]
    assert findings(lint(repo, "ML210", "--metallb-version", "0.14.8")) == []


# -- ML211 -------------------------------------------------------------------------------------


def allocation(name: str, block: str) -> str:
    return pool(name, "192.168.1.230-192.168.1.239") + "  serviceAllocation:\n" + block


def test_ml211_duplicates_point_at_the_copy_and_the_first(repo: Path) -> None:
    text = allocation(
        "media",
        "    namespaces: [media, downloads, media]\n"
        "    serviceSelectors:\n"
        "      - matchExpressions:\n"
        "          - {key: app, operator: In, values: [a, b]}\n"
        "      - matchExpressions:\n"
        "          - {key: app, operator: In, values: [b, a]}\n",
    )
    write(repo, {"m/pools.yaml": text, "m/l2.yaml": L2})
    result = lint(repo, "ML211", "--metallb-version", "0.15.3")
    assert findings(result) == [("ML211", "m/pools.yaml", 10), ("ML211", "m/pools.yaml", 14)]
    first, second = result.json["findings"]
    assert "namespace 'media' is listed twice" in first["message"]
    assert [r["line"] for r in first["related"]] == [10]
    assert first["related"][0]["message"] == "first listed here"
    assert "repeats serviceSelectors[0]" in second["message"]  # values are compared sorted
    assert [r["line"] for r in second["related"]] == [12]


def test_ml211_selectors_kubernetes_cannot_parse(repo: Path) -> None:
    text = allocation(
        "lab",
        "    namespaceSelectors:\n"
        "      - matchExpressions:\n"
        "          - {key: team, operator: Equals, values: [lab]}\n"
        "      - matchLabels:\n"
        "          team/x/y: lab\n"
        "      - matchExpressions:\n"
        "          - {key: team, operator: Exists, values: [lab]}\n"
        "      - matchLabels:\n"
        "          team: ${TEAM}\n",
    )
    write(repo, {"m/pools.yaml": text, "m/l2.yaml": L2})
    result = lint(repo, "ML211", "--metallb-version", "0.15.3")
    assert findings(result) == [
        ("ML211", "m/pools.yaml", 11),
        ("ML211", "m/pools.yaml", 13),
        ("ML211", "m/pools.yaml", 15),
    ]
    messages = [f["message"] for f in result.json["findings"]]
    assert "'Equals' is not a label selector operator" in messages[0]
    assert "'team/x/y' is not a valid label key" in messages[1]
    assert "operator Exists on 'team' takes no values" in messages[2]


def test_ml211_priority_only_before_015(repo: Path) -> None:
    text = allocation("overflow", "    priority: 100\n")
    write(repo, {"m/pools.yaml": text, "m/l2.yaml": L2})
    result = lint(repo, "ML211", "--metallb-version", "0.14.9")
    assert findings(result) == [("ML211", "m/pools.yaml", 9)]
    assert "never auto-assigned" in result.json["findings"][0]["message"]
    assert findings(lint(repo, "ML211", "--metallb-version", "0.15.0")) == []
    assert findings(lint(repo, "ML211", "--metallb-version", "0.13.8")) == []  # no such field
    write(repo, {"m/pools.yaml": text + "  autoAssign: false\n"})
    assert findings(lint(repo, "ML211", "--metallb-version", "0.14.9")) == []


def test_ml413_skips_pools_steered_by_service_allocation(repo: Path) -> None:
    small = pool("dns", "192.168.1.250/32")
    files = {"m/a.yaml": pool("default", "192.168.1.240/29"), "m/l2.yaml": L2}
    write(repo, {**files, "m/dns.yaml": small + "  serviceAllocation:\n    namespaces: [dns]\n"})
    assert findings(lint(repo, "ML413", "--metallb-version", "0.15.3")) == []
    assert findings(lint(repo, "ML413", "--metallb-version", "0.13.8")) == [
        ("ML413", "m/dns.yaml", 4)  # serviceAllocation arrived in 0.13.9
    ]
    write(repo, {"m/dns.yaml": small + "  serviceAllocation:\n    priority: 1\n"})
    assert findings(lint(repo, "ML413", "--metallb-version", "0.14.9")) == []
    assert findings(lint(repo, "ML413", "--metallb-version", "0.15.0")) == [
        ("ML413", "m/dns.yaml", 4)  # from 0.15 it matches every Service
    ]
