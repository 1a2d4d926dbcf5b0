"""The handoff board and editor on the demo ward at the end of a night shift, at 1366×768, and
a printed page. Set WARDCONSOLE_SHOT_DIR to keep the images (the committed ones are
docs/handoff-board.png and docs/handoff-page.png, the page rendered with ``pdftoppm -r 80``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dbfixtures import demo_sqlite
from matplotlib.backends.backend_agg import FigureCanvasAgg
from pypdf import PdfReader
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from screenshots import grab_census
from wardfakes import Clock

from wardconsole.domain.handoff_records import HandoffStatus, Section
from wardconsole.reports.handoff_pdf import build_handoff_pdf, summary_pages
from wardconsole.services.db import Database
from wardconsole.services.demo import NURSES, SUPERVISOR
from wardconsole.services.handoff import HandoffService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.ui.handoff.board_model import BoardColumn
from wardconsole.ui.handoff.board_window import HandoffBoardWindow
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.handoff.editor_window import HandoffEditorWindow
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme, theme_state

END_OF_NIGHT = datetime(2026, 11, 26, 6, 40, tzinfo=UTC)
NOTES = {
    "situation": "Woke at 02:00 frightened, settled with 1:1 time. Asleep since 04:30.",
    "assessment": "Dr Adebayo (F2) informed of the NEWS2 at 06:30; review booked for the ward "
    "round. Still tremulous, sweating at times.",
    "recommendation": "Repeat NEWS2 at 07:30. Keyworker to discuss craving plan today.",
}


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(demo_sqlite(tmp_path / "demo.sqlite", END_OF_NIGHT))
    db = Database(engine, clock=Clock(END_OF_NIGHT))
    yield db
    engine.dispose()


def handover_in_progress(db: Database) -> HandoffService:
    """Most handoffs submitted, some reviewed, one sent back, one still a draft."""
    staff = StaffService(db)
    nurse = staff.actor(NURSES[0][0], "Station A")
    supervisor = staff.actor(SUPERVISOR[0], "Office")
    service = HandoffService(db)
    shift = service.this_shift()
    service.draft_shift(nurse, shift)
    views = list(service.board(shift).handoffs)
    views[0] = service.save_notes(nurse, views[0].id, views[0].revision, NOTES)
    views[1] = service.save_notes(
        nurse,
        views[1].id,
        views[1].revision,
        {"situation": "Quiet once settled; slept from 01:00."},
    )
    for view in views[:-1]:
        service.submit(nurse, view.id, view.revision)
    board = service.board(shift)
    by_id = {v.id: v for v in board.handoffs}
    for view in views[4:7]:
        current = by_id[view.id]
        service.mark_reviewed(supervisor, current.id, current.revision)
    current = by_id[views[2].id]
    service.send_back(
        supervisor,
        current.id,
        current.revision,
        "Please add the PRN effect and who reviewed the deterioration",
    )
    service.comment(supervisor, views[0].id, "Thank you — clear and complete.")
    return service


@pytest.mark.parametrize("theme", [Theme.NIGHT, Theme.DAY])
def test_handoff_board_and_editor_screenshots(
    qtbot, demo: Database, shot_dir: Path, theme: Theme
) -> None:
    suffix = "" if theme is Theme.NIGHT else "-day"
    service = handover_in_progress(demo)
    staff = StaffService(demo)
    supervisor = staff.actor(SUPERVISOR[0], "Office")
    nurse = staff.actor(NURSES[0][0], "Station A")
    ui = HandoffUi(
        service=service,
        ward_name="Ketamine Detox Unit (demo)",
        write_report=lambda shift, path, progress: path,
    )
    runner = TaskRunner()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, theme)
    try:
        theme_state().set(theme)
        board = HandoffBoardWindow(ui, lambda: supervisor, runner)
        qtbot.addWidget(board)
        board.show()
        board.reload()
        qtbot.waitUntil(lambda: board.board is not None)
        qtbot.waitUntil(lambda: "Trail" in board.reader.toPlainText())
        first_changes = board.proxy.index(0, BoardColumn.CHANGES).data()
        assert first_changes.startswith("New ")
        path = grab_census(board, shot_dir / f"handoff-board{suffix}.png")
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1366, 768)
        dark = image.pixelColor(5, 5).lightness() < 60
        assert dark is (theme is Theme.NIGHT)

        editor = HandoffEditorWindow(ui, lambda: nurse, runner)
        qtbot.addWidget(editor)
        editor.show()
        editor.open_shift()
        qtbot.waitUntil(lambda: editor.current_view is not None)
        sent_back = next(
            r
            for r in range(editor.proxy.rowCount())
            if editor.proxy.index(r, BoardColumn.STATUS).data() == "↩ Sent back"
        )
        editor.table.selectRow(sent_back)
        qtbot.waitUntil(
            lambda: (
                editor.current_view is not None
                and editor.current_view.status is HandoffStatus.SENT_BACK
            )
        )
        qtbot.keyClicks(
            editor.sections.editors[Section.ASSESSMENT],
            "Lorazepam helped within the hour; Dr Adebayo reviewed at 05:10.",
        )
        grab_census(editor, shot_dir / f"handoff-editor{suffix}.png")
        assert editor.sent_back.isVisible()
        # Typed for the picture only: put it back so closing the window does not ask about
        # unsaved text (its dialog would wait for an answer nobody gives).
        assert editor.current_view is not None
        editor.sections.show_handoff(editor.current_view)
        assert not editor.sections.dirty
    finally:
        runner.shutdown(wait=True)


def test_a_printed_page(demo: Database, shot_dir: Path) -> None:
    service = handover_in_progress(demo)
    pdf = build_handoff_pdf(
        demo,
        service.this_shift(),
        shot_dir / "handoff.pdf",
        ward_name="Ketamine Detox Unit (demo)",
        actor=StaffService(demo).actor(NURSES[0][0], "Station A"),
    )
    reader = PdfReader(pdf)
    # One sheet per patient; a long handoff runs on to "— continued" pages, never cut.
    texts = [page.extract_text() for page in reader.pages[1:]]
    firsts = [text for text in texts if "— continued" not in text]
    assert len(firsts) == len(service.board(service.this_shift()).handoffs)
    assert "more line(s)" not in " ".join(texts)
    # Every word of the ward summary is on the page: a busy ward's counts line once ran off
    # its right edge ("… 3 reviewed, 1 sent bac").
    report = service.report(service.this_shift())
    [summary] = summary_pages(report, "Ketamine Detox Unit (demo)", demo.clock(), {})
    renderer = FigureCanvasAgg(summary).get_renderer()
    page = summary.bbox
    for text in summary.texts:
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()
    riskiest = service.board(service.this_shift()).handoffs[0]
    page = next(
        i
        for i, p in enumerate(reader.pages)
        if f"Bed {riskiest.bed} · {riskiest.patient_name}" in p.extract_text()
    )
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; the PDF itself was checked")
    prefix = shot_dir / "handoff-page"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-singlefile",
            "-f",
            str(page + 1),
            "-l",
            str(page + 1),
            str(pdf),
            str(prefix),
        ],
        check=True,
        timeout=120,
    )
    image = QImage(str(prefix) + ".png")
    assert image.width() > 600
