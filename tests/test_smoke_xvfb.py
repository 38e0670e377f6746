"""Smoke test of the real app in a real X server: launch, screenshot, press Space, see the countdown move.

Skipped with a reason where Xvfb, xdotool or ImageMagick's `import` are missing (`.ci/run` installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.app_process import FAST_CLOCK_APP, read_history
from helpers.xvfb import xvfb
from psoas_desktop.qt.session.extra_views import MAT_TITLE

TOOLS = ("Xvfb", "xdotool", "import")
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} (apt: xvfb xdotool imagemagick)"),
]


def wait_for(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)  # polling an external process, not timing the app
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def display() -> Iterator[str]:
    with xvfb("1280x800x24") as number:
        yield number


def screenshot(env: dict[str, str], path: Path) -> Path:
    subprocess.run(["import", "-window", "root", str(path)], env=env, check=True, timeout=30)
    return path


def differs(a: Path, b: Path) -> bool:
    return a.read_bytes() != b.read_bytes()


def test_real_window_starts_and_space_runs_the_countdown(display: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "psoas-desktop.ini").write_text("[app]\nwelcome_seen=true\n", encoding="utf-8")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "psoas_desktop",
            "--data-dir",
            str(tmp_path / "data"),
            "--config-dir",
            str(config),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--onlyvisible", "--name", "^Psoas Desktop$"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        window = found.stdout.split()[0]
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, check=True, timeout=30)
        idle = screenshot(env, tmp_path / "idle.png")
        subprocess.run(["xdotool", "key", "space"], env=env, check=True, timeout=30)
        shots: list[Path] = []

        def changed_since(reference: Path) -> bool:
            shots.append(screenshot(env, tmp_path / f"shot-{len(shots)}.png"))
            return differs(reference, shots[-1])

        wait_for(lambda: changed_since(idle), 15, "Space to start the session")
        started = shots[-1]
        wait_for(lambda: changed_since(started), 15, "the countdown to move on by itself")
        assert app.poll() is None, "the app exited"
    finally:
        app.terminate()
        output = app.communicate(timeout=30)[0]
    assert b"Traceback" not in output, output.decode(errors="replace")


def test_after_the_stop_question_and_the_check_in_the_keys_reach_the_session(
    display: str, tmp_path: Path
) -> None:
    """Seen on screen: after the check-in, Space opened the routine list and F11 did nothing."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "psoas-desktop.ini").write_text("[app]\nwelcome_seen=true\n", encoding="utf-8")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    # Time runs ten times faster, so that a hold has finished (a check-in is asked only then) within seconds.
    command = [sys.executable, *FAST_CLOCK_APP, "--data-dir", str(tmp_path / "data")]
    command += ["--config-dir", str(config), "--start", "quick-stretch"]
    app = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    finished = "SELECT COUNT(*) FROM entries WHERE status = 'completed'"

    def xdotool(*args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args], check=False, env=env, capture_output=True, text=True, timeout=60
        )
        return done.stdout if done.returncode == 0 else ""

    def shown(title: str) -> bool:
        return bool(xdotool("search", "--onlyvisible", "--name", f"^{title}$"))

    def answer(title: str, key: str) -> None:
        """Press `key` once the dialog titled `title` has the keyboard focus: the app gives it the focus a
        moment after it is mapped, and a key that reaches the window below meanwhile is dropped (the dialog
        is modal)."""
        dialog = xdotool("search", "--onlyvisible", "--name", f"^{title}$").split()[0]
        wait_for(lambda: xdotool("getwindowfocus").strip() == dialog, 15, f"the focus in {title!r}")
        xdotool("key", key)

    try:
        window = xdotool("search", "--sync", "--onlyvisible", "--name", "^Psoas Desktop$").split()[0]
        xdotool("windowfocus", "--sync", window)
        wait_for(lambda: read_history(tmp_path / "data", finished) not in ([], [(0,)]), 30, "a finished hold")
        xdotool("key", "s")
        wait_for(lambda: shown("Stop the session\\?"), 15, "the stop question")
        answer("Stop the session\\?", "y")
        wait_for(lambda: shown("How did it feel\\?"), 15, "the check-in")
        answer("How did it feel\\?", "Escape")
        wait_for(lambda: not shown("How did it feel\\?"), 15, "the check-in to close")
        xdotool("key", "space")
        xdotool("key", "F11")
        mat = xdotool("search", "--sync", "--onlyvisible", "--name", f"^{MAT_TITLE}$").split()[0]
        first = tmp_path / "mat-1.png"
        subprocess.run(["import", "-window", mat, str(first)], env=env, check=True, timeout=30)

        def countdown_moved() -> bool:
            later = tmp_path / "mat-2.png"
            subprocess.run(["import", "-window", mat, str(later)], env=env, check=True, timeout=30)
            return differs(first, later)

        wait_for(countdown_moved, 15, "the countdown that Space started to move in mat mode")
        xdotool("key", "Escape")
        wait_for(lambda: not shown(MAT_TITLE), 15, "Escape to leave mat mode")
        xdotool("key", "space")  # paused: Ctrl+Q quits without a question
        xdotool("key", "ctrl+q")
        wait_for(lambda: app.poll() is not None, 15, "Ctrl+Q to quit")
        assert app.returncode == 0
    finally:
        if app.poll() is None:
            app.terminate()
        output = app.communicate(timeout=30)[0]
    assert b"Traceback" not in output, output.decode(errors="replace")
