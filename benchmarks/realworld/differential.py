"""The static deployment model against the real kustomize engine on the real-world corpus.

Usage::

    python benchmarks/realworld/differential.py --work DIR [--only ID,ID]

`DIR` holds the snapshot checkouts `run.py --work DIR` wrote. For every snapshot, metallb-lint
lints the checkout in-process and every deployed root kustomization is built offline with
`kustomize build` or `kubectl kustomize` (metallb_lint/tools/differential.py says what must
agree). Prints, per snapshot, the roots built, the roots the engine could not build (offline,
without Helm: expected for some), the objects compared and every disagreement. Exit 1 when
there is a disagreement, 2 when no engine is installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from metallb_lint.config import Config  # noqa: E402
from metallb_lint.engine import Options, run  # noqa: E402
from metallb_lint.gitops.render import find_engine  # noqa: E402
from metallb_lint.tools.differential import compare  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True, type=Path, help="folder of snapshot checkouts")
    parser.add_argument("--only", help="comma-separated snapshot ids")
    parser.add_argument("-v", "--verbose", action="store_true", help="list failed builds")
    args = parser.parse_args(argv)
    engine = find_engine()
    if engine is None:
        print("no kustomize engine (kustomize or kubectl) on PATH", file=sys.stderr)
        return 2
    wanted = set(args.only.split(",")) if args.only else None
    totals = [0, 0, 0, 0]  # built, failed, compared, problems
    for tree in sorted(p for p in args.work.iterdir() if p.is_dir()):
        if wanted and tree.name not in wanted:
            continue
        os.chdir(tree)
        comparison = compare(run(Options(paths=["."], context=False), Config()), tree, engine)
        counts = (
            len(comparison.built),
            len(comparison.failed),
            comparison.compared,
            len(comparison.problems),
        )
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        print(
            f"{tree.name:50} built {counts[0]:3}  failed {counts[1]:3}  "
            f"objects {counts[2]:4}  disagreements {counts[3]}"
        )
        for line in comparison.failed if args.verbose else ():
            print(f"    cannot build {line}")
        for line in comparison.problems:
            print(f"    {line}")
    print(
        f"all: built {totals[0]}, failed {totals[1]}, objects compared {totals[2]}, "
        f"disagreements {totals[3]}"
    )
    return 1 if totals[3] else 0


if __name__ == "__main__":
    sys.exit(main())
