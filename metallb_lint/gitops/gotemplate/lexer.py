"""Go text/template's lexical level: a template's text split into text and actions, with the
trim markers (`{{- `, ` -}}`) applied, and each action's tokens. One linear pass; no regular
expressions."""

from __future__ import annotations

from typing import NamedTuple

from metallb_lint.gitops.gotemplate.values import TemplateError

_SPACE = " \t\r\n"
_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


class Token(NamedTuple):
    kind: str  # field, dot, var, ident, string, number, pipe, lparen, rparen, declare, assign,
    # comma
    value: object
    offset: int
    joined: bool = False  # a field written right after the previous token (`$x.a`, `(x).a`)


class Piece(NamedTuple):
    """Text (`tokens` None, the text is `source[start:end]`) or an action (its tokens)."""

    start: int
    end: int
    tokens: tuple[Token, ...] | None


def lex(source: str) -> list[Piece]:
    """The pieces of `source`: texts (already trimmed by the markers around them) and actions;
    comments are dropped. Raises TemplateError with the offset of a malformed action."""
    pieces: list[Piece] = []
    pos = 0
    trim_next = False
    size = len(source)
    while pos <= size:
        open_at = source.find("{{", pos)
        text_end = size if open_at < 0 else open_at
        start = pos
        if trim_next:
            while start < text_end and source[start] in _SPACE:
                start += 1
        if open_at < 0:
            if start < text_end:
                pieces.append(Piece(start, text_end, None))
            break
        inner = open_at + 2
        trim_before = (
            source.startswith("-", inner) and inner + 1 < size and (source[inner + 1] in _SPACE)
        )
        if trim_before:
            inner += 2
            while start < text_end and source[text_end - 1] in _SPACE:
                text_end -= 1
        if start < text_end:
            pieces.append(Piece(start, text_end, None))
        while inner < size and source[inner] in _SPACE:
            inner += 1
        if source.startswith("/*", inner):
            close = source.find("*/", inner + 2)
            if close < 0:
                raise TemplateError("unclosed comment", open_at)
            after = close + 2
            trim_next = False
            if source.startswith(" -}}", after):
                trim_next = True
                after += 4
            elif source.startswith("}}", after):
                after += 2
            else:
                raise TemplateError("comment ends before closing delimiter", open_at)
            pos = after
            continue
        tokens, pos, trim_next = _action(source, inner, open_at)
        pieces.append(Piece(open_at, pos, tuple(tokens)))
    return pieces


def _action(source: str, pos: int, open_at: int) -> tuple[list[Token], int, bool]:
    """The tokens of one action from `pos`; returns them, the offset after `}}` and whether
    the action ends with a trim marker."""
    tokens: list[Token] = []
    size = len(source)
    spaced = True
    while True:
        if pos >= size:
            raise TemplateError("unterminated template action", open_at)
        char = source[pos]
        if char in _SPACE:
            if source.startswith("-}}", pos + 1):
                return tokens, pos + 4, True
            pos += 1
            spaced = True
            continue
        if source.startswith("}}", pos):
            return tokens, pos + 2, False
        start = pos
        if char == ".":
            pos += 1
            name_end = _ident_end(source, pos)
            if name_end > pos:
                tokens.append(Token("field", source[pos:name_end], start, not spaced))
                pos = name_end
            else:
                tokens.append(Token("dot", None, start))
        elif char == "$":
            name_end = _ident_end(source, pos + 1)
            tokens.append(Token("var", source[pos:name_end], start))
            pos = name_end
        elif char == "_" or char.isalpha():
            name_end = _ident_end(source, pos)
            tokens.append(Token("ident", source[pos:name_end], start))
            pos = name_end
        elif char == '"':
            value, pos = _quoted(source, pos, open_at)
            tokens.append(Token("string", value, start))
        elif char == "`":
            close = source.find("`", pos + 1)
            if close < 0:
                raise TemplateError("unterminated raw quoted string", start)
            tokens.append(Token("string", source[pos + 1 : close], start))
            pos = close + 1
        elif char == "'":
            value, pos = _quoted(source, pos, open_at)
            if len(value) != 1:
                raise TemplateError("malformed character constant", start)
            tokens.append(Token("number", ord(value), start))
        elif char.isdigit() or (char in "+-" and pos + 1 < size and source[pos + 1].isdigit()):
            value, pos = _number(source, pos)
            tokens.append(Token("number", value, start))
        elif char == "|":
            tokens.append(Token("pipe", None, start))
            pos += 1
        elif char == "(":
            tokens.append(Token("lparen", None, start))
            pos += 1
        elif char == ")":
            tokens.append(Token("rparen", None, start))
            pos += 1
        elif char == ",":
            tokens.append(Token("comma", None, start))
            pos += 1
        elif source.startswith(":=", pos):
            tokens.append(Token("declare", None, start))
            pos += 2
        elif char == "=":
            tokens.append(Token("assign", None, start))
            pos += 1
        else:
            raise TemplateError(f"unexpected '{char}' in action", start)
        spaced = False


def _ident_end(source: str, pos: int) -> int:
    size = len(source)
    while pos < size and (source[pos] == "_" or source[pos].isalnum()):
        pos += 1
    return pos


def _quoted(source: str, pos: int, open_at: int) -> tuple[str, int]:
    """A Go interpreted string (or character) literal starting at `pos`."""
    quote = source[pos]
    out: list[str] = []
    pos += 1
    size = len(source)
    while True:
        if pos >= size or source[pos] == "\n":
            raise TemplateError("unterminated quoted string", open_at)
        char = source[pos]
        if char == quote:
            return "".join(out), pos + 1
        if char != "\\":
            run_end = pos + 1
            while run_end < size and source[run_end] not in (quote, "\\", "\n"):
                run_end += 1
            out.append(source[pos:run_end])
            pos = run_end
            continue
        escape = source[pos + 1 : pos + 2]
        if escape in _ESCAPES:
            out.append(_ESCAPES[escape])
            pos += 2
        elif escape in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[escape]
            digits = source[pos + 2 : pos + 2 + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise TemplateError("invalid escape in string", pos)
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise TemplateError("invalid escape in string", pos)
            out.append(chr(code))
            pos += 2 + width
        elif escape in "01234567" and escape:
            digits = source[pos + 1 : pos + 4]
            if len(digits) != 3 or any(c not in "01234567" for c in digits):
                raise TemplateError("invalid escape in string", pos)
            out.append(chr(int(digits, 8)))
            pos += 4
        else:
            raise TemplateError("invalid escape in string", pos)


def _number(source: str, pos: int) -> tuple[int | float, int]:
    start = pos
    size = len(source)
    if source[pos] in "+-":
        pos += 1
    while pos < size and (
        source[pos].isalnum()
        or source[pos] in "._"
        or (
            source[pos] in "+-"
            and source[pos - 1] in "eEpP"
            and not source[start:pos].startswith(("0x", "0X", "-0x", "+0x"))
        )
    ):
        pos += 1
    text = source[start:pos].replace("_", "")
    try:
        if any(c in text for c in ".eE") and not text.lstrip("+-").startswith(("0x", "0X")):
            return float(text), pos
        return int(text, 0), pos
    except ValueError:
        try:
            return int(text, 8), pos  # Go's 0755
        except ValueError:
            raise TemplateError(f"bad number syntax: '{source[start:pos]}'", start) from None
