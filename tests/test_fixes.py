"""Fixes (README, "Fixes"): each rule's fix as an exact diff, the safety rules of applying them
(safe/unsafe, suppressed findings, symbolic links, files outside the linted paths, files changed
since they were read, overlapping edits), the options' exit codes, and a round trip over every
fixture: fix, lint again, the fixed findings are gone and the diff holds only the edits."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from metallb_lint.findings import SAFE, UNSAFE, Edit, Finding, Fix, Location, Severity
from metallb_lint.fixes import plan_fixes, write_changes
from tests.conftest import ROOT, run_cli

FIXTURES = ROOT / "fixtures"

POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: default
  namespace: metallb-system
spec:
  addresses:
    - 192.168.1.240-192.168.1.250
"""

CHART = """\
apiVersion: v2
name: networking
version: 1.0.0
dependencies:
  - name: metallb
    version: {version}
    repository: https://metallb.github.io/metallb
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: sonarr
  namespace: media  # the app's namespace
  labels:
    app: sonarr
spec:
  type: LoadBalancer
  loadBalancerIP: "192.168.1.243"  # reserved in the router
  selector:
    app: sonarr
  ports:
    - port: 80
"""


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def diff(path: Path, *args: str):
    return run_cli("--isolated", "--diff", *args, ".", cwd=path)


def changed_lines(output: str) -> list[str]:
    """The + and - lines of a unified diff, without the file headers."""
    return [
        line
        for line in output.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# -- one test per fix --------------------------------------------------------------------------


def test_ml406_moves_the_address_into_the_annotation(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {"pool.yaml": POOL, "svc.yaml": SERVICE, "Chart.yaml": CHART.format(version="0.14.9")},
    )
    result = diff(root, "--select", "ML406")
    assert result.code == 1
    assert changed_lines(result.out) == [
        "+  annotations:",
        '+    metallb.io/loadBalancerIPs: "192.168.1.243"  # reserved in the router',
        '-  loadBalancerIP: "192.168.1.243"  # reserved in the router',
    ]
    # before 0.14.9 the old prefix, which that release reads
    (root / "Chart.yaml").write_text(CHART.format(version="0.14.8"), encoding="utf-8")
    assert '+    metallb.universe.tf/loadBalancerIPs: "192.168.1.243"' in diff(root).out


def test_ml406_with_an_assumed_release_writes_the_prefix_every_release_reads(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path, {"pool.yaml": POOL, "svc.yaml": SERVICE})
    assert "metallb.universe.tf/loadBalancerIPs" in diff(root, "--select", "ML406").out


def test_ml406_adds_to_existing_annotations_in_their_indentation(tmp_path: Path) -> None:
    service = SERVICE.replace(
        "  labels:\n", "  annotations:\n      example.com/owner: media\n  labels:\n"
    )
    root = repo(tmp_path, {"pool.yaml": POOL, "svc.yaml": service})
    assert changed_lines(diff(root, "--select", "ML406").out)[0] == (
        '+      metallb.universe.tf/loadBalancerIPs: "192.168.1.243"  # reserved in the router'
    )


@pytest.mark.parametrize(
    ("fmt", "worked_out"),
    [("json", 1), ("sarif", 1), ("text", 0), ("concise", 0), ("github", 0), ("junit", 0)],
)
def test_fixes_are_worked_out_only_for_reports_that_show_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, worked_out: int
) -> None:
    from metallb_lint.checks.context import FIXERS
    from metallb_lint.checks.run import load_rules

    load_rules()  # (registers the fixers)
    calls: list[str] = []
    real = FIXERS["ML406"]
    monkeypatch.setitem(FIXERS, "ML406", lambda ctx, f: calls.append(f.rule) or real(ctx, f))
    root = repo(tmp_path, {"pool.yaml": POOL, "svc.yaml": SERVICE})
    args = ("--isolated", "--no-cache", "--select", "ML406", "--format", fmt, ".")
    result = run_cli(*args, cwd=root)
    assert result.code == 0 and "ML406" in result.out  # (an info finding)
    assert len(calls) == worked_out
    if fmt == "json":
        assert result.json["findings"][0]["fix"]["applicability"] == "safe"
    # --diff and --fix always work it out, whatever the format
    assert "+  annotations:" in diff(root, "--select", "ML406", "--format", "concise").out
    assert len(calls) == worked_out + 1


