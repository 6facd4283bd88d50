"""ML212: a kustomize `namePrefix`/`nameSuffix` renames a MetalLB object, but not the references
to it. kustomize rewrites the references it knows (a ConfigMap in a Deployment); MetalLB's
custom resources are unknown to it unless a `configurations:` nameReference says otherwise, so
an L2Advertisement still names the pool as written, a BGPAdvertisement its peers, a BGPPeer its
BFDProfile, and a Service its `address-pool`: each now names an object that does not exist."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from metallb_lint.checks.context import Context, rule
from metallb_lint.findings import Finding, Location, Related, ResourceRef
from metallb_lint.gitops.kustomize import Rename
from metallb_lint.model.objects import Resource


def _names(resources: Iterable[Resource]) -> tuple[dict[str, Resource], set[str]]:
    """Objects by the name they are written with, and the names they really get."""
    written: dict[str, Resource] = {}
    real: set[str] = set()
    for res in resources:
        if not res.name:
            continue
        written.setdefault(res.written_name or res.name, res)
        real.add(res.name)
    return written, real


def _broken(
    ctx: Context,
    reference: str,
    where: Location,
    holder: str,
    what: str,
    names: tuple[dict[str, Resource], set[str]],
    resource: ResourceRef | None,
) -> Iterator[Finding]:
    written, real = names
    target = written.get(reference)
    if target is None or reference in real:
        return  # no such object (another rule's business), or one really has that name
    rename: Rename | None = ctx.inventory.renamed.get(target.path)
    if rename is None:
        return
    new = target.name or rename.apply(reference)
    how = " and ".join(
        f"{key} '{value}'"
        for key, value in (("namePrefix", rename.prefix), ("nameSuffix", rename.suffix))
        if value
    )
    yield ctx.finding(
        "ML212",
        f"kustomize's {how} renames {what} '{reference}' to '{new}', but kustomize does not "
        f"rewrite MetalLB's references: {holder} still names '{reference}', which no longer "
        f"exists. Write '{new}' here, keep the prefix off MetalLB's objects, or add a "
        "`configurations:` nameReference that teaches kustomize this field",
        where,
        resource=resource,
        related=[
            Related(rename.where, f"the {how.split(' ')[0]} that renames it"),
            Related(target.name_location, f"{what} '{reference}', deployed as '{new}'"),
        ],
        anchor=f"renamed:{reference}",
    )


@rule("ML212")
def renamed_reference(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not inv.renamed:
        return
    pools = _names(p.resource for p in inv.pools)
    peers = _names(p.resource for p in inv.peers)
    profiles = _names(b.resource for b in inv.bfd_profiles)
    for ad in inv.advertisements:
        label = ad.label
        for name, where in ad.pool_names or []:
            yield from _broken(ctx, name, where, label, "IPAddressPool", pools, ad.resource.ref)
        for name, where in ad.peers or []:
            yield from _broken(ctx, name, where, label, "BGPPeer", peers, ad.resource.ref)
    for peer in inv.peers:
        profile = peer.text("bfdProfile")
        if profile:
            where = peer.resource.location("spec", "bfdProfile")
            holder = f"BGPPeer '{peer.name}'"
            yield from _broken(
                ctx, profile, where, holder, "BFDProfile", profiles, peer.resource.ref
            )
    for request in inv.services:
        note = request.pool
        if note is not None and isinstance(note.value, str):
            yield from _broken(
                ctx,
                note.value.strip(),
                note.location,
                request.label,
                "IPAddressPool",
                pools,
                request.resource,
            )
