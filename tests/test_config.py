"""The configuration file (DESIGN.md, "Config file"): where it is found, what every key does,
and how a bad file is reported (exit 2, one line `file:line: message`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import findings, run_cli, write
from tests.manifests import POOL_L2 as POOL
from tests.manifests import service

PINNED = "metallb-version: 0.14.8\n"
# apps/web/svc.yaml:8 has ML401 + ML406; the pool file is clean.
REPO = {
    "metallb/pool.yaml": POOL,
    "apps/web/svc.yaml": service("web", "192.168.1.10"),
}


def lint(root: Path, *args: str, cwd: Path | None = None):
    """A JSON run that reads configuration files (the repository's .git stops the lookup)."""
    return run_cli("--format", "json", "--exit-zero", *args, cwd=cwd or root)


def rules(result) -> list[str]:
    assert result.code == 0, result.err
    return sorted(f["rule"] for f in result.json["findings"])


def config_error(result) -> str:
    assert result.code == 2, (result.out, result.err)
    assert result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    return result.err.strip()


# -- discovery ---------------------------------------------------------------------------------


def test_no_config_file(repo: Path) -> None:
    write(repo, REPO)
    assert rules(lint(repo, ".")) == ["ML005", "ML401", "ML406"]


@pytest.mark.parametrize("name", [".metallb-lint.yaml", ".metallb-lint.yml"])
def test_config_found_walking_up_from_the_linted_path(repo: Path, name: str) -> None:
    write(repo, {**REPO, name: PINNED + "ignore: [ML406]\n"})
    assert rules(lint(repo, "apps/web")) == ["ML401"]  # judged with the repository's pools
    assert rules(lint(repo, "apps/web/svc.yaml", "metallb")) == ["ML401"]
    assert rules(lint(repo, ".", cwd=repo / "apps")) == ["ML401"]
    assert rules(lint(repo, str(repo), cwd=repo.parent)) == ["ML401"]


def test_nearest_config_wins(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            ".metallb-lint.yaml": PINNED + "ignore: [ML406]\n",
            "apps/.metallb-lint.yaml": PINNED + "ignore: [ML401]\n",
        },
    )
    assert rules(lint(repo, "apps/web/svc.yaml", "metallb")) == ["ML406"]
    assert rules(lint(repo, ".")) == ["ML401"]


def test_lookup_stops_at_the_repository_root(tmp_path: Path) -> None:
    outside = tmp_path
    write(outside, {".metallb-lint.yaml": "no-such-key: 1\n"})  # would fail the run if read
    repo = outside / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo, REPO)
    assert rules(lint(repo, ".")) == ["ML005", "ML401", "ML406"]
    # a .git file (a worktree or submodule) is a root too
    sub = outside / "worktree"
    write(sub, {".git": "gitdir: elsewhere\n", **REPO})
    assert rules(lint(sub, ".")) == ["ML005", "ML401", "ML406"]


def test_pyproject_section(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            "pyproject.toml": (
                '[project]\nname = "x"\n\n[tool.metallb-lint]\nmetallb-version = "0.14.8"\n'
                'ignore = ["ML406"]\n\n[tool.ruff]\nignore = ["E501"]\n'
            ),
        },
    )
    result = lint(repo, ".")
    assert rules(result) == ["ML401"]
    assert result.json["target"]["source"] == "pyproject.toml"


def test_pyproject_without_the_section_is_skipped(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            ".metallb-lint.yaml": PINNED + "ignore: [ML406]\n",
            "apps/pyproject.toml": "[tool.ruff]\nline-length = 100\n",
        },
    )
    assert rules(lint(repo, ".", cwd=repo / "apps")) == ["ML401"]
    assert rules(lint(repo, "apps", "metallb")) == ["ML401"]


def test_yaml_wins_over_pyproject_in_one_folder(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            ".metallb-lint.yaml": PINNED + "ignore: [ML406]\n",
            "pyproject.toml": '[tool.metallb-lint]\nignore = ["ML401"]\n',
        },
    )
    assert rules(lint(repo, ".")) == ["ML401"]


