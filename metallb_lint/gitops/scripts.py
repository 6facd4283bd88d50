"""MetalLB installed by a shell script of the repository: `kubectl apply -f` (or `create`, or
`-k`) of a manifest URL of MetalLB's repository at a release tag, and `helm install` or
`helm upgrade --install` of MetalLB's chart (`metallb/metallb` after a `helm repo add` of
MetalLB's chart repository, `--repo` with it, or its OCI address) with its `--version`.

Scripts are never linted; they are read only for the install they name, because a repository
that installs MetalLB this way says its release nowhere else (benchmarks/realworld held-out set:
`restore-metallb.sh` applying `v0.14.9/config/manifests/metallb-native.yaml`). Commented lines
are skipped; a URL with a variable in it (`${METALLB_VERSION}`) names no release. A variable
the script itself sets (`VERSION=0.14.8`, `VERSION=${VERSION:-0.14.8}`) is substituted in a
helm command; any other stays a placeholder, never judged.

`local_installs` reads the other side: the helm commands that install a chart folder of the
repository itself, with the values files they pass, for chains.py to render.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass

from metallb_lint.findings import Location
from metallb_lint.gitops.kustomize import MANIFEST_URL
from metallb_lint.load.discover import Candidate
from metallb_lint.load.sources import read_candidate
from metallb_lint.metallb.charts import is_official_repository
from metallb_lint.model.objects import InstallSite

_KUBECTL = re.compile(r"\bkubectl\b.*\b(?:apply|create|replace)\b")
_VARIABLE = re.compile(r"\$[{(A-Za-z_]")


def install_sites(script: Candidate) -> list[InstallSite]:
    data = read_candidate(script)
    if not isinstance(data, bytes) or b"metallb" not in data:
        return []
    text = data.decode("utf-8", errors="replace")
    return [*_kubectl_sites(script, text), *(site for site, _ in _helm_sites(script, text))]


def helm_installs(script: Candidate) -> list[tuple[InstallSite, list[str]]]:
    """The helm commands that install MetalLB's chart (or Bitnami's), each with the values
    files it passes (`-f`, `--values`) as written, variables of the script substituted."""
    data = read_candidate(script)
    if not isinstance(data, bytes) or b"metallb" not in data:
        return []
    return _helm_sites(script, data.decode("utf-8", errors="replace"))


def _kubectl_sites(script: Candidate, text: str) -> list[InstallSite]:
    sites: list[InstallSite] = []
    for number, line in enumerate(text.split("\n"), 1):
        code = line.split(" #", 1)[0]
        if code.lstrip().startswith("#") or not _KUBECTL.search(code):
            continue
        for match in MANIFEST_URL.finditer(code):
            ref = match.group("kref") or match.group("rref")
            url = match.group(0)
            if not ref or _VARIABLE.search(url):
                continue
            where = Location(script.display, number, match.start() + 1, number, match.end() + 1)
            sites.append(
                InstallSite(
                    "manifest-url",
                    ref,
                    where,
                    url,
                    None,
                    None,
                    path_hint=(match.group("kpath") or match.group("rpath") or "").strip("/"),
                    repository_location=where,
                    owner="script",
                )
            )
    return sites


# -- helm install / helm upgrade --install -----------------------------------------------------

_MAX_COMMAND = 64 * 1024  # characters of one command, continuations joined
_HELM = re.compile(r"\bhelm\s+(?:install|upgrade)\b")
_REPO_ADD = re.compile(r"\bhelm\s+repo\s+add\s+(\S+)\s+(\S+)")
_ASSIGN = re.compile(r"^\s*(?:export\s+|readonly\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S*)")
_DEFAULT = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}$")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
# helm flags that take a value (the others are switches)
_VALUED = frozenset(
    [
        "--version",
        "--repo",
        "-n",
        "--namespace",
        "-f",
        "--values",
        "--set",
        "--set-string",
        "--set-file",
        "--set-json",
        "--set-literal",
        "--timeout",
        "--kube-context",
        "--kubeconfig",
        "--post-renderer",
        "--post-renderer-args",
        "--description",
        "--username",
        "--password",
        "--ca-file",
        "--cert-file",
        "--key-file",
        "--history-max",
        "--kube-apiserver",
        "--kube-as-user",
        "--kube-as-group",
        "--kube-token",
        "--registry-config",
        "--repository-cache",
        "--repository-config",
        "--output",
        "-o",
        "--labels",
        "-l",
        "--burst-limit",
        "--qps",
    ]
)


def _logical_lines(text: str) -> list[tuple[int, str, list[int]]]:
    """Commands with their `\\` continuations joined: (first line, text, the offset in the
    text where each physical line starts). Linear: the pieces are joined once per command."""
    out: list[tuple[int, str, list[int]]] = []
    start, parts, offsets, size = 0, [], [], 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = "" if raw.lstrip().startswith("#") else raw
        if not parts:
            start, offsets, size = number, [], 0
        offsets.append(size)
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            piece = stripped[:-1] + " "
            parts.append(piece)
            size += len(piece)
            continue
        parts.append(line)
        out.append((start, "".join(parts), offsets))
        parts = []
    return out


def _variables(text: str) -> dict[str, str]:
    """What the script assigns, in order (a later assignment wins), defaults resolved."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        match = _ASSIGN.match(line)
        if not match:
            continue
        name, value = match.group(1), match.group(2).strip("'\"")
        default = _DEFAULT.match(value)
        if default and default.group(1) == name:
            value = found.get(name, default.group(2))
        found[name] = value
    return found


