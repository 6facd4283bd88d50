"""Charts of the repository that its own scripts helm-install, followed through what they
render: the install chain of an app-of-apps repository.

A script's `helm install NAME <chart folder> -f FILE` deploys what the chart's templates render
with its values.yaml and FILE, and nothing else: every values file of the release is known, so
a key they all lack is nil, as in Helm (a "closed" render), not unknown. A values file chosen
when the script runs (`-f "$dir/${PROFILE}.yaml"`) is one of the repository's files for that
chart: each file with the same extension, outside the chart, whose top-level keys are all the
chart's (in its values.yaml or read by its templates), and with which every template of the
chart renders whole, is one possible deployment, rendered on its own. Of those, only a
deployment that installs MetalLB itself is kept: the Services of another would be another
cluster's, judged against a release it does not run.

An Argo CD Application rendered on the way whose source is a chart folder of this repository
(`path:` and no `chart:`; its `$ref/` value files from a source of the same `repoURL`) is
rendered in turn with that chart's values.yaml, its value files and its `values` and
`valuesObject`, in Argo CD's order. Such an Application is never judged as written: its value
files are the next chart's values, not a Service's. What cannot be followed (a missing values
file, `parameters`, a cycle, a template that does not render whole) is said, never guessed.

Every string of a values file keeps where it is written (`gotemplate/traced.py`), so that a
value a template writes out whole is reported in the file and at the line that set it.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from metallb_lint.findings import Location
from metallb_lint.gitops.argocd import app_sources, install_sites, is_application
from metallb_lint.gitops.chartfiles import ChartFiles
from metallb_lint.gitops.fields import items, text
from metallb_lint.gitops.gotemplate.traced import Sourced
from metallb_lint.gitops.helm import VALUES_NAMES, template_context
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.gitops.scripts import LocalInstall, in_tree
from metallb_lint.gitops.templates import render_file
from metallb_lint.load.documents import (
    Chunk,
    Document,
    PathKey,
    compose_mapped,
    split_documents,
)
from metallb_lint.model.objects import Chart
from metallb_lint.safeio import read_optional_text

MAX_DEPTH = 4  # Applications followed one inside another
MAX_CANDIDATES = 200  # values files one install may choose among
MAX_LOOKED_AT = 5_000  # files looked at for them
MAX_TAGGED = 50_000  # strings of one values file that keep where they are written
MAX_RENDERS = 3_000  # template files rendered in all, over every deployment
_EXTRA_INDEX = 100_000  # document indexes of a template's other deployments start here
_VARIABLE = re.compile(r"\$[{(A-Za-z_]")
_TOP_KEY = re.compile(r"^([A-Za-z0-9_][^\s:#]*)\s*:", re.MULTILINE)
_VALUES_KEY = re.compile(r"\.Values\.([A-Za-z_][A-Za-z0-9_]*)")
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl")

Read = Callable[[str], list[Document]]


@dataclass
class Followed:
    """What the installs render, and what could not be followed."""

    documents: list[Document] = field(default_factory=list)
    templates: set[str] = field(default_factory=set)  # template files rendered whole
    notes: list[tuple[Location, str]] = field(default_factory=list)
    # for a document of one of several possible deployments (a values file chosen when the
    # script runs): its index in `documents` -> that values file, so that the same Service
    # in two deployments is two clusters' Service, not two Services
    deployments: dict[int, str] = field(default_factory=dict)

    def labelled(self) -> Iterator[tuple[int, Document]]:
        return ((k, self.documents[k]) for k in self.deployments)


@dataclass
class _Deployment:
    documents: list[Document] = field(default_factory=list)
    templates: set[str] = field(default_factory=set)
    whole: bool = True  # every template of the chart rendered
    failed: str = ""  # the first template that did not, and why
    chosen: str | None = None  # the values file chosen when the script runs

    def add(self, other: _Deployment) -> None:
        self.documents.extend(other.documents)
        self.templates |= other.templates

    @property
    def installs_metallb(self) -> bool:
        for doc in self.documents:
            body = doc.data
            if not isinstance(body, dict):
                continue
            if is_application(text(body.get("kind")), text(body.get("apiVersion")) or ""):
                spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
                if any(s.official for s in install_sites(doc, ("spec",), spec, "argocd", body)):
                    return True
        return False


class Follower:
    def __init__(self, charts: Iterable[Chart], files: Iterable[str], documents_of: Read) -> None:
        self.charts = {c.directory: c for c in charts}
        self.files = sorted(files)
        self.file_set = set(self.files)
        self.documents_of = documents_of
        self._chart_files: dict[str, ChartFiles] = {}
        self._values: dict[str, dict | None] = {}
        self.notes: list[tuple[Location, str]] = []
        self._where = Location("", 1)
        self._renders = MAX_RENDERS
        self._template_files: dict[str, list[str]] = {}

    def follow(self, installs: Iterable[tuple[str, LocalInstall]]) -> Followed:
        """Each (script path, install): its deployments' documents, one of each."""
        out = Followed(notes=self.notes)
        seen: set[tuple] = set()
        used: set[tuple[str, int]] = set()
        for script, install in installs:
            self._where = install.where
            for deployment in self._deployments(script, install):
                out.templates |= deployment.templates
                for doc in deployment.documents:
                    origins = sorted(doc.origins.items(), key=repr) if doc.origins else []
                    key = (doc.path, doc.index, repr(doc.data), repr(origins))
                    if key in seen:
                        continue  # the same in another deployment
                    seen.add(key)
                    if (doc.path, doc.index) in used:  # another deployment's version of it
                        doc.index = _EXTRA_INDEX + len(used)
                    used.add((doc.path, doc.index))
                    if deployment.chosen:
                        out.deployments[len(out.documents)] = deployment.chosen
                    out.documents.append(doc)
        return out

    def _note(self, message: str) -> None:
        """An install chain not followed, as ML004 says it: what, and what the user can do."""
        self.notes.append(
            (
                self._where,
                f"install chain not followed: {message}. What it would deploy (MetalLB's "
                "install, its pools, Services' addresses) is not judged; name the values files "
                "with -f and paths in the repository, or lint the rendered manifests",
            )
        )

    # -- an install ------------------------------------------------------------------------

    def _deployments(self, script: str, install: LocalInstall) -> Iterator[_Deployment]:
        if not self._relevant(install.chart_dir):
            return  # renders nothing about MetalLB, its Services or a GitOps object
        if install.sets:
            self._note(f"'{install.chart_dir}' installed with --set or words from variables")
            return
        choices: list[list[str]] = [[]]
        chosen = False
        for written in install.values:
            if _VARIABLE.search(written):
                if chosen:
                    self._note(f"'{install.chart_dir}': two values files chosen when it runs")
                    return
                chosen = True
                options = self._candidates(install.chart_dir, written)
                choices = [[*c, o] for c in choices for o in options]
                continue
            path = self._repository_file(written, posixpath.dirname(script))
            if path is None:
                self._note(f"'{install.chart_dir}': values file '{written}' not in the repository")
                return
            choices = [[*c, path] for c in choices]
        for files in choices:
            picked = next(
                (f for f, w in zip(files, install.values, strict=True) if _VARIABLE.search(w)), None
            )
            values = self._chart_values(install.chart_dir)
            for path in files:
                values = merge(values, self._values_file(path) or {})
            release, namespace = install.release, install.namespace
            if chosen and not self._render(install.chart_dir, values, release, namespace).whole:
                continue  # not a values file of this chart after all
            noted = len(self.notes)
            deployment = self._render(install.chart_dir, values, release, namespace, ())
            if not deployment.whole:  # Helm renders all of a chart or nothing
                self._note(f"'{install.chart_dir}': {deployment.failed}")
                continue
            if chosen and not deployment.installs_metallb:
                del self.notes[noted:]  # another cluster's: what it lacks is not ours to say
                continue
            deployment.chosen = picked
            yield deployment

    def _relevant(self, chart_dir: str) -> bool:
        for template in self._templates(chart_dir, helpers=True):
            body, problem = read_optional_text(template)
            if not problem and Chunk(1, body).relevant:
                return True
        return False

    def _repository_file(self, written: str, folder: str) -> str | None:
        for base in ("", folder):
            path = posixpath.normpath(posixpath.join(base, written))
            if path in self.file_set:
                return path
        return None

    def _candidates(self, chart_dir: str, written: str) -> list[str]:
        """The repository's files that may be the values file chosen when the script runs."""
        suffix = posixpath.splitext(written)[1]
        if suffix not in (".yaml", ".yml"):
            return []
        allowed = self._chart_keys(chart_dir)
        found: list[str] = []
        looked = 0
        for path in self.files:
            if not path.endswith(suffix) or path.startswith(chart_dir + "/"):
                continue
            looked += 1
            if looked > MAX_LOOKED_AT or len(found) >= MAX_CANDIDATES:
                break
            body, problem = read_optional_text(path)
            keys = set(_TOP_KEY.findall(body)) if not problem else set()
            if keys and keys <= allowed:
                found.append(path)
        return found

    def _chart_keys(self, chart_dir: str) -> set[str]:
        """The top-level keys a chart's values.yaml has or its templates read."""
        keys = set(self._chart_values(chart_dir))
        for template in self._templates(chart_dir, helpers=True):
            body, problem = read_optional_text(template)
            if not problem:
                keys.update(_VALUES_KEY.findall(body))
        return keys

    # -- a chart ---------------------------------------------------------------------------

    def _templates(self, chart_dir: str, helpers: bool = False) -> list[str]:
        found = self._template_files.get(chart_dir)
        if found is None:
            folder = posixpath.join(chart_dir, "templates") + "/" if chart_dir else "templates/"
            found = [
                f for f in self.files if f.startswith(folder) and f.endswith(_TEMPLATE_SUFFIXES)
            ]
            self._template_files[chart_dir] = found
        return found if helpers else [f for f in found if not posixpath.basename(f).startswith("_")]

    def _render(
        self,
        chart_dir: str,
        values: dict,
        release: str | None,
        namespace: str | None,
        stack: tuple[str, ...] | None = None,
    ) -> _Deployment:
        """The documents a chart renders, Applications of chart folders followed (without
        `stack`, the chain above, not followed: only whether the chart renders whole)."""
        chart = self.charts.get(chart_dir)
        files = self._chart_files.get(chart_dir)
        if files is None:
            files = self._chart_files[chart_dir] = ChartFiles(chart_dir)
        context = template_context(chart, values, release, namespace)
        deployment = _Deployment()
        for template in self._templates(chart_dir):
            self._renders -= 1
            if self._renders < 0:
                deployment.whole = False
                deployment.failed = f"over {MAX_RENDERS} template renders, the rest not rendered"
                break
            body, problem = read_optional_text(template)
            result = render_file(body, context, files.defines, files.read, template, closed=True)
            if problem or result.text is None or result.problems:
                if deployment.whole:
                    why = problem or result.reason or result.problems[0].reason
                    line = result.line if result.text is None else result.problems[0].line
                    deployment.failed = f"{template}:{line} does not render ({why})"
                deployment.whole = False
                continue
            deployment.templates.add(template)
            if stack is None:
                continue
            chunks = split_documents(result.text)
            for index, chunk in enumerate(chunks):
                if not chunk.relevant:
                    continue
                doc, _ = compose_mapped(
                    template, chunk, index, result.lines, result.columns, result.origins
                )
                if doc is None:
                    continue
                followed = self._application(doc, (*stack, chart_dir))
                if followed is None:
                    deployment.documents.append(doc)
                else:
                    deployment.add(followed)
        return deployment

    def _chart_values(self, chart_dir: str) -> dict:
        for name in VALUES_NAMES:
            path = posixpath.join(chart_dir, name) if chart_dir else name
            if path in self.file_set:
                return self._values_file(path) or {}
        return {}

    def _values_file(self, path: str) -> dict | None:
        if path not in self._values:
            docs = [d for d in self.documents_of(path) if isinstance(d.data, dict)]
            self._values[path] = tagged(docs[0], (), docs[0].data) if docs else None
        found = self._values[path]
        return found if isinstance(found, dict) else None

    # -- an Argo CD Application of a chart folder ------------------------------------------

    def _application(self, doc: Document, stack: tuple[str, ...]) -> _Deployment | None:
        """What an Application of this repository's chart folders deploys; None for any other
        document (kept as it is)."""
        body = doc.data
        if not isinstance(body, dict):
            return None
        if not is_application(text(body.get("kind")), text(body.get("apiVersion")) or ""):
            return None
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        sources = app_sources(spec)
        local = [(i, s, in_tree(_chart_path(s), self.charts)) for i, s in enumerate(sources)]
        local = [(i, s, p) for i, s, p in local if p is not None]
        if not local:
            return None
        name = text((body.get("metadata") or {}).get("name")) or None
        destination = spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
        namespace = text(destination.get("namespace"))
        out = _Deployment()
        for index, source, chart_dir in local:
            assert chart_dir is not None
            if chart_dir in stack or len(stack) >= MAX_DEPTH:
                self._note(f"Application {name} of {chart_dir!r}: a cycle or too deep")
                continue
            prefix: PathKey = ("spec", "source") if "source" in spec else ("spec", "sources", index)
            values = self._application_values(doc, spec, source, chart_dir, prefix)
            if values is None:
                self._note(f"Application {name} of '{chart_dir}': its values are not all known")
                continue
            rendered = self._render(chart_dir, values, name, namespace, stack)
            if not rendered.whole:  # Helm renders all of a chart or nothing
                self._note(f"Application {name} of '{chart_dir}': {rendered.failed}")
                continue
            out.add(rendered)
        if any(s.get("chart") is not None for s in sources):  # e.g. MetalLB's chart beside
            out.documents.append(_without_sources(doc, {i for i, _, _ in local}))
        return out

    def _application_values(
        self, doc: Document, spec: dict, source: dict, chart_dir: str, prefix: PathKey
    ) -> dict | None:
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        if helm.get("parameters") or helm.get("fileParameters"):
            return None
        refs = {text(s.get("ref")): s for s in app_sources(spec) if text(s.get("ref"))}
        values = self._chart_values(chart_dir)
        for name in items(helm.get("valueFiles")):
            if not isinstance(name, str) or has_placeholder(name) or "://" in name:
                return None
            if name.startswith("$"):
                ref, _, rest = name[1:].partition("/")
                other = refs.get(ref)
                if other is None or not same_repository(other.get("repoURL"), source["repoURL"]):
                    return None
                path = in_tree(posixpath.normpath(rest), self.file_set)
            else:
                path = posixpath.normpath(posixpath.join(chart_dir, name))
            found = self._values_file(path) if path in self.file_set else None
            if found is None:
                if helm.get("ignoreMissingValueFiles") is True:
                    continue
                return None
            values = merge(values, found)
        inline = helm.get("valuesObject")
        if isinstance(helm.get("values"), str) and not isinstance(inline, dict):
            return None  # a YAML string: not followed
        if isinstance(inline, dict):
            values = merge(values, tagged(doc, (*prefix, "helm", "valuesObject"), inline))
        return values


