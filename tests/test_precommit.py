"""The pre-commit hooks, run by the real `pre-commit` tool.

pre-commit installs a hook repository from git, so the files metallb-lint needs to install
(pyproject.toml, the package, schemas/, rules/, the hooks file) are copied into a temporary git
repository and committed there; the working tree of this repository is never committed to.
pre-commit then builds the hook's environment with pip (from PyPI, the one network use of the
suite) in a temporary PRE_COMMIT_HOME shared by the tests of this module.

The user's repository keeps its pool in one file and its Services in others: the hook, given
only the changed Service file, still checks it against that pool (context, DESIGN.md
"Pre-commit: files versus the whole repository").

Skipped, not failed, when pre-commit or git is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write
from tests.manifests import POOL

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# What `pip install` of the hook repository reads (LICENSE when there is one).
HOOK_FILES = (
    "pyproject.toml",
    "README.md",
    "LICENSE",
    ".pre-commit-hooks.yaml",
    "metallb_lint",
    "schemas",
    "rules",
)


def service(name: str, ip: str) -> str:
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: media
  annotations:
    metallb.universe.tf/loadBalancerIPs: {ip}
spec:
  type: LoadBalancer
  selector:
    app: {name}
  ports:
    - port: 80
"""


def pre_commit() -> list[str]:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install '.[test]')")
    return [sys.executable, "-m", "pre_commit"]


def git_env(home: Path) -> dict[str, str]:
    """No user or system git configuration; an identity for the commits."""
    config = home / "gitconfig"
    if not config.exists():
        config.write_text(
            "[user]\n\tname = metallb-lint tests\n\temail = tests@example.invalid\n"
            "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
            encoding="utf-8",
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(home / "pre-commit-home"),
        NO_COLOR="1",
    )
    for name in ("GITHUB_ACTIONS", "FORCE_COLOR"):
        env.pop(name, None)
    return env


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("precommit-home")


@pytest.fixture(scope="module")
def hook_repo(home: Path) -> Path:
    """A committed copy of what the hook needs to install."""
    repo = home / "hook-repo"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in HOOK_FILES:
        source = ROOT / name
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy2(source, repo / name)
    env = git_env(home)
    git(repo, env, "init", "-q")
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "metallb-lint hooks under test")
    return repo


