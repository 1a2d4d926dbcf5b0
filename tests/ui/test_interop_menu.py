"""File → Import FHIR… and File → Export patient…: the work runs off the UI thread with a
progress dialog, Cancel imports nothing, and the nurse is told what happened in words."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from ui_context import TEST_VISITOR

from wardconsole.interop.exporting import ExportResult
from wardconsole.services.bulk_import import RECORDING
from wardconsole.services.context import Actor, PermissionDenied, Role
from wardconsole.services.importing import ImportReport, Progress
from wardconsole.ui.interop.actions import InteropActions
from wardconsole.ui.interop.dialogs import (
    ExportChoice,
    ExportPatientDialog,
    ImportFileDialog,
)
from wardconsole.ui.main_window import MainWindow

from .conftest import make_context
from .factories import FakeWard

SUPERVISOR = Actor(7, "sv.test", "Sam Supervisor", Role.SUPERVISOR, "Nurses' station 1")
REPORT = ImportReport(
    sets_added=3,
    values_added=11,
    already_present=1,
    skipped={"not imported: LOINC 8302-2 Body Height": 2},
)


class FakeInterop:
    """Stands in for the services: records calls; an import can be held mid-way."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.hold.set()
        self.reached = threading.Event()
        self.hold_at = 2
        self.imports: list[tuple[Actor, Path, str | None]] = []
        self.exports: list[tuple[Actor, str, Path, str]] = []
        self.export_error: Exception | None = None

    def import_fhir(
        self, actor: Actor, path: Path, progress: Progress, patient: str | None
    ) -> ImportReport:
        self.imports.append((actor, path, patient))
        for done in (1, 2, 3, 4, RECORDING):
            progress(done, 4)
            if done == self.hold_at:
                self.reached.set()
                self.hold.wait(10)
        progress(RECORDING, 4)  # the last step asks again before it commits
        return REPORT

    def export_patient(
        self, actor: Actor, hospital_number: str, path: Path, export_format: str
    ) -> ExportResult:
        self.exports.append((actor, hospital_number, path, export_format))
        if self.export_error is not None:
            raise self.export_error
        return ExportResult(path, export_format, 1, 42)


@pytest.fixture
def interop() -> FakeInterop:
    return FakeInterop()


@pytest.fixture
def interop_window(qtbot, ward: FakeWard, interop: FakeInterop) -> MainWindow:
    context = make_context(
        ward,
        signed_in=SUPERVISOR,
        interop=InteropActions(
            import_fhir=interop.import_fhir, export_patient=interop.export_patient
        ),
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.snapshot is not None)
    yield window
    interop.hold.set()
    window.shutdown()


def _ask_returns(monkeypatch: pytest.MonkeyPatch, dialog: type, value: object) -> None:
    monkeypatch.setattr(dialog, "ask", classmethod(lambda cls, *args: value))


def _box(window: MainWindow) -> QMessageBox:
    return window.interop_menu.message_box


