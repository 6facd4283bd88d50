"""Pending fixes as a unified diff, one file after another, as `git diff` prints them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from metallb_lint.fixes.plan import FileChange

_NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(changes: Iterable[FileChange]) -> str:
    out: list[str] = []
    for change in sorted(changes, key=lambda c: c.path):
        lines = difflib.unified_diff(
            _lines(change.before),
            _lines(change.after),
            fromfile=f"a/{change.path}",
            tofile=f"b/{change.path}",
        )
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    """The lines of `text` with their breaks (only `\n` breaks a line, as in YAML files)."""
    lines = [line + "\n" for line in text.split("\n")]
    last = lines.pop()
    if last != "\n":  # the text does not end with a line break
        lines.append(last + _NO_NEWLINE)
    return lines
