"""The distributions: the sdist is the repository as git tracks it, a part of the suite runs
from it unpacked, the wheel is built from it (as pip and `python -m build` do) and carries
schemas/, rules/, py.typed, the licence and the metadata; both install into a fresh virtual
environment offline (dependencies come from this environment through a .pth file) and lint the
bundled demo with the installed console script.

Built with hatchling's PEP 517 hooks, offline, in a subprocess run from the repository root."""

from __future__ import annotations

import email
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from metallb_lint import __version__
from tests.conftest import ROOT

pytest.importorskip("hatchling", reason="building needs the test extra's hatchling")

# The tests that read what only a repository has next to the package (action.yml, scripts/,
# docs/, .pre-commit-hooks.yaml, README.md, CHANGELOG.md, rules/, fixtures/, the workflows).
FROM_THE_SDIST = [
    "tests/test_action.py",
    "tests/test_demo.py",
    "tests/test_readme.py",
    "tests/test_release.py",
    "tests/test_ruledocs.py",
    "tests/test_rule_fixtures.py",
    "tests/test_workflows.py",
    "tests/test_precommit.py::test_manifest_is_valid",
    "tests/test_precommit.py::test_readme_config_snippet_is_valid",
]


def build(hook: str, source: Path, out: Path) -> Path:
    """Run a PEP 517 hook of hatchling in `source`; the path of what it built."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; from hatchling.build import {hook}; print({hook}(sys.argv[1]))",
            str(out),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("build_sdist", ROOT, tmp_path_factory.mktemp("sdist"))


@pytest.fixture(scope="module")
def unpacked(sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("unpacked")
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # 3.10.12+
    with tarfile.open(sdist) as archive:
        archive.extractall(where, **safe)  # built here, from this checkout
    (root,) = where.iterdir()
    return root


@pytest.fixture(scope="module")
def wheel(unpacked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("build_wheel", unpacked, tmp_path_factory.mktemp("wheel"))


def tracked_files() -> set[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (the suite runs from an unpacked sdist, perhaps)")
    done = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    )
    return {name for name in done.stdout.split("\0") if name and (ROOT / name).is_file()}


def test_the_sdist_holds_every_tracked_file(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    prefix = f"metallb_lint-{__version__}/"
    assert all(name.startswith(prefix) for name in names)
    inside = {name[len(prefix) :] for name in names}
    missing = tracked_files() - inside
    assert not missing, sorted(missing)[:20]
    assert {"PKG-INFO", "LICENSE", "action.yml", ".pre-commit-hooks.yaml"} <= inside
    assert not [n for n in inside if "__pycache__" in n or n.startswith((".venv", ".hypo"))]


def test_a_part_of_the_suite_runs_from_the_unpacked_sdist(unpacked: Path) -> None:
    """The sdist's own code and files, not this checkout's."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [sys.executable, "-c", "import metallb_lint; print(metallb_lint.__file__)"],
        cwd=unpacked,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert where.startswith(str(unpacked)), where
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *FROM_THE_SDIST],
        cwd=unpacked,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1] and "failed" not in done.stdout


def test_the_wheel_carries_data_types_licence_and_metadata(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert "metallb_lint/data/schemas/config.json" in names
    for rule_file in (ROOT / "rules").glob("*.yaml"):
        assert f"metallb_lint/data/rules/{rule_file.name}" in names
    assert "metallb_lint/py.typed" in names
    info = f"metallb_lint-{__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    assert not any(n.startswith(("tests/", "fixtures/", "scripts/")) for n in names)

    meta = email.message_from_bytes(archive.read(f"{info}/METADATA"))
    assert meta["Name"] == "metallb-lint" and meta["Version"] == __version__
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Requires-Python"] == ">=3.10"
    classifiers = meta.get_all("Classifier")
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert "Typing :: Typed" in classifiers
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Repository", "Issues", "Changelog"}
    assert all(u.startswith("https://github.com/metallb-lint/metallb-lint") for u in urls.values())
    assert "netaddr>=1.0" in meta.get_all("Requires-Dist")


def fresh_venv(artifact: Path, tmp_path: Path) -> Path:
    """A virtual environment with `artifact` installed offline, its dependencies (and, for an
    sdist, the build backend) from this environment through a .pth file placed after the
    venv's own site-packages, so the freshly installed metallb_lint is the one imported (and
    installed whatever this environment has: --ignore-installed)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(purelib, "outer-deps.pth").write_text("\n".join(sorted(outer)) + "\n")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"),
            *("--no-deps", "--no-index", "--no-build-isolation", "--ignore-installed"),
            str(artifact),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )
    return venv


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_installed_distribution_lints_the_demo(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    venv = fresh_venv(request.getfixturevalue(kind), tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_COLOR")}
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import metallb_lint; print(metallb_lint.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    ).stdout
    assert where.startswith(str(venv)), where
    assert "site-packages" in where  # installed, not an editable pointer at a checkout

    result = subprocess.run(
        [
            str(venv / "bin" / "metallb-lint"),
            "--isolated",
            "--format",
            "json",
            str(ROOT / "fixtures" / "homelab"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["tool"] == {"name": "metallb-lint", "version": __version__}
    assert report["target"]["metallb_version"] == "0.14.3"
    assert "ML401" in {f["rule"] for f in report["findings"]}
    rules = subprocess.run(
        [str(venv / "bin" / "metallb-lint"), "rules", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert {r["id"] for r in json.loads(rules.stdout)} >= {"ML201", "ML401"}
