"""Staff management by supervisors: add, deactivate, reset; nurses and read-only staff cannot."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wardconsole.services.context import (
    Actor,
    InvalidInput,
    PermissionDenied,
    Role,
    ServiceError,
)
from wardconsole.services.db import Database
from wardconsole.services.staff import StaffService, hash_password, verify_password
from wardconsole.store.models import AuditRow, Staff


@pytest.fixture
def staff(db: Database) -> StaffService:
    return StaffService(db)


@pytest.fixture
def supervisor(staff: StaffService) -> Actor:
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, "supervisor-pass-1")
    return staff.actor("sn.harrow", "Office")


def test_passwords_are_stored_only_as_salted_scrypt_hashes(
    staff: StaffService, db: Database
) -> None:
    staff_id = staff.add("rn.a", "A Nurse", Role.NURSE, "correct-horse-1")
    with db.read() as session:
        stored = session.get_one(Staff, staff_id).password_hash
    assert stored is not None and stored.startswith("scrypt$")
    assert "correct-horse-1" not in stored
    assert verify_password("correct-horse-1", stored)
    assert not verify_password("correct-horse-2", stored)
    assert hash_password("same") != hash_password("same")  # salted
    assert not verify_password("x", "garbage") and not verify_password("x", "scrypt$1$2$3$!$!")


def test_a_supervisor_adds_resets_and_deactivates_accounts_all_audited(
    staff: StaffService, supervisor: Actor, db: Database
) -> None:
    nurse_id = staff.add("rn.new", "New Nurse", Role.NURSE, "first-password", by=supervisor)
    staff.reset_password(supervisor, nurse_id, "second-password")
    staff.set_active(supervisor, nurse_id, False)
    accounts = {a.staff_code: a for a in staff.list_staff(supervisor)}
    assert set(accounts) == {"sn.harrow", "rn.new"}  # never the automatic account
    assert accounts["rn.new"].active is False and accounts["rn.new"].has_password
    with db.read() as session:
        actions = [
            (r.action, r.staff_id)
            for r in session.scalars(
                select(AuditRow).where(AuditRow.entity_id == nurse_id).order_by(AuditRow.id)
            )
        ]
    assert actions == [
        ("add_staff", supervisor.staff_id),
        ("reset_password", supervisor.staff_id),
        ("deactivate_staff", supervisor.staff_id),
    ]


@pytest.mark.parametrize("role", [Role.NURSE, Role.READONLY])
def test_only_supervisors_manage_staff(staff: StaffService, supervisor: Actor, role: Role) -> None:
    staff.add("someone", "Some One", role, "someone-pass-1")
    someone = staff.actor("someone", "Station A")
    with pytest.raises(PermissionDenied):
        staff.add("rn.x", "X", Role.NURSE, "long-enough-1", by=someone)
    with pytest.raises(PermissionDenied):
        staff.list_staff(someone)
    with pytest.raises(PermissionDenied):
        staff.reset_password(someone, supervisor.staff_id, "long-enough-1")
    with pytest.raises(PermissionDenied):
        staff.set_active(someone, supervisor.staff_id, False)


def test_the_console_cannot_create_an_automatic_account(
    staff: StaffService, supervisor: Actor
) -> None:
    with pytest.raises(InvalidInput) as caught:
        staff.add("robot", "Robot", Role.SYSTEM, None, by=supervisor)
    assert "role" in caught.value.problems


def test_bad_account_details_name_every_field(staff: StaffService, supervisor: Actor) -> None:
    with pytest.raises(InvalidInput) as caught:
        staff.add("x", " ", Role.NURSE, "short", by=supervisor)
    assert set(caught.value.problems) == {"staff_code", "display_name", "password"}
    assert "local policy" in caught.value.problems["password"]
    with pytest.raises(InvalidInput) as same:
        staff.add("rn.samename", "Same", Role.NURSE, "RN.SAMENAME", by=supervisor)
    assert "staff ID" in same.value.problems["password"]
    with pytest.raises(InvalidInput) as taken:
        staff.add("sn.harrow", "Twin", Role.NURSE, "long-enough-1", by=supervisor)
    assert "already in use" in taken.value.problems["staff_code"]


def test_the_last_supervisor_and_yourself_cannot_be_deactivated(
    staff: StaffService, supervisor: Actor
) -> None:
    with pytest.raises(ServiceError, match="your own"):
        staff.set_active(supervisor, supervisor.staff_id, False)
    other = staff.add("sn.other", "Other Sup", Role.SUPERVISOR, "other-pass-12", by=supervisor)
    staff.set_active(supervisor, other, False)
    second = staff.add("sn.third", "Third Sup", Role.SUPERVISOR, "third-pass-12", by=supervisor)
    third = staff.actor("sn.third", "Office")
    staff.set_active(third, supervisor.staff_id, False)
    # The deactivated supervisor's open session can no longer act at all (the staff list is
    # re-read inside the transaction), so the ward keeps its last active supervisor.
    with pytest.raises(ServiceError, match="no longer active"):
        staff.set_active(supervisor, second, False)
    assert [
        a.staff_code for a in staff.list_staff(third) if a.active and a.role is Role.SUPERVISOR
    ] == ["sn.third"]
