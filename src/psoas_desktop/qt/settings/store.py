"""The app's settings on disk: one INI file in the user's config folder, read defensively.

Which keys there are, and how each is read and written, comes from core.settings' one table (SETTING_SPECS).
Every key is read as a raw value and converted by its row: QSettings' own ``type=`` conversion turns a bad
string into 0 or False without a word. A bad stored value falls back to that key's default and yields a
message for the status bar; a file that cannot be written raises a KnownError the caller shows while the app
keeps running.

Within one process QSettings caches a file's values with their Python types (an int stays an int), while a
file read from disk gives strings ("25", "true"): both are accepted.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from psoas_desktop.core.errors import KnownError, SettingsError
from psoas_desktop.core.setting_spec import parse_bool
from psoas_desktop.core.settings import SETTING_SPECS, AppSettings

SETTINGS_FILE_NAME = "psoas-desktop.ini"


def _shown(raw: object) -> str:
    """A stored value as the user would recognise it from the file (QSettings splits "a,b" into a list)."""
    if isinstance(raw, list):
        text = ", ".join(str(item) for item in raw)
    elif isinstance(raw, bool):
        text = "true" if raw else "false"
    else:
        text = str(raw)
    return text if len(text) <= 40 else text[:39] + "…"


def _status_reason(status: QSettings.Status) -> str:
    if status == QSettings.Status.AccessError:
        return "the file or its folder is not writable (permission denied, read-only or full disk)"
    return "the existing file is not a valid settings file and could not be replaced"


class SettingsStore:
    """Loads and saves AppSettings, plus small flags and blobs (window geometry, welcome seen)."""

    def __init__(self, config_dir: Path) -> None:
        self._dir = config_dir
        self._path = config_dir / SETTINGS_FILE_NAME
        with contextlib.suppress(OSError):  # load() then gives the defaults; save() reports the problem
            self._dir.mkdir(parents=True, exist_ok=True)
        self._settings = self._open()

    @property
    def path(self) -> Path:
        return self._path

    def _open(self) -> QSettings:
        return QSettings(str(self._path), QSettings.Format.IniFormat)

    # -- the app's settings --

    def load(self) -> tuple[AppSettings, list[str]]:
        """The stored settings, each bad value replaced by its default, and one message per replacement."""
        messages: list[str] = []
        values: dict[str, object] = {}
        for spec in SETTING_SPECS:
            if not self._settings.contains(spec.key):
                continue  # absent: its default
            raw = self._settings.value(spec.key)
            try:
                values[spec.name] = spec.parse(raw)
            except SettingsError:
                messages.append(
                    f"Setting '{spec.key}' had an invalid value '{_shown(raw)}'; "
                    f"using the default ({spec.text(spec.default)})."
                )
        settings = AppSettings.from_values(values)
        if self._settings.status() == QSettings.Status.FormatError:
            messages.append(
                f"Settings file {self._path} had lines that could not be read; they were ignored."
            )
        return settings, messages

    def save(self, settings: AppSettings) -> None:
        """Write all settings and flush them to disk; KnownError if the file cannot be written."""
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KnownError(f"Could not save settings to {self._path}: {exc.strerror or exc}") from None
        # A fresh QSettings: its status starts clean, so an earlier failed flush cannot make this save fail.
        qsettings = self._open()
        for spec in SETTING_SPECS:
            qsettings.setValue(spec.key, spec.stored(settings.value(spec)))
        qsettings.sync()
        status = qsettings.status()
        if status == QSettings.Status.FormatError:
            # The old file had unreadable lines; Qt rewrites it without them: check the new file reads back.
            check = self._open()
            check.allKeys()
            status = check.status()
        self._settings = self._open()  # a clean status for load() and the helpers
        if status != QSettings.Status.NoError:
            raise KnownError(f"Could not save settings to {self._path}: {_status_reason(status)}.")

    # -- small helpers for the main window --

    def get_flag(self, key: str, default: bool) -> bool:
        """A stored true/false; the default when absent or unreadable."""
        if not self._settings.contains(key):
            return default
        value = parse_bool(self._settings.value(key))
        return default if value is None else value

    def set_flag(self, key: str, value: bool) -> None:
        """Store a true/false at once (best effort: a write failure shows up at the next save())."""
        self._settings.setValue(key, bool(value))
        self._settings.sync()

    def get_text(self, key: str) -> str:
        """A stored short text (e.g. the week last nudged); "" when absent or not text."""
        raw = self._settings.value(key)
        return raw if isinstance(raw, str) else ""

    def set_text(self, key: str, value: str) -> None:
        """Store a short text at once (best effort, like set_flag)."""
        self._settings.setValue(key, value)
        self._settings.sync()

    def get_bytes(self, key: str) -> QByteArray | None:
        """A stored blob such as window geometry; None when absent or not a blob."""
        raw = self._settings.value(key)
        return raw if isinstance(raw, QByteArray) else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        """Store a blob at once (best effort, like set_flag)."""
        self._settings.setValue(key, value)
        self._settings.sync()
