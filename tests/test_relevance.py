"""The relevance filter (load/documents.py): what it admits, and why each word is there.

A document is parsed only if it names MetalLB or a load balancer, or is a GitOps object the
deployment model reads, recognised by its apiVersion. Each filter word is there for a behaviour
a test shows; without the word, that test fails (checked by removing each in turn):

- `metallb`: test_action.py::test_action_with_findings
- `loadbalancer`: test_bad_input.py::test_annotations_is_a_string
- `address-pools`: test_migrate.py::test_bare_file_named_on_the_command_line
- `serviceexternalips`: test_services.py::test_ml412_externalips_that_calico_announces
- `ciliumbgpadvertisement`: test_cilium_advertising_only_external_ips_is_read, below
- `kubevip`: test_allocators.py::test_kube_vips_cloud_provider_beside_metallb
- `argoproj.io/`: test_demo.py::test_demo_findings
- `kustomize.toolkit.fluxcd.io/`:
  test_deployment.py::test_flux_root_deploys_its_path_and_not_an_archive
- `source.toolkit.fluxcd.io/`:
  test_deployment.py::test_a_flux_path_of_another_repository_applies_nothing_here

`postbuild` is no longer a word: a Flux Kustomization (the only object whose postBuild is read)
is admitted by its apiVersion.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint.load.documents import GITOPS_GROUPS, RELEVANT_WORDS, Chunk
from metallb_lint.load.sources import load_file
from tests.conftest import findings, lint_json, write
from tests.manifests import chart_yaml

BROKEN_TAIL = "spec: {template: [\n"  # not YAML: parsed, it would be an error or a skip


@pytest.mark.parametrize(
    "head",
    [
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n",
        'apiVersion: "argoproj.io/v1alpha1"\nkind: ApplicationSet\n',
        "{apiVersion: argoproj.io/v1alpha1, kind: AppProject}\n",
        '{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"}\n',
        "- apiVersion: kustomize.toolkit.fluxcd.io/v1\n  kind: Kustomization\n",
        "apiVersion:   source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n",
        "APIVERSION: Source.Toolkit.FluxCD.io/v1beta2\nkind: OCIRepository\n",
    ],
)
def test_gitops_objects_are_recognised_by_their_api_version(head: str) -> None:
    raw = head.encode()
    assert load_file("app.yaml", raw, "manifest", None) is not None
    assert Chunk(1, head).relevant


@pytest.mark.parametrize(
    "text",
    [
        # labels and annotations Argo CD and Flux put on everything they apply
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n"
        '    argocd.argoproj.io/sync-wave: "2"\n    argocd.argoproj.io/sync-options: Prune=false\n',
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n"
        "    kustomize.toolkit.fluxcd.io/name: apps\n"
        "    kustomize.toolkit.fluxcd.io/namespace: x\n",
        # the groups' own CRDs
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: applications.argoproj.io\nspec:\n  group: argoproj.io\n",
        # a HelmRelease's sourceRef names the source group without being a source
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  chart:\n    spec:\n"
        "      sourceRef:\n        {kind: HelmRepository,\n"
        "         apiVersion: source.toolkit.fluxcd.io/v1}\n",
    ],
)
def test_gitops_domains_elsewhere_do_not_make_a_document_relevant(text: str) -> None:
    raw = (text + BROKEN_TAIL).encode()
    assert load_file("app.yaml", raw, "manifest", None) is None
    assert not Chunk(1, text).relevant
    # in a file with a relevant document, the other one is still not parsed (no ML001)
    service = "---\napiVersion: v1\nkind: Service\nspec: {type: LoadBalancer}\n"
    source = load_file("app.yaml", raw + service.encode(), "manifest", None)
    assert source is not None and source.problems == []
    assert [d.data["kind"] for d in source.documents] == ["Service"]


def test_every_word_is_lower_case() -> None:
    """The filter lowers the text, so a word with a capital letter would never match."""
    for word in (*RELEVANT_WORDS, *GITOPS_GROUPS):
        assert word == word.lower()


CILIUM_EXTERNAL_IPS = """\
apiVersion: cilium.io/v2alpha1
kind: CiliumBGPAdvertisement
metadata:
  name: services
spec:
  advertisements:
    - advertisementType: Service
      service:
        addresses: [ExternalIP]
      selector:
        matchLabels: {announce: bgp}
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
spec:
  type: LoadBalancer
  externalIPs:
    - 10.40.80.12
  ports:
    - port: 80
"""


def test_cilium_advertising_only_external_ips_is_read(repo: Path) -> None:
    """A CiliumBGPAdvertisement of ExternalIP only names neither MetalLB nor a load balancer:
    the word `ciliumbgpadvertisement` admits it, and Cilium announcing the Service's
    externalIPs turns ML412 (nothing announces them) into ML004 (which range: unknown)."""
    files = {"metallb-system/Chart.yaml": chart_yaml("0.15.3"), "apps/web.yaml": SERVICE}
    write(repo, files)
    result = lint_json("--exit-zero", "--select", "ML412,ML004", ".", cwd=repo)
    assert findings(result) == [("ML412", "apps/web.yaml", 9)]
    write(repo, {"network/cilium.yaml": CILIUM_EXTERNAL_IPS})
    result = lint_json("--exit-zero", "--select", "ML412,ML004", ".", cwd=repo)
    assert findings(result) == [("ML004", "apps/web.yaml", 9)]


def test_a_list_of_gitops_objects_is_relevant() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: argoproj.io/v1alpha1\n"
    assert Chunk(1, text).relevant


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gateways.example.io}
spec:
  group: example.io
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          properties:
            serviceType: {type: string, description: ClusterIP or LoadBalancer}
"""


def test_crds_are_never_parsed_even_when_they_say_loadbalancer() -> None:
    """CRDs are most of a real repository's bytes; their descriptions say LoadBalancer, and
    no rule reads a CRD of the tree (only --crd files and vendored charts)."""
    assert load_file("crds.yaml", CRD.encode(), "manifest", None) is None
    broken = CRD + "  broken: [\n"
    assert load_file("crds.yaml", broken.encode(), "manifest", None) is None  # no ML001
    service = "---\napiVersion: v1\nkind: Service\nspec: {type: LoadBalancer}\n"
    source = load_file("all.yaml", (CRD + service).encode(), "manifest", None)
    assert source is not None and source.problems == []
    assert [d.data["kind"] for d in source.documents] == ["Service"]


def test_a_file_of_crds_is_not_reported_as_not_deployed(repo: Path) -> None:
    write(
        repo,
        {
            "metallb-system/Chart.yaml": chart_yaml("0.15.3"),
            "kustomization.yaml": "resources:\n  - apps/svc.yaml\n",
            "apps/svc.yaml": SERVICE,
            "vendor/crds.yaml": CRD + "---\n" + CRD.replace("gateways", "routes"),
        },
    )
    assert findings(lint_json("--exit-zero", "--select", "ML007", ".", cwd=repo)) == []
