"""The configuration file: found, loaded with positions, validated, turned into settings.

`.metallb-lint.yaml` (or `.metallb-lint.yml`) is looked for from the linted path up to the
repository root, then `[tool.metallb-lint]` in `pyproject.toml` on the same walk. A bad file
is a `UsageError` naming `file:line`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from metallb_lint.addresses import IPRange, parse_range_or_cidr
from metallb_lint.errors import UsageError
from metallb_lint.findings import Location, Severity
from metallb_lint.load import Chunk, compose_chunk, decode
from metallb_lint.resources import load_schema

CONFIG_NAMES = (".metallb-lint.yaml", ".metallb-lint.yml")


@dataclass(frozen=True)
class ConfiguredRange:
    text: str
    range: IPRange
    location: Location


@dataclass
class Config:
    path: str | None = None
    root: str | None = None  # the directory `exclude` and `per-file-ignores` are relative to
    metallb_version: str | None = None
    namespace: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    networks: list[ConfiguredRange] = field(default_factory=list)
    reserved: list[ConfiguredRange] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    values_files: list[str] = field(default_factory=list)


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


def _pyproject_has_section(path: Path) -> bool:
    try:
        return "[tool.metallb-lint]" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def load_config(path: str, display: str | None = None) -> Config:
    display = display or path
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{display}: cannot read configuration: {exc.strerror}") from None
    if path.endswith(".toml"):
        data, locate = _load_toml(raw, display)
    else:
        data, locate = _load_yaml(raw, display)
    if data is None:
        data = {}
    _validate(data, locate, display)
    return _build(data, locate, path)


def _load_yaml(raw: bytes, display: str):
    try:
        text = decode(raw)
    except UnicodeDecodeError:
        raise UsageError(f"{display}:1: configuration is not UTF-8 text") from None
    doc, problems = compose_chunk(display, Chunk(1, text), 0)
    for problem in problems:
        loc = problem.location
        raise UsageError(f"{display}:{loc.line}: {problem.message}")
    if doc is None:
        return {}, lambda path: 1

    def locate(path: tuple) -> int:
        return doc.location(path, key=bool(path)).line

    return doc.data, locate


def _load_toml(raw: bytes, display: str):
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    text = raw.decode("utf-8", errors="replace")
    try:
        whole = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{display}: invalid TOML: {exc}") from None
    data = whole.get("tool", {}).get("metallb-lint", {})
    lines = text.splitlines()
    section = next((i for i, s in enumerate(lines, 1) if s.strip() == "[tool.metallb-lint]"), 1)

    def locate(path: tuple) -> int:
        if path and isinstance(path[0], str):
            for number in range(section, len(lines) + 1):
                stripped = lines[number - 1].lstrip()
                if stripped.startswith((f"{path[0]} ", f"{path[0]}=", f'"{path[0]}"')):
                    return number
        return section

    return data, locate


def _validate(data: object, locate, display: str) -> None:
    import jsonschema  # imported here: a run without a config file never pays for it

    validator = jsonschema.Draft202012Validator(load_schema("config.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    error = errors[0]
    path = tuple(error.absolute_path)
    where = ".".join(str(p) for p in path) or "top level"
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join(sorted(error.schema.get("properties", {})))
        if unknown:
            path = (*path, unknown[0])
            message = f"unknown key '{unknown[0]}' (known keys: {known})"
        else:
            message = error.message
    else:
        message = f"{where}: {error.message}"
    raise UsageError(f"{display}:{locate(path)}: invalid configuration: {message}")


def _build(data: dict, locate, path: str) -> Config:
    display = path
    config = Config(path=path, root=str(Path(path).resolve().parent))
    config.metallb_version = data.get("metallb-version")
    config.namespace = data.get("namespace")
    config.select = list(data.get("select", []))
    config.ignore = list(data.get("ignore", []))
    config.severity = {k: Severity.parse(v) for k, v in data.get("severity", {}).items()}
    if "fail-on" in data:
        config.fail_on = Severity.parse(data["fail-on"])
    config.exclude = list(data.get("exclude", []))
    config.per_file_ignores = {k: list(v) for k, v in data.get("per-file-ignores", {}).items()}
    config.policies = list(data.get("policies", []))
    config.values_files = list(data.get("values-files", []))
    for key, target in (("networks", config.networks), ("reserved", config.reserved)):
        for index, text in enumerate(data.get(key, [])):
            parsed = parse_range_or_cidr(text)
            line = locate((key, index))
            if parsed is None:
                raise UsageError(
                    f"{display}:{line}: invalid configuration: {key}[{index}] '{text}' is not a "
                    "CIDR, an 'a-b' range or an IP address"
                )
            target.append(ConfiguredRange(text, parsed, Location(display, line)))
    return config
