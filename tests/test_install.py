"""ML501-ML505, ML512, ML513: install sites, pins, the release table, and what to move to."""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint.catalog import catalog
from metallb_lint.checks.install import path_problem, upgrade_advice
from metallb_lint.metallb.versions import (
    CHART_VERSIONS,
    NEWEST,
    RELEASE_TABLE,
    newest_patch,
    resolve_constraint,
    v,
)
from tests.conftest import findings, lint_json, run_cli, write
from tests.manifests import lint_selected, messages

CHART = """\
apiVersion: v2
name: networking
version: 1.0.0
dependencies:
  - name: metallb
    version: {version}
    repository: {repo}
"""
LOCK = """\
dependencies:
- name: metallb
  repository: https://metallb.github.io/metallb
  version: {version}
digest: sha256:0000
generated: "2025-01-01T00:00:00Z"
"""
OFFICIAL = "https://metallb.github.io/metallb"


# -- the release table and constraints -------------------------------------------------------


def test_release_table_knows_chart_availability_and_security_fixes() -> None:
    by_version = {str(r.version): r for r in RELEASE_TABLE}
    assert not by_version["0.14.0"].chart and not by_version["0.13.8"].chart
    assert by_version["0.14.2"].chart and v("0.14.1") not in CHART_VERSIONS
    assert "CVE-2025-22874" in (by_version["0.15.3"].security or "")
    assert "FRR-K8s" in (by_version["0.16.0"].removal or "")
    assert newest_patch(v("0.14.3")) == v("0.14.9")
    assert newest_patch(v("0.13.1")) == v("0.13.12")
    assert v("0.16.1") == NEWEST


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("^0.14", "0.14.9"),
        ("~0.14.0", "0.14.9"),
        (">=0.13", "0.16.1"),
        ("0.14.x", "0.14.9"),
        ("0.13.*", "0.13.12"),
        ("*", "0.16.1"),
        ("0.14", "0.14.9"),
        (">=0.13, <0.15", "0.14.9"),
        (">= 0.14.0 < 0.15.0", "0.14.9"),
        ("<0.14.4", "0.14.3"),
        ("0.12 - 0.13.3", "0.13.3"),
        ("~0.14.0 || ~0.15.0", "0.15.3"),
        ("<0.14.2, >0.13.12", None),  # 0.14.0 and 0.14.1 have no chart
        ("^1.0", None),
    ],
)
def test_constraints_resolve_like_helm(text: str, resolved: str | None) -> None:
    result = resolve_constraint(text)
    assert (str(result) if result else None) == resolved


# -- ML501 -------------------------------------------------------------------------------------


def test_ml501_names_the_version_the_range_resolves_to(repo: Path) -> None:
    write(repo, {"net/Chart.yaml": CHART.format(version="^0.14", repo=OFFICIAL)})
    result = lint_selected(repo, "ML501")
    assert findings(result) == [("ML501", "net/Chart.yaml", 6)]
    [message] = messages(result)
    assert "`^0.14` is a range" in message and "today it resolves to 0.14.9" in message
    assert "pin `version: 0.14.9`" in message


def test_ml501_missing_version_and_head(repo: Path) -> None:
    write(
        repo,
        {
            "argo.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: metallb
spec:
  source:
    repoURL: https://metallb.github.io/metallb
    chart: metallb
    targetRevision: HEAD
  destination:
    namespace: metallb-system
""",
            "helmfile.yaml": """\
repositories:
  - name: metallb
    url: https://metallb.github.io/metallb
releases:
  - name: metallb
    chart: metallb/metallb
""",
        },
    )
    result = lint_selected(repo, "ML501")
    assert findings(result) == [("ML501", "argo.yaml", 9), ("ML501", "helmfile.yaml", 5)]
    argo, helmfile = messages(result)
    assert argo.startswith("Application metallb: targetRevision `HEAD` is not a chart version")
    assert "pin `targetRevision: 0.16.1`" in argo
    assert helmfile.startswith("helmfile release metallb: the metallb chart has no `version`")


def test_ml501_ignores_exact_pins_placeholders_and_third_party_charts(repo: Path) -> None:
    write(
        repo,
        {
            "a/Chart.yaml": CHART.format(version="0.14.9", repo=OFFICIAL),
            "b/Chart.yaml": CHART.format(version="^6.0", repo="oci://registry-1.docker.io/x"),
            "c/Chart.yaml": CHART.format(version="${METALLB_VERSION}", repo=OFFICIAL),
        },
    )
    assert findings(lint_selected(repo, "ML501")) == []


def test_applicationset_with_generated_revision_is_not_judged(repo: Path) -> None:
    write(
        repo,
        {
            "appset.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: metallb
spec:
  template:
    spec:
      source:
        repoURL: https://metallb.github.io/metallb
        chart: metallb
        targetRevision: "{{values.metallb}}"
""",
        },
    )
    assert findings(lint_selected(repo, "ML501", "ML504")) == []


