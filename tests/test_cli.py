"""The command line contract (DESIGN.md, "Contracts"): exit codes, commands, flags, output
streams. Every run is hermetic: `--isolated`, or a temporary repository with a `.git` folder."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

from metallb_lint import __version__
from metallb_lint.catalog import catalog
from metallb_lint.cli import main
from metallb_lint.cli.common import use_color
from metallb_lint.metallb.versions import NEWEST, RELEASES
from tests.conftest import findings, lint_json, run_cli, write
from tests.manifests import POOL_L2 as POOL
from tests.manifests import service

CHART = """\
apiVersion: v2
name: metallb-system
version: 0.1.0
dependencies:
  - name: metallb
    version: 0.14.3
    repository: https://metallb.github.io/metallb
"""


# ML401 (error) and ML406 (info) at svc.yaml:8; ML005 (info) at pool.yaml:2 without a version.
OUTSIDE = {"pool.yaml": POOL, "svc.yaml": service("outside", "192.168.1.10")}
# ML406 only (info).
INFO_ONLY = {"pool.yaml": POOL, "svc.yaml": service("inside", "192.168.1.241")}
# ML409 (warning): MetalLB annotations on a ClusterIP Service.
WARNING = {
    "pool.yaml": POOL,
    "svc.yaml": service("cluster", "192.168.1.241", how="metallb.universe.tf", kind="ClusterIP"),
}
CLEAN = {"pool.yaml": POOL, "svc.yaml": service("ok", "192.168.1.241", how="metallb.universe.tf")}
VERSION = ("--metallb-version", "0.14.8")


def lint(root: Path, *args: str, stdin: bytes | None = None):
    return run_cli("--isolated", *args, cwd=root, stdin=stdin)


def assert_usage_error(result, *fragments: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert result.out == ""
    assert result.err.endswith("\n") and result.err.count("\n") == 1, result.err
    assert result.err.startswith("metallb-lint"), result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def rules_of(result) -> list[str]:
    return [f["rule"] for f in result.json["findings"]]


# -- exit codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "args", "code"),
    [
        (CLEAN, (), 0),
        (OUTSIDE, (), 1),
        (OUTSIDE, ("--exit-zero",), 0),
        (OUTSIDE, ("--fail-on", "warning"), 1),
        (INFO_ONLY, (), 0),
        (INFO_ONLY, ("--fail-on", "warning"), 0),
        (INFO_ONLY, ("--fail-on", "info"), 1),
        (INFO_ONLY, ("--fail-on", "info", "--exit-zero"), 0),
        (WARNING, (), 0),
        (WARNING, ("--fail-on", "error"), 0),
        (WARNING, ("--fail-on", "warning"), 1),
        (WARNING, ("--fail-on", "info"), 1),
    ],
    ids=lambda v: v if isinstance(v, int) else None,
)
def test_exit_code_follows_fail_on(repo: Path, files, args, code) -> None:
    write(repo, files)
    result = lint(repo, *VERSION, "--format", "json", *args, ".")
    assert result.code == code, (result.out, result.err)
    assert result.err == ""


def test_severities_of_the_exit_code_fixtures(repo: Path) -> None:
    """The fixtures above are what the exit-code table assumes."""
    for files, expected in (
        (CLEAN, set()),
        (OUTSIDE, {("ML401", "error"), ("ML406", "info")}),
        (INFO_ONLY, {("ML406", "info")}),
        (WARNING, {("ML409", "warning")}),
    ):
        for name in files:
            (repo / name).unlink(missing_ok=True)
        write(repo, files)
        result = lint(repo, *VERSION, "--format", "json", "--exit-zero", ".")
        assert {(f["rule"], f["severity"]) for f in result.json["findings"]} == expected


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--no-such-flag", "."), ("unrecognized arguments: --no-such-flag",)),
        (("does/not/exist",), ("does/not/exist", "no such file or directory")),
        (("--metallb-version", "1.x", "."), ("--metallb-version", "'1.x'")),
        (("--metallb-version", "^0.14", "."), ("--metallb-version",)),
        (("--select", "ML999", "."), ("'ML999' names no rule",)),
        (("--select", "no-such-rule", "."), ("'no-such-rule' names no rule",)),
        (("--ignore", "ML401,bogus", "."), ("'bogus' names no rule",)),
        (("--fail-on", "fatal", "."), ("--fail-on",)),
        (("--format", "xml", "."), ("--format",)),
        (("--color", "sometimes", "."), ("--color",)),
        (("--config", "cfg.yaml", "."), ("--config and --isolated",)),
        (("check", "--bogus"), ("--bogus",)),
        (("check", "--config", "missing.yaml", "."), ("--config missing.yaml: no such file",)),
        (("explain", "ML999"), ("no rule 'ML999'",)),
        (("explain", "no-such-rule"), ("no rule 'no-such-rule'",)),
        (("explain",), ("required",)),
        (("rules", "--format", "yaml"), ("--format",)),
    ],
)
def test_usage_errors_exit_2_with_one_line(repo: Path, args, fragments) -> None:
    write(repo, CLEAN)
    first = args[0] if args else ""
    if first in ("explain", "rules", "check"):
        result = run_cli(*args, cwd=repo)
    else:
        result = run_cli("--isolated", *args, cwd=repo)
    assert_usage_error(result, *fragments)


def test_usage_error_for_unwritable_output_file(repo: Path) -> None:
    write(repo, CLEAN)
    result = lint(repo, "--output-file", "no/such/dir/report.txt", ".")
    assert_usage_error(result, "--output-file", "no/such/dir/report.txt")


def test_internal_error_is_one_line_and_exit_2(repo: Path, monkeypatch) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("boom\nsecond line of the message")

    monkeypatch.setattr("metallb_lint.engine.run", explode)
    write(repo, CLEAN)
    result = lint(repo, ".")
    assert_usage_error(result, "internal error", "RuntimeError", "boom", "--debug")


def test_debug_shows_the_traceback(repo: Path, monkeypatch) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("metallb_lint.engine.run", explode)
    write(repo, CLEAN)
    with pytest.raises(RuntimeError, match="boom"):
        lint(repo, "--debug", ".")


VERSION_LINE = (
    f"metallb-lint {__version__} "
    f"(MetalLB release table of {RELEASES[str(NEWEST)]}: 0.8.0 to {NEWEST})\n"
)


def test_version() -> None:
    """The release and the date of the newest MetalLB release the table knows."""
    result = run_cli("--version")
    assert result.code == 0
    assert result.out == VERSION_LINE
    assert re.fullmatch(
        r"metallb-lint \d+\.\d+\.\d+ \(MetalLB release table of "
        r"20\d\d-\d\d-\d\d: 0\.8\.0 to \d+\.\d+\.\d+\)\n",
        result.out,
    )


def test_help_and_version_as_words_and_every_subcommand_listed(tmp_path: Path) -> None:
    """`help` and `version` work as words; --help lists every subcommand; a folder named like
    a word is still a folder."""
    assert run_cli("version", cwd=tmp_path).out == VERSION_LINE
    shown = run_cli("help", cwd=tmp_path)
    assert shown.code == 0
    assert shown.out == run_cli("--help", cwd=tmp_path).out
    for name in ("check", "rules", "explain", "ips", "migrate", "test-policies"):
        assert re.search(rf"^  {re.escape(name)} ", shown.out, re.M), name
    write(tmp_path, {"help/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"})
    folder = run_cli("--isolated", "help", cwd=tmp_path)
    assert folder.code == 0 and "No problems found" in folder.out


@pytest.mark.parametrize(
    ("typed", "meant"), [("expalin", "explain"), ("mirgate", "migrate"), ("chek", "check")]
)
def test_a_mistyped_subcommand_gets_did_you_mean(tmp_path: Path, typed: str, meant: str) -> None:
    assert_usage_error(
        run_cli(typed, "ML401", cwd=tmp_path),
        f"{typed}: no such file or directory, and no subcommand; did you mean '{meant}'?",
    )
    # a path that is merely missing says only that
    assert_usage_error(run_cli("apps", cwd=tmp_path), "apps: no such file or directory")
    assert "did you mean" not in run_cli("apps", cwd=tmp_path).err


def test_statistics_count_findings_per_rule(repo: Path) -> None:
    """`--statistics`: one line per rule, most frequent first, as ruff prints them; the exit
    code is the one the findings give."""
    write(repo, OUTSIDE)
    counted = lint(repo, *VERSION, "--statistics", ".")
    assert counted.code == 1
    assert (
        counted.out
        == "1  ML401  ip-not-in-any-pool  [error]\n1  ML406  deprecated-loadbalancerip  [info]\n"
    )
    clean = lint(repo, *VERSION, "--statistics", "--select", "ML2", ".")
    assert (clean.code, clean.out) == (0, "No problems found\n")


def test_help_exits_0() -> None:
    for args in (("--help",), ("check", "--help"), ("rules", "--help"), ("explain", "-h")):
        result = run_cli(*args)
        assert result.code == 0, args
        assert "usage:" in result.out


# -- commands and selection ----------------------------------------------------------------


def test_check_subcommand_equals_the_bare_form(repo: Path) -> None:
    write(repo, OUTSIDE)
    bare = lint(repo, "--format", "json", ".")
    check = run_cli("check", "--isolated", "--format", "json", ".", cwd=repo)
    assert (check.code, check.out, check.err) == (bare.code, bare.out, bare.err)
    assert bare.code == 1
    default_path = lint(repo, "--format", "json")  # PATH defaults to '.'
    assert default_path.out == bare.out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ["ML005", "ML401", "ML406"]),
        (("--select", "ML401"), ["ML401"]),
        (("--select", "ml401"), ["ML401"]),
        (("--select", "ip-not-in-any-pool"), ["ML401"]),
        (("--select", "ML4"), ["ML401", "ML406"]),
        (("--select", "ML0"), ["ML005"]),
        (("--select", "ML401,ML005"), ["ML005", "ML401"]),
        (("--select", "ML401, target-version"), ["ML005", "ML401"]),
        (("--select", "ML401", "--select", "ML005"), ["ML005", "ML401"]),
        (("--ignore", "ML4"), ["ML005"]),
        (("--ignore", "deprecated-loadbalancerip"), ["ML005", "ML401"]),
        (("--ignore", "ML406,ML005"), ["ML401"]),
        (("--ignore", "ML406", "--ignore", "target-version"), ["ML401"]),
        (("--select", "ML4", "--ignore", "ML401"), ["ML406"]),
    ],
)
def test_select_and_ignore(repo: Path, args, expected) -> None:
    write(repo, OUTSIDE)
    result = lint(repo, "--format", "json", "--exit-zero", *args, ".")
    assert result.code == 0, result.err
    assert sorted(rules_of(result)) == expected


def test_metallb_version_overrides_the_repository_pin(repo: Path) -> None:
    write(
        repo,
        {
            "metallb/Chart.yaml": CHART,
            "metallb/templates/pool.yaml": POOL,
            "svc.yaml": service("new", "192.168.1.241", how="metallb.io"),
        },
    )
    # ML5 (install rules: no Chart.lock, 0.14.3 outdated) is not what this is about
    pinned = lint(repo, "--format", "json", "--ignore", "ML5", ".")
    assert pinned.json["target"] == {
        "metallb_version": "0.14.3",
        "source": "metallb/Chart.yaml",
        "mode": "frr",
    }
    assert rules_of(pinned) == ["ML107"]  # metallb.io/ annotations arrived in 0.14.9
    assert pinned.code == 1
    override = lint(
        repo, "--format", "json", "--ignore", "ML5", "--metallb-version", "v0.14.9", "."
    )
    assert override.json["target"]["metallb_version"] == "0.14.9"
    assert override.json["target"]["source"] == "--metallb-version"
    assert rules_of(override) == []
    assert override.code == 0


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("9.9.9", ["'9.9.9' is not a MetalLB release", "the nearest is 0.16.1"]),
        ("0.14.99", ["'0.14.99' is not a MetalLB release", "the nearest are 0.14.9 and 0.15.0"]),
        ("0.14", ["'0.14' is not a version like 0.16.1"]),
    ],
)
def test_unknown_release_names_are_refused_with_the_nearest(
    repo: Path, name: str, fragments: list[str]
) -> None:
    write(repo, OUTSIDE)
    assert_usage_error(lint(repo, "--metallb-version", name, "."), *fragments)
    assert_usage_error(run_cli("ips", "--metallb-version", name, ".", cwd=repo), *fragments)
    write(repo, {".metallb-lint.yaml": f"select: [ML4]\nmetallb-version: '{name}'\n"})
    config = run_cli(".", cwd=repo)
    # (the schema of the configuration refuses a malformed name in its own words)
    assert_usage_error(config, ".metallb-lint.yaml:2: ", "metallb-version: ", f"'{name}'")


def test_a_release_newer_than_the_table_is_checked_with_a_warning(repo: Path) -> None:
    write(repo, OUTSIDE)
    result = lint(repo, "--format", "json", "--exit-zero", "--metallb-version", "0.17.0", ".")
    assert result.code == 0
    assert result.json["target"]["metallb_version"] == "0.17.0"
    assert result.err.count("\n") == 1
    assert "warning: --metallb-version: MetalLB 0.17.0 is newer than the release table" in (
        result.err
    )
    write(repo, {".metallb-lint.yaml": "metallb-version: 0.16.2\n"})
    config = run_cli("--format", "json", "--exit-zero", ".", cwd=repo)
    assert config.json["target"]["metallb_version"] == "0.16.2"
    assert "warning: .metallb-lint.yaml: metallb-version: MetalLB 0.16.2 is newer" in config.err


OLD_ANNOTATION = {
    "pool.yaml": POOL,
    "svc.yaml": service("ok", "192.168.1.241", how="metallb.universe.tf"),
}


@pytest.mark.parametrize(
    ("spec", "checked", "advised"),
    [
        ("0.14.9", "0.14.9", True),
        ("0.14.x", "0.14.9", False),  # 0.14.0 to 0.14.8 do not read metallb.io/ annotations
        (">=0.14.0, <0.15", "0.14.9", False),
        (">=0.14.9 <0.16", "0.15.3", True),  # every release of the range reads them
        ("0.15.*", "0.15.3", True),
    ],
)
def test_a_release_range_holds_back_advice_that_breaks_any_release_of_it(
    repo: Path, spec: str, checked: str, advised: bool
) -> None:
    """A range is checked with its newest release; the advice to rename the
    metallb.universe.tf/ annotations (ML106) needs every release of it to read metallb.io/."""
    write(repo, OLD_ANNOTATION)
    result = lint(repo, "-f", "json", "--exit-zero", "--metallb-version", spec, ".")
    assert result.code == 0, result.err
    assert result.json["target"]["metallb_version"] == checked
    assert ("ML106" in rules_of(result)) is advised
    write(repo, {".metallb-lint.yaml": f"metallb-version: '{spec}'\n"})
    configured = run_cli("-f", "json", "--exit-zero", ".", cwd=repo)
    assert configured.json["target"]["metallb_version"] == checked
    assert ("ML106" in rules_of(configured)) is advised


def test_a_release_range_in_the_header_and_empty_ranges_refused(repo: Path) -> None:
    write(repo, OLD_ANNOTATION)
    header = lint(repo, "--metallb-version", "0.14.x", ".").out.split("\n")[:2]
    assert header == [
        f"metallb-lint {__version__}: checked against MetalLB 0.14.9, frr mode, namespace "
        "metallb-system",
        "  version    from --metallb-version 0.14.x: 0.14.0 to 0.14.9 (checked with 0.14.9, the "
        "newest; advice that would break an older release of the range is held back)",
    ]
    assert_usage_error(
        lint(repo, "--metallb-version", "0.99.x", "."),
        "--metallb-version: '0.99.x' holds no MetalLB release this metallb-lint knows "
        "(known: 0.8.0 to 0.16.1)",
    )
    write(repo, {".metallb-lint.yaml": "metallb-version: '>=0.17.0'\n"})
    assert_usage_error(run_cli(".", cwd=repo), ".metallb-lint.yaml:1: metallb-version: '>=0.17")


# -- rules and explain ---------------------------------------------------------------------


def test_rules_text_lists_every_rule() -> None:
    result = run_cli("rules")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == len(catalog())
    for line, info in zip(lines, catalog().values(), strict=True):
        assert line.startswith(f"{info.id}  {info.name} ")
        assert str(info.severity) in line and info.summary in line


def test_rules_json_is_complete() -> None:
    result = run_cli("rules", "--format", "json")
    assert result.code == 0
    rules = json.loads(result.out)
    assert [r["id"] for r in rules] == list(catalog())
    for rule in rules:
        assert re.fullmatch(r"ML\d{3}", rule["id"])
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule["name"])
        assert rule["severity"] in ("error", "warning", "info")
        assert rule["summary"].strip()
        assert rule["examples"]["bad"].strip() and rule["examples"]["good"].strip()


@pytest.mark.parametrize("key", ["ML401", "ml401", "ip-not-in-any-pool"])
def test_explain_by_id_or_name(key: str) -> None:
    result = run_cli("explain", key)
    assert result.code == 0
    assert result.err == ""
    assert result.out == run_cli("explain", "ML401").out
    info = catalog()["ML401"]
    assert result.out.startswith(f"ML401 ip-not-in-any-pool [error]\n\n{info.summary}\n")
    assert "\nBad:\n" in result.out and "\nGood:\n" in result.out
    bad = result.out.split("\nBad:\n", 1)[1].split("\nGood:\n", 1)[0]
    good = result.out.split("\nGood:\n", 1)[1]
    assert info.bad.strip().splitlines()[0].strip() in bad
    assert info.good.strip().splitlines()[0].strip() in good


def test_explain_every_rule() -> None:
    for info in catalog().values():
        result = run_cli("explain", info.name)
        assert result.code == 0, info.id
        assert "Bad:" in result.out and "Good:" in result.out and "How to fix:" in result.out


# -- output: colour, quiet, verbose, files, stdin -------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_color_always_and_never(repo: Path) -> None:
    write(repo, OUTSIDE)
    always = lint(repo, "--color", "always", ".")
    never = lint(repo, "--color", "never", ".")
    assert ANSI.search(always.out)
    assert not ANSI.search(never.out)
    assert ANSI.sub("", always.out) == never.out
    assert always.code == never.code == 1


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_on_tty(root: Path, *args: str) -> str:
    """The CLI with stdout a terminal (the auto colour mode's case)."""
    out = _Tty()
    old = sys.stdout
    sys.stdout = out
    try:
        here = os.getcwd()
        os.chdir(root)
        try:
            main(["--isolated", *args])
        finally:
            os.chdir(here)
    finally:
        sys.stdout = old
    return out.getvalue()


def test_auto_colour_follows_the_terminal_and_the_environment(repo: Path, monkeypatch) -> None:
    write(repo, OUTSIDE)
    assert ANSI.search(run_on_tty(repo, "."))
    assert not ANSI.search(lint(repo, ".").out)  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI.search(lint(repo, ".").out)
    assert not ANSI.search(lint(repo, "--color", "never", ".").out)
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(run_on_tty(repo, "."))
    assert ANSI.search(run_on_tty(repo, "--color", "always", "."))


@pytest.mark.parametrize(
    ("environ", "choice", "tty", "expected"),
    [
        ({}, "auto", False, False),
        ({}, "auto", True, True),
        ({"NO_COLOR": "1"}, "auto", True, False),
        ({"NO_COLOR": ""}, "auto", True, True),  # empty means unset (no-color.org)
        ({"FORCE_COLOR": "1"}, "auto", False, True),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, "auto", True, False),
        ({"NO_COLOR": "1"}, "always", False, True),
        ({"FORCE_COLOR": "1"}, "never", True, False),
    ],
)
def test_use_color(monkeypatch, environ, choice, tty, expected) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert use_color(choice, _Tty() if tty else io.StringIO()) is expected


