"""Escalations as tables: one patient's (patient window), the ward's (escalation panel), and
the trail of one escalation. Most urgent first, in the service's order."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from wardconsole.domain.records import EscalationInfo, EscalationState
from wardconsole.services.escalations import EscalationEvent
from wardconsole.ui import formatting as fmt
from wardconsole.ui.theme import Theme, risk_palette, theme_state

ESCALATION_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``EscalationInfo`` behind any cell of a row."""

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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._palette = theme_state().palette
        theme_state().changed.connect(self._recolour)
        self._escalations: tuple[EscalationInfo, ...] = ()
        self._now: datetime | None = None

    def set_escalations(self, escalations: tuple[EscalationInfo, ...], now: datetime) -> None:
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

    def _recolour(self, theme: Theme) -> None:
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
            vertical = (
                Qt.AlignmentFlag.AlignTop
                if column == EscalationColumn.DETAILS
                else (Qt.AlignmentFlag.AlignVCenter)
            )
            return Qt.AlignmentFlag.AlignLeft | vertical
        if role == ESCALATION_ROLE:
            return escalation
        return None

    def _text(self, escalation: EscalationInfo, column: EscalationColumn) -> str:
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


# -- the ward's escalation panel ------------------------------------------------------------------


class WardEscalationColumn(enum.IntEnum):
    SEVERITY = 0
    BED = 1
    PATIENT = 2
    CONCERN = 3
    AGE = 4
    STATUS = 5
    DETAILS = 6

    @property
    def title(self) -> str:
        return ("Severity", "Bed", "Patient", "Concern", "Age", "Status", "Why")[self]


