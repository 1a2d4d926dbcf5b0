"""The safety-check round as a Qt table: one row per patient, in the order to walk the ward.

``RoundsTableModel`` adapts a ``RoundsSnapshot``; ``set_now`` re-renders only the countdown
columns every second (no database), so "CHECK NOW" and "OVERDUE" appear the moment they are
true. ``RoundsProxyModel`` keeps the walking order: overdue first, then checks prompted now, then
everyone else by deadline; patients on raised levels first within each group.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
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
from PySide6.QtGui import QColor, QFont

from wardconsole.domain.records import ATTENTION_SIGN
from wardconsole.domain.safety_checks import Presentation
from wardconsole.services.observation_views import PatientChecks, RoundsSnapshot
from wardconsole.ui import formatting as fmt
from wardconsole.ui.theme import RiskPalette, Theme, risk_palette, theme_state

ADMISSION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The ``PatientChecks`` behind any cell of a row."""
WALK_ORDER_ROLE = Qt.ItemDataRole.UserRole + 3
"""A tuple that sorts rows in walking order (same for every cell of a row)."""

IndexLike = QModelIndex | QPersistentModelIndex


class RoundsColumn(enum.IntEnum):
    BED = 0
    PATIENT = 1
    LEVEL = 2
    CHECK = 3
    LAST = 4
    SEEN = 5

    @property
    def title(self) -> str:
        return {
            RoundsColumn.BED: "Bed",
            RoundsColumn.PATIENT: "Patient",
            RoundsColumn.LEVEL: "Level",
            RoundsColumn.CHECK: "Next check",
            RoundsColumn.LAST: "Last check",
            RoundsColumn.SEEN: "Seen",
        }[self]


_COLUMNS = tuple(RoundsColumn)


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str
    tooltip: str = ""
    background: QColor | None = None
    foreground: QColor | None = None
    bold: bool = False


def walk_order(row: PatientChecks, now: datetime) -> tuple[int, float, str]:
    """Overdue, then due now, then the rest by deadline; raised levels first within each."""
    general = 0 if row.raised else 1
    overdue = row.overdue_at(now)
    absent = absent_since(row)
    if absent is not None:
        return (-1, absent.timestamp(), row.bed)  # look for the missing patient first
    if overdue is not None:
        return (general, overdue.timestamp(), row.bed)
    if row.due_now(now):
        return (2 + general, row.prompt_at.timestamp(), row.bed)
    return (4 + general, row.deadline.timestamp(), row.bed)


def absent_since(row: PatientChecks) -> datetime | None:
    """When the patient was last 'not found' at a check, if no check has found them since."""
    last = row.last_check
    if last is not None and last.presentation is Presentation.NOT_FOUND:
        return last.taken_at
    return None


def overdue_shape(row: PatientChecks) -> str:
    """The shape of the missed-check escalation a late check raises; ⚠ where it raises none."""
    return row.overdue_severity.shape if row.overdue_severity is not None else ATTENTION_SIGN


def check_cell(row: PatientChecks, now: datetime, palette: RiskPalette) -> _Cell:
    """'▲ ABSENT 12 min', '◆ OVERDUE 12 min', '⚠ CHECK NOW · 6 min left', '○ by 03:27 · 14 min
    left'. An absent patient shows as absent until a check finds them, never a countdown.
    ABSENT and OVERDUE carry the shape of the escalation they raise (the level policy's
    severities; ⚠ on a level whose missed checks raise none); a check due now is a prompt, ⚠."""
    by = fmt.local_time_text(row.deadline)
    absent = absent_since(row)
    if absent is not None:
        since = fmt.local_time_text(absent)
        return _Cell(
            f"{row.absent_severity.shape} ABSENT {fmt.duration_text(now - absent)} · "
            f"not found at {since}",
            "Not found at the last check: absent until a check finds the patient",
            palette.overdue.background,
            palette.overdue.foreground,
            bold=True,
        )
    overdue = row.overdue_at(now)
    if overdue is not None:
        missed = f" · {row.missed + 1} missed" if row.missed else ""
        return _Cell(
            f"{overdue_shape(row)} OVERDUE {fmt.duration_text(now - overdue)}{missed}",
            f"The check due by {fmt.local_time_text(overdue)} is not recorded",
            palette.overdue.background,
            palette.overdue.foreground,
            bold=True,
        )
    left = fmt.duration_text(row.deadline - now)
    if row.due_now(now):
        return _Cell(
            f"{ATTENTION_SIGN} CHECK NOW · {left} left",
            f"Check before {by}",
            foreground=palette.due_soon,
            bold=True,
        )
    return _Cell(
        f"○ by {by} · {left} left", "Checked at an irregular time before then" if row.raised else ""
    )


