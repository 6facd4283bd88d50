"""Argo CD: the path and destination namespace of an Application, its Helm values
(`valuesObject`, or `values` as a YAML string), and MetalLB installed by an Application or an
ApplicationSet's template (the chart, or MetalLB's git repository)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator

from metallb_lint.findings import ResourceRef
from metallb_lint.gitops.fields import body_ref, get, items, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.gitops.scopes import Scope, Scopes
from metallb_lint.load.documents import Chunk, Document, PathKey, compose_chunk, compose_mapped
from metallb_lint.metallb.charts import is_official_repository
from metallb_lint.model.objects import InstallSite, ValuesSource


def is_application(kind: str | None, api: str) -> bool:
    return kind == "Application" and api.startswith("argoproj.io/")


def is_applicationset(kind: str | None, api: str) -> bool:
    return kind == "ApplicationSet" and api.startswith("argoproj.io/")


def app_sources(spec: dict) -> list[dict]:
    if isinstance(spec.get("source"), dict):
        return [spec["source"]]
    return [s for s in items(spec.get("sources")) if isinstance(s, dict)]


def application_scope(doc: Document, spec: dict, scopes: Scopes) -> None:
    """An Application syncs each source's path into `destination.namespace` (a default for
    objects without a namespace, not a forced one)."""
    dest = spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
    namespace = text(dest.get("namespace"))
    for src in app_sources(spec):
        path = text(src.get("path"))
        if namespace and path and not has_placeholder(path + namespace):
            for directory in scopes.dirs_matching(path):
                scopes.add(Scope(directory, namespace, doc.path, False))


def value_file_paths(spec: dict, src: dict) -> list[str]:
    """The files of this repository a source's `helm.valueFiles` name, repository-relative:
    `$<ref>/path` is a path of the source with `ref: <ref>`, any other path is relative to the
    source's own `path`. Files inside a chart package (a source with `chart:` naming them
    relatively) and templated names are not ours to read."""
    helm = src.get("helm") if isinstance(src.get("helm"), dict) else {}
    refs = {text(s.get("ref")) for s in app_sources(spec) if text(s.get("ref"))}
    found: list[str] = []
    for name in items(helm.get("valueFiles")):
        if not isinstance(name, str) or has_placeholder(name) or "://" in name:
            continue
        if name.startswith("$"):
            ref, _, rest = name[1:].partition("/")
            if ref in refs and rest:
                found.append(posixpath.normpath(rest))
        elif isinstance(src.get("path"), str) and src.get("chart") is None:
            found.append(posixpath.normpath(posixpath.join(src["path"].strip("/"), name)))
    return [p for p in found if not p.startswith("..")]


def application_values(
    doc: Document,
    base: PathKey,
    body: dict,
    api: str,
    unit: str,
    documents_of: Callable[[str], list[Document]] | None = None,
) -> Iterator[ValuesSource]:
    """The values each source of an Application gives its chart: `helm.valueFiles` of this
    repository (read with `documents_of`, a repository-relative path), then `valuesObject`
    or `values`, which Argo CD applies last."""
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    name = text(get(body, "metadata", "name"))
    namespace = text(get(spec, "destination", "namespace"))
    owner = ResourceRef(api, "Application", text(get(body, "metadata", "namespace")), name)
    for index, src in enumerate(app_sources(spec)):
        prefix = (
            (*base, "spec", "source") if "source" in spec else (*base, "spec", "sources", index)
        )
        helm = src.get("helm") if isinstance(src.get("helm"), dict) else {}
        chart = text(src.get("chart"))
        is_metallb = chart == "metallb" and is_official_repository(src.get("repoURL"))
        for path in value_file_paths(spec, src) if documents_of is not None else []:
            yield from ValuesSource.files(
                documents_of(path), chart, owner, namespace, is_metallb, unit
            )
        if isinstance(helm.get("valuesObject"), dict):
            yield ValuesSource(
                doc,
                (*prefix, "helm", "valuesObject"),
                helm["valuesObject"],
                chart,
                owner,
                namespace,
                is_metallb,
                unit,
            )
        elif isinstance(helm.get("values"), str):
            embedded = embedded_document(doc, (*prefix, "helm", "values"), helm["values"])
            if embedded is not None and isinstance(embedded.data, dict):
                yield ValuesSource(
                    embedded, (), embedded.data, chart, owner, namespace, is_metallb, unit
                )


def install_sites(
    doc: Document, spec_path: PathKey, spec: dict, kind: str, body: dict
) -> Iterator[InstallSite]:
    """The metallb chart sources (and MetalLB git sources) of an Argo CD Application, or of an
    ApplicationSet's template when its values are literal."""
    namespace = text(get(spec, "destination", "namespace"))
    name = text(get(body, "metadata", "name")) or ""
    owner = f"{'Application' if kind == 'argocd' else 'ApplicationSet'} {name}".strip()
    for index, src in enumerate(app_sources(spec)):
        prefix = (*spec_path, "source") if "source" in spec else (*spec_path, "sources", index)
        repo = text(src.get("repoURL"))
        revision = src.get("targetRevision")
        if kind == "applicationset" and has_placeholder(f"{repo} {revision} {src.get('chart')}"):
            continue  # filled in by a generator: not literal
        if text(src.get("chart")) == "metallb":
            yield InstallSite(
                kind,
                revision,
                doc.location((*prefix, "targetRevision")),
                repo,
                namespace if namespace and not has_placeholder(namespace) else None,
                doc.path,
                repository_location=doc.location((*prefix, "repoURL")),
                chart="metallb",
                official=is_official_repository(repo),
                owner=owner,
                resource=body_ref(body),
            )
        elif repo and re.search(r"github\.com/metallb/metallb(?:\.git)?/?$", repo):
            path = text(src.get("path")) or ""
            yield InstallSite(
                "manifest-url",
                revision if revision is not None else "HEAD",
                doc.location((*prefix, "targetRevision")),
                repo,
                namespace,
                doc.path,
                path_hint=path.strip("/"),
                repository_location=doc.location((*prefix, "repoURL")),
                owner=owner,
                resource=body_ref(body),
                path_location=doc.location((*prefix, "path")) if path else None,
            )


def embedded_document(doc: Document, path: PathKey, value: str) -> Document | None:
    """A YAML document held in a string (Argo CD `helm.values: |`), located in its file."""
    line, _, _, _ = doc.positions.span(path)
    source_lines = doc.text.split("\n")
    first = doc.text_index(line)  # 0-based index of the value's first line within doc.text
    header = source_lines[first] if 0 <= first < len(source_lines) else ""
    block = header.rstrip().endswith(("|", "|-", "|+", ">", ">-", ">+"))
    start_line = line + 1 if block else line
    indent = 0
    if block and first + 1 < len(source_lines):
        following = next((s for s in source_lines[first + 1 :] if s.strip()), "")
        indent = len(following) - len(following.lstrip(" "))
    if doc.lines is not None:  # a rendered template: its lines are the template's
        chunk = Chunk(first + (2 if block else 1), value)
        embedded, _ = compose_mapped(doc.path, chunk, doc.index, doc.lines)
    else:
        embedded, _ = compose_chunk(doc.path, Chunk(start_line, value), doc.index)
    if embedded is None:
        return None
    if indent:
        shift = {
            k: (a, b + indent, c, d + indent)
            for k, (a, b, c, d) in embedded.positions.values.items()
        }
        keys = {
            k: (a, b + indent, c, d + indent) for k, (a, b, c, d) in embedded.positions.keys.items()
        }
        embedded.positions.values, embedded.positions.keys = shift, keys
    return embedded
