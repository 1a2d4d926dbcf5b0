"""The audit trail for supervisors: who did what, when, from which station, to which patient.

Rows are only ever appended (``repository.write_audit`` is the one write path, and database
triggers refuse UPDATE and DELETE on ``audit_log``). An audit row names its entity (an
observation set, an escalation, an admission, a staff account…); the patient is found through
that entity, so filtering by patient needs no patient data copied into the trail.

Exports (PDF, FHIR, HL7…) are audited through ``record_export``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, String, and_, cast, false, func, or_, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from wardconsole.domain.text_input import text_problem
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    Permission,
    PermissionDenied,
    Role,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.text_rule import checks_text, checks_text_as
from wardconsole.store import ledger, repository
from wardconsole.store.entries import ENTRY_TABLES
from wardconsole.store.models import (
    Admission,
    AuditRow,
    Bed,
    EscalationRow,
    HandoffRow,
    LedgerAnchorRow,
    ObservationLevelRow,
    Patient,
    SafetyCheckRow,
    SaveReceiptRow,
    Staff,
)

log = logging.getLogger(__name__)
Verification = ledger.Verification
"""What a record check found (``store.ledger``), for the screens."""

DEFAULT_LIMIT = 2000
"""Rows one search returns (newest first); narrow the filters to see older ones."""

ENTITY_ADMISSION: Mapping[str, Any] = {
    **ENTRY_TABLES,
    "escalation": EscalationRow,
    "round": SaveReceiptRow,
    "handoff": HandoffRow,
    "safety_check": SafetyCheckRow,
    "observation_level": ObservationLevelRow,
}
"""Entities whose table has an ``admission_id``; ``admission`` rows name the admission itself."""

NAMES_THE_ADMISSION: Final = frozenset({"outbox_replayed"})
"""Actions whose ``entity_id`` is the admission, whatever the entity (a queued save written
later names the kind of save as the entity and the patient's admission as the id)."""

SHIFT_ENTITY: Final = "handoff_shift"
"""A whole shift's handoffs (drafted or signed at once): ``detail["handoffs"]`` lists them."""

NAMED_IN_SHIFT_ROW: Final = 3
"""Patients named in one shift-wide row before "and N more"."""


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters; every one is optional and they combine with AND."""

    staff_id: int | None = None
    action: str | None = None
    patient: str = ""
    """Part of a name, a hospital number or a bed label."""
    station: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row as the browser shows it."""

    id: int
    at: datetime
    staff_code: str
    staff_name: str
    station: str
    action: str
    entity: str
    entity_id: int | None
    patient: str
    """'Surname, Given (hospital no.)' when the row is about a patient, else ''."""
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    truncated: bool
    """More rows matched than ``limit``; the oldest were left out."""


@dataclass(frozen=True, slots=True)
class AuditChoices:
    """Values for the browser's filter lists."""

    staff: tuple[tuple[int, str, str], ...]
    """(id, staff code, name)"""
    actions: tuple[str, ...]
    stations: tuple[str, ...]


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def choices(self, actor: Actor) -> AuditChoices:
        require(actor, Permission.VIEW_AUDIT)
        with self._db.read() as session:
            staff = session.execute(
                select(Staff.id, Staff.staff_code, Staff.display_name).order_by(Staff.staff_code)
            ).all()
            actions = session.scalars(
                select(AuditRow.action).distinct().order_by(AuditRow.action)
            ).all()
            stations = session.scalars(
                select(AuditRow.station).distinct().order_by(AuditRow.station)
            ).all()
        return AuditChoices(
            staff=tuple((s.id, s.staff_code, s.display_name) for s in staff),
            actions=tuple(actions),
            stations=tuple(s for s in stations if s),
        )

    @checks_text
    def search(self, actor: Actor, query: AuditQuery) -> AuditPage:
        """The newest matching rows (supervisors only)."""
        require(actor, Permission.VIEW_AUDIT)
        _check(query)
        with self._db.read() as session:
            conditions: list[ColumnElement[bool]] = []
            if query.staff_id is not None:
                conditions.append(AuditRow.staff_id == query.staff_id)
            if query.action:
                conditions.append(AuditRow.action == query.action)
            if query.station:
                conditions.append(AuditRow.station == query.station)
            if query.since is not None:
                conditions.append(AuditRow.at >= query.since)
            if query.until is not None:
                conditions.append(AuditRow.at < query.until)
            if query.patient.strip():
                admissions = _matching_admissions(session, query.patient)
                conditions.append(_about_admissions(admissions, _numbers_of(session, admissions)))
            rows = session.execute(
                select(AuditRow, Staff.staff_code, Staff.display_name)
                .outerjoin(Staff, Staff.id == AuditRow.staff_id)
                .where(and_(true(), *conditions))
                .order_by(AuditRow.at.desc(), AuditRow.id.desc())
                .limit(query.limit + 1)
            ).all()
            truncated = len(rows) > query.limit
            rows = rows[: query.limit]
            patients = _patients_of(session, [row.AuditRow for row in rows])
            entries = tuple(
                AuditEntry(
                    id=row.AuditRow.id,
                    at=row.AuditRow.at,
                    staff_code=row.staff_code or "",
                    staff_name=row.display_name or "",
                    station=row.AuditRow.station,
                    action=row.AuditRow.action,
                    entity=row.AuditRow.entity,
                    entity_id=row.AuditRow.entity_id,
                    patient=patients.get(row.AuditRow.id, ""),
                    detail={  # the content digest is for verification, not for people
                        key: value
                        for key, value in (row.AuditRow.detail or {}).items()
                        if key != ledger.DIGEST_KEY
                    },
                )
                for row in rows
            )
        return AuditPage(entries, truncated)

    @checks_text
    def seal(self, station: str) -> int:
        """Seal settled audit rows into the hash chain (any station; no sign-in needed, it adds
        no information). Returns how many rows were sealed."""
        total = 0
        while True:
            with self._db.transaction() as session:
                sealed = ledger.seal(session, self._db.clock(), station)
            total += sealed
            if sealed < ledger.BATCH:
                return total

    @checks_text
    def seal_settled(self, station: str) -> int:
        """``seal`` on the ward tick: a station that may not seal (a read-only role) or a
        database that does not answer costs this tick's sealing only, never the tick; the
        next tick (or any station's) seals what is left. Returns how many rows were sealed."""
        try:
            return self.seal(station)
        except SQLAlchemyError as exc:
            log.warning("Audit rows not sealed this time: %s", type(exc).__name__)
            return 0

    @checks_text
    def anchor(self, by: str) -> LedgerAnchorRow | None:
        """Seal, then copy the chain head into the anchors (the owner's connection on
        PostgreSQL: stations may not write anchors)."""
        self.seal(by)
        with self._db.transaction() as session:
            return ledger.append_anchor(session, self._db.clock(), by)

    @checks_text
    def sealed_head(self, station: str) -> str:
        """Seal what has settled and describe the chain head in one line, for printing on a
        signed handoff (a paper anchor); '' when nothing is sealed yet. A connection that may
        not seal (a read-only role) still prints the head as it is."""
        try:
            self.seal(station)
        except SQLAlchemyError as exc:
            log.warning("could not seal the audit trail before printing: %s", type(exc).__name__)
        with self._db.read() as session:
            block = ledger.head(session)
        if block is None:
            return ""
        return (
            f"Record chain head: block {block.id} {block.block_hash} (sealed "
            f"{block.sealed_at:%Y-%m-%d %H:%M} UTC, audit rows to {block.last_audit_id}); "
            "'wardconsole audit verify' checks the record against it"
        )

    def check_record(self, actor: Actor) -> ledger.Verification:
        """For the supervisors' audit screen: seal what has settled, then verify from the last
        anchor (the whole record when there is none). ``at`` says when."""
        require(actor, Permission.VIEW_AUDIT)
        try:
            self.seal(actor.station)
        except SQLAlchemyError as exc:
            log.warning("could not seal the audit trail: %s", type(exc).__name__)
        result = self.verify(since_anchor=True)
        result.at = self._db.clock()
        return result

    def verify(self, *, since_anchor: bool = False) -> ledger.Verification:
        """Check the chain and the clinical entries against it (read-only)."""
        with self._db.read() as session:
            return ledger.verify(session, since_anchor=since_anchor)

    @checks_text
    def record_export(
        self,
        actor: Actor,
        what: str,
        *,
        admission_id: int | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Audit an export (a PDF chart, a FHIR bundle, an audit-trail CSV…)."""
        with self._db.transaction() as session:
            repository.write_audit(
                session,
                at=self._db.clock(),
                staff_id=actor.staff_id,
                station=actor.station,
                action="export",
                entity="admission" if admission_id is not None else "ward",
                entity_id=admission_id,
                detail={"what": what, **dict(detail or {})},
            )

    @checks_text_as(file="file_path")
    def record_backup(
        self, system: Actor, *, file: str, size_bytes: int, method: str, origin: Mapping[str, Any]
    ) -> None:
        """Audit a backup of the ward database as the system account (with the operating-system
        user and host that ran it): a copy of every record left the database."""
        if system.role is not Role.SYSTEM:
            raise PermissionDenied("a backup is audited as the system account")
        with self._db.transaction() as session:
            repository.write_audit(
                session,
                at=self._db.clock(),
                staff_id=system.staff_id,
                station=system.station,
                action="backup",
                entity="ward",
                entity_id=None,
                detail={"file": file, "bytes": size_bytes, "method": method, **dict(origin)},
            )


def _check(query: AuditQuery) -> None:
    problems = {}
    for name in ("since", "until"):
        value = getattr(query, name)
        if value is not None and value.tzinfo is None:
            problems[name] = f"{name}: time zone missing"
    if not problems and query.since and query.until and query.since >= query.until:
        problems["until"] = "until: must be after 'since'"
    if not 1 <= query.limit <= 50_000:
        problems["limit"] = "limit: 1–50000 rows"
    for name, longest in (("patient", 120), ("action", 48), ("station", 64)):
        value = getattr(query, name)
        if value is not None and (problem := text_problem(name, value, max_length=longest)):
            problems[name] = problem
    if problems:
        raise InvalidInput(problems)


def _matching_admissions(session: Session, text: str) -> list[int]:
    """Admissions whose patient name, hospital number or bed matches ``text``."""
    pattern = f"%{_escape_like(text.strip().casefold())}%"
    full_name = func.lower(Patient.given_name + " " + Patient.family_name)
    return list(
        session.scalars(
            select(Admission.id)
            .join(Patient, Patient.id == Admission.patient_id)
            .outerjoin(Bed, Bed.id == Admission.bed_id)
            .where(
                or_(
                    full_name.like(pattern, escape="\\"),
                    func.lower(Patient.family_name + ", " + Patient.given_name).like(
                        pattern, escape="\\"
                    ),
                    func.lower(Patient.hospital_number).like(pattern, escape="\\"),
                    func.lower(Bed.label) == text.strip().casefold(),
                )
            )
        ).all()
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _numbers_of(session: Session, admission_ids: Sequence[int]) -> list[str]:
    if not admission_ids:
        return []
    return list(
        session.scalars(
            select(Patient.hospital_number)
            .join(Admission, Admission.patient_id == Patient.id)
            .where(Admission.id.in_(admission_ids))
            .distinct()
            .limit(50)
        )
    )


def _about_admissions(
    admission_ids: Sequence[int], hospital_numbers: Sequence[str] = ()
) -> ColumnElement[bool]:
    """Audit rows whose entity belongs to one of ``admission_ids``, or that name one of the
    patients' hospital numbers in their detail (exports of a patient's record)."""
    if not admission_ids:
        return false()
    clauses = [
        and_(AuditRow.entity == "admission", AuditRow.entity_id.in_(admission_ids)),
        and_(AuditRow.action.in_(NAMES_THE_ADMISSION), AuditRow.entity_id.in_(admission_ids)),
    ]
    detail_text = cast(AuditRow.detail, String)
    clauses.extend(
        detail_text.contains(f'"{number}"', autoescape=True) for number in hospital_numbers
    )
    for entity, model in ENTITY_ADMISSION.items():
        owned = select(model.id).where(model.admission_id.in_(admission_ids))
        clauses.append(
            and_(
                AuditRow.entity == entity,
                AuditRow.action.not_in(NAMES_THE_ADMISSION),
                AuditRow.entity_id.in_(owned),
            )
        )
    return or_(*clauses)


def _patients_of(session: Session, rows: Iterable[AuditRow]) -> dict[int, str]:
    """Audit row id -> patient label, for rows about a patient (a few IN queries): the
    entity's admission, the admission itself, the handoffs of a shift-wide row, or the hospital
    numbers an export names."""
    rows = list(rows)
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        for entity, entity_id in _entities_of(row):
            wanted[entity].add(entity_id)
    admission_of: dict[tuple[str, int], int] = {}
    for entity, ids in wanted.items():
        if entity == "admission":
            admission_of.update({(entity, i): i for i in ids})
            continue
        model = ENTITY_ADMISSION[entity]
        for entity_id, admission_id in session.execute(
            select(model.id, model.admission_id).where(model.id.in_(ids))
        ):
            admission_of[(entity, entity_id)] = admission_id
    labels: dict[int, str] = {}
    admission_ids = set(admission_of.values())
    if admission_ids:
        for admission_id, family, given, number in session.execute(
            select(Admission.id, Patient.family_name, Patient.given_name, Patient.hospital_number)
            .join(Patient, Patient.id == Admission.patient_id)
            .where(Admission.id.in_(admission_ids))
        ):
            labels[admission_id] = f"{family}, {given} ({number})"
    result = {}
    for row in rows:
        named = [
            labels.get(admission_of[key], "") for key in _entities_of(row) if key in admission_of
        ]
        if named:
            more = len(named) - NAMED_IN_SHIFT_ROW
            result[row.id] = "; ".join(named[:NAMED_IN_SHIFT_ROW]) + (
                f" and {more} more" if more > 0 else ""
            )
        elif row.entity == "patient" and isinstance(row.detail, dict):
            numbers = row.detail.get("hospital_numbers") or []
            result[row.id] = ", ".join(str(n) for n in numbers[:3])
    return result


def _entities_of(row: AuditRow) -> list[tuple[str, int]]:
    """(entity, id) pairs whose admission is the patient ``row`` is about."""
    if row.action in NAMES_THE_ADMISSION and row.entity_id is not None:
        return [("admission", row.entity_id)]
    if row.entity == SHIFT_ENTITY and isinstance(row.detail, dict):
        ids = row.detail.get("handoffs") or []
        return [("handoff", int(i)) for i in ids if isinstance(i, int)]
    if row.entity_id is not None and (row.entity == "admission" or row.entity in ENTITY_ADMISSION):
        return [(row.entity, row.entity_id)]
    return []
