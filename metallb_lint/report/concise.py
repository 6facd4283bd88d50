"""`path:line:col: ID [severity] message`, one line a finding, for editors and grep."""

from __future__ import annotations

from typing import TextIO

from metallb_lint.engine import RunResult
from metallb_lint.report.text import clean


def write_concise(result: RunResult, stream: TextIO) -> None:
    lines = [
        clean(
            f"{f.location.path}:{f.location.line}:{f.location.column}: {f.rule} [{f.severity}] "
            f"{f.message}"
        )
        for f in result.findings
        if not f.suppressed
    ]
    if lines:
        stream.write("\n".join(lines) + "\n")
