"""Renderers of the IP allocation map (`metallb-lint ips`): json and markdown here, text in
ips_text.py, and the wording they share.

The JSON document is a contract (README, "IP allocation map and migration"): `version` changes
only when a field is removed or changes meaning; new fields may be added. Integers are exact
(an IPv6 /64 has 18446744073709551616 addresses), addresses are strings, and free space is a list
of compact ranges (a CIDR when the range is one, else `first-last`).

Every format is written as it is made, a pool (or a group of Services) at a time, so a map of
thousands of Services never sits in memory as one string; `limit` caps each list of Services and
says how many it left out. A map of several pools starts with a one-line-per-pool summary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TextIO, TypeVar

from metallb_lint import __version__
from metallb_lint.findings import Location, ResourceRef
from metallb_lint.metallb.addresses import IPRange
from metallb_lint.tools.ipmap import FAMILIES, Choice, Draw, Holding, IPMap, PoolMap

JSON_VERSION = 2  # 2: a Service that may draw from several pools is listed once, in `choices`
BAR_WIDTH = 20
MAX_FREE_RANGES = 6  # in text and markdown; JSON lists them all


# -- shared wording ------------------------------------------------------------------------


def number(n: int) -> str:
    """Counts people can read: 1,024; 2^64 for huge powers of two (IPv6)."""
    if n < 10**7:
        return f"{n:,}"
    if n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    return f"{n:.3g}"


def percent(ratio: float) -> str:
    if 0 < ratio < 0.01:
        return "<1%"
    return f"{ratio:.0%}"


def bar(ratio: float) -> tuple[str, str]:
    filled = min(BAR_WIDTH, round(ratio * BAR_WIDTH))
    if ratio > 0 and filled == 0:
        filled = 1
    return "█" * filled, "░" * (BAR_WIDTH - filled)


def where(location: Location) -> str:
    return f"{location.path}:{location.line}"


def families(pm: PoolMap) -> str:
    return " + ".join(FAMILIES[f] for f in sorted(pm.sizes)) or "none"


def size_text(pm: PoolMap) -> str:
    """`512 addresses`, `512 addresses, 508 usable (avoidBuggyIPs ...)`, or per family for a
    dual-stack pool (`IPv4 512, 508 usable; IPv6 2^64`)."""
    parts = []
    for family in sorted(pm.sizes):
        size, usable = pm.sizes[family], pm.usable.get(family, 0)
        text = number(size)
        if len(pm.sizes) == 1:
            text += f" address{'es' if size != 1 else ''}"
        if usable != size:
            text += f", {number(usable)} usable"
        parts.append(text if len(pm.sizes) == 1 else f"{FAMILIES[family]} {text}")
    text = "; ".join(parts) or "no addresses"
    if pm.pool.avoid_buggy_ips and any(f == 4 for f in pm.sizes):
        text += " (avoidBuggyIPs: no .0/.255)"
    return text


def usage_text(pm: PoolMap) -> str:
    text = f"{number(pm.used)} of {number(pm.total_usable)} ({percent(pm.utilisation)})"
    if pm.overcommitted:
        text += f", {pm.overcommitted} more Service(s) find no address and stay <pending>"
    return text


T = TypeVar("T")


def limited(items: Sequence[T], limit: int | None) -> tuple[Sequence[T], int]:
    """The first `limit` items (all without a limit) and how many are left out."""
    if limit is None or len(items) <= limit:
        return items, 0
    return items[:limit], len(items) - limit


def omitted_text(count: int) -> str:
    return f"… and {count:,} more (--limit)"


def free_text(pm: PoolMap) -> str:
    shown = ", ".join(str(r) for r in pm.free_ranges[:MAX_FREE_RANGES]) or "none"
    more = len(pm.free_ranges) - MAX_FREE_RANGES
    if more > 0:
        shown += f" and {more} more range{'s' if more > 1 else ''}"
    details = f"{number(pm.free)} not requested"
    if pm.draws or pm.may_draw:
        which = "up to" if pm.may_draw else "the lowest"
        details += f"; {which} {len(pm.draws) + pm.may_draw} likely taken automatically"
    return f"{shown} ({details})"


def may_draw_text(pm: PoolMap) -> str:
    n = pm.may_draw
    return (
        f"{n:,} Service{'s' if n != 1 else ''} may take an address here or from another pool "
        "(listed once, under 'Automatic, from one of several pools')"
    )


def choice_title(choice: Choice) -> str:
    return "Automatic, from one of the pools " + ", ".join(f"'{p}'" for p in choice.pools)


def summary_row(pm: PoolMap) -> tuple[str, str, str, str, str, str]:
    """Pool, addresses, in use, held, automatic (certain, then possible), free."""
    addresses = pm.addresses[0] if pm.addresses else "none"
    if len(pm.addresses) > 1:
        addresses += f" (+{len(pm.addresses) - 1})"
    automatic = f"{len(pm.draws):,}" + (f" (+{pm.may_draw:,}?)" if pm.may_draw else "")
    return (
        pm.name,
        addresses,
        f"{number(pm.used)}/{number(pm.total_usable)} {percent(pm.utilisation)}",
        f"{pm.held_addresses:,}",
        automatic,
        number(pm.free),
    )


SUMMARY_HEAD = ("pool", "addresses", "in use", "held", "automatic", "free")


def advertised_text(pm: PoolMap) -> str:
    if not pm.advertisements:
        return "nothing: its addresses are allocated but never announced (ML205)"
    return ", ".join(
        f"{ref.kind} {ref.name}" + ("" if certain else " (?)") for ref, certain in pm.advertisements
    )


def draw_note(draw: Draw) -> str:
    parts = []
    if draw.via != "autoAssign":
        parts.append(f"via {draw.via}")
    if draw.family == 6:
        parts.append("IPv6")
    return "; ".join(parts)


def holding_note(holding: Holding) -> str:
    if holding.refused:
        return f"refused: {holding.refused}"
    if holding.sharing_key:
        return f"shared: {holding.sharing_key}"
    return ""


# -- json ------------------------------------------------------------------------------------


def _resource(ref: ResourceRef) -> dict[str, str | None]:
    return ref.as_dict()


def _holding(holding: Holding) -> dict[str, object]:
    loc = holding.service.location
    return {
        "ip": holding.ip,
        "family": FAMILIES[holding.version],
        "service": holding.service.label,
        "resource": _resource(holding.service.resource),
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "sharing_key": holding.sharing_key,
        "refused": holding.refused,
    }


def _draw(draw: Draw) -> dict[str, object]:
    loc = draw.service.location
    return {
        "service": draw.service.label,
        "resource": _resource(draw.service.resource),
        "path": loc.path,
        "line": loc.line,
        "family": FAMILIES[draw.family],
        "via": draw.via,
    }


def _per_family(table: dict[int, int]) -> dict[str, int]:
    return {FAMILIES[f]: table[f] for f in sorted(table)}


def _listed(
    entry: dict[str, object], key: str, items: Sequence[T], render, limit: int | None
) -> None:
    """`entry[key]`: the rendered items, and with a limit, `omitted` counts what it left out."""
    shown, hidden = limited(items, limit)
    entry[key] = [render(item) for item in shown]
    if limit is not None:
        omitted = entry.setdefault("omitted", {})
        assert isinstance(omitted, dict)
        omitted[key] = hidden


def pool_dict(pm: PoolMap, limit: int | None = None) -> dict[str, object]:
    res = pm.pool.resource
    entry: dict[str, object] = {
        "name": pm.name,
        "namespace": res.effective_namespace,
        "kind": res.kind,
        "path": res.path,
        "line": res.location().line,
        "addresses": pm.addresses,
        "families": [FAMILIES[f] for f in sorted(pm.sizes)],
        "size": _per_family(pm.sizes),
        "usable": _per_family(pm.usable),
        "auto_assign": pm.pool.auto_assign,
        "avoid_buggy_ips": pm.pool.avoid_buggy_ips,
        "advertisements": [
            {**_resource(ref), "certain": certain} for ref, certain in pm.advertisements
        ],
    }
    _listed(entry, "allocations", pm.held, _holding, limit)
    _listed(entry, "automatic", pm.draws, _draw, limit)
    entry.update(
        {
            "may_draw": _per_family(pm.possible),
            "held": pm.held_addresses,
            "used": pm.used,
            "free": pm.free,
            "utilisation": round(pm.utilisation, 4),
            "overcommitted": pm.overcommitted,
            "free_ranges": [str(r) for r in pm.free_ranges],
            "unresolved_addresses": pm.unresolved,
            "invalid_addresses": pm.invalid,
        }
    )
    return entry


def choice_dict(choice: Choice, limit: int | None = None) -> dict[str, object]:
    entry: dict[str, object] = {"pools": list(choice.pools)}
    _listed(entry, "automatic", choice.draws, _draw, limit)
    return entry


def summary_dict(ipmap: IPMap) -> dict[str, int]:
    return {
        "pools": len(ipmap.pools),
        "allocations": sum(len(pm.held) for pm in ipmap.pools),
        "automatic": sum(len(pm.draws) for pm in ipmap.pools),
        "choices": sum(len(c.draws) for c in ipmap.choices),
        "outside": len(ipmap.outside),
    }


def as_dict(ipmap: IPMap, limit: int | None = None) -> dict[str, object]:
    """The whole JSON document at once (write_json streams the same)."""
    return {
        **_head(ipmap),
        "pools": [pool_dict(pm, limit) for pm in ipmap.pools],
        "choices": [choice_dict(c, limit) for c in ipmap.choices],
        **_outside(ipmap, limit),
        "notes": ipmap.notes,
    }


def _head(ipmap: IPMap) -> dict[str, object]:
    target = ipmap.target
    return {
        "version": JSON_VERSION,
        "tool": {"name": "metallb-lint", "version": __version__},
        "target": {
            "metallb_version": str(target.version),
            "mode": target.mode,
            "namespace": target.namespace,
        },
        "summary": summary_dict(ipmap),
    }


def _outside(ipmap: IPMap, limit: int | None) -> dict[str, object]:
    entry: dict[str, object] = {}
    _listed(entry, "outside", ipmap.outside, _holding, limit)
    omitted = entry.pop("omitted", None)
    if omitted is not None:
        entry["outside_omitted"] = omitted["outside"]
    return entry


def _member(key: str, value: object) -> str:
    """`"key": value` as json.dump(indent=2) writes it one level down."""
    text = json.dumps(value, indent=2).replace("\n", "\n  ")
    return f"  {json.dumps(key)}: {text}"


def _array(key: str, items: Iterable[dict[str, object]]) -> Iterable[str]:
    """`"key": [...]` one item at a time, as json.dump(indent=2) writes it one level down."""
    yield f"  {json.dumps(key)}: ["
    first = True
    for item in items:
        yield ("" if first else ",") + "\n    " + json.dumps(item, indent=2).replace("\n", "\n    ")
        first = False
    yield "]" if first else "\n  ]"


def write_json(ipmap: IPMap, stream: TextIO, limit: int | None = None) -> None:
    """The document of `as_dict`, byte for byte, written a pool at a time."""
    stream.write("{\n")
    for key, value in _head(ipmap).items():
        stream.write(_member(key, value) + ",\n")
    for part in _array("pools", (pool_dict(pm, limit) for pm in ipmap.pools)):
        stream.write(part)
    stream.write(",\n")
    for part in _array("choices", (choice_dict(c, limit) for c in ipmap.choices)):
        stream.write(part)
    stream.write(",\n")
    outside = _outside(ipmap, limit)
    for part in _array("outside", outside.pop("outside")):  # type: ignore[arg-type]
        stream.write(part)
    for key, value in outside.items():
        stream.write(",\n" + _member(key, value))
    stream.write(",\n" + _member("notes", ipmap.notes) + "\n}\n")


# -- markdown ----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _free_label(r: IPRange) -> str:
    return str(r) if r.size == 1 else f"{r} ({number(r.size)})"


def _draw_rows(draws: Sequence[Draw], limit: int | None) -> list[str]:
    shown, hidden = limited(draws, limit)
    out = []
    for draw in shown:
        note = draw_note(draw)
        label = draw.service.label + (f" ({note})" if note else "")
        out.append(_row("*automatic*", label, where(draw.service.location)))
    if hidden:
        out.append(_row("…", f"*{omitted_text(hidden)}*", ""))
    return out


def _markdown_pool(pm: PoolMap, limit: int | None) -> list[str]:
    full, empty = bar(pm.utilisation)
    facts = [
        ", ".join(f"`{a}`" for a in pm.addresses) or "no addresses",
        families(pm),
        size_text(pm),
        f"autoAssign: {'true' if pm.pool.auto_assign else 'false'}",
        "announced by "
        + (
            ", ".join(f"{ref.kind} `{ref.name}`" for ref, _ in pm.advertisements)
            if pm.advertisements
            else "nothing (ML205)"
        ),
        f"in use: {usage_text(pm)} `{full}{empty}`",
    ]
    if pm.may_draw:
        facts.append(f"may draw: {may_draw_text(pm)}")
    out = [
        "",
        f"### Pool `{pm.name}`",
        "",
        " · ".join(facts),
        "",
        _row("IP", "Service", "Requested in"),
        "|---|---|---|",
    ]
    rows: list[tuple[tuple[int, int, int], str]] = []
    shown, hidden = limited(pm.held, limit)
    for holding in shown:
        note = holding_note(holding)
        label = holding.service.label + (f" ({note})" if note else "")
        rows.append(
            (
                (holding.version, holding.value, 1),
                _row(holding.ip, label, where(holding.service.location)),
            )
        )
    for r in pm.free_ranges[: MAX_FREE_RANGES * 4]:
        rows.append(((r.version, r.first, 0), _row(_free_label(r), "*free*", "")))
    rows.sort(key=lambda item: item[0])
    out += [row for _, row in rows]
    if hidden:
        out.append(_row("…", f"*{omitted_text(hidden)}*", ""))
    more_free = len(pm.free_ranges) - MAX_FREE_RANGES * 4
    if more_free > 0:
        out.append(_row("…", f"*{more_free} more free ranges*", ""))
    return out + _draw_rows(pm.draws, limit)


def write_markdown(ipmap: IPMap, stream: TextIO, limit: int | None = None) -> None:
    """A summary table (several pools), then one table per pool, per group of pools the
    automatic Services may draw from, and of the requests outside every pool."""
    target = ipmap.target
    out = [
        f"<!-- generated by metallb-lint ips for MetalLB {target.version}; "
        "regenerate instead of editing -->",
    ]
    if len(ipmap.pools) > 1:
        out += ["", _row(*SUMMARY_HEAD), "|---|---|---:|---:|---:|---:|"]
        out += [_row(*summary_row(pm)) for pm in ipmap.pools]
    stream.write("\n".join(out) + "\n")
    for pm in ipmap.pools:
        stream.write("\n".join(_markdown_pool(pm, limit)) + "\n")
    for choice in ipmap.choices:
        out = [
            "",
            f"### {choice_title(choice)}",
            "",
            "MetalLB picks one when the Service is created.",
            "",
        ]
        out += [_row("IP", "Service", "Requested in"), "|---|---|---|"]
        stream.write("\n".join(out + _draw_rows(choice.draws, limit)) + "\n")
    out = []
    if ipmap.outside:
        out += [
            "",
            "### Requested outside every pool",
            "",
            "MetalLB leaves these Services `<pending>` (ML401).",
            "",
            _row("IP", "Service", "Requested in"),
            "|---|---|---|",
        ]
        shown, hidden = limited(ipmap.outside, limit)
        out += [_row(h.ip, h.service.label, where(h.service.location)) for h in shown]
        if hidden:
            out.append(_row("…", f"*{omitted_text(hidden)}*", ""))
    if ipmap.notes:
        out.append("")
        out += [f"- {_cell(note)}" for note in ipmap.notes]
    if out:
        stream.write("\n".join(out) + "\n")


def write_free(addresses: Iterable[str], stream: TextIO) -> None:
    for address in addresses:
        stream.write(address + "\n")
