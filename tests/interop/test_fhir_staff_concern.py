"""A staff concern leaves the console like every escalation: as a FHIR Flag."""

from __future__ import annotations

from interop_support import HOSPITAL_NUMBER

from wardconsole.domain.records import Severity
from wardconsole.interop import codes as c
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.interop import ExportService


def test_a_staff_concern_is_exported_as_an_active_flag(
    db: Database, nurse: Actor, supervisor: Actor, admission: int
) -> None:
    EscalationService(db).raise_concern(nurse, admission, Severity.EMERGENCY, "Hard to rouse")
    bundle = build_bundle(ExportService(db).collect(supervisor, hospital_number=HOSPITAL_NUMBER))
    [flag] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert flag["status"] == "active"
    assert flag["code"]["coding"][0]["code"] == f"{c.LOCAL_ESCALATION}staff_concern"
    assert flag["code"]["text"] == "Staff concern (Emergency): Robin Test: Hard to rouse"
