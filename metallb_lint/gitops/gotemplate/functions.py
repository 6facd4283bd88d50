"""The template functions a chart may call, an explicit and safe set: Go text/template's
built-ins and the Sprig and Helm functions charts around MetalLB use. Each takes the render's
`Context` first. A function not listed here makes a template unrenderable."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Protocol

from metallb_lint.gitops.gotemplate import serialize
from metallb_lint.gitops.gotemplate.values import (
    MAX_COLLECTION,
    MAX_OUTPUT,
    LimitError,
    TemplateError,
    Unknown,
    _compound,
    empty,
    to_text,
    type_name,
)


class Context(Protocol):
    def charge(self, steps: int) -> None: ...

    def unknown_when_missing(self, mapping: object) -> bool: ...


Function = Callable[..., object]
FUNCTIONS: dict[str, Function] = {}
# Functions that look at an Unknown argument themselves; every other one returns it.
SEES_UNKNOWN: set[str] = set()


def function(name: str, sees_unknown: bool = False) -> Callable[[Function], Function]:
    def register(fn: Function) -> Function:
        FUNCTIONS[name] = fn
        if sees_unknown:
            SEES_UNKNOWN.add(name)
        return fn

    return register


def _args(name: str, args: tuple, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        raise TemplateError(f"wrong number of arguments for '{name}': {len(args)}")


def strval(value: object) -> str:
    """Sprig's strval: a string as it is, anything else as Go's %v prints it."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    if isinstance(value, (Mapping, list, tuple)):
        return _compound(value, 0)
    return to_text(value)


def _string(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    raise TemplateError(f"'{name}' expects a string, not {type_name(value)}")


def _int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TemplateError(f"'{name}' expects a number, not {type_name(value)}")
    return int(value)


def _check(ctx: Context, text: str) -> str:
    if len(text) > MAX_OUTPUT:
        raise LimitError("a string over the size limit")
    ctx.charge(1 + len(text) // 256)
    return text


# -- Go's built-ins ----------------------------------------------------------------------------


def _comparable(value: object) -> object:
    if isinstance(value, Unknown):
        return value
    if value is not None and not isinstance(value, (str, bool, int, float)):
        raise TemplateError(f"cannot compare a {type_name(value)}")
    return value


def _equal(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    a_num = isinstance(a, (int, float)) and not isinstance(a, bool)
    b_num = isinstance(b, (int, float)) and not isinstance(b, bool)
    if a_num and b_num:
        return a == b
    if type(a) is not type(b):
        raise TemplateError(f"incompatible types for comparison: {type_name(a)} and {type_name(b)}")
    return a == b


@function("eq")
def _eq(ctx: Context, first: object, *others: object) -> bool:
    if not others:
        raise TemplateError("missing argument for comparison")
    first = _comparable(first)
    return any(_equal(first, _comparable(other)) for other in others)


@function("ne")
def _ne(ctx: Context, a: object, b: object) -> bool:
    return not _equal(_comparable(a), _comparable(b))


def _order(name: str, a: object, b: object) -> tuple[object, object]:
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))
    if numbers or (isinstance(a, str) and isinstance(b, str)):
        return a, b
    raise TemplateError(f"incompatible types for comparison: {type_name(a)} and {type_name(b)}")


@function("lt")
def _lt(ctx: Context, a: object, b: object) -> bool:
    x, y = _order("lt", a, b)
    return x < y  # type: ignore[operator]


@function("le")
def _le(ctx: Context, a: object, b: object) -> bool:
    x, y = _order("le", a, b)
    return x <= y  # type: ignore[operator]


@function("gt")
def _gt(ctx: Context, a: object, b: object) -> bool:
    x, y = _order("gt", a, b)
    return x > y  # type: ignore[operator]


@function("ge")
def _ge(ctx: Context, a: object, b: object) -> bool:
    x, y = _order("ge", a, b)
    return x >= y  # type: ignore[operator]


@function("not")
def _not(ctx: Context, value: object) -> bool:
    return empty(value)


@function("len")
def _len(ctx: Context, value: object) -> int:
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value)
    if value is None:
        return 0
    raise TemplateError(f"len of {type_name(value)}")


