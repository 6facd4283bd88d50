"""File names as every output format writes them.

A name on disk may hold bytes that are not UTF-8 (Python keeps them as lone surrogates,
which no UTF-8 writer accepts) or control characters (an escape sequence in a terminal, a
line break in a GitHub annotation). Discovery names every file through `printable`, so JSON,
SARIF, text, GitHub annotations, JUnit and the baseline all show the same escaped name, and a
baseline entry matches the same file on the next run.

The escape is Python's: a byte that is not UTF-8 is `\\xNN`, a control or other unprintable
character `\\xNN`, `\\uNNNN` or `\\UNNNNNNNN`. It is idempotent (its output is printable, so
escaping it again changes nothing); a name that already holds the text `\\xff` shows the
same as one holding the byte 0xff.
"""

from __future__ import annotations


def printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if char.isprintable():
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
