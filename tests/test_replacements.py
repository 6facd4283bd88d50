"""kustomize `replacements` resolved without the engine (gitops/replacements.py): what is a
plain copy from a source in the repository, and what is left unknown for the engine."""

from __future__ import annotations

import pytest

from metallb_lint.gitops.replacements import resolved
from metallb_lint.load.documents import Chunk, compose_chunk

SETTINGS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  range: 10.0.0.10-10.0.0.20
  both: 10.0.0.1,10.0.0.2
"""


def _doc(path: str, text: str):
    doc, problems = compose_chunk(path, Chunk(1, text), 0)
    assert doc is not None and not problems
    return doc


def _replacements(entry: str):
    kustomization = _doc("cluster/kustomization.yaml", "replacements:\n" + entry)
    settings = _doc("cluster/settings.yaml", SETTINGS)
    documents = {"cluster/settings.yaml": [settings]}
    reached = frozenset({"cluster/kustomization.yaml", "cluster/settings.yaml"})
    found = resolved(kustomization, kustomization.data, reached, lambda p: documents.get(p, []))
    return list(found)


POOL = {"kind": "IPAddressPool", "metadata": {"name": "lan"}, "spec": {"addresses": ["x"]}}


def test_a_plain_copy_is_resolved_and_located_at_its_source() -> None:
    (found,) = _replacements(
        "  - source: {kind: ConfigMap, name: settings, fieldPath: data.range}\n"
        "    targets:\n      - select: {kind: IPAddressPool, name: lan}\n"
        "        fieldPaths: [spec.addresses.0]\n"
    )
    assert found.value == "10.0.0.10-10.0.0.20"
    assert found.source_path == ("data", "range")
    assert found.source_doc.location(found.source_path).line == 5
    assert found.selects("IPAddressPool", "lan") and not found.selects("IPAddressPool", "dmz")
    assert found.apply(POOL) == {**POOL, "spec": {"addresses": ["10.0.0.10-10.0.0.20"]}}
    assert POOL["spec"]["addresses"] == ["x"]  # the object as written is untouched
    assert found.writes(("spec", "addresses", 0)) and not found.writes(("spec",))


def test_a_source_delimiter_picks_one_part() -> None:
    (found,) = _replacements(
        "  - source:\n      kind: ConfigMap\n      name: settings\n      fieldPath: data.both\n"
        "      options: {delimiter: ',', index: 1}\n"
        "    targets:\n      - select: {kind: IPAddressPool}\n"
        "        fieldPaths: [spec.addresses.0]\n"
    )
    assert found.value == "10.0.0.2" and found.name is None


def test_a_missing_field_is_written_only_with_create() -> None:
    entry = (
        "  - source: {kind: ConfigMap, name: settings, fieldPath: data.range}\n"
        "    targets:\n      - select: {kind: IPAddressPool}\n"
        "        fieldPaths: [spec.avoidBuggyIPs]\n"
    )
    assert _replacements(entry)[0].apply(POOL) is None  # kustomize refuses the build
    (created,) = _replacements(entry + "        options: {create: true}\n")
    assert created.apply(POOL)["spec"]["avoidBuggyIPs"] == "10.0.0.10-10.0.0.20"


@pytest.mark.parametrize(
    "entry",
    [
        # the source is not in the repository
        "  - source: {kind: ConfigMap, name: elsewhere, fieldPath: data.range}\n"
        "    targets:\n      - select: {kind: IPAddressPool}\n        fieldPaths: [spec.x]\n",
        # a list selector in the target path
        "  - source: {kind: ConfigMap, name: settings, fieldPath: data.range}\n"
        "    targets:\n      - select: {kind: IPAddressPool}\n"
        "        fieldPaths: ['spec.addresses.[=x]']\n",
        # a label selector: which objects is not known here
        "  - source: {kind: ConfigMap, name: settings, fieldPath: data.range}\n"
        "    targets:\n      - select: {kind: IPAddressPool, labelSelector: 'a=b'}\n"
        "        fieldPaths: [spec.addresses.0]\n",
        # a delimiter on the target writes part of a field
        "  - source: {kind: ConfigMap, name: settings, fieldPath: data.range}\n"
        "    targets:\n      - select: {kind: IPAddressPool}\n"
        "        fieldPaths: [spec.addresses.0]\n        options: {delimiter: '-'}\n",
        # the source field is a mapping
        "  - source: {kind: ConfigMap, name: settings, fieldPath: data}\n"
        "    targets:\n      - select: {kind: IPAddressPool}\n        fieldPaths: [spec.x]\n",
    ],
    ids=["source-elsewhere", "list-selector", "label-selector", "target-delimiter", "mapping"],
)
def test_what_is_more_than_a_plain_copy_is_left_to_the_engine(entry: str) -> None:
    assert _replacements(entry) == []
