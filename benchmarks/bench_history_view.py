"""Opening the history window over ten years of heavy use (≈18,000 sessions, ≈550,000 holds in the real
SQLite database), on the real event loop.

Each run is a fresh process (offscreen). Outside the measurement it paints a stand-in main window (fonts
and platform warm, as in the running app), imports the history view (pyqtgraph, numpy) and opens the
database; then it starts a 5 ms PreciseTimer heartbeat and opens the window from inside the event loop
(construct + show in one slot, as the app's menu action does).

- ``history.open_and_chart_ms_10y``: construction → the first ``ready`` → the first paint of the weekly
  chart after it (median), as the app opens it: after its idle-time prewarm (HistoryLink.prewarm).
- ``history.open_and_chart_cold_ms_10y``: the same for the first open after start with nothing cached: the
  window is opened before anything read the history in that process (SQLite → snapshot in the worker).
- ``history.gui_block_max_ms``: the longest gap between heartbeats over that span, i.e. the longest the GUI
  thread could not react (worst of all runs, warm and cold). Construction itself counts: it runs in the loop.
- ``history.summarize_ms_10y``: the worker's read and aggregation alone (WindowReads.snapshot and
  summarize, 12 weeks; median), for reference.
- ``history.import_ms``: importing the history view module (the app does it at idle time after start-up).
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.bench_history import generate_ten_years
from benchmarks.report import emit
from psoas_desktop.core.history_summary import local_midnight, range_start, read_snapshot, summarize
from psoas_desktop.storage.history import History
from psoas_desktop.storage.history_reads import WindowReads

RUNS = 5
TODAY = date(2026, 11, 23)
TZ = ZoneInfo("Europe/Berlin")
HEARTBEAT_MS = 5


def open_history(data_dir: Path, warm: bool) -> tuple[History, dict[str, str]]:
    """The real ten-year database; `warm` reads every summary first, exactly as the app's prewarm does in
    the background a moment after start-up (HistoryLink.prewarm): the file's pages are then in the page
    caches, the window's own read is not done for it."""
    from psoas_desktop.core.catalog import load_catalog

    names = {exercise.id: exercise.name for exercise in load_catalog().exercises}
    history = History.open(data_dir, now=lambda: datetime.now(UTC)).history
    if warm:
        history.summaries()
    return history, names


def child(data_dir: Path, warm: bool) -> None:
    """One measured open; prints its figures as one JSON line."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv[:1])
    # The history opens from a running app: fonts and the platform are warm. A painted stand-in for the
    # main window pays those one-time costs before the measurement, as the real main window would.
    main_window = QLabel("Psoas Desktop — main window stand-in: 0123456789")
    main_window.resize(800, 600)
    main_window.show()
    QTest.qWaitForWindowExposed(main_window)
    main_window.repaint()
    started_import = time.perf_counter()
    from psoas_desktop.qt.history import window as history_view

    import_ms = (time.perf_counter() - started_import) * 1000
    history, names = open_history(data_dir, warm)
    reads = WindowReads(history)  # as the app hands the history to the window (HistoryLink.open_history)
    gc.collect()  # the setup's allocations are not the window's: no collection debt carried into it

    beats: list[float] = []
    marks: dict[str, float] = {}
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    windows: list[object] = []

    class FirstPaintAfterReady(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "ready" in marks and "painted" not in marks:
                marks["painted"] = time.perf_counter()
                QTimer.singleShot(0, finish)
            return False

    probe = FirstPaintAfterReady()

    def open_window() -> None:
        marks["open"] = time.perf_counter()
        window = history_view.HistoryWindow(reads, names, 3, TZ, lambda: TODAY)

        def on_ready() -> None:
            marks.setdefault("ready", time.perf_counter())
            chart = window.weeks_page.sessions_plot  # built by the time the data is in
            assert chart is not None
            chart.widget.viewport().installEventFilter(probe)

        window.ready.connect(on_ready)
        window.show()
        windows.append(window)

    def finish() -> None:
        heartbeat.stop()
        app.quit()

    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(finish)
    watchdog.start(30_000)
    heartbeat.start()
    QTimer.singleShot(100, open_window)  # let the heartbeat settle first
    app.exec()
    watchdog.stop()
    if "painted" not in marks:
        raise SystemExit("the history window never drew its chart (watchdog fired)")
    summarize_ms = float("nan")
    if warm:  # after the measured open, so its reads do not warm anything the app would not have warm
        started_summary = time.perf_counter()
        since = local_midnight(range_start(TODAY, 12), TZ)
        summarize(read_snapshot(reads, since), 12, 3, TZ, TODAY)
        summarize_ms = (time.perf_counter() - started_summary) * 1000
    # The gaps between heartbeats from the last one before the open to the chart's first paint.
    before = max((b for b in beats if b < marks["open"]), default=marks["open"])
    during = [b for b in beats if marks["open"] <= b <= marks["painted"]]
    points = [before, *during, marks["painted"]]
    gaps = sorted(((later - earlier) * 1000, earlier) for earlier, later in itertools.pairwise(points))
    block_ms = gaps[-1][0]
    worst = [(round(ms, 1), round((at - marks["open"]) * 1000, 1)) for ms, at in gaps[-3:]]
    print(
        json.dumps(
            {
                "open_ms": (marks["painted"] - marks["open"]) * 1000,
                "ready_ms": (marks["ready"] - marks["open"]) * 1000,
                "block_ms": block_ms,
                "summarize_ms": summarize_ms,
                "import_ms": import_ms,
                "sessions": len(history.summaries()),
                "worst_gaps_ms_at": worst,  # (gap, its start after the open), for diagnosis
            }
        ),
        flush=True,
    )


def measure(data_dir: Path, warm: bool) -> list[dict[str, float]]:
    results = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_history_view", "--child", str(data_dir), str(int(warm))],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="psoas-bench-history-view-") as tmp:
        data_dir = Path(tmp)
        generate_ten_years(data_dir)
        warm = measure(data_dir, warm=True)
        cold = measure(data_dir, warm=False)
    emit("history.sessions_10y", warm[0]["sessions"], "sessions", None)
    emit("history.import_ms", statistics.median(r["import_ms"] for r in warm), "ms", None)
    emit("history.summarize_ms_10y", statistics.median(r["summarize_ms"] for r in warm), "ms", None)
    emit("history.ready_ms_10y", statistics.median(r["ready_ms"] for r in warm), "ms", None)
    emit("history.open_and_chart_ms_10y", statistics.median(r["open_ms"] for r in warm), "ms", "<= 150")
    # The first open after start, nothing cached: SQLite → snapshot in the worker.
    emit("history.open_and_chart_cold_ms_10y", statistics.median(r["open_ms"] for r in cold), "ms", "<= 250")
    emit("history.gui_block_max_ms", max(r["block_ms"] for r in warm + cold), "ms", "<= 50")


if __name__ == "__main__":
    if "--child" in sys.argv[1:]:
        child(Path(sys.argv[2]), sys.argv[3] == "1")
    else:
        main()
