"""The human report: grouped by file, the offending line with a marker, related locations,
a header naming the target and a summary. Built as one rich `Text` and printed once, so
10,000 findings render in well under a second."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from metallb_lint import __version__
from metallb_lint.engine import RunResult
from metallb_lint.findings import Finding, Location
from metallb_lint.report import counts

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MAX_SOURCE_WIDTH = 160


def write_text(result: RunResult, stream: TextIO, *, color: bool, verbose: int = 0) -> None:
    from rich.console import Console
    from rich.text import Text

    out = Text()
    target = result.inventory.target
    version_from = target.version_source
    if target.version_location:
        version_from = f"{target.version_location.path}:{target.version_location.line}"
    out.append("metallb-lint ", style="bold")
    out.append(f"{__version__} · MetalLB {target.version}", style="bold")
    out.append(f" ({'assumed, nothing pins it' if target.assumed else 'from ' + version_from})")
    out.append(f" · {target.mode} mode", style="bold")
    out.append(f" ({target.mode_source})")
    out.append(f" · namespace {target.namespace}", style="bold")
    out.append(f" ({target.namespace_source})\n")
    if verbose:
        for note in result.notes:
            out.append(f"note: {note}\n", style="dim")

    lines_cache: dict[str, list[str]] = {}
    shown = [f for f in result.findings if not f.suppressed or verbose]
    for path, group in groupby(shown, key=lambda f: f.location.path):
        out.append("\n")
        out.append(path, style="bold underline")
        out.append("\n")
        for finding in group:
            _finding(out, finding, _lines(result, path, lines_cache))
            for related in finding.related:
                out.append("      → ", style="dim")
                out.append(f"{related.location.path}:{related.location.line}", style="dim bold")
                out.append(f"  {related.message}\n", style="dim")

    table = counts(result)
    problems = table["error"] + table["warning"] + table["info"]
    out.append("\n")
    if problems == 0:
        out.append("No problems found", style="bold green")
    else:
        out.append(f"{problems} problem{'s' if problems != 1 else ''}", style="bold")
        parts = [
            f"{table[s]} {s}{'s' if table[s] != 1 else ''}"
            for s in ("error", "warning", "info")
            if table[s]
        ]
        out.append(f" ({', '.join(parts)})")
    out.append(f" in {result.files} file{'s' if result.files != 1 else ''}")
    out.append(f", {result.resources} resource{'s' if result.resources != 1 else ''}")
    if table["suppressed"]:
        out.append(f", {table['suppressed']} suppressed")
    out.append("\n")

    console = Console(
        file=stream,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,
        width=10_000,
        emoji=False,
        markup=False,
    )
    console.print(out, end="")


def _lines(result: RunResult, path: str, cache: dict[str, list[str]]) -> list[str]:
    if path not in cache:
        source = result.inventory.sources.get(path)
        cache[path] = source.text.split("\n") if source and source.text else []
    return cache[path]


def _finding(out, finding: Finding, lines: list[str]) -> None:
    loc = finding.location
    severity = str(finding.severity)
    out.append(f"  {loc.line}:{loc.column}".ljust(10))
    out.append(severity.ljust(8), style=STYLES[severity])
    out.append(f"{finding.rule} ", style="bold")
    out.append(f"{finding.name}", style="dim")
    if finding.suppressed:
        reason = f": {finding.suppression_reason}" if finding.suppression_reason else ""
        out.append(f" (suppressed{reason})", style="dim")
    out.append("\n")
    out.append(f"      {finding.message}\n")
    _source(out, loc, lines)


def _source(out, loc: Location, lines: list[str]) -> None:
    if not 1 <= loc.line <= len(lines):
        return
    text = lines[loc.line - 1].replace("\t", " ")
    if not text.strip() or len(text) > MAX_SOURCE_WIDTH:
        text = text[:MAX_SOURCE_WIDTH]
    gutter = f"{loc.line:>6} │ "
    out.append(gutter, style="dim")
    out.append(text + "\n")
    end = loc.end_column if loc.end_line == loc.line else len(text)
    end = min(max(end, loc.column), len(text)) if text else loc.column
    width = max(end - loc.column + 1, 1)
    out.append(" " * (len(gutter) - 2) + "│ ", style="dim")
    out.append(" " * (loc.column - 1) + "^" * width + "\n", style="bold red")
