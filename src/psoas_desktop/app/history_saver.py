"""Saving the main window's sessions as they happen: the session, each hold, its end and the check-in.

Nothing here waits for the disk on the GUI thread. Each write goes to the History's writer thread and
returns a future; its outcome comes back to the GUI thread as a queued signal after its COMMIT (the timer
never waits for or stops on the database). What happens before the history is open (a session started at
once) is queued and saved, in order, when :meth:`SessionSaver.attach` hands it the History.

A write that fails (full disk, read-only folder) is kept in memory, in order, and written again by
:meth:`SessionSaver.retry` or the next :meth:`attach`; ``failed`` and ``succeeded`` tell the link, which
shows the "not saving" bar until a save succeeds with nothing left over.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot

from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.stats import is_shown
from psoas_desktop.qt.history.checkin_dialog import Checkin, CheckinDialog
from psoas_desktop.qt.session.main_window import MainWindow, SessionInfo
from psoas_desktop.storage.history import History, RoutineAsRun

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Session:
    """One session as the link saves it: its start's future (its id; a retry replaces it), when its last
    hold ended (where an interrupted session ends), and the records that wait for its first finished hold.

    Its row is written at its first finished hold, not at its start: a session in which no hold finished
    (started, then stopped at once) leaves nothing in the history. Sync relies on the same rule.
    """

    info: SessionInfo
    last_hold_end: datetime
    id: Future[int] | None = None
    finished_seconds: float = 0.0
    """Of its completed holds, as the history counts them (core.stats.is_shown)."""
    waiting: list[HoldRecord] = field(default_factory=list)
    """Records (skipped, stopped) that came before its first finished hold; written with its row."""
    started: bool = False
    """Its row has been asked for: a hold finished."""

    @property
    def per_side(self) -> bool:
        return self.info.per_side


@dataclass(eq=False)
class _Write:
    """One write, made from the History it goes to, so that it can be written again after a failure.

    `submit` returns its futures (in writing order), or None when it wrote nothing and said why; `then`
    gets them on the GUI thread once they are done.
    """

    submit: Callable[[History], list[Future[Any]] | None]
    then: Callable[[list[Future[Any]]], None] | None = None


class SessionSaver(QObject):
    """Saves what the main window reports; see the module docstring.

    Signals:
        saved(): a session's end or a check-in is on disk (the history window refreshes).
        failed(str): a write failed (the message says why); it is kept to be written again.
        succeeded(): a write is on disk, and no other waits in memory or on the writer.
        _completed(object, object): (callback, future) of a finished write, delivered on the GUI thread.
    """

    saved = Signal()
    failed = Signal(str)
    succeeded = Signal()
    _completed = Signal(object, object)

    def __init__(
        self, window: MainWindow, now: Callable[[], datetime], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.history: History | None = None
        self._now = now
        self._session: _Session | None = None
        self._pending: list[_Write] = []  # writes made before the history was open
        self._unsaved: list[_Write] = []  # writes that failed, in order, to be written again
        self._in_flight: set[Future[Any]] = set()  # writes' last futures whose outcome has not come back yet
        self._unavailable = False  # the history could not be opened: no check-in is asked
        self._completed.connect(self._on_completed, Qt.ConnectionType.QueuedConnection)
        window.session_started.connect(self.on_session_started)
        window.hold_recorded.connect(self.on_hold_recorded)
        window.session_ended.connect(self.on_session_ended)

    def attach(self, history: History) -> None:
        """Save into `history` from now on: first what failed before, then what was queued while it opened
        (in order)."""
        self.history = history
        self._unavailable = False
        waiting, self._unsaved, self._pending = [*self._unsaved, *self._pending], [], []
        for write in waiting:
            self._submit(history, write)

    def unavailable(self) -> None:
        """The history could not be opened (the link has said why): writes wait in memory for a
        successful re-open (:meth:`attach`), and no check-in is asked meanwhile."""
        self._unavailable = True

    @property
    def unsaved(self) -> int:
        """How many writes wait in memory (failed, or made before the history was open)."""
        return len(self._unsaved) + len(self._pending)

    @property
    def settled(self) -> bool:
        """Nothing waits in memory and nothing is on its way to the disk."""
        return self.unsaved == 0 and not self._in_flight

    def retry(self) -> list[Future[Any]]:
        """Write again what failed, in order; each write's last future (none: nothing to write)."""
        if self.history is None or not self._unsaved:
            return []
        waiting, self._unsaved = self._unsaved, []
        return [future for write in waiting if (future := self._submit(self.history, write)) is not None]

    def take_outcomes(self) -> None:
        """Wait for the writes on their way and take their outcomes now (at exit, before the last retry): a
        write that failed just before (a session's end behind its failed start) is then written again too."""
        if self.history is not None:
            self.history.flush()  # its writer thread runs each write's done-callbacks before the next job
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)

    def _with_history(self, write: _Write) -> None:
        if self.history is None:
            self._pending.append(write)
        else:
            self._submit(self.history, write)

    def _submit(self, history: History, write: _Write) -> Future[Any] | None:
        """Submit `write`; its last future, whose outcome comes back to :meth:`_outcome`."""
        futures = write.submit(history)
        if not futures:
            if futures is not None and write.then is not None:
                write.then(futures)
            return None
        self._in_flight.add(futures[-1])
        # Written in order: when the last is done, all are.
        self._when_done(futures[-1], lambda _done: self._outcome(write, futures))
        return futures[-1]

    def _outcome(self, write: _Write, futures: list[Future[Any]]) -> None:
        self._in_flight.discard(futures[-1])
        errors = [future.exception() for future in futures]
        known = next((error for error in errors if isinstance(error, KnownError)), None)
        if known is not None:
            log.warning("history: %s", known)
            self._unsaved.append(write)
            self.failed.emit(str(known))
        elif not any(errors) and self.settled:
            self.succeeded.emit()
        if write.then is not None:
            write.then(futures)

    def _when_done(self, future: Future[Any], then: Callable[[Future[Any]], None]) -> None:
        """Call `then(future)` on the GUI thread once the future is done (for a write: after its COMMIT)."""

        def deliver(done: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the link is gone: the app is closing
                self._completed.emit(then, done)

        future.add_done_callback(deliver)

    @Slot(object, object)
    def _on_completed(self, then: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        then(future)

    @staticmethod
    def _check(futures: list[Future[Any]]) -> None:
        for future in futures:
            error = future.exception()
            if error is not None and not isinstance(error, KnownError):
                raise error  # a bug: the crash handler reports it (a KnownError shows in the link's bar)

    @property
    def session_id(self) -> int | None:
        """The running session's id once its start is saved."""
        started = None if self._session is None else self._session.id
        if started is None or not started.done() or started.exception() is not None:
            return None
        return started.result()

    @Slot(object)
    def on_session_started(self, info: SessionInfo) -> None:
        # Nothing is written yet: the row waits for the first finished hold (see _Session).
        self._session = _Session(info=info, last_hold_end=info.started)

    def _save_start(self, session: _Session) -> None:
        info = session.info

        def start(history: History) -> list[Future[Any]]:
            content, dose = info.fingerprints or (None, None)
            kept = RoutineAsRun(info.routine_name or None, content, dose)
            session.id = history.submit_start_session(info.routine, info.level, info.started, kept)
            return [session.id]

        self._with_history(_Write(start, self._check))
        session.started = True

    @Slot(object)
    def on_hold_recorded(self, record: HoldRecord) -> None:
        session = self._session
        if session is None:
            return
        session.last_hold_end = max(
            session.last_hold_end, record.started_utc + timedelta(seconds=record.actual_seconds)
        )
        if not session.started:
            session.waiting.append(record)
            if record.status is not PhaseStatus.COMPLETED:
                return  # nothing finished yet: the session may still leave no trace
            self._save_start(session)
            records, session.waiting = session.waiting, []
        else:
            records = [record]
        if record.status is PhaseStatus.COMPLETED:
            session.finished_seconds += record.actual_seconds
        for each in records:
            self._save_record(session, each)

    def _save_record(self, session: _Session, record: HoldRecord) -> None:
        def save(history: History) -> list[Future[Any]]:
            assert session.id is not None  # its start was submitted first
            return [history.submit_record(session.id, record)]

        self._with_history(_Write(save, self._check))

    @Slot(str)
    def on_session_ended(self, status: str) -> None:
        session, self._session = self._session, None
        if session is None or not session.started:
            return  # no hold finished: nothing was saved, nothing to end, no check-in
        # Interrupted (the app was told to quit): it ended with its last finished hold, as after a crash.
        ended = session.last_hold_end if status == "interrupted" else self._now()

        def end(history: History) -> list[Future[Any]]:
            assert session.id is not None
            return [history.submit_end_session(session.id, status, ended)]

        self._with_history(_Write(end, self._ended))
        started = session.id
        if self._unavailable or (started is not None and started.done() and started.exception() is not None):
            return  # nothing of this session was saved: no check-in to attach to it
        if not is_shown(session.finished_seconds):
            return  # no hold finished: the history does not list it, so there is nothing to rate
        if not self.window.closing:
            # After the ticker's signal has been delivered: the question never runs inside a timer tick.
            QTimer.singleShot(0, self, lambda: self.ask_checkin(session))

    def _ended(self, futures: list[Future[Any]]) -> None:
        self._check(futures)
        if all(future.exception() is None for future in futures):
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

        def save(history: History) -> list[Future[Any]] | None:
            assert session.id is not None
            saving: list[Future[Any]] = []
            try:
                for index, (side, value) in enumerate(rated):
                    # The note is kept once, with the first rating.
                    note = answer.note if index == 0 else ""
                    saving.append(history.submit_checkin(session.id, side, value, note))
            except KnownError as error:  # a rating or note the history refuses: not worth keeping
                self.window.show_message(f"The check-in was not saved: {error}")
                return None
            return saving

        self._with_history(_Write(save, self._checkin_saved))

    def _checkin_saved(self, saving: list[Future[Any]]) -> None:
        for future in saving:
            error = future.exception()
            if isinstance(error, KnownError):
                self.window.show_message(f"The check-in was not saved: {error}")
                return
            if error is not None:
                raise error
        self.window.show_message("Check-in saved. Thank you.")
        self.saved.emit()
