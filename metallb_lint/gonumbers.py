"""Numbers in Go's duration syntax, read the way Go reads them (shared by the two duration
readers: BGP timers and the legacy-configuration migration)."""

from __future__ import annotations


def go_duration_number(number: str) -> str | None:
    """A duration's number as Go reads it: None when its whole part overflows an int64 ("time:
    invalid duration"), and fraction digits past nanoseconds' reach dropped, as Go drops them.
    Also keeps Python from converting thousands of digits (it refuses above 4,300)."""
    whole, dot, fraction = number.partition(".")
    whole = whole.lstrip("0")
    if len(whole) > 19:
        return None
    return (whole or "0") + dot + fraction[:18]
