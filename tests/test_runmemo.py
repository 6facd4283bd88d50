"""The run memo (metallb_lint/runmemo.py): a run made again over unchanged inputs is replayed
and says byte for byte what the full run said; any change to what the run read (a file, a
chart helper, a file that was absent, the list of files, an option, the configuration) makes
the run in full; a memo that is corrupt, hostile or too recent to trust is never used."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from metallb_lint import engine, runmemo
from metallb_lint.inputlog import InputLog, current_status
from tests.conftest import FIXTURES, run_cli, write
from tests.manifests import POOL, pool, service

# A local chart whose pool's range comes from a helper file: `_helpers.tpl` is no manifest,
# yet the run reads it, so changing it must change the result.
CHART = {
    "net/Chart.yaml": "apiVersion: v2\nname: net\nversion: 0.1.0\n",
    "net/values.yaml": "enabled: true\n",
    "net/templates/_helpers.tpl": '{{- define "net.range" -}}192.168.1.240-192.168.1.244'
    "{{- end }}\n",
    "net/templates/pool.yaml": pool('{{ include "net.range" . }}'),
}


@pytest.fixture()
def memo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_memo: None) -> Path:
    """A cache folder of its own, and a racy window of zero: the files a test writes a moment
    before its run may be trusted (the window itself is tested below)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("METALLB_LINT_CACHE_DIR", str(folder))
    monkeypatch.setattr(runmemo, "RACY_SECONDS", 0)
    return folder


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many runs built an inventory (a replayed run builds none)."""
    count: list[int] = []
    real = engine.build_inventory

    def counting(*args, **kwargs):
        count.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "build_inventory", counting)
    return count


def lint(root: Path, *args: str, fmt: str = "json"):
    return run_cli("--isolated", "--format", fmt, *args, ".", cwd=root)


def rules_of(result) -> list[tuple[str, str, int]]:
    """The error and warning findings of a JSON run (the infos say the release is assumed)."""
    found = json.loads(result.out)["findings"]
    return [(f["rule"], f["path"], f["line"]) for f in found if f["severity"] != "info"]


def memos(folder: Path) -> list[Path]:
    return sorted(folder.rglob("run-*.json"))


def settle() -> None:
    """Let the clock move past the times of files just written (a coarse file system)."""
    time.sleep(0.01)


def test_a_run_again_over_unchanged_files_is_replayed_and_says_the_same(
    tmp_path: Path, memo_dir: Path, builds: list[int]
) -> None:
    root = write(tmp_path / "repo", {"pool.yaml": POOL, "svc.yaml": service("web", "10.0.0.5")})
    settle()
    outputs = {}
    for fmt in ("text", "json", "sarif", "concise", "github", "junit"):
        first = run_cli("--isolated", "--format", fmt, "-v", ".", cwd=root)
        again = run_cli("--isolated", "--format", fmt, "-v", ".", cwd=root)
        uncached = run_cli("--isolated", "--no-cache", "--format", fmt, "-v", ".", cwd=root)
        assert first.out == again.out == uncached.out, fmt
        assert first.code == again.code == uncached.code == 1
        outputs[fmt] = first.out
    # one uncached run per format, and two full runs: the first format that shows fixes (JSON)
    # and the first that does not (text) each filled a memo, which the others replayed
    assert len(builds) == 2 + 6
    assert "10.0.0.5" in outputs["text"] and "svc.yaml" in outputs["text"]
    assert len(memos(memo_dir)) == 2


def test_a_changed_file_is_read_again(tmp_path: Path, memo_dir: Path, builds: list[int]) -> None:
    root = write(tmp_path / "repo", {"pool.yaml": POOL, "svc.yaml": service("web", "10.0.0.5")})
    settle()
    assert ("ML401", "svc.yaml", 8) in rules_of(lint(root))
    write(root, {"svc.yaml": service("web", "192.168.1.241")})
    settle()
    assert rules_of(lint(root)) == []
    assert len(builds) == 2
    assert rules_of(lint(root)) == []
    assert len(builds) == 2  # replayed


def test_a_new_or_removed_file_is_another_listing(
    tmp_path: Path, memo_dir: Path, builds: list[int]
) -> None:
    root = write(tmp_path / "repo", {"svc.yaml": service("web", "10.0.0.5")})
    settle()
    before = rules_of(lint(root))
    write(root, {"pool.yaml": POOL})
    settle()
    after = rules_of(lint(root))
    assert before != after and ("ML401", "svc.yaml", 8) in after
    (root / "pool.yaml").unlink()
    settle()
    assert rules_of(lint(root)) == before
    assert len(builds) == 3


def test_a_chart_helper_the_run_read_is_an_input(
    tmp_path: Path, memo_dir: Path, builds: list[int]
) -> None:
    advertisement = POOL.split("---\n")[1]
    files = {**CHART, "l2.yaml": advertisement, "svc.yaml": service("web", "10.0.0.5")}
    root = write(tmp_path / "repo", files)
    settle()
    assert ("ML401", "svc.yaml", 8) in rules_of(lint(root))
    helper = '{{- define "net.range" -}}10.0.0.0/24{{- end }}\n'
    write(root, {"net/templates/_helpers.tpl": helper})
    settle()
    assert ("ML401", "svc.yaml", 8) not in rules_of(lint(root))
    assert len(builds) == 2


def test_options_and_configuration_are_part_of_the_memo(
    tmp_path: Path, memo_dir: Path, builds: list[int]
) -> None:
    root = write(tmp_path / "repo", {"pool.yaml": POOL, "svc.yaml": service("web", "10.0.0.5")})
    settle()
    assert rules_of(lint(root))
    assert rules_of(lint(root, "--ignore", "ML401")) == []
    config = tmp_path / "extra.yaml"  # outside the tree: the files linted stay the same
    config.write_text("ignore: [ML401]\n", encoding="utf-8")
    settle()
    assert rules_of(run_cli("--config", str(config), "--format", "json", ".", cwd=root)) == []
    assert len(builds) == 3
    assert rules_of(lint(root))  # the first invocation again: replayed
    assert len(builds) == 3


def test_fixes_and_show_files_never_replay(
    tmp_path: Path, memo_dir: Path, builds: list[int]
) -> None:
    web = service("web", "192.168.1.241")
    root = write(tmp_path / "repo", {"pool.yaml": POOL, "svc.yaml": web})
    settle()
    lint(root)
    lint(root)
    assert len(builds) == 1
    assert run_cli("--isolated", "--show-files", ".", cwd=root).code == 0
    assert run_cli("--isolated", "--diff", ".", cwd=root).code in (0, 1)
    assert len(builds) == 3


def test_a_recent_file_keeps_no_memo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_memo: None
) -> None:
    """A file written within RACY_SECONDS of the run could change again without a new status:
    the run is not kept."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("METALLB_LINT_CACHE_DIR", str(folder))
    root = write(tmp_path / "repo", {"pool.yaml": POOL})
    lint(root)
    assert memos(folder) == []


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"listing": 1}',
        None,  # the stored findings' types swapped
    ],
)
def test_a_broken_or_hostile_memo_is_a_miss(
    tmp_path: Path, memo_dir: Path, builds: list[int], damage: bytes | None
) -> None:
    root = write(tmp_path / "repo", {"pool.yaml": POOL, "svc.yaml": service("web", "10.0.0.5")})
    settle()
    expected = lint(root)
    (memo,) = memos(memo_dir)
    if damage is None:
        entry = json.loads(memo.read_bytes())
        entry["findings"][0][2] = "error"
        entry["result"]["target"]["version"] = ["0", 14, 9]
        damage = json.dumps(entry).encode()
    memo.write_bytes(damage)
    again = lint(root)
    assert (again.code, again.out) == (expected.code, expected.out)
    assert len(builds) == 2
    assert lint(root).out == expected.out  # written again whole, and replayed
    assert len(builds) == 2


