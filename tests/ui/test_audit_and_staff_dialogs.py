"""Supervisors' screens: the audit-trail browser with its filters, and staff management."""

from __future__ import annotations

import csv
import os
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox
from screenshots import grab_widget
from sqlalchemy import select
from wardfakes import NORMAL_SET

from wardconsole.services.audit import AuditQuery, AuditService
from wardconsole.services.context import Role
from wardconsole.services.outbox import QueueKind
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow
from wardconsole.ui.access.audit_dialog import AuditDialog
from wardconsole.ui.access.audit_model import AuditColumn, AuditTableModel
from wardconsole.ui.access.queue_dialog import QueueDialog
from wardconsole.ui.access.queue_model import QueueColumn, QueueTableModel
from wardconsole.ui.access.staff_dialog import NewAccountDialog, NewPasswordDialog, StaffDialog
from wardconsole.ui.access.staff_model import StaffColumn, StaffTableModel
from wardconsole.ui.theme import Theme, apply_theme

from .access_support import STATION, AccessWorld, world  # noqa: F401 - fixture

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _fill_trail(world: AccessWorld) -> None:  # noqa: F811
    nurse = world.actor("rn.okafor")
    recording = RecordingService(world.db)
    recording.record_observation(nurse, world.admission_id, NORMAL_SET)
    world.clock.advance(minutes=20)
    other = world.actor("rn.pereira")
    recording.record_observation(other, world.admission_id, {**NORMAL_SET, "pulse": 96})
    world.auth.record_lock(other, "idle")


@pytest.fixture
def audit_dialog(qtbot, world: AccessWorld) -> AuditDialog:  # noqa: F811
    _fill_trail(world)
    supervisor = world.actor("sn.harrow")
    dialog = AuditDialog(
        world.access.audit,
        lambda: supervisor,  # type: ignore[arg-type]
        runner=world.access.runner,
        now=lambda: world.clock.now + timedelta(minutes=5),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=10_000)
    yield dialog
    dialog.shutdown()


def _column(dialog: AuditDialog, column: AuditColumn) -> list[str]:
    return [dialog.proxy.index(r, column).data() for r in range(dialog.proxy.rowCount())]


def test_models_pass_the_model_tester(qtmodeltester, world: AccessWorld) -> None:  # noqa: F811
    _fill_trail(world)
    supervisor = world.actor("sn.harrow")
    audit_model = AuditTableModel()
    page = AuditService(world.db).search(supervisor, AuditQuery())
    audit_model.set_entries(page.entries)
    qtmodeltester.check(audit_model)
    staff_model = StaffTableModel()
    staff_model.set_accounts(StaffService(world.db).list_staff(supervisor))
    qtmodeltester.check(staff_model)
    queue_model = QueueTableModel()
    world.saves.outbox.enqueue(
        kind=QueueKind.ROUND,
        save_key="k",
        actor=supervisor,
        payload={},
        queued_at=world.clock.now,
        bed="A1",
        summary="Round: observations",
    )
    queue_model.set_entries(world.saves.outbox.visible())
    qtmodeltester.check(queue_model)


def test_the_trail_shows_who_did_what_to_whom_newest_first(audit_dialog: AuditDialog) -> None:
    actions = _column(audit_dialog, AuditColumn.ACTION)
    assert actions[:3] == ["Station locked", "Recorded vital signs", "Recorded vital signs"]
    assert _column(audit_dialog, AuditColumn.WHO)[1] == "Marta Pereira (rn.pereira)"
    assert _column(audit_dialog, AuditColumn.PATIENT)[1] == "Thornbury, Maya (KD100001)"
    assert _column(audit_dialog, AuditColumn.STATION)[1] == STATION
    assert "entries, newest first" in audit_dialog.status.text()


