"""Go's text/template language as Helm uses it: lexer and parser to a tree (parser.py), an
evaluator bounded in steps, depth and output that maps each output line to the template line
that wrote it (evaluator.py), and an explicit set of Sprig/Helm functions (functions.py)."""

from metallb_lint.gitops.gotemplate.evaluator import Failure, Rendered, Renderer
from metallb_lint.gitops.gotemplate.objects import capabilities_object, files_object
from metallb_lint.gitops.gotemplate.parser import Parsed, parse
from metallb_lint.gitops.gotemplate.values import LimitError, TemplateError, Unknown

__all__ = [
    "Failure",
    "LimitError",
    "Parsed",
    "Rendered",
    "Renderer",
    "TemplateError",
    "Unknown",
    "capabilities_object",
    "files_object",
    "parse",
]
