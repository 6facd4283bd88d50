"""Local charts the repository's scripts helm-install, followed through the Argo CD
Applications they render (gitops/chains.py), and values located where they are written
through a render (gitops/gotemplate/traced.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from metallb_lint.findings import Location
from metallb_lint.gitops import chains
from metallb_lint.gitops.chains import merge, same_repository
from metallb_lint.gitops.gotemplate.traced import Sourced
from metallb_lint.gitops.scripts import local_installs
from metallb_lint.gitops.templates import render_file
from metallb_lint.load.discover import Candidate
from tests.conftest import FIXTURES, lint_json

REALWORLD = FIXTURES / "realworld"


def _judged(folder: Path) -> set[tuple[str, str, int]]:
    result = lint_json("--exit-zero", ".", cwd=folder)
    assert result.code == 0, result.err
    return {
        (f["rule"], f["path"], f["line"])
        for f in result.json["findings"]
        if f["severity"] in ("error", "warning")
    }


def _infos(folder: Path) -> list[str]:
    result = lint_json("--exit-zero", ".", cwd=folder)
    assert result.code == 0, result.err
    return [f["message"] for f in result.json["findings"] if f["severity"] == "info"]


def test_cluster_file_chosen_at_run_time() -> None:
    assert _judged(REALWORLD / "argocd-template-installer-cluster-file") == {
        ("ML504", "charts/platform/templates/metallb.yaml", 12),
        ("ML106", "clusters/edge-a.yaml", 11),
    }


def test_values_file_named_by_the_script() -> None:
    assert _judged(REALWORLD / "service-shape-installer-values-file") == {
        ("ML106", "deploy/production.yaml", 7),
        ("ML504", "scripts/deploy.sh", 4),
    }


def test_local_installs_read_from_scripts(tmp_path: Path) -> None:
    script = tmp_path / "install.sh"
    script.write_text(
        'root="$(git rev-parse --show-toplevel)"\n'
        'helm upgrade --install app "$root/charts/app" -f "$root/envs/${ENV}.yaml" \\\n'
        "  -n apps\n"
        "helm install other ./charts/other --set a=b\n"
        "helm upgrade app ./charts/app\n"  # an upgrade of an installed release: not an install
        "helm install x bitnami/nginx\n"
        "helm install y ./charts/app $EXTRA_ARGS\n"  # words from a variable: flags, unknown
        "helm upgrade --install z ./charts/app --reuse-values\n",
        encoding="utf-8",
    )
    found = local_installs(Candidate(str(script), "install.sh"), {"charts/app", "charts/other"})
    assert [(i.chart_dir, i.release, i.namespace, i.sets) for i in found] == [
        ("charts/app", "app", "apps", False),
        ("charts/other", "other", None, True),
        ("charts/app", "z", None, True),
    ]
    assert found[0].where.line == 2
    assert [v.endswith("/envs/${ENV}.yaml") for v in found[0].values] == [True]


def test_a_sourced_string_is_a_string_and_toyaml_says_where() -> None:
    where = (Location("values.yaml", 4, 9, 4, 13), Location("values.yaml", 4, 3, 4, 7))
    pool = Sourced("edge", where, "pool")
    values = {"svc": {"pool": pool, "other": "x"}, "name": Sourced("a", where, "name")}
    text = (
        '{{ if eq .Values.name "a" }}svc:{{ toYaml .Values.svc | nindent 2 }}{{ end }}\n'
        "copy: {{ .Values.svc.pool }}\n"
        '{{ dict "renamed" .Values.svc.pool | toYaml }}\n'
    )
    result = render_file(text, {"Values": values}, closed=True)
    assert result.problems == []
    assert result.text == "svc:\n  other: x\n  pool: edge\ncopy: edge\nrenamed: edge\n"
    # under a key the template names, only the value is where the values file wrote it
    assert result.origins == {2: where, 4: (where[0], None)}


def test_closed_render_reads_a_missing_key_as_nil() -> None:
    text = "{{ if .Values.a.b }}x{{ else }}y{{ end }}"
    assert render_file(text, {"Values": {"a": {}}}).problems  # open: unknown
    assert render_file(text, {"Values": {"a": {}}}, closed=True).text == "y"


def test_merge_and_repository_names() -> None:
    assert merge({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"b": 3}, "d": None}) == {
        "a": {"b": 3, "c": 2}
    }
    assert same_repository("https://github.com/o/r.git", "https://github.com/O/r/")
    assert same_repository("git@github.com:o/r.git", "https://github.com/o/r")
    assert not same_repository("https://github.com/o/r", "https://github.com/o/s")
    assert not same_repository("", "")


# -- bad input: a note, never a traceback, never a finding ----------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    (root / ".metallb-lint.yaml").write_text("", encoding="utf-8")
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


_SELF_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: loop
  namespace: argocd
spec:
  source:
    repoURL: https://git.example.org/r.git
    path: charts/loop
    helm:
      valueFiles: [{{ .Values.file }}]
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
"""


