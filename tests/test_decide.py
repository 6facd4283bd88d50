"""decide.py: which findings count (selection, per-file ignores, suppressions, severities), table
by table, then through the CLI (JSON `suppressed`, summary counts, exit code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from metallb_lint.catalog import catalog
from metallb_lint.decide import (
    Baseline,
    Decider,
    _Directives,
    _Rule,
    annotation_table,
    fails,
    matches_rule,
    select_rules,
    severity_overrides,
    write_baseline,
)
from metallb_lint.errors import UsageError
from metallb_lint.findings import Finding, Location, ResourceRef, Severity
from tests.conftest import run_cli, write
from tests.manifests import POOL


def finding(rule: str, path: str = "svc.yaml", line: int = 8, **kwargs) -> Finding:
    info = catalog()[rule]
    return Finding(
        rule, info.name, info.severity, f"{rule} message", Location(path, line, 3), **kwargs
    )


ALL = set(catalog())
DEFAULT = {i.id for i in catalog().values() if i.enabled_by_default}

# -- rule specs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "rule", "expected"),
    [
        ("ML401", "ML401", True),
        ("ml401", "ML401", True),
        (" ML401 ", "ML401", True),
        ("ip-not-in-any-pool", "ML401", True),
        ("IP-NOT-IN-ANY-POOL", "ML401", False),  # names are exact
        ("ML4", "ML401", True),
        ("ML40", "ML401", True),
        ("ML", "ML401", True),
        ("ML4", "ML201", False),
        ("ML401", "ML406", False),
        ("ip-not-in", "ML401", False),  # no name prefixes
        ("deprecated-loadbalancerip", "ML406", True),
    ],
)
def test_matches_rule(spec: str, rule: str, expected: bool) -> None:
    assert matches_rule(spec, catalog()[rule]) is expected


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        ([], [], DEFAULT),
        (["ML401"], [], {"ML401"}),
        (["ip-not-in-any-pool", "ML406"], [], {"ML401", "ML406"}),
        (["ML4"], [], {i for i in ALL if i.startswith("ML4")}),
        (["ML4"], ["ML406", "ML41"], {i for i in ALL if i.startswith("ML40") and i != "ML406"}),
        ([], ["ML"], set()),
        (["ML0"], ["target-version"], {i for i in ALL if i.startswith("ML0")} - {"ML005"}),
    ],
)
def test_select_rules(select, ignore, expected) -> None:
    assert select_rules(select, ignore) == expected


def test_rules_off_by_default_need_selecting() -> None:
    off = {i.id for i in catalog().values() if not i.enabled_by_default}
    assert not off & select_rules([], [])
    assert off <= select_rules(["ML"], [])


@pytest.mark.parametrize("spec", ["ML999", "nope", "", "401", "ML-4"])
def test_unknown_specs_are_usage_errors(spec: str) -> None:
    if not spec:
        return  # empty parts are dropped by the CLI before they get here
    with pytest.raises(UsageError, match="names no rule"):
        select_rules([spec], [])
    with pytest.raises(UsageError, match="names no rule"):
        select_rules([], [spec])
    with pytest.raises(UsageError, match="names no rule"):
        severity_overrides({spec: Severity.ERROR}, "config")


def test_severity_overrides_expand_names_and_prefixes() -> None:
    table = severity_overrides({"ML4": Severity.WARNING, "ip-not-in-any-pool": Severity.INFO}, "x")
    assert table["ML406"] == Severity.WARNING
    assert table["ML401"] == Severity.INFO  # the later, more precise entry wins


# -- inline directives -----------------------------------------------------------------------

TEXT = """\
# metallb-lint: disable-file=ML406 -- loadBalancerIP is fine here
apiVersion: v1
kind: Service
metadata:
  name: a
spec:
  # metallb-lint: disable=ML401 -- moving to the new pool in March
  loadBalancerIP: 10.0.0.1
  loadBalancerClass: x  # metallb-lint: disable=ML410,ML409
  externalIPs: [10.0.0.2]  #metallb-lint:disable=external-ips-not-announced--  no space
  ports: []
