"""The PyInstaller spec and its entry point, without building (`make package-check` builds and runs it)."""

from __future__ import annotations

import ast
import importlib.util
import runpy
from pathlib import Path

from psoas_desktop.qt.sound import voice

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "psoas-desktop.spec"
LAUNCHER = ROOT / "packaging" / "launcher.py"


def _assigned_list(name: str) -> list[str]:
    """The literal list assigned to `name` at the top of the spec."""
    for node in ast.parse(SPEC.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return [str(item) for item in value]
    raise AssertionError(f"{SPEC.name} assigns no list to {name}")


def test_spec_freezes_the_launcher() -> None:
    assert LAUNCHER.is_file()
    assert '"packaging" / "launcher.py"' in SPEC.read_text(encoding="utf-8")


def test_launcher_hands_the_frozen_helper_flag_to_the_voice_helper() -> None:
    """voice.helper_command() starts a frozen app as `<executable> --voice-helper`; the launcher must agree."""
    launcher = runpy.run_path(str(LAUNCHER), run_name="launcher")
    assert launcher["VOICE_HELPER_FLAG"] == voice.FROZEN_HELPER_FLAG


def test_every_hidden_import_exists() -> None:
    hidden = _assigned_list("hiddenimports")
    assert "psoas_desktop.qt.sound.voice" in hidden and "PySide6.QtMultimedia" in hidden
    missing = [name for name in hidden if importlib.util.find_spec(name) is None]
    assert not missing, f"the spec names modules that do not exist: {missing}"


def test_no_hidden_import_is_also_excluded() -> None:
    hidden = set(_assigned_list("hiddenimports"))
    unused_qt = {f"PySide6.{name}" for name in _assigned_list("_UNUSED_QT")}
    assert not hidden & unused_qt