def test_oci_repository_chart_ref_is_an_install_site(repo: Path) -> None:
    write(
        repo,
        {
            "flux.yaml": """\
apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
metadata:
  name: metallb
spec:
  url: oci://quay.io/metallb/chart/metallb
  ref:
    semver: ">=0.15.0"
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: metallb
spec:
  chartRef:
    kind: OCIRepository
    name: metallb
""",
        },
    )
    result = lint_selected(repo, "ML501")
    assert findings(result) == [("ML501", "flux.yaml", 8)]
    assert "today it resolves to 0.16.1" in messages(result)[0]


# -- ML502 -------------------------------------------------------------------------------------


def test_ml502_missing_lock_and_drift(repo: Path) -> None:
    """No lock beside a range is reported; no lock beside an exact pin is not (it builds the
    same release every time)."""
    write(
        repo,
        {
            "a/Chart.yaml": CHART.format(version="~0.14.0", repo=OFFICIAL),
            "pinned/Chart.yaml": CHART.format(version="0.14.9", repo=OFFICIAL),
            "b/Chart.yaml": CHART.format(version="0.14.9", repo=OFFICIAL),
            "b/Chart.lock": LOCK.format(version="0.14.8"),
            "c/Chart.yaml": CHART.format(version="0.14.9", repo=OFFICIAL),
            "c/Chart.lock": LOCK.format(version="0.14.9"),
        },
    )
    result = lint_selected(repo, "ML502")
    assert findings(result) == [("ML502", "a/Chart.yaml", 6), ("ML502", "b/Chart.lock", 4)]
    missing, drift = messages(result)
    assert missing.startswith("no Chart.lock next to this Chart.yaml")
    assert drift.startswith("Chart.lock pins metallb 0.14.8, but Chart.yaml asks for 0.14.9")
    assert result.json["findings"][1]["related"][0]["path"] == "b/Chart.yaml"


# -- ML503 -------------------------------------------------------------------------------------


def test_ml503_http_and_an_unknown_source_but_not_bitnami(repo: Path) -> None:
    """Bitnami's chart over https is a well-known publisher's own chart: not a trust problem
    (benchmarks/realworld judged those findings an opinion)."""
    write(
        repo,
        {
            "a/Chart.yaml": CHART.format(version="0.14.9", repo="http://metallb.github.io/metallb"),
            "b/kustomization.yaml": """\
helmCharts:
  - name: metallb
    repo: oci://registry-1.docker.io/bitnamicharts
    version: 6.4.0
""",
            "c/kustomization.yaml": """\
helmCharts:
  - name: metallb
    repo: https://charts.example.com/mirror
    version: 0.14.9
""",
        },
    )
    result = lint_selected(repo, "ML503", "ML501")
    assert findings(result) == [("ML503", "a/Chart.yaml", 7), ("ML503", "c/kustomization.yaml", 3)]
    http, mirror = messages(result)
    assert "plain http" in http
    assert "a chart named metallb from `https://charts.example.com/mirror`" in mirror


# -- ML504 -------------------------------------------------------------------------------------


def test_ml504_names_the_patch_and_the_newest_release(repo: Path) -> None:
    write(repo, {"a/Chart.yaml": CHART.format(version="0.14.3", repo=OFFICIAL)})
    result = lint_selected(repo, "ML504")
    assert findings(result) == [("ML504", "a/Chart.yaml", 6)]
    [message] = messages(result)
    assert message.startswith(
        "MetalLB 0.14.3 is outdated: move to 0.14.9, the newest 0.14 patch (bug fixes, same "
        "behaviour), or to the newest release 0.16.1."
    )
    assert "0.15.3: CVE-2025-22874" in message and "0.16.0: FRR-K8s" in message


