"""The load stage: document splitting, positions, merge keys, safe scalars, limits, relevance."""

from __future__ import annotations

import random
import re

import pytest

from metallb_lint.load import yamlcore
from metallb_lint.load.documents import (
    Chunk,
    _marker_offsets,
    compose_chunk,
    split_documents,
)
from metallb_lint.load.filetext import decode
from metallb_lint.load.sources import load_file
from tests.conftest import parser_limits_nesting


def compose(text: str, start_line: int = 1):
    doc, problems = compose_chunk("f.yaml", Chunk(start_line, text), 0)
    return doc, problems


def one(text: str):
    doc, problems = compose(text)
    assert problems == []
    assert doc is not None
    return doc


# -- split_documents ---------------------------------------------------------------------------


def starts(text: str) -> list[int]:
    return [c.start_line for c in split_documents(text)]


def test_single_document_starts_on_line_one() -> None:
    assert starts("a: 1\nb: 2\n") == [1]


def test_markers_at_column_zero_start_documents() -> None:
    text = "a: 1\n---\nb: 2\n---\nc: 3\n"
    # a document starts on its marker line (that is where the parser's line 1 is)
    assert starts(text) == [1, 2, 4]
    assert [c.text for c in split_documents(text)] == ["a: 1\n", "---\nb: 2\n", "---\nc: 3\n"]


def test_leading_marker_and_comment_only_documents_are_dropped() -> None:
    text = "# header\n---\n# nothing here\n---\nkind: Service\n---\n"
    chunks = split_documents(text)
    assert [c.start_line for c in chunks] == [4]
    assert chunks[0].text.startswith("---\nkind")
    assert one(chunks[0].text).location(("kind",)).line == 2  # relative to the chunk
    doc, _ = compose(chunks[0].text, start_line=chunks[0].start_line)
    assert doc is not None and doc.location(("kind",)).line == 5


def test_marker_with_comment_or_content_on_its_line() -> None:
    text = "--- # first\na: 1\n--- {b: 2}\n--- |\n  text\n"
    assert starts(text) == [1, 3, 4]


def test_end_marker_closes_a_document() -> None:
    text = "a: 1\n... # done\nb: 2\n...\n"
    chunks = split_documents(text)
    assert [c.start_line for c in chunks] == [1, 3]
    assert chunks[1].text == "b: 2\n"


def test_indented_or_embedded_dashes_do_not_split() -> None:
    text = "a: |\n  ---\n  x\nb: '---'\nc: ----\n"
    assert starts(text) == [1]


def test_directives_stay_with_their_document() -> None:
    text = "%YAML 1.1\n---\na: 1\n"
    chunks = split_documents(text)
    assert [c.start_line for c in chunks] == [1]
    doc = one(chunks[0].text)
    assert doc.data == {"a": 1}


def test_start_lines_survive_crlf_after_decoding() -> None:
    raw = b"a: 1\r\n---\r\nb: 2\r\n---\r\nc: 3\r\n"
    assert starts(decode(raw.replace(b"\r\n", b"\n"))) == [1, 2, 4]


def test_decode_strips_bom_and_normalises_line_breaks() -> None:
    assert decode(b"\xef\xbb\xbfa: 1\r\nb: 2\rc: 3\n") == "a: 1\nb: 2\nc: 3\n"
    with pytest.raises(UnicodeDecodeError):
        decode(b"name: caf\xe9\n")


# -- positions ---------------------------------------------------------------------------------

POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: default
  namespace: metallb-system
spec:
  addresses:
    - 192.168.1.240/29
    - "10.0.0.0/24"
  autoAssign: false
