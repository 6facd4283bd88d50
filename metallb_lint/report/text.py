"""The human report: a header naming the target (version, mode, namespace and where each came
from), findings grouped by file with the offending line and `^` markers, related locations, and
a summary.

Written as plain strings with ANSI SGR codes (no terminal library): one join, one write. This
keeps start-up cheap for pre-commit users and renders 10,000 findings in a few hundredths of a
second, where building and printing a `rich.Text` of the same report took about 1.5 s.
"""

from __future__ import annotations

import textwrap
from itertools import groupby
from typing import TextIO

from metallb_lint import __version__
from metallb_lint.engine import RunResult
from metallb_lint.findings import Finding, Location
from metallb_lint.report.summary import counts

# SGR parameters (the 8 standard colours, so every terminal shows them).
BOLD, DIM, UNDERLINE = "1", "2", "4"
RED, GREEN, YELLOW, CYAN = "31", "32", "33", "36"
SEVERITY_STYLES = {"error": (BOLD, RED), "warning": (YELLOW,), "info": (CYAN,)}
MAX_SOURCE_WIDTH = 160
GUTTER_WIDTH = 6
MESSAGE_INDENT = " " * 6
MIN_WIDTH = 40  # narrower than this, wrapping would only make a message harder to read
# Info findings of one rule shown before the rest are collapsed into one line (-v shows all).
COLLAPSE_AFTER = 3

# Control characters from files must not reach the terminal (escape sequences, carriage
# returns): shown as U+FFFD. Tabs become one space, so column markers still line up.
_CONTROL = {c: "\ufffd" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL[ord("\t")] = " "
_CONTROL[ord("\n")] = " "


def clean(text: str) -> str:
    """`text` without control characters, safe to print on one terminal line."""
    return text.translate(_CONTROL) if not text.isprintable() else text


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *codes: str) -> str:
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def write_text(
    result: RunResult,
    stream: TextIO,
    *,
    color: bool,
    verbose: int = 0,
    width: int | None = None,
) -> None:
    """`width`: wrap messages to it (the terminal's, or COLUMNS); None never wraps."""
    paint = _Painter(color)
    wrap = _wrapper(width)
    out: list[str] = []
    _header(out, result, paint, verbose)
    shown = [f for f in result.findings if verbose or not f.suppressed]
    hidden = {} if verbose else _collapsed(shown)
    for path, group in groupby(shown, key=lambda f: f.location.path):
        visible = [f for f in group if id(f) not in hidden]
        if not visible:
            continue
        out.append("\n")
        out.append(paint(clean(path), BOLD, UNDERLINE) + "\n")
        lines = _lines(result, path)  # (a path's findings come together: read once)
        for finding in visible:
            _finding(out, finding, lines, paint, wrap)
            more = hidden.get(finding.rule) if _is_last_shown(finding, hidden) else None
            if more:
                out.append(paint(wrap(_more_line(finding, more)), DIM) + "\n")
    _summary(out, result, paint, verbose)
    stream.write("".join(out))


def _collapsed(findings: list[Finding]) -> dict:
    """Info findings of a rule past the first COLLAPSE_AFTER: {id(finding): rule} for each
    hidden one, {rule: (hidden count, files)} and {("last", rule): id of the last one shown}."""
    seen: dict[str, int] = {}
    hidden: dict = {}
    for finding in findings:
        if str(finding.severity) != "info" or finding.suppressed:
            continue
        count = seen[finding.rule] = seen.get(finding.rule, 0) + 1
        if count == COLLAPSE_AFTER:
            hidden[("last", finding.rule)] = id(finding)
        elif count > COLLAPSE_AFTER:
            hidden[id(finding)] = finding.rule
            number, files = hidden.get(finding.rule, (0, set()))
            files.add(finding.location.path)
            hidden[finding.rule] = (number + 1, files)
    return hidden


def _is_last_shown(finding: Finding, hidden: dict) -> bool:
    return hidden.get(("last", finding.rule)) == id(finding)


def _more_line(finding: Finding, more: tuple[int, set]) -> str:
    number, files = more
    where = f" in {len(files):,} file{'s' if len(files) != 1 else ''}"
    return (
        f"… and {number:,} more like this{where} ({finding.rule} {finding.name}; -v shows them all)"
    )


def _wrapper(width: int | None):
    """A function that indents a message (by MESSAGE_INDENT, or as told) and wraps it to
    `width`; with no width it only indents."""

    def wrap(text: str, first: str = MESSAGE_INDENT, rest: str = MESSAGE_INDENT) -> str:
        if width is None:
            return first + text
        return textwrap.fill(
            text,
            width=max(width, MIN_WIDTH),
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )

    return wrap


def _origin(source: str) -> str:
    if source == "assumed":
        return "assumed: nothing in the repository pins it (see ML005)"
    if source == "assumed-legacy":
        return "assumed: the legacy configuration is read only up to 0.12 (see ML005)"
    if source == "default":
        return "default: nothing in the repository says otherwise"
    return f"from {source}"