"""


@pytest.mark.parametrize(
    ("rule", "line", "reason"),
    [
        ("ML401", 8, "moving to the new pool in March"),  # the comment line above
        ("ML401", 7, "moving to the new pool in March"),  # the comment's own line
        ("ML401", 9, None),  # two lines below: not covered
        ("ML410", 9, ""),  # end of the line, no reason
        ("ML409", 9, ""),
        ("ML410", 10, None),  # a comment ending the line above does not reach this line
        ("ML412", 10, "no space"),
        ("ML406", 3, "loadBalancerIP is fine here"),  # whole file
        ("ML406", 500, "loadBalancerIP is fine here"),
        ("ML201", 8, None),
    ],
)
def test_directives(rule: str, line: int, reason: str | None) -> None:
    assert _Directives.parse(TEXT).suppresses(line, catalog()[rule]) == reason


@pytest.mark.parametrize(
    ("text", "rule", "line", "reason"),
    [
        ("\n" * 9 + "# metallb-lint: disable-file=ML4\n", "ML401", 30, ""),  # line 10: counts
        ("\n" * 10 + "# metallb-lint: disable-file=ML4\n", "ML401", 30, None),  # line 11: no
        ("# metallb-lint: disable-file=ML2, ML4 -- two\n", "ML406", 5, "two"),
        ("# metallb-lint: disable-file=ip-not-in-any-pool\n", "ML401", 5, ""),
        ("# metallb-lint: disable-file=ip-not-in-any-pool\n", "ML406", 5, None),
        ("a: 1\n# metallb-lint: disable=ML4 -- x\nb: 2\n", "ML401", 3, "x"),
        ("# metallb-lint: enable=ML4\nb: 2\n", "ML401", 2, None),  # not a directive
        ("# metallb-lint disable=ML4\nb: 2\n", "ML401", 2, None),  # no colon
        ("x: '# metallb-lint: nothing'\n", "ML401", 1, None),
        (None, "ML401", 1, None),
        ("", "ML401", 1, None),
    ],
)
def test_directive_forms(text: str | None, rule: str, line: int, reason: str | None) -> None:
    assert _Directives.parse(text).suppresses(line, catalog()[rule]) == reason


# -- the decider -------------------------------------------------------------------------------


def test_unselected_findings_are_dropped() -> None:
    kept = Decider({"ML401"}).decide([finding("ML401"), finding("ML406")], {})
    assert [f.rule for f in kept] == ["ML401"]


@pytest.mark.parametrize(
    ("patterns", "path", "dropped"),
    [
        ({"svc.yaml": ["ML401"]}, "svc.yaml", True),
        ({"svc.yaml": ["ML401"]}, "apps/svc.yaml", True),  # no slash: any folder
        ({"/svc.yaml": ["ML401"]}, "apps/svc.yaml", False),
        ({"apps/*.yaml": ["ML4"]}, "apps/svc.yaml", True),
        ({"apps/*.yaml": ["ML4"]}, "apps/x/svc.yaml", False),
        ({"apps/**/*.yaml": ["ML4"]}, "apps/x/svc.yaml", True),
        ({"apps/": ["ip-not-in-any-pool"]}, "apps/x/svc.yaml", True),
        ({"apps/*.yaml": ["ML406"]}, "apps/svc.yaml", False),
        ({"other/*.yaml": ["ML401"]}, "apps/svc.yaml", False),
    ],
)
def test_per_file_ignores(patterns, path: str, dropped: bool) -> None:
    kept = Decider({"ML401"}, per_file_ignores=patterns).decide([finding("ML401", path)], {})
    assert (kept == []) is dropped


def test_per_file_ignores_relative_to_a_root(tmp_path: Path, monkeypatch) -> None:
    """With `root`, patterns are relative to it, whatever the current directory."""
    (tmp_path / "apps").mkdir()
    monkeypatch.chdir(tmp_path / "apps")
    decider = Decider(
        {"ML401"},
        per_file_ignores={"apps/legacy/*.yaml": ["ML401"], "*.gen.yaml": ["ML4"]},
        root=str(tmp_path),
    )
    found = [
        finding("ML401", "legacy/svc.yaml"),  # apps/legacy/svc.yaml under the root: dropped
        finding("ML401", "web/svc.yaml"),
        finding("ML401", "web/x.gen.yaml"),  # unanchored: any depth, dropped
        finding("ML401", "/elsewhere/legacy/svc.yaml"),  # outside the root: kept
    ]
    assert [f.path for f in decider.decide(found, {})] == [
        "/elsewhere/legacy/svc.yaml",
        "web/svc.yaml",
    ]


def test_suppressed_findings_are_kept_with_their_reason() -> None:
    texts = {"svc.yaml": TEXT}
    found = [finding("ML401", line=8), finding("ML410", line=9), finding("ML201", line=8)]
    kept = Decider({"ML401", "ML410", "ML201"}).decide(found, texts)
    state = [(f.rule, f.suppressed, f.suppression_reason) for f in kept]
    assert state == [
        ("ML201", False, None),
        ("ML401", True, "moving to the new pool in March"),
        ("ML410", True, None),  # no reason given: None, not ""
    ]
    assert fails(kept, Severity.ERROR)  # ML201 is an error and not suppressed
    assert not fails([f for f in kept if f.rule != "ML201"], Severity.INFO)


def test_inline_suppressions_can_be_turned_off() -> None:
    kept = Decider({"ML401"}, inline=False).decide([finding("ML401", line=8)], {"svc.yaml": TEXT})
    assert [(f.rule, f.suppressed) for f in kept] == [("ML401", False)]


def test_severity_overrides_apply_after_suppression() -> None:
    kept = Decider({"ML406"}, severities={"ML406": Severity.ERROR}).decide(
        [finding("ML406", line=3)], {"svc.yaml": TEXT}
    )
    assert [(f.severity, f.suppressed) for f in kept] == [(Severity.ERROR, True)]
    assert not fails(kept, Severity.INFO)


def test_findings_come_out_sorted() -> None:
    found = [
        finding("ML406", "b.yaml", 2),
        finding("ML401", "b.yaml", 2),
        finding("ML401", "a.yaml", 9),
        finding("ML401", "a.yaml", 10),
    ]
    kept = Decider({"ML401", "ML406"}).decide(found, {})
    assert [(f.path, f.location.line, f.rule) for f in kept] == [
        ("a.yaml", 9, "ML401"),
        ("a.yaml", 10, "ML401"),
        ("b.yaml", 2, "ML401"),
        ("b.yaml", 2, "ML406"),
    ]


@pytest.mark.parametrize(
    ("findings_", "fail_on", "expected"),
    [
        ([], Severity.INFO, False),
        ([("ML406", False)], Severity.ERROR, False),
        ([("ML406", False)], Severity.INFO, True),
        ([("ML401", True)], Severity.INFO, False),
        ([("ML401", True), ("ML406", False)], Severity.WARNING, False),
        ([("ML401", False)], Severity.ERROR, True),
    ],
)
def test_fails(findings_, fail_on: Severity, expected: bool) -> None:
    found = [finding(rule, suppressed=suppressed) for rule, suppressed in findings_]
    assert fails(found, fail_on) is expected


@dataclass
class _Resource:
    path: str
    ref: ResourceRef
    annotations: dict


def test_annotation_suppressions() -> None:
    ref = ResourceRef("v1", "Service", "media", "a")
    other = ResourceRef("v1", "Service", "media", "b")
    table = annotation_table(
        [
            _Resource("svc.yaml", ref, {"lint.metallb.io/ignore": "ML401=old pool, ML406"}),
            _Resource("svc.yaml", other, {"lint.metallb.io/ignore": 5}),
        ]
    )
    decider = Decider({"ML401", "ML406", "ML409"}, annotations=table)
    found = [
        finding("ML401", resource=ref),
        finding("ML406", resource=ref),
        finding("ML409", resource=ref),
        finding("ML401", resource=other),
    ]
    kept = decider.decide(found, {})
    state = sorted((f.rule, f.resource.name, f.suppressed, f.suppression_reason) for f in kept)
    assert state == [
        ("ML401", "a", True, "old pool"),
        ("ML401", "b", False, None),
        ("ML406", "a", True, None),
        ("ML409", "a", False, None),
    ]


# -- through the CLI -------------------------------------------------------------------------


SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: media
spec:
  type: LoadBalancer
  # metallb-lint: disable=ML401 -- the pool grows in March
  loadBalancerIP: 192.168.1.10
"""


