"""The printed shift handoff: a summary page then one page per patient, text extractable,
charts drawn, and the same from the command line."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from handoffnight import Ward, at, printed_patient
from pypdf import PdfReader
from pypdf.generic import ContentStream
from wardfakes import NORMAL_SET

from wardconsole.cli import main
from wardconsole.reports.handoff_pdf import build_handoff_pdf
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Role
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine


def signed_night(ward: Ward) -> None:
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    busy = ward.view(ward.busy)
    ward.handoff.save_notes(
        ward.nurse, busy.id, busy.revision, {"assessment": "Dr Patel informed of NEWS2 5 at 03:40"}
    )
    for view in ward.board().handoffs:
        ward.handoff.submit(ward.nurse, view.id, view.revision)
    ward.clock.now = at(7, 5)
    board = ward.handoff.board(shift)
    ward.handoff.sign_shift(ward.supervisor, shift, board.revisions(), shown=board.seal())


def patient_sheets(reader: PdfReader) -> list[str]:
    """The beds whose page starts a sheet, in print order (continuation pages left out)."""
    heads = [
        next(line for line in page.extract_text().splitlines() if line.startswith("Bed "))
        for page in reader.pages[1:]
    ]
    return [line.split(" · ")[0] for line in heads if "— continued" not in line]


def drawing_operators(reader: PdfReader, page: int) -> Counter[str]:
    content = ContentStream(reader.pages[page].get_contents(), reader)
    return Counter(
        op.decode() if isinstance(op, bytes) else str(op) for _operands, op in content.operations
    )


def test_one_page_per_patient_after_the_summary(ward: Ward, tmp_path: Path) -> None:
    signed_night(ward)
    progress: list[tuple[int, int, str]] = []
    path = build_handoff_pdf(
        ward.db,
        ward.handoff.last_shift(at(7, 5)),
        tmp_path / "handoff.pdf",
        ward_name="Test ward",
        actor=ward.nurse,
        progress=lambda *step: progress.append(step),
    )
    reader = PdfReader(path)
    assert patient_sheets(reader) == ["Bed B01", "Bed B02"]
    assert progress[0] == (0, 3, "ward summary") and progress[-1] == (3, 3, "done")
    assert reader.metadata is not None
    assert reader.metadata.title.startswith("Shift handoff — Test ward — Night shift")

    summary = reader.pages[0].extract_text()
    assert "Shift handoff — Test ward" in summary
    assert "Night shift, Wed 25 Nov 19:00 – Thu 26 Nov 07:00" in summary
    assert "Signed off by Gwen Harrow Thu 07:05 (2 handoffs)" in summary
    assert summary.index("Aled Abernethy") < summary.index("Nia Nettleford")  # riskiest first

    busy = printed_patient(reader, "B01")
    assert "Bed B01 · Aled Abernethy" in busy
    assert "Signed by Gwen Harrow Thu 07:05" in busy
    assert "NEWS2 now 5 (medium) at 03:30; range over the shift 1–5" in busy
    assert "Panic (urgent) raised 02:05" in busy
    # Each fact's severity as on every screen: shape and word, one shape per severity.
    flat = " ".join(busy.split())
    assert "◆ URGENT · OVERDUE at handover" in flat
    assert "● ADVISORY · Late set at 03:30" in flat
    assert "▲" not in flat  # no emergency for this patient, so never the emergency shape
    assert "Nurse's notes:" in busy and "Dr Patel informed of NEWS2 5 at 03:40" in busy
    for title in (
        "NEWS2 total",
        "Pulse (/min) and systolic BP",
        "Respiration rate",
        "Withdrawal chart total",
        "Escalations and PRN over the shift",
    ):
        assert title in busy
    assert "Bed B02 · Nia Nettleford" in printed_patient(reader, "B02")


def test_the_charts_are_drawn_in_black_and_white(ward: Ward, tmp_path: Path) -> None:
    signed_night(ward)
    path = build_handoff_pdf(
        ward.db,
        ward.handoff.last_shift(at(7, 5)),
        tmp_path / "handoff.pdf",
        ward_name="Test ward",
        actor=ward.nurse,
    )
    reader = PdfReader(path)
    operators = drawing_operators(reader, 1)
    assert operators["l"] > 40  # line segments: series, step lines, axes, ticks
    assert operators["S"] + operators["f"] + operators["B"] > 40  # stroked and filled paths
    # Only greys: every stroke or fill colour set on the page has equal R, G and B.
    content = ContentStream(reader.pages[1].get_contents(), reader)
    for operands, op in content.operations:
        if op in (b"RG", b"rg"):
            red, green, blue = (float(v) for v in operands)
            assert red == green == blue, f"colour {operands} on the page"


def test_a_patient_without_a_drafted_handoff_is_still_printed(ward: Ward, tmp_path: Path) -> None:
    path = build_handoff_pdf(
        ward.db,
        ward.handoff.this_shift(),
        tmp_path / "draft.pdf",
        ward_name="Test ward",
        actor=ward.nurse,
    )
    reader = PdfReader(path)
    assert patient_sheets(reader) == ["Bed B01", "Bed B02"]
    summary = reader.pages[0].extract_text()
    assert "NOT SIGNED OFF" in summary and "2 not drafted" in summary
    assert (
        "Not drafted in the console: facts generated for this print"
        in reader.pages[1].extract_text()
    )


def test_the_command_line_prints_the_last_shift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'ward.sqlite'}"
    engine = make_engine(url)
    from wardconsole.store.engine import upgrade

    upgrade(engine)
    db = Database(engine)
    staff = StaffService(db)
    staff.add("rn.cli", "Casey Line", Role.NURSE, None)
    nurse = staff.actor("rn.cli", "Station A")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["A1"], "CLI ward")
    now = datetime.now(UTC)
    admission = admissions.admit(
        nurse,
        NewPatient("KD1", "Ola", "Nordmann", date(1990, 1, 1)),
        bed="A1",
        admitted_at=now - timedelta(days=2),
    )
    RecordingService(db).record_observation(
        nurse, admission, NORMAL_SET, taken_at=now - timedelta(hours=13)
    )
    engine.dispose()
    out = tmp_path / "handoff.pdf"
    assert main(["handoff-report", "--shift", "last", "--out", str(out), "--db", url]) == 0
    captured = capsys.readouterr()
    assert "2/2 done" in captured.err
    assert f"written to {out}" in captured.out
    assert len(PdfReader(out).pages) == 2

    assert (
        main(["handoff-report", "--shift", "2026-11-25T18:00", "--out", str(out), "--db", url]) == 2
    )
    assert capsys.readouterr().err.strip() == (
        "wardconsole: shift: no shift starts at 18:00; shifts start at 07:00 (Day), 19:00 (Night)"
    )


def test_the_pdf_is_owner_only_and_carries_the_record_chain_head(
    ward: Ward, tmp_path: Path
) -> None:
    signed_night(ward)
    old = os.umask(0)  # the most permissive umask must not widen the file
    try:
        path = build_handoff_pdf(
            ward.db,
            ward.handoff.last_shift(at(7, 5)),
            tmp_path / "h.pdf",
            ward_name="Test ward",
            actor=ward.nurse,
        )
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    first_page = PdfReader(path).pages[0].extract_text()
    assert "Record chain head: block" in first_page


def test_printing_needs_the_handoff_permission_and_is_audited_as_an_export(
    ward: Ward, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from wardconsole.services.context import PermissionDenied
    from wardconsole.store.models import AuditRow

    signed_night(ward)
    StaffService(ward.db).add("ro.visitor", "Visiting Doctor", Role.READONLY, None)
    visitor = StaffService(ward.db).actor("ro.visitor", "Station A")
    shift = ward.handoff.last_shift(at(7, 5))
    with pytest.raises(PermissionDenied):
        build_handoff_pdf(ward.db, shift, tmp_path / "no.pdf", ward_name="W", actor=visitor)
    assert not (tmp_path / "no.pdf").exists()
    build_handoff_pdf(ward.db, shift, tmp_path / "yes.pdf", ward_name="W", actor=ward.nurse)
    with ward.db.read() as session:
        [row] = session.scalars(select(AuditRow).where(AuditRow.action == "export")).all()
    assert row.staff_id == ward.nurse.staff_id and row.detail["what"] == "handoff PDF"


def test_a_correction_after_the_draft_is_printed_with_its_mark(ward: Ward, tmp_path: Path) -> None:
    """The printed NEWS2 agrees with the chart beside it after a correction, and says what the
    draft said before."""
    from handoffnight import correct_the_0330_set

    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    ward.clock.now = at(6, 40)
    correct_the_0330_set(ward)
    path = build_handoff_pdf(
        ward.db, shift, tmp_path / "handoff.pdf", ward_name="Test ward", actor=ward.nurse
    )
    reader = PdfReader(path)
    busy = " ".join(reader.pages[1].extract_text().split())
    assert "NEWS2 now 4 (low) at 03:30" in busy
    assert "Δ record changed since the draft: was “NEWS2 now 5 (medium) at 03:30" in busy
    assert "record changed since the draft:" in busy and "marked" in busy
    assert "NEWS2 now 5" not in busy.replace("was “NEWS2 now 5", "")
