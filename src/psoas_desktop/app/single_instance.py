"""One running copy per data folder: the first launch holds the writer lock and listens on a local socket;
a later launch hands its request (raise the window, maybe start a routine) to it and exits.

The socket is named after the user and the data folder, so two data folders (tests, --data-dir) are two
independent instances. A socket left behind by a killed instance is removed by the next lock holder: the
lock proves nobody else is listening. The socket lives in the user's runtime dir or in a private folder
of ours, never loose in the shared temp dir.

The listening side trusts nothing it reads: a request is one line of at most MAX_REQUEST_BYTES that must
arrive within a few seconds, and a routine it names must be one the window knows, or it is refused before
anything is shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from psoas_desktop.app.instance_commands import Answer, Command, command_of, refused, reply_line

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
REPLY_TIMEOUT_MS = 2000
# A launch racing the first one may find the lock taken before the first one listens: retry this long.
HANDOVER_PATIENCE_SECONDS = 10.0
# A real request is under 100 bytes; a longer line is not from a launch of ours and is cut off here.
MAX_REQUEST_BYTES = 64 * 1024
# A launch writes its request as soon as it connects; a connection still without a line after this is dropped.
REQUEST_TIMEOUT_MS = 5000
ANSWER_OK = b"ok"
ANSWER_ERROR = b"error"


def socket_folder() -> Path | None:
    """The user's runtime dir (private, emptied at logout), else a folder of our own (mode 0700) in the
    temp dir. None, with a warning in the log, when that folder is not safe to use: nobody listens then."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime)
    folder = Path(tempfile.gettempdir()) / f"psoas-desktop-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)  # the umask may have taken bits away; it cannot have added any
    except FileExistsError:
        pass  # ours from an earlier run, or someone else's: the check below tells
    except OSError as error:
        log.warning(
            "single instance: cannot create %s (%s); a later launch will not find this one", folder, error
        )
        return None
    problem = _why_unsafe(folder)
    if problem is not None:
        log.warning(
            "single instance: not using %s: %s; remove it so that a later launch can find this one",
            folder,
            problem,
        )
        return None
    return folder


def _why_unsafe(folder: Path) -> str | None:
    """lstat, not stat: a symlink planted there by someone else is refused, not followed."""
    try:
        info = os.lstat(folder)
    except OSError as error:
        return f"cannot check it ({error})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a plain folder"
    if info.st_uid != os.getuid():
        return "it belongs to another user"
    if stat.S_IMODE(info.st_mode) != 0o700:
        return f"others may use it (mode {stat.S_IMODE(info.st_mode):o}, not 700)"
    return None


def server_name(data_dir: Path) -> str | None:
    """The socket's path for this data folder; None when there is no safe folder for it."""
    folder = socket_folder()
    if folder is None:
        return None
    digest = hashlib.sha256(str(data_dir.expanduser().resolve()).encode()).hexdigest()[:16]
    return str(folder / f"psoas-desktop-{os.getuid()}-{digest}")


@dataclass(frozen=True)
class Request:
    """What a later launch asks of the running instance."""

    start: str | None = None

    def encode(self) -> bytes:
        return json.dumps({"action": "raise", "start": self.start}).encode() + b"\n"

    @classmethod
    def decode(cls, data: bytes) -> Request:
        """Raises ValueError on anything but a well-formed request (its message never quotes the input)."""
        if len(data) > MAX_REQUEST_BYTES:
            raise ValueError(f"bad request: longer than {MAX_REQUEST_BYTES} bytes")
        try:
            message = json.loads(data.decode())
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # deep nesting: RecursionError
            raise ValueError("bad request: not a line of UTF-8 JSON") from None
        if not isinstance(message, dict) or message.get("action") != "raise":
            raise ValueError("bad request: not a raise action")
        start = message.get("start")
        if start is not None and not isinstance(start, str):
            raise ValueError("bad request: the routine name is not a string")
        return cls(start=start)


