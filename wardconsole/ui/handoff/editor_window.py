"""The nurse's handoff editor: every patient of the shift on the left, the selected patient's
handoff on the right — generated facts read-only beside the nurse's own notes.

Opening it drafts the shift (a handoff for every patient who has none); nothing changes the
generated facts without the nurse pressing "Refresh facts". Save keeps a new version; a stale
save (someone else saved first) is refused and the nurse's text stays on screen. A signed
handoff is read-only until "Amend…", and an amendment needs a reason.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.handoff_records import HandoffStatus
from wardconsole.services.context import Actor, ConflictError, Permission
from wardconsole.services.handoff import HandoffDetail, HandoffView, ShiftBoard
from wardconsole.ui.handoff import words
from wardconsole.ui.handoff.base import HandoffWindowBase, error_text
from wardconsole.ui.handoff.board_model import BoardColumn
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.handoff.dialogs import TextDialog, Unsaved, UnsavedDialog
from wardconsole.ui.handoff.sections import SectionEditor
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.style_property import set_style_property

_LIST_COLUMNS = {BoardColumn.BED: 44, BoardColumn.PATIENT: 165, BoardColumn.STATUS: 150}


class HandoffEditorWindow(HandoffWindowBase):
    """This shift's handoff, for the nurse (see module docstring)."""

    handoff_saved = Signal(object)
    """A handoff was saved, submitted, refreshed or amended (the new ``HandoffView``)."""

    def __init__(
        self,
        ui: HandoffUi,
        actor: Callable[[], Actor] | None,
        runner: TaskRunner,
    ) -> None:
        super().__init__(ui, actor, runner, title="Handoff")
        self.setObjectName("HandoffEditorWindow")
        self._view: HandoffView | None = None
        self._amending = False

        for column in BoardColumn:
            self.table.setColumnHidden(column, column not in _LIST_COLUMNS)
        for column, width in _LIST_COLUMNS.items():
            self.table.setColumnWidth(column, width)
        self.patient_title = QLabel()
        self.patient_title.setObjectName("patient_title")
        self.status_line = QLabel()
        self.status_line.setObjectName("status_line")
        self.status_line.setWordWrap(True)
        self.changed_line = QLabel()
        self.changed_line.setObjectName("changed_line")
        self.changed_line.setWordWrap(True)
        set_style_property(self.changed_line, "tone", "alert")
        self.changed_line.hide()
        self.sent_back = QLabel()
        self.sent_back.setObjectName("sent_back_banner")
        self.sent_back.setWordWrap(True)
        set_style_property(self.sent_back, "tone", "alert")
        self.sent_back.hide()
        self.sections = SectionEditor(self)
        self.draft_button = QPushButton("Draft missing handoffs")
        self.refresh_button = QPushButton("Refresh facts from the record")
        self.save_button = QPushButton("Save notes")
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Save your notes as a new version (Ctrl+S)")
        self.submit_button = QPushButton("Submit for review")
        self.amend_button = QPushButton("Amend…")
        self.amend_button.setToolTip("Correct a signed handoff: a new version with a reason")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(self.patient_title)
        right_layout.addWidget(self.status_line)
        right_layout.addWidget(self.changed_line)
        right_layout.addWidget(self.sent_back)
        right_layout.addWidget(self.sections, 1)
        buttons = QHBoxLayout()
        for button in (self.refresh_button, self.amend_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.save_button, self.submit_button):
            buttons.addWidget(button)
        right_layout.addLayout(buttons)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.counts_label)
        left_layout.addWidget(self.draft_button)
        self.counts_label.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 966])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(self.navigation_bar())
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        self.draft_button.clicked.connect(self._on_draft_requested)
        self.refresh_button.clicked.connect(self._on_refresh_facts_requested)
        self.save_button.clicked.connect(self._on_save_requested)
        self.submit_button.clicked.connect(self._on_submit_requested)
        self.amend_button.clicked.connect(self._on_amend_requested)
        self.sections.notes_changed.connect(self._on_notes_changed)
        self.table.selectionModel().currentRowChanged.disconnect(self._on_current_row_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_requested)
        self.resize(1366, 768)
        self._show_view(None)

    # -- opening -----------------------------------------------------------------------------

    def open_shift(self) -> None:
        """Draft the shown shift (if this nurse may) and load it."""
        actor = self.actor()
        shift = self.shift
        if actor is None or not actor.can(Permission.WRITE_HANDOFF):
            self.reload()
            return
        if shift.start > self.service.this_shift().start:
            self.reload()
            return
        self.run(
            lambda: self.service.draft_shift(actor, shift),
            lambda _result: self.reload(),
            key="draft",
        )

    @property
    def current_view(self) -> HandoffView | None:
        return self._view

    # -- hooks -------------------------------------------------------------------------------

    def on_permissions(self) -> None:
        self._update_buttons()

    def on_board(self, board: ShiftBoard) -> None:
        self.draft_button.setVisible(bool(board.missing))
        self.draft_button.setEnabled(self.can(Permission.WRITE_HANDOFF))

    def on_selected(self, view: HandoffView | None, admission_id: int | None) -> None:
        if view is None:
            self._show_view(None)
            return
        if self._view is not None and view.id == self._view.id:
            if self.sections.dirty:
                # Keep editing on the version the nurse started from: a newer one saved
                # elsewhere meanwhile makes her save conflict instead of silently replacing it.
                return
            self._show_view(view)
        else:
            self._amending = False
            self._show_view(view)

    # -- showing ------------------------------------------------------------------------------

    def _show_view(self, view: HandoffView | None, *, keep_typing: bool = False) -> None:
        self._view = view
        if view is None:
            self.patient_title.setText("<h2>No patient selected</h2>")
            self.status_line.setText("Choose a patient on the left.")
            self.changed_line.hide()
            self.sent_back.hide()
            self.sections.clear()
            self._update_buttons()
            return
        self.patient_title.setText(f"<h2>Bed {view.bed} · {view.patient_name}</h2>")
        self.status_line.setText(words.describe(view))
        self.changed_line.setText(words.changed_text(view))
        self.changed_line.setVisible(bool(view.changes))
        if view.status is HandoffStatus.SENT_BACK and view.sent_back_reason:
            self.sent_back.setText(f"↩ Sent back for changes: {view.sent_back_reason}")
            self.sent_back.show()
        else:
            self.sent_back.hide()
        self.sections.show_handoff(view, keep_typing=keep_typing)
        self._update_buttons()

    def _update_buttons(self) -> None:
        view = self._view
        writer = self.can(Permission.WRITE_HANDOFF)
        editable = view is not None and writer and (view.status.editable or self._amending)
        signed = view is not None and view.status is HandoffStatus.SIGNED
        self.sections.set_editable(editable)
        self.save_button.setText("Save amendment…" if self._amending else "Save notes")
        self.save_button.setEnabled(editable and (self.sections.dirty or self._amending))
        self.submit_button.setEnabled(bool(view and writer and view.status.editable))
        self.refresh_button.setEnabled(bool(view and writer and view.status.editable))
        self.amend_button.setVisible(signed)
        self.amend_button.setEnabled(signed and writer and not self._amending)
        if view is not None and not view.status.editable and not self._amending:
            reason = (
                "signed: corrections are amendments"
                if signed
                else f"{view.status.label.lower()}: editable again if sent back"
            )
            self.sections.setToolTip(f"Read-only — {reason}")
        else:
            self.sections.setToolTip("")

    # -- actions ------------------------------------------------------------------------------

    def _act(self, call: Callable[[Actor, HandoffView], HandoffView], done: str) -> None:
        actor, view = self.actor(), self._view
        if actor is None or view is None:
            return
        self.clear_message()

        def finished(updated: HandoffView) -> None:
            self._amending = False
            self._show_view(updated)
            self.show_info(done)
            self.handoff_saved.emit(updated)
            self.reload()

        self._runner.run(
            self,
            lambda: call(actor, view),
            on_success=finished,
            on_failure=self._on_write_failed,
            key="write",
        )

    def _on_write_failed(self, error: BaseException) -> None:
        """A refused write leaves the nurse's text on screen. After a conflict the editor moves
        on to the newest version (the text stays), so saving again keeps hers as the newest
        while the other one stays in the handoff's history."""
        self.show_error(error)
        view = self._view
        if not isinstance(error, ConflictError) or view is None:
            return
        handoff_id = view.id

        def rebase(detail: HandoffDetail) -> None:
            if self._view is None or self._view.id != handoff_id:
                return
            self._view = detail.handoff
            self.status_line.setText(words.describe(detail.handoff))
            self._update_buttons()
            self.show_error(
                f"{error_text(error)} Press Save again to keep your text as the "
                "newest version; the other version stays in the history."
            )

        self.run(lambda: self.service.detail(handoff_id), rebase)

    @Slot()
    def _on_save_requested(self) -> None:
        if self._amending:
            self._save_amendment()
            return
        notes = self.sections.notes()
        self._act(
            lambda actor, view: self.service.save_notes(actor, view.id, view.revision, notes),
            "Notes saved.",
        )

    def _save_amendment(self) -> None:
        reason = TextDialog.ask(
            self,
            "Amend a signed handoff",
            "Why is the signed handoff being corrected? The signed version stays on the record.",
            ok_text="Save amendment",
        )
        if reason is None:
            return
        notes = self.sections.notes()
        self._act(
            lambda actor, view: self.service.amend(actor, view.id, view.revision, notes, reason),
            "Amendment saved.",
        )

    @Slot()
    def _on_submit_requested(self) -> None:
        notes = self.sections.notes() if self.sections.dirty else None

        def submit(actor: Actor, view: HandoffView) -> HandoffView:
            if notes is not None:
                view = self.service.save_notes(actor, view.id, view.revision, notes)
            return self.service.submit(actor, view.id, view.revision)

        self._act(submit, "Submitted for review.")

    @Slot()
    def _on_refresh_facts_requested(self) -> None:
        self._act(
            lambda actor, view: self.service.refresh_facts(actor, view.id, view.revision),
            "Facts refreshed from the record (your notes are kept).",
        )

    @Slot()
    def _on_amend_requested(self) -> None:
        self._amending = True
        self._update_buttons()
        self.show_info(
            "Amending: change your notes, then “Save amendment…” and give the "
            "reason. The signed version stays on the record."
        )

    @Slot()
    def _on_draft_requested(self) -> None:
        self.open_shift()

    @Slot()
    def _on_notes_changed(self) -> None:
        self._update_buttons()

    def _on_row_requested(self, current, previous) -> None:
        """Leaving a handoff with unsaved text asks first; "keep editing" stays put."""
        if (
            self._view is not None
            and self.sections.dirty
            and previous.isValid()
            and current.row() != previous.row()
        ):
            answer = UnsavedDialog.ask(self, self._view.patient_name)
            if answer is Unsaved.CANCEL:
                self.table.selectionModel().blockSignals(True)
                self.table.setCurrentIndex(previous)
                self.table.selectionModel().blockSignals(False)
                return
            if answer is Unsaved.SAVE:
                self._on_save_requested()
            else:
                self.sections.show_handoff(self._view)
        self._on_current_row_changed(current, previous)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._view is not None and self.sections.dirty:
            answer = UnsavedDialog.ask(self, self._view.patient_name)
            if answer is Unsaved.CANCEL:
                event.ignore()
                return
            if answer is Unsaved.SAVE:
                self._on_save_requested()
            else:
                self.sections.show_handoff(self._view)
        super().closeEvent(event)
