"""Observation compliance for a shift, for supervisors: checks due, on time, late, missed.

Per patient (with the levels they were on) and per nurse (the checks each recorded). A missed
check is shown against the patient, never against a nurse the record cannot name. The figures
come from the same rules as the census countdown and the missed-check escalation
(``domain.safety_checks``). Loading runs on the background worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.safety_checks import ComplianceCounts
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.observation_views import ComplianceReport
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

IndexLike = QModelIndex | QPersistentModelIndex
COUNT_TITLES = ("Due", "On time", "Late", "Missed", "Overdue now", "On time %")
NURSE_COUNT_TITLES = ("Checks recorded", "On time", "Late", "On time %")


def counts_cells(counts: ComplianceCounts) -> list[str]:
    percent = counts.on_time_percent
    return [
        str(counts.due),
        str(counts.on_time),
        str(counts.late),
        str(counts.missed),
        str(counts.overdue),
        "—" if percent is None else f"{percent:.0f} %",
    ]


def nurse_cells(counts: ComplianceCounts) -> list[str]:
    cells = counts_cells(counts)
    return [cells[0], cells[1], cells[2], cells[5]]


class _CountsTableModel(QAbstractTableModel):
    """Leading text columns, then the compliance counts."""

    counts_titles: tuple[str, ...] = COUNT_TITLES

    def __init__(self, titles: tuple[str, ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._titles = (*titles, *self.counts_titles)
        self._lead = len(titles)
        self._rows: list[tuple[list[str], ComplianceCounts]] = []

    def set_rows(self, rows: list[tuple[list[str], ComplianceCounts]]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._titles)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        lead, counts = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return lead[column] if column < self._lead else self.cells(counts)[column - self._lead]
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= self._lead:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def cells(self, counts: ComplianceCounts) -> list[str]:
        return counts_cells(counts)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._titles)
        ):
            return self._titles[section]
        return None


class PatientComplianceModel(_CountsTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(("Bed", "Patient", "Levels in the shift"), parent)

    def set_report(self, report: ComplianceReport) -> None:
        self.set_rows(
            [([p.bed, p.patient_name, ", ".join(p.levels)], p.counts) for p in report.patients]
        )


class NurseComplianceModel(_CountsTableModel):
    counts_titles = NURSE_COUNT_TITLES

    def cells(self, counts: ComplianceCounts) -> list[str]:
        return nurse_cells(counts)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(("Nurse",), parent)

    def set_report(self, report: ComplianceReport) -> None:
        self.set_rows([([n.nurse], n.counts) for n in report.nurses])


def _table(model: QAbstractTableModel, name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setAlternatingRowColors(True)
    return table


class ComplianceDialog(QDialog):
    """A shift's observation compliance; ◀ / ▶ step through shifts."""

    def __init__(
        self,
        service: ObservationLevelService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ComplianceDialog")
        self.setWindowTitle("Observation compliance")
        self.resize(1100, 640)
        self._service = service
        self._actor = current_actor
        """Who reads the report: asked on the UI thread at each load (supervisors only)."""
        self._runner = runner
        self._shift: ShiftWindow = service.this_shift()
        self.report: ComplianceReport | None = None
        self.patients = PatientComplianceModel(self)
        self.nurses = NurseComplianceModel(self)
        self.shift_label = QLabel()
        self.shift_label.setObjectName("dialog_title")
        self.previous_button = QPushButton("◀ Previous shift")
        self.next_button = QPushButton("Next shift ▶")
        self.totals = QLabel("Loading…")
        self.totals.setObjectName("compliance_totals")
        self.totals.setWordWrap(True)
        note = QLabel(
            "A check is due when the level's interval runs out. On time: done by then. "
            "Late: done within one more interval. Missed: not done within that. "
            "Missed checks are shown per patient; the nurse table lists the checks each "
            "nurse recorded. Levels and intervals are local policy."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        heading = QHBoxLayout()
        heading.addWidget(self.previous_button)
        heading.addWidget(self.shift_label, 1)
        heading.addWidget(self.next_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.totals)
        layout.addWidget(QLabel("Per patient"))
        layout.addWidget(_table(self.patients, "compliance_patients"), 3)
        layout.addWidget(QLabel("Per nurse"))
        layout.addWidget(_table(self.nurses, "compliance_nurses"), 2)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.previous_button.clicked.connect(self._on_previous_requested)
        self.next_button.clicked.connect(self._on_next_requested)
        self.load()

    def load(self) -> None:
        shift = self._shift
        self.shift_label.setText(shift.label)
        self.next_button.setEnabled(shift.end <= self._service.now())
        service, actor = self._service, self._actor()
        self._runner.run(
            self,
            lambda: service.compliance(actor, shift.start, shift.end, shift.label),
            on_success=self._on_loaded,
            on_failure=self._on_failed,
            key="compliance",
        )

    def _on_loaded(self, report: ComplianceReport) -> None:
        self.report = report
        self.patients.set_report(report)
        self.nurses.set_report(report)
        t = report.totals
        percent = t.on_time_percent
        state = "" if report.complete else " (shift in progress: figures so far)"
        self.totals.setText(
            f"{t.due} checks due{state}: {t.on_time} on time, {t.late} late, {t.missed} missed"
            + (f", {t.overdue} overdue now" if t.overdue else "")
            + (f" — {percent:.0f} % on time" if percent is not None else "")
        )
        set_style_property(self.totals, "tone", "alert" if t.missed or t.overdue else "ok")

    def _on_failed(self, error: BaseException) -> None:
        message = str(error) if isinstance(error, ServiceError) else f"Cannot load: {error}"
        self.totals.setText(message)
        set_style_property(self.totals, "tone", "alert")

    def _on_previous_requested(self) -> None:
        self._shift = self._service.previous_shift(self._shift)
        self.load()

    def _on_next_requested(self) -> None:
        following = self._service.following_shift(self._shift)
        if following.start <= self._service.now():
            self._shift = following
            self.load()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        service: ObservationLevelService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
    ) -> None:
        cls(service, current_actor, runner, parent).exec()
