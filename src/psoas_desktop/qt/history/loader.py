"""Reading and aggregating the history off the GUI thread, for the history window.

One worker thread; the newest request wins (an older result is dropped, never drawn). What was read is
kept, so a range switch, a goal change, the device filter or a deletion held back only aggregates again
(:func:`~psoas_desktop.core.history_view.narrowed` narrows what was read), unless the range needs older
sessions than were read; :meth:`HistoryLoader.forget` makes the next request read afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, tzinfo

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from psoas_desktop.core.history_summary import (
    HistoryData,
    HistorySnapshot,
    HistorySource,
    SnapshotSource,
    local_midnight,
    range_start,
    read_snapshot,
    summarize,
)
from psoas_desktop.core.history_view import HistoryView, narrowed

GIL_PAUSE_SECONDS = 0.0005


def release_gil() -> None:
    """Sleeps a moment so that a GUI thread waiting for the GIL takes it at once.

    CPython makes a thread that wants the GIL wait up to the 5 ms switch interval; measured here, the GUI
    thread of an opening window sometimes waited 50–100 ms while the worker aggregated. Pausing between
    steps of a few milliseconds bounds that wait by the step.
    """
    time.sleep(GIL_PAUSE_SECONDS)


class _Bridge(QObject):
    """Carries a worker's result to the GUI thread (a queued connection: the bridge lives in the GUI)."""

    finished = Signal(int, object)
    failed = Signal(int, object)


class HistoryLoader(QObject):
    """Signals:
    loaded(HistoryData): the newest request's result, on the GUI thread.
    failed(BaseException): the newest request raised (a bug, or a history that cannot be read).
    """

    loaded = Signal(object)
    failed = Signal(object)

    def __init__(
        self, source: HistorySource | SnapshotSource, tz: tzinfo, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._tz = tz
        self._snapshot: HistorySnapshot | None = None
        self._generation = 0
        self._forgotten_at = 0  # requests up to this one may have read before the change: not kept
        # The pool is created before the bridge: children die in creation order, so the pool's destructor
        # waits for a running job while the bridge it reports to is still alive.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._on_finished)
        self._bridge.failed.connect(self._on_failed)

    @property
    def requested(self) -> bool:
        return self._generation > 0

    def forget(self) -> None:
        """The next request reads the source again (also when a request already running read before)."""
        self._snapshot = None
        self._forgotten_at = self._generation

    def _cached(
        self, weeks: int, today: date
    ) -> tuple[HistorySnapshot | None, Callable[[], HistorySnapshot]]:
        since = local_midnight(range_start(today, weeks), self._tz)
        cached = self._snapshot if self._snapshot is not None and self._snapshot.since <= since else None
        source = self._source
        return cached, lambda: read_snapshot(source, since)

    def request(
        self,
        weeks: int,
        goal: int,
        today: date,
        view: HistoryView = HistoryView(),  # noqa: B008 — frozen
    ) -> None:
        """Reads (if need be) and aggregates what ``view`` sees in the worker; ``loaded`` or ``failed``
        follows."""
        self._generation += 1
        generation, tz, bridge = self._generation, self._tz, self._bridge
        cached, read = self._cached(weeks, today)

        def job() -> None:
            try:
                snapshot = cached if cached is not None else read()
                data = summarize(narrowed(snapshot, view), weeks, goal, tz, today, pause=release_gil)
                bridge.finished.emit(generation, (snapshot, data))
            except Exception as error:  # re-raised on the GUI thread by whoever listens to `failed`
                bridge.failed.emit(generation, error)

        self._pool.start(job)

    def compute_now(
        self,
        weeks: int,
        goal: int,
        today: date,
        view: HistoryView = HistoryView(),  # noqa: B008 — frozen
    ) -> HistoryData:
        """The same on the calling thread (for a PDF asked for before the first result)."""
        cached, read = self._cached(weeks, today)
        return summarize(narrowed(cached or read(), view), weeks, goal, self._tz, today)

    def wait(self, msecs: int = -1) -> bool:
        """Blocks until a running job finishes (for shutdown)."""
        return bool(self._pool.waitForDone(msecs))

    @Slot(int, object)
    def _on_finished(self, generation: int, result: tuple[HistorySnapshot, HistoryData]) -> None:
        if generation != self._generation:
            return  # a newer request is on its way; drawing this one would only flicker
        snapshot, data = result
        if generation > self._forgotten_at:
            self._snapshot = snapshot
        self.loaded.emit(data)

    @Slot(int, object)
    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.failed.emit(error)