def test_a_chart_whose_application_deploys_itself_is_a_note(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "install.sh": "helm install loop ./charts/loop -f envs/prod.yaml\n",
            "charts/loop/Chart.yaml": "apiVersion: v2\nname: loop\nversion: 1.0.0\n",
            "charts/loop/values.yaml": "file: values.yaml\n",
            "charts/loop/templates/app.yaml": _SELF_APP,
            "envs/prod.yaml": "file: values.yaml\n",
        },
    )
    assert _judged(tmp_path) == set()
    assert any("a cycle or too deep" in m for m in _infos(tmp_path))


def test_a_missing_values_file_is_a_note(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "install.sh": "helm install loop ./charts/loop -f envs/missing.yaml\n",
            "charts/loop/Chart.yaml": "apiVersion: v2\nname: loop\nversion: 1.0.0\n",
            "charts/loop/values.yaml": "file: absent.yaml\n",
            "charts/loop/templates/app.yaml": _SELF_APP,
        },
    )
    assert _judged(tmp_path) == set()
    assert any("'envs/missing.yaml' not in the repository" in m for m in _infos(tmp_path))


def test_an_application_with_a_missing_value_file_is_not_followed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "install.sh": "helm install root ./charts/root -f envs/prod.yaml\n",
            "charts/root/Chart.yaml": "apiVersion: v2\nname: root\nversion: 1.0.0\n",
            "charts/root/values.yaml": "file: ''\n",
            "charts/root/templates/app.yaml": _SELF_APP,
            "charts/loop/Chart.yaml": "apiVersion: v2\nname: loop\nversion: 1.0.0\n",
            "charts/loop/templates/bad.yaml": "{{ if }}\n",
            "envs/prod.yaml": "file: gone.yaml\n",
        },
    )
    assert _judged(tmp_path) == set()
    assert any("its values are not all known" in m for m in _infos(tmp_path))


def test_each_chosen_values_file_is_its_own_cluster(tmp_path: Path) -> None:
    """The same Service in two deployments asks for its address in two clusters: one address
    for both is no conflict (ML404), and each cluster file's request is judged where it is."""
    shutil.copytree(REALWORLD / "argocd-template-installer-cluster-file", tmp_path / "repo")
    root = tmp_path / "repo"
    for name in ("edge-a", "cloud-b"):
        (root / "clusters" / f"{name}.yaml").write_text(
            "clusterFiles:\n"
            "  - layers/load-balancer.yaml\n"
            f"  - clusters/{name}.yaml\n"
            "repo:\n"
            "  url: https://git.example.org/platform/deploy.git\n"
            "  revision: main\n"
            "overrides:\n"
            "  gateway:\n"
            "    service:\n"
            "      annotations:\n"
            "        metallb.universe.tf/loadBalancerIPs: 192.0.2.5\n",
            encoding="utf-8",
        )
    judged = _judged(root)
    assert not [f for f in judged if f[0] == "ML404"]
    assert {f for f in judged if f[0] == "ML106"} == {
        ("ML106", "clusters/cloud-b.yaml", 11),
        ("ML106", "clusters/edge-a.yaml", 11),
    }


