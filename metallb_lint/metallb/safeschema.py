"""`jsonschema` validator classes whose regular expressions run in linear time.

jsonschema evaluates `pattern` and `patternProperties` (and `additionalProperties` next to
them) with Python's backtracking `re`; schemas from input files (a vendored chart's values
schema, CRDs, `--crd` files, users' policies) go through these replacements instead, which use
metallb_lint.saferegex. A pattern it refuses judges nothing: `pattern` says so in an error of
its own (see `refused_message`), a key under a refused `patternProperties` pattern is neither
checked by it nor counted as additional.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from metallb_lint.saferegex import matches, refusal

NOT_CHECKED = "was not checked against the pattern"


def refused_message(pattern: str, instance: str) -> str | None:
    """The message of a `pattern` error when the pattern was not evaluated, else None."""
    why = refusal(pattern, instance)
    return None if why is None else f"{instance!r} {NOT_CHECKED} {pattern!r}: {why}"


def _pattern(validator, pattern, instance, schema) -> Iterator:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string") or not isinstance(pattern, str):
        return
    verdict = matches(pattern, instance)
    if verdict is False:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")
    elif verdict is None:
        yield ValidationError(refused_message(pattern, instance) or "")


def _pattern_properties(validator, properties, instance, schema) -> Iterator:
    if not validator.is_type(instance, "object") or not isinstance(properties, dict):
        return
    for pattern, subschema in properties.items():
        for key, value in instance.items():
            if isinstance(key, str) and matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(original):
    def additional(validator, wanted, instance, schema) -> Iterator:
        patterns = schema.get("patternProperties")
        if not isinstance(patterns, dict) or not validator.is_type(instance, "object"):
            yield from original(validator, wanted, instance, schema)
            return
        known = schema.get("properties") or {}
        extra = {
            key: value
            for key, value in instance.items()
            if key not in known
            and not any(matches(p, key) is not False for p in patterns if isinstance(key, str))
        }
        plain = {k: v for k, v in schema.items() if k not in ("properties", "patternProperties")}
        yield from original(validator, wanted, extra, plain)

    return additional


@cache
def safe_class(base: type) -> type:
    """`base` (a jsonschema validator class) with linear-time regular expressions."""
    import jsonschema

    return jsonschema.validators.extend(
        base,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties(base.VALIDATORS["additionalProperties"]),
        },
    )
