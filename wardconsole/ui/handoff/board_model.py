"""A shift's handoffs as a Qt table: one row per patient, most worrying first.

``HandoffBoardModel`` adapts an immutable ``ShiftBoard``; patients still without a handoff are
rows too ("✚ Not drafted"), since they stop the shift being signed. What changed since the last
shift stands out: bold text and a tinted cell (a new escalation with its severity's shape).
``HandoffBoardProxy`` sorts by risk (not-drafted rows first, then the handoff's risk rank, then
bed).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
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

from wardconsole.domain.records import Severity
from wardconsole.services.handoff import HandoffView, ShiftBoard
from wardconsole.ui import formatting as fmt
from wardconsole.ui.handoff import words
from wardconsole.ui.theme import Theme, risk_palette, theme_state

HANDOFF_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``HandoffView`` of a row (None for a patient without a handoff)."""
ADMISSION_ID_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_KEY_ROLE = Qt.ItemDataRole.UserRole + 3
RISK_ROLE = Qt.ItemDataRole.UserRole + 4
"""An int, higher = more worrying; not-drafted rows rank above every handoff."""

IndexLike = QModelIndex | QPersistentModelIndex


class BoardColumn(enum.IntEnum):
    BED = 0
    PATIENT = 1
    STATUS = 2
    NEWS2 = 3
    CHANGES = 4
    ESCALATIONS = 5
    PRN = 6
    OBS = 7
    SAVED = 8
    COMMENTS = 9

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    BoardColumn.BED: "Bed",
    BoardColumn.PATIENT: "Patient",
    BoardColumn.STATUS: "Handoff",
    BoardColumn.NEWS2: "NEWS2",
    BoardColumn.CHANGES: "Changed since last shift",
    BoardColumn.ESCALATIONS: "Escal.",
    BoardColumn.PRN: "PRN",
    BoardColumn.OBS: "Obs",
    BoardColumn.SAVED: "Last saved",
    BoardColumn.COMMENTS: "Supervisor",
}

_HEADER_TIPS = {
    BoardColumn.STATUS: "Handoff status; ✎ = the nurse wrote notes",
    BoardColumn.NEWS2: "Latest complete NEWS2 with its band, and its range over the shift",
    BoardColumn.CHANGES: "New escalations, NEWS2 band change and new PRN pattern since the last "
    "shift",
    BoardColumn.ESCALATIONS: "Escalations open during the shift · still open at handover",
    BoardColumn.PRN: "PRN doses this shift (and last shift's count when it differs)",
    BoardColumn.OBS: "Observation sets late this shift, or overdue at handover",
    BoardColumn.SAVED: "Who saved the newest version, and when",
    BoardColumn.COMMENTS: "The supervisor's comments, or why it was sent back",
}


def _comments_text(view: HandoffView) -> str:
    if view.sent_back_reason and view.status.value == "sent_back":
        return f"Sent back: {view.sent_back_reason}"
    if view.comments:
        return f"{view.comments} comment(s): {view.last_comment}"
    return "—"


_VIEW_TEXT: dict[BoardColumn, Callable[[HandoffView], str]] = {
    BoardColumn.NEWS2: words.news2_text,
    BoardColumn.CHANGES: words.changes_text,
    BoardColumn.ESCALATIONS: words.escalations_text,
    BoardColumn.PRN: words.prn_text,
    BoardColumn.OBS: words.obs_text,
    BoardColumn.SAVED: words.saved_text,
    BoardColumn.COMMENTS: _comments_text,
}
"""The text of each column that comes from the drafted handoff."""


@dataclass(frozen=True, slots=True)
class BoardRow:
    admission_id: int
    bed: str
    patient_name: str
    view: HandoffView | None

    @property
    def risk(self) -> int:
        return 10_000 if self.view is None else self.view.risk_rank


def rows_of(board: ShiftBoard) -> list[BoardRow]:
    rows = [BoardRow(v.admission_id, v.bed, v.patient_name, v) for v in board.handoffs]
    rows += [BoardRow(m.admission_id, m.bed, m.patient_name, None) for m in board.missing]
    return rows


