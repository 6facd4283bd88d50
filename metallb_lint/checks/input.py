"""ML0xx: what the loader and the inventory could not read or resolve."""

from __future__ import annotations

from collections.abc import Iterator

from metallb_lint.checks.common import external_ip_announcer, handled_requests
from metallb_lint.checks.context import Context, rule
from metallb_lint.checks.legacy import legacy_configs
from metallb_lint.findings import Finding, Location, Related
from metallb_lint.gitops.placeholders import describe, has_placeholder
from metallb_lint.load.documents import Document, LoadProblem
from metallb_lint.metallb.schema import FIRST_CRD_RELEASE
from metallb_lint.metallb.versions import NEWEST
from metallb_lint.model.inventory import Inventory, OperatorSubscription
from metallb_lint.model.objects import METALLB_GROUP, Resource


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
        if _metallb_business(res):
            for location, message in _decode_errors(res):
                yield ctx.finding("ML001", message, location, resource=res.ref)


def _metallb_business(res: Resource) -> bool:
    """MetalLB's own resources and the Services it serves; other objects (a Flux
    Kustomization, a Deployment) are read for context and judged by their own tools."""
    return res.group == METALLB_GROUP or (res.kind == "Service" and res.api_version == "v1")


# Fields Kubernetes decodes into typed Go structs before any validation: a wrong type there
# fails `kubectl apply` ("cannot unmarshal ... into Go struct field") for every kind.
_METADATA_STRINGS = ("name", "namespace", "generateName")
_UNSET = (None, "")  # a name that is not given (a falsy 0 or false is still a name)
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
_SERVICE_FIELDS: dict[str, type] = {  # what each decodes into
    **dict.fromkeys(_SERVICE_STRINGS, str),
    **dict.fromkeys(_SERVICE_LISTS, list),
    "selector": dict,
}
_TYPE_NAMES = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
_REJECTED = "the API server rejects the object"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _what(res: Resource) -> str:
    """How ML001 messages name the object (built only when there is a finding)."""
    return f"{res.kind} '{res.name}'" if res.name else res.kind


def _decode_errors(res: Resource) -> Iterator[tuple[Location, str]]:
    """Each field of a relevant object that Kubernetes cannot decode, with what to do."""
    body = res.body
    metadata = body.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        yield (
            res.location("metadata"),
            (
                f"{_what(res)}: metadata is {_type_name(metadata)}, but Kubernetes needs a "
                f"mapping (name, namespace, labels, annotations); {_REJECTED} and nothing in it "
                "was checked. Indent its keys under 'metadata:'"
            ),
        )
        return
    for key in _METADATA_STRINGS:
        value = metadata.get(key)
        if value is not None and not isinstance(value, str):
            yield (
                res.location("metadata", key),
                (
                    f"{_what(res)}: metadata.{key} is {_type_name(value)}, but Kubernetes needs "
                    f"a string; {_REJECTED}. {_fix_scalar(value)}"
                ),
            )
    is_service = res.kind == "Service" and res.api_version == "v1"
    if (
        (is_service or res.group == METALLB_GROUP)
        and metadata.get("name") in _UNSET
        and metadata.get("generateName") in _UNSET
    ):
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
                    f"{_what(res)}: metadata.{key} is {_type_name(value)}, but Kubernetes needs "
                    f"a mapping of names to string values; {_REJECTED}. Write one "
                    f"'key: \"value\"' per line under '{key}:'"
                ),
            )
            continue
        for name, item in value.items():
            if item is not None and not isinstance(item, str):
                yield (
                    res.location("metadata", key, name),
                    (
                        f"{_what(res)}: the value of {key[:-1]} '{name}' is {_type_name(item)}, "
                        f'but Kubernetes {key} are strings; {_REJECTED} ("cannot unmarshal"). '
                        f"{_fix_scalar(item)}"
                    ),
                )
    if is_service:
        yield from _service_decode_errors(res)