CONCISE = re.compile(r"^[^:\n]+:\d+:\d+: ML\d{3} \[(error|warning|info)\] \S.*$")


def test_quiet_prints_concise_finding_lines_only(repo: Path) -> None:
    write(repo, OUTSIDE)
    result = lint(repo, "-q", ".")
    assert result.code == 1
    lines = result.out.splitlines()
    assert all(CONCISE.match(line) for line in lines), lines
    assert [line.split(" [")[0] for line in lines] == [
        "pool.yaml:2:1: ML005",
        "svc.yaml:8:19: ML401",
        "svc.yaml:8:19: ML406",
    ]
    assert result.out == lint(repo, "--format", "concise", ".").out
    assert "│" not in result.out and "problem" not in result.out  # no source, no summary
    assert lint(repo, "-q", "--format", "json", ".").json["findings"]  # -q is for text only


def test_quiet_with_no_findings_prints_nothing(repo: Path) -> None:
    write(repo, CLEAN)
    result = lint(repo, *VERSION, "-q", ".")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_text_report_without_findings(repo: Path) -> None:
    write(repo, CLEAN)
    result = lint(repo, *VERSION, ".")
    assert result.code == 0
    assert result.out.startswith(f"metallb-lint {__version__}: checked against MetalLB 0.14.8")
    assert result.out.endswith("No problems found in 2 files, 3 resources\n")


