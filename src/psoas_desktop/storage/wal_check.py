"""Does the -wal beside the history belong to it? Judged before the history is opened for writing.

Nothing in a WAL header names its database, and SQLite applies any well-formed log it finds beside a file:
a stray ``history.sqlite3-wal`` from another database makes a healthy history look like someone else's
file. So the file is looked at twice: alone (``immutable=1``: SQLite ignores the -wal and -shm) and with
its log, and the log is judged by what it does to the file:

* a header that is not a WAL header: garbage (SQLite would silently discard and overwrite it);
* pages of another size than the file's, or, when the file alone is a sound history of ours, a log that
  changes its application id, takes its schema version back, or makes it fail its check: foreign;
* otherwise (also when the file alone is no sound history, e.g. blank or damaged: the log cannot make it
  worse) the log stays with the file and the file with its log is inspected as usual.

A file of 0 bytes is never opened in place with its log: SQLite would delete the log. Its log is looked
at through a copy, padded to one page, in a temporary folder.
"""

from __future__ import annotations

import enum
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from psoas_desktop.storage import schema
from psoas_desktop.storage.schema import DamagedError

_WAL_MAGICS = (0x377F0682, 0x377F0683)
_WAL_VERSION = 3007000
_DB_MAGIC = b"SQLite format 3\0"


class LogKind(enum.Enum):
    GARBAGE = "garbage"
    FOREIGN = "foreign"
    HOLDS_THE_HISTORY = "holds the history"
    """The file is 0 bytes and its log alone makes a sound history of ours (its first transactions)."""


@dataclass(frozen=True)
class Verdict:
    kind: LogKind
    reason: str
    """Why, in words the message can show in parentheses."""


@dataclass(frozen=True)
class View:
    """What a connection shows: the ids in the header, and why it is no sound history of ours (None: it is)."""

    application_id: int | None
    user_version: int | None
    damage: str | None


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def has_log(path: Path) -> bool:
    wal = wal_path(path)
    return wal.is_file() and wal.stat().st_size > 0


def wal_header_is_garbage(wal: Path) -> bool:
    """True when a -wal file has content but no valid WAL header (SQLite would silently discard it)."""
    try:
        with wal.open("rb") as handle:
            header = handle.read(32)
    except FileNotFoundError:
        return False
    if not header:
        return False
    if len(header) < 32:
        return True
    magic, version = struct.unpack(">II", header[:8])
    if magic not in _WAL_MAGICS or version != _WAL_VERSION:
        return True
    order = ">" if magic & 1 else "<"
    words = struct.unpack(f"{order}6I", header[:24])
    s0 = s1 = 0
    for i in range(0, 6, 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return (s0, s1) != struct.unpack(">II", header[24:32])


def wal_page_size(wal: Path) -> int:
    """The page size in a (valid) WAL header."""
    with wal.open("rb") as handle:
        return int(struct.unpack(">I", handle.read(12)[8:12])[0])


def file_page_size(path: Path) -> int | None:
    """The page size in the file's own header; None when the file has no SQLite header."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(_DB_MAGIC):
        return None
    size = int(struct.unpack(">H", header[16:18])[0])
    return 65536 if size == 1 else size


def look(path: Path, mode: str) -> View:
    """The file through a connection of `mode` ('ro': with its log, 'immutable': alone). Locks, permissions
    and I/O errors propagate (they say nothing about the content)."""
    conn = schema.connect(path, mode=mode)
    try:
        try:
            application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorname in schema.DAMAGE_CODES:
                return View(None, None, str(exc))
            raise
        try:
            schema.inspect(conn)
        except DamagedError as exc:
            return View(application_id, user_version, str(exc))
        return View(application_id, user_version, None)
    finally:
        conn.close()


@contextmanager
def padded_copy(path: Path) -> Iterator[Path]:
    """A copy of an empty file and its log, the file padded to one page of zeros so SQLite reads the log
    (beside a 0-byte file it deletes it). Page 1 then comes from the log, or the copy is no database."""
    with tempfile.TemporaryDirectory(prefix="psoas-wal-check-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(wal_path(path), wal_path(copy))
        copy.write_bytes(bytes(wal_page_size(wal_path(path))))
        yield copy


def judge(path: Path) -> Verdict | None:
    """The verdict on the log beside an existing `path`; None when there is none or it stays with the file."""
    if not has_log(path):
        return None
    wal = wal_path(path)
    if wal_header_is_garbage(wal):
        return Verdict(LogKind.GARBAGE, "its header is damaged")
    if path.stat().st_size == 0:
        with padded_copy(path) as copy:
            if look(copy, "ro").damage is None:
                return Verdict(LogKind.HOLDS_THE_HISTORY, "the file was empty but its log held the history")
        return None  # an empty file: damaged, moved aside together with its log
    page_size = file_page_size(path)
    if page_size is None:
        return None  # no header of its own: the log may hold page 1; judged as one with it
    if page_size != wal_page_size(wal):
        return Verdict(
            LogKind.FOREIGN,
            f"its pages are {wal_page_size(wal)} bytes long and the history's are {page_size}",
        )
    alone = look(path, "immutable")
    if alone.damage is not None:
        return None  # the file alone is no sound history (blank, damaged): the log cannot make it worse
    with_log = look(path, "ro")
    if with_log.damage is None and (with_log.user_version or 0) >= (alone.user_version or 0):
        return None
    if with_log.application_id is None:
        reason = f"with it the history cannot be read ({with_log.damage})"
    elif with_log.application_id != alone.application_id:
        reason = f"it would change the history's application id to {with_log.application_id:#x}"
    elif with_log.damage is None:
        reason = "it would take the history back to an older schema version"
    else:
        reason = f"with it the history looks damaged ({with_log.damage}), without it the history is sound"
    return Verdict(LogKind.FOREIGN, reason)