def _service_decode_errors(res: Resource) -> Iterator[tuple[Location, str]]:
    spec = res.body.get("spec")
    if spec is None:
        return
    if not isinstance(spec, dict):
        yield (
            res.location("spec"),
            (
                f"{_what(res)}: spec is {_type_name(spec)}, but a Service's spec is a mapping; "
                f"{_REJECTED} and nothing in it was checked. Indent its keys under 'spec:'"
            ),
        )
        return
    for key, value in spec.items():  # (a Service sets few of _SERVICE_FIELDS: look up each)
        wanted = _SERVICE_FIELDS.get(key)
        if wanted is not None and value is not None and not isinstance(value, wanted):
            yield res.location("spec", key), _spec_field_message(res, key, value, wanted)
    ports = spec.get("ports")
    if not isinstance(ports, list):
        return
    for index, port in enumerate(ports):
        if not isinstance(port, dict):
            yield (
                res.location("spec", "ports", index),
                (
                    f"{_what(res)}: spec.ports[{index}] is {_type_name(port)}, but each port is "
                    f"a mapping ('- port: 80' with protocol, targetPort, ...); {_REJECTED}"
                ),
            )
            continue
        number = port.get("port")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            yield (
                res.location("spec", "ports", index, "port"),
                (
                    f"{_what(res)}: spec.ports[{index}].port is {_type_name(number)}, but "
                    f"Kubernetes needs a port number (1-65535); {_REJECTED}. Write the number "
                    "unquoted"
                ),
            )


def _spec_field_message(res: Resource, key: str, value: object, wanted: type) -> str:
    if wanted is str:
        need = f"a string; {_REJECTED}. {_fix_scalar(value)}"
    elif wanted is list:
        need = f"a list; {_REJECTED}. Write each entry as a '- ' item under '{key}:'"
    else:
        need = f"a mapping of label names to values; {_REJECTED}"
    return f"{_what(res)}: spec.{key} is {_type_name(value)}, but Kubernetes needs {need}"


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
    inv = ctx.inventory
    for problem in inv.problems:
        if problem.rule == "ML003" and _duplicate_matters(inv, problem):
            yield ctx.finding(
                "ML003",
                problem.message,
                problem.location,
                related=[Related(loc, msg) for loc, msg in problem.related],
            )


def _duplicate_matters(inv: Inventory, problem: LoadProblem) -> bool:
    """A repeated key inside a MetalLB resource, a Service, MetalLB's chart values or a values
    block that asks MetalLB for something; not one in an unrelated object of the same file."""
    if problem.key_path is None:
        return True
    doc = _document_at(inv, problem.location)
    if doc is None:
        return True
    path = problem.key_path
    for res in inv.resources:
        if res.doc is doc and _metallb_business(res) and path[: len(res.base)] == res.base:
            return True
    for values in inv.values:
        if values.doc is doc and path[: len(values.base)] == values.base:
            if values.is_metallb:
                return True
            if any(str(part).startswith("metallb.") or part in _SERVICE_KEYS for part in path):
                return True
    return False


_SERVICE_KEYS = frozenset({"loadBalancerIP", "loadBalancerIPs", "loadBalancerClass", "externalIPs"})


def _document_at(inv: Inventory, location: Location) -> Document | None:
    """The document of `location`'s file that holds its line."""
    found = None
    for doc in inv.documents:
        if (
            doc.path == location.path
            and doc.start_line <= location.line
            and (found is None or doc.start_line > found.start_line)
        ):
            found = doc
    return found


