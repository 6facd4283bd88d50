"""The README's demo output is the real output (the golden text report of the demo)."""

from __future__ import annotations

import re

from metallb_lint import __version__
from tests.conftest import ROOT

BLOCK = re.compile(r"<!-- demo-output:start -->\n```text\n(.*?)```\n<!-- demo-output:end -->", re.S)


def readme_demo_block() -> str:
    match = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md has no demo-output block"
    return match.group(1)


def golden_text() -> str:
    return (ROOT / "tests" / "golden" / "homelab.text.txt").read_text(encoding="utf-8")


def test_readme_shows_the_demo_output_as_it_is() -> None:
    expected = "$ metallb-lint fixtures/homelab\n" + golden_text().replace(
        "metallb-lint X.Y.Z:", f"metallb-lint {__version__}:"
    )
    assert readme_demo_block() == expected, (
        "README demo output is stale: python -m tests.test_readme rewrites it"
    )


def test_readme_shows_every_suppression_form_and_rule_family() -> None:
    from metallb_lint.catalog import catalog

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    suppressions = text[text.index("### Suppressions") :]
    for form in (
        "# metallb-lint: disable=",
        "# metallb-lint: disable-file=",
        'lint.metallb.io/ignore: "',
        "--baseline FILE",
        "per-file-ignores",
        "--no-inline-suppressions",
        "require-suppression-reason",
        "ML006",
        "ML008",
    ):
        assert form in suppressions, form
    rules = text[text.index("## Rules") : text.index("## Policies")]
    for family in sorted({info.id[:3] for info in catalog().values()}):
        assert f"| {family}xx |" in rules, family


def rewrite() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = "$ metallb-lint fixtures/homelab\n" + golden_text().replace(
        "metallb-lint X.Y.Z:", f"metallb-lint {__version__}:"
    )
    new = re.sub(
        r"<!-- demo-output:start -->\n.*?<!-- demo-output:end -->",
        lambda _: f"<!-- demo-output:start -->\n```text\n{body}```\n<!-- demo-output:end -->",
        text,
        flags=re.S,
    )
    (ROOT / "README.md").write_text(new, encoding="utf-8")


if __name__ == "__main__":
    rewrite()
