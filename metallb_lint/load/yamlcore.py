"""What both YAML readers share (the block reader in blockyaml.py and the PyYAML converter in
documents.py): where values stand (`Positions`), how a plain scalar is typed, and the limits on
a document's size and depth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import Node, ScalarNode

MAX_DEPTH = 200
MAX_VALUES_PER_DOCUMENT = 500_000
# One scalar: Kubernetes caps all the annotations of an object together at 256 KiB, and no
# MetalLB field, Service field or chart value comes near it. A longer value is not analysed.
MAX_VALUE_CHARS = 256 * 1024


PathKey = tuple[str | int, ...]
Span = tuple[int, int, int, int]  # line, column, end_line, end_column (1-based)


class Deferred(Protocol):
    """What deferred positions are worked out from: a document's text (a Document the block
    reader read from a file, or blockyaml.BlockText)."""

    def build(self) -> tuple[dict, dict]:
        """The tables (values, keys) of every path."""
        ...

    def find(self, path: PathKey, key: bool) -> Span | None:
        """The exact span of one path, or None: build the tables."""
        ...


_NO_TABLE: dict = {}  # the tables of deferred positions until built (never written to)


class Positions:
    """Where each value (and each mapping key) of a document stands in its file.

    Most values are never reported, so positions are worked out late: the converter records
    the YAML node of each path and spans it when asked; the block-YAML reader records nothing
    (`deferred`): it finds a key or a one-line scalar on the document's lines, and reads the
    document again, positions and all, the first time anything else is asked for. `values` and
    `keys` give the spans as plain tables.
    """

    __slots__ = ("_keys", "_pending", "_spanner", "_values")

    def __init__(
        self,
        values: dict[PathKey, Span] | None = None,
        keys: dict[PathKey, Span] | None = None,
        spanner: Callable[[Node], Span] | None = None,
    ) -> None:
        # (taken as they are: the block-YAML reader hands over tables it no longer uses)
        self._values: dict[PathKey, Span | Node] = values if values is not None else {}
        self._keys: dict[PathKey, Span | Node] = keys if keys is not None else {}
        self._spanner = spanner
        self._pending: Deferred | None = None

    @classmethod
    def deferred(cls, source: Deferred) -> Positions:
        """Positions whose tables `source.build()` returns (values, keys) when first needed.
        Until then, `source.find` may answer `span` for one path (its exact span, or None).
        (One small object a document, not two closures: a large run holds tens of thousands.)"""
        positions = cls.__new__(cls)
        positions._values = positions._keys = _NO_TABLE
        positions._spanner = None
        positions._pending = source
        return positions

    def _build(self) -> None:
        source, self._pending = self._pending, None
        if source is not None:
            self._values, self._keys = source.build()

    def _as_span(self, entry: Span | Node) -> Span:
        if isinstance(entry, tuple) or self._spanner is None:
            return entry  # type: ignore[return-value]
        return self._spanner(entry)

    @property
    def values(self) -> dict[PathKey, Span]:
        self._build()
        self._values = {k: self._as_span(v) for k, v in self._values.items()}
        return self._values  # type: ignore[return-value]

    @values.setter
    def values(self, table: dict[PathKey, Span]) -> None:
        self._build()
        self._values = dict(table)

    @property
    def keys(self) -> dict[PathKey, Span]:
        self._build()
        self._keys = {k: self._as_span(v) for k, v in self._keys.items()}
        return self._keys  # type: ignore[return-value]

    @keys.setter
    def keys(self, table: dict[PathKey, Span]) -> None:
        self._build()
        self._keys = dict(table)

    def span(self, path: PathKey, *, key: bool = False) -> Span:
        """The span of `path`, or of its nearest ancestor that has one."""
        probe = tuple(path)
        if self._pending is not None:
            found = self._pending.find(probe, key)
            if found is not None:
                return found
            self._build()
        table = self._keys if key else self._values
        while probe:
            found = table.get(probe)
            if found is None and not key:
                found = self._keys.get(probe)
            if found is not None:
                return self._as_span(found)
            probe = probe[:-1]
        root = self._values.get(())
        return self._as_span(root) if root is not None else (1, 1, 1, 1)


MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers  # first character -> rules


def plain_tag(value: str) -> str:
    """The tag a plain scalar gets: PyYAML's YAML 1.1 rules, except base-60 numbers.

    `64496:1` (a BGP community) is a string for the Kubernetes API server and MetalLB (Go's
    YAML parsers never read sexagesimal numbers), not the integer 3869761 of YAML 1.1.
    """
    for tag, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            if ":" in value and tag in (_INT_TAG, _FLOAT_TAG):
                return STR_TAG
            return tag
    return STR_TAG


# Scalar tags built into Python values; every other tag (!Ref, !!python/..., !!timestamp,
# !!binary, collection tags on scalars) stays text. Nothing is ever constructed from a tag.
SCALAR_BUILDERS = {
    tag: SafeConstructor.yaml_constructors[tag]
    for tag in (
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    )
}


_MAX_INT_BITS = 14_000  # about 4,200 digits: Python refuses to print a longer integer


def build_scalar(builder: Callable, constructor: SafeConstructor, node: ScalarNode) -> object:
    """A resolved scalar's Python value; its text when it does not build (a bad explicit tag,
    `!!bool maybe`, `!!int 0x`) or is a number too long to print in a message (no Kubernetes
    field holds one)."""
    try:
        value = builder(constructor, node)
    except Exception:
        return node.value
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        return node.value
    return value
