"""Which namespace the objects of a folder land in, and which deployment unit a file belongs to.

A scope is a folder whose objects inherit a namespace (kustomize `namespace:`, Argo CD
`destination.namespace`, Flux `targetNamespace`), or are forced into it. A unit is the nearest
folder above a file that holds a kustomization or a chart: the objects one tool renders together.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache


@dataclass
class Scope:
    """A directory subtree with a namespace that resources inside it inherit or are forced to."""

    directory: str
    namespace: str
    source: str
    overrides: bool  # kustomize/Flux `targetNamespace` override explicit namespaces
    entry_point: bool = False  # set by a Flux Kustomization or an Argo CD Application


class Scopes:
    """The scopes and unit folders of a linted tree, looked up by file path."""

    def __init__(self, directories: Iterable[str]) -> None:
        self._directories = set(directories)  # every directory that holds a read file
        self.scopes: list[Scope] = []
        self.unit_dirs: set[str] = set()
        self._index: tuple[int, dict[str, Scope]] = (0, {})
        self._scope_cache: dict[str, Scope | None] = {}
        self._unit_cache: dict[str, str] = {}
        self._files: dict[str, Scope] = {}

    def add(self, scope: Scope) -> None:
        self.scopes.append(scope)

    def set_file_scope(self, path: str, scope: Scope) -> None:
        """The namespace kustomize gives one file's objects wherever it lies (a kustomization
        with `namespace:` reaching `../base`); a Flux `targetNamespace` above still wins."""
        self._files[path] = scope

    def forget_lookups(self) -> None:
        """Drop the answers given so far (scopes were added since)."""
        self._scope_cache.clear()

    def scope_for(self, path: str) -> Scope | None:
        directory = directory_of(path)
        if directory not in self._scope_cache:
            self._scope_cache[directory] = self._nearest_scope(directory)
        found = self._scope_cache[directory]
        own = self._files.get(path) if self._files else None
        if own is not None and not (found is not None and found.overrides and found.entry_point):
            return own
        return found

    def _nearest_scope(self, directory: str) -> Scope | None:
        """The scope of the deepest directory that holds `directory` (the first one named
        when several name the same directory). By ancestors, not by scanning every scope: a
        monorepo has thousands of both."""
        by_directory = self._scopes_by_directory()
        for ancestor in ancestors(directory):
            scope = by_directory.get(ancestor)
            if scope is not None and (
                not ancestor or directory == ancestor or directory.startswith(ancestor + "/")
            ):
                return scope
        return by_directory.get("")  # the whole tree (reached here for absolute paths)

    def _scopes_by_directory(self) -> dict[str, Scope]:
        if self._index[0] != len(self.scopes):  # scopes were added since
            index: dict[str, Scope] = {}
            for scope in self.scopes:
                index.setdefault(scope.directory, scope)
            self._index = (len(self.scopes), index)
        return self._index[1]

    def unit(self, path: str) -> str:
        directory = directory_of(path)
        unit = self._unit_cache.get(directory)
        if unit is None:
            unit = next((a or "." for a in ancestors(directory) if a in self.unit_dirs), None)
            unit = self._unit_cache[directory] = unit or directory or "."
        return unit

    def dirs_matching(self, repo_path: str) -> list[str]:
        """Directories of the linted tree that a repository-relative path may name."""
        wanted = repo_relative(repo_path)
        if not wanted:
            return [""]
        suffix = "/" + wanted
        return sorted(d for d in self._all_dirs if d == wanted or d.endswith(suffix))

    @cached_property
    def _all_dirs(self) -> frozenset[str]:
        """Every directory of the linted tree that holds a read file, and their parents."""
        return frozenset(
            ancestor for directory in self._directories for ancestor in ancestors(directory)
        )


@lru_cache(maxsize=4096)
def directory_of(path: str) -> str:
    """The directory of a file path (asked for every document, by several stages)."""
    return posixpath.dirname(path)


def repo_relative(path: str) -> str:
    """A path as Flux, Argo CD and kustomize write it (`./cluster`, `/cluster/`, `cluster`),
    relative to the repository root; "" for the root. Only `./` and `/` are stripped: the
    dot of `.github/` belongs to the name."""
    wanted = posixpath.normpath(path.strip() or ".").lstrip("/")
    return "" if wanted == "." else wanted


def ancestors(directory: str) -> Iterator[str]:
    """`a/b/c`, `a/b`, `a`, `` (or `/x/y`, `/x`, `/`): terminates for absolute paths too."""
    while True:
        yield directory
        parent = posixpath.dirname(directory)
        if parent == directory:
            return
        directory = parent