@pytest.mark.parametrize(("chart", "reported"), [("0.13.2", True), ("0.13.3", False)])
def test_ml504_holds_back_for_a_chart_that_refuses_configinline(
    repo: Path, chart: str, reported: bool
) -> None:
    """From 0.13.3 the chart fails to render while configInline is set (ML105): that version
    never installs, so its age is no advice (benchmarks/realworld: a Renovate bump that failed
    and left 0.12.1 running). 0.13.2 installs and ignores it."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: metallb\n"
        "  namespace: metallb-system\nspec:\n  chart:\n    spec:\n      chart: metallb\n"
        f"      version: {chart}\n"
        "      sourceRef: {kind: HelmRepository, name: metallb}\n  values:\n"
        "    configInline:\n      address-pools: []\n"
    )
    write(repo, {"metallb/release.yaml": release})
    expected = [("ML504", "metallb/release.yaml", 10)] if reported else []
    expected.append(("ML105", "metallb/release.yaml", 13))
    assert findings(lint_selected(repo, "ML504", "ML105")) == expected


def test_flux_v1_helmrelease_is_an_install_site(repo: Path) -> None:
    """Flux v1's Helm Operator (`helm.fluxcd.io/v1`) names the chart's repository, name and
    version in `spec.chart`: its release is read like Flux v2's (benchmarks/realworld: Bitnami
    chart 0.1.12 of 2020, MetalLB 0.9.3), and its values are the chart's."""
    release = """\
apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: metallb
  namespace: metallb
spec:
  releaseName: metallb
  chart:
    repository: https://metallb.github.io/metallb
    name: metallb
    version: 0.13.7
  values:
    speakr:
      logLevel: debug
"""
    write(repo, {"metallb/release.yaml": release})
    result = lint_selected(repo, "ML504", "ML103")
    assert findings(result) == [
        ("ML504", "metallb/release.yaml", 11),
        ("ML103", "metallb/release.yaml", 13),
    ]
    assert messages(result)[0].startswith("MetalLB 0.13.7 is outdated: move to 0.13.12")
    bitnami = release.replace(
        "https://metallb.github.io/metallb", "https://charts.bitnami.com/bitnami"
    )
    write(repo, {"metallb/release.yaml": bitnami.replace("0.13.7", "0.1.12")})
    result = lint_selected(repo, "ML504")
    assert findings(result) == [("ML504", "metallb/release.yaml", 11)]
    assert "Bitnami chart 0.1.12): it runs MetalLB 0.9.3" in messages(result)[0]


def test_ml504_bitnami_chart_version_names_the_metallb_release_it_ships(repo: Path) -> None:
    """Bitnami's chart 6.4.0 ships MetalLB 0.14.8: outdated, and the advice says how far
    Bitnami's own chart goes and that it is no longer updated."""
    write(
        repo,
        {
            "b/kustomization.yaml": """\
helmCharts:
  - name: metallb
    repo: oci://registry-1.docker.io/bitnamicharts
    version: 6.4.0
"""
        },
    )
    result = lint_selected(repo, "ML504")
    assert findings(result) == [("ML504", "b/kustomization.yaml", 4)]
    [message] = messages(result)
    assert "(Bitnami chart 6.4.0): it runs MetalLB 0.14.8, which is outdated" in message
    assert "Bitnami's newest chart, 6.4.23, ships 0.15.2" in message
    assert result.json["target"]["metallb_version"] == "0.14.8"


def test_upgrade_advice_cases() -> None:
    assert upgrade_advice(v("0.16.1"), True) is None
    assert "last 0.14 release, but later releases fix vulnerabilities" in (
        upgrade_advice(v("0.14.9"), True) or ""
    )
    assert "no metallb chart 0.14.0 was published" in (upgrade_advice(v("0.14.0"), True) or "")
    assert "no metallb chart" not in (upgrade_advice(v("0.14.0"), False) or "")
    assert "not a release this tool knows" in (upgrade_advice(v("0.14.10"), True) or "")
    legacy = upgrade_advice(v("0.11.0"), False) or ""
    assert legacy.startswith("MetalLB 0.11.0 is the last 0.11 release, but later releases")
    assert "the ConfigMap configuration is no longer read" in legacy
    assert "move to 0.9.8, the newest 0.9 patch (security fixes)" in (
        upgrade_advice(v("0.9.5"), False) or ""
    )
    assert "no metallb chart 0.9.5 was published" in (upgrade_advice(v("0.9.5"), True) or "")


# -- ML505, ML512, ML513 -----------------------------------------------------------------------


