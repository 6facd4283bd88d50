"""Which files the cluster receives (gitops/deployment.py): entry points, kustomizations, and
the cases where nothing is certain. A file nothing deploys is not judged; ML007 says so once."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import findings, lint_json, write

POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: {name}
  namespace: metallb-system
spec:
  addresses:
    - {addresses}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: {name}
  namespace: metallb-system
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: apps
  annotations:
    metallb.universe.tf/loadBalancerIPs: {ip}
spec:
  type: LoadBalancer
  ports:
    - port: 53
"""

FLUX_ROOT = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  url: https://git.example.org/home/ops.git
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  path: {path}
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

ARGO_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  source:
    repoURL: https://git.example.org/home/ops.git
    path: {path}
{extra}  destination:
    namespace: metallb-system
"""


def lint(repo: Path, *args: str) -> list[tuple[str, str, int]]:
    return findings(lint_json(".", "--metallb-version", "0.15.3", *args, cwd=repo))


def test_flux_root_deploys_its_path_and_not_an_archive(repo: Path) -> None:
    write(
        repo,
        {
            "clusters/home/flux-system/gotk-sync.yaml": FLUX_ROOT.format(path="./clusters/home"),
            "clusters/home/infra.yaml": FLUX_ROOT.replace(
                "flux-system\n  namespace", "infra\n  namespace"
            )
            .format(path="./infra")
            .split("---\n", 1)[1],
            "infra/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "infra/dns.yaml": SERVICE.format(name="dns", ip="10.0.0.3"),
            "archive/old-dns.yaml": SERVICE.format(name="old-dns", ip="10.9.9.9"),
        },
    )
    # the archived Service asks for an address outside every pool, but nothing applies it
    assert lint(repo, "--select", "ML401,ML007") == [("ML007", "archive/old-dns.yaml", 1)]


def test_a_flux_path_of_another_repository_applies_nothing_here(repo: Path) -> None:
    other = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: upstream-crds
  namespace: flux-system
spec:
  url: https://github.com/example/crds
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: crds
  namespace: flux-system
spec:
  path: ./
  sourceRef:
    kind: GitRepository
    name: upstream-crds
"""
    write(
        repo,
        {
            "clusters/home/flux-system/gotk-sync.yaml": FLUX_ROOT.format(path="./clusters/home"),
            "clusters/home/crds.yaml": other,
            "clusters/home/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "examples/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
        },
    )
    # path "./" of the other repository would cover the whole tree if it were this one
    assert lint(repo, "--select", "ML401,ML007") == [("ML007", "examples/dns.yaml", 1)]


def test_argo_app_of_apps_and_a_folder_nothing_applies(repo: Path) -> None:
    write(
        repo,
        {
            "apps/root.yaml": ARGO_APP.format(name="root", path="apps", extra=""),
            "apps/metallb.yaml": ARGO_APP.format(name="metallb", path="metallb", extra=""),
            "metallb/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "metallb/nested/dns.yaml": SERVICE.format(name="nested", ip="10.9.9.1"),
            "kubectl/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
        },
    )
    # Argo CD applies a directory's own files only (no `directory.recurse`)
    assert lint(repo, "--select", "ML401,ML007") == [
        ("ML007", "kubectl/dns.yaml", 1),
        ("ML007", "metallb/nested/dns.yaml", 1),
    ]
    recursive = ARGO_APP.format(
        name="metallb", path="metallb", extra="    directory:\n      recurse: true\n"
    )
    write(repo, {"apps/metallb.yaml": recursive})
    assert lint(repo, "--select", "ML401,ML007") == [
        ("ML007", "kubectl/dns.yaml", 1),
        ("ML401", "metallb/nested/dns.yaml", 7),
    ]


def test_argo_objects_applied_by_hand_bring_their_folder(repo: Path) -> None:
    chart_app = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: metallb
  namespace: argocd
spec:
  source:
    repoURL: https://metallb.github.io/metallb
    chart: metallb
    targetRevision: 0.15.3
  destination:
    namespace: metallb-system
