"""Benchmark probes inside the real app process; off unless ``PSOAS_PROBE`` names a file.

`make bench` sets it to learn what only the running app can tell (benchmarks/bench_startup.py,
benchmarks/bench_audio_onset.py). Each record is one JSON line appended to that file; times are
``time.monotonic()``, which every process on Linux shares, so the benchmark can line them up with its own.

- ``stall``: a 10 ms precise timer runs from just before the event loop starts until 5 s later; the longest
  gap between two firings beyond those 10 ms is the longest the GUI thread could not answer the user. All
  work of the first seconds counts: the first paint and everything deferred after it.
- ``cue``: each cue handed to the player, with its ideal moment (the deadline of its transition) and the
  moment the player was told to play it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer

if TYPE_CHECKING:  # the cue player is loaded after the first paint, not with the app
    from psoas_desktop.qt.sound.cue_player import CuePlayer

ENV = "PSOAS_PROBE"
INTERVAL_MS = 10
WINDOW_SECONDS = 5.0
REPORTED_GAPS = 8  # the worst few, with when they happened, to show where a stall comes from


def probe_file() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value) if value else None


def _append(path: Path, record: dict[str, object]) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(record) + "\n")


class StallProbe(QObject):
    """Measures the event loop's longest stall for ``window_seconds``, then writes one ``stall`` record."""

    def __init__(self, path: Path, window_seconds: float = WINDOW_SECONDS, parent: QObject | None = None):
        super().__init__(parent)
        self._path = path
        self._window = window_seconds
        self._started = self._last = time.monotonic()
        self._gaps: list[tuple[float, float]] = []  # (ms beyond the interval, seconds after the start)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start(INTERVAL_MS)

    def _tick(self) -> None:
        now = time.monotonic()
        self._gaps.append(((now - self._last) * 1000 - INTERVAL_MS, now - self._started))
        self._gaps = sorted(self._gaps, reverse=True)[:REPORTED_GAPS]
        self._last = now
        if now - self._started >= self._window:
            self._timer.stop()
            worst = [{"ms": round(ms, 1), "at_s": round(at, 3)} for ms, at in self._gaps]
            _append(
                self._path,
                {
                    "probe": "stall",
                    "started": self._started,
                    "window_s": self._window,
                    "max_ms": worst[0]["ms"] if worst else 0.0,
                    "worst": worst,
                },
            )


def start_stall_probe(parent: QObject) -> StallProbe | None:
    path = probe_file()
    return None if path is None else StallProbe(path, parent=parent)


def watch_cues(player: CuePlayer) -> None:
    path = probe_file()
    if path is None:
        return

    def played(name: str) -> None:
        cue = player.last_cue
        at = cue.at if cue is not None else None
        _append(path, {"probe": "cue", "cue": name, "at": at, "played": time.monotonic()})

    player.cue_played.connect(played)
