"""The pipeline: discover -> load -> inventory -> check -> decide (reporting is the caller's)."""

from __future__ import annotations

import os
import re
import time
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
from metallb_lint.inputlog import InputLog, current_status, recording
from metallb_lint.load.blockyaml import forget_lines
from metallb_lint.load.discover import Candidate, Discovery, discover
from metallb_lint.load.documents import LoadProblem
from metallb_lint.load.filetext import SUPPRESSION_MARK, Texts
from metallb_lint.load.ignore import IgnoreRules
from metallb_lint.load.parallel import Hooks, Job, load_all, load_one, release, workers_for
from metallb_lint.load.sharing import forget as forget_shared
from metallb_lint.load.sources import (
    ALWAYS_PARSED,
    SourceFile,
    classify,
    disk_text,
    load_file,
    read_candidate,
)
from metallb_lint.memocodec import (
    BadMemo,
    decode_coverage,
    decode_findings,
    decode_target,
    encode_coverage,
    encode_finding,
    encode_target,
)
from metallb_lint.model.coverage import Coverage, coverage
from metallb_lint.model.inventory import Inventory, build_inventory
from metallb_lint.model.rendering import Request as RenderRequest
from metallb_lint.model.target import Target
from metallb_lint.runmemo import RunMemo, listing_digest

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
    # Replay the result of an earlier identical run over unchanged files (runmemo.py): for
    # callers that need only what reports show (not fixes, `ips` or `migrate`).
    memo: bool = False
    # Work out the fixes of findings: only JSON and SARIF reports, --fix and --diff show them
    # (ML406 works one out per Service it names: a sixth of a large run's time).
    fixes: bool = True
    # Run the rules: `ips` and `migrate` need only the inventory, not findings.
    rules: bool = True


