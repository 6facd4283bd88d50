"""Write every output format of every fixture (and of any extra trees) to a folder, so that a
change meant to keep behaviour (a refactoring, a speed-up) can be checked byte for byte:

    python benchmarks/reference_outputs.py /tmp/before [TREE ...]
    ... change the code ...
    python benchmarks/reference_outputs.py /tmp/after [TREE ...]
    diff -r /tmp/before /tmp/after

Each input is linted in its own process, from the project root, with `--exit-zero` and in a
hermetic environment; the exit status and stderr are written beside the outputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("text", "concise", "json", "sarif", "junit", "github")


def inputs(extra: list[str]) -> list[tuple[str, Path]]:
    found = [("homelab", ROOT / "fixtures" / "homelab")]
    for case in sorted((ROOT / "fixtures" / "rules").glob("*/*")):
        if case.is_dir():
            found.append((f"rules-{case.parent.name}-{case.name}", case))
    for folder in sorted((ROOT / "fixtures" / "legacy").iterdir()):
        if folder.is_dir():
            found.append((f"legacy-{folder.name}", folder))
    for tree in extra:
        path = Path(tree).resolve()
        found.append((f"tree-{path.name}", path))
    return found


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GITHUB_") and k not in ("CI", "FORCE_COLOR", "COLUMNS")
    }
    env.update(NO_COLOR="1", PYTHONPATH=str(ROOT))
    for name, path in inputs(argv[1:]):
        for fmt in FORMATS:
            done = subprocess.run(
                [sys.executable, "-m", "metallb_lint", "-f", fmt, "--exit-zero", str(path)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=False,
            )
            (out / f"{name}.{fmt}").write_bytes(done.stdout)
            (out / f"{name}.{fmt}.status").write_text(
                f"{done.returncode}\n{done.stderr.decode(errors='replace')}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
