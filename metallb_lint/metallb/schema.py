"""Version-aware JSON Schemas: the authored schemas of `schemas/`, specialised for one release.

One schema file per kind (`schemas/crds/`) and one chart values model (`schemas/chart-values/`)
describe every release at once; `x-since`/`x-until`/`x-variants` annotations (schemas/README.md)
say which release has what. `model(name, version)` specialises a file for one release, once per
process, and compiles its validator lazily, once: `jsonschema` is imported only when something is
validated. CRD manifests (`--crd`, a vendored chart) become models of the same shape, so the rules
read all of them alike.
"""

from __future__ import annotations

import copy
import difflib
import json
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import NamedTuple

from metallb_lint.metallb import minischema
from metallb_lint.metallb.minischema import MiniValidator
from metallb_lint.metallb.safeschema import NOT_CHECKED, safe_class
from metallb_lint.metallb.versions import KNOWN_VERSIONS, NEWEST, RELEASES, Version
from metallb_lint.resources import data_dir

CRD_DIR = "crds"
VALUES_MODEL = "chart-values/metallb.json"
GROUP = "metallb.io"
FIRST_CRD_RELEASE = Version(0, 13, 0)
FIRST_CHART_RELEASE = Version(0, 12, 0)
# Kinds MetalLB writes itself (status only); users never author them (facts §2).
# Kinds of the metallb.io group that the MetalLB Operator defines, not MetalLB: `MetalLB` tells
# the operator to install MetalLB. Their schema is the operator's (and its release's) business.
OPERATOR_KINDS = frozenset({"MetalLB"})

STATUS_KINDS = {
    "ServiceL2Status": Version(0, 14, 4),
    "ServiceBGPStatus": Version(0, 15, 0),
    "ConfigurationState": Version(0, 15, 3),
}
# Keywords a specialised tree keeps for validation; every `x-` annotation is dropped.
_CONTAINERS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "if", "then", "else", "contains")


def parse_version(text: object) -> Version | None:
    return Version.parse(text) if isinstance(text, str) else None


# -- loading and inlining ----------------------------------------------------------------------


@cache
def _load(name: str) -> dict:
    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))


def _merge(base: object, extra: object) -> object:
    """`extra` over `base`: mappings merge recursively, anything else replaces."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return extra


def _resolve(ref: str, name: str) -> tuple[dict, str]:
    target_file, _, pointer = ref.partition("#")
    file_name = name
    if target_file:
        file_name = posixpath.normpath(posixpath.join(posixpath.dirname(name), target_file))
    node: object = _load(file_name)
    for part in [p for p in pointer.split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]  # type: ignore[index]
    assert isinstance(node, dict), ref
    return node, file_name


def _inline(node: object, name: str, depth: int = 0) -> object:
    """Every `$ref` replaced by its target, sibling keywords merged over it (deeply)."""
    if depth > 64:  # pragma: no cover - the authored schemas are not recursive
        raise ValueError(f"{name}: $ref nesting too deep")
    if isinstance(node, list):
        return [_inline(item, name, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        target, target_file = _resolve(node["$ref"], name)
        base = _inline(target, target_file, depth + 1)
        siblings = {k: _inline(v, name, depth + 1) for k, v in node.items() if k != "$ref"}
        return _merge(base, siblings)
    out = {}
    for key, value in node.items():
        literal = key in ("default", "enum", "const", "x-variants", "$defs")
        out[key] = value if literal else _inline(value, name, depth + 1)
    return out


@cache
def annotated(name: str) -> dict:
    """The authored schema, references inlined, annotations kept: every release at once."""
    tree = _inline(_load(name), name)
    assert isinstance(tree, dict)
    tree.pop("$defs", None)
    return tree


# -- specialising for one release ----------------------------------------------------------------


def available(node: dict, version: Version) -> bool:
    """Does the release have this kind, field or key (`x-since` <= version < `x-until`)?"""
    since, until = parse_version(node.get("x-since")), parse_version(node.get("x-until"))
    return (since is None or since <= version) and (until is None or version < until)


def _variants(node: dict, version: Version) -> dict:
    variants = node.get("x-variants")
    if not variants:
        return node
    out = {k: v for k, v in node.items() if k != "x-variants"}
    for variant in variants:
        if available(variant, version):
            out.update({k: v for k, v in variant.items() if k not in ("x-since", "x-until")})
    return out


def specialise(node: dict, version: Version) -> dict:
    """The annotated tree as one release has it: absent properties dropped, variants applied."""
    node = _variants(node, version)
    out: dict = {}
    for key, value in node.items():
        if key in _CONTAINERS and isinstance(value, dict):
            out[key] = {
                k: specialise(v, version)
                for k, v in value.items()
                if isinstance(v, dict) and available(v, version)
            }
        elif key in _SCHEMA_VALUES and isinstance(value, dict):
            out[key] = specialise(value, version)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [specialise(v, version) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def strip(node: object) -> object:
    """A plain JSON Schema: annotations dropped, `x-unchecked` subtrees left unconstrained."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("x-unchecked"):
        return {}
    out: dict = {}
    for key, value in node.items():
        if key.startswith("x-") or key in ("$comment", "description", "title", "default"):
            continue
        if key in _CONTAINERS and isinstance(value, dict):
            out[key] = {k: strip(v) for k, v in value.items()}
        else:
            out[key] = strip(value)
    return out


