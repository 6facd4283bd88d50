"""DESIGN.md, "Bad input": every malformed input becomes a finding with a file and a line; no
input makes the tool print a traceback, hang, reach the network or execute anything; the same
input gives the same output byte for byte.

Each test runs the real CLI over a temporary repository and asserts the exact findings
(rule, path, line), the exit code, and a clean stderr.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from metallb_lint import safeio
from metallb_lint.load import sources
from tests.conftest import CliResult, findings, lint_json, parser_limits_nesting, write
from tests.manifests import pool

VERSION = ("--metallb-version", "0.14.9")  # keeps ML005 out of the way

POOL = pool("192.168.1.240/29")

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: jellyfin
  namespace: media
  annotations:
    metallb.io/loadBalancerIPs: 192.168.1.241
spec:
  type: LoadBalancer
  selector:
    app: jellyfin
  ports:
    - port: 8096
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: jellyfin
  namespace: media
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: jellyfin
          image: jellyfin/jellyfin:10.9.11
"""


def lint(root: Path, *args: str, select: str = "ML0", stdin: bytes | None = None) -> CliResult:
    result = lint_json("--select", select, *VERSION, *args, cwd=root, stdin=stdin)
    assert_clean_stderr(result)
    return result


def assert_clean_stderr(result: CliResult) -> None:
    assert "Traceback" not in result.err, result.err
    assert "internal error" not in result.err, result.err
    assert result.code in (0, 1), (result.code, result.err)


def expect(result: CliResult, *found: tuple[str, str, int], code: int | None = None) -> None:
    brief = [
        (f["rule"], f["path"], f["line"], f["column"], f["message"][:90])
        for f in result.json["findings"]
    ]
    assert findings(result) == list(found), brief
    if code is None:
        code = 1 if any(f["severity"] == "error" for f in result.json["findings"]) else 0
    assert result.code == code


# -- malformed YAML ----------------------------------------------------------------------------


def test_malformed_yaml_is_ml001_at_the_parser_position(repo: Path) -> None:
    broken = SERVICE.replace(
        "    metallb.io/loadBalancerIPs: 192.168.1.241\n",
        "    metallb.io/loadBalancerIPs: 192.168.1.241\n   metallb.io/allow-shared-ip: media\n",
    )
    write(repo, {"svc.yaml": broken})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 8), code=1)
    finding = result.json["findings"][0]
    assert finding["column"] == 4
    assert "indentation" in finding["message"]


def test_unclosed_flow_points_at_where_it_opens(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE + "  ipFamilies: [IPv4\n---\n" + POOL})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 14), code=1)
    assert result.json["findings"][0]["column"] == 15


def test_control_character_is_ml001_with_its_position(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE.replace("name: jellyfin\n", "name: jelly\x07fin\n", 1)})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 4), code=1)
    assert result.json["findings"][0]["column"] == 14


def test_explicit_bad_tags_do_not_crash(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE.replace("app: jellyfin", "app: !!bool maybe")})
    result = lint(repo, ".")
    expect(result, code=0)


def test_numbers_too_long_to_print_do_not_crash(repo: Path) -> None:
    """Python refuses to turn an integer of more than 4,300 digits into text; such a number
    (hex has no parse limit) stays text, in the block-YAML reader and in libyaml's path."""
    digits, hexadecimal = "1" * 5000, "0x" + "f" * 5000
    named = SERVICE.replace("name: jellyfin", f"name: {hexadecimal}")  # printed in messages
    requested = SERVICE.replace("192.168.1.241", digits)
    flow = named.replace("selector:\n    app: jellyfin", "selector: {app: jellyfin}").replace(
        ".241", ".242"
    )  # a flow mapping: libyaml's path
    write(repo, {"a.yaml": named, "b.yaml": requested, "c.yaml": flow})
    result = lint(repo, ".", select="ML0,ML4")
    # the huge numbers are text: a name, and an address MetalLB cannot parse (ML405)
    assert [(f["rule"], f["path"]) for f in result.json["findings"]] == [("ML405", "b.yaml")]
    assert result.code == 1


