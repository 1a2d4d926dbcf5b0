"""Day and night themes: readable status colours that never carry meaning alone."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from wardconsole.ui.theme import (
    Theme,
    apply_theme,
    load_theme,
    make_palette,
    risk_palette,
    save_theme,
    stylesheet,
    theme_state,
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


def test_whatever_paints_its_own_colours_follows_the_one_theme_state(qtbot, qapp) -> None:
    """Switching to night re-colours an open patient window's escalation cells and the alarm
    banner without anyone handing them the theme; day brings them back."""
    from PySide6.QtCore import Qt

    from wardconsole.domain.records import EscalationKind, Severity
    from wardconsole.ui.escalations.alert_banner import AlertBanner
    from wardconsole.ui.escalations.escalation_model import EscalationColumn
    from wardconsole.ui.patient.patient_window import PatientWindow

    from .factories import NOW, census_row, escalation

    row = census_row(escalations=[escalation(EscalationKind.PANIC, Severity.EMERGENCY)])
    window = PatientWindow(row, NOW)
    qtbot.addWidget(window)
    banner = AlertBanner()
    qtbot.addWidget(banner)
    model = window.escalation_model()
    cell = model.index(0, EscalationColumn.SEVERITY)

    def painted() -> tuple[QColor, str]:
        return cell.data(Qt.ItemDataRole.BackgroundRole), banner.styleSheet()

    day = painted()
    assert day[0] == risk_palette(Theme.DAY).severity[Severity.EMERGENCY].background
    with qtbot.waitSignal(theme_state().changed):
        apply_theme(qapp, Theme.NIGHT)
    night = painted()
    assert night[0] == risk_palette(Theme.NIGHT).severity[Severity.EMERGENCY].background
    assert night[1] != day[1]
    apply_theme(qapp, Theme.DAY)
    assert painted() == day