def test_store_refuses_inputs_that_changed_during_the_run(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    memo = runmemo.RunMemo(str(tmp_path / "memo"), ["test"])
    log = InputLog()
    log.note(str(path), current_status(str(path)))
    later = time.time_ns() + 10 * 1_000_000_000
    path.write_text("a: 22\n", encoding="utf-8")  # changed after it was read
    assert not memo.store("listing", log, later, {"x": 1})
    log = InputLog()
    log.note(str(path), current_status(str(path)))
    log.unknowable = True  # an external engine read the tree
    assert not memo.store("listing", log, later, {"x": 1})
    log.unknowable = False
    assert memo.store("listing", log, later, {"x": 1}, [["a finding"]])
    assert memo.lookup("listing") == {"x": 1, "findings": [["a finding"]]}
    assert memo.lookup("another listing") is None
    os.utime(path, ns=(0, 0))  # any other status, even an older one, is a miss
    assert memo.lookup("listing") is None


def test_the_demo_replayed_keeps_its_exit_code_and_text(memo_dir: Path) -> None:
    demo = FIXTURES / "homelab"
    first = run_cli("--isolated", "-v", str(demo))
    again = run_cli("--isolated", "-v", str(demo))
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert len(memos(memo_dir)) == 1


def test_a_file_the_run_has_no_text_of_keeps_no_memo(
    tmp_path: Path, memo_dir: Path, builds: list[int]
) -> None:
    """A binary manifest (NUL bytes) has no text in the run, so its finding quotes no line;
    read from disk it would decode: a replay would quote lines the run did not."""
    binary = b"apiVersion: v1\nkind: Service\nspec:\n  type: LoadBalancer\x00\n"
    root = write(tmp_path / "repo", {"pool.yaml": POOL, "svc.yaml": binary})
    settle()
    first = lint(root, fmt="text")
    assert "ML002" in first.out
    again = lint(root, fmt="text")
    assert again.out == first.out
    assert len(builds) == 2 and memos(memo_dir) == []
