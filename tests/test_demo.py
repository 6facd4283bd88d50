"""The bundled demo, fixtures/homelab: its exact findings, the JSON contract's shape, and the
golden outputs in tests/golden/ (JSON, concise, text without colour), compared byte for byte.

To regenerate the golden files after an intended change, run

    UPDATE_GOLDEN=1 /work/venv/bin/python -m pytest tests/test_demo.py

and review the diff of tests/golden/ before committing it. The tool's version is written as
X.Y.Z in the golden files, so a release does not change them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metallb_lint import __version__
from tests.conftest import ROOT, run_cli

GOLDEN = Path(__file__).resolve().parent / "golden"
DEMO = ("--isolated", "fixtures/homelab")
POOL = "fixtures/homelab/metallb-system/templates/ipaddresspool.yaml"

# The seed guide's IP table hands out 192.168.1.231-.237 to the media apps, outside the pool
# 192.168.1.240-192.168.1.244 (README of the demo).
EXPECTED = [
    # metallb.io/ annotations arrived in 0.14.9; 0.14.3 ignores it (so no ML401 for .232:
    # MetalLB never sees that request and auto-assigns from the pool).
    ("ML107", "fixtures/homelab/apps/navidrome/navidrome.yaml", 73),
    ("ML401", "fixtures/homelab/apps/prowlarr/service.yaml", 10),  # .235
    ("ML401", "fixtures/homelab/apps/radarr/values.yaml", 9),  # .233, chart values
    ("ML401", "fixtures/homelab/apps/sonarr/service.yaml", 11),  # .234
    ("ML406", "fixtures/homelab/apps/sonarr/service.yaml", 11),
    ("ML401", "fixtures/homelab/apps/transcoder/service.yaml", 11),  # .237
    ("ML401", "fixtures/homelab/argocd/media.yaml", 56),  # jellyfin .231, Argo valuesObject
    ("ML401", "fixtures/homelab/argocd/media.yaml", 97),  # qbittorrent .236, Argo values
    ("ML406", "fixtures/homelab/ingress-nginx/service-internal.yaml", 13),
    # 0.14.3 is not the newest 0.14 patch (0.14.9); 0.15.0-0.16.0 fix vulnerabilities
    ("ML504", "fixtures/homelab/metallb-system/Chart.yaml", 8),
    # chart 0.14.3 has no existingConfigMap (MetalLB stopped reading ConfigMaps in 0.13.0)
    ("ML105", "fixtures/homelab/metallb-system/values.yaml", 3),
    # `protocol: layer2` is no key of the metallb chart: Helm ignores it
    ("ML103", "fixtures/homelab/metallb-system/values.yaml", 32),
]


def demo(*args: str):
    return run_cli(*DEMO, *args, cwd=ROOT)


def normalise(text: str) -> str:
    """The tool's version as X.Y.Z (only where the report prints it)."""
    return text.replace(f'"version": "{__version__}"', '"version": "X.Y.Z"').replace(
        f"metallb-lint {__version__}", "metallb-lint X.Y.Z"
    )


def test_demo_findings() -> None:
    result = demo("--format", "json")
    assert result.code == 1
    assert result.err == ""
    found = [(f["rule"], f["path"], f["line"]) for f in result.json["findings"]]
    assert found == EXPECTED
    by_key = {(f["rule"], f["path"], f["line"]): f for f in result.json["findings"]}
    for key in EXPECTED:
        item = by_key[key]
        if key[0] == "ML401":
            assert item["severity"] == "error"
            assert item["related"] == [
                {
                    "path": POOL,
                    "line": 8,
                    "message": "pool 'default' is 192.168.1.240-192.168.1.244",
                }
            ]
        if key[0] == "ML406":
            assert item["severity"] == "info"
    assert result.json["target"] == {
        "metallb_version": "0.14.3",
        "source": "fixtures/homelab/metallb-system/Chart.yaml",
        "mode": "frr",
    }
    assert result.json["summary"] == {
        "files": 19,
        "resources": 15,
        "error": 8,
        "warning": 2,
        "info": 2,
        "suppressed": 0,
        "judged": {"metallb_objects": 2, "services": 10},
        "not_judged": {"not_deployed_files": 0, "unresolved": 0},
    }


