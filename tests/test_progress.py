"""The progress bar of long runs (cli/progress.py): a terminal only, past a second only, never
with a machine format, gone before the report."""

from __future__ import annotations

import io

from metallb_lint.cli.progress import DELAY_S, Progress, wanted
from tests.conftest import run_cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_wanted_on_a_terminal_for_human_formats_only() -> None:
    assert wanted(Terminal(), ["text"]) and wanted(Terminal(), ["concise"])
    assert not wanted(io.StringIO(), ["text"])  # a pipe or a file
    for machine in ("json", "sarif", "github", "junit"):
        assert not wanted(Terminal(), [machine])
        assert not wanted(Terminal(), ["text", machine])


def test_nothing_before_a_second_then_a_bar_that_goes_away() -> None:
    stream, clock = Terminal(), Clock()
    bar = Progress(stream, clock)
    for done in range(50):
        bar("reading", done, 100)
    assert stream.getvalue() == "" and bar.bar is None
    clock.now += DELAY_S + 0.5
    bar("reading", 60, 100)
    assert "reading files" in stream.getvalue() and "60/100" in stream.getvalue()
    clock.now += 1
    bar("checking", 0, 0)
    assert "checking" in stream.getvalue()
    bar.close()
    assert bar.bar is None
    bar.close()  # twice is harmless


def test_a_run_on_a_pipe_writes_nothing_to_stderr() -> None:
    result = run_cli("check", "--isolated", "--exit-zero", "--format", "concise", "fixtures")
    assert result.err == ""