def test_ml505_ml512_ml513_on_manifest_urls(repo: Path) -> None:
    write(
        repo,
        {
            "a/Chart.yaml": CHART.format(version="0.14.9", repo=OFFICIAL),
            "kustomization.yaml": """\
resources:
  - github.com/metallb/metallb/config/native?ref=main
  - https://raw.githubusercontent.com/metallb/metallb/v0.14.2/manifests/metallb.yaml
  - github.com/metallb/metallb/config/crd?ref=v0.14.9
""",
        },
    )
    result = lint_selected(repo, "ML505", "ML512", "ML513")
    assert findings(result) == [
        ("ML505", "kustomization.yaml", 2),
        ("ML512", "kustomization.yaml", 3),
        ("ML513", "kustomization.yaml", 3),
    ]
    unpinned, skew, broken = messages(result)
    assert "pulled from branch `main`" in unpinned and "?ref=v0.16.1" in unpinned
    assert "installs MetalLB 0.14.2, while chart networking" in skew
    assert broken.startswith("`manifests/metallb.yaml` does not exist in MetalLB 0.14.2")


@pytest.mark.parametrize(
    ("path", "version", "broken"),
    [
        ("manifests/metallb.yaml", "0.12.1", False),
        ("manifests/metallb-frr.yaml", "0.12.0", False),
        ("config/native", "0.12.1", True),
        ("manifests", "0.13.0", True),
        ("config/frr-k8s", "0.13.12", True),
        ("config/frr-k8s", "0.14.0", False),
        ("config/manifests/metallb-native-prometheus.yaml", "0.13.5", False),
        ("config/manifests/metallb-frr-k8s.yaml", "0.13.12", True),
        ("config/manifests/metallb.yaml", "0.16.1", True),
        ("config/crd", "0.16.1", False),  # not listed by the facts: not judged
    ],
)
def test_paths_per_release(path: str, version: str, broken: bool) -> None:
    assert (path_problem(path, v(version)) is not None) == broken


# -- explain -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", ["ML501", "ML502", "ML503", "ML504", "ML505", "ML512", "ML513"])
def test_explain(rule_id: str) -> None:
    info = catalog()[rule_id]
    result = run_cli("explain", rule_id)
    assert result.code == 0
    assert info.name in result.out and info.summary in result.out
    assert info.remediation.splitlines()[0] in result.out


# -- helm commands in shell scripts (gitops/scripts.py) -----------------------------------------

POOL_FILE = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: metallb-system}
spec: {addresses: [10.0.0.0/28]}
"""


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # an alias added in the script, pinned by a variable the script sets
        (
            "VERSION=${VERSION:-0.14.8}\nhelm repo add metallb https://metallb.github.io/metallb\n"
            'helm upgrade --install metallb metallb/metallb \\\n  --version "$VERSION" -n lb\n',
            [("ML504", "install.sh", 4)],
        ),
        # --repo and --version=, with the release read for the header
        (
            "helm install lb metallb --repo https://metallb.github.io/metallb --version=0.16.1\n",
            [],
        ),
        # no --version: unpinned, pointed at the chart
        (
            "helm repo add mlb https://metallb.github.io/metallb\n"
            "helm upgrade -i metallb mlb/metallb --wait # installs the newest\n",
            [("ML501", "install.sh", 2)],
        ),
        # a range
        (
            "helm install metallb oci://quay.io/metallb/chart/metallb --version '^0.14'\n",
            [("ML501", "install.sh", 1)],
        ),
        # a version the script does not set is Flux's or the caller's: not judged
        (
            "helm repo add metallb https://metallb.github.io/metallb\n"
            "helm install metallb metallb/metallb --version $METALLB_VERSION\n",
            [],
        ),
        # Bitnami's chart unpinned, through microk8s: its own message, no release offered
        (
            "microk8s helm upgrade --install metallb "
            "oci://registry-1.docker.io/bitnamicharts/metallb --namespace metallb\n",
            [("ML501", "install.sh", 1)],
        ),
        # an alias nobody added, another chart named metallb, a comment, an upgrade without
        # --install
        (
            "helm repo add example https://charts.example.org\n"
            "helm install metallb example/metallb\nhelm install metallb metallb/metallb\n"
            "# helm install metallb oci://quay.io/metallb/chart/metallb\n"
            "helm upgrade metallb oci://quay.io/metallb/chart/metallb\n",
            [],
        ),
    ],
)
def test_helm_commands_in_scripts(repo: Path, script: str, expected: list) -> None:
    write(repo, {"install.sh": script, "pool.yaml": POOL_FILE})
    result = lint_selected(repo, "ML501", "ML504")
    assert findings(result) == expected


def test_an_unpinned_bitnami_chart_says_what_it_is(repo: Path) -> None:
    write(
        repo,
        {
            "Chart.yaml": "apiVersion: v2\nname: lb\nversion: 1.0.0\ndependencies:\n"
            "  - name: metallb\n    version: ~4.1.0\n"
            "    repository: https://charts.bitnami.com/bitnami\n",
            "pool.yaml": POOL_FILE,
        },
    )
    [message] = messages(lint_selected(repo, "ML501"))
    assert "`~4.1.0` of Bitnami's metallb chart is not one chart version" in message
    assert "pin the exact chart version you run" in message


def test_a_helm_command_names_the_release(repo: Path) -> None:
    write(
        repo,
        {
            "install.sh": "helm install metallb oci://quay.io/metallb/chart/metallb "
            "--version 0.13.12 --namespace metallb-system\n",
            "pool.yaml": POOL_FILE,
        },
    )
    result = run_cli("--isolated", "-f", "json", "--exit-zero", ".", cwd=repo)
    assert result.json["target"]["metallb_version"] == "0.13.12"
    assert result.json["target"]["source"] == "install.sh"


# -- MetalLB's Git repository as a Flux source ---------------------------------------------------

GIT_SOURCE = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: metallb, namespace: flux-system}}
spec:
  url: https://github.com/metallb/metallb
  ref:
    {ref}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: metallb, namespace: flux-system}}
spec:
  sourceRef: {{kind: GitRepository, name: metallb}}
  path: {path}
"""