def test_demo_columns_point_at_the_requested_ips() -> None:
    result = demo("--format", "json", "--select", "ML401,ML406")
    assert len(result.json["findings"]) == 8
    for item in result.json["findings"]:
        line = (ROOT / item["path"]).read_text(encoding="utf-8").split("\n")[item["line"] - 1]
        # end_column is exclusive (one past the last character), as in the DESIGN contract
        marked = line[item["column"] - 1 : item["end_column"] - 1]
        assert marked in {f"192.168.1.23{i}" for i in range(10)} | {"192.168.1.241"}, (
            item["rule"],
            item["path"],
            marked,
        )


def test_json_contract_shape() -> None:
    document = demo("--format", "json").json
    assert list(document) == ["version", "tool", "target", "summary", "findings"]
    assert document["version"] == 1
    assert document["tool"] == {"name": "metallb-lint", "version": __version__}
    assert list(document["target"]) == ["metallb_version", "source", "mode"]
    assert list(document["summary"]) == [
        "files",
        "resources",
        "error",
        "warning",
        "info",
        "suppressed",
        "judged",
        "not_judged",
    ]
    counted = {k: v for k, v in document["summary"].items() if k not in ("judged", "not_judged")}
    assert all(isinstance(v, int) for v in counted.values())
    assert list(document["summary"]["judged"]) == ["metallb_objects", "services"]
    assert list(document["summary"]["not_judged"]) == ["not_deployed_files", "unresolved"]
    keys = [
        "rule",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "resource",
        "related",
        "fingerprint",
    ]
    fingerprints = set()
    for item in document["findings"]:
        # `fix` is an optional extension (README, "Fixes"): present only with a fix
        assert [k for k in item if k != "fix"] == keys
        if "fix" in item:
            assert list(item) == [*keys, "fix"]
            assert list(item["fix"]) == ["applicability", "message", "edits"]
        assert item["severity"] in ("error", "warning", "info")
        assert all(isinstance(item[k], int) and item[k] >= 1 for k in keys[5:9])
        assert (item["end_line"], item["end_column"]) >= (item["line"], item["column"])
        assert list(item["resource"]) == ["apiVersion", "kind", "namespace", "name"]
        for related in item["related"]:
            assert list(related) == ["path", "line", "message"]
        assert isinstance(item["fingerprint"], str) and len(item["fingerprint"]) == 32
        fingerprints.add(item["fingerprint"])
        assert not Path(item["path"]).is_absolute()
    assert len(fingerprints) == len(document["findings"])
    order = [(f["path"], f["line"], f["column"], f["rule"]) for f in document["findings"]]
    assert order == sorted(order)


def test_demo_text_header_names_the_target() -> None:
    lines = demo("--color", "never").out.splitlines()
    assert lines[:4] == [
        f"metallb-lint {__version__}: checked against MetalLB 0.14.3, frr mode, "
        "namespace metallb-system",
        "  version    from fixtures/homelab/metallb-system/Chart.yaml:8",
        "  mode       from chart 0.14.3 defaults",
        "  namespace  from fixtures/homelab/argocd/metallb.yaml",
    ]
    assert (
        lines[-1]
        == "12 problems (8 errors, 2 warnings, 2 infos) in 9 files of 19 checked, 15 resources"
    )


def test_same_output_every_time() -> None:
    first = demo("--format", "json")
    assert demo("--format", "json").out == first.out


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("homelab.json", ("--format", "json")),
        ("homelab.concise.txt", ("--format", "concise")),
        ("homelab.text.txt", ("--format", "text", "--color", "never")),
    ],
)
def test_golden(name: str, args: tuple[str, ...]) -> None:
    result = demo(*args)
    assert result.code == 1
    actual = normalise(result.out)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"{name} differs; UPDATE_GOLDEN=1 regenerates it (see top)"
