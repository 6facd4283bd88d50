"""Bytes to documents: split, filter, compose once, and keep a position for every value.

Each YAML document is composed exactly once (C loader when PyYAML has it) and converted to
plain Python data plus a `Positions` index, so any value can be traced back to its file, line
and column without a second parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from metallb_lint.findings import Location

try:  # the C loader is ~15x faster; the pure one is the fallback (DESIGN.md, Performance)
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 200
MAX_VALUES_PER_DOCUMENT = 500_000

_DOC_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\n]|$)", re.MULTILINE)
# The relevance filter (DESIGN.md, Pipeline step 1): a document is parsed only if it mentions
# MetalLB or a load balancer, or Flux's postBuild (whose variables resolve placeholders).
RELEVANT_WORDS = (b"metallb", b"loadbalancer", b"postbuild")
_RELEVANT = re.compile(r"metallb|loadbalancer|postbuild", re.IGNORECASE)
_TEMPLATE = re.compile(r"\{\{|\{%")

PathKey = tuple[str | int, ...]
Span = tuple[int, int, int, int]  # line, column, end_line, end_column (1-based)


@dataclass
class Positions:
    """Where each value (and each mapping key) of a document stands in its file."""

    values: dict[PathKey, Span] = field(default_factory=dict)
    keys: dict[PathKey, Span] = field(default_factory=dict)

    def span(self, path: PathKey, *, key: bool = False) -> Span:
        """The span of `path`, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            found = table.get(probe) or (self.keys.get(probe) if not key else None)
            if found:
                return found
            probe = probe[:-1]
        return self.values.get((), (1, 1, 1, 1))


@dataclass
class Document:
    """One YAML document of a file, as plain data with positions."""

    path: str
    index: int  # 0-based position of the document in its file
    start_line: int
    data: object
    positions: Positions
    text: str

    def location(self, path: PathKey = (), *, key: bool = False) -> Location:
        line, col, end_line, end_col = self.positions.span(path, key=key)
        return Location(self.path, line, col, end_line, end_col)

    def get(self, *path: str | int, default: object = None) -> object:
        node = self.data
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


@dataclass
class Chunk:
    """A document's raw text before parsing, with the line it starts on."""

    start_line: int
    text: str

    @property
    def relevant(self) -> bool:
        return _RELEVANT.search(self.text) is not None

    @property
    def templated(self) -> bool:
        return _TEMPLATE.search(self.text) is not None


def bytes_relevant(raw: bytes) -> bool:
    """The whole-file fast path of the relevance filter: one pass over the bytes."""
    lowered = raw.lower()
    return any(word in lowered for word in RELEVANT_WORDS)


def split_documents(data: str) -> list[Chunk]:
    """Split on `---`/`...` markers at column 0, keeping each document's first line."""
    chunks: list[Chunk] = []
    start = 0
    line = 1
    for match in _DOC_MARKER.finditer(data):
        pos = match.start()
        if pos > start:
            chunks.append(Chunk(line, data[start:pos]))
        line += data.count("\n", start, pos)
        start = pos
        if data.startswith("...", pos):
            # An end marker closes the document; the next one starts on the following line.
            nl = data.find("\n", pos)
            nl = len(data) if nl < 0 else nl + 1
            line += data.count("\n", pos, nl)
            start = nl
    if start < len(data):
        chunks.append(Chunk(line, data[start:]))
    return [c for c in chunks if _has_content(c.text)]