def defaults_of(node: dict) -> object:
    """The default values a tree declares (a chart's values.yaml, as the model knows it)."""
    if "default" in node:
        base = copy.deepcopy(node["default"])
        if not isinstance(base, dict):
            return base
    else:
        base = None
    props = node.get("properties")
    if isinstance(props, dict):
        children = {}
        for key, child in props.items():
            if isinstance(child, dict):
                value = defaults_of(child)
                if value is not _NONE:
                    children[key] = value
        if children or base is not None:
            merged = dict(base or {})
            merged.update(children)
            return merged
    return base if base is not None else _NONE


_NONE = object()


# -- models ----------------------------------------------------------------------------------------


@dataclass
class Model:
    """A schema specialised for one release (or taken from a CRD manifest or a vendored chart)."""

    name: str  # a file under schemas/, or where a CRD or chart came from
    version: Version | None
    tree: dict  # the release's tree, annotations kept (for key checks)
    raw: dict  # every release's tree (for "added in X", "removed in Y"); == tree for CRDs
    draft: str = "2020-12"
    validation: dict | None = None  # a ready JSON Schema (a vendored chart's own); else strip(tree)
    default_values: object = None  # for chart values: what the chart's values.yaml holds
    origin: str = ""  # how messages name a schema that is not the built-in one

    @cached_property
    def validator(self):
        """The compiled validator: the small built-in one for the authored schemas (they use a
        handful of keywords), `jsonschema` for anything else (a vendored chart's schema, CRDs)."""
        schema = self.validation if self.validation is not None else strip(self.tree)
        if self.validation is None and mini_supported(schema):
            return MiniValidator(schema)
        import jsonschema  # imported only when an external schema is validated

        base = jsonschema.Draft7Validator if self.draft == "7" else jsonschema.Draft202012Validator
        return safe_class(base)(schema)

    @cached_property
    def defaults(self) -> dict:
        if isinstance(self.default_values, dict):
            return self.default_values
        value = defaults_of(self.tree)
        return value if isinstance(value, dict) else {}


@cache
def model(name: str, version: Version) -> Model:
    raw = annotated(name)
    return Model(name, version, specialise(raw, version), raw)


# -- the small validator for the authored schemas --------------------------------------------------

# What the authored schemas use. Importing `jsonschema` costs ~70 ms, a third of a pre-commit run
# on a small repository; these keywords are validated by metallb_lint.metallb.minischema with the
# semantics of draft 2020-12 (tests/test_schemas.py compares both on every schema of every
# release).
_MINI_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "items",
        "required",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "additionalProperties",
        "$schema",
        "$id",
    }
)


def mini_supported(schema: object) -> bool:
    return minischema.supported(schema, _MINI_KEYWORDS)


# -- the CRD catalogue and schema sets -----------------------------------------------------------


class KindInfo(NamedTuple):
    """A kind file of `schemas/crds/`: the kind, its API versions and the file's name."""

    kind: str
    api_versions: tuple[str, ...]
    file: str

    @property
    def raw(self) -> dict:
        return annotated(self.file)

    def available(self, version: Version) -> bool:
        return available(self.raw, version)


