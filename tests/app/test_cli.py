"""The command line as a user runs it: real processes, real installed package."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from psoas_desktop import __version__


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psoas_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"psoas-desktop {__version__}"


def test_catalog_json_is_the_full_catalog() -> None:
    result = run("catalog", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["exercises"]) == 10 and len(data["routines"]) == 3 and len(data["tips"]) == 5
    bridge = data["exercises"][0]
    assert bridge["id"] == "bridge" and bridge["dosage"]["hold_seconds"] == [20, 30]
    assert bridge["modifications"]["beginner"] and bridge["per_side"] is False


def test_catalog_text() -> None:
    result = run("catalog")
    assert result.returncode == 0 and "Kneeling Psoas Stretch" in result.stdout and "Safety:" in result.stdout


def test_plan_json_and_table() -> None:
    result = run("plan", "bridge", "--level", "advanced", "--json")
    data = json.loads(result.stdout)
    assert data["total_seconds"] == sum(p["seconds"] for p in data["phases"]) == 5 + 36 * 34 + 60
    assert {"kind", "exercise", "side", "set", "rep", "seconds", "step"} <= set(data["phases"][0])
    table = run("plan", "quick-stretch")
    assert table.returncode == 0 and "Total: 2:00" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "cartwheel"), "'cartwheel' is neither a routine nor an exercise"),
        (("plan", "bridge", "--level", "expert"), "level: 'expert' is not one of"),
    ],
)
def test_bad_input_is_a_clear_message(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