def test_import_shows_progress_then_what_was_imported(
    qtbot,
    interop_window: MainWindow,
    interop: FakeInterop,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _ask_returns(monkeypatch, ImportFileDialog, tmp_path / "transfer.json")
    interop.hold.clear()
    menu = interop_window.interop_menu

    menu.import_action.trigger()

    progress = interop_window.findChild(object, "import_progress")
    qtbot.waitUntil(lambda: progress.value() == 2)
    assert progress.isVisible()
    assert progress.labelText() == (
        "Importing transfer.json\nChecking set 2 of 4\n"
        "(nothing is on the record until the last step)"
    )
    assert progress.windowModality() == Qt.WindowModality.WindowModal
    asked_again: list[object] = []
    monkeypatch.setattr(ImportFileDialog, "ask", classmethod(lambda cls, *a: asked_again.append(a)))
    menu.import_action.trigger()  # one import at a time
    assert asked_again == []
    with qtbot.waitSignal(menu.import_finished, timeout=5000) as finished:
        interop.hold.set()
    assert finished.args == [REPORT]
    assert interop.imports == [(SUPERVISOR, tmp_path / "transfer.json", None)]
    assert not progress.isVisible() and not menu.busy
    box = _box(interop_window)
    assert box.isVisible()
    assert box.text() == (
        "transfer.json: 3 sets (11 values) imported; 1 already on record; 2 values skipped."
    )
    assert "Body Height" in box.informativeText()


@pytest.mark.parametrize("step", ["checking", "last"])
def test_cancel_imports_nothing(
    qtbot,
    interop_window: MainWindow,
    interop: FakeInterop,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    step: str,
) -> None:
    """Cancel works while the sets are checked and during the last step (rolled back)."""
    _ask_returns(monkeypatch, ImportFileDialog, tmp_path / "big.ndjson")
    interop.hold.clear()
    if step == "last":
        interop.hold_at = RECORDING
    menu = interop_window.interop_menu
    menu.import_action.trigger()
    progress = interop_window.findChild(object, "import_progress")
    qtbot.waitUntil(interop.reached.is_set)
    if step == "last":
        qtbot.waitUntil(lambda: "Last step: adding 4 sets to the record" in progress.labelText())

    cancel = next(b for b in progress.findChildren(QPushButton) if b.text() == "Cancel import")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert progress.labelText() == "Cancelling — nothing will be imported…"
    with qtbot.waitSignal(menu.interop_failed, timeout=5000) as failed:
        interop.hold.set()

    assert failed.args == ["Import of big.ndjson cancelled: nothing was imported."]
    assert _box(interop_window).text() == failed.args[0]
    assert not menu.busy


def test_export_saves_the_selected_patient(
    qtbot,
    interop_window: MainWindow,
    interop: FakeInterop,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    view = interop_window.census_view
    view.selectRow(2)
    selected = interop_window.census_model.census_row(
        interop_window.census_model.row_of_admission(view.selected_admission_id())
    )
    asked: list[tuple[str, str]] = []

    def ask(cls: type, parent: object, label: str, suggested: str) -> ExportChoice:
        asked.append((label, suggested))
        return ExportChoice(tmp_path / "stay.csv", "csv")

    monkeypatch.setattr(ExportPatientDialog, "ask", classmethod(ask))
    menu = interop_window.interop_menu

    with qtbot.waitSignal(menu.export_finished, timeout=5000):
        menu.export_action.trigger()

    assert asked == [
        (
            f"{selected.patient_name} ({selected.hospital_number})",
            f"{selected.hospital_number}.json",
        )
    ]
    assert interop.exports == [(SUPERVISOR, selected.hospital_number, tmp_path / "stay.csv", "csv")]
    assert _box(interop_window).text() == f"Exported 1 patient (42 rows) to {tmp_path}/stay.csv."


def test_a_refused_export_says_why(
    qtbot,
    interop_window: MainWindow,
    interop: FakeInterop,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    interop.export_error = PermissionDenied("Robin Test (nurse) may not export")
    interop_window.census_view.selectRow(0)
    _ask_returns(monkeypatch, ExportPatientDialog, ExportChoice(tmp_path / "x.json", "fhir"))
    menu = interop_window.interop_menu
    with qtbot.waitSignal(menu.interop_failed, timeout=5000) as failed:
        menu.export_action.trigger()
    assert failed.args[0].endswith("was not exported: Robin Test (nurse) may not export")


def test_a_read_only_visitor_finds_the_import_and_export_items_disabled(
    make_window: Callable[..., MainWindow], ward: FakeWard
) -> None:
    """A visiting clinician may read the ward but neither record (import) nor export."""
    window = make_window(ward, signed_in=TEST_VISITOR)
    assert not window.interop_menu.import_action.isEnabled()
    assert not window.interop_menu.export_action.isEnabled()
    titles = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert titles[:3] == [
        "&Import FHIR…",
        "Import FHIR into &selected patient…",
        "&Export patient (FHIR/CSV)…",
    ]


def test_a_file_that_does_not_name_the_patient_goes_to_the_selected_one(
    qtbot,
    interop_window: MainWindow,
    interop: FakeInterop,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    view = interop_window.census_view
    view.selectRow(1)
    model = interop_window.census_model
    selected = model.census_row(model.row_of_admission(view.selected_admission_id()))
    labels: list[str] = []

    def ask(cls: type, parent: object, label: str = "") -> Path:
        labels.append(label)
        return tmp_path / "observation-example-heart-rate.json"

    monkeypatch.setattr(ImportFileDialog, "ask", classmethod(ask))
    menu = interop_window.interop_menu
    with qtbot.waitSignal(menu.import_finished, timeout=5000):
        menu.import_into_action.trigger()
    assert labels == [f"{selected.patient_name} ({selected.hospital_number})"]
    assert interop.imports[0][2] == selected.hospital_number
