"""toYaml, toJson, fromYaml, fromJson as Helm's template functions do them, bounded: a value
that is too big, too deep or refers to itself is refused, never expanded."""

from __future__ import annotations

import json
from collections.abc import Mapping

import yaml

from metallb_lint.gitops.gotemplate.traced import Sourced, sourced_paths, trace_yaml
from metallb_lint.gitops.gotemplate.values import (
    MAX_COLLECTION,
    MAX_DEPTH,
    MAX_OUTPUT,
    LimitError,
    TemplateError,
    Unknown,
    go_float,
)

try:  # the C emitter and parser when PyYAML has them
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Writes a shared value out again instead of as an anchor and alias, as Go does."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_sourced(dumper: _Dumper, data: Sourced) -> yaml.Node:
    return dumper.represent_str(str(data))  # the C emitter takes plain strings only


_Dumper.add_representer(Sourced, _represent_sourced)


def plain(value: object, budget: list[int] | None = None, depth: int = 0) -> object:
    """A copy of `value` made only of maps, lists and scalars, or TemplateError: an Unknown
    inside (its reason), a cycle or runaway size (a limit)."""
    if budget is None:
        budget = [MAX_COLLECTION * 4]
    budget[0] -= 1
    if budget[0] < 0:
        raise LimitError("a value too large to serialise")
    if depth > MAX_DEPTH:
        raise LimitError("a value nested too deeply (or containing itself) to serialise")
    if isinstance(value, Unknown):
        raise TemplateError(value.reason())
    if isinstance(value, Mapping):
        return {str(k): plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, budget, depth + 1) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TemplateError("a Helm object cannot be serialised")


def to_yaml(value: object) -> str:
    """Helm's toYaml: keys sorted, block style, no trailing line break."""
    data = plain(value)
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, (int, float)):
        return go_float(data) if isinstance(data, float) else str(data)
    if isinstance(data, str) and "\n" not in data:
        text = yaml.dump(data, Dumper=_Dumper, width=1_000_000, allow_unicode=True)
        return text.removesuffix("\n").removesuffix("\n...")
    if isinstance(data, (dict, list)) and not data:
        return "{}" if isinstance(data, dict) else "[]"
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=True,
        allow_unicode=True,
        width=1_000_000,
    )
    if len(text) > MAX_OUTPUT:
        raise LimitError("toYaml output over the size limit")
    return trace_yaml(text.removesuffix("\n").removesuffix("\n..."), sourced_paths(data))


def to_json(value: object) -> str:
    """Sprig's toJson (Go's json.Marshal): sorted keys, no spaces, HTML characters escaped."""
    data = plain(value)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def from_yaml(text: str) -> object:
    """Sprig's fromYaml: a map (empty for an empty document); TemplateError on bad YAML."""
    if not isinstance(text, str):
        raise TemplateError("fromYaml of a value that is not a string")
    try:
        data = yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise TemplateError(f"fromYaml: not valid YAML ({type(exc).__name__})") from None
    if data is None:
        return {}
    plain(data)  # refuse alias bombs and self-references now, not when printed
    if not isinstance(data, dict):
        raise TemplateError("fromYaml: the text is not a map")
    return data


def from_json(text: str) -> object:
    if not isinstance(text, str):
        raise TemplateError("fromJson of a value that is not a string")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise TemplateError("fromJson: not valid JSON") from None
    plain(data)
    return data
