"""The block-YAML fast path must read exactly what the full parser reads, or decline.

Every document it accepts is compared with `load.compose_full` (data, types, the span of every
value and key); documents it declines go through the full parser unchanged.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from metallb_lint.load import blockyaml, yamlcore
from metallb_lint.load.blockyaml import parse_block
from metallb_lint.load.documents import Chunk, compose_chunk, compose_full, split_documents
from metallb_lint.load.filetext import decode

ROOT = Path(__file__).resolve().parent.parent


def _full(text: str, start_line: int = 1):
    doc, problems = compose_full("f.yaml", Chunk(start_line, text), 0, text)
    if doc is None or problems:
        return None
    return doc.data, doc.positions.values, doc.positions.keys


def _fast(text: str, start_line: int = 1):
    parsed = parse_block(text, start_line - 1)
    if parsed is None:
        return None
    data, positions = parsed
    return data, positions.values, positions.keys


def assert_same(text: str, start_line: int = 1) -> bool:
    """True when the fast path took the document (and agreed with the full parser)."""
    fast = _fast(text, start_line)
    if fast is None:
        return False
    full = _full(text, start_line)
    assert full is not None, f"fast path accepted what the full parser rejects:\n{text}"
    assert repr(fast[0]) == repr(full[0]), text  # repr: 1 and True, 1 and 1.0 differ
    assert fast[1] == full[1], text
    assert fast[2] == full[2], text
    assert_found_alike(text, start_line, full[1], full[2])
    return True


def assert_found_alike(text: str, start_line: int, values: dict, keys: dict) -> None:
    """A span found without reading the document again is the one the full reading records;
    a path that is not there is never found."""
    lines, offset = text.split("\n"), start_line
    for table, key in ((values, False), (keys, True)):
        for path, span in table.items():
            found = blockyaml._find(lines, offset, path, key)
            assert found in (None, span), (text, path, key)
            assert blockyaml._find(lines, offset, (*path, "absent"), key) is None, (text, path)
    for path in [("absent",), ("absent", "a"), (0,), (0, "a")]:
        for key in (False, True):
            assert blockyaml._find(lines, offset, path, key) is None, (text, path)


def _repository_documents() -> list[tuple[str, Chunk]]:
    found = []
    for folder in ("fixtures", "tests"):
        for path in sorted((ROOT / folder).rglob("*.y*ml")):
            try:
                text = decode(path.read_bytes())
            except (UnicodeDecodeError, OSError):
                continue
            found.extend((str(path), chunk) for chunk in split_documents(text))
    return found


def test_every_repository_document_reads_the_same():
    documents = _repository_documents()
    taken = sum(assert_same(chunk.text, chunk.start_line) for _, chunk in documents)
    assert len(documents) > 500
    assert taken > len(documents) // 2  # the fast path is the common path


SERVICE = """\
---
# the web front
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: media
  labels:
    app.kubernetes.io/name: web
  annotations:
    metallb.io/loadBalancerIPs: 192.168.1.240, 192.168.1.241  # two
    metallb.io/address-pool: 'default'
spec:
  type: LoadBalancer
  loadBalancerIP: "192.168.1.240"
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - port: 443
  externalIPs: []
  selector: {}
  ipFamilies:
    - IPv4
    - IPv6
  sessionAffinity:

