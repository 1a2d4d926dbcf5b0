"""The printed handoff page carries weight and MUST: the weight with its trend and when weighing
is next due, and the latest MUST screen with the food chart it starts at medium risk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dbfixtures import seed_database
from handoffnight import Ward, at, night_ward, printed_patient, record_night
from pypdf import PdfReader
from wardfakes import Clock

from wardconsole.domain.weights import WeightInput
from wardconsole.reports.handoff_pdf import build_handoff_pdf
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.store.engine import make_engine


@pytest.fixture
def ward(sqlite_url: str) -> Iterator[Ward]:
    night = seed_database(sqlite_url, record_night)
    engine = make_engine(sqlite_url)
    clock = Clock(at(17, 0))
    yield night_ward(Database(engine, clock=clock), clock, night)
    engine.dispose()


def test_the_printed_page_states_weight_and_must(ward: Ward, tmp_path: Path) -> None:
    recording = RecordingService(ward.db)
    ward.clock.now = at(20, 0)
    recording.record_weight(ward.nurse, ward.busy, WeightInput(weight_kg="56", height_m="1.70"))
    recording.record_assessment(
        ward.nurse, ward.busy, "must", {"weight_kg": "56", "height_m": "1.70"}
    )
    ward.clock.now = at(6, 50)
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    path = build_handoff_pdf(
        ward.db, shift, tmp_path / "handoff.pdf", ward_name="Test ward", actor=ward.nurse
    )
    reader = PdfReader(path)
    busy = printed_patient(reader, "B01")
    text = " ".join(busy.split())
    assert "Weight: 56 kg, BMI 19.4; next weighing" in text
    assert "medium risk (score 1)" in text
    assert "Food chart day 1 of 3 (until" in text
    quiet = printed_patient(reader, "B02")
    assert "Weight: weighing due — not weighed this stay" in " ".join(quiet.split())