@pytest.fixture
def user_repo(tmp_path: Path, home: Path) -> Path:
    """A GitOps repository: the pool in one file, Services in others."""
    repo = tmp_path / "gitops"
    repo.mkdir()
    env = git_env(home)
    git(repo, env, "init", "-q")
    write(
        repo,
        {
            "metallb-system/pool.yaml": POOL,
            "apps/jellyfin/service.yaml": service("jellyfin", "192.168.1.241"),
        },
    )
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "pool and jellyfin")
    return repo


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_manifest_is_valid() -> None:
    done = subprocess.run(
        [*pre_commit(), "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def readme_block(first_line: str) -> str:
    """The fenced block of README.md that starts with `first_line`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index(first_line) :]
    return block[: block.index("```")]


def test_readme_config_snippet_is_valid(tmp_path: Path) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(readme_block("# .pre-commit-config.yaml"), encoding="utf-8")
    done = subprocess.run(
        [*pre_commit(), "validate-config", str(config)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = {
        line.split("id:")[1].split()[0] for line in config.read_text().splitlines() if "id:" in line
    }
    manifest = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for hook in hooks:
        assert f"- id: {hook}\n" in manifest


def test_try_repo_passes_and_blocks(hook_repo: Path, user_repo: Path, home: Path) -> None:
    env = git_env(home)
    try_repo = [*pre_commit(), "try-repo", str(hook_repo), "metallb-lint", "--files"]

    # A Service inside the pool: passes. Only this file is named; the pool is context.
    write(user_repo, {"apps/navidrome/service.yaml": service("navidrome", "192.168.1.242")})
    git(user_repo, env, "add", "-A")
    good = run([*try_repo, "apps/navidrome/service.yaml"], user_repo, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "metallb-lint" in good.stdout and "Passed" in good.stdout

    # A Service outside the pool: blocked, with the finding at its file and line.
    write(user_repo, {"apps/sonarr/service.yaml": service("sonarr", "192.168.1.231")})
    git(user_repo, env, "add", "-A")
    bad = run([*try_repo, "apps/sonarr/service.yaml"], user_repo, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "apps/sonarr/service.yaml" in bad.stdout
    assert "ML401" in bad.stdout and "192.168.1.231" in bad.stdout
    assert "pool 'default' is 192.168.1.240-192.168.1.244" in bad.stdout  # the related pool
    assert "jellyfin" not in bad.stdout  # only findings touching the named file


def test_commits_pass_and_are_blocked(hook_repo: Path, user_repo: Path, home: Path) -> None:
    """The hook installed as a git pre-commit hook: a good commit lands, a bad one does not.
    A changed pool is checked against the Services of every other file."""
    env = git_env(home)
    rev = git(hook_repo, env, "rev-parse", "HEAD").strip()
    write(
        user_repo,
        {
            ".pre-commit-config.yaml": (
                f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n"
                "    hooks:\n      - id: metallb-lint\n"
            )
        },
    )
    installed = run([*pre_commit(), "install"], user_repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    commit = ["git", "commit", "-m"]

    write(user_repo, {"apps/navidrome/service.yaml": service("navidrome", "192.168.1.243")})
    git(user_repo, env, "add", "-A")
    good = run([*commit, "navidrome inside the pool"], user_repo, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert git(user_repo, env, "log", "-1", "--format=%s").strip() == "navidrome inside the pool"

    # Shrinking the pool strands jellyfin (.241, committed earlier, in another file).
    write(
        user_repo,
        {"metallb-system/pool.yaml": POOL.replace(".240-192.168.1.244", ".242-192.168.1.244")},
    )
    git(user_repo, env, "add", "-A")
    bad = run([*commit, "shrink the pool"], user_repo, env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    output = bad.stdout + bad.stderr
    assert "ML401" in output and "apps/jellyfin/service.yaml" in output
    assert "metallb-system/pool.yaml" in output  # the related location that made it count
    assert git(user_repo, env, "log", "-1", "--format=%s").strip() == "navidrome inside the pool"


def test_fix_hook_rewrites_and_stops_the_commit(
    hook_repo: Path, user_repo: Path, home: Path
) -> None:
    """metallb-lint-fix applies the safe fixes to the named file: pre-commit sees the change
    and fails the run; the second run passes on the fixed file."""
    env = git_env(home)
    try_repo = [*pre_commit(), "try-repo", str(hook_repo), "metallb-lint-fix", "--files"]
    legacy = service("sonarr", "192.168.1.242").replace(
        "  annotations:\n    metallb.universe.tf/loadBalancerIPs: 192.168.1.242\n", ""
    )
    legacy = legacy.replace(
        "  type: LoadBalancer\n", "  type: LoadBalancer\n  loadBalancerIP: 192.168.1.242\n"
    )
    write(user_repo, {"apps/sonarr/service.yaml": legacy})
    git(user_repo, env, "add", "-A")
    first = run([*try_repo, "apps/sonarr/service.yaml"], user_repo, env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    fixed = (user_repo / "apps/sonarr/service.yaml").read_text(encoding="utf-8")
    assert fixed == service("sonarr", "192.168.1.242")
    git(user_repo, env, "add", "-A")
    second = run([*try_repo, "apps/sonarr/service.yaml"], user_repo, env)
    assert second.returncode == 0, second.stdout + second.stderr


INSTALL = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: metallb-system
resources:
  - https://github.com/metallb/metallb/config/native?ref=v0.14.9
  - pool.yaml
"""


def test_changes_hook_in_an_existing_repository(
    hook_repo: Path, tmp_path: Path, home: Path
) -> None:
    """metallb-lint-changes in a repository that already has a finding: commits that do not
    cause it pass; a shrunk pool blocks, naming the changed file as the cause of the finding
    in an untouched file; deleting the pool file is caught."""
    env = git_env(home)
    repo = tmp_path / "existing"
    repo.mkdir()
    git(repo, env, "init", "-q")
    write(
        repo,
        {
            "metallb-system/kustomization.yaml": INSTALL,
            "metallb-system/pool.yaml": POOL,
            "apps/jellyfin/service.yaml": service("jellyfin", "192.168.1.241"),
            "apps/sonarr/service.yaml": service("sonarr", "192.168.1.231"),  # already broken
        },
    )
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "before the hook")
    rev = git(hook_repo, env, "rev-parse", "HEAD").strip()
    write(
        repo,
        {
            ".pre-commit-config.yaml": (
                f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
                "      - id: metallb-lint-changes\n        args: [--fail-on, warning]\n"
            )
        },
    )
    installed = run([*pre_commit(), "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    commit = ["git", "commit", "-m"]

    # The old finding (sonarr) is not reported again, even in a commit that touches its file.
    write(repo, {"apps/sonarr/service.yaml": service("sonarr", "192.168.1.231") + "# todo\n"})
    git(repo, env, "add", "-A")
    good = run([*commit, "touch sonarr"], repo, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert git(repo, env, "log", "-1", "--format=%s").strip() == "touch sonarr"

    # A shrunk pool strands jellyfin, in a file the commit does not touch.
    write(
        repo, {"metallb-system/pool.yaml": POOL.replace(".240-192.168.1.244", ".242-192.168.1.244")}
    )
    git(repo, env, "add", "-A")
    shrunk = run([*commit, "shrink the pool"], repo, env)
    assert shrunk.returncode == 1, shrunk.stdout + shrunk.stderr
    output = shrunk.stdout + shrunk.stderr
    assert "apps/jellyfin/service.yaml" in output and "ML401" in output
    assert "(new with this change to metallb-system/pool.yaml)" in output
    assert "sonarr" not in output
    git(repo, env, "checkout", "-q", "HEAD", "--", "metallb-system/pool.yaml")

    # Deleting the pool file (and its kustomization entry) is caught.
    git(repo, env, "rm", "-q", "metallb-system/pool.yaml")
    write(repo, {"metallb-system/kustomization.yaml": INSTALL.replace("  - pool.yaml\n", "")})
    git(repo, env, "add", "-A")
    deleted = run([*commit, "drop the pool"], repo, env)
    assert deleted.returncode == 1, deleted.stdout + deleted.stderr
    output = deleted.stdout + deleted.stderr
    assert "apps/jellyfin/service.yaml" in output and "ML401" in output
    assert "metallb-system/pool.yaml (deleted)" in output
    assert git(repo, env, "log", "-1", "--format=%s").strip() == "touch sonarr"