@pytest.mark.parametrize(
    ("ref", "path", "expected"),
    [
        ("tag: v0.14.8", "./config/native", [("ML504", "flux.yaml", 7)]),
        ("tag: 0.14.9", "./config/native", [("ML504", "flux.yaml", 7), ("ML513", "flux.yaml", 7)]),
        (
            "name: refs/tags/v0.14.9",
            "./manifests",
            [("ML504", "flux.yaml", 7), ("ML513", "flux.yaml", 14)],
        ),
        ("tag: v0.12.1", "./manifests", [("ML504", "flux.yaml", 7)]),
        ("semver: '>=0.14.0'", "./config/native", []),
        ("tag: v0.16.1", "./config/manifests", [("ML513", "flux.yaml", 14)]),
    ],
)
def test_a_flux_git_source_of_metallb(repo: Path, ref: str, path: str, expected: list) -> None:
    write(repo, {"flux.yaml": GIT_SOURCE.format(ref=ref, path=path), "pool.yaml": POOL_FILE})
    assert findings(lint_selected(repo, "ML504", "ML513")) == expected


def test_a_helm_command_values_file_names_the_release(repo: Path) -> None:
    """The values file a script passes (-f, from the repository's root) holds Bitnami's image
    tags: they name the release that runs."""
    values = (
        "controller:\n  image:\n    registry: docker.io\n"
        "    repository: bitnamilegacy/metallb-controller\n    tag: 0.14.8-debian-12-r1\n"
    )
    write(
        repo,
        {
            "metallb/install.sh": "helm upgrade --install metallb "
            "oci://registry-1.docker.io/bitnamicharts/metallb -f metallb/values.yml\n",
            "metallb/values.yml": values,
            "pool.yaml": POOL_FILE,
        },
    )
    result = run_cli("--isolated", "-f", "json", "--exit-zero", ".", cwd=repo)
    assert result.json["target"]["metallb_version"] == "0.14.8"
    assert ("ML504", "metallb/values.yml", 5) in findings(result)
    assert ("ML501", "metallb/install.sh", 1) in findings(result)


# -- Rancher Fleet bundles -----------------------------------------------------------------------

FLEET = """\
defaultNamespace: metallb-system
helm:
  repo: https://metallb.github.io/metallb
  chart: metallb
  version: {version}
  values:
    speaker:
      tolerateMasters: true
targetCustomizations:
  - name: edge
    clusterSelector: {{matchLabels: {{site: edge}}}}
    helm:
      version: 0.14.9
"""


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.16.1", [("ML103", "lb/fleet.yaml", 8), ("ML504", "lb/fleet.yaml", 13)]),
        (
            "'~0.16.0'",
            [
                ("ML501", "lb/fleet.yaml", 5),
                ("ML103", "lb/fleet.yaml", 8),
                ("ML504", "lb/fleet.yaml", 13),
            ],
        ),
    ],
)
def test_a_fleet_bundle_of_the_metallb_chart(repo: Path, version: str, expected: list) -> None:
    write(repo, {"lb/fleet.yaml": FLEET.format(version=version), "pool.yaml": POOL_FILE})
    found = findings(lint_selected(repo, "ML103", "ML501", "ML504"))
    assert found == expected


