"""The ward's sessions today: who has had no 1:1 key-worker contact since the ward's midnight,
and which other sessions each patient took part in. Loading runs on the background worker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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

from wardconsole.domain.records import ATTENTION_SIGN
from wardconsole.domain.sessions import DayStatus
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.sessions import SessionDay, SessionService, SessionToday
from wardconsole.ui import formatting as fmt
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel
from wardconsole.ui.widgets.style_property import set_style_property

NO_CONTACT_ROLE = Qt.ItemDataRole.UserRole + 1
"""True for a patient with no 1:1 key-worker contact today."""
ADMISSION_ROLE = Qt.ItemDataRole.UserRole + 2
CONTACT_FILTER_ROLE = Qt.ItemDataRole.UserRole + 3
"""'without' or 'with' (1:1 contact today), for the filter."""
COLUMNS = ("Bed", "Patient", "1:1 key-worker contact today", "Other sessions taken part in")


def contact_text(status: DayStatus) -> str:
    """ "1:1 at 11:30 (led by Sam)", "⚠ None — declined at 11:30", "⚠ None yet"."""
    if status.one_to_one is not None:
        s = status.one_to_one
        who = f" with {s.led_by}" if s.led_by else ""
        left = " (left early)" if s.attendance.value == "left_early" else ""
        return f"1:1 at {fmt.local_time_text(s.started_at)}{who}{left}"
    if status.declined_one_to_one is not None:
        declined = fmt.local_time_text(status.declined_one_to_one.started_at)
        return f"{ATTENTION_SIGN} None — declined at {declined}"
    return f"{ATTENTION_SIGN} None yet"


class SessionDayModel(SnapshotTableModel[SessionToday]):
    """One row per patient on the ward (snapshots from ``SessionService.day``)."""

    headers = COLUMNS

    def set_day(self, day: SessionDay) -> None:
        self.set_rows(day.patients)

    def cell(self, row: SessionToday, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells(row)[column]
        if role == NO_CONTACT_ROLE:
            return row.status.no_contact
        if role == CONTACT_FILTER_ROLE:
            return "without" if row.status.no_contact else "with"
        if role == ADMISSION_ROLE:
            return row.admission_id
        if role == Qt.ItemDataRole.FontRole and column == 2 and row.status.no_contact:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _cells(row: SessionToday) -> tuple[str, str, str, str]:
        others = ", ".join(t.label for t in row.status.took_part) or "—"
        return (row.bed, row.patient_name, contact_text(row.status), others)


class NoContactFilter(QSortFilterProxyModel):
    """All patients, or only those with no 1:1 contact today (by ``CONTACT_FILTER_ROLE``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(CONTACT_FILTER_ROLE)

    def set_only_without_contact(self, only: bool) -> None:
        self.setFilterRegularExpression("^without$" if only else "")


class SessionDayDialog(QDialog):
    """Sessions today for the whole ward; those without 1:1 contact are listed first."""

    def __init__(
        self,
        service: SessionService,
        actor: Actor,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SessionDayDialog")
        self.setWindowTitle("Sessions today")
        self.resize(1000, 600)
        self._service = service
        self._actor = actor
        self._runner = runner
        self.day: SessionDay | None = None
        self.model = SessionDayModel(self)
        self.proxy = NoContactFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("session_day_table")
        self.table.setModel(self.proxy)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("session_day_summary")
        self.summary.setWordWrap(True)
        self.only_without = QCheckBox("&Only patients with no 1:1 contact today")
        self.only_without.setObjectName("only_without_contact")
        self.only_without.toggled.connect(self.proxy.set_only_without_contact)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.load)
        controls = QHBoxLayout()
        controls.addWidget(self.only_without)
        controls.addStretch(1)
        controls.addWidget(self.refresh_button)
        note = QLabel(
            "Today is the ward's calendar day (from local midnight). 1:1 contact is a 1:1 "
            "key-worker session the patient attended or left early; a declined 1:1 is shown but "
            "is not contact. Sessions are recorded from Sessions → Record session."
        )
        note.setWordWrap(True)
        set_style_property(note, "tone", "muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        service, actor = self._service, self._actor
        self._runner.run(
            self,
            lambda: service.day(actor),
            on_success=self._on_loaded,
            on_failure=self._on_failed,
            key="session_day",
        )

    def _on_loaded(self, day: SessionDay) -> None:
        self.day = day
        self.model.set_day(day)
        missing = day.without_contact
        since = fmt.local_datetime_text(day.day_start)
        self.summary.setText(
            f"{len(day.patients)} patients on the ward; "
            + (
                f"{ATTENTION_SIGN} {missing} with no 1:1 key-worker contact since {since}."
                if missing
                else f"every patient has had 1:1 key-worker contact since {since}."
            )
        )
        set_style_property(self.summary, "tone", "alert" if missing else "ok")

    def _on_failed(self, error: BaseException) -> None:
        message = str(error) if isinstance(error, ServiceError) else f"Cannot load: {error}"
        self.summary.setText(message)
        set_style_property(self.summary, "tone", "alert")

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        service: SessionService,
        actor: Actor,
        runner: TaskRunner,
    ) -> None:
        cls(service, actor, runner, parent).exec()
