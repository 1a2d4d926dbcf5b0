"""Help → Keyboard shortcuts: every key the console answers to, read from its own actions.

The list is built from the QActions themselves (menus, the banner's Alt+A, the round window's
keys), so it cannot drift from what the keys do. ``shortcut_table`` is also what a test uses to
prove that no key is bound to two actions where both could fire.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel


def shortcut_table(window: QWidget) -> list[tuple[str, str, QAction]]:
    """(keys, what it does, action) for every action with a shortcut under ``window``."""
    rows = []
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            keys = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                text = action.text().replace("&", "").rstrip(".…")
                rows.append((keys, text, action))
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


class ShortcutsModel(SnapshotTableModel[tuple[str, str]]):
    """(keys, what it does) rows as a read-only table."""

    headers = ("Keys", "Does")

    def __init__(self, rows: list[tuple[str, str]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.set_rows(rows)

    def cell(self, row: tuple[str, str], column: int, role: int) -> Any:
        return row[column] if role == Qt.ItemDataRole.DisplayRole else None


class ShortcutsDialog(QDialog):
    """A read-only table of keys and what they do."""

    def __init__(self, windows: list[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        seen: set[tuple[str, str]] = set()
        rows = []
        for window in windows:
            for keys, text, _action in shortcut_table(window):
                if (keys, text) not in seen:
                    seen.add((keys, text))
                    rows.append((keys, text))
        self.model = ShortcutsModel(rows, self)
        self.table = QTableView()
        self.table.setObjectName("shortcuts")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 600)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
