"""The handoff windows as the night nurse and the supervisor use them, over a real database.

The night in ``handoffnight`` (bed B01 busy, bed B02 quiet) is recorded through the services;
the windows do all their database work on a background worker, as in the console.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from dbfixtures import seeded_sqlite
from handoffnight import Ward, at, seed_night
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QPlainTextEdit
from screenshots import grab_census, grab_widget
from ui_runner import shared_runner
from wardfakes import Clock

from wardconsole.domain.handoff_records import HandoffStatus, Section
from wardconsole.domain.records import Severity
from wardconsole.reports.handoff_pdf import build_handoff_pdf
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.handoff import HandoffService
from wardconsole.store.engine import make_engine
from wardconsole.ui import formatting as fmt
from wardconsole.ui.handoff import dialogs
from wardconsole.ui.handoff.board_model import (
    HANDOFF_ROLE,
    BoardColumn,
    HandoffBoardModel,
)
from wardconsole.ui.handoff.board_window import HandoffBoardWindow
from wardconsole.ui.handoff.context import HandoffUi
from wardconsole.ui.handoff.controller import HandoffController
from wardconsole.ui.handoff.dialogs import Unsaved
from wardconsole.ui.handoff.editor_window import HandoffEditorWindow
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme


@dataclass
class Station:
    ward: Ward
    ui: HandoffUi
    runner: TaskRunner
    report_threads: list[threading.Thread]


def _record_the_night(url: str) -> tuple[datetime, Actor, Actor, Actor, int, int]:
    engine = make_engine(url)
    clock = Clock(at(17, 0))
    ward = seed_night(Database(engine, clock=clock), clock)
    engine.dispose()
    return clock.now, ward.nurse, ward.other_nurse, ward.supervisor, ward.busy, ward.quiet


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    url, (now, *people, busy, quiet) = seeded_sqlite(tmp_path / "night.sqlite", _record_the_night)
    engine = make_engine(url)
    clock = Clock(now)
    db = Database(engine, clock=clock)
    ward = Ward(db, clock, HandoffService(db), *people, busy, quiet)
    threads: list[threading.Thread] = []

    def write_report(shift, path, progress):
        threads.append(threading.current_thread())
        return build_handoff_pdf(
            ward.db, shift, path, ward_name="Test ward", actor=ward.nurse, progress=progress
        )

    ui = HandoffUi(service=ward.handoff, write_report=write_report, ward_name="Test ward")
    runner = TaskRunner()
    yield Station(ward, ui, runner, threads)
    runner.shutdown(wait=True)
    engine.dispose()


@pytest.fixture(autouse=True)
def no_unsaved_prompt(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Closing a window with unsaved text asks; tests that do not care discard."""
    asked: list[str] = []

    def ask(_parent: object, patient: str) -> Unsaved:
        asked.append(patient)
        return Unsaved.DISCARD

    monkeypatch.setattr(dialogs.UnsavedDialog, "ask", classmethod(lambda cls, p, n: ask(p, n)))
    return asked


@pytest.fixture
def shot_dir(tmp_path: Path) -> Path:
    """Set WARDCONSOLE_SHOT_DIR to keep the screenshots."""
    return Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))


def as_(actor: Actor) -> Callable[[], Actor]:
    return lambda: actor


@pytest.fixture
def editor(qtbot, station: Station) -> HandoffEditorWindow:
    window = HandoffEditorWindow(station.ui, as_(station.ward.nurse), station.runner)
    qtbot.addWidget(window)
    window.show()
    window.open_shift()
    qtbot.waitUntil(lambda: window.board is not None and len(window.board.handoffs) == 2)
    return window


def board_window(qtbot, station: Station, actor: Actor) -> HandoffBoardWindow:
    window = HandoffBoardWindow(station.ui, as_(actor), station.runner)
    qtbot.addWidget(window)
    window.show()
    window.reload()
    qtbot.waitUntil(lambda: window.board is not None)
    return window


def submit_all(ward: Ward) -> None:
    shift = ward.handoff.this_shift()
    ward.handoff.draft_shift(ward.nurse, shift)
    for view in ward.board().handoffs:
        ward.handoff.submit(ward.nurse, view.id, view.revision)


def test_the_board_model_passes_the_model_tester(qtmodeltester, station: Station) -> None:
    ward = station.ward
    ward.handoff.draft_shift(ward.nurse, ward.handoff.this_shift())
    model = HandoffBoardModel()
    model.set_board(ward.board())
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)
    # Same patients again: cells update in place, no reset.
    view = ward.view(ward.quiet)
    ward.handoff.submit(ward.nurse, view.id, view.revision)
    model.set_board(ward.board())
    qtmodeltester.check(model)


