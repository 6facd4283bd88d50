"""GitHub Actions workflow commands: one annotation per finding.

    ::error file=a.yaml,line=9,col=21,endLine=9,endColumn=33,title=ML401 ip-not-in-any-pool::msg

Escaped exactly as GitHub's toolkit (`@actions/core`, command.ts) does: in the message `%`, CR
and LF become %25, %0D and %0A; in property values also `:` and `,` become %3A and %2C.
Columns are given only when the finding is on one line (GitHub ignores them otherwise). GitHub
shows at most 10 errors, 10 warnings and 10 notices of a step, so errors come first, then
warnings, then notices (info). Suppressed findings are not annotated.

Paths are relative to `base` (the CLI passes $GITHUB_WORKSPACE, the folder GitHub resolves
`file=` against) when the file is under it, else as the findings name them.
"""

from __future__ import annotations

import os
from typing import TextIO

from metallb_lint.engine import RunResult
from metallb_lint.findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _path(path: str, base: str | None, cwd: str) -> str:
    if base is None or path.startswith("<"):
        return path
    absolute = os.path.normpath(os.path.join(cwd, path))
    base = os.path.abspath(base)
    if absolute == base or not absolute.startswith(base.rstrip(os.sep) + os.sep):
        return path
    return os.path.relpath(absolute, base).replace(os.sep, "/")


def annotation(finding: Finding, *, base: str | None = None, cwd: str | None = None) -> str:
    loc = finding.location
    cwd = os.path.abspath(cwd or os.getcwd())
    properties: list[tuple[str, str | int]] = [
        ("file", _path(loc.path, base, cwd)),
        ("line", loc.line),
    ]
    if loc.end_line == loc.line:
        properties += [("col", loc.column), ("endLine", loc.end_line)]
        properties += [("endColumn", max(loc.end_column, loc.column))]
    else:
        properties += [("endLine", loc.end_line)]
    properties.append(("title", f"{finding.rule} {finding.name}".strip()))
    message = finding.message
    for related in finding.related:
        where = f"{_path(related.location.path, base, cwd)}:{related.location.line}"
        message += f"\n→ {where}: {related.message}"
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {props}::{escape_data(message)}"


def write_github(
    result: RunResult, stream: TextIO, *, base: str | None = None, cwd: str | None = None
) -> None:
    shown = [f for f in result.findings if not f.suppressed]
    # Most severe first; sorted() is stable, so each severity keeps the report's order.
    shown = sorted(shown, key=lambda f: -int(f.severity))
    lines = [annotation(f, base=base, cwd=cwd) for f in shown]
    if lines:
        stream.write("\n".join(lines) + "\n")
