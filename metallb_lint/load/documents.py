"""Bytes to documents: split, filter, compose once, and keep a position for every value.

Each YAML document is parsed exactly once into plain Python data plus a `Positions` index, so
any value can be traced back to its file, line and column without a second parse: by the
block-YAML reader (metallb_lint.load.blockyaml) when the document is plain block YAML, as most
manifests are, else composed by PyYAML (its C parser when it has one) and converted here.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from metallb_lint.findings import Location
from metallb_lint.load import yamlcore
from metallb_lint.load.blockyaml import (
    block_data,
    block_find,
    block_tables,
    parse_block,
    unavailable_tables,
)
from metallb_lint.load.filetext import FileText, part_of
from metallb_lint.load.yamlcore import (
    MERGE_TAG,
    SCALAR_BUILDERS,
    STR_TAG,
    PathKey,
    Positions,
    Span,
    build_scalar,
    plain_tag,
)

_PLAIN_TAG = "tag:metallb-lint,2026:plain"  # a plain scalar whose type is not resolved yet


class _LazyResolver(yaml.resolver.BaseResolver):
    """Tags every plain scalar `_PLAIN_TAG` and nothing else: the per-node path resolvers and
    implicit-type regexes of PyYAML's resolver cost more than composing in C, and most plain
    scalars are strings the converter recognises by their first character."""

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN_TAG if implicit[0] else self.DEFAULT_SCALAR_TAG
        if kind is SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG


class _PureLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.BaseConstructor,
    _LazyResolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.BaseConstructor.__init__(self)
        _LazyResolver.__init__(self)


class _RedefiningLoader(_PureLoader):
    """Reads a document that defines one anchor twice, as YAML 1.2 and Go's reader do (each
    alias takes the latest definition); PyYAML refuses it, in C and in Python alike."""

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if not self.check_event(yaml.events.AliasEvent):
            anchor = self.peek_event().anchor
            if anchor is not None:
                self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


try:  # the C parser is ~15x faster; the pure one is the fallback (DESIGN.md, Performance)
    from yaml.cyaml import CParser as _Parser

    class _Loader(_Parser, yaml.constructor.BaseConstructor, _LazyResolver):
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            yaml.constructor.BaseConstructor.__init__(self)
            _LazyResolver.__init__(self)

except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = _PureLoader  # type: ignore[misc]


_AFTER_MARKER = frozenset(" \t\n")
# The relevance filter (DESIGN.md, Pipeline step 1): a document is parsed only if it mentions
# MetalLB or a load balancer, or is one of the GitOps objects that decide namespaces and
# placeholders (Argo CD Applications, Flux Kustomizations and their postBuild). Each word and
# group is there for a behaviour a test shows (tests/test_relevance.py lists them).
RELEVANT_WORDS = (
    b"metallb",
    b"loadbalancer",
    b"address-pools",  # legacy (<= 0.12) ConfigMap configuration, wherever it lives
    b"serviceexternalips",  # Calico announcing externalIPs (model/announcers.py)
    b"ciliumbgpadvertisement",  # Cilium announcing them
    b"kubevip",  # kube-vip's cloud provider ConfigMap: another allocator (checks/allocators.py)
)
# GitOps objects are recognised by their apiVersion, not by their API group alone: the groups'
# domains also appear in annotations and labels of any object (`argocd.argoproj.io/sync-wave`,
# `kustomize.toolkit.fluxcd.io/name`) and in CRDs, which would all be parsed for nothing.
GITOPS_GROUPS = (
    b"argoproj.io/",  # Argo CD Applications: which namespace a path is synced into
    b"kustomize.toolkit.fluxcd.io/",  # Flux Kustomizations: the same, and targetNamespace
    b"source.toolkit.fluxcd.io/",  # Flux HelmRepository/OCIRepository: where a chart comes from
)
# The object's own apiVersion: a key at the start of a line, of a list item (`- apiVersion:`, a
# List's items) or of a flow or JSON document (`{apiVersion: ...`, `  "apiVersion": ...`); not
# a nested field such as a HelmRelease's `sourceRef: {apiVersion: source.toolkit...}`.
_GITOPS_API = re.compile(
    rb"^(?:[ \t]*- |\{[ \t]*|[ \t]*(?=[\"']))?[\"']?apiversion[\"']?[ \t]*:[ \t]*[\"']?"
    + rb"(?:"
    + rb"|".join(re.escape(group) for group in GITOPS_GROUPS)
    + rb")",
    re.MULTILINE,
)
_RELEVANT_TEXT = tuple(word.decode() for word in RELEVANT_WORDS)
_GITOPS_TEXT = tuple(group.decode() for group in GITOPS_GROUPS)
_GITOPS_API_TEXT = re.compile(_GITOPS_API.pattern.decode(), re.MULTILINE)
# The words that make a document MetalLB's business, not only a GitOps object read for context:
# input problems (a syntax error, a duplicate key) are reported only in such documents.
METALLB_WORDS = ("metallb", "loadbalancer", "address-pools")


# Words asked of every document after loading (`Document.mentions`): noted while the text is
# at hand, since a file's text is released once loaded (load/filetext.py) and reading it again
# for each document would cost more than the loading. (word, in any case): model/inventory.py
# looks for MetalLB's API group and images, gitops/flux.py for `substituteFrom`.
_NOTED = (
    ("metallb.io", False),
    ("substituteFrom", False),
    ("metallb/controller", True),
    ("metallb/speaker", True),
)
_NOTED_BITS = {entry: 1 << i for i, entry in enumerate(_NOTED)}


def noted_words(text: str) -> int:
    """Which of the noted words `text` mentions, as `Document.mentions` reads them."""
    found = 0
    lowered = None
    for (word, any_case), bit in _NOTED_BITS.items():
        if any_case:
            lowered = text.lower() if lowered is None else lowered
            if word in lowered:
                found |= bit
        elif word in text:
            found |= bit
    return found


class Document:
    """One YAML document of a file, as plain data with positions.

    `text` is the document's own text. A document loaded from a file keeps its file's text
    (a `FileText`, which may be read again from disk) and its bounds in it instead (`bounds`):
    the documents of a file share one text, and `text` is cut from it when asked for (rarely:
    positions, rendering, a few searches); "" when the file no longer holds it.
    """

    __slots__ = (
        "_end",
        "_noted",
        "_positions",
        "_start",
        "_whole",
        "data",
        "index",
        "lines",
        "origins",
        "path",
        "start_line",
    )
    __hash__ = None  # type: ignore[assignment]  # (as the dataclass it was: compared by value)

    def __init__(
        self,
        path: str,
        index: int,  # 0-based position of the document in its file
        start_line: int,
        data: object,
        positions: Positions | None,  # None: deferred, read from the text (`of_block`)
        text: str | FileText,
        # A rendered template: the file line of each line of `text` (positions are file lines
        # already); None when `text` is the file's own, from `start_line` on.
        lines: list[int] | None = None,
        *,
        bounds: tuple[int, int] | None = None,  # `text` is the file's; the document's part
        noted: int = -1,  # `noted_words` of the document's text (-1: search the text)
    ) -> None:
        self.path = path
        self.index = index
        self.start_line = start_line
        self.data = data
        self._positions = positions
        self.lines = lines
        # A rendered template's values written in another file (a values file the template
        # printed whole): path -> (the value's location, its key's or None: the template's)
        self.origins: dict[PathKey, tuple[Location, Location | None]] | None = None
        self._whole = text
        self._start, self._end = bounds if bounds is not None else (0, -1)
        self._noted = noted

    @classmethod
    def of_block(
        cls,
        path: str,
        index: int,
        start_line: int,
        data: object,
        whole: str | FileText,
        bounds: tuple[int, int],
        noted: int,
    ) -> Document:
        """A document the block reader read from a file's text (`whole[bounds[0]:bounds[1]]`),
        the deferred source of its own positions (`build`, `find`), which are made when first
        asked for: two objects less a document, in runs that hold tens of thousands."""
        return cls(path, index, start_line, data, None, whole, bounds=bounds, noted=noted)

    @property
    def positions(self) -> Positions:
        found = self._positions
        if found is None:  # (made when first asked for: most documents never are)
            found = self._positions = Positions.deferred(self)
        return found

    @positions.setter
    def positions(self, positions: Positions) -> None:
        self._positions = positions

    @property
    def positions_deferred(self) -> bool:
        """Whether the positions are still to be read again from the text (a document the
        block reader read, whose positions nothing asked for yet), asked without making them."""
        found = self._positions
        return found is None or found._pending is not None

    def build(self) -> tuple[dict, dict]:
        """The position tables of a document `of_block` made, read again from its text."""
        text = self._own_text()
        if text is None:
            return unavailable_tables(self.start_line)
        return block_tables(text, self.start_line)

    def find(self, path: PathKey, key: bool) -> Span | None:
        text = self._own_text()
        return block_find(text, self.start_line, path, key) if text is not None else None

    def _own_text(self) -> str | None:
        """`text`, or None when its file no longer holds it."""
        return part_of(self._whole, self._start, self._end)

    def _whole_text(self) -> str:
        whole = self._whole
        if type(whole) is str:
            return whole
        return whole.get() or ""  # type: ignore[union-attr]

    @property
    def text(self) -> str:
        whole = self._whole_text()
        if self._end < 0:
            return whole
        return whole[self._start : self._end]

    def mentions(self, word: str, *, any_case: bool = False) -> bool:
        """`word in self.text` (`any_case`: in `self.text.lower()`, `word` being lowercase),
        without cutting the text out of its file's, nor reading it for a noted word."""
        if self._noted >= 0:
            bit = _NOTED_BITS.get((word, any_case))
            if bit is not None:
                return bool(self._noted & bit)
        if any_case:
            return word in self.text.lower()
        whole = self._whole_text()
        if self._end < 0:
            return word in whole
        return whole.find(word, self._start, self._end) >= 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        return (
            self.path,
            self.index,
            self.start_line,
            self.data,
            self.positions,
            self.text,
            self.lines,
        ) == (
            other.path,
            other.index,
            other.start_line,
            other.data,
            other.positions,
            other.text,
            other.lines,
        )

    def __repr__(self) -> str:
        return (
            f"Document(path={self.path!r}, index={self.index!r}, start_line={self.start_line!r}, "
            f"data={self.data!r})"
        )

    def text_index(self, line: int) -> int:
        """The 0-based index in `text`'s lines of (the first output of) file line `line`."""
        if self.lines is None:
            return line - self.start_line
        for index, mapped in enumerate(self.lines):
            if mapped == line:
                return index
        return -1

    def file_line(self, index: int) -> int:
        """The file line of the 0-based line `index` of `text`."""
        if self.lines is None:
            return self.start_line + index
        if not self.lines:
            return self.start_line
        return self.lines[min(max(index, 0), len(self.lines) - 1)]

    def location(self, path: PathKey = (), *, key: bool = False) -> Location:
        if self.origins is not None and path in self.origins:
            found = self.origins[path][1 if key else 0]
            if found is not None:
                return found
        line, col, end_line, end_col = self.positions.span(path, key=key)
        return Location(self.path, line, col, end_line, end_col)

    def get(self, *path: str | int, default: object = None) -> object:
        return dig(self.data, path, default)