def test_numbers_too_long_for_int_in_versions_timers_and_communities(repo: Path) -> None:
    """Python refuses to convert more than 4,300 digits: versions, constraints, Go durations
    and BGP communities bound their digits before converting."""
    long = "1" * 5000
    write(
        repo,
        {
            "Chart.yaml": (
                "apiVersion: v2\nname: metallb-system\nversion: 1.0.0\ndependencies:\n"
                f"  - name: metallb\n    version: 0.14.{long}\n"
                "    repository: https://metallb.github.io/metallb\n"
                f"  - name: metallb\n    version: ~0.{long}\n"
                "    repository: https://metallb.github.io/metallb\n"
            ),
            "peer.yaml": (
                "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: p\n"
                f"spec:\n  myASN: 64500\n  peerASN: 64501\n  peerAddress: 10.0.0.1\n"
                f"  holdTime: {long}s\n  keepaliveTime: 0.{long}s\n"
            ),
            "community.yaml": (
                "apiVersion: metallb.io/v1beta1\nkind: Community\nmetadata:\n  name: c\n"
                f"spec:\n  communities:\n    - name: x\n      value: '{long}:1'\n"
            ),
            "legacy.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n"
                "  namespace: metallb-system\ndata:\n  config: |\n    peers:\n"
                f"    - peer-address: 10.0.0.1\n      hold-time: {long}s\n"
                f"    bgp-communities:\n      x: '{long}:1'\n"
            ),
        },
    )
    result = lint(repo, ".", select="ML")  # lint() asserts no internal error
    assert result.code in (0, 1)
    assert result.json["findings"]


# -- wrong types -------------------------------------------------------------------------------


def test_addresses_not_a_list(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL.replace("addresses:\n    - 192.168.1.240/29", "addresses: 5")})
    result = lint(repo, ".", select="ML0,ML201")
    expect(result, ("ML201", "pool.yaml", 7), code=1)


def test_metadata_is_a_list(repo: Path) -> None:
    text = POOL.replace("metadata:\n  name: default\n  namespace: metallb-system", "metadata: []")
    write(repo, {"pool.yaml": text})
    result = lint(repo, ".")
    expect(result, ("ML001", "pool.yaml", 3), code=1)
    assert "metadata is a list" in result.json["findings"][0]["message"]


def test_annotations_is_a_string(repo: Path) -> None:
    text = SERVICE.replace(
        "annotations:\n    metallb.io/loadBalancerIPs: 192.168.1.241", 'annotations: "x"'
    )
    write(repo, {"svc.yaml": text})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 6), code=1)
    assert result.json["findings"][0]["column"] == 16


def test_annotation_and_label_values_must_be_strings(repo: Path) -> None:
    text = SERVICE.replace(
        "  annotations:\n",
        "  labels:\n    tier: 1\n  annotations:\n    metallb.io/allow-shared-ip: true\n",
    )
    write(repo, {"svc.yaml": text})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 7), ("ML001", "svc.yaml", 9), code=1)
    assert 'Quote it: "true"' in result.json["findings"][1]["message"]


def test_ports_is_a_mapping(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE.replace("ports:\n    - port: 8096", "ports: {}")})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 12), code=1)


def test_port_number_as_string(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE.replace("port: 8096", 'port: "8096"')})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 13), code=1)


def test_spec_null_in_a_pool(repo: Path) -> None:
    write(
        repo,
        {"pool.yaml": POOL.replace("spec:\n  addresses:\n    - 192.168.1.240/29", "spec: null")},
    )
    result = lint(repo, ".", select="ML0,ML204")
    expect(result, ("ML204", "pool.yaml", 4), code=1)  # the pool's name


def test_spec_null_in_a_service(repo: Path) -> None:
    text = SERVICE.split("spec:")[0] + "spec: null\n"
    write(repo, {"svc.yaml": text})
    result = lint(repo, ".", select="ML0,ML409")
    expect(result, ("ML409", "svc.yaml", 7), code=0)  # annotations on what is not a LoadBalancer


