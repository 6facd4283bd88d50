"""ML101-ML104, ML108: MetalLB resources and chart values against the target release's schemas.

Resources are checked against the CRD of the release the repository pins (schemas/crds/,
specialised by metallb.schema), or against the CRDs of a vendored chart or of `--crd` files
when the run has them. Chart values are merged over that chart release's defaults, as Helm does,
and validated against the chart's own values schema. Both analyses run once per run and are
shared by the rules here and by ML105-ML107 (checks/versions.py).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

from metallb_lint.checks.common import cached
from metallb_lint.checks.context import Context, rule
from metallb_lint.checks.fixing import replace_scalar
from metallb_lint.errors import UsageError
from metallb_lint.findings import UNSAFE, Finding, Fix, Location, Related, Severity
from metallb_lint.gitops.helm import misplaced_subchart_keys
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.schema import (
    FIRST_CRD_RELEASE,
    GROUP,
    NOT_CHECKED,
    OPERATOR_KINDS,
    STATUS_KINDS,
    CrdVersion,
    KeyProblem,
    Model,
    SchemaProblem,
    all_kinds,
    check_keys,
    closest,
    kinds_named,
    problems,
    schema_set,
    where,
)
from metallb_lint.metallb.versions import Version
from metallb_lint.model.chart_values import (
    ValuesCheck,
    coalesce,
    third_party_values,
    values_checks,
    vendored_chart,
    vendored_crds,
)
from metallb_lint.model.objects import Resource
from metallb_lint.safeio import MAX_READ_BYTES, read_bytes

MAX_CRD_FILE_BYTES = MAX_READ_BYTES


# -- which schema applies to a resource ------------------------------------------------------


@dataclass
class KindIssue:
    """A finding about the resource as a whole: its kind or API version."""

    rule: str
    message: str
    location: Location


@dataclass
class ResourceResult:
    """A resource checked against its schema: which schema, and what is wrong."""

    resource: Resource
    model: Model | None = None
    source: str = ""  # how messages name the schema: "MetalLB 0.14.3", "the CRD in crds.yaml"
    issue: KindIssue | None = None
    problems: list[tuple[SchemaProblem, Location]] = field(default_factory=list)
    keys: list[KeyProblem] = field(default_factory=list)
    misspelt: dict[tuple, tuple] = field(default_factory=dict)  # unknown key -> missing field


@cached
def crd_overrides(ctx: Context) -> dict[tuple[str, str], CrdVersion]:
    """CRD versions from `--crd` files and the `crds` setting: they win over built-in schemas."""
    found: dict[tuple[str, str], CrdVersion] = {}
    for path in getattr(ctx.config, "crds", None) or []:
        found.update(_read_crd_file(path))
    return found


def _read_crd_file(path: str) -> dict[tuple[str, str], CrdVersion]:
    import yaml

    from metallb_lint.metallb.schema import crd_versions

    try:
        Loader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover
        Loader = yaml.SafeLoader
    try:
        text = read_bytes(path, MAX_CRD_FILE_BYTES).decode("utf-8-sig")
        documents = [d for d in yaml.load_all(text, Loader=Loader) if d]
    except OSError as exc:
        raise UsageError(f"--crd {path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--crd {path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UsageError(f"--crd {path}{line}: not valid YAML") from None
    versions = {(v.api_version, v.kind): v for v in crd_versions(_flatten(documents), path)}
    if not versions:
        raise UsageError(
            f"--crd {path}: no CustomResourceDefinition with an openAPIV3Schema in this file"
        )
    return versions


def _flatten(documents: list) -> list:
    out = []
    for doc in documents:
        if (
            isinstance(doc, dict)
            and doc.get("kind") == "List"
            and isinstance(doc.get("items"), list)
        ):
            out.extend(doc["items"])
        else:
            out.append(doc)
    return out


@cached
def vendored_cache(ctx: Context) -> dict:
    return {}


@cached
def vendored_crd_overrides(ctx: Context) -> tuple[dict[tuple[str, str], CrdVersion], str]:
    """The CRDs of the metallb chart an umbrella vendors, when it is the target release."""
    for site in ctx.inventory.install_sites:
        if site.kind != "chart-dependency":
            continue
        chart_dir = os.path.dirname(site.version_location.path)
        vendored = vendored_chart(chart_dir, vendored_cache(ctx))
        if vendored is not None and vendored.parsed_version == ctx.target.version:
            crds = vendored_crds(vendored)
            if crds:
                return crds, vendored.origin
    return {}, ""


@cached
def resource_results(ctx: Context) -> list[ResourceResult]:
    """Every MetalLB resource (and resource a `--crd` covers) against its schema."""
    covered = {api for api, _ in crd_overrides(ctx)}
    return [
        _analyse(ctx, res)
        for res in ctx.inventory.resources
        if res.group == GROUP or res.api_version in covered
    ]


def _analyse(ctx: Context, res: Resource) -> ResourceResult:
    result = ResourceResult(res)
    version = ctx.target.version
    if res.kind in STATUS_KINDS and res.group == GROUP:
        return result  # written by MetalLB itself
    if res.kind in OPERATOR_KINDS and res.group == GROUP:
        return result  # the MetalLB Operator's own resource
    for table, origin in ((crd_overrides(ctx), None), vendored_crd_overrides(ctx)):
        if not table:
            continue
        exact = table.get((res.api_version, res.kind))
        if exact is not None:
            where_from = origin or exact.model.origin
            result.source = f"the CRD in {where_from}"
            if not exact.served:
                result.issue = KindIssue(
                    "ML101",
                    f"{res.kind} {res.api_version} is not served by the CRD in {where_from}",
                    res.location("apiVersion"),
                )
                return result
            if exact.deprecated is not None:
                note = f" ('{exact.deprecated}')" if exact.deprecated else ""
                result.issue = KindIssue(
                    "ML106",
                    f"{res.kind} {res.api_version} is deprecated by the CRD in {where_from}{note}",
                    res.location("apiVersion"),
                )
            _validate(ctx, result, exact.model, exact.model.raw, None)
            return result
        same_kind = sorted(api for api, kind in table if kind == res.kind)
        if same_kind and res.group == same_kind[0].split("/")[0]:
            result.issue = KindIssue(
                "ML101",
                f"{res.kind} is served as {', '.join(same_kind)} by the CRD in "
                f"{origin or table[(same_kind[0], res.kind)].model.origin}, not as "
                f"{res.api_version}: the API server refuses the object",
                res.location("apiVersion"),
            )
            return result
    if res.group != GROUP:
        return result
    result.source = f"MetalLB {version}'s CRD"
    infos = kinds_named(res.kind)
    if not infos:
        hint = closest(res.kind, all_kinds())
        did = f"; did you mean {hint}?" if hint else ""
        kinds = sorted({kind for _, kind in schema_set(version).crds}) or ["none before 0.13.0"]
        result.issue = KindIssue(
            "ML101",
            f"metallb.io has no kind {res.kind}{did} (MetalLB {version}'s kinds: "
            f"{', '.join(kinds)}); the API server refuses the object",
            res.location("kind"),
        )
        return result
    if version < FIRST_CRD_RELEASE:
        result.issue = KindIssue(
            "ML107",
            f"MetalLB {version} has no {res.kind} resource: custom resources arrived in "
            f"{FIRST_CRD_RELEASE}, and {version.major}.{version.minor} reads its configuration "
            "only from the 'config' ConfigMap. Upgrade MetalLB (and pin the new version), or "
            "configure it with the ConfigMap",
            res.location("kind"),
        )
        return result
    present = [info for info in infos if info.available(version)]
    if not present and ctx.target.assumed:
        # A kind that only older releases read, in a repository that names no release: it
        # says the release is an older one, not that this object is ignored.
        return result
    if not present:
        raw = infos[0].raw
        removed = raw.get("x-removed") or {}
        result.issue = KindIssue(
            str(removed.get("rule", "ML105")),
            f"MetalLB {raw.get('x-until')} stopped reading this kind"
            f" ({removed.get('note', 'it was removed')}), so {version} ignores this object. "
            f"Use {removed.get('replacement', 'the current kinds')} instead",
            res.location("kind"),
        )
        return result
    sset = schema_set(version)
    model = sset.crd(res.api_version, res.kind)
    if model is None:
        served = sset.served(res.kind)
        result.issue = KindIssue(
            "ML101",
            f"{res.kind} is served as {' and '.join(served)} in MetalLB {version}, not as "
            f"{res.api_version}: the API server refuses the object",
            res.location("apiVersion"),
        )
        return result
    deprecated = model.raw.get("x-deprecated")
    if isinstance(deprecated, dict):
        since = Version.parse(deprecated.get("since"))
        if since is None or since <= version:
            result.issue = KindIssue(
                "ML106",
                f"{res.kind} {res.api_version} is deprecated since MetalLB {since} "
                f"({deprecated.get('note', 'it will be removed')}); MetalLB {version} still "
                f"reads it. Use {deprecated.get('replacement')}",
                res.location("apiVersion"),
            )
    other = None
    if res.kind == "BGPPeer" and res.api_version.endswith("/v1beta1"):
        other = schema_set(version).crd(f"{GROUP}/v1beta2", "BGPPeer")
    _validate(ctx, result, model, model.raw, other)
    return result


def _validate(
    ctx: Context, result: ResourceResult, model: Model, raw: dict, other: Model | None
) -> None:
    res = result.resource
    result.model = model
    body = res.body
    version = ctx.target.version if model.version is not None else None
    # The API server prunes fields set to null (`autoAssign:` with nothing after it) before it
    # validates: an empty optional field is no error, an empty required one is missing.
    for problem in problems(model.validator, _without_nulls(body)):
        if _placeholder(body, problem.value_path) or _sexagesimal(
            res.doc, (*res.base, *problem.value_path), problem
        ):
            continue
        location = _resource_location(res, problem)
        if problem.keyword == "required" and _dig(body, (*problem.path, problem.missing)) is None:
            problem.message += " (it is empty here, and the API server drops empty fields)"
            location = res.location(*problem.path, problem.missing, key=True)
        result.problems.append((problem, location))
    result.keys = list(check_keys(model.tree, raw, body, version))
    # A required field missing beside an unknown key that looks like it: one finding, there.
    unknown = [k for k in result.keys if k.kind == "unknown"]
    for index, (problem, _) in enumerate(result.problems):
        if problem.keyword != "required" or problem.missing is None:
            continue
        for key in unknown:
            if key.path[:-1] == problem.path and closest(key.key, [problem.missing]):
                result.misspelt[key.path] = (problem.path, problem.missing)
                problem.message += f" (`{key.key}` looks like a misspelling of it)"
                result.problems[index] = (problem, res.location(*key.path, key=True))
                break
    if other is not None:  # v1beta1 BGPPeer: fields only v1beta2 has
        newer = other.tree.get("properties", {}).get("spec", {}).get("properties") or {}
        for key in result.keys:
            if key.kind == "unknown" and key.path[:1] == ("spec",) and len(key.path) == 2:
                key.info = {"x-v1beta2": True} if key.key in newer else key.info


_MISSING = object()


def _without_nulls(node: object, depth: int = 0) -> object:
    if depth > 200:
        return node
    if isinstance(node, dict):
        return {k: _without_nulls(v, depth + 1) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_without_nulls(v, depth + 1) for v in node]
    return node


def _dig(data: object, path: tuple) -> object:
    """The value at `path`, or _MISSING."""
    node = data
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                return _MISSING
        elif not (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            return _MISSING
        node = node[part]  # type: ignore[index]
    return node


def _placeholder(body: object, path: tuple) -> bool:
    node = _dig(body, path)
    return isinstance(node, str) and has_placeholder(node)


def _sexagesimal(doc, path: tuple, problem: SchemaProblem) -> bool:
    """A plain `64496:1` that PyYAML (YAML 1.1) reads as a base-60 number, where Kubernetes and
    Helm (go-yaml) read the string the schema wants: not a problem."""
    if problem.keyword != "type" or not isinstance(_dig(doc.data, path), (int, float)):
        return False
    wanted = problem.schema_type
    if "string" not in wanted:
        return False
    line, column, end_line, end_column = doc.positions.span(path)
    if line != end_line:
        return False
    lines = doc.text.split("\n")
    index = doc.text_index(line)
    text = lines[index][column - 1 : end_column] if 0 <= index < len(lines) else ""
    return ":" in text


def _resource_location(res: Resource, problem: SchemaProblem) -> Location:
    if problem.keyword == "required":
        if not problem.path:
            return res.head
        # the mapping's key, or a list item itself
        return res.location(*problem.path, key=isinstance(problem.path[-1], str))
    return res.location(*problem.path, key=problem.key)


def _label(res: Resource) -> str:
    return f"{res.kind} '{res.name or '<unnamed>'}'"


# -- chart values --------------------------------------------------------------------------------


@dataclass
class ValuesResult:
    """A values source of the official chart checked against its release's schema."""

    check: ValuesCheck
    problems: list[tuple[SchemaProblem, Location]] = field(default_factory=list)
    keys: list[KeyProblem] = field(default_factory=list)
    merged: dict = field(default_factory=dict)


