"""Declarative policies (DESIGN.md "Policy-as-code", docs/policies.md): built-in policies and
their examples, the worked example repository, loading errors one by one, where findings point,
formats and keywords, and policies taking part in selection, severities and suppressions."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from metallb_lint.catalog import catalog
from metallb_lint.policies import builtin_files, builtin_policies
from metallb_lint.policies.formats import OUR_CHECKS, count_addresses, format_checker
from metallb_lint.policies.loader import load_policy_file, parse_policies
from metallb_lint.policies.testing import check_examples, report
from tests.conftest import FIXTURES, ROOT, findings, run_cli, write
from tests.manifests import pool

EXAMPLE = FIXTURES / "policies-example"

# -- built-in policies -----------------------------------------------------------------------


def test_builtin_policies_replace_their_python_rules() -> None:
    from metallb_lint.checks.run import load_rules

    ids = [p.id for p in builtin_policies()]
    assert {"ML204", "ML406", "ML409", "ML507", "ML510"} <= set(ids)
    assert len(ids) == len(set(ids))
    registry = load_rules()
    for policy in builtin_policies():
        assert registry[policy.id].policy is policy  # not a Python function any more


@pytest.mark.parametrize("path_display", builtin_files(), ids=lambda p: Path(p[0]).name)
def test_builtin_policy_file_is_valid_and_its_examples_behave(path_display) -> None:
    path, display = path_display
    (policy,) = load_policy_file(path, display, builtin=True)  # full validation
    info = catalog()[policy.id]
    assert Path(path).name == f"{info.id}-{info.name}.yaml"
    assert (policy.name, policy.severity) == (info.name, info.severity)
    assert policy.passing and policy.failing, "a built-in policy has pass and fail examples"
    results = check_examples(policy)
    assert [r.problem for r in results if not r.ok] == []


def test_test_policies_builtin_through_the_cli() -> None:
    result = run_cli("test-policies", "--builtin")
    assert result.code == 0, result.out + result.err
    assert "0 failed" in result.out


# -- the worked example repository -----------------------------------------------------------


def test_example_repository_findings_are_exact() -> None:
    result = run_cli("--format", "json", "--select", "HOME", ".", cwd=EXAMPLE)
    assert result.code == 1, result.err
    got = [
        (f["rule"], f["name"], f["severity"], f["path"], f["line"]) for f in result.json["findings"]
    ]
    assert got == [
        ("HOME002", "media-uses-media-pool", "error", "apps/jellyfin/service.yaml", 7),
        ("HOME002", "media-uses-media-pool", "error", "apps/sonarr/service.yaml", 19),
        ("HOME001", "pools-avoid-buggy-ips", "warning", "metallb-system/templates/pools.yaml", 14),
        ("HOME003", "pool-at-most-a-26", "error", "metallb-system/templates/pools.yaml", 26),
        ("HOME004", "no-debug-logging", "warning", "metallb-system/values.yaml", 8),
    ]
    messages = [f["message"] for f in result.json["findings"]]
    assert messages[0] == (
        "Service media/jellyfin requests pool 'default'; Services in namespace media must use "
        "pool media"
    )
    assert "add the annotation metallb.io/address-pool: media" in messages[1]
    assert messages[3] == (
        "pool lab holds 256 IPv4 addresses, more than 64: no pool may be larger than a /26; "
        "split it"
    )
    assert messages[4].startswith("speaker.logLevel is 'debug' in the metallb chart values")


def test_policy_files_are_not_linted_as_manifests(tmp_path: Path) -> None:
    """Policy files hold example objects (here an empty pool, in mapping form): they are never
    read as manifests of the repository."""
    policy = GOOD + (
        "examples:\n  fail:\n    - apiVersion: metallb.io/v1beta1\n      kind: IPAddressPool\n"
        "      metadata: {name: x, namespace: metallb-system}\n      spec: {addresses: []}\n"
    )
    write(tmp_path, {"policies/p.yaml": policy, ".metallb-lint.yaml": "policies: [policies]\n"})
    result = run_cli("--format", "json", "--exit-zero", ".", cwd=tmp_path)
    assert [f for f in result.json["findings"] if f["path"].startswith("policies/")] == []
    assert result.json["summary"]["resources"] == 0
    result = run_cli("--format", "json", "--exit-zero", "--isolated", ".", cwd=tmp_path)
    assert result.json["summary"]["resources"] == 1  # without the config, it is just YAML


def test_example_policies_pass_test_policies() -> None:
    result = run_cli("test-policies", "policies", cwd=EXAMPLE)
    assert result.code == 0, result.out
    assert result.out.splitlines()[-1] == "4 policies, 13 examples, 0 failed"


def test_test_policies_reports_misbehaving_examples(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "p/bad.yaml": """\
id: ORG001
name: pools-avoid-buggy-ips
severity: warning
match: {kind: IPAddressPool}
target: /spec
schema: {required: [avoidBuggyIPs]}
message: "pool {name} must set avoidBuggyIPs"
examples:
  pass:
    - "spec: {addresses: [10.0.0.0/28]}"
  fail:
    - "spec: {addresses: [10.0.0.0/28], avoidBuggyIPs: false}"
    - "kind: Service\\nspec: {type: LoadBalancer}"
    - "spec: [unclosed"