"""
    write(
        repo,
        {
            "bootstrap/argocd.yaml": ARGO_APP.format(name="argocd", path="bootstrap", extra=""),
            "metallb/application.yaml": chart_app,
            "metallb/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "metallb/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
        },
    )
    # the chart's Application was applied by hand, with the files beside it
    assert lint(repo, "--select", "ML401,ML007") == [("ML401", "metallb/dns.yaml", 7)]


def test_a_templated_entry_point_makes_nothing_undeployed(repo: Path) -> None:
    write(
        repo,
        {
            "apps/root.yaml": ARGO_APP.format(name="root", path="apps", extra=""),
            "apps/env.yaml": ARGO_APP.format(name="env", path="envs/${ENV}", extra=""),
            "kubectl/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
            "kubectl/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
        },
    )
    assert lint(repo, "--select", "ML401,ML007") == [("ML401", "kubectl/dns.yaml", 7)]


def test_an_entry_point_that_was_not_read_makes_nothing_undeployed(repo: Path) -> None:
    appset = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
  namespace: argocd
spec:
  template:
    spec:
      source:
        path: {{ .path }}
"""
    write(
        repo,
        {
            "apps/root.yaml": ARGO_APP.format(name="root", path="apps", extra=""),
            "apps/appset.yaml": appset,
            "kubectl/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
            "kubectl/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
        },
    )
    assert ("ML401", "kubectl/dns.yaml", 7) in lint(repo, "--select", "ML401,ML007")


def test_a_stray_example_entry_point_says_nothing_about_metallb(repo: Path) -> None:
    """An Argo CD Application that reaches nothing that installs or configures MetalLB (a
    test input, an example) does not make the rest of the tree undeployed."""
    write(
        repo,
        {
            "tests/app.yaml": ARGO_APP.format(name="example", path="tests", extra=""),
            "metallb/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "apps/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
        },
    )
    assert lint(repo, "--select", "ML401,ML007") == [("ML401", "apps/dns.yaml", 7)]


def test_kustomize_alone_a_file_no_kustomization_lists(repo: Path) -> None:
    write(
        repo,
        {
            "metallb/kustomization.yaml": "resources:\n  - pool.yaml\n",
            "metallb/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "metallb/old-pool.yaml": POOL.format(name="old", addresses="10.0.0.0/29"),
            "apps/dns.yaml": SERVICE.format(name="dns", ip="10.0.0.3"),
        },
    )
    # the old pool overlaps the current one, but kustomize never builds it
    assert lint(repo, "--select", "ML203,ML007") == [("ML007", "metallb/old-pool.yaml", 1)]


def test_a_charts_files_are_helms_not_kustomizes(repo: Path) -> None:
    write(
        repo,
        {
            "kustomization.yaml": "resources:\n  - apps/dns.yaml\n",
            "apps/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
            "metallb/Chart.yaml": "apiVersion: v2\nname: net\nversion: 1.0.0\n",
            "metallb/templates/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
        },
    )
    assert lint(repo, "--select", "ML401,ML007") == [("ML401", "apps/dns.yaml", 7)]


def test_linting_from_above_the_repository_resolves_its_paths(repo: Path) -> None:
    root = repo / "ops"
    write(
        root,
        {
            "clusters/home/flux-system/gotk-sync.yaml": FLUX_ROOT.format(path="./clusters/home"),
            "clusters/home/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "archive/old-dns.yaml": SERVICE.format(name="old-dns", ip="10.9.9.9"),
        },
    )
    result = findings(
        lint_json("ops", "--metallb-version", "0.15.3", "--select", "ML401,ML007", cwd=repo)
    )
    assert result == [("ML007", "ops/archive/old-dns.yaml", 1)]


def test_applicationset_git_directories_with_an_exclusion(repo: Path) -> None:
    appset = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
  namespace: argocd
