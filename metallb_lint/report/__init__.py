"""Findings to output. Reporters format; they never decide what counts."""

from __future__ import annotations

from typing import TextIO

from metallb_lint.engine import RunResult

FORMATS = ("text", "concise", "json", "sarif", "github", "junit")


def render(
    fmt: str,
    result: RunResult,
    stream: TextIO,
    *,
    color: bool,
    verbose: int = 0,
    quiet: bool = False,
    docs_url: str | None = None,
    github_base: str | None = None,
    width: int | None = None,
) -> None:
    """Write `result` as `fmt`. `quiet` turns the text format into concise finding lines;
    `docs_url` is the address of docs/rules.md for SARIF's rule help; `github_base` is the folder
    GitHub resolves annotation paths against ($GITHUB_WORKSPACE); `width` is the width the text
    format wraps messages to (None: never wrapped)."""
    if fmt == "sarif":
        from metallb_lint.report.sarif import write_sarif

        write_sarif(result, stream, docs_url=docs_url)
    elif fmt == "github":
        from metallb_lint.report.github import write_github

        write_github(result, stream, base=github_base)
    elif fmt == "junit":
        from metallb_lint.report.junit import write_junit

        write_junit(result, stream)
    elif fmt == "json":
        from metallb_lint.report.json_report import write_json

        write_json(result, stream)
    elif fmt == "concise" or (fmt == "text" and quiet):
        from metallb_lint.report.concise import write_concise

        write_concise(result, stream)
    elif fmt == "text":
        from metallb_lint.report.text import write_text

        write_text(result, stream, color=color, verbose=verbose, width=width)
    else:  # pragma: no cover - argparse restricts the choices
        raise ValueError(fmt)