def test_opening_the_editor_drafts_every_patient_with_the_riskiest_first(
    editor: HandoffEditorWindow, station: Station
) -> None:
    proxy = editor.proxy
    beds = [proxy.index(r, BoardColumn.BED).data() for r in range(proxy.rowCount())]
    assert beds == ["B01", "B02"]
    statuses = {proxy.index(r, BoardColumn.STATUS).data() for r in range(proxy.rowCount())}
    assert statuses == {"☐ Draft"}
    assert editor.current_view is not None and editor.current_view.bed == "B01"
    assert "Bed B01 · Aled Abernethy" in editor.patient_title.text()
    assert editor.table.isColumnHidden(BoardColumn.CHANGES)


def test_facts_carry_the_shape_and_word_the_census_and_banner_use_for_their_severity(
    editor: HandoffEditorWindow, qtbot, station: Station
) -> None:
    # The census escalation cell and the alarm banner both write a severity this way.
    urgent, advisory = fmt.severity_text(Severity.URGENT), fmt.severity_text(Severity.ADVISORY)
    assessment = editor.sections.facts[Section.ASSESSMENT].text()
    # Bed B01: a set overdue now is urgent (as its escalation is); a set late earlier in the
    # shift is advisory — two severities, two shapes, never one ▲ for both.
    assert f"<b>{urgent} · OVERDUE at handover" in assessment
    assert f"<b>{advisory} · Late set at 03:30" in assessment
    assert urgent.split()[0] != advisory.split()[0]
    situation = editor.sections.facts[Section.SITUATION].text()
    assert f"{urgent} · Open escalation: Deterioration (urgent)" in situation
    # Nothing on this bed is an emergency, so the emergency shape is nowhere in its facts.
    shown = "".join(editor.sections.facts[s].text() for s in Section)
    assert Severity.EMERGENCY.shape not in shown
    # The supervisor's board reads the same words.
    submit_all(station.ward)
    board = board_window(qtbot, station, station.ward.supervisor)
    qtbot.waitUntil(lambda: "OVERDUE at handover" in board.reader.toPlainText())
    assert f"{urgent} · OVERDUE at handover" in board.reader.toPlainText()


def test_generated_facts_are_read_only_and_apart_from_the_nurses_notes(
    editor: HandoffEditorWindow,
) -> None:
    facts = editor.sections.facts[Section.ASSESSMENT]
    assert isinstance(facts, QLabel)  # a label: nothing to type into
    assert "NEWS2 now 5 (medium) at 03:30; range over the shift 1–5" in facts.text()
    assert "◆ URGENT · OVERDUE at handover" in facts.text()
    assert not (facts.textInteractionFlags() & Qt.TextInteractionFlag.TextEditable)
    notes = editor.sections.editors[Section.ASSESSMENT]
    assert isinstance(notes, QPlainTextEdit) and not notes.isReadOnly()
    assert notes.toPlainText() == ""


def test_the_nurses_notes_are_saved_and_survive_reopening(
    qtbot, editor: HandoffEditorWindow, station: Station
) -> None:
    notes = editor.sections.editors[Section.SITUATION]
    notes.setFocus()
    qtbot.keyClicks(notes, "Settled after 03:10, asleep since 04:20")
    assert editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.message.text() == "Notes saved.")
    assert not editor.save_button.isEnabled()  # nothing unsaved any more
    stored = station.ward.view(station.ward.busy)
    assert stored.notes[Section.SITUATION] == "Settled after 03:10, asleep since 04:20"
    assert stored.version_number == 2
    # The generated facts did not take in the nurse's words.
    assert all("Settled after" not in f.text for f in stored.draft.facts(Section.SITUATION))

    again = HandoffEditorWindow(station.ui, as_(station.ward.other_nurse), station.runner)
    qtbot.addWidget(again)
    again.show()
    again.open_shift()
    qtbot.waitUntil(lambda: again.current_view is not None)
    assert again.sections.editors[Section.SITUATION].toPlainText() == (
        "Settled after 03:10, asleep since 04:20"
    )
    assert "version 2 saved by Adaeze Okafor" in again.status_line.text()


