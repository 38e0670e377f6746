"""The merge's fast ways give what the plain ones give: a hold line read by its pattern (not built as an
event), a session's holds inserted in one batch, and session_totals added up by the batch while the
trigger that keeps them is suspended in the merge's transaction."""

from __future__ import annotations

import contextlib
import errno
import json
import math
import multiprocessing
import multiprocessing.context
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from history_support import histories_are_closed  # noqa: F401  (autouse: closes every History opened)
from sync_support import Device

from psoas_desktop.storage import merge, merge_parse
from psoas_desktop.storage.journal import line
from psoas_desktop.storage.sync_apply import Applier, BadEventError, Event, _hold_row

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN)
SESSION = "0b6e4c1a-5f0e-4c56-9d55-5a3f7e0c2b11"


def hold_event(**changes: Any) -> Event:
    event: Event = {
        "type": "hold",
        "device": "d1",
        "session": SESSION,
        "exercise": "bridge",
        "side": "left",
        "set_number": 1,
        "rep": 2,
        "planned_seconds": 30.0,
        "actual_seconds": 29.873451232910156,
        "started_utc": "2026-03-01T08:00:00.000000+00:00",
        "utc_offset_seconds": 3600,
        "status": "completed",
        "phase_index": 4,
    }
    event.update(changes)
    return event


def general_way(raw: bytes) -> tuple[tuple[Any, ...], str] | str:
    """What the event's own checks make of a line: its row and session, or 'bad'."""
    try:
        event = json.loads(raw)
        return _hold_row(event), event["session"]
    except (ValueError, BadEventError):
        return "bad"


def fast_way(raw: bytes) -> tuple[tuple[Any, ...], str] | str | None:
    try:
        return merge._plain_hold(raw)
    except BadEventError:
        return "bad"


def same(a: object, b: object) -> bool:
    """Equal, with NaN equal to NaN and -0.0 told from 0.0 (repr)."""
    return repr(a) == repr(b)


def test_every_hold_line_a_history_writes_takes_the_fast_way(tmp_path: Path) -> None:
    sync_dir = tmp_path / "Sync"
    home = Device(tmp_path, "home", sync_dir)
    home.record(T0, holds=5)
    device = home.history.device_id()
    assert device is not None
    lines = (sync_dir / "psoas-history" / f"{device}.jsonl").read_bytes().splitlines()
    holds = [raw for raw in lines if b'"type":"hold"' in raw]
    assert len(holds) == 5
    for raw in holds:
        fast = fast_way(raw)
        assert fast is not None and same(fast, general_way(raw))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"side": None, "rep": None},
        {"planned_seconds": 30, "actual_seconds": 0},
        {"actual_seconds": 1e-320},
        {"actual_seconds": -0.0},
        {"actual_seconds": 1e308},
        {"actual_seconds": float("inf")},
        {"actual_seconds": float("nan")},
        {"planned_seconds": 10**20},
        {"planned_seconds": 123456789012345},
        {"planned_seconds": 10**400},
        {"set_number": "1"},
        {"set_number": True},
        {"rep": 10**19},
        {"side": "up"},
        {"exercise": ""},
        {"exercise": "brücke"},
        {"exercise": 'say "hi"'},
        {"status": ""},
        {"session": ""},
        {"device": ""},
        {"started_utc": "2026-02-30T10:00:00.000000+00:00"},
        {"started_utc": "2026-03-01T24:00:00.000000+00:00"},
        {"started_utc": "2026-03-01T10:00:00+02:00"},
        {"started_utc": "2026-W09-1T10:00:00.000000+00:00"},
        {"started_utc": "2026-03-01T10:00:00.000000"},
        {"utc_offset_seconds": 3600.0},
    ],
)
def test_a_hold_line_gives_the_same_row_either_way(changes: dict[str, Any]) -> None:
    raw = line(hold_event(**changes)).rstrip(b"\n")
    fast = fast_way(raw)
    if fast is not None:  # None: the line takes the general way
        assert same(fast, general_way(raw))


@pytest.mark.parametrize(
    "raw",
    [
        line(hold_event()).rstrip(b"\n") + b" ",
        line(hold_event()).replace(b'"version":1', b'"version":2').rstrip(b"\n"),
        line(hold_event()).replace(b'"type":"hold"', b'"type":"hold","type":"end"').rstrip(b"\n"),
        line(hold_event()).replace(b'"exercise":"bridge"', b'"exercise":"bri\\u0064ge"').rstrip(b"\n"),
        line(hold_event()).replace(b'"rep":2', b'"rep":02').rstrip(b"\n"),
        line(hold_event()).replace(b'"rep":2', b'"rep":2.0').rstrip(b"\n"),
        line(hold_event())
        .replace(b'"actual_seconds":29.873451232910156', b'"actual_seconds":3e1')
        .rstrip(b"\n"),
        line(hold_event())[:-10],
    ],
)
def test_a_line_off_the_plain_form_takes_the_general_way(raw: bytes) -> None:
    fast = fast_way(raw)
    if b"3e1" in raw:  # a JSON number with an exponent is plain: the same float either way
        assert fast is not None and same(fast, general_way(raw))
    else:
        assert fast is None


