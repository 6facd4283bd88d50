"""ML109: a legacy ConfigMap configuration that MetalLB 0.12 would reject (facts §6).

The configurations themselves (a ConfigMap's `data.config`, a bare file fed to a kustomize
`configMapGenerator`, the chart's `configInline`) are found and strictly read by
metallb_lint.model.legacy, which records unknown keys and wrong types as MetalLB's
`yaml.UnmarshalStrict` rejects them. This module adds what `config.Parse` then checks
(`v0.12.1:internal/config/config.go`, `validate.go`): ASNs, addresses, timers, protocols,
advertisements, communities, overlaps, duplicates, BFD ranges and the rules of the BGP mode.
MetalLB stops at the first problem and keeps its last good configuration; every problem is
reported here, each where it is written.

Only a target release that reads the ConfigMap (0.12 and older) gets ML109; from 0.13 on the
whole configuration is dead, which ML105 says once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from metallb_lint.checks.common import cached
from metallb_lint.checks.context import Context, rule
from metallb_lint.findings import Finding, Location, Related
from metallb_lint.metallb.addresses import parse_ip, parse_pool_entry
from metallb_lint.metallb.gonumbers import duration_seconds
from metallb_lint.metallb.schema import FIRST_CRD_RELEASE, closest

MAX_UINT32 = 4294967295
MAX_UINT16 = 65535
_OPERATORS = {"In", "NotIn", "Exists", "DoesNotExist"}


@cached
def legacy_configs(ctx: Context) -> list:
    from metallb_lint.model.legacy import find_all

    return find_all(ctx.inventory, variables=ctx.inventory.flux_vars)


@dataclass
class _Problem:
    """Something MetalLB 0.12's `config.Parse` rejects, and where it is written."""

    message: str
    location: Location
    related: tuple[Related, ...] = ()


def _seconds(text: str | None) -> float | None:
    value = duration_seconds(text) if isinstance(text, str) else None
    return float(value) if value is not None else None


def _community(text: str) -> str | None:
    """0.12's ParseCommunity: two uint16 numbers `A:B`. The error, or None."""
    parts = text.split(":")
    if len(parts) != 2:
        return f"invalid community string '{text}' (0.12 accepts only 'A:B', no large communities)"
    for which, part in zip(("first", "second"), parts, strict=True):
        if not part.isdigit() or len(part) > 5 or int(part) > MAX_UINT16:
            return f"invalid {which} section of community '{text}': '{part}' is not 0-65535"
    return None


def validate(config, mode: str) -> Iterator[_Problem]:
    """What MetalLB 0.12's `config.Parse` (and its mode's validation) rejects."""
    yield from _bfd_profiles(config)
    yield from _peers(config, mode)
    communities: dict[str, object] = {}
    for item in config.communities:
        if item.value is not None:
            error = _community(item.value)
            if error:
                yield _Problem(f"bgp-communities.{item.name}: {error}", item.at("value"))
        communities[str(item.name)] = item
    yield from _pools(config, communities, mode)
    if mode == "native" and config.bfd_profiles:
        yield _Problem(
            "bfd-profiles are set, but MetalLB in native BGP mode rejects any BFD profile "
            "('bfd profiles section set'); BFD needs FRR mode (speaker.frr.enabled)",
            config.at("bfd-profiles"),
        )


def _bfd_profiles(config) -> Iterator[_Problem]:
    names: dict[str, Location] = {}
    ranges = (
        ("detect_multiplier", "detect-multiplier", 2, 255),
        ("receive_interval", "receive-interval", 10, 60000),
        ("transmit_interval", "transmit-interval", 10, 60000),
        ("minimum_ttl", "minimum-ttl", 1, 254),
        ("echo_interval", "echo-interval", 10, 60000),
    )
    for profile in config.bfd_profiles:
        if not profile.name:
            yield _Problem(f"{profile.path}: missing bfd profile name", profile.location)
            continue
        for attr, key, low, high in ranges:
            value = getattr(profile, attr)
            if value is not None and not low <= value <= high:
                yield _Problem(
                    f"{profile.path}.{key}: invalid value {value}, must be in {low}-{high} range",
                    profile.at(key),
                )
        if profile.name in names:
            yield _Problem(
                f"found duplicate bfd profile name {profile.name}",
                profile.at("name"),
                (Related(names[profile.name], "first defined here"),),
            )
        else:
            names[profile.name] = profile.at("name")


