"""Saving the main window's sessions as they happen: the session, each hold, its end and the check-in.

Nothing here waits for the disk on the GUI thread. Each write goes to the History's writer thread and
returns a future; its outcome comes back to the GUI thread as a queued signal after its COMMIT, and a
failure becomes one status-bar line per session (the timer never waits for or stops on the database).
What happens before the history is open (a session started at once) is queued and saved, in order, when
:meth:`SessionSaver.attach` hands it the History.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from psoas_desktop.core.engine import HoldRecord
from psoas_desktop.core.errors import KnownError
from psoas_desktop.qt.history.checkin_dialog import Checkin, CheckinDialog
from psoas_desktop.qt.session.main_window import MainWindow, SessionInfo
from psoas_desktop.storage.history import History

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Session:
    """One session as the link saves it: its start's future (its id), whether the user was warned, and
    when its last hold ended (where an interrupted session ends)."""

    per_side: bool
    last_hold_end: datetime
    id: Future[int] | None = None
    warned: bool = False


class SessionSaver(QObject):
    """Saves what the main window reports; see the module docstring.

    Signals:
        saved(): a session's end or a check-in is on disk (the history window refreshes).
        _completed(object, object): (callback, future) of a finished write, delivered on the GUI thread.
    """

    saved = Signal()
    _completed = Signal(object, object)

    def __init__(
        self, window: MainWindow, now: Callable[[], datetime], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.history: History | None = None
        self._now = now
        self._session: _Session | None = None
        self._pending: list[Callable[[History], None]] = []  # writes made before the history was open
        self._unavailable = False  # the history could not be opened: nothing is kept, nothing is asked
        self._completed.connect(self._on_completed, Qt.ConnectionType.QueuedConnection)
        window.session_started.connect(self.on_session_started)
        window.hold_recorded.connect(self.on_hold_recorded)
        window.session_ended.connect(self.on_session_ended)

    def attach(self, history: History) -> None:
        """Save into `history` from now on, after what was queued before it was open (in order)."""
        self.history = history
        pending, self._pending = self._pending, []
        for write in pending:
            write(history)

    def unavailable(self) -> None:
        """The history could not be opened (the link has said why): what was queued is dropped, nothing
        more is queued for the rest of the run, and no check-in is asked, since it could not be kept."""
        self._unavailable = True
        self._pending.clear()

    def _with_history(self, write: Callable[[History], None]) -> None:
        if self._unavailable:
            return
        if self.history is None:
            self._pending.append(write)
        else:
            write(self.history)

    def _when_done(self, future: Future[Any], then: Callable[[Future[Any]], None]) -> None:
        """Call `then(future)` on the GUI thread once the future is done (for a write: after its COMMIT)."""

        def deliver(done: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the link is gone: the app is closing
                self._completed.emit(then, done)

        future.add_done_callback(deliver)

    @Slot(object, object)
    def _on_completed(self, then: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        then(future)

    def _check(self, session: _Session, future: Future[Any]) -> None:
        error = future.exception()
        if isinstance(error, KnownError):
            self._warn(session, error)
        elif error is not None:
            raise error  # a bug: the crash handler reports it

    def _warn(self, session: _Session, error: KnownError) -> None:
        """One line in the status bar; the timer goes on. Logged every time, shown once per session."""
        log.warning("history: %s", error)
        if not session.warned:
            session.warned = True
            self.window.show_message(f"{error} The timer keeps running.")

    @property
    def session_id(self) -> int | None:
        """The running session's id once its start is saved."""
        started = None if self._session is None else self._session.id
        if started is None or not started.done() or started.exception() is not None:
            return None
        return started.result()

    @Slot(object)
    def on_session_started(self, info: SessionInfo) -> None:
        session = self._session = _Session(per_side=info.per_side, last_hold_end=info.started)

        def start(history: History) -> None:
            session.id = history.submit_start_session(info.routine, info.level, info.started)
            self._when_done(session.id, lambda done: self._check(session, done))

        self._with_history(start)

    @Slot(object)
    def on_hold_recorded(self, record: HoldRecord) -> None:
        session = self._session
        if session is None:
            return
        session.last_hold_end = max(
            session.last_hold_end, record.started_utc + timedelta(seconds=record.actual_seconds)
        )

        def save(history: History) -> None:
            assert session.id is not None
            self._when_done(
                history.submit_record(session.id, record), lambda done: self._check(session, done)
            )

        self._with_history(save)

    @Slot(str)
    def on_session_ended(self, status: str) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        # Interrupted (the app was told to quit): it ended with its last finished hold, as after a crash.
        ended = session.last_hold_end if status == "interrupted" else self._now()

        def end(history: History) -> None:
            assert session.id is not None
            self._when_done(
                history.submit_end_session(session.id, status, ended), lambda done: self._ended(session, done)
            )

        self._with_history(end)
        started = session.id
        if self._unavailable or (started is not None and started.done() and started.exception() is not None):
            return  # nothing of this session was saved: no check-in to attach to it
        if not self.window.closing:
            # After the ticker's signal has been delivered: the question never runs inside a timer tick.
            QTimer.singleShot(0, self, lambda: self.ask_checkin(session))

    def _ended(self, session: _Session, future: Future[None]) -> None:
        self._check(session, future)
        self.saved.emit()

    # -- check-in ---------------------------------------------------------------------------------------------

    def ask_checkin(self, session: _Session) -> None:
        answer = CheckinDialog.ask(session.per_side, self.window)
        if answer is not None:
            self.save_checkin(session, answer)

    def save_checkin(self, session: _Session, answer: Checkin) -> None:
        """Saved in the background; the status bar says how it went once it is on disk."""
        ratings: list[tuple[str | None, int | None]] = (
            [("left", answer.left), ("right", answer.right)] if session.per_side else [(None, answer.overall)]
        )
        rated = [(side, value) for side, value in ratings if value is not None]

        def save(history: History) -> None:
            assert session.id is not None
            saving: list[Future[None]] = []
            try:
                for index, (side, value) in enumerate(rated):
                    # The note is kept once, with the first rating.
                    note = answer.note if index == 0 else ""
                    saving.append(history.submit_checkin(session.id, side, value, note))
            except KnownError as error:
                self.window.show_message(f"The check-in was not saved: {error}")
                return
            if saving:  # written in order: when the last is done, all are
                self._when_done(saving[-1], lambda _done: self._checkin_saved(saving))
            else:
                self._checkin_saved(saving)

        self._with_history(save)

    def _checkin_saved(self, saving: list[Future[None]]) -> None:
        for future in saving:
            error = future.exception()
            if isinstance(error, KnownError):
                self.window.show_message(f"The check-in was not saved: {error}")
                return
            if error is not None:
                raise error
        self.window.show_message("Check-in saved. Thank you.")
        self.saved.emit()