- bogus
""".replace("- bogus\n", ""),
            "p/none.yaml": """\
id: ORG002
name: no-examples
severity: info
match: {kind: Service}
schema: true
message: nothing
""",
        },
    )
    result = run_cli("test-policies", "p", cwd=tmp_path)
    assert result.code == 1
    out = result.out
    assert "ORG001 pools-avoid-buggy-ips: FAILED (4 examples)" in out
    assert "pass[0] (p/bad.yaml:10): FAILED: expected no finding, got: pool example must" in out
    assert "fail[0] (p/bad.yaml:12): FAILED: expected a finding, got none" in out
    assert "fail[1] (p/bad.yaml:13): FAILED: the example does not match the policy" in out
    assert "fail[2] (p/bad.yaml:14): FAILED: not valid YAML" in out
    assert "ORG002 no-examples: no examples" in out
    assert out.splitlines()[-1] == "2 policies, 4 examples, 4 failed, 1 without examples"


def test_test_policies_needs_a_directory(tmp_path: Path) -> None:
    result = run_cli("test-policies", cwd=tmp_path)
    assert result.code == 2
    assert "name a policy directory" in result.err


# -- loading errors, one by one --------------------------------------------------------------

GOOD = """\
id: ORG001
name: pools-avoid-buggy-ips
severity: warning
match:
  kind: IPAddressPool
target: /spec
schema:
  required: [avoidBuggyIPs]
