"""One thread that owns the history's write connection.

Callers (the GUI thread among them) never wait for an fsync: they hand a job to :meth:`Writer.submit` and
get a :class:`concurrent.futures.Future`. Jobs run one at a time in the order they were submitted, on the
writer thread, and each future completes only after its job returned, i.e. after its COMMIT. Readers never
use this connection (they have their own read-only ones), so a long read never holds a write back.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

_T = TypeVar("_T")

_Job = Callable[[sqlite3.Connection], None]


class WriterClosedError(RuntimeError):
    """A job was submitted after close()."""


class Writer:
    """Runs jobs on ``conn`` in its own thread until :meth:`close`, which finishes every queued job first."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        on_close: Callable[[sqlite3.Connection], None] | None = None,
        name: str = "history-writer",
    ) -> None:
        self._conn = conn
        self._on_close = on_close
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        # A daemon: a crashing app must not hang at exit waiting for it. A clean exit calls close(), which
        # flushes the queue; SQLite's journal makes an exit mid-job safe (that job was never acknowledged).
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def submit(self, job: Callable[[sqlite3.Connection], _T]) -> Future[_T]:
        """Queue `job`; its future completes (result or exception) after it ran on the writer thread."""
        future: Future[_T] = Future()

        def run(conn: sqlite3.Connection) -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = job(conn)
            except BaseException as exc:  # handed to whoever waits for the future
                future.set_exception(exc)
            else:
                future.set_result(result)

        with self._lock:
            if self._closed:
                raise WriterClosedError("the history writer is closed")
            self._queue.put(run)
        return future

    def close(self) -> None:
        """Run what is queued, then the on_close hook, close the connection and join the thread."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        if threading.current_thread() is not self.thread:
            self.thread.join()

    def _run(self) -> None:
        while (run := self._queue.get()) is not None:
            run(self._conn)
        try:
            if self._on_close is not None:
                self._on_close(self._conn)
        finally:
            self._conn.close()
