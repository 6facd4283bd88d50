"""Values as Go templates (and Helm) see them: the Unknown sentinel, truth, printing, limits."""

from __future__ import annotations

import math
from collections.abc import Mapping

# Limits on one render (DESIGN.md, "Bad input"): a template that reaches one is unrenderable.
MAX_STEPS = 200_000  # evaluation steps, range iterations and copied items together
MAX_OUTPUT = 4 * 1024 * 1024  # characters of output, and of any one string made on the way
MAX_DEPTH = 100  # nesting of evaluation: control structures, parentheses, include, tpl
MAX_COLLECTION = 100_000  # items of one list or map made by a template


class TemplateError(Exception):
    """The template cannot be rendered here: a Helm failure, or something this renderer does
    not do. `offset` is where in the template's text (of `name`) it happened."""

    def __init__(self, reason: str, offset: int = -1, name: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.name = name


class LimitError(TemplateError):
    """A limit on the work one render may do was reached."""


class Unknown:
    """A value only known when Helm runs: one the chart's values do not set (a user passes it
    with `-f`), a `.Capabilities` or `lookup` answer. Never false, never empty: a condition on
    it, or printing it, makes the template unrenderable; `default` treats an unset value as
    Helm does (nil)."""

    __slots__ = ("because", "missing", "what")

    def __init__(self, what: str, missing: bool = True, because: str = "") -> None:
        self.what = what
        self.missing = missing  # not set in the chart's values (Helm sees nil)
        self.because = because

    def reason(self) -> str:
        if self.because:
            return self.because
        if self.missing:
            return f"'{self.what}' has no value"
        return f"'{self.what}' is only known in the cluster"

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Unknown({self.what!r})"


def truth(value: object) -> bool:
    """Go's truth (text/template `if`): false, 0, nil and empty strings and collections are
    false. An Unknown raises: it is not false."""
    if isinstance(value, Unknown):
        raise TemplateError(value.reason())
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (str, list, dict, tuple)):
        return len(value) > 0
    return True


def empty(value: object) -> bool:
    """Sprig's `empty`: the same as not true."""
    return not truth(value)


def go_float(value: float) -> str:
    """A float as Go's %v prints it (shortest form; exponent from 1e21 and under 1e-4)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return text


def to_text(value: object, what: str = "value") -> str:
    """A value printed into a template's output (Go's fmt %v; Helm prints nil as nothing)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        raise TemplateError(value.reason())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    return _compound(value, 0)


def _compound(value: object, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise LimitError("a value nested too deeply to print")
    if isinstance(value, Unknown):
        raise TemplateError(value.reason())
    if isinstance(value, Mapping):
        parts = [f"{k}:{_compound(value[k], depth + 1)}" for k in sorted(value, key=str)]
        return "map[" + " ".join(parts) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_compound(v, depth + 1) for v in value) + "]"
    if value is None:
        return "<nil>"
    if callable(value) or isinstance(value, Special):
        raise TemplateError("a Helm object printed as text")
    return to_text(value)


class Special:
    """A Helm built-in object with methods (`.Files`, `.Capabilities`)."""

    name = "object"

    def field(self, name: str) -> object:
        raise TemplateError(f"'{self.name}.{name}' is not supported")


def type_name(value: object) -> str:
    if value is None:
        return "nil"
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
    return type(value).__name__
