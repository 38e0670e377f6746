"""The app's log file, which gives up quietly when the disk cannot take it.

logging's own FileHandler prints "--- Logging error ---" and a traceback to standard error for every record
it cannot write: on a full disk that buried the terminal under one traceback per log line. This one says
so once, in one line, and stops writing the file; the other handlers (standard error) go on.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path


class LogFileHandler(logging.FileHandler):
    """A FileHandler that, at its first write error, prints one line to standard error and stops."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8")
        self.failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)  # a bug in a log call (bad arguments): logging's usual report
            return
        if self.failed:
            return
        self.failed = True
        stream, self.stream = self.stream, None  # closed: nothing more is written
        if stream is not None:
            with contextlib.suppress(OSError):  # its unwritten buffer cannot be flushed either
                stream.close()
        print(
            f"psoas-desktop: the log file {self.baseFilename} cannot be written ({error});"
            " logging to standard error only from now on",
            file=sys.stderr,
        )
