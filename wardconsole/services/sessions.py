"""Recording therapy and support sessions, and the ward's list of who has had 1:1 contact today.

``record_session`` writes, in one transaction, the craving ratings taken before and after the
session as ordinary craving assessments (audited ``record_assessment``, so the craving rule and
chart see them), then the session row linked to them (audited ``record_session``), then runs the
patient's rules. A correction is a new session row (``amend_session``); a changed craving rating
is a new assessment row amending the linked one. Bad input raises ``InvalidInput`` naming the
field and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from wardconsole.domain.sessions import (
    DayStatus,
    SessionEntry,
    SessionFact,
    check_session,
    day_status,
    ward_day_start,
)
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    NotFound,
    Permission,
    ServiceError,
    as_utc,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationChange, apply_rules
from wardconsole.services.recording import (
    FUTURE_TOLERANCE,
    RecordingService,
    _assessment_row,
    _check_assessment,
    _stamp,
)
from wardconsole.services.save_once import check_save_key, save_exactly_once
from wardconsole.services.text_rule import checks_text
from wardconsole.store import repository
from wardconsole.store import sessions as q
from wardconsole.store.entries import new_entry, superseded_by
from wardconsole.store.models import AssessmentRow, SupportSessionRow

KIND = "session"
"""The entry kind's stored name (``EntryKind.SESSION``): audit entity, change topic, receipt."""


@dataclass(frozen=True, slots=True)
class SessionResult:
    """What a saved session wrote."""

    session_id: int
    admission_id: int
    craving_before_id: int | None
    craving_after_id: int | None
    escalations: tuple[EscalationChange, ...] = ()
    already_saved: bool = False


@dataclass(frozen=True, slots=True)
class SessionToday:
    """One patient on the ward's day list."""

    admission_id: int
    bed: str
    patient_name: str
    status: DayStatus
    sessions: tuple[SessionFact, ...]


@dataclass(frozen=True, slots=True)
class SessionDay:
    """The ward's day so far: every patient on the ward, those with no 1:1 contact first."""

    day_start: datetime
    as_of: datetime
    patients: tuple[SessionToday, ...]

    @property
    def without_contact(self) -> int:
        return sum(1 for p in self.patients if p.status.no_contact)


