"""docs/rules.md is generated from rules/ and must not go stale; code and metadata agree."""

from __future__ import annotations

from metallb_lint.catalog import catalog
from metallb_lint.checks import load_rules
from metallb_lint.ruledocs import render_markdown
from tests.conftest import ROOT


def test_docs_rules_md_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == render_markdown(), (
        "docs/rules.md is stale: run `python -m metallb_lint.ruledocs > docs/rules.md`"
    )


def test_every_rule_in_code_has_metadata_and_back() -> None:
    assert set(load_rules()) == set(catalog())


def test_metadata_fits_sarif_limits() -> None:
    for info in catalog().values():
        assert len(info.summary) <= 100, info.id
        assert len(info.description) <= 1024, info.id
