"""ML506-ML511: the controller's and speaker's chart values, the way the chart renders them.

Each values source of the official chart is merged over the defaults of the chart release it is
rendered with (metallb_lint.model.chart_values, facts §4), then judged. Findings point at the value
the user wrote, or at the nearest key they wrote when a chart default is the cause.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from metallb_lint.checks.common import cached, integer, read_pools
from metallb_lint.checks.context import Context, rule
from metallb_lint.checks.schema import vendored_cache
from metallb_lint.findings import Finding, Location
from metallb_lint.load.documents import dig
from metallb_lint.metallb.versions import Version
from metallb_lint.model.chart_values import ValuesCheck, coalesce, values_checks

COMPONENTS = ("controller", "speaker")
PROBES = ("livenessProbe", "readinessProbe")
MIN_FAILURE_WINDOW = 10  # seconds of failed probes before acting
# Kubernetes' own defaults, which replace a 0 (facts §4.4 lists the chart's)
K8S_PROBE_DEFAULTS = {
    "failureThreshold": 3,
    "periodSeconds": 10,
    "successThreshold": 1,
    "timeoutSeconds": 1,
}
_MISSING = {
    "controller": "no Service ever gets an IP from the pools",
    "speaker": "no address is ever announced (Services get IPs nobody can reach)",
}


@dataclass
class ChartValues:
    """One values source of the official chart, merged over its release's defaults."""

    check: ValuesCheck
    merged: dict

    @property
    def version(self) -> Version:
        return self.check.version

    @property
    def user(self) -> dict:
        return self.check.source.data

    def get(self, *path: str) -> object:
        return dig(self.merged, path)

    def written(self, *path: str) -> bool:
        """The user wrote this key (it does not come from the chart's defaults)."""
        node: object = self.user
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def where(self, *candidates: tuple[str, ...]) -> Location:
        """The first candidate the user wrote; else the deepest key they wrote on the way to the
        first candidate (the component's key when a default is the cause); else the values."""
        for path in candidates:
            if self.written(*path):
                return self.check.location(path)
        first = candidates[0]
        for depth in range(len(first) - 1, 0, -1):
            if self.written(*first[:depth]):
                return self.check.location(first[:depth], key=True)
        source = self.check.source
        if source.base:
            return source.doc.location(source.base, key=True)
        return source.doc.location(())

    def origin(self, *path: str) -> str:
        """How a message names a value: 'set to' or 'the chart X default'."""
        return "" if self.written(*path) else f" (chart {self.version} default)"


@cached
def chart_values(ctx: Context) -> list[ChartValues]:
    """The official chart's values sources that render (not turned off by a `condition`)."""
    found = []
    for check in values_checks(ctx.inventory, vendored_cache(ctx)):
        if check.model is None or check.disabled_by is not None:
            continue
        merged = coalesce(check.model.defaults, check.source.data)
        found.append(ChartValues(check, merged if isinstance(merged, dict) else {}))
    return found


def enabled_components(values: ChartValues) -> Iterator[str]:
    for component in COMPONENTS:
        if (
            isinstance(values.get(component), dict)
            and values.get(component, "enabled") is not False
        ):
            yield component


def active_probes(values: ChartValues) -> Iterator[tuple[str, str, dict]]:
    """(component, probe, merged probe values) of every enabled probe of an enabled component."""
    for component in enabled_components(values):
        for probe in PROBES:
            settings = values.get(component, probe)
            if isinstance(settings, dict) and settings.get("enabled") is not False:
                yield component, probe, settings


# -- ML506 -------------------------------------------------------------------------------------


