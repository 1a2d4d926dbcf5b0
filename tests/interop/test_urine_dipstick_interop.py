"""A urine dipstick leaves the ward and comes back through its spec alone: the FHIR export codes
each pad as the console's own code (no LOINC term is used for a ward strip), a pad not read says
so; the import into another ward writes the same values and note, and a second import adds
nothing; the CSV row carries the pads; the handoff says what the strip showed this shift."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from interop_support import HOSPITAL_NUMBER
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.interop import codes as c
from wardconsole.interop.csv_export import write_csv
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.interop.fhir_import import import_fhir_file
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.handoff import HandoffService
from wardconsole.services.interop import ExportService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.entries import current
from wardconsole.store.models import UrineDipstickRow

DIPSTICK = EntryKind.URINE_DIPSTICK


def test_a_dipstick_goes_to_another_ward_and_to_csv_as_read(
    db: Database,
    nurse: Actor,
    supervisor: Actor,
    admission: int,
    clock: Clock,
    other_db: Database,
    tmp_path: Path,
) -> None:
    recording = RecordingService(db)
    recording.record_entry(
        nurse,
        admission,
        DIPSTICK,
        {"blood": "2+", "leucocytes": "trace", "nitrites": "positive"},
        note="Cloudy, offensive",
        taken_at=clock.now - timedelta(hours=1),
    )
    recording.record_entry(nurse, admission, DIPSTICK, {"blood": "negative"})
    record = ExportService(db).collect(supervisor, hospital_number=HOSPITAL_NUMBER)
    bundle = build_bundle(record)
    Bundle.model_validate(bundle)
    observations = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == DIPSTICK.value
    ]
    assert [o["code"]["coding"][0]["system"] for o in observations] == [c.LOCAL_CODES] * 2
    first = observations[0]
    assert [p["valueCodeableConcept"]["coding"][0]["code"] for p in first["component"]] == [
        "urine_dipstick-blood-2+",
        "urine_dipstick-leucocytes-trace",
        "urine_dipstick-nitrites-positive",
    ]
    assert first["note"] == [{"text": "Cloudy, offensive"}]
    unread = [p["dataAbsentReason"]["text"] for p in observations[1]["component"][1:]]
    assert unread == ["Not read", "Not read"]

    path = tmp_path / "ward.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    receiving = StaffService(other_db)
    receiving.add("rn.recv", "Rhys Receiving", supervisor.role, None)
    importer = receiving.actor("rn.recv", "Receiving station")
    report = import_fhir_file(other_db, importer, path)
    assert report.entries_added.get(DIPSTICK.value) == 2
    with other_db.read() as session:
        rows = session.scalars(
            select(UrineDipstickRow)
            .where(current(UrineDipstickRow))
            .order_by(UrineDipstickRow.taken_at)
        ).all()
    assert [(r.blood, r.leucocytes, r.nitrites) for r in rows] == [
        ("2+", "trace", "positive"),
        ("negative", None, None),
    ]
    assert rows[0].note.startswith("Cloudy, offensive")
    assert import_fhir_file(other_db, importer, path).already_present >= 2

    out = tmp_path / "ward.csv"
    write_csv(record, out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows_csv = list(csv.DictReader(handle))
    dips = [r for r in rows_csv if r["entry"] == DIPSTICK.value]
    assert [json.loads(r["values"]) for r in dips] == [
        {"blood": "2+", "leucocytes": "trace", "nitrites": "positive"},
        {"blood": "negative", "leucocytes": None, "nitrites": None},
    ]


def test_the_handoff_says_what_the_strip_showed_this_shift(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_entry(
        nurse, admission, DIPSTICK, {"blood": "1+", "leucocytes": "negative", "nitrites": None}
    )
    handoffs = HandoffService(db)
    draft = handoffs.preview(handoffs.this_shift(clock.now), admission)
    texts = [fact.text for facts in draft.sections.values() for fact in facts]
    (line,) = [t for t in texts if t.startswith("Urine dipstick this shift:")]
    assert "blood 1+, leucocytes negative, nitrites not read" in line
