"""Issue 21, file names: a name that is not UTF-8 or holds control characters is written
escaped, the same way, in every format, and round-trips through the baseline."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from metallb_lint.printable import printable
from tests.manifests import pool
from tests.test_hostile_files import run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX byte file names")

BAD_POOL = pool("10.0.0.0/33")
NAMES = {b"bad\xff.yaml": "bad\\xff.yaml", b"ctl\x1b[31m\n.yaml": "ctl\\x1b[31m\\x0a.yaml"}
FORMATS = ["json", "sarif", "text", "github", "junit", "concise"]


def _tree(repo: Path) -> None:
    for raw in NAMES:
        (repo / os.fsdecode(raw)).write_text(BAD_POOL, encoding="utf-8")


def test_printable_escapes_once_and_is_idempotent() -> None:
    assert printable(os.fsdecode(b"a\xff\x1b\n") + "\u2028b") == "a\\xff\\x1b\\x0a\\u2028b"
    assert printable(printable(os.fsdecode(b"a\xff"))) == "a\\xff"
    assert printable("plain/ünïcode.yaml") == "plain/ünïcode.yaml"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_the_escaped_name(repo: Path, fmt: str) -> None:
    _tree(repo)
    for target in ("stdout", "file"):
        extra = ("--output-file", "report.out") if target == "file" else ()
        done = run("--isolated", "--metallb-version", "0.14.9", "-f", fmt, *extra, ".", cwd=repo)
        assert done.returncode == 1, done.stderr
        assert done.stderr == ""
        text = (repo / "report.out").read_text("utf-8") if extra else done.stdout
        for shown in NAMES.values():
            written = {"json": json.dumps(shown)[1:-1], "sarif": quote(shown)}.get(fmt, shown)
            assert written in text, (fmt, target, shown)
        assert "\x1b" not in text


def test_escaped_names_round_trip_through_the_baseline(repo: Path) -> None:
    _tree(repo)
    written = run(
        "--isolated", "--metallb-version", "0.14.9", "--write-baseline", "b.json", ".", cwd=repo
    )
    assert written.returncode == 0, written.stderr
    paths = {entry["path"] for entry in json.loads((repo / "b.json").read_text())["findings"]}
    assert paths == set(NAMES.values())
    again = run(
        "--isolated",
        "--metallb-version",
        "0.14.9",
        "--baseline",
        "b.json",
        "-f",
        "json",
        ".",
        cwd=repo,
    )
    assert again.returncode == 0, again.stderr
    assert all(f["suppressed"] for f in json.loads(again.stdout)["findings"])
