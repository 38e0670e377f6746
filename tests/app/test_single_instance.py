"""The single-instance socket: what a later launch may ask, and what the running window refuses.

The server runs in this process and the launches are real QLocalSockets, driven by the event loop (no
waitFor* on this thread: the server answers only while the loop runs)."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from psoas_desktop.app.single_instance import (
    MAX_REQUEST_BYTES,
    HandOver,
    InstanceServer,
    Request,
    hand_over,
    server_name,
    socket_folder,
)

KNOWN = frozenset({"quick-stretch", "hip-flexor-lunge"})
TIMEOUT_MS = 200  # a connection without a line is dropped this soon here (5 s in the app)
LOGGER = "psoas_desktop.app.single_instance"


@dataclass
class Heard:
    requests: list[Request] = field(default_factory=list)
    unknown: int = 0


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def server(tmp_path: Path, heard: Heard) -> Iterator[InstanceServer]:
    server = InstanceServer(tmp_path / "data", KNOWN.__contains__, request_timeout_ms=TIMEOUT_MS)
    server.requested.connect(heard.requests.append)
    server.asked_for_unknown.connect(lambda: setattr(heard, "unknown", heard.unknown + 1))
    assert server.listen()
    yield server
    server.close()


@dataclass
class Launch:
    """A later launch as the server sees it: what it sent, and what came back before the line closed."""

    socket: QLocalSocket
    received: bytearray

    @property
    def answer(self) -> bytes:
        return bytes(self.received).strip()


def send(qtbot: QtBot, server: InstanceServer, data: bytes) -> Launch:
    """Connect, write `data` and run the loop until the server has closed the connection."""
    assert server.name is not None
    socket = QLocalSocket()
    launch = Launch(socket, bytearray())
    socket.readyRead.connect(lambda: launch.received.extend(bytes(socket.readAll().data())))
    socket.connectToServer(server.name)
    assert socket.state() == QLocalSocket.LocalSocketState.ConnectedState  # a local connect is immediate
    socket.write(data)
    qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=10_000)
    return launch


def good_request_is_served(qtbot: QtBot, server: InstanceServer, heard: Heard) -> None:
    before = len(heard.requests)
    assert send(qtbot, server, Request(start="quick-stretch").encode()).answer == b"ok"
    assert heard.requests[before:] == [Request(start="quick-stretch")]


# -- what is answered --------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", [None, "quick-stretch", "hip-flexor-lunge"])
def test_a_request_to_raise_or_start_a_known_routine_is_answered_ok(
    qtbot: QtBot, server: InstanceServer, heard: Heard, start: str | None
) -> None:
    assert send(qtbot, server, Request(start=start).encode()).answer == b"ok"
    assert heard.requests == [Request(start=start)] and heard.unknown == 0


@pytest.mark.parametrize("start", ["no-such-routine", "x" * 200_000, "", "quick-stretch\u0000; rm -rf"])
def test_an_unknown_routine_is_answered_error_and_never_handed_on(
    qtbot: QtBot,
    server: InstanceServer,
    heard: Heard,
    start: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    launch = send(qtbot, server, Request(start=start).encode())
    assert heard.requests == []
    if len(Request(start=start).encode()) <= MAX_REQUEST_BYTES:
        assert launch.answer == b"error" and heard.unknown == 1
    else:  # 200 KB: cut off unanswered before it is even read whole
        assert launch.answer == b"" and heard.unknown == 0
    assert all(len(record.getMessage()) < 300 for record in caplog.records)  # the log quotes no 200 KB
    good_request_is_served(qtbot, server, heard)


@pytest.mark.parametrize(
    "line", [b"", b"hello\n", b'{"action": "delete"}\n', b'{"action": "raise", "start": 3}\n']
)
def test_a_malformed_request_is_refused(line: bytes) -> None:
    with pytest.raises(ValueError, match=r"^bad request: "):
        Request.decode(line)


# -- what is read --------------------------------------------------------------------------------------------


def padded(request: Request, length: int) -> bytes:
    """The request as one line of exactly `length` bytes (JSON allows spaces before the newline)."""
    line = request.encode()[:-1]
    return line + b" " * (length - len(line) - 1) + b"\n"


def test_a_line_of_exactly_the_cap_is_read_and_one_byte_more_is_cut_off(
    qtbot: QtBot, server: InstanceServer, heard: Heard, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    assert send(qtbot, server, padded(Request(), MAX_REQUEST_BYTES)).answer == b"ok"
    assert heard.requests == [Request()]
    assert send(qtbot, server, padded(Request(), MAX_REQUEST_BYTES + 1)).answer == b""
    assert heard.requests == [Request()]
    assert [r.getMessage() for r in caplog.records] == [
        f"single instance: dropping a request longer than {MAX_REQUEST_BYTES} bytes"
    ]


def test_a_huge_request_without_a_newline_is_never_read_past_the_cap(
    qtbot: QtBot,
    server: InstanceServer,
    heard: Heard,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    read_by_server: list[int] = []
    original_read = QLocalSocket.read

    def counting_read(socket: QLocalSocket, size: int) -> object:
        data = original_read(socket, size)
        read_by_server.append(data.size())
        return data

    monkeypatch.setattr(QLocalSocket, "read", counting_read)
    launch = send(qtbot, server, b"a" * (16 * 1024 * 1024))
    assert launch.answer == b"" and heard.requests == []
    assert sum(read_by_server) <= MAX_REQUEST_BYTES
    assert len([r for r in caplog.records if "longer than" in r.getMessage()]) == 1
    good_request_is_served(qtbot, server, heard)


@pytest.mark.parametrize("data", [b"", b'{"action": "raise"'], ids=["nothing", "half a line"])
def test_a_connection_that_never_completes_a_line_is_dropped_after_the_timeout(
    qtbot: QtBot, server: InstanceServer, heard: Heard, data: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    assert send(qtbot, server, data).answer == b""  # send() returns once the server has hung up
    assert heard.requests == []
    assert any("sent no request within" in r.getMessage() for r in caplog.records)
    good_request_is_served(qtbot, server, heard)


def test_closing_the_server_drops_the_connections_still_waiting_for_a_line(
    qtbot: QtBot, tmp_path: Path
) -> None:
    server = InstanceServer(tmp_path / "data", KNOWN.__contains__)  # the app's 5 s timeout
    assert server.listen() and server.name is not None
    socket = QLocalSocket()
    socket.connectToServer(server.name)
    qtbot.waitUntil(lambda: len(server._connections) == 1, timeout=5000)
    server.close()  # the conftest fails the test if the connection's timer still runs
    qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=5000)


# -- the fuzz ------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
names = st.sampled_from(sorted(KNOWN)) | st.text(max_size=40)
request_like = st.fixed_dictionaries(
    {"action": st.sampled_from(["raise", "Raise", "delete", ""]) | json_values},
    optional={"start": names | json_values, "extra": json_values},
)


def _dumped(value: object) -> bytes:
    return json.dumps(value).encode()


hostile_lines = st.one_of(
    st.binary(max_size=300),  # invalid UTF-8, NUL bytes, newlines anywhere
    json_values.map(_dumped),  # valid JSON of the wrong shape
    request_like.map(_dumped),  # nearly right: unknown names, wrong types, unknown actions
    st.integers(1, 100_000).map(
        lambda depth: b"[" * depth + b"]" * depth
    ),  # nesting past the recursion limit
    st.integers(MAX_REQUEST_BYTES - 40, MAX_REQUEST_BYTES + 40).map(
        lambda size: b'{"action": "raise", "start": "' + b"q" * size + b'"}'
    ),
)
hostile = st.tuples(hostile_lines, st.sampled_from([b"\n", b"", b"\r\n"])).map(lambda pair: pair[0] + pair[1])


def accepted(data: bytes) -> Request | None:
    """What the server may hand on for `data`: the first line, if complete, in the cap, well-formed, known."""
    end = data.find(b"\n")
    if end < 0 or end + 1 > MAX_REQUEST_BYTES:
        return None
    try:
        request = Request.decode(data[: end + 1])
    except ValueError:
        return None
    return request if request.start is None or request.start in KNOWN else None


@given(data=hostile)
@settings(max_examples=400)
def test_decode_returns_a_request_or_raises_value_error_and_nothing_else(data: bytes) -> None:
    outcome: Request | ValueError
    try:
        outcome = Request.decode(data)
    except ValueError as error:
        outcome = error
    if isinstance(outcome, ValueError):
        assert str(outcome).startswith("bad request: ") and len(str(outcome)) < 100  # never quotes the input
    else:
        assert outcome.start is None or isinstance(outcome.start, str)
        if len(outcome.encode()) <= MAX_REQUEST_BYTES:  # a launch sends it
            assert Request.decode(outcome.encode()) == outcome


@given(start=st.none() | st.text(max_size=200))
def test_every_request_a_launch_encodes_decodes_to_itself(start: str | None) -> None:
    assert Request.decode(Request(start=start).encode()) == Request(start=start)


@given(data=hostile)
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_server_hands_on_only_good_requests_and_keeps_serving(
    qtbot: QtBot, server: InstanceServer, heard: Heard, data: bytes
) -> None:
    """One server for all examples: whatever came before, the next launch is still served."""
    heard.requests.clear()
    heard.unknown = 0
    launch = send(qtbot, server, data)
    expected = accepted(data)
    if expected is None:
        assert heard.requests == [] and launch.answer in (b"error", b"")
    else:
        assert heard.requests == [expected] and launch.answer == b"ok"
    good_request_is_served(qtbot, server, heard)


# -- where the socket lives ----------------------------------------------------------------------------------


@pytest.fixture
def no_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No XDG_RUNTIME_DIR, and a temp dir of this test's own; returns where our folder goes."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path / f"psoas-desktop-{os.getuid()}"


def test_the_runtime_dir_is_used_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert socket_folder() == tmp_path
    name = server_name(tmp_path / "data")
    assert name is not None and Path(name).parent == tmp_path


@pytest.mark.parametrize("umask", [0o022, 0o377])
def test_without_a_runtime_dir_the_socket_goes_to_a_private_folder_of_mode_700(
    no_runtime_dir: Path, umask: int
) -> None:
    previous = os.umask(umask)
    try:
        assert socket_folder() == no_runtime_dir
    finally:
        os.umask(previous)
    info = os.lstat(no_runtime_dir)
    assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == os.getuid()
    assert socket_folder() == no_runtime_dir  # found again on the next launch


def _open_folder(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o755)


def _symlink_to_elsewhere(folder: Path) -> None:
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    folder.symlink_to(elsewhere)


def _plain_file(folder: Path) -> None:
    folder.write_text("")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_open_folder, "others may use it (mode 755, not 700)"),
        (_symlink_to_elsewhere, "it is not a plain folder"),
        (_plain_file, "it is not a plain folder"),
    ],
)
def test_an_unsafe_folder_is_refused_and_nobody_listens_there(
    no_runtime_dir: Path,
    tmp_path: Path,
    make: Callable[[Path], None],
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make(no_runtime_dir)
    caplog.set_level(logging.WARNING, logger=LOGGER)
    assert socket_folder() is None
    assert any(reason in r.getMessage() and str(no_runtime_dir) in r.getMessage() for r in caplog.records)
    server = InstanceServer(tmp_path / "data", KNOWN.__contains__)
    assert not server.listen()
    server.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("psoas")) == [no_runtime_dir.name]
    assert (
        hand_over(tmp_path / "data", Request(), still_locked=lambda: True, patience=60) is HandOver.UNANSWERED
    )


def test_a_folder_of_another_user_is_refused(
    no_runtime_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Seen as another user: the folder made by this one is not theirs."""
    real_uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real_uid + 1)
    theirs = no_runtime_dir.parent / f"psoas-desktop-{real_uid + 1}"
    theirs.mkdir(mode=0o700)  # owned by real_uid
    assert socket_folder() is None
    assert any("belongs to another user" in r.getMessage() for r in caplog.records)


