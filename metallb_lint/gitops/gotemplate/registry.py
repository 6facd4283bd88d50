"""The registry of template functions: an explicit and safe set, each registered by name and
called with the render's `Context` first; and the argument checks they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from metallb_lint.gitops.gotemplate.values import MAX_OUTPUT, LimitError, TemplateError, type_name


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


def as_string(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    raise TemplateError(f"'{name}' expects a string, not {type_name(value)}")


def as_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TemplateError(f"'{name}' expects a number, not {type_name(value)}")
    return int(value)


def as_number(name: str, value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TemplateError(f"'{name}' expects numbers, not {type_name(value)}")
    return value


def as_map(name: str, value: object) -> dict:
    if isinstance(value, dict):
        return value
    raise TemplateError(f"'{name}' expects a map, not {type_name(value)}")


def checked(ctx: Context, text: str) -> str:
    if len(text) > MAX_OUTPUT:
        raise LimitError("a string over the size limit")
    ctx.charge(1 + len(text) // 256)
    return text
