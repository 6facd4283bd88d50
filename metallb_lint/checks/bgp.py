"""ML305-ML312: BGP peers, BFD profiles, communities and the BGP mode (facts §3.1 rules
23-41). The mode (native, frr, frr-k8s) and the version come from the target."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from metallb_lint.checks.common import (
    closest_name,
    covered_pools,
    did_you_mean,
    families,
    held_back,
    in_scope,
    installed_here,
    named,
    read_pools,
    reads_crds,
    resource_of,
    selector_list_findings,
    well_formed,
)
from metallb_lint.checks.context import Context, rule
from metallb_lint.findings import Finding, Location, Related
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.addresses import parse_ip
from metallb_lint.metallb.gonumbers import parse_duration
from metallb_lint.metallb.selectors import disjoint, same_selection
from metallb_lint.metallb.versions import v
from metallb_lint.model.objects import (
    Advertisement,
    BGPPeer,
    Community,
    CommunityAlias,
    Pool,
    Resource,
)

MAX_RELATED = 10

LARGE_COMMUNITIES = v("0.13.10")
BFD_ECHO_CHECKED = v("0.13.10")
VRF = v("0.13.9")
CONNECT_TIME = v("0.14.4")
TIMERS_TO_FRR = v("0.14.9")  # unset hold/keepalive left to FRR instead of 90s / hold/3
DYNAMIC_ASN = v("0.14.9")
IPV6_ONLY_BGP_POOLS = v("0.14.9")  # native: only pools a BGPAdvertisement selects count
INTERFACE = v("0.15.0")
PEERS_PER_NODE = v("0.16.0")  # FRR peer checks only for peers that can share a node

WELL_KNOWN_COMMUNITIES = {
    "no-export": "65535:65281",
    "no-advertise": "65535:65282",
    "no-export-subconfed": "65535:65283",
    "local-as": "65535:65283",
    "no-peer": "65535:65284",
    "blackhole": "65535:666",
    "graceful-shutdown": "65535:0",
    "accept-own": "65535:1",
    "internet": "0:0",
}


def _at(res: Resource, key: str) -> Location:
    """A spec field's location, or the resource's name when the field is missing."""
    spec = res.mapping("spec")
    if key in spec:
        return res.location("spec", key, key=isinstance(spec[key], (dict, list)))
    return res.name_location


def _bgp_ads(ctx: Context) -> list[Advertisement]:
    return [
        a
        for a in ctx.inventory.advertisements
        if a.resource.kind == "BGPAdvertisement" and well_formed(a.resource)
    ]


def _peers(ctx: Context) -> list[BGPPeer]:
    return [p for p in ctx.inventory.peers if well_formed(p.resource)]


def _peer_label(peer: BGPPeer) -> str:
    return f"BGPPeer '{peer.name}'"


# -- communities (facts §3.1 rules 26-29) -------------------------------------------------------

_UINT = re.compile(r"[0-9]{1,10}")  # longer is out of range anyway (and too long for int())


class ParsedCommunity(NamedTuple):
    """How MetalLB reads a BGP community string: its kind and, if rejected, why."""

    kind: str  # legacy, large, value-error (always rejected), format-error (maybe an alias)
    problem: str = ""


def parse_community(text: str, version: object) -> ParsedCommunity:
    """MetalLB's community.New (and ParseCommunity before 0.13.10)."""
    parts = text.split(":")
    if len(parts) == 2:
        for part in parts:
            if not _UINT.fullmatch(part) or int(part) > 0xFFFF:
                return ParsedCommunity("value-error", f"'{part}' is not a number from 0 to 65535")
        return ParsedCommunity("legacy")
    if len(parts) == 4 and version >= LARGE_COMMUNITIES:
        if parts[0] != "large":
            return ParsedCommunity(
                "value-error", "a community of four parts must start with 'large:'"
            )
        for part in parts[1:]:
            if not _UINT.fullmatch(part) or int(part) > 0xFFFFFFFF:
                return ParsedCommunity(
                    "value-error", f"'{part}' is not a number from 0 to 4294967295"
                )
        return ParsedCommunity("large")
    if len(parts) == 4 and parts[0] == "large":
        return ParsedCommunity(
            "format-error",
            f"large communities arrived in MetalLB {LARGE_COMMUNITIES}; {version} reads only 'A:B'",
        )
    return ParsedCommunity("format-error", "neither 'A:B' nor 'large:A:B:C'")


