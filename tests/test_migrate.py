"""`metallb-lint migrate`: the legacy fixtures converted (golden files), the converted resources
linted without errors, values that cannot be converted reported, and the pieces (names,
durations, positions) matching MetalLB's configmaptocrs (facts §6.1).

Regenerate the golden files after an intended change with

    UPDATE_GOLDEN=1 /work/venv/bin/python -m pytest tests/test_migrate.py

and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from metallb_lint.metallb.gonumbers import duration_seconds, format_duration
from metallb_lint.tools.migrate import sanitise
from tests.conftest import FIXTURES, ROOT, run_cli, write

GOLDEN = Path(__file__).resolve().parent / "golden"
LEGACY = sorted(p.name for p in (FIXTURES / "legacy").iterdir() if p.is_dir())


def migrate(*args: str, cwd: Path = ROOT):
    return run_cli("migrate", "--isolated", *args, cwd=cwd)


def objects(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def test_every_place_is_covered() -> None:
    assert LEGACY == ["configmap", "helm", "kustomize"]


@pytest.mark.parametrize("name", LEGACY)
def test_golden(name: str) -> None:
    result = migrate(f"fixtures/legacy/{name}")
    assert result.code == 0, result.err
    assert result.err.startswith("metallb-lint migrate: ")
    path = GOLDEN / f"migrate-{name}.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(result.out.encode("utf-8"))
    assert result.out == path.read_bytes().decode("utf-8"), "differs; UPDATE_GOLDEN=1"


@pytest.mark.parametrize("name", LEGACY)
def test_converted_resources_lint_without_errors(name: str, tmp_path: Path) -> None:
    out = tmp_path / "resources.yaml"
    flag = "--output-file" if name == "helm" else "--output"  # the flags of `check` agree
    result = migrate(f"fixtures/legacy/{name}", flag, str(out))
    assert (result.code, result.out) == (0, "")
    assert f"written to {out}" in result.err
    for version in ("0.13.10", "0.14.9", "0.16.1"):
        lint = run_cli("--isolated", "--format", "json", "--metallb-version", version, str(out))
        errors = [f for f in lint.json["findings"] if f["severity"] == "error"]
        assert errors == [], (version, errors)
    # Every resource is a MetalLB custom resource in the ConfigMap's namespace.
    for obj in objects(out.read_text(encoding="utf-8")):
        assert obj["apiVersion"].startswith("metallb.io/")
        assert obj["metadata"]["namespace"] == "metallb-system"


def test_configmap_mapping() -> None:
    """The mapping of facts §6.1, object by object, in configmaptocrs' order."""
    docs = objects(migrate("fixtures/legacy/configmap").out)
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [
        ("BGPPeer", "peer1"),
        ("BGPPeer", "peer2"),
        ("IPAddressPool", "my-pool"),
        ("IPAddressPool", "bgp-services"),
        ("IPAddressPool", "bgp-default"),
        ("BGPAdvertisement", "bgpadvertisement1"),
        ("BGPAdvertisement", "bgpadvertisement2"),
        ("BGPAdvertisement", "bgpadvertisement3"),
        ("L2Advertisement", "l2advertisement1"),
        ("BFDProfile", "fast-bfd"),
        ("Community", "communities"),
    ]
    peer1, peer2 = docs[0], docs[1]
    assert peer1["apiVersion"] == "metallb.io/v1beta2"
    assert peer1["spec"]["holdTime"] == "2m0s" and "keepaliveTime" not in peer1["spec"]
    assert peer1["spec"]["bfdProfile"] == "fast-bfd"  # the reference is renamed too
    assert peer1["spec"]["nodeSelectors"] == [
        {
            "matchLabels": {"rack": "frontend"},
            "matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-1", "node-2"]}
            ],
        }
    ]
    assert peer2["spec"]["holdTime"] == "1m30s"  # the default, written explicitly
    assert peer2["spec"]["keepaliveTime"] == "20s"
    assert peer2["spec"]["peerPort"] == 1179
    pool = docs[2]["spec"]
    assert pool == {"addresses": ["192.168.10.0/24"], "avoidBuggyIPs": True}
    assert docs[3]["spec"]["autoAssign"] is False
    first = docs[5]["spec"]
    assert first == {
        "aggregationLength": 32,
        "localPref": 100,
        "communities": ["no-export", "64500:200"],
        "ipAddressPools": ["bgp-services"],
    }
    assert docs[7]["spec"] == {"ipAddressPools": ["bgp-default"]}  # bgp pool, no advertisements
    assert docs[8]["spec"] == {"ipAddressPools": ["my-pool"]}
    assert docs[9]["spec"] == {
        "detectMultiplier": 3,
        "echoMode": True,
        "passiveMode": False,
        "receiveInterval": 100,
        "transmitInterval": 100,
    }
    assert docs[10]["spec"]["communities"] == [
        {"name": "internal", "value": "64500:100"},
        {"name": "no-export", "value": "65535:65281"},
    ]


