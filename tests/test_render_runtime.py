"""`--render`: objects judged as the kustomize engine builds them, at the lines the user wrote
(model/rendering.py). The real engine's tests are skipped where none is installed; a fake
engine (a script named `kustomize` on PATH) stands in for a crash, a hang and garbage."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from metallb_lint import runmemo
from metallb_lint.gitops import render
from metallb_lint.gitops.render import find_engine
from tests.conftest import FIXTURES, findings, lint_json, run_cli, write

ENGINE = find_engine()
needs_engine = pytest.mark.skipif(ENGINE is None, reason="no kustomize or kubectl on PATH")
CASES = FIXTURES / "render"
VERSION = ("--metallb-version", "0.15.3")
SIMPLE = {
    "metallb/kustomization.yaml": "resources: [pool.yaml]\n",
    "metallb/pool.yaml": (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
        "metadata: {name: lan, namespace: metallb-system}\n"
        "spec: {addresses: [10.0.0.0/28], avoidBuggyIPs: true}\n---\n"
        "apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n"
        "metadata: {name: lan, namespace: metallb-system}\n"
    ),
}


def _lint(case: Path, mode: str, *args: str):
    return lint_json("--render", mode, *VERSION, *args, ".", cwd=case)


def _messages(result, rule: str) -> list[str]:
    return [f["message"] for f in result.json["findings"] if f["rule"] == rule]


def test_a_replacement_fills_the_pool_the_service_is_judged_against() -> None:
    """The pool's range comes from a ConfigMap through `replacements`: resolved from the
    repository (and built by the engine, where one is installed), the Service's address is
    outside it."""
    case = CASES / "replacements"
    expected = [("ML401", "apps/web/service.yaml", 7)]
    assert findings(_lint(case, "never")) == expected
    if ENGINE is not None:
        assert findings(_lint(case, "always")) == expected


def test_a_replacement_whose_source_is_not_in_the_repository_is_unknown(repo: Path) -> None:
    """The ConfigMap the replacement copies from is created elsewhere (a cluster's secret
    store): the stand-in range is not judged, ML004 says which kustomization writes it."""
    case = CASES / "replacements"
    files = {
        str(p.relative_to(case)): p.read_text(encoding="utf-8")
        for p in case.rglob("*.yaml")
        if p.name not in (".metallb-lint.yaml", "settings.yaml")
    }
    files["cluster/kustomization.yaml"] = files["cluster/kustomization.yaml"].replace(
        "  - settings.yaml\n", ""
    )
    write(repo, files)
    static = lint_json("--render", "never", *VERSION, cwd=repo)
    assert findings(static) == [("ML004", "metallb/pool.yaml", 9)]
    assert "replacement of the kustomization in cluster/" in _messages(static, "ML004")[0]
    assert "--render auto" in _messages(static, "ML004")[0]


@pytest.mark.parametrize("mode", ["never", "always"])
def test_a_value_a_replacement_copies_is_reported_where_it_is_written(mode: str) -> None:
    """An invalid range copied from a ConfigMap: reported at the ConfigMap's value, by the
    static model and by the engine alike."""
    if mode == "always" and ENGINE is None:
        pytest.skip("no kustomize or kubectl on PATH")
    result = _lint(CASES / "replacement-invalid-range", mode)
    # MetalLB rejects the configuration: the Service's address is in no pool either
    assert findings(result) == [
        ("ML401", "apps/web/service.yaml", 7),
        ("ML201", "cluster/settings.yaml", 7),
    ]
    assert "10.20.0.105-10.20.0.100" in _messages(result, "ML201")[0]


@needs_engine
def test_two_overlays_of_one_pool_are_two_deployments_not_a_duplicate() -> None:
    """Each overlay renders the pool with its cluster's range: each is judged (the lab range is
    reversed, at the lab overlay's patch) and neither is a second definition of the other."""
    result = _lint(CASES / "two-overlays", "always")
    assert findings(result) == [("ML201", "metallb/overlays/lab/kustomization.yaml", 6)]
    static = _lint(CASES / "two-overlays", "never")
    assert findings(static) == [("ML004", "metallb/base/pool.yaml", 9)]
    assert (
        "kustomizations in metallb/overlays/home/, metallb/overlays/lab/"
        in (_messages(static, "ML004")[0])
    )


