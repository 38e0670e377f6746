"""What the history window chooses to see of a snapshot: one device's sessions or all, and without the
sessions it is deleting (held back until the deletion is written; see ``qt.history.deletion``).

Narrowing runs in the window's worker on the snapshot already read, so switching the device filter or
hiding a session reads nothing again. A view that narrows nothing returns the snapshot itself (no copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from psoas_desktop.core.history_summary import HistorySnapshot, SessionColumns


@dataclass(frozen=True)
class HistoryView:
    """``local_only``: only this device's sessions ("This laptop"); ``hidden``: session ids left out."""

    local_only: bool = False
    hidden: frozenset[int] = field(default_factory=frozenset)


@runtime_checkable
class SessionDeleter(Protocol):
    """A source that can delete sessions (``storage.history_reads.WindowReads``)."""

    @property
    def can_delete(self) -> bool: ...

    def submit_delete(self, session_id: int, deleted: datetime) -> Future[None]:
        """Delete it with its holds and check-ins, and tell the other devices (a tombstone); ``deleted`` is
        aware. The future completes once it is on disk."""
        ...


def local_device(snapshot: HistorySnapshot) -> str | None:
    return next((device.id for device in snapshot.devices if device.local), None)


def narrowed(snapshot: HistorySnapshot, view: HistoryView) -> HistorySnapshot:
    """The snapshot as ``view`` sees it. "This laptop" with no device known (a source without devices, or
    a history from before device ids) leaves every session in: they are all this device's."""
    device = local_device(snapshot) if view.local_only else None
    if device is None and not view.hidden:
        return snapshot
    columns = snapshot.columns
    if (device is not None and len(columns.devices) != len(columns)) or (
        view.hidden and len(columns.session_ids) != len(columns)
    ):
        raise ValueError("the snapshot's columns lack the session ids or devices this view needs")
    hidden = view.hidden
    keep = [
        i
        for i in range(len(columns))
        if (device is None or columns.devices[i] == device)
        and (not hidden or columns.session_ids[i] not in hidden)
    ]
    recent = tuple(
        s for s in snapshot.recent if (device is None or s.device == device) and s.session_id not in hidden
    )
    return HistorySnapshot(_pick(columns, keep), recent, snapshot.since, snapshot.devices)


def _pick(columns: SessionColumns, keep: Sequence[int]) -> SessionColumns:
    return SessionColumns(
        started=[columns.started[i] for i in keep],
        counted=[columns.counted[i] for i in keep],
        shown=[columns.shown[i] for i in keep],
        session_ids=[columns.session_ids[i] for i in keep] if columns.session_ids else [],
        devices=[columns.devices[i] for i in keep] if columns.devices else [],
    )


__all__ = ["HistoryView", "SessionDeleter", "local_device", "narrowed"]
