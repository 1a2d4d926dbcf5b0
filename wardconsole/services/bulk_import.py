"""Importing a large file (NDJSON) all or nothing without holding the ward's write lock.

One transaction for 100,000 sets would keep every other station from writing for as long as
the file takes (SQLite has one write lock). So a bulk import runs in two steps under one
import ID (``bulk_imports``):

1. **Staging**: the sets are checked, scored and written ``CHUNK_SETS`` at a time into the
   staging tables, each chunk its own short transaction, so other stations keep writing in
   between. Nothing reads the staging tables: the record is unchanged. Patients, stays and
   authors the file introduces are kept pending (negative stand-in IDs), not written.
2. **Recording**: one short transaction creates the pending patients, stays and authors, copies
   the staged rows into ``observation_sets`` / ``weight_entries`` with ``INSERT … SELECT``,
   writes the file's food, fluid, bowel and sleep entries (few beside its sets, so not staged),
   writes the audit row, runs the clinical rules once per stay, and deletes the staged rows.

A cancel or a failure in either step deletes the import's staged rows (the recording step
rolls back first), leaving nothing. A station that stopped half way leaves only staged rows;
the next import clears those of its own station and any left untouched for ``ABANDONED_AFTER``.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from wardconsole.services import importing
from wardconsole.services.context import Actor, ConflictError, InvalidInput, Permission, require
from wardconsole.services.db import Database
from wardconsole.services.importing import (
    ImportBatch,
    ImportReport,
    Progress,
    _BatchWriter,
    unstorable_text,
)
from wardconsole.services.staff import StaffService
from wardconsole.services.text_rule import checks_text
from wardconsole.store.models import (
    Admission,
    BulkImportRun,
    ObservationSetRow,
    Patient,
    Staff,
    StagedObservationSet,
    StagedWeightEntry,
    WeightEntryRow,
)

RECORDING = -1
"""``progress(RECORDING, total)``: every set is staged; the final step is adding them to the
record (a cancel now rolls that step back)."""

ABANDONED_AFTER = timedelta(minutes=10)
"""A run whose last chunk is older than this was left by a station that stopped."""

_STAGED: dict[Any, Any] = {
    ObservationSetRow: StagedObservationSet,
    WeightEntryRow: StagedWeightEntry,
}


class BulkImportService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def import_batch(
        self, actor: Actor, batch: ImportBatch, progress: Progress | None = None
    ) -> ImportReport:
        """Stage ``batch`` in chunks, then record it in one short transaction (see module)."""
        require(actor, Permission.RECORD)
        require(actor, Permission.ADMIT)
        problems = unstorable_text(batch)
        if problems:
            raise InvalidInput(problems)
        importer = StaffService(self._db).system_actor(actor.station).staff_id
        now = self._db.clock()
        import_id = uuid.uuid4().hex
        self.clear_abandoned(actor.station)
        with self._db.transaction() as session:
            session.add(
                BulkImportRun(
                    id=import_id,
                    station=actor.station,
                    label=batch.label,
                    started_at=now,
                    touched_at=now,
                )
            )
        try:
            writer = _StagingWriter(import_id, actor, batch, now, importer, self._db)
            total = len(batch.groups)
            for first in range(0, total, importing.CHUNK_SETS):
                chunk = batch.groups[first : first + importing.CHUNK_SETS]
                with self._db.transaction() as session:
                    writer.session = session
                    writer.write_chunk(chunk, None, first, total)
                    session.execute(
                        update(BulkImportRun)
                        .where(BulkImportRun.id == import_id)
                        .values(touched_at=self._db.clock())
                    )
                if progress is not None:
                    progress(first + len(chunk), total)
            if progress is not None:
                progress(RECORDING, total)
            with self._db.transaction() as session:
                writer.session = session
                return writer.record(progress, total)
        except BaseException:
            self._drop([import_id])
            raise

    @checks_text
    def clear_abandoned(self, station: str) -> int:
        """Delete the staged rows of runs this station left (it runs one import at a time)
        and of any run untouched for ``ABANDONED_AFTER``; the number of runs cleared."""
        cutoff = self._db.clock() - ABANDONED_AFTER
        with self._db.read() as session:
            left = list(
                session.scalars(
                    select(BulkImportRun.id).where(
                        or_(BulkImportRun.station == station, BulkImportRun.touched_at < cutoff)
                    )
                )
            )
        if left:
            self._drop(left)
        return len(left)

    def _drop(self, import_ids: list[str]) -> None:
        with self._db.transaction() as session:
            _delete_staged(session, import_ids)


@dataclass(frozen=True)
class _DriverInsert:
    """A staging table's INSERT in the driver's own parameter style, for rows as the import
    writer makes them (dicts without ``import_id``)."""

    sql: str
    names: list[str]
    """The parameters in order: ``import_id``, then the row's columns."""
    row_values: Callable[[dict[str, Any]], tuple[Any, ...]]
    """A row's values in ``names[1:]`` order, as is."""
    conversions: list[tuple[int, Callable[[Any], Any]]]
    """(index in ``names[1:]``, the column type's conversion) where a type converts."""

    def parameters(self, import_id: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        out = []
        for row in rows:
            values = [import_id, *self.row_values(row)]
            for index, convert in self.conversions:
                values[index + 1] = convert(values[index + 1])
            out.append(tuple(values))
        return out


_DRIVER_INSERTS: dict[tuple[str, str], _DriverInsert] = {}


def _driver_insert(table: Any, dialect: Any) -> _DriverInsert:
    """Built once per table and dialect."""
    key = (table.name, dialect.name)
    if key not in _DRIVER_INSERTS:
        names = [column.name for column in table.columns if column.name != "id"]
        assert names[0] == "import_id", "the staging tables name the import first"
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        if dialect.positional:
            assert compiled.positiontup is not None
            assert list(compiled.positiontup) == names, "the columns come in table order"
        conversions = [
            (index, convert)
            for index, name in enumerate(names[1:])
            if (convert := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        ]
        _DRIVER_INSERTS[key] = _DriverInsert(
            str(compiled), names, operator.itemgetter(*names[1:]), conversions
        )
    return _DRIVER_INSERTS[key]


def _delete_staged(session: Session, import_ids: list[str]) -> None:
    for staged in (StagedObservationSet, StagedWeightEntry):
        session.execute(delete(staged).where(staged.import_id.in_(import_ids)))
    session.execute(delete(BulkImportRun).where(BulkImportRun.id.in_(import_ids)))


class _StagingWriter(_BatchWriter):
    """The import writer with its rows going to the staging tables and its new patients,
    stays and authors kept pending until ``record``."""

    def __init__(
        self,
        import_id: str,
        actor: Actor,
        batch: ImportBatch,
        now: datetime,
        importer: int,
        db: Database,
    ) -> None:
        super().__init__(None, actor, batch, now, importer, db.weight_policy)  # type: ignore[arg-type]
        self.import_id = import_id
        self._db = db
        self._pending: list[Patient | Admission | Staff] = []
        self._recording = False
        """In the recording step new rows go straight to the record."""

    def _add(self, row: Patient | Admission | Staff) -> None:
        if self._recording:
            super()._add(row)
            return
        row.id = -(len(self._pending) + 1)
        self._pending.append(row)

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """The rows by the driver's ``executemany`` with plain tuples, each value converted
        by its column's type once (SQLAlchemy would build and convert a dict per row)."""
        connection = self.session.connection()
        statement = _driver_insert(_STAGED[model].__table__, connection.dialect)
        values = statement.parameters(self.import_id, rows)
        if connection.dialect.positional:
            connection.exec_driver_sql(statement.sql, values)
        else:
            named = [dict(zip(statement.names, v, strict=True)) for v in values]
            connection.exec_driver_sql(statement.sql, named)

    def record(self, progress: Progress | None, total: int) -> ImportReport:
        """The final step, in ``self.session``: pending rows created, staged rows copied."""
        session = self.session
        real = self._create_pending()
        for staged in (StagedObservationSet, StagedWeightEntry):
            mine = staged.import_id == self.import_id
            for column in (staged.admission_id, staged.recorded_by_id):
                for temporary, final in real.items():
                    session.execute(
                        update(staged).where(mine, column == temporary).values({column: final})
                    )
        self.touched = {real.get(admission_id, admission_id) for admission_id in self.touched}
        twins = self._drop_twins()
        if twins:
            self.sets_added -= twins
            self.already_present += twins
        for target, staged in _STAGED.items():
            columns = [
                c.name for c in staged.__table__.columns if c.name not in ("id", "import_id")
            ]
            session.execute(
                insert(target).from_select(
                    columns,
                    select(*[staged.__table__.c[name] for name in columns])
                    .where(staged.import_id == self.import_id)
                    .order_by(staged.id),
                )
            )
        _delete_staged(session, [self.import_id])
        self._recording = True
        self._staff = {code: real.get(staff_id, staff_id) for code, staff_id in self._staff.items()}
        self._patients, self._stays = {}, {}  # read again, the pending ones now on record
        self.write_entries(self._db, None, 0, 0)
        if progress is not None:
            progress(RECORDING, total)  # a cancel here still rolls the whole step back
        return self.finish(self._db)

    def _create_pending(self) -> dict[int, int]:
        """Write the pending patients, stays and authors; stand-in ID -> real ID. One written
        meanwhile at another station (same hospital number or staff ID) refuses the import:
        the file was matched against a record that has changed."""
        session = self.session
        real: dict[int, int] = {}
        for row in self._pending:
            temporary = row.id
            if isinstance(row, Patient):
                clash = session.scalar(
                    select(Patient.id).where(Patient.hospital_number == row.hospital_number)
                )
                if clash is not None:
                    raise ConflictError(
                        f"patient {row.hospital_number} was added at another station during "
                        "the import; nothing was imported. Import the file again."
                    )
            elif isinstance(row, Staff):
                clash = session.scalar(select(Staff.id).where(Staff.staff_code == row.staff_code))
                if clash is not None:
                    raise ConflictError(
                        f"staff ID {row.staff_code} was added at another station during the "
                        "import; nothing was imported. Import the file again."
                    )
            else:
                row.patient_id = real.get(row.patient_id, row.patient_id)
            row.id = None  # type: ignore[assignment]
            session.add(row)
            session.flush()
            real[temporary] = row.id
        return real

    def _drop_twins(self) -> int:
        """Staged sets whose source reference reached the record meanwhile (the same file
        imported at another station): not copied, counted as already on record."""
        removed = 0
        for target, staged in _STAGED.items():
            twin = exists().where(
                target.source == staged.source, target.source_ref == staged.source_ref
            )
            count = self.session.scalar(
                select(func.count())
                .select_from(staged)
                .where(staged.import_id == self.import_id, twin)
            )
            if count:
                self.session.execute(delete(staged).where(staged.import_id == self.import_id, twin))
                if target is ObservationSetRow:
                    removed += int(count)
        return removed
