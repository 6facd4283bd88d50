"""The authored schemas of schemas/: one per kind and one chart values model, specialised for
every release the tool knows (metallb_lint.metallb.schema)."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from metallb_lint.findings import Location
from metallb_lint.metallb import schema as S
from metallb_lint.metallb.versions import KNOWN_VERSIONS, NEWEST, RELEASES, Version, v
from metallb_lint.model.target import choose_version
from metallb_lint.resources import data_dir
from tests.conftest import ROOT

ANNOTATIONS = {
    "x-since",
    "x-until",
    "x-variants",
    "x-deprecated",
    "x-removed",
    "x-open",
    "x-schema-only",
    "x-unchecked",
    "x-note",
    "x-kind",
    "x-api-versions",
    "x-chart",
}


def spec_props(version: str, kind: str = "BGPPeer", api: str = "metallb.io/v1beta2") -> dict:
    model = S.schema_set(v(version)).crd(api, kind)
    assert model is not None
    return model.tree["properties"]["spec"]


def _schema_files() -> list[str]:
    folder = data_dir("schemas")
    names = [f"crds/{e.name}" for e in (folder / "crds").iterdir() if e.name.endswith(".json")]
    names += [f"chart-values/{e.name}" for e in (folder / "chart-values").iterdir()]
    return sorted([*names, "service.json"])


# -- every release maps to a schema set ----------------------------------------------------------


@pytest.mark.parametrize("release", sorted(RELEASES, key=lambda t: Version.parse(t)))
def test_every_known_release_maps_to_a_schema_set(release: str) -> None:
    version = v(release)
    sset = S.schema_set(version)
    assert sset.version == version
    if version < v("0.13.0"):
        # before 0.13 there are no CRDs: MetalLB reads the ConfigMap
        assert sset.crds == {}
        assert sset.legacy_config
    else:
        assert not sset.legacy_config
        kinds = {kind for _, kind in sset.crds}
        assert {"IPAddressPool", "L2Advertisement", "BGPAdvertisement", "BGPPeer"} <= kinds
        assert {"BFDProfile", "Community"} <= kinds
        assert sset.served("BGPPeer") == ["metallb.io/v1beta1", "metallb.io/v1beta2"]
        assert ("AddressPool" in kinds) == (version < v("0.14.0"))
        for api, kind in sset.crds:
            model = sset.crd(api, kind)
            jsonschema.Draft202012Validator.check_schema(S.strip(model.tree))
    values = sset.values_model()
    if version < v("0.12.0"):
        # MetalLB's chart starts with 0.10.0; its values are modelled from 0.12.0 (facts §4)
        assert values is None, release
        return
    assert values is not None, release
    jsonschema.Draft202012Validator.check_schema(S.strip(values.tree))
    assert {"controller", "speaker", "prometheus"} <= set(values.defaults)


def test_newest_known_release_is_the_default() -> None:
    assert NEWEST == max(KNOWN_VERSIONS) == v("0.16.1")
    assert S.default_schema_set().version == NEWEST
    assert S.default_schema_set() is S.schema_set(NEWEST)
    version, source, location, assumed = choose_version(None, None, None, [])
    assert (version, source, location, assumed) == (NEWEST, "assumed", None, True)
    assert S.known_releases() == list(KNOWN_VERSIONS)


def test_a_release_newer_than_the_tool_gets_the_newest_schemas() -> None:
    future = S.schema_set(v("0.17.0"))
    assert future.crds == S.schema_set(NEWEST).crds
    assert (
        "localASN"
        in future.crd("metallb.io/v1beta2", "BGPPeer").tree["properties"]["spec"]["properties"]
    )


# -- the files themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("name", _schema_files())
def test_schema_files_are_draft_2020_12_with_known_annotations(name: str) -> None:
    raw = json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))
    assert raw["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert raw["$id"].endswith(name)
    jsonschema.Draft202012Validator.check_schema(S.strip(raw))

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("x-"):
                    assert key in ANNOTATIONS, (name, key)
                if key in ("x-since", "x-until"):
                    assert value in RELEASES, (name, key, value)
                if key == "x-variants":
                    for variant in value:
                        assert set(variant) & {"x-since", "x-until"}, (name, variant)
                if key == "x-removed":
                    assert value["rule"] in ("ML105", "ML106"), name
                if key not in ("default", "enum", "const"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(raw)


def test_one_file_per_kind_and_api_version() -> None:
    catalogue = {(info.kind, api) for info in S.crd_catalogue() for api in info.api_versions}
    assert catalogue == {
        ("IPAddressPool", "v1beta1"),
        ("L2Advertisement", "v1beta1"),
        ("BGPAdvertisement", "v1beta1"),
        ("BGPPeer", "v1beta1"),
        ("BGPPeer", "v1beta2"),
        ("BFDProfile", "v1beta1"),
        ("Community", "v1beta1"),
        ("AddressPool", "v1alpha1"),
        ("AddressPool", "v1beta1"),
    }


# -- differences inside a release line --------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "first"),
    [
        ("vrf", "0.13.8"),
        ("connectTime", "0.14.4"),
        ("disableMP", "0.14.4"),
        ("enableGracefulRestart", "0.14.6"),
        ("dynamicASN", "0.14.9"),
        ("interface", "0.15.0"),
        ("dualStackAddressFamily", "0.15.0"),
        ("localASN", "0.16.0"),
    ],
)
def test_bgppeer_fields_arrive_in_their_patch_release(field: str, first: str) -> None:
    before = [r for r in KNOWN_VERSIONS if v("0.13.0") <= r < v(first)]
    after = [r for r in KNOWN_VERSIONS if r >= v(first)]
    assert before and after
    for release in before:
        assert field not in spec_props(str(release))["properties"], release
    for release in after:
        assert field in spec_props(str(release))["properties"], release
    # v1beta1 never had them
    assert field not in spec_props(first, api="metallb.io/v1beta1")["properties"]


def test_bgppeer_required_fields_and_port_minimum_per_release() -> None:
    assert spec_props("0.14.8")["required"] == ["myASN", "peerASN", "peerAddress"]
    assert spec_props("0.14.9")["required"] == ["myASN", "peerAddress"]
    assert spec_props("0.15.0")["required"] == ["myASN"]
    assert spec_props("0.14.9")["properties"]["peerPort"]["minimum"] == 0
    assert spec_props("0.15.0")["properties"]["peerPort"]["minimum"] == 1
    assert spec_props("0.16.1", api="metallb.io/v1beta1")["required"] == [
        "myASN",
        "peerASN",
        "peerAddress",
    ]


@pytest.mark.parametrize(
    ("kind", "field", "present", "absent"),
    [
        ("IPAddressPool", "avoidBuggyIPs", ["0.13.4", "0.16.1"], ["0.13.0", "0.13.2", "0.13.3"]),
        ("IPAddressPool", "serviceAllocation", ["0.13.8", "0.14.3"], ["0.13.7"]),
        ("L2Advertisement", "interfaces", ["0.13.6", "0.15.3"], ["0.13.5"]),
        ("L2Advertisement", "serviceSelectors", ["0.16.0"], ["0.15.3"]),
        ("BGPAdvertisement", "serviceSelectors", ["0.16.0", "0.16.1"], ["0.14.9", "0.15.3"]),
    ],
)
def test_fields_of_other_kinds_per_release(
    kind: str, field: str, present: list[str], absent: list[str]
) -> None:
    for release in present:
        assert field in spec_props(release, kind, "metallb.io/v1beta1")["properties"]
    for release in absent:
        assert field not in spec_props(release, kind, "metallb.io/v1beta1")["properties"]


# -- the chart values model ---------------------------------------------------------------------


def values_defaults(release: str) -> dict:
    model = S.schema_set(v(release)).values_model()
    assert model is not None
    return model.defaults


@pytest.mark.parametrize(
    ("release", "frr", "frrk8s", "metrics"),
    [
        ("0.12.0", True, None, 7472),
        ("0.12.1", False, None, 7472),
        ("0.13.9", False, None, 7472),
        ("0.13.10", True, None, 7472),
        ("0.14.3", True, False, 7472),
        ("0.15.3", True, False, 7472),
        ("0.16.0", False, True, 9120),
        ("0.16.1", False, True, 9120),
    ],
)
def test_chart_defaults_the_checks_need(release, frr, frrk8s, metrics) -> None:
    defaults = values_defaults(release)
    assert defaults["speaker"]["frr"]["enabled"] is frr
    assert defaults.get("frrk8s", {}).get("enabled") is frrk8s
    assert defaults["prometheus"]["metricsPort"] == metrics
    assert defaults["controller"]["livenessProbe"] == {
        "enabled": True,
        "failureThreshold": 3,
        "initialDelaySeconds": 10,
        "periodSeconds": 10,
        "successThreshold": 1,
        "timeoutSeconds": 1,
        **({"port": 17472} if release == "0.16.1" else {}),
    }
    assert ("existingConfigMap" in defaults) == (release.startswith("0.12"))
    assert defaults.get("loadBalancerClass", "") == ""


def test_chart_keys_per_release() -> None:
    keys = {r: set(values_defaults(r)) for r in ("0.12.1", "0.13.12", "0.14.3", "0.15.3", "0.16.1")}
    common = {"imagePullSecrets", "nameOverride", "fullnameOverride", "rbac", "prometheus"}
    assert keys["0.12.1"] == common | {
        "controller",
        "speaker",
        "existingConfigMap",
        "configInline",
        "psp",
    }
    assert keys["0.13.12"] == common | {"controller", "speaker", "loadBalancerClass", "crds"}
    assert keys["0.14.3"] == keys["0.13.12"] | {"frrk8s"}
    assert keys["0.15.3"] == keys["0.14.3"] | {"networkpolicies"}
    assert keys["0.16.1"] == keys["0.15.3"] | {"tls", "frr-k8s"}
    assert values_defaults("0.14.6")["frrk8s"] == {
        "enabled": False,
        "external": False,
        "namespace": "",
    }
    assert "tlsMinVersion" not in values_defaults("0.16.0")["controller"]
    assert values_defaults("0.15.3")["controller"]["tlsMinVersion"] == "VersionTLS12"


def test_values_constraints_follow_the_chart_schema() -> None:
    def validate(release: str, values: dict) -> list[str]:
        model = S.schema_set(v(release)).values_model()
        from metallb_lint.model.chart_values import coalesce

        return [p.message for p in S.problems(model.validator, coalesce(model.defaults, values))]

    bad_controller = {"controller": {"logLevel": "verbose"}}
    assert validate("0.14.3", bad_controller)
    assert validate("0.12.1", bad_controller)
    assert validate("0.13.12", bad_controller) == []  # the 0.13 schema lost controller.*
    assert validate("0.12.1", {"speaker": {"frr": {"logLevel": "chatty"}}})
    assert validate("0.13.0", {"speaker": {"frr": {"logLevel": "chatty"}}}) == []
    assert validate("0.16.1", {"speaker": {"bgpDebounceTimeout": -1}})
    assert validate("0.16.1", {"frrk8s": {"enabled": "yes"}}) == []  # no schema for frrk8s
    assert validate("0.14.3", {"prometheus": {"podMonitor": {"interval": "30s"}}}) == [
        "`prometheus.podMonitor.interval` must be a whole number or null, not the string '30s'"
    ]


# -- compiled once, imported lazily -------------------------------------------------------------


def test_models_and_validators_are_built_once() -> None:
    first = S.model("crds/bgppeer-v1beta2.json", v("0.14.8"))
    assert S.model("crds/bgppeer-v1beta2.json", v("0.14.8")) is first
    assert first.validator is first.validator
    assert S.schema_set(v("0.14.8")).crd("metallb.io/v1beta2", "BGPPeer") is first


def test_jsonschema_is_imported_only_for_external_schemas(tmp_path) -> None:
    """The authored schemas use the small built-in validator; `jsonschema` (~70 ms to import)
    is loaded only for a CRD manifest or a vendored chart's own values schema."""
    (tmp_path / "pool.yaml").write_text(
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: a\n"
        "  namespace: metallb-system\nspec:\n  addresses: 10.0.0.0/29\n"
    )
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "metallb.io",
            "names": {"kind": "IPAddressPool"},
            "versions": [
                {
                    "name": "v1beta1",
                    "served": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {}}},
                }
            ],
        },
    }
    (tmp_path / "crd.json").write_text(json.dumps(crd))
    probe = (
        "import sys\nfrom metallb_lint.cli import main\n"
        "main(['--isolated', '--exit-zero', '-f', 'json', *sys.argv[1:]])\n"
        "print('jsonschema' in sys.modules, file=sys.stderr)\n"
    )
    for args, expected in (
        ([str(tmp_path / "pool.yaml")], "False"),
        (["--crd", str(tmp_path / "crd.json"), str(tmp_path / "pool.yaml")], "True"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        assert done.stderr.strip().splitlines()[-1] == expected, args
        if expected == "False":
            found = [f["message"] for f in json.loads(done.stdout)["findings"]]
            assert any("must be a list" in m for m in found), found


def _instances(tree: dict, depth: int = 0):
    """Valid-looking and broken instances for a schema tree: each leaf with each wrong type."""
    wrong = ["Internal", 7.5, True, None, [1], {}, -1, 70000, 4294967296]
    props = tree.get("properties") or {}
    yield {}
    for key, child in props.items():
        for value in wrong:
            yield {key: value}
        if depth < 2:
            for inner in _instances(child, depth + 1):
                yield {key: inner}
                yield {key: [inner]}
        yield {key: None, "unknownKey": 1}


def test_the_small_validator_agrees_with_jsonschema() -> None:
    checked = 0
    seen: set[str] = set()
    for release in KNOWN_VERSIONS:
        sset = S.schema_set(release)
        models = [sset.crd(api, kind) for api, kind in sset.crds] + [sset.values_model()]
        for model in filter(None, models):  # no values model before 0.12
            schema = S.strip(model.tree)
            if json.dumps(schema, sort_keys=True) in seen:
                continue  # the same schema as in an earlier release
            seen.add(json.dumps(schema, sort_keys=True))
            assert S.mini_supported(schema), model.name
            mini = S.MiniValidator(schema)
            reference = jsonschema.Draft202012Validator(schema)
            for instance in _instances(model.tree):
                ours = sorted(
                    (tuple(map(str, e.absolute_path)), e.validator)
                    for e in mini.iter_errors(instance)
                )
                theirs = sorted(
                    (tuple(map(str, e.absolute_path)), e.validator)
                    for e in reference.iter_errors(instance)
                )
                assert ours == theirs, (model.name, release, instance)
                checked += 1
    assert checked > 2_000


# -- errors as one clear problem each ------------------------------------------------------------


def test_problems_are_one_per_error_with_paths() -> None:
    model = S.schema_set(v("0.15.3")).crd("metallb.io/v1beta2", "BGPPeer")
    body = {
        "apiVersion": "metallb.io/v1beta2",
        "kind": "BGPPeer",
        "metadata": {"name": "x", "labels": {"a": 1}},
        "spec": {"peerASN": "1", "peerPort": 0, "dynamicASN": "Internal", "nodeSelectors": "x"},
    }
    found = sorted((p.path, p.key, p.keyword, p.missing) for p in S.problems(model.validator, body))
    assert found == [
        (("metadata", "labels", "a"), False, "type", None),
        (("spec",), True, "required", "myASN"),
        (("spec", "dynamicASN"), False, "enum", None),
        (("spec", "nodeSelectors"), False, "type", None),
        (("spec", "peerASN"), False, "type", None),
        (("spec", "peerPort"), False, "minimum", None),
    ]


def test_key_checks_tell_unknown_later_removed_and_deprecated_apart() -> None:
    raw = S.annotated("crds/bgppeer-v1beta2.json")
    tree = S.model("crds/bgppeer-v1beta2.json", v("0.14.3")).tree
    data = {"spec": {"dynamicASN": "internal", "localpref": 1, "myASN": 1}}
    found = {p.path: (p.kind, p.suggestion()) for p in S.check_keys(tree, raw, data, v("0.14.3"))}
    assert found == {
        ("spec", "dynamicASN"): ("later", None),
        ("spec", "localpref"): ("unknown", None),
    }
    tree = S.model("crds/bgppeer-v1beta2.json", v("0.15.0")).tree
    found = [
        (p.path, p.kind)
        for p in S.check_keys(tree, raw, {"spec": {"disableMP": True}}, v("0.15.0"))
    ]
    assert found == [(("spec", "disableMP"), "deprecated")]
    values = S.schema_set(v("0.16.1")).values_model()
    found = [
        (p.path, p.kind, p.suggestion())
        for p in S.check_keys(
            values.tree,
            values.raw,
            {"controller": {"tlsMinVersion": "x", "podAnotations": {}}, "fullNameOverride": "x"},
            v("0.16.1"),
        )
    ]
    assert found == [
        (("controller", "tlsMinVersion"), "removed", None),
        (("controller", "podAnotations"), "unknown", "podAnnotations"),
        (("fullNameOverride",), "schema-only", "fullnameOverride"),
    ]


def test_closest_handles_case_and_dashes() -> None:
    assert S.closest("localpref", ["localPref", "peers"]) == "localPref"
    assert S.closest("peer-asn", ["peerASN", "myASN"]) == "peerASN"
    assert S.closest("zzz", ["peerASN"]) is None


# -- CRD manifests --------------------------------------------------------------------------------


def test_openapi_schemas_become_trees() -> None:
    tree = S.openapi_to_tree(
        {
            "type": "object",
            "properties": {
                "a": {"type": "string", "nullable": True},
                "b": {"x-kubernetes-int-or-string": True},
                "c": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "d": {"type": "object", "additionalProperties": {"type": "string"}},
                "e": {"type": "integer", "format": "int32", "minimum": 1, "exclusiveMinimum": True},
            },
        }
    )
    props = tree["properties"]
    assert props["a"]["type"] == ["string", "null"]
    assert props["b"]["type"] == ["integer", "string"]
    assert props["c"]["x-open"] and props["d"]["x-open"]
    assert props["e"] == {"type": "integer", "exclusiveMinimum": 1}
    jsonschema.Draft202012Validator.check_schema(S.strip(tree))


def test_crd_versions_read_served_and_deprecated() -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "metallb.io",
            "names": {"kind": "BGPPeer"},
            "versions": [
                {
                    "name": "v1beta1",
                    "served": True,
                    "deprecated": True,
                    "deprecationWarning": "use v1beta2",
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {}}},
                },
                {"name": "v1", "served": False, "schema": {"openAPIV3Schema": {"type": "object"}}},
            ],
        },
    }
    found = {(c.api_version, c.served, c.deprecated) for c in S.crd_versions([crd], "x.yaml")}
    assert found == {("metallb.io/v1beta1", True, "use v1beta2"), ("metallb.io/v1", False, None)}


# -- the Service subset schema --------------------------------------------------------------------


def test_service_subset_schema_accepts_the_demo_services() -> None:
    import yaml

    validator = jsonschema.Draft202012Validator(S.strip(S.annotated("service.json")))
    checked = 0
    for path in sorted((ROOT / "fixtures" / "homelab").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "Service":
                assert list(validator.iter_errors(doc)) == [], path
                checked += 1
    assert checked >= 5
    bad = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"annotations": {"metallb.universe.tf/allow-shared-ip": True}},
        "spec": {"type": "Loadbalancer", "ports": [{"port": 70000}]},
    }
    assert len(list(validator.iter_errors(bad))) == 3


def test_location_of_a_key_problem_is_the_key() -> None:
    from metallb_lint.load.documents import Chunk, compose_chunk

    doc, _ = compose_chunk("x.yaml", Chunk(1, "spec:\n  localpref: 1\n"), 0)
    assert doc is not None
    assert doc.location(("spec", "localpref"), key=True) == Location("x.yaml", 2, 3, 2, 11)