def test_config_option(repo: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("cfg") / "team.yaml"
    elsewhere.write_text(PINNED + "select: [ML406]\n", encoding="utf-8")
    write(repo, {**REPO, ".metallb-lint.yaml": "ignore: [ML4]\n"})
    result = lint(repo, "--config", str(elsewhere), ".")
    assert rules(result) == ["ML406"]  # the found file is not read at all
    assert result.json["target"]["source"] == str(elsewhere)


def test_isolated_ignores_every_config_file(repo: Path) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": "not-a-key: [\n"})
    assert rules(lint(repo, "--isolated", ".")) == ["ML005", "ML401", "ML406"]


def test_stdin_uses_the_config_of_the_stdin_filename(repo: Path) -> None:
    write(repo, {"apps/.metallb-lint.yaml": PINNED + "ignore: [ML406]\n"})
    result = run_cli(
        "--format",
        "json",
        "--stdin-filename",
        "apps/svc.yaml",
        "-",
        cwd=repo,
        stdin=service("piped", "10.0.0.1").encode(),
    )
    assert findings(result) == []
    assert result.json["target"]["metallb_version"] == "0.14.8"


# -- every key ---------------------------------------------------------------------------------


def test_metallb_version(repo: Path) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": "metallb-version: v0.14.5\n"})
    result = lint(repo, ".")
    assert result.json["target"]["metallb_version"] == "0.14.5"
    assert result.json["target"]["source"] == ".metallb-lint.yaml"
    assert "ML005" not in rules(result)
    flag = lint(repo, "--metallb-version", "0.15.0", ".")
    assert flag.json["target"]["metallb_version"] == "0.15.0"  # the flag wins
    assert flag.json["target"]["source"] == "--metallb-version"


def test_namespace(repo: Path) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": PINNED + "namespace: networking\n"})
    result = run_cli("--color", "never", "--exit-zero", ".", cwd=repo)
    assert "namespace networking\n" in result.out.splitlines()[0] + "\n"
    assert "  namespace  from .metallb-lint.yaml\n" in result.out


def test_select_and_ignore(repo: Path) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": PINNED + "select: [ML4]\nignore: [ML406]\n"})
    assert rules(lint(repo, ".")) == ["ML401"]
    # the command line overrides the configuration, as in ruff: --select runs ML406 although
    # the configuration ignores it; a command-line --ignore still applies
    assert rules(lint(repo, "--select", "ML406", ".")) == ["ML406"]
    assert rules(lint(repo, "--select", "ML406", "--ignore", "ML406", ".")) == []
    assert rules(lint(repo, "--select", "ML0", ".")) == []  # --select replaces select


def test_severity_override_changes_json_and_exit_code(repo: Path) -> None:
    write(repo, {"svc.yaml": service("web", "192.168.1.10")})  # ML406 (info) only: exit 0
    assert run_cli("--isolated", "--metallb-version", "0.14.8", ".", cwd=repo).code == 0
    write(repo, {".metallb-lint.yaml": PINNED + "severity:\n  deprecated-loadbalancerip: error\n"})
    result = run_cli("--format", "json", ".", cwd=repo)
    assert result.code == 1
    assert [(f["rule"], f["severity"]) for f in result.json["findings"]] == [("ML406", "error")]
    assert result.json["summary"]["error"] == 1 and result.json["summary"]["info"] == 0


def test_severity_override_by_prefix(repo: Path) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": PINNED + "severity: {ML4: warning}\n"})
    result = run_cli("--format", "json", ".", cwd=repo)
    assert {f["severity"] for f in result.json["findings"]} == {"warning"}
    assert result.code == 0


def test_fail_on(repo: Path) -> None:
    write(repo, {"svc.yaml": service("web", "192.168.1.10"), ".metallb-lint.yaml": PINNED})
    assert run_cli(".", cwd=repo).code == 0
    write(repo, {".metallb-lint.yaml": PINNED + "fail-on: info\n"})
    assert run_cli(".", cwd=repo).code == 1
    assert run_cli("--fail-on", "error", ".", cwd=repo).code == 0  # the flag wins


def test_exclude_is_relative_to_the_config_file(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            "apps/legacy/svc.yaml": service("old", "192.168.1.11"),
            "apps/other/legacy/svc.yaml": service("kept", "192.168.1.12"),
            ".metallb-lint.yaml": PINNED + "ignore: [ML406]\nexclude:\n  - /apps/legacy/\n",
        },
    )
    expected = [
        ("ML401", "apps/other/legacy/svc.yaml", 8),
        ("ML401", "apps/web/svc.yaml", 8),
    ]
    assert findings(lint(repo, ".")) == expected
    assert findings(lint(repo, "apps", "metallb")) == expected
    below = lint(repo, ".", "../metallb", cwd=repo / "apps")  # same config, found upwards
    assert findings(below) == [
        ("ML401", "other/legacy/svc.yaml", 8),
        ("ML401", "web/svc.yaml", 8),
    ]


def test_exclude_glob_patterns(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            "apps/a/svc.yaml": service("a", "192.168.1.11"),
            "apps/b/svc.generated.yaml": service("b", "192.168.1.12"),
            ".metallb-lint.yaml": PINNED
            + "ignore: [ML406]\nexclude: ['*.generated.yaml', 'apps/a']\n",
        },
    )
    assert findings(lint(repo, ".")) == [("ML401", "apps/web/svc.yaml", 8)]