def test_spec_is_a_list_in_a_service(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE.split("spec:")[0] + "spec: [LoadBalancer]\n"})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 8), code=1)


def test_document_is_a_list(repo: Path) -> None:
    items = "".join("  " + line + "\n" for line in POOL.splitlines())
    write(repo, {"pools.yaml": "# all pools\n-" + items[1:]})
    result = lint(repo, ".")
    expect(result, ("ML001", "pools.yaml", 2), code=1)
    assert "YAML list of objects" in result.json["findings"][0]["message"]


def test_document_is_a_scalar(repo: Path) -> None:
    write(repo, {"pool.yaml": DEPLOYMENT + "---\nmetallb pool goes here\n"})
    result = lint(repo, ".")
    expect(result, ("ML001", "pool.yaml", 14), code=1)


def test_a_values_file_that_is_a_list(repo: Path) -> None:
    chart = (
        "apiVersion: v2\nname: lb\nversion: 0.1.0\ndependencies:\n  - name: metallb\n"
        "    version: 0.14.9\n    repository: https://metallb.github.io/metallb\n"
    )
    write(repo, {"lb/Chart.yaml": chart, "lb/values.yaml": "# values\n- metallb: {}\n"})
    result = lint(repo, ".")
    expect(result, ("ML001", "lb/values.yaml", 2), code=1)


def test_an_ansible_play_list_is_not_a_manifest(repo: Path) -> None:
    write(repo, {"site.yml": "- hosts: k8s\n  roles: [metallb]\n"})
    expect(lint(repo, "."), code=0)


# -- missing keys ------------------------------------------------------------------------------


def test_spec_absent_from_a_pool(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL.split("spec:")[0]})
    result = lint(repo, ".", select="ML0,ML204")
    expect(result, ("ML204", "pool.yaml", 4), code=1)


def test_metadata_absent_from_a_pool(repo: Path) -> None:
    text = POOL.replace("metadata:\n  name: default\n  namespace: metallb-system\n", "")
    write(repo, {"pool.yaml": text})
    result = lint(repo, ".")
    expect(result, ("ML001", "pool.yaml", 2), code=1)
    assert "no metadata.name" in result.json["findings"][0]["message"]


def test_name_absent_from_a_service(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE.replace("  name: jellyfin\n", "")})
    result = lint(repo, ".")
    expect(result, ("ML001", "svc.yaml", 3), code=1)


def test_kind_or_api_version_absent(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL.replace("kind: IPAddressPool\n", "")})
    expect(lint(repo, "."), code=0)  # not an object at all: nothing to say, nothing crashes


# -- encodings and bytes -----------------------------------------------------------------------


def test_non_utf8_bytes(repo: Path) -> None:
    raw = POOL.replace("name: default", "name: d\xe9faut").encode("latin-1")
    write(repo, {"pool.yaml": raw})
    result = lint(repo, ".")
    expect(result, ("ML002", "pool.yaml", 4), code=1)
    assert result.json["findings"][0]["column"] == 10
    assert "0xe9" in result.json["findings"][0]["message"]


def test_non_utf8_column_counts_characters_not_bytes(repo: Path) -> None:
    raw = "# metallb\nnote: \u00fcber \xff\n".encode()
    write(repo, {"pool.yaml": raw.replace("\xff".encode(), b"\xff")})
    result = lint(repo, ".")
    expect(result, ("ML002", "pool.yaml", 2), code=1)
    assert result.json["findings"][0]["column"] == 12


def test_utf16_file_is_reported_not_skipped(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL.encode("utf-16")})
    result = lint(repo, ".")
    expect(result, ("ML002", "pool.yaml", 1), code=1)
    assert "UTF-16" in result.json["findings"][0]["message"]


def test_binary_file_named_like_a_pool(repo: Path) -> None:
    write(repo, {"pool.yaml": b"\x89PNG\r\n\x1a\n\x00\x00metallb\x00\xff\xfe"})
    result = lint(repo, ".")
    expect(result, ("ML002", "pool.yaml", 3), code=1)  # where the first NUL byte is
    assert "binary" in result.json["findings"][0]["message"]


