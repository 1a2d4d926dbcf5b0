"""One patient's open escalations as a small table, most urgent first (the service's order)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from wardconsole.domain.records import EscalationState
from wardconsole.services.views import EscalationSummary
from wardconsole.ui import formatting as fmt
from wardconsole.ui.theme import Theme, risk_palette

ESCALATION_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``EscalationSummary`` behind any cell of a row."""

IndexLike = QModelIndex | QPersistentModelIndex


class EscalationColumn(enum.IntEnum):
    SEVERITY = 0
    CONCERN = 1
    RAISED = 2
    STATUS = 3
    DETAILS = 4

    @property
    def title(self) -> str:
        return ("Severity", "Concern", "Raised", "Status", "Why")[self]


class EscalationTableModel(QAbstractTableModel):
    """Open escalations of one patient; times are relative to the census snapshot."""

    def __init__(self, parent: QObject | None = None, *, theme: Theme = Theme.DAY) -> None:
        super().__init__(parent)
        self._palette = risk_palette(theme)
        self._escalations: tuple[EscalationSummary, ...] = ()
        self._now: datetime | None = None

    def set_escalations(self, escalations: tuple[EscalationSummary, ...], now: datetime) -> None:
        if escalations == self._escalations and now == self._now:
            return
        if escalations == self._escalations and self._escalations:
            self._now = now
            column = EscalationColumn.RAISED
            self.dataChanged.emit(
                self.index(0, column),
                self.index(len(self._escalations) - 1, column),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole],
            )
            return
        self.beginResetModel()
        self._escalations = tuple(escalations)
        self._now = now
        self.endResetModel()

    def set_theme(self, theme: Theme) -> None:
        self._palette = risk_palette(theme)
        if self._escalations:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._escalations) - 1, len(EscalationColumn) - 1),
                [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole],
            )

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._escalations)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(EscalationColumn)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._escalations):
            return None
        escalation = self._escalations[index.row()]
        column = EscalationColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(escalation, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == EscalationColumn.RAISED:
                return f"Raised {fmt.local_datetime_text(escalation.raised_at)} (local time)"
            return escalation.explanation
        if column == EscalationColumn.SEVERITY:
            colours = self._palette.for_severity(escalation.severity)
            if role == Qt.ItemDataRole.BackgroundRole and colours is not None:
                return colours.background
            if role == Qt.ItemDataRole.ForegroundRole and colours is not None:
                return colours.foreground
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            vertical = Qt.AlignmentFlag.AlignTop if column == EscalationColumn.DETAILS else (
                Qt.AlignmentFlag.AlignVCenter
            )
            return Qt.AlignmentFlag.AlignLeft | vertical
        if role == ESCALATION_ROLE:
            return escalation
        return None

    def _text(self, escalation: EscalationSummary, column: EscalationColumn) -> str:
        match column:
            case EscalationColumn.SEVERITY:
                return fmt.severity_text(escalation.severity)
            case EscalationColumn.CONCERN:
                return escalation.kind.label
            case EscalationColumn.RAISED:
                return fmt.ago_text(escalation.raised_at, self._now or escalation.raised_at)
            case EscalationColumn.STATUS:
                if escalation.state == EscalationState.ACKNOWLEDGED:
                    who = escalation.acknowledged_by
                    return f"Acknowledged by {who}" if who else "Acknowledged"
                return "Open — not yet acknowledged"
            case EscalationColumn.DETAILS:
                return escalation.explanation

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(EscalationColumn)
        ):
            return EscalationColumn(section).title
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
