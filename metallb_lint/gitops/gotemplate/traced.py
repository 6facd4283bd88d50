"""Strings that remember where they are written, through a render.

A values file's string becomes a `Sourced` string that keeps its file and spans. It behaves as
the string it is (comparisons, printing, `mergeOverwrite` copying it by reference), and
`toYaml` of a map holding such strings gives a `Traced` text: which of its lines each
`Sourced` string was written on, so that a value a template writes out whole
(`toYaml .Values.x | nindent 8`) is reported where the user wrote it, not at the action.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import yaml

from metallb_lint.findings import Location

# Where a value is written: its own location and, when the output writes it under the key it
# has there, that key's (None: the template named the key).
Origin = tuple[Location, Location | None]


class Sourced(str):
    """A string of a values file, with where it is written and the key it is written under
    (None in a list)."""

    origin: Origin
    key: str | None

    def __new__(cls, text: str, origin: Origin, key: str | None = None) -> Sourced:
        made = super().__new__(cls, text)
        made.origin = origin
        made.key = key
        return made

    def __deepcopy__(self, memo: dict) -> Sourced:
        return self  # immutable, as a string is

    def __copy__(self) -> Sourced:
        return self

    def __reduce__(self) -> tuple:
        return (Sourced, (str(self), self.origin, self.key))


class Traced(str):
    """A rendered text with the origin of the value on some of its lines (0-based)."""

    origins: dict[int, Origin]

    def __new__(cls, text: str, origins: dict[int, Origin]) -> Traced:
        made = super().__new__(cls, text)
        made.origins = origins
        return made


def origins_of(text: object) -> dict[int, Origin]:
    return text.origins if isinstance(text, Traced) else {}


def shifted(text: str, origins: dict[int, Origin], lines: int) -> str:
    """`text` whose first line is line `lines` of the text it was traced in."""
    if not origins:
        return text
    return Traced(text, {k + lines: v for k, v in origins.items()})


def sourced_paths(value: object, limit: int = 100_000) -> dict[tuple, Origin]:
    """The Sourced strings inside maps and lists, by path (keys as strings)."""
    found: dict[tuple, Origin] = {}
    stack: list[tuple[tuple, object]] = [((), value)]
    while stack and limit > 0:
        limit -= 1
        path, node = stack.pop()
        if isinstance(node, Sourced):
            value, key = node.origin
            same_key = bool(path) and node.key is not None and path[-1] == node.key
            found[path] = (value, key if same_key else None)
        elif isinstance(node, Mapping):
            stack.extend(((*path, str(k)), v) for k, v in node.items())
        elif isinstance(node, (list, tuple)):
            stack.extend(((*path, i), v) for i, v in enumerate(node))
    return found


def trace_yaml(text: str, paths: dict[tuple, Origin]) -> str:
    """`text` (a YAML dump) as a Traced text: the line each path's scalar starts on."""
    if not paths:
        return text
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:  # pragma: no cover - the dump is ours
        return text
    origins: dict[int, Origin] = {}
    for path, node in _scalars(root, ()):
        origin = paths.get(path)
        if origin is not None:
            origins[node.start_mark.line] = origin
    return Traced(text, origins) if origins else text


def _scalars(node: object, path: tuple) -> Iterator[tuple[tuple, yaml.Node]]:
    stack: list[tuple[object, tuple]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append((value, (*where, str(key.value))))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*where, i)) for i, item in enumerate(current.value))
        elif isinstance(current, yaml.ScalarNode):
            yield where, current