"""


def test_value_positions_are_exact() -> None:
    # 1-based lines and columns; the end column is the value's last character (inclusive)
    doc = one(POOL)
    loc = doc.location(("metadata", "name"))
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (4, 9, 4, 15)
    loc = doc.location(("spec", "addresses", 1))
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (9, 7, 9, 19)
    assert (
        doc.location(("spec", "autoAssign")).line,
        doc.location(("spec", "autoAssign")).column,
    ) == (10, 15)


def test_key_positions_are_exact() -> None:
    doc = one(POOL)
    loc = doc.location(("spec", "addresses"), key=True)
    assert (loc.line, loc.column, loc.end_column) == (7, 3, 11)
    assert doc.location(("kind",), key=True).line == 2


def test_block_collection_ends_at_its_last_content() -> None:
    doc = one(POOL + "# trailing comment\n")
    loc = doc.location(("spec",))
    assert (loc.line, loc.end_line, loc.end_column) == (7, 10, 19)
    assert loc.end_column < 100  # never a made-up column


def test_positions_are_shifted_by_the_document_start() -> None:
    doc, _ = compose("---\n" + POOL, start_line=20)
    assert doc is not None
    assert doc.start_line == 20
    assert doc.location(("metadata", "name")).line == 24


def test_missing_path_falls_back_to_nearest_ancestor() -> None:
    doc = one(POOL)
    assert doc.location(("spec", "avoidBuggyIPs")).line == 7  # spec's value starts on line 7
    assert doc.location(("spec", "addresses", 7)).line == 8


def test_positions_inside_flow_collections() -> None:
    doc = one("spec:\n  addresses: [10.0.0.0/24, '10.0.1.0/24']\n")
    assert doc.location(("spec", "addresses", 1)).column == 28
    assert doc.location(("spec", "addresses", 0)).column == 15


def test_tabs_after_colon_keep_columns() -> None:
    doc = one("metadata:\n  name:\tweb\n")
    assert doc.data == {"metadata": {"name": "web"}}
    assert doc.location(("metadata", "name")).column == 9


# -- merge keys, anchors, duplicate keys -------------------------------------------------------


def test_merge_keys_fill_in_missing_keys_only() -> None:
    doc = one(
        "base: &base\n  a: 1\n  b: 2\nother: &other\n  c: 3\nx:\n  <<: [*base, *other]\n  a: 9\n"
    )
    assert doc.data["x"] == {"a": 9, "b": 2, "c": 3}
    # an explicit key keeps its own position; a merged one points at its definition
    assert doc.location(("x", "a")).line == 8
    assert doc.location(("x", "b")).line == 3
    assert doc.location(("x", "c")).line == 5


def test_merge_key_order_earlier_source_wins() -> None:
    doc = one("a: &a {k: 1}\nb: &b {k: 2}\nc:\n  <<: [*a, *b]\n")
    assert doc.data["c"] == {"k": 1}


def test_nested_merge_and_merge_of_a_non_mapping_are_harmless() -> None:
    doc = one("a: &a {k: 1}\nb: &b {<<: *a, j: 2}\nc: {<<: *b}\nd: {<<: 5, z: 1}\n")
    assert doc.data["c"] == {"j": 2, "k": 1}
    assert doc.data["d"] == {"z": 1}


def test_quoted_merge_key_is_a_plain_key() -> None:
    doc = one("a: {'<<': 1}\n")
    assert doc.data == {"a": {"<<": 1}}


def test_duplicate_key_points_at_the_second_with_the_first_as_related() -> None:
    doc, problems = compose("spec:\n  addresses: [a]\n  autoAssign: true\n  addresses: [b]\n")
    assert doc is not None and doc.data["spec"]["addresses"] == ["b"]  # last wins, as PyYAML
    assert [(p.rule, p.location.line, p.location.column) for p in problems] == [("ML003", 4, 3)]
    assert problems[0].related[0][0].line == 2
    assert "first on line 2" in problems[0].message


def test_duplicate_keys_inside_an_anchor_are_reported_once() -> None:
    _, problems = compose("a: &a {k: 1, k: 2}\nb: {<<: *a}\nc: {<<: *a}\n")
    assert [p.rule for p in problems] == ["ML003"]


def test_equal_keys_of_different_types_are_duplicates() -> None:
    _, problems = compose("1: a\n'1': b\n")
    assert [p.rule for p in problems] == ["ML003"]


def test_complex_keys_are_named_by_their_flow_text() -> None:
    doc = one("? [a, b]\n: 1\n? {k: v}\n: 2\n")
    assert doc.data == {"[a, b]": 1, "{k: v}": 2}


def test_tagged_collection_keys_do_not_crash() -> None:
    doc = one("? !!str [1]\n: x\n? !!map k\n: y\n")
    assert doc.data == {"[1]": "x", "k": "y"}


def test_aliases_expand_to_equal_values() -> None:
    doc = one("a: &x [1, 2]\nb: *x\n")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}


# -- scalars: safe, never constructed from tags ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("v: 1", 1),
        ("v: 0x1F", 31),
        ("v: 1.5", 1.5),
        ("v: true", True),
        ("v: yes", True),
        ("v: ~", None),
        ("v: '1'", "1"),
        ("v: 2024-01-01", "2024-01-01"),
        ("v: !!binary aGk=", "aGk="),
        ("v: !!bool maybe", "maybe"),
        ("v: !!int 0x", "0x"),
        ("v: !!float x", "x"),
        ("v: !!seq x", "x"),
        ("v: !!map x", "x"),
        ("v: !!set x", "x"),
        ("v: !Ref x", "x"),
        ("v: !!python/object/apply:os.system 'true'", "true"),
        ("v: !!python/name:os.system ''", ""),
    ],
)
def test_scalars_are_plain_values(text: str, value: object) -> None:
    assert one(text + "\n").data == {"v": value}


def test_python_tags_on_collections_stay_plain_data() -> None:
    doc = one("v: !!python/object/apply:os.system ['touch /nonexistent/pwned']\n")
    assert doc.data == {"v": ["touch /nonexistent/pwned"]}


# -- syntax errors (ML001) ---------------------------------------------------------------------


def test_syntax_error_position_comes_from_the_parser() -> None:
    doc, problems = compose("metadata:\n  name: a\n name: b\n", start_line=10)
    assert doc is None
    assert [(p.rule, p.location.line, p.location.column) for p in problems] == [("ML001", 12, 2)]


def test_unclosed_flow_at_end_of_document_points_where_it_opens() -> None:
    _, problems = compose("a: 1\nb: [1, 2\n")
    assert (problems[0].location.line, problems[0].location.column) == (2, 4)
    assert "starts on line 2" in problems[0].message
    assert "Close the '['" in problems[0].message


def test_tab_indentation_says_so() -> None:
    _, problems = compose("a:\n\t- b\n")
    assert problems[0].location.line == 2
    assert "spaces, not tabs" in problems[0].message


def test_control_characters_are_a_syntax_error_with_a_position() -> None:
    _, problems = compose("a: 1\nb: x\x07y\n")
    assert [(p.rule, p.location.line, p.location.column) for p in problems] == [("ML001", 2, 5)]


def test_undefined_alias_is_a_syntax_error() -> None:
    _, problems = compose("a: *nope\n")
    assert problems[0].rule == "ML001"
    assert "found undefined alias" in problems[0].message


# -- limits (ML002) ----------------------------------------------------------------------------


def laughs(levels: int, width: int = 9) -> str:
    lines = ["kind: ConfigMap", "data:"]
    lines.append("  l0: &l0 [" + ", ".join(['"lol"'] * width) + "]")
    for i in range(1, levels):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_on_the_document_first_line() -> None:
    doc, problems = compose("# comment\n" + laughs(9))
    assert doc is None
    assert [(p.rule, p.location.line) for p in problems] == [("ML002", 2)]
    assert "billion laughs" in problems[0].message


def test_alias_bomb_budget_is_checked_before_expanding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlcore, "MAX_VALUES_PER_DOCUMENT", 1000)
    doc, problems = compose(laughs(4))  # 9**4 = 6561 values once expanded
    assert doc is None and problems[0].rule == "ML002"
    doc, problems = compose(laughs(2))
    assert doc is not None and problems == []


def test_recursive_alias_is_refused() -> None:
    doc, problems = compose("kind: Service\nmetadata: &m\n  labels: [*m]\n")
    assert doc is None
    assert problems[0].rule == "ML002"
    assert "recursive alias" in problems[0].message


def test_deep_nesting_is_refused_at_the_deep_node() -> None:
    depth = yamlcore.MAX_DEPTH + 20
    text = "a:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(depth)) + " " * depth + " v\n"
    doc, problems = compose(text)
    assert doc is None
    assert problems[0].rule == "ML002"
    assert problems[0].location.line > 100


def test_deep_nesting_through_aliases_is_refused() -> None:
    half = yamlcore.MAX_DEPTH // 2 + 10
    text = "a: &a " + "[" * half + "]" * half + "\nb: " + "[" * half + "*a" + "]" * half + "\n"
    doc, problems = compose(text)
    assert doc is None and problems[0].rule == "ML002"


def test_flow_nesting_beyond_the_parser_limit_is_a_syntax_error() -> None:
    doc, problems = compose("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert doc is None
    assert problems[0].rule == ("ML001" if parser_limits_nesting() else "ML002")
    assert problems[0].location.line == 1


# -- the relevance filter ----------------------------------------------------------------------

DEPLOYMENT_BROKEN = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template: {spec: [
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
"""


