"""Signing in at a shared station: only the right people get in, and every try is audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from wardconsole.domain.access import AccessPolicy, load_access_policy
from wardconsole.services.auth import NOT_RECOGNISED, AuthService, mark_demo_ward
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.sign_in import (
    DEMO_PASSWORD,
    FIRST_ACCOUNT_COMMAND,
    SignInPurpose,
    SignInRefused,
)
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow

PASSWORD = "night-shift-42"


@pytest.fixture
def access() -> AccessPolicy:
    return replace(
        load_access_policy(),
        free_attempts=3,
        longest_delay=timedelta(minutes=15),
        account_delay_cap=timedelta(seconds=60),
        station_delay_cap=timedelta(seconds=3),
    )


@pytest.fixture
def auth(db: Database, access: AccessPolicy) -> AuthService:
    return AuthService(db, access)


@pytest.fixture
def okafor(db: Database, access: AccessPolicy) -> int:
    return StaffService(db, access).add("rn.okafor", "Adaeze Okafor", Role.NURSE, PASSWORD)


def _audit(db: Database, action: str) -> list[AuditRow]:
    with db.read() as session:
        return list(
            session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.id))
        )


def test_a_nurse_signs_in_with_staff_id_and_password(
    db: Database, auth: AuthService, okafor: int
) -> None:
    signed = auth.sign_in("rn.okafor", PASSWORD, "Station A")
    assert signed.actor == Actor(okafor, "rn.okafor", "Adaeze Okafor", Role.NURSE, "Station A")
    [row] = _audit(db, "sign_in")
    assert (row.staff_id, row.station) == (okafor, "Station A")


def test_wrong_password_and_unknown_id_get_the_same_answer_and_are_audited(
    db: Database, auth: AuthService, okafor: int
) -> None:
    with pytest.raises(SignInRefused) as wrong:
        auth.sign_in("rn.okafor", "not-my-password", "Station A")
    with pytest.raises(SignInRefused) as unknown:
        auth.sign_in("rn.nobody", "whatever-it-is", "Station A")
    assert str(wrong.value) == str(unknown.value)
    assert str(wrong.value).startswith(NOT_RECOGNISED)
    assert "After 3 wrong tries in a row, each further try with that ID waits" in str(wrong.value)
    failed = _audit(db, "sign_in_failed")
    assert [r.staff_id for r in failed] == [okafor, None]
    assert failed[0].detail["staff_code"] == "rn.okafor"
    # An unknown ID is kept only as a keyed hash: it may be a password typed in the wrong field.
    assert "staff_code" not in failed[1].detail and len(failed[1].detail["id_hash"]) == 16
    assert all(
        text not in str(r.detail) for r in failed for text in (PASSWORD, "whatever", "nobody")
    )


def test_a_supervisor_reset_ends_the_wait(
    db: Database, auth: AuthService, okafor: int, access: AccessPolicy
) -> None:
    staff = StaffService(db, access)
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, "supervisor-pass-1")
    supervisor = auth.sign_in("sn.harrow", "supervisor-pass-1", "Office").actor
    for _ in range(3):
        with pytest.raises(SignInRefused):
            auth.sign_in("rn.okafor", "guess-guess-guess", "Station A")
    with pytest.raises(SignInRefused, match="paused"):
        auth.sign_in("rn.okafor", PASSWORD, "Station A")
    staff.reset_password(supervisor, okafor, "a-brand-new-one")
    assert auth.sign_in("rn.okafor", "a-brand-new-one", "Station A").actor.staff_id == okafor


def test_deactivated_accounts_and_the_automatic_account_cannot_sign_in(
    db: Database, auth: AuthService, okafor: int, access: AccessPolicy
) -> None:
    staff = StaffService(db, access)
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, "supervisor-pass-1")
    supervisor = auth.sign_in("sn.harrow", "supervisor-pass-1", "Office").actor
    staff.set_active(supervisor, okafor, False)
    with pytest.raises(SignInRefused, match="not recognised"):
        auth.sign_in("rn.okafor", PASSWORD, "Station A")
    staff.system_actor("Station A")
    with pytest.raises(SignInRefused):
        auth.sign_in("system", "", "Station A")


def test_unlock_by_another_nurse_is_audited_with_who_was_signed_in(
    db: Database, auth: AuthService, okafor: int, access: AccessPolicy
) -> None:
    StaffService(db, access).add("rn.pereira", "Marta Pereira", Role.NURSE, "pereira-pass-9")
    first = auth.sign_in("rn.okafor", PASSWORD, "Station A").actor
    auth.record_lock(first, "idle")
    second = auth.sign_in(
        "rn.pereira", "pereira-pass-9", "Station A", purpose=SignInPurpose.UNLOCK, previous=first
    ).actor
    [lock] = _audit(db, "lock")
    [unlock] = _audit(db, "unlock")
    assert (lock.staff_id, lock.detail) == (first.staff_id, {"reason": "idle"})
    assert (unlock.staff_id, unlock.detail) == (second.staff_id, {"previous": "rn.okafor"})


def test_an_empty_database_says_how_to_create_the_first_supervisor(
    db: Database, auth: AuthService
) -> None:
    StaffService(db).system_actor("Station A")
    setup = auth.setup()
    assert not setup.can_sign_in and setup.demo_password is None
    assert FIRST_ACCOUNT_COMMAND in setup.first_account_hint
    assert FIRST_ACCOUNT_COMMAND == 'wardconsole staff add ID "Name" --role supervisor'


def test_only_a_demo_ward_tells_the_demo_password(
    db: Database, auth: AuthService, okafor: int
) -> None:
    assert auth.setup().demo_password is None
    with db.transaction() as session:
        mark_demo_ward(session)
    setup = auth.setup()
    assert (setup.can_sign_in, setup.demo_password) == (True, DEMO_PASSWORD)
    assert setup.demo_accounts == (("rn.okafor", Role.NURSE),)


def test_the_access_policy_is_local_policy_with_sane_defaults() -> None:
    policy = load_access_policy()
    assert 1 <= policy.idle_lock_after.total_seconds() / 60 <= 15
    assert policy.free_attempts >= 3
    assert policy.station_delay_cap <= timedelta(seconds=5)
    assert policy.min_password_length >= 8