def dig(node: object, path: PathKey, default: object = None) -> object:
    """The value at `path` inside plain data, or `default` where the shape does not fit."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                return default
        elif not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


@dataclass
class LoadProblem:
    """A document that could not be loaded; becomes ML001/ML002/ML003."""

    rule: str
    message: str
    location: Location
    related: tuple[tuple[Location, str], ...] = ()
    key_path: PathKey | None = None  # ML003: where in the document the repeated key is


@dataclass
class Chunk:
    """A document's raw text before parsing, with the line it starts on."""

    start_line: int
    text: str
    # The file's text that `text` was cut from, at offset `at` (documents loaded from it share
    # that one text); None for a chunk of its own (a rendered template, an embedded document).
    whole: str | None = None
    at: int = 0

    @property
    def relevant(self) -> bool:
        lowered = self.text.lower()  # a few substring searches in C beat one regex
        for word in _RELEVANT_TEXT:
            if word in lowered:
                return True
        for group in _GITOPS_TEXT:
            if group in lowered:  # the regex only where a group is named at all
                return _GITOPS_API_TEXT.search(lowered) is not None
        return False

    @property
    def about_metallb(self) -> bool:
        """Mentions MetalLB or a load balancer (not only Argo CD, Flux or kustomize)."""
        lowered = self.text.lower()
        return any(word in lowered for word in METALLB_WORDS)

    @property
    def templated(self) -> bool:
        text = self.text
        return "{{" in text or "{%" in text


