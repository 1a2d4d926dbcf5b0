"""The charts as tables: the same data, following the chart's selected time range.

``ObservationTableModel`` reads straight from the numpy columns (a 30-day feed has 43,200
rows; no Python object per row, text is made only for the cells on screen). Corrected and
entered-in-error sets are listed too, said as such, never merged into the current values.
``TimelineTableModel`` lists the other entries and events: ratings, assessments, PRN doses,
escalation steps and corrections. Both list the newest first.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from wardconsole.domain.assessments import assessment_name
from wardconsole.domain.fluids import Direction
from wardconsole.domain.news2 import ACVPU
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.domain.sleep import night_label
from wardconsole.services.charts import (
    GLUCOSE_FLAGS,
    RISKS,
    EntryState,
    ObservationColumns,
    PatientSeries,
)
from wardconsole.ui import formatting as fmt
from wardconsole.ui.patient.charts.events import event_tip
from wardconsole.ui.theme import Theme, theme_state

Index = QModelIndex | QPersistentModelIndex
TIME_ROLE = Qt.ItemDataRole.UserRole + 1
"""Epoch seconds of the row's entry."""
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
"""``EntryState`` of the row's entry."""


def _local(epoch: float) -> str:
    return fmt.local_datetime_text(datetime.fromtimestamp(epoch, UTC))


class ObservationColumn(enum.IntEnum):
    TAKEN = 0
    NEWS2 = 1
    RESPIRATION = 2
    SPO2 = 3
    OXYGEN = 4
    BP = 5
    PULSE = 6
    TEMPERATURE = 7
    ACVPU = 8
    GLUCOSE = 9
    STATUS = 10


_PLAIN_NUMBERS: dict[ObservationColumn, tuple[str, str]] = {
    ObservationColumn.RESPIRATION: ("respiration_rate", "{:.0f}"),
    ObservationColumn.SPO2: ("spo2", "{:.0f}"),
    ObservationColumn.PULSE: ("pulse", "{:.0f}"),
    ObservationColumn.TEMPERATURE: ("temperature", "{:.1f}"),
}
"""Columns shown as the stored number alone: its series and format."""


_OBS_HEADERS = (
    "Taken",
    "NEWS2",
    "RR /min",
    "SpO₂ %",
    "O₂",
    "BP mmHg",
    "Pulse /min",
    "Temp °C",
    "ACVPU",
    "CBG mmol/L",
    "Status",
)


