"""Declarative policies: YAML files with a match, an optional JSON-pointer target, a JSON Schema
(2020-12, with netaddr-backed formats and address-count keywords), a message and examples.

Built-in rules that are simple enough are written this way (`rules/policies/`, metadata in
`rules/*.yaml` like every other rule); users add their own with `policies:` in the config file
or `--policies DIR`. See docs/policies.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import cache

from metallb_lint.findings import Finding
from metallb_lint.policies.model import Policy
from metallb_lint.resources import data_dir

BUILTIN_FOLDER = "policies"


def builtin_files() -> list[tuple[str, str]]:
    """(path, display) of the built-in policy files (rules/policies/*.yaml)."""
    folder = data_dir("rules") / BUILTIN_FOLDER
    if not folder.is_dir():
        return []
    return [
        (str(entry), f"rules/{BUILTIN_FOLDER}/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]


@cache
def builtin_policies() -> tuple[Policy, ...]:
    """The built-in declarative rules. Each has metadata in rules/*.yaml with the same name and
    severity (checked here: a mismatch is a programming error)."""
    from metallb_lint.catalog import catalog
    from metallb_lint.policies.loader import load_policy_file

    out = []
    known = catalog()
    for path, display in builtin_files():
        for policy in load_policy_file(path, display, builtin=True, validate=False):
            info = known.get(policy.id)
            if info is None or info.name != policy.name or info.severity != policy.severity:
                raise RuntimeError(  # pragma: no cover - guarded by tests
                    f"{display}: built-in policy {policy.id} {policy.name} does not match "
                    "its metadata in rules/*.yaml"
                )
            out.append(policy)
    return tuple(out)


def load_user_policies(locations: Iterable[str], cwd: str | None = None) -> list[Policy]:
    """The user policies of these directories (or files); a bad file is a UsageError."""
    from metallb_lint.load.discover import display_path
    from metallb_lint.policies.loader import load_locations

    cwd = cwd or os.getcwd()
    return load_locations((p, display_path(p, cwd)) for p in locations)


def evaluate(policy: Policy, ctx) -> Iterator[Finding]:
    from metallb_lint.policies.evaluation import evaluate as run

    return run(policy, ctx)


def run_user_policies(ctx, selected: Iterable[str]) -> Iterator[Finding]:
    chosen = set(selected)
    for policy in getattr(ctx, "policies", None) or ():
        if policy.id in chosen:
            yield from evaluate(policy, ctx)


def register_builtin(registry: dict) -> None:
    """Put each built-in policy in the rule registry (`checks.REGISTRY`), once."""
    for policy in builtin_policies():
        existing = registry.get(policy.id)
        if existing is not None:
            if getattr(existing, "policy", None) is policy:
                continue
            raise ValueError(  # pragma: no cover - programming error
                f"{policy.id} is both a Python rule and a built-in policy ({policy.source})"
            )

        def run(ctx, _policy: Policy = policy) -> Iterator[Finding]:
            return evaluate(_policy, ctx)

        run.__name__ = policy.name.replace("-", "_")
        run.__doc__ = f"{policy.id}: declarative policy {policy.source}"
        run.policy = policy  # type: ignore[attr-defined]
        registry[policy.id] = run


__all__ = [
    "Policy",
    "builtin_policies",
    "evaluate",
    "load_user_policies",
    "register_builtin",
    "run_user_policies",
]