def probe_timing_problems(
    values: ChartValues, component: str, probe: str, settings: dict
) -> Iterator[tuple[str, Location]]:
    path = (component, probe)
    name = f"{component}.{probe}"
    timings = {k: integer(settings.get(k)) for k in (*K8S_PROBE_DEFAULTS, "initialDelaySeconds")}
    for key, default in K8S_PROBE_DEFAULTS.items():
        value = timings[key]
        if value is not None and value < 1:
            yield (
                f"{name}.{key} is {value}{values.origin(*path, key)}, under 1: Kubernetes "
                f"rejects a negative value and silently replaces 0 with its default ({default}); "
                "set a value of at least 1",
                values.where((*path, key)),
            )
    delay = timings["initialDelaySeconds"]
    if delay is not None and delay < 0:
        yield (
            f"{name}.initialDelaySeconds is {delay}: Kubernetes rejects a negative delay",
            values.where((*path, "initialDelaySeconds")),
        )
    timeout, period = timings["timeoutSeconds"], timings["periodSeconds"]
    failure, success = timings["failureThreshold"], timings["successThreshold"]
    if timeout and period and timeout >= 1 and period >= 1 and timeout >= period:
        yield (
            f"{name}.timeoutSeconds {timeout}{values.origin(*path, 'timeoutSeconds')} is not "
            f"below periodSeconds {period}{values.origin(*path, 'periodSeconds')}: a slow answer "
            "is still pending when the next probe is due, so probes pile up and a busy pod "
            "fails them in a row; keep timeoutSeconds below periodSeconds",
            values.where((*path, "timeoutSeconds"), (*path, "periodSeconds")),
        )
    if probe == "livenessProbe" and success is not None and success > 1:
        yield (
            f"{name}.successThreshold is {success}: Kubernetes accepts only 1 for a liveness "
            f"probe, so the {component} is not created at all; set it to 1",
            values.where((*path, "successThreshold")),
        )
    if failure and period and failure >= 1 and period >= 1:
        window = failure * period
        if window < MIN_FAILURE_WINDOW:
            action = "restarted" if probe == "livenessProbe" else "taken out of service"
            yield (
                f"{name}: failureThreshold {failure} x periodSeconds {period} = {window} s: the "
                f"{component} is {action} after only {window} s of failed probes (a GC pause or "
                f"a slow API server is enough), so it flaps; allow at least "
                f"{MIN_FAILURE_WINDOW} s",
                values.where((*path, "periodSeconds"), (*path, "failureThreshold")),
            )


@rule("ML506")
def probe_timing(ctx: Context) -> Iterator[Finding]:
    for values in chart_values(ctx):
        for component, probe, settings in active_probes(values):
            for message, location in probe_timing_problems(values, component, probe, settings):
                yield ctx.finding("ML506", message, location, resource=values.check.ref)


# ML507 probe-disabled is a declarative policy: rules/policies/ML507-probe-disabled.yaml


# -- ML508 -------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*$")
_SUFFIX = {
    "": 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
    "m": 10**-3,
}


