"""Sprig's functions on lists, maps and numbers. `set`, `unset`, `merge` and
`mergeOverwrite` change the map they are given, as in Helm."""

from __future__ import annotations

from metallb_lint.gitops.gotemplate.builtins import equal
from metallb_lint.gitops.gotemplate.gofmt import strval
from metallb_lint.gitops.gotemplate.registry import (
    Context,
    as_int,
    as_map,
    as_number,
    function,
)
from metallb_lint.gitops.gotemplate.values import (
    MAX_COLLECTION,
    LimitError,
    TemplateError,
    Unknown,
    empty,
    type_name,
)


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
        return equal(a, b)
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
    n = as_int("until", count)
    if n > MAX_COLLECTION:
        raise LimitError("a list over the size limit")
    ctx.charge(max(n, 0))
    return list(range(n)) if n > 0 else []


@function("add")
def _add(ctx: Context, *numbers: object) -> int | float:
    total: int | float = 0
    for n in numbers:
        total += as_number("add", n)
    return total


@function("sub")
def _sub(ctx: Context, a: object, b: object) -> int | float:
    return as_number("sub", a) - as_number("sub", b)


@function("mul")
def _mul(ctx: Context, *numbers: object) -> int | float:
    total: int | float = 1
    for n in numbers:
        total *= as_number("mul", n)
        if isinstance(total, int) and total.bit_length() > 64:
            raise TemplateError("'mul' overflows")
    return total


@function("div")
def _div(ctx: Context, a: object, b: object) -> int | float:
    x, y = as_number("div", a), as_number("div", b)
    if y == 0:
        raise TemplateError("integer divide by zero")
    if isinstance(x, int) and isinstance(y, int):
        return int(x / y)  # Go truncates toward zero
    return x / y


@function("get", sees_unknown=True)
def _get(ctx: Context, mapping: object, key: object) -> object:
    if isinstance(mapping, Unknown):
        return mapping
    if isinstance(key, Unknown):
        return key
    found = as_map("get", mapping)
    name = strval(key)
    if name in found:
        return found[name]
    if ctx.unknown_when_missing(found):
        return Unknown(name, because=f"key '{name}' is not set in the values")
    return ""


@function("dig", sees_unknown=True)
def _dig(ctx: Context, *args: object) -> object:
    """Sprig's dig: `dig "a" "b" default map` is map.a.b, or default where a key is missing."""
    if len(args) < 3:
        raise TemplateError("dig needs keys, a default and a map")
    *keys, default, mapping = args
    for value in (*keys, mapping):
        if isinstance(value, Unknown):
            return value
    found: object = mapping
    for index, key in enumerate(keys):
        current = as_map("dig", found)
        name = strval(key)
        if name not in current:
            if ctx.unknown_when_missing(current):
                return Unknown(name, because=f"key '{name}' is not set in the values")
            return default
        found = current[name]
        if index < len(keys) - 1 and isinstance(found, Unknown):
            return found
    return found


@function("set")
def _set(ctx: Context, mapping: object, key: object, value: object) -> dict:
    found = as_map("set", mapping)
    if len(found) >= MAX_COLLECTION:
        raise LimitError("a map over the size limit")
    found[strval(key)] = value
    return found


@function("unset")
def _unset(ctx: Context, mapping: object, key: object) -> dict:
    found = as_map("unset", mapping)
    found.pop(strval(key), None)
    return found


@function("hasKey")
def _has_key(ctx: Context, mapping: object, key: object) -> bool | Unknown:
    name = strval(key)
    if name in as_map("hasKey", mapping):
        return True
    if ctx.unknown_when_missing(mapping):  # the user's values may set it
        return Unknown(name, because=f"key '{name}' is not set in the values")
    return False


@function("keys")
def _keys(ctx: Context, *mappings: object) -> list[str]:
    out: list[str] = []
    for mapping in mappings:
        out.extend(as_map("keys", mapping))
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
    target = as_map("merge", dst)
    for source in sources:
        _merge_into(ctx, target, as_map("merge", source), False, 0)
    return target


@function("mergeOverwrite")
def _merge_overwrite(ctx: Context, dst: object, *sources: object) -> dict:
    target = as_map("mergeOverwrite", dst)
    for source in sources:
        _merge_into(ctx, target, as_map("mergeOverwrite", source), True, 0)
    return target
