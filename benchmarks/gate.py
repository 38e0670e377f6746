"""`make bench`'s verdict: every figure a benchmark printed is checked against its target here.

The gate re-checks each value itself (it does not trust a ``met`` field), so a benchmark that prints its
target but computes nothing cannot pass. A miss is: a value outside its target, a target that does not parse,
a gated figure with no value that is not marked skipped, a benchmark process that exits non-zero, or one that
prints no figure at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from benchmarks.report import parse_target


@dataclass
class Verdict:
    gated: int = 0
    reference: int = 0
    skipped: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.misses

    def summary(self) -> str:
        if self.misses:
            return f"bench: FAILED, {len(self.misses)} missed: " + "; ".join(self.misses)
        return (
            f"bench: ok, {self.gated} gated figures met their targets"
            f" ({self.reference} reference, {self.skipped} skipped)"
        )


def judge_line(line: str, verdict: Verdict) -> bool:
    """Count one line of a benchmark's stdout; False if it is not a figure (log text passes through)."""
    try:
        figure = json.loads(line)
    except ValueError:
        return False
    if not isinstance(figure, dict) or "name" not in figure:
        return False
    name, value, unit, target = (
        figure["name"],
        figure.get("value"),
        figure.get("unit", ""),
        figure.get("target"),
    )
    note = str(figure.get("note") or "")
    if note.startswith("skipped"):
        verdict.skipped += 1
        return True
    if target is None:
        verdict.reference += 1
        return True
    verdict.gated += 1
    try:
        goal = parse_target(str(target))
    except ValueError:
        verdict.misses.append(f"{name}: unreadable target {target!r}")
        return True
    if not isinstance(value, int | float) or isinstance(value, bool):
        verdict.misses.append(f"{name}: no value (target {goal})")
    elif not goal.met_by(float(value)):
        verdict.misses.append(f"{name} = {value:g} {unit} (target {goal})")
    return True


def run_one(label: str, command: Sequence[str], verdict: Verdict, out: TextIO) -> None:
    """Run one benchmark process, echo its stdout as it comes, and judge each figure it prints."""
    figures = 0
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
    except OSError as exc:
        verdict.misses.append(f"{label} did not start ({exc})")
        return
    assert process.stdout is not None
    with process:
        for line in process.stdout:
            out.write(line)
            out.flush()
            figures += judge_line(line.strip(), verdict)
    if process.returncode != 0:
        verdict.misses.append(f"{label} exited {process.returncode}")
    elif figures == 0:
        verdict.misses.append(f"{label} printed no figure")


def run_all(benchmarks: Iterable[tuple[str, Sequence[str]]], out: TextIO = sys.stdout) -> Verdict:
    verdict = Verdict()
    for label, command in benchmarks:
        run_one(label, command, verdict, out)
    return verdict
