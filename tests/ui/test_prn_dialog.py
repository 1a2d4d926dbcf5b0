"""A nurse gives a PRN dose, sees the 24-hour sedative count, and records the effect later."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from wardconsole.domain.records import EscalationKind
from wardconsole.services.recording import RecordingService, SaveResult
from wardconsole.store.models import PrnDoseRow, PrnEffectRow
from wardconsole.ui.bedside.entry_save import SaveState
from wardconsole.ui.bedside.prn_dialog import PrnDialog
from wardconsole.ui.bedside.prn_model import PrnColumn, PrnDoseModel
from wardconsole.ui.bedside.shared import Bedside

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


def fill_dose(qtbot, dialog: PrnDialog, *, drug: str = "Lorazepam", klass: str = "ben") -> None:
    type_into(qtbot, dialog.drug, drug)
    type_into(qtbot, dialog.drug_class, klass)
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
    assert dialog.model.index(0, PrnColumn.CLASS).data() == "● benzodiazepine"
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
    type_into(qtbot, dialog.drug, "Lorazepam")
    type_into(qtbot, dialog.dose, "1 mg")
    qtbot.keyClick(dialog.dose, Qt.Key.Key_Return)
    assert "Class: choose" in dialog.messages.text()
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