@cached
def values_results(ctx: Context) -> list[ValuesResult]:
    results = []
    for check in values_checks(ctx.inventory, vendored_cache(ctx)):
        if check.model is None or check.disabled_by is not None:
            continue
        result = ValuesResult(check)
        user = check.source.data
        merged = coalesce(check.model.defaults, user)
        result.merged = merged if isinstance(merged, dict) else {}
        found = problems(check.model.validator, merged)
        for problem in _merge_misspellings(found):
            location = _values_location(check, problem)
            skip = _placeholder(user, problem.value_path) or _sexagesimal(
                check.source.doc, (*check.source.base, *problem.value_path), problem
            )
            if location is not None and not skip:
                result.problems.append((problem, location))
        result.keys = list(
            check_keys(check.model.tree, check.model.raw, user, check.version, (), check.allowed)
        )
        results.append(result)
    return results


def _merge_misspellings(found: list[SchemaProblem]) -> list[SchemaProblem]:
    """A key that is not allowed beside a missing required one it resembles: one problem."""
    extra = {p.path: p for p in found if p.keyword == "additionalProperties"}
    out = []
    for problem in found:
        if problem.keyword == "required" and problem.missing is not None:
            for path in list(extra):
                if path[:-1] == problem.path and closest(str(path[-1]), [problem.missing]):
                    problem.message += f" (`{path[-1]}` looks like a misspelling of it)"
                    problem.path, problem.missing = path, None
                    problem.keyword = "misspelt"
                    problem.value_path = path
                    del extra[path]
                    break
        out.append(problem)
    return [p for p in out if p.keyword != "additionalProperties" or p.path in extra]