@cache
def crd_catalogue() -> tuple[KindInfo, ...]:
    """Every kind file of schemas/crds/ (one file per kind and API version)."""
    folder = data_dir("schemas") / CRD_DIR
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json") or entry.name == "common.json":
            continue
        name = f"{CRD_DIR}/{entry.name}"
        raw = _load(name)
        found.append(KindInfo(raw["x-kind"], tuple(raw["x-api-versions"]), name))
    return tuple(found)


def kinds_named(kind: str) -> list[KindInfo]:
    return [info for info in crd_catalogue() if info.kind == kind]


def all_kinds() -> list[str]:
    return sorted({info.kind for info in crd_catalogue()} | set(STATUS_KINDS))


@dataclass(frozen=True)
class SchemaSet:
    """What one release accepts: its CRD kinds per API version, its chart values model."""

    version: Version
    crds: dict[tuple[str, str], str] = field(default_factory=dict)  # (apiVersion, kind) -> file
    values: str | None = None
    legacy_config: bool = False  # the release reads the ConfigMap configuration (<= 0.12)

    def crd(self, api_version: str, kind: str) -> Model | None:
        name = self.crds.get((api_version, kind))
        return model(name, self.version) if name else None

    def served(self, kind: str) -> list[str]:
        return sorted(api for api, k in self.crds if k == kind)

    def values_model(self) -> Model | None:
        return model(self.values, self.version) if self.values else None


@cache
def schema_set(version: Version) -> SchemaSet:
    crds = {
        (f"{GROUP}/{api}", info.kind): info.file
        for info in crd_catalogue()
        if info.available(version)
        for api in info.api_versions
    }
    values = VALUES_MODEL if available(annotated(VALUES_MODEL), version) else None
    return SchemaSet(version, crds, values, legacy_config=version < FIRST_CRD_RELEASE)


def default_schema_set() -> SchemaSet:
    """The schema set used when the repository pins nothing: the newest release known."""
    return schema_set(NEWEST)


def known_releases() -> list[Version]:
    return [v for v in KNOWN_VERSIONS if str(v) in RELEASES]


# -- CRD manifests (--crd, vendored charts) --------------------------------------------------


_OPENAPI_KEEP = (
    "type",
    "enum",
    "required",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "default",
    "format",
    "minProperties",
    "maxProperties",
    "uniqueItems",
    "multipleOf",
)


def openapi_to_tree(node: object, depth: int = 0) -> dict:
    """A Kubernetes structural (OpenAPI v3) schema as an annotated tree (x-open where free)."""
    if not isinstance(node, dict) or depth > 100:
        return {}
    out: dict = {k: node[k] for k in _OPENAPI_KEEP if k in node}
    if out.get("format") not in (None, "date-time", "email", "ipv4", "ipv6", "uri"):
        out.pop("format")  # k8s formats (int32, int64, byte, duration) are not JSON Schema's
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(bound)
        if value is True and limit in out:
            out[bound] = out.pop(limit)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[bound] = value
    if isinstance(node.get("properties"), dict):
        out["properties"] = {
            str(k): openapi_to_tree(v, depth + 1) for k, v in node["properties"].items()
        }
    if isinstance(node.get("items"), dict):
        out["items"] = openapi_to_tree(node["items"], depth + 1)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out["additionalProperties"] = openapi_to_tree(extra, depth + 1)
        out["x-open"] = True
    elif extra is True or node.get("x-kubernetes-preserve-unknown-fields"):
        out["x-open"] = True
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            out[key] = [openapi_to_tree(v, depth + 1) for v in node[key]]
    if "properties" not in out and out.get("type", "object") == "object":
        out["x-open"] = True  # no field declared: nothing to call unknown
    return out


@dataclass
class CrdVersion:
    """One version of a CustomResourceDefinition read from a manifest, with its schema."""

    group: str
    kind: str
    name: str  # the API version name, e.g. v1beta2
    served: bool
    deprecated: str | None  # the deprecation warning, or "" when deprecated without one
    model: Model

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.name}"


