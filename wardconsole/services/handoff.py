"""Shift handoff: drafted from the record, written by the nurse, reviewed and signed.

Workflow per patient and shift: draft -> (nurse saves text) -> submitted -> reviewed -> signed,
with "sent back" (a reason) returning it to the nurse. The supervisor signs the whole shift at
once; only the supervisor role may (``Permission.SIGN_HANDOFF``, checked here, not just by a
hidden button). Content is append-only: every save is a new version; generated facts and the
nurse's text are stored apart; nothing changes the facts without a person's action (drafting or
"refresh facts"). A signed handoff is frozen: a correction is an amendment with a reason, and
the signed version stays readable. Each use case is one transaction with its audit row, trail
event and change-log row; a change made on a stale screen is refused (``ConflictError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from wardconsole.domain.handoff_records import (
    EscalationHistory,
    HandoffDraft,
    HandoffStatus,
    PatientShiftFacts,
    Section,
)
from wardconsole.domain.handoff_refresh import (
    Basis,
    FactChange,
    clock_only,
    draft_changes,
    fact_changes,
    seal,
)
from wardconsole.domain.records import Severity
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services import handoff_facts as facts_of
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    NotFound,
    Permission,
    ServiceError,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.text_rule import checks_text, checks_text_as
from wardconsole.store import handoff_queries as q
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.models import (
    HandoffEventRow,
    HandoffRow,
    HandoffSignoffRow,
    HandoffVersionRow,
    Staff,
)

MAX_NOTE_CHARS = 4000
"""Per SBAR section: room for a thorough note, not for a pasted document."""

READY_TO_SIGN = frozenset({HandoffStatus.SUBMITTED, HandoffStatus.REVIEWED})


# --- what the UI, the report and the CLI get ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandoffView:
    """One patient's handoff as it stands: generated facts and nurse text kept apart."""

    id: int
    admission_id: int
    bed: str
    patient_name: str
    shift: ShiftWindow
    status: HandoffStatus
    revision: int
    """Pass back to change it; a change made on an older revision is refused."""
    version_number: int
    draft: HandoffDraft
    """The generated facts of the newest version (as of ``draft.generated_at``)."""
    notes: Mapping[Section, str]
    """The nurse's own text per SBAR section (never mixed into the facts)."""
    saved_at: datetime
    saved_by: str
    saved_station: str
    submitted_at: datetime | None = None
    submitted_by: str | None = None
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    signed_at: datetime | None = None
    signed_by: str | None = None
    signed_version: int | None = None
    sent_back_reason: str | None = None
    comments: int = 0
    last_comment: str | None = None
    amended: bool = False
    """Corrected by amendment after signing (the signed version stays readable)."""
    changes: tuple[FactChange, ...] = ()
    """Where the facts shown differ from the other side: before signing ``draft`` is the record
    now and these say what the stored draft said (``Basis.DRAFT``); once signed ``draft`` is
    what was signed and these say what the record says now (``Basis.SIGNED``)."""
    drafted: HandoffDraft | None = None
    """The stored draft when ``draft`` was drafted again for showing (None: ``draft`` is it)."""

    @property
    def seal(self) -> str:
        """The fingerprint of the facts shown and the revision of the text (``sign_shift``)."""
        return seal(self.revision, self.draft)

    @property
    def risk_rank(self) -> int:
        return self.draft.summary.risk_rank

    @property
    def has_notes(self) -> bool:
        return any(text.strip() for text in self.notes.values())


@dataclass(frozen=True, slots=True)
class VersionView:
    number: int
    kind: str
    """draft | refresh | edit | amendment"""
    draft: HandoffDraft
    notes: Mapping[Section, str]
    saved_at: datetime
    saved_by: str
    station: str
    amend_reason: str | None


@dataclass(frozen=True, slots=True)
class TrailEvent:
    at: datetime
    action: str
    staff: str | None
    station: str
    version_number: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class HandoffDetail:
    handoff: HandoffView
    versions: tuple[VersionView, ...]
    trail: tuple[TrailEvent, ...]

    def version(self, number: int) -> VersionView:
        for version in self.versions:
            if version.number == number:
                return version
        raise KeyError(number)


@dataclass(frozen=True, slots=True)
class MissingHandoff:
    admission_id: int
    bed: str
    patient_name: str


@dataclass(frozen=True, slots=True)
class ShiftSignoff:
    signed_at: datetime
    signed_by: str
    station: str
    handoff_count: int
    note: str


@dataclass(frozen=True, slots=True)
class OpenEmergency:
    """An emergency escalation still open when the facts shown were drafted."""

    bed: str
    patient_name: str
    escalation: EscalationHistory


