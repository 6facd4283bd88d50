"""Reading the loosely typed data of GitOps objects: a value of the wrong type counts as absent,
never as an error (a malformed object is reported by the checks that care, with its line)."""

from __future__ import annotations

from metallb_lint.findings import ResourceRef


def text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def items(value: object) -> list:
    return value if isinstance(value, list) else []


def get(node: object, *path: str) -> object:
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def is_object(value: object) -> bool:
    """A Kubernetes object: a mapping with a string apiVersion and kind."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("apiVersion"), str)
        and isinstance(value.get("kind"), str)
    )


def body_ref(body: dict) -> ResourceRef:
    return ResourceRef(
        text(body.get("apiVersion")) or "",
        text(body.get("kind")) or "",
        text(get(body, "metadata", "namespace")),
        text(get(body, "metadata", "name")),
    )