def _peers(config, mode: str) -> Iterator[_Problem]:
    profiles = {p.name for p in config.bfd_profiles if p.name}
    seen: list[tuple[tuple, object]] = []
    for peer in config.peers:
        what = peer.path
        for attr, key in (("my_asn", "my-asn"), ("peer_asn", "peer-asn")):
            value = getattr(peer, attr)
            if value is not None and value > MAX_UINT32:
                yield _Problem(
                    f"{what}.{key}: {value} does not fit an AS number (0-{MAX_UINT32}); "
                    "'could not parse config'",
                    peer.at(key),
                )
        if not peer.my_asn:
            yield _Problem(f"{what}: missing local ASN (my-asn)", peer.at("my-asn"))
        if not peer.peer_asn:
            yield _Problem(f"{what}: missing peer ASN (peer-asn)", peer.at("peer-asn"))
        if peer.my_asn and peer.my_asn == peer.peer_asn and peer.ebgp_multihop:
            yield _Problem(
                f"{what}: invalid ebgp-multihop parameter set for an ibgp peer (my-asn equals "
                "peer-asn)",
                peer.at("ebgp-multihop"),
            )
        if peer.peer_address is None or parse_ip(peer.peer_address.strip()) is None:
            shown = peer.peer_address if peer.peer_address is not None else ""
            yield _Problem(f"{what}: invalid peer IP '{shown}'", peer.at("peer-address"))
        if peer.peer_port is not None and peer.peer_port > MAX_UINT16:
            yield _Problem(
                f"{what}.peer-port: {peer.peer_port} is not a port (0-{MAX_UINT16}); "
                "'could not parse config'",
                peer.at("peer-port"),
            )
        hold = 90.0
        if peer.hold_time:
            parsed = _seconds(peer.hold_time)
            if parsed is None:
                yield _Problem(
                    f"{what}: invalid hold time '{peer.hold_time}' (a Go duration like 90s)",
                    peer.at("hold-time"),
                )
                hold = None
            else:
                hold = float(int(parsed))
                if hold != 0 and hold < 3:
                    yield _Problem(
                        f"{what}: invalid hold time '{peer.hold_time}': must be 0 or >=3s",
                        peer.at("hold-time"),
                    )
        if peer.keepalive_time:
            keepalive = _seconds(peer.keepalive_time)
            if keepalive is None:
                yield _Problem(
                    f"{what}: invalid keepalive time '{peer.keepalive_time}' (a Go duration "
                    "like 30s)",
                    peer.at("keepalive-time"),
                )
            elif hold is not None and int(keepalive) > hold:
                yield _Problem(
                    f"{what}: invalid keepaliveTime '{peer.keepalive_time}': it must not be "
                    f"above the hold time ({hold:g}s)",
                    peer.at("keepalive-time"),
                )
        for attr, key, label in (
            ("router_id", "router-id", "router ID"),
            ("source_address", "source-address", "source IP"),
        ):
            value = getattr(peer, attr)
            if value and parse_ip(value.strip()) is None:
                yield _Problem(f"{what}: invalid {label} '{value}'", peer.at(key))
        for selector in peer.node_selectors:
            for index, expr in enumerate(selector.match_expressions):
                problem = _expression(expr)
                if problem:
                    yield _Problem(
                        f"{selector.path}.match-expressions[{index}]: {problem}",
                        selector.at("match-expressions"),
                    )
        if peer.bfd_profile and peer.bfd_profile not in profiles:
            yield _Problem(
                f"{what} referencing non existing bfd profile {peer.bfd_profile}",
                peer.at("bfd-profile"),
            )
        if mode == "native":
            for key, value in (
                ("bfd-profile", peer.bfd_profile),
                ("keepalive-time", peer.keepalive_time),
            ):
                if value:
                    yield _Problem(
                        f"{what} has {key} set on native bgp mode (it needs FRR mode, "
                        "speaker.frr.enabled)",
                        peer.at(key),
                    )
        identity = (
            peer.my_asn,
            peer.peer_asn,
            peer.peer_address,
            peer.source_address,
            peer.peer_port or 179,
            peer.hold_time,
            peer.keepalive_time,
            peer.router_id,
            peer.password,
            peer.bfd_profile,
            bool(peer.ebgp_multihop),
            repr([(s.match_labels, s.match_expressions) for s in peer.node_selectors]),
        )
        twin = next((other for key, other in seen if key == identity), None)
        if twin is not None:
            yield _Problem(
                f"{what} already exists: it is identical to {twin.path}",
                peer.location,
                (Related(twin.location, f"{twin.path} is here"),),
            )
        seen.append((identity, peer))
    if mode in ("frr", "frr-k8s") and len(config.peers) > 1:
        first = config.peers[0]
        addresses: dict[str, object] = {first.peer_address: first}
        for peer in config.peers[1:]:
            if peer.router_id != first.router_id:
                yield _Problem(
                    f"{peer.path} has router-id '{peer.router_id or ''}' different from "
                    f"'{first.router_id or ''}' of {first.path}: in FRR mode all router IDs must "
                    "be equal",
                    peer.at("router-id"),
                    (Related(first.at("router-id"), f"{first.path}'s router-id"),),
                )
            if peer.my_asn != first.my_asn:
                yield _Problem(
                    f"{peer.path} has my-asn {peer.my_asn} different from {first.my_asn} of "
                    f"{first.path}: in FRR mode all my-asn must be equal",
                    peer.at("my-asn"),
                    (Related(first.at("my-asn"), f"{first.path}'s my-asn"),),
                )
            if peer.peer_address in addresses:
                other = addresses[peer.peer_address]
                yield _Problem(
                    f"{peer.path}: peer {peer.peer_address} already exists, FRR mode doesn't "
                    "support duplicate BGP peers",
                    peer.at("peer-address"),
                    (Related(other.at("peer-address"), f"{other.path} is here"),),
                )
            addresses.setdefault(peer.peer_address, peer)


