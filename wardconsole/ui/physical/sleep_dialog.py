"""The nurse's sleep entry for a night: hours slept, settled or disturbed, and (optionally) when
the patient woke. Beside it the dialog shows what the night's safety checks say ("≈ 5 h asleep
(from 9 checks, 22:00–06:30; checks are samples)") and the withdrawal chart's sleep rating, so
the nurse's entry and the estimate are read together. Saved as a sleep entry: history,
corrections with a reason, audit, and the station's queue during an outage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.sleep import (
    SleepInput,
    SleepQuality,
    night_label,
    sleep_problems,
)
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.recording import SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.services.sleep import SleepOverview
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.shared import Bedside, queued_text
from wardconsole.ui.physical.quick_entry import patient_header, save_footer
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.datetime_field import DateTimeField
from wardconsole.ui.widgets.style_property import set_style_property

FIELD_LABELS = {
    "minutes_slept": "Hours slept",
    "quality": "Night",
    "woke_at": "Woke at",
    "night_of": "Night",
    "note": "Note",
}


class SleepDialog(QDialog):
    """Record one patient's sleep for a night."""

    def __init__(
        self, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SleepDialog")
        self.setWindowTitle(f"Sleep — {title}")
        mark_form(self, FormKind.ENTRY)
        self._bedside = bedside
        self._admission_id = admission_id
        self.result_value: SaveResult | QueuedSave | None = None
        self.overview: SleepOverview | None = None
        self._saver = EntrySaver(bedside.runner, self)
        self.night = QComboBox()
        self.night.setObjectName("sleep_night")
        self.from_checks = QLabel("Reading the night's safety checks…")
        self.from_checks.setObjectName("sleep_from_checks")
        self.from_checks.setWordWrap(True)
        self.hours = QDoubleSpinBox()
        self.hours.setObjectName("sleep_hours")
        self.hours.setRange(0, 13)
        self.hours.setSingleStep(0.25)
        self.hours.setDecimals(2)
        self.hours.setSuffix(" h")
        self.settled = QRadioButton("Se&ttled")
        self.settled.setObjectName("sleep_settled")
        self.disturbed = QRadioButton("&Disturbed")
        self.disturbed.setObjectName("sleep_disturbed")
        self._quality = QButtonGroup(self)
        self._quality.addButton(self.settled)
        self._quality.addButton(self.disturbed)
        quality = QHBoxLayout()
        quality.addWidget(self.settled)
        quality.addWidget(self.disturbed)
        quality.addStretch(1)
        self.woke_known = QCheckBox("&Woke at:")
        self.woke_known.setObjectName("sleep_woke_known")
        self.woke_at = DateTimeField()
        self.woke_at.setObjectName("sleep_woke_at")
        self.woke_at.setDisplayFormat("ddd d MMM  HH:mm")
        self.woke_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(bedside.clock().timestamp())))
        self.woke_at.setEnabled(False)
        self.woke_known.toggled.connect(self.woke_at.setEnabled)
        self.note = QLineEdit()
        self.note.setObjectName("sleep_note")
        self.note.setPlaceholderText("e.g. up twice for the toilet; nightmares")
        form = QFormLayout()
        form.addRow("Ni&ght:", self.night)
        form.addRow("", self.from_checks)
        form.addRow("&Hours slept:", self.hours)
        form.addRow("The night was:", quality)
        form.addRow(self.woke_known, self.woke_at)
        form.addRow("N&ote:", self.note)
        self.policy_note = QLabel("")
        self.policy_note.setObjectName("sleep_policy_note")
        self.policy_note.setWordWrap(True)
        set_style_property(self.policy_note, "tone", "muted")
        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save sleep")
        self.save_button.setDefault(True)
        buttons = save_footer(self, self.status, self.save_button)
        header = patient_header(title, bedside)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(form)
        layout.addWidget(self.policy_note)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.night.currentIndexChanged.connect(self._show_night)
        self.save_button.clicked.connect(self.save)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        self.status.retry_requested.connect(self._saver.retry_now)
        self.resize(640, 420)
        service = bedside.sleep
        if service is not None:
            bedside.runner.run(
                self,
                lambda: service.overview(admission_id),
                on_success=self._on_loaded,
                on_failure=lambda error: self.from_checks.setText(f"Checks not read: {error}"),
                key=f"sleep-{admission_id}",
            )

    @classmethod
    def ask(
        cls, bedside: Bedside, admission_id: int, title: str, parent: QWidget | None = None
    ) -> SaveResult | QueuedSave | None:
        dialog = cls(bedside, admission_id, title, parent)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    @Slot(object)
    def _on_loaded(self, overview: SleepOverview) -> None:
        self.overview = overview
        policy = overview.policy
        self.policy_note.setText(
            f"Census flag: {policy.flag_rule}. The estimate counts each safety check for at most "
            "half its interval either side; your entry is preferred where one number is needed."
        )
        self.night.clear()
        entry_night = overview.entry_night
        wanted = [n for n in overview.nights if n.night.start <= entry_night.start]
        for night_sleep in reversed(wanted[-3:]):
            night = night_sleep.night
            label = night_label(night, capital=True)
            if night.contains(overview.as_of):
                label += " (in progress)"
            self.night.addItem(label, night.start_date)
        if self.night.count() == 0:
            self.night.addItem(night_label(entry_night, capital=True), entry_night.start_date)
        self._show_night()

    @Slot()
    def _show_night(self) -> None:
        overview = self.overview
        day = self.night.currentData()
        found = overview.night(day) if overview is not None and day is not None else None
        if found is None:
            self.from_checks.setText("No safety checks read for this night")
            return
        lines = [f"From the checks: {found.estimate.text}"]
        if found.chart is not None:
            lines.append(f"Withdrawal chart: {found.chart.text.removeprefix('withdrawal chart ')}")
        if found.entry is not None:
            lines.append(f"Already entered: {found.entry.text(found.night.zone)}")
        self.from_checks.setText("\n".join(lines))

    def entry(self) -> SleepInput | None:
        """What the nurse typed; None until settled or disturbed is chosen."""
        day = self.night.currentData()
        if day is None:
            return None
        quality = (
            SleepQuality.SETTLED
            if self.settled.isChecked()
            else SleepQuality.DISTURBED
            if self.disturbed.isChecked()
            else None
        )
        if quality is None:
            return None
        woke = None
        if self.woke_known.isChecked():
            woke = datetime.fromtimestamp(self.woke_at.dateTime().toSecsSinceEpoch(), UTC)
        return SleepInput(
            night_of=day,
            minutes_slept=round(self.hours.value() * 60),
            quality=quality,
            woke_at=woke,
            note=self.note.text().strip(),
        )

    def save(self) -> None:
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        entry = self.entry()
        if entry is None:
            self.status.show_message("✖ Not saved — choose settled or disturbed", "alert")
            return
        overview = self.overview
        found = overview.night(entry.night_of) if overview is not None else None
        if found is not None:
            problems = sleep_problems(entry, found.night, self._bedside.clock())
            if problems:
                self._show_problem(problems)
                return
        actor, admission_id = self._bedside.acting(), self._admission_id
        save_key = uuid.uuid4().hex
        saves, recording = self._bedside.saves, self._bedside.recording
        if saves is not None:  # kept on this station if the database is unavailable
            self._saver.start(
                lambda: saves.save_sleep(actor, admission_id, entry, save_key=save_key)
            )
        else:
            self._saver.start(
                lambda: recording.record_sleep(actor, admission_id, entry, save_key=save_key)
            )

    def _show_problem(self, problems: dict[str, str]) -> None:
        key, message = next(iter(problems.items()))
        label = FIELD_LABELS.get(key, key)
        self.status.show_message(f"✖ Not saved — {label}: {message.split(': ', 1)[-1]}", "alert")

    @Slot(object)
    def _on_saved(self, result: SaveResult | QueuedSave) -> None:
        self.result_value = result
        if isinstance(result, QueuedSave):
            self.status.show_message(queued_text(result), "ok")
        else:
            self.status.show_message(
                f"✔ Sleep SAVED — {self.hours.value():g} h, "
                f"{'settled' if self.settled.isChecked() else 'disturbed'}",
                "ok",
            )
        self.save_button.setText("&Close")

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        if isinstance(error, InvalidInput):
            self._show_problem(dict(error.problems))
            return
        self.status.show_message(f"✖ Not saved — {error}", "alert")
