"""The text IP allocation map's own layout (report/ips_text.py): widths, wrapping, folding,
ellipses and colour, on the demo and a map of several pools."""

from __future__ import annotations

import io
import re

import pytest

from metallb_lint.checks.context import Context
from metallb_lint.config import Config
from metallb_lint.engine import Options, run
from metallb_lint.report.ips_text import _wrap, write_text
from metallb_lint.tools.ipmap import build_map
from tests.conftest import FIXTURES

_SGR = re.compile(r"\x1b\[[0-9;]*m")
TREES = [FIXTURES / "homelab", FIXTURES / "rules" / "ML203-pool-overlap" / "bad"]


def _map(tree):
    result = run(Options(paths=[str(tree)], context=False), Config())
    return build_map(result.inventory, Context(result.inventory, Config()))


def _text(tree, width: int, color: bool = False) -> str:
    out = io.StringIO()
    write_text(_map(tree), out, color=color, width=width)
    return out.getvalue()


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_no_line_is_wider_than_the_width_or_ends_in_blanks(tree, width: int) -> None:
    text = _text(tree, width)
    lines = text.splitlines()
    assert lines[0].startswith("IP allocation map for MetalLB")
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert all(line == line.rstrip(" ") for line in lines)


@pytest.mark.parametrize("tree", TREES, ids=lambda p: p.name)
def test_colour_adds_codes_and_nothing_else(tree) -> None:
    plain, painted = _text(tree, 80), _text(tree, 80, color=True)
    assert "\x1b[" not in plain and "\x1b[1mIP allocation map\x1b[0m" in painted
    stripped = [_SGR.sub("", line).rstrip(" ") for line in painted.splitlines()]
    assert stripped == plain.splitlines()


def test_a_long_location_is_folded_and_a_long_address_shortened_in_the_summary() -> None:
    text = _text(TREES[1], 60)
    assert "  defined in    fixtures/rules/ML203-pool-overlap/bad/metall\n" in text
    assert "\n                b-system/pool-default.yaml:1\n" in text
    row = "  default   192.168.1.…   0/271 0%      0           0    271\n            (+1)\n"
    assert row in text
    summary = text.split("\n\n")[1].splitlines()
    assert summary[0].split() == ["pool", "addresses", "in", "use", "held", "automatic", "free"]
    assert set(summary[1].strip()) == {"─"}
    assert any("…" in line for line in summary[2:])


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("", 10, []),
        ("short", 10, ["short"]),
        ("two words here", 9, ["two words", "here"]),
        ("abcdefghijkl", 5, ["abcde", "fghij", "kl"]),
        ("a  b", 1, ["a", "b"]),
        ("lead verylongword", 6, ["lead", "verylo", "ngword"]),
    ],
)
def test_wrap(text: str, width: int, lines: list[str]) -> None:
    assert [text[a:b] for a, b in _wrap(text, width)] == lines
