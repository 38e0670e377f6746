"""`make bench`: run every benchmark, each in its own process so one cannot disturb another."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "benchmarks.bench_startup",
    "benchmarks.bench_timer",
    "benchmarks.bench_audio",
    "benchmarks.bench_history",
    "benchmarks.bench_history_view",
    "benchmarks.bench_package",  # builds the PyInstaller bundle (`make package`): about half a minute
)


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        failed |= subprocess.run([sys.executable, "-m", module], check=False).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