def _expression(expr: dict) -> str | None:
    operator, values = expr.get("operator"), expr.get("values") or []
    if not expr.get("key"):
        return "a match expression needs a key"
    if operator not in _OPERATORS:
        hint = closest(str(operator), sorted(_OPERATORS))
        did = f"; did you mean '{hint}'?" if hint else ""
        return f"'{operator}' is not a valid operator (In, NotIn, Exists, DoesNotExist){did}"
    if operator in ("In", "NotIn") and not values:
        return f"operator {operator} needs at least one value"
    if operator in ("Exists", "DoesNotExist") and values:
        return f"operator {operator} takes no values"
    return None


def _pools(config, communities: dict, mode: str) -> Iterator[_Problem]:
    names: dict[str, Location] = {}
    entries: list[tuple[object, str, str, Location]] = []  # (range, pool, text, location)
    for pool in config.pools:
        what = pool.path
        if not pool.name:
            yield _Problem(f"{what}: missing pool name", pool.location)
        elif pool.name in names:
            yield _Problem(
                f"duplicate definition of pool '{pool.name}'",
                pool.at("name"),
                (Related(names[pool.name], "first defined here"),),
            )
        else:
            names[pool.name] = pool.at("name")
        if not pool.addresses:
            yield _Problem(f"{what}: pool has no prefixes defined", pool.at("addresses"))
        prefixes: list[tuple[int, int, str]] = []  # (version, shortest prefix, text)
        for text, location in pool.addresses:
            parsed = parse_pool_entry(text)
            if parsed.unresolved:
                continue
            if parsed.range is None:
                yield _Problem(f"{what}: {parsed.error}", location)
                continue
            entries.append((parsed.range, pool.name or what, text, location))
            prefixes.append((parsed.range.version, parsed.prefixlen or 0, text))
            if mode == "native" and pool.protocol == "bgp" and parsed.range.version == 6:
                yield _Problem(
                    f"{what} has the IPv6 range {text}, but native BGP mode does not support "
                    "IPv6 (use FRR mode)",
                    location,
                )
        if pool.protocol is None:
            yield _Problem(
                f"{what}: address pool is missing the protocol field (layer2 or bgp)",
                pool.location,
            )
        elif pool.protocol not in ("layer2", "bgp"):
            hint = closest(pool.protocol, ["layer2", "bgp"])
            did = f"; did you mean '{hint}'?" if hint else ""
            yield _Problem(
                f"{what}: unknown protocol '{pool.protocol}' (layer2 or bgp){did}",
                pool.at("protocol"),
            )
        elif pool.protocol == "layer2" and pool.advertisements:
            yield _Problem(
                f"{what}: cannot have bgp-advertisements configuration element in a layer2 "
                "address pool",
                pool.at("bgp-advertisements"),
            )
        elif pool.protocol == "bgp":
            yield from _advertisements(pool, prefixes, communities)
    yield from _overlaps(entries)


