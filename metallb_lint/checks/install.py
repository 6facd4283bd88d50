"""ML501-ML505, ML512, ML513: how the repository installs MetalLB, and which release it gets.

Every install site the inventory found (Chart.yaml/requirements.yaml dependencies, Flux
HelmRelease with its HelmRepository/OCIRepository, Argo CD Application and ApplicationSet,
kustomize `helmCharts` and remote bases, raw manifest URLs, helmfile releases) is judged
against the release table in metallb_lint.metallb.versions (facts §1, §9).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from metallb_lint.checks.context import Context, rule
from metallb_lint.checks.fixing import replace_scalar
from metallb_lint.findings import UNSAFE, Finding, Fix, Related, ResourceRef
from metallb_lint.gitops.images import metallb_component, release_of_tag, split_image
from metallb_lint.gitops.placeholders import has_placeholder
from metallb_lint.metallb.bitnami import NEWEST_CHART as BITNAMI_NEWEST_CHART
from metallb_lint.metallb.bitnami import NEWEST_RELEASE as BITNAMI_NEWEST_RELEASE
from metallb_lint.metallb.bitnami import is_bitnami, releases_admitted
from metallb_lint.metallb.charts import OFFICIAL_REPOSITORIES
from metallb_lint.metallb.versions import (
    CHART_VERSIONS,
    KNOWN_VERSIONS,
    NEWEST,
    NO_CHART,
    Version,
    constraint_tests,
    newest_patch,
    releases_between,
    resolve_constraint,
)
from metallb_lint.model.objects import Chart, Dependency, InstallSite

CHART_KINDS = frozenset(
    {"chart-dependency", "helmrelease", "argocd", "applicationset", "kustomize-helm", "helmfile"}
    | {"helm-command", "fleet"}
)
BRANCHES = frozenset({"main", "master", "head"})
FIRST_CONFIG_LAYOUT = Version(0, 13, 0)  # manifests/ became config/ (facts §9)
FRR_K8S_FILES_FROM = Version(0, 14, 0)
NEWEST_CHART = CHART_VERSIONS[-1]
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_CHART_TAG = re.compile(r"^metallb-chart-\d+\.\d+\.\d+$")

# How each install form names its version, for "pin `...`" advice.
_VERSION_KEY = {
    "chart-dependency": "version",
    "helmrelease": "version",
    "argocd": "targetRevision",
    "applicationset": "targetRevision",
    "kustomize-helm": "version",
    "helmfile": "version",
    "helm-command": "--version",
    "fleet": "helm.version",
}


# -- shared helpers ----------------------------------------------------------------------------


def version_text(site: InstallSite) -> str | None:
    """The version as written (`version: 0.14` is read by YAML as a number); None if absent."""
    value = site.version_text
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value.strip() if isinstance(value, str) else None


def exact_version(site: InstallSite) -> Version | None:
    """The release a site installs: its version as written, or as Flux substitutes it."""
    return Version.parse(site.substituted or version_text(site))


def describe(site: InstallSite) -> str:
    return site.owner or site.kind


def chart_sites(ctx: Context) -> list[InstallSite]:
    """The official chart's install sites (a chart merely named metallb is ML503's business)."""
    return [s for s in ctx.inventory.install_sites if s.kind in CHART_KINDS]


def manifest_sites(ctx: Context) -> list[InstallSite]:
    return [s for s in ctx.inventory.install_sites if s.kind == "manifest-url"]


def chart_ref(chart: Chart) -> ResourceRef:
    api = chart.doc.get("apiVersion")
    return ResourceRef(api if isinstance(api, str) else "v2", "Chart", None, chart.name)


def _code(text: object) -> str:
    return f"`{text}`"


def _line(version: Version) -> str:
    return f"{version.major}.{version.minor}"


# -- ML501 -------------------------------------------------------------------------------------


def pin_problem(site: InstallSite) -> tuple[str, Version] | None:
    """Why a chart site is not pinned to one release, and the release to pin; None if pinned."""
    text = version_text(site)
    key = _VERSION_KEY.get(site.kind, "version")
    if not text:
        how = {
            "argocd": "Argo CD",
            "applicationset": "Argo CD",
            "helmrelease": "Flux",
            "kustomize-helm": "kustomize",
            "helmfile": "helmfile",
            "fleet": "Fleet",
        }.get(site.kind, "Helm")
        return (
            f"the metallb chart has no {_code(key)}: {how} installs whatever release is newest "
            f"when it runs (today {NEWEST_CHART}); pin {_code(_pin(key, NEWEST_CHART))}",
            NEWEST_CHART,
        )
    if has_placeholder(text) or text.startswith("sha256:"):
        return None  # filled in elsewhere (ML004), or an OCI digest: pinned
    if Version.parse(text) is not None:
        return None
    if constraint_tests(text) is None:
        return (
            f"{key} {_code(text)} is not a chart version but a branch or symbolic name: the "
            f"chart follows whatever is newest (today {NEWEST_CHART}); pin "
            f"{_code(_pin(key, NEWEST_CHART))}",
            NEWEST_CHART,
        )
    resolved = resolve_constraint(text)
    if resolved is None:
        return (
            f"{key} {_code(text)} is a range that matches no published metallb chart; pin an "
            f"exact version such as {_code(_pin(key, NEWEST_CHART))}",
            NEWEST_CHART,
        )
    return (
        f"{key} {_code(text)} is a range: every sync may install a different MetalLB release "
        f"(today it resolves to {resolved}); pin {_code(_pin(key, resolved))}",
        resolved,
    )


def _pin(key: str, version: object) -> str:
    """How a pin is written: `version: 0.14.8`, or `--version 0.14.8` on a helm command."""
    return f"{key} {version}" if key.startswith("-") else f"{key}: {version}"


def bitnami_pin_problem(site: InstallSite) -> str | None:
    """Why a site of Bitnami's metallb chart is not pinned to one chart version; None if it is.
    Bitnami's chart versions are not MetalLB's, so no release is offered to pin to."""
    text = version_text(site)
    key = _VERSION_KEY.get(site.kind, "version")
    if not text:
        return (
            f"Bitnami's metallb chart has no {_code(key)}: each run installs whatever chart "
            f"version is newest there (Bitnami's last free chart is {BITNAMI_NEWEST_CHART}, "
            f"MetalLB {BITNAMI_NEWEST_RELEASE}); pin the exact chart version you run"
        )
    if has_placeholder(text) or text.startswith("sha256:") or Version.parse(text) is not None:
        return None
    releases = releases_admitted(text)
    brings = "with another MetalLB release and other values"
    if releases is not None and len(releases) == 1:
        brings = f"with other images and values (each of them ships MetalLB {next(iter(releases))})"
    return (
        f"{key} {_code(text)} of Bitnami's metallb chart is not one chart version: each "
        f"dependency update or sync may bring another chart, {brings}; pin the exact chart "
        "version you run"
    )


def _unpinned(ctx: Context, site: InstallSite, message: str, fix: Fix | None = None) -> Finding:
    return ctx.finding(
        "ML501",
        f"{describe(site)}: {message}",
        site.version_location,
        resource=site.resource,
        anchor=f"{site.kind}/{describe(site)}",
        fix=fix,
    )


@rule("ML501")
def unpinned_chart(ctx: Context) -> Iterator[Finding]:
    for site in ctx.inventory.other_sites:
        if site.kind in CHART_KINDS and is_bitnami(site.repository, site.owner):
            message = bitnami_pin_problem(site)
            if message is not None:
                yield _unpinned(ctx, site, message)
    for site in chart_sites(ctx):
        problem = pin_problem(site)
        if problem is not None:
            yield _unpinned(ctx, site, problem[0], _pin_fix(ctx, site, problem[1]))


def _pin_fix(ctx: Context, site: InstallSite, resolved: Version) -> Fix | None:
    """A range written in the file pinned to the release it resolves to today (unsafe: the
    release table of metallb-lint may lag behind the chart repository, and a Chart.yaml pin
    needs `helm dependency update`). A missing version or a branch has no span to change."""
    text = version_text(site)
    if not text or constraint_tests(text) is None or resolve_constraint(text) != resolved:
        return None
    edit = replace_scalar(ctx, site.version_location, text, str(resolved))
    if edit is None:
        return None
    key = _VERSION_KEY.get(site.kind, "version")
    return Fix(UNSAFE, f"pin {key} to {resolved}, the release {text} resolves to today", (edit,))


# -- ML502 -------------------------------------------------------------------------------------


def _same_repository(a: object, b: object) -> bool:
    clean = [x.strip().rstrip("/") if isinstance(x, str) else x for x in (a, b)]
    return clean[0] == clean[1]


def _lock_entry(chart: Chart, dep: Dependency) -> tuple[int, dict] | None:
    assert chart.lock is not None
    entries = chart.lock.get("dependencies")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and entry.get("name") == dep.name:
            return index, entry
    return None


@rule("ML502")
def chart_lock_drift(ctx: Context) -> Iterator[Finding]:
    for chart in ctx.inventory.charts:
        if chart.doc.get("apiVersion") == "v1":
            continue  # Helm v2 locks into requirements.lock, which is not read
        for dep in chart.dependencies:
            if dep.name != "metallb":
                continue
            if chart.lock is None:
                if Version.parse(str(dep.version or "").strip()) is not None:
                    continue  # an exact pin builds the same without a lock
                yield ctx.finding(
                    "ML502",
                    "no Chart.lock next to this Chart.yaml, and the metallb dependency is not "
                    "pinned to one release: each `helm dependency build` resolves it anew, so "
                    "what is deployed is not what was reviewed; pin the release or run "
                    "`helm dependency update` and commit Chart.lock",
                    dep.location,
                    resource=chart_ref(chart),
                )
                continue
            found = _lock_entry(chart, dep)
            related = [Related(dep.location, "the dependency in Chart.yaml")]
            if found is None:
                yield ctx.finding(
                    "ML502",
                    "Chart.lock has no metallb entry, while Chart.yaml depends on metallb: the "
                    "lock is stale; run `helm dependency update`",
                    chart.lock.location(("dependencies",), key=True),
                    resource=chart_ref(chart),
                    related=related,
                )
                continue
            index, entry = found
            yield from _lock_drift(ctx, chart, dep, index, entry, related)


def _lock_drift(
    ctx: Context, chart: Chart, dep: Dependency, index: int, entry: dict, related: list
) -> Iterator[Finding]:
    assert chart.lock is not None
    wanted = str(dep.version).strip() if dep.version is not None else None
    locked = str(entry.get("version")).strip() if entry.get("version") is not None else None
    if wanted and locked and not has_placeholder(wanted):
        exact = Version.parse(wanted)
        locked_version = Version.parse(locked)
        if exact is not None:
            stale = locked_version != exact
        else:
            tests = constraint_tests(wanted)
            stale = tests is not None and (
                locked_version is None
                or resolve_constraint(wanted, (locked_version,)) != locked_version
            )
        if stale:
            yield ctx.finding(
                "ML502",
                f"Chart.lock pins metallb {locked}, but Chart.yaml asks for {wanted}: "
                "`helm dependency build` fails or installs the locked release; run "
                "`helm dependency update` and commit Chart.lock",
                chart.lock.location(("dependencies", index, "version")),
                resource=chart_ref(chart),
                related=related,
            )
    if dep.repository and not _same_repository(entry.get("repository"), dep.repository):
        yield ctx.finding(
            "ML502",
            f"Chart.lock fetches metallb from {_code(entry.get('repository'))}, but Chart.yaml "
            f"names {_code(dep.repository)}: the lock is stale; run `helm dependency update`",
            chart.lock.location(("dependencies", index, "repository")),
            resource=chart_ref(chart),
            related=[
                Related(dep.repository_location or dep.location, "the repository in Chart.yaml")
            ],
        )


# -- ML503 -------------------------------------------------------------------------------------


def _third_party_message(site: InstallSite) -> str:
    repo = site.repository
    official = " or ".join(_code(r) for r in OFFICIAL_REPOSITORIES)
    if "bitnami" in f"{repo} {site.owner}".lower():
        who = "Bitnami's metallb chart, not MetalLB's own"
    elif repo:
        who = f"a chart named metallb from {_code(repo)}, not from MetalLB's own repository"
    else:
        who = "a chart named metallb from a source this repository does not show"
    return (
        f"{describe(site)} installs {who}: its values, defaults and release numbers differ from "
        f"the official chart (they are not checked against it), and its images are rebuilt by "
        f"a third party. Prefer MetalLB's chart from {official}"
    )


# Publishers of a chart named metallb that are well known and served over https: their chart is
# theirs to vouch for, and how far behind MetalLB it is, is ML504's business.
KNOWN_PUBLISHERS = ("charts.bitnami.com/bitnami", "registry-1.docker.io/bitnamicharts")


def _known_publisher(site: InstallSite) -> bool:
    repo = (site.repository or "").strip().lower()
    if repo.startswith(("https://", "oci://")):
        return any(publisher in repo for publisher in KNOWN_PUBLISHERS)
    return not repo and "bitnami" in (site.owner or "").lower()


@rule("ML503")
def untrusted_chart_source(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[str, int]] = set()
    sites = [*ctx.inventory.install_sites, *ctx.inventory.other_sites]
    for site in sorted(sites, key=lambda s: (s.version_location.path, s.version_location.line)):
        location = site.repository_location or site.version_location
        repo = site.repository or ""
        if repo.strip().lower().startswith("http://"):
            message = (
                f"{describe(site)} fetches MetalLB over plain http ({_code(repo.strip())}): "
                "anyone on the path can swap the chart or manifests; use https"
            )
            if site.kind != "manifest-url" and not site.official:
                message += f" and MetalLB's own repository {_code(OFFICIAL_REPOSITORIES[0])}"
        elif not site.official and not _known_publisher(site):
            message = _third_party_message(site)
        else:
            continue
        key = (location.path, location.line)
        if key not in seen:
            seen.add(key)
            yield ctx.finding("ML503", message, location, resource=site.resource)


# -- ML504 -------------------------------------------------------------------------------------


def _listing(releases: list, attribute: str) -> str:
    return "; ".join(f"{r.version}: {getattr(r, attribute)}" for r in releases)


def upgrade_advice(version: Version, chart: bool) -> str | None:
    """Why a pinned release is outdated and what to move to; None if it is current."""
    if version not in KNOWN_VERSIONS:
        return (
            f"MetalLB {version} is not a release this tool knows (the newest known is {NEWEST}): "
            f"a typo, or a release newer than this linter; pin a known release such as {NEWEST}"
        )
    patch = newest_patch(version) or version
    if chart and str(version) in NO_CHART:
        move = patch if patch > version else NEWEST
        return (
            f"no metallb chart {version} was published (there is no metallb-chart-{version} "
            f"tag), so Helm cannot fetch it; pin {move}"
        )
    security = [r for r in releases_between(version, NEWEST) if r.security]
    if patch == version and not security:
        return None
    if patch > version:
        fixes = (
            "security fixes"
            if any(r.security for r in releases_between(version, patch))
            else "bug fixes, same behaviour"
        )
        text = (
            f"MetalLB {version} is outdated: move to {patch}, the newest {_line(version)} "
            f"patch ({fixes})"
        )
        if patch < NEWEST:
            text += f", or to the newest release {NEWEST}"
    else:
        text = (
            f"MetalLB {version} is the last {_line(version)} release, but later releases fix "
            f"vulnerabilities: move to the newest release {NEWEST}"
        )
    text += "."
    if security:
        text += f" Security fixes since {version}: {_listing(security, 'security')}."
    changes = [r for r in releases_between(patch, NEWEST) if r.removal]
    if changes:
        text += f" Changes to plan for after {_line(version)}: {_listing(changes, 'removal')}."
    return text


@rule("ML504")
def outdated_metallb(ctx: Context) -> Iterator[Finding]:
    reported: set[Version] = set()
    for site in ctx.inventory.install_sites:
        version = exact_version(site)
        if version is None:
            continue
        reported.add(version)
        if _cannot_install(ctx, site, version):
            continue  # ML105 says why; the release still running is an older one
        advice = upgrade_advice(version, site.kind in CHART_KINDS)
        if advice is not None:
            yield ctx.finding(
                "ML504",
                advice,
                site.version_location,
                resource=site.resource,
                anchor=f"{site.kind}/{describe(site)}",
            )
    # Releases named by image tags or Bitnami chart versions: once per release, at its first
    # place (vendored copies of one manifest name the same release many times).
    by_version: dict[Version, list[InstallSite]] = {}
    for site in sorted(
        ctx.inventory.release_sites,
        # the controller first: it allocates the addresses
        key=lambda s: (s.repository == "speaker", s.version_location.path, s.version_location.line),
    ):
        version = exact_version(site)
        if version is not None and version not in reported:
            by_version.setdefault(version, []).append(site)
    for version, sites in by_version.items():
        site = sites[0]
        if site.kind == "bitnami-chart":
            advice = _bitnami_advice(version)
        else:
            advice = upgrade_advice(version, False)
        if advice is None:
            continue
        others = [s for s in sites[1:] if s.version_location.path != site.version_location.path]
        yield ctx.finding(
            "ML504",
            f"{describe(site)}: {advice}",
            site.version_location,
            resource=site.resource,
            related=[Related(s.version_location, f"also {version}") for s in others[:5]],
            anchor=f"{site.kind}/{describe(site)}",
        )


# From chart 0.13.3 a template fails while `configInline` is set (facts, chart changes table:
# `v0.13.3:charts/metallb/templates/deprecated_configInline.yaml`).
CONFIG_INLINE_REFUSED = Version(0, 13, 3)


def _cannot_install(ctx: Context, site: InstallSite, version: Version) -> bool:
    """A chart version that refuses to render with the values it is given (`configInline`
    from 0.13.3): it never installs, so how old it is says nothing about what runs."""
    return (
        site.kind in CHART_KINDS
        and version >= CONFIG_INLINE_REFUSED
        and site.resource is not None
        and any(
            values.is_metallb and values.owner == site.resource and "configInline" in values.data
            for values in ctx.inventory.values
        )
    )


def _bitnami_advice(version: Version) -> str | None:
    """Bitnami's chart: its release can only move as far as Bitnami's last chart took it."""
    security = [r for r in releases_between(version, NEWEST) if r.security]
    if version >= NEWEST or (newest_patch(version) == version and not security):
        return None
    text = f"it runs MetalLB {version}, which is outdated"
    if security:
        text += f" (security fixes since: {_listing(security, 'security')})"
    if version < BITNAMI_NEWEST_RELEASE:
        text += f". Bitnami's newest chart, {BITNAMI_NEWEST_CHART}, ships {BITNAMI_NEWEST_RELEASE}"
    text += (
        f"; Bitnami no longer updates its chart, and MetalLB's own chart "
        f"({OFFICIAL_REPOSITORIES[0]}) has {NEWEST}, with its own values: plan the move"
    )
    changes = [r for r in releases_between(version, NEWEST) if r.removal]
    if changes:
        text += f". Changes to plan for: {_listing(changes, 'removal')}"
    return text + "."


# -- ML505 -------------------------------------------------------------------------------------


def is_pinned_ref(ref: str | None) -> bool:
    """A release tag or a commit: the manifests cannot change under the same reference."""
    if not ref:
        return False
    ref = ref.strip()
    if has_placeholder(ref):
        return True  # resolved elsewhere (ML004)
    return Version.parse(ref) is not None or bool(_SHA.match(ref)) or bool(_CHART_TAG.match(ref))


@rule("ML505")
def unpinned_manifest(ctx: Context) -> Iterator[Finding]:
    for site in manifest_sites(ctx):
        ref = version_text(site)
        if is_pinned_ref(ref):
            continue
        git_source = (site.owner or "").startswith("GitRepository")
        unset = "(no `spec.ref`)" if git_source else "(no `?ref=`)"
        what = f"branch {_code(ref)}" if ref else f"the default branch {unset}"
        if (site.owner or "").startswith("Application"):
            fix = f"set `targetRevision: v{NEWEST}`"
        elif git_source:
            fix = f"set `spec.ref.tag: v{NEWEST}` (a release tag)"
        elif ref and "raw.githubusercontent.com" in (site.repository or ""):
            fix = f"replace {_code(ref)} with the tag `v{NEWEST}` in the URL"
        else:
            fix = f"add `?ref=v{NEWEST}` (a release tag)"
        yield ctx.finding(
            "ML505",
            f"MetalLB's manifests are pulled from {what}, which moves with every commit: "
            f"unreleased code lands on the next sync; {fix}",
            site.version_location,
            resource=site.resource,
        )


# -- ML512 -------------------------------------------------------------------------------------


@rule("ML512")
def version_skew(ctx: Context) -> Iterator[Finding]:
    yield from webhook_layout_skew(ctx)
    pinned = [(s, v) for s in ctx.inventory.install_sites if (v := exact_version(s)) is not None]
    if len({v for _, v in pinned}) < 2:
        return
    pinned.sort(key=lambda p: (p[0].version_location.path, p[0].version_location.line))
    reference = next(
        (p for p in pinned if p[0].version_location == ctx.target.version_location), pinned[0]
    )
    ref_site, ref_version = reference
    for site, version in pinned:
        if version == ref_version:
            continue
        yield ctx.finding(
            "ML512",
            f"{describe(site)} installs MetalLB {version}, while {describe(ref_site)} "
            f"({ref_site.version_location.path}:{ref_site.version_location.line}) installs "
            f"{ref_version}: CRDs, webhooks and pods of different releases disagree; pin one "
            "release everywhere",
            site.version_location,
            resource=site.resource,
            related=[Related(ref_site.version_location, f"MetalLB {ref_version} here")],
        )


# The controller's default webhook Secret and Service changed in 0.14.4 (v0.14.4:
# controller/main.go `--webhook-secret`, `--cert-service-name`), and so did the install
# manifests: a manifest of one side run with the images of the other serves no certificate.
WEBHOOK_NAMES_CHANGED = Version(0, 14, 4)
_WEBHOOK_SECRETS = {False: "webhook-server-cert", True: "metallb-webhook-cert"}
_CERT_MOUNT = "/tmp/k8s-webhook-server/serving-certs"
_VOLUMES = ("spec", "template", "spec", "volumes")


def webhook_layout_skew(ctx: Context) -> Iterator[Finding]:
    """A vendored install manifest whose controller image is of one side of 0.14.4 and whose
    webhook Secret is of the other: the image tags were changed, not the manifest."""
    for res in ctx.inventory.resources:
        if res.kind != "Deployment":
            continue
        pod = res.mapping("spec", "template", "spec")
        containers = pod.get("containers")
        for index, container in enumerate(containers if isinstance(containers, list) else []):
            if not isinstance(container, dict) or not isinstance(container.get("image"), str):
                continue
            name, tag = split_image(container["image"])
            component = metallb_component(name)
            version = release_of_tag(tag)
            if component != ("controller", True) or version is None:
                continue  # (Bitnami's images and chart name things their own way)
            args = [a for a in container.get("args") or [] if isinstance(a, str)]
            if any(a.startswith(("--webhook-secret", "--cert-service-name")) for a in args):
                continue  # the names are given, not defaulted
            mounted = _cert_secret(pod, container)
            expected = _WEBHOOK_SECRETS[version >= WEBHOOK_NAMES_CHANGED]
            if mounted is None or mounted[0] not in _WEBHOOK_SECRETS.values():
                continue
            if mounted[0] == expected:
                continue
            newer = mounted[0] == _WEBHOOK_SECRETS[True]
            written = "0.14.4 and later" if newer else "0.14.3 and older"
            yield ctx.finding(
                "ML512",
                f"the controller image is MetalLB {version}, whose webhook keeps its certificate "
                f"in Secret '{expected}', but this manifest (one of {written}) mounts "
                f"'{mounted[0]}': its image tags were changed, not the manifest, so the webhook "
                "cannot serve a valid certificate and the API server (failurePolicy Fail) refuses "
                "MetalLB resources. "
                f"Take the whole install manifest of {version} (its CRDs, webhook Service and "
                "Secret change with it) instead of editing the image tags",
                res.location("spec", "template", "spec", "containers", index, "image"),
                resource=res.ref,
                related=[
                    Related(
                        res.location(*_VOLUMES, mounted[1], "secret", "secretName"),
                        f"Secret '{mounted[0]}' mounted here",
                    )
                ],
            )


def _cert_secret(pod: dict, container: dict) -> tuple[str, int] | None:
    """The Secret mounted where the webhook server reads its certificate, and the index of its
    volume."""
    mounts = container.get("volumeMounts")
    volume = next(
        (
            m.get("name")
            for m in (mounts if isinstance(mounts, list) else [])
            if isinstance(m, dict) and m.get("mountPath") == _CERT_MOUNT
        ),
        None,
    )
    volumes = pod.get("volumes")
    for index, entry in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(entry, dict):
            continue
        secret = entry.get("secret")
        if entry.get("name") == volume and isinstance(secret, dict):
            name = secret.get("secretName")
            if isinstance(name, str):
                return name, index
    return None


# -- ML513 -------------------------------------------------------------------------------------


def manifest_files(version: Version) -> tuple[str, frozenset[str]]:
    """The folder of single-file manifests in a release and the files it holds (facts §9)."""
    if version < FIRST_CONFIG_LAYOUT:
        files = {"metallb.yaml", "namespace.yaml", "kustomization.yaml"}
        if version >= Version(0, 12, 0):
            files.add("metallb-frr.yaml")
        return "manifests", frozenset(files)
    stems = ["metallb-native", "metallb-frr"]
    if version >= FRR_K8S_FILES_FROM:
        stems.append("metallb-frr-k8s")
    return "config/manifests", frozenset(
        f"{stem}{suffix}.yaml" for stem in stems for suffix in ("", "-prometheus")
    )


def path_problem(path: str, version: Version) -> str | None:
    """Why `path` does not exist in MetalLB's repository at `version`; None if it may."""
    path = re.sub(r"^(?:\.git)?/*", "", path.strip()).strip("/")
    folder, files = manifest_files(version)
    listing = ", ".join(sorted(files))
    if version < FIRST_CONFIG_LAYOUT:
        if path == "config" or path.startswith("config/"):
            return (
                f"{_code(path)} does not exist in MetalLB {version}: releases before 0.13.0 "
                f"ship `manifests/` ({listing})"
            )
    else:
        if path == "manifests" or path.startswith("manifests/"):
            return (
                f"{_code(path)} does not exist in MetalLB {version}: `manifests/` was removed "
                "in 0.13.0; use the kustomize base `config/native` (or `config/frr`) or "
                "`config/manifests/metallb-native.yaml`"
            )
        if path.startswith("config/frr-k8s") and version < FRR_K8S_FILES_FROM:
            return f"{_code(path)} does not exist in MetalLB {version}: FRR-K8s arrived in 0.14"
    if path == folder and version >= FIRST_CONFIG_LAYOUT:
        return (
            f"{_code(path)} is a folder of alternative installs ({listing}), and a directory "
            "source or kustomization path applies every file in it at once: the controller and "
            "speaker are defined several times (the last file wins) and the Prometheus variants "
            "need the Prometheus Operator's CRDs, without which the sync fails. Apply one file, "
            f"e.g. `{folder}/metallb-native.yaml`, or the kustomize base `config/native`"
        )
    if path.startswith(folder + "/") and "/" not in path[len(folder) + 1 :]:
        name = path[len(folder) + 1 :]
        if name and name not in files:
            return f"{_code(path)} does not exist in MetalLB {version}: {folder}/ holds {listing}"
    return None


