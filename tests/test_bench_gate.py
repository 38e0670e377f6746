"""`make bench`'s gate: a missed target or a crashed benchmark fails the run; reference and skipped never do."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from benchmarks import __main__ as bench_main
from benchmarks.gate import Verdict, judge_line, run_all
from benchmarks.report import emit, parse_target, skip


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", "from benchmarks.report import emit, skip\n" + code]


def test_targets_parse_and_check_both_directions() -> None:
    assert parse_target("<= 5").met_by(5.0)
    assert not parse_target("<=5").met_by(5.001)
    assert parse_target(">= 0.9").met_by(0.95)
    assert not parse_target("> 1").met_by(1.0)
    assert parse_target("== 0").met_by(0)
    assert not parse_target("< 3").met_by(float("nan"))


@pytest.mark.parametrize("text", ["5", "<= five", "=< 5", "<= 5 ms", ""])
def test_a_target_that_does_not_parse_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a target"):
        parse_target(text)
    with pytest.raises(ValueError, match="not a target"):
        emit("x", 1, "ms", text)


def test_emit_says_whether_a_figure_met_its_target_or_why_it_has_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    emit("a", 7, "ms", "<= 5")
    emit("b", 3, "count", None)
    emit("c", 3, "count", None, note="count of phases")
    skip("d", "ms", "<= 50", "no PulseAudio")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["met"] is False and "note" not in lines[0]
    assert lines[1]["note"] == "reference" and "met" not in lines[1]
    assert lines[2]["note"] == "count of phases"
    assert lines[3]["value"] is None and lines[3]["note"] == "skipped: no PulseAudio"


def test_the_gate_rechecks_the_value_and_ignores_a_met_field() -> None:
    verdict = Verdict()
    line = json.dumps({"name": "t", "value": 9, "unit": "ms", "target": "<= 5", "met": True})
    assert judge_line(line, verdict)
    assert verdict.misses == ["t = 9 ms (target <= 5)"]


def test_log_text_is_not_a_figure() -> None:
    verdict = Verdict()
    assert not judge_line("warming up…", verdict)
    assert not judge_line('{"other": 1}', verdict)
    assert verdict == Verdict()


def test_a_missed_target_fails_the_run_and_is_named_in_one_summary_line() -> None:
    out = io.StringIO()
    verdict = run_all(
        [
            ("good", _python("emit('fast', 3, 'ms', '<= 5')\nemit('n', 40, 'count', None)")),
            ("bad", _python("emit('slow', 7.5, 'ms', '<= 5')\nemit('big', 2, 'ratio', '<= 1.25')")),
        ],
        out,
    )
    assert not verdict.ok
    assert verdict.misses == ["slow = 7.5 ms (target <= 5)", "big = 2 ratio (target <= 1.25)"]
    summary = verdict.summary()
    assert "\n" not in summary
    assert summary.startswith("bench: FAILED, 2 missed:") and "slow" in summary and "big" in summary
    assert [json.loads(line)["name"] for line in out.getvalue().splitlines()] == ["fast", "n", "slow", "big"]


def test_reference_and_skipped_figures_never_fail() -> None:
    verdict = run_all(
        [
            (
                "ref",
                _python(
                    "emit('huge', 1e9, 'ms', None)\n"
                    "emit('why', 5, 'ms', None, note='reference: bare window')\n"
                    "skip('audio.onset', 'ms', '<= 50', 'no PulseAudio')\n"
                    "emit('ok', 1, 'ms', '<= 5')"
                ),
            )
        ],
        io.StringIO(),
    )
    assert verdict.ok, verdict.misses
    assert (verdict.gated, verdict.reference, verdict.skipped) == (1, 2, 1)
    assert verdict.summary() == "bench: ok, 1 gated figures met their targets (2 reference, 1 skipped)"


def test_a_benchmark_that_crashes_is_a_miss_even_after_good_figures() -> None:
    verdict = run_all(
        [("crashy", _python("emit('fine', 1, 'ms', '<= 5')\nraise RuntimeError('watchdog fired')"))],
        io.StringIO(),
    )
    assert verdict.misses == ["crashy exited 1"]


def test_a_benchmark_that_prints_nothing_is_a_miss() -> None:
    verdict = run_all([("silent", [sys.executable, "-c", "print('hello')"])], io.StringIO())
    assert verdict.misses == ["silent printed no figure"]


def test_a_gated_figure_without_a_value_that_is_not_skipped_is_a_miss() -> None:
    verdict = Verdict()
    judge_line(json.dumps({"name": "x", "value": None, "unit": "ms", "target": "<= 5"}), verdict)
    assert verdict.misses == ["x: no value (target <= 5)"]


def test_make_bench_exits_non_zero_on_a_miss_and_prints_the_summary_last(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = {
        "benchmarks.bench_timer": _python("emit('timer.drift_ms', 3, 'ms', '<= 2')"),
        "benchmarks.bench_audio": _python("emit('audio.cue_late_p99_ms', 4, 'ms', '<= 20')"),
    }
    monkeypatch.setattr(bench_main, "BENCHMARKS", tuple(commands))
    monkeypatch.setattr(bench_main, "command_for", lambda module: commands[module])
    assert bench_main.main([]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "bench: FAILED, 1 missed: timer.drift_ms = 3 ms (target <= 2)"
    assert bench_main.main(["bench_audio"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("bench: ok, 1 gated")
    assert bench_main.main(["bench_nothing"]) == 2


def test_every_benchmark_module_is_run_by_make_bench() -> None:
    folder = Path(bench_main.__file__).parent
    modules = {f"benchmarks.{path.stem}" for path in folder.glob("bench_*.py")}
    assert modules == set(bench_main.BENCHMARKS)
