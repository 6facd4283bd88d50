"""Issue 21, `ips --free N`: it streams and stops, for any N and a pool of any size. A reader
that stops early (`| head`) ends the run; nothing is collected first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli, write
from tests.manifests import pool
from tests.test_hostile_files import SAFETY_NET

HUGE = str(10**30)


@pytest.mark.parametrize("cidr", ["::/0", "0.0.0.0/0"])
def test_free_on_a_pool_of_any_size_streams_and_stops(repo: Path, cidr: str) -> None:
    write(repo, {"pool.yaml": pool(cidr)})
    script = (
        "import sys\n"
        "from metallb_lint.cli import main\n"
        f"sys.exit(main(['ips', '--isolated', '.', '--free', '{HUGE}']))\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=repo,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "METALLB_LINT_CACHE_DIR": os.environ["METALLB_LINT_CACHE_DIR"],  # not the user's
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first: list[str] = []
    thread = threading.Thread(target=_read_lines, args=(reader, first, 1000), daemon=True)
    thread.start()
    thread.join(SAFETY_NET)  # a safety net only: the test asserts what was read
    if thread.is_alive():
        reader.kill()
        pytest.fail("ips --free wrote nothing for minutes: it collects before it writes")
    code = reader.wait(timeout=SAFETY_NET)
    assert code in (0, 1, 2), reader.stderr.read() if reader.stderr else ""
    assert len(set(first)) == 1000
    assert b"Traceback" not in (reader.stderr.read() if reader.stderr else b"")


def _read_lines(reader: subprocess.Popen, out: list[str], count: int) -> None:
    assert reader.stdout is not None
    for _ in range(count):
        out.append(reader.stdout.readline().decode().strip())
    reader.stdout.close()  # the reader goes away: the run must end


def test_free_with_a_huge_n_on_a_small_pool(repo: Path) -> None:
    write(repo, {"pool.yaml": pool("192.168.1.240/30")})
    result = run_cli("ips", "--isolated", ".", "--free", HUGE, cwd=repo)
    assert result.code == 1, result.err
    assert result.out.split() == [f"192.168.1.{n}" for n in range(240, 244)]
    assert "has only 4 free addresses left" in result.err


def test_free_json_streams_the_same_document(repo: Path) -> None:
    write(repo, {"pool.yaml": pool("192.168.1.240/30")})
    for wanted, code in ((2, 0), (HUGE, 1)):
        result = run_cli("ips", "--isolated", ".", "--free", str(wanted), "-f", "json", cwd=repo)
        assert result.code == code
        expected = ["192.168.1.240", "192.168.1.241"] if wanted == 2 else None
        document = json.loads(result.out)
        assert document["version"] == 1 and document["pool"] == "default"
        assert document["free"] == (expected or [f"192.168.1.{n}" for n in range(240, 244)])
        assert result.out == json.dumps(document, indent=2) + "\n"
