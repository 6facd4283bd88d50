"""The legacy (MetalLB <= 0.12) ConfigMap configuration: where a repository keeps it, and its
contents as typed dataclasses that remember where every value was written (facts §6).

Three places hold one: a ConfigMap whose `data.config` string is the configuration, a bare
configuration file (usually fed to a kustomize `configMapGenerator`), and the official chart's
`configInline` value. `find_in_inventory` finds the first and last kinds, and bare files the
inventory parsed; `find_generator_files` also reads the files `configMapGenerator`s name, which
the relevance filter usually skipped (a bare config rarely mentions MetalLB).

Parsing mirrors MetalLB 0.12's strict reading (`yaml.UnmarshalStrict`): an unknown key or a value
of the wrong type is a problem (MetalLB rejected the whole configuration for it), recorded with
its location; the rest is still read. Semantic validation (ASNs, ranges, overlaps) is left to the
callers: `migrate` checks what it converts, ML109 what MetalLB would have rejected.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from metallb_lint.findings import Location
from metallb_lint.gitops.placeholders import has_placeholder, resolve_flux
from metallb_lint.load.documents import Chunk, Document, PathKey, compose_chunk, compose_mapped
from metallb_lint.load.sources import documents_on_disk
from metallb_lint.model.objects import Resource, ValuesSource

if TYPE_CHECKING:
    from metallb_lint.model.inventory import Inventory

_Part = TypeVar("_Part")

TOP_KEYS = ("peers", "bgp-communities", "address-pools", "bfd-profiles")
PEER_KEYS = (
    "my-asn",
    "peer-asn",
    "peer-address",
    "source-address",
    "peer-port",
    "hold-time",
    "keepalive-time",
    "router-id",
    "node-selectors",
    "password",
    "bfd-profile",
    "ebgp-multihop",
)
POOL_KEYS = (
    "name",
    "protocol",
    "addresses",
    "avoid-buggy-ips",
    "auto-assign",
    "bgp-advertisements",
)
ADVERTISEMENT_KEYS = ("aggregation-length", "aggregation-length-v6", "localpref", "communities")
BFD_KEYS = (
    "name",
    "receive-interval",
    "transmit-interval",
    "detect-multiplier",
    "echo-interval",
    "echo-mode",
    "passive-mode",
    "minimum-ttl",
)
SELECTOR_KEYS = ("match-labels", "match-expressions")
EXPRESSION_KEYS = ("key", "operator", "values")
_MENTIONS_LEGACY = re.compile(r"^\s*(?:address-pools|peers|bgp-communities|bfd-profiles)\s*:", re.M)
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*\s*(?:#.*)?$")


@dataclass
class Problem:
    """A value MetalLB's strict parser rejected (unknown key, wrong type, bad YAML)."""

    message: str
    location: Location


@dataclass
class Item:
    """One entry of the configuration: where it starts and where each of its values is."""

    path: str  # as messages name it: "address-pools[1]"
    location: Location
    fields: dict[str, Location] = field(default_factory=dict)

    def at(self, key: str) -> Location:
        return self.fields.get(key, self.location)


@dataclass
class NodeSelector(Item):
    """A `node-selectors` entry of a legacy peer: match-labels and match-expressions."""

    match_labels: dict[str, str] = field(default_factory=dict)
    match_expressions: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Peer(Item):
    """A `peers` entry of the legacy configuration: one BGP peer."""

    my_asn: int | None = None
    peer_asn: int | None = None
    peer_address: str | None = None
    source_address: str | None = None
    peer_port: int | None = None
    hold_time: str | None = None
    keepalive_time: str | None = None
    router_id: str | None = None
    password: str | None = None
    bfd_profile: str | None = None
    ebgp_multihop: bool | None = None
    node_selectors: list[NodeSelector] = field(default_factory=list)


@dataclass
class Advertisement(Item):
    """A `bgp-advertisements` entry of a legacy address pool."""

    aggregation_length: int | None = None
    aggregation_length_v6: int | None = None
    localpref: int | None = None
    communities: list[tuple[str, Location]] = field(default_factory=list)


@dataclass
class Pool(Item):
    """An `address-pools` entry of the legacy configuration."""

    name: str | None = None
    protocol: str | None = None
    addresses: list[tuple[str, Location]] = field(default_factory=list)
    auto_assign: bool | None = None
    avoid_buggy_ips: bool | None = None
    advertisements: list[Advertisement] = field(default_factory=list)


