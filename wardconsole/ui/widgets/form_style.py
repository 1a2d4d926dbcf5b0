"""How the admission, bed-move, discharge and history dialogs look beyond the theme.

A refused field is framed in the alert colour (and named in words too, never by colour alone).
Check boxes and radio buttons are drawn with an outline in both states and filled when chosen,
because the night palette's native indicators vanish into the background in a dim room; a chosen
check box also shows its tick (a filled square alone read as "focused" rather than "ticked").
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from wardconsole.ui.theme import theme_state


def _tick_image() -> str:
    """The tick's file as a style-sheet ``image`` (nothing if the file is missing: the filled
    box still shows the choice)."""
    tick = resources.files("wardconsole.resources").joinpath("icons", "check-tick.svg")
    if not tick.is_file():
        return ""
    return f" image: url({str(tick).replace(chr(92), '/')});"


def form_stylesheet() -> str:
    """The form rules in the theme in force (a dialog is built after the theme is chosen)."""
    palette = theme_state().palette
    app = QApplication.instance()
    colours = app.palette() if isinstance(app, QApplication) else QPalette()
    base = colours.color(QPalette.ColorRole.Base).name()
    chosen = colours.color(QPalette.ColorRole.Highlight).name()
    outline = palette.muted.name()
    dot = (
        f"qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5, stop:0 {chosen},"
        f" stop:0.5 {chosen}, stop:0.6 {base}, stop:1 {base})"
    )
    return "\n".join(
        (
            f'*[invalid="true"] {{ border: 2px solid {palette.overdue.foreground.name()}; }}',
            'QGroupBox[invalid="true"] { margin-top: 18px; padding-top: 6px; }',
            'QGroupBox[invalid="true"]::title { subcontrol-origin: margin; left: 8px;'
            " padding: 0 4px; }",
            "QCheckBox::indicator, QRadioButton::indicator {"
            f" border: 1px solid {outline}; background: {base}; width: 13px; height: 13px; }}",
            "QRadioButton::indicator { border-radius: 7px; }",
            f"QCheckBox::indicator:checked {{ background: {chosen}; border-color: {chosen};"
            f"{_tick_image()} }}",
            f"QRadioButton::indicator:checked {{ background: {dot}; border-color: {chosen}; }}",
            "QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {"
            " border-style: dotted; }",
            "QLabel#dialog_title { font-size: 15pt; font-weight: bold; }",
            "QLabel#flag_preview { font-size: 12pt; font-weight: bold; }",
            "QLabel#save_status, QLabel#cssrs_result { font-weight: bold; }",
        )
    )
