"""A render's output, with the template line of each piece: text keeps its line, an action's
output is at the action's line (and columns), so that findings point at what the user wrote."""

from __future__ import annotations

from bisect import bisect_right

from metallb_lint.gitops.gotemplate.traced import Origin, origins_of
from metallb_lint.gitops.gotemplate.values import MAX_OUTPUT, LimitError


class Output:
    """The output, with the template line of each piece (and, for an action's output, the
    columns of the action). Without `starts` (the output of an `include`, which becomes a value)
    no lines are kept."""

    def __init__(self, starts: list[int] | None = None) -> None:
        # (text, first line, from template text, (first, last) column of the action or None)
        self.pieces: list[tuple[str, int, bool, tuple[int, int] | None]] = []
        self.size = 0
        self._starts = starts

    def _line(self, offset: int) -> int:
        return bisect_right(self._starts, offset) if self._starts is not None else 0

    def text(self, text: str, offset: int) -> None:
        self._add(text, self._line(offset), True, None)

    def action(self, text: str, start: int, end: int) -> None:
        line = self._line(start)
        columns = None
        if self._starts is not None:
            begin = self._starts[line - 1]
            last = end - 1 if self._line(end - 1) == line else start + 1
            columns = (start - begin + 1, last - begin + 1)
        self._add(text, line, False, columns)

    def _add(self, text: str, line: int, literal: bool, columns: tuple[int, int] | None) -> None:
        if not text:
            return
        self.size += len(text)
        if self.size > MAX_OUTPUT:
            raise LimitError("output over the size limit")
        self.pieces.append((text, line, literal, columns))

    def joined(self) -> str:
        return "".join(p[0] for p in self.pieces)

    def mark(self) -> tuple[int, int]:
        return len(self.pieces), self.size

    def rollback(self, mark: tuple[int, int]) -> None:
        del self.pieces[mark[0] :]
        self.size = mark[1]

    def finish(self) -> tuple[str, list[int], list[tuple[int, int] | None]]:
        """The text, each output line's template line (the line of its first character that
        is not blank; of its first character, for a blank line) and, for a line whose first
        such character an action wrote, that action's columns."""
        lines: list[int] = []
        columns: list[tuple[int, int] | None] = []
        content: int | None = None  # the current output line's first non-blank character's
        content_columns: tuple[int, int] | None = None
        first: int | None = None  # its first character's
        last = 1
        for text, line, literal, action in self.pieces:
            parts = text.split("\n")
            for k, part in enumerate(parts):
                here = line + k if literal else line
                if k:
                    newline_line = line + k - 1 if literal else line
                    lines.append(content or first or newline_line)
                    columns.append(content_columns)
                    content = first = content_columns = None
                if part:
                    if first is None:
                        first = here
                    if content is None and part.strip():
                        content = here
                        content_columns = action
                last = here
        lines.append(content or first or last)
        columns.append(content_columns)
        return self.joined(), lines, columns

    def traced(self) -> dict[int, Origin]:
        """The output lines (0-based) whose value a traced text says is written elsewhere."""
        found: dict[int, Origin] = {}
        line = 0
        for text, _, _, _ in self.pieces:
            for k, origin in origins_of(text).items():
                found[line + k] = origin
            line += text.count("\n")
        return found
