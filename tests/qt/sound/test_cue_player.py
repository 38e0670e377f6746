"""Cue sounds, the cue player, the voice and the breathing pace — with fakes wherever hardware would speak.

The play hook is a list, the speech engine is Qt's silent ``mock`` (or a fake that errors or stalls), and the
multimedia module is replaced by a fake whenever a test is about our handling of its answers rather than
about Qt itself. Real playback into a PulseAudio null sink is tests/qt/test_audio_e2e.py.
"""

from __future__ import annotations

import enum
import filecmp
import itertools
import os
import shutil
import subprocess
import sys
import textwrap
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest
from PySide6.QtCore import QObject, QProcess, QTimer, QUrl, Signal
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from helpers.timelines import make_timeline
from psoas_desktop.core.catalog import PhaseKind, Side
from psoas_desktop.core.cues import (
    CUES,
    PHASE_CUES,
    Cue,
    CueChoice,
    breathing_schedule,
    choose_cue,
    phase_phrase,
    spoken_seconds,
)
from psoas_desktop.core.engine import SessionEngine, Transition, TransitionKind
from psoas_desktop.core.plan import PHASE_LABELS, Phase, Timeline
from psoas_desktop.qt.session.ticker import Ticker
from psoas_desktop.qt.sound import cue_player as audio
from psoas_desktop.qt.sound.cue_player import CuePlayer, default_sounds_dir
from psoas_desktop.qt.sound.voice import QUIT_WAIT_MS, Voice, VoiceState

REPO = Path(__file__).resolve().parents[3]

# Messages Qt's multimedia and speech backends print on a machine without a sound server; expected here.
BACKEND_NOISE = (
    "pipewire",
    "PulseAudioService",
    "QSoundEffect",
    "Text-to-speech plug-in",
    "Using Qt multimedia",
)
pytestmark = pytest.mark.qt_log_ignore(*BACKEND_NOISE)


# -- fakes ---------------------------------------------------------------------------------------------------


class FakeStatus(enum.Enum):
    Null = 0
    Loading = 1
    Ready = 2
    Error = 3


class FakeEffect(QObject):
    """A QSoundEffect stand-in that settles at once: Error for files named in `failing`, else Ready."""

    Status = FakeStatus
    statusChanged = Signal()  # noqa: N815 - Qt's name
    failing: ClassVar[set[str]] = set()
    created: ClassVar[list[FakeEffect]] = []

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = FakeStatus.Null
        self._volume = 1.0
        self.source = ""
        self.plays = 0
        FakeEffect.created.append(self)

    def setSource(self, url: QUrl) -> None:
        self.source = url.fileName()
        self._status = FakeStatus.Error if self.source in FakeEffect.failing else FakeStatus.Ready
        self.statusChanged.emit()

    def status(self) -> FakeStatus:
        return self._status

    def play(self) -> None:
        self.plays += 1

    def stop(self) -> None:
        pass

    def setVolume(self, volume: float) -> None:
        self._volume = volume

    def volume(self) -> float:
        return self._volume


def fake_multimedia(outputs: tuple[str, ...] = ("Null Output",)) -> SimpleNamespace:
    return SimpleNamespace(
        QMediaDevices=SimpleNamespace(audioOutputs=lambda: list(outputs)),
        QSoundEffect=FakeEffect,
        # the perceptual → linear conversion of QtAudio.convertVolume, closely enough for tests
        QtAudio=SimpleNamespace(
            VolumeScale=SimpleNamespace(LogarithmicVolumeScale="log", LinearVolumeScale="linear"),
            convertVolume=lambda v, _from, _to: v**2,
        ),
    )


def fake_helper(body: str) -> list[str]:
    """A voice helper command running `body` (Python) instead of the real helper."""
    prelude = "import json, sys, time\ndef emit(**e):\n    print(json.dumps(e), flush=True)\n"
    return [sys.executable, "-c", prelude + textwrap.dedent(body)]


STALLS_INITIALISING = fake_helper(
    """
    emit(event="started")
    emit(event="state", state="Error", error="")  # initialising, like the mock with delayed init
    time.sleep(60)
    """
)
STALLS_IN_CONSTRUCTION = fake_helper(
    """
    emit(event="started")
    time.sleep(60)  # like QTextToSpeech() on a wedged speechd
    """
)
SLOW_TO_START = fake_helper(
    """
    emit(event="started")
    time.sleep(0.8)  # a cold speechd
    emit(event="state", state="Ready", error="")
    for line in sys.stdin:
        pass
    """
)
NEVER_STARTS = fake_helper("time.sleep(60)")
CRASHES = fake_helper("sys.exit(5)")
FAILS_WHEN_SPEAKING = fake_helper(
    """
    emit(event="started")
    emit(event="state", state="Ready", error="")
    for line in sys.stdin:
        if json.loads(line).get("cmd") == "say":
            emit(event="state", state="Error", error="the audio device went away")
    """
)
NO_LIBPULSE = [
    sys.executable,
    "-c",
    textwrap.dedent(
        """
        import sys

        class NoLibpulse:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6.QtTextToSpeech":
                    raise ImportError("libpulse.so.0: cannot open shared object file: No such file or directory")

        sys.meta_path.insert(0, NoLibpulse())
        from psoas_desktop.qt.sound.voice_helper import helper_main
        helper_main(["--engine", "mock"])
        """
    ),
]


