"""The escalation panel: every open escalation on the ward, and what a nurse does about one.

Left, the list (most severe, then oldest), a line for conflicts and failures, and the station's
sound state with its time-limited mute. Right, the selected escalation with its prompts, the
actions (acknowledge, record action, resolve, snooze, not escalating) and its full trail.
Dialogs are opened here (not modal, one at a time); the work is done by the
``EscalationController`` in the background.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.alerting import snooze_choices
from wardconsole.domain.records import EscalationInfo, EscalationState, Severity
from wardconsole.ui import formatting as fmt
from wardconsole.ui.escalations.centre import EscalationController
from wardconsole.ui.escalations.dialogs import (
    EscalationDialog,
    NotEscalatingDialog,
    RecordActionDialog,
    ResolveDialog,
    SnoozeDialog,
)
from wardconsole.ui.escalations.escalation_model import WardEscalationColumn
from wardconsole.ui.widgets.style_property import set_style_property

_COLUMN_SAMPLES = {  # measured in the table's font (bold where the cells are bold)
    WardEscalationColumn.SEVERITY: ("▲ EMERGENCY", True),
    WardEscalationColumn.BED: ("B10", False),
    WardEscalationColumn.PATIENT: ("Tomasz Corrigan", False),
    WardEscalationColumn.CONCERN: ("Missed safety check", False),
    WardEscalationColumn.AGE: ("23 h 59 min", False),  # a risk figure: never elided
    WardEscalationColumn.STATUS: ("Not acknowledged", True),
}
_CELL_PADDING = 16
DETAIL_PANE_WIDTH = 400


class EscalationPanel(QWidget):
    """See the module docstring."""

    title_changed = Signal(str)
    """'Escalations — 11 open, 10 not acknowledged', for the dock's title bar."""

    def __init__(self, centre: EscalationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EscalationPanel")
        self._centre = centre
        self.dialog: EscalationDialog | None = None
        """The escalation dialog open now (at most one)."""

        # Left: the list.
        self._title = "Escalations"
        self.sound_label = QLabel()
        self.sound_label.setObjectName("sound_status")
        self.sound_label.setWordWrap(True)
        self.mute_button = QPushButton()
        self.mute_button.setObjectName("mute_sound")
        self.notice = QLabel()
        self.notice.setObjectName("escalation_notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.policy_notice = QLabel()
        self.policy_notice.setObjectName("policy_notice")
        self.policy_notice.setWordWrap(True)
        self.policy_notice.hide()
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
        self._fit_columns()
        header.setSectionResizeMode(WardEscalationColumn.DETAILS, QHeaderView.ResizeMode.Stretch)
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
        self.acknowledge_button = self._button("acknowledge", "Acknowledge — I am on it")
        # Alt+A belongs to the window: it acknowledges the alarm the banner shows (see there).
        self.action_button = self._button("record_action", "Record a&ction…")
        self.resolve_button = self._button("resolve", "&Resolve…")
        self.snooze_button = self._button("snooze", "S&nooze…")
        self.decline_button = self._button("not_escalating", "Not escalating…")
        self.decline_button.setToolTip("Decide not to escalate, with a reason (logged)")
        self.trail = QListView()
        self.trail.setObjectName("EscalationTrail")
        self.trail.setModel(centre.trail_model)
        self.trail.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.trail.setWordWrap(True)
        self.trail.setUniformItemSizes(False)
        self.trail.setSpacing(2)

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
        # Left: what can be done to the selected row, then the list.
        actions = QHBoxLayout()
        actions.setSpacing(6)
        for button in (
            self.acknowledge_button,
            self.action_button,
            self.resolve_button,
            self.snooze_button,
            self.decline_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 4, 4, 4)
        left_layout.setSpacing(4)
        left_layout.addLayout(actions)
        left_layout.addWidget(self.policy_notice)
        left_layout.addWidget(self.notice)
        left_layout.addWidget(self._list_stack, 1)

        # Right: the ward's count and sound, the selected escalation and its trail.
        sound = QHBoxLayout()
        sound.addWidget(self.sound_label, 1)
        sound.addWidget(self.mute_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 4, 8, 4)
        right_layout.setSpacing(4)
        right_layout.addLayout(sound)
        # The selected escalation's words come first and are never cut: they take the height
        # they need before the trail does, and scroll (with a visible bar) when even that is
        # not enough at 1366 × 768 — a Chart 4 response is never silently lost at the bottom.
        self.selected_scroll = QScrollArea()
        self.selected_scroll.setObjectName("selected_escalation_scroll")
        self.selected_scroll.setWidgetResizable(True)
        self.selected_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.selected_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.selected_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.selected_scroll.setWidget(self.selected_label)
        self.trail.setMinimumHeight(3 * self.trail.fontMetrics().lineSpacing())
        right_layout.addWidget(self.selected_scroll, 3)
        right_layout.addWidget(self.trail, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("escalation_splitter")
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        right.setMinimumWidth(320)
        splitter.setSizes([2000, DETAIL_PANE_WIDTH])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _connect_signals(self) -> None:
        centre = self._centre
        centre.board_changed.connect(self._on_board_changed)
        centre.model.modelReset.connect(self._on_model_reset)
        centre.model.dataChanged.connect(self._on_model_data_changed)
        centre.notice_changed.connect(self._on_notice_changed)
        centre.policy_notice_changed.connect(self._on_policy_notice_changed)
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

    @property
    def title(self) -> str:
        return self._title

    def _fit_columns(self) -> None:
        """Column widths measured in the table's styled font, so the age and severity (risk
        words) are never elided; the explanation column takes what is left."""
        self.table.ensurePolished()
        header = self.table.horizontalHeader()
        bold = QFont(self.table.font())
        bold.setBold(True)
        for column, (sample, is_bold) in _COLUMN_SAMPLES.items():
            metrics = QFontMetrics(bold) if is_bold else QFontMetrics(self.table.font())
            header.resizeSection(column, metrics.horizontalAdvance(sample) + _CELL_PADDING)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_columns()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_columns()

    # -- selection ---------------------------------------------------------------------------

    def selected(self) -> EscalationInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self._centre.model.escalation_at(rows[0].row()) if rows else None

    def select_escalation(self, escalation_id: int, *, focus: bool = True) -> bool:
        """Select (and scroll to) an escalation; False when it is not on the list. ``focus``
        moves the keyboard to the list — only when the nurse asked for it (the banner's
        Show ▸), never when the list keeps its selection across a refresh."""
        row = self._centre.model.row_of(escalation_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self._centre.model.index(row, 0))
        if focus:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, *_args: object) -> None:
        escalation = self.selected()
        self._centre.select_escalation(escalation.id if escalation else None)
        self._update_selected()

    @Slot()
    def _on_model_reset(self) -> None:
        previous = self._centre.selected_id
        if not (previous is not None and self.select_escalation(previous, focus=False)):
            if self._centre.model.rowCount():
                self.table.selectRow(0)
            else:
                self._centre.select_escalation(None)
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
        for button in (
            self.action_button,
            self.resolve_button,
            self.snooze_button,
            self.decline_button,
        ):
            button.setEnabled(idle and has)
        if escalation is None:
            self.selected_label.setText("Select an escalation to act on it.")
            return
        prompts = "".join(f"<br>→ {html.escape(p)}" for p in escalation.prompts)
        self.selected_label.setText(
            f"<b>{fmt.severity_text(escalation.severity)} · {escalation.kind.label}"
            f" — {html.escape(escalation.where)} · {html.escape(escalation.patient_name)}</b>"
            f"<br>{html.escape(escalation.explanation)}{prompts}"
            f"<br><i>{html.escape(self._centre.model.status_text(escalation))}</i>"
        )

    # -- board, notices, sound -----------------------------------------------------------------

    @Slot()
    def _on_board_changed(self) -> None:
        escalations = self._centre.model.escalations
        unowned = sum(1 for e in escalations if e.state is EscalationState.OPEN)
        title = f"Escalations — {len(escalations)} open"
        if unowned:
            title += f", {unowned} not acknowledged"
        if title != self._title:
            self._title = title
            self.title_changed.emit(title)
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

    @Slot(str, str)
    def _on_policy_notice_changed(self, text: str, tone: str) -> None:
        """Loud and persistent: a station not on the ward's policy runs no time-driven alarms;
        supervisors also see that the local policy is not signed off (non-blocking)."""
        self.policy_notice.setText(text)
        self.policy_notice.setVisible(bool(text))
        set_style_property(self.policy_notice, "tone", tone or "muted")

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

    def _open_dialog(
        self,
        make: Callable[[EscalationInfo], EscalationDialog],
        on_answer: Callable[[EscalationInfo, Any], None],
    ) -> None:
        """One escalation dialog at a time, not modal: the banner, the lock and the rest of the
        console keep working while a nurse types. A second request brings the open one back."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        escalation = self.selected()
        if escalation is None:
            return
        dialog = make(escalation)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.dialog = dialog
        dialog.open_(lambda answer: on_answer(escalation, answer))

    def _forget_dialog(self, dialog: EscalationDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    @Slot()
    def _on_action_clicked(self) -> None:
        self._open_dialog(
            lambda e: RecordActionDialog(e, self),
            lambda e, text: self._centre.record_action(e, text),
        )

    @Slot()
    def _on_resolve_clicked(self) -> None:
        self._open_dialog(
            lambda e: ResolveDialog(e, self), lambda e, outcome: self._centre.resolve(e, outcome)
        )

    @Slot()
    def _on_snooze_clicked(self) -> None:
        choices = snooze_choices(self._centre.policy.max_snooze)
        made: list[SnoozeDialog] = []

        def make(e: EscalationInfo) -> SnoozeDialog:
            made.append(SnoozeDialog(e, choices, self, second_person=self._second_needed(e)))
            return made[-1]

        self._open_dialog(
            make,
            lambda e, answer: self._centre.snooze(
                e, answer[0], answer[1], second=made[-1].second_person()
            ),
        )

    @Slot()
    def _on_decline_clicked(self) -> None:
        made: list[NotEscalatingDialog] = []

        def make(e: EscalationInfo) -> NotEscalatingDialog:
            made.append(NotEscalatingDialog(e, self, second_person=self._second_needed(e)))
            return made[-1]

        self._open_dialog(
            make,
            lambda e, reason: self._centre.decline(e, reason, second=made[-1].second_person()),
        )

    def _second_needed(self, escalation: EscalationInfo) -> bool:
        """Ward policy: silencing an emergency needs a colleague who signs in to confirm."""
        return (
            self._centre.policy.second_person_for_emergency
            and escalation.severity is Severity.EMERGENCY
        )