def bytes_relevant(raw: bytes) -> bool:
    """The whole-file fast path of the relevance filter: one pass over the bytes."""
    lowered = raw.lower()
    for word in RELEVANT_WORDS:
        if word in lowered:
            return True
    for group in GITOPS_GROUPS:
        if group in lowered:
            return _GITOPS_API.search(lowered) is not None
    return False


def split_documents(data: str) -> list[Chunk]:
    """Split on `---`/`...` markers at column 0, keeping each document's first line.

    A `%YAML`/`%TAG` directive block belongs to the document after it, so it is kept with it.
    """
    chunks: list[Chunk] = []
    start = 0
    line = 1
    for pos in _marker_offsets(data):
        if pos > start:
            chunks.append(Chunk(line, data[start:pos], data, start))
        line += data.count("\n", start, pos)
        start = pos
        if data.startswith("...", pos):
            # An end marker closes the document; the next one starts on the following line.
            nl = data.find("\n", pos)
            nl = len(data) if nl < 0 else nl + 1
            line += data.count("\n", pos, nl)
            start = nl
    if start < len(data):
        chunks.append(Chunk(line, data[start:], data, start))
    merged: list[Chunk] = []
    pending: Chunk | None = None
    for chunk in chunks:
        if pending is not None:
            text = pending.text + chunk.text
            contiguous = data.startswith(text, pending.at)  # (no `...` marker between them)
            chunk = Chunk(pending.start_line, text, data if contiguous else None, pending.at)
            pending = None
        if _only_directives(chunk.text):
            pending = chunk
            continue
        merged.append(chunk)
    if pending is not None:
        merged.append(pending)
    return [c for c in merged if _has_content(c.text)]


