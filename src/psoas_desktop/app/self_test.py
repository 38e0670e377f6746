"""``psoas-desktop --self-test``: proves that this install (wheel, pipx, PyInstaller bundle, Flatpak) carries
everything the app needs, without touching the user's history or settings.

Each check prints one line: ``ok``, ``warn`` or ``FAIL``, its name, and what it found. A warning is
something the app survives by design and that depends on the machine rather than the install (no
PulseAudio client library or no audio output: cues stay visual; no speech engine: tones only). The exit
status is 0 when no check failed and 1 otherwise, with a closing line that names the failed checks.

The checks: the catalog loads; every routine plans at every level; the cue sounds are there and readable;
a temporary history database saves a hold and reads it back; the main window and every illustration are
drawn; the history window draws its charts (pyqtgraph, numpy) and writes its PDF summary; a local socket
listens and the D-Bus bindings load; QtMultimedia loads a cue (the sound module); the voice helper starts
(``python -m psoas_desktop.qt.sound.voice_helper`` or, frozen, the bundle's own executable with ``--voice-helper``) and
speaks with Qt's silent mock engine.

Windows are drawn on the platform Qt would use, never shown on screen; with no display at all (neither
DISPLAY nor WAYLAND_DISPLAY) the offscreen platform stands in.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from psoas_desktop import __version__
from psoas_desktop.app.voice_conversation import talk_to_voice_helper
from psoas_desktop.core.catalog import Catalog, load_catalog
from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.settings import Level, Settings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from psoas_desktop.storage.history import History

QUIET_QT_LOGS = "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false"
WAIT_SECONDS = 15.0  # for the history window's first drawing and for the voice helper
_QT_OWN_LIBRARIES = ("libQt6", "libpyside6", "libshiboken6", "libicu")


class DegradedError(Exception):
    """The install is complete, but this machine keeps a feature from working (the app survives it)."""


@dataclass
class _Context:
    """What the checks share: each is built by the first check that needs it."""

    workdir: Path
    catalog_: Catalog | None = None
    history_: History | None = None
    app_: QApplication | None = None
    windows: list[QWidget] = field(default_factory=list)

    @property
    def catalog(self) -> Catalog:
        if self.catalog_ is None:
            self.catalog_ = load_catalog()
        return self.catalog_

    @property
    def history(self) -> History:
        if self.history_ is None:
            raise RuntimeError("the history check did not open a database")
        return self.history_

    @property
    def app(self) -> QApplication:
        if self.app_ is None:
            from PySide6.QtWidgets import QApplication

            existing = QApplication.instance()
            self.app_ = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
        return self.app_


# -- the checks -----------------------------------------------------------------------------------------------


def _check_catalog(ctx: _Context) -> str:
    # Against the JSON Schema too: a start trusts the shipped files (the build checks them here), and
    # routine files need jsonschema and its meta-schemas in the install.
    catalog = load_catalog(validate=True)
    if catalog != ctx.catalog:
        raise RuntimeError("the catalog reads differently when it is checked against its schema")
    return (
        f"{len(catalog.exercises)} exercises, {len(catalog.routines)} routines, {len(catalog.tips)} tips;"
        " valid against the routine schema"
    )


def _check_plans(ctx: _Context) -> str:
    catalog = ctx.catalog
    if not catalog.routines:
        raise RuntimeError("the catalog has no routines")
    totals: dict[tuple[str, Level], float] = {}
    for routine in catalog.routines:
        for level in Level:
            timeline = build_timeline(catalog, routine, Settings(level=level))
            if not timeline.phases or timeline.total_seconds <= 0:
                raise RuntimeError(f"{routine.id} at {level.value} level plans no time")
            totals[routine.id, level] = timeline.total_seconds
    first = catalog.routines[0].id
    return (
        f"{len(totals)} timelines ({len(catalog.routines)} routines x {len(Level)} levels); "
        f"{first} at standard level takes {format_duration(totals[first, Level.STANDARD])}"
    )


def _check_sounds(_ctx: _Context) -> str:
    from psoas_desktop.core.cues import Cue
    from psoas_desktop.qt.sound.cue_player import default_sounds_dir  # the sound module, as the app loads it

    folder = default_sounds_dir()
    for cue in Cue:
        path = folder / f"{cue.value}.wav"
        if not path.is_file():
            raise RuntimeError(f"{path} is missing")
        with wave.open(str(path), "rb") as sound:
            if sound.getnchannels() != 1 or sound.getsampwidth() != 2 or sound.getnframes() == 0:
                raise RuntimeError(f"{path.name} is not a 16-bit mono sound")
    return f"{len(Cue)} cue sounds (16-bit mono WAV) in {folder}"


def _check_history(ctx: _Context) -> str:
    import sqlite3

    from psoas_desktop.storage.history import History
    from psoas_desktop.storage.paths import resolve_paths

    resolve_paths()  # platformdirs answers (nothing is created)
    opened = History.open(ctx.workdir / "data", now=lambda: datetime.now(UTC))
    ctx.history_ = opened.history
    if opened.messages:
        raise RuntimeError(" ".join(opened.messages))
    history = opened.history
    if history.writer_thread is None or not history.writer_thread.is_alive():
        raise RuntimeError("the history opened without its writer thread")
    started = datetime.now(UTC)
    session = history.start_session("self-test", Level.STANDARD.value, started)
    record = HoldRecord(
        exercise="bridge",
        side=None,
        set=1,
        rep=1,
        planned_seconds=20.0,
        actual_seconds=20.0,
        started_utc=started,
        utc_offset_seconds=0,
        status=PhaseStatus.COMPLETED,
        phase_index=0,
    )
    history.add_record(session, record)
    history.end_session(session, "completed", datetime.now(UTC))
    entries = history.entries(session)
    if [(e.exercise, e.actual_seconds) for e in entries] != [("bridge", 20.0)]:
        raise RuntimeError(f"read back {entries!r} instead of the one hold saved")
    sessions = history.sessions()
    if [(s.id, s.status) for s in sessions] != [(session, "completed")]:
        raise RuntimeError(f"read back sessions {sessions!r}")
    return (
        f"SQLite {sqlite3.sqlite_version}: a hold saved by the writer thread and read back on a read-only"
        " connection in a temporary database"
    )


def _check_window(ctx: _Context) -> str:
    from psoas_desktop.core.clock import SystemClock
    from psoas_desktop.core.settings import AppSettings
    from psoas_desktop.qt.session.instructions import render_illustration
    from psoas_desktop.qt.session.main_window import MainWindow
    from psoas_desktop.qt.settings.store import SettingsStore
    from psoas_desktop.qt.settings.theme import apply_theme

    app = ctx.app
    apply_theme(app, AppSettings().theme.value)
    window = MainWindow(ctx.catalog, SettingsStore(ctx.workdir / "config"), AppSettings(), SystemClock())
    ctx.windows.append(window)
    _draw_off_screen(app, window)
    colours = _colours(window)
    if colours < 3:
        raise RuntimeError(f"the main window was drawn in {colours} colour(s): nothing on it")
    drawn = 0
    for exercise in ctx.catalog.exercises:
        if render_illustration(exercise.illustration, width=160).isNull():
            raise RuntimeError(f"illustration {exercise.illustration} could not be drawn (QtSvg)")
        drawn += 1
    return (
        f"main window drawn ({window.width()}x{window.height()}, platform {app.platformName()}), "
        f"{drawn} illustrations drawn"
    )


def _check_charts(ctx: _Context) -> str:
    import numpy
    import pyqtgraph

    from psoas_desktop.core.stats import SystemLocalZone, local_today
    from psoas_desktop.qt.history.window import HistoryWindow

    app = ctx.app
    zone = SystemLocalZone()
    view = HistoryWindow(
        ctx.history,
        {exercise.id: exercise.name for exercise in ctx.catalog.exercises},
        3,
        zone,
        lambda: local_today(zone),
        routine_names={routine.id: routine.name for routine in ctx.catalog.routines},
    )
    ctx.windows.append(view)
    ready: list[bool] = []
    view.ready.connect(lambda: ready.append(True))
    _draw_off_screen(app, view)
    _wait_for(app, lambda: bool(ready), "the history window to draw its charts")
    for index in range(view.tabs.count()):  # the later tabs build their charts when first shown
        view.tabs.setCurrentIndex(index)
        app.processEvents()
        if _colours(view) < 3:
            raise RuntimeError(f"the history window's {view.tabs.tabText(index)!r} tab was drawn blank")
    pdf = ctx.workdir / "summary.pdf"
    view.export_pdf(pdf)
    if not pdf.read_bytes().startswith(b"%PDF"):
        raise RuntimeError(f"{pdf} is not a PDF")
    return (
        f"history window drawn with pyqtgraph {pyqtgraph.__version__} and numpy {numpy.__version__}; "
        f"PDF summary written ({pdf.stat().st_size // 1024} kB)"
    )


def _check_audio(ctx: _Context) -> str:
    from PySide6.QtCore import QUrl

    from psoas_desktop.core.cues import Cue
    from psoas_desktop.qt.sound.cue_player import default_sounds_dir

    try:
        multimedia = importlib.import_module("PySide6.QtMultimedia")
    except ImportError as error:
        missing = _missing_host_library(str(error))
        if missing is None:
            raise
        raise DegradedError(
            f"QtMultimedia needs {missing}, the PulseAudio client library (Debian/Ubuntu: libpulse0), "
            "which this machine lacks: cues would be visual only"
        ) from error
    app = ctx.app  # QSoundEffect wants an application object
    outputs = multimedia.QMediaDevices.audioOutputs()
    if not outputs:
        raise DegradedError(
            "QtMultimedia loads, but this machine has no audio output now: cues would be visual only"
        )
    effect = multimedia.QSoundEffect()
    status = multimedia.QSoundEffect.Status
    try:
        effect.setSource(QUrl.fromLocalFile(str(default_sounds_dir() / f"{Cue.HOLD_START.value}.wav")))
        _wait_for(app, lambda: effect.status() in (status.Ready, status.Error), "a cue sound to load")
        if effect.status() is not status.Ready:
            raise DegradedError(
                f"the default audio output {outputs[0].description()!r} cannot play the cue sounds: "
                "cues would be visual only"
            )
    finally:
        effect.deleteLater()
    return (
        f"QtMultimedia loaded a cue sound (QSoundEffect) for the default output "
        f"{outputs[0].description()!r} ({len(outputs)} output{'s' * (len(outputs) != 1)})"
    )


def _check_voice(_ctx: _Context) -> str:
    from psoas_desktop.qt.sound.voice import MOCK_ENGINE, helper_command

    command = helper_command(MOCK_ENGINE)
    events, stderr = talk_to_voice_helper(command, quiet_qt_logs=QUIET_QT_LOGS, wait_seconds=WAIT_SECONDS)
    kinds = [event.get("event") for event in events]
    errors = [str(event["error"]) for event in events if event.get("error")]
    if errors:
        missing = _missing_host_library(errors[0] + stderr)
        if missing is not None:
            raise DegradedError(
                f"the speech helper needs {missing} from this machine (the PulseAudio client library, "
                "Debian/Ubuntu: libpulse0): the voice would be off, tones only"
            )
        raise RuntimeError(f"the speech helper reported: {errors[0]}")
    if "started" not in kinds or "spoken" not in kinds:
        tail = stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"the speech helper said {events!r}; {' / '.join(tail) or 'nothing on stderr'}")
    how = "this executable --voice-helper" if getattr(sys, "frozen", False) else "python -m"
    return f"speech helper ({how}) started QtTextToSpeech's {MOCK_ENGINE} engine and spoke a phrase"


def _check_desktop(ctx: _Context) -> str:
    """The desktop plumbing: a local socket (one running copy) and D-Bus (sleep watch, screen saver)."""
    from PySide6.QtDBus import QDBusConnection
    from PySide6.QtNetwork import QLocalServer

    from psoas_desktop.qt.desktop.power_guard import (
        SessionPowerGuard,  # with the sleep watch and the screen saver
    )

    _ = ctx.app
    server = QLocalServer()
    try:
        if not server.listen(str(ctx.workdir / "self-test.socket")):
            raise RuntimeError(f"a local socket could not listen: {server.errorString()}")
    finally:
        server.close()
    bus = "connected" if QDBusConnection.sessionBus().isConnected() else "no session bus here"
    return f"local socket (QtNetwork) listens; {SessionPowerGuard.__name__} loads; D-Bus (QtDBus): {bus}"


CHECKS: tuple[tuple[str, Callable[[_Context], str]], ...] = (
    ("catalog", _check_catalog),
    ("plans", _check_plans),
    ("sounds", _check_sounds),
    ("history", _check_history),
    ("window", _check_window),
    ("charts", _check_charts),
    ("desktop", _check_desktop),
    ("audio", _check_audio),
    ("voice", _check_voice),
)


# -- helpers --------------------------------------------------------------------------------------------------


def _missing_host_library(text: str) -> str | None:
    """The missing shared library named in an error, when it is the machine's, not one the install ships."""
    match = re.search(r"([\w.+-]+\.so[\w.]*): cannot open shared object file", text)
    if match is None or match.group(1).startswith(_QT_OWN_LIBRARIES):
        return None
    return match.group(1)


