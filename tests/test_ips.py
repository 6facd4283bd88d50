"""`metallb-lint ips`: the IP allocation map of the demo (golden text, JSON and markdown) and
the model behind it (ipmap.py) on small repositories.

Regenerate the golden files after an intended change with

    UPDATE_GOLDEN=1 /work/venv/bin/python -m pytest tests/test_ips.py

and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metallb_lint import __version__
from tests.conftest import ROOT, run_cli, write

GOLDEN = Path(__file__).resolve().parent / "golden"
DEMO = ("ips", "--isolated", "fixtures/homelab")


def ips(*args: str, cwd: Path = ROOT):
    return run_cli("ips", "--isolated", *args, cwd=cwd)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_bytes(actual.encode("utf-8"))
    assert actual == path.read_bytes().decode("utf-8"), f"{name} differs; UPDATE_GOLDEN=1"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("homelab.ips.txt", ("--color", "never")),
        ("homelab.ips.json", ("--format", "json")),
        ("homelab.ips.md", ("--format", "markdown")),
    ],
)
def test_demo_golden(name: str, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    from metallb_lint import engine

    def no_rules(*args: object) -> None:
        raise AssertionError("the map needs the inventory, not the rules")

    monkeypatch.setattr(engine, "run_rules", no_rules)  # (their findings would be dropped)
    result = run_cli(*DEMO, *args, cwd=ROOT)
    assert (result.code, result.err) == (0, "")
    actual = result.out.replace(f'"version": "{__version__}"', '"version": "X.Y.Z"')
    check_golden(name, actual)


def test_demo_map_matches_the_seed_table() -> None:
    """The hand-kept table of the seed guide, computed: .241-.243 held, .240 and .244 free
    (navidrome's metallb.io/ annotation is ignored by 0.14.3, so it takes one of them), and
    the media apps' addresses outside the pool."""
    doc = run_cli(*DEMO, "--format", "json", cwd=ROOT).json
    assert list(doc) == [
        "version",
        "tool",
        "target",
        "summary",
        "pools",
        "choices",
        "outside",
        "notes",
    ]
    assert doc["version"] == 2
    (pool,) = doc["pools"]
    assert pool["name"] == "default"
    assert pool["addresses"] == ["192.168.1.240-192.168.1.244"]
    assert (pool["size"], pool["usable"]) == ({"IPv4": 5}, {"IPv4": 5})
    held = [(a["ip"], a["service"]) for a in pool["allocations"]]
    assert held == [
        ("192.168.1.241", "ingress-nginx/ingress-nginx-internal-controller"),
        ("192.168.1.242", "ingress-nginx/ingress-nginx-external-controller"),
        ("192.168.1.243", "identity/kanidmd"),
    ]
    assert [d["service"] for d in pool["automatic"]] == ["media/navidrome"]
    assert doc["summary"] == {
        "pools": 1, "allocations": 3, "automatic": 1, "choices": 0, "outside": 6
    }  # fmt: skip
    assert pool["free_ranges"] == ["192.168.1.240", "192.168.1.244"]
    assert (pool["held"], pool["used"], pool["free"], pool["utilisation"]) == (3, 4, 2, 0.8)
    assert [a["name"] for a in pool["advertisements"]] == ["default"]
    assert [o["ip"] for o in doc["outside"]] == [
        "192.168.1.231",
        "192.168.1.233",
        "192.168.1.234",
        "192.168.1.235",
        "192.168.1.236",
        "192.168.1.237",
    ]
    assert doc["outside"][0]["path"] == "fixtures/homelab/argocd/media.yaml"
    assert doc["outside"][0]["line"] == 56


def test_free_skips_what_automatic_services_take() -> None:
    result = run_cli(*DEMO, "--free", "1", cwd=ROOT)
    assert (result.code, result.out, result.err) == (0, "192.168.1.244\n", "")
    short = run_cli(*DEMO, "--pool", "default", "--free", "3", cwd=ROOT)
    assert short.code == 1
    assert short.out == "192.168.1.244\n"
    assert "only 1 free address" in short.err


def test_free_json() -> None:
    result = run_cli(*DEMO, "--free", "1", "--format", "json", cwd=ROOT)
    assert result.json == {"version": 1, "pool": "default", "free": ["192.168.1.244"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--pool", "nope"), "no pool named 'nope' (pools: default)"),
        (("--free", "0"), "--free needs a number"),
        (("--format", "yaml"), "invalid choice"),
    ],
)
def test_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = run_cli(*DEMO, *args, cwd=ROOT)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1


POOLS = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: lan, namespace: metallb-system}
spec:
  addresses: [10.0.0.0/23, "fd00::/120"]
  avoidBuggyIPs: true
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: dmz, namespace: metallb-system}
spec:
  addresses: [10.1.0.10-10.1.0.12]
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: media, namespace: metallb-system}
spec:
  addresses: [10.2.0.0/29]
  serviceAllocation: {namespaces: [media]}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: lan, namespace: metallb-system}
