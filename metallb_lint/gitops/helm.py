"""Helm: charts (Chart.yaml, Chart.lock, Helm v2 requirements.yaml), the values of each chart
(the metallb subchart's under its key or alias), MetalLB as a chart dependency, and chart
templates rendered from the chart's values (the simple `.Values`/`.Release` subset)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator

from metallb_lint.findings import ResourceRef
from metallb_lint.gitops.chartfiles import ChartFiles
from metallb_lint.gitops.fields import items, text
from metallb_lint.gitops.rendered import rendered_documents
from metallb_lint.gitops.scopes import Scopes
from metallb_lint.load.discover import Candidate
from metallb_lint.load.documents import Chunk, Document, LoadProblem, PathKey
from metallb_lint.load.sources import SourceFile, read_candidate
from metallb_lint.metallb.charts import is_official_repository
from metallb_lint.model.objects import Chart, Dependency, InstallSite, ValuesSource

VALUES_NAMES = ("values.yaml", "values.yml")


def read_charts(sources: list[SourceFile]) -> list[Chart]:
    """Every chart of the tree with its dependencies and lock, by chart folder."""
    charts: dict[str, Chart] = {}
    locks: dict[str, Document] = {}
    for source in sources:
        for doc in source.documents:
            if source.role == "chart" and isinstance(doc.data, dict):
                charts[source.chart_dir or ""] = Chart(
                    source.chart_dir or "",
                    doc,
                    text(doc.data.get("name")),
                    dependencies(doc, ("dependencies",)),
                )
            elif source.role == "chart-lock":
                locks[source.chart_dir or ""] = doc
    for source in sources:
        if source.role == "requirements":
            chart = charts.get(source.chart_dir or "")
            for doc in source.documents:
                if chart is not None:
                    chart.dependencies.extend(dependencies(doc, ("dependencies",)))
    for directory, lock in locks.items():
        if directory in charts:
            charts[directory].lock = lock
    return [charts[k] for k in sorted(charts)]


def dependencies(doc: Document, path: PathKey) -> list[Dependency]:
    deps: list[Dependency] = []
    for index, item in enumerate(items(doc.get(*path))):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        where = (*path, index, "version") if "version" in item else (*path, index)
        deps.append(
            Dependency(
                item["name"],
                text(item.get("alias")),
                item.get("version"),
                text(item.get("repository")),
                text(item.get("condition")),
                doc.location(where),
                doc.location((*path, index, "repository")),
            )
        )
    return deps


def chart_values(
    doc: Document,
    base: PathKey,
    data: dict,
    chart: Chart | None,
    forced: bool,
    unit: str,
    namespace: str | None,
) -> list[ValuesSource]:
    """A chart's values file: the metallb subchart's part (under its key or alias) and the
    rest; `forced` marks a file the configuration names as MetalLB values."""
    chart_api = chart.doc.get("apiVersion") if chart else None
    owner = ResourceRef(
        chart_api if isinstance(chart_api, str) else "v2",
        "Chart",
        None,
        chart.name if chart else posixpath.basename(posixpath.dirname(doc.path) or "."),
    )
    if forced:
        return [ValuesSource(doc, base, data, "metallb", owner, namespace, True, unit)]
    out: list[ValuesSource] = []
    metallb_keys: set[str] = set()
    for dep in chart.dependencies if chart else []:
        if dep.name == "metallb" and is_official_repository(dep.repository):
            key = dep.values_key
            if isinstance(data.get(key), dict):
                metallb_keys.add(key)
                out.append(
                    ValuesSource(
                        doc, (*base, key), data[key], "metallb", owner, namespace, True, unit
                    )
                )
    rest = {k: v for k, v in data.items() if k not in metallb_keys}
    out.append(
        ValuesSource(doc, base, rest, chart.name if chart else None, owner, namespace, False, unit)
    )
    return out


def dependency_sites(charts: list[Chart], scopes: Scopes) -> Iterator[InstallSite]:
    """MetalLB as a dependency of an umbrella chart."""
    for chart in charts:
        for dep in chart.dependencies:
            if dep.name == "metallb":
                scope = scopes.scope_for(posixpath.join(chart.directory, "Chart.yaml"))
                yield InstallSite(
                    "chart-dependency",
                    dep.version,
                    dep.location,
                    dep.repository,
                    scope.namespace if scope else None,
                    scope.source if scope else None,
                    repository_location=dep.repository_location,
                    chart=dep.name,
                    official=is_official_repository(dep.repository),
                    owner=f"chart {chart.name or chart.directory or '.'}",
                    resource=chart_ref(chart),
                )


def chart_ref(chart: Chart) -> ResourceRef:
    api = chart.doc.get("apiVersion")
    return ResourceRef(api if isinstance(api, str) else "v2", "Chart", None, chart.name)


def render_templates(
    sources: list[SourceFile],
    charts: list[Chart],
    release_namespace: Callable[[str], str | None],
    skip: Callable[[str, Chunk, str, int], None],
    problems: list[LoadProblem],
) -> Iterator[Document]:
    """The documents of chart templates rendered with their chart's values.yaml, named
    templates and files; a part of a template that cannot be rendered is passed to `skip` with
    the reason and line (once per document it would have produced)."""
    by_dir = {c.directory: c for c in charts}
    values_by_chart: dict[str, dict] = {}
    for source in sources:
        if source.role == "values" and posixpath.basename(source.display) in VALUES_NAMES:
            for doc in source.documents:
                if isinstance(doc.data, dict):
                    values_by_chart[source.chart_dir or ""] = doc.data
    files_by_chart: dict[str, ChartFiles] = {}
    for source in sources:
        if not source.pending_templates or source.text is None:
            continue
        directory = source.chart_dir or ""
        chart = by_dir.get(directory)
        context = template_context(
            chart, values_by_chart.get(directory, {}), None, release_namespace(directory)
        )
        files = files_by_chart.get(directory)
        if files is None:
            files = files_by_chart[directory] = ChartFiles(directory)
        yield from rendered_documents(source, context, files, skip, problems)


def template_context(
    chart: Chart | None, values: dict, release: str | None, namespace: str | None
) -> dict[str, dict]:
    """`.Values`, `.Chart` (from Chart.yaml) and `.Release` for a chart's templates; the
    release is named after the chart unless the install names it."""
    context: dict[str, dict] = {
        "Values": values,
        "Chart": {"Name": chart.name if chart else None},
        "Release": {"Name": release or (chart.name if chart else None), "Service": "Helm"},
    }
    if namespace:
        context["Release"]["Namespace"] = namespace
    if chart and isinstance(chart.doc.data, dict):
        context["Chart"]["Version"] = chart.doc.data.get("version")
        for key, value in chart.doc.data.items():  # .Chart.AppVersion, .Chart.Description
            if isinstance(key, str) and key and key not in ("name", "version"):
                context["Chart"].setdefault(key[0].upper() + key[1:], value)
    return context


# Top-level keys of MetalLB's chart in any release (facts §4.1).
METALLB_TOP_KEYS = frozenset(
    {
        "imagePullSecrets",
        "nameOverride",
        "fullnameOverride",
        "existingConfigMap",
        "configInline",
        "loadBalancerClass",
        "rbac",
        "psp",
        "prometheus",
        "controller",
        "speaker",
        "crds",
        "frrk8s",
        "networkpolicies",
        "tls",
        "frr-k8s",
    }
)


def misplaced_subchart_keys(
    chart: Chart, values: ValuesSource, files: Iterable[str]
) -> Iterator[tuple[str, str]]:
    """(key, the subchart's key) for top-level keys of an umbrella chart's values that are
    MetalLB's chart keys, while MetalLB is a dependency: Helm passes a subchart only what is
    under its name (or alias), so these reach MetalLB never, and the umbrella's own templates
    do not read them either."""
    dependency = next(
        (
            d
            for d in chart.dependencies
            if d.name == "metallb" and is_official_repository(d.repository)
        ),
        None,
    )
    if dependency is None:
        return
    stray = [k for k in values.data if isinstance(k, str) and k in METALLB_TOP_KEYS]
    if not stray:
        return
    templates = posixpath.join(chart.directory, "templates") if chart.directory else "templates"
    used = _template_text(f for f in files if f.startswith(templates + "/"))
    for key in stray:
        if f".Values.{key}" not in used and f'.Values "{key}"' not in used:
            yield key, dependency.values_key


def _template_text(paths: Iterable[str]) -> str:
    """The text of a chart's template files (each bounded like any linted file)."""
    parts = []
    for path in paths:
        data = read_candidate(Candidate(path, path))
        if isinstance(data, bytes):
            parts.append(data.decode("utf-8", errors="replace"))
    return "\n".join(parts)


# -- what a local chart's templates read ---------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z0-9_.]")


class TemplateReads:
    """Which values a local chart's templates read, from their text: `.Values.a.b.c` reads
    `a.b.c`; `.Values.a` followed by anything but a dot (`toYaml .Values.a`, `with .Values.a`,
    `range .Values.a`, `index .Values "a"`) reads all of `a`. A value no template reads is never
    rendered (a key left over from an older template)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.whole: set[str] = set()  # paths read as a whole ("" : all of .Values)
        self.exact: set[str] = set()
        for template in texts:
            for match in _VALUES_REFERENCE.finditer(template):
                path = (match.group(1) or "").removeprefix(".")
                following = template[match.end() : match.end() + 1]
                self.exact.add(path)
                if not following or not _IDENTIFIER.match(following):
                    self.whole.add(path)

    def reads(self, path: PathKey) -> bool:
        """Whether the templates render the value at `path` (list indexes count as the list)."""
        keys: list[str] = []
        for part in path:
            if isinstance(part, int):
                break
            keys.append(str(part))
        dotted = ".".join(keys)
        if dotted in self.exact:
            return True
        prefixes = {""} | {".".join(keys[:n]) for n in range(1, len(keys) + 1)}
        return bool(prefixes & self.whole)


_VALUES_REFERENCE = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")


def template_reads(chart: Chart, files: Iterable[str], read: Callable[[str], str | None]):
    """What the templates of a local chart read, or None when that cannot be known: no
    templates in the tree, or dependencies (a library chart's templates read the values too)."""
    if chart.dependencies:
        return None
    folder = posixpath.join(chart.directory, "templates") if chart.directory else "templates"
    texts = [read(f) for f in files if f.startswith(folder + "/")]
    if not texts or any(t is None for t in texts):
        return None
    return TemplateReads(t for t in texts if t is not None)
