"""A fast path for the plain block YAML most manifests are written in.

Composing a document with libyaml and converting its node graph costs more than everything
else the linter does with it. Most relevant documents (Services, pools, advertisements) use
a small subset of YAML: block mappings and sequences indented with spaces, one key or list
item a line, single-line plain or quoted scalars, flow collections written on one line
(`args: ["--port=8080"]`, `ports: [{port: 80}]`), literal and folded block scalars (`|`, `>-`),
comments. `parse_block` reads that subset line by line and returns exactly what
`load.compose_chunk` would (the same data, the same spans for every value and key). Anything
outside the subset (anchors, tags, multi-line plain and quoted scalars and flow collections,
block scalars with an indentation indicator, odd indentation, duplicate keys, non-ASCII text)
returns None, and the document goes through the full parser, which also reports what is wrong.
tests/test_blockyaml.py compares both paths on every fixture and on generated variations.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from metallb_lint.load import yamlcore as load
from metallb_lint.load.filetext import part_of
from metallb_lint.load.yamlcore import (
    SCALAR_BUILDERS,
    STR_TAG,
    PathKey,
    Positions,
    Span,
    build_scalar,
    plain_tag,
)

if TYPE_CHECKING:
    from metallb_lint.load.filetext import FileText

# What may start a plain scalar: printable ASCII but YAML's indicators; `-`, `?` and `:` only
# when a non-blank follows (`--port=80`, `-1`, `:8080`), as PyYAML's scanner decides.
_PLAIN_START = frozenset(chr(c) for c in range(33, 127)) - frozenset("-?:,[]{}#&*!|>'\"%@`")
_PLAIN_IF_FOLLOWED = frozenset("-?:")
# In a flow collection a plain scalar also stops at these; `:` is refused inside one.
_FLOW_STOP = frozenset(",[]{}:#")
_MAX_FLOW_DEPTH = 20
_DIGITS = frozenset("0123456789")
_CACHE_LIMIT = 50_000
T = TypeVar("T")

_plain_values: dict[str, object] = {}  # plain scalar text -> its value
_plain_keys: dict[str, bool] = {}  # plain key text -> resolves to a string
_constructor = SafeConstructor()


class _Unsupported(Exception):
    """The document leaves the subset: use the full parser."""


def _plain_value(text: str) -> object:
    """What a plain scalar means (YAML 1.1 as load.plain_tag reads it), memoised."""
    value = _plain_values.get(text, _plain_values)
    if value is _plain_values:
        value = _remember(_plain_values, text, _resolve_plain(text))
    return value


def _remember(table: dict, key: str, value: T) -> T:
    """Store in a bounded memo: a full one starts over (a repository's values change)."""
    if len(table) >= _CACHE_LIMIT:
        table.clear()
    table[key] = value
    return value


def _resolve_plain(text: str) -> object:
    if text.isdigit():  # ASCII digits only (parse_block takes ASCII text)
        if (text[0] != "0" or text == "0") and len(text) < 19:
            return int(text)  # a decimal integer (a port, a count): the common case
    elif text.count(".") > 1 and text[0] in _DIGITS:
        return text  # an IPv4 address or a version: no YAML 1.1 number has two dots
    tag = plain_tag(text)
    value: object = text
    if tag != STR_TAG:
        builder = SCALAR_BUILDERS.get(tag)
        if builder is not None:
            value = build_scalar(builder, _constructor, ScalarNode(tag, text))
    return value


def _string_key(text: str) -> bool:
    known = _plain_keys.get(text)
    if known is None:
        known = _remember(_plain_keys, text, plain_tag(text) == STR_TAG)
    return known


def parse_block(text: str, line_offset: int) -> tuple[object, Positions] | None:
    """Data and positions of a document in the block subset, or None to use the full parser.
    `line_offset` is the number of file lines before the document's first line."""
    found = block_data(text, line_offset)
    if found is None:
        return None
    return found[0], deferred_positions(text, line_offset)


def block_data(text: str, line_offset: int) -> tuple[object] | None:
    """The data of a document in the block subset (a one-tuple: data may be None), or None to
    use the full parser. Its positions are `block_tables` and `block_find` of the same text."""
    if not text.isascii():
        return None
    lines = text.split("\n")
    if len(lines) > load.MAX_VALUES_PER_DOCUMENT:
        return None  # the full path enforces the size limit
    if len(text) > load.MAX_VALUE_CHARS and any(len(line) > load.MAX_VALUE_CHARS for line in lines):
        return None  # the full path refuses an overlong value
    try:
        data, _ = _parse(lines, line_offset + 1, spans=False)
    except _Unsupported:
        return None
    return (data,)


def block_tables(text: str, first_line: int) -> tuple[dict, dict]:
    """The position tables (values, keys) of a document `block_data` reads, whose first line
    is file line `first_line`: the same text read again, recording where everything is."""
    try:
        tables = _parse(text.split("\n"), first_line, spans=True)[1]
    except _Unsupported:  # only from a hostile cache entry: no positions, no traceback
        return {}, {}
    return tables._values, tables._keys  # type: ignore[union-attr]


def block_find(text: str, first_line: int, path: PathKey, key: bool) -> Span | None:
    """The exact span of one path of such a document, or None: build the tables."""
    try:
        return _find(text.split("\n"), first_line, path, key)
    except _Unsupported:
        return None


def deferred_positions(
    text: str | FileText, line_offset: int, start: int = 0, end: int = -1
) -> Positions:
    """The positions of a document `block_data` reads (`text[start:end]`, all of `text` by
    default), worked out when first asked for. (A document loaded from a file is the deferred
    source of its own positions: load/documents.py.)"""
    if end < 0:
        end = len(text)  # (`text` is a str here: a FileText comes with its bounds)
    return Positions.deferred(BlockText(text, line_offset + 1, start, end))


class BlockText:
    """Where a block document's positions are read from when asked for: its text, as a part
    of a text (`text[start:end]`), and the file line of its first line. A file changed or
    gone since it was loaded leaves every position at the document's first line."""

    __slots__ = ("end", "offset", "start", "text")

    def __init__(self, text: str | FileText, offset: int, start: int, end: int) -> None:
        self.text = text
        self.offset = offset
        self.start = start
        self.end = end

    def _part(self) -> str | None:
        return part_of(self.text, self.start, self.end)

    def build(self) -> tuple[dict, dict]:
        part = self._part()
        if part is None:
            return unavailable_tables(self.offset)
        return block_tables(part, self.offset)

    def find(self, path: PathKey, key: bool) -> Span | None:
        part = self._part()
        return block_find(part, self.offset, path, key) if part is not None else None


def unavailable_tables(first_line: int) -> tuple[dict, dict]:
    """The tables of a document whose text is gone: every path at its first line."""
    return {(): (first_line, 1, first_line, 1)}, {}


# A content line: indentation, a list item's dash, a `key:`, and the rest (value or comment).
_LINE = re.compile(r"( *)(- +)?(?:([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: +|$))?(.*)").match

# What a line says, apart from where it sits in the document: (kind, indent, item, column of
# its key or item, key, value, column of the value, end column of the value). Lines repeat a
# lot across manifests (`kind: Service`, `    protocol: TCP`), so this is memoised per text.
_SKIP, _MARKER, _PENDING, _VALUE, _EMPTY_LIST, _EMPTY_MAP, _FLOW, _BLOCK = range(8)
_Line = tuple[int, int, bool, int, "str | None", object, int, int]
_lines: dict[str, _Line] = {}
_NO_LINES: dict[str, _Line] = {}  # what `_parse` recalls from while the memo is off


class _LineMemo:
    """When `_lines` is worth keeping. Remembering a line costs about as much as reading it
    again; a repository whose lines rarely repeat would pay that for nothing, so the memo
    switches itself off when fewer than half the lines looked up were found in it."""

    WINDOW = 8192  # misses between two looks at the hit rate (of the lines since the last)

    __slots__ = ("looked", "lookups", "misses", "on")

    def __init__(self) -> None:
        self.on = True
        self.lookups = 0  # lines looked up (counted per document)
        self.looked = 0  # `lookups` at the last look
        self.misses = 0

    def remember(self, line: str, said: _Line) -> None:
        if not self.on:
            return  # switched off while a document was being read
        self.misses += 1
        if len(_lines) < _CACHE_LIMIT:
            _lines[line] = said  # once full, keep the lines seen first: the common ones
        if self.misses % self.WINDOW == 0:
            if self.lookups - self.looked < self.WINDOW * 2:  # under half were hits
                self.on = False
                _lines.clear()
            self.looked = self.lookups


_memo = _LineMemo()


def forget_lines() -> None:
    """Empty the memo of lines once the files are loaded: after that, only a document whose
    positions a finding asks for is read again, and a large run's memo (up to 50,000 lines
    and what each says) would be kept for nothing while the inventory and rules need memory.
    (What the memo handed out stays shared by the data that holds it.)"""
    _lines.clear()


_NOTHING: _Line = (_SKIP, 0, False, 0, None, None, 0, 0)
_MARKER_LINE: _Line = (_MARKER, 0, False, 0, None, None, 0, 0)


def _read_line(line: str) -> _Line:
    """What one line says (cached); raises _Unsupported outside the subset."""
    if not line.isprintable():
        raise _Unsupported  # tabs, control characters, DEL: the full parser decides
    indent_text, dash, key, rest = _LINE(line).groups()  # type: ignore[union-attr]
    indent = len(indent_text)
    if dash is None:
        item, column = False, indent
    else:
        item, column = True, indent + len(dash)
    if key is None:
        if not rest or rest[0] == "#":
            if item:
                raise _Unsupported  # an empty list item
            return _NOTHING  # blank or comment
        if not item:
            if rest == "---" and not indent:
                return _MARKER_LINE
            raise _Unsupported  # a scalar on a line of its own, a marker, `? key`, ...
        kind, value, end = _scalar(rest, column)  # (`- - x`, a sequence in an item: refused)
        return (kind, indent, True, column, None, value, column, end)
    if not (_plain_keys.get(key) or _string_key(key)):
        raise _Unsupported  # `true:`, `1:`, `null:` keys: the converter spells them out
    if not rest or rest[0] == "#":
        return (_PENDING, indent, item, column, key, None, column + len(key) + 1, 0)
    value_column = len(line) - len(rest)
    kind, value, end = _scalar(rest, value_column)
    return (kind, indent, item, column, key, value, value_column, end)


def _parse(lines: list[str], offset: int, *, spans: bool) -> tuple[object, Positions | None]:
    """One pass over the lines with a stack of open collections, each a list:
    [indent, is_sequence, container, path, start line, start column] (0-based positions).
    Spans are 1-based with exclusive end columns, as load._Converter makes them; without
    `spans`, only the data is built (paths stay empty) and there are no positions (None).
    (The loop is written for speed: it runs for every line of every relevant document.)"""
    values: dict[PathKey, Span] = {}
    keys: dict[PathKey, Span] = {}
    stack: list[list] = []
    # A key written without a value on its line: [its mapping's frame, key, path, line,
    # column just after its colon]. The next content line decides what the value is.
    pending: list | None = None
    memo = _memo.on
    recall = _lines.get if memo else _NO_LINES.get
    max_depth = load.MAX_DEPTH
    started = False  # past the first content line (a `---` marker may come first)
    rooted = False
    top: list | None = None  # the innermost open collection (stack[-1])
    skip = 0  # lines before this one are the content of a block scalar already read
    for number, line in enumerate(lines):
        if number < skip:
            continue
        said = recall(line)
        if said is None:
            said = _read_line(line)
            if memo:
                _memo.remember(line, said)
        kind, indent, item, column, key, value, value_column, end = said
        if kind <= _MARKER:
            if kind == _SKIP:
                continue
            if started:
                raise _Unsupported  # a second marker inside one document
            started = True
            continue

        if pending is not None:
            owner = pending[0]
            if indent > owner[0] or (item and indent == owner[0]):
                container: object = [] if item else {}
                owner[2][pending[1]] = container
                top = [indent, item, container, pending[2], number, indent]
                stack.append(top)
                if len(stack) > max_depth:
                    raise _Unsupported  # the full path reports documents nested too deep
            elif spans:
                _close_pending(pending, values, offset)
            pending = None

        if top is None or top[0] != indent or top[1] is not item:
            if not _close_to(stack, indent, item, lines, offset, values if spans else None, number):
                if rooted:  # the root collection ended, yet more content follows
                    raise _Unsupported
                rooted = True
                stack.append([indent, item, [] if item else {}, (), number, indent])
            top = stack[-1]
            if top[0] != indent or top[1] is not item:
                raise _Unsupported  # indentation YAML reads differently, or rejects
        started = True

        flow = None
        if kind > _VALUE:  # a fresh collection for each `[]`, `{}` or flow collection
            if kind == _FLOW:
                flow = value
                value = _copy(flow[0])
            elif kind == _BLOCK:
                # the content is more indented than the collection holding the scalar
                floor = (column if key is not None else indent) + 1
                value, skip, end_line, end_col = _block_scalar(lines, number, floor, value)
                if spans:
                    frame = [0, False, None, (), number, value_column]
                    end = _collection_span(lines, offset, frame, end_line, end_col)
            else:
                value = [] if kind == _EMPTY_LIST else {}
        if item:
            items = top[2]
            if key is None:
                if spans:
                    row = number + offset
                    path = (*top[3], len(items))
                    values[path] = end if kind == _BLOCK else (row, column + 1, row, end)
                    if flow is not None:
                        _flow_spans(flow, path, row, values, keys)
                items.append(value)
                continue
            item_path = (*top[3], len(items)) if spans else ()
            mapping: dict = {}
            items.append(mapping)
            top = [column, False, mapping, item_path, number, column]
            stack.append(top)
            if len(stack) > max_depth:
                raise _Unsupported
        else:
            mapping = top[2]
        if key in mapping:
            raise _Unsupported  # duplicate keys: the full path reports ML003
        if spans:
            row = number + offset
            path = (*top[3], key)
            keys[path] = (row, column + 1, row, column + len(key))
        else:
            path = ()
        if kind == _PENDING:
            mapping[key] = None
            pending = [top, key, path, number, value_column]
            continue
        mapping[key] = value
        if spans:
            values[path] = end if kind == _BLOCK else (row, value_column + 1, row, end)
            if flow is not None:
                _flow_spans(flow, path, row, values, keys)
    _memo.lookups += len(lines)
    if not stack:
        raise _Unsupported  # empty, or only a marker: the full parser says what it is
    root = stack[0]
    if not spans:
        return root[2], None
    if pending is not None:
        _close_pending(pending, values, offset)
    # libyaml closes the collections indented deeper than the end of the text where the text
    # ends, then moves to a fresh line (column 0) and closes the rest there.
    last, width = len(lines) - 1, len(lines[-1])
    for frame in reversed(stack):
        if frame[0] > width:
            values[frame[3]] = _collection_span(lines, offset, frame, last, width)
        else:
            values[frame[3]] = _collection_span(lines, offset, frame, last + (width > 0), 0)
    return root[2], Positions(values, keys)


def _find(lines: list[str], offset: int, path: PathKey, key: bool) -> Span | None:
    """The span `_parse` records for one key, or for one value written on its key's line,
    found by walking the lines of a document `_parse` has read; None for anything else (a
    list index, a block collection or null, a path that is not there): `_parse` decides.

    A finding usually needs one or two locations of its document: finding them costs a
    fraction of reading the document again with every position.
    """
    if not path:
        return None
    recall = _lines.get if _memo.on else _NO_LINES.get
    depth = 0  # the keys of `path` found so far
    indent = -1  # the indentation of the mapping holding path[depth]; -1: not seen yet
    parent = -1  # the indentation of path[depth - 1], or -1 at the root
    for number, line in enumerate(lines):
        said = recall(line) or _read_line(line)
        kind = said[0]
        if kind <= _MARKER:
            continue
        if said[1] <= parent:
            return None  # the mapping ended without the key
        if indent < 0:
            if said[2]:
                return None  # a list, not a mapping
            indent = said[1]
        elif said[1] != indent or said[2] or said[4] != path[depth]:
            if kind == _BLOCK:
                return None  # the lines after it are its content, not keys: `_parse` decides
            continue  # deeper, a list written at its key's indentation, another key
        if said[4] != path[depth]:
            if kind == _BLOCK:
                return None
            continue
        if depth == len(path) - 1:
            row = number + offset
            column = said[3]
            if key:
                return (row, column + 1, row, column + len(said[4]))
            if kind in (_PENDING, _BLOCK):
                return None  # a block collection or null: its span needs the whole reading
            return (row, said[6] + 1, row, said[7])
        if kind != _PENDING or not isinstance(path[depth + 1], str):
            return None
        depth += 1
        parent, indent = indent, -1
    return None


def _close_pending(pending: list, values: dict[PathKey, Span], offset: int) -> None:
    """A key whose value never came is null, placed just after its colon."""
    line, column = pending[3] + offset, pending[4]
    values[pending[2]] = (line, column + 1, line, column or 1)


def _close_to(
    stack: list[list],
    indent: int,
    item: bool,
    lines: list[str],
    offset: int,
    values: dict[PathKey, Span] | None,
    number: int,
) -> bool:
    """Close the collections a line at `indent` ends (they end where that line starts), and
    record their spans in `values` when given; False when none is left open."""
    while stack:
        top = stack[-1]
        if top[0] > indent or (top[0] == indent and top[1] and not item):
            stack.pop()
            if values is not None:
                values[top[3]] = _collection_span(lines, offset, top, number, indent)
        else:
            return True
    return False


def _scalar(text: str, col: int) -> tuple[int, object, int]:
    """A one-line value starting at `text[0]`, in column `col`: its kind (_VALUE, an empty
    flow list or mapping, or a flow collection, each built afresh for each use), its value
    (for _FLOW: the data to copy and the spans inside it), and the 1-based column of its last
    character."""
    if text[0] in _PLAIN_START or (
        text[0] in _PLAIN_IF_FOLLOWED and len(text) > 1 and text[1] != " "
    ):
        if "#" in text:
            cut = text.find(" #")
            if cut >= 0:
                text = text[:cut]
        if text[-1] == " ":
            text = text.rstrip(" ")
        if ": " in text or text[-1] == ":":
            raise _Unsupported  # a mapping where YAML does not allow one
        return _VALUE, _plain_value(text), col + len(text)
    first = text[0]
    if first == "'" or first == '"':
        close = text.find(first, 1)
        if close < 0:
            raise _Unsupported  # a quoted scalar spanning lines
        body = text[1:close]
        if (first == "'" and text[close + 1 : close + 2] == "'") or (first == '"' and "\\" in body):
            raise _Unsupported  # escapes
        _only_comment(text[close + 1 :])
        return _VALUE, body, col + close + 1
    if text[:2] in ("[]", "{}"):
        _only_comment(text[2:])
        return (_EMPTY_LIST if first == "[" else _EMPTY_MAP), None, col + 2
    if first == "|" or first == ">":
        header = text.split(" ", 1)
        if header[0] not in _BLOCK_HEADERS:
            raise _Unsupported  # an indentation indicator (`|2`): the full parser decides
        if len(header) > 1:
            _only_comment(" " + header[1])
        return _BLOCK, header[0], col + len(header[0])
    if first == "[" or first == "{":
        flow = _Flow(text, col)
        data = flow.node(0, 0)
        _only_comment(text[flow.end :])
        return _FLOW, (data, flow.values, flow.keys), col + flow.end
    raise _Unsupported  # block scalars, anchors, aliases, tags


class _Flow:
    """A flow collection written on one line (`[a, "b"]`, `{port: 80, name: http}`, nested):
    its data, and the spans inside it relative to the line (paths below the collection,
    1-based columns with the exclusive end libyaml gives). Plain scalars hold no `:` or `#`,
    quoted ones no escapes, every mapping entry has a value; anything else is refused."""

    __slots__ = ("col", "end", "keys", "text", "values")

    def __init__(self, text: str, col: int) -> None:
        self.text = text
        self.col = col
        self.end = 0  # index in `text` just after the collection
        self.values: list[tuple[tuple, int, int]] = []  # (relative path, start, end)
        self.keys: list[tuple[tuple, int, int]] = []

    def _blank(self, i: int) -> int:
        text = self.text
        while i < len(text) and text[i] == " ":
            i += 1
        if i >= len(text):
            raise _Unsupported  # the collection goes on past this line
        return i

    def node(self, i: int, depth: int, path: tuple = ()) -> object:
        """The value starting at `text[i]` (a collection or a scalar); sets `self.end`."""
        if depth > _MAX_FLOW_DEPTH:
            raise _Unsupported
        text = self.text
        first = text[i]
        if first == "[":
            items: list = []
            j = self._blank(i + 1)
            while text[j] != "]":
                items.append(self.node(j, depth + 1, (*path, len(items))))
                j = self._blank(self.end)
                if text[j] == ",":
                    j = self._blank(j + 1)
                elif text[j] != "]":
                    raise _Unsupported  # `[a: b]`, `[a b]`, ...
            return self._close(i, j, path, items)
        if first == "{":
            mapping: dict = {}
            j = self._blank(i + 1)
            while text[j] != "}":
                key = self._scalar(j)
                if not isinstance(key, str) or not _string_key(key) or key in mapping:
                    raise _Unsupported  # `{1: x}`, `{true: x}`: spelled out; duplicates
                key_start, key_end = self.col + j + 1, self.col + self.end
                j = self.end
                if text[j : j + 2] != ": ":
                    raise _Unsupported  # `{a}`, `{a:b}`, `{a: }`: left to the full parser
                child = (*path, key)
                self.keys.append((child, key_start, key_end))
                mapping[key] = self.node(self._blank(j + 2), depth + 1, child)
                j = self._blank(self.end)
                if text[j] == ",":
                    j = self._blank(j + 1)
                elif text[j] != "}":
                    raise _Unsupported
            return self._close(i, j, path, mapping)
        value = self._scalar(i)
        self.values.append((path, self.col + i + 1, self.col + self.end))
        return value

    def _close(self, start: int, close: int, path: tuple, value: object) -> object:
        self.end = close + 1
        if path:
            self.values.append((path, self.col + start + 1, self.col + self.end))
        return value

    def _scalar(self, i: int) -> object:
        """A scalar inside the collection; `self.end` just after it (trailing blanks out)."""
        text = self.text
        first = text[i]
        if first == "'" or first == '"':
            close = text.find(first, i + 1)
            if close < 0:
                raise _Unsupported
            body = text[i + 1 : close]
            if (first == "'" and text[close + 1 : close + 2] == "'") or (
                first == '"' and "\\" in body
            ):
                raise _Unsupported
            self.end = close + 1
            return body
        if first not in _PLAIN_START and not (
            first == "-" and text[i + 1 : i + 2] not in ("", " ", ",", "[", "]", "{", "}")
        ):
            raise _Unsupported  # `?x`, `:x` in a flow: left to the full parser
        j = i
        while j < len(text) and text[j] not in _FLOW_STOP:
            j += 1
        if j < len(text) and (text[j] == "#" or (text[j] == ":" and text[j + 1 : j + 2] != " ")):
            raise _Unsupported  # `a#b`, `a:b`, `http://x`: the full parser decides
        plain = text[i:j].rstrip(" ")
        self.end = i + len(plain)
        return _plain_value(plain)


_BLOCK_HEADERS = frozenset(("|", "|-", "|+", ">", ">-", ">+"))


def _block_scalar(
    lines: list[str], header: int, floor: int, style: str
) -> tuple[str, int, int, int]:
    """The block scalar whose header (`|`, `>-`, ...) ends line `header`: its value, the index
    of the first line after it, and where libyaml ends it (line index, column), which is the
    start of the first line after its trailing blank lines, or the end of the text. Follows
    PyYAML's scanner (scan_block_scalar): the content's indentation is its first non-blank
    line's, at least `floor`; `>` folds a line break between two lines that start with a
    non-blank into a space; `-` strips the final line breaks, `+` keeps them all."""
    number = header + 1
    count = len(lines)
    breaks = 0  # blank lines before the first content line
    while number < count and not lines[number].strip(" "):
        if lines[number]:
            raise _Unsupported  # spaces on a leading blank line: they may set the indentation
        breaks += 1
        number += 1
    if number >= count:
        raise _Unsupported  # no content: rare, left to the full parser
    first = lines[number]
    indent = len(first) - len(first.lstrip(" "))
    if indent < floor:
        raise _Unsupported  # an empty scalar, then whatever the line is
    chunks = ["\n"] * breaks
    fold = style[0] == ">"
    line_break = ""
    while True:
        text = lines[number]
        content = text[indent:]
        leading_non_space = content[:1] not in (" ", "\t")
        chunks.append(content)
        end_line, end_col = number, len(text)
        number += 1
        if number >= count:
            line_break, breaks = "", 0  # the text ends without a line break
            break
        line_break = "\n"
        breaks = 0
        end_line, end_col = number, 0
        while number < count and _blank_within(lines[number], indent):
            if number + 1 >= count:
                end_line, end_col = number, len(lines[number])
                number += 1
                break
            breaks += 1
            number += 1
            end_line = number
        if number >= count:
            break
        nxt = lines[number]
        if len(nxt) - len(nxt.lstrip(" ")) < indent:
            break  # a less indented line ends the scalar
        if fold and leading_non_space and nxt[indent : indent + 1] not in (" ", "\t"):
            chunks.append("\n" * breaks if breaks else " ")
        else:
            chunks.append(line_break + "\n" * breaks)
    if style[-1:] != "-":
        chunks.append(line_break)
    if style[-1:] == "+":
        chunks.append("\n" * breaks)
    value = "".join(chunks)
    if len(value) > load.MAX_VALUE_CHARS:
        raise _Unsupported  # the full path refuses an overlong value
    return value, number, end_line, end_col


def _blank_within(line: str, indent: int) -> bool:
    """A blank line inside a block scalar: only spaces, no more than its indentation (one
    with more spaces is content: its extra spaces belong to the value)."""
    return not line.strip(" ") and len(line) <= indent


def _copy(value: object) -> object:
    """A fresh copy of the data of a flow collection (the memo's copy is shared)."""
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _flow_spans(flow: tuple, path: PathKey, row: int, values: dict, keys: dict) -> None:
    """Record the spans inside a flow collection read on line `row`, below `path`."""
    for rel, start, end in flow[1]:
        values[(*path, *rel)] = (row, start, row, end)
    for rel, start, end in flow[2]:
        keys[(*path, *rel)] = (row, start, row, end)


def _only_comment(rest: str) -> None:
    if rest and not (rest[0] == " " and (not rest.strip() or rest.lstrip()[0] == "#")):
        raise _Unsupported


def _collection_span(lines: list[str], offset: int, frame: list, end_line: int, end_col: int):
    """A block collection's span: from its first token to the next token after it, or, when
    that is at column 0, to the end of its last content line (load._Converter's rule)."""
    line = frame[4]
    if end_col == 0 and end_line > line:
        end_line -= 1
        while end_line > line:
            stripped = lines[end_line].strip()
            if stripped and stripped[0] != "#":
                break
            end_line -= 1
        end_col = len(lines[end_line].rstrip())
    return (line + offset, frame[5] + 1, end_line + offset, end_col or 1)
