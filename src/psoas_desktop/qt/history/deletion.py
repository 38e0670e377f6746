"""Deleting sessions recorded by mistake from the history window: the Delete key and the table's context
menu, a confirmation, and Undo.

Why the deletion is held back rather than written at once: a deletion reaches the other devices as a
tombstone, and a tombstone is final by design (the merge is a union by UUID: a deleted UUID never comes
back, whatever order the journals arrive in; that is what keeps every device equal). An undo after the
tombstone left this device would need a "restored" event that outranks it, so an order between events of
different devices that the journal does not have. So nothing is written while Undo is still offered: the
deleted sessions are only left out of what the window shows (``core.history_view``), and the deletion is
written (database, tombstone, journal) when the window closes, when the app quits
(:meth:`SessionDeletion.write_pending`) or :data:`UNDO_SECONDS` after the last deletion, so that an open
window does not keep it from the other devices for long. Undo therefore puts back exactly what was there:
the same session, holds, check-ins and UUID, and no tombstone ever existed. If the app crashes meanwhile, the
session is simply not deleted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QTableView, QWidget

from psoas_desktop.core.history_summary import plural
from psoas_desktop.core.history_view import SessionDeleter
from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.qt.history.table_model import SessionTableModel
from psoas_desktop.qt.history.undo_bar import UndoBar

UNDO_SECONDS = 10 * 60
RUNNING_MESSAGE = "A session that is still running cannot be deleted."
CANNOT_DELETE_TIP = "This history was opened read-only: nothing can be deleted."


class ConfirmDeletion:
    """The confirmation, behind a seam tests replace."""

    @classmethod
    def ask(cls, parent: QWidget, question: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete sessions", question, parent=parent)
        delete = box.addButton("&Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Cancel))
        box.exec()
        return box.clickedButton() is delete


@dataclass(frozen=True)
class _Batch:
    """What one confirmation deleted: the sessions (newest first) and when."""

    sessions: tuple[SessionSummary, ...]
    descriptions: tuple[str, ...]
    deleted: datetime


class _Bridge(QObject):
    """Carries a written deletion's outcome from the writer thread to the GUI thread (a queued signal)."""

    done = Signal(int, object)  # session id, error message or None