def _header(out: list[str], result: RunResult, paint: _Painter, verbose: int) -> None:
    target = result.target
    assert target is not None
    version_from = target.version_source
    if target.version_location and not target.assumed:
        version_from = f"{target.version_location.path}:{target.version_location.line}"
    out.append(
        f"{paint('metallb-lint', BOLD)} {__version__}: checked against "
        f"{paint(f'MetalLB {target.version}', BOLD)}, {paint(f'{target.mode} mode', BOLD)}, "
        f"namespace {paint(target.namespace, BOLD)}\n"
    )
    if target.floor is not None and target.floor != target.version:
        version_from += (
            f" (checked with {target.version}, the newest; advice that would break an older "
            "release of the range is held back)"
        )
    assumed = "assumed-legacy" if target.assumed_because == "legacy" else "assumed"
    for label, source in (
        ("version", assumed if target.assumed else version_from),
        ("mode", target.mode_source),
        ("namespace", target.namespace_source),
    ):
        out.append(paint(f"  {label:<10} {clean(_origin(source))}", DIM) + "\n")
    _judged(out, result, paint, verbose)
    roots = result.discovery.context_roots if result.discovery is not None else []
    for root in roots:
        out.append(
            paint(
                f"  context    {clean(root)}: the rest of its project was read; only findings "
                "that touch the named paths are reported (--no-context: the named paths alone)",
                DIM,
            )
            + "\n"
        )
    if verbose:
        for note in result.notes:
            out.append(paint(f"  note: {clean(note)}", DIM) + "\n")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _judged(out: list[str], result: RunResult, paint: _Painter, verbose: int) -> None:
    """How many objects were judged, and how many could not be (not deployed, unresolved)."""
    seen = result.coverage
    assert seen is not None
    line = (
        f"  judged     {_plural(seen.metallb_objects, 'MetalLB object')}, "
        f"{_plural(seen.services, 'LoadBalancer Service')}"
    )
    missing = []
    if seen.not_deployed:
        missing.append(f"{_plural(len(seen.not_deployed), 'file')} nothing deploys (ML007)")
    if seen.unresolved:
        missing.append(f"{len(seen.unresolved)} left unresolved or unrendered (ML004)")
    if missing:
        line += "; not judged: " + ", ".join(missing) + ("" if verbose else " (-v lists them)")
    out.append(paint(clean(line), DIM) + "\n")
    if verbose:
        for path, why in seen.not_deployed:
            out.append(paint(f"    not deployed: {clean(path)}: {clean(why)}", DIM) + "\n")
        for path, number, why in seen.unresolved:
            out.append(paint(f"    unresolved: {clean(path)}:{number}: {clean(why)}", DIM) + "\n")


def _summary(out: list[str], result: RunResult, paint: _Painter, verbose: int) -> None:
    table = counts(result)
    problems = table["error"] + table["warning"] + table["info"]
    out.append("\n")
    if problems == 0:
        out.append(paint("No problems found", BOLD, GREEN))
    else:
        parts = [
            f"{table[s]} {s}{'s' if table[s] != 1 else ''}"
            for s in ("error", "warning", "info")
            if table[s]
        ]
        noun = "problem" if problems == 1 else "problems"
        out.append(f"{paint(f'{problems} {noun}', BOLD)} ({', '.join(parts)})")
    checked = f"{result.files} file{'s' if result.files != 1 else ''}"
    if problems:  # the files with problems apart from the files checked
        shown = len({f.location.path for f in result.findings if not f.suppressed})
        checked = f"{shown} file{'s' if shown != 1 else ''} of {result.files} checked"
    out.append(f" in {checked}")
    out.append(f", {result.resources} resource{'s' if result.resources != 1 else ''}")
    if table["suppressed"]:
        out.append(f", {table['suppressed']} suppressed")
        if not verbose:
            out.append(" (-v shows them)")
    out.append("\n")


def _lines(result: RunResult, path: str) -> list[str]:
    text = result.text_of(path)
    return text.split("\n") if text else []


def _finding(out: list[str], finding: Finding, lines: list[str], paint: _Painter, wrap) -> None:
    loc = finding.location
    severity = str(finding.severity)
    position = f"  {loc.line}:{loc.column}".ljust(10)
    head = (
        f"{position}{paint(severity.ljust(7), *SEVERITY_STYLES[severity])} "
        f"{paint(finding.rule, BOLD)} {paint(finding.name, DIM)}"
    )
    if finding.suppressed:
        reason = f": {finding.suppression_reason}" if finding.suppression_reason else ""
        head += " " + paint(clean(f"(suppressed{reason})"), DIM)
    out.append(f"{head}\n{wrap(clean(finding.message))}\n")
    _source(out, loc, lines, paint)
    for related in finding.related:
        where = clean(f"{related.location.path}:{related.location.line}")
        plain = f"      → {where}  "
        text = wrap(clean(related.message), plain, " " * 8)
        out.append(f"      {paint('→', DIM)} {paint(where, BOLD)}  {text[len(plain) :]}\n")


def _source(out: list[str], loc: Location, lines: list[str], paint: _Painter) -> None:
    if not 1 <= loc.line <= len(lines):
        return
    text = clean(lines[loc.line - 1].rstrip())[:MAX_SOURCE_WIDTH]
    if not text.strip():
        return
    end = loc.end_column if loc.end_line == loc.line else len(text)
    start = min(loc.column, len(text) + 1)
    end = min(max(end, start), len(text))
    width = max(end - start + 1, 1)
    out.append(paint(f"{loc.line:>{GUTTER_WIDTH}} │", DIM) + f" {text}\n")
    out.append(
        paint(f"{'':>{GUTTER_WIDTH}} │", DIM)
        + " "
        + " " * (start - 1)
        + paint("^" * width, BOLD, RED)
        + "\n"
    )