@dataclass
class BFDProfile(Item):
    """A `bfd-profiles` entry of the legacy configuration."""

    name: str | None = None
    receive_interval: int | None = None
    transmit_interval: int | None = None
    detect_multiplier: int | None = None
    echo_interval: int | None = None
    echo_mode: bool | None = None
    passive_mode: bool | None = None
    minimum_ttl: int | None = None


@dataclass
class Community(Item):
    """A `bgp-communities` entry of the legacy configuration: an alias and its value."""

    name: str = ""
    value: str | None = None


@dataclass
class LegacyConfig:
    """One legacy configuration and where it came from."""

    origin: str  # "configmap", "file" or "values"
    description: str  # "ConfigMap metallb-system/config", "file config.yaml", ...
    location: Location  # where the configuration starts
    namespace: str | None  # where MetalLB read it (None: not said; MetalLB's namespace)
    peers: list[Peer] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    bfd_profiles: list[BFDProfile] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sections: dict[str, Location] = field(default_factory=dict)  # top-level keys
    # Where a value holds a placeholder no variable of the repository fills (`${ROUTER_ADDR}`
    # without its Flux variable, `REPLACE_ME`): its value is unknown, and nothing said there
    # about it is a problem MetalLB would see.
    unknown: dict[Location, str] = field(default_factory=dict)  # location: the text written

    def at(self, key: str) -> Location:
        return self.sections.get(key, self.location)


def is_legacy_data(data: object) -> bool:
    """A mapping that is a legacy configuration: `address-pools`, or only legacy keys."""
    if not isinstance(data, dict) or not data or "apiVersion" in data or "kind" in data:
        return False
    return "address-pools" in data or set(data) <= set(TOP_KEYS)


def parse(
    data: dict,
    doc: Document,
    base: PathKey,
    *,
    origin: str,
    description: str,
    namespace: str | None,
    variables: Mapping[str, str] | None = None,
) -> LegacyConfig:
    """Read the configuration `data`, found at `base` in `doc`. With `variables` (Flux's),
    a value holding `${VAR}` is read as Flux substitutes it; without, it stays as written."""
    config = LegacyConfig(origin, description, doc.location(base), namespace)
    _Reader(doc, config.problems, config.unknown, variables).config(data, base, config)
    return config


# -- finding configurations ------------------------------------------------------------------


def find_in_inventory(
    inventory: Inventory, variables: Mapping[str, str] | None = None
) -> list[LegacyConfig]:
    """ConfigMaps with a legacy `config`, bare config files the inventory parsed, and
    `configInline` in the official chart's values. Reads no file."""
    found: list[LegacyConfig] = []
    for res in inventory.resources:
        config = from_configmap(res, variables)
        if config is not None:
            found.append(config)
    for doc in inventory.documents:
        if is_legacy_data(doc.data):
            found.append(
                parse(
                    doc.data,
                    doc,
                    (),
                    origin="file",
                    description="a bare configuration file",
                    namespace=None,
                    variables=variables,
                )
            )
    for values in inventory.values:
        if values.is_metallb and "configInline" in values.data:
            config = _from_values(values, variables)
            if config is not None:
                found.append(config)
    return found


def from_configmap(
    res: Resource, variables: Mapping[str, str] | None = None
) -> LegacyConfig | None:
    """The legacy configuration in a ConfigMap's `data.config`, or None."""
    if res.kind != "ConfigMap" or res.api_version != "v1":
        return None
    return _configmap(res.doc, res.base, res.body, res.effective_namespace, res.name, variables)


def _configmap(
    doc: Document,
    base: PathKey,
    body: dict,
    namespace: str | None,
    name: str | None,
    variables: Mapping[str, str] | None = None,
) -> LegacyConfig | None:
    data = body.get("data")
    text = data.get("config") if isinstance(data, dict) else None
    if not isinstance(text, str) or not _MENTIONS_LEGACY.search(text):
        return None
    path = (*base, "data", "config")
    description = f"ConfigMap {namespace + '/' if namespace else ''}{name or '<unnamed>'}"
    embedded, problems = embedded_document(doc, path, text)
    if embedded is None:  # bad YAML inside a legacy-looking configuration
        config = LegacyConfig("configmap", description, doc.location(path), namespace)
        config.problems.extend(problems)
        return config
    if not is_legacy_data(embedded.data):
        return None
    assert isinstance(embedded.data, dict)
    config = parse(
        embedded.data,
        embedded,
        (),
        origin="configmap",
        description=description,
        namespace=namespace,
        variables=variables,
    )
    config.problems[:0] = problems
    return config


