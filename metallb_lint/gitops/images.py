"""Which MetalLB release runs, read from container images where the repository names them:
the controller and speaker of a vendored install manifest, a kustomize `images:` override, and
the `image.tag` of chart values (MetalLB's chart or Bitnami's).

Upstream images are `quay.io/metallb/controller` and `metallb/speaker` (Docker Hub, before the
move to quay.io); Bitnami's are `bitnami/metallb-controller` with tags such as
`0.9.5-debian-10-r38` (`bitnamilegacy/` since 2025). A tag names a release when it starts with
one (`v0.13.5`, `0.9.5-debian-…`, a rebuild's `0.9.5.1`); `latest` or a digest names none.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from metallb_lint.gitops.fields import body_ref, get, items, text
from metallb_lint.load.documents import Document, PathKey
from metallb_lint.metallb.versions import Version
from metallb_lint.model.objects import InstallSite, ValuesSource

_COMPONENTS = ("controller", "speaker")
_UPSTREAM_REGISTRIES = ("", "quay.io", "docker.io", "index.docker.io", "registry-1.docker.io")
_RELEASE_TAG = re.compile(r"^v?(\d{1,4})\.(\d{1,4})\.(\d{1,4})(?:$|[-.+_])")
_WORKLOADS = frozenset({"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Pod", "Job"})


def split_image(ref: str) -> tuple[str, str | None]:
    """`registry/repo:tag@digest` -> (`registry/repo`, tag or None)."""
    name = ref.strip().split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :]
    return name, None


def metallb_component(name: str) -> tuple[str, bool] | None:
    """(component, upstream?) for an image name that is MetalLB's controller or speaker:
    upstream (`quay.io/metallb/speaker`) or Bitnami's (`bitnami/metallb-speaker`)."""
    parts = name.lower().split("/")
    registry = parts[0] if len(parts) > 2 or (len(parts) == 2 and "." in parts[0]) else ""
    path = parts[1:] if registry else parts
    if registry == "docker.io" and len(path) == 1:
        path = ["library", *path]
    if len(path) == 2 and path[0] == "metallb" and path[1] in _COMPONENTS:
        return (path[1], True) if registry in _UPSTREAM_REGISTRIES else None
    if len(path) == 2 and path[0] in ("bitnami", "bitnamilegacy"):
        component = path[1].removeprefix("metallb-")
        if path[1].startswith("metallb-") and component in _COMPONENTS:
            return component, False
    return None


def release_of_tag(tag: object) -> Version | None:
    """The MetalLB release an image tag starts with; None for `latest`, a digest, junk."""
    if isinstance(tag, (int, float)) and not isinstance(tag, bool):
        tag = str(tag)
    if not isinstance(tag, str):
        return None
    match = _RELEASE_TAG.match(tag.strip())
    return Version(*(int(g) for g in match.groups())) if match else None


def _site(
    version: Version,
    doc: Document,
    where: PathKey,
    owner: str,
    body: dict | None,
    namespace: str | None,
    found: tuple[str, bool],
) -> InstallSite:
    component, upstream = found
    return InstallSite(
        "image",
        str(version),
        doc.location(where),
        component,  # the component the image is: controller or speaker
        namespace,
        doc.path,
        chart=None,
        official=upstream,
        owner=owner,
        resource=body_ref(body) if body is not None else None,
    )


def _containers(body: dict) -> Iterator[tuple[tuple[str, ...], list]]:
    """The container lists of a workload, with their path in the object."""
    spec = body.get("spec")
    if body.get("kind") == "Pod":
        pod_paths: list[tuple[str, ...]] = [("spec",)]
    else:
        pod_paths = [("spec", "template", "spec")]
    if not isinstance(spec, dict):
        return
    for pod_path in pod_paths:
        pod = get(body, *pod_path)
        if not isinstance(pod, dict):
            continue
        for key in ("containers", "initContainers"):
            containers = pod.get(key)
            if isinstance(containers, list):
                yield (*pod_path, key), containers


