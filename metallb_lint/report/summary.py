"""The counts every report's summary line gives."""

from __future__ import annotations

from metallb_lint.engine import RunResult


def counts(result: RunResult) -> dict[str, int]:
    table = {"error": 0, "warning": 0, "info": 0, "suppressed": 0}
    for finding in result.findings:
        if finding.suppressed:
            table["suppressed"] += 1
        else:
            table[str(finding.severity)] += 1
    return table
