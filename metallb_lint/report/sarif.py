"""SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`) and other viewers.

What code scanning uses, and how it is filled:

- `tool.driver.rules`: one reporting descriptor per rule that has a result, from `rules/`:
  summary as `shortDescription`, description as `fullDescription` (both at most 1024
  characters), `help` (text and markdown) with the remediation, the examples and a link to the
  rule's section of docs/rules.md, the default level and tags.
- results: relative URIs resolved against `%SRCROOT%` (the current directory, given in
  `originalUriBaseIds`), a region on every result (columns counted in code points; SARIF's
  `endColumn` is the column after the region), related locations linked from the message, a
  `partialFingerprints` entry that does not depend on line numbers (`Finding.fingerprint`: rule,
  file, resource and a location-independent anchor), and suppressed findings with
  `suppressions` (code scanning closes them).

`docs_url` (the CLI takes it from METALLB_LINT_DOCS_URL; the GitHub Action sets it to its own
docs/rules.md) makes the documentation links absolute (`helpUri`); without it, they name the
file docs/rules.md of metallb-lint's repository.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from metallb_lint import __version__
from metallb_lint.catalog import RuleInfo, catalog
from metallb_lint.engine import RunResult
from metallb_lint.findings import Finding, Fix, Location, Severity

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "metallb-lint/v1"
MAX_DESCRIPTION = 1024  # GitHub's limit for shortDescription and fullDescription
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
DOCS_PATH = "docs/rules.md"


def rule_anchor(info: RuleInfo) -> str:
    """The anchor of a rule's section in docs/rules.md (see ruledocs.py)."""
    return f"{info.id.lower()}-{info.name}"


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def _unwrap(text: str) -> str:
    """Hard-wrapped YAML prose as paragraphs: lines joined, blank lines kept."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _escape_message(text: str) -> str:
    """Literal brackets escaped, since `[text](1)` in a SARIF message is a link to related
    location 1 (§3.11.6); a backslash is doubled only where it would escape a bracket."""
    text = re.sub(r"\\(?=[\[\]])", r"\\\\", text)
    return text.replace("[", "\\[").replace("]", "\\]")


def _descriptor(info: RuleInfo, docs_url: str | None) -> dict[str, object]:
    anchor = rule_anchor(info)
    if docs_url:
        link = f"{docs_url.split('#')[0]}#{anchor}"
        text_link, markdown_link = link, f"[{info.id} {info.name}]({link})"
    else:  # no address known: name the file (a relative link would break in a viewer)
        link = f"{DOCS_PATH}#{anchor}"
        text_link = f"{link} in the metallb-lint repository"
        markdown_link = f"`{link}` in the metallb-lint repository"
    description = _unwrap(info.description)
    remediation = _unwrap(info.remediation)
    explain = f"`metallb-lint explain {info.id}` prints the same"
    help_text = (
        f"{description}\n\nHow to fix: {remediation}\n\nDocumentation: {text_link} ({explain})."
    )
    help_markdown = (
        f"{description}\n\n**How to fix.** {remediation}\n\n"
        f"Bad:\n\n```yaml\n{info.bad}```\n\nGood:\n\n```yaml\n{info.good}```\n\n"
        f"Documentation: {markdown_link} ({explain})."
    )
    family = info.family.split(" ", 1)[-1].strip().lower() if info.family else ""
    tags = ["metallb", *([family] if family else []), *info.tags]
    descriptor: dict[str, object] = {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": _clip(_unwrap(info.summary))},
        "fullDescription": {"text": _clip(description)},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {
            "level": LEVELS[info.severity],
            "enabled": info.enabled_by_default,
        },
        "properties": {"tags": list(dict.fromkeys(tags))},
    }
    if docs_url:
        descriptor["helpUri"] = link
    return descriptor


def _policy_descriptor(finding: Finding) -> dict[str, object]:
    """A rule outside the catalog (a user policy): what its findings say about it."""
    return {
        "id": finding.rule,
        "name": finding.name,
        "shortDescription": {"text": _clip(finding.name or finding.rule)},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"tags": ["metallb", "policy"]},
    }


def _artifact(path: str) -> dict[str, str]:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.replace(os.sep, "/"), safe="/"), "uriBaseId": SRCROOT}


def _region(loc: Location) -> dict[str, int]:
    region = {"startLine": loc.line, "startColumn": loc.column}
    if loc.end_line > loc.line or loc.end_column >= loc.column:
        region["endLine"] = loc.end_line
        region["endColumn"] = loc.end_column + 1  # SARIF: the column after the region
    return region


def _physical(loc: Location) -> dict[str, object]:
    return {"artifactLocation": _artifact(loc.path), "region": _region(loc)}


def _fix(fix: Fix) -> dict[str, object]:
    """SARIF's `fix`: replacements per file; a region of no characters inserts."""
    changes: dict[str, list[dict[str, object]]] = {}
    for edit in fix.edits:
        loc = edit.location
        region = {
            "startLine": loc.line,
            "startColumn": loc.column,
            "endLine": loc.end_line,
            "endColumn": loc.end_column + 1,
        }
        changes.setdefault(loc.path, []).append(
            {"deletedRegion": region, "insertedContent": {"text": edit.replacement}}
        )
    return {
        "description": {"text": f"{fix.message} ({fix.safety} fix)"},
        "artifactChanges": [
            {"artifactLocation": _artifact(path), "replacements": replacements}
            for path, replacements in changes.items()
        ],
    }