def test_filters_by_patient_who_and_action(qtbot, audit_dialog: AuditDialog) -> None:
    qtbot.keyClicks(audit_dialog.patient, "thornbury")
    qtbot.keyClick(audit_dialog.patient, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Station locked" not in _column(audit_dialog, AuditColumn.ACTION))
    assert set(_column(audit_dialog, AuditColumn.PATIENT)) == {"Thornbury, Maya (KD100001)"}
    audit_dialog.who.setCurrentIndex(audit_dialog.who.findText("Adaeze Okafor (rn.okafor)"))
    audit_dialog.action.setCurrentIndex(audit_dialog.action.findText("Recorded vital signs"))
    qtbot.mouseClick(audit_dialog.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: audit_dialog.model.rowCount() == 1)
    assert _column(audit_dialog, AuditColumn.WHO) == ["Adaeze Okafor (rn.okafor)"]
    audit_dialog.patient.setText("nobody-like-this")
    qtbot.mouseClick(audit_dialog.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: audit_dialog.model.rowCount() == 0)
    assert audit_dialog.status.text() == "No entry matches these filters."


def test_the_date_range_narrows_the_trail(
    qtbot,
    audit_dialog: AuditDialog,
    world: AccessWorld,  # noqa: F811
) -> None:
    since = audit_dialog.since.dateTime()
    # "To" is an hour past now: from 70 minutes before it is the last ten minutes.
    audit_dialog.since.setDateTime(audit_dialog.until.dateTime().addSecs(-70 * 60))
    qtbot.mouseClick(audit_dialog.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: audit_dialog.model.rowCount() == 2)
    assert _column(audit_dialog, AuditColumn.ACTION) == ["Station locked", "Recorded vital signs"]
    assert since < audit_dialog.since.dateTime()


def test_exporting_the_trail_writes_a_csv_and_is_itself_audited(
    qtbot,
    audit_dialog: AuditDialog,
    world: AccessWorld,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "trail.csv"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV files (*.csv)")
    )
    shown = audit_dialog.proxy.rowCount()
    qtbot.mouseClick(audit_dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported" in audit_dialog.status.text())
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [c.title for c in AuditColumn] and len(rows) == shown + 1

    def exported() -> list[dict]:
        with world.db.read() as session:
            return [
                r.detail
                for r in session.scalars(select(AuditRow).where(AuditRow.action == "export"))
            ]

    qtbot.waitUntil(lambda: bool(exported()))
    assert exported()[0]["what"] == "audit trail CSV" and exported()[0]["rows"] == shown


def test_audit_trail_screenshot_at_night(qtbot, qapp, audit_dialog: AuditDialog) -> None:
    apply_theme(qapp, Theme.NIGHT)
    audit_dialog.resize(1340, 600)
    audit_dialog.model.set_entries(())
    qtbot.mouseClick(audit_dialog.search_button, Qt.MouseButton.LeftButton)  # laid out at night
    qtbot.waitUntil(lambda: audit_dialog.model.rowCount() > 0)
    path = grab_widget(audit_dialog, DOCS / "audit-trail-night.png")
    assert path.stat().st_size > 10_000


# -- staff management ---------------------------------------------------------------------------


@pytest.fixture
def staff_dialog(qtbot, world: AccessWorld) -> StaffDialog:  # noqa: F811
    supervisor = world.actor("sn.harrow")
    dialog = StaffDialog(
        world.access.staff,
        lambda: supervisor,  # type: ignore[arg-type]
        runner=world.access.runner,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 4, timeout=10_000)
    yield dialog
    dialog.shutdown()


def _staff_rows(dialog: StaffDialog) -> dict[str, str]:
    return {
        dialog.model.index(r, StaffColumn.CODE).data(): dialog.model.index(
            r, StaffColumn.STATUS
        ).data()
        for r in range(dialog.model.rowCount())
    }


def _select(dialog: StaffDialog, code: str) -> None:
    row = next(
        r
        for r in range(dialog.model.rowCount())
        if dialog.model.index(r, StaffColumn.CODE).data() == code
    )
    dialog.table.selectRow(row)


def test_a_supervisor_adds_an_account(
    qtbot, staff_dialog: StaffDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        NewAccountDialog,
        "ask",
        classmethod(
            lambda cls, parent=None: {
                "staff_code": "rn.new",
                "display_name": "New Nurse",
                "role": Role.NURSE,
                "password": "a-good-first-one",
            }
        ),
    )
    qtbot.mouseClick(staff_dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "rn.new" in _staff_rows(staff_dialog))
    assert "Added New Nurse" in staff_dialog.status.text()


def test_a_refused_account_says_why(
    qtbot, staff_dialog: StaffDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(
        [
            {
                "staff_code": "rn.new",
                "display_name": "New",
                "role": Role.NURSE,
                "password": "short",
            },
            {
                "staff_code": "rn.okafor",
                "display_name": "Twin",
                "role": Role.NURSE,
                "password": "a-long-enough-one",
            },
        ]
    )
    monkeypatch.setattr(
        NewAccountDialog, "ask", classmethod(lambda cls, parent=None: next(answers))
    )
    qtbot.mouseClick(staff_dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "local policy" in staff_dialog.status.text())
    assert staff_dialog.status.text().startswith("✖ Not saved")
    qtbot.mouseClick(staff_dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already in use" in staff_dialog.status.text())
    assert set(_staff_rows(staff_dialog)) == {"rn.okafor", "rn.pereira", "sn.harrow", "vc.visitor"}


def test_deactivate_reactivate_and_reset(
    qtbot,
    staff_dialog: StaffDialog,
    world: AccessWorld,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes
    )
    _select(staff_dialog, "rn.pereira")
    qtbot.mouseClick(staff_dialog.deactivate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _staff_rows(staff_dialog)["rn.pereira"] == "DEACTIVATED")
    assert staff_dialog.reactivate_button.isEnabled()
    qtbot.mouseClick(staff_dialog.reactivate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _staff_rows(staff_dialog)["rn.pereira"] == "Active")
    monkeypatch.setattr(
        NewPasswordDialog, "ask", classmethod(lambda cls, account, parent=None: "a-brand-new-one")
    )
    qtbot.mouseClick(staff_dialog.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "New password set" in staff_dialog.status.text())
    assert world.auth.sign_in("rn.pereira", "a-brand-new-one", STATION).actor.staff_code


def test_the_new_account_form_refuses_two_different_passwords(qtbot) -> None:
    form = NewAccountDialog()
    qtbot.addWidget(form)
    form.show()
    form.password.setText("one-password-x")
    form.repeat.setText("another-one-y")
    form._on_accept_requested()
    assert form.result() != QDialog.DialogCode.Accepted
    assert "not the same" in form.problems.text() and form.password.text() == ""


def test_staff_accounts_screenshot(qtbot, qapp, staff_dialog: StaffDialog) -> None:
    apply_theme(qapp, Theme.NIGHT)
    _select(staff_dialog, "rn.okafor")
    path = grab_widget(staff_dialog, DOCS / "staff-accounts-night.png")
    assert path.stat().st_size > 5_000


def test_supervisors_see_the_record_verified_and_a_loud_notice_after_tampering(
    qtbot,
    world: AccessWorld,  # noqa: F811
) -> None:
    from sqlalchemy import text

    _fill_trail(world)
    supervisor = world.actor("sn.harrow")
    world.clock.advance(minutes=5)  # past the settle window: the rows get sealed

    def opened() -> AuditDialog:
        dialog = AuditDialog(
            world.access.audit,
            lambda: supervisor,  # type: ignore[arg-type]
            runner=world.access.runner,
        )
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: "Checking" not in dialog.record_check.text(), timeout=10_000)
        return dialog

    dialog = opened()
    assert dialog.record_check.text().startswith("✔ Record verified at")
    assert dialog.record_check.property("tone") == "ok"
    dialog.shutdown()
    with world.db.engine.begin() as connection:  # someone edits a set outside the console
        connection.execute(text("UPDATE observation_sets SET pulse = 60"))
    dialog = opened()
    assert "RECORD VERIFICATION FAILED" in dialog.record_check.text()
    assert "observation_sets row" in dialog.record_check.text()
    assert dialog.record_check.property("tone") == "alert"
    dialog.shutdown()


# -- the station's queue --------------------------------------------------------------------------


def test_an_entry_that_needs_attention_is_shown_with_why_and_can_be_dismissed(
    qtbot,
    qapp,
    world: AccessWorld,  # noqa: F811
    tmp_path: Path,
) -> None:
    shots = Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path))
    nurse = world.actor("rn.okafor")
    outbox = world.saves.outbox
    for key, summary in (("k1", "Round: observations"), ("k2", "PRN: Lorazepam 1 mg")):
        outbox.enqueue(
            kind=QueueKind.ROUND,
            save_key=key,
            actor=nurse,
            payload={},
            queued_at=world.clock.now,
            bed="A1",
            summary=summary,
        )
    stuck = outbox.waiting()[0]
    outbox.set_aside(stuck.seq, "KeyError: 'entry'")
    dialog = QueueDialog(world.saves, runner=world.access.runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10_000)
    states = [dialog.model.index(r, QueueColumn.STATE).data() for r in range(2)]
    assert states[0].startswith("⚠ NEEDS ATTENTION") and "KeyError: 'entry'" in states[0]
    assert states[1].startswith("⏳ Waiting")
    dialog.table.selectRow(1)
    assert not dialog.dismiss_button.isEnabled()  # a waiting entry is never dismissed
    dialog.table.selectRow(0)
    assert dialog.dismiss_button.isEnabled()
    assert "Not written: KeyError: 'entry'. Enter it again by hand" in dialog.status.text()
    for theme, name in ((Theme.DAY, "day"), (Theme.NIGHT, "night")):
        apply_theme(qapp, theme)
        dialog.resize(1000, 360)
        shot = grab_widget(dialog, shots / f"queue-needs-attention-{name}.png")
        assert shot.stat().st_size > 5_000
    qtbot.mouseClick(dialog.dismiss_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10_000)
    assert [e.save_key for e in outbox.visible()] == ["k2"]
    dialog.shutdown()