class WardEscalationModel(QAbstractTableModel):
    """Every open escalation on the ward, in the service's order (most severe, then oldest).

    Ages and statuses are measured against ``now`` (the ward clock), moved on by ``set_now``
    without resetting the model, so the selection survives each tick.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        cascade: tuple[str, ...] = (),
    ) -> None:
        super().__init__(parent)
        self._cascade = cascade
        self._palette = theme_state().palette
        theme_state().changed.connect(self._recolour)
        self._escalations: tuple[EscalationInfo, ...] = ()
        self._now: datetime | None = None

    # -- updates -----------------------------------------------------------------------------

    def set_escalations(self, escalations: tuple[EscalationInfo, ...], now: datetime) -> None:
        if escalations == self._escalations:
            self.set_now(now)
            return
        old_ids = [e.id for e in self._escalations]
        new_ids = [e.id for e in escalations]
        if old_ids == new_ids:
            # Same rows, new states (acknowledged, cascaded): no reset, selection stays.
            self._escalations, self._now = escalations, now
            self._emit_changed(0, len(WardEscalationColumn) - 1)
            return
        self.beginResetModel()
        self._escalations, self._now = escalations, now
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        if now == self._now:
            return
        self._now = now
        self._emit_changed(
            WardEscalationColumn.AGE,
            WardEscalationColumn.STATUS,
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole],
        )

    def _recolour(self, theme: Theme) -> None:
        self._palette = risk_palette(theme)
        self._emit_changed(
            WardEscalationColumn.SEVERITY,
            WardEscalationColumn.SEVERITY,
            [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole],
        )

    def _emit_changed(self, first: int, last: int, roles: list[int] | None = None) -> None:
        if self._escalations:
            self.dataChanged.emit(
                self.index(0, first), self.index(len(self._escalations) - 1, last), roles or []
            )

    # -- lookups -----------------------------------------------------------------------------

    @property
    def escalations(self) -> tuple[EscalationInfo, ...]:
        return self._escalations

    def row_of(self, escalation_id: int) -> int:
        """The row showing ``escalation_id``, or -1."""
        for row, escalation in enumerate(self._escalations):
            if escalation.id == escalation_id:
                return row
        return -1

    def escalation_at(self, row: int) -> EscalationInfo | None:
        return self._escalations[row] if 0 <= row < len(self._escalations) else None

    # -- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._escalations)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(WardEscalationColumn)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._escalations):
            return None
        escalation = self._escalations[index.row()]
        column = WardEscalationColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(escalation, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(escalation, column)
        if role == ESCALATION_ROLE:
            return escalation
        if column == WardEscalationColumn.SEVERITY:
            colours = self._palette.for_severity(escalation.severity)
            if role == Qt.ItemDataRole.BackgroundRole and colours is not None:
                return colours.background
            if role == Qt.ItemDataRole.ForegroundRole and colours is not None:
                return colours.foreground
        if role == Qt.ItemDataRole.FontRole and (
            column == WardEscalationColumn.SEVERITY
            or (
                column == WardEscalationColumn.STATUS
                and self._unowned(escalation)
                and not escalation.cascade_level
            )
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _unowned(self, escalation: EscalationInfo) -> bool:
        return escalation.state is EscalationState.OPEN and not self._snoozed(escalation)

    def _snoozed(self, escalation: EscalationInfo) -> bool:
        until = escalation.snoozed_until
        return until is not None and self._now is not None and self._now < until

    def cascaded_to(self, escalation: EscalationInfo) -> str | None:
        """The responder it has cascaded to ('On-call doctor'), or None."""
        if not escalation.cascade_level or not self._cascade:
            return None
        return self._cascade[min(escalation.cascade_level, len(self._cascade)) - 1]

    def status_text(self, escalation: EscalationInfo, *, short: bool = False) -> str:
        """'Not acknowledged; cascaded to On-call doctor', 'Acknowledged by …', 'Snoozed …'.

        ``short`` is the table's form: the cascade as '→ On-call doctor'.
        """
        if escalation.state is EscalationState.ACKNOWLEDGED:
            text = f"Acknowledged by {escalation.acknowledged_by or 'someone'}"
        else:
            text = "Not acknowledged"
        if self._snoozed(escalation) and escalation.snoozed_until is not None:
            left = fmt.duration_text(escalation.snoozed_until - (self._now or escalation.raised_at))
            text = f"Snoozed, {left} left · {text[0].lower()}{text[1:]}"
        target = self.cascaded_to(escalation)
        if target:
            text += f" → {target}" if short else f"; cascaded to {target}"
        return text

    def _text(self, escalation: EscalationInfo, column: WardEscalationColumn) -> str:
        match column:
            case WardEscalationColumn.SEVERITY:
                return fmt.severity_text(escalation.severity)
            case WardEscalationColumn.BED:
                return "—" if escalation.discharged else escalation.bed
            case WardEscalationColumn.PATIENT:
                return escalation.patient_name
            case WardEscalationColumn.CONCERN:
                return escalation.kind.label
            case WardEscalationColumn.DETAILS:
                return escalation.explanation
            case WardEscalationColumn.AGE:
                return fmt.duration_text((self._now or escalation.raised_at) - escalation.raised_at)
            case WardEscalationColumn.STATUS:
                return self.status_text(escalation, short=True)

    def _tooltip(self, escalation: EscalationInfo, column: WardEscalationColumn) -> str:
        if column == WardEscalationColumn.AGE:
            return f"Raised {fmt.local_datetime_text(escalation.raised_at)} (local time)"
        if column == WardEscalationColumn.STATUS:
            return self.status_text(escalation)
        if column == WardEscalationColumn.BED and escalation.discharged:
            return f"Discharged: no longer on the ward (was in bed {escalation.bed})"
        prompts = "\n".join(f"• {p}" for p in escalation.prompts)
        return f"{escalation.explanation}\n{prompts}" if prompts else escalation.explanation

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(WardEscalationColumn)
        ):
            return WardEscalationColumn(section).title
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


# -- one escalation's trail ---------------------------------------------------------------------

TRAIL_ACTIONS = {
    "raised": "Raised",
    "raise_severity": "Severity raised",
    "update": "Updated",
    "acknowledged": "Acknowledged",
    "action": "Action taken",
    "snoozed": "Snoozed",
    "cascaded": "Cascaded",
    "resolved": "Resolved",
    "not_escalated": "Not escalated",
    "returned": "Back: still not done",
}


EVENT_ROLE = Qt.ItemDataRole.UserRole + 2
"""The ``EscalationEvent`` behind a trail line."""


def trail_line(event: EscalationEvent) -> str:
    """'Thu 02:43  Acknowledged — Marta Pereira, Nurses' station 2' and the detail below it."""
    local = event.at.astimezone()
    what = TRAIL_ACTIONS.get(event.action, event.action.replace("_", " ").capitalize())
    who = event.staff or "automatic"
    where = f", {event.station}" if event.station else ""
    line = f"{local:%a %H:%M}  {what} — {who}{where}"
    if event.confirmed_by:
        line += f"; confirmed by {event.confirmed_by}"
    if event.policy_digest:
        line += f"  [policy {event.policy_digest[:8]}]"
    return f"{line}\n{event.detail}" if event.detail else line


class EscalationTrailModel(QAbstractListModel):
    """The trail of one escalation as a log, oldest first: raised, acknowledged, actions,
    snoozes, cascades, resolved — each with who, when (local time) and from which station."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events: tuple[EscalationEvent, ...] = ()
        self._escalation_id: int | None = None

    @property
    def escalation_id(self) -> int | None:
        return self._escalation_id

    @property
    def events(self) -> tuple[EscalationEvent, ...]:
        return self._events

    def set_trail(self, escalation_id: int | None, events: Sequence[EscalationEvent]) -> None:
        events = tuple(events)
        if escalation_id == self._escalation_id and events == self._events:
            return
        self.beginResetModel()
        self._escalation_id, self._events = escalation_id, events
        self.endResetModel()

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._events):
            return None
        event = self._events[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return trail_line(event)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{fmt.local_datetime_text(event.at)} (local time)\n{trail_line(event)}"
        if role == EVENT_ROLE:
            return event
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
