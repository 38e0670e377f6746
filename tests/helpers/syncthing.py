"""Real Syncthing instances for the end-to-end sync test, on 127.0.0.1 only.

Each instance has its own home (keys, config, database), its own GUI/REST port and sync port, no relays, no
global or local discovery, no NAT traversal, no usage or crash reporting, no upgrades, no browser. The peers
are introduced by device id (one dials the other at its explicit ``tcp://127.0.0.1:PORT`` address), and the
one folder is shared with a short rescan interval and the file watcher on. The config is written between
``syncthing generate`` and the first ``serve``, so nothing ever leaves the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FOLDER_ID = "psoas-e2e"
STOP_SECONDS = 15.0

# Off: everything that would reach past 127.0.0.1 or ask a person anything.
_OPTIONS = {
    "globalAnnounceEnabled": "false",
    "localAnnounceEnabled": "false",
    "relaysEnabled": "false",
    "natEnabled": "false",
    "crashReportingEnabled": "false",
    "startBrowser": "false",
    "announceLANAddresses": "false",
    "urAccepted": "-1",
    "autoUpgradeIntervalH": "0",
    "reconnectionIntervalS": "2",
    "restartOnWakeup": "false",
}


def binary() -> str | None:
    return shutil.which("syncthing")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], seconds: float, every: float = 0.1) -> bool:
    """Poll another process's visible state until `condition` holds; False at the deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


@dataclass
class Syncthing:
    """One instance: `folder` is its copy of the shared folder."""

    name: str
    home: Path
    folder: Path
    listen_port: int = field(default_factory=free_port)
    gui_port: int = field(default_factory=free_port)
    device_id: str = ""
    api_key: str = ""
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.home / "syncthing.log"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.home),
            "STNOUPGRADE": "1",
            "STNODEFAULTFOLDER": "1",
            "STNORESTART": "1",
            "STMONITORED": "1",  # one process, no monitor parent that would restart it
        }

    def generate(self) -> None:
        """Keys and a default config (no default folder), then the id and API key it was given."""
        self.home.mkdir(parents=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / ".stfolder").mkdir(exist_ok=True)  # the folder marker Syncthing checks for
        subprocess.run(
            [str(binary()), "generate", f"--home={self.home}", "--no-default-folder", "--skip-port-probing"],
            env=self.environment(),
            capture_output=True,
            check=True,
            timeout=120,
        )
        root = ET.parse(self.home / "config.xml").getroot()
        device = root.find("device")
        gui = root.find("gui")
        assert device is not None and gui is not None
        self.device_id = str(device.get("id"))
        self.api_key = str(gui.findtext("apikey"))

    def configure(self, peers: list[Syncthing], *, dial: bool) -> None:
        """Loopback only, and one folder shared with `peers`. With `dial` this instance connects to each at
        its explicit address; without it, it only accepts their connections (its address for them is
        "dynamic", which nothing resolves with discovery off). One side dials: when both dial at once, each
        from its listening port (Syncthing reuses it), 1.19's Hello exchange can hang for 30 s."""
        path = self.home / "config.xml"
        tree = ET.parse(path)
        root = tree.getroot()
        options = root.find("options")
        gui = root.find("gui")
        assert options is not None and gui is not None
        for key, value in {**_OPTIONS, "listenAddress": f"tcp://127.0.0.1:{self.listen_port}"}.items():
            element = options.find(key)
            if element is None:
                element = ET.SubElement(options, key)
            element.text = value
        address = gui.find("address")
        assert address is not None
        address.text = f"127.0.0.1:{self.gui_port}"
        own = root.find("device")
        assert own is not None
        own.set("name", self.name)
        for peer in peers:
            device = ET.SubElement(
                root,
                "device",
                {"id": peer.device_id, "name": peer.name, "compression": "metadata", "introducer": "false"},
            )
            ET.SubElement(device, "address").text = (
                f"tcp://127.0.0.1:{peer.listen_port}" if dial else "dynamic"
            )
            ET.SubElement(device, "autoAcceptFolders").text = "false"
        folder = ET.SubElement(
            root,
            "folder",
            {
                "id": FOLDER_ID,
                "label": "Psoas e2e",
                "path": str(self.folder),
                "type": "sendreceive",
                "rescanIntervalS": "2",
                "fsWatcherEnabled": "true",
                "fsWatcherDelayS": "1",
            },
        )
        for device_id in [self.device_id, *(peer.device_id for peer in peers)]:
            ET.SubElement(folder, "device", {"id": device_id, "introducedBy": ""})
        tree.write(path, encoding="unicode")

    def start(self) -> None:
        assert self.process is None
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(binary()), "serve", f"--home={self.home}", "--no-browser", "--no-restart"],
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends whatever it started, nothing else
        )

    def stop(self) -> None:
        """SIGTERM (Syncthing shuts down cleanly), SIGKILL if it has not ended in time; our own pid only."""
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(STOP_SECONDS)
            with contextlib.suppress(ProcessLookupError):  # anything it left in its group (its own pgid)
                os.killpg(process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def rest(self, path: str) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.gui_port}{path}", headers={"X-API-Key": self.api_key}
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # 127.0.0.1 only
            return json.load(answer)

    def listening(self) -> bool:
        """Its REST API answers (its sync listener starts before it)."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"syncthing {self.name} exited: {self.log_tail()}")
        try:
            return bool(self.rest("/rest/system/ping").get("ping") == "pong")
        except OSError:
            return False

    def connected_to(self, peer: Syncthing) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"syncthing {self.name} exited: {self.log_tail()}")
        try:
            connections = self.rest("/rest/system/connections")["connections"]
        except OSError:  # not listening yet
            return False
        return bool(connections.get(peer.device_id, {}).get("connected"))

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        return ""


def pair(root: Path) -> tuple[Syncthing, Syncthing]:
    """Two configured (not started) instances sharing one folder: `root`/a/Sync and `root`/b/Sync; each knows
    the other's device id, and B connects to A at A's explicit address."""
    a = Syncthing("psoas-a", root / "a" / "syncthing", root / "a" / "Sync")
    b = Syncthing("psoas-b", root / "b" / "syncthing", root / "b" / "Sync")
    for instance in (a, b):
        instance.generate()
    a.configure([b], dial=False)
    b.configure([a], dial=True)  # B dials A: also at once when B's Syncthing starts again
    return a, b