message: "pool {name} must set avoidBuggyIPs: true"
"""


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


LOAD_ERRORS = [
    ("unknown-key", GOOD + "tagret: /spec\n", 10, "unknown key 'tagret' (did you mean 'target'?"),
    (
        "unknown-match-key",
        _replace("  kind: IPAddressPool\n", "  kind: IPAddressPool\n  namespaces: [a]\n"),
        6,
        "match: unknown key 'namespaces' (did you mean 'namespace'?",
    ),
    (
        "unknown-kind",
        _replace("kind: IPAddressPool", "kind: Deployment"),
        5,
        "match.kind: 'Deployment' is not a kind policies can match",
    ),
    (
        "unknown-kind-in-list",
        _replace("kind: IPAddressPool", "kind: [IPAddressPool, Ingress]"),
        5,
        "match.kind[1]: 'Ingress' is not a kind policies can match",
    ),
    (
        "unknown-format",
        _replace("required: [avoidBuggyIPs]", "properties: {x: {format: ipv5}}"),
        8,
        "unknown format 'ipv5'",
    ),
    (
        "unknown-schema-keyword",
        _replace("required: [avoidBuggyIPs]", "requird: [avoidBuggyIPs]"),
        8,
        "unknown schema keyword 'requird' (did you mean 'required'?)",
    ),
    (
        "old-keyword",
        _replace("required: [avoidBuggyIPs]", "definitions: {}"),
        8,
        "unknown schema keyword 'definitions' (JSON Schema 2020-12 spells it $defs)",
    ),
    (
        "nested-unknown-keyword",
        _replace(
            "required: [avoidBuggyIPs]",
            "properties:\n    avoidBuggyIPs:\n      const: true\n      mesage: hi",
        ),
        11,
        "unknown schema keyword 'mesage' (did you mean 'message'?)",
    ),
    (
        "ml-id",
        _replace("ORG001", "ML901"),
        1,
        "id 'ML901': IDs starting with ML belong to the built-in catalog",
    ),
    ("bad-id", _replace("ORG001", "org-1"), 1, "id: the string 'org-1' is not a policy ID"),
    (
        "bad-name",
        _replace("pools-avoid-buggy-ips", "Pools_Avoid"),
        2,
        "name: the string 'Pools_Avoid' is not a policy name",
    ),
    (
        "bad-severity",
        _replace("severity: warning", "severity: fatal"),
        3,
        "severity: the string 'fatal' is not one of error, warning, info",
    ),
    (
        "missing-schema",
        _replace("schema:\n  required: [avoidBuggyIPs]\n", ""),
        1,
        "'schema' is required",
    ),
    (
        "bad-target",
        _replace("target: /spec", "target: spec"),
        6,
        "target: the string 'spec' is not a JSON pointer",
    ),
    (
        "bad-placeholder",
        _replace("pool {name}", "pool {pool}"),
        9,
        "unknown placeholder {pool} in the message",
    ),
    (
        "bad-schema-message-placeholder",
        _replace(
            "required: [avoidBuggyIPs]",
            "properties: {avoidBuggyIPs: {const: true, message: '{nmae} is wrong'}}",
        ),
        8,
        "unknown placeholder {nmae} in the message (did you mean {name}?",
    ),
    (
        "chart-without-helmvalues",
        _replace("  kind: IPAddressPool\n", "  kind: IPAddressPool\n  chart: metallb\n"),
        6,
        "match.chart applies to kind HelmValues only",
    ),
    (
        "apiversion-on-a-view",
        _replace("  kind: IPAddressPool\n", "  kind: ServiceRequest\n  apiVersion: v1\n"),
        6,
        "match.apiVersion does not apply to ServiceRequest",
    ),
    (
        "labels-on-values",
        _replace("  kind: IPAddressPool\n", "  kind: HelmValues\n  labels: {a: b}\n"),
        6,
        "match.labels does not apply to HelmValues",
    ),
    (
        "labels-on-chart-values",
        _replace("  kind: IPAddressPool\n", "  kind: MetalLBChartValues\n  labels: {a: b}\n"),
        6,
        "match.labels does not apply to MetalLBChartValues",
    ),
    (
        "bad-regex",
        _replace("required: [avoidBuggyIPs]", "properties: {x: {pattern: '[a-'}}"),
        8,
        "invalid JSON Schema: '[a-' is not a 'regex'",
    ),
    (
        "remote-ref",
        _replace("required: [avoidBuggyIPs]", "$ref: 'https://example.com/s.json'"),
        8,
        "only local references",
    ),
    (
        "invalid-json-schema",
        _replace("required: [avoidBuggyIPs]", "type: thing"),
        8,
        "invalid JSON Schema: 'thing' is not valid under any of the given schemas",
    ),
    (
        "bad-max-addresses",
        _replace("required: [avoidBuggyIPs]", "properties: {addresses: {maxAddresses: lots}}"),
        8,
        "maxAddresses must be a whole number of addresses",
    ),
    (
        "bad-version-constraint",
        _replace("  kind: IPAddressPool\n", "  kind: IPAddressPool\n  metallbVersion: '>= 0.14'\n"),
        6,
        "match.metallbVersion: the string '>= 0.14' is not a version constraint",
    ),
    (
        "bad-mode",
        _replace("  kind: IPAddressPool\n", "  kind: IPAddressPool\n  mode: bgp\n"),
        6,
        "match.mode: the string 'bgp' is not one of native, frr, frr-k8s",
    ),
    ("yaml-syntax", GOOD + "examples: [\n", 11, "invalid policy:"),
    ("empty-file", "# nothing\n", 1, "the file is empty"),
    ("a-scalar", "just words\n", 1, "a policy file holds a policy or a list of them"),
    ("duplicate-key", GOOD + "severity: error\n", 10, "invalid policy:"),
    (
        "duplicate-id-in-file",
        "- "
        + GOOD.replace("\n", "\n  ").rstrip()
        + "\n- "
        + GOOD.replace("\n", "\n  ").rstrip()
        + "\n",
        10,
        "'ORG001' is defined twice in this file (first at line 1)",
    ),
    (
        "empty-examples-key",
        GOOD + "examples:\n  passes: []\n",
        11,
        "examples: unknown key 'passes' (did you mean 'pass'?",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "fragment"), [c[1:] for c in LOAD_ERRORS], ids=[c[0] for c in LOAD_ERRORS]
)
def test_policy_load_errors(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    write(tmp_path, {"policies/p.yaml": text, "pool.yaml": POOL})
    result = run_cli("--isolated", "--policies", "policies", ".", cwd=tmp_path)
    assert result.code == 2, result.out
    assert result.err.startswith(f"metallb-lint: policies/p.yaml:{line}: invalid policy: "), (
        result.err
    )
    assert fragment in result.err, result.err
    assert result.err.count("\n") == 1


def test_the_good_policy_loads() -> None:
    (policy,) = parse_policies(GOOD, "p.yaml")
    assert (policy.id, policy.name, str(policy.severity)) == (
        "ORG001",
        "pools-avoid-buggy-ips",
        "warning",
    )


def test_ids_and_names_are_unique_across_files_and_builtins(tmp_path: Path) -> None:
    write(tmp_path, {"a/one.yaml": GOOD, "a/two.yaml": GOOD.replace("pools-avoid", "x-avoid")})
    result = run_cli("--isolated", "--policies", "a", ".", cwd=tmp_path)
    assert result.code == 2
    assert "a/two.yaml:1: invalid policy: 'ORG001' is already defined at a/one.yaml:1" in result.err
    write(tmp_path, {"b/one.yaml": GOOD.replace("pools-avoid-buggy-ips", "empty-pool")})
    result = run_cli("--isolated", "--policies", "b", ".", cwd=tmp_path)
    assert "name 'empty-pool' is taken by the built-in rule ML204" in result.err


def test_policy_directories_must_exist_and_hold_policies(repo: Path) -> None:
    result = run_cli("--isolated", "--policies", "nowhere", ".", cwd=repo)
    assert result.code == 2 and "policies: nowhere: no such directory" in result.err
    (repo / "empty").mkdir()
    result = run_cli("--isolated", "--policies", "empty", ".", cwd=repo)
    assert result.code == 2 and "no policy files" in result.err
    write(repo, {".metallb-lint.yaml": "policies:\n  - rules\n  - missing\n"})
    (repo / "rules").mkdir()
    write(repo, {"rules/p.yaml": GOOD})
    result = run_cli(".", cwd=repo)
    assert result.code == 2
    assert ".metallb-lint.yaml:3: invalid configuration: policies[1]: 'missing' is not a " in (
        result.err
    )


def test_config_names_policies_like_builtin_rules(repo: Path) -> None:
    write(
        repo,
        {
            "policies/p.yaml": GOOD,
            "pool.yaml": POOL,
            ".metallb-lint.yaml": "policies: [policies]\nselect: [ORG, ML204]\n"
            "severity: {pools-avoid-buggy-ips: error}\n",
        },
    )
    result = run_cli("--format", "json", ".", cwd=repo)
    assert result.code == 1, result.err
    assert [(f["rule"], f["severity"]) for f in result.json["findings"]] == [("ORG001", "error")]
    write(repo, {".metallb-lint.yaml": "select: [ORG001]\n"})  # not loaded: names no rule
    result = run_cli(".", cwd=repo)
    assert result.code == 2 and ".metallb-lint.yaml:1: invalid configuration: select: " in (
        result.err
    )


# -- policies are rules like the others ------------------------------------------------------

POOL = pool("192.168.1.240/28")


def lint(root: Path, *args: str):
    return run_cli("--isolated", "--format", "json", "--exit-zero", *args, ".", cwd=root)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--select", "ORG001"), [("ORG001", "pool.yaml", 4)]),
        (("--select", "ORG"), [("ORG001", "pool.yaml", 4)]),
        (("--select", "org0"), [("ORG001", "pool.yaml", 4)]),
        (("--select", "pools-avoid-buggy-ips"), [("ORG001", "pool.yaml", 4)]),
        (("--select", "OR"), None),  # not a prefix of the letters: names no rule
        (("--select", "ORG", "--ignore", "pools-avoid-buggy-ips"), []),
        (("--select", "ML204"), []),
    ],
)
def test_selection_of_policies(repo: Path, args, expected) -> None:
    write(repo, {"policies/p.yaml": GOOD, "pool.yaml": POOL})
    result = lint(repo, "--policies", "policies", *args)
    if expected is None:
        assert result.code == 2 and "'OR' names no rule" in result.err
        return
    assert findings(result) == expected


def test_policies_off_by_default_run_when_selected(repo: Path) -> None:
    write(repo, {"policies/p.yaml": GOOD + "enabled: false\n", "pool.yaml": POOL})
    assert "ORG001" not in {f[0] for f in findings(lint(repo, "--policies", "policies"))}
    assert findings(lint(repo, "--policies", "policies", "--select", "ORG001")) == [
        ("ORG001", "pool.yaml", 4)
    ]


def test_suppressions_apply_to_policies(repo: Path) -> None:
    commented = POOL.replace(
        "  name: default\n", "  name: default  # metallb-lint: disable=ORG001 -- legacy\n"
    )
    write(repo, {"policies/p.yaml": GOOD, "pool.yaml": commented})
    result = lint(repo, "--policies", "policies", "--select", "ORG")
    assert [(f["rule"], f.get("suppression_reason")) for f in result.json["findings"]] == [
        ("ORG001", "legacy")
    ]
    annotated = POOL.replace(
        "  namespace: metallb-system\n",
        "  namespace: metallb-system\n  annotations:\n"
        '    lint.metallb.io/ignore: "pools-avoid-buggy-ips=old pool"\n',
    )
    write(repo, {"pool.yaml": annotated})
    result = lint(repo, "--policies", "policies", "--select", "ORG")
    assert [f.get("suppression_reason") for f in result.json["findings"]] == ["old pool"]


def test_policy_findings_in_sarif_and_json(repo: Path) -> None:
    write(repo, {"policies/p.yaml": GOOD, "pool.yaml": POOL})
    result = run_cli(
        "--isolated", "-f", "sarif", "--select", "ORG", "--policies", "policies", ".", cwd=repo
    )
    run = json.loads(result.out)["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "ORG001"
    assert run["results"][0]["ruleId"] == "ORG001"


# -- where findings point, and messages ------------------------------------------------------

LABELLED_POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lab
  namespace: metallb-system
  labels:
    team: net
    tier: edge
    zone: a
spec:
  addresses:
    - 10.0.0.0/28
    - 192.168.1.10-192.168.1.20
  autoAssign: false
"""

