"""ML0xx: what the loader and the inventory could not read or resolve."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.checks import Context, rule
from metallb_lint.findings import Finding, Location, Related
from metallb_lint.model import METALLB_GROUP, Resource
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
    for res in ctx.inventory.resources:
        for location, message in _decode_errors(res):
            yield ctx.finding("ML001", message, location, resource=res.ref)


# Fields Kubernetes decodes into typed Go structs before any validation: a wrong type there
# fails `kubectl apply` ("cannot unmarshal ... into Go struct field") for every kind.
_STRING_MAPS = ("labels", "annotations")
_SERVICE_STRINGS = (
    "type",
    "loadBalancerClass",
    "externalTrafficPolicy",
    "internalTrafficPolicy",
    "ipFamilyPolicy",
    "clusterIP",
    "sessionAffinity",
)
_SERVICE_LISTS = ("ports", "ipFamilies", "externalIPs", "loadBalancerSourceRanges", "clusterIPs")
_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
_REJECTED = "the API server rejects the object"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _decode_errors(res: Resource) -> Iterator[tuple[Location, str]]:
    """Each field of a relevant object that Kubernetes cannot decode, with what to do."""
    what = f"{res.kind} '{res.name}'" if res.name else res.kind
    body = res.body
    metadata = body.get("metadata")
    if "metadata" in body and metadata is not None and not isinstance(metadata, dict):
        yield (
            res.location("metadata"),
            (
                f"{what}: metadata is {_type_name(metadata)}, but Kubernetes needs a mapping "
                f"(name, namespace, labels, annotations); {_REJECTED} and nothing in it was "
                "checked. Indent its keys under 'metadata:'"
            ),
        )
        return
    metadata = metadata if isinstance(metadata, dict) else {}
    for key in ("name", "namespace", "generateName"):
        value = metadata.get(key)
        if value is not None and not isinstance(value, str):
            yield (
                res.location("metadata", key),
                (
                    f"{what}: metadata.{key} is {_type_name(value)}, but Kubernetes needs a "
                    f"string; {_REJECTED}. {_fix_scalar(value)}"
                ),
            )
    named = any(metadata.get(k) not in (None, "") for k in ("name", "generateName"))
    if (res.group == METALLB_GROUP or _is_service(res)) and not named:
        where = res.location("metadata", key=True) if "metadata" in body else res.head
        yield (
            where,
            (
                f'{res.kind} has no metadata.name: the API server rejects it ("resource name may '
                'not be empty") and nothing can refer to it. Give it a name'
            ),
        )
    for key in _STRING_MAPS:
        value = metadata.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            yield (
                res.location("metadata", key),
                (
                    f"{what}: metadata.{key} is {_type_name(value)}, but Kubernetes needs a "
                    f"mapping of names to string values; {_REJECTED}. Write one "
                    f"'key: \"value\"' per line under '{key}:'"
                ),
            )
            continue
        for name, item in value.items():
            if item is not None and not isinstance(item, str):
                yield (
                    res.location("metadata", key, name),
                    (
                        f"{what}: the value of {key[:-1]} '{name}' is {_type_name(item)}, but "
                        f'Kubernetes {key} are strings; {_REJECTED} ("cannot unmarshal"). '
                        f"{_fix_scalar(item)}"
                    ),
                )
    if _is_service(res):
        yield from _service_decode_errors(res, what)


def _service_decode_errors(res: Resource, what: str) -> Iterator[tuple[Location, str]]:
    spec = res.body.get("spec")
    if spec is None:
        return
    if not isinstance(spec, dict):
        yield (
            res.location("spec"),
            (
                f"{what}: spec is {_type_name(spec)}, but a Service's spec is a mapping; "
                f"{_REJECTED} and nothing in it was checked. Indent its keys under 'spec:'"
            ),
        )
        return
    for key in _SERVICE_STRINGS:
        value = spec.get(key)
        if value is not None and not isinstance(value, str):
            yield (
                res.location("spec", key),
                (
                    f"{what}: spec.{key} is {_type_name(value)}, but Kubernetes needs a string; "
                    f"{_REJECTED}. {_fix_scalar(value)}"
                ),
            )
    for key in _SERVICE_LISTS:
        value = spec.get(key)
        if value is not None and not isinstance(value, list):
            yield (
                res.location("spec", key),
                (
                    f"{what}: spec.{key} is {_type_name(value)}, but Kubernetes needs a list; "
                    f"{_REJECTED}. Write each entry as a '- ' item under '{key}:'"
                ),
            )
    selector = spec.get("selector")
    if selector is not None and not isinstance(selector, dict):
        yield (
            res.location("spec", "selector"),
            (
                f"{what}: spec.selector is {_type_name(selector)}, but Kubernetes needs a mapping "
                f"of label names to values; {_REJECTED}"
            ),
        )
    ports = spec.get("ports")
    for index, port in enumerate(ports if isinstance(ports, list) else []):
        if not isinstance(port, dict):
            yield (
                res.location("spec", "ports", index),
                (
                    f"{what}: spec.ports[{index}] is {_type_name(port)}, but each port is a "
                    f"mapping ('- port: 80' with protocol, targetPort, ...); {_REJECTED}"
                ),
            )
            continue
        number = port.get("port")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            yield (
                res.location("spec", "ports", index, "port"),
                (
                    f"{what}: spec.ports[{index}].port is {_type_name(number)}, but Kubernetes "
                    f"needs a port number (1-65535); {_REJECTED}. Write the number unquoted"
                ),
            )


def _is_service(res: Resource) -> bool:
    return res.kind == "Service" and res.api_version == "v1"


def _fix_scalar(value: object) -> str:
    if isinstance(value, (dict, list)):
        return "Write it as one string"
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f'Quote it: "{text}"'


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
