"""ML105-ML107: what the target MetalLB release no longer reads, reads but deprecates, or does
not read yet (facts §1.3, §4.6, §5.1). Each finding names the release that removed, deprecated or
introduced the thing and what replaces it.

Kinds, fields and chart keys come from the schema analyses of checks/schema.py (the `x-since`,
`x-until`, `x-deprecated` annotations of schemas/); Service annotations from the inventory; legacy
ConfigMap configurations from metallb_lint.model.legacy.
"""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.checks.common import pool_index, pools_by_name
from metallb_lint.checks.context import Context, rule
from metallb_lint.checks.fixing import replace_scalar
from metallb_lint.checks.legacy import legacy_configs
from metallb_lint.checks.schema import (
    ResourceResult,
    ValuesResult,
    resource_results,
    values_results,
)
from metallb_lint.findings import SAFE, Finding, Fix, Location, Related
from metallb_lint.metallb.addresses import parse_ip
from metallb_lint.metallb.schema import FIRST_CRD_RELEASE, KeyProblem, where
from metallb_lint.metallb.versions import (
    FRR_K8S_DEFAULT_FROM,
    LOAD_BALANCER_IPS_ANNOTATION,
    METALLB_IO_ANNOTATIONS,
    Version,
)
from metallb_lint.model.objects import Annotation
from metallb_lint.model.service_requests import NEW_PREFIX, OLD_PREFIX

MIGRATE = (
    "Convert it with `metallb-lint migrate` (or MetalLB's configmaptocrs image) into "
    "IPAddressPool and L2Advertisement/BGPAdvertisement resources"
)


# -- shared helpers ----------------------------------------------------------------------------


def _label(result: ResourceResult) -> str:
    res = result.resource
    return f"{res.kind} '{res.name or '<unnamed>'}'"


def _resource_keys(ctx: Context, kind: str) -> Iterator[tuple[ResourceResult, KeyProblem]]:
    for result in resource_results(ctx):
        for key in result.keys:
            if key.kind == kind:
                yield result, key


def _values_keys(ctx: Context, kind: str) -> Iterator[tuple[ValuesResult, KeyProblem]]:
    for result in values_results(ctx):
        for key in result.keys:
            if key.kind == kind:
                yield result, key


def _removed_rule(key: KeyProblem) -> str:
    removed = key.info.get("x-removed")
    return str(removed.get("rule", "ML105")) if isinstance(removed, dict) else "ML105"


def _issues(ctx: Context, rule_id: str, anchor: str) -> Iterator[Finding]:
    """The kind/apiVersion issue of every resource whose issue belongs to `rule_id`."""
    for result in resource_results(ctx):
        if result.issue is not None and result.issue.rule == rule_id:
            yield ctx.finding(
                rule_id,
                f"{_label(result)}: {result.issue.message}",
                result.issue.location,
                resource=result.resource.ref,
                anchor=anchor,
            )


def _removed_fields(ctx: Context, rule_id: str) -> Iterator[Finding]:
    """Resource fields the target release no longer reads whose `x-removed` names `rule_id`."""
    for result, key in _resource_keys(ctx, "removed"):
        if _removed_rule(key) == rule_id:
            message = _removed_message(key, "MetalLB", f"MetalLB {ctx.target.version}")
            yield _key_finding(ctx, rule_id, result, key, message)


def _key_finding(ctx: Context, rule_id: str, result, key: KeyProblem, message: str) -> Finding:
    """A finding about one field of a resource, at its key."""
    res = result.resource
    return ctx.finding(
        rule_id,
        f"{_label(result)}: {message}",
        res.location(*key.path, key=True),
        resource=res.ref,
        anchor=where(key.path),
    )


def _removed_message(
    key: KeyProblem, owner: str, subject: str, extra: str = "", value: object = None
) -> str:
    removed = key.info.get("x-removed") or {}
    note = removed.get("note", "it is no longer read")
    replacement = removed.get("replacement")
    use = f"Replace it with {_code(replacement)}" if replacement else "Remove it"
    if replacement and "default" in key.info and value == key.info["default"]:
        # a copy of the old values file: nothing the user chose is lost
        use = f"Its value is the old default, so nothing is lost: remove it ({_code(replacement)} "
        use += "holds the setting now)"
    return (
        f"`{where(key.path)}` is gone from {owner} since {key.info.get('x-until')}: {note}. "
        f"{subject} ignores it{extra}. {use}"
    )


def _value_at(data: object, path: tuple) -> object:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _code(text: str) -> str:
    """Backticks around a replacement that is a values key (`tls.minVersion`)."""
    if " " not in text and "." in text:
        return f"`{text}`"
    return text


# -- ML105 -------------------------------------------------------------------------------------


