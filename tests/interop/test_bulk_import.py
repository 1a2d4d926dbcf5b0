"""A large NDJSON file goes in all or nothing, while other stations keep writing: its sets are
staged in short chunks and reach the record in one final step (``services.bulk_import``)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from interop_support import HOSPITAL_NUMBER
from sqlalchemy import func, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.interop.fhir_import import import_fhir_file
from wardconsole.interop.fhir_reading import FhirInputError
from wardconsole.services import bulk_import, importing
from wardconsole.services.bulk_import import RECORDING, BulkImportService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService, SaveResult
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.store.models import (
    BulkImportRun,
    ObservationSetRow,
    Patient,
    StagedObservationSet,
)

SETS = 60
CHUNK = 10


class Cancelled(Exception):
    """The nurse pressed Cancel."""


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "CHUNK_SETS", CHUNK)


def monitor_file(
    path: Path, clock: Clock, *, new_patient: bool = False, bad_line: int | None = None
) -> Path:
    """``SETS`` monitor sets (pulse, breathing rate, SpO2) a minute apart over the last day,
    for the ward's patient or for a patient the file describes."""
    lines = []
    if new_patient:
        lines.append(
            json.dumps(
                {
                    "resourceType": "Patient",
                    "id": "p1",
                    "identifier": [
                        {"system": "urn:wardconsole:hospital-number", "value": "KD777777"}
                    ],
                    "name": [{"family": "Monitor", "given": ["Mo"]}],
                    "birthDate": "1980-02-03",
                }
            )
        )
    subject = (
        {"reference": "Patient/p1"} if new_patient else {"identifier": {"value": HOSPITAL_NUMBER}}
    )
    start = clock.now - timedelta(hours=20)
    for n in range(SETS):
        at = (start + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for code, value, unit in (
            ("8867-4", 70, "/min"),
            ("9279-1", 16, "/min"),
            ("59408-5", 97, "%"),
        ):
            lines.append(
                json.dumps(
                    {
                        "resourceType": "Observation",
                        "id": f"o{n}-{code}",
                        "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                        "subject": subject,
                        "effectiveDateTime": at,
                        "valueQuantity": {
                            "value": value,
                            "unit": unit,
                            "system": "http://unitsofmeasure.org",
                            "code": unit,
                        },
                    }
                )
            )
    if bad_line is not None:
        lines[bad_line - 1] = lines[bad_line - 1][:40]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _count(db: Database, what: object) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)  # type: ignore[arg-type]


def _imported(db: Database) -> int:
    with db.read() as session:
        return int(
            session.scalar(select(func.count()).where(ObservationSetRow.source == "import")) or 0
        )


def _nothing_left(db: Database) -> None:
    assert _imported(db) == 0
    assert _count(db, StagedObservationSet) == 0
    assert _count(db, BulkImportRun) == 0


@pytest.fixture
def importer(db: Database) -> Actor:
    return StaffService(db).system_actor("Import station")


