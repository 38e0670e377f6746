"""The sync merge as a property: N devices (2–4) record sessions with holds, check-ins, deletions, renames and
restarts through the real History API, each writing its journal to its own copy of the sync folder (as with
Syncthing, every device has a copy of its own). Between the devices, journals arrive whole, cut mid-line (the
rest comes later), as an older version, with lines duplicated, or as Syncthing conflict copies (in their order,
or with their lines shuffled), at any time and in any order, also passed on through a third device; a device
may lose its own journal (it writes its whole history again); and the devices merge whenever they like.

Once every device has every journal and has merged, every device holds the same history, and it is the one
the devices made: each surviving session once with exactly its holds and check-ins, every deleted session gone
everywhere with its tombstone, every device known by its newest name, no merge warning, nothing left waiting.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from history_support import Now, hold
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from psoas_desktop.storage.export import collect, render
from psoas_desktop.storage.history import History
from psoas_desktop.storage.import_export import events_from_export
from psoas_desktop.storage.journal import SUFFIX, journal_folder

T0 = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
# CI has two cores: 80 programs of up to 40 steps take about 6 s there; set
# PSOAS_SYNC_EXAMPLES to search longer by hand.
PROPERTY = settings(
    max_examples=int(os.environ.get("PSOAS_SYNC_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Ending = Literal["completed", "stopped", "interrupted"] | None
How = Literal["whole", "cut", "older", "duplicated", "conflict", "shuffled-conflict"]

# -- the programs -------------------------------------------------------------------------------------------
# Device numbers and picks are taken modulo what exists when the step runs, so every program is valid and
# shrinks well.


@dataclass(frozen=True)
class Record:
    device: int
    holds: int
    ending: Ending
    checkins: int


@dataclass(frozen=True)
class Finish:
    device: int
    pick: int
    ending: Literal["completed", "stopped", "interrupted"]


@dataclass(frozen=True)
class CheckIn:
    device: int
    pick: int
    tightness: int


@dataclass(frozen=True)
class Delete:
    device: int
    pick: int


@dataclass(frozen=True)
class Rename:
    device: int
    name: str


@dataclass(frozen=True)
class Restart:
    """Closed without ending a running session (a crash or a quit) and opened again."""

    device: int


@dataclass(frozen=True)
class Deliver:
    source: int
    target: int
    how: How
    fraction: float  # where to cut, which older version, which lines twice, how to shuffle


@dataclass(frozen=True)
class Relay:
    """A device passes on a file it received (Syncthing syncs through any device): a conflict copy, an old
    or a cut version of a third device's journal."""

    via: int
    target: int
    pick: int


@dataclass(frozen=True)
class LoseJournal:
    """The device's journal is deleted from its folder; at its next start it writes its whole history again."""

    device: int


@dataclass(frozen=True)
class Import:
    """`psoas-desktop import`: a device's `export --format json`, taken now, imported on another."""

    source: int
    target: int


@dataclass(frozen=True)
class Merge:
    device: int


Step = Record | Finish | CheckIn | Delete | Rename | Restart | Deliver | Relay | LoseJournal | Import | Merge

ENDINGS = st.sampled_from(["completed", "stopped", "interrupted"])
DEVICE = st.integers(0, 3)
FRACTION = st.floats(0.0, 1.0, allow_nan=False)
STEPS = st.one_of(
    st.builds(Record, DEVICE, st.integers(0, 3), st.one_of(st.none(), ENDINGS), st.integers(0, 2)),
    st.builds(Finish, DEVICE, st.integers(0, 50), ENDINGS),
    st.builds(CheckIn, DEVICE, st.integers(0, 50), st.integers(0, 10)),
    st.builds(Delete, DEVICE, st.integers(0, 50)),
    st.builds(Rename, DEVICE, st.sampled_from(["laptop", "desk", "Küche", "work PC"])),
    st.builds(Restart, DEVICE),
    st.builds(
        Deliver,
        DEVICE,
        DEVICE,
        st.sampled_from(["whole", "cut", "older", "duplicated", "conflict", "shuffled-conflict"]),
        FRACTION,
    ),
    st.builds(Relay, DEVICE, DEVICE, st.integers(0, 50)),
    st.builds(LoseJournal, DEVICE),
    st.builds(Import, DEVICE, DEVICE),
    st.builds(Merge, DEVICE),
)