def events_of(device: str) -> list[Event]:
    """Two sessions' events, with duplicates, a hold that clashes on its key, and infinite seconds."""
    events: list[Event] = [{"type": "device", "device": device, "id": device, "name": "laptop"}]
    for number, session in enumerate((SESSION, "1c6e4c1a-5f0e-4c56-9d55-5a3f7e0c2b12")):
        events.append(
            {
                "type": "session",
                "uuid": session,
                "device": device,
                "routine": "daily",
                "level": "standard",
                "started_utc": f"2026-03-0{number + 1}T08:00:00.000000+00:00",
                "utc_offset_seconds": 3600,
                "routine_name": None,
                "routine_hash": None,
                "dose_hash": None,
            }
        )
        for index in range(12):
            if index == 6:  # the rest of the holds come after another event: a second batch of the session
                events.append(
                    {
                        "type": "end",
                        "device": device,
                        "session": session,
                        "status": "interrupted",
                        "ended_utc": f"2026-03-0{number + 1}T09:00:00.000000+00:00",
                    }
                )
            events.append(
                hold_event(
                    device=device,
                    session=session,
                    exercise=("bridge", "frog", "pigeon")[index % 3],
                    actual_seconds=[29.873451232910156, 0.1, 1 / 3, float("inf"), float("-inf")][index % 5],
                    status="completed" if index % 4 else "skipped",
                    phase_index=index % 10,
                    started_utc=f"2026-03-0{number + 1}T08:{index % 10:02d}:00.000000+00:00",
                )
            )
        events.append(dict(events[-3]))
    return events


def applied(tmp_path: Path, name: str, events: list[Event], *, batch: bool) -> dict[str, Any]:
    home = Device(tmp_path, name, tmp_path / "Sync", attach=False)
    path = home.history.path
    home.history.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN IMMEDIATE")
    applier = Applier(conn, batch_holds=batch)
    bad = 0
    for event in events:
        try:
            applier.apply(event)
        except BadEventError:
            bad += 1
    applier.finish()
    conn.execute("COMMIT")
    tables = {
        table: sorted(repr(row) for row in conn.execute(f"SELECT * FROM {table}"))
        for table in ("entries", "session_totals")
    }
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'entries_add_to_totals'").fetchall()
    conn.close()
    return {"bad": bad + applier.rejected, "touched": len(applier.touched), "trigger": trigger, **tables}


def test_a_batch_makes_the_holds_and_totals_one_insert_after_another_makes(tmp_path: Path) -> None:
    events = events_of("d1")
    one_by_one = applied(tmp_path, "a", events, batch=False)
    batched = applied(tmp_path, "b", events, batch=True)
    assert batched == one_by_one
    assert one_by_one["trigger"]  # restored after the batch
    assert any("inf" in row for row in one_by_one["session_totals"])
    assert one_by_one["bad"] > 0  # inf + -inf: the trigger's sum turns NaN, and the hold is refused


def test_a_merge_that_fails_leaves_the_trigger_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_dir = tmp_path / "Sync"
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.record(T0, holds=3)

    def fail(self: Applier) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Applier, "retry_pending", fail)
    with pytest.raises(Exception, match="disk I/O error"):
        work.merge()
    monkeypatch.undo()
    conn = sqlite3.connect(work.history.path)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    finally:
        conn.close()
    assert "entries_add_to_totals" in names
    assert work.merge().new_sessions == 1
    (summary,) = work.history.summaries()
    assert summary.hold_seconds > 0 and not math.isnan(summary.hold_seconds)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":1}',
        b'{"a":1}  \t',
        b'{"a":1} x',
        b'{"a":1}{"b":2}',
        b'{"a":',
        b"{",
        b"{}",
        b' {"a":1}',
        b'["a"]',
        b"\xef\xbb\xbf{}",
        b'{\x00"\x00}\x00',
        b'{"a":"\xff"}',
        b'{"a":"\xed\xa0\x80"}',
        b'{"a":NaN}',
        b'{"a":"x\ty"}',
    ],
)
def test_reading_a_line_refuses_and_accepts_what_json_loads_does(raw: bytes) -> None:
    try:
        expected: object = json.loads(raw)
    except ValueError:
        expected = ValueError
    try:
        got: object = merge._loads(raw)
    except ValueError:
        got = ValueError
    assert same(got, expected)


