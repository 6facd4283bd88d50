"""The text IP allocation map (`metallb-lint ips`), written as plain strings with ANSI SGR codes.

Like the text report (report/text.py) it uses no terminal library: a map of 31,000 Services
took 22 s through rich's tables (about 0.6 ms a row) and takes a fraction of `check` this way.
Tables are laid out here: columns as wide as their widest cell, three spaces apart, the widest
wrappable column narrowed (words wrapped, long words folded) until the table fits the width;
no line ends in blanks, so a map in a file or a diff stays clean.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from metallb_lint.findings import Location
from metallb_lint.report.ips import (
    SUMMARY_HEAD,
    advertised_text,
    bar,
    choice_title,
    draw_note,
    families,
    free_text,
    holding_note,
    limited,
    may_draw_text,
    omitted_text,
    size_text,
    summary_row,
    usage_text,
    where,
)
from metallb_lint.report.text import BOLD, CYAN, DIM, GREEN, RED, YELLOW, clean
from metallb_lint.tools.ipmap import Draw, Holding, IPMap

ITALIC = "3"
INDENT = "  "
COLUMN_GAP = "   "
GRID_GAP = "  "
MIN_COLUMN = 8  # a wrapped column is never narrower than this
DEFAULT_WIDTH = 80

Span = tuple[str, tuple[str, ...]]  # text and its SGR codes


@dataclass
class Cell:
    """The lines of one table cell, each a list of styled spans (wrapped as one paragraph)."""

    lines: list[list[Span]]

    @classmethod
    def plain(cls, text: str, *codes: str) -> Cell:
        return cls([[(text, codes)]])

    @property
    def natural(self) -> int:
        return max((sum(len(t) for t, _ in line) for line in self.lines), default=0)


class _Writer:
    def __init__(self, stream: TextIO, color: bool, width: int) -> None:
        self.stream = stream
        self.color = color
        self.width = width

    def paint(self, text: str, codes: tuple[str, ...]) -> str:
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"

    def styled(self, spans: list[Span], width: int) -> list[tuple[str, int]]:
        """The spans wrapped to `width`: (painted line, its length) pairs."""
        text = "".join(t for t, _ in spans)
        pieces = _wrap(text, width)
        lines = []
        for start, end in pieces:
            out, offset = [], 0
            for span_text, codes in spans:
                lo, hi = max(start, offset), min(end, offset + len(span_text))
                if lo < hi:
                    out.append(self.paint(span_text[lo - offset : hi - offset], codes))
                offset += len(span_text)
            lines.append(("".join(out), end - start))
        return lines

    def line(self, *spans: Span, indent: str = "") -> None:
        """A paragraph of spans, wrapped to the width."""
        width = max(MIN_COLUMN, self.width - len(indent))
        for painted, _ in self.styled(list(spans), width) or [("", 0)]:
            self.stream.write((indent + painted).rstrip(" ") + "\n")

    def blank(self) -> None:
        self.stream.write("\n")

    def table(
        self,
        rows: Sequence[Sequence[Cell]],
        *,
        head: Sequence[str] | None = None,
        right: Sequence[bool] = (),
        wrap: Sequence[bool] = (),
        ellipsis: Sequence[bool] = (),
        gap: str = COLUMN_GAP,
        head_codes: tuple[str, ...] = (BOLD,),
        first_codes: tuple[str, ...] = (),
    ) -> None:
        """Rows of cells under an optional head and a rule, indented by two spaces."""
        count = max((len(r) for r in rows), default=len(head or ()))
        widths = [0] * count
        for row in [*rows, *([[Cell.plain(h) for h in head]] if head else [])]:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], cell.natural)
        available = self.width - len(INDENT) - len(gap) * (count - 1)
        wrappable = [i for i in range(count) if i < len(wrap) and wrap[i]]
        while sum(widths) > available and wrappable:
            widest = max(wrappable, key=lambda i: widths[i])
            if widths[widest] <= MIN_COLUMN:
                break
            widths[widest] = max(MIN_COLUMN, widths[widest] - (sum(widths) - available))
        out = self.stream.write
        if head:
            cells = [
                self.paint(_justify(h, widths[i], i < len(right) and right[i]), head_codes)
                for i, h in enumerate(head)
            ]
            out((INDENT + gap.join(cells)).rstrip(" ") + "\n")
            out(INDENT + "─" * (sum(widths) + len(gap) * (count - 1)) + "\n")
        for row in rows:
            columns = []
            for index, cell in enumerate(row):
                lines: list[tuple[str, int]] = []
                for spans in cell.lines:
                    if index == 0 and first_codes:
                        spans = [(t, codes or first_codes) for t, codes in spans]
                    if index < len(ellipsis) and ellipsis[index]:
                        spans = [(_shorten_words(t, widths[index]), c) for t, c in spans]
                    lines += self.styled(spans, widths[index]) or [("", 0)]
                columns.append(lines)
            for depth in range(max(len(c) for c in columns)):
                parts = []
                for index, lines in enumerate(columns):
                    painted, size = lines[depth] if depth < len(lines) else ("", 0)
                    pad = " " * max(0, widths[index] - size)
                    flush_right = index < len(right) and right[index]
                    parts.append(pad + painted if flush_right else painted + pad)
                out((INDENT + gap.join(parts)).rstrip(" ") + "\n")


def _shorten_words(text: str, width: int) -> str:
    """Each word longer than `width` cut to fit, ending in an ellipsis."""
    if len(text) <= width:
        return text
    return " ".join(w if len(w) <= width else w[: max(width - 1, 0)] + "…" for w in text.split(" "))


def _justify(text: str, width: int, right: bool) -> str:
    return text.rjust(width) if right else text.ljust(width)


def _wrap(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each line of `text` wrapped at spaces to `width`, words longer than
    the width folded; the spaces at a break belong to no line."""
    if len(text) <= width:
        return [(0, len(text))] if text else []
    lines: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:  # one word longer than the width: fold it
            lines.append((start, start + width))
            start += width
        else:
            end = cut
            while end > start and text[end - 1] == " ":
                end -= 1
            lines.append((start, end))
            start = cut + 1
        while start < len(text) and text[start] == " ":
            start += 1
    if start < len(text):
        lines.append((start, len(text)))
    return lines


