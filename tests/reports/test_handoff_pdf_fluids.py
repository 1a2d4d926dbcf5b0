"""The printed handoff page carries the food and fluid chart: intake, output and the balance
this shift and this period, the chart in force and a review found behind, as text a reader can
extract (and so as a nurse reads it on paper)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from handoffnight import Ward, at, printed_patient
from pypdf import PdfReader

from wardconsole.domain.fluids import Direction, FluidInput
from wardconsole.reports.handoff_pdf import build_handoff_pdf
from wardconsole.services.recording import RecordingService


def test_the_printed_page_states_the_fluids_of_the_night(ward: Ward, tmp_path: Path) -> None:
    recording = RecordingService(ward.db)
    ward.clock.now = at(19, 30)
    recording.set_fluid_plan(
        ward.nurse,
        ward.busy,
        reason="bladder_pain",
        target_ml=1500,
        review_at=ward.clock.now + timedelta(days=2),
    )
    for hour, ml in ((20, 200), (23, 150)):
        ward.clock.now = at(hour, 10)
        recording.record_fluid(
            ward.nurse, ward.busy, FluidInput(Direction.INTAKE, "oral", ml, "Tea")
        )
    ward.clock.now = at(2, 0)
    recording.record_fluid(ward.nurse, ward.busy, FluidInput(Direction.OUTPUT, "urine", 300))
    ward.clock.now = at(6, 50)
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    path = build_handoff_pdf(
        ward.db, shift, tmp_path / "handoff.pdf", ward_name="Test ward", actor=ward.nurse
    )
    reader = PdfReader(path)
    busy = printed_patient(reader, "B01")
    text = " ".join(busy.split())
    assert (
        "Fluids this shift: in 350 ml in 2 entries · out 300 ml measured · balance +50 ml" in text
    )
    assert "On a fluid chart: Drinking less because of bladder pain" in text
    assert "Fluid intake behind at the 06:00 review: 350 ml of 1500 ml expected" in text
    quiet = printed_patient(reader, "B02")
    assert "Fluids: none recorded this shift; not on a fluid chart" in " ".join(quiet.split())
