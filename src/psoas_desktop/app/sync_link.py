"""Between the open history and the sync folder while the window runs: this computer's journal, and merging
the other computers' journals as they arrive.

When a sync folder is set (Settings, or ``--sync-dir`` for one run), each History the link opens gets its
journal attached, then a first merge runs. Both run on the history's writer thread; their outcomes come
back here as queued signals, so the GUI thread never waits for a merge. A merge still running after
PROGRESS_DELAY_MS shows a progress bar in the status bar.

Then the journals folder is watched: a QFileSystemWatcher on ``<sync>/psoas-history`` and on each other
device's journal (a sync engine that writes in place changes only the file), settled for SETTLE_MS, plus a
rescan every RESCAN_MS for what a watcher misses (network folders, a watch limit reached). A merge that
changed sessions refreshes what a save refreshes (:meth:`HistoryLink.history_changed`). Warnings (a damaged
or unreadable journal, this computer's journal not writable) go to the notice bar and the log, each once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal, Slot

from psoas_desktop.app.history_link import HistoryLink
from psoas_desktop.core.settings import AppSettings
from psoas_desktop.qt.session.sync_progress import SyncProgressBar
from psoas_desktop.storage.history import History
from psoas_desktop.storage.journal import SUFFIX, SyncFolderError, check_folders, journal_folder
from psoas_desktop.storage.merge import MergeResult

log = logging.getLogger(__name__)

RESCAN_MS = 60_000
SETTLE_MS = 1_000  # a sync engine writes a file in a few steps: merge once they are done
PROGRESS_DELAY_MS = 1_000  # a merge quicker than this shows no bar

SyncReply = Callable[[MergeResult | None, list[str], str | None], None]
"""(the merge's result, the warnings, or None and the error) for a one-shot sync a later launch asked for."""


def folder_problem(folder: str, data_dir: Path) -> str | None:
    """Why `folder` cannot be the sync folder (inside the data folder, or holding it); None when it can."""
    if not folder:
        return None
    try:
        check_folders(Path(folder), data_dir)
    except SyncFolderError as exc:
        return str(exc)
    return None


class SyncLink(QObject):
    """See the module docstring. ``folder`` is the sync folder in use (None: not syncing).

    Signals:
        merged(object): a MergeResult, after each merge that ran (on the GUI thread).
        warned(str): a warning the user was shown (each text once a run).
        _delivered(object, object): (callback, finished future) from the writer thread to the GUI thread.
        _progressed(int, int): a merge's progress from the writer thread.
    """

    merged = Signal(object)
    warned = Signal(str)
    _delivered = Signal(object, object)
    _progressed = Signal(int, int)
    _warned_from_writer = Signal(str)

    def __init__(
        self,
        link: HistoryLink,
        data_dir: Path,
        settings_folder: str,
        override: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`settings_folder`: the setting ("" for none); `override`: ``--sync-dir``, which wins for this run
        until the setting is changed."""
        super().__init__(parent if parent is not None else link)
        self.link = link
        self._data_dir = data_dir
        self._setting = settings_folder
        self.folder: Path | None = override or (Path(settings_folder) if settings_folder else None)
        self.history: History | None = None
        self._own_journal: str | None = None
        self._merging = False
        self._again = False
        self._closed = False
        self._shown: set[str] = set()
        self.progress_bar = SyncProgressBar(link.window)
        link.window.statusBar().addPermanentWidget(self.progress_bar)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._on_change)
        self.watcher.fileChanged.connect(self._on_change)
        self.rescan_timer = self._timer("sync: rescan", RESCAN_MS, single_shot=False)
        self.rescan_timer.timeout.connect(self.merge_now)
        self.settle_timer = self._timer("sync: settle", SETTLE_MS, single_shot=True)
        self.settle_timer.timeout.connect(self.merge_now)
        self.progress_timer = self._timer("sync: progress delay", PROGRESS_DELAY_MS, single_shot=True)
        self.progress_timer.timeout.connect(self._show_progress)
        self._last_progress = (0, 1)
        self._delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._warned_from_writer.connect(self.warn, Qt.ConnectionType.QueuedConnection)
        link.history_attached.connect(self.attach)
        link.window.settings_changed.connect(self._on_settings_changed)
        if link.history is not None:
            self.attach(link.history)

    def _timer(self, name: str, interval_ms: int, *, single_shot: bool) -> QTimer:
        timer = QTimer(self)
        timer.setObjectName(name)
        timer.setInterval(interval_ms)
        timer.setSingleShot(single_shot)
        return timer

    # -- attaching ------------------------------------------------------------------------------------------

    @Slot(object)
    def attach(self, history: History) -> None:
        """The link opened (or re-opened) the history: write this computer's journal there and merge."""
        self.history = history
        self._start()

    def _start(self) -> None:
        history, folder = self.history, self.folder
        self._stop_watching()
        if self._closed or history is None or history.read_only or folder is None:
            return  # nothing to sync, or a history that saves nothing (its bar says why)
        try:
            # Resolved once ("~/Sync" as typed in Settings): the journal, the merge and the watcher agree.
            folder = self.folder = check_folders(folder, self._data_dir)
        except SyncFolderError as exc:
            self.warn(f"{exc} The history is not shared.")
            self.folder = None
            return
        attached = history.submit_attach_journal(folder, self._data_dir, self._warn_from_writer)
        self._when_done(attached, self._on_attached)
        log.info("sync: writing this computer's journal in %s", folder)
        self.merge_now()

    def _on_attached(self, future: Future[Any]) -> None:
        error = future.exception()
        if error is not None:
            self.warn(f"The sync folder cannot be used: {error}")
            return
        history = self.history
        device = history.device_id() if history is not None else None
        self._own_journal = None if device is None else f"{device}{SUFFIX}"
        self._watch()

    @Slot(object)
    def _on_settings_changed(self, settings: AppSettings) -> None:
        if settings.sync_folder == self._setting:
            return  # the folder was not changed (a --sync-dir for this run stays)
        self._setting = settings.sync_folder
        self.folder = Path(settings.sync_folder) if settings.sync_folder else None
        history = self.history
        if self.folder is None and history is not None and not history.read_only:
            history.submit_detach_journal()
        self._start()

    # -- merging --------------------------------------------------------------------------------------------

    @Slot()
    def merge_now(self) -> None:
        """Merge what the other computers wrote since the last merge (again after one that is running)."""
        history, folder = self.history, self.folder
        if self._closed or history is None or history.read_only or folder is None:
            return
        if self._merging:
            self._again = True
            return
        self._merging = True
        self.progress_timer.start()
        future = history.submit_merge(folder, progress=self._progress_from_writer)
        self._when_done(future, self._on_merged)

    def _on_merged(self, future: Future[Any]) -> None:
        self._merging = False
        self.progress_timer.stop()
        self.progress_bar.finish()
        error = future.exception()
        if error is not None:
            reason = str(error).removeprefix("Not saved: ")
            self.warn(f"Merging the other computers' history failed: {reason}")
        else:
            self._took(future.result())
        self._watch()  # journals that appeared since
        if self._again:
            self._again = False
            self.merge_now()

    def _took(self, result: MergeResult) -> None:
        for warning in result.warnings:
            self.warn(warning)
        if result.new_sessions:
            log.info("sync: merged %d new sessions from %d devices", result.new_sessions, result.devices)
        if result.touched:
            self.link.history_changed()
        self.merged.emit(result)

    def sync_once(self, folder: Path, reply: SyncReply) -> None:
        """A later launch's ``psoas-desktop sync``: write the journal to `folder` and merge it, then reply
        (on the GUI thread). The journal goes back to this window's own folder afterwards."""
        history = self.history
        if self._closed or history is None:
            reply(None, [], "the history is still opening; try again in a moment")
            return
        if history.read_only:
            reply(None, [], history.not_saving_message or "the history is read-only")
            return
        warnings: list[str] = []  # filled on the writer thread, read once the merge is done
        try:
            folder = check_folders(folder, self._data_dir)
            history.submit_attach_journal(folder, self._data_dir, warnings.append)
        except SyncFolderError as exc:
            reply(None, [], str(exc))
            return
        merging = history.submit_merge(folder)
        if self.folder is None:
            history.submit_detach_journal()
        elif self.folder != folder:
            history.submit_attach_journal(self.folder, self._data_dir, self._warn_from_writer)

        def done(future: Future[Any]) -> None:
            error = future.exception()
            if error is not None:
                reply(None, warnings, str(error))
                return
            result: MergeResult = future.result()
            if result.touched:
                self.link.history_changed()
            self.merged.emit(result)
            reply(result, [*warnings, *result.warnings], None)

        self._when_done(merging, done)

    # -- watching -------------------------------------------------------------------------------------------

    def _watch(self) -> None:
        folder = self.folder
        if self._closed or folder is None or self.history is None:
            return
        journals = journal_folder(folder)
        if not journals.is_dir():
            return  # the rescan finds it once the sync engine has made it
        watched = set(self.watcher.directories()) | set(self.watcher.files())
        wanted = [str(journals)]
        with contextlib.suppress(OSError):
            wanted += [
                str(path)
                for path in journals.iterdir()
                if path.name.endswith(SUFFIX) and path.name != self._own_journal
            ]
        new = [path for path in wanted if path not in watched]
        if new:
            self.watcher.addPaths(new)  # a path it cannot watch is skipped: the rescan covers it
        if not self.rescan_timer.isActive():
            self.rescan_timer.start()

    def _stop_watching(self) -> None:
        paths = self.watcher.directories() + self.watcher.files()
        if paths:
            self.watcher.removePaths(paths)
        self.rescan_timer.stop()
        self.settle_timer.stop()

    @Slot(str)
    def _on_change(self, _path: str) -> None:
        if not self._closed:
            self.settle_timer.start()  # restarted by each change: one merge once the files are still

    # -- from the writer thread -----------------------------------------------------------------------------

    def _when_done(self, future: Future[Any], then: Callable[[Future[Any]], None]) -> None:
        def deliver(done: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # this object is gone (the app is closing)
                self._delivered.emit(then, done)

        future.add_done_callback(deliver)

    @Slot(object, object)
    def _on_delivered(self, then: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        if not self._closed:
            then(future)

    def _progress_from_writer(self, done: int, total: int) -> None:
        with contextlib.suppress(RuntimeError):
            self._progressed.emit(done, total)

    def _warn_from_writer(self, text: str) -> None:
        with contextlib.suppress(RuntimeError):
            self._warned_from_writer.emit(text)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self._last_progress = (done, total)
        if self.progress_bar.isVisible():
            self.progress_bar.show_progress(done, total)

    @Slot()
    def _show_progress(self) -> None:
        if self._merging:
            self.progress_bar.show_progress(*self._last_progress)

    # -- telling the user -----------------------------------------------------------------------------------

    @Slot(str)
    def warn(self, text: str) -> None:
        """Shown in the notice bar and logged, once a run per text (a rescan finds the same damage again)."""
        if text in self._shown or self._closed:
            return
        self._shown.add(text)
        log.warning("sync: %s", text)
        self.link.window.notice.show_notice(text)
        self.warned.emit(text)

    def close(self) -> None:
        """At exit, before the history closes: no more merges; outcomes still on their way are dropped."""
        self._closed = True
        self._stop_watching()
        self.progress_timer.stop()
