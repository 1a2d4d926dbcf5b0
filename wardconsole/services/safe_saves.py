"""Saves that survive a database outage: write now, or queue durably and replay later.

``SafeSaves`` is what the bedside dialogs call. A save is checked first (bad input is refused
at once, naming the field, and never queued). Then it is written to the ward database — or,
when the database is unavailable, or entries from an earlier outage are still waiting (so a new
entry never overtakes an older one), appended to the station's ``Outbox``. ``replay()`` writes
waiting entries in order, exactly once (each carries its dialog's ``save_key``, and the
recording service finds an entry already written under it), with the nurse's original time and
name: the entry is written as if at the moment it was queued, and an ``outbox_replayed`` audit
row records when it actually reached the database.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from wardconsole.domain.bowels import BowelInput
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import Values
from wardconsole.domain.fluids import Direction, FluidInput
from wardconsole.domain.formulary import ClassSource, Formulary
from wardconsole.domain.meals import MealInput, meal_text, meal_values
from wardconsole.domain.medicines import OUTCOMES, check_dose_outcome
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.domain.sleep import SleepInput, SleepQuality
from wardconsole.domain.weights import WeightInput, weight_entry_text
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    Permission,
    ServiceError,
    as_utc,
    replaying_queued_entries,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.medicines import MedicinesService
from wardconsole.services.outbox import (
    AnyQueueKind,
    Outbox,
    QueuedEntry,
    QueueKind,
    UnknownQueueKind,
    queue_kind,
)
from wardconsole.services.recording import (
    RecordingService,
    RoundEntry,
    RoundResult,
    SaveResult,
    check_prn,
)
from wardconsole.services.text_rule import checks_text, checks_text_as
from wardconsole.services.unavailable import is_unavailable, one_line
from wardconsole.store import repository
from wardconsole.store.models import AuditRow, Staff

log = logging.getLogger(__name__)

_Result = TypeVar("_Result")
"""What a save returns when the database takes it at once."""

RACE_TRIES = 4
"""Two stations saving for one patient at the same instant can both try to raise the same
escalation; the loser's transaction fails on the one-open-escalation-per-kind index (or on an
escalation's version). Saves are idempotent (``save_key``), so it is simply saved again, and
then sees the other station's escalation."""


@dataclass(frozen=True, slots=True)
class QueuedSave:
    """The database was unavailable: the save is safe in this station's queue."""

    entry: QueuedEntry
    reason: str


@dataclass(frozen=True, slots=True)
class ReplayReport:
    sent: int = 0
    refused: int = 0
    waiting: int = 0
    stopped_by: str | None = None
    """Why replay stopped early (the database is still unavailable), else None."""
    refused_messages: tuple[str, ...] = field(default_factory=tuple)
    needs_attention: int = 0
    """Entries set aside this time because they cannot be written as they are."""


@dataclass
class _Tally:
    sent: int = 0
    refused: int = 0
    needs_attention: int = 0
    messages: list[str] = field(default_factory=list)

    def done(self, waiting: int, stopped_by: str | None) -> ReplayReport:
        return ReplayReport(
            self.sent, self.refused, waiting, stopped_by, tuple(self.messages), self.needs_attention
        )