def community_text(value: object, location: Location, res: Resource) -> str | None:
    """A community as Kubernetes reads it. YAML 1.1 reads a plain `64512:10` as a base-60
    integer, while Kubernetes' YAML (and so MetalLB) keeps it as the string written: take
    that string from the source. None for anything else that is not a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    doc = res.doc
    lines = doc.text.split("\n")
    index = doc.text_index(location.line)
    if location.end_line != location.line or not 0 <= index < len(lines):
        return None
    text = lines[index][location.column - 1 : location.end_column].strip()
    return text if ":" in text else None


def alias_label(alias: CommunityAlias) -> str:
    """How messages name a Community entry: `alias 'vpn'`, or its position when unnamed."""
    if isinstance(alias.name, str) and alias.name:
        return f"alias '{alias.name}'"
    return f"the unnamed alias on line {alias.location.line}"


def _aliases(ctx: Context, origin: Resource) -> dict[str, CommunityAlias]:
    table: dict[str, CommunityAlias] = {}
    for community in in_scope(origin, ctx.inventory.communities, resource_of):
        for alias in community.aliases:
            if isinstance(alias.name, str):
                table.setdefault(alias.name, alias)
    return table


@rule("ML305")
def invalid_community(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    version = ctx.target.version
    stale = (
        "MetalLB rejects the configuration and keeps the last valid one, so no change of that "
        "update takes effect"
    )
    yield from _community_resources(ctx, stale)
    complete = "Community" not in ctx.inventory.incomplete_kinds
    held: list[tuple[str, Location]] = []
    for ad in _bgp_ads(ctx):
        aliases = _aliases(ctx, ad.resource)
        seen: dict[str, Location] = {}
        for raw, location in ad.communities or ():
            value = community_text(raw, location, ad.resource)
            if value is None or has_placeholder(value):
                continue
            if value in seen:
                yield ctx.finding(
                    "ML305",
                    f"community '{value}' is listed twice in {ad.label}: {stale} "
                    '("duplicate definition of community"). Remove the copy',
                    location,
                    resource=ad.resource.ref,
                    related=[Related(seen[value], "first listed here")],
                    anchor=f"communities:{value}:twice",
                )
                continue
            seen[value] = location
            if value in aliases:
                continue
            parsed = parse_community(value, version)
            if parsed.kind == "value-error":
                yield ctx.finding(
                    "ML305",
                    f"community '{value}' of {ad.label} is invalid ({parsed.problem}): "
                    f"{stale}. Write 'A:B' with 16-bit numbers or 'large:A:B:C' with 32-bit "
                    "numbers, or the name of a Community alias",
                    location,
                    resource=ad.resource.ref,
                    anchor=f"communities:{value}",
                )
            elif parsed.kind == "format-error" and complete:
                finding = _unknown_alias(ctx, ad, value, location, aliases, parsed)
                if finding is None and not aliases and ":" not in value:
                    held.append((value, location))
                elif finding is not None:
                    yield finding
    yield from held_back(ctx, "ML305", "Community", "community aliases", held)


def _unknown_alias(
    ctx: Context,
    ad: Advertisement,
    value: str,
    location: Location,
    aliases: dict[str, CommunityAlias],
    parsed: ParsedCommunity,
) -> Finding | None:
    effect = (
        "The admission webhook lets such names through, but at runtime MetalLB cannot resolve "
        "it and rejects the whole configuration, keeping the last valid one"
    )
    related: list[Related] = []
    if ":" in value:
        problem = f"is not a valid community ({parsed.problem}) nor a Community alias"
    elif value.lower() in WELL_KNOWN_COMMUNITIES:
        problem = (
            "is a well-known community name, which MetalLB does not accept as a literal; "
            f"write '{WELL_KNOWN_COMMUNITIES[value.lower()]}' or define an alias in a Community"
        )
    elif not in_scope(ad.resource, ctx.inventory.communities, resource_of):
        if not installed_here(ctx):
            return None  # no Community, MetalLB installed elsewhere: it may define them
        problem = (
            "names no Community alias: the repository, which installs MetalLB, defines no "
            "Community in its namespace"
        )
    elif any(has_placeholder(name) for name in aliases):
        return None  # an alias named by a placeholder may be this one
    else:
        problem = "names no alias of any Community in its namespace"
        close = closest_name(value, aliases)
        if close:
            problem += f" (did you mean '{close}'?)"
            related.append(Related(aliases[close].name_location, f"alias '{close}'"))
    return ctx.finding(
        "ML305",
        f"community '{value}' of {ad.label} {problem}. {effect}",
        location,
        resource=ad.resource.ref,
        related=related,
        anchor=f"communities:{value}",
    )


def _community_resources(ctx: Context, stale: str) -> Iterator[Finding]:
    version = ctx.target.version
    communities = sorted(
        ctx.inventory.communities, key=lambda c: (c.resource.path, c.resource.head.line)
    )
    first: dict[tuple[int, str], tuple[Community, CommunityAlias]] = {}
    for community in communities:
        res = community.resource
        for alias in community.aliases:
            value = community_text(alias.value, alias.location, res)
            if value is not None and not has_placeholder(value):
                parsed = parse_community(value, version)
                if parsed.kind in ("value-error", "format-error"):
                    yield ctx.finding(
                        "ML305",
                        f"value '{value}' of community {alias_label(alias)} in Community "
                        f"'{res.name}' is invalid ({parsed.problem}): {stale} (\"parsing "
                        "community\"). Write 'A:B' with 16-bit numbers or 'large:A:B:C' with "
                        "32-bit numbers",
                        alias.location,
                        resource=res.ref,
                        anchor=f"communities:{alias.name}",
                    )
            if not isinstance(alias.name, str) or has_placeholder(alias.name):
                continue
            earlier = None
            for other in in_scope(res, communities, resource_of):
                if other.resource.name == res.name and other is not community:
                    continue  # the same Community for another cluster or overlay
                found = first.get((id(other), alias.name))
                if found is not None:
                    earlier = found
                    break
            if earlier is not None:
                other, other_alias = earlier
                yield ctx.finding(
                    "ML305",
                    f"community alias '{alias.name}' is defined twice (here and in Community "
                    f"'{other.resource.name}'): {stale} (\"duplicate definition of community\")."
                    " Keep one definition",
                    alias.name_location,
                    resource=res.ref,
                    related=[Related(other_alias.name_location, "first defined here")],
                    anchor=f"communities:{alias.name}:twice",
                )
            else:
                first.setdefault((id(community), alias.name), (community, alias))


# -- references -----------------------------------------------------------------------------


@rule("ML306")
def unknown_peer_reference(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    inv = ctx.inventory
    peers = _peers(ctx)
    if "BGPPeer" in inv.incomplete_kinds or not peers:
        return  # peers managed elsewhere, or not all readable
    if any(has_placeholder(p.name) for p in peers):
        return
    for ad in _bgp_ads(ctx):
        names = [(n, loc) for n, loc in ad.peers or () if not has_placeholder(n)]
        if len(names) != len(ad.peers or ()):
            continue
        missing = [(n, loc) for n, loc in names if not named(ad.resource, peers, n, resource_of)]
        for name, location in missing:
            hint, related = did_you_mean(ad.resource, name, peers, "BGPPeer '{}'")
            if len(missing) == len(names):
                effect = (
                    "it matches no BGP session, so its pools are announced to nobody through it"
                )
            else:
                effect = f"it is not sent to any peer called '{name}'"
            yield ctx.finding(
                "ML306",
                f"{ad.label} lists peer '{name}' in peers, but no BGPPeer '{name}' exists "
                f"in its namespace: MetalLB does not check the name (no error, no event), and "
                f"{effect}. Peers are named by their metadata.name.{hint}",
                location,
                resource=ad.resource.ref,
                related=related,
                anchor=f"peers:{name}",
            )


@rule("ML309")
def unknown_bfd_profile(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    inv = ctx.inventory
    profiles = inv.bfd_profiles
    if ctx.target.mode == "native" or "BFDProfile" in inv.incomplete_kinds:
        return  # native mode rejects bfdProfile itself (ML310); or profiles not all read
    if any(has_placeholder(p.name) for p in profiles):
        return
    held: list[tuple[str, Location]] = []
    for peer in _peers(ctx):
        name = peer.text("bfdProfile")
        if not name or has_placeholder(name) or named(peer.resource, profiles, name, resource_of):
            continue
        location = peer.resource.location("spec", "bfdProfile")
        if not profiles and not installed_here(ctx):
            held.append((name, location))  # profiles may live where MetalLB is installed
            continue
        hint, related = did_you_mean(peer.resource, name, profiles, "BFDProfile '{}'")
        yield ctx.finding(
            "ML309",
            f"{_peer_label(peer)} uses bfdProfile '{name}', but no BFDProfile '{name}' exists in "
            "its namespace. The admission webhook does not check this; at runtime MetalLB "
            'rejects the whole configuration ("referencing non existing bfd profile") and '
            f"keeps the last valid one, so no later change takes effect.{hint} Create the "
            "BFDProfile or correct the name",
            location,
            resource=peer.resource.ref,
            related=related,
            anchor="bfdProfile",
        )
    yield from held_back(ctx, "ML309", "BFDProfile", "BFD profiles", held)


# -- peers (facts §3.1 rules 30-34, 41) ---------------------------------------------------------


@rule("ML307")
def invalid_bgp_peer(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    version = ctx.target.version
    for peer in _peers(ctx):
        spec = peer.spec

        def finding(message: str, key: str, _peer: BGPPeer = peer) -> Finding:
            return ctx.finding(
                "ML307",
                f"{_peer_label(_peer)}: {message}. MetalLB rejects the configuration and keeps "
                "the last valid one, so no change of that update takes effect",
                _at(_peer.resource, key),
                resource=_peer.resource.ref,
                anchor=key,
            )

        my_asn, peer_asn = spec.get("myASN"), spec.get("peerASN")
        if my_asn is None or my_asn == 0:
            yield finding("myASN (the cluster's own AS number) is missing or 0", "myASN")
        dynamic = peer.text("dynamicASN") if not peer.legacy_api else ""
        no_peer_asn = peer_asn is None or peer_asn == 0
        if _placeholder(peer_asn, dynamic):
            pass  # a value decided later: not judged
        elif version >= DYNAMIC_ASN and not peer.legacy_api:
            if no_peer_asn and not dynamic:
                yield finding(
                    "it sets neither peerASN nor dynamicASN (internal or external); set one",
                    "peerASN",
                )
            elif not no_peer_asn and dynamic:
                yield finding(
                    f"it sets both peerASN and dynamicASN ('{dynamic}'); keep one",
                    "dynamicASN",
                )
        elif no_peer_asn:
            note = (
                f" (dynamicASN arrived in {DYNAMIC_ASN}; {version} ignores it)" if dynamic else ""
            )
            yield finding(f"peerASN is missing or 0{note}", "peerASN")
        if (
            spec.get("ebgpMultiHop") is True
            and isinstance(my_asn, int)
            and my_asn == peer_asn
            and my_asn != 0
        ):
            yield finding(
                f"ebgpMultiHop is set on an iBGP session (myASN and peerASN are both {my_asn}); "
                "multi-hop applies to eBGP only, remove it",
                "ebgpMultiHop",
            )
        yield from _peer_addresses(ctx, peer, finding)
        yield from selector_list_findings(
            ctx,
            "ML307",
            peer.resource,
            ("spec", "nodeSelectors"),
            _peer_label(peer),
            "MetalLB rejects the configuration and keeps the last valid one, so no change of "
            "that update takes effect",
        )
        secret = spec.get("passwordSecret")
        secret_name = secret.get("name") if isinstance(secret, dict) else None
        password = peer.text("password")
        if peer.legacy_api or not isinstance(secret_name, str) or not secret_name:
            continue
        if password and not _placeholder(password, secret_name):
            yield finding(
                "it sets both password and passwordSecret; keep one (preferably the Secret)",
                "passwordSecret",
            )
        elif not password and not has_placeholder(secret_name):
            yield from _password_secret(ctx, peer, secret_name)


BASIC_AUTH = "kubernetes.io/basic-auth"


def _secrets(ctx: Context) -> list[Resource]:
    return [
        r
        for r in ctx.inventory.resources
        if r.kind == "Secret" and r.api_version == "v1" and well_formed(r)
    ]


def _password_secret(ctx: Context, peer: BGPPeer, name: str) -> Iterator[Finding]:
    """passwordFromSecretForPeer: the Secret (looked up by name in MetalLB's namespace) must be
    of type kubernetes.io/basic-auth and hold a `password` key. Judged only for a Secret the
    repository defines in the peer's namespace, written in plain text; a Secret that is not
    in the repository (sealed, external, generated) is not judged."""
    origin = peer.resource
    found = [
        r
        for r in named(origin, _secrets(ctx), name, lambda r: r)
        if r.effective_namespace is not None or r.unit == origin.unit
    ]
    if not found:
        return
    secret = found[0]
    problems: list[tuple[str, Location, str]] = []
    kind = secret.body.get("type", "Opaque")
    readable = isinstance(kind, str) and not has_placeholder(kind) and "ENC[" not in kind
    if readable and kind != BASIC_AUTH:
        problems.append(
            (
                f"is of type {kind}{'' if 'type' in secret.body else ' (no type is Opaque)'}, "
                f"and MetalLB reads a BGP password only from a Secret of type {BASIC_AUTH} "
                '("secret type mismatch")',
                secret.location("type") if "type" in secret.body else secret.name_location,
                "type",
            )
        )
    fields = [f for f in ("data", "stringData") if isinstance(secret.body.get(f), dict)]
    keys = {str(key) for f in fields for key in secret.body[f]}
    if keys and "password" not in keys and not any(has_placeholder(k) for k in keys):
        problems.append(
            (
                f"has no `password` key (only {', '.join(sorted(keys))}), which MetalLB reads "
                'the password from ("password not specified in the secret")',
                secret.location(fields[0], key=True),
                "key",
            )
        )
    for text, where, what in problems:
        yield ctx.finding(
            "ML307",
            f"{_peer_label(peer)}: its passwordSecret '{name}' {text}. MetalLB rejects the "
            "configuration and keeps the last valid one, so no change of that update takes "
            f"effect. Give the Secret type {BASIC_AUTH} and the key `password`",
            peer.resource.location("spec", "passwordSecret", "name"),
            resource=peer.resource.ref,
            related=[Related(where, f"Secret '{name}'")],
            anchor=f"passwordSecret:{what}",
        )


def _placeholder(*values: object) -> bool:
    return any(isinstance(value, str) and has_placeholder(value) for value in values)


def _peer_addresses(ctx: Context, peer: BGPPeer, finding) -> Iterator[Finding]:
    version = ctx.target.version
    spec = peer.spec
    address = spec.get("peerAddress")
    interface = peer.text("interface") if version >= INTERFACE and not peer.legacy_api else ""
    if _placeholder(address, interface):
        pass  # a value decided later: not judged
    elif version >= INTERFACE and not peer.legacy_api:
        if not address and not interface:
            yield finding("it sets neither peerAddress nor interface; set one", "peerAddress")
        elif address and interface:
            yield finding(
                f"it sets both peerAddress and interface ('{interface}'); keep one", "interface"
            )
    elif not address:
        yield finding("peerAddress is missing", "peerAddress")
    for key, what in (
        ("peerAddress", "invalid BGPPeer address"),
        ("routerID", "invalid router ID"),
        ("sourceAddress", "invalid source IP"),
    ):
        value = spec.get(key)
        if not isinstance(value, str) or not value or has_placeholder(value):
            continue
        if parse_ip(value) is None:
            yield finding(
                f"{key} '{value}' is not an IP address (\"{what}\"); write a plain IPv4 or IPv6 "
                "address, without prefix length, port or zone",
                key,
            )


# -- timers (facts §3.1 rules 33, 41) -----------------------------------------------------------

SECOND = 1_000_000_000


def _show(ns: int) -> str:
    """A duration as Go prints it (roughly): 90s, 1m30s, 500ms."""
    if ns < 0:
        return "-" + _show(-ns)
    if ns % SECOND:
        return f"{ns / 1_000_000:g}ms"
    seconds = ns // SECOND
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    out = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or hours else "")
    return out + f"{secs}s"


@rule("ML308")
def bgp_timers(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    version = ctx.target.version
    for peer in _peers(ctx):
        res = peer.resource
        spec = peer.spec
        parsed: dict[str, int | None] = {}
        keys = ["holdTime", "keepaliveTime"]
        if version >= CONNECT_TIME and not peer.legacy_api:
            keys.append("connectTime")
        unknown = False
        for key in keys:
            raw = spec.get(key)
            if raw is None:
                parsed[key] = None
                continue
            if not isinstance(raw, str) or has_placeholder(raw):
                unknown = True
                continue
            value = parse_duration(raw)
            if value is None:
                unknown = True
                yield ctx.finding(
                    "ML308",
                    f"{key} '{raw}' of {_peer_label(peer)} is not a duration: write it as Go "
                    "durations are written ('90s', '1m30s', '500ms'). MetalLB cannot decode the "
                    "peer: its webhook refuses it, and one that got in anyway cannot be read",
                    res.location("spec", key),
                    resource=res.ref,
                    anchor=key,
                )
                continue
            parsed[key] = value
        connect = parsed.get("connectTime")
        if connect is not None:
            seconds = int(connect / SECOND)
            if not 1 <= seconds <= 65535 or (connect // 1_000_000) % 1000:
                yield ctx.finding(
                    "ML308",
                    f"connectTime '{spec['connectTime']}' of {_peer_label(peer)} must be a whole "
                    "number of seconds from 1 to 65535: the API server rejects the peer",
                    res.location("spec", "connectTime"),
                    resource=res.ref,
                    anchor="connectTime",
                )
        if unknown:
            continue
        yield from _hold_and_keepalive(ctx, peer, parsed["holdTime"], parsed["keepaliveTime"])


def _hold_and_keepalive(
    ctx: Context, peer: BGPPeer, hold: int | None, keepalive: int | None
) -> Iterator[Finding]:
    version = ctx.target.version
    res = peer.resource
    how = ""
    if version < TIMERS_TO_FRR:
        if not hold:
            hold, how = 90 * SECOND, f"holdTime is unset, so MetalLB {version} uses 90s"
        if not keepalive:
            keepalive = hold // 3
    else:
        if peer.legacy_api:  # the v1beta1 -> v1beta2 conversion writes both, 0s when unset
            if hold is None and keepalive:
                how = "holdTime is unset, and converting this v1beta1 peer to v1beta2 sets it to 0s"
            hold, keepalive = hold or 0, keepalive or 0
        if hold is None and keepalive is None:
            return
        if hold is None:
            assert keepalive is not None
            hold = keepalive * 3
            how = f"holdTime is unset, so MetalLB {version} uses 3 x keepaliveTime"
        if keepalive is None:
            keepalive = hold // 3
    stale = "MetalLB rejects the configuration and keeps the last valid one"
    rounded = int(hold / SECOND) * SECOND
    if rounded != 0 and rounded < 3 * SECOND:
        where = "holdTime" if not how else "keepaliveTime"
        detail = f" ({how}: {_show(hold)})" if how else ""
        yield ctx.finding(
            "ML308",
            f"holdTime of {_peer_label(peer)} is {_show(hold)}{detail}: it must be 0 (no "
            f'keepalives) or at least 3s, so {stale} ("invalid hold time"). Use 0 or 3s '
            "or more (BGP's usual 90s, or 9s-30s for fast failover)",
            _at(res, where),
            resource=res.ref,
            anchor="holdTime",
        )
        return
    if keepalive > hold:
        detail = f" ({how})" if how else ""
        why = "the session would expire between two keepalives, so " if hold else ""
        fix = "usually a third of it" if hold else "or set a holdTime"
        yield ctx.finding(
            "ML308",
            f"keepaliveTime {_show(keepalive)} of {_peer_label(peer)} is longer than its "
            f'holdTime {_show(hold)}{detail}: {why}{stale} ("invalid keepaliveTime ... must be '
            f'lower than holdTime"). Keep keepaliveTime at most holdTime, {fix}',
            _at(res, "keepaliveTime"),
            resource=res.ref,
            related=[Related(res.location("spec", "holdTime"), "holdTime is set here")]
            if "holdTime" in peer.spec
            else [],
            anchor="keepaliveTime",
        )


# -- the BGP mode (facts §3.1 rules 29, 38, 39) -------------------------------------------------

# Peer fields native mode rejects, with the release that brought each (before it, the field
# does not exist, the API server prunes it and ML107 reports it) and whether v1beta1 has it.
NATIVE_REJECTS: tuple[tuple[str, str, bool], ...] = (
    ("bfdProfile", "0.13.0", True),
    ("keepaliveTime", "0.13.0", True),
    ("vrf", "0.13.9", False),
    ("connectTime", "0.14.4", False),
    ("disableMP", "0.14.4", False),
    ("enableGracefulRestart", "0.14.6", False),
    ("dynamicASN", "0.14.9", False),
    ("interface", "0.15.0", False),
    ("dualStackAddressFamily", "0.15.0", False),
    ("localASN", "0.16.0", False),
)
# How MetalLB's error names each field ("peer X has <this> set on native bgp mode").
NATIVE_WORDING = {
    "bfdProfile": "bfd-profile",
    "keepaliveTime": "keepalive-time",
    "connectTime": "connect time",
    "disableMP": "disable MP flag",
    "enableGracefulRestart": "EnableGracefulRestart flag",
    "dualStackAddressFamily": "dualstackaddressfamily flag",
}
FRR_K8S_CHART = v("0.14.2")  # frrk8s.enabled exists from 0.14.0, usable from 0.14.2


def _native_rejects(peer: BGPPeer, key: str) -> bool:
    value = peer.spec.get(key)
    if key == "keepaliveTime":
        if not isinstance(value, str) or has_placeholder(value):
            return False
        parsed = parse_duration(value)
        return parsed is not None and parsed != 0
    if key == "connectTime":
        return value is not None and not _placeholder(value)
    if key == "localASN":
        return isinstance(value, int) and not isinstance(value, bool) and value != 0
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value != "" and not has_placeholder(value)


def _switch_hint(ctx: Context) -> str:
    if ctx.target.version < FRR_K8S_CHART:
        return "switch the metallb chart to FRR mode (speaker.frr.enabled: true)"
    return (
        "switch the metallb chart to an FRR-based mode (frrk8s.enabled: true, or "
        "speaker.frr.enabled: true)"
    )


@rule("ML310")
def mode_mismatch(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx) or ctx.target.mode_assumed:
        return  # a mode only assumed may not be the one that runs (ML005 says so)
    target = ctx.target
    if target.mode == "frr-k8s":
        yield from _ignored_local_asn(ctx)
    if target.mode != "native":
        return
    native = (
        f"MetalLB {target.version} runs in native BGP mode here ({target.mode_source}), which "
        "rejects the configuration and keeps the last valid one"
    )
    for peer in _peers(ctx):
        for key, since, in_v1beta1 in NATIVE_REJECTS:
            if target.version < v(since) or (peer.legacy_api and not in_v1beta1):
                continue
            if not _native_rejects(peer, key):
                continue
            yield ctx.finding(
                "ML310",
                f"{_peer_label(peer)} sets {key}, which only the FRR-based modes support: "
                f'{native} ("peer ... has {NATIVE_WORDING.get(key, key)} set on native bgp mode"). '
                f"Remove {key}, or "
                f"{_switch_hint(ctx)}",
                peer.resource.location("spec", key),
                resource=peer.resource.ref,
                anchor=key,
            )
    for profile in ctx.inventory.bfd_profiles:
        yield ctx.finding(
            "ML310",
            f"BFDProfile '{profile.name}' exists, but BFD needs an FRR-based mode: {native} "
            f'("bfd profiles section set"), even when no peer uses the profile. Delete it, or '
            f"{_switch_hint(ctx)}",
            profile.resource.head,
            resource=profile.resource.ref,
            anchor="BFDProfile",
        )
    yield from _native_ipv6_pools(ctx, native)
    yield from _native_large_communities(ctx, native)


def _ignored_local_asn(ctx: Context) -> Iterator[Finding]:
    for peer in _peers(ctx):
        if peer.legacy_api or ctx.target.version < PEERS_PER_NODE:
            continue
        if not _native_rejects(peer, "localASN"):
            continue
        yield ctx.finding(
            "ML310",
            f"{_peer_label(peer)} sets localASN, which only FRR mode renders: MetalLB "
            f"{ctx.target.version} runs in FRR-K8s mode here ({ctx.target.mode_source}) and "
            "silently ignores it, so the session uses myASN. Remove localASN (and set myASN), "
            "or switch the chart to FRR mode (speaker.frr.enabled: true, frrk8s.enabled: false)",
            peer.resource.location("spec", "localASN"),
            resource=peer.resource.ref,
            anchor="localASN",
        )


def _native_ipv6_pools(ctx: Context, native: str) -> Iterator[Finding]:
    ads = _bgp_ads(ctx)
    if not ads:
        return
    selected: dict[int, tuple[Pool, Advertisement | None]] = {}
    if ctx.target.version >= IPV6_ONLY_BGP_POOLS:
        for ad in ads:
            for pool in covered_pools(ctx, ad):
                selected.setdefault(id(pool), (pool, ad))
    else:
        for pool in read_pools(ctx):
            scope = in_scope(pool.resource, ads, lambda a: a.resource)
            if scope:
                selected.setdefault(id(pool), (pool, None))
    for pool, ad in selected.values():
        if 6 not in families(pool):
            continue
        entry = next(e for e in pool.entries if e.parsed.range and e.parsed.range.version == 6)
        if ad is not None:
            why = f"{ad.label} announces it over BGP"
            related = [Related(ad.resource.name_location, f"{ad.label}")]
        else:
            why = (
                f"before {IPV6_ONLY_BGP_POOLS}, native mode refuses IPv6 in any pool once a "
                "BGPAdvertisement exists"
            )
            related = []
        yield ctx.finding(
            "ML310",
            f"pool '{pool.name}' holds IPv6 addresses ('{str(entry.parsed.text).strip()}') and "
            f'{why}, but native BGP mode speaks IPv4 only: {native} ("native bgp mode does '
            f'not support ipv6"). Move the IPv6 addresses to a pool announced by layer 2 only, '
            f"or {_switch_hint(ctx)}",
            entry.location,
            resource=pool.resource.ref,
            related=related,
            anchor=f"spec.addresses[{entry.index}]:ipv6",
        )


def _native_large_communities(ctx: Context, native: str) -> Iterator[Finding]:
    version = ctx.target.version
    if version < LARGE_COMMUNITIES:
        return  # not parsed as large at all: ML305
    message = (
        f'is a large community, which only the FRR-based modes send: {native} ("native BGP '
        f'mode only supports legacy communities"), even when no advertisement uses it. Use a '
        f"16-bit 'A:B' community, or {_switch_hint(ctx)}"
    )
    for ad in _bgp_ads(ctx):
        for raw, location in ad.communities or ():
            value = community_text(raw, location, ad.resource)
            if value is not None and parse_community(value, version).kind == "large":
                yield ctx.finding(
                    "ML310",
                    f"community '{value}' of {ad.label} {message}",
                    location,
                    resource=ad.resource.ref,
                    anchor=f"communities:{value}",
                )
    for community in ctx.inventory.communities:
        for alias in community.aliases:
            value = community_text(alias.value, alias.location, community.resource)
            if value is not None and parse_community(value, version).kind == "large":
                yield ctx.finding(
                    "ML310",
                    f"'{value}' ({alias_label(alias)} in Community "
                    f"'{community.resource.name}') {message}",
                    alias.location,
                    resource=community.resource.ref,
                    anchor=f"communities:{alias.name}",
                )


# -- FRR peer conflicts (facts §3.1 rule 37) ----------------------------------------------------


def _share_node(ctx: Context, a: BGPPeer, b: BGPPeer) -> bool | None:
    """Can two peers be configured on one node (one FRR instance)? Before 0.16 MetalLB
    compares all peers; from 0.16 those whose nodeSelectors can select one node."""
    if ctx.target.version < PEERS_PER_NODE:
        return True
    if disjoint(a.node_selectors, b.node_selectors):
        return False
    if not a.node_selectors or not b.node_selectors:
        return True
    return True if same_selection(a.node_selectors, b.node_selectors) else None


def _identity(ctx: Context, peer: BGPPeer) -> str:
    """The neighbor a peer opens a session to ("" when it names none: ML307)."""
    target = peer.text("peerAddress")
    interface = peer.text("interface")
    if not target and interface and ctx.target.version >= INTERFACE and not peer.legacy_api:
        target = f"interface {interface}"
    return target


def _vrf(ctx: Context, peer: BGPPeer) -> str:
    if ctx.target.version < VRF or peer.legacy_api:
        return ""
    return peer.text("vrf")


def _show_vrf(vrf: str) -> str:
    return f"VRF '{vrf}'" if vrf else "the default VRF"


@rule("ML311")
def frr_peer_conflict(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx) or ctx.target.mode_assumed:
        return  # a mode only assumed may not be the one that runs (ML005 says so)
    if ctx.target.mode not in ("frr", "frr-k8s"):
        return
    version = ctx.target.version
    peers = sorted(
        (p for p in _peers(ctx) if not p.unresolved),
        key=lambda p: (p.resource.path, p.resource.head.line),
    )
    mode = f"{ctx.target.mode} mode ({ctx.target.mode_source})"
    where = (
        "all peers land on every node's FRR"
        if version < PEERS_PER_NODE
        else "their nodeSelectors let them meet on one node"
    )
    stale = "MetalLB rejects the configuration and keeps the last valid one"
    for j, peer in enumerate(peers):
        before = {id(p) for p in peers[:j]}
        earlier = [  # one cluster's peers: same namespace and deployment unit
            p
            for p in in_scope(peer.resource, peers, resource_of)
            if id(p) in before and p.name != peer.name and _share_node(ctx, p, peer)
        ]
        # MetalLB names one conflict per peer; compared here with the first peer it meets,
        # so one odd peer is reported once, not against every other peer.
        for other in earlier[:1]:
            if peer.text("routerID") != other.text("routerID"):
                mine = peer.text("routerID") or "unset"
                theirs = other.text("routerID") or "unset"
                yield ctx.finding(
                    "ML311",
                    f"{_peer_label(peer)} has routerID {mine} and {_peer_label(other)} "
                    f"{theirs}; in {mode} {where}, and one FRR has one router ID, so {stale} "
                    '("in FRR mode peers ... must all have the same RouterID"). Give all peers '
                    "the same routerID, or none",
                    _at(peer.resource, "routerID"),
                    resource=peer.resource.ref,
                    related=[Related(_at(other.resource, "routerID"), f"{_peer_label(other)}")],
                    anchor=f"routerID:{other.name}",
                )
                break
        for other in earlier:
            target = _identity(ctx, peer)
            if target and target == _identity(ctx, other) and _vrf(ctx, peer) == _vrf(ctx, other):
                per_node = (
                    ""
                    if version >= PEERS_PER_NODE
                    else f" (from {PEERS_PER_NODE}, peers with disjoint nodeSelectors may)"
                )
                yield ctx.finding(
                    "ML311",
                    f"{_peer_label(peer)} and {_peer_label(other)} both peer with {target} in "
                    f"{_show_vrf(_vrf(ctx, peer))}; in {mode} {where}, and FRR holds one "
                    f"session per neighbor, so {stale} (\"FRR mode doesn't support duplicate "
                    f'BGPPeers"){per_node}. Merge them into one BGPPeer',
                    _at(peer.resource, "peerAddress"),
                    resource=peer.resource.ref,
                    related=[Related(_at(other.resource, "peerAddress"), _peer_label(other))],
                    anchor=f"peerAddress:{other.name}",
                )
                break
        same_vrf = [o for o in earlier if version < VRF or _vrf(ctx, peer) == _vrf(ctx, o)]
        for other in same_vrf[:1]:
            mine, theirs = peer.spec.get("myASN"), other.spec.get("myASN")
            if isinstance(mine, int) and isinstance(theirs, int) and mine != theirs:
                scope = f" in {_show_vrf(_vrf(ctx, peer))}" if version >= VRF else ""
                yield ctx.finding(
                    "ML311",
                    f"{_peer_label(peer)} has myASN {mine} and {_peer_label(other)} {theirs}"
                    f"{scope}; in {mode} {where}, and one FRR router has one AS number per VRF, "
                    f'so {stale} ("in FRR mode ... must have the same myAsn"). Use one myASN, '
                    "or put the peers in different VRFs",
                    _at(peer.resource, "myASN"),
                    resource=peer.resource.ref,
                    related=[Related(_at(other.resource, "myASN"), _peer_label(other))],
                    anchor=f"myASN:{other.name}",
                )
                break


# -- BFD echo and IPv6 (facts §3.1 rule 36) -----------------------------------------------------


@rule("ML312")
def bfd_echo_ipv6(ctx: Context) -> Iterator[Finding]:
    if not reads_crds(ctx):
        return
    target = ctx.target
    if target.mode == "native" or target.version < BFD_ECHO_CHECKED:
        return  # native mode rejects BFD altogether (ML310)
    inv = ctx.inventory
    reported: set[int] = set()
    for ad in _bgp_ads(ctx):
        v6 = [p for p in covered_pools(ctx, ad) if 6 in families(p)]
        if not v6 or ad.unresolved:
            continue
        if ad.peers:
            receivers = [
                p
                for name, _ in ad.peers
                for p in named(ad.resource, _peers(ctx), name, resource_of)
            ]
        else:
            receivers = in_scope(ad.resource, _peers(ctx), resource_of)
        for peer in receivers:
            name = peer.text("bfdProfile")
            if id(peer) in reported or not name or has_placeholder(name):
                continue
            echo = [
                p for p in named(peer.resource, inv.bfd_profiles, name, resource_of) if p.echo_mode
            ]
            if not echo:
                continue
            reported.add(id(peer))
            pool = v6[0]
            entry = next(e for e in pool.entries if e.parsed.range and e.parsed.range.version == 6)
            yield ctx.finding(
                "ML312",
                f"{_peer_label(peer)} uses BFDProfile '{name}' with echoMode, and "
                f"{ad.label} sends it the IPv6 pool '{pool.name}': BFD echo does not work "
                'over IPv6, so MetalLB rejects the configuration ("... which has bfd echo '
                'enabled, which is not possible") and keeps the last valid one. Use a profile '
                "without echoMode for this peer, or keep IPv6 pools away from it (peers: in "
                "the BGPAdvertisement)",
                peer.resource.location("spec", "bfdProfile"),
                resource=peer.resource.ref,
                related=[
                    Related(echo[0].resource.location("spec", "echoMode"), "echoMode is on here"),
                    Related(ad.resource.name_location, f"{ad.label}"),
                    Related(entry.location, f"IPv6 addresses of pool '{pool.name}'"),
                ],
                anchor="bfdProfile:echo",
            )
