"""Helm templates rendered without Helm, with the Go template evaluator of `gotemplate/`.

The context is what a linter knows: the chart's own values (`.Values`), the release's name and
namespace where the repository says them, `.Chart` from Chart.yaml, the chart's files
(`.Files.Get`) and named templates (`_helpers.tpl`). What is only known when Helm runs (a value
the chart does not set, `.Capabilities`, `lookup`) is Unknown: never false, so a condition on it,
or printing it, makes the part of the template that needs it unrenderable, with the reason
and the line.

The output maps each of its lines to the template line that wrote it, so that findings point
at what the user wrote: text keeps its line, an action's output (a `toYaml | nindent` block, an
`include`) is at the action's line, each `range` iteration repeats the lines of its body.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from metallb_lint.findings import line_starts
from metallb_lint.gitops.gotemplate import (
    LimitError,
    Parsed,
    Renderer,
    TemplateError,
    Unknown,
    capabilities_object,
    files_object,
    parse,
)
from metallb_lint.gitops.gotemplate.parser import Branch, Node, Text
from metallb_lint.gitops.gotemplate.traced import Origin

_JINJA = ("{%", "{#")


class RenderResult(NamedTuple):
    """A Helm template rendered without Helm, or why and where it could not be."""

    text: str | None  # None: could not be rendered
    reason: str = ""
    line: int = 1  # 1-based line of the first part that could not be rendered
    lines: tuple[int, ...] = ()  # the template line of each output line


@dataclass(frozen=True)
class Problem:
    """A part of a template that could not be rendered."""

    reason: str
    line: int  # where it failed
    first_line: int  # the lines of the top-level part that failed
    last_line: int
    output: int  # where in the output it would have been
    start: int = 0  # offset in the template of the top-level part that failed


@dataclass
class Rendering:
    """A whole template file: the output with its line map and what failed in it, or (text
    None) why none of it could be rendered."""

    text: str | None
    lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # for an output line an action wrote: the action's first and last columns
    columns: list[tuple[int, int] | None] = field(default_factory=list)
    reason: str = ""
    line: int = 1
    # output line (0-based) -> where the value written on it comes from (a values file)
    origins: dict[int, Origin] = field(default_factory=dict)


def render(
    text: str,
    context: Mapping[str, object],
    defines: Mapping[str, tuple[str, list[Node]]] | None = None,
    read: Callable[[str], str | None] | None = None,
    name: str = "template",
) -> RenderResult:
    """Render `text` with `context` = {"Values": ..., "Release": ..., "Chart": ...}: all of it,
    or None with the first reason."""
    result = render_file(text, context, defines, read, name)
    if result.text is None:
        return RenderResult(None, result.reason, result.line)
    if result.problems:
        first = min(result.problems, key=lambda p: p.line)
        return RenderResult(None, first.reason, first.line)
    return RenderResult(result.text, lines=tuple(result.lines))


def render_file(
    text: str,
    context: Mapping[str, object],
    defines: Mapping[str, tuple[str, list[Node]]] | None = None,
    read: Callable[[str], str | None] | None = None,
    name: str = "template",
    closed: bool = False,
) -> Rendering:
    """Render a whole template file; a part that fails is left out and listed. `closed`:
    the values are all the release gets (every values file known), so a key they lack is
    nil, as in Helm, not unknown."""
    try:
        parsed = parse(text, name)
        _refuse_jinja(parsed)
    except TemplateError as exc:
        return Rendering(None, reason=exc.reason, line=_line(text, exc.offset))
    values = context.get("Values")
    if isinstance(values, dict) and _mutates(text, defines):
        values = _copied(values)
    release = dict(context.get("Release") or {})
    for key in ("IsInstall", "IsUpgrade", "Revision"):  # known when Helm runs, not before
        because = f"'.Release.{key}' is only known when Helm runs"
        release.setdefault(key, Unknown(f".Release.{key}", missing=False, because=because))
    chart = dict(context.get("Chart") or {})
    data: dict[str, object] = {
        "Values": values if values is not None else {},
        "Release": release,
        "Chart": chart,
        "Files": files_object(read or _no_files),
        "Capabilities": capabilities_object(),
        "Template": {"Name": name, "BasePath": name.rsplit("/", 1)[0]},
    }
    unknown = {id(data), id(release)}  # Chart.yaml is read whole: what it lacks is nil
    if not closed:
        _collect_dicts(data["Values"], unknown)
    renderer = Renderer(defines or {}, unknown, closed)
    try:
        rendered = renderer.render(parsed, data)
    except LimitError as exc:
        return Rendering(None, reason=exc.reason, line=_line(text, exc.offset))
    except TemplateError as exc:  # pragma: no cover - failures are kept per part
        return Rendering(None, reason=exc.reason, line=_line(text, exc.offset))
    starts = line_starts(text) if rendered.failures else []

    def line(offset: int) -> int:
        return bisect_right(starts, max(offset, 0))

    problems = [
        Problem(
            failure.reason,
            line(failure.offset),
            line(failure.start),
            line(max(failure.start, failure.end - 1)),
            failure.output,
            failure.start,
        )
        for failure in rendered.failures
    ]
    return Rendering(
        rendered.text, rendered.lines, problems, columns=rendered.columns, origins=rendered.origins
    )


def helpers(files: list[tuple[str, str]]) -> dict[str, tuple[str, list[Node]]]:
    """The named templates (`define`) of a chart's helper files, by name; a file that does not
    parse defines nothing (a template that includes from it fails there)."""
    found: dict[str, tuple[str, list[Node]]] = {}
    for name, text in files:
        try:
            parsed: Parsed = parse(text, name)
        except TemplateError:
            continue
        found.update(parsed.defines)
    return found


def _refuse_jinja(parsed: Parsed) -> None:
    """Jinja syntax in a template's text is not Helm's: refuse the file where it is."""
    stack: list[Node] = list(parsed.nodes)
    for _, body in parsed.defines.values():
        stack.extend(body)
    earliest = -1
    found = ""
    while stack:
        node = stack.pop()
        if isinstance(node, Text):
            for marker in _JINJA:
                at = node.text.find(marker)
                if at >= 0 and (earliest < 0 or node.offset + at < earliest):
                    earliest, found = node.offset + at, marker
        elif isinstance(node, Branch):
            stack.extend(node.body)
            stack.extend(node.orelse)
    if earliest >= 0:
        raise TemplateError(f"Jinja syntax '{found}'", earliest)


def _mutates(text: str, defines: Mapping[str, object] | None) -> bool:
    """Whether a template may change a map it is given (`set`, `unset`, `merge`...): then it
    works on its own copy of the values. A helper may do it too."""
    return any(word in text for word in ("set", "merge", "include", "template", "tpl"))


def _copied(value: object, depth: int = 0) -> object:
    """A copy of values data: its maps and lists new, the rest (immutable) shared. Faster
    than `copy.deepcopy` by far on the values of a large chart, copied for each template."""
    if depth > 200:
        return copy.deepcopy(value)
    if isinstance(value, dict):
        return {k: _copied(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v, depth + 1) for v in value]
    return value


def _collect_dicts(value: object, found: set[int], depth: int = 0) -> None:
    """The maps of the chart's values, reached through maps: a key they lack may come from
    the user's values (Helm merges maps key by key), so it is unknown, not empty. A list is
    replaced whole, so a map inside one is what it is."""
    if depth > 200 or not isinstance(value, dict):
        return
    found.add(id(value))
    for child in value.values():
        if isinstance(child, dict):
            _collect_dicts(child, found, depth + 1)


def _line(text: str, offset: int) -> int:
    if offset < 0:
        return 1
    return text.count("\n", 0, min(offset, len(text))) + 1


def _no_files(path: str) -> str | None:
    return None