@needs_engine
def test_a_patch_that_replaces_the_annotations_still_matches_its_service(repo: Path) -> None:
    """A JSON 6902 `add /metadata/annotations` drops kustomize's origin annotation: the
    rendered Service is matched by kind and name, and judged where the patch writes."""
    write(
        repo,
        {
            **SIMPLE,
            "base/kustomization.yaml": "resources: [service.yaml]\n",
            "base/service.yaml": (
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
                "  type: LoadBalancer\n  ports: [{port: 80}]\n"
            ),
            "overlay/kustomization.yaml": (
                "namespace: web\nresources: [../base]\npatches:\n"
                "  - target: {kind: Service, name: web}\n    patch: |-\n"
                "      - op: add\n        path: /metadata/annotations\n        value: {}\n"
                "      - op: add\n"
                "        path: /metadata/annotations/metallb.io~1loadBalancerIPs\n"
                "        value: 10.0.1.5\n"
            ),
        },
    )
    expected = [("ML401", "overlay/kustomization.yaml", 11)]
    assert findings(lint_json("--render", "always", *VERSION, "--select", "ML4", cwd=repo)) == (
        expected
    )
    assert findings(lint_json("--render", "never", *VERSION, "--select", "ML4", cwd=repo)) == (
        expected
    )


def test_a_namespace_reaches_a_folder_outside_the_overlay(repo: Path) -> None:
    """kustomize's `namespace:` sets the namespace of everything the kustomization reaches,
    `../metallb` too: the static model agrees with the engine (MetalLB's pools land in `web`)."""
    write(
        repo,
        {
            **SIMPLE,
            "overlay/kustomization.yaml": "namespace: web\nresources: [../metallb]\n",
        },
    )
    result = lint_json("--render", "never", *VERSION, cwd=repo)
    assert findings(result) == [("ML108", "metallb/pool.yaml", 3)]
    assert "namespace 'web'" in _messages(result, "ML108")[0]


# -- a fake engine -------------------------------------------------------------------------------


