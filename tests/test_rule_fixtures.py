"""Every rule fires on its bad fixture, exactly where the fixture says, and is silent on the good.

Bad fixtures mark each expected finding with a trailing comment `# expect: ML201` on the line
the finding must point at (several IDs may be listed, comma-separated); a rule's bad fixture
must produce exactly its marked findings, and its good fixture none of that rule. Fixtures
may carry a `.metallb-lint.yaml` (for rules that need configuration); it is honoured.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metallb_lint.catalog import catalog
from tests.conftest import FIXTURES, run_cli

RULE_FIXTURES = FIXTURES / "rules"
_EXPECT = re.compile(r"#\s*expect:\s*((?:ML\d{3}[,\s]*)+)")


def _fixture_dirs() -> list[Path]:
    return (
        sorted(p for p in RULE_FIXTURES.iterdir() if p.is_dir()) if RULE_FIXTURES.is_dir() else []
    )


def _rule_id(folder: Path) -> str:
    return folder.name.split("-", 1)[0]


def expected_marks(folder: Path, rule_id: str) -> list[tuple[str, str, int]]:
    marks = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in (".yaml", ".yml", ".lock"):
            continue
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1
        ):
            match = _EXPECT.search(line)
            if match and rule_id in re.findall(r"ML\d{3}", match.group(1)):
                marks.append((rule_id, path.relative_to(folder).as_posix(), number))
    return sorted(marks)


def lint_folder(folder: Path, rule_id: str) -> list[tuple[str, str, int]]:
    args = ["--format", "json", "--select", rule_id, "--exit-zero", "."]
    if not (folder / ".metallb-lint.yaml").exists():
        args.insert(0, "--isolated")
    result = run_cli(*args, cwd=folder)
    assert result.code == 0, result.err
    return sorted((f["rule"], f["path"], f["line"]) for f in result.json["findings"])


@pytest.mark.parametrize("folder", _fixture_dirs(), ids=lambda p: p.name)
def test_bad_fixture_fires_exactly_where_marked(folder: Path) -> None:
    rule_id = _rule_id(folder)
    expected = expected_marks(folder / "bad", rule_id)
    assert expected, f"{folder.name}/bad has no '# expect: {rule_id}' marks"
    assert lint_folder(folder / "bad", rule_id) == expected


@pytest.mark.parametrize("folder", _fixture_dirs(), ids=lambda p: p.name)
def test_good_fixture_is_silent(folder: Path) -> None:
    rule_id = _rule_id(folder)
    assert (folder / "good").is_dir(), f"{folder.name} has no good/ fixture"
    assert lint_folder(folder / "good", rule_id) == []


def test_every_rule_has_fixtures_named_after_it() -> None:
    names = {p.name for p in _fixture_dirs()}
    for info in catalog().values():
        assert f"{info.id}-{info.name}" in names, f"no fixtures/rules/{info.id}-{info.name}/"


def test_every_fixture_folder_names_a_rule() -> None:
    known = {f"{i.id}-{i.name}" for i in catalog().values()}
    for folder in _fixture_dirs():
        assert folder.name in known, f"{folder.name} does not match any rule's ID and name"
