"""Routine files: how long checking a big one takes (``psoas-desktop routine validate`` and every import).

``routines.validate_ms_p99`` ≤ 20: reading and checking a 50-item file that defines 20 exercises of its own
(JSON decode, the JSON Schema, the cross-field rules, the routine built), 300 times in one process; the
figure is the 99th percentile. The first check in a fresh process also pays for importing ``jsonschema`` and
building its validator: that is ``routines.validate_cold_ms``, a reference figure (the CLI pays it once).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

from benchmarks.report import emit

RUNS = 300
PATTERNS = ("hold", "rep_hold", "rep_pause", "timed")
DOSAGE = {
    "hold": {"hold_seconds": [20, 30], "sets": [2, 3]},
    "rep_hold": {"hold_seconds": [5, 10], "reps": [8, 12], "sets": [2, 3]},
    "rep_pause": {"pause_seconds": [2, 3], "reps": [10, 12], "sets": [2, 3]},
    "timed": {"duration_seconds": [60, 120], "sets": [1, 2]},
}


def big_routine() -> dict[str, Any]:
    exercises = []
    for number in range(20):
        pattern = PATTERNS[number % len(PATTERNS)]
        exercises.append(
            {
                "id": f"own-{number}",
                "name": f"Own exercise {number}",
                "kind": "stretch" if pattern == "hold" else "strengthen",
                "overview": "A longer paragraph that says what the exercise is for and how it feels. " * 3,
                "steps": [
                    f"Step {step}: move slowly and keep your {{side}} hip level." for step in range(1, 8)
                ],
                "tips": ["Breathe out as you lift.", "Stop if it hurts."],
                "benefits": ["Looser hips.", "A steadier lower back."],
                "modifications": {"beginner": "Go half as far.", "advanced": "Hold a little longer."},
                "per_side": True,
                "pattern": pattern,
                "dosage": DOSAGE[pattern],
            }
        )
    items = []
    for number in range(50):
        own = exercises[number % 20]
        item: dict[str, Any] = {"exercise": own["id"] if number % 5 else "bridge"}
        if own["pattern"] in ("hold", "rep_hold") and number % 5:
            item["hold_seconds"] = 25 + number % 10
        item["sets"] = 1 + number % 3
        items.append(item)
    return {
        "format": "psoas-routine",
        "version": 1,
        "id": "big-one",
        "name": "A big routine",
        "notes": "Fifty items, twenty exercises of its own.",
        "rest_between_exercises_seconds": 15,
        "exercises": exercises,
        "items": items,
        "progression": {"hold_seconds_step": 2, "every_sessions": 3, "max_hold_seconds": 60},
    }


COLD = """
import json, sys, time
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.routine_file import read_routine
catalog = load_catalog()
content = sys.stdin.buffer.read()
start = time.perf_counter()
read_routine(content, catalog)
print((time.perf_counter() - start) * 1000)
"""


def main() -> None:
    from psoas_desktop.core.catalog import load_catalog
    from psoas_desktop.core.routine_file import read_routine

    content = json.dumps(big_routine(), indent=2).encode()
    cold = subprocess.run(
        [sys.executable, "-c", COLD], input=content, capture_output=True, check=True, timeout=120
    )
    catalog = load_catalog()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        routine = read_routine(content, catalog)
        times.append((time.perf_counter() - start) * 1000)
    assert len(routine.routine.exercise_ids) == 50 and len(routine.exercises) == 20
    emit("routines.file_kb", len(content) / 1024, "KiB", None)
    emit("routines.validate_cold_ms", float(cold.stdout), "ms", None)
    emit("routines.validate_ms_median", statistics.median(times), "ms", None)
    emit("routines.validate_ms_p99", statistics.quantiles(times, n=100)[98], "ms", "<= 20")


if __name__ == "__main__":
    main()
