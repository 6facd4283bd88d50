"""Files shipped with the package: `schemas/` and `rules/`.

In a wheel they live in `metallb_lint/data/` (see pyproject's force-include); in a source
checkout or editable install they are read from the repository's top-level folders. Both are
plain directories on disk (pip installs wheels unpacked), so they are found next to this
module without `importlib.resources`, whose import alone costs more than a small lint run's
own work.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    packaged = _PACKAGE / "data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


@cache
def load_schema(name: str) -> dict:
    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))
