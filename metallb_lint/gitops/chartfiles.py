"""A local chart's own files as its templates see them: `.Files.Get` and the named templates of
its helper files (`templates/_*.tpl`). Only files inside the chart's folder are read (no `..`,
no absolute path, no symbolic link out of it), each through the bounded reader, each once."""

from __future__ import annotations

import os
import posixpath

from metallb_lint.gitops.gotemplate.parser import Node
from metallb_lint.gitops.templates import helpers
from metallb_lint.inputlog import note_path
from metallb_lint.safeio import read_optional_text

MAX_HELPER_FILES = 200  # helper files read per chart
MAX_FILES_READ = 500  # distinct files `.Files.Get` may read per chart
MAX_WALK = 5_000  # entries looked at under templates/
MAX_BYTES = 64 * 1024 * 1024  # characters read per chart, helpers and files together


class ChartFiles:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._root = os.path.realpath(directory or ".")
        self._cache: dict[str, str | None] = {}
        self._defines: dict[str, tuple[str, list[Node]]] | None = None
        self._budget = MAX_BYTES

    def _read(self, path: str) -> str | None:
        if self._budget <= 0:
            return None
        text, problem = read_optional_text(path)
        if problem:
            return None
        self._budget -= len(text)
        return text if self._budget >= 0 else None

    def _inside(self, path: str) -> bool:
        real = os.path.realpath(path)
        return real.startswith(self._root + os.sep)

    def read(self, name: str) -> str | None:
        """`.Files.Get name`: the text of a file of the chart, None when there is none (or it
        is not the chart's to give: outside the folder, under templates/)."""
        if not isinstance(name, str) or not name or "\x00" in name or name.startswith("/"):
            return None
        relative = posixpath.normpath(name)
        if relative.startswith("..") or relative.split("/", 1)[0] in ("templates", "."):
            return None
        if relative in self._cache:
            return self._cache[relative]
        if len(self._cache) >= MAX_FILES_READ:
            return None
        path = posixpath.join(self.directory, relative) if self.directory else relative
        text: str | None = None
        note_path(path)  # an absent file is an input too: creating it changes the output
        if self._inside(path) and os.path.isfile(path):
            text = self._read(path)
        self._cache[relative] = text
        return text

    @property
    def defines(self) -> dict[str, tuple[str, list[Node]]]:
        """The named templates of the chart's helper files (`templates/_*`)."""
        if self._defines is None:
            self._defines = helpers(self._helper_texts())
        return self._defines

    def _helper_texts(self) -> list[tuple[str, str]]:
        folder = posixpath.join(self.directory, "templates") if self.directory else "templates"
        note_path(folder)
        if not os.path.isdir(folder) or not self._inside(folder):
            return []
        found: list[tuple[str, str]] = []
        seen = 0
        for current, dirs, names in os.walk(folder, followlinks=False):
            note_path(current)
            dirs.sort()
            for name in sorted(names):
                seen += 1
                if seen > MAX_WALK or len(found) >= MAX_HELPER_FILES:
                    return found
                if not name.startswith("_"):
                    continue
                path = os.path.join(current, name)
                if not self._inside(path) or not os.path.isfile(path):
                    continue
                text = self._read(path)
                if text is not None:
                    found.append(
                        (posixpath.relpath(path.replace(os.sep, "/"), self.directory or "."), text)
                    )
        return found
