"""The urine dipstick as a nurse records it, from its spec alone: the form starts with no pad
chosen, so Enter on an untouched form records nothing; a pad the strip did not show is chosen
as "Not read", never taken as negative; the saved strip reads the same in the history, on the
Physical care page and in the read-out. The night-theme screenshot is saved for the README."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QMenu
from screenshots import SMALLEST_WARD_SCREEN, cut_texts, grab_widget, over_window, size_problems

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.services.charts import ChartService
from wardconsole.services.history import HistoryService
from wardconsole.store.models import UrineDipstickRow
from wardconsole.ui.patient.charts.readout import readout_at
from wardconsole.ui.patient.charts.table_models import physical_entries
from wardconsole.ui.patient.history_model import details_text
from wardconsole.ui.physical.simple_entry import SimpleEntryDialog
from wardconsole.ui.theme import Theme, apply_theme

from . import bedside_support
from .bedside_support import BedsideWard, type_into

bedside_ward = bedside_support.bedside_ward
make_bedside = bedside_support.make_bedside
runner = bedside_support.runner

DIPSTICK = EntryKind.URINE_DIPSTICK


def _combo(dialog: SimpleEntryDialog, name: str) -> QComboBox:
    widget = dialog.fields.widget(name)
    assert isinstance(widget, QComboBox)
    return widget


def test_an_untouched_strip_is_refused_and_a_pad_not_read_stays_not_read(
    qtbot, make_bedside, bedside_ward: BedsideWard, tmp_path: Path
) -> None:
    ward = bedside_ward
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    apply_theme(qapp, Theme.NIGHT)
    try:
        dialog = SimpleEntryDialog(
            make_bedside(theme=Theme.NIGHT), ward.admission_id, "Bed A1", kind=DIPSTICK
        )
        qtbot.addWidget(dialog)
        dialog.show()
        blood = _combo(dialog, "blood")
        assert dialog.windowTitle() == "Urine dipstick — Bed A1"
        assert [blood.itemText(i) for i in range(blood.count())] == [
            "Negative",
            "Trace",
            "1+",
            "2+",
            "3+",
            "Not read",
        ]
        assert dialog.focusWidget() is blood
        assert all(_combo(dialog, n).currentIndex() == -1 for n in ("blood", "nitrites"))
        assert blood.placeholderText() == "Choose, or not read…"  # never a blank answer
        qtbot.keyClick(blood, Qt.Key.Key_Return)
        assert dialog.status.text() == "✖ Not saved — Blood: choose one, or 'Not read'"
        assert ward.count(UrineDipstickRow) == 0

        blood.setCurrentIndex(blood.findData("1+"))
        _combo(dialog, "leucocytes").setCurrentIndex(_combo(dialog, "leucocytes").findData(None))
        qtbot.keyClick(blood, Qt.Key.Key_Return)
        assert dialog.status.text() == "✖ Not saved — Nitrites: choose one, or 'Not read'"
        nitrites = _combo(dialog, "nitrites")
        nitrites.setCurrentIndex(nitrites.findData("negative"))
        type_into(qtbot, dialog.note, "Pink-tinged")
        shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
        assert size_problems(dialog) == [] and cut_texts(dialog) == []
        grab_widget(dialog, shots / "urine-dipstick-night.png")
        backdrop = QMenu()
        backdrop.resize(*SMALLEST_WARD_SCREEN)
        over_window(backdrop, dialog, shots / "urine-dipstick-night-1366.png")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.saved_count == 1)
        assert "✔ SAVED at" in dialog.status.text()
        # What was saved, in words, before the form clears for the next strip.
        assert dialog.status.text().endswith(
            "Urine dipstick — blood 1+, leucocytes not read, nitrites negative"
        )
        assert blood.currentIndex() == -1  # ready for the next strip, nothing pre-chosen
        dialog.reject()
    finally:
        apply_theme(qapp, Theme.DAY)

    (entry,) = [
        e for e in HistoryService(ward.db).entries(ward.admission_id) if e.entry_type == DIPSTICK
    ]
    line = "Urine dipstick — blood 1+, leucocytes not read, nitrites negative"
    assert details_text(entry) == f"{line} · Note: Pink-tinged"
    series = ChartService(ward.db).series(ward.admission_id)
    rows = [e for e in physical_entries(series) if e.what == "Urine dipstick"]
    assert [(r.value, r.detail) for r in rows] == [("B 1+ · L ? · N neg", line)]
    assert readout_at(series, series.as_of).texts()[DIPSTICK.value] == line
