"""The printed handoff page carries meals and bowels: the meals eaten this shift and the days
since the bowels were last opened, flagged with its mark past the ward's days, as text a reader
can extract (and so as a nurse reads it on paper)."""

from __future__ import annotations

import os
from pathlib import Path

from handoffnight import Ward, at
from pypdf import PdfReader

from wardconsole.domain.bowels import BowelInput
from wardconsole.domain.meals import MealInput, Portion
from wardconsole.reports.handoff_pdf import build_handoff_pdf
from wardconsole.services.recording import RecordingService


def test_the_printed_page_states_the_meals_and_bowels_of_the_night(
    ward: Ward, tmp_path: Path
) -> None:
    recording = RecordingService(ward.db)
    ward.clock.now = at(20, 15)
    recording.record_meal(
        ward.nurse,
        ward.busy,
        MealInput(
            "snack",
            "Toast",
            Portion.NONE,
            "Nausea or vomiting",
            supplement="nutritional_drink",
            supplement_outcome="declined",
            supplement_reason="Feels sick",
        ),
    )
    ward.clock.now = at(6, 50)
    recording.record_bowel(ward.nurse, ward.quiet, BowelInput(4))
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    out = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    path = build_handoff_pdf(
        ward.db, shift, out / "handoff-meals.pdf", ward_name="Test ward", actor=ward.nurse
    )
    reader = PdfReader(path)
    busy = " ".join(
        next(p.extract_text() for p in reader.pages if "Bed B01" in p.extract_text()).split()
    )
    assert (
        "Meals this shift: Snack none (Nausea or vomiting); Nutritional drink declined ×1" in busy
    )
    assert "Bowels: none recorded since admission" in busy
    quiet = " ".join(
        next(p.extract_text() for p in reader.pages if "Bed B02" in p.extract_text()).split()
    )
    assert "Bowels: last opened today (Bristol type 4)" in quiet
    assert "Meals this shift: none recorded" in quiet