def test_header_says_where_each_resource_came_from() -> None:
    text = migrate("fixtures/legacy/configmap").out
    assert (
        "# 1. fixtures/legacy/configmap/metallb-config.yaml:9: ConfigMap metallb-system/config"
        in (text)
    )
    source = (FIXTURES / "legacy/configmap/metallb-config.yaml").read_text().split("\n")
    for line in text.split("\n"):
        if line.startswith("# from fixtures/legacy/configmap/metallb-config.yaml:"):
            number = int(line.split(":")[1].split(",")[0])
            written = source[number - 1].strip()
            assert written.startswith(("- ", "protocol:", "bgp-communities:")), (line, written)
    assert "'My_Pool', renamed 'my-pool'" in " ".join(
        line.lstrip("# ") for line in text.split("\n") if line.startswith("#")
    )


def test_pinned_legacy_release_converts_for_the_newest() -> None:
    text = migrate("fixtures/legacy/helm").out
    assert "The repository pins MetalLB 0.12.1, which still reads the legacy configuration" in text
    explicit = migrate("--metallb-version", "0.14.8", "fixtures/legacy/helm")
    assert "for MetalLB" not in explicit.out.split("\n")[0] or "0.14.8" in explicit.out
    assert "MetalLB 0.14.8 custom resources" in explicit.out
    too_old = migrate("--metallb-version", "0.12.1", "fixtures/legacy/helm")
    assert too_old.code == 2 and "still reads the legacy configuration" in too_old.err


def test_no_legacy_configuration(tmp_path: Path) -> None:
    result = migrate("fixtures/homelab")
    assert (result.code, result.out) == (0, "")
    assert result.err.splitlines() == [
        "metallb-lint migrate: no legacy configuration found",
        "fixtures/homelab/metallb-system/values.yaml:3: note: the chart values name ConfigMap "
        "'metallb-config' (existingConfigMap), which is not among the files read; pass the "
        "file that holds it to convert it",
    ]


BAD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  namespace: metallb
  name: config
data:
  config: |
    peers:
    - peer-address: 10.0.0.1
      peer-asn: 64501
    - peer-address: 10.0.0.2
      peer-asn: 64501
      my-asn: 64501
      hold-time: 2s
      ebgp-multihop: true
    address-pools:
    - name: a
      protocol: l2
      addresses: [10.1.0.0/24, 10.2.0.5]
      colour: blue
    - name: A
      protocol: layer2
      addresses: [10.3.0.0/24]
    - name: b
      protocol: bgp
      addresses: [10.4.0.0/24]
      bgp-advertisements:
      - aggregation-length: 16
      - communities: [nope, "65535:65281"]
    bgp-communities:
      bad: "1:2:3"
