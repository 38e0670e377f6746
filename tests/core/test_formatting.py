from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psoas_desktop.core.formatting import format_clock, format_duration, whole_seconds_up


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (5, "0:05"),
        (59, "0:59"),
        (60, "1:00"),
        (754, "12:34"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3661, "1:01:01"),
        (-3, "0:00"),
    ],
)
def test_format_clock(seconds: int, text: str) -> None:
    assert format_clock(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "whole"), [(0.0, 0), (0.2, 1), (1.0, 1), (1.0000001, 1), (1.01, 2), (24.5, 25), (-2.0, 0)]
)
def test_whole_seconds_up_shows_one_until_the_very_end(seconds: float, whole: int) -> None:
    assert whole_seconds_up(seconds) == whole


@given(st.floats(min_value=0, max_value=10 * 3600, allow_nan=False))
def test_format_duration_rounds_to_the_nearest_second(seconds: float) -> None:
    assert format_duration(seconds) == format_clock(round(seconds))