def helper_pid(voice: Voice) -> int | None:
    """Read afresh (a property read once would stay narrowed for mypy)."""
    return voice.helper_pid


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- fixtures ------------------------------------------------------------------------------------------------


class Hook:
    """The fake player: remembers which cues were played, in order."""

    def __init__(self) -> None:
        self.cues: list[str] = []

    def __call__(self, name: str) -> None:
        self.cues.append(name)


@pytest.fixture
def hook() -> Hook:
    return Hook()


@pytest.fixture
def make_player(qtbot: QtBot) -> Iterator[Callable[..., CuePlayer]]:
    players: list[CuePlayer] = []

    def make(**kwargs: Any) -> CuePlayer:
        player = CuePlayer(**kwargs)
        players.append(player)
        return player

    yield make
    for player in players:
        player.shutdown()


@pytest.fixture
def fake_media(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    module = fake_multimedia()
    FakeEffect.failing = set()
    FakeEffect.created = []
    monkeypatch.setattr(audio, "_import_multimedia", lambda: module)
    yield module
    FakeEffect.failing = set()


@pytest.fixture
def process_waits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every blocking wait on a process (QProcess.waitFor…), with its time limit in ms: what could hold up
    the GUI thread, counted instead of timed."""
    waits: list[tuple[str, int]] = []
    for name in ("waitForStarted", "waitForReadyRead", "waitForBytesWritten", "waitForFinished"):
        original = getattr(QProcess, name)

        def recording(
            self: QProcess, msecs: int = 30_000, _name: str = name, _original: Any = original
        ) -> bool:
            waits.append((_name, msecs))
            return bool(_original(self, msecs))

        monkeypatch.setattr(QProcess, name, recording)
    return waits


def statuses(player: CuePlayer) -> list[str]:
    messages: list[str] = []
    player.status_message.connect(messages.append)
    return messages


def started(index: int, at: float = 1000.0) -> Transition:
    return Transition(TransitionKind.PHASE_STARTED, at, phase_index=index)


def phase(kind: PhaseKind, seconds: float = 10.0, **changes: Any) -> Phase:
    values: dict[str, Any] = {
        "kind": kind,
        "exercise": "bridge",
        "exercise_index": 0,
        "side": None,
        "set": 1,
        "sets": 3,
        "rep": 1,
        "reps": 5,
        "seconds": float(seconds),
        "step": 1,
        "label": PHASE_LABELS[kind],
        "counted": kind in (PhaseKind.HOLD, PhaseKind.PAUSE),
    }
    values.update(changes)
    return Phase(**values)


def read_wav(path: Path) -> tuple[wave._wave_params, np.ndarray[Any, np.dtype[np.float64]]]:
    with wave.open(str(path), "rb") as sound:
        params = sound.getparams()
        samples = np.frombuffer(sound.readframes(sound.getnframes()), dtype="<i2").astype(np.float64) / 32768
    return params, samples


def peak_hz(samples: np.ndarray[Any, np.dtype[np.float64]], rate: int = 44_100) -> float:
    size = 1 << 18
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), size))
    return float(np.argmax(spectrum) * rate / size)


# -- the sounds ----------------------------------------------------------------------------------------------


def test_every_cue_has_a_16_bit_mono_44k_file_peaking_at_its_table_frequency() -> None:
    folder = default_sounds_dir()
    assert {p.name for p in folder.glob("*.wav")} == {sound.file for sound in CUES.values()}
    for cue, sound in CUES.items():
        params, samples = read_wav(folder / sound.file)
        assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 44_100), cue
        assert 0.05 < len(samples) / 44_100 < 1.5, cue
        assert 0.2 <= np.max(np.abs(samples)) < 0.99, f"{cue}: too quiet or clipping"
        assert np.max(np.abs(samples[-100:])) < 0.01, f"{cue}: must end in silence"
        assert peak_hz(samples) == pytest.approx(sound.hz, rel=0.01), cue


def test_cue_pitches_are_far_enough_apart_to_tell_them_apart() -> None:
    for (a, sa), (b, sb) in itertools.combinations(CUES.items(), 2):
        assert abs(sa.hz - sb.hz) / min(sa.hz, sb.hz) >= 0.05, (a, b)


def test_the_generator_is_deterministic_and_the_committed_files_are_its_output(tmp_path: Path) -> None:
    script = REPO / "scripts" / "generate_sounds.py"
    for run in ("one", "two"):
        subprocess.run([sys.executable, str(script), str(tmp_path / run)], check=True, capture_output=True)
    names = sorted(sound.file for sound in CUES.values())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "one", tmp_path / "two", names, shallow=False)
    assert (mismatch, errors) == ([], [])
    match, mismatch, errors = filecmp.cmpfiles(
        tmp_path / "one", REPO / "resources" / "sounds", names, shallow=False
    )
    assert (mismatch, errors) == ([], []), "run scripts/generate_sounds.py and commit resources/sounds"
    assert sorted(match) == names


# -- which cue for which transition --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PhaseKind))
def test_each_phase_start_plays_its_own_cue(kind: PhaseKind) -> None:
    phases = (phase(PhaseKind.GET_READY), phase(kind))
    choice, current = choose_cue((started(1),), phases)
    assert choice is not None and choice.cue is PHASE_CUES[kind]
    assert current == 1


def test_phase_cues_are_the_documented_ones() -> None:
    assert PHASE_CUES == {
        PhaseKind.GET_READY: Cue.READY_TICK,
        PhaseKind.MOVE: Cue.MOVE,
        PhaseKind.HOLD: Cue.HOLD_START,
        PhaseKind.PAUSE: Cue.PAUSE,
        PhaseKind.LOWER: Cue.RELEASE,
        PhaseKind.REST: Cue.REST,
        PhaseKind.SWITCH_SIDES: Cue.SWITCH,
    }


@pytest.mark.parametrize(
    ("kind", "cue"),
    [
        (TransitionKind.SET_COMPLETED, Cue.SET_COMPLETE),
        (TransitionKind.EXERCISE_COMPLETED, Cue.EXERCISE_COMPLETE),
        (TransitionKind.SESSION_COMPLETED, Cue.SESSION_COMPLETE),
    ],
)
def test_completions_play_their_cues(kind: TransitionKind, cue: Cue) -> None:
    choice, _ = choose_cue((Transition(kind, 5.0, phase_index=0),), (phase(PhaseKind.LOWER),))
    assert choice is not None and choice.cue is cue


def test_a_set_that_ends_on_a_change_of_side_sounds_the_switch_cue_and_says_both() -> None:
    """quick-stretch: set 1 ends on the left side and set 2 starts by switching back to the right."""
    phases = (
        phase(PhaseKind.HOLD, side=Side.LEFT, rep=None, reps=None),
        phase(PhaseKind.SWITCH_SIDES, side=Side.RIGHT, set=2, rep=None, reps=None),
    )
    boundary = (
        Transition(TransitionKind.PHASE_ENDED, 20.0, phase_index=0),
        Transition(TransitionKind.SET_COMPLETED, 20.0, phase_index=0),
        started(1, at=20.0),
    )
    choice, _ = choose_cue(boundary, phases)
    assert choice == CueChoice(Cue.SWITCH, 20.0, "Set complete. Switch to the right side")
    # A set that ends without a change of side keeps its own cue.
    rest = (phases[0], phase(PhaseKind.REST, set=2))
    choice, _ = choose_cue((*boundary[:2], started(1, at=20.0)), rest)
    assert choice is not None and choice.cue is Cue.SET_COMPLETE


def test_countdown_ticks_in_a_hold_and_in_a_get_ready_phase() -> None:
    phases = (phase(PhaseKind.GET_READY), phase(PhaseKind.HOLD))
    tick = Transition(TransitionKind.COUNTDOWN, 5.0, count=3)
    assert choose_cue((tick,), phases, current_phase=1)[0] == CueChoice(Cue.HOLD_TICK, 5.0)
    assert choose_cue((tick,), phases, current_phase=0)[0] == CueChoice(Cue.READY_TICK, 5.0)
    assert choose_cue((tick,), phases)[0] == CueChoice(Cue.HOLD_TICK, 5.0)  # engine: holds only


@pytest.mark.parametrize(
    "kind",
    [
        TransitionKind.SESSION_STARTED,
        TransitionKind.PHASE_ENDED,
        TransitionKind.PAUSED,
        TransitionKind.RESUMED,
        TransitionKind.SESSION_STOPPED,
        TransitionKind.INTERRUPTED,
    ],
)
def test_transitions_without_a_cue_are_silent(kind: TransitionKind) -> None:
    assert choose_cue((Transition(kind, 5.0, phase_index=0),), (phase(PhaseKind.HOLD),))[0] is None


def test_a_whole_session_sounds_the_expected_cues_in_order(
    qtbot: QtBot, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    clock = FakeClock()
    engine = SessionEngine(make_timeline(), clock)
    ticker = Ticker(clock, engine)
    player = make_player(play_hook=hook, clock=clock)
    ticker.transitions_emitted.connect(lambda ts: player.handle(ts, engine.timeline.phases))
    ticker.start()
    for _ in range(120):
        clock.advance(0.25)
        ticker.poll()
    ticker.stop()
    assert hook.cues == [
        "ready_tick",  # get ready 2 s
        "move",
        "hold_start",  # 5 s hold: 3-2-1
        "hold_tick",
        "hold_tick",
        "hold_tick",
        "release",
        "set_complete",  # lower ends the set: "set complete" outranks the rest that starts with it
        "move",
        "hold_start",  # 3 s hold: 2-1
        "hold_tick",
        "hold_tick",
        "release",
        "exercise_complete",  # lower ends the exercise; the next exercise's get-ready starts with it
        "lead_tick",  # its 2 s get-ready counts "one" into the hold (a 1 s lift or switch counts nothing)
        "hold_start",
        "hold_tick",
        "hold_tick",
        "hold_tick",
        "switch",
        "hold_start",
        "hold_tick",
        "hold_tick",
        "hold_tick",
        "session_complete",
    ]


# -- the batch rule ------------------------------------------------------------------------------------------


def test_a_late_poll_plays_only_the_latest_cue(
    qtbot: QtBot, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    clock = FakeClock()
    engine = SessionEngine(make_timeline(), clock)
    ticker = Ticker(clock, engine)
    player = make_player(play_hook=hook)
    batches: list[tuple[Transition, ...]] = []
    ticker.transitions_emitted.connect(batches.append)
    ticker.transitions_emitted.connect(lambda ts: player.handle(ts, engine.timeline.phases))
    ticker.start()
    hook.cues.clear()
    clock.advance(4.5)  # 2 s get-ready, 1 s lift, 1.5 s into the hold, all in one late poll
    ticker.poll()
    ticker.stop()
    assert [t.kind for t in batches[-2]].count(TransitionKind.PHASE_STARTED) == 2
    assert hook.cues == ["hold_start"]


def test_completions_outrank_the_phase_that_starts_with_them_and_the_voice_says_both() -> None:
    phases = (phase(PhaseKind.LOWER, ends_set=True), phase(PhaseKind.REST, 30, set=2))
    batch = (
        Transition(TransitionKind.PHASE_ENDED, 10.0, phase_index=0),
        Transition(TransitionKind.SET_COMPLETED, 10.0, phase_index=0),
        started(1, 10.0),
    )
    choice, _ = choose_cue(batch, phases)
    assert choice == CueChoice(Cue.SET_COMPLETE, 10.0, "Set complete. Rest 30 seconds")
    ending = (
        Transition(TransitionKind.PHASE_ENDED, 10.0, phase_index=0),
        Transition(TransitionKind.SET_COMPLETED, 10.0, phase_index=0),
        Transition(TransitionKind.EXERCISE_COMPLETED, 10.0, phase_index=0),
        Transition(TransitionKind.SESSION_COMPLETED, 10.0),
    )
    assert choose_cue(ending, phases)[0] == CueChoice(Cue.SESSION_COMPLETE, 10.0, "Session complete")


def test_a_stale_completion_is_not_replayed_with_a_fresher_phase_start() -> None:
    phases = (phase(PhaseKind.LOWER, ends_set=True), phase(PhaseKind.REST, 2), phase(PhaseKind.MOVE))
    batch = (
        Transition(TransitionKind.SET_COMPLETED, 10.0, phase_index=0),
        started(1, 10.0),
        started(2, 12.0),
    )
    choice, current = choose_cue(batch, phases)
    assert choice is not None and choice.cue is Cue.MOVE and current == 2


def test_a_pause_in_the_batch_silences_what_came_before_it() -> None:
    phases = (phase(PhaseKind.MOVE), phase(PhaseKind.HOLD))
    batch = (started(1, 10.0), Transition(TransitionKind.PAUSED, 10.05))
    assert choose_cue(batch, phases)[0] is None


def test_with_a_clock_a_cue_more_than_a_second_late_is_dropped(
    hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    clock = FakeClock()
    player = make_player(play_hook=hook, clock=clock)
    phases = (phase(PhaseKind.HOLD),)
    player.handle((started(0, clock.monotonic() - 0.2),), phases)
    player.handle((started(0, clock.monotonic() - 1.5),), phases)
    assert hook.cues == ["hold_start"]


# -- volume and mute -----------------------------------------------------------------------------------------


def test_mute_and_zero_volume_play_nothing(hook: Hook, make_player: Callable[..., CuePlayer]) -> None:
    player = make_player(play_hook=hook)
    phases = (phase(PhaseKind.HOLD),)
    player.set_muted(True)
    player.handle((started(0),), phases)
    player.set_muted(False)
    player.set_volume(0)
    player.handle((started(0),), phases)
    assert hook.cues == []
    player.set_volume(35)
    player.handle((started(0),), phases)
    assert hook.cues == ["hold_start"]
    assert (player.muted, player.volume) == (False, 35)


def test_volume_is_clamped_and_applied_to_every_loaded_sound_on_a_perceptual_scale(
    qtbot: QtBot, fake_media: SimpleNamespace, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player()
    with qtbot.waitSignal(player.prepared) as blocker:
        player.prepare()
    assert blocker.args == [True] and player.sound_available
    player.set_volume(150)
    assert player.volume == 100 and player.effect_volume("hold_start") == pytest.approx(1.0)
    player.set_volume(50)
    assert all(player.effect_volume(cue) == pytest.approx(0.25) for cue in Cue)
    player.set_volume(-3)
    assert player.volume == 0 and player.effect_volume("rest") == 0.0


def test_the_default_hook_plays_the_preloaded_sound(
    qtbot: QtBot, fake_media: SimpleNamespace, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player()
    played: list[str] = []
    player.cue_played.connect(played.append)
    player.prepare()
    player.handle((started(0),), (phase(PhaseKind.REST),))
    rest = next(e for e in FakeEffect.created if e.source == "rest.wav")
    assert rest.plays == 1 and played == ["rest"]
    assert sum(e.plays for e in FakeEffect.created) == 1
    player.set_muted(True)
    player.handle((started(0),), (phase(PhaseKind.REST),))
    assert rest.plays == 1


def test_preloading_loads_every_sound_before_the_session_and_prepare_keeps_them(
    qtbot: QtBot, fake_media: SimpleNamespace, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player()
    player.preload()
    assert sorted(e.source for e in FakeEffect.created) == sorted(s.file for s in CUES.values())
    loaded = list(FakeEffect.created)
    with qtbot.waitSignal(player.prepared) as blocker:
        player.prepare()
    assert blocker.args == [True] and FakeEffect.created == loaded  # nothing loaded twice
    player.handle((started(0),), (phase(PhaseKind.REST),))
    assert next(e for e in loaded if e.source == "rest.wav").plays == 1


def test_a_problem_found_by_preloading_is_told_when_a_session_starts_not_before(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, make_player: Callable[..., CuePlayer]
) -> None:
    monkeypatch.setattr(audio, "_import_multimedia", lambda: fake_multimedia(outputs=()))
    player = make_player()
    messages = statuses(player)
    with qtbot.assertNotEmitted(player.prepared):
        player.preload()
    assert messages == []  # the idle window keeps its own status line
    with qtbot.waitSignal(player.prepared) as blocker:
        player.prepare()
    assert blocker.args == [False] and messages == [audio.NO_OUTPUT]


# -- lazy imports --------------------------------------------------------------------------------------------


def test_importing_the_audio_module_loads_neither_qtmultimedia_nor_qttexttospeech() -> None:
    code = (
        "import sys, psoas_desktop.qt.sound.cue_player, psoas_desktop.qt.sound.voice\n"
        "p = psoas_desktop.qt.sound.cue_player.CuePlayer()\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('PySide6.QtMultimedia', 'PySide6.QtTextToSpeech')))\n"
        "print(heavy)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# -- degrading, never raising --------------------------------------------------------------------------------


def test_qtmultimedia_failing_to_import_leaves_visual_cues_and_one_clear_line(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, make_player: Callable[..., CuePlayer]
) -> None:
    def broken() -> Any:
        raise ImportError("libpulse.so.0: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(audio, "_import_multimedia", broken)
    player = make_player()
    messages = statuses(player)
    played: list[str] = []
    player.cue_played.connect(played.append)
    with qtbot.waitSignal(player.prepared) as blocker:
        player.prepare()
    assert blocker.args == [False] and not player.sound_available
    assert len(messages) == 1 and "libpulse.so.0" in messages[0] and "on screen" in messages[0]
    player.handle((started(0),), (phase(PhaseKind.HOLD),))  # the default hook: silently nothing
    assert played == ["hold_start"]
    player.prepare()  # the next session says it again, once
    assert len(messages) == 2


def test_no_audio_output_device(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, make_player: Callable[..., CuePlayer]
) -> None:
    monkeypatch.setattr(audio, "_import_multimedia", lambda: fake_multimedia(outputs=()))
    player = make_player()
    messages = statuses(player)
    with qtbot.waitSignal(player.prepared) as blocker:
        player.prepare()
    assert blocker.args == [False]
    assert messages == [audio.NO_OUTPUT]
    player.handle((started(0),), (phase(PhaseKind.HOLD),))


def test_a_sound_effect_going_to_error_status(
    qtbot: QtBot, fake_media: SimpleNamespace, make_player: Callable[..., CuePlayer]
) -> None:
    FakeEffect.failing = {sound.file for sound in CUES.values()}  # e.g. no sound server behind the device
    player = make_player()
    messages = statuses(player)
    with qtbot.waitSignal(player.prepared) as blocker:
        player.prepare()
    assert blocker.args == [False] and not player.sound_available
    assert len(messages) == 1 and "could not be loaded" in messages[0] and "on screen" in messages[0]
    player.handle((started(0),), (phase(PhaseKind.HOLD),))
    assert all(e.plays == 0 for e in FakeEffect.created)


def test_real_qsoundeffect_with_whatever_this_machine_has_never_raises(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, make_player: Callable[..., CuePlayer]
) -> None:
    """Real QtMultimedia, outputs forced present: without a sound server here, every effect goes to Error."""
    from PySide6 import QtMultimedia

    module = SimpleNamespace(
        QMediaDevices=SimpleNamespace(audioOutputs=lambda: ["forced"]),
        QSoundEffect=QtMultimedia.QSoundEffect,
        QtAudio=QtMultimedia.QtAudio,
    )
    monkeypatch.setattr(audio, "_import_multimedia", lambda: module)
    player = make_player()
    with qtbot.waitSignal(player.prepared, timeout=10_000):
        player.prepare()
    player.handle((started(0),), (phase(PhaseKind.HOLD),))


def test_a_missing_and_a_corrupt_wav_silence_only_their_cues(
    qtbot: QtBot,
    tmp_path: Path,
    fake_media: SimpleNamespace,
    hook: Hook,
    make_player: Callable[..., CuePlayer],
) -> None:
    for sound in CUES.values():
        shutil.copy(default_sounds_dir() / sound.file, tmp_path / sound.file)
    (tmp_path / "hold_start.wav").write_bytes(b"RIFF\x00\x00garbage, not a wave file" * 10)
    (tmp_path / "rest.wav").unlink()
    player = make_player(sounds_dir=tmp_path)
    messages = statuses(player)
    with qtbot.waitSignal(player.prepared) as blocker:
        player.prepare()
    assert blocker.args == [True] and player.sound_available
    assert len(messages) == 1
    assert "hold_start.wav" in messages[0] and "rest.wav" in messages[0] and "missing" in messages[0]
    phases = (phase(PhaseKind.HOLD), phase(PhaseKind.REST), phase(PhaseKind.LOWER))
    for index in range(3):
        player.handle((started(index),), phases)
    assert [e.source for e in FakeEffect.created if e.plays] == ["release.wav"]


def test_a_play_hook_that_raises_does_not_reach_the_gui(make_player: Callable[..., CuePlayer]) -> None:
    def exploding(name: str) -> None:
        raise RuntimeError("device unplugged")

    player = make_player(play_hook=exploding)
    messages = statuses(player)
    player.handle((started(0),), (phase(PhaseKind.HOLD),))
    player.handle((started(0),), (phase(PhaseKind.HOLD),))
    assert len(messages) == 1 and "device unplugged" in messages[0]


def test_garbage_indices_are_ignored(hook: Hook, make_player: Callable[..., CuePlayer]) -> None:
    player = make_player(play_hook=hook)
    player.handle((started(7), Transition(TransitionKind.SET_COMPLETED, 1.0, phase_index=-4)), ())
    assert hook.cues == ["set_complete"]


# -- the voice -----------------------------------------------------------------------------------------------


def test_the_mock_engine_is_available() -> None:
    from PySide6.QtTextToSpeech import QTextToSpeech

    assert "mock" in QTextToSpeech.availableEngines()


def test_voice_is_off_by_default_and_starts_only_with_a_session(
    hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player(play_hook=hook, speech_engine="mock")
    assert not player.voice_enabled and not player.breathing_enabled
    player.set_voice_enabled(True)
    assert player.voice is None  # not on the start-up path: nothing created until a session is prepared


def test_phrases_are_spoken_after_their_tone(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player(play_hook=hook, speech_engine="mock", exercise_names={"bridge": "Bridge"})
    player.set_voice_enabled(True)
    player.prepare()
    assert player.voice is not None
    qtbot.waitUntil(lambda: player.voice is not None and player.voice.state is VoiceState.READY, timeout=5000)
    after_tone = player.voice.findChild(QTimer, "voice after-tone delay")
    assert after_tone is not None
    events: list[str] = []
    after_tone.timeout.connect(lambda: events.append("tone over"))
    player.voice.spoken.connect(events.append)
    phases = (phase(PhaseKind.GET_READY, 5),)
    player.handle((started(0),), phases)
    assert hook.cues == ["ready_tick"]
    # The phrase is held for the tick's length (180 ms) and the gap, and is sent only when that runs out.
    params, _ = read_wav(default_sounds_dir() / CUES[Cue.READY_TICK].file)
    tick_ms = round(params.nframes * 1000 / params.framerate)
    assert tick_ms >= 180 and after_tone.isActive()
    assert after_tone.interval() == tick_ms + audio.VOICE_GAP_MS
    qtbot.waitUntil(lambda: len(events) == 2)
    assert events == ["tone over", "Bridge, set 1 of 3"]
    qtbot.waitUntil(lambda: not player.voice.busy if player.voice else True, timeout=5000)


def test_a_count_into_a_hold_speaks_its_number_but_never_cuts_a_phrase_short(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player(play_hook=hook, speech_engine="mock", exercise_names={"bridge": "Bridge"})
    player.set_voice_enabled(True)
    player.prepare()
    qtbot.waitUntil(lambda: player.voice is not None and player.voice.state is VoiceState.READY, timeout=5000)
    voice = player.voice
    assert voice is not None
    spoken: list[str] = []
    voice.spoken.connect(spoken.append)
    phases = (phase(PhaseKind.GET_READY, 5), phase(PhaseKind.HOLD, 25))
    player.handle((started(0),), phases)
    assert voice.busy  # "Bridge, set 1 of 3" waits for its tone
    player.handle((Transition(TransitionKind.LEAD_IN, 1002.0, count=3),), phases)
    assert hook.cues == ["ready_tick", "lead_tick"]  # the tick sounds…
    qtbot.waitUntil(lambda: not voice.busy, timeout=5000)
    assert spoken == ["Bridge, set 1 of 3"]  # …and the phrase it came over was neither cut nor followed
    player.handle((Transition(TransitionKind.LEAD_IN, 1003.0, count=2),), phases)
    qtbot.waitUntil(lambda: "Two" in spoken)
    assert spoken == ["Bridge, set 1 of 3", "Two"]  # with the voice free, the number is said
    qtbot.waitUntil(lambda: not voice.busy, timeout=5000)


def test_a_new_cue_replaces_a_phrase_still_waiting_for_its_tone(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player(play_hook=hook, speech_engine="mock")
    player.set_voice_enabled(True)
    player.prepare()
    qtbot.waitUntil(lambda: player.voice is not None and player.voice.state is VoiceState.READY, timeout=5000)
    assert player.voice is not None
    spoken: list[str] = []
    player.voice.spoken.connect(spoken.append)
    phases = (phase(PhaseKind.HOLD, 25), phase(PhaseKind.LOWER, 2))
    player.handle((started(0),), phases)
    player.handle((started(1),), phases)
    qtbot.waitUntil(lambda: "Lower slowly" in spoken)
    # Phrases reach the helper in order through one pipe and it reports each as it speaks it: had the
    # replaced phrase been sent, it would have been reported first.
    assert spoken == ["Lower slowly"]
    qtbot.waitUntil(lambda: not player.voice.busy if player.voice else True, timeout=5000)


def test_phrases() -> None:
    names = {"kneeling-psoas-stretch": "Kneeling Psoas Stretch"}
    assert phase_phrase(phase(PhaseKind.GET_READY), {"bridge": "Bridge"}) == "Bridge, set 1 of 3"
    stretch = phase(PhaseKind.GET_READY, exercise="kneeling-psoas-stretch", side=Side.RIGHT, sets=2)
    assert phase_phrase(stretch, names) == "Kneeling Psoas Stretch, right side, set 1 of 2"
    assert phase_phrase(phase(PhaseKind.GET_READY, exercise="glute-bridge")) == "Glute bridge, set 1 of 3"
    assert phase_phrase(phase(PhaseKind.HOLD, 25)) == "Hold 25 seconds"
    assert phase_phrase(phase(PhaseKind.SWITCH_SIDES, 5, side=Side.LEFT)) == "Switch to the left side"
    assert phase_phrase(phase(PhaseKind.LOWER)) == "Lower slowly"
    assert phase_phrase(phase(PhaseKind.REST, 30)) == "Rest 30 seconds"
    assert phase_phrase(phase(PhaseKind.MOVE, 3, set=2, rep=1)) == "Set 2 of 3. Lift"
    assert (
        phase_phrase(phase(PhaseKind.MOVE, 90, rep=None, label="Keep moving"))
        == "Keep moving, 1 minute 30 seconds"
    )
    assert spoken_seconds(1) == "1 second" and spoken_seconds(120) == "2 minutes"


def voice_player(
    make_player: Callable[..., CuePlayer], hook: Hook, **kwargs: Any
) -> tuple[CuePlayer, list[str]]:
    player = make_player(play_hook=hook, **kwargs)
    messages = statuses(player)
    player.set_voice_enabled(True)
    player.prepare()
    return player, messages


def test_a_speech_engine_in_error_leaves_tones_and_one_line(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player, messages = voice_player(make_player, hook, speech_engine="no-such-engine")
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert len(messages) == 1 and messages[0].startswith("Voice is off: the speech engine could not start")
    assert messages[0].endswith("using tones only.")
    assert player.voice is not None and player.voice.state is VoiceState.FAILED
    player.handle((started(0),), (phase(PhaseKind.HOLD),))
    assert hook.cues == ["hold_start"]


def test_qttexttospeech_failing_to_import(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player, messages = voice_player(make_player, hook, speech_command=NO_LIBPULSE)
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert "libpulse.so.0" in messages[0] and player.voice is not None
    assert player.voice.state is VoiceState.FAILED


def test_an_engine_that_never_gets_ready_is_given_up_on_time(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player, messages = voice_player(
        make_player, hook, speech_command=STALLS_INITIALISING, speech_timeout_ms=300
    )
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == ["Voice is off: the speech engine did not start within 0.3 s; using tones only."]
    player.handle((started(0),), (phase(PhaseKind.HOLD),))
    assert hook.cues == ["hold_start"]


def test_a_helper_stuck_in_the_engine_never_blocks_the_gui_and_is_killed_at_shutdown(
    qtbot: QtBot,
    fake_media: SimpleNamespace,
    hook: Hook,
    make_player: Callable[..., CuePlayer],
    process_waits: list[tuple[str, int]],
) -> None:
    player, messages = voice_player(
        make_player, hook, speech_command=STALLS_IN_CONSTRUCTION, speech_timeout_ms=300
    )
    assert process_waits == []  # starting the helper waits for nothing: the GUI goes on at once
    voice = player.voice
    assert voice is not None and voice.state.value == "starting"
    player.handle((started(0),), (phase(PhaseKind.HOLD),))  # tones go on meanwhile
    assert hook.cues == ["hold_start"]
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == ["Voice is off: the speech engine did not start within 0.3 s; using tones only."]
    pid = voice.helper_pid
    assert pid is not None and pid_alive(pid)  # left to finish starting in its own process
    player.prepare()  # the next session does not pile up another helper
    assert voice.helper_pid == pid and voice.state is VoiceState.FAILED
    assert process_waits == []
    player.shutdown()
    # Shutting down waits for the stuck helper only briefly: a polite quit, then a kill, each time-boxed.
    assert process_waits and {name for name, _ in process_waits} == {"waitForFinished"}
    assert all(ms >= 0 for _, ms in process_waits) and sum(ms for _, ms in process_waits) <= 2 * QUIT_WAIT_MS
    assert helper_pid(voice) is None
    qtbot.waitUntil(lambda: not pid_alive(pid))


def test_a_slow_engine_that_gets_ready_after_the_limit_brings_the_voice_back(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player, messages = voice_player(make_player, hook, speech_command=SLOW_TO_START, speech_timeout_ms=300)
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=5000)
    assert messages == [
        "Voice is off: the speech engine did not start within 0.3 s; using tones only.",
        "Voice is on: the speech engine is ready now.",
    ]
    assert player.voice is not None and player.voice.state is VoiceState.READY


def test_a_helper_that_never_starts(qtbot: QtBot) -> None:
    voice = Voice(command=NEVER_STARTS, launch_timeout_ms=300)
    messages: list[str] = []
    voice.status_message.connect(messages.append)
    voice.start()
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == ["Voice is off: the speech helper did not start within 0.3 s; using tones only."]
    pid = voice.helper_pid
    voice.shutdown()
    assert pid is not None and helper_pid(voice) is None
    qtbot.waitUntil(lambda: not pid_alive(pid))


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (CRASHES, "Voice is off: the speech helper stopped (exit code 5); using tones only."),
        (
            ["/nonexistent/psoas-voice-helper"],
            "Voice is off: the speech helper could not start (/nonexistent/psoas-voice-helper); using tones only.",
        ),
    ],
)
def test_a_helper_that_crashes_or_is_missing(qtbot: QtBot, command: list[str], message: str) -> None:
    voice = Voice(command=command)
    messages: list[str] = []
    voice.status_message.connect(messages.append)
    voice.start()
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == [message]
    voice.say("Hold 25 seconds")  # ignored, no error
    voice.shutdown()


def test_an_engine_failing_while_speaking_falls_back_to_tones(
    qtbot: QtBot, fake_media: SimpleNamespace, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player, messages = voice_player(make_player, hook, speech_command=FAILS_WHEN_SPEAKING)
    qtbot.waitUntil(lambda: player.voice is not None and player.voice.state is VoiceState.READY, timeout=5000)
    phases = (phase(PhaseKind.HOLD, 25), phase(PhaseKind.LOWER))
    player.handle((started(0),), phases)
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == ["Voice is off: the audio device went away; using tones only."]
    player.handle((started(1),), phases)
    assert hook.cues == ["hold_start", "release"]


# -- the breathing pace --------------------------------------------------------------------------------------


def test_breathing_schedule() -> None:
    assert breathing_schedule(19.9) == ()
    assert breathing_schedule(20) == (
        (4.0, Cue.INHALE),
        (8.0, Cue.EXHALE),
        (12.0, Cue.INHALE),
        (16.0, Cue.EXHALE),
    )
    assert len(breathing_schedule(60)) == 14


def breathing_session(
    qtbot: QtBot, player: CuePlayer, hold: float, step: float = 0.1, jump_at: float | None = None
) -> None:
    clock = FakeClock()
    timeline = Timeline("b", ("ex0",), (phase(PhaseKind.HOLD, hold, exercise="ex0"),))
    engine = SessionEngine(timeline, clock, max_gap_seconds=30)
    ticker = Ticker(clock, engine)
    ticker.snapshot_changed.connect(player.handle_snapshot)
    ticker.start()
    elapsed = 0.0
    while elapsed < hold + 0.5:
        delta = 5.0 if jump_at is not None and abs(elapsed - jump_at) < step / 2 else step
        clock.advance(delta)
        elapsed += delta
        ticker.poll()
    ticker.stop()


def test_breathing_tones_during_a_long_hold(
    qtbot: QtBot, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player(play_hook=hook)
    player.set_breathing_enabled(True)
    breathing_session(qtbot, player, 25)
    assert hook.cues == ["inhale", "exhale", "inhale", "exhale"]


def test_no_breathing_when_off_or_for_short_holds(
    qtbot: QtBot, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player(play_hook=hook)
    breathing_session(qtbot, player, 25)
    player.set_breathing_enabled(True)
    breathing_session(qtbot, player, 15)
    assert hook.cues == []


def test_a_late_snapshot_skips_breaths_instead_of_bursting(
    qtbot: QtBot, hook: Hook, make_player: Callable[..., CuePlayer]
) -> None:
    player = make_player(play_hook=hook)
    player.set_breathing_enabled(True)
    breathing_session(qtbot, player, 25, jump_at=5.0)  # 5.0 → 10.0 in one poll: the 8 s exhale is stale
    assert hook.cues == ["inhale", "inhale", "exhale"]
