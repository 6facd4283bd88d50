"""Where MetalLB's own chart is published (facts §1.2): the Helm repository and, since 0.15,
the OCI registry. A chart named metallb from anywhere else is someone else's chart."""

from __future__ import annotations

OFFICIAL_REPOSITORIES = (
    "https://metallb.github.io/metallb",
    "oci://quay.io/metallb/chart",
)


def is_official_repository(url: object) -> bool:
    if not isinstance(url, str):
        return False
    clean = url.strip().rstrip("/")
    return any(clean == repo or clean.startswith(repo + "/") for repo in OFFICIAL_REPOSITORIES)