@dataclass(frozen=True, slots=True)
class ShiftBoard:
    """Every patient's handoff for one shift, most worrying first."""

    shift: ShiftWindow
    taken_at: datetime
    handoffs: tuple[HandoffView, ...]
    missing: tuple[MissingHandoff, ...]
    """Patients on the ward at the end of the shift (or now) with no handoff yet."""
    signoff: ShiftSignoff | None
    as_of: datetime | None = None
    """The instant the facts shown were drafted for (the shift's end, or ``taken_at``)."""
    open_emergencies: tuple[OpenEmergency, ...] = ()
    """Emergency escalations open at ``as_of`` (bed order): signing asks first."""

    def count(self, status: HandoffStatus) -> int:
        return sum(1 for h in self.handoffs if h.status is status)

    @property
    def signed(self) -> bool:
        return self.signoff is not None

    @property
    def not_ready(self) -> tuple[HandoffView, ...]:
        return tuple(h for h in self.handoffs if h.status not in READY_TO_SIGN)

    @property
    def ready_to_sign(self) -> bool:
        return not self.signed and bool(self.handoffs) and not self.missing and not self.not_ready

    def revisions(self) -> dict[int, int]:
        """handoff id -> revision, for ``sign_shift``."""
        return {h.id: h.revision for h in self.handoffs}

    def seal(self) -> FactsSeal:
        """What the supervisor sees, for ``sign_shift``: the facts' instant and fingerprints."""
        return FactsSeal(self.as_of or self.taken_at, {h.id: h.seal for h in self.handoffs})


@dataclass(frozen=True, slots=True)
class FactsSeal:
    """The facts a supervisor signs: as of which instant, and each handoff's fingerprint."""

    as_of: datetime
    fingerprints: Mapping[int, str]


class FactsChanged(ConflictError):
    """The record changed since the facts were shown: nothing was signed."""

    def __init__(self, message: str, handoff_ids: tuple[int, ...]) -> None:
        super().__init__(message)
        self.handoff_ids = handoff_ids


@dataclass(frozen=True, slots=True)
class ReportPatient:
    """One patient's page: the facts behind the charts and the handoff (or a fresh draft)."""

    facts: PatientShiftFacts
    draft: HandoffDraft
    handoff: HandoffView | None
    """None when no handoff was drafted in the console; ``draft`` is then generated for print."""


@dataclass(frozen=True, slots=True)
class ShiftReport:
    shift: ShiftWindow
    board: ShiftBoard
    patients: tuple[ReportPatient, ...]
    """Bed order (the order a handover walks the ward)."""

    def by_risk(self) -> list[ReportPatient]:
        return sorted(self.patients, key=lambda p: (-p.draft.summary.risk_rank, p.facts.bed))


@dataclass(frozen=True, slots=True)
class DraftResult:
    shift: ShiftWindow
    created: int
    existing: int


# --- the service ----------------------------------------------------------------------------------


