"""Spoken announcements (optional, off by default): QTextToSpeech in a helper process, time-boxed.

Speech engines block. speechd without a sound server was seen hanging in "Speaking", blocking the next
engine construction for 30 s, and blocking the *destruction* of an engine for good. Inside the app no
thread can contain that: a PySide6 call that blocks in C++ keeps the GIL (a blocked ``QTextToSpeech()`` in a
worker thread stopped every Python timer of the GUI thread, measured), and at exit PySide destroys every
Python-owned QObject, so a wedged engine or its thread hangs the app on quit. So the engine lives in a
small helper process (``python -m psoas_desktop.qt.sound.voice_helper``) that talks JSON lines over its stdin/stdout:
the GUI only writes to a pipe and reads what arrives, and a helper that does not answer in time is killed
by its pid. The helper also means QtTextToSpeech is never imported into the app at all.

Time limits: the helper must be up within ``launch_timeout_ms`` and its engine Ready within
``start_timeout_ms`` (about 2 s) after that; otherwise the voice gives up for now, says so once through
``status_message``, and the tones carry on alone. The helper is left to finish starting in its own process
(a cold speechd took 1.8–2.3 s here, and killing it mid-start only makes the next start cold again): if its
engine does get Ready later, the voice comes back with one more status line. An engine that reports an
error is given up for good (the helper is killed); so is everything on ``shutdown()``.

Phrases are spoken *after* the cue tone they belong to (``say(text, delay_ms)``), the newest phrase
replaces one still waiting, and ``cancel()`` (called before every new cue) silences a phrase in progress:
the voice never talks over its own cues and never lags behind the workout.

Helper protocol (``voice_helper.py`` is the other end), one JSON object per line. To the helper:
``{"cmd": "say", "text": …}``, ``{"cmd": "stop"}``,
``{"cmd": "volume", "value": 0.0–1.0}``, ``{"cmd": "quit"}`` (or end of input). From the helper:
``{"event": "started"}``, ``{"event": "state", "state": "Ready"|"Speaking"|…|"Error", "error": ""}``,
``{"event": "spoken", "text": …}``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, QProcess, Qt, QTimer, Signal, Slot

log = logging.getLogger(__name__)

START_TIMEOUT_MS = 2000
LAUNCH_TIMEOUT_MS = 5000
QUIT_WAIT_MS = 300
MOCK_ENGINE = "mock"
HELPER_MODULE = "psoas_desktop.qt.sound.voice_helper"
FROZEN_HELPER_FLAG = "--voice-helper"
QUIET_QT_LOGS = "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false"


def helper_command(engine_name: str | None = None) -> list[str]:
    """How to start the helper: this module under the same Python, or (frozen app) the app's own binary,
    whose entry point must hand ``--voice-helper …`` to ``voice_helper.helper_main``."""
    engine = ["--engine", engine_name] if engine_name else []
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_HELPER_FLAG, *engine]
    return [sys.executable, "-m", HELPER_MODULE, *engine]


class VoiceState(StrEnum):
    OFF = "off"
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"


class Voice(QObject):
    """Speaks short phrases after cue tones, or does nothing at all: it never blocks and never raises.

    Signals:
        status_message(str): one line for the status bar when the voice gives up.
        state_changed(str): the new VoiceState.
        spoken(str): the engine was asked to speak this phrase.
    """

    status_message = Signal(str)
    state_changed = Signal(str)
    spoken = Signal(str)

    def __init__(
        self,
        *,
        engine_name: str | None = None,
        command: Sequence[str] | None = None,
        start_timeout_ms: int = START_TIMEOUT_MS,
        launch_timeout_ms: int = LAUNCH_TIMEOUT_MS,
        parent: QObject | None = None,
    ) -> None:
        """`engine_name`: a QTextToSpeech engine ("mock" in tests), None for the platform's default.
        `command`: how to start the helper (tests start fakes that stall or fail)."""
        super().__init__(parent)
        self._command = list(command) if command else helper_command(engine_name)
        self._start_timeout_ms = start_timeout_ms
        self._launch_timeout_ms = launch_timeout_ms
        self._state = VoiceState.OFF
        self._process: QProcess | None = None
        self._helper_up = False
        self._gave_up_waiting = False  # timed out, but the helper may still get Ready
        self._quit_hooked = False
        self._volume = 1.0
        self._engine_busy = False
        self._pending: str | None = None  # a phrase whose tone is still sounding
        self._waiting: str | None = None  # a phrase due while the engine was still starting
        self._time_limit = QTimer(self)
        self._time_limit.setObjectName("voice start time limit")
        self._time_limit.setSingleShot(True)
        self._time_limit.setTimerType(Qt.TimerType.PreciseTimer)
        self._time_limit.timeout.connect(self._give_up_waiting)
        self._delay = QTimer(self)
        self._delay.setObjectName("voice after-tone delay")
        self._delay.setSingleShot(True)
        self._delay.setTimerType(Qt.TimerType.PreciseTimer)
        self._delay.timeout.connect(self._speak_pending)

    # -- queries --------------------------------------------------------------------------------------------

    @property
    def state(self) -> VoiceState:
        return self._state

    @property
    def helper_pid(self) -> int | None:
        """The running helper's process id (None when none runs)."""
        process = self._process
        if process is None or process.state() is QProcess.ProcessState.NotRunning:
            return None
        return int(process.processId()) or None

    @property
    def busy(self) -> bool:
        """A phrase is waiting for its tone to end or being spoken."""
        return self._delay.isActive() or self._engine_busy or self._waiting is not None

    # -- commands -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the helper; returns at once. Ready, or given up on, within the time limits."""
        if self._state in (VoiceState.STARTING, VoiceState.READY):
            return
        if self._gave_up_waiting and self.helper_pid is not None:
            return  # still starting in the background; it reports Ready when it gets there
        self._gave_up_waiting = False
        self._discard_process()
        process = QProcess(self)
        process.setObjectName("voice helper")
        process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        process.readyReadStandardOutput.connect(self._read_events)
        process.errorOccurred.connect(self._on_process_error)
        process.finished.connect(self._on_process_finished)
        self._process = process
        self._engine_busy = False
        self._helper_up = False
        self._set_state(VoiceState.STARTING)
        self._time_limit.start(self._launch_timeout_ms)
        app = QCoreApplication.instance()
        if app is not None and not self._quit_hooked:
            app.aboutToQuit.connect(self.shutdown)  # the helper ends with the app even if nobody asks
            self._quit_hooked = True
        process.start(self._command[0], self._command[1:])
        self._send({"cmd": "volume", "value": self._volume})

    def say(self, text: str, delay_ms: int = 0) -> None:
        """Speak `text` after `delay_ms` (the tone's length); replaces a phrase still waiting."""
        if self._state not in (VoiceState.STARTING, VoiceState.READY):
            return
        self._pending = text
        self._waiting = None
        self._delay.start(max(0, delay_ms))

    def cancel(self) -> None:
        """Forget a waiting phrase and silence one being spoken (a new cue is about to sound)."""
        self._delay.stop()
        self._pending = None
        self._waiting = None
        if self._state is VoiceState.READY and self._engine_busy:
            self._send({"cmd": "stop"})

    def set_volume(self, fraction: float) -> None:
        self._volume = min(1.0, max(0.0, fraction))
        self._send({"cmd": "volume", "value": self._volume})

    @Slot()
    def shutdown(self) -> None:
        """Stop the timers and the helper (waits at most a few hundred ms, then kills it)."""
        self._time_limit.stop()
        self._delay.stop()
        self._pending = self._waiting = None
        self._gave_up_waiting = False
        if self._state is not VoiceState.FAILED:
            self._set_state(VoiceState.OFF)  # first: the helper ending now is no failure
        process = self._process
        if process is not None and process.state() is not QProcess.ProcessState.NotRunning:
            self._send({"cmd": "quit"})
            process.closeWriteChannel()
            if not process.waitForFinished(QUIT_WAIT_MS):
                process.kill()
                process.waitForFinished(QUIT_WAIT_MS)
        self._discard_process()

    # -- the helper's reports -------------------------------------------------------------------------------

    @Slot()
    def _read_events(self) -> None:
        process = self._process
        if process is None:
            return
        while process.canReadLine():
            line = bytes(process.readLine().data()).decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                log.warning("voice helper said something unexpected: %r", line[:200])
                continue
            if isinstance(event, dict):
                self._on_event(event)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "started" and self._state is VoiceState.STARTING:
            self._helper_up = True
            self._time_limit.start(self._start_timeout_ms)  # the helper is up: now the engine's turn
        elif kind == "spoken":
            self._engine_busy = True
            self.spoken.emit(str(event.get("text", "")))
        elif kind == "state":
            state, error = str(event.get("state", "")), str(event.get("error") or "")
            self._engine_busy = state in ("Speaking", "Synthesizing", "Paused")
            if error and self._state in (VoiceState.STARTING, VoiceState.READY):
                self._fail(f"Voice is off: {error}; using tones only.")
            elif error and self._gave_up_waiting:
                self._gave_up_waiting = False
                self._kill()
            elif state == "Ready" and self._state is VoiceState.STARTING:
                self._ready()
            elif state == "Ready" and self._gave_up_waiting:
                self._gave_up_waiting = False
                self._ready()
                self.status_message.emit("Voice is on: the speech engine is ready now.")

    @Slot(QProcess.ProcessError)
    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart and self._state is VoiceState.STARTING:
            self._fail(
                f"Voice is off: the speech helper could not start ({self._command[0]}); using tones only."
            )

    @Slot(int, QProcess.ExitStatus)
    def _on_process_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._gave_up_waiting = False
        if self._state in (VoiceState.STARTING, VoiceState.READY):
            self._fail(f"Voice is off: the speech helper stopped (exit code {code}); using tones only.")

    @Slot()
    def _give_up_waiting(self) -> None:
        if self._state is not VoiceState.STARTING:
            return
        seconds = self._time_limit.interval() / 1000
        what = "speech engine" if self._helper_up else "speech helper"
        self._fail(
            f"Voice is off: the {what} did not start within {seconds:g} s; using tones only.", kill=False
        )
        self._gave_up_waiting = True

    # -- internals ------------------------------------------------------------------------------------------

    def _ready(self) -> None:
        self._time_limit.stop()
        self._set_state(VoiceState.READY)
        if self._waiting is not None:
            text, self._waiting = self._waiting, None
            self._say_now(text)

    def _fail(self, message: str, *, kill: bool = True) -> None:
        log.warning("%s", message)
        self._time_limit.stop()
        self._delay.stop()
        self._pending = self._waiting = None
        self._engine_busy = False
        self._set_state(VoiceState.FAILED)
        if kill:
            self._kill()
        self.status_message.emit(message)

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.state() is not QProcess.ProcessState.NotRunning:
            process.kill()  # by its pid; it may be stuck in the engine (finished arrives later)

    @Slot()
    def _speak_pending(self) -> None:
        text, self._pending = self._pending, None
        if text is None:
            return
        if self._state is VoiceState.READY:
            self._say_now(text)
        elif self._state is VoiceState.STARTING:
            self._waiting = text

    def _say_now(self, text: str) -> None:
        # Busy from the moment the phrase is sent, not only once the helper reports it: in between, a
        # count into a hold would otherwise see a free voice and cut the phrase short.
        self._engine_busy = True
        self._send({"cmd": "say", "text": text})

    def _send(self, message: dict[str, Any]) -> None:
        process = self._process
        if process is not None and process.state() is not QProcess.ProcessState.NotRunning:
            process.write(QByteArray((json.dumps(message) + "\n").encode()))

    def _set_state(self, state: VoiceState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state.value)

    def _discard_process(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for signal in (process.readyReadStandardOutput, process.errorOccurred, process.finished):
            signal.disconnect()
        if process.state() is not QProcess.ProcessState.NotRunning:
            process.kill()
            process.waitForFinished(QUIT_WAIT_MS)
        process.deleteLater()
