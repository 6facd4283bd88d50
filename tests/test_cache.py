"""The persistent per-file cache (metallb_lint/load/cache.py): where it lives, that a warm run
says byte for byte what a cold or uncached one does, and that no cache folder or entry, however
broken or hostile, changes a run's output or exit code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from metallb_lint.load import cache as cache_module
from metallb_lint.load import parallel
from metallb_lint.load.cache import FileCache, default_dir, prune
from metallb_lint.load.cachecodec import BadEntry, check_depth
from tests.conftest import FIXTURES, ROOT, run_cli, write

HOMELAB = FIXTURES / "homelab"

POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: default
  namespace: metallb-system
spec:
  addresses:
    - 192.168.1.240-192.168.1.244
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: apps
spec:
  type: LoadBalancer
  loadBalancerIP: {ip}
  ports: [{{port: 80}}]
"""
# PyYAML reads this one (flow mapping, anchors), not the block reader: positions are stored.
FLOW = """\
apiVersion: v1
kind: Service
metadata:
  {name: flow, namespace: apps, annotations: &a {metallb.universe.tf/loadBalancerIPs: 10.9.9.9}}
spec: {type: LoadBalancer, ports: [{port: 80}]}
x-copy: *a
"""


def packs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.jsonl") if not p.name.startswith(".tmp-"))


def entries(folder: Path) -> dict[bytes, bytes]:
    """Every entry of the packs under `folder`: key -> JSON."""
    found = {}
    for pack in packs(folder):
        header, *lines = pack.read_bytes().split(b"\n")
        assert header == b"metallb-lint cache pack 1"
        for line in filter(None, lines):
            key, _, payload = line.partition(b" ")
            found[key] = payload
    return found


def rewrite(folder: Path, change) -> None:
    """Replace every entry's JSON with what `change` makes of it."""
    for pack in packs(folder):
        header, *lines = pack.read_bytes().split(b"\n")
        out = [header]
        for line in filter(None, lines):
            key, _, payload = line.partition(b" ")
            out.append(key + b" " + change(payload))
        pack.write_bytes(b"\n".join(out) + b"\n")


def lint(*args: str, cwd: Path) -> tuple[int, str, str]:
    result = run_cli("--isolated", *args, cwd=cwd)
    return result.code, result.out, result.err


def tree(root: Path, ip: str = "192.168.1.241") -> Path:
    (root / ".git").mkdir(parents=True, exist_ok=True)
    return write(
        root,
        {
            "pools.yaml": POOL,
            "apps/web.yaml": SERVICE.format(ip=ip),
            "apps/flow.yaml": FLOW,
            "apps/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
            "apps/broken.yaml": "apiVersion: v1\nkind: Service\nspec: {type: LoadBalancer\n",
            "apps/dup.yaml": SERVICE.format(ip="192.168.1.242") + "spec: {}\n",
        },
    )


FORMATS = (("-f", "text"), ("-f", "json"), ("-f", "sarif"), ("-f", "concise"))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f[1])
def test_cold_warm_and_uncached_runs_are_byte_identical(tmp_path: Path, fmt) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    uncached = lint(*fmt, "--no-cache", ".", cwd=root)
    cold = lint(*fmt, "--cache-dir", str(folder), ".", cwd=root)
    assert entries(folder)  # the cold run wrote entries
    warm = lint(*fmt, "--cache-dir", str(folder), ".", cwd=root)
    assert uncached == cold == warm
    assert uncached[0] == 1  # ML401 and friends: the tree has errors


def test_homelab_demo_with_named_file_warm_equals_uncached(tmp_path: Path) -> None:
    root = tmp_path / "homelab"
    shutil.copytree(HOMELAB, root)
    (root / ".git").mkdir()
    named = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml"))[0]
    folder = str(tmp_path / "cache")
    for args in ((".",), (named,)):
        expected = lint("-f", "json", "--no-cache", *args, cwd=root)
        assert lint("-f", "json", "--cache-dir", folder, *args, cwd=root) == expected
        assert lint("-f", "json", "--cache-dir", folder, *args, cwd=root) == expected


