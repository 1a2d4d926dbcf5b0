"""Recording a bedside round for one patient: vital signs, withdrawal chart, RASS, 4AT, note.

Keyboard first: the time field, then the vital signs in chart order, the chart items, RASS,
the four 4AT items and the note are one Tab chain, and Enter saves from anywhere. NEWS2 and the
chart total update as values are typed; a value that scores is coloured with its score beside
it. The domain decides what is impossible (refused, field named) and what is extreme (recorded
only once "re-measured" is ticked); a value that looks like °F is never converted — the °C
value is offered as a button.

Saving is one ``RecordingService.record_round`` call (one transaction) on the background worker.
The dialog says "Saving…", then "Saved at 03:12" with the NEWS2 result and any escalation the
round raised; if the database is busy or unreachable it says so, keeps everything and retries
with the same save key (so a try that did commit is never recorded twice).

The same dialog corrects a saved vital-sign set (``amending``): it starts from the original
values, needs a reason, and saves through ``RecordingService.amend_observation``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.co_use import alcohol_timing
from wardconsole.domain.entry_scoring import LiveNews2, live_news2
from wardconsole.domain.news2 import PARAMETERS, RISK_LABELS
from wardconsole.domain.records import VitalSigns
from wardconsole.domain.validation import ValidationReport, validate_vitals
from wardconsole.services.context import InvalidInput, ServiceError
from wardconsole.services.history import HistoryEntry, PatientBrief
from wardconsole.services.recording import RoundEntry, RoundResult, SaveResult
from wardconsole.services.safe_saves import QueuedSave
from wardconsole.ui import formatting as fmt
from wardconsole.ui.bedside.entry_assessments import AssessmentsPanel
from wardconsole.ui.bedside.entry_chart import ChartPanel
from wardconsole.ui.bedside.entry_co_use import CoUsePanel
from wardconsole.ui.bedside.entry_save import EntrySaver, SaveState, SaveStatusPanel
from wardconsole.ui.bedside.entry_time import TakenAtEdit
from wardconsole.ui.bedside.entry_vitals import FIELD_LABELS, VitalSignsPanel
from wardconsole.ui.bedside.shared import (
    Bedside,
    confirm_discard,
    field_message,
    queued_text,
)
from wardconsole.ui.tasks import TaskHandle
from wardconsole.ui.theme import FormKind, mark_form
from wardconsole.ui.widgets.follows_session import SessionLabel
from wardconsole.ui.widgets.style_property import set_style_property

BRIEF_RETRY_MS = 3000
"""Reading the patient's SpO2 scale is retried this often while the database is away."""

_NEWS2_LABELS = dict(FIELD_LABELS)


