"""The versioned JSON contract (DESIGN.md, "JSON output")."""

from __future__ import annotations

import json
from typing import TextIO

from metallb_lint import __version__
from metallb_lint.engine import RunResult
from metallb_lint.findings import Finding
from metallb_lint.report.summary import counts

JSON_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, object]:
    loc = finding.location
    item: dict[str, object] = {
        "rule": finding.rule,
        "name": finding.name,
        "severity": str(finding.severity),
        "message": finding.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        # Exclusive, as in the DESIGN.md contract, SARIF and LSP: one past the last character.
        "end_column": loc.end_column + 1,
        "resource": finding.resource.as_dict() if finding.resource else None,
        "related": [
            {"path": r.location.path, "line": r.location.line, "message": r.message}
            for r in finding.related
        ],
        "fingerprint": finding.fingerprint,
    }
    if finding.fix is not None:  # only on findings with a fix: the shape of others is as it was
        item["fix"] = finding.fix.as_dict()
    if finding.suppressed:
        item["suppressed"] = True
        item["suppression_reason"] = finding.suppression_reason
    return item


def document(result: RunResult) -> dict[str, object]:
    target = result.target
    assert target is not None and result.coverage is not None
    summary = {
        "files": result.files,
        "resources": result.resources,
        **counts(result),
        **result.coverage.as_dict(),
    }
    return {
        "version": JSON_VERSION,
        "tool": {"name": "metallb-lint", "version": __version__},
        "target": {
            "metallb_version": str(target.version),
            "source": target.version_source,
            "mode": target.mode,
        },
        "summary": summary,
        "findings": [finding_dict(f) for f in result.findings],
    }


def write_json(result: RunResult, stream: TextIO) -> None:
    """Indented at the top, one finding a line: readable, diffable, and encoded by json's C
    encoder (an indented dump of 10,000 findings takes seconds in its pure-Python one)."""
    doc = document(result)
    findings = doc.pop("findings")
    head = json.dumps(doc, indent=2, ensure_ascii=False)[:-2]  # drop the closing "\n}"
    if findings:
        items = ",\n".join(f"    {json.dumps(f, ensure_ascii=False)}" for f in findings)
        stream.write(f'{head},\n  "findings": [\n{items}\n  ]\n}}\n')
    else:
        stream.write(f'{head},\n  "findings": []\n}}\n')