def lint(root: Path, *args: str):
    return run_cli(
        "--isolated", "--format", "json", "--metallb-version", "0.14.8", *args, ".", cwd=root
    )


def test_suppressed_in_json_summary_and_exit_code(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL, "svc.yaml": SERVICE})
    result = lint(repo, "--select", "ML4")
    assert result.code == 0
    by_rule = {f["rule"]: f for f in result.json["findings"]}
    assert set(by_rule) == {"ML401", "ML406"}
    assert by_rule["ML401"]["suppressed"] is True
    assert by_rule["ML401"]["suppression_reason"] == "the pool grows in March"
    assert "suppressed" not in by_rule["ML406"] and "suppression_reason" not in by_rule["ML406"]
    assert result.json["summary"] == {
        "files": 2,
        "resources": 3,
        "error": 0,
        "warning": 0,
        "info": 1,
        "suppressed": 1,
        "judged": {"metallb_objects": 2, "services": 1},
        "not_judged": {"not_deployed_files": 0, "unresolved": 0},
    }
    concise = run_cli("--isolated", "-q", "--metallb-version", "0.14.8", ".", cwd=repo)
    assert "ML401" not in concise.out and "ML406" in concise.out


def test_no_inline_suppressions_flag(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL, "svc.yaml": SERVICE})
    result = lint(repo, "--no-inline-suppressions")
    assert result.code == 1
    assert all("suppressed" not in f for f in result.json["findings"])
    assert result.json["summary"]["suppressed"] == 0
    assert result.json["summary"]["error"] == 1


