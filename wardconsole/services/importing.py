"""Writing vital signs that came from another system: a FHIR file or a bedside monitor.

A reader in ``wardconsole.interop`` turns its input into an ``ImportBatch`` (already in chart
units, nothing guessed); ``ImportService.import_batch`` writes the whole batch in ONE
transaction — all or nothing — with the audit row, the change-log rows and the escalation rules
of every patient on the ward it touched.

Idempotent: every set carries ``(source, source_ref)`` (unique in the table), and a set equal to
a current one already on record (same stay, time and values) is not written twice, so
re-importing a file, or importing the console's own export back, adds nothing.

Values the other system did not send are stored as missing with reason ``not_in_source``; a set
is scored for NEWS2 only when it is complete, so an import never produces a made-up score.

Body weight and height in a set (``BODY_FIELDS``, exact decimal text in kg and m) become a
weighing of their own (``weight_entries``, same source reference); a value outside the weight
policy's limits is skipped, an extreme one kept with a note, as for vital signs.

Food, fluid, bowel and sleep entries (``ChartEntry``) are checked by the same rules as typed
ones and counted as already on record by their values (``services.chart_import``).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from wardconsole.domain.news2 import score_vitals
from wardconsole.domain.records import VITAL_FIELDS, MissingReason, VitalSigns
from wardconsole.domain.validation import validate_vitals
from wardconsole.domain.weight_policy import WeightPolicy
from wardconsole.domain.weights import WeightInput, weight_problems
from wardconsole.services.chart_import import (
    ESTIMATED_SLEEP,
    KIND_FIELDS,
    KIND_WORDS,
    OnRecord,
    check_entry,
    identity,
)
from wardconsole.services.context import (
    Actor,
    InvalidInput,
    NotFound,
    Permission,
    ServiceError,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.escalations import apply_rules_of
from wardconsole.services.staff import StaffService
from wardconsole.services.text_rule import field_problem
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.entries import EntryStamp, current
from wardconsole.store.entry_windows import EntryWindows
from wardconsole.store.models import Admission, ObservationSetRow, Patient, Staff, WeightEntryRow

log = logging.getLogger(__name__)

_AUDIT_ACTIONS = {"import": "import", "monitor": "import_monitor"}

FUTURE_TOLERANCE = timedelta(minutes=5)
"""Same as bedside recording: a station or monitor clock may run slightly ahead."""

BODY_FIELDS = ("weight_kg", "height_m", "before_kg")
"""Values of a set that are a weighing, not vital signs (decimal text, kg and m; ``before_kg``
the weight 3–6 months before admission, with ``VitalGroup.before``)."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``; raising from it (e.g. the user cancelled) rolls everything back."""

CHUNK_SETS = 500
"""Sets checked for duplicates with one query and written with one multi-row insert."""


@dataclass(frozen=True, slots=True)
class PatientRef:
    """Who the values belong to; name and birth date allow creating the patient record."""

    hospital_number: str
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    sex: str = "unknown"


@dataclass(frozen=True, slots=True)
class StayRef:
    """The stay (FHIR Encounter) the values were taken in, when the source says."""

    start: datetime
    end: datetime | None = None
    care_setting: str = "inpatient"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AuthorRef:
    """Who took the values in the other system, when it says (FHIR performer)."""

    staff_code: str
    display_name: str


@dataclass(frozen=True, slots=True)
class VitalGroup:
    """One contemporaneous set from the source: field -> value in chart units."""

    source_ref: str
    patient: PatientRef
    taken_at: datetime
    values: Mapping[str, object]
    position: str
    """Where in the input the set came from (for messages)."""
    stay: StayRef | None = None
    author: AuthorRef | None = None
    missing_reasons: Mapping[str, str] = field(default_factory=dict)
    """Reasons the source gave for values not taken; others become ``not_in_source``."""
    note: str = ""
    before: tuple[str, bool] | None = None
    """With ``before_kg``: where it came from (``BEFORE_SOURCES`` key) and whether the change
    was planned."""