def _written(data: object, path: tuple) -> bool:
    return _dig(data, path) is not _MISSING


def _values_location(check: ValuesCheck, problem: SchemaProblem) -> Location | None:
    """Where the user wrote what makes the merged values fail; None: the chart's own defaults."""
    user = check.source.data
    if problem.keyword == "required" and problem.missing is not None:
        nulled = (*problem.path, problem.missing)
        if _written(user, nulled):
            return check.location(nulled, key=True)
        if problem.path and _written(user, problem.path):
            return check.location(problem.path, key=isinstance(problem.path[-1], str))
        return None
    if _written(user, problem.value_path):
        return check.location(problem.value_path, key=problem.key)
    return None


# -- rules -------------------------------------------------------------------------------------


@rule("ML101")
def invalid_resource(ctx: Context) -> Iterator[Finding]:
    for result in resource_results(ctx):
        res = result.resource
        if result.issue is not None and result.issue.rule == "ML101":
            yield ctx.finding(
                "ML101",
                f"{_label(res)}: {result.issue.message}",
                result.issue.location,
                resource=res.ref,
                anchor="kind",
            )
        for problem, location in result.problems:
            yield ctx.finding(
                "ML101",
                f"{_label(res)}: {problem.message}; the API server refuses the object "
                f"({result.source})",
                location,
                resource=res.ref,
                anchor=problem.anchor,
            )


