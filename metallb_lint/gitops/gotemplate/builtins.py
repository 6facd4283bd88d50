"""Go text/template's built-in functions (`and`/`or` are in the evaluator: they evaluate their
arguments lazily)."""

from __future__ import annotations

from collections.abc import Mapping

from metallb_lint.gitops.gotemplate.gofmt import go_sprintf, verb_v
from metallb_lint.gitops.gotemplate.registry import Context, as_string, checked, function
from metallb_lint.gitops.gotemplate.values import TemplateError, Unknown, empty, type_name


def _comparable(value: object) -> object:
    if isinstance(value, Unknown):
        return value
    if value is not None and not isinstance(value, (str, bool, int, float)):
        raise TemplateError(f"cannot compare a {type_name(value)}")
    if isinstance(value, str) and type(value) is not str:
        return str(value)  # a string that remembers where it is written is a string
    return value


def equal(a: object, b: object) -> bool:
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
    return any(equal(first, _comparable(other)) for other in others)


@function("ne")
def _ne(ctx: Context, a: object, b: object) -> bool:
    return not equal(_comparable(a), _comparable(b))


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
    return checked(ctx, go_sprintf(as_string("printf", fmt), args))


@function("print")
def _print(ctx: Context, *args: object) -> str:
    parts: list[str] = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            parts.append(" ")
        parts.append(verb_v(arg))
    return checked(ctx, "".join(parts))


@function("println")
def _println(ctx: Context, *args: object) -> str:
    return checked(ctx, " ".join(verb_v(a) for a in args) + "\n")
