"""Placeholders that GitOps tools or scripts fill in later: Flux `${VAR}`, kustomize vars
`$(VAR)`, `__VAR__` sed markers, upper-case tokens such as `REPLACE_IP_RANGE`, Jinja.

A value holding one is never judged as an address; it is resolved where the repository says
how (Flux `postBuild.substitute`), and otherwise reported as unresolved (ML004, info).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Flux's envsubst forms: ${VAR}, ${VAR:-default}, ${VAR:=default}, ${VAR:+alt}.
# `$${VAR}` is Flux's escape for a literal `${VAR}`: not a placeholder.
# Searched only up to the last `}` of a text: every form ends with one, and past it each `${`
# would scan `[^}]*` to the end of the text again (quadratic on a long scalar).
FLUX_VAR = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=+])([^}]*))?\}")
SED_MARKER = re.compile(r"__[A-Z][A-Z0-9_]*__")
# kustomize's legacy `vars` ($(NAME)), and an upper-case token with an underscore that a script
# replaces (REPLACE_ADDRESS_FROM, METALLB_IP_RANGE_PLACEHOLDER): no address, name or namespace
# of Kubernetes is written that way.
KUSTOMIZE_VAR = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_.]*\)")
CAPS_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9])")
_ANY = re.compile(
    r"(?<!\$)\$\{|__[A-Z][A-Z0-9_]*__|\{\{|\{%|\$\([A-Za-z_]"
    r"|(?<![A-Za-z0-9])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9])"
)


def has_placeholder(text: str) -> bool:
    # (most values have no brace, underscore or `$(`: skip the regex for them)
    return ("{" in text or "_" in text or "$(" in text) and _ANY.search(text) is not None


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

    end = text.rfind("}") + 1  # nothing after the last brace can match (see _flux_span)
    return (FLUX_VAR.sub(replace, text[:end]) + text[end:]).replace("$${", "${"), missing


def _enclosed(text: str, opening: str, closing: str) -> bool:
    """`opening`, then `closing` somewhere after it (a Jinja expression), in linear time."""
    start = text.find(opening)
    return start >= 0 and text.find(closing, start + len(opening)) >= 0


def describe(text: str) -> str:
    """A short name for the kind of placeholder in `text`, for messages."""
    if FLUX_VAR.search(text, 0, text.rfind("}") + 1):
        return "Flux variable"
    if SED_MARKER.search(text):
        return "sed placeholder"
    if KUSTOMIZE_VAR.search(text):
        return "kustomize variable"
    if CAPS_TOKEN.search(text):
        return "placeholder a script replaces"
    if _enclosed(text, "{{", "}}") or _enclosed(text, "{%", "%}"):
        return "template expression"
    return "placeholder"
