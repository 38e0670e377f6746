"""Reading a journal's lines into what the merge applies: the same reading in the merge's own thread (a
few new lines) or, for a long read, in a helper process while the merge's thread applies the blocks before.

This module is all a helper process imports (with the "spawn" start: the app runs threads, so it never
forks), so that it starts quickly.
"""

from __future__ import annotations

import contextlib
import json
import json.scanner
import logging
import multiprocessing
import pickle
import queue
import re
from collections import deque
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psoas_desktop.storage.journal import FORMAT_NAME, FORMAT_VERSION
from psoas_desktop.storage.sync_apply import BadEventError, Event, hold_time

log = logging.getLogger(__name__)


@dataclass
class FileCounts:
    broken: int = 0
    newer: int = 0


# What json.loads runs, without its per-call layers (typeshed mistypes make_scanner's argument).
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def loads(raw: bytes) -> object:
    """json.loads(raw), faster for a line that starts like an object in UTF-8 (every line a journal
    writes): the same decoder on the same text, with the same refusals (a ValueError)."""
    if raw[:1] != b"{" or raw[1:2] == b"\x00":  # json.loads would guess another encoding: let it
        return json.loads(raw)
    text = raw.decode("utf-8", "surrogatepass")  # as json.loads decodes bytes
    try:
        value, end = _scan(text, 0)
    except StopIteration as exc:
        raise ValueError("not a JSON value") from exc
    if end != len(text) and text[end:].strip(" \t\n\r"):  # only JSON whitespace may follow
        raise ValueError("extra data after the JSON value")
    return value


def parse_line(raw: bytes, counts: FileCounts) -> Event | None:
    try:
        event = loads(raw)
    except (ValueError, RecursionError):  # RecursionError: garbage nested deeper than Python parses
        counts.broken += 1
        return None
    if not isinstance(event, dict) or event.get("format") != FORMAT_NAME:
        counts.broken += 1
        return None
    version = event.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        counts.broken += 1
        return None
    if version > FORMAT_VERSION:
        counts.newer += 1
        return None
    return event


# A hold line exactly as journal.line writes it, with plain values only: printable ASCII texts without
# escapes, whole numbers of at most 15 digits (or a JSON number with a fraction or exponent), no spaces.
# For such a line, json.loads gives these very values, so it is read without building the event first;
# every other line takes the general way. Its time is in utc_text's form, so it is checked, not normalised;
# its device is not read (a hold's is not used).
_TEXT = r'"([\x20\x21\x23-\x5b\x5d-\x7e]+)"'
_WHOLE = r"(-?(?:0|[1-9][0-9]{0,14}))"
_NUMBER = r"(-?(?:0|[1-9][0-9]{0,14})|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+))"
_HOLD_LINE = re.compile(
    r'\{"format":"psoas-history-journal","version":1,"type":"hold","device":"[\x20\x21\x23-\x5b\x5d-\x7e]+"'
    + r',"session":'
    + _TEXT
    + r',"exercise":'
    + _TEXT
    + r',"side":(null|"left"|"right"),"set_number":'
    + _WHOLE
    + r',"rep":(null|'
    + _WHOLE[1:-1]
    + r'),"planned_seconds":'
    + _NUMBER
    + r',"actual_seconds":'
    + _NUMBER
    + r',"started_utc":"([0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00)"'
    + r',"utc_offset_seconds":'
    + _WHOLE
    + r',"status":'
    + _TEXT
    + r',"phase_index":'
    + _WHOLE
    + r"\}"
)


