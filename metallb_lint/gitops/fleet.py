"""Rancher Fleet: a `fleet.yaml` bundle that installs a chart named metallb (`helm.chart` with
`helm.repo`, or an OCI reference), its `helm.version`, namespace and inline `helm.values`.

Fleet builds each folder with a fleet.yaml into a bundle for the clusters it targets; without
`helm.version` it takes whatever chart is newest each time it builds. A `targetCustomizations`
entry may set another version or values for some clusters: their versions are install sites
too (two clusters on different releases is ML512's business)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from metallb_lint.findings import ResourceRef
from metallb_lint.gitops.fields import items, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.load.documents import Document, PathKey
from metallb_lint.metallb.charts import is_official_repository
from metallb_lint.model.objects import InstallSite, ValuesSource

FLEET_FILES = ("fleet.yaml", "fleet.yml")


def is_fleet_file(doc: Document) -> bool:
    return posixpath.basename(doc.path) in FLEET_FILES and isinstance(doc.data, dict)


def _chart(doc: Document) -> tuple[str | None, bool] | None:
    """(repository, official) of the bundle's chart when it is one named metallb."""
    helm = doc.get("helm")
    chart = text(helm.get("chart")) if isinstance(helm, dict) else None
    if not chart or has_placeholder(chart) or chart.startswith((".", "/")):
        return None  # no chart, or a local chart folder: its version is what the folder holds
    if posixpath.basename(chart.rstrip("/")) != "metallb":
        return None
    assert isinstance(helm, dict)
    repo = posixpath.dirname(chart.rstrip("/")) if "://" in chart else text(helm.get("repo"))
    return repo, repo is not None and is_official_repository(repo)


def _namespace(doc: Document) -> str | None:
    return text(doc.get("namespace")) or text(doc.get("defaultNamespace"))


def _owner(doc: Document) -> ResourceRef:
    return ResourceRef("fleet.cattle.io/v1alpha1", "Bundle", None, posixpath.dirname(doc.path))


def install_sites(doc: Document) -> Iterator[InstallSite]:
    found = _chart(doc)
    if found is None:
        return
    repository, official = found
    helm = doc.get("helm")
    assert isinstance(helm, dict)
    places: list[tuple[PathKey, dict]] = [(("helm",), helm)]
    for index, custom in enumerate(items(doc.get("targetCustomizations"))):
        custom_helm = custom.get("helm") if isinstance(custom, dict) else None
        if isinstance(custom_helm, dict) and "version" in custom_helm:
            places.append((("targetCustomizations", index, "helm"), custom_helm))
    for where, section in places:
        written = "version" if "version" in section else "chart"
        yield InstallSite(
            "fleet",
            section.get("version"),
            doc.location((*where, written)),
            repository,
            _namespace(doc),
            doc.path,
            repository_location=doc.location(("helm", "repo" if "repo" in helm else "chart")),
            chart=text(helm.get("chart")),
            official=official,
            owner=f"fleet bundle {posixpath.dirname(doc.path) or '.'}",
            resource=_owner(doc),
        )


def values(doc: Document, unit: str) -> Iterator[ValuesSource]:
    """The inline `helm.values` of a bundle of the metallb chart (and of its customizations)."""
    found = _chart(doc)
    if found is None:
        return
    official = found[1]
    helm = doc.get("helm")
    assert isinstance(helm, dict)
    sections: list[tuple[PathKey, object]] = [(("helm", "values"), helm.get("values"))]
    for index, custom in enumerate(items(doc.get("targetCustomizations"))):
        custom_helm = custom.get("helm") if isinstance(custom, dict) else None
        if isinstance(custom_helm, dict):
            where = ("targetCustomizations", index, "helm", "values")
            sections.append((where, custom_helm.get("values")))
    for base, data in sections:
        if isinstance(data, dict):
            yield ValuesSource(
                doc, base, data, "metallb", _owner(doc), _namespace(doc), official, unit
            )
