"""Integrations on the command line: golden SARIF, GitHub and JUnit outputs of the demo, the
pairing of --format and --output-file, the GitHub Actions default, and the context of named
files (DESIGN.md, "Pre-commit: files versus the whole repository").

Regenerate the golden files after an intended change with

    UPDATE_GOLDEN=1 /work/venv/bin/python -m pytest tests/test_integrations.py

and review the diff of tests/golden/. The tool's version is written as X.Y.Z and this
repository's absolute location as file:///ROOT, so neither a release nor a checkout elsewhere
changes them; SARIF's rule texts (copied from rules/) are placeholders there.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from metallb_lint import __version__
from tests.conftest import ROOT, findings, lint_json, run_cli, write
from tests.manifests import POOL

GOLDEN = Path(__file__).resolve().parent / "golden"

VERSION = ("--metallb-version", "0.14.8")


def service(name: str, ip: str, *, field: bool = False) -> str:
    how = f"  loadBalancerIP: {ip}\n" if field else ""
    annotation = "" if field else f"  annotations:\n    metallb.universe.tf/loadBalancerIPs: {ip}\n"
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: media\n"
        f"{annotation}spec:\n  type: LoadBalancer\n{how}  ports:\n    - port: 80\n"
    )


# -- golden outputs of the demo ----------------------------------------------------------------


def normalise(text: str, fmt: str = "") -> str:
    """The tool's version as X.Y.Z, this checkout's location as file:///ROOT; in SARIF, the rule
    texts copied from rules/ as placeholders (test_sarif.py checks them against the catalog),
    so that editing a rule's prose does not change this golden file."""
    if fmt == "sarif":
        document = json.loads(text)
        for rule in document["runs"][0]["tool"]["driver"]["rules"]:
            for key in ("shortDescription", "fullDescription"):
                rule[key]["text"] = f"<rules/ {rule['id']} {key}>"
            rule["help"] = {key: f"<rules/ {rule['id']} help>" for key in rule["help"]}
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    text = re.sub(
        rf'"(version|semanticVersion)": "{re.escape(__version__)}"', r'"\1": "X.Y.Z"', text
    )
    return text.replace(ROOT.as_uri(), "file:///ROOT")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("homelab.sarif", "sarif"), ("homelab.github.txt", "github"), ("homelab.junit.xml", "junit")],
)
def test_golden(name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METALLB_LINT_DOCS_URL", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    result = run_cli("--isolated", "--format", fmt, "fixtures/homelab", cwd=ROOT)
    assert result.code == 1
    assert result.err == ""
    actual = normalise(result.out, fmt)
    assert str(ROOT) not in actual
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(actual.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs; UPDATE_GOLDEN=1 regenerates it (see top)"


# -- --format and --output-file ----------------------------------------------------------------


@pytest.fixture
def outside(repo: Path) -> Path:
    """ML401 (error) and ML406 (info) in svc.yaml."""
    return write(
        repo, {"pool.yaml": POOL, "svc.yaml": service("outside", "192.168.1.10", field=True)}
    )


def lint(root: Path, *args: str):
    return run_cli("--isolated", *VERSION, *args, cwd=root)


def test_text_on_stdout_and_sarif_to_a_file(outside: Path) -> None:
    result = lint(outside, "-f", "text", "-f", "sarif", "--output-file", "out.sarif", ".")
    assert result.code == 1
    assert result.out == lint(outside, "--color", "never", ".").out
    assert (outside / "out.sarif").read_text(encoding="utf-8") == lint(
        outside, "-f", "sarif", "."
    ).out


def test_several_files_and_stdout(outside: Path) -> None:
    result = lint(
        outside,
        *("-f", "json", "--output-file", "r.json"),
        *("-f", "concise"),
        *("-f", "junit", "--output-file", "r.xml"),
        *("-f", "github", "--output-file", "r.github"),
        ".",
    )
    assert result.code == 1
    assert result.out == lint(outside, "-f", "concise", ".").out
    for name, fmt in (("r.json", "json"), ("r.xml", "junit"), ("r.github", "github")):
        assert (outside / name).read_text(encoding="utf-8") == lint(outside, "-f", fmt, ".").out


def test_output_file_before_the_format_belongs_to_it(outside: Path) -> None:
    result = lint(outside, "--output-file", "r.json", "-f", "json", ".")
    assert result.out == ""
    assert (outside / "r.json").read_text(encoding="utf-8") == lint(outside, "-f", "json", ".").out


def test_text_and_github_share_stdout(outside: Path) -> None:
    both = lint(outside, "-f", "github", "-f", "text", ".").out
    text, github = lint(outside, "-f", "text", ".").out, lint(outside, "-f", "github", ".").out
    assert both == text + github  # github after the other format, whatever the order given


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("-f", "json", "-f", "text"), ("json, text", "stdout", "--output-file")),
        (("-f", "github", "-f", "github"), ("github, github", "stdout")),
        (("-f", "json", "--output-file", "a", "--output-file", "b"), ("--output-file b", "json")),
        (("--output-file", "a", "--output-file", "b"), ("--output-file b", "no --format")),
        (
            ("-f", "json", "--output-file", "a", "-f", "sarif", "--output-file", "./a"),
            ("named twice",),
        ),
        (("-f", "yaml"), ("--format", "invalid choice")),
    ],
)
def test_output_usage_errors(
    outside: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    result = lint(outside, *args, ".")
    assert result.code == 2, (result.out, result.err)
    assert result.out == "" and result.err.count("\n") == 1
    for fragment in fragments:
        assert fragment in result.err
    assert not (outside / "a").exists()  # nothing is written before the outputs are clear


def test_github_actions_default_adds_annotations(outside: Path, monkeypatch) -> None:
    text, github = lint(outside, "-f", "text", ".").out, lint(outside, "-f", "github", ".").out
    assert github.startswith("::error file=svc.yaml,line=8,col=19,")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert lint(outside, ".").out == text + github
    # An explicit format is what was asked for, nothing added.
    assert lint(outside, "-f", "json", ".").out == lint_json(*VERSION, ".", cwd=outside).out
    # The default text report to a file: the annotations still reach the log.
    result = lint(outside, "--output-file", "report.txt", ".")
    assert result.out == github
    assert (outside / "report.txt").read_text(encoding="utf-8") == text
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert lint(outside, ".").out == text


def test_annotations_name_files_from_the_workspace(outside: Path, monkeypatch) -> None:
    """GitHub resolves `file=` against $GITHUB_WORKSPACE, whatever the current directory."""
    (outside / "apps").mkdir()
    (outside / "svc.yaml").rename(outside / "apps" / "svc.yaml")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(outside))
    result = run_cli(
        "--isolated", *VERSION, "-f", "github", ".", "../pool.yaml", cwd=outside / "apps"
    )
    assert result.out.startswith("::error file=apps/svc.yaml,line=8,")
    monkeypatch.delenv("GITHUB_WORKSPACE")
    result = run_cli(
        "--isolated", *VERSION, "-f", "github", ".", "../pool.yaml", cwd=outside / "apps"
    )
    assert result.out.startswith("::error file=svc.yaml,line=8,")