SUPPRESSED = {
    "pool.yaml": POOL,
    "svc.yaml": service("outside", "192.168.1.10").replace(
        "  loadBalancerIP:", "  # metallb-lint: disable=ML401 -- migrating\n  loadBalancerIP:"
    ),
}


def test_verbose_shows_suppressed_findings(repo: Path) -> None:
    write(repo, SUPPRESSED)
    plain = lint(repo, *VERSION, ".")
    verbose = lint(repo, *VERSION, "-v", ".")
    assert plain.code == verbose.code == 0  # the only error is suppressed
    assert "ML401" not in plain.out
    assert "1 suppressed (-v shows them)" in plain.out
    assert "ML401 ip-not-in-any-pool (suppressed: migrating)" in verbose.out
    assert "1 suppressed\n" in verbose.out


def test_verbose_shows_notes(repo: Path) -> None:
    write(repo, {**CLEAN, ".metallb-lint.yaml": "exclude: [svc.yaml]\n"})
    result = run_cli(*VERSION, "-v", "svc.yaml", "pool.yaml", cwd=repo)
    assert "note: svc.yaml: excluded by configuration" in result.out
    assert "note:" not in run_cli(*VERSION, "svc.yaml", "pool.yaml", cwd=repo).out


@pytest.mark.parametrize("fmt", ["text", "concise", "json"])
def test_output_file(repo: Path, fmt: str) -> None:
    write(repo, OUTSIDE)
    result = lint(repo, "--format", fmt, "--color", "always", "--output-file", "report.out", ".")
    assert result.code == 1
    assert (result.out, result.err) == ("", "")
    written = (repo / "report.out").read_text(encoding="utf-8")
    assert not ANSI.search(written)  # a file never gets colour
    assert written == lint(repo, "--format", fmt, "--color", "never", ".").out


