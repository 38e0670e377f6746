"""Write the cue sounds to resources/sounds/*.wav: 16-bit mono 44.1 kHz, deterministic, stdlib only.

    python scripts/generate_sounds.py [OUTPUT_DIR]

Each cue is a few sine notes with short raised-cosine attack/release envelopes, crossfaded so a cue is one
continuous sound, followed by a short silence (so cues played back to back stay separate sounds). One note
of each cue, its *dominant* note, is clearly the longest: it carries most of the energy and its pitch is the
cue's fundamental frequency in ``psoas_desktop.core.cues.CUES`` (a test checks both tables agree). Dominant
pitches are at least 5 % apart, so cues are told apart by ear and by frequency analysis.

Same input, same bytes: there is no randomness and no timestamp in the files.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

RATE = 44_100
TAIL_SECONDS = 0.06  # silence after every cue
OUTPUT = Path(__file__).resolve().parent.parent / "resources" / "sounds"


@dataclass(frozen=True)
class Note:
    hz: float
    seconds: float


@dataclass(frozen=True)
class Recipe:
    notes: tuple[Note, ...]
    peak: float  # linear amplitude of each note, 0–1
    attack: float  # seconds
    release: float  # seconds: the fade-out of the last note (inner notes crossfade over the attack time)


def _n(*pairs: tuple[float, float]) -> tuple[Note, ...]:
    return tuple(Note(hz, seconds) for hz, seconds in pairs)


# Pitches: A4 = 440 Hz equal temperament. The dominant (longest) note of each cue is its fundamental.
RECIPES: dict[str, Recipe] = {
    # short, crisp ticks
    "ready_tick": Recipe(_n((880.00, 0.08)), peak=0.40, attack=0.004, release=0.04),
    "hold_tick": Recipe(_n((1318.51, 0.07)), peak=0.35, attack=0.004, release=0.035),
    "lead_tick": Recipe(_n((1174.66, 0.07)), peak=0.35, attack=0.004, release=0.035),  # counts into a hold
    # phase starts
    "move": Recipe(_n((587.33, 0.06), (739.99, 0.20)), peak=0.45, attack=0.008, release=0.05),
    "hold_start": Recipe(_n((659.25, 0.45)), peak=0.50, attack=0.010, release=0.12),
    "pause": Recipe(_n((783.99, 0.25)), peak=0.45, attack=0.010, release=0.08),
    "release": Recipe(_n((1174.66, 0.06), (987.77, 0.22)), peak=0.42, attack=0.008, release=0.06),
    "switch": Recipe(
        _n((523.25, 0.12), (698.46, 0.07), (523.25, 0.12)), peak=0.45, attack=0.008, release=0.03
    ),
    "rest": Recipe(_n((392.00, 0.55)), peak=0.45, attack=0.030, release=0.20),
    # completions
    "set_complete": Recipe(_n((554.37, 0.09), (440.00, 0.32)), peak=0.48, attack=0.008, release=0.10),
    "exercise_complete": Recipe(
        _n((349.23, 0.08), (440.00, 0.08), (523.25, 0.08), (698.46, 0.36)),
        peak=0.48,
        attack=0.008,
        release=0.10,
    ),
    "session_complete": Recipe(
        _n((523.25, 0.09), (659.25, 0.09), (783.99, 0.09), (1046.50, 0.55)),
        peak=0.48,
        attack=0.008,
        release=0.18,
    ),
    # breathing: soft, slow swells
    "inhale": Recipe(_n((293.66, 0.70)), peak=0.25, attack=0.200, release=0.250),
    "exhale": Recipe(_n((246.94, 0.70)), peak=0.25, attack=0.200, release=0.250),
}


def _envelope(i: int, length: int, attack: int, release: int) -> float:
    if i < attack:
        return 0.5 - 0.5 * math.cos(math.pi * i / attack)
    if i >= length - release:
        return 0.5 - 0.5 * math.cos(math.pi * (length - i) / release)
    return 1.0


def render(recipe: Recipe) -> list[float]:
    attack = round(recipe.attack * RATE)
    release = round(recipe.release * RATE)
    starts: list[int] = []
    position = 0
    for note in recipe.notes:
        starts.append(position)
        position += round(note.seconds * RATE)
    total = position + release + round(TAIL_SECONDS * RATE)
    samples = [0.0] * total
    last = len(recipe.notes) - 1
    for index, (note, start) in enumerate(zip(recipe.notes, starts, strict=True)):
        # An inner note fades out exactly as the next one fades in (complementary raised cosines, so the
        # sum never exceeds the peak); the last note takes the cue's longer release.
        fade = release if index == last else attack
        length = round(note.seconds * RATE) + fade
        step = 2 * math.pi * note.hz / RATE
        for i in range(length):
            samples[start + i] += recipe.peak * _envelope(i, length, attack, fade) * math.sin(step * i)
    return samples


def to_bytes(samples: list[float]) -> bytes:
    clipped = (max(-1.0, min(1.0, s)) for s in samples)
    return b"".join(struct.pack("<h", round(s * 32767)) for s in clipped)


def write(path: Path, samples: list[float]) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(to_bytes(samples))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0]) if args else OUTPUT
    output.mkdir(parents=True, exist_ok=True)
    for name, recipe in RECIPES.items():
        write(output / f"{name}.wav", render(recipe))
    print(f"wrote {len(RECIPES)} sounds to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
