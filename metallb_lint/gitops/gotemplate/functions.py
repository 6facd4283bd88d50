"""The template functions a chart may call: Go text/template's built-ins (builtins.py) and the
Sprig and Helm functions charts around MetalLB use (sprig.py, lists_maps.py), an explicit and
safe set (registry.py). A function not listed makes a template unrenderable."""

from __future__ import annotations

from metallb_lint.gitops.gotemplate import builtins, lists_maps, sprig
from metallb_lint.gitops.gotemplate.gofmt import go_quote, go_sprintf, strval
from metallb_lint.gitops.gotemplate.registry import FUNCTIONS, SEES_UNKNOWN, Context

__all__ = [
    "FUNCTIONS",
    "SEES_UNKNOWN",
    "Context",
    "builtins",
    "go_quote",
    "go_sprintf",
    "lists_maps",
    "sprig",
    "strval",
]
