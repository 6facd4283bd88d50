"""Go's duration syntax (`90s`, `1m30s`, `1.5h`), read the way Go's `time.ParseDuration`
reads it: for BGP timers and for the legacy configuration and its migration."""

from __future__ import annotations

import re
from fractions import Fraction


def _bounded_number(number: str) -> str | None:
    """A duration's number as Go reads it: None when its whole part overflows an int64 ("time:
    invalid duration"), and fraction digits past nanoseconds' reach dropped, as Go drops them.
    Also keeps Python from converting thousands of digits (it refuses above 4,300)."""
    whole, dot, fraction = number.partition(".")
    whole = whole.lstrip("0")
    if len(whole) > 19:
        return None
    return (whole or "0") + dot + fraction[:18]


_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_MAX_DURATION = 1 << 63  # Go's limit, in nanoseconds
_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


def parse_duration(text: str) -> int | None:
    """Go's time.ParseDuration, in nanoseconds; None when Go rejects it."""
    rest = text
    sign = 1
    if rest and rest[0] in "+-":
        sign = -1 if rest[0] == "-" else 1
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return None
    total = 0
    pos = len(text) - len(rest)  # matched in place: slicing the rest each time is quadratic
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match or match.group(1) in ("", "."):
            return None
        number, unit = match.groups()
        bounded = _bounded_number(number)
        if bounded is None:
            return None  # overflows, as in Go
        whole, _, fraction = bounded.partition(".")
        scale = _UNITS[unit]
        total += int(whole or 0) * scale
        if fraction:
            total += int(fraction) * scale // 10 ** len(fraction)
        if total > _MAX_DURATION:
            return None  # Go: "invalid duration"
        pos = match.end()
    return sign * total


def duration_seconds(text: str) -> Fraction | None:
    """Go's `time.ParseDuration`, in seconds; None when it would fail."""
    nanoseconds = parse_duration(text.strip())
    return None if nanoseconds is None else Fraction(nanoseconds, 1_000_000_000)


def format_duration(seconds: int) -> str:
    """Go's `Duration.String()` for whole seconds: 90 -> 1m30s, 120 -> 2m0s, 0 -> 0s."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"