class ObservationTableModel(QAbstractTableModel):
    """Vital-sign sets in [start, end], newest first, over the loaded numpy columns."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._obs: ObservationColumns | None = None
        self._first = 0
        self._last = 0
        theme_state().changed.connect(self._recolour)

    def set_series(self, series: PatientSeries | None, start: float, end: float) -> None:
        self.beginResetModel()
        self._obs = series.observations if series is not None else None
        if self._obs is None or len(self._obs) == 0:
            self._first = self._last = 0
        else:
            times = self._obs.times
            self._first, self._last = (int(i) for i in np.searchsorted(times, (start, end)))
        self.endResetModel()

    def _recolour(self, _theme: Theme) -> None:
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(self.rowCount() - 1, len(_OBS_HEADERS) - 1),
                [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole],
            )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else self._last - self._first

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(_OBS_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_OBS_HEADERS)
        ):
            return _OBS_HEADERS[section]
        return None

    def row_of(self, index: Index) -> int:
        """The row in ``ObservationColumns`` shown at ``index`` (newest first)."""
        return self._last - 1 - index.row()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        obs = self._obs
        if obs is None or not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row = self.row_of(index)
        column = ObservationColumn(index.column())
        state = EntryState(int(obs.state[row]))
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(obs, row, column, state)
        if role == TIME_ROLE:
            return float(obs.times[row])
        if role == STATE_ROLE:
            return int(state)
        if role == Qt.ItemDataRole.FontRole and state is EntryState.ENTERED_IN_ERROR:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and state is not EntryState.CURRENT:
            return theme_state().palette.muted
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and column is ObservationColumn.NEWS2
            and state is EntryState.CURRENT
        ):
            risk = int(obs.column("news2_risk")[row])
            colours = theme_state().palette.for_news2(RISKS[risk] if risk >= 0 else None)
            return colours.background if colours else None
        if role == Qt.ItemDataRole.ToolTipRole and column is ObservationColumn.STATUS:
            reasons = obs.missing_reasons.get(int(obs.column("id")[row]))
            if reasons:
                return "Not taken: " + ", ".join(f"{k} ({v})" for k, v in reasons.items())
        return None

    @staticmethod
    def _text(
        obs: ObservationColumns, row: int, column: ObservationColumn, state: EntryState
    ) -> str:
        def number(name: str, form: str = "{:.0f}") -> str:
            value = obs.column(name)[row]
            return "—" if math.isnan(value) else form.format(value)

        if column is ObservationColumn.TAKEN:
            return _local(float(obs.times[row]))
        if column is ObservationColumn.NEWS2:
            total = obs.column("news2_total")[row]
            if math.isnan(total):
                return "incomplete"
            risk = int(obs.column("news2_risk")[row])
            return f"{total:.0f} {fmt.news2_band_text(RISKS[risk]) if risk >= 0 else ''}".strip()
        if column in _PLAIN_NUMBERS:
            return number(*_PLAIN_NUMBERS[column])
        if column is ObservationColumn.OXYGEN:
            value = obs.column("on_oxygen")[row]
            return "—" if math.isnan(value) else ("O₂" if value == 1 else "air")
        if column is ObservationColumn.BP:
            return f"{number('systolic_bp')}/{number('diastolic_bp')}"
        if column is ObservationColumn.ACVPU:
            level = obs.column("consciousness")[row]
            return "—" if math.isnan(level) else ACVPU[int(level)]
        if column is ObservationColumn.GLUCOSE:
            flag = int(obs.column("glucose_flag")[row])
            return GLUCOSE_FLAGS[flag] if flag >= 0 else number("glucose", "{:.1f}")
        status = state.label
        if state is EntryState.CURRENT and math.isnan(obs.column("news2_total")[row]):
            status = "Partial set"
        return status


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: float
    what: str
    value: str
    detail: str
    state: EntryState = EntryState.CURRENT


class TimelineColumn(enum.IntEnum):
    TIME = 0
    WHAT = 1
    VALUE = 2
    DETAIL = 3


_TIMELINE_HEADERS = ("Time", "What", "Value", "Details")


def timeline_entries(series: PatientSeries) -> list[TimelineEntry]:
    """Ratings, assessments and events of the stay, oldest first."""
    entries: list[TimelineEntry] = []
    symptoms = series.symptoms
    maximum = series.chart_max_total
    for i in range(len(symptoms.times)):
        total = symptoms.total[i]
        state = EntryState(int(symptoms.state[i]))
        if state is EntryState.ERROR_RECORD:
            continue
        top = sorted(
            (
                (symptoms.items[i, j], key)
                for j, key in enumerate(symptoms.item_keys)
                if not math.isnan(symptoms.items[i, j]) and symptoms.items[i, j] > 0
            ),
            reverse=True,
        )[:4]
        detail = ", ".join(f"{key.replace('_', ' ')} {value:.0f}" for value, key in top)
        entries.append(
            TimelineEntry(
                float(symptoms.times[i]),
                "Withdrawal chart",
                "—" if math.isnan(total) else f"{total:.0f}/{maximum}",
                detail,
                state,
            )
        )
    for kind, scores in series.assessments.items():
        for i in range(len(scores.times)):
            state = EntryState(int(scores.state[i]))
            if state is EntryState.ERROR_RECORD:
                continue
            total = scores.total[i]
            entries.append(
                TimelineEntry(
                    float(scores.times[i]),
                    assessment_name(kind).short,
                    "—"
                    if math.isnan(total)
                    else f"{total:+.0f}"
                    if kind == "rass" and total
                    else f"{total:.0f}",
                    scores.labels[i],
                    state,
                )
            )
    for event in series.events:
        title, _sep, rest = event_tip(event).partition("\n")
        _when, _sep, detail = rest.partition("\n")
        entries.append(TimelineEntry(event.at, title, "", detail.replace("\n", " · ")))
    entries.sort(key=lambda entry: entry.at)
    return entries


def physical_entries(series: PatientSeries) -> list[TimelineEntry]:
    """The Physical care page as rows, oldest first: each fluid period's totals, each drink or
    output, each meal or supplement, each bowel movement, each night's sleep and each entry of
    any other simple kind (its title, its table cell and its line in words, from its spec)."""
    entries = [
        TimelineEntry(
            bar.start,
            "Fluid period",
            f"in {bar.totals.intake_ml} ml" if bar.totals.intake_count else "0 ml recorded",
            f"{bar.label}: out {bar.totals.output_text} · {bar.totals.balance_text}",
        )
        for bar in series.fluids.bars
    ]
    for fluid in series.fluids.entries:
        intake = fluid.direction is Direction.INTAKE
        volume = "not measured" if fluid.volume_ml is None else f"{fluid.volume_ml} ml"
        entries.append(
            TimelineEntry(
                fluid.taken_at.timestamp(),
                "Fluid in" if intake else "Fluid out",
                volume,
                fluid.text,
            )
        )
    course = series.nutrition
    for meal in course.meals:
        eaten = meal.portion.label if meal.portion is not None else "—"
        entries.append(TimelineEntry(meal.taken_at.timestamp(), "Meal", eaten, meal.text))
    for bowel in course.bowels:
        kind = f"type {bowel.bristol_type}" if bowel.bristol_type else "not seen"
        entries.append(TimelineEntry(bowel.taken_at.timestamp(), "Bowels", kind, bowel.text))
    for night in series.sleep.nights:
        hours = night.hours
        value = "—" if hours is None else f"{hours:g} h"
        if hours is not None and night.entry is None:
            value = f"≈ {value}"
        label = night_label(night.night, capital=True)
        entries.append(
            TimelineEntry(night.night.start.timestamp(), "Sleep", value, f"{label}: {night.detail}")
        )
    for kind, kind_entries in series.simple.items():
        spec = simple_spec(kind)
        if spec is None:
            continue
        title = spec.kind.words.title
        entries += [
            TimelineEntry(
                entry.taken_at.timestamp(),
                title,
                spec.summarise(entry.values),
                spec.text(entry.values),
            )
            for entry in kind_entries
        ]
    entries.sort(key=lambda entry: entry.at)
    return entries


class TimelineTableModel(QAbstractTableModel):
    """Ratings, assessments and events in [start, end], newest first (or, with ``rows_of``,
    other rows of the series: ``physical_entries``)."""

    def __init__(
        self,
        parent: Any = None,
        *,
        rows_of: Callable[[PatientSeries], list[TimelineEntry]] = timeline_entries,
    ) -> None:
        super().__init__(parent)
        self._rows_of = rows_of
        self._series: PatientSeries | None = None
        self._all: list[TimelineEntry] | None = []
        """Every row of the series, oldest first; None until a range is first shown (the
        table is not on screen when a chart opens)."""
        self._times = np.empty(0)
        self._rows: list[TimelineEntry] = []
        theme_state().changed.connect(self._recolour)

    def set_series(self, series: PatientSeries | None) -> None:
        self._series = series
        self._all = None

    def set_range(self, start: float, end: float) -> None:
        if self._all is None:
            series = self._series
            self._all = self._rows_of(series) if series is not None else []
            self._times = np.array([entry.at for entry in self._all], dtype=np.float64)
        self.beginResetModel()
        first, last = (int(i) for i in np.searchsorted(self._times, (start, end)))
        self._rows = self._all[first:last][::-1]
        self.endResetModel()

    def _recolour(self, _theme: Theme) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self._rows) - 1, len(_TIMELINE_HEADERS) - 1),
                [Qt.ItemDataRole.ForegroundRole],
            )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(_TIMELINE_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_TIMELINE_HEADERS)
        ):
            return _TIMELINE_HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = TimelineColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is TimelineColumn.TIME:
                return _local(entry.at)
            if column is TimelineColumn.WHAT:
                return entry.what
            if column is TimelineColumn.VALUE:
                return entry.value
            if entry.state is not EntryState.CURRENT:
                return f"{entry.state.label}. {entry.detail}".strip()
            return entry.detail
        if role == TIME_ROLE:
            return entry.at
        if role == STATE_ROLE:
            return int(entry.state)
        if role == Qt.ItemDataRole.ForegroundRole and entry.state is not EntryState.CURRENT:
            return theme_state().palette.muted
        if role == Qt.ItemDataRole.FontRole and entry.state is EntryState.ENTERED_IN_ERROR:
            font = QFont()
            font.setStrikeOut(True)
            return font
        return None