def _substitute(token: str, variables: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return variables.get(name, "${" + name + "}")

    return _REFERENCE.sub(one, token)


def _helm_sites(script: Candidate, text: str) -> list[tuple[InstallSite, list[str]]]:
    variables = _variables(text)
    aliases = {
        m.group(1): _substitute(m.group(2).strip("'\""), variables)
        for m in _REPO_ADD.finditer(text)
    }
    sites: list[tuple[InstallSite, list[str]]] = []
    for first, command, offsets in _logical_lines(text):
        if len(command) > _MAX_COMMAND:
            continue  # no helm command is that long: not split into words (shlex is slow)
        code = command.split(" #", 1)[0]
        match = _HELM.search(code)
        if match is None:
            continue
        site = _helm_site(script, code, match.start(), first, offsets, aliases, variables)
        if site is not None:
            sites.append(site)
    return sites


@dataclass
class HelmCommand:
    """A `helm install` (or `upgrade --install`) as written, the script's variables
    substituted where it sets them."""

    chart: str
    flags: dict[str, str]
    values: list[str]  # the -f/--values files, in order
    release: str | None
    # words beside the release and the chart (`$EXTRA_ARGS`, `"${args[@]}"`): flags, unknown
    others: bool = False


def _helm_command(code: str, start: int, variables: dict[str, str]) -> HelmCommand | None:
    rest = code[start:].split(";", 1)[0].split("&&", 1)[0].split("|", 1)[0]
    try:
        tokens = shlex.split(rest)
    except ValueError:
        return None  # an unclosed quote: not a command this reader can follow
    if len(tokens) < 3 or tokens[1] not in ("install", "upgrade"):
        return None
    if tokens[1] == "upgrade" and not ({"--install", "-i"} & set(tokens)):
        return None  # an upgrade of an installed release says its version there too
    flags: dict[str, str] = {}
    values: list[str] = []
    positional: list[str] = []
    index = 2
    while index < len(tokens):
        token = tokens[index]
        if token.startswith("-"):
            name, equals, value = token.partition("=")
            if not equals and name in _VALUED and index + 1 < len(tokens):
                index += 1
                value = tokens[index]
            flags[name] = value
            if name in ("-f", "--values"):
                values.extend(_substitute(v, variables) for v in value.split(",") if v)
        else:
            positional.append(token)
        index += 1
    chart = _substitute(positional[-1], variables) if positional else ""
    release = _substitute(positional[0], variables) if len(positional) > 1 else None
    return HelmCommand(chart, flags, values, release, len(positional) > 2)


def _helm_site(
    script: Candidate,
    code: str,
    start: int,
    first: int,
    offsets: list[int],
    aliases: dict[str, str],
    variables: dict[str, str],
) -> tuple[InstallSite, list[str]] | None:
    command = _helm_command(code, start, variables)
    if command is None:
        return None
    chart, flags = command.chart, command.flags
    repository = _substitute(flags.get("--repo", ""), variables)
    if chart.startswith("oci://"):
        repository, _, name = chart.rpartition("/")
    elif "/" in chart and not repository:
        alias, _, name = chart.partition("/")
        repository = aliases.get(alias, "")
    else:
        name = chart
    official = is_official_repository(repository)
    if name != "metallb" or not (official or "bitnami" in repository.lower()):
        return None
    version = flags.get("--version")
    shown = _substitute(version, variables) if version is not None else None
    written = version if version is not None else chart
    where = _locate(script, code, written, start, first, offsets)
    namespace = flags.get("--namespace", flags.get("-n"))
    site = InstallSite(
        "helm-command",
        shown,
        where,
        repository,
        _substitute(namespace, variables) if namespace else None,
        "helm --namespace" if namespace else None,
        repository_location=where,
        chart=chart,
        official=official,
        owner="helm command",
    )
    return site, command.values


# -- helm install of a chart of the repository -------------------------------------------------


@dataclass
class LocalInstall:
    """A chart folder of the repository that a script helm-installs, with its values files
    as written (a path that still holds a variable is chosen when the script runs)."""

    chart_dir: str
    values: list[str]
    where: Location
    release: str | None
    namespace: str | None
    sets: bool  # --set and friends, or words from variables: values not followed


def local_installs(script: Candidate, chart_dirs: set[str]) -> list[LocalInstall]:
    """The helm commands of a script that install a chart folder of the repository: the
    chart argument as written, or its part after a variable (`$repo_root/charts/app`, a
    script that runs from a clone of this repository), naming a chart folder."""
    data = read_candidate(script)
    if not isinstance(data, bytes) or b"helm" not in data:
        return []
    text = data.decode("utf-8", errors="replace")
    variables = _variables(text)
    found: list[LocalInstall] = []
    for first, command, offsets in _logical_lines(text):
        if len(command) > _MAX_COMMAND:
            continue
        code = command.split(" #", 1)[0]
        match = _HELM.search(code)
        parsed = _helm_command(code, match.start(), variables) if match else None
        if parsed is None or match is None:
            continue
        chart_dir = _chart_folder(parsed.chart, posixpath.dirname(script.display), chart_dirs)
        if chart_dir is None:
            continue
        namespace = parsed.flags.get("--namespace", parsed.flags.get("-n"))
        where = _locate(
            script, code, parsed.chart.rsplit("/", 1)[-1], match.start(), first, offsets
        )
        found.append(
            LocalInstall(
                chart_dir,
                parsed.values,
                where,
                parsed.release,
                namespace if namespace and not _VARIABLE.search(namespace) else None,
                parsed.others or any(map(_not_followed, parsed.flags)),
            )
        )
    return found


def _not_followed(flag: str) -> bool:
    """Values a release gets besides its values files: --set and friends, or the last
    release's (--reuse-values)."""
    return flag.startswith("--set") or flag.endswith("reuse-values")


def in_tree(path: str | None, known: Collection[str]) -> str | None:
    """A repository-relative path in the linted tree: as it is, or the one known path that
    ends with it (a subfolder of the repository linted)."""
    if path is None or path in known:
        return path
    if not path or path.startswith(".."):
        return None
    found = [k for k in known if k.endswith("/" + path)]
    return found[0] if len(found) == 1 else None


def _chart_folder(chart: str, folder: str, chart_dirs: set[str]) -> str | None:
    if not chart or "://" in chart:
        return None
    if _VARIABLE.search(chart):  # `$root/charts/app`: a path of the repository
        tail = chart.rpartition("$")[2]
        _, slash, rest = tail.partition("/")
        return in_tree(posixpath.normpath(rest), chart_dirs) if slash and rest else None
    candidates = [posixpath.normpath(chart), posixpath.normpath(posixpath.join(folder, chart))]
    return next((c for c in candidates if c in chart_dirs and not c.startswith("..")), None)


def _locate(
    script: Candidate, code: str, token: str, start: int, first: int, offsets: list[int]
) -> Location:
    """Where `token` is written in the command (its first occurrence after `start`)."""
    at = code.find(token, start)
    at = start if at < 0 else at
    line = max(i for i, offset in enumerate(offsets) if offset <= at)
    column = at - offsets[line] + 1
    return Location(script.display, first + line, column, first + line, column + len(token))