POLICY = """\
id: ORG001
name: org-rule
severity: warning
match: {kind: IPAddressPool}
"""


def engine_findings(root: Path, monkeypatch, policy: str, files: dict[str, str], **options):
    """Findings (with anchors) of one user policy, through the engine."""
    from metallb_lint.config import Config
    from metallb_lint.engine import Options, run

    write(root, {"policies/p.yaml": policy, **files})
    monkeypatch.chdir(root)
    result = run(
        Options(paths=["."], select=["ORG"], policies=[str(root / "policies")], **options),
        Config(),
    )
    return result.findings


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        pytest.param(
            "target: /spec\nschema: {required: [avoidBuggyIPs]}\nmessage: m {key}\n",
            [(4, "m avoidBuggyIPs", "spec.avoidBuggyIPs")],
            id="key-the-target-lacks-at-the-resource",
        ),
        pytest.param(
            "target: /spec/serviceAllocation\nschema: {required: [priority]}\nmessage: m\n",
            [(4, "m", "spec.serviceAllocation.priority")],
            id="missing-target-is-an-empty-mapping-at-the-resource",
        ),
        pytest.param(
            "schema: {properties: {spec: {required: [avoidBuggyIPs]}}}\nmessage: m\n",
            [(10, "m", "spec.avoidBuggyIPs")],
            id="key-a-nested-mapping-lacks-at-its-key",
        ),
        pytest.param(
            "target: /spec/autoAssign\nschema: {const: true}\nmessage: 'v={value} p={path}'\n",
            [(14, "v=false p=spec.autoAssign", "spec.autoAssign")],
            id="failing-value",
        ),
        pytest.param(
            "target: /spec/addresses\nschema: {items: {format: ipv4-cidr}}\n"
            "message: '{value}: {error}'\n",
            [
                (
                    13,
                    "192.168.1.10-192.168.1.20: '192.168.1.10-192.168.1.20' is not a 'ipv4-cidr'",
                    "spec.addresses[1]",
                )
            ],
            id="list-item",
        ),
        pytest.param(
            "target: /metadata/labels\n"
            "schema: {properties: {team: true}, additionalProperties: false}\n"
            "message: 'no label {key}'\n",
            [
                (8, "no label tier", "metadata.labels.tier"),
                (9, "no label zone", "metadata.labels.zone"),
            ],
            id="additional-properties-one-per-key",
        ),
        pytest.param(
            "target: /metadata/labels\nschema: {propertyNames: {pattern: '^[a-t]'}}\n"
            "message: 'bad {value}'\n",
            [(9, "bad zone", "metadata.labels.zone")],
            id="property-names-at-the-key",
        ),
        pytest.param(
            "target: /metadata/labels\nschema: {maxProperties: 1}\nmessage: 'many: {value}'\n",
            [(6, 'many: {"team": "net", "tier": "edge", "zone": "a"}', "metadata.labels")],
            id="block-mapping-at-its-key",
        ),
        pytest.param(
            "schema: {properties: {spec: {properties: {autoAssign: {const: true}}}}}\n"
            "message: '{{{/metadata/name}}} {/spec/avoidBuggyIPs} {/metadata/labels/team}'\n",
            [(14, "{lab} (not set) net", "spec.autoAssign")],
            id="pointer-placeholders-and-braces",
        ),
        pytest.param(
            "schema:\n  properties:\n    spec:\n      properties:\n        autoAssign:\n"
            "          const: true\n          message: 'inner {name} {kind} {namespace} {id}'\n"
            "message: outer\n",
            [(14, "inner lab IPAddressPool metallb-system ORG001", "spec.autoAssign")],
            id="subschema-message",
        ),
    ],
)
def test_locations_anchors_and_messages(tmp_path: Path, monkeypatch, rest: str, expected) -> None:
    found = engine_findings(tmp_path, monkeypatch, POLICY + rest, {"pool.yaml": LABELLED_POOL})
    assert [(f.location.line, f.message, f.anchor) for f in found] == expected
    assert all(f.resource and f.resource.name == "lab" for f in found)


