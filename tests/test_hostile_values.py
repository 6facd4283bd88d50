"""Issue 21, hostile values: regular expressions from input files cannot hang a run
(metallb_lint/saferegex.py), a broken vendored values schema is a finding, not a crash, and
every loop over a scalar is linear. Inputs are bounded; a subprocess timeout is only a safety
net against a hang, never the assertion."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from metallb_lint import saferegex
from tests.conftest import write
from tests.test_hostile_files import run

EVIL = "^(a+)+$"
VALUE = "a" * 37 + "!"

CHART = {
    "metallb-system/Chart.yaml": (
        "apiVersion: v2\nname: metallb-system\nversion: 1.0.0\ndependencies:\n"
        "  - name: metallb\n    version: 0.14.8\n"
        "    repository: https://metallb.github.io/metallb\n"
    ),
    "metallb-system/values.yaml": f"metallb:\n  speaker:\n    logLevel: {VALUE}\n",
    "metallb-system/charts/metallb/Chart.yaml": "apiVersion: v2\nname: metallb\nversion: 0.14.8\n",
    "metallb-system/charts/metallb/values.yaml": "speaker:\n  logLevel: info\n",
}


def _schema_tree(repo: Path, schema: object) -> None:
    write(repo, {**CHART, "metallb-system/charts/metallb/values.schema.json": json.dumps(schema)})


def _ml104(repo: Path) -> list[dict]:
    done = run("--isolated", "-f", "json", "--select", "ML104", ".", cwd=repo)
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)["findings"]


# -- item 3: regular expressions from files --------------------------------------------------


def test_a_catastrophic_pattern_in_a_vendored_values_schema(repo: Path) -> None:
    logging = {"type": "string", "pattern": EVIL}
    _schema_tree(repo, {"properties": {"speaker": {"properties": {"logLevel": logging}}}})
    found = _ml104(repo)
    assert [(f["path"], f["line"]) for f in found] == [("metallb-system/values.yaml", 3)]
    assert "does not match the pattern ^(a+)+$" in found[0]["message"]


def test_a_catastrophic_pattern_in_a_crd_file(repo: Path) -> None:
    crd = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ipaddresspools.metallb.io
spec:
  group: metallb.io
  names: {kind: IPAddressPool, plural: ipaddresspools}
  scope: Namespaced
  versions:
    - name: v1beta1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                addresses:
                  type: array
                  items: {type: string, pattern: '^(a+)+$'}
"""
    pool = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: a\n"
        f"  namespace: metallb-system\nspec:\n  addresses: ['{VALUE}']\n"
    )
    write(repo, {"crds.yaml": crd, "pool.yaml": pool})
    done = run(
        "--isolated", "-f", "json", "--select", "ML101", "--crd", "crds.yaml", "pool.yaml", cwd=repo
    )
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in found] == [("ML101", 7)]
    assert "does not match the pattern" in found[0]["message"]


def test_a_refused_pattern_is_a_finding_that_says_so(repo: Path) -> None:
    logging = {"type": "string", "pattern": "^(a)\\1$"}
    _schema_tree(repo, {"properties": {"speaker": {"properties": {"logLevel": logging}}}})
    found = _ml104(repo)
    assert len(found) == 1
    assert (
        "was not checked against the pattern '^(a)\\\\1$': it uses a back-reference"
        in (found[0]["message"])
    )


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        r"^(/([^~/]|~[01])*)*$",
        r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$",
        r"(?i)^v?[0-9]+\.[0-9]+\b",
        r"(?m)^b$",
        r"a{2,4}[^b-d]\s\S\w\W\d\D",
        r"^$",
    ],
)
def test_the_linear_matcher_agrees_with_re(pattern: str) -> None:
    compiled = re.compile(pattern)
    texts = [
        "",
        "a",
        "abc",
        "a-b",
        "1.5",
        "V1.2 x",
        "a\nb\n",
        "aaa\tb",
        "/x~0/y~2",
        "10ms1h",
        "b\n",
    ]
    for text in texts:
        assert saferegex.search(pattern, text) == bool(compiled.search(text)), (pattern, text)


def test_the_matcher_is_linear_on_catastrophic_and_polynomial_patterns() -> None:
    assert saferegex.search(EVIL, "a" * 10_000 + "!") is False
    assert saferegex.search(r"^a*a*a*a*a*b", "a" * 5_000) is False


def test_a_search_over_the_step_budget_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saferegex, "MAX_STEPS", 1_000)
    assert "takes more than 1000 steps" in (saferegex.refusal("(a|b)*c", "ab" * 1_000) or "")


def test_a_recursive_values_schema_is_a_finding(repo: Path) -> None:
    _schema_tree(repo, {"$ref": "#"})
    found = _ml104(repo)
    assert len(found) == 1
    assert "could not be evaluated: it refers to itself without end" in found[0]["message"]


def test_a_values_schema_with_a_list_for_a_subschema_is_a_finding(repo: Path) -> None:
    _schema_tree(repo, {"type": "object", "properties": {"speaker": [1]}})
    found = _ml104(repo)
    assert len(found) == 1
    assert "could not be evaluated: it is not a valid JSON Schema" in found[0]["message"]


