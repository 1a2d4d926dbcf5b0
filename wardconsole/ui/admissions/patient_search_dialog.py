"""Finding a discharged patient and reading their record (supervisors; read-only).

Typing searches names and hospital numbers (every word must match) on the background worker;
choosing a row reads that patient's stays — intake as saved and amended, beds, the discharge
summary — into a read-only view. Opening a record is audited by the service. Staff without the
permission are told so instead of seeing an empty list.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.admission_records import HistoryHit
from wardconsole.services.context import Actor, PermissionDenied
from wardconsole.services.discharge import DischargeService, PatientRecord
from wardconsole.ui.admissions.discharged_model import (
    PATIENT_ID_ROLE,
    DischargedColumn,
    DischargedTableModel,
)
from wardconsole.ui.admissions.record_html import record_html
from wardconsole.ui.tasks import TaskHandle, TaskRunner
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.style_property import set_style_property

SEARCH_DELAY_MS = 300


class PatientSearchDialog(QDialog):
    """Search discharged patients and read one record (see the module docstring)."""

    def __init__(
        self,
        service: DischargeService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PatientSearchDialog")
        self.setWindowTitle("Find a discharged patient — WardConsole")
        mark_form(self, FormKind.ADMISSION)
        self._service = service
        self._actor = current_actor
        """Who is acting: asked on the UI thread when the nurse acts."""
        self._runner = runner
        self._handles: list[TaskHandle] = []
        self._searches = 0
        self.record: PatientRecord | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)

        title = QLabel("Discharged patients")
        title.setObjectName("dialog_title")
        note = QLabel("Read-only. Opening a record is logged with your name.")
        set_style_property(note, "tone", "muted")
        self.search = QLineEdit()
        self.search.setObjectName("history_search")
        self.search.setPlaceholderText("Name or hospital number")
        self.search.setClearButtonEnabled(True)
        self.found = QLabel()
        self.found.setObjectName("found_count")
        self.model = DischargedTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("history_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column in (DischargedColumn.NUMBER, DischargedColumn.BORN, DischargedColumn.STAYS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.view = QTextBrowser()
        self.view.setObjectName("record_view")
        self.view.setOpenLinks(False)
        self.view.setPlaceholderText("Choose a patient to read their record.")
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.found)
        left_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.view)
        splitter.setSizes([560, 620])
        header_row = QHBoxLayout()
        header_row.addWidget(title)
        header_row.addStretch(1)
        header_row.addWidget(note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(header_row)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self._on_search_requested)
        self._timer.timeout.connect(self._on_search_requested)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.activated.connect(lambda _index: self.view.setFocus())
        self.resize(1200, 680)
        self._on_search_requested()

    @classmethod
    def ask(
        cls,
        service: DischargeService,
        current_actor: Callable[[], Actor],
        runner: TaskRunner,
        *,
        parent: QWidget | None = None,
    ) -> None:
        """Show the dialog modally (it changes nothing, so there is nothing to return)."""
        dialog = cls(service, current_actor, runner, parent=parent)
        dialog.exec()
        dialog.setParent(None)  # the local reference is its only owner from here

    @property
    def searches(self) -> int:
        """Searches answered so far (tests wait on it)."""
        return self._searches

    # -- searching ---------------------------------------------------------------------------------

    @Slot()
    def _on_search_requested(self) -> None:
        self._timer.stop()
        text = self.search.text()
        service, actor = self._service, self._actor()
        self.found.setText("Searching…")
        self._track(
            self._runner.run(
                self,
                lambda: service.search(actor, text),
                on_success=lambda hits: self._on_found(text, hits),
                on_failure=self._on_search_failed,
                key="history-search",
            )
        )

    def _on_found(self, text: str, hits: list[HistoryHit]) -> None:
        self._searches += 1
        self.model.set_hits(hits)
        if hits:
            scope = f" matching “{text.strip()}”" if text.strip() else ", most recent first"
            self.found.setText(
                f"{len(hits)} discharged patient{'s' if len(hits) != 1 else ''}{scope}"
            )
            set_style_property(self.found, "tone", "muted")
        else:
            self.found.setText(
                f"No discharged patient matches “{text.strip()}”"
                if text.strip()
                else "No discharged patients yet"
            )
            set_style_property(self.found, "tone", "muted")

    def _on_search_failed(self, error: BaseException) -> None:
        self._searches += 1
        if isinstance(error, PermissionDenied):
            self.found.setText(
                f"Only supervisors can search discharged patients' records ({error})."
            )
        else:
            self.found.setText(f"Search failed: {error}")
        set_style_property(self.found, "tone", "alert")

    # -- reading one record ------------------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        patient_id = indexes[0].data(PATIENT_ID_ROLE)
        service, actor = self._service, self._actor()
        self.view.setPlainText("Reading the record…")
        self._track(
            self._runner.run(
                self,
                lambda: service.record(actor, patient_id),
                on_success=self._on_record,
                on_failure=lambda error: self.view.setPlainText(
                    f"Could not read the record: {error}"
                ),
                key="history-record",
            )
        )

    def _on_record(self, record: PatientRecord) -> None:
        self.record = record
        self.view.setHtml(record_html(record))

    def _track(self, handle: TaskHandle) -> None:
        self._handles = [h for h in self._handles if not h.finished and not h.cancelled]
        self._handles.append(handle)

    def done(self, result: int) -> None:
        for handle in self._handles:
            handle.cancel()
        self._timer.stop()
        super().done(result)
