"""The small JSON Schema evaluator (metallb/minischema.py) with what policies add to 2020-12.

Importing `jsonschema` costs ~70 ms, a third of a pre-commit run on a small repository, and the
built-in policies run on nearly every repository; so a policy whose schema sticks to the
evaluator's keywords, our formats and our address-count keywords is evaluated here, with
jsonschema's semantics (tests/test_policies.py compares both), and any other schema by
jsonschema itself.
"""

from __future__ import annotations

from functools import partial

from metallb_lint.metallb import minischema
from metallb_lint.metallb.minischema import MiniError
from metallb_lint.policies.formats import (
    ADDRESS_KEYWORDS,
    OUR_CHECKS,
    OurFormats,
    address_problems,
    count_addresses,
)

SUPPORTED = minischema.SUPPORTED | frozenset(ADDRESS_KEYWORDS)
_KEYWORDS = {keyword: partial(address_problems, keyword) for keyword in ADDRESS_KEYWORDS}


def supported(schema: object) -> bool:
    """Whether every (sub)schema uses only keywords and formats this evaluator knows."""
    return minischema.supported(schema, SUPPORTED, OUR_CHECKS)


class MiniValidator(minischema.MiniValidator):
    """Our formats asserted, `maxAddresses`/`minAddresses` evaluated."""

    def __init__(self, schema: object) -> None:
        super().__init__(schema, format_checker=OurFormats(), keywords=_KEYWORDS)


__all__ = ["MiniError", "MiniValidator", "count_addresses", "supported"]
