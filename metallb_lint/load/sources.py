"""Candidate files to loaded documents (the `load` stage), one read and one parse per file."""

from __future__ import annotations

import os
import posixpath
import re
import sys
from dataclasses import dataclass, field

from metallb_lint.findings import Location
from metallb_lint.inputlog import note_path
from metallb_lint.load.discover import Candidate
from metallb_lint.load.documents import (
    Chunk,
    Document,
    LoadProblem,
    bytes_relevant,
    compose_chunk,
    line_of_offset,
    split_documents,
)
from metallb_lint.load.filetext import FileText, source_text
from metallb_lint.load.sharing import share
from metallb_lint.safeio import (
    MAX_READ_BYTES,
    FileTooLarge,
    NotRegularFile,
    human_size,
    read_bytes,
)

MAX_FILE_BYTES = MAX_READ_BYTES

CHART_NAMES = ("Chart.yaml", "Chart.yml")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
REQUIREMENTS_NAMES = ("requirements.yaml", "requirements.yml")


@dataclass
class SourceFile:
    """One candidate file after loading: its role, text, documents and problems."""

    display: str
    role: str  # chart, chart-lock, requirements, kustomization, values, template, manifest
    chart_dir: str | None = None  # for values and templates: the chart they belong to
    # The file's text (None: not UTF-8 text), which its documents share; once released, read
    # again from disk when asked for (load/filetext.py).
    content: FileText | None = None
    documents: list[Document] = field(default_factory=list)
    pending_templates: list[tuple[int, Chunk]] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    skipped_templates: list[tuple[Chunk, str, int]] = field(default_factory=list)
    # Kinds named by documents that could not be read: checks that need every object of those
    # kinds (every pool, every advertisement) stay silent rather than guess.
    incomplete_kinds: set[str] = field(default_factory=set)

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.display)

    @property
    def text(self) -> str | None:
        """The file's text; None when it is not UTF-8 text, or no longer reads as loaded."""
        return self.content.get() if self.content is not None else None


def classify(display: str, chart_dirs: set[str]) -> tuple[str, str | None]:
    """The role of a file in the repository and, for chart files, the chart's directory."""
    name = posixpath.basename(display)
    folder = posixpath.dirname(display)
    if name in CHART_NAMES:
        return "chart", folder
    if name == "Chart.lock":
        return "chart-lock", folder
    if name in REQUIREMENTS_NAMES and folder in chart_dirs:
        return "requirements", folder
    if name in KUSTOMIZATION_NAMES:
        return "kustomization", None
    if folder in chart_dirs and name.startswith("values") and name.endswith((".yaml", ".yml")):
        return "values", folder
    parts = display.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "templates":
            chart_dir = "/".join(parts[:i])
            if chart_dir in chart_dirs:
                return "template", chart_dir
    return "manifest", None


ALWAYS_PARSED = frozenset({"chart", "chart-lock", "requirements", "kustomization"})
MAPPING_ROLES = frozenset({"chart", "chart-lock", "requirements", "kustomization", "values"})

