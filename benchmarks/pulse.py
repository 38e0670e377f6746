"""A private PulseAudio daemon with a null sink, and a recording of its monitor on the monotonic clock.

Started as PLATFORM.md ("Sound") shows, in its own XDG_RUNTIME_DIR so it never touches a user's sound.
The null sink's monitor yields samples only while something plays, so a silent stream (``pacat`` of
/dev/zero) keeps it playing for the whole recording. ``parec`` streams raw samples to us in fragments of about
a millisecond, and each fragment can only arrive after its last sample was rendered: so sample ``i`` was
rendered at most at ``arrival - (samples through that fragment - i) / RATE``, for the fragment holding it and
any later one. The smallest such bound over the fragments of the next WINDOW_S is sample ``i``'s time: an
error can only make a sound seem later than it was, never earlier. A window, not the whole recording: if the
server ever drops samples when the machine is busy, a drop after that window cannot shift earlier sounds.
"""

from __future__ import annotations

import bisect
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.processes import end
from psoas_desktop.core.cues import CUES

RATE = 44_100
WINDOW_S = 0.1
TOOLS = ("pulseaudio", "parec", "pacat", "pactl")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def wait_for(check: object, timeout: float, what: str) -> None:
    """Poll ``check`` every 50 ms until it is true; RuntimeError after ``timeout`` s (a bound, not a measure)."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def null_sink(folder: Path) -> Iterator[dict[str, str]]:
    """A running private daemon; yields the environment that reaches it. Stopped by its pid afterwards."""
    runtime, home = folder / "xdg-runtime", folder / "home"
    runtime.mkdir(mode=0o700)
    home.mkdir()
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": str(runtime),
        "PULSE_SERVER": f"unix:{runtime}/pulse/native",
        "HOME": str(home),
    }
    env.pop("PULSE_SINK", None)
    started = subprocess.run(
        [
            "pulseaudio",
            "-D",
            "-n",
            "--exit-idle-time=-1",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=nullsink",
            "--load=module-always-sink",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if started.returncode != 0:
        raise RuntimeError(f"pulseaudio did not start: {started.stderr.strip()}")
    pid_file = runtime / "pulse" / "pid"
    wait_for(pid_file.exists, 10, "pulseaudio's pid file")
    pid = int(pid_file.read_text().strip())
    try:
        wait_for(
            lambda: (
                subprocess.run(["pactl", "info"], env=env, capture_output=True, check=False).returncode == 0
            ),
            10,
            "pulseaudio to answer",
        )
        yield env
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@dataclass
class Recording:
    data: bytearray = field(default_factory=bytearray)
    chunks: list[tuple[float, int]] = field(default_factory=list)
    """(arrival on the monotonic clock, samples so far) after each fragment parec sent."""

    def time_of(self, sample: int) -> float:
        """When sample ``sample`` was rendered (an upper bound; see the module docstring)."""
        first = bisect.bisect_right([through for _, through in self.chunks], sample)
        bound = float("inf")
        for arrived, through in self.chunks[first:]:
            if through - sample > WINDOW_S * RATE and bound < float("inf"):
                break
            bound = min(bound, arrived - (through - sample) / RATE)
        return bound


@contextmanager
def record_monitor(env: dict[str, str]) -> Iterator[Recording]:
    """Record the null sink's monitor (16-bit mono) while the body runs; a silent stream keeps it flowing."""
    recording = Recording()
    fmt = ["--raw", "--format=s16le", "--channels=1", f"--rate={RATE}", "--latency-msec=5"]
    keeper = subprocess.Popen(
        ["pacat", "--playback", "-d", "nullsink", *fmt, "/dev/zero"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parec = subprocess.Popen(
        ["parec", "-d", "nullsink.monitor", *fmt], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert parec.stdout is not None
    fd = parec.stdout.fileno()

    def read() -> None:
        while chunk := os.read(fd, 1 << 16):
            arrived = time.monotonic()
            recording.data.extend(chunk)
            recording.chunks.append((arrived, len(recording.data) // 2))

    reader = threading.Thread(target=read, name="parec-reader", daemon=True)
    reader.start()
    try:
        wait_for(lambda: len(recording.data) > RATE, 10, "a second of recording")
        yield recording
        time.sleep(0.5)  # the last sound's tail
    finally:
        end(parec, signal.SIGINT, 5)
        reader.join(5)
        end(keeper, signal.SIGINT, 5)


def dominant_hz(burst: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    """The frequency where a burst's spectrum peaks (a cue's fundamental)."""
    size = 1 << 18
    spectrum = np.abs(np.fft.rfft(burst * np.hanning(len(burst)), size))
    return float(np.argmax(spectrum) * RATE / size)


def identify(hz: float, tolerance: float) -> str:
    """The cue whose pitch is within ``tolerance`` (a fraction) of ``hz``, or "unknown(… Hz)"."""
    cue, sound = min(CUES.items(), key=lambda item: abs(item[1].hz - hz))
    return cue.value if abs(sound.hz - hz) / sound.hz < tolerance else f"unknown({hz:.0f} Hz)"