# -- named files and their context --------------------------------------------------------------


@pytest.fixture
def gitops(repo: Path) -> Path:
    """Pools in one file, Services in others; `outside.yaml` is outside the pool."""
    return write(
        repo,
        {
            "infra/pool.yaml": POOL,
            "apps/inside.yaml": service("inside", "192.168.1.241"),
            "apps/outside.yaml": service("outside", "192.168.1.10"),
            "apps/legacy.yaml": service("legacy", "192.168.1.242", field=True),  # ML406
        },
    )


def test_a_named_service_is_checked_against_the_pools_of_the_repository(gitops: Path) -> None:
    result = lint_json(*VERSION, "apps/outside.yaml", cwd=gitops)
    assert findings(result) == [("ML401", "apps/outside.yaml", 7)]
    assert result.json["findings"][0]["related"][0]["path"] == "infra/pool.yaml"
    assert result.json["summary"]["files"] == 1  # the named file; the context is not counted


def test_no_context_lints_the_named_files_alone(gitops: Path) -> None:
    assert findings(lint_json(*VERSION, "--no-context", "apps/outside.yaml", cwd=gitops)) == []


def test_a_named_pool_reports_the_services_it_strands(gitops: Path) -> None:
    """Findings located elsewhere count when a related location is in a named file; the other
    findings of the repository (ML406 in legacy.yaml) do not."""
    result = lint_json(*VERSION, "infra/pool.yaml", cwd=gitops)
    assert findings(result) == [("ML401", "apps/outside.yaml", 7)]
    whole = lint_json(*VERSION, ".", cwd=gitops)
    assert findings(whole) == [
        ("ML406", "apps/legacy.yaml", 8),
        ("ML401", "apps/outside.yaml", 7),
    ]


