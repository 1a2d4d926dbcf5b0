"""Escalations: raised by the rules inside the write that caused them, then owned by staff.

Workflow: open -> acknowledged ("I am on it") -> resolved (with an outcome). Actions taken and
snoozes are recorded on the trail. Every state change checks the row's ``version`` so two
stations acknowledging at once produce exactly one winner; the loser is told who took it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, object_session
from sqlalchemy.orm.exc import StaleDataError

from wardconsole.domain.alerting import Announcement, cascade_target
from wardconsole.domain.dependency_watch import (
    MedicinesWatch,
    WardCalendar,
    watch_lines,
    watch_medicines,
)
from wardconsole.domain.medicines import regimen_overruns
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import (
    EscalationInfo,
    EscalationKind,
    EscalationState,
    OpenEscalation,
    Severity,
)
from wardconsole.domain.rules import (
    EscalationAction,
    EscalationTrigger,
    evaluate,
    plan_escalations,
    reopens,
    silence_window,
)
from wardconsole.domain.text_input import MAX_NOTE, text_problem
from wardconsole.services.audit import AuditService
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    NotFound,
    Permission,
    PermissionDenied,
    Role,
    ServiceError,
    require,
)
from wardconsole.services.db import POLICY_DIGEST, Database
from wardconsole.services.fluid_rules import fluid_triggers_of
from wardconsole.services.governance import GovernanceService, PolicyStatus
from wardconsole.services.safety_rules import schedules_for, with_safety_triggers
from wardconsole.services.staff import StaffService
from wardconsole.services.text_rule import checks_text
from wardconsole.store import medicines_queries, repository
from wardconsole.store.changes import record_change
from wardconsole.store.entry_windows import EntryWindows
from wardconsole.store.models import (
    Admission,
    EscalationEventRow,
    EscalationRow,
    FollowUpRow,
    Staff,
    WardCheckRow,
)

CONCERN_SEVERITIES: tuple[Severity, ...] = (Severity.URGENT, Severity.EMERGENCY)
"""What a member of staff may raise a concern as (an advisory concern is not an escalation)."""
PROMPT_CONCERN = "Review the patient now: staff concern escalates whatever the scores say"

NOW = object()
"""Placeholder for "the time of this transaction" in a state change."""


@dataclass(frozen=True, slots=True)
class EscalationChange:
    escalation_id: int
    kind: EscalationKind
    severity: Severity
    action: str  # raise | raise_severity | update | reopen


def medicines_watch(
    session: Session, db: Database, admission_id: int, now: datetime
) -> MedicinesWatch | None:
    """The dependency watch over the stay's recent PRN and regular doses and its planned
    reducing regimens (``domain.dependency_watch``, ``domain.medicines``); None when the policy
    has no dependency-review rule."""
    return medicines_watches(session, db, [admission_id], now)[admission_id]


def medicines_watches(
    session: Session, db: Database, admission_ids: Sequence[int], now: datetime
) -> dict[int, MedicinesWatch | None]:
    """``medicines_watch`` of several stays, with a fixed number of statements (the handoff
    board reads the whole ward)."""
    rule = db.policy.rules.get("dependency_review")
    if rule is None:
        return dict.fromkeys(admission_ids)
    days = rule.number("watch_days")
    since = now - timedelta(days=days + 1)
    prn = medicines_queries.watched_doses_of(
        session, admission_ids, since=since, formulary=db.formulary
    )
    regular = medicines_queries.regular_given_of(session, admission_ids, since=since)
    lines = medicines_queries.medicine_lines_of(session, admission_ids)
    reducing = [i for i in admission_ids if any(x.reducing_until is not None for x in lines[i])]
    given = medicines_queries.given_against_lines_of(session, reducing) if reducing else {}
    calendar = WardCalendar(db.shifts)
    watches: dict[int, MedicinesWatch | None] = {}
    for admission_id in admission_ids:
        watch = watch_medicines(
            prn[admission_id],
            formulary=db.formulary,
            calendar=calendar,
            now=now,
            days=days,
            regular=regular[admission_id],
        )
        if admission_id in given:
            overruns = regimen_overruns(lines[admission_id], given[admission_id], now)
            watch = replace(watch, overruns=tuple((what, at) for _line, what, at in overruns))
        watches[admission_id] = watch
    return watches


def watch_words(
    session: Session, db: Database, admission_id: int, at: datetime
) -> list[tuple[str, bool]]:
    """The dependency watch at ``at`` in words, each with whether it needs attention
    ("zopiclone 6 of 7 nights, 6 in a row — review due", True); empty when the policy has no
    dependency-review rule or no watched medicine was given in the watch period."""
    return watch_words_of(session, db, [admission_id], at)[admission_id]


def watch_words_of(
    session: Session, db: Database, admission_ids: Sequence[int], at: datetime
) -> dict[int, list[tuple[str, bool]]]:
    """``watch_words`` of several stays, with a fixed number of statements (the handoff board
    reads the whole ward)."""
    rule = db.policy.rules.get("dependency_review")
    watches = medicines_watches(session, db, admission_ids, at)
    words: dict[int, list[tuple[str, bool]]] = {}
    for admission_id in admission_ids:
        watch = watches[admission_id]
        words[admission_id] = (
            []
            if rule is None or watch is None
            else watch_lines(
                watch,
                max_nights=rule.number("max_consecutive_nights"),
                max_days=rule.number("max_consecutive_days"),
                rising_days=rule.number("rising_days"),
                min_rise=rule.number("min_rise"),
            )
        )
    return words


def apply_rules(
    session: Session,
    db: Database,
    admission_id: int,
    *,
    now: datetime,
    station: str,
    staff_id: int | None,
) -> list[EscalationChange]:
    """Evaluate the patient's rules and write the resulting escalations in ``session``."""
    return apply_rules_of(session, db, [admission_id], now=now, station=station, staff_id=staff_id)[
        admission_id
    ]


