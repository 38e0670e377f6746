"""Fail when a package's branch coverage is under its floor: each package on its own, not the total.

    python scripts/coverage_gate.py COVERAGE_JSON [--min PERCENT] PACKAGE [PACKAGE ...]

COVERAGE_JSON is coverage.py's JSON report (``--cov-report=json:PATH``); a PACKAGE is a dotted name
(``psoas_desktop.core``) and counts every measured file under that folder, wherever it was installed.
The figure is coverage.py's own: covered lines and branches over all lines and branches. Coverage's
``fail_under`` only knows the total, where a well-tested package would hide a poorly tested one.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

DEFAULT_MIN = 90.0


@dataclass
class Tally:
    files: int = 0
    covered: int = 0
    total: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 0.0


def tally(report: dict[str, Any], package: str) -> Tally:
    parts = tuple(package.split("."))
    result = Tally()
    for path, data in report["files"].items():
        folder = PurePath(path).parts[:-1]
        if not any(folder[i : i + len(parts)] == parts for i in range(len(folder))):
            continue
        summary = data["summary"]
        result.files += 1
        result.covered += summary["covered_lines"] + summary.get("covered_branches", 0)
        result.total += summary["num_statements"] + summary.get("num_branches", 0)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("packages", nargs="+")
    parser.add_argument("--min", type=float, default=DEFAULT_MIN, help="floor in percent (default 90)")
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    if not report.get("meta", {}).get("branch_coverage"):
        print("coverage gate failed: the report has no branch data ([tool.coverage.run] branch = true)")
        return 1
    misses = []
    print(f"coverage gate (lines and branches), each package at least {args.min:g} %:")
    for package in args.packages:
        figure = tally(report, package)
        ok = figure.files > 0 and figure.percent >= args.min
        verdict = "ok" if ok else "UNDER"
        print(f"  {package:<28} {figure.percent:5.1f} %  ({figure.files} files)  {verdict}")
        if not ok:
            misses.append(package)
    if misses:
        print(f"coverage gate failed: {', '.join(misses)} under {args.min:g} %")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