def test_clean_named_files_pass_in_a_repository_with_problems(gitops: Path) -> None:
    result = run_cli("--isolated", *VERSION, "apps/inside.yaml", cwd=gitops)
    assert result.code == 0, result.out
    assert "No problems found in 1 file" in result.out


def test_context_notes_in_verbose_mode(gitops: Path) -> None:
    result = run_cli("--isolated", *VERSION, "-v", "apps/inside.yaml", cwd=gitops)
    assert "note: .: indexed as context for the named paths" in result.out


def test_config_excludes_apply_to_named_files_and_to_the_context(gitops: Path) -> None:
    write(
        gitops,
        {
            ".metallb-lint.yaml": "exclude: [infra/, apps/legacy.yaml]\n",
            "vendor/pool.yaml": POOL.replace("240-192.168.1.244", "1-192.168.1.20"),
        },
    )
    # The pool of infra/ is excluded: outside.yaml is judged against vendor/'s pool (.1-.20).
    assert findings(lint_json(*VERSION, "apps/outside.yaml", cwd=gitops)) == []
    result = run_cli(*VERSION, "-f", "json", "apps/inside.yaml", "apps/legacy.yaml", cwd=gitops)
    assert findings(result) == [("ML401", "apps/inside.yaml", 7)]  # legacy.yaml: excluded
    assert result.json["summary"]["files"] == 1


def test_outside_a_git_repository_named_files_stand_alone(tmp_path: Path) -> None:
    write(tmp_path, {"pool.yaml": POOL, "svc.yaml": service("outside", "192.168.1.10")})
    assert findings(lint_json(*VERSION, "svc.yaml", cwd=tmp_path)) == []
    both = lint_json(*VERSION, "svc.yaml", "pool.yaml", cwd=tmp_path)
    assert findings(both) == [("ML401", "svc.yaml", 7)]


def test_a_folder_is_judged_with_the_rest_of_its_repository(gitops: Path) -> None:
    """A folder below the repository's root: the pools of infra/ count, only findings that
    touch apps/ are reported; --no-context judges the folder alone; the root is its own
    context."""
    result = lint_json(*VERSION, "apps", cwd=gitops)
    assert findings(result) == [("ML406", "apps/legacy.yaml", 8), ("ML401", "apps/outside.yaml", 7)]
    assert result.json["summary"]["files"] == 3  # the folder's files; the context is not counted
    assert findings(lint_json(*VERSION, ".", cwd=gitops / "apps")) == [
        ("ML406", "legacy.yaml", 8),
        ("ML401", "outside.yaml", 7),
    ]
    alone = lint_json(*VERSION, "--no-context", "apps", cwd=gitops)
    assert findings(alone) == [("ML406", "apps/legacy.yaml", 8)]  # no pool in apps/: no ML401
    infra = lint_json(*VERSION, "infra", cwd=gitops)
    assert findings(infra) == [("ML401", "apps/outside.yaml", 7)]  # the pool strands it
    text = run_cli("--isolated", *VERSION, "apps", cwd=gitops).out
    assert text.split("\n")[5] == (
        "  context    .: the rest of its project was read; only findings that touch the named "
        "paths are reported (--no-context: the named paths alone)"
    )
    assert "  context " not in run_cli("--isolated", *VERSION, ".", cwd=gitops).out