def test_disable_file_through_the_cli(repo: Path) -> None:
    text = "# metallb-lint: disable-file=ML4 -- legacy app\n" + SERVICE.replace(
        "  # metallb-lint: disable=ML401 -- the pool grows in March\n", ""
    )
    write(repo, {"pool.yaml": POOL, "svc.yaml": text})
    result = lint(repo)
    assert result.code == 0
    assert [(f["rule"], f.get("suppression_reason")) for f in result.json["findings"]] == [
        ("ML401", "legacy app"),
        ("ML406", "legacy app"),
    ]
    assert result.json["summary"]["suppressed"] == 2


def test_per_file_ignores_drop_findings_entirely(repo: Path) -> None:
    write(
        repo,
        {
            "pool.yaml": POOL,
            "svc.yaml": SERVICE,
            ".metallb-lint.yaml": "metallb-version: 0.14.8\nper-file-ignores:\n  svc.yaml: [ML4]\n",
        },
    )
    result = run_cli("--format", "json", ".", cwd=repo)
    assert result.json["findings"] == []
    assert result.json["summary"]["suppressed"] == 0


def test_annotation_suppression_through_the_cli(repo: Path) -> None:
    annotated = SERVICE.replace(
        "  # metallb-lint: disable=ML401 -- the pool grows in March\n", ""
    ).replace(
        "  namespace: media\n",
        '  namespace: media\n  annotations:\n    lint.metallb.io/ignore: "ML401=grows in March"\n',
    )
    write(repo, {"pool.yaml": POOL, "svc.yaml": annotated})
    result = lint(repo, "--select", "ML401")
    assert [(f["rule"], f.get("suppression_reason")) for f in result.json["findings"]] == [
        ("ML401", "grows in March")
    ]
    assert result.code == 0


# -- precedence, case by case ----------------------------------------------------------------

PRECEDENCE_TEXT = """\
# metallb-lint: disable-file=ML401 -- file reason
apiVersion: v1
kind: Service
metadata:
  name: a
  namespace: media
spec:
  loadBalancerIP: 10.0.0.1  # metallb-lint: disable=ML401 -- line reason
"""
NO_LINE = PRECEDENCE_TEXT.replace("  # metallb-lint: disable=ML401 -- line reason", "")
NO_COMMENTS = NO_LINE.replace("# metallb-lint: disable-file=ML401 -- file reason\n", "#\n")
REF = ResourceRef("v1", "Service", "media", "a")


