"""Issue 21, item 8 of the issue: a fuzz test that stays. Hypothesis generates file trees (odd
names, FIFOs, symbolic links, folders) of YAML documents (MetalLB resources and Services with
hostile values, and broken YAML) and runs the real command line over them: whatever the input,
the run ends with exit code 0, 1 or 2 and never an internal error or a traceback.

Budget: a few dozen examples in the normal suite. The long run (CONTRIBUTING: at least 30
minutes) sets METALLB_LINT_FUZZ_EXAMPLES, e.g.

    METALLB_LINT_FUZZ_EXAMPLES=20000 python -m pytest -q tests/test_fuzz.py

Every input that ever failed is kept in tests/fuzz_corpus/ (one JSON file each: the files of
the tree and the arguments, see `Case`) and replayed by `test_corpus` on every run. A failing
example's JSON is printed in the failure message: save it there as NAME.json.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, run_cli

CORPUS = ROOT / "tests" / "fuzz_corpus"
EXAMPLES = int(os.environ.get("METALLB_LINT_FUZZ_EXAMPLES") or 30)
POSIX = sys.platform != "win32"

# -- what is generated --------------------------------------------------------------------------

FRAGMENTS = [
    "{{",
    "}}",
    "{{ .Values.x }}",
    "${a:-",
    "${VAR}",
    "$${x}",
    "__IP__",
    "1s",
    "1m30s",
    "192.168.1.240",
    "192.168.1.240/29",
    "10.0.0.0-10.0.0.9",
    "::/0",
    "0.0.0.0/0",
    "fd00::/120",
    "999.1.1.1",
    "1.2.3.4/33",
    "-",
    "*",
    "&a",
    "*a",
    "!!binary",
    "---",
    "...",
    "\t",
    "\x00",
    "\x1b[31m",
    "\u2028",
    "\ufeff",
    "é",
    "#",
    ":",
    "'",
    '"',
    "\\",
    "[",
    "]",
    "(a+)+$",
    "a" * 64,
    "9" * 40,
    "metallb.io/",
    "LoadBalancer",
    "IPAddressPool",
]
KINDS = [
    "IPAddressPool",
    "L2Advertisement",
    "BGPAdvertisement",
    "BGPPeer",
    "BFDProfile",
    "Community",
    "Service",
    "ConfigMap",
    "HelmRelease",
    "Application",
    "Kustomization",
]
API = ["metallb.io/v1beta1", "metallb.io/v1beta2", "v1", "helm.toolkit.fluxcd.io/v2"]
ANNOTATIONS = [
    "metallb.io/loadBalancerIPs",
    "metallb.universe.tf/loadBalancerIPs",
    "metallb.io/address-pool",
    "metallb.io/allow-shared-ip",
    "lint.metallb.io/ignore",
]
SPEC_KEYS = [
    "addresses",
    "avoidBuggyIPs",
    "autoAssign",
    "ipAddressPools",
    "myASN",
    "peerASN",
    "peerAddress",
    "holdTime",
    "keepaliveTime",
    "type",
    "loadBalancerIP",
    "ports",
    "serviceAllocation",
    "ipAddressPoolSelectors",
    "communities",
    "aggregationLength",
]

fragment_runs = st.builds(
    lambda parts, times: "".join(parts) * times,
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4),
    st.integers(1, 300),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(FRAGMENTS),
    fragment_runs,
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.one_of(st.sampled_from(SPEC_KEYS), st.text(max_size=8)), inner, max_size=4
        )
    ),
    max_leaves=16,
)
resources = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(API),
        "kind": st.sampled_from(KINDS),
        "metadata": st.fixed_dictionaries(
            {"name": scalars, "namespace": st.sampled_from(["metallb-system", "media", ""])},
            optional={
                "annotations": st.dictionaries(st.sampled_from(ANNOTATIONS), scalars, max_size=3)
            },
        ),
    },
    optional={"spec": st.dictionaries(st.sampled_from(SPEC_KEYS), values, max_size=6) | values},
)


def _dump(document: object) -> str:
    return yaml.safe_dump(document, allow_unicode=True, default_flow_style=None, sort_keys=False)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A file's text: YAML documents, sometimes cut or spliced with hostile fragments."""
    text = "---\n".join(_dump(d) for d in draw(st.lists(resources, min_size=1, max_size=3)))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(FRAGMENTS) | fragment_runs) + text[at:]
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return text


