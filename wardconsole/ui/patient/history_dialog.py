"""One patient's entries, with corrections: amend, never delete.

Every entry is listed — superseded and struck-out ones too, marked in words — newest first.
A current vital-sign set can be corrected (the observation dialog opens on the original values
and needs a reason); any current entry can be marked entered in error with a reason. Both add
rows through ``RecordingService``; the original stays in the list.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.services.history import HistoryEntry
from wardconsole.services.recording import SaveResult
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.observation_dialog import ObservationDialog
from wardconsole.ui.bedside.shared import Bedside, confirm_discard
from wardconsole.ui.patient.history_model import (
    ENTRY_ROLE,
    HistoryColumn,
    HistoryFilterProxy,
    HistoryTableModel,
    details_text,
)
from wardconsole.ui.tasks import TaskHandle
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.style_property import set_style_property

FILTERS: tuple[tuple[str, str | None], ...] = (
    ("All entries", None),
    *((kind.words.plural, kind.value) for kind in EntryKind),
)


_CORRECT_WORDS = {"fluid": "fluid entry", "weight": "weighing"}
"""The Correct button's words for a kind with its own correction; a simple kind's are its
``EntryKind.words.label`` ("meal", "bowels"), anything else corrects vital signs."""


class ReasonDialog(QDialog):
    """Ask why an entry is being struck out; the reason is required."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark entered in error")
        prompt = QLabel(
            f"Mark this entry as entered in error?\n\n{what}\n\n"
            "It stays in the history, struck out, and no longer counts for scores, "
            "trends or alerts."
        )
        prompt.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("strike_reason")
        self.reason.setPlaceholderText("Reason (required), e.g. wrong patient")
        self.reason.setMaxLength(500)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setText("Mark entered in error")
        self._ok.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(lambda text: self._ok.setEnabled(bool(text.strip())))
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.reason)
        layout.addWidget(buttons)
        self.resize(560, 240)

    @classmethod
    def ask(cls, what: str, parent: QWidget | None = None) -> str | None:
        """The reason given, or None when the nurse cancelled."""
        dialog = cls(what, parent)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        reason = dialog.reason.text().strip()
        dialog.setParent(None)  # the local reference is its only owner from here
        return reason if accepted and reason else None


