"""ML506-ML511: the controller's and speaker's chart values after merging the chart defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from metallb_lint.catalog import catalog
from metallb_lint.checks.chart import quantity
from tests.conftest import ROOT, findings, run_cli, write
from tests.manifests import chart_yaml, lint_selected, messages, pool

POOL = pool("192.168.1.240-192.168.1.250")


def chart(version: str, values: str, pools: bool = False) -> dict[str, str]:
    files = {
        "metallb-system/Chart.yaml": chart_yaml(version),
        "metallb-system/values.yaml": values,
    }
    if pools:
        files["metallb-system/templates/pool.yaml"] = POOL
    return files


VALUES = "metallb-system/values.yaml"


def test_demo_has_no_chart_findings() -> None:
    result = run_cli(
        "--isolated", "--format", "json", "--select", "ML506,ML507,ML508,ML509,ML510,ML511",
        "fixtures/homelab", cwd=ROOT,
    )  # fmt: skip
    assert result.json["findings"] == []


def test_ml506_each_timing_problem_at_the_users_value(repo: Path) -> None:
    write(
        repo,
        chart(
            "0.14.9",
            """\
metallb:
  controller:
    livenessProbe:
      periodSeconds: 5
      timeoutSeconds: 5
      successThreshold: 2
    readinessProbe:
      periodSeconds: 2
  speaker:
    livenessProbe:
      timeoutSeconds: 0
""",
        ),
    )
    result = lint_selected(repo, "ML506")
    assert findings(result) == [
        ("ML506", VALUES, 5),
        ("ML506", VALUES, 6),
        ("ML506", VALUES, 8),
        ("ML506", VALUES, 11),
    ]
    overlap, success, window, zero = messages(result)
    assert overlap.startswith(
        "controller.livenessProbe.timeoutSeconds 5 is not below periodSeconds 5"
    )
    assert success.startswith("controller.livenessProbe.successThreshold is 2")
    assert window.startswith(
        "controller.readinessProbe: failureThreshold 3 x periodSeconds 2 = 6 s"
    )
    assert zero.startswith("speaker.livenessProbe.timeoutSeconds is 0, under 1")


def test_ml506_reports_the_component_when_a_default_is_the_cause(repo: Path) -> None:
    # periodSeconds 1 is under the default timeout of 1: reported at the user's periodSeconds,
    # and the message says the timeout is the chart default
    write(
        repo, chart("0.14.9", "metallb:\n  speaker:\n    readinessProbe:\n      periodSeconds: 1\n")
    )
    result = lint_selected(repo, "ML506")
    assert findings(result) == [("ML506", VALUES, 4), ("ML506", VALUES, 4)]
    assert (
        "timeoutSeconds 1 (chart 0.14.9 default) is not below periodSeconds 1"
        in (messages(result)[0])
    )


def test_ml506_silent_on_sane_and_disabled_probes(repo: Path) -> None:
    write(
        repo,
        chart(
            "0.14.9",
            """\
metallb:
  controller:
    livenessProbe:
      periodSeconds: 10
      timeoutSeconds: 5
      initialDelaySeconds: 0
    readinessProbe:
      enabled: false
      timeoutSeconds: 30
""",
        ),
    )
    assert findings(lint_selected(repo, "ML506")) == []


def test_ml507_liveness_disabled(repo: Path) -> None:
    write(repo, chart("0.14.9", "metallb:\n  speaker:\n    livenessProbe:\n      enabled: false\n"))
    result = lint_selected(repo, "ML507")
    assert findings(result) == [("ML507", VALUES, 4)]
    assert messages(result)[0].startswith("the speaker's liveness probe is disabled")


def test_ml508_limit_below_request_but_not_a_missing_limit(repo: Path) -> None:
    """A missing limit is the chart's default and an opinion (benchmarks/realworld): only a
    limit below its request, which Kubernetes rejects, is reported."""
    write(
        repo,
        chart(
            "0.14.9",
            """\
