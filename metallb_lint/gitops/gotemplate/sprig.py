"""Sprig's and Helm's functions on strings and values: defaults, quoting, YAML and JSON,
indentation, trimming, case, searching, splitting, conversions."""

from __future__ import annotations

import base64
import hashlib

from metallb_lint.gitops.gotemplate import serialize
from metallb_lint.gitops.gotemplate.gofmt import go_quote, strval
from metallb_lint.gitops.gotemplate.registry import Context, as_int, checked, function
from metallb_lint.gitops.gotemplate.traced import origins_of, shifted
from metallb_lint.gitops.gotemplate.values import (
    MAX_OUTPUT,
    LimitError,
    TemplateError,
    Unknown,
    empty,
    type_name,
)


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
    return checked(ctx, " ".join(go_quote(strval(v)) for v in values if v is not None))


@function("squote")
def _squote(ctx: Context, *values: object) -> str:
    return checked(ctx, " ".join(f"'{strval(v)}'" for v in values if v is not None))


@function("toString")
def _to_string(ctx: Context, value: object) -> str:
    return checked(ctx, strval(value))


@function("toYaml")
def _to_yaml(ctx: Context, value: object) -> str:
    return checked(ctx, serialize.to_yaml(value))


@function("toJson")
def _to_json(ctx: Context, value: object) -> str:
    return checked(ctx, serialize.to_json(value))


@function("fromYaml")
def _from_yaml(ctx: Context, text: object) -> object:
    ctx.charge(1 + len(text) // 256 if isinstance(text, str) else 1)
    return serialize.from_yaml(text)  # type: ignore[arg-type]


@function("fromJson")
def _from_json(ctx: Context, text: object) -> object:
    ctx.charge(1 + len(text) // 256 if isinstance(text, str) else 1)
    return serialize.from_json(text)  # type: ignore[arg-type]


def _indent(ctx: Context, count: object, text: object) -> str:
    spaces = as_int("indent", count)
    if not 0 <= spaces <= 10_000:
        raise TemplateError(f"indent by {spaces}")
    pad = " " * spaces
    body = strval(text)
    if len(body) + spaces * (body.count("\n") + 1) > MAX_OUTPUT:
        raise LimitError("a string over the size limit")
    return shifted(checked(ctx, pad + body.replace("\n", "\n" + pad)), origins_of(text), 0)


@function("indent")
def _indent_fn(ctx: Context, count: object, text: object) -> str:
    return _indent(ctx, count, text)


@function("nindent")
def _nindent(ctx: Context, count: object, text: object) -> str:
    indented = _indent(ctx, count, text)
    return shifted("\n" + indented, origins_of(indented), 1)


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
    n, body = as_int("trunc", count), strval(text)
    if n >= 0:
        return body[:n]
    return body[n:] if -n < len(body) else body


@function("cat")
def _cat(ctx: Context, *values: object) -> str:
    return checked(ctx, " ".join(strval(v) for v in values if v is not None))


@function("sha256sum")
def _sha256sum(ctx: Context, text: object) -> str:
    return hashlib.sha256(strval(text).encode("utf-8")).hexdigest()


@function("kindIs")
def _kind_is(ctx: Context, kind: object, value: object) -> bool:
    return _kind(value) == strval(kind)


@function("kindOf")
def _kind_of(ctx: Context, value: object) -> str:
    return _kind(value)


_KINDS = frozenset({"bool", "int", "float64", "string", "map", "slice"})


def _kind(value: object) -> str:
    """Sprig's `kindOf`: Go's reflect kind (`invalid` for nil, `struct` for the rest)."""
    if value is None:
        return "invalid"
    name = type_name(value)
    return name if name in _KINDS else "struct"


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
    return checked(ctx, source.replace(before, after))


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
    return checked(ctx, strval(separator).join(items))


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


@function("atoi")
def _atoi(ctx: Context, text: object) -> int:
    try:
        return int(strval(text).strip()) if len(strval(text)) < 40 else 0
    except ValueError:
        return 0


@function("b64enc")
def _b64enc(ctx: Context, value: object) -> str:
    return checked(ctx, base64.b64encode(strval(value).encode("utf-8")).decode("ascii"))
