"""The command line as a user runs it: real processes, real installed package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# -- bounded input, options either side of the command ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("history", "--weeks", "521"), "argument --weeks: expected a whole number from 1 to 520, not '521'"),
        (("history", "--weeks", "110000"), "from 1 to 520"),
        (("history", "--weeks", "9" * 20), "from 1 to 520"),  # no OverflowError traceback
        (("history", "--goal", "15"), "argument --goal: weekly_goal: 15 is out of range; allowed 1–14"),
        (("history", "--goal", "99999"), "allowed 1–14"),
        (("plan", "bridge", "--sets", "9" * 30), "argument --sets: sets:"),
    ],
)
def test_every_number_is_bounded_and_an_error_is_one_line_with_rc_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(list(args))
    error = capsys.readouterr().err
    assert exited.value.code == 2 and message in error, error
    assert error.count("\n") == 1 and error.startswith("psoas-desktop "), error  # no usage block


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_options_mean_the_same_before_or_after_the_command(where: str, tmp_path: Path) -> None:
    options = [
        "--data-dir",
        str(tmp_path / "data"),
        "--config-dir",
        str(tmp_path / "cfg"),
        "--level",
        "beginner",
    ]
    argv = [*options, "plan", "psoas-3"] if where == "before" else ["plan", "psoas-3", *options]
    args = build_parser().parse_args(argv)
    assert (args.data_dir, args.config_dir, args.level) == (
        tmp_path / "data",
        tmp_path / "cfg",
        Level.BEGINNER,
    )
    assert build_parser().parse_args(["plan", "psoas-3"]).level is None  # the command's absence is no value


def test_the_level_given_before_plan_is_the_one_planned(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--level", "beginner", "plan", "bridge", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["plan", "bridge", "--level", "beginner", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert before == after
    assert main(["plan", "bridge", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) != before  # standard differs from beginner


def test_a_mistyped_data_folder_is_refused_not_read_as_an_empty_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    for command in (["history", "--json"], ["export", "--format", "json"]):
        assert main(["--data-dir", str(missing), *command]) == 2
        assert f"no history at {missing} (the folder does not exist)" in capsys.readouterr().err
    assert not missing.exists()  # reading never creates it
    a_file = tmp_path / "history.txt"
    a_file.write_text("not a folder")
    with pytest.raises(SystemExit) as exited:
        main(["history", "--data-dir", str(a_file)])
    assert exited.value.code == 2
    assert f"{a_file} is a file, not a folder" in capsys.readouterr().err


ARGV_WORDS = st.sampled_from(
    [
        "plan",
        "history",
        "export",
        "catalog",
        "--weeks",
        "--goal",
        "--level",
        "--data-dir",
        "--json",
        "--format",
        "csv",
        "--sets",
        "--today",
        "bridge",
        "-o",
        "--start",
        "--mat",
        "0",
        "-1",
        "15",
        "9" * 25,
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.one_of(ARGV_WORDS, st.text(max_size=30)), max_size=8))
def test_any_argv_is_parsed_or_refused_with_rc_2_never_a_traceback(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    if "--help" in argv or "-h" in argv or "--version" in argv:
        return  # they print and exit 0: covered elsewhere
    code: object = 0
    try:
        build_parser().parse_args(argv)
    except SystemExit as exited:
        code = exited.code
    capsys.readouterr()
    assert code in (0, 2)
