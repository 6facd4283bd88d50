"""`check --new-since REF` in real git repositories: only the findings a change causes, each
new finding in an untouched file with the changed file that caused it (tools/since.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import findings, lint_json, run_cli, write
from tests.manifests import POOL

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

INSTALL = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: metallb-system
resources:
  - https://github.com/metallb/metallb/config/native?ref=v0.14.9
  - pool.yaml
"""


def service(name: str, ip: str) -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: media\n"
        f"  annotations:\n    metallb.io/loadBalancerIPs: {ip}\nspec:\n  type: LoadBalancer\n"
    )


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed repository: an install, a pool, a Service inside it and one outside (an
    old ML401 at apps/sonarr.yaml:7)."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = t\n\temail = t@example.invalid\n", encoding="utf-8")
    for name in [k for k in os.environ if k.startswith("GIT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(
        repo,
        {
            "metallb-system/kustomization.yaml": INSTALL,
            "metallb-system/pool.yaml": POOL,
            "apps/jellyfin.yaml": service("jellyfin", "192.168.1.241"),
            "apps/sonarr.yaml": service("sonarr", "192.168.1.231"),
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def since(repo: Path, *args: str, cwd: Path | None = None):
    """A --new-since HEAD run of the Service rules (ML4), in JSON."""
    return lint_json("--select", "ML4", "--new-since", "HEAD", *args, cwd=cwd or repo)


def test_findings_the_revision_had_are_suppressed(git_repo: Path) -> None:
    assert findings(lint_json("--select", "ML4", ".", cwd=git_repo)) == [
        ("ML401", "apps/sonarr.yaml", 7)
    ]
    result = since(git_repo, ".")
    assert (result.code, findings(result)) == (0, [("ML401", "apps/sonarr.yaml", 7)])
    old = result.json["findings"][0]
    assert old["suppressed"] is True
    assert old["suppression_reason"] == "HEAD already had it: not caused by this change"
    # a fixed old finding is no stale suppression (ML006)
    write(git_repo, {"apps/sonarr.yaml": service("sonarr", "192.168.1.243")})
    stale = lint_json("--select", "ML006,ML401", "--new-since", "HEAD", ".", cwd=git_repo)
    assert findings(stale) == []


def test_a_shrunk_pool_names_itself_as_the_cause(git_repo: Path) -> None:
    write(
        git_repo,
        {"metallb-system/pool.yaml": POOL.replace(".240-192.168.1.244", ".242-192.168.1.244")},
    )
    for cwd, path, shown in (
        (git_repo, "apps/jellyfin.yaml", "metallb-system/pool.yaml"),
        (git_repo / "apps", "jellyfin.yaml", str(git_repo / "metallb-system/pool.yaml")),
    ):
        result = since(git_repo, ".", cwd=cwd)
        new = [f for f in result.json["findings"] if not f.get("suppressed")]
        assert [(f["rule"], f["path"], f["line"]) for f in new] == [("ML401", path, 7)]
        assert new[0]["message"].endswith(f"(new with this change to {shown})")
        assert result.code == 1


def test_a_deleted_pool_file_is_caught(git_repo: Path) -> None:
    git(git_repo, "rm", "-q", "metallb-system/pool.yaml")
    write(git_repo, {"metallb-system/kustomization.yaml": INSTALL.replace("  - pool.yaml\n", "")})
    result = since(git_repo, ".")
    new = [f for f in result.json["findings"] if not f.get("suppressed")]
    assert [(f["rule"], f["path"]) for f in new] == [("ML401", "apps/jellyfin.yaml")]
    assert new[0]["message"].endswith(
        "(new with this change to metallb-system/kustomization.yaml, metallb-system/pool.yaml "
        "(deleted))"
    )


def test_a_repository_without_commits_has_everything_new(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, {"pool.yaml": POOL, "svc.yaml": service("a", "192.168.1.10")})
    result = since(tmp_path, ".")
    assert findings(result) == [("ML401", "svc.yaml", 7)]
    assert "suppressed" not in result.json["findings"][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--new-since", "nosuch", "."),
            "--new-since nosuch: no commit 'nosuch' in the repository",
        ),
        (("--new-since", "HEAD", "--baseline", "b.json", "."), "exclude each other"),
        (("--new-since", "HEAD", "--stdin-filename", "a.yaml", "-"), "not stdin"),
    ],
)
def test_usage_errors(git_repo: Path, args, message: str) -> None:
    write(git_repo, {"b.json": '{"version": 1, "findings": []}'})
    result = run_cli("--isolated", *args, cwd=git_repo, stdin=b"")
    assert result.code == 2 and message in result.err, result.err


def test_outside_a_git_repository(tmp_path: Path) -> None:
    write(tmp_path, {"pool.yaml": POOL})
    result = run_cli("--isolated", "--new-since", "HEAD", ".", cwd=tmp_path)
    assert result.code == 2 and "is not in a git repository" in result.err
