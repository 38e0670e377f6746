"""The benchmark probes: off without PSOAS_PROBE; with it, the longest stall and each cue's deadline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QTimer
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from helpers.timelines import make_timeline
from psoas_desktop.app import probe
from psoas_desktop.core.engine import Transition, TransitionKind
from psoas_desktop.qt.sound.cue_player import CuePlayer


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_without_the_variable_no_probe_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(probe.ENV, raising=False)
    owner = QObject()
    assert probe.start_stall_probe(owner) is None
    assert owner.findChildren(QTimer) == []


def test_the_stall_probe_reports_a_blocked_event_loop(qtbot: QtBot, tmp_path: Path) -> None:
    record = tmp_path / "probe.jsonl"
    owner = QObject()
    stall = probe.StallProbe(record, window_seconds=0.4, parent=owner)
    time.sleep(0.15)  # the GUI thread is busy for 150 ms before its loop can fire the probe's timer
    qtbot.waitUntil(record.exists, timeout=5000)
    (found,) = _records(record)
    assert found["probe"] == "stall" and found["window_s"] == 0.4
    assert isinstance(found["max_ms"], float) and found["max_ms"] >= 140  # at least the block, less 10 ms
    worst = found["worst"]
    assert isinstance(worst, list) and worst[0]["ms"] == found["max_ms"]
    assert worst[0]["at_s"] >= 0.15  # seen when the loop came back, after the block
    assert stall.findChildren(QTimer)[0].isActive() is False


def test_each_cue_is_written_with_its_deadline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    record = tmp_path / "probe.jsonl"
    monkeypatch.setenv(probe.ENV, str(record))
    player = CuePlayer(play_hook=lambda name: None, clock=FakeClock(monotonic_start=100.0))
    probe.watch_cues(player)
    phases = make_timeline().phases  # get ready, move, hold, …
    player.handle((Transition(TransitionKind.PHASE_STARTED, 99.5, phase_index=2),), phases)
    (found,) = _records(record)
    assert found["probe"] == "cue" and found["cue"] == "hold_start" and found["at"] == 99.5
    assert isinstance(found["played"], float)
