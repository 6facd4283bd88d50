"""ML1xx: what the target MetalLB release does not read (facts §1.3, §5.1)."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.checks import Context, rule
from metallb_lint.findings import Finding, Related
from metallb_lint.service_requests import NEW_PREFIX, OLD_PREFIX
from metallb_lint.versions import METALLB_IO_ANNOTATIONS


@rule("ML107")
def unsupported_in_version(ctx: Context) -> Iterator[Finding]:
    version = ctx.target.version
    for request in ctx.inventory.services:
        read = {note.key: note for note in request.metallb_annotations}
        for note in request.ignored_annotations:
            old_key = OLD_PREFIX + note.key[len(NEW_PREFIX) :]
            old = read.get(old_key)
            if old is not None and old.value == note.value:
                continue  # both prefixes with one value: the usual way to prepare an upgrade
            if old is None:
                effect = f"MetalLB ignores this setting. Use {old_key}"
                related = []
            else:
                effect = (
                    f"MetalLB reads {old_key} ('{old.value}') instead and ignores this "
                    f"'{note.value}'. Put the value you mean in {old_key}"
                )
                related = [Related(old.location, f"{old_key} is what MetalLB {version} reads")]
            yield ctx.finding(
                "ML107",
                f"{request.label} uses {note.key}, but MetalLB {version} only reads the "
                f"{OLD_PREFIX} prefix; the metallb.io/ annotations arrived in "
                f"{METALLB_IO_ANNOTATIONS}. {effect} (or upgrade to {METALLB_IO_ANNOTATIONS} "
                "or later)",
                note.key_location or note.location,
                resource=request.resource,
                related=related,
                anchor=note.key,
            )