@rule("ML102")
def unknown_field(ctx: Context) -> Iterator[Finding]:
    for result in resource_results(ctx):
        res = result.resource
        for key in result.keys:
            if key.kind != "unknown" or key.path in result.misspelt:
                continue
            hint = key.suggestion()
            did = f" Did you mean `{hint}`?" if hint else ""
            spec = (result.model.tree if result.model else {}).get("properties", {}).get("spec")
            if len(key.path) == 1 and key.key in (spec or {}).get("properties", {}):
                did = f" It belongs under `spec`: `spec.{key.key}`."
            extra = ""
            if key.info.get("x-v1beta2"):
                extra = (
                    f" `{key.key}` exists only in apiVersion {GROUP}/v1beta2: switch the "
                    "BGPPeer to it."
                )
            yield ctx.finding(
                "ML102",
                f"{_label(res)}: `{where(key.path)}` is not a field of {res.kind} "
                f"{res.api_version} in {result.source}; the API server drops it silently, so "
                f"it has no effect.{did}{extra}",
                res.location(*key.path, key=True),
                resource=res.ref,
                anchor=where(key.path),
            )


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?")) else text + "."


def _chart_label(check: ValuesCheck) -> str:
    origin = check.model.origin if check.model and check.model.origin else ""
    if origin:
        return f"the metallb chart {check.version} vendored in {origin}"
    return f"the metallb chart {check.version}"