def plain_hold(raw: bytes) -> tuple[tuple[Any, ...], str] | None:
    """The row and session of a plain hold line (as _hold_row would give them); None for any other line.
    BadEventError for a time that is not a real date."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    match = _HOLD_LINE.fullmatch(text)
    if match is None:
        return None
    session, exercise, side, set_number, rep, planned, actual, started, offset, status, phase = match.groups()
    try:
        datetime.fromisoformat(started)  # in utc_text's own form: itself once it is a real date
    except ValueError:
        started = hold_time(started)  # refused, with its reason
    row = (
        exercise,
        None if side == "null" else side[1:-1],
        int(set_number),
        None if rep == "null" else int(rep),
        float(planned),
        float(actual),
        started,
        int(offset),
        status,
        int(phase),
    )
    return row, session


HoldRun = tuple[str, list[tuple[Any, ...]], Sequence[int]]
"""Plain hold lines in a row of one session: its UUID, their rows, the indexes of their lines in the block."""
Parsed = tuple[int, int, list[Event | HoldRun]]
"""A block read: its broken and its newer-version lines (counted), and what to apply, in order: events (dicts)
and runs of plain holds."""


def parse_block(block: bytes) -> Parsed:
    """What a block of whole lines holds, in order, as the merge applies it."""
    counts = FileCounts()
    items: list[Event | HoldRun] = []
    rows: list[tuple[Any, ...]] = []
    indexes: list[int] = []
    session = ""

    def end_run() -> None:
        nonlocal rows, indexes
        if rows:
            first = indexes[0]
            contiguous = indexes[-1] - first + 1 == len(indexes)
            items.append((session, rows, range(first, first + len(indexes)) if contiguous else indexes))
            rows, indexes = [], []

    for index, raw in enumerate(block.splitlines()):
        try:
            hold = plain_hold(raw)
        except BadEventError:
            counts.broken += 1
            continue
        if hold is not None:
            if hold[1] != session:
                end_run()
                session = hold[1]
            rows.append(hold[0])
            indexes.append(index)
            continue
        if not raw.strip():
            continue
        end_run()
        event = parse_line(raw, counts)
        if event is not None:
            items.append(event)
    end_run()
    return counts.broken, counts.newer, items


# -- the helper process --------------------------------------------------------------------------------------

READY = b"ready"
FAILED = b""  # a block the helper could not read (or send): the merge reads it itself
START_SECONDS = 30.0  # a helper that has not started by then (a loaded machine) is given up
BLOCK_SECONDS = 60.0  # nor one that takes this long over one block
IN_FLIGHT = 3  # blocks sent ahead of the one being applied: the memory a read may take is bounded


def serve(tasks: Any, results: Any) -> None:
    """The helper process: reads each block it is sent and sends back what it holds (pickled here, so a
    value pickle refuses fails its block, not the helper); None ends it."""
    results.put(READY)
    while (block := tasks.get()) is not None:
        try:
            data = pickle.dumps(parse_block(block), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # e.g. RecursionError: the merge reads that block itself
            data = FAILED
        results.put(data)


class HelperError(Exception):
    """The helper process cannot be started or stopped answering."""


class ParseHelper:
    """A helper process that reads blocks while the merge applies others; started at the first long read of
    a merge, stopped by :meth:`close` (always: use it as a context manager). Whenever it cannot be started or
    fails, the blocks are read in the merge's thread instead: the same reading, so the same merge."""

    def __init__(self) -> None:
        self._process: Any = None
        self._tasks: Any = None
        self._results: Any = None
        self._unusable = False

    def __enter__(self) -> ParseHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parsed(self, blocks: Iterable[bytes]) -> Generator[tuple[bytes, Parsed], None, None]:
        """Each block with what it holds, in order: read by the helper, or here when it cannot."""
        if not self._started():
            yield from ((block, parse_block(block)) for block in blocks)
            return
        sent: deque[bytes] = deque()
        read = iter(blocks)
        try:
            while True:
                try:
                    block = next(read)
                except StopIteration:
                    break
                except BaseException:  # a read error: what was read before is applied first, as without help
                    while sent:
                        block = sent.popleft()
                        yield block, self._receive(block)
                    raise
                if self._unusable:  # the helper failed: the rest is read here
                    while sent:
                        earlier = sent.popleft()
                        yield earlier, self._receive(earlier)
                    yield block, parse_block(block)
                    continue
                sent.append(block)
                self._send(block)
                if len(sent) > IN_FLIGHT:
                    block = sent.popleft()
                    yield block, self._receive(block)
            while sent:
                block = sent.popleft()
                yield block, self._receive(block)
        finally:
            if sent and not self._unusable:  # left unfinished (the caller failed): answers would go astray
                self._fail("was left with blocks unread")

    def _started(self) -> bool:
        if self._unusable:
            return False
        if self._process is not None:
            return True
        try:
            context = multiprocessing.get_context("spawn")
            self._tasks, self._results = context.Queue(), context.Queue()
            self._process = context.Process(
                target=serve, args=(self._tasks, self._results), name="psoas-merge-reader", daemon=True
            )
            self._process.start()
            if self._get(START_SECONDS) != READY:
                raise HelperError("it did not start")
        except Exception as exc:  # no multiprocessing, a frozen app, an OSError: read here
            self._fail(f"cannot start ({exc!r})")
            return False
        return True

    def _send(self, block: bytes) -> None:
        try:
            self._tasks.put(block)
        except Exception as exc:
            self._fail(f"cannot be sent a block ({exc!r})")

    def _receive(self, block: bytes) -> Parsed:
        if not self._unusable:
            try:
                data = self._get(BLOCK_SECONDS)
                if data != FAILED:
                    parsed: Parsed = pickle.loads(data)  # our own helper's answer
                    return parsed
            except Exception as exc:
                self._fail(f"stopped answering ({exc!r})")
        return parse_block(block)

    def _get(self, seconds: float) -> bytes:
        waited = 0.0
        while True:
            try:
                data: bytes = self._results.get(timeout=0.5)
                return data
            except queue.Empty:
                waited += 0.5
                if not self._process.is_alive():
                    raise HelperError(f"it exited ({self._process.exitcode})") from None
                if waited >= seconds:
                    raise HelperError(f"no answer in {seconds} s") from None

    def _fail(self, why: str) -> None:
        log.debug("the merge's reading helper %s; the merge reads the journals itself", why)
        self._unusable = True
        self._stop(gently=False)

    def close(self) -> None:
        self._stop(gently=not self._unusable)

    def _stop(self, *, gently: bool) -> None:
        process, self._process = self._process, None
        tasks, results = self._tasks, self._results
        self._tasks = self._results = None
        try:
            if process is not None and process.pid is not None:
                if gently and process.is_alive():
                    try:
                        tasks.put(None)
                        process.join(5)
                    except Exception:  # stopped below
                        pass
                if process.is_alive():
                    process.terminate()
                    process.join(5)
                if process.is_alive():
                    process.kill()
                    process.join()
        finally:
            for channel in (tasks, results):
                if channel is not None:
                    channel.cancel_join_thread()
                    channel.close()
            if process is not None:
                with contextlib.suppress(ValueError):  # still running (it could not be stopped): left to exit
                    process.close()
