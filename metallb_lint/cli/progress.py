"""A progress bar for long runs: on a terminal only, on stderr, and only once a run has taken
about a second, so that a pre-commit hook or a small repository never shows one and no pipe,
file or machine format ever receives one. rich draws it (imported only then), transient: it is
gone before the report is written."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

DELAY_S = 1.0  # a run shorter than this shows nothing
REFRESH_S = 0.1  # at most this often, however many files
HUMAN_FORMATS = frozenset({"text", "concise"})


def wanted(stream: TextIO, formats: list[str]) -> bool:
    """A bar on `stream` only when it is a terminal and every report is for people."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and all(f in HUMAN_FORMATS for f in formats)


class Progress:
    """The callback the engine reports to (Options.progress): (stage, done, total)."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.start = clock()
        self.last = 0.0
        self.bar: Any = None  # rich's Progress, once shown
        self.task: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if now - self.start < DELAY_S or (now - self.last < REFRESH_S and stage == "reading"):
            return
        self.last = now
        if self.bar is None:
            self._show(total)
        bar = self.bar
        if stage == "reading":
            bar.update(self.task, completed=done, total=total)
        else:  # the files are read: the rules run (no count to show)
            bar.update(self.task, description="checking", completed=bar.tasks[0].total)
        bar.refresh()

    def _show(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(file=self.stream, stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
        )
        self.bar.start()
        self.task = self.bar.add_task("reading files", total=total)

    def close(self) -> None:
        """Remove the bar (if shown) before anything else is written."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