# Keys of MetalLB's old ConfigMap configuration that guides put into chart values.
_LEGACY_KEYS = {
    "protocol": "MetalLB has no protocol setting: an L2Advertisement (layer 2) or a "
    "BGPAdvertisement (BGP) resource selects how each pool is announced.",
    "address-pools": "Address pools are IPAddressPool resources (with an L2Advertisement or "
    "BGPAdvertisement), not chart values.",
    "addresses": "Addresses belong in IPAddressPool resources, not chart values.",
    "peers": "BGP peers are BGPPeer resources, not chart values.",
}


@rule("ML103")
def unknown_values_key(ctx: Context) -> Iterator[Finding]:
    for result in values_results(ctx):
        check = result.check
        for key in result.keys:
            if key.kind not in ("unknown", "schema-only"):
                continue
            hint = key.suggestion()
            did = f" Did you mean `{hint}`?" if hint else ""
            fix = _rename_key_fix(ctx, check, key, hint) if hint else None
            if len(key.path) == 1 and key.key in _LEGACY_KEYS:
                did = " " + _LEGACY_KEYS[key.key]
                fix = None
            why = ""
            if key.kind == "schema-only":
                why = " (the chart's values.schema.json declares it, but no template reads it)"
            yield ctx.finding(
                "ML103",
                f"`{where(key.path)}` is not a value of {_chart_label(check)}{why}: Helm "
                f"accepts it and ignores it, so it has no effect.{did}",
                check.location(key.path, key=True),
                resource=check.ref,
                anchor=where(key.path),
                fix=fix,
            )
    yield from _misplaced_in_umbrella(ctx)
    for item in third_party_values(ctx.inventory):
        finding = ctx.finding(
            "ML103",
            f"values not checked: this chart named metallb comes from "
            f"{item.repository or 'a repository that is not MetalLB'}, not from MetalLB's own "
            "chart repository (https://metallb.github.io/metallb), and metallb-lint knows only "
            "the official chart's values",
            item.location,
            resource=item.owner,
            anchor="third-party-chart",
        )
        finding.severity = Severity.INFO
        yield finding


