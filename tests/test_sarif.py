"""`--format sarif`: valid SARIF 2.1.0 (the OASIS schema in ../shared/reference) carrying what
GitHub code scanning reads: rule metadata from rules/, relative URIs, a region on every result,
related locations, line-independent fingerprints, suppressions."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from metallb_lint import __version__
from metallb_lint.catalog import catalog
from metallb_lint.findings import Location
from metallb_lint.report.sarif import (
    MAX_DESCRIPTION,
    _clip,
    _descriptor,
    _escape_message,
    _region,
    rule_anchor,
)
from metallb_lint.ruledocs import render_markdown
from tests.conftest import ROOT, run_cli, write
from tests.manifests import POOL

SCHEMA_PLACES = (
    ROOT.parent / "shared" / "reference" / "sarif-schema-2.1.0.json",
    Path("/work/shared/reference/sarif-schema-2.1.0.json"),
)
VERSION = ("--metallb-version", "0.14.8")


def service(name: str, ip: str, comment: str = "") -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: media\n"
        f"  annotations:\n    metallb.universe.tf/loadBalancerIPs: {ip}{comment}\n"
        "spec:\n  type: LoadBalancer\n  ports:\n    - port: 80\n"
    )


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    for place in SCHEMA_PLACES:
        if place.is_file():
            schema = json.loads(place.read_text(encoding="utf-8"))
            return jsonschema.Draft4Validator(
                schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
            )
    pytest.skip(
        "the SARIF schema (shared/reference/sarif-schema-2.1.0.json) is not beside the repo"
    )


def sarif(root: Path, *args: str, isolated: bool = True) -> dict:
    result = run_cli(*(("--isolated",) if isolated else ()), "-f", "sarif", *args, cwd=root)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)


def assert_valid(validator: jsonschema.Draft4Validator, document: dict) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_demo_is_valid_sarif(validator) -> None:
    document = sarif(ROOT, "fixtures/homelab")
    assert_valid(validator, document)
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"] == "metallb-lint"
    assert run["tool"]["driver"]["version"] == __version__
    findings = run_cli("--isolated", "-f", "json", "fixtures/homelab", cwd=ROOT).json["findings"]
    assert [r["ruleId"] for r in run["results"]] == [f["rule"] for f in findings]
    assert [r["partialFingerprints"]["metallb-lint/v1"] for r in run["results"]] == [
        f["fingerprint"] for f in findings
    ]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    for rule in run["tool"]["driver"]["rules"]:  # the catalog's metadata, as rendered below
        assert rule == _descriptor(catalog()[rule["id"]], None)
    for result in run["results"]:
        rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        uri = location["artifactLocation"]["uri"]
        assert uri.startswith("fixtures/homelab/") and (ROOT / uri).is_file()
        region = location["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        # SARIF's endColumn is the column after the region: the requested IP exactly.
        line = (ROOT / uri).read_text(encoding="utf-8").split("\n")[region["startLine"] - 1]
        marked = line[region["startColumn"] - 1 : region["endColumn"] - 1]
        if result["ruleId"] in ("ML401", "ML406"):
            assert marked.startswith("192.168.1.2") and marked[-1].isdigit(), marked
        assert len(result["partialFingerprints"]["metallb-lint/v1"]) == 32
    ml401 = next(r for r in run["results"] if "192.168.1.235" in r["message"]["text"])
    assert ml401["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "fixtures/homelab/metallb-system/templates/ipaddresspool.yaml",
                    "uriBaseId": "%SRCROOT%",
                },
                "region": {"startLine": 8, "startColumn": 7, "endLine": 8, "endColumn": 34},
            },
            "message": {"text": "pool 'default' is 192.168.1.240-192.168.1.244"},
        }
    ]
    # Literal brackets escaped; the related location linked (code scanning shows it).
    assert '\\["192.168.1.235"\\] is not allowed' in ml401["message"]["text"]
    assert ml401["message"]["text"].endswith(
        "(see [pool 'default' is 192.168.1.240-192.168.1.244](1))"
    )
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert {k: levels[k] for k in ("ML107", "ML401", "ML406")} == {
        "ML107": "error",
        "ML401": "error",
        "ML406": "note",
    }


def test_every_rule_descriptor_fits_code_scanning(validator) -> None:
    for info in catalog().values():
        for docs_url in (None, "https://example.invalid/metallb-lint/blob/v1/docs/rules.md"):
            rule = _descriptor(info, docs_url)
            assert rule["id"] == info.id and rule["name"] == info.name
            short, full = rule["shortDescription"]["text"], rule["fullDescription"]["text"]
            assert 0 < len(short) <= MAX_DESCRIPTION and 0 < len(full) <= MAX_DESCRIPTION
            assert "\n" not in short
            anchor = f"docs/rules.md#{rule_anchor(info)}"
            assert anchor in rule["help"]["text"] and anchor in rule["help"]["markdown"]
            assert f"metallb-lint explain {info.id}" in rule["help"]["text"]
            assert "```yaml" in rule["help"]["markdown"]
            level = {"error": "error", "warning": "warning", "info": "note"}[str(info.severity)]
            assert rule["defaultConfiguration"]["level"] == level
            assert rule["properties"]["tags"][0] == "metallb"
            if docs_url:
                assert rule["helpUri"] == f"{docs_url}#{rule_anchor(info)}"
            else:
                assert "helpUri" not in rule  # no relative link that would break in a viewer
    # the anchors exist in the generated reference (docs/rules.md; test_ruledocs keeps it current)
    reference = render_markdown()
    for info in catalog().values():
        assert f"](#{rule_anchor(info)})" in reference


def test_message_escaping_and_regions() -> None:
    assert _escape_message('["10.0.0.1"] is not allowed') == '\\["10.0.0.1"\\] is not allowed'
    assert _escape_message("C:\\dir \\[x") == "C:\\dir \\\\\\[x"
    # SARIF's endColumn is exclusive; ours is inclusive
    assert _region(Location("a", 3, 5, 3, 9)) == {
        "startLine": 3,
        "startColumn": 5,
        "endLine": 3,
        "endColumn": 10,
    }
    assert _region(Location("a", 3, 5, 6, 1))["endLine"] == 6


def test_long_descriptions_are_clipped_at_a_word() -> None:
    clipped = _clip("word " * 400)
    assert len(clipped) <= MAX_DESCRIPTION and clipped.endswith("word…")
    assert _clip("short") == "short"


def test_docs_url_from_the_environment(repo: Path, monkeypatch, validator) -> None:
    write(repo, {"pool.yaml": POOL, "svc.yaml": service("x", "192.168.1.10")})
    monkeypatch.setenv("METALLB_LINT_DOCS_URL", "https://example.invalid/m/blob/v1/docs/rules.md")
    document = sarif(repo, *VERSION, ".")
    assert_valid(validator, document)
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.invalid/m/blob/v1/docs/rules.md"
    assert driver["rules"][0]["helpUri"].endswith("docs/rules.md#ml401-ip-not-in-any-pool")


def test_fingerprints_do_not_depend_on_line_numbers(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL, "svc.yaml": service("x", "192.168.1.10")})
    before = sarif(repo, *VERSION, ".")["runs"][0]["results"]
    write(repo, {"svc.yaml": "# a comment\n# and another\n" + service("x", "192.168.1.10")})
    after = sarif(repo, *VERSION, ".")["runs"][0]["results"]
    region = "locations", 0, "physicalLocation", "region", "startLine"

    def line(result: dict) -> int:
        value = result
        for key in region:
            value = value[key]
        return value

    assert [line(r) + 2 for r in before] == [line(r) for r in after]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]


def test_suppressed_findings_carry_suppressions(repo: Path, validator) -> None:
    write(
        repo,
        {
            "pool.yaml": POOL,
            "svc.yaml": service("x", "192.168.1.10", "  # metallb-lint: disable=ML401 -- moving"),
            "other.yaml": service("y", "192.168.1.11"),
        },
    )
    document = sarif(repo, *VERSION, ".")
    assert_valid(validator, document)
    results = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r
        for r in document["runs"][0]["results"]
    }
    assert results["svc.yaml"]["suppressions"] == [{"kind": "inSource", "justification": "moving"}]
    assert "suppressions" not in results["other.yaml"]


def test_files_outside_the_current_directory_get_absolute_uris(tmp_path: Path, validator) -> None:
    outer = tmp_path / "outer dir"
    write(outer, {"pool.yaml": POOL, "svc.yaml": service("x", "192.168.1.10")})
    (tmp_path / "cwd").mkdir()
    document = sarif(tmp_path / "cwd", *VERSION, str(outer))
    assert_valid(validator, document)
    artifact = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert artifact["artifactLocation"] == {"uri": (outer / "svc.yaml").as_uri()}
    assert "%20" in artifact["artifactLocation"]["uri"]


def test_no_findings_is_still_valid(repo: Path, validator) -> None:
    write(repo, {"pool.yaml": POOL, "svc.yaml": service("x", "192.168.1.241")})
    document = sarif(repo, *VERSION, ".")
    assert_valid(validator, document)
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["tool"]["driver"]["rules"] == []