spec:
  generators:
    - git:
        repoURL: https://git.example.org/home/ops.git
        directories:
          - path: clusters/home/apps/*
          - path: clusters/home/apps/old
            exclude: true
  template:
    metadata:
      name: '{{path.basename}}'
    spec:
      source:
        path: '{{path}}'
"""
    write(
        repo,
        {
            "bootstrap/root.yaml": ARGO_APP.format(name="root", path="bootstrap", extra=""),
            "bootstrap/apps.yaml": appset,
            "clusters/home/apps/metallb/pool.yaml": POOL.format(
                name="lan", addresses="10.0.0.0/28"
            ),
            "clusters/home/apps/dns/dns.yaml": SERVICE.format(name="dns", ip="10.0.0.3"),
            "clusters/home/apps/old/dns.yaml": SERVICE.format(name="old", ip="10.9.9.9"),
            "clusters/lab/apps/dns/dns.yaml": SERVICE.format(name="lab", ip="10.9.9.8"),
        },
    )
    assert lint(repo, "--select", "ML401,ML007") == [
        ("ML007", "clusters/home/apps/old/dns.yaml", 1),
        ("ML007", "clusters/lab/apps/dns/dns.yaml", 1),
    ]


def test_kustomization_cycles_and_missing_files_are_harmless(repo: Path) -> None:
    write(
        repo,
        {
            "a/kustomization.yaml": "resources:\n  - ../b\n  - missing.yaml\n  - pool.yaml\n",
            "a/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "b/kustomization.yaml": "resources:\n  - ../a\n  - dns.yaml\n",
            "b/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
        },
    )
    assert lint(repo, "--select", "ML401,ML007") == [("ML401", "b/dns.yaml", 7)]


FLUX_CHILD = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  path: {path}
  sourceRef:
    kind: GitRepository
    name: flux-system
{extra}"""


def test_services_of_a_cluster_without_metallb_are_anothers(repo: Path) -> None:
    write(
        repo,
        {
            "clusters/lab/flux-system/gotk-sync.yaml": FLUX_ROOT.format(path="./clusters/lab"),
            "clusters/lab/infra.yaml": FLUX_CHILD.format(name="infra", path="./infra", extra=""),
            "clusters/lab/apps.yaml": FLUX_CHILD.format(name="apps", path="./apps/lab", extra=""),
            "clusters/edge/flux-system/gotk-sync.yaml": FLUX_ROOT.format(path="./clusters/edge"),
            "clusters/edge/apps.yaml": FLUX_CHILD.format(name="apps", path="./apps/edge", extra=""),
            "infra/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "apps/lab/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
            "apps/edge/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.8"),
        },
    )
    # the edge cluster installs and configures no MetalLB: its Service is another load
    # balancer's, and no pool of the lab cluster is its business
    assert lint(repo, "--select", "ML401,ML007") == [("ML401", "apps/lab/dns.yaml", 7)]


def test_flux_kustomizations_applied_by_hand_and_what_they_reach(repo: Path) -> None:
    write(
        repo,
        {
            # applied with `kubectl apply -f clusters/home/apps.yaml`; it applies infra in turn
            "clusters/home/apps.yaml": FLUX_CHILD.format(name="apps", path="./apps", extra=""),
            "apps/infra.yaml": FLUX_CHILD.format(name="infra", path="./infra", extra=""),
            "apps/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.9"),
            "infra/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "archive/old-dns.yaml": SERVICE.format(name="old", ip="10.9.9.8"),
        },
    )
    assert lint(repo, "--select", "ML401,ML007") == [
        ("ML401", "apps/dns.yaml", 7),
        ("ML007", "archive/old-dns.yaml", 1),
    ]


def test_substitute_from_fills_flux_variables_unless_they_disagree(repo: Path) -> None:
    substitute_from = (
        "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: settings\n"
    )
    settings = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
        "  namespace: flux-system\ndata:\n  DNS_ADDR: {ip}\n"
    )
    write(
        repo,
        {
            "clusters/home/flux-system/gotk-sync.yaml": FLUX_ROOT.format(path="./clusters/home"),
            "clusters/home/settings.yaml": settings.format(ip="10.9.9.9"),
            "clusters/home/apps.yaml": FLUX_CHILD.format(
                name="apps", path="./apps", extra=substitute_from
            ),
            "apps/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "apps/dns.yaml": SERVICE.format(name="dns", ip="${DNS_ADDR}"),
        },
    )
    result = lint_json(".", "--metallb-version", "0.15.3", "--select", "ML401,ML004", cwd=repo)
    assert findings(result) == [("ML401", "apps/dns.yaml", 7)]
    assert "10.9.9.9" in result.json["findings"][0]["message"]
    # a second ConfigMap of that name gives another value: which one applies is unknown
    write(repo, {"clusters/home/other-settings.yaml": settings.format(ip="10.0.0.3")})
    assert lint(repo, "--select", "ML401,ML004") == [("ML004", "apps/dns.yaml", 7)]


def test_flux_generated_kustomization_stops_at_a_subfolder_kustomization(repo: Path) -> None:
    """Flux generates a kustomization for a path without one: every YAML file below it, but a
    subfolder with its own kustomization is one resource, not descended into (fluxcd/pkg,
    kustomize_generator.go); benchmarks/realworld: an example folder beside a kustomization."""
    write(
        repo,
        {
            "k8s/flux-system/gotk-sync.yaml": FLUX_ROOT.format(path="./k8s"),
            "k8s/metallb/kustomization.yaml": "resources:\n  - pool.yaml\n",
            "k8s/metallb/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
            "k8s/metallb/example/dns.yaml": SERVICE.format(name="example", ip="10.9.9.9"),
            "k8s/apps/media/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.8"),
        },
    )
    assert lint(repo, "--select", "ML401,ML007") == [
        ("ML401", "k8s/apps/media/dns.yaml", 7),
        ("ML007", "k8s/metallb/example/dns.yaml", 1),
    ]


METALLB_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: metallb
  namespace: argocd
spec:
  destination:
    namespace: metallb-system
  sources:
    - repoURL: https://metallb.github.io/metallb
      chart: metallb
      targetRevision: 0.15.3
      helm:
        valueFiles:
          - {values}
    - repoURL: https://git.example.org/home/ops.git
      targetRevision: main
      ref: config
"""
DEAD_VALUES = "# metallb chart values\npsp:\n  create: true\n"


def test_argo_value_files_are_read_and_deployed(repo: Path) -> None:
    """`$<ref>/path` names a file of the source with `ref: <ref>`: that file is the chart's
    values, deployed with the Application (benchmarks/realworld held-out set: read nowhere,
    and called not deployed)."""
    write(
        repo,
        {
            "apps/root.yaml": ARGO_APP.format(name="root", path="apps", extra=""),
            "apps/metallb.yaml": METALLB_APP.format(values="$config/values/metallb.yaml"),
            "values/metallb.yaml": DEAD_VALUES,
            "values/other.yaml": DEAD_VALUES,
        },
    )
    assert lint(repo, "--select", "ML105,ML007") == [
        ("ML105", "values/metallb.yaml", 2),
        ("ML007", "values/other.yaml", 1),
    ]
    # a relative name is a file of the chart package, not of this repository; an unknown ref
    # names no source here
    for name in ("values/metallb.yaml", "$other/values/metallb.yaml"):
        write(repo, {"apps/metallb.yaml": METALLB_APP.format(values=name)})
        assert lint(repo, "--select", "ML105") == [], name


LIST_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: cluster-apps
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - list:
              elements:
                # - cluster: portland
                - cluster: corfe
          - list:
              elements:
                - project: default
  template:
    metadata:
      name: '{{.project}}-{{.cluster}}'
    spec:
      source:
        path: '{{PATH}}'
        directory:
          recurse: true
"""


def test_applicationset_list_and_matrix_generators_fill_the_path(repo: Path) -> None:
    """`list` generators, and a `matrix` of them, give the parameter sets that fill a templated
    path: a cluster commented out of the list deploys nothing (benchmarks/realworld: the last
    false finding of the corpus). Parameters from elsewhere keep the model uncertain."""
    files = {
        "bootstrap/root.yaml": ARGO_APP.format(name="root", path="bootstrap", extra=""),
        "clusters/corfe/apps/pool.yaml": POOL.format(name="lan", addresses="10.0.0.0/28"),
        "clusters/corfe/apps/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.7"),
        "clusters/portland/apps/dns.yaml": SERVICE.format(name="dns", ip="10.9.9.8"),
    }
    for path in ("clusters/{{.cluster}}/apps", "clusters/{{ cluster }}/apps"):
        appset = LIST_APPSET.replace("{{PATH}}", path)
        write(repo, {**files, "bootstrap/apps.yaml": appset})
        assert lint(repo, "--select", "ML401,ML007") == [
            ("ML401", "clusters/corfe/apps/dns.yaml", 7),
            ("ML007", "clusters/portland/apps/dns.yaml", 1),
        ], path
    # a cluster generator's parameters are not in the repository: nothing is called undeployed
    clusters = LIST_APPSET.replace("{{PATH}}", "clusters/{{.cluster}}/apps").replace(
        "          - list:\n              elements:\n                - project: default\n",
        "          - clusters: {}\n",
    )
    write(repo, {"bootstrap/apps.yaml": clusters})
    assert lint(repo, "--select", "ML401,ML007") == [
        ("ML401", "clusters/corfe/apps/dns.yaml", 7),
        ("ML401", "clusters/portland/apps/dns.yaml", 7),
    ]


def test_a_path_whose_folder_name_starts_with_a_dot() -> None:
    """`./` and `/` are stripped from the paths entry points write; the dot of `.infra/` is the
    folder's own (it was stripped too, so `./.infra/metallb` named `infra/metallb`)."""
    from metallb_lint.gitops.scopes import Scopes, repo_relative

    assert [repo_relative(p) for p in ("./.infra/metallb", "/.infra/", ".", "./", "a/./b")] == [
        ".infra/metallb",
        ".infra",
        "",
        "",
        "a/b",
    ]
    scopes = Scopes([".infra/metallb", "infra/metallb"])
    assert scopes.dirs_matching("./.infra/metallb") == [".infra/metallb"]


def test_a_kustomization_its_parent_lists_only_in_a_comment(repo: Path) -> None:
    """A nested kustomization counts as applied on its own, unless the kustomization above it
    lists it only in a comment: then it was switched off."""
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n"
        "    metallb.io/loadBalancerIPs: 10.9.9.9\nspec:\n  type: LoadBalancer\n"
    )
    pool = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
        "  namespace: metallb-system\nspec:\n  addresses: [10.0.0.0/28]\n"
    )
    files = {
        "kustomization.yaml": "resources:\n  - pool.yaml\n  - apps\n",
        "pool.yaml": pool,
        "apps/kustomization.yaml": "resources:\n  - dns\n  # - ./web/\n",
        "apps/dns/kustomization.yaml": "resources: []\n",
        "apps/web/kustomization.yaml": "resources:\n  - service.yaml\n",
        "apps/web/service.yaml": service,
    }
    write(repo, files)
    selected = ("--metallb-version", "0.16.1", "--select", "ML007,ML401", ".")
    assert findings(lint_json(*selected, cwd=repo)) == [("ML007", "apps/web/service.yaml", 1)]
    # listed nowhere, not even in a comment: applied on its own, as before
    write(repo, {"apps/kustomization.yaml": "resources:\n  - dns\n"})
    assert findings(lint_json(*selected, cwd=repo)) == [("ML401", "apps/web/service.yaml", 6)]


LITERAL_POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan
  namespace: metallb-system
spec:
  addresses: {{ .Values.pool }}
"""


def _argo_app(path: str, extra: str = "") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: pools\n"
        "  namespace: argocd\nspec:\n  source:\n    repoURL: https://git.example.org/x.git\n"
        f"    path: {path}\n{extra}  destination:\n    namespace: metallb-system\n"
    )


def test_template_syntax_in_a_file_applied_as_written(repo: Path) -> None:
    """An Argo CD directory source applies the file as written: its template syntax is an
    error (ML001). With a helm or plugin block, or with no entry point, it is unknown (ML004)."""
    write(repo, {"argocd/pools.yaml": _argo_app("pools"), "pools/pool.yaml": LITERAL_POOL})
    selected = ("--metallb-version", "0.16.1", "--select", "ML001,ML004", ".")
    assert findings(lint_json(*selected, cwd=repo)) == [("ML001", "pools/pool.yaml", 7)]
    plugin = "    plugin:\n      name: envsubst\n"
    write(repo, {"argocd/pools.yaml": _argo_app("pools", plugin)})
    assert findings(lint_json(*selected, cwd=repo)) == [("ML004", "pools/pool.yaml", 7)]
    (repo / "argocd" / "pools.yaml").unlink()
    assert findings(lint_json(*selected, cwd=repo)) == [("ML004", "pools/pool.yaml", 7)]


def test_a_kustomization_that_does_not_parse_above_metallb_objects(repo: Path) -> None:
    """kustomize cannot build a folder whose kustomization is not YAML: MetalLB's objects
    below it are never applied through it (ML001 says so); the same error in a folder of
    other apps is not MetalLB's business."""
    pool = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
        "metadata: {name: lan, namespace: metallb-system}\nspec: {addresses: [10.0.0.0/28]}\n"
    )
    write(
        repo,
        {
            "metallb/kustomization.yaml": "resources: [pool.yaml\n",
            "metallb/pool.yaml": pool,
            "apps/web/kustomization.yaml": "resources: [deploy.yaml\n",
            "apps/web/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\n",
        },
    )
    result = lint_json("--select", "ML001", cwd=repo)
    assert findings(result) == [("ML001", "metallb/kustomization.yaml", 1)]
    message = result.json["findings"][0]["message"]
    assert message.endswith(
        "kustomize cannot build metallb/, so what it holds (metallb/pool.yaml) is never "
        "applied through it"
    )
