"""ML4xx and ML107: what Services request from MetalLB, judged the way MetalLB judges it."""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint.config import Config
from metallb_lint.load.documents import Chunk, compose_chunk
from metallb_lint.load.sources import SourceFile
from metallb_lint.model.inventory import build_inventory
from metallb_lint.model.objects import Resource
from metallb_lint.model.service_requests import requests_from_service
from tests.conftest import FIXTURES, findings, lint_json, write
from tests.manifests import chart_yaml

POOLS_FILE = "metallb-system/templates/pools.yaml"
POOLS = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: default
  namespace: metallb-system
spec:
  addresses:
    - 192.168.1.240-192.168.1.250
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lab
  namespace: metallb-system
spec:
  addresses:
    - 10.20.0.0/24
  avoidBuggyIPs: true
"""
DEFAULT_ENTRY_LINE = 8
LAB_ENTRY_LINE = 17


def chart(version: str, values: str = "") -> dict[str, str]:
    files = {
        "metallb-system/Chart.yaml": chart_yaml(version),
        POOLS_FILE: POOLS,
    }
    if values:
        files["metallb-system/values.yaml"] = values
    return files


def service(
    name: str,
    annotations: dict[str, str] | None = None,
    spec: str = "",
    namespace: str = "apps",
    ports: str = "    - port: 80\n",
) -> str:
    lines = ["apiVersion: v1", "kind: Service", "metadata:", f"  name: {name}"]
    lines.append(f"  namespace: {namespace}")
    if annotations:
        lines.append("  annotations:")
        lines += [f"    {key}: {value}" for key, value in annotations.items()]
    lines += ["spec:", "  type: LoadBalancer"]
    text = "\n".join(lines) + "\n" + spec
    return text + f"  selector:\n    app: {name}\n  ports:\n" + ports


def at(text: str, needle: str) -> int:
    """The 1-based line of the one line of `text` that contains `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def lint(root: Path, *args: str) -> list[tuple[str, str, int]]:
    return findings(lint_json("--exit-zero", *args, ".", cwd=root))


def lint_full(root: Path, *args: str) -> list[dict]:
    return lint_json("--exit-zero", *args, ".", cwd=root).json["findings"]


# -- annotation prefixes (facts §5.1) ---------------------------------------------------------

OUT_OF_POOL = ("metallb.universe.tf/loadBalancerIPs", "192.168.1.100")
IN_POOL = ("metallb.io/loadBalancerIPs", "192.168.1.241")


@pytest.mark.parametrize("new_first", [True, False], ids=["metallb.io-first", "universe-first"])
@pytest.mark.parametrize("version", ["0.14.9", "0.16.1"])
def test_both_prefixes_newer_release_reads_metallb_io(
    repo: Path, version: str, new_first: bool
) -> None:
    pairs = [IN_POOL, OUT_OF_POOL] if new_first else [OUT_OF_POOL, IN_POOL]
    write(repo, {**chart(version), "apps/web.yaml": service("web", dict(pairs))})
    assert lint(repo, "--select", "ML401,ML405,ML107") == []


@pytest.mark.parametrize("new_first", [True, False], ids=["metallb.io-first", "universe-first"])
def test_both_prefixes_0_14_8_reads_only_universe(repo: Path, new_first: bool) -> None:
    pairs = [IN_POOL, OUT_OF_POOL] if new_first else [OUT_OF_POOL, IN_POOL]
    text = service("web", dict(pairs))
    write(repo, {**chart("0.14.8"), "apps/web.yaml": text})
    expected = [
        ("ML107", "apps/web.yaml", at(text, "metallb.io/loadBalancerIPs")),
        ("ML401", "apps/web.yaml", at(text, "metallb.universe.tf/loadBalancerIPs")),
    ]
    assert lint(repo, "--select", "ML401,ML405,ML107") == sorted(expected, key=lambda f: f[2])


def test_0_14_8_ignores_metallb_io_only_service(repo: Path) -> None:
    """Before 0.14.9 a metallb.io/ request is no request: nothing to check against the pools."""
    text = service("web", {"metallb.io/loadBalancerIPs": "192.168.1.100"})
    write(repo, {**chart("0.14.8"), "apps/web.yaml": text})
    assert lint(repo, "--select", "ML401,ML107") == [
        ("ML107", "apps/web.yaml", at(text, "metallb.io/"))
    ]


def test_empty_metallb_io_sharing_key_wins_from_0_14_9(repo: Path) -> None:
    """MetalLB's SharingKey: a present metallb.io/ key wins even when empty (no sharing)."""
    tcp = service(
        "dns-tcp",
        {
            "metallb.universe.tf/allow-shared-ip": "dns",
            "metallb.universe.tf/loadBalancerIPs": "192.168.1.250",
        },
        ports="    - port: 53\n      protocol: TCP\n",
    )
    udp = service(
        "dns-udp",
        {
            "metallb.universe.tf/allow-shared-ip": "dns",
            "metallb.io/allow-shared-ip": '""',
            "metallb.universe.tf/loadBalancerIPs": "192.168.1.250",
        },
        ports="    - port: 53\n      protocol: UDP\n",
    )
    write(repo, {"apps/dns.yaml": tcp + "---\n" + udp, POOLS_FILE: POOLS})
    line = len(tcp.splitlines()) + 1 + at(udp, "loadBalancerIPs")
    assert lint(repo, "--metallb-version", "0.14.9", "--select", "ML404") == [
        ("ML404", "apps/dns.yaml", line)
    ]
    assert lint(repo, "--metallb-version", "0.14.8", "--select", "ML404") == []


def test_ml107_silent_when_both_prefixes_carry_the_same_value(repo: Path) -> None:
    text = service(
        "web",
        {
            "metallb.universe.tf/loadBalancerIPs": "192.168.1.241",
            "metallb.io/loadBalancerIPs": "192.168.1.241",
        },
    )
    write(repo, {**chart("0.14.8"), "apps/web.yaml": text})
    assert lint(repo, "--select", "ML107,ML401") == []


def test_metallb_version_flag_changes_ml107() -> None:
    bad = FIXTURES / "rules" / "ML107-unsupported-in-version" / "bad"
    good = FIXTURES / "rules" / "ML107-unsupported-in-version" / "good"
    pinned = lint(bad, "--select", "ML107")
    assert [rule for rule, _, _ in pinned] == ["ML107"] * 4  # 3 annotations, 1 dynamicASN
    assert lint(bad, "--select", "ML107", "--metallb-version", "0.14.9") == []
    assert lint(good, "--select", "ML107") == []
    assert lint(good, "--select", "ML107", "--metallb-version", "0.14.8") == pinned


# -- related locations and messages -----------------------------------------------------------


def test_ml401_related_points_at_nearest_pool_entry(repo: Path) -> None:
    lab = service("grafana", {"metallb.io/loadBalancerIPs": "10.20.1.5"})
    home = service("jellyfin", {"metallb.io/loadBalancerIPs": "192.168.1.251"})
    write(repo, {**chart("0.15.3"), "apps/grafana.yaml": lab, "apps/jellyfin.yaml": home})
    result = lint_full(repo, "--select", "ML401")
    assert [(f["path"], f["line"]) for f in result] == [
        ("apps/grafana.yaml", at(lab, "loadBalancerIPs")),
        ("apps/jellyfin.yaml", at(home, "loadBalancerIPs")),
    ]
    assert [[(r["path"], r["line"]) for r in f["related"]] for f in result] == [
        [(POOLS_FILE, LAB_ENTRY_LINE)],
        [(POOLS_FILE, DEFAULT_ENTRY_LINE)],
    ]
    assert "pool 'lab'" in result[0]["message"]


def test_ml404_related_points_at_other_service_ip_line(repo: Path) -> None:
    first = service("traefik", {"metallb.io/loadBalancerIPs": "192.168.1.241"})
    second = service(
        "argocd-server", {"metallb.io/loadBalancerIPs": "192.168.1.241"}, namespace="argocd"
    )
    write(repo, {**chart("0.15.3"), "apps/a.yaml": first, "apps/b.yaml": second})
    result = lint_full(repo, "--select", "ML404")
    assert [(f["rule"], f["path"], f["line"]) for f in result] == [
        ("ML404", "apps/b.yaml", at(second, "loadBalancerIPs"))
    ]
    assert [(r["path"], r["line"]) for r in result[0]["related"]] == [
        ("apps/a.yaml", at(first, "loadBalancerIPs"))
    ]
    assert "no allow-shared-ip annotation" in result[0]["message"]


def test_messages_say_the_service_stays_pending(repo: Path) -> None:
    files = {
        **chart("0.15.3"),
        "apps/a.yaml": service("a", {"metallb.io/loadBalancerIPs": "192.168.1.100"}),
        "apps/b.yaml": service(
            "b",
            {"metallb.io/address-pool": "lab", "metallb.io/loadBalancerIPs": "192.168.1.242"},
        ),
        "apps/c.yaml": service("c", {"metallb.io/address-pool": "prod"}),
        "apps/d.yaml": service("d", {"metallb.io/loadBalancerIPs": "192.168.1.243"}),
        "apps/e.yaml": service("e", {"metallb.io/loadBalancerIPs": "192.168.1.243"}),
        "apps/f.yaml": service("f", {"metallb.io/loadBalancerIPs": "192.168.1.244/32"}),
        "apps/g.yaml": service("g", {"metallb.io/loadBalancerIPs": "10.20.0.255"}),
        "apps/h.yaml": service(
            "h", {"metallb.io/loadBalancerIPs": "192.168.1.245"}, "  loadBalancerClass: x\n"
        ),
    }
    write(repo, files)
    result = lint_full(repo, "--select", "ML401,ML402,ML403,ML404,ML405,ML410,ML411")
    assert sorted({f["rule"] for f in result}) == [
        "ML401",
        "ML402",
        "ML403",
        "ML404",
        "ML405",
        "ML410",
        "ML411",
    ]
    for finding in result:
        assert "<pending>" in finding["message"], finding


# -- requests in chart values -----------------------------------------------------------------

ARGO_VALUES_STRING = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress-nginx
  namespace: argocd
spec:
  destination:
    server: https://kubernetes.default.svc
    namespace: ingress-nginx
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.11.3
    helm:
      values: |
        controller:
          service:
            type: LoadBalancer
            annotations:
              metallb.io/allow-shared-ip: ingress
            loadBalancerIP: 192.168.1.100
"""


def test_argocd_values_string_positions(repo: Path) -> None:
    write(repo, {**chart("0.15.3"), "argocd/ingress-nginx.yaml": ARGO_VALUES_STRING})
    result = lint_full(repo, "--select", "ML401")
    line = at(ARGO_VALUES_STRING, "loadBalancerIP:")
    column = ARGO_VALUES_STRING.splitlines()[line - 1].index("192.168.1.100") + 1
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in result] == [
        ("ML401", "argocd/ingress-nginx.yaml", line, column)
    ]
    assert result[0]["end_line"] == line
    # JSON end_column is exclusive: one past the last character (DESIGN.md contract)
    assert result[0]["end_column"] == column + len("192.168.1.100")
    assert result[0]["resource"]["kind"] == "Application"


def test_argocd_values_string_annotation_position(repo: Path) -> None:
    text = ARGO_VALUES_STRING.replace("            loadBalancerIP: 192.168.1.100\n", "").replace(
        "metallb.io/allow-shared-ip: ingress", "metallb.io/loadBalancerIPs: 10.20.0.0"
    )
    write(repo, {**chart("0.15.3"), "argocd/ingress-nginx.yaml": text})
    line = at(text, "metallb.io/loadBalancerIPs")
    result = lint_full(repo, "--select", "ML401,ML411")
    assert [(f["rule"], f["line"], f["column"]) for f in result] == [
        ("ML411", line, text.splitlines()[line - 1].index("10.20.0.0") + 1)
    ]


def test_values_requests_take_part_in_conflicts(repo: Path) -> None:
    release = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: pihole
  namespace: dns
spec:
  chart:
    spec:
      chart: pihole
      version: 2.27.0
  values:
    serviceDns:
      type: LoadBalancer
      loadBalancerIP: 192.168.1.250
"""
    other = service("adguard", {"metallb.io/loadBalancerIPs": "192.168.1.250"})
    write(repo, {**chart("0.15.3"), "apps/adguard.yaml": other, "flux/pihole.yaml": release})
    assert lint(repo, "--select", "ML404") == [
        ("ML404", "flux/pihole.yaml", at(release, "loadBalancerIP"))
    ]


# -- what is not judged ----------------------------------------------------------------------


def test_no_pools_in_repository(repo: Path) -> None:
    """Pools managed elsewhere: nothing to compare requests with."""
    write(
        repo,
        {
            "apps/a.yaml": service("a", {"metallb.io/loadBalancerIPs": "192.168.1.100"}),
            "apps/b.yaml": service("b", {"metallb.io/address-pool": "prod"}),
            "apps/c.yaml": service("c", spec="  loadBalancerIP: 10.0.0.1\n"),
        },
    )
    assert lint(repo, "--select", "ML401,ML402,ML403") == []


def test_unresolved_placeholder_is_not_an_address(repo: Path) -> None:
    text = service("gitea", {"metallb.io/loadBalancerIPs": "${GITEA_IP}"})
    write(repo, {**chart("0.15.3"), "apps/gitea.yaml": text})
    assert lint(repo, "--select", "ML401,ML404,ML405,ML004") == [
        ("ML004", "apps/gitea.yaml", at(text, "GITEA_IP"))
    ]


FLUX_KUSTOMIZATION = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  path: ./apps
  postBuild:
    substitute:
      INGRESS_IP: {ip}
"""


def test_flux_substituted_in_pool_is_silent(repo: Path) -> None:
    text = service("traefik", {"metallb.io/loadBalancerIPs": "${INGRESS_IP}"})
    write(
        repo,
        {
            **chart("0.15.3"),
            "apps/traefik.yaml": text,
            "clusters/home/apps.yaml": FLUX_KUSTOMIZATION.format(ip="192.168.1.244"),
        },
    )
    assert lint(repo, "--select", "ML401,ML405") == []


def test_flux_substituted_out_of_pool_is_ml401(repo: Path) -> None:
    text = service("traefik", {"metallb.io/loadBalancerIPs": "${INGRESS_IP}"})
    write(
        repo,
        {
            **chart("0.15.3"),
            "apps/traefik.yaml": text,
            "clusters/home/apps.yaml": FLUX_KUSTOMIZATION.format(ip="192.168.1.100"),
        },
    )
    assert lint(repo, "--select", "ML401,ML004") == [
        ("ML401", "apps/traefik.yaml", at(text, "INGRESS_IP"))
    ]


def test_requests_from_service_resolves_flux_variables() -> None:
    text = service(
        "traefik",
        {
            "metallb.io/loadBalancerIPs": "${INGRESS_IP}",
            "metallb.io/address-pool": "${POOL:=default}",
            "metallb.io/allow-shared-ip": "${SHARE}",
        },
    )
    doc, problems = compose_chunk("svc.yaml", Chunk(1, text), 0)
    assert doc is not None and not problems
    source = SourceFile("svc.yaml", "manifest", documents=[doc])
    target = build_inventory([source], Config(), "0.15.3").target
    res = Resource(doc, (), "v1", "Service", "traefik", "apps", "apps", ".", doc.data)
    (request,) = requests_from_service(res, target, {"INGRESS_IP": "192.168.1.244"})
    assert [(ip.text, ip.parsed is not None, ip.unresolved) for ip in request.requested_ips] == [
        ("192.168.1.244", True, False)
    ]
    assert request.pool is not None and request.pool.value == "default"
    assert request.sharing_key is not None and request.sharing_key.value == "${SHARE}"
    (plain,) = requests_from_service(res, target)
    assert [(ip.text, ip.unresolved) for ip in plain.requested_ips] == [("${INGRESS_IP}", True)]


def test_ipv4_mapped_ipv6_is_read_as_ipv4(repo: Path) -> None:
    """Go's net.ParseIP reads ::ffff:a.b.c.d as an IPv4 address, and so does MetalLB."""
    text = service("web", {"metallb.io/loadBalancerIPs": "::ffff:192.168.1.241"})
    write(repo, {**chart("0.15.3"), "apps/web.yaml": text})
    assert lint(repo, "--select", "ML401,ML405") == []


# -- per rule details ------------------------------------------------------------------------


def test_ml402_leaves_an_address_in_no_pool_to_ml401(repo: Path) -> None:
    text = service(
        "web", {"metallb.io/address-pool": "lab", "metallb.io/loadBalancerIPs": "192.168.9.9"}
    )
    write(repo, {**chart("0.15.3"), "apps/web.yaml": text})
    assert lint(repo, "--select", "ML401,ML402") == [
        ("ML401", "apps/web.yaml", at(text, "loadBalancerIPs"))
    ]


def test_ml402_silent_when_requested_pool_is_unresolved(repo: Path) -> None:
    pools = (
        POOLS
        + "---\n"
        + POOLS.split("---\n")[1]
        .replace("name: lab", "name: dmz")
        .replace("10.20.0.0/24", "${DMZ_RANGE}")
    )
    text = service(
        "web", {"metallb.io/address-pool": "dmz", "metallb.io/loadBalancerIPs": "192.168.1.241"}
    )
    write(repo, {**chart("0.15.3"), POOLS_FILE: pools, "apps/web.yaml": text})
    assert lint(repo, "--select", "ML401,ML402,ML403") == []


def test_ml403_empty_value_and_placeholder_are_no_pool_request(repo: Path) -> None:
    files = {
        **chart("0.15.3"),
        "apps/a.yaml": service("a", {"metallb.io/address-pool": '""'}),
        "apps/b.yaml": service("b", {"metallb.io/address-pool": "${POOL}"}),
        "apps/c.yaml": service("c", {"metallb.io/address-pool": "Default"}),
    }
    write(repo, files)
    result = lint_full(repo, "--select", "ML403")
    assert [(f["path"], f["line"]) for f in result] == [("apps/c.yaml", 7)]
    assert "Did you mean 'default'?" in result[0]["message"]


def test_ml405_one_finding_per_request_in_metallb_order(repo: Path) -> None:
    both = service(
        "both",
        {"metallb.io/loadBalancerIPs": "not-an-ip,192.168.1.1,192.168.1.2"},
        "  loadBalancerIP: 192.168.1.241\n",
    )
    many = service("many", {"metallb.io/loadBalancerIPs": "bad,192.168.1.1,192.168.1.2"})
    write(repo, {**chart("0.15.3"), "apps/both.yaml": both, "apps/many.yaml": many})
    result = lint_full(repo, "--select", "ML405")
    assert [(f["path"], f["line"]) for f in result] == [
        ("apps/both.yaml", at(both, "metallb.io/")),
        ("apps/many.yaml", at(many, "metallb.io/")),
    ]
    assert "can not have both" in result[0]["message"]
    assert [(r["path"], r["line"]) for r in result[0]["related"]] == [
        ("apps/both.yaml", at(both, "  loadBalancerIP:"))
    ]
    assert "'bad'" in result[1]["message"]


def test_ml405_and_ml406_leave_other_load_balancers_alone(repo: Path) -> None:
    text = service(
        "vip",
        {"kube-vip.io/loadbalancerIPs": "192.168.1.10"},
        "  loadBalancerClass: kube-vip.io/kube-vip-class\n  loadBalancerIP: 192.168.1.10/32\n",
    )
    write(repo, {**chart("0.15.3"), "apps/vip.yaml": text})
    assert lint(repo, "--select", "ML405,ML406,ML410") == []


def test_ml410_configured_class_and_service_without_class(repo: Path) -> None:
    values = "metallb:\n  loadBalancerClass: metallb\n"
    text = service("web", {"metallb.io/loadBalancerIPs": "192.168.1.241"})
    classed = service(
        "api", {"metallb.io/loadBalancerIPs": "192.168.1.242"}, "  loadBalancerClass: metallb\n"
    )
    write(repo, {**chart("0.15.3", values), "apps/web.yaml": text, "apps/api.yaml": classed})
    assert lint(repo, "--select", "ML410") == [("ML410", "apps/web.yaml", at(text, "name: web"))]


def test_ml410_default_configuration_ignores_any_class(repo: Path) -> None:
    text = service(
        "web", {"metallb.io/loadBalancerIPs": "192.168.1.241"}, "  loadBalancerClass: metallb\n"
    )
    write(repo, {**chart("0.15.3"), "apps/web.yaml": text})
    assert lint(repo, "--select", "ML410,ML401,ML405") == [
        ("ML410", "apps/web.yaml", at(text, "loadBalancerClass"))
    ]


def test_ml404_copies_in_other_units_need_the_same_namespace(repo: Path) -> None:
    a = service("web", {"metallb.io/loadBalancerIPs": "192.168.1.241"}, namespace="blog")
    b = service("web", {"metallb.io/loadBalancerIPs": "192.168.1.241"}, namespace="shop")
    c = service("web", {"metallb.io/loadBalancerIPs": "192.168.1.242"}, namespace="shop")
    kustomization = "resources:\n  - web.yaml\n"
    write(
        repo,
        {
            **chart("0.15.3"),
            "blog/web.yaml": a,
            "shop/web.yaml": b,
            "clusters/prod/web.yaml": c,
            "clusters/prod/kustomization.yaml": kustomization,
            "clusters/staging/web.yaml": c,
            "clusters/staging/kustomization.yaml": kustomization,
        },
    )
    assert lint(repo, "--select", "ML404") == [("ML404", "shop/web.yaml", at(b, "loadBalancerIPs"))]


def test_ml404_local_without_selector_shares_like_cluster(repo: Path) -> None:
    """MetalLB's backend key is the selector string for Local, "" for Cluster."""
    key = {"metallb.io/loadBalancerIPs": "192.168.1.241", "metallb.io/allow-shared-ip": "k"}
    a = service("a", key, "  externalTrafficPolicy: Local\n").replace(
        "  selector:\n    app: a\n", ""
    )
    b = service("b", key, ports="    - port: 81\n")
    write(repo, {**chart("0.15.3"), "apps/a.yaml": a, "apps/b.yaml": b})
    assert lint(repo, "--select", "ML404") == []


def test_ml412_external_ip_equal_to_requested_ip_is_announced(repo: Path) -> None:
    text = service(
        "web",
        {"metallb.io/loadBalancerIPs": "192.168.1.241"},
        "  externalIPs:\n    - 192.168.1.241\n    - 192.168.1.20\n",
    )
    write(repo, {**chart("0.15.3"), "apps/web.yaml": text})
    assert lint(repo, "--select", "ML412") == [("ML412", "apps/web.yaml", at(text, ".1.20"))]


def test_ml412_externalips_in_values_but_not_the_requested_ip_or_an_unknown_one(
    repo: Path,
) -> None:
    """Chart values describe Services too: a load balancer block that lists externalIPs is
    judged like a Service, except an externalIP that is (or may be) the requested address."""
    values = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: media
  namespace: media
spec:
  chart:
    spec:
      chart: media
  values:
    service:
      type: LoadBalancer
      externalIPs:
        - 192.168.1.30
    second:
      type: LoadBalancer
      loadBalancerIP: ${MEDIA_IP}
      externalIPs:
        - ${MEDIA_IP}
"""
    write(repo, {**chart("0.15.3"), "apps/media.yaml": values})
    assert lint(repo, "--select", "ML412") == [("ML412", "apps/media.yaml", 14)]


@pytest.mark.parametrize(
    ("release", "advice"),
    [
        ("0.9.5", "Request it with spec.loadBalancerIP instead (MetalLB 0.9.5 reads no"),
        ("0.13.12", "Request it with the metallb.universe.tf/loadBalancerIPs annotation"),
        ("0.15.3", "Request it with the metallb.io/loadBalancerIPs annotation"),
        (None, "Request it with the metallb.universe.tf/loadBalancerIPs annotation"),
    ],
)
def test_ml412_advice_is_what_the_release_reads(
    repo: Path, release: str | None, advice: str
) -> None:
    """The fix ML412 names must work on the release the repository runs, and on any release
    when none is named (benchmarks/realworld: advice that broke a 0.9.5 install)."""
    text = service("web", {}, "  externalIPs:\n    - 192.168.1.20\n")
    files = {"apps/web.yaml": text}
    if release:
        files.update(chart(release))
    write(repo, files)
    [finding] = [f for f in lint_full(repo, "--select", "ML412")]
    assert advice in finding["message"]


def test_values_service_type_written_as_service_type(repo: Path) -> None:
    """Some charts take the Service's type as `serviceType`, beside the `service:` block
    (CoreDNS) or beside the Service's other keys (`minecraftProxy.serviceType`); a ClusterIP
    one asks MetalLB for nothing (benchmarks/realworld: a CoreDNS externalIP never announced)."""
    values = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: dns
  namespace: network
spec:
  chart:
    spec:
      chart: coredns
  values:
    serviceType: LoadBalancer
    service:
      externalIPs:
        - 192.168.1.53
    proxy:
      serviceType: ClusterIP
      loadBalancerIP: 192.168.9.9
    game:
      serviceType: LoadBalancer
      loadBalancerIP: 192.168.9.8
"""
    write(repo, {**chart("0.15.3"), "apps/dns.yaml": values, POOLS_FILE: POOLS})
    assert lint(repo, "--select", "ML412,ML401") == [
        ("ML412", "apps/dns.yaml", at(values, "192.168.1.53")),
        ("ML401", "apps/dns.yaml", at(values, "192.168.9.8")),
    ]


CALICO = """\
apiVersion: crd.projectcalico.org/v1
kind: BGPConfiguration
metadata:
  name: default
spec:
  serviceExternalIPs:
    - cidr: {cidr}
"""


def test_ml412_externalips_that_calico_announces(repo: Path) -> None:
    """Calico announces the externalIPs its BGPConfiguration lists (benchmarks/realworld:
    Services of a Calico BGP homelab): inside its cidrs nothing is wrong; outside them, ML412."""
    text = service("web", {}, "  externalIPs:\n    - 10.40.80.12\n    - 10.40.99.1\n")
    write(
        repo,
        {
            **chart("0.15.3"),
            "apps/web.yaml": text,
            "network/calico.yaml": CALICO.format(cidr="10.40.80.0/24"),
        },
    )
    assert lint(repo, "--select", "ML412,ML004") == [
        ("ML412", "apps/web.yaml", at(text, "10.40.99.1"))
    ]


def test_ml412_calico_in_a_jinja_template_with_a_templated_range(repo: Path) -> None:
    """An Ansible role writes Calico's BGPConfiguration from a Jinja template whose cidr is a
    variable: which externalIPs it covers is unknown, so they are not judged, and ML004 says
    so. The template is read for this only: nothing in it is linted."""
    text = service("web", {}, "  externalIPs:\n    - 10.40.80.12\n")
    template = CALICO.format(cidr="{{ calico.external_ips }}") + "  asNumber: {{ as }}\n"
    write(
        repo,
        {
            **chart("0.15.3"),
            "apps/web.yaml": text,
            "ansible/roles/k3s/templates/calico-bgp.yaml.j2": template,
        },
    )
    result = lint_json(".", "--select", "ML412,ML004", cwd=repo)
    assert findings(result) == [("ML004", "apps/web.yaml", at(text, "10.40.80.12"))]
    message = result.json["findings"][0]["message"]
    assert "ansible/roles/k3s/templates/calico-bgp.yaml.j2:6" in message
    # a literal cidr in the template is a known range again
    write(
        repo, {"ansible/roles/k3s/templates/calico-bgp.yaml.j2": CALICO.format(cidr="10.1.0.0/16")}
    )
    assert lint(repo, "--select", "ML412,ML004") == [
        ("ML412", "apps/web.yaml", at(text, "10.40.80.12"))
    ]


def test_ml412_cilium_bgp_advertisement_of_external_ips(repo: Path) -> None:
    text = service("web", {}, "  externalIPs:\n    - 10.40.80.12\n")
    cilium = """\
apiVersion: cilium.io/v2alpha1
kind: CiliumBGPAdvertisement
metadata:
  name: services
spec:
  advertisements:
    - advertisementType: Service
      service:
        addresses: [{kinds}]
      selector:
        matchLabels: {{announce: bgp}}
"""
    write(
        repo,
        {
            **chart("0.15.3"),
            "apps/web.yaml": text,
            "network/cilium.yaml": cilium.format(kinds="LoadBalancerIP"),
        },
    )
    assert lint(repo, "--select", "ML412,ML004") == [
        ("ML412", "apps/web.yaml", at(text, "10.40.80.12"))
    ]
    write(repo, {"network/cilium.yaml": cilium.format(kinds="LoadBalancerIP, ExternalIP")})
    assert lint(repo, "--select", "ML412,ML004") == [
        ("ML004", "apps/web.yaml", at(text, "10.40.80.12"))
    ]


RAW_RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: extra-services
  namespace: flux-system
spec:
  targetNamespace: home
  chart:
    spec:
      chart: raw
      version: 2.0.0
  values:
    resources:
      - apiVersion: v1
        kind: Service
        metadata:
          name: mqtt
          annotations:
            metallb.io/loadBalancerIPs: 192.168.1.100
        spec:
          type: LoadBalancer
          selector:
            app: mosquitto
          ports:
            - port: 1883
      - apiVersion: v1
        kind: Service
        metadata:
          name: mqtt-internal
          annotations:
            metallb.io/address-pool: default
        spec:
          type: ClusterIP
          selector:
            app: mosquitto
          ports:
            - port: 1883
"""


def test_service_manifests_inside_chart_values(repo: Path) -> None:
    """A generic "raw" chart's resources: whole Services, judged as Services."""
    write(repo, {**chart("0.15.3"), "flux/raw.yaml": RAW_RELEASE})
    result = lint_full(repo, "--select", "ML401,ML409")
    assert [(f["rule"], f["path"], f["line"]) for f in result] == [
        ("ML401", "flux/raw.yaml", at(RAW_RELEASE, "loadBalancerIPs")),
        ("ML409", "flux/raw.yaml", at(RAW_RELEASE, "address-pool")),
    ]
    assert result[0]["resource"] == {
        "apiVersion": "v1",
        "kind": "Service",
        "namespace": "home",
        "name": "mqtt",
    }


def test_traefik_spec_block_is_one_request(repo: Path) -> None:
    """Traefik's chart takes Service fields under `service.spec`, annotations beside it."""
    values = """\
traefik:
  service:
    annotations:
      metallb.io/allow-shared-ip: ingress
    spec:
      externalTrafficPolicy: Local
      loadBalancerIP: 192.168.1.241
"""
    other = service(
        "gitea-ssh",
        {"metallb.io/loadBalancerIPs": "192.168.1.241", "metallb.io/allow-shared-ip": "ingress"},
        ports="    - port: 22\n",
    )
    chart_yaml = """\
apiVersion: v2
name: traefik
version: 1.0.0
dependencies:
  - name: traefik
    version: 33.2.1
    repository: https://traefik.github.io/charts
"""
    write(
        repo,
        {
            **chart("0.15.3"),
            "apps/gitea.yaml": other,
            "traefik/Chart.yaml": chart_yaml,
            "traefik/values.yaml": values,
        },
    )
    result = lint_full(repo, "--select", "ML401,ML404")
    assert [(f["rule"], f["path"], f["line"]) for f in result] == [
        ("ML404", "traefik/values.yaml", at(values, "loadBalancerIP"))
    ]
    assert "Local" in result[0]["message"]


def test_ml404_dual_stack_pair_conflicts_once(repo: Path) -> None:
    pools = POOLS.replace("    - 10.20.0.0/24\n", "    - 10.20.0.0/24\n    - fd00:20::/120\n")
    ips = {"metallb.io/loadBalancerIPs": "10.20.0.10,fd00:20::10"}
    dual = "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n"
    a, b = service("a", ips, dual), service("b", ips, dual)
    write(repo, {**chart("0.15.3"), POOLS_FILE: pools, "apps/a.yaml": a, "apps/b.yaml": b})
    assert lint(repo, "--select", "ML404") == [("ML404", "apps/b.yaml", at(b, "loadBalancerIPs"))]


# -- ML407: serviceAllocation (facts §3.1 rules 10-13, §5.2) ------------------------------------

RESERVED = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: media
  namespace: metallb-system
spec:
  addresses:
    - 192.168.1.230-192.168.1.239
  serviceAllocation:
    namespaces: [media]
    serviceSelectors:
      - matchLabels:
          tier: frontend
"""


def test_ml407_names_the_condition_that_fails(repo: Path) -> None:
    other_ns = service("a", {"metallb.io/loadBalancerIPs": "192.168.1.231"}, namespace="home")
    labelled = service("b", {"metallb.io/address-pool": "media"}, namespace="media").replace(
        "  name: b\n", "  name: b\n  labels:\n    tier: backend\n"
    )
    write(
        repo,
        {
            **chart("0.15.3"),
            "metallb-system/templates/media.yaml": RESERVED,
            "apps/a.yaml": other_ns,
            "apps/b.yaml": labelled,
        },
    )
    found = lint_full(repo, "--select", "ML407")
    assert [(f["path"], f["line"]) for f in found] == [
        ("apps/a.yaml", at(other_ns, "loadBalancerIPs")),
        ("apps/b.yaml", at(labelled, "address-pool")),
    ]
    assert "namespaces media, and the Service is in namespace 'home'" in found[0]["message"]
    assert "labels (tier=backend) match none" in found[1]["message"]
    for finding in found:
        assert finding["related"] == [
            {
                "path": "metallb-system/templates/media.yaml",
                "line": 9,
                "message": "serviceAllocation of pool 'media'",
            }
        ]


def test_ml407_unknown_namespace_or_labels_and_old_releases(repo: Path) -> None:
    no_namespace = service("a", {"metallb.io/loadBalancerIPs": "192.168.1.231"}).replace(
        "  namespace: apps\n", ""
    )
    namespaces_only = RESERVED.split("    serviceSelectors:")[0]
    files = {
        **chart("0.15.3"),
        "metallb-system/templates/media.yaml": namespaces_only,
        "apps/a.yaml": no_namespace,
        "apps/values.yaml": "service:\n  type: LoadBalancer\n  loadBalancerIP: 192.168.1.232\n",
        "apps/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
    }
    write(repo, files)
    assert lint(repo, "--select", "ML407") == []
    write(repo, {"apps/a.yaml": no_namespace.replace("  name: a\n", "  name: a\n  namespace: x\n")})
    assert len(lint(repo, "--select", "ML407")) == 1
    assert lint(repo, "--select", "ML407", "--metallb-version", "0.13.8") == []
    # the namespace is unknown again, but labels alone can refuse it (both must pass)
    write(repo, {"metallb-system/templates/media.yaml": RESERVED, "apps/a.yaml": no_namespace})
    assert lint(repo, "--select", "ML407") == [("ML407", "apps/a.yaml", 6)]


def test_ml407_skips_an_address_outside_the_requested_pool(repo: Path) -> None:
    request = service(
        "a",
        {"metallb.io/loadBalancerIPs": "192.168.1.231", "metallb.io/address-pool": "default"},
        namespace="home",
    )
    write(
        repo,
        {**chart("0.15.3"), "metallb-system/templates/media.yaml": RESERVED, "a.yaml": request},
    )
    assert lint(repo, "--select", "ML402,ML407") == [("ML402", "a.yaml", at(request, "IPs"))]


# -- ML408: IP families (facts §5.6) -------------------------------------------------------------

V6_POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: v6
  namespace: metallb-system
spec:
  addresses:
    - fd00::/120
"""


def test_ml408_single_stack_service_with_a_pair(repo: Path) -> None:
    pair = {"metallb.io/loadBalancerIPs": "192.168.1.241,fd00::1"}
    single = service("a", pair)
    dual = service("b", pair, spec="  ipFamilyPolicy: RequireDualStack\n")
    write(
        repo,
        {
            **chart("0.15.3"),
            "metallb-system/templates/v6.yaml": V6_POOL,
            "a.yaml": single,
            "b.yaml": dual,
        },
    )
    found = lint_full(repo, "--select", "ML408")
    assert [(f["path"], f["line"]) for f in found] == [
        ("a.yaml", at(single, "loadBalancerIPs")),
        ("b.yaml", at(dual, "loadBalancerIPs")),
    ]
    assert "ipFamilyPolicy unset, so SingleStack" in found[0]["message"]
    assert "pool 'default'" in found[1]["message"] and "pool 'v6'" in found[1]["message"]
    assert [r["line"] for r in found[1]["related"]] == [DEFAULT_ENTRY_LINE, 8]


def test_ml408_one_address_for_a_dual_stack_or_other_family_service(repo: Path) -> None:
    dual = service(
        "a", spec="  ipFamilyPolicy: RequireDualStack\n  loadBalancerIP: 192.168.1.241\n"
    )
    v6 = service(
        "b",
        {"metallb.io/loadBalancerIPs": "192.168.1.242"},
        spec="  ipFamilies: [IPv6]\n",
    )
    prefer = service(
        "c",
        {"metallb.io/loadBalancerIPs": "192.168.1.243"},
        spec="  ipFamilyPolicy: PreferDualStack\n",
    )
    unset = service("d", {"metallb.io/loadBalancerIPs": "fd00::5"})
    write(
        repo,
        {
            **chart("0.15.3"),
            "metallb-system/templates/v6.yaml": V6_POOL,
            "a.yaml": dual,
            "b.yaml": v6,
            "c.yaml": prefer,
            "d.yaml": unset,
        },
    )
    assert lint(repo, "--select", "ML408") == [
        ("ML408", "a.yaml", at(dual, "loadBalancerIP:")),
        ("ML408", "b.yaml", at(v6, "loadBalancerIPs")),
    ]


def test_ml408_no_pool_holds_what_the_service_needs(repo: Path) -> None:
    dual = service("a", spec="  ipFamilyPolicy: RequireDualStack\n")
    v6 = service("b", spec="  ipFamilies: [IPv6]\n")
    write(repo, {**chart("0.15.3"), "a.yaml": dual, "b.yaml": v6})
    found = lint_full(repo, "--select", "ML408")
    assert [(f["path"], f["line"]) for f in found] == [("a.yaml", 4), ("b.yaml", 4)]
    assert "holds both IPv4 and IPv6" in found[0]["message"]
    assert [r["message"] for r in found[0]["related"]] == [
        "pool 'default' is 192.168.1.240-192.168.1.250",
        "pool 'lab' is 10.20.0.0/24",
    ]
    write(repo, {"metallb-system/templates/v6.yaml": V6_POOL})
    assert lint(repo, "--select", "ML408") == [("ML408", "a.yaml", 4)]
    dual_pool = V6_POOL.replace("    - fd00::/120\n", "    - fd00::/120\n    - 10.9.0.0/29\n")
    write(repo, {"metallb-system/templates/v6.yaml": dual_pool})
    assert lint(repo, "--select", "ML408") == []


def test_ml408_candidates_follow_service_allocation(repo: Path) -> None:
    reserved = V6_POOL + "  serviceAllocation:\n    namespaces: [ipv6-lab]\n"
    v6 = service("b", spec="  ipFamilies: [IPv6]\n")
    write(repo, {**chart("0.15.3"), "metallb-system/templates/v6.yaml": reserved, "b.yaml": v6})
    assert lint(repo, "--select", "ML408") == [("ML408", "b.yaml", 4)]
    write(repo, {"b.yaml": v6.replace("namespace: apps", "namespace: ipv6-lab")})
    assert lint(repo, "--select", "ML408") == []


def test_ml408_two_families_without_a_policy_are_not_judged(repo: Path) -> None:
    """Kubernetes 1.21-1.22 default such a Service to RequireDualStack, 1.23+ refuse it."""
    pair = service(
        "a",
        {"metallb.io/loadBalancerIPs": "192.168.1.241,fd00::2"},
        spec="  ipFamilies: [IPv4, IPv6]\n",
    )
    one = service(
        "b", {"metallb.io/loadBalancerIPs": "192.168.1.242"}, spec="  ipFamilies: [IPv6, IPv4]\n"
    )
    write(repo, {**chart("0.15.3"), "a.yaml": pair, "b.yaml": one})
    assert lint(repo, "--select", "ML408") == []


def test_metallb_installed_here_with_no_pool_at_all(repo: Path) -> None:
    """Issue 16 item 9: the repository installs MetalLB of a known release and gives it no
    pool: each requested address gets a warning (the pools may be applied from elsewhere).
    Not when nothing pins MetalLB, when a pool is templated, or when a legacy configuration
    holds the pools (the release that runs may be older than the pin)."""
    chart = (
        "apiVersion: v2\nname: metallb-system\nversion: 1.0.0\ndependencies:\n"
        "  - name: metallb\n    version: 0.15.3\n    repository: https://metallb.github.io/metallb\n"
    )
    svc = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: apps\n"
        "  annotations:\n    metallb.io/loadBalancerIPs: 192.168.1.10\n"
        "spec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n"
    )
    write(repo, {"apps/svc.yaml": svc})
    assert findings(lint_json("--select", "ML401", ".", cwd=repo)) == []  # nothing installs it
    write(repo, {"metallb/Chart.yaml": chart})
    result = lint_json("--select", "ML401", "--exit-zero", ".", cwd=repo)
    assert [(f["rule"], f["severity"], f["path"], f["line"]) for f in result.json["findings"]] == [
        ("ML401", "warning", "apps/svc.yaml", 7)
    ]
    found = result.json["findings"][0]
    assert "installs MetalLB 0.15.3 and gives it no IPAddressPool" in found["message"]
    assert found["related"][0]["path"] == "metallb/Chart.yaml"
    templated = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
        "  namespace: metallb-system\nspec:\n  addresses:\n"
        "    - {{ .Values.range }}\n"
    )
    write(repo, {"metallb/templates/pool.yaml": templated})
    assert findings(lint_json("--select", "ML401", ".", cwd=repo)) == []
    (repo / "metallb/templates/pool.yaml").unlink()
    legacy = "metallb:\n  configInline:\n    address-pools:\n      - name: lan\n"
    write(repo, {"metallb/values.yaml": legacy + "        protocol: layer2\n"})
    assert findings(lint_json("--select", "ML401", ".", cwd=repo)) == []


# -- ML401 before 0.13: the legacy configuration's pools ----------------------------------------

LEGACY_CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata: {{name: config, namespace: metallb-system}}
data:
  config: |
    address-pools:
      - name: default
        protocol: layer2
        addresses: [{addresses}]
"""


@pytest.mark.parametrize(
    ("addresses", "ip", "expected"),
    [
        ("10.12.0.32/27", "10.12.0.40", []),
        ("10.12.0.32/27", "10.12.0.23", [("ML401", "svc.yaml", 8)]),
        ("10.12.0.32/27, 10.12.0.10-10.12.0.30", "10.12.0.23", []),
        ("'${LB_RANGE}'", "10.12.0.23", []),  # a placeholder: the pools are unknown
    ],
)
def test_legacy_pools_before_0_13(repo: Path, addresses: str, ip: str, expected: list) -> None:
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: cam\n  namespace: cctv\n"
        f"spec:\n  type: LoadBalancer\n  loadBalancerIP: {ip}\n"
    )
    write(repo, {"config.yaml": LEGACY_CONFIG.format(addresses=addresses), "svc.yaml": service})
    result = lint_json("--metallb-version", "0.12.1", "--select", "ML401", ".", cwd=repo)
    assert findings(result) == expected


# -- ML408: PreferDualStack before 0.14.9 ---------------------------------------------------------

PREFER = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {{name: lan, namespace: metallb-system}}
spec: {{addresses: [10.0.0.0/28, "fd00::/120"]}}
---
apiVersion: v1
kind: Service
metadata:
  name: mqtt
  annotations:
    metallb.universe.tf/loadBalancerIPs: {ips}
spec:
  type: LoadBalancer
  ipFamilyPolicy: PreferDualStack
  ipFamilies: {families}
"""


@pytest.mark.parametrize(
    ("version", "ips", "families", "expected"),
    [
        ("0.13.7", "10.0.0.5", "[IPv4, IPv6]", [("ML408", "svc.yaml", 11)]),
        ("0.14.9", "10.0.0.5", "[IPv4, IPv6]", []),  # handled from 0.14.9
        ("0.13.7", "10.0.0.5", "[IPv4]", []),  # one family: one clusterIP
        ("0.13.7", "'10.0.0.5,fd00::5'", "[IPv4, IPv6]", []),  # a pair for the pair
    ],
)
def test_prefer_dual_stack_before_0_14_9(
    repo: Path, version: str, ips: str, families: str, expected: list
) -> None:
    write(repo, {"svc.yaml": PREFER.format(ips=ips, families=families)})
    result = lint_json("--metallb-version", version, "--select", "ML408", ".", cwd=repo)
    assert findings(result) == expected


def test_an_operators_service_template_without_name_or_type(repo: Path) -> None:
    """A template an operator completes: no type is the operator's to set (read as a load
    balancer, no ML409), no name is named by where it is written; a pool annotation that is not
    a string is judged, not a crash."""
    cluster = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: metallb-system}
spec: {addresses: [10.0.0.0/28]}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg, namespace: db}
spec:
  managed:
    serviceTemplate:
      metadata:
        annotations:
          metallb.io/address-pool: {not: a string}
      spec:
        loadBalancerIP: 10.9.9.9
"""
    write(repo, {"pg.yaml": cluster})
    result = lint_json("--metallb-version", "0.16.1", "--select", "ML4", ".", cwd=repo)
    found = [(f["rule"], f["line"]) for f in result.json["findings"]]
    assert ("ML409", 16) not in found and ("ML401", 16) in found
    labels = {f["message"].split(" requests")[0] for f in result.json["findings"]}
    assert "the Service of 'managed.serviceTemplate' of Cluster db/pg" in labels
