"""The static deployment model against the real kustomize engine, on every fixture that has a
kustomization (tools/differential.py says what must agree). Skipped, saying why, where no
engine is installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint.config import Config
from metallb_lint.engine import Options, run
from metallb_lint.gitops.render import find_engine
from metallb_lint.tools.differential import KUSTOMIZATION_NAMES, compare

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ENGINE = find_engine()


def _case_root(kustomization: Path) -> Path:
    """The folder a test lints as one repository: `rules/<rule>/bad|good`, `realworld/<case>`,
    `render/<case>`, or the top folder of the other fixture sets."""
    parts = kustomization.relative_to(FIXTURES).parts
    depth = 3 if parts[0] == "rules" else 2 if parts[0] in ("realworld", "render") else 1
    return FIXTURES.joinpath(*parts[:depth])


def _cases() -> list[Path]:
    found = {_case_root(path) for name in KUSTOMIZATION_NAMES for path in FIXTURES.rglob(name)}
    return sorted(found)


@pytest.mark.skipif(ENGINE is None, reason="no kustomize engine (kustomize or kubectl) on PATH")
@pytest.mark.parametrize("case", _cases(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_static_model_agrees_with_kustomize(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ENGINE is not None
    monkeypatch.chdir(case)
    comparison = compare(run(Options(paths=["."], context=False), Config()), case, ENGINE)
    assert not comparison.problems, "\n".join(comparison.problems)
    assert not comparison.failed, "\n".join(comparison.failed)
    if not comparison.built:
        pytest.skip("no root kustomization of this fixture is deployed")