# -- the launching side --------------------------------------------------------------------------------------


HAND_OVER = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from psoas_desktop.app.single_instance import Request, hand_over
app = QCoreApplication(sys.argv[:1])
outcome = hand_over(Path(sys.argv[1]), Request(start=sys.argv[2]), still_locked=lambda: True, patience=5)
print(outcome.name)
"""


def hand_over_from_another_process(qtbot: QtBot, data_dir: Path, start: str) -> str:
    """hand_over blocks on its socket (holding the GIL), so it runs in a process of its own while this
    one's event loop lets the server answer."""
    process = subprocess.Popen(
        [sys.executable, "-c", HAND_OVER, str(data_dir), start], stdout=subprocess.PIPE, text=True
    )
    with process:
        qtbot.waitUntil(lambda: process.poll() is not None, timeout=30_000)
        out, _ = process.communicate()
    return out.strip()


def test_a_launch_learns_whether_the_running_copy_knows_its_routine(
    qtbot: QtBot, server: InstanceServer, heard: Heard, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assert hand_over_from_another_process(qtbot, data, "quick-stretch") == HandOver.DELIVERED.name
    assert hand_over_from_another_process(qtbot, data, "no-such-routine") == HandOver.REFUSED.name
    assert heard.requests == [Request(start="quick-stretch")] and heard.unknown == 1


def test_a_name_too_long_for_any_request_is_refused_without_asking(tmp_path: Path) -> None:
    outcome = hand_over(
        tmp_path / "data", Request(start="x" * 200_000), still_locked=lambda: True, patience=60
    )
    assert outcome is HandOver.REFUSED