def _advertisements(pool, prefixes: list, communities: dict) -> Iterator[_Problem]:
    seen: list[tuple[tuple, object]] = []
    for ad in pool.advertisements:
        identity = (
            ad.aggregation_length,
            ad.aggregation_length_v6,
            ad.localpref,
            tuple(text for text, _ in ad.communities),
        )
        twin = next((other for key, other in seen if key == identity), None)
        if twin is not None:
            yield _Problem(
                f"duplicate definition of bgpadvertisements: {ad.path} equals {twin.path}",
                ad.location,
                (Related(twin.location, f"{twin.path} is here"),),
            )
        seen.append((identity, ad))
        texts: dict[str, Location] = {}
        for text, location in ad.communities:
            if text in texts:
                yield _Problem(f"{ad.path}: duplicate definition of community '{text}'", location)
            texts.setdefault(text, location)
            if text not in communities:
                error = _community(text)
                if error:
                    yield _Problem(
                        f"{ad.path}: invalid community '{text}' in BGP advertisement: it is no "
                        f"alias of bgp-communities, and {error}",
                        location,
                    )
        length = ad.aggregation_length if ad.aggregation_length is not None else 32
        length6 = ad.aggregation_length_v6 if ad.aggregation_length_v6 is not None else 128
        if length > 32:
            yield _Problem(
                f"{ad.path}: invalid aggregation length {length} for IPv4 (at most 32)",
                ad.at("aggregation-length"),
            )
            continue
        if length6 > 128:
            yield _Problem(
                f"{ad.path}: invalid aggregation length {length6} for IPv6 (at most 128)",
                ad.at("aggregation-length-v6"),
            )
            continue
        for version, shortest, text in prefixes:
            wanted, key = (
                (length, "aggregation-length")
                if version == 4
                else (
                    length6,
                    "aggregation-length-v6",
                )
            )
            if wanted < shortest:
                yield _Problem(
                    f"{ad.path}: invalid aggregation length {wanted}: prefix {shortest} in this "
                    f"pool is more specific than the aggregation length for addresses {text}",
                    ad.at(key),
                )


def _overlaps(entries: list) -> Iterator[_Problem]:
    ordered = sorted(entries, key=lambda e: (e[0].version, e[0].first, e[0].last))
    reach = None  # the entry reaching furthest so far
    for item in ordered:
        ip_range = item[0]
        if (
            reach is not None
            and reach[0].version == ip_range.version
            and ip_range.first <= reach[0].last
        ):
            yield _Problem(
                f"'{item[2]}' in pool '{item[1]}' overlaps with '{reach[2]}' of pool "
                f"'{reach[1]}': MetalLB 0.12 rejects overlapping pools",
                item[3],
                (Related(reach[3], f"'{reach[2]}' of pool '{reach[1]}'"),),
            )
        if reach is None or reach[0].version != ip_range.version or ip_range.last > reach[0].last:
            reach = item


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


@rule("ML109")
def invalid_legacy_config(ctx: Context) -> Iterator[Finding]:
    version = ctx.target.version
    if version >= FIRST_CRD_RELEASE:
        return  # the configuration is not read at all: ML105
    for config in legacy_configs(ctx):
        found = [_Problem(p.message, p.location) for p in config.problems]
        found += list(validate(config, ctx.target.mode))
        for problem in found:
            if problem.location in config.unknown:
                continue  # said of a value whose placeholder nothing fills: unknown
            yield ctx.finding(
                "ML109",
                f"{config.description}: {_sentence(problem.message)} MetalLB {version} rejects "
                "the whole configuration and keeps running with its last valid one",
                problem.location,
                related=problem.related,
                anchor=problem.message,
            )
