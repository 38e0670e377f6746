"""Opening the history window over ten years of heavy use (≈18,000 sessions), on the real event loop.

Each run is a fresh process (offscreen). Outside the measurement it paints a stand-in main window (fonts
and platform warm, as in the running app), imports the history view (pyqtgraph, numpy) and generates the
history; then it starts a 5 ms PreciseTimer heartbeat and opens the window from inside the event loop
(construct + show in one slot, as the app's menu action does).

- ``history.open_and_chart_ms_10y``: construction → the first ``ready`` → the first paint of the weekly
  chart after it (median of the runs).
- ``history.gui_block_max_ms``: the longest gap between heartbeats over that span, i.e. the longest the GUI
  thread could not react (worst of the runs). Construction itself counts: it runs inside the loop.
- ``history.summarize_ms_10y``: the aggregation alone, as the worker runs it (median), for reference.
- ``history.import_ms``: importing the history view module, which the app pays once on first open.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from benchmarks.report import emit

RUNS = 5
YEARS = 10
TODAY = date(2026, 11, 18)
TZ = ZoneInfo("Europe/Berlin")
HEARTBEAT_MS = 5


def generate_history(seed: int = 2026) -> tuple[list[object], dict[str, str]]:
    """About five sessions a day for ten years: mostly completed, some stopped, a third with a check-in."""
    from psoas_desktop.core.catalog import load_catalog
    from psoas_desktop.core.stats import SessionSummary

    catalog = load_catalog()
    names = {exercise.id: exercise.name for exercise in catalog.exercises}
    routines = [routine.id for routine in catalog.routines]
    exercise_ids = list(names)
    rng = random.Random(seed)
    history: list[object] = []
    first = TODAY - timedelta(days=365 * YEARS)
    for offset in range((TODAY - first).days + 1):
        day = first + timedelta(days=offset)
        for _ in range(rng.choice((3, 4, 5, 5, 6, 7))):
            started = datetime(
                day.year, day.month, day.day, rng.randrange(6, 22), rng.randrange(60), tzinfo=TZ
            )
            status = rng.choices(("completed", "stopped", "interrupted"), (90, 7, 3))[0]
            done = rng.sample(exercise_ids, k=rng.randint(1, len(exercise_ids)))
            seconds = {ex: float(rng.randrange(40, 400)) for ex in done}
            rated = rng.random() < 0.33
            history.append(
                SessionSummary(
                    session_id=len(history) + 1,
                    started=started,
                    status=status,
                    routine=rng.choice(routines),
                    level="standard",
                    hold_seconds=sum(seconds.values()),
                    exercise_seconds=seconds,
                    tightness_left=rng.randint(0, 10) if rated else None,
                    tightness_right=rng.randint(0, 10) if rated else None,
                    ended=started + timedelta(minutes=20),
                )
            )
    return history, names


def child() -> None:
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
    from psoas_desktop.qt import history_view

    import_ms = (time.perf_counter() - started_import) * 1000
    history, names = generate_history()

    started_summary = time.perf_counter()
    history_view.summarize(history, 12, 3, TZ, TODAY)  # type: ignore[arg-type]
    summarize_ms = (time.perf_counter() - started_summary) * 1000
    gc.collect()  # the setup's allocations are not the window's: no collection debt carried into it

    class Source:
        def summaries(self) -> list[object]:
            return history

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
        window = history_view.HistoryWindow(Source(), names, 3, TZ, lambda: TODAY)  # type: ignore[arg-type]

        def on_ready() -> None:
            marks.setdefault("ready", time.perf_counter())
            chart = window.sessions_plot  # built by the time the data is in
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
                "sessions": len(history),
                "worst_gaps_ms_at": worst,  # (gap, its start after the open), for diagnosis
            }
        ),
        flush=True,
    )


def main() -> None:
    results = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_history_view", "--child"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")},
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    emit("history.sessions_10y", results[0]["sessions"], "sessions", None)
    emit("history.import_ms", statistics.median(r["import_ms"] for r in results), "ms", None)
    emit("history.summarize_ms_10y", statistics.median(r["summarize_ms"] for r in results), "ms", None)
    emit("history.ready_ms_10y", statistics.median(r["ready_ms"] for r in results), "ms", None)
    emit("history.open_and_chart_ms_10y", statistics.median(r["open_ms"] for r in results), "ms", "<= 150")
    emit("history.gui_block_max_ms", max(r["block_ms"] for r in results), "ms", "<= 50")


if __name__ == "__main__":
    if "--child" in sys.argv[1:]:
        child()
    else:
        main()
