"""The configuration file: found, loaded with positions, validated, turned into settings.

`.metallb-lint.yaml` (or `.metallb-lint.yml`, or `[tool.metallb-lint]` in `pyproject.toml`,
in that order in each folder) is looked for from the linted path up to the repository root (the
folder holding `.git`). A bad file is a `UsageError` naming `file:line`: the line of the key for
an unknown key, the line of the value for a bad value.

Paths in the file (`exclude`, `per-file-ignores`, `values-files`, `policies`, `crds`,
`cache-dir`) are relative to the folder of the file.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from metallb_lint.catalog import catalog
from metallb_lint.errors import UsageError
from metallb_lint.findings import Location, Severity
from metallb_lint.load.discover import CONFIG_NAMES, display_path
from metallb_lint.load.documents import Chunk, compose_chunk
from metallb_lint.load.filetext import decode
from metallb_lint.metallb.addresses import IPRange, parse_range_or_cidr
from metallb_lint.metallb.schema import TYPE_NAMES, describe, unknown_key, where
from metallb_lint.metallb.versions import UnknownRelease, check_release_spec
from metallb_lint.resources import load_schema
from metallb_lint.safeio import read_bytes


class ConfiguredRange(NamedTuple):
    """An address range of the config's `networks` or `reserved`, as written and where."""

    text: str
    range: IPRange
    location: Location


class RuleName(NamedTuple):
    """A rule named in select/ignore/severity/per-file-ignores that no built-in rule answers
    to, with the error to give if no user policy does either."""

    spec: str
    error: str


@dataclass
class Config:
    """The settings of the configuration file (the defaults when there is none)."""

    path: str | None = None
    root: str | None = None  # the directory `exclude` and `per-file-ignores` are relative to
    metallb_version: str | None = None
    namespace: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    require_suppression_reason: bool = False
    render: str | None = None  # auto, always or never (--render)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    networks: list[ConfiguredRange] = field(default_factory=list)
    reserved: list[ConfiguredRange] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    values_files: list[str] = field(default_factory=list)
    crds: list[str] = field(default_factory=list)  # CRD manifests to check resources against
    cache_dir: str | None = None  # `cache-dir`, absolute
    unknown_rule_names: list[RuleName] = field(default_factory=list)
    release_warning: str | None = None  # `metallb-version` newer than the release table
    lines: dict[str, int] = field(default_factory=dict)  # the line of each key (--show-settings)


def find_config(start: str) -> str | None:
    """The nearest config file from `start` up to the repository root (the folder with .git)."""
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    for current in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            candidate = current / name
            if candidate.is_file():
                return str(candidate)
        pyproject = current / "pyproject.toml"
        if pyproject.is_file() and _pyproject_has_section(pyproject):
            return str(pyproject)
        if (current / ".git").exists():
            return None
    return None


_TOML_SECTION = re.compile(r'^\s*\[\s*tool\s*\.\s*("metallb-lint"|metallb-lint)\s*[\].]', re.M)


def _pyproject_has_section(path: Path) -> bool:
    try:
        text = read_bytes(str(path)).decode("utf-8", "replace")
    except OSError:
        return False
    return _TOML_SECTION.search(text) is not None


def load_config(path: str, display: str | None = None) -> Config:
    """Read, validate and build the configuration; `display` is how messages name the file."""
    display = display or path
    try:
        raw = read_bytes(path)
    except OSError as exc:
        raise UsageError(f"{display}: cannot read configuration: {exc.strerror or exc}") from None
    try:
        text = decode(raw)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UsageError(
            f"{display}:{line}: configuration is not UTF-8 text (byte {exc.start + 1})"
        ) from None
    if path.endswith(".toml"):
        data, locate = _load_toml(text, display)
    else:
        data, locate = _load_yaml(text, display)
    if data is None:
        data = {}
    _validate(data, locate, display)
    return _build(data, locate, path, display)


def _load_yaml(text: str, display: str):
    doc, problems = compose_chunk(display, Chunk(1, text), 0)
    for problem in problems:
        raise UsageError(f"{display}:{problem.location.line}: {problem.message}")
    if doc is None:
        return {}, lambda path, key=False: 1

    def locate(path: tuple, key: bool = False) -> int:
        # A list item has no key: its own line is the one to show.
        key = key and bool(path) and isinstance(path[-1], str)
        return doc.location(path, key=key).line

    return doc.data, locate