def _marker_offsets(data: str) -> list[int]:
    """Offsets of the `---` and `...` markers at column 0 (followed by a blank, a line break or
    the end), in order. (str.find runs in C; a multi-line regex tries every position.)"""
    found = _offsets_of("---", data)
    if "..." in data:
        found = sorted(found + _offsets_of("...", data))
    return found


def _offsets_of(marker: str, data: str) -> list[int]:
    starts = [0] if data.startswith(marker) else []
    line_start = "\n" + marker
    hit = data.find(line_start)
    while hit >= 0:
        starts.append(hit + 1)
        hit = data.find(line_start, hit + 1)
    size = len(data)
    return [p for p in starts if p + 3 == size or data[p + 3] in _AFTER_MARKER]


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, one at a time: callers that stop early do not split it all."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _only_directives(text: str) -> bool:
    """True for a chunk of `%` directives (and comments) that must precede a `---`."""
    if "%" not in text:
        return False
    found = False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line.startswith("%"):
            return False
        found = True
    return found


def _has_content(text: str) -> bool:
    """False for documents made only of markers, blank lines and comments."""
    for line in _lines(text):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            if stripped.startswith("--- ") and stripped[4:].lstrip().startswith("#"):
                continue
            return True
    return False


class _TooLarge(Exception):
    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.node = node


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _too_big_message() -> str:
    return (
        f"document expands to more than {yamlcore.MAX_VALUES_PER_DOCUMENT:,} values (anchors and "
        "aliases used to blow up its size, a 'billion laughs'); skipped. Write the values "
        "out instead of nesting aliases"
    )


def _too_long_message() -> str:
    return (
        f"a value here is longer than {yamlcore.MAX_VALUE_CHARS // 1024} KiB; the document was "
        "not analysed. Kubernetes refuses annotations that long, and no MetalLB or Service "
        "field is: check for a runaway quote or a file pasted into a value"
    )


