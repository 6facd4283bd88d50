"""Flux: the path and `targetNamespace` of a Flux Kustomization, the `${VAR}` values of
`postBuild.substitute`, HelmRelease values, and MetalLB installed by a HelmRelease (with the
HelmRepository or OCIRepository it names)."""

from __future__ import annotations

import base64
import posixpath
import re
from collections.abc import Callable, Iterator

from metallb_lint.findings import Location, ResourceRef
from metallb_lint.gitops.fields import body_ref, get, items, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.gitops.scopes import Scope, Scopes
from metallb_lint.load.documents import Document, PathKey
from metallb_lint.metallb.charts import is_official_repository
from metallb_lint.model.objects import InstallSite, ValuesSource

Roots = list[tuple[Document, list[tuple[PathKey, dict]]]]


def is_flux_kustomization(kind: str | None, api: str) -> bool:
    return kind == "Kustomization" and api.startswith("kustomize.toolkit.fluxcd.io")


def is_helmrelease(kind: str | None, api: str) -> bool:
    """Flux v2's HelmRelease, or Flux v1's (`helm.fluxcd.io/v1`, the Helm Operator's)."""
    return kind == "HelmRelease" and api.startswith(("helm.toolkit.fluxcd.io", "helm.fluxcd.io"))


def _flux_v1(api: str) -> bool:
    return api.startswith("helm.fluxcd.io")


def chart_name(spec: dict, api: str) -> str | None:
    """The chart a HelmRelease installs: `spec.chart.spec.chart` (Flux v2), `spec.chart.name`
    of a Helm repository chart or the last folder of a Git chart's `path` (Flux v1)."""
    if not _flux_v1(api):
        return text(get(spec, "chart", "spec", "chart"))
    name = text(get(spec, "chart", "name"))
    path = text(get(spec, "chart", "path"))
    return name or (posixpath.basename(path.rstrip("/")) if path else None)


def kustomization_scope(doc: Document, spec: dict, scopes: Scopes) -> None:
    """A Flux Kustomization syncs `spec.path` into `spec.targetNamespace`, forcing it."""
    path = text(spec.get("path"))
    namespace = text(spec.get("targetNamespace"))
    if namespace and path and not has_placeholder(path + namespace):
        for directory in scopes.dirs_matching(path):
            scopes.add(Scope(directory, namespace, doc.path, True, entry_point=True))


# `substituteFrom:` and the names of its entries, in a Kustomization or in the text of a patch
# that a parent Kustomization applies to its children.
_SUBSTITUTE_FROM = re.compile(r"substituteFrom:[ \t]*\n((?:[ \t]*(?:-[ \t]*)?[\w-]+:.*\n?)+)")
_ENTRY_NAME = re.compile(r"^[ \t]*(?:-[ \t]*)?name:[ \t]*['\"]?([\w.-]+)", re.MULTILINE)


def substitute_from_names(text: str) -> set[str]:
    """The names of the ConfigMaps and Secrets `postBuild.substituteFrom` entries name in a
    text (a Kustomization, or a patch that adds them to child Kustomizations)."""
    names: set[str] = set()
    if "substituteFrom" in text:
        for block in _SUBSTITUTE_FROM.findall(text):
            names.update(_ENTRY_NAME.findall(block))
    return names


def variables(roots: Roots) -> dict[str, str]:
    """The Flux variables the repository defines: `postBuild.substitute`, and the data of the
    ConfigMaps and Secrets of the repository that `postBuild.substituteFrom` names (on a
    Kustomization, or patched onto its children by a parent's `patches`). A variable given
    different values in different places (per cluster, per environment) is left out: which
    one a file gets is unknown, and an unknown value is never judged."""
    values: dict[str, set[str]] = {}
    referenced: set[str] = set()
    holders: list[dict] = []
    for doc, objects in roots:
        if doc.mentions("substituteFrom"):
            referenced |= substitute_from_names(doc.text)
        for _, body in objects:
            kind = body.get("kind")
            if kind in ("ConfigMap", "Secret") and body.get("apiVersion") == "v1":
                holders.append(body)
                continue
            spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
            post = spec.get("postBuild") if isinstance(spec.get("postBuild"), dict) else {}
            _add(values, post.get("substitute"))
    for body in holders:
        if text(get(body, "metadata", "name")) in referenced:
            _add(values, _data_of(body))
    return {name: next(iter(found)) for name, found in values.items() if len(found) == 1}


def _add(values: dict[str, set[str]], mapping: object) -> None:
    if isinstance(mapping, dict):
        for key, value in mapping.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                values.setdefault(str(key), set()).add(str(value))


