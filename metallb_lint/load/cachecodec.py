"""A loaded file (`SourceFile`) to plain JSON data and back, for the persistent cache.

An entry keeps what loading a file worked out (which documents the relevance filter passed,
their data, the problems found), never the file's text: the text is the file's bytes, which the
run has just read and hashed, so documents are kept as slices of it. Positions are kept only
for documents PyYAML composed; the block reader's are read again from the text when asked for,
as they are on an uncached run.

A cache restored in CI may have been written by anyone, so decoding trusts nothing: JSON only
(nothing is ever executed or constructed from a tag), every field's type and range is checked,
and document data must stay within the loader's limit on depth. Whatever does
not fit raises `BadEntry`, and the file is loaded as if there were no entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from metallb_lint.findings import Location
from metallb_lint.load import yamlcore
from metallb_lint.load.documents import Chunk, Document, LoadProblem, noted_words
from metallb_lint.load.filetext import FileText
from metallb_lint.load.sharing import intern
from metallb_lint.load.sources import SourceFile
from metallb_lint.load.yamlcore import Positions


class BadEntry(Exception):
    """A cache entry that is not what this version writes: ignored, and written again."""


class NotCacheable(Exception):
    """A loaded file the cache cannot keep exactly (loaded as usual, never cached)."""


# --- encoding -------------------------------------------------------------------------------


def encode(source: SourceFile | None) -> dict:
    """The entry of a loaded file (None: the relevance filter passed over it)."""
    if source is None:
        return {"relevant": False}
    text = source.text
    slices = _Slicer(text)
    return {
        "relevant": True,
        "text": text is not None,
        "documents": [_encode_document(doc, slices) for doc in source.documents],
        "pending": [[i, c.start_line, *slices(c.text)] for i, c in source.pending_templates],
        "skipped": [
            [c.start_line, *slices(c.text), reason, line]
            for c, reason, line in source.skipped_templates
        ],
        "problems": [_encode_problem(p, source.display) for p in source.problems],
        "kinds": sorted(source.incomplete_kinds),
    }


class _Slicer:
    """Where a document's text sits in its file's text, as (offset, length)."""

    def __init__(self, text: str | None) -> None:
        self.text = text
        self.cursor = 0

    def __call__(self, part: str) -> list[int]:
        if self.text is None:
            raise NotCacheable("a document without its file's text")
        at = self.text.find(part, self.cursor)
        if at < 0:
            at = self.text.find(part)
        if at < 0:
            raise NotCacheable("a document that is not a slice of its file")
        self.cursor = at
        return [at, len(part)]


def _encode_document(doc: Document, slices: _Slicer) -> list:
    if doc.positions_deferred:  # the block reader's: read again from the text
        tables = None
    else:
        positions = doc.positions
        tables = [_encode_table(positions.values), _encode_table(positions.keys)]
    return [doc.index, doc.start_line, *slices(doc.text), doc.data, tables]


def _encode_table(table: dict) -> list:
    return [[list(path), list(span)] for path, span in table.items()]


def _encode_location(location: Location, display: str) -> list:
    if location.path != display:
        raise NotCacheable("a problem located in another file")
    return [location.line, location.column, location.end_line, location.end_column]


_RULES = ("ML001", "ML002", "ML003")  # what loading a file reports


def _encode_problem(problem: LoadProblem, display: str) -> list:
    if problem.rule not in _RULES:
        raise NotCacheable(f"a {problem.rule} problem")
    return [
        problem.rule,
        problem.message,
        _encode_location(problem.location, display),
        [[_encode_location(where, display), text] for where, text in problem.related],
        None if problem.key_path is None else list(problem.key_path),
    ]


# --- decoding -------------------------------------------------------------------------------


def decode(
    entry: object, display: str, role: str, chart_dir: str | None, text: str | None
) -> SourceFile | None:
    """The loaded file an entry describes; `text` is the file's text (None: not UTF-8).
    Raises BadEntry when the entry does not describe a loaded file exactly."""
    entry = _dict(entry)
    relevant = entry.get("relevant")
    if relevant is False:
        return None
    if relevant is not True:
        raise BadEntry("relevant")
    source = SourceFile(display, role, chart_dir)
    has_text = entry.get("text")
    if not isinstance(has_text, bool) or (has_text and text is None):
        raise BadEntry("text")
    whole = text if has_text else None
    content = source.content = FileText(text) if whole is not None else None
    shared = role == "manifest"  # (its equal collections held once, as `load_file` does)
    source.documents = [
        _decode_document(d, display, whole, content, shared) for d in _list(entry.get("documents"))
    ]
    for item in _list(entry.get("pending")):
        index, start, offset, length = _fields(item, 4)
        chunk = Chunk(_int(start, 1), _slice(whole, offset, length))
        source.pending_templates.append((_int(index), chunk))
    for item in _list(entry.get("skipped")):
        start, offset, length, reason, line = _fields(item, 5)
        chunk = Chunk(_int(start, 1), _slice(whole, offset, length))
        source.skipped_templates.append((chunk, _str(reason), _int(line, 1)))
    source.problems = [_decode_problem(p, display) for p in _list(entry.get("problems"))]
    source.incomplete_kinds = {_str(kind) for kind in _list(entry.get("kinds"))}
    return source


def _decode_document(
    item: object, display: str, text: str | None, content: FileText | None, shared: bool
) -> Document:
    index, start_line, offset, length, data, tables = _fields(item, 6)
    data = _shared(data, shared)
    start_line = _int(start_line, 1)
    part = _slice(text, offset, length)
    assert content is not None  # (_slice raises BadEntry without a text)
    bounds = (offset, offset + length)  # the documents of a file share its text
    noted = noted_words(part)
    if tables is None:  # the block reader's positions: read again from the text when asked for
        if not part.isascii():
            raise BadEntry("block positions of a document the block reader does not read")
        return Document.of_block(display, _int(index), start_line, data, content, bounds, noted)
    values, keys = _fields(tables, 2)
    positions = Positions(_decode_table(values), _decode_table(keys))
    return Document(
        display, _int(index), start_line, data, positions, content, bounds=bounds, noted=noted
    )


# Strings the documents decoded from the cache share, as the block reader's share theirs: JSON
# decodes every key and value afresh, and a large run's documents repeat a few hundred
# (`apiVersion`, `metadata`, `TCP`, `LoadBalancer`) tens of thousands of times.
_STRINGS: dict[str, str] = {}
_SHORT = 64  # longer strings rarely repeat (names, descriptions)


def _shared(data: object, collections: bool) -> object:
    """A document's `data` with its mapping keys and short string values shared through
    `_STRINGS` (JSON gives exactly dicts, lists, strings, numbers, booleans and None), and
    with `collections`, its equal small collections too (load/sharing.py), in the same walk."""
    if len(_STRINGS) > 50_000:
        _STRINGS.clear()  # (a bounded memo: most strings are shared by then)
    return _share(data, _STRINGS.setdefault, intern if collections else _itself)


def _share(node: object, keep: Callable[[str, str], str], held: Callable[[Any], object]) -> object:
    kind = type(node)
    if kind is dict:
        out = {}
        for key, value in node.items():  # type: ignore[attr-defined]
            kind = type(value)
            if kind is str:
                if len(value) <= _SHORT:
                    value = keep(value, value)
            elif kind is dict or kind is list:
                value = _share(value, keep, held)
            out[keep(key, key)] = value
        return held(out)
    if kind is list:
        return held(
            [
                _share(item, keep, held) if type(item) is dict or type(item) is list else item
                for item in node  # type: ignore[attr-defined]
            ]
        )
    return node


def _itself(node: object) -> object:
    return node


def _decode_table(table: object) -> dict:
    decoded = {}
    for item in _list(table):
        path, span = _fields(item, 2)
        key = tuple(_path_part(part) for part in _list(path))
        line, column, end_line, end_column = _fields(span, 4)
        decoded[key] = (_int(line, 1), _int(column, 1), _int(end_line, 1), _int(end_column, 1))
    return decoded


def _path_part(part: object) -> str | int:
    if isinstance(part, str):
        return part
    return _int(part)


def _decode_location(item: object, display: str) -> Location:
    line, column, end_line, end_column = _fields(item, 4)
    return Location(display, _int(line, 1), _int(column, 1), _int(end_line), _int(end_column))


def _decode_problem(item: object, display: str) -> LoadProblem:
    rule, message, location, related, key_path = _fields(item, 5)
    pairs = []
    for pair in _list(related):
        where, text = _fields(pair, 2)
        pairs.append((_decode_location(where, display), _str(text)))
    path = None if key_path is None else tuple(_path_part(p) for p in _list(key_path))
    rule = _str(rule)
    if rule not in _RULES:
        raise BadEntry("rule")
    return LoadProblem(rule, _str(message), _decode_location(location, display), tuple(pairs), path)


_ESCAPE = re.compile(rb"\\.")
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# An entry nests its documents' data three levels down, and positions' paths six.
MAX_ENTRY_DEPTH = yamlcore.MAX_DEPTH + 8


def check_depth(raw: bytes, limit: int = MAX_ENTRY_DEPTH) -> None:
    """Raise BadEntry when the JSON text `raw` nests deeper than `limit`: rules walk document
    data recursively and trust the loader's limit on depth (which a hand-made entry could
    exceed). Works on the text, in C: strings dropped, then innermost brackets peeled off."""
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", raw)).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    if brackets:
        raise BadEntry("nested deeper than the loader allows")


def _slice(text: str | None, offset: object, length: object) -> str:
    offset, length = _int(offset), _int(length)
    if text is None or offset + length > len(text):
        raise BadEntry("a slice outside the file's text")
    return text[offset : offset + length]


def _dict(value: object) -> dict:
    if not isinstance(value, dict):
        raise BadEntry("not a mapping")
    return value


def _list(value: object) -> list:
    if not isinstance(value, list):
        raise BadEntry("not a list")
    return value


def _fields(value: object, count: int) -> list:
    if not isinstance(value, list) or len(value) != count:
        raise BadEntry(f"not a list of {count}")
    return value


def _int(value: object, least: int = 0) -> int:
    if type(value) is not int or value < least:
        raise BadEntry("not a count")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise BadEntry("not a string")
    return value
