"""The MetalLB release, BGP mode and namespace the repository's configuration is checked against
(DESIGN.md, "Target version and mode")."""

from __future__ import annotations

from dataclasses import dataclass

from metallb_lint.findings import Location
from metallb_lint.metallb.versions import (
    FRR_DEFAULT_FROM,
    FRR_K8S_DEFAULT_FROM,
    NEWEST,
    ReleaseRange,
    UnknownRelease,
    Version,
    parse_release_range,
)
from metallb_lint.model.objects import InstallSite, ValuesSource

DEFAULT_NAMESPACE = "metallb-system"


@dataclass
class Target:
    """The MetalLB release, BGP mode and namespace the repository is checked against."""

    version: Version
    version_source: str  # "--metallb-version", a config path, a file path, or "assumed"
    version_location: Location | None
    assumed: bool
    mode: str  # native, frr, frr-k8s
    mode_source: str
    namespace: str
    namespace_source: str
    load_balancer_class: str = ""
    # why the assumed release is the one it is: "" (the newest known) or "legacy" (the
    # last release reading the legacy configuration the repository holds)
    assumed_because: str = ""
    # the BGP mode is the default of an assumed release: checks that hold in one mode only
    # are held back (ML005 says so)
    mode_assumed: bool = False
    # The oldest release of a range the user named (`0.14.x`): `version` is the newest of it,
    # and advice that would break an older release of the range is held back.
    floor: Version | None = None

    def surely_at_least(self, release: Version) -> bool:
        """Every release the repository may run is `release` or later: never when the release
        is only assumed, and for a range only when its oldest release is."""
        return not self.assumed and (self.floor or self.version) >= release

    def describe(self) -> str:
        return (
            f"MetalLB {self.version} ({self.version_source}), {self.mode} mode "
            f"({self.mode_source}), namespace {self.namespace} ({self.namespace_source})"
        )


def choose_version(
    cli_version: str | None,
    config_version: str | None,
    config_path: str | None,
    sites: list[InstallSite],
    releases: list[InstallSite] | None = None,
) -> tuple[Version, str, Location | None, bool]:
    """First hit wins: CLI, config, an exact pin where MetalLB is installed, a release named
    by an image tag or a Bitnami chart version, else the newest."""
    if cli_version:
        parsed = Version.parse(cli_version)
        if parsed:
            return parsed, "--metallb-version", None, False
    if config_version:
        parsed = Version.parse(config_version)
        if parsed:
            return parsed, config_path or "configuration", None, False
    for tier in (sites, releases or []):
        for site in sorted(tier, key=lambda s: (s.version_location.path, s.version_location.line)):
            parsed = Version.parse(site.version_text)
            if parsed:
                return parsed, site.version_location.path, site.version_location, False
    return NEWEST, "assumed", None, True


def chosen_range(
    cli_version: str | None, config_version: str | None, config_path: str | None
) -> tuple[ReleaseRange, str] | None:
    """The range of releases `--metallb-version` (first) or `metallb-version:` names, and
    where it was named; None when the first of them that is set names one release."""
    for text, where in ((cli_version, "--metallb-version"), (config_version, config_path)):
        if not text:
            continue
        if Version.parse(text) is not None:
            return None
        try:
            found = parse_release_range(text)
        except UnknownRelease:  # refused before the run (exit 2); never guessed at here
            return None
        return (found, where or "configuration") if found is not None else None
    return None


def default_mode(version: Version) -> str:
    """The BGP mode the chart of a release installs when nothing says otherwise."""
    if version >= FRR_K8S_DEFAULT_FROM:
        return "frr-k8s"
    return "frr" if version >= FRR_DEFAULT_FROM else "native"


def choose_mode(
    version: Version, values: list[ValuesSource], sites: list[InstallSite]
) -> tuple[str, str]:
    """The BGP mode: a manifest URL's file name, a vendored workload's METALLB_BGP_TYPE, else
    the chart values of the pinned release over its defaults (facts §4.1, §4.6)."""
    for site in sites:
        hint = site.path_hint or ""
        if site.kind == "manifest-url":
            if "frr-k8s" in hint:
                return "frr-k8s", site.version_location.path
            if "frr" in hint:
                return "frr", site.version_location.path
            if "native" in hint:
                return "native", site.version_location.path
    for site in sites:  # a vendored install: the METALLB_BGP_TYPE of its workloads
        if site.bgp_type:
            return site.bgp_type, site.version_location.path
    frr_default = FRR_DEFAULT_FROM <= version < FRR_K8S_DEFAULT_FROM
    frrk8s_default = version >= FRR_K8S_DEFAULT_FROM
    frr, frrk8s, frrk8s_external = frr_default, frrk8s_default, False
    source = f"chart {version} defaults"
    for item in values:
        if not item.is_metallb:
            continue
        speaker = item.data.get("speaker")
        frr_values = speaker.get("frr") if isinstance(speaker, dict) else None
        if isinstance(frr_values, dict) and isinstance(frr_values.get("enabled"), bool):
            frr = frr_values["enabled"]
            source = item.doc.path
        frrk8s_values = item.data.get("frrk8s")
        if isinstance(frrk8s_values, dict):
            if isinstance(frrk8s_values.get("enabled"), bool):
                frrk8s = frrk8s_values["enabled"]
                source = item.doc.path
            if frrk8s_values.get("external") is True:
                frrk8s_external = True
                source = item.doc.path
    if frrk8s or frrk8s_external:
        return "frr-k8s", source
    if frr:
        return "frr", source
    return "native", source


def choose_namespace(
    configured: str | None, config_path: str | None, sites: list[InstallSite]
) -> tuple[str, str]:
    if configured:
        return configured, config_path or "configuration"
    for site in sorted(sites, key=lambda s: (s.version_location.path, s.version_location.line)):
        if site.namespace:
            return site.namespace, site.namespace_source or site.version_location.path
    return DEFAULT_NAMESPACE, "default"


def load_balancer_class(values: list[ValuesSource]) -> str:
    for source in values:
        if source.is_metallb and isinstance(source.data.get("loadBalancerClass"), str):
            return source.data["loadBalancerClass"]
    return ""