def test_leaving_a_patient_with_unsaved_notes_asks_first(
    qtbot, editor: HandoffEditorWindow, no_unsaved_prompt: list[str]
) -> None:
    qtbot.keyClicks(editor.sections.editors[Section.RECOMMENDATION], "Review PRN plan")
    editor.table.selectRow(1)
    assert no_unsaved_prompt == ["Aled Abernethy"]
    qtbot.waitUntil(lambda: editor.current_view is not None and editor.current_view.bed == "B02")
    assert editor.sections.editors[Section.RECOMMENDATION].toPlainText() == ""


def test_a_save_from_a_stale_screen_keeps_the_nurses_text(
    qtbot, editor: HandoffEditorWindow, station: Station
) -> None:
    ward = station.ward
    view = ward.view(ward.busy)
    ward.handoff.save_notes(ward.other_nurse, view.id, view.revision, {"situation": "Theirs"})
    qtbot.keyClicks(editor.sections.editors[Section.SITUATION], "Mine")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Press Save again" in editor.message.text())
    assert "Sven Lindqvist saved this handoff at 06:30 on Station B" in editor.message.text()
    assert editor.sections.editors[Section.SITUATION].toPlainText() == "Mine"
    assert ward.view(ward.busy).notes[Section.SITUATION] == "Theirs"
    # A board reload while she is still typing does not swap the text under her.
    editor.reload()
    qtbot.waitUntil(lambda: editor.board is not None and not editor.runner_busy())
    assert editor.sections.editors[Section.SITUATION].toPlainText() == "Mine"
    # Saving again is a deliberate choice: hers becomes the newest, theirs stays in history.
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.message.text() == "Notes saved.")
    detail = ward.handoff.detail(view.id)
    assert [v.notes[Section.SITUATION] for v in detail.versions] == ["", "Theirs", "Mine"]


def test_submitting_locks_the_notes(qtbot, editor: HandoffEditorWindow) -> None:
    qtbot.keyClicks(editor.sections.editors[Section.ASSESSMENT], "Dr Patel informed 03:40")
    qtbot.mouseClick(editor.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.message.text() == "Submitted for review.")
    view = editor.current_view
    assert view is not None and view.status is HandoffStatus.SUBMITTED
    assert view.notes[Section.ASSESSMENT] == "Dr Patel informed 03:40"  # saved on the way
    assert editor.sections.editors[Section.ASSESSMENT].isReadOnly()
    assert not editor.submit_button.isEnabled()


def test_the_board_sorts_by_risk_and_makes_changes_stand_out(qtbot, station: Station) -> None:
    submit_all(station.ward)
    window = board_window(qtbot, station, station.ward.supervisor)
    proxy = window.proxy
    first = proxy.index(0, BoardColumn.CHANGES)
    assert proxy.index(0, BoardColumn.BED).data() == "B01"
    assert first.data().startswith("New ◆ Panic 02:05")
    assert "NEWS2 ↑ low → medium" in first.data()
    assert "New escalation: Panic (urgent) 02:05" in first.data(Qt.ItemDataRole.ToolTipRole)
    assert first.data(Qt.ItemDataRole.FontRole).bold()
    assert first.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert proxy.index(1, BoardColumn.CHANGES).data() == "—"
    assert proxy.index(0, BoardColumn.NEWS2).data() == "5 MED (1–5)"
    assert proxy.index(0, BoardColumn.OBS).data() == "1 late, OVERDUE"
    assert "2 submitted" in window.counts_label.text()
    qtbot.waitUntil(lambda: "Panic (urgent) raised 02:05" in window.reader.toPlainText())


def test_a_patient_without_a_handoff_stops_the_signing(qtbot, station: Station) -> None:
    window = board_window(qtbot, station, station.ward.supervisor)
    proxy = window.proxy
    assert {proxy.index(r, BoardColumn.STATUS).data() for r in range(2)} == {"✚ Not drafted"}
    assert not window.sign_button.isEnabled()
    assert "✚ 2 not drafted" in window.counts_label.text()