def test_irrelevant_documents_are_never_parsed() -> None:
    raw = (DEPLOYMENT_BROKEN + "---\n" + SERVICE).encode()
    source = load_file("app.yaml", raw, "manifest", None)
    assert source is not None
    assert source.problems == []  # the broken Deployment was not parsed: no ML001
    assert [d.start_line for d in source.documents] == [7]
    assert source.documents[0].data["kind"] == "Service"


def test_irrelevant_file_is_skipped_without_parsing() -> None:
    assert load_file("app.yaml", DEPLOYMENT_BROKEN.encode(), "manifest", None) is None


def test_relevance_is_case_insensitive() -> None:
    for word in ("MetalLB", "METALLB", "loadBalancerIP", "LoadBalancer"):
        raw = f"kind: X\nnote: {word}\n".encode()
        assert load_file("x.yaml", raw, "manifest", None) is not None, word


def test_chart_files_are_always_parsed() -> None:
    source = load_file("c/Chart.yaml", b"apiVersion: v2\nname: web\n", "chart", "c")
    assert source is not None and source.documents[0].data == {"apiVersion": "v2", "name": "web"}


def test_template_syntax_that_is_not_yaml_is_skipped_not_an_error() -> None:
    raw = b"kind: Service\nspec:\n  type: LoadBalancer\n\n  ports: {{ .Values.p | toYaml }}\n"
    source = load_file("svc.yaml", raw, "manifest", None)
    assert source is not None and source.problems == []
    assert [(reason, line) for _, reason, line in source.skipped_templates] == [
        ("template syntax", 5)
    ]


