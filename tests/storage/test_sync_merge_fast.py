"""The merge's fast ways give what the plain ones give: a hold line read by its pattern (not built as an
event), a session's holds inserted in one batch, and session_totals added up by the batch while the
trigger that keeps them is suspended in the merge's transaction."""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from history_support import histories_are_closed  # noqa: F401  (autouse: closes every History opened)
from sync_support import Device

from psoas_desktop.storage import merge
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
