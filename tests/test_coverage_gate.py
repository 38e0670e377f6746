"""scripts/coverage_gate.py: each package is held to the floor on its own, lines and branches counted."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "coverage_gate.py"


@pytest.fixture(scope="module")
def gate() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("coverage_gate", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def summary(lines: int, covered_lines: int, branches: int, covered_branches: int) -> dict[str, Any]:
    return {
        "summary": {
            "num_statements": lines,
            "covered_lines": covered_lines,
            "num_branches": branches,
            "covered_branches": covered_branches,
        }
    }


def write_report(path: Path, *, branch: bool = True) -> Path:
    report = {
        "meta": {"branch_coverage": branch},
        "files": {
            "src/psoas_desktop/core/engine.py": summary(90, 90, 10, 10),  # 100 %
            "src/psoas_desktop/core/plan.py": summary(100, 90, 0, 0),  # 90 %: core 180/200
            "src/psoas_desktop/storage/history.py": summary(80, 70, 20, 10),  # 80 %
            "src/psoas_desktop/qt/other.py": summary(100, 0, 0, 0),  # not a gated package
        },
    }
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_each_package_is_counted_on_its_own(gate: ModuleType, tmp_path: Path) -> None:
    report = json.loads(write_report(tmp_path / "c.json").read_text(encoding="utf-8"))
    core = gate.tally(report, "psoas_desktop.core")
    storage = gate.tally(report, "psoas_desktop.storage")
    assert (core.files, core.covered, core.total) == (2, 190, 200)
    assert core.percent == pytest.approx(95.0)
    assert (storage.files, storage.percent) == (1, pytest.approx(80.0))


def test_one_package_under_the_floor_fails_though_the_total_would_pass(
    gate: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = write_report(tmp_path / "c.json")
    assert gate.main([str(report), "psoas_desktop.core", "--min", "90"]) == 0
    assert gate.main([str(report), "psoas_desktop.core", "psoas_desktop.storage"]) == 1
    assert "coverage gate failed: psoas_desktop.storage under 90 %" in capsys.readouterr().out
    assert gate.main([str(report), "psoas_desktop.storage", "--min", "80"]) == 0


def test_a_package_with_nothing_measured_or_a_report_without_branches_fails(
    gate: ModuleType, tmp_path: Path
) -> None:
    assert gate.main([str(write_report(tmp_path / "a.json")), "psoas_desktop.app"]) == 1
    assert gate.main([str(write_report(tmp_path / "b.json", branch=False)), "psoas_desktop.core"]) == 1
