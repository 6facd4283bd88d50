"""`--format github`: workflow commands escaped exactly as GitHub's toolkit does, a title with
the rule's ID and name, columns only on one line, errors before warnings before notices."""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint.findings import Finding, Location, Related, Severity
from metallb_lint.report.github import annotation, escape_data, escape_property
from tests.conftest import run_cli, write
from tests.manifests import POOL


def finding(message: str = "m", *, path: str = "a.yaml", severity=Severity.ERROR, **loc):
    return Finding("ML401", "ip-not-in-any-pool", severity, message, Location(path, **loc))


# The toolkit's escapeData and escapeProperty (@actions/core, src/command.ts).
@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain text", "plain text", "plain text"),
        ("100%", "100%25", "100%25"),
        ("%0A is not a newline", "%250A is not a newline", "%250A is not a newline"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("key: value, more", "key: value, more", "key%3A value%2C more"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
        ("é → ü", "é → ü", "é → ü"),
    ],
)
def test_escaping_matches_the_toolkit(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_one_line_annotation_has_columns() -> None:
    line = annotation(finding(line=9, column=21, end_line=9, end_column=33))
    assert line == (
        "::error file=a.yaml,line=9,col=21,endLine=9,endColumn=33,title=ML401 ip-not-in-any-pool::m"
    )


def test_multi_line_annotation_has_no_columns() -> None:
    line = annotation(finding(line=3, column=5, end_line=7, end_column=2))
    assert line == "::error file=a.yaml,line=3,endLine=7,title=ML401 ip-not-in-any-pool::m"


def test_properties_and_message_are_escaped() -> None:
    item = finding("50% of\nthe pool: gone", path="dir,x/a:b%.yaml", line=1, column=1)
    item.related = (Related(Location("p,q.yaml", 4), "pool 'x'"),)
    line = annotation(item)
    assert line.startswith("::error file=dir%2Cx/a%3Ab%25.yaml,line=1,col=1,endLine=1,")
    assert line.endswith("::50%25 of%0Athe pool: gone%0A→ p,q.yaml:4: pool 'x'")
    assert "\n" not in line and "\r" not in line


@pytest.mark.parametrize(
    ("severity", "command"),
    [(Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "notice")],
)
def test_severity_commands(severity: Severity, command: str) -> None:
    assert annotation(finding(severity=severity)).startswith(f"::{command} file=")


def test_cli_orders_errors_warnings_notices(repo: Path) -> None:
    """ML406 (info) comes first in the file, ML409 (warning) and ML401 (error) later: GitHub
    shows only 10 of each kind, so the errors go first."""
    write(
        repo,
        {
            "pool.yaml": POOL,
            "a.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n"
            "  type: LoadBalancer\n  loadBalancerIP: 192.168.1.241\n",
            "b.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  annotations:\n"
            "    metallb.universe.tf/loadBalancerIPs: 192.168.1.242\nspec:\n  type: ClusterIP\n",
            "c.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: c\n  annotations:\n"
            "    metallb.universe.tf/loadBalancerIPs: 10.0.0.1\nspec:\n  type: LoadBalancer\n",
        },
    )
    result = run_cli("--isolated", "--metallb-version", "0.14.8", "-f", "github", ".", cwd=repo)
    assert result.code == 1
    lines = result.out.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice"]
    assert "file=c.yaml," in lines[0] and "title=ML401 ip-not-in-any-pool::" in lines[0]
    assert "file=b.yaml," in lines[1] and "file=a.yaml," in lines[2]


def test_suppressed_findings_are_not_annotated(repo: Path) -> None:
    write(
        repo,
        {
            "pool.yaml": POOL,
            "a.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n"
            "    metallb.universe.tf/loadBalancerIPs: 10.0.0.1  # metallb-lint: disable=ML401\n"
            "spec:\n  type: LoadBalancer\n",
        },
    )
    result = run_cli("--isolated", "--metallb-version", "0.14.8", "-f", "github", ".", cwd=repo)
    assert (result.code, result.out) == (0, "")
