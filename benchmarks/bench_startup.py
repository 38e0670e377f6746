"""Start-up: process start to the first painted main window, and how long the GUI thread stalls after it.

Each window runs as a fresh process, interleaved, seven times each; a figure is a median. CLOCK_MONOTONIC is
shared by all processes on Linux, so the child reports the moment of its first paint on the parent's clock.

Two reference windows, measured in the same rounds, show where the time goes (no code of ours in either):
``startup.one_label_ratio`` is the bare window with one text label — the first text drawn pays Qt's font
set-up, which the empty bare window never does; ``startup.same_widgets_ratio`` is a window of the Qt classes
our first window uses (splitter, list view with a model, combo box, buttons, a scroll area of wrapped steps,
a painted ring with large digits, menus with shortcuts, status bar, an SVG renderer).

The gate is ``startup.app_vs_same_widgets`` ≤ 1.25: our first paint against the same-widgets window's, one
ratio per round (the two run back to back, so a busy moment of the machine weighs on both) and the median of
those, so the floor is what Qt itself needs to draw that window. The ratio
against the bare window (``startup.ratio``) is a reference figure: the bare window never draws text.

``startup.gui_block_max_ms_first_5s`` ≤ 100: the real app (``python -m psoas_desktop`` on a ten-year history
copied fresh for each run, so each launch is the first of the day and pays the daily backup) runs with
``PSOAS_PROBE`` set; its probe (psoas_desktop/app/probe.py) reports the longest event-loop stall from just
before the loop starts until 5 s later. The figure is the median of the runs' maxima; the worst run and where
its stalls happened are printed too.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_history import generate_ten_years
from benchmarks.processes import end
from benchmarks.report import emit

RUNS = 7
STALL_RUNS = 3
STALL_TIMEOUT_S = 30

PROBE = """
import sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow):
            print(time.monotonic(), flush=True)
            QApplication.instance().exit(0)
        return False

app = QApplication(sys.argv[:1])
probe = FirstPaint()
app.installEventFilter(probe)
"""

APP = (
    PROBE
    + """
from psoas_desktop.app.cli import main
sys.exit(main(["--data-dir", sys.argv[1], "--config-dir", sys.argv[2]]))
"""
)

BARE = (
    PROBE
    + """
window = QMainWindow()
window.resize(1200, 760)
window.show()
sys.exit(app.exec())
"""
)


ONE_LABEL = (
    PROBE
    + """
from PySide6.QtWidgets import QLabel
window = QMainWindow()
window.resize(1200, 760)
window.setCentralWidget(QLabel("Pick a routine and press Space to start."))
window.show()
sys.exit(app.exec())
"""
)

SAME_WIDGETS = (
    PROBE
    + """
from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter, QPen
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QListView, QPushButton, QScrollArea, QSplitter,
    QVBoxLayout, QWidget,
)

class Ring(QWidget):
    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#0072B2"), 20))
        painter.drawArc(self.rect().adjusted(30, 30, -30, -30), 90 * 16, 300 * 16)
        font = QFont()
        font.setPixelSize(150)
        painter.setFont(font)
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "24")

window = QMainWindow()
window.resize(1200, 760)
left = QWidget()
left_layout = QVBoxLayout(left)
routines = QComboBox()
routines.addItems(["Psoas 3", "Quick stretch", "Full psoas care"])
left_layout.addWidget(routines)
exercises = QListView()
exercises.setModel(QStringListModel(["Warm-up", "Bridge", "Standing Hip-Flexion", "Kneeling Psoas Stretch"]))
exercises.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
left_layout.addWidget(exercises)
centre = QWidget()
centre_layout = QVBoxLayout(centre)
centre_layout.addWidget(Ring(), 1)
buttons = QHBoxLayout()
for text in ("Back", "Start", "Skip", "Stop", "Mat mode", "Compact"):
    buttons.addWidget(QPushButton(text))
centre_layout.addLayout(buttons)
steps = QWidget()
steps_layout = QVBoxLayout(steps)
for number in range(1, 25):
    label = QLabel(f"{number}. One step of the exercise in plain words, long enough to wrap onto a second line.")
    label.setWordWrap(True)
    steps_layout.addWidget(label)
pane = QScrollArea()
pane.setWidget(steps)
pane.setWidgetResizable(True)
splitter = QSplitter(Qt.Orientation.Horizontal)
for part in (left, centre, pane):
    splitter.addWidget(part)