def test_per_file_ignores(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            "apps/legacy/svc.yaml": service("old", "192.168.1.11"),
            ".metallb-lint.yaml": PINNED
            + "per-file-ignores:\n  apps/legacy/*.yaml: [ip-not-in-any-pool]\n"
            + "  '*.yaml': [ML406]\n",
        },
    )
    assert findings(lint(repo, ".")) == [("ML401", "apps/web/svc.yaml", 8)]


def test_per_file_ignores_from_a_subdirectory(repo: Path) -> None:
    write(
        repo,
        {
            **REPO,
            "apps/legacy/svc.yaml": service("old", "192.168.1.11"),
            ".metallb-lint.yaml": PINNED
            + "per-file-ignores:\n  apps/legacy/*.yaml: [ML401, ML406]\n",
        },
    )
    result = lint(repo, ".", "../metallb", cwd=repo / "apps")
    assert ("ML401", "legacy/svc.yaml", 8) not in findings(result)


def test_networks_enable_ml208(repo: Path) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": PINNED + "networks: [10.0.0.0/24]\n"})
    assert findings(lint(repo, "--select", "ML208", ".")) == [("ML208", "metallb/pool.yaml", 8)]
    write(repo, {".metallb-lint.yaml": PINNED + "networks:\n  - 192.168.1.0/24\n"})
    assert findings(lint(repo, "--select", "ML208", ".")) == []
    write(repo, {".metallb-lint.yaml": PINNED})
    assert findings(lint(repo, "--select", "ML208", ".")) == []


def test_reserved_enables_ml209(repo: Path) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": PINNED + "reserved: [192.168.1.244]\n"})
    result = lint(repo, "--select", "ML209", ".")
    assert findings(result) == [("ML209", "metallb/pool.yaml", 8)]
    assert result.json["findings"][0]["severity"] == "error"
    write(repo, {".metallb-lint.yaml": PINNED + "reserved: [192.168.1.1-192.168.1.239]\n"})
    assert findings(lint(repo, "--select", "ML209", ".")) == []


def test_values_files_are_relative_to_the_config_file(repo: Path) -> None:
    values = "speaker:\n  frr:\n    enabled: false\n"
    write(repo, {**REPO, "deploy/metallb-values.yaml": values, ".metallb-lint.yaml": PINNED})
    assert lint(repo, ".").json["target"]["mode"] == "frr"  # 0.14.8's default
    write(
        repo,
        {".metallb-lint.yaml": PINNED + "values-files: [deploy/metallb-values.yaml]\n"},
    )
    assert lint(repo, ".").json["target"]["mode"] == "native"
    assert lint(repo, ".", cwd=repo / "deploy").json["target"]["mode"] == "native"


