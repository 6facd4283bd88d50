"""Issue 21, hostile files: every path the tool opens is checked to be a regular file before it
is read, and every read is bounded (metallb_lint/safeio.py); directory walks are iterative and
depth-limited. No test here is timed: a subprocess with a generous timeout is only a safety net
against a hang, and each test asserts what the run says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from metallb_lint import safeio
from metallb_lint.load import discover
from tests.conftest import ROOT, write
from tests.manifests import pool

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")

POOL = pool("192.168.1.240/29")
SAFETY_NET = 120  # seconds: only a hang gets near it


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess: a hang fails the test instead of the suite."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "CI"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "metallb_lint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=SAFETY_NET,
        check=False,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return lines[0]


# -- item 1: regular files only, bounded reads --------------------------------------------------


@needs_fifo
def test_a_fifo_named_gitignore_is_a_note(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    os.mkfifo(repo / ".gitignore")
    done = run("--isolated", "-v", "--metallb-version", "0.14.9", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert ".gitignore: not a regular file (a named pipe); its patterns were not applied" in (
        done.stdout + done.stderr
    )


@needs_fifo
def test_a_fifo_as_git_exclude_file_is_a_note(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    (repo / ".git" / "info").mkdir()
    os.mkfifo(repo / ".git" / "info" / "exclude")
    done = run("--isolated", "-v", "--metallb-version", "0.14.9", ".", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert ".git/info/exclude: not a regular file (a named pipe)" in done.stdout + done.stderr


@needs_fifo
def test_baseline_naming_a_fifo_is_one_line_and_exit_2(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    os.mkfifo(repo / "baseline.json")
    done = run("--isolated", "--baseline", "baseline.json", ".", cwd=repo)
    assert done.returncode == 2
    assert "--baseline baseline.json: cannot read: not a regular file (a named pipe)" in (
        one_line(done.stderr)
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_baseline_dev_zero_is_one_line_and_exit_2(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    done = run("--isolated", "--baseline", "/dev/zero", ".", cwd=repo)
    assert done.returncode == 2
    assert "not a regular file (a device)" in one_line(done.stderr)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_endless_stdin_is_read_to_the_limit_only(repo: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/zero", "rb") as endless:
        done = subprocess.run(
            [sys.executable, "-m", "metallb_lint", "--isolated", "-f", "concise", "-"],
            cwd=repo,
            env=env,
            stdin=endless,
            capture_output=True,
            text=True,
            timeout=SAFETY_NET,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert "ML002 [error] input is over the 8 MiB limit for one file; not read" in done.stdout


@needs_fifo
@pytest.mark.parametrize("option", ["--crd", "--policies", "--config"])
def test_other_named_files_that_are_fifos(repo: Path, option: str) -> None:
    write(repo, {"pool.yaml": POOL})
    os.mkfifo(repo / "named.yaml")
    extra = () if option == "--config" else ("--isolated",)
    done = run(*extra, option, "named.yaml", ".", cwd=repo)
    assert done.returncode == 2
    assert "not a regular file (a named pipe)" in one_line(done.stderr)


@needs_fifo
def test_a_fifo_inside_a_policies_folder(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    (repo / "policies").mkdir()
    os.mkfifo(repo / "policies" / "org.yaml")
    done = run("--isolated", "--policies", "policies", ".", cwd=repo)
    assert done.returncode == 2
    assert "not a regular file (a named pipe)" in one_line(done.stderr)


def test_a_huge_config_file_is_refused_unread(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo, {"big.yaml": "# padding\n" * 100})
    monkeypatch.setattr(safeio, "MAX_READ_BYTES", 100)
    with pytest.raises(safeio.FileTooLarge):
        safeio.read_bytes(str(repo / "big.yaml"), safeio.MAX_READ_BYTES)
    assert safeio.read_bytes(str(repo / "big.yaml"), 2000).startswith(b"# padding")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_reading_a_device_is_refused_before_a_byte_is_read() -> None:
    with pytest.raises(safeio.NotRegularFile):
        safeio.read_bytes("/dev/zero")
    assert safeio.read_optional_text("/dev/zero") == ("", "not a regular file (a device)")
    with pytest.raises(safeio.NotRegularFile):
        next(safeio.read_chunks("/dev/zero", 1 << 20))  # (the cache's pack is read this way)


@needs_fifo
def test_chunked_reads_refuse_a_fifo_and_stop_at_the_limit(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pack")
    with pytest.raises(safeio.NotRegularFile):
        list(safeio.read_chunks(str(tmp_path / "pack"), 1 << 20))
    (tmp_path / "big").write_bytes(b"x" * 100)
    assert b"".join(safeio.read_chunks(str(tmp_path / "big"), 100, 30)) == b"x" * 100
    with pytest.raises(safeio.FileTooLarge):
        list(safeio.read_chunks(str(tmp_path / "big"), 99, 30))


# -- item 2: walks are iterative and depth-limited ----------------------------------------------


def _deep_tree(top: Path, depth: int) -> None:
    """`depth` nested folders `d/d/...`, made relative to an open folder: the whole path may be
    longer than the system allows."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


def _remove_deep_tree(top: Path) -> None:
    """Undo `_deep_tree` without recursion (shutil.rmtree recurses once per level: pytest's
    clean-up of old temporary folders would fail on it)."""
    fds = [os.open(top, os.O_RDONLY)]
    try:
        while True:
            try:
                fds.append(os.open("d", os.O_RDONLY, dir_fd=fds[-1]))
            except FileNotFoundError:
                break
        for parent in reversed(fds[:-1]):
            os.rmdir("d", dir_fd=parent)
    finally:
        for fd in fds:
            os.close(fd)


@pytest.mark.skipif(os.open not in os.supports_dir_fd, reason="needs dir_fd")
def test_a_tree_3000_levels_deep_is_a_note(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    _deep_tree(repo, 3000)
    try:
        done = run("--isolated", "-v", "--metallb-version", "0.14.9", ".", cwd=repo)
    finally:
        _remove_deep_tree(repo)
    assert done.returncode == 0, done.stderr
    limit = discover.MAX_DEPTH
    assert f"more than {limit} folders deep; nothing below it was checked" in done.stdout


def test_the_depth_limit_keeps_what_is_above_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discover, "MAX_DEPTH", 3)
    write(repo, {"a/b/c/pool.yaml": POOL, "a/b/c/d/e/pool.yaml": POOL})
    found = discover.discover([str(repo)], cwd=str(repo))
    assert [c.display for c in found.candidates] == ["a/b/c/pool.yaml"]
    assert found.notes == ["a/b/c/d: more than 3 folders deep; nothing below it was checked"]


def test_a_gitignore_class_python_would_warn_about_is_silent() -> None:
    import warnings

    from metallb_lint.load.ignore import parse_pattern

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pattern = parse_pattern("[a--z]x.yaml")
    assert pattern is not None
