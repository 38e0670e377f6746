"""The sync journal against real faults: a full disk (the kernel's ENOSPC, from /dev/full), a write cut
short mid-line, and a read-only sync folder (as an unprivileged user: CI is root, which ignores permissions).
Each gives a warning naming the journal, local history is saved all the same, and once the fault is gone the
next attach writes the whole history again, so the other devices get everything, once.

(test_sync_merge.py has the quick version of the first two, with os.write failing; garbage in the sync
folder is there too.)
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_support import histories_are_closed  # noqa: F401  (autouse: closes every History opened)
from sync_support import Device

from helpers.unprivileged import python_child
from psoas_desktop.storage.journal import FOLDER_NAME, journal_path

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CHILD = Path(__file__).with_name("journal_writer.py")
DEV_FULL = Path("/dev/full")


@pytest.fixture
def sync_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "Sync"
    folder.mkdir()
    return folder


def own_journal(device: Device) -> Path:
    device_id = device.history.device_id()
    assert device_id is not None
    return journal_path(device.sync_dir, device_id)


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full here (Linux has it)")
def test_a_journal_on_a_full_disk_warns_and_history_is_still_saved(tmp_path: Path, sync_dir: Path) -> None:
    home = Device(tmp_path, "home", sync_dir, attach=False)
    home.record(T0 - timedelta(days=1))
    journal = own_journal(home)
    journal.parent.mkdir(parents=True)
    journal.symlink_to(DEV_FULL)  # every write to it fails as on a full disk: ENOSPC, from the kernel
    home.attach()  # joining: the whole history, which does not fit
    home.record(T0)
    sessions = home.history.sessions()
    assert len(sessions) == 2 and all(len(home.history.entries(s.id)) == 2 for s in sessions)
    assert home.warnings, "no warning"
    assert all("cannot be written (the disk is full)" in w and str(journal) in w for w in home.warnings)
    assert "still saved here" in home.warnings[0]

    journal.unlink()  # space again
    home.history.close()
    home = Device(tmp_path, "home", sync_dir)  # the next attach writes the whole history
    assert home.warnings == []
    work = Device(tmp_path, "work", sync_dir)
    result = work.merge()
    assert (result.new_sessions, result.warnings) == (2, [])
    assert work.state() == home.state()


def test_a_journal_write_cut_short_by_a_full_disk_loses_nothing(
    tmp_path: Path, sync_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills in the middle of a line: half of it is on disk. The next line still starts on a line
    of its own, the half line is skipped (with a warning), and everything arrives."""
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0 - timedelta(days=1))
    real_write = os.write
    room = [True]

    def fills_up(fd: int, data: bytes) -> int:
        if not room[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        room[0] = False
        return real_write(fd, bytes(data)[: len(data) // 2])  # what fitted; nothing more will

    with monkeypatch.context() as full:
        full.setattr(os, "write", fills_up)
        home.record(T0)
    assert len(home.history.sessions()) == 2 and home.warnings
    assert not own_journal(home).read_bytes().endswith(b"\n")  # half a line on disk
    home.history.close()
    home = Device(tmp_path, "home", sync_dir)
    assert own_journal(home).read_bytes().endswith(b"\n")
    result = work.merge()
    assert result.new_sessions == 2
    (warning,) = result.warnings
    assert "1 damaged line(s) skipped" in warning
    assert work.state() == home.state()


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """pytest's tmp_path lives under a 0700 folder another user cannot enter."""
    path = Path(tempfile.mkdtemp(prefix="psoas-sync-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for folder in (path, *path.rglob("*")):
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o755)
        shutil.rmtree(path)


@pytest.mark.slow
def test_a_read_only_sync_folder_warns_and_history_is_still_saved(world_readable_dir: Path) -> None:
    child = python_child(CHILD, world_readable_dir)  # as nobody when we are root
    data = world_readable_dir / "data"
    data.mkdir()
    data.chmod(0o777)
    sync = world_readable_dir / "Sync"
    (sync / FOLDER_NAME).mkdir(parents=True)
    for folder in (sync, sync / FOLDER_NAME):
        folder.chmod(0o555)
    writer = subprocess.run(
        [*child.command, str(data), str(sync)],
        env=child.env,
        cwd=child.cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert writer.returncode == 0 and "Traceback" not in writer.stderr, writer.stderr
    outcome = json.loads(writer.stdout)
    assert (outcome["sessions"], outcome["entries"]) == (1, 2)  # saved here all the same
    assert outcome["warnings"], outcome
    assert all("cannot be written (the sync folder is read-only)" in w for w in outcome["warnings"])
    assert list((sync / FOLDER_NAME).iterdir()) == []

    for folder in (sync, sync / FOLDER_NAME):
        folder.chmod(0o777)  # writable again: the next attach writes the whole history
    home = Device(world_readable_dir, "data", sync)
    assert home.warnings == []
    work = Device(world_readable_dir, "work", sync)
    assert work.merge().new_sessions == 1
    assert work.state() == home.state() and len(work.state()) == 3  # the session and its two holds