@pytest.mark.parametrize(
    "change",
    [
        ('"192.168.1.243"', "${SONARR_IP}"),  # a Flux substitution: fixed where it is defined
        ("metadata:\n  name: sonarr\n", "metadata: {name: sonarr,\n"),  # a flow mapping
    ],
)
def test_ml406_no_fix_where_the_value_is_not_written_literally(tmp_path: Path, change) -> None:
    service = SERVICE.replace(*change)
    if "{name" in service:
        service = service.replace(
            "  namespace: media  # the app's namespace\n", " namespace: media}\n"
        )
        service = service.replace("  labels:\n    app: sonarr\n", "")
    root = repo(tmp_path, {"pool.yaml": POOL, "svc.yaml": service})
    result = diff(root, "--select", "ML406")
    assert result.code == 0 and result.out == ""


def test_ml106_renames_the_deprecated_prefix_only_for_a_named_release(tmp_path: Path) -> None:
    service = SERVICE.replace(
        "  labels:\n", "  annotations:\n    metallb.universe.tf/address-pool: default\n  labels:\n"
    )
    root = repo(
        tmp_path,
        {"pool.yaml": POOL, "svc.yaml": service, "Chart.yaml": CHART.format(version="0.15.2")},
    )
    assert changed_lines(diff(root, "--select", "ML106").out) == [
        "-    metallb.universe.tf/address-pool: default",
        "+    metallb.io/address-pool: default",
    ]
    (root / "Chart.yaml").unlink()  # an assumed release: no ML106, no fix
    assert diff(root, "--select", "ML106").out == ""


def test_ml107_renames_to_the_prefix_the_release_reads(tmp_path: Path) -> None:
    service = SERVICE.replace(
        "  labels:\n", "  annotations:\n    'metallb.io/address-pool': default\n  labels:\n"
    )
    root = repo(
        tmp_path,
        {"pool.yaml": POOL, "svc.yaml": service, "Chart.yaml": CHART.format(version="0.14.8")},
    )
    assert changed_lines(diff(root, "--select", "ML107").out) == [
        "-    'metallb.io/address-pool': default",
        "+    'metallb.universe.tf/address-pool': default",
    ]


def test_ml202_is_unsafe_and_writes_the_one_address(tmp_path: Path) -> None:
    pool = POOL.replace("192.168.1.240-192.168.1.250", "192.168.1.240/24  # lab")
    root = repo(tmp_path, {"pool.yaml": pool})
    safe_only = diff(root, "--select", "ML202")
    assert safe_only.code == 0 and safe_only.out == ""
    assert "1 more fix(es) available with --unsafe-fixes" in safe_only.err
    assert changed_lines(diff(root, "--select", "ML202", "--unsafe-fixes").out) == [
        "-    - 192.168.1.240/24  # lab",
        "+    - 192.168.1.240/32  # lab",
    ]


def test_ml103_renames_a_misspelt_values_key(tmp_path: Path) -> None:
    values = "metallb:\n  controller:\n    # keep\n    podAnotations:\n      team: net\n"
    root = repo(tmp_path, {"Chart.yaml": CHART.format(version="0.14.8"), "values.yaml": values})
    assert changed_lines(diff(root, "--select", "ML103", "--unsafe-fixes").out) == [
        "-    podAnotations:",
        "+    podAnnotations:",
    ]


def test_ml501_pins_a_range_to_the_release_it_resolves_to(tmp_path: Path) -> None:
    root = repo(tmp_path, {"Chart.yaml": CHART.format(version='"~0.14.0"')})
    assert changed_lines(diff(root, "--select", "ML501", "--unsafe-fixes").out) == [
        '-    version: "~0.14.0"',
        '+    version: "0.14.9"',
    ]


