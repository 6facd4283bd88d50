"""Gitignore-style path patterns, for `.gitignore` files and the config's `exclude`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    base: str  # directory (relative, '/'-separated, '' for root) the pattern is relative to


@lru_cache(maxsize=4096)
def _translate(glob: str, anchored: bool) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = glob.find("]", i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = glob[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
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
    return re.compile(f"^{prefix}{''.join(out)}(?:/.*)?$", re.DOTALL)


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
    return Pattern(_translate(line, anchored), negated, dir_only, base)


class IgnoreRules:
    """An ordered list of patterns; the last one that matches a path decides."""

    def __init__(self, patterns: list[Pattern] | None = None) -> None:
        self.patterns: list[Pattern] = list(patterns or [])

    def extended(self, lines: list[str], base: str) -> IgnoreRules:
        new = [p for p in (parse_pattern(line, base) for line in lines) if p]
        return IgnoreRules(self.patterns + new) if new else self

    def ignored(self, rel_path: str, is_dir: bool) -> bool:
        verdict = False
        for pattern in self.patterns:
            if pattern.dir_only and not is_dir:
                # "build/" also ignores files below build/: check the parents.
                if not _parent_matches(pattern, rel_path):
                    continue
            else:
                sub = _relative_to(rel_path, pattern.base)
                if sub is None or not pattern.regex.match(sub):
                    continue
            verdict = not pattern.negated
        return verdict


def _relative_to(rel_path: str, base: str) -> str | None:
    if not base:
        return rel_path
    if rel_path.startswith(base + "/"):
        return rel_path[len(base) + 1 :]
    return None


def _parent_matches(pattern: Pattern, rel_path: str) -> bool:
    sub = _relative_to(rel_path, pattern.base)
    if sub is None or "/" not in sub:
        return False
    parent = sub.rsplit("/", 1)[0]
    return bool(pattern.regex.match(parent))