# -- the devices ----------------------------------------------------------------------------------------------


@dataclass
class Laptop:
    """One device: its data folder, its History and its own copy of the sync folder."""

    number: int
    data_dir: Path
    sync_dir: Path
    history: History
    device_id: str
    warnings: list[str] = field(default_factory=list)
    versions: list[bytes] = field(default_factory=list)  # its journal as it was after each of its steps

    @property
    def journal(self) -> Path:
        return journal_folder(self.sync_dir) / f"{self.device_id}{SUFFIX}"

    def snapshot(self) -> None:
        self.history.flush()
        data = self.journal.read_bytes() if self.journal.exists() else b""
        if not self.versions or self.versions[-1] != data:
            self.versions.append(data)

    def open(self) -> None:
        result = History.open(self.data_dir, now=Now(T0 + timedelta(days=30)))
        self.history = result.history
        assert not self.history.read_only, result.messages
        self.history.submit_attach_journal(self.sync_dir, self.data_dir, self.warnings.append).result()


def open_laptop(root: Path, number: int) -> Laptop:
    data_dir = root / f"data-{number}"
    sync_dir = root / f"sync-{number}"
    journal_folder(sync_dir).mkdir(parents=True)
    result = History.open(data_dir, now=Now(T0 + timedelta(days=30)))
    history = result.history
    history.submit_rename_device(f"device {number}").result()
    device_id = history.device_id()
    assert device_id is not None
    laptop = Laptop(number, data_dir, sync_dir, history, device_id)
    history.submit_attach_journal(sync_dir, data_dir, laptop.warnings.append).result()
    laptop.snapshot()
    return laptop


