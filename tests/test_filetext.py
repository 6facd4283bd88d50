"""A loaded file's text is released once the file is loaded and read again from disk when a
finding needs it (positions, source lines, suppression comments, fixes): load/filetext.py.
Reports must say what they said when the text was held, and a file that changed or vanished
between loading and reporting must give no traceback and no line read from its new text."""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint import engine
from metallb_lint.load import filetext
from metallb_lint.load.blockyaml import deferred_positions
from metallb_lint.load.filetext import SUPPRESSION_MARK, FileText, Texts
from metallb_lint.load.sources import load_file
from tests.conftest import findings, lint_json, run_cli, write
from tests.manifests import POOL_L2 as POOL
from tests.manifests import service

# A Service after another document: its finding (ML401, the address outside every pool) is
# on line 12, its document starts on line 4 (the `---`).
LEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n---\n"
SERVICE = LEAD + service("outside", "192.168.1.10")
TREE = {"pool.yaml": POOL, "apps/svc.yaml": SERVICE}


@pytest.fixture(autouse=True)
def _fresh() -> None:
    filetext.forget_recent()


def released(path: Path) -> FileText:
    raw = path.read_bytes()
    content = FileText(filetext.source_text(raw))
    content.keep_on_disk(str(path), raw)
    content.release()
    return content


def test_a_released_text_is_read_again_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbfkind: Service\r\nmetadata: {}\r\n")
    content = released(path)
    assert not content.held
    assert content.get() == "kind: Service\nmetadata: {}\n"


