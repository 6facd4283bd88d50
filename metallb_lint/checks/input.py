"""ML0xx: what the loader and the inventory could not read or resolve."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.checks import Context, rule
from metallb_lint.findings import Finding, Location, Related
from metallb_lint.placeholders import describe
from metallb_lint.versions import NEWEST


def _load_problems(ctx: Context, rule_id: str) -> Iterator[Finding]:
    for problem in ctx.inventory.problems:
        if problem.rule == rule_id:
            yield ctx.finding(
                rule_id,
                problem.message,
                problem.location,
                related=[Related(loc, msg) for loc, msg in problem.related],
            )


@rule("ML001")
def yaml_syntax(ctx: Context) -> Iterator[Finding]:
    yield from _load_problems(ctx, "ML001")


@rule("ML002")
def unreadable_file(ctx: Context) -> Iterator[Finding]:
    yield from _load_problems(ctx, "ML002")


@rule("ML003")
def duplicate_key(ctx: Context) -> Iterator[Finding]:
    yield from _load_problems(ctx, "ML003")


@rule("ML004")
def unresolved_template(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    for item in inv.unresolved:
        yield ctx.finding("ML004", item.message, item.location)
    for pool in inv.pools:
        for entry in pool.entries:
            if entry.parsed.unresolved:
                yield ctx.finding(
                    "ML004",
                    f"address '{entry.parsed.text}' of pool '{pool.name}' holds a "
                    f"{describe(entry.parsed.text)} that nothing in the repository resolves; "
                    "the pool's addresses were not checked (define it in a Flux "
                    "postBuild.substitute to have it checked)",
                    entry.location,
                    resource=pool.resource.ref,
                )
    for request in inv.services:
        for ip in request.requested_ips:
            if ip.unresolved:
                yield ctx.finding(
                    "ML004",
                    f"requested IP '{ip.text}' of {request.label} holds a {describe(ip.text)} "
                    "that nothing in the repository resolves; it was not checked",
                    ip.location,
                    resource=request.resource,
                )


@rule("ML005")
def target_version(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not inv.target.assumed:
        return
    anchor = _first_metallb_location(ctx)
    if anchor is None:
        return
    yield ctx.finding(
        "ML005",
        f"no MetalLB version is pinned anywhere in the repository, so it was checked against "
        f"the newest release metallb-lint knows, {NEWEST}. Pin the metallb chart to an exact "
        "version (Chart.yaml dependency, HelmRelease, Argo CD targetRevision), or set "
        "'metallb-version' in .metallb-lint.yaml or pass --metallb-version",
        anchor,
    )


def _first_metallb_location(ctx: Context) -> Location | None:
    inv = ctx.inventory
    candidates = [p.resource.head for p in inv.pools]
    candidates += [a.resource.head for a in inv.advertisements]
    candidates += [s.head for s in inv.services if s.metallb_annotations or s.requested_ips]
    return min(candidates, default=None)