class InstanceServer(QObject):
    """Listens for later launches.

    `requested(Request)` for each well-formed request whose routine (if any) `known` accepts; the launch is
    answered "ok". A request for a routine `known` refuses is answered "error" and only `asked_for_unknown()`
    is emitted. A command (:mod:`.instance_commands`) goes to `commands` with a function that answers it,
    once, when its work is done; without `commands` it is refused. Anything else is answered "error" or cut
    off, and logged.
    """

    requested = Signal(object)
    asked_for_unknown = Signal()

    def __init__(
        self,
        data_dir: Path,
        known: Callable[[str], bool],
        parent: QObject | None = None,
        *,
        request_timeout_ms: int = REQUEST_TIMEOUT_MS,
        commands: Callable[[Command, Answer], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._known = known
        self.commands = commands
        self._request_timeout_ms = request_timeout_ms
        self._connections: set[_Connection] = set()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        """Start listening; call only while holding the writer lock (a stale socket is then removed)."""
        if self.name is None:
            return False  # no safe folder: socket_folder() has said why
        if self._server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)  # left by an instance that was killed
        if self._server.listen(self.name):
            return True
        log.warning("single instance: cannot listen on %s: %s", self.name, self._server.errorString())
        return False

    def close(self) -> None:
        """Stop listening and drop the connections still open (their timers with them)."""
        self._server.close()
        for connection in list(self._connections):
            connection.drop()

    @Slot()
    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            connection = _Connection(socket, self._on_line, self._request_timeout_ms)
            self._connections.add(connection)
            connection.closed.connect(lambda connection=connection: self._connections.discard(connection))
            connection.read()  # the request may have arrived with the connection

    def _on_line(self, socket: QLocalSocket, line: bytes) -> None:
        try:
            command = command_of(line)
        except ValueError as error:
            log.warning("single instance: refusing a command: %s", error)
            _reply(socket, refused(str(error)))
            return
        if command is not None:
            self._run(socket, command)
            return
        try:
            request = Request.decode(line)
        except ValueError as error:
            log.warning("single instance: refusing a request: %s", error)
            _answer(socket, ANSWER_ERROR)
            return
        if request.start is not None and not self._known(request.start):
            log.warning("single instance: refusing a request for an unknown routine %.80r", request.start)
            _answer(socket, ANSWER_ERROR)
            self.asked_for_unknown.emit()
            return
        _answer(socket, ANSWER_OK)
        self.requested.emit(request)

    def _run(self, socket: QLocalSocket, command: Command) -> None:
        if self.commands is None:
            _reply(socket, refused(f"this window cannot {command.action} now"))
            return
        log.info("single instance: a command line asked for %s", command.action)
        self.commands(command, lambda reply: _reply(socket, reply))


def _reply(socket: QLocalSocket, reply: dict[str, object]) -> None:
    """A command's reply; dropped when the command line has hung up meanwhile (its socket is gone)."""
    if shiboken6.isValid(socket) and socket.state() == QLocalSocket.LocalSocketState.ConnectedState:
        _answer(socket, reply_line(reply).rstrip(b"\n"))


def _answer(socket: QLocalSocket, answer: bytes) -> None:
    socket.write(answer + b"\n")
    socket.flush()
    socket.disconnectFromServer()  # after the answer is written


class _Connection(QObject):
    """One launch's connection: it reads one line, never holding more than MAX_REQUEST_BYTES of it, and
    aborts a line that grows past that or does not end within the timeout."""

    closed = Signal()

    def __init__(self, socket: QLocalSocket, on_line: Callable[[QLocalSocket, bytes], None], timeout_ms: int):
        super().__init__(socket)
        self._socket = socket
        self._on_line = on_line
        self._buffer = bytearray()
        self._done = False
        socket.setReadBufferSize(MAX_REQUEST_BYTES)  # Qt's own buffer stays bounded too
        socket.readyRead.connect(self.read)
        socket.disconnected.connect(self._finish)
        socket.disconnected.connect(socket.deleteLater)
        self._timer = QTimer(self)
        self._timer.setObjectName("single instance: request timeout")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._time_out)
        self._timer.start(timeout_ms)

    @Slot()
    def read(self) -> None:
        while not self._done and self._socket.bytesAvailable() > 0:
            room = MAX_REQUEST_BYTES - len(self._buffer)
            chunk = bytes(self._socket.read(min(self._socket.bytesAvailable(), room)).data())
            end = chunk.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer + chunk[: end + 1])
                self._buffer.clear()
                self._finish()
                self._on_line(self._socket, line)
                return
            self._buffer += chunk
            if len(self._buffer) >= MAX_REQUEST_BYTES:
                log.warning("single instance: dropping a request longer than %d bytes", MAX_REQUEST_BYTES)
                self.drop()

    def drop(self) -> None:
        """Close at once, unanswered."""
        self._finish()
        self._socket.abort()
        self._socket.deleteLater()

    @Slot()
    def _time_out(self) -> None:
        log.warning(
            "single instance: dropping a connection that sent no request within %d ms", self._timer.interval()
        )
        self.drop()

    @Slot()
    def _finish(self) -> None:
        """Read no more: a line was read, the line was too long or late, or the launch hung up."""
        if self._done:
            return
        self._done = True
        self._timer.stop()
        self.closed.emit()


class HandOver(Enum):
    """How handing a request to the running instance went."""

    DELIVERED = "delivered"
    REFUSED = "refused"  # the running instance answered "error": it does not know the routine
    UNANSWERED = "unanswered"  # nobody listened or answered in time


def hand_over(
    data_dir: Path, request: Request, *, still_locked: Callable[[], bool], patience: float
) -> HandOver:
    """Deliver `request` to the running instance.

    Retries while the other instance is starting (lock held, not yet listening); gives up when the lock
    is released (it quit) or after `patience` seconds.
    """
    line = request.encode()
    if len(line) > MAX_REQUEST_BYTES:
        return HandOver.REFUSED  # the running copy would cut it off: no routine has such a name
    name = server_name(data_dir)
    if name is None:
        return HandOver.UNANSWERED  # no safe folder: the running copy did not listen either
    deadline = time.monotonic() + patience
    while True:
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(CONNECT_TIMEOUT_MS):
            socket.write(line)
            socket.flush()
            if socket.canReadLine() or socket.waitForReadyRead(REPLY_TIMEOUT_MS):
                answer = bytes(socket.readLine().data()).strip()
                socket.abort()
                return HandOver.DELIVERED if answer == ANSWER_OK else HandOver.REFUSED
            socket.abort()
        if time.monotonic() >= deadline or not still_locked():
            return HandOver.UNANSWERED
        time.sleep(0.05)  # the first instance is still starting; a short wait before the next try
