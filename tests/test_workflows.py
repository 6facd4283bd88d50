"""The repository's own workflows (.github/workflows/): valid against GitHub's workflow schema,
clean under zizmor (offline), every action pinned to a commit, and doing what CONTRIBUTING.md
says: CI on each supported Python plus the lowest dependencies, releases from tags with
trusted publishing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_action import ACTION, EXAMPLE, tool
from tests.test_action_install import lock_entries

WORKFLOWS = ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
RELEASE = WORKFLOWS / "release.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(job: dict) -> list[dict]:
    return job["steps"]


def commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def test_the_workflows_are_these() -> None:
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == ["ci.yml", "release.yml"]


@pytest.mark.parametrize("path", [CI, RELEASE], ids=lambda p: p.name)
def test_schema(path: Path) -> None:
    command = tool("check-jsonschema", "check_jsonschema")
    done = subprocess.run(
        [*command, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_nothing_even_pedantic() -> None:
    command = tool("zizmor")
    done = subprocess.run(
        [*command, "--offline", "--no-progress", "--pedantic", str(WORKFLOWS), str(ACTION)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout


@pytest.mark.parametrize("path", [CI, RELEASE, ACTION, EXAMPLE], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    """`owner/name@<40 hex> # vX.Y.Z`: a tag can be moved, a commit cannot."""
    lines = [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"^\s*(- )?uses:", line)
    ]
    assert lines
    for uses in lines:
        assert PINNED.match(uses), uses


def test_permissions_are_granted_per_job() -> None:
    for path in (CI, RELEASE):
        workflow = load(path)
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, f"{path.name}: {name}"
            assert job.get("timeout-minutes"), f"{path.name}: {name}"


def python_classifiers() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.findall(r'"Programming Language :: Python :: (3\.\d+)"', text)


def test_ci_runs_ruff_the_suite_and_a_benchmark_on_every_supported_python() -> None:
    workflow = load(CI)
    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads `on` as True
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == python_classifiers()
    assert python_classifiers() == ["3.10", "3.11", "3.12", "3.13"]
    run = commands(job)
    for command in (
        "ruff check .",
        "ruff format --check .",
        "python -m pytest -q",
        "python benchmarks/run.py --scales small --runs 1",
    ):
        assert command in run, command
    setup = next(s for s in steps(job) if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ matrix.python }}"


def test_ci_proves_the_dependency_floors() -> None:
    job = load(CI)["jobs"]["lowest"]
    setup = next(s for s in steps(job) if s.get("uses", "").startswith("actions/setup-python@"))
    requires = re.search(r'requires-python = ">=(3\.\d+)"', (ROOT / "pyproject.toml").read_text())
    assert requires and setup["with"]["python-version"] == requires[1]
    run = commands(job)
    assert "pip install --constraint requirements/lowest.txt '.[test]'" in run
    assert "python -m pytest -q" in run


def test_release_builds_checks_and_publishes_from_a_tag_with_trusted_publishing() -> None:
    workflow = load(RELEASE)
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    run = commands(build)
    assert 'python scripts/check_release.py "$TAG"' in run
    assert "pip install --require-hashes --no-deps -r requirements/release.txt" in run
    assert "python -m build" in run
    assert "twine check --strict dist/*" in run
    assert "fixtures/homelab" in run
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    assert build["permissions"] == {"contents": "read"}
    [upload] = [s for s in steps(publish) if "gh-action-pypi-publish" in s.get("uses", "")]
    assert "with" not in upload or not {"password", "user"} & set(upload["with"])
    assert "secrets." not in RELEASE.read_text(encoding="utf-8")


def test_the_release_tools_are_pinned_by_hash() -> None:
    entries = lock_entries((ROOT / "requirements" / "release.txt").read_text(encoding="utf-8"))
    names = {name for name, *_ in entries}
    assert {"build", "twine"} <= names
    assert all(hashes for *_, hashes in entries)