def _baseline(tmp_path: Path, reason: str | None) -> Baseline:
    target = finding(
        "ML401", str(tmp_path / "svc.yaml"), resource=REF, anchor="spec.loadBalancerIP"
    )
    path = tmp_path / "baseline.json"
    write_baseline(str(path), [target])
    if reason is not None:
        data = json.loads(path.read_text())
        data["findings"][0]["reason"] = reason
        path.write_text(json.dumps(data))
    return Baseline.load(str(path), "baseline.json")


@pytest.mark.parametrize(
    ("case", "selected", "ignored", "text", "annotated", "baseline", "inline", "expected"),
    [
        # 1. not selected: dropped, whatever else applies
        ("unselected", False, False, PRECEDENCE_TEXT, True, "b", True, None),
        # 2. per-file-ignores: dropped, before any suppression
        ("per-file-ignore", True, True, PRECEDENCE_TEXT, True, "b", True, None),
        # 3a. the comment on the line wins over everything after it
        ("line", True, False, PRECEDENCE_TEXT, True, "b", True, (True, "line reason")),
        # 3b. then the file comment
        ("file", True, False, NO_LINE, True, "b", True, (True, "file reason")),
        # 3c. then the annotation
        ("annotation", True, False, NO_COMMENTS, True, "b", True, (True, "annotation reason")),
        # 3d. then the baseline, with its reason...
        ("baseline", True, False, NO_COMMENTS, False, "b", True, (True, "b")),
        # ... or saying where it comes from
        (
            "baseline-no-reason",
            True,
            False,
            NO_COMMENTS,
            False,
            "",
            True,
            (True, "in the baseline baseline.json"),
        ),
        # --no-inline-suppressions: comments and annotations off, the baseline still on
        ("no-inline-baseline", True, False, PRECEDENCE_TEXT, True, "b", False, (True, "b")),
        ("no-inline", True, False, PRECEDENCE_TEXT, True, None, False, (False, None)),
        # nothing applies
        ("nothing", True, False, NO_COMMENTS, False, None, True, (False, None)),
    ],
)
def test_precedence(
    tmp_path: Path,
    monkeypatch,
    case,
    selected,
    ignored,
    text,
    annotated,
    baseline,
    inline,
    expected,
) -> None:
    monkeypatch.chdir(tmp_path)
    annotations = (
        annotation_table(
            [_Resource("svc.yaml", REF, {"lint.metallb.io/ignore": "ML401=annotation reason"})]
        )
        if annotated
        else {}
    )
    decider = Decider(
        {"ML401"} if selected else {"ML406"},
        severities={"ML401": Severity.WARNING},
        per_file_ignores={"svc.yaml": ["ML4"]} if ignored else {},
        inline=inline,
        annotations=annotations,
        baseline=_baseline(tmp_path, baseline) if baseline is not None else None,
    )
    target = finding("ML401", "svc.yaml", 8, resource=REF, anchor="spec.loadBalancerIP")
    kept = decider.decide([target], {"svc.yaml": text})
    if expected is None:
        assert kept == [], case
        return
    assert [(f.suppressed, f.suppression_reason) for f in kept] == [expected], case
    assert kept[0].severity == Severity.WARNING  # severity overrides apply last, suppressed or not


def test_every_matching_suppression_counts_as_used(tmp_path: Path, monkeypatch) -> None:
    """The line comment decides the reason, but the file comment and the baseline entry that
    also match are used too: ML006 does not report them."""
    monkeypatch.chdir(tmp_path)
    decider = Decider(
        {"ML401", "ML006"},
        baseline=_baseline(tmp_path, "b"),
        ran={"ML401", "ML006"},
    )
    target = finding("ML401", "svc.yaml", 8, resource=REF, anchor="spec.loadBalancerIP")
    kept = decider.decide([target], {"svc.yaml": PRECEDENCE_TEXT})
    assert [(f.rule, f.suppression_reason) for f in kept] == [("ML401", "line reason")]


