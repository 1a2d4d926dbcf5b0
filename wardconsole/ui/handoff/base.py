"""What the nurse's editor and the supervisor's board share: a shift and its handoff table.

The window shows one shift at a time (this shift, last shift, or stepped back and forth), reads
its board on the background worker and keeps the selected patient across reloads. Every database
call goes through the ``TaskRunner``; results and errors come back on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.context import Actor, Permission, ServiceError
from wardconsole.services.handoff import HandoffService, HandoffView, ShiftBoard
from wardconsole.ui.handoff.board_model import (
    ADMISSION_ID_ROLE,
    HANDOFF_ROLE,
    HandoffBoardModel,
    HandoffBoardProxy,
)
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.widgets.follows_session import SessionLabel
from wardconsole.ui.widgets.style_property import set_style_property


def error_text(error: BaseException) -> str:
    """A service refusal as the nurse reads it; anything else as a one-line database problem."""
    if isinstance(error, ServiceError):
        problems = getattr(error, "problems", None)
        return "; ".join(problems.values()) if problems else str(error)
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return f"The database could not be reached or refused the change: {first}"


class HandoffWindowBase(QWidget):
    """A top-level window over one shift's handoffs (see module docstring)."""

    board_changed = Signal(ShiftBoard)
    """A new board for the shown shift is on screen."""

    selection_changed = Signal(object)
    """The selected row's ``HandoffView`` (None: no handoff or no selection)."""

    def __init__(
        self,
        ui: HandoffUi,
        actor: Callable[[], Actor] | None,
        runner: TaskRunner,
        *,
        title: str,
    ) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self._ui = ui
        self._actor_source = actor
        self._runner = runner
        self._title = title
        self._shift: ShiftWindow = ui.service.this_shift()
        self._board: ShiftBoard | None = None
        self._selected_admission: int | None = None

        self.model = HandoffBoardModel(self)
        self.proxy = HandoffBoardProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("HandoffBoardView")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(
            HandoffBoardProxy.DEFAULT_SORT_COLUMN, HandoffBoardProxy.DEFAULT_SORT_ORDER
        )

        self.shift_label = QLabel()
        self.shift_label.setObjectName("shift_label")
        self.actor_label = SessionLabel(self._actor_text)
        self.actor_label.setObjectName("actor_label")
        set_style_property(self.actor_label, "tone", "muted")
        self.counts_label = QLabel()
        self.counts_label.setObjectName("counts_label")
        self.message = QLabel()
        self.message.setObjectName("handoff_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.previous_button = QPushButton("◀ Previous shift")
        self.next_button = QPushButton("Next shift ▶")
        self.this_button = QPushButton("This shift")
        self.last_button = QPushButton("Last shift")
        self.reload_button = QPushButton("Refresh")
        self.reload_button.setShortcut(QKeySequence(Qt.Key.Key_F5))

        self.previous_button.clicked.connect(self._on_previous_requested)
        self.next_button.clicked.connect(self._on_next_requested)
        self.this_button.clicked.connect(self._on_this_shift_requested)
        self.last_button.clicked.connect(self._on_last_shift_requested)
        self.reload_button.clicked.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.proxy.layoutChanged.connect(self._on_rows_moved)
        close = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        close.activated.connect(self.close)

    # -- the shift shown ------------------------------------------------------------------------

    @property
    def service(self) -> HandoffService:
        return self._ui.service

    @property
    def shift(self) -> ShiftWindow:
        return self._shift

    @property
    def board(self) -> ShiftBoard | None:
        return self._board

    def actor(self) -> Actor | None:
        return self._actor_source() if self._actor_source is not None else None

    def can(self, permission: Permission) -> bool:
        try:
            actor = self.actor()
        except ServiceError:  # locked with nobody signed in
            return False
        return actor is not None and actor.can(permission)

    def show_shift(self, shift: ShiftWindow) -> None:
        if shift != self._shift:
            self._shift = shift
            self._selected_admission = None
        self.reload()

    def navigation_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        for widget in (
            self.previous_button,
            self.shift_label,
            self.next_button,
            self.this_button,
            self.last_button,
            self.reload_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.actor_label)
        return bar

    def reload(self) -> None:
        """Re-read the shown shift's board in the background."""
        shift = self._shift
        self.run(lambda: self.service.board(shift), self._on_board_loaded, key="board")

    def runner_busy(self) -> bool:
        """A database call of this window's worker has yet to deliver its result."""
        return self._runner.busy_for(self)

    def run(
        self, fn: Callable[[], Any], on_success: Callable[[Any], None], *, key: str | None = None
    ) -> None:
        self._runner.run(self, fn, on_success=on_success, on_failure=self.show_error, key=key)

    # -- messages -------------------------------------------------------------------------------

    def show_error(self, error: BaseException | str) -> None:
        text = error if isinstance(error, str) else error_text(error)
        set_style_property(self.message, "tone", "alert")
        self.message.setText(text)
        self.message.show()

    def show_info(self, text: str) -> None:
        set_style_property(self.message, "tone", "ok")
        self.message.setText(text)
        self.message.show()

    def clear_message(self) -> None:
        self.message.hide()
        self.message.setText("")

    # -- selection ------------------------------------------------------------------------------

    def selected_view(self) -> HandoffView | None:
        index = self.table.currentIndex()
        return index.data(HANDOFF_ROLE) if index.isValid() else None

    def select_admission(self, admission_id: int) -> None:
        source_row = self.model.row_of_admission(admission_id)
        if source_row < 0:
            return
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    # -- hooks for the subclasses ---------------------------------------------------------------

    def on_board(self, board: ShiftBoard) -> None:
        """A new board is in the model (the selection has been restored)."""

    def on_selected(self, view: HandoffView | None, admission_id: int | None) -> None:
        """The current row changed."""

    # -- slots ----------------------------------------------------------------------------------

    def _on_board_loaded(self, board: ShiftBoard) -> None:
        if board.shift != self._shift:
            return  # the nurse has moved on to another shift
        self._board = board
        keep = self._selected_admission
        self.model.set_board(board)
        self.shift_label.setText(f"<b>{board.shift.label}</b>")
        self.setWindowTitle(f"{self._title} — {board.shift.label} — WardConsole")
        self.counts_label.setText(counts_text(board))
        now_shift = self.service.this_shift(board.taken_at)
        self.next_button.setEnabled(board.shift.start < now_shift.start)
        if keep is not None and self.model.row_of_admission(keep) >= 0:
            self.select_admission(keep)
        elif self.proxy.rowCount():
            self.table.selectRow(0)
        self.on_board(board)
        self.board_changed.emit(board)
        self._emit_selection()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._selected_admission = current.data(ADMISSION_ID_ROLE) if current.isValid() else None
        self._emit_selection()

    def _emit_selection(self) -> None:
        view = self.selected_view()
        self.on_selected(view, self._selected_admission)
        self.selection_changed.emit(view)

    @Slot()
    def _on_rows_moved(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.table.scrollTo(index)

    @Slot()
    def _on_previous_requested(self) -> None:
        self.show_shift(self.service.previous_shift(self._shift))

    @Slot()
    def _on_next_requested(self) -> None:
        self.show_shift(self.service.following_shift(self._shift))

    @Slot()
    def _on_this_shift_requested(self) -> None:
        self.show_shift(self.service.this_shift())

    @Slot()
    def _on_last_shift_requested(self) -> None:
        self.show_shift(self.service.last_shift())

    def _actor_text(self) -> str:
        try:
            actor = self.actor()
        except ServiceError:  # locked with nobody signed in
            actor = None
        return f"Working as {actor.display_name} ({actor.role.value})" if actor else "Not signed in"

    def on_actor_changed(self) -> None:
        """Another member of staff signed in (or nobody is): the name shown, the buttons her
        role allows and the board follow at once."""
        self.actor_label.refresh()
        self.on_permissions()
        if self.isVisible():
            self.reload()

    def on_permissions(self) -> None:
        """Enable what the signed-in role may do (the subclasses' buttons)."""


def counts_text(board: ShiftBoard) -> str:
    from wardconsole.domain.handoff_records import HandoffStatus

    parts = [f"{len(board.handoffs) + len(board.missing)} patients"]
    parts += [f"{board.count(s)} {s.label.lower()}" for s in HandoffStatus if board.count(s)]
    if board.missing:
        parts.append(f"✚ {len(board.missing)} not drafted")
    if board.signoff is not None:
        local = board.shift.local(board.signoff.signed_at)
        parts.append(f"✔ signed by {board.signoff.signed_by} {local:%a %H:%M}")
    else:
        parts.append("not signed off")
    return " · ".join(parts)
