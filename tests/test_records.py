"""`record` classes behave as plain dataclasses do: construction, repr, equality, hashing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from metallb_lint.records import record


@record
class Pair:
    name: str
    values: list = field(default_factory=list)
    note: str = field(default="", repr=False, compare=False)


@dataclass
class PlainPair:  # the same class as plain `dataclass` makes it
    name: str
    values: list = field(default_factory=list)
    note: str = field(default="", repr=False, compare=False)


@record(eq=False)
class Entity:
    name: str


@record
class Written:
    name: str

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Written) and other.name.lower() == self.name.lower()

    def __hash__(self) -> int:
        return hash(self.name.lower())


@record
class Child(Pair):
    extra: int = 0


def test_repr_and_equality_are_those_of_a_dataclass():
    made, plain = Pair("a", [1, float("nan")], note="x"), PlainPair("a", [1, float("nan")])
    assert (
        repr(made) == repr(plain).replace("PlainPair", "Pair") == "Pair(name='a', values=[1, nan])"
    )
    assert dataclasses.asdict(Pair("a", [1], note="x")) == {"name": "a", "values": [1], "note": "x"}
    assert made == Pair("a", made.values, note="other")  # the same list: `is` before `==`
    assert made != Pair("b", made.values)
    assert Pair("a") == Pair("a") and Pair("a") != PlainPair("a")
    assert (Pair("a") == "a") is False
    with pytest.raises(TypeError):
        hash(made)  # mutable and compared by value: unhashable, as a dataclass is


def test_identity_records_and_written_methods():
    one = Entity("a")
    assert one != Entity("a") and one == one and {one: 1}[one] == 1
    assert repr(one) == "Entity(name='a')"
    assert repr(Written("A")) == "<A>"
    assert Written("A") == Written("a") and len({Written("A"), Written("a")}) == 1
    assert repr(Child("a", extra=2)) == "Child(name='a', values=[], extra=2)"
    assert Child("a") == Child("a") and Child("a") != Pair("a")


def test_a_record_that_holds_itself_prints():
    loop = Pair("loop")
    loop.values.append(loop)
    assert repr(loop) == "Pair(name='loop', values=[...])"