def test_binary_file_without_metallb_is_not_read(repo: Path) -> None:
    write(repo, {"logo.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"})
    expect(lint(repo, "."), code=0)


def test_empty_file(repo: Path) -> None:
    write(repo, {"pool.yaml": "", "metallb/values.yaml": ""})
    result = lint(repo, ".")
    expect(result, code=0)
    assert result.json["summary"]["files"] == 2


def test_only_comments_and_markers(repo: Path) -> None:
    write(repo, {"pool.yaml": "# metallb pools live elsewhere\n---\n# type: LoadBalancer\n...\n"})
    expect(lint(repo, "."), code=0)


def test_bom_keeps_positions(repo: Path) -> None:
    text = SERVICE.replace("spec:\n", "spec:\n  type: ClusterIP\n", 1)
    write(repo, {"svc.yaml": b"\xef\xbb\xbf" + text.encode()})
    result = lint(repo, ".")
    expect(result, ("ML003", "svc.yaml", 10), code=1)
    assert result.json["findings"][0]["column"] == 3


def test_crlf_keeps_positions(repo: Path) -> None:
    text = (
        DEPLOYMENT
        + "---\n"
        + SERVICE
        + "  type: ClusterIP\n---\n"
        + POOL.replace("metadata:", "metadata: {")
    )
    write(repo, {"all.yaml": text.replace("\n", "\r\n").encode()})
    result = lint(repo, ".")
    expect(result, ("ML003", "all.yaml", 27), ("ML001", "all.yaml", 33), code=1)
    assert [f["column"] for f in result.json["findings"]] == [3, 12]


def test_old_mac_line_endings_keep_positions(repo: Path) -> None:
    text = SERVICE + "  type: ClusterIP\n"
    write(repo, {"svc.yaml": text.replace("\n", "\r").encode()})
    expect(lint(repo, "."), ("ML003", "svc.yaml", 14), code=1)


# -- size limit --------------------------------------------------------------------------------


def test_file_over_the_size_limit(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 200)
    write(repo, {"big.yaml": POOL + "# padding\n" * 30, "pool.yaml": POOL})
    result = lint(repo, ".")
    expect(result, ("ML002", "big.yaml", 1), code=1)
    assert "limit" in result.json["findings"][0]["message"]


def test_stdin_over_the_size_limit(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 200)
    result = lint(repo, "--stdin-filename", "big.yaml", "-", stdin=(POOL * 3).encode())
    expect(result, ("ML002", "big.yaml", 1), code=1)


# -- resource exhaustion -----------------------------------------------------------------------

BOMB = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: laughs
  annotations:
    metallb.io/note: "a billion laughs"
data:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_alias_bomb_is_refused_quickly(repo: Path) -> None:
    write(repo, {"bomb.yaml": SERVICE + "---\n" + BOMB})
    started = time.perf_counter()
    result = lint(repo, ".")
    assert time.perf_counter() - started < 2.0
    expect(result, ("ML002", "bomb.yaml", 15), code=1)


def test_recursive_alias_is_refused(repo: Path) -> None:
    write(repo, {"svc.yaml": SERVICE + "  externalIPs: &x [*x]\n"})
    result = lint(repo, ".")
    expect(result, ("ML002", "svc.yaml", 14), code=1)


def test_deep_flow_nesting(repo: Path) -> None:
    write(repo, {"deep.yaml": "# metallb\nkey: " + "[" * 5000 + "]" * 5000 + "\n"})
    started = time.perf_counter()
    result = lint(repo, ".")
    assert time.perf_counter() - started < 2.0
    if parser_limits_nesting():
        expect(result, ("ML001", "deep.yaml", 2), code=1)
        assert "nesting depth" in result.json["findings"][0]["message"]
    else:
        expect(result, ("ML002", "deep.yaml", 2), code=1)
        assert "deeper than 200 levels" in result.json["findings"][0]["message"]


