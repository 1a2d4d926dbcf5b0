"""A ticked check box shows a tick in both themes, not only a filled square."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton, QVBoxLayout, QWidget

from wardconsole.ui.theme import FormKind, Theme, apply_theme, mark_form


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


@pytest.mark.parametrize("kind", list(FormKind))
@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_a_ticked_box_shows_its_tick(qtbot, qapp, theme: Theme, kind: FormKind) -> None:
    """In an admission-side dialog and in a bedside entry window alike (the medicines list's
    "Show stopped lines" was a dark square on a dark window at night)."""
    apply_theme(qapp, theme)
    form = QWidget()  # a dialog of that kind, as far as the style sheet is concerned
    mark_form(form, kind)
    qtbot.addWidget(form)
    ticked, empty = QCheckBox("Psychosis"), QCheckBox("Self-harm")
    layout = QVBoxLayout(form)
    for box in (ticked, empty):
        layout.addWidget(box)
    form.show()
    ticked.setChecked(True)
    qtbot.waitExposed(ticked)
    assert tick_pixels(ticked) >= 8
    if theme is Theme.NIGHT:  # the empty box's inside is dark: only the tick is white
        assert tick_pixels(empty) == 0
