"""The medicines list (a monitoring copy of the drug chart) and regular doses given or omitted.

``add_line`` transcribes one line from the ward's drug chart (who and when are recorded);
``check_line`` is the second check against the chart by another member of staff; ``stop_line``
and corrections are new rows amending the line (the list is versioned like an entry). A regular
dose is recorded against an active regular line as given or omitted with a reason
(``record_regular_dose``), audited ``record_regular_dose``, and then the patient's rules run, so
the dependency watch sees regular doses as well as PRN ones. Everything printed from the list
carries ``domain.medicines.MONITORING_COPY``. Bad input raises ``InvalidInput`` naming the field
and writes nothing. Adding, checking, correcting and stopping a line, like a dose, take the
``save_key`` their dialog made: a retry after a lost reply returns the first result and never
puts a line on the list twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.domain.dependency_watch import MedicinesWatch
from wardconsole.domain.formulary import Formulary
from wardconsole.domain.medicines import (
    MedicineLine,
    check_dose_outcome,
    check_line,
)
from wardconsole.domain.records import route_key
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
from wardconsole.services.escalations import medicines_watch
from wardconsole.services.recording import RecordingService, SaveResult, _stamp
from wardconsole.services.save_once import check_save_key, save_exactly_once
from wardconsole.services.text_rule import checks_text
from wardconsole.store import medicines_queries as q
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.entries import new_entry
from wardconsole.store.models import (
    Admission,
    MedicineLineCheckRow,
    MedicineLineRow,
    RegularDoseRow,
)
from wardconsole.store.receipts import Receipt


@dataclass(frozen=True, slots=True)
class MedicinesView:
    """A patient's medicines list and dependency watch, for the screens."""

    lines: tuple[MedicineLine, ...]
    watch: MedicinesWatch | None