def _result(finding: Finding, index: int) -> dict[str, object]:
    related = [
        {
            "id": number,
            "physicalLocation": _physical(item.location),
            "message": {"text": item.message},
        }
        for number, item in enumerate(finding.related, start=1)
    ]
    text = _escape_message(finding.message)
    if related:  # code scanning shows related locations that the message links to
        links = ", ".join(
            f"[{_escape_message(item.message)}]({number})"
            for number, item in enumerate(finding.related, start=1)
        )
        text += f" (see {links})"
    location: dict[str, object] = {"physicalLocation": _physical(finding.location)}
    if finding.resource is not None:
        ref = finding.resource
        location["logicalLocations"] = [
            {
                "name": ref.name or "<unnamed>",
                "fullyQualifiedName": str(ref),
                "kind": "resource",
            }
        ]
    result: dict[str, object] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [location],
    }
    if related:
        result["relatedLocations"] = related
    result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.fix is not None:
        result["fixes"] = [_fix(finding.fix)]
    if finding.suppressed:
        suppression: dict[str, str] = {"kind": "inSource"}
        if finding.suppression_reason:
            suppression["justification"] = finding.suppression_reason
        result["suppressions"] = [suppression]
    return result


def document(
    result: RunResult, *, docs_url: str | None = None, cwd: str | None = None
) -> dict[str, object]:
    cwd = os.path.abspath(cwd or os.getcwd())
    known = catalog()
    rules: list[dict[str, object]] = []
    index: dict[str, int] = {}
    for finding in sorted(result.findings, key=lambda f: f.rule):
        if finding.rule in index:
            continue
        index[finding.rule] = len(rules)
        info = known.get(finding.rule)
        rules.append(_descriptor(info, docs_url) if info else _policy_descriptor(finding))
    target = result.target
    assert target is not None
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "metallb-lint",
                "version": __version__,
                "semanticVersion": __version__,
                **({"informationUri": docs_url.split("#")[0]} if docs_url else {}),
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(cwd).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule]) for f in result.findings],
        "properties": {
            "metallbVersion": str(target.version),
            "metallbVersionSource": target.version_source,
            "mode": target.mode,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def write_sarif(
    result: RunResult, stream: TextIO, *, docs_url: str | None = None, cwd: str | None = None
) -> None:
    json.dump(document(result, docs_url=docs_url, cwd=cwd), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