class HandoffService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- shifts: one definition for the whole console -------------------------------------------

    def this_shift(self, now: datetime | None = None) -> ShiftWindow:
        return self._db.shifts.this_shift(now or self._db.clock())

    def last_shift(self, now: datetime | None = None) -> ShiftWindow:
        return self._db.shifts.last_shift(now or self._db.clock())

    def previous_shift(self, shift: ShiftWindow) -> ShiftWindow:
        return self._db.shifts.previous(shift)

    def following_shift(self, shift: ShiftWindow) -> ShiftWindow:
        return self._db.shifts.following(shift)

    def shift_starting(self, local_start: datetime) -> ShiftWindow:
        """The shift starting at a local wall-clock time; InvalidInput if none does."""
        try:
            return self._db.shifts.starting_at(local_start)
        except ValueError as exc:
            raise InvalidInput({"shift": f"shift: {exc}"}) from None

    @checks_text
    def shift_from_text(self, text: str) -> ShiftWindow:
        """'current' (or 'this'), 'last', or a shift's local start such as 2026-11-25T19:00."""
        value = text.strip().lower()
        if value in ("current", "this"):
            return self.this_shift()
        if value in ("last", "previous"):
            return self.last_shift()
        try:
            local = datetime.fromisoformat(text.strip())
        except ValueError:
            raise InvalidInput(
                {
                    "shift": f"shift: {text!r} is not a time; give the shift's start "
                    "in ward time, e.g. 2026-11-25T19:00, or 'current' / "
                    "'last'"
                }
            ) from None
        return self.shift_starting(local)

    # -- reads ---------------------------------------------------------------------------------

    def board(self, shift: ShiftWindow) -> ShiftBoard:
        """Every handoff of ``shift`` sorted by risk, the patients still without one, sign-off."""
        now = self._db.clock()
        until = facts_of.as_of(shift, now)
        with self._db.read() as session:
            records = q.handoffs_for_shift(session, shift.start)
            stays = {s.admission_id: s for s in q.stays_at(session, until)}
            every = stays | {s.admission_id: s for s in q.stays_at(session, shift.start)}
            signoff = q.signoff(session, shift.start)
            found = self._facts(session, shift, until, [r.admission_id for r in records])
            current = {f.admission_id: facts_of.draft(self._db, f) for f in found}
        views = [self._view(r, shift, every, current.get(r.admission_id)) for r in records]
        views.sort(key=lambda v: (-v.risk_rank, v.bed))
        have = {v.admission_id for v in views}
        missing = tuple(
            MissingHandoff(s.admission_id, s.bed, s.name)
            for s in stays.values()
            if s.admission_id not in have
        )
        return ShiftBoard(
            shift=shift,
            taken_at=now,
            handoffs=tuple(views),
            missing=missing,
            signoff=ShiftSignoff(
                signoff.signed_at,
                signoff.signed_by,
                signoff.station,
                signoff.handoff_count,
                signoff.note,
            )
            if signoff
            else None,
            as_of=until,
            open_emergencies=tuple(
                OpenEmergency(f.bed, f.patient_name, e)
                for f in found
                for e in f.escalations
                if e.severity is Severity.EMERGENCY and e.open_at(until)
            ),
        )

    def detail(self, handoff_id: int) -> HandoffDetail:
        """A handoff with every version (the signed one included) and its trail."""
        with self._db.read() as session:
            record = q.handoff(session, handoff_id)
            if record is None:
                raise NotFound(f"handoff {handoff_id} does not exist")
            stays = {s.admission_id: s for s in q.stays_at(session, record.shift_start)}
            stays |= {s.admission_id: s for s in q.stays_at(session, record.shift_end)}
            versions = q.handoff_versions(session, handoff_id)
            events = q.handoff_events(session, handoff_id)
            if record.admission_id not in stays:
                stays |= {s.admission_id: s for s in q.stays_at(session, record.created_at)}
            shift = self._stored_shift(record)
            until = facts_of.as_of(shift, self._db.clock())
            current = self._current(session, shift, until, [record.admission_id])
        return HandoffDetail(
            handoff=self._view(record, shift, stays, current.get(record.admission_id)),
            versions=tuple(
                VersionView(
                    number=v.number,
                    kind=v.kind,
                    draft=HandoffDraft.from_json(v.generated),
                    notes=_notes(v.nurse_text),
                    saved_at=v.recorded_at,
                    saved_by=v.recorded_by,
                    station=v.station,
                    amend_reason=v.amend_reason,
                )
                for v in versions
            ),
            trail=tuple(
                TrailEvent(e.at, e.action, e.staff, e.station, e.version_number, e.detail)
                for e in events
            ),
        )

    def report(self, shift: ShiftWindow) -> ShiftReport:
        """Everything the printed handoff shows: each patient's facts (for the charts) and
        handoff; patients without a drafted handoff get facts generated for the print."""
        board = self.board(shift)
        with self._db.read() as session:
            everyone = facts_of.shift_facts(self._db, session, shift, board.taken_at)
        by_admission = {h.admission_id: h for h in board.handoffs}
        patients = []
        for facts in everyone:
            handoff = by_admission.get(facts.admission_id)
            generated = handoff.draft if handoff else facts_of.draft(self._db, facts)
            patients.append(ReportPatient(facts, generated, handoff))
        return ShiftReport(shift, board, tuple(patients))

    def preview(self, shift: ShiftWindow, admission_id: int) -> HandoffDraft:
        """Freshly generated facts for one patient, without saving anything."""
        with self._db.read() as session:
            found = facts_of.shift_facts(self._db, session, shift, self._db.clock(), [admission_id])
        if not found:
            raise NotFound("this patient was not on the ward during that shift")
        return facts_of.draft(self._db, found[0])

    # -- the nurse -----------------------------------------------------------------------------

    def draft_shift(self, actor: Actor, shift: ShiftWindow) -> DraftResult:
        """Create a drafted handoff for every patient on the ward who has none for ``shift``."""
        require(actor, Permission.WRITE_HANDOFF)
        now = self._db.clock()
        if shift.start > now:
            raise InvalidInput({"shift": "shift: has not started yet; nothing to hand over"})
        try:
            with self._db.transaction() as session:
                existing = {
                    r.admission_id
                    for r in session.scalars(
                        select(HandoffRow).where(HandoffRow.shift_start == shift.start)
                    )
                }
                everyone = facts_of.shift_facts(self._db, session, shift, now)
                created: list[int] = []
                for facts in everyone:
                    if facts.admission_id in existing:
                        continue
                    generated = facts_of.draft(self._db, facts)
                    row = HandoffRow(
                        admission_id=facts.admission_id,
                        shift_name=shift.name,
                        shift_start=shift.start,
                        shift_end=shift.end,
                        status=HandoffStatus.DRAFT.value,
                        latest_version=1,
                        created_at=now,
                        created_by_id=actor.staff_id,
                        updated_at=now,
                    )
                    session.add(row)
                    session.flush()
                    self._add_version(session, actor, row, 1, "draft", generated, {}, now)
                    _event(session, row.id, now, actor, "drafted", 1, "")
                    record_change(session, "handoff", facts.admission_id, actor.station)
                    created.append(row.id)
                if created:
                    repository.write_audit(
                        session,
                        at=now,
                        staff_id=actor.staff_id,
                        station=actor.station,
                        action="handoff_draft_shift",
                        entity="handoff_shift",
                        entity_id=None,
                        detail={"shift": shift.key, "created": len(created), "handoffs": created},
                    )
        except IntegrityError:
            # Another station drafted the same shift at the same moment: theirs stands.
            raise ConflictError(
                "another station drafted this shift at the same moment; look again"
            ) from None
        return DraftResult(shift, len(created), len(existing))

    @checks_text
    def save_notes(
        self, actor: Actor, handoff_id: int, expected_revision: int, notes: Mapping[str, str]
    ) -> HandoffView:
        """Save the nurse's text as a new version; the generated facts stay as they were."""
        require(actor, Permission.WRITE_HANDOFF)
        clean = _clean_notes(notes)
        now = self._db.clock()

        def change(session: Session, row: HandoffRow, latest: HandoffVersionRow) -> str | None:
            status = HandoffStatus(row.status)
            if not status.editable:
                raise ServiceError(_locked_message(session, row))
            if clean == _notes(latest.nurse_text):
                return None
            number = row.latest_version + 1
            self._add_version(
                session,
                actor,
                row,
                number,
                "edit",
                HandoffDraft.from_json(latest.generated),
                clean,
                now,
                generated_at=latest.generated_at,
            )
            row.latest_version = number
            return "saved"

        return self._change(actor, handoff_id, expected_revision, change, now)

    def refresh_facts(self, actor: Actor, handoff_id: int, expected_revision: int) -> HandoffView:
        """Regenerate the facts from the record now (the nurse's text is carried over)."""
        require(actor, Permission.WRITE_HANDOFF)
        now = self._db.clock()

        def change(session: Session, row: HandoffRow, latest: HandoffVersionRow) -> str | None:
            if not HandoffStatus(row.status).editable:
                raise ServiceError(_locked_message(session, row))
            shift = self._stored_shift(row)
            found = facts_of.shift_facts(self._db, session, shift, now, [row.admission_id])
            if not found:
                raise ServiceError(
                    "this patient is no longer on the ward; the facts stay as they were"
                )
            generated = facts_of.draft(self._db, found[0])
            if facts_of.same_content(generated, HandoffDraft.from_json(latest.generated)):
                return None
            number = row.latest_version + 1
            self._add_version(
                session, actor, row, number, "refresh", generated, _notes(latest.nurse_text), now
            )
            row.latest_version = number
            return "refreshed"

        return self._change(actor, handoff_id, expected_revision, change, now)

    def submit(self, actor: Actor, handoff_id: int, expected_revision: int) -> HandoffView:
        """Hand the handoff to the supervisor for review."""
        require(actor, Permission.WRITE_HANDOFF)
        now = self._db.clock()

        def change(session: Session, row: HandoffRow, _latest: HandoffVersionRow) -> str:
            if not HandoffStatus(row.status).editable:
                raise ServiceError(_locked_message(session, row))
            row.status = HandoffStatus.SUBMITTED.value
            row.submitted_at = now
            row.submitted_by_id = actor.staff_id
            return "submitted"

        return self._change(actor, handoff_id, expected_revision, change, now)

    @checks_text
    def amend(
        self,
        actor: Actor,
        handoff_id: int,
        expected_revision: int,
        notes: Mapping[str, str],
        reason: str,
    ) -> HandoffView:
        """Correct a signed handoff: a new version with a reason; the signed one stays."""
        require(actor, Permission.WRITE_HANDOFF)
        clean = _clean_notes(notes)
        reason = reason.strip()
        if not reason:
            raise InvalidInput({"reason": "reason: say why the signed handoff is corrected"})
        now = self._db.clock()

        def change(session: Session, row: HandoffRow, latest: HandoffVersionRow) -> str:
            if HandoffStatus(row.status) is not HandoffStatus.SIGNED:
                raise ServiceError("only a signed handoff is amended; edit this one directly")
            if clean == _notes(latest.nurse_text):
                raise InvalidInput({"notes": "notes: the amendment changes nothing"})
            number = row.latest_version + 1
            self._add_version(
                session,
                actor,
                row,
                number,
                "amendment",
                HandoffDraft.from_json(latest.generated),
                clean,
                now,
                generated_at=latest.generated_at,
                reason=reason,
            )
            row.latest_version = number
            return "amended"

        return self._change(actor, handoff_id, expected_revision, change, now, detail=reason)

    # -- the supervisor ------------------------------------------------------------------------

    @checks_text_as(text="comment")
    def comment(self, actor: Actor, handoff_id: int, text: str) -> None:
        """A supervisor's comment on the trail (any status; the content is not touched)."""
        require(actor, Permission.SIGN_HANDOFF)
        text = text.strip()
        if not text:
            raise InvalidInput({"comment": "comment: write the comment"})
        if len(text) > MAX_NOTE_CHARS:
            raise InvalidInput({"comment": f"comment: at most {MAX_NOTE_CHARS} characters"})
        now = self._db.clock()
        with self._db.transaction() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise NotFound(f"handoff {handoff_id} does not exist")
            _event(session, row.id, now, actor, "commented", row.latest_version, text)
            self._audit(session, actor, now, "handoff_comment", row.id, {"comment": text})
            record_change(session, "handoff", row.admission_id, actor.station)

    def mark_reviewed(self, actor: Actor, handoff_id: int, expected_revision: int) -> HandoffView:
        require(actor, Permission.SIGN_HANDOFF)
        now = self._db.clock()

        def change(session: Session, row: HandoffRow, _latest: HandoffVersionRow) -> str:
            if HandoffStatus(row.status) is not HandoffStatus.SUBMITTED:
                raise ServiceError(
                    f"only a submitted handoff can be marked reviewed "
                    f"(this one is {HandoffStatus(row.status).label.lower()})"
                )
            row.status = HandoffStatus.REVIEWED.value
            row.reviewed_at = now
            row.reviewed_by_id = actor.staff_id
            return "reviewed"

        return self._change(actor, handoff_id, expected_revision, change, now)

    @checks_text
    def send_back(
        self, actor: Actor, handoff_id: int, expected_revision: int, reason: str
    ) -> HandoffView:
        """Return a submitted handoff to the nurse with a reason."""
        require(actor, Permission.SIGN_HANDOFF)
        reason = reason.strip()
        if not reason:
            raise InvalidInput({"reason": "reason: tell the nurse what to change"})
        now = self._db.clock()

        def change(session: Session, row: HandoffRow, _latest: HandoffVersionRow) -> str:
            status = HandoffStatus(row.status)
            if status is HandoffStatus.SIGNED:
                raise ServiceError(_locked_message(session, row))
            if status not in READY_TO_SIGN:
                raise ServiceError("only a submitted handoff can be sent back")
            row.status = HandoffStatus.SENT_BACK.value
            row.sent_back_reason = reason
            return "sent_back"

        return self._change(actor, handoff_id, expected_revision, change, now, detail=reason)

    @checks_text
    def sign_shift(
        self,
        actor: Actor,
        shift: ShiftWindow,
        expected_revisions: Mapping[int, int],
        note: str = "",
        *,
        shown: FactsSeal,
    ) -> ShiftSignoff:
        """Sign every handoff of ``shift`` at once, freezing their content.

        ``expected_revisions`` (``ShiftBoard.revisions()``) is what the supervisor reviewed:
        if any handoff changed since, or one is missing from it, nothing is signed. ``shown``
        (``ShiftBoard.seal()``) fingerprints the facts on screen: they are drafted again from
        the record as of the same instant, and if any differ nothing is signed
        (``FactsChanged``). A handoff whose facts were refreshed for showing gets them as a new
        version, and that version is the one signed — the signature covers the text shown.
        """
        require(actor, Permission.SIGN_HANDOFF)
        now = self._db.clock()
        if not shift.start <= shown.as_of <= min(shift.end, now):
            raise InvalidInput(
                {"as_of": "as_of: the facts shown are not of this shift; look again"}
            )
        try:
            with self._db.transaction() as session:
                done = q.signoff(session, shift.start)
                if done is not None:
                    raise ConflictError(
                        f"{done.signed_by} already signed this shift at "
                        f"{shift.local(done.signed_at):%H:%M}"
                    )
                rows = list(
                    session.scalars(
                        select(HandoffRow)
                        .where(HandoffRow.shift_start == shift.start)
                        .order_by(HandoffRow.id)
                    )
                )
                beds = {s.admission_id: s for s in q.stays_at(session, facts_of.as_of(shift, now))}
                self._check_signable(rows, beds, expected_revisions)
                self._refresh_for_signing(session, actor, shift, rows, beds, shown, now)
                for row in rows:
                    row.status = HandoffStatus.SIGNED.value
                    row.signed_at = now
                    row.signed_by_id = actor.staff_id
                    row.signed_version = row.latest_version
                    row.updated_at = now
                session.flush()  # optimistic version check: UPDATE ... WHERE version = n
                session.add(
                    HandoffSignoffRow(
                        shift_name=shift.name,
                        shift_start=shift.start,
                        shift_end=shift.end,
                        signed_at=now,
                        signed_by_id=actor.staff_id,
                        station=actor.station,
                        handoff_count=len(rows),
                        note=note.strip(),
                    )
                )
                for row in rows:
                    _event(session, row.id, now, actor, "signed", row.latest_version, note.strip())
                    record_change(session, "handoff", row.admission_id, actor.station)
                repository.write_audit(
                    session,
                    at=now,
                    staff_id=actor.staff_id,
                    station=actor.station,
                    action="handoff_sign_shift",
                    entity="handoff_shift",
                    entity_id=None,
                    detail={"shift": shift.key, "handoffs": [r.id for r in rows]},
                )
        except (StaleDataError, IntegrityError):
            raise ConflictError(
                "the shift's handoffs changed while you were signing; look again"
            ) from None
        return ShiftSignoff(now, actor.display_name, actor.station, len(rows), note.strip())

    # -- helpers -------------------------------------------------------------------------------

    def _current(
        self, session: Session, shift: ShiftWindow, until: datetime, admission_ids: list[int]
    ) -> dict[int, HandoffDraft]:
        """The facts drafted now from the record as of ``until``, per admission (patients on
        the ward at ``until``)."""
        found = self._facts(session, shift, until, admission_ids)
        return {f.admission_id: facts_of.draft(self._db, f) for f in found}

    def _facts(
        self, session: Session, shift: ShiftWindow, until: datetime, admission_ids: list[int]
    ) -> list[PatientShiftFacts]:
        if not admission_ids:
            return []
        return facts_of.shift_facts(self._db, session, shift, until, admission_ids)

    def _refresh_for_signing(
        self,
        session: Session,
        actor: Actor,
        shift: ShiftWindow,
        rows: list[HandoffRow],
        beds: Mapping[int, q.StayAtShift],
        shown: FactsSeal,
        now: datetime,
    ) -> None:
        """Refuse when the facts shown differ from the record as of ``shown.as_of``; store
        refreshed facts as a new version of each handoff whose stored draft is older."""
        current = self._current(session, shift, shown.as_of, [r.admission_id for r in rows])
        wanted = {r.id: r.latest_version for r in rows}
        latest = {
            v.handoff_id: v
            for v in session.scalars(
                select(HandoffVersionRow).where(HandoffVersionRow.handoff_id.in_(list(wanted)))
            )
            if v.number == wanted[v.handoff_id]
        }
        changed: list[HandoffRow] = []
        refresh: list[tuple[HandoffRow, HandoffDraft]] = []
        for row in rows:
            stored = HandoffDraft.from_json(latest[row.id].generated)
            fresh = current.get(row.admission_id)
            if shown.fingerprints.get(row.id) != seal(row.version, fresh or stored):
                changed.append(row)
            elif fresh is not None and not facts_of.same_content(fresh, stored):
                refresh.append((row, fresh))
        if changed:
            listed = ", ".join(
                f"bed {beds[r.admission_id].bed} ({beds[r.admission_id].name})"
                if r.admission_id in beds
                else f"handoff {r.id}"
                for r in changed
            )
            raise FactsChanged(
                f"the record changed since the handoff was shown — {listed}; nothing was "
                "signed: review the changes and sign again",
                tuple(r.id for r in changed),
            )
        for row, fresh in refresh:
            version = latest[row.id]
            number = row.latest_version + 1
            self._add_version(
                session, actor, row, number, "refresh", fresh, _notes(version.nurse_text), now
            )
            row.latest_version = number
            _event(session, row.id, now, actor, "refreshed", number, "facts as shown at signing")

    def _check_signable(
        self,
        rows: list[HandoffRow],
        stays: Mapping[int, q.StayAtShift],
        expected: Mapping[int, int],
    ) -> None:
        if not rows:
            raise ServiceError("there are no handoffs for this shift to sign")
        have = {r.admission_id for r in rows}
        missing = [s for s in stays.values() if s.admission_id not in have]
        if missing:
            beds = ", ".join(f"bed {s.bed} ({s.name})" for s in missing)
            raise ServiceError(f"no handoff yet for {beds}: draft it before signing the shift")
        bed_of = {a: s.bed for a, s in stays.items()}
        not_ready = [r for r in rows if HandoffStatus(r.status) not in READY_TO_SIGN]
        if not_ready:
            listed = ", ".join(
                f"bed {bed_of.get(r.admission_id, '?')} ({HandoffStatus(r.status).label.lower()})"
                for r in not_ready
            )
            raise ServiceError(f"{len(not_ready)} handoff(s) not submitted yet: {listed}")
        for row in rows:
            if expected.get(row.id) != row.version:
                bed = bed_of.get(row.admission_id, "?")
                raise ConflictError(
                    f"the handoff for bed {bed} changed since you opened the "
                    "board; look again before signing"
                )

    def _change(
        self,
        actor: Actor,
        handoff_id: int,
        expected_revision: int,
        change: Any,
        now: datetime,
        *,
        detail: str = "",
    ) -> HandoffView:
        """Apply ``change(session, row, latest_version_row)`` to a handoff at the expected
        revision; it returns the trail action (None: nothing to record)."""
        try:
            with self._db.transaction() as session:
                row = session.get(HandoffRow, handoff_id)
                if row is None:
                    raise NotFound(f"handoff {handoff_id} does not exist")
                if row.version != expected_revision:
                    raise ConflictError(_changed_message(session, row, self._db.shifts.zone))
                latest = session.scalars(
                    select(HandoffVersionRow).where(
                        HandoffVersionRow.handoff_id == row.id,
                        HandoffVersionRow.number == row.latest_version,
                    )
                ).one()
                action = change(session, row, latest)
                if action is not None:
                    row.updated_at = now
                    session.flush()  # version check: UPDATE ... WHERE version = n
                    _event(session, row.id, now, actor, action, row.latest_version, detail)
                    self._audit(
                        session,
                        actor,
                        now,
                        f"handoff_{action}",
                        row.id,
                        {"version": row.latest_version, **({"detail": detail} if detail else {})},
                    )
                    record_change(session, "handoff", row.admission_id, actor.station)
        except (StaleDataError, IntegrityError):
            raise ConflictError(
                "someone else changed this handoff at the same moment; your "
                "text is still on screen — look again before saving"
            ) from None
        return self.detail(handoff_id).handoff

    def _add_version(
        self,
        session: Session,
        actor: Actor,
        row: HandoffRow,
        number: int,
        kind: str,
        generated: HandoffDraft,
        notes: Mapping[Section, str],
        now: datetime,
        *,
        generated_at: datetime | None = None,
        reason: str | None = None,
    ) -> None:
        session.add(
            HandoffVersionRow(
                handoff_id=row.id,
                number=number,
                kind=kind,
                generated=generated.to_json(),
                generated_at=generated_at or generated.generated_at,
                nurse_text={section.value: text for section, text in notes.items() if text},
                amend_reason=reason,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
            )
        )

    def _view(
        self,
        record: q.HandoffRecord,
        shift: ShiftWindow,
        stays: Mapping[int, q.StayAtShift],
        current: HandoffDraft | None = None,
    ) -> HandoffView:
        """The handoff as shown: before signing its facts drafted again from the record
        (``current``) with what the stored draft said where they differ; once signed the
        signed facts with what the record says now where they differ."""
        stored = HandoffDraft.from_json(record.content.generated)
        generated, drafted = stored, None
        changes: tuple[FactChange, ...] = ()
        if current is not None and HandoffStatus(record.status) is HandoffStatus.SIGNED:
            changes = tuple(
                c
                for c in fact_changes(stored, current, Basis.SIGNED)
                if c.shown is None or c.other is None or not clock_only(c.shown, c.other)
            )
        elif current is not None:
            generated, drafted = current, stored
            changes = draft_changes(current, stored)
        stay = stays.get(record.admission_id)
        bed, name = (stay.bed, stay.name) if stay else _from_facts(generated)
        return HandoffView(
            id=record.id,
            admission_id=record.admission_id,
            bed=bed,
            patient_name=name,
            shift=shift,
            status=HandoffStatus(record.status),
            revision=record.revision,
            version_number=record.latest_version,
            draft=generated,
            notes=_notes(record.content.nurse_text),
            saved_at=record.content.recorded_at,
            saved_by=record.content.recorded_by,
            saved_station=record.content.station,
            submitted_at=record.submitted_at,
            submitted_by=record.submitted_by,
            reviewed_at=record.reviewed_at,
            reviewed_by=record.reviewed_by,
            signed_at=record.signed_at,
            signed_by=record.signed_by,
            signed_version=record.signed_version,
            sent_back_reason=record.sent_back_reason,
            comments=record.comments,
            last_comment=record.last_comment,
            amended=record.content.kind == "amendment",
            changes=changes,
            drafted=drafted,
        )

    def _stored_shift(self, row: HandoffRow | q.HandoffRecord) -> ShiftWindow:
        """The shift a handoff was written for, as stored (even if the pattern changed since)."""
        zone = self._db.shifts.zone
        return ShiftWindow(
            name=row.shift_name,
            start_date=row.shift_start.astimezone(zone).date(),
            start=row.shift_start,
            end=row.shift_end,
            zone=zone,
        )

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
            entity="handoff",
            entity_id=entity_id,
            detail=detail,
        )


