"""One patient's window: the header, their trend charts, open escalations and the basics.

The header, escalations and details show what the census already knows (a ``CensusRow``) and
are refreshed with every census snapshot. The charts (when the window is given a series loader
and a ``TaskRunner``) read the patient's series on that background worker, never on the UI
thread, and re-read it when a change for this admission arrives (``data_changed``).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wardconsole.services.views import CensusRow
from wardconsole.ui import formatting as fmt
from wardconsole.ui.escalations.escalation_model import EscalationColumn, EscalationTableModel
from wardconsole.ui.patient.charts.page_pool import ChartPagePool
from wardconsole.ui.patient.charts.patient_charts import PatientCharts, SeriesLoader
from wardconsole.ui.patient.charts.readout_panel import ReadoutPanel
from wardconsole.ui.patient.patient_header import PatientHeader
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

SIDE_ESCALATION_ROWS = 3
"""Escalations read at once in the tab beside the chart (more scroll)."""


class PatientWindow(QWidget):
    """A top-level window for one admission; the main window keeps it up to date."""

    def __init__(
        self,
        row: CensusRow,
        now: datetime,
        *,
        load_series: SeriesLoader | None = None,
        runner: TaskRunner | None = None,
        pages: ChartPagePool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("PatientWindow")
        self._admission_id = row.admission_id
        self._row = row
        self._discharged = False

        self._notice = QLabel()
        self._notice.setObjectName("patient_notice")
        self._notice.setWordWrap(True)
        self._notice.setVisible(False)
        set_style_property(self._notice, "tone", "alert")

        self.header = PatientHeader(self)

        self._escalations_title = QLabel()
        self._escalations_title.setObjectName("SectionTitle")
        self._escalation_model = EscalationTableModel(self)
        self._escalations = QTableView(self)
        self._escalations.setObjectName("EscalationView")
        self._escalations.setModel(self._escalation_model)
        self._escalations.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._escalations.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._escalations.setWordWrap(True)
        self._escalations.setShowGrid(False)
        self._escalations.setAlternatingRowColors(True)
        self._escalations.verticalHeader().setVisible(False)
        self._escalations.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        header = self._escalations.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column in (
            EscalationColumn.SEVERITY,
            EscalationColumn.CONCERN,
            EscalationColumn.RAISED,
            EscalationColumn.STATUS,
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._no_escalations = QLabel("No open escalations for this patient.")
        self._no_escalations.setObjectName("no_escalations")
        set_style_property(self._no_escalations, "tone", "muted")

        self._details = QFormLayout()
        self._details.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._detail_labels: dict[str, QLabel] = {}
        for key, title in (
            ("hospital_number", "Hospital number"),
            ("admitted", "Admitted"),
            ("nurse", "Assigned nurse"),
            ("flags", "Risk flags"),
            ("as_of", "Census as of"),
        ):
            label = QLabel()
            label.setObjectName(f"detail_{key}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self._details.addRow(f"{title}:", label)
            self._detail_labels[key] = label

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self._notice)
        layout.addWidget(self.header)
        self.charts: PatientCharts | None = None
        self.readout_panel: ReadoutPanel | None = None
        if load_series is not None and runner is not None:
            self._lay_out_with_charts(layout, load_series, runner, pages)
        else:
            layout.addWidget(self._escalations_title)
            layout.addWidget(self._escalations, 1)
            layout.addWidget(self._no_escalations)
            layout.addLayout(self._details)

        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.activated.connect(self.close)

        # Opens inside a 1366 × 768 screen less its taskbar and the window's frame.
        self.resize(*((1340, 690) if self.charts is not None else (1000, 620)))
        self.set_row(row, now)

    def _lay_out_with_charts(
        self,
        layout: QVBoxLayout,
        load_series: SeriesLoader,
        runner: TaskRunner,
        pages: ChartPagePool | None,
    ) -> None:
        """Charts below the header; read-out, escalations and details in a column beside them."""
        self.charts = PatientCharts(self._admission_id, load_series, runner, pages=pages)
        self.readout_panel = ReadoutPanel()
        self.charts.readout_changed.connect(self.readout_panel.set_readout)
        # Beside the chart the table is narrow: one line per escalation (the reason is whole in
        # its tooltip, scroll across for it), so three escalations show at once at 1366 × 768
        # instead of one wrapped reason filling the tab.
        self._escalations.setWordWrap(False)
        rows = self._escalations.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self._escalations.fontMetrics().height() + 10)
        self._escalations.horizontalHeader().setSectionResizeMode(
            EscalationColumn.DETAILS, QHeaderView.ResizeMode.Interactive
        )
        self._escalations.setColumnWidth(EscalationColumn.DETAILS, 380)
        self._escalations.setMinimumHeight(
            self._escalations.horizontalHeader().sizeHint().height()
            + SIDE_ESCALATION_ROWS * rows.defaultSectionSize()
            + 2 * self._escalations.frameWidth()
            + self._escalations.horizontalScrollBar().sizeHint().height()
        )
        escalations = QWidget()
        column = QVBoxLayout(escalations)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self._escalations_title)
        column.addWidget(self._escalations, 1)
        column.addWidget(self._no_escalations)
        column.addStretch(0)
        details = QWidget()
        details.setLayout(self._details)
        # The details scroll in their tab rather than taking height from the read-out above
        # (whose lines must be read whole at 1366 × 768).
        details_scroll = QScrollArea()
        details_scroll.setObjectName("PatientDetailsScroll")
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        details_scroll.setWidget(details)
        tabs = QTabWidget()
        tabs.setObjectName("PatientSideTabs")
        tabs.addTab(escalations, "Escalations")
        tabs.addTab(details_scroll, "Details")
        side = QWidget()
        side.setObjectName("PatientSide")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(8)
        # The read-out's lines wrap (never cut at the edge); when a page has more tracks than
        # the height beside the chart, it scrolls instead of pushing the window past 768 px.
        readout_scroll = QScrollArea()
        readout_scroll.setObjectName("ReadoutScroll")
        readout_scroll.setWidgetResizable(True)
        readout_scroll.setFrameShape(QFrame.Shape.NoFrame)
        readout_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        readout_scroll.setWidget(self.readout_panel)
        side_layout.addWidget(readout_scroll, 3)
        side_layout.addWidget(tabs, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("PatientSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.charts)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([960, 380])
        layout.addWidget(splitter, 1)

    def data_changed(self) -> None:
        """Something was written for this admission (here or at another station)."""
        if self.charts is not None:
            self.charts.reload()

    def stop_loading(self) -> None:
        """The console is closing: drop chart loads still in flight."""
        if self.charts is not None:
            self.charts.close_charts()

    def release_charts(self) -> None:
        """The window is being dropped: its chart page goes back to the pool it came from."""
        if self.charts is not None:
            self.charts.release_pages()

    @property
    def admission_id(self) -> int:
        return self._admission_id

    @property
    def row(self) -> CensusRow:
        return self._row

    @property
    def discharged(self) -> bool:
        return self._discharged

    def escalation_model(self) -> EscalationTableModel:
        return self._escalation_model

    def set_row(self, row: CensusRow, now: datetime) -> None:
        """Show the patient as of census time ``now``."""
        if row.admission_id != self._admission_id:
            raise ValueError("a patient window shows one admission only")
        self._row = row
        self._discharged = False
        self._notice.setVisible(False)
        self.setWindowTitle(f"{row.patient_name} — Bed {row.bed} — WardConsole")
        if self.charts is not None:
            self.charts.set_caption(f"{row.patient_name} · {row.hospital_number} · Bed {row.bed}")
        self.header.set_row(row, now)
        count = len(row.open_escalations)
        self._escalations_title.setText(
            f"Open escalations ({count})" if count else "Open escalations"
        )
        self._escalation_model.set_escalations(row.open_escalations, now)
        self._escalations.setVisible(bool(count))
        self._no_escalations.setVisible(not count)
        labels = self._detail_labels
        labels["hospital_number"].setText(row.hospital_number)
        labels["admitted"].setText(
            f"{fmt.local_datetime_text(row.admitted_at)} (detox day {row.detox_day})"
        )
        labels["nurse"].setText(row.assigned_nurse or "unassigned")
        labels["flags"].setText(", ".join(row.risk_flags) or "none recorded")
        labels["as_of"].setText(fmt.local_time_text(now, seconds=True))

    def set_discharged(self) -> None:
        """The patient left the census (discharged or moved): say so, keep the last details."""
        self._discharged = True
        self._notice.setText(
            f"{self._row.patient_name} is no longer on the ward census (discharged or moved). "
            "The details below are the last ones known."
        )
        self._notice.setVisible(True)