@rule("ML105")
def removed_api(ctx: Context) -> Iterator[Finding]:
    yield from _issues(ctx, "ML105", anchor="kind")
    yield from _removed_fields(ctx, "ML105")
    for result, key in _values_keys(ctx, "removed"):
        if _removed_rule(key) == "ML105":
            check = result.check
            refuses = key.key == "configInline" and check.version >= Version(0, 13, 3)
            yield ctx.finding(
                "ML105",
                _removed_message(
                    key,
                    "the metallb chart",
                    f"Chart {check.version}",
                    " and refuses to render while it is set" if refuses else "",
                    _value_at(check.source.data, key.path),
                ),
                check.location(key.path, key=True),
                resource=check.ref,
                anchor=where(key.path),
            )
    version = ctx.target.version
    # A legacy configuration in a repository that names no release says it runs one that
    # reads it (0.12 or older): judged as such (ML109), not as removed by an assumed release.
    if ctx.target.surely_at_least(FIRST_CRD_RELEASE):
        yield from _legacy_removed(ctx, version)


def _legacy_removed(ctx: Context, version: Version) -> Iterator[Finding]:
    from metallb_lint.model.legacy import from_configmap

    seen: set[tuple[str, int]] = set()
    for res in ctx.inventory.resources:
        config = from_configmap(res)
        if config is None:
            continue
        seen.add((config.location.path, config.location.line))
        yield ctx.finding(
            "ML105",
            f"{config.description} holds a legacy MetalLB configuration, but MetalLB stopped "
            f"reading ConfigMap configuration in {FIRST_CRD_RELEASE}: {version} ignores it, "
            f"so none of its pools or peers exist. {MIGRATE}",
            res.location("data", "config", key=True),
            resource=res.ref,
            anchor="data.config",
        )
    for config in legacy_configs(ctx):
        where_ = (config.location.path, config.location.line)
        if config.origin != "file" or where_ in seen:
            continue
        seen.add(where_)
        yield ctx.finding(
            "ML105",
            f"This file ({config.description}) is a legacy MetalLB configuration, but MetalLB "
            "stopped "
            f"reading ConfigMap configuration in {FIRST_CRD_RELEASE}: {version} ignores it. "
            f"{MIGRATE}",
            Location(config.location.path, config.location.line, config.location.column),
            anchor="legacy-config",
        )


# -- ML106 -------------------------------------------------------------------------------------


@rule("ML106")
def deprecated_api(ctx: Context) -> Iterator[Finding]:
    version = ctx.target.version
    yield from _issues(ctx, "ML106", anchor="apiVersion")
    for result, key in _resource_keys(ctx, "deprecated"):
        info = key.info.get("x-deprecated") or {}
        yield _key_finding(
            ctx,
            "ML106",
            result,
            key,
            f"`{where(key.path)}` is deprecated since MetalLB {info.get('since')}: "
            f"{info.get('note', 'it will be removed')}. Replace it with "
            f"{info.get('replacement', 'nothing')}",
        )
    yield from _removed_fields(ctx, "ML106")
    for result, key in _values_keys(ctx, "removed"):
        if _removed_rule(key) == "ML106":
            check = result.check
            yield ctx.finding(
                "ML106",
                _removed_message(
                    key,
                    "the metallb chart",
                    f"Chart {check.version}",
                    value=_value_at(check.source.data, key.path),
                ),
                check.location(key.path, key=True),
                resource=check.ref,
                anchor=where(key.path),
            )
    yield from _frr_mode(ctx)
    # Renaming the annotations breaks every release before 0.14.9: only advised when the
    # repository says it runs 0.14.9 or later (every release of a range it names), never for
    # a release that is only assumed.
    if ctx.target.surely_at_least(METALLB_IO_ANNOTATIONS):
        yield from _old_annotations(ctx, version)


def _frr_mode(ctx: Context) -> Iterator[Finding]:
    for result in values_results(ctx):
        check = result.check
        if check.version < FRR_K8S_DEFAULT_FROM:
            continue
        user = check.source.data
        speaker = user.get("speaker") if isinstance(user.get("speaker"), dict) else {}
        frr = speaker.get("frr") if isinstance(speaker.get("frr"), dict) else {}
        if frr.get("enabled") is not True:
            continue
        yield ctx.finding(
            "ML106",
            f"FRR mode (`speaker.frr.enabled: true`) is deprecated since MetalLB "
            f"{FRR_K8S_DEFAULT_FROM}, whose chart defaults to the FRR-K8s backend. It still "
            "works in chart "
            f"{check.version}; plan the move to FRR-K8s (`frrk8s.enabled: true`, "
            "`speaker.frr.enabled: false`), which also renames the BGP metrics from metallb_ "
            "to frrk8s_",
            check.location(("speaker", "frr", "enabled"), key=True),
            resource=check.ref,
            anchor="speaker.frr.enabled",
        )