"""


def test_values_that_cannot_be_converted_are_reported(repo: Path) -> None:
    write(repo, {"cm.yaml": BAD})
    result = migrate("cm.yaml", cwd=repo)
    assert result.code == 1
    problems = result.err.splitlines()
    assert problems[-1] == (
        "metallb-lint migrate: 4 resources from 1 legacy configuration; 10 problems (above)"
    )
    expected = [
        "cm.yaml:9:7: peers[0] not converted: my-asn missing",
        "cm.yaml:14:18: peers[1]: hold-time not converted: '2s' must be 0 or at least 3s; the "
        "default 1m30s is written instead",
        "cm.yaml:15:22: peers[1]: ebgp-multihop not converted: ebgp-multihop is invalid for an "
        "iBGP peer (my-asn equals peer-asn)",
        "cm.yaml:18:17: address-pools[0] 'a' has protocol 'l2', which is neither layer2 nor bgp",
        "cm.yaml:19:32: address-pools[0] 'a': addresses[1] '10.2.0.5' not converted",
        "cm.yaml:20:7: unknown key 'colour' in address-pools[0]",
        "cm.yaml:21:13: address pool name 'A' becomes 'a', like the one on line 17",
        "cm.yaml:28:29: address-pools[2].bgp-advertisements[0] not converted: "
        "aggregation-length 16 is shorter than the prefix /24",
        "cm.yaml:29:23: address-pools[2].bgp-advertisements[1]: communities[0] 'nope' not "
        "converted",
        "cm.yaml:31:12: bgp-communities: alias 'bad' not converted",
    ]
    for line in expected:
        assert any(p.startswith(line) for p in problems), line
    # What was left out is said in the output too, next to where it would have gone.
    assert "#    not converted: peers[0] (cm.yaml:9): my-asn missing" in result.out
    assert "# not converted: addresses[1] '10.2.0.5' (cm.yaml:19)" in result.out
    assert "#    not converted: cm.yaml:20: unknown key 'colour'" in result.out
    names = [(d["kind"], d["metadata"]["name"]) for d in objects(result.out)]
    assert names == [
        ("BGPPeer", "peer2"),
        ("IPAddressPool", "a"),
        ("IPAddressPool", "b"),
        ("BGPAdvertisement", "bgpadvertisement1"),
    ]
    assert objects(result.out)[3]["spec"]["communities"] == ["65535:65281"]


def test_bare_file_named_on_the_command_line(repo: Path) -> None:
    """A bare configuration that never mentions MetalLB is read when named, and found by a
    directory scan too (the relevance filter knows the legacy `address-pools` key)."""
    write(
        repo,
        {
            "pools.yaml": "address-pools:\n- name: x\n  protocol: layer2\n"
            "  addresses: [10.0.0.0/29]\n"
        },
    )
    result = migrate("pools.yaml", cwd=repo)
    assert result.code == 0, result.err
    assert [d["kind"] for d in objects(result.out)] == ["IPAddressPool", "L2Advertisement"]
    assert "# 1. pools.yaml:1: a bare configuration file" in result.out
    assert objects(migrate(".", cwd=repo).out) == objects(result.out)


def test_config_inline_as_a_string_and_clashes(repo: Path) -> None:
    values = (
        "configInline: |\n"
        "  address-pools:\n"
        "  - name: x\n"
        "    protocol: layer2\n"
        "    addresses: [10.0.0.0/29]\n"
    )
    cm = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config, namespace: metallb-system}\n"
        "data:\n  config: |\n    address-pools:\n    - name: y\n      protocol: layer2\n"
        "      addresses: [10.1.0.0/29]\n"
    )
    write(repo, {"values.yaml": values, "cm.yaml": cm})
    write(repo, {".metallb-lint.yaml": "values-files: [values.yaml]\n"})
    result = run_cli("migrate", ".", cwd=repo)
    assert result.code == 1
    assert "configInline in the values of the metallb chart" in result.out
    assert "# from values.yaml:3, address-pools[0] 'x'" in result.out  # inside the string
    assert "# from cm.yaml:7, address-pools[0] 'y'" in result.out
    # Both convert to L2Advertisement l2advertisement1 in metallb-system.
    assert (
        "values.yaml:4:15: converts to L2Advertisement metallb-system/l2advertisement1, like "
        "cm.yaml:8; one would replace the other"
    ) in result.err


def test_avoid_buggy_ips_needs_0_13_4(repo: Path) -> None:
    write(
        repo,
        {
            "c.yaml": "address-pools:\n- name: x\n  protocol: layer2\n"
            "  avoid-buggy-ips: true\n  addresses: [10.0.0.0/29]\n"
        },
    )
    result = migrate("--metallb-version", "0.13.3", "c.yaml", cwd=repo)
    assert result.code == 1
    assert "c.yaml:4:20: address-pools[0] 'x': avoid-buggy-ips not converted" in result.err
    assert objects(result.out)[0]["spec"] == {"addresses": ["10.0.0.0/29"]}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # configmaptocrs' own test data (config-data-convert-names)
        ("01-numbered-addresspool", "numbered-addresspool"),
        ("Capitalized-AddressPool", "capitalized-addresspool"),
        ("underscored_bfd_profile", "underscored-bfd-profile"),
        (
            "tooLongBFDProfileName01-tooLongBFDProfileName02-tooLongBFDProfileName03-"
            "tooLongBFDProfileName04",
            "toolongbfdprofilename01-toolongbfdprofilename02-toolongbfdprofi",
        ),
        ("already-fine", "already-fine"),
        ("1234", None),
    ],
)
def test_sanitise(name: str, expected: str | None) -> None:
    assert sanitise(name) == expected


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("1m30s", 90),
        ("1.5m", 90),
        ("0", 0),
        ("300ms", Fraction(3, 10)),
        ("2h", 7200),
        ("", None),
        ("90", None),
        ("1x", None),
    ],
)
def test_parse_duration(text: str, seconds: object) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (3, "3s"), (90, "1m30s"), (120, "2m0s"), (3600, "1h0m0s")]
)
def test_go_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


def test_readme_shows_the_real_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = (GOLDEN / "migrate-kustomize.yaml").read_text(encoding="utf-8").split("\n")[:30]
    assert "\n".join(f"    {line}" if line else "" for line in lines) in readme


def test_configmap_named_on_the_command_line(repo: Path) -> None:
    """A ConfigMap that never says MetalLB (the relevance filter skips it in a directory)."""
    write(
        repo,
        {
            "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config, namespace: lb}\n"
            "data:\n  config: |\n    address-pools:\n    - name: x\n      protocol: layer2\n"
            "      addresses: [10.0.0.0/29]\n"
        },
    )
    result = migrate("cm.yaml", cwd=repo)
    assert result.code == 0, result.err
    assert "# 1. cm.yaml:6: ConfigMap lb/config" in result.out
    assert {d["metadata"]["namespace"] for d in objects(result.out)} == {"lb"}


def test_an_existing_output_needs_force_and_the_summary_says_what_to_delete(
    tmp_path: Path,
) -> None:
    """migrate never replaces a file silently, and says which legacy configuration to delete
    or edit once the resources are applied (issue 18, item 8)."""
    out = tmp_path / "resources.yaml"
    out.write_text("# mine\n", encoding="utf-8")
    refused = migrate("fixtures/legacy/helm", "--output", str(out))
    assert refused.code == 2
    assert refused.err == (
        f"metallb-lint migrate: --output {out} exists; pass --force to replace it\n"
    )
    assert out.read_text(encoding="utf-8") == "# mine\n"
    forced = migrate("fixtures/legacy/helm", "--output", str(out), "--force")
    assert forced.code == 0
    assert out.read_text(encoding="utf-8").startswith("# ")
    assert out.read_text(encoding="utf-8") != "# mine\n"
    tail = forced.err.splitlines()[-2:]
    assert tail[0] == "Then, once the resources are applied:"
    assert tail[1].startswith("  fixtures/legacy/helm/values.yaml:6: remove configInline")
    configmap = migrate("fixtures/legacy/configmap").err.splitlines()[-1]
    assert configmap.startswith(
        "  fixtures/legacy/configmap/metallb-config.yaml:9: delete ConfigMap metallb-system/config"
    )
