"""The log file on a disk that fills up: one line on standard error, not a traceback per record."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import pytest

from psoas_desktop.app.log_file import LogFileHandler


class FullDiskStream:
    """A file whose every write and flush fails as on a full disk."""

    def __init__(self) -> None:
        self.closed = False

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        self.closed = True
        self.flush()


@pytest.fixture
def logger() -> logging.Logger:
    logger = logging.getLogger("psoas_desktop.test_log_file")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_a_full_disk_stops_the_log_file_with_one_line_and_no_tracebacks(
    tmp_path: Path, logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = LogFileHandler(tmp_path / "psoas-desktop.log")
    full = FullDiskStream()
    opened = handler.setStream(full)  # type: ignore[arg-type]
    assert opened is not None
    opened.close()
    logger.addHandler(handler)
    try:
        for number in range(5):
            logger.warning("history: Not saved: the disk is full (%d).", number)
    finally:
        logger.removeHandler(handler)
        handler.close()
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Logging error" not in err
    (line,) = err.splitlines()
    assert "psoas-desktop.log cannot be written" in line and "No space left on device" in line
    assert handler.failed and full.closed


def test_a_writable_log_file_gets_every_record(tmp_path: Path, logger: logging.Logger) -> None:
    handler = LogFileHandler(tmp_path / "psoas-desktop.log")
    logger.addHandler(handler)
    try:
        logger.info("one")
        logger.info("two")
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert (tmp_path / "psoas-desktop.log").read_text(encoding="utf-8") == "one\ntwo\n"
