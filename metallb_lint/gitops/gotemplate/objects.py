"""Helm's built-in objects with methods: `.Files` (the chart's own files, through a reader that
keeps to the chart's folder) and `.Capabilities` (only known in the cluster: Unknown)."""

from __future__ import annotations

from collections.abc import Callable

from metallb_lint.gitops.gotemplate.values import Special, TemplateError, Unknown


class _Files(Special):
    """`.Files`: `Get` reads a file of the chart (through `read`, which keeps to the chart's
    folder); anything else is not supported."""

    name = ".Files"

    def __init__(self, read: Callable[[str], str | None]) -> None:
        self.read = read

    def call(self, method: str, args: list[object]) -> object:
        if method == "Get" and len(args) == 1:
            if isinstance(args[0], Unknown):
                return args[0]
            if not isinstance(args[0], str):
                raise TemplateError(".Files.Get of a value that is not a string")
            text = self.read(args[0])
            return "" if text is None else text
        raise TemplateError(f"'.Files.{method}' is not supported")


class _Capabilities(Special):
    """`.Capabilities`: what the cluster offers, only known there."""

    name = ".Capabilities"

    def __init__(self, path: str = ".Capabilities") -> None:
        self.path = path

    def field(self, name: str) -> object:
        if name == "APIVersions":
            return _Capabilities(f"{self.path}.{name}")
        return Unknown(f"{self.path}.{name}", missing=False)

    def call(self, method: str, args: list[object]) -> object:
        return Unknown(f"{self.path}.{method}", missing=False)


def files_object(read: Callable[[str], str | None]) -> Special:
    return _Files(read)


def capabilities_object() -> Special:
    return _Capabilities()