@pytest.mark.parametrize(
    ("match", "names"),
    [
        ("{kind: IPAddressPool}", ["a", "b", "c"]),
        ("{kind: IPAddressPool, name: 'a*'}", ["a"]),
        ("{kind: IPAddressPool, name: [a, c]}", ["a", "c"]),
        ("{kind: IPAddressPool, namespace: lab}", ["c"]),
        ("{kind: IPAddressPool, namespace: '*'}", ["a", "b", "c"]),
        ("{kind: IPAddressPool, labels: {tier: 'e*'}}", ["b"]),
        ("{kind: IPAddressPool, apiVersion: metallb.io/v1beta2}", []),
        ("{kind: IPAddressPool, metallbVersion: '>=0.15.0'}", []),
        ("{kind: IPAddressPool, metallbVersion: '>=0.14.0, <0.15.0'}", ["a", "b", "c"]),
        ("{kind: IPAddressPool, mode: native}", []),
        ("[{kind: IPAddressPool, name: a}, {kind: IPAddressPool, name: c}]", ["a", "c"]),
        ("{kind: Service}", ["svc"]),  # a Knative Service is not a v1 Service
        ("{kind: Service, apiVersion: 'serving.knative.dev/*'}", ["kn"]),
        ("{kind: ServiceRequest, namespace: media}", ["svc"]),
        ("{kind: HelmValues, chart: metallb}", ["lb"]),
        ("{kind: MetalLBChartValues}", ["lb"]),
        ("{kind: MetalLBChartValues, metallbVersion: '>=0.14.9'}", []),
    ],
)
def test_matching(tmp_path: Path, monkeypatch, match: str, names: list[str]) -> None:
    pools = "".join(
        f"---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: {n}\n"
        f"  namespace: {ns}\n  labels: {{tier: {tier}}}\nspec:\n  addresses: [10.0.{i}.0/28]\n"
        for i, (n, ns, tier) in enumerate(
            [("a", "metallb-system", "core"), ("b", "metallb-system", "edge"), ("c", "lab", "x")]
        )
    )
    files = {
        "pools.yaml": pools,
        "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: media}\n"
        "spec: {type: LoadBalancer}\n---\napiVersion: serving.knative.dev/v1\nkind: Service\n"
        "metadata: {name: kn, namespace: media}\nspec: {loadBalancer: true}\n",
        "lb/Chart.yaml": "apiVersion: v2\nname: lb\nversion: 1.0.0\ndependencies:\n"
        "  - {name: metallb, version: 0.14.8, repository: https://metallb.github.io/metallb}\n",
        "lb/values.yaml": "metallb: {controller: {logLevel: info}}\n",
    }
    policy = (
        f"id: ORG001\nname: org-rule\nseverity: info\nmatch: {match}\nschema: false\n"
        "message: '{name}'\n"
    )
    found = engine_findings(tmp_path, monkeypatch, policy, files, metallb_version="0.14.8")
    assert sorted({f.message for f in found}) == names


