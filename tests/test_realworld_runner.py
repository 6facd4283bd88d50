"""The real-world corpus runner (benchmarks/realworld/run.py): checkout from a local mirror,
comparison with the ledger, precision and recall, and what changed since the ledger. Hermetic: the
mirror is a git repository made here."""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("realworld_run", ROOT / "benchmarks/realworld/run.py")
assert spec and spec.loader
run = importlib.util.module_from_spec(spec)
sys.modules["realworld_run"] = run
spec.loader.exec_module(run)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan
  namespace: metallb-system
spec:
  addresses:
    - 10.0.0.10-10.0.0.20
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: lan
  namespace: metallb-system
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
  annotations:
    metallb.io/loadBalancerIPs: 10.0.1.5
spec:
  type: LoadBalancer
  ports:
    - port: 80
"""
OTHER = SERVICE.replace("web", "db").replace("10.0.1.5", "10.0.2.5")


def _git(cwd: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "HOME": str(cwd),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def mirror(tmp_path: Path) -> tuple[Path, str]:
    """A mirror folder holding `example/homelab` with one commit: a pool and two Services that
    ask for addresses outside it (two true ML401 findings), and a link."""
    repo = tmp_path / "mirrors" / "example" / "homelab"
    (repo / "metallb").mkdir(parents=True)
    (repo / "apps").mkdir()
    (repo / "metallb" / "pool.yaml").write_text(POOL)
    (repo / "apps" / "web.yaml").write_text(SERVICE)
    (repo / "apps" / "db.yaml").write_text(OTHER)
    (repo / "apps" / "link.yaml").symlink_to("web.yaml")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "init")
    return tmp_path / "mirrors", _git(repo, "rev-parse", "HEAD")


def _corpus(tmp_path: Path, commit: str) -> Path:
    path = tmp_path / "corpus.yaml"
    path.write_text(
        "snapshots:\n"
        f"  - {{id: homelab, repo: example/homelab, commit: {commit}, release: '0.14.9',"
        " shapes: [plain]}\n"
    )
    return path


def _ledger(tmp_path: Path, commit: str, entries: str) -> Path:
    folder = tmp_path / "ledger"
    folder.mkdir(exist_ok=True)
    (folder / "homelab.yaml").write_text(
        f"id: homelab\nrepo: example/homelab\ncommit: {commit}\nentries:\n{entries}"
    )
    return folder


def _main(tmp_path: Path, mirrors: Path, ledger: Path, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    old = sys.stdout
    sys.stdout = out
    try:
        code = run.main(
            [
                "--mirrors",
                str(mirrors),
                "--corpus",
                str(tmp_path / "corpus.yaml"),
                "--ledger",
                str(ledger),
                "--work",
                str(tmp_path / "work"),
                *extra,
            ]
        )
    finally:
        sys.stdout = old
    return code, out.getvalue()


@needs_git
def test_checkout_writes_the_commit_tree_with_links_and_a_git_folder(mirror, tmp_path):
    mirrors, commit = mirror
    dest = tmp_path / "tree"
    missing = run.checkout(run.find_mirror(mirrors, "example/homelab"), commit, dest)
    assert missing == 0
    assert (dest / "apps" / "web.yaml").read_text() == SERVICE
    assert (dest / "apps" / "link.yaml").is_symlink()
    assert (dest / ".git").is_dir()
    # A second checkout of the same commit reuses the tree.
    (dest / "apps" / "marker").write_text("kept")
    run.checkout(run.find_mirror(mirrors, "example/homelab"), commit, dest)
    assert (dest / "apps" / "marker").exists()


@needs_git
def test_precision_recall_and_changes_against_the_ledger(mirror, tmp_path):
    mirrors, commit = mirror
    _corpus(tmp_path, commit)
    ledger = _ledger(
        tmp_path,
        commit,
        "  - {rule: ML401, path: apps/web.yaml, line: 7, verdict: 'true', reason: outside pool}\n"
        "  - {rule: ML401, path: apps/gone.yaml, line: 3, verdict: 'false', class: not-deployed,"
        " reason: never applied}\n"
        "  - {rule: ML205, path: metallb/pool.yaml, line: 4, verdict: miss, class: made-up,"
        " reason: a miss for the test}\n",
    )
    code, out = _main(tmp_path, mirrors, ledger, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["total"]["true"] == 1
    assert report["total"]["false"] == 0  # the false entry's finding is gone
    assert report["total"]["unreviewed"] == 1  # db.yaml's ML401
    assert report["total"]["known"] == 2 and report["total"]["found"] == 1
    assert report["rules"]["ML401"]["precision"] == 1.0
    assert report["rules"]["ML205"]["recall"] == 0.0
    assert report["changes"][0].startswith("NOT REVIEWED  homelab: ML401 error apps/db.yaml:7")
    assert report["changes"][1] == "FIXED FALSE   homelab: ML401 apps/gone.yaml:3 [not-deployed]"
    assert len(report["changes"]) == 2
    assert _main(tmp_path, mirrors, ledger, "--strict")[0] == 1


@needs_git
def test_stubs_hold_the_unreviewed_findings(mirror, tmp_path):
    mirrors, commit = mirror
    _corpus(tmp_path, commit)
    ledger = _ledger(tmp_path, commit, "  []\n")
    code, out = _main(tmp_path, mirrors, ledger, "--stubs", str(tmp_path / "stubs"))
    assert code == 0
    assert "ML401   " in out and "NOT REVIEWED" in out
    stub = (tmp_path / "stubs" / "homelab.yaml").read_text()
    assert "path: apps/db.yaml" in stub and "verdict: '?'" in stub


@needs_git
def test_a_fully_reviewed_snapshot_passes_strict(mirror, tmp_path):
    mirrors, commit = mirror
    _corpus(tmp_path, commit)
    ledger = _ledger(
        tmp_path,
        commit,
        "  - {rule: ML401, path: apps/web.yaml, line: 7, verdict: 'true', reason: outside pool}\n"
        "  - {rule: ML401, path: apps/db.yaml, line: 7, verdict: 'true', reason: outside pool}\n",
    )
    code, out = _main(tmp_path, mirrors, ledger, "--strict", "--markdown")
    assert code == 0
    assert "| ML401 | 2 | 0 | 0 | 100% | 2 | 2 | 100% |" in out


def test_ledger_entries_must_match_the_corpus(tmp_path):
    _corpus(tmp_path, "a" * 40)
    ledger = _ledger(tmp_path, "b" * 40, "  []\n")
    snapshots = run.load_corpus(tmp_path / "corpus.yaml")
    with pytest.raises(run.RunnerError, match="disagree with the corpus"):
        run.load_ledger(ledger, snapshots)


def test_a_false_entry_needs_a_class(tmp_path):
    _corpus(tmp_path, "a" * 40)
    ledger = _ledger(
        tmp_path,
        "a" * 40,
        "  - {rule: ML401, path: a.yaml, line: 1, verdict: 'false', reason: because}\n",
    )
    with pytest.raises(run.RunnerError, match="needs a class"):
        run.load_ledger(ledger, run.load_corpus(tmp_path / "corpus.yaml"))


def test_a_missing_mirror_is_one_line_and_exit_2(tmp_path):
    _corpus(tmp_path, "a" * 40)
    (tmp_path / "mirrors").mkdir()
    code, out = _main(tmp_path, tmp_path / "mirrors", tmp_path / "ledger")
    assert code == 2
    assert "FAILED: no git mirror of example/homelab" in out