def test_a_folder_with_a_configuration_file_is_a_project_of_its_own(gitops: Path) -> None:
    """A configuration file marks a repository inside another (this project's fixtures): a
    folder holding one, or below one, reads nothing above it."""
    write(gitops, {"apps/.metallb-lint.yaml": "# a repository of its own\n"})
    assert findings(lint_json(*VERSION, "apps", cwd=gitops)) == [("ML406", "apps/legacy.yaml", 8)]
    assert findings(lint_json(*VERSION, "apps/outside.yaml", cwd=gitops)) == []


def test_stdin_is_judged_with_the_project_of_its_filename(gitops: Path) -> None:
    result = run_cli(
        "--isolated",
        *VERSION,
        "-f",
        "json",
        "--stdin-filename",
        "apps/outside.yaml",
        "-",
        cwd=gitops,
        stdin=service("outside", "192.168.1.10").encode(),
    )
    assert findings(result) == [("ML401", "apps/outside.yaml", 7)]
    assert result.json["findings"][0]["related"][0]["path"] == "infra/pool.yaml"


def test_stdin_replaces_its_file_in_the_context(gitops: Path) -> None:
    """An editor lints the unsaved text of apps/outside.yaml with another named file: the stale
    copy on disk is not read as context."""
    fixed = service("outside", "192.168.1.243").encode()
    result = run_cli(
        "--isolated",
        *VERSION,
        "-f",
        "json",
        "--stdin-filename",
        "apps/outside.yaml",
        "-",
        "apps/inside.yaml",
        cwd=gitops,
        stdin=fixed,
    )
    assert findings(result) == []
    broken = service("outside", "192.168.1.11").encode()
    result = run_cli(
        "--isolated",
        *VERSION,
        "-f",
        "json",
        "--stdin-filename",
        "apps/outside.yaml",
        "-",
        "apps/inside.yaml",
        cwd=gitops,
        stdin=broken,
    )
    assert findings(result) == [("ML401", "apps/outside.yaml", 7)]


def test_folder_files_and_repository_agree_in_a_real_git_repository(tmp_path: Path) -> None:
    """The issue's new user: the demo as a git repository of its own. `cd apps && metallb-lint
    .` reports what the whole run reports in apps/, with the whole run's target, exactly as
    naming apps/*/*.yaml does; none of them turns the broken configuration green."""
    import shutil
    import subprocess

    repo = tmp_path / "homelab"
    shutil.copytree(ROOT / "fixtures" / "homelab", repo)
    (repo / ".metallb-lint.yaml").unlink()  # the fixture's marker: here it is the repository
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    whole = lint_json(".", cwd=repo)
    assert whole.code == 1
    in_apps = sorted(
        (f["rule"], f["path"][len("apps/") :], f["line"])
        for f in whole.json["findings"]
        if f["path"].startswith("apps/")
    )
    folder = lint_json(".", cwd=repo / "apps")
    assert (folder.code, sorted(findings(folder))) == (1, in_apps)
    target = folder.json["target"]  # the chart's pin, not an assumption
    assert (target["metallb_version"], target["mode"]) == ("0.14.3", "frr")
    assert target["source"].endswith("homelab/metallb-system/Chart.yaml")
    named = sorted(str(p.relative_to(repo / "apps")) for p in (repo / "apps").glob("*/*.yaml"))
    files = lint_json(*named, cwd=repo / "apps")
    assert (files.code, sorted(findings(files))) == (1, in_apps)
    alone = lint_json("--no-context", ".", cwd=repo / "apps")
    assert alone.json["target"]["metallb_version"] != whole.json["target"]["metallb_version"]