UNUSED_TEXT = """\
# metallb-lint: disable-file=ML406,ML4O1 -- old
apiVersion: v1
kind: Service
metadata:
  name: a
spec:
  loadBalancerIP: 10.0.0.1  # metallb-lint: disable=ML401,ML409
  # metallb-lint: disable=ML2
  type: LoadBalancer
  # metallb-lint: disable=ML006
"""


@pytest.mark.parametrize(
    ("ran", "found", "expected"),
    [
        # every named rule ran: the specs that matched nothing are reported (a spec naming no
        # rule, ML4O1, is ML008's)
        (
            {"ML401", "ML406", "ML409", "ML006"} | {i for i in ALL if i.startswith("ML2")},
            [("ML401", 7)],
            [(1, "disable-file=ML406"), (7, "disable=ML409"), (8, "disable=ML2")],
        ),
        # ML406 and the ML2 rules did not run: those cannot be judged
        ({"ML401", "ML409", "ML006"}, [("ML401", 7), ("ML409", 7)], []),
        # a line comment covers the line below it when alone on its line
        (
            {"ML401", "ML409", "ML006"} | {i for i in ALL if i.startswith("ML2")},
            [("ML401", 7), ("ML409", 7), ("ML201", 9)],
            [],
        ),
    ],
)
def test_unused_suppressions(ran, found, expected) -> None:
    decider = Decider({"ML006"}, ran=ran)
    made = [finding(rule, "svc.yaml", line) for rule, line in found]
    kept = decider.decide(made, {"svc.yaml": UNUSED_TEXT})
    assert [(f.location.line, f.anchor) for f in kept] == expected
    assert all(f.rule == "ML006" and f.severity == Severity.INFO for f in kept)


def test_unused_annotation() -> None:
    table = annotation_table(
        [_Resource("svc.yaml", REF, {"lint.metallb.io/ignore": "ML401=x,ML409"})]
    )
    decider = Decider({"ML006"}, annotations=table, ran={"ML401", "ML409", "ML006"})
    kept = decider.decide([finding("ML409", "svc.yaml", 3, resource=REF)], {"svc.yaml": ""})
    assert [(f.location.line, f.anchor) for f in kept] == [(1, "lint.metallb.io/ignore:ML401")]
    assert kept[0].message.startswith("'ML401' in the lint.metallb.io/ignore annotation is unused")
    assert kept[0].resource == REF


# -- ML008: suppressions that cannot work as written ---------------------------------------

INVALID_TEXT = """# metallb-lint: disable-file=ML406,ML4O1 -- old
apiVersion: v1
kind: Service
metadata:
  name: a
spec:
  loadBalancerIP: 10.0.0.1  # metallb-lint: disabel=ML401 -- typo
  # metallb-lint: disable ML401
  type: LoadBalancer  # metallb-lint: disable=ML401 waiting for March
  ports: []  # metallb-lint: noqa
  # metallb-lint: disable=ip-not-in-any-pol
  # metallb-lint: disable-file=ML401 -- too late
"""


def test_invalid_suppressions_are_reported_whatever_ran() -> None:
    decider = Decider({"ML008"}, ran={"ML008"}, judge=False)
    kept = decider.decide([], {"svc.yaml": INVALID_TEXT})
    assert [(f.rule, f.location.line, f.location.column) for f in kept] == [
        ("ML008", 1, 1),
        ("ML008", 7, 29),
        ("ML008", 8, 3),
        ("ML008", 9, 23),
        ("ML008", 10, 14),
        ("ML008", 11, 3),
        ("ML008", 12, 3),
    ]
    assert all(f.severity == Severity.WARNING for f in kept)
    messages = [f.message for f in kept]
    assert (
        "'disable-file=ML4O1' names 'ML4O1', which is no rule (did you mean 'ML401'?)"
        in (messages[0])
    )
    assert "'disabel' is no directive; did you mean 'disable'?" in messages[1]
    assert "'disable' needs '=' and a list of rules" in messages[2]
    assert "names 'ML401 waiting for March', which is no rule" in messages[3]
    assert "put ' -- ' between the rules and the reason" in messages[3]
    assert "'noqa' is no directive; the directives are" in messages[4]
    assert "(did you mean 'ip-not-in-any-pool'?)" in messages[5]
    assert "disable-file counts only in the first 10 lines" in messages[6]