CHART_VALUES_POLICY = """\
id: ORG001
name: org-rule
severity: info
match: {kind: MetalLBChartValues, metallbVersion: "<0.15.0"}
schema:
  properties:
    controller:
      properties:
        logLevel: {const: debug, message: "{version} {path} {value}"}
        livenessProbe:
          properties:
            enabled: {const: false, message: "{version} {path} {value}"}
message: m
"""


def test_chart_values_are_merged_and_matched_by_their_chart_release(
    tmp_path: Path, monkeypatch
) -> None:
    """MetalLBChartValues: the chart's defaults merged under the user's values; metallbVersion
    and {version} are the release the values are rendered with (the pin, not the target); a
    default points at the deepest key the user wrote on its way, a user value at itself."""
    files = {
        "lb/Chart.yaml": "apiVersion: v2\nname: lb\nversion: 1.0.0\ndependencies:\n"
        "  - {name: metallb, version: 0.14.8, repository: https://metallb.github.io/metallb}\n",
        "lb/values.yaml": "metallb:\n  controller:\n    logLevel: warn\n",
    }
    found = engine_findings(
        tmp_path, monkeypatch, CHART_VALUES_POLICY, files, metallb_version="0.15.2"
    )
    assert sorted((f.location.line, f.message, f.anchor) for f in found) == [
        (2, "0.14.8 controller.livenessProbe.enabled true", "controller.livenessProbe.enabled"),
        (3, "0.14.8 controller.logLevel warn", "controller.logLevel"),
    ]
    assert {f.resource.name for f in found} == {"lb"}


