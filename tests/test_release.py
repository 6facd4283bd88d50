"""What a release is made of: one version (metallb_lint.__version__) that the changelog, the
README's snippets and the release check agree with; the licence the metadata declares; the
dependency floors pinned for CI's lowest job; `python -m metallb_lint`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from metallb_lint import __version__
from tests.conftest import ROOT
from tests.test_action_install import runtime_requirements
from tests.test_cli import VERSION_LINE

README = (ROOT / "README.md").read_text(encoding="utf-8")
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
TAG = f"v{__version__}"


def test_the_version_is_semantic_and_has_a_changelog_section() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert "[Keep a Changelog]" in CHANGELOG
    sections = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\S+)$", CHANGELOG, re.M)
    assert sections[0][0] == __version__
    versions = [Version(version) for version, _ in sections]
    assert versions == sorted(versions, reverse=True) and versions[-1] == Version("0.1.0")
    for _, when in sections:
        assert when == "Unreleased" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", when), when
    for heading in ("### Added", "### Changed", "### Fixed"):
        assert heading in CHANGELOG


def test_the_readme_installs_this_release() -> None:
    """pre-commit's rev, the Action's ref and the pipx/uvx lines name a real tag of the
    documented form, the one of this version."""
    assert re.search(rf"^    rev: {re.escape(TAG)}\b", README, re.M)
    assert re.search(rf"uses: metallb-lint/metallb-lint@{re.escape(TAG)}\b", README)
    assert re.search(r"^    pipx install metallb-lint\b", README, re.M)
    assert re.search(r"^    uvx metallb-lint path/", README, re.M)
    assert f"pipx install git+https://github.com/metallb-lint/metallb-lint@{TAG}\n" in README
    assert f"uvx --from git+https://github.com/metallb-lint/metallb-lint@{TAG} metallb-lint" in (
        README
    )
    assert "`python -m metallb_lint`" in README
    assert "OWNER" not in README
    tags = set(re.findall(r"metallb-lint@(v[\w.]+)", README)) | set(
        re.findall(r"rev: (v[\w.]+)", README)
    )
    assert tags == {TAG}


def test_python_m_is_the_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "metallb_lint", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, VERSION_LINE, "")


def test_the_licence_is_the_one_the_metadata_declares() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "Apache-2.0"' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject


def test_the_lowest_constraints_are_the_floors() -> None:
    """requirements/lowest.txt pins each runtime dependency to the floor pyproject.toml gives."""
    pins = {}
    for line in (ROOT / "requirements" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            [spec] = requirement.specifier
            assert spec.operator == "=="
            pins[requirement.name.lower()] = spec.version
    floors = {}
    for requirement in runtime_requirements():
        [spec] = requirement.specifier
        assert spec.operator == ">=", requirement
        floors[requirement.name.lower()] = spec.version
    assert set(pins) == set(floors)
    for name, floor in floors.items():  # PEP 440: 4.18 and 4.18.0 are one version
        assert Version(pins[name]) == Version(floor), name
    assert Version(floors["netaddr"]) >= Version("1.0")  # 0.x reads 192.168.1.010 (ML405)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The files check_release.py reads, in a folder of their own."""
    (tmp_path / "metallb_lint").mkdir()
    shutil.copy(ROOT / "metallb_lint" / "__init__.py", tmp_path / "metallb_lint")
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    return tmp_path


def check_release(root: Path, tag: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "check_release.py"), tag],
        capture_output=True,
        text=True,
    )


def test_a_release_needs_the_tag_of_the_version_and_a_dated_changelog(checkout: Path) -> None:
    changelog = checkout / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(
        re.sub(
            rf"^## \[{re.escape(__version__)}\] - .*$",
            f"## [{__version__}] - 2027-01-15",
            text,
            count=1,
            flags=re.M,
        ),
        encoding="utf-8",
    )
    done = check_release(checkout, TAG)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{TAG}: ready to publish\n", "")

    done = check_release(checkout, "v9.9.9")
    assert done.returncode == 1
    assert done.stderr == (
        f"check_release: tag v9.9.9 is not {TAG}, the version metallb_lint/__init__.py sets\n"
    )
    assert check_release(checkout, "0.2.0").stderr.endswith("is not of the form vX.Y.Z\n")

    changelog.write_text(text.replace(f"## [{__version__}] - ", "## [9.9.9] - "), "utf-8")
    done = check_release(checkout, TAG)
    assert done.returncode == 1
    assert f"CHANGELOG.md has no section '## [{__version__}] - YYYY-MM-DD'" in done.stderr


def test_an_unreleased_section_is_not_published(checkout: Path) -> None:
    changelog = checkout / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(
        re.sub(
            rf"^## \[{re.escape(__version__)}\] - .*$",
            f"## [{__version__}] - Unreleased",
            text,
            count=1,
            flags=re.M,
        ),
        encoding="utf-8",
    )
    done = check_release(checkout, TAG)
    assert done.returncode == 1
    assert done.stderr == (
        f"check_release: CHANGELOG.md's section for {__version__} is not dated: 'Unreleased'\n"
    )
