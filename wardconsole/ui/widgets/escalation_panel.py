"""The escalation panel: every open escalation on the ward, and what a nurse does about one.

Left, the list (most severe, then oldest), a line for conflicts and failures, and the station's
sound state with its time-limited mute. Right, the selected escalation with its prompts, the
actions (acknowledge, record action, resolve, snooze, not escalating) and its full trail.
Dialogs are asked here; the work is done by the ``EscalationCentre`` in the background.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.alerting import snooze_choices
from wardconsole.domain.records import EscalationState
from wardconsole.store.repository import EscalationInfo
from wardconsole.ui import formatting as fmt
from wardconsole.ui.dialogs.escalation_dialogs import (
    NotEscalatingDialog,
    RecordActionDialog,
    ResolveDialog,
    SnoozeDialog,
)
from wardconsole.ui.escalation_centre import EscalationCentre
from wardconsole.ui.models.escalation_model import TrailColumn, WardEscalationColumn
from wardconsole.ui.widgets._style import set_style_property

_COLUMN_WIDTHS = {
    WardEscalationColumn.SEVERITY: 120,
    WardEscalationColumn.BED: 48,
    WardEscalationColumn.PATIENT: 150,
    WardEscalationColumn.CONCERN: 130,
    WardEscalationColumn.AGE: 70,
}


class EscalationPanel(QWidget):
    """See the module docstring."""

    def __init__(self, centre: EscalationCentre, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EscalationPanel")
        self._centre = centre

        # Left: the list.
        self.title = QLabel()
        self.title.setObjectName("escalations_title")
        font = self.title.font()
        font.setBold(True)
        font.setPointSize(font.pointSize() + 1)
        self.title.setFont(font)
        self.sound_label = QLabel()
        self.sound_label.setObjectName("sound_status")
        self.mute_button = QPushButton()
        self.mute_button.setObjectName("mute_sound")
        self.notice = QLabel()
        self.notice.setObjectName("escalation_notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.table = QTableView()
        self.table.setObjectName("EscalationTable")
        self.table.setModel(centre.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for column, width in _COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(WardEscalationColumn.DETAILS,
                                    QHeaderView.ResizeMode.Stretch)
        header.resizeSection(WardEscalationColumn.STATUS, 230)
        self.empty_label = QLabel("No open escalations on the ward.")
        self.empty_label.setObjectName("no_escalations")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        set_style_property(self.empty_label, "tone", "ok")
        self._list_stack = QStackedWidget()
        self._list_stack.addWidget(self.empty_label)
        self._list_stack.addWidget(self.table)

        # Right: the selected escalation.
        self.selected_label = QLabel("Select an escalation to act on it.")
        self.selected_label.setObjectName("selected_escalation")
        self.selected_label.setWordWrap(True)
        self.selected_label.setTextFormat(Qt.TextFormat.RichText)
        self.acknowledge_button = self._button("acknowledge", "&Acknowledge — I am on it")
        self.action_button = self._button("record_action", "Record a&ction…")
        self.resolve_button = self._button("resolve", "&Resolve…")
        self.snooze_button = self._button("snooze", "S&nooze…")
        self.decline_button = self._button("not_escalating", "Not escalating…")
        self.decline_button.setToolTip("Decide not to escalate, with a reason (logged)")
        self.trail = QTableView()
        self.trail.setObjectName("EscalationTrail")
        self.trail.setModel(centre.trail_model)
        self.trail.verticalHeader().hide()
        self.trail.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.trail.setWordWrap(False)
        trail_header = self.trail.horizontalHeader()
        for column, width in ((TrailColumn.WHEN, 120), (TrailColumn.WHAT, 110),
                              (TrailColumn.WHO, 120), (TrailColumn.STATION, 100)):
            trail_header.resizeSection(column, width)
        trail_header.setStretchLastSection(True)

        self._lay_out()
        self._connect_signals()
        self._on_board_changed()
        self._on_mute_changed()
        self._update_selected()

    @staticmethod
    def _button(name: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.sound_label)
        top.addWidget(self.mute_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 4, 4, 4)
        left_layout.addLayout(top)
        left_layout.addWidget(self.notice)
        left_layout.addWidget(self._list_stack, 1)

        buttons = QGridLayout()
        buttons.addWidget(self.acknowledge_button, 0, 0, 1, 2)
        buttons.addWidget(self.action_button, 0, 2)
        buttons.addWidget(self.resolve_button, 1, 0)
        buttons.addWidget(self.snooze_button, 1, 1)
        buttons.addWidget(self.decline_button, 1, 2)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 4, 8, 4)
        right_layout.addWidget(self.selected_label)
        right_layout.addLayout(buttons)
        trail_title = QLabel("Trail")
        trail_title.setObjectName("trail_title")
        right_layout.addWidget(trail_title)
        right_layout.addWidget(self.trail, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("escalation_splitter")
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _connect_signals(self) -> None:
        centre = self._centre
        centre.board_changed.connect(self._on_board_changed)
        centre.model.modelReset.connect(self._on_model_reset)
        centre.model.dataChanged.connect(self._on_model_data_changed)
        centre.notice_changed.connect(self._on_notice_changed)
        centre.busy_changed.connect(self._on_busy_changed)
        centre.mute.mute_changed.connect(self._on_mute_changed)
        centre.sound.availability_changed.connect(self._on_mute_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.mute_button.clicked.connect(self._on_mute_clicked)
        self.acknowledge_button.clicked.connect(self._on_acknowledge_clicked)
        self.action_button.clicked.connect(self._on_action_clicked)
        self.resolve_button.clicked.connect(self._on_resolve_clicked)
        self.snooze_button.clicked.connect(self._on_snooze_clicked)
        self.decline_button.clicked.connect(self._on_decline_clicked)

    # -- selection ---------------------------------------------------------------------------

    def selected(self) -> EscalationInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self._centre.model.escalation_at(rows[0].row()) if rows else None

    def select_escalation(self, escalation_id: int) -> bool:
        """Select (and scroll to) an escalation; False when it is not on the list."""
        row = self._centre.model.row_of(escalation_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self._centre.model.index(row, 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, *_args: object) -> None:
        escalation = self.selected()
        self._centre.select(escalation.id if escalation else None)
        self._update_selected()

    @Slot()
    def _on_model_reset(self) -> None:
        previous = self._centre.selected_id
        if not (previous is not None and self.select_escalation(previous)):
            if self._centre.model.rowCount():
                self.table.selectRow(0)
            else:
                self._centre.select(None)
        self._update_selected()

    @Slot(QModelIndex, QModelIndex)
    def _on_model_data_changed(self, *_args: object) -> None:
        self._update_selected()

    def _update_selected(self) -> None:
        escalation = self.selected()
        idle = not self._centre.busy
        has = escalation is not None
        self.acknowledge_button.setEnabled(
            idle and has and escalation.state is EscalationState.OPEN  # type: ignore[union-attr]
        )
        for button in (self.action_button, self.resolve_button, self.snooze_button,
                       self.decline_button):
            button.setEnabled(idle and has)
        if escalation is None:
            self.selected_label.setText("Select an escalation to act on it.")
            return
        prompts = "".join(f"<br>→ {p}" for p in escalation.prompts)
        self.selected_label.setText(
            f"<b>{fmt.severity_text(escalation.severity)} · {escalation.kind.label}</b>"
            f" — Bed {escalation.bed} · {escalation.patient_name}<br>"
            f"{escalation.explanation}{prompts}<br>"
            f"<i>{self._centre.model.status_text(escalation)}</i>"
        )

    # -- board, notices, sound -----------------------------------------------------------------

    @Slot()
    def _on_board_changed(self) -> None:
        escalations = self._centre.model.escalations
        unowned = sum(1 for e in escalations if e.state is EscalationState.OPEN)
        title = f"Open escalations: {len(escalations)}"
        if unowned:
            title += f" ({unowned} not acknowledged)"
        self.title.setText(title)
        board = self._centre.board
        self._list_stack.setCurrentWidget(self.table if escalations else self.empty_label)
        if board is None:
            self.empty_label.setText("Reading escalations…")
            set_style_property(self.empty_label, "tone", "muted")
        else:
            self.empty_label.setText("No open escalations on the ward.")
            set_style_property(self.empty_label, "tone", "ok")

    @Slot(str, str)
    def _on_notice_changed(self, text: str, tone: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        set_style_property(self.notice, "tone", tone or "muted")

    @Slot(bool)
    def _on_busy_changed(self, _busy: bool) -> None:
        self._update_selected()

    @Slot()
    def _on_mute_changed(self) -> None:
        mute = self._centre.mute
        sound = self._centre.sound
        minutes = int(mute.limit.total_seconds() // 60)
        if not sound.available:
            self.sound_label.setText(sound.status_text)
            set_style_property(self.sound_label, "tone", "alert")
        elif mute.muted:
            self.sound_label.setText(mute.status_text())
            set_style_property(self.sound_label, "tone", "alert")
        else:
            self.sound_label.setText("Sound on")
            set_style_property(self.sound_label, "tone", "ok")
        self.mute_button.setText("Unmute" if mute.muted else f"Mute sound {minutes} min")
        self.mute_button.setEnabled(sound.available)

    @Slot()
    def _on_mute_clicked(self) -> None:
        if self._centre.mute.muted:
            self._centre.mute.unmute()
        else:
            self._centre.mute.mute()

    # -- actions -------------------------------------------------------------------------------

    @Slot()
    def _on_acknowledge_clicked(self) -> None:
        escalation = self.selected()
        if escalation is not None:
            self._centre.acknowledge(escalation)

    @Slot()
    def _on_action_clicked(self) -> None:
        escalation = self.selected()
        if escalation is None:
            return
        text = RecordActionDialog.ask(self, escalation)
        if text:
            self._centre.record_action(escalation, text)

    @Slot()
    def _on_resolve_clicked(self) -> None:
        escalation = self.selected()
        if escalation is None:
            return
        outcome = ResolveDialog.ask(self, escalation)
        if outcome:
            self._centre.resolve(escalation, outcome)

    @Slot()
    def _on_snooze_clicked(self) -> None:
        escalation = self.selected()
        if escalation is None:
            return
        answer = SnoozeDialog.ask(self, escalation,
                                  snooze_choices(self._centre.desk.policy.max_snooze))
        if answer is not None:
            self._centre.snooze(escalation, *answer)

    @Slot()
    def _on_decline_clicked(self) -> None:
        escalation = self.selected()
        if escalation is None:
            return
        reason = NotEscalatingDialog.ask(self, escalation)
        if reason:
            self._centre.decline(escalation, reason)
