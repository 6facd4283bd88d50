"""Renderers of the IP allocation map (`metallb-lint ips`): text (rich), json, markdown.

The JSON document is a contract (README, "IP allocation map and migration"): `version` changes
only when a field is removed or changes meaning; new fields may be added. Integers are exact
(an IPv6 /64 has 18446744073709551616 addresses), addresses are strings, and free space is a list
of compact ranges (a CIDR when the range is one, else `first-last`).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from typing import TextIO

from metallb_lint import __version__
from metallb_lint.findings import Location, ResourceRef
from metallb_lint.metallb.addresses import IPRange
from metallb_lint.tools.ipmap import FAMILIES, Draw, Holding, IPMap, PoolMap

JSON_VERSION = 1
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


def free_text(pm: PoolMap) -> str:
    shown = ", ".join(str(r) for r in pm.free_ranges[:MAX_FREE_RANGES]) or "none"
    more = len(pm.free_ranges) - MAX_FREE_RANGES
    if more > 0:
        shown += f" and {more} more range{'s' if more > 1 else ''}"
    details = f"{number(pm.free)} not requested"
    if pm.draws:
        which = "the lowest" if all(d.certain for d in pm.draws) else "up to"
        details += f"; {which} {len(pm.draws)} likely taken automatically"
    return f"{shown} ({details})"


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
    if not draw.certain:
        parts.append("or from " + ", ".join(f"'{p}'" for p in draw.others))
    return "; ".join(parts)


def holding_note(holding: Holding) -> str:
    if holding.refused:
        return f"refused: {holding.refused}"
    if holding.sharing_key:
        return f"shared: {holding.sharing_key}"
    return ""


# -- text ------------------------------------------------------------------------------------


def write_text(ipmap: IPMap, stream: TextIO, *, color: bool, width: int | None = None) -> None:
    """One block per pool: its facts, a usage bar, then a table of the addresses Services
    hold (and the Services that take one automatically), each with where it is requested."""
    from rich import box
    from rich.console import Console, Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or _terminal_width(stream),
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    target = ipmap.target
    console.print(
        Text.assemble(
            ("IP allocation map", "bold"),
            f" for MetalLB {target.version}, {target.mode} mode, namespace {target.namespace}",
        )
    )

    def table() -> Table:
        rows = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        rows.add_column("IP", no_wrap=True)
        rows.add_column("Service, and where it asks", overflow="fold")
        return rows

    def cell(label: str, location: Location, note: str = "", bad: bool = False) -> Text:
        text = Text(label)
        if note:
            text.append(f"  ({note})", style="red" if bad else "yellow")
        text.append("\n" + where(location), style="dim")
        return text

    def indented(*parts) -> Padding:
        return Padding(Group(*parts), (0, 0, 0, 2), expand=False)

    for pm in ipmap.pools:
        res = pm.pool.resource
        ns = f"{res.effective_namespace}/" if res.effective_namespace else ""
        console.print()
        console.print(
            Text.assemble(
                ("Pool ", "bold"), (pm.name, "bold cyan"), (f"  {res.kind} {ns}{pm.name}", "dim")
            )
        )
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column(overflow="fold")
        facts.add_row("defined in", where(res.location()))
        facts.add_row("addresses", ", ".join(pm.addresses) or "none")
        facts.add_row("family", families(pm))
        facts.add_row("size", size_text(pm))
        facts.add_row("autoAssign", "true" if pm.pool.auto_assign else "false")
        facts.add_row(
            "announced by", Text(advertised_text(pm), style="" if pm.advertisements else "yellow")
        )
        full, empty = bar(pm.utilisation)
        level = "green"
        if pm.overcommitted or pm.utilisation >= 1:
            level = "red"
        elif pm.utilisation >= 0.8:
            level = "yellow"
        facts.add_row("usage", Text.assemble((full, level), (empty, "dim"), " ", usage_text(pm)))
        facts.add_row("free", free_text(pm))
        for label, values in (("unresolved", pm.unresolved), ("invalid", pm.invalid)):
            if values:
                facts.add_row(label, Text(", ".join(values), style="yellow"))
        parts: list = [facts]
        if pm.held or pm.draws:
            rows = table()
            for holding in pm.held:
                rows.add_row(
                    holding.ip,
                    cell(
                        holding.service.label,
                        holding.service.location,
                        holding_note(holding),
                        bad=holding.refused is not None,
                    ),
                )
            for draw in pm.draws:
                rows.add_row(
                    Text("automatic", style="italic"),
                    cell(draw.service.label, draw.service.location, draw_note(draw)),
                )
            parts += [Text(), rows]
        console.print(indented(*parts))

    if ipmap.outside:
        console.print()
        console.print(
            Text.assemble(
                ("Requested outside every pool", "bold red"),
                (" (MetalLB leaves these Services <pending>, ML401)", "dim"),
            )
        )
        rows = table()
        for holding in ipmap.outside:
            rows.add_row(holding.ip, cell(holding.service.label, holding.service.location))
        console.print(indented(rows))
    if ipmap.notes:
        console.print()
        for note in ipmap.notes:
            console.print(Text(f"note: {note}", style="dim"))
    # rich pads every line to the width of its block: no trailing blanks in files or diffs.
    stream.write("\n".join(line.rstrip(" ") for line in buffer.getvalue().split("\n")))


def _terminal_width(stream: TextIO) -> int | None:
    """The terminal's width when writing to one (else rich's default: COLUMNS or 80)."""
    if os.environ.get("COLUMNS") or not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None


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
        "certain": draw.certain,
        "other_pools": list(draw.others),
    }


def _per_family(table: dict[int, int]) -> dict[str, int]:
    return {FAMILIES[f]: table[f] for f in sorted(table)}


def as_dict(ipmap: IPMap) -> dict[str, object]:
    target = ipmap.target
    pools = []
    for pm in ipmap.pools:
        res = pm.pool.resource
        pools.append(
            {
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
                "allocations": [_holding(h) for h in pm.held],
                "automatic": [_draw(d) for d in pm.draws],
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
    return {
        "version": JSON_VERSION,
        "tool": {"name": "metallb-lint", "version": __version__},
        "target": {
            "metallb_version": str(target.version),
            "mode": target.mode,
            "namespace": target.namespace,
        },
        "pools": pools,
        "outside": [_holding(h) for h in ipmap.outside],
        "notes": ipmap.notes,
    }


def write_json(ipmap: IPMap, stream: TextIO) -> None:
    json.dump(as_dict(ipmap), stream, indent=2)
    stream.write("\n")


# -- markdown ----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _free_label(r: IPRange) -> str:
    return str(r) if r.size == 1 else f"{r} ({number(r.size)})"


def write_markdown(ipmap: IPMap, stream: TextIO) -> None:
    target = ipmap.target
    out = [
        f"<!-- generated by metallb-lint ips for MetalLB {target.version}; "
        "regenerate instead of editing -->",
    ]
    for pm in ipmap.pools:
        full, empty = bar(pm.utilisation)
        out += [
            "",
            f"### Pool `{pm.name}`",
            "",
            " · ".join(
                [
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
            ),
            "",
            _row("IP", "Service", "Requested in"),
            "|---|---|---|",
        ]
        rows: list[tuple[tuple[int, int, int], str]] = []
        for holding in pm.held:
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
        hidden = len(pm.free_ranges) - MAX_FREE_RANGES * 4
        if hidden > 0:
            out.append(_row("…", f"*{hidden} more free ranges*", ""))
        for draw in pm.draws:
            note = draw_note(draw)
            label = draw.service.label + (f" ({note})" if note else "")
            out.append(_row("*automatic*", label, where(draw.service.location)))
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
        out += [_row(h.ip, h.service.label, where(h.service.location)) for h in ipmap.outside]
    if ipmap.notes:
        out.append("")
        out += [f"- {_cell(note)}" for note in ipmap.notes]
    stream.write("\n".join(out) + "\n")


def write_free(addresses: Iterable[str], stream: TextIO) -> None:
    for address in addresses:
        stream.write(address + "\n")
