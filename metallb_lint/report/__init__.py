"""Findings to output. Reporters format; they never decide what counts."""

from __future__ import annotations

from typing import TextIO

from metallb_lint.engine import RunResult

FORMATS = ("text", "concise", "json")


def render(
    fmt: str,
    result: RunResult,
    stream: TextIO,
    *,
    color: bool,
    verbose: int = 0,
    quiet: bool = False,
) -> None:
    """Write `result` as `fmt`. `quiet` turns the text format into concise finding lines."""
    if fmt == "json":
        from metallb_lint.report.json_report import write_json

        write_json(result, stream)
    elif fmt == "concise" or (fmt == "text" and quiet):
        from metallb_lint.report.concise import write_concise

        write_concise(result, stream)
    elif fmt == "text":
        from metallb_lint.report.text import write_text

        write_text(result, stream, color=color, verbose=verbose)
    else:  # pragma: no cover - argparse restricts the choices
        raise ValueError(fmt)


def counts(result: RunResult) -> dict[str, int]:
    table = {"error": 0, "warning": 0, "info": 0, "suppressed": 0}
    for finding in result.findings:
        if finding.suppressed:
            table["suppressed"] += 1
        else:
            table[str(finding.severity)] += 1
    return table
