"""The voice helper process: one QTextToSpeech, driven by JSON lines on stdin, answering on stdout.

Started by ``psoas_desktop.qt.sound.voice.Voice`` (see its docstring for why the engine lives in its own
process and for the protocol). Runs as ``python -m psoas_desktop.qt.sound.voice_helper [--engine NAME]``, or
as ``psoas-desktop --voice-helper`` in the frozen bundle.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from psoas_desktop.qt.sound.voice import MOCK_ENGINE, QUIET_QT_LOGS


def _import_text_to_speech() -> ModuleType:
    """The one place QtTextToSpeech is imported (in the helper process only)."""
    from PySide6 import QtTextToSpeech

    return QtTextToSpeech


def _name(value: Any) -> str:
    """An enum's name ("Ready", "Error", "NoError")."""
    return str(getattr(value, "name", value))


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _error_text(engine: Any) -> str:
    """The engine's error in words, or "" (an engine still initialising reports Error with no reason)."""
    reason = _name(engine.errorReason())
    if reason == "NoError" or _name(engine.state()) != "Error":
        return ""
    detail = engine.errorString() or "no details"
    return f"the speech engine could not start ({detail})" if reason == "Initialization" else detail


def _emit(**event: Any) -> None:
    try:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()
    except OSError:  # the app is gone
        os._exit(0)


def helper_main(argv: Sequence[str] | None = None) -> int:
    """The helper: one QTextToSpeech, driven by JSON lines on stdin. Never returns normally: it ends with
    ``os._exit`` so a wedged engine's destructor cannot keep it alive."""
    parser = argparse.ArgumentParser(prog="python -m psoas_desktop.qt.sound.voice_helper")
    parser.add_argument("--engine", help="QTextToSpeech engine name (default: the platform's default)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    os.environ.setdefault("QT_LOGGING_RULES", QUIET_QT_LOGS)  # read when the application starts

    class Bridge(QObject):
        line = Signal(str)

    app = QCoreApplication([sys.argv[0]])
    _emit(event="started")
    try:
        tts = _import_text_to_speech().QTextToSpeech
        if args.engine is None and list(tts.availableEngines()) in ([], [MOCK_ENGINE]):
            raise RuntimeError("no speech engine is installed (for example speech-dispatcher)")
        engine = tts(args.engine) if args.engine else tts()
        if args.engine is None and engine.engine() == MOCK_ENGINE:
            raise RuntimeError("no speech engine is installed (for example speech-dispatcher)")
    except Exception as error:
        _emit(event="state", state="Error", error=_describe(error))
        os._exit(3)

    engine.stateChanged.connect(
        lambda state: _emit(event="state", state=_name(state), error=_error_text(engine))
    )
    _emit(event="state", state=_name(engine.state()), error=_error_text(engine))

    def handle(line: str) -> None:
        if not line:
            os._exit(0)  # the app closed the pipe (or died)
        try:
            message = json.loads(line)
            command = message.get("cmd")
            if command == "say":
                text = str(message.get("text", ""))
                engine.say(text)
                _emit(event="spoken", text=text)
            elif command == "stop":
                engine.stop()
            elif command == "volume":
                engine.setVolume(float(message.get("value", 1.0)))
            elif command == "quit":
                os._exit(0)
        except Exception as error:
            _emit(event="state", state="Error", error=_describe(error))

    bridge = Bridge()
    bridge.line.connect(handle)

    def read_stdin() -> None:
        for line in sys.stdin:
            bridge.line.emit(line)
        bridge.line.emit("")

    threading.Thread(target=read_stdin, name="voice stdin", daemon=True).start()
    app.exec()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(helper_main())