def test_damaged_lines_of_either_way_are_counted_once(tmp_path: Path) -> None:
    sync_dir = tmp_path / "Sync"
    work = Device(tmp_path, "work", sync_dir)
    events = events_of("d1")
    lines = [line(event) for event in events]
    lines.insert(3, b"   \n")  # blank: skipped, not damaged
    lines.insert(4, line(hold_event(started_utc="2026-02-30T10:00:00.000000+00:00")))  # plain, bad date
    lines.insert(5, line(hold_event(set_number="1")))  # the general way, refused
    lines.insert(6, line(hold_event(actual_seconds=float("nan"), phase_index=77)))  # refused by NOT NULL
    (sync_dir / "psoas-history").mkdir(parents=True, exist_ok=True)
    (sync_dir / "psoas-history" / "d1.jsonl").write_bytes(b"".join(lines))
    result = work.merge()
    inf_clashes = applied(tmp_path, "a", events, batch=False)["bad"]
    assert result.warnings == [
        f"{sync_dir / 'psoas-history' / 'd1.jsonl'}: {3 + inf_clashes} damaged line(s) skipped."
    ]
    assert result.new_sessions == 2


def test_outside_a_transaction_the_trigger_is_never_suspended(tmp_path: Path) -> None:
    home = Device(tmp_path, "home", tmp_path / "Sync", attach=False)
    path = home.history.path
    home.history.close()
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit: every statement its own transaction
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        applier = Applier(conn, batch_holds=True)
        for event in events_of("d1"):
            with contextlib.suppress(BadEventError):
                applier.apply(event)
                if event["type"] == "hold":
                    names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
                    assert ("entries_add_to_totals",) in names
        applier.finish()
        totals = sorted(repr(row) for row in conn.execute("SELECT * FROM session_totals"))
    finally:
        conn.close()
    assert totals == applied(tmp_path, "a", events_of("d1"), batch=False)["session_totals"]


# -- a long read, read by a helper process ---------------------------------------------------------------------


