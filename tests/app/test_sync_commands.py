"""The command line's sync, import and device commands, and `history --json`'s devices: in this process
(`main`) for the figures, in a real process for the exit codes; and, while a window holds the data folder,
the same commands answered by that window over the single-instance socket."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from helpers.sync_devices import OtherComputer
from psoas_desktop.app import single_instance, sync_commands
from psoas_desktop.app.cli import main
from psoas_desktop.app.history_link import HistoryLink
from psoas_desktop.app.single_instance import InstanceServer
from psoas_desktop.app.sync_link import SyncLink
from psoas_desktop.app.window_commands import WindowCommands
from psoas_desktop.app.writer_lock import WriterLock, acquire_writer_lock
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.settings import AppSettings
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.store import SettingsStore
from psoas_desktop.storage import global_ids, schema
from psoas_desktop.storage.global_ids import host_name
from psoas_desktop.storage.history import History
from psoas_desktop.storage.journal import FOLDER_NAME, journal_path

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


class Folders:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "home"
        self.config = root / "config"
        self.sync = root / "Sync"
        self.sync.mkdir()

    def args(self, *command: str, sync: Path | None = None) -> list[str]:
        extra = [] if sync is None else ["--sync-dir", str(sync)]
        return [*command, "--data-dir", str(self.data), "--config-dir", str(self.config), *extra]


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path)


@pytest.fixture
def work(folders: Folders) -> Iterator[OtherComputer]:
    computer = OtherComputer(folders.root / "work", folders.sync, now)
    yield computer
    computer.close()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psoas_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def cli(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def history_of(data_dir: Path) -> History:
    opened = History.open(data_dir, now=now, read_only=True)
    assert opened.messages == ()
    return opened.history


def session_uuids(data_dir: Path) -> set[str | None]:
    with history_of(data_dir) as history:
        return {s.uuid for s in history.sessions()}


# -- sync ----------------------------------------------------------------------------------------------------


def test_sync_without_a_folder_is_one_line_and_exit_2(folders: Folders) -> None:
    result = run(*folders.args("sync"))
    assert result.returncode == 2 and result.stdout == ""
    assert (
        result.stderr.count("\n") == 1 and "no sync folder" in result.stderr and "--sync-dir" in result.stderr
    )


@pytest.mark.parametrize("where", ["sync inside data", "data inside sync"])
def test_sync_refuses_a_folder_the_guards_refuse(
    folders: Folders, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    folders.data.mkdir()
    sync = folders.data / "Sync" if where == "sync inside data" else folders.root
    code, out, err = cli(capsys, folders.args("sync", sync=sync))
    assert (code, out) == (2, "") and err.count("\n") == 1 and where.split(maxsplit=1)[0] in err
    assert not (folders.data / "history.sqlite3").exists()  # nothing was written


def test_sync_writes_this_computers_journal_and_merges_the_others_once(
    folders: Folders, work: OtherComputer, capsys: pytest.CaptureFixture[str]
) -> None:
    work.record(T0)
    work.record(T0 + timedelta(days=1))
    assert cli(capsys, folders.args("sync", sync=folders.sync)) == (
        0,
        "merged 2 new sessions from 1 devices\n",
        "",
    )
    assert cli(capsys, folders.args("sync", sync=folders.sync))[1] == "merged 0 new sessions from 1 devices\n"
    assert session_uuids(folders.data) == {s.uuid for s in work.history.sessions()}
    with history_of(folders.data) as home:
        device = home.device_id()
    assert device is not None and journal_path(folders.sync, device).exists()  # joined: the others get ours


def test_sync_uses_the_setting_and_sync_dir_overrides_it_for_one_run(
    folders: Folders, work: OtherComputer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    work.record(T0)
    SettingsStore(folders.config).save(AppSettings(sync_folder=str(folders.sync)))
    elsewhere = tmp_path / "Elsewhere"
    assert cli(capsys, folders.args("sync", sync=elsewhere))[1] == "merged 0 new sessions from 0 devices\n"
    assert cli(capsys, folders.args("sync"))[1] == "merged 1 new sessions from 1 devices\n"
    assert cli(capsys, ["--sync-dir", str(elsewhere), *folders.args("sync")])[1].startswith("merged 0 ")


def test_a_damaged_journal_is_one_warning_line_and_the_rest_merges_with_exit_0(folders: Folders) -> None:
    other = OtherComputer(folders.root / "work", folders.sync, now)
    other.record(T0)
    other.close()
    (folders.sync / FOLDER_NAME / "garbage.jsonl").write_text("{not json\n", encoding="utf-8")
    result = run(*folders.args("sync", sync=folders.sync))
    assert result.returncode == 0 and result.stdout.startswith("merged 1 new sessions from ")
    (line,) = result.stderr.splitlines()
    assert "garbage.jsonl" in line and "damaged" in line


def test_progress_goes_to_stderr_only_when_a_person_watches(monkeypatch: pytest.MonkeyPatch) -> None:
    assert sync_commands._progress() is None  # captured: not a terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    show = sync_commands._progress()
    assert show is not None
    for done in range(3):
        show(done, 2)
    assert terminal.getvalue() == "\rmerging journals: 0/2\rmerging journals: 1/2\rmerging journals: 2/2\n"


# -- history --json and the device's name ----------------------------------------------------------------------


def test_history_json_lists_the_devices_with_all_their_sessions_and_the_device_can_be_renamed(
    folders: Folders, work: OtherComputer, capsys: pytest.CaptureFixture[str]
) -> None:
    for day in range(3):
        work.record(T0 - timedelta(weeks=100 + day))  # long before the report's weeks: counted all the same
    work.history.submit_rename_device("Work laptop").result()
    cli(capsys, folders.args("sync", sync=folders.sync))
    code, out, _err = cli(capsys, ["history", "--json", "--data-dir", str(folders.data)])
    devices = json.loads(out)["devices"]
    work_id = work.history.device_id()
    with history_of(folders.data) as home:
        home_id = home.device_id()
    assert devices == [
        {"id": home_id, "name": host_name(), "sessions": 0},
        {"id": work_id, "name": "Work laptop", "sessions": 3},
    ]
    assert cli(capsys, folders.args("device", "--name", "  Home   desk ", sync=folders.sync)) == (
        0,
        "this computer is now called Home desk\n",
        "",
    )
    assert cli(capsys, folders.args("device")) == (0, f"{home_id}\tHome desk\n", "")
    code, out, err = cli(capsys, folders.args("device", "--name", "   "))
    assert (code, out) == (2, "") and "cannot be empty" in err
    work.history.submit_merge(folders.sync).result()  # the new name travels in the journal
    assert {d.id: d.name for d in work.history.devices()}[str(home_id)] == "Home desk"


def test_device_before_any_history_says_so(folders: Folders, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, folders.args("device"))
    assert (code, out) == (2, "") and "no history yet" in err


# -- import ----------------------------------------------------------------------------------------------------


def export_of(data_dir: Path, target: Path) -> Path:
    assert main(["export", "--format", "json", "--data-dir", str(data_dir), "-o", str(target)]) == 0
    return target


def test_import_of_a_version_2_export_adds_its_sessions_once(
    folders: Folders, work: OtherComputer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    work.record(T0)
    work.record(T0 + timedelta(days=1))
    work.history.add_checkin(work.history.sessions()[0].id, "left", 3, "better")
    exported = export_of(work.data_dir, tmp_path / "work.json")
    assert cli(capsys, folders.args("import", str(exported))) == (0, "imported 2 new sessions\n", "")
    assert cli(capsys, folders.args("import", str(exported)))[1] == "imported 0 new sessions\n"
    assert session_uuids(folders.data) == {s.uuid for s in work.history.sessions()}
    with history_of(folders.data) as home:
        (checkin,) = home.checkins()
        assert (checkin.uuid, checkin.note) == (work.history.checkins()[0].uuid, "better")
        assert {d.name for d in home.devices()} == {host_name()}  # work's own name, as exported
        assert home.completed_with_dose("quick-stretch", "x") == 0


OLD_START = "2026-03-01T08:00:00.000000+00:00"


def version_2_history(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A history as the version before global ids wrote it: one session with a hold and a check-in."""
    data_dir.mkdir(parents=True)
    db = data_dir / "history.sqlite3"
    with monkeypatch.context() as old_app:
        old_app.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
        schema.create(db)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO sessions (id, routine, level, started_utc, utc_offset_seconds, ended_utc, status)"
            f" VALUES (1, 'psoas-3', 'standard', '{OLD_START}', 3600,"
            " '2026-03-01T08:10:00.000000+00:00', 'completed')"
        )
        conn.execute(
            "INSERT INTO entries VALUES (1, 0, '2026-03-01T08:00:05.000000+00:00', 'bridge', NULL, 1, 1, 20,"
            " 20, 3600, 'completed')"
        )
        conn.execute(
            "INSERT INTO checkins (session_id, side, tightness, note, created_utc)"
            " VALUES (1, 'left', 4, 'ok', '2026-03-01T08:11:00.000000+00:00')"
        )
    conn.close()