# -- the options -------------------------------------------------------------------------------


def test_fix_writes_reports_what_remains_and_exits_by_it(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {"pool.yaml": POOL, "svc.yaml": SERVICE, "Chart.yaml": CHART.format(version="0.14.9")},
    )
    before = diff(root)
    result = run_cli(
        "--isolated",
        "--fix",
        "--show-fixes",
        "--select",
        "ML406",
        "--fail-on",
        "info",
        "-f",
        "json",
        ".",
        cwd=root,
    )
    assert result.code == 0, result.out
    assert result.json["findings"] == []
    assert "fixed 1 problem(s) in 1 file(s)" in result.err
    assert (
        "svc.yaml:10:19: ML406 move the address to the metallb.io/loadBalancerIPs annotation [safe]"
        in result.err
    )
    assert "metallb.io/loadBalancerIPs" in (root / "svc.yaml").read_text(encoding="utf-8")
    assert (
        before.code == 1 and diff(root, "--select", "ML406").code == 0
    )  # nothing pending any more
    assert sorted(os.listdir(root)) == ["Chart.yaml", "pool.yaml", "svc.yaml"]  # no temp file


def test_diff_writes_nothing(tmp_path: Path) -> None:
    root = repo(tmp_path, {"pool.yaml": POOL, "svc.yaml": SERVICE})
    assert diff(root).code == 1
    assert (root / "svc.yaml").read_text(encoding="utf-8") == SERVICE


def test_fix_and_diff_together_is_a_usage_error(tmp_path: Path) -> None:
    assert run_cli("--isolated", "--fix", "--diff", ".", cwd=tmp_path).code == 2


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    service = SERVICE.replace("# reserved in the router", "# metallb-lint: disable=ML406 -- kept")
    root = repo(tmp_path, {"pool.yaml": POOL, "svc.yaml": service})
    assert diff(root).out == ""


def test_crlf_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    root = repo(tmp_path, {"pool.yaml": POOL})
    raw = b"\xef\xbb\xbf" + SERVICE.replace("\n", "\r\n").encode()
    (root / "svc.yaml").write_bytes(raw)
    assert run_cli("--isolated", "--fix", ".", cwd=root).code == 0
    fixed = (root / "svc.yaml").read_bytes()
    assert fixed.startswith(b"\xef\xbb\xbf") and b"\r\n  annotations:\r\n" in fixed
    assert fixed.count(b"\n") == fixed.count(b"\r\n")


def test_stdin_is_never_rewritten_but_diffed(tmp_path: Path) -> None:
    data = (POOL + "---\n" + SERVICE).encode()
    args = ("--isolated", "--stdin-filename", "svc.yaml", "-")
    shown = run_cli(*args, "--diff", stdin=data, cwd=tmp_path)
    assert shown.code == 1 and "+  annotations:" in shown.out
    fixed = run_cli(*args, "--fix", stdin=data, cwd=tmp_path)
    assert "not applied: svc.yaml" in fixed.err and "standard input is never rewritten" in fixed.err


# -- the safety rules of writing ----------------------------------------------------------------


def test_a_symlink_is_not_written_through(tmp_path: Path) -> None:
    outside = repo(tmp_path / "outside", {"svc.yaml": SERVICE})
    root = repo(tmp_path / "repo", {"pool.yaml": POOL})
    os.symlink(outside / "svc.yaml", root / "svc.yaml")
    result = run_cli("--isolated", "--fix", ".", cwd=root)
    assert (outside / "svc.yaml").read_text(encoding="utf-8") == SERVICE
    assert os.path.islink(root / "svc.yaml")
    if "ML406" in result.out:  # discovery read it: the write is refused
        assert "symbolic link" in result.err or "outside the linted paths" in result.err


