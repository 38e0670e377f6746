"""The one output format of every benchmark, and the check of a figure against its target.

Every figure is one JSON line on stdout: name, value, unit, target, and either whether it ``met`` its target
or a ``note`` saying why it has none ("reference", "count", or "skipped: <reason>"). A target is a string
``"<op> <number>"`` with op one of ``<=``, ``<``, ``>=``, ``>``, ``==``; ``emit`` refuses any other, so a
typo cannot turn a gate into a figure that never fails.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
_TARGET = re.compile(r"^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?)\s*$")
REFERENCE = "reference"


@dataclass(frozen=True)
class Target:
    op: str
    bound: float

    def met_by(self, value: float) -> bool:
        return not math.isnan(value) and OPERATORS[self.op](value, self.bound)

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


def parse_target(text: str) -> Target:
    """``"<= 5"`` → Target("<=", 5.0); anything else is a ValueError."""
    match = _TARGET.match(text)
    if match is None:
        raise ValueError(f"not a target: {text!r} (expected e.g. '<= 5' or '>= 0.9')")
    return Target(match.group(1), float(match.group(2)))


def emit(name: str, value: float, unit: str, target: str | None, *, note: str = REFERENCE) -> None:
    """Print one figure. With a target it carries ``met``; without one, ``note`` says why it has none."""
    line: dict[str, object] = {"name": name, "value": round(value, 3), "unit": unit, "target": target}
    if target is None:
        line["note"] = note
    else:
        line["met"] = parse_target(target).met_by(value)
    print(json.dumps(line), flush=True)


def skip(name: str, unit: str, target: str | None, reason: str) -> None:
    """A figure that could not be measured here (e.g. no sound server): printed, never a miss."""
    if target is not None:
        parse_target(target)
    line = {"name": name, "value": None, "unit": unit, "target": target, "note": f"skipped: {reason}"}
    print(json.dumps(line), flush=True)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a real observed value, never an interpolation below the worst case."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
