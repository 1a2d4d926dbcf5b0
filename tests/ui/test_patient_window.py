"""The patient window shows what the census knows about one patient, and keeps up with it."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.ui.escalations.escalation_model import EscalationColumn
from wardconsole.ui.patient.patient_header import PatientHeader
from wardconsole.ui.patient.patient_window import PatientWindow

from .factories import NOW, census_row, escalation


def make_patient_window(qtbot, row) -> PatientWindow:
    window = PatientWindow(row, NOW)
    qtbot.addWidget(window)
    return window


def test_the_header_says_who_and_how_they_are(qtbot) -> None:
    row = census_row(
        7,
        bed="B3",
        name="Felix Amundsen",
        age=48,
        detox_day=4,
        news2_total=6,
        news2_risk="medium",
        symptom_total=22,
        last_obs_ago=timedelta(hours=3, minutes=10),
        next_due_in=-timedelta(hours=1, minutes=5),
        risk_flags=("falls",),
        escalations=[escalation(EscalationKind.OVERDUE_OBS, Severity.URGENT)],
    )
    header = PatientHeader()
    qtbot.addWidget(header)
    header.set_row(row, NOW)
    texts = header.texts()
    assert texts["patient_name"] == "Felix Amundsen"
    assert texts["bed"] == "Bed B3"
    assert texts["flags"] == "⚑ falls"
    assert "Age 48" in texts["facts"] and "Detox day 4" in texts["facts"]
    assert texts["news2"] == "NEWS2 6  ◆ MED"
    assert texts["escalation"] == "◆ URGENT · Overdue observations"
    assert texts["symptoms"] == "Symptoms 22/109"
    assert texts["last_obs"].startswith("Last obs 3 h 10 min ago")
    assert texts["next_due"].startswith("Next obs OVERDUE 1 h 5 min")
    assert header.findChild(type(header._next_due), "next_due").property("tone") == "alert"
    assert header.findChild(type(header._news2), "news2").property("band") == "medium"


def test_an_incomplete_set_is_not_shown_as_a_score(qtbot) -> None:
    header = PatientHeader()
    qtbot.addWidget(header)
    header.set_row(census_row(news2_total=None, news2_risk=None, latest_set_partial=True), NOW)
    assert header.texts()["news2"] == "NEWS2 — incomplete"


def test_open_escalations_are_listed_with_their_reasons(qtbot) -> None:
    row = census_row(
        escalations=[
            escalation(EscalationKind.PANIC, Severity.URGENT, explanation="Panic score 8 at 02:20"),
            escalation(
                EscalationKind.HALLUCINATION,
                Severity.EMERGENCY,
                explanation="Command hallucinations reported",
                acknowledged_by="Dr P. Iyer",
            ),
        ]
    )
    window = make_patient_window(qtbot, row)
    model = window.escalation_model()
    assert model.rowCount() == 2
    top = [model.index(0, c).data() for c in EscalationColumn]
    assert top == [
        "▲ EMERGENCY",
        "Hallucination",
        "20 min ago",
        "Acknowledged by Dr P. Iyer",
        "Command hallucinations reported",
    ]
    assert model.index(1, EscalationColumn.DETAILS).data() == "Panic score 8 at 02:20"


def test_a_patient_without_escalations_says_so(qtbot) -> None:
    window = make_patient_window(qtbot, census_row())
    window.show()
    assert window.findChild(type(window._no_escalations), "no_escalations").isVisible()
    assert not window._escalations.isVisible()


def test_the_window_follows_the_census_and_notices_a_discharge(qtbot) -> None:
    window = make_patient_window(qtbot, census_row(news2_total=1, news2_risk="low"))
    window.show()
    later = NOW + timedelta(minutes=30)
    window.set_row(census_row(news2_total=7, news2_risk="high", now=NOW), later)
    assert window.header.texts()["news2"] == "NEWS2 7  ▲ HIGH"
    assert window.header.texts()["last_obs"].startswith("Last obs 1 h 30 min ago")
    window.set_discharged()
    assert window.discharged
    assert "no longer on the ward census" in window._notice.text()


def test_escape_closes_the_patient_window(qtbot) -> None:
    window = make_patient_window(qtbot, census_row())
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