name_chars = st.sampled_from(
    list("abcxyz-_. é") + (["\x1b", "\n", "\udcff", "\udc80"] if POSIX else [])
)
names = st.builds(
    lambda stem, suffix: (stem or "f") + suffix,
    st.text(name_chars, max_size=8),
    st.sampled_from([".yaml", ".yml", "", "/.gitignore", "/values.yaml", "/Chart.yaml"]),
)
entries = st.tuples(
    st.lists(st.sampled_from(["apps", "charts", "metallb", "templates", "a b", "x"]), max_size=3),
    names,
    st.sampled_from(["file", "file", "file", "fifo", "broken-link", "loop-link", "dir-link"]),
    documents(),
)
arguments = st.one_of(
    st.tuples(st.sampled_from(["json", "sarif", "text", "github", "junit", "concise"])).map(
        lambda f: ["--format", f[0]]
    ),
    st.just(["--format", "json", "--output-file", "report.out"]),
    st.just(["--write-baseline", "baseline.json"]),
    st.integers(1, 1000).map(lambda n: ["ips", "--free", str(n), "--pool", "default"]),
    st.sampled_from([["ips", "--format", "json"], ["ips", "--format", "markdown"], ["migrate"]]),
)
cases = st.fixed_dictionaries(
    {"entries": st.lists(entries, max_size=5), "args": arguments, "version": st.booleans()}
)

# -- running a case -------------------------------------------------------------------------------


def _materialise(root: Path, case: dict) -> None:
    """Write a case's tree: `entries` are (folders, name, kind, text)."""
    (root / ".git").mkdir()
    for folders, name, kind, text in case["entries"]:
        folder = root.joinpath(*folders)
        path = folder / name
        if any(part in (".", "..") for part in Path(name).parts):
            continue  # `..` would write outside the case's folder (the tests are hermetic)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if os.path.lexists(path) or path.is_dir():
                continue
            if kind == "fifo" and hasattr(os, "mkfifo"):
                os.mkfifo(path)
            elif kind == "broken-link" and POSIX:
                path.symlink_to("missing.yaml")
            elif kind == "loop-link" and POSIX:
                path.symlink_to(path.name)
            elif kind == "dir-link" and POSIX:
                path.symlink_to(root)
            else:
                path.write_text(text, encoding="utf-8", errors="surrogateescape")
        except (OSError, ValueError):
            continue  # a name this file system refuses: not an input


def _args(case: dict) -> list[str]:
    args = list(case["args"])
    head = args[:1] if args[:1] in (["ips"], ["migrate"]) else []
    rest = args[len(head) :]
    version = ["--metallb-version", "0.14.9"] if case["version"] else []
    return [*head, "--isolated", *version, *rest, "."]


def check_case(case: dict) -> None:
    root = Path(tempfile.mkdtemp(prefix="metallb-lint-fuzz-"))
    try:
        _materialise(root, case)
        result = run_cli(*_args(case), cwd=root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    shown = json.dumps(case, ensure_ascii=True)
    assert result.code in (0, 1, 2), shown
    assert "internal error" not in result.err, f"{result.err}\ncase: {shown}"
    assert "Traceback" not in result.err, f"{result.err}\ncase: {shown}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,  # no timed tests: a hang shows as a run that never ends, not a flake
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 30,  # the normal suite: the same examples every run
    database=None,
)
@given(cases)
def test_fuzz_the_command_line(case: dict) -> None:
    check_case(case)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.json")), ids=lambda p: p.stem)
def test_corpus(path: Path) -> None:
    """Every input that ever failed, replayed (see the top)."""
    case = json.loads(path.read_text(encoding="utf-8"))
    case["entries"] = [tuple(e) for e in case["entries"]]
    check_case(case)
