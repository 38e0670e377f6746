"""`make bench`: run every benchmark, each in its own process so one cannot disturb another, then gate.

    python -m benchmarks [bench_timer bench_audio ...]

Prints every figure as it comes, then one summary line; exits 1 if any figure missed its target or any
benchmark crashed (see benchmarks/gate.py).
"""

from __future__ import annotations

import sys

from benchmarks.gate import run_all

BENCHMARKS = (
    "benchmarks.bench_startup",
    "benchmarks.bench_timer",
    "benchmarks.bench_audio",
    "benchmarks.bench_audio_onset",
    "benchmarks.bench_history",
    "benchmarks.bench_history_view",
    "benchmarks.bench_routines",
    "benchmarks.bench_sync",  # three ten-year journals (~600 MB, removed afterwards): about a minute
    "benchmarks.bench_package",  # builds the PyInstaller bundle (`make package`): about half a minute
)


def command_for(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def main(argv: list[str] | None = None) -> int:
    wanted = sys.argv[1:] if argv is None else argv
    modules = [m for m in BENCHMARKS if not wanted or m.removeprefix("benchmarks.") in wanted]
    unknown = set(wanted) - {m.removeprefix("benchmarks.") for m in BENCHMARKS}
    if unknown:
        print(f"bench: no benchmark named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    verdict = run_all((module, command_for(module)) for module in modules)
    print(verdict.summary(), flush=True)
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