def apply_rules_of(
    session: Session,
    db: Database,
    admission_ids: Sequence[int],
    *,
    now: datetime,
    station: str,
    staff_id: int | None,
    windows: EntryWindows | None = None,
) -> dict[int, list[EscalationChange]]:
    """``apply_rules`` for several patients: their state read with a fixed number of
    statements, each evaluated on its own (a patient's rules read only that patient's
    entries, so the result is the same as one patient after another), the escalations
    written in ``session``. The monitor feed rules a whole ward's group in one pass, its
    entries carried from its last pass in ``windows`` (everything else is read afresh)."""
    ids = list(dict.fromkeys(admission_ids))
    if not ids:
        return {}
    states = repository.clinical_states(
        session,
        ids,
        since=now - db.policy.history_window,
        formulary=db.formulary,
        windows=windows,
    )
    watches = medicines_watches(session, db, ids, now)
    schedules = schedules_for(session, db, [(i, states[i].admitted_at) for i in ids], now)
    fluids = fluid_triggers_of(session, db, ids, now)
    resolved = repository.last_resolved_of(session, ids)
    changes: dict[int, list[EscalationChange]] = {}
    for admission_id in ids:
        state = replace(states[admission_id], medicines=watches[admission_id])
        triggers = evaluate(state, now=now, policy=db.policy, chart=db.chart, zone=db.shifts.zone)
        triggers = with_safety_triggers(db, schedules[admission_id], triggers)
        triggers += fluids[admission_id]
        latest_complete = next(
            (o for o in reversed(state.observations) if o.vitals.is_complete), None
        )
        actions = plan_escalations(
            state.open_escalations,
            triggers,
            resolved_at=resolved[admission_id],
            now=now,
            silence=silence_window(db.policy, latest_complete),
        )
        changes[admission_id] = _write_actions(
            session,
            admission_id,
            actions,
            state.open_escalations,
            now=now,
            station=station,
            staff_id=staff_id,
        )
    return changes


def apply_triggers(
    session: Session,
    admission_id: int,
    triggers: list[EscalationTrigger],
    kinds: frozenset[EscalationKind],
    *,
    now: datetime,
    station: str,
    staff_id: int | None,
) -> list[EscalationChange]:
    """Bring the admission's open escalations of ``kinds`` in line with ``triggers``, for a
    rule that runs apart from the clinical rules (care after discharge): raised once, updated
    when the words change, never raised again on evidence staff already resolved."""
    open_kinds = {
        kind: info
        for kind, info in repository.open_by_kind_of(session, admission_id).items()
        if kind in kinds
    }
    actions = plan_escalations(
        open_kinds, triggers, resolved_at=repository.last_resolved(session, admission_id)
    )
    return _write_actions(
        session, admission_id, actions, open_kinds, now=now, station=station, staff_id=staff_id
    )


def _write_actions(
    session: Session,
    admission_id: int,
    actions: list[EscalationAction],
    open_escalations: Mapping[EscalationKind, OpenEscalation],
    *,
    now: datetime,
    station: str,
    staff_id: int | None,
) -> list[EscalationChange]:
    """Write the planned actions; one change-feed row when anything changed."""
    changes: list[EscalationChange] = []
    for action in actions:
        change = _apply_action(
            session,
            admission_id,
            action,
            open_escalations,
            now=now,
            station=station,
            staff_id=staff_id,
        )
        if change is not None:
            changes.append(change)
    if changes:
        record_change(session, "escalation", admission_id, station)
    return changes


