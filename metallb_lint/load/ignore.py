"""Gitignore-style path patterns, for `.gitignore` files and the config's `exclude`."""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import NamedTuple


class Pattern(NamedTuple):
    """One compiled gitignore-style pattern and the folder it is relative to."""

    regex: re.Pattern[str]  # matches the path or anything below it (for per-file globs)
    negated: bool
    dir_only: bool
    base: str  # directory (relative, '/'-separated, '' for root) the pattern is relative to
    exact: re.Pattern[str] | None = None  # matches the path itself (gitignore semantics)


@lru_cache(maxsize=4096)
def _translate(glob: str, anchored: bool, exact: bool = False) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        at_component_start = i == 0 or glob[i - 1] == "/"
        if glob == "**":
            out.append(".*")
            break
        if at_component_start and glob.startswith("**/", i):
            out.append("(?:.*/)?")  # '**/' : zero or more directories
            i += 3
            continue
        if at_component_start and glob.startswith("**", i) and i + 2 == len(glob) and i > 0:
            out.append(".*")  # trailing '/**': everything inside
            i += 2
            continue
        if glob.startswith("**", i):
            out.append("[^/]*")  # other consecutive asterisks are regular asterisks
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            first = i + 2 if glob.startswith(("[!", "[^"), i) else i + 1
            end = glob.find("]", first + 1)  # a ']' right after '[' or '[!' is literal
            if end < 0:
                out.append(re.escape(c))
            else:
                body = glob[i + 1 : end].replace("\\", "\\\\").replace("[", "\\[")
                if body.startswith(("!", "^")):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        elif c == "\\" and i + 1 < len(glob):
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(c))
        i += 1
    prefix = "" if anchored else "(?:.*/)?"
    suffix = "" if exact else "(?:/.*)?"
    try:
        with warnings.catch_warnings():  # '[a--b]' in a .gitignore: git's class, not a warning
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile(f"^{prefix}{''.join(out)}{suffix}$", re.DOTALL)
    except re.error:  # a malformed class such as '[z-a]': match the text literally
        return re.compile(f"^{prefix}{re.escape(glob)}{suffix}$", re.DOTALL)


def parse_pattern(line: str, base: str = "") -> Pattern | None:
    """One gitignore line to a pattern, or None for blanks and comments."""
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        return None
    if not line.endswith("\\ "):
        line = line.rstrip()
    negated = line.startswith("!")
    if negated or line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    return Pattern(
        _translate(line, anchored), negated, dir_only, base, _translate(line, anchored, True)
    )


class IgnoreRules:
    """An ordered list of patterns; the last one that matches a path decides."""

    def __init__(self, patterns: list[Pattern] | None = None) -> None:
        self.patterns: list[Pattern] = list(patterns or [])

    def extended(self, lines: list[str], base: str) -> IgnoreRules:
        new = [p for p in (parse_pattern(line, base) for line in lines) if p]
        return IgnoreRules(self.patterns + new) if new else self

    def ignored(self, rel_path: str, is_dir: bool, *, parents: bool = True) -> bool:
        """Git's answer for `rel_path`: a path inside an ignored directory is ignored too (and
        cannot be re-included); otherwise the last pattern that matches the path decides.
        A walker that never enters ignored directories passes `parents=False`."""
        if parents and "/" in rel_path:
            parts = rel_path.split("/")
            for end in range(1, len(parts)):
                if self._verdict("/".join(parts[:end]), True):
                    return True
        return self._verdict(rel_path, is_dir)

    def _verdict(self, rel_path: str, is_dir: bool) -> bool:
        verdict = False
        for pattern in self.patterns:
            if pattern.dir_only and not is_dir:
                continue
            sub = _relative_to(rel_path, pattern.base)
            exact = pattern.exact or pattern.regex
            if sub is None or not exact.match(sub):
                continue
            verdict = not pattern.negated
        return verdict


def _relative_to(rel_path: str, base: str) -> str | None:
    if not base:
        return rel_path
    if rel_path.startswith(base + "/"):
        return rel_path[len(base) + 1 :]
    return None
