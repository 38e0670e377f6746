"""End to end: a short real session sounds the right tones, in order, into a PulseAudio null sink.

A private PulseAudio daemon (its own XDG_RUNTIME_DIR under tmp_path) with a null sink, started exactly as the
platform notes (PLATFORM.md, "Sound") show; ``parec`` records the sink's monitor; a child Python process runs a
compressed four-phase timeline through the real Ticker, SystemClock, CuePlayer and QSoundEffect. The recording is
judged by its content (which tones, how many, in which order), never by its timestamps: the monitor only
yields samples while something plays.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from benchmarks.processes import end
from benchmarks.pulse import RATE, dominant_hz, identify, null_sink, wait_for

from psoas_desktop.core.cues import CUES, Cue

PITCH_TOLERANCE = 0.02  # tones played straight from their files: their pitches, within 2 %
MISSING = [tool for tool in ("pulseaudio", "parec", "pactl") if shutil.which(tool) is None]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"needs {', '.join(MISSING)} (apt-get install pulseaudio pulseaudio-utils)",
    ),
]


@dataclass
class PulseSink:
    env: dict[str, str]


@pytest.fixture
def pulse_sink(tmp_path: Path) -> Iterator[PulseSink]:
    """A private PulseAudio daemon with a null sink (benchmarks/pulse.py: the same one the audio-onset
    benchmark records), stopped by its pid afterwards."""
    with null_sink(tmp_path) as env:
        yield PulseSink(env)


def _pactl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pactl", *args], env=env, capture_output=True, text=True, timeout=10, check=False)


SESSION_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from psoas_desktop.core.catalog import PhaseKind
    from psoas_desktop.core.clock import SystemClock
    from psoas_desktop.core.engine import EngineState, SessionEngine, TransitionKind
    from psoas_desktop.core.plan import PHASE_LABELS, Phase, Timeline
    from psoas_desktop.qt.sound.cue_player import CuePlayer
    from psoas_desktop.qt.session.ticker import Ticker

    SPEC = [  # kind, seconds: get ready, a 4 s hold (3-2-1), lower, rest; the rest ends set and exercise
        (PhaseKind.GET_READY, 1.0), (PhaseKind.HOLD, 4.0), (PhaseKind.LOWER, 1.0), (PhaseKind.REST, 1.0),
    ]
    phases = tuple(
        Phase(kind=kind, exercise="e2e", exercise_index=0, side=None, set=1, sets=1, rep=None, reps=None,
              seconds=seconds, step=1, label=PHASE_LABELS[kind], counted=kind is PhaseKind.HOLD,
              ends_set=i == len(SPEC) - 1, ends_exercise=i == len(SPEC) - 1)
        for i, (kind, seconds) in enumerate(SPEC)
    )
    app = QCoreApplication([])
    clock = SystemClock()
    engine = SessionEngine(Timeline("e2e", ("e2e",), phases), clock)
    ticker = Ticker(clock, engine)
    player = CuePlayer(clock=clock)
    player.set_volume(100)
    played, messages = [], []
    player.cue_played.connect(played.append)
    player.status_message.connect(messages.append)
    ticker.transitions_emitted.connect(lambda ts: player.handle(ts, engine.timeline.phases))

    def timer(ms, slot):
        t = QTimer(app)
        t.setSingleShot(True)
        t.setTimerType(Qt.TimerType.PreciseTimer)
        t.timeout.connect(slot)
        t.start(ms)
        return t

    def on_prepared(ok):
        if not ok:
            app.exit(3)
        else:
            # QtMultimedia cannot start its first sound until ~1.7 s after the first QSoundEffect exists
            # (measured here): start the session once the output is warm, as a 5 s lead-in would allow.
            timers.append(timer(2500, ticker.start))

    def on_transitions(transitions):
        if any(t.kind is TransitionKind.SESSION_COMPLETED for t in transitions):
            timers.append(timer(1800, app.quit))  # let the last tone ring out

    timers = [timer(30_000, lambda: app.exit(2))]  # watchdog: a slot that raised must not hang the test
    player.prepared.connect(on_prepared)
    ticker.transitions_emitted.connect(on_transitions)
    timers.append(timer(0, player.prepare))
    code = app.exec()
    ticker.stop()
    player.shutdown()
    print(json.dumps({"code": code, "played": played, "messages": messages, "state": engine.state.value}))
    sys.exit(code)
    """
)