def _rename_key_fix(ctx: Context, check, key: KeyProblem, hint: str) -> Fix | None:
    """The misspelt key renamed to the closest known one (unsafe: a guess at what was meant,
    and the value starts to take effect). Not where the mapping already has that key."""
    parent: object = check.source.data
    for part in key.path[:-1]:
        parent = parent.get(part) if isinstance(parent, dict) else None
    if not isinstance(parent, dict) or hint in parent:
        return None
    edit = replace_scalar(ctx, check.location(key.path, key=True), key.key, hint)
    return Fix(UNSAFE, f"rename `{key.key}` to `{hint}`", (edit,)) if edit is not None else None


def _misplaced_in_umbrella(ctx: Context) -> Iterator[Finding]:
    """MetalLB's keys at the top level of an umbrella chart's values, not under the subchart's
    key: no template of either chart reads them."""
    inv = ctx.inventory
    for chart in inv.charts:
        for values in inv.values:
            if values.is_metallb or values.owner.kind != "Chart" or values.base:
                continue
            if posixpath.dirname(values.doc.path) != chart.directory:
                continue
            for key, subchart in misplaced_subchart_keys(chart, values, inv.files):
                yield ctx.finding(
                    "ML103",
                    f"`{key}` sits at the top level of the values of chart "
                    f"{chart.name or chart.directory}, but Helm passes the metallb subchart only "
                    f"what is under `{subchart}:`, and no template of this chart reads "
                    f"`.Values.{key}`: it has no effect. Move it under `{subchart}:`",
                    values.doc.location((key,), key=True),
                    resource=values.owner,
                    anchor=f"umbrella:{key}",
                )


_HINTS = {
    "interval": " Leave it null: the chart writes the value into the PodMonitor/ServiceMonitor "
    "as it is, and its schema allows no duration string.",
}


@rule("ML104")
def invalid_values(ctx: Context) -> Iterator[Finding]:
    for result in values_results(ctx):
        check = result.check
        for problem, location in result.problems:
            hint = ""
            if problem.value_path and problem.value_path[-1] in _HINTS:
                hint = _HINTS[str(problem.value_path[-1])]
            if (
                problem.keyword == "required"
                and _dig(check.source.data, (*problem.path, problem.missing)) is None
            ):
                hint = f" The `null` here deletes the chart's default.{hint}"
            if problem.keyword == "$schema" or NOT_CHECKED in problem.message:
                # metallb-lint could not evaluate the schema: say so, claim nothing about Helm
                consequence = (
                    f" {_chart_label(check)}'s values.schema.json: Helm may refuse the values; "
                    "check them with 'helm template'."
                )
            else:
                consequence = (
                    f" Helm refuses to render {_chart_label(check)}: its values.schema.json "
                    f"rejects the values (merged over the chart's defaults).{hint}"
                )
            yield ctx.finding(
                "ML104",
                f"{_sentence(problem.message)}{consequence}",
                location,
                resource=check.ref,
                anchor=problem.anchor,
            )


def _lone_namespace(ctx: Context, resources: list[Resource]) -> str | None:
    """The one namespace every MetalLB resource sits in, when it is not MetalLB's default and
    nothing in the repository shows where MetalLB runs: no install of any kind (chart,
    manifests, images, a third-party chart), no Namespace object of that name."""
    inv = ctx.inventory
    if inv.install_sites or inv.other_sites or inv.release_sites:
        return None  # MetalLB is installed here, into a namespace not read: not judged
    namespaces = {res.effective_namespace for res in resources}
    if len(namespaces) != 1:
        return None
    (only,) = namespaces
    if only is None or only == ctx.target.namespace or has_placeholder(only):
        return None
    if any((r.kind == "Namespace" and r.name == only) or _runs_metallb(r) for r in inv.resources):
        return None
    return only


