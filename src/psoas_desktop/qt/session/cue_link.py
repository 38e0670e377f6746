"""The window's cue player: cues follow the engine's transitions, sounds load when a session starts, and the
sound settings apply as soon as they are saved. Loaded after the first paint, with the player."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from psoas_desktop.core.engine import Transition
from psoas_desktop.core.settings import AppSettings

if TYPE_CHECKING:
    from psoas_desktop.qt.session.main_window import MainWindow, SessionInfo
    from psoas_desktop.qt.sound.cue_player import CuePlayer


class CueLink(QObject):
    def __init__(self, window: MainWindow, player: CuePlayer) -> None:
        super().__init__(window)
        self._window = window
        self.player = player
        player.set_exercise_names({exercise.id: exercise.name for exercise in window.catalog.exercises})
        window.ticker.transitions_emitted.connect(self._cue_transitions)
        window.ticker.snapshot_changed.connect(player.handle_snapshot)
        player.status_message.connect(window.show_message)
        window.session_started.connect(self._prepare)
        window.settings_changed.connect(self.apply_settings)
        self.apply_settings(window.app_settings)
        if window.session_active:  # attached after a --start session began
            player.prepare()

    @Slot(object)
    def _prepare(self, _info: SessionInfo) -> None:
        self.player.prepare()

    @Slot(object)
    def _cue_transitions(self, transitions: tuple[Transition, ...]) -> None:
        engine = self._window.ticker.engine
        if engine is not None:
            self.player.handle(transitions, engine.timeline.phases)

    @Slot(object)
    def apply_settings(self, settings: AppSettings) -> None:
        self.player.set_volume(settings.volume)
        self.player.set_muted(not settings.sound_on)
        self.player.set_voice_enabled(settings.voice_on)
        self.player.set_breathing_enabled(settings.breathing_on)