def _too_deep_message() -> str:
    return (
        f"document is nested deeper than {yamlcore.MAX_DEPTH} levels; skipped. No MetalLB or "
        "Kubernetes object nests that deep: check for runaway brackets or indentation"
    )


def _measure(root: Node) -> None:
    """Refuse alias bombs, self-referencing aliases and deep nesting before building anything.

    Sizes and heights are memoised per node, so a billion-laughs document costs the number of
    its distinct nodes, not of the values it would expand to.
    """
    memo: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
    active: set[int] = set()

    def visit(node: Node, depth: int) -> tuple[int, int]:
        key = id(node)
        known = memo.get(key)
        if known is not None:
            if depth + known[1] - 1 > yamlcore.MAX_DEPTH:  # a shared subtree reached deeper down
                raise _TooLarge(
                    _too_deep_message(), _deepest(node, yamlcore.MAX_DEPTH - depth, memo)
                )
            return known
        if key in active:
            raise _TooLarge(
                "an alias refers to a collection that contains it (a recursive alias), so the "
                "document never ends; skipped. Replace the alias with the values it should hold",
                node,
            )
        if depth > yamlcore.MAX_DEPTH:
            raise _TooLarge(_too_deep_message(), node)
        active.add(key)
        size, height = 1, 1
        for child in _children(node):
            child_size, child_height = visit(child, depth + 1)
            size += child_size
            height = max(height, child_height + 1)
            if size > yamlcore.MAX_VALUES_PER_DOCUMENT:
                raise _TooLarge(_too_big_message(), root)
        if depth + height - 1 > yamlcore.MAX_DEPTH:
            raise _TooLarge(_too_deep_message(), _deepest(node, yamlcore.MAX_DEPTH - depth, memo))
        active.discard(key)
        memo[key] = (size, height)
        return size, height

    visit(root, 0)


def _deepest(node: Node, steps: int, memo: dict[int, tuple[int, int]]) -> Node:
    """Walk `steps` levels down the tallest branch: the node that crosses the depth limit."""
    for _ in range(max(steps, 0)):
        children = _children(node)
        if not children:
            break
        node = max(children, key=lambda c: memo.get(id(c), (0, 0))[1])
    return node


