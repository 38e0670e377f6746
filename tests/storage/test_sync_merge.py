"""The journal and the merge, without Qt: each device appends to its own file in the sync folder; merging
the others' files is a union by UUID that tolerates what a sync engine does to files."""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from history_support import histories_are_closed, hold  # noqa: F401  (autouse: closes every History opened)
from sync_support import Device

from psoas_desktop.storage.export import collect, render
from psoas_desktop.storage.import_export import events_from_export
from psoas_desktop.storage.journal import FOLDER_NAME, SyncFolderError, journal_path

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def sync_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "Sync"
    folder.mkdir()
    return folder


def journal_of(device: Device) -> Path:
    device_id = device.history.device_id()
    assert device_id is not None
    return journal_path(device.sync_dir, device_id)


def test_every_event_is_a_line_with_format_and_version(tmp_path: Path, sync_dir: Path) -> None:
    home = Device(tmp_path, "home", sync_dir)
    session = home.record(T0, holds=2)
    home.history.add_checkin(session, "left", 4, "better")
    lines = [json.loads(line) for line in journal_of(home).read_text("utf-8").splitlines()]
    assert {(line["format"], line["version"]) for line in lines} == {("psoas-history-journal", 1)}
    assert [line["type"] for line in lines] == ["device", "session", "hold", "hold", "end", "checkin"]


def test_a_session_recorded_on_one_device_reaches_the_other_once(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    session = home.record(T0, holds=3)
    home.history.add_checkin(session, None, 2, "")
    result = work.merge()
    assert (result.new_sessions, result.devices, result.warnings) == (1, 1, [])
    assert work.state() == home.state()
    again = work.merge()  # safe to repeat
    assert again.new_sessions == 0 and work.state() == home.state()
    names = {d.name for d in work.history.devices()}
    assert len(names) == 2 or len(work.history.devices()) == 2


def test_joining_late_writes_the_whole_history_once(tmp_path: Path, sync_dir: Path) -> None:
    home = Device(tmp_path, "home", sync_dir, attach=False)
    home.record(T0)
    home.record(T0 + timedelta(days=1))
    home.attach()
    size = journal_of(home).stat().st_size
    home.history.close()
    again = Device(tmp_path, "home", sync_dir)  # a restart: nothing written twice
    assert journal_of(again).stat().st_size == size
    work = Device(tmp_path, "work", sync_dir)
    assert work.merge().new_sessions == 2 and work.state() == again.state()


def test_a_half_written_last_line_waits_for_the_rest(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0)
    path = journal_of(home)
    whole = path.read_bytes()
    cut = whole.rfind(b"\n", 0, len(whole) - 1) + 10  # into the last line
    path.write_bytes(whole[:cut])
    assert work.merge().warnings == []
    (session,) = work.history.sessions()
    assert session.status == "running"  # the end line has not arrived yet
    path.write_bytes(whole)
    assert work.merge().warnings == [] and work.state() == home.state()


def test_a_file_that_shrank_or_was_replaced_keeps_what_was_merged(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0)
    work.merge()
    before = work.state()
    path = journal_of(home)
    path.write_bytes(b"")
    assert work.merge().warnings == [] and work.state() == before
    home.history.close()
    path.unlink()
    home = Device(tmp_path, "home", sync_dir)  # its journal gone: written again from the whole history
    home.record(T0 + timedelta(days=1))
    assert work.merge().new_sessions == 1 and work.state() == home.state()


def test_conflict_copies_and_duplicates_merge_like_any_file(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0)
    path = journal_of(home)
    copy = path.with_name(path.name[: -len(".jsonl")] + ".sync-conflict-20260301-101010-ABCDEFG.jsonl")
    copy.write_bytes(path.read_bytes())
    home.record(T0 + timedelta(days=1))
    result = work.merge()
    assert (result.new_sessions, result.devices) == (2, 1) and work.state() == home.state()


def test_lines_of_a_newer_version_are_skipped_with_one_warning(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0)
    future = {"format": "psoas-history-journal", "version": 99, "type": "session", "uuid": "x"}
    with journal_of(home).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(future) + "\n" + json.dumps(future) + "\n")
    result = work.merge()
    (warning,) = result.warnings
    assert "2 line(s) from a newer version" in warning and journal_of(home).name in warning
    assert work.state() == home.state()