class HandoffBoardModel(QAbstractTableModel):
    """Rows of a ``ShiftBoard``; a new board of the same patients updates cells in place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._palette = theme_state().palette
        theme_state().changed.connect(self._recolour)
        self._rows: list[BoardRow] = []
        self._board: ShiftBoard | None = None

    @property
    def board(self) -> ShiftBoard | None:
        return self._board

    def set_board(self, board: ShiftBoard) -> None:
        rows = rows_of(board)
        same_patients = [r.admission_id for r in rows] == [r.admission_id for r in self._rows]
        self._board = board
        if same_patients and rows:
            changed = [
                i for i, (old, new) in enumerate(zip(self._rows, rows, strict=True)) if old != new
            ]
            self._rows = rows
            for row in changed:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(BoardColumn) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def _recolour(self, theme: Theme) -> None:
        self._palette = risk_palette(theme)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._rows) - 1, len(BoardColumn) - 1),
                [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole],
            )

    def row_of_admission(self, admission_id: int) -> int:
        for number, row in enumerate(self._rows):
            if row.admission_id == admission_id:
                return number
        return -1

    # -- Qt model interface -----------------------------------------------------------------

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(BoardColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(BoardColumn):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return BoardColumn(section).title
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(BoardColumn(section), BoardColumn(section).title)
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = BoardColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == HANDOFF_ROLE:
            return row.view
        if role == ADMISSION_ID_ROLE:
            return row.admission_id
        if role == RISK_ROLE:
            return row.risk
        if role == SORT_KEY_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(row, column)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            colours = self._colours(row, column)
            if colours is None:
                return None
            return (
                colours.background
                if role == Qt.ItemDataRole.BackgroundRole
                else (colours.foreground)
            )
        return None

    def _text(self, row: BoardRow, column: BoardColumn) -> str:
        view = row.view
        if column == BoardColumn.BED:
            return row.bed
        if column == BoardColumn.PATIENT:
            return row.patient_name
        if column == BoardColumn.STATUS:
            return words.status_text(view)
        if view is None:
            return "—"
        text = _VIEW_TEXT.get(column)
        return text(view) if text is not None else ""

    def _tooltip(self, row: BoardRow, column: BoardColumn) -> str:
        view = row.view
        if view is None:
            return "No handoff drafted for this patient yet; the shift cannot be signed."
        if column == BoardColumn.CHANGES:
            return "\n".join(view.draft.summary.changes) or "Nothing new since the last shift"
        if column in (BoardColumn.STATUS, BoardColumn.SAVED):
            notes = "\n✎ the nurse wrote notes" if view.has_notes else ""
            return words.describe(view) + notes
        return self._text(row, column)

    def _sort_key(self, row: BoardRow, column: BoardColumn) -> Any:
        if column == BoardColumn.BED:
            return fmt.bed_sort_key(row.bed)
        if column in (BoardColumn.NEWS2, BoardColumn.CHANGES):
            return -row.risk
        return self._text(row, column)

    def _font(self, row: BoardRow, column: BoardColumn) -> QFont | None:
        changed = row.view is not None and bool(row.view.draft.summary.changes)
        if (
            (column == BoardColumn.CHANGES and changed)
            or row.view is None
            or (column == BoardColumn.BED)
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _colours(self, row: BoardRow, column: BoardColumn) -> Any:
        view = row.view
        if column == BoardColumn.STATUS and view is None:
            return self._palette.overdue
        if view is None:
            return None
        if column == BoardColumn.NEWS2:
            summary = view.draft.summary
            return self._palette.for_news2(summary.news2_bound_band or summary.news2_band_now)
        if column == BoardColumn.CHANGES and view.draft.summary.changes:
            return self._palette.for_severity(Severity.ADVISORY)
        if column == BoardColumn.OBS and view.draft.summary.overdue_at_end:
            return self._palette.overdue
        if column == BoardColumn.STATUS and view.status.value == "sent_back":
            return self._palette.for_severity(Severity.URGENT)
        return None


class HandoffBoardProxy(QSortFilterProxyModel):
    """Sorts by risk by default (column NEWS2 ascending = most worrying first)."""

    DEFAULT_SORT_COLUMN = BoardColumn.NEWS2
    DEFAULT_SORT_ORDER = Qt.SortOrder.AscendingOrder

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_KEY_ROLE)
        self.setDynamicSortFilter(True)

    def lessThan(self, left: IndexLike, right: IndexLike) -> bool:
        a, b = left.data(SORT_KEY_ROLE), right.data(SORT_KEY_ROLE)
        if a == b:
            return fmt.bed_sort_key(left.sibling(left.row(), 0).data()) < fmt.bed_sort_key(
                right.sibling(right.row(), 0).data()
            )
        return bool(a < b)