def workload_sites(doc: Document, base: PathKey, body: dict) -> Iterator[InstallSite]:
    """MetalLB's controller or speaker in a workload (a vendored install manifest)."""
    if body.get("kind") not in _WORKLOADS:
        return
    name = text(get(body, "metadata", "name")) or ""
    namespace = text(get(body, "metadata", "namespace"))
    for path, containers in _containers(body):
        for index, container in enumerate(containers):
            image = text(container.get("image")) if isinstance(container, dict) else None
            if not image:
                continue
            image_name, tag = split_image(image)
            found = metallb_component(image_name) or _mirrored_component(image_name, body)
            version = release_of_tag(tag)
            if found is None or version is None:
                continue
            site = _site(
                version,
                doc,
                (*base, *path, index, "image"),
                f"{body.get('kind')} {name} (image {image.strip()})".replace("  ", " "),
                body,
                namespace,
                found,
            )
            site.bgp_type = _bgp_type(container)
            yield site


def _bgp_type(container: dict) -> str:
    """The BGP mode a MetalLB container runs: its METALLB_BGP_TYPE (`frr`, `frr-k8s`), which
    the install manifests and the chart set in FRR modes only; none is native."""
    for variable in items(container.get("env")):
        if isinstance(variable, dict) and variable.get("name") == "METALLB_BGP_TYPE":
            value = text(variable.get("value"))
            return value if value in ("frr", "frr-k8s") else "native"
    return "native"


def _mirrored_component(name: str, body: dict) -> tuple[str, bool] | None:
    """MetalLB's controller or speaker pulled from a private mirror (`registry.example/
    speaker:v0.9.3`): the image is named by its component alone, so it counts only inside a
    workload that is MetalLB's by its labels or name (the install manifests label every object
    `app: metallb`)."""
    component = name.lower().rsplit("/", 1)[-1].removeprefix("metallb-")
    if component not in _COMPONENTS or "/" not in name:
        return None
    labels = get(body, "metadata", "labels")
    labels = labels if isinstance(labels, dict) else {}
    owned = "metallb" in (
        text(labels.get("app")),
        text(labels.get("app.kubernetes.io/name")),
        text(labels.get("app.kubernetes.io/part-of")),
    ) or "metallb" in (text(get(body, "metadata", "name")) or "")
    return (component, True) if owned else None


def kustomize_image_overrides(doc: Document, base: PathKey, body: dict) -> Iterator[InstallSite]:
    """kustomize `images:` entries that set a MetalLB image's tag."""
    directory = posixpath.dirname(doc.path)
    for index, entry in enumerate(items(body.get("images"))):
        if not isinstance(entry, dict):
            continue
        names = [n for n in (text(entry.get("name")), text(entry.get("newName"))) if n]
        found = next((c for n in names if (c := metallb_component(split_image(n)[0]))), None)
        version = release_of_tag(entry.get("newTag"))
        if found is None or version is None:
            continue
        site = _site(
            version,
            doc,
            (*base, "images", index, "newTag"),
            f"kustomization images ({names[0]})",
            None,
            text(body.get("namespace")),
            found,
        )
        site.path_hint = directory  # the folder whose workloads it re-tags
        yield site


def values_sites(values: ValuesSource) -> Iterator[InstallSite]:
    """`controller.image.tag` / `speaker.image.tag` of MetalLB's chart values, or of Bitnami's
    (whose `image.repository` may also point at the upstream images)."""
    data = values.data
    for component in _COMPONENTS:
        image = get(data, component, "image")
        if not isinstance(image, dict) or "tag" not in image:
            continue
        version = release_of_tag(image.get("tag"))
        if version is None:
            continue
        repository = text(image.get("repository"))
        if repository:
            registry = text(image.get("registry"))
            found = metallb_component(f"{registry}/{repository}" if registry else repository)
            if found is None:
                continue
        elif values.is_metallb:
            found = (component, True)
        else:
            continue
        owner = f"{values.owner.kind} {values.owner.name or ''}".strip()
        yield _site(
            version,
            values.doc,
            (*values.base, component, "image", "tag"),
            f"{owner} values {component}.image.tag",
            None,
            values.namespace,
            found,
        )