@function("index", sees_unknown=True)
def _index(ctx: Context, collection: object, *keys: object) -> object:
    value = collection
    for key in keys:
        if isinstance(value, Unknown):
            return value
        if isinstance(key, Unknown):
            return key
        if isinstance(value, Mapping):
            if key in value:
                value = value[key]
            elif ctx.unknown_when_missing(value):
                return Unknown(str(key), because=f"key '{key}' is not set in the values")
            else:
                value = None
        elif isinstance(value, (list, tuple, str)):
            if isinstance(key, bool) or not isinstance(key, int):
                raise TemplateError(f"cannot index a {type_name(value)} with {type_name(key)}")
            if not 0 <= key < len(value):
                raise TemplateError(f"index {key} out of range")
            value = value[key] if not isinstance(value, str) else ord(value[key])
        elif value is None:
            return Unknown(str(key), because=f"index of a value that is not set ('{key}')")
        else:
            raise TemplateError(f"cannot index a {type_name(value)}")
    return value


@function("printf")
def _printf(ctx: Context, fmt: object, *args: object) -> str:
    return _check(ctx, go_sprintf(_string("printf", fmt), args))


@function("print")
def _print(ctx: Context, *args: object) -> str:
    parts: list[str] = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            parts.append(" ")
        parts.append(_verb_v(arg))
    return _check(ctx, "".join(parts))


@function("println")
def _println(ctx: Context, *args: object) -> str:
    return _check(ctx, " ".join(_verb_v(a) for a in args) + "\n")


# -- Sprig and Helm ----------------------------------------------------------------------------


@function("default", sees_unknown=True)
def _default(ctx: Context, fallback: object, *given: object) -> object:
    if not given:
        return fallback
    value = given[0]
    if isinstance(value, Unknown):
        return fallback if value.missing else value
    if empty(value):
        return fallback
    return value


@function("required", sees_unknown=True)
def _required(ctx: Context, message: object, value: object) -> object:
    if isinstance(value, Unknown):
        return value
    if value is None or value == "":
        raise TemplateError(f"required value: {strval(message)}")
    return value


@function("fail")
def _fail(ctx: Context, message: object) -> object:
    raise TemplateError(f"the chart fails: {strval(message)}")


@function("coalesce", sees_unknown=True)
def _coalesce(ctx: Context, *values: object) -> object:
    for value in values:
        if isinstance(value, Unknown):
            if value.missing:
                continue
            return value
        if not empty(value):
            return value
    return None


@function("ternary")
def _ternary(ctx: Context, yes: object, no: object, condition: object) -> object:
    return yes if not empty(condition) else no


@function("empty")
def _empty(ctx: Context, value: object) -> bool:
    return empty(value)


@function("quote")
def _quote(ctx: Context, *values: object) -> str:
    return _check(ctx, " ".join(go_quote(strval(v)) for v in values if v is not None))


@function("squote")
def _squote(ctx: Context, *values: object) -> str:
    return _check(ctx, " ".join(f"'{strval(v)}'" for v in values if v is not None))


@function("toString")
def _to_string(ctx: Context, value: object) -> str:
    return _check(ctx, strval(value))


@function("toYaml")
def _to_yaml(ctx: Context, value: object) -> str:
    return _check(ctx, serialize.to_yaml(value))


@function("toJson")
def _to_json(ctx: Context, value: object) -> str:
    return _check(ctx, serialize.to_json(value))


