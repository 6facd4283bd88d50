"""docs/rules.md is generated from rules/ and must not go stale; code and metadata agree."""

from __future__ import annotations

from metallb_lint.catalog import catalog
from metallb_lint.checks import load_rules
from metallb_lint.decide import DECIDED
from metallb_lint.policies import builtin_policies
from metallb_lint.ruledocs import render_markdown
from tests.conftest import ROOT


def test_docs_rules_md_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == render_markdown(), (
        "docs/rules.md is stale: run `python -m metallb_lint.ruledocs > docs/rules.md`"
    )


def test_every_rule_in_code_has_metadata_and_back() -> None:
    """Python rules and built-in declarative policies (both in the registry), plus the rules
    decide.py reports itself, are exactly the rules with metadata in rules/*.yaml."""
    registry = load_rules()
    assert not set(registry) & DECIDED
    assert set(registry) | DECIDED == set(catalog())


def test_builtin_policies_are_registered_rules_with_the_same_metadata() -> None:
    registry = load_rules()
    for policy in builtin_policies():
        info = catalog()[policy.id]
        assert getattr(registry[policy.id], "policy", None) is policy
        assert (policy.name, policy.severity) == (info.name, info.severity)


def test_metadata_fits_sarif_limits() -> None:
    for info in catalog().values():
        assert len(info.summary) <= 100, info.id
        assert len(info.description) <= 1024, info.id
