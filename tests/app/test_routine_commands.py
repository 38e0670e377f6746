"""`psoas-desktop routine …` and `plan` for a user's routine, as a user runs them: real processes."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.routine_file import check_routine, fingerprints
from psoas_desktop.storage.history import History, RoutineAsRun

PNG = b"\x89PNG\r\n\x1a\n" + b"\1" * 100


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psoas_desktop", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def physio(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "psoas-routine",
        "version": 1,
        "id": "morning-hips",
        "name": "Morning hips",
        "notes": "From my physio.",
        "exercises": [
            {
                "id": "wall-psoas-stretch",
                "name": "Wall psoas stretch",
                "kind": "stretch",
                "overview": "A standing stretch with a wall for balance.",
                "steps": ["Stand by a wall.", "Step your {side} foot forward.", "Hold it."],
                "tips": ["Keep your back tall."],
                "per_side": True,
                "pattern": "hold",
                "dosage": {"hold_seconds": [20, 30], "sets": [2, 3]},
                "image": "wall.png",
            }
        ],
        "items": [{"exercise": "bridge", "hold_seconds": 20, "reps": 8}, {"exercise": "wall-psoas-stretch"}],
        "progression": {"hold_seconds_step": 2, "every_sessions": 3, "max_hold_seconds": 40},
    }
    return document | changes


@pytest.fixture
def physio_file(tmp_path: Path) -> Path:
    folder = tmp_path / "from-physio"
    folder.mkdir()
    (folder / "wall.png").write_bytes(PNG)
    path = folder / "morning-hips.psoas-routine.json"
    path.write_text(json.dumps(physio()), encoding="utf-8")
    return path


def files_under(folder: Path) -> dict[str, bytes]:
    return (
        {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        if folder.exists()
        else {}
    )


def test_validate_says_one_line_on_success_and_one_line_per_problem(
    tmp_path: Path, physio_file: Path
) -> None:
    ok = run("routine", "validate", physio_file)
    assert ok.returncode == 0 and ok.stdout.count("\n") == 1
    assert (
        "valid routine 'morning-hips' (Morning hips), 2 items" in ok.stdout
        and "outside the guide" in ok.stdout
    )
    bad = physio()
    bad["items"][0]["hold_seconds"] = 700
    bad["items"].append({"exercise": "wall-strech"})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run("routine", "validate", path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == ["items[0].hold_seconds: 700 is above the limit of 600"]
    del bad["items"][0]["hold_seconds"]
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run("routine", "validate", path)
    assert result.stderr.splitlines() == [
        "items[2].exercise: 'wall-strech' is neither a catalog exercise nor defined in \"exercises\""
    ]
    path.write_text('{\n  "format": "psoas-routine",\n  "id": x\n}', encoding="utf-8")
    result = run("routine", "validate", path)
    assert result.returncode == 2 and result.stderr == "$: not JSON (Expecting value; line 3, column 9)\n"
    missing = run("routine", "validate", tmp_path / "nothing.json")
    assert (
        missing.returncode == 2
        and missing.stderr.startswith("$: cannot read")
        and "Traceback" not in missing.stderr
    )


def test_import_stores_the_routine_with_its_picture_and_refuses_a_second_time(
    tmp_path: Path, physio_file: Path
) -> None:
    data = tmp_path / "data"
    result = run("routine", "import", physio_file, "--data-dir", data)
    assert result.returncode == 0 and result.stdout == "morning-hips\n", result.stderr
    stored = json.loads((data / "routines" / "morning-hips.json").read_text(encoding="utf-8"))
    assert stored == physio()
    assert (data / "routines" / "morning-hips" / "wall.png").read_bytes() == PNG
    before = files_under(data)
    again = run("routine", "import", physio_file, "--data-dir", data)
    assert again.returncode == 2 and "exists already; use --replace" in again.stderr
    assert files_under(data) == before
    physio_file.write_text(json.dumps(physio(name="Morning hips, week 2")), encoding="utf-8")
    replaced = run("routine", "import", physio_file, "--data-dir", data, "--replace")
    assert replaced.returncode == 0
    listing = json.loads(
        run("routine", "list", "--json", "--data-dir", data, "--config-dir", tmp_path / "c").stdout
    )
    mine = [r for r in listing["routines"] if r["source"] == "user"]
    assert mine == [
        {
            "id": "morning-hips",
            "name": "Morning hips, week 2",
            "source": "user",
            "total_seconds": mine[0]["total_seconds"],
        }
    ]
    assert {r["id"] for r in listing["routines"] if r["source"] == "built-in"} == {
        "psoas-3",
        "quick-stretch",
        "full-psoas-care",
    }


def test_an_invalid_import_changes_nothing_on_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(physio(id="psoas-3")), encoding="utf-8")
    result = run("routine", "import", path, "--data-dir", data)
    assert result.returncode == 2 and result.stderr.startswith("id: 'psoas-3' is a built-in routine's id")
    assert files_under(data) == {}


def test_list_totals_follow_the_level(tmp_path: Path) -> None:
    def totals(*level: str) -> dict[str, float]:
        result = run(
            "routine", "list", "--json", "--data-dir", tmp_path / "d", "--config-dir", tmp_path / "c", *level
        )
        return {r["id"]: r["total_seconds"] for r in json.loads(result.stdout)["routines"]}

    assert totals()["psoas-3"] == 21 * 60 + 57  # the settings' level: standard by default
    assert (
        totals("--level", "beginner")["psoas-3"]
        < totals()["psoas-3"]
        < totals("--level", "advanced")["psoas-3"]
    )


def test_export_then_import_into_a_fresh_folder_plans_the_same(tmp_path: Path, physio_file: Path) -> None:
    home = tmp_path / "home"
    assert run("routine", "import", physio_file, "--data-dir", home).returncode == 0
    exported = tmp_path / "handed-over.psoas-routine.json"
    assert run("routine", "export", "morning-hips", "-o", exported, "--data-dir", home).returncode == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    image = document["exercises"][0]["image"]
    assert image == {
        "media_type": "image/png",
        "data": base64.b64encode(PNG).decode(),
    }  # one file carries it all
    fresh = tmp_path / "fresh"
    assert run("routine", "import", exported, "--data-dir", fresh).returncode == 0
    assert (fresh / "routines" / "morning-hips" / "wall-psoas-stretch.png").read_bytes() == PNG
    plans = [run("plan", "morning-hips", "--json", "--data-dir", d).stdout for d in (home, fresh)]
    assert plans[0] == plans[1] and json.loads(plans[0])["progression"] == {
        "completed_sessions": 0,
        "step_applied_seconds": 0,
    }


def test_a_builtin_exports_as_a_copy_that_imports(tmp_path: Path) -> None:
    result = run("routine", "export", "quick-stretch", "--data-dir", tmp_path / "d")
    document = json.loads(result.stdout)
    assert document["id"] == "quick-stretch-copy" and document["items"] == [
        {"exercise": "kneeling-psoas-stretch"}
    ]
    path = tmp_path / "copy.json"
    path.write_text(result.stdout, encoding="utf-8")
    assert run("routine", "import", path, "--data-dir", tmp_path / "d").returncode == 0
    plans = [
        json.loads(run("plan", name, "--json", "--data-dir", tmp_path / "d").stdout)
        for name in ("quick-stretch", "quick-stretch-copy")
    ]
    assert (
        plans[0]["phases"] == plans[1]["phases"]
        and plans[0]["progression"] is None is plans[1]["progression"]
    )


def test_delete_only_deletes_your_own(tmp_path: Path, physio_file: Path) -> None:
    data = tmp_path / "data"
    run("routine", "import", physio_file, "--data-dir", data)
    builtin = run("routine", "delete", "psoas-3", "--data-dir", data)
    assert builtin.returncode == 2 and "built-in routine" in builtin.stderr
    unknown = run("routine", "delete", "nope", "--data-dir", data)
    assert unknown.returncode == 2 and "no routine 'nope' of yours" in unknown.stderr
    deleted = run("routine", "delete", "morning-hips", "--data-dir", data)
    assert deleted.returncode == 0 and "past sessions stay" in deleted.stdout
    assert files_under(data / "routines") == {".checked": (data / "routines" / ".checked").read_bytes()}
    assert run("plan", "morning-hips", "--data-dir", data).returncode == 2


def test_plan_applies_the_progression_from_completed_sessions_only(tmp_path: Path, physio_file: Path) -> None:
    data = tmp_path / "data"
    run("routine", "import", physio_file, "--data-dir", data)
    routine = check_routine(physio(), load_catalog()).routine
    content, dose = fingerprints(routine)
    history = History.open(data, now=lambda: datetime(2026, 11, 1, tzinfo=UTC)).history
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)
    for day, status in enumerate(["completed", "stopped", "completed", "completed", "completed"]):
        session = history.start_session(
            "morning-hips",
            "standard",
            start + timedelta(days=day),
            RoutineAsRun("Morning hips", content, dose),
        )
        history.end_session(session, status, start + timedelta(days=day, minutes=10))
    history.close()
    plan = json.loads(run("plan", "morning-hips", "--json", "--data-dir", data).stdout)
    assert plan["progression"] == {"completed_sessions": 4, "step_applied_seconds": 2}
    assert {p["seconds"] for p in plan["phases"] if p["kind"] == "hold" and p["exercise"] == "bridge"} == {22}
    table = run("plan", "morning-hips", "--data-dir", data).stdout
    assert (
        "Next: 22 s (+2 s after 2 sessions)" in table
        and "Note: Bridge: 8 reps · below the guide's 10–12 reps" in table
    )
