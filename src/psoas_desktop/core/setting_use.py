"""Which routines a timing setting changes, found by planning each routine at the setting's two extremes.

A routine uses a setting when its timeline differs between the setting's lowest and highest value, so the
answer follows the planner and the catalog, never a hand-kept list: Quick stretch (one per-side stretch)
switches sides between its rounds and never rests, so "Rest between sets" is not used there.
"""

from __future__ import annotations

from psoas_desktop.core.catalog import Catalog, Routine
from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.setting_spec import Group, SettingSpec
from psoas_desktop.core.settings import Settings


def _extremes(spec: SettingSpec) -> tuple[object, object]:
    if spec.bounds is not None:
        return spec.minimum, spec.maximum
    values = [value for value, _ in spec.options]
    return values[0], values[-1]


def routines_using(
    catalog: Catalog, spec: SettingSpec, settings: Settings | None = None
) -> tuple[Routine, ...]:
    """The catalog's routines whose timeline changes with this timing setting (others held at ``settings``)."""
    base = settings if settings is not None else Settings()
    low, high = (base.with_changes(**{spec.name: value}) for value in _extremes(spec))
    return tuple(
        routine
        for routine in catalog.routines
        if build_timeline(catalog, routine, low).phases != build_timeline(catalog, routine, high).phases
    )


def _names(routines: list[Routine]) -> str:
    names = [routine.name for routine in routines]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def usage_text(catalog: Catalog, spec: SettingSpec) -> str:
    """E.g. "Used by Psoas 3 and Full psoas care; not by Quick stretch." or "Used by every routine."."""
    using = routines_using(catalog, spec)
    unused = [routine for routine in catalog.routines if routine not in using]
    if not using:
        return "No routine uses it."
    if not unused:
        return "Used by every routine."
    return f"Used by {_names(list(using))}; not by {_names(unused)}."


def help_line(catalog: Catalog, spec: SettingSpec) -> str:
    """The one line the dialog shows under a setting: its help, and for a timing setting who uses it."""
    if spec.group is not Group.TIMING:
        return spec.help
    return f"{spec.help}. {usage_text(catalog, spec)}"
