"""The wheel a user installs carries the resources the app reads through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_resources(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("psoas_desktop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / "resources").rglob("*") if p.is_file()}
    assert shipped, "no resources found in the source tree"
    missing = {f"psoas_desktop/{name}" for name in shipped} - names
    assert not missing
    assert "psoas_desktop/resources/exercises/bridge.json" in names
    assert "psoas_desktop/resources/illustrations/bridge.svg" in names
