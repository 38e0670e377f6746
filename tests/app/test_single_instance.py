"""The single-instance socket: where it lives."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from psoas_desktop.app.single_instance import InstanceServer, Request, hand_over, server_name, socket_folder

LOGGER = "psoas_desktop.app.single_instance"


# -- where the socket lives ----------------------------------------------------------------------------------


@pytest.fixture
def no_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No XDG_RUNTIME_DIR, and a temp dir of this test's own; returns where our folder goes."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / f"psoas-desktop-{os.getuid()}"


def test_the_runtime_dir_is_used_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert socket_folder() == tmp_path
    name = server_name(tmp_path / "data")
    assert name is not None and Path(name).parent == tmp_path


@pytest.mark.parametrize("umask", [0o022, 0o377])
def test_without_a_runtime_dir_the_socket_goes_to_a_private_folder_of_mode_700(
    no_runtime_dir: Path, umask: int
) -> None:
    previous = os.umask(umask)
    try:
        assert socket_folder() == no_runtime_dir
    finally:
        os.umask(previous)
    info = os.lstat(no_runtime_dir)
    assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == os.getuid()
    assert socket_folder() == no_runtime_dir  # found again on the next launch


def _open_folder(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o755)


def _symlink_to_elsewhere(folder: Path) -> None:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder.symlink_to(elsewhere)


def _plain_file(folder: Path) -> None:
    folder.write_text("")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_open_folder, "others may use it (mode 755, not 700)"),
        (_symlink_to_elsewhere, "it is not a plain folder"),
        (_plain_file, "it is not a plain folder"),
    ],
)
def test_an_unsafe_folder_is_refused_and_nobody_listens_there(
    no_runtime_dir: Path,
    tmp_path: Path,
    make: Callable[[Path], None],
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make(no_runtime_dir)
    caplog.set_level(logging.WARNING, logger=LOGGER)
    assert socket_folder() is None
    assert any(reason in r.getMessage() and str(no_runtime_dir) in r.getMessage() for r in caplog.records)
    server = InstanceServer(tmp_path / "data")
    assert not server.listen()
    server.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("psoas")) == [no_runtime_dir.name]
    assert hand_over(tmp_path / "data", Request(), still_locked=lambda: True, patience=60) is False


def test_a_folder_of_another_user_is_refused(
    no_runtime_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Seen as another user: the folder made by this one is not theirs."""
    real_uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real_uid + 1)
    theirs = no_runtime_dir.parent / f"psoas-desktop-{real_uid + 1}"
    theirs.mkdir(mode=0o700)  # owned by real_uid
    assert socket_folder() is None
    assert any("belongs to another user" in r.getMessage() for r in caplog.records)