def test_missing_target_and_null_target_point_at_the_resource(tmp_path: Path, monkeypatch) -> None:
    policy = POLICY + "target: /spec\nschema: {required: [avoidBuggyIPs]}\nmessage: m\n"
    pool = LABELLED_POOL.split("spec:")[0]
    found = engine_findings(
        tmp_path, monkeypatch, policy, {"a.yaml": pool, "b.yaml": pool + "spec: null\n"}
    )
    assert [(f.path, f.location.line, f.anchor) for f in found] == [
        ("a.yaml", 4, "spec.avoidBuggyIPs"),
        ("b.yaml", 4, "spec.avoidBuggyIPs"),
    ]


# -- formats and keywords --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("ip", ["192.168.1.1", "fd00::1"], ["192.168.1.256", "10.0.0.0/8", ""]),
        ("ipv4", ["192.168.1.1"], ["fd00::1", "192.168.1"]),
        ("ipv6", ["fd00::1", "::"], ["192.168.1.1", "fd00::/64"]),
        ("ipv4-cidr", ["10.0.0.0/8", "10.0.0.1/8"], ["10.0.0.0/33", "fd00::/64", "10.0.0.1"]),
        ("ipv6-cidr", ["fd00::/64"], ["10.0.0.0/8", "fd00::/129"]),
        ("cidr", ["10.0.0.0/8", "fd00::/64"], ["10.0.0.1-10.0.0.9"]),
        ("ip-range", ["10.0.0.1-10.0.0.9", "fd00::1-fd00::9"], ["10.0.0.9-10.0.0.1", "10.0.0.0/8"]),
        (
            "metallb-address",
            ["10.0.0.0/8", "10.0.0.1 - 10.0.0.9"],
            ["10.0.0.1", " 10.0.0.0/8", "10.0.0.1-fd00::1"],
        ),
        ("placeholder", ["${POOL}", "__POOL__", "{{ .Values.ip }}"], ["10.0.0.1"]),
    ],
)
def test_formats(fmt: str, good: list[str], bad: list[str]) -> None:
    checker = format_checker()
    for value in good:
        assert checker.conforms(value, fmt) and OUR_CHECKS[fmt](value), (fmt, value)
    for value in bad:
        assert not checker.conforms(value, fmt) and not OUR_CHECKS[fmt](value), (fmt, value)
    if fmt != "placeholder":
        assert checker.conforms("${UNRESOLVED}", fmt)  # never judged
        assert checker.conforms(5, fmt)  # formats apply to strings only


@pytest.mark.parametrize(
    ("entries", "counts"),
    [
        (["10.0.0.0/30"], {4: 4, 6: 0}),
        (["10.0.0.0/30", "10.0.1.1-10.0.1.3", "fd00::/126"], {4: 7, 6: 4}),
        (["${RANGE}"], None),
        (["10.0.0.1"], None),  # a bare address: ML201's, not counted
        ("10.0.0.0/30", None),
    ],
)
def test_count_addresses(entries, counts) -> None:
    assert count_addresses(entries) == counts


