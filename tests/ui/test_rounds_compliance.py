"""The supervisor's compliance view for a shift, on the demo ward."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication
from screenshots import grab_widget

from wardconsole.services.observation_levels import ObservationLevelService
from wardconsole.services.staff import StaffService
from wardconsole.ui.checks.compliance_dialog import ComplianceDialog
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme, apply_theme

from .test_rounds import Ward, demo_file, ward  # noqa: F401 - shared demo-ward fixtures


def test_compliance_for_the_night_so_far_and_the_shift_before(
    qtbot,
    qtmodeltester,
    ward: Ward,  # noqa: F811
    tmp_path: Path,
) -> None:
    supervisor = StaffService(ward.db).actor("sn.harrow", "Nurses' station 1")
    ward.clock.advance(minutes=30)  # the 15-minute and eyesight checks are now overdue
    runner = TaskRunner()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.NIGHT)
    dialog = ComplianceDialog(ObservationLevelService(ward.db), lambda: supervisor, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        qtbot.waitUntil(lambda: dialog.report is not None)
        report = dialog.report
        assert report is not None and not report.complete
        assert "Night shift" in dialog.shift_label.text()
        assert dialog.totals.text().startswith(f"{report.totals.due} checks due (shift in progress")
        assert report.totals.overdue >= 2
        assert dialog.patients.rowCount() == len(report.patients) > 10
        assert {n.nurse for n in report.nurses} <= {
            "Adaeze Okafor",
            "Sven Lindqvist",
            "Marta Pereira",
            "Jamie McCall",
        }
        qtmodeltester.check(dialog.patients)
        qtmodeltester.check(dialog.nurses)
        grab_widget(
            dialog, Path(os.environ.get("WARDCONSOLE_SHOT_DIR", tmp_path)) / "compliance-night.png"
        )
        assert not dialog.next_button.isEnabled()
        dialog.previous_button.click()
        qtbot.waitUntil(lambda: dialog.report is not None and dialog.report is not report)
        assert "Day shift" in dialog.shift_label.text()
        assert dialog.report.complete
        assert dialog.report.end - dialog.report.start == timedelta(hours=12)
    finally:
        runner.shutdown()
