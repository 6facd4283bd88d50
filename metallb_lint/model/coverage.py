"""What a run judged and what it could not (issue 15, item 7): the report header and the JSON
summary say both, so that a quiet run over a repository whose objects were never judged is not
mistaken for a clean one."""

from __future__ import annotations

from dataclasses import dataclass

from metallb_lint.model.inventory import Inventory


@dataclass(frozen=True)
class Coverage:
    metallb_objects: int  # pools, advertisements, peers, BFD profiles, communities
    services: int  # LoadBalancer Service requests (manifests, chart values, custom resources)
    not_deployed: list[tuple[str, str]]  # files with MetalLB objects nothing deploys, and why
    unresolved: list[tuple[str, int, str]]  # values and templates left unknown: where, why

    def as_dict(self) -> dict[str, object]:
        return {
            "judged": {"metallb_objects": self.metallb_objects, "services": self.services},
            "not_judged": {
                "not_deployed_files": len(self.not_deployed),
                "unresolved": len(self.unresolved),
            },
        }


def coverage(inventory: Inventory) -> Coverage:
    inv = inventory
    objects = (
        len(inv.pools)
        + len(inv.advertisements)
        + len(inv.peers)
        + len(inv.bfd_profiles)
        + len(inv.communities)
    )
    services = sum(1 for request in inv.services if request.is_load_balancer)
    unresolved = [(u.location.path, u.location.line, u.message) for u in inv.unresolved]
    return Coverage(objects, services, list(inv.undeployed), unresolved)