def test_garbage_and_unreadable_files_are_named_and_the_rest_merges(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0)
    folder = sync_dir / FOLDER_NAME
    (folder / "garbage.jsonl").write_bytes(b"\x00\xffnot json\n{}\n[1, 2]\n")
    (folder / "notes.txt").write_text("not a journal")  # not a journal: ignored
    unreadable = folder / "locked.jsonl"
    unreadable.mkdir()  # opening it fails for root too
    result = work.merge()
    assert result.new_sessions == 1 and work.state() == home.state()
    assert len(result.warnings) == 2, result.warnings
    assert any("garbage.jsonl: 3 damaged line(s)" in w for w in result.warnings)
    assert any("locked.jsonl cannot be read" in w for w in result.warnings)
    assert [w for w in work.merge().warnings if "garbage.jsonl" in w] == []  # told once


def test_a_deleted_session_is_deleted_everywhere_and_never_returns(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    session = home.record(T0)
    home.record(T0 + timedelta(days=1))
    work.merge()
    home.history.submit_delete_session(session, "2026-03-03T10:00:00.000000+00:00").result()
    assert len(home.history.sessions()) == 1
    work.merge()
    assert work.state() == home.state() and len(work.history.sessions()) == 1
    late = Device(tmp_path, "late", sync_dir)  # reads session and tombstone together: never shows it
    late.merge()
    assert late.state() == home.state()


def test_a_deletion_on_the_receiving_device_travels_back(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0)
    work.merge()
    (merged,) = work.history.sessions()
    work.history.submit_delete_session(merged.id, "2026-03-03T10:00:00.000000+00:00").result()
    home.merge()
    assert home.history.sessions() == []


def test_the_sync_folder_and_the_data_folder_never_nest(tmp_path: Path) -> None:
    data = tmp_path / "data"
    device = Device(tmp_path, "data", tmp_path / "elsewhere", attach=False)
    with pytest.raises(SyncFolderError, match="inside the data folder"):
        device.history.submit_attach_journal(data / "sync", data)
    with pytest.raises(SyncFolderError, match="inside the sync folder"):
        device.history.submit_attach_journal(tmp_path, data)


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS])
def test_a_journal_that_cannot_be_written_warns_and_history_is_still_saved(
    tmp_path: Path, sync_dir: Path, monkeypatch: pytest.MonkeyPatch, error: int
) -> None:
    """A full disk or a read-only sync folder (the failure os.write gives; root ignores permissions)."""
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)

    def failing_write(fd: int, data: object) -> int:
        raise OSError(error, os.strerror(error))

    with monkeypatch.context() as broken:
        broken.setattr(os, "write", failing_write)  # only the journal writes with os.write here
        home.record(T0)
    assert len(home.history.sessions()) == 1  # saved here all the same
    reason = "the disk is full" if error == errno.ENOSPC else "the sync folder is read-only"
    assert home.warnings and "cannot be written" in home.warnings[0] and reason in home.warnings[0]
    home.history.close()
    home = Device(tmp_path, "home", sync_dir)  # the next attach writes the whole history again
    assert work.merge().new_sessions == 1 and work.state() == home.state()


def test_a_conflict_copy_never_undoes_a_newer_device_name(tmp_path: Path, sync_dir: Path) -> None:
    """A conflict copy is an older (or side) version of a journal, read after the journal itself."""
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.history.submit_rename_device("old name").result()
    path = journal_of(home)
    older = path.read_bytes()
    home.history.submit_rename_device("new name").result()
    path.with_name(path.stem + ".sync-conflict-20261205-120000-ABCDEFG.jsonl").write_bytes(older)
    work.merge()
    device_id = home.history.device_id()
    assert {d.id: d.name for d in work.history.devices()}[str(device_id)] == "new name"


