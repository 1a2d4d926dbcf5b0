"""The sign-in screen: staff ID and password, a clear refusal, and what to do on a new database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from PySide6.QtCore import Qt
from screenshots import grab_widget
from sqlalchemy import select

from wardconsole.domain.access import load_access_policy
from wardconsole.services.auth import AuthService
from wardconsole.services.db import Database
from wardconsole.services.sign_in import FIRST_ACCOUNT_COMMAND, SignInPurpose
from wardconsole.store.engine import make_engine
from wardconsole.store.models import AuditRow
from wardconsole.ui.access.sign_in_dialog import SignInDialog
from wardconsole.ui.theme import Theme, apply_theme

from .access_support import PASSWORDS, AccessWorld, build_world, world  # noqa: F401

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def dialog(qtbot, world: AccessWorld) -> SignInDialog:  # noqa: F811
    made = SignInDialog(world.access)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitUntil(lambda: made.form.staff_id.isEnabled())
    yield made
    made.shutdown()


def _type(qtbot, dialog: SignInDialog, staff_id: str, password: str) -> None:
    dialog.form.staff_id.setFocus()
    qtbot.keyClicks(dialog.form.staff_id, staff_id)
    qtbot.keyClick(dialog.form.staff_id, Qt.Key.Key_Return)  # Enter moves to the password
    qtbot.keyClicks(dialog.form.password, password)
    qtbot.keyClick(dialog.form.password, Qt.Key.Key_Return)


def test_a_nurse_signs_in_with_id_and_password(
    qtbot,
    dialog: SignInDialog,
    world: AccessWorld,  # noqa: F811
) -> None:
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        _type(qtbot, dialog, "rn.okafor", PASSWORDS["rn.okafor"])
    assert dialog.signed is not None
    assert dialog.signed.actor.display_name == "Adaeze Okafor"
    assert dialog.form.password.text() == ""  # never kept on screen
    with world.db.read() as session:
        actions = session.scalars(select(AuditRow.action)).all()
    assert "sign_in" in actions


def test_a_wrong_password_is_refused_in_words_and_cleared(qtbot, dialog: SignInDialog) -> None:
    _type(qtbot, dialog, "rn.okafor", "not-the-password")
    qtbot.waitUntil(lambda: "not recognised" in dialog.form.message.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.signed is None
    assert dialog.form.staff_id.text() == "rn.okafor"
    assert dialog.form.password.text() == ""
    assert dialog.form.message.property("tone") == "alert"


def test_an_empty_form_asks_for_both(qtbot, dialog: SignInDialog) -> None:
    qtbot.mouseClick(dialog.form.button, Qt.MouseButton.LeftButton)
    assert dialog.form.message.text() == "Enter your staff ID and password."


def test_a_database_nobody_can_sign_in_to_names_the_first_command(
    qtbot,
    tmp_path: Path,
    world: AccessWorld,  # noqa: F811
) -> None:
    engine = make_engine(migrated_sqlite(tmp_path / "empty.sqlite"))
    empty = AuthService(Database(engine), load_access_policy())
    dialog = SignInDialog(replace(world.access, setup=empty.setup))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.form.hint.isVisible())
    assert FIRST_ACCOUNT_COMMAND in dialog.form.hint.text()
    assert not dialog.form.button.isEnabled() and not dialog.form.password.isEnabled()
    dialog.shutdown()
    engine.dispose()


def test_a_demo_ward_says_its_demo_password_and_no_other_ward_does(
    qtbot, tmp_path: Path, dialog: SignInDialog
) -> None:
    assert not dialog.form.hint.isVisible()
    from wardconsole.services.auth import mark_demo_ward
    from wardconsole.services.sign_in import DEMO_PASSWORD

    demo = build_world(tmp_path / "demo")
    with demo.db.transaction() as session:
        mark_demo_ward(session)
    shown = SignInDialog(demo.access)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitUntil(lambda: shown.form.hint.isVisible())
    assert f"Demo password: {DEMO_PASSWORD}" in shown.form.hint.text()
    assert "sn.harrow (supervisor)" in shown.form.hint.text()
    shown.shutdown()
    demo.db.engine.dispose()


def test_signing_in_on_the_lock_screen_path_is_an_unlock(world: AccessWorld) -> None:  # noqa: F811
    first = world.access.sign_in("rn.okafor", PASSWORDS["rn.okafor"], SignInPurpose.START, None)
    second = world.access.sign_in(
        "rn.pereira", PASSWORDS["rn.pereira"], SignInPurpose.UNLOCK, first.actor
    )
    assert second.actor.staff_code == "rn.pereira"


def test_sign_in_screenshot_at_night(qtbot, qapp, dialog: SignInDialog) -> None:
    apply_theme(qapp, Theme.NIGHT)
    dialog.form.staff_id.setText("rn.okafor")
    dialog.form.show_message(
        "Staff ID or password not recognised. After 5 wrong tries in a row, each further "
        "try with that ID waits, longer each time (up to 15 minutes)."
    )
    dialog.adjustSize()
    path = grab_widget(dialog, DOCS / "sign-in-night.png")
    assert path.exists() and path.stat().st_size > 5_000