def write_atomically(path: Path, data: bytes) -> None:
    """As Syncthing puts a received file in place: a temporary file (its name starts with a dot), renamed."""
    temp = path.with_name(f".syncthing.{path.name}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def lines_of(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@dataclass
class World:
    laptops: list[Laptop]
    clock: int = 0
    conflicts: int = 0
    deleted: set[str] = field(default_factory=set)
    sessions: dict[str, str] = field(default_factory=dict)  # uuid → device that made it
    holds: dict[str, set[int]] = field(default_factory=dict)  # uuid → phase indexes recorded
    checkins: dict[str, str] = field(default_factory=dict)  # check-in uuid → its session's uuid
    names: dict[str, str] = field(default_factory=dict)  # device id → its newest name
    running: dict[str, int] = field(default_factory=dict)  # uuid → local id, on its own device

    def at(self, number: int) -> Laptop:
        return self.laptops[number % len(self.laptops)]

    def tick(self) -> datetime:
        self.clock += 1
        return T0 + timedelta(minutes=10 * self.clock)

    def local_sessions(self, laptop: Laptop) -> list[tuple[int, str]]:
        return sorted((s.id, str(s.uuid)) for s in laptop.history.sessions())

    def run(self, step: Step) -> None:
        match step:
            case Record():
                self.record(self.at(step.device), step)
            case Finish():
                laptop = self.at(step.device)
                mine = sorted(
                    u for u, d in self.sessions.items() if d == laptop.device_id and u in self.running
                )
                if mine:
                    uuid = mine[step.pick % len(mine)]
                    laptop.history.end_session(self.running.pop(uuid), step.ending, self.tick())
            case CheckIn():
                laptop = self.at(step.device)
                known = self.local_sessions(laptop)
                if known:
                    session_id, uuid = known[step.pick % len(known)]
                    self.checkin(laptop, session_id, uuid, step.tightness)
            case Delete():
                laptop = self.at(step.device)
                known = self.local_sessions(laptop)
                if known:
                    session_id, uuid = known[step.pick % len(known)]
                    laptop.history.submit_delete_session(session_id, self.tick().isoformat()).result()
                    self.deleted.add(uuid)
                    self.running.pop(uuid, None)
            case Rename():
                laptop = self.at(step.device)
                laptop.history.submit_rename_device(step.name).result()
                self.names[laptop.device_id] = step.name
            case Restart():
                laptop = self.at(step.device)
                laptop.history.close()
                laptop.open()
                for uuid in [u for u, d in self.sessions.items() if d == laptop.device_id]:
                    self.running.pop(uuid, None)  # cut short at the open
            case Deliver():
                source, target = self.at(step.source), self.at(step.target)
                if source is not target:
                    self.deliver(source, target, step.how, step.fraction)
            case Relay():
                via, target = self.at(step.via), self.at(step.target)
                files = sorted(  # never the target's own journal: only it writes that
                    p
                    for p in journal_folder(via.sync_dir).glob(f"*{SUFFIX}")
                    if p.name != target.journal.name
                )
                if files and via is not target:
                    chosen = files[step.pick % len(files)]
                    write_atomically(journal_folder(target.sync_dir) / chosen.name, chosen.read_bytes())
            case LoseJournal():
                laptop = self.at(step.device)
                laptop.history.close()
                laptop.journal.unlink(missing_ok=True)
                laptop.open()
                for uuid in [u for u, d in self.sessions.items() if d == laptop.device_id]:
                    self.running.pop(uuid, None)  # cut short at the open
            case Import():
                source, target = self.at(step.source), self.at(step.target)
                if source is not target:
                    document = json.loads(render(collect(source.history), "json"))
                    target.history.submit_import(events_from_export(document, target.device_id)).result()
            case Merge():
                laptop = self.at(step.device)
                result = laptop.history.submit_merge(laptop.sync_dir).result()
                assert result.warnings == [], result.warnings
        for laptop in self.laptops:
            laptop.snapshot()

    def record(self, laptop: Laptop, step: Record) -> None:
        started = self.tick()
        session_id = laptop.history.start_session("daily", "standard", started)
        (uuid,) = [u for i, u in self.local_sessions(laptop) if i == session_id]
        self.sessions[uuid] = laptop.device_id
        self.holds[uuid] = set(range(step.holds))
        for index in range(step.holds):
            laptop.history.add_record(session_id, hold(index, started + timedelta(seconds=40 * index)))
        if step.ending is None:
            self.running[uuid] = session_id
        else:
            laptop.history.end_session(session_id, step.ending, started + timedelta(minutes=5))
        for number in range(step.checkins):
            self.checkin(laptop, session_id, uuid, number * 3)

    def checkin(self, laptop: Laptop, session_id: int, uuid: str, tightness: int) -> None:
        before = {str(c.uuid) for c in laptop.history.checkins()}
        laptop.history.add_checkin(
            session_id, "left" if tightness % 2 else None, tightness, f"felt {tightness}"
        )
        (new,) = {str(c.uuid) for c in laptop.history.checkins()} - before
        self.checkins[new] = uuid

    def deliver(self, source: Laptop, target: Laptop, how: How, fraction: float) -> None:
        current = source.versions[-1]
        folder = journal_folder(target.sync_dir)
        into = folder / source.journal.name
        pick = random.Random(fraction)
        if how == "whole":
            write_atomically(into, current)
        elif how == "cut":  # still being written (or synced): the rest comes later
            write_atomically(into, current[: round(len(current) * fraction)])
        elif how == "older":  # replaced by an older version of itself (a restore, a sync gone back)
            write_atomically(into, source.versions[int(fraction * (len(source.versions) - 1))])
        elif how == "duplicated":
            doubled = [line for line in lines_of(current) for line in [line] * (1 + (pick.random() < 0.5))]
            write_atomically(into, b"".join(doubled))
        else:
            version = source.versions[int(fraction * (len(source.versions) - 1))]
            if how == "shuffled-conflict":
                shuffled = lines_of(version)
                pick.shuffle(shuffled)
                version = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in shuffled)
            self.conflicts += 1
            stem = source.journal.name[: -len(SUFFIX)]
            name = f"{stem}.sync-conflict-20261205-120000-{self.conflicts:07X}{SUFFIX}"
            write_atomically(folder / name, version)

    def deliver_everything(self) -> None:
        for target in self.laptops:
            for source in self.laptops:
                if source is not target:
                    write_atomically(
                        journal_folder(target.sync_dir) / source.journal.name, source.versions[-1]
                    )


# -- what a history holds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    sessions: dict[str, tuple[object, ...]]
    holds: dict[str, list[tuple[object, ...]]]
    checkins: dict[str, tuple[object, ...]]
    tombstones: set[str]
    devices: dict[str, str]
    pending: int


def facts(history: History) -> Facts:
    with history.reading() as conn:
        assert conn is not None
        return read_facts(conn)


