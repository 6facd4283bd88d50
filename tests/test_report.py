"""Reporters on synthetic results: text (header, grouping, source markers, related locations,
suppressed findings, summary, colour, control characters), concise and JSON.

`python -m tests.test_report` measures the text report of 10,000 findings (not a timed test).
"""

from __future__ import annotations

import io
import json
import re
import time

from metallb_lint import __version__
from metallb_lint.engine import RunResult
from metallb_lint.findings import Finding, Location, Related, ResourceRef, Severity
from metallb_lint.load.filetext import FileText
from metallb_lint.load.sources import SourceFile
from metallb_lint.metallb.versions import Version
from metallb_lint.model.inventory import Inventory
from metallb_lint.model.target import Target
from metallb_lint.report import render
from metallb_lint.report.text import clean

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: media
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.1.10
"""
POOL = "kind: IPAddressPool\nspec:\n  addresses:\n    - 192.168.1.240-192.168.1.244\n"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def target(**changes) -> Target:
    values = {
        "version": Version(0, 14, 3),
        "version_source": "metallb/Chart.yaml",
        "version_location": Location("metallb/Chart.yaml", 8),
        "assumed": False,
        "mode": "frr",
        "mode_source": "chart 0.14.3 defaults",
        "namespace": "metallb-system",
        "namespace_source": "argocd/metallb.yaml",
    }
    values.update(changes)
    return Target(**values)


def make_finding(rule="ML401", path="apps/svc.yaml", line=8, column=19, end=30, **kwargs):
    severity = kwargs.pop("severity", Severity.ERROR)
    return Finding(
        rule,
        kwargs.pop("name", "ip-not-in-any-pool"),
        severity,
        kwargs.pop("message", "Service media/web requests 192.168.1.10, which is in no pool"),
        Location(path, line, column, line, end),
        ResourceRef("v1", "Service", "media", "web"),
        **kwargs,
    )


def result_of(findings: list[Finding], **target_changes) -> RunResult:
    sources = {
        "apps/svc.yaml": SourceFile("apps/svc.yaml", "manifest", content=FileText(SERVICE)),
        "pool.yaml": SourceFile("pool.yaml", "manifest", content=FileText(POOL)),
    }
    inventory = Inventory(sources, target(**target_changes))
    return RunResult(sorted(findings, key=Finding.sort_key), inventory, 2, set(), Severity.ERROR)


def text(
    result: RunResult, *, color: bool = False, verbose: int = 0, width: int | None = None
) -> str:
    out = io.StringIO()
    render("text", result, out, color=color, verbose=verbose, width=width)
    return out.getvalue()


RELATED = (Related(Location("pool.yaml", 4), "pool 'default' is 192.168.1.240-192.168.1.244"),)


def test_text_report_layout() -> None:
    result = result_of(
        [
            make_finding(related=RELATED),
            make_finding(
                "ML406",
                name="deprecated-loadbalancerip",
                severity=Severity.INFO,
                message="spec.loadBalancerIP is deprecated",
            ),
            make_finding(
                "ML207", "pool.yaml", 4, 7, 33, name="buggy-ips", severity=Severity.WARNING
            ),
        ]
    )
    assert text(result) == (
        f"metallb-lint {__version__}: checked against MetalLB 0.14.3, frr mode, "
        "namespace metallb-system\n"
        "  version    from metallb/Chart.yaml:8\n"
        "  mode       from chart 0.14.3 defaults\n"
        "  namespace  from argocd/metallb.yaml\n"
        "  judged     0 MetalLB objects, 0 LoadBalancer Services\n"
        "\n"
        "apps/svc.yaml\n"
        "  8:19    error   ML401 ip-not-in-any-pool\n"
        "      Service media/web requests 192.168.1.10, which is in no pool\n"
        "     8 │   loadBalancerIP: 192.168.1.10\n"
        "       │                   ^^^^^^^^^^^^\n"
        "      → pool.yaml:4  pool 'default' is 192.168.1.240-192.168.1.244\n"
        "  8:19    info    ML406 deprecated-loadbalancerip\n"
        "      spec.loadBalancerIP is deprecated\n"
        "     8 │   loadBalancerIP: 192.168.1.10\n"
        "       │                   ^^^^^^^^^^^^\n"
        "\n"
        "pool.yaml\n"
        "  4:7     warning ML207 buggy-ips\n"
        "      Service media/web requests 192.168.1.10, which is in no pool\n"
        "     4 │     - 192.168.1.240-192.168.1.244\n"
        "       │       ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "\n"
        "3 problems (1 error, 1 warning, 1 info) in 2 files of 2 checked, 0 resources\n"
    )


def test_header_when_nothing_pins_the_version() -> None:
    result = result_of(
        [],
        version=Version(0, 16, 1),
        version_source="assumed",
        version_location=None,
        assumed=True,
        mode="frr-k8s",
        namespace_source="default",
    )
    lines = text(result).splitlines()
    assert lines[0].endswith("MetalLB 0.16.1, frr-k8s mode, namespace metallb-system")
    assert lines[1] == "  version    assumed: nothing in the repository pins it (see ML005)"
    assert lines[3] == "  namespace  default: nothing in the repository says otherwise"
    assert lines[-1] == "No problems found in 2 files, 0 resources"


def test_header_with_a_flag_or_config() -> None:
    result = result_of([], version_source="--metallb-version", version_location=None)
    assert "  version    from --metallb-version\n" in text(result)


def test_suppressed_findings_only_with_verbose() -> None:
    result = result_of(
        [
            make_finding(suppressed=True, suppression_reason="pool grows in March"),
            make_finding("ML406", name="deprecated-loadbalancerip", severity=Severity.INFO),
        ]
    )
    plain = text(result)
    assert "ML401" not in plain
    assert plain.endswith(
        "1 problem (1 info) in 1 file of 2 checked, 0 resources, 1 suppressed (-v shows them)\n"
    )
    verbose = text(result, verbose=1)
    assert (
        "  8:19    error   ML401 ip-not-in-any-pool (suppressed: pool grows in March)\n" in verbose
    )
    assert verbose.endswith(", 1 suppressed\n")


def test_source_markers_at_the_edges() -> None:
    findings = [
        make_finding(line=1, column=1, end=3),  # start of the file
        make_finding(line=8, column=19, end=500),  # end past the line: clipped
        make_finding(line=8, column=40, end=40),  # past the end of the line: one marker
        make_finding(line=99),  # no such line: no source shown
        make_finding("ML401", "nowhere.yaml", 1),  # a file without text
        Finding("ML401", "x", Severity.ERROR, "m", Location("apps/svc.yaml", 6, 1, 8, 3)),
    ]
    out = text(result_of(findings))
    assert "     1 │ apiVersion: v1\n       │ ^^^\n" in out
    assert (
        "     8 │   loadBalancerIP: 192.168.1.10\n       │                   ^^^^^^^^^^^^\n" in out
    )
    assert "       │" + " " * 31 + "^\n" in out
    assert "    99 │" not in out
    # a span over several lines marks the rest of the first line
    assert "     6 │ spec:\n       │ ^^^^^\n" in out


def test_control_characters_never_reach_the_terminal() -> None:
    nasty = make_finding(message="evil\x1b[2Jname\r\nsecond", path="apps/\x1b]0;x\x07svc.yaml")
    out = text(result_of([nasty]))
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert "evil\ufffd[2Jname\ufffd second" in out
    concise = io.StringIO()
    render("concise", result_of([nasty]), concise, color=False)
    assert concise.getvalue().count("\n") == 1 and "\x1b" not in concise.getvalue()
    assert clean("tab\there") == "tab here"
    assert clean("plain · ünïcode → ok") == "plain · ünïcode → ok"


def test_colour() -> None:
    result = result_of([make_finding(related=RELATED)])
    coloured = text(result, color=True)
    assert "\x1b[1;31merror  \x1b[0m" in coloured
    assert "\x1b[1;31m^^^^^^^^^^^^\x1b[0m" in coloured
    assert "\x1b[1;4mapps/svc.yaml\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == text(result)


def test_concise() -> None:
    result = result_of(
        [make_finding(), make_finding("ML406", severity=Severity.INFO, message="deprecated")]
    )
    out = io.StringIO()
    render("concise", result, out, color=True)
    assert out.getvalue() == (
        "apps/svc.yaml:8:19: ML401 [error] Service media/web requests 192.168.1.10, which is "
        "in no pool\n"
        "apps/svc.yaml:8:19: ML406 [info] deprecated\n"
    )
    quiet = io.StringIO()
    render("text", result, quiet, color=True, quiet=True)
    assert quiet.getvalue() == out.getvalue()
    empty = io.StringIO()
    render("concise", result_of([]), empty, color=False)
    assert empty.getvalue() == ""


def test_json() -> None:
    result = result_of([make_finding(related=RELATED), make_finding(line=3, suppressed=True)])
    out = io.StringIO()
    render("json", result, out, color=True)
    document = json.loads(out.getvalue())
    assert document["target"] == {
        "metallb_version": "0.14.3",
        "source": "metallb/Chart.yaml",
        "mode": "frr",
    }
    assert document["summary"] == {
        "files": 2,
        "resources": 0,
        "error": 1,
        "warning": 0,
        "info": 0,
        "suppressed": 1,
        "judged": {"metallb_objects": 0, "services": 0},
        "not_judged": {"not_deployed_files": 0, "unresolved": 0},
    }
    first, second = document["findings"]
    assert first["suppressed"] is True and first["suppression_reason"] is None
    assert second["related"] == [
        {"path": "pool.yaml", "line": 4, "message": "pool 'default' is 192.168.1.240-192.168.1.244"}
    ]
    assert out.getvalue().endswith("}\n")


def synthetic(count: int = 10_000) -> RunResult:
    """`count` findings over two files, a tenth suppressed, each with a related location."""
    findings = [
        make_finding(
            ("ML401", "ML207", "ML406")[i % 3],
            ("apps/svc.yaml", "pool.yaml")[i % 2],
            i % 8 + 1,
            3,
            12,
            severity=Severity(i % 3 + 1),
            message=f"Service media/app{i} requests 192.168.{i % 256}.{i % 200}: in no pool",
            related=RELATED,
            suppressed=i % 10 == 0,
        )
        for i in range(count)
    ]
    return result_of(findings)


def measure() -> None:
    result = synthetic()
    for color in (False, True):
        for verbose in (0, 1):
            out = io.StringIO()
            start = time.perf_counter()
            render("text", result, out, color=color, verbose=verbose)
            seconds = time.perf_counter() - start
            print(
                f"text report, 10,000 findings, color={color}, verbose={verbose}: "
                f"{seconds:.3f} s ({len(out.getvalue()):,} characters)"
            )


def test_many_findings_render() -> None:
    out = text(synthetic(1000))
    assert out.count("\n  ") > 900


LONG = (
    "Service media/web requests 192.168.1.10, which is in no pool: MetalLB never assigns it "
    "and the Service stays <pending>; add the address to a pool or request one inside a pool"
)


def test_text_wraps_messages_and_related_locations_to_the_width() -> None:
    related = (Related(Location("pool.yaml", 4), LONG),)
    out = text(result_of([make_finding(message=LONG, related=related)]), width=60)
    body = out.split("apps/svc.yaml\n", 1)[1].split("\n\n", 1)[0].split("\n")
    assert body == [
        "  8:19    error   ML401 ip-not-in-any-pool",
        "      Service media/web requests 192.168.1.10, which is in",
        "      no pool: MetalLB never assigns it and the Service",
        "      stays <pending>; add the address to a pool or request",
        "      one inside a pool",
        "     8 │   loadBalancerIP: 192.168.1.10",
        "       │                   ^^^^^^^^^^^^",
        "      → pool.yaml:4  Service media/web requests",
        "        192.168.1.10, which is in no pool: MetalLB never",
        "        assigns it and the Service stays <pending>; add the",
        "        address to a pool or request one inside a pool",
    ]
    assert all(len(line) <= 60 for line in body if "│" not in line)
    # no width: one line per message, as before; a width too narrow to help is raised to 40
    assert LONG in text(result_of([make_finding(message=LONG)]))
    narrow = text(result_of([make_finding(message=LONG)]), width=5)
    assert "      Service media/web requests\n      192.168.1.10, which is in no pool:\n" in narrow


def test_concise_never_wraps() -> None:
    out = io.StringIO()
    render("concise", result_of([make_finding(message=LONG)]), out, color=False, width=40)
    assert out.getvalue() == f"apps/svc.yaml:8:19: ML401 [error] {LONG}\n"


def test_repeated_info_findings_collapse_unless_verbose() -> None:
    def info(line: int, path: str = "apps/svc.yaml") -> Finding:
        return make_finding(
            "ML406",
            path,
            line,
            name="deprecated-loadbalancerip",
            severity=Severity.INFO,
            message=f"deprecated {path}:{line}",
        )

    many = [info(n) for n in range(1, 6)] + [info(n, "pool.yaml") for n in range(1, 3)]
    result = result_of([*many, make_finding(line=9)])
    out = text(result)
    assert [
        line for line in out.split("\n") if line.startswith("      ") and "deprecated" in line
    ] == [
        "      deprecated apps/svc.yaml:1",
        "      deprecated apps/svc.yaml:2",
        "      deprecated apps/svc.yaml:3",
        "      … and 4 more like this in 2 files (ML406 deprecated-loadbalancerip; -v shows "
        "them all)",
    ]
    assert "pool.yaml\n" not in out  # every finding there was collapsed: no heading
    assert "ML401" in out  # other rules are never collapsed
    assert "8 problems (1 error, 7 infos)" in out  # and all are counted
    assert text(result, verbose=1).count("      deprecated ") == 7


if __name__ == "__main__":
    measure()


def test_what_was_judged_and_what_was_not(tmp_path) -> None:
    """Issue 15 item 7: the header and the JSON summary count the objects judged and say what
    was not (a file nothing deploys, a template left unrendered); -v lists each with why."""
    from tests.conftest import lint_json, run_cli, write

    pool = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lan\n"
        "  namespace: metallb-system\nspec:\n  addresses: [10.0.0.0/28]\n"
    )
    write(
        tmp_path,
        {
            "kustomization.yaml": "resources:\n  - pool.yaml\n  - chart\n",
            "pool.yaml": pool,
            "old/pool.yaml": pool.replace("lan", "old"),
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
            "chart/templates/pool.yaml": pool.replace("[10.0.0.0/28]", "{{ .Values.nope }}"),
        },
    )
    summary = lint_json("--metallb-version", "0.16.1", ".", cwd=tmp_path).json["summary"]
    assert summary["judged"] == {"metallb_objects": 1, "services": 0}
    assert summary["not_judged"] == {"not_deployed_files": 1, "unresolved": 1}
    header = run_cli("--isolated", "--metallb-version", "0.16.1", ".", cwd=tmp_path).out
    assert (
        "  judged     1 MetalLB object, 0 LoadBalancer Services; not judged: 1 file nothing "
        "deploys (ML007), 1 left unresolved or unrendered (ML004) (-v lists them)\n"
    ) in header
    verbose = run_cli("--isolated", "-v", "--metallb-version", "0.16.1", ".", cwd=tmp_path).out
    assert "    not deployed: old/pool.yaml: " in verbose
    assert "    unresolved: chart/templates/pool.yaml:7: " in verbose