def _from_values(
    values: ValuesSource, variables: Mapping[str, str] | None = None
) -> LegacyConfig | None:
    inline = values.data.get("configInline")
    path = (*values.base, "configInline")
    description = "configInline in the values of the metallb chart"
    if isinstance(inline, str):
        embedded, problems = embedded_document(values.doc, path, inline)
        if embedded is None or not isinstance(embedded.data, dict):
            return None
        config = parse(
            embedded.data,
            embedded,
            (),
            origin="values",
            description=description,
            namespace=values.namespace,
            variables=variables,
        )
        config.problems[:0] = problems
        return config
    if not isinstance(inline, dict) or not inline:
        return None
    return parse(
        inline,
        values.doc,
        path,
        origin="values",
        description=description,
        namespace=values.namespace,
        variables=variables,
    )


@dataclass
class GeneratorFile:
    """A file a kustomize `configMapGenerator` turns into a ConfigMap key."""

    path: str  # display path, relative like the kustomization's
    key: str  # the ConfigMap key it becomes (MetalLB reads `config`)
    generator: str  # the generated ConfigMap's name
    namespace: str | None
    kustomization: Location


def generator_files(inventory: Inventory) -> Iterator[GeneratorFile]:
    """Files named by `configMapGenerator` entries that may hold a legacy configuration.

    Only files inside the kustomization's directory are named (kustomize's default load
    restrictor refuses others too), so nothing outside the linted tree is ever read."""
    deployment = inventory.deployment
    for source in inventory.sources.values():
        if source.role != "kustomization":
            continue
        if deployment is not None and not deployment.deployed(source.display):
            continue
        for doc in source.documents:
            data = doc.data if isinstance(doc.data, dict) else {}
            generators = data.get("configMapGenerator")
            for g_index, gen in enumerate(generators if isinstance(generators, list) else []):
                if not isinstance(gen, dict) or not isinstance(gen.get("files"), list):
                    continue
                namespace = gen.get("namespace") or data.get("namespace")
                for f_index, item in enumerate(gen["files"]):
                    if not isinstance(item, str):
                        continue
                    key, _, rel = item.rpartition("=")
                    key = key or posixpath.basename(rel)
                    if key != "config" and not rel.endswith((".yaml", ".yml")):
                        continue
                    joined = posixpath.normpath(posixpath.join(source.directory, rel))
                    inside = posixpath.relpath(joined, source.directory or ".")
                    if posixpath.isabs(rel) or inside.startswith(".."):
                        continue
                    yield GeneratorFile(
                        joined,
                        key,
                        str(gen.get("name") or "?"),
                        namespace if isinstance(namespace, str) else None,
                        doc.location(("configMapGenerator", g_index, "files", f_index)),
                    )


def find_generator_files(
    inventory: Inventory, known: Iterable[str] = (), variables: Mapping[str, str] | None = None
) -> list[LegacyConfig]:
    """Legacy configurations in `configMapGenerator` files, read from disk when the inventory
    skipped them. `known`: paths already converted (not read twice)."""
    seen = set(known)
    found: list[LegacyConfig] = []
    for gen in generator_files(inventory):
        if gen.path in seen:
            continue
        seen.add(gen.path)
        description = (
            f"a bare configuration, the ConfigMap of configMapGenerator '{gen.generator}' "
            f"in {gen.kustomization.path}"
        )
        source = inventory.sources.get(gen.path)
        documents = source.documents if source is not None else documents_on_disk(gen.path)
        for doc in documents:
            if is_legacy_data(doc.data):
                found.append(
                    parse(
                        doc.data,
                        doc,
                        (),
                        origin="file",
                        description=description,
                        namespace=gen.namespace,
                        variables=variables,
                    )
                )
    return found


