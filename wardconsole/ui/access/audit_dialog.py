"""The audit-trail browser for supervisors: filter by who, action, patient, dates and station.

Searches run on the background worker and come back newest first (at most the service's
limit, said in words when more matched). "Export CSV…" writes the rows on screen and is itself
audited as an export.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.services.audit import (
    AuditChoices,
    AuditPage,
    AuditQuery,
    AuditService,
    Verification,
)
from wardconsole.services.context import Actor
from wardconsole.ui.access.audit_model import (
    AuditColumn,
    AuditProxyModel,
    AuditTableModel,
    action_label,
)
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

DEFAULT_DAYS = 7
"""The search a supervisor sees first: the last week."""


class AuditDialog(QDialog):
    """Filters above, the trail below (a Qt model/view table), status and export at the foot."""

    def __init__(
        self,
        audit: AuditService,
        actor: Callable[[], Actor],
        parent: QWidget | None = None,
        *,
        runner: TaskRunner,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AuditDialog")
        self.setWindowTitle("Audit trail")
        self._audit = audit
        self._actor = actor
        self._runner = runner
        self.model = AuditTableModel(self)
        self.proxy = AuditProxyModel(self)
        self.proxy.setSourceModel(self.model)

        self.who = QComboBox()
        self.who.setObjectName("filter_who")
        self.action = QComboBox()
        self.action.setObjectName("filter_action")
        self.patient = QLineEdit()
        self.patient.setObjectName("filter_patient")
        self.patient.setPlaceholderText("name, hospital number or bed")
        self.patient.setClearButtonEnabled(True)
        self.station = QComboBox()
        self.station.setObjectName("filter_station")
        end = QDateTime.fromMSecsSinceEpoch(int(now().timestamp() * 1000)).addSecs(3600)
        self.since = self._date_edit("filter_since", end.addDays(-DEFAULT_DAYS))
        self.until = self._date_edit("filter_until", end)
        self.search_button = QPushButton("Sea&rch")
        self.search_button.setObjectName("search_button")
        self.search_button.setDefault(True)
        self.table = QTableView()
        self.table.setObjectName("audit_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(AuditColumn.WHEN, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in (
            (AuditColumn.WHEN, 190),
            (AuditColumn.WHO, 190),
            (AuditColumn.STATION, 120),
            (AuditColumn.ACTION, 210),
            (AuditColumn.PATIENT, 230),
        ):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.record_check = QLabel("Checking the record against its hash chain…")
        self.record_check.setObjectName("record_check")
        self.record_check.setWordWrap(True)
        self.status = QLabel("Loading…")
        self.status.setObjectName("audit_status")
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setObjectName("export_button")
        self.export_button.setAutoDefault(False)
        self.close_button = QPushButton("&Close")
        self.close_button.setAutoDefault(False)
        self._lay_out()
        self.resize(1280, 680)

        self.search_button.clicked.connect(self._on_search_requested)
        self.patient.returnPressed.connect(self._on_search_requested)
        self.export_button.clicked.connect(self._on_export_requested)
        self.close_button.clicked.connect(self.accept)
        asking = actor()  # who is asking: read here, on the UI thread
        self._runner.run(
            self,
            lambda: audit.choices(asking),
            on_success=self._on_choices_loaded,
            on_failure=self._on_failed,
        )
        self._runner.run(
            self,
            lambda: audit.check_record(asking),
            on_success=self._on_record_checked,
            on_failure=lambda error: self._show_check(f"Record not checked: {error}", "alert"),
        )

    @classmethod
    def ask(
        cls,
        audit: AuditService,
        actor: Callable[[], Actor],
        parent: QWidget | None = None,
        *,
        runner: TaskRunner,
    ) -> None:
        dialog = cls(audit, actor, parent, runner=runner)
        try:
            dialog.exec()
        finally:
            dialog.shutdown()

    def shutdown(self) -> None:
        self._runner.cancel_all(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- layout -----------------------------------------------------------------------------

    @staticmethod
    def _date_edit(name: str, value: QDateTime) -> DateTimeField:
        edit = DateTimeField(value)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("ddd d MMM yyyy HH:mm")
        edit.setMaximumWidth(240)
        return edit

    def _lay_out(self) -> None:
        filters = QGridLayout()
        filters.addWidget(QLabel("&Who"), 0, 0)
        filters.addWidget(self.who, 0, 1)
        filters.addWidget(QLabel("&Action"), 0, 2)
        filters.addWidget(self.action, 0, 3)
        filters.addWidget(QLabel("&Patient"), 0, 4)
        filters.addWidget(self.patient, 0, 5)
        filters.addWidget(QLabel("S&tation"), 1, 0)
        filters.addWidget(self.station, 1, 1)
        filters.addWidget(QLabel("&From"), 1, 2)
        filters.addWidget(self.since, 1, 3)
        filters.addWidget(QLabel("T&o"), 1, 4)
        filters.addWidget(self.until, 1, 5)
        filters.addWidget(self.search_button, 1, 6)
        for row in range(filters.rowCount()):
            for column in range(0, filters.columnCount() - 1, 2):
                item = filters.itemAtPosition(row, column)
                if item is not None and isinstance(item.widget(), QLabel):
                    label = item.widget()
                    assert isinstance(label, QLabel)
                    buddy = filters.itemAtPosition(row, column + 1)
                    if buddy is not None and (field := buddy.widget()) is not None:
                        label.setBuddy(field)
        footer = QHBoxLayout()
        footer.addWidget(self.status, 1)
        footer.addWidget(self.export_button)
        footer.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.record_check)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer)

    # -- searching --------------------------------------------------------------------------

    def query(self) -> AuditQuery:
        """The filters as the service takes them."""
        since = self.since.dateTime().toPython()
        until = self.until.dateTime().toPython()
        return AuditQuery(
            staff_id=self.who.currentData(),
            action=self.action.currentData(),
            patient=self.patient.text().strip(),
            station=self.station.currentData(),
            since=since.astimezone(UTC) if isinstance(since, datetime) else None,
            until=until.astimezone(UTC) if isinstance(until, datetime) else None,
        )

    def _on_choices_loaded(self, choices: AuditChoices) -> None:
        self.who.addItem("Anyone", None)
        for staff_id, code, name in choices.staff:
            self.who.addItem(f"{name} ({code})", staff_id)
        self.action.addItem("Any action", None)
        for action in sorted(choices.actions, key=action_label):
            self.action.addItem(action_label(action), action)
        self.station.addItem("Any station", None)
        for station in choices.stations:
            self.station.addItem(station, station)
        self._on_search_requested()

    @Slot()
    def _on_search_requested(self) -> None:
        query = self.query()
        self.search_button.setEnabled(False)
        self._say("Searching…", "muted")
        actor = self._actor()
        self._runner.run(
            self,
            lambda: self._audit.search(actor, query),
            on_success=self._on_page_loaded,
            on_failure=self._on_failed,
            key="search",
        )

    def _on_page_loaded(self, page: AuditPage) -> None:
        self.search_button.setEnabled(True)
        self.model.set_entries(page.entries)
        header = self.table.horizontalHeader()
        for column in (
            AuditColumn.WHEN,
            AuditColumn.WHO,
            AuditColumn.STATION,
            AuditColumn.ACTION,
            AuditColumn.PATIENT,
        ):
            self.table.resizeColumnToContents(column)
            header.resizeSection(column, min(header.sectionSize(column) + 12, 320))
        count = len(page.entries)
        if page.truncated:
            self._say(
                f"Showing the newest {count:,} entries; more matched — narrow the filters "
                "to see older ones.",
                "alert",
            )
        elif count:
            self._say(f"{count:,} {'entry' if count == 1 else 'entries'}, newest first.", "")
        else:
            self._say("No entry matches these filters.", "muted")
        self.export_button.setEnabled(count > 0)

    def _on_failed(self, error: BaseException) -> None:
        self.search_button.setEnabled(True)
        self._say(f"✖ {error}", "alert")

    def _on_record_checked(self, result: Verification) -> None:
        when = result.at.astimezone().strftime("%a %d %b %H:%M") if result.at else "now"
        if result.ok:
            self._show_check(f"✔ Record verified at {when}: {result.details()}.", "ok")
        else:
            self._show_check(
                f"⚠ RECORD VERIFICATION FAILED at {when}: {result.problems[0]}. Someone changed "
                "the record outside WardConsole; tell the ward manager and keep this screen.",
                "alert",
            )

    def _show_check(self, text: str, tone: str) -> None:
        self.record_check.setText(text)
        set_style_property(self.record_check, "tone", tone)

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_style_property(self.status, "tone", tone)

    # -- export -----------------------------------------------------------------------------

    @Slot()
    def _on_export_requested(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, "Export the audit trail shown", "audit-trail.csv", "CSV files (*.csv)"
        )
        if not name:
            return
        path = Path(name)
        rows = [
            [self.proxy.index(r, c).data() or "" for c in range(self.proxy.columnCount())]
            for r in range(self.proxy.rowCount())
        ]
        try:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow([column.title for column in AuditColumn])
                writer.writerows(rows)
        except OSError as exc:
            self._say(f"✖ Could not write {path.name}: {exc.strerror or exc}", "alert")
            return
        filters = self.query()
        actor = self._actor()
        self._runner.run(
            self,
            lambda: self._audit.record_export(
                actor,
                "audit trail CSV",
                detail={
                    "rows": len(rows),
                    "file": path.name,
                    "since": filters.since.isoformat() if filters.since else None,
                    "until": filters.until.isoformat() if filters.until else None,
                },
            ),
            on_failure=self._on_failed,
        )
        self._say(f"✔ Exported {len(rows):,} rows to {path.name} (recorded in the trail).", "ok")
