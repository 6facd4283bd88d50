"""The small part of Helm's template language a linter can render without Helm.

Plain references (`{{ .Values.a.b }}`, `{{ .Release.Namespace }}`, `{{ .Chart.Name }}`,
optionally piped to `quote`) are replaced by their value; anything else (`if`, `range`,
`include`, functions) makes the document unrenderable and it is skipped with ML004.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
_SIMPLE = re.compile(
    r"^\$?(\.(?:Values|Release|Chart)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*(\|\s*(quote|squote))?$"
)
_JINJA_BLOCK = re.compile(r"\{%|\{#")
_COMMENT = re.compile(r"^/\*.*\*/$", re.DOTALL)


@dataclass(frozen=True)
class RenderResult:
    text: str | None  # None: could not be rendered
    reason: str = ""
    line: int = 1  # 1-based line of the first action that could not be rendered


def render(text: str, context: Mapping[str, object]) -> RenderResult:
    """Render `text` with `context` = {"Values": ..., "Release": ..., "Chart": ...}."""
    problem: list[tuple[int, str]] = []

    def replace(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if _COMMENT.match(expr):
            return ""
        simple = _SIMPLE.match(expr)
        if not simple:
            problem.append((match.start(), f"template action '{{{{ {expr} }}}}'"))
            return match.group(0)
        value = _lookup(context, simple.group(1)[1:].split("."))
        if value is _MISSING:
            problem.append((match.start(), f"'{simple.group(1)}' has no value"))
            return match.group(0)
        quote = simple.group(3)
        if quote == "quote":
            return json.dumps("" if value is None else str(value))
        if quote == "squote":
            return "'" + str(value).replace("'", "''") + "'"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        if value is None:
            return ""
        if isinstance(value, str) and "\n" in value:
            # Inserted raw, a multi-line value would move every line after it.
            problem.append((match.start(), f"multi-line value of '{simple.group(1)}'"))
            return match.group(0)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    pieces: list[str] = []
    last = 0
    for match in _ACTION.finditer(text):
        _check_gap(text, last, match.start(), problem)
        pieces.append(text[last : match.start()])
        pieces.append(replace(match))
        last = match.end()
    _check_gap(text, last, len(text), problem)
    pieces.append(text[last:])
    if problem:
        offset, reason = min(problem)
        return RenderResult(None, reason, text.count("\n", 0, offset) + 1)
    return RenderResult("".join(pieces))


def _check_gap(text: str, start: int, end: int, problem: list[tuple[int, str]]) -> None:
    """Template syntax outside `{{ }}` actions: an unclosed action or a Jinja block."""
    opening = text.find("{{", start, end)
    if opening >= 0:
        problem.append((opening, "unterminated template action"))
    block = _JINJA_BLOCK.search(text, start, end)
    if block:
        problem.append((block.start(), f"Jinja syntax '{block.group(0)}'"))


_MISSING = object()


def _lookup(context: Mapping[str, object], parts: list[str]) -> object:
    node: object = context
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node
