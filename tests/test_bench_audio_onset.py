"""The onset benchmark's analysis: recording times on the monotonic clock, tones matched to their cues."""

from __future__ import annotations

import numpy as np
from benchmarks.bench_audio_onset import CueRecord, lateness_ms
from benchmarks.pulse import RATE, Recording

from psoas_desktop.core.cues import CUES, Cue

START = 500.0  # the monotonic time of the first sample
FRAGMENT = 64  # samples per fragment parec sends


def _recording(seconds: float, tones: list[tuple[Cue, float]], delivery_delay: float = 0.002) -> Recording:
    samples = np.zeros(int(seconds * RATE))
    for cue, at in tones:
        first = int((at - START) * RATE)
        t = np.arange(int(0.15 * RATE)) / RATE
        samples[first : first + t.size] = 0.3 * np.sin(2 * np.pi * CUES[cue].hz * t)
    recording = Recording(bytearray((samples * 32767).astype("<i2").tobytes()))
    for through in range(FRAGMENT, samples.size + 1, FRAGMENT):
        recording.chunks.append((START + through / RATE + delivery_delay, through))
    return recording


def test_a_samples_time_is_bounded_by_the_fragments_that_carry_it() -> None:
    recording = _recording(1.0, [], delivery_delay=0.002)
    assert (
        abs(recording.time_of(RATE // 2) - (START + 0.5)) < 0.003
    )  # within the delivery delay, never before
    assert recording.time_of(RATE // 2) >= START + 0.5


def test_each_cue_is_matched_with_its_own_tone_and_its_lateness_measured() -> None:
    cues = [CueRecord("move", START + 1.0, START + 1.001), CueRecord("release", START + 2.0, START + 2.001)]
    recording = _recording(3.0, [(Cue.MOVE, START + 1.030), (Cue.RELEASE, START + 2.012)])
    late, problems = lateness_ms(cues, recording)
    assert problems == []
    assert [round(x) for x in late] == [32, 14]  # 30 and 12 ms, plus the 2 ms delivery delay


def test_a_silent_cue_and_a_wrong_tone_are_reported() -> None:
    cues = [
        CueRecord("move", START + 1.0, START + 1.0),
        CueRecord("pause", START + 2.0, START + 2.0),
        CueRecord("release", START + 3.0, START + 3.0),
    ]
    recording = _recording(4.0, [(Cue.MOVE, START + 1.02), (Cue.SWITCH, START + 3.02)])
    late, problems = lateness_ms(cues, recording)
    assert problems == ["pause at +1.00 s: not heard before the next cue", "release at +2.00 s: heard switch"]
    assert len(late) == 2