@pytest.mark.parametrize("flag", ["-o", "--output"])
def test_output_file_has_the_flags_of_migrate(repo: Path, flag: str) -> None:
    """`-o` and `--output` are `--output-file`, as in `migrate`, so the flags agree."""
    write(repo, OUTSIDE)
    result = lint(repo, "--format", "json", flag, "report.json", ".")
    assert (result.code, result.out) == (1, "")
    written = (repo / "report.json").read_text(encoding="utf-8")
    assert written == lint(repo, "--format", "json", ".").out


def test_stdin_with_stdin_filename(repo: Path) -> None:
    data = service("piped", "192.168.1.10").encode()
    named = lint_json(*VERSION, "--stdin-filename", "apps/piped.yaml", "-", cwd=repo, stdin=data)
    assert findings(named) == [("ML406", "apps/piped.yaml", 8)]  # no pools: no ML401
    assert named.json["summary"]["files"] == 1
    unnamed = lint_json(*VERSION, "-", cwd=repo, stdin=data)
    assert findings(unnamed) == [("ML406", "<stdin>", 8)]
    # --stdin-filename alone reads stdin too
    implicit = lint_json(*VERSION, "--stdin-filename", "apps/piped.yaml", cwd=repo, stdin=data)
    assert implicit.out == named.out


