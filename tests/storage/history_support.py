"""Shared pieces of the history tests: a hand-set clock, hold records, file fingerprints, and a fixture that
closes every History a test opened (so no writer thread outlives its test; a test module imports it)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.storage.history import History, OpenResult


class Now:
    """The `now` callable History.open takes: aware UTC, moved by hand."""

    def __init__(self, start: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) -> None:
        self.value = start

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


def hold(
    phase_index: int,
    started: datetime,
    *,
    exercise: str = "bridge",
    side: Side | None = None,
    actual: float = 30.0,
    planned: float = 30.0,
    status: PhaseStatus = PhaseStatus.COMPLETED,
) -> HoldRecord:
    offset = started.utcoffset() or timedelta(0)
    return HoldRecord(
        exercise=exercise,
        side=side,
        set=1,
        rep=phase_index,
        planned_seconds=planned,
        actual_seconds=actual,
        started_utc=started.astimezone(UTC),
        utc_offset_seconds=int(offset.total_seconds()),
        status=status,
        phase_index=phase_index,
    )


def only_cut_short(messages: tuple[str, ...] | list[str]) -> bool:
    """Whether an open said nothing but that sessions left running were cut short (a crash mid-session)."""
    return all(m.startswith("Your last session ended unexpectedly") for m in messages)


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pragma(path: Path, name: str) -> object:
    """A PRAGMA read through a separate read-only connection, as any other program would see it."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def query(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def histories_are_closed() -> Iterator[list[History]]:
    """Patched by hand, not with monkeypatch: a test may call monkeypatch.undo() midway."""
    opened: list[History] = []
    original = History.__dict__["open"]

    def tracking_open(
        cls: type[History], /, data_dir: Path, *, now: Callable[[], datetime], **options: bool
    ) -> OpenResult:
        result: OpenResult = original.__func__(cls, data_dir, now=now, **options)
        opened.append(result.history)
        return result

    History.open = classmethod(tracking_open)  # type: ignore[method-assign, assignment]
    try:
        yield opened
    finally:
        History.open = original  # type: ignore[method-assign]
        for history in opened:
            history.close()