def _load_toml(text: str, display: str):
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        whole = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\s*\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else getattr(exc, "lineno", 1)
        if found:
            message = message[: found.start()] + message[found.end() :]
        raise UsageError(f"{display}:{line}: not valid TOML: {message}") from None
    tool = whole.get("tool", {})
    data = tool.get("metallb-lint", {}) if isinstance(tool, dict) else {}
    lines = text.split("\n")
    match = _TOML_SECTION.search(text)
    section = text.count("\n", 0, match.start()) + 1 if match else 1

    def find(part: str, start: int) -> int | None:
        quoted = re.escape(part)
        assignment = re.compile(rf"""^\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*=""")
        table = re.compile(rf"""^\s*\[[^\]]*\.\s*(?:{quoted}|"{quoted}")\s*\]""")
        for number in range(start, len(lines) + 1):
            line = lines[number - 1]
            if assignment.match(line) or table.match(line):
                return number
        return None

    def locate(path: tuple, key: bool = False) -> int:
        line = section
        for part in path:
            if not isinstance(part, str):
                break
            found = find(part, line)
            if found is None:
                break
            line = found
        return line

    return data, locate


_EXAMPLES = {
    "metallb-version": "a MetalLB release like 0.14.8 or a range like 0.14.x or '>=0.14.0,<0.15'",
    "namespace": "a Kubernetes namespace name (lowercase letters, digits and '-')",
    "select": "a list of rules, e.g. [ML4, ML201]",
    "ignore": "a list of rules, e.g. [ML406]",
    "severity": "a mapping of rule to severity, e.g. {ML406: warning}",
    "fail-on": "error, warning or info",
    "require-suppression-reason": "true or false",
    "render": "auto, always or never",
    "exclude": "a list of gitignore-style patterns, e.g. ['vendor/**']",
    "per-file-ignores": "a mapping of pattern to rules, e.g. {'legacy/*.yaml': [ML401]}",
    "networks": "a list of CIDRs or a-b ranges, e.g. [192.168.1.0/24]",
    "reserved": "a list of CIDRs or a-b ranges, e.g. [192.168.1.1/32]",
    "policies": "a list of directories",
    "values-files": "a list of values files",
    "crds": "a list of CustomResourceDefinition manifest files",
    "cache-dir": "a directory, e.g. .cache/metallb-lint",
}


def _where(path: tuple) -> str:
    return where(path) or "the configuration"


def _message(error) -> tuple[tuple, bool, str]:
    """(path to point at, whether at the key, message) for a schema error."""
    path = tuple(error.absolute_path)
    where = _where(path)
    top = path[0] if path else None
    expected = _EXAMPLES.get(top) if len(path) == 1 else None
    if error.validator == "additionalProperties" and (unknown := unknown_key(error)):
        key, message = unknown
        return (*path, key), True, message
    if error.validator == "type":
        wanted = error.validator_value
        wanted = wanted if isinstance(wanted, str) else wanted[0]
        if path == ():
            return (
                path,
                False,
                f"the file must be a mapping of keys, not {describe(error.instance)}",
            )
        return (
            path,
            False,
            f"{where} must be {expected or TYPE_NAMES.get(wanted, wanted)}, "
            f"not {describe(error.instance)}",
        )
    if error.validator == "enum":
        if error.validator_value == ["error", "warning", "info"]:
            return (
                path,
                False,
                f"{where}: {describe(error.instance)} is not a severity (error, warning or info)",
            )
        return path, False, f"{where}: {error.message}"
    if error.validator == "pattern" and expected:
        return path, False, f"{where}: {describe(error.instance)} is not {expected}"
    if error.validator == "minLength":
        return path, False, f"{where} must not be empty"
    if error.validator == "maxLength":
        return path, False, f"{where} is longer than {error.validator_value} characters"
    return path, False, f"{where}: {error.message}"


def _validate(data: object, locate, display: str) -> None:
    import jsonschema  # imported here: a run without a config file never pays for it

    validator = jsonschema.Draft202012Validator(load_schema("config.json"))
    messages = [_message(error) for error in validator.iter_errors(data)]
    if not messages:
        return
    path, key, message = min(messages, key=lambda m: (locate(m[0], m[1]), list(map(str, m[0]))))
    raise UsageError(f"{display}:{locate(path, key)}: invalid configuration: {message}")