@rule("ML004")
def unresolved_template(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    for item in inv.unresolved:
        yield ctx.finding("ML004", item.message, item.location)
    for pool in inv.pools:
        for entry in pool.entries:
            if entry.parsed.written_by:
                folders = entry.parsed.written_by
                kustomizations = "kustomizations" if ", " in folders else "kustomization"
                yield ctx.finding(
                    "ML004",
                    f"address '{entry.parsed.text}' of pool '{pool.name}' is written by a patch "
                    f"or replacement of the {kustomizations} in {folders}, so what the cluster "
                    "receives is known only when kustomize builds it; the pool's addresses were "
                    "not checked (install kustomize or kubectl and run with `--render auto` to "
                    "have them checked)",
                    entry.location,
                    resource=pool.resource.ref,
                )
            elif entry.parsed.unresolved:
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
    for request in handled_requests(ctx):
        for address, location in request.external_ips:
            found = external_ip_announcer(ctx, address) if not has_placeholder(address) else None
            if found and not found[1]:
                yield ctx.finding(
                    "ML004",
                    f"{address} in spec.externalIPs of {request.label} may be announced by "
                    f"{found[0].what} at {found[0].location.path}:{found[0].location.line}, "
                    "whose range is templated or follows a selector; whether anything announces "
                    "it was not checked (ML412)",
                    location,
                    resource=request.resource,
                )
    if ctx.target.version < FIRST_CRD_RELEASE:
        for config in legacy_configs(ctx):
            for location, written in config.unknown.items():
                yield ctx.finding(
                    "ML004",
                    f"'{written}' in {config.description} holds a {describe(written)} that "
                    "nothing in the repository resolves; that value was not checked",
                    location,
                )


@rule("ML007")
def not_deployed(ctx: Context) -> Iterator[Finding]:
    for path, reason in ctx.inventory.undeployed:
        yield ctx.finding(
            "ML007",
            f"not deployed, so not judged: {reason}. Its MetalLB objects, Services and install do "
            "not count with the rest; list it where it belongs, or move it out of the tree",
            Location(path, 1),
        )


def _subscription_says(subscription: OperatorSubscription | None) -> str:
    """`: channel 'stable' of catalog 'redhat-operators', starting at CSV '...'`, or ''."""
    if subscription is None:
        return ""
    parts = []
    if subscription.channel:
        parts.append(f"channel '{subscription.channel}'")
    if subscription.source:
        parts.append(f"of catalog '{subscription.source}'")
    if subscription.starting_csv:
        parts.append(f"starting at CSV '{subscription.starting_csv}'")
    return (": " + " ".join(parts)) if parts else ""


@rule("ML005")
def target_version(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    if not inv.target.assumed:
        return
    anchor = _first_metallb_location(ctx)
    if anchor is None:
        return
    pin = (
        "Pin the metallb chart to an exact version (Chart.yaml dependency, HelmRelease, Argo CD "
        "targetRevision) or the images to a release tag, or set 'metallb-version' in "
        ".metallb-lint.yaml or pass --metallb-version"
    )
    if inv.target.assumed_because == "legacy":
        message = (
            "no MetalLB release is named anywhere in the repository, but it is configured the "
            "legacy way (a ConfigMap 'config' or chart configInline), which only MetalLB 0.12 "
            f"and older read: it was checked against {inv.target.version}, the last of them. "
            f"{pin}"
        )
    elif inv.target.assumed_because == "operator":
        said = _subscription_says(inv.operator)
        message = (
            f"MetalLB is installed by the MetalLB Operator (an OLM Subscription{said}): a "
            "channel, a catalog and an operator version say which operator installs, not which "
            "MetalLB release it runs (Red Hat's operator versions follow OpenShift's, 4.x); the "
            f"repository was checked against the newest release metallb-lint knows, {NEWEST}, "
            "and advice that would break an older release is held back. Set 'metallb-version' "
            "in .metallb-lint.yaml or pass --metallb-version with the release your operator "
            "version installs"
        )
        if inv.operator is not None:
            anchor = inv.operator.location
    else:
        message = (
            "no MetalLB release is named anywhere in the repository (no chart pin, manifest "
            f"tag or image tag), so it was checked against the newest release metallb-lint "
            f"knows, {NEWEST}; advice that would break an older release, such as renaming "
            f"metallb.universe.tf/ annotations, is held back. {pin}"
        )
    if inv.target.mode_assumed and inv.peers:
        message += (
            f". The BGP mode is only assumed with it ({inv.target.mode}, the default of "
            f"{inv.target.version}): the checks that hold in one mode only (ML310 mode "
            "mismatches, ML311 FRR router IDs) are held back too"
        )
    yield ctx.finding("ML005", message, anchor)


def _first_metallb_location(ctx: Context) -> Location | None:
    inv = ctx.inventory
    candidates = [p.resource.head for p in inv.pools]
    candidates += [a.resource.head for a in inv.advertisements]
    candidates += [s.head for s in inv.services if s.metallb_annotations or s.requested_ips]
    return min(candidates, default=None)
