"""Charts written the way real charts are (helpers, range, with, toYaml | nindent, an `index`
gate, `.Files.Get`), rendered without Helm: the exact findings, every one at the template
line that wrote it."""

from __future__ import annotations

from tests.conftest import FIXTURES, run_cli


def findings(case: str) -> list[tuple[str, str, str, int]]:
    result = run_cli("--format", "json", "--exit-zero", ".", cwd=FIXTURES / "realworld" / case)
    assert result.code == 0, result.err
    return [
        (f["rule"], f["severity"], f["path"], f["line"])
        for f in result.json["findings"]
        if f["path"] != "expect.yaml"  # the fixture's own description
    ]


def test_an_umbrella_chart_with_helpers_ranges_and_toyaml() -> None:
    assert findings("helm-template-umbrella-helpers") == [
        ("ML401", "error", "apps/web/service.yaml", 22),
        ("ML504", "warning", "metallb/Chart.yaml", 7),
        ("ML203", "error", "metallb/templates/pools.yaml", 11),
        ("ML207", "info", "metallb/templates/pools.yaml", 11),
        ("ML207", "info", "metallb/templates/pools.yaml", 11),
        # a gate on what the cluster offers is only known there: said once, not guessed
        ("ML004", "info", "metallb/templates/servicemonitor.yaml", 1),
    ]


def test_an_app_of_apps_chart_gated_by_index() -> None:
    assert findings("argocd-template-app-of-apps-chart") == [
        ("ML504", "warning", "apps/templates/metallb.yaml", 15),
    ]


def test_an_unset_gate_is_unrenderable_not_false(tmp_path) -> None:
    """The same chart without `argo.enabled` in its values (the installer passes it): the
    Applications cannot be rendered, and each MetalLB one says so once, at its gate."""
    import shutil

    case = tmp_path / "repo"
    shutil.copytree(FIXTURES / "realworld" / "argocd-template-app-of-apps-chart", case)
    values = case / "apps" / "values.yaml"
    text = values.read_text(encoding="utf-8")
    start = text.index("  enabled:")
    end = text.index("\n\n", start)
    values.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    result = run_cli("--format", "json", "--exit-zero", ".", cwd=case)
    got = {
        (f["rule"], f["path"], f["line"]): f["message"]
        for f in result.json["findings"]
        if f["path"] != "expect.yaml"
    }
    assert sorted(got) == [
        ("ML004", "apps/templates/dashboard.yaml", 3),
        ("ML004", "apps/templates/metallb-config.yaml", 3),
        ("ML004", "apps/templates/metallb.yaml", 4),
        ("ML005", "metallb-config/pools.yaml", 2),
    ]
    assert got["ML004", "apps/templates/metallb.yaml", 4] == (
        "Application not checked: '.Values.argo.enabled' has no value, so it cannot be "
        "rendered without Helm. Other checks that need every such resource stay silent"
    )


def test_a_value_rendered_by_the_charts_own_service_is_one_request(tmp_path) -> None:
    """values.yaml asks for an address and templates/service.yaml renders it: one Service
    request, reported at the value, not twice nor as conflicting with itself."""
    chart = tmp_path / "charts" / "game"
    (chart / "templates").mkdir(parents=True)
    (tmp_path / ".metallb-lint.yaml").write_text("metallb-version: 0.15.3\n")
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: game\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text(
        "service:\n  type: LoadBalancer\n  loadBalancerIP: 10.9.9.9\n  port: 7777\n"
    )
    (chart / "templates" / "service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Chart.Name }}\nspec:\n"
        "  type: {{ .Values.service.type }}\n"
        "  loadBalancerIP: {{ .Values.service.loadBalancerIP | quote }}\n"
        "  ports:\n    - port: {{ .Values.service.port | int }}\n"
        "  selector:\n    app: {{ .Chart.Name }}\n"
    )
    (tmp_path / "pool.yaml").write_text(
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
        "  namespace: metallb-system\nspec:\n  addresses:\n    - 10.0.0.0/28\n"
        "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: lan\n"
        "  namespace: metallb-system\n"
    )
    result = run_cli("--format", "json", "--exit-zero", ".", cwd=tmp_path)
    assert [
        (f["rule"], f["path"], f["line"])
        for f in result.json["findings"]
        if f["severity"] != "info"
    ] == [("ML401", "charts/game/values.yaml", 3)]