def test_deep_block_nesting(repo: Path) -> None:
    text = "# metallb\n" + "".join(" " * i + "k:\n" for i in range(2000)) + " " * 2000 + "v\n"
    write(repo, {"deep.yaml": text})
    started = time.perf_counter()
    result = lint(repo, ".")
    assert time.perf_counter() - started < 3.0
    if parser_limits_nesting():
        expect(result, ("ML001", "deep.yaml", 1001), code=1)
    else:
        expect(result, ("ML002", "deep.yaml", 203), code=1)


def test_nesting_over_our_limit_but_under_the_parser_limit(repo: Path) -> None:
    text = "# metallb\n" + "".join(" " * i + "k:\n" for i in range(400)) + " " * 400 + "v\n"
    write(repo, {"deep.yaml": text})
    result = lint(repo, ".")
    expect(result, ("ML002", "deep.yaml", 203), code=1)
    assert "deeper than 200 levels" in result.json["findings"][0]["message"]


def test_many_unclosed_template_actions_do_not_hang(repo: Path) -> None:
    chart = "apiVersion: v2\nname: lb\nversion: 0.1.0\n"
    template = "kind: IPAddressPool # metallb\nspec: " + "{{ " * 200_000 + "\n"
    write(repo, {"lb/Chart.yaml": chart, "lb/templates/pool.yaml": template})
    started = time.perf_counter()
    result = lint(repo, ".")
    assert time.perf_counter() - started < 3.0
    expect(result, ("ML004", "lb/templates/pool.yaml", 2), code=0)


# -- symbolic links ----------------------------------------------------------------------------

needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symbolic links")


