"""kustomize `replacements` resolved without the engine, where their source is in the
repository: the value of a field of one object (a ConfigMap of cluster settings, another
resource) copied into fields of others. A replacement whose source is not found, or whose
paths or options are more than a plain copy (list selectors, wildcards, a delimiter on the
target), is left to the engine (`--render`): the fields it writes stay unknown
(gitops/patches.py `overrides`)."""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from metallb_lint.gitops.fields import get, items, text
from metallb_lint.gitops.kustomize import is_kustomization
from metallb_lint.gitops.patches import field_path_key
from metallb_lint.load.documents import Document, PathKey, dig

_MISSING = object()


@dataclass(frozen=True)
class Replacement:
    """One target of a resolved replacement: the objects it selects (kind, name or None for
    every object of the kind) get `value` at `paths`, copied from `source_doc`/`source_path`."""

    folder: str  # the kustomization's folder
    value: object
    source_doc: Document
    source_path: PathKey
    kind: str
    name: str | None
    paths: tuple[PathKey, ...]
    create: bool

    def selects(self, kind: str, name: str | None) -> bool:
        return kind == self.kind and self.name in (None, name)

    def apply(self, body: dict) -> dict | None:
        """The object with the value written at every path; None when a path is missing and
        the replacement does not create it (kustomize refuses the build then)."""
        result = copy.deepcopy(body)
        for path in self.paths:
            if not _write(result, path, self.value, self.create):
                return None
        return result

    def writes(self, path: PathKey) -> bool:
        """Whether `path` (of the target) is, or is inside, what the replacement writes."""
        return any(path[: len(p)] == p for p in self.paths)


def resolved(
    doc: Document,
    data: dict,
    reached: frozenset[str],
    documents_of: Callable[[str], list[Document]],
) -> Iterator[Replacement]:
    """The replacements of one kustomization (`doc`, its data) whose source is found among
    the files it reaches."""
    folder = posixpath.dirname(doc.path)
    for entry in items(data.get("replacements")):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("path"), str):
            file = posixpath.normpath(posixpath.join(folder, entry["path"]))
            bodies = [d.data for d in documents_of(file)]
        else:
            bodies = [entry]
        for body in bodies:
            for replacement in body if isinstance(body, list) else [body]:
                yield from _targets(folder, replacement, reached, documents_of)


def _targets(
    folder: str,
    replacement: object,
    reached: frozenset[str],
    documents_of: Callable[[str], list[Document]],
) -> Iterator[Replacement]:
    if not isinstance(replacement, dict) or not isinstance(replacement.get("source"), dict):
        return
    found = _source(replacement["source"], reached, documents_of)
    if found is None:
        return
    value, source_doc, source_path = found
    for target in items(replacement.get("targets")):
        select = target.get("select") if isinstance(target, dict) else None
        kind = text(select.get("kind")) if isinstance(select, dict) else None
        if not kind or set(select) - {"kind", "name", "group", "version", "namespace"}:
            continue  # label or annotation selectors: which objects is not known here
        if target.get("reject"):
            continue
        options = target.get("options") if isinstance(target.get("options"), dict) else {}
        if set(options) - {"create"}:
            continue  # a delimiter writes part of a field: left to the engine
        paths = []
        for field_path in items(target.get("fieldPaths")):
            path = field_path_key(field_path) if isinstance(field_path, str) else ()
            if not path or len(path) != len(field_path.split(".")):
                paths = []
                break  # a list selector or a wildcard: left to the engine
            paths.append(path)
        if paths:
            yield Replacement(
                folder,
                value,
                source_doc,
                source_path,
                kind,
                text(select.get("name")),
                tuple(paths),
                options.get("create") is True,
            )


def source_object(
    source: object, reached: frozenset[str], documents_of: Callable[[str], list[Document]]
) -> tuple[Document, PathKey] | None:
    """The document of a replacement's `source` among the files a kustomization reaches, and
    the path of its `fieldPath` (`metadata.name` when none is given); None when not found."""
    if not isinstance(source, dict):
        return None
    kind, name = text(source.get("kind")), text(source.get("name"))
    field_path = source.get("fieldPath") or "metadata.name"
    if not kind or not name or not isinstance(field_path, str):
        return None
    path = field_path_key(field_path)
    if len(path) != len(field_path.split(".")):
        return None  # a list selector or a wildcard
    for file in sorted(reached):
        if is_kustomization(file):
            continue
        for doc in documents_of(file):
            data = doc.data if isinstance(doc.data, dict) else {}
            if data.get("kind") == kind and text(get(data, "metadata", "name")) == name:
                return doc, path
    return None


def _source(
    source: dict, reached: frozenset[str], documents_of: Callable[[str], list[Document]]
) -> tuple[object, Document, PathKey] | None:
    found = source_object(source, reached, documents_of)
    if found is None:
        return None
    doc, path = found
    value = dig(doc.data, path, _MISSING)
    if value is _MISSING or isinstance(value, (dict, list)):
        return None
    options = source.get("options") if isinstance(source.get("options"), dict) else {}
    delimiter = options.get("delimiter")
    if isinstance(delimiter, str) and delimiter:
        parts = str(value).split(delimiter)
        index = options.get("index", 0)
        if not isinstance(index, int) or not 0 <= index < len(parts):
            return None
        value = parts[index]
    return value, doc, path


def _write(body: dict, path: PathKey, value: object, create: bool) -> bool:
    node: object = body
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list) and isinstance(part, int):
            if not 0 <= part < len(node):
                return False
            if last:
                node[part] = value
                return True
            node = node[part]
        elif isinstance(node, dict) and not isinstance(part, int):
            if last:
                if part not in node and not create:
                    return False
                node[part] = value
                return True
            if part not in node:
                if not create:
                    return False
                node[part] = {}
            node = node[part]
        else:
            return False
    return False
