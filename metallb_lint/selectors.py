"""Kubernetes label selectors as MetalLB evaluates them (matchLabels and matchExpressions).

A selector that cannot be evaluated offline (a placeholder, an unknown operator, a malformed
expression) answers `None`: "unknown", so callers can stay silent instead of guessing. The
requirements of one selector are AND-ed, so one that certainly fails makes the whole selector
fail even when another is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from metallb_lint.placeholders import has_placeholder


def _text(value: object) -> str:
    """A label value as Kubernetes would read it (YAML `true` is the string "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def matches(selector: object, labels: Mapping[str, object]) -> bool | None:
    """Does one LabelSelector select an object with `labels`? None when it cannot be known."""
    if not isinstance(selector, dict):
        return None
    if has_placeholder(repr(selector)):
        return None
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return None
    for key, value in match_labels.items():
        if key not in labels or _text(labels[key]) != _text(value):
            return False
    verdict: bool | None = True
    for expression in expressions:
        result = _expression(expression, labels)
        if result is False:
            return False
        if result is None:
            verdict = None
    return verdict


def _expression(expression: object, labels: Mapping[str, object]) -> bool | None:
    if not isinstance(expression, dict) or not isinstance(expression.get("key"), str):
        return None
    key, operator = expression["key"], expression.get("operator")
    values = expression.get("values") or []
    if not isinstance(values, list):
        return None
    values = [_text(v) for v in values]
    present = key in labels
    if operator in ("In", "NotIn"):
        if not values:
            return None  # Kubernetes rejects In/NotIn without values
        inside = present and _text(labels[key]) in values
        return inside if operator == "In" else not inside
    if operator in ("Exists", "DoesNotExist"):
        if values:
            return None  # Kubernetes rejects Exists/DoesNotExist with values
        return present if operator == "Exists" else not present
    return None


def any_matches(selectors: Iterable[object], labels: Mapping[str, object]) -> bool | None:
    """Selectors in a list are OR-ed; None if none matches and one is unknown."""
    unknown = False
    for selector in selectors:
        verdict = matches(selector, labels)
        if verdict:
            return True
        unknown |= verdict is None
    return None if unknown else False