def find_all(
    inventory: Inventory, files: Iterable[str] = (), variables: Mapping[str, str] | None = None
) -> list[LegacyConfig]:
    """Every legacy configuration: `find_in_inventory`, `configMapGenerator` files, and the
    named `files` (bare configurations named on the command line), in file order. With
    `variables`, values are read as Flux fills them (checks); without, as written (migrate,
    which must keep `${VAR}` in what it writes)."""
    generated = find_generator_files(inventory, variables=variables)
    taken = {c.location.path for c in generated}
    found = [
        c
        for c in find_in_inventory(inventory, variables)
        if not (c.origin == "file" and c.location.path in taken)
    ]
    found.extend(generated)
    taken |= {c.location.path for c in found}
    for path in files:
        if path in taken or path in inventory.sources:
            continue
        taken.add(path)
        for doc in documents_on_disk(path):
            body = doc.data if isinstance(doc.data, dict) else {}
            if body.get("kind") == "ConfigMap" and body.get("apiVersion") == "v1":
                meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
                namespace, name = meta.get("namespace"), meta.get("name")
                config = _configmap(
                    doc,
                    (),
                    body,
                    namespace if isinstance(namespace, str) else None,
                    name if isinstance(name, str) else None,
                    variables,
                )
                if config is not None:
                    found.append(config)
            elif is_legacy_data(doc.data):
                found.append(
                    parse(
                        doc.data,
                        doc,
                        (),
                        origin="file",
                        description="a bare configuration file",
                        namespace=None,
                        variables=variables,
                    )
                )
    found.sort(key=lambda c: (c.location.path, c.location.line))
    return found


def embedded_document(
    doc: Document, path: PathKey, text: str
) -> tuple[Document | None, list[Problem]]:
    """A YAML document held in a string value (`config: |`), located in its file.

    In a block scalar the string starts on the next line, indented: lines and columns are
    shifted accordingly. A quoted or plain string has no line structure to map, so every
    value is placed at the string itself."""
    line, column, end_line, end_column = doc.positions.span(path)
    lines = doc.text.split("\n")
    first = doc.text_index(line)
    header = lines[first][column - 1 :] if 0 <= first < len(lines) else ""
    block = bool(_BLOCK_HEADER.match(header.strip()))
    indent = 0
    if block:
        following = next((s for s in lines[first + 1 :] if s.strip()), "")
        indent = len(following) - len(following.lstrip(" "))
    if doc.lines is not None:  # a rendered template: its lines are the template's
        chunk = Chunk(first + (2 if block else 1), text)
        embedded, load_problems = compose_mapped(doc.path, chunk, doc.index, doc.lines)
    else:
        chunk = Chunk(line + 1 if block else line, text)
        embedded, load_problems = compose_chunk(doc.path, chunk, doc.index)
    if embedded is None and has_placeholder(text):
        return None, []  # YAML only once a tool fills its placeholders ($(addresses)): unknown
    problems = [Problem(p.message, _shift(p.location, indent)) for p in load_problems]
    if embedded is None:
        return None, problems
    positions = embedded.positions
    if block:
        positions.values = {k: _shift_span(s, indent) for k, s in positions.values.items()}
        positions.keys = {k: _shift_span(s, indent) for k, s in positions.keys.items()}
    else:
        whole = (line, column, end_line, end_column)
        positions.values = dict.fromkeys(positions.values, whole)
        positions.keys = dict.fromkeys(positions.keys, whole)
    return embedded, problems


def _shift_span(span: tuple[int, int, int, int], indent: int) -> tuple[int, int, int, int]:
    a, b, c, d = span
    return a, b + indent, c, d + indent


def _shift(location: Location, indent: int) -> Location:
    return Location(
        location.path,
        location.line,
        location.column + indent,
        location.end_line,
        location.end_column + indent,
    )


# -- reading ---------------------------------------------------------------------------------