@pytest.mark.parametrize("change", ["edit", "delete", "directory"])
def test_a_file_changed_or_gone_since_loading_has_no_text(tmp_path: Path, change: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("kind: Service\n")
    content = released(path)
    if change == "edit":
        path.write_text("kind: Service\n# edited\n")
    else:
        path.unlink()
        if change == "directory":
            path.mkdir()
    assert content.get() is None
    if change == "edit":
        path.write_text("kind: Service\n")  # back as it was: the run has moved on
    assert content.get() is None


def test_a_text_without_a_file_is_never_released() -> None:
    content = FileText("kind: Service\n")
    content.release()
    assert content.held and content.get() == "kind: Service\n"


def test_noted_words_need_no_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("kind: Service  # MetalLB\n")
    content = released(path)
    reads: list[str] = []
    real = filetext.read_bytes
    monkeypatch.setattr(filetext, "read_bytes", lambda *a: reads.append(a[0]) or real(*a))
    assert not content.mentions(SUPPRESSION_MARK)
    assert content.mentions("metallb", any_case=True)
    assert not content.mentions("loadbalancer", any_case=True)
    assert Texts({"a.yaml": content}, SUPPRESSION_MARK)["a.yaml"] is None
    assert reads == []
    assert content.mentions("Service") and reads == [str(path)]


def test_a_document_keeps_its_words_and_positions_after_release(tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    write(tmp_path, {"svc.yaml": SERVICE})
    source = load_file("svc.yaml", path.read_bytes(), "manifest", None)
    assert source is not None and source.content is not None
    source.content.keep_on_disk(str(path), path.read_bytes())
    source.content.release()
    doc = source.documents[-1]
    assert doc.mentions("metallb.io") is False
    assert doc.location(("spec", "loadBalancerIP")).line == 12
    assert doc.text == "---\n" + service("outside", "192.168.1.10")


def test_positions_of_a_changed_file_fall_back_to_the_document_start(tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(SERVICE)
    content = released(path)
    path.write_text("\n" * 5 + SERVICE)
    start = SERVICE.index("---\n")
    positions = deferred_positions(content, 3, start, len(SERVICE))
    assert positions.span(("spec", "loadBalancerIP")) == (4, 1, 4, 1)
    assert positions.span(("metadata", "name"), key=True) == (4, 1, 4, 1)


def test_the_text_report_shows_the_source_lines_read_again(repo: Path) -> None:
    write(repo, TREE)
    result = run_cli("--isolated", "--no-cache", "--select", "ML401", cwd=repo)
    assert "apps/svc.yaml" in result.out
    assert "  12:" in result.out
    assert "  loadBalancerIP: 192.168.1.10" in result.out, result.out


def test_stdin_keeps_its_text(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    result = run_cli(
        "--isolated",
        "--no-cache",
        "--select",
        "ML401",
        "--stdin-filename",
        "svc.yaml",
        "-",
        "pool.yaml",
        cwd=repo,
        stdin=SERVICE.encode(),
    )
    assert "  12:" in result.out and "loadBalancerIP: 192.168.1.10" in result.out, result.out


_BUILD = engine.build_inventory


def _change_after_loading(monkeypatch: pytest.MonkeyPatch, path: Path, new: str | None) -> None:
    """Change (or, with None, delete) `path` once every file is loaded."""
    build = _BUILD

    def changed(*args, **kwargs):
        if new is None:
            path.unlink()
        else:
            path.write_text(new)
        return build(*args, **kwargs)

    monkeypatch.setattr(engine, "build_inventory", changed)


@pytest.mark.parametrize("cache", ["--no-cache", None])
@pytest.mark.parametrize("new", ["# edited\n" * 20 + SERVICE, None])
def test_a_file_changed_between_loading_and_reporting(
    repo: Path, monkeypatch: pytest.MonkeyPatch, new: str | None, cache: str | None
) -> None:
    write(repo, TREE)
    flags = [cache] if cache else []
    before = findings(lint_json(*flags, "--select", "ML401", cwd=repo))
    assert before == [("ML401", "apps/svc.yaml", 12)]
    _change_after_loading(monkeypatch, repo / "apps/svc.yaml", new)
    after = lint_json(*flags, "--select", "ML401", cwd=repo)
    assert "Traceback" not in after.err
    # The finding stays, at its document's first line: nothing is read from the new text.
    assert findings(after) == [("ML401", "apps/svc.yaml", 4)]
    write(repo, TREE)
    _change_after_loading(monkeypatch, repo / "apps/svc.yaml", new)
    text = run_cli("--isolated", *flags, "--select", "ML401", cwd=repo)
    assert text.code == 1 and "Traceback" not in text.err
    assert "  4:" in text.out and "edited" not in text.out
    assert "loadBalancerIP: 192.168.1.10" not in text.out  # no source lines: none to trust


def test_a_fix_is_not_applied_to_a_file_changed_since_loading(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ML406 moves spec.loadBalancerIP to the annotation: a safe fix, built from the text.
    inside = LEAD + service("inside", "192.168.1.241")
    write(repo, {"pool.yaml": POOL, "apps/svc.yaml": inside})
    edited = inside.replace("port: 80", "port: 8080")
    _change_after_loading(monkeypatch, repo / "apps/svc.yaml", edited)
    result = run_cli("--isolated", "--no-cache", "--select", "ML406", "--fix", cwd=repo)
    assert "Traceback" not in result.err
    assert (repo / "apps/svc.yaml").read_text() == edited  # the user's edit is kept whole


def test_a_fix_is_applied_from_the_text_read_again(repo: Path) -> None:
    inside = LEAD + service("inside", "192.168.1.241")
    write(repo, {"pool.yaml": POOL, "apps/svc.yaml": inside})
    result = run_cli("--isolated", "--no-cache", "--select", "ML406", "--fix", cwd=repo)
    assert "Traceback" not in result.err
    fixed = (repo / "apps/svc.yaml").read_text()
    assert "loadBalancerIPs: 192.168.1.241" in fixed and "loadBalancerIP:" not in fixed


def test_suppression_comments_are_read_again(repo: Path) -> None:
    marked = SERVICE.replace(
        "  loadBalancerIP: 192.168.1.10\n",
        "  loadBalancerIP: 192.168.1.10  # metallb-lint: disable=ML401 -- reserved upstream\n",
    )
    write(repo, {"pool.yaml": POOL, "apps/svc.yaml": marked})
    result = lint_json("--no-cache", "--select", "ML401", cwd=repo)
    assert [(f["line"], f["suppressed"]) for f in result.json["findings"]] == [(12, True)]
