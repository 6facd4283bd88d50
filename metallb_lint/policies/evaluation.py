"""Running a policy: its target in each matched subject against its schema, errors to findings.

Where a finding points:
- at the failing value (at its key when the value is a block mapping or list);
- when the target itself is missing or null, at the subject (a resource's name line): the
  schema is then checked against an empty mapping, so `required` fails as it should;
- for `required`, at the mapping that lacks the key, or at the subject when that mapping is
  the target itself;
- `additionalProperties: false` gives one finding per extra key, at that key.
Its anchor is the JSON path of the failing value (for `required`, of the missing key), so a
baseline keeps matching it when lines move.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache

from metallb_lint.findings import Finding, Location
from metallb_lint.load.documents import PathKey
from metallb_lint.metallb.safeschema import safe_class
from metallb_lint.metallb.versions import METALLB_IO_ANNOTATIONS, Version
from metallb_lint.model.service_requests import NEW_PREFIX, OLD_PREFIX
from metallb_lint.policies import mini
from metallb_lint.policies.formats import KEYWORDS, format_checker
from metallb_lint.policies.loader import PLACEHOLDER, pointer_tokens
from metallb_lint.policies.model import Policy
from metallb_lint.policies.subjects import Subject, dotted, subjects

NOT_SET = "(not set)"
_MISSING = object()


@cache
def _validator_class():
    import jsonschema

    return jsonschema.validators.extend(safe_class(jsonschema.Draft202012Validator), KEYWORDS)


def compile_schema(schema: dict | bool):
    """The small evaluator when the schema allows it (no jsonschema import), else jsonschema."""
    if mini.supported(schema):
        return mini.MiniValidator(schema)
    return _validator_class()(schema, format_checker=format_checker())


@cache
def validator_for(policy: Policy):
    """The compiled schema of a policy (jsonschema imported on first use), once per policy."""
    return compile_schema(policy.schema)


def resolve(data: object, tokens: tuple[str, ...]) -> tuple[object, PathKey]:
    """The value at a JSON pointer and its concrete path (list indices as ints);
    `_MISSING` when the pointer leads nowhere."""
    node = data
    path: list[str | int] = []
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
            path.append(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
            path.append(int(token))
        else:
            return _MISSING, tuple(path)
    return node, tuple(path)


def show(value: object) -> str:
    if value is _MISSING:
        return NOT_SET
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def annotation_prefix(version: Version) -> str:
    return NEW_PREFIX if version >= METALLB_IO_ANNOTATIONS else OLD_PREFIX


def render(template: str, values: dict[str, str], document: object) -> str:
    def replace(match) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name.startswith("/"):
            found, _ = resolve(document, pointer_tokens(name))
            return NOT_SET if found is _MISSING else show(found)
        return values.get(name, token)

    return PLACEHOLDER.sub(replace, template)


def _required_missing(error) -> str | None:
    instance = error.instance
    for name in error.validator_value or ():
        missing = isinstance(instance, dict) and name not in instance
        if missing and error.message == f"{name!r} is a required property":
            return name
    return None


def _expand(error) -> Iterator[tuple[PathKey, object, str, object, str, bool]]:
    """(path, failing value, keyword, schema node, detail, at_key) per reportable problem."""
    path = tuple(error.absolute_path)
    node = error.schema
    if error.validator == "additionalProperties" and error.validator_value is False:
        for extra in mini.MiniValidator._additional(node, error.instance):
            yield (
                (*path, extra),
                error.instance[extra],
                "additionalProperties",
                node,
                f"'{extra}' is not allowed here",
                True,
            )
        return
    if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
        # jsonschema reports a bad key at its mapping; point at the key itself
        yield (*path, error.instance), error.instance, error.validator, node, error.message, True
        return
    yield path, error.instance, error.validator, node, error.message, False


def check(policy: Policy, subject: Subject, version: Version) -> Iterator[Finding]:
    version = subject.version or version
    data = subject.data  # (built on each access for some subjects: once here)
    value, target_path = resolve(data, policy.target)
    missing = value is _MISSING or value is None
    instance = {} if missing else value
    seen: set[tuple] = set()
    for error in validator_for(policy).iter_errors(instance):
        for rel, bad, keyword, node, detail, at_key in _expand(error):
            full = (*target_path, *rel) if not missing else (*policy_path(policy), *rel)
            lacking = _required_missing(error) if keyword == "required" else None
            anchor_path = (*full, lacking) if lacking is not None else full
            location = _where(subject, full, rel, bad, keyword, missing, at_key)
            shown = NOT_SET if keyword == "required" or (missing and not rel) else show(bad)
            last = anchor_path[-1] if anchor_path else ""
            template = policy.message
            if isinstance(node, dict) and isinstance(node.get("message"), str):
                template = node["message"].strip()
            message = render(
                template,
                {
                    "id": policy.id,
                    "name": subject.name or "<unnamed>",
                    "namespace": subject.namespace or "",
                    "kind": subject.kind,
                    "label": subject.label,
                    "value": shown,
                    "key": str(last),
                    "path": dotted(anchor_path),
                    "error": detail,
                    "version": str(version),
                    "annotationPrefix": annotation_prefix(version),
                },
                data,
            )
            anchor = subject.anchor(anchor_path)
            key = (location, message, anchor)
            if key in seen:
                continue
            seen.add(key)
            yield Finding(
                rule=policy.id,
                name=policy.name,
                severity=policy.severity,
                message=message,
                location=location,
                resource=subject.ref,
                anchor=anchor,
                extra={"policy": f"{policy.source}:{policy.line}"} if not policy.builtin else {},
            )


def policy_path(policy: Policy) -> PathKey:
    """The target's path as written (for anchors when it is missing from the document)."""
    return tuple(int(t) if t.isdigit() else t for t in policy.target)


def _where(
    subject: Subject,
    full: PathKey,
    rel: PathKey,
    bad: object,
    keyword: str,
    missing: bool,
    at_key: bool,
) -> Location:
    if missing or not full:
        return subject.head
    if keyword == "required":
        if not rel:
            return subject.head  # a key the target itself lacks: the value is missing
        return subject.locate(full, isinstance(full[-1], str))
    if at_key:
        return subject.locate(full, True)
    value = subject.locate(full, False)
    if isinstance(bad, (dict, list)) and isinstance(full[-1], str):
        key = subject.locate(full, True)
        if key.line != value.line:
            return key  # a block mapping or list: its key line, not its first item's
    return value


def evaluate(policy: Policy, ctx) -> Iterator[Finding]:
    version = ctx.inventory.target.version
    valid = validator_for(policy).is_valid
    target = policy.target
    for subject in subjects(policy, ctx):
        value = resolve(subject.data, target)[0]
        if valid({} if value is _MISSING or value is None else value):
            continue  # most subjects pass: no error objects, no generators
        yield from check(policy, subject, version)


__all__ = ["Location", "compile_schema", "evaluate"]
