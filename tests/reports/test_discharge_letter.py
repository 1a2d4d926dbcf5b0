"""The discharge letter PDF on SQLite and PostgreSQL: the stay, medicines with the "confirm
against the prescription" line, risks (C-SSRS history, bladder red flags), the aftercare plan
(with reduced opioid tolerance and naloxone for an opioid co-user) and the follow-up; an export
that needs the permission, is audited, is owner-only and never prints the patient's phone."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.discharge_letter import MEDICINES_CAVEAT, DischargeLetter
from wardconsole.domain.follow_up import OPIOID_TOLERANCE_WARNING, AftercarePlan
from wardconsole.domain.intake import OPIOID_WITHDRAWAL
from wardconsole.interop.discharge_document import build_discharge_document
from wardconsole.reports.discharge_letter import build_discharge_letter, write_letter_pdf
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.context import Actor, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.medicines import MedicinesService
from wardconsole.services.recording import RecordingService
from wardconsole.services.sessions import SessionService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow

PHONE = "07700 900321"
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


def _stay(db: Database, nurse: Actor, clock: Clock) -> int:
    desk = AdmissionService(db)
    desk.ensure_beds(["B01"], "Detox")
    admission = desk.admit(
        nurse,
        NewPatient("KD200001", "Nia", "Okonkwo", date(1992, 6, 9)),
        bed="B01",
        admitted_at=clock.now - timedelta(days=6),
        reason="Ketamine dependence",
        risk_flags=("Suicide risk", OPIOID_WITHDRAWAL.label),
    )
    recording = RecordingService(db)
    clock.advance(hours=-100)
    medicines = MedicinesService(db)
    medicines.add_line(
        nurse, admission, drug="Zopiclone", dose="7.5 mg", route="oral", schedule="regular",
        frequency="at night",
    )  # fmt: skip
    stopped = medicines.add_line(
        nurse, admission, drug="Pregabalin", dose="75 mg", route="oral", schedule="regular",
        frequency="twice a day",
    )  # fmt: skip
    medicines.stop_line(nurse, stopped, reason="Not needed", stop_at=clock.now)
    recording.record_assessment(
        nurse,
        admission,
        "cssrs",
        {"q1": True, "q2": False, "q6": True, "q6_within_3_months": False},
    )
    clock.advance(hours=40)
    recording.record_assessment(nurse, admission, "bladder", {"visible_haematuria": True})
    recording.record_prn(
        nurse,
        admission,
        drug="Zopiclone",
        dose="3.75 mg",
        route="oral",
        reason="Insomnia",
    )
    SessionService(db).record_session(nurse, admission, session_type="group", attendance="attended")
    clock.advance(hours=20)
    recording.record_assessment(nurse, admission, "cssrs", {"q1": False, "q2": False, "q6": False})
    clock.advance(hours=40)
    discharge = DischargeService(db)
    discharge.discharge(
        nurse,
        admission,
        destination="outpatient_programme",
        summary=discharge.draft(admission).text,
    )
    AftercareService(db).record_plan(
        nurse,
        admission,
        AftercarePlan(
            service="Eastgate community drug and alcohol team",
            first_appointment=clock.now + timedelta(days=3),
            service_contact="Duty worker, 01632 960111",
            patient_phone=PHONE,
            crisis_plan_given=True,
            crisis_plan_detail="Crisis line card given; mother aware",
            relapse_prevention="Relapse-prevention group, Mondays",
            peer_support="SMART Recovery, Wednesdays",
            naloxone="Take-home naloxone kit supplied and demonstrated",
        ),
    )
    return admission


def test_the_discharge_letter_is_an_audited_owner_only_export(
    db: Database, nurse: Actor, clock: Clock, tmp_path: Path
) -> None:
    admission = _stay(db, nurse, clock)
    staff = StaffService(db)
    staff.add("sn.letter", "Gwen Harrow", Role.SUPERVISOR, None)
    supervisor = staff.actor("sn.letter", "Station A")
    target = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path)) / "discharge-letter.pdf"
    with pytest.raises(PermissionDenied):
        build_discharge_letter(db, admission, tmp_path / "no.pdf", actor=nurse, ward_name="Ward 7")
    assert not (tmp_path / "no.pdf").exists()
    path = build_discharge_letter(db, admission, target, actor=supervisor, ward_name="Ward 7")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    flat = " ".join(text.split())
    for expected in (
        "Discharge letter",
        "Nia Okonkwo",
        "Discharged to: Outpatient programme",
        "Group therapy: attended 1",
        MEDICINES_CAVEAT,
        "Started on the ward: Zopiclone 7.5 mg oral, regular at night",
        "Still taking at discharge: Zopiclone 7.5 mg oral, regular at night",
        "Stopped: Pregabalin 75 mg oral, regular twice a day — stopped",
        ": Not needed",
        "PRN Zopiclone 3.75 mg: 1 dose(s)",
        "Risk flags: Suicide risk, Opioid withdrawal risk",
        "C-SSRS during the stay: Moderate risk",
        "No risk identified",
        "Bladder: Urinary red flag: visible haematuria",
        "Referred to: Eastgate community drug and alcohol team",
        "Crisis plan given: yes — Crisis line card given",
        OPIOID_TOLERANCE_WARNING,
        "Naloxone: Take-home naloxone kit supplied",
        "48 hours after discharge: suicide risk identified during the stay",
    ):
        assert expected.lower() in flat.lower(), expected
    assert PHONE not in flat and PHONE.replace(" ", "") not in flat.replace(" ", "")
    with db.read() as session:
        exports = session.execute(
            select(AuditRow.staff_id, AuditRow.detail).where(AuditRow.action == "export")
        ).all()
    assert exports == [
        (supervisor.staff_id, {"what": "discharge letter (PDF)", "pages": "A4"}),
    ]


def test_a_long_letter_runs_onto_more_pages(tmp_path: Path) -> None:
    letter = DischargeLetter(
        "Discharge letter",
        "Test Patient",
        tuple((f"Section {n}", tuple(f"Line {n}.{i} " * 12 for i in range(8))) for n in range(8)),
    )
    path = write_letter_pdf(letter, tmp_path / "long.pdf", ward_name="Ward 7", printed_at=NOW)
    pages = PdfReader(path).pages
    assert len(pages) > 1
    text = " ".join(page.extract_text() for page in pages)
    assert "Line 7.7" in text and "page 2" in text


def test_the_same_letter_is_a_fhir_r4_document(
    db: Database, nurse: Actor, clock: Clock, tmp_path: Path
) -> None:
    admission = _stay(db, nurse, clock)
    staff = StaffService(db)
    staff.add("sn.doc", "Gwen Harrow", Role.SUPERVISOR, None)
    supervisor = staff.actor("sn.doc", "Station A")
    with pytest.raises(PermissionDenied):
        build_discharge_document(db, admission, tmp_path / "no.json", actor=nurse, ward_name="W")
    path = build_discharge_document(
        db, admission, tmp_path / "letter.json", actor=supervisor, ward_name="Ward 7"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_text(encoding="utf-8")
    assert PHONE not in raw
    bundle = Bundle.model_validate(json.loads(raw))  # structure and types, as R4 (R4B classes)
    assert bundle.type == "document"
    composition, patient = (entry.resource for entry in bundle.entry)
    assert composition.get_resource_type() == "Composition"
    assert composition.subject.reference == bundle.entry[1].fullUrl
    assert patient.identifier[0].value == "KD200001"
    letter = AftercareService(db).letter(supervisor, admission)
    assert [s.title for s in composition.section] == [title for title, _ in letter.sections]
    medicines = composition.section[1].text.div
    assert MEDICINES_CAVEAT in medicines.replace("&#x27;", "'")
    assert "Stopped: Pregabalin 75 mg oral" in medicines and "Not needed" in medicines
    with db.read() as session:
        whats = session.scalars(select(AuditRow.detail).where(AuditRow.action == "export")).all()
    assert [d["what"] for d in whats] == ["discharge letter (FHIR document)"]