def crd_versions(documents: Iterable[object], origin: str) -> Iterator[CrdVersion]:
    """The versions (with their schemas) of every CustomResourceDefinition among `documents`."""
    for doc in documents:
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        group = spec.get("group")
        names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
        kind = names.get("kind")
        if not isinstance(group, str) or not isinstance(kind, str):
            continue
        shared = spec.get("validation") if isinstance(spec.get("validation"), dict) else {}
        for item in spec.get("versions") or []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            schema = item.get("schema") if isinstance(item.get("schema"), dict) else shared
            openapi = schema.get("openAPIV3Schema") if isinstance(schema, dict) else None
            if not isinstance(openapi, dict):
                continue
            tree = openapi_to_tree(openapi)
            props = tree.setdefault("properties", {})
            for key in ("apiVersion", "kind"):
                props.setdefault(key, {"type": "string"})
            props["metadata"] = _object_meta()
            tree.pop("x-open", None)
            deprecated = None
            if item.get("deprecated"):
                warning = item.get("deprecationWarning")
                deprecated = warning if isinstance(warning, str) else ""
            yield CrdVersion(
                group,
                kind,
                item["name"],
                item.get("served") is not False,
                deprecated,
                Model(f"{origin}:{kind}/{item['name']}", None, tree, tree, origin=origin),
            )


@cache
def _object_meta_cached() -> str:
    common = _inline(_load(f"{CRD_DIR}/common.json"), f"{CRD_DIR}/common.json")
    assert isinstance(common, dict)
    return json.dumps(common["$defs"]["objectMeta"])


def _object_meta() -> dict:
    return json.loads(_object_meta_cached())


# -- key checks --------------------------------------------------------------------------------


@dataclass
class KeyProblem:
    """A key the release does not read: unknown, added later, removed, or deprecated."""

    path: tuple  # the key's path (its name last)
    kind: str  # unknown, later, removed, deprecated, schema-only
    info: dict  # the annotated property (later/removed/deprecated), else {}
    known: list[str]  # the keys the release knows beside it

    @property
    def key(self) -> str:
        return str(self.path[-1])

    def suggestion(self) -> str | None:
        return closest(self.key, self.known)


def closest(word: str, candidates: Iterable[str]) -> str | None:
    candidates = [c for c in candidates if c]
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if found:
        return found[0]
    # `localpref` vs `localPref`, `peer-asn` vs `peerASN`: compare without case and dashes
    squashed = {c.lower().replace("-", "").replace("_", ""): c for c in candidates}
    found = difflib.get_close_matches(
        word.lower().replace("-", "").replace("_", ""), list(squashed), n=1, cutoff=0.75
    )
    return squashed[found[0]] if found else None


def _lookup(raw: dict | None, key: str) -> dict | None:
    if not isinstance(raw, dict):
        return None
    props = raw.get("properties")
    child = props.get(key) if isinstance(props, dict) else None
    return child if isinstance(child, dict) else None


def check_keys(
    tree: dict,
    raw: dict | None,
    data: object,
    version: Version | None,
    path: tuple = (),
    allowed: frozenset[tuple] = frozenset(),
    depth: int = 0,
) -> Iterator[KeyProblem]:
    """Walk `data` along the release's tree: keys it does not read, and deprecated ones."""
    if depth > 100 or not isinstance(tree, dict):
        return
    if isinstance(data, dict):
        props = tree.get("properties")
        # a closed mapping (additionalProperties: false) is the validator's to report
        open_ = (
            tree.get("x-open")
            or not isinstance(props, dict)
            or tree.get("additionalProperties") is False
        )
        props = props if isinstance(props, dict) else {}
        known = [k for k, v in props.items() if not v.get("x-schema-only")]
        for key, value in data.items():
            child_path = (*path, key)
            if child_path in allowed:
                continue
            child = props.get(key)
            raw_child = _lookup(raw, key)
            if child is None or child.get("x-schema-only"):
                if open_ and child is None:
                    continue
                yield _classify(child_path, raw_child, version, known)
                continue
            deprecated = child.get("x-deprecated")
            if isinstance(deprecated, dict) and version is not None:
                since = parse_version(deprecated.get("since"))
                if since is None or since <= version:
                    yield KeyProblem(child_path, "deprecated", child, known)
            yield from check_keys(child, raw_child, value, version, child_path, allowed, depth + 1)
    elif isinstance(data, list):
        items = tree.get("items")
        raw_items = raw.get("items") if isinstance(raw, dict) else None
        if isinstance(items, dict):
            for index, value in enumerate(data):
                yield from check_keys(
                    items, raw_items, value, version, (*path, index), allowed, depth + 1
                )


