"""The medicines list as a table: one row per current line, active lines first.

A line not yet checked against the drug chart by a second member of staff says "⚠ not
checked" in words (never by colour alone); a stopped line says when and why, and is hidden
unless the nurse asks to see stopped lines (``LinesFilter``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from wardconsole.domain.medicines import MedicineLine, schedule_text
from wardconsole.domain.records import ATTENTION_SIGN, PRN_ROUTES
from wardconsole.ui import formatting as fmt

LINE_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``MedicineLine`` behind any cell of a row."""

IndexLike = QModelIndex | QPersistentModelIndex


class LineColumn(enum.IntEnum):
    DRUG = 0
    CLASS = 1
    DOSE = 2
    SCHEDULE = 3
    DATES = 4
    TRANSCRIBED = 5
    CHECK = 6

    @property
    def title(self) -> str:
        return (
            "Drug",
            "Class",
            "Dose and route",
            "Regular / PRN",
            "Start – stop",
            "Transcribed",
            "Second check",
        )[self]


def _short(when: datetime) -> str:
    local = when.astimezone()
    return f"{local.day} {local:%b %H:%M}"


def dates_text(line: MedicineLine, now: datetime) -> str:
    """'2 Nov 08:00 →', '2 Nov 08:00 → stopped 4 Nov 21:00', '… → reducing, ends 6 Nov 22:00'."""
    out = f"{_short(line.starts_at)} →"
    if line.stop_at is not None:
        word = "stopped" if line.stop_at <= now else "stops"
        out += f" {word} {_short(line.stop_at)}"
    elif line.reducing_until is not None:
        out += f" reducing, ends {_short(line.reducing_until)}"
    return out


def check_text(line: MedicineLine) -> str:
    if line.checked:
        assert line.checked_at is not None
        return f"✔ {line.checked_by}, {_short(line.checked_at)}"
    return f"{ATTENTION_SIGN} not checked"


class MedicineLinesModel(QAbstractTableModel):
    """Rows: the current lines, active first (by start), then stopped ones."""

    def __init__(
        self, class_labels: Mapping[str, str], now: datetime, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._labels = class_labels
        self._now = now
        self._lines: tuple[MedicineLine, ...] = ()

    def set_lines(self, lines: Sequence[MedicineLine], now: datetime) -> None:
        self.beginResetModel()
        self._now = now
        self._lines = tuple(
            sorted(lines, key=lambda line: (not line.active(now), line.starts_at, line.id))
        )
        self.endResetModel()

    def line(self, row: int) -> MedicineLine:
        return self._lines[row]

    def row_of(self, line_id: int) -> int:
        return next((row for row, line in enumerate(self._lines) if line.id == line_id), -1)

    def stopped(self, row: int) -> bool:
        line = self._lines[row]
        return line.stop_at is not None and line.stop_at <= self._now

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LineColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(LineColumn)
        ):
            return LineColumn(section).title
        return None

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        column = LineColumn(index.column())
        if role == LINE_ROLE:
            return line
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(line, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(line, column)
        if role == Qt.ItemDataRole.FontRole and column == LineColumn.CHECK and not line.checked:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, line: MedicineLine, column: LineColumn) -> str:
        if column == LineColumn.DRUG:
            return line.drug
        if column == LineColumn.CLASS:
            return self._labels.get(line.drug_class, line.drug_class)
        if column == LineColumn.DOSE:
            return f"{line.dose} {PRN_ROUTES.get(line.route, line.route)}"
        if column == LineColumn.SCHEDULE:
            return schedule_text(line)
        if column == LineColumn.DATES:
            return dates_text(line, self._now)
        if column == LineColumn.TRANSCRIBED:
            changed = " (changed)" if line.change_reason else ""
            return f"{line.transcribed_by}, {_short(line.transcribed_at)}{changed}"
        return check_text(line)

    def _tooltip(self, line: MedicineLine, column: LineColumn) -> str | None:
        if column == LineColumn.TRANSCRIBED and line.change_reason:
            return f"Changed by {line.transcribed_by}: {line.change_reason}"
        if column == LineColumn.DATES and line.stop_at is not None and line.change_reason:
            return f"Stopped: {line.change_reason}"
        if column == LineColumn.DATES and line.reducing_until is not None:
            return (
                "Planned reducing regimen: alerts only if a dose is given after its planned end "
                f"({fmt.local_datetime_text(line.reducing_until)}) or it is still on the list a "
                "day later"
            )
        if column == LineColumn.CHECK and not line.checked:
            return "Not yet checked against the drug chart by a second member of staff"
        if column in (LineColumn.DATES, LineColumn.SCHEDULE):
            return self._text(line, column)
        return None


class LinesFilter(QSortFilterProxyModel):
    """Hides stopped lines unless ``show_stopped`` is on."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show_stopped = False

    def set_show_stopped(self, show: bool) -> None:
        self.beginFilterChange()
        self._show_stopped = show
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: IndexLike) -> bool:
        model = self.sourceModel()
        if self._show_stopped or not isinstance(model, MedicineLinesModel):
            return True
        return not model.stopped(source_row)
