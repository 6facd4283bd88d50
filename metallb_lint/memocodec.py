"""The run memo's JSON form of what reports need from a run: the decided findings, the target
release, what was judged (`runmemo.py`). Decoding checks every type and builds only these
values; anything else is `BadMemo`, which the caller takes for a miss."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from metallb_lint.findings import Edit, Finding, Fix, Location, Related, ResourceRef, Severity
from metallb_lint.metallb.versions import Version
from metallb_lint.model.coverage import Coverage
from metallb_lint.model.target import Target


class BadMemo(ValueError):
    """A memo whose content is not what this code writes."""


def encode_finding(f: Finding) -> list[Any]:
    return [
        f.rule,
        f.name,
        int(f.severity),
        f.message,
        list(f.location),
        list(f.resource) if f.resource is not None else None,
        [[list(r.location), r.message] for r in f.related],
        f.anchor,
        f.suppressed,
        f.suppression_reason,
        f.extra,
        _encode_fix(f.fix),
    ]


def _encode_fix(fix: Fix | None) -> list[Any] | None:
    if fix is None:
        return None
    return [
        fix.safety,
        fix.message,
        [[list(e.location), e.original, e.replacement] for e in fix.edits],
    ]


def decode_findings(data: object) -> list[Finding]:
    found = []
    for item in _list(data):
        item = _list(item, 12)
        rule, name, severity, message = (_str(item[0]), _str(item[1]), item[2], _str(item[3]))
        if not isinstance(severity, int) or severity not in {int(s) for s in Severity}:
            raise BadMemo("severity")
        resource = None if item[5] is None else ResourceRef(*_optional_strs(item[5], 4))
        related = tuple(
            Related(_location(r[0]), _str(r[1])) for r in (_list(x, 2) for x in _list(item[6]))
        )
        extra = item[10]
        if not isinstance(extra, dict) or type(item[8]) is not bool:
            raise BadMemo("extra")
        reason = item[9]
        if reason is not None and not isinstance(reason, str):
            raise BadMemo("reason")
        found.append(
            Finding(
                rule,
                name,
                Severity(severity),
                message,
                _location(item[4]),
                resource,
                related,
                _str(item[7]),
                item[8],
                reason,
                extra,
                _decode_fix(item[11]),
            )
        )
    return found


def _decode_fix(data: object) -> Fix | None:
    if data is None:
        return None
    safety, message, edits = _list(data, 3)
    return Fix(
        _str(safety),
        _str(message),
        tuple(
            Edit(_location(e[0]), _str(e[1]), _str(e[2]))
            for e in (_list(x, 3) for x in _list(edits))
        ),
    )


def _edit(data: list) -> Edit:
    return Edit(_location(data[0]), _str(data[1]), _str(data[2]))


def encode_target(target: Target) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in fields(Target):
        value = getattr(target, field.name)
        data[field.name] = list(value) if isinstance(value, tuple) else value
    return data


def decode_target(data: object) -> Target:
    if not isinstance(data, dict) or set(data) != {f.name for f in fields(Target)}:
        raise BadMemo("target")
    values = dict(data)
    values["version"] = _version(values["version"])
    values["floor"] = None if values["floor"] is None else _version(values["floor"])
    if values["version_location"] is not None:
        values["version_location"] = _location(values["version_location"])
    for name in ("assumed", "mode_assumed"):
        if type(values[name]) is not bool:
            raise BadMemo(name)
    for name in (
        "version_source",
        "mode",
        "mode_source",
        "namespace",
        "namespace_source",
        "load_balancer_class",
        "assumed_because",
    ):
        _str(values[name])
    return Target(**values)


def encode_coverage(seen: Coverage) -> list[Any]:
    return [
        seen.metallb_objects,
        seen.services,
        [list(x) for x in seen.not_deployed],
        [list(x) for x in seen.unresolved],
    ]


def decode_coverage(data: object) -> Coverage:
    objects, services, not_deployed, unresolved = _list(data, 4)
    if not isinstance(objects, int) or not isinstance(services, int):
        raise BadMemo("coverage")
    return Coverage(
        objects,
        services,
        [(_str(p), _str(w)) for p, w in (_list(x, 2) for x in _list(not_deployed))],
        [(_str(p), _int(n), _str(w)) for p, n, w in (_list(x, 3) for x in _list(unresolved))],
    )


def _list(data: object, size: int | None = None) -> list:
    if not isinstance(data, list) or (size is not None and len(data) != size):
        raise BadMemo("list")
    return data


def _str(data: object) -> str:
    if not isinstance(data, str):
        raise BadMemo("string")
    return data


def _int(data: object) -> int:
    if type(data) is not int:
        raise BadMemo("integer")
    return data


def _optional_strs(data: object, size: int) -> list[str | None]:
    items = _list(data, size)
    if any(x is not None and not isinstance(x, str) for x in items):
        raise BadMemo("strings")
    return items


def _location(data: object) -> Location:
    path, *numbers = _list(data, 5)
    return Location(_str(path), *(_int(n) for n in numbers))


def _version(data: object) -> Version:
    return Version(*(_int(n) for n in _list(data, 3)))
