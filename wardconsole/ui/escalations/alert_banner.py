"""The alarm banner across the top of the console: impossible to miss in a dark room.

It shows the most severe unacknowledged escalation (severity in words and shape, bed, patient,
concern, why, how long, who it has cascaded to) and how many more are waiting, in the severity's
colour with a bright edge that flashes when an alarm is (re-)announced. It has no close button:
it goes when someone acknowledges, resolves or snoozes (with a reason) every alarm, so alert
fatigue is handled in the open, never by hiding. Clicking it selects the escalation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wardconsole.domain.records import Severity
from wardconsole.ui import formatting as fmt
from wardconsole.ui.escalations.centre import BannerState, RingingAlarm
from wardconsole.ui.theme import theme_state

SIDE_WIDTH = 360
"""At most this wide: the banner's right-hand column (state, cascade, more, sound)."""
FLASH_TOGGLES = 8
FLASH_INTERVAL_MS = 350
_EDGE = {"on": "#FFFFFF", "off": "#FFD54F"}
_FONTS = "".join(
    f" QFrame#AlertBanner QLabel#{name} {{ font-size: {size}; font-weight: {weight}; }}"
    for name, size, weight in (
        ("banner_severity", "20pt", "bold"),
        ("banner_headline", "16pt", "bold"),
        ("banner_detail", "12pt", "normal"),
        ("banner_state", "13pt", "bold"),
        ("banner_cascade", "12pt", "bold"),
        ("banner_more", "12pt", "normal"),
        ("banner_sound", "11pt", "bold"),
    )
)


class AlertBanner(QFrame):
    """See the module docstring. Hidden while nothing is ringing."""

    escalation_requested = Signal(int)
    """The nurse clicked the banner: select this escalation (its id) in the panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlertBanner")
        self.setAccessibleName("Escalation alarm")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._severity = Severity.URGENT
        self._edge = "on"
        self._alarm: RingingAlarm | None = None
        self._flashes_left = 0
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(FLASH_INTERVAL_MS)
        self._flash_timer.timeout.connect(self._on_flash)

        self.severity_label = self._label("banner_severity")
        self.headline = self._label("banner_headline")
        self.detail = self._label("banner_detail")
        # Long names, reasons and sound states wrap rather than widen the window past a
        # 1366-px screen (the banner's actions must stay on it).
        self.headline.setWordWrap(True)
        self.detail.setWordWrap(True)
        self.state_label = self._label("banner_state")
        self.cascade_label = self._label("banner_cascade")
        self.more = self._label("banner_more")
        self.sound_label = self._label("banner_sound")
        self.sound_label.setWordWrap(True)
        self.sound_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.sound_label.setMaximumWidth(SIDE_WIDTH)
        self.show_button = QPushButton("Show ▸")
        self.show_button.setObjectName("banner_show")
        self.show_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.show_button.clicked.connect(self._on_clicked)

        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.headline)
        text.addWidget(self.detail)
        side = QVBoxLayout()
        side.setSpacing(0)
        for label in (self.state_label, self.cascade_label, self.more):
            side.addWidget(label, 0, Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.sound_label)  # no alignment flag: a wrapped label gets its height
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 6)
        layout.setSpacing(18)
        layout.addWidget(self.severity_label)
        layout.addLayout(text, 1)
        layout.addLayout(side)
        layout.addWidget(self.show_button)
        self._restyle()
        theme_state().changed.connect(self._restyle)
        self.hide()

    @staticmethod
    def _label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        return label

    def text(self) -> str:
        """Everything the banner says now, one label per line (for tests and screen readers)."""
        labels = (
            self.severity_label,
            self.headline,
            self.detail,
            self.state_label,
            self.cascade_label,
            self.more,
            self.sound_label,
        )
        return "\n".join(label.text() for label in labels if label.text())

    # -- what the window tells it --------------------------------------------------------------

    @property
    def alarm(self) -> RingingAlarm | None:
        """The escalation shown (None when hidden)."""
        return self._alarm

    def set_state(self, state: BannerState) -> None:
        """Show the first (most severe, oldest) alarm and the sound state; hide when none."""
        self.set_sound_status(state.sound)
        self.show_alarms(state.alarms, state.now)

    def show_alarms(self, alarms: Sequence[RingingAlarm], now: datetime) -> None:
        """Show the first (most severe, oldest) of ``alarms``; hide when there are none."""
        if not alarms:
            self._alarm = None
            self._flash_timer.stop()
            self.hide()
            return
        alarm = alarms[0]
        self._alarm = alarm
        escalation = alarm.escalation
        self.severity_label.setText(fmt.severity_text(escalation.severity))
        self.headline.setText(
            f"{escalation.where} · {escalation.patient_name} — {escalation.kind.label}"
        )
        self.detail.setText(escalation.explanation)
        age = fmt.duration_text(now - escalation.raised_at)
        self.state_label.setText(f"NOT ACKNOWLEDGED · {age}")
        self.cascade_label.setText(f"Cascaded to {alarm.responder}" if alarm.responder else "")
        self.cascade_label.setVisible(bool(alarm.responder))
        self.more.setText(f"+{len(alarms) - 1} more unacknowledged" if len(alarms) > 1 else "")
        self.more.setVisible(len(alarms) > 1)
        if escalation.severity != self._severity:
            self._severity = escalation.severity
            self._restyle()
        self.show()

    def set_sound_status(self, text: str) -> None:
        """'Sound muted — 4:12 left', 'Sound unavailable at this station: …', or '' (sound on)."""
        self.sound_label.setText(text)
        self.sound_label.setVisible(bool(text))

    def flash(self, _announcements: object = None) -> None:
        """Draw the eye: the bright edge alternates for a few seconds."""
        self._flashes_left = FLASH_TOGGLES
        self._flash_timer.start()

    # -- looks ---------------------------------------------------------------------------------

    def _restyle(self, _theme: object = None) -> None:
        colours = theme_state().palette.severity[self._severity]
        background, foreground = colours.background.name(), colours.foreground.name()
        self.setStyleSheet(
            f"QFrame#AlertBanner {{ background-color: {background};"
            f" border: 4px solid {_EDGE[self._edge]}; border-radius: 4px; }}"
            f" QFrame#AlertBanner QLabel {{ color: {foreground}; background: transparent; }}"
            f" QFrame#AlertBanner QPushButton {{ color: {foreground}; background: transparent;"
            f" border: 2px solid {foreground}; border-radius: 4px; padding: 6px 14px;"
            " font-size: 13pt; font-weight: bold; }" + _FONTS
        )

    @Slot()
    def _on_flash(self) -> None:
        self._flashes_left -= 1
        self._edge = "off" if self._edge == "on" and self._flashes_left > 0 else "on"
        self._restyle()
        if self._flashes_left <= 0:
            self._flash_timer.stop()

    @Slot()
    def _on_clicked(self) -> None:
        if self._alarm is not None:
            self.escalation_requested.emit(self._alarm.escalation.id)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._on_clicked()
            event.accept()
            return
        super().mousePressEvent(event)
