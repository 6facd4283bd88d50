"""Go's fmt, the part charts use: how a value prints (%v), Go-quoted strings (strconv.Quote)
and Sprintf with the verbs %s %d %v %q %t %f %x."""

from __future__ import annotations

from collections.abc import Mapping

from metallb_lint.gitops.gotemplate.values import (
    TemplateError,
    Unknown,
    _compound,
    to_text,
    type_name,
)


def strval(value: object) -> str:
    """Sprig's strval: a string as it is, anything else as Go's %v prints it."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    if isinstance(value, (Mapping, list, tuple)):
        return _compound(value, 0)
    return to_text(value)


def go_quote(text: str) -> str:
    """Go's strconv.Quote: printable characters kept, the rest escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif char.isprintable() or char == " ":
            out.append(char)
        elif code < 0x80:
            named = {7: "\\a", 8: "\\b", 11: "\\v", 12: "\\f"}.get(code)
            out.append(named or f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def verb_v(value: object) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, Unknown):
        raise TemplateError(value.reason())
    if isinstance(value, (Mapping, list, tuple)):
        return _compound(value, 0)
    return to_text(value)


def go_sprintf(fmt: str, args: tuple) -> str:
    """Go's fmt.Sprintf for the verbs charts use: %s %d %v %q %t %f %x %%, with width."""
    out: list[str] = []
    pos = 0
    index = 0
    size = len(fmt)
    while pos < size:
        percent = fmt.find("%", pos)
        if percent < 0:
            out.append(fmt[pos:])
            break
        out.append(fmt[pos:percent])
        pos = percent + 1
        flags = ""
        while pos < size and fmt[pos] in "-+# 0":
            flags += fmt[pos]
            pos += 1
        width_start = pos
        while pos < size and fmt[pos].isdigit() and pos - width_start < 4:
            pos += 1
        width = int(fmt[width_start:pos]) if pos > width_start else 0
        precision = None
        if pos < size and fmt[pos] == ".":
            pos += 1
            p_start = pos
            while pos < size and fmt[pos].isdigit() and pos - p_start < 3:
                pos += 1
            precision = int(fmt[p_start:pos]) if pos > p_start else 0
        if pos >= size:
            out.append("%!(NOVERB)")
            break
        verb = fmt[pos]
        pos += 1
        if verb == "%":
            out.append("%")
            continue
        if index >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[index]
        index += 1
        text = _format_one(verb, arg, precision)
        if len(text) < width:
            text = text.ljust(width) if "-" in flags else text.rjust(width)
        out.append(text)
    if index < len(args):
        extra = ", ".join(f"{type_name(a)}={verb_v(a)}" for a in args[index:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _format_one(verb: str, arg: object, precision: int | None) -> str:
    if isinstance(arg, Unknown):
        raise TemplateError(arg.reason())
    is_number = isinstance(arg, (int, float)) and not isinstance(arg, bool)
    if verb == "v":
        return verb_v(arg)
    if verb == "s":
        if isinstance(arg, str):
            return arg if precision is None else arg[:precision]
        if is_number or arg is None or isinstance(arg, bool):
            return f"%!s({type_name(arg)}={verb_v(arg)})"
        return verb_v(arg)
    if verb == "q":
        if isinstance(arg, str):
            return go_quote(arg)
        return f"%!q({type_name(arg)}={verb_v(arg)})"
    if verb == "d":
        if isinstance(arg, int) and not isinstance(arg, bool):
            return str(arg)
        return f"%!d({type_name(arg)}={verb_v(arg)})"
    if verb == "t":
        if isinstance(arg, bool):
            return "true" if arg else "false"
        return f"%!t({type_name(arg)}={verb_v(arg)})"
    if verb == "f":
        if is_number:
            return f"{float(arg):.{6 if precision is None else precision}f}"  # type: ignore[arg-type]
        return f"%!f({type_name(arg)}={verb_v(arg)})"
    if verb == "x":
        if isinstance(arg, int) and not isinstance(arg, bool):
            return format(arg, "x")
        if isinstance(arg, str):
            return arg.encode("utf-8").hex()
        return f"%!x({type_name(arg)}={verb_v(arg)})"
    raise TemplateError(f"printf verb '%{verb}' is not supported")