def test_an_edited_file_is_read_again_never_stale(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    folder = str(tmp_path / "cache")
    before = lint("-f", "json", "--cache-dir", folder, ".", cwd=root)
    assert ("ML401", "apps/web.yaml") not in found(before)
    # Same size, same second: only the bytes differ (an mtime-keyed cache would miss this).
    web = root / "apps/web.yaml"
    stat = web.stat()
    web.write_text(SERVICE.format(ip="192.168.1.251"), encoding="utf-8")
    os.utime(web, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = lint("-f", "json", "--cache-dir", folder, ".", cwd=root)
    assert after == lint("-f", "json", "--no-cache", ".", cwd=root)
    assert ("ML401", "apps/web.yaml") in found(after)


def found(run: tuple[int, str, str]) -> list[tuple[str, str]]:
    return [(f["rule"], f["path"]) for f in json.loads(run[1])["findings"]]


def test_hits_and_misses(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    folder = str(tmp_path / "cache")
    raw = (root / "apps/web.yaml").read_bytes()
    first = FileCache(folder)
    source = first.load("apps/web.yaml", raw, "manifest", None)
    first.flush()
    assert (first.hits, first.misses, first.written) == (0, 1, 1)
    second = FileCache(folder)
    again = second.load("apps/web.yaml", raw, "manifest", None)
    assert (second.hits, second.misses, second.written) == (1, 0, 0)
    assert again is not None and source is not None
    assert [d.data for d in again.documents] == [d.data for d in source.documents]
    where = ("spec", "loadBalancerIP")
    assert again.documents[0].location(where) == source.documents[0].location(where)
    # Every input of loading is in the key: another path, role or `force` is another entry.
    third = FileCache(folder)
    third.load("apps/other.yaml", raw, "manifest", None)
    third.load("apps/web.yaml", raw, "manifest", None, force=True)
    third.load("apps/web.yaml", raw + b"\n", "manifest", None)
    assert (third.hits, third.misses) == (0, 3)


def test_what_the_byte_search_passes_over_is_not_kept(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    raw = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
    first = FileCache(str(folder))
    assert first.load("d.yaml", raw, "manifest", None) is None
    assert (first.hits, first.misses, first.written) == (0, 0, 0)
    assert not folder.exists()


def test_a_file_of_crds_alone_is_remembered_as_unrelated(tmp_path: Path) -> None:
    folder = str(tmp_path / "cache")
    raw = b"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
    raw += b"metadata: {name: x}\nspec: {description: a LoadBalancer}\n"
    cold = FileCache(folder)
    assert cold.load("crd.yaml", raw, "manifest", None) is None
    cold.flush()
    warm = FileCache(folder)
    assert warm.load("crd.yaml", raw, "manifest", None) is None
    assert (warm.hits, warm.misses) == (1, 0)


def test_positions_of_documents_pyyaml_read_survive_the_cache(tmp_path: Path) -> None:
    folder = str(tmp_path / "cache")
    raw = FLOW.encode()
    first = FileCache(folder)
    cold = first.load("f.yaml", raw, "manifest", None)
    first.flush()
    warm = FileCache(folder).load("f.yaml", raw, "manifest", None)
    assert cold is not None and warm is not None
    path = ("metadata", "annotations", "metallb.universe.tf/loadBalancerIPs")
    assert warm.documents[0].location(path) == cold.documents[0].location(path)
    assert warm.documents[0].location(("x-copy",), key=True).line == 6


HOSTILE = [
    b"",
    b"{",
    b"\x00\x01binary",
    b"[]",
    b'{"key": "wrong"}',
    b'{"relevant": true, "text": true, "documents": "no"}',
    b'{"relevant": "yes"}',
    b'{"relevant": true, "text": true, "documents": [[0, 1, 0, 999999, {}, null]], '
    b'"pending": [], "skipped": [], "problems": [], "kinds": []}',
    b'{"relevant": true, "text": true, "documents": [[0, 1, 0, 5, '
    + b"[" * 400
    + b"]" * 400
    # a document nested deeper than the loader allows
    + b', null]], "pending": [], "skipped": [], "problems": [], "kinds": []}',
    b'{"relevant": true, "text": true, "documents": [], "pending": [], "skipped": [], '
    b'"problems": [["ML999", "x", [1, 1, 1, 1], [], null]], "kinds": []}',
    b'{"relevant": true, "text": true, "documents": [], "pending": [], "skipped": [], '
    b'"problems": [["ML001", "x", [true, 1, 1, 1], [], null]], "kinds": []}',
    b"1" * 5000,  # an integer too long to read
]


@pytest.mark.parametrize("content", HOSTILE, ids=range(len(HOSTILE)))
def test_a_corrupt_or_hostile_entry_is_ignored_and_rewritten(tmp_path: Path, content) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    expected = lint("-f", "json", "--no-cache", ".", cwd=root)
    lint("-f", "json", "--cache-dir", str(folder), ".", cwd=root)
    written = entries(folder)
    rewrite(folder, lambda payload: content)
    assert set(entries(folder).values()) == {content}
    assert lint("-f", "json", "--cache-dir", str(folder), ".", cwd=root) == expected
    assert entries(folder) == written  # rewritten
    assert lint("-f", "json", "--cache-dir", str(folder), ".", cwd=root) == expected


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],  # truncated mid-line
        lambda data: b"not a pack\n" + data,
        lambda data: b"\xff\xfe" * 1000,
        lambda data: data.replace(b" {", b"{", 2),  # lines without their key
    ],
    ids=["empty", "truncated", "other-header", "binary", "bad-lines"],
)
def test_a_corrupt_pack_is_ignored_and_rewritten(tmp_path: Path, spoil) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    expected = lint("-f", "json", "--no-cache", ".", cwd=root)
    lint("-f", "json", "--cache-dir", str(folder), ".", cwd=root)
    written = entries(folder)
    (pack,) = packs(folder)
    pack.write_bytes(spoil(pack.read_bytes()))
    assert lint("-f", "json", "--cache-dir", str(folder), ".", cwd=root) == expected
    assert entries(folder) == written


def test_a_pack_in_the_way_that_is_not_a_file(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    expected = lint("-f", "concise", "--no-cache", ".", cwd=root)
    lint("-f", "json", "--cache-dir", str(folder), ".", cwd=root)
    (pack,) = packs(folder)
    pack.unlink()
    os.mkfifo(pack) if hasattr(os, "mkfifo") else pack.mkdir()
    code, out, _ = lint("-f", "concise", "--cache-dir", str(folder), ".", cwd=root)
    assert (code, out) == expected[:2]  # never blocks on a FIFO


def test_an_entry_that_lies_about_block_positions_costs_positions_not_a_traceback(
    tmp_path: Path,
) -> None:
    """A hand-made entry that says a document PyYAML reads is the block reader's: its
    positions cannot be worked out, so findings point at line 1 of the document, no crash."""
    folder = tmp_path / "cache"
    raw = FLOW.encode()
    first = FileCache(str(folder))
    first.load("f.yaml", raw, "manifest", None)
    first.flush()

    def lie(payload: bytes) -> bytes:
        data = json.loads(payload)
        data["documents"][0][5] = None
        return json.dumps(data).encode()

    rewrite(folder, lie)
    source = FileCache(str(folder)).load("f.yaml", raw, "manifest", None)
    assert source is not None
    assert source.documents[0].location(("spec", "type")).line == 1


def test_check_depth() -> None:
    check_depth(json.dumps({"a": [1, {"b": "[[[[{{"}], "c": '\\"]'}).encode())
    check_depth(b"[" * 50 + b"]" * 50, limit=50)
    with pytest.raises(BadEntry):
        check_depth(b"[" * 51 + b"]" * 51, limit=50)


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    lint("--no-cache", "--cache-dir", str(folder), ".", cwd=root)
    assert not folder.exists()


def test_the_cache_folder_is_tagged(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    lint("--cache-dir", str(folder), ".", cwd=root)
    assert (
        (folder / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert (folder / ".gitignore").read_text() == "# created by metallb-lint\n*\n"
    assert {p.parent.name for p in packs(folder)} == {f"v{cache_module.FORMAT}"}


def show_cache(*args: str, cwd: Path) -> str:
    out = run_cli(*args, "--show-settings", ".", cwd=cwd).out
    (line,) = [line for line in out.splitlines() if line.startswith("cache-dir")]
    return " ".join(line.split()[1:])


def test_precedence_option_env_config_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path / "repo")
    (root / ".metallb-lint.yaml").write_text("cache-dir: .lintcache\n", encoding="utf-8")
    monkeypatch.setenv("METALLB_LINT_CACHE_DIR", str(tmp_path / "env"))
    option = str(tmp_path / "opt")
    assert show_cache("--cache-dir", option, cwd=root) == f"{option} [--cache-dir]"
    assert show_cache("--no-cache", "--cache-dir", option, cwd=root) == "off [--no-cache]"
    assert show_cache(cwd=root) == f"{tmp_path / 'env'} [METALLB_LINT_CACHE_DIR]"
    monkeypatch.delenv("METALLB_LINT_CACHE_DIR")
    expected = f"{root / '.lintcache'} [.metallb-lint.yaml:1]"
    assert show_cache(cwd=root) == expected
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert show_cache("--isolated", cwd=root) == (
        f"{tmp_path / 'xdg' / 'metallb-lint'} [default (the user cache directory)]"
    )


def test_default_dir_per_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert default_dir() == str(tmp_path / ".cache" / "metallb-lint")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert default_dir() == str(tmp_path / ".cache" / "metallb-lint")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_dir() == str(tmp_path / "xdg" / "metallb-lint")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_dir() == str(tmp_path / "Library" / "Caches" / "metallb-lint")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert default_dir() == os.path.join(str(tmp_path / "local"), "metallb-lint", "Cache")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX non-root")
def test_a_read_only_cache_folder_runs_uncached_with_one_note(tmp_path: Path) -> None:
    _unwritable(tmp_path, lambda folder: folder.mkdir() or folder.chmod(0o500))


def test_an_unwritable_cache_folder_runs_uncached_with_one_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a read-only folder does, also where the tests run as root (who may write it)."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    _unwritable(tmp_path, lambda folder: folder.mkdir(), reason="Permission denied")


def test_a_file_in_the_way_runs_uncached_with_one_note(tmp_path: Path) -> None:
    _unwritable(tmp_path, lambda folder: folder.write_text("not a folder"))


def _unwritable(tmp_path: Path, spoil, reason: str | None = None) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    spoil(folder)
    expected_json = lint("-f", "json", "--no-cache", ".", cwd=root)
    expected_text = lint("-f", "concise", "--no-cache", ".", cwd=root)
    code, out, err = lint("-f", "json", "--cache-dir", str(folder), ".", cwd=root)
    assert (code, out, err) == expected_json  # machine formats: no note at all
    code, out, err = lint("-f", "concise", "--cache-dir", str(folder), ".", cwd=root)
    assert (code, out) == expected_text[:2]
    assert err == (
        f"metallb-lint: note: cache directory {folder} cannot be written "
        f"({reason or _reason(folder)}); running uncached\n"
    )


def _reason(folder: Path) -> str:
    return "Permission denied" if folder.is_dir() else "Not a directory"


def test_concurrent_runs_share_the_cache(tmp_path: Path) -> None:
    """Two processes writing the same entries at once: both outputs whole and identical to
    an uncached run's, no temporary file left, every entry readable."""
    root = tree(tmp_path / "repo")
    for i in range(40):  # enough files for the two runs to overlap
        write(root, {f"apps/more/s{i}.yaml": SERVICE.format(ip=f"192.168.1.{200 + i}")})
    expected = lint("-f", "json", "--no-cache", ".", cwd=root)
    folder = str(tmp_path / "cache")
    command = [sys.executable, "-m", "metallb_lint", "--isolated", "-f", "json", ".", "--cache-dir"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(2):  # cold, then warm
        runs = [
            subprocess.Popen(
                [*command, folder],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in runs]
        for process, (out, err) in zip(runs, outputs, strict=True):
            assert (process.returncode, out.decode(), err.decode()) == expected
    assert not list(Path(folder).rglob(".tmp-*"))
    assert len(entries(Path(folder))) == 45  # every file the byte search passes, one pack
    for payload in entries(Path(folder)).values():
        json.loads(payload)


def test_prune_deletes_the_oldest_packs_past_the_limit(tmp_path: Path) -> None:
    folder = tmp_path / "v1"
    folder.mkdir()
    for i in range(10):
        path = folder / f"ab{i:02d}.jsonl"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    stale = folder / ".tmp-old.jsonl"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    removed = prune(str(folder), 800, keep={"ab00.jsonl"}, now=10_000)
    left = sorted(p.stem for p in folder.glob("*.jsonl") if not p.name.startswith(".tmp-"))
    # over 800 bytes: down to 600, the oldest first, except the kept one
    assert left == ["ab00", "ab05", "ab06", "ab07", "ab08", "ab09"]
    assert removed == 5 and not stale.exists()
    assert prune(str(folder), 800, now=10_000) == 0


def test_prune_runs_at_most_once_a_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    monkeypatch.setattr(cache_module, "MAX_BYTES", 1)
    lint("--cache-dir", str(folder), ".", cwd=root)  # a new folder: stamped, not pruned
    assert (folder / "last-prune").exists()
    (pack,) = packs(folder)
    other = pack.with_name("0" * 32 + ".jsonl")  # the pack of runs from another folder
    other.write_bytes(b"metallb-lint cache pack 1\n")
    (root / "apps/new.yaml").write_text(SERVICE.format(ip="192.168.1.243"), encoding="utf-8")
    lint("--cache-dir", str(folder), ".", cwd=root)
    assert packs(folder) == sorted([pack, other])  # pruned a moment ago: not again today
    os.utime(folder / "last-prune", (0, 0))
    (root / "apps/new.yaml").write_text(SERVICE.format(ip="192.168.1.244"), encoding="utf-8")
    lint("--cache-dir", str(folder), ".", cwd=root)
    assert packs(folder) == [pack]  # over the limit: every pack but this run's goes


def test_a_pack_keeps_older_entries_until_it_grows_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit adds an entry and keeps the old one (a pre-commit loop going back and forth,
    a run with --no-context, hit both); past MAX_PACK_BYTES only the last run's stay."""
    root = tree(tmp_path / "repo")
    folder = tmp_path / "cache"
    lint("--cache-dir", str(folder), ".", cwd=root)
    first = set(entries(folder))
    (root / "apps/web.yaml").write_text(SERVICE.format(ip="192.168.1.243"), encoding="utf-8")
    lint("--cache-dir", str(folder), ".", cwd=root)
    second = set(entries(folder))
    assert first < second and len(second) == len(first) + 1
    monkeypatch.setattr(cache_module, "MAX_PACK_BYTES", 1)
    (root / "apps/web.yaml").write_text(SERVICE.format(ip="192.168.1.244"), encoding="utf-8")
    lint("--cache-dir", str(folder), ".", cwd=root)
    assert len(entries(folder)) == len(first)


# -- the status index -------------------------------------------------------------------------


def index_of(folder: Path) -> Path:
    (index,) = folder.rglob("*.index.json")
    return index


def test_the_status_index_skips_what_an_earlier_run_worked_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose status an earlier run saw is not read again when it was passed over, and
    not searched or hashed when it was cached; any change of status reads it as usual."""
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)  # the tree was written a moment ago
    root = tree(tmp_path / "repo")
    folder = str(tmp_path / "cache")
    expected = lint("-f", "json", "--no-cache", ".", cwd=root)
    assert lint("-f", "json", "--cache-dir", folder, ".", cwd=root) == expected
    rows = json.loads(index_of(tmp_path / "cache").read_bytes())["files"]
    assert rows["apps/deploy.yaml"][4] == ""  # passed over
    assert len(rows["apps/web.yaml"][4]) == 40  # its entry's key
    reads: list[str] = []
    real = parallel.read_candidate
    monkeypatch.setattr(
        parallel, "read_candidate", lambda c, stdin=None: reads.append(c.display) or real(c, stdin)
    )
    searched: list[bytes] = []
    real_search = cache_module.passed_over
    monkeypatch.setattr(
        cache_module,
        "passed_over",
        lambda raw, *a, **k: searched.append(raw) or real_search(raw, *a, **k),
    )
    assert lint("-f", "json", "--cache-dir", folder, ".", cwd=root) == expected
    assert "apps/deploy.yaml" not in reads and "apps/web.yaml" in reads
    assert searched == []
    (root / "apps/deploy.yaml").write_text(SERVICE.format(ip="10.0.0.9"), encoding="utf-8")
    after = lint("-f", "json", "--cache-dir", folder, ".", cwd=root)
    assert after == lint("-f", "json", "--no-cache", ".", cwd=root)
    assert ("ML401", "apps/deploy.yaml") in found(after)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: b"{not json",
        lambda data: b'{"format": 1, "files": []}',
        lambda data: data.replace(b'""', b'"held"'),  # passed over files said to hold variables
        lambda data: re.sub(rb'"[0-9a-f]{40}"', b'"' + b"0" * 40 + b'"', data),  # no such entry
        lambda data: re.sub(rb"\[\[\d+", b"[[-1", data),  # statuses no file has
    ],
)
def test_a_corrupt_or_hostile_index_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil
) -> None:
    monkeypatch.setattr(cache_module, "RACY_SECONDS", 0)
    root = tree(tmp_path / "repo")
    folder = str(tmp_path / "cache")
    expected = lint("-f", "json", "--no-cache", ".", cwd=root)
    lint("-f", "json", "--cache-dir", folder, ".", cwd=root)
    index = index_of(tmp_path / "cache")
    index.write_bytes(spoil(index.read_bytes()))
    assert lint("-f", "json", "--cache-dir", folder, ".", cwd=root) == expected
    assert lint("-f", "json", "--cache-dir", folder, ".", cwd=root) == expected


def test_new_entries_wait_in_a_temporary_file_and_keep_the_pack_order(tmp_path: Path) -> None:
    """A run's new lines wait in an unnamed temporary file (not in memory) until the pack is
    written: the lines there, a new one in place of an old one of its key, then the others;
    nothing is left behind in the folder."""
    folder = tmp_path / "cache"
    keys = [bytes([c]) * 40 for c in b"abc"]
    first = FileCache(str(folder), scope=str(tmp_path))
    first._used.update(keys)
    first._add(keys[0], {"n": 1})
    first._add(keys[1], {"n": 2})
    first.flush()
    second = FileCache(str(folder), scope=str(tmp_path))
    second._used.update(keys)
    second._add(keys[2], {"n": 3})
    second._add(keys[1], {"n": 4})
    second._add(keys[1], {"n": 5})  # (the last one added of a key is written)
    second.flush()
    lines = Path(second.pack).read_bytes().split(b"\n")
    assert lines[1:] == [
        keys[0] + b' {"n":1}',
        keys[1] + b' {"n":5}',
        keys[2] + b' {"n":3}',
        b"",
    ]
    assert second.written == 2
    assert sorted(p.name for p in Path(second.pack).parent.iterdir()) == [Path(second.pack).name]


@pytest.mark.parametrize("chunk", [1, 7, 41, 1 << 20])
def test_the_pack_is_rewritten_a_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The pack is read again and written a line at a time, never held whole (an edited run
    of a large tree held it twice: benchmarks/README.md); lines cut between chunks, a
    corrupt line and a last line without its line break come out as a whole pack would."""
    real = cache_module.read_chunks
    monkeypatch.setattr(cache_module, "read_chunks", lambda path, limit: real(path, limit, chunk))
    folder = tmp_path / "cache"
    keys = [bytes([c]) * 40 for c in b"abcd"]
    first = FileCache(str(folder), scope=str(tmp_path))
    first._add(keys[0], {"n": 1})
    first._add(keys[1], {"n": 2})
    first._add(keys[2], {"n": 3})
    first.flush()
    pack = Path(first.pack)
    head, one, two, three, _ = pack.read_bytes().split(b"\n")
    pack.write_bytes(b"\n".join([head, one, b"not a line of the pack", two, three]))
    second = FileCache(str(folder), scope=str(tmp_path))
    second._add(keys[1], {"n": 4})
    second._add(keys[3], {"n": 5})
    second.flush()
    assert pack.read_bytes().split(b"\n")[1:] == [
        keys[0] + b' {"n":1}',
        keys[1] + b' {"n":4}',
        keys[2] + b' {"n":3}',
        keys[3] + b' {"n":5}',
        b"",
    ]


def test_documents_from_the_cache_share_their_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON decodes every key and value afresh; documents read from the cache share them
    across files, as the block reader's do (a warm run's memory: benchmarks/README.md)."""
    from metallb_lint.load import cachecodec
    from metallb_lint.load.sources import load_file

    # (an empty table: one that earlier tests filled to its bound starts over between the files;
    # and no equal collections: one shared with a document the block reader read, as the
    # same text loaded here, holds that reader's strings; tests/test_sharing.py tests them)
    monkeypatch.setattr(cachecodec, "_STRINGS", {})
    monkeypatch.setattr(cachecodec, "intern", lambda node: node)

    decoded = []
    for name, ip in (("a.yaml", "192.168.1.241"), ("b.yaml", "192.168.1.242")):
        text = SERVICE.format(ip=ip)
        entry = json.loads(
            json.dumps(cachecodec.encode(load_file(name, text.encode(), "manifest", None)))
        )
        source = cachecodec.decode(entry, name, "manifest", None, text)
        assert source is not None
        decoded.append(source.documents[0].data)
    first, second = decoded
    assert (
        first
        == load_file("a.yaml", SERVICE.format(ip="192.168.1.241").encode(), "manifest", None)
        .documents[0]
        .data
    )
    key_a = next(k for k in first if k == "metadata")
    key_b = next(k for k in second if k == "metadata")
    assert key_a is key_b
    assert first["spec"]["type"] is second["spec"]["type"]
