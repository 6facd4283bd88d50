"""The Action's environment: requirements/action.txt pins every runtime dependency with the
hashes of its files; the prepare step's cache key follows the lock and the interpreter; the
install step builds the environment from the lock with every download checked against a hash,
and a warm run (the environment as actions/cache restores it) installs nothing.

Offline: the install tests use a lock of their own that names a wheel built here, with pip
pointed at a local folder (no index, no configuration file of the machine).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT
from tests.test_action import Runner

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LOCK = ROOT / "requirements" / "action.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.+?))?\s*$")


def lock_entries(text: str) -> list[tuple[str, str, str | None, list[str]]]:
    """(name, version, marker, hashes) of each requirement of a hash-pinned requirements file."""
    entries = []
    for logical in re.sub(r"\\\n", " ", text).splitlines():
        line = logical.strip()
        if not line or line.startswith("#"):
            continue
        hashes = re.findall(r"--hash=sha256:(\S+)", line)
        requirement = re.sub(r"--hash=\S+", "", line).strip()
        match = PIN.match(requirement)
        assert match, f"not an exact pin: {requirement!r}"
        name, version, marker = match.groups()
        entries.append((canonicalize_name(name), version, marker, hashes))
    return entries


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def applies(marker: str | None, python: str) -> bool:
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    return marker is None or Marker(marker).evaluate(environment)


def test_the_lock_pins_every_file_by_hash() -> None:
    entries = lock_entries(LOCK.read_text(encoding="utf-8"))
    assert len(entries) >= 10
    for name, _, _, hashes in entries:
        assert hashes, f"{name} has no hash"
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name


@pytest.mark.parametrize("python", ["3.10", "3.11", "3.12", "3.13"])
def test_the_lock_meets_pyproject_for_each_python(python: str) -> None:
    """One pin per dependency and Python, inside the range pyproject.toml allows."""
    pins: dict[str, list[str]] = {}
    for name, version, marker, _ in lock_entries(LOCK.read_text(encoding="utf-8")):
        if applies(marker, python):
            pins.setdefault(name, []).append(version)
    assert all(len(versions) == 1 for versions in pins.values()), pins
    for requirement in runtime_requirements():
        if not applies(str(requirement.marker) if requirement.marker else None, python):
            continue
        [version] = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version, prereleases=False), (requirement, version)


def test_the_lock_holds_every_dependency_of_the_dependencies() -> None:
    """What the pinned dependencies require (for this Python) is pinned too: pip's --no-deps
    would otherwise leave it out. Offline, a package's requirements are known from its
    installed metadata, so they are followed where the installed version is the pinned one
    (all of them in an environment installed from the lock; CI's lowest job has older ones)."""
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    pinned = {
        name: version
        for name, version, marker, _ in lock_entries(LOCK.read_text(encoding="utf-8"))
        if applies(marker, python)
    }
    needed: set[str] = set()
    todo = [r for r in runtime_requirements() if r.marker is None or r.marker.evaluate()]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in needed:
            continue
        needed.add(name)
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            continue
        if installed != pinned.get(name):
            continue
        for text in metadata.requires(requirement.name) or []:
            child = Requirement(text)
            if child.marker is None or child.marker.evaluate({"extra": ""}):
                todo.append(child)
    assert needed <= set(pinned), needed - set(pinned)


# -- prepare and install, offline ------------------------------------------------------------


def build_wheel(folder: Path, name: str = "mlltestdep", version: str = "1.0") -> Path:
    """A minimal pure-Python wheel."""
    folder.mkdir(parents=True, exist_ok=True)
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def action_copy(folder: Path, lock: str) -> Path:
    """The action's checkout as the runner has it, with a lock of this test's own."""
    (folder / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "github_action.py", folder / "scripts")
    (folder / "requirements").mkdir()
    (folder / "requirements" / "action.txt").write_text(lock, encoding="utf-8")
    (folder / "metallb_lint").symlink_to(ROOT / "metallb_lint", target_is_directory=True)
    return folder


@pytest.fixture
def offline(tmp_path: Path) -> dict[str, Path | str]:
    wheelhouse = tmp_path / "wheelhouse"
    wheel = build_wheel(wheelhouse)
    lock = f"mlltestdep==1.0 \\\n    --hash=sha256:{sha256(wheel)}\n"
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    return {"wheelhouse": wheelhouse, "lock": lock, "workspace": workspace}


def offline_runner(tmp: Path, workspace: Path, action: Path, **inputs: str) -> Runner:
    runner = Runner(tmp, workspace, {"python": sys.executable, **inputs}, action_path=action)
    runner.env.update(
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(tmp / "wheelhouse"),
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_CACHE_DIR="1",
    )
    return runner


def run(runner: Runner, step: str) -> subprocess.CompletedProcess[str]:
    done = runner.run(step)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_cache_key_follows_the_lock_and_the_interpreter(tmp_path: Path, offline: dict) -> None:
    first = action_copy(tmp_path / "a", offline["lock"])
    changed = action_copy(tmp_path / "b", offline["lock"] + "# another lock\n")
    keys = []
    for action in (first, changed):
        runner = offline_runner(tmp_path, offline["workspace"], action)
        run(runner, "prepare")
        keys.append(runner.outputs["prepare"]["cache-key"])
        assert runner.outputs["prepare"]["venv"] == str(
            (tmp_path / "runner-temp" / "metallb-lint-venv").resolve()
        )
    digest = sha256(first / "requirements" / "action.txt")
    version = ".".join(str(n) for n in sys.version_info[:3])
    assert re.fullmatch(
        rf"metallb-lint-venv-\w+-\w+-{sys.implementation.name}{re.escape(version)}-"
        rf"[0-9a-f]{{12}}-{digest[:24]}",
        keys[0],
    ), keys[0]
    assert keys[0] != keys[1]
    for inputs in ({"cache": "false"}, {"install": "false"}):
        runner = offline_runner(tmp_path, offline["workspace"], first, **inputs)
        run(runner, "prepare")
        assert runner.outputs["prepare"]["cache-key"] == ""


def test_a_warm_run_installs_nothing(tmp_path: Path, offline: dict) -> None:
    action = action_copy(tmp_path / "action-v1", offline["lock"])
    cold = offline_runner(tmp_path, offline["workspace"], action)
    done = run(cold, "install")
    assert "Installing metallb-lint's dependencies" in done.stdout
    assert cold.outputs["install"]["installed"] == "true"
    python = cold.outputs["install"]["python"]
    venv = (tmp_path / "runner-temp" / "metallb-lint-venv").resolve()
    assert python.startswith(str(venv))
    probe = "import mlltestdep, metallb_lint; print(mlltestdep.VERSION, metallb_lint.__file__)"
    imported = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert imported.stdout.startswith(f"1.0 {action.resolve()}"), imported.stdout
    marker = (venv / "metallb-lint-lock.txt").read_text(encoding="utf-8")

    # The next run, of the action's next version: nothing to download from (pip would fail).
    shutil.rmtree(offline["wheelhouse"])
    moved = action_copy(tmp_path / "action-v2", offline["lock"])
    warm = offline_runner(tmp_path, offline["workspace"], moved)
    done = run(warm, "install")
    assert "nothing to install" in done.stdout
    assert warm.outputs["install"] == {"python": python, "installed": "false"}
    assert (venv / "metallb-lint-lock.txt").read_text(encoding="utf-8") == marker
    imported = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert imported.stdout.startswith(f"1.0 {moved.resolve()}"), imported.stdout

    # A new lock is installed afresh (and fails here: the wheel is gone).
    relocked = action_copy(tmp_path / "action-v3", offline["lock"] + "# relocked\n")
    done = offline_runner(tmp_path, offline["workspace"], relocked).run("install")
    assert done.returncode == 2
    assert "::error title=metallb-lint::pip could not install requirements/action.txt" in (
        done.stdout
    )


def test_a_file_that_does_not_match_its_hash_is_refused(tmp_path: Path, offline: dict) -> None:
    tampered = offline["lock"].replace("--hash=sha256:", "--hash=sha256:0", 1)[:-2] + "\n"
    action = action_copy(tmp_path / "action", tampered)
    runner = offline_runner(tmp_path, offline["workspace"], action)
    done = runner.run("install")
    assert done.returncode == 2
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in done.stderr
    assert runner.outputs["install"] == {}
    assert not (tmp_path / "runner-temp" / "metallb-lint-venv" / "metallb-lint-lock.txt").exists()
