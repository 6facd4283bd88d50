"""Kubernetes label selectors as MetalLB evaluates them (matchLabels and matchExpressions).

A selector that cannot be evaluated offline (a placeholder, an unknown operator, a malformed
expression) answers `None`: "unknown", so callers can stay silent instead of guessing. The
requirements of one selector are AND-ed, so one that certainly fails makes the whole selector
fail even when another is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from metallb_lint.gitops.placeholders import has_placeholder


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
    if any(isinstance(value, (dict, list)) for value in match_labels.values()):
        return None  # not a label value: the API server rejects the selector
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
    if not isinstance(values, list) or any(isinstance(v, (dict, list)) for v in values):
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


# -- validation, equality and disjointness ---------------------------------------------------

_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def _key_problem(key: str) -> str | None:
    """Kubernetes' IsQualifiedName: an optional DNS-subdomain prefix and a name of 63 chars."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return f"'{key}' is not a valid label key (bad prefix)"
    if not name or len(name) > 63 or not _NAME.match(name):
        return f"'{key}' is not a valid label key"
    return None


def _value_problem(value: str) -> str | None:
    if value and (len(value) > 63 or not _NAME.match(value)):
        return f"'{value}' is not a valid label value"
    return None


def problems(selector: object, *, repeats: bool = True) -> list[str]:
    """Why Kubernetes' LabelSelectorAsSelector, or (with `repeats`) MetalLB's duplicate check
    inside one selector (validateLabelSelectorMatchExpressions), rejects it. Empty when it is
    fine or cannot be judged (placeholders, wrong types, which the CRD schema reports)."""
    if not isinstance(selector, dict) or has_placeholder(repr(selector)):
        return []
    found: list[str] = []
    match_labels = selector.get("matchLabels") or {}
    if isinstance(match_labels, dict):
        for key, value in match_labels.items():
            found.extend(p for p in (_key_problem(str(key)), _value_problem(_text(value))) if p)
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        return found
    seen: dict[tuple, int] = {}
    for index, expression in enumerate(expressions):
        if not isinstance(expression, dict) or not isinstance(expression.get("key"), str):
            continue
        key, operator = expression["key"], expression.get("operator")
        values = expression.get("values") or []
        if not isinstance(values, list):
            continue
        texts = [_text(v) for v in values]
        problem = _key_problem(key)
        if problem:
            found.append(problem)
        if operator not in OPERATORS:
            found.append(f"'{operator}' is not a label selector operator ({', '.join(OPERATORS)})")
        elif operator in ("In", "NotIn") and not texts:
            found.append(f"operator {operator} on '{key}' needs at least one value")
        elif operator in ("Exists", "DoesNotExist") and texts:
            found.append(f"operator {operator} on '{key}' takes no values")
        found.extend(p for p in map(_value_problem, texts) if p)
        if not repeats:
            continue
        duplicated = sorted({t for t in texts if texts.count(t) > 1})
        if duplicated:
            found.append(f"value '{duplicated[0]}' is listed twice for '{key}'")
        canon = (key, str(operator), tuple(sorted(texts)))
        if canon in seen:
            found.append(f"the expression on '{key}' is listed twice")
        seen.setdefault(canon, index)
    return found


def canonical(selector: object) -> tuple | None:
    """A selector in the form MetalLB compares selectors by (Go's String() after sorting each
    expression's values): equal forms are duplicates. None when it cannot be known."""
    if not isinstance(selector, dict) or has_placeholder(repr(selector)):
        return None
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return None
    labels = tuple(sorted((str(k), _text(v)) for k, v in match_labels.items()))
    exprs = []
    for expression in expressions:
        if not isinstance(expression, dict):
            return None
        values = expression.get("values") or []
        if not isinstance(values, list):
            return None
        exprs.append(
            (
                str(expression.get("key")),
                str(expression.get("operator")),
                tuple(sorted(_text(v) for v in values)),
            )
        )
    return labels, tuple(exprs)


def duplicates(selectors: Iterable[object]) -> list[tuple[int, int]]:
    """(first, later) index pairs of selectors MetalLB rejects as duplicates in one list."""
    first: dict[tuple, int] = {}
    found = []
    for index, selector in enumerate(selectors):
        canon = canonical(selector)
        if canon is None:
            continue
        if canon in first:
            found.append((first[canon], index))
        else:
            first[canon] = index
    return found


