"""Commands over the single-instance socket: a command line's sync, import or rename reaches the window's
handler, which answers once, when its work is done, with one JSON line; what is not a command still goes the
launch's way; a bad command is refused without being quoted. The client is the command line's own (a plain
Unix socket, in a thread) while this thread runs the server's event loop."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from psoas_desktop.app.instance_commands import (
    IMPORT,
    SYNC,
    Answer,
    Command,
    NoAnswerError,
    ask_running,
    command_of,
    ok,
    refused,
)
from psoas_desktop.app.single_instance import InstanceServer, Request


class Handler:
    """The window's side: records each command and keeps its answer function to answer later."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.answers: list[Answer] = []

    def __call__(self, command: Command, answer: Answer) -> None:
        self.commands.append(command)
        self.answers.append(answer)


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def server(tmp_path: Path, handler: Handler) -> Iterator[InstanceServer]:
    server = InstanceServer(tmp_path / "data", lambda _name: True, commands=handler)
    assert server.listen()
    yield server
    server.close()


class Asking:
    """A command line asking in a thread."""

    def __init__(self, name: str, command: Command, patience: float = 0.0) -> None:
        self.reply: dict[str, object] | None = None
        self.error: Exception | None = None

        def ask() -> None:
            try:
                self.reply = ask_running(name, command, still_locked=lambda: False, patience=patience)
            except NoAnswerError as exc:
                self.error = exc

        self.thread = threading.Thread(target=ask, name="command line")
        self.thread.start()

    def wait(self, qtbot: QtBot) -> None:
        qtbot.waitUntil(lambda: not self.thread.is_alive(), timeout=10_000)
        self.thread.join()


def test_a_command_is_answered_when_its_work_is_done_not_before(
    qtbot: QtBot, server: InstanceServer, handler: Handler
) -> None:
    assert server.name is not None
    asking = Asking(server.name, Command(SYNC, "/home/me/Sync"))
    qtbot.waitUntil(lambda: handler.commands == [Command(SYNC, "/home/me/Sync")], timeout=10_000)
    qtbot.wait(50)  # the event loop turns: nothing is answered while the work runs
    assert asking.thread.is_alive() and asking.reply is None
    handler.answers[0](ok(new_sessions=3, devices=2, warnings=["w"]))
    asking.wait(qtbot)
    assert asking.reply == {"ok": True, "new_sessions": 3, "devices": 2, "warnings": ["w"]}


def test_a_refusal_comes_back_in_one_line(qtbot: QtBot, server: InstanceServer, handler: Handler) -> None:
    assert server.name is not None
    asking = Asking(server.name, Command(IMPORT, "/tmp/x.json"))
    qtbot.waitUntil(lambda: len(handler.answers) == 1, timeout=10_000)
    handler.answers[0](refused("cannot import /tmp/x.json:\n  it is not JSON"))
    asking.wait(qtbot)
    assert asking.reply == {"ok": False, "error": "cannot import /tmp/x.json: it is not JSON"}


def test_without_a_handler_a_command_is_refused_and_a_launch_still_works(
    qtbot: QtBot, tmp_path: Path
) -> None:
    heard: list[Request] = []
    server = InstanceServer(tmp_path / "data", lambda _name: True)
    server.requested.connect(heard.append)
    assert server.listen() and server.name is not None
    try:
        asking = Asking(server.name, Command(SYNC, "/home/me/Sync"))
        asking.wait(qtbot)
        assert asking.reply == {"ok": False, "error": "this window cannot sync now"}
        # Not a command but a launch's line: raised, answered "ok", which is no reply to a command (as an
        # older window answers every line).
        launch = Asking(server.name, Command("raise", "x"))
        launch.wait(qtbot)
        assert launch.error is not None and "cannot do this" in str(launch.error)
    finally:
        server.close()
    assert heard == [Request()]


def test_an_answer_after_the_command_line_hung_up_is_dropped(
    qtbot: QtBot, server: InstanceServer, handler: Handler
) -> None:
    assert server.name is not None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(server.name)
        connection.sendall(Command(SYNC, "/x").encode())
        qtbot.waitUntil(lambda: len(handler.answers) == 1, timeout=10_000)
    qtbot.wait(50)  # the hang-up reaches the server
    handler.answers[0](ok())  # nothing to write to: no error


def test_nobody_listening_is_no_answer_at_once_when_the_lock_is_gone(tmp_path: Path) -> None:
    with pytest.raises(NoAnswerError, match="did not answer"):
        ask_running(str(tmp_path / "nobody"), Command(SYNC, "/x"), still_locked=lambda: False, patience=5.0)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (Command(SYNC, "/home/me/Sync").encode(), Command(SYNC, "/home/me/Sync")),
        (b'{"action": "rename", "argument": "Desk"}\n', Command("rename", "Desk")),
        (Request(start="quick-stretch").encode(), None),  # a launch's
        (b"junk\n", None),  # refused by Request.decode
        (b'{"action": "delete", "argument": "x"}\n', None),
    ],
)
def test_a_line_is_a_command_or_not(line: bytes, expected: Command | None) -> None:
    assert command_of(line) == expected


@pytest.mark.parametrize("argument", ["", None, 3, "x" * 5000])
def test_a_command_with_a_bad_argument_is_refused_without_quoting_it(argument: object) -> None:
    line = json.dumps({"action": "import", "argument": argument}).encode()
    with pytest.raises(ValueError, match=r"^bad request: the argument of import is not a short text$"):
        command_of(line)


def test_a_bad_command_over_the_socket_is_refused(
    qtbot: QtBot, server: InstanceServer, handler: Handler
) -> None:
    assert server.name is not None
    asking = Asking(server.name, Command(SYNC, ""))
    asking.wait(qtbot)
    assert asking.reply is not None and asking.reply["ok"] is False and handler.commands == []