# -- bad configuration: exit 2, `file:line: message` ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PINNED + "selct: [ML4]\n",
            ".metallb-lint.yaml:2: invalid configuration: unknown key 'selct' "
            "(did you mean 'select'?",
        ),
        (
            "# team settings\n\nignore:\n  - ML406\nfail_on: info\n",
            ".metallb-lint.yaml:5: invalid configuration: unknown key 'fail_on' "
            "(did you mean 'fail-on'?",
        ),
        (
            "select:\n  ML401: true\n",
            ".metallb-lint.yaml:2: invalid configuration: select must be a list of rules",
        ),
        (
            "ignore: ML406\n",
            ".metallb-lint.yaml:1: invalid configuration: ignore must be a list of rules, "
            "e.g. [ML406], not the string 'ML406'",
        ),
        (
            "networks:\n  - 10.0.0.0/8\n  - 5\n",
            ".metallb-lint.yaml:3: invalid configuration: networks[1] must be a string, "
            "not the number 5",
        ),
        (
            "metallb-version: 0.14\n",
            ".metallb-lint.yaml:1: invalid configuration: metallb-version must be a MetalLB "
            "release like 0.14.8 or a range like 0.14.x or '>=0.14.0,<0.15', not the number 0.14",
        ),
        (
            "metallb-version: latest\n",
            ".metallb-lint.yaml:1: invalid configuration: metallb-version: the string 'latest' "
            "is not a MetalLB release like 0.14.8 or a range like 0.14.x or '>=0.14.0,<0.15'",
        ),
        (
            "namespace: MetalLB\n",
            ".metallb-lint.yaml:1: invalid configuration: namespace: the string 'MetalLB' is "
            "not a Kubernetes namespace name",
        ),
        (
            "severity:\n  ML406: fatal\n",
            ".metallb-lint.yaml:2: invalid configuration: severity.ML406: the string 'fatal' is "
            "not a severity (error, warning or info)",
        ),
        (
            "fail-on: warn\n",
            ".metallb-lint.yaml:1: invalid configuration: fail-on: the string 'warn' is not a "
            "severity (error, warning or info)",
        ),
        (
            "severity:\n  ML4: error\n  ML999: warning\n",
            ".metallb-lint.yaml:3: invalid configuration: severity: 'ML999' names no rule",
        ),
        (
            "select:\n  - ML4\n  - ip-not-in-any-poll\n",
            ".metallb-lint.yaml:3: invalid configuration: select: 'ip-not-in-any-poll' names "
            "no rule",
        ),
        (
            "per-file-ignores:\n  'legacy/*':\n    - ML4\n    - MLX\n",
            ".metallb-lint.yaml:4: invalid configuration: per-file-ignores: 'MLX' names no rule",
        ),
        (
            "networks:\n  - 192.168.1.0/24\n  - 192.168.1.0/33\n",
            ".metallb-lint.yaml:3: invalid configuration: networks[1]: '192.168.1.0/33' is not "
            "a CIDR",
        ),
        (
            "reserved: [192.168.1.1-192.168.0.1]\n",
            ".metallb-lint.yaml:1: invalid configuration: reserved[0]: '192.168.1.1-192.168.0.1' "
            "is not a CIDR",
        ),
        (
            "exclude: ['']\n",
            ".metallb-lint.yaml:1: invalid configuration: exclude[0] must not be empty",
        ),
        ("- ML401\n", ".metallb-lint.yaml:1: invalid configuration: the file must be a mapping"),
        ("select: [ML4\nignore: []\n", ".metallb-lint.yaml:2: not valid YAML:"),
        ("select: [ML4]\nselect: [ML2]\n", ".metallb-lint.yaml:2: key 'select' appears twice"),
        (b"# r\xe9glages\nselect: [ML4]\n", ".metallb-lint.yaml:1: configuration is not UTF-8"),
    ],
)
def test_bad_config(repo: Path, text: str | bytes, expected: str) -> None:
    write(repo, {**REPO, ".metallb-lint.yaml": text})
    message = config_error(run_cli(".", cwd=repo))
    assert message.startswith(f"metallb-lint: {expected}"), message


def test_bad_config_message_names_the_file_like_findings_do(repo: Path) -> None:
    """Relative to the current directory when under it, else absolute."""
    write(repo, {**REPO, ".metallb-lint.yaml": "bogus: 1\n"})
    assert config_error(run_cli("apps", cwd=repo)).startswith(
        "metallb-lint: .metallb-lint.yaml:1: invalid configuration: unknown key 'bogus'"
    )
    assert config_error(run_cli(".", cwd=repo / "apps")).startswith(
        f"metallb-lint: {repo / '.metallb-lint.yaml'}:1: invalid configuration"
    )
    outside = repo.parent / "elsewhere.yaml"
    outside.write_text("bogus: 1\n", encoding="utf-8")
    assert config_error(run_cli("--config", str(outside), ".", cwd=repo)).startswith(
        f"metallb-lint: {outside}:1: invalid configuration"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[tool.metallb-lint]\nfail-on = "info"\nbogus = 1\n',
            "pyproject.toml:3: invalid configuration: unknown key 'bogus'",
        ),
        (
            '[tool.ruff]\nselect = ["E"]\n\n[tool.metallb-lint]\nselect = "ML4"\n',
            "pyproject.toml:5: invalid configuration: select must be a list of rules",
        ),
        (
            '[tool.metallb-lint]\nfail-on = "info"\n\n[tool.metallb-lint.severity]\n'
            'ML406 = "fatal"\n',
            "pyproject.toml:5: invalid configuration: severity.ML406: the string 'fatal'",
        ),
        (
            '[tool.metallb-lint]\nnetworks = ["10.0.0.0/8", "nope"]\n',
            "pyproject.toml:2: invalid configuration: networks[1]: 'nope' is not a CIDR",
        ),
        ("[tool.metallb-lint]\nfail-on = \n", "pyproject.toml:2: not valid TOML:"),
        (b"[tool.metallb-lint]\n# \xff\n", "pyproject.toml:2: configuration is not UTF-8"),
    ],
)
def test_bad_pyproject(repo: Path, text: str | bytes, expected: str) -> None:
    write(repo, {**REPO, "pyproject.toml": text})
    message = config_error(run_cli(".", cwd=repo))
    assert message.startswith(f"metallb-lint: {expected}"), message


def test_empty_config_files_are_fine(repo: Path) -> None:
    for text in ("", "# nothing yet\n", "---\n"):
        write(repo, {**REPO, ".metallb-lint.yaml": text})
        assert rules(lint(repo, ".")) == ["ML005", "ML401", "ML406"], text