class _Converter:
    """Node graph to plain data, recording positions; finds duplicate keys and alias bombs."""

    def __init__(self, path: str, line_offset: int, text: str = "") -> None:
        self.path = path
        self.offset = line_offset
        self.lines = text.split("\n") if text else []
        self.where = _mark_position(text)
        self.remap = self.where if _ODD_BREAKS.search(text) else None
        self.positions = Positions(spanner=self._span)
        self.problems: list[LoadProblem] = []
        self.budget = yamlcore.MAX_VALUES_PER_DOCUMENT
        self._constructor = SafeConstructor()

    def _span(self, node: Node) -> Span:
        start, end = node.start_mark, node.end_mark
        if self.remap is None:
            start_line, start_col, end_line, end_col = (
                start.line,
                start.column,
                end.line,
                end.column,
            )
        else:
            start_line, start_col = self.remap(start)
            end_line, end_col = self.remap(end)
        if end_col == 0 and end_line > start_line:
            # Block collections end at column 0 of the next line; point at the end of content.
            end_line -= 1
            while end_line > start_line and not _content(self._line(end_line)):
                end_line -= 1
            end_col = len(self._line(end_line).rstrip()) or 1
        offset = self.offset + 1
        return (start_line + offset, start_col + 1, end_line + offset, end_col or 1)

    def _line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def convert(self, node: Node, path: PathKey = (), depth: int = 0) -> object:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge(_too_big_message())
        if depth > yamlcore.MAX_DEPTH:
            raise _TooLarge(_too_deep_message(), node)
        self.positions._values[path] = node
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        return None  # pragma: no cover - PyYAML has no other node kinds

    def _scalar(self, node: ScalarNode) -> object:
        if len(node.value) > yamlcore.MAX_VALUE_CHARS:
            raise _TooLarge(_too_long_message(), node)
        tag = node.tag
        if tag == _PLAIN_TAG:
            tag = node.tag = plain_tag(node.value)
        if tag == STR_TAG or node.style in ("'", '"', "|", ">"):
            return node.value
        builder = SCALAR_BUILDERS.get(tag)
        if builder is None:
            return node.value
        return build_scalar(builder, self._constructor, node)

    def _key_text(self, node: Node, path: PathKey, depth: int) -> str:
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
            if value is None:
                return "null"
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
        # A complex key (`? [a, b]`): its flow text names it.
        data = self.convert(node, (*path, "<key>"), depth + 1)
        self.positions._values.pop((*path, "<key>"), None)
        return yaml.dump(data, default_flow_style=True, width=1_000_000).strip()

    def _mapping(self, node: MappingNode, path: PathKey, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        seen: dict[str, Node] = {}
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _PLAIN_TAG:
                key_node.tag = plain_tag(key_node.value)
            if key_node.tag == MERGE_TAG:
                merged.append(value_node)
                continue
            key = (
                key_node.value
                if key_node.tag == STR_TAG and isinstance(key_node, ScalarNode)
                else self._key_text(key_node, path, depth)
            )
            child = (*path, key)
            if key in seen:
                first = seen[key]
                self.problems.append(
                    LoadProblem(
                        "ML003",
                        f"key '{key}' appears twice in this mapping (first on line "
                        f"{self._span(first)[0]}): kustomize (and so Flux) refuses to build the "
                        "file, and tools that accept it, such as Helm, silently keep only the "
                        "last one. Merge the two into one key",
                        Location(self.path, *self._span(key_node)),
                        ((Location(self.path, *self._span(first)), f"first '{key}' is here"),),
                        child,
                    )
                )
                # The API server would refuse the document; keep PyYAML's semantics (last wins).
            seen[key] = key_node
            self.positions._keys[child] = key_node
            self.positions._values.pop(child, None)
            result[key] = self.convert(value_node, child, depth + 1)
        for value_node in merged:
            self._merge(result, value_node, path, depth)
        return result

    def _merge(self, result: dict[str, object], value: Node, path: PathKey, depth: int) -> None:
        """`<<: *base` (or a list of them): keys already set win, earlier sources first."""
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, MappingNode):
                continue
            if depth > yamlcore.MAX_DEPTH:
                raise _TooLarge(_too_deep_message(), source)
            pairs: dict[str, tuple[Node, Node]] = {}
            nested: list[Node] = []
            for key_node, value_node in source.value:
                if key_node.tag == _PLAIN_TAG:
                    key_node.tag = plain_tag(key_node.value)
                if key_node.tag == MERGE_TAG:
                    nested.append(value_node)
                else:  # duplicates inside the source were reported where it is defined
                    pairs[self._key_text(key_node, path, depth)] = (key_node, value_node)
            for key, (key_node, value_node) in pairs.items():
                if key in result:
                    continue
                child = (*path, key)
                self.positions._keys[child] = key_node
                self.positions._values.pop(child, None)
                result[key] = self.convert(value_node, child, depth + 1)
            for nested_value in nested:
                self._merge(result, nested_value, path, depth + 1)


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


# YAML 1.1 (PyYAML, and Go's yaml.v2 behind kubectl) also breaks lines at NEL, LINE SEPARATOR
# and PARAGRAPH SEPARATOR; editors, git and GitHub count only '\n'. Findings follow the latter.
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


def _mark_position(text: str) -> Callable[[Mark], tuple[int, int]]:
    """0-based (line, column) of a parser mark, in lines separated by '\n' only."""
    if not _ODD_BREAKS.search(text):
        return lambda mark: (mark.line, mark.column)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(mark: Mark) -> tuple[int, int]:
        line = bisect_right(starts, mark.index) - 1
        return line, mark.index - starts[line]

    return where


