"""Every item of the Patient menu and of the census row's menu is one key away: an item named
from data (a simple kind's "Record urine dipstick…") gets a letter no other item of either menu
uses."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.mnemonics import free_mnemonic, give_mnemonics, taken_letter

from . import bedside_support
from .test_bedside_actions import recording_window

bedside_ward = bedside_support.bedside_ward
runner = bedside_support.runner
recording_window = recording_window


def _letters(menu: QMenu) -> list[str | None]:
    return [taken_letter(a.text()) for a in menu.actions() if not a.isSeparator()]


def test_every_patient_and_census_menu_item_has_its_own_letter(
    recording_window: MainWindow,
) -> None:
    patient = next(a.menu() for a in recording_window.menuBar().actions() if a.text() == "&Patient")
    census = recording_window.census_menu()
    for menu in (patient, census):
        letters = _letters(menu)
        assert None not in letters, [a.text() for a in menu.actions()]
    dipstick = next(a for a in patient.actions() if "urine dipstick" in a.text())
    assert dipstick in census.actions()  # the same action, one letter free in both menus
    letter = taken_letter(dipstick.text())
    assert _letters(patient).count(letter) == 1 and _letters(census).count(letter) == 1


def test_a_free_letter_is_the_first_one_unused() -> None:
    taken = {"r", "e", "c"}
    assert free_mnemonic("Record urine dipstick…", taken) == "Rec&ord urine dipstick…"
    assert "o" in taken
    assert free_mnemonic("Ore", {"o", "r", "e"}) == "Ore"  # every letter taken: unchanged
    assert taken_letter("Give &PRN…") == "p" and taken_letter("Salt && pepper") is None


def test_items_that_have_a_letter_keep_it(qtbot) -> None:
    menu = QMenu()
    qtbot.addWidget(menu)
    keep = menu.addAction("&Record observations…")
    new = menu.addAction("Record urine dipstick…")
    give_mnemonics(menu)
    assert keep.text() == "&Record observations…"
    assert new.text() == "R&ecord urine dipstick…"
