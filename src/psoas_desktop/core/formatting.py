"""How times are written on screen, in the tray and on the command line: one place, no Qt."""

from __future__ import annotations

import math


def format_clock(seconds: int) -> str:
    """Whole seconds as m:ss, or h:mm:ss from an hour."""
    minutes, secs = divmod(max(0, seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def whole_seconds_up(seconds: float) -> int:
    """Seconds remaining rounded up, so "1" shows until the very end; float dust is ignored."""
    return max(0, math.ceil(seconds - 1e-6))


def format_duration(seconds: float) -> str:
    """A length of time (a plan's total, a phase) rounded to the nearest second, as m:ss or h:mm:ss."""
    return format_clock(round(seconds))