# The same history as that version's `export --format json` wrote it (version 1: integer ids, no uuid).
VERSION_1_EXPORT = {
    "format": "psoas-desktop-history",
    "version": 1,
    "sessions": [
        {
            "id": 1,
            "routine": "psoas-3",
            "routine_name": None,
            "routine_hash": None,
            "level": "standard",
            "started": "2026-03-01T09:00:00+01:00",
            "utc_offset_seconds": 3600,
            "ended_utc": "2026-03-01T08:10:00+00:00",
            "status": "completed",
            "entries": [
                {
                    "exercise": "bridge",
                    "side": None,
                    "set_number": 1,
                    "rep": 1,
                    "planned_seconds": 20.0,
                    "actual_seconds": 20.0,
                    "started": "2026-03-01T09:00:05+01:00",
                    "utc_offset_seconds": 3600,
                    "status": "completed",
                    "phase_index": 0,
                }
            ],
            "checkins": [
                {"side": "left", "tightness": 4, "note": "ok", "created_utc": "2026-03-01T08:11:00+00:00"}
            ],
        }
    ],
}


def test_an_old_export_gets_the_uuids_the_migration_gives_the_same_session(
    folders: Folders, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old_laptop = tmp_path / "old"
    version_2_history(old_laptop, monkeypatch)
    History.open(old_laptop, now=now).history.close()  # the new version migrates it: content-derived ids
    exported = tmp_path / "v1.json"
    exported.write_text(json.dumps(VERSION_1_EXPORT), encoding="utf-8")
    assert cli(capsys, folders.args("import", str(exported)))[1] == "imported 1 new sessions\n"
    assert cli(capsys, folders.args("import", str(exported)))[1] == "imported 0 new sessions\n"
    expected = global_ids.session_uuid("psoas-3", "standard", OLD_START, 3600)
    assert session_uuids(folders.data) == session_uuids(old_laptop) == {expected}
    with history_of(folders.data) as imported, history_of(old_laptop) as migrated:
        assert [c.uuid for c in imported.checkins()] == [c.uuid for c in migrated.checkins()]
        assert [(e.exercise, e.actual_seconds) for e in imported.entries(imported.sessions()[0].id)] == [
            ("bridge", 20.0)
        ]
        assert (
            imported.sessions()[0].device == imported.device_id()
        )  # an old file's sessions: this computer's
    code, out, _err = cli(capsys, ["import", str(exported), "--data-dir", str(old_laptop)])
    assert (code, out) == (0, "imported 0 new sessions\n")  # already there, migrated


def bad_files() -> list[tuple[str, str, str]]:
    def with_session(**changes: Any) -> str:
        session = {**VERSION_1_EXPORT["sessions"][0], **changes}  # type: ignore[index]
        return json.dumps({**VERSION_1_EXPORT, "sessions": [session]})

    return [
        ("not json", "{", "not JSON (line 1"),
        ("another format", json.dumps({"format": "something-else", "version": 1}), "not a Psoas Desktop"),
        ("a newer version", json.dumps({**VERSION_1_EXPORT, "version": 3}), "export version 3"),
        ("a missing field", with_session(routine=None), "sessions[0]: 'routine' must be a text, not null"),
        ("a time without offset", with_session(started="2026-03-01T09:00:00"), "'started' must be a time"),
        ("a bad status", with_session(status="paused"), "'status' must be 'running' or"),
        (
            "a bad hold",
            with_session(entries=[{"exercise": "bridge"}]),
            "sessions[0].entries[0]: 'set_number' must be a whole",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "message"), [case[1:] for case in bad_files()], ids=[c[0] for c in bad_files()]
)
def test_an_invalid_file_is_one_line_exit_2_and_changes_nothing(
    folders: Folders, work: OtherComputer, tmp_path: Path, text: str, message: str
) -> None:
    work.record(T0)
    before = export_of(work.data_dir, tmp_path / "before.json").read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    work.close()
    result = run("import", str(bad), "--data-dir", str(work.data_dir), "--config-dir", str(folders.config))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr and str(bad) in result.stderr
    after = export_of(work.data_dir, tmp_path / "after.json").read_text(encoding="utf-8")
    assert after == before


def test_a_missing_file_is_one_line_exit_2(folders: Folders, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, folders.args("import", str(folders.root / "nope.json")))
    assert (code, out) == (2, "") and "cannot be read (No such file or directory)" in err


def test_with_a_sync_folder_the_imported_sessions_reach_the_other_computers(
    folders: Folders, work: OtherComputer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = OtherComputer(tmp_path / "old", None, now)  # a laptop that never synced
    old.record(T0)
    exported = export_of(old.data_dir, tmp_path / "old.json")
    old.close()
    SettingsStore(folders.config).save(AppSettings(sync_folder=str(folders.sync)))
    assert cli(capsys, folders.args("import", str(exported)))[1] == "imported 1 new sessions\n"
    assert work.history.submit_merge(folders.sync).result().new_sessions == 1


# -- while the window holds the data folder ----------------------------------------------------------------------


class RunningWindow:
    """The window's side: its history, writer lock, sync link and socket, in this process."""

    def __init__(self, qtbot: QtBot, folders: Folders) -> None:
        self.qtbot = qtbot
        folders.data.mkdir(parents=True, exist_ok=True)
        self.lock: WriterLock = acquire_writer_lock(folders.data)
        assert self.lock.held
        opened = History.open(folders.data, now=now)
        self.history = opened.history
        clock = FakeClock()
        self.window = MainWindow(load_catalog(), SettingsStore(folders.config), AppSettings(), clock)
        qtbot.addWidget(self.window)
        self.link = HistoryLink(
            self.window, self.history, tz=UTC, today=T0.date, now=now, export_dir=folders.root
        )
        self.sync = SyncLink(self.link, folders.data, "")
        self.server = InstanceServer(
            folders.data, lambda _name: False, commands=WindowCommands(self.link, self.sync)
        )
        assert self.server.listen()

    def close(self) -> None:
        self.server.close()
        self.sync.close()
        self.link.close()
        self.lock.release()


@pytest.fixture
def running(qtbot: QtBot, folders: Folders, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningWindow]:
    window = RunningWindow(qtbot, folders)

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the command line opened the history the window holds")

    monkeypatch.setattr(History, "open", not_here)
    yield window
    window.close()


def in_thread(qtbot: QtBot, args: list[str]) -> int:
    """The command line in a thread (it waits on its socket) while this thread runs the window's loop."""
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(main(args)), name="command line")
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=20_000)
    thread.join()
    return codes[0]


