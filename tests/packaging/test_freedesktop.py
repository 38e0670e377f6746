"""The desktop entry, the AppStream metainfo and the app icons: valid, consistent, present in every size.

desktop-file-validate and appstreamcli come from the desktop-file-utils and appstream packages (.ci/run
installs both); each test that needs one says so when it is missing.
"""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from psoas_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.psoasdesktop.PsoasDesktop"
DESKTOP = ROOT / "packaging" / "linux" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / "linux" / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / f"{APP_ID}.svg"
SIZES = (16, 32, 48, 64, 128, 256)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return path


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        data = tomllib.load(file)["project"]
    assert isinstance(data, dict)
    return data


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_is_valid() -> None:
    result = _run(_tool("desktop-file-validate", "desktop-file-utils"), str(DESKTOP))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_is_valid() -> None:
    result = _run(_tool("appstreamcli", "appstream"), "validate", "--no-net", "--strict", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_tree_is_valid(tmp_path: Path) -> None:
    """As a package or the Flatpak installs them: AppStream finds the desktop entry and the icon."""
    appstreamcli = _tool("appstreamcli", "appstream")
    share = tmp_path / "usr" / "share"
    for source, target in [
        (DESKTOP, share / "applications" / DESKTOP.name),
        (METAINFO, share / "metainfo" / METAINFO.name),
        (SVG, share / "icons" / "hicolor" / "scalable" / "apps" / SVG.name),
    ]:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    result = _run(appstreamcli, "validate-tree", "--no-net", "--strict", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_launches_the_installed_command() -> None:
    entry = _desktop_entry()
    scripts = _pyproject()["scripts"]
    assert isinstance(scripts, dict)
    assert entry["Exec"].split()[0] in scripts
    assert entry["TryExec"] == entry["Exec"].split()[0]
    assert entry["Icon"] == APP_ID and entry["Type"] == "Application"


def test_metainfo_matches_the_project() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("project_license") == _pyproject()["license"]
    assert root.findtext("metadata_license") == "CC0-1.0"
    versions = [release.get("version") for release in root.iter("release")]
    assert __version__ in versions, f"add a <release version='{__version__}'> to {METAINFO.name}"
    assert root.find("content_rating[@type='oars-1.1']") is not None
    binaries = [element.text for element in root.iter("binary")]
    assert binaries == [_desktop_entry()["Exec"].split()[0]]


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("size", SIZES)
def test_icon_png_exists_in_its_size(size: int) -> None:
    path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert path.is_file(), f"{path} is missing: run `make icons`"
    assert _png_size(path) == (size, size)


def test_icon_svg_is_square() -> None:
    root = ET.parse(SVG).getroot()
    assert root.get("viewBox") == "0 0 256 256"


def test_icon_pngs_are_drawn_from_the_svg() -> None:
    """The PNGs were redrawn after the last change to the SVG (scripts/render_icons.py --check)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_icons.py"), "--check"],
        capture_output=True,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
