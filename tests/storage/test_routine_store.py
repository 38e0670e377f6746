"""The routine store: atomic files, and a stored file that went bad is skipped and named, never fatal."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from psoas_desktop.core import data_problems
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.routine_file import check_routine
from psoas_desktop.storage.routines import RoutineStore, RoutineStoreError

CATALOG = load_catalog()


def document(routine_id: str = "mine", **changes: Any) -> dict[str, Any]:
    base = {
        "format": "psoas-routine",
        "version": 1,
        "id": routine_id,
        "name": "Mine",
        "items": [{"exercise": "bridge"}],
    }
    return base | changes


def test_saved_routines_load_and_a_broken_file_is_named_and_skipped(tmp_path: Path) -> None:
    store = RoutineStore(tmp_path)
    store.save(check_routine(document("mine"), CATALOG), replace=False)
    store.save(check_routine(document("other", name="Other"), CATALOG), replace=False)
    (tmp_path / "routines" / "other.json").write_text('{"format": "psoas-routine", "id": ', encoding="utf-8")
    (tmp_path / "routines" / "typo.json").write_text(
        json.dumps(document("typo", items=[{"exercise": "brige"}])), encoding="utf-8"
    )
    loaded = store.load(CATALOG)
    assert [r.routine.id for r in loaded.routines] == ["mine"]
    assert loaded.problems == (
        "routines/other.json: $: not JSON (Expecting value; line 1, column 35)",
        "routines/typo.json: items[0].exercise: 'brige' is neither a catalog exercise nor defined in \"exercises\"",
    )
    assert [r.id for r in loaded.catalog(CATALOG).routines][-1] == "mine"


def test_a_file_saved_by_the_app_is_not_schema_checked_again_but_an_edited_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RoutineStore(tmp_path)
    store.save(check_routine(document(), CATALOG), replace=False)
    checked: list[object] = []
    real = data_problems.schema_problems

    def counting(*args: Any, **kwargs: Any) -> list[data_problems.Problem]:
        checked.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr("psoas_desktop.core.routine_file.schema_problems", counting)
    assert [r.routine.id for r in store.load(CATALOG).routines] == ["mine"] and checked == []
    path = tmp_path / "routines" / "mine.json"
    path.write_text(json.dumps(document(name=7)), encoding="utf-8")  # edited by hand, wrongly
    loaded = store.load(CATALOG)
    assert (
        len(checked) == 1
        and loaded.routines == ()
        and loaded.problems == ("routines/mine.json: name: expected text, got a whole number",)
    )


def test_a_stored_routine_whose_id_differs_from_its_file_name_is_refused(tmp_path: Path) -> None:
    store = RoutineStore(tmp_path)
    store.save(check_routine(document(), CATALOG), replace=False)
    os.rename(tmp_path / "routines" / "mine.json", tmp_path / "routines" / "renamed.json")
    assert store.load(CATALOG).problems == ("routines/renamed.json: id: 'mine' does not match the file name",)


def test_a_full_disk_gives_a_clear_message_and_keeps_what_was_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RoutineStore(tmp_path)
    store.save(check_routine(document(), CATALOG), replace=False)
    before = (tmp_path / "routines" / "mine.json").read_bytes()

    def full(path: Path, text: str | bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("psoas_desktop.storage.routines.write_atomic", full)
    with pytest.raises(RoutineStoreError, match=r"could not be saved in .*: No space left on device"):
        store.save(check_routine(document(name="Changed"), CATALOG), replace=True)
    assert (tmp_path / "routines" / "mine.json").read_bytes() == before
