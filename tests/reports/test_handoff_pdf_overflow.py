"""A patient whose handoff does not fit one page: the text runs on to a continuation page
("Bed B01 · … — continued"), every line is printed, and nothing is set over the page footer
(ward, shift, printed time, page numbers) or off the paper."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from handoffnight import Ward, at, printed_patient
from matplotlib.backends.backend_agg import FigureCanvasAgg
from pypdf import PdfReader

from wardconsole.domain.handoff_records import Fact, Section
from wardconsole.reports.handoff_pdf import patient_pages, summary_pages, write_handoff_pdf
from wardconsole.services.handoff import ShiftReport

PRINTED = datetime(2026, 11, 26, 7, 5).astimezone()
RECOMMENDATIONS = [
    f"Recommendation {n}: repeat the withdrawal chart at 08:00 and tell the doctor if the total "
    f"is above the last one; check the fluid chart and the bowel chart before breakfast ({n})"
    for n in range(1, 21)
]


def long_report(ward: Ward) -> ShiftReport:
    """The seeded night, with the busy patient's facts in every section running long and a
    long list of the nurse's recommendations."""
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    busy = ward.view(ward.busy)
    ward.handoff.save_notes(
        ward.nurse, busy.id, busy.revision, {"recommendation": "\n".join(RECOMMENDATIONS)}
    )
    report = ward.handoff.report(shift)
    patients = []
    for patient in report.patients:
        if patient.facts.admission_id == ward.busy:
            sections = {
                section: patient.draft.facts(section)
                + tuple(
                    Fact(
                        f"{section.heading} fact {n}: a long generated statement about the night "
                        "that wraps over more than one printed line of the handoff page",
                        "test",
                    )
                    for n in range(1, 9)
                )
                for section in Section
            }
            draft = dataclasses.replace(patient.draft, sections=sections)
            patient = dataclasses.replace(patient, draft=draft)
        patients.append(patient)
    return dataclasses.replace(report, patients=tuple(patients))


def test_a_long_handoff_continues_on_a_next_page_clear_of_the_footer(
    ward: Ward, tmp_path: Path
) -> None:
    ward.clock.now = at(6, 50)
    report = long_report(ward)
    busy = next(p for p in report.patients if p.facts.admission_id == ward.busy)
    figures = patient_pages(busy, "Test ward", PRINTED, 30, page=2, pages=9)
    assert len(figures) > 1
    for figure in figures:
        renderer = FigureCanvasAgg(figure).get_renderer()
        page = figure.bbox
        footer = [t for t in figure.texts if t.get_gid() == "footer"]
        assert footer, "every page carries the footer"
        footer_boxes = [t.get_window_extent(renderer) for t in footer]
        for text in figure.texts:
            box = text.get_window_extent(renderer)
            assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()
            assert page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()
            if text.get_gid() != "footer":
                for foot in footer_boxes:
                    assert not box.overlaps(foot), f"{text.get_text()!r} over the footer"

    path = write_handoff_pdf(
        report, tmp_path / "handoff.pdf", ward_name="Test ward", printed_at=PRINTED, chart_max=30
    )
    reader = PdfReader(path)
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    total = len(reader.pages)
    assert total == 1 + len(figures) + 1  # summary, the busy patient's pages, the quiet one
    assert "Bed B01 · Aled Abernethy" in texts[1] and "continued" not in texts[1]
    assert "Bed B01 · Aled Abernethy" in texts[2] and "— continued" in texts[2]
    for number, text in enumerate(texts[1:], start=2):
        assert f"page {number} of {total}" in text
    everything = " ".join(printed_patient(reader, "B01").split())
    for line in RECOMMENDATIONS:
        assert line in everything, line
    for section in Section:
        for n in range(1, 9):
            assert f"{section.heading} fact {n}:" in everything
    assert "more line(s)" not in everything
    assert "Bed B02 · Nia Nettleford" in texts[-1]  # the next patient after the continuation


def test_the_summary_cells_stay_in_their_columns_and_the_chain_head_on_the_paper(
    ward: Ward, tmp_path: Path
) -> None:
    """The busy bed's "1 late, OVERDUE" once ran into its "Draft" cell, and the record chain
    head off the right edge of the first page."""
    ward.clock.now = at(6, 50)
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    report = ward.handoff.report(shift)
    [summary] = summary_pages(report, "Test ward", PRINTED, {})
    renderer = FigureCanvasAgg(summary).get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in summary.texts]
    for number, (text, box) in enumerate(boxes):
        assert summary.bbox.x0 <= box.x0 and box.x1 <= summary.bbox.x1, text
        for other, other_box in boxes[number + 1 :]:
            assert not box.overlaps(other_box), f"{text!r} runs into {other!r}"
    head = "Record chain head: block 1 " + "0" * 64 + " (sealed …); 'wardconsole audit verify'"
    path = write_handoff_pdf(
        report,
        tmp_path / "handoff.pdf",
        ward_name="Test ward",
        printed_at=PRINTED,
        chart_max=30,
        record_head=head + " checks the record against it",
    )
    first = " ".join(PdfReader(path).pages[0].extract_text().split())
    assert head + " checks the record against it" in first