class HistoryDialog(QDialog):
    """The entry history of one admission, with correct and strike-out actions."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryDialog")
        self.setWindowTitle(f"History — {title}")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._admission_id = admission_id
        self._title = title
        self._load_handle: TaskHandle | None = None
        self._select_after_load: tuple[str, int] | None = None
        self.changed = False
        self._saver = EntrySaver(bedside.runner, self)
        chart = bedside.recording.chart
        self.model = HistoryTableModel(
            self,
            item_labels={item.key: item.label for item in chart.items},
        )
        self.proxy = HistoryFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build(title)
        self._connect_signals()
        self.reload()
        self.resize(1300, 640)

    @classmethod
    def ask(
        cls, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> bool:
        """Show the history modally; True when an entry was corrected or struck out."""
        dialog = cls(bedside, admission_id, title, parent)
        dialog.exec()
        changed = dialog.changed
        dialog.setParent(None)  # the local reference is its only owner from here
        return changed

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    # -- layout ---------------------------------------------------------------------------------

    def _build(self, title: str) -> None:
        patient = QLabel(title)
        patient.setObjectName("entry_patient")
        self.filter = QComboBox()
        self.filter.setObjectName("history_filter")
        for text, entry_type in FILTERS:
            self.filter.addItem(text, entry_type)
        show = QLabel("Sho&w")
        show.setBuddy(self.filter)
        self.count = QLabel()
        set_style_property(self.count, "tone", "muted")
        header = QHBoxLayout()
        header.addWidget(patient)
        header.addStretch(1)
        header.addWidget(self.count)
        header.addWidget(show)
        header.addWidget(self.filter)

        self.table = QTableView()
        self.table.setObjectName("HistoryView")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        columns = self.table.horizontalHeader()
        for column in HistoryColumn:
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == HistoryColumn.DETAILS
                else QHeaderView.ResizeMode.Interactive
            )
            columns.setSectionResizeMode(column, mode)
        columns.resizeSection(HistoryColumn.TAKEN, 150)
        columns.resizeSection(HistoryColumn.ENTRY, 140)
        columns.resizeSection(HistoryColumn.STATUS, 300)
        columns.resizeSection(HistoryColumn.RECORDED, 250)

        self.message = QLabel("Reading the history…")
        self.message.setObjectName("history_message")
        self.message.setWordWrap(True)
        self.status = SaveStatusPanel(self._saver)
        self.correct_button = QPushButton("&Correct vital signs…")
        self.correct_button.setObjectName("correct_button")
        self.correct_button.setAutoDefault(False)
        self.strike_button = QPushButton("Mark entered in &error…")
        self.strike_button.setObjectName("strike_button")
        self.strike_button.setAutoDefault(False)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.correct_button)
        buttons.addWidget(self.strike_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(header)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._on_selection_changed()

    def _connect_signals(self) -> None:
        self.filter.currentIndexChanged.connect(self._on_filter_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(self._on_correct_requested)
        self.correct_button.clicked.connect(self._on_correct_requested)
        self.strike_button.clicked.connect(self._on_strike_requested)
        self.close_button.clicked.connect(self.reject)
        self.status.retry_requested.connect(self._saver.retry_now)
        self._saver.saved.connect(self._on_struck_out)
        self._saver.refused.connect(self._on_strike_refused)
        reload_shortcut = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        reload_shortcut.activated.connect(self.reload)

    # -- reading --------------------------------------------------------------------------------

    def reload(self) -> None:
        history, admission_id = self._bedside.history, self._admission_id
        self._load_handle = self._bedside.runner.run(
            self,
            lambda: history.entries(admission_id),
            on_success=self._on_loaded,
            on_failure=self._on_load_failed,
            key=f"history-{admission_id}",
        )

    def _on_loaded(self, entries: tuple[HistoryEntry, ...]) -> None:
        keep = self._select_after_load or self._selected_key()
        self._select_after_load = None
        self.model.set_entries(entries)
        replaced = sum(1 for e in entries if e.state.value != "current")
        self.count.setText(f"{len(entries)} entries, {replaced} corrected or struck out")
        self.message.setText("" if entries else "No entries recorded for this stay yet.")
        self.message.setVisible(not entries)
        if keep is not None:
            self.select_entry(*keep)
        elif self.proxy.rowCount():
            self.table.selectRow(0)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_load_failed(self, error: BaseException) -> None:
        self.message.setText(f"The history could not be read ({error}). Press F5 to try again.")
        set_style_property(self.message, "tone", "alert")
        self.message.setVisible(True)

    # -- selection ------------------------------------------------------------------------------

    def selected_entry(self) -> HistoryEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ENTRY_ROLE) if rows else None

    def _selected_key(self) -> tuple[str, int] | None:
        entry = self.selected_entry()
        return (entry.entry_type, entry.id) if entry is not None else None

    def select_entry(self, entry_type: str, entry_id: int) -> bool:
        row = self.model.row_of(entry_type, entry_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    @Slot()
    def _on_selection_changed(self) -> None:
        entry = self.selected_entry()
        busy = self._saver.state in (SaveState.SAVING, SaveState.WAITING)
        self.correct_button.setEnabled(entry is not None and entry.can_amend and not busy)
        kind = entry.entry_type if entry is not None else ""
        spec = simple_spec(kind)
        words = spec.kind.words.label.lower() if spec is not None else None
        self.correct_button.setText(f"&Correct {words or _CORRECT_WORDS.get(kind, 'vital signs')}…")
        self.strike_button.setEnabled(entry is not None and entry.can_strike_out and not busy)

    @Slot(int)
    def _on_filter_changed(self, index: int) -> None:
        self.proxy.set_entry_type(self.filter.itemData(index))
        self._on_selection_changed()

    # -- corrections ----------------------------------------------------------------------------

    @Slot()
    def _on_correct_requested(self) -> None:
        entry = self.selected_entry()
        if entry is None or not entry.can_amend:
            return
        if entry.entry_type == "fluid":
            from wardconsole.ui.physical.correction_dialog import FluidCorrectionDialog

            result: object = FluidCorrectionDialog.ask(self._bedside, entry, self._title, self)
        elif simple_spec(entry.entry_type) is not None:
            from wardconsole.ui.physical.simple_entry import SimpleCorrectionDialog

            result = SimpleCorrectionDialog.ask(self._bedside, entry, self._title, self)
        elif entry.entry_type == "weight":
            from wardconsole.ui.physical.weight_dialog import WeightDialog

            result = WeightDialog.ask(
                self._bedside, self._admission_id, self._title, self, amending=entry
            )
        else:
            result = ObservationDialog.ask(
                self._bedside, self._admission_id, self._title, amending=entry, parent=self
            )
        if isinstance(result, SaveResult):
            self.changed = True
            self._select_after_load = (entry.entry_type, result.entry_id)
            self.status.show_message(
                f"✔ Correction SAVED at {fmt.local_time_text(self._bedside.clock())}; the "
                "original stays below, marked superseded.",
                "ok",
            )
            self.reload()

    @Slot()
    def _on_strike_requested(self) -> None:
        entry = self.selected_entry()
        if entry is None or not entry.can_strike_out:
            return
        what = (
            f"{fmt.local_datetime_text(entry.taken_at)} — "
            f"{details_text(entry, self.model.item_labels)}"
        )
        reason = ReasonDialog.ask(what, parent=self)
        if reason is None:
            return
        recording, actor = self._bedside.recording, self._bedside.acting()
        entry_type, entry_id = entry.entry_type, entry.id
        self._select_after_load = (entry_type, entry_id)
        self._saver.start(
            lambda: recording.mark_entered_in_error(actor, entry_type, entry_id, reason)
        )
        self._on_selection_changed()

    @Slot(object)
    def _on_struck_out(self, _result: object) -> None:
        self.changed = True
        self.status.show_message(
            f"✔ Marked entered in error at {fmt.local_time_text(self._bedside.clock())}; "
            "the entry stays in the history, struck out.",
            "ok",
        )
        self.reload()

    @Slot(object)
    def _on_strike_refused(self, error: Exception) -> None:
        self.status.show_message(f"✖ Not changed — {error}", "alert")
        self.reload()

    # -- closing --------------------------------------------------------------------------------

    def reject(self) -> None:
        if self._saver.state is SaveState.SAVING:
            self.status.show_message("Still saving — wait until this says Saved.", "busy")
            return
        if self._saver.state is SaveState.WAITING and not self.discard_confirmed():
            return
        super().reject()

    def discard_confirmed(self) -> bool:
        """Ask whether a strike-out still waiting for the database may be dropped."""
        return confirm_discard(self, "The entered-in-error mark")

    def done(self, code: int) -> None:
        self._saver.shutdown()
        if self._load_handle is not None:
            self._load_handle.cancel()
        super().done(code)