def _service_cell(label: str, location: Location, note: str = "", bad: bool = False) -> Cell:
    first: list[Span] = [(clean(label), ())]
    if note:
        first.append((f"  ({clean(note)})", (RED,) if bad else (YELLOW,)))
    return Cell([first, [(clean(where(location)), (DIM,))]])


def write_text(
    ipmap: IPMap,
    stream: TextIO,
    *,
    color: bool,
    width: int | None = None,
    limit: int | None = None,
) -> None:
    """One block per pool: its facts, a usage bar, then a table of the addresses Services
    hold (and the Services that take one automatically), each with where it is requested;
    then the Services that may draw from several pools, once per group of pools."""
    writer = _Writer(stream, color, width or _terminal_width(stream))
    target = ipmap.target
    writer.line(
        ("IP allocation map", (BOLD,)),
        (f" for MetalLB {target.version}, {target.mode} mode, namespace {target.namespace}", ()),
    )
    if len(ipmap.pools) > 1:
        writer.blank()
        writer.table(
            [[Cell.plain(clean(value)) for value in summary_row(pm)] for pm in ipmap.pools],
            head=SUMMARY_HEAD,
            right=(False, False, True, True, True, True),
            wrap=(False, True),
            ellipsis=(False, True),
        )
    for pm in ipmap.pools:
        res = pm.pool.resource
        ns = f"{res.effective_namespace}/" if res.effective_namespace else ""
        writer.blank()
        writer.line(
            ("Pool ", (BOLD,)),
            (clean(pm.name), (BOLD, CYAN)),
            (clean(f"  {res.kind} {ns}{pm.name}"), (DIM,)),
        )
        full, empty = bar(pm.utilisation)
        level = GREEN
        if pm.overcommitted or pm.utilisation >= 1:
            level = RED
        elif pm.utilisation >= 0.8:
            level = YELLOW
        facts: list[tuple[str, list[Span]]] = [
            ("defined in", [(clean(where(res.location())), ())]),
            ("addresses", [(clean(", ".join(pm.addresses)) or "none", ())]),
            ("family", [(families(pm), ())]),
            ("size", [(size_text(pm), ())]),
            ("autoAssign", [("true" if pm.pool.auto_assign else "false", ())]),
            (
                "announced by",
                [(clean(advertised_text(pm)), () if pm.advertisements else (YELLOW,))],
            ),
            ("usage", [(full, (level,)), (empty, (DIM,)), (" " + usage_text(pm), ())]),
            ("free", [(free_text(pm), ())]),
        ]
        if pm.may_draw:
            facts.append(("may draw", [(may_draw_text(pm), ())]))
        for label, values in (("unresolved", pm.unresolved), ("invalid", pm.invalid)):
            if values:
                facts.append((label, [(clean(", ".join(values)), (YELLOW,))]))
        writer.table(
            [[Cell([[(label, (DIM,))]]), Cell([spans])] for label, spans in facts],
            wrap=(False, True),
            gap=GRID_GAP,
        )
        if pm.held or pm.draws:
            writer.blank()
            rows = _holding_rows(pm.held, limit) + _draw_rows(pm.draws, limit)
            _service_table(writer, rows)
    for choice in ipmap.choices:
        writer.blank()
        writer.line(
            (choice_title(choice), (BOLD,)),
            (" (MetalLB picks one when the Service is created)", (DIM,)),
        )
        _service_table(writer, _draw_rows(choice.draws, limit))
    if ipmap.outside:
        writer.blank()
        writer.line(
            ("Requested outside every pool", (BOLD, RED)),
            (" (MetalLB leaves these Services <pending>, ML401)", (DIM,)),
        )
        _service_table(writer, _holding_rows(ipmap.outside, limit, notes=False))
    if ipmap.notes:
        writer.blank()
        for note in ipmap.notes:
            writer.line((f"note: {clean(note)}", (DIM,)))


