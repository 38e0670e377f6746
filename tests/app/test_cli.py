"""The command line as a user runs it: real processes, real installed package."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from psoas_desktop import __version__
from psoas_desktop.app.cli import build_parser, main
from psoas_desktop.core.errors import SettingsError
from psoas_desktop.core.setting_spec import Part
from psoas_desktop.core.settings import SPECS_BY_NAME, Level, specs_of


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psoas_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"psoas-desktop {__version__}"


def test_catalog_json_is_the_full_catalog() -> None:
    result = run("catalog", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["exercises"]) == 10 and len(data["routines"]) == 3 and len(data["tips"]) == 5
    bridge = data["exercises"][0]
    assert bridge["id"] == "bridge" and bridge["dosage"]["hold_seconds"] == [20, 30]
    assert bridge["modifications"]["beginner"] and bridge["per_side"] is False


def test_catalog_text() -> None:
    result = run("catalog")
    assert result.returncode == 0 and "Kneeling Psoas Stretch" in result.stdout and "Safety:" in result.stdout


def test_plan_json_and_table() -> None:
    result = run("plan", "bridge", "--level", "advanced", "--json")
    data = json.loads(result.stdout)
    assert data["total_seconds"] == sum(p["seconds"] for p in data["phases"]) == 5 + 36 * 34 + 60
    assert {"kind", "exercise", "side", "set", "rep", "seconds", "step"} <= set(data["phases"][0])
    table = run("plan", "quick-stretch")
    assert table.returncode == 0 and "Total: 2:00" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "cartwheel"), "'cartwheel' is neither a routine nor an exercise"),
        (("plan", "bridge", "--level", "expert"), "level: 'expert' is not one of"),
        (("--level", "expert"), "level: 'expert' is not one of: beginner, standard, advanced"),
        (("plan", "bridge", "--reps", "twelve"), "reps: expected a whole number, got 'twelve'"),
    ],
)
def test_bad_input_is_a_clear_message(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def table_message(name: str, text: str) -> str:
    """What the settings table says about ``text`` given for setting ``name``."""
    with pytest.raises(SettingsError) as raised:
        SPECS_BY_NAME[name].parse(text)
    return str(raised.value)


def test_an_out_of_range_setting_is_refused_with_the_tables_message() -> None:
    message = table_message("hold_seconds", "99")
    assert message == "hold_seconds: 99 is out of range; allowed 20–30"
    result = run("plan", "bridge", "--hold-seconds", "99")
    assert result.returncode == 2 and result.stdout == ""
    assert f"argument --hold-seconds: {message}\n" in result.stderr and "Traceback" not in result.stderr


def test_plan_takes_each_workout_setting_from_the_table() -> None:
    result = run(
        "plan", "bridge", "--level", "beginner", "--hold-seconds", "28", "--rest-seconds", "0", "--json"
    )
    assert result.returncode == 0, result.stderr
    seconds = {(p["kind"], p["seconds"]) for p in json.loads(result.stdout)["phases"]}
    assert ("hold", 28) in seconds and not any(kind == "rest" for kind, _ in seconds)
    assert {kind for kind, _ in seconds} >= {"get_ready", "hold"}


def test_plan_has_an_option_per_workout_row_with_its_help_range_and_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per option
    with pytest.raises(SystemExit):
        build_parser().parse_args(["plan", "--help"])
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    for spec in specs_of(Part.WORKOUT):
        option = "--" + spec.name.replace("_", "-")
        line = next(line for line in lines if line.startswith(option + " "))
        assert spec.help in line and spec.allowed_text() in line, line
        assert f"default: {spec.text(spec.default)}" in line, line
        value = spec.minimum if spec.bounds else spec.default
        args = build_parser().parse_args(["plan", "bridge", option, f" {spec.stored(value)} "])
        assert getattr(args, spec.name) == value
    args = build_parser().parse_args(["plan", "bridge", "--sets", "3", "--level", "Advanced"])
    assert (args.sets, args.level, args.hold_seconds) == (3, Level.ADVANCED, None)


def test_in_process_the_plan_uses_the_options_and_refuses_a_bad_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plan", "bridge", "--reps", "12", "--sets", "3", "--level", "beginner", "--json"]) == 0
    phases = json.loads(capsys.readouterr().out)["phases"]
    assert max(p["rep"] or 0 for p in phases) == 12 and max(p["set"] or 0 for p in phases) == 3
    with pytest.raises(SystemExit) as exited:
        main(["plan", "bridge", "--switch-seconds", "31"])
    assert exited.value.code == 2
    assert table_message("switch_seconds", "31") in capsys.readouterr().err
