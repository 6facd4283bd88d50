"""Chart values the way Helm sees them (ML103, ML104 and the chart keys of ML105-ML107): merged
over the pinned chart release's defaults, under the umbrella's dependency name or alias, honouring
conditions, inline in Flux, Argo CD and kustomize, and never for a third-party chart."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from metallb_lint.model.chart_values import coalesce, vendored_chart
from tests.conftest import lint_json, write

OFFICIAL = "https://metallb.github.io/metallb"


def chart(
    version: str,
    *,
    alias: str | None = None,
    condition: str | None = None,
    repository: str = OFFICIAL,
) -> dict[str, str]:
    extra = (f"    alias: {alias}\n" if alias else "") + (
        f"    condition: {condition}\n" if condition else ""
    )
    return {
        "metallb-system/Chart.yaml": (
            "apiVersion: v2\nname: metallb-system\nversion: 1.0.0\ndependencies:\n"
            f"  - name: metallb\n    version: {version}\n    repository: {repository}\n{extra}"
        )
    }


def pos(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the `nth` occurrence of `needle` in `text`."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def lint(repo: Path, *args: str) -> list[tuple[str, str, int, int]]:
    result = lint_json("--exit-zero", *args, ".", cwd=repo)
    assert result.code == 0, result.err
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in result.json["findings"]]


def findings(repo: Path, *args: str) -> list[dict]:
    result = lint_json("--exit-zero", *args, ".", cwd=repo)
    assert result.code == 0, result.err
    return result.json["findings"]


# -- Helm's merge ---------------------------------------------------------------------------------


def test_coalesce_merges_like_helm() -> None:
    defaults = {"a": {"b": 1, "c": 2}, "d": [1], "e": "x", "f": {"g": 1}}
    user = {"a": {"b": None, "z": 3}, "d": [2, 3], "e": None, "f": "flat", "new": None}
    assert coalesce(defaults, user) == {
        "a": {"c": 2, "z": 3},
        "d": [2, 3],
        "f": "flat",
        "new": None,
    }
    assert defaults == {"a": {"b": 1, "c": 2}, "d": [1], "e": "x", "f": {"g": 1}}  # untouched


def test_partial_overrides_are_completed_by_the_defaults(repo: Path) -> None:
    values = "metallb:\n  controller:\n    livenessProbe:\n      timeoutSeconds: 5\n"
    write(repo, {**chart("0.14.8"), "metallb-system/values.yaml": values})
    assert lint(repo, "--select", "ML103,ML104") == []


def test_a_null_that_deletes_a_required_default_points_at_the_null(repo: Path) -> None:
    values = (
        "metallb:\n  controller:\n    readinessProbe:\n      failureThreshold: null\n"
        "  speaker: null\n"
    )
    write(repo, {**chart("0.14.8"), "metallb-system/values.yaml": values})
    result = findings(repo, "--select", "ML104")
    assert [(f["line"], f["column"]) for f in result] == [
        pos(values, "failureThreshold"),
        pos(values, "speaker"),
    ]
    assert "missing the required field `failureThreshold`" in result[0]["message"]
    assert "The `null` here deletes the chart's default" in result[0]["message"]
    assert "`the document` is missing" not in result[1]["message"]
    assert "required field `speaker`" in result[1]["message"]


# -- umbrella charts ------------------------------------------------------------------------------


def test_values_under_the_alias_are_checked_at_their_lines(repo: Path) -> None:
    values = (
        "ingress:\n  anything: goes\n"  # the umbrella's own values: not metallb's
        "lb:\n  speaker:\n    tolerateMasters: true\n  controller:\n    logLevel: verbose\n"
    )
    write(repo, {**chart("0.14.8", alias="lb"), "metallb-system/values.yaml": values})
    assert lint(repo, "--select", "ML103,ML104") == [
        ("ML103", "metallb-system/values.yaml", *pos(values, "tolerateMasters")),
        ("ML104", "metallb-system/values.yaml", *pos(values, "verbose")),
    ]


def test_condition_keys_are_helms_and_a_false_condition_disables_the_checks(repo: Path) -> None:
    values = "metallb:\n  enabled: true\n  speaker:\n    logLevel: loud\n"
    write(
        repo,
        {**chart("0.14.8", condition="metallb.enabled"), "metallb-system/values.yaml": values},
    )
    assert lint(repo, "--select", "ML103,ML104") == [
        ("ML104", "metallb-system/values.yaml", *pos(values, "loud")),
    ]
    write(repo, {"metallb-system/values.yaml": values.replace("true", "false")})
    assert lint(repo, "--select", "ML103,ML104") == []
    # a condition Helm reads elsewhere is not a metallb key
    write(repo, {"metallb-system/values.yaml": "metallb:\n  enabled: true\n"})
    write(repo, chart("0.14.8"))
    assert lint(repo, "--select", "ML103") == [
        ("ML103", "metallb-system/values.yaml", 2, 3),
    ]


def test_each_values_source_uses_the_chart_release_it_pins(repo: Path) -> None:
    # networkpolicies arrived in chart 0.15.3: fine for the Flux release, not for the umbrella
    values = "metallb:\n  networkpolicies:\n    enabled: true\n"
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: metallb\n"
        "  namespace: metallb-system\nspec:\n  chart:\n    spec:\n      chart: metallb\n"
        "      version: 0.15.3\n      sourceRef:\n        kind: HelmRepository\n"
        "        name: metallb\n  values:\n    networkpolicies:\n      enabled: true\n"
    )
    write(
        repo,
        {
            **chart("0.14.8"),
            "metallb-system/values.yaml": values,
            "flux/metallb.yaml": release,
        },
    )
    result = findings(repo, "--select", "ML107")
    assert [(f["path"], f["line"], f["column"]) for f in result] == [
        ("metallb-system/values.yaml", *pos(values, "networkpolicies")),
    ]
    assert (
        "arrived in the metallb chart 0.15.3; chart 0.14.8 does not read it"
        in (result[0]["message"])
    )


def test_chart_013_does_not_check_controller(repo: Path) -> None:
    values = "metallb:\n  controller:\n    logLevel: verbose\n  speaker:\n    logLevel: loud\n"
    write(repo, {**chart("0.13.12"), "metallb-system/values.yaml": values})
    assert lint(repo, "--select", "ML104") == [
        ("ML104", "metallb-system/values.yaml", *pos(values, "loud")),
    ]


def test_schema_only_typos_and_suggestions(repo: Path) -> None:
    values = "metallb:\n  fullNameOverride: lb\n  speaker:\n    frr:\n      resources::\n"
    write(repo, {**chart("0.14.8"), "metallb-system/values.yaml": values})
    result = findings(repo, "--select", "ML103")
    assert [(f["line"], f["column"]) for f in result] == [
        pos(values, "fullNameOverride"),
        pos(values, "resources:"),
    ]
    assert "Did you mean `fullnameOverride`?" in result[0]["message"]
    assert "values.schema.json declares it, but no template reads it" in result[0]["message"]


def test_removed_and_dead_keys(repo: Path) -> None:
    values = (
        "metallb:\n  configInline:\n    address-pools: []\n  psp:\n    create: true\n"
        "  controller:\n    tlsMinVersion: VersionTLS13\n"
    )
    write(repo, {**chart("0.13.3"), "metallb-system/values.yaml": values})
    result = findings(repo, "--select", "ML1")
    assert [(f["rule"], f["line"], f["column"]) for f in result] == [
        ("ML105", *pos(values, "configInline")),
        ("ML107", *pos(values, "tlsMinVersion")),
    ]
    assert "refuses to render while it is set" in result[0]["message"]
    write(repo, chart("0.16.1"))
    result = findings(repo, "--select", "ML1")
    assert [(f["rule"], f["line"]) for f in result] == [
        ("ML105", 2),
        ("ML105", 4),
        ("ML106", 7),
    ]
    assert "Replace it with `tls.minVersion`" in result[2]["message"]
    # a copy of the old values file sets the old default: the key is dead all the same, but
    # nothing is lost by removing it, and moving "VersionTLS12" to tls.minVersion changes nothing
    write(repo, {"metallb-system/values.yaml": values.replace("VersionTLS13", "VersionTLS12")})
    result = findings(repo, "--select", "ML106")
    assert [(f["rule"], f["line"]) for f in result] == [("ML106", 7)]
    assert "Its value is the old default, so nothing is lost: remove it" in result[0]["message"]


def test_frr_mode_is_deprecated_from_016(repo: Path) -> None:
    values = "metallb:\n  speaker:\n    frr:\n      enabled: true\n  frrk8s:\n    enabled: false\n"
    write(repo, {**chart("0.16.1"), "metallb-system/values.yaml": values})
    assert lint(repo, "--select", "ML106") == [
        ("ML106", "metallb-system/values.yaml", *pos(values, "enabled")),
    ]
    write(repo, chart("0.15.3"))
    assert lint(repo, "--select", "ML106") == []


# -- values inline in other objects -------------------------------------------------------------


def test_inline_values_in_flux_argo_and_kustomize_at_their_lines(repo: Path) -> None:
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: metallb\n"
        "  namespace: metallb-system\nspec:\n  chart:\n    spec:\n      chart: metallb\n"
        "      version: 0.14.8\n      sourceRef:\n        kind: HelmRepository\n"
        "        name: metallb\n  values:\n    speaker:\n      logLevel: loud\n"
    )
    application = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: metallb\n"
        "  namespace: argocd\nspec:\n  sources:\n    - repoURL: https://metallb.github.io/metallb\n"
        "      chart: metallb\n      targetRevision: 0.14.8\n      helm:\n        values: |\n"
        "          controller:\n            podAnotations: {}\n"
        "    - repoURL: https://metallb.github.io/metallb\n      chart: metallb\n"
        "      targetRevision: 0.14.8\n      helm:\n        valuesObject:\n"
        "          speaker:\n            memberlist:\n              mlBindPort: seven\n"
        "  destination:\n    namespace: metallb-system\n"
    )
    kustomization = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "helmCharts:\n  - name: metallb\n    repo: https://metallb.github.io/metallb\n"
        "    version: 0.14.8\n    valuesInline:\n      crds:\n"
        "        validationFailurePolicy: fail\n"
    )
    write(
        repo,
        {
            "flux/metallb.yaml": release,
            "argocd/metallb.yaml": application,
            "edge/kustomization.yaml": kustomization,
        },
    )
    assert lint(repo, "--select", "ML103,ML104") == [
        ("ML103", "argocd/metallb.yaml", *pos(application, "podAnotations")),
        ("ML104", "argocd/metallb.yaml", *pos(application, "seven")),
        ("ML104", "edge/kustomization.yaml", *pos(kustomization, "fail")),
        ("ML104", "flux/metallb.yaml", *pos(release, "loud")),
    ]


def test_kustomize_helm_charts_values_files(repo: Path) -> None:
    """`helmCharts[].valuesFile` and `additionalValuesFiles` are the chart's values too, read
    even when the relevance filter skipped them (they need not mention MetalLB), each judged
    where it is written (benchmarks/realworld: a configInline that breaks chart 0.14.5)."""
    kustomization = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "helmCharts:\n  - name: metallb\n    repo: https://metallb.github.io/metallb\n"
        "    version: 0.14.5\n    valuesFile: values.yaml\n"
        "    additionalValuesFiles: [extra/tolerations.yaml, https://example.org/v.yaml]\n"
    )
    values = "controller:\n  logLevel: info\nconfigInline:\n  address-pools: []\n"
    shared = "speaker:\n  tolerateMaster: true\n  logLevel: loud\n"
    write(
        repo,
        {
            "metallb/kustomization.yaml": kustomization,
            "metallb/values.yaml": values,
            "metallb/extra/tolerations.yaml": shared,
            "unused/values.yaml": "speaker:\n  logLevel: loud\n",
        },
    )
    assert lint(repo, "--select", "ML104,ML105") == [
        ("ML104", "metallb/extra/tolerations.yaml", *pos(shared, "loud")),
        ("ML105", "metallb/values.yaml", *pos(values, "configInline")),
    ]


def test_metallb_keys_at_the_top_of_an_umbrella_chart(repo: Path) -> None:
    """An umbrella chart passes its metallb dependency only the values under `metallb:` (or
    its alias): MetalLB's keys at the top level reach nothing, unless the umbrella's own
    templates read them (benchmarks/realworld: `speaker.ignoreExcludeLB` at the top level)."""
    values = (
        "speaker:\n  ignoreExcludeLB: true\ncontroller:\n  logLevel: debug\n"
        "metallb:\n  crds:\n    enabled: true\nreplicas: 2\n"
    )
    write(
        repo,
        {
            **chart("0.16.1"),
            "metallb-system/values.yaml": values,
            "metallb-system/templates/note.yaml": "apiVersion: v1\nkind: ConfigMap\n"
            "metadata:\n  name: note\ndata:\n  level: {{ .Values.controller.logLevel }}\n",
        },
    )
    result = findings(repo, "--select", "ML103")
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in result] == [
        ("ML103", "metallb-system/values.yaml", *pos(values, "speaker")),
    ]
    assert "Move it under `metallb:`" in result[0]["message"]
    write(repo, chart("0.16.1", alias="lb"))
    values = values.replace("metallb:", "lb:")
    write(repo, {"metallb-system/values.yaml": values})
    assert "Move it under `lb:`" in findings(repo, "--select", "ML103")[0]["message"]


# -- third-party charts named metallb -----------------------------------------------------------


def test_third_party_charts_get_one_info_and_no_checks(repo: Path) -> None:
    bitnami = "https://charts.bitnami.com/bitnami"
    values = "metallb:\n  speaker:\n    secretValue: x\n  controller:\n    containerPorts: {}\n"
    application = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: lb\n"
        "  namespace: argocd\nspec:\n  source:\n    repoURL: https://charts.bitnami.com/bitnami\n"
        "    chart: metallb\n    targetRevision: 6.4.2\n    helm:\n      valuesObject:\n"
        "        speaker:\n          secretValue: x\n"
    )
    repository = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n"
        "  name: charts\n  namespace: flux-system\n  labels:\n    for: metallb\n"
        f"spec:\n  url: {bitnami}\n"
    )
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: metallb\n"
        "spec:\n  chart:\n    spec:\n      chart: metallb\n      version: 6.4.2\n"
        "      sourceRef:\n        kind: HelmRepository\n        name: charts\n"
        "  values:\n    speaker:\n      secretValue: x\n"
    )
    write(
        repo,
        {
            **chart("4.1.0", repository=bitnami),
            "metallb-system/values.yaml": values,
            "argocd/lb.yaml": application,
            "flux/repository.yaml": repository,
            "flux/release.yaml": release,
        },
    )
    result = findings(repo, "--select", "ML1")
    assert [(f["rule"], f["severity"], f["path"], f["line"], f["column"]) for f in result] == [
        ("ML103", "info", "argocd/lb.yaml", *pos(application, "valuesObject")),
        ("ML103", "info", "flux/release.yaml", *pos(release, "values:")),
        ("ML103", "info", "metallb-system/values.yaml", 1, 1),
    ]
    assert bitnami in result[0]["message"] and "not checked" in result[0]["message"]


# -- vendored charts ------------------------------------------------------------------------------


FUTURE_VALUES = (
    "controller:\n  logLevel: info\nspeaker:\n  logLevel: info\nturbo:\n  enabled: false\n"
)
FUTURE_SCHEMA = {
    "$schema": "https://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "turbo": {"type": "object", "properties": {"enabled": {"type": "boolean"}}},
    },
}
FUTURE_CRDS = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ipaddresspools.metallb.io
spec:
  group: metallb.io
  names:
    kind: IPAddressPool
  conversion:
    webhook:
      clientConfig:
        service:
          namespace: {{ .Release.Namespace }}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [addresses]
              properties:
                addresses:
                  type: array
                  items: {type: string}
                priority:
                  type: integer
                  minimum: 0
"""