def _without_sources(doc: Document, indexes: set[int]) -> Document:
    """The Application with its sources of chart folders emptied (rendered in their place),
    its other sources where they are written."""
    spec = dict(doc.data["spec"])  # type: ignore[index]
    spec["sources"] = [{} if i in indexes else s for i, s in enumerate(spec["sources"])]
    kept = copy.copy(doc)
    kept.data = {**doc.data, "spec": spec}  # type: ignore[dict-item]
    return kept


def _chart_path(source: dict) -> str | None:
    path = source.get("path")
    repo = source.get("repoURL")
    if source.get("chart") is not None or not isinstance(path, str) or not isinstance(repo, str):
        return None
    if not repo or has_placeholder(path + repo):
        return None
    normal = posixpath.normpath(path.strip("/") or ".")
    return None if normal.startswith("..") else ("" if normal == "." else normal)


def same_repository(first: object, second: object) -> bool:
    """Whether two repoURLs name one git repository (scheme, `.git` and a final `/` aside)."""
    if not isinstance(first, str) or not isinstance(second, str) or not first or not second:
        return False

    def normal(url: str) -> str:
        url = url.strip().lower().removesuffix("/").removesuffix(".git")
        url = re.sub(r"^[a-z+]+://(?:[^@/]*@)?", "", url)
        return re.sub(r"^[^@/]*@([^:/]+):", r"\1/", url)

    return normal(first) == normal(second)


def merge(base: dict, over: dict) -> dict:
    """Helm's values coalescing of one file over another: maps key by key, `null` removes
    a key, anything else replaces. Neither is changed."""
    merged = dict(base)
    for key, value in over.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def tagged(doc: Document, base: PathKey, data: dict) -> dict:
    """A copy of a document's values whose strings say where they are written."""
    budget = [MAX_TAGGED]

    def walk(node: object, path: PathKey, depth: int) -> object:
        if depth > 100:
            return node
        if isinstance(node, dict):
            return {k: walk(v, (*path, k), depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i), depth + 1) for i, v in enumerate(node)]
        if isinstance(node, str) and not isinstance(node, Sourced) and budget[0] > 0:
            budget[0] -= 1
            value = doc.location(path)
            key = doc.location(path, key=True) if path and isinstance(path[-1], str) else value
            name = path[-1] if path and isinstance(path[-1], str) else None
            return Sourced(node, (value, key), name)
        return node

    out = walk(data, base, 0)
    return out if isinstance(out, dict) else {}
