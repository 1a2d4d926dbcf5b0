"""Supportive observation: set a patient's level, record safety checks, report compliance.

Each write is one short transaction: permission check, the append-only row, the audit row, the
change-log row and the escalation rules (``apply_rules``, which includes the safety-check
rules), all or nothing. So "not found" raises the absent-patient emergency in the same
transaction as the check, and a level change updates a missed-check escalation at once.

The time of the next prompt is drawn when a check or level is written, from an injected random
generator (``random.SystemRandom`` by default: unpredictable, as rounds must be), and stored, so
every station shows the same prompt.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wardconsole.domain.observation_levels import LevelDefinition, ObservationLevelPolicy
from wardconsole.domain.records import EscalationKind, EscalationState, RecordStatus
from wardconsole.domain.safety_checks import (
    CheckRecord,
    CheckSchedule,
    CheckSlot,
    ComplianceCounts,
    LevelPeriod,
    Presentation,
    RandomSource,
    counts_by_nurse,
    prompt_time,
    slots_between,
    with_default_level,
)
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    NotFound,
    Permission,
    ServiceError,
    as_utc,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import apply_rules
from wardconsole.services.observation_views import (
    CheckResult,
    ChecksDuring,
    ComplianceReport,
    LevelChange,
    LevelView,
    NurseCompliance,
    PatientChecks,
    PatientCompliance,
    RoundsSnapshot,
)
from wardconsole.services.safety_rules import current_schedule, schedules_for
from wardconsole.services.save_once import save_exactly_once, save_key_problem
from wardconsole.services.text_rule import checks_text
from wardconsole.store import repository
from wardconsole.store import safety_checks as store
from wardconsole.store.changes import record_change
from wardconsole.store.entries import EntryStamp, new_entry, superseded_by
from wardconsole.store.models import (
    Admission,
    Bed,
    EscalationEventRow,
    EscalationRow,
    ObservationLevelRow,
    Patient,
    SafetyCheckRow,
)
from wardconsole.store.receipts import Receipt

ANY_LEVEL: Final = object()
"""``set_level(expected_current=ANY_LEVEL)``: change whatever level is in force now."""

FUTURE_TOLERANCE = timedelta(minutes=5)
"""A station clock may lag the server slightly; a time further ahead is a typing error."""


class ObservationLevelService:
    def __init__(self, db: Database, *, rng: RandomSource | None = None) -> None:
        self._db = db
        self._rng: RandomSource = rng if rng is not None else random.SystemRandom()

    @property
    def policy(self) -> ObservationLevelPolicy:
        return self._db.observation_levels

    # -- the ward clock and shifts (no database) ---------------------------------------------

    def now(self) -> datetime:
        return self._db.clock()

    def this_shift(self) -> ShiftWindow:
        return self._db.shifts.this_shift(self._db.clock())

    def previous_shift(self, shift: ShiftWindow) -> ShiftWindow:
        return self._db.shifts.previous(shift)

    def following_shift(self, shift: ShiftWindow) -> ShiftWindow:
        return self._db.shifts.following(shift)

    # -- writes ----------------------------------------------------------------------------

    @checks_text
    def set_level(
        self,
        actor: Actor,
        admission_id: int,
        level: str,
        *,
        reason: str,
        review_at: datetime | None = None,
        agreed_with: str = "",
        expected_current: int | object | None = ANY_LEVEL,
    ) -> LevelChange:
        """Set the patient's observation level from now, with a reason and a review time.

        ``expected_current`` is the level id the nurse saw (None: none set yet); if someone
        changed it meanwhile the change is refused with who did what, and nothing is written.
        """
        require(actor, Permission.RECORD)
        now = self._db.clock()
        policy = self.policy
        definition = self._check_level(level, reason, review_at, agreed_with, now)
        review_at = as_utc("review_at", review_at) or now + policy.default_review
        with self._db.transaction() as session:
            admission = _open_admission(session, admission_id)
            current = store.current_level_id(session, admission_id)
            if expected_current is not ANY_LEVEL and expected_current != current:
                raise ConflictError(self._changed_message(session, admission_id))
            before = current_schedule(session, self._db, admission, now)
            deadline = (
                min(before.deadline, now + definition.check_interval)
                if (before.deadline >= now)
                else before.deadline
            )
            row = ObservationLevelRow(
                admission_id=admission_id,
                level=definition.key,
                check_minutes=definition.check_minutes,
                effective_from=now,
                reason=reason.strip(),
                review_at=review_at,
                agreed_with=agreed_with.strip(),
                supersedes_id=current,
                next_prompt_at=prompt_time(now, deadline, definition, policy, self._rng),
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise ConflictError(
                    "someone else changed this patient's level at the same moment; look again"
                ) from None
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="set_observation_level",
                entity="observation_level",
                entity_id=row.id,
                detail={
                    "admission_id": admission_id,
                    "level": definition.key,
                    "previous": before.level.level,
                    "reason": row.reason,
                    "review_at": review_at.isoformat(),
                    "agreed_with": row.agreed_with,
                },
            )
            record_change(session, "observation_level", admission_id, actor.station)
            changes = apply_rules(
                session,
                self._db,
                admission_id,
                now=now,
                station=actor.station,
                staff_id=actor.staff_id,
            )
            after = current_schedule(session, self._db, admission, now)
            return LevelChange(row.id, admission_id, definition.key, after.deadline, tuple(changes))

    @checks_text
    def record_check(
        self,
        actor: Actor,
        admission_id: int,
        presentation: Presentation | str,
        location: str,
        *,
        note: str = "",
        taken_at: datetime | None = None,
        save_key: str | None = None,
    ) -> CheckResult:
        """Record a safety check: seen (or not found), where and how. One transaction with the
        rules, so "not found" raises the absent-patient escalation at once.

        ``save_key`` (made once per save by the caller) makes a retry after a lost connection
        return the first try's result instead of recording the check twice.
        """
        require(actor, Permission.RECORD)
        now = self._db.clock()
        taken_at = as_utc("taken_at", taken_at) or now
        how = self._check_input(presentation, location, note, taken_at, now, save_key)
        return save_exactly_once(
            self._db,
            actor,
            save_key=save_key,
            kind="check",
            admission_id=admission_id,
            now=now,
            write=lambda session: self._write_check(
                session,
                actor,
                admission_id,
                how,
                location.strip(),
                note.strip(),
                taken_at,
                now,
                save_key,
            ),
            earlier=self._saved_check,
        )

    @checks_text
    def mark_check_entered_in_error(self, actor: Actor, check_id: int, reason: str) -> None:
        """Strike out a check recorded by mistake (wrong patient): a new row, nothing deleted."""
        require(actor, Permission.RECORD)
        if not reason.strip():
            raise InvalidInput({"reason": "reason: say why this check is entered in error"})
        now = self._db.clock()
        with self._db.transaction() as session:
            original = session.get(SafetyCheckRow, check_id)
            if original is None:
                raise NotFound(f"safety check {check_id} does not exist")
            if superseded_by(session, original) is not None:
                raise ServiceError("this check has already been corrected or struck out")
            _open_admission(session, original.admission_id)
            row = SafetyCheckRow(
                admission_id=original.admission_id,
                amends_id=check_id,
                location=original.location,
                presentation=original.presentation,
                level=original.level,
                check_minutes=original.check_minutes,
                next_prompt_at=None,
                taken_at=original.taken_at,
                status=RecordStatus.ENTERED_IN_ERROR.value,
                amend_reason=reason.strip(),
                note="",
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
            )
            session.add(row)
            session.flush()
            repository.write_audit(
                session,
                at=now,
                staff_id=actor.staff_id,
                station=actor.station,
                action="safety_check_entered_in_error",
                entity="safety_check",
                entity_id=row.id,
                detail={"amends": check_id, "reason": reason.strip()},
            )
            record_change(session, "safety_check", original.admission_id, actor.station)
            apply_rules(
                session,
                self._db,
                original.admission_id,
                now=now,
                station=actor.station,
                staff_id=actor.staff_id,
            )

    # -- reads -----------------------------------------------------------------------------

    def rounds(self, now: datetime | None = None) -> RoundsSnapshot:
        """Every admitted patient's next check, in the order to walk the ward."""
        now = now or self._db.clock()
        with self._db.read() as session:
            rows = self._patient_checks(session, now)
        return RoundsSnapshot(
            now, tuple(sorted(rows, key=lambda r: _walk_order(r, now))), self.policy.locations
        )

    def patient_checks(self, admission_id: int, now: datetime | None = None) -> PatientChecks:
        now = now or self._db.clock()
        with self._db.read() as session:
            for row in self._patient_checks(session, now, [admission_id]):
                return row
        raise NotFound(f"admission {admission_id} is not on the ward")

    def level_history(self, admission_id: int) -> list[LevelView]:
        """Every level of this admission, newest first, the default from admission included."""
        with self._db.read() as session:
            admission = session.get(Admission, admission_id)
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            periods = self._periods(session, admission)
        return list(reversed(self._views(admission_id, periods)))

    def levels_during(self, admission_id: int, start: datetime, end: datetime) -> list[LevelView]:
        """The levels in force at any time in ``[start, end)``, oldest first (for the handoff)."""
        return [
            v
            for v in reversed(self.level_history(admission_id))
            if v.effective_from < end and (v.until is None or v.until > start)
        ]

    def checks_during(self, admission_id: int, start: datetime, end: datetime) -> ChecksDuring:
        """Checks done, checks due and how they ended, and absent-patient events in a window."""
        now = self._db.clock()
        with self._db.read() as session:
            admission = session.get(Admission, admission_id)
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            slots, checks = self._slots(session, admission, start, end, now)
        in_window = tuple(c for c in checks if start <= c.taken_at < end)
        return ChecksDuring(
            admission_id=admission_id,
            start=start,
            end=end,
            checks=in_window,
            slots=tuple(slots),
            counts=ComplianceCounts.of(slots),
            absent=tuple(c for c in in_window if c.presentation is Presentation.NOT_FOUND),
        )

    @checks_text
    def compliance(
        self, actor: Actor, start: datetime, end: datetime, label: str = ""
    ) -> ComplianceReport:
        """Observation compliance for a shift, per patient and per nurse (supervisors)."""
        require(actor, Permission.VIEW_AUDIT)
        if end <= start:
            raise InvalidInput({"end": "end: must be after the start of the shift"})
        now = self._db.clock()
        patients: list[PatientCompliance] = []
        all_slots: list[CheckSlot] = []
        with self._db.read() as session:
            for admission, bed, name in _admissions_during(session, start, end):
                slots, _checks = self._slots(session, admission, start, end, now)
                periods = self._periods(session, admission)
                labels = tuple(
                    v.label
                    for v in self._views(admission.id, periods)
                    if v.effective_from < end and (v.until is None or v.until > start)
                )
                patients.append(
                    PatientCompliance(
                        admission.id,
                        bed or "—",
                        name,
                        labels,
                        ComplianceCounts.of(slots),
                        tuple(slots),
                    )
                )
                all_slots += slots
        nurses = tuple(NurseCompliance(n, c) for n, c in counts_by_nurse(all_slots).items())
        totals = sum((p.counts for p in patients), ComplianceCounts())
        return ComplianceReport(start, end, label, now, tuple(patients), nurses, totals)

    # -- helpers ---------------------------------------------------------------------------

    def _check_level(
        self,
        level: str,
        reason: str,
        review_at: datetime | None,
        agreed_with: str,
        now: datetime,
    ) -> LevelDefinition:
        policy = self.policy
        problems: dict[str, str] = {}
        definition = policy.levels.get(level)
        if definition is None:
            problems["level"] = f"level: choose one of {', '.join(policy.levels)}"
        if not reason.strip():
            problems["reason"] = "reason: say why the patient needs this level"
        if review_at is not None:
            latest = now + policy.max_review
            if review_at.tzinfo is None:
                problems["review_at"] = "review_at: time zone missing"
            elif not now < review_at <= latest:
                hours = int(policy.max_review.total_seconds() // 3600)
                problems["review_at"] = f"review_at: must be in the next {hours} hours"
        if len(agreed_with.strip()) > 120:
            problems["agreed_with"] = "agreed_with: at most 120 characters"
        if problems:
            raise InvalidInput(problems)
        assert definition is not None
        return definition

    def _check_input(
        self,
        presentation: Presentation | str,
        location: str,
        note: str,
        taken_at: datetime,
        now: datetime,
        save_key: str | None,
    ) -> Presentation:
        problems: dict[str, str] = {}
        how: Presentation | None = None
        try:
            how = Presentation(presentation)
        except ValueError:
            allowed = ", ".join(p.value for p in Presentation)
            problems["presentation"] = f"presentation: choose one of {allowed}"
        if not location.strip():
            problems["location"] = "location: say where the patient was seen (or where you looked)"
        elif len(location.strip()) > 64:
            problems["location"] = "location: at most 64 characters"
        if taken_at.tzinfo is None:
            problems["taken_at"] = "taken_at: time zone missing"
        elif taken_at > now + FUTURE_TOLERANCE:
            problems["taken_at"] = "taken_at: is in the future; check the time"
        elif taken_at < now - self.policy.max_backdate:
            minutes = int(self.policy.max_backdate.total_seconds() // 60)
            problems["taken_at"] = (
                f"taken_at: a check can be entered up to {minutes} min after it was done"
            )
        if len(note) > 2000:
            problems["note"] = "note: at most 2000 characters"
        if problem := save_key_problem(save_key):
            problems["save_key"] = problem
        if problems:
            raise InvalidInput(problems)
        assert how is not None
        return how

    def _write_check(
        self,
        session: Session,
        actor: Actor,
        admission_id: int,
        how: Presentation,
        location: str,
        note: str,
        taken_at: datetime,
        now: datetime,
        save_key: str | None,
    ) -> tuple[CheckResult, dict[str, Any]]:
        admission = _open_admission(session, admission_id)
        if taken_at < admission.admitted_at - FUTURE_TOLERANCE:
            raise InvalidInput({"taken_at": "taken_at: is before the admission"})
        before = current_schedule(session, self._db, admission, taken_at)
        period = before.level
        definition = self.policy.levels.get(period.level) or self.policy.default
        deadline = taken_at + period.check_interval
        stamp = EntryStamp(admission_id, taken_at, now, actor.staff_id, actor.station, note)
        row = new_entry(
            SafetyCheckRow,
            stamp,
            location=location,
            presentation=how.value,
            level=period.level,
            check_minutes=int(period.check_interval.total_seconds() // 60),
            next_prompt_at=prompt_time(taken_at, deadline, definition, self.policy, self._rng),
        )
        session.add(row)
        session.flush()
        repository.write_audit(
            session,
            at=now,
            staff_id=actor.staff_id,
            station=actor.station,
            action="record_safety_check",
            entity="safety_check",
            entity_id=row.id,
            detail={
                "admission_id": admission_id,
                "presentation": how.value,
                "location": location,
                "level": period.level,
                **({"save_key": save_key} if save_key else {}),
            },
        )
        record_change(session, "safety_check", admission_id, actor.station)
        _note_on_missed_check(session, admission_id, row, how, actor, now)
        changes = apply_rules(
            session, self._db, admission_id, now=now, station=actor.station, staff_id=actor.staff_id
        )
        after = current_schedule(session, self._db, admission, now)
        result = CheckResult(row.id, admission_id, taken_at, how, after.deadline, tuple(changes))
        return result, {"check": row.id}

    def _saved_check(self, session: Session, receipt: Receipt) -> CheckResult:
        """The result of an earlier, committed try of a check save, from its receipt."""
        admission_id = receipt.admission_id
        row = session.get_one(SafetyCheckRow, int(receipt.entries["check"]))
        admission = session.get_one(Admission, admission_id)
        after = current_schedule(session, self._db, admission, self._db.clock())
        return CheckResult(
            row.id,
            admission_id,
            row.taken_at,
            Presentation(row.presentation),
            after.deadline,
            (),
            already_saved=True,
        )

    def _changed_message(self, session: Session, admission_id: int) -> str:
        admission = session.get_one(Admission, admission_id)
        latest = self._periods(session, admission)[-1]
        when = latest.effective_from.astimezone(self._db.shifts.zone).strftime("%H:%M")
        return (
            f"{latest.set_by or 'someone else'} changed the level to "
            f"{self.policy.label(latest.level)} at {when}; look again before changing it"
        )

    def _periods(self, session: Session, admission: Admission) -> list[LevelPeriod]:
        found = store.level_periods(session, [admission.id]).get(admission.id, [])
        return with_default_level(found, admission.admitted_at, self.policy)

    def _views(self, admission_id: int, periods: Sequence[LevelPeriod]) -> list[LevelView]:
        """Oldest first."""
        views: list[LevelView] = []
        for i, p in enumerate(periods):
            definition = self.policy.levels.get(p.level)
            until = periods[i + 1].effective_from if i + 1 < len(periods) else None
            views.append(
                LevelView(
                    id=p.id,
                    admission_id=admission_id,
                    level=p.level,
                    label=self.policy.label(p.level),
                    check_minutes=int(p.check_interval.total_seconds() // 60),
                    effective_from=p.effective_from,
                    until=until,
                    reason=p.reason or ("Default level from admission" if p.id is None else ""),
                    review_at=p.review_at,
                    set_by=p.set_by,
                    agreed_with=p.agreed_with,
                    raised=definition.raised if definition else True,
                    continuous=definition.continuous if definition else False,
                )
            )
        return views

    def _slots(
        self,
        session: Session,
        admission: Admission,
        start: datetime,
        end: datetime,
        now: datetime,
    ) -> tuple[list[CheckSlot], list[CheckRecord]]:
        """Slots due in the window, walking from the last check before it."""
        periods = self._periods(session, admission)
        seed = store.latest_check_before(session, admission.id, start)
        horizon = end + 2 * self.policy.max_interval
        checks = ([seed] if seed else []) + store.checks_between(
            session, admission.id, seed.taken_at if seed else start, horizon
        )
        checks = list({c.id: c for c in checks}.values())
        slots = slots_between(
            periods, checks, start, end, now=now, policy=self.policy, until=admission.discharged_at
        )
        return slots, checks

    def _patient_checks(
        self, session: Session, now: datetime, only: Sequence[int] | None = None
    ) -> list[PatientChecks]:
        admissions = repository.open_admissions(session)
        if only is not None:
            admissions = [a for a in admissions if a.admission_id in only]
        ids = [a.admission_id for a in admissions]
        schedules = schedules_for(
            session, self._db, [(a.admission_id, a.admitted_at) for a in admissions], now
        )
        escalations = repository.open_escalations(session, ids)
        return [
            patient_checks(
                a.admission_id,
                a.bed or "—",
                a.name,
                schedules[a.admission_id],
                self.policy,
                [
                    e.kind
                    for e in escalations
                    if e.admission_id == a.admission_id
                    and e.raised_at >= schedules[a.admission_id].level.effective_from
                ],
            )
            for a in admissions
        ]


def patient_checks(
    admission_id: int,
    bed: str,
    name: str,
    schedule: CheckSchedule,
    policy: ObservationLevelPolicy,
    kinds_since_level: Sequence[EscalationKind] = (),
) -> PatientChecks:
    """The census/rounds view of one patient's schedule. ``kinds_since_level``: kinds of the open
    escalations raised since the level was set (some suggest a review)."""
    level = schedule.level
    definition = policy.levels.get(level.level)
    review_due = level.review_at is not None and level.review_at <= schedule.at
    suggested = review_due or any(k in policy.review_prompt_kinds for k in kinds_since_level)
    return PatientChecks(
        admission_id=admission_id,
        bed=bed,
        patient_name=name,
        level=level.level,
        level_label=policy.label(level.level),
        level_short=policy.short_label(level.level),
        raised=definition.raised if definition else True,
        continuous=definition.continuous if definition else False,
        deadline=schedule.deadline,
        prompt_at=schedule.prompt_at,
        overdue_since=schedule.overdue_since,
        missed=schedule.missed,
        last_check=schedule.last_check,
        review_at=level.review_at,
        review_suggested=suggested,
        level_id=level.id,
        overdue_severity=policy.missed_check_severity
        if (definition.escalate_missed if definition else True)
        else None,
        absent_severity=policy.absent_severity,
    )


def _walk_order(row: PatientChecks, now: datetime) -> tuple[int, datetime, str]:
    """Overdue, then due now, then the rest by deadline; raised levels first within each."""
    general = 0 if row.raised else 1
    if row.overdue_since is not None:
        return (general, row.overdue_since, row.bed)
    if row.due_now(now):
        return (2 + general, row.prompt_at, row.bed)
    return (4 + general, row.deadline, row.bed)


def _open_admission(session: Session, admission_id: int) -> Admission:
    admission = session.get(Admission, admission_id)
    if admission is None:
        raise NotFound(f"admission {admission_id} does not exist")
    if admission.discharged_at is not None:
        raise ServiceError("this patient has been discharged; the record is read-only")
    return admission


def _note_on_missed_check(
    session: Session,
    admission_id: int,
    row: SafetyCheckRow,
    how: Presentation,
    actor: Actor,
    now: datetime,
) -> None:
    """Write the check on the trail of an open missed-check escalation, for whoever resolves it."""
    open_row = session.scalar(
        select(EscalationRow).where(
            EscalationRow.admission_id == admission_id,
            EscalationRow.kind == EscalationKind.MISSED_CHECK.value,
            EscalationRow.state != EscalationState.RESOLVED.value,
            EscalationRow.resolved_at.is_(None),
        )
    )
    if open_row is None:
        return
    session.add(
        EscalationEventRow(
            escalation_id=open_row.id,
            at=now,
            staff_id=actor.staff_id,
            station=actor.station,
            action="action",
            detail=f"Safety check recorded ({how.label}, {row.location}) by {actor.display_name}",
        )
    )


def _admissions_during(
    session: Session, start: datetime, end: datetime
) -> list[tuple[Admission, str | None, str]]:
    """Admissions on the ward at any time in ``[start, end)``, in bed order."""
    rows = session.execute(
        select(Admission, Bed.label, Patient.given_name, Patient.family_name)
        .join(Patient, Patient.id == Admission.patient_id)
        .outerjoin(Bed, Bed.id == Admission.bed_id)
        .where(Admission.admitted_at < end)
        .where((Admission.discharged_at.is_(None)) | (Admission.discharged_at > start))
        .order_by(Bed.sort_order, Bed.label, Admission.id)
    ).all()
    return [(a, bed, f"{given} {family}") for a, bed, given, family in rows]