def _has_content(text: str) -> bool:
    """False for documents made only of markers, blank lines and comments."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            if stripped.startswith("--- ") and stripped[4:].lstrip().startswith("#"):
                continue
            return True
    return False


class _Converter:
    """Node graph to plain data, recording positions; finds duplicate keys and alias bombs."""

    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.offset = line_offset
        self.positions = Positions()
        self.problems: list[LoadProblem] = []
        self.budget = MAX_VALUES_PER_DOCUMENT
        self._constructor = SafeConstructor()

    def _span(self, node: Node) -> Span:
        start, end = node.start_mark, node.end_mark
        end_line, end_col = end.line, end.column
        if end_col == 0 and end_line > start.line:
            # Block collections end at column 0 of the next line; point at the end of content.
            end_line -= 1
            end_col = 10_000
        return (
            start.line + 1 + self.offset,
            start.column + 1,
            end_line + 1 + self.offset,
            max(end_col, 1),
        )

    def convert(self, node: Node, path: PathKey = (), depth: int = 0) -> object:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge(
                f"document expands to more than {MAX_VALUES_PER_DOCUMENT:,} values "
                "(anchors and aliases used to blow up its size); skipped"
            )
        if depth > MAX_DEPTH:
            raise _TooLarge(f"document is nested deeper than {MAX_DEPTH} levels; skipped")
        if path not in self.positions.values:
            self.positions.values[path] = self._span(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        return None  # pragma: no cover - PyYAML has no other node kinds

    def _scalar(self, node: ScalarNode) -> object:
        if node.tag == "tag:yaml.org,2002:str" or node.style in ("'", '"', "|", ">"):
            return node.value
        builder = SafeConstructor.yaml_constructors.get(node.tag)
        if builder is None or node.tag in (
            "tag:yaml.org,2002:timestamp",
            "tag:yaml.org,2002:binary",
        ):
            return node.value  # unknown tags (!Ref, ...) and timestamps stay text
        try:
            return builder(self._constructor, node)
        except (ConstructorError, ValueError, TypeError, OverflowError):
            return node.value

    def _key_text(self, node: Node) -> str:
        if isinstance(node, ScalarNode):
            value = self._scalar(node)
            if value is None:
                return "null"
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
        return yaml.dump(self.convert(node, ("<key>",), MAX_DEPTH - 2), default_flow_style=True)

    def _mapping(self, node: MappingNode, path: PathKey, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        seen: dict[str, Node] = {}
        merged: list[tuple[Node, PathKey]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.append((value_node, path))
                continue
            key = self._key_text(key_node)
            child = (*path, key)
            if key in seen:
                first = seen[key]
                self.problems.append(
                    LoadProblem(
                        "ML003",
                        f"key '{key}' appears twice in this mapping; PyYAML keeps the last "
                        "value, while the Kubernetes API server and MetalLB's strict legacy "
                        "parser reject the document. Remove one of them",
                        Location(self.path, *self._span(key_node)),
                        ((Location(self.path, *self._span(first)), f"first '{key}' is here"),),
                    )
                )
                # The API server would refuse the document; keep PyYAML's semantics (last wins).
            seen[key] = key_node
            self.positions.keys[child] = self._span(key_node)
            self.positions.values.pop(child, None)
            result[key] = self.convert(value_node, child, depth + 1)
        for value_node, base in merged:
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
                    continue
                for key, value in self._mapping(source, base, depth + 1).items():
                    result.setdefault(key, value)
        return result


class _TooLarge(Exception):
    pass


def compose_chunk(
    path: str, chunk: Chunk, index: int, text: str | None = None
) -> tuple[Document | None, list[LoadProblem]]:
    """Parse one document (`text` overrides the chunk's, e.g. after rendering a template)."""
    text = chunk.text if text is None else text
    offset = chunk.start_line - 1
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + offset) if mark else chunk.start_line
        column = (mark.column + 1) if mark else 1
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        message = f"not valid YAML: {problem}"
        if exc.context and exc.problem and exc.context != exc.problem:
            message = f"not valid YAML: {exc.problem} ({exc.context.strip()})"
        return None, [LoadProblem("ML001", message, Location(path, line, column))]
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [
            LoadProblem("ML001", f"not valid YAML: {msg}", Location(path, chunk.start_line))
        ]
    if node is None:
        return None, []
    converter = _Converter(path, offset)
    try:
        data = converter.convert(node)
    except _TooLarge as exc:
        return None, [LoadProblem("ML002", str(exc), Location(path, chunk.start_line))]
    except RecursionError:
        return None, [
            LoadProblem(
                "ML002",
                "document is nested too deeply to analyse; skipped",
                Location(path, chunk.start_line),
            )
        ]
    doc = Document(path, index, chunk.start_line, data, converter.positions, text)
    return doc, converter.problems


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM is fine) with line breaks normalised to `\\n`; raises UnicodeDecodeError."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf-8")
    if "\ufeff" in text[:1]:
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def line_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    yield from enumerate(text.split("\n"), start=1)
