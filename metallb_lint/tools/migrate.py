"""`metallb-lint migrate`: legacy configurations to the custom resources of MetalLB 0.13+.

The mapping is the one of MetalLB's own converter, configmaptocrs (facts §6.1): BGPPeer
v1beta2 `peer<N>` (holdTime written explicitly, default 1m30s; keepaliveTime only when set),
one IPAddressPool per pool under its sanitised name, BGPAdvertisement `bgpadvertisement<N>` per
`bgp-advertisements` item (an empty one for a bgp pool without any), L2Advertisement
`l2advertisement<N>` per layer2 pool, a BFDProfile per profile and one Community `communities`
holding every alias; resources in that order, in the namespace the configuration was read in.

Unlike the converter, a value that cannot be converted (an unknown protocol, an invalid address,
an unknown key MetalLB's strict parser rejected, a field the target release lacks) is never
dropped silently: it becomes a `Problem` (reported with its file and line, exit code 1) and a
`# not converted:` comment in the output next to where it would have gone.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from fractions import Fraction

import yaml

from metallb_lint.findings import Location
from metallb_lint.metallb.addresses import parse_ip, parse_pool_entry
from metallb_lint.metallb.gonumbers import duration_seconds, format_duration
from metallb_lint.metallb.versions import Version, v
from metallb_lint.model import legacy

API_V1BETA1 = "metallb.io/v1beta1"
API_V1BETA2 = "metallb.io/v1beta2"
DEFAULT_HOLD_SECONDS = 90
AVOID_BUGGY_IPS_FROM = v("0.13.4")  # removed in 0.13.2, re-added in 0.13.4 (facts §1.3)
LARGE_COMMUNITIES_FROM = v("0.13.10")
_K8S_NAME = re.compile(r"^[a-z][-a-z0-9]{0,61}[a-z0-9]$")  # configmaptocrs' check
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
UINT32 = 4294967295


@dataclass
class Problem:
    """Something in a legacy configuration that the migration cannot carry over as is."""

    location: Location
    message: str


@dataclass
class Converted:
    """One resource written from a legacy configuration, with what it came from."""

    body: dict
    origin: Location
    what: str  # "peers[0]", "address-pools[1] 'My_Pool', renamed 'my-pool'"
    omitted: list[str] = field(default_factory=list)  # comments: values left out


@dataclass
class Migration:
    """The resources that replace one legacy configuration, and what was left out."""

    config: legacy.LegacyConfig
    namespace: str
    resources: list[Converted] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # comments: items left out entirely
    problems: list[Problem] = field(default_factory=list)


# -- Go-compatible helpers -------------------------------------------------------------------


def sanitise(name: str) -> str | None:
    """configmaptocrs' `formatToK8S`: names not matching `^[a-z][-a-z0-9]{0,61}[a-z0-9]$` are
    truncated to 63 characters, lowercased, `_` becomes `-`, and leading non-letters go.
    None when no letter is left."""
    if _K8S_NAME.match(name):
        return name
    text = name[:63].lower().replace("_", "-")
    match = re.search("[a-z]", text)
    return text[match.start() :] if match else None


def _whole_seconds(value: Fraction) -> int:
    """`int(d.Seconds())`: truncated toward zero."""
    return int(value)


def community_ok(value: str, version: Version, mode: str) -> bool:
    """`A:B` of two uint16, or (0.13.10+, not native mode) `large:A:B:C` of uint32."""
    parts = value.split(":")
    if len(parts) == 2:
        return all(p.isdigit() and int(p) <= 0xFFFF for p in parts)
    if len(parts) == 4 and parts[0] == "large":
        return (
            version >= LARGE_COMMUNITIES_FROM
            and mode != "native"
            and all(p.isdigit() and int(p) <= UINT32 for p in parts[1:])
        )
    return False


# -- conversion ------------------------------------------------------------------------------


class _Converter:
    def __init__(
        self, config: legacy.LegacyConfig, namespace: str, version: Version, mode: str
    ) -> None:
        self.config = config
        self.version = version
        self.mode = mode
        self.out = Migration(config, namespace)
        for problem in config.problems:
            self.problem(problem.location, f"{problem.message}; not converted")
            where = f"{problem.location.path}:{problem.location.line}"
            self.out.skipped.append(f"{where}: {problem.message}")
        self.aliases = {c.name for c in config.communities}

    def problem(self, location: Location, message: str) -> None:
        self.out.problems.append(Problem(location, message))

    def skip(self, location: Location, what: str, why: str) -> None:
        self.problem(location, f"{what} not converted: {why}")
        self.out.skipped.append(f"{what} ({location.path}:{location.line}): {why}")

    def meta(self, kind: str, api: str, name: str) -> dict:
        return {
            "apiVersion": api,
            "kind": kind,
            "metadata": {"name": name, "namespace": self.out.namespace},
        }

    def run(self) -> Migration:
        bfd_names = self.names(self.config.bfd_profiles, "BFD profile")
        pool_names = self.names(self.config.pools, "address pool")
        peers = [self.peer(i, p) for i, p in enumerate(self.config.peers)]
        self.out.resources += [p for p in peers if p is not None]
        pools = []
        for pool in self.config.pools:
            converted = self.pool(pool, pool_names.get(id(pool)))
            if converted is not None:
                pools.append((pool, converted))
                self.out.resources.append(converted)
        self.out.resources += self.bgp_advertisements(pools)
        self.out.resources += self.l2_advertisements(pools)
        for profile in self.config.bfd_profiles:
            converted = self.bfd(profile, bfd_names.get(id(profile)))
            if converted is not None:
                self.out.resources.append(converted)
        communities = self.communities()
        if communities is not None:
            self.out.resources.append(communities)
        return self.out

    def names(self, items: list, what: str) -> dict[int, str]:
        """Sanitised names of pools or BFD profiles; problems for the ones that fail."""
        table: dict[int, str] = {}
        seen: dict[str, legacy.Item] = {}
        for item in items:
            if not item.name:
                continue  # reported where the item is converted
            name = sanitise(item.name)
            where = item.at("name")
            if name is None:
                self.problem(
                    where,
                    f"{what} name '{item.name}' has no letter, so it cannot "
                    "be made a Kubernetes name; rename it",
                )
                continue
            if not _DNS_LABEL.match(name):
                self.problem(
                    where,
                    f"{what} name '{item.name}' becomes '{name}', which is still "
                    "not a valid Kubernetes name; rename it",
                )
            if name in seen:
                first = seen[name].at("name")
                self.problem(
                    where,
                    f"{what} name '{item.name}' becomes '{name}', like the one "
                    f"on line {first.line}; rename one of them",
                )
                continue
            seen[name] = item
            table[id(item)] = name
        return table

    def peer(self, index: int, peer: legacy.Peer) -> Converted | None:
        what = peer.path
        for key, value in (("my-asn", peer.my_asn), ("peer-asn", peer.peer_asn)):
            if not value or value > UINT32:
                why = "missing" if value is None else f"{value} is not an ASN from 1 to {UINT32}"
                self.skip(peer.at(key), what, f"{key} {why}")
                return None
        if peer.peer_address is None or parse_ip(peer.peer_address.strip()) is None:
            why = "missing" if peer.peer_address is None else f"'{peer.peer_address}' is not an IP"
            self.skip(peer.at("peer-address"), what, f"peer-address {why}")
            return None
        converted = Converted(
            self.meta("BGPPeer", API_V1BETA2, f"peer{index + 1}"), peer.location, what
        )
        spec: dict[str, object] = {
            "myASN": peer.my_asn,
            "peerASN": peer.peer_asn,
            "peerAddress": peer.peer_address.strip(),
        }
        if peer.peer_port:
            if peer.peer_port > 16384:
                self.omit(
                    converted,
                    peer.at("peer-port"),
                    "peer-port",
                    f"{peer.peer_port} is above the BGPPeer maximum of 16384",
                )
            else:
                spec["peerPort"] = peer.peer_port
        for key, attr, value in (
            ("source-address", "sourceAddress", peer.source_address),
            ("router-id", "routerID", peer.router_id),
        ):
            if value is None:
                continue
            if parse_ip(value.strip()) is None:
                self.omit(converted, peer.at(key), key, f"'{value}' is not an IP address")
            else:
                spec[attr] = value.strip()
        hold = self.hold_time(converted, peer)
        spec["holdTime"] = format_duration(hold)
        if peer.keepalive_time is not None:
            keepalive = duration_seconds(peer.keepalive_time)
            if keepalive is None:
                self.omit(
                    converted,
                    peer.at("keepalive-time"),
                    "keepalive-time",
                    f"'{peer.keepalive_time}' is not a duration like 30s",
                )
            else:
                seconds = _whole_seconds(keepalive)
                spec["keepaliveTime"] = format_duration(seconds)
                if seconds > hold:
                    self.problem(
                        peer.at("keepalive-time"),
                        f"{what}: keepalive-time "
                        f"{peer.keepalive_time} is longer than the hold time "
                        f"{format_duration(hold)}, which MetalLB rejects; converted as "
                        "written, fix it",
                    )
        if peer.password is not None:
            spec["password"] = peer.password
        if peer.bfd_profile:
            spec["bfdProfile"] = self.bfd_reference(peer)
        if peer.ebgp_multihop:
            if peer.my_asn == peer.peer_asn:
                self.omit(
                    converted,
                    peer.at("ebgp-multihop"),
                    "ebgp-multihop",
                    "ebgp-multihop is invalid for an iBGP peer (my-asn equals peer-asn)",
                )
            else:
                spec["ebgpMultiHop"] = True
        selectors = [self.node_selector(converted, sel) for sel in peer.node_selectors]
        if selectors:
            spec["nodeSelectors"] = selectors
        converted.body["spec"] = spec
        return converted

    def hold_time(self, converted: Converted, peer: legacy.Peer) -> int:
        if peer.hold_time is None:
            return DEFAULT_HOLD_SECONDS
        parsed = duration_seconds(peer.hold_time)
        seconds = _whole_seconds(parsed) if parsed is not None else None
        if seconds is None or (seconds != 0 and seconds < 3):
            why = "is not a duration like 90s" if seconds is None else "must be 0 or at least 3s"
            self.omit(
                converted,
                peer.at("hold-time"),
                "hold-time",
                f"'{peer.hold_time}' {why}; the default 1m30s is written instead",
            )
            return DEFAULT_HOLD_SECONDS
        return seconds

    def bfd_reference(self, peer: legacy.Peer) -> str:
        """The profile's name as converted (configmaptocrs sanitises references too)."""
        assert peer.bfd_profile is not None
        name = sanitise(peer.bfd_profile) or peer.bfd_profile
        if peer.bfd_profile not in {p.name for p in self.config.bfd_profiles}:
            self.problem(
                peer.at("bfd-profile"),
                f"{peer.path}: bfd-profile "
                f"'{peer.bfd_profile}' names no profile of bfd-profiles; MetalLB "
                "rejects the configuration until it exists",
            )
        if self.mode == "native":
            self.problem(
                peer.at("bfd-profile"),
                f"{peer.path}: MetalLB {self.version} in "
                "native mode has no BFD; use the frr or frr-k8s mode",
            )
        return name

    def node_selector(self, converted: Converted, sel: legacy.NodeSelector) -> dict:
        out: dict[str, object] = {}
        if sel.match_labels:
            out["matchLabels"] = dict(sel.match_labels)
        expressions = []
        for i, expr in enumerate(sel.match_expressions):
            operator = expr.get("operator")
            if not expr.get("key") or operator not in _OPERATORS:
                self.omit(
                    converted,
                    sel.at("match-expressions"),
                    f"{sel.path}.match-expressions[{i}]",
                    f"needs a key and an operator of {', '.join(_OPERATORS)}",
                )
                continue
            item: dict[str, object] = {"key": expr["key"], "operator": operator}
            if expr.get("values"):
                item["values"] = list(expr["values"])  # type: ignore[arg-type]
            expressions.append(item)
        if expressions:
            out["matchExpressions"] = expressions
        return out

    def omit(self, converted: Converted, location: Location, key: str, why: str) -> None:
        self.problem(location, f"{converted.what}: {key} not converted: {why}")
        converted.omitted.append(f"{key} ({location.path}:{location.line}): {why}")

    def pool(self, pool: legacy.Pool, name: str | None) -> Converted | None:
        what = pool.path
        if not pool.name:
            self.skip(pool.location, what, "the pool has no name")
            return None
        if name is None:
            self.out.skipped.append(f"{what} '{pool.name}': its name cannot be converted")
            return None
        label = f"{what} '{pool.name}'" + (f", renamed '{name}'" if name != pool.name else "")
        converted = Converted(self.meta("IPAddressPool", API_V1BETA1, name), pool.location, label)
        addresses = []
        for index, (text, location) in enumerate(pool.addresses):
            entry = parse_pool_entry(text)
            if entry.error:
                self.omit(converted, location, f"addresses[{index}] '{text}'", entry.error)
            else:
                addresses.append(text)
        if not addresses:
            why = "it has no valid addresses" if pool.addresses else "it has no addresses"
            self.skip(pool.at("addresses"), label, why)
            return None
        spec: dict[str, object] = {"addresses": addresses}
        if pool.auto_assign is not None:
            spec["autoAssign"] = pool.auto_assign
        if pool.avoid_buggy_ips:
            if self.version < AVOID_BUGGY_IPS_FROM:
                self.omit(
                    converted,
                    pool.at("avoid-buggy-ips"),
                    "avoid-buggy-ips",
                    f"IPAddressPool has no avoidBuggyIPs in MetalLB {self.version} "
                    f"(back in {AVOID_BUGGY_IPS_FROM})",
                )
            else:
                spec["avoidBuggyIPs"] = True
        converted.body["spec"] = spec
        if pool.protocol not in ("layer2", "bgp"):
            why = (
                "has no protocol"
                if pool.protocol is None
                else f"has protocol '{pool.protocol}', which is neither layer2 nor bgp"
            )
            self.problem(
                pool.at("protocol"),
                f"{label} {why}: MetalLB 0.12 rejected it, and "
                "no L2Advertisement or BGPAdvertisement is converted for it, so its "
                "addresses would not be announced. Set the protocol",
            )
        elif pool.protocol == "layer2" and pool.advertisements:
            self.problem(
                pool.at("bgp-advertisements"),
                f"{label} is a layer2 pool with "
                "bgp-advertisements, which MetalLB 0.12 rejected; converted as MetalLB's "
                "converter does (BGPAdvertisements and an L2Advertisement)",
            )
        return converted

    def bgp_advertisements(self, pools: list[tuple[legacy.Pool, Converted]]) -> list[Converted]:
        out: list[Converted] = []
        for pool, converted in pools:
            name = converted.body["metadata"]["name"]
            for ad in pool.advertisements:
                item = self.bgp_advertisement(ad, pool, name, len(out) + 1)
                if item is not None:
                    out.append(item)
            if not pool.advertisements and pool.protocol == "bgp":
                body = self.meta("BGPAdvertisement", API_V1BETA1, f"bgpadvertisement{len(out) + 1}")
                body["spec"] = {"ipAddressPools": [name]}
                out.append(
                    Converted(
                        body,
                        pool.location,
                        f"{pool.path} (a bgp pool without "
                        "bgp-advertisements is advertised with the defaults)",
                    )
                )
        return out

    def bgp_advertisement(
        self, ad: legacy.Advertisement, pool: legacy.Pool, pool_name: str, number: int
    ) -> Converted | None:
        for key, value, limit, family in (
            ("aggregation-length", ad.aggregation_length, 32, 4),
            ("aggregation-length-v6", ad.aggregation_length_v6, 128, 6),
        ):
            if value is None:
                continue
            if value > limit or value < 1:
                self.skip(ad.at(key), ad.path, f"{key} {value} is not from 1 to {limit}")
                return None
            wider = _wider_than(value, family, pool)
            if wider is not None:
                self.skip(
                    ad.at(key),
                    ad.path,
                    f"{key} {value} is shorter than the prefix /{wider[1]} of '{wider[0]}' in "
                    "the pool, which MetalLB rejects",
                )
                return None
        converted = Converted(
            self.meta("BGPAdvertisement", API_V1BETA1, f"bgpadvertisement{number}"),
            ad.location,
            ad.path,
        )
        spec: dict[str, object] = {}
        if ad.aggregation_length is not None:
            spec["aggregationLength"] = ad.aggregation_length
        if ad.aggregation_length_v6 is not None:
            spec["aggregationLengthV6"] = ad.aggregation_length_v6
        if ad.localpref:
            spec["localPref"] = ad.localpref
        communities = []
        for index, (text, location) in enumerate(ad.communities):
            if text in self.aliases or community_ok(text, self.version, self.mode):
                communities.append(text)
            else:
                self.omit(
                    converted,
                    location,
                    f"communities[{index}] '{text}'",
                    "neither an alias of bgp-communities nor a community like 64512:100",
                )
        if communities:
            spec["communities"] = communities
        spec["ipAddressPools"] = [pool_name]
        converted.body["spec"] = spec
        return converted

    def l2_advertisements(self, pools: list[tuple[legacy.Pool, Converted]]) -> list[Converted]:
        out: list[Converted] = []
        for pool, converted in pools:
            if pool.protocol != "layer2":
                continue
            body = self.meta("L2Advertisement", API_V1BETA1, f"l2advertisement{len(out) + 1}")
            body["spec"] = {"ipAddressPools": [converted.body["metadata"]["name"]]}
            out.append(Converted(body, pool.at("protocol"), f"{pool.path} (protocol layer2)"))
        return out

    def bfd(self, profile: legacy.BFDProfile, name: str | None) -> Converted | None:
        if not profile.name:
            self.skip(profile.location, profile.path, "the profile has no name")
            return None
        if name is None:
            return None
        label = profile.path + (
            f" '{profile.name}', renamed '{name}'" if name != profile.name else f" '{profile.name}'"
        )
        converted = Converted(self.meta("BFDProfile", API_V1BETA1, name), profile.location, label)
        spec: dict[str, object] = {}
        for key, attr, low, high in (
            ("receive-interval", "receiveInterval", 10, 60000),
            ("transmit-interval", "transmitInterval", 10, 60000),
            ("detect-multiplier", "detectMultiplier", 2, 255),
            ("echo-interval", "echoInterval", 10, 60000),
            ("minimum-ttl", "minimumTtl", 1, 254),
        ):
            value = getattr(profile, key.replace("-", "_"))
            if value is None:
                continue
            if not low <= value <= high:
                self.omit(converted, profile.at(key), key, f"{value} is not from {low} to {high}")
            else:
                spec[attr] = value
        # The converter writes both flags, false included.
        spec["echoMode"] = bool(profile.echo_mode)
        spec["passiveMode"] = bool(profile.passive_mode)
        converted.body["spec"] = dict(sorted(spec.items()))
        if self.mode == "native":
            self.problem(
                profile.location,
                f"{label}: MetalLB {self.version} in native mode "
                "rejects every BFDProfile; use the frr or frr-k8s mode",
            )
        return converted

    def communities(self) -> Converted | None:
        if not self.config.communities:
            return None
        body = self.meta("Community", API_V1BETA1, "communities")
        converted = Converted(body, self.config.at("bgp-communities"), "bgp-communities")
        aliases = []
        for item in sorted(self.config.communities, key=lambda c: c.name):
            if item.value is None:
                continue  # a parse problem, already reported
            if community_ok(item.value, self.version, self.mode):
                aliases.append({"name": item.name, "value": item.value})
            else:
                self.omit(
                    converted,
                    item.at("value"),
                    f"alias '{item.name}'",
                    f"'{item.value}' is not a community like 64512:100",
                )
        if not aliases:
            return None
        body["spec"] = {"communities": aliases}
        return converted