def cannot_be_replayed(exc: BaseException) -> bool:
    """True when replaying again later would fail the same way: the database answered and the
    entry breaks a constraint (after the race retries) or holds a value it cannot store, or the
    station cannot read or write the entry at all (a bug, a payload from another version).
    Anything that may mean "the database did not answer" keeps the entry waiting."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    return not is_unavailable(exc)


def _entry_summary(entry: RoundEntry) -> str:
    parts = []
    if entry.vitals is not None:
        parts.append("observations")
    if entry.symptoms:
        parts.append("withdrawal chart")
    parts.extend(kind.upper() if len(kind) <= 4 else kind for kind in entry.assessments)
    if entry.note.strip() and not parts:
        parts.append("note")
    return "Round: " + (", ".join(parts) or "entry")


class SafeSaves:
    """Bedside saves that are written now or queued, and the replay of the queue."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self._db = db
        self.outbox = outbox
        self._recording = RecordingService(db)
        self._in_flight: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def park_in_flight(self) -> int:
        """Put every save still being written into the station's queue (the console is
        closing and will not wait for the database). Each keeps its save key, so replaying one
        that did commit writes nothing. Returns how many were parked."""
        with self._lock:
            parked = list(self._in_flight.values())
            self._in_flight.clear()
        for entry in parked:
            self.outbox.enqueue(**entry)
        return len(parked)

    # -- saving ----------------------------------------------------------------------------

    @checks_text
    def save_round(
        self,
        actor: Actor,
        admission_id: int,
        entry: RoundEntry,
        *,
        save_key: str,
        taken_at: datetime | None = None,
        bed: str = "",
    ) -> RoundResult | QueuedSave:
        require(actor, Permission.RECORD)
        self._recording.check_round(entry)
        pressed = self._db.clock()
        taken_at = as_utc("taken_at", taken_at) or pressed
        payload = {"entry": _round_payload(entry), "taken_at": taken_at}
        return self._save(
            lambda: self._recording.record_round(
                actor, admission_id, entry, save_key=save_key, taken_at=taken_at
            ),
            kind=QueueKind.ROUND,
            actor=actor,
            admission_id=admission_id,
            save_key=save_key,
            payload=payload,
            bed=bed,
            summary=_entry_summary(entry),
            pressed=pressed,
        )

    @checks_text
    def save_prn(
        self,
        actor: Actor,
        admission_id: int,
        *,
        drug: str,
        dose: str,
        route: str,
        reason: str,
        save_key: str,
        drug_class: str | None = None,
        class_reason: str = "",
        same_class_confirmed: bool = False,
        given_at: datetime | None = None,
        bed: str = "",
    ) -> SaveResult | QueuedSave:
        require(actor, Permission.RECORD)
        check_prn(
            self._db.formulary,
            drug=drug,
            drug_class=drug_class,
            class_reason=class_reason,
            dose=dose,
            route=route,
            reason=reason,
        )
        pressed = self._db.clock()
        given_at = as_utc("given_at", given_at) or pressed
        fields: dict[str, Any] = {
            "drug": drug,
            "drug_class": drug_class,
            "class_reason": class_reason,
            "same_class_confirmed": same_class_confirmed,
            "dose": dose,
            "route": route,
            "reason": reason,
        }
        return self._save(
            lambda: self._recording.record_prn(
                actor, admission_id, **fields, given_at=given_at, save_key=save_key
            ),
            kind=QueueKind.PRN,
            actor=actor,
            admission_id=admission_id,
            save_key=save_key,
            payload={**fields, "given_at": given_at},
            bed=bed,
            summary=f"PRN: {drug.strip()} {dose.strip()}",
            pressed=pressed,
        )

    @checks_text
    def save_fluid(
        self,
        actor: Actor,
        admission_id: int,
        entry: FluidInput,
        *,
        save_key: str,
        taken_at: datetime | None = None,
        bed: str = "",
    ) -> SaveResult | QueuedSave:
        """A drink or an output: written now, or kept on this station and replayed later."""
        require(actor, Permission.RECORD)
        self._recording.check_fluid(entry)
        return self._save_entry(
            lambda at: self._recording.record_fluid(
                actor, admission_id, entry, taken_at=at, save_key=save_key
            ),
            QueueKind.FLUID,
            actor,
            admission_id,
            _fluid_payload(entry),
            taken_at=taken_at,
            save_key=save_key,
            bed=bed,
            summary=f"Fluids: {_fluid_summary(entry)}",
        )

    @checks_text
    def save_weight(
        self,
        actor: Actor,
        admission_id: int,
        entry: WeightInput,
        *,
        save_key: str,
        bed: str = "",
    ) -> SaveResult | QueuedSave:
        """A weighing: written now, or kept on this station and replayed later (the change
        from the last weight is checked when it is written)."""
        require(actor, Permission.RECORD)
        self._recording.check_weight(entry)
        return self._save_entry(
            lambda at: self._recording.record_weight(
                actor, admission_id, entry, taken_at=at, save_key=save_key
            ),
            QueueKind.WEIGHT,
            actor,
            admission_id,
            dataclasses.asdict(entry),
            taken_at=None,
            save_key=save_key,
            bed=bed,
            summary=f"Weighing: {weight_entry_text(dataclasses.asdict(entry))}",
        )

    @checks_text_as(values="entry_values")
    def save_entry(
        self,
        actor: Actor,
        admission_id: int,
        kind: str,
        values: Values,
        *,
        note: str = "",
        save_key: str,
        taken_at: datetime | None = None,
        bed: str = "",
        summary: str = "",
    ) -> SaveResult | QueuedSave:
        """An entry of any simple ``kind`` (``domain/simple_kinds.py``; its values by column):
        checked first, then written now or kept on this station and replayed later through
        ``RecordingService.record_entry``. Queued as its values by column, ``note`` and
        ``taken_at`` (the payload meals and bowels have always been queued with); the queue
        names it by ``summary``, by default the spec's words for the entry."""
        require(actor, Permission.RECORD)
        spec = self._recording.check_entry(kind, values, note)
        clean = spec.values(values)
        return self._save_entry(
            lambda at: self._recording.record_entry(
                actor, admission_id, spec.kind, values, note=note, taken_at=at, save_key=save_key
            ),
            queue_kind(spec.kind.value),
            actor,
            admission_id,
            {**clean, "note": note},
            taken_at=taken_at,
            save_key=save_key,
            bed=bed,
            summary=summary or spec.text(clean),
        )

    @checks_text
    def save_meal(
        self,
        actor: Actor,
        admission_id: int,
        entry: MealInput,
        *,
        save_key: str,
        taken_at: datetime | None = None,
        bed: str = "",
    ) -> SaveResult | QueuedSave:
        """A meal, snack or supplement: written now, or kept on this station and replayed."""
        values = meal_values(entry)
        return self.save_entry(
            actor,
            admission_id,
            EntryKind.MEAL,
            values,
            note=entry.note,
            save_key=save_key,
            taken_at=taken_at,
            bed=bed,
            summary=f"Meal: {meal_text(values)}",
        )

    @checks_text
    def save_bowel(
        self,
        actor: Actor,
        admission_id: int,
        entry: BowelInput,
        *,
        save_key: str,
        taken_at: datetime | None = None,
        bed: str = "",
    ) -> SaveResult | QueuedSave:
        """A bowel movement: written now, or kept on this station and replayed later."""
        kind = entry.bristol_type
        return self.save_entry(
            actor,
            admission_id,
            EntryKind.BOWEL,
            {"bristol_type": kind},
            note=entry.note,
            save_key=save_key,
            taken_at=taken_at,
            bed=bed,
            summary=f"Bowels: {f'Bristol type {kind}' if kind is not None else 'type not seen'}",
        )

    def _save_entry(
        self,
        write: Callable[[datetime], SaveResult],
        kind: AnyQueueKind,
        actor: Actor,
        admission_id: int,
        payload: Mapping[str, Any],
        *,
        taken_at: datetime | None,
        save_key: str,
        bed: str,
        summary: str,
    ) -> SaveResult | QueuedSave:
        pressed = self._db.clock()
        at = as_utc("taken_at", taken_at) or pressed
        return self._save(
            lambda: write(at),
            kind=kind,
            actor=actor,
            admission_id=admission_id,
            save_key=save_key,
            payload={**payload, "taken_at": at},
            bed=bed,
            summary=summary,
            pressed=pressed,
        )

    @checks_text
    def save_sleep(
        self,
        actor: Actor,
        admission_id: int,
        entry: SleepInput,
        *,
        save_key: str,
        bed: str = "",
    ) -> SaveResult | QueuedSave:
        """The nurse's sleep entry for a night: written now, or kept and replayed later."""
        require(actor, Permission.RECORD)
        self._recording.check_sleep(entry)
        pressed = self._db.clock()
        return self._save(
            lambda: self._recording.record_sleep(
                actor, admission_id, entry, taken_at=pressed, save_key=save_key
            ),
            kind=QueueKind.SLEEP,
            actor=actor,
            admission_id=admission_id,
            save_key=save_key,
            payload={**_sleep_payload(entry), "taken_at": pressed},
            bed=bed,
            summary=f"Sleep: night of {entry.night_of:%a %d %b}, "
            f"{entry.minutes_slept / 60:g} h, {entry.quality.value}",
            pressed=pressed,
        )

    @checks_text
    def save_regular_dose(
        self,
        actor: Actor,
        admission_id: int,
        line_id: int,
        *,
        outcome: str,
        save_key: str,
        omitted_reason: str = "",
        given_at: datetime | None = None,
        dose: str = "",
        note: str = "",
        summary: str = "",
        bed: str = "",
    ) -> SaveResult | QueuedSave:
        """A regular dose given or omitted against a medicines-list line: written now, or kept
        on this station and replayed later (``summary`` names it in the station's queue)."""
        require(actor, Permission.RECORD)
        if problems := check_dose_outcome(outcome, omitted_reason):
            raise InvalidInput(problems)
        pressed = self._db.clock()
        given_at = as_utc("given_at", given_at) or pressed
        fields: dict[str, Any] = {
            "outcome": outcome,
            "omitted_reason": omitted_reason,
            "dose": dose,
            "note": note,
        }
        return self._save(
            lambda: MedicinesService(self._db).record_regular_dose(
                actor, line_id, **fields, given_at=given_at, save_key=save_key
            ),
            kind=QueueKind.REGULAR_DOSE,
            actor=actor,
            admission_id=admission_id,
            save_key=save_key,
            payload={**fields, "line_id": line_id, "given_at": given_at},
            bed=bed,
            summary=summary or f"Regular dose: {OUTCOMES.get(outcome, outcome).lower()}",
            pressed=pressed,
        )

    @checks_text
    def record_audit(
        self,
        actor: Actor,
        action: str,
        *,
        entity: str,
        entity_id: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Write an audit row (sign-in, lock, export…), or queue it while the database is down."""
        at = self._db.clock()
        payload = {
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": dict(detail or {}),
            "at": at,
        }
        self._save(
            lambda: _write_audit(self._db, actor, payload),
            kind=QueueKind.AUDIT,
            actor=actor,
            admission_id=None,
            save_key=f"audit-{uuid.uuid4().hex}",
            payload=payload,
            summary=f"Audit: {action.replace('_', ' ')}",
            pressed=at,
        )

    def _save(
        self,
        write: Callable[[], _Result],
        *,
        kind: AnyQueueKind,
        actor: Actor,
        admission_id: int | None,
        save_key: str,
        payload: Mapping[str, Any],
        bed: str = "",
        summary: str = "",
        pressed: datetime,
    ) -> _Result | QueuedSave:
        """Write now, or queue with ``pressed`` (when the nurse pressed Save) as its time."""
        reason = "entries from earlier are still waiting to be written"
        queued: dict[str, Any] = {
            "kind": kind,
            "save_key": save_key,
            "actor": actor,
            "payload": payload,
            "queued_at": pressed,
            "admission_id": admission_id,
            "bed": bed,
            "summary": summary,
        }
        if not self.outbox.has_waiting():
            with self._lock:
                self._in_flight[save_key] = queued
            try:
                return _retrying_races(write)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                reason = one_line(exc)
                log.warning("Database unavailable; %s save queued on this station", kind.value)
            finally:
                with self._lock:
                    self._in_flight.pop(save_key, None)
        entry = self.outbox.enqueue(**queued)
        return QueuedSave(entry, reason)

    # -- replay ----------------------------------------------------------------------------

    def replay(self) -> ReplayReport:
        """Write waiting entries in order; stop at the first sign the database is still down.

        An entry the database refuses is marked refused; one that fails for a reason waiting
        will not cure (``cannot_be_replayed``) is set aside as needing attention; either way
        the entries behind it carry on."""
        report = _Tally()
        for item in self.outbox.waiting():
            try:
                self._replay_one(item)
            except ServiceError as exc:
                # The database answered and said no (discharged meanwhile, permission...).
                if isinstance(exc, HeldForSupervisor):
                    self._alert_for_held(item)  # first: if it cannot be raised, retry later
                self.outbox.mark_refused(item.seq, str(exc))
                report.messages.append(f"{item.bed or 'entry'}: {exc}")
                report.refused += 1
                continue
            except Exception as exc:
                if cannot_be_replayed(exc):
                    log.error(
                        "Replaying a queued %s failed (%s); set aside as needing attention",
                        item.kind.value,
                        type(exc).__name__,
                    )
                    self.outbox.set_aside(item.seq, one_line(exc))
                    report.messages.append(
                        f"{item.bed or 'entry'}: needs attention: {one_line(exc)}"
                    )
                    report.needs_attention += 1
                    continue
                self.outbox.note_attempt(item.seq, one_line(exc))
                waiting = len(self.outbox.waiting())
                return report.done(waiting, one_line(exc))
            self.outbox.mark_sent(item.seq, self._db.clock())
            report.sent += 1
        return report.done(0, None)

    def _replay_one(self, item: QueuedEntry) -> None:
        """Write one entry as its author, at the time it was queued; note the replay.

        An entry stamped while its author's account was active replays normally, flagged
        "author since deactivated" when the account was deactivated meanwhile; one stamped
        after the deactivation is held for a supervisor (struck from the queue with that
        reason, never deleted).
        """
        with replaying_queued_entries():
            since_deactivated = self._author_since_deactivated(item)
            self._replay_as_author(item, since_deactivated)

    def _author_since_deactivated(self, item: QueuedEntry) -> bool:
        """False for an active author, True if deactivated after the entry was stamped;
        raises ``ServiceError`` (held) if the entry was stamped after the deactivation."""
        with self._db.read() as session:
            active = session.scalar(select(Staff.active).where(Staff.id == item.actor.staff_id))
            if active:
                return False
            deactivated_at = session.scalar(
                select(AuditRow.at)
                .where(
                    AuditRow.action == "deactivate_staff",
                    AuditRow.entity == "staff",
                    AuditRow.entity_id == item.actor.staff_id,
                )
                .order_by(AuditRow.id.desc())
                .limit(1)
            )
        if deactivated_at is not None and item.queued_at < deactivated_at:
            return True
        raise HeldForSupervisor(
            f"held for a supervisor: stamped after {item.actor.display_name}'s account was "
            "deactivated"
        )

    def _alert_for_held(self, item: QueuedEntry) -> None:
        """A held clinical entry is never silent: the automatic account raises an urgent
        concern for the patient (banner, sound, cascade) so the entry is reviewed now."""
        if item.kind is QueueKind.AUDIT or item.admission_id is None:
            return
        from wardconsole.domain.records import Severity
        from wardconsole.services.escalations import EscalationService
        from wardconsole.services.staff import StaffService

        system = StaffService(self._db).system_actor(item.actor.station)
        stamped = item.queued_at.strftime("%H:%M UTC")
        try:
            EscalationService(self._db).raise_concern(
                system,
                item.admission_id,
                Severity.URGENT,
                f"An entry ({item.kind.value}) made at {stamped} by "
                f"{item.actor.display_name}, whose account was deactivated before it was saved, "
                "is held for a supervisor and is not in the record: review its values in the "
                "station queue now.",
            )
        except ServiceError as exc:  # e.g. discharged meanwhile: nobody left to alarm for
            log.warning("No concern raised for a held entry: %s", type(exc).__name__)

    def _replay_as_author(self, item: QueuedEntry, since_deactivated: bool) -> None:
        at_queue_time = Database(
            self._db.engine,
            clock=lambda: item.queued_at,
            policy=self._db.policy,
            chart=self._db.chart,
            fluid_policy=self._db.fluid_policy,
            weight_policy=self._db.weight_policy,
            ward_timezone=self._db.ward_timezone,
        )
        payload = item.payload
        if item.kind is QueueKind.AUDIT:
            _write_audit(self._db, item.actor, payload, dedupe=True)
            return
        assert item.admission_id is not None
        replay = replayer(item.kind)
        already = _retrying_races(lambda: replay(at_queue_time, item))
        now = self._db.clock()
        with self._db.transaction() as session:
            repository.write_audit(
                session,
                at=now,
                staff_id=item.actor.staff_id,
                station=item.actor.station,
                action="outbox_replayed",
                entity=item.kind.value,
                entity_id=item.admission_id,
                detail={
                    "save_key": item.save_key,
                    "queued_at": item.queued_at.isoformat(),
                    "already_saved": already,
                    **({"author_since_deactivated": True} if since_deactivated else {}),
                },
            )


def _replay_round(db: Database, item: QueuedEntry) -> bool:
    recording = RecordingService(db)
    assert item.admission_id is not None
    result = recording.record_round(
        item.actor,
        item.admission_id,
        _round_entry(item.payload["entry"]),
        save_key=item.save_key,
        taken_at=item.payload["taken_at"],
    )
    return result.already_saved


def _replay_prn(db: Database, item: QueuedEntry) -> bool:
    recording = RecordingService(db)
    assert item.admission_id is not None
    payload = item.payload
    drug_class, class_reason = payload["drug_class"], payload.get("class_reason")
    if class_reason is None:  # queued by a release before the formulary: a free-text class
        drug_class, class_reason = _class_queued_before_the_formulary(
            recording.formulary, payload["drug"], drug_class
        )
    recording.record_prn(
        item.actor,
        item.admission_id,
        drug=payload["drug"],
        drug_class=drug_class,
        class_reason=class_reason,
        same_class_confirmed=bool(payload.get("same_class_confirmed", False)),
        dose=payload["dose"],
        route=payload["route"],
        reason=payload["reason"],
        given_at=payload["given_at"],
        save_key=item.save_key,
    )
    return False


def _class_queued_before_the_formulary(
    formulary: Formulary, drug: str, stored: str
) -> tuple[str | None, str]:
    """A dose queued with a free-text class is saved, never refused on replay: a listed drug
    takes its formulary class; another takes the class its old word maps to (``other`` when
    none), with the old word as the reason."""
    found = formulary.classify(drug, stored)
    if found.source is ClassSource.FORMULARY:
        return None, ""
    key = found.key if found.source is not ClassSource.UNCLASSIFIED else "other"
    return key, f"queued before the formulary with the class “{stored}”"


def _replay_fluid(db: Database, item: QueuedEntry) -> bool:
    recording = RecordingService(db)
    assert item.admission_id is not None
    payload = item.payload
    recording.record_fluid(
        item.actor,
        item.admission_id,
        _fluid_entry(payload),
        taken_at=payload["taken_at"],
        save_key=item.save_key,
    )
    return False


def replay_simple(db: Database, item: QueuedEntry) -> bool:
    """Write a queued entry of a simple kind through ``RecordingService.record_entry``: its
    payload is the values by column, ``note`` and ``taken_at`` (as meals and bowels were
    always queued); a value the kind does not know is refused by the kind's check, never
    dropped."""
    assert item.admission_id is not None
    payload = dict(item.payload)
    taken_at = payload.pop("taken_at")
    note = payload.pop("note", "")
    RecordingService(db).record_entry(
        item.actor,
        item.admission_id,
        item.kind.value,
        payload,
        note=note,
        taken_at=taken_at,
        save_key=item.save_key,
    )
    return False


def _replay_weight(db: Database, item: QueuedEntry) -> bool:
    assert item.admission_id is not None
    payload = dict(item.payload)
    taken_at = payload.pop("taken_at")
    RecordingService(db).record_weight(
        item.actor,
        item.admission_id,
        WeightInput(**payload),
        taken_at=taken_at,
        save_key=item.save_key,
    )
    return False


def _replay_regular_dose(db: Database, item: QueuedEntry) -> bool:
    payload = item.payload
    MedicinesService(db).record_regular_dose(
        item.actor,
        int(payload["line_id"]),
        outcome=payload["outcome"],
        omitted_reason=payload["omitted_reason"],
        given_at=payload["given_at"],
        dose=payload["dose"],
        note=payload["note"],
        save_key=item.save_key,
    )
    return False


def _replay_sleep(db: Database, item: QueuedEntry) -> bool:
    recording = RecordingService(db)
    assert item.admission_id is not None
    payload = item.payload
    recording.record_sleep(
        item.actor,
        item.admission_id,
        _sleep_entry(payload),
        taken_at=payload["taken_at"],
        save_key=item.save_key,
    )
    return False


REPLAYS: Mapping[QueueKind, Callable[[Database, QueuedEntry], bool]] = {
    QueueKind.ROUND: _replay_round,
    QueueKind.PRN: _replay_prn,
    QueueKind.FLUID: _replay_fluid,
    QueueKind.SLEEP: _replay_sleep,
    QueueKind.REGULAR_DOSE: _replay_regular_dose,
    QueueKind.WEIGHT: _replay_weight,
}
"""How a queued entry of each kind is written on replay (under its save key, so a save whose
first try committed is not written twice); returns whether it had been saved already. Audit
rows replay separately (``_write_audit``); every simple kind (meals and bowels among them)
through ``replay_simple``. A kind the bedside queues that is not simple is registered here."""


def replayer(kind: AnyQueueKind) -> Callable[[Database, QueuedEntry], bool]:
    """How a queued entry of ``kind`` is written on replay."""
    if simple_spec(kind.value) is not None:
        return replay_simple
    try:
        return REPLAYS[QueueKind(kind.value)]
    except (KeyError, ValueError):
        raise UnknownQueueKind(f"{kind.value!r} cannot be replayed by this station") from None


class HeldForSupervisor(ServiceError):
    """A queued entry stamped after its author's account was deactivated."""


def _retrying_races(write: Callable[[], _Result]) -> _Result:
    for attempt in range(1, RACE_TRIES + 1):
        try:
            return write()
        except (IntegrityError, StaleDataError):
            if attempt == RACE_TRIES:
                raise
            log.info(
                "Another station saved for the same patient at the same moment; "
                "saving again (try %d)",
                attempt + 1,
            )
    raise AssertionError("unreachable")


def _write_audit(
    db: Database, actor: Actor, payload: Mapping[str, Any], *, dedupe: bool = False
) -> None:
    with db.transaction() as session:
        if (
            dedupe
            and session.scalar(
                select(AuditRow.id)
                .where(
                    AuditRow.at == payload["at"],
                    AuditRow.action == payload["action"],
                    AuditRow.staff_id == actor.staff_id,
                    AuditRow.station == actor.station,
                )
                .limit(1)
            )
            is not None
        ):
            return
        repository.write_audit(
            session,
            at=payload["at"],
            staff_id=actor.staff_id,
            station=actor.station,
            action=payload["action"],
            entity=payload["entity"],
            entity_id=payload["entity_id"],
            detail=dict(payload["detail"]),
        )


def _round_payload(entry: RoundEntry) -> dict[str, Any]:
    return {
        "vitals": dict(entry.vitals) if entry.vitals is not None else None,
        "missing_reasons": dict(entry.missing_reasons),
        "confirmed": sorted(entry.confirmed),
        "symptoms": dict(entry.symptoms) if entry.symptoms is not None else None,
        "assessments": {kind: dict(answers) for kind, answers in entry.assessments.items()},
        "note": entry.note,
    }


def _round_entry(data: Mapping[str, Any]) -> RoundEntry:
    return RoundEntry(
        vitals=data["vitals"],
        missing_reasons=data["missing_reasons"],
        confirmed=tuple(data["confirmed"]),
        symptoms=data["symptoms"],
        assessments=data["assessments"],
        note=data["note"],
    )


def _fluid_payload(entry: FluidInput) -> dict[str, Any]:
    return {
        "direction": entry.direction.value,
        "what": entry.what,
        "volume_ml": entry.volume_ml,
        "description": entry.description,
        "note": entry.note,
        "confirmed": entry.confirmed,
    }


def _fluid_entry(data: Mapping[str, Any]) -> FluidInput:
    return FluidInput(
        direction=Direction(data["direction"]),
        what=data["what"],
        volume_ml=data["volume_ml"],
        description=data["description"],
        note=data["note"],
        confirmed=data["confirmed"],
    )


def _fluid_summary(entry: FluidInput) -> str:
    volume = "not measured" if entry.volume_ml is None else f"{entry.volume_ml} ml"
    what = entry.description.strip() or entry.what
    return f"{'in' if entry.direction is Direction.INTAKE else 'out'} {what} {volume}"


def _sleep_payload(entry: SleepInput) -> dict[str, Any]:
    return {
        "night_of": entry.night_of.isoformat(),
        "minutes_slept": entry.minutes_slept,
        "quality": entry.quality.value,
        "woke_at": entry.woke_at,
        "note": entry.note,
    }


def _sleep_entry(data: Mapping[str, Any]) -> SleepInput:
    return SleepInput(
        night_of=date.fromisoformat(data["night_of"]),
        minutes_slept=data["minutes_slept"],
        quality=SleepQuality(data["quality"]),
        woke_at=data["woke_at"],
        note=data["note"],
    )
