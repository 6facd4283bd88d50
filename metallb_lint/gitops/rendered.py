"""A chart template file rendered (templates.py) back into documents: split as Helm splits its
output, each document parsed with its lines mapped to the template lines that wrote them. A
part that could not be rendered is reported once per document it would have produced, and
the document it would have written into is left out."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping

from metallb_lint.gitops.chartfiles import ChartFiles
from metallb_lint.gitops.templates import Problem, render_file
from metallb_lint.load.documents import (
    Chunk,
    Document,
    LoadProblem,
    compose_mapped,
    split_documents,
)
from metallb_lint.load.sources import SourceFile


def rendered_documents(
    source: SourceFile,
    context: Mapping[str, object],
    files: ChartFiles,
    skip: Callable[[str, Chunk, str, int], None],
    problems: list[LoadProblem],
) -> Iterator[Document]:
    text = source.text or ""
    display = source.display
    pending = dict(source.pending_templates)
    result = render_file(text, context, files.defines, files.read, display)
    if result.text is None:
        for _, chunk in source.pending_templates:
            last = chunk.start_line + chunk.text.count("\n")
            line = result.line if chunk.start_line <= result.line <= last else _first_action(chunk)
            skip(display, chunk, result.reason, line)
        return
    chunks = split_documents(text)
    starts = [c.start_line for c in chunks]

    def chunk_of(line: int) -> int:
        return max(bisect_right(starts, line) - 1, 0)

    reported: set[int] = set()
    for problem in result.problems:
        hit = [
            i
            for i in range(chunk_of(problem.first_line), chunk_of(problem.last_line) + 1)
            if i in pending
        ]
        if not hit or all(i in reported for i in hit):
            continue
        reported.update(hit)
        chunk = Chunk(pending[hit[0]].start_line, "".join(pending[i].text for i in hit))
        skip(display, chunk, problem.reason, problem.line)
    output = result.text
    poisoned = _poisoned_lines(text, output, result.problems)
    out_chunks = split_documents(output)
    total = output.count("\n") + 1
    relevant_only = len(out_chunks) > 1
    used: set[int] = set()
    extra = len(chunks)
    for k, out_chunk in enumerate(out_chunks):
        last = out_chunks[k + 1].start_line - 1 if k + 1 < len(out_chunks) else total
        at = bisect_left(poisoned, out_chunk.start_line)
        if at < len(poisoned) and poisoned[at] <= last:
            continue
        origin = chunk_of(_content_line(out_chunk, result.lines))
        if origin not in pending:
            continue  # read as written by the loader (or not relevant there)
        if relevant_only and not out_chunk.relevant:
            continue
        if origin in used:
            index, extra = extra, extra + 1
        else:
            index = origin
            used.add(origin)
        doc, found = compose_mapped(display, out_chunk, index, result.lines, result.columns)
        problems.extend(found)
        if doc is not None:
            yield doc


def _content_line(chunk: Chunk, lines: list[int]) -> int:
    """The template line of a rendered document's first line that is not a marker or blank."""
    number = chunk.start_line
    for row in chunk.text.split("\n"):
        stripped = row.strip()
        if stripped and not stripped.startswith("#") and not stripped.startswith("---"):
            break
        number += 1
    else:
        number = chunk.start_line
    return lines[min(max(number, 1), len(lines)) - 1] if lines else number


def _first_action(chunk: Chunk) -> int:
    at = chunk.text.find("{{")
    return chunk.start_line + (chunk.text.count("\n", 0, at) if at >= 0 else 0)


def _opens_document(text: str, problem: Problem) -> bool:
    """Whether the failed part starts documents of its own (`{{ if x }}\\n---\\n...`): then
    the document before it is whole."""
    close = text.find("}}", problem.start)
    if close < 0:
        return False
    rest = text[close + 2 : close + 2 + 4096].lstrip(" \t\r\n")
    return rest.startswith("---")


def _poisoned_lines(text: str, output: str, problems: list[Problem]) -> list[int]:
    """The output lines of the documents that failed parts would have written into, sorted.
    Linear: one pass over the output for any number of failures."""
    opening = [_opens_document(text, p) for p in problems]
    marks = {p.output for p, opens in zip(problems, opening, strict=True) if not opens}
    boundaries = {p.output for p, opens in zip(problems, opening, strict=True) if opens}
    following = _next_content(output, boundaries)
    marks |= {o for o in boundaries if not _starts_document(output, following[o])}
    lines: list[int] = []
    line, position = 1, 0
    for offset in sorted(marks):
        line += output.count("\n", position, offset)
        position = offset
        lines.append(line)
    return lines


def _next_content(output: str, offsets: set[int]) -> dict[int, int]:
    """For each offset, where the next character that is not blank is (or the end); each
    stretch of the output is looked at once."""
    found: dict[int, int] = {}
    size = len(output)
    known_from = size  # from here on, the answer is `known`
    known = size
    for offset in sorted(offsets, reverse=True):
        position = offset
        while position < known_from and output[position] in " \t\r\n":
            position += 1
        if position >= known_from:
            position = known
        found[offset] = position
        known_from, known = offset, position
    return found


def _starts_document(output: str, position: int) -> bool:
    """Whether the output ends at `position` or a document marker starts there."""
    if position >= len(output):
        return True
    return output.startswith("---", position) and (position == 0 or output[position - 1] == "\n")