class SessionService:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._recording = RecordingService(db)

    def now(self) -> datetime:
        return self._db.clock()

    # -- recording ------------------------------------------------------------------------

    @checks_text
    def record_session(
        self,
        actor: Actor,
        admission_id: int,
        *,
        session_type: str,
        attendance: str,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        led_by: str = "",
        craving_before: int | None = None,
        craving_after: int | None = None,
        note: str = "",
        save_key: str | None = None,
    ) -> SessionResult:
        """Record one session; with ``save_key`` a retried save never records it twice."""
        require(actor, Permission.RECORD)
        check_save_key(save_key)
        now = self._db.clock()
        entry = self._check(
            now,
            session_type=session_type,
            attendance=attendance,
            started_at=started_at,
            ended_at=ended_at,
            led_by=led_by,
            craving_before=craving_before,
            craving_after=craving_after,
            note=note,
        )

        def write(session: Session) -> tuple[SessionResult, dict[str, Any]]:
            self._admission(session, admission_id, entry.started_at, now)
            result = self._write(session, actor, admission_id, entry, now)
            return result, {
                KIND: result.session_id,
                "craving_before": result.craving_before_id,
                "craving_after": result.craving_after_id,
            }

        return save_exactly_once(
            self._db,
            actor,
            save_key=save_key,
            kind=KIND,
            admission_id=admission_id,
            now=now,
            write=write,
            earlier=lambda _session, receipt: SessionResult(
                int(receipt.entries[KIND]),
                admission_id,
                receipt.entries.get("craving_before"),
                receipt.entries.get("craving_after"),
                already_saved=True,
            ),
        )

    @checks_text
    def amend_session(
        self,
        actor: Actor,
        session_id: int,
        *,
        reason: str,
        session_type: str,
        attendance: str,
        started_at: datetime,
        ended_at: datetime,
        led_by: str = "",
        craving_before: int | None = None,
        craving_after: int | None = None,
        note: str = "",
    ) -> SessionResult:
        """Correct a session: a new row replaces it; the original stays in the history.

        A craving rating already recorded cannot be left blank here (strike the craving entry
        out in the history instead); a changed one is recorded as a correction of it.
        """
        require(actor, Permission.RECORD)
        reason = reason.strip()
        if not reason:
            raise InvalidInput({"reason": "reason: say why the session is being corrected"})
        now = self._db.clock()
        entry = self._check(
            now,
            session_type=session_type,
            attendance=attendance,
            started_at=started_at,
            ended_at=ended_at,
            led_by=led_by,
            craving_before=craving_before,
            craving_after=craving_after,
            note=note,
        )
        with self._db.transaction() as session:
            original = session.get(SupportSessionRow, session_id)
            if original is None:
                raise NotFound(f"session {session_id} does not exist")
            RecordingService._require_current(session, SupportSessionRow, original)
            self._admission(session, original.admission_id, entry.started_at, now)
            return self._write(
                session, actor, original.admission_id, entry, now, original=original, reason=reason
            )

    def _admission(
        self, session: Session, admission_id: int, started_at: datetime, now: datetime
    ) -> None:
        """The admission is open and the session started within it (named ``started_at``)."""
        try:
            self._recording._admission(session, admission_id, started_at, now)
        except InvalidInput as exc:
            raise InvalidInput(
                {
                    "started_at" if key == "taken_at" else key: message.replace(
                        "taken_at:", "started_at:"
                    )
                    for key, message in exc.problems.items()
                }
            ) from None

    def _check(self, now: datetime, **given: Any) -> SessionEntry:
        started = as_utc("started_at", given.pop("started_at")) or now
        ended = as_utc("ended_at", given.pop("ended_at")) or now
        try:
            entry = check_session(started_at=started, ended_at=ended, **given)
        except ValueError as exc:
            raise InvalidInput(dict(exc.args[0])) from None
        if ended > now + FUTURE_TOLERANCE:
            raise InvalidInput({"ended_at": "ended_at: is in the future; check the time"})
        return entry

    def _write(
        self,
        session: Session,
        actor: Actor,
        admission_id: int,
        entry: SessionEntry,
        now: datetime,
        *,
        original: SupportSessionRow | None = None,
        reason: str | None = None,
    ) -> SessionResult:
        before_id = self._craving(
            session,
            actor,
            admission_id,
            entry.craving_before,
            entry.started_at,
            now,
            linked=original.craving_before_id if original else None,
            field="craving_before",
        )
        after_id = self._craving(
            session,
            actor,
            admission_id,
            entry.craving_after,
            entry.ended_at,
            now,
            linked=original.craving_after_id if original else None,
            field="craving_after",
        )
        row = new_entry(
            SupportSessionRow,
            _stamp(
                actor,
                admission_id,
                entry.started_at,
                now,
                entry.note,
                original.id if original else None,
                reason,
            ),
            session_type=entry.session_type.value,
            attendance=entry.attendance.value,
            ended_at=entry.ended_at,
            led_by=entry.led_by,
            craving_before_id=before_id,
            craving_after_id=after_id,
        )
        detail = {"session_type": row.session_type, "attendance": row.attendance}
        RecordingService._write_entry(session, actor, row, KIND, now, detail)
        changes = apply_rules(
            session,
            self._db,
            admission_id,
            now=now,
            station=actor.station,
            staff_id=actor.staff_id,
        )
        return SessionResult(row.id, admission_id, before_id, after_id, tuple(changes))

    @staticmethod
    def _craving(
        session: Session,
        actor: Actor,
        admission_id: int,
        value: int | None,
        taken_at: datetime,
        now: datetime,
        *,
        linked: int | None,
        field: str,
    ) -> int | None:
        """The id of the craving assessment to link: the one already linked when unchanged,
        else a new rating (a correction of the linked one when there is one)."""
        old = session.get(AssessmentRow, linked) if linked is not None else None
        if value is None:
            if old is not None:
                raise InvalidInput(
                    {
                        field: f"{field}: a rating was recorded; to remove it, mark that craving "
                        "entry as entered in error in the history"
                    }
                )
            return None
        if old is not None and old.total == value and old.taken_at == taken_at:
            return old.id
        if old is not None and superseded_by(session, old) is not None:
            raise ServiceError(
                f"{field}: the linked craving rating has been corrected since; correct it in "
                "the history"
            )
        answers = {"score": value}
        score = _check_assessment("craving", answers)
        row = _assessment_row(
            actor,
            admission_id,
            "craving",
            answers,
            score,
            taken_at=taken_at,
            now=now,
            note="",
            amends_id=old.id if old is not None else None,
            amend_reason="Corrected with its session" if old is not None else None,
        )
        RecordingService._write_entry(
            session, actor, row, "assessment", now, {"kind": "craving", "total": score.total}
        )
        return int(row.id)

    # -- reading ------------------------------------------------------------------------------

    def day(self, actor: Actor, *, now: datetime | None = None) -> SessionDay:
        """Every patient on the ward now and their sessions since the ward day began (local
        midnight); those with no 1:1 key-worker contact yet come first, in bed order."""
        require(actor, Permission.VIEW)
        now = as_utc("now", now) or self._db.clock()
        start = ward_day_start(now, self._db.shifts.zone)
        with self._db.read() as session:
            stays = repository.open_admissions(session)
            facts = q.session_facts(
                session, [s.admission_id for s in stays], since=start, until=now
            )
            beds = {label: order for order, (_id, label) in enumerate(repository.beds(session))}
        patients = [
            SessionToday(
                s.admission_id,
                s.bed or "—",
                s.name,
                day_status(facts[s.admission_id]),
                tuple(facts[s.admission_id]),
            )
            for s in stays
        ]
        patients.sort(key=lambda p: (not p.status.no_contact, beds.get(p.bed, len(beds)), p.bed))
        return SessionDay(start, now, tuple(patients))

    def sessions(self, admission_id: int) -> list[q.SessionRecord]:
        """The admission's current sessions, oldest first."""
        with self._db.read() as session:
            return q.session_records(session, [admission_id])
