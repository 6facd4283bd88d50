"""Measure what real GitOps repositories carry, for the realistic benchmark trees.

Usage::

    python benchmarks/realworld/shapes.py DIR [DIR ...] [--json]

Each DIR is a checkout (for the corpus: the work directory of run.py, one folder per snapshot).
Counts YAML files and documents, and the share of documents with each shape that costs a
reader time or trips a relevance filter: comments, flow collections, block scalars, quoted keys,
Argo CD annotations, Flux and kustomize labels, CRDs, SOPS-encrypted data, Helm templates,
kustomize overlays, ConfigMaps holding YAML or JSON, files that do not parse. generate.py
takes its realistic proportions from this output (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

SKIP_DIRS = {".git", "node_modules", "vendor"}
SHAPES: dict[str, re.Pattern[str]] = {
    "comment": re.compile(r"^\s*#", re.M),
    "flow_sequence": re.compile(r"(:|^\s*-)\s+\[", re.M),
    "flow_mapping": re.compile(r"(:|^\s*-)\s+\{(?!\{)", re.M),
    "block_scalar": re.compile(r"(:|^\s*-)\s+[|>][-+0-9]*\s*(#.*)?$", re.M),
    "quoted_key": re.compile(r"^\s*(- )?[\"'][^\"'\n]*[\"']\s*:", re.M),
    "argocd_annotation": re.compile(r"argocd\.argoproj\.io/"),
    "flux_label": re.compile(r"(kustomize|helm)\.toolkit\.fluxcd\.io/(name|namespace)"),
    "kustomize_label": re.compile(r"app\.kubernetes\.io/(managed-by|part-of|instance)"),
    "crd": re.compile(r"^kind:\s*CustomResourceDefinition\s*$", re.M),
    "sops": re.compile(r"^sops:\s*$", re.M),
    "template": re.compile(r"\{\{"),
    "configmap": re.compile(r"^kind:\s*ConfigMap\s*$", re.M),
    "service_lb": re.compile(r"type:\s*LoadBalancer"),
    "metallb": re.compile(r"metallb", re.I),
}


def documents(text: str) -> list[str]:
    parts = re.split(r"^---[ \t]*(?:#.*)?$", text, flags=re.M)
    return [p for p in parts if re.search(r"^[^#\s]", p, re.M)]


def measure(roots: list[Path]) -> dict[str, object]:
    counts: Counter[str] = Counter()
    doc_lines: list[int] = []
    configmap_lines: list[int] = []
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(names):
                if not name.endswith((".yaml", ".yml")):
                    continue
                path = Path(folder, name)
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeError):
                    counts["unreadable_files"] += 1
                    continue
                counts["files"] += 1
                rel = path.relative_to(root).as_posix()
                if "/templates/" in f"/{rel}":
                    counts["chart_template_files"] += 1
                if name in ("kustomization.yaml", "kustomization.yml"):
                    counts["kustomization_files"] += 1
                    if re.search(r"^(patches|patchesStrategicMerge|patchesJson6902):", text, re.M):
                        counts["overlay_files"] += 1
                if "{{" not in text:
                    try:
                        for _ in yaml.compose_all(text, Loader=yaml.CSafeLoader):
                            pass
                    except yaml.YAMLError:
                        counts["broken_files"] += 1
                for doc in documents(text):
                    counts["documents"] += 1
                    lines = doc.count("\n") + 1
                    doc_lines.append(lines)
                    for shape, pattern in SHAPES.items():
                        if pattern.search(doc):
                            counts[shape] += 1
                    if SHAPES["configmap"].search(doc):
                        configmap_lines.append(lines)
                        if re.search(r"\.(ya?ml|json):\s*[|>]", doc):
                            counts["configmap_embedded"] += 1
    total = counts["documents"] or 1
    doc_lines.sort()
    configmap_lines.sort()

    def pct(values: list[int], q: float) -> int:
        return values[int(q * (len(values) - 1))] if values else 0

    return {
        "checkouts": len(roots),
        "counts": dict(sorted(counts.items())),
        "share_of_documents": {k: round(counts[k] / total, 4) for k in SHAPES if k in counts}
        | {"configmap_embedded": round(counts["configmap_embedded"] / total, 4)},
        "share_of_files": {
            k: round(counts[k] / max(counts["files"], 1), 4)
            for k in (
                "broken_files",
                "chart_template_files",
                "kustomization_files",
                "overlay_files",
            )
        },
        "document_lines": {
            q: pct(doc_lines, f) for q, f in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        },
        "configmap_lines": {
            q: pct(configmap_lines, f) for q, f in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        },
        "documents_per_file": round(counts["documents"] / max(counts["files"], 1), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    roots = []
    for d in args.dirs:
        if not d.is_dir():
            print(f"error: {d} is not a directory", file=sys.stderr)
            return 2
        roots.append(d)
    print(json.dumps(measure(roots), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
