"""`metallb-lint test-policies DIR`: run every policy's examples, like `kyverno test`.

Each `examples.pass` document must match the policy and produce no finding; each
`examples.fail` document must match it and produce at least one. An example is a YAML document
(a string, or a mapping written in place). What it leaves out is filled in from the policy's
first match block: `kind` and `apiVersion`, `metadata.name` ("example"), and the namespace and
labels when the match names them literally. A `ServiceRequest` example is a Service manifest; a
`HelmValues` or `MetalLBChartValues` example is the values themselves (the latter rendered with
the examples' release). Examples run against `examples.metallbVersion`,
or the newest MetalLB release metallb-lint knows.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field

import yaml

from metallb_lint.findings import Finding, ResourceRef
from metallb_lint.policies.model import (
    METALLB_KINDS,
    Example,
    MatchBlock,
    Policy,
)

_GLOB = set("*?[")


@dataclass
class ExampleResult:
    """How one `pass` or `fail` example of a policy behaved under `test-policies`."""

    policy: Policy
    expected: str  # pass or fail
    index: int
    example: Example
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None  # why the example failed, None when it behaved

    @property
    def ok(self) -> bool:
        return self.problem is None


def _literal(patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        if not _GLOB & set(pattern):
            return pattern
    return None


def _document(example: Example) -> object:
    if isinstance(example.data, str):
        try:
            return yaml.safe_load(example.data)
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    return copy.deepcopy(example.data)


def _fill(data: dict, block: MatchBlock) -> dict:
    """A resource example completed from the match block (see the module docstring)."""
    kind = data.get("kind") or block.kinds[0]
    if kind == "ServiceRequest":
        kind = "Service"
    out = dict(data)
    out.setdefault("kind", kind)
    default_api = _literal(block.api_versions) or {
        "Service": "v1",
        "BGPPeer": "metallb.io/v1beta2",
    }.get(kind, "metallb.io/v1beta1")
    out.setdefault("apiVersion", default_api)
    metadata = dict(out.get("metadata") or {})
    metadata.setdefault("name", _literal(block.names) or "example")
    namespace = _literal(block.namespaces)
    if namespace is None and kind in METALLB_KINDS:
        namespace = "metallb-system"
    if namespace is not None:
        metadata.setdefault("namespace", namespace)
    if block.labels:
        labels = dict(metadata.get("labels") or {})
        for key, pattern in block.labels:
            if not _GLOB & set(pattern):
                labels.setdefault(key, pattern)
        metadata["labels"] = labels
    out["metadata"] = metadata
    return out


def run_example(policy: Policy, example: Example) -> tuple[list[Finding], int]:
    """(findings, number of subjects the policy matched) for one example."""
    from metallb_lint.checks.context import Context
    from metallb_lint.config import Config
    from metallb_lint.load.documents import Chunk, compose_chunk
    from metallb_lint.load.sources import load_file
    from metallb_lint.model.inventory import build_inventory
    from metallb_lint.model.objects import ValuesSource
    from metallb_lint.policies.evaluation import check
    from metallb_lint.policies.subjects import subjects

    data = _document(example)
    block = policy.matches[0]
    version = policy.examples_version
    config = Config(metallb_version=version)
    merged = "MetalLBChartValues" in block.kinds
    values = (merged or "HelmValues" in block.kinds) and not (
        isinstance(data, dict) and "kind" in data
    )
    display = f"{policy.source}#example"
    if values:
        text = yaml.safe_dump(data if data is not None else {}, sort_keys=False)
        inventory = build_inventory([], config, version)
        doc, problems = compose_chunk(display, Chunk(1, text), 0)
        if problems or doc is None or not isinstance(doc.data, dict):
            raise ValueError("a HelmValues example must be a mapping of values")
        chart = "metallb" if merged else _literal(block.charts) or "example"
        owner = ResourceRef("v2", "Chart", None, chart)
        namespace = _literal(block.namespaces)
        inventory.values.append(
            ValuesSource(doc, (), doc.data, chart, owner, namespace, chart == "metallb", "")
        )
    else:
        if not isinstance(data, dict):
            raise ValueError("an example must be a mapping (a Kubernetes object)")
        text = yaml.safe_dump(_fill(data, block), sort_keys=False)
        source = load_file(display, text.encode(), "manifest", None, force=True)
        inventory = build_inventory([source] if source else [], config, version)
    ctx = Context(inventory, config)
    found: list[Finding] = []
    matched = 0
    for subject in subjects(policy, ctx):
        matched += 1
        found.extend(check(policy, subject, inventory.target.version))
    return found, matched


def check_examples(policy: Policy) -> list[ExampleResult]:
    results = []
    for expected, examples in (("pass", policy.passing), ("fail", policy.failing)):
        for index, example in enumerate(examples):
            result = ExampleResult(policy, expected, index, example)
            try:
                result.findings, matched = run_example(policy, example)
            except ValueError as exc:
                result.problem = str(exc)
                results.append(result)
                continue
            if not matched:
                result.problem = (
                    "the example does not match the policy (check its kind, apiVersion, "
                    "namespace, name, labels, chart or metallbVersion against `match`)"
                )
            elif expected == "pass" and result.findings:
                result.problem = "expected no finding, got: " + result.findings[0].message
            elif expected == "fail" and not result.findings:
                result.problem = "expected a finding, got none"
            results.append(result)
    return results


def report(policies: list[Policy], out=None, verbose: bool = False) -> bool:
    """Print the results; True when every example behaved."""
    out = out or sys.stdout
    total = failed = untested = 0
    current = None
    for policy in policies:
        results = check_examples(policy)
        if policy.source != current:
            current = policy.source
            print(current, file=out)
        bad = [r for r in results if not r.ok]
        total += len(results)
        failed += len(bad)
        if not results:
            untested += 1
            print(f"  {policy.id} {policy.name}: no examples", file=out)
            continue
        verdict = "FAILED" if bad else "ok"
        print(f"  {policy.id} {policy.name}: {verdict} ({len(results)} examples)", file=out)
        for result in results if verbose else bad:
            state = "ok" if result.ok else f"FAILED: {result.problem}"
            where = f"{policy.source}:{result.example.line}"
            print(f"    {result.expected}[{result.index}] ({where}): {state}", file=out)
    summary = f"{len(policies)} policies, {total} examples, {failed} failed"
    if untested:
        summary += f", {untested} without examples"
    print(summary, file=out)
    return failed == 0