def _fake_engine(folder: Path, body: str) -> Path:
    """A `kustomize` on a PATH of its own that runs `body` (Python) and logs its arguments."""
    folder.mkdir()
    script = folder / "kustomize"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"open({str(folder / 'calls.log')!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n" + body,
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the linted repository (for the fake engine)."""
    return tmp_path_factory.mktemp("outside")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("sys.stderr.write('Error: boom in the engine\\n')\nsys.exit(1)\n", "boom in the engine"),
        ("import time\ntime.sleep(30)\n", "the build took longer than 1 s"),
        ("sys.stdout.write('a: [\\n')\n", "the engine wrote YAML that does not parse"),
    ],
    ids=["crash", "hang", "garbage"],
)
def test_an_engine_that_fails_is_one_info_and_the_static_model_judges(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch, body: str, why: str
) -> None:
    write(repo, SIMPLE)
    engine = _fake_engine(outside / "engine", body)
    monkeypatch.setenv("PATH", str(engine))
    monkeypatch.setattr(render, "TIME_LIMIT", 1.0)
    result = lint_json("--render", "always", *VERSION, cwd=repo)
    assert result.code == 0, result.err
    assert findings(result) == [("ML004", "metallb/kustomization.yaml", 1)]
    message = _messages(result, "ML004")[0]
    assert message.startswith("kustomize could not build metallb (")
    assert why in message and "judged as written" in message


def test_always_without_an_engine_is_a_usage_error(repo: Path, outside: Path, monkeypatch):
    write(repo, SIMPLE)
    (outside / "empty").mkdir()
    monkeypatch.setenv("PATH", str(outside / "empty"))
    result = lint_json("--render", "always", cwd=repo)
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "metallb-lint: --render always: no kustomize engine on PATH (install kustomize "
        "or kubectl, or use --render auto)"
    ]
    assert lint_json("--render", "auto", *VERSION, cwd=repo).code == 0


def test_never_and_the_configuration_keep_the_engine_off(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, SIMPLE)
    engine = _fake_engine(outside / "engine", "sys.exit(1)\n")
    monkeypatch.setenv("PATH", str(engine))
    monkeypatch.delenv("METALLB_LINT_RENDER")
    assert findings(run_cli("--format", "json", "--render", "never", *VERSION, cwd=repo)) == []
    (repo / ".metallb-lint.yaml").write_text("render: never\n", encoding="utf-8")
    assert findings(run_cli("--format", "json", *VERSION, cwd=repo)) == []
    assert not (engine / "calls.log").exists()
    monkeypatch.setenv("METALLB_LINT_RENDER", "always")  # the environment over the file
    assert [f[0] for f in findings(run_cli("--format", "json", *VERSION, cwd=repo))] == ["ML004"]


def test_a_bad_environment_value_is_a_usage_error(repo: Path, monkeypatch) -> None:
    write(repo, SIMPLE)
    monkeypatch.setenv("METALLB_LINT_RENDER", "sometimes")
    result = run_cli("--format", "json", cwd=repo)
    assert result.code == 2
    assert "METALLB_LINT_RENDER=sometimes: expected one of auto, always, never" in result.err


def test_only_roots_that_reach_the_named_files_are_built(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-commit loop names files: a root that reaches none of them is not built."""
    write(
        repo,
        {
            **SIMPLE,
            "other/kustomization.yaml": "resources: [pool.yaml]\n",
            "other/pool.yaml": SIMPLE["metallb/pool.yaml"].replace("lan", "other"),
        },
    )
    engine = _fake_engine(outside / "engine", "")  # builds nothing, successfully
    monkeypatch.setenv("PATH", str(engine))
    run_cli("--render", "always", *VERSION, "metallb/pool.yaml", cwd=repo)
    calls = (engine / "calls.log").read_text(encoding="utf-8").splitlines()
    assert len(calls) == 1
    (engine / "calls.log").unlink()
    run_cli("--render", "always", *VERSION, ".", cwd=repo)
    assert len((engine / "calls.log").read_text(encoding="utf-8").splitlines()) == 2