"""


def test_a_typical_service_takes_the_fast_path():
    assert assert_same(SERVICE)
    assert assert_same(SERVICE, start_line=40)  # positions move with the document
    data, values, keys = _fast(SERVICE)
    assert data["spec"]["ports"][0]["port"] == 80
    assert data["spec"]["sessionAffinity"] is None
    assert keys[("spec", "loadBalancerIP")] == (15, 3, 15, 16)
    assert values[("spec", "loadBalancerIP")] == (15, 19, 15, 33)


def test_positions_are_read_only_when_asked_for(monkeypatch):
    """Most documents are never reported: their positions are read on first use, once."""
    calls: list[bool] = []
    parse = blockyaml._parse

    def counting(lines, offset, *, spans):
        calls.append(spans)
        return parse(lines, offset, spans=spans)

    monkeypatch.setattr(blockyaml, "_parse", counting)
    data, positions = parse_block(SERVICE, 9)
    assert data["spec"]["loadBalancerIP"] == "192.168.1.240"
    assert calls == [False]
    # a scalar and a key are found on their lines, without reading the document again
    assert positions.span(("spec", "loadBalancerIP")) == (24, 19, 24, 33)
    assert positions.span(("spec", "loadBalancerIP"), key=True) == (24, 3, 24, 16)
    assert calls == [False]
    # a block collection's span needs the whole reading: once, then every span is known
    assert positions.span(("spec", "ports")) == (26, 3, 30, 2)
    assert positions.span(("spec", "ports", 0, "port")) == (27, 11, 27, 12)
    assert calls == [False, True]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: ML003 comes from the full path
        "a:\n\tb: 1\n",  # tab
        "a: &x 1\nb: *x\n",  # anchor and alias
        "a: some\n  continued text\n",  # multi-line plain scalar
        "a: 'multi\n  line'\n",
        "a: 'it''s'\n",  # escaped quote
        'a: "tab\\there"\n',  # escape sequence
        "a: b: c\n",  # YAML error
        "a:\n  b: 1\n c: 2\n",  # bad indentation
        "a: 1\n  b: 2\n",
        "true: 1\n",  # non-string keys are spelled out by the converter
        "1: x\n",
        "null: x\n",
        "? complex\n: key\n",
        "a: !!str 1\n",  # tags
        "a: caf\u00e9\n",  # non-ASCII
        "- - nested\n",
        "-\n  a: 1\n",  # empty item
        "just a scalar\n",
        "---\n",
        "# only a comment\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: 1\nb: 2 # c\n  - x\n",
        '"quoted key": 1\n',
        "a: 'x' y\n",
        "<<: {a: 1}\n",
    ],
)
def test_outside_the_subset_the_full_parser_decides(text):
    assert parse_block(text, 0) is None
    doc, problems = compose_chunk("f.yaml", Chunk(1, text), 0)
    full_doc, full_problems = compose_full("f.yaml", Chunk(1, text), 0, text)
    assert problems == full_problems
    assert (doc is None) == (full_doc is None)
    if doc is not None:
        assert repr(doc.data) == repr(full_doc.data)
        assert doc.positions.values == full_doc.positions.values


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2]\n",  # flow sequence
        "a: {b: 1}\n",  # flow mapping
        "a: -1\nb: --port=80\nc: :8080\nd: <id>\n",  # plain scalars starting with indicators
        "- [a, 'b', \"c\", 1, true, ~, 10.0.0.1]\n",
        "ports: [{name: http, port: 80, targetPort: http}, {port: 443}]  # c\n",
        'args: ["--port=8080", --log-level=info, []]\nx: {a: [1, {b: {}}], c: d}\n',
        "a: [ 1 , 2, ]\nb: { k: v , }\nc: [-1, -x, a-b]\n",
        "matchLabels: {app.kubernetes.io/name: web, x-y: '1'}\n",
    ],
)
def test_one_line_flow_collections_take_the_fast_path(text):
    assert assert_same(text, 3)


@pytest.mark.parametrize(
    "text",
    [
        "a: [1,\n  2]\n",  # a flow collection over two lines
        "a: {b}\n",  # a key without a value
        "a: {b: }\n",
        "a: {b:1}\n",
        "a: [b: 1]\n",  # a one-pair mapping in a sequence
        "a: [http://x]\n",
        "a: [a#b]\n",
        "a: [?x]\n",
        "a: [:x]\n",
        "a: [- x]\n",
        "a: {1: x}\n",
        "a: {b: 1, b: 2}\n",  # duplicate key: ML003
        "a: ['it''s']\n",
        'a: ["tab\\t"]\n',
        "a: [1] x\n",
        "a: [[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]\n",
        "a: [&x 1, *x]\n",
        "a: [!!str 1]\n",
    ],
)
def test_flow_collections_outside_the_subset(text):
    assert parse_block(text, 0) is None


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "1" * 5000 + "\n",  # past Python's int-from-string limit: stays text
        "a: 0x" + "f" * 5000 + "\n",
        "a: 1e99999\n",  # a float overflowing to inf
        "a: 9223372036854775808\n- b\n",  # then a YAML error
        "a: 123456789012345678901234567890\n",
    ],
)
def test_odd_numbers_read_as_the_full_parser_reads_them(text):
    doc, problems = compose_chunk("f.yaml", Chunk(1, text), 0)
    full_doc, full_problems = compose_full("f.yaml", Chunk(1, text), 0, text)
    assert problems == full_problems
    assert repr(doc.data if doc else None) == repr(full_doc.data if full_doc else None)


def test_size_and_depth_limits_stay_with_the_full_path(monkeypatch):
    monkeypatch.setattr(yamlcore, "MAX_VALUES_PER_DOCUMENT", 10)
    assert parse_block("".join(f"k{i}: {i}\n" for i in range(20)), 0) is None
    monkeypatch.undo()
    monkeypatch.setattr(yamlcore, "MAX_DEPTH", 5)
    deep = "".join("  " * i + f"k{i}:\n" for i in range(8)) + "  " * 8 + "x: 1\n"
    assert parse_block(deep, 0) is None
    assert compose_chunk("f.yaml", Chunk(1, deep), 0)[1][0].rule == "ML002"


# --- generated documents --------------------------------------------------------------------

KEYS = ["name", "app.kubernetes.io/name", "port", "a", "b_c", "x-y", "on", "yes", "1", "k1"]
SCALARS = [
    "plain", "LoadBalancer", "10.0.0.1", "10.0.0.0/24", "10.0.0.1 - 10.0.0.9", "2001:db8::1",
    "64496:1", "12:30:00", "1", "0", "-1", "0x1F", "0o17", "017", "1_000", "1e3", "1.5",
    ".inf", ".NaN", "~", "null", "Null", "true", "False", "yes", "no", "on", "OFF", "y", "=",
    "${VAR}", "a#b", "a #comment", "'single'", "'a''b'", '"double"', '"a\\"b"', "[]", "{}",
    "[a]", "http://x:80/y", "a: b", "a:", "x  ", "2026-11-26", "!!int 3", "&anc v", "*al",
    "|", "-", "- x", "(x)", "+1", ".5", "^x", "100%", "@x", "`x`",
    "[a, b]", "{a: 1}", "[{port: 80}, {name: x, n: 2}]", "[1, '2', \"3\"]", "{a: [b, c]}",
    "[a: b]", "{a}", "[-1, --x]", "[ a ,b ] # c", "{a: b,}", "[a", "{a: {b: [true, ~]}}",
    "[x] y", "{'k': v}", "[a#b]", "[a #c]", "[http://x]", "--port=1", ":80", "<x>", "-x",
]  # fmt: skip
COMMON = [*SCALARS[:12], "'single'", '"double"', "true", "null", "x  ", "a #comment"]


def _scalar(rng: random.Random) -> str:
    return rng.choice(COMMON if rng.random() < 0.6 else SCALARS)


def _value(rng: random.Random, depth: int, indent: int, width: int) -> list[str] | str:
    roll = rng.random()
    if depth > 3 or roll < 0.55:
        return _scalar(rng)
    if roll < 0.8:
        return _mapping(rng, depth + 1, indent + width, width)
    return _sequence(rng, depth + 1, indent + rng.choice((0, width)), width)


BLOCK_HEADERS = ["|", "|-", "|+", ">", ">-", ">+", "|2", "| # c", ">-  "]
BLOCK_LINES = ["text", "more words", "  deeper", "", "# not a comment", "a: b", "- x", "t\tab",
               "x  ", "   ", "{{ .Values.x }}", "'q'"]  # fmt: skip


def _block(rng: random.Random, indent: int) -> list[str]:
    """Content lines of a block scalar, indented by `indent` (blank lines as they come)."""
    lines = [rng.choice(BLOCK_LINES) for _ in range(rng.randint(1, 5))]
    if not lines[0].strip():
        lines[0] = "first"
    return [(" " * indent + line) if line else "" for line in lines]


def _mapping(rng: random.Random, depth: int, indent: int, width: int) -> list[str]:
    lines: list[str] = []
    for key in rng.sample(KEYS, rng.randint(1, 4)):
        value = _value(rng, depth, indent, width)
        pad = " " * indent
        if rng.random() < 0.08:
            lines.append(f"{pad}{key}: {rng.choice(BLOCK_HEADERS)}")
            lines.extend(_block(rng, indent + rng.choice((width, width, 1, width + 2))))
        elif isinstance(value, str):
            lines.append(f"{pad}{key}:{rng.choice([' ', '  '])}{value}")
        else:
            lines.append(f"{pad}{key}:{rng.choice(['', ' ', ' # note'])}")
            lines.extend(value)
        if rng.random() < 0.1:
            lines.append(rng.choice(["", "# comment", pad + "  # indented comment"]))
    return lines


def _sequence(rng: random.Random, depth: int, indent: int, width: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.05:
            lines.append(f"{pad}- {rng.choice(BLOCK_HEADERS)}")
            lines.extend(_block(rng, indent + rng.choice((2, 1, 4))))
            continue
        if rng.random() < 0.5:
            lines.append(f"{pad}- {_scalar(rng)}")
            continue
        item = _mapping(rng, depth + 1, indent + 2, width)
        lines.append(f"{pad}- {item[0].lstrip(' ')}")
        lines.extend(item[1:])
    return lines


def _mutate(rng: random.Random, lines: list[str]) -> list[str]:
    lines = list(lines)
    for _ in range(rng.randint(0, 2)):
        if not lines:
            break
        at = rng.randrange(len(lines))
        choice = rng.random()
        if choice < 0.3:
            lines[at] = " " + lines[at]
        elif choice < 0.5:
            lines[at] = lines[at][1:]
        elif choice < 0.7:
            lines.insert(at, lines[at])
        elif choice < 0.85:
            lines[at] = lines[at] + rng.choice(["  ", " #", ":", " x"])
        else:
            del lines[at]
    return lines


def _fresh_memo(monkeypatch: pytest.MonkeyPatch, on: bool) -> blockyaml._LineMemo:
    memo = blockyaml._LineMemo()
    memo.on = on
    monkeypatch.setattr(blockyaml, "_memo", memo)
    monkeypatch.setattr(blockyaml, "_lines", {})
    return memo


@pytest.fixture(params=["memo", "no memo"])
def line_memo(request, monkeypatch):
    """The reader with its line memo (fresh), and without it."""
    return _fresh_memo(monkeypatch, request.param == "memo")


def test_the_line_memo_switches_itself_off_when_lines_do_not_repeat(monkeypatch):
    line_memo = _fresh_memo(monkeypatch, True)
    repeated = "apiVersion: v1\nkind: Service\nspec:\n  type: LoadBalancer\n"
    for _ in range(3000):
        assert parse_block(repeated, 0) is not None
    assert line_memo.on and len(blockyaml._lines) == 5  # the four lines and the empty last
    for i in range(2 * blockyaml._LineMemo.WINDOW // 5 + 1000):  # two windows of misses
        assert parse_block(f"a{i}: {i}\nb{i}: x{i}\nc{i}: y\nd{i}:\n  - {i}\n", 0) is not None
    assert not line_memo.on and not blockyaml._lines
    assert assert_same(repeated)  # still read, now without the memo


def test_generated_documents_read_the_same(line_memo):
    rng = random.Random(20261126)
    taken = 0
    for count in range(6000):
        width = rng.choice((2, 2, 4, 3))
        lines = _mapping(rng, 0, 0, width) if rng.random() < 0.85 else _sequence(rng, 0, 0, width)
        if count % 2:
            lines = _mutate(rng, lines)
        head = rng.choice(["", "---\n", "# top\n---\n", "\n"])
        tail = rng.choice(["\n", "", "\n\n# end\n", "\n  \n"])
        taken += assert_same(head + "\n".join(lines) + tail, rng.randint(1, 50))
    assert taken > 800  # the generator exercises the fast path, not only the fallback