def resolve_open(
    session: Session,
    admission_id: int,
    outcome: str,
    *,
    now: datetime,
    staff_id: int | None,
    station: str,
    kinds: frozenset[EscalationKind] | None = None,
) -> list[int]:
    """Resolve the admission's open escalations (of ``kinds``, default all) in the caller's
    transaction because what they asked for happened; each gets ``outcome`` on its trail."""
    closed = []
    for row in session.scalars(
        select(EscalationRow).where(
            EscalationRow.admission_id == admission_id, EscalationRow.resolved_at.is_(None)
        )
    ):
        if kinds is not None and EscalationKind(row.kind) not in kinds:
            continue
        row.state = EscalationState.RESOLVED.value
        row.resolved_at = now
        row.resolved_by_id = staff_id
        row.outcome = outcome
        row.updated_at = now
        _event(session, row.id, now, staff_id, station, "resolved", outcome)
        closed.append(row.id)
    if closed:
        session.flush()
        record_change(session, "escalation", admission_id, station)
    return closed


def _apply_action(
    session: Session,
    admission_id: int,
    action: EscalationAction,
    open_escalations: Mapping[EscalationKind, OpenEscalation],
    *,
    now: datetime,
    station: str,
    staff_id: int | None,
) -> EscalationChange | None:
    """Write one planned action inside a savepoint.

    Another station may raise or update the same escalation at the same moment (the
    one-open-per-kind index or the row version then refuses this write). The clinical entry
    being saved must not fail for that: the savepoint is rolled back, the other station's row
    is read, and the trigger is applied to it — raising its severity if this one is worse.
    """
    trigger: EscalationTrigger = action.trigger
    existing_id = open_escalations[trigger.kind].id if trigger.kind in open_escalations else None
    for _attempt in range(3):
        try:
            with session.begin_nested():
                if existing_id is None:
                    row = _raise_row(session, admission_id, trigger, now)
                    _event(
                        session,
                        row.id,
                        now,
                        staff_id,
                        station,
                        "raised",
                        f"{trigger.severity.label}: {trigger.explanation}",
                    )
                    return EscalationChange(row.id, trigger.kind, trigger.severity, "raise")
                row = session.get_one(EscalationRow, existing_id)
                louder = reopens(trigger, Severity(row.severity), row.grade or 0)
                if action.action == "reopen" and not louder:
                    if row.state != EscalationState.ACKNOWLEDGED.value:
                        return None  # another station re-opened or resolved it meanwhile
                    _reopen_row(row, trigger, now)
                    session.flush()
                    _event(
                        session,
                        row.id,
                        now,
                        staff_id,
                        station,
                        "returned",
                        f"still true after acknowledgement: {trigger.explanation}",
                    )
                    return EscalationChange(row.id, trigger.kind, Severity(row.severity), "reopen")
                verb = "raise_severity" if louder else "update"
                if (
                    verb == "update"
                    and (row.explanation, row.rule_id) == (trigger.explanation, trigger.rule_id)
                    and trigger.grade <= (row.grade or 0)
                ):
                    return None
                was = Severity(row.severity)
                _update_row(row, trigger, verb, now)
                session.flush()
                detail = trigger.explanation
                if verb == "raise_severity":
                    detail = (
                        f"severity raised to {trigger.severity.label}: {trigger.explanation}"
                        if trigger.severity > was
                        else f"worse ({trigger.severity.label}, re-opened): {trigger.explanation}"
                    )
                _event(session, row.id, now, staff_id, station, verb, detail)
                return EscalationChange(row.id, trigger.kind, trigger.severity, verb)
        except (IntegrityError, StaleDataError):
            session.expire_all()
            existing_id = session.scalar(
                select(EscalationRow.id).where(
                    EscalationRow.admission_id == admission_id,
                    EscalationRow.kind == trigger.kind.value,
                    EscalationRow.resolved_at.is_(None),
                )
            )
    return None


def _raise_row(
    session: Session, admission_id: int, trigger: EscalationTrigger, now: datetime
) -> EscalationRow:
    row = EscalationRow(
        admission_id=admission_id,
        kind=trigger.kind.value,
        severity=int(trigger.severity),
        grade=trigger.grade,
        state=EscalationState.OPEN.value,
        rule_id=trigger.rule_id,
        explanation=trigger.explanation,
        prompts=list(trigger.prompts),
        raised_at=now,
        updated_at=now,
        policy_digest=session.info.get(POLICY_DIGEST),
    )
    session.add(row)
    session.flush()
    return row


def _update_row(row: EscalationRow, trigger: EscalationTrigger, verb: str, now: datetime) -> None:
    if verb == "raise_severity":
        row.severity = max(row.severity, int(trigger.severity))
        # A more severe alarm, or a higher grade of the same kind, needs fresh ownership: back
        # to open and re-announce. Worse values inside a grade only update the text below.
        row.state = EscalationState.OPEN.value
        row.last_announced_at = None
        row.snoozed_until = None
    row.grade = max(row.grade or 0, trigger.grade)
    row.explanation = trigger.explanation
    row.rule_id = trigger.rule_id
    row.prompts = list(trigger.prompts)
    row.updated_at = now
    if verb == "raise_severity":
        row.policy_digest = session_digest(row)


