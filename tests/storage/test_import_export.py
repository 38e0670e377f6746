"""Importing an export: the document checked whole and turned into journal events, which the history
applies as a union by UUID (an export of one history imported into another gives the same sessions)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from history_support import (
    Now,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
)

from psoas_desktop.storage import global_ids
from psoas_desktop.storage.export import collect, to_json
from psoas_desktop.storage.history import History
from psoas_desktop.storage.import_export import events_from_export, read_export
from psoas_desktop.storage.rows import RoutineAsRun

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)  # the last Saturday before the clocks change


def recorded(data_dir: Path) -> History:
    history = History.open(data_dir, now=Now()).history
    for day, status in enumerate(("completed", "stopped")):
        started = T0 + timedelta(days=day)  # the second one in summer time
        kept = RoutineAsRun(
            "Daily", "content-hash", f"dose-hash-{day}"
        )  # so imports count toward progression
        session = history.start_session("daily", "standard", started, kept)
        history.add_record(session, hold(0, started))
        history.end_session(session, status, started + timedelta(minutes=5))
    running = history.start_session("daily", "beginner", T0 + timedelta(days=2))
    history.add_record(running, hold(0, T0 + timedelta(days=2)))
    history.add_checkin(history.sessions()[-1].id, "right", 7, "tight")
    return history


def facts(history: History) -> set[tuple[object, ...]]:
    found: set[tuple[object, ...]] = set()
    for s in history.sessions():
        found.add(
            (s.uuid, s.device, s.routine, s.level, s.started_utc, s.utc_offset_seconds, s.status, s.ended_utc)
        )
        found.add((s.uuid, s.routine_name, s.routine_hash, s.dose_hash))
        found |= {
            (s.uuid, e.phase_index, e.started_utc, e.actual_seconds, e.side) for e in history.entries(s.id)
        }
    found |= {(c.uuid, c.side, c.tightness, c.note, c.created_utc) for c in history.checkins()}
    return found


def test_a_version_2_export_imported_elsewhere_is_the_same_history(tmp_path: Path) -> None:
    source = recorded(tmp_path / "a")
    document = json.loads(to_json(collect(source)))
    target = History.open(tmp_path / "b", now=Now()).history
    assert target.submit_import(events_from_export(document, "unused")).result() == 3
    assert facts(target) == facts(source)
    assert {d.id: d.name for d in target.devices()}[str(source.device_id())] == source.devices()[0].name
    assert target.submit_import(events_from_export(document, "unused")).result() == 0
    assert facts(target) == facts(source)


def as_version_1(document: dict[str, Any]) -> dict[str, Any]:
    """What the version before global ids exported: no uuid, device or device_name."""
    sessions = []
    for session in document["sessions"]:
        old = {k: v for k, v in session.items() if k not in ("uuid", "device", "device_name")}
        old["checkins"] = [{k: v for k, v in c.items() if k != "uuid"} for c in session["checkins"]]
        sessions.append(old)
    return {**document, "version": 1, "sessions": sessions}


def test_a_version_1_export_gets_content_derived_uuids_and_this_device(tmp_path: Path) -> None:
    source = recorded(tmp_path / "a")
    document = as_version_1(json.loads(to_json(collect(source))))
    events = events_from_export(document, "this-device")
    sessions = [e for e in events if e["type"] == "session"]
    first = source.sessions()[-1]  # oldest
    expected = global_ids.session_uuid(
        "daily", "standard", first.started_utc.isoformat(timespec="microseconds"), 3600
    )
    assert sessions[0]["uuid"] == expected and {e["device"] for e in events} == {"this-device"}
    assert [e["type"] for e in events].count("device") == 0  # the device is this one, already known
    assert events_from_export(document, "this-device") == events  # stable: importing twice adds nothing
    (checkin,) = [e for e in events if e["type"] == "checkin"]
    assert checkin["uuid"] == global_ids.checkin_uuid(
        checkin["session"], checkin["created_utc"], "right", 7, "tight"
    )
    assert [e["status"] for e in events if e["type"] == "end"] == ["completed", "stopped"]  # running: no end


def test_an_import_that_fails_half_way_changes_nothing(tmp_path: Path) -> None:
    source = recorded(tmp_path / "a")
    document = json.loads(to_json(collect(source)))
    last = document["sessions"][-1]  # the sessions before it are applied by then
    last["checkins"] = [{**document["sessions"][0]["checkins"][0], "uuid": "c2", "tightness": 42}]
    target = History.open(tmp_path / "b", now=Now()).history
    with pytest.raises(ValueError, match="CHECK constraint"):
        target.submit_import(events_from_export(document, "x")).result()
    assert target.sessions() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"format": 1', r"not JSON \(line 1, column 13"),
    ],
)
def test_a_file_that_is_not_json_says_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_export(path)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "the file: expected an object, got a list"),
        ({"format": "psoas-desktop-history", "version": True}, "export version true"),
        ({"format": "psoas-desktop-history", "version": 2, "sessions": {}}, "'sessions' must be a list"),
        (
            {"format": "psoas-desktop-history", "version": 2, "sessions": [3]},
            r"sessions\[0\]: expected an object",
        ),
    ],
)
def test_a_document_that_is_no_export_names_the_problem(document: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        events_from_export(document, "x")


def test_each_field_is_checked_with_its_place(tmp_path: Path) -> None:
    source = recorded(tmp_path / "a")
    good = json.loads(to_json(collect(source)))

    def problem(change: Any) -> str:
        document = json.loads(json.dumps(good))
        change(document["sessions"][0])
        with pytest.raises(ValueError, match=r"^sessions\[0\]") as raised:
            events_from_export(document, "x")
        return str(raised.value)

    assert problem(lambda s: s.update(uuid=7)) == "sessions[0]: 'uuid' must be a text, not the number 7"
    assert "'utc_offset_seconds' must be a whole number" in problem(
        lambda s: s.update(utc_offset_seconds="1")
    )
    assert "entries[0]: 'actual_seconds' must be a number, not the flag true" in problem(
        lambda s: s["entries"][0].update(actual_seconds=True)
    )
    assert "'side' must be null or 'left' or 'right'" in problem(lambda s: s["entries"][0].update(side="up"))
    assert "'status' must be 'completed' or" in problem(lambda s: s["entries"][0].update(status="levitating"))
    assert "checkins" not in problem(lambda s: s.update(started="yesterday"))
    long = problem(lambda s: s.update(routine_name=5, level="x" * 100))
    assert "routine_name" in long and len(long) < 120