class _Reader:
    """Typed reads with locations; wrong types and unknown keys become problems."""

    def __init__(
        self,
        doc: Document,
        problems: list[Problem],
        unknown: dict[Location, str],
        variables: Mapping[str, str] | None,
    ) -> None:
        self.doc = doc
        self.problems = problems
        self.unknown = unknown
        self.variables = variables or {}

    def fill(self, value: object, path: PathKey) -> tuple[object, bool]:
        """`value` as MetalLB reads it once the repository's tools filled its placeholders,
        and whether it is known. A string holding `${VAR}` gets the Flux variable; one still
        holding a placeholder afterwards is unknown: kept as written, its location remembered."""
        if not isinstance(value, str) or not has_placeholder(value):
            return value, True
        filled = resolve_flux(value, self.variables)[0] if self.variables else value
        if has_placeholder(filled):
            self.unknown[self.loc(path)] = value
            return value, False
        return filled, True

    def loc(self, path: PathKey, *, key: bool = False) -> Location:
        return self.doc.location(path, key=key)

    def problem(self, message: str, path: PathKey, *, key: bool = False) -> None:
        self.problems.append(Problem(message, self.loc(path, key=key)))

    def mapping(self, node: object, path: PathKey, allowed: tuple[str, ...], what: str) -> dict:
        if not isinstance(node, dict):
            if node is not None:
                self.problem(f"{what} must be a mapping, not {_kind(node)}", path)
            return {}
        for key in node:
            if key not in allowed:
                self.problem(
                    f"unknown key '{key}' in {what} (MetalLB's strict parser rejects the whole "
                    f"configuration; known keys: {', '.join(allowed)})",
                    (*path, key),
                    key=True,
                )
        return node

    def items(self, node: object, path: PathKey, what: str) -> list[tuple[int, object]]:
        if node is None:
            return []
        if not isinstance(node, list):
            self.problem(f"{what} must be a list, not {_kind(node)}", path)
            return []
        return list(enumerate(node))

    def children(
        self,
        node: dict,
        key: str,
        path: PathKey,
        what: str,
        build: Callable[[object, PathKey, str], _Part],
    ) -> list[_Part]:
        """`build` of each item of the list `node[key]` (`what` is "" at the top level)."""
        label = f"{what}.{key}" if what else key
        return [
            build(item, (*path, key, i), f"{label}[{i}]")
            for i, item in self.items(node.get(key), (*path, key), label)
        ]

    def string(self, node: dict, key: str, path: PathKey, what: str) -> str | None:
        value, _ = self.fill(node.get(key), (*path, key))
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # yaml.v2 reads any scalar into a string field
        if not isinstance(value, str):
            self.problem(f"{what}.{key} must be a string, not {_kind(value)}", (*path, key))
            return None
        return value

    def integer(self, node: dict, key: str, path: PathKey, what: str) -> int | None:
        value, known = self.fill(node.get(key), (*path, key))
        if value is None or not known:
            return None
        if isinstance(value, str) and value.strip().isdigit() and node.get(key) != value:
            value = int(value)  # `my-asn: ${ASN}`: Flux substitutes, then YAML reads a number
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(
                f"{what}.{key} must be a non-negative whole number, not {_show(value)}",
                (*path, key),
            )
            return None
        return value

    def boolean(self, node: dict, key: str, path: PathKey, what: str) -> bool | None:
        value, known = self.fill(node.get(key), (*path, key))
        if value is None or not known:
            return None
        if isinstance(value, str) and node.get(key) != value and value in ("true", "false"):
            value = value == "true"
        if not isinstance(value, bool):
            self.problem(f"{what}.{key} must be true or false, not {_show(value)}", (*path, key))
            return None
        return value

    def strings(self, node: dict, key: str, path: PathKey, what: str) -> list[tuple[str, Location]]:
        out: list[tuple[str, Location]] = []
        for index, written in self.items(node.get(key), (*path, key), f"{what}.{key}"):
            where = (*path, key, index)
            value, _ = self.fill(written, where)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                out.append((str(value), self.loc(where)))
            else:
                self.problem(f"{what}.{key}[{index}] must be a string, not {_kind(value)}", where)
        return out

    def fields(self, node: dict, path: PathKey) -> dict[str, Location]:
        return {key: self.loc((*path, key)) for key in node}

    # -- the configuration's parts -------------------------------------------------------------

    def config(self, data: dict, base: PathKey, config: LegacyConfig) -> None:
        self.mapping(data, base, TOP_KEYS, "the configuration")
        config.sections = {key: self.loc((*base, key), key=True) for key in data}
        config.peers += self.children(data, "peers", base, "", self.peer)
        config.pools += self.children(data, "address-pools", base, "", self.pool)
        config.bfd_profiles += self.children(data, "bfd-profiles", base, "", self.bfd)
        communities = data.get("bgp-communities")
        path = (*base, "bgp-communities")
        if communities is not None and not isinstance(communities, dict):
            self.problem(f"bgp-communities must be a mapping, not {_kind(communities)}", path)
        elif isinstance(communities, dict):
            for name, value in communities.items():
                where = (*path, name)
                item = Community(
                    f"bgp-communities.{name}",
                    self.loc(where, key=True),
                    {"value": self.loc(where)},
                    name=name,
                )
                value, _ = self.fill(value, where)
                if isinstance(value, str):
                    item.value = value
                else:
                    self.problem(
                        f"bgp-communities.{name} must be a string like '64512:100', not "
                        f"{_show(value)}",
                        where,
                    )
                config.communities.append(item)

    def peer(self, node: object, path: PathKey, what: str) -> Peer:
        data = self.mapping(node, path, PEER_KEYS, what)
        peer = Peer(what, self.loc(path), self.fields(data, path))
        peer.my_asn = self.integer(data, "my-asn", path, what)
        peer.peer_asn = self.integer(data, "peer-asn", path, what)
        peer.peer_port = self.integer(data, "peer-port", path, what)
        for attr in (
            "peer-address",
            "source-address",
            "hold-time",
            "keepalive-time",
            "router-id",
            "password",
            "bfd-profile",
        ):
            setattr(peer, attr.replace("-", "_"), self.string(data, attr, path, what))
        peer.ebgp_multihop = self.boolean(data, "ebgp-multihop", path, what)
        peer.node_selectors += self.children(data, "node-selectors", path, what, self.selector)
        return peer

    def selector(self, node: object, path: PathKey, what: str) -> NodeSelector:
        data = self.mapping(node, path, SELECTOR_KEYS, what)
        sel = NodeSelector(what, self.loc(path), self.fields(data, path))
        labels = data.get("match-labels")
        if isinstance(labels, dict):
            for key, value in labels.items():
                if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    sel.match_labels[str(key)] = str(value)
                else:
                    self.problem(
                        f"{what}.match-labels.{key} must be a string, not {_show(value)}",
                        (*path, "match-labels", key),
                    )
        elif labels is not None:
            self.problem(f"{what}.match-labels must be a mapping", (*path, "match-labels"))
        expressions = data.get("match-expressions")
        for i, expr in self.items(
            expressions, (*path, "match-expressions"), f"{what}.match-expressions"
        ):
            where = (*path, "match-expressions", i)
            label = f"{what}.match-expressions[{i}]"
            entry = self.mapping(expr, where, EXPRESSION_KEYS, label)
            if not entry:
                continue
            values = [text for text, _ in self.strings(entry, "values", where, label)]
            sel.match_expressions.append(
                {
                    "key": self.string(entry, "key", where, label),
                    "operator": self.string(entry, "operator", where, label),
                    "values": values,
                }
            )
        return sel

    def pool(self, node: object, path: PathKey, what: str) -> Pool:
        data = self.mapping(node, path, POOL_KEYS, what)
        pool = Pool(what, self.loc(path), self.fields(data, path))
        pool.name = self.string(data, "name", path, what)
        pool.protocol = self.string(data, "protocol", path, what)
        pool.addresses = self.strings(data, "addresses", path, what)
        pool.auto_assign = self.boolean(data, "auto-assign", path, what)
        pool.avoid_buggy_ips = self.boolean(data, "avoid-buggy-ips", path, what)
        pool.advertisements += self.children(
            data, "bgp-advertisements", path, what, self.advertisement
        )
        return pool

    def advertisement(self, node: object, path: PathKey, what: str) -> Advertisement:
        data = self.mapping(node, path, ADVERTISEMENT_KEYS, what)
        ad = Advertisement(what, self.loc(path), self.fields(data, path))
        ad.aggregation_length = self.integer(data, "aggregation-length", path, what)
        ad.aggregation_length_v6 = self.integer(data, "aggregation-length-v6", path, what)
        ad.localpref = self.integer(data, "localpref", path, what)
        ad.communities = self.strings(data, "communities", path, what)
        return ad

    def bfd(self, node: object, path: PathKey, what: str) -> BFDProfile:
        data = self.mapping(node, path, BFD_KEYS, what)
        profile = BFDProfile(what, self.loc(path), self.fields(data, path))
        profile.name = self.string(data, "name", path, what)
        for key in (
            "receive-interval",
            "transmit-interval",
            "detect-multiplier",
            "echo-interval",
            "minimum-ttl",
        ):
            setattr(profile, key.replace("-", "_"), self.integer(data, key, path, what))
        profile.echo_mode = self.boolean(data, "echo-mode", path, what)
        profile.passive_mode = self.boolean(data, "passive-mode", path, what)
        return profile


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _show(value)


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)
