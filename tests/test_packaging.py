"""The wheel carries schemas/ and rules/ and works on its own: build it, install it into a
fresh virtual environment (offline: dependencies come from this environment through a .pth
file), and lint the bundled demo with the installed console script."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytest.importorskip("hatchling", reason="building the wheel needs the test extra's hatchling")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("metallb_lint-*.whl")
    return built


def test_wheel_contains_schemas_and_rules(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "metallb_lint/data/schemas/config.json" in names
    for rule_file in (ROOT / "rules").glob("*.yaml"):
        assert f"metallb_lint/data/rules/{rule_file.name}" in names
    assert not any(n.startswith(("tests/", "fixtures/")) for n in names)


def test_installed_wheel_lints_the_demo(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    # Dependencies (PyYAML, jsonschema, ...) from this environment, after the venv's own
    # site-packages, so the freshly installed metallb_lint is the one imported.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    Path(purelib, "outer-deps.pth").write_text("\n".join(sorted(outer)) + "\n")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_COLOR")}
    where = subprocess.run(
        [str(python), "-c", "import metallb_lint; print(metallb_lint.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    ).stdout
    assert where.startswith(str(venv)), where

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