def _classify(
    path: tuple, raw_child: dict | None, version: Version | None, known: list[str]
) -> KeyProblem:
    if raw_child is None or version is None:
        return KeyProblem(path, "unknown", {}, known)
    if raw_child.get("x-schema-only"):
        return KeyProblem(path, "schema-only", raw_child, known)
    since, until = parse_version(raw_child.get("x-since")), parse_version(raw_child.get("x-until"))
    if since is not None and version < since:
        return KeyProblem(path, "later", raw_child, known)
    if until is not None and version >= until:
        return KeyProblem(path, "removed", raw_child, known)
    return KeyProblem(path, "unknown", raw_child, known)  # pragma: no cover - tree and raw agree


# -- validation errors as readable problems -----------------------------------------------------


@dataclass
class SchemaProblem:
    """One validation error against a schema: a readable message and where it points."""

    path: tuple  # where to point (a value, or with `key` the key of the mapping at `path`)
    key: bool
    message: str
    keyword: str
    missing: str | None = None  # the field a `required` error is about
    value_path: tuple = ()  # the path of the failing value itself
    schema_type: tuple = ()  # for type errors: the types the schema allows

    @property
    def anchor(self) -> str:
        """The finding's location-independent anchor: the dotted path (and missing field)."""
        return where(self.path) + (f".{self.missing}" if self.missing else "")


