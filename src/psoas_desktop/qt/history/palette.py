"""The history's colours, shared by the charts on screen and the printed summary.

Okabe–Ito (colour-blind safe), and no meaning rests on colour alone: a week that met the goal is a solid
blue bar, a week below it a hatched grey outline, and the tooltip says it in words.
"""

from __future__ import annotations

BLUE = "#0072B2"
DARK_BLUE = "#004A75"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREEN = "#009E73"
GREY = "#8C8C8C"
MISSED_EDGE = "#5F5F5F"
STOPPED = "#D5DCE3"  # the pale top of a week's bar: sessions stopped early, shown but not counted
TEXT = "#1D2329"
AXIS = "#5A636C"
# Calendar heatmap: one hue, rising darkness (reads in every kind of colour vision and in greyscale).
HEAT_COLOURS: tuple[str, ...] = ("#E3E7EC", "#A6CDE8", "#5AA1D6", "#1F6FB2", "#0B3C6B")
# Each device's sessions in the sessions table: Okabe–Ito hues of middle lightness, which stand out on a
# light and on a dark background alike (yellow is left out: it vanishes on white). This device takes the
# first; more devices than hues repeat them, and the device's name is always written beside its colour.
REDDISH_PURPLE = "#CC79A7"
SKY_BLUE = "#56B4E9"
DEVICE_COLOURS: tuple[str, ...] = (BLUE, ORANGE, GREEN, REDDISH_PURPLE, VERMILLION, SKY_BLUE)
