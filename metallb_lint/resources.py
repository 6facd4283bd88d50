"""Files shipped with the package: `schemas/` and `rules/`.

In a wheel they live in `metallb_lint/data/` (see pyproject's force-include); in a source
checkout or editable install they are read from the repository's top-level folders.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


@cache
def data_dir(name: str) -> Traversable:
    packaged = resources.files("metallb_lint") / "data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


@cache
def load_schema(name: str) -> dict:
    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))