window.setCentralWidget(splitter)
for title in ("&Session", "&View", "&Help"):
    menu = window.menuBar().addMenu(title)
    for key in range(5):
        action = QAction(f"Item {key}", window)
        action.setShortcut(QKeySequence(f"Ctrl+{key}"))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        menu.addAction(action)
renderer = QSvgRenderer()
window.statusBar().showMessage("Pick a routine and press Space to start.")
window.show()
sys.exit(app.exec())
"""
)


def time_to_first_paint(code: str, *args: str) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=True
    )
    painted = float(result.stdout.strip().splitlines()[-1])
    return (painted - started) * 1000


def longest_stall(history: Path, tmp: Path, run: int) -> dict[str, object]:
    """One launch of the real app on a fresh copy of ``history``; the probe's stall record."""
    data, config, record = tmp / f"stall-data-{run}", tmp / f"stall-config-{run}", tmp / f"stall-{run}.jsonl"
    shutil.copytree(history, data)
    config.mkdir()
    (config / "psoas-desktop.ini").write_text("[app]\nwelcome_seen=true\n", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PSOAS_PROBE": str(record)}
    command = [sys.executable, "-m", "psoas_desktop", "--data-dir", str(data), "--config-dir", str(config)]
    app = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STALL_TIMEOUT_S
        while time.monotonic() < deadline and app.poll() is None:
            if record.exists():
                for line in record.read_text(encoding="utf-8").splitlines():
                    found = json.loads(line)
                    if found.get("probe") == "stall":
                        return dict(found)
            time.sleep(0.2)
        raise RuntimeError(f"the app wrote no stall record (exit status {app.poll()})")
    finally:
        end(app)


def stalls(tmp: Path) -> list[dict[str, object]]:
    history = tmp / "ten-years"
    generate_ten_years(history)
    return [longest_stall(history, tmp, run) for run in range(STALL_RUNS)]


def spread(times: list[float]) -> str:
    return (
        f"median {statistics.median(times):.0f} (min {min(times):.0f}, max {max(times):.0f}, n={len(times)})"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data, config = Path(tmp, "data"), Path(tmp, "config")
        config.mkdir()
        (config / "psoas-desktop.ini").write_text("[app]\nwelcome_seen=true\n", encoding="utf-8")
        app_ms, bare_ms, label_ms, widgets_ms = [], [], [], []
        time_to_first_paint(BARE)  # warm the file cache once so neither side pays for it alone
        for _ in range(RUNS):
            bare_ms.append(time_to_first_paint(BARE))
            app_ms.append(time_to_first_paint(APP, str(data), str(config)))
            label_ms.append(time_to_first_paint(ONE_LABEL))
            widgets_ms.append(time_to_first_paint(SAME_WIDGETS))
        probes = stalls(Path(tmp))
    app_median, bare_median = statistics.median(app_ms), statistics.median(bare_ms)
    per_round = [app / widgets for app, widgets in zip(app_ms, widgets_ms, strict=True)]
    print(
        f"bench_startup: app / same widgets per round: {sorted(round(r, 2) for r in per_round)}",
        file=sys.stderr,
    )
    for name, times in (
        ("app", app_ms),
        ("bare", bare_ms),
        ("one label", label_ms),
        ("same widgets", widgets_ms),
    ):
        print(f"bench_startup: first paint, {name}: {spread(times)} ms", file=sys.stderr)
    emit("startup.app_vs_same_widgets", statistics.median(per_round), "ratio", "<= 1.25")
    maxima = [float(str(p["max_ms"])) for p in probes]
    emit("startup.gui_block_max_ms_first_5s", statistics.median(maxima), "ms", "<= 100")
    worst = max(probes, key=lambda p: float(str(p["max_ms"])))
    emit("startup.gui_block_max_ms_first_5s_worst_run", max(maxima), "ms", None, note="reference: spread")
    print(
        f"bench_startup: stalls of the worst run (ms, s after the loop started): {worst['worst']}",
        file=sys.stderr,
    )
    emit("startup.app_ms", app_median, "ms", None)
    emit("startup.bare_qt_ms", bare_median, "ms", None)
    emit("startup.ratio", app_median / bare_median, "ratio", None, note="reference: against a bare window")
    for name, times in (("one_label", label_ms), ("same_widgets", widgets_ms)):
        median = statistics.median(times)
        emit(f"startup.{name}_ms", median, "ms", None)
        emit(f"startup.{name}_ratio", median / bare_median, "ratio", None)


if __name__ == "__main__":
    main()