def test_a_catastrophic_pattern_in_a_user_policy(repo: Path) -> None:
    policy = """\
id: ORG001
name: pool-names
severity: warning
summary: pool names are plain
match: {kind: IPAddressPool}
target: /metadata/name
schema: {type: string, pattern: '^(a+)+$'}
message: "pool {name} has an odd name"
"""
    pool = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n"
        f"  name: {VALUE[:-1]}x\n  namespace: metallb-system\nspec:\n  addresses: [10.0.0.0/29]\n"
    )
    write(repo, {"policies/org.yaml": policy, "pool.yaml": pool})
    done = run(
        "--isolated", "-f", "json", "--select", "ORG001", "--policies", "policies", ".", cwd=repo
    )
    assert done.returncode == 0, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["ORG001"]


# -- item 4: loops over a scalar are linear ----------------------------------------------------

SIZE = 1_000_000


@pytest.mark.parametrize("unit", ["{{", "${a:-", "1s"])
def test_a_megabyte_scalar_is_reported_once_and_not_analysed(repo: Path, unit: str) -> None:
    value = unit * (SIZE // len(unit))
    write(
        repo,
        {
            "svc.yaml": (
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n"
                f"    metallb.io/loadBalancerIPs: '{value}'\nspec:\n  type: LoadBalancer\n"
            ),
            "peer.yaml": (
                "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: p\n"
                "  namespace: metallb-system\nspec:\n  myASN: 1\n  peerASN: 2\n"
                f"  peerAddress: 1.2.3.4\n  holdTime: '{value}'\n"
            ),
        },
    )
    done = run("--isolated", "-f", "json", "--metallb-version", "0.14.9", ".", cwd=repo)
    assert done.returncode == 1, done.stderr
    found = [(f["rule"], f["path"], f["line"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [("ML002", "peer.yaml", 10), ("ML002", "svc.yaml", 6)]
    assert "longer than 256 KiB" in json.loads(done.stdout)["findings"][0]["message"]


BLOCK_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: a
  annotations:
    metallb.io/loadBalancerIPs: {ip}
    note: |
      {text}
spec:
  type: LoadBalancer
"""
POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan
  namespace: metallb-system
spec:
  addresses: [10.0.0.0/24]
"""


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (256 * 1024 - 1, [("ML401", "svc.yaml", 6)]),  # with its line break, at the limit
        (256 * 1024, [("ML002", "svc.yaml", 7)]),  # one character past it: not analysed
    ],
)
def test_the_value_limit_applies_to_block_scalars_too(
    repo: Path, length: int, expected: list
) -> None:
    write(
        repo,
        {"pool.yaml": POOL, "svc.yaml": BLOCK_SERVICE.format(ip="192.0.2.1", text="x" * length)},
    )
    done = run("--isolated", "-f", "json", "--metallb-version", "0.14.9", ".", cwd=repo)
    found = [(f["rule"], f["path"], f["line"]) for f in json.loads(done.stdout)["findings"]]
    assert [f for f in found if f[0] in ("ML002", "ML401")] == expected


def test_placeholder_helpers_are_linear() -> None:
    from metallb_lint.gitops.placeholders import describe, resolve_flux
    from metallb_lint.metallb.gonumbers import parse_duration

    assert describe("{{" * SIZE) == "placeholder"
    assert resolve_flux("${a:-" * SIZE, {}) == ("${a:-" * SIZE, [])
    assert parse_duration("1s" * SIZE) == SIZE * 1_000_000_000


def test_a_script_of_endless_continuation_lines_is_read_in_linear_time(repo: Path) -> None:
    """Shell scripts are read for MetalLB installs (gitops/scripts.py): a command continued
    over 200,000 lines is joined once, and one too long to be a helm command is not split."""
    script = "helm install metallb metallb/metallb \\\n" + "  --set a=b \\\n" * 200_000
    write(repo, {"install.sh": script + "  --version 0.14.8\n"})
    done = run("--isolated", "-f", "json", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"] == []


def test_deeply_nested_template_conditions_are_linear() -> None:
    """A template that opens 50,000 `if`s: refused at the nesting limit after one linear scan,
    with one reason, not a recursion error; a realistic depth renders."""
    from metallb_lint.gitops.templates import render

    depth = 50_000
    template = "{{ if .Values.on }}" * depth + "a: 1\n" + "{{ end }}" * depth
    result = render(template, {"Values": {"on": True}})
    assert (result.text, result.reason) == (None, "control structures nested too deeply")
    template = "{{ if .Values.on }}" * 30 + "a: 1\n" + "{{ end }}" * 30
    assert render(template, {"Values": {"on": True}}).text == "a: 1\n"


def test_a_service_patch_of_many_ports_merges_in_linear_time() -> None:
    from metallb_lint.gitops.patches import strategic_merge

    ports = [{"port": n} for n in range(100_000)]
    merged = strategic_merge({"spec": {"ports": ports}}, {"spec": {"ports": ports}})
    assert isinstance(merged, dict) and len(merged["spec"]["ports"]) == 100_000