EXPECTED = [
    "ready_tick",
    "hold_start",
    "hold_tick",
    "hold_tick",
    "hold_tick",
    "release",
    "rest",
    "session_complete",
]


def _read_recording(path: Path) -> np.ndarray[Any, np.dtype[np.float64]]:
    """parec's WAV header may not have its final sizes: take every sample after the 'data' chunk id."""
    raw = path.read_bytes()
    start = raw.find(b"data")
    assert start >= 0, "no data chunk in the recording"
    payload = raw[start + 8 :]
    payload = payload[: len(payload) // 2 * 2]
    return np.frombuffer(payload, dtype="<i2").astype(np.float64) / 32768


def _tones_recorded(path: Path) -> int:
    """How many tones the recording holds so far (0 before parec has written its header)."""
    if not path.exists() or b"data" not in path.read_bytes():
        return 0
    return len(_bursts(_read_recording(path)))


def _bursts(samples: np.ndarray[Any, np.dtype[np.float64]]) -> list[tuple[int, int]]:
    """Stretches of sound separated by at least 20 ms of near-silence, each at least 30 ms long."""
    frame = RATE // 200  # 5 ms
    count = len(samples) // frame
    rms = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1))
    loud = rms > 0.01
    bursts: list[tuple[int, int]] = []
    start: int | None = None
    quiet = 0
    for index, on in enumerate(loud):
        if on:
            if start is None:
                start = index
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet >= 4:
                bursts.append((start, index - quiet + 1))
                start, quiet = None, 0
    if start is not None:
        bursts.append((start, count))
    return [(a * frame, b * frame) for a, b in bursts if (b - a) * frame >= RATE * 0.03]


def test_a_real_session_sounds_the_right_tones_in_order(pulse_sink: PulseSink, tmp_path: Path) -> None:
    recording = tmp_path / "rec.wav"
    parec_log = (tmp_path / "parec.log").open("wb")
    parec = subprocess.Popen(
        [
            "parec",
            "-d",
            "@DEFAULT_MONITOR@",
            "--file-format=wav",
            "--format=s16le",
            "--channels=1",
            f"--rate={RATE}",
            str(recording),
        ],
        env=pulse_sink.env,
        stdout=parec_log,
        stderr=parec_log,
    )
    try:
        wait_for(
            lambda: bool(_pactl(pulse_sink.env, "list", "short", "source-outputs").stdout.strip()),
            10,
            "parec to start recording",
        )
        script = tmp_path / "session.py"
        script.write_text(SESSION_SCRIPT)
        env = {
            **pulse_sink.env,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_LOGGING_RULES": "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false",
        }
        run = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=90, check=False
        )
        if run.returncode == 0:  # parec writes as it records: stop it once every tone has reached the file
            wait_for(lambda: _tones_recorded(recording) >= len(EXPECTED), 10, "every tone in the recording")
    finally:
        end(parec, signal.SIGINT, 10)  # SIGINT: parec closes its WAV file properly
        parec_log.close()
    assert run.returncode == 0, f"session script failed ({run.returncode}): {run.stdout}\n{run.stderr}"
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["state"] == "completed" and report["messages"] == []
    assert report["played"] == EXPECTED  # what the player chose…

    assert recording.exists(), (tmp_path / "parec.log").read_text(errors="replace")
    samples = _read_recording(recording)
    bursts = _bursts(samples)
    heard = [identify(dominant_hz(samples[a:b]), PITCH_TOLERANCE) for a, b in bursts]
    assert heard == EXPECTED, f"heard {heard} in {len(samples) / RATE:.2f} s of recording"  # …is what sounded
    assert {Cue(name) for name in heard} <= set(CUES)