def test_a_file_outside_the_linted_paths_is_not_touched(tmp_path: Path) -> None:
    """Named files are linted with their repository as context; fixes stay in named files."""
    root = repo(
        tmp_path,
        {
            "pool.yaml": POOL,
            "a.yaml": SERVICE,
            "b.yaml": SERVICE.replace("sonarr", "radarr").replace(".243", ".244"),
        },
    )
    (root / ".git").mkdir()
    result = run_cli("--isolated", "--fix", "a.yaml", cwd=root)
    assert result.code == 0
    assert "metallb.universe.tf/loadBalancerIPs" in (root / "a.yaml").read_text(encoding="utf-8")
    assert "loadBalancerIP:" in (root / "b.yaml").read_text(encoding="utf-8")


def _finding(path: str, edits: tuple[Edit, ...], safety: str = SAFE, line: int = 1) -> Finding:
    return Finding(
        "ML406", "x", Severity.INFO, "m", Location(path, line, 1), fix=Fix(safety, "f", edits)
    )


def test_edits_outside_the_linted_files_are_refused() -> None:
    edit = Edit(Location("other.yaml", 1, 1, 1, 1), "a", "b")
    plan = plan_fixes([_finding("a.yaml", (edit,))], {"other.yaml": "a\n"}, {"a.yaml"}, True)
    assert plan.changes == {}
    assert plan.not_applied[0].reason == "other.yaml is not one of the linted files"


def test_two_fixes_of_one_span_the_first_wins() -> None:
    text = "key: value\n"
    first = _finding("a.yaml", (Edit(Location("a.yaml", 1, 6, 1, 10), "value", "one"),))
    second = _finding("a.yaml", (Edit(Location("a.yaml", 1, 8, 1, 10), "lue", "two"),), line=2)
    insert = _finding("a.yaml", (Edit.insert("a.yaml", 1, 6, "x"),), line=3)
    plan = plan_fixes([first, second, insert], {"a.yaml": text}, {"a.yaml"}, False)
    assert plan.changes["a.yaml"].after == "key: one\n"
    assert [n.finding for n in plan.not_applied] == [second, insert]
    assert "the first one wins" in plan.not_applied[0].reason


def test_an_edit_that_no_longer_matches_is_refused() -> None:
    edit = Edit(Location("a.yaml", 1, 6, 1, 10), "other", "one")
    plan = plan_fixes([_finding("a.yaml", (edit,))], {"a.yaml": "key: value\n"}, {"a.yaml"}, True)
    assert plan.changes == {} and "does not read as the finding says" in plan.not_applied[0].reason


def test_unsafe_fixes_wait_for_the_flag() -> None:
    edit = Edit(Location("a.yaml", 1, 6, 1, 10), "value", "one")
    texts = {"a.yaml": "key: value\n"}
    assert (
        plan_fixes([_finding("a.yaml", (edit,), UNSAFE)], texts, {"a.yaml"}, False).unsafe_left == 1
    )
    assert plan_fixes([_finding("a.yaml", (edit,), UNSAFE)], texts, {"a.yaml"}, True).changes


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("key: value\n", encoding="utf-8")
    edit = Edit(Location("a.yaml", 1, 6, 1, 10), "value", "one")
    plan = plan_fixes([_finding("a.yaml", (edit,))], {"a.yaml": "key: value\n"}, {"a.yaml"}, False)
    path.write_text("key: value\nmore: 1\n", encoding="utf-8")  # someone else's edit
    write_changes(plan, {"a.yaml": str(path)}, [str(tmp_path)])
    assert path.read_text(encoding="utf-8") == "key: value\nmore: 1\n"
    assert plan.not_applied[0].reason == "it changed since it was read"


def test_a_file_reached_outside_the_named_roots_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "a.yaml"
    path.parent.mkdir()
    path.write_text("key: value\n", encoding="utf-8")
    edit = Edit(Location("a.yaml", 1, 6, 1, 10), "value", "one")
    plan = plan_fixes([_finding("a.yaml", (edit,))], {"a.yaml": "key: value\n"}, {"a.yaml"}, False)
    write_changes(plan, {"a.yaml": str(path)}, [str(tmp_path / "repo")])
    assert path.read_text(encoding="utf-8") == "key: value\n"
    assert plan.not_applied[0].reason == "it lies outside the linted paths"