def _wider_than(length: int, family: int, pool: legacy.Pool) -> tuple[str, int] | None:
    """A pool entry of `family` more specific than the aggregation length (facts §3.1 rule
    20): (entry, its shortest prefix), or None."""
    for text, _ in pool.addresses:
        entry = parse_pool_entry(text)
        prefix = entry.prefixlen
        if entry.range and entry.range.version == family and prefix is not None and length < prefix:
            return text, prefix
    return None


def convert(config: legacy.LegacyConfig, namespace: str, version: Version, mode: str) -> Migration:
    """The resources equivalent to one legacy configuration, for `version` in `mode`."""
    return _Converter(config, config.namespace or namespace, version, mode).run()


def clashes(migrations: list[Migration]) -> list[Problem]:
    """Resources of two configurations with one kind, namespace and name (both would be
    `peer1`, `communities`, ...): one would replace the other when applied."""
    seen: dict[tuple[str, str, str], Converted] = {}
    found = []
    for migration in migrations:
        for item in migration.resources:
            meta = item.body["metadata"]
            key = (item.body["kind"], meta["namespace"], meta["name"])
            if key in seen:
                first = seen[key].origin
                found.append(
                    Problem(
                        item.origin,
                        f"converts to {key[0]} {key[1]}/{key[2]}, like "
                        f"{first.path}:{first.line}; one would replace the other. "
                        "Migrate the configurations one at a time",
                    )
                )
            else:
                seen[key] = item
    return found