def read_facts(conn: sqlite3.Connection) -> Facts:
    sessions = {
        str(row[0]): tuple(row[1:])
        for row in conn.execute(
            "SELECT uuid, device, routine, level, started_utc, utc_offset_seconds, status, ended_utc,"
            " routine_name, routine_hash, dose_hash FROM sessions"
        )
    }
    holds: dict[str, list[tuple[object, ...]]] = {uuid: [] for uuid in sessions}
    for row in conn.execute(
        "SELECT s.uuid, e.phase_index, e.exercise, e.side, e.set_number, e.rep, e.planned_seconds,"
        " e.actual_seconds, e.started_utc, e.utc_offset_seconds, e.status"
        " FROM entries e JOIN sessions s ON s.id = e.session_id ORDER BY s.uuid, e.phase_index"
    ):
        holds[str(row[0])].append(tuple(row[1:]))
    checkins = {
        str(row[0]): tuple(row[1:])
        for row in conn.execute(
            "SELECT c.uuid, s.uuid, c.device, c.side, c.tightness, c.note, c.created_utc"
            " FROM checkins c JOIN sessions s ON s.id = c.session_id"
        )
    }
    tombstones = {str(row[0]) for row in conn.execute("SELECT uuid FROM deleted_sessions")}
    devices = {str(i): str(n) for i, n in conn.execute("SELECT id, name FROM devices")}
    (pending,) = conn.execute("SELECT COUNT(*) FROM sync_pending").fetchone()
    return Facts(sessions, holds, checkins, tombstones, devices, int(pending))


# -- the property ---------------------------------------------------------------------------------------------


@contextmanager
def world_of(devices: int) -> Iterator[World]:
    root = Path(tempfile.mkdtemp(prefix="psoas-sync-property-"))
    laptops: list[Laptop] = []
    try:
        for number in range(devices):
            laptops.append(open_laptop(root, number))
        world = World(laptops)
        world.names = {laptop.device_id: f"device {laptop.number}" for laptop in laptops}
        yield world
    finally:
        for laptop in laptops:
            laptop.history.close()
        shutil.rmtree(root)


def check_converged(world: World) -> None:
    world.deliver_everything()
    for laptop in world.laptops:
        result = laptop.history.submit_merge(laptop.sync_dir).result()
        assert result.warnings == [], result.warnings
        assert result.devices == len(world.laptops) - 1
    seen = [facts(laptop.history) for laptop in world.laptops]
    first = seen[0]
    for laptop, other in zip(world.laptops[1:], seen[1:], strict=True):
        assert other == first, f"device {laptop.number} differs from device 0"
    # … and it is the history the devices made: nothing lost, nothing doubled, nothing back from the dead.
    alive = {uuid for uuid in world.sessions if uuid not in world.deleted}
    assert set(first.sessions) == alive
    assert {u: first.sessions[u][0] for u in alive} == {u: world.sessions[u] for u in alive}
    assert {u: [h[0] for h in first.holds[u]] for u in alive} == {u: sorted(world.holds[u]) for u in alive}
    assert {c: first.checkins[c][0] for c in first.checkins} == {
        c: u for c, u in world.checkins.items() if u not in world.deleted
    }
    assert first.tombstones == world.deleted
    assert first.devices == world.names
    assert first.pending == 0
    assert all(laptop.warnings == [] for laptop in world.laptops)


@PROPERTY
@given(devices=st.integers(2, 4), steps=st.lists(STEPS, max_size=40))
# Found by this test (each was a divergence): a conflict copy's older device name undid a rename that was read
# before it; a session cut short at an open never had its end journaled, so the others showed it running;
# an open cut short another device's running session here, which then ended it at another time there.
@example(devices=2, steps=[Rename(1, "laptop"), Deliver(1, 0, "conflict", 0.0)])
@example(devices=2, steps=[Record(0, 1, None, 0), Restart(0)])
# … and an import gave a check-in its session's device, not the one that checked in:
@example(devices=2, steps=[Record(0, 0, None, 0), Import(0, 1), CheckIn(1, 0, 0), Import(1, 0)])
@example(
    devices=2,
    steps=[
        Record(0, 1, None, 0),
        Deliver(0, 1, "whole", 1.0),
        Merge(1),
        Restart(1),
        Finish(0, 0, "interrupted"),
    ],
)
def test_every_device_ends_with_the_same_history(devices: int, steps: list[Step]) -> None:
    with world_of(devices) as world:
        for step in steps:
            world.run(step)
        check_converged(world)