TYPE_NAMES = {
    "array": "a list",
    "object": "a mapping",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string '{shown}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__


def unknown_key(error) -> tuple[object, str] | None:
    """For an `additionalProperties` error: the first unknown key and "unknown key 'x' (did you
    mean 'y'? known keys: ...)", the wording of the configuration and policy file errors."""
    known = sorted(error.schema.get("properties", {}))
    unknown = sorted(set(error.instance) - set(known), key=str)
    if not unknown:
        return None
    name = str(unknown[0])
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return unknown[0], f"unknown key '{name}' ({hint}known keys: {', '.join(known)})"


def where(path: Iterable) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _types(schema: object) -> list[str]:
    if not isinstance(schema, dict):
        return []
    kinds = schema.get("type")
    if isinstance(kinds, str):
        return [kinds]
    if isinstance(kinds, list):
        return [k for k in kinds if isinstance(k, str)]
    if "enum" in schema:
        return [json.dumps(v) if not isinstance(v, str) else f"'{v}'" for v in schema["enum"]]
    if "const" in schema:
        return [json.dumps(schema["const"])]
    return []


def _or(words: list[str]) -> str:
    words = list(dict.fromkeys(words))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _type_words(kinds: list[str]) -> str:
    return _or([TYPE_NAMES.get(k, k) for k in kinds])


def _enum_text(values: list) -> str:
    return _or(
        [
            "null" if v is None else (f"'{v}'" if isinstance(v, str) else json.dumps(v))
            for v in values
        ]
    )


def problems(validator, instance: object) -> list[SchemaProblem]:
    """Every error of `instance`, one clear message per problem (no anyOf/oneOf cascades)."""
    found: dict[tuple, SchemaProblem] = {}
    try:
        errors = sorted(
            validator.iter_errors(instance),
            key=lambda e: (list(map(str, e.absolute_path)), e.validator),
        )
    except RecursionError:
        return [_unusable("it refers to itself without end ($ref), so nothing was checked")]
    except Exception as exc:  # a schema from a file that is not one (a list for a subschema)
        why = f"{type(exc).__name__}: {exc}"
        return [_unusable(f"it is not a valid JSON Schema ({why}), so nothing was checked")]
    for error in errors:
        for problem in _explain(error):
            found.setdefault((problem.path, problem.key, problem.missing, problem.message), problem)
    # A type error explains everything below the same value: drop what it shadows.
    typed = [p.value_path for p in found.values() if p.keyword == "type"]
    return [
        p
        for p in found.values()
        if not any(p.value_path[: len(t)] == t and p.value_path != t for t in typed)
    ]


def _unusable(why: str) -> SchemaProblem:
    return SchemaProblem((), False, f"the schema could not be evaluated: {why}", "$schema")


def _explain(error) -> list[SchemaProblem]:
    path = tuple(error.absolute_path)
    name = where(path)
    keyword = error.validator
    value = error.instance
    subject = f"`{name}`" if name else "the document"
    if keyword == "required":
        missing = [r for r in error.validator_value if isinstance(value, dict) and r not in value]
        return [
            SchemaProblem(
                path,
                True,
                f"{subject} is missing the required field `{key}`",
                keyword,
                key,
                path,
            )
            for key in missing
        ]
    if keyword == "additionalProperties" and error.validator_value is False:
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = [k for k in value if k not in props] if isinstance(value, dict) else []
        out = []
        for key in extra:
            hint = closest(str(key), list(props))
            did = f" (did you mean `{hint}`?)" if hint else ""
            allowed = _or([f"`{k}`" for k in props]) or "nothing"
            out.append(
                SchemaProblem(
                    (*path, key),
                    True,
                    f"`{where((*path, key))}` is not allowed here, only {allowed}{did}",
                    keyword,
                    value_path=(*path, key),
                )
            )
        return out
    if keyword == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        return [
            SchemaProblem(
                path,
                False,
                f"{subject} must be {_type_words(wanted)}, not {describe(value)}",
                keyword,
                value_path=path,
                schema_type=tuple(wanted),
            )
        ]
    if keyword in ("anyOf", "oneOf"):
        kinds: list[str] = []
        for sub in error.validator_value:
            kinds += _types(sub)
        if kinds:
            bounds = [c for c in error.context if c.validator in ("minimum", "maximum", "enum")]
            if bounds and not any(
                c.validator == "type" for c in error.context if c.relative_path == ()
            ):
                return _explain(bounds[0])
            return [
                SchemaProblem(
                    path,
                    False,
                    f"{subject} must be {_type_words(kinds)}, not {describe(value)}",
                    "type",
                    value_path=path,
                    schema_type=tuple(kinds),
                )
            ]
        best = min(error.context, key=lambda c: len(list(c.absolute_path)), default=None)
        if best is not None:
            return _explain(best)
    if keyword == "enum":
        options = list(error.validator_value)
        hint = (
            closest(str(value), [o for o in options if isinstance(o, str)])
            if isinstance(value, str)
            else None
        )
        did = f" (did you mean '{hint}'?)" if hint else ""
        return [
            SchemaProblem(
                path,
                False,
                f"{subject} is {describe(value)}, which is not {_enum_text(options)}{did}",
                keyword,
                value_path=path,
            )
        ]
    if keyword == "const":
        return [
            SchemaProblem(
                path,
                False,
                f"{subject} must be {_enum_text([error.validator_value])}, not {describe(value)}",
                keyword,
                value_path=path,
            )
        ]
    bounds = {
        "minimum": "below the minimum",
        "maximum": "above the maximum",
        "exclusiveMinimum": "not above",
        "exclusiveMaximum": "not below",
    }
    if keyword in bounds:
        return [
            SchemaProblem(
                path,
                False,
                f"{subject} is {value}, {bounds[keyword]} {error.validator_value}",
                keyword,
                value_path=path,
            )
        ]
    if keyword == "minItems":
        count = error.validator_value
        return [
            SchemaProblem(
                path,
                False,
                f"{subject} needs at least {count} item{'s' if count != 1 else ''}",
                keyword,
                value_path=path,
            )
        ]
    if keyword == "maxItems":
        return [
            SchemaProblem(
                path,
                False,
                f"{subject} has more than {error.validator_value} items",
                keyword,
                value_path=path,
            )
        ]
    if keyword == "pattern" and NOT_CHECKED in str(error.message):
        return [SchemaProblem(path, False, f"{subject}: {error.message}", keyword, value_path=path)]
    if keyword == "pattern":
        return [
            SchemaProblem(
                path,
                False,
                f"{subject} ({describe(value)}) does not match the pattern {error.validator_value}",
                keyword,
                value_path=path,
            )
        ]
    return [SchemaProblem(path, False, f"{subject}: {error.message}", keyword, value_path=path)]
