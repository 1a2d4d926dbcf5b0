"""Governance that holds: the policy that raised each escalation, one policy per ward, unsigned
policy shown, and an emergency never silenced by one person alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from wardfakes import Clock

from wardconsole.domain.configfiles import default_policy_file
from wardconsole.domain.follow_up import load_follow_up_policy
from wardconsole.domain.policy import load_policy
from wardconsole.domain.records import EscalationKind, EscalationState, Severity
from wardconsole.services.context import Actor, PermissionDenied, Role
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService, SecondPersonNeeded
from wardconsole.services.governance import GovernanceService, PolicyMismatch
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow

SICK = {
    "respiration_rate": 26,
    "spo2": 91,
    "on_oxygen": False,
    "systolic_bp": 95,
    "diastolic_bp": 60,
    "pulse": 132,
    "consciousness": "A",
    "temperature": 39.2,
}


def _emergency(db: Database, nurse: Actor, admission: int) -> int:
    RecordingService(db).record_observation(nurse, admission, SICK)
    [esc] = [e for e in EscalationService(db).open() if e.kind is EscalationKind.DETERIORATION]
    assert esc.severity is Severity.EMERGENCY
    return esc.id


def _other_policy_db(engine: Engine, clock: Clock) -> Database:
    """A station on the same database whose escalation policy file differs."""
    policy = load_policy()
    return Database(engine, clock=clock, policy=replace(policy, digest="f" * 64))


def test_each_escalation_stores_the_policy_that_raised_it_and_shows_it_on_the_trail(
    db: Database, nurse: Actor, admission: int
) -> None:
    esc_id = _emergency(db, nurse, admission)
    info = EscalationService(db).get(esc_id)
    assert info.policy_digest == db.policy_digest and len(db.policy_digest) == 64
    raised = EscalationService(db).trail(esc_id)[0]
    assert (raised.action, raised.policy_digest) == ("raised", db.policy_digest)


def test_declining_an_emergency_needs_a_second_member_of_staff_and_records_both(
    db: Database, nurse: Actor, colleague: Actor, admission: int
) -> None:
    service = EscalationService(db)
    esc_id = _emergency(db, nurse, admission)
    version = service.get(esc_id).version
    assert service.needs_second_person(esc_id)
    with pytest.raises(SecondPersonNeeded, match="second member of staff"):
        service.decline(nurse, esc_id, version, "Known baseline")
    with pytest.raises(SecondPersonNeeded, match="someone other than the one who declines"):
        service.decline(nurse, esc_id, version, "Known baseline", confirmed_by=nurse)
    with pytest.raises(SecondPersonNeeded):
        service.snooze(nurse, esc_id, version, 10, "Doctor at the bedside")
    assert service.get(esc_id).state is EscalationState.OPEN  # nothing changed
    service.decline(nurse, esc_id, version, "Known baseline", confirmed_by=colleague)
    info = service.get(esc_id)
    assert info.state is EscalationState.RESOLVED and info.resolved_by == "Robin Test"
    last = service.trail(esc_id)[-1]
    assert (last.staff, last.confirmed_by) == ("Robin Test", "Sam Second")
    with db.read() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "escalation_not_escalated")
        ).one()
    assert audit.detail["confirmed_by"] == "rn.second"


def test_a_read_only_account_cannot_be_the_second_person(
    db: Database, nurse: Actor, admission: int
) -> None:
    staff = StaffService(db)
    staff.add("ro.visitor", "Vera Visitor", Role.READONLY, None)
    visitor = staff.actor("ro.visitor", "Station A")
    service = EscalationService(db)
    esc_id = _emergency(db, nurse, admission)
    with pytest.raises(SecondPersonNeeded, match="Vera Visitor may not confirm this"):
        service.decline(nurse, esc_id, service.get(esc_id).version, "Known", confirmed_by=visitor)


def test_the_second_person_can_be_switched_off_by_policy_and_urgent_needs_one_person(
    engine: Engine, clock: Clock, nurse: Actor, admission: int
) -> None:
    relaxed = Database(
        engine, clock=clock, policy=replace(load_policy(), second_person_for_emergency=False)
    )
    service = EscalationService(relaxed)
    esc_id = _emergency(relaxed, nurse, admission)
    assert not service.needs_second_person(esc_id)
    service.decline(nurse, esc_id, service.get(esc_id).version, "Known baseline")
    assert service.get(esc_id).state is EscalationState.RESOLVED


def test_the_first_station_sets_the_ward_policy_and_a_different_station_says_so(
    db: Database, engine: Engine, clock: Clock, nurse: Actor, admission: int
) -> None:
    governance = GovernanceService(db)
    assert governance.status().ward_digest is None
    status = governance.ensure_ward_policy(nurse)
    assert status.matches and status.ward_digest == db.policy_digest
    assert governance.ensure_ward_policy(nurse).adopted_by == "Robin Test"  # recorded once

    other = _other_policy_db(engine, clock)
    other_status = GovernanceService(other).status()
    assert not other_status.matches
    assert "time-driven alarms (overdue observations, missed checks) are NOT run" in (
        other_status.mismatch_message
    )
    clock.advance(hours=13)  # observations are overdue
    with pytest.raises(PolicyMismatch):
        EscalationService(other).evaluate_ward(nurse)
    assert all(e.kind is not EscalationKind.OVERDUE_OBS for e in EscalationService(db).open())
    # The ward's own station runs them.
    EscalationService(db).evaluate_ward(nurse)
    assert any(e.kind is EscalationKind.OVERDUE_OBS for e in EscalationService(db).open())


def test_only_a_supervisor_adopts_another_policy_with_a_reason(
    db: Database, engine: Engine, clock: Clock, nurse: Actor
) -> None:
    GovernanceService(db).ensure_ward_policy(nurse)
    other = GovernanceService(_other_policy_db(engine, clock))
    with pytest.raises(PermissionDenied):
        other.adopt(nurse, "Reviewed change 12")
    staff = StaffService(db)
    staff.add("sn.super", "Sue Pervisor", Role.SUPERVISOR, None)
    supervisor = staff.actor("sn.super", "Station B")
    status = other.adopt(supervisor, "Reviewed change 12")
    assert status.matches and status.adopted_by == "Sue Pervisor"
    assert not GovernanceService(db).status().matches  # now the first station differs


def test_a_station_with_other_follow_up_limits_is_not_the_wards_until_adopted(
    db: Database, engine: Engine, clock: Clock, nurse: Actor, admission: int, tmp_path: Path
) -> None:
    """follow_up.toml is part of the ward's policy: a station whose follow-up limits differ
    raises no overdue follow-up on its own numbers, and a supervisor adopts it like any file."""
    from wardconsole.services.discharge import DischargeService

    GovernanceService(db).ensure_ward_policy(nurse)
    bundled = default_policy_file("follow_up.toml").read_text(encoding="utf-8")
    edited = tmp_path / "follow_up.toml"
    edited.write_text(
        bundled.replace('version = "0.1-draft"', 'version = "0.2-local"').replace(
            "standard_hours = 72", "standard_hours = 48"
        ),
        encoding="utf-8",
    )
    other = Database(engine, clock=clock, follow_up_policy=load_follow_up_policy(edited))
    assert other.policy_digest != db.policy_digest
    status = GovernanceService(other).status()
    assert not status.matches and "follow-up 0.2-local" in status.station_version
    discharge = DischargeService(db)
    discharge.discharge(
        nurse,
        admission,
        destination="outpatient_programme",
        summary=discharge.draft(admission).text,
    )
    clock.advance(hours=50)  # past 48 h, not yet 72 h
    with pytest.raises(PolicyMismatch):
        EscalationService(other).evaluate_ward(nurse)
    staff = StaffService(db)
    staff.add("sn.super", "Sue Pervisor", Role.SUPERVISOR, None)
    adopted = GovernanceService(other).adopt(
        staff.actor("sn.super", "Station B"), "Reviewed change 14"
    )
    assert adopted.matches and "follow-up 0.2-local" in (adopted.ward_version or "")
    assert not GovernanceService(db).status().matches  # the bundled 72 h is no longer the ward's


def test_unsigned_policy_files_are_named(db: Database) -> None:
    status = GovernanceService(db).status()
    assert status.unsigned == (
        "escalation policy",
        "observation levels",
        "withdrawal chart",
        "formulary",
        "fluid chart",
        "weights",
        "sleep",
        "follow-up after discharge",
    )
    assert status.unsigned_message.startswith("Local policy not signed off: escalation policy")
    signed = replace(load_policy(), governance_signoff="Ward governance 2027-01-12")
    other = Database(db.engine, clock=db.clock, policy=signed)
    assert "escalation policy" not in GovernanceService(other).status().unsigned


def test_a_colleague_signs_in_to_confirm_without_changing_who_is_signed_in(
    db: Database, nurse: Actor
) -> None:
    from wardconsole.domain.access import load_access_policy
    from wardconsole.services.auth import AuthService
    from wardconsole.services.sign_in import SignInRefused

    staff = StaffService(db)
    staff.add("rn.second", "Sam Second", Role.NURSE, "night-shift-42")
    staff.add("rn.third", "Tom Third", Role.NURSE, "night-shift-43")
    auth = AuthService(db, load_access_policy())
    second = auth.confirm_second_person("rn.second", "night-shift-42", "Station A", first=nurse)
    assert (second.display_name, second.station) == ("Sam Second", "Station A")
    with pytest.raises(SignInRefused):
        auth.confirm_second_person("rn.third", "wrong password!", "Station A", first=nurse)
    with db.read() as session:
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.staff_id == second.staff_id)
        ).all()
    assert "confirm_second_person" in actions
