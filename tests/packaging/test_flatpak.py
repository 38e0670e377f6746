"""The Flatpak manifest (not built here: no flatpak-builder): it parses, and everything it names exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.psoasdesktop.PsoasDesktop"
MANIFEST = ROOT / "packaging" / "flatpak" / f"{APP_ID}.yml"
REQUIRED_PERMISSIONS = {
    "--socket=wayland",
    "--socket=fallback-x11",
    "--share=ipc",
    "--socket=pulseaudio",
    "--device=dri",
    "--talk-name=org.freedesktop.ScreenSaver",
    "--system-talk-name=org.freedesktop.login1",
    "--talk-name=org.freedesktop.Notifications",
}


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _module(name: str) -> dict[str, Any]:
    (module,) = [m for m in _manifest()["modules"] if m["name"] == name]
    assert isinstance(module, dict)
    return module


def test_manifest_names_the_app_and_its_command() -> None:
    manifest = _manifest()
    assert manifest["app-id"] == APP_ID
    with (ROOT / "pyproject.toml").open("rb") as file:
        scripts = tomllib.load(file)["project"]["scripts"]
    assert manifest["command"] in scripts
    assert manifest["runtime"] in ("org.freedesktop.Platform", "org.kde.Platform")


def test_manifest_asks_for_exactly_the_permissions_the_app_uses() -> None:
    assert set(_manifest()["finish-args"]) == REQUIRED_PERMISSIONS


def test_app_module_builds_from_this_repository() -> None:
    (source,) = _module("psoas-desktop")["sources"]
    assert source["type"] == "dir"
    assert (MANIFEST.parent / source["path"]).resolve() == ROOT


def test_every_file_the_app_module_installs_exists() -> None:
    commands = " ".join(_module("psoas-desktop")["build-commands"])
    sizes = re.search(r"for size in ([\d ]+);", commands)
    assert sizes is not None
    named = set(re.findall(r"(?<![\w/])((?:packaging|resources)/[^\s\"]+)", commands))
    expanded = set()
    for path in named:
        if "${size}" in path:
            expanded |= {path.replace("${size}", size) for size in sizes.group(1).split()}
        else:
            expanded.add(path)
    assert {
        f"packaging/linux/{APP_ID}.desktop",
        f"packaging/linux/{APP_ID}.metainfo.xml",
        f"resources/icons/{APP_ID}.svg",
        f"resources/icons/hicolor/256x256/apps/{APP_ID}.png",
    } <= expanded
    missing = sorted(path for path in expanded if not (ROOT / path).is_file())
    assert not missing, f"the manifest installs files that do not exist: {missing}"
    for size in ("16", "32", "48", "64", "128", "256"):
        assert size in sizes.group(1).split()


def test_wheel_sources_are_pinned_and_checksummed() -> None:
    for module in _manifest()["modules"]:
        for source in module["sources"]:
            if source["type"] != "file":
                continue
            assert source["url"].startswith("https://files.pythonhosted.org/packages/"), source
            assert source["url"].endswith(".whl"), source
            assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"]), source


def test_pyside_wheels_match_the_projects_pin_for_python_3_12() -> None:
    """The runtime's Python is 3.12; pyproject.toml asks for PySide6 6.12 there."""
    urls = [source["url"] for source in _module("python-dependencies")["sources"]]
    names = [url.rsplit("/", 1)[1] for url in urls]
    for project in ("pyside6_essentials", "pyside6_addons", "shiboken6"):
        (wheel,) = [name for name in names if name.startswith(project + "-")]
        assert wheel.split("-")[1].startswith("6.12."), wheel
    (numpy,) = [name for name in names if name.startswith("numpy-")]
    assert "-cp312-" in numpy
