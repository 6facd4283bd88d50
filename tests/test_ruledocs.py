"""docs/rules.md is generated from rules/ and must not go stale; code and metadata agree."""

from __future__ import annotations

from metallb_lint.catalog import catalog
from metallb_lint.checks.run import load_rules
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


def test_the_catalog_index_agrees_with_the_rules_files():
    """A lint run reads each rule's head without parsing YAML (catalog._index); the full
    parse must say the same for every rule, and every rules file must be indexable."""
    from metallb_lint import catalog as rules_catalog

    indexed = rules_catalog.catalog()
    parsed = {}
    for entry in rules_catalog._files():
        text = entry.read_text(encoding="utf-8")
        assert rules_catalog._index(text, str(entry)) is not None, entry.name
        parsed.update({i.id: i for i in rules_catalog._parsed(str(entry))[0]})
    assert list(indexed) == sorted(parsed)
    assert indexed == parsed  # id, name, severity, family, default, tags
    assert indexed["ML401"].summary.startswith("A Service requests an IP")


def test_a_rules_file_the_index_cannot_read_is_parsed(tmp_path):
    from metallb_lint import catalog as rules_catalog

    text = (
        "family: X\nrules:\n  - id: ML999\n    severity: info\n    name: odd-order\n"
        "    summary: s\n    description: d\n    remediation: r\n"
        "    examples: {bad: b, good: g}\n    tags: [x]\n"
    )
    assert rules_catalog._index(text, "x.yaml") is None
    path = tmp_path / "x.yaml"
    path.write_text(text)
    (info,), texts = rules_catalog._parsed(str(path))
    assert (info.name, info.tags, texts["ML999"].good) == ("odd-order", ("x",), "g\n")
