"""A patient's entry history as a table: every entry, corrections and strike-outs included.

Nothing is ever hidden: a superseded or struck-out entry stays in the table, struck through,
in muted text and — so colour and strike-through are never the only cue — with its status in
words ("SUPERSEDED by the correction at 03:12", "ENTERED IN ERROR — wrong patient").
``HistoryFilterProxy`` narrows the table to one kind of entry.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QFont

from wardconsole.domain.assessments import assessment_name, scale_items_text
from wardconsole.domain.entry_kinds import entry_label
from wardconsole.domain.fluids import fluid_entry_text, fluid_plan_text
from wardconsole.domain.food_chart import food_chart_text
from wardconsole.domain.medicines import OMITTED_REASONS
from wardconsole.domain.news2 import RISK_LABELS
from wardconsole.domain.records import MissingReason, route_label
from wardconsole.domain.sessions import history_text as session_text
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.domain.sleep import sleep_entry_text
from wardconsole.domain.weights import weight_entry_text
from wardconsole.services.history import EntryState, HistoryEntry
from wardconsole.ui import formatting as fmt
from wardconsole.ui.theme import theme_state

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``HistoryEntry`` behind any cell of a row."""
ENTRY_TYPE_ROLE = Qt.ItemDataRole.UserRole + 2
"""The row's entry type ('observation', 'symptoms', 'assessment', 'prn')."""

IndexLike = QModelIndex | QPersistentModelIndex


class HistoryColumn(enum.IntEnum):
    TAKEN = 0
    ENTRY = 1
    DETAILS = 2
    STATUS = 3
    RECORDED = 4

    @property
    def title(self) -> str:
        return ("Taken", "Entry", "Details", "Status", "Recorded")[self]


class HistoryTableModel(QAbstractTableModel):
    """Rows are the service's entries, newest first."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        item_labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._entries: tuple[HistoryEntry, ...] = ()
        self._by_key: dict[tuple[str, int], HistoryEntry] = {}
        self._item_labels = dict(item_labels or {})
        self._muted = QBrush(theme_state().palette.muted)

    def set_entries(self, entries: tuple[HistoryEntry, ...]) -> None:
        self.beginResetModel()
        self._entries = tuple(entries)
        self._by_key = {(e.entry_type, e.id): e for e in self._entries}
        self.endResetModel()

    @property
    def item_labels(self) -> Mapping[str, str]:
        """Chart item key -> label, for describing chart entries."""
        return self._item_labels

    def entry(self, row: int) -> HistoryEntry:
        return self._entries[row]

    def row_of(self, entry_type: str, entry_id: int) -> int:
        for row, entry in enumerate(self._entries):
            if entry.entry_type == entry_type and entry.id == entry_id:
                return row
        return -1

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HistoryColumn)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = HistoryColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._text(entry, column)
            if role == Qt.ItemDataRole.ToolTipRole and column == HistoryColumn.TAKEN:
                return f"Taken {fmt.local_datetime_text(entry.taken_at)} (local time)"
            return text
        replaced = entry.state is not EntryState.CURRENT
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            if replaced and column == HistoryColumn.DETAILS:
                font.setStrikeOut(True)
            if column == HistoryColumn.STATUS and (replaced or entry.is_correction):
                font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and replaced and column != HistoryColumn.STATUS:
            return self._muted
        if role == ENTRY_ROLE:
            return entry
        if role == ENTRY_TYPE_ROLE:
            return entry.entry_type
        return None

    def _text(self, entry: HistoryEntry, column: HistoryColumn) -> str:
        match column:
            case HistoryColumn.TAKEN:
                return fmt.local_datetime_text(entry.taken_at)
            case HistoryColumn.ENTRY:
                if entry.entry_type == "assessment":
                    kind = str(entry.values.get("kind", ""))
                    return assessment_name(kind).short
                return entry_label(entry.entry_type)
            case HistoryColumn.DETAILS:
                return details_text(entry, self._item_labels)
            case HistoryColumn.STATUS:
                return self._status(entry)
            case HistoryColumn.RECORDED:
                return (
                    f"{fmt.local_time_text(entry.recorded_at)} · {entry.recorded_by} · "
                    f"{entry.station}"
                )

    def _status(self, entry: HistoryEntry) -> str:
        if entry.state is EntryState.ENTERED_IN_ERROR:
            who = ""
            if entry.struck_by:
                who = f" ({entry.struck_by}, {fmt.local_time_text(entry.struck_at)})"
            return f"✖ ENTERED IN ERROR — {entry.struck_reason or 'no reason'}{who}"
        if entry.state is EntryState.SUPERSEDED:
            newer = self._by_key.get((entry.entry_type, entry.replaced_by or -1))
            if newer is not None:
                return (
                    f"SUPERSEDED by the correction at "
                    f"{fmt.local_time_text(newer.recorded_at)} ({newer.recorded_by})"
                )
            return "SUPERSEDED by a correction"
        if entry.is_correction:
            return f"✎ Correction — {entry.amend_reason or 'no reason given'}"
        return "Current"

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HistoryColumn)
        ):
            return HistoryColumn(section).title
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


class HistoryFilterProxy(QSortFilterProxyModel):
    """Only entries of one type (or all, with ``None``); the service's order is kept."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(ENTRY_TYPE_ROLE)
        self.setFilterKeyColumn(HistoryColumn.TAKEN)

    def set_entry_type(self, entry_type: str | None) -> None:
        pattern = "" if entry_type is None else f"^{re.escape(entry_type)}$"
        self.setFilterRegularExpression(pattern)