def test_sync_while_the_window_runs_is_done_by_the_window(
    qtbot: QtBot,
    folders: Folders,
    work: OtherComputer,
    running: RunningWindow,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work.record(T0)
    (folders.sync / FOLDER_NAME / "garbage.jsonl").write_text("{broken\n", encoding="utf-8")
    assert in_thread(qtbot, folders.args("sync", sync=folders.sync)) == 0
    out, err = capsys.readouterr()
    assert out == "merged 1 new sessions from 2 devices\n"
    assert err.count("\n") == 1 and "garbage.jsonl" in err
    assert len(running.history.sessions()) == 1
    device = running.history.device_id()
    assert device is not None and journal_path(folders.sync, device).exists()


def test_import_and_rename_while_the_window_runs_are_done_by_the_window(
    qtbot: QtBot, folders: Folders, running: RunningWindow, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    exported = tmp_path / "work.json"
    exported.write_text(
        json.dumps({**VERSION_1_EXPORT, "sessions": [{**VERSION_1_EXPORT["sessions"][0]}]}),  # type: ignore[index]
        encoding="utf-8",
    )
    assert in_thread(qtbot, folders.args("import", str(exported))) == 0
    assert capsys.readouterr().out == "imported 1 new sessions\n"
    assert in_thread(qtbot, folders.args("import", str(exported))) == 0
    assert capsys.readouterr().out == "imported 0 new sessions\n"
    assert in_thread(qtbot, folders.args("device", "--name", "Desk")) == 0
    assert capsys.readouterr().out == "this computer is now called Desk\n"
    assert [d.name for d in running.history.devices()] == ["Desk"]


def test_a_window_that_cannot_do_it_refuses_in_one_line_and_one_that_does_not_answer_is_exit_1(
    qtbot: QtBot,
    folders: Folders,
    running: RunningWindow,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running.server.commands = None  # an app that cannot do it now
    assert in_thread(qtbot, folders.args("sync", sync=folders.sync)) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "cannot sync now" in err
    running.server.close()  # the lock is still held, but nobody listens
    monkeypatch.setattr(single_instance, "HANDOVER_PATIENCE_SECONDS", 0.0)
    assert in_thread(qtbot, folders.args("sync", sync=folders.sync)) == 1
    assert "did not answer" in capsys.readouterr().err
