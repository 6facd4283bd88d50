"""What kustomize patches replace in the objects they target.

An overlay's patch changes a base object before it reaches the cluster: a strategic-merge
patch (`patchesStrategicMerge`, or `patches` with a patch that is an object) merges mappings
and replaces every scalar and list it names (MetalLB's kinds and HelmReleases carry no list
merge keys); a JSON 6902 patch (`patchesJson6902`, or `patches` with a list of operations)
replaces, removes or adds at the paths it names; a replacement (`replacements`) writes the
`fieldPaths` of its targets from another object's field. What a patch replaces is not
deployed as the base writes it, so nothing is judged there (a base often leaves an empty or
example value for the overlays to fill); the kustomize engine (`--render`) says what is.

A strategic-merge patch of a Service is also merged into the Service it targets
(`service_patches`, `strategic_merge`): MetalLB reads the annotations, the type and the
addresses of the Service as the overlay leaves it, and a finding about a value the patch wrote
points at the patch.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from metallb_lint.gitops.argocd import embedded_document
from metallb_lint.gitops.fields import get, items, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.load.documents import Chunk, Document, PathKey, compose_chunk, dig

# Fields that name the target, not change it.
_IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}


@dataclass(frozen=True)
class Override:
    """Paths of an object (kind, name) that a patch of the kustomization in `folder` replaces.
    `name` None: every object of the kind (a `patches` target without a name)."""

    folder: str
    kind: str
    name: str | None
    paths: tuple[PathKey, ...]
    replacement: bool = False  # written by a `replacements` entry (resolved where it can be)


def overrides(
    doc: Document, data: dict, documents_of: Callable[[str], list[Document]]
) -> Iterator[Override]:
    """The overrides of one kustomization (`doc`, its data)."""
    folder = posixpath.dirname(doc.path)
    for entry in items(data.get("patchesStrategicMerge")):
        if isinstance(entry, str):
            for body in _bodies(entry, folder, documents_of):
                yield from _strategic(folder, body, {})
    for entry in items(data.get("patches")):
        if not isinstance(entry, dict):
            continue
        target = entry.get("target") if isinstance(entry.get("target"), dict) else {}
        source = entry.get("path") if isinstance(entry.get("path"), str) else entry.get("patch")
        if not isinstance(source, str):
            continue
        for body in _bodies(source, folder, documents_of):
            if isinstance(body, list):
                yield from _json6902(folder, target, body)
            else:
                yield from _strategic(folder, body, target)
    for entry in items(data.get("patchesJson6902")):
        if not isinstance(entry, dict) or not isinstance(entry.get("target"), dict):
            continue
        source = entry.get("path") if isinstance(entry.get("path"), str) else entry.get("patch")
        if isinstance(source, str):
            for body in _bodies(source, folder, documents_of):
                if isinstance(body, list):
                    yield from _json6902(folder, entry["target"], body)

    for entry in items(data.get("replacements")):
        if not isinstance(entry, dict):
            continue
        source = entry.get("path")
        bodies = _bodies(source, folder, documents_of) if isinstance(source, str) else [entry]
        for body in bodies:
            for replacement in body if isinstance(body, list) else [body]:
                yield from _replacement(folder, replacement)


def _replacement(folder: str, replacement: object) -> Iterator[Override]:
    """What a kustomize replacement writes: the `fieldPaths` of each target its `select`
    names by kind (the value comes from another object, unknown without the engine)."""
    targets = replacement.get("targets") if isinstance(replacement, dict) else None
    for target in items(targets):
        select = target.get("select") if isinstance(target, dict) else None
        kind = text(select.get("kind")) if isinstance(select, dict) else None
        if not kind or select.get("labelSelector") or select.get("annotationSelector"):
            continue
        paths = tuple(
            path
            for field_path in items(target.get("fieldPaths"))
            if isinstance(field_path, str) and (path := field_path_key(field_path))
        )
        if paths:
            yield Override(folder, kind, text(select.get("name")), paths, replacement=True)


def field_path_key(field_path: str) -> PathKey:
    """A replacement's field path (`spec.addresses.0`) as a path; a `[name=value]` list
    selector or a `*` stops it (the whole list is then treated as replaced)."""
    parts: list[str | int] = []
    for token in field_path.split("."):
        if not token or token.startswith("[") or token == "*":
            break
        parts.append(int(token) if token.isdigit() else token)
    return tuple(parts)


class Deletion(NamedTuple):
    """An object a strategic-merge patch with `$patch: delete` removes from what the
    kustomization in `folder` builds (name None: every object of the kind)."""

    folder: str
    kind: str
    name: str | None


def deletions(
    doc: Document, data: dict, documents_of: Callable[[str], list[Document]]
) -> Iterator[Deletion]:
    """The objects one kustomization's strategic-merge patches delete."""
    folder = posixpath.dirname(doc.path)
    sources: list[tuple[str, dict]] = [
        (entry, {}) for entry in items(data.get("patchesStrategicMerge")) if isinstance(entry, str)
    ]
    for entry in items(data.get("patches")):
        if not isinstance(entry, dict):
            continue
        target = entry.get("target") if isinstance(entry.get("target"), dict) else {}
        source = entry.get("path") if isinstance(entry.get("path"), str) else entry.get("patch")
        if isinstance(source, str) and not (
            target.get("labelSelector") or target.get("annotationSelector")
        ):
            sources.append((source, target))
    for source, target in sources:
        for body in _bodies(source, folder, documents_of):
            if not isinstance(body, dict) or body.get("$patch") != "delete":
                continue
            kind = text(target.get("kind")) or text(body.get("kind"))
            name = text(target.get("name")) if target else text(get(body, "metadata", "name"))
            if kind and not (name and has_placeholder(name)):
                yield Deletion(folder, kind, name)