metallb:
  controller:
    resources:
      requests:
        memory: 100Mi
  speaker:
    resources:
      requests:
        memory: 1Gi
      limits:
        memory: 512Mi
""",
        ),
    )
    result = lint_selected(repo, "ML508")
    assert findings(result) == [("ML508", VALUES, 11)]
    (below,) = messages(result)
    assert below.startswith("the speaker's memory limit 512Mi is below its request 1Gi")


def test_ml508_chart_defaults_are_not_reported(repo: Path) -> None:
    write(repo, chart("0.14.9", "metallb:\n  loadBalancerClass: ''\n"))
    assert findings(lint_selected(repo, "ML508")) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("100Mi", 100 * 2**20), ("0.5Gi", 2**29), ("128M", 128e6), (1024, 1024), ("1e3", 1000)],
)
def test_quantity(text: object, value: float) -> None:
    assert quantity(text) == value


def test_ml509_frr_with_frr_k8s_default_of_0_16(repo: Path) -> None:
    write(repo, chart("0.16.1", "metallb:\n  speaker:\n    frr:\n      enabled: true\n"))
    result = lint_selected(repo, "ML509")
    assert findings(result) == [("ML509", VALUES, 4)]
    assert messages(result)[0].startswith(
        "speaker.frr.enabled and frrk8s.enabled (chart 0.16.1 default) are both true"
    )


def test_ml509_depends_on_the_release(repo: Path) -> None:
    values = """\
metallb:
  speaker:
    memberlist:
      enabled: false
    nodeSelector:
      role: edge
  prometheus:
    serviceAccount: prometheus
    namespace: monitoring
    podMonitor:
      enabled: true
    serviceMonitor:
      enabled: true
"""
    write(repo, chart("0.14.3", values))
    assert findings(lint_selected(repo, "ML509")) == []  # neither check exists in 0.14.3
    write(repo, chart("0.15.3", values))
    result = lint_selected(repo, "ML509")
    assert findings(result) == [("ML509", VALUES, 4), ("ML509", VALUES, 13)]
    memberlist, monitors = messages(result)
    assert memberlist.startswith("speaker.memberlist.enabled is false while speaker.nodeSelector")
    assert monitors.startswith("prometheus.podMonitor.enabled and prometheus.serviceMonitor")


def test_ml510_probe_port_only_from_0_16_1(repo: Path) -> None:
    values = "metallb:\n  controller:\n    livenessProbe:\n      port: 8080\n"
    write(repo, chart("0.16.1", values))
    result = lint_selected(repo, "ML510")
    assert findings(result) == [("ML510", VALUES, 4)]
    assert "restarts in a loop" in messages(result)[0]
    write(repo, chart("0.16.0", values))
    assert findings(lint_selected(repo, "ML510")) == []


def test_ml511_component_disabled_only_with_pools(repo: Path) -> None:
    values = "metallb:\n  controller:\n    enabled: false\n"
    write(repo, chart("0.14.9", values))
    assert findings(lint_selected(repo, "ML511")) == []
    write(repo, chart("0.14.9", values, pools=True))
    result = lint_selected(repo, "ML511")
    assert findings(result) == [("ML511", VALUES, 3)]
    assert messages(result)[0].startswith("controller.enabled is false while the repository")


def test_chart_rules_skip_a_chart_turned_off_by_its_condition(repo: Path) -> None:
    files = chart("0.14.9", "metallb:\n  enabled: false\n  controller:\n    enabled: false\n")
    files["metallb-system/Chart.yaml"] += "    condition: metallb.enabled\n"
    files["metallb-system/templates/pool.yaml"] = POOL
    write(repo, files)
    assert findings(lint_selected(repo, "ML508", "ML511")) == []


@pytest.mark.parametrize("rule_id", ["ML506", "ML507", "ML508", "ML509", "ML510", "ML511"])
def test_explain(rule_id: str) -> None:
    info = catalog()[rule_id]
    result = run_cli("explain", rule_id)
    assert result.code == 0
    assert info.name in result.out and info.summary in result.out
