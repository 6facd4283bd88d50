"""ML1xx: what the target MetalLB release does not read (facts §1.3, §5.1)."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.checks import Context, rule
from metallb_lint.findings import Finding
from metallb_lint.service_requests import NEW_PREFIX, OLD_PREFIX
from metallb_lint.versions import METALLB_IO_ANNOTATIONS


@rule("ML107")
def unsupported_in_version(ctx: Context) -> Iterator[Finding]:
    version = ctx.target.version
    for request in ctx.inventory.services:
        for note in request.ignored_annotations:
            old_key = OLD_PREFIX + note.key[len(NEW_PREFIX) :]
            yield ctx.finding(
                "ML107",
                f"{request.label} uses {note.key}, but MetalLB {version} only reads the "
                f"{OLD_PREFIX} prefix; the metallb.io/ annotations arrived in "
                f"{METALLB_IO_ANNOTATIONS}. MetalLB ignores this setting. Use {old_key} "
                f"(or upgrade to {METALLB_IO_ANNOTATIONS} or later)",
                note.location,
                resource=request.resource,
                anchor=note.key,
            )