@function("fromYaml")
def _from_yaml(ctx: Context, text: object) -> object:
    ctx.charge(1 + len(text) // 256 if isinstance(text, str) else 1)
    return serialize.from_yaml(text)  # type: ignore[arg-type]


@function("fromJson")
def _from_json(ctx: Context, text: object) -> object:
    ctx.charge(1 + len(text) // 256 if isinstance(text, str) else 1)
    return serialize.from_json(text)  # type: ignore[arg-type]


def _indent(ctx: Context, count: object, text: object) -> str:
    spaces = _int("indent", count)
    if not 0 <= spaces <= 10_000:
        raise TemplateError(f"indent by {spaces}")
    pad = " " * spaces
    body = strval(text)
    if len(body) + spaces * (body.count("\n") + 1) > MAX_OUTPUT:
        raise LimitError("a string over the size limit")
    return _check(ctx, pad + body.replace("\n", "\n" + pad))


@function("indent")
def _indent_fn(ctx: Context, count: object, text: object) -> str:
    return _indent(ctx, count, text)


@function("nindent")
def _nindent(ctx: Context, count: object, text: object) -> str:
    return "\n" + _indent(ctx, count, text)


@function("trim")
def _trim(ctx: Context, text: object) -> str:
    return strval(text).strip(" \t\n\r\v\f\x85\xa0")


@function("trimSuffix")
def _trim_suffix(ctx: Context, suffix: object, text: object) -> str:
    return strval(text).removesuffix(strval(suffix))


@function("trimPrefix")
def _trim_prefix(ctx: Context, prefix: object, text: object) -> str:
    return strval(text).removeprefix(strval(prefix))


@function("trunc")
def _trunc(ctx: Context, count: object, text: object) -> str:
    """Sprig's trunc: the first n characters (the last -n for a negative n)."""
    n, body = _int("trunc", count), strval(text)
    if n >= 0:
        return body[:n]
    return body[n:] if -n < len(body) else body


@function("cat")
def _cat(ctx: Context, *values: object) -> str:
    return _check(ctx, " ".join(strval(v) for v in values if v is not None))


@function("sha256sum")
def _sha256sum(ctx: Context, text: object) -> str:
    return hashlib.sha256(strval(text).encode("utf-8")).hexdigest()


@function("kindIs")
def _kind_is(ctx: Context, kind: object, value: object) -> bool:
    return _kind(value) == strval(kind)


@function("kindOf")
def _kind_of(ctx: Context, value: object) -> str:
    return _kind(value)


def _kind(value: object) -> str:
    if value is None:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, (list, tuple)):
        return "slice"
    return "struct"


@function("upper")
def _upper(ctx: Context, text: object) -> str:
    return strval(text).upper()


@function("lower")
def _lower(ctx: Context, text: object) -> str:
    return strval(text).lower()


@function("title")
def _title(ctx: Context, text: object) -> str:
    out: list[str] = []
    previous = " "
    for char in strval(text):
        separator = not (previous.isalnum() or previous == "_")
        out.append(char.upper() if separator else char)
        previous = char
    return "".join(out)


@function("contains")
def _contains(ctx: Context, needle: object, haystack: object) -> bool:
    return strval(needle) in strval(haystack)


@function("hasPrefix")
def _has_prefix(ctx: Context, prefix: object, text: object) -> bool:
    return strval(text).startswith(strval(prefix))


@function("hasSuffix")
def _has_suffix(ctx: Context, suffix: object, text: object) -> bool:
    return strval(text).endswith(strval(suffix))


@function("replace")
def _replace(ctx: Context, old: object, new: object, text: object) -> str:
    source, before, after = strval(text), strval(old), strval(new)
    if before == "" or len(after) > len(before):
        grown = len(source) + (source.count(before) + (before == "")) * len(after)
        if grown > MAX_OUTPUT:
            raise LimitError("a string over the size limit")
    return _check(ctx, source.replace(before, after))


@function("splitList")
def _split_list(ctx: Context, separator: object, text: object) -> list[str]:
    sep, source = strval(separator), strval(text)
    parts = list(source) if sep == "" else source.split(sep)
    ctx.charge(len(parts))
    return parts


@function("split")
def _split(ctx: Context, separator: object, text: object) -> dict[str, str]:
    return {f"_{i}": part for i, part in enumerate(_split_list(ctx, separator, text))}


@function("join")
def _join(ctx: Context, separator: object, values: object) -> str:
    if isinstance(values, (list, tuple)):
        items = [strval(v) for v in values if v is not None]
    elif values is None:
        items = []
    else:
        items = [strval(values)]
    return _check(ctx, strval(separator).join(items))


@function("int")
def _to_int(ctx: Context, value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 0) if text[:2].lower() in ("0x", "0o", "0b") else int(text)
        except ValueError:
            try:
                return int(float(text)) if len(text) < 400 else 0
            except (ValueError, OverflowError):
                return 0
    return 0


@function("b64enc")
def _b64enc(ctx: Context, value: object) -> str:
    return _check(ctx, base64.b64encode(strval(value).encode("utf-8")).decode("ascii"))


@function("dict")
def _dict(ctx: Context, *pairs: object) -> dict[str, object]:
    ctx.charge(len(pairs))
    out: dict[str, object] = {}
    for i in range(0, len(pairs), 2):
        out[strval(pairs[i])] = pairs[i + 1] if i + 1 < len(pairs) else ""
    return out


@function("list")
def _list(ctx: Context, *items: object) -> list[object]:
    ctx.charge(len(items))
    return list(items)


@function("append")
def _append(ctx: Context, items: object, value: object) -> list[object]:
    if items is None:
        items = []
    if not isinstance(items, (list, tuple)):
        raise TemplateError(f"append to a {type_name(items)}")
    if len(items) >= MAX_COLLECTION:
        raise LimitError("a list over the size limit")
    ctx.charge(1 + len(items))
    return [*items, value]


@function("has")
def _has(ctx: Context, needle: object, items: object) -> bool:
    if items is None:
        return False
    if not isinstance(items, (list, tuple)):
        raise TemplateError(f"has in a {type_name(items)}")
    ctx.charge(len(items))
    return any(_loose_equal(needle, item) for item in items)


def _loose_equal(a: object, b: object) -> bool:
    try:
        return _equal(a, b)
    except TemplateError:
        return False


@function("first")
def _first(ctx: Context, items: object) -> object:
    if isinstance(items, (list, tuple)):
        return items[0] if items else None
    raise TemplateError(f"first of a {type_name(items)}")


@function("last")
def _last(ctx: Context, items: object) -> object:
    if isinstance(items, (list, tuple)):
        return items[-1] if items else None
    raise TemplateError(f"last of a {type_name(items)}")


@function("sortAlpha")
def _sort_alpha(ctx: Context, items: object) -> list[str]:
    if not isinstance(items, (list, tuple)):
        raise TemplateError(f"sortAlpha of a {type_name(items)}")
    ctx.charge(len(items))
    return sorted(strval(i) for i in items)


@function("until")
def _until(ctx: Context, count: object) -> list[int]:
    n = _int("until", count)
    if n > MAX_COLLECTION:
        raise LimitError("a list over the size limit")
    ctx.charge(max(n, 0))
    return list(range(n)) if n > 0 else []


@function("add")
def _add(ctx: Context, *numbers: object) -> int | float:
    total: int | float = 0
    for n in numbers:
        total += _number("add", n)
    return total


@function("sub")
def _sub(ctx: Context, a: object, b: object) -> int | float:
    return _number("sub", a) - _number("sub", b)


@function("mul")
def _mul(ctx: Context, *numbers: object) -> int | float:
    total: int | float = 1
    for n in numbers:
        total *= _number("mul", n)
        if isinstance(total, int) and total.bit_length() > 64:
            raise TemplateError("'mul' overflows")
    return total


@function("div")
def _div(ctx: Context, a: object, b: object) -> int | float:
    x, y = _number("div", a), _number("div", b)
    if y == 0:
        raise TemplateError("integer divide by zero")
    if isinstance(x, int) and isinstance(y, int):
        return int(x / y)  # Go truncates toward zero
    return x / y


@function("atoi")
def _atoi(ctx: Context, text: object) -> int:
    try:
        return int(strval(text).strip()) if len(strval(text)) < 40 else 0
    except ValueError:
        return 0


def _number(name: str, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TemplateError(f"'{name}' expects numbers, not {type_name(value)}")
    return value


# -- maps --------------------------------------------------------------------------------------


def _mapping(name: str, value: object) -> dict:
    if isinstance(value, dict):
        return value
    raise TemplateError(f"'{name}' expects a map, not {type_name(value)}")


@function("get", sees_unknown=True)
def _get(ctx: Context, mapping: object, key: object) -> object:
    if isinstance(mapping, Unknown):
        return mapping
    if isinstance(key, Unknown):
        return key
    found = _mapping("get", mapping)
    name = strval(key)
    if name in found:
        return found[name]
    if ctx.unknown_when_missing(found):
        return Unknown(name, because=f"key '{name}' is not set in the values")
    return ""


@function("set")
def _set(ctx: Context, mapping: object, key: object, value: object) -> dict:
    found = _mapping("set", mapping)
    if len(found) >= MAX_COLLECTION:
        raise LimitError("a map over the size limit")
    found[strval(key)] = value
    return found


@function("unset")
def _unset(ctx: Context, mapping: object, key: object) -> dict:
    found = _mapping("unset", mapping)
    found.pop(strval(key), None)
    return found


@function("hasKey")
def _has_key(ctx: Context, mapping: object, key: object) -> bool | Unknown:
    name = strval(key)
    if name in _mapping("hasKey", mapping):
        return True
    if ctx.unknown_when_missing(mapping):  # the user's values may set it
        return Unknown(name, because=f"key '{name}' is not set in the values")
    return False


@function("keys")
def _keys(ctx: Context, *mappings: object) -> list[str]:
    out: list[str] = []
    for mapping in mappings:
        out.extend(_mapping("keys", mapping))
    ctx.charge(len(out))
    return sorted(out)


def _merge_into(ctx: Context, dst: dict, src: dict, overwrite: bool, depth: int) -> None:
    if depth > 100:
        raise LimitError("maps nested too deeply to merge")
    ctx.charge(1 + len(src))
    for key, value in src.items():
        if key not in dst:
            dst[key] = value
            continue
        current = dst[key]
        if isinstance(current, dict) and isinstance(value, dict):
            if current is not value:
                _merge_into(ctx, current, value, overwrite, depth + 1)
        elif (_mergo_empty(current) and not _mergo_empty(value)) or (
            overwrite and not _mergo_empty(value)
        ):
            dst[key] = value


def _mergo_empty(value: object) -> bool:
    if isinstance(value, Unknown):
        return False
    return empty(value)


@function("merge")
def _merge(ctx: Context, dst: object, *sources: object) -> dict:
    target = _mapping("merge", dst)
    for source in sources:
        _merge_into(ctx, target, _mapping("merge", source), False, 0)
    return target


@function("mergeOverwrite")
def _merge_overwrite(ctx: Context, dst: object, *sources: object) -> dict:
    target = _mapping("mergeOverwrite", dst)
    for source in sources:
        _merge_into(ctx, target, _mapping("mergeOverwrite", source), True, 0)
    return target


# -- Go's fmt, the part charts use ----------------------------------------------------------


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


def _verb_v(value: object) -> str:
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
        extra = ", ".join(f"{type_name(a)}={_verb_v(a)}" for a in args[index:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _format_one(verb: str, arg: object, precision: int | None) -> str:
    if isinstance(arg, Unknown):
        raise TemplateError(arg.reason())
    is_number = isinstance(arg, (int, float)) and not isinstance(arg, bool)
    if verb == "v":
        return _verb_v(arg)
    if verb == "s":
        if isinstance(arg, str):
            return arg if precision is None else arg[:precision]
        if is_number or arg is None or isinstance(arg, bool):
            return f"%!s({type_name(arg)}={_verb_v(arg)})"
        return _verb_v(arg)
    if verb == "q":
        if isinstance(arg, str):
            return go_quote(arg)
        return f"%!q({type_name(arg)}={_verb_v(arg)})"
    if verb == "d":
        if isinstance(arg, int) and not isinstance(arg, bool):
            return str(arg)
        return f"%!d({type_name(arg)}={_verb_v(arg)})"
    if verb == "t":
        if isinstance(arg, bool):
            return "true" if arg else "false"
        return f"%!t({type_name(arg)}={_verb_v(arg)})"
    if verb == "f":
        if is_number:
            return f"{float(arg):.{6 if precision is None else precision}f}"  # type: ignore[arg-type]
        return f"%!f({type_name(arg)}={_verb_v(arg)})"
    if verb == "x":
        if isinstance(arg, int) and not isinstance(arg, bool):
            return format(arg, "x")
        if isinstance(arg, str):
            return arg.encode("utf-8").hex()
        return f"%!x({type_name(arg)}={_verb_v(arg)})"
    raise TemplateError(f"printf verb '%{verb}' is not supported")
