"""Observation levels and safety checks as one nursing station uses them.

The rounds view, the census menu and the level, check and compliance dialogs talk to this one
object. It binds the station and "who is acting" to ``ObservationLevelService`` so the UI passes
only what the nurse chose. Every method except ``policy``/``now`` blocks on the database: the UI
calls them on its background worker only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from wardconsole.domain.observation_levels import ObservationLevelPolicy
from wardconsole.domain.safety_checks import Presentation
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.observation_levels import ANY_LEVEL, ObservationLevelService
from wardconsole.services.observation_views import (
    CheckResult,
    ComplianceReport,
    LevelChange,
    LevelView,
    PatientChecks,
    RoundsSnapshot,
)
from wardconsole.services.text_rule import checks_text


class ObservationDesk:
    """One station's observation levels, check rounds and compliance report."""

    def __init__(
        self,
        db: Database,
        *,
        actor: Callable[[], Actor],
        service: ObservationLevelService | None = None,
    ) -> None:
        self._db = db
        self._service = service or ObservationLevelService(db)
        self._actor = actor

    # -- non-blocking --------------------------------------------------------------------------

    @property
    def policy(self) -> ObservationLevelPolicy:
        return self._service.policy

    def now(self) -> datetime:
        return self._db.clock()

    def this_shift(self) -> ShiftWindow:
        return self._db.shifts.this_shift(self._db.clock())

    def previous_shift(self, shift: ShiftWindow) -> ShiftWindow:
        return self._db.shifts.previous(shift)

    def following_shift(self, shift: ShiftWindow) -> ShiftWindow:
        return self._db.shifts.following(shift)

    # -- blocking: call on the background worker ---------------------------------------------

    def rounds(self) -> RoundsSnapshot:
        return self._service.rounds()

    def patient_checks(self, admission_id: int) -> PatientChecks:
        return self._service.patient_checks(admission_id)

    def level_history(self, admission_id: int) -> list[LevelView]:
        return self._service.level_history(admission_id)

    @checks_text
    def record_check(
        self,
        admission_id: int,
        presentation: Presentation,
        location: str,
        *,
        note: str = "",
        save_key: str | None = None,
    ) -> CheckResult:
        return self._service.record_check(
            self._actor(), admission_id, presentation, location, note=note, save_key=save_key
        )

    @checks_text
    def set_level(
        self,
        admission_id: int,
        level: str,
        *,
        reason: str,
        review_at: datetime | None,
        agreed_with: str = "",
        expected_current: int | object | None = ANY_LEVEL,
    ) -> LevelChange:
        return self._service.set_level(
            self._actor(),
            admission_id,
            level,
            reason=reason,
            review_at=review_at,
            agreed_with=agreed_with,
            expected_current=expected_current,
        )

    @checks_text
    def compliance(self, shift: ShiftWindow) -> ComplianceReport:
        return self._service.compliance(self._actor(), shift.start, shift.end, shift.label)
