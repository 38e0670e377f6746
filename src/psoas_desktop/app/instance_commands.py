"""Commands a command line hands to the running window over the single-instance socket, and their replies.

``psoas-desktop sync``, ``import FILE`` and ``device --name NAME`` write the history, but while the window of
the same data folder runs, the window is its only writer (the writer lock): the command line asks it to do
the work and prints its reply. A command is one JSON line, ``{"action": "sync", "argument": "<folder>"}``;
its reply is one JSON line, ``{"ok": true, ...figures}`` or ``{"ok": false, "error": "<one line>"}``, sent
when the work is done (a first merge may take seconds).

The client side uses a plain Unix socket (QLocalServer listens on one at the name
:func:`single_instance.server_name` gives), so the command line needs no Qt event loop.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SYNC = "sync"
IMPORT = "import"
RENAME = "rename"
ACTIONS = (SYNC, IMPORT, RENAME)
MAX_ARGUMENT_CHARS = 4096  # a folder's or a file's path, or a device name
MAX_REPLY_BYTES = 1024 * 1024
CONNECT_TIMEOUT_SECONDS = 0.5
# A merge the window runs for us: a first merge of years of sessions takes seconds, never this long.
REPLY_TIMEOUT_SECONDS = 600.0

Reply = dict[str, Any]
Answer = Callable[[Reply], None]


class NoAnswerError(Exception):
    """Nobody answered, or the answer did not arrive in time; the message says which, in one line."""


@dataclass(frozen=True)
class Command:
    action: str  # one of ACTIONS
    argument: str  # the sync folder, the file to import, or the device's new name

    def encode(self) -> bytes:
        return json.dumps({"action": self.action, "argument": self.argument}).encode() + b"\n"


def command_of(line: bytes) -> Command | None:
    """The command a line asks for; None when it is no command (a launch's raise request, or junk that
    :meth:`Request.decode` refuses). ValueError for a command with a bad argument (never quoted)."""
    try:
        message = json.loads(line.decode())
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(message, dict) or message.get("action") not in ACTIONS:
        return None
    argument = message.get("argument")
    if not isinstance(argument, str) or not argument or len(argument) > MAX_ARGUMENT_CHARS:
        raise ValueError(f"bad request: the argument of {message['action']} is not a short text")
    return Command(str(message["action"]), argument)


def reply_line(reply: Reply) -> bytes:
    return json.dumps(reply, ensure_ascii=False).encode() + b"\n"


def ok(**figures: Any) -> Reply:
    return {"ok": True, **figures}


def refused(error: str) -> Reply:
    return {"ok": False, "error": " ".join(error.split())}


def ask_running(
    name: str,
    command: Command,
    *,
    still_locked: Callable[[], bool],
    patience: float,
    reply_timeout: float = REPLY_TIMEOUT_SECONDS,
) -> Reply:
    """Send `command` to the window listening at `name` and return its reply. Retries while the window is
    starting (the lock held, nobody listening yet) for `patience` seconds; NoAnswerError when it never
    listens, hangs up, or says something that is not a reply (an older version that knows no commands)."""
    deadline = time.monotonic() + patience
    while True:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(CONNECT_TIMEOUT_SECONDS)
            try:
                connection.connect(name)
            except OSError:  # not listening (yet): no socket file, or nobody accepting
                pass
            else:
                connection.settimeout(reply_timeout)
                connection.sendall(command.encode())
                return _read_reply(connection)
        if time.monotonic() >= deadline or not still_locked():
            raise NoAnswerError("the running Psoas Desktop did not answer; try again once it has started")
        time.sleep(0.05)  # the window is still starting; a short wait before the next try


def _read_reply(connection: socket.socket) -> Reply:
    data = bytearray()
    try:
        while b"\n" not in data and len(data) < MAX_REPLY_BYTES:
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        raise NoAnswerError("the running Psoas Desktop did not finish in time") from None
    except OSError as exc:
        raise NoAnswerError(f"the running Psoas Desktop hung up ({exc.strerror or exc})") from None
    reply: object = None
    with contextlib.suppress(UnicodeDecodeError, ValueError, RecursionError):
        reply = json.loads(bytes(data).split(b"\n", 1)[0].decode())
    if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
        raise NoAnswerError(
            "the running Psoas Desktop cannot do this (an older version?); quit it and run the command again"
        )
    return reply