def _event(
    session: Session,
    handoff_id: int,
    at: datetime,
    actor: Actor,
    action: str,
    version: int | None,
    detail: str,
) -> None:
    session.add(
        HandoffEventRow(
            handoff_id=handoff_id,
            at=at,
            staff_id=actor.staff_id,
            station=actor.station,
            action=action,
            version_number=version,
            detail=detail,
        )
    )


def _notes(raw: Mapping[str, Any] | None) -> Mapping[Section, str]:
    out = {section: str((raw or {}).get(section.value, "")) for section in Section}
    return MappingProxyType(out)


def _clean_notes(notes: Mapping[str, str]) -> Mapping[Section, str]:
    """Validate the nurse's text: known SBAR sections, plain text, a sane length."""
    problems: dict[str, str] = {}
    clean: dict[Section, str] = {}
    for key, value in notes.items():
        try:
            section = Section(str(key))
        except ValueError:
            problems[str(key)] = (
                f"{key}: not a handoff section; use {', '.join(s.value for s in Section)}"
            )
            continue
        if not isinstance(value, str):
            problems[section.value] = f"{section.value}: must be text"
            continue
        text = "\n".join(line.rstrip() for line in value.strip().splitlines())
        if len(text) > MAX_NOTE_CHARS:
            problems[section.value] = (
                f"{section.value}: {len(text)} characters; at most {MAX_NOTE_CHARS}"
            )
        clean[section] = text
    if problems:
        raise InvalidInput(problems)
    return _notes({s.value: t for s, t in clean.items()})