@needs_symlinks
def test_symlink_loop_between_two_files(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    os.symlink("b.yaml", repo / "a.yaml")
    os.symlink("a.yaml", repo / "b.yaml")
    result = lint(repo, ".")
    expect(result, ("ML002", "a.yaml", 1), ("ML002", "b.yaml", 1), code=1)
    assert "loop" in result.json["findings"][0]["message"]


@needs_symlinks
def test_broken_symlink(repo: Path) -> None:
    os.symlink("gone.yaml", repo / "pool.yaml")
    result = lint(repo, ".")
    expect(result, ("ML002", "pool.yaml", 1), code=1)
    assert "'gone.yaml' does not exist" in result.json["findings"][0]["message"]


@needs_symlinks
def test_directory_link_to_its_parent_is_not_followed(repo: Path) -> None:
    write(repo, {"apps/svc.yaml": SERVICE + "  type: ClusterIP\n"})
    os.symlink("..", repo / "apps" / "up")
    os.symlink(".", repo / "self")
    started = time.perf_counter()
    result = lint(repo, ".")
    assert time.perf_counter() - started < 2.0
    expect(result, ("ML003", "apps/svc.yaml", 14), code=1)  # once, under its real name
    assert result.json["summary"]["files"] == 1


@needs_symlinks
def test_link_inside_the_tree_is_linted_under_the_real_name(repo: Path) -> None:
    write(repo, {"z/svc.yaml": SERVICE + "  type: ClusterIP\n"})
    os.symlink("z/svc.yaml", repo / "a.yaml")
    os.symlink("z", repo / "b")
    expect(lint(repo, "."), ("ML003", "z/svc.yaml", 14), code=1)


@needs_symlinks
def test_symlink_out_of_the_tree_is_not_followed(repo: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    write(outside, {"svc.yaml": SERVICE + "  type: ClusterIP\n"})
    write(repo, {"pool.yaml": POOL})
    os.symlink(outside / "svc.yaml", repo / "svc.yaml")
    os.symlink(outside, repo / "external")
    result = lint(repo, ".")
    expect(result, code=0)
    assert result.json["summary"]["files"] == 1


@needs_symlinks
def test_explicit_symlink_loop_argument(repo: Path) -> None:
    os.symlink("b.yaml", repo / "a.yaml")
    os.symlink("a.yaml", repo / "b.yaml")
    expect(lint(repo, "a.yaml"), ("ML002", "a.yaml", 1), code=1)


# -- unreadable files --------------------------------------------------------------------------


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
)
def test_unreadable_file(repo: Path) -> None:
    write(repo, {"pool.yaml": POOL})
    (repo / "pool.yaml").chmod(0)
    try:
        result = lint(repo, ".")
    finally:
        (repo / "pool.yaml").chmod(0o644)
    expect(result, ("ML002", "pool.yaml", 1), code=1)
    assert "Permission denied" in result.json["findings"][0]["message"]


def test_unreadable_file_even_as_root(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same path as chmod 000, for runs as root (CI containers): opening is refused."""

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    write(repo, {"pool.yaml": POOL, "svc.yaml": SERVICE})
    monkeypatch.setattr(safeio, "_open", refuse)
    result = lint(repo, ".")
    expect(result, ("ML002", "pool.yaml", 1), ("ML002", "svc.yaml", 1), code=1)
    assert "Permission denied" in result.json["findings"][0]["message"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_not_read(repo: Path) -> None:
    os.mkfifo(repo / "pool.yaml")
    started = time.perf_counter()
    result = lint(repo, "pool.yaml")
    assert time.perf_counter() - started < 2.0
    expect(result, ("ML002", "pool.yaml", 1), code=1)
    assert "not a regular file" in result.json["findings"][0]["message"]


# -- stdin -------------------------------------------------------------------------------------


def test_stdin_with_a_filename(repo: Path) -> None:
    text = SERVICE + "  type: ClusterIP\n"
    result = lint(repo, "--stdin-filename", "apps/jellyfin/svc.yaml", "-", stdin=text.encode())
    expect(result, ("ML003", "apps/jellyfin/svc.yaml", 14), code=1)


def test_stdin_without_a_filename(repo: Path) -> None:
    result = lint(repo, "-", stdin=b"kind: Service\nspec: {type: LoadBalancer\n")
    expect(result, ("ML001", "<stdin>", 2), code=1)


def test_stdin_with_bad_bytes(repo: Path) -> None:
    result = lint(repo, "--stdin-filename", "p.yaml", "-", stdin=b"# metallb\nname: \xff\n")
    expect(result, ("ML002", "p.yaml", 2), code=1)


# -- determinism, no network, no code execution ------------------------------------------------


def test_two_runs_give_byte_identical_json(repo: Path) -> None:
    files: dict[str, str | bytes] = {}
    for i in range(12):
        files[f"apps/app{i}/svc.yaml"] = SERVICE.replace("jellyfin", f"app{i}") + (
            "  type: ClusterIP\n" if i % 3 == 0 else ""
        )
    files["metallb/pool.yaml"] = POOL + "---\n" + POOL.replace("default", "second")
    files["broken.yaml"] = "kind: Service\nspec: {type: LoadBalancer\n"
    files["latin.yaml"] = "# metallb\nname: \xe9\n".encode("latin-1")
    write(repo, files)
    first = lint_json("--metallb-version", "0.14.9", ".", cwd=repo)
    second = lint_json("--metallb-version", "0.14.9", ".", cwd=repo)
    assert first.out == second.out
    assert first.code == second.code == 1
    assert len(first.json["findings"]) >= 6


def test_no_network_and_no_code_execution(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = repo / "pwned"
    payloads = [
        f"  annotations: !!python/object/apply:os.system ['touch {marker}']\n",
        f"  labels: !!python/object/apply:subprocess.call [[touch, {marker}]]\n",
        f'  name2: !!python/object/new:os.system ["touch {marker}"]\n',
        "  name3: !!python/name:os.system ''\n",
    ]
    text = POOL.replace("metadata:\n", "metadata:\n" + "".join(payloads))

    def no_network(*args, **kwargs):
        raise AssertionError("metallb-lint tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    write(repo, {"pool.yaml": text, "svc.yaml": SERVICE})
    result = lint(repo, ".")
    assert not marker.exists()
    # the tagged values are plain data: a list where annotations and labels must be mappings
    expect(result, ("ML001", "pool.yaml", 4), ("ML001", "pool.yaml", 5), code=1)


# -- line numbers survive the shapes real files have --------------------------------------------


def test_tabs_in_values_and_tab_indentation(repo: Path) -> None:
    text = SERVICE.replace(
        "annotations:\n    metallb.io/loadBalancerIPs: ",
        "annotations:\n    metallb.io/loadBalancerIPs:\t",
    )
    write(
        repo,
        {
            "ok.yaml": text + "  type: ClusterIP\n",
            "bad.yaml": SERVICE.replace("  type:", "\ttype:"),
        },
    )
    result = lint(repo, ".")
    expect(result, ("ML001", "bad.yaml", 9), ("ML003", "ok.yaml", 14), code=1)
    assert "spaces, not tabs" in result.json["findings"][0]["message"]


def test_end_markers_and_commented_start_markers(repo: Path) -> None:
    text = (
        "# header\n"  # 1
        + DEPLOYMENT  # 2-13
        + "...\n"  # 14
        + "--- # the load balancer\n"  # 15
        + SERVICE  # 16-28
        + "  type: ClusterIP\n"  # 29
        + "...\n"  # 30
        + "---\n"  # 31
        + "# trailing comment only\n"  # 32
    )
    write(repo, {"all.yaml": text})
    expect(lint(repo, "."), ("ML003", "all.yaml", 29), code=1)


def test_multi_document_file_with_irrelevant_deployments(repo: Path) -> None:
    broken_deployment = DEPLOYMENT + "  strategy: {type: Recreate\n"  # invalid, but irrelevant
    text = (
        broken_deployment  # 1-13
        + "---\n"  # 14
        + DEPLOYMENT.replace("jellyfin", "sonarr")  # 15-26
        + "---\n"  # 27
        + SERVICE  # 28-40
        + "  type: ClusterIP\n"  # 41
        + "---\n"  # 42
        + broken_deployment  # 43-55
    )
    write(repo, {"media.yaml": text})
    result = lint(repo, ".")
    expect(result, ("ML003", "media.yaml", 41), code=1)
    assert result.json["findings"][0]["related"][0]["line"] == 36


def test_kustomize_list_items_keep_positions(repo: Path) -> None:
    items = "".join("    " + line + "\n" for line in SERVICE.splitlines())
    text = "apiVersion: v1\nkind: List\nitems:\n  -" + items[3:] + "    spec: {}\n"
    write(repo, {"list.yaml": text})
    expect(lint(repo, "."), ("ML003", "list.yaml", 17), code=1)


# -- what could not be read is not guessed about -----------------------------------------------


def test_unquoted_template_action_in_a_plain_manifest_is_skipped(repo: Path) -> None:
    text = SERVICE.replace("192.168.1.241", "{{ .Values.ip }}")
    write(repo, {"svc.yaml": text, "pool.yaml": POOL})
    result = lint(repo, ".", select="ML0,ML4")
    expect(result, ("ML004", "svc.yaml", 7), code=0)  # not ML405 for a '{...}' mapping


def test_an_unreadable_pool_makes_checks_that_need_every_pool_uncertain(repo: Path) -> None:
    broken = POOL.replace("192.168.1.240/29", "[192.168.1.240/29")
    other = POOL.replace("default", "other").replace("192.168.1.240/29", "10.0.0.0/29")
    write(repo, {"pool.yaml": broken, "other.yaml": other, "svc.yaml": SERVICE})
    result = lint(repo, ".", select="ML0,ML401,ML403")
    # ML401 is not silenced (issue 21), but the broken pool may hold the address: a warning
    # that says so, and no ML403
    expect(result, ("ML001", "pool.yaml", 8), ("ML401", "svc.yaml", 7), code=1)
    ml401 = result.json["findings"][1]
    assert ml401["severity"] == "warning"
    assert "Uncertain: pool.yaml could not be read" in ml401["message"]