def session_digest(row: EscalationRow) -> str | None:
    """The digest of the policy of the transaction ``row`` is being written in."""
    session = object_session(row)
    return None if session is None else session.info.get(POLICY_DIGEST)


def _reopen_row(row: EscalationRow, trigger: EscalationTrigger, now: datetime) -> None:
    """A time-driven alarm still true after its quiet while: unacknowledged and announced
    again (the trail keeps who acknowledged it and when)."""
    row.state = EscalationState.OPEN.value
    row.acknowledged_at = None
    row.acknowledged_by_id = None
    row.snoozed_until = None
    row.last_announced_at = None
    row.explanation = trigger.explanation
    row.rule_id = trigger.rule_id
    row.prompts = list(trigger.prompts)
    row.updated_at = now


def _audit_automatic(
    session: Session,
    system: Actor,
    now: datetime,
    action: str,
    admission_id: int,
    detail: dict[str, Any],
) -> None:
    """An audit row for something the ward's timers did: attributed to the system account."""
    if system.role is not Role.SYSTEM:
        raise PermissionDenied("automatic actions are never attributed to a person")
    repository.write_audit(
        session,
        at=now,
        staff_id=system.staff_id,
        station=system.station,
        action=action,
        entity="admission",
        entity_id=admission_id,
        detail=detail,
    )


def _change_detail(change: EscalationChange) -> dict[str, Any]:
    return {
        "escalation_id": change.escalation_id,
        "kind": change.kind.value,
        "severity": change.severity.label,
        "change": change.action,
    }


def _event(
    session: Session,
    escalation_id: int,
    at: datetime,
    staff_id: int | None,
    station: str,
    action: str,
    detail: str,
    *,
    confirmed_by_id: int | None = None,
) -> None:
    by_rules = action in {"raised", "raise_severity", "update", "returned"}
    session.add(
        EscalationEventRow(
            escalation_id=escalation_id,
            at=at,
            staff_id=staff_id,
            station=station,
            action=action,
            detail=detail,
            policy_digest=session.info.get(POLICY_DIGEST) if by_rules else None,
            confirmed_by_id=confirmed_by_id,
        )
    )


SECOND_PERSON_ACTIONS = frozenset({"not_escalated", "snoozed"})
"""Actions that silence an alarm: on an emergency they need a second member of staff."""
SECOND_PERSON_NEEDED = (
    "an emergency is declined or snoozed only with a second member of staff: ask a colleague "
    "to sign in and confirm"
)


def _check_second_person(
    session: Session, actor: Actor, confirmed_by: Actor | None, action: str
) -> None:
    """The second person is someone else, active, and allowed to handle escalations."""
    if confirmed_by is None:
        raise SecondPersonNeeded(SECOND_PERSON_NEEDED)
    if confirmed_by.staff_id == actor.staff_id:
        raise SecondPersonNeeded(
            "the second member of staff must be someone other than the one who "
            f"{'declines' if action == 'not_escalated' else 'snoozes'}"
        )
    staff = session.get(Staff, confirmed_by.staff_id)
    if staff is None or not staff.active or not confirmed_by.can(Permission.ACKNOWLEDGE):
        raise SecondPersonNeeded(f"{confirmed_by.display_name} may not confirm this")


class SecondPersonNeeded(PermissionDenied):
    """Declining or snoozing an emergency needs a second member of staff (policy flag)."""


@dataclass(frozen=True, slots=True)
class EscalationEvent:
    at: datetime
    action: str
    detail: str
    staff: str | None
    station: str
    policy_digest: str | None = None
    """For events of the rules (raised, severity raised, updated): the policy that did it."""
    confirmed_by: str | None = None
    """The second member of staff who confirmed (declining or snoozing an emergency)."""


@dataclass(frozen=True, slots=True)
class EscalationBoard:
    """The ward's open escalations at one moment (``taken_at`` is the clock for ages)."""

    taken_at: datetime
    escalations: tuple[EscalationInfo, ...]


@dataclass(frozen=True, slots=True)
class WardChecks:
    """When the time-driven ward checks (overdue observations, missed safety checks) last
    ran on any station, and whether this station's clock agrees with the server's."""

    now: datetime
    last_ran_at: datetime | None
    """None: never (no console has run them on this database)."""
    station: str | None
    stale_after: timedelta
    clock_skew: timedelta | None
    """This station's clock minus the database server's (None: not measured yet)."""
    max_clock_skew: timedelta

    @property
    def stale(self) -> bool:
        """Nobody is watching: the checks have not run within the policy minutes."""
        return self.last_ran_at is None or self.now - self.last_ran_at > self.stale_after

    @property
    def clock_off(self) -> bool:
        return self.clock_skew is not None and abs(self.clock_skew) > self.max_clock_skew