class SessionDeletion(QObject):
    """The delete and undo actions of a history window's sessions table; see the module docstring.

    Signals:
        changed(): the sessions left out changed (a deletion or an undo): the window aggregates again.
        written(): every deletion handed to the history is on disk (or failed): the window reads again.
    """

    changed = Signal()
    written = Signal()

    def __init__(
        self,
        table: QTableView,
        model: SessionTableModel,
        deleter: SessionDeleter | None,
        now: Callable[[], datetime],
        window: QWidget,
        *,
        undo_seconds: float = UNDO_SECONDS,
    ) -> None:
        super().__init__(window)
        self._table = table
        self._model = model
        self._deleter = deleter if deleter is not None and deleter.can_delete else None
        self._now = now
        self._window = window
        self._batches: list[_Batch] = []
        self._writing: set[int] = set()  # handed to the history, not yet on disk: still left out
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._on_written)
        self.bar = UndoBar()
        self.bar.setToolTip(
            "Deleted sessions leave this computer (and reach your other devices) when you close this window."
        )
        self.bar.undo_requested.connect(self.undo)
        self.delete_action = QAction("&Delete session…", table)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_selected)
        self.delete_action.setEnabled(self._deleter is not None)
        if deleter is not None and self._deleter is None:
            self.delete_action.setToolTip(CANNOT_DELETE_TIP)
        table.addAction(self.delete_action)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.undo_action = QAction("&Undo delete", window)
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.undo_action.triggered.connect(self.undo)
        self.undo_action.setEnabled(False)
        window.addAction(self.undo_action)
        self.timer = QTimer(self)
        self.timer.setObjectName("history-undo-grace")
        self.timer.setSingleShot(True)
        self.timer.setInterval(round(undo_seconds * 1000))
        self.timer.timeout.connect(self.write_pending)

    @property
    def hidden(self) -> frozenset[int]:
        """The ids of the sessions deleted in this window and not yet gone from the history."""
        return frozenset(s.session_id for batch in self._batches for s in batch.sessions) | self._writing

    @property
    def pending(self) -> int:
        """Sessions deleted that Undo can still bring back."""
        return sum(len(batch.sessions) for batch in self._batches)

    @Slot()
    def delete_selected(self) -> bool:
        """Ask, then leave the selected sessions out (written later; see the module docstring)."""
        if self._deleter is None:
            return False
        selection = self._table.selectionModel()
        rows = sorted({index.row() for index in selection.selectedRows()}) if selection is not None else []
        if not rows:
            return False
        sessions = tuple(self._model.session(row) for row in rows)
        if any(s.status == "running" for s in sessions):
            self.bar.show_text(RUNNING_MESSAGE, undo=False)
            return False
        descriptions = tuple(self._describe(row) for row in rows)
        if not ConfirmDeletion.ask(self._window, _question(descriptions)):
            return False
        self._batches.append(_Batch(sessions, descriptions, self._now()))
        self.timer.start()
        self._show_bar()
        self.changed.emit()
        return True

    @Slot()
    def undo(self) -> bool:
        """Bring back the sessions of the last deletion not yet written (the same rows: nothing was
        written); False when there is none."""
        if not self._batches:
            return False
        batch = self._batches.pop()
        if not self._batches:
            self.timer.stop()
        self._show_bar(f"Restored {_sessions_text(batch.descriptions)}.")
        self.changed.emit()
        return True

    @Slot()
    def write_pending(self) -> list[Future[None]]:
        """Write every deletion Undo could still bring back (the window closes, the app quits, or the grace
        period ended); the futures complete when they are on disk."""
        self.timer.stop()
        batches, self._batches = self._batches, []
        self._show_bar()
        deleter = self._deleter
        if deleter is None or not batches:
            return []
        futures = []
        for batch in batches:
            for summary in batch.sessions:
                self._writing.add(summary.session_id)
                future = deleter.submit_delete(summary.session_id, batch.deleted)
                future.add_done_callback(partial(self._report, summary.session_id))
                futures.append(future)
        return futures

    def _report(self, session_id: int, future: Future[None]) -> None:
        """On the writer thread (or here, for a future that failed at once)."""
        error = future.exception()
        with contextlib.suppress(RuntimeError):  # the window is gone (the app quit): the history logs it
            self._bridge.done.emit(session_id, None if error is None else str(error))

    @Slot(int, object)
    def _on_written(self, session_id: int, error: str | None) -> None:
        self._writing.discard(session_id)
        if error is not None:
            self.bar.show_text(f"A session could not be deleted: {error}", undo=False)
        if not self._writing:
            self.written.emit()

    def _describe(self, row: int) -> str:
        model = self._model
        return f"{model.data(model.index(row, 0))} ({model.data(model.index(row, 1))})"

    def _show_bar(self, news: str = "") -> None:
        """The last deletion Undo can bring back, after ``news`` (or ``news`` alone when there is none)."""
        self.undo_action.setEnabled(bool(self._batches))
        if not self._batches:
            if news:
                self.bar.show_text(news, undo=False)
            else:
                self.bar.clear()
            return
        last = self._batches[-1]
        text = f"Deleted {_sessions_text(last.descriptions)}."
        earlier = self.pending - len(last.sessions)
        if earlier:
            text += f" Undo again for the {plural(earlier, 'session')} deleted before."
        self.bar.show_text(f"{news} {text}" if news else text)


def _sessions_text(descriptions: Sequence[str]) -> str:
    if len(descriptions) == 1:
        return f"the session of {descriptions[0]}"
    return f"{len(descriptions)} sessions"


def _question(descriptions: Sequence[str]) -> str:
    listed = "\n".join(f"• {text}" for text in descriptions[:10])
    more = f"\n… and {len(descriptions) - 10} more" if len(descriptions) > 10 else ""
    what = "this session" if len(descriptions) == 1 else f"these {len(descriptions)} sessions"
    return (
        f"Delete {what}?\n\n{listed}{more}\n\nUse this for a session recorded by mistake. It is deleted on"
        " your other devices too, once they sync. You can undo it until you close this window."
    )