def _from_facts(generated: HandoffDraft) -> tuple[str, str]:
    """Bed and name from the generated Situation line (a patient since discharged)."""
    first = generated.facts(Section.SITUATION)
    if first and first[0].text.startswith("Bed "):
        bed, _sep, rest = first[0].text[4:].partition(" · ")
        return bed, rest.split(",")[0]
    return "—", f"admission {generated.admission_id}"


def _changed_message(session: Session, row: HandoffRow, zone: tzinfo) -> str:
    last = session.scalars(
        select(HandoffEventRow)
        .where(HandoffEventRow.handoff_id == row.id)
        .order_by(HandoffEventRow.at.desc(), HandoffEventRow.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return "this handoff changed on another station; look again"
    who = _staff_name(session, last.staff_id)
    return (
        f"{who} {last.action.replace('_', ' ')} this handoff at "
        f"{last.at.astimezone(zone):%H:%M} on {last.station}; your text is still on "
        "screen — look again before saving"
    )


def _locked_message(session: Session, row: HandoffRow) -> str:
    status = HandoffStatus(row.status)
    if status is HandoffStatus.SIGNED:
        who = _staff_name(session, row.signed_by_id)
        return (
            f"this handoff was signed by {who}; it cannot be changed — a correction is an "
            "amendment with a reason"
        )
    return (
        f"this handoff is {status.label.lower()}; it can be changed again only if the "
        "supervisor sends it back"
    )


def _staff_name(session: Session, staff_id: int | None) -> str:
    if staff_id is None:
        return "someone"
    name = session.scalar(select(Staff.display_name).where(Staff.id == staff_id))
    return name or "someone"