def test_a_chart_that_does_not_render_whole_deploys_nothing(tmp_path: Path) -> None:
    """Helm renders all of a chart or nothing: one template that fails leaves the chart's
    other Applications unjudged (a note), not judged as if the rest were deployed."""
    shutil.copytree(REALWORLD / "argocd-template-installer-cluster-file", tmp_path / "repo")
    root = tmp_path / "repo"
    (root / "charts/platform/templates/broken.yaml").write_text(
        'kind: ConfigMap\nname: {{ required "needs a region" .Values.region }}\n',
        encoding="utf-8",
    )
    (root / "deploy/install.sh").write_text(
        "helm upgrade --install bootstrap ./charts/bootstrap -f clusters/edge-a.yaml\n",
        encoding="utf-8",
    )
    assert _judged(root) == set()
    assert any("broken.yaml:2 does not render" in m for m in _infos(root))


def test_dig_and_a_field_of_nil_in_a_closed_render() -> None:
    values = {"a": {"b": "v"}}
    text = '{{ dig "a" "b" "d" .Values }} {{ dig "a" "x" "d" .Values }} {{ (.Values.n).m }}.'
    assert render_file(text, {"Values": values}, closed=True).text == "v d ."
    open_render = render_file('{{ dig "a" "x" "d" .Values }}', {"Values": values})
    assert open_render.problems  # the user's values may set it
    chained = render_file("{{ .Values.n.m }}", {"Values": values}, closed=True)
    assert chained.problems  # Helm: nil pointer evaluating interface {}.m


def test_the_chain_from_a_folder_above_the_repository() -> None:
    """Repository paths (`$root/charts/...`, `$cfg/...`, an Application's `path`) name the
    one tree path that ends with them when a folder above the repository is linted."""
    name = "argocd-template-installer-cluster-file"
    result = lint_json("--exit-zero", name, cwd=REALWORLD)
    assert result.code == 0, result.err
    assert {
        (f["rule"], f["path"], f["line"])
        for f in result.json["findings"]
        if f["severity"] in ("error", "warning")
    } == {
        ("ML504", f"{name}/charts/platform/templates/metallb.yaml", 12),
        ("ML106", f"{name}/clusters/edge-a.yaml", 11),
    }


def test_an_application_of_a_chart_folder_and_a_chart(tmp_path: Path) -> None:
    """The chart folder's source is rendered in its place; MetalLB's chart beside it in the
    same Application is still read where it is written."""
    shutil.copytree(REALWORLD / "argocd-template-installer-cluster-file", tmp_path / "repo")
    root = tmp_path / "repo"
    template = root / "charts/bootstrap/templates/platform.yaml"
    text = template.read_text(encoding="utf-8").replace(
        "      ref: cfg\n",
        "      ref: cfg\n"
        "    - repoURL: https://metallb.github.io/metallb\n"
        "      chart: metallb\n"
        "      targetRevision: 0.15.2\n",
    )
    template.write_text(text, encoding="utf-8")
    assert _judged(root) == {
        ("ML504", "charts/bootstrap/templates/platform.yaml", 22),
        ("ML504", "charts/platform/templates/metallb.yaml", 12),
        ("ML106", "clusters/edge-a.yaml", 11),
        ("ML106", "clusters/cloud-b.yaml", 11),  # every cluster installs MetalLB now
    }


def test_renders_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """However many deployments and Applications, the chain renders a bounded number of
    template files; past it nothing more is judged (never a guess)."""
    monkeypatch.setattr(chains, "MAX_RENDERS", 2)
    named = REALWORLD / "service-shape-installer-values-file"
    assert ("ML106", "deploy/production.yaml", 7) in _judged(named)  # one template: in budget
    assert _judged(REALWORLD / "argocd-template-installer-cluster-file") == set()