def _old_annotations(ctx: Context, version: Version) -> Iterator[Finding]:
    for request in ctx.inventory.services:
        present = {note.key for note in request.metallb_annotations}
        for note in request.metallb_annotations:
            if not note.key.startswith(OLD_PREFIX):
                continue
            new_key = NEW_PREFIX + note.key[len(OLD_PREFIX) :]
            fix = None
            if new_key in present:
                effect = f"{new_key} is set too and wins; remove this one"
            else:
                effect = f"rename it to {new_key} (same value)"
                fix = _rename_fix(ctx, note, new_key)
            yield ctx.finding(
                "ML106",
                f"{request.label} uses {note.key}: the {OLD_PREFIX} prefix is deprecated since "
                f"MetalLB {METALLB_IO_ANNOTATIONS} (each change of the Service logs a "
                f"'deprecatedAnnotation' warning event); {version} still reads it. Use the "
                f"{NEW_PREFIX} prefix: {effect}",
                note.key_location,
                resource=request.resource,
                anchor=note.key,
                fix=fix,
            )


def _rename_fix(ctx: Context, note: Annotation, new_key: str) -> Fix | None:
    """Renaming an annotation to the prefix the target release reads: the same setting to
    MetalLB (a safe fix), offered only for a release the repository names (never an assumed
    one, which may be older or newer than what the cluster runs, nor one before the CRDs)."""
    if ctx.target.assumed or ctx.target.version < FIRST_CRD_RELEASE:
        return None
    edit = replace_scalar(ctx, note.key_location, note.key, new_key)
    return Fix(SAFE, f"rename to {new_key}", (edit,)) if edit is not None else None


# -- ML107 -------------------------------------------------------------------------------------


def _once_read(ctx: Context, note: Annotation) -> str | None:
    """What an ignored annotation asks for that MetalLB would refuse once it reads it (issue 16
    item 8: one run shows everything to fix): an address in no pool, a pool that does not
    exist. None when it asks for nothing refused, or the pools are not all known."""
    inv = ctx.inventory
    if not inv.pools or not inv.pools_complete or not isinstance(note.value, str):
        return None
    suffix = note.key[len(NEW_PREFIX) :]
    if suffix == "address-pool":
        name = note.value.strip()
        if name and name not in pools_by_name(ctx):
            return f"pool '{name}' does not exist: the Service would stay <pending>"
    elif suffix == "loadBalancerIPs":
        lookup = pool_index(ctx).lookup
        outside = []
        for text in note.value.split(","):
            parsed = parse_ip(text.strip())
            if parsed is not None and not lookup(*parsed):
                outside.append(text.strip())
        if outside:
            return f"{', '.join(outside)} is in no IPAddressPool: the Service would stay <pending>"
    return None


@rule("ML107")
def unsupported_in_version(ctx: Context) -> Iterator[Finding]:
    yield from _new_annotations(ctx)
    version = ctx.target.version
    yield from _issues(ctx, "ML107", anchor="kind")
    for result, key in _resource_keys(ctx, "later"):
        since = key.info.get("x-since")
        note = f" ({key.info['x-note']})" if key.info.get("x-note") else ""
        yield _key_finding(
            ctx,
            "ML107",
            result,
            key,
            f"`{where(key.path)}` arrived in MetalLB {since}{note}; {version} does not have "
            "it, so the API server drops it and the setting has no effect. Upgrade MetalLB "
            f"to {since} or later (and pin it), or remove the field",
        )
    for result, key in _values_keys(ctx, "later"):
        check = result.check
        since = key.info.get("x-since")
        yield ctx.finding(
            "ML107",
            f"`{where(key.path)}` arrived in the metallb chart {since}; chart {check.version} "
            f"does not read it, so it has no effect. Upgrade the chart to {since} or later, or "
            "remove the key",
            check.location(key.path, key=True),
            resource=check.ref,
            anchor=where(key.path),
        )


def _new_annotations(ctx: Context) -> Iterator[Finding]:
    version = ctx.target.version
    for request in ctx.inventory.services:
        if not request.ignored_annotations:
            continue  # most Services: no metallb.io/ annotation, or a release that reads them
        read = {note.key: note for note in request.metallb_annotations}
        for note in request.ignored_annotations:
            if note.key.startswith(OLD_PREFIX):  # loadBalancerIPs before 0.12.0
                yield ctx.finding(
                    "ML107",
                    f"{request.label} uses {note.key}, but MetalLB {version} reads no "
                    f"loadBalancerIPs annotation (it arrived in {LOAD_BALANCER_IPS_ANNOTATION}): "
                    "MetalLB ignores it and gives the Service any free address. Use "
                    f"spec.loadBalancerIP for one address, or upgrade to "
                    f"{LOAD_BALANCER_IPS_ANNOTATION} or later",
                    note.key_location,
                    resource=request.resource,
                    anchor=note.key,
                )
                continue
            old_key = OLD_PREFIX + note.key[len(NEW_PREFIX) :]
            old = read.get(old_key)
            if old is not None and old.value == note.value:
                continue  # both prefixes with one value: the usual way to prepare an upgrade
            fix = None
            once_read = None
            if old is None:
                effect = f"MetalLB ignores this setting. Use {old_key}"
                related = []
                fix = _rename_fix(ctx, note, old_key)
                once_read = _once_read(ctx, note)
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
                "or later)" + (f". Once MetalLB reads it, {once_read}" if once_read else ""),
                note.key_location,
                resource=request.resource,
                related=related,
                anchor=note.key,
                fix=fix,
            )