class MedicinesService:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._recording = RecordingService(db)

    # -- reads --------------------------------------------------------------------------------

    def view(self, admission_id: int) -> MedicinesView:
        now = self._db.clock()
        with self._db.read() as session:
            lines = q.medicine_lines(session, admission_id)
            watch = medicines_watch(session, self._db, admission_id, now)
        return MedicinesView(tuple(lines), watch)

    # -- the list -----------------------------------------------------------------------------

    @checks_text
    def add_line(
        self,
        actor: Actor,
        admission_id: int,
        *,
        drug: str,
        dose: str,
        route: str,
        schedule: str,
        frequency: str = "",
        max_per_24h: str = "",
        drug_class: str = "",
        starts_at: datetime | None = None,
        reducing_until: datetime | None = None,
        note: str = "",
        save_key: str | None = None,
    ) -> int:
        """Transcribe one line from the drug chart; its id. With ``save_key`` a retried save
        never adds the line twice."""
        require(actor, Permission.RECORD)
        check_save_key(save_key)
        now = self._db.clock()
        starts = as_utc("starts_at", starts_at) or now
        until = as_utc("reducing_until", reducing_until)
        columns, problems = _line_columns(
            self._db.formulary,
            starts,
            until,
            drug=drug,
            drug_class=drug_class,
            dose=dose,
            route=route,
            schedule=schedule,
            frequency=frequency,
            max_per_24h=max_per_24h,
        )
        if problems:
            raise InvalidInput(problems)

        def write(session: Session) -> tuple[int, dict[str, Any]]:
            self._open_admission(session, admission_id)
            row = new_entry(
                MedicineLineRow,
                _stamp(actor, admission_id, starts, now, note.strip()),
                **columns,
                stop_at=None,
            )
            session.add(row)
            session.flush()
            self._audit(session, actor, now, "add_medicine_line", row.id, drug=row.drug)
            record_change(session, "medicines", admission_id, actor.station)
            return row.id, {"line": row.id}

        return self._once(actor, save_key, "line_add", admission_id, now, write)

    @checks_text
    def check_line(self, actor: Actor, line_id: int, *, save_key: str | None = None) -> None:
        """A second member of staff confirms the line matches the drug chart; with
        ``save_key`` a retried check is never recorded twice."""
        require(actor, Permission.RECORD)
        check_save_key(save_key)
        now = self._db.clock()

        def write(session: Session) -> tuple[int, dict[str, Any]]:
            line = self._current_line(session, line_id)
            if line.recorded_by_id == actor.staff_id:
                raise ServiceError(
                    "the second check is by someone other than the person who transcribed it"
                )
            check = MedicineLineCheckRow(
                line_id=line.id,
                recorded_at=now,
                recorded_by_id=actor.staff_id,
                station=actor.station,
            )
            session.add(check)
            session.flush()
            self._audit(session, actor, now, "check_medicine_line", line.id, drug=line.drug)
            record_change(session, "medicines", line.admission_id, actor.station)
            return check.id, {"check": check.id}

        self._once(actor, save_key, "line_check", self._line_admission(line_id), now, write)

    @checks_text
    def stop_line(
        self,
        actor: Actor,
        line_id: int,
        *,
        reason: str,
        stop_at: datetime,
        save_key: str | None = None,
    ) -> int:
        """Stop a line from ``stop_at`` (a new row amending it, with the reason); its id. With
        ``save_key`` a retried stop is never recorded twice."""
        require(actor, Permission.RECORD)
        reason = reason.strip()
        if not reason:
            raise InvalidInput({"reason": "reason: say why the medicine is stopped"})
        check_save_key(save_key)
        now = self._db.clock()
        stop = as_utc("stop_at", stop_at) or now

        def write(session: Session) -> tuple[int, dict[str, Any]]:
            line = self._current_line(session, line_id)
            if stop < line.taken_at:
                raise InvalidInput({"stop_at": "stop_at: before the medicine started"})
            row = new_entry(
                MedicineLineRow,
                _stamp(actor, line.admission_id, line.taken_at, now, line.note, line.id, reason),
                **{
                    name: getattr(line, name)
                    for name in (
                        "drug",
                        "drug_class",
                        "dose",
                        "route",
                        "schedule",
                        "frequency",
                        "max_per_24h",
                        "reducing_until",
                    )
                },
                stop_at=stop,
            )
            session.add(row)
            session.flush()
            self._audit(session, actor, now, "stop_medicine_line", row.id, drug=row.drug)
            record_change(session, "medicines", line.admission_id, actor.station)
            return row.id, {"line": row.id}

        return self._once(actor, save_key, "line_stop", self._line_admission(line_id), now, write)

    @checks_text
    def amend_line(
        self,
        actor: Actor,
        line_id: int,
        *,
        reason: str,
        drug: str,
        dose: str,
        route: str,
        schedule: str,
        frequency: str = "",
        max_per_24h: str = "",
        drug_class: str = "",
        starts_at: datetime | None = None,
        reducing_until: datetime | None = None,
        note: str = "",
        save_key: str | None = None,
    ) -> int:
        """Correct a line (a new row amending it, with the reason; a stop stays a stop); its id.
        The corrected line needs a fresh second check against the chart. With ``save_key`` a
        retried correction is never recorded twice."""
        require(actor, Permission.RECORD)
        reason = reason.strip()
        problems: dict[str, str] = {}
        if not reason:
            problems["reason"] = "reason: say why the line is corrected"
        check_save_key(save_key)
        now = self._db.clock()
        until = as_utc("reducing_until", reducing_until)

        def write(session: Session) -> tuple[int, dict[str, Any]]:
            line = self._current_line(session, line_id)
            starts = as_utc("starts_at", starts_at) or line.taken_at
            columns, found = _line_columns(
                self._db.formulary,
                starts,
                until,
                drug=drug,
                drug_class=drug_class,
                dose=dose,
                route=route,
                schedule=schedule,
                frequency=frequency,
                max_per_24h=max_per_24h,
            )
            problems.update(found)
            if line.stop_at is not None and line.stop_at < starts:
                problems["starts_at"] = "starts_at: after the line was stopped"
            if problems:
                raise InvalidInput(problems)
            row = new_entry(
                MedicineLineRow,
                _stamp(actor, line.admission_id, starts, now, note.strip(), line.id, reason),
                **columns,
                stop_at=line.stop_at,
            )
            session.add(row)
            session.flush()
            self._audit(
                session, actor, now, "amend_medicine_line", row.id, drug=row.drug, amends=line.id
            )
            record_change(session, "medicines", line.admission_id, actor.station)
            return row.id, {"line": row.id}

        return self._once(actor, save_key, "line_amend", self._line_admission(line_id), now, write)

    # -- regular doses ------------------------------------------------------------------------

    @checks_text
    def record_regular_dose(
        self,
        actor: Actor,
        line_id: int,
        *,
        outcome: str,
        omitted_reason: str = "",
        given_at: datetime | None = None,
        dose: str = "",
        note: str = "",
        save_key: str | None = None,
    ) -> SaveResult:
        """A regular dose given (as the line says, or ``dose`` when it differed) or omitted with
        a reason, against an active regular line; with ``save_key`` a retried save never
        records the dose twice."""
        require(actor, Permission.RECORD)
        problems = check_dose_outcome(outcome, omitted_reason)
        if problems:
            raise InvalidInput(problems)
        check_save_key(save_key)
        now = self._db.clock()
        at = as_utc("given_at", given_at) or now
        admission_id = self._line_admission(line_id)

        def write(session: Session) -> tuple[SaveResult, dict[str, Any]]:
            line = self._current_line(session, line_id)
            if line.schedule != "regular":
                raise InvalidInput({"line": "line: a PRN medicine is recorded as a PRN dose"})
            stopped = line.stop_at is not None and at >= line.stop_at
            if at < line.taken_at or stopped:
                raise InvalidInput({"given_at": "given_at: the medicine is not active then"})
            row = new_entry(
                RegularDoseRow,
                _stamp(actor, line.admission_id, at, now, note.strip()),
                line_id=line.id,
                drug=line.drug,
                drug_class=line.drug_class,
                dose=dose.strip() or line.dose,
                route=line.route,
                outcome=outcome,
                omitted_reason=omitted_reason,
            )
            result = self._recording._finish(
                session,
                actor,
                row,
                "regular_dose",
                now,
                {"drug": line.drug, "outcome": outcome, "omitted_reason": omitted_reason},
            )
            return result, {"regular_dose": result.entry_id}

        return self._recording._save_once(actor, "regular_dose", admission_id, save_key, now, write)

    # -- helpers ------------------------------------------------------------------------------

    def _line_admission(self, line_id: int) -> int:
        """The stay a line belongs to (a save key is kept per stay)."""
        with self._db.read() as session:
            admission_id = session.scalar(
                select(MedicineLineRow.admission_id).where(MedicineLineRow.id == line_id)
            )
        if admission_id is None:
            raise NotFound(f"medicines-list line {line_id} does not exist")
        return admission_id

    def _once(
        self,
        actor: Actor,
        save_key: str | None,
        kind: str,
        admission_id: int,
        now: datetime,
        write: Callable[[Session], tuple[int, dict[str, Any]]],
    ) -> int:
        """A change to the list saved exactly once under ``save_key``: a retry whose first try
        committed gets the id that try wrote (its receipt names one row) and writes nothing."""

        def earlier(_session: Session, receipt: Receipt) -> int:
            return int(next(iter(receipt.entries.values())))

        return save_exactly_once(
            self._db,
            actor,
            save_key=save_key,
            kind=kind,
            admission_id=admission_id,
            now=now,
            write=write,
            earlier=earlier,
        )

    def _current_line(self, session: Session, line_id: int) -> MedicineLineRow:
        line = session.get(MedicineLineRow, line_id)
        if line is None:
            raise NotFound(f"medicines-list line {line_id} does not exist")
        newer = session.scalar(
            select(MedicineLineRow.id).where(MedicineLineRow.amends_id == line_id)
        )
        if newer is not None:
            raise ServiceError("this line has been changed since; look again before using it")
        self._open_admission(session, line.admission_id)
        return line

    @staticmethod
    def _open_admission(session: Session, admission_id: int) -> None:
        """The stay exists and is open (a medicine may have started before admission)."""
        admission = session.get(Admission, admission_id)
        if admission is None:
            raise NotFound(f"admission {admission_id} does not exist")
        if admission.discharged_at is not None:
            raise ServiceError("this patient has been discharged; the record is read-only")

    @staticmethod
    def _audit(
        session: Session, actor: Actor, now: datetime, action: str, line_id: int, **detail: Any
    ) -> None:
        repository.write_audit(
            session,
            at=now,
            staff_id=actor.staff_id,
            station=actor.station,
            action=action,
            entity="medicine_line",
            entity_id=line_id,
            detail=detail,
        )


def _line_columns(
    formulary: Formulary,
    starts: datetime,
    until: datetime | None,
    *,
    drug: str,
    drug_class: str,
    dose: str,
    route: str,
    schedule: str,
    frequency: str,
    max_per_24h: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A line's columns as typed (class from the formulary) and its problems by field."""
    key, problems = check_line(
        formulary,
        drug=drug,
        drug_class=drug_class,
        dose=dose,
        route=route,
        schedule=schedule,
        frequency=frequency,
        max_per_24h=max_per_24h,
        starts_at=starts,
        reducing_until=until,
    )
    columns = {
        "drug": drug.strip(),
        "drug_class": key,
        "dose": dose.strip(),
        "route": route_key(route) or route.strip(),
        "schedule": schedule,
        "frequency": frequency.strip(),
        "max_per_24h": max_per_24h.strip(),
        "reducing_until": until,
    }
    return columns, problems
