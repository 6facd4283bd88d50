"""`check --show-settings` and `check --show-files`: what a run resolved and what it read,
instead of the findings."""

from __future__ import annotations

import argparse

from metallb_lint.cli.common import cache_dir_for, render_mode, split
from metallb_lint.config import Config
from metallb_lint.engine import RunResult


def _origin(config: Config, key: str, flag: str | None, args: argparse.Namespace) -> str:
    """Where a setting came from: the command line, the configuration file's line, or the
    default."""
    if flag is not None and getattr(args, flag.lstrip("-").replace("-", "_"), None):
        return flag
    if key in config.lines:
        return f"{config.path}:{config.lines[key]}"
    return "default"


def show_settings(args: argparse.Namespace, config: Config, result: RunResult) -> str:
    """The resolved configuration, one setting a line, with where each value came from."""
    target = result.inventory.target
    version_from = "assumed: nothing pins it (ML005)" if target.assumed else target.version_source
    if target.version_location and not target.assumed:
        version_from = f"{target.version_location.path}:{target.version_location.line}"
    discovery = result.discovery
    if args.no_context:
        context = "off (--no-context)"
    elif discovery is not None and discovery.scoped:
        context = ", ".join(discovery.context_roots) + " (only findings touching named paths)"
    else:
        context = "the named paths only"
    rows = [
        ("configuration", config.path or "none", _config_origin(args, config)),
        ("metallb-version", str(target.version), version_from),
        ("mode", target.mode, target.mode_source),
        ("namespace", target.namespace, target.namespace_source),
        (
            "select",
            _list(split(args.select) or config.select) or "(rules on by default)",
            _origin(config, "select", "--select", args),
        ),
        (
            "ignore",
            _list([*([] if args.select else config.ignore), *split(args.ignore)]),
            _origin(config, "ignore", "--ignore", args),
        ),
        ("rules run", f"{len(result.selected)}: {_list(sorted(result.selected))}", "select/ignore"),
        (
            "severity",
            _mapping({k: str(v) for k, v in config.severity.items()}),
            _origin(config, "severity", None, args),
        ),
        ("fail-on", str(result.fail_on), _origin(config, "fail-on", "--fail-on", args)),
        ("exclude", _list(config.exclude), _origin(config, "exclude", None, args)),
        (
            "per-file-ignores",
            _mapping({k: ",".join(v) for k, v in config.per_file_ignores.items()}),
            _origin(config, "per-file-ignores", None, args),
        ),
        (
            "networks",
            _list([r.text for r in config.networks]),
            _origin(config, "networks", None, args),
        ),
        (
            "reserved",
            _list([r.text for r in config.reserved]),
            _origin(config, "reserved", None, args),
        ),
        (
            "policies",
            _list([*config.policies, *(args.policies or [])]),
            _origin(config, "policies", "--policies", args),
        ),
        ("values-files", _list(config.values_files), _origin(config, "values-files", None, args)),
        ("crds", _list(config.crds), _origin(config, "crds", "--crd", args)),
        (
            "require-suppression-reason",
            str(config.require_suppression_reason).lower(),
            _origin(config, "require-suppression-reason", None, args),
        ),
        (
            "inline suppressions",
            "off" if args.no_inline_suppressions else "on",
            "--no-inline-suppressions" if args.no_inline_suppressions else "default",
        ),
        ("baseline", args.baseline or "none", "--baseline" if args.baseline else "default"),
        ("context", context, "--no-context" if args.no_context else "default"),
        ("render", _render_setting(args, config, result), render_mode(args, config)[1]),
        ("cache-dir", *_cache(args, config)),
    ]
    width = max(len(name) for name, _, _ in rows)
    return "".join(
        f"{name:<{width}}  {value or '(none)'}  [{origin}]\n" for name, value, origin in rows
    )


def _render_setting(args: argparse.Namespace, config: Config, result: RunResult) -> str:
    from metallb_lint.gitops.render import find_engine

    mode = render_mode(args, config)[0]
    engine = find_engine()
    if mode == "never":
        return "never (the static model alone)"
    if engine is None:
        return f"{mode}: no kustomize engine on PATH (the static model alone)"
    builds = result.inventory.engine_builds
    built = f"; {len(builds.built)} built, {len(builds.failed)} failed" if builds else ""
    return f"{mode}: {' '.join(engine)}{built}"


def _cache(args: argparse.Namespace, config: Config) -> tuple[str, str]:
    folder, origin = cache_dir_for(args, config)
    return (folder or "off"), origin


def _config_origin(args: argparse.Namespace, config: Config) -> str:
    if args.config:
        return "--config"
    if args.isolated:
        return "--isolated: none read"
    return "found upwards from the first path" if config.path else "no file found upwards"


def _list(values) -> str:
    return ", ".join(str(v) for v in values) if values else ""


def _mapping(values: dict[str, str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in values.items())


def show_files(result: RunResult) -> str:
    """Every file the run read (linted, parsed or passed over as irrelevant; context; read for
    the install only) and every file or folder it skipped, with why."""
    found = result.discovery
    if found is None:
        return ""
    parsed = set(result.inventory.sources)
    lines = []
    for candidate in found.candidates:
        how = "linted" if candidate.display in parsed else "read; mentions nothing relevant"
        lines.append(f"{candidate.display}  [{how}]")
    for candidate in found.context:
        how = "context" if candidate.display in parsed else "context; mentions nothing relevant"
        lines.append(f"{candidate.display}  [{how}]")
    for candidate in [*found.jinja, *found.scripts]:
        lines.append(f"{candidate.display}  [read for the MetalLB install it names only]")
    for location, problem in found.problems:
        lines.append(f"{location.path}  [not read: {problem}]")
    for path, why in found.skipped:
        lines.append(f"{path}  [skipped: {why}]")
    for note in found.notes:
        lines.append(f"note: {note}")
    if found.other_files:
        lines.append(
            f"{found.other_files:,} other file{'s' if found.other_files != 1 else ''} skipped: "
            "not YAML (only *.yaml, *.yml, Chart.lock, Kustomization, shell scripts and Jinja "
            "manifests are read)"
        )
    return "".join(f"{line}\n" for line in lines)