def test_stdin_together_with_the_repository(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    data = service("piped", "192.168.1.10", how="metallb.universe.tf").encode()
    result = lint_json(
        *VERSION, "--stdin-filename", "svc.yaml", "-", "pool.yaml", cwd=repo, stdin=data
    )
    assert findings(result) == [("ML401", "svc.yaml", 7)]
    assert result.code == 1


# -- readable output: wrapping, settings, files ------------------------------------------------


def test_text_wraps_to_columns_and_never_for_a_pipe_without_it(repo: Path, monkeypatch) -> None:
    """COLUMNS is honoured (stdout and --output-file alike); without it, output that is not a
    terminal is never wrapped; concise stays one line per finding."""
    write(repo, OUTSIDE)
    plain = lint(repo, *VERSION, ".")
    messages = [line for line in plain.out.split("\n") if line.startswith("      ")]
    assert max(len(line) for line in messages) > 100
    monkeypatch.setenv("COLUMNS", "60")
    wrapped = lint(repo, *VERSION, ".")
    assert wrapped.code == plain.code == 1
    assert " ".join(wrapped.out.split()) == " ".join(plain.out.split())
    assert max(len(line) for line in wrapped.out.split("\n") if line.startswith("      ")) <= 60
    lint(repo, *VERSION, "-o", "report.txt", ".")
    assert (repo / "report.txt").read_text(encoding="utf-8") == wrapped.out
    concise = lint(repo, *VERSION, "-f", "concise", ".")
    assert len(concise.out.strip().split("\n")) == 2


def test_show_settings_says_where_each_value_came_from(repo: Path) -> None:
    write(repo, {**OUTSIDE, ".metallb-lint.yaml": "ignore: [ML406]\nfail-on: warning\n"})
    result = run_cli("--show-settings", "--metallb-version", "0.14.8", ".", cwd=repo)
    assert result.code == 0
    rows = {line.split("  ", 1)[0]: " ".join(line.split()) for line in result.out.splitlines()}
    assert (
        rows["configuration"]
        == "configuration .metallb-lint.yaml [found upwards from the first path]"
    )
    assert rows["metallb-version"] == "metallb-version 0.14.8 [--metallb-version]"
    assert rows["ignore"] == "ignore ML406 [.metallb-lint.yaml:1]"
    assert rows["fail-on"] == "fail-on warning [.metallb-lint.yaml:2]"
    assert rows["exclude"] == "exclude (none) [default]"
    assert "ML406" not in rows["rules run"] and "ML401" in rows["rules run"]
    assert rows["context"] == "context the named paths only [default]"


def test_show_files_lists_what_was_read_and_why_the_rest_was_skipped(repo: Path) -> None:
    write(
        repo,
        {
            **OUTSIDE,
            ".gitignore": "build/\nsecret.yaml\n",
            ".metallb-lint.yaml": "exclude: [vendor/]\n",
            "build/pool.yaml": POOL,
            "secret.yaml": POOL,
            "vendor/chart.yaml": POOL,
            "notes/namespace.yaml": "kind: Namespace\nmetadata: {name: media}\n",
            "README.md": "# lab\n",
        },
    )
    result = run_cli("--show-files", ".", cwd=repo)
    assert result.code == 0
    assert result.out.splitlines() == [
        "pool.yaml  [linted]",
        "svc.yaml  [linted]",
        "notes/namespace.yaml  [read; mentions nothing relevant]",
        ".git/  [skipped: never read (version control, dependencies or caches)]",
        ".metallb-lint.yaml  [skipped: the configuration]",
        "build/  [skipped: ignored by .gitignore or .git/info/exclude]",
        "secret.yaml  [skipped: ignored by .gitignore or .git/info/exclude]",
        "vendor/  [skipped: excluded by the configuration's exclude]",
        "2 other files skipped: not YAML (only *.yaml, *.yml, Chart.lock, Kustomization, shell "
        "scripts and Jinja manifests are read)",
    ]


# -- discoverable commands -------------------------------------------------------------------

POLICIES = Path(__file__).resolve().parent.parent / "fixtures" / "policies-example"


def test_global_options_before_a_subcommand(tmp_path: Path) -> None:
    """Options written before the subcommand belong to it; an option's value that reads like a
    subcommand stays a value; a folder named like a subcommand is linted as './rules'."""
    policies = str(POLICIES / "policies")
    before = run_cli("--policies", policies, "explain", "HOME003", cwd=tmp_path)
    after = run_cli("explain", "--policies", policies, "HOME003", cwd=tmp_path)
    assert before.code == after.code == 0, before.err
    assert before.out == after.out
    assert before.out.startswith("HOME003 pool-at-most-a-26 [error]\nUser policy from ")
    assert run_cli("--isolated", "rules", cwd=tmp_path).out == run_cli("rules").out
    write(tmp_path, {"rules/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"})
    listed = run_cli("--isolated", "rules", cwd=tmp_path)
    assert listed.out.startswith("ML001  yaml-syntax")
    linted = run_cli("--isolated", "./rules", cwd=tmp_path)
    assert linted.code == 0 and "No problems found" in linted.out
    # --config's value is not a subcommand
    write(tmp_path, {"rules.yaml": "fail-on: error\n"})
    valued = run_cli("--config", "rules.yaml", "rules/", cwd=tmp_path)
    assert valued.code == 0 and "No problems found" in valued.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--selet", "ML401", "."), "unrecognized arguments: --selet; did you mean '--select'?"),
        (("--metallb-versoin", "0.14.8", "."), "did you mean '--metallb-version'?"),
        (
            ("rules", "--formt", "json"),
            "rules: unrecognized arguments: --formt json; did you mean '--format'?",
        ),
        (("--select", "ML4O1", "."), "'ML4O1' names no rule (did you mean 'ML401'?)"),
        (("--ignore", "ip-not-in-any-pol", "."), "(did you mean 'ip-not-in-any-pool'?)"),
        (("explain", "ML4O1"), "explain: no rule 'ML4O1' (did you mean 'ML401'?)"),
        (("explain", "deprecated-loadbalancer"), "(did you mean 'deprecated-loadbalancerip'?)"),
    ],
)
def test_mistyped_options_and_rules_get_did_you_mean(repo: Path, args, message) -> None:
    write(repo, CLEAN)
    assert_usage_error(run_cli("--isolated", *args, cwd=repo), message)


def test_user_policies_in_rules_and_explain_with_their_file() -> None:
    """The configuration's `policies:` (found from the current directory) and --policies."""
    listed = run_cli("rules", cwd=POLICIES)
    assert listed.code == 0
    lines = listed.out.splitlines()
    assert len(lines) == len(catalog()) + 4
    assert lines[-3] == (
        "HOME001  pools-avoid-buggy-ips       warning  Every address pool sets avoidBuggyIPs  "
        "[policies/pools.yaml:2]"
    )
    as_json = run_cli("rules", "-f", "json", cwd=POLICIES).json
    assert as_json[-1]["id"] == "HOME002"
    assert as_json[-1]["source"] == "policies/services.yaml:1"
    explained = run_cli("explain", "pool-at-most-a-26", cwd=POLICIES)
    assert explained.out.splitlines()[:4] == [
        "HOME003 pool-at-most-a-26 [error]",
        "User policy from policies/pools.yaml:26",
        "",
        "No address pool is larger than a /26",
    ]
    assert "Fails:\n    spec: {addresses: [192.168.1.0/24]}\n" in explained.out
    isolated = run_cli("--isolated", "rules", cwd=POLICIES)
    assert "HOME001" not in isolated.out