def test_an_unpinned_flux_git_source_says_how_to_pin_it(repo: Path) -> None:
    source = GIT_SOURCE.format(ref="branch: main", path="./config/native")
    write(repo, {"flux.yaml": source, "pool.yaml": POOL_FILE})
    [message] = messages(lint_selected(repo, "ML505"))
    assert "pulled from branch `main`" in message
    assert "set `spec.ref.tag: v" in message and "?ref=" not in message


@pytest.mark.parametrize(
    ("constraint", "releases"),
    [
        ("^1.0.0", {"0.9.5"}),
        ("~1.0", {"0.9.5"}),
        (">=2.0.0 <2.3.4", {"0.9.5"}),
        ("6.4.23", {"0.15.2"}),
        (">=6.4.14", {"0.15.0", "0.15.2"}),
        ("^0.1.10", {"0.9.3", "0.9.4", "0.9.5"}),
        ("~4.1.0", {"0.13.4", "0.13.5", "0.13.6", "0.13.7", "0.13.9"}),
        (">=9.0.0", None),
        ("not a range", None),
    ],
)
def test_the_releases_a_bitnami_range_may_bring(constraint: str, releases) -> None:
    from metallb_lint.metallb.bitnami import releases_admitted

    found = releases_admitted(constraint)
    assert (None if found is None else {str(r) for r in found}) == releases


def _controller(image: str, secret: str, args: str = "") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: controller, namespace: "
        "metallb-system}\nspec:\n  template:\n    spec:\n      containers:\n"
        f"        - name: controller\n          image: {image}\n"
        f"          args: [--port=7472{args}]\n"
        "          volumeMounts:\n            - name: cert\n"
        "              mountPath: /tmp/k8s-webhook-server/serving-certs\n"
        "      volumes:\n        - name: cert\n"
        f"          secret: {{secretName: {secret}}}\n"
    )


@pytest.mark.parametrize(
    ("image", "secret", "args", "reported"),
    [
        ("quay.io/metallb/controller:v0.14.4", "webhook-server-cert", "", True),
        ("quay.io/metallb/controller:v0.14.3", "metallb-webhook-cert", "", True),
        ("quay.io/metallb/controller:v0.14.3", "webhook-server-cert", "", False),
        ("quay.io/metallb/controller:v0.15.2", "metallb-webhook-cert", "", False),
        # the names passed as flags: nothing is defaulted
        (
            "quay.io/metallb/controller:v0.14.4",
            "webhook-server-cert",
            ", --webhook-secret=webhook-server-cert, --cert-service-name=webhook-service",
            False,
        ),
        # a Secret of another name: not one of MetalLB's layouts
        ("quay.io/metallb/controller:v0.14.4", "my-cert", "", False),
        # Bitnami's images come with Bitnami's own chart
        ("docker.io/bitnami/metallb-controller:0.14.4", "webhook-server-cert", "", False),
    ],
)
def test_ml512_a_manifest_of_one_release_with_the_controller_image_of_another(
    repo: Path, image: str, secret: str, args: str, reported: bool
) -> None:
    write(repo, {"metallb/controller.yaml": _controller(image, secret, args)})
    result = lint_json("--select", "ML512", cwd=repo)
    expected = [("ML512", "metallb/controller.yaml", 9)] if reported else []
    assert findings(result) == expected
    if reported:
        finding = result.json["findings"][0]
        assert finding["related"][0]["line"] == 16
        assert f"mounts '{secret}'" in finding["message"]


def test_ml512_webhook_check_reads_odd_volumes_without_failing(repo: Path) -> None:
    """Volumes that are not mappings, args that are not a list: read past, never a traceback."""
    body = _controller("quay.io/metallb/controller:v0.14.4", "webhook-server-cert")
    body = body.replace("      volumes:\n", "      volumes:\n        - just-a-name\n")
    body = body.replace("args: [--port=7472]", "args: --port=7472")
    write(repo, {"metallb/controller.yaml": body})
    result = lint_json("--select", "ML512", cwd=repo)
    assert result.code == 0, result.err  # a warning
    assert findings(result) == [("ML512", "metallb/controller.yaml", 9)]