def _bodies(
    source: str, folder: str, documents_of: Callable[[str], list[Document]]
) -> Iterable[object]:
    """The documents of a patch: a file of the kustomization's folder, or inline YAML."""
    if "\n" not in source and not source.lstrip().startswith(("{", "[")):
        if "://" in source or has_placeholder(source):
            return []
        return [d.data for d in documents_of(posixpath.normpath(posixpath.join(folder, source)))]
    parsed, _ = compose_chunk("<inline patch>", Chunk(1, source), 0)
    return [parsed.data] if parsed is not None else []


def _strategic(folder: str, body: object, target: dict) -> Iterator[Override]:
    if not isinstance(body, dict):
        return
    kind = text(target.get("kind")) or text(body.get("kind"))
    # a `patches` target names its objects (no name: every object of the kind); without one
    # the patch names its object itself
    name = text(target.get("name")) if target else text(get(body, "metadata", "name"))
    if not kind or target.get("labelSelector") or target.get("annotationSelector"):
        return  # a selector picks the targets: which ones is not known here
    api = text(body.get("apiVersion")) or _target_api(target)
    lists_replaced = _custom_resource(api)
    paths = tuple(p for p in _replaced(body, (), lists_replaced) if p not in _IDENTITY)
    if paths:
        yield Override(folder, kind, name, paths)


def _replaced(node: object, path: PathKey, lists_replaced: bool) -> Iterator[PathKey]:
    """The paths a strategic-merge patch replaces: its scalars, mappings marked `$patch:
    replace` or `delete`, and its lists where they replace the base's (`lists_replaced`)."""
    if isinstance(node, dict):
        if node.get("$patch") in ("replace", "delete"):
            yield path
            return
        for key, value in node.items():
            if isinstance(key, str) and not key.startswith("$"):
                yield from _replaced(value, (*path, key), lists_replaced)
    elif not isinstance(node, list) or lists_replaced:
        yield path


def _target_api(target: dict) -> str | None:
    group, version = text(target.get("group")), text(target.get("version"))
    if group is None and version is None:
        return None
    return f"{group}/{version or ''}" if group else version


def _custom_resource(api: str | None) -> bool:
    """A custom resource (MetalLB's kinds, a HelmRelease): a strategic-merge patch replaces
    its lists whole. Kubernetes' own kinds merge many lists by key (containers by name), and
    an unknown API could be either: their lists are left alone."""
    group = api.rsplit("/", 1)[0] if api and "/" in api else ""
    return "." in group and not group.endswith("k8s.io")


def _json6902(folder: str, target: dict, operations: list) -> Iterator[Override]:
    kind, name = text(target.get("kind")), text(target.get("name"))
    if not kind or target.get("labelSelector") or target.get("annotationSelector"):
        return
    paths = []
    for operation in operations:
        if isinstance(operation, dict) and operation.get("op") in ("replace", "remove", "add"):
            pointer = operation.get("path")
            if isinstance(pointer, str) and pointer.startswith("/"):
                paths.append(_pointer(pointer))
    if paths:
        yield Override(folder, kind, name, tuple(paths))


