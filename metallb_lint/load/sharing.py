"""Equal small mappings and lists of manifests, held once.

A repository's Services repeat the same ports, selectors and labels thousands of times
(`{name: https, port: 443, targetPort: 443, protocol: TCP}`): on the 20,000-file benchmark
tree, 167,000 of the 263,000 mappings and lists of the relevant documents equal another
one, and sharing them takes 45 MB of document data down to 18 MB. A run keeps every relevant
document's data to the end (rules and user policies may read any field), so this is the
largest part of its memory that can go.

Sharing is sound only because nothing changes a manifest's data once it is loaded: patches,
substitutions, merges and renders all work on copies. `checking()` keeps the proof: the test
suite runs every test with it (tests/conftest.py), and a test fails when any shared
collection was changed in place. Only manifests are shared; chart values and kustomizations
take other paths (Helm's merges, the template renderer's maps told apart by identity).

The table is kept while files load and emptied after (`forget`): a collection is only shared
with those loaded in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Larger collections rarely repeat, and their keys would cost more than they save.
MAX_ENTRIES = 16

_table: dict[tuple, object] = {}  # signature -> the shared collection
_signatures: dict[int, tuple] = {}  # id of a shared collection -> its signature
_BOOLEAN = object()  # marks a boolean in a signature
_checking = False


def share(data: object) -> object:
    """`data` with every small mapping and list inside it (itself included) replaced by an
    equal one seen before, when there is one. Collections holding anything but strings,
    integers, booleans, None and such collections (floats, whose -0.0 equals 0.0; dates),
    and mappings with keys other than strings, are kept as they are, and so are the
    collections holding them."""
    kind = data.__class__
    if kind is not dict and kind is not list:
        return data
    return _canonical(data, True)  # type: ignore[arg-type]


def intern(node: dict | list) -> object:
    """`share` of a collection whose own collections were shared already (one built bottom
    up, as the cache's decoder does): only `node` itself is looked up."""
    return _canonical(node, False)


def _canonical(node: dict | list, inside: bool) -> object:
    """The shared collection equal to `node` (`node` itself when it is the first, or cannot
    be shared), after sharing the collections it holds when `inside`. Its signature is
    (is a mapping, key, value, ...) for a mapping and (is a mapping, value, ...) for a list,
    with the signature of each collection held and booleans marked (1 == True)."""
    mapping = node.__class__ is dict
    parts: list[object] = [mapping]
    shareable = 0 < len(node) <= MAX_ENTRIES
    pairs = node.items() if mapping else enumerate(node)  # type: ignore[union-attr]
    for key, value in pairs:
        kind = value.__class__
        if kind is dict or kind is list:
            if inside:
                child = _canonical(value, True)
                if child is not value:
                    node[key] = child  # type: ignore[index]
                value = child
            part = _signatures.get(id(value))  # (None: a collection that is not shared)
            if part is None:
                shareable = False
                continue
        elif kind is str or kind is int or value is None:
            part = value
        elif kind is bool:
            part = (_BOOLEAN, value)
        else:
            shareable = False
            continue
        if shareable:
            if mapping:
                if key.__class__ is not str:
                    shareable = False
                    continue
                parts.append(key)
            parts.append(part)
    if not shareable:
        return node
    signature = tuple(parts)
    found = _table.setdefault(signature, node)
    if found is node:  # (held by the table: its id is not reused while it is kept)
        _signatures[id(node)] = signature
    return found


def forget() -> None:
    """Empty the table once a run's files are loaded (not while `checking`)."""
    if not _checking:
        _table.clear()
        _signatures.clear()


@contextmanager
def checking() -> Iterator[None]:
    """Keep the table for the duration and fail when a shared collection was changed in
    place: raises AssertionError naming the first one found."""
    global _checking
    previous, _checking = _checking, True
    try:
        yield
        changed = [node for signature, node in _table.items() if _changed(signature, node)]
        if changed:  # (not an assert: `python -O` would drop it)
            raise AssertionError(
                f"a shared collection of manifest data was changed: {changed[0]!r}"
            )
    finally:
        _checking = previous
        _table.clear()
        _signatures.clear()


def _changed(signature: tuple, node: dict | list) -> bool:
    """Whether `node` no longer has its signature, or holds a collection that is not the
    shared one (even an equal one: something wrote into it)."""
    if _signature(node) != signature:
        return True
    children = node.values() if node.__class__ is dict else node  # type: ignore[union-attr]
    return any(
        _table.get(_signature(child)) is not child
        for child in children
        if child.__class__ is dict or child.__class__ is list
    )


def _signature(node: dict | list) -> tuple:
    """The signature of `node` as it is now."""
    mapping = node.__class__ is dict
    parts: list[object] = [mapping]
    for key, value in node.items() if mapping else enumerate(node):  # type: ignore[union-attr]
        kind = value.__class__
        if kind is dict or kind is list:
            value = _signature(value)
        elif kind is bool:
            value = (_BOOLEAN, value)
        if mapping:
            parts.append(key)
        parts.append(value)
    return tuple(parts)