def _data_of(body: dict) -> dict[str, str]:
    """A ConfigMap's data, or a Secret's (`stringData`, base64 `data`); nothing from a
    SOPS-encrypted Secret, whose values are unknown."""
    if "sops" in body:
        return {}
    if body.get("kind") == "ConfigMap":
        data = body.get("data")
        return data if isinstance(data, dict) else {}
    found: dict[str, str] = {}
    encoded = body.get("data")
    for key, value in (encoded if isinstance(encoded, dict) else {}).items():
        if isinstance(value, str):
            try:
                found[str(key)] = base64.b64decode(value, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                continue
    plain = body.get("stringData")
    if isinstance(plain, dict):
        found.update({str(k): v for k, v in plain.items() if isinstance(v, str)})
    return {k: v for k, v in found.items() if not v.startswith("ENC[")}


# What a `valuesFrom` entry names: (HelmRelease file, ConfigMap or Secret, its name, the key)
# -> the documents that hold those values.
ValuesFrom = Callable[[str, str, str, str], list[Document]]


def helmrelease_values(
    doc: Document,
    base: PathKey,
    body: dict,
    api: str,
    unit: str,
    values_from: ValuesFrom | None = None,
) -> Iterator[ValuesSource]:
    """A HelmRelease's values: each `valuesFrom` ConfigMap or Secret this repository holds
    (`values_from` finds it), then `spec.values`, which Flux merges last."""
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    chart = chart_name(spec, api)
    namespace = text(spec.get("targetNamespace")) or text(get(body, "metadata", "namespace"))
    name = text(get(body, "metadata", "name"))
    owner = ResourceRef(api, "HelmRelease", text(get(body, "metadata", "namespace")), name)
    for ref in items(spec.get("valuesFrom")) if values_from is not None else []:
        kind, source = text(get(ref, "kind")), text(get(ref, "name"))
        if kind not in ("ConfigMap", "Secret") or not source or get(ref, "targetPath"):
            continue  # a targetPath sets one value, not a values document
        key = text(get(ref, "valuesKey")) or "values.yaml"
        yield from ValuesSource.files(
            values_from(doc.path, kind, source, key),
            chart,
            owner,
            namespace,
            chart == "metallb",
            unit,
        )
    if isinstance(spec.get("values"), dict):
        yield ValuesSource(
            doc,
            (*base, "spec", "values"),
            spec["values"],
            chart,
            owner,
            namespace,
            chart == "metallb",
            unit,
        )


class FluxSources:
    """The Flux sources (HelmRepository, OCIRepository, ...) of the tree, by kind and name."""

    def __init__(self, roots: Roots) -> None:
        self._by_name: dict[tuple, tuple[Document, PathKey, dict]] = {
            (text(body.get("kind")), text(get(body, "metadata", "name"))): (doc, base, body)
            for doc, objects in roots
            for base, body in objects
            if text(body.get("apiVersion")) is not None
            and str(body.get("apiVersion")).startswith("source.toolkit.fluxcd.io")
        }

    def get(self, kind: str | None, name: str | None) -> tuple[Document, PathKey, dict] | None:
        return self._by_name.get((kind, name))


def helmrelease_site(
    doc: Document, base: PathKey, body: dict, sources: FluxSources
) -> InstallSite | None:
    """A Flux HelmRelease of a chart named metallb, with its HelmRepository/OCIRepository."""
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    namespace = text(spec.get("targetNamespace")) or text(get(body, "metadata", "namespace"))
    owner = f"HelmRelease {text(get(body, 'metadata', 'name')) or ''}".strip()
    resource = body_ref(body)
    chart_ref = spec.get("chartRef") if isinstance(spec.get("chartRef"), dict) else None
    if chart_ref is not None:  # Flux 2.3+: the chart is an OCIRepository artifact
        ref_kind, ref_name = text(chart_ref.get("kind")), text(chart_ref.get("name"))
        found = sources.get(ref_kind, ref_name)
        if found is None:
            return None
        src_doc, src_base, src_body = found
        url = text(get(src_body, "spec", "url"))
        if not url or posixpath.basename(url.rstrip("/")) != "metallb":
            return None
        ref = get(src_body, "spec", "ref")
        ref_key = "tag" if isinstance(ref, dict) and "tag" in ref else "semver"
        if isinstance(ref, dict) and "digest" in ref:
            ref_key = "digest"
        return InstallSite(
            "helmrelease",
            get(src_body, "spec", "ref", ref_key),
            src_doc.location((*src_base, "spec", "ref", ref_key)),
            url,
            namespace,
            doc.path,
            repository_location=src_doc.location((*src_base, "spec", "url")),
            chart="metallb",
            official=is_official_repository(posixpath.dirname(url.rstrip("/"))),
            owner=owner,
            resource=resource,
        )
    api = text(body.get("apiVersion")) or ""
    if chart_name(spec, api) != "metallb":
        return None
    if _flux_v1(api):
        return _v1_site(doc, base, spec, namespace, owner, resource)
    source_ref = get(spec, "chart", "spec", "sourceRef")
    url: str | None = None
    url_location: Location | None = None
    official = True  # a source this repository does not hold: assume MetalLB's
    if isinstance(source_ref, dict):
        ref_name = text(source_ref.get("name"))
        ref_kind = text(source_ref.get("kind")) or "HelmRepository"
        found = sources.get(ref_kind, ref_name)
        if found is not None:
            src_doc, src_base, src_body = found
            url = text(get(src_body, "spec", "url"))
            url_location = src_doc.location((*src_base, "spec", "url"))
            official = is_official_repository(url)
        elif ref_name and "bitnami" in ref_name.lower():
            official = False
    return InstallSite(
        "helmrelease",
        get(spec, "chart", "spec", "version"),
        doc.location((*base, "spec", "chart", "spec", "version")),
        url,
        namespace,
        doc.path,
        repository_location=url_location,
        chart="metallb",
        official=official,
        owner=owner,
        resource=resource,
    )


def _v1_site(
    doc: Document,
    base: PathKey,
    spec: dict,
    namespace: str | None,
    owner: str,
    resource: ResourceRef,
) -> InstallSite | None:
    """Flux v1: `spec.chart.repository` and `version` (a Helm repository chart); a Git chart
    (`git`, `ref`, `path`) names no chart release."""
    url = text(get(spec, "chart", "repository"))
    if not url:
        return None
    return InstallSite(
        "helmrelease",
        get(spec, "chart", "version"),
        doc.location((*base, "spec", "chart", "version")),
        url,
        namespace,
        doc.path,
        repository_location=doc.location((*base, "spec", "chart", "repository")),
        chart="metallb",
        official=is_official_repository(url),
        owner=owner,
        resource=resource,
    )


# -- MetalLB's own Git repository as a Flux source ----------------------------------------------

_METALLB_GIT = re.compile(r"github\.com[/:]metallb/metallb(?:\.git)?/?$")


def git_sites(roots: Roots) -> Iterator[InstallSite]:
    """A GitRepository of MetalLB's repository, with the ref it asks for and the path each Flux
    Kustomization applies from it (`config/crd`, `config/native`)."""
    paths: dict[str, list[tuple[str, Location | None]]] = {}
    for doc, objects in roots:
        for base, body in objects:
            kind, api = text(body.get("kind")), text(body.get("apiVersion")) or ""
            ref = get(body, "spec", "sourceRef")
            if (
                is_flux_kustomization(kind, api)
                and isinstance(ref, dict)
                and text(ref.get("kind")) == "GitRepository"
                and text(ref.get("name"))
            ):
                written = text(get(body, "spec", "path"))
                path = posixpath.normpath(written or ".").lstrip("/")
                where = doc.location((*base, "spec", "path")) if written else None
                paths.setdefault(str(ref["name"]), []).append(("" if path == "." else path, where))
    for doc, objects in roots:
        for base, body in objects:
            kind, api = text(body.get("kind")), text(body.get("apiVersion")) or ""
            url = text(get(body, "spec", "url")) or ""
            if kind != "GitRepository" or not api.startswith("source.toolkit.fluxcd.io"):
                continue
            if not _METALLB_GIT.search(url):
                continue
            ref = get(body, "spec", "ref") if isinstance(get(body, "spec", "ref"), dict) else {}
            assert isinstance(ref, dict)
            # `semver` picks a tag by range, as Flux reads MetalLB's v-prefixed tags: not judged
            field = next(
                (k for k in ("tag", "semver", "name", "commit", "branch") if k in ref), None
            )
            if field == "semver":
                continue
            version = ref.get(field) if field else None
            if field == "name" and isinstance(version, str):  # a full ref: refs/tags/v0.14.8
                version = version.removeprefix("refs/tags/").removeprefix("refs/heads/")
            where = (
                doc.location((*base, "spec", "ref", field))
                if field
                else doc.location((*base, "spec", "url"))
            )
            name = text(get(body, "metadata", "name")) or ""
            for path, path_location in paths.get(name, [("", None)]):
                yield InstallSite(
                    "manifest-url",
                    str(version) if version is not None else None,
                    where,
                    url,
                    None,
                    None,
                    path_hint=path or None,
                    repository_location=doc.location((*base, "spec", "url")),
                    owner=f"GitRepository {name}".strip(),
                    resource=body_ref(body),
                    path_location=path_location,
                )