def test_files_get_stays_inside_the_chart(tmp_path) -> None:
    from metallb_lint.gitops.chartfiles import ChartFiles

    (tmp_path / "secret.txt").write_text("outside")
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "files").mkdir()
    (chart / "files" / "ok.txt").write_text("inside")
    (chart / "templates" / "pool.yaml").write_text("kind: X")
    (chart / "files" / "link.txt").symlink_to(tmp_path / "secret.txt")
    files = ChartFiles(str(chart))
    assert files.read("files/ok.txt") == "inside"
    assert files.read("./files/../files/ok.txt") == "inside"
    for name in (
        "../secret.txt",
        str(tmp_path / "secret.txt"),
        "files/link.txt",
        "templates/pool.yaml",
        "files",
        "",
        "a\x00b",
        "missing.txt",
    ):
        assert files.read(name) is None, name


def test_helpers_are_read_from_the_charts_templates_folder(tmp_path) -> None:
    from metallb_lint.gitops.chartfiles import ChartFiles

    chart = tmp_path / "chart"
    (chart / "templates" / "sub").mkdir(parents=True)
    (chart / "templates" / "_helpers.tpl").write_text('{{ define "a" }}A{{ end }}')
    (chart / "templates" / "sub" / "_more.tpl").write_text('{{ define "b" }}B{{ end }}')
    (chart / "templates" / "_broken.tpl").write_text('{{ define "c" }}C')
    (chart / "templates" / "pool.yaml").write_text('{{ define "d" }}D{{ end }}')
    assert sorted(ChartFiles(str(chart)).defines) == ["a", "b"]


def test_a_values_block_of_a_rendered_application_keeps_the_template_lines(tmp_path) -> None:
    """An app-of-apps template drops lines above an Application's `helm.values: |` block: the
    address in the block is still found at the line the template writes it on."""
    (tmp_path / ".metallb-lint.yaml").write_text("metallb-version: 0.15.3\n")
    apps = tmp_path / "apps"
    (apps / "templates").mkdir(parents=True)
    (apps / "Chart.yaml").write_text("apiVersion: v2\nname: apps\nversion: 1.0.0\n")
    (apps / "values.yaml").write_text("web:\n  enabled: true\n  extra: false\n  ip: 10.50.0.99\n")
    (apps / "templates" / "web.yaml").write_text(
        "{{- if .Values.web.enabled }}\n"  # 1
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"  # 2-3
        "metadata:\n  name: web\n  namespace: argocd\n"  # 4-6
        "  {{- if .Values.web.extra }}\n  labels:\n    a: b\n  {{- end }}\n"  # 7-10
        "spec:\n  source:\n    repoURL: https://charts.example.org\n    chart: web\n"  # 11-14
        "    targetRevision: 1.0.0\n    helm:\n      values: |\n"  # 15-17
        "        service:\n          type: LoadBalancer\n"  # 18-19
        "          loadBalancerIP: {{ .Values.web.ip }}\n"  # 20
        "  destination:\n    namespace: web\n{{- end }}\n"
    )
    (tmp_path / "root.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\n"
        "  namespace: argocd\nspec:\n  source:\n    repoURL: https://git.example.org/x.git\n"
        "    path: apps\n  destination:\n    namespace: argocd\n"
    )
    (tmp_path / "pool.yaml").write_text(
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
        "  namespace: metallb-system\nspec:\n  addresses:\n    - 10.0.0.0/28\n"
        "---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: lan\n"
        "  namespace: metallb-system\n"
    )
    result = run_cli("--format", "json", "--exit-zero", ".", cwd=tmp_path)
    assert [
        (f["rule"], f["path"], f["line"], f["column"])
        for f in result.json["findings"]
        if f["severity"] != "info"
    ] == [("ML401", "apps/templates/web.yaml", 20, 27)]
