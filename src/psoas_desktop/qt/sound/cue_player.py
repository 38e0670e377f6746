"""Cue sounds (and, optionally, a voice and a breathing pace) for engine transitions; degrades to silent.

``CuePlayer.handle(transitions, phases)`` plays the one cue ``psoas_desktop.core.cues.choose_cue`` picks
for a poll's transitions (its docstring has the rules), with its spoken phrase when the voice is on, and the
breathing pace of ``breathing_schedule`` during long holds. With a clock, a cue older than
``max_late_seconds`` is not played at all: stale cues never burst out.

Sound is loaded by ``prepare()`` (the app calls it when a session starts), which is also the first time
QtMultimedia is imported: importing this module loads neither QtMultimedia nor QtTextToSpeech. Anything
that goes wrong (no library, no audio output, a missing or damaged sound file, a speech engine that errors
or stalls) leaves the cues visual only, says so in one ``status_message`` line and never raises.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal, Slot

from psoas_desktop.core.catalog import resource_root
from psoas_desktop.core.clock import Clock
from psoas_desktop.core.cues import (
    CUES,
    SILENCING,
    BreathingPacer,
    Cue,
    CueChoice,
    choose_cue,
)
from psoas_desktop.core.engine import Snapshot, Transition
from psoas_desktop.core.plan import Phase
from psoas_desktop.qt.sound.voice import START_TIMEOUT_MS, Voice, VoiceState

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QSoundEffect

log = logging.getLogger(__name__)


MAX_LATE_SECONDS = 1.0
VOICE_GAP_MS = 60  # between the end of a tone and the phrase that follows it
DEFAULT_TONE_MS = 400  # assumed tone length when the files could not be read


NO_LIBRARY = "Sound is off: the audio library could not be loaded ({detail}). Cues are shown on screen only."
NO_OUTPUT = "Sound is off: no audio output device was found. Cues are shown on screen only."
BAD_FILES = "Sound: {files} could not be loaded ({detail}); {those} shown on screen only."
PLAYBACK_FAILED = "Sound is off: playing a cue failed ({detail}). Cues are shown on screen only."


def _import_multimedia() -> ModuleType:
    """The one place QtMultimedia is imported (tests monkeypatch this to simulate a missing libpulse)."""
    from PySide6 import QtMultimedia

    return QtMultimedia


def default_sounds_dir() -> Path:
    return Path(str(resource_root() / "sounds"))


# -- the player -----------------------------------------------------------------------------------------------


class CuePlayer(QObject):
    """Plays the cue of each batch of transitions; optional voice and breathing pace; never raises.

    Signals:
        status_message(str): one clear line for the status bar when sound or voice is degraded.
        prepared(bool): after prepare(), once every sound has loaded or failed; True when tones can play.
        cue_played(str): a cue was handed to the play hook (the cue's name), for visual echoes and tests.
    """

    status_message = Signal(str)
    prepared = Signal(bool)
    cue_played = Signal(str)

    def __init__(
        self,
        *,
        sounds_dir: Path | None = None,
        play_hook: Callable[[str], None] | None = None,
        clock: Clock | None = None,
        max_late_seconds: float = MAX_LATE_SECONDS,
        speech_engine: str | None = None,
        speech_command: Sequence[str] | None = None,
        speech_timeout_ms: int = START_TIMEOUT_MS,
        exercise_names: Mapping[str, str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """
        Args:
            sounds_dir: where the WAV files are (default: the package's resources/sounds).
            play_hook: called with the cue's name to play it (default: :meth:`play_sound`); tests and the
                benchmark pass their own.
            clock: when given, a cue more than `max_late_seconds` behind its transition is dropped.
            speech_engine: QTextToSpeech engine for the voice ("mock" in tests; None: the platform's).
            speech_command: how to start the voice helper process (tests start fakes).
            speech_timeout_ms: how long the voice's engine may take to get Ready.
            exercise_names: exercise id → display name, for the spoken phrases.
        """
        super().__init__(parent)
        self._sounds_dir = sounds_dir
        self._play_hook: Callable[[str], None] = play_hook or self.play_sound
        self._clock = clock
        self._max_late = max_late_seconds
        self._speech_command = speech_command
        self._speech_engine = speech_engine
        self._speech_timeout_ms = speech_timeout_ms
        self._names: dict[str, str] = dict(exercise_names or {})
        self._volume = 80
        self._muted = False
        self._voice_enabled = False
        self._breathing_enabled = False
        self._multimedia: ModuleType | None = None
        self._effects: dict[Cue, QSoundEffect] = {}
        self._loading: set[Cue] = set()
        self._failed_files: dict[Cue, str] = {}
        self._durations_ms: dict[Cue, int] = {}
        self._sound_ok = False
        self._prepared = False
        self._preparing = False
        self._settled = False
        self._announced: set[str] = set()
        self._quiet = False  # between preload() and the first prepare(): problems are only logged
        self._voice: Voice | None = None
        self._current_phase: int | None = None
        self._last_cue: CueChoice | None = None
        self._breathing = BreathingPacer()

    # -- settings -------------------------------------------------------------------------------------------

    @property
    def volume(self) -> int:
        return self._volume

    @property
    def muted(self) -> bool:
        return self._muted

    @property
    def voice_enabled(self) -> bool:
        return self._voice_enabled

    @property
    def breathing_enabled(self) -> bool:
        return self._breathing_enabled

    @property
    def sound_available(self) -> bool:
        """Tones can really play (prepared, library loaded, an output device, at least one sound loaded)."""
        return self._sound_ok and any(cue not in self._failed_files for cue in self._effects)

    @property
    def voice(self) -> Voice | None:
        return self._voice

    @property
    def last_cue(self) -> CueChoice | None:
        """The cue most recently handed to the play hook (set just before the call)."""
        return self._last_cue

    def set_volume(self, volume: int) -> None:
        """0–100 on a perceptual scale (a slider's half way sounds half as loud)."""
        self._volume = min(100, max(0, int(volume)))
        self._apply_volume()

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        if self._muted:
            for effect in self._effects.values():
                self._guard(effect.stop)
            if self._voice is not None:
                self._voice.cancel()

    def set_voice_enabled(self, enabled: bool) -> None:
        """Voice on/off. The engine starts at the next prepare() (or now, if a session is already prepared)."""
        self._voice_enabled = bool(enabled)
        if not enabled:
            if self._voice is not None:
                self._voice.shutdown()  # ends the helper process
        elif self._prepared:
            self._start_voice()

    def set_breathing_enabled(self, enabled: bool) -> None:
        self._breathing_enabled = bool(enabled)
        self._breathing.reset()

    def set_exercise_names(self, names: Mapping[str, str]) -> None:
        """Display names for the voice ("glute-bridge" → "Glute Bridge"); ids are spoken otherwise."""
        self._names = dict(names)

    # -- session start --------------------------------------------------------------------------------------

    def preload(self) -> None:
        """Start loading the sounds before the first session (the app calls it once the window is up), so
        the first cue of a session need not wait for its file. Returns at once and says nothing: what goes
        wrong now is logged, and prepare() tries again and tells the user."""
        if self._prepared or self._effects or self._multimedia is not None:
            return
        self._settled = True  # `prepared` belongs to a session's prepare()
        self._quiet = True
        try:
            self._prepare_sound()
        except Exception:
            log.exception("preloading sound failed")

    def prepare(self) -> None:
        """Load the sounds (and start the voice if enabled). Call when a session starts; returns at once.

        Safe to call again: what is already loaded is kept, what failed is tried again. ``prepared`` is
        emitted once every sound has settled.
        """
        self._announced.clear()
        self._quiet = False
        self._current_phase = None
        self._breathing.reset()
        self._prepared = True
        self._settled = False
        if self._voice_enabled:
            self._start_voice()
        if self._sound_ok and not self._failed_files and not self._loading:
            self._settled = True
            self.prepared.emit(True)  # everything loaded for an earlier session
            return
        try:
            self._prepare_sound()
        except Exception as error:  # nothing may reach the GUI: log it, go visual only, say so
            log.exception("preparing sound failed")
            self._go_silent(PLAYBACK_FAILED.format(detail=_describe(error)))

    def _prepare_sound(self) -> None:
        try:
            multimedia = self._multimedia or _import_multimedia()
        except ImportError as error:
            self._go_silent(NO_LIBRARY.format(detail=_describe(error)))
            return
        self._multimedia = multimedia
        if not multimedia.QMediaDevices.audioOutputs():
            self._go_silent(NO_OUTPUT)
            return
        self._sound_ok = True
        folder = self._sounds_dir or default_sounds_dir()
        self._failed_files.clear()
        self._preparing = True  # an effect may report its status at once: settle only after the loop
        try:
            self._load_effects(multimedia, folder)
        finally:
            self._preparing = False
        self._apply_volume()
        self._check_loaded()

    def _load_effects(self, multimedia: ModuleType, folder: Path) -> None:
        for cue, sound in CUES.items():
            old = self._effects.get(cue)
            if old is not None:
                if old.status() != multimedia.QSoundEffect.Status.Error:
                    continue  # loaded (or still loading) fine last time
                del self._effects[cue]
                old.deleteLater()
            path = folder / sound.file
            problem = _check_wav(path)
            if problem is not None:
                self._failed_files[cue] = problem
                continue
            self._durations_ms[cue] = _duration_ms(path)
            effect = multimedia.QSoundEffect(self)
            effect.statusChanged.connect(lambda cue=cue: self._on_effect_status(cue))
            self._effects[cue] = effect
            self._loading.add(cue)
            effect.setSource(QUrl.fromLocalFile(str(path)))

    def _start_voice(self) -> None:
        if self._voice is None:
            self._voice = Voice(
                engine_name=self._speech_engine,
                command=self._speech_command,
                start_timeout_ms=self._speech_timeout_ms,
                parent=self,
            )
            self._voice.status_message.connect(self._announce)
        self._voice.set_volume(self._volume / 100)
        self._voice.start()

    def shutdown(self) -> None:
        """Stop sounds, the voice and its thread. The app calls it on quit; tests in teardown."""
        for effect in self._effects.values():
            self._guard(effect.stop)
        if self._voice is not None:
            self._voice.shutdown()

    # -- transitions and snapshots ----------------------------------------------------------------------------

    def handle(self, transitions: tuple[Transition, ...], phases: tuple[Phase, ...]) -> None:
        """Play the one cue a poll's transitions deserve (see the module docstring)."""
        try:
            if any(t.kind in SILENCING for t in transitions) and self._voice is not None:
                self._voice.cancel()
            choice, self._current_phase = choose_cue(transitions, phases, self._current_phase, self._names)
            if choice is None:
                return
            if self._clock is not None and self._clock.monotonic() - choice.at > self._max_late:
                log.info(
                    "dropping stale cue %s (%.2f s late)", choice.cue, self._clock.monotonic() - choice.at
                )
                return
            # A count into a hold never cuts the phrase before it short (see _play).
            self._play(choice, interrupts_voice=choice.cue is not Cue.LEAD_TICK)
        except Exception as error:
            log.exception("handling transitions for sound failed")
            self._announce(PLAYBACK_FAILED.format(detail=_describe(error)))

    @Slot(object)
    def handle_snapshot(self, snapshot: Snapshot) -> None:
        """The breathing pace: soft inhale/exhale tones during long holds, driven by display snapshots."""
        try:
            self._breathe(snapshot)
        except Exception as error:
            log.exception("breathing cue failed")
            self._announce(PLAYBACK_FAILED.format(detail=_describe(error)))

    def _breathe(self, snapshot: Snapshot) -> None:
        if not self._breathing_enabled:
            return
        breath = self._breathing.due(snapshot)
        if breath is None or (self._voice is not None and self._voice.busy):
            return  # never under a phrase
        self._play(breath, interrupts_voice=False)

    # -- playing -----------------------------------------------------------------------------------------------

    def _play(self, choice: CueChoice, *, interrupts_voice: bool = True) -> None:
        """The cue's tone, then its phrase. A cue that does not interrupt the voice (a breath, a count into a
        hold) leaves a phrase still speaking alone and says nothing of its own over it."""
        voice = self._voice
        if voice is not None and interrupts_voice:
            voice.cancel()
        if self._muted or self._volume == 0:
            return
        self._last_cue = choice
        try:
            self._play_hook(choice.cue.value)
        except Exception as error:
            log.exception("the play hook failed for %s", choice.cue)
            self._announce(PLAYBACK_FAILED.format(detail=_describe(error)))
        self.cue_played.emit(choice.cue.value)
        if (
            choice.phrase
            and self._voice_enabled
            and voice is not None
            and voice.state in (VoiceState.STARTING, VoiceState.READY)
            and (interrupts_voice or not voice.busy)  # else the tone alone: the phrase speaking goes on
        ):
            tone_ms = self._durations_ms.get(choice.cue, DEFAULT_TONE_MS) if self.sound_available else 0
            voice.say(choice.phrase, tone_ms + VOICE_GAP_MS if tone_ms else 0)

    def play_sound(self, name: str) -> None:
        """The default play hook: the preloaded QSoundEffect of cue `name` (nothing if it is unavailable)."""
        cue = Cue(name)
        effect = self._effects.get(cue)
        if effect is None or not self._sound_ok or cue in self._failed_files:
            return
        effect.play()

    # -- loading and degrading ------------------------------------------------------------------------------------

    def _on_effect_status(self, cue: Cue) -> None:
        effect = self._effects.get(cue)
        if effect is None or self._multimedia is None:
            return
        status = effect.status()
        statuses = self._multimedia.QSoundEffect.Status
        if status == statuses.Error:
            self._loading.discard(cue)
            self._failed_files.setdefault(cue, "it could not be decoded or played")
            self._check_loaded()
        elif status == statuses.Ready:
            self._loading.discard(cue)
            self._check_loaded()

    def _check_loaded(self) -> None:
        """Once every sound has settled: one line about any that failed, and `prepared` (once a session)."""
        if self._loading or self._preparing:
            return
        self._announce_bad_files()
        if not self._settled:
            self._settled = True
            self.prepared.emit(self.sound_available)

    def _announce_bad_files(self) -> None:
        if not self._failed_files:
            return
        if len(self._failed_files) == len(CUES):
            detail = next(iter(self._failed_files.values()))
            self._announce(
                f"Sound is off: the cue sounds could not be loaded ({detail}). Cues are shown on screen only."
            )
            return
        files = ", ".join(CUES[cue].file for cue in self._failed_files)
        detail = "; ".join(dict.fromkeys(self._failed_files.values()))
        those = "that cue is" if len(self._failed_files) == 1 else "those cues are"
        self._announce(BAD_FILES.format(files=files, detail=detail, those=those))

    def _go_silent(self, message: str) -> None:
        self._sound_ok = False
        self._loading.clear()
        self._announce(message)
        if not self._settled:
            self._settled = True
            self.prepared.emit(False)

    def _announce(self, message: str) -> None:
        """One line per distinct problem per session: repeated failures do not flood the status bar."""
        if self._quiet:  # found by preload(): prepare() tries again and says it then
            log.info("sound, before the first session: %s", message)
            return
        if message in self._announced:
            return
        self._announced.add(message)
        log.warning("%s", message)
        self.status_message.emit(message)

    def _apply_volume(self) -> None:
        if self._voice is not None:
            self._voice.set_volume(self._volume / 100)
        if self._multimedia is None or not self._effects:
            return
        audio = self._multimedia.QtAudio
        linear = audio.convertVolume(
            self._volume / 100,
            audio.VolumeScale.LogarithmicVolumeScale,
            audio.VolumeScale.LinearVolumeScale,
        )
        for effect in self._effects.values():
            self._guard(partial(effect.setVolume, linear))

    def effect_volume(self, name: str) -> float | None:
        """The linear volume a loaded sound plays at (None when it is not loaded)."""
        effect = self._effects.get(Cue(name))
        return None if effect is None else float(effect.volume())

    @staticmethod
    def _guard(action: Callable[[], object]) -> None:
        try:
            action()
        except Exception:
            log.warning("sound effect call failed", exc_info=True)


def _check_wav(path: Path) -> str | None:
    """None for a usable 16-bit mono PCM WAV, else what is wrong with it (in words)."""
    if not path.is_file():
        return f"{path.name} is missing"
    try:
        with wave.open(str(path), "rb") as sound:
            if sound.getnchannels() != 1 or sound.getsampwidth() != 2 or sound.getnframes() == 0:
                return f"{path.name} is not a 16-bit mono sound"
    except (wave.Error, EOFError, OSError) as error:
        return f"{path.name} is damaged: {error}"
    return None


def _duration_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as sound:
        return round(sound.getnframes() * 1000 / sound.getframerate())


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return text if text else type(error).__name__
