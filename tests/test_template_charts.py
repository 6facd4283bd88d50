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