class EscalationService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the ward clock and policy (no database) ---------------------------------------------

    @property
    def policy(self) -> EscalationPolicy:
        return self._db.policy

    def now(self) -> datetime:
        """The ward clock (UTC, aware): ages and alarm intervals are measured on it."""
        return self._db.clock()

    # -- a station's ward tick and alarms ----------------------------------------------------

    @checks_text
    def ward_tick(self, station: str) -> list[EscalationChange]:
        """A station's ward tick: seal the audit rows that have settled into the record's hash
        chain (the ledger's timer — a row is protected within ``ledger.SETTLE`` and one tick of
        being written, whoever is signed in), then run the time-driven rules for every admitted
        patient as the system account (``evaluate_ward``)."""
        AuditService(self._db).seal_settled(station)
        return self.evaluate_ward(StaffService(self._db).system_actor(station))

    @checks_text
    def record_announcements(
        self, announcements: Sequence[Announcement], station: str
    ) -> list[int]:
        """Write down what ``station`` announced; returns the ids it actually cascaded."""
        if not announcements:
            return []
        plain = [a.escalation_id for a in announcements if not a.cascades]
        cascades = {a.escalation_id: a.cascade_from for a in announcements if a.cascades}
        if plain:
            self.mark_announced(plain, False, station=station)
        if not cascades:
            return []
        return self.mark_announced(list(cascades), True, station=station, cascade_from=cascades)

    def policy_status(self) -> PolicyStatus:
        """This station's policy against the ward's (and which files are unsigned)."""
        return GovernanceService(self._db).status()

    def open(self) -> list[EscalationInfo]:
        with self._db.read() as session:
            return repository.open_escalations(session)

    def get(self, escalation_id: int) -> EscalationInfo:
        with self._db.read() as session:
            info = repository.escalation(session, escalation_id)
        if info is None:
            raise NotFound(f"escalation {escalation_id} does not exist")
        return info

    def trail(self, escalation_id: int) -> list[EscalationEvent]:
        confirmer = aliased(Staff)
        with self._db.read() as session:
            rows = session.execute(
                select(EscalationEventRow, Staff.display_name, confirmer.display_name)
                .outerjoin(Staff, Staff.id == EscalationEventRow.staff_id)
                .outerjoin(confirmer, confirmer.id == EscalationEventRow.confirmed_by_id)
                .where(EscalationEventRow.escalation_id == escalation_id)
                .order_by(EscalationEventRow.at, EscalationEventRow.id)
            ).all()
        return [
            EscalationEvent(e.at, e.action, e.detail, name, e.station, e.policy_digest, second)
            for e, name, second in rows
        ]

    def evaluate_ward(self, actor: Actor) -> list[EscalationChange]:
        """Time-driven rules (overdue observations) for every admitted patient.

        Runs as the system account whoever is signed in (``actor`` names only the station):
        each patient whose escalations it changes gets an audit row attributed to the system
        account, never to a person who did not act. Raises ``PolicyMismatch`` on a station whose
        policy is not the ward's: it must not alarm on thresholds the other stations do not
        share. Also re-measures this station's clock against the server's and records when and
        where the checks ran, so every station can tell when nobody is running them.
        """
        system = StaffService(self._db).system_actor(actor.station)
        self._db.sync_clock()
        now = self._db.clock()
        changes: list[EscalationChange] = []
        with self._db.read() as session:
            GovernanceService(self._db).check_can_run_ward_rules(session)
            ids = [a.admission_id for a in repository.open_admissions(session)]
        for admission_id in ids:
            try:
                with self._db.transaction() as session:
                    changed = apply_rules(
                        session,
                        self._db,
                        admission_id,
                        now=now,
                        station=system.station,
                        staff_id=None,
                    )
                    if changed:
                        _audit_automatic(
                            session,
                            system,
                            now,
                            "time_driven_rules",
                            admission_id,
                            {"changes": [_change_detail(c) for c in changed]},
                        )
                    changes += changed
            except IntegrityError:
                continue  # another station raised the same escalation at the same moment
        changes += self._follow_ups_overdue(system, now)
        self._mark_ward_checks(system.station, now)
        return changes

    def _follow_ups_overdue(self, system: Actor, now: datetime) -> list[EscalationChange]:
        """Care after discharge: each open follow-up past its due time escalates (HAZ-129),
        whether or not the patient is still on the ward."""
        from wardconsole.services.follow_up_rules import (  # it builds on this module
            follow_up_escalation,
            overdue_follow_up_ids,
        )

        with self._db.read() as session:
            ids = overdue_follow_up_ids(session, now)
        changes: list[EscalationChange] = []
        for follow_up_id in ids:
            try:
                with self._db.transaction() as session:
                    follow_up = session.get_one(FollowUpRow, follow_up_id)
                    if follow_up.closed_at is not None:
                        continue  # closed at another station meanwhile
                    changed = follow_up_escalation(
                        session, self._db, follow_up, now=now, station=system.station, staff_id=None
                    )
                    if changed:
                        _audit_automatic(
                            session,
                            system,
                            now,
                            "time_driven_rules",
                            follow_up.admission_id,
                            {"changes": [_change_detail(c) for c in changed]},
                        )
                    changes += changed
            except IntegrityError:
                continue
        return changes

    def _mark_ward_checks(self, station: str, now: datetime) -> None:
        for _attempt in range(2):
            try:
                with self._db.transaction() as session:
                    done = session.execute(
                        update(WardCheckRow)
                        .where(WardCheckRow.station == station)
                        .values(ran_at=now)
                        .execution_options(synchronize_session=False)
                    )
                    if not done.rowcount:  # type: ignore[attr-defined]
                        session.add(WardCheckRow(station=station, ran_at=now))
                return
            except IntegrityError:
                continue  # the same station name started twice: the other row is there now

    def ward_checks(self) -> WardChecks:
        """When the ward checks last ran anywhere, for the status line every station shows."""
        now = self._db.clock()
        with self._db.read() as session:
            row = session.execute(
                select(WardCheckRow.ran_at, WardCheckRow.station)
                .order_by(WardCheckRow.ran_at.desc())
                .limit(1)
            ).first()
        policy = self._db.policy
        return WardChecks(
            now=now,
            last_ran_at=row.ran_at if row else None,
            station=row.station if row else None,
            stale_after=policy.ward_checks_stale,
            clock_skew=self._db.clock_skew,
            max_clock_skew=policy.max_clock_skew,
        )

    def acknowledge(self, actor: Actor, escalation_id: int, expected_version: int) -> None:
        """'I am on it.' Exactly one station wins when two acknowledge at once."""
        require(actor, Permission.ACKNOWLEDGE)
        self._transition(
            actor,
            escalation_id,
            expected_version,
            allowed_from={EscalationState.OPEN},
            action="acknowledged",
            detail="",
            changes={
                "state": EscalationState.ACKNOWLEDGED.value,
                "acknowledged_at": NOW,
                "acknowledged_by_id": actor.staff_id,
            },
        )

    @checks_text
    def raise_concern(
        self, actor: Actor, admission_id: int, severity: Severity, reason: str
    ) -> EscalationChange:
        """A member of staff is worried about a patient: escalate whatever the scores say.

        SIGN 167 (REFERENCE-2.md §12.10): an observation score is an aid to clinical judgement
        and never replaces clinical concern. The concern is an ordinary escalation (banner,
        sound, acknowledge, cascade, handoff, audit, FHIR Flag) of kind ``staff_concern``;
        severity urgent or emergency, reason required. A second concern while one is open
        joins it: a more severe one raises its severity and needs fresh acknowledgement.
        """
        require(actor, Permission.RECORD)
        reason = reason.strip()
        problems = {}
        if not reason:
            problems["reason"] = "reason: say what worries you about the patient"
        elif problem := text_problem("reason", reason, max_length=MAX_NOTE, multiline=True):
            problems["reason"] = problem
        if severity not in CONCERN_SEVERITIES:
            problems["severity"] = "severity: urgent or emergency"
        if problems:
            raise InvalidInput(problems)
        now = self._db.clock()
        trigger = EscalationTrigger(
            kind=EscalationKind.STAFF_CONCERN,
            severity=severity,
            rule_id="staff_concern/raised",
            explanation=f"{actor.display_name}: {reason}",
            prompts=(PROMPT_CONCERN,),
            evidence_at=now,
        )
        with self._db.transaction() as session:
            admission = session.get(Admission, admission_id)
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            if admission.discharged_at is not None:
                raise ServiceError("this patient has been discharged; the record is read-only")
            state = repository.clinical_state(
                session, admission_id, since=now, formulary=self._db.formulary
            )
            existing = state.open_escalations.get(EscalationKind.STAFF_CONCERN)
            if existing is None:
                action = EscalationAction(trigger.kind, "raise", trigger)
            elif severity > existing.severity:
                action = EscalationAction(trigger.kind, "raise_severity", trigger)
            else:
                kept = replace(trigger, severity=existing.severity)
                action = EscalationAction(trigger.kind, "update", kept)
            change = _apply_action(
                session,
                admission_id,
                action,
                state.open_escalations,
                now=now,
                station=actor.station,
                staff_id=actor.staff_id,
            )
            if change is None and existing is not None:  # the same words again: nothing new
                change = EscalationChange(existing.id, trigger.kind, existing.severity, "update")
            if change is None:
                raise ConflictError("another station changed this patient's concern; try again")
            self._audit(
                session,
                actor,
                now,
                "raise_concern",
                change.escalation_id,
                {"severity": severity.label, "reason": reason, "admission": admission_id},
            )
            record_change(session, "escalation", admission_id, actor.station)
        return change

    @checks_text
    def record_action(self, actor: Actor, escalation_id: int, text: str) -> None:
        require(actor, Permission.ACKNOWLEDGE)
        text = text.strip()
        if not text:
            raise InvalidInput({"action": "describe the action taken"})
        now = self._db.clock()
        with self._db.transaction() as session:
            row = self._open_row(session, escalation_id)
            row.updated_at = now
            _event(session, row.id, now, actor.staff_id, actor.station, "action", text)
            self._audit(session, actor, now, "escalation_action", row.id, {"text": text})
            record_change(session, "escalation", row.admission_id, actor.station)

    @checks_text
    def resolve(
        self, actor: Actor, escalation_id: int, expected_version: int, outcome: str
    ) -> None:
        require(actor, Permission.ACKNOWLEDGE)
        outcome = outcome.strip()
        if not outcome:
            raise InvalidInput({"outcome": "say how the escalation ended"})
        self._transition(
            actor,
            escalation_id,
            expected_version,
            allowed_from={EscalationState.OPEN, EscalationState.ACKNOWLEDGED},
            action="resolved",
            detail=outcome,
            changes={
                "state": EscalationState.RESOLVED.value,
                "resolved_at": NOW,
                "resolved_by_id": actor.staff_id,
                "outcome": outcome,
            },
        )

    @checks_text
    def snooze(
        self,
        actor: Actor,
        escalation_id: int,
        expected_version: int,
        minutes: int,
        reason: str,
        *,
        confirmed_by: Actor | None = None,
    ) -> None:
        """Silence re-announcement for a while, with a reason; never beyond the policy max.
        An emergency needs ``confirmed_by``, a second member of staff (policy flag)."""
        require(actor, Permission.ACKNOWLEDGE)
        reason = reason.strip()
        max_minutes = int(self._db.policy.max_snooze.total_seconds() // 60)
        problems = {}
        if not reason:
            problems["reason"] = "a snooze needs a reason"
        if not 1 <= minutes <= max_minutes:
            problems["minutes"] = f"snooze between 1 and {max_minutes} minutes"
        if problems:
            raise InvalidInput(problems)
        self._transition(
            actor,
            escalation_id,
            expected_version,
            allowed_from={EscalationState.OPEN, EscalationState.ACKNOWLEDGED},
            action="snoozed",
            detail=f"{minutes} min: {reason}",
            changes={"snoozed_until": timedelta(minutes=minutes)},
            confirmed_by=confirmed_by,
        )

    @checks_text
    def decline(
        self,
        actor: Actor,
        escalation_id: int,
        expected_version: int,
        reason: str,
        *,
        confirmed_by: Actor | None = None,
    ) -> None:
        """Decide not to escalate: closes the alarm, openly, with the nurse's reason.

        Alert fatigue is handled in the open: the decision, who made it and why stay on the
        trail (and in the handoff); evidence already seen does not raise it again. Declining an
        emergency needs ``confirmed_by``, a second member of staff who signed in to confirm
        (``[alerts] emergency_needs_second_person``, on by default); both are recorded.
        """
        require(actor, Permission.ACKNOWLEDGE)
        reason = reason.strip()
        if not reason:
            raise InvalidInput({"reason": "say why this does not need escalating"})
        self._transition(
            actor,
            escalation_id,
            expected_version,
            allowed_from={EscalationState.OPEN, EscalationState.ACKNOWLEDGED},
            action="not_escalated",
            detail=reason,
            changes={
                "state": EscalationState.RESOLVED.value,
                "resolved_at": NOW,
                "resolved_by_id": actor.staff_id,
                "outcome": f"Not escalated: {reason}",
            },
            confirmed_by=confirmed_by,
        )

    def needs_second_person(self, escalation_id: int) -> bool:
        """Whether declining or snoozing this escalation needs a second member of staff."""
        return self._db.policy.second_person_for_emergency and (
            self.get(escalation_id).severity is Severity.EMERGENCY
        )

    def board(self) -> EscalationBoard:
        """Every open escalation on the ward, most severe then oldest first, with the time."""
        now = self._db.clock()
        with self._db.read() as session:
            escalations = tuple(repository.open_escalations(session))
        return EscalationBoard(taken_at=now, escalations=escalations)

    @checks_text
    def mark_announced(
        self,
        escalation_ids: list[int],
        cascade: bool,
        *,
        station: str = "",
        cascade_from: Mapping[int, int] | None = None,
    ) -> list[int]:
        """Record that ``station`` announced (and possibly cascaded) these escalations.

        Announcing is bookkeeping, not a change of ownership, so it does not bump the row
        version: a nurse acknowledging while the alarm repeats never meets a false conflict.
        With ``cascade_from`` (id -> level the station saw), a cascade happens only if the
        escalation is still open at that level, so two stations cascading at once move it one
        step, not two. Returns the ids actually cascaded.
        """
        system = StaffService(self._db).system_actor(station) if cascade else None
        now = self._db.clock()
        cascaded: list[int] = []
        with self._db.transaction() as session:
            session.execute(
                update(EscalationRow)
                .where(EscalationRow.id.in_(escalation_ids))
                .values(last_announced_at=now)
                .execution_options(synchronize_session=False)
            )
            if not cascade:
                return cascaded
            for escalation_id in escalation_ids:
                query = update(EscalationRow).where(
                    EscalationRow.id == escalation_id,
                    EscalationRow.state == EscalationState.OPEN.value,
                )
                if cascade_from is not None:
                    if escalation_id not in cascade_from:
                        continue
                    query = query.where(EscalationRow.cascade_level == cascade_from[escalation_id])
                result = session.execute(
                    query.values(cascade_level=EscalationRow.cascade_level + 1)
                    .returning(EscalationRow.cascade_level, EscalationRow.admission_id)
                    .execution_options(synchronize_session=False)
                ).first()
                if result is None or system is None:
                    continue  # acknowledged, resolved or already cascaded elsewhere
                level, admission_id = result
                target = cascade_target(self._db.policy, level) or f"level {level}"
                _event(
                    session, escalation_id, now, None, station, "cascaded", f"cascaded to {target}"
                )
                _audit_automatic(
                    session,
                    system,
                    now,
                    "escalation_cascaded",
                    admission_id,
                    {"escalation_id": escalation_id, "level": level, "to": target},
                )
                record_change(session, "escalation", admission_id, station)
                cascaded.append(escalation_id)
        return cascaded

    # -- helpers ---------------------------------------------------------------------------

    def _open_row(self, session: Session, escalation_id: int) -> EscalationRow:
        row = session.get(EscalationRow, escalation_id)
        if row is None:
            raise NotFound(f"escalation {escalation_id} does not exist")
        if row.state == EscalationState.RESOLVED.value:
            raise ConflictError("this escalation is already resolved")
        return row

    def _transition(
        self,
        actor: Actor,
        escalation_id: int,
        expected_version: int,
        *,
        allowed_from: set[EscalationState],
        action: str,
        detail: str,
        changes: dict[str, Any],
        confirmed_by: Actor | None = None,
    ) -> None:
        """Apply ``changes`` if the row is still at ``expected_version`` and in an allowed state.

        ``NOW`` in a value stands for the transaction time; a timedelta is added to it.
        ``confirmed_by`` is the second member of staff (checked here for an emergency).
        """
        now = self._db.clock()
        try:
            with self._db.transaction() as session:
                row = session.get(EscalationRow, escalation_id)
                if row is None:
                    raise NotFound(f"escalation {escalation_id} does not exist")
                state = EscalationState(row.state)
                if row.version != expected_version or state not in allowed_from:
                    raise ConflictError(self._taken_message(escalation_id))
                if action in SECOND_PERSON_ACTIONS and (
                    confirmed_by is not None
                    or (
                        self._db.policy.second_person_for_emergency
                        and row.severity == Severity.EMERGENCY
                    )
                ):
                    _check_second_person(session, actor, confirmed_by, action)
                    if confirmed_by is not None:
                        detail = f"{detail} (confirmed by {confirmed_by.display_name})"
                for name, value in changes.items():
                    if value is NOW:
                        value = now
                    elif isinstance(value, timedelta):
                        value = now + value
                    setattr(row, name, value)
                row.updated_at = now
                session.flush()  # version check happens here: UPDATE ... WHERE version = n
                _event(
                    session,
                    row.id,
                    now,
                    actor.staff_id,
                    actor.station,
                    action,
                    detail,
                    confirmed_by_id=confirmed_by.staff_id if confirmed_by else None,
                )
                audit_detail: dict[str, Any] = {"detail": detail} if detail else {}
                if confirmed_by is not None:
                    audit_detail["confirmed_by"] = confirmed_by.staff_code
                self._audit(session, actor, now, f"escalation_{action}", row.id, audit_detail)
                record_change(session, "escalation", row.admission_id, actor.station)
        except StaleDataError:
            raise ConflictError(self._taken_message(escalation_id)) from None

    def _taken_message(self, escalation_id: int) -> str:
        info = self.get(escalation_id)
        if info.state is EscalationState.RESOLVED:
            who = info.resolved_by or "someone else"
            return f"{who} already resolved this escalation"
        if info.state is EscalationState.ACKNOWLEDGED:
            who = info.acknowledged_by or "someone else"
            return f"{who} already acknowledged this escalation"
        return "this escalation changed on another station; look again before acting"

    @staticmethod
    def _audit(
        session: Session,
        actor: Actor,
        now: datetime,
        action: str,
        entity_id: int,
        detail: dict[str, Any],
    ) -> None:
        repository.write_audit(
            session,
            at=now,
            staff_id=actor.staff_id,
            station=actor.station,
            action=action,
            entity="escalation",
            entity_id=entity_id,
            detail=detail,
        )