# -- output ------------------------------------------------------------------------------------


def render(migrations: list[Migration], version: Version, mode: str, note: str | None) -> str:
    """The converted resources as YAML, with a header saying where each came from."""
    intro = (
        f"MetalLB {version} custom resources ({mode} mode) converted by `metallb-lint migrate` "
        "with the mapping of MetalLB's configmaptocrs converter, from the legacy configuration "
        "listed below. MetalLB 0.13 and later no longer read it: apply these resources, then "
        "remove it."
    )
    lines = _comment(intro)
    if note:
        lines += _comment(note)
    for number, migration in enumerate(migrations, 1):
        loc = migration.config.location
        lines.append("#")
        lines += _comment(
            f"{number}. {loc.path}:{loc.line}: {migration.config.description}", rest="   "
        )
        for text in migration.skipped:
            lines += _comment(f"not converted: {text}", "   ", "     ")
    out = "\n".join(lines) + "\n"
    for migration in migrations:
        for item in migration.resources:
            out += "---\n"
            out += "\n".join(_comment(f"from {item.origin.path}:{item.origin.line}, {item.what}"))
            out += "\n"
            for text in item.omitted:
                out += "\n".join(_comment(f"not converted: {text}", "", "  ")) + "\n"
            out += yaml.safe_dump(
                item.body,
                sort_keys=False,
                default_flow_style=False,
                allow_unicode=True,
                width=1000,
            )
    return out


def _comment(text: str, first: str = "", rest: str = "") -> list[str]:
    """`text` as YAML comment lines of at most 100 characters (long paths stay whole)."""
    lines = textwrap.wrap(
        text,
        98,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [f"# {line}" for line in lines]
