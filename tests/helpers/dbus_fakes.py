"""Real D-Bus for tests: a private ``dbus-daemon`` and fake services built on QtDBus.

``private_bus(directory)`` starts ``dbus-daemon --config-file=… --print-address --nofork`` with a config of our
own: a session-type bus listening on a Unix socket in a fresh short directory, EXTERNAL auth, everything
allowed, and *no* service directories — so a name that no fake owns is really absent (the daemon answers
``ServiceUnknown`` at once) and nothing installed on the machine gets activated. The same kind of bus stands
in for the system bus (logind) and for the session bus (screen saver); a client connects to it with
``QDBusConnection.connectToBus(address, name)``.

``FakeService`` is a ``QDBusVirtualObject``: it sees every call to its path with its exact signature, records
it, and answers through a handler. ``FakeLogind`` runs in the test process (the client only makes
asynchronous calls to it). The screen-saver fake runs in its own process (``helpers.fake_screensaver``)
because the client's ``UnInhibit`` is a short synchronous call, which a service on the caller's own thread
could not answer.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusUnixFileDescriptor, QDBusVirtualObject

DBUS_DAEMON = shutil.which("dbus-daemon")
START_TIMEOUT_S = 10.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def read_line(stream: Any, timeout_s: float, what: str) -> str:
    """One line from a child's stdout pipe, or AssertionError after ``timeout_s`` (a watchdog, not timing)."""
    ready, _, _ = select.select([stream], [], [], timeout_s)
    if not ready:
        raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
    line: str = stream.readline()
    if not line:
        raise AssertionError(f"{what}: the process ended without a word")
    return line.strip()


def stop_process(process: subprocess.Popen[str]) -> None:
    """Terminate a child we started (by its own handle) and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def private_bus(log_dir: Path) -> Iterator[str]:
    """Run a private dbus-daemon; yields its address. Its stderr goes to ``log_dir/dbus-daemon.log``."""
    assert DBUS_DAEMON is not None, "dbus-daemon is not installed"
    # Unix socket paths are limited to 108 bytes: keep the socket out of pytest's long tmp_path.
    socket_dir = Path(tempfile.mkdtemp(prefix="psoas-dbus-"))
    config = log_dir / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket_dir=socket_dir), encoding="utf-8")
    with (log_dir / "dbus-daemon.log").open("w", encoding="utf-8") as errors:
        daemon = subprocess.Popen(
            [DBUS_DAEMON, f"--config-file={config}", "--print-address", "--nofork"],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        address = read_line(daemon.stdout, START_TIMEOUT_S, "dbus-daemon's address")
        yield address
    finally:
        stop_process(daemon)
        shutil.rmtree(socket_dir, ignore_errors=True)


@contextlib.contextmanager
def bus_connection(address: str, name: str) -> Iterator[QDBusConnection]:
    """A named QtDBus connection to ``address``, disconnected afterwards (names are process-global)."""
    connection = QDBusConnection.connectToBus(address, name)
    try:
        yield connection
    finally:
        QDBusConnection.disconnectFromBus(name)


@dataclass(frozen=True)
class Call:
    path: str
    interface: str
    member: str
    signature: str
    arguments: tuple[Any, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "interface": self.interface,
            "member": self.member,
            "signature": self.signature,
            "arguments": list(self.arguments),
        }


# A handler gets the call and answers: a list of reply arguments, a ready QDBusMessage (an error), or None
# to answer later (it keeps the message and sends the reply itself).
Handler = Callable[[QDBusMessage], list[Any] | QDBusMessage | None]


class FakeService(QDBusVirtualObject):
    """Records every call to the paths it is registered at and answers through ``handlers[member]``."""

    def __init__(self, bus: QDBusConnection, interface: str, handlers: dict[str, Handler]) -> None:
        super().__init__()
        self.bus = bus
        self.interface = interface
        self.handlers = handlers
        self.calls: list[Call] = []

    def register(self, service: str, *paths: str) -> None:
        for path in paths:
            assert self.bus.registerVirtualObject(path, self), f"cannot register {path}"
        assert self.bus.registerService(service), f"cannot own {service}: {self.bus.lastError().message()}"

    def introspect(self, path: str) -> str:
        return ""

    def handleMessage(self, message: QDBusMessage, connection: QDBusConnection) -> bool:
        if message.type() != QDBusMessage.MessageType.MethodCallMessage:
            return False
        self.calls.append(
            Call(
                message.path(),
                message.interface(),
                message.member(),
                message.signature(),
                tuple(message.arguments()),
            )
        )
        handler = self.handlers.get(message.member()) if message.interface() == self.interface else None
        if handler is None:
            self.bus.send(
                message.createErrorReply(
                    "org.freedesktop.DBus.Error.UnknownMethod",
                    f"No such method '{message.member()}' in interface '{message.interface()}'",
                )
            )
            return True
        answer = handler(message)
        if isinstance(answer, QDBusMessage):
            self.bus.send(answer)
        elif answer is not None:
            self.reply(message, answer)
        return True

    def reply(self, message: QDBusMessage, arguments: list[Any]) -> None:
        reply = message.createReply()
        reply.setArguments(arguments)  # createReply(list) would wrap the list in one variant array
        self.bus.send(reply)


LOGIND_SERVICE = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"


class FakeLogind:
    """logind's Manager in the test process: ``PrepareForSleep`` on demand, ``Inhibit`` answers a pipe's write
    end. Its read end stays here, so a test sees exactly when the client's last copy of the lock is closed."""

    def __init__(self, bus: QDBusConnection, *, refuse_inhibit: bool = False) -> None:
        self.bus = bus
        self.refuse_inhibit = refuse_inhibit
        self.lock_read_ends: list[int] = []
        self.service = FakeService(bus, LOGIND_MANAGER, {"Inhibit": self._inhibit})
        self.service.register(LOGIND_SERVICE, LOGIND_PATH)

    @property
    def calls(self) -> list[Call]:
        return self.service.calls

    def emit_prepare_for_sleep(self, start: bool) -> None:
        signal = QDBusMessage.createSignal(LOGIND_PATH, LOGIND_MANAGER, "PrepareForSleep")
        signal.setArguments([start])
        assert self.bus.send(signal)

    def lock_is_open(self, index: int) -> bool:
        """True while some process still holds the write end handed out by the ``index``-th Inhibit."""
        try:
            data = os.read(self.lock_read_ends[index], 1)
        except BlockingIOError:
            return True
        assert data == b"", "nobody writes into a lock"
        return False

    def close(self) -> None:
        for fd in self.lock_read_ends:
            os.close(fd)
        self.lock_read_ends.clear()
        self.bus.unregisterObject(LOGIND_PATH)
        self.bus.unregisterService(LOGIND_SERVICE)

    def _inhibit(self, message: QDBusMessage) -> list[Any] | QDBusMessage:
        if self.refuse_inhibit:
            return message.createErrorReply("org.freedesktop.DBus.Error.AccessDenied", "Permission denied")
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        self.lock_read_ends.append(read_end)
        descriptor = QDBusUnixFileDescriptor(write_end)  # holds its own duplicate
        os.close(write_end)
        return [descriptor]
