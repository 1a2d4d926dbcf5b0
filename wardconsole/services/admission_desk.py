"""Admission, bed moves, discharge and patient history as one nursing station performs them.

The admission, bed-move, discharge and patient-search dialogs talk to this one object. It binds
"who is acting" (asked at each action, so a station whose signed-in member of staff changes
attributes every step to whoever is there now) to ``AdmissionService`` and
``DischargeService``. Every method except ``can``/``acting_as`` blocks on the database: the UI
calls them on its background worker only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from wardconsole.domain.admission_records import AdmissionDetail, BedStay, HistoryHit
from wardconsole.domain.discharge import Destination
from wardconsole.services.admissions import (
    AdmissionChoices,
    AdmissionService,
    IntakeRecord,
    NewPatient,
    NumberCheck,
)
from wardconsole.services.context import Actor, Permission, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeDraft, DischargeService, PatientRecord
from wardconsole.services.text_rule import checks_text, checks_text_as


class AdmissionDesk:
    """One station's admission and discharge actions (see the module docstring)."""

    def __init__(self, db: Database, *, actor: Callable[[], Actor]) -> None:
        self._admissions = AdmissionService(db)
        self._discharges = DischargeService(db)
        self._actor = actor

    # -- non-blocking --------------------------------------------------------------------------

    def can(self, permission: Permission) -> bool:
        """False also when nobody is signed in at this station."""
        try:
            return self._actor().can(permission)
        except ServiceError:
            return False

    @property
    def acting_as(self) -> str:
        try:
            actor = self._actor()
        except ServiceError:
            return "nobody signed in"
        return f"{actor.display_name} · {actor.station}"

    def _reader(self) -> Actor | None:
        """Who is reading (a discharged stay needs the history permission); None when nobody
        is signed in, which reads only stays still open."""
        try:
            return self._actor()
        except ServiceError:
            return None

    # -- blocking: call on the background worker ---------------------------------------------

    def choices(self) -> AdmissionChoices:
        return self._admissions.choices()

    @checks_text
    def check_hospital_number(self, hospital_number: str) -> NumberCheck:
        return self._admissions.check_hospital_number(hospital_number)

    @checks_text
    def admit(
        self,
        patient: NewPatient,
        *,
        bed: str | None,
        admitted_at: datetime | None,
        reason: str,
        assigned_nurse_id: int | None,
        care_setting: str,
        intake: Mapping[str, Any],
        readmission: bool,
    ) -> int:
        return self._admissions.admit(
            self._actor(),
            patient,
            bed=bed,
            admitted_at=admitted_at,
            reason=reason,
            assigned_nurse_id=assigned_nurse_id,
            care_setting=care_setting,
            intake=intake,
            readmission=readmission,
        )

    def admission(self, admission_id: int) -> AdmissionDetail:
        return self._admissions.admission(admission_id, reader=self._reader())

    def intake(self, admission_id: int) -> IntakeRecord:
        return self._admissions.intake(admission_id, reader=self._reader())

    @checks_text
    def amend_intake(
        self,
        admission_id: int,
        section: str,
        content: Mapping[str, Any],
        *,
        reason: str,
        expected_version: int | None,
    ) -> tuple[str, ...]:
        return self._admissions.amend_intake(
            self._actor(),
            admission_id,
            section,
            content,
            reason=reason,
            expected_version=expected_version,
        )

    @checks_text
    def amend_intake_sections(
        self,
        admission_id: int,
        sections: Mapping[str, Mapping[str, Any]],
        *,
        reason: str,
        expected_version: int | None,
    ) -> tuple[str, ...]:
        return self._admissions.amend_intake_sections(
            self._actor(), admission_id, sections, reason=reason, expected_version=expected_version
        )

    def bed_history(self, admission_id: int) -> list[BedStay]:
        return self._admissions.bed_history(admission_id, reader=self._reader())

    @checks_text
    def move_bed(
        self, admission_id: int, to_bed: str, *, reason: str, expected_version: int | None
    ) -> None:
        self._admissions.move_bed(
            self._actor(), admission_id, to_bed, reason=reason, expected_version=expected_version
        )

    @checks_text
    def draft(
        self,
        admission_id: int,
        destination: Destination | None = None,
        detail: str = "",
        discharged_at: datetime | None = None,
    ) -> DischargeDraft:
        return self._discharges.draft(
            admission_id, destination, detail, discharged_at=discharged_at
        )

    @checks_text
    def discharge(
        self,
        admission_id: int,
        *,
        destination: Destination,
        summary: str,
        detail: str,
        discharged_at: datetime | None,
        expected_version: int | None,
    ) -> None:
        self._discharges.discharge(
            self._actor(),
            admission_id,
            destination=destination,
            summary=summary,
            detail=detail,
            discharged_at=discharged_at,
            expected_version=expected_version,
        )

    @checks_text_as(text="search")
    def search(self, text: str) -> list[HistoryHit]:
        return self._discharges.search(self._actor(), text)

    def record(self, patient_id: int) -> PatientRecord:
        return self._discharges.record(self._actor(), patient_id)
