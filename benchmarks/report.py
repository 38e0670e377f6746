"""The one output format of every benchmark."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence


def emit(name: str, value: float, unit: str, target: str | None) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, "target": target}), flush=True)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a real observed value, never an interpolation below the worst case."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