def quantity(value: object) -> float | None:
    """A Kubernetes quantity in base units (`100Mi` -> 104857600); None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if not match or match.group(2) not in _SUFFIX:
        return None
    return float(match.group(1)) * _SUFFIX[match.group(2)]


@rule("ML508")
def resource_limits(ctx: Context) -> Iterator[Finding]:
    for values in chart_values(ctx):
        for component in enabled_components(values):
            path = (component, "resources")
            limit = values.get(*path, "limits", "memory")
            request = values.get(*path, "requests", "memory")
            if limit is None:
                continue  # MetalLB's chart ships no limits; requiring them is a policy's job
            low, asked = quantity(limit), quantity(request)
            if low is not None and asked is not None and low < asked:
                yield ctx.finding(
                    "ML508",
                    f"the {component}'s memory limit {limit} is below its request {request}: "
                    "Kubernetes rejects the pod, so the "
                    f"{component} never starts; set the limit at or above the request",
                    values.where((*path, "limits", "memory")),
                    resource=values.check.ref,
                )


# -- ML509 -------------------------------------------------------------------------------------


def render_failures(values: ChartValues) -> Iterator[tuple[str, Location]]:
    """The chart's own `fail`/`required` calls for this release (facts §4.6). `configInline`
    is ML105's."""
    version = values.version
    frr = values.get("speaker", "frr", "enabled") is True
    frrk8s = values.get("frrk8s", "enabled") is True
    external = values.get("frrk8s", "external") is True
    fail = "the chart refuses to render (`helm template` fails)"
    if version >= Version(0, 14, 0) and frr and (frrk8s or external):
        other = "frrk8s.external" if external and not frrk8s else "frrk8s.enabled"
        yield (
            f"speaker.frr.enabled{values.origin('speaker', 'frr', 'enabled')} and {other}"
            f"{values.origin(*other.split('.'))} are both true: they are mutually exclusive and "
            f"{fail}; keep one BGP backend (set the other to false)",
            values.where(
                ("speaker", "frr", "enabled"), tuple(other.split(".")), ("speaker", "frr")
            ),
        )
    if version >= Version(0, 14, 6) and frrk8s and external:
        yield (
            f"frrk8s.enabled{values.origin('frrk8s', 'enabled')} and frrk8s.external are both "
            f"true: {fail}; use the bundled FRR-K8s or an external one, not both",
            values.where(("frrk8s", "external"), ("frrk8s", "enabled")),
        )
    namespace = values.get("frrk8s", "namespace")
    if version >= Version(0, 14, 6) and external and not namespace:
        yield (
            "frrk8s.external is true without frrk8s.namespace: the chart `required`s the "
            f"namespace of the external FRR-K8s and {fail}; set frrk8s.namespace",
            values.where(("frrk8s", "namespace"), ("frrk8s", "external")),
        )
    selector = values.get("speaker", "nodeSelector")
    speaker_on = values.get("speaker", "enabled") is not False
    if (
        version >= Version(0, 15, 0)
        and speaker_on
        and values.get("speaker", "memberlist", "enabled") is False
        and isinstance(selector, dict)
        and selector
    ):
        yield (
            f"speaker.memberlist.enabled is false while speaker.nodeSelector is set: {fail} "
            f"(in {version} the chart allows a speaker nodeSelector only with memberlist); "
            "enable memberlist or drop the nodeSelector",
            values.where(("speaker", "memberlist", "enabled"), ("speaker", "nodeSelector")),
        )
    pod = values.get("prometheus", "podMonitor", "enabled") is True
    service = values.get("prometheus", "serviceMonitor", "enabled") is True
    if version >= Version(0, 14, 9) and pod and service:
        yield (
            f"prometheus.podMonitor.enabled and prometheus.serviceMonitor.enabled are both "
            f"true: {fail}; scrape with one of them",
            values.where(
                ("prometheus", "serviceMonitor", "enabled"),
                ("prometheus", "podMonitor", "enabled"),
            ),
        )
    if (pod or service) and values.get("prometheus", "rbacPrometheus") is True:
        missing = [k for k in ("serviceAccount", "namespace") if not values.get("prometheus", k)]
        if missing:
            monitor = "serviceMonitor" if service else "podMonitor"
            keys = " and ".join(f"prometheus.{k}" for k in missing)
            yield (
                f"prometheus.{monitor} is enabled with rbacPrometheus, but {keys} "
                f"{'is' if len(missing) == 1 else 'are'} empty: the chart `required`s "
                f"Prometheus' service account and namespace and {fail}; set {keys} (or "
                "rbacPrometheus: false)",
                values.where(
                    ("prometheus", missing[0]), ("prometheus", monitor, "enabled"), ("prometheus",)
                ),
            )


@rule("ML509")
def chart_values_conflict(ctx: Context) -> Iterator[Finding]:
    for values in chart_values(ctx):
        for message, location in render_failures(values):
            yield ctx.finding("ML509", message, location, resource=values.check.ref)


# ML510 probe-port is a declarative policy: rules/policies/ML510-probe-port.yaml


# -- ML511 -------------------------------------------------------------------------------------


@rule("ML511")
def component_disabled(ctx: Context) -> Iterator[Finding]:
    if not read_pools(ctx):
        return
    for values in chart_values(ctx):
        for component in COMPONENTS:
            if values.get(component, "enabled") is False:
                yield ctx.finding(
                    "ML511",
                    f"{component}.enabled is false while the repository defines address pools: "
                    f"without the {component}, {_MISSING[component]}; enable it (or say in a "
                    "comment where it runs instead and suppress this finding)",
                    values.where((component, "enabled")),
                    resource=values.check.ref,
                )
