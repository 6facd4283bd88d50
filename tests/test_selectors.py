"""Label selectors as MetalLB evaluates them for ipAddressPoolSelectors and the like."""

from __future__ import annotations

import pytest

from metallb_lint.selectors import any_matches, matches

LABELS = {"zone": "office", "exposure": "internal", "enabled": "true"}


def expr(key: str, operator: str, *values: str) -> dict:
    item: dict = {"key": key, "operator": operator}
    if values:
        item["values"] = list(values)
    return {"matchExpressions": [item]}


@pytest.mark.parametrize(
    "selector, expected",
    [
        ({"matchLabels": {"zone": "office"}}, True),
        ({"matchLabels": {"zone": "office", "exposure": "internal"}}, True),
        ({"matchLabels": {"zone": "lab"}}, False),
        ({"matchLabels": {"missing": "x"}}, False),
        ({"matchLabels": {"enabled": True}}, True),  # YAML true is the label "true"
        (expr("zone", "In", "office", "security"), True),
        (expr("zone", "In", "lab"), False),
        (expr("missing", "In", "lab"), False),
        (expr("zone", "NotIn", "lab"), True),
        (expr("zone", "NotIn", "office"), False),
        (expr("missing", "NotIn", "lab"), True),
        (expr("zone", "Exists"), True),
        (expr("missing", "Exists"), False),
        (expr("zone", "DoesNotExist"), False),
        (expr("missing", "DoesNotExist"), True),
        ({}, True),  # the empty selector selects everything
        ({"matchLabels": None, "matchExpressions": None}, True),
    ],
)
def test_matches(selector: dict, expected: bool) -> None:
    assert matches(selector, LABELS) is expected


def test_match_labels_and_expressions_are_anded() -> None:
    selector = {
        "matchLabels": {"zone": "office"},
        "matchExpressions": [{"key": "exposure", "operator": "NotIn", "values": ["public"]}],
    }
    assert matches(selector, LABELS) is True
    assert matches(selector, {"zone": "office", "exposure": "public"}) is False
    assert matches(selector, {"zone": "lab", "exposure": "internal"}) is False


@pytest.mark.parametrize(
    "selector",
    [
        expr("zone", "Matches", "office"),  # unknown operator
        expr("zone", "In"),  # In without values: Kubernetes rejects it
        expr("zone", "Exists", "office"),  # Exists with values: rejected too
        {"matchExpressions": ["zone=office"]},
        {"matchLabels": ["zone"]},
        {"matchLabels": {"zone": "${ZONE}"}},  # a placeholder
        "zone=office",
    ],
)
def test_unknown_is_none(selector: object) -> None:
    assert matches(selector, LABELS) is None


def test_a_failing_requirement_wins_over_an_unknown_one() -> None:
    selector = {
        "matchExpressions": [
            {"key": "zone", "operator": "Matches", "values": ["office"]},
            {"key": "zone", "operator": "In", "values": ["lab"]},
        ]
    }
    assert matches(selector, LABELS) is False


def test_any_matches_ors_the_list() -> None:
    lab = {"matchLabels": {"zone": "lab"}}
    office = {"matchLabels": {"zone": "office"}}
    unknown = expr("zone", "Matches", "x")
    assert any_matches([lab, office], LABELS) is True
    assert any_matches([lab], LABELS) is False
    assert any_matches([], LABELS) is False
    assert any_matches([lab, unknown], LABELS) is None
    assert any_matches([unknown, office], LABELS) is True