def _last_cell(row: PatientChecks, now: datetime, palette: RiskPalette) -> _Cell:
    last = row.last_check
    if last is None:
        return _Cell(
            "none yet", "No safety check recorded this admission", foreground=palette.muted
        )
    return _Cell(
        f"{fmt.local_time_text(last.taken_at)} ({fmt.ago_text(last.taken_at, now)})",
        f"By {last.nurse} in {last.location}" + (f"\n{last.note}" if last.note else ""),
    )


def render(row: PatientChecks, now: datetime, palette: RiskPalette) -> tuple[_Cell, ...]:
    last = row.last_check
    level_tip = f"{row.level_label}" + (
        f"\nReview by {fmt.local_datetime_text(row.review_at)}" if row.review_at else ""
    )
    cells = {
        RoundsColumn.BED: _Cell(row.bed, bold=True),
        RoundsColumn.PATIENT: _Cell(row.patient_name),
        RoundsColumn.LEVEL: _Cell(
            row.level_label + (" · review" if row.review_suggested else ""),
            level_tip + ("\nReview suggested" if row.review_suggested else ""),
            foreground=None if row.raised else palette.muted,
            bold=row.raised,
        ),
        RoundsColumn.CHECK: check_cell(row, now, palette),
        RoundsColumn.LAST: _last_cell(row, now, palette),
        RoundsColumn.SEEN: _Cell(
            f"{last.presentation.label}, {last.location}" if last else "",
            f"Recorded by {last.nurse}" if last else "",
        ),
    }
    return tuple(cells[c] for c in _COLUMNS)


class RoundsTableModel(QAbstractTableModel):
    """Table model over a ``RoundsSnapshot`` and a clock (see module docstring)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._palette = theme_state().palette
        theme_state().changed.connect(self._recolour)
        self._rows: tuple[PatientChecks, ...] = ()
        self._cells: list[tuple[_Cell, ...]] = []
        self._now: datetime | None = None

    @property
    def now(self) -> datetime | None:
        return self._now

    def patient(self, row: int) -> PatientChecks:
        return self._rows[row]

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        cell = self._cells[index.row()][index.column()]
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tooltip or None
        if role == Qt.ItemDataRole.BackgroundRole:
            return cell.background
        if role == Qt.ItemDataRole.ForegroundRole:
            return cell.foreground
        if role == Qt.ItemDataRole.FontRole and cell.bold:
            font = QFont()
            font.setBold(True)
            return font
        if role == ADMISSION_ID_ROLE:
            return row.admission_id
        if role == ROW_ROLE:
            return row
        if role == WALK_ORDER_ROLE:
            return walk_order(row, self._now or row.deadline)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_COLUMNS)
        ):
            return _COLUMNS[section].title
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def _recolour(self, theme: Theme) -> None:
        self._palette = risk_palette(theme)
        self._render_all()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(_COLUMNS) - 1)
            )

    def set_snapshot(self, snapshot: RoundsSnapshot) -> None:
        self.beginResetModel()
        self._rows = snapshot.rows
        self._now = max(snapshot.taken_at, self._now) if self._now else snapshot.taken_at
        self._render_all()
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        """Move the clock: only the countdown columns (and the walking order) change."""
        self._now = now
        if not self._rows:
            return
        changed = []
        for i, row in enumerate(self._rows):
            cells = render(row, now, self._palette)
            if cells != self._cells[i]:
                changed.append(i)
            self._cells[i] = cells
        roles = [
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.FontRole,
            WALK_ORDER_ROLE,
        ]
        for i in changed:
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(_COLUMNS) - 1), roles)

    def _render_all(self) -> None:
        now = self._now
        self._cells = [render(row, now, self._palette) for row in self._rows] if now else []


class RoundsProxyModel(QSortFilterProxyModel):
    """Keeps the rows in walking order as the clock moves."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(WALK_ORDER_ROLE)
        self.setDynamicSortFilter(True)
        self.sort(0, Qt.SortOrder.AscendingOrder)

    def lessThan(self, left: IndexLike, right: IndexLike) -> bool:
        return left.data(WALK_ORDER_ROLE) < right.data(WALK_ORDER_ROLE)
