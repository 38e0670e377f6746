"""`psoas-desktop --self-test`: the installed package checks itself in a real process; its verdict logic."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from psoas_desktop.app import self_test


@pytest.mark.slow
def test_installed_package_passes_its_self_test() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "psoas_desktop", "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    verdicts = {
        line.split()[1]: line.split()[0] for line in lines if line.startswith(("ok ", "warn ", "FAIL"))
    }
    assert set(verdicts) == {name for name, _check in self_test.CHECKS}
    # These depend only on the install; audio and voice may warn on a machine without sound or libpulse.
    for name in ("catalog", "plans", "sounds", "history", "window", "charts", "desktop"):
        assert verdicts[name] == "ok", result.stdout
    assert verdicts["voice"] in ("ok", "warn") and verdicts["audio"] in ("ok", "warn"), result.stdout
    assert lines[-1].startswith(f"self-test passed: {len(self_test.CHECKS)} checks")
    assert "Traceback" not in result.stderr, result.stderr


def _passing(_ctx: object) -> str:
    return "fine"


def _warning(_ctx: object) -> str:
    raise self_test.DegradedError("no audio output here")


def _failing(_ctx: object) -> str:
    raise FileNotFoundError("catalog.json is missing")


def test_a_failed_check_fails_the_run_and_names_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    checks = (("first", _passing), ("second", _warning), ("third", _failing), ("fourth", _passing))
    monkeypatch.setattr(self_test, "CHECKS", checks)
    out = io.StringIO()
    assert self_test.run_self_test(out) == 1
    lines = out.getvalue().splitlines()
    assert "ok    first    fine" in lines
    assert "warn  second   no audio output here" in lines
    assert "FAIL  third    FileNotFoundError: catalog.json is missing" in lines
    assert "ok    fourth   fine" in lines, "a failure does not stop the other checks"
    assert lines[-1] == "self-test FAILED: 1 of 4 checks failed (third)"
    assert "psoas-desktop: self-test FAILED" in capsys.readouterr().err


def test_warnings_alone_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(self_test, "CHECKS", (("first", _passing), ("second", _warning)))
    out = io.StringIO()
    assert self_test.run_self_test(out) == 0
    assert out.getvalue().splitlines()[-1] == "self-test passed: 2 checks, 1 warning"


@pytest.mark.parametrize(
    ("error", "missing"),
    [
        ("libpulse.so.0: cannot open shared object file: No such file or directory", "libpulse.so.0"),
        ("ImportError: libspeechd.so.2: cannot open shared object file", "libspeechd.so.2"),
        ("libQt6Multimedia.so.6: cannot open shared object file: No such file", None),  # the install's own
        ("No module named 'PySide6.QtMultimedia'", None),
    ],
)
def test_only_the_machines_missing_libraries_are_warnings(error: str, missing: str | None) -> None:
    assert self_test._missing_host_library(error) == missing
