"""The supervisor's handoff board: every patient's handoff for a shift, most worrying first, what
changed since the last shift standing out, and the review actions.

Comment, send back (with a reason), mark reviewed, and sign the whole shift. The buttons follow
the signed-in role, but the services decide: a nurse who somehow presses "Sign" is refused there
and sees why. Printing runs in the background with progress and Cancel (``print_job``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
)

from wardconsole.domain.handoff_records import HandoffStatus
from wardconsole.services.context import Actor, Permission
from wardconsole.services.handoff import FactsChanged, HandoffDetail, HandoffView, ShiftBoard
from wardconsole.ui.handoff import words
from wardconsole.ui.handoff.base import HandoffWindowBase
from wardconsole.ui.handoff.board_model import BoardColumn
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.handoff.dialogs import SignShiftDialog, TextDialog
from wardconsole.ui.handoff.sections import HandoffReader
from wardconsole.ui.tasks import TaskRunner

_COLUMN_WIDTHS = {
    BoardColumn.BED: 46,
    BoardColumn.PATIENT: 165,
    BoardColumn.STATUS: 132,
    BoardColumn.NEWS2: 138,
    BoardColumn.CHANGES: 456,
    BoardColumn.ESCALATIONS: 96,
    BoardColumn.PRN: 82,
    BoardColumn.OBS: 102,
}
"""Fits 1366 px; "last saved" is in the status tooltip and the detail pane."""

REVIEW_LINES_SHOWN = 6
"""Changes listed under a refused signature; the board stays usable at 1366 × 768."""


class HandoffBoardWindow(HandoffWindowBase):
    """A shift's handoffs for review and sign-off (see module docstring)."""

    print_requested = Signal(object)
    """Print the shown shift (a ``ShiftWindow``)."""

    shift_signed = Signal(object)
    """The shown shift was signed (its ``ShiftSignoff``)."""

    def __init__(
        self,
        ui: HandoffUi,
        actor: Callable[[], Actor] | None,
        runner: TaskRunner,
    ) -> None:
        super().__init__(ui, actor, runner, title="Handoff board")
        self.setObjectName("HandoffBoardWindow")
        for column, width in _COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        self.table.setColumnHidden(BoardColumn.SAVED, True)
        self.reader = HandoffReader(self)
        self.comment_button = QPushButton("Comment…")
        self.send_back_button = QPushButton("Send back…")
        self.reviewed_button = QPushButton("Mark reviewed")
        self.sign_button = QPushButton("Sign the shift…")
        self.sign_button.setObjectName("sign_button")
        self.print_button = QPushButton("Print handoff…")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.reader)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([420, 230])
        actions = QHBoxLayout()
        for button in (self.comment_button, self.send_back_button, self.reviewed_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.print_button)
        actions.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(self.navigation_bar())
        layout.addWidget(self.counts_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addLayout(actions)

        self.comment_button.clicked.connect(self._on_comment_requested)
        self.send_back_button.clicked.connect(self._on_send_back_requested)
        self.reviewed_button.clicked.connect(self._on_reviewed_requested)
        self.sign_button.clicked.connect(self._on_sign_requested)
        self.print_button.clicked.connect(self._on_print_requested)
        self.resize(1366, 768)
        self._update_buttons()

    # -- hooks -------------------------------------------------------------------------------

    def on_permissions(self) -> None:
        self._update_buttons()

    def on_board(self, board: ShiftBoard) -> None:
        self._update_buttons()

    def on_selected(self, view: HandoffView | None, admission_id: int | None) -> None:
        self._update_buttons()
        if view is None:
            self.reader.show_nothing(
                "No handoff drafted for this patient yet."
                if admission_id
                else "Choose a patient above."
            )
            return
        handoff_id = view.id
        self.run(lambda: self.service.detail(handoff_id), self._on_detail_loaded, key="detail")

    def _on_detail_loaded(self, detail: HandoffDetail) -> None:
        current = self.selected_view()
        if current is not None and current.id == detail.handoff.id:
            # The facts are the board's (what a signature covers); the trail is the detail's.
            self.reader.show_detail(detail, current)

    def _update_buttons(self) -> None:
        view = self.selected_view()
        supervisor = self.can(Permission.SIGN_HANDOFF)
        board = self.board
        self.comment_button.setEnabled(supervisor and view is not None)
        ready = view is not None and view.status in (
            HandoffStatus.SUBMITTED,
            HandoffStatus.REVIEWED,
        )
        self.send_back_button.setEnabled(supervisor and ready)
        self.reviewed_button.setEnabled(
            supervisor and view is not None and view.status is HandoffStatus.SUBMITTED
        )
        self.sign_button.setEnabled(supervisor and board is not None and board.ready_to_sign)
        self.print_button.setEnabled(board is not None)
        if not supervisor:
            why = "Only a supervisor can review and sign handoffs"
        elif board is not None and board.signed:
            why = "This shift is signed"
        elif board is not None and not board.ready_to_sign:
            why = "Every patient's handoff must be submitted before the shift is signed"
        else:
            why = "Sign every handoff of this shift (freezes them)"
        self.sign_button.setToolTip(why)

    # -- actions ------------------------------------------------------------------------------

    def _after(self, done: str) -> Callable[[object], None]:
        def finished(_result: object) -> None:
            self.show_info(done)
            self.reload()

        return finished

    @Slot()
    def _on_comment_requested(self) -> None:
        actor, view = self.actor(), self.selected_view()
        if actor is None or view is None:
            return
        text = TextDialog.ask(
            self,
            "Comment on the handoff",
            f"Your comment on the handoff for bed {view.bed} "
            f"({view.patient_name}). It is kept on the handoff's trail.",
            ok_text="Add comment",
        )
        if text is None:
            return
        self.clear_message()
        self.run(lambda: self.service.comment(actor, view.id, text), self._after("Comment added."))

    @Slot()
    def _on_send_back_requested(self) -> None:
        actor, view = self.actor(), self.selected_view()
        if actor is None or view is None:
            return
        reason = TextDialog.ask(
            self,
            "Send the handoff back",
            f"What should the nurse change in the handoff for bed "
            f"{view.bed} ({view.patient_name})?",
            ok_text="Send back",
        )
        if reason is None:
            return
        self.clear_message()
        self.run(
            lambda: self.service.send_back(actor, view.id, view.revision, reason),
            self._after(f"Sent back to the nurse: bed {view.bed}."),
        )

    @Slot()
    def _on_reviewed_requested(self) -> None:
        actor, view = self.actor(), self.selected_view()
        if actor is None or view is None:
            return
        self.clear_message()
        self.run(
            lambda: self.service.mark_reviewed(actor, view.id, view.revision),
            self._after(f"Bed {view.bed} marked reviewed."),
        )

    @Slot()
    def _on_sign_requested(self) -> None:
        actor, board = self.actor(), self.board
        if actor is None or board is None:
            return
        note = SignShiftDialog.ask(self, board)
        if note is None:
            return
        revisions = board.revisions()
        shown = board.seal()
        shift = board.shift
        self.clear_message()

        def signed(signoff: object) -> None:
            self.show_info(f"The {shift.label} is signed.")
            self.shift_signed.emit(signoff)
            self.reload()

        self._runner.run(
            self,
            lambda: self.service.sign_shift(actor, shift, revisions, note, shown=shown),
            on_success=signed,
            on_failure=lambda error: self._on_sign_failed(error, board),
        )

    def _on_sign_failed(self, error: BaseException, shown: ShiftBoard) -> None:
        """Nothing was signed. When the record changed under the facts shown, the board is
        read again (the changes marked) and the message names each change for re-review."""
        self.show_error(error)
        if not isinstance(error, FactsChanged):
            return
        refused = error.handoff_ids

        def reloaded(board: ShiftBoard) -> None:
            self._on_board_loaded(board)
            lines = words.review_lines(shown, board, refused)
            if len(lines) > REVIEW_LINES_SHOWN:  # the rest are marked Δ in the handoff
                more = len(lines) - REVIEW_LINES_SHOWN
                lines = [*lines[:REVIEW_LINES_SHOWN], f"… and {more} more, marked Δ below"]
            self.show_error(
                "Not signed: the record changed since the board was shown. Review the "
                "changes (marked Δ) and sign again.\n" + "\n".join(lines)
            )

        self.run(lambda: self.service.board(shown.shift), reloaded, key="board")

    @Slot()
    def _on_print_requested(self) -> None:
        self.print_requested.emit(self.shift)
