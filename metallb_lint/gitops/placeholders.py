"""Placeholders that GitOps tools fill in later: Flux `${VAR}`, `__VAR__` sed markers, Jinja.

A value holding one is never judged as an address; it is resolved where the repository says
how (Flux `postBuild.substitute`), and otherwise reported as unresolved (ML004, info).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Flux's envsubst forms: ${VAR}, ${VAR:-default}, ${VAR:=default}, ${VAR:+alt}.
# `$${VAR}` is Flux's escape for a literal `${VAR}`: not a placeholder.
FLUX_VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=+])([^}]*))?\}")
SED_MARKER = re.compile(r"__[A-Z][A-Z0-9_]*__")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_ANY = re.compile(r"(?<!\$)\$\{|__[A-Z][A-Z0-9_]*__|\{\{|\{%")


def has_placeholder(text: str) -> bool:
    # (most values have neither a brace nor a double underscore: skip the regex for them)
    return ("{" in text or "__" in text) and _ANY.search(text) is not None


def resolve_flux(text: str, variables: Mapping[str, str]) -> tuple[str, list[str]]:
    """Substitute Flux variables; return the new text and the names left unresolved."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        value = variables.get(name)
        if op in ("-", ":-", "=", ":="):
            if value is None or (op.startswith(":") and value == ""):
                return arg or ""
            return value
        if op == "+":  # alternative when set, even to ""
            return (arg or "") if value is not None else ""
        if op == ":+":  # alternative when set and not empty
            return (arg or "") if value else ""
        if value is None:
            missing.append(name)
            return match.group(0)
        return value

    return FLUX_VAR.sub(replace, text).replace("$${", "${"), missing


def describe(text: str) -> str:
    """A short name for the kind of placeholder in `text`, for messages."""
    if FLUX_VAR.search(text):
        return "Flux variable"
    if SED_MARKER.search(text):
        return "sed placeholder"
    if JINJA.search(text):
        return "template expression"
    return "placeholder"