# Indented too: a list of objects (`- apiVersion: ...` then `  kind: ...`) names its kinds so.
_KIND_IN_TEXT = re.compile(r"^[ \t]*(?:- )?kind:[ \t]*['\"]?([A-Za-z0-9]+)", re.MULTILINE)
_TEMPLATE_START = re.compile(r"\{\{|\{%")
# A CustomResourceDefinition (most of a real repository's bytes, and its descriptions say
# "LoadBalancer"): the rules read objects, and CRDs only from --crd files and vendored charts.
_CRD = re.compile(r"^kind:[ \t]*['\"]?CustomResourceDefinition['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)
# A template action where a YAML value starts (`key: {{ x }}`, `- {{ x }}`, a line of its own):
# YAML reads it as a flow mapping. Inside a scalar (`name: app-{{ x }}`) it is only text.
_UNQUOTED_ACTION = re.compile(r"(?:^[ \t]*(?:-[ \t]+)?|:[ \t]+|[\[,][ \t]*)\{[{%]", re.MULTILINE)


def _read_as_mapping(data: object, depth: int = 0) -> bool:
    """A template action that YAML read as a flow mapping (`key: {{ x }}` gives the key
    `{x: null}`): the document is not what will be applied. Actions inside strings (quoted,
    block scalars, `app-{{ x }}`) are text, and the document is plain data."""
    if depth > 64:
        return False
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key.startswith("{") and key.endswith("}"):
                return True
            if isinstance(value, (dict, list)) and _read_as_mapping(value, depth + 1):
                return True
    elif isinstance(data, list):
        return any(_read_as_mapping(item, depth + 1) for item in data)
    return False


_UTF16_32_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


def kinds_in(text: str) -> set[str]:
    """The `kind:` values a document's raw text names (for documents that could not be read)."""
    return set(_KIND_IN_TEXT.findall(text))


def read_candidate(candidate: Candidate, stdin: bytes | None = None) -> bytes | LoadProblem:
    location = Location(candidate.display)
    if not candidate.fs_path:
        data = stdin if stdin is not None else sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return _too_big(None, location)  # read no further than the limit: size unknown
        return data
    try:
        return read_bytes(candidate.fs_path, MAX_FILE_BYTES)
    except NotRegularFile as exc:
        return LoadProblem("ML002", f"not a regular file ({exc.kind}); not read", location)
    except FileTooLarge as exc:
        return _too_big(exc.size, location)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        hint = " Fix its permissions" if isinstance(exc, PermissionError) else ""
        return LoadProblem("ML002", f"file cannot be read: {reason}; not checked.{hint}", location)


def _too_big(size: int | None, location: Location) -> LoadProblem:
    limit = human_size(MAX_FILE_BYTES)
    what = f"file is {human_size(size)}, over" if size is not None else "input is over"
    return LoadProblem(
        "ML002",
        f"{what} the {limit} limit for one file; not read. Split it, or exclude it in the "
        "configuration",
        location,
    )


def passed_over(raw: bytes, role: str, *, force: bool = False) -> bool:
    """True when `load_file` returns None at its first glance, the byte search of the
    relevance filter (what a cache need not remember: the search costs less than a lookup)."""
    if force or role in ALWAYS_PARSED:
        return False
    wide = _wide_encoding(raw)
    if wide is not None:
        return not bytes_relevant(wide[1].encode("utf-8", "replace"))
    return not bytes_relevant(raw)


def load_file(
    display: str,
    raw: bytes,
    role: str,
    chart_dir: str | None,
    *,
    force: bool = False,
    searched: bool = False,
) -> SourceFile | None:
    """Parse what matters of one file; None when the relevance filter says it is unrelated
    (`searched`: `passed_over` already said the byte search passes it)."""
    must_parse = force or role in ALWAYS_PARSED
    searched = searched or must_parse
    wide = _wide_encoding(raw)
    if wide is not None:
        encoding, text = wide
        if not searched and not bytes_relevant(text.encode("utf-8", "replace")):
            return None
        source = SourceFile(display, role, chart_dir)
        source.incomplete_kinds.update(kinds_in(text))
        source.problems.append(
            LoadProblem(
                "ML002",
                f"file is {encoding} text; Kubernetes manifests and Helm charts must be UTF-8, "
                "so nothing in it was checked. Re-encode it as UTF-8",
                Location(display),
            )
        )
        return source
    if not searched and not bytes_relevant(raw):
        return None
    source = SourceFile(display, role, chart_dir)
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _char_position(raw, nul)
        source.incomplete_kinds.update(kinds_in(raw.decode("utf-8", "replace")))
        source.problems.append(
            LoadProblem(
                "ML002",
                "binary file (it contains NUL bytes); not read. Exclude it, or restore the text",
                Location(display, line, column),
            )
        )
        return source
    try:
        text = source_text(raw)
    except UnicodeDecodeError as exc:
        if b"\r" in raw:
            raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line, column = _char_position(raw, exc.start)
        source.incomplete_kinds.update(kinds_in(raw.decode("utf-8", "replace")))
        source.problems.append(
            LoadProblem(
                "ML002",
                f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); nothing in the file was checked. "
                "Kubernetes manifests must be UTF-8: re-encode the file (e.g. from Latin-1 with "
                "'iconv -f latin1 -t utf-8')",
                Location(display, line, column),
            )
        )
        return source
    content = source.content = FileText(text)
    chunks = split_documents(text)
    # One document in a relevant file is relevant: the whole-file test above already said so.
    filter_chunks = not must_parse and len(chunks) > 1
    read = 0  # documents past the filters
    for index, chunk in enumerate(chunks):
        if filter_chunks and not chunk.relevant:
            continue
        if role == "manifest" and _CRD.search(chunk.text):
            continue  # a schema, not an object: nothing in it is deployed as MetalLB reads it
        read += 1
        if role == "template" and chunk.templated:
            source.pending_templates.append((index, chunk))
            continue
        doc, problems = compose_chunk(display, chunk, index, content=content)
        if chunk.templated and (
            (doc is None and problems and problems[0].rule == "ML001")
            or (doc is not None and _read_as_mapping(doc.data))
        ):
            # Template syntax is not a syntax error (ML004): skipped whether YAML rejects it or
            # reads `key: {{ x }}` as a nested mapping, which is not what will be applied.
            start = _UNQUOTED_ACTION.search(chunk.text) or _TEMPLATE_START.search(chunk.text)
            offset = start.end() - 2 if start else 0
            line = chunk.start_line + chunk.text.count("\n", 0, offset)
            source.skipped_templates.append((chunk, "template syntax", line))
            continue
        if doc is None and any(p.rule in ("ML001", "ML002") for p in problems):
            source.incomplete_kinds.update(kinds_in(chunk.text))
        if problems and not chunk.about_metallb and role != "kustomization":
            # a GitOps object read only for context (an Application, a Flux Kustomization):
            # its syntax is Argo CD's or Flux's business, not MetalLB's (a kustomization's is
            # when MetalLB's objects are below it: the inventory decides)
            problems = [p for p in problems if p.rule not in ("ML001", "ML003")]
        source.problems.extend(problems)
        if doc is not None:
            shape = _shape_problem(doc, role)
            if shape is not None:
                source.problems.append(shape)
                source.incomplete_kinds.update(kinds_in(chunk.text))
            if role == "manifest":
                doc.data = share(doc.data)
            source.documents.append(doc)
    if not read and chunks and not must_parse:
        return None  # only CRDs: as unrelated as a file the byte search passes over
    return source


