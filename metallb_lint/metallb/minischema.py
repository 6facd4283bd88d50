"""A small JSON Schema 2020-12 evaluator for the keywords our schemas and policies use most.

Importing `jsonschema` costs ~70 ms, a third of a pre-commit run on a small repository; so a
schema that sticks to the keywords below (`supported`) is evaluated here, with jsonschema's
semantics and messages (tests/test_schemas.py and tests/test_policies.py compare both), and any
other schema by jsonschema itself. Errors carry the attributes of jsonschema's `ValidationError`
that metallb_lint.metallb.schema and metallb_lint.policies read.

Callers add what they need beyond 2020-12: a format checker (`format` is only an annotation
without one, as in jsonschema) and extra assertion keywords (metallb_lint.policies.mini).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from metallb_lint.metallb.safeschema import refused_message
from metallb_lint.saferegex import matches

_APPLICATORS = frozenset(
    {
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "items",
        "not",
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
    }
)
_ASSERTIONS = frozenset(
    {
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minLength",
        "maxLength",
        "pattern",
        "required",
        "minProperties",
        "maxProperties",
        "format",
    }
)
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "examples",
        "message",
    }
)
SUPPORTED = _APPLICATORS | _ASSERTIONS | _ANNOTATIONS
# What MiniValidator._valid decides by itself ("then"/"else" belong to "if").
_FAST = frozenset(
    {"properties", "const", "required", "if", "then", "else", "not", "type", "enum", "items"}
    | {"format"}
    | _ANNOTATIONS
)

# A keyword of a caller's own: (keyword's value, instance) -> the messages of its errors.
Keyword = Callable[[object, object], Iterable[str]]


def supported(
    schema: object, keywords: Collection[str] = SUPPORTED, formats: Collection[str] = ()
) -> bool:
    """Whether every (sub)schema uses only `keywords` (by default every keyword this evaluator
    knows) and only `formats` (the ones the caller's format checker knows)."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or not set(schema) <= set(keywords):
        return False
    if "format" in schema and schema["format"] not in formats:
        return False  # a standard format: jsonschema checks it
    for key in ("properties", "patternProperties"):
        value = schema.get(key)
        if isinstance(value, dict) and not all(
            supported(v, keywords, formats) for v in value.values()
        ):
            return False
    for key in ("allOf", "anyOf", "oneOf"):
        value = schema.get(key)
        if isinstance(value, list) and not all(supported(v, keywords, formats) for v in value):
            return False
    for key in ("additionalProperties", "propertyNames", "items", "not", "if", "then", "else"):
        if key in schema and not supported(schema[key], keywords, formats):
            return False
    return not isinstance(schema.get("items"), list)  # old tuple form: not 2020-12


@dataclass
class MiniError:
    """The parts of a jsonschema `ValidationError` that our callers read. As in jsonschema, the
    relative paths of an error in another's `context` are relative to that error."""

    validator: str | None
    validator_value: object
    instance: object
    absolute_path: tuple
    schema: object
    message: str
    relative_schema_path: tuple = ()
    context: list = field(default_factory=list)
    relative_path: tuple = ()


def _is_type(value: object, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return kind == "number" or isinstance(value, int) or value.is_integer()


def _equal(a: object, b: object) -> bool:
    """JSON equality: true is not 1, 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b


def _anything(value: object) -> bool:
    return True


def _nothing(value: object) -> bool:
    return False


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class MiniValidator:
    """`format_checker` (anything with `conforms(value, format)`) asserts `format`; without one
    `format` only annotates. `keywords` adds assertion keywords of the caller's own."""

    def __init__(
        self,
        schema: object,
        format_checker: object = None,
        keywords: Mapping[str, Keyword] | None = None,
    ) -> None:
        self.schema = schema
        self.format_checker = format_checker
        self.keywords = dict(keywords or {})
        self._predicates: dict[int, Callable[[object], bool]] = {}

    def is_valid(self, instance: object, schema: object | None = None) -> bool:
        return self._valid(self.schema if schema is None else schema, instance)

    def iter_errors(self, instance: object) -> Iterator[MiniError]:
        if self._valid(self.schema, instance):
            return  # the common case, decided without building errors
        yield from self._check(self.schema, instance, (), ())

    def _valid(self, schema: object, value: object) -> bool:
        """Whether `_check` finds no error in `value` (the common case, made cheap)."""
        return self._predicate(schema)(value)

    def _predicate(self, schema: object) -> Callable[[object], bool]:
        """`schema` compiled (once) to a function of the instance: for the keywords most
        schemas are made of, no generators and no error objects; any other keyword in a
        (sub)schema hands that subschema to `_check`."""
        found = self._predicates.get(id(schema))
        if found is None:
            found = self._predicates[id(schema)] = self._compile(schema)
        return found

    def _compile(self, schema: object) -> Callable[[object], bool]:
        if schema is True:
            return _anything
        if schema is False:
            return _nothing
        assert isinstance(schema, dict)
        if not schema.keys() <= _FAST:
            return lambda value: next(self._check(schema, value, (), ()), None) is None
        tests: list[Callable[[object], bool]] = []
        for keyword, wanted in schema.items():
            if keyword == "properties":
                subs = [(key, self._predicate(sub)) for key, sub in wanted.items()]

                def properties(value: object, subs=subs) -> bool:
                    if isinstance(value, dict):
                        for key, test in subs:
                            if key in value and not test(value[key]):
                                return False
                    return True

                tests.append(properties)
            elif keyword == "const":
                tests.append(lambda value, wanted=wanted: _equal(value, wanted))
            elif keyword == "required":
                names = tuple(wanted)
                if len(names) == 1:  # the usual case: no generator per value
                    tests.append(
                        lambda value, name=names[0]: not isinstance(value, dict) or name in value
                    )
                else:
                    tests.append(
                        lambda value, names=names: (
                            not isinstance(value, dict) or all(n in value for n in names)
                        )
                    )
            elif keyword == "if":
                test_if = self._predicate(wanted)
                then = self._predicate(schema.get("then", True))
                otherwise = self._predicate(schema.get("else", True))
                tests.append(
                    lambda value, i=test_if, t=then, e=otherwise: (t if i(value) else e)(value)
                )
            elif keyword == "not":
                negated = self._predicate(wanted)
                tests.append(lambda value, negated=negated: not negated(value))
            elif keyword == "type":
                kinds = (wanted,) if isinstance(wanted, str) else tuple(wanted)
                tests.append(lambda value, kinds=kinds: any(_is_type(value, k) for k in kinds))
            elif keyword == "enum":
                tests.append(lambda value, wanted=wanted: any(_equal(value, o) for o in wanted))
            elif keyword == "items":
                each = self._predicate(wanted)
                tests.append(
                    lambda value, each=each: not isinstance(value, list) or all(map(each, value))
                )
            elif keyword == "format" and self.format_checker is not None:
                conforms = self.format_checker.conforms  # type: ignore[attr-defined]
                tests.append(lambda value, c=conforms, f=wanted: c(value, f))
        if not tests:
            return _anything
        if len(tests) == 1:
            return tests[0]

        def every(value: object, tests=tuple(tests)) -> bool:
            for test in tests:  # noqa: SIM110 - a loop, not a generator: this runs per value
                if not test(value):
                    return False
            return True

        return every

    def _check(
        self, schema: object, value: object, path: tuple, spath: tuple
    ) -> Iterator[MiniError]:
        if schema is True:
            return
        if schema is False:
            yield MiniError(
                None,
                None,
                value,
                path,
                schema,
                f"False schema does not allow {value!r}",
                spath,
                relative_path=path,
            )
            return
        assert isinstance(schema, dict)

        def error(keyword: str, message: str, context: list | None = None) -> MiniError:
            return MiniError(
                keyword,
                schema[keyword],
                value,
                path,
                schema,
                message,
                (*spath, keyword),
                context or [],
                path,
            )

        for keyword, wanted in schema.items():
            if keyword in _ANNOTATIONS or keyword in ("then", "else"):
                continue
            here = (*spath, keyword)
            if keyword in self.keywords:
                for message in self.keywords[keyword](wanted, value):
                    yield error(keyword, message)
            elif keyword == "type":
                kinds = [wanted] if isinstance(wanted, str) else list(wanted)
                if not any(_is_type(value, k) for k in kinds):
                    shown = repr(wanted) if isinstance(wanted, str) else repr(kinds)
                    yield error(keyword, f"{value!r} is not of type {shown}")
            elif keyword == "enum":
                if not any(_equal(value, option) for option in wanted):
                    yield error(keyword, f"{value!r} is not one of {wanted!r}")
            elif keyword == "const":
                if not _equal(value, wanted):
                    yield error(keyword, f"{wanted!r} was expected")
            elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if (
                    _number(value)
                    and not {
                        "minimum": value >= wanted,
                        "maximum": value <= wanted,
                        "exclusiveMinimum": value > wanted,
                        "exclusiveMaximum": value < wanted,
                    }[keyword]
                ):
                    words = {
                        "minimum": "less than the minimum of",
                        "maximum": "greater than the maximum of",
                        "exclusiveMinimum": "less than or equal to the minimum of",
                        "exclusiveMaximum": "greater than or equal to the maximum of",
                    }[keyword]
                    yield error(keyword, f"{value!r} is {words} {wanted!r}")
            elif keyword == "multipleOf":
                if _number(value):
                    quotient = value / wanted
                    failed = (
                        int(quotient) != quotient
                        if isinstance(wanted, float) or isinstance(value, float)
                        else value % wanted
                    )
                    if failed:
                        yield error(keyword, f"{value!r} is not a multiple of {wanted}")
            elif keyword in ("minItems", "maxItems") and isinstance(value, list):
                if (len(value) < wanted) if keyword == "minItems" else (len(value) > wanted):
                    how = (
                        "should be non-empty"
                        if wanted == 1 and keyword == "minItems"
                        else ("is too short" if keyword == "minItems" else "is too long")
                    )
                    yield error(keyword, f"{value!r} {how}")
            elif keyword == "uniqueItems" and wanted and isinstance(value, list):
                if any(
                    _equal(value[i], value[j])
                    for i in range(len(value))
                    for j in range(i + 1, len(value))
                ):
                    yield error(keyword, f"{value!r} has non-unique elements")
            elif keyword in ("minLength", "maxLength") and isinstance(value, str):
                if (len(value) < wanted) if keyword == "minLength" else (len(value) > wanted):
                    how = "is too short" if keyword == "minLength" else "is too long"
                    yield error(keyword, f"{value!r} {how}")
            elif keyword == "pattern" and isinstance(value, str):
                verdict = matches(wanted, value)
                if verdict is False:
                    yield error(keyword, f"{value!r} does not match {wanted!r}")
                elif verdict is None:
                    yield error(keyword, refused_message(wanted, value) or "")
            elif keyword == "format" and self.format_checker is not None:
                if not self.format_checker.conforms(value, wanted):  # type: ignore[attr-defined]
                    yield error(keyword, f"{value!r} is not a {wanted!r}")
            elif keyword == "required" and isinstance(value, dict):
                for key in wanted:
                    if key not in value:
                        yield error(keyword, f"{key!r} is a required property")
            elif keyword in ("minProperties", "maxProperties") and isinstance(value, dict):
                if keyword == "minProperties" and len(value) < wanted:
                    yield error(keyword, f"{value!r} does not have enough properties")
                elif keyword == "maxProperties" and len(value) > wanted:
                    yield error(keyword, f"{value!r} has too many properties")
            elif keyword == "properties" and isinstance(value, dict):
                for key, sub in wanted.items():
                    if key in value:
                        yield from self._check(sub, value[key], (*path, key), (*here, key))
            elif keyword == "patternProperties" and isinstance(value, dict):
                for pattern, sub in wanted.items():
                    for key, item in value.items():
                        if matches(pattern, key):
                            yield from self._check(sub, item, (*path, key), (*here, pattern))
            elif keyword == "additionalProperties" and isinstance(value, dict):
                extra = self._additional(schema, value)
                if wanted is False:
                    if extra:
                        shown = ", ".join(repr(k) for k in extra)
                        verb = "was" if len(extra) == 1 else "were"
                        yield error(
                            keyword,
                            f"Additional properties are not allowed ({shown} {verb} unexpected)",
                        )
                else:
                    for key in extra:
                        yield from self._check(wanted, value[key], (*path, key), here)
            elif keyword == "propertyNames" and isinstance(value, dict):
                for key in value:
                    yield from self._check(wanted, key, path, here)
            elif keyword == "items" and isinstance(value, list):
                for index, item in enumerate(value):
                    yield from self._check(wanted, item, (*path, index), here)
            elif keyword == "allOf":
                for index, sub in enumerate(wanted):
                    yield from self._check(sub, value, path, (*here, index))
            elif keyword in ("anyOf", "oneOf"):
                results = [
                    list(self._check(sub, value, path, (*here, i))) for i, sub in enumerate(wanted)
                ]
                good = [i for i, errors in enumerate(results) if not errors]
                context = [e for errors in results for e in errors]
                for sub_error in context:  # relative to this error, as in jsonschema
                    sub_error.relative_path = sub_error.absolute_path[len(path) :]
                    sub_error.relative_schema_path = sub_error.relative_schema_path[len(here) :]
                if not good:
                    yield error(
                        keyword,
                        f"{value!r} is not valid under any of the given schemas",
                        context,
                    )
                elif keyword == "oneOf" and len(good) > 1:
                    yield error(keyword, f"{value!r} is valid under each of {good}")
            elif keyword == "not":
                if self.is_valid(value, wanted):
                    yield error(keyword, f"{value!r} should not be valid under {wanted!r}")
            elif keyword == "if":
                if self.is_valid(value, wanted):
                    if "then" in schema:
                        yield from self._check(schema["then"], value, path, (*spath, "then"))
                elif "else" in schema:
                    yield from self._check(schema["else"], value, path, (*spath, "else"))

    @staticmethod
    def _additional(schema: dict, value: dict) -> list[str]:
        known = schema.get("properties") or {}
        patterns = list(schema.get("patternProperties") or {})
        return [
            k
            for k in value
            if k not in known and not any(matches(p, k) is not False for p in patterns)
        ]


__all__ = ["SUPPORTED", "Keyword", "MiniError", "MiniValidator", "supported"]
