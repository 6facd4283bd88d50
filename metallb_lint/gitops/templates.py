"""The small part of Helm's template language a linter can render without Helm.

Plain references (`{{ .Values.a.b }}`, `{{ .Release.Namespace }}`, `{{ .Chart.Name }}`,
optionally with a literal `default` and piped to `quote`) are replaced by their value; `if`,
`if not`, `else` and `end` on such a reference keep or drop what they wrap, as Helm does
(false, 0, null and empty values are false); anything else (`else if`, `range`, `with`,
`include`, other functions), or a condition on a value the chart does not set, makes the
document unrenderable and it is skipped with ML004. Lines keep their numbers: what a
condition drops becomes blank lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

_REFERENCE = r"\$?(\.(?:Values|Release|Chart)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)"
_LITERAL = r"(\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d+)?|true|false)"
# `.Values.a`, `.Values.a | default "x"`, `default "x" .Values.a`, then `| quote`/`| squote`
_SIMPLE = re.compile(
    rf"^(?:default\s+{_LITERAL}\s+{_REFERENCE}|{_REFERENCE}(?:\s*\|\s*default\s+{_LITERAL})?)"
    r"\s*(\|\s*(quote|squote))?$"
)
_CONDITION = re.compile(
    r"^if\s+(not\s+)?(\$?\.(?:Values|Release|Chart)(?:\.[A-Za-z_][A-Za-z0-9_]*)+)$"
)
_JINJA_BLOCK = re.compile(r"\{%|\{#")
_COMMENT = re.compile(r"^/\*.*\*/$", re.DOTALL)


class RenderResult(NamedTuple):
    """A Helm template rendered without Helm, or why and where it could not be."""

    text: str | None  # None: could not be rendered
    reason: str = ""
    line: int = 1  # 1-based line of the first action that could not be rendered


def render(text: str, context: Mapping[str, object]) -> RenderResult:
    """Render `text` with `context` = {"Values": ..., "Release": ..., "Chart": ...}."""
    problem: list[tuple[int, str]] = []

    def replace(start: int, end: int) -> str:
        original = text[start:end]
        expr = _inner(original)
        if _COMMENT.match(expr):
            return ""
        simple = _SIMPLE.match(expr)
        if not simple:
            problem.append((start, f"template action '{{{{ {expr} }}}}'"))
            return original
        reference = simple.group(2) or simple.group(3)
        fallback = simple.group(1) or simple.group(4)
        value = _lookup(context, reference.lstrip("$")[1:].split("."))
        if fallback is not None and (value is _MISSING or not _truthy(value)):
            value = json.loads(fallback)  # Helm's default: the literal when the value is empty
        if value is _MISSING:
            problem.append((start, f"'{reference}' has no value"))
            return original
        quote = simple.group(6)
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
            problem.append((start, f"multi-line value of '{reference}'"))
            return original
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    pieces: list[str] = []
    branches = _Branches()

    def kept() -> bool:
        return branches.kept

    def emit(piece: str) -> None:
        pieces.append(piece if kept() else "\n" * piece.count("\n"))

    last = 0
    for start, end in _actions(text):
        if kept():
            _check_gap(text, last, start, problem)
        emit(text[last:start])
        if end < 0:
            problem.append((start, "unterminated template action"))
            last = start
            break
        expr = _inner(text[start:end])
        if _control(expr, start, context, branches, problem):
            pieces.append("\n" * text.count("\n", start, end))
        elif kept():
            pieces.append(replace(start, end))
        else:
            emit(text[start:end])
        last = end
    if kept():
        _check_gap(text, last, len(text), problem)
    emit(text[last:])
    if branches:
        problem.append((len(text), "an 'if' without its 'end'"))
    if problem:
        offset, reason = min(problem)
        return RenderResult(None, reason, text.count("\n", 0, offset) + 1)
    return RenderResult("".join(pieces))


def _control(
    expr: str,
    start: int,
    context: Mapping[str, object],
    branches: _Branches,
    problem: list[tuple[int, str]],
) -> bool:
    """Handle `if`, `else` and `end`; False when `expr` is none of them."""
    if expr == "end":
        if branches:
            branches.pop()
        else:
            problem.append((start, "an 'end' without its 'if'"))
        return True
    if expr == "else":
        if branches:
            branches.flip()
        else:
            problem.append((start, "an 'else' without its 'if'"))
        return True
    condition = _CONDITION.match(expr)
    if condition is None:
        return False
    value = _lookup(context, condition.group(2).lstrip("$")[1:].split("."))
    if value is _MISSING:
        problem.append((start, f"'{condition.group(2)}' has no value"))
        held = False
    else:
        held = _truthy(value) != bool(condition.group(1))
    branches.push(held)
    return True


class _Branches:
    """The open `if`s: whether each one's current branch is kept, and how many are not, so
    that "is this text kept" costs the same at any depth (a hostile template nests deeply)."""

    def __init__(self) -> None:
        self._stack: list[tuple[bool, bool]] = []  # (kept, whether the `if` held)
        self._dropped = 0

    def __bool__(self) -> bool:
        return bool(self._stack)

    @property
    def kept(self) -> bool:
        return self._dropped == 0

    def push(self, held: bool) -> None:
        self._stack.append((held, held))
        self._dropped += not held

    def pop(self) -> None:
        keep, _ = self._stack.pop()
        self._dropped -= not keep

    def flip(self) -> None:
        keep, held = self._stack.pop()
        self._dropped -= not keep
        self._stack.append((not held, held))
        self._dropped += held


def _truthy(value: object) -> bool:
    """Helm's truth: false, 0, null and empty strings and collections are false."""
    return value is not None and value is not False and value != 0 and value not in ("", [], {})


def _actions(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each `{{ ... }}` action in one linear scan; end is -1 if unclosed."""
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return
        close = text.find("}}", start + 2)
        if close < 0:
            yield start, -1
            return
        yield start, close + 2
        pos = close + 2


def _inner(action: str) -> str:
    """The expression of `{{ expr }}`, without whitespace-trim markers (`{{- expr -}}`)."""
    body = action[2:-2]
    if body[:1] == "-" and body[1:2].isspace():
        body = body[1:]
    if body[-1:] == "-" and body[-2:-1].isspace():
        body = body[:-1]
    return body.strip()


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