def _service_table(writer: _Writer, rows: list[list[Cell]]) -> None:
    writer.table(rows, head=("IP", "Service, and where it asks"), wrap=(False, True))


def _holding_rows(
    holdings: Sequence[Holding], limit: int | None, notes: bool = True
) -> list[list[Cell]]:
    shown, hidden = limited(holdings, limit)
    rows = [
        [
            Cell.plain(clean(holding.ip)),
            _service_cell(
                holding.service.label,
                holding.service.location,
                holding_note(holding) if notes else "",
                bad=holding.refused is not None,
            ),
        ]
        for holding in shown
    ]
    if hidden:
        rows.append([Cell.plain(""), Cell.plain(omitted_text(hidden), DIM)])
    return rows


def _draw_rows(draws: Sequence[Draw], limit: int | None) -> list[list[Cell]]:
    shown, hidden = limited(draws, limit)
    rows = [
        [
            Cell.plain("automatic", ITALIC),
            _service_cell(draw.service.label, draw.service.location, draw_note(draw)),
        ]
        for draw in shown
    ]
    if hidden:
        rows.append([Cell.plain(""), Cell.plain(omitted_text(hidden), DIM)])
    return rows


def _terminal_width(stream: TextIO) -> int:
    """The terminal's width when writing to one, else COLUMNS, else 80."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if hasattr(stream, "isatty") and stream.isatty():
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            pass
    return DEFAULT_WIDTH
