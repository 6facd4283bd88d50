"""The pipeline: discover -> load -> inventory -> check -> decide (reporting is the caller's)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from metallb_lint.checks.context import Context
from metallb_lint.checks.run import run_rules
from metallb_lint.config import Config, check_rule_names
from metallb_lint.decide import (
    UNUSED,
    Baseline,
    Decider,
    annotation_table,
    select_rules,
    severity_overrides,
)
from metallb_lint.errors import UsageError
from metallb_lint.findings import Finding, Location, Severity
from metallb_lint.gitops.flux import substitute_from_names
from metallb_lint.load.blockyaml import forget_lines
from metallb_lint.load.discover import Candidate, Discovery, discover
from metallb_lint.load.documents import LoadProblem
from metallb_lint.load.filetext import SUPPRESSION_MARK, Texts
from metallb_lint.load.ignore import IgnoreRules
from metallb_lint.load.sources import (
    ALWAYS_PARSED,
    SourceFile,
    classify,
    load_file,
    read_candidate,
)
from metallb_lint.model.inventory import Inventory, build_inventory
from metallb_lint.model.rendering import Request as RenderRequest

if TYPE_CHECKING:
    from metallb_lint.load.cache import FileCache


@dataclass
class Options:
    """The options of a run from the command line: paths, rule selection, version, stdin."""

    paths: list[str] = field(default_factory=lambda: ["."])
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: Severity | None = None
    metallb_version: str | None = None
    stdin_filename: str | None = None
    stdin_data: bytes | None = None
    inline_suppressions: bool = True
    # Named files only: index the rest of their git repository as context (discover.py).
    context: bool = True
    policies: list[str] = field(default_factory=list)  # --policies, next to config `policies`
    baseline: str | None = None  # --baseline FILE
    # The findings of an earlier revision, as a baseline (--new-since; not with --baseline).
    previous: Baseline | None = None
    # Told what the run is doing: (stage, done, total), "reading" once per file, then
    # "checking" (cli/progress.py draws a progress bar on a terminal).
    progress: Callable[[str, int, int], None] | None = None
    # Build root kustomizations with the kustomize engine: "auto" where one is installed,
    # "always" (a usage error without one) or "never" (model/rendering.py).
    render: str = "never"
    # The persistent per-file cache (load/cache.py); None: every file is loaded afresh.
    cache: FileCache | None = None


@dataclass
class RunResult:
    """The outcome of a run: the decided findings, the inventory, and what reports need."""

    findings: list[Finding]
    inventory: Inventory
    files: int
    selected: set[str]
    fail_on: Severity
    notes: list[str] = field(default_factory=list)
    # The linted files as findings name them (without context files), in discovery order.
    paths: list[str] = field(default_factory=list)
    # The files on disk the run read (a report must never be written over one of them).
    inputs: list[str] = field(default_factory=list)
    # The linted files on disk, by the path findings name them (what fixes may write).
    disk: dict[str, str] = field(default_factory=dict)
    discovery: Discovery | None = None  # what was read and skipped, and why (--show-files)

    @property
    def resources(self) -> int:
        return len(self.inventory.resources)


def run(options: Options, config: Config) -> RunResult:
    policies, baseline = _policies_and_baseline(options, config)
    excludes = IgnoreRules().extended(config.exclude, "")
    found = discover(
        options.paths,
        excludes=excludes,
        exclude_root=config.root,
        stdin_name=options.stdin_filename,
        context=options.context,
    )
    if policies:  # policy files hold example manifests: never lint them as manifests
        _skip_policy_files(found, [*config.policies, *options.policies])
    sources = _load(
        [*found.candidates, *found.context],
        options.stdin_data,
        config,
        options.progress,
        options.cache,
    )
    forget_lines()  # the block reader's memo of lines served the loading
    for location, message in found.problems:
        problem_file = SourceFile(location.path, "manifest")
        problem_file.problems.append(LoadProblem("ML002", message, location))
        sources.append(problem_file)
    inventory = build_inventory(
        sources,
        config,
        options.metallb_version,
        files=[c.display for c in [*found.candidates, *found.context]],
        jinja=found.jinja,
        scripts=found.scripts,
        render=_render_request(options, found),
    )
    # The command line overrides the configuration, as in ruff: a --select runs what it
    # names even where the configuration's `ignore` turns it off.
    ignore = [*([] if options.select else config.ignore), *options.ignore]
    selected = select_rules(options.select or config.select, ignore, extra=policies)
    # ML006 judges suppressions against every rule that runs by default (decide.py).
    ran = selected | select_rules([], ignore, extra=policies) if UNUSED in selected else selected
    context = Context(inventory, config, policies=policies)
    if options.progress is not None:
        options.progress("checking", 0, 0)
    named = [c.display for c in found.candidates]
    # (a set of every file's path on a large tree: built only when it narrows the report)
    scope = {*named, *(loc.path for loc, _ in found.problems)} if found.scoped else set()
    # Named files with their repository as context: only findings touching them are reported,
    # so the others need no fix (ML406 works one out for every Service it names).
    reported = (lambda finding: _touches(finding, scope)) if found.scoped else None
    raw = list(run_rules(context, ran, reported))
    if inventory.superseded:  # what a kustomize patch replaces is not what is deployed
        raw = [f for f in raw if f.rule < "ML1" or not inventory.is_superseded(f.location)]
    decider = Decider(
        selected,
        severity_overrides(config.severity, config.path or "configuration", extra=policies),
        config.per_file_ignores,
        options.inline_suppressions,
        annotations=annotation_table(inventory.resources),
        root=config.root,
        baseline=baseline,
        rules=policies,
        ran=ran,
        linted={c.display for c in [*found.candidates, *found.context]},
        # named files without their repository as context: cross-file findings are missing
        judge=found.scoped or any(os.path.isdir(p) for p in options.paths),
        require_reason=config.require_suppression_reason,
    )
    contents = {path: source.content for path, source in inventory.sources.items()}
    findings = decider.decide(raw, Texts(contents, SUPPRESSION_MARK))
    if found.scoped:
        findings = [f for f in findings if _touches(f, scope)]
    fail_on = options.fail_on or config.fail_on or Severity.ERROR
    read = [c.fs_path for c in [*found.candidates, *found.context] if c.fs_path]
    result = RunResult(
        findings,
        inventory,
        len(found.candidates),
        selected,
        fail_on,
        found.notes,
        named,
        read,
        discovery=found,
    )
    result.disk = {c.display: c.fs_path for c in found.candidates if c.fs_path}
    result.notes += _render_notes(inventory)
    if options.cache is not None:
        options.cache.flush()  # entries are written while the rules run
    return result


def _render_request(options: Options, found: Discovery) -> RenderRequest | None:
    """What the kustomize engine should build, or None: the static model alone (`never`, no
    engine installed under `auto`, or stdin, which has no folder to build)."""
    from metallb_lint.gitops.render import find_engine

    if options.render == "never" or options.stdin_data is not None:
        return None
    command = find_engine()
    if command is None:
        if options.render == "always":
            raise UsageError(
                "--render always: no kustomize engine on PATH (install kustomize or kubectl, "
                "or use --render auto)"
            )
        return None
    named = frozenset(c.display for c in found.candidates) if found.scoped else None
    return RenderRequest(command, named=named, every_root=options.render == "always")


def _render_notes(inventory: Inventory) -> list[str]:
    builds = inventory.engine_builds
    if builds is None or not (builds.built or builds.failed):
        return []
    notes = [
        f"kustomize built {len(builds.built)} root kustomization(s) offline "
        f"({len(builds.failed)} failed); {sum(map(len, builds.replaced.values()))} object(s) "
        f"judged as rendered in place of {len(builds.replaced)} as written"
    ]
    if builds.left_out:
        shown = ", ".join(builds.left_out[:5])
        more = f" and {len(builds.left_out) - 5} more" if len(builds.left_out) > 5 else ""
        notes.append(f"left out of the builds (remote or Helm, offline): {shown}{more}")
    return notes


def _policies_and_baseline(options: Options, config: Config):
    """User policies (config `policies:` and --policies) and the baseline, loaded before
    anything is linted so that a bad file fails fast (exit 2)."""
    policies = []
    if config.policies or options.policies:
        from metallb_lint.policies import load_user_policies

        policies = load_user_policies([*config.policies, *options.policies])
    if config.unknown_rule_names:
        check_rule_names(config, policies)
    baseline = options.previous
    if options.baseline:
        from metallb_lint.load.discover import display_path

        baseline = Baseline.load(options.baseline, display_path(options.baseline, os.getcwd()))
    return policies, baseline


def _skip_policy_files(found, locations: list[str]) -> None:
    roots = [os.path.abspath(p) for p in locations]

    def policy_file(candidate) -> bool:
        path = os.path.abspath(candidate.fs_path) if candidate.fs_path else ""
        return any(path == root or path.startswith(root + os.sep) for root in roots)

    for candidate in [*found.candidates, *found.context]:
        if policy_file(candidate):
            found.skipped.append((candidate.display, "a user policy file (never linted)"))
    found.candidates = [c for c in found.candidates if not policy_file(c)]
    found.context = [c for c in found.context if not policy_file(c)]


def _touches(finding: Finding, paths: set[str]) -> bool:
    """Whether a finding is located in `paths` or has a related location there (a pool changed
    in a named file, reported at the Service of another file that it no longer covers)."""
    return finding.location.path in paths or any(r.location.path in paths for r in finding.related)


def _read_order(role: str) -> int:
    return 0 if role in ALWAYS_PARSED else 1 if role == "template" else 2


def _load(
    candidates,
    stdin_data: bytes | None,
    config: Config,
    progress: Callable[[str, int, int], None] | None = None,
    cache: FileCache | None = None,
) -> list[SourceFile]:
    load = cache.load if cache is not None else load_file
    chart_dirs = {
        c.display.rsplit("/", 1)[0] if "/" in c.display else ""
        for c in candidates
        if c.display.endswith(("/Chart.yaml", "/Chart.yml")) or c.display in ("Chart.yaml",)
    }
    roles = {c.display: classify(c.display, chart_dirs) for c in candidates}
    forced = {os.path.normpath(p) for p in config.values_files}
    # Chart metadata and kustomizations first, then chart templates: they decide how the
    # rest is read (a chart whose templates hold MetalLB resources needs its values).
    ordered = sorted(candidates, key=lambda c: (_read_order(roles[c.display][0]), c.display))
    sources: list[SourceFile] = []
    metallb_charts: set[str | None] = set()  # umbrella charts whose values are always read
    # ConfigMaps and Secrets the relevance filter passed over: Flux's `substituteFrom` may name
    # them (cluster settings rarely mention MetalLB), so they are read again once that is known
    # (kept as names, not bytes: a monorepo holds thousands, and few runs need any).
    held: list[tuple[Candidate, str, str | None]] = []
    names: set[str] = set()  # the ConfigMaps and Secrets `substituteFrom` names
    for done, candidate in enumerate(ordered):
        if progress is not None:
            progress("reading", done, len(ordered))
        raw = read_candidate(candidate, stdin_data)
        if isinstance(raw, LoadProblem):
            failed = SourceFile(candidate.display, "manifest")
            failed.problems.append(raw)
            sources.append(failed)
            continue
        role, chart_dir = roles[candidate.display]
        force = candidate.display in forced or (role == "values" and chart_dir in metallb_charts)
        source = load(candidate.display, raw, role, chart_dir, force=force)
        if source is None:
            if len(raw) <= _HELD_SIZE and _VARIABLE_HOLDER.search(raw):
                held.append((candidate, role, chart_dir))
            continue
        text = source.text
        if role in ("chart", "requirements") and "metallb" in (text or "").lower():
            metallb_charts.add(chart_dir)
        elif role == "template":
            metallb_charts.add(chart_dir)  # load_file only returns relevant templates
        names |= substitute_from_names(text or "")
        _release(source, candidate, raw)
        sources.append(source)
    if names and held:
        wanted = [
            re.compile(rb"name:\s*['\"]?" + re.escape(n.encode()) + rb"['\"]?\s") for n in names
        ]
        for candidate, role, chart_dir in held:
            raw = read_candidate(candidate, stdin_data)
            if isinstance(raw, LoadProblem):
                continue  # read a moment ago; gone now: nothing to substitute from
            if any(pattern.search(raw) for pattern in wanted):
                source = load(candidate.display, raw, role, chart_dir, force=True)
                if source is not None:
                    _release(source, candidate, raw)
                    sources.append(source)
    return sources


def _release(source: SourceFile, candidate: Candidate, raw: bytes) -> None:
    """Let go of a loaded file's text: whoever needs it later reads it again from the file
    (load/filetext.py). A run holds no more than one file's text at a time so (stdin's is
    kept: there is no file to read it from)."""
    if source.content is not None and candidate.fs_path:
        source.content.keep_on_disk(candidate.fs_path, raw)
        source.content.release()


_HELD_SIZE = 256 * 1024
_VARIABLE_HOLDER = re.compile(rb"kind:\s*['\"]?(?:ConfigMap|Secret)\b")


def check_paths_exist(paths: list[str]) -> None:
    for path in paths:
        if path != "-" and not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")


__all__ = ["Location", "Options", "RunResult", "check_paths_exist", "run"]