def _pointer(pointer: str) -> PathKey:
    """A JSON pointer (`/spec/addresses/0`) as a path; `-` (the end of a list) stops it."""
    parts: list[str | int] = []
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if token == "-":
            break
        parts.append(int(token) if token.isdigit() else token)
    return tuple(parts)


# -- Service patches merged into their Service -------------------------------------------------


@dataclass(frozen=True)
class ServicePatch:
    """A patch of the Service `name` written in `doc`, applied by the kustomization of
    `folder`: strategic merge (`body`, at `base` in the document) or JSON 6902 (`operations`:
    the pointer as a path, the operation, and where its `value` is in the document)."""

    folder: str
    name: str
    doc: Document
    base: PathKey
    body: dict | None = None
    operations: tuple[tuple[PathKey, str, PathKey], ...] = ()

    def apply(self, service: dict) -> dict:
        """The Service as the patch leaves it."""
        if self.body is not None:
            merged = strategic_merge(service, self.body)
            return merged if isinstance(merged, dict) else service
        result: object = service
        for path, op, value_at in self.operations:
            value = dig(self.doc.data, value_at) if op != "remove" else None
            result = _apply_operation(result, path, op, value)
        return result if isinstance(result, dict) else service

    def written_at(self, path: PathKey) -> PathKey | None:
        """Where in `doc` the patch writes the value at `path` of the Service; None if it
        does not (the value comes from the base)."""
        if self.body is not None:
            found = dig(self.body, path, _MISSING) is not _MISSING
            return (*self.base, *path) if found else None
        for pointer, op, value_at in reversed(self.operations):  # the last write wins
            if op == "remove" or path[: len(pointer)] != pointer:
                continue
            rest = path[len(pointer) :]
            if dig(dig(self.doc.data, value_at), rest, _MISSING) is not _MISSING:
                return (*value_at, *rest)
        return None


_MISSING = object()
_END = -1  # a JSON pointer's `-`: after the last item of a list


def _apply_operation(node: object, path: PathKey, op: str, value: object) -> object:
    """One JSON 6902 operation on a copy of `node` (add, replace, remove; a missing parent
    mapping is created, as a lenient reading of what the user meant)."""
    if not path:
        return value if op != "remove" else node
    head, rest = path[0], path[1:]
    if isinstance(node, dict) and isinstance(head, str):
        copy = dict(node)
        if not rest and op == "remove":
            copy.pop(head, None)
        else:
            copy[head] = _apply_operation(copy.get(head, {}), rest, op, value)
        return copy
    if isinstance(node, list) and isinstance(head, int):
        copy = list(node)
        if head == _END:
            return [*copy, value] if op == "add" and not rest else copy
        if not rest and op == "remove":
            if 0 <= head < len(copy):
                del copy[head]
        elif not rest and op == "add":
            copy.insert(min(head, len(copy)), value)
        elif 0 <= head < len(copy):
            copy[head] = _apply_operation(copy[head], rest, op, value)
        return copy
    return node


def service_patches(
    doc: Document, data: dict, documents_of: Callable[[str], list[Document]]
) -> Iterator[ServicePatch]:
    """The strategic-merge patches of Services one kustomization (`doc`, its data) applies."""
    folder = posixpath.dirname(doc.path)
    for index, entry in enumerate(items(data.get("patchesStrategicMerge"))):
        if isinstance(entry, str):
            where = ("patchesStrategicMerge", index)
            yield from _service_patch(folder, doc, where, entry, {}, documents_of)
    for index, entry in enumerate(items(data.get("patches"))):
        if not isinstance(entry, dict):
            continue
        target = entry.get("target") if isinstance(entry.get("target"), dict) else {}
        if target.get("labelSelector") or target.get("annotationSelector"):
            continue  # which Services a selector picks is not known here
        if isinstance(entry.get("path"), str):
            yield from _service_patch(folder, doc, (), entry["path"], target, documents_of)
        elif isinstance(entry.get("patch"), str):
            where = ("patches", index, "patch")
            yield from _service_patch(folder, doc, where, entry["patch"], target, documents_of)
    for index, entry in enumerate(items(data.get("patchesJson6902"))):
        if not isinstance(entry, dict) or not isinstance(entry.get("target"), dict):
            continue
        if isinstance(entry.get("path"), str):
            source, where = entry["path"], ()
        elif isinstance(entry.get("patch"), str):
            source, where = entry["patch"], ("patchesJson6902", index, "patch")
        else:
            continue
        yield from _service_patch(folder, doc, where, source, entry["target"], documents_of)


