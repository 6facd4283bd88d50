"""Regular expressions from input files, matched in linear time.

JSON Schema `pattern` and `patternProperties` come from files the tool reads: a vendored
chart's `values.schema.json`, vendored CRDs, `--crd` files, users' policies. Python's `re`
backtracks, so `^(a+)+$` against 37 characters runs for minutes. Why not the alternatives:
the `regex` package's timeout is not a dependency of this project and a timeout makes the
output depend on the machine's speed (DESIGN.md: same input, same output byte for byte);
refusing nested quantifiers alone misses polynomial cases (`^a*a*a*a*b`) and refuses common,
harmless patterns (`^([0-9]+(ms|s))+$`). So such a pattern is parsed with Python's own
parser (`re._parser`, `sre_parse` before 3.11) and run by a Thompson NFA simulation here:
every state at most once per character, time O(len(text) x len(pattern)), whatever the
pattern. Matching is a yes/no answer, which is all JSON Schema needs, so greedy and lazy
repeats are the same thing.

What it refuses (`Refused`, a finding says so; the value is then not judged by that pattern):
back-references, look-arounds, conditionals, atomic groups and possessive repeats (which a
linear simulation cannot express), the ASCII and LOCALE flags, a pattern over
`MAX_PROGRAM` instructions once `{m,n}` repeats are expanded, and a search over `MAX_STEPS`
state visits (a counted budget, not a clock: a long value against a long pattern).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

try:  # Python 3.11 and later
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAX_PROGRAM = 20_000  # instructions after expanding counted repeats
MAX_STEPS = 1_000_000  # instructions visited in one search: about a second at most

_MAX_REPEAT = sre.MAXREPEAT
_I, _M, _S = sre.SRE_FLAG_IGNORECASE, sre.SRE_FLAG_MULTILINE, sre.SRE_FLAG_DOTALL
_REFUSED_FLAGS = sre.SRE_FLAG_ASCII | sre.SRE_FLAG_LOCALE

_UNSUPPORTED = {
    "GROUPREF": "a back-reference",
    "GROUPREF_IGNORE": "a back-reference",
    "GROUPREF_EXISTS": "a conditional group",
    "ASSERT": "a look-ahead or look-behind",
    "ASSERT_NOT": "a look-ahead or look-behind",
    "ATOMIC_GROUP": "an atomic group",
    "POSSESSIVE_REPEAT": "a possessive repeat",
}


class Refused(Exception):
    """The pattern, or this search, is not evaluated; `str()` says why."""


Test = Callable[[str], bool]

# Instructions: ("char", test), ("split", a, b), ("jmp", a), ("at", kind, flags), ("match",)
Instruction = tuple


def _category(name: str) -> Test:
    return {
        "CATEGORY_DIGIT": str.isdecimal,
        "CATEGORY_NOT_DIGIT": lambda c: not c.isdecimal(),
        "CATEGORY_SPACE": str.isspace,
        "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
        "CATEGORY_WORD": _word,
        "CATEGORY_NOT_WORD": lambda c: not _word(c),
    }[name]


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _equals(char: str) -> Test:
    return lambda c: c == char


def _folded(test: Test) -> Test:
    return lambda c: test(c) or test(c.lower()) or test(c.upper())


def _set_test(items: list, flags: int) -> Test:
    negate = False
    tests: list[Test] = []
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            tests.append(_equals(chr(av)))
        elif name == "RANGE":
            tests.append(lambda c, lo=av[0], hi=av[1]: lo <= ord(c) <= hi)
        elif name == "CATEGORY":
            tests.append(_category(str(av)))
        else:
            raise Refused(f"the class item {name} is not supported")

    def member(c: str) -> bool:
        return any(test(c) for test in tests)

    test = _folded(member) if flags & _I else member
    return (lambda c: not test(c)) if negate else test


class _Compiler:
    def __init__(self) -> None:
        self.program: list[list] = []

    def emit(self, *instruction: object) -> int:
        if len(self.program) >= MAX_PROGRAM:
            raise Refused(f"it is over {MAX_PROGRAM} instructions once its repeats are expanded")
        self.program.append(list(instruction))
        return len(self.program) - 1

    def sequence(self, items: object, flags: int) -> None:
        for op, av in items:  # type: ignore[attr-defined]
            self.item(str(op), av, flags)

    def item(self, name: str, av: object, flags: int) -> None:
        if name in _UNSUPPORTED:
            raise Refused(f"it uses {_UNSUPPORTED[name]}")
        if name == "LITERAL":
            test = _equals(chr(av))  # type: ignore[arg-type]
            self.emit("char", _folded(test) if flags & _I else test)
        elif name == "NOT_LITERAL":
            same = _equals(chr(av))  # type: ignore[arg-type]
            same = _folded(same) if flags & _I else same
            self.emit("char", lambda c, same=same: not same(c))
        elif name == "ANY":
            self.emit("char", (lambda c: True) if flags & _S else (lambda c: c != "\n"))
        elif name == "IN":
            self.emit("char", _set_test(list(av), flags))  # type: ignore[arg-type]
        elif name == "AT":
            self.emit("at", str(av), flags)
        elif name == "SUBPATTERN":
            _group, add, remove, body = av  # type: ignore[misc]
            if add & _REFUSED_FLAGS:
                raise Refused("it sets the ASCII or LOCALE flag")
            self.sequence(body, (flags | add) & ~remove)
        elif name == "BRANCH":
            self.branch(av[1], flags)  # type: ignore[index]
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, body = av  # type: ignore[misc]
            self.repeat(low, high, body, flags)
        else:
            raise Refused(f"it uses {name}, which is not supported")

    def branch(self, alternatives: list, flags: int) -> None:
        jumps = []
        for index, alternative in enumerate(alternatives):
            if index < len(alternatives) - 1:
                split = self.emit("split", 0, 0)
                self.program[split][1] = split + 1
                self.sequence(alternative, flags)
                jumps.append(self.emit("jmp", 0))
                self.program[split][2] = len(self.program)
            else:
                self.sequence(alternative, flags)
        for jump in jumps:
            self.program[jump][1] = len(self.program)

    def repeat(self, low: int, high: int, body: object, flags: int) -> None:
        for _ in range(low):
            self.sequence(body, flags)
        if high == _MAX_REPEAT:
            split = self.emit("split", 0, 0)
            self.program[split][1] = split + 1
            self.sequence(body, flags)
            self.emit("jmp", split)
            self.program[split][2] = len(self.program)
            return
        splits = []
        for _ in range(high - low):
            splits.append(self.emit("split", 0, 0))
            self.program[splits[-1]][1] = splits[-1] + 1
            self.sequence(body, flags)
        for split in splits:
            self.program[split][2] = len(self.program)


def _at(kind: str, flags: int, text: str, pos: int) -> bool:
    size = len(text)
    if kind == "AT_BEGINNING":
        return pos == 0 or bool(flags & _M and text[pos - 1] == "\n")
    if kind == "AT_BEGINNING_STRING":
        return pos == 0
    if kind == "AT_END":
        if pos == size or (pos == size - 1 and text[pos] == "\n"):
            return True
        return bool(flags & _M and text[pos] == "\n")
    if kind == "AT_END_STRING":
        return pos == size
    before = pos > 0 and _word(text[pos - 1])
    after = pos < size and _word(text[pos])
    if kind == "AT_BOUNDARY":
        return before != after
    if kind == "AT_NON_BOUNDARY":
        return before == after
    raise Refused(f"the anchor {kind} is not supported")  # pragma: no cover


@dataclass(frozen=True)
class SafePattern:
    """A compiled pattern: `search` answers whether it matches anywhere in a text."""

    pattern: str
    program: tuple[Instruction, ...]

    def search(self, text: str) -> bool:
        program = self.program
        budget = [MAX_STEPS]
        current: list[int] = []
        seen: set[int] = set()
        for pos in range(len(text) + 1):
            self._add(0, text, pos, current, seen, budget)  # a search may start anywhere
            if pos == len(text):
                break
            char = text[pos]
            following: list[int] = []
            seen = set()
            for pc in current:
                instruction = program[pc]
                if instruction[0] == "match":
                    return True
                if instruction[1](char):
                    self._add(pc + 1, text, pos + 1, following, seen, budget)
            current = following
        return any(program[pc][0] == "match" for pc in current)

    def _add(
        self, start: int, text: str, pos: int, out: list[int], seen: set[int], budget: list[int]
    ) -> None:
        """`start` and every instruction reachable from it without reading a character;
        each instruction visited counts against the search's budget."""
        stack = [start]
        program = self.program
        visited = 0
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            visited += 1
            instruction = program[pc]
            op = instruction[0]
            if op == "jmp":
                stack.append(instruction[1])
            elif op == "split":
                stack.append(instruction[2])
                stack.append(instruction[1])
            elif op == "at":
                if _at(instruction[1], instruction[2], text, pos):
                    stack.append(pc + 1)
            else:
                out.append(pc)
        budget[0] -= visited + 1
        if budget[0] < 0:
            raise Refused(
                f"matching it against this {len(text)}-character value takes more than "
                f"{MAX_STEPS} steps"
            )


@lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> SafePattern:
    """Raises Refused, or re.error for a pattern that is not a regular expression at all."""
    parsed = sre_parse.parse(pattern, 0)
    flags = parsed.state.flags
    if flags & _REFUSED_FLAGS:
        raise Refused("it sets the ASCII or LOCALE flag")
    compiler = _Compiler()
    compiler.sequence(parsed, flags)
    compiler.emit("match")
    return SafePattern(pattern, tuple(tuple(i) for i in compiler.program))


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches somewhere in `text`. Raises Refused (see the top) or re.error."""
    return compile_pattern(pattern).search(text)


def refusal(pattern: str, text: str) -> str | None:
    """Why `pattern` is not evaluated against `text`, or None when it is."""
    try:
        search(pattern, text)
    except Refused as exc:
        return str(exc)
    except Exception:  # re.error, OverflowError: not a pattern at all
        return "it is not a valid regular expression"
    return None


def matches(pattern: str, text: str) -> bool | None:
    """`search`, with None where the pattern is refused or invalid (nothing is judged)."""
    try:
        return search(pattern, text)
    except Exception:  # Refused, re.error, OverflowError
        return None
