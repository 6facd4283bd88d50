"""JUnit XML for CI test-report viewers (GitLab, Jenkins, Azure DevOps, ...).

One `<testsuite>` per linted file (in the report's order), named by its path; in it, one failing
`<testcase>` per finding (`<failure type="error|warning|info">`), one skipped `<testcase>` per
suppressed finding, and a passing `<testcase>` when the file has no unsuppressed finding. No
timestamps or host names, so the same input gives the same bytes. Characters XML 1.0 cannot
carry (most control characters) are written as U+FFFD; everything else is escaped by
ElementTree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from metallb_lint.engine import RunResult
from metallb_lint.findings import Finding

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _details(finding: Finding) -> str:
    loc = finding.location
    lines = [
        f"{loc.path}:{loc.line}:{loc.column}: {finding.rule} {finding.name} "
        f"[{finding.severity}] {finding.message}"
    ]
    if finding.resource is not None:
        lines.append(f"resource: {finding.resource}")
    lines += [f"related: {r.location.path}:{r.location.line}: {r.message}" for r in finding.related]
    return _xml("\n".join(lines))


def _testcase(suite: ET.Element, path: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": _xml(path), "name": _xml(name)})


def document(result: RunResult) -> ET.Element:
    by_path: dict[str, list[Finding]] = {}
    for path in result.paths:
        by_path.setdefault(path, [])
    for finding in result.findings:  # also files no candidate names (a config file)
        by_path.setdefault(finding.location.path, []).append(finding)
    root = ET.Element("testsuites", {"name": "metallb-lint"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for path, findings in by_path.items():
        suite = ET.SubElement(root, "testsuite", {"name": _xml(path)})
        failures = skipped = 0
        for finding in findings:
            loc = finding.location
            case = _testcase(
                suite, path, f"{finding.rule} {finding.name} at line {loc.line}:{loc.column}"
            )
            if finding.suppressed:
                reason = f": {finding.suppression_reason}" if finding.suppression_reason else ""
                ET.SubElement(case, "skipped", {"message": _xml(f"suppressed{reason}")})
                skipped += 1
                continue
            failure = ET.SubElement(
                case,
                "failure",
                {"message": _xml(finding.message), "type": str(finding.severity)},
            )
            failure.text = _details(finding)
            failures += 1
        if not failures:
            _testcase(suite, path, "metallb-lint")
        tests = len(suite)
        suite.attrib.update(
            tests=str(tests), failures=str(failures), errors="0", skipped=str(skipped)
        )
        totals["tests"] += tests
        totals["failures"] += failures
        totals["skipped"] += skipped
    root.attrib.update(
        tests=str(totals["tests"]),
        failures=str(totals["failures"]),
        errors="0",
        skipped=str(totals["skipped"]),
    )
    return root


def write_junit(result: RunResult, stream: TextIO) -> None:
    root = document(result)
    ET.indent(root, space="  ")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
