"""Bad input through the services, on SQLite and PostgreSQL: every refusal is ``InvalidInput``
(or another ``ServiceError``) naming the field, nothing is stored when refused, and anything
stored is a possible value. An unexpected exception is a crash and fails the test."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from fuzzing import (
    FUZZED,
    assert_plausible,
    far_times,
    naive_times,
    names_a_field,
    nasty,
    nasty_text,
    vital_forms,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from wardfakes import Clock

from wardconsole.domain.assessments import ASSESSMENT_KINDS
from wardconsole.domain.formulary import load_formulary
from wardconsole.domain.records import VITAL_FIELDS, MissingReason
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.audit import AuditQuery, AuditService
from wardconsole.services.auth import AuthService
from wardconsole.services.context import Actor, InvalidInput, Role, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.services.sign_in import SignInRefused
from wardconsole.services.staff import StaffService
from wardconsole.store import repository
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    ObservationSetRow,
    PrnDoseRow,
    Staff,
    SymptomEntryRow,
)

SERVICE_EXAMPLES = settings(
    max_examples=int(os.environ.get("WARDCONSOLE_FUZZ_EXAMPLES", "20")),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
"""Examples per property and backend; ``bench/safety.py`` raises it."""
TABLES = (ObservationSetRow, SymptomEntryRow, AssessmentRow, PrnDoseRow, Admission, Staff)


def _counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
            for t in TABLES
        }


def _refused_cleanly(exc: ServiceError, candidates: object = ()) -> None:
    if isinstance(exc, InvalidInput):
        assert exc.problems
        for key, message in exc.problems.items():
            assert names_a_field(message, [key, *candidates]), (key, message)  # type: ignore[misc]
    else:
        assert str(exc).strip()


rounds = st.builds(
    RoundEntry,
    vitals=st.one_of(st.none(), vital_forms(VITAL_FIELDS)),
    missing_reasons=st.dictionaries(
        st.one_of(st.sampled_from(VITAL_FIELDS), st.text(max_size=6)),
        st.one_of(st.sampled_from([r.value for r in MissingReason]), nasty_text),
        max_size=3,
    ),
    confirmed=st.sets(st.one_of(st.sampled_from(VITAL_FIELDS), st.text(max_size=5)), max_size=3),
    symptoms=st.one_of(
        st.none(),
        st.dictionaries(st.text(max_size=12), nasty, max_size=3),
        st.fixed_dictionaries({"anxiety": nasty, "sweating": nasty}),
    ),
    assessments=st.dictionaries(
        st.one_of(st.sampled_from(ASSESSMENT_KINDS), st.text(max_size=6)),
        st.dictionaries(st.text(max_size=8), nasty, max_size=4),
        max_size=2,
    ),
    note=nasty_text,
)


_FORMULARY = load_formulary()
FORMULARY_NAMES = [name for name in _FORMULARY.names()] + [" lorazepam ", "DIAZEPAM"]
FORMULARY_CLASSES = list(_FORMULARY.classes)


@SERVICE_EXAMPLES
@given(entry=rounds, taken_at=st.one_of(st.none(), far_times, naive_times))
def test_bedside_rounds(
    db: Database, nurse: Actor, admission: int, entry: RoundEntry, taken_at: datetime | None
) -> None:
    FUZZED["service: round"] += 1
    service = RecordingService(db)
    before = _counts(db)
    try:
        result = service.record_round(
            nurse, admission, entry, save_key=uuid.uuid4().hex, taken_at=taken_at
        )
    except ServiceError as exc:
        nested = [key for answers in entry.assessments.values() for key in answers]
        _refused_cleanly(
            exc,
            [
                *(entry.vitals or {}),
                *(entry.symptoms or {}),
                *entry.assessments,
                *entry.missing_reasons,
                *nested,
            ],
        )
        assert _counts(db) == before
        return
    if result.observation_id is not None:
        with db.read() as session:
            row = session.get_one(ObservationSetRow, result.observation_id)
            assert_plausible(repository.to_observation(row).vitals)


@SERVICE_EXAMPLES
@given(
    drug=st.one_of(st.sampled_from(FORMULARY_NAMES), nasty_text),
    drug_class=st.one_of(st.none(), st.sampled_from(FORMULARY_CLASSES), nasty_text),
    class_reason=nasty_text,
    dose=nasty_text,
    route=nasty_text,
    reason=nasty_text,
    given_at=st.one_of(st.none(), far_times, naive_times),
)
def test_prn_doses(
    db: Database,
    nurse: Actor,
    admission: int,
    drug: str,
    drug_class: str | None,
    class_reason: str,
    dose: str,
    route: str,
    reason: str,
    given_at: datetime | None,
) -> None:
    FUZZED["service: prn"] += 1
    before = _counts(db)
    try:
        result = RecordingService(db).record_prn(
            nurse,
            admission,
            drug=drug,
            drug_class=drug_class,
            class_reason=class_reason,
            dose=dose,
            route=route,
            reason=reason,
            given_at=given_at,
            save_key=uuid.uuid4().hex,
        )
    except ServiceError as exc:
        _refused_cleanly(exc)
        assert _counts(db) == before
        return
    with db.read() as session:
        row = session.get_one(PrnDoseRow, result.entry_id)
        assert row.drug_class in db.formulary.classes and row.drug.strip() and row.dose.strip()
        listed = db.formulary.find(row.drug)
        if listed is not None:  # the class follows from the drug, whatever was asked
            assert row.drug_class == listed.drug_class.key and row.class_reason is None
        else:
            assert row.class_reason and row.class_reason.strip()


@SERVICE_EXAMPLES
@given(
    number=nasty_text,
    given=nasty_text,
    family=nasty_text,
    born=st.dates(date(1, 1, 1), date(9999, 12, 31)),
    bed=st.one_of(st.none(), st.sampled_from(["B02", "B03", "B01"]), nasty_text),
    admitted_at=st.one_of(st.none(), far_times, naive_times),
    reason=nasty_text,
)
def test_admissions(
    db: Database,
    nurse: Actor,
    clock: Clock,
    number: str,
    given: str,
    family: str,
    born: date,
    bed: str | None,
    admitted_at: datetime | None,
    reason: str,
) -> None:
    FUZZED["service: admission"] += 1
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02", "B03"], "Fuzz ward")
    before = _counts(db)
    try:
        admission_id = service.admit(
            nurse,
            NewPatient(number, given, family, born),
            bed=bed,
            admitted_at=admitted_at,
            reason=reason,
        )
    except ServiceError as exc:
        _refused_cleanly(exc)
        assert _counts(db) == before
        return
    with db.read() as session:
        row = session.get_one(Admission, admission_id)
        assert row.admitted_at <= clock.now + timedelta(minutes=5)


@SERVICE_EXAMPLES
@given(
    code=nasty_text,
    name=nasty_text,
    password=st.one_of(st.none(), nasty_text),
    role=st.one_of(st.sampled_from(list(Role)), nasty_text),
)
def test_staff_accounts_and_sign_in(
    db: Database, code: str, name: str, password: str | None, role: Any
) -> None:
    FUZZED["service: staff"] += 1
    staff = StaffService(db)
    supervisor = _supervisor(db)
    before = _counts(db)
    try:
        staff.add(code, name, role, password, by=supervisor)
    except ServiceError as exc:
        _refused_cleanly(exc)
        assert _counts(db) == before
    auth = AuthService(db, staff.access)
    try:
        auth.sign_in(code, password or "", "Station A")
    except SignInRefused as exc:
        assert str(exc).strip()


@SERVICE_EXAMPLES
@given(
    patient=nasty_text,
    action=st.one_of(st.none(), nasty_text),
    station=st.one_of(st.none(), nasty_text),
    since=st.one_of(st.none(), far_times, naive_times),
    until=st.one_of(st.none(), far_times, naive_times),
    limit=st.integers(-5, 100_000),
)
def test_audit_searches(
    db: Database,
    patient: str,
    action: str | None,
    station: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> None:
    FUZZED["service: audit search"] += 1
    try:
        AuditService(db).search(
            _supervisor(db),
            AuditQuery(
                patient=patient,
                action=action,
                station=station,
                since=since,
                until=until,
                limit=limit,
            ),
        )
    except InvalidInput as exc:
        _refused_cleanly(exc)


def _supervisor(db: Database) -> Actor:
    staff = StaffService(db)
    with db.read() as session:
        exists = session.scalar(select(Staff.id).where(Staff.staff_code == "sn.fuzz"))
    if exists is None:
        staff.add("sn.fuzz", "Fuzz Supervisor", Role.SUPERVISOR, None)
    return staff.actor("sn.fuzz", "Office")
