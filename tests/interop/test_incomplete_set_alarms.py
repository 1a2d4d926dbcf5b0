"""The bedside-monitor feed and FHIR export with incomplete sets: a monitor's ORU^R01 (no ACVPU,
no oxygen item) alarms on its known values; an export never writes a NEWS2 total for it."""

from __future__ import annotations

from datetime import timedelta

from interop_support import HOSPITAL_NUMBER
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.interop import codes as c
from wardconsole.interop.fhir_export import build_bundle
from wardconsole.interop.hl7_feed import MessageHandler
from wardconsole.services.census import CensusService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.interop import ExportService
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService


def _oru(control_id: str, at: str, *, pulse: int, spo2: int, systolic: int) -> bytes:
    """A monitor's ORU^R01 with HR, SpO2 and BP only (what the issue's example sends)."""
    return (
        "\r".join(
            [
                f"MSH|^~\\&|BEDSIDE|WARD7|WARDCONSOLE|WARD7|{at}||ORU^R01^ORU_R01|{control_id}|P|2.5.1",
                f"PID|1||{HOSPITAL_NUMBER}^^^HOSP^MR||Abernethy^Aled||19940501|M",
                f"OBR|1|||85353-1^Vital signs panel^LN|||{at}",
                f"OBX|1|NM|8867-4^Heart rate^LN||{pulse}|/min^beats per minute^UCUM|||||F|||{at}",
                f"OBX|2|NM|59408-5^SpO2 by pulse oximetry^LN||{spo2}|%^percent^UCUM|||||F|||{at}",
                f"OBX|3|NM|8480-6^Systolic BP^LN||{systolic}|mm[Hg]^mmHg^UCUM|||||F|||{at}",
            ]
        )
        + "\r"
    ).encode()


def test_a_monitor_oru_with_hr_150_spo2_82_sbp_85_raises_an_emergency(
    db: Database, nurse: Actor, supervisor: Actor, admission: int, clock: Clock
) -> None:
    RecordingService(db).record_observation(
        nurse, admission, NORMAL_SET, taken_at=clock.now - timedelta(hours=1)
    )
    assert CensusService(db).snapshot().rows[0].news2_text == "NEWS2 0 (low)"
    stamp = (clock.now - timedelta(minutes=2)).strftime("%Y%m%d%H%M%S+0000")
    monitor = StaffService(db).system_actor("Monitor gateway")
    outcome, _ack = MessageHandler(db, monitor).handle(
        _oru("MON1", stamp, pulse=150, spo2=82, systolic=85)
    )
    assert outcome.report is not None and outcome.report.sets_added == 1
    [escalation] = [
        e for e in EscalationService(db).open() if e.kind is EscalationKind.DETERIORATION
    ]
    assert escalation.severity is Severity.EMERGENCY
    assert "SpO2 3, SBP 3, HR 3" in escalation.explanation
    row = CensusService(db).snapshot().rows[0]
    assert row.news2_text == "NEWS2 incomplete — at least 9 (high)"

    # The export keeps the values, and writes no NEWS2 total for the incomplete set.
    bundle = build_bundle(ExportService(db).collect(supervisor, hospital_number=HOSPITAL_NUMBER))
    totals = [
        e["resource"]["valueQuantity"]["value"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == c.NEWS2_TOTAL_SNOMED
    ]
    assert totals == [0]  # the complete set only
