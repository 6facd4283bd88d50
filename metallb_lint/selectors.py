"""Kubernetes label selectors as MetalLB evaluates them (matchLabels and matchExpressions).

A selector that cannot be evaluated offline (a placeholder, an unknown operator) answers
`None`: "unknown", so callers can stay silent instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from metallb_lint.placeholders import has_placeholder


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
        if str(labels.get(key)) != str(value) or key not in labels:
            return False
    for expression in expressions:
        verdict = _expression(expression, labels)
        if verdict is not True:
            return verdict
    return True


def _expression(expression: object, labels: Mapping[str, object]) -> bool | None:
    if not isinstance(expression, dict) or not isinstance(expression.get("key"), str):
        return None
    key, operator = expression["key"], expression.get("operator")
    values = expression.get("values") or []
    if not isinstance(values, list):
        return None
    values = [str(v) for v in values]
    present = key in labels
    if operator == "In":
        return present and str(labels[key]) in values
    if operator == "NotIn":
        return not present or str(labels[key]) not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
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