def test_failed_documents_mark_their_kinds_incomplete() -> None:
    raw = b"apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nspec: [\n"
    source = load_file("pool.yaml", raw, "manifest", None)
    assert source is not None
    assert [p.rule for p in source.problems] == ["ML001"]
    assert source.incomplete_kinds == {"IPAddressPool"}


# -- documents that are not mappings -----------------------------------------------------------


def test_list_of_objects_is_reported_at_its_first_line() -> None:
    raw = b"# pools\n- apiVersion: metallb.io/v1beta1\n  kind: IPAddressPool\n"
    source = load_file("pool.yaml", raw, "manifest", None)
    assert source is not None
    assert [(p.rule, p.location.line) for p in source.problems] == [("ML001", 2)]


def test_other_tools_lists_are_not_reported() -> None:
    raw = b"- name: install metallb\n  kubernetes.core.helm: {name: metallb}\n"
    source = load_file("playbook.yaml", raw, "manifest", None)
    assert source is not None and source.problems == []


def test_list_in_a_values_file_is_reported() -> None:
    source = load_file("c/values.yaml", b"- metallb: {}\n", "values", "c", force=True)
    assert source is not None
    assert [(p.rule, p.location.line) for p in source.problems] == [("ML001", 1)]


def test_scalar_document_is_reported() -> None:
    source = load_file(
        "p.yaml", b"apiVersion metallb.io/v1beta1\nkind IPAddressPool\n", "manifest", None
    )
    assert source is not None
    assert [(p.rule, p.location.line) for p in source.problems] == [("ML001", 1)]
    assert "':' is missing" in source.problems[0].message


def test_unicode_line_separators_do_not_shift_line_numbers() -> None:
    """YAML 1.1 breaks lines at U+2028/U+0085 too; findings count lines the way editors do."""
    doc = one('a: "x\u2028y"\nb: 1\u2029\nc: [1, 2]\n')
    assert doc.data["a"] == "x\u2028y"
    assert (doc.location(("c",)).line, doc.location(("c",)).column) == (3, 4)
    _, problems = compose("a: 1\u2028b: 2\nc: [1\nd: 2\n")
    assert [(p.location.line, p.location.column) for p in problems] == [(3, 2)]  # not 4


def test_base_60_numbers_stay_strings_as_in_kubernetes() -> None:
    """YAML 1.1 reads `64496:1` as 3869761; Go's parsers (API server, MetalLB) keep text."""
    doc = one("communities: [64496:1, 65535:65282]\nport: 8080\nratio: 1.5\n")
    assert doc.data == {"communities": ["64496:1", "65535:65282"], "port": 8080, "ratio": 1.5}


def test_marker_offsets_agree_with_the_yaml_rule() -> None:
    """`---`/`...` at column 0 followed by a blank, a line break or the end (as a multi-line
    regex says it), on generated texts full of near misses."""
    rule = re.compile(r"^(?:---|\.\.\.)(?=[ \t\n]|$)", re.MULTILINE)
    pieces = [
        "---",
        "...",
        "\n",
        " ",
        "\t",
        "-",
        ".",
        "a",
        "--",
        "\n---",
        "\n...",
        "x: 1\n",
        "----",
    ]
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert _marker_offsets(text) == [m.start() for m in rule.finditer(text)], repr(text)


# -- anchors defined twice -----------------------------------------------------------------------


def test_a_redefined_anchor_is_read_as_go_reads_it() -> None:
    text = (
        "controller:\n  resources: &sizing {cpu: 100m}\n  copy: *sizing\n"
        "speaker:\n  resources: &sizing {cpu: 50m}\n  copy: *sizing\n"
    )
    doc = one(text)
    assert doc.data == {
        "controller": {"resources": {"cpu": "100m"}, "copy": {"cpu": "100m"}},
        "speaker": {"resources": {"cpu": "50m"}, "copy": {"cpu": "50m"}},
    }
    assert doc.location(("speaker", "copy", "cpu")).line == 5  # the alias's value, where it is


def test_redefined_anchors_do_not_open_a_way_around_the_size_limit() -> None:
    text = "a: &x [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\na: &x [1]\n"
    for level in range(1, 8):
        items = ", ".join(["*x"] * 10)
        text += f"l{level}: &x [{items}]\n"
    doc, problems = compose(text)
    assert doc is None
    assert [p.rule for p in problems] == ["ML002"]