def _packed_chart(version: str) -> bytes:
    files = {
        "metallb/Chart.yaml": f"apiVersion: v2\nname: metallb\nversion: {version}\n",
        "metallb/values.yaml": FUTURE_VALUES,
        "metallb/values.schema.json": json.dumps(FUTURE_SCHEMA),
        "metallb/charts/crds/templates/crds.yaml": FUTURE_CRDS,
        "metallb/templates/README": "not read",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("metallb/values.yaml.link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    return buffer.getvalue()


def test_a_vendored_chart_supplies_its_own_values_schema_and_crds(repo: Path) -> None:
    values = "metallb:\n  turbo:\n    enabled: sometimes\n  speaker:\n    logLevel: loud\n"
    pool = (
        "apiVersion: metallb.io/v1\nkind: IPAddressPool\nmetadata:\n  name: a\n"
        "  namespace: metallb-system\nspec:\n  addresses: [10.0.0.0/29]\n  priority: -1\n"
    )
    write(
        repo,
        {
            **chart("0.17.0"),
            "metallb-system/values.yaml": values,
            "metallb-system/charts/metallb-0.17.0.tgz": _packed_chart("0.17.0"),
            "metallb-system/templates/pool.yaml": pool,
        },
    )
    result = findings(repo, "--select", "ML101,ML102,ML103,ML104")
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in result] == [
        ("ML101", "metallb-system/templates/pool.yaml", *pos(pool, "-1")),
        ("ML104", "metallb-system/values.yaml", *pos(values, "sometimes")),
    ]
    assert "vendored in metallb-system/charts/metallb-0.17.0.tgz" in result[1]["message"]
    assert "the CRD in metallb-system/charts/metallb-0.17.0.tgz" in result[0]["message"]


def test_vendored_charts_are_read_safely(tmp_path: Path) -> None:
    folder = tmp_path / "umbrella" / "charts"
    folder.mkdir(parents=True)
    (folder / "metallb-0.17.0.tgz").write_bytes(b"\x1f\x8bnot a gzip stream at all")
    assert vendored_chart(str(tmp_path / "umbrella"), {}) is None
    (folder / "metallb-0.17.0.tgz").write_bytes(_packed_chart("0.17.0"))
    found = vendored_chart(str(tmp_path / "umbrella"), {})
    assert found is not None and found.version == "0.17.0"
    assert found.values == {
        "controller": {"logLevel": "info"},
        "speaker": {"logLevel": "info"},
        "turbo": {"enabled": False},
    }
    assert [d["kind"] for d in found.crd_documents] == ["CustomResourceDefinition"]
    assert list(tmp_path.rglob("*")) == [
        tmp_path / "umbrella",
        folder,
        folder / "metallb-0.17.0.tgz",
    ]  # nothing extracted


def test_an_unpacked_vendored_chart(repo: Path) -> None:
    write(
        repo,
        {
            **chart("0.17.0"),
            "metallb-system/values.yaml": "metallb:\n  turbo:\n    enabled: true\n",
            "metallb-system/charts/metallb/Chart.yaml": "apiVersion: v2\nname: metallb\n"
            "version: 0.17.0\n",
            "metallb-system/charts/metallb/values.yaml": FUTURE_VALUES,
        },
    )
    assert lint(repo, "--select", "ML103,ML104,ML107") == []


def test_flux_values_from_generated_and_written_config_maps(repo: Path) -> None:
    """A HelmRelease's `valuesFrom`: a kustomize `configMapGenerator` file (in its folder or
    above) and a key of a ConfigMap written in the repository are the chart's values, each
    judged where it is written; a `targetPath` entry sets one value and names no document
    (benchmarks/realworld held-out set: a dead `psp` key in a generated ConfigMap)."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: metallb\n"
        "  namespace: metallb-system\nspec:\n  chart:\n    spec:\n      chart: metallb\n"
        "      version: 0.15.3\n      sourceRef: {kind: HelmRepository, name: metallb}\n"
        "  valuesFrom:\n    - kind: ConfigMap\n      name: generated\n"
        "    - kind: ConfigMap\n      name: written\n      valuesKey: extra.yaml\n"
        "    - kind: ConfigMap\n      name: written\n      valuesKey: psp.yaml\n"
        "      targetPath: psp.create\n"
    )
    generated = "speaker:\n  logLevel: loud\n"
    written = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: written\n"
        "  namespace: metallb-system\ndata:\n  extra.yaml: |\n    controller:\n"
        "      logLevel: info\n    psp:\n      create: true\n  psp.yaml: |\n    psp: true\n"
    )
    write(
        repo,
        {
            "metallb/kustomization.yaml": (
                "resources: [release.yaml, written.yaml]\n"
                "configMapGenerator:\n  - name: generated\n    files: [values.yaml=gen.yaml]\n"
            ),
            "metallb/release.yaml": release,
            "metallb/gen.yaml": generated,
            "metallb/written.yaml": written,
        },
    )
    assert lint(repo, "--select", "ML104,ML105") == [
        ("ML104", "metallb/gen.yaml", *pos(generated, "loud")),
        ("ML105", "metallb/written.yaml", *pos(written, "psp:")),
    ]


# -- what a local chart's templates read (gitops/helm.py TemplateReads) --------------------------


@pytest.mark.parametrize(
    ("template", "path", "reads"),
    [
        ("port: {{ .Values.service.port }}", ("service", "loadBalancerIP"), False),
        ("ip: {{ .Values.service.loadBalancerIP }}", ("service", "loadBalancerIP"), True),
        ("{{- toYaml .Values.service | nindent 2 }}", ("service", "loadBalancerIP"), True),
        ("{{- with .Values.service }}{{ .loadBalancerIP }}{{ end }}", ("service", "x"), True),
        ("{{ range .Values.services }}{{ end }}", ("services", 0, "loadBalancerIP"), True),
        ('{{ index .Values "service" "loadBalancerIP" }}', ("service", "loadBalancerIP"), True),
        ("{{ .Values.serviceAccount.name }}", ("service", "loadBalancerIP"), False),
        ("{{ $.Values.service.annotations | toYaml }}", ("service", "annotations"), True),
    ],
)
def test_what_templates_read(template: str, path: tuple, reads: bool) -> None:
    from metallb_lint.gitops.helm import TemplateReads

    assert TemplateReads([template]).reads(path) is reads
