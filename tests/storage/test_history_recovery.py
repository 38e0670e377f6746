"""Recovery at open, every kind of damage alone and combined: the file, its -wal, its -shm, the backups.

Each case asserts which sessions are visible afterwards and that no file was deleted (each one that was
there is still there, by name or, set aside, by its bytes). The histories are built once per module and
copied into each case.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_support import (
    Now,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
    only_cut_short,
    pragma,
)

from psoas_desktop.storage import global_ids, recovery, schema, wal_check
from psoas_desktop.storage.history import History

DB = "history.sqlite3"
WAL = DB + "-wal"
SHM = DB + "-shm"
OPENED = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)
T0 = datetime(2026, 2, 20, 18, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Template:
    """A data folder whose file holds sessions `in_backup` + `in_file_only` (checkpointed) and a -wal of
    ours holding `in_log_only`; the backup folder holds `in_backup`. Side files: other pieces to combine."""

    folder: Path
    in_backup: frozenset[int]
    in_file_only: frozenset[int]
    in_log_only: frozenset[int]
    stale_shm: bytes
    foreign_wal: bytes
    foreign_wal_small_pages: bytes

    @property
    def in_file(self) -> frozenset[int]:
        return self.in_backup | self.in_file_only


def _foreign_wal(folder: Path, page_size: int) -> bytes:
    """The -wal of some other application's WAL database, with its first transactions not checkpointed."""
    path = folder / f"other-{page_size}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA page_size = {page_size}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO notes (body) VALUES (?)", [("x" * 300,)] * 40)
    data = (folder / f"{path.name}-wal").read_bytes()
    conn.close()
    return data


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    folder = tmp_path_factory.mktemp("template")
    data = folder / "data"
    now = Now(datetime(2026, 3, 1, 8, tzinfo=UTC))
    history = History.open(data, now=now).history
    in_backup = set()
    for day in range(3):
        started = T0 + timedelta(days=day)
        session = history.start_session("daily", "standard", started)
        for i in range(12):
            history.add_record(session, hold(i, started + timedelta(seconds=40 * i)))
        history.end_session(session, "completed", started + timedelta(minutes=10))
        in_backup.add(session)
    history.close()
    now.value = datetime(2026, 3, 2, 8, tzinfo=UTC)
    history = History.open(data, now=now).history  # the day-2 backup: in_backup
    in_file_only = set()
    for day in range(2):
        started = datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(hours=day)
        session = history.start_session("daily", "standard", started)
        for i in range(30):
            history.add_record(session, hold(i, started + timedelta(seconds=40 * i), exercise="x" * 150))
        history.end_session(session, "completed", started + timedelta(minutes=25))
        in_file_only.add(session)
    history.close()  # checkpointed: the file holds in_backup + in_file_only
    history = History.open(data, now=now).history
    started = datetime(2026, 3, 3, 9, tzinfo=UTC)
    in_log = history.start_session("daily", "standard", started)
    history.add_record(in_log, hold(0, started))
    stale_shm = (data / SHM).read_bytes()
    for i in range(1, 30):
        history.add_record(in_log, hold(i, started + timedelta(seconds=40 * i), exercise="y" * 150))
    history.end_session(in_log, "completed", started + timedelta(minutes=25))
    snapshot = folder / "snapshot"
    snapshot.mkdir()
    for name in (DB, WAL, SHM):  # while it is open: the last session is in the -wal only
        shutil.copyfile(data / name, snapshot / name)
    shutil.copytree(data / "backups", snapshot / "backups")
    history.close()
    return Template(
        snapshot,
        frozenset(in_backup),
        frozenset(in_file_only),
        frozenset({in_log}),
        stale_shm,
        _foreign_wal(folder, 4096),
        _foreign_wal(folder, 1024),
    )


# -- the pieces of damage -------------------------------------------------------------------------------------


def _garble(path: Path, offset: int, length: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes((i * 7 + 3) % 256 for i in range(length)))


