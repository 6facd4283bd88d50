"""Candidate files to loaded documents (the `load` stage), one read and one parse per file."""

from __future__ import annotations

import os
import posixpath
import sys
from dataclasses import dataclass, field

from metallb_lint.discover import Candidate
from metallb_lint.findings import Location
from metallb_lint.load import (
    Chunk,
    Document,
    LoadProblem,
    bytes_relevant,
    compose_chunk,
    decode,
    line_of_offset,
    split_documents,
)

MAX_FILE_BYTES = 8 * 1024 * 1024

CHART_NAMES = ("Chart.yaml", "Chart.yml")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
REQUIREMENTS_NAMES = ("requirements.yaml", "requirements.yml")


@dataclass
class SourceFile:
    display: str
    role: str  # chart, chart-lock, requirements, kustomization, values, template, manifest
    chart_dir: str | None = None  # for values and templates: the chart they belong to
    text: str | None = None
    documents: list[Document] = field(default_factory=list)
    pending_templates: list[tuple[int, Chunk]] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    skipped_templates: list[tuple[Chunk, str, int]] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.display)


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


def read_candidate(candidate: Candidate, stdin: bytes | None = None) -> bytes | LoadProblem:
    location = Location(candidate.display)
    if not candidate.fs_path:
        return stdin if stdin is not None else sys.stdin.buffer.read()
    try:
        size = os.path.getsize(candidate.fs_path)
        if size > MAX_FILE_BYTES:
            return LoadProblem(
                "ML002",
                f"file is {size / 1048576:.1f} MiB, over the {MAX_FILE_BYTES // 1048576} MiB "
                "limit for one file; not read. Split it, or exclude it in the configuration",
                location,
            )
        with open(candidate.fs_path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return LoadProblem("ML002", f"file cannot be read: {reason}", location)


def load_file(
    display: str,
    raw: bytes,
    role: str,
    chart_dir: str | None,
    *,
    force: bool = False,
) -> SourceFile | None:
    """Parse what matters of one file; None when the relevance filter says it is unrelated."""
    source = SourceFile(display, role, chart_dir)
    must_parse = force or role in ALWAYS_PARSED
    if not must_parse and not bytes_relevant(raw):
        return None
    if b"\x00" in raw[:8192]:
        source.problems.append(
            LoadProblem("ML002", "binary file (it contains NUL bytes); not read", Location(display))
        )
        return source
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    try:
        text = decode(raw)
    except UnicodeDecodeError as exc:
        line, column = line_of_offset(raw, exc.start)
        source.problems.append(
            LoadProblem(
                "ML002",
                f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); Kubernetes manifests must be "
                "UTF-8. Re-encode the file",
                Location(display, line, column),
            )
        )
        return source
    source.text = text
    for index, chunk in enumerate(split_documents(text)):
        if not must_parse and not chunk.relevant:
            continue
        if role == "template" and chunk.templated:
            source.pending_templates.append((index, chunk))
            continue
        doc, problems = compose_chunk(display, chunk, index)
        if doc is None and problems and chunk.templated and problems[0].rule == "ML001":
            # Template syntax that is not YAML: skipped, not a syntax error (ML004).
            line = chunk.start_line + chunk.text[: chunk.text.find("{")].count("\n")
            source.skipped_templates.append((chunk, "template syntax", line))
            continue
        source.problems.extend(problems)
        if doc is not None:
            source.documents.append(doc)
    return source
