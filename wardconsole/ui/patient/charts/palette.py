"""Chart colours for the day and night themes.

Lines use the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies);
score bands are one warm hue family ordered by strength, so a 3 is darker than a 1 in grey
scale too. Colour is never the only cue: bands are labelled with their score on the right-hand
axis, NEWS2 points carry the census shapes (○ ◆ ▲) and every line has a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

from wardconsole.ui.theme import Theme

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}


@dataclass(frozen=True, slots=True)
class ChartPalette:
    background: QColor
    foreground: QColor
    grid: QColor
    line: QColor
    """The main line of a vital sign."""
    second_line: QColor
    """The paired line (diastolic BP)."""
    band: dict[int, QColor]
    """Fill of a NEWS2 scoring band by score (1, 2, 3)."""
    risk: dict[str, QColor]
    """NEWS2 total points by risk."""
    oxygen: QColor
    symptoms: QColor
    groups: dict[str | None, QColor]
    """Withdrawal chart items by escalation group (None: no group)."""
    reference: QColor
    corrected: QColor
    crosshair: QColor
    unloaded: QColor
    outside_stay: QColor
    events: dict[str, QColor]


def _c(hex_colour: str, alpha: int = 255) -> QColor:
    colour = QColor(hex_colour)
    colour.setAlpha(alpha)
    return colour


_PALETTES = {
    Theme.DAY: ChartPalette(
        background=_c("#FFFFFF"),
        foreground=_c("#1A1A1A"),
        grid=_c("#000000", 28),
        line=_c(OKABE_ITO["blue"]),
        second_line=_c(OKABE_ITO["sky"]),
        band={1: _c("#F0E442", 70), 2: _c("#E69F00", 80), 3: _c("#D55E00", 80)},
        risk={
            "low": _c(OKABE_ITO["blue"]),
            "low-medium": _c("#B8860B"),
            "medium": _c(OKABE_ITO["orange"]),
            "high": _c(OKABE_ITO["vermillion"]),
        },
        oxygen=_c(OKABE_ITO["green"]),
        symptoms=_c(OKABE_ITO["purple"]),
        groups={
            "hallucination": _c(OKABE_ITO["vermillion"]),
            "panic": _c(OKABE_ITO["orange"]),
            "confusion": _c(OKABE_ITO["blue"]),
            None: _c("#6B6B6B"),
        },
        reference=_c("#444444"),
        corrected=_c("#5A5A5A"),
        crosshair=_c("#333333", 170),
        unloaded=_c("#8A8A8A", 60),
        outside_stay=_c("#B0B0B0", 70),
        events={
            "escalation": _c(OKABE_ITO["vermillion"]),
            "acknowledged": _c(OKABE_ITO["orange"]),
            "resolved": _c(OKABE_ITO["green"]),
            "prn": _c(OKABE_ITO["blue"]),
            "mental": _c(OKABE_ITO["purple"]),
            "session": _c(OKABE_ITO["sky"]),
            "correction": _c("#5A5A5A"),
        },
    ),
    Theme.NIGHT: ChartPalette(
        background=_c("#181B1F"),
        foreground=_c("#D9DCE0"),
        grid=_c("#FFFFFF", 22),
        line=_c("#6CB6F0"),
        second_line=_c("#A9D4F5"),
        band={1: _c("#F0E442", 34), 2: _c("#E69F00", 48), 3: _c("#D55E00", 62)},
        risk={
            "low": _c("#6CB6F0"),
            "low-medium": _c("#F0E442"),
            "medium": _c("#F5B94A"),
            "high": _c("#FF7A45"),
        },
        oxygen=_c("#3DCB9F"),
        symptoms=_c("#E3A2C7"),
        groups={
            "hallucination": _c("#FF7A45"),
            "panic": _c("#F5B94A"),
            "confusion": _c("#6CB6F0"),
            None: _c("#9AA0A8"),
        },
        reference=_c("#C8CCD2"),
        corrected=_c("#A8ADB4"),
        crosshair=_c("#E6E8EB", 150),
        unloaded=_c("#8D939B", 50),
        outside_stay=_c("#000000", 110),
        events={
            "escalation": _c("#FF7A45"),
            "acknowledged": _c("#F5B94A"),
            "resolved": _c("#3DCB9F"),
            "prn": _c("#6CB6F0"),
            "mental": _c("#E3A2C7"),
            "session": _c("#56B4E9"),
            "correction": _c("#A8ADB4"),
        },
    ),
}


def chart_palette(theme: Theme) -> ChartPalette:
    return _PALETTES[theme]
