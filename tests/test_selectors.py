"""Label selectors as MetalLB evaluates them for ipAddressPoolSelectors and the like."""

from __future__ import annotations

import pytest

from metallb_lint.metallb.selectors import (
    any_matches,
    canonical,
    disjoint,
    duplicates,
    keys,
    matches,
    problems,
    same_selection,
)

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


# -- validation, duplicates, equality and disjointness (MetalLB's checks, facts §3.1) -------


@pytest.mark.parametrize(
    "selector, expected",
    [
        ({"matchLabels": {"zone": "office"}}, []),
        (expr("zone", "In", "a", "b"), []),
        (expr("zone", "Matches", "a"), ["'Matches' is not a label selector operator"]),
        (expr("zone", "NotIn"), ["operator NotIn on 'zone' needs at least one value"]),
        (expr("zone", "DoesNotExist", "a"), ["operator DoesNotExist on 'zone' takes no values"]),
        (expr("zone", "In", "a", "a"), ["value 'a' is listed twice for 'zone'"]),
        ({"matchLabels": {"-zone": "a"}}, ["'-zone' is not a valid label key"]),
        (
            {"matchLabels": {"Example.com/zone": "a"}},
            ["'Example.com/zone' is not a valid label key"],
        ),
        ({"matchLabels": {"example.com/zone": "a b"}}, ["'a b' is not a valid label value"]),
        ({"matchLabels": {"zone": ""}}, []),  # the empty value is a value
        ({"matchLabels": {"zone": "${ZONE} x"}}, []),  # placeholders are never judged
    ],
)
def test_problems(selector: dict, expected: list[str]) -> None:
    found = problems(selector)
    assert len(found) == len(expected), found
    for text in expected:
        assert any(text in p for p in found), (text, found)


def test_repeated_expression_inside_one_selector() -> None:
    item = {"key": "zone", "operator": "In", "values": ["b", "a"]}
    same = {"key": "zone", "operator": "In", "values": ["a", "b"]}
    assert problems({"matchExpressions": [item, same]}) == [
        "the expression on 'zone' is listed twice"
    ]


def test_duplicates_compare_like_metallb() -> None:
    a = {"matchLabels": {"x": "1", "y": "2"}}
    b = {"matchLabels": {"y": "2", "x": "1"}}
    c = {"matchExpressions": [{"key": "x", "operator": "In", "values": ["2", "1"]}]}
    d = {"matchExpressions": [{"key": "x", "operator": "In", "values": ["1", "2"]}]}
    assert duplicates([a, c, b, d]) == [(0, 2), (1, 3)]
    assert duplicates([a, {"matchLabels": {"x": "1"}}]) == []
    assert canonical({}) == canonical({"matchLabels": {}, "matchExpressions": []})
    assert canonical({"matchLabels": {"x": "${X}"}}) is None


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ([{"matchLabels": {"rack": "r1"}}], [{"matchLabels": {"rack": "r2"}}], True),
        ([{"matchLabels": {"rack": "r1"}}], [{"matchLabels": {"rack": "r1"}}], False),
        ([{"matchLabels": {"rack": "r1"}}], [{"matchLabels": {"zone": "z1"}}], False),
        ([], [{"matchLabels": {"rack": "r2"}}], False),  # empty: every object
        ([expr("rack", "Exists")], [expr("rack", "DoesNotExist")], True),
        ([expr("rack", "In", "r1", "r2")], [expr("rack", "NotIn", "r1", "r2")], True),
        ([expr("rack", "In", "r1", "r2")], [expr("rack", "In", "r2", "r3")], False),
        ([expr("rack", "NotIn", "r1")], [expr("rack", "NotIn", "r2")], False),
        # lists are OR-ed: disjoint only if every pair is
        (
            [{"matchLabels": {"rack": "r1"}}, {"matchLabels": {"rack": "r3"}}],
            [{"matchLabels": {"rack": "r2"}}],
            True,
        ),
        (
            [{"matchLabels": {"rack": "r1"}}, {"matchLabels": {"rack": "r2"}}],
            [{"matchLabels": {"rack": "r2"}}],
            False,
        ),
        ([{"matchLabels": {"rack": "${R}"}}], [{"matchLabels": {"rack": "r2"}}], False),
        ([expr("rack", "Bogus", "r1")], [{"matchLabels": {"rack": "r2"}}], False),
    ],
)
def test_disjoint_only_when_provable(a: list, b: list, expected: bool) -> None:
    assert disjoint(a, b) is expected
    assert disjoint(b, a) is expected


def test_same_selection_and_keys() -> None:
    a = [{"matchLabels": {"x": "1"}}, expr("y", "In", "b", "a")]
    b = [expr("y", "In", "a", "b"), {"matchLabels": {"x": "1"}}]
    assert same_selection(a, b)
    assert same_selection([], [])
    assert not same_selection(a, [])
    assert keys({"matchLabels": {"x": "1"}, "matchExpressions": [{"key": "y"}]}) == {"x", "y"}
