"""The printed handoff page carries the patient's medicines list and the dependency watch with
the line that the list is a monitoring copy — "As recorded on the ward console — confirm
against the prescription." — read back from the PDF's text as a nurse reads it on paper; a
patient with no medicines on the list has neither."""

from __future__ import annotations

from pathlib import Path

from handoffnight import Ward, at, printed_patient
from pypdf import PdfReader

from wardconsole.domain.medicines import MONITORING_COPY
from wardconsole.reports.handoff_pdf import build_handoff_pdf
from wardconsole.services.medicines import MedicinesService


def page_text(reader: PdfReader, bed: str) -> str:
    return " ".join(printed_patient(reader, bed).split())


def test_the_printed_medicines_lines_say_confirm_against_the_prescription(
    ward: Ward, tmp_path: Path
) -> None:
    medicines = MedicinesService(ward.db)
    ward.clock.now = at(19, 30)
    line = medicines.add_line(
        ward.nurse,
        ward.busy,
        drug="Zopiclone",
        dose="7.5 mg",
        route="oral",
        schedule="regular",
        frequency="at night",
    )
    ward.clock.now = at(22, 5)
    medicines.record_regular_dose(ward.nurse, line, outcome="given")
    ward.clock.now = at(6, 50)
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    path = build_handoff_pdf(
        ward.db, shift, tmp_path / "handoff.pdf", ward_name="Test ward", actor=ward.nurse
    )
    reader = PdfReader(path)
    busy = page_text(reader, "B01")
    assert (
        "Medicines list: Zopiclone 7.5 mg oral (regular: at night) — ⚠ 1 not yet checked "
        "against the chart" in busy
    )
    assert "Medicines watch: zopiclone" in busy
    assert MONITORING_COPY in busy
    assert busy.index("Medicines list") < busy.index(MONITORING_COPY)
    quiet = page_text(reader, "B02")
    assert "Medicines" not in quiet and MONITORING_COPY not in quiet
