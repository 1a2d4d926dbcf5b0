"""The intake assessment as tabs: substance use, physical health, mental health, mood screens,
other risks and baseline.

The form only collects answers in the stored (JSON) shape of ``domain.intake``; the domain checks
them and derives the risk flags. Nothing starts with a silent default: choices begin unset,
numbers begin at "—", and a date is typed, never pre-filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain import intake as i
from wardconsole.ui.admissions.intake_screens import CssrsBox, ScreensColumn
from wardconsole.ui.widgets.style_property import set_style_property

LOCAL_TIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H.%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M")

FIELD_LABELS: dict[str, str] = {
    "substance_use.routes": "Route",
    "substance_use.typical_amount": "Typical amount",
    "substance_use.frequency": "Frequency",
    "substance_use.duration_months": "Duration of use",
    "substance_use.last_use_at": "Last use",
    "substance_use.other_substances_detail": "Other substance",
    "substance_use.previous_detox_attempts": "Previous detox attempts",
    "substance_use.alcohol_recent": "Recent drinking",
    "substance_use.last_drink_at": "Last drink",
    "substance_use.opioids_recent": "Recent opioid use",
    "substance_use.benzodiazepines_regular": "Regular benzodiazepines",
    "physical.bladder_pain_score": "Bladder pain",
    "physical.abdominal_pain_score": "Abdominal pain",
    "physical.allergies": "Allergies",
    "physical.falls_reason": "Falls risk reason",
    "mental_health.diagnoses_other": "Other diagnosis",
    "mental_health.cssrs": "C-SSRS",
    "mental_health.cssrs_not_done_reason": "C-SSRS",
    "mental_health.phq9": "PHQ-9",
    "mental_health.gad7": "GAD-7",
    "risks.extra_flags": "Other flags",
}


def parse_local_time(text: str) -> datetime | None:
    """'24/11/2026 22:30' typed in local time -> aware datetime; None if unreadable."""
    for fmt in LOCAL_TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).astimezone()
        except ValueError:
            continue
    return None


def nurse_message(key: str, message: str) -> str:
    """'typical_amount: required' -> 'Typical amount: required'."""
    label = FIELD_LABELS.get(key)
    field = key.split(".", 1)[-1]
    if label and message.startswith(f"{field}:"):
        return f"{label}:{message[len(field) + 1 :]}"
    return message


def _unset_spin(name: str, maximum: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(-1, maximum)
    spin.setSpecialValueText("—")
    spin.setValue(-1)
    spin.setSuffix(suffix)
    return spin


def _checks(
    prefix: str, options: Mapping[str, str], columns: int = 3
) -> tuple[QWidget, dict[str, QCheckBox]]:
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    checks: dict[str, QCheckBox] = {}
    for n, (key, label) in enumerate(options.items()):
        check = QCheckBox(label)
        check.setObjectName(f"{prefix}_{key}")
        grid.addWidget(check, n // columns, n % columns)
        checks[key] = check
    return box, checks


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _notes(name: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(56)
    return edit


def _scroll(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(content)
    return area


class IntakeForm(QTabWidget):
    """The intake's tabs (see the module docstring)."""

    changed = Signal()
    """Anything in the intake changed (the dialog re-derives the risk flags)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("IntakeForm")
        self._admitted_at: datetime | None = None
        self._fields: dict[str, tuple[int, QWidget]] = {}
        self.screens = ScreensColumn()
        self._pages = [
            _scroll(self._substance_tab()),
            _scroll(self._physical_tab()),
            _scroll(self._mental_tab()),
            _scroll(self.screens),
            _scroll(self._risks_tab()),
        ]
        self._titles = (
            "Substance use",
            "Physical",
            "Mental health",
            "PHQ-9 / GAD-7",
            "Risks && baseline",
        )
        for page, title in zip(self._pages, self._titles, strict=True):
            self.addTab(page, title)
        self._register_late_fields()
        self._connect_changes()
        self._sync()

    # -- tabs ---------------------------------------------------------------------------------

    def _substance_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        routes_box, self.routes = _checks("route", i.ROUTES)
        self.amount = _line("typical_amount", "e.g. 2–3 g a day")
        self.frequency = QComboBox()
        self.frequency.setObjectName("frequency")
        self.frequency.addItem("— choose —", None)
        for key, label in i.FREQUENCIES.items():
            self.frequency.addItem(label, key)
        self.years = _unset_spin("duration_years", 100, " years")
        self.months = _unset_spin("duration_months", 11, " months")
        duration = QHBoxLayout()
        duration.addWidget(self.years)
        duration.addWidget(self.months)
        duration.addStretch(1)
        self.last_use = _line("last_use_at", "DD/MM/YYYY HH:MM (local time)")
        self.last_use_unknown = QCheckBox("Not known")
        self.last_use_unknown.setObjectName("last_use_unknown")
        self.last_use_hint = QLabel()
        self.last_use_hint.setObjectName("last_use_hint")
        self.last_use_hint.setWordWrap(True)
        set_style_property(self.last_use_hint, "tone", "muted")
        last = QHBoxLayout()
        last.addWidget(self.last_use, 1)
        last.addWidget(self.last_use_unknown)
        others_box, self.others = _checks("other", i.OTHER_SUBSTANCES, columns=4)
        self.others_detail = _line("other_substances_detail", "which, how much")
        self.alcohol_recent = QCheckBox("Recent drinking: CIWA-Ar — last drink")
        self.alcohol_recent.setObjectName("alcohol_recent")
        self.alcohol_recent.setToolTip(
            "Alcohol withdrawal is possible: CIWA-Ar on a schedule from the last drink"
        )
        self.last_drink = _line("last_drink_at", "DD/MM/YYYY HH:MM (blank: not known)")
        self.opioids_recent = QCheckBox("Recent opioid use: COWS")
        self.opioids_recent.setObjectName("opioids_recent")
        self.benzodiazepines_regular = QCheckBox("Regular benzodiazepines: prescriber review")
        self.benzodiazepines_regular.setObjectName("benzodiazepines_regular")
        co_use = QHBoxLayout()
        co_use.addWidget(self.alcohol_recent)
        co_use.addWidget(self.last_drink, 1)
        co_use.addWidget(self.opioids_recent)
        co_use.addWidget(self.benzodiazepines_regular)
        self.attempts = _unset_spin("previous_detox_attempts", i.MAX_DETOX_ATTEMPTS)
        self.substance_notes = _notes("substance_notes")
        form.addRow("Route (ketamine):", routes_box)
        form.addRow("Typical amount:", self.amount)
        form.addRow("Frequency:", self.frequency)
        form.addRow("Duration of use:", duration)
        form.addRow("Last use:", last)
        form.addRow("", self.last_use_hint)
        form.addRow("Other substances:", others_box)
        form.addRow("Other substance:", self.others_detail)
        form.addRow("Co-use now:", co_use)
        form.addRow("Previous detox attempts:", self.attempts)
        form.addRow("Notes:", self.substance_notes)
        for key, widget in (
            ("routes", routes_box),
            ("typical_amount", self.amount),
            ("frequency", self.frequency),
            ("duration_months", self.years),
            ("last_use_at", self.last_use),
            ("other_substances_detail", self.others_detail),
            ("alcohol_recent", self.alcohol_recent),
            ("last_drink_at", self.last_drink),
            ("opioids_recent", self.opioids_recent),
            ("benzodiazepines_regular", self.benzodiazepines_regular),
            ("previous_detox_attempts", self.attempts),
        ):
            self._fields[f"substance_use.{key}"] = (0, widget)
        return page

    def _physical_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        urinary_box, self.urinary = _checks("urinary", i.URINARY_SYMPTOMS)
        red_box, self.red_flags = _checks("red_flag", i.URINARY_RED_FLAGS, columns=2)
        red_note = QLabel("Any of these: medical review and the urology pathway.")
        red_note.setWordWrap(True)
        set_style_property(red_note, "tone", "muted")
        self.bladder_pain = _unset_spin("bladder_pain_score", 10, " / 10")
        self.k_cramps = QCheckBox("Abdominal pain (K-cramps) — colicky upper abdominal pain")
        self.k_cramps.setObjectName("k_cramps")
        self.abdominal_pain = _unset_spin("abdominal_pain_score", 10, " / 10")
        self.nkda = QCheckBox("No known allergies")
        self.nkda.setObjectName("no_known_allergies")
        self.allergies = _line("allergies", "drug or substance, and the reaction")
        allergy_row = QHBoxLayout()
        allergy_row.addWidget(self.nkda)
        allergy_row.addWidget(self.allergies, 1)
        self.conditions = _line("other_conditions")
        self.medication = _notes("current_medication")
        self.falls = QCheckBox("Falls risk — reason:")
        self.falls.setObjectName("falls_risk")
        self.falls_reason = _line("falls_reason", "nurse judgement, e.g. unsteady, sedated")
        falls_row = QHBoxLayout()
        falls_row.addWidget(self.falls)
        falls_row.addWidget(self.falls_reason, 1)
        self.pregnant = QCheckBox(
            "Pregnant — NEWS2 is not validated in pregnancy (it is still scored and escalates)"
        )
        self.pregnant.setObjectName("pregnant")
        self.physical_notes = _notes("physical_notes")
        form.addRow("Urinary symptoms:", urinary_box)
        form.addRow("Urinary red flags:", red_box)
        form.addRow("", red_note)
        form.addRow("Bladder pain:", self.bladder_pain)
        form.addRow("", self.k_cramps)
        form.addRow("Abdominal pain:", self.abdominal_pain)
        form.addRow("Allergies:", allergy_row)
        form.addRow("Other conditions:", self.conditions)
        form.addRow("Current medication:", self.medication)
        form.addRow("Falls:", falls_row)
        form.addRow("Pregnancy:", self.pregnant)
        form.addRow("Notes:", self.physical_notes)
        for key, widget in (
            ("bladder_pain_score", self.bladder_pain),
            ("abdominal_pain_score", self.abdominal_pain),
            ("allergies", self.allergies),
            ("falls_reason", self.falls_reason),
        ):
            self._fields[f"physical.{key}"] = (1, widget)
        return page

    def _mental_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = QFormLayout()
        diagnoses_box, self.diagnoses = _checks("diagnosis", i.DIAGNOSES, columns=4)
        self.diagnoses_other = _line("diagnoses_other", "other diagnosis")
        self.psychosis = QCheckBox("Psychosis")
        self.psychosis.setObjectName("psychosis_history")
        self.hallucinations = QCheckBox("Hallucinations")
        self.hallucinations.setObjectName("hallucinations_history")
        self.psychosis_detail = _line("psychosis_detail", "when, with what")
        history = QHBoxLayout()
        history.addWidget(self.psychosis)
        history.addWidget(self.hallucinations)
        history.addWidget(self.psychosis_detail, 1)
        self.self_harm = QCheckBox("Self-harm")
        self.self_harm.setObjectName("self_harm_history")
        self.self_harm_detail = _line("self_harm_detail", "what, how recent")
        harm = QHBoxLayout()
        harm.addWidget(self.self_harm)
        harm.addWidget(self.self_harm_detail, 1)
        form.addRow("Co-occurring diagnoses:", diagnoses_box)
        form.addRow("Other diagnosis:", self.diagnoses_other)
        form.addRow("History of:", history)
        form.addRow("History of:", harm)
        self.cssrs = CssrsBox()
        self.mental_notes = _notes("mental_notes")
        layout.addLayout(form)
        layout.addWidget(self.cssrs)
        notes = QFormLayout()
        notes.addRow("Notes:", self.mental_notes)
        layout.addLayout(notes)
        layout.addStretch(1)
        self._fields["mental_health.diagnoses_other"] = (2, self.diagnoses_other)
        self._fields["mental_health.cssrs"] = (2, self.cssrs)
        self._fields["mental_health.cssrs_not_done_reason"] = (2, self.cssrs.not_done_reason)
        return page

    def _risks_tab(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        form = QFormLayout()
        self.extra_flags = _line("extra_flags", "short flags, comma separated, e.g. Absconding")
        self.risk_notes = _notes("risk_notes")
        baseline = QLabel(
            "Baseline vital signs and the withdrawal chart are recorded through Record "
            "observations after admission, like every later round, so they start the charts "
            "and the NEWS2 trend."
        )
        baseline.setObjectName("baseline_note")
        baseline.setWordWrap(True)
        form.addRow("Other flags:", self.extra_flags)
        form.addRow("Notes:", self.risk_notes)
        title = QLabel("Baseline observations")
        title.setObjectName("SectionTitle")
        column.addLayout(form)
        column.addSpacing(12)
        column.addWidget(title)
        column.addWidget(baseline)
        column.addStretch(1)
        self._fields["risks.extra_flags"] = (4, self.extra_flags)
        return page

    def _register_late_fields(self) -> None:
        self._fields["mental_health.phq9"] = (3, self.screens.phq9)
        self._fields["mental_health.gad7"] = (3, self.screens.gad7)

    def _connect_changes(self) -> None:
        for edit in self.findChildren(QLineEdit):
            edit.textChanged.connect(self._on_changed)
        for check in self.findChildren(QCheckBox):
            check.toggled.connect(self._on_changed)
        for spin in self.findChildren(QSpinBox):
            spin.valueChanged.connect(self._on_changed)
        for combo in (self.frequency,):
            combo.currentIndexChanged.connect(self._on_changed)
        self.cssrs.changed.connect(self._on_changed)
        self.screens.changed.connect(self._on_changed)

    # -- values -------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The intake in the stored (JSON) shape, for ``domain.intake.parse_intake``."""
        last_text = self.last_use.text().strip()
        when = parse_local_time(last_text) if last_text else None
        years, months = self.years.value(), self.months.value()
        duration = None if years < 0 and months < 0 else max(years, 0) * 12 + max(months, 0)
        extra = [part.strip() for part in self.extra_flags.text().split(",") if part.strip()]
        return {
            "substance_use": {
                "routes": [k for k, c in self.routes.items() if c.isChecked()],
                "typical_amount": self.amount.text(),
                "frequency": self.frequency.currentData(),
                "duration_months": duration,
                "last_use_at": None
                if self.last_use_unknown.isChecked()
                else ((when.isoformat() if when else last_text) or None),
                "last_use_unknown": self.last_use_unknown.isChecked(),
                "other_substances": [k for k, c in self.others.items() if c.isChecked()],
                "other_substances_detail": _if(self.others["other"], self.others_detail.text()),
                "previous_detox_attempts": _spin(self.attempts),
                "notes": self.substance_notes.toPlainText(),
                **self._co_use_values(),
            },
            "physical": {
                "urinary_symptoms": [k for k, c in self.urinary.items() if c.isChecked()],
                "urinary_red_flags": [k for k, c in self.red_flags.items() if c.isChecked()],
                "bladder_pain_score": _spin(self.bladder_pain),
                "k_cramps": self.k_cramps.isChecked(),
                "abdominal_pain_score": (
                    _spin(self.abdominal_pain) if self.k_cramps.isChecked() else None
                ),
                "no_known_allergies": self.nkda.isChecked(),
                "allergies": "" if self.nkda.isChecked() else self.allergies.text(),
                "other_conditions": self.conditions.text(),
                "current_medication": self.medication.toPlainText(),
                "falls_risk": self.falls.isChecked(),
                "falls_reason": _if(self.falls, self.falls_reason.text()),
                "pregnant": self.pregnant.isChecked(),
                "notes": self.physical_notes.toPlainText(),
            },
            "mental_health": {
                "diagnoses": [k for k, c in self.diagnoses.items() if c.isChecked()],
                "diagnoses_other": _if(self.diagnoses["other"], self.diagnoses_other.text()),
                "psychosis_history": self.psychosis.isChecked(),
                "hallucinations_history": self.hallucinations.isChecked(),
                "psychosis_detail": self.psychosis_detail.text(),
                "self_harm_history": self.self_harm.isChecked(),
                "self_harm_detail": self.self_harm_detail.text(),
                **self.cssrs.values(),
                "phq9": self.screens.phq9.values(),
                "gad7": self.screens.gad7.values(),
                "notes": self.mental_notes.toPlainText(),
            },
            "risks": {"extra_flags": extra, "notes": self.risk_notes.toPlainText()},
        }

    def set_values(self, data: Mapping[str, Any]) -> None:
        """Fill the form from a stored intake (amending an admission's intake)."""
        s, p = data.get("substance_use", {}), data.get("physical", {})
        m, r = data.get("mental_health", {}), data.get("risks", {})
        for key, check in self.routes.items():
            check.setChecked(key in s.get("routes", ()))
        self.amount.setText(s.get("typical_amount", ""))
        self.frequency.setCurrentIndex(max(0, self.frequency.findData(s.get("frequency"))))
        months = s.get("duration_months")
        self.years.setValue(months // 12 if isinstance(months, int) else -1)
        self.months.setValue(months % 12 if isinstance(months, int) else -1)
        when = s.get("last_use_at")
        self.last_use.setText(
            datetime.fromisoformat(when).astimezone().strftime(LOCAL_TIME_FORMATS[0])
            if when
            else ""
        )
        self.last_use_unknown.setChecked(bool(s.get("last_use_unknown")))
        for key, check in self.others.items():
            check.setChecked(key in s.get("other_substances", ()))
        self.others_detail.setText(s.get("other_substances_detail", ""))
        self.attempts.setValue(_or_unset(s.get("previous_detox_attempts")))
        self.alcohol_recent.setChecked(bool(s.get("alcohol_recent")))
        drink = s.get("last_drink_at")
        self.last_drink.setText(
            datetime.fromisoformat(drink).astimezone().strftime(LOCAL_TIME_FORMATS[0])
            if drink
            else ""
        )
        self.opioids_recent.setChecked(bool(s.get("opioids_recent")))
        self.benzodiazepines_regular.setChecked(bool(s.get("benzodiazepines_regular")))
        self.substance_notes.setPlainText(s.get("notes", ""))
        for key, check in self.urinary.items():
            check.setChecked(key in p.get("urinary_symptoms", ()))
        for key, check in self.red_flags.items():
            check.setChecked(key in p.get("urinary_red_flags", ()))
        self.bladder_pain.setValue(_or_unset(p.get("bladder_pain_score")))
        self.k_cramps.setChecked(bool(p.get("k_cramps")))
        self.abdominal_pain.setValue(_or_unset(p.get("abdominal_pain_score")))
        self.nkda.setChecked(bool(p.get("no_known_allergies")))
        self.allergies.setText(p.get("allergies", ""))
        self.conditions.setText(p.get("other_conditions", ""))
        self.medication.setPlainText(p.get("current_medication", ""))
        self.falls.setChecked(bool(p.get("falls_risk")))
        self.falls_reason.setText(p.get("falls_reason", ""))
        self.pregnant.setChecked(bool(p.get("pregnant")))
        self.physical_notes.setPlainText(p.get("notes", ""))
        for key, check in self.diagnoses.items():
            check.setChecked(key in m.get("diagnoses", ()))
        self.diagnoses_other.setText(m.get("diagnoses_other", ""))
        self.psychosis.setChecked(bool(m.get("psychosis_history")))
        self.hallucinations.setChecked(bool(m.get("hallucinations_history")))
        self.psychosis_detail.setText(m.get("psychosis_detail", ""))
        self.self_harm.setChecked(bool(m.get("self_harm_history")))
        self.self_harm_detail.setText(m.get("self_harm_detail", ""))
        self.cssrs.set_values(m.get("cssrs"), m.get("cssrs_not_done_reason", ""))
        self.screens.phq9.set_values(m.get("phq9"))
        self.screens.gad7.set_values(m.get("gad7"))
        self.mental_notes.setPlainText(m.get("notes", ""))
        self.extra_flags.setText(", ".join(r.get("extra_flags", ())))
        self.risk_notes.setPlainText(r.get("notes", ""))

    # -- problems -----------------------------------------------------------------------------

    def show_problems(self, problems: Mapping[str, str]) -> QWidget | None:
        """Mark the fields the domain refused, and their tabs ("⚠ 2"); returns the first
        refused field (its tab is shown)."""
        first: QWidget | None = None
        counts = [0] * len(self._pages)
        for key, (tab, widget) in self._fields.items():
            message = problems.get(key)
            set_style_property(widget, "invalid", "true" if message else "false")
            widget.setToolTip(nurse_message(key, message) if message else "")
            counts[tab] += 1 if message else 0
        for tab, (page, title) in enumerate(zip(self._pages, self._titles, strict=True)):
            self.setTabText(
                self.indexOf(page), f"{title}  ⚠ {counts[tab]}" if counts[tab] else title
            )
        for key in problems:
            if key in self._fields and first is None:
                tab, first = self._fields[key]
                self.setCurrentWidget(self._pages[tab])
        return first

    def field_keys(self) -> set[str]:
        return set(self._fields)

    def problems_on_current_tab(self, problems: Mapping[str, str]) -> list[str]:
        """The messages for the fields on the tab in front, as the nurse reads them."""
        current = self.currentWidget()
        return [
            nurse_message(key, message)
            for key, message in problems.items()
            if key in self._fields and self._pages[self._fields[key][0]] is current
        ]

    # -- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_changed(self) -> None:
        self._sync()
        self.changed.emit()

    def set_admitted_at(self, admitted_at: datetime | None) -> None:
        """The admission time the 'last use' hint measures from (None: now)."""
        self._admitted_at = admitted_at
        self._sync()

    def _sync(self) -> None:
        self.last_use.setEnabled(not self.last_use_unknown.isChecked())
        self.others_detail.setEnabled(self.others["other"].isChecked())
        for key, check in (
            ("alcohol", self.alcohol_recent),
            ("opioids", self.opioids_recent),
            ("benzodiazepines", self.benzodiazepines_regular),
        ):
            check.setEnabled(self.others[key].isChecked() or check.isChecked())
        self.last_drink.setEnabled(self.alcohol_recent.isChecked())
        self.diagnoses_other.setEnabled(self.diagnoses["other"].isChecked())
        self.falls_reason.setEnabled(self.falls.isChecked())
        self.allergies.setEnabled(not self.nkda.isChecked())
        self.abdominal_pain.setEnabled(self.k_cramps.isChecked())
        self.last_use_hint.setText(self._last_use_hint())

    def _co_use_values(self) -> dict[str, Any]:
        """Co-use details, sent only when ticked (the domain names any that do not fit)."""
        text = self.last_drink.text().strip()
        when = parse_local_time(text) if text else None
        alcohol = self.alcohol_recent.isChecked()
        return {
            "alcohol_recent": alcohol,
            "last_drink_at": ((when.isoformat() if when else text) or None) if alcohol else None,
            "opioids_recent": self.opioids_recent.isChecked(),
            "benzodiazepines_regular": self.benzodiazepines_regular.isChecked(),
        }

    def _last_use_hint(self) -> str:
        if self.last_use_unknown.isChecked():
            return "Last use not known: watch for withdrawal from admission."
        text = self.last_use.text().strip()
        if not text:
            return "Day and time, as the patient reports it."
        when = parse_local_time(text)
        if when is None:
            return "Type the day and time as DD/MM/YYYY HH:MM."
        reference = self._admitted_at or datetime.now().astimezone()
        hours = (reference - when).total_seconds() / 3600
        if hours < 0:
            return "That is after the admission time — check the date."
        return (
            f"{hours:.0f} h before admission. Withdrawal onset is reported roughly 24–48 h "
            "after last use (low-certainty evidence)."
        )


def _if(check: QCheckBox, text: str) -> str:
    """Text that only counts while its box is ticked (a disabled field is not an answer)."""
    return text if check.isChecked() else ""


def _spin(spin: QSpinBox) -> int | None:
    return None if spin.value() < 0 else spin.value()


def _or_unset(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1
