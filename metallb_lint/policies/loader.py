"""Policy files to `Policy` objects, or a `UsageError` naming `file:line` (exit 2).

A file holds one policy or a YAML list of them. It is validated against `schemas/policy.json`,
then further: user IDs must not start with ML; the policy's `schema` must be valid JSON Schema
2020-12 using only known keywords (plus `message`, `maxAddresses`, `minAddresses`), known formats,
local `$ref`s and valid regular expressions; message placeholders must be known; `chart` goes
with `kind: HelmValues` only. A mistake is a load error, never a rule that silently does nothing.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable

from metallb_lint.errors import UsageError
from metallb_lint.findings import Severity
from metallb_lint.inputlog import note_path
from metallb_lint.load.documents import Chunk, compose_chunk
from metallb_lint.load.filetext import decode
from metallb_lint.metallb.schema import TYPE_NAMES, describe, unknown_key, where
from metallb_lint.policies.formats import (
    ADDRESS_KEYWORDS,
    keyword_problem,
    known_formats,
)
from metallb_lint.policies.model import (
    KINDS,
    PSEUDO_KINDS,
    VALUES_KINDS,
    Example,
    MatchBlock,
    Policy,
    VersionRange,
)
from metallb_lint.resources import load_schema
from metallb_lint.safeio import read_bytes, regular_file_problem, walk_files

POLICY_SUFFIXES = (".yaml", ".yml")

# JSON Schema 2020-12 keywords (core, applicator, unevaluated, validation, format, meta-data,
# content vocabularies), and ours.
SCHEMA_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
        "$comment", "$defs",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
        "prefixItems", "items", "contains", "properties", "patternProperties",
        "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
        "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
        "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
        "required", "dependentRequired",
        "format",
        "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
        "contentEncoding", "contentMediaType", "contentSchema",
    }
)  # fmt: skip
OUR_KEYWORDS = frozenset({"message", *ADDRESS_KEYWORDS})
_OLD_KEYWORDS = {
    "definitions": "$defs",
    "dependencies": "dependentRequired or dependentSchemas",
    "additionalItems": "items (with prefixItems)",
    "$recursiveRef": "$dynamicRef",
    "errorMessage": "message",
}
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "not",
    "if",
    "then",
    "else",
    "items",
    "contains",
    "additionalProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)

PLACEHOLDERS = (
    "id",
    "name",
    "namespace",
    "kind",
    "label",
    "value",
    "key",
    "path",
    "error",
    "version",
    "annotationPrefix",
)
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_POINTER = re.compile(r"^(/([^~/]|~[01])*)*$")

Locate = Callable[[tuple, bool], int]


class _Problem(Exception):
    def __init__(self, path: tuple, message: str, key: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.key = key


# -- files -----------------------------------------------------------------------------------


def policy_files(location: str, display: str) -> list[tuple[str, str]]:
    """(path, display) of the policy files of a directory (recursively) or of one file."""
    if not os.path.isdir(location):
        problem = regular_file_problem(location)
        if problem is None:
            return [(location, display)]
        if problem == "no such file":
            raise UsageError(f"policies: {display}: no such directory")
        raise UsageError(f"policies: {display}: {problem}")
    found = []
    for path in walk_files(location, MAX_POLICY_DEPTH, note=note_path):
        if path.endswith(POLICY_SUFFIXES):
            shown = os.path.join(display, os.path.relpath(path, location))
            found.append((path, shown.replace(os.sep, "/")))
    if not found:
        raise UsageError(f"policies: {display}: no policy files (*.yaml, *.yml) in it")
    return found


_CACHE: dict[tuple, list[Policy]] = {}
MAX_POLICY_DEPTH = 32  # folders below a policies directory


def load_policy_file(
    path: str, display: str, *, builtin: bool = False, validate: bool = True
) -> list[Policy]:
    try:
        stat = os.stat(path)
        raw = read_bytes(path)
    except OSError as exc:
        raise UsageError(f"{display}: cannot read policy file: {exc.strerror or exc}") from None
    key = (os.path.abspath(path), display, stat.st_mtime_ns, stat.st_size, builtin, validate)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    policies = parse_policies(raw, display, builtin=builtin, validate=validate)
    _CACHE[key] = policies
    return policies


def parse_policies(
    raw: bytes | str, display: str, *, builtin: bool = False, validate: bool = True
) -> list[Policy]:
    """`validate=False` skips the checks that need jsonschema (for the built-in policies,
    which the test suite validates), so that a run pays for jsonschema only when needed."""
    try:
        text = raw if isinstance(raw, str) else decode(raw)
    except UnicodeDecodeError as exc:
        raise UsageError(f"{display}:1: policy file is not UTF-8 text") from exc
    doc, problems = compose_chunk(display, Chunk(1, text), 0)
    for problem in problems:
        raise UsageError(f"{display}:{problem.location.line}: invalid policy: {problem.message}")
    if doc is None:
        raise UsageError(f"{display}:1: invalid policy: the file is empty")

    def locate(path: tuple, key: bool = False) -> int:
        key = key and bool(path) and isinstance(path[-1], str)
        return doc.location(path, key=key).line

    data = doc.data
    try:
        if validate:
            _validate_shape(data)
        items = data if isinstance(data, list) else [data]
        policies = []
        for index, item in enumerate(items):
            base = (index,) if isinstance(data, list) else ()
            policies.append(_build(item, base, display, locate, builtin, validate))
    except _Problem as problem:
        line = locate(problem.path, problem.key)
        raise UsageError(f"{display}:{line}: invalid policy: {problem.message}") from None
    seen: dict[str, Policy] = {}
    for policy in policies:
        for what in (policy.id, policy.name):
            if what in seen:
                raise UsageError(
                    f"{display}:{policy.line}: invalid policy: '{what}' is defined twice in "
                    f"this file (first at line {seen[what].line})"
                )
            seen[what] = policy
    return policies


# -- shape (schemas/policy.json) -------------------------------------------------------------


def _where(path: tuple) -> str:
    return where(path) or "the policy"


_PATTERNS = {
    "id": "a policy ID: uppercase letters then digits, like ORG001",
    "name": "a policy name: lowercase words joined by '-', like pools-avoid-buggy-ips",
    "target": "a JSON pointer like /spec or /spec/addresses",
    "metallbVersion": "a version constraint like '>=0.14.0' or '>=0.13.0, <0.15.0'",
}


def _shape_problem(error) -> _Problem:
    path = tuple(error.absolute_path)
    where = _where(path)
    last = next((p for p in reversed(path) if isinstance(p, str)), None)
    if error.validator == "additionalProperties" and (unknown := unknown_key(error)):
        key, message = unknown
        return _Problem((*path, key), f"{where}: {message}", key=True)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return _Problem(path, f"{where}: '{missing[0]}' is required", key=True)
    if error.validator == "type":
        wanted = error.validator_value
        wanted = wanted if isinstance(wanted, str) else " or ".join(TYPE_NAMES[w] for w in wanted)
        return _Problem(
            path,
            f"{where} must be {TYPE_NAMES.get(wanted, wanted)}, not {describe(error.instance)}",
        )
    if error.validator == "enum":
        values = error.validator_value
        if "IPAddressPool" in values:
            return _Problem(
                path,
                f"{where}: '{error.instance}' is not a kind policies can match (known kinds: "
                f"{', '.join(KINDS)}; other objects are not read by metallb-lint)",
            )
        choices = ", ".join(str(v) for v in values)
        return _Problem(path, f"{where}: {describe(error.instance)} is not one of {choices}")
    if error.validator == "pattern" and last in _PATTERNS:
        return _Problem(path, f"{where}: {describe(error.instance)} is not {_PATTERNS[last]}")
    if error.validator == "minItems":
        return _Problem(path, f"{where} must not be empty")
    if error.validator == "minLength":
        return _Problem(path, f"{where} must not be empty")
    if error.validator == "maxLength":
        return _Problem(path, f"{where} is longer than {error.validator_value} characters")
    return _Problem(path, f"{where}: {error.message}")


def _validate_shape(data: object) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema("policy.json"))
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    if data is None or not isinstance(data, (dict, list)):
        raise _Problem((), f"a policy file holds a policy or a list of them, not {describe(data)}")
    errors.sort(key=lambda e: (len(e.absolute_path) == 0, [str(p) for p in e.absolute_path]))
    raise _shape_problem(errors[0])


# -- one policy ------------------------------------------------------------------------------


def _listed(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)  # type: ignore[arg-type]


def _build(
    item: dict, base: tuple, display: str, locate: Locate, builtin: bool, validate: bool
) -> Policy:
    policy_id = item["id"]
    if not builtin and policy_id.startswith("ML"):
        raise _Problem(
            (*base, "id"),
            f"id '{policy_id}': IDs starting with ML belong to the built-in catalog; give "
            "your policy an ID of your own, like ORG001",
        )
    matches = _matches(item["match"], (*base, "match"))
    schema = item["schema"]
    if validate:
        _check_schema(schema, (*base, "schema"))
    check_placeholders(item["message"], (*base, "message"))
    target_text = item.get("target", "")
    examples = item.get("examples") or {}
    passing = [
        Example(e, locate((*base, "examples", "pass", i), False))
        for i, e in enumerate(examples.get("pass", []))
    ]
    failing = [
        Example(e, locate((*base, "examples", "fail", i), False))
        for i, e in enumerate(examples.get("fail", []))
    ]
    return Policy(
        id=policy_id,
        name=item["name"],
        severity=Severity.parse(item["severity"]),
        summary=(item.get("summary") or "").strip(),
        description=(item.get("description") or "").strip(),
        remediation=(item.get("remediation") or "").strip(),
        enabled=item.get("enabled", True),
        matches=matches,
        target=pointer_tokens(target_text),
        target_text=target_text,
        schema=schema,
        message=item["message"].strip(),
        source=display,
        line=locate((*base, "id"), True),
        builtin=builtin,
        passing=passing,
        failing=failing,
        examples_version=examples.get("metallbVersion"),
    )


def pointer_tokens(pointer: str) -> tuple[str, ...]:
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:])


def _matches(value: object, path: tuple) -> tuple[MatchBlock, ...]:
    blocks = value if isinstance(value, list) else [value]
    out = []
    for index, block in enumerate(blocks):
        where = (*path, index) if isinstance(value, list) else path
        kinds = _listed(block["kind"])
        pseudo = [k for k in kinds if k in PSEUDO_KINDS]
        if "chart" in block and set(kinds) != {"HelmValues"}:
            raise _Problem(
                (*where, "chart"),
                "match.chart applies to kind HelmValues only (the values of a Helm chart)",
                key=True,
            )
        if "apiVersion" in block and pseudo:
            raise _Problem(
                (*where, "apiVersion"),
                f"match.apiVersion does not apply to {pseudo[0]}, which is a view metallb-lint "
                "builds, not a Kubernetes object; match it by kind only",
                key=True,
            )
        values = [k for k in kinds if k in VALUES_KINDS]
        if "labels" in block and values:
            raise _Problem(
                (*where, "labels"), f"match.labels does not apply to {values[0]}", key=True
            )
        versions = None
        if "metallbVersion" in block:
            versions = VersionRange.parse(block["metallbVersion"])
            if versions is None:  # pragma: no cover - the schema's pattern catches it first
                raise _Problem((*where, "metallbVersion"), "not a version constraint")
        out.append(
            MatchBlock(
                kinds=kinds,
                api_versions=_listed(block.get("apiVersion")),
                namespaces=_listed(block.get("namespace")),
                names=_listed(block.get("name")),
                labels=tuple(sorted((block.get("labels") or {}).items())),
                charts=_listed(block.get("chart")),
                versions=versions,
                modes=_listed(block.get("mode")),
            )
        )
    return tuple(out)


def check_placeholders(text: str, path: tuple) -> None:
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name is None:
            continue  # {{ or }}: a literal brace
        if name.startswith("/"):
            if not _POINTER.match(name):
                raise _Problem(path, f"placeholder {{{name}}} is not a JSON pointer")
            continue
        if name not in PLACEHOLDERS:
            close = difflib.get_close_matches(name, PLACEHOLDERS, n=1)
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            raise _Problem(
                path,
                f"unknown placeholder {{{name}}} in the message ({hint}known: "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                + ", or a JSON pointer like {/spec/autoAssign}; write {{ and }} for braces)",
            )


def _check_schema(schema: object, path: tuple) -> None:
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise _Problem((*path, *exc.absolute_path), f"invalid JSON Schema: {exc.message}") from None
    _walk(schema, path, known_formats())


def _walk(node: object, path: tuple, formats: frozenset[str]) -> None:
    if isinstance(node, bool):
        return
    if not isinstance(node, dict):  # pragma: no cover - check_schema refuses it first
        raise _Problem(path, "a schema must be a mapping or true/false")
    for keyword, value in node.items():
        here = (*path, keyword)
        if keyword not in SCHEMA_KEYWORDS and keyword not in OUR_KEYWORDS:
            if keyword in _OLD_KEYWORDS:
                hint = f"JSON Schema 2020-12 spells it {_OLD_KEYWORDS[keyword]}"
            else:
                close = difflib.get_close_matches(
                    str(keyword), sorted(SCHEMA_KEYWORDS | OUR_KEYWORDS), n=1
                )
                hint = f"did you mean '{close[0]}'?" if close else "see docs/policies.md"
            raise _Problem(
                here,
                f"unknown schema keyword '{keyword}' ({hint}); an unknown keyword would check "
                "nothing",
                key=True,
            )
        if keyword == "format" and value not in formats:
            raise _Problem(
                here,
                f"unknown format '{value}' (known: {', '.join(sorted(formats))})",
            )
        if keyword == "$ref" and not str(value).startswith("#"):
            raise _Problem(here, f"$ref '{value}': only local references (#/$defs/...) work")
        if keyword == "pattern":
            _regex(value, here)
        if keyword == "patternProperties":
            for pattern in value:
                _regex(pattern, (*here, pattern), key=True)
        if keyword == "message":
            if not isinstance(value, str) or not value.strip():
                raise _Problem(here, "message must be a non-empty string")
            check_placeholders(value, here)
        problem = keyword_problem(keyword, value)
        if problem:
            raise _Problem(here, problem)
        if keyword in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                _walk(sub, (*here, name), formats)
        elif keyword in _SCHEMA_LISTS and isinstance(value, list):
            for index, sub in enumerate(value):
                _walk(sub, (*here, index), formats)
        elif keyword in _SCHEMA_ONE:
            _walk(value, here, formats)


def _regex(pattern: object, path: tuple, key: bool = False) -> None:
    try:
        re.compile(str(pattern))
    except re.error as exc:
        raise _Problem(
            path, f"'{pattern}' is not a valid regular expression: {exc}", key=key
        ) from None


def load_locations(locations: Iterable[tuple[str, str]]) -> list[Policy]:
    """Every policy of these (path, display) directories or files; IDs and names must be
    unique among them and must not clash with the built-in catalog."""
    from metallb_lint.catalog import catalog

    builtin_names = {info.name: info.id for info in catalog().values()}
    policies: list[Policy] = []
    seen: dict[str, Policy] = {}
    done: set[str] = set()
    for location, display in locations:
        for path, shown in policy_files(location, display):
            if os.path.abspath(path) in done:
                continue  # named twice (config and --policies)
            done.add(os.path.abspath(path))
            for policy in load_policy_file(path, shown):
                if policy.name in builtin_names:
                    raise UsageError(
                        f"{policy.source}:{policy.line}: invalid policy: name '{policy.name}' "
                        f"is taken by the built-in rule {builtin_names[policy.name]}"
                    )
                for what in (policy.id, policy.name):
                    other = seen.get(what)
                    if other is not None and other is not policy:
                        raise UsageError(
                            f"{policy.source}:{policy.line}: invalid policy: '{what}' is "
                            f"already defined at {other.source}:{other.line}"
                        )
                    seen[what] = policy
                policies.append(policy)
    return policies
