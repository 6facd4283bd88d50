"""Check that a release tag can be published: it is `v` + `__version__` of
metallb_lint/__init__.py, and CHANGELOG.md has a dated section for that version.

    python scripts/check_release.py v0.2.0      # exit 0, or 1 with the reasons

Run by .github/workflows/release.yml before anything is built; reads the files as text, so it
needs nothing installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def version(root: Path = ROOT) -> str | None:
    text = (root / "metallb_lint" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.M)
    return found[1] if found else None


def problems(tag: str, root: Path = ROOT) -> list[str]:
    """What stands between the tag and a release; empty when nothing does."""
    current = version(root)
    if current is None:
        return ["metallb_lint/__init__.py sets no __version__"]
    found = []
    if not re.fullmatch(r"v\d+\.\d+\.\d+", tag):
        found.append(f"tag {tag!r} is not of the form vX.Y.Z")
    elif tag != f"v{current}":
        found.append(f"tag {tag} is not v{current}, the version metallb_lint/__init__.py sets")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    heading = re.search(rf"^## \[{re.escape(current)}\] - (.+)$", changelog, re.M)
    if heading is None:
        found.append(f"CHANGELOG.md has no section '## [{current}] - YYYY-MM-DD'")
    elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", heading[1].strip()):
        found.append(f"CHANGELOG.md's section for {current} is not dated: {heading[1].strip()!r}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_release.py vX.Y.Z", file=sys.stderr)
        return 2
    found = problems(argv[0])
    for problem in found:
        print(f"check_release: {problem}", file=sys.stderr)
    if not found:
        print(f"{argv[0]}: ready to publish")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
