"""One running copy per data folder: the first launch holds the writer lock and listens on a local socket;
a later launch hands its request (raise the window, maybe start a routine) to it and exits.

The socket is named after the user and the data folder, so two data folders (tests, --data-dir) are two
independent instances. A socket left behind by a killed instance is removed by the next lock holder: the
lock proves nobody else is listening. The socket lives in the user's runtime dir or in a private folder
of ours, never loose in the shared temp dir.
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
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
REPLY_TIMEOUT_MS = 2000
# A launch racing the first one may find the lock taken before the first one listens: retry this long.
HANDOVER_PATIENCE_SECONDS = 10.0


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
        """Raises ValueError on anything but a well-formed request."""
        try:
            message = json.loads(data.decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"bad request: {error}") from None
        if not isinstance(message, dict) or message.get("action") != "raise":
            raise ValueError(f"bad request: unknown action in {message!r}")
        start = message.get("start")
        if start is not None and not isinstance(start, str):
            raise ValueError(f"bad request: routine name {start!r}")
        return cls(start=start)


class InstanceServer(QObject):
    """Listens for later launches. Signal `requested(Request)` for each well-formed request."""

    requested = Signal(object)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
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
        self._server.close()

    @Slot()
    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda socket=socket: self._read(socket))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            request = Request.decode(line)
        except ValueError as error:
            log.warning("single instance: ignoring a bad request: %s", error)
            socket.write(b"error\n")
            socket.disconnectFromServer()
            return
        socket.write(b"ok\n")
        socket.flush()
        socket.disconnectFromServer()
        self.requested.emit(request)


def hand_over(data_dir: Path, request: Request, *, still_locked: Callable[[], bool], patience: float) -> bool:
    """Deliver `request` to the running instance; True once it acknowledged.

    Retries while the other instance is starting (lock held, not yet listening); gives up when the lock
    is released (it quit) or after `patience` seconds.
    """
    name = server_name(data_dir)
    if name is None:
        return False  # no safe folder: the running copy did not listen either
    deadline = time.monotonic() + patience
    while True:
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(CONNECT_TIMEOUT_MS):
            socket.write(request.encode())
            socket.flush()
            if socket.canReadLine() or socket.waitForReadyRead(REPLY_TIMEOUT_MS):
                answer = bytes(socket.readLine().data()).strip()
                socket.abort()
                return answer == b"ok"
            socket.abort()
        if time.monotonic() >= deadline or not still_locked():
            return False
        time.sleep(0.05)  # the first instance is still starting; a short wait before the next try
