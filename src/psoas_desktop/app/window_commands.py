"""What the running window does for a command line that found it holding the history (see
:mod:`.instance_commands`): ``sync``, ``import FILE`` and ``device --name NAME``, each answered once its
write is on disk. The work runs on the history's writer thread; the answer is given on the GUI thread."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from psoas_desktop.app.history_link import HistoryLink
from psoas_desktop.app.instance_commands import IMPORT, RENAME, SYNC, Answer, Command, ok, refused
from psoas_desktop.app.sync_link import SyncLink
from psoas_desktop.storage.import_export import events_from_export, read_export
from psoas_desktop.storage.merge import MergeResult

log = logging.getLogger(__name__)


class WindowCommands(QObject):
    """Call it with a command and the function that answers it (the InstanceServer's ``commands``).

    Signals:
        _delivered(object, object): (callback, finished future) from the writer thread to the GUI thread.
    """

    _delivered = Signal(object, object)

    def __init__(self, link: HistoryLink, sync: SyncLink, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else link)
        self._link = link
        self._sync = sync
        self._delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)

    def __call__(self, command: Command, answer: Answer) -> None:
        try:
            if command.action == SYNC:
                self._sync.sync_once(Path(command.argument), lambda *outcome: answer(_sync_reply(*outcome)))
            elif command.action == IMPORT:
                self._import(Path(command.argument), answer)
            elif command.action == RENAME:
                self._rename(command.argument, answer)
            else:
                answer(refused(f"unknown command {command.action!r}"))
        except Exception as exc:  # answered, so the command line does not wait; a bug is logged
            log.exception("single instance: %s failed", command.action)
            answer(refused(str(exc)))

    def _writable(self, answer: Answer) -> Any:
        history = self._link.history
        if history is None:
            answer(refused("the history is still opening; try again in a moment"))
            return None
        if history.read_only:
            answer(refused(history.not_saving_message or "the history is read-only"))
            return None
        return history

    def _import(self, path: Path, answer: Answer) -> None:
        history = self._writable(answer)
        if history is None:
            return
        device = history.device_id()
        try:
            events = events_from_export(read_export(path), device or "")
        except ValueError as exc:
            answer(refused(f"cannot import {path}: {exc}"))
            return

        def done(future: Future[Any]) -> None:
            error = future.exception()
            if error is not None:
                answer(refused(f"cannot import {path}: {error}"))
                return
            self._link.history_changed()
            answer(ok(imported=future.result()))

        self._when_done(history.submit_import(events), done)

    def _rename(self, name: str, answer: Answer) -> None:
        history = self._writable(answer)
        if history is None:
            return
        try:
            future = history.submit_rename_device(name)
        except ValueError as exc:
            answer(refused(str(exc)))
            return

        def done(finished: Future[Any]) -> None:
            error = finished.exception()
            answer(refused(str(error)) if error is not None else ok())

        self._when_done(future, done)

    def _when_done(self, future: Future[Any], then: Callable[[Future[Any]], None]) -> None:
        def deliver(done: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # this object is gone (the app is closing)
                self._delivered.emit(then, done)

        future.add_done_callback(deliver)

    @Slot(object, object)
    def _on_delivered(self, then: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        then(future)


def _sync_reply(result: MergeResult | None, warnings: list[str], error: str | None) -> dict[str, Any]:
    if result is None:
        return refused(error or "the sync failed")
    return ok(new_sessions=result.new_sessions, devices=result.devices, warnings=warnings)
