"""Export formats, the atomic writer, and the history/export subcommands as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from history_support import (
    Now,
    fingerprint,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
)

from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import PhaseStatus
from psoas_desktop.storage.export import CSV_COLUMNS, collect, to_csv, to_json, write_atomic
from psoas_desktop.storage.history import History

BERLIN = ZoneInfo("Europe/Berlin")


def populate(data_dir: Path) -> tuple[int, int]:
    """A completed session with three holds and check-ins, and a later session without any hold."""
    now = Now(datetime(2026, 3, 30, 8, tzinfo=UTC))
    history = History.open(data_dir, now=now).history
    started = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)  # CET; the next one is CEST
    first = history.start_session("daily", "standard", started)
    history.add_record(first, hold(1, started + timedelta(seconds=10), side=Side.LEFT, actual=29.75))
    history.add_record(first, hold(2, started + timedelta(minutes=1), side=Side.RIGHT, actual=30))
    history.add_record(first, hold(3, started + timedelta(minutes=2), actual=4.5, status=PhaseStatus.STOPPED))
    history.end_session(first, "stopped", started + timedelta(minutes=3))
    history.add_checkin(first, "left", 6, 'tight, "very"\nsecond line')
    second = history.start_session("quick-stretch", "beginner", datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN))
    history.close()
    return first, second


def test_csv_has_a_header_one_row_per_entry_and_a_row_for_an_empty_session(tmp_path: Path) -> None:
    first, second = populate(tmp_path)
    with History.open(tmp_path, now=Now(), read_only=True).history as history:
        text = to_csv(collect(history))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    records = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [(r["session_id"], r["exercise"], r["side"]) for r in records] == [
        (str(first), "bridge", "left"),
        (str(first), "bridge", "right"),
        (str(first), "bridge", ""),
        (str(second), "", ""),
    ]
    one = records[0]
    assert one["session_started"] == "2026-03-29T01:30:00+01:00"
    assert one["session_ended"] == "2026-03-29T01:33:00+01:00"
    assert one["entry_started"] == "2026-03-29T01:30:10+01:00" and one["actual_seconds"] == "29.75"
    assert records[2]["entry_status"] == "stopped" and records[0]["session_status"] == "stopped"
    assert records[3]["session_started"] == "2026-03-29T03:30:00+02:00" and records[3]["session_ended"] == ""
    for r in records:
        assert datetime.fromisoformat(r["session_started"]).utcoffset() is not None


def test_json_has_every_session_with_entries_and_checkins(tmp_path: Path) -> None:
    first, second = populate(tmp_path)
    with History.open(tmp_path, now=Now(), read_only=True).history as history:
        data = json.loads(to_json(collect(history)))
        device, name = history.device_id(), history.devices()[0].name
    assert data["format"] == "psoas-desktop-history" and data["version"] == 2
    one, two = data["sessions"]
    assert (one["id"], two["id"]) == (first, second)
    assert [e["phase_index"] for e in one["entries"]] == [1, 2, 3] and two["entries"] == []
    assert (one["device"], one["device_name"]) == (device, name) and one["uuid"]
    assert one["checkins"][0].pop("uuid")
    assert one["checkins"][0].pop("device") == device  # who checked in
    assert one["checkins"] == [
        {
            "side": "left",
            "tightness": 6,
            "note": 'tight, "very"\nsecond line',
            "created_utc": "2026-03-30T08:00:00+00:00",
        }
    ]
    assert one["started"] == "2026-03-29T01:30:00+01:00" and one["utc_offset_seconds"] == 3600
    assert one["entries"][0]["actual_seconds"] == 29.75


def test_write_atomic_replaces_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    write_atomic(target, "new ✓\n")
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_write_atomic_failure_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.json"]


# -- command line (real processes, installed package) -------------------------------------------------------


def run(*args: str, tz: str = "Europe/Berlin") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psoas_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TZ": tz},
    )


@pytest.mark.slow
def test_cli_history_json_buckets_weeks_in_local_time(tmp_path: Path) -> None:
    history = History.open(tmp_path, now=Now()).history
    starts = [
        datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),  # Sunday (week of 03-23)
        datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN),  # Sunday, after the change
        datetime(2026, 3, 30, 0, 30, tzinfo=BERLIN),  # Monday 00:30 CEST, still Sunday in UTC
    ]
    for started in starts:
        session = history.start_session("daily", "standard", started)
        history.add_record(session, hold(0, started, actual=90))
        history.end_session(session, "completed", started + timedelta(minutes=2))
    history.start_session("daily", "standard", datetime(2026, 3, 31, 18, tzinfo=BERLIN))  # no finished hold
    # Stopped in its second hold: 30 of 60 planned seconds held, half: it counts toward the goal.
    half = datetime(2026, 3, 31, 10, tzinfo=BERLIN)
    session = history.start_session("daily", "standard", half)
    history.add_record(session, hold(0, half))
    history.add_record(session, hold(1, half + timedelta(seconds=40), actual=5, status=PhaseStatus.STOPPED))
    history.end_session(session, "stopped", half + timedelta(minutes=1))
    # Stopped after skipping three holds: 30 of 120 planned seconds held: shown, not counted.
    early = datetime(2026, 4, 1, 7, tzinfo=BERLIN)
    session = history.start_session("daily", "standard", early)
    history.add_record(session, hold(0, early))
    for index in (1, 2, 3):
        skipped = hold(index, early + timedelta(seconds=40 * index), actual=1, status=PhaseStatus.SKIPPED)
        history.add_record(session, skipped)
    history.end_session(session, "stopped", early + timedelta(minutes=3))
    history.close()
    result = run(
        "--data-dir",
        str(tmp_path),
        "history",
        "--weeks",
        "3",
        "--goal",
        "2",
        "--today",
        "2026-04-01",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["weeks"] == [
        {
            "week_start": "2026-03-16",
            "sessions": 0,
            "all_sessions": 0,
            "hold_minutes": 0.0,
            "goal_met": False,
        },
        {"week_start": "2026-03-23", "sessions": 2, "all_sessions": 2, "hold_minutes": 3.0, "goal_met": True},
        {
            "week_start": "2026-03-30",
            "sessions": 2,
            "all_sessions": 3,
            "hold_minutes": 2.5,
            "goal_met": True,
        },
    ]
    assert (data["current_streak"], data["best_streak"]) == (2, 2)
    # Under UTC the Monday-00:30 session falls on Sunday: the same data, other weeks.
    utc = json.loads(
        run(
            "--data-dir",
            str(tmp_path),
            "history",
            "--weeks",
            "2",
            "--today",
            "2026-04-01",
            "--json",
            tz="UTC",
        ).stdout
    )
    assert [w["all_sessions"] for w in utc["weeks"]] == [3, 2]
    text = run("--data-dir", str(tmp_path), "history", "--weeks", "2", "--goal", "2", "--today", "2026-04-01")
    assert text.returncode == 0 and "2026-03-23" in text.stdout and "Current streak: 2 weeks;" in text.stdout


@pytest.mark.slow
def test_cli_export_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first, _ = populate(data_dir)
    db_before = fingerprint(data_dir / "history.sqlite3")
    out = tmp_path / "export.csv"
    result = run("--data-dir", str(data_dir), "export", "--format", "csv", "-o", str(out))
    assert result.returncode == 0 and result.stdout == "", result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 5 and rows[1][0] == str(first)
    as_json = run("--data-dir", str(data_dir), "export", "--format", "json")
    assert as_json.returncode == 0 and len(json.loads(as_json.stdout)["sessions"]) == 2
    assert fingerprint(data_dir / "history.sqlite3") == db_before  # readers change nothing


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("history", "--weeks", "0"), "expected a whole number from 1 to 520"),
        (("export", "--format", "xml"), "invalid choice"),
        (
            ("export", "--format", "csv", "-o", "/nonexistent-dir/x.csv"),
            "cannot write /nonexistent-dir/x.csv",
        ),
    ],
)
def test_cli_bad_input_is_a_clear_message(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run("--data-dir", str(tmp_path), *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_cli_on_a_damaged_history_says_so_and_repairs_nothing(tmp_path: Path) -> None:
    populate(tmp_path)
    db = tmp_path / "history.sqlite3"
    with db.open("r+b") as f:
        f.write(b"garbage garbage!")
    before = fingerprint(db)
    result = run("--data-dir", str(tmp_path), "history")
    assert result.returncode == 2 and "cannot be" in result.stderr and "Traceback" not in result.stderr
    assert fingerprint(db) == before and not list(tmp_path.glob("*.corrupt-*"))
