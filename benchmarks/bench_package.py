"""The installable bundle: build it with PyInstaller (`make package`), run its ``--self-test`` offscreen, and
report how big it is and how long it took.

    python -m benchmarks.bench_package [--no-build]

``--no-build`` checks the bundle already in dist/psoas-desktop/. The build's and the self-test's output go
to stderr; stdout carries only the figures (one JSON object per line): ``package.build_s``,
``package.self_test_s`` and ``package.bundle_mb`` (10^6 bytes, every file in the folder, symbolic links
not followed). Exits non-zero when the build or the self-test fails or the bundle is over the limit.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.report import emit

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "psoas-desktop"
EXECUTABLE = BUNDLE / "psoas-desktop"
LIMIT_MB = 180.0
SELF_TEST_TIMEOUT_S = 120


def build() -> float:
    """`make package`; returns the seconds it took."""
    started = time.monotonic()
    subprocess.run(["make", "--no-print-directory", "package"], cwd=ROOT, stdout=sys.stderr, check=True)
    return time.monotonic() - started


def bundle_megabytes(folder: Path) -> float:
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total / 1e6


def self_test(executable: Path) -> tuple[int, float]:
    """Run the bundle's --self-test on the offscreen platform; its exit status and seconds."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.monotonic()
    result = subprocess.run(
        [str(executable), "--self-test"],
        stdout=sys.stderr,
        stderr=sys.stderr,
        env=env,
        timeout=SELF_TEST_TIMEOUT_S,
        check=False,
    )
    return result.returncode, time.monotonic() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_package")
    parser.add_argument("--no-build", action="store_true", help="check the bundle already in dist/")
    args = parser.parse_args(argv)
    if not args.no_build:
        emit("package.build_s", build(), "s", None)
    if not EXECUTABLE.is_file():
        print(f"bench_package: no bundle at {EXECUTABLE} (run `make package`)", file=sys.stderr)
        return 1
    code, seconds = self_test(EXECUTABLE)
    emit("package.self_test_s", seconds, "s", None)
    size = bundle_megabytes(BUNDLE)
    emit("package.bundle_mb", size, "MB", f"<= {LIMIT_MB:g}")
    if code != 0:
        print(f"bench_package: the bundle's --self-test exited {code}", file=sys.stderr)
        return 1
    if size > LIMIT_MB:
        print(f"bench_package: the bundle is {size:.1f} MB, over {LIMIT_MB:g} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