@dataclass(frozen=True, slots=True)
class ChartEntry:
    """One food, fluid, bowel or sleep entry from the source: ``kind`` is a key of
    ``chart_import.KIND_FIELDS`` and ``values`` its columns as the table holds them."""

    kind: str
    patient: PatientRef
    taken_at: datetime
    values: Mapping[str, object]
    position: str
    stay: StayRef | None = None
    author: AuthorRef | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ImportBatch:
    source: str
    """``import`` (a file) or ``monitor`` (the bedside-monitor feed)."""
    label: str
    """The file name or message ID, for the audit trail."""
    groups: tuple[VitalGroup, ...]
    skipped: Mapping[str, int] = field(default_factory=dict)
    """What the reader skipped and why (reason -> count of values)."""
    create_records: bool = True
    """Create unknown patients, stays and authors (a file); False for the monitor feed,
    whose values must belong to a patient on the ward now."""
    entries: tuple[ChartEntry, ...] = ()
    """Food, fluid, bowel and sleep entries (a file only)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, in numbers a nurse can check against the source."""

    sets_added: int
    values_added: int
    already_present: int
    skipped: Mapping[str, int]
    patients_created: int = 0
    stays_created: int = 0
    admission_ids: tuple[int, ...] = ()
    weighings_added: int = 0
    entries_added: Mapping[str, int] = field(default_factory=dict)
    """Chart entries written, by kind (``fluid``, ``meal``, ``bowel``, ``sleep``)."""

    @property
    def values_skipped(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        """One line, e.g. ``12 sets (40 values) imported; 3 already on record; 5 skipped``."""
        parts = [
            f"{self.sets_added} set{_s(self.sets_added)} ({self.values_added} "
            f"value{_s(self.values_added)}) imported"
        ]
        if self.weighings_added:
            parts.append(f"{self.weighings_added} weighing{_s(self.weighings_added)} imported")
        entries = [
            f"{n} {KIND_WORDS[kind][n != 1]}"
            for kind in KIND_FIELDS
            if (n := self.entries_added.get(kind, 0))
        ]
        if entries:
            parts.append(", ".join(entries) + " imported")
        if self.already_present:
            parts.append(f"{self.already_present} already on record")
        created = [
            f"{n} {what}{_s(n)}"
            for n, what in ((self.patients_created, "patient"), (self.stays_created, "stay"))
            if n
        ]
        if created:
            parts.append(" and ".join(created) + " created")
        if self.skipped:
            parts.append(f"{self.values_skipped} value{_s(self.values_skipped)} skipped")
        if ESTIMATED_SLEEP in self.skipped:
            parts.append("sleep estimates are derived here from the safety checks, not imported")
        return "; ".join(parts)

    def skipped_lines(self) -> list[str]:
        return [
            f"{count:>5}  {reason}"
            for reason, count in sorted(self.skipped.items(), key=lambda item: (-item[1], item[0]))
        ]


class UnknownPatient(NotFound):
    """The monitor feed named a patient who is not on the ward.

    One message whether the identifier is unknown, belongs to a discharged patient or to one
    whose stay the feed may not write to: the reply must not tell a sender who has been or is
    on the ward, nor echo the identifier it was given."""

    MESSAGE = "no patient with this identifier is on the ward; nothing stored"

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


class ImportService:
    def __init__(self, db: Database, *, carry_rules_state: bool = False) -> None:
        """``carry_rules_state``: the rules passes of ``import_batches`` and ``run_rules``
        carry each patient's entries from one pass to the next and read only what changed
        (``store.entry_windows``) — for the one thread of the monitor feed's writer."""
        self._db = db
        self._windows = EntryWindows() if carry_rules_state else None

    def import_batch(
        self, actor: Actor, batch: ImportBatch, progress: Progress | None = None
    ) -> ImportReport:
        """Write every set of ``batch`` in one transaction (see module docstring)."""
        importer = self._importer(actor, batch)
        require(actor, Permission.RECORD)
        if batch.create_records:
            require(actor, Permission.ADMIT)
        problems = unstorable_text(batch)
        if problems:
            raise InvalidInput(problems)
        now = self._db.clock()
        with self._db.transaction() as session:
            writer = _BatchWriter(session, actor, batch, now, importer, self._db.weight_policy)
            total = len(batch.groups) + len(batch.entries)
            for first in range(0, len(batch.groups), CHUNK_SETS):
                chunk = batch.groups[first : first + CHUNK_SETS]
                writer.write_chunk(chunk, progress, first, total)
            writer.write_entries(self._db, progress, len(batch.groups), total)
            return writer.finish(self._db)

    def import_batches(
        self,
        actor: Actor,
        batches: Sequence[ImportBatch],
        *,
        rules_now: bool = True,
    ) -> list[ImportReport | Exception]:
        """Several batches (monitor messages that arrived together) in ONE transaction, each
        as in a savepoint of its own (``_write_group``): a batch refused (an unknown patient,
        unstorable text, a retransmission racing its twin, a bug) is returned as its error and
        leaves the others.
        The clinical rules run once per stay after the group's last set, and one commit ends
        it, so a busy feed pays one rules pass and one disk flush per patient and group, not
        per message. With ``rules_now`` False the stays get their change-log row but not the
        rules: the caller runs them shortly after with ``run_rules`` (the monitor feed's rules
        window).
        The feed writes as the system account, so its sets are recorded by it."""
        require(actor, Permission.RECORD)
        now = self._db.clock()
        with self._carried(), self._db.transaction() as session:
            try:
                with session.begin_nested():
                    results, touched = _write_group(session, self._db, actor, batches, now)
            except OperationalError:
                raise  # a busy or locked database: the caller waits and retries the group
            except (OneAtATime, SQLAlchemyError):
                results, touched = self._write_one_at_a_time(session, actor, batches, now)
            for admission_id in sorted(touched):
                record_change(session, "observation", admission_id, actor.station)
            # The rules once per stay for the whole group, after its last set.
            if rules_now:
                ruled(session, self._db, touched, now, actor, self._windows)
        return results

    def _write_one_at_a_time(
        self, session: Session, actor: Actor, batches: Sequence[ImportBatch], now: datetime
    ) -> tuple[list[ImportReport | Exception], set[int]]:
        """Each batch in a savepoint of its own (a group ``write_group`` could not take)."""
        results: list[ImportReport | Exception] = []
        touched: set[int] = set()
        for batch in batches:
            try:
                report, stays = self._write_in_savepoint(session, actor, batch, now)
            except OperationalError:
                raise  # a busy or locked database: the caller waits and retries the group
            except (ServiceError, SQLAlchemyError) as exc:
                results.append(exc)
                continue
            except Exception as exc:  # a bug costs this message, never its group
                log.exception("Import of %s failed", batch.label[:60])
                results.append(exc)
                continue
            results.append(report)
            touched |= stays
        return results, touched

    def run_rules(self, actor: Actor, admission_ids: Collection[int]) -> None:
        """The clinical rules for these stays, in one transaction (the monitor feed's stays
        whose rules a recent group left for its rules window)."""
        require(actor, Permission.RECORD)
        now = self._db.clock()
        with self._carried(), self._db.transaction() as session:
            ruled(session, self._db, set(admission_ids), now, actor, self._windows)

    def _carried(self) -> AbstractContextManager[None]:
        """Around a transaction whose rules read through the carried windows: if it fails,
        they are forgotten (it may have read rows that never committed)."""
        return nullcontext() if self._windows is None else self._windows.transaction()

    def _write_in_savepoint(
        self, session: Session, actor: Actor, batch: ImportBatch, now: datetime
    ) -> tuple[ImportReport, set[int]]:
        if batch.create_records:
            require(actor, Permission.ADMIT)
        problems = unstorable_text(batch)
        if problems:
            raise InvalidInput(problems)
        for attempt in range(2):
            try:
                with session.begin_nested():
                    writer = _BatchWriter(
                        session, actor, batch, now, actor.staff_id, self._db.weight_policy
                    )
                    writer.write_chunk(batch.groups, None, 0, len(batch.groups))
                    return writer.finish(self._db, apply_rules_now=False), writer.touched
            except IntegrityError:
                # The same message from two connections in one group: the savepoint is gone,
                # and written again the twin's sets are found on record (AA, stored once).
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _importer(self, actor: Actor, batch: ImportBatch) -> int:
        """Who a file's entries without an author of their own are recorded by: the system
        account (``WardConsole (automatic)``), never the nurse who ran the import — they did not
        take those values. The audit row names the nurse who imported the file."""
        if not batch.create_records:
            return actor.staff_id  # the monitor feed already writes as the system account
        return StaffService(self._db).system_actor(actor.station).staff_id


class _BatchWriter:
    """The state of one import transaction: caches, counts and touched admissions."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        batch: ImportBatch,
        now: datetime,
        importer: int,
        weight_policy: WeightPolicy,
    ) -> None:
        self.session = session
        self._weight_policy = weight_policy
        self.actor = actor
        self.importer = importer
        """The staff ID entries with no author of their own are recorded by."""
        self.batch = batch
        self.now = now
        self.skipped: Counter[str] = Counter(batch.skipped)
        self.sets_added = 0
        self.values_added = 0
        self.already_present = 0
        self.patients_created = 0
        self.stays_created = 0
        self.touched: set[int] = set()
        self._patients: dict[str, Patient | None] = {}
        self._staff: dict[str, int] = {}
        self._stays: dict[int, list[Admission]] = {}
        self._known_refs: set[str] = set()
        """Source references already on record or written by this import (this chunk's)."""
        self._on_record: dict[tuple[int, datetime], list[VitalSigns]] = {}
        """Current sets at the times this chunk has, per admission (for the duplicate check)."""
        self._rows: list[dict[str, Any]] = []
        self._weight_rows: list[dict[str, Any]] = []
        self._weighed_refs: set[str] = set()
        self.weighings_added = 0
        self._loaded_stays: set[int] = set()
        self._chunk_times = (now, now)
        self.entries_added: Counter[str] = Counter()
        self._entry_topics: set[tuple[str, int]] = set()

    # -- a chunk of sets -------------------------------------------------------------------------

    def write_chunk(
        self,
        groups: tuple[VitalGroup, ...],
        progress: Progress | None,
        done: int,
        total: int,
    ) -> None:
        """Check and write ``groups`` with a few queries and one multi-row insert."""
        self.begin_chunk(groups)
        for group in groups:
            self.write(group)
            done += 1
            if progress is not None:
                progress(done, total)
        self.insert_chunk()

    def begin_chunk(self, groups: tuple[VitalGroup, ...]) -> None:
        """The look-ups of a chunk: which of its references are on record already."""
        self._known_refs = self._refs_on_record([g.source_ref for g in groups])
        self._weighed_refs = self._refs_on_record([g.source_ref for g in groups], WeightEntryRow)
        self._weight_rows = []
        self._on_record = {}
        self._loaded_stays = set()
        times = [g.taken_at for g in groups]
        self._chunk_times = (min(times), max(times)) if times else (self.now, self.now)
        self._rows = []

    def insert_chunk(self) -> None:
        if self._rows:
            self._insert(ObservationSetRow, self._rows)
        if self._weight_rows:
            self._insert(WeightEntryRow, self._weight_rows)

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """Write a chunk's rows (a bulk import writes them to its staging table instead)."""
        self.session.execute(insert(model), rows)

    def _add(self, row: Patient | Admission | Staff) -> None:
        """A new patient, stay or author, given its ID now (a bulk import keeps it pending)."""
        self.session.add(row)
        self.session.flush()

    def sharing(self, batch: ImportBatch) -> _BatchWriter:
        """A writer for another batch of this chunk (the monitor feed's group of messages)
        that uses this one's look-ups, so each batch keeps its own counts and rows while the
        chunk is read once; ``begin_chunk`` ran here for the whole chunk."""
        other = _BatchWriter(
            self.session, self.actor, batch, self.now, self.importer, self._weight_policy
        )
        other._patients, other._staff, other._stays = self._patients, self._staff, self._stays
        other._known_refs, other._weighed_refs = self._known_refs, self._weighed_refs
        other._on_record, other._loaded_stays = self._on_record, self._loaded_stays
        other._chunk_times = self._chunk_times
        return other

    def look_up_patients(self, hospital_numbers: Collection[str]) -> None:
        """Patients already on record, their stays and those stays' current sets within the
        chunk's times, with three statements however many patients (``begin_chunk`` first)."""
        patients = list(
            self.session.scalars(
                select(Patient).where(Patient.hospital_number.in_(sorted(hospital_numbers)))
            )
        )
        self._patients.update((p.hospital_number, p) for p in patients)
        stays = self.session.scalars(
            select(Admission)
            .where(Admission.patient_id.in_([p.id for p in patients]))
            .order_by(Admission.id)
        )
        for patient in patients:
            self._stays.setdefault(patient.id, [])
        for stay in stays:
            self._stays[stay.patient_id].append(stay)
        self._load_current_sets([a.id for found in self._stays.values() for a in found])

    def _refs_on_record(self, refs: list[str], model: Any = ObservationSetRow) -> set[str]:
        return set(
            self.session.scalars(
                select(model.source_ref).where(
                    model.source == self.batch.source, model.source_ref.in_(refs)
                )
            )
        )

    # -- one set ---------------------------------------------------------------------------------

    def write(self, group: VitalGroup) -> None:
        count = len(group.values)
        if group.taken_at > self.now + FUTURE_TOLERANCE:
            self.skipped["time in the future"] += count
            return
        body = {k: v for k, v in group.values.items() if k in BODY_FIELDS}
        if group.source_ref in self._known_refs and (
            not body or group.source_ref in self._weighed_refs
        ):
            self.already_present += 1
            return
        patient = self._patient(group.patient)
        if patient is None:
            return self._skip_patient(group, count)
        admission = self._admission(patient, group)
        if admission is None:
            self.skipped["time outside any stay of the patient"] += count
            return
        if body and group.source_ref not in self._weighed_refs:
            self._write_weighing(group, admission, body)
        if group.source_ref in self._known_refs:
            return
        values = {k: v for k, v in group.values.items() if k not in BODY_FIELDS}
        if not values:
            return
        values["spo2_scale"] = admission.spo2_scale
        vitals, extreme = self._validated(values)
        taken = [name for name in VITAL_FIELDS if getattr(vitals, name) is not None]
        if not taken:
            return
        if self._same_set_on_record(admission.id, group.taken_at, vitals):
            self.already_present += 1
            return
        reasons = {
            name: group.missing_reasons.get(name, MissingReason.NOT_IN_SOURCE.value)
            for name in vitals.missing_fields()
        }
        reasons = {
            k: (v if v in set(MissingReason) else MissingReason.NOT_IN_SOURCE.value)
            for k, v in reasons.items()
        }
        note = group.note
        if extreme:
            note = _join(
                note, "Extreme value from the source, not re-measured: " + ", ".join(extreme)
            )
        result = score_vitals(vitals)
        recorded_by, provenance = self._author(group)
        note = _join(note, provenance)
        self._rows.append(
            {
                "admission_id": admission.id,
                "taken_at": group.taken_at,
                "recorded_at": self.now,
                "recorded_by_id": recorded_by,
                "station": self.actor.station,
                "respiration_rate": vitals.respiration_rate,
                "spo2": vitals.spo2,
                "spo2_scale": vitals.spo2_scale,
                "on_oxygen": vitals.on_oxygen,
                "systolic_bp": vitals.systolic_bp,
                "diastolic_bp": vitals.diastolic_bp,
                "pulse": vitals.pulse,
                "consciousness": vitals.consciousness,
                "temperature": vitals.temperature,
                "missing_reasons": reasons,
                "is_complete": result is not None,
                "news2_total": result.total if result else None,
                "news2_risk": result.risk if result else None,
                "news2_subscores": dict(result.parameter_scores) if result else None,
                "note": note,
                "source": self.batch.source,
                "source_ref": group.source_ref,
                "status": "final",
            }
        )
        self._known_refs.add(group.source_ref)
        self._on_record.setdefault((admission.id, group.taken_at), []).append(vitals)
        self.sets_added += 1
        self.values_added += len(taken)
        self.touched.add(admission.id)

    def _write_weighing(
        self, group: VitalGroup, admission: Admission, body: Mapping[str, object]
    ) -> None:
        """A weighing from the set's weight, height and weight before admission: a value the
        weight rules refuse is skipped (counted, named), an extreme one kept with a note (it
        cannot be re-measured now)."""
        typed = {k: str(v) for k, v in body.items()}
        while True:
            if not typed.keys() & {"weight_kg", "height_m"}:
                if "before_kg" in typed:
                    self.skipped["weight before admission without a weight or height"] += 1
                return
            problems = weight_problems(_weighing(typed, True, group.before), self._weight_policy)
            if not problems:
                break
            dropped = 0
            for name, message in problems.items():
                value = "before_kg" if name == "before_source" else name
                if typed.pop(value, None) is not None:
                    dropped += 1
                    refused = name if name in BODY_FIELDS else message
                    self.skipped[f"impossible value refused: {refused}"] += 1
            if not dropped:  # a problem not tied to one value: keep nothing rather than guess
                self.skipped["weighing refused by the weight rules"] += len(typed)
                return
        extreme = weight_problems(_weighing(typed, False, group.before), self._weight_policy)
        note = group.note
        if extreme:
            note = _join(
                note, "Extreme value from the source, not re-measured: " + ", ".join(extreme)
            )
        recorded_by, provenance = self._author(group)
        before = _weighing(typed, False, group.before)
        self._weight_rows.append(
            {
                "admission_id": admission.id,
                "taken_at": group.taken_at,
                "recorded_at": self.now,
                "recorded_by_id": recorded_by,
                "station": self.actor.station,
                "weight_kg": typed.get("weight_kg"),
                "height_m": typed.get("height_m"),
                "before_kg": typed.get("before_kg"),
                "before_source": before.before_source,
                "before_planned": before.before_planned,
                "note": _join(note, provenance),
                "source": self.batch.source,
                "source_ref": group.source_ref,
                "status": "final",
            }
        )
        self._weighed_refs.add(group.source_ref)
        self.weighings_added += 1
        self.touched.add(admission.id)

    # -- food, fluid, bowel and sleep entries -----------------------------------------------------

    def write_entries(self, db: Database, progress: Progress | None, done: int, total: int) -> None:
        """Check and write the batch's chart entries, one multi-row insert per kind."""
        on_record = OnRecord(self.session)
        rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KIND_FIELDS}
        for entry in self.batch.entries:
            row = self._entry_row(db, entry, on_record)
            if row is not None:
                rows[entry.kind].append(row)
            done += 1
            if progress is not None:
                progress(done, total)
        for kind, found in rows.items():
            if found:
                self.session.execute(insert(KIND_FIELDS[kind][0]), found)

    def _entry_row(
        self, db: Database, entry: ChartEntry, on_record: OnRecord
    ) -> dict[str, Any] | None:
        words = KIND_WORDS[entry.kind][0]
        if entry.taken_at > self.now + FUTURE_TOLERANCE:
            self.skipped[f"{words}: time in the future"] += 1
            return None
        patient = self._patient(entry.patient)
        if patient is None:
            self._skip_patient(entry, 1)
            return None
        admission = self._admission(patient, entry)
        if admission is None:
            self.skipped["time outside any stay of the patient"] += 1
            return None
        checked = check_entry(db, entry.kind, entry.values, entry.taken_at, self.now)
        if isinstance(checked, list):
            self.skipped[f"{words} refused: {'; '.join(checked)}"] += 1
            return None
        if on_record.take(
            admission.id, entry.kind, identity(entry.kind, entry.taken_at, checked.values)
        ):
            self.already_present += 1
            return None
        note = entry.note
        if checked.extreme:
            note = _join(
                note,
                "Extreme value from the source, not re-measured: " + ", ".join(checked.extreme),
            )
        recorded_by, provenance = self._author(entry)
        stamp = EntryStamp(
            admission_id=admission.id,
            taken_at=entry.taken_at,
            recorded_at=self.now,
            recorded_by_id=recorded_by,
            station=self.actor.station,
            note=_join(note, provenance),
        )
        self.entries_added[entry.kind] += 1
        self.touched.add(admission.id)
        self._entry_topics.add((entry.kind, admission.id))
        return {**stamp.columns(), **checked.values}

    def _validated(self, values: dict[str, object]) -> tuple[VitalSigns, list[str]]:
        """Drop values the domain refuses as impossible (counted); accept extreme ones."""
        while True:
            report = validate_vitals(values, confirmed=list(values))
            if report.vitals is not None:
                return report.vitals, list(report.confirmed)
            dropped = 0
            for problem in (*report.errors, *report.needs_confirmation):
                if values.pop(problem.field, None) is not None:
                    dropped += 1
                    self.skipped[f"impossible value refused: {problem.field}"] += 1
            if not dropped:  # a problem not tied to one value: keep nothing rather than guess
                self.skipped["set refused by validation"] += len(values) - 1
                return VitalSigns(), []

    def _skip_patient(self, group: VitalGroup | ChartEntry, count: int) -> None:
        if not self.batch.create_records:
            raise UnknownPatient()
        self.skipped["patient not on record and not described in the file"] += count

    # -- patients, stays, authors ----------------------------------------------------------------

    def _patient(self, ref: PatientRef) -> Patient | None:
        key = ref.hospital_number
        if key in self._patients:
            return self._patients[key]
        row = self.session.scalar(select(Patient).where(Patient.hospital_number == key))
        if row is None and self.batch.create_records and ref.family_name and ref.date_of_birth:
            row = Patient(
                hospital_number=key,
                given_name=ref.given_name or "(not given)",
                family_name=ref.family_name,
                date_of_birth=ref.date_of_birth,
                sex=ref.sex,
                created_at=self.now,
            )
            self._add(row)
            self.patients_created += 1
        self._patients[key] = row
        return row

    def _admission(self, patient: Patient, group: VitalGroup | ChartEntry) -> Admission | None:
        stays = self._stays.get(patient.id)
        if stays is None:
            stays = list(
                self.session.scalars(
                    select(Admission)
                    .where(Admission.patient_id == patient.id)
                    .order_by(Admission.id)
                )
            )
            self._stays[patient.id] = stays
        if not self.batch.create_records:
            open_stay = next((a for a in stays if a.discharged_at is None), None)
            if open_stay is None:
                raise UnknownPatient()
            return open_stay if _covers(open_stay, group.taken_at) else None
        stay = group.stay
        if stay is not None:
            exact = next((a for a in stays if a.admitted_at == stay.start), None)
            if exact is not None:
                return exact
        covering = next((a for a in stays if _covers(a, group.taken_at)), None)
        if covering is not None:
            return covering
        return self._new_stay(patient, group, stays)

    def _new_stay(
        self, patient: Patient, group: VitalGroup | ChartEntry, stays: list[Admission]
    ) -> Admission:
        """A stay from the source's Encounter, or a closed "external record" for the day."""
        stay = group.stay
        if stay is not None:
            start, end = stay.start, stay.end
            if end is None and any(a.discharged_at is None for a in stays):
                end = max(group.taken_at, start)  # the patient is on the ward in another stay
            setting, reason = stay.care_setting, stay.reason
        else:
            day_start = group.taken_at.replace(hour=0, minute=0, second=0, microsecond=0)
            start, end = day_start, day_start + timedelta(days=1) - timedelta(microseconds=1)
            setting, reason = "external", "Observations imported from another system"
        start = min(start, group.taken_at)
        if end is not None:
            end = max(end, group.taken_at)
        row = Admission(
            patient_id=patient.id,
            bed_id=None,
            admitted_at=start,
            discharged_at=end,
            discharge_destination=None,
            reason=reason,
            care_setting=setting,
            risk_flags=[],
            intake={"imported": self.batch.label},
            spo2_scale=1,
            recorded_at=self.now,
            recorded_by_id=self.importer,
            station=self.actor.station,
        )
        self._add(row)
        self.stays_created += 1
        stays.append(row)
        return row

    def _author(self, group: VitalGroup | ChartEntry) -> tuple[int, str]:
        """Who the set is recorded by, and a provenance note. A file never attributes an entry
        to a member of staff already on record (anyone could write their ID into a file), nor
        to the nurse importing it: such a set, and one whose file names no author, is recorded
        by the import identity (``importer``), with the file's performer kept in the note."""
        author = group.author
        if not self.batch.create_records:
            return self.actor.staff_id, ""
        if author is None:
            return self.importer, "No author in the source file."
        if author.staff_code in self._staff:
            return self._staff[author.staff_code], ""
        staff_id = self.session.scalar(
            select(Staff.id).where(Staff.staff_code == author.staff_code)
        )
        if staff_id is not None:
            return self.importer, (
                f"Performer in the source file: {author.display_name} ({author.staff_code})."
            )
        # An author known only from the file: a name to attribute entries to, never an
        # account anyone can sign in with (inactive, no password, read-only role).
        row = Staff(
            staff_code=author.staff_code,
            display_name=author.display_name,
            role="readonly",
            password_hash=None,
            active=False,
            failed_logins=0,
            created_at=self.now,
        )
        self._add(row)
        staff_id = row.id
        self._staff[author.staff_code] = staff_id
        return staff_id, ""

    # -- duplicates ------------------------------------------------------------------------------

    def _same_set_on_record(
        self, admission_id: int, taken_at: datetime, vitals: VitalSigns
    ) -> bool:
        if admission_id not in self._loaded_stays:
            self._load_current_sets([admission_id])
        return vitals in self._on_record.get((admission_id, taken_at), ())

    def _load_current_sets(self, admission_ids: list[int]) -> None:
        """The stays' current (final, not corrected) sets taken within this chunk's times:
        one query per chunk and the stays it asks for."""
        self._loaded_stays.update(admission_ids)
        if not admission_ids:
            return
        low, high = self._chunk_times
        rows = self.session.scalars(
            select(ObservationSetRow).where(
                ObservationSetRow.admission_id.in_(admission_ids),
                ObservationSetRow.taken_at >= low,
                ObservationSetRow.taken_at <= high,
                current(ObservationSetRow),
            )
        )
        for row in rows:
            key = (row.admission_id, row.taken_at)
            self._on_record.setdefault(key, []).append(repository.to_observation(row).vitals)

    # -- the end of the transaction --------------------------------------------------------------

    def finish(self, db: Database, *, apply_rules_now: bool = True) -> ImportReport:
        """Audit the batch; note and (unless the caller does it once for a group) run the
        rules for every stay it touched."""
        detail: dict[str, Any] = {
            "source": self.batch.source,
            "label": self.batch.label,
            "sets_added": self.sets_added,
            "values_added": self.values_added,
            "already_present": self.already_present,
            "skipped": bounded_reasons(self.skipped),
            "patients_created": self.patients_created,
            "stays_created": self.stays_created,
            "weighings_added": self.weighings_added,
        }
        if self.entries_added:
            detail["entries_added"] = dict(self.entries_added)
        repository.write_audit(
            self.session,
            at=self.now,
            staff_id=self.actor.staff_id,
            station=self.actor.station,
            action=_AUDIT_ACTIONS[self.batch.source],
            entity="observation",
            entity_id=None,
            detail=detail,
        )
        for topic, admission_id in sorted(self._entry_topics):
            record_change(self.session, topic, admission_id, self.actor.station)
        if apply_rules_now:
            changed_and_ruled(self.session, db, self.touched, self.now, self.actor)
        return ImportReport(
            sets_added=self.sets_added,
            values_added=self.values_added,
            already_present=self.already_present,
            skipped=dict(self.skipped),
            patients_created=self.patients_created,
            stays_created=self.stays_created,
            admission_ids=tuple(sorted(self.touched)),
            weighings_added=self.weighings_added,
            entries_added=dict(self.entries_added),
        )


def changed_and_ruled(
    session: Session, db: Database, admission_ids: set[int], now: datetime, actor: Actor
) -> None:
    """A change-log row and the clinical rules, once per stay an import touched, in the
    import's transaction (so an escalation commits with the sets that raised it)."""
    for admission_id in sorted(admission_ids):
        record_change(session, "observation", admission_id, actor.station)
    ruled(session, db, admission_ids, now, actor)


def ruled(
    session: Session,
    db: Database,
    admission_ids: set[int],
    now: datetime,
    actor: Actor,
    windows: EntryWindows | None = None,
) -> None:
    """The clinical rules once for each of these stays still open, in ``session`` (their
    state read together: a fixed number of statements however many stays; with ``windows``,
    only what changed since the last pass)."""
    if not admission_ids:
        return
    still_open = session.scalars(
        select(Admission.id)
        .where(Admission.id.in_(sorted(admission_ids)), Admission.discharged_at.is_(None))
        .order_by(Admission.id)
    ).all()
    apply_rules_of(
        session,
        db,
        still_open,
        now=now,
        station=actor.station,
        staff_id=actor.staff_id,
        windows=windows,
    )


class OneAtATime(Exception):
    """The group cannot be written together; write its messages one savepoint at a time."""


def _write_group(
    session: Session, db: Database, actor: Actor, batches: Sequence[ImportBatch], now: datetime
) -> tuple[list[ImportReport | Exception], set[int]]:
    """A group of monitor messages written together: one set of look-ups and one insert per
    table for the whole group, each message keeping its own report, audit row and error.
    What the shared look-ups refuse ahead (unstorable text, a patient not on the ward) costs
    that message alone; anything else — a bug, a database error in the inserts — raises
    ``OneAtATime``: the caller rolls this back and writes each message in a savepoint of its
    own, so every message's outcome is the same either way, only cheaper."""
    if not batches or any(
        b.create_records or b.entries or b.source != batches[0].source for b in batches
    ):
        raise OneAtATime()
    lead = _BatchWriter(session, actor, batches[0], now, actor.staff_id, db.weight_policy)
    sets = tuple(group for batch in batches for group in batch.groups)
    lead.begin_chunk(sets)
    lead.look_up_patients({group.patient.hospital_number for group in sets})
    results: list[ImportReport | Exception | None] = []
    writers: list[tuple[int, _BatchWriter]] = []
    for batch in batches:
        problems = unstorable_text(batch)
        if problems:
            results.append(InvalidInput(problems))
            continue
        writer = lead.sharing(batch)
        try:
            for group in batch.groups:
                writer.write(group)
        except UnknownPatient as exc:
            if writer.sets_added or writer.weighings_added:
                raise OneAtATime() from exc  # part of the message went into the shared look-ups
            results.append(exc)
            continue
        except Exception as exc:
            raise OneAtATime() from exc
        lead._rows += writer._rows
        lead._weight_rows += writer._weight_rows
        writers.append((len(results), writer))
        results.append(None)
    lead.insert_chunk()
    touched: set[int] = set()
    for index, writer in writers:
        touched |= writer.touched
        results[index] = writer.finish(db, apply_rules_now=False)
    return [result for result in results if result is not None], touched


AUDIT_REASONS = 40
"""Skip reasons an import's audit row keeps (the most frequent; the rest are counted as one).
The audit is append-only and kept for ever: a crafted file with a million distinct codes must
not write megabytes into it. The nurse's report still lists every reason."""
AUDIT_REASON_CHARS = 160


def bounded_reasons(skipped: Mapping[str, int]) -> dict[str, int]:
    """``skipped`` for the audit: the ``AUDIT_REASONS`` most frequent reasons, each cut to
    ``AUDIT_REASON_CHARS``, and one "other reasons" entry counting the values of the rest."""
    ranked = sorted(skipped.items(), key=lambda item: (-item[1], item[0]))
    kept: dict[str, int] = {}
    for reason, count in ranked[:AUDIT_REASONS]:
        short = reason if len(reason) <= AUDIT_REASON_CHARS else reason[:AUDIT_REASON_CHARS] + "…"
        kept[short] = kept.get(short, 0) + count
    rest = ranked[AUDIT_REASONS:]
    if rest:
        kept[f"{len(rest)} other reasons"] = sum(count for _, count in rest)
    return kept


def unstorable_text(batch: ImportBatch) -> dict[str, str]:
    """Text in the input that no database column can hold (a NUL or control character, or
    longer than its field allows), by position; the whole batch is refused with these messages.
    The rule is the service boundary's (``services.text_rule``), named by position here."""
    problems: dict[str, str] = {}

    def checks() -> Iterator[tuple[str, str, str, str]]:  # one set at a time: 100,000 sets
        yield ("input", "label", "label", batch.label)
        items: Iterator[VitalGroup | ChartEntry] = chain(batch.groups, batch.entries)
        for group in items:
            patient, where = group.patient, group.position[:60]
            yield (where, "hospital_number", "hospital number", patient.hospital_number)
            yield (where, "given_name", "given name", patient.given_name)
            yield (where, "family_name", "family name", patient.family_name)
            yield (where, "note", "note", group.note)
            if isinstance(group, VitalGroup):
                yield (where, "source_ref", "source reference", group.source_ref)
            if group.author is not None:
                yield (where, "author_code", "author ID", group.author.staff_code)
                yield (where, "display_name", "author name", group.author.display_name)
            if group.stay is not None:
                yield (where, "reason", "stay reason", group.stay.reason)

    seen: dict[tuple[str, str], str | None] = {}  # a file repeats its names on every set
    for where, name, label, value in checks():
        if name == "source_ref":  # one per set: nothing to remember
            problem = field_problem(name, value, label=label)
        elif (problem := seen.get((name, value), "")) == "":
            problem = seen[name, value] = field_problem(name, value, label=label)
        if problem and where not in problems:
            problems[where] = f"{where} {problem}"
    return problems


def _weighing(
    typed: Mapping[str, str], confirmed: bool, before: tuple[str, bool] | None = None
) -> WeightInput:
    source, planned = before if before and typed.get("before_kg") else ("", False)
    return WeightInput(
        weight_kg=typed.get("weight_kg", ""),
        height_m=typed.get("height_m", ""),
        before_kg=typed.get("before_kg", ""),
        before_source=source,
        before_planned=planned,
        confirmed=confirmed,
    )


def _covers(admission: Admission, at: datetime) -> bool:
    if at < admission.admitted_at - FUTURE_TOLERANCE:
        return False
    return admission.discharged_at is None or at <= admission.discharged_at


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip() if first else second


def _s(count: int) -> str:
    return "" if count == 1 else "s"
