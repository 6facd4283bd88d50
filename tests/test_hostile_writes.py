"""Issue 21, writing: every file metallb-lint writes (`--output-file`, `--write-baseline`,
`migrate --output`) goes to a temporary file in the same folder, flushed and renamed into
place: a run killed while writing leaves the previous file whole; never through a symbolic
link; never over one of the run's inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metallb_lint import report, safeio
from tests.conftest import run_cli, write
from tests.manifests import pool

BAD = pool("10.0.0.0/33")
PREVIOUS = '{"previous": "report"}\n'
EMPTY_BASELINE = '{"version": 1, "tool": "metallb-lint", "findings": []}\n'
VERSION = ("--metallb-version", "0.14.9")


class Killed(BaseException):
    """Stands for SIGKILL in the middle of writing."""


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_run_killed_while_rendering_leaves_the_previous_report(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, {"pool.yaml": BAD, "report.json": PREVIOUS})

    def dies_halfway(fmt, result, stream, **kwargs) -> None:
        stream.write('{"half": ')
        raise Killed

    monkeypatch.setattr(report, "render", dies_halfway)
    with pytest.raises(Killed):
        run_cli("--isolated", *VERSION, "-f", "json", "--output-file", "report.json", ".", cwd=repo)
    assert (repo / "report.json").read_text() == PREVIOUS


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_run_killed_before_the_rename_leaves_the_previous_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    write(repo, {"pool.yaml": BAD, "baseline.json": EMPTY_BASELINE})

    def killed(*args, **kwargs) -> None:
        raise Killed

    monkeypatch.setattr(safeio.os, step, killed)
    with pytest.raises(Killed):
        run_cli("--isolated", *VERSION, "--write-baseline", "baseline.json", ".", cwd=repo)
    assert (repo / "baseline.json").read_text() == EMPTY_BASELINE
    assert _leftovers(repo) == []


def test_the_report_is_complete_and_keeps_the_file_mode(repo: Path) -> None:
    write(repo, {"pool.yaml": BAD, "report.json": PREVIOUS})
    os.chmod(repo / "report.json", 0o640)
    result = run_cli(
        "--isolated", *VERSION, "-f", "json", "--output-file", "report.json", ".", cwd=repo
    )
    assert result.code == 1
    assert '"findings"' in (repo / "report.json").read_text()
    assert (repo / "report.json").stat().st_mode & 0o777 == 0o640
    assert _leftovers(repo) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_never_through_a_symbolic_link(repo: Path) -> None:
    write(repo, {"pool.yaml": BAD, "elsewhere.json": PREVIOUS})
    (repo / "report.json").symlink_to("elsewhere.json")
    result = run_cli(
        "--isolated", *VERSION, "-f", "json", "--output-file", "report.json", ".", cwd=repo
    )
    assert result.code == 2
    assert "symbolic link" in result.err and len(result.err.strip().splitlines()) == 1
    assert (repo / "elsewhere.json").read_text() == PREVIOUS


def test_never_over_an_input(repo: Path) -> None:
    write(repo, {"pool.yaml": BAD})
    result = run_cli(
        "--isolated", *VERSION, "-f", "json", "--output-file", "pool.yaml", ".", cwd=repo
    )
    assert result.code == 2
    assert "one of the files this run reads" in result.err
    assert (repo / "pool.yaml").read_text() == BAD


def test_migrate_never_over_its_input(repo: Path) -> None:
    legacy = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: metallb-system\n"
        "data:\n  config: |\n    address-pools:\n    - name: default\n      protocol: layer2\n"
        "      addresses:\n      - 192.168.1.240/29\n"
    )
    write(repo, {"config.yaml": legacy})
    # an existing file needs --force; even with it, an input of the run is never written over
    result = run_cli("migrate", "--isolated", ".", "--output", "config.yaml", cwd=repo)
    assert result.code == 2 and "exists; pass --force" in result.err, result.err
    result = run_cli("migrate", "--isolated", ".", "--output", "config.yaml", "--force", cwd=repo)
    assert result.code == 2, result.err
    assert "one of the files this run reads" in result.err
    assert (repo / "config.yaml").read_text() == legacy


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_written_to_directly(repo: Path) -> None:
    write(repo, {"pool.yaml": BAD})
    result = run_cli(
        "--isolated", *VERSION, "-f", "json", "--output-file", "/dev/null", ".", cwd=repo
    )
    assert result.code == 1, result.err
