"""Executes a parsed template (parser.py) as Go's text/template does under Helm, bounded in
steps, depth and output, and keeps, for each line of the output, the template line that wrote
it (text: its own line; an action's output: the action's line).

A failure inside one top-level node (an `if`, a `range`, an action outside them) does not stop
the render: that node writes nothing, the point where it failed is marked (`Failure`), and
rendering goes on with the next node. A limit stops the whole render (LimitError)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from metallb_lint.findings import line_starts
from metallb_lint.gitops.gotemplate.functions import FUNCTIONS, SEES_UNKNOWN
from metallb_lint.gitops.gotemplate.output import Output
from metallb_lint.gitops.gotemplate.parser import (
    Action,
    Branch,
    Chain,
    Command,
    Field,
    Identifier,
    Include,
    Jump,
    Literal,
    Node,
    Operand,
    Parsed,
    Pipeline,
    Text,
    Variable,
    parse,
)
from metallb_lint.gitops.gotemplate.traced import Origin
from metallb_lint.gitops.gotemplate.values import (
    MAX_DEPTH,
    MAX_STEPS,
    LimitError,
    Special,
    TemplateError,
    Unknown,
    to_text,
    truth,
    type_name,
)

_NO_VALUE = object()  # no piped value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass(frozen=True)
class Failure:
    """A top-level node that could not be rendered: why, where in the template (offsets of
    the node and of the failure), and where its output would have started."""

    reason: str
    offset: int  # where it failed
    start: int  # the node's span in the template
    end: int
    output: int  # offset in the output


@dataclass
class Rendered:
    text: str
    lines: list[int]  # 1-based template line of each output line
    failures: list[Failure]
    columns: list[tuple[int, int] | None]  # an action's columns, for a line it wrote
    origins: dict[int, Origin] = field(default_factory=dict)  # 0-based output line -> origin


class Renderer:
    """Renders templates sharing `defines` (a chart's named templates)."""

    def __init__(
        self,
        defines: Mapping[str, tuple[str, list[Node]]],
        unknown_dicts: set[int] | None = None,
        closed: bool = False,
    ) -> None:
        self.defines = dict(defines)
        # every value is known: a nil is nil (`(.Values.a).b` of a missing `a` is nil, as in Go)
        self.closed = closed
        self.steps = 0
        self.depth = 0
        self._unknown_dicts = unknown_dicts or set()
        self._vars: dict[str, list[object]] = {}
        self._declared: list[str] = []
        self._root = ""

    # -- the Context of functions ----------------------------------------------------------

    def charge(self, steps: int) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise LimitError(f"more than {MAX_STEPS:,} evaluation steps")

    def unknown_when_missing(self, mapping: object) -> bool:
        return id(mapping) in self._unknown_dicts

    # -- running -----------------------------------------------------------------------------

    def render(self, parsed: Parsed, data: object) -> Rendered:
        """Render the top-level nodes of `parsed` with `data` as `.` and `$`."""
        self._root = parsed.name
        for name, body in parsed.defines.items():
            self.defines[name] = body
        out = Output(line_starts(parsed.source))
        failures: list[Failure] = []
        self._vars = {"$": [data]}
        self._declared = []
        try:
            for node in parsed.nodes:
                mark = out.mark()
                try:
                    self._node(node, data, out)
                except (_Break, _Continue):  # pragma: no cover - the parser refuses them
                    raise TemplateError("'break' outside 'range'", _offset(node)) from None
                except LimitError:
                    raise
                except TemplateError as exc:
                    out.rollback(mark)
                    start, end = _span(node)
                    failures.append(
                        Failure(
                            exc.reason,
                            exc.offset if exc.offset >= 0 else start,
                            start,
                            end,
                            out.size,
                        )
                    )
                    self._forget(node, exc.reason)
        except RecursionError:
            raise LimitError("template nested too deeply") from None
        text, lines, columns = out.finish()
        return Rendered(text, lines, failures, columns, out.traced())

    def _forget(self, node: Node, reason: str) -> None:
        """A failed top-level `$x := ...`: `$x` is unknown from here on, for the same reason."""
        if isinstance(node, Action) and node.pipe.declare and not node.pipe.assign:
            for name in node.pipe.declare:
                self._declare(name, Unknown(name, because=reason))

    def render_define(self, name: str, data: object, offset: int) -> str:
        """A named template's output (`include`, `template`)."""
        body = self.defines.get(name)
        if body is None:
            raise TemplateError(f"no template named '{name}'", offset)
        self._enter(offset)
        saved_vars, saved_declared = self._vars, self._declared
        self._vars, self._declared = {"$": [data]}, []
        out = Output()
        try:
            self._list(body[1], data, out)
        except (_Break, _Continue):  # pragma: no cover - the parser refuses them
            raise TemplateError("'break' outside 'range'", offset) from None
        except LimitError:
            raise
        except TemplateError as exc:
            if body[0] != self._root or exc.offset < 0:
                exc.offset = offset  # report it where this file calls the other one
            raise TemplateError(f"in '{name}': {exc.reason}", exc.offset) from None
        finally:
            self._vars, self._declared = saved_vars, saved_declared
            self.depth -= 1
        return out.joined()

    def render_text(self, text: str, data: object, offset: int) -> str:
        """`tpl`: a string rendered as a template, with the chart's named templates."""
        self._enter(offset)
        try:
            try:
                parsed = parse(text, "tpl")
            except TemplateError as exc:
                raise TemplateError(f"in tpl: {exc.reason}", offset) from None
            for name, body in parsed.defines.items():
                self.defines.setdefault(name, body)
            saved_vars, saved_declared = self._vars, self._declared
            self._vars, self._declared = {"$": [data]}, []
            out = Output()
            try:
                self._list(parsed.nodes, data, out)
            except LimitError:
                raise
            except TemplateError as exc:
                raise TemplateError(f"in tpl: {exc.reason}", offset) from None
            finally:
                self._vars, self._declared = saved_vars, saved_declared
        finally:
            self.depth -= 1
        return out.joined()

    def _enter(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH // 4:
            raise LimitError("include, template or tpl nested too deeply", offset)

    # -- nodes -------------------------------------------------------------------------------

    def _list(self, nodes: list[Node], dot: object, out: Output) -> None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise LimitError("template nested too deeply")
            for node in nodes:
                self._node(node, dot, out)
        finally:
            self.depth -= 1

    def _node(self, node: Node, dot: object, out: Output) -> None:
        self.charge(1)
        if isinstance(node, Text):
            out.text(node.text, node.offset)
            return
        try:
            if isinstance(node, Action):
                value = self._pipeline(node.pipe, dot)
                if not node.pipe.declare:
                    out.action(self._print(value), node.offset, node.end)
            elif isinstance(node, Branch):
                self._branch(node, dot, out)
            elif isinstance(node, Include):
                data = self._pipeline(node.pipe, dot) if node.pipe is not None else None
                text = self.render_define(node.name, data, node.offset)
                out.action(text, node.offset, node.end)
            elif isinstance(node, Jump):
                raise _Break() if node.kind == "break" else _Continue()
        except LimitError:
            raise
        except TemplateError as exc:
            if exc.offset < 0:
                exc.offset = node.offset
            raise

    def _print(self, value: object) -> str:
        if isinstance(value, Special):
            raise TemplateError(f"'{value.name}' printed as text")
        return to_text(value)

    def _branch(self, node: Branch, dot: object, out: Output) -> None:
        mark = len(self._declared)
        try:
            if node.kind == "range":
                self._range(node, dot, out)
                return
            value = self._pipeline(node.pipe, dot)
            if truth(value):
                self._list(node.body, value if node.kind == "with" else dot, out)
            else:
                self._list(node.orelse, dot, out)
        finally:
            self._pop(mark)

    def _range(self, node: Branch, dot: object, out: Output) -> None:
        pipe = node.pipe
        value = self._pipeline(Pipeline((), False, pipe.commands, pipe.offset), dot)
        if isinstance(value, Unknown):
            raise TemplateError(value.reason())
        if value is None:
            items: list[tuple[object, object]] = []
        elif isinstance(value, Mapping):
            items = [(k, value[k]) for k in sorted(value, key=_sort_key)]
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            if value > MAX_STEPS:
                raise LimitError(f"more than {MAX_STEPS:,} evaluation steps")
            items = [(i, i) for i in range(max(value, 0))]
        else:
            raise TemplateError(f"range can't iterate over {type_name(value)}")
        if not items:
            self._list(node.orelse, dot, out)
            return
        for key, element in items:
            self.charge(1)
            mark = len(self._declared)
            if len(pipe.declare) == 2:
                self._declare(pipe.declare[0], key)
                self._declare(pipe.declare[1], element)
            elif pipe.declare:
                self._declare(pipe.declare[0], element)
            try:
                self._list(node.body, element, out)
            except _Break:
                self._pop(mark)
                break
            except _Continue:
                pass
            self._pop(mark)

    # -- variables ---------------------------------------------------------------------------

    def _declare(self, name: str, value: object) -> None:
        self._vars.setdefault(name, []).append(value)
        self._declared.append(name)

    def _pop(self, mark: int) -> None:
        while len(self._declared) > mark:
            name = self._declared.pop()
            stack = self._vars[name]
            stack.pop()
            if not stack:
                del self._vars[name]

    def _variable(self, name: str, offset: int) -> object:
        stack = self._vars.get(name)
        if not stack:
            raise TemplateError(f"undefined variable '{name}'", offset)
        return stack[-1]

    # -- pipelines ---------------------------------------------------------------------------

    def _pipeline(self, pipe: Pipeline, dot: object) -> object:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise LimitError("expression nested too deeply", pipe.offset)
            value: object = _NO_VALUE
            for command in pipe.commands:
                value = self._command(command, dot, value)
            if pipe.declare:
                if pipe.assign:
                    name = pipe.declare[0]
                    stack = self._vars.get(name)
                    if not stack:
                        raise TemplateError(f"undefined variable '{name}'", pipe.offset)
                    stack[-1] = value
                else:
                    self._declare(pipe.declare[0], value)
            return value
        finally:
            self.depth -= 1

    def _command(self, command: Command, dot: object, piped: object) -> object:
        self.charge(1)
        head, rest = command.args[0], command.args[1:]
        if isinstance(head, Identifier):
            return self._call(head, rest, dot, piped)
        if rest or piped is not _NO_VALUE:
            method = self._method(head, dot)
            if method is None:
                raise TemplateError("can't give argument to non-function", head.offset)
            receiver, name = method
            args = [self._operand(a, dot) for a in rest]
            if piped is not _NO_VALUE:
                args.append(piped)
            if isinstance(receiver, Unknown):
                return receiver
            return receiver.call(name, args)  # type: ignore[attr-defined]
        return self._operand(head, dot)

    def _method(self, head: Operand, dot: object) -> tuple[object, str] | None:
        """(receiver, method) for `.Files.Get`, `$.Capabilities.APIVersions.Has`."""
        if isinstance(head, Field) and head.names:
            receiver = self._fields(dot, head.names[:-1], ".", head.offset)
            name = head.names[-1]
        elif isinstance(head, Variable) and head.names:
            base = self._variable(head.name, head.offset)
            receiver = self._fields(base, head.names[:-1], head.name, head.offset)
            name = head.names[-1]
        else:
            return None
        if isinstance(receiver, Unknown) or (
            isinstance(receiver, Special) and hasattr(receiver, "call")
        ):
            return receiver, name
        return None

    def _call(self, head: Identifier, rest: tuple[Operand, ...], dot: object, piped: object):
        name = head.name
        if name in ("and", "or"):
            return self._logic(name, rest, dot, piped)
        if name == "include":
            args = self._args(rest, dot, piped)
            if len(args) != 2:
                raise TemplateError("'include' takes a name and a value", head.offset)
            if isinstance(args[0], Unknown):
                return args[0]
            return self.render_define(str(args[0]), args[1], head.offset)
        if name == "tpl":
            args = self._args(rest, dot, piped)
            if len(args) != 2:
                raise TemplateError("'tpl' takes a string and a value", head.offset)
            if isinstance(args[0], Unknown):
                return args[0]
            if not isinstance(args[0], str):
                raise TemplateError("'tpl' of a value that is not a string", head.offset)
            return self.render_text(args[0], args[1], head.offset)
        if name == "lookup":
            self._args(rest, dot, piped)
            return Unknown("lookup", missing=False)
        function = FUNCTIONS.get(name)
        if function is None:
            raise TemplateError(f"function '{name}' is not supported", head.offset)
        args = self._args(rest, dot, piped)
        if name not in SEES_UNKNOWN:
            for arg in args:
                if isinstance(arg, Unknown):
                    return arg
        try:
            return function(self, *args)
        except TypeError:
            raise TemplateError(f"wrong number of arguments for '{name}'", head.offset) from None
        except TemplateError as exc:
            if exc.offset < 0:
                exc.offset = head.offset
            raise

    def _args(self, rest: tuple[Operand, ...], dot: object, piped: object) -> list[object]:
        args = [self._operand(a, dot) for a in rest]
        if piped is not _NO_VALUE:
            args.append(piped)
        return args

    def _logic(self, name: str, rest: tuple[Operand, ...], dot: object, piped: object):
        """`and`/`or`, short-circuit as Go evaluates them; an Unknown keeps the answer
        unknown unless a later argument settles it."""
        operands: list[object] = [*rest]
        if piped is not _NO_VALUE:
            operands.append(_Piped(piped))
        if not operands:
            raise TemplateError(f"'{name}' needs arguments")
        pending: Unknown | None = None
        value: object = None
        for operand in operands:
            value = operand.value if isinstance(operand, _Piped) else self._operand(operand, dot)
            if isinstance(value, Unknown):
                pending = pending or value
                continue
            if truth(value) != (name == "and"):
                return value  # settles it: false for `and`, true for `or`
        return pending if pending is not None else value

    # -- operands ----------------------------------------------------------------------------

    def _operand(self, operand: Operand, dot: object) -> object:
        if isinstance(operand, Literal):
            return operand.value
        if isinstance(operand, Field):
            return self._fields(dot, operand.names, ".", operand.offset)
        if isinstance(operand, Variable):
            base = self._variable(operand.name, operand.offset)
            return self._fields(base, operand.names, operand.name, operand.offset)
        if isinstance(operand, Chain):
            value = self._pipeline(operand.pipe, dot)
            return self._fields(value, operand.names, "(...)", operand.offset)
        if isinstance(operand, Identifier):  # a function called with no arguments
            return self._call(operand, (), dot, _NO_VALUE)
        raise TemplateError("unexpected operand")  # pragma: no cover

    def _fields(self, value: object, names: tuple[str, ...], base: str, offset: int) -> object:
        if value is None and names and base != "." and self.closed:
            return None  # a field of a nil variable or (...) is nil in Go, not an error
        for name in names:
            if isinstance(value, Unknown):
                return value
            if isinstance(value, Mapping):
                if name in value:
                    value = value[name]
                    continue
                if id(value) in self._unknown_dicts:
                    return Unknown(_written(base, names))
                value = None
                continue
            if value is None:
                return Unknown(_written(base, names))
            if isinstance(value, Special):
                value = value.field(name)
                continue
            raise TemplateError(f"can't evaluate field {name} in type {type_name(value)}", offset)
        return value


class _Piped:
    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _written(base: str, names: tuple[str, ...]) -> str:
    if base == ".":
        return "." + ".".join(names) if names else "."
    return base + "".join("." + n for n in names)


def _sort_key(key: object) -> tuple[int, object]:
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))


def _offset(node: Node) -> int:
    return node.offset


def _span(node: Node) -> tuple[int, int]:
    if isinstance(node, Text):
        return node.offset, node.offset + len(node.text)
    if isinstance(node, (Action, Include)):
        return node.offset, node.end
    if isinstance(node, Branch):
        return node.offset, node.end
    return node.offset, node.offset
