"""Who else announces a Service's `spec.externalIPs`: MetalLB never does (facts §5), but a
cluster's CNI may. Calico announces them over BGP when its BGPConfiguration lists
`serviceExternalIPs`; Cilium's BGP control plane when a CiliumBGPAdvertisement advertises the
`ExternalIP` of Services. Homelab repositories often configure Calico from Ansible, in a Jinja
template of the manifest (`calico-bgpconfiguration.yaml.j2`), so those templates are read too,
for this and nothing else.

Only what the repository shows counts; a range that a template fills is unknown, and an
externalIP that such an announcer may cover is not judged (ML004 says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from metallb_lint.findings import Location
from metallb_lint.gitops.fields import get, text
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.load.discover import Candidate
from metallb_lint.load.sources import read_candidate
from metallb_lint.metallb.addresses import IPRange, parse_ip, parse_range_or_cidr
from metallb_lint.model.objects import Resource

CALICO_GROUPS = ("crd.projectcalico.org", "projectcalico.org")
CILIUM_GROUP = "cilium.io"

# In a Jinja template: the `serviceExternalIPs:` list of a BGPConfiguration and its cidrs.
_CALICO_LIST = re.compile(r"^([ \t]*)serviceExternalIPs:[ \t]*(.*)$", re.MULTILINE)
_CIDR = re.compile(r"cidr['\"]?\s*:\s*['\"]?([^'\"\s,}]+)")


@dataclass(frozen=True)
class Announcer:
    """Something that announces externalIPs: what it is, where, and the ranges it covers
    (None: unknown, a template fills them, or every Service it selects)."""

    what: str
    location: Location
    ranges: tuple[IPRange, ...] | None

    def covers(self, address: str) -> bool | None:
        """True: it announces `address`; None: it may; False: it does not."""
        if self.ranges is None:
            return None
        ip = parse_ip(address.strip())
        if ip is None:
            return None
        version, value = ip
        return any(r.version == version and r.first <= value <= r.last for r in self.ranges)


def find_announcers(
    resources: Iterable[Resource], templates: Iterable[Candidate]
) -> list[Announcer]:
    """The externalIP announcers among deployed `resources` and Jinja `templates`."""
    found: list[Announcer] = []
    for res in resources:
        if res.kind == "BGPConfiguration" and res.group in CALICO_GROUPS:
            entries = get(res.body, "spec", "serviceExternalIPs")
            if isinstance(entries, list) and entries:
                cidrs = [text(get(e, "cidr")) if isinstance(e, dict) else None for e in entries]
                found.append(
                    Announcer(
                        f"Calico BGPConfiguration {res.name or '<unnamed>'} (serviceExternalIPs)",
                        res.location("spec", "serviceExternalIPs", key=True),
                        _ranges(cidrs),
                    )
                )
        elif (
            res.kind == "CiliumBGPAdvertisement"
            and res.group == CILIUM_GROUP
            and _cilium_announces_external_ips(res.body)
        ):
            found.append(
                Announcer(
                    f"CiliumBGPAdvertisement {res.name or '<unnamed>'} (ExternalIP)",
                    res.location("spec", "advertisements", key=True),
                    None,
                )
            )
    for template in templates:
        found.extend(_from_template(template))
    return found


def _ranges(cidrs: list[str | None]) -> tuple[IPRange, ...] | None:
    ranges = []
    for cidr in cidrs:
        parsed = parse_range_or_cidr(cidr) if cidr and not has_placeholder(cidr) else None
        if parsed is None:
            return None  # one range unknown: which addresses are covered is unknown
        ranges.append(parsed)
    return tuple(ranges)


def _cilium_announces_external_ips(body: dict) -> bool:
    entries = get(body, "spec", "advertisements")
    for entry in entries if isinstance(entries, list) else []:
        addresses = get(entry, "service", "addresses")
        if (
            isinstance(entry, dict)
            and entry.get("advertisementType") == "Service"
            and isinstance(addresses, list)
            and "ExternalIP" in addresses
        ):
            return True
    return False


def _from_template(template: Candidate) -> list[Announcer]:
    """A Calico BGPConfiguration with serviceExternalIPs in a Jinja template of a manifest."""
    data = read_candidate(template)
    if not isinstance(data, bytes) or b"serviceExternalIPs" not in data:
        return []
    content = data.decode("utf-8", errors="replace")
    if "BGPConfiguration" not in content:
        return []
    found: list[Announcer] = []
    lines = content.split("\n")
    for match in _CALICO_LIST.finditer(content):
        line = content.count("\n", 0, match.start()) + 1
        indent = len(match.group(1))
        block = [match.group(2)]
        for following in lines[line:]:  # the list: deeper lines, or items at the key's depth
            depth = len(following) - len(following.lstrip())
            stripped = following.strip()
            if stripped and (depth < indent or (depth == indent and not stripped.startswith("-"))):
                break
            block.append(following)
        cidrs: list[str | None] = list(_CIDR.findall("\n".join(block)))
        found.append(
            Announcer(
                "Calico's serviceExternalIPs (a BGPConfiguration in a Jinja template)",
                Location(template.display, line, indent + 1),
                _ranges(cidrs) if cidrs else None,
            )
        )
    return found