def _syntax_problem(path: str, chunk: Chunk, text: str, exc: yaml.YAMLError) -> LoadProblem:
    """ML001 at the parser's position, with the context that tells where to look."""
    offset = chunk.start_line - 1
    if isinstance(exc, ReaderError):
        line, column = _line_col(text, exc.position)
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        return LoadProblem(
            "ML001",
            f"not valid YAML: control character {char} is not allowed in YAML text. Remove it "
            "(or re-save the file as plain text)",
            Location(path, line + offset, column),
        )
    if not isinstance(exc, yaml.MarkedYAMLError):
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return LoadProblem("ML001", f"not valid YAML: {msg}", Location(path, chunk.start_line))
    where = _mark_position(text)
    mark = exc.problem_mark or exc.context_mark
    context = exc.context_mark
    context_line = where(context)[0] + 1 + offset if context is not None else 0
    if mark is not None and context is not None and mark.index >= len(text.rstrip()):
        # The parser ran off the end of the document: what is unclosed is where it began.
        mark = context
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    message = f"not valid YAML: {problem}"
    ctx = (exc.context or "").strip()
    if ctx and exc.problem and ctx != problem:
        if context is not None and ctx.startswith(("while parsing a ", "while scanning a ")):
            ctx += f" that starts on line {context_line}"
        message += f" ({ctx})"
    hint = _hint(problem, text, mark.index if mark is not None else -1)
    if hint:
        message += f". {hint}"
    if mark is None:
        return LoadProblem("ML001", message, Location(path, chunk.start_line))
    line, column = where(mark)
    return LoadProblem("ML001", message, Location(path, line + 1 + offset, column + 1))


_HINTS = (
    ("did not find expected key", "Check this line's indentation against the keys above it"),
    ("expected <block end>", "Check this line's indentation against the keys above it"),
    ("did not find expected '-' indicator", "Indent list items and keys consistently"),
    ("did not find expected ',' or ']'", "Close the '[' list, or separate items with ','"),
    ("did not find expected ',' or '}'", "Close the '{' mapping, or separate entries with ','"),
    ("mapping values are not allowed", "Quote a value that contains ': ', or fix the indentation"),
    ("found unexpected end of stream", "Close the quoted string"),
    ("found undefined alias", "Define the '&anchor' before using '*anchor'"),
)


def _hint(problem: str, text: str, index: int) -> str:
    if 0 <= index < len(text) and text[index] == "\t":
        return "YAML indentation must use spaces, not tabs"
    for start, hint in _HINTS:
        if problem.startswith(start):
            return hint
    return ""


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def compose_chunk(
    path: str,
    chunk: Chunk,
    index: int,
    text: str | None = None,
    *,
    content: FileText | None = None,
) -> tuple[Document | None, list[LoadProblem]]:
    """Parse one document (`text` overrides the chunk's, e.g. after rendering a template).
    `content`: the file's text the chunk was cut from, as the document should keep it."""
    if text is None and chunk.whole is not None:  # keep the file's text, not a copy of a part
        text, at = chunk.text, chunk.at
        whole: str | FileText = chunk.whole if content is None else content
        bounds = (at, at + len(text))
        noted = noted_words(text)
        block = block_data(text, chunk.start_line - 1)
        if block is not None:
            data = block[0]
            return Document.of_block(path, index, chunk.start_line, data, whole, bounds, noted), []
        doc, problems = compose_full(path, chunk, index, text)
        if doc is not None:
            positions = doc.positions
            doc = Document(
                path, index, doc.start_line, doc.data, positions, whole, bounds=bounds, noted=noted
            )
        return doc, problems
    text = chunk.text if text is None else text
    fast = parse_block(text, chunk.start_line - 1)
    if fast is not None:
        return Document(path, index, chunk.start_line, fast[0], fast[1], text), []
    return compose_full(path, chunk, index, text)


