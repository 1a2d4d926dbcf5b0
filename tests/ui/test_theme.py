"""Day and night themes: readable status colours that never carry meaning alone."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from wardconsole.ui.theme import (
    Theme,
    load_theme,
    make_palette,
    risk_palette,
    save_theme,
    stylesheet,
)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(v) for v in (c.redF(), c.greenF(), c.blueF()))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", list(Theme))
def test_status_text_is_readable_on_its_colour(theme: Theme, qapp) -> None:
    palette = risk_palette(theme)
    pairs = [*palette.news2.values(), *palette.severity.values(), palette.overdue]
    for pair in pairs:
        assert contrast(pair.background, pair.foreground) >= 4.5, pair


@pytest.mark.parametrize("theme", list(Theme))
def test_ordinary_text_is_readable(theme: Theme, qapp) -> None:
    palette = make_palette(theme)
    base = palette.color(QPalette.ColorRole.Base)
    assert contrast(palette.color(QPalette.ColorRole.Text), base) >= 7
    assert contrast(risk_palette(theme).muted, base) >= 4.5
    assert contrast(risk_palette(theme).due_soon, base) >= 4.5


def test_day_bands_get_darker_as_risk_rises(qapp) -> None:
    """Lightness order survives colour-vision deficiency (and greyscale printing)."""
    news2 = risk_palette(Theme.DAY).news2
    lightness = [news2[band].background.lightness() for band in ("low-medium", "medium", "high")]
    assert lightness == sorted(lightness, reverse=True)


def test_night_is_dark(qapp) -> None:
    assert make_palette(Theme.NIGHT).color(QPalette.ColorRole.Window).lightness() < 40
    assert make_palette(Theme.DAY).color(QPalette.ColorRole.Window).lightness() > 200


@pytest.mark.parametrize("theme", list(Theme))
def test_stylesheets_are_bundled(theme: Theme) -> None:
    qss = stylesheet(theme)
    assert "QTableView#CensusView" in qss
    assert 'QLabel[band="high"]' in qss


def test_theme_choice_round_trips_through_settings(qapp) -> None:
    assert load_theme() is Theme.DAY
    save_theme(Theme.NIGHT)
    assert load_theme() is Theme.NIGHT
