"""A ticked check box shows a tick in both themes, not only a filled square."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton

from wardconsole.ui.theme import Theme, apply_theme
from wardconsole.ui.widgets.form_style import form_stylesheet


def tick_pixels(box: QCheckBox) -> int:
    """Near-white pixels inside the indicator (the tick is white on the highlight colour)."""
    option = QStyleOptionButton()
    box.initStyleOption(option)
    area = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab(area).toImage()
    return sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if QColor(image.pixel(x, y)).lightness() > 220
    )


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_a_ticked_box_shows_its_tick(qtbot, qapp, theme: Theme) -> None:
    apply_theme(qapp, theme)
    ticked, empty = QCheckBox("Psychosis"), QCheckBox("Self-harm")
    for box in (ticked, empty):
        qtbot.addWidget(box)
        box.setStyleSheet(form_stylesheet())
        box.show()
    ticked.setChecked(True)
    qtbot.waitExposed(ticked)
    assert tick_pixels(ticked) >= 8
    if theme is Theme.NIGHT:  # the empty box's inside is dark: only the tick is white
        assert tick_pixels(empty) == 0
