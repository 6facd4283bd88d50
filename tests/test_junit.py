"""`--format junit`: one testsuite per file, a failing testcase per finding, a passing testcase
per clean file, skipped testcases for suppressed findings, and valid XML whatever the input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import ROOT, run_cli, write
from tests.manifests import POOL


def service(name: str, ip: str, comment: str = "") -> str:
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: media\n"
        f"  annotations:\n    metallb.universe.tf/loadBalancerIPs: {ip}{comment}\n"
        "spec:\n  type: LoadBalancer\n  ports:\n    - port: 80\n"
    )


def junit(root: Path, *args: str) -> tuple[int, ET.Element]:
    result = run_cli("--isolated", "--metallb-version", "0.14.8", "-f", "junit", *args, cwd=root)
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return result.code, ET.fromstring(result.out.encode("utf-8"))


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {suite.get("name"): suite for suite in root.findall("testsuite")}


def test_demo_suites_per_file() -> None:
    code, root = junit(ROOT, "fixtures/homelab")
    assert code == 1
    by_name = suites(root)
    sonarr = by_name["fixtures/homelab/apps/sonarr/service.yaml"]  # ML401 and ML406
    failures = sonarr.findall("testcase/failure")
    assert sonarr.get("failures") == sonarr.get("tests") == str(len(failures))
    assert [f.get("type") for f in failures][:2] == ["error", "info"]
    assert failures[0].text.startswith(
        "fixtures/homelab/apps/sonarr/service.yaml:11:19: ML401 ip-not-in-any-pool [error]"
    )
    assert "related: fixtures/homelab/metallb-system/templates/ipaddresspool.yaml:8" in (
        failures[0].text
    )
    chart = by_name["fixtures/homelab/metallb-system/templates/ipaddresspool.yaml"]
    assert (chart.get("tests"), chart.get("failures")) == ("1", "0")
    [case] = chart.findall("testcase")
    assert list(case) == []  # passing
    demo = run_cli("--isolated", "-f", "json", "fixtures/homelab", cwd=ROOT).json
    assert root.get("failures") == str(len(demo["findings"]))
    assert len(by_name) == demo["summary"]["files"]
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in by_name.values())


def test_suppressed_findings_are_skipped_testcases(repo: Path) -> None:
    write(
        repo,
        {
            "pool.yaml": POOL,
            "svc.yaml": service("x", "192.168.1.10", "  # metallb-lint: disable=ML401 -- later"),
        },
    )
    code, root = junit(repo, ".")
    assert code == 0
    svc = suites(root)["svc.yaml"]
    assert (svc.get("tests"), svc.get("failures"), svc.get("skipped")) == ("2", "0", "1")
    skipped = svc.find("testcase/skipped")
    assert skipped is not None and skipped.get("message") == "suppressed: later"


def test_hostile_text_stays_valid_xml(repo: Path) -> None:
    """Names with markup, quotes, ampersands and control characters, and a path to match."""
    write(
        repo,
        {
            "pool.yaml": POOL,
            "we&<ird>.yaml": (
                "apiVersion: v1\nkind: Service\nmetadata:\n"
                '  name: "a<b>&\\"c\\"\\x01]]>"\n'  # a<b>&"c" U+0001 ]]>
                "  annotations:\n    metallb.universe.tf/loadBalancerIPs: 10.0.0.1\n"
                "spec:\n  type: LoadBalancer\n"
            ),
        },
    )
    code, root = junit(repo, ".")
    assert code == 1
    suite = suites(root)["we&<ird>.yaml"]
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert 'a<b>&"c"\ufffd]]>' in failure.get("message")
    assert 'a<b>&"c"\ufffd]]>' in failure.text


def test_no_files(repo: Path) -> None:
    code, root = junit(repo, ".")
    assert code == 0
    assert root.tag == "testsuites" and list(root) == []
    assert (root.get("tests"), root.get("failures")) == ("0", "0")
