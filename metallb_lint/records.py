"""`record`: the package's data classes, cheaper to define than with plain `dataclass`.

`dataclasses.dataclass` writes the source of `__init__`, `__repr__` and `__eq__` for each class
and compiles it when the module is imported: about half a millisecond a class, paid at every
start of the linter, which a pre-commit hook pays for every commit. `record` lets `dataclass`
generate only `__init__` (it must be fast per instance) and shares one `__repr__` and one
`__eq__`, written here, that behave as the generated ones do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from reprlib import recursive_repr
from typing import TypeVar

T = TypeVar("T", bound=type)


@recursive_repr()
def _repr(self: object) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _values(item: object) -> tuple:
    return tuple(getattr(item, f.name) for f in fields(item) if f.compare)


def _eq(self: object, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def record(cls: T | None = None, /, *, eq: bool = True) -> T | Callable[[T], T]:
    """`@dataclass` for a mutable class; `eq=False` compares it by identity (and hashes it)."""

    def define(cls: T) -> T:
        own = set(cls.__dict__)  # methods the class writes itself, which dataclass keeps
        cls = dataclass(cls, eq=False, repr=False)
        if "__repr__" not in own:
            cls.__repr__ = _repr  # type: ignore[assignment]
        if eq and "__eq__" not in own:
            cls.__eq__ = _eq  # type: ignore[assignment]
            if "__hash__" not in own:
                cls.__hash__ = None  # type: ignore[assignment]  # as dataclass: mutable
        return cls

    return define if cls is None else define(cls)


__all__ = ["record"]
