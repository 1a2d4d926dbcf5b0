"""The idle auto-lock: patient details disappear, escalations stay as bed and kind, typed input
survives, and the same or another nurse unlocks by signing in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget
from screenshots import grab_widget
from sqlalchemy import select

from wardconsole.services.context import Role
from wardconsole.store.models import AuditRow
from wardconsole.ui.access.lock_screen import LEGEND, Curtain
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.theme import Theme

from .access_support import (  # noqa: F401 - fixtures
    PASSWORDS,
    AccessWorld,
    build_world,
    make_secure_window,
)
from .factories import NOW, FakeWard, demo_ward

DOCS = Path(__file__).resolve().parents[2] / "docs"
PATIENT_NAMES = [row.patient_name for row in demo_ward().rows]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AccessWorld]:
    # Long enough that a station just unlocked on a busy test machine (the census repainting
    # under the curtain) is seen unlocked before it idles again; short enough for the idle test.
    built = build_world(tmp_path, idle_ms=2_000)
    yield built
    built.db.engine.dispose()


@pytest.fixture
def window(make_secure_window, world: AccessWorld) -> MainWindow:  # noqa: F811
    return make_secure_window(FakeWard(demo_ward()), world)


def _lock_texts(window: MainWindow) -> str:
    screen = window.access.lock.screen
    labels = " ".join(label.text() for label in screen.findChildren(QLabel))
    return labels + " " + " ".join(screen.alert_texts())


def _unlock(qtbot, window: MainWindow, staff_id: str) -> None:
    form = window.access.lock.screen.form
    form.staff_id.setText(staff_id)
    qtbot.keyClicks(form.password, PASSWORDS[staff_id])
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.access.lock.locked, timeout=10_000)


def _actions(world: AccessWorld) -> list[tuple[str, str | None]]:
    with world.db.read() as session:
        rows = session.execute(
            select(AuditRow.action, AuditRow.detail)
            .where(AuditRow.action.in_(["lock", "unlock"]))
            .order_by(AuditRow.id)
        ).all()
    return [(action, detail.get("previous") or detail.get("reason")) for action, detail in rows]


def test_idle_time_locks_the_station_and_hides_every_patient_detail(
    qtbot, window: MainWindow
) -> None:
    qtbot.waitUntil(lambda: window.access.lock.locked, timeout=5_000)
    screen = window.access.lock.screen
    assert screen.isVisible()
    curtains = window.findChildren(Curtain)
    assert curtains and all(c.isVisible() for c in curtains)
    assert curtains[0].geometry() == window.rect()
    texts = _lock_texts(window)
    for name in PATIENT_NAMES:
        assert name not in texts
        assert name.split()[-1] not in texts
    assert "after no activity" in texts


def test_escalations_stay_on_the_lock_screen_as_bed_and_kind_only(
    qtbot, window: MainWindow
) -> None:
    window.access.lock.lock("manual")
    lines = window.access.lock.screen.alert_texts()
    expected = sorted(
        f"Bed {e.bed} — {e.kind.label}" for row in demo_ward().rows for e in row.open_escalations
    )
    assert sorted(line.split("  ", 1)[1] for line in lines) == expected
    assert lines[0].startswith("▲")  # the emergency first, marked by shape, not colour only
    assert LEGEND == "▲ emergency   ◆ urgent   ● advisory"  # the census's shapes
    for line in lines:
        assert not any(ch.isdigit() for ch in line.split("Bed ", 1)[1].split(" — ")[1])


def test_unsaved_input_in_an_open_dialog_survives_the_lock(qtbot, window: MainWindow) -> None:
    dialog = QDialog(window)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    dialog.open()  # window-modal, like a bedside dialog
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(field, "37.2")
    window.access.lock.lock("manual")
    assert dialog.isVisible()  # covered, not closed
    assert any(isinstance(c, Curtain) and c.isVisible() for c in dialog.children())
    qtbot.keyClicks(QApplication.focusWidget() or window, "999")  # typing goes nowhere near it
    assert field.text() == "37.2"
    _unlock(qtbot, window, "rn.okafor")
    qtbot.waitUntil(
        lambda: not any(isinstance(c, Curtain) and c.isVisible() for c in dialog.children())
    )
    assert dialog.isVisible() and field.text() == "37.2"
    dialog.reject()


def test_another_nurse_unlocks_and_from_then_on_the_console_acts_as_her(
    qtbot, window: MainWindow, world: AccessWorld
) -> None:
    window.access.lock.lock("manual")
    assert window.access.lock.screen.form.staff_id.text() == "rn.okafor"  # who locked it
    _unlock(qtbot, window, "rn.pereira")
    assert world.session.current_actor().staff_code == "rn.pereira"
    assert window.access.signed_in_label.text() == "Signed in: Marta Pereira · Nurse"
    qtbot.waitUntil(lambda: _actions(world) == [("lock", "manual"), ("unlock", "rn.okafor")])


def test_a_wrong_password_keeps_the_station_locked(qtbot, window: MainWindow) -> None:
    window.access.lock.lock("manual")
    form = window.access.lock.screen.form
    qtbot.keyClicks(form.password, "wrong-wrong-wrong")
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not recognised" in form.message.text(), timeout=10_000)
    assert window.access.lock.locked and window.access.lock.screen.isVisible()


def test_ctrl_l_locks_at_once(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    window.access.lock_action.trigger()
    assert window.access.lock.locked


def test_activity_restarts_the_idle_time(qtbot, tmp_path: Path, make_secure_window) -> None:  # noqa: F811
    slow = build_world(tmp_path / "slow", idle_ms=60_000)
    window = make_secure_window(FakeWard(demo_ward()), slow)
    timer = window.access.lock.idle_timer
    qtbot.waitUntil(lambda: timer.remainingTime() < 59_900)
    before = timer.remainingTime()
    qtbot.keyClick(window.census_view, Qt.Key.Key_Down)
    assert timer.remainingTime() > before
    assert not window.access.lock.locked
    slow.db.engine.dispose()


def test_a_window_opened_while_locked_is_covered_too(qtbot, window: MainWindow) -> None:
    window.access.lock.lock("manual")
    late = QWidget()
    qtbot.addWidget(late)
    late.setWindowTitle("A late message")
    late.show()
    qtbot.waitUntil(lambda: any(isinstance(c, Curtain) for c in late.children()))


@pytest.mark.parametrize(
    "role, can_record, sees_audit",
    [
        ("rn.okafor", True, False),
        ("sn.harrow", True, True),
        ("vc.visitor", False, False),
    ],
)
def test_the_menus_follow_the_signed_in_role(
    make_secure_window,  # noqa: F811
    world: AccessWorld,
    role: str,
    can_record: bool,
    sees_audit: bool,
) -> None:
    window = make_secure_window(FakeWard(demo_ward()), world, signed_in=role)
    controls = window.access
    assert controls.audit_action.isVisible() is sees_audit
    assert controls.staff_action.isVisible() is sees_audit
    record = window.bedside.record_action
    if window.bedside.available:
        assert record.isEnabled() is can_record
    assert controls.signed_in_label.text().startswith("Signed in: ")
    assert world.actor(role).role in (Role.NURSE, Role.SUPERVISOR, Role.READONLY)


def test_lock_screen_screenshot_at_night(qtbot, window: MainWindow) -> None:
    window.set_theme(Theme.NIGHT)
    window.access.lock.now = lambda: NOW
    window.access.lock.lock("idle")
    screen = window.access.lock.screen
    screen.showNormal()
    screen.resize(1366, 768)
    path = grab_widget(screen, DOCS / "lock-screen-night.png")
    assert path.stat().st_size > 10_000


def test_a_modal_dialog_open_when_the_station_locks_is_kept_and_the_lock_screen_takes_the_keys(
    qtbot, window: MainWindow
) -> None:
    """Bedside dialogs run modally (exec); the lock must neither close one nor lose input."""
    from PySide6.QtCore import QTimer

    dialog = QDialog(window)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    seen: dict[str, object] = {}

    def while_the_dialog_is_open() -> None:
        qtbot.keyClicks(field, "37.2")
        window.access.lock.lock("idle")
        seen["modal"] = QApplication.activeModalWidget()
        seen["dialog_visible"] = dialog.isVisible()
        _unlock(qtbot, window, "rn.okafor")
        seen["text"] = field.text()
        dialog.accept()

    QTimer.singleShot(0, while_the_dialog_is_open)
    assert dialog.exec() == QDialog.DialogCode.Accepted
    assert seen == {"modal": window.access.lock.screen, "dialog_visible": True, "text": "37.2"}


def test_after_signing_out_and_in_as_someone_else_everything_names_her(
    qtbot,
    make_secure_window,  # noqa: F811
    world: AccessWorld,
) -> None:
    """The handoff windows, a bedside label in a dialog left open, and the role's buttons
    follow the session: nothing keeps naming the nurse who signed out."""
    from wardconsole.services.handoff import HandoffService
    from wardconsole.ui.handoff.context import HandoffUi
    from wardconsole.ui.widgets.follows_session import SessionLabel

    handoff = HandoffUi(
        service=HandoffService(world.db),
        write_report=lambda shift, path, progress: path,
        ward_name="Ward 7 — Detox",
    )
    window = make_secure_window(FakeWard(demo_ward()), world, handoff=handoff)
    editor = window.handoff_menu.open_editor()
    board = window.handoff_menu.open_board()
    assert editor is not None and board is not None
    assert editor.actor_label.text() == "Working as Adaeze Okafor (nurse)"
    assert board.actor_label.text() == "Working as Adaeze Okafor (nurse)"
    qtbot.waitUntil(lambda: board.board is not None)
    assert board.sign_button.toolTip() == "Only a supervisor can review and sign handoffs"
    dialog = QDialog(window)
    who = SessionLabel(
        lambda: (
            f"Recording as {world.session.actor.display_name}"
            if world.session.actor
            else "Nobody signed in"
        ),
        dialog,
    )
    dialog.open()
    qtbot.waitExposed(dialog)
    assert who.text() == "Recording as Adaeze Okafor"

    window.access.sign_out_action.trigger()
    assert editor.actor_label.text() == "Not signed in"
    _unlock(qtbot, window, "sn.harrow")
    assert world.session.current_actor().staff_code == "sn.harrow"
    assert editor.actor_label.text() == "Working as Gwen Harrow (supervisor)"
    assert board.actor_label.text() == "Working as Gwen Harrow (supervisor)"
    assert board.sign_button.toolTip() != "Only a supervisor can review and sign handoffs"
    assert who.text() == "Recording as Gwen Harrow"
    naming_the_user = [
        label.text()
        for top in QApplication.topLevelWidgets()
        if top.isVisible()
        for label in top.findChildren(QLabel)
        if label.text().startswith(("Working as", "Recording as", "Signed in:"))
    ]
    assert len(naming_the_user) >= 4
    assert all("Gwen Harrow" in text for text in naming_the_user), naming_the_user
    dialog.reject()