def damaged_folder(tmp_path: Path) -> Path:
    """A sync folder with what sync engines and other versions leave: a deletion, a conflict copy, holds whose
    session is in a file read later (and one never known), broken, blank and newer-version lines, garbage
    nested too deeply, and half-written last lines."""
    sync_dir = tmp_path / "Sync"
    home = Device(tmp_path, "home", sync_dir)
    sessions = [home.record(T0 + timedelta(days=day), holds=3 + day) for day in range(6)]
    home.history.add_checkin(sessions[1], "left", 4, "better")
    home.history.submit_delete_session(sessions[2], "2026-03-09T10:00:00.000000+00:00").result()
    device = home.history.device_id()
    assert device is not None
    home.history.close()
    folder = sync_dir / "psoas-history"
    whole = (folder / f"{device}.jsonl").read_bytes()
    half = whole[: whole.index(b"\n", len(whole) // 2) + 1]
    (folder / f"{device}.sync-conflict-20260301-101010-ABCDEFG.jsonl").write_bytes(half + b'{"format":"ps')
    late = "2c6e4c1a-5f0e-4c56-9d55-5a3f7e0c2b13"
    never = "3c6e4c1a-5f0e-4c56-9d55-5a3f7e0c2b14"
    early: list[bytes] = []  # read first: its holds wait for their session, which is in the file read last
    for index in range(40):
        session = never if index % 7 == 0 else late
        started = f"2026-03-05T08:{index:02d}:00.000000+00:00"
        early.append(line(hold_event(session=session, phase_index=index % 10, started_utc=started)))
        if index % 9 == 4:
            early += [
                b"  \n",
                b"{not json\n",
                line({"type": "session", "uuid": "x"}).replace(b'"version":1', b'"version":2'),
                line(
                    hold_event(session=late, exercise="br\u00fccke", started_utc=started)
                ),  # the general way
                line(hold_event(session=late, started_utc="2026-02-30T10:00:00.000000+00:00")),  # no such day
                b"[" * 5000 + b"\n",
            ]
    (folder / "00000000-0000-4000-8000-000000000000.jsonl").write_bytes(b"".join(early) + b'{"form')
    (folder / "ffffffff-0000-4000-8000-000000000000.jsonl").write_bytes(
        line(
            {
                "type": "session",
                "uuid": late,
                "device": "ffffffff-0000-4000-8000-000000000000",
                "routine": "daily",
                "level": "standard",
                "started_utc": "2026-03-05T08:00:00.000000+00:00",
                "utc_offset_seconds": 3600,
                "routine_name": None,
                "routine_hash": None,
                "dose_hash": None,
            }
        )
    )
    return sync_dir


def tables(device: Device) -> dict[str, list[str]]:
    """Every table the merge writes, as sorted rows (the device's own id left out: each has its own)."""
    own = device.history.device_id()
    conn = sqlite3.connect(device.history.path)
    try:
        return {
            table: sorted(repr(row) for row in conn.execute(f"SELECT * FROM {table}") if own not in row)
            for table in (
                "sessions",
                "entries",
                "session_totals",
                "checkins",
                "devices",
                "deleted_sessions",
                "sync_files",
                "sync_pending",
            )
        }
    finally:
        conn.close()


def merged(tmp_path: Path, name: str, sync_dir: Path) -> tuple[Device, tuple[object, ...]]:
    device = Device(tmp_path, name, sync_dir, attach=False)
    result = device.merge()
    return device, (result.new_sessions, result.devices, result.warnings, len(result.touched))


@pytest.fixture
def helper_starts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each helper process a merge starts started; blocks of a few lines, so a journal is many blocks."""
    starts: list[bool] = []
    started = merge_parse.ParseHelper._started

    def spy(self: merge_parse.ParseHelper) -> bool:
        starting = self._process is None and not self._unusable
        ok = started(self)
        if starting:
            starts.append(ok)
        return ok

    monkeypatch.setattr(merge_parse.ParseHelper, "_started", spy)
    monkeypatch.setattr(merge, "BLOCK_BYTES", 512)
    return starts


def test_a_helper_process_reads_the_same_merge_as_the_merge_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper_starts: list[bool]
) -> None:
    sync_dir = damaged_folder(tmp_path)
    itself, by_itself = merged(tmp_path, "itself", sync_dir)
    assert helper_starts == []
    assert by_itself[2], "the folder is damaged: there are warnings"
    monkeypatch.setattr(merge, "HELPER_BYTES", 0)
    helped, with_help = merged(tmp_path, "helped", sync_dir)
    assert helper_starts == [True]
    assert with_help == by_itself
    assert tables(helped) == tables(itself)
    assert tables(itself)["sync_pending"]  # the holds of the session never known still wait
    assert multiprocessing.active_children() == []


def test_a_helper_that_cannot_start_leaves_the_merge_to_read_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper_starts: list[bool]
) -> None:
    sync_dir = damaged_folder(tmp_path)
    itself, by_itself = merged(tmp_path, "itself", sync_dir)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EAGAIN, "no more processes")

    monkeypatch.setattr(merge, "HELPER_BYTES", 0)
    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", refuse)
    alone, by_itself_again = merged(tmp_path, "alone", sync_dir)
    assert helper_starts == [False]  # asked once: not again for each journal of the merge
    assert by_itself_again == by_itself and tables(alone) == tables(itself)


def test_a_helper_that_dies_midway_leaves_the_rest_to_the_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper_starts: list[bool]
) -> None:
    sync_dir = damaged_folder(tmp_path)
    itself, by_itself = merged(tmp_path, "itself", sync_dir)
    sent = merge_parse.ParseHelper._send
    count = 0

    def send_then_die(self: merge_parse.ParseHelper, block: bytes) -> None:
        nonlocal count
        sent(self, block)
        count += 1
        if count == 5:
            self._process.kill()

    monkeypatch.setattr(merge, "HELPER_BYTES", 0)
    monkeypatch.setattr(merge_parse.ParseHelper, "_send", send_then_die)
    orphaned, after_death = merged(tmp_path, "orphaned", sync_dir)
    assert helper_starts == [True] and count >= 5
    assert after_death == by_itself and tables(orphaned) == tables(itself)
    assert multiprocessing.active_children() == []


def test_a_merge_that_fails_midway_stops_its_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper_starts: list[bool]
) -> None:
    sync_dir = damaged_folder(tmp_path)
    add_holds = Applier.add_holds
    calls = 0

    def fail_later(self: Applier, rows: list[tuple[Any, ...]], session: str) -> bool:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return add_holds(self, rows, session)

    monkeypatch.setattr(merge, "HELPER_BYTES", 0)
    monkeypatch.setattr(Applier, "add_holds", fail_later)
    work = Device(tmp_path, "work", sync_dir, attach=False)
    with pytest.raises(Exception, match="disk I/O error"):
        work.merge()
    assert helper_starts == [True]
    assert multiprocessing.active_children() == []
    monkeypatch.undo()
    assert work.merge().new_sessions > 0  # nothing of the failed merge stayed
