"""The table page: the charted data as two tables that follow the chart's time range."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTabWidget, QWidget

from wardconsole.services.charts import PatientSeries
from wardconsole.ui.patient.charts.table_models import (
    ObservationColumn,
    ObservationTableModel,
    TimelineTableModel,
    physical_entries,
)


class ChartTables(QTabWidget):
    """Observation sets; ratings, assessments and events; and the Physical care page (fluid
    periods and entries, meals, bowels) — each newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chart_tables")
        self.observation_model = ObservationTableModel(self)
        self.timeline_model = TimelineTableModel(self)
        observations = self._view(self.observation_model, "Observation sets")
        observations.setColumnWidth(ObservationColumn.TAKEN, 150)
        self._view(self.timeline_model, "Chart, assessments and events").setColumnWidth(0, 150)
        self.physical_model = TimelineTableModel(self, rows_of=physical_entries)
        self._view(self.physical_model, "Physical care (fluids, meals, bowels)").setColumnWidth(
            0, 150
        )

    def _view(self, model: QAbstractTableModel, title: str) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setObjectName(f"table_{model.__class__.__name__}")
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setDefaultSectionSize(26)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultSectionSize(96)
        self.addTab(view, title)
        return view

    def set_series(self, series: PatientSeries) -> None:
        self.timeline_model.set_series(series)
        self.physical_model.set_series(series)

    def show_range(self, series: PatientSeries | None, start: float, end: float) -> None:
        self.observation_model.set_series(series, start, end)
        self.timeline_model.set_range(start, end)
        self.physical_model.set_range(start, end)