def _service_patch(
    folder: str,
    kustomization: Document,
    where: PathKey,
    source: str,
    target: dict,
    documents_of: Callable[[str], list[Document]],
) -> Iterator[ServicePatch]:
    inline = "\n" in source or source.lstrip().startswith(("{", "["))
    if inline:
        if not where:
            return
        embedded = embedded_document(kustomization, where, source)
        documents = [embedded] if embedded is not None else []
    elif "://" in source or has_placeholder(source):
        return
    else:
        documents = documents_of(posixpath.normpath(posixpath.join(folder, source)))
    for patch_doc in documents:
        body = patch_doc.data
        if isinstance(body, list):  # JSON 6902: only its target names the Service
            name = text(target.get("name"))
            if text(target.get("kind")) == "Service" and _target_api(target) in (None, "v1"):
                operations = tuple(_operations(body))
                if name and not has_placeholder(name) and operations:
                    yield ServicePatch(folder, name, patch_doc, (), operations=operations)
            continue
        if not isinstance(body, dict) or body.get("$patch") == "delete":
            continue
        kind = text(target.get("kind")) or text(body.get("kind"))
        api = text(body.get("apiVersion")) or _target_api(target)
        # a target without a name patches every Service it selects: which ones is not judged
        name = text(target.get("name")) if target else text(get(body, "metadata", "name"))
        if kind == "Service" and api in (None, "v1") and name and not has_placeholder(name):
            yield ServicePatch(folder, name, patch_doc, (), body)


def _operations(body: list) -> Iterator[tuple[PathKey, str, PathKey]]:
    for index, operation in enumerate(body):
        if not isinstance(operation, dict):
            continue
        op, pointer = operation.get("op"), operation.get("path")
        if (
            op in ("add", "replace", "remove")
            and isinstance(pointer, str)
            and pointer.startswith("/")
            and (op == "remove" or "value" in operation)
        ):
            path = _pointer(pointer)
            if pointer.endswith("/-"):
                path = (*path, _END)  # append to the list
            yield path, str(op), (index, "value")


def strategic_merge(base: object, patch: object, path: PathKey = ()) -> object:
    """`patch` merged into `base` as kustomize merges a strategic-merge patch of a Service:
    mappings merge key by key (`null` deletes a key, `$patch: replace` or `delete` replaces or
    drops the mapping), a Service's `ports` merge by `port`, every other list and scalar is
    replaced."""
    if isinstance(patch, dict) and isinstance(base, dict):
        if patch.get("$patch") == "replace":
            return {k: v for k, v in patch.items() if k != "$patch"}
        merged = dict(base)
        for key, value in patch.items():
            if not isinstance(key, str) or key.startswith("$"):
                continue
            if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
                merged.pop(key, None)
            else:
                merged[key] = strategic_merge(base.get(key), value, (*path, key))
        return merged
    if path == ("spec", "ports") and isinstance(base, list) and isinstance(patch, list):
        return _merge_by_port(base, patch)
    if isinstance(patch, dict):
        return strategic_merge({}, patch, path)
    return patch


def _merge_by_port(base: list, patch: list) -> list:
    merged = list(base)
    where = {}  # port -> index in merged, found once (a hostile list may be long)
    for index, old in enumerate(merged):
        if isinstance(old, dict) and old.get("port") is not None:
            where.setdefault(_key(old.get("port")), index)
    deleted: set[int] = set()
    for item in patch:
        port = item.get("port") if isinstance(item, dict) else None
        index = where.get(_key(port)) if port is not None else None
        if index is None or index in deleted:
            merged.append(item)
        elif item.get("$patch") == "delete":
            deleted.add(index)
        else:
            merged[index] = strategic_merge(merged[index], item, ())
    return [item for index, item in enumerate(merged) if index not in deleted]


def _key(value: object) -> object:
    """A port number as a dict key (YAML may read it as int, or as a string when quoted)."""
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else repr(value)