spec:
  ipAddressPools: [lan, media]
"""


def service(name: str, namespace: str = "web", ip: str = "", **annotations: str) -> str:
    notes = {f"metallb.universe.tf/{k.replace('_', '-')}": v for k, v in annotations.items()}
    if ip:
        notes["metallb.universe.tf/loadBalancerIPs"] = ip
    return (
        "---\napiVersion: v1\nkind: Service\n"
        f"metadata: {{name: {name}, namespace: {namespace}, annotations: {notes!r}}}\n"
        "spec: {type: LoadBalancer}\n"
    )


SERVICES = "".join(
    [
        service("buggy", ip="10.0.0.255"),
        service("shared-a", ip="10.1.0.10", allow_shared_ip="k1"),
        service("shared-b", ip="10.1.0.10", allow_shared_ip="k1"),
        service("follower", allow_shared_ip="k1"),
        service("auto"),
        service("films", namespace="media"),
        service("pinned", address_pool="dmz"),
        service("wrong-pool", ip="10.0.0.7", address_pool="dmz"),
        service("lost", ip="10.9.9.9"),
        service("v6", ip="fd00::5"),
    ]
)


def test_map_of_several_pools(repo: Path) -> None:
    write(repo, {"pools.yaml": POOLS, "svcs.yaml": SERVICES})
    doc = ips("--format", "json", ".", cwd=repo).json
    pools = {p["name"]: p for p in doc["pools"]}
    assert list(pools) == ["dmz", "lan", "media"]

    lan = pools["lan"]
    assert lan["families"] == ["IPv4", "IPv6"]
    assert lan["size"] == {"IPv4": 512, "IPv6": 256}
    assert lan["usable"] == {"IPv4": 508, "IPv6": 256}
    assert lan["advertisements"][0]["name"] == "lan"
    held = {a["service"]: a for a in lan["allocations"]}
    assert held["web/buggy"]["refused"] == "ends in .0 or .255 and the pool sets avoidBuggyIPs"
    assert held["web/wrong-pool"]["refused"] == "the Service asks for pool 'dmz'"
    assert held["web/v6"]["refused"] is None
    # The refused addresses stay free; .0/.255 never are, not even at range ends.
    assert lan["free_ranges"] == ["10.0.0.1-10.0.1.254", "fd00::-fd00::4", "fd00::6-fd00::ff"]
    assert lan["free"] == 508 + 255

    dmz = pools["dmz"]
    assert [(a["ip"], a["sharing_key"]) for a in dmz["allocations"]] == [
        ("10.1.0.10", "k1"),
        ("10.1.0.10", "k1"),
    ]
    # 'follower' shares k1 with an explicit address: it takes none of its own; 'auto' may
    # take its address from dmz or lan, so it is listed once, under the choice of both.
    assert [(d["service"], d["via"]) for d in dmz["automatic"]] == [
        ("web/pinned", "address-pool annotation")
    ]
    assert [(c["pools"], [d["service"] for d in c["automatic"]]) for c in doc["choices"]] == [
        (["dmz", "lan"], ["web/auto"])
    ]
    assert (dmz["may_draw"], lan["may_draw"]) == ({"IPv4": 1}, {"IPv4": 1})
    assert dmz["held"] == 1
    assert dmz["used"] == 2  # the shared address and 'pinned'; 'auto' may go elsewhere

    media = pools["media"]
    assert [d["service"] for d in media["automatic"]] == ["media/films"]
    assert media["advertisements"] == [
        {
            "apiVersion": "metallb.io/v1beta1",
            "kind": "L2Advertisement",
            "namespace": "metallb-system",
            "name": "lan",
            "certain": True,
        }
    ]
    assert pools["dmz"]["advertisements"] == []
    assert [o["ip"] for o in doc["outside"]] == ["10.9.9.9"]


def test_text_and_markdown_of_several_pools(repo: Path) -> None:
    write(repo, {"pools.yaml": POOLS, "svcs.yaml": SERVICES})
    text = ips("--color", "never", ".", cwd=repo).out
    assert "Pool dmz" in text and "nothing: its addresses are allocated but never" in text
    assert "(refused: ends in .0 or .255" in text
    assert "IPv4 512, 508 usable; IPv6 256 (avoidBuggyIPs: no .0/.255)" in text
    assert not any(line.endswith(" ") for line in text.split("\n"))
    assert "\x1b[" not in text
    markdown = ips("--format", "markdown", ".", cwd=repo).out
    assert "| 10.1.0.11-10.1.0.12 (2) | *free* |  |" in markdown
    assert "### Automatic, from one of the pools 'dmz', 'lan'" in markdown
    assert "| *automatic* | web/auto | svcs.yaml:" in markdown
    assert "### Requested outside every pool" in markdown
    # Several pools: a summary first, one row per pool.
    assert "| pool | addresses | in use | held | automatic | free |" in markdown
    assert "| dmz | 10.1.0.10-10.1.0.12 | 2/3 67% | 1 | 1 (+1?) | 2 |" in markdown


def test_pool_filter_and_free_need_one_pool(repo: Path) -> None:
    write(repo, {"pools.yaml": POOLS, "svcs.yaml": SERVICES})
    result = ips("--free", "2", ".", cwd=repo)
    assert result.code == 2 and "--free needs --pool NAME" in result.err
    # Free addresses in MetalLB's order, skipping the .0 and the one 'auto' may take.
    result = ips("--pool", "lan", "--free", "3", ".", cwd=repo)
    assert result.out.split() == ["10.0.0.2", "10.0.0.3", "10.0.0.4"]
    one = ips("--pool", "media", "--format", "json", ".", cwd=repo).json
    assert [p["name"] for p in one["pools"]] == ["media"] and one["outside"] == []


def test_colour_follows_the_flag(repo: Path) -> None:
    write(repo, {"pools.yaml": POOLS})
    assert "\x1b[" in ips("--color", "always", ".", cwd=repo).out
    assert "\x1b[" not in ips(".", cwd=repo).out  # not a terminal


def test_large_pools_cost_no_more_than_small_ones(repo: Path) -> None:
    """A /8 with avoidBuggyIPs and thousands of requests: interval math, not address sets."""
    requests = "".join(
        service(f"s{i}", ip=f"10.{i // 250}.{i % 250}.{(i * 7) % 250 + 1}") for i in range(2000)
    )
    pool = POOLS.replace("10.0.0.0/23", "10.0.0.0/8").replace("fd00::/120", "fd00::/64")
    write(repo, {"pools.yaml": pool, "svcs.yaml": requests})
    start = time.perf_counter()
    doc = ips("--format", "json", "--pool", "lan", ".", cwd=repo).json
    assert time.perf_counter() - start < 5
    lan = doc["pools"][0]
    assert lan["held"] == 2000
    assert lan["usable"]["IPv4"] == 2**24 - 2 * 2**16
    assert lan["free"] == 2**24 - 2 * 2**16 - 2000 + 2**64


def test_no_pools_lists_every_request_outside(repo: Path) -> None:
    write(repo, {"svcs.yaml": service("lost", ip="10.9.9.9")})
    doc = ips("--format", "json", ".", cwd=repo).json
    assert doc["pools"] == [] and [o["ip"] for o in doc["outside"]] == ["10.9.9.9"]
    assert doc["notes"][0].startswith("no IPAddressPool found")


def test_rich_is_imported_only_for_the_text_output() -> None:
    code = (
        "import sys, io\n"
        "from metallb_lint.cli import main\n"
        "sys.stdout = io.StringIO()\n"
        "main(['ips', '--isolated', '--format', 'json', 'fixtures/homelab'])\n"
        "sys.stdout = sys.__stdout__\n"
        "print('rich' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_readme_shows_the_real_demo_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = (GOLDEN / "homelab.ips.txt").read_text(encoding="utf-8").rstrip("\n")
    block = "\n".join(f"    {line}" if line else "" for line in text.split("\n"))
    assert block in readme, "README's ips example differs from tests/golden/homelab.ips.txt"
    table = [line for line in (GOLDEN / "homelab.ips.md").read_text().split("\n") if "|" in line]
    assert "\n".join(table[:8]) in readme


def many_pools(pools: int, automatic: int, explicit: int) -> dict[str, str]:
    """`pools` unsteered autoAssign pools, `automatic` Services without a request (each may
    draw from every pool) and `explicit` ones with an address in the first pool."""
    docs = "".join(
        "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
        f"metadata: {{name: p{i:02d}, namespace: metallb-system}}\n"
        f"spec: {{addresses: [10.{i}.0.0/24]}}\n"
        for i in range(pools)
    )
    svcs = "".join(service(f"auto{i:03d}") for i in range(automatic))
    svcs += "".join(service(f"ip{i:03d}", ip=f"10.0.0.{i + 1}") for i in range(explicit))
    return {"pools.yaml": docs, "svcs.yaml": svcs}


def test_each_service_is_listed_once_in_every_format(repo: Path) -> None:
    """30 automatic Services that may draw from any of 12 pools: once each, in one group,
    not under every pool with every other pool (O(services x pools^2) before)."""
    write(repo, many_pools(12, 30, 5))
    doc = ips("--format", "json", ".", cwd=repo).json
    assert [c["pools"] for c in doc["choices"]] == [[f"p{i:02d}" for i in range(12)]]
    assert len(doc["choices"][0]["automatic"]) == 30
    assert all(p["automatic"] == [] and p["may_draw"] == {"IPv4": 30} for p in doc["pools"])
    assert doc["summary"] == {
        "pools": 12, "allocations": 5, "automatic": 0, "choices": 30, "outside": 0
    }  # fmt: skip
    for fmt in ("text", "markdown", "json"):
        out = ips("--format", fmt, "--color", "never", ".", cwd=repo).out
        for i in range(30):
            assert out.count(f"web/auto{i:03d}") == 1, (fmt, i)
        # linear: (services + pools) x a few lines, where each pool listing the 30 was 360+
        assert len(out.split("\n")) < {"text": 260, "markdown": 180, "json": 1100}[fmt]


def test_json_is_streamed_as_json_dump_writes_it(repo: Path) -> None:
    write(repo, many_pools(3, 4, 3))
    for extra in ((), ("--limit", "2"), ("--pool", "p01")):
        out = ips("--format", "json", *extra, ".", cwd=repo).out
        assert out == json.dumps(json.loads(out), indent=2) + "\n", extra


def test_limit_caps_every_list_and_says_what_it_left_out(repo: Path) -> None:
    files = many_pools(2, 5, 4)
    files["svcs.yaml"] += "".join(service(f"lost{i}", ip=f"192.0.2.{i + 1}") for i in range(3))
    write(repo, files)
    doc = ips("--format", "json", "--limit", "1", ".", cwd=repo).json
    p00 = doc["pools"][0]
    assert [a["service"] for a in p00["allocations"]] == ["web/ip000"]
    assert p00["omitted"] == {"allocations": 3, "automatic": 0}
    assert p00["held"] == 4  # counts stay whole
    assert doc["choices"][0]["omitted"] == {"automatic": 4}
    assert (len(doc["outside"]), doc["outside_omitted"]) == (1, 2)
    text = ips("--limit", "1", "--color", "never", ".", cwd=repo).out
    assert text.count("… and 3 more (--limit)") == 1
    assert text.count("… and 4 more (--limit)") == 1
    assert text.count("… and 2 more (--limit)") == 1
    markdown = ips("--format", "markdown", "--limit", "1", ".", cwd=repo).out
    assert "| … | *… and 4 more (--limit)* |  |" in markdown
    assert "omitted" not in ips("--format", "json", ".", cwd=repo).out
    result = ips("--limit", "-1", ".", cwd=repo)
    assert result.code == 2 and "--limit needs a number from 0" in result.err


def test_pool_keeps_the_services_that_may_draw_from_it(repo: Path) -> None:
    files = many_pools(2, 2, 0)
    files["pools.yaml"] += (
        "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
        "metadata: {name: manual, namespace: metallb-system}\n"
        "spec: {addresses: [10.9.0.0/24], autoAssign: false}\n"
    )
    write(repo, files)
    doc = ips("--format", "json", "--pool", "p01", ".", cwd=repo).json
    assert [c["pools"] for c in doc["choices"]] == [["p00", "p01"]]
    assert ips("--format", "json", "--pool", "manual", ".", cwd=repo).json["choices"] == []
    # --free skips the addresses the two automatic Services may take.
    assert ips("--pool", "p01", "--free", "1", ".", cwd=repo).out == "10.1.0.2\n"