# -- words for each kind of entry ---------------------------------------------------------------


def details_text(entry: HistoryEntry, item_labels: Mapping[str, str] | None = None) -> str:
    """One line saying what an entry holds, as a nurse would write it."""
    values = entry.values
    match entry.entry_type:
        case "observation":
            text = _vitals_text(values)
        case "symptoms":
            labels = item_labels or {}
            scores = values.get("item_scores") or {}
            rated = ", ".join(f"{labels.get(k, k)} {v}" for k, v in scores.items() if v)
            text = f"Chart total {values.get('total')}" + (f": {rated}" if rated else "")
        case "assessment":
            text = str(values.get("label") or values.get("total") or "")
            items = scale_items_text(str(values.get("kind")), values.get("answers") or {})
            if items:
                text += f" — {items}"
        case kind if (spec := simple_spec(kind)) is not None:
            text = spec.text(values)
        case kind if kind in _VALUES_TEXT:
            text = _VALUES_TEXT[kind](values)
        case _:
            klass = values.get("class_text") or values.get("drug_class")
            text = (
                f"{values.get('drug')} {values.get('dose')} {values.get('route')} "
                f"({klass}) — {values.get('reason')}"
            )
            if values.get("class_reason"):
                text += f"; class chosen because: {values['class_reason']}"
            if entry.effects:
                text += f"; effect: {entry.effects[-1].effect}"
    if entry.note:
        text += f" · Note: {entry.note}"
    return text


def regular_dose_text(values: Mapping[str, Any]) -> str:
    """'Zopiclone 7.5 mg oral — given' / '… — omitted: asleep' (a monitoring copy)."""
    what = f"{values.get('drug')} {values.get('dose')} {route_label(str(values.get('route')))}"
    if values.get("outcome") == "omitted":
        reason = OMITTED_REASONS.get(str(values.get("omitted_reason")), "no reason")
        return f"Regular {what} — omitted: {reason.lower()}"
    return f"Regular {what} — given"


_VALUES_TEXT: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "session": session_text,
    "fluid": fluid_entry_text,
    "fluid_plan": fluid_plan_text,
    "food_chart": food_chart_text,
    "regular_dose": regular_dose_text,
    "weight": weight_entry_text,
    "sleep": sleep_entry_text,
}
"""Kinds whose history line is their stored values in words (one function each); a simple
kind's line is its spec's ``text`` (``domain/simple_kinds.py``)."""


def _vitals_text(values: Mapping[str, Any]) -> str:
    reasons = values.get("missing_reasons") or {}

    def show(name: str, text: str | None) -> str | None:
        if values.get(name) is not None:
            return text
        reason = reasons.get(name)
        if reason is None:
            return None
        try:
            why = MissingReason(reason).label.lower()
        except ValueError:
            why = reason
        return f"{_SHORT[name]} not taken ({why})"

    oxygen = values.get("on_oxygen")
    parts = [
        show("respiration_rate", f"RR {values.get('respiration_rate')}"),
        show("spo2", f"SpO₂ {values.get('spo2')}% (Scale {values.get('spo2_scale', 1)})"),
        show("on_oxygen", "on oxygen" if oxygen else "air"),
        show("systolic_bp", f"BP {values.get('systolic_bp')}/{values.get('diastolic_bp') or '—'}"),
        show("pulse", f"HR {values.get('pulse')}"),
        show("consciousness", f"ACVPU {values.get('consciousness')}"),
        show("temperature", f"T {values.get('temperature')} °C"),
    ]
    glucose = values.get("glucose")
    if glucose is not None:
        parts.append(f"CBG {glucose}" + ("" if isinstance(glucose, str) else " mmol/L"))
    text = " · ".join(p for p in parts if p)
    total, risk = values.get("news2_total"), values.get("news2_risk")
    if total is not None and risk is not None:
        return f"{text} → NEWS2 {total} ({RISK_LABELS.get(risk, risk)})"
    return f"PARTIAL — {text} (no NEWS2 score)"


_SHORT = {
    "respiration_rate": "RR",
    "spo2": "SpO₂",
    "on_oxygen": "Air/O₂",
    "systolic_bp": "BP",
    "diastolic_bp": "Diastolic",
    "pulse": "HR",
    "consciousness": "ACVPU",
    "temperature": "T",
}
