"""User-heard cue lateness: from each phase deadline to the moment its tone starts sounding.

The real app (``python -m psoas_desktop --start``, offscreen) runs a routine with short phases into a private
PulseAudio null sink; its probe (``PSOAS_PROBE``, psoas_desktop/app/probe.py) writes each cue's ideal moment
on the monotonic clock, and the sink's monitor is recorded on the same clock (benchmarks/pulse.py). Each cue
is matched with the first tone that starts after its deadline in the recording, and must be that cue's pitch;
its lateness is the tone's onset minus the deadline: what the listener hears, not when play() was called.

Without PulseAudio the figure is printed as skipped, with the reason.

    python -m benchmarks.bench_audio_onset
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.processes import end
from benchmarks.pulse import RATE, Recording, dominant_hz, identify, missing_tools, null_sink, record_monitor
from benchmarks.report import emit, percentile, skip

TARGET = "<= 50"
ROUTINE = ("standing-hip-flexion", "beginner")  # 2 s lift, pause and lower phases after a 5 s get-ready
SETTINGS = """[app]
welcome_seen=true
[sound]
on=true
volume=100
breathing=false
[voice]
on=false
"""
CUE_COUNT = 40  # cues to hear before the app is stopped (about 80 s of session)
SESSION_TIMEOUT_S = 180
THRESHOLD = 0.01  # of full scale: the quietest tone peaks at 0.25 at volume 100
PITCH_TOLERANCE = 0.03  # a recording of the real app through the null sink: its pitches, within 3 %
SILENCE_S = 0.02  # a quieter stretch at least this long separates two tones
MATCH_EARLY_S = 0.005  # a tone cannot start before its deadline: allow only the recording's granularity


@dataclass(frozen=True)
class CueRecord:
    cue: str
    at: float
    played: float


def onsets(samples: np.ndarray[Any, np.dtype[np.float64]]) -> list[int]:
    """The first loud sample of each tone: a loud sample after at least SILENCE_S of quiet."""
    loud = np.flatnonzero(np.abs(samples) > THRESHOLD)
    if loud.size == 0:
        return []
    starts = [int(loud[0])]
    gaps = np.flatnonzero(np.diff(loud) > SILENCE_S * RATE)
    starts.extend(int(loud[i + 1]) for i in gaps)
    return starts


def lateness_ms(cues: list[CueRecord], recording: Recording) -> tuple[list[float], list[str]]:
    """Each heard cue's onset minus its deadline (in the order heard), and what went wrong with the others."""
    samples = np.frombuffer(bytes(recording.data[: len(recording.data) // 2 * 2]), "<i2") / 32768
    starts = onsets(samples)
    times = [recording.time_of(s) for s in starts]
    late: list[float] = []
    problems: list[str] = []
    used = 0
    for number, cue in enumerate(cues):
        while used < len(times) and times[used] < cue.at - MATCH_EARLY_S:
            used += 1
        limit = cues[number + 1].at if number + 1 < len(cues) else float("inf")
        if used == len(times) or times[used] >= limit:
            problems.append(f"{cue.cue} at +{cue.at - cues[0].at:.2f} s: not heard before the next cue")
            continue
        start = starts[used]
        heard = identify(dominant_hz(samples[start : start + int(0.15 * RATE)]), PITCH_TOLERANCE)
        if heard != cue.cue:
            problems.append(f"{cue.cue} at +{cue.at - cues[0].at:.2f} s: heard {heard}")
        late.append((times[used] - cue.at) * 1000)
        used += 1
    return late, problems


def run_app(env: dict[str, str], tmp: Path) -> list[CueRecord]:
    """The app, started on the routine, until CUE_COUNT cues were played; the probe's cue records."""
    config, probe = tmp / "config", tmp / "probe.jsonl"
    config.mkdir()
    (config / "psoas-desktop.ini").write_text(SETTINGS, encoding="utf-8")
    routine, level = ROUTINE
    command = [
        sys.executable,
        "-m",
        "psoas_desktop",
        "--data-dir",
        str(tmp / "data"),
        "--config-dir",
        str(config),
    ]
    app_env = {
        **env,
        "QT_QPA_PLATFORM": "offscreen",
        "PSOAS_PROBE": str(probe),
        "QT_LOGGING_RULES": "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false",
    }
    app = subprocess.Popen(
        [*command, "--start", routine, "--level", level], env=app_env, stdout=sys.stderr, stderr=sys.stderr
    )
    cues: list[CueRecord] = []
    try:
        deadline = time.monotonic() + SESSION_TIMEOUT_S
        while len(cues) < CUE_COUNT and time.monotonic() < deadline and app.poll() is None:
            time.sleep(0.5)
            cues = read_cues(probe)
    finally:
        end(app)
    return read_cues(probe)[:CUE_COUNT]


def read_cues(probe: Path) -> list[CueRecord]:
    if not probe.exists():
        return []
    records = [json.loads(line) for line in probe.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        CueRecord(r["cue"], float(r["at"]), float(r["played"]))
        for r in records
        if r.get("probe") == "cue" and r.get("at") is not None
    ]


def main() -> int:
    missing = missing_tools()
    if missing:
        skip(
            "audio.onset_late_p99_ms",
            "ms",
            TARGET,
            f"no {', '.join(missing)} (apt-get install pulseaudio pulseaudio-utils)",
        )
        return 0
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        with null_sink(tmp) as env, record_monitor(env) as recording:
            cues = run_app(env, tmp)
        if not cues:
            print("bench_audio_onset: the app played no cue", file=sys.stderr)
            return 1
        late, problems = lateness_ms(cues, recording)
    for problem in problems:
        print(f"bench_audio_onset: {problem}", file=sys.stderr)
    print(f"bench_audio_onset: onset lateness in ms, in order: {[round(x) for x in late]}", file=sys.stderr)
    emit("audio.onset_cues", len(cues), "count", None, note="reference: cues played")
    emit("audio.onset_cues_not_heard_as_played", len(problems), "count", "== 0")
    if late:
        emit("audio.onset_late_p99_ms", percentile(late, 0.99), "ms", TARGET)
        emit("audio.onset_late_p50_ms", percentile(late, 0.5), "ms", None, note="reference: median")
        emit("audio.onset_late_min_ms", min(late), "ms", None, note="reference: spread")
        call_ms = [(c.played - c.at) * 1000 for c in cues]
        emit(
            "audio.onset_play_call_p99_ms",
            percentile(call_ms, 0.99),
            "ms",
            None,
            note="reference: play() call",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