def test_the_whole_file_arrives_in_one_final_step(
    db: Database, importer: Actor, admission: int, clock: Clock, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    report = import_fhir_file(
        db,
        importer,
        monitor_file(tmp_path / "m.ndjson", clock),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert report.sets_added == SETS and report.admission_ids == (admission,)
    assert _imported(db) == SETS
    assert _count(db, StagedObservationSet) == 0 and _count(db, BulkImportRun) == 0
    with db.read() as session:
        first = session.scalars(select(ObservationSetRow).order_by(ObservationSetRow.taken_at))
        row = next(iter(first))
        assert row.taken_at == clock.now - timedelta(hours=20)
        assert (row.pulse, row.respiration_rate, row.spo2, row.systolic_bp) == (70, 16, 97, None)
        assert row.missing_reasons["systolic_bp"] == "not_in_source"
        assert row.note == "No author in the source file." and not row.is_complete
    staged = [call for call in seen if call[0] > 0]
    assert staged[:2] == [(CHUNK, SETS), (2 * CHUNK, SETS)]
    assert seen[-1] == (RECORDING, SETS)


def test_a_bad_line_half_way_imports_nothing_and_names_the_line(
    db: Database, importer: Actor, admission: int, clock: Clock, tmp_path: Path
) -> None:
    bad = monitor_file(tmp_path / "bad.ndjson", clock, new_patient=True, bad_line=SETS * 3 // 2)
    with pytest.raises(FhirInputError, match=f"line {SETS * 3 // 2}"):
        import_fhir_file(db, importer, bad)
    _nothing_left(db)
    with db.read() as session:
        assert session.scalar(select(Patient).where(Patient.hospital_number == "KD777777")) is None


@pytest.mark.parametrize("cancel_at", ["staging", "recording"])
def test_cancel_in_either_step_leaves_nothing(
    db: Database, importer: Actor, clock: Clock, tmp_path: Path, cancel_at: str
) -> None:
    """A cancel after some chunks were staged, or during the final step, imports nothing —
    not even the patient the file described."""
    calls: list[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if cancel_at == "staging" and done == 3 * CHUNK:
            raise Cancelled
        if cancel_at == "recording" and calls.count(RECORDING) == 2:
            raise Cancelled

    path = monitor_file(tmp_path / "m.ndjson", clock, new_patient=True)
    with pytest.raises(Cancelled):
        import_fhir_file(db, importer, path, progress=progress)
    _nothing_left(db)
    with db.read() as session:
        assert session.scalar(select(Patient).where(Patient.hospital_number == "KD777777")) is None
    report = import_fhir_file(db, importer, path)  # and the file can be imported afterwards
    assert report.sets_added == SETS and report.patients_created == 1


def test_importing_again_adds_nothing(
    db: Database, importer: Actor, clock: Clock, tmp_path: Path
) -> None:
    path = monitor_file(tmp_path / "m.ndjson", clock, new_patient=True)
    first = import_fhir_file(db, importer, path)
    again = import_fhir_file(db, importer, path)
    assert first.sets_added == SETS and first.patients_created == 1
    assert again.sets_added == 0 and again.already_present == SETS
    assert again.patients_created == 0 and again.stays_created == 0
    assert _imported(db) == SETS


def test_another_station_records_while_the_file_is_staged(
    db: Database,
    importer: Actor,
    nurse: Actor,
    admission: int,
    clock: Clock,
    tmp_path: Path,
) -> None:
    """The chunks release the write lock: a nurse at another station saves a set half way
    through, sees it at once, and sees none of the file's sets until the final step."""
    other = Database(make_engine(db.engine.url.render_as_string(hide_password=False)), clock=clock)
    saved: list[SaveResult] = []

    def progress(done: int, total: int) -> None:
        if done == 2 * CHUNK:
            saved.append(
                RecordingService(other).record_observation(
                    nurse, admission, NORMAL_SET, taken_at=clock.now - timedelta(minutes=5)
                )
            )
            assert _imported(other) == 0

    try:
        report = import_fhir_file(
            db, importer, monitor_file(tmp_path / "m.ndjson", clock), progress=progress
        )
    finally:
        other.engine.dispose()
    assert saved and report.sets_added == SETS
    with db.read() as session:
        assert session.get(ObservationSetRow, saved[0].entry_id) is not None


def test_what_a_stopped_station_left_is_cleared_by_the_next_import(
    db: Database,
    importer: Actor,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A station that stops half way leaves only staged rows: nobody sees them, and the next
    import clears them (its own station's at once, another's once left for a while)."""
    path = monitor_file(tmp_path / "m.ndjson", clock, new_patient=True)

    def stop(done: int, total: int) -> None:
        if done == 2 * CHUNK:
            raise SystemExit  # the station stopped; nothing runs after this

    with monkeypatch.context() as patch:
        patch.setattr(BulkImportService, "_drop", lambda self, ids: None)
        with pytest.raises(SystemExit):
            import_fhir_file(db, importer, path, progress=stop)
        other_station = StaffService(db).system_actor("Station B")
        with pytest.raises(SystemExit):
            import_fhir_file(db, other_station, path, progress=stop)
    assert _count(db, StagedObservationSet) == 4 * CHUNK and _count(db, BulkImportRun) == 2
    assert _imported(db) == 0

    report = import_fhir_file(db, importer, path)
    assert report.sets_added == SETS
    assert _count(db, StagedObservationSet) == 2 * CHUNK  # Station B's run may still be going
    clock.advance(minutes=bulk_import.ABANDONED_AFTER.total_seconds() / 60 + 1)
    assert BulkImportService(db).clear_abandoned("Import station") == 1
    assert _count(db, StagedObservationSet) == 0 and _count(db, BulkImportRun) == 0


def test_the_rules_run_once_per_stay_at_the_end(
    db: Database,
    importer: Actor,
    admission: int,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ruled: list[int] = []
    real = importing.apply_rules_of

    def counting(
        session: object, database: object, admission_ids: list[int], **kwargs: object
    ) -> object:
        ruled.extend(admission_ids)
        return real(session, database, admission_ids, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importing, "apply_rules_of", counting)
    import_fhir_file(db, importer, monitor_file(tmp_path / "m.ndjson", clock))
    assert ruled == [admission]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("null", "line 2: not a FHIR resource"),
        ('{"resourceType": "Observation", "id": "x", "valueQuantity": {"value": NaN}}', "line 2"),
        (
            '{"resourceType": "Observation", "id": "x", "n": 1.000000000000000000000000000000001}',
            "line 2, column 49: 1.0000000000… a number of 35 characters; at most 32",
        ),
    ],
)
def test_the_fast_reader_refuses_what_the_careful_one_does(
    tmp_path: Path, line: str, message: str
) -> None:
    from wardconsole.interop.fhir_reading import iter_ndjson_file

    path = tmp_path / "odd.ndjson"
    path.write_text('{"resourceType": "Patient", "id": "p"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(FhirInputError) as raised:
        list(iter_ndjson_file(path))
    assert str(raised.value).startswith(message)


def test_a_long_integer_is_read_exactly(tmp_path: Path) -> None:
    from wardconsole.interop.fhir_reading import iter_ndjson_file

    path = tmp_path / "long.ndjson"
    path.write_text(
        '{"resourceType": "Patient", "id": "p", "n": 123456789012345678901}\n\n'
        '{"resourceType": "Patient", "id": "q", "n": 12}\n',
        encoding="utf-8",
    )
    assert [r.data["n"] for r in iter_ndjson_file(path)] == [123456789012345678901, 12]


def test_a_file_of_too_many_resources_is_refused_while_read(
    db: Database, importer: Actor, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory follows the resources: past the limit the file is refused, nothing written."""
    from wardconsole.interop import fhir_import

    monkeypatch.setattr(fhir_import, "MAX_NDJSON_RESOURCES", 100)
    path = monitor_file(tmp_path / "m.ndjson", clock, new_patient=True)
    with pytest.raises(FhirInputError, match="file: holds more than 100 resources; import it in"):
        import_fhir_file(db, importer, path)
    _nothing_left(db)
