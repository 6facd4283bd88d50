"""Building fixes in rules: an edit is offered only where the text at the finding's span is
exactly the literal the model read, so the file the user wrote is changed where the value is
written. A value rendered from a Helm template, substituted from a Flux `${VAR}`, replaced by a
kustomize patch or written on a templated line reads differently there (or is refused here),
and gets no fix."""

from __future__ import annotations

import re

from metallb_lint.checks.context import Context
from metallb_lint.findings import Edit, Location, span_offsets

# A line that a template engine or a substitution rewrites: what is written is not deployed.
_TEMPLATED = re.compile(r"\{\{|\{%|\$\{|__[A-Z0-9_]+__")
# Scalars written plain in block YAML without quoting: no indicator, no `: ` or ` #`.
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./:\-]*")


def written(ctx: Context, location: Location) -> str | None:
    """The text the user wrote at `location`, or None: no such text, a file whose text was not
    read, a span over several lines, a templated line or one a kustomize patch replaces."""
    source = ctx.inventory.sources.get(location.path)
    text = source.text if source is not None else None  # (read once: it may be read again)
    if text is None or location.line != location.end_line:
        return None
    offsets = span_offsets(text, location)
    if offsets is None:
        return None
    line = line_text(text, location.line)
    if line is None or _TEMPLATED.search(line) or ctx.inventory.is_superseded(location):
        return None
    return text[offsets[0] : offsets[1]]


def line_text(text: str, line: int) -> str | None:
    """Line `line` (1-based) of `text`, without its line break."""
    lines = text.split("\n")
    return lines[line - 1] if 1 <= line <= len(lines) else None


def scalar_quote(written_text: str | None, value: str) -> str | None:
    """The quote (`"`, `'` or "") with which `written_text` writes exactly the string `value`,
    None when it writes something else (an escape, a different value, a block scalar)."""
    if written_text is None:
        return None
    if written_text == value:
        return ""
    if len(written_text) >= 2 and written_text[0] == written_text[-1] and written_text[0] in "'\"":
        inner = written_text[1:-1]
        escaped = "\\" in inner if written_text[0] == '"' else "'" in inner
        if inner == value and not escaped:
            return written_text[0]
    return None


def replace_scalar(ctx: Context, location: Location, value: str, new: str) -> Edit | None:
    """The edit that writes the scalar `new` where `value` is written, in the same quotes; None
    when `value` is not literally there or `new` could not be written that way."""
    text = written(ctx, location)
    quote = scalar_quote(text, value)
    if text is None or quote is None or not _writable(new, quote):
        return None
    return Edit(location, text, f"{quote}{new}{quote}")


def _writable(value: str, quote: str) -> bool:
    if quote == "'":
        return "'" not in value and "\n" not in value
    if quote == '"':
        return '"' not in value and "\\" not in value and "\n" not in value
    return _PLAIN.fullmatch(value) is not None and not value.endswith(":")