@dataclass(frozen=True)
class ListProblem:
    """Why MetalLB rejects one selector of a list: `index` is the selector, `first` the earlier
    selector it repeats (None when the selector is wrong in itself)."""

    index: int
    message: str
    first: int | None = None


def list_problems(selectors: object, *, repeats: bool = True) -> list[ListProblem]:
    """What MetalLB's parser rejects in a list of label selectors: selectors that
    LabelSelectorAsSelector cannot read, and (with `repeats`, validateLabelSelectorDuplicate)
    a value or expression repeated inside one selector, or a selector repeated in the list
    (expression values compared sorted). Entries that cannot be judged are left out."""
    if not isinstance(selectors, list):
        return []
    found = [
        ListProblem(index, "; ".join(dict.fromkeys(wrong)))
        for index, selector in enumerate(selectors)
        if (wrong := problems(selector, repeats=repeats))
    ]
    if repeats:
        found += [
            ListProblem(later, "it repeats an earlier selector", first)
            for first, later in duplicates(selectors)
        ]
    return sorted(found, key=lambda p: p.index)


def same_selection(a: list[object], b: list[object]) -> bool:
    """Two selector lists that select the same objects because they are written alike."""
    if not a and not b:
        return True
    canon_a = [canonical(s) for s in a]
    canon_b = [canonical(s) for s in b]
    if None in canon_a or None in canon_b:
        return False
    return set(canon_a) == set(canon_b)


@dataclass
class _Constraint:
    """What one selector demands of one label key."""

    allowed: set[str] | None = None  # None: any value
    exists: bool = False
    absent: bool = False
    excluded: set[str] = field(default_factory=set)

    def add(self, other: _Constraint) -> _Constraint:
        allowed = self.allowed
        if other.allowed is not None:
            allowed = other.allowed if allowed is None else allowed & other.allowed
        return _Constraint(
            allowed,
            self.exists or other.exists,
            self.absent or other.absent,
            self.excluded | other.excluded,
        )

    @property
    def impossible(self) -> bool:
        if self.exists and self.absent:
            return True
        return self.allowed is not None and not (self.allowed - self.excluded)


def _constraints(selector: object) -> dict[str, _Constraint] | None:
    if not isinstance(selector, dict) or problems(selector) or canonical(selector) is None:
        return None
    out: dict[str, _Constraint] = {}

    def merge(key: str, constraint: _Constraint) -> None:
        out[key] = out.get(key, _Constraint()).add(constraint)

    for key, value in (selector.get("matchLabels") or {}).items():
        merge(str(key), _Constraint({_text(value)}, exists=True))
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression.get("operator")
        values = {_text(v) for v in expression.get("values") or []}
        if operator == "In":
            merge(key, _Constraint(values, exists=True))
        elif operator == "NotIn":
            merge(key, _Constraint(excluded=values))
        elif operator == "Exists":
            merge(key, _Constraint(exists=True))
        else:
            merge(key, _Constraint(absent=True))
    return out


def _selectors_disjoint(a: object, b: object) -> bool:
    """No label set satisfies both: some key's demands contradict each other."""
    ca, cb = _constraints(a), _constraints(b)
    if ca is None or cb is None:
        return False
    return any(
        ca.get(key, _Constraint()).add(cb.get(key, _Constraint())).impossible
        for key in ca.keys() | cb.keys()
    )


def disjoint(a: list[object], b: list[object]) -> bool:
    """Can no object be selected by both lists? True only when provable from the selectors
    alone (an empty list selects everything; selectors in a list are OR-ed)."""
    if not a or not b:
        return False
    return all(_selectors_disjoint(x, y) for x in a for y in b)


def keys(selector: object) -> set[str]:
    """The label keys a selector looks at."""
    if not isinstance(selector, dict):
        return set()
    found = set()
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict):
        found.update(str(k) for k in match_labels)
    expressions = selector.get("matchExpressions")
    for expression in expressions if isinstance(expressions, list) else []:
        if isinstance(expression, dict):
            found.add(str(expression.get("key")))
    return found