def _runs_metallb(res: Resource) -> bool:
    """A Deployment or DaemonSet running a MetalLB image (a vendored install, maybe with
    its release set elsewhere): it shows where MetalLB runs."""
    if res.kind not in ("Deployment", "DaemonSet"):
        return False
    containers = res.get("spec", "template", "spec", "containers")
    return any(
        isinstance(c, dict) and "metallb" in str(c.get("image", "")).lower()
        for c in (containers if isinstance(containers, list) else [])
    )


def _assumed_namespace(ctx: Context, namespace: str, resources: list[Resource]) -> Finding:
    """One info finding: every MetalLB resource is in `namespace`, and MetalLB's namespace can
    only be assumed. Not an error: MetalLB may well run there, installed from elsewhere."""
    wanted = ctx.target.namespace
    ordered = sorted(resources, key=lambda r: (r.path, r.head.line))
    first = ordered[0]
    if first.namespace == namespace and isinstance(first.get("metadata", "namespace"), str):
        location = first.location("metadata", "namespace")
    else:
        location = first.name_location
    count = len(ordered)
    finding = ctx.finding(
        "ML108",
        f"all {count} MetalLB resource{'s' if count > 1 else ''} of the repository "
        f"{'are' if count > 1 else 'is'} in namespace '{namespace}', and nothing in the "
        f"repository shows where MetalLB runs, so its documented namespace '{wanted}' is "
        "assumed: MetalLB reads its resources only from the namespace it runs in, and if that "
        f"is '{wanted}', it ignores all of these (its webhook refuses them). If MetalLB runs in "
        f"'{namespace}', set `namespace: {namespace}` in .metallb-lint.yaml",
        location,
        resource=first.ref,
        related=[Related(r.name_location, _label(r)) for r in ordered[1:11]],
        anchor="metadata.namespace:assumed",
    )
    finding.severity = Severity.INFO
    return finding


@rule("ML108")
def wrong_namespace(ctx: Context) -> Iterator[Finding]:
    """MetalLB's namespace when the repository says where MetalLB is installed; otherwise the
    namespace most MetalLB resources of the same deployment unit share (multi-cluster
    repositories install MetalLB into different namespaces)."""
    target = ctx.target
    assumed = target.namespace_source == "default"
    resources = [
        res
        for res in ctx.inventory.resources
        if res.group == GROUP
        and res.kind
        and res.kind not in STATUS_KINDS
        and res.effective_namespace is not None
    ]
    expected: dict[str, str] = {}
    lone = _lone_namespace(ctx, resources) if assumed else None
    if lone is not None:
        yield _assumed_namespace(ctx, lone, resources)
        return
    if assumed:
        counts: dict[str, dict[str, int]] = {}
        for res in resources:
            unit = counts.setdefault(res.unit, {})
            unit[res.effective_namespace] = unit.get(res.effective_namespace, 0) + 1
        for unit, seen in counts.items():
            expected[unit] = max(sorted(seen), key=lambda ns: (seen[ns], ns == target.namespace))
    effect = (
        "its admission webhook refuses to create it there"
        if target.version >= Version(0, 13, 5)
        else "it never sees it"
    )
    for res in resources:
        actual = res.effective_namespace
        wanted = expected[res.unit] if assumed else target.namespace
        if actual == wanted:
            continue
        if res.namespace == actual and isinstance(res.get("metadata", "namespace"), str):
            location = res.location("metadata", "namespace")
            how = ""
        else:
            location = res.name_location
            how = " (set by its kustomization or Argo CD application)"
        if assumed:
            why = (
                f"the other MetalLB resources of {res.unit} are in '{wanted}', and MetalLB reads "
                "its resources only from the one namespace it runs in (nothing in the "
                "repository says which: set `namespace` in .metallb-lint.yaml)"
            )
        else:
            why = (
                f"MetalLB reads its resources only from its own namespace '{wanted}' (from "
                f"{target.namespace_source})"
            )
        yield ctx.finding(
            "ML108",
            f"{_label(res)} is in namespace '{actual}'{how}, but {why}, and {effect}. Move it "
            f"to '{wanted}'",
            location,
            resource=res.ref,
            anchor="metadata.namespace",
        )
