"""A nurse gives a PRN dose, sees the 24-hour sedative count, and records the effect later."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from screenshots import fits_smallest_frame, grab_widget, size_problems
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from wardconsole.domain.records import EscalationKind
from wardconsole.services.recording import RecordingService, SaveResult
from wardconsole.store.models import AuditRow, PrnDoseRow, PrnEffectRow
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.bedside.prn_dialog import PrnDialog
from wardconsole.ui.bedside.prn_model import PrnColumn, PrnDoseModel
from wardconsole.ui.bedside.shared import Bedside
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner

LORAZEPAM = {
    "drug": "Lorazepam",
    "drug_class": "benzodiazepine",
    "dose": "1 mg",
    "route": "oral",
    "reason": "Anxiety",
}


@pytest.fixture
def open_dialog(
    qtbot, make_bedside, bedside_ward: BedsideWard
) -> Iterator[Callable[..., PrnDialog]]:
    dialogs: list[PrnDialog] = []

    def open_(bedside: Bedside | None = None) -> PrnDialog:
        dialog = PrnDialog(
            bedside or make_bedside(), bedside_ward.admission_id, "Maya Thornbury — Bed A1"
        )
        dialog.discard_confirmed = lambda: True  # type: ignore[method-assign]
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.model.summary is not None)
        dialogs.append(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        qtbot.waitUntil(
            lambda d=dialog: SaveState.SAVING not in (d.saver.state, d.effect_saver.state)
        )


def give_earlier(ward: BedsideWard, count: int) -> list[int]:
    ids = []
    for hours in range(count, 0, -1):
        result = ward.recording.record_prn(
            ward.nurse,
            ward.admission_id,
            **LORAZEPAM,
            given_at=ward.clock.now - timedelta(hours=hours),
        )
        ids.append(result.entry_id)
    return ids


def fill_dose(qtbot, dialog: PrnDialog, *, drug: str = "Lorazepam") -> None:
    type_into(qtbot, dialog.drug, drug)
    dialog.drug.completer().popup().hide()
    type_into(qtbot, dialog.dose, "1 mg")
    type_into(qtbot, dialog.reason, "Anxiety, pacing")


def test_a_dose_is_saved_and_joins_the_24_hour_list(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog()
    assert "in the last 24 h: 0 doses" in dialog.count_label.text()
    fill_dose(qtbot, dialog)
    assert dialog.drug_class.currentData() == "benzodiazepine"
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert "SAVED at" in dialog.status.text() and "Lorazepam 1 mg" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    assert "1 dose" in dialog.count_label.text()
    assert dialog.model.index(0, PrnColumn.CLASS).data() == "✓ Benzodiazepine"
    with bedside_ward.db.read() as session:
        dose = session.scalars(select(PrnDoseRow)).one()
    assert (dose.drug, dose.route, dose.station) == ("Lorazepam", "oral", "Nurses' station 1")


def test_the_count_warns_before_the_review_and_the_dose_past_it_raises_one(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    give_earlier(bedside_ward, 3)
    dialog = open_dialog()
    assert dialog.model.rowCount() == 3
    assert "one more raises a PRN review" in dialog.count_label.text()
    assert dialog.count_label.property("tone") == "soon"
    fill_dose(qtbot, dialog)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.same_class.isVisible())  # lorazepam an hour ago
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # save anyway
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert isinstance(dialog.result_value, SaveResult)
    assert EscalationKind.PRN_REVIEW in {c.kind for c in dialog.result_value.escalations}
    assert "Escalation raised: PRN review" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 4)
    assert "PRN review by the prescriber" in dialog.count_label.text()
    assert dialog.count_label.property("tone") == "alert"


def test_a_dose_without_class_or_reason_is_refused_naming_the_fields(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog()
    type_into(qtbot, dialog.drug, "Trazodone")
    type_into(qtbot, dialog.dose, "50 mg")
    qtbot.keyClick(dialog.dose, Qt.Key.Key_Return)
    assert "Class: not in the formulary — choose the drug's class" in dialog.messages.text()
    assert "Why this class: required for a drug not in the formulary" in dialog.messages.text()
    assert "Reason: required" in dialog.messages.text()
    assert "Not saved" in dialog.status.text()
    assert dialog.saver.state is SaveState.EDITING
    assert bedside_ward.count(PrnDoseRow) == 0


def test_the_effect_of_an_earlier_dose_is_recorded_later(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    [dose_id] = give_earlier(bedside_ward, 1)
    dialog = open_dialog()
    assert dialog.model.index(0, PrnColumn.EFFECT).data() == "— not yet recorded"
    assert dialog.select_dose(dose_id)
    type_into(qtbot, dialog.effect, "Settled within 30 min")
    qtbot.keyClick(dialog.effect, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.effects_saved == 1)
    assert "Effect SAVED" in dialog.effect_status.text()
    qtbot.waitUntil(
        lambda: dialog.model.index(0, PrnColumn.EFFECT).data() == "Settled within 30 min"
    )
    assert bedside_ward.count(PrnEffectRow) == 1
    assert bedside_ward.count(PrnDoseRow) == 1  # Enter in the effect field saved no dose


class FlakyPrn(RecordingService):
    """The connection drops after the first PRN save committed."""

    def __init__(self, recording: RecordingService) -> None:
        super().__init__(recording._db)
        self.tries = 0

    def record_prn(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.tries += 1
        result = super().record_prn(*args, **kwargs)
        if self.tries == 1:
            raise OperationalError("COMMIT", {}, Exception("connection reset by peer"))
        return result


def test_a_retried_dose_is_recorded_once(
    qtbot, open_dialog, make_bedside, bedside_ward: BedsideWard
) -> None:
    flaky = FlakyPrn(bedside_ward.recording)
    dialog = open_dialog(make_bedside(recording=flaky))
    fill_dose(qtbot, dialog)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.WAITING)
    assert "NOT SAVED YET" in dialog.status.text()
    assert dialog.drug.text() == "Lorazepam"
    qtbot.mouseClick(dialog.status.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert bedside_ward.count(PrnDoseRow) == 1


def test_the_dose_model_is_a_well_behaved_table(
    qtmodeltester, make_bedside, bedside_ward: BedsideWard
) -> None:
    give_earlier(bedside_ward, 2)
    model = PrnDoseModel()
    model.set_summary(bedside_ward.history.prn_summary(bedside_ward.admission_id))
    qtmodeltester.check(model)
    assert model.rowCount() == 2


def test_picking_a_formulary_drug_fills_and_locks_its_class(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog()
    type_into(qtbot, dialog.drug, "diaz")
    popup = dialog.drug.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    assert dialog.drug.completer().currentCompletion() == "Diazepam"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.drug.text() == "Diazepam"
    assert dialog.drug_class.currentData() == "benzodiazepine"
    assert not dialog.drug_class.isEnabled()  # diazepam can never be recorded as anything else
    assert dialog.class_note.isVisible()
    assert dialog.class_note.text() == (
        "From the formulary (Diazepam): Benzodiazepine — counts in the sedative/anxiolytic count."
    )
    assert not dialog.class_reason.isVisible()
    # Another drug: the class is the nurse's to choose, with a reason.
    dialog.drug.selectAll()
    type_into(qtbot, dialog.drug, "Trazodone")
    popup.hide()
    assert dialog.drug_class.isEnabled() and dialog.drug_class.currentData() is None
    assert dialog.class_reason.isVisible()
    assert "Not in the formulary" in dialog.class_note.text()
    # Typed in another case and with spaces, a formulary drug is still found.
    dialog.drug.setText("  LORAZEPAM ")
    assert dialog.drug_class.currentData() == "benzodiazepine"
    assert not dialog.drug_class.isEnabled()


def test_a_drug_not_in_the_formulary_is_saved_with_its_class_and_reason(
    qtbot, open_dialog, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    dialog = open_dialog()
    fill_dose(qtbot, dialog, drug="Trazodone")
    dialog.drug_class.setFocus()
    dialog.drug_class.setCurrentIndex(dialog.drug_class.findData("other_hypnotic"))
    type_into(qtbot, dialog.class_reason, "Sedating antidepressant, pharmacist advised")
    dialog.resize(*fits_smallest_frame())
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    grab_widget(dialog, shot_dir / "prn-form-not-in-formulary.png")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    with bedside_ward.db.read() as session:
        dose = session.scalars(select(PrnDoseRow)).one()
    assert (dose.drug, dose.drug_class, dose.class_reason) == (
        "Trazodone",
        "other_hypnotic",
        "Sedating antidepressant, pharmacist advised",
    )
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    cell = dialog.model.index(0, PrnColumn.CLASS)
    assert cell.data() == "✓ Other sedative or hypnotic (chosen, not in formulary)"
    assert "because: Sedating antidepressant" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "1 dose" in dialog.count_label.text()


def test_a_second_dose_of_the_same_class_warns_naming_the_earlier_one(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    ward = bedside_ward
    ward.recording.record_prn(
        ward.nurse, ward.admission_id, **LORAZEPAM, given_at=ward.clock.now - timedelta(minutes=40)
    )
    dialog = open_dialog()
    fill_dose(qtbot, dialog, drug="Diazepam")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.same_class.isVisible)
    text = dialog.same_class.text()
    assert "Lorazepam 1 mg oral at " in text and "(40 min before this dose)" in text
    assert text.startswith("⚠ Same class (Benzodiazepine) within 120 min: Lorazepam 1 mg oral")
    assert "local policy, pending governance sign-off" in text
    assert dialog.save_button.text() == "&Save anyway"
    assert dialog.saver.state is SaveState.EDITING and ward.count(PrnDoseRow) == 1
    # Changing the entry withdraws the warning; it is checked again on Save.
    type_into(qtbot, dialog.dose, "0")
    assert not dialog.same_class.isVisible() and dialog.save_button.text() == "&Save dose"
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.same_class.isVisible)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # the nurse confirms
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert ward.count(PrnDoseRow) == 2
    with ward.db.read() as session:
        detail = session.scalars(
            select(AuditRow.detail)
            .where(AuditRow.entity == "prn")
            .order_by(AuditRow.id.desc())
            .limit(1)
        ).one()
    assert detail["same_class_confirmed"] is True


def test_a_dose_of_another_class_saves_without_a_warning(
    qtbot, open_dialog, bedside_ward: BedsideWard
) -> None:
    give_earlier(bedside_ward, 1)
    dialog = open_dialog()
    fill_dose(qtbot, dialog, drug="Paracetamol")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert not dialog.same_class.isVisible()


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_screenshot_of_the_prn_form_at_the_smallest_screen(
    qtbot,
    qapp,
    request,
    open_dialog,
    make_bedside,
    bedside_ward: BedsideWard,
    theme: Theme,
    tmp_path: Path,
) -> None:
    ward = bedside_ward
    ward.recording.record_prn(
        ward.nurse, ward.admission_id, **LORAZEPAM, given_at=ward.clock.now - timedelta(minutes=40)
    )
    ward.recording.record_prn(
        ward.nurse,
        ward.admission_id,
        drug="Trazodone",
        drug_class="other_hypnotic",
        class_reason="Sedating antidepressant, pharmacist advised",
        dose="50 mg",
        route="oral",
        reason="Insomnia",
        given_at=ward.clock.now - timedelta(hours=5),
    )
    apply_theme(qapp, theme)
    request.addfinalizer(lambda: apply_theme(qapp, Theme.DAY))
    dialog = open_dialog(make_bedside(theme=theme))
    fill_dose(qtbot, dialog, drug="Diazepam")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.same_class.isVisible)
    dialog.resize(*fits_smallest_frame())
    shot_dir = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    path = grab_widget(dialog, shot_dir / f"prn-form-{theme.value}.png")
    assert size_problems(dialog) == []
    assert QImage(str(path)).width() == dialog.width()
    for widget in (dialog.same_class, dialog.class_note, dialog.save_button, dialog.drug_class):
        corner = widget.mapTo(dialog, widget.rect().bottomRight())
        assert dialog.rect().contains(corner), widget.objectName()


class UncheckablePrn(RecordingService):
    """The look-up of earlier doses fails (the database did not answer); saving works."""

    def __init__(self, recording: RecordingService) -> None:
        super().__init__(recording._db)

    def same_class_warning(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("connection reset by peer"))


def test_a_dose_is_still_saved_when_earlier_doses_cannot_be_checked_and_says_so(
    qtbot, open_dialog, make_bedside, bedside_ward: BedsideWard
) -> None:
    dialog = open_dialog(make_bedside(recording=UncheckablePrn(bedside_ward.recording)))
    fill_dose(qtbot, dialog, drug="Diazepam")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.saver.state is SaveState.SAVED)
    assert bedside_ward.count(PrnDoseRow) == 1
    assert dialog.same_class.isVisible()
    assert "could not be checked" in dialog.same_class.text()