def test_address_keywords(tmp_path: Path, monkeypatch) -> None:
    policy = POLICY + (
        "target: /spec/addresses\nschema: {maxAddresses: {ipv4: 8}, minAddresses: 20}\n"
        "message: '{error}'\n"
    )
    found = engine_findings(tmp_path, monkeypatch, policy, {"pool.yaml": LABELLED_POOL})
    assert [f.message for f in found] == [
        "27 IPv4 addresses, more than 8",
    ]
    policy = policy.replace("minAddresses: 20", "minAddresses: 30")
    found = engine_findings(tmp_path, monkeypatch, policy, {"pool.yaml": LABELLED_POOL})
    assert [f.message for f in found] == [
        "27 IPv4 addresses, more than 8",
        "27 addresses, fewer than 30",
    ]


# -- the small evaluator agrees with jsonschema ----------------------------------------------


def _all_policies():
    from metallb_lint.policies.loader import load_locations

    return [*builtin_policies(), *load_locations([(str(EXAMPLE / "policies"), "policies")])]


def _instances():
    """Documents of every example and fixture subject, as policies see them."""
    from metallb_lint.checks.context import Context
    from metallb_lint.config import Config
    from metallb_lint.engine import Options, run
    from metallb_lint.policies.subjects import subjects

    out = []
    for folder in [FIXTURES / "homelab", *sorted((FIXTURES / "rules").glob("ML4*/*"))]:
        result = run(Options(paths=[str(folder)], select=["ML001"]), Config())
        ctx = Context(result.inventory, Config())
        for policy in _all_policies():
            out += [(policy, s.data) for s in subjects(policy, ctx)]
    return out


def test_mini_evaluator_matches_jsonschema() -> None:
    import jsonschema

    from metallb_lint.policies import mini
    from metallb_lint.policies.evaluation import _validator_class, resolve
    from metallb_lint.policies.formats import format_checker

    checked = 0
    for policy, document in _instances():
        assert mini.supported(policy.schema), policy.id
        value, _ = resolve(document, policy.target)
        instance = (
            {}
            if value is None or not isinstance(value, (dict, list, str, int, float, bool))
            else value
        )
        ours = sorted(
            (tuple(map(str, e.absolute_path)), str(e.validator), e.message)
            for e in mini.MiniValidator(policy.schema).iter_errors(instance)
        )
        theirs = sorted(
            (tuple(map(str, e.absolute_path)), str(e.validator), e.message)
            for e in _validator_class()(policy.schema, format_checker=format_checker()).iter_errors(
                instance
            )
        )
        assert ours == theirs, (policy.id, document)
        checked += 1
    assert checked > 50
    del jsonschema


def test_validator_is_compiled_once_per_policy() -> None:
    from metallb_lint.policies.evaluation import validator_for

    policy = builtin_policies()[0]
    assert validator_for(policy) is validator_for(policy)


def test_builtin_policies_do_not_import_jsonschema(tmp_path: Path) -> None:
    """A run over pools and Services evaluates built-in policies without jsonschema."""
    write(
        tmp_path,
        {
            "pool.yaml": POOL,
            "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: b}\n"
            "spec: {type: ClusterIP, loadBalancerIP: 192.168.1.241}\n",
        },
    )
    probe = (
        "import sys\nfrom metallb_lint.cli import main\n"
        "main(['--isolated', '--exit-zero', '-f', 'json', sys.argv[1]])\n"
        "print('jsonschema' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert done.stderr.strip().splitlines()[-1] == "False"
    assert json.loads(done.stdout)["findings"]


def test_report_lists_every_example_when_verbose() -> None:
    out = io.StringIO()
    from metallb_lint.policies.loader import load_locations

    policies = load_locations([(str(EXAMPLE / "policies"), "policies")])
    assert report(policies, out, verbose=True)
    assert "pass[0] (policies/pools.yaml:" in out.getvalue()


def test_the_policies_in_docs_policies_md_load_and_pass_their_examples() -> None:
    """Every complete policy the guide shows (a ```yaml block opening with `# policies/...`)
    loads and passes its own examples, so the guide cannot drift from the format."""
    import re

    text = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    blocks = [
        b for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL) if b.startswith("# policies/")
    ]
    assert len(blocks) >= 2
    for block in blocks:
        for policy in parse_policies(block, "docs/policies.md"):
            problems = [r for r in check_examples(policy) if not r.ok]
            assert problems == [], (policy.id, problems)