def _draw_off_screen(app: QApplication, widget: QWidget) -> None:
    """Lay out and paint `widget` as if shown, without mapping it on the screen."""
    from PySide6.QtCore import Qt

    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.show()
    app.processEvents()


def _colours(widget: QWidget) -> int:
    """How many different colours a grid of samples of the widget's picture has (1 = blank)."""
    image = widget.grab().toImage()
    if image.isNull():
        return 0
    step_x, step_y = max(1, image.width() // 40), max(1, image.height() // 40)
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), step_x) for y in range(0, image.height(), step_y)}
    )


def _wait_for(app: QApplication, done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting {WAIT_SECONDS:g} s for {what}")
        app.processEvents()
        time.sleep(0.01)


@contextmanager
def _qt_messages() -> Iterator[list[str]]:
    """Collect Qt's own messages instead of printing them: a failed check shows them, a passed one drops
    them (the offscreen platform's and a missing sound server's notes are no news in a self-test)."""
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    messages: list[str] = []

    def handler(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        messages.append(message)

    previous = qInstallMessageHandler(handler)
    try:
        yield messages
    finally:
        qInstallMessageHandler(previous)


@contextmanager
def _platform_for_headless() -> Iterator[str | None]:
    """Offscreen when nothing else can work (no display at all and no platform chosen); says which."""
    chosen = None
    if not os.environ.get("QT_QPA_PLATFORM") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = chosen = "offscreen"
    try:
        yield chosen
    finally:
        if chosen is not None:
            os.environ.pop("QT_QPA_PLATFORM", None)


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# -- the run --------------------------------------------------------------------------------------------------


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check, one line each on `out` (stdout); 0 when none failed, else 1."""
    out = out or sys.stdout
    os.environ.setdefault("QT_LOGGING_RULES", QUIET_QT_LOGS)  # as the app does; read when Qt starts
    where = "frozen bundle " + sys.executable if getattr(sys, "frozen", False) else f"Python {sys.executable}"
    print(f"psoas-desktop {__version__} self-test ({where})", file=out, flush=True)
    failed: list[str] = []
    warned = 0
    with _platform_for_headless() as forced, tempfile.TemporaryDirectory(prefix="psoas-self-test-") as tmp:
        if forced:
            print(f"note  no display: Qt uses the {forced} platform", file=out, flush=True)
        ctx = _Context(Path(tmp))
        with _qt_messages() as messages:
            try:
                for name, check in CHECKS:
                    messages.clear()
                    try:
                        status, detail = "ok", check(ctx)
                    except DegradedError as warning:
                        status, detail = "warn", str(warning)
                        warned += 1
                    except Exception as error:
                        status, detail = "FAIL", _describe(error)
                        failed.append(name)
                    print(f"{status:<5} {name:<8} {detail}", file=out, flush=True)
                    if status == "FAIL" and messages:
                        print("\n".join(f"      Qt: {m}" for m in messages), file=out, flush=True)
            finally:
                _close(ctx)
    total = len(CHECKS)
    if failed:
        message = f"self-test FAILED: {len(failed)} of {total} checks failed ({', '.join(failed)})"
        print(message, file=out, flush=True)
        if out is not sys.stderr:
            print(f"psoas-desktop: {message}", file=sys.stderr, flush=True)
        return 1
    print(f"self-test passed: {total} checks, {warned} warning{'s' * (warned != 1)}", file=out, flush=True)
    return 0


def _close(ctx: _Context) -> None:
    for window in reversed(ctx.windows):
        window.close()
        window.deleteLater()
    if ctx.app_ is not None:
        ctx.app_.processEvents()
    if ctx.history_ is not None:
        ctx.history_.close()
