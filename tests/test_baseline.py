"""The baseline (`--write-baseline FILE`, `--baseline FILE`): keyed on rule, file, resource and
anchor, so it survives edits that move lines; reasons kept; stale entries reported by ML006."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import manifests
from tests.conftest import run_cli, write
from tests.manifests import POOL


def service(name: str, ip: str) -> str:
    return manifests.service(name, ip, how="metallb.io")


REPO = {
    "metallb/pool.yaml": POOL,
    "apps/web.yaml": service("web", "192.168.1.10"),  # ML401 at line 7
    "apps/db.yaml": service("db", "192.168.1.11"),  # ML401 at line 7
}


def lint(root: Path, *args: str, cwd: Path | None = None):
    return run_cli(
        "--isolated", "--format", "json", "--metallb-version", "0.14.9", *args, cwd=cwd or root
    )


def state(result) -> list[tuple]:
    return [
        (f["rule"], f["path"], f["line"], f.get("suppressed", False), f.get("suppression_reason"))
        for f in result.json["findings"]
    ]


def test_write_then_apply(repo: Path) -> None:
    write(repo, REPO)
    assert lint(repo, ".").code == 1
    written = lint(repo, "--write-baseline", "baseline.json", ".")
    assert written.code == 0 and written.out == ""
    assert "wrote 2 finding(s) to the baseline baseline.json" in written.err
    data = json.loads((repo / "baseline.json").read_text())
    assert data["version"] == 1
    assert data["findings"][0] == {
        "rule": "ML401",
        "name": "ip-not-in-any-pool",
        "path": "apps/db.yaml",
        "resource": "Service media/db",
        "anchor": "ip:192.168.1.11",
        "message": data["findings"][0]["message"],
    }
    result = lint(repo, "--baseline", "baseline.json", ".")
    assert result.code == 0
    assert state(result) == [
        ("ML401", "apps/db.yaml", 7, True, "in the baseline baseline.json"),
        ("ML401", "apps/web.yaml", 7, True, "in the baseline baseline.json"),
    ]
    assert result.json["summary"]["suppressed"] == 2


def test_the_baseline_survives_moved_lines_and_catches_new_findings(repo: Path) -> None:
    write(repo, REPO)
    lint(repo, "--write-baseline", "baseline.json", ".")
    moved = "# a comment\n# and another\n" + service("web", "192.168.1.10")
    write(repo, {"apps/web.yaml": moved, "apps/new.yaml": service("new", "192.168.1.12")})
    result = lint(repo, "--baseline", "baseline.json", ".")
    assert result.code == 1
    assert state(result) == [
        ("ML401", "apps/db.yaml", 7, True, "in the baseline baseline.json"),
        ("ML401", "apps/new.yaml", 7, False, None),
        ("ML401", "apps/web.yaml", 9, True, "in the baseline baseline.json"),
    ]


def test_reasons_are_kept_shown_and_survive_a_rewrite(repo: Path) -> None:
    write(repo, REPO)
    lint(repo, "--write-baseline", "baseline.json", ".")
    data = json.loads((repo / "baseline.json").read_text())
    data["findings"][0]["reason"] = "db moves to the new pool in March"
    (repo / "baseline.json").write_text(json.dumps(data))
    result = lint(repo, "--baseline", "baseline.json", ".")
    assert state(result)[0][4] == "db moves to the new pool in March"
    text = run_cli(
        "--isolated", "-v", "--color", "never", "--metallb-version", "0.14.9",
        "--baseline", "baseline.json", ".", cwd=repo,
    )  # fmt: skip
    assert "suppressed: db moves to the new pool in March" in text.out
    # rewriting, with or without applying it first, keeps the reason of a remaining entry
    write(repo, {"apps/extra.yaml": service("extra", "192.168.1.13")})
    for args in (("--baseline", "baseline.json"), ()):
        lint(repo, *args, "--write-baseline", "baseline.json", ".")
        entries = json.loads((repo / "baseline.json").read_text())["findings"]
        assert [(e["path"], e.get("reason")) for e in entries] == [
            ("apps/db.yaml", "db moves to the new pool in March"),
            ("apps/extra.yaml", None),
            ("apps/web.yaml", None),
        ]


def test_paths_are_relative_to_the_baseline_file(repo: Path) -> None:
    write(repo, REPO)
    (repo / "ci").mkdir()
    lint(repo, "--write-baseline", "ci/baseline.json", ".")
    entries = json.loads((repo / "ci" / "baseline.json").read_text())["findings"]
    assert {e["path"] for e in entries} == {"../apps/db.yaml", "../apps/web.yaml"}
    result = lint(repo, "--baseline", "baseline.json", "..", cwd=repo / "ci")
    assert result.code == 0, state(result)
    assert result.json["summary"]["suppressed"] == 2


def test_inline_suppressions_are_not_written_again(repo: Path) -> None:
    commented = service("web", "192.168.1.10").replace(
        "192.168.1.10\n", "192.168.1.10  # metallb-lint: disable=ML401 -- known\n"
    )
    write(repo, {**REPO, "apps/web.yaml": commented})
    lint(repo, "--write-baseline", "baseline.json", ".")
    entries = json.loads((repo / "baseline.json").read_text())["findings"]
    assert [e["path"] for e in entries] == ["apps/db.yaml"]


def test_unused_baseline_entries_are_reported_by_ml006(repo: Path) -> None:
    write(repo, REPO)
    lint(repo, "--write-baseline", "baseline.json", ".")
    write(repo, {"apps/db.yaml": service("db", "192.168.1.241")})  # fixed: inside the pool
    result = lint(repo, "--baseline", "baseline.json", "--select", "ML006", ".")
    assert result.code == 0
    (stale,) = result.json["findings"]
    assert (stale["rule"], stale["path"], stale["line"]) == ("ML006", "baseline.json", 5)
    assert stale["message"].startswith(
        "baseline entry ML401 in apps/db.yaml on Service media/db (ip:192.168.1.11) "
        "matches no finding any more"
    )
    # not selected: not reported (ML006 is off by default)
    assert lint(repo, "--baseline", "baseline.json", ".").json["findings"][0]["rule"] == "ML401"


def test_entries_of_files_not_linted_are_not_judged(repo: Path) -> None:
    write(repo, REPO)
    lint(repo, "--write-baseline", "baseline.json", ".")
    result = lint(repo, "--baseline", "baseline.json", "--select", "ML006", "--no-context",
                  "apps/web.yaml")  # fmt: skip
    assert result.json["findings"] == []
    (repo / "apps" / "db.yaml").unlink()  # a deleted file: its entries are stale
    result = lint(repo, "--baseline", "baseline.json", "--select", "ML006,ML401", ".")
    assert [(f["rule"], f["path"]) for f in result.json["findings"]] == [
        ("ML401", "apps/web.yaml"),
        ("ML006", "baseline.json"),
    ]


def test_the_baseline_applies_under_no_inline_suppressions(repo: Path) -> None:
    write(repo, REPO)
    lint(repo, "--write-baseline", "baseline.json", ".")
    result = lint(repo, "--baseline", "baseline.json", "--no-inline-suppressions", ".")
    assert result.code == 0


def test_sarif_marks_baseline_suppressions(repo: Path) -> None:
    write(repo, REPO)
    lint(repo, "--write-baseline", "baseline.json", ".")
    result = run_cli(
        "--isolated", "-f", "sarif", "--metallb-version", "0.14.9", "--baseline",
        "baseline.json", ".", cwd=repo,
    )  # fmt: skip
    results = json.loads(result.out)["runs"][0]["results"]
    assert all(r["suppressions"][0]["justification"].startswith("in the baseline") for r in results)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]\n", "baseline.json:1: not a metallb-lint baseline"),
        ('{"version": 2, "findings": []}\n', "baseline.json:1: baseline version 2 is not 1"),
        (
            '{"version": 1,\n "findings": [\n  {"rule": "ML401"}\n ]}\n',
            "baseline.json:3: baseline entry needs 'rule' and 'path' strings",
        ),
        (
            '{"version": 1, "findings": [{"rule": "ML401", "path": "a.yaml"}]}\n',
            "baseline.json:1: baseline entry needs 'anchor' or 'message'",
        ),
        ('{"version": 1, "findings": [\n', "baseline.json:"),
    ],
)
def test_bad_baselines_are_usage_errors(repo: Path, content: str, message: str) -> None:
    write(repo, {**REPO, "baseline.json": content})
    result = lint(repo, "--baseline", "baseline.json", ".")
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1


def test_a_missing_baseline_is_a_usage_error_unless_being_written(repo: Path) -> None:
    write(repo, REPO)
    result = lint(repo, "--baseline", "nope.json", ".")
    assert result.code == 2 and "--baseline nope.json: cannot read" in result.err
    result = lint(repo, "--baseline", "new.json", "--write-baseline", "new.json", ".")
    assert result.code == 0 and (repo / "new.json").is_file()
