"""The chart toolbar: range presets, pages, withdrawal items, status, export and print.

It only says what the nurse asked for (signals); ``PatientCharts`` decides what that means.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import timedelta

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QHBoxLayout,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from wardconsole.domain.withdrawal import ChartItem
from wardconsole.ui.widgets.elided_label import ElidedLabel
from wardconsole.ui.widgets.style_property import set_style_property


class Preset(enum.Enum):
    SHIFT = "shift"
    DAY = "24h"
    THREE_DAYS = "72h"
    WEEK = "7d"
    STAY = "stay"

    @property
    def label(self) -> str:
        return {
            Preset.SHIFT: "Shift",
            Preset.DAY: "24 h",
            Preset.THREE_DAYS: "72 h",
            Preset.WEEK: "7 d",
            Preset.STAY: "Stay",
        }[self]

    @property
    def description(self) -> str:
        return {
            Preset.SHIFT: "this shift",
            Preset.DAY: "the last 24 hours",
            Preset.THREE_DAYS: "the last 72 hours",
            Preset.WEEK: "the last 7 days",
            Preset.STAY: "the whole stay",
        }[self]

    @property
    def span(self) -> timedelta | None:
        """Fixed length, or None (this shift and the whole stay depend on the patient)."""
        return {
            Preset.DAY: timedelta(hours=24),
            Preset.THREE_DAYS: timedelta(hours=72),
            Preset.WEEK: timedelta(days=7),
        }.get(self)


class Page(enum.IntEnum):
    VITALS = 0
    WITHDRAWAL = 1
    PHYSICAL = 2
    MEDICINES = 3
    TABLE = 4

    @property
    def label(self) -> str:
        return (
            "Vitals & NEWS2",
            "Withdrawal & mental state",
            "Physical care",
            "Medicines",
            "Table",
        )[self]

    @property
    def short_label(self) -> str:
        return ("Vitals", "Withdrawal", "Physical", "Medicines", "Table")[self]


_ITEM_GROUPS: tuple[str | None, ...] = ("hallucination", "panic", "confusion", None)


class ChartToolbar(QWidget):
    preset_requested = Signal(object)
    """A range preset button was clicked (a ``Preset``)."""

    page_requested = Signal(object)
    """A page button was clicked (a ``Page``)."""

    items_changed = Signal(tuple)
    """The withdrawal items to draw (keys), as ticked in the Items menu."""

    export_requested = Signal()
    print_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartToolbar")
        # The chosen range and page must be obvious in both themes, and not by colour alone.
        self.setStyleSheet(
            "QToolButton { padding: 2px 3px; }"
            " QToolButton:checked { background-color: palette(highlight);"
            " color: palette(highlighted-text); font-weight: bold; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self._presets = QButtonGroup(self)
        for number, preset in enumerate(Preset):
            button = self._button(preset.label, f"preset_{preset.value}")
            button.setToolTip(f"Show {preset.description}")
            self._presets.addButton(button, number)
            layout.addWidget(button)
        layout.addSpacing(8)
        self._pages = QButtonGroup(self)
        for page in Page:
            button = self._button(page.short_label, f"page_{page.name.lower()}")
            button.setToolTip(page.label)
            self._pages.addButton(button, int(page))
            layout.addWidget(button)
        self.items_button = QToolButton()
        self.items_button.setObjectName("chart_items")
        self.items_button.setText("Items ▾")
        self.items_button.setToolTip("Choose the withdrawal chart items to draw")
        self.items_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.items_menu = QMenu(self.items_button)
        self.items_button.setMenu(self.items_menu)
        self.items_button.setVisible(False)
        layout.addWidget(self.items_button)
        self.status = ElidedLabel("Loading…")
        self.status.setObjectName("chart_status")
        # A long message (an error's detail, a file name) is elided at its end rather than
        # widening the window past a 1366-pixel screen; what it is about ("As of 03:10",
        # "Charts not updated:") is always read whole (``set_status``).
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status.set_kept(self.status.text())
        layout.addWidget(self.status, 1)
        export = self._button("PNG…", "export_png", checkable=False)
        export.setToolTip("Save what is shown as a PNG image")
        printing = self._button("Print…", "print_chart", checkable=False)
        printing.setToolTip("Print what is shown")
        layout.addWidget(export)
        layout.addWidget(printing)

        # From the keyboard: Ctrl+1 … Ctrl+5 choose the page, Alt+1 … Alt+5 the range (each
        # button's tooltip names its key).
        for number, preset in enumerate(Preset):
            range_button = self._presets.button(number)
            self._key(f"Alt+{number + 1}", f"Chart range: {preset.label}", range_button)
        for page in Page:
            page_button = self._pages.button(page)
            self._key(f"Ctrl+{int(page) + 1}", f"Chart page: {page.label}", page_button)
        self._presets.idClicked.connect(self._on_preset_clicked)
        self._pages.idClicked.connect(self._on_page_clicked)
        export.clicked.connect(self.export_requested)
        printing.clicked.connect(self.print_requested)

    def _key(self, keys: str, text: str, button: QAbstractButton) -> None:
        """A window-wide key that presses ``button`` (only while this chart's window is active)."""
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(button.click)
        self.addAction(action)
        button.setToolTip(f"{button.toolTip()} ({keys})")

    @staticmethod
    def _button(text: str, name: str, *, checkable: bool = True) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setText(text)
        button.setCheckable(checkable)
        return button

    def show_preset(self, preset: Preset | None) -> None:
        """Mark the preset on screen; None when a pan or zoom by hand left them all."""
        if preset is None:
            self._presets.setExclusive(False)
            for button in self._presets.buttons():
                button.setChecked(False)
            self._presets.setExclusive(True)
        else:
            self._presets.button(list(Preset).index(preset)).setChecked(True)

    def show_page(self, page: Page) -> None:
        self._pages.button(int(page)).setChecked(True)
        self.items_button.setVisible(page is Page.WITHDRAWAL)

    def set_status(self, text: str, tone: str) -> None:
        """Show ``text``; its words up to the first colon (all of a short one such as "As of
        03:10") are never elided, the detail after it may be (whole in the tooltip)."""
        self.status.setText(text)
        self.status.setToolTip(text)
        head, colon, _detail = text.partition(": ")
        self.status.set_kept(head + colon.rstrip() if colon else text)
        set_style_property(self.status, "tone", tone)

    def set_items(self, items: Sequence[ChartItem], selected: Sequence[str]) -> None:
        """One tickable entry per chart item, grouped; rebuilt only when the items change."""
        keys = tuple(item.key for item in items)
        if keys != tuple(a.data() for a in self.items_menu.actions() if a.data()):
            self.items_menu.clear()
            for group in _ITEM_GROUPS:
                members = [item for item in items if item.group == group]
                if not members:
                    continue
                self.items_menu.addSection(
                    f"{group.capitalize()} items" if group else "Other items"
                )
                for item in members:
                    action = QAction(item.label, self.items_menu)
                    action.setCheckable(True)
                    action.setData(item.key)
                    action.toggled.connect(self._on_item_toggled)
                    self.items_menu.addAction(action)
        self.tick_items(selected)

    def tick_items(self, selected: Sequence[str]) -> None:
        for action in self.items_menu.actions():
            if action.data():
                action.blockSignals(True)
                action.setChecked(action.data() in selected)
                action.blockSignals(False)

    def item_action(self, key: str) -> QAction:
        return next(a for a in self.items_menu.actions() if a.data() == key)

    @Slot(int)
    def _on_preset_clicked(self, number: int) -> None:
        self.preset_requested.emit(list(Preset)[number])

    @Slot(int)
    def _on_page_clicked(self, number: int) -> None:
        self.page_requested.emit(Page(number))

    @Slot(bool)
    def _on_item_toggled(self, _checked: bool) -> None:
        keys = tuple(a.data() for a in self.items_menu.actions() if a.data() and a.isChecked())
        self.items_changed.emit(keys)