def test_the_engine_never_writes_to_the_tree(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Builds run on a copy: an engine that writes into its working tree leaves the user's
    files as they were (remote resources are stripped in the copy only)."""
    write(repo, {**SIMPLE, "metallb/kustomization.yaml": "resources: [pool.yaml, https://x/y]\n"})
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    engine = _fake_engine(
        outside / "engine",
        "import pathlib\nfor a in sys.argv[1:]:\n"
        "    p = pathlib.Path(a)\n"
        "    if p.is_dir(): (p / 'written-by-engine').write_text('x')\n",
    )
    monkeypatch.setenv("PATH", str(engine))
    run_cli("--render", "always", *VERSION, ".", cwd=repo)
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_show_settings_says_how_objects_were_built(repo: Path, outside: Path, monkeypatch):
    write(repo, SIMPLE)
    engine = _fake_engine(outside / "engine", "")
    monkeypatch.setenv("PATH", str(engine))
    result = run_cli("--render", "always", "--show-settings", cwd=repo)
    line = next(x for x in result.out.splitlines() if x.startswith("render "))
    assert line.split(None, 1)[1] == (
        f"always: {os.path.join(str(engine), 'kustomize')} build; 1 built, 0 failed  [--render]"
    )
    result = run_cli("--show-settings", cwd=repo)
    line = next(x for x in result.out.splitlines() if x.startswith("render "))
    assert line.split(None, 1)[1] == ("never (the static model alone)  [METALLB_LINT_RENDER]")


def test_what_kustomize_leaves_out_is_not_judged() -> None:
    """A `$patch: delete` removes the overlapping lab pool and a local-config pool never leaves
    kustomize: the static model judges neither (ML203 and ML201 before), like the engine."""
    case = CASES / "patch-delete"
    assert findings(_lint(case, "never")) == []
    if ENGINE is not None:
        assert findings(_lint(case, "always")) == []


def test_a_local_config_object_no_kustomization_builds_is_judged(repo: Path) -> None:
    """Applied with `kubectl apply -f`, the annotation means nothing: the pool is judged."""
    pool = (CASES / "patch-delete" / "base" / "example-pool.yaml").read_text(encoding="utf-8")
    write(repo, {"metallb/pool.yaml": pool})
    result = lint_json("--render", "never", *VERSION, "--select", "ML201", cwd=repo)
    assert findings(result) == [("ML201", "metallb/pool.yaml", 11)]


def test_a_pool_deleted_by_one_overlay_only_is_still_judged(repo: Path) -> None:
    """Another root builds the base without the deleting overlay: the pool stays. Without the
    engine its addresses are uncertain (one overlay removes them); built, they are what the
    other root deploys, and overlap the lan pool."""
    case = CASES / "patch-delete"
    files = {
        str(p.relative_to(case)): p.read_text(encoding="utf-8")
        for p in case.rglob("*.yaml")
        if p.name != ".metallb-lint.yaml"
    }
    files["other/kustomization.yaml"] = "resources: [../base]\n"
    write(repo, files)
    result = lint_json("--render", "never", *VERSION, "--select", "ML203,ML004", cwd=repo)
    assert findings(result) == [("ML004", "base/pools.yaml", 17)]
    if ENGINE is not None:
        result = lint_json("--render", "always", *VERSION, "--select", "ML203,ML004", cwd=repo)
        assert findings(result) == [("ML203", "base/pools.yaml", 17)]


def test_auto_builds_only_roots_the_static_model_does_not_follow(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A root of plain resources (most of a large repository) is the static model's: `auto`
    leaves it alone, `always` builds it; a root with a replacement is built by both."""
    write(repo, SIMPLE)
    engine = _fake_engine(outside / "engine", "")
    log = engine / "calls.log"
    monkeypatch.setenv("PATH", str(engine))
    run_cli("--render", "auto", *VERSION, ".", cwd=repo)
    assert not log.exists()
    run_cli("--render", "always", *VERSION, ".", cwd=repo)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1
    log.unlink()
    write(
        repo,
        {
            "metallb/kustomization.yaml": (
                "resources: [pool.yaml]\nreplacements:\n  - source: {kind: IPAddressPool, "
                "name: lan}\n    targets:\n      - select: {kind: L2Advertisement}\n"
                "        fieldPaths: [spec.ipAddressPools.0]\n"
            )
        },
    )
    run_cli("--render", "auto", *VERSION, ".", cwd=repo)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1


@pytest.mark.parametrize("command", ["ips", "migrate"])
def test_ips_and_migrate_read_the_repository_as_check_does(
    command: str, repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ips` and `migrate` take `--render` too: without an engine, `always` is a usage error."""
    write(repo, SIMPLE)
    (outside / "empty").mkdir()
    monkeypatch.setenv("PATH", str(outside / "empty"))
    result = run_cli(command, "--render", "always", ".", cwd=repo)
    assert result.code == 2
    assert "--render always: no kustomize engine on PATH" in result.err
    assert run_cli(command, "--render", "never", ".", cwd=repo).code in (0, 1)


BROKEN = {
    "a missing file": {"metallb/kustomization.yaml": "resources: [pool.yaml, gone.yaml]\n"},
    "a cycle": {
        "metallb/kustomization.yaml": "resources: [pool.yaml, ../other]\n",
        "other/kustomization.yaml": "resources: [../metallb]\n",
    },
    "invalid YAML": {"metallb/kustomization.yaml": "resources: [pool.yaml\n"},
}


@needs_engine
@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_a_broken_kustomization_is_a_finding_never_a_traceback(repo: Path, broken: str) -> None:
    """What the real engine refuses to build is one ML004 (or the static model's own finding
    for invalid YAML), the run ends normally, and a replacement makes the root worth building."""
    replacement = (
        "replacements:\n  - source: {kind: IPAddressPool, name: lan}\n    targets:\n"
        "      - select: {kind: L2Advertisement}\n        fieldPaths: [spec.ipAddressPools.0]\n"
    )
    files = {**SIMPLE, **BROKEN[broken]}
    files["metallb/kustomization.yaml"] += replacement if broken != "invalid YAML" else ""
    write(repo, files)
    result = lint_json("--render", "always", *VERSION, cwd=repo)
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.err
    rules = {f["rule"] for f in result.json["findings"]}
    assert rules & {"ML004", "ML001"}, result.json["findings"]


@needs_engine
def test_a_remote_base_is_left_out_and_said(repo: Path) -> None:
    write(
        repo,
        {
            **SIMPLE,
            "metallb/kustomization.yaml": (
                "resources:\n  - pool.yaml\n"
                "  - https://github.com/metallb/metallb/config/native?ref=v0.14.9\n"
                "replacements:\n  - source: {kind: IPAddressPool, name: lan}\n    targets:\n"
                "      - select: {kind: L2Advertisement}\n"
                "        fieldPaths: [spec.ipAddressPools.0]\n"
                "        options: {create: true}\n"
            ),
        },
    )
    result = run_cli("--render", "always", *VERSION, "-v", ".", cwd=repo)
    assert "left out of the builds (remote or Helm, offline): metallb: " in result.out
    assert "kustomize built 1 root kustomization(s) offline (0 failed)" in result.out


def test_a_run_replayed_from_its_memo_builds_nothing_until_a_file_of_the_tree_changes(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch, run_memo: None
) -> None:
    """The engine reads a copy of the whole tree: every file copied (a generator's `.env`
    too, which is no manifest) is an input of the run memo (runmemo.py)."""
    monkeypatch.setattr(runmemo, "RACY_SECONDS", 0)  # the files were written a moment ago
    write(repo, {**SIMPLE, "metallb/settings.env": "A=1\n"})
    engine = _fake_engine(outside / "engine", "")
    monkeypatch.setenv("PATH", str(engine))
    log = engine / "calls.log"
    first = run_cli("--render", "always", *VERSION, ".", cwd=repo)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1
    again = run_cli("--render", "always", *VERSION, ".", cwd=repo)
    assert (again.code, again.out) == (first.code, first.out)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1  # replayed: no build
    (repo / "metallb" / "settings.env").write_text("A=22\n", encoding="utf-8")
    run_cli("--render", "always", *VERSION, ".", cwd=repo)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 2


def test_a_build_that_runs_out_of_time_keeps_no_memo(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch, run_memo: None
) -> None:
    monkeypatch.setattr(runmemo, "RACY_SECONDS", 0)
    monkeypatch.setattr(render, "TIME_LIMIT", 0.5)
    write(repo, SIMPLE)
    engine = _fake_engine(outside / "engine", "import time\ntime.sleep(5)\n")
    monkeypatch.setenv("PATH", str(engine))
    log = engine / "calls.log"
    for count in (1, 2):
        result = lint_json("--render", "always", *VERSION, ".", cwd=repo)
        assert "the build took longer than" in " ".join(_messages(result, "ML004"))
        assert len(log.read_text(encoding="utf-8").splitlines()) == count