_BARE_RELEASE = re.compile(r"^\d+\.\d+\.\d+$")


@rule("ML513")
def broken_install_reference(ctx: Context) -> Iterator[Finding]:
    for site in manifest_sites(ctx):
        ref = version_text(site)
        if ref and _BARE_RELEASE.match(ref) and Version.parse(ref) in KNOWN_VERSIONS:
            yield ctx.finding(
                "ML513",
                f"{_code(ref)} is not a tag of MetalLB's repository: MetalLB tags its releases "
                f"with a v, so this reference never resolves (the download or build fails, a Flux "
                f"source never becomes ready); write {_code('v' + ref)}",
                site.version_location,
                resource=site.resource,
            )
            continue
        if not site.path_hint:
            continue
        version = Version.parse(ref)
        if version is None:
            if not is_pinned_ref(ref):
                version = NEWEST  # a branch: today's layout
            else:
                continue  # a commit: layout unknown
        elif version not in KNOWN_VERSIONS:
            continue  # ML504
        problem = path_problem(site.path_hint, version)
        if problem is not None:
            where = site.path_location or site.version_location
            yield ctx.finding("ML513", problem, where, resource=site.resource)


__all__ = ["CHART_KINDS", "exact_version", "pin_problem", "upgrade_advice", "version_text"]
