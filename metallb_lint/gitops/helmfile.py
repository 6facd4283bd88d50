"""helmfile: releases of a chart named metallb (`metallb/metallb` or an OCI reference)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from metallb_lint.findings import ResourceRef
from metallb_lint.gitops.fields import items, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.load.documents import Document
from metallb_lint.metallb.charts import is_official_repository
from metallb_lint.model.objects import InstallSite


def is_helmfile(path: str) -> bool:
    name = posixpath.basename(path)
    folder = posixpath.basename(posixpath.dirname(path))
    return name in ("helmfile.yaml", "helmfile.yml") or (
        folder == "helmfile.d" and name.endswith((".yaml", ".yml"))
    )


def install_sites(doc: Document) -> Iterator[InstallSite]:
    repositories: dict[str, tuple[int, dict]] = {}
    for index, repo in enumerate(items(doc.get("repositories"))):
        if isinstance(repo, dict) and isinstance(repo.get("name"), str):
            repositories[repo["name"]] = (index, repo)
    for index, release in enumerate(items(doc.get("releases"))):
        if not isinstance(release, dict) or not isinstance(release.get("chart"), str):
            continue
        chart = release["chart"].strip()
        if posixpath.basename(chart.rstrip("/")) != "metallb" or has_placeholder(chart):
            continue
        if chart.startswith((".", "/")):
            continue  # a local chart folder: its version is whatever the folder holds
        where = ("releases", index)
        url: str | None
        url_location = doc.location((*where, "chart"))
        if "://" in chart:
            url = posixpath.dirname(chart.rstrip("/"))
        elif "/" in chart and chart.split("/", 1)[0] in repositories:
            repo_index, repo = repositories[chart.split("/", 1)[0]]
            url = text(repo.get("url"))
            if url and repo.get("oci") is True and "://" not in url:
                url = "oci://" + url
            url_location = doc.location(("repositories", repo_index, "url"))
        else:
            url = None  # a local chart folder or an unknown repository
        yield InstallSite(
            "helmfile",
            release.get("version"),
            doc.location((*where, "version")),
            url,
            text(release.get("namespace")),
            doc.path,
            repository_location=url_location,
            chart=chart,
            official=url is None or is_official_repository(url),
            owner=f"helmfile release {text(release.get('name')) or ''}".strip(),
            resource=ResourceRef(
                "helmfile", "Release", text(release.get("namespace")), text(release.get("name"))
            ),
        )