def test_a_conflict_copy_names_a_device_known_only_by_its_placeholder(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.history.submit_rename_device("home laptop").result()
    home.record(T0)
    path = journal_of(home)
    lines = path.read_bytes().splitlines(keepends=True)
    names = [line for line in lines if b'"type":"device"' in line]
    path.write_bytes(b"".join(line for line in lines if line not in names))  # no name: a placeholder
    work.merge()
    device_id = str(home.history.device_id())
    assert {d.id: d.name for d in work.history.devices()}[device_id] == device_id[:8]
    path.with_name(path.stem + ".sync-conflict-20261205-120000-ABCDEFG.jsonl").write_bytes(names[-1])
    work.merge()
    assert {d.id: d.name for d in work.history.devices()}[device_id] == "home laptop"


def test_a_session_cut_short_at_an_open_reaches_the_others_ended(tmp_path: Path, sync_dir: Path) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    session = home.history.start_session("daily", "standard", T0)
    home.history.add_record(session, hold(0, T0))
    work.merge()
    assert [s.status for s in work.history.sessions()] == ["running"]
    home.history.close()  # a crash: the session is cut short by the next open, before sync is attached
    home = Device(tmp_path, "home", sync_dir, cut_short=True)
    work.merge()
    assert [s.status for s in work.history.sessions()] == ["interrupted"]
    assert work.state() == home.state()
    size = journal_of(home).stat().st_size
    home.history.close()
    home = Device(tmp_path, "home", sync_dir)  # written once
    assert journal_of(home).stat().st_size == size


def test_a_session_cut_short_while_sync_was_off_is_journaled_when_it_is_on(
    tmp_path: Path, sync_dir: Path
) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.history.add_record(home.history.start_session("daily", "standard", T0), hold(0, T0))
    work.merge()
    home.history.close()
    home = Device(tmp_path, "home", sync_dir, attach=False, cut_short=True)  # sync switched off for a while
    home.history.close()
    home = Device(tmp_path, "home", sync_dir)
    work.merge()
    assert [s.status for s in work.history.sessions()] == ["interrupted"]
    assert work.state() == home.state()


def test_an_open_cuts_short_only_this_devices_sessions(tmp_path: Path, sync_dir: Path) -> None:
    """Another device's session running here is still running there: that device ends it, once."""
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    session = home.history.start_session("daily", "standard", T0)
    home.history.add_record(session, hold(0, T0))
    work.merge()
    work.history.close()
    work = Device(tmp_path, "work", sync_dir)
    assert [s.status for s in work.history.sessions()] == ["running"]
    home.history.end_session(session, "interrupted", T0 + timedelta(minutes=20))
    work.merge()
    home.merge()
    assert work.state() == home.state()
    assert [(s.status, s.ended_utc) for s in work.history.sessions()] == [
        ("interrupted", (T0 + timedelta(minutes=20)).astimezone(UTC))
    ]


def _garbage_binary(folder: Path, session_uuid: str) -> int:
    noise = bytes(b for b in ((i * 37 + 11) % 256 for i in range(20_000)) if b not in b" \t\n\r\x0b\x0c")
    lines = [noise[i : i + 200] for i in range(0, len(noise), 200)]
    data = b"\n".join(lines)  # the last one unfinished: it waits, as any half-written line does
    (folder / "0b5e1c1e-0000-4000-8000-000000000000.jsonl").write_bytes(data)  # named like a device
    return len(lines) - 1


def _garbage_nested(folder: Path, session_uuid: str) -> int:
    (folder / "deep.jsonl").write_bytes(b"[" * 100_000 + b"\n" + b'{"a":' * 50_000 + b"\n")
    return 2


def _garbage_fields(folder: Path, session_uuid: str) -> int:
    """Well-formed lines of the right format whose values cannot be: none of it may be applied."""
    head = {"format": "psoas-history-journal", "version": 1, "device": "d3adbeef-0000-4000-8000-000000000000"}
    bad = [
        {**head, "type": "hold", "session": session_uuid, "exercise": 5, "set_number": 1},
        {
            **head,
            "type": "checkin",
            "uuid": "c",
            "session": session_uuid,
            "tightness": 99,
            "created_utc": "x",
        },
        {**head, "type": "end", "session": session_uuid, "status": "running", "ended_utc": "2026-03-01"},
        {**head, "type": "session", "uuid": "s"},
        {**head, "type": "rename-everything"},
        {**head, "type": "device", "id": "d3adbeef", "name": "   "},
    ]
    (folder / "d3adbeef-0000-4000-8000-000000000000.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in bad), "utf-8"
    )
    return len(bad)


GARBAGE = {"binary": _garbage_binary, "nested deeper than Python parses": _garbage_nested}
GARBAGE["right format, impossible values"] = _garbage_fields


@pytest.mark.parametrize("kind", GARBAGE)
def test_garbage_in_the_sync_folder_is_warned_about_and_affects_nothing_else(
    tmp_path: Path, sync_dir: Path, kind: str
) -> None:
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    mine = work.record(T0)
    session = home.record(T0 + timedelta(days=1))
    session_uuid = next(s.uuid for s in home.history.sessions() if s.id == session)
    assert session_uuid is not None
    folder = sync_dir / FOLDER_NAME
    broken = GARBAGE[kind](folder, session_uuid)
    (folder / ".syncthing.deep.jsonl.tmp").write_bytes(b"\xff" * 100)  # a transfer under way: not a journal
    own = journal_of(work).read_bytes()
    result = work.merge()
    assert result.new_sessions == 1
    (warning,) = result.warnings
    assert f": {broken} damaged line(s) skipped" in warning, warning
    assert work.state() == home.state() | work_only(work, mine)
    assert journal_of(work).read_bytes() == own
    assert work.merge().warnings == []  # told once
    work.record(T0 + timedelta(days=2))  # recording and journaling go on
    assert work.warnings == [] and len(work.history.sessions()) == 3


def work_only(device: Device, session_id: int) -> set[tuple[object, ...]]:
    uuid = next(s.uuid for s in device.history.sessions() if s.id == session_id)
    return {fact for fact in device.state() if fact[1] == uuid}


def test_a_file_where_the_journal_folder_should_be_is_warned_about(tmp_path: Path, sync_dir: Path) -> None:
    (sync_dir / FOLDER_NAME).write_bytes(b"not a folder")
    work = Device(tmp_path, "work", sync_dir)  # its journal cannot be written there: told
    assert len(work.warnings) == 1 and "cannot be written" in work.warnings[0]
    work.record(T0)
    assert len(work.history.sessions()) == 1  # saved here all the same
    result = work.merge()
    (warning,) = result.warnings
    assert "cannot be read" in warning and "nothing was merged from it" in warning
    assert (result.new_sessions, result.devices) == (0, 0)


def _export_events(device: Device, importer: Device) -> list[dict[str, object]]:
    document = json.loads(render(collect(device.history), "json"))
    return events_from_export(document, str(importer.history.device_id()))


def test_an_import_keeps_who_checked_in_and_never_renames_a_known_device(
    tmp_path: Path, sync_dir: Path
) -> None:
    """Found by the property test: an export did not say who checked in (the import gave the session's
    device), and an old export's device names undid newer ones, on the importing device and, through its
    journal, on the others."""
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.history.submit_rename_device("old name").result()
    home.record(T0)
    old_export = _export_events(home, work)
    home.history.submit_rename_device("new name").result()
    work.merge()
    (merged,) = work.history.sessions()
    work.history.add_checkin(merged.id, None, 3, "from work")
    home.history.submit_import(_export_events(work, home)).result()
    work.history.submit_import(old_export).result()
    home.merge()
    work.merge()
    assert home.state() == work.state()
    assert {c.device for c in home.history.checkins()} == {work.history.device_id()}
    names = {d.id: d.name for d in work.history.devices()}
    assert names[str(home.history.device_id())] == "new name"
    late = Device(tmp_path, "late", sync_dir)  # reads work's journal, with the old name in it, after home's
    late.merge()
    assert {d.id: d.name for d in late.history.devices()}[str(home.history.device_id())] == "new name"