def disk_text(path: str) -> str | None:
    """The text of the file `path` now, as `source_text` gives it; None when it cannot be read
    or decoded (for reports quoting lines of a run replayed from its memo)."""
    try:
        return source_text(read_bytes(path, MAX_FILE_BYTES, noted=False))
    except (OSError, ValueError):
        return None


def _wide_encoding(raw: bytes) -> tuple[str, str] | None:
    """UTF-16/32 text (recognised by its byte-order mark), decoded for the relevance filter."""
    for bom, encoding in _UTF16_32_BOMS:
        if raw.startswith(bom):
            try:
                return encoding, raw.decode(encoding.lower().replace("-", ""), "replace")
            except (UnicodeError, LookupError):  # pragma: no cover - "replace" never raises
                return encoding, ""
    return None


def _char_position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, not bytes) of a byte offset."""
    line, _ = line_of_offset(raw, offset)
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
    return line, column


def _shape_problem(doc: Document, role: str) -> LoadProblem | None:
    """A document that YAML accepts but that no Kubernetes tool can read: a list or a scalar."""
    data = doc.data
    if isinstance(data, dict) or data is None:
        return None
    where = doc.location()
    if isinstance(data, list):
        objects = [item for item in data if _looks_like_object(item)]
        if role in MAPPING_ROLES:
            what = "chart values" if role == "values" else posixpath.basename(doc.path)
            return LoadProblem(
                "ML001",
                f"this document is a YAML list, but {what} must be a mapping of keys; nothing "
                "in it was checked. Remove the leading '- ' and outdent the keys",
                where,
            )
        if objects:
            return LoadProblem(
                "ML001",
                "this document is a YAML list of objects, not a Kubernetes object: kubectl, "
                "Argo CD and Flux cannot apply it and nothing in it was checked. Put each "
                "object in its own document separated by '---' (or use 'kind: List' with "
                "'items:')",
                where,
            )
        return None  # some other tool's file (an Ansible play, a CI step list)
    shown = str(data).replace("\n", " ")
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return LoadProblem(
        "ML001",
        f"this document is a plain value ('{shown}'), not a mapping: it is not a Kubernetes "
        "object and nothing in it was checked. Usually a ':' is missing after a key or the "
        "indentation was lost",
        where,
    )


def _looks_like_object(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("kind"), str) and "apiVersion" in item


def documents_on_disk(path: str) -> list[Document]:
    """The YAML documents of a file the relevance filter skipped, read now because something
    names it (a configMapGenerator's file, a helmCharts valuesFile); unreadable: none."""
    note_path(path)
    if not os.path.isfile(path):
        return []
    raw = read_candidate(Candidate(path, path))
    if not isinstance(raw, bytes):
        return []
    source = load_file(path, raw, "manifest", None, force=True)
    return source.documents if source is not None else []
