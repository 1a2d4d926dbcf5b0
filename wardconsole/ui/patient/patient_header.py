"""Who the patient is and how they are now: the band across the top of every patient view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from wardconsole.domain.intake import badge_text, flag_rank
from wardconsole.domain.records import ATTENTION_SIGN
from wardconsole.services.views import CensusRow
from wardconsole.ui import formatting as fmt
from wardconsole.ui.census.census_model import DUE_SOON
from wardconsole.ui.widgets.style_property import set_style_property

ACTION_COLUMNS = 3
"""The patient's actions sit in a grid of this many columns beside the header: in one row a
dozen buttons pushed the window past a 1366-px screen."""


class PatientHeader(QFrame):
    """Name, bed, age, detox day, NEWS2 band, top escalation, last obs and next due.

    Built from a ``CensusRow`` and the snapshot time, so any window that has the census row can
    show it (the patient window now, chart windows later).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PatientHeader")
        self._name = self._label("patient_name")
        self._bed = self._label("bed", badge=True)
        self._flags = self._label("flags")
        self._facts = self._label("facts")
        self._news2 = self._label("news2", badge=True)
        self._symptoms = self._label("symptoms", badge=True)
        self._escalation = self._label("escalation", badge=True)
        self._last_obs = self._label("last_obs", badge=True)
        self._next_due = self._label("next_due", badge=True)
        self._after_prn = self._label("after_prn", badge=True)
        self._decisions = self._label("decisions")
        self._decisions.setWordWrap(True)
        self._flags.setWordWrap(True)
        self._facts.setWordWrap(True)  # beside the action buttons it may take two lines

        top = QHBoxLayout()
        top.addWidget(self._name)
        top.addWidget(self._bed)
        top.addWidget(self._flags, 1)
        self._top = top
        # Two rows of badges: how the patient is, then what is due. In one row their risk words
        # would either be cut or push the window past a 1366-px screen.
        status = QVBoxLayout()
        status.setSpacing(6)
        for badges in (
            (self._news2, self._escalation, self._symptoms),
            (self._last_obs, self._next_due, self._after_prn),
        ):
            row = QHBoxLayout()
            for label in badges:
                row.addWidget(label)
            row.addStretch(1)
            status.addLayout(row)
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addLayout(top)
        left.addWidget(self._facts)
        left.addWidget(self._decisions)
        left.addLayout(status)
        self._actions = QGridLayout()
        self._actions.setSpacing(4)
        self._actions.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(12)
        layout.addLayout(left, 1)
        layout.addLayout(self._actions)

    def add_actions(self, actions: Sequence[QAction]) -> None:
        """Buttons for things to do for this patient (record, PRN, history), top right, in
        ``ACTION_COLUMNS`` columns."""
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setObjectName(f"button_{action.objectName()}")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")
            at = self._actions.count()
            self._actions.addWidget(button, at // ACTION_COLUMNS, at % ACTION_COLUMNS)

    @staticmethod
    def _label(name: str, *, badge: bool = False) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setProperty("badge", badge)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def texts(self) -> dict[str, str]:
        """Every label's text by name, as a nurse reads it."""
        return {label.objectName(): label.text() for label in self.findChildren(QLabel)}

    def set_row(self, row: CensusRow, now: datetime) -> None:
        """Show ``row`` as of ``now`` (the census snapshot time)."""
        self._name.setText(row.patient_name)
        self._bed.setText(f"Bed {row.bed}")
        flags = sorted(row.risk_flags, key=flag_rank)
        self._flags.setText("   ".join(f"⚑ {flag}" for flag in flags))
        self._flags.setToolTip("Risk flags from the intake" if flags else "")
        suicide = any(badge_text(flag).startswith("Suicide") for flag in flags)
        set_style_property(self._flags, "tone", "alert" if suicide else "soon")
        nurse = row.assigned_nurse or "unassigned"
        self._facts.setText(
            f"Age {row.age}  ·  Detox day {row.detox_day}  ·  Hospital no. {row.hospital_number}"
            f"  ·  Admitted {fmt.local_datetime_text(row.admitted_at)}  ·  Nurse: {nurse}"
        )
        self._set_news2(row)
        self._set_escalation(row)
        self._symptoms.setText(
            f"Symptoms {row.symptom_total}/{row.symptom_max}"
            if row.symptom_total is not None
            else "Symptoms —"
        )
        last = row.last_obs_at
        self._last_obs.setText(
            f"Last obs {fmt.ago_text(last, now)} ({fmt.local_time_text(last)})"
            if last is not None
            else "No obs yet"
        )
        self._set_next_due(row, now)
        self._set_after_prn(row, now)
        self._set_decisions(row)

    def _set_decisions(self, row: CensusRow) -> None:
        """A clinician's decisions in force and where NEWS2 is not validated (still scored)."""
        parts = list(row.clinical_decisions)
        if row.news2_not_validated:
            parts.append(
                "NEWS2 not validated: " + ", ".join(row.news2_not_validated) + " (still scored)"
            )
        self._decisions.setText("   ".join(f"{ATTENTION_SIGN} {part}" for part in parts))
        self._decisions.setVisible(bool(parts))
        set_style_property(self._decisions, "tone", "soon")

    def _set_after_prn(self, row: CensusRow, now: datetime) -> None:
        """After a PRN dose: the rapid-tranquillisation check or the RASS that is due."""
        if row.rt_next_due_at is not None:
            due = row.rt_next_due_at
            text = f"Rapid tranquillisation: checks every {row.rt_interval_minutes} min"
            if row.rt_not_possible:
                text += ", last attempt asleep — not done"
            text += f"; next {fmt.due_text(due, now)} ({fmt.local_time_text(due)})"
        elif row.post_prn_rass_due_at is not None:
            due = row.post_prn_rass_due_at
            text = f"RASS after PRN {fmt.due_text(due, now)} ({fmt.local_time_text(due)})"
        else:
            self._after_prn.setVisible(False)
            return
        self._after_prn.setText(text)
        self._after_prn.setVisible(True)
        overdue = fmt.is_overdue(due, now)
        set_style_property(self._after_prn, "tone", "alert" if overdue else "soon")

    def _set_news2(self, row: CensusRow) -> None:
        if row.news2_incomplete:
            # A newer incomplete set scores higher: its lower bound, never a total.
            text = (
                f"NEWS2 incomplete — at least {row.news2_at_least}  "
                f"{fmt.news2_band_text(row.news2_bound_risk)}"
            )
            self._news2.setText(text)
            self._news2.setToolTip(row.news2_bound_detail)
            set_style_property(self._news2, "band", row.news2_bound_risk or "none")
            return
        self._news2.setToolTip("")
        if row.news2_total is None:
            text = "NEWS2 — incomplete" if row.latest_set_partial else "NEWS2 —"
            band = "none"
        else:
            text = f"NEWS2 {row.news2_total}  {fmt.news2_band_text(row.news2_risk)}".rstrip()
            if row.latest_set_partial:
                text += " · latest set incomplete"
            band = row.news2_risk or "none"
        self._news2.setText(text)
        set_style_property(self._news2, "band", band)

    def _set_escalation(self, row: CensusRow) -> None:
        top = row.top_escalation
        if top is None:
            self._escalation.setText("No open escalations")
            set_style_property(self._escalation, "severity", "none")
            return
        more = len(row.open_escalations) - 1
        text = f"{fmt.severity_text(top.severity)} · {top.kind.label}"
        self._escalation.setText(text + (f"  +{more}" if more else ""))
        set_style_property(self._escalation, "severity", top.severity.name.lower())

    def _set_next_due(self, row: CensusRow, now: datetime) -> None:
        due = row.next_obs_due_at
        if due is None:
            self._next_due.setText("Next obs: none scheduled")
            tone = "muted"
        else:
            self._next_due.setText(
                f"Next obs {fmt.due_text(due, now)} ({fmt.local_time_text(due)})"
            )
            if fmt.is_overdue(due, now):
                tone = "alert"
            elif due - now <= DUE_SOON:
                tone = "soon"
            else:
                tone = "neutral"
        set_style_property(self._next_due, "tone", tone)
