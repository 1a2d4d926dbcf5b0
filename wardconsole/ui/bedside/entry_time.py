"""When an entry was taken: "now" unless the nurse sets the time it was actually taken.

While untouched the field follows the clock and the entry is saved with the server's time of
saving; once edited it keeps the nurse's time (local wall-clock, stored as UTC). "Now" goes back
to following the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

FUTURE_TOLERANCE = timedelta(minutes=5)


class TakenAtEdit(QWidget):
    """A date-time field that means "now" until it is edited."""

    taken_at_changed = Signal()
    """The nurse set a time, or went back to "now"."""

    def __init__(self, clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._following = True
        self.edit = DateTimeField()
        self.edit.setObjectName("taken_at")
        self.edit.setAccessibleName("Time taken")
        self.edit.setDisplayFormat("ddd d MMM  HH:mm")
        self.edit.setCalendarPopup(False)
        self.state = QLabel()
        self.state.setObjectName("taken_at_state")
        self.now_button = QPushButton("&Now")
        self.now_button.setObjectName("taken_at_now")
        self.now_button.setAutoDefault(False)
        self.now_button.setToolTip("Use the time of saving")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.state)
        layout.addWidget(self.now_button)
        layout.addStretch(1)
        self._tick = QTimer(self)
        self._tick.setInterval(15_000)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        self._show_now()
        self.edit.dateTimeChanged.connect(self._on_edited)
        self.now_button.clicked.connect(self._on_now_clicked)

    def taken_at(self) -> datetime | None:
        """The time set by the nurse (aware UTC), or None for "now" (the time of saving)."""
        if self._following:
            return None
        return datetime.fromtimestamp(self.edit.dateTime().toSecsSinceEpoch(), UTC)

    def set_taken_at(self, when: datetime) -> None:
        """Show a fixed time (a correction keeps the original's time)."""
        self._following = False
        self._set_edit(when)
        self._update_state()

    def problem(self) -> str | None:
        """A message when the chosen time cannot be right (in the future)."""
        chosen = self.taken_at()
        if chosen is not None and chosen > self._clock() + FUTURE_TOLERANCE:
            return "Time taken: is in the future; check the time"
        return None

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setEnabled(not read_only)
        self.now_button.setEnabled(not read_only)
        if read_only:
            self._tick.stop()

    def _set_edit(self, when: datetime) -> None:
        self.edit.blockSignals(True)
        self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp())))
        self.edit.blockSignals(False)

    def _show_now(self) -> None:
        self._set_edit(self._clock())
        self._update_state()

    def _update_state(self) -> None:
        if self._following:
            self.state.setText("(now)")
            set_style_property(self.state, "tone", "muted")
        else:
            self.state.setText("time set by you")
            set_style_property(self.state, "tone", "soon")
        self.now_button.setVisible(not self._following)

    @Slot()
    def _on_tick(self) -> None:
        if self._following:
            self._set_edit(self._clock())

    @Slot()
    def _on_edited(self) -> None:
        if self._following:
            self._following = False
            self._update_state()
        self.taken_at_changed.emit()

    @Slot()
    def _on_now_clicked(self) -> None:
        self._following = True
        self._show_now()
        self.taken_at_changed.emit()
