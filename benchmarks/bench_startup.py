"""Start-up: process start to the first painted main window, against a bare PySide6 QMainWindow.

Both run as fresh processes, interleaved, five times each; the figure is the median. CLOCK_MONOTONIC is
shared by all processes on Linux, so the child reports the moment of its first paint on the parent's clock.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import emit

RUNS = 5

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
from psoas_desktop.cli import main
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


def time_to_first_paint(code: str, *args: str) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=True
    )
    painted = float(result.stdout.strip().splitlines()[-1])
    return (painted - started) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data, config = Path(tmp, "data"), Path(tmp, "config")
        config.mkdir()
        (config / "psoas-desktop.ini").write_text("[app]\nwelcome_seen=true\n", encoding="utf-8")
        app_ms, bare_ms = [], []
        time_to_first_paint(BARE)  # warm the file cache once so neither side pays for it alone
        for _ in range(RUNS):
            bare_ms.append(time_to_first_paint(BARE))
            app_ms.append(time_to_first_paint(APP, str(data), str(config)))
    app_median, bare_median = statistics.median(app_ms), statistics.median(bare_ms)
    emit("startup.app_ms", app_median, "ms", None)
    emit("startup.bare_qt_ms", bare_median, "ms", None)
    emit("startup.ratio", app_median / bare_median, "ratio", "<= 1.5")


if __name__ == "__main__":
    main()
