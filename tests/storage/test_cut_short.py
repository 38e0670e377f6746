"""Sessions cut short (the app crashed or was killed mid-session): readers show them as interrupted at the
end of their last hold once no writer is left, and the next open marks them and says so, once."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from history_support import Now, histories_are_closed, hold  # noqa: F401  (autouse fixture)

from psoas_desktop.core.engine import PhaseStatus
from psoas_desktop.storage.history import History

EVENING = timezone(timedelta(hours=1))
T0 = datetime(2026, 3, 2, 18, 30, tzinfo=EVENING)


def crash_mid_session(tmp_path: Path, finished: int) -> tuple[Path, int]:
    """A folder holding what a killed app leaves: a session still 'running' with `finished` completed holds
    and one skipped, its file and -wal as they were (no end, no clean close). Returns it and the session."""
    history = History.open(tmp_path / "live", now=Now(T0.astimezone(UTC))).history
    session = history.start_session("psoas-3", "standard", T0)
    start = T0
    for index in range(finished):
        history.add_record(session, hold(index, start, actual=30))
        start += timedelta(seconds=33)
    history.add_record(session, hold(finished, start, actual=4, status=PhaseStatus.SKIPPED))
    history.flush()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for name in ("history.sqlite3", "history.sqlite3-wal"):
        shutil.copyfile(tmp_path / "live" / name, crashed / name)
    history.close()
    return crashed, session


def test_a_reader_shows_a_session_whose_writer_is_gone_as_interrupted_at_its_last_hold(
    tmp_path: Path,
) -> None:
    crashed, session = crash_mid_session(tmp_path, finished=7)
    last_end = T0 + timedelta(seconds=7 * 33 + 4)

    with History.open(crashed, now=Now(), read_only=True, writer_gone=True).history as reader:
        (row,) = reader.sessions()
        (summary,) = reader.summaries()
    assert (row.id, row.status, row.ended_utc) == (session, "interrupted", last_end)
    assert (summary.status, summary.ended) == ("interrupted", last_end)
    assert summary.hold_seconds == 7 * 30

    # While its writer runs, the same session is shown as it is: running.
    with History.open(crashed, now=Now(), read_only=True).history as reader:
        assert [(s.status, s.ended_utc) for s in reader.sessions()] == [("running", None)]
        assert [s.status for s in reader.summaries()] == ["running"]


def test_the_next_open_marks_a_cut_short_session_and_says_so_once(tmp_path: Path) -> None:
    crashed, session = crash_mid_session(tmp_path, finished=7)
    same_evening = Now((T0 + timedelta(hours=2)).astimezone(UTC))

    first = History.open(crashed, now=same_evening)
    assert first.messages == ("Your last session ended unexpectedly at 18:33; 7 finished holds were kept.",)
    assert [(s.id, s.status) for s in first.history.sessions()] == [(session, "interrupted")]
    first.history.close()

    again = History.open(crashed, now=same_evening)
    assert again.messages == ()
    again.history.close()


def test_a_cut_short_session_of_another_day_is_named_with_its_date(tmp_path: Path) -> None:
    crashed, _session = crash_mid_session(tmp_path, finished=1)
    days_later = Now((T0 + timedelta(days=3)).astimezone(UTC))

    opened = History.open(crashed, now=days_later)
    assert opened.messages == (
        "Your last session ended unexpectedly at 18:30 on 2026-03-02; 1 finished hold was kept.",
    )
    opened.history.close()
