"""Whether a writer runs, as a command-line reader judges it from the lock file (without taking it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from psoas_desktop.app.writer_lock import LOCK_FILE_NAME, acquire_writer_lock, writer_running

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def a_dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    return int(finished.stdout)


def write_lock(folder: Path, pid: int, host: str, boot_id: str) -> None:
    """The lock file as QLockFile writes it: pid, app name, host name, machine id, boot id."""
    (folder / LOCK_FILE_NAME).write_text(f"{pid}\npython3\n{host}\nmachine\n{boot_id}\n", encoding="utf-8")


def this_boot() -> str:
    return BOOT_ID.read_text(encoding="ascii").strip() if BOOT_ID.exists() else ""


def test_no_lock_file_means_no_writer(tmp_path: Path) -> None:
    assert not writer_running(tmp_path)


def test_a_held_lock_is_a_running_writer_and_a_released_one_is_not(tmp_path: Path) -> None:
    lock = acquire_writer_lock(tmp_path)
    assert lock.held and writer_running(tmp_path)
    lock.release()
    assert not writer_running(tmp_path)


def test_a_lock_left_by_a_process_that_is_gone_is_no_writer(tmp_path: Path) -> None:
    write_lock(tmp_path, a_dead_pid(), socket.gethostname(), this_boot())
    assert not writer_running(tmp_path)
    write_lock(tmp_path, os.getpid(), socket.gethostname(), this_boot())
    assert writer_running(tmp_path)


@pytest.mark.skipif(not BOOT_ID.exists(), reason="no boot id on this system")
def test_a_lock_written_before_the_last_boot_is_no_writer(tmp_path: Path) -> None:
    write_lock(tmp_path, os.getpid(), socket.gethostname(), "00000000-0000-0000-0000-000000000000")
    assert not writer_running(tmp_path)


def test_a_lock_from_another_machine_or_unreadable_counts_as_running(tmp_path: Path) -> None:
    """A shared folder: a process on another host cannot be checked from here, so it is not called gone."""
    write_lock(tmp_path, a_dead_pid(), "some-other-host", this_boot())
    assert writer_running(tmp_path)
    (tmp_path / LOCK_FILE_NAME).write_text("garbage", encoding="utf-8")
    assert writer_running(tmp_path)