def test_invalid_suppression_is_not_ml006() -> None:
    """ML006 alone (ML008 ignored) says nothing of a typo; ML008 alone needs no ML006."""
    ran = {"ML401", "ML406", "ML409", "ML006"}
    kept = Decider({"ML006"}, ran=ran).decide([], {"svc.yaml": INVALID_TEXT})
    assert {f.rule for f in kept} == {"ML006"}
    assert not any("ML4O1" in f.message or "disabel" in f.message for f in kept)
    assert "ML008" in DEFAULT and "ML006" not in DEFAULT


def test_missing_reasons_when_the_configuration_requires_them() -> None:
    text = (
        "# metallb-lint: disable-file=ML406\n"
        "a: 1  # metallb-lint: disable=ML401 -- known\n"
        "b: 2  # metallb-lint: disable=ML401\n"
    )
    table = annotation_table(
        [_Resource("svc.yaml", REF, {"lint.metallb.io/ignore": "ML401=moving,ML409"})]
    )
    required = Decider({"ML008"}, annotations=table, require_reason=True)
    kept = required.decide([], {"svc.yaml": text})
    assert [(f.location.line, f.anchor) for f in kept] == [
        (1, "'ML409' in the lint.metallb.io/ignore annotation:reason"),
        (1, "'disable-file=ML406':reason"),
        (3, "'disable=ML401':reason"),
    ]
    assert "add '=reason' after the rule" in kept[0].message
    assert "add ' -- reason'" in kept[2].message
    assert Decider({"ML008"}, annotations=table).decide([], {"svc.yaml": text}) == []


def test_invalid_annotations_and_baseline_entries(tmp_path: Path) -> None:
    table = annotation_table(
        [
            _Resource("svc.yaml", REF, {"lint.metallb.io/ignore": "ML4O1=x"}),
            _Resource("other.yaml", REF, {"lint.metallb.io/ignore": ["ML401"]}),
        ]
    )
    baseline_file = tmp_path / "baseline.json"
    baseline_file.write_text(
        json.dumps(
            {
                "version": 1,
                "findings": [
                    {"rule": "ML401", "path": "svc.yaml", "anchor": "a"},
                    {"rule": "ML4011", "path": "svc.yaml", "anchor": "b"},
                ],
            },
            indent=2,
        )
    )
    baseline = Baseline.load(str(baseline_file), "baseline.json")
    kept = Decider({"ML008"}, annotations=table, baseline=baseline).decide([], {})
    assert [(f.location.path, f.location.line, f.anchor) for f in kept] == [
        ("?", 1, "lint.metallb.io/ignore:type"),
        ("?", 1, "the lint.metallb.io/ignore annotation:ML4O1"),
        ("baseline.json", 9, "baseline entry for svc.yaml:ML4011"),
    ]
    assert "(did you mean 'ML401'?)" in kept[2].message


def test_user_policies_match_like_builtin_rules() -> None:
    policy = _Rule("ORG001", "pools-avoid-buggy-ips")
    assert matches_rule("ORG001", policy) and matches_rule("org", policy)
    assert matches_rule("ORG0", policy) and matches_rule("pools-avoid-buggy-ips", policy)
    assert not matches_rule("OR", policy) and not matches_rule("ML", policy)
    assert select_rules(["ORG"], [], extra=[policy]) == {"ORG001"}
    assert "ORG001" in select_rules([], [], extra=[policy])
    assert select_rules([], ["pools-avoid-buggy-ips"], extra=[policy]) == DEFAULT
    assert severity_overrides({"ORG": Severity.ERROR}, "x", extra=[policy]) == {
        "ORG001": Severity.ERROR
    }
    with pytest.raises(UsageError, match="'ORG' names no rule"):
        select_rules(["ORG"], [])