# -- the round trip over every fixture ---------------------------------------------------------


def _fixture_roots() -> list[Path]:
    roots = sorted(p for p in (FIXTURES / "rules").glob("*/bad") if p.is_dir())
    roots += sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "rules")
    return roots


@pytest.mark.parametrize("source", _fixture_roots(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_round_trip(source: Path, tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(source, copy, symlinks=True)
    before = run_cli("-f", "json", "--unsafe-fixes", "--show-fixes", ".", cwd=copy)
    if before.code == 2:
        pytest.skip(before.err)
    fixable = [f for f in before.json["findings"] if "fix" in f and not f.get("suppressed")]
    texts = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file() and not p.is_symlink()}
    shown = run_cli("--diff", "--unsafe-fixes", ".", cwd=copy)
    result = run_cli("--fix", "--unsafe-fixes", "-f", "json", ".", cwd=copy)
    assert result.code in (0, 1), result.err
    if not fixable:
        assert shown.out == "" and all(p.read_bytes() == t for p, t in texts.items())
        return
    applied = len(fixable) - result.err.count("not applied:")
    assert f"fixed {applied} problem(s)" in result.err
    # the fixed findings are gone: each fixed rule has that many findings fewer
    for rule in {f["rule"] for f in fixable}:
        count_before = sum(f["rule"] == rule for f in before.json["findings"])
        count_after = sum(f["rule"] == rule for f in result.json["findings"])
        fixed = sum(f["rule"] == rule for f in fixable)
        assert count_after <= count_before - fixed + result.err.count(f"{rule}: "), rule
    # the diff holds only the intended lines: removed lines are lines the edits span, added
    # lines carry an edit's text, every other line of an edited file is still there
    edits = [e for f in fixable for e in f["fix"]["edits"]]
    old_lines = {
        e["path"]: texts[copy / e["path"]].decode("utf-8-sig").replace("\r\n", "\n").split("\n")
        for e in edits
    }
    spanned = {
        (e["path"], number)
        for e in edits
        for number in range(e["line"], e["end_line"] + 1)
        if e["end_column"] > e["column"] or e["end_line"] > e["line"]  # not an insertion
    }
    removed = {old_lines[path][number - 1] for path, number in spanned}
    for line in changed_lines(shown.out):
        if line.startswith("-"):
            assert line[1:] in removed, line
        else:
            assert any(line[1:] in e["content"] or e["content"].strip() in line for e in edits), (
                line
            )
    for path, lines in old_lines.items():
        new_text = (copy / path).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        kept = [line for n, line in enumerate(lines, start=1) if (path, n) not in spanned]
        assert all(line in new_text for line in kept), path
    # untouched files are byte for byte the same
    touched = {copy / e["path"] for e in edits}
    for path, data in texts.items():
        if path not in touched:
            assert path.read_bytes() == data, path


def test_a_symlink_inside_the_tree_is_not_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("key: value\n", encoding="utf-8")
    os.symlink(real, tmp_path / "a.yaml")
    edit = Edit(Location("a.yaml", 1, 6, 1, 10), "value", "one")
    plan = plan_fixes([_finding("a.yaml", (edit,))], {"a.yaml": "key: value\n"}, {"a.yaml"}, False)
    write_changes(plan, {"a.yaml": str(tmp_path / "a.yaml")}, [str(tmp_path)])
    assert real.read_text(encoding="utf-8") == "key: value\n"
    assert os.path.islink(tmp_path / "a.yaml")
    assert plan.not_applied[0].reason == "it is a symbolic link; not written through it"


def test_readme_example_is_the_real_output() -> None:
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- fix-output:start -->\n```text\n\$ (.*?)\n(.*?)```", text, re.S)
    assert match, "README.md has no fix-output block"
    command = match.group(1).split()
    assert command[:2] == ["metallb-lint", "--diff"]
    result = run_cli("--isolated", *command[1:], cwd=ROOT)
    assert result.code == 1
    assert result.out == match.group(2)
