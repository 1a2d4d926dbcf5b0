"""The station's queue, shown to the nurse: what was saved here while the database was down.

Waiting entries are written automatically, in order, once the database answers; "Write now"
tries at once. An entry the database refused on replay (say, the patient was discharged in the
meantime), or one that could not be written as it is (it needs attention), stays listed with the
reason until a nurse has dealt with it and dismisses it.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.services.outbox import QueuedEntry, QueueState
from wardconsole.services.safe_saves import ReplayReport, SafeSaves
from wardconsole.services.unavailable import one_line
from wardconsole.ui.access.queue_model import QueueColumn, QueueTableModel
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property


class QueueDialog(QDialog):
    def __init__(
        self, saves: SafeSaves, parent: QWidget | None = None, *, runner: TaskRunner
    ) -> None:
        super().__init__(parent)
        self.setObjectName("QueueDialog")
        self.setWindowTitle("Saved on this station, waiting for the database")
        self._saves = saves
        self._runner = runner
        self.model = QueueTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("queue_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in (
            (QueueColumn.QUEUED, 80),
            (QueueColumn.BED, 60),
            (QueueColumn.ENTRY, 240),
            (QueueColumn.BY, 170),
        ):
            self.table.horizontalHeader().resizeSection(column, width)
        self.explain = QLabel(
            "These entries are kept safely on this station. They are written to the ward "
            "database automatically, in the order they were made, with the time and name they "
            "were made with, as soon as it answers again."
        )
        self.explain.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("queue_status")
        self.status.setWordWrap(True)
        self.write_button = QPushButton("&Write now")
        self.write_button.setObjectName("write_now_button")
        self.dismiss_button = QPushButton("&Dismiss entry")
        self.dismiss_button.setObjectName("dismiss_button")
        self.close_button = QPushButton("&Close")
        for button in (self.write_button, self.dismiss_button, self.close_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(900, 360)

        self.write_button.clicked.connect(self._on_write_requested)
        self.dismiss_button.clicked.connect(self._on_dismiss_requested)
        self.close_button.clicked.connect(self.accept)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._update_buttons()
        self.reload()

    @classmethod
    def ask(cls, saves: SafeSaves, parent: QWidget | None = None, *, runner: TaskRunner) -> None:
        dialog = cls(saves, parent, runner=runner)
        try:
            dialog.exec()
        finally:
            dialog.shutdown()

    def shutdown(self) -> None:
        self._runner.cancel_all(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def reload(self) -> None:
        self._runner.run(
            self,
            self._saves.outbox.visible,
            on_success=self._on_loaded,
            on_failure=self._on_failed,
            key="load",
        )

    def _on_loaded(self, entries: list[QueuedEntry]) -> None:
        self.model.set_entries(entries)
        if not self.model.rowCount():
            self._say("✔ Nothing is waiting: every entry made here is in the ward database.", "ok")
        self._update_buttons()

    def selected(self) -> QueuedEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, *_args: object) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = self.selected()
        if entry is not None and entry.state is QueueState.NEEDS_ATTENTION:
            self._say(
                f"Not written: {entry.last_error}. Enter it again by hand from the entry and "
                "time shown, then dismiss it here.",
                "alert",
            )
        self.dismiss_button.setEnabled(
            entry is not None and entry.state in (QueueState.REFUSED, QueueState.NEEDS_ATTENTION)
        )

    @Slot()
    def _on_write_requested(self) -> None:
        self.write_button.setEnabled(False)
        self._say("Writing…", "muted")
        self._runner.run(
            self, self._saves.replay, on_success=self._on_replayed, on_failure=self._on_failed
        )

    def _on_replayed(self, report: ReplayReport) -> None:
        self.write_button.setEnabled(True)
        if report.stopped_by:
            self._say(
                f"The database is still unavailable ({report.stopped_by}); "
                f"{report.waiting} waiting. They will be written when it is back.",
                "alert",
            )
        else:
            refused = f"; {report.refused} refused" if report.refused else ""
            if report.needs_attention:
                self._say(
                    f"{report.sent} written{refused}; {report.needs_attention} could not be "
                    "written and need attention (listed with the reason): enter them again "
                    "by hand, then dismiss them.",
                    "alert",
                )
            else:
                self._say(f"✔ {report.sent} written{refused}.", "ok")
        self.reload()

    @Slot()
    def _on_dismiss_requested(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        self._runner.run(
            self,
            lambda: self._saves.outbox.dismiss(entry.seq),
            on_success=lambda _r: self.reload(),
            on_failure=self._on_failed,
        )

    def _on_failed(self, error: BaseException) -> None:
        self.write_button.setEnabled(True)
        self._say(f"✖ {one_line(error)}", "alert")

    def _say(self, text: str, tone: str) -> None:
        self.status.setText(text)
        set_style_property(self.status, "tone", tone)