@dataclass
class RunResult:
    """The outcome of a run: the decided findings, the inventory, and what reports need. A run
    replayed from its memo (runmemo.py) has no inventory: reports read `target`, `coverage`
    and `text_of`, which both kinds of result have."""

    findings: list[Finding]
    inventory: Inventory | None
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
    target: Target | None = None  # the release, mode and namespace checked against
    coverage: Coverage | None = None  # what was judged, and what could not be
    resource_count: int = 0  # the resources read (a replayed run has no inventory to count)

    def __post_init__(self) -> None:
        if self.inventory is not None:
            self.set_inventory(self.inventory)

    def set_inventory(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.target = inventory.target
        self.coverage = coverage(inventory)

    @property
    def resources(self) -> int:
        return len(self.inventory.resources) if self.inventory is not None else self.resource_count

    def text_of(self, path: str) -> str | None:
        """The text of the file findings name `path`, for reports that quote its lines."""
        if self.inventory is not None:
            source = self.inventory.sources.get(path)
            return source.text if source is not None else None
        disk = self.disk.get(path) or self._context_disk().get(path)
        return disk_text(disk) if disk else None

    def _context_disk(self) -> dict[str, str]:
        found = self.discovery
        return {c.display: c.fs_path for c in found.context} if found is not None else {}


def run(options: Options, config: Config) -> RunResult:
    started = time.time_ns()
    if not _may_replay(options):  # nothing to note the inputs for (a large tree's paths)
        return _run(options, config, InputLog(), started)
    with recording() as log:
        return _run(options, config, log, started)


def _run(options: Options, config: Config, log: InputLog, started: int) -> RunResult:
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
    memo = _memo_of(options, config)
    listing = _listing(found) if memo is not None else ""  # (a large tree's paths, hashed)
    if memo is not None:
        replayed = _replay(memo.lookup(listing), options, config, found)
        if replayed is not None:
            return replayed
    sources = _load(
        [*found.candidates, *found.context],
        options.stdin_data,
        config,
        options.progress,
        options.cache,
    )
    forget_lines()  # the block reader's memo of lines served the loading
    forget_shared()  # (the collections stay shared; the table of them is not needed now)
    if options.cache is not None:
        options.cache.loaded()
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
    fix_wanted = reported if options.fixes else _no_fix
    raw = list(run_rules(context, ran, fix_wanted)) if options.rules else []
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
    render_notes = _render_notes(inventory)
    result = _result(findings, selected, render_notes, options, config, found)
    result.set_inventory(inventory)
    if options.cache is not None:
        options.cache.flush()  # entries are written while the rules run
    if memo is not None and _quotable(result):
        encoded = (encode_finding(f) for f in result.findings)
        memo.store(listing, log, started, _memo_entry(result, render_notes), encoded)
    return result


def _no_fix(finding: Finding) -> bool:
    return False


def _result(
    findings: list[Finding],
    selected: set[str],
    render_notes: list[str],
    options: Options,
    config: Config,
    found: Discovery,
) -> RunResult:
    fail_on = options.fail_on or config.fail_on or Severity.ERROR
    read = [c.fs_path for c in [*found.candidates, *found.context] if c.fs_path]
    result = RunResult(
        findings,
        None,
        len(found.candidates),
        selected,
        fail_on,
        [*found.notes, *render_notes],
        [c.display for c in found.candidates],
        read,
        discovery=found,
    )
    result.disk = {c.display: c.fs_path for c in found.candidates if c.fs_path}
    return result


# -- the run memo (runmemo.py) ----------------------------------------------------------------


def _memo_of(options: Options, config: Config) -> RunMemo | None:
    """The memo of this invocation, or None when the run cannot be replayed: no cache, stdin
    (no file to compare), a run against an earlier revision, or a caller that needs the
    inventory (fixes, `ips`, `migrate`, --show-files)."""
    if not _may_replay(options):
        return None
    engine: object = None
    if options.render != "never":
        from metallb_lint.gitops.render import find_engine

        command = find_engine()
        engine = [command, current_status(command[0])] if command else None
    invocation = [
        os.getcwd(),
        options.paths,
        options.select,
        options.ignore,
        options.fail_on,
        options.metallb_version,
        options.stdin_filename,
        options.inline_suppressions,
        options.context,
        options.policies,
        options.baseline,
        options.render,
        options.fixes,
        options.rules,
        engine,
        repr(config),
    ]
    return RunMemo(options.cache.folder, invocation)


def _may_replay(options: Options) -> bool:
    return (
        options.memo
        and options.cache is not None
        and options.stdin_data is None
        and options.previous is None
    )


def _listing(found: Discovery) -> str:
    files = [
        [[c.fs_path, c.display, c.explicit] for c in group]
        for group in (found.candidates, found.context, found.jinja, found.scripts)
    ]
    problems = [[list(location), message] for location, message in found.problems]
    return listing_digest([files, problems, found.scoped, found.context_roots])


def _memo_entry(result: RunResult, render_notes: list[str]) -> dict:
    assert result.target is not None and result.coverage is not None
    return {
        "selected": sorted(result.selected),
        "notes": render_notes,
        "target": encode_target(result.target),
        "coverage": encode_coverage(result.coverage),
        "resources": result.resources,
    }


def _quotable(result: RunResult) -> bool:
    """Whether a replay would quote the same lines. A loaded file's text is `source_text` of
    its bytes, which the memo's statuses vouch for, so a replay reads the same text from disk
    (`disk_text`); a file the run has no text of (binary, not UTF-8, never loaded) must have
    none on disk either, or the replay would quote lines the run did not."""
    paths = {f.location.path for f in result.findings}
    paths |= {r.location.path for f in result.findings for r in f.related}
    assert result.inventory is not None
    disk = {**result._context_disk(), **result.disk}
    for path in paths:
        source = result.inventory.sources.get(path)
        if source is not None and source.content is not None:
            continue
        if path in disk and disk_text(disk[path]) is not None:
            return False
    return True


def _replay(
    stored: dict | None, options: Options, config: Config, found: Discovery
) -> RunResult | None:
    """The result a memo kept, for the files discovery found now; None when it holds
    anything this code does not write (a miss: the run is made in full)."""
    if stored is None:
        return None
    try:
        findings = decode_findings(stored.get("findings"))
        target = decode_target(stored.get("target"))
        seen = decode_coverage(stored.get("coverage"))
        selected, notes, count = (
            stored.get("selected"),
            stored.get("notes"),
            stored.get("resources"),
        )
        if not isinstance(selected, list) or not all(isinstance(x, str) for x in selected):
            raise BadMemo("selected")
        if not isinstance(notes, list) or not all(isinstance(x, str) for x in notes):
            raise BadMemo("notes")
        if type(count) is not int:
            raise BadMemo("resources")
    except (BadMemo, TypeError, ValueError):
        return None
    result = _result(findings, set(selected), notes, options, config, found)
    result.target = target
    result.coverage = seen
    result.resource_count = count
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
    deciding = [c for c in ordered if _read_order(roles[c.display][0]) < 2]
    hooks = Hooks(_may_hold_variables, substitute_from_names)
    for done, candidate in enumerate(deciding):
        if progress is not None:
            progress("reading", done, len(ordered))
        role, chart_dir = roles[candidate.display]
        job = Job(candidate, role, chart_dir, candidate.display in forced)
        loaded = load_one(job, cache, hooks, stdin_data)
        source = loaded.result
        if isinstance(source, LoadProblem):
            sources.append(_unreadable(candidate, source))
            continue
        if not isinstance(source, SourceFile):
            if loaded.holder:
                held.append((candidate, role, chart_dir))
            continue
        mentions = source.content is not None and source.content.mentions("metallb", any_case=True)
        if role in ("chart", "requirements") and mentions:
            metallb_charts.add(chart_dir)
        elif role == "template":
            metallb_charts.add(chart_dir)  # load_file only returns relevant templates
        names |= loaded.names
        sources.append(source)
    # The rest (manifests, values) is read the same way whatever the order: in worker
    # processes on a large tree (load/parallel.py), each file's result in the files' order.
    jobs = []
    for candidate in ordered[len(deciding) :]:
        role, chart_dir = roles[candidate.display]
        force = candidate.display in forced or (role == "values" and chart_dir in metallb_charts)
        jobs.append(Job(candidate, role, chart_dir, force))
    loading = load_all(jobs, cache, hooks, workers_for(jobs), stdin_data)
    for done, loaded in enumerate(loading):
        if progress is not None:
            progress("reading", len(deciding) + done, len(ordered))
        if isinstance(loaded.result, LoadProblem):
            sources.append(_unreadable(loaded.job.candidate, loaded.result))
        elif loaded.result is not None:
            names |= loaded.names
            sources.append(loaded.result)
        elif loaded.holder:
            held.append((loaded.job.candidate, loaded.job.role, loaded.job.chart_dir))
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
                    release(source, candidate, raw)
                    sources.append(source)
    return sources


def _unreadable(candidate: Candidate, problem: LoadProblem) -> SourceFile:
    failed = SourceFile(candidate.display, "manifest")
    failed.problems.append(problem)
    return failed


def _may_hold_variables(raw: bytes) -> bool:
    """A ConfigMap or Secret small enough to be read again if Flux's `substituteFrom` names it."""
    return len(raw) <= _HELD_SIZE and _VARIABLE_HOLDER.search(raw) is not None


_HELD_SIZE = 256 * 1024
_VARIABLE_HOLDER = re.compile(rb"kind:\s*['\"]?(?:ConfigMap|Secret)\b")


def check_paths_exist(paths: list[str]) -> None:
    for path in paths:
        if path != "-" and not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")


__all__ = ["Location", "Options", "RunResult", "check_paths_exist", "run"]