class ObservationDialog(QDialog):
    """Record (or correct) one patient's bedside observations; see the module docstring."""

    def __init__(
        self,
        bedside: Bedside,
        admission_id: int,
        title: str,
        *,
        amending: HistoryEntry | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ObservationDialog")
        self._bedside = bedside
        self._admission_id = admission_id
        self._amending = amending
        self._brief: PatientBrief | None = None
        self._brief_handle: TaskHandle | None = None
        self._save_key = uuid.uuid4().hex
        self._shown_fields: set[str] = set()
        self._report: ValidationReport | None = None
        self.result_value: RoundResult | SaveResult | QueuedSave | None = None
        self.setWindowTitle(
            f"{'Correct observation set' if amending else 'Record observations'} — {title}"
        )
        mark_form(self, FormKind.ENTRY)

        self._saver = EntrySaver(bedside.runner, self)
        self._brief_timer = QTimer(self)
        self._brief_timer.setSingleShot(True)
        self._brief_timer.setInterval(BRIEF_RETRY_MS)
        self._build(title)
        self._connect_signals()
        if amending is not None:
            self._start_amending(amending)
        self._refresh()
        self._load_brief()
        self.vitals.first_input().setFocus(Qt.FocusReason.OtherFocusReason)
        # Fits a 1366 × 768 screen with a taskbar, window frame included.
        self.resize(1320 if amending is None else 720, 680 if amending is None else 640)

    # -- public ---------------------------------------------------------------------------------

    @classmethod
    def ask(
        cls,
        bedside: Bedside,
        admission_id: int,
        title: str,
        *,
        amending: HistoryEntry | None = None,
        parent: QWidget | None = None,
    ) -> RoundResult | SaveResult | QueuedSave | None:
        """Show the dialog modally; the saved (or queued) result, or None when nothing was."""
        dialog = cls(bedside, admission_id, title, amending=amending, parent=parent)
        dialog.exec()
        result = dialog.result_value
        dialog.setParent(None)  # the local reference is its only owner from here
        return result

    @property
    def saver(self) -> EntrySaver:
        return self._saver

    @property
    def brief(self) -> PatientBrief | None:
        return self._brief

    def news2_text(self) -> str:
        return self._news2.text()

    def status_text(self) -> str:
        return self.status.text()

    def save(self) -> None:
        """Check the form and, when it is complete enough, save it in the background."""
        if self._saver.state is SaveState.SAVED:
            self.accept()
            return
        if self._saver.state in (SaveState.SAVING, SaveState.WAITING):
            return
        self._saver.reset()
        problems, focus = self._local_problems()
        if problems:
            self._show_refusal(problems, focus)
            return
        work = self._work()
        self._set_editing(False)
        self._saver.start(work)

    # -- layout ---------------------------------------------------------------------------------

    def _build(self, title: str) -> None:
        patient = QLabel(title)
        patient.setObjectName("entry_patient")
        self._scale = QLabel("SpO₂ scale: checking…")
        self._scale.setObjectName("entry_scale")
        self._scale.setProperty("chip", True)
        who = SessionLabel(lambda: self._bedside.recording_as)
        who.setObjectName("entry_actor")
        set_style_property(who, "tone", "muted")
        header = QHBoxLayout()
        header.addWidget(patient)
        header.addWidget(self._scale)
        header.addStretch(1)
        header.addWidget(who)

        self.taken_at = TakenAtEdit(self._bedside.clock)
        taken_label = QLabel("Time ta&ken")
        taken_label.setBuddy(self.taken_at.edit)
        self._news2 = QLabel()
        self._news2.setObjectName("entry_news2")
        self._news2.setProperty("chip", True)
        self._symptom_total = QLabel()
        self._symptom_total.setObjectName("entry_symptom_total")
        when = QHBoxLayout()
        when.addWidget(taken_label)
        when.addWidget(self.taken_at)
        when.addStretch(1)
        when.addWidget(self._symptom_total)
        when.addSpacing(12)
        when.addWidget(self._news2)

        self.vitals = VitalSignsPanel()
        self._partial_note = QLabel()
        self._partial_note.setObjectName("entry_partial")
        self._partial_note.setWordWrap(True)
        vitals_box = QGroupBox("Vital signs (NEWS2)")
        vitals_layout = QVBoxLayout(vitals_box)
        vitals_layout.setContentsMargins(8, 4, 8, 4)
        vitals_layout.addWidget(self.vitals)
        vitals_layout.addWidget(self._partial_note)

        self.assessments = AssessmentsPanel()
        self._assessments_box = QGroupBox("Sedation (RASS) and delirium (4AT)")
        _box_layout(self._assessments_box).addWidget(self.assessments)
        self.co_use = CoUsePanel()
        self._co_use_box = QGroupBox("Co-used substances: alcohol (CIWA-Ar), opioids (COWS)")
        self._co_use_box.setObjectName("co_use_box")
        _box_layout(self._co_use_box).addWidget(self.co_use)
        self._co_use_box.setVisible(False)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        left_layout.addWidget(vitals_box)
        left_layout.addWidget(self._assessments_box)
        left_layout.addWidget(self._co_use_box)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("entry_left")
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.chart = ChartPanel(self._bedside.recording.chart)
        self._chart_box = QGroupBox(self.chart.title)
        _box_layout(self._chart_box).addWidget(self.chart)

        columns = QHBoxLayout()
        columns.addWidget(scroll, 11)
        columns.addWidget(self._chart_box, 12)

        self.note = QLineEdit()
        self.note.setObjectName("entry_note")
        self.note.setMaxLength(1000)
        self.note.setPlaceholderText("Free-text note (optional)")
        self.reason = QLineEdit()
        self.reason.setObjectName("amend_reason")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Why is this set being corrected? (required)")
        note_row = QHBoxLayout()
        note_label = QLabel("N&ote")
        note_label.setBuddy(self.note)
        reason_label = QLabel("R&eason for correction")
        reason_label.setBuddy(self.reason)
        for widget in (note_label, self.note, reason_label, self.reason):
            note_row.addWidget(widget)
        amending = self._amending is not None
        note_label.setVisible(not amending)
        self.note.setVisible(not amending)
        reason_label.setVisible(amending)
        self.reason.setVisible(amending)
        if amending:
            self._chart_box.setVisible(False)
            self._assessments_box.setVisible(False)

        self.status = SaveStatusPanel(self._saver)
        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("save_button")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setAutoDefault(False)
        self.stop_button = QPushButton("S&top retrying")
        self.stop_button.setAutoDefault(False)
        self.stop_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(5)
        layout.addLayout(header)
        layout.addLayout(when)
        layout.addLayout(columns, 1)
        layout.addLayout(note_row)
        layout.addLayout(buttons)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.taken_at.edit, self.taken_at.now_button]
        for row in self.vitals.rows.values():
            chain += [row.input, row.reason, row.confirm, row.suggest]
        chain.append(self.vitals.all_reason)
        if self._amending is None:
            chain += [self.assessments.rass, *self.assessments.four_at.values()]
            chain += [c for p in (self.co_use.ciwa_ar, self.co_use.cows) for c in p.combos.values()]
            chain += list(self.chart.spins.values())
            chain.append(self.note)
        else:
            chain.append(self.reason)
        chain += [self.status.retry_button, self.stop_button, self.save_button, self.cancel_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect_signals(self) -> None:
        self._brief_timer.timeout.connect(self._load_brief)
        self.vitals.values_changed.connect(self._on_form_changed)
        self.vitals.field_left.connect(self._on_field_left)
        self.chart.ratings_changed.connect(self._on_form_changed)
        self.assessments.answers_changed.connect(self._on_form_changed)
        self.co_use.answers_changed.connect(self._on_form_changed)
        self.taken_at.taken_at_changed.connect(self._on_form_changed)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.stop_button.clicked.connect(self._on_stop_retrying)
        self.status.retry_requested.connect(self._saver.retry_now)
        self._saver.state_changed.connect(self._on_save_state_changed)
        self._saver.saved.connect(self._on_saved)
        self._saver.refused.connect(self._on_refused)
        save_shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        save_shortcut.activated.connect(self.save)

    # -- live checking --------------------------------------------------------------------------

    @Slot()
    def _on_form_changed(self) -> None:
        if self._saver.state is SaveState.REFUSED:
            self._saver.reset()
        self._refresh()

    @Slot(str)
    def _on_field_left(self, name: str) -> None:
        self._shown_fields.add(name)
        self._refresh()

    def _scale_value(self) -> int:
        return self._brief.spo2_scale if self._brief is not None else 1

    def _refresh(self) -> None:
        """Re-check the vital signs and re-score NEWS2 as typed (pure domain, no database)."""
        report = validate_vitals(
            {**self.vitals.values(), "spo2_scale": self._scale_value()},
            confirmed=self.vitals.confirmed(),
        )
        self._report = report
        problems = {p.field: p for p in (*report.errors, *report.needs_confirmation)}
        clean = {
            k: v
            for k, v in report.values.items()
            if k not in problems or problems[k] in report.needs_confirmation
        }
        vitals = _vitals_from(clean, self._scale_value())
        live = live_news2(vitals)
        for name, row in self.vitals.rows.items():
            waiting = name in live.waiting_for or (
                name == "spo2" and self._brief is None and row.has_value
            )
            row.show_score(None if waiting else live.parameter_scores.get(name), waiting=waiting)
            problem = problems.get(name)
            if problem is not None and name in self._shown_fields:
                held = problem in report.needs_confirmation
                row.show_problem(
                    field_message(name, problem.message, _NEWS2_LABELS),
                    tone="soon" if held and problem.confirmable else "alert",
                    confirmable=held and problem.confirmable,
                    suggestion=problem.suggestion,
                )
            elif name in self.vitals.confirmed() and name in report.confirmed:
                row.show_problem(
                    "Extreme value: recorded as re-measured and confirmed",
                    tone="soon",
                    confirmable=True,
                )
            else:
                row.clear_problem()
        self._show_news2(live, vitals)
        self._symptom_total.setText(self.chart.total_text)

    def _show_news2(self, live: LiveNews2, vitals: VitalSigns) -> None:
        result = live.result
        if result is not None and self._brief is not None:
            self._news2.setText(
                f"NEWS2 {result.total}  {fmt.news2_band_text(result.risk)} · "
                f"{RISK_LABELS[result.risk]}"
            )
            set_style_property(self._news2, "band", result.risk)
            self._partial_note.setText("")
            return
        set_style_property(self._news2, "band", "none")
        known = len(live.parameter_scores)
        if result is not None:
            self._news2.setText("NEWS2: waiting for the patient's SpO₂ scale")
        elif not self.vitals.any_entered():
            self._news2.setText("NEWS2: no vital signs entered")
        elif live.bound is not None and self._brief is not None:
            # What the values typed so far already score: a lower bound, never a total.
            bound = live.bound
            self._news2.setText(
                f"NEWS2 incomplete — at least {bound.at_least}  "
                f"{fmt.news2_band_text(bound.risk)} · {RISK_LABELS[bound.risk]}"
            )
            set_style_property(self._news2, "band", bound.risk)
        else:
            self._news2.setText(f"NEWS2 incomplete ({known} of {len(PARAMETERS)} parameters)")
        missing = [FIELD_LABELS[n] for n in vitals.missing_fields()]
        if self.vitals.any_entered() and missing:
            alarm = ""
            if live.bound is not None and self._brief is not None and live.bound.risk != "low":
                alarm = (
                    f" The values taken already score at least {live.bound.at_least} "
                    f"({live.bound.risk}): saving it escalates as such."
                )
            self._partial_note.setText(
                "PARTIAL SET if saved like this — no NEWS2 total; choose why each blank value "
                f"was not taken ({', '.join(missing)}). A re-check will be due sooner.{alarm}"
            )
            set_style_property(self._partial_note, "tone", "alert" if alarm else "soon")
        else:
            self._partial_note.setText("")

    # -- saving ---------------------------------------------------------------------------------

    def _local_problems(self) -> tuple[dict[str, str], QWidget | None]:
        """Everything that stops a save, by field, and the widget to fix first."""
        self._shown_fields.update(self.vitals.rows)
        self._refresh()
        report = self._report
        assert report is not None
        problems: dict[str, str] = {}
        focus: QWidget | None = None
        time_problem = self.taken_at.problem()
        if time_problem:
            problems["taken_at"] = time_problem
            focus = self.taken_at.edit
        for problem in (*report.errors, *report.needs_confirmation):
            if problem.field in self.vitals.rows:
                row = self.vitals.rows[problem.field]
                problems[problem.field] = field_message(
                    problem.field, problem.message, _NEWS2_LABELS
                )
                target = row.confirm if row.confirm.isVisible() else row.input
                focus = focus or target
        if self.vitals.any_entered() or self._amending is not None:
            reasons = self.vitals.missing_reasons()
            for name in PARAMETERS:
                row = self.vitals.rows[name]
                if not row.has_value and name not in reasons and name not in problems:
                    message = (
                        f"{FIELD_LABELS[name]}: not taken — enter a value or choose "
                        "why it was not taken"
                    )
                    problems[name] = message
                    row.show_problem(message)
                    focus = focus or row.reason
        for key, message in self.assessments.problems().items():
            problems[key] = message
            self.assessments.show_problem(message)
            focus = focus or next(iter(self.assessments.four_at.values()))
        for key, message in self.co_use.problems().items():
            problems[key] = message
            self.co_use.show_problem(message)
            focus = focus or self.co_use.first_input()
        if self._amending is not None and not self.reason.text().strip():
            problems["reason"] = "Reason for correction: say why the set is being corrected"
            focus = focus or self.reason
        if (
            not problems
            and self._amending is None
            and not (
                self.vitals.any_entered()
                or self.chart.ratings()
                or self.assessments.answers()
                or self.co_use.answers()
            )
        ):
            problems["round"] = "Nothing to save yet: enter at least one value"
            focus = self.vitals.first_input()
        return problems, focus

    def _work(self) -> Any:
        """The blocking save call for the worker, built from the form as it is now."""
        recording, actor = self._bedside.recording, self._bedside.acting()
        values = dict(self.vitals.values())
        reasons = self.vitals.missing_reasons()
        confirmed = frozenset(self.vitals.confirmed())
        if self._amending is not None:
            entry_id, reason = self._amending.id, self.reason.text().strip()
            values["spo2_scale"] = self._amending.values.get("spo2_scale", 1)

            def amend() -> SaveResult:
                return recording.amend_observation(
                    actor,
                    entry_id,
                    values,
                    reason=reason,
                    missing_reasons=reasons,
                    confirmed=confirmed,
                )

            return amend
        entry = RoundEntry(
            vitals=values if self.vitals.any_entered() else None,
            missing_reasons=reasons,
            confirmed=confirmed,
            symptoms=self.chart.ratings() or None,
            assessments={**self.assessments.answers(), **self.co_use.answers()},
            note=self.note.text().strip(),
        )
        admission_id, key = self._admission_id, self._save_key
        taken_at = self.taken_at.taken_at()

        saves, bed = self._bedside.saves, self._brief.bed if self._brief is not None else ""

        def record() -> RoundResult | QueuedSave:
            if saves is not None:  # kept on this station if the database is unavailable
                return saves.save_round(
                    actor, admission_id, entry, save_key=key, taken_at=taken_at, bed=bed
                )
            return recording.record_round(
                actor, admission_id, entry, save_key=key, taken_at=taken_at
            )

        return record

    def _show_refusal(self, problems: Mapping[str, str], focus: QWidget | None) -> None:
        first = next(iter(problems.values()))
        more = f" (and {len(problems) - 1} more marked below)" if len(problems) > 1 else ""
        self.status.show_message(f"✖ Not saved — {first}{more}", "alert")
        if focus is not None:
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _on_save_state_changed(self, state: SaveState) -> None:
        self.stop_button.setVisible(state is SaveState.WAITING)
        self.cancel_button.setEnabled(state is not SaveState.SAVING)
        if state is SaveState.EDITING:
            self._set_editing(True)

    @Slot(object)
    def _on_saved(self, result: RoundResult | SaveResult | QueuedSave) -> None:
        self.result_value = result
        self.status.show_message(saved_text(result), "ok")
        self.save_button.setText("&Close")
        self.cancel_button.setVisible(False)
        self.save_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _on_refused(self, error: ServiceError) -> None:
        self._set_editing(True)
        problems: dict[str, str] = {}
        focus: QWidget | None = None
        if isinstance(error, InvalidInput):
            for key, message in error.problems.items():
                text = field_message(key, message, _NEWS2_LABELS)
                if key in self.vitals.rows:
                    self.vitals.rows[key].show_problem(text)
                    focus = focus or self.vitals.rows[key].input
                elif key in ("4at", "rass"):
                    self.assessments.show_problem(text)
                elif key in ("ciwa_ar", "cows"):
                    self.co_use.show_problem(text)
                problems[key] = text
        else:
            problems["error"] = str(error)
        self._show_refusal(problems, focus)

    @Slot()
    def _on_stop_retrying(self) -> None:
        self._saver.stop_retrying()
        self.status.show_message(
            "✖ NOT SAVED. What you typed is still here: press Save to try again.", "alert"
        )

    def _set_editing(self, editable: bool) -> None:
        self.vitals.set_read_only(not editable)
        self.chart.set_read_only(not editable)
        self.assessments.set_read_only(not editable)
        self.co_use.set_read_only(not editable)
        self.taken_at.set_read_only(not editable)
        self.note.setReadOnly(not editable)
        self.reason.setReadOnly(not editable)

    # -- the patient and the correction ---------------------------------------------------------

    def _start_amending(self, entry: HistoryEntry) -> None:
        values = {name: entry.values.get(name) for name in self.vitals.rows}
        self.vitals.load(values, entry.values.get("missing_reasons") or {})
        self.taken_at.set_taken_at(entry.taken_at)
        self.taken_at.set_read_only(True)
        self._shown_fields.update(n for n, v in values.items() if v is not None)

    def _load_brief(self) -> None:
        self._brief_handle = self._bedside.runner.run(
            self,
            lambda: self._bedside.history.patient(self._admission_id),
            on_success=self._on_brief_loaded,
            on_failure=self._on_brief_failed,
        )

    def _on_brief_loaded(self, brief: PatientBrief) -> None:
        self._brief = brief
        text = f"SpO₂ Scale {brief.spo2_scale}"
        if brief.spo2_scale == 2:
            target = f", target {brief.scale2_target}" if brief.scale2_target else ""
            by = f" by {brief.scale2_prescribed_by}" if brief.scale2_prescribed_by else ""
            text += f" (prescribed{by}{target})"
        self._scale.setText(text)
        set_style_property(self._scale, "band", "low-medium" if brief.spo2_scale == 2 else "none")
        self.vitals.set_scale_text(f"%  (Scale {brief.spo2_scale})")
        self._show_co_use(brief)
        if brief.discharged:
            self.status.show_message(
                "This patient has been discharged; the record is read-only.", "alert"
            )
            self.save_button.setEnabled(False)
        self._refresh()

    def _show_co_use(self, brief: PatientBrief) -> None:
        """CIWA-Ar for recent drinking, COWS for recent opioid use, as the intake says."""
        co_use = brief.co_use
        alcohol = co_use is not None and co_use.alcohol_recent
        opioids = co_use is not None and co_use.opioids_recent
        timing = ""
        if co_use is not None and alcohol:
            timing = "Alcohol: " + alcohol_timing(co_use, self._bedside.clock(), None)
        self.co_use.show_scales(
            alcohol=alcohol, opioids=opioids, band_scheme=brief.ciwa_band_scheme, timing=timing
        )
        self._co_use_box.setVisible((alcohol or opioids) and self._amending is None)

    def _on_brief_failed(self, error: BaseException) -> None:
        if isinstance(error, ServiceError):
            self._scale.setText(f"Patient not found: {error}")
            self.save_button.setEnabled(False)
            return
        self._scale.setText("SpO₂ scale: not known yet (database unavailable; retrying)")
        set_style_property(self._scale, "tone", "alert")
        self._brief_timer.start()

    # -- closing --------------------------------------------------------------------------------

    def reject(self) -> None:
        state = self._saver.state
        if state is SaveState.SAVING:
            self.status.show_message("Still saving — wait until this says Saved.", "busy")
            return
        if state is SaveState.SAVED:
            self.accept()
            return
        if self._has_input() and not self.discard_confirmed():
            return
        super().reject()

    def discard_confirmed(self) -> bool:
        """Ask whether unsaved input may be thrown away (tests replace this)."""
        return confirm_discard(self, "This entry")

    def done(self, code: int) -> None:
        self._saver.shutdown()
        if self._brief_handle is not None:
            self._brief_handle.cancel()
        self._brief_timer.stop()
        super().done(code)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._saver.state is SaveState.SAVING:
            event.ignore()
            self.status.show_message("Still saving — wait until this says Saved.", "busy")
            return
        super().closeEvent(event)

    def _has_input(self) -> bool:
        if self._amending is not None:
            return bool(self.reason.text().strip())
        return (
            self.vitals.any_entered()
            or bool(self.chart.ratings())
            or self.assessments.any_entered()
            or self.co_use.any_entered()
            or bool(self.note.text().strip())
        )


def saved_text(result: RoundResult | SaveResult | QueuedSave) -> str:
    """The confirmation a nurse reads: when it was saved, what it scored, what it raised."""
    if isinstance(result, QueuedSave):
        return queued_text(result)
    if isinstance(result, RoundResult):
        parts = [f"✔ SAVED at {fmt.local_time_text(result.saved_at)}"]
        if result.already_saved:
            parts[0] += " (the earlier try had gone through; recorded once)"
        if result.news2 is not None:
            parts.append(f"NEWS2 {result.news2.total} ({RISK_LABELS[result.news2.risk]})")
        elif result.partial:
            due = fmt.local_time_text(result.next_obs_due_at)
            parts.append(f"PARTIAL set, no NEWS2 score — re-check due by {due}")
            if result.news2_bound is not None and result.news2_bound.at_least:
                parts.append(f"NEWS2 {result.news2_bound.text}")
        if result.symptom_total is not None:
            parts.append(f"chart total {result.symptom_total}")
        escalations = result.escalations
    else:
        parts = ["✔ SAVED correction"]
        if result.news2 is not None:
            parts.append(f"NEWS2 {result.news2.total} ({RISK_LABELS[result.news2.risk]})")
        escalations = result.escalations
    if escalations:
        raised = ", ".join(f"{c.kind.label} ({c.severity.label.lower()})" for c in escalations)
        parts.append(f"Escalation raised: {raised}")
    return " · ".join(parts)


def _box_layout(box: QGroupBox) -> QVBoxLayout:
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 4, 8, 4)
    return layout


def _vitals_from(clean: Mapping[str, object], scale: int) -> VitalSigns:
    """A VitalSigns of the values that passed checking (others left out)."""
    temperature = clean.get("temperature")
    return VitalSigns(
        respiration_rate=clean.get("respiration_rate"),  # type: ignore[arg-type]
        spo2=clean.get("spo2"),  # type: ignore[arg-type]
        spo2_scale=scale,
        on_oxygen=clean.get("on_oxygen"),  # type: ignore[arg-type]
        systolic_bp=clean.get("systolic_bp"),  # type: ignore[arg-type]
        diastolic_bp=clean.get("diastolic_bp"),  # type: ignore[arg-type]
        pulse=clean.get("pulse"),  # type: ignore[arg-type]
        consciousness=clean.get("consciousness"),  # type: ignore[arg-type]
        temperature=None if temperature is None else float(temperature),  # type: ignore[arg-type]
    )