def _file(kind: str, folder: Path) -> None:
    db = folder / DB
    if kind == "0 bytes":
        db.write_bytes(b"")
    elif kind == "truncated":
        os.truncate(db, db.stat().st_size // 3)
    elif kind == "bad header":
        _garble(db, 0, 16)
    elif kind == "bad page":
        _garble(db, 4096 * (db.stat().st_size // 4096 // 2), 4096)
    elif kind == "other app id":
        with db.open("r+b") as f:
            f.seek(68)
            f.write(b"\0\0\0\x2a")
    else:
        assert kind == "sound"


def _wal(kind: str, folder: Path, template: Template) -> None:
    wal = folder / WAL
    if kind == "none":
        wal.unlink()
    elif kind == "garbage":
        wal.write_bytes(bytes((i * 13 + 5) % 256 for i in range(3 * 4096 + 100)))
    elif kind == "foreign":
        wal.write_bytes(template.foreign_wal)
    elif kind == "foreign, 1 KiB pages":
        wal.write_bytes(template.foreign_wal_small_pages)
    elif kind == "truncated":  # cut inside a frame: the transactions before it stay
        os.truncate(wal, 32 + (24 + 4096) * _first_commit_frame(wal.read_bytes()) + 1000)
    else:
        assert kind == "ours"


def _first_commit_frame(wal: bytes) -> int:
    """The 1-based number of the log's first commit frame (its header's "size after commit" is not 0). A cut
    just after it leaves one whole transaction in the log; SQLite writes its next frames after the last
    commit, so a cut later (in a transaction's middle frames) would have those frames written over."""
    frame = 24 + 4096
    for number in range(1, (len(wal) - 32) // frame + 1):
        header = wal[32 + (number - 1) * frame :][:24]
        if int.from_bytes(header[4:8], "big"):
            return number
    raise AssertionError("the template's log holds no transaction")


def _shm(kind: str, folder: Path, template: Template) -> None:
    shm = folder / SHM
    if kind == "none":
        shm.unlink()
    elif kind == "garbage":
        shm.write_bytes(bytes((i * 11 + 1) % 256 for i in range(32768)))
    else:
        assert kind == "stale"
        shm.write_bytes(template.stale_shm)


def _backups(kind: str, folder: Path) -> None:
    if kind == "missing":
        shutil.rmtree(folder / "backups")
    elif kind == "damaged":
        for backup in (folder / "backups").iterdir():
            _garble(backup, 0, 16)
    else:
        assert kind == "good"


FILES = ("sound", "0 bytes", "truncated", "bad header", "bad page", "other app id")
WALS = ("none", "ours", "truncated", "garbage", "foreign", "foreign, 1 KiB pages")
SHMS = ("none", "garbage", "stale")
BACKUPS = ("good", "missing", "damaged")


def _arrange(template: Template, folder: Path, case: tuple[str, str, str, str]) -> Path:
    file, wal, shm, backups = case
    data = folder / "data"
    shutil.copytree(template.folder, data)
    _file(file, data)
    _wal(wal, data, template)
    _shm(shm, data, template)
    _backups(backups, data)
    return data


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _whole_frames(wal: bytes) -> bytes:
    """A log up to its last whole frame (SQLite writes over a torn frame at its end)."""
    frame = 24 + 4096
    return wal[: 32 + max(0, len(wal) - 32) // frame * frame] if len(wal) >= 32 else b""


def _still_there(name: str, data: bytes, after: dict[str, bytes]) -> bool:
    if data in after.values():
        return True
    kept = after.get(name)
    if kept is None:
        return False
    if name == WAL:
        return kept.startswith(_whole_frames(data))
    return name == SHM or kept == data


def _assert_nothing_deleted(before: dict[str, bytes], folder: Path) -> None:
    """Every file is still there: set aside (its bytes under another name), or kept in use by its name,
    the file unchanged, its log only added to, its -shm (an index SQLite rebuilds) in place."""
    after = _contents(folder)
    lost = [name for name, data in before.items() if not _still_there(name, data, after)]
    assert not lost, f"deleted or overwritten: {lost}; now: {sorted(after)}"


def _visible(history: History) -> frozenset[int]:
    return frozenset(s.id for s in history.sessions())


# -- the matrix ----------------------------------------------------------------------------------------------


CASES = list(itertools.product(FILES, WALS, SHMS, BACKUPS))


@pytest.mark.parametrize("case", CASES, ids=["-".join(case) for case in CASES])
def test_recovery_keeps_what_is_sound_and_deletes_nothing(
    template: Template, tmp_path: Path, case: tuple[str, str, str, str]
) -> None:
    """(file, -wal, -shm, backups): e.g. a sound file with a foreign log keeps every session."""
    file, wal, _shm, backups = case
    data = _arrange(template, tmp_path, case)
    before = _contents(data)
    result = History.open(data, now=Now(OPENED))
    history = result.history
    seen = _visible(history)
    text = " ".join(result.messages)
    assert not history.read_only, result.messages
    _assert_nothing_deleted(before, data)

    backup = template.in_backup if backups == "good" else frozenset()
    if file == "sound":
        # A file sound alone is never replaced: at worst its log is set aside.
        if wal == "ours":
            assert seen == template.in_file | template.in_log_only and result.messages == ()
        elif wal == "truncated":
            assert template.in_file <= seen <= template.in_file | template.in_log_only
            # A log cut before the last session's end leaves it cut short: that is all there is to say.
            assert only_cut_short(result.messages), text
        else:
            assert seen == template.in_file
            assert "damaged (" not in text and "restored" not in text, text
        if wal.startswith("foreign"):
            (message,) = result.messages
            assert "does not belong to the history" in message and "Your history is fine" in message
            stamped = f"{WAL}.foreign-20260305T073000Z"
            assert stamped in message and (data / stamped).stat().st_size > 4096
            if wal == "foreign, 1 KiB pages":
                assert "its pages are 1024 bytes long and the history's are 4096" in message
        if wal == "garbage":
            (message,) = result.messages
            assert (
                "write-ahead log was damaged" in message
                and (data / f"{WAL}.corrupt-20260305T073000Z").exists()
            )
    elif wal in ("ours", "truncated") and seen != backup:
        # Our log holds newer copies of some pages (page 1 among them): with it the file may be whole.
        assert template.in_file <= seen <= template.in_file | template.in_log_only, (seen, text)
    else:
        assert seen == backup, text
        assert "history.sqlite3.corrupt-20260305T073000Z" in text, text
        assert ("restored" in text) == (backups == "good"), text
    history.close()
    assert pragma(data / DB, "quick_check") == "ok"


# -- the reported case, and the pieces of the verdict --------------------------------------------------------


@pytest.mark.parametrize("only_the_first_backup", [False, True])
def test_a_foreign_log_beside_a_healthy_history_is_set_aside_and_every_session_stays(
    template: Template, tmp_path: Path, only_the_first_backup: bool
) -> None:
    """Issue 17: a healthy history with another database's -wal beside it was replaced by its backup."""
    data = _arrange(template, tmp_path, ("sound", "foreign", "none", "good"))
    if only_the_first_backup:
        for backup in sorted((data / "backups").iterdir())[1:]:
            backup.rename(tmp_path / backup.name)
    healthy = (data / DB).read_bytes()
    result = History.open(data, now=Now(OPENED))
    (message,) = result.messages
    assert "does not belong to the history" in message and "application id to 0x0" in message, message
    assert _visible(result.history) == template.in_file
    assert (data / f"{WAL}.foreign-20260305T073000Z").read_bytes() == template.foreign_wal
    assert not list(data.glob("*.corrupt-*"))
    result.history.close()
    assert len(healthy) > 0 and pragma(data / DB, "application_id") == 0x50534F41


def test_a_log_that_takes_the_schema_back_is_foreign(template: Template, tmp_path: Path) -> None:
    """Another Psoas history's log (same application id) that would lower the schema version is not ours."""
    data = _arrange(template, tmp_path, ("sound", "none", "none", "good"))
    newer = schema.schema_version() + 1
    with (data / DB).open("r+b") as f:  # the file alone says a newer schema; the log (below) says ours
        f.seek(60)
        f.write(newer.to_bytes(4, "big"))
    shutil.copyfile(template.folder / WAL, data / WAL)
    verdict = wal_check.judge(data / DB)
    assert verdict is not None and verdict.kind is wal_check.LogKind.FOREIGN
    assert "older schema" in verdict.reason


def test_a_log_holding_a_just_created_history_is_ours(tmp_path: Path) -> None:
    """SQLite's own first transactions: the file alone is blank (application id 0, no tables) and the log
    makes it a history. That log is not foreign; the history with it opens as it is."""
    data = tmp_path / "data"
    data.mkdir()
    keep = tmp_path / "keep"
    keep.mkdir()
    conn = sqlite3.connect(data / DB, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("BEGIN")
    conn.execute("PRAGMA application_id = 0x50534F41")
    global_ids.register(conn)  # the functions the id migration calls
    for statements in schema.MIGRATIONS:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {schema.schema_version()}")
    conn.execute(
        "INSERT INTO sessions (routine, level, started_utc, utc_offset_seconds, status)"
        " VALUES ('daily', 'standard', '2026-03-01T10:00:00.000000+00:00', 0, 'completed')"
    )
    conn.execute("COMMIT")
    for name in (DB, WAL):
        shutil.copyfile(data / name, keep / name)
    conn.close()
    for name in (DB, WAL):
        shutil.copyfile(keep / name, data / name)
    assert pragma(keep / DB, "application_id") == 0x50534F41  # (read with its log)
    assert wal_check.judge(data / DB) is None
    result = History.open(data, now=Now(OPENED))
    assert result.messages == () and len(result.history.sessions()) == 1


def test_an_empty_file_whose_log_holds_the_history_is_recovered_from_the_log(tmp_path: Path) -> None:
    """A 0-byte file beside a log that alone makes a sound history of ours: opened with it, SQLite would
    delete the log. Instead the history is rebuilt from the log, and the empty file and the log are kept."""
    built = tmp_path / "built"
    history = History.open(built, now=Now(OPENED)).history
    session = history.start_session("daily", "standard", T0)
    history.add_record(session, hold(0, T0))
    history.end_session(session, "completed", T0 + timedelta(minutes=1))
    history.close()
    conn = sqlite3.connect(built / DB, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("VACUUM")  # in WAL mode every page of the file goes to the log
    data = tmp_path / "data"
    data.mkdir()
    (data / DB).write_bytes(b"")
    shutil.copyfile(built / WAL, data / WAL)
    log = (data / WAL).read_bytes()
    conn.close()
    verdict = wal_check.judge(data / DB)
    assert verdict is not None and verdict.kind is wal_check.LogKind.HOLDS_THE_HISTORY
    result = History.open(data, now=Now(OPENED))
    (message,) = result.messages
    assert "recovered from it" in message and "history.sqlite3.corrupt-20260305T073000Z" in message
    assert [s.id for s in result.history.sessions()] == [session]
    assert len(result.history.entries(session)) == 1
    assert (data / "history.sqlite3.corrupt-20260305T073000Z").read_bytes() == b""
    assert (data / "history.sqlite3.corrupt-20260305T073000Z-wal").read_bytes() == log


def test_an_empty_file_is_never_opened_with_its_log(template: Template, tmp_path: Path) -> None:
    """SQLite deletes a -wal beside a 0-byte file when it opens it; a read-only open must not."""
    data = _arrange(template, tmp_path, ("0 bytes", "ours", "none", "good"))
    before = _contents(data)
    result = History.open(data, now=Now(OPENED), read_only=True)
    assert result.history.sessions() == []
    assert any("the file is empty" in m for m in result.messages), result.messages
    assert _contents(data) == before


# -- read-only openers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wal", "shm"), list(itertools.product(("ours", "garbage", "foreign", "foreign, 1 KiB pages"), SHMS))
)
def test_a_read_only_open_reads_the_file_alone_when_its_log_does_not_fit(
    template: Template, tmp_path: Path, wal: str, shm: str
) -> None:
    """Command-line readers change nothing on disk (SQLite may build its -shm index) and are not fooled."""
    data = _arrange(template, tmp_path, ("sound", wal, shm, "good"))
    before = _contents(data)
    result = History.open(data, now=Now(OPENED), read_only=True)
    expected = template.in_file | (template.in_log_only if wal == "ours" else frozenset())
    assert _visible(result.history) == expected
    assert result.messages == ()  # the CLI reports any message of a read-only open as a failure
    result.history.close()
    notes: list[str] = []
    conn, mode = recovery.reader_connection(data / DB, notes)  # as the app's read-only fallback does
    conn.close()
    assert mode == ("immutable" if wal.startswith("foreign") else "ro")
    if wal.startswith("foreign"):
        (note,) = notes
        assert "does not fit it" in note and "Nothing was changed" in note
    else:
        assert notes == []
    after = _contents(data)
    assert {k: v for k, v in after.items() if k != SHM} == {k: v for k, v in before.items() if k != SHM}


def test_the_log_of_another_psoas_history_is_foreign_when_it_breaks_this_one(
    template: Template, tmp_path: Path
) -> None:
    """Same application id and schema: judged by what it does. Its pages break a sound file: set aside."""
    data = tmp_path / "data"
    data.mkdir()
    schema.create(data / DB)  # a sound, empty history of ours
    shutil.copyfile(template.folder / WAL, data / WAL)  # the log of a bigger one
    verdict = wal_check.judge(data / DB)
    assert verdict is not None and verdict.kind is wal_check.LogKind.FOREIGN
    assert "with it the history looks damaged" in verdict.reason
    result = History.open(data, now=Now(OPENED))
    (message,) = result.messages
    assert "does not belong to the history" in message
    assert result.history.sessions() == []
    assert (data / f"{WAL}.foreign-20260305T073000Z").read_bytes() == (template.folder / WAL).read_bytes()


def test_a_reader_refuses_a_file_damaged_with_and_without_its_log(template: Template, tmp_path: Path) -> None:
    data = _arrange(template, tmp_path, ("bad header", "foreign", "none", "good"))
    before = _contents(data)
    with pytest.raises(schema.DamagedError, match="both with and without"):
        recovery.reader_connection(data / DB, [])
    result = History.open(data, now=Now(OPENED), read_only=True)
    assert result.history.sessions() == [] and "cannot be shown" in " ".join(result.messages)
    result.history.close()
    assert {k: v for k, v in _contents(data).items() if k != SHM} == before


def test_a_log_that_raises_the_schema_version_is_ours(template: Template, tmp_path: Path) -> None:
    """A migration committed to the log and not yet checkpointed raises user_version: not foreign."""
    data = _arrange(template, tmp_path, ("sound", "none", "none", "good"))
    keep = tmp_path / "keep"
    keep.mkdir()
    conn = sqlite3.connect(data / DB, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"PRAGMA user_version = {schema.schema_version() + 1}")  # as a newer app's migration
    shutil.copyfile(data / WAL, keep / WAL)
    shutil.copyfile(data / DB, keep / DB)
    conn.close()
    for name in (DB, WAL):
        shutil.copyfile(keep / name, data / name)
    assert wal_check.judge(data / DB) is None
    result = History.open(data, now=Now(OPENED))
    (message,) = result.messages
    assert "written by a newer version" in message and not list(data.glob("*.foreign-*"))
    assert _visible(result.history) == template.in_file
