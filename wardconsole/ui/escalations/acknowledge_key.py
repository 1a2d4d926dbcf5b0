"""Alt+A: acknowledge the alarm the banner shows — never, silently, another one.

A nurse who hears an alarm and presses Alt+A means the alarm on the banner. If the escalation
panel has a different escalation selected (another patient's urgent alarm, say), the key asks
which one, naming bed, patient and kind of both; the banner's is the default. With no alarm on
the banner, Alt+A acknowledges the panel's selection as the button does.

What was acknowledged is said in large type just under the banner
("Acknowledged: Bed B05, J. Smith, deterioration — emergency") and stays there for
``FEEDBACK_MS`` — long enough to be read after looking up from the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from wardconsole.domain.records import EscalationInfo
from wardconsole.ui.escalations.alert_banner import AlertBanner
from wardconsole.ui.escalations.centre import EscalationController
from wardconsole.ui.widgets.style_property import set_style_property

SHORTCUT = "Alt+A"
FEEDBACK_MS = 8_000
"""How long 'Acknowledged: …' stays under the banner (at least 5 s, the issue's floor)."""


def alarm_words(escalation: EscalationInfo) -> str:
    """'Bed B05, J. Smith, deterioration — emergency': which alarm, in words."""
    return (
        f"{escalation.where}, {escalation.patient_name}, "
        f"{escalation.kind.label.lower()} — {escalation.severity.label.lower()}"
    )


class AlarmAcknowledger(QObject):
    """Owns the Alt+A action, the question when banner and panel differ, and the feedback."""

    def __init__(
        self,
        window: QWidget,
        centre: EscalationController,
        banner: AlertBanner,
        selected: Callable[[], EscalationInfo | None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._centre = centre
        self._banner = banner
        self._selected = selected
        self.question: QMessageBox | None = None
        self.action = QAction("&Acknowledge the alarm on the banner", window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.acknowledge_banner_alarm)
        window.addAction(self.action)
        self.feedback = QLabel()
        self.feedback.setObjectName("acknowledged_feedback")
        self.feedback.setWordWrap(True)
        self.feedback.setStyleSheet("QLabel#acknowledged_feedback { font-size: 14pt; }")
        set_style_property(self.feedback, "tone", "ok")
        self.feedback.hide()
        self.feedback_timer = QTimer(self)
        self.feedback_timer.setSingleShot(True)
        self.feedback_timer.setInterval(FEEDBACK_MS)
        self.feedback_timer.timeout.connect(self.feedback.hide)
        centre.acknowledged.connect(self._on_acknowledged)

    @Slot()
    def acknowledge_banner_alarm(self) -> None:
        ringing = self._banner.alarm
        selected = self._selected()
        if ringing is None:
            if selected is not None:
                self._centre.acknowledge(selected)
            return
        banner = ringing.escalation
        if selected is None or selected.id == banner.id:
            self._centre.acknowledge(banner)
            return
        self._ask(banner, selected)

    def _ask(self, banner: EscalationInfo, selected: EscalationInfo) -> None:
        """Which one? Not modal: the banner and the rest of the console stay usable."""
        if self.question is not None:
            self.question.close()
        box = QMessageBox(self._window)
        box.setObjectName("acknowledge_which")
        box.setWindowTitle("Acknowledge which alarm?")
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(
            f"The banner shows {alarm_words(banner)}.\n"
            f"The escalation panel has {alarm_words(selected)} selected.\n\n"
            "Which one are you acknowledging?"
        )
        on_banner = box.addButton(
            f"Banner: {banner.where}, {banner.patient_name}", QMessageBox.ButtonRole.AcceptRole
        )
        on_selected = box.addButton(
            f"Selected: {selected.where}, {selected.patient_name}",
            QMessageBox.ButtonRole.AcceptRole,
        )
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(on_banner)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: QPushButton) -> None:
            if button is on_banner:
                self._centre.acknowledge(banner)
            elif button is on_selected:
                self._centre.acknowledge(selected)
            self.question = None

        box.buttonClicked.connect(answered)
        box.rejected.connect(lambda: setattr(self, "question", None))
        self.question = box
        box.show()

    @Slot(object)
    def _on_acknowledged(self, escalation: EscalationInfo) -> None:
        self.feedback.setText(f"Acknowledged: {alarm_words(escalation)}")
        self.feedback.show()
        self.feedback_timer.start()