def compose_mapped(
    path: str,
    chunk: Chunk,
    index: int,
    lines: list[int],
    columns: list[tuple[int, int] | None] | None = None,
    origins: Mapping[int, tuple[Location, Location | None]] | None = None,
) -> tuple[Document | None, list[LoadProblem]]:
    """Parse a document of a rendered template: `chunk` is in output lines, `lines` maps each
    output line (1-based: lines[n - 1]) to the template line that wrote it, and `columns`, for
    a line an action wrote, to that action's columns. The document's positions and problems
    point at what the template says there."""
    doc, problems = compose_chunk(path, chunk, index)

    def line_of(number: int) -> int:
        if not lines:
            return number
        return lines[min(max(number, 1), len(lines)) - 1]

    def action_of(number: int) -> tuple[int, int] | None:
        if not columns or not 1 <= number <= len(columns):
            return None
        return columns[number - 1]

    mapped = [
        LoadProblem(
            p.rule,
            p.message,
            _map_location(p.location, line_of, action_of),
            tuple((_map_location(loc, line_of, action_of), text) for loc, text in p.related),
            p.key_path,
        )
        for p in problems
    ]
    if doc is None:
        return None, mapped
    positions = doc.positions
    values = {k: _map_span(span, line_of, action_of) for k, span in positions.values.items()}
    keys = {k: _map_span(span, line_of, action_of) for k, span in positions.keys.items()}
    count = doc.text.count("\n") + 1
    own = [line_of(chunk.start_line + i) for i in range(count)]
    made = Document(
        path, index, line_of(chunk.start_line), doc.data, Positions(values, keys), doc.text, own
    )
    if origins:
        made.origins = _written_elsewhere(doc.data, positions, origins) or None
    return made, mapped


def _written_elsewhere(
    data: object, positions: Positions, origins: Mapping[int, tuple[Location, Location | None]]
) -> dict[PathKey, tuple[Location, Location | None]]:
    """The scalars of a rendered document that start on an output line (1-based in
    `positions`) whose value a values file wrote, at that file's lines."""
    found: dict[PathKey, tuple[Location, Location | None]] = {}
    for key, span in positions.values.items():
        origin = origins.get(span[0] - 1)
        if origin is None or not key or isinstance(dig(data, key), (dict, list)):
            continue
        found[key] = origin
    return found


def _map_span(
    span: Span,
    line_of: Callable[[int], int],
    action_of: Callable[[int], tuple[int, int] | None] = lambda n: None,
) -> Span:
    line, column, end_line, end_column = span
    first, last = line_of(line), line_of(end_line)
    action = action_of(line)
    if action is not None:  # written by an action: point at the action
        column = action[0]
        if end_line == line or action_of(end_line) == action:
            end_column = action[1]
    if last < first or (last == first and end_column < column):
        return (first, column, first, max(column, end_column))
    return (first, column, last, end_column)


def _map_location(
    location: Location,
    line_of: Callable[[int], int],
    action_of: Callable[[int], tuple[int, int] | None] = lambda n: None,
) -> Location:
    if not location.end_line:
        span = _map_span(
            (location.line, location.column, location.line, location.column), line_of, action_of
        )
        return Location(location.path, span[0], span[1])
    span = _map_span(
        (location.line, location.column, location.end_line, location.end_column),
        line_of,
        action_of,
    )
    return Location(location.path, *span)


def _compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.composer.ComposerError as exc:
        if not str(exc.context or "").startswith("found duplicate anchor"):
            raise
    return yaml.compose(text, Loader=_RedefiningLoader)


def compose_full(
    path: str, chunk: Chunk, index: int, text: str
) -> tuple[Document | None, list[LoadProblem]]:
    """Parse one document with PyYAML (the C parser when it is there): any YAML at all."""
    offset = chunk.start_line - 1
    try:
        node = _compose(text)
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(path, chunk, text, exc)]
    except (RecursionError, ValueError, UnicodeError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [
            LoadProblem("ML001", f"not valid YAML: {msg}", Location(path, chunk.start_line))
        ]
    if node is None:
        return None, []
    converter = _Converter(path, offset, text)
    try:
        if "*" in text:  # aliases: refuse bombs and cycles before expanding anything
            _measure(node)
        data = converter.convert(node)
    except _TooLarge as exc:
        where = exc.node if exc.node is not None else node
        line, column = converter.where(where.start_mark)
        line, column = line + 1 + offset, column + 1
        if where is node:
            column = 1
        return None, [LoadProblem("ML002", str(exc), Location(path, line, column))]
    except RecursionError:
        return None, [
            LoadProblem(
                "ML002",
                "document is nested too deeply to analyse; skipped",
                Location(path, converter.where(node.start_mark)[0] + 1 + offset),
            )
        ]
    doc = Document(path, index, chunk.start_line, data, converter.positions, text)
    return doc, converter.problems


def line_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    yield from enumerate(text.split("\n"), start=1)