def test_the_supervisor_sends_back_and_signs_the_shift(
    qtbot, station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    ward = station.ward
    submit_all(ward)
    window = board_window(qtbot, station, ward.supervisor)
    monkeypatch.setattr(
        dialogs.TextDialog,
        "ask",
        classmethod(lambda cls, *args, **kwargs: "Say who was told about the NEWS2 of 5"),
    )
    window.select_admission(ward.busy)
    qtbot.mouseClick(window.send_back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.text() == "Sent back to the nurse: bed B01.")
    qtbot.waitUntil(lambda: window.proxy.index(0, BoardColumn.STATUS).data() == "↩ Sent back")
    assert not window.sign_button.isEnabled()

    busy = ward.view(ward.busy)
    busy = ward.handoff.save_notes(
        ward.nurse, busy.id, busy.revision, {"assessment": "Dr Patel informed 03:40"}
    )
    ward.handoff.submit(ward.nurse, busy.id, busy.revision)
    window.reload()
    qtbot.waitUntil(lambda: window.board is not None and window.board.ready_to_sign)
    assert window.sign_button.isEnabled()
    monkeypatch.setattr(
        dialogs.SignShiftDialog, "ask", classmethod(lambda cls, parent, board: "Busy night")
    )
    with qtbot.waitSignal(window.shift_signed, timeout=10_000):
        qtbot.mouseClick(window.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.board is not None and window.board.signed)
    assert "✔ signed by Gwen Harrow" in window.counts_label.text()
    statuses = [window.proxy.index(r, BoardColumn.STATUS).data() for r in range(2)]
    assert sorted(statuses) == ["✔ Signed", "✔ Signed ✎"]  # ✎: B01's nurse wrote notes
    assert not window.sign_button.isEnabled()


def test_a_nurse_sees_why_she_cannot_sign_and_the_service_refuses_anyway(
    qtbot, station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit_all(station.ward)
    window = board_window(qtbot, station, station.ward.nurse)
    assert not window.sign_button.isEnabled()
    assert window.sign_button.toolTip() == "Only a supervisor can review and sign handoffs"
    assert not window.send_back_button.isEnabled()
    # Even if the button were reachable, the service decides.
    monkeypatch.setattr(dialogs.SignShiftDialog, "ask", classmethod(lambda cls, p, b: ""))
    window._on_sign_requested()
    qtbot.waitUntil(lambda: "may not sign handoff" in window.message.text())
    assert station.ward.board().signoff is None


def test_a_signed_handoff_is_amended_with_a_reason(
    qtbot, station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    ward = station.ward
    submit_all(ward)
    board = ward.board()
    ward.handoff.sign_shift(ward.supervisor, board.shift, board.revisions(), shown=board.seal())
    window = HandoffEditorWindow(station.ui, as_(ward.nurse), station.runner)
    qtbot.addWidget(window)
    window.show()
    window.open_shift()
    qtbot.waitUntil(lambda: window.current_view is not None)
    notes = window.sections.editors[Section.SITUATION]
    assert notes.isReadOnly() and window.amend_button.isVisible()
    assert not window.submit_button.isEnabled() and not window.refresh_button.isEnabled()
    qtbot.mouseClick(window.amend_button, Qt.MouseButton.LeftButton)
    assert not notes.isReadOnly()
    qtbot.keyClicks(notes, "Slept from 04:20")
    reasons: list[str] = []

    def give_reason(cls, *args, **kwargs):
        reasons.append(args[1])
        return "Added when he fell asleep"

    monkeypatch.setattr(dialogs.TextDialog, "ask", classmethod(give_reason))
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.text() == "Amendment saved.")
    assert reasons == ["Amend a signed handoff"]
    view = window.current_view
    assert view is not None and view.status is HandoffStatus.SIGNED and view.amended
    assert "amended since signing" in window.status_line.text()
    detail = ward.handoff.detail(view.id)
    assert detail.versions[-1].amend_reason == "Added when he fell asleep"


def test_printing_runs_off_the_ui_thread_with_progress(
    qtbot, station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "night.pdf"
    monkeypatch.setattr(dialogs.ReportFileDialog, "ask", classmethod(lambda cls, p, s: target))
    from PySide6.QtWidgets import QWidget

    main = QWidget()
    qtbot.addWidget(main)
    menu = HandoffController(station.ui, as_(station.ward.nurse), main, shared_runner())
    steps: list[tuple[int, int, str]] = []
    assert menu.printer is not None
    menu.printer.progress_changed.connect(lambda d, t, w: steps.append((d, t, w)))
    with qtbot.waitSignal(menu.printer.print_finished, timeout=60_000) as finished:
        menu.print_action.trigger()
    assert finished.args == [target]
    assert station.report_threads and all(
        t is not threading.main_thread() for t in station.report_threads
    )
    assert steps[-1] == (3, 3, "done")
    # The summary and a page per patient, plus a continuation page where a patient's record
    # runs on (nothing is cut to fit).
    pages = [page.extract_text() for page in PdfReader(target).pages]
    continued = [text for text in pages if "— continued" in text]
    assert len(pages) == 3 + len(continued)
    qtbot.waitUntil(lambda: menu.message_box.isVisible())
    assert str(target) in menu.message_box.text()
    menu.shutdown()


def test_cancelling_a_print_leaves_no_file(qtbot, station: Station, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWidget

    from wardconsole.ui.handoff.print_job import HandoffPrinter

    main = QWidget()
    qtbot.addWidget(main)
    printer = HandoffPrinter(station.ui, shared_runner())
    target = tmp_path / "cancelled.pdf"
    with qtbot.waitSignal(printer.print_failed, timeout=60_000) as failed:
        assert printer.start(station.ward.handoff.this_shift(), target, main)
        printer.cancel()  # before the first page is drawn: it stops there
    assert failed.args == ["Printing cancelled; no file was written."]
    assert not target.exists()
    printer.shutdown()


def test_the_selected_row_carries_its_handoff(editor: HandoffEditorWindow) -> None:
    index = editor.proxy.index(0, BoardColumn.PATIENT)
    view = index.data(HANDOFF_ROLE)
    assert view is not None and view.patient_name == "Aled Abernethy"


def test_the_main_windows_handoff_menu(qtbot, station: Station) -> None:
    from wardconsole.ui.main_window import MainWindow

    from .conftest import make_context
    from .factories import FakeWard, demo_ward

    context = make_context(FakeWard(demo_ward()), handoff=station.ui, signed_in=station.ward.nurse)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    try:
        menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "Hand&off")
        titles = [a.text() for a in menu.actions()]
        assert titles == ["&This shift's handoff…", "Handoff &board…", "&Print handoff…"]
        window.handoff_menu.editor_action.trigger()
        editor = window.handoff_menu.editor
        assert editor is not None and editor.isVisible()
        qtbot.waitUntil(lambda: editor.board is not None and len(editor.board.handoffs) == 2)
        window.handoff_menu.board_action.trigger()
        board = window.handoff_menu.board
        assert board is not None and board.isVisible()
        qtbot.waitUntil(lambda: board.board is not None)
        assert board.shift == editor.shift  # "this shift" means the same in both
    finally:
        window.shutdown()
    assert not editor.isVisible() and not board.isVisible()


def test_with_nobody_signed_in_the_handoff_menu_is_disabled(qtbot) -> None:
    """After a sign-out the station waits, locked, for the next member of staff: until then
    nobody may write, read or print the handoff."""
    from wardconsole.ui.main_window import MainWindow

    from .conftest import make_context
    from .factories import FakeWard, demo_ward

    window = MainWindow(make_context(FakeWard(demo_ward()), signed_in=None))
    qtbot.addWidget(window)
    try:
        assert not window.handoff_menu.editor_action.isEnabled()
        assert not window.handoff_menu.board_action.isEnabled()
        assert not window.handoff_menu.print_action.isEnabled()
    finally:
        window.shutdown()


def test_the_editor_shows_the_record_now_and_marks_what_changed_since_the_draft(
    qtbot, editor: HandoffEditorWindow, station: Station, shot_dir: Path
) -> None:
    from handoffnight import correct_the_0330_set

    ward = station.ward
    facts = editor.sections.facts[Section.ASSESSMENT]
    assert "NEWS2 now 5 (medium) at 03:30" in facts.text()
    assert not editor.changed_line.isVisible()
    ward.clock.now = at(6, 40)
    correct_the_0330_set(ward)  # at another station
    editor.reload()
    qtbot.waitUntil(lambda: "NEWS2 now 4 (low) at 03:30" in facts.text())
    assert "Δ record changed since the draft: was “NEWS2 now 5 (medium) at 03:30" in facts.text()
    assert editor.changed_line.isVisible()
    assert editor.changed_line.text().startswith("Δ The record changed since the draft (06:30)")
    assert "(drafted 06:30)" in editor.status_line.text()
    row = next(
        r for r in range(editor.proxy.rowCount()) if editor.proxy.index(r, 0).data() == "B01"
    )
    assert editor.proxy.index(row, BoardColumn.STATUS).data() == "☐ Draft Δ"
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        for theme in (Theme.DAY, Theme.NIGHT):
            apply_theme(app, theme)
            grab_census(editor, shot_dir / f"handoff-editor-changed-{theme.value}.png")
    finally:
        apply_theme(app, Theme.DAY)


def test_signing_stops_and_shows_what_changed_since_the_board_was_opened(
    qtbot, station: Station, monkeypatch: pytest.MonkeyPatch, shot_dir: Path
) -> None:
    from handoffnight import correct_the_0330_set

    ward = station.ward
    submit_all(ward)
    window = board_window(qtbot, station, ward.supervisor)
    qtbot.waitUntil(lambda: window.board is not None and window.board.ready_to_sign)
    ward.clock.now = at(6, 40)
    correct_the_0330_set(ward)  # another station, while the supervisor reads
    monkeypatch.setattr(dialogs.SignShiftDialog, "ask", classmethod(lambda cls, p, b: ""))
    qtbot.mouseClick(window.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "you were shown" in window.message.text(), timeout=10_000)
    message = window.message.text()
    assert message.startswith("Not signed: the record changed since the board was shown.")
    assert (
        "Bed B01 · Aled Abernethy: now “NEWS2 now 4 (low) at 03:30" in message
        and "you were shown “NEWS2 now 5 (medium) at 03:30" in message
    )
    assert ward.board().signoff is None
    # The board now shows the record as it is, marked; signing that works.
    window.select_admission(ward.busy)
    qtbot.waitUntil(lambda: "Δ record changed since the draft" in window.reader.toPlainText())
    assert "NEWS2 now 4 (low) at 03:30" in window.reader.toPlainText()
    grab_census(window, shot_dir / "handoff-board-refused.png")
    with qtbot.waitSignal(window.shift_signed, timeout=10_000):
        qtbot.mouseClick(window.sign_button, Qt.MouseButton.LeftButton)
    signed = ward.view(ward.busy)
    assert signed.status is HandoffStatus.SIGNED
    assert any(
        f.text.startswith("NEWS2 now 4 (low) at 03:30")
        for f in signed.draft.facts(Section.ASSESSMENT)
    )


def test_signing_with_an_emergency_open_asks_first_naming_it_by_keyboard(
    qtbot, station: Station, shot_dir: Path
) -> None:
    from wardconsole.domain.records import Severity
    from wardconsole.services.escalations import EscalationService

    ward = station.ward
    submit_all(ward)
    EscalationService(ward.db).raise_concern(
        ward.nurse, ward.quiet, Severity.EMERGENCY, "Collapsed in the bathroom"
    )
    board = ward.board()
    form = dialogs.SignShiftForm(board)
    qtbot.addWidget(form)
    with qtbot.waitActive(form):
        form.show()
        form.activateWindow()
    assert form.emergencies is not None and form.confirm is not None
    assert form.emergencies.text() == (
        "An emergency escalation is still open:\n▲ EMERGENCY · Bed B02 · Nia Nettleford — "
        "Staff concern (emergency) raised 06:30: Adaeze Okafor: Collapsed in the bathroom; "
        "still open"
    )
    assert form.focusWidget() is form.text
    # Alt+O ticks it from anywhere in the dialog (untick again for what follows).
    qtbot.keyClick(form.text, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(form.confirm.isChecked, timeout=2_000)  # a mnemonic clicks, animated
    form.confirm.setChecked(False)
    form.text.setFocus()
    qtbot.keyClicks(form.text, "Handed to the day team")
    sign = form.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    # Straight to "Sign the shift" without ticking: refused, the tick box gets the focus.
    sign.setFocus()
    qtbot.keyClick(sign, Qt.Key.Key_Space)
    assert form.isVisible() and "tick “Sign with the emergency open”" in form.error.text()
    assert form.focusWidget() is form.confirm
    grab_widget(form, shot_dir / "handoff-sign-emergency.png")
    qtbot.keyClick(form.confirm, Qt.Key.Key_Space)
    assert form.confirm.isChecked()
    qtbot.keyClick(form.confirm, Qt.Key.Key_Tab)
    assert form.focusWidget() is sign
    with qtbot.waitSignal(form.accepted):
        qtbot.keyClick(sign, Qt.Key.Key_Space)
    # The tick box is in the Tab order right after the note.
    again = dialogs.SignShiftForm(board)
    qtbot.addWidget(again)
    again.show()
    qtbot.keyClick(again.text, Qt.Key.Key_Tab)
    assert again.confirm is not None and again.focusWidget() is again.confirm
    # Without an emergency there is nothing to tick.
    quiet = dialogs.SignShiftForm(replace(board, open_emergencies=()))
    qtbot.addWidget(quiet)
    assert quiet.confirm is None
