"""The classes of false positives and misses found in real repositories
(benchmarks/realworld/), each reproduced by a small hand-written repository under
fixtures/realworld/<class>-<shape>/ with an `expect.yaml`:

    class: version-advice          # the ledger's class name
    issue: 16                      # the issue that fixes it
    what: one line on the shape of the repository
    args: [--flag, value]          # extra command-line arguments (optional)
    absent:                        # error/warning findings that must not be reported
      - {rule: ML106, path: apps/web.yaml, line: 7}
    present:                       # error/warning findings that must be reported (misses)
      - {rule: ML504, path: metallb/metallb-native.yaml, line: 12}
    open: "why it still fails"     # present while the class is not fixed

A fixture with `open:` is a strict expected failure: the test fails as soon as the fix lands, so
that `open:` is removed and the fixture starts guarding the fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, run_cli

CASES = sorted(p.parent for p in (FIXTURES / "realworld").glob("*/expect.yaml"))


def _expectation(case: Path) -> dict:
    return yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))


def _params():
    for case in CASES:
        expect = _expectation(case)
        marks = []
        if expect.get("open"):
            marks.append(pytest.mark.xfail(strict=True, reason=str(expect["open"])))
        yield pytest.param(case, marks=marks, id=case.name)


def test_every_class_fixture_is_well_formed() -> None:
    assert CASES, "no fixtures under fixtures/realworld"
    for case in CASES:
        expect = _expectation(case)
        assert expect.get("class") and expect.get("what") and expect.get("issue"), case.name
        assert expect.get("absent") or expect.get("present"), case.name
        assert case.name.startswith(expect["class"] + "-"), case.name
        for item in [*(expect.get("absent") or []), *(expect.get("present") or [])]:
            assert set(item) == {"rule", "path", "line"}, (case.name, item)
            assert (case / item["path"]).is_file(), (case.name, item["path"])


@pytest.mark.parametrize("case", list(_params()))
def test_real_world_class(case: Path) -> None:
    expect = _expectation(case)
    result = run_cli(
        "--format", "json", "--exit-zero", *map(str, expect.get("args") or []), ".", cwd=case
    )
    assert result.code == 0, result.err
    reported = {
        (f["rule"], f["path"], f["line"])
        for f in result.json["findings"]
        if f["severity"] in ("error", "warning")  # what the ledger judges
    }
    for item in expect.get("absent") or []:
        key = (item["rule"], item["path"], item["line"])
        assert key not in reported, f"false positive still reported: {key}"
    for item in expect.get("present") or []:
        key = (item["rule"], item["path"], item["line"])
        assert key in reported, f"miss still missed: {key}"
