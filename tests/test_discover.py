"""Discovery: which files are linted. `.gitignore` semantics as git has them, config excludes,
stdin, symbolic links, and a stable order."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from metallb_lint.load.discover import discover
from metallb_lint.load.ignore import IgnoreRules, parse_pattern
from tests.conftest import run_cli, write

YAML = "kind: ConfigMap\n"


def found(root: Path, *paths: str, excludes: list[str] | None = None) -> list[str]:
    rules = IgnoreRules().extended(excludes or [], "")
    result = discover(paths or ["."], excludes=rules, exclude_root=str(root), cwd=str(root))
    return sorted(c.display for c in result.candidates)


def tree(root: Path, *names: str) -> Path:
    return write(root, {name: YAML for name in names})


def gitignore(root: Path, text: str, folder: str = "") -> None:
    (root / folder / ".gitignore").parent.mkdir(parents=True, exist_ok=True)
    (root / folder / ".gitignore").write_text(text, encoding="utf-8")


@pytest.fixture
def cwd(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    return repo


# -- the walk ----------------------------------------------------------------------------------


def test_yaml_and_chart_files_in_a_stable_order(cwd: Path) -> None:
    tree(cwd, "c/Kustomization", "b.yaml", "c/notes.txt", "a.yml", "c/z.json", "c/Chart.lock")
    tree(cwd, "c/d/x.yaml", "c/a.yaml")
    result = discover(["."], cwd=str(cwd))
    # a folder's files by name, then its subfolders by name
    assert [c.display for c in result.candidates] == [
        "a.yml",
        "b.yaml",
        "c/Chart.lock",
        "c/Kustomization",
        "c/a.yaml",
        "c/d/x.yaml",
    ]


def test_vcs_and_dependency_folders_are_skipped(cwd: Path) -> None:
    tree(cwd, "ok.yaml", ".git/config.yaml", "node_modules/x/pool.yaml", ".venv/x.yaml")
    assert found(cwd) == ["ok.yaml"]


def test_files_are_found_once_when_named_twice(cwd: Path) -> None:
    tree(cwd, "apps/a.yaml")
    assert found(cwd, ".", "apps", "apps/a.yaml") == ["apps/a.yaml"]


def test_paths_outside_the_cwd_are_absolute(cwd: Path, tmp_path_factory) -> None:
    other = tree(tmp_path_factory.mktemp("other"), "pool.yaml")
    assert found(cwd, str(other)) == [(other / "pool.yaml").as_posix()]


def test_explicit_files_need_not_look_like_yaml(cwd: Path) -> None:
    tree(cwd, "pool.txt")
    assert found(cwd, "pool.txt") == ["pool.txt"]


def test_stdin_is_a_candidate_with_its_given_name(cwd: Path) -> None:
    result = discover(["-"], stdin_name="apps/svc.yaml", cwd=str(cwd))
    assert [(c.fs_path, c.display, c.explicit) for c in result.candidates] == [
        ("", "apps/svc.yaml", True)
    ]
    assert discover(["-"], cwd=str(cwd)).candidates[0].display == "<stdin>"


def test_missing_path_raises(cwd: Path) -> None:
    with pytest.raises(FileNotFoundError):
        found(cwd, "nope.yaml")


# -- .gitignore --------------------------------------------------------------------------------


def test_gitignore_plain_name_matches_at_any_depth(cwd: Path) -> None:
    tree(cwd, "secret.yaml", "apps/secret.yaml", "apps/ok.yaml")
    gitignore(cwd, "secret.yaml\n")
    assert found(cwd) == ["apps/ok.yaml"]


def test_gitignore_anchored_pattern(cwd: Path) -> None:
    tree(cwd, "build.yaml", "apps/build.yaml", "docs/gen/x.yaml", "apps/docs/gen/y.yaml")
    gitignore(cwd, "/build.yaml\ndocs/gen\n")
    assert found(cwd) == ["apps/build.yaml", "apps/docs/gen/y.yaml"]


def test_gitignore_directory_only_pattern(cwd: Path) -> None:
    tree(cwd, "out/a.yaml", "apps/out/b.yaml", "apps/out.yaml/c.yaml", "out.yaml")
    gitignore(cwd, "out/\n")
    assert found(cwd) == ["apps/out.yaml/c.yaml", "out.yaml"]


def test_gitignore_dir_only_pattern_does_not_match_a_file(cwd: Path) -> None:
    tree(cwd, "rendered.yaml", "x/rendered.yaml/pool.yaml")
    gitignore(cwd, "rendered.yaml/\n")
    assert found(cwd) == ["rendered.yaml"]


def test_gitignore_negation(cwd: Path) -> None:
    tree(cwd, "a.yaml", "keep.yaml", "apps/keep.yaml", "apps/b.yaml")
    gitignore(cwd, "*.yaml\n!keep.yaml\n")
    assert found(cwd) == ["apps/keep.yaml", "keep.yaml"]


def test_gitignore_cannot_reinclude_inside_an_ignored_directory(cwd: Path) -> None:
    tree(cwd, "vendor/keep.yaml", "vendor/x.yaml")
    gitignore(cwd, "vendor/\n!vendor/keep.yaml\n")
    assert found(cwd) == []


def test_gitignore_reinclude_a_directory_after_everything(cwd: Path) -> None:
    tree(cwd, "a.yaml", "apps/b.yaml", "apps/c.txt")
    gitignore(cwd, "*\n!*/\n!*.yaml\n")
    assert found(cwd) == ["a.yaml", "apps/b.yaml"]


def test_gitignore_double_star_forms(cwd: Path) -> None:
    tree(
        cwd,
        "gen/a.yaml",
        "x/y/gen/b.yaml",
        "charts/tmp/c.yaml",
        "charts/tmp/d/e.yaml",
        "a/b.yaml",
        "a/x/y/b.yaml",
        "a/bb.yaml",
        "keep/one.yaml",
    )
    gitignore(cwd, "**/gen\ncharts/tmp/**\na/**/b.yaml\n")
    assert found(cwd) == ["a/bb.yaml", "keep/one.yaml"]


def test_gitignore_consecutive_stars_inside_a_name_are_one_star(cwd: Path) -> None:
    tree(cwd, "ab.yaml", "a/b.yaml", "axb.yaml")
    gitignore(cwd, "a**b.yaml\n")
    assert found(cwd) == ["a/b.yaml"]


def test_nested_gitignore_is_relative_to_its_folder(cwd: Path) -> None:
    tree(cwd, "apps/tmp.yaml", "apps/x/tmp.yaml", "apps/local.yaml", "local.yaml", "tmp.yaml")
    gitignore(cwd, "/local.yaml\ntmp.yaml\n", "apps")
    assert found(cwd) == ["local.yaml", "tmp.yaml"]


def test_nested_gitignore_can_reinclude(cwd: Path) -> None:
    tree(cwd, "apps/a.yaml", "apps/keep.yaml", "b.yaml")
    gitignore(cwd, "*.yaml\n")
    gitignore(cwd, "!keep.yaml\n", "apps")
    assert found(cwd) == ["apps/keep.yaml"]


def test_gitignore_comments_blanks_and_escapes(cwd: Path) -> None:
    tree(cwd, "#x.yaml", "!y.yaml", "z.yaml")
    gitignore(cwd, "# a comment\n\n\\#x.yaml\n\\!y.yaml\n")
    assert found(cwd) == ["z.yaml"]


def test_gitignore_above_the_linted_folder_applies(cwd: Path) -> None:
    tree(cwd, "apps/media/out.yaml", "apps/media/svc.yaml")
    gitignore(cwd, "apps/media/out.yaml\n")
    result = discover(["apps/media"], cwd=str(cwd))
    assert [c.display for c in result.candidates] == ["apps/media/svc.yaml"]


def test_a_named_ignored_directory_yields_nothing(cwd: Path) -> None:
    """As git: nothing inside an ignored directory can be re-included, named or not."""
    tree(cwd, "build/keep.yaml", "build/sub/x.yaml", "apps/svc.yaml")
    gitignore(cwd, "build/\n!build/keep.yaml\n!build/sub/\n")
    assert found(cwd, "build") == found(cwd, "build/sub") == []
    assert found(cwd, "apps", "build") == ["apps/svc.yaml"]


def test_git_info_exclude_applies(cwd: Path) -> None:
    tree(cwd, "local.yaml", "pool.yaml")
    (cwd / ".git" / "info").mkdir()
    (cwd / ".git" / "info" / "exclude").write_text("local.yaml\n", encoding="utf-8")
    assert found(cwd) == ["pool.yaml"]


def test_malformed_gitignore_lines_do_not_crash(cwd: Path) -> None:
    tree(cwd, "a.yaml", "[z-a].yaml")
    gitignore(cwd, "[z-a].yaml\n[\n\\\n**/\n")
    assert found(cwd) == ["a.yaml"]


def test_explicit_files_ignore_gitignore(cwd: Path) -> None:
    """pre-commit passes files by name; an ignored file named explicitly is still linted."""
    tree(cwd, "gen.yaml")
    gitignore(cwd, "gen.yaml\n")
    assert found(cwd, "gen.yaml") == ["gen.yaml"]


# -- config excludes ---------------------------------------------------------------------------


def test_config_excludes_use_gitignore_patterns(cwd: Path) -> None:
    tree(cwd, "a.yaml", "vendor/b.yaml", "apps/generated/c.yaml", "apps/d.yaml", "x.yml")
    excludes = ["vendor/", "**/generated", "*.yml"]
    assert found(cwd, excludes=excludes) == ["a.yaml", "apps/d.yaml"]


def test_config_excludes_apply_to_explicit_files(cwd: Path) -> None:
    tree(cwd, "vendor/b.yaml", "a.yaml")
    rules = IgnoreRules().extended(["vendor/"], "")
    result = discover(
        ["vendor/b.yaml", "a.yaml"], excludes=rules, exclude_root=str(cwd), cwd=str(cwd)
    )
    assert [c.display for c in result.candidates] == ["a.yaml"]
    assert result.notes == ["vendor/b.yaml: excluded by configuration"]


def test_config_excludes_are_relative_to_the_config_file(cwd: Path) -> None:
    pool = "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: p\n"
    write(
        cwd,
        {
            "infra/.metallb-lint.yaml": "exclude:\n  - /old/\n",
            "infra/old/pool.yaml": pool + "  name: q\n",
            "infra/new/pool.yaml": pool + "  name: q\n",
        },
    )
    result = run_cli("--format", "json", "--select", "ML003", "--exit-zero", "infra", cwd=cwd)
    assert [(f["rule"], f["path"]) for f in result.json["findings"]] == [
        ("ML003", "infra/new/pool.yaml")
    ]


# -- symbolic links ----------------------------------------------------------------------------

needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symbolic links")


@needs_symlinks
def test_links_are_never_followed_while_walking(cwd: Path, tmp_path_factory) -> None:
    outside = tree(tmp_path_factory.mktemp("outside"), "x.yaml")
    tree(cwd, "real/pool.yaml")
    os.symlink("real", cwd / "alias")  # inside: linted as real/pool.yaml
    os.symlink("real/pool.yaml", cwd / "pool.yaml")
    os.symlink(outside, cwd / "ext")  # outside: not followed
    os.symlink("..", cwd / "real" / "up")  # a loop
    os.symlink("missing.yaml", cwd / "dangling.yaml")
    os.symlink("loop.yaml", cwd / "loop.yaml")
    result = discover(["."], cwd=str(cwd))
    assert [c.display for c in result.candidates] == ["real/pool.yaml"]
    problems = [(loc.path, msg.split(" (")[0]) for loc, msg in result.problems]
    assert problems == [
        ("dangling.yaml", "broken symbolic link"),
        ("loop.yaml", "symbolic link loop"),
    ]
    assert "ext: symbolic link out of the tree, not followed" in result.notes
    assert "alias: symbolic link to real, which is checked under that name" in result.notes


@needs_symlinks
def test_gitignored_links_are_silent(cwd: Path) -> None:
    os.symlink("missing.yaml", cwd / "dangling.yaml")
    gitignore(cwd, "dangling.yaml\n")
    result = discover(["."], cwd=str(cwd))
    assert result.candidates == [] and result.problems == []


@needs_symlinks
def test_explicit_link_out_of_the_repository_is_not_followed(cwd: Path, tmp_path_factory) -> None:
    outside = tree(tmp_path_factory.mktemp("outside"), "x.yaml")
    os.symlink(outside / "x.yaml", cwd / "x.yaml")
    tree(cwd, "in.yaml")
    os.symlink("in.yaml", cwd / "link.yaml")
    result = discover(["x.yaml", "link.yaml"], cwd=str(cwd))
    assert [c.display for c in result.candidates] == ["link.yaml"]
    assert result.notes == ["x.yaml: symbolic link out of the tree, not followed"]


# -- the pattern translator --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("foo", "foo", False, True),
        ("foo", "a/foo", True, True),
        ("/foo", "a/foo", False, False),
        ("foo/", "foo", False, False),
        ("foo/", "foo", True, True),
        ("foo/", "foo/x.yaml", False, True),  # inside an ignored directory
        ("a/*/c", "a/b/c", False, True),
        ("a/*/c", "a/b/d/c", False, False),
        ("a/**/c", "a/c", False, True),
        ("a/**/c", "a/b/d/c", False, True),
        ("**/c", "c", False, True),
        ("a/**", "a", True, False),
        ("a/**", "a/b", False, True),
        ("*.yaml", "deep/er/x.yaml", False, True),
        ("f?o", "fxo", False, True),
        ("f?o", "f/o", False, False),
        ("[ab].yaml", "b.yaml", False, True),
        ("[!ab].yaml", "b.yaml", False, False),
        ("[!ab].yaml", "c.yaml", False, True),
        ("x\\ ", "x ", False, True),
        ("x  ", "x", False, True),
    ],
)
def test_gitignore_pattern_semantics(pattern: str, path: str, is_dir: bool, ignored: bool) -> None:
    assert IgnoreRules().extended([pattern], "").ignored(path, is_dir) is ignored


def test_per_file_glob_regex_still_matches_below_a_folder() -> None:
    """decide.py matches per-file-ignores with `.regex`: a folder glob covers its files."""
    pattern = parse_pattern("legacy")
    assert pattern is not None
    assert pattern.regex.match("legacy/pool.yaml")
    assert pattern.regex.match("apps/legacy/pool.yaml")
    assert not pattern.regex.match("legacy2/pool.yaml")
