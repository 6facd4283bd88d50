"""Go text/template's grammar, as Helm uses it: a template's pieces (lexer.py) to a tree of
nodes, and the `define`d templates it holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from metallb_lint.gitops.gotemplate.lexer import Piece, Token, lex
from metallb_lint.gitops.gotemplate.values import MAX_DEPTH, LimitError, TemplateError

# -- expressions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: object
    offset: int


@dataclass(frozen=True)
class Field:
    """`.a.b` (names ("a", "b")) or `.` (no names)."""

    names: tuple[str, ...]
    offset: int


@dataclass(frozen=True)
class Variable:
    """`$x.a.b` (`$` alone is the root)."""

    name: str
    names: tuple[str, ...]
    offset: int


@dataclass(frozen=True)
class Identifier:
    """A function name."""

    name: str
    offset: int


@dataclass(frozen=True)
class Chain:
    """`(pipeline).a.b`."""

    pipe: Pipeline
    names: tuple[str, ...]
    offset: int


Operand = Literal | Field | Variable | Identifier | Chain


@dataclass(frozen=True)
class Command:
    args: tuple[Operand, ...]
    offset: int


@dataclass(frozen=True)
class Pipeline:
    declare: tuple[str, ...]  # variables declared (`:=`) or assigned (`=`)
    assign: bool
    commands: tuple[Command, ...]
    offset: int


# -- nodes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str
    offset: int


@dataclass(frozen=True)
class Action:
    pipe: Pipeline
    offset: int
    end: int


@dataclass
class Branch:
    """`if`, `with` or `range`."""

    kind: str
    pipe: Pipeline
    offset: int
    body: list[Node] = field(default_factory=list)
    orelse: list[Node] = field(default_factory=list)
    end: int = 0


@dataclass(frozen=True)
class Include:
    """`{{ template "name" pipeline }}` (and the call part of `block`)."""

    name: str
    pipe: Pipeline | None
    offset: int
    end: int


@dataclass(frozen=True)
class Jump:
    """`break` or `continue`."""

    kind: str
    offset: int


Node = Text | Action | Branch | Include | Jump


@dataclass
class Parsed:
    """One template file: its top-level nodes and the templates it defines."""

    name: str
    source: str
    nodes: list[Node]
    defines: dict[str, tuple[str, list[Node]]]  # name -> (file name, body)


def parse(source: str, name: str = "") -> Parsed:
    """Parse `source`; raises TemplateError with the offset of the first problem."""
    try:
        pieces = lex(source)
    except TemplateError as exc:
        exc.name = name
        raise
    parser = _Parser(source, name, pieces)
    try:
        nodes, stop = parser.nodes(0, top=True)
    except TemplateError as exc:
        exc.name = name
        raise
    if stop is not None:
        raise TemplateError(f"unexpected '{{{{ {stop[0]} }}}}'", stop[1], name)
    return Parsed(name, source, nodes, parser.defines)


class _Parser:
    def __init__(self, source: str, name: str, pieces: list[Piece]) -> None:
        self.source = source
        self.name = name
        self.pieces = pieces
        self.pos = 0
        self.defines: dict[str, tuple[str, list[Node]]] = {}

    def nodes(self, depth: int, top: bool = False, in_range: bool = False):
        """Nodes up to an `end` or `else` (returned as (keyword, offset, tokens)) or the end."""
        if depth > MAX_DEPTH:
            raise LimitError("control structures nested too deeply", self._offset())
        out: list[Node] = []
        while self.pos < len(self.pieces):
            piece = self.pieces[self.pos]
            self.pos += 1
            if piece.tokens is None:
                out.append(Text(self.source[piece.start : piece.end], piece.start))
                continue
            tokens = piece.tokens
            if not tokens:
                raise TemplateError("missing value for command", piece.start)
            head = tokens[0]
            keyword = head.value if head.kind == "ident" else None
            if keyword in ("end", "else"):
                return out, (keyword, piece.start, tokens, piece.end)
            if keyword in ("if", "with", "range"):
                out.append(self.branch(str(keyword), tokens[1:], piece, depth, in_range))
            elif keyword == "define":
                if not top:
                    raise TemplateError("'define' not at the top level", piece.start)
                name = self.template_name(tokens, piece)
                if len(tokens) > 2:
                    raise TemplateError("unexpected arguments to 'define'", piece.start)
                body, stop = self.nodes(depth + 1)
                if stop is None or stop[0] != "end" or len(stop[2]) > 1:
                    raise TemplateError(f"'define \"{name}\"' without its 'end'", piece.start)
                self.defines[name] = (self.name, body)
            elif keyword == "block":
                name = self.template_name(tokens, piece)
                pipe = self.pipeline(tokens[2:], piece.start, depth)
                body, stop = self.nodes(depth + 1)
                if stop is None or stop[0] != "end" or len(stop[2]) > 1:
                    raise TemplateError(f"'block \"{name}\"' without its 'end'", piece.start)
                self.defines.setdefault(name, (self.name, body))
                out.append(Include(name, pipe, piece.start, piece.end))
            elif keyword == "template":
                name = self.template_name(tokens, piece)
                pipe = self.pipeline(tokens[2:], piece.start, depth) if len(tokens) > 2 else None
                out.append(Include(name, pipe, piece.start, piece.end))
            elif keyword in ("break", "continue"):
                if not in_range:
                    raise TemplateError(f"'{keyword}' outside 'range'", piece.start)
                if len(tokens) > 1:
                    raise TemplateError(f"unexpected arguments to '{keyword}'", piece.start)
                out.append(Jump(str(keyword), piece.start))
            else:
                out.append(
                    Action(self.pipeline(tokens, piece.start, depth), piece.start, piece.end)
                )
        return out, None

    def _offset(self) -> int:
        if self.pos < len(self.pieces):
            return self.pieces[self.pos].start
        return len(self.source)

    def template_name(self, tokens: tuple[Token, ...], piece: Piece) -> str:
        if len(tokens) < 2 or tokens[1].kind != "string":
            raise TemplateError(f"'{tokens[0].value}' needs a quoted name", piece.start)
        return str(tokens[1].value)

    def branch(
        self, kind: str, tokens: tuple[Token, ...], piece: Piece, depth: int, in_range: bool
    ) -> Branch:
        node = Branch(kind, self.pipeline(tokens, piece.start, depth, control=kind), piece.start)
        node.body, stop = self.nodes(depth + 1, in_range=in_range or kind == "range")
        node.orelse, node.end = self.rest(kind, stop, piece.start, depth, in_range)
        return node

    def rest(self, kind: str, stop, opened: int, depth: int, in_range: bool):
        """After a branch's body: its `else` part (an `else if` is a branch inside it) and
        the offset after its `end`."""
        if stop is None:
            raise TemplateError(f"an '{kind}' without its 'end'", opened)
        keyword, offset, tokens, end = stop
        if keyword == "end":
            if len(tokens) > 1:
                raise TemplateError("unexpected arguments to 'end'", offset)
            return [], end
        if len(tokens) > 1:
            chained = tokens[1]
            if chained.kind != "ident" or chained.value != kind or kind == "range":
                raise TemplateError("unexpected arguments to 'else'", offset)
            if depth > MAX_DEPTH:
                raise LimitError("control structures nested too deeply", offset)
            inner = Branch(kind, self.pipeline(tokens[2:], offset, depth, control=kind), offset)
            inner.body, stop = self.nodes(depth + 1, in_range=in_range)
            inner.orelse, inner.end = self.rest(kind, stop, opened, depth + 1, in_range)
            return [inner], inner.end
        orelse, stop = self.nodes(depth + 1, in_range=in_range)
        if stop is None or stop[0] != "end":
            raise TemplateError(f"an '{kind}' without its 'end'", opened)
        if len(stop[2]) > 1:
            raise TemplateError("unexpected arguments to 'end'", stop[1])
        return orelse, stop[3]

    # -- pipelines -------------------------------------------------------------------------

    def pipeline(
        self, tokens: tuple[Token, ...], offset: int, depth: int, control: str = ""
    ) -> Pipeline:
        if depth > MAX_DEPTH:
            raise LimitError("expressions nested too deeply", offset)
        declare: list[str] = []
        assign = False
        rest = tokens
        # `$x :=`, `$x =`, `$i, $v :=` (range only)
        probe = 0
        names: list[str] = []
        while probe < len(tokens) and tokens[probe].kind == "var":
            names.append(str(tokens[probe].value))
            probe += 1
            if probe < len(tokens) and tokens[probe].kind == "comma":
                probe += 1
                continue
            break
        if names and probe < len(tokens) and tokens[probe].kind in ("declare", "assign"):
            if len(names) > 2 or (len(names) == 2 and control != "range"):
                raise TemplateError("too many declarations", offset)
            declare = names
            assign = tokens[probe].kind == "assign"
            rest = tokens[probe + 1 :]
        if not rest:
            raise TemplateError("missing value for command", offset)
        commands: list[Command] = []
        current: list[Token] = []
        level = 0
        for token in rest:
            if token.kind == "lparen":
                level += 1
            elif token.kind == "rparen":
                level -= 1
                if level < 0:
                    raise TemplateError("unexpected ')'", token.offset)
            if token.kind == "pipe" and level == 0:
                commands.append(self.command(current, offset, depth))
                current = []
                continue
            current.append(token)
        if level:
            raise TemplateError("unclosed '('", offset)
        commands.append(self.command(current, offset, depth))
        return Pipeline(tuple(declare), assign, tuple(commands), offset)

    def command(self, tokens: list[Token], offset: int, depth: int) -> Command:
        if not tokens:
            raise TemplateError("missing value for command", offset)
        args: list[Operand] = []
        pos = 0
        while pos < len(tokens):
            token = tokens[pos]
            pos += 1
            if token.kind == "lparen":
                level, start = 1, pos
                while pos < len(tokens) and level:
                    if tokens[pos].kind == "lparen":
                        level += 1
                    elif tokens[pos].kind == "rparen":
                        level -= 1
                    pos += 1
                inner = self.pipeline(tuple(tokens[start : pos - 1]), token.offset, depth + 1)
                names = []
                while pos < len(tokens) and tokens[pos].kind == "field" and tokens[pos].joined:
                    names.append(str(tokens[pos].value))
                    pos += 1
                args.append(Chain(inner, tuple(names), token.offset))
            elif token.kind == "field":
                names = [str(token.value)]
                while pos < len(tokens) and tokens[pos].kind == "field" and tokens[pos].joined:
                    names.append(str(tokens[pos].value))
                    pos += 1
                args.append(Field(tuple(names), token.offset))
            elif token.kind == "dot":
                args.append(Field((), token.offset))
            elif token.kind == "var":
                names = []
                while pos < len(tokens) and tokens[pos].kind == "field" and tokens[pos].joined:
                    names.append(str(tokens[pos].value))
                    pos += 1
                args.append(Variable(str(token.value), tuple(names), token.offset))
            elif token.kind == "ident":
                word = token.value
                if word in ("true", "false"):
                    args.append(Literal(word == "true", token.offset))
                elif word == "nil":
                    args.append(Literal(None, token.offset))
                elif word in _KEYWORDS:
                    raise TemplateError(f"unexpected '{word}' in command", token.offset)
                else:
                    args.append(Identifier(str(word), token.offset))
            elif token.kind in ("string", "number"):
                args.append(Literal(token.value, token.offset))
            else:
                raise TemplateError("unexpected token in command", token.offset)
        return Command(tuple(args), offset)


_KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}
)
