"""Which routines each timing setting changes: planned, not listed by hand."""

from __future__ import annotations

import dataclasses

import pytest

from psoas_desktop.core.catalog import Catalog, PhaseKind, Routine, load_catalog
from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.setting_spec import Group
from psoas_desktop.core.setting_use import help_line, routines_using, usage_text
from psoas_desktop.core.settings import SETTING_SPECS, SPECS_BY_NAME, Settings


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def used_by(catalog: Catalog, name: str) -> list[str]:
    return [routine.id for routine in routines_using(catalog, SPECS_BY_NAME[name])]


def test_quick_stretch_switches_sides_and_never_rests_lifts_or_pauses(catalog: Catalog) -> None:
    quick = build_timeline(catalog, catalog.routine("quick-stretch"), Settings())
    kinds = {phase.kind for phase in quick.phases}
    assert PhaseKind.REST not in kinds and PhaseKind.SWITCH_SIDES in kinds  # what the answer rests on
    for name in ("rest_seconds", "move_seconds", "pause_seconds", "reps"):
        assert used_by(catalog, name) == ["psoas-3", "full-psoas-care"], name
    for name in ("level", "hold_seconds", "sets", "lead_in_seconds", "switch_seconds"):
        assert used_by(catalog, name) == ["psoas-3", "quick-stretch", "full-psoas-care"], name


def test_a_routine_is_found_by_its_plan_not_its_name(catalog: Catalog) -> None:
    """A warm-up alone (one timed set, no sides) uses only the lead-in; renamed, the answer is the same."""
    warm_up = Routine("just-warm", "Just warm", "", ("warm-up",))
    only = dataclasses.replace(catalog, routines=(warm_up,))
    assert used_by(only, "lead_in_seconds") == ["just-warm"]
    for name in ("rest_seconds", "switch_seconds", "hold_seconds", "move_seconds", "sets"):
        assert used_by(only, name) == [], name
        assert usage_text(only, SPECS_BY_NAME[name]) == "No routine uses it."


def test_the_line_names_who_uses_it_and_who_does_not(catalog: Catalog) -> None:
    rest = SPECS_BY_NAME["rest_seconds"]
    assert usage_text(catalog, rest) == "Used by Psoas 3 and Full psoas care; not by Quick stretch."
    assert (
        help_line(catalog, rest) == f"{rest.help}. Used by Psoas 3 and Full psoas care; not by Quick stretch."
    )
    assert usage_text(catalog, SPECS_BY_NAME["switch_seconds"]) == "Used by every routine."
    for spec in SETTING_SPECS:
        line = help_line(catalog, spec)
        assert ("Used by" in line or "No routine" in line) is (spec.group is Group.TIMING), spec.name