def _check_rules(specs: list[tuple[str, tuple, bool]], locate, display: str) -> list[RuleName]:
    """The select/ignore/severity names that name no built-in rule, in order. Without user
    policies the first of them is an error now; with them, `check_rule_names` judges them once
    the policies are loaded (their IDs are names too)."""
    from metallb_lint.decide import matches_rule

    unknown = []
    for spec, path, key in specs:
        if not any(matches_rule(spec, info) for info in catalog().values()):
            unknown.append(
                RuleName(
                    spec,
                    f"{display}:{locate(path, key)}: invalid configuration: {_where(path[:1])}: "
                    f"'{spec}' names no rule (use an ID like ML401, a name like "
                    "ip-not-in-any-pool, or a prefix like ML4; see 'metallb-lint rules')",
                )
            )
    return unknown


def check_rule_names(config: Config, policies: list) -> None:
    """Fails on the first configured rule name that neither a built-in rule nor a user policy
    (loaded from the configured `policies`) answers to."""
    from metallb_lint.decide import matches_rule

    for name in config.unknown_rule_names:
        if not any(matches_rule(name.spec, info) for info in policies):
            raise UsageError(name.error)


def _policy_dirs(data: dict, folder: Path, locate, display: str) -> list[str]:
    dirs = []
    for index, text in enumerate(data.get("policies", [])):
        if not (folder / text).exists():
            raise UsageError(
                f"{display}:{locate(('policies', index))}: invalid configuration: "
                f"policies[{index}]: '{text}' is not a directory (relative to {display})"
            )
        dirs.append(str(folder / text))
    return dirs


def _build(data: dict, locate, path: str, display: str) -> Config:
    folder = Path(path).resolve().parent
    config = Config(path=display, root=str(folder))
    config.lines = {key: locate((key,), True) for key in data}
    specs: list[tuple[str, tuple, bool]] = []
    for key in ("select", "ignore"):
        specs += [(s, (key, i), False) for i, s in enumerate(data.get(key, []))]
    specs += [(s, ("severity", s), True) for s in data.get("severity", {})]
    for glob, rules in data.get("per-file-ignores", {}).items():
        specs += [(s, ("per-file-ignores", glob, i), False) for i, s in enumerate(rules)]
    config.policies = _policy_dirs(data, folder, locate, display)
    config.unknown_rule_names = _check_rules(specs, locate, display)
    if config.unknown_rule_names and not config.policies:
        raise UsageError(config.unknown_rule_names[0].error)
    config.metallb_version = data.get("metallb-version")
    if config.metallb_version is not None:
        try:
            _, warning = check_release_spec(config.metallb_version)
        except UnknownRelease as exc:
            line = locate(("metallb-version",))
            raise UsageError(f"{display}:{line}: metallb-version: {exc}") from None
        if warning:
            config.release_warning = f"{display}: metallb-version: {warning}"
    config.namespace = data.get("namespace")
    config.select = list(data.get("select", []))
    config.ignore = list(data.get("ignore", []))
    config.severity = {k: Severity.parse(v) for k, v in data.get("severity", {}).items()}
    if "fail-on" in data:
        config.fail_on = Severity.parse(data["fail-on"])
    config.require_suppression_reason = data.get("require-suppression-reason", False)
    config.render = data.get("render")
    config.exclude = list(data.get("exclude", []))
    config.per_file_ignores = {k: list(v) for k, v in data.get("per-file-ignores", {}).items()}
    # Findings name files relative to the current directory: so do these, once resolved.
    cwd = os.getcwd()
    config.values_files = [display_path(str(folder / p), cwd) for p in data.get("values-files", [])]
    config.crds = [display_path(str(folder / p), cwd) for p in data.get("crds", [])]
    if "cache-dir" in data:
        config.cache_dir = str(folder / os.path.expanduser(data["cache-dir"]))
    for key, target in (("networks", config.networks), ("reserved", config.reserved)):
        for index, text in enumerate(data.get(key, [])):
            parsed = parse_range_or_cidr(text)
            line = locate((key, index))
            if parsed is None:
                raise UsageError(
                    f"{display}:{line}: invalid configuration: {key}[{index}]: '{text}' is not "
                    "a CIDR (192.168.1.0/24), an 'a-b' range or an IP address"
                )
            target.append(ConfiguredRange(text, parsed, Location(display, line)))
    return config
