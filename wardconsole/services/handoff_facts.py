"""Assembling one shift's facts from the store and drafting the generated handoff content.

Read-only: these functions take the caller's session, so a draft and the rows written for it
come from one consistent read inside the use case's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, tzinfo
from functools import cache

from sqlalchemy.orm import Session

from wardconsole.domain import intake as intake_domain
from wardconsole.domain.handoff import HandoffPolicy, draft_handoff, load_handoff_policy
from wardconsole.domain.handoff_records import (
    EscalationHistory,
    EscalationStep,
    Fact,
    HandoffDraft,
    PatientShiftFacts,
    PrnEffect,
    PrnGiven,
)
from wardconsole.domain.intake_text import describe_intake
from wardconsole.domain.medicines import MONITORING_COPY, list_text
from wardconsole.domain.sessions import handoff_facts as session_handoff_facts
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.census import age_on, detox_day
from wardconsole.services.db import Database
from wardconsole.services.escalations import watch_words_of
from wardconsole.services.fluid_handoff import fluid_handoff_facts
from wardconsole.services.observation_handoff import observation_facts
from wardconsole.services.sleep import SleepReader
from wardconsole.services.weight_handoff import weight_handoff_facts
from wardconsole.store import handoff_queries as q
from wardconsole.store.medicines_queries import medicine_lines_of
from wardconsole.store.sessions import session_facts


@cache
def handoff_policy() -> HandoffPolicy:
    """The bundled handoff policy, loaded once (validated; a broken file raises on first use)."""
    return load_handoff_policy()


def medicines_facts(
    db: Database, session: Session, admission_ids: Sequence[int], until: datetime
) -> dict[int, tuple[Fact, ...]]:
    """Each patient's active medicines-list lines and dependency watch in words ("Medicines
    watch: zopiclone 6 of 7 nights … review due"), then — whenever there is either — the line
    that the list is a monitoring copy ("As recorded on the ward console — confirm against the
    prescription."), so it is on the screen and on every printed page that carries them."""
    rule = db.policy.rules.get("dependency_review")
    severity = rule.severity() if rule is not None else None
    lines = medicine_lines_of(session, admission_ids)
    words = watch_words_of(session, db, admission_ids, until)
    facts: dict[int, tuple[Fact, ...]] = {}
    for admission_id in admission_ids:
        out: list[Fact] = []
        listed = list_text(lines[admission_id], until)
        if listed is not None:
            out.append(Fact(listed, "medicines"))
        # a review due carries the dependency-review escalation's severity
        out += (
            Fact(f"Medicines watch: {text}", "medicines", severity if due else None)
            for text, due in words.get(admission_id, [])
        )
        if out:
            out.append(Fact(MONITORING_COPY, "medicines"))
        facts[admission_id] = tuple(out)
    return facts


def as_of(shift: ShiftWindow, now: datetime) -> datetime:
    """What a handoff for ``shift`` covers up to: its end, or now while it is running."""
    return min(shift.end, now)


def shift_facts(
    db: Database,
    session: Session,
    shift: ShiftWindow,
    now: datetime,
    admission_ids: Sequence[int] | None = None,
) -> list[PatientShiftFacts]:
    """The facts of every patient on the ward at the end of ``shift`` (or now), bed order."""
    until = as_of(shift, now)
    try:
        previous = db.shifts.previous(shift)
    except ValueError:  # a shift of a pattern no longer in the policy: same length before it
        previous = replace(shift, start=shift.start - shift.duration, end=shift.start)
    stays = q.stays_at(session, until)
    if admission_ids is not None:
        wanted = set(admission_ids)
        stays = [s for s in stays if s.admission_id in wanted]
    window = q.clinical_window(
        session, [s.admission_id for s in stays], previous.start, until, formulary=db.formulary
    )
    sessions = session_facts(
        session, [s.admission_id for s in stays], since=shift.start, until=until
    )
    fluids = fluid_handoff_facts(db, session, [s.admission_id for s in stays], shift.start, until)
    checks = observation_facts(db, session, stays, shift.start, shift.end, until, shift.zone)
    medicines = medicines_facts(db, session, [s.admission_id for s in stays], until)
    weight = weight_handoff_facts(db, session, [s.admission_id for s in stays], until)
    sleep = SleepReader(db).handoff_facts(
        session, [(s.admission_id, s.admitted_at, s.discharged_at) for s in stays], until
    )
    return [
        PatientShiftFacts(
            admission_id=stay.admission_id,
            bed=stay.bed,
            patient_name=stay.name,
            hospital_number=stay.hospital_number,
            age=age_on(stay.date_of_birth, shift.local(until).date()),
            admitted_at=stay.admitted_at,
            detox_day=detox_day(stay.admitted_at, until),
            reason=stay.reason,
            shift=shift,
            previous_shift=previous,
            as_of=until,
            risk_flags=stay.risk_flags,
            intake=stay.intake,
            intake_lines=intake_lines(stay, shift.zone),
            assigned_nurse=stay.assigned_nurse,
            observations=tuple(window.observations.get(stay.admission_id, ())),
            symptoms=tuple(window.symptoms.get(stay.admission_id, ())),
            assessments=tuple(window.assessments.get(stay.admission_id, ())),
            prn=tuple(_prn(r) for r in window.prn.get(stay.admission_id, ())),
            escalations=tuple(
                _escalation(r) for r in window.escalations.get(stay.admission_id, ())
            ),
            observation=checks[stay.admission_id],
            medicines=medicines[stay.admission_id],
            sessions=session_handoff_facts(sessions[stay.admission_id]),
            fluids=fluids.get(stay.admission_id, ()),
            weight=weight.get(stay.admission_id, ()),
            sleep=sleep.get(stay.admission_id, ()),
        )
        for stay in stays
    ]


def draft(db: Database, facts: PatientShiftFacts) -> HandoffDraft:
    return draft_handoff(facts, policy=db.policy, chart=db.chart, handoff_policy=handoff_policy())


def same_content(a: HandoffDraft, b: HandoffDraft) -> bool:
    """The same generated facts, whenever they were generated."""
    return a.sections == b.sections and a.summary == b.summary


def intake_lines(stay: q.StayAtShift, zone: tzinfo) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The structured intake in the intake module's words, amendments applied; () when the
    stay has no structured intake (the handoff then summarises whatever was stored)."""
    try:
        current = intake_domain.parse_intake(
            stay.intake, admitted_at=stay.admitted_at, date_of_birth=stay.date_of_birth
        )
        for section, content in stay.intake_amendments:
            part = intake_domain.parse_section(section, content, admitted_at=stay.admitted_at)
            current = current.with_section(section, part)
    except (intake_domain.IntakeProblems, ValueError, KeyError, TypeError):
        return ()
    return tuple(
        (title, tuple(lines))
        for title, lines in describe_intake(current, stay.admitted_at, zone)
        if lines
    )


def _prn(record: q.PrnRecord) -> PrnGiven:
    return PrnGiven(
        dose=record.dose,
        given_by=record.given_by or None,
        effects=tuple(PrnEffect(at, effect, by or None) for at, effect, by in record.effects),
    )


def _escalation(record: q.EscalationRecord) -> EscalationHistory:
    return EscalationHistory(
        id=record.id,
        kind=record.kind,
        severity=record.severity,
        state=record.state,
        explanation=record.explanation,
        raised_at=record.raised_at,
        acknowledged_at=record.acknowledged_at,
        acknowledged_by=record.acknowledged_by,
        resolved_at=record.resolved_at,
        resolved_by=record.resolved_by,
        outcome=record.outcome,
        prompts=record.prompts,
        steps=tuple(
            EscalationStep(at, action, staff, detail) for at, action, staff, detail in record.events
        ),
    )
