"""Sign-in resists abuse without locking the ward out: growing waits instead of locks, one
code path (one password verification) for every answer, unknown IDs throttled like real ones,
and no typed text stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from wardfakes import Clock

from wardconsole.domain.access import AccessPolicy, load_access_policy
from wardconsole.domain.sign_in_throttle import Rule
from wardconsole.services import auth as auth_module
from wardconsole.services.auth import AuthService
from wardconsole.services.context import Role
from wardconsole.services.db import Database
from wardconsole.services.sign_in import SignInRefused
from wardconsole.services.staff import (
    OWASP_SCRYPT,
    ScryptCost,
    StaffService,
    hash_password,
    needs_rehash,
    password_cost,
    set_password_cost,
    verify_password,
)
from wardconsole.store.models import AuditRow, SignInThrottleRow, Staff

PASSWORD = "night-shift-42"
BOSS = "supervisor-pass-1"


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
    staff = StaffService(db, access)
    staff.add("rn.okafor", "Adaeze Okafor", Role.NURSE, PASSWORD)
    staff.add("rn.pereira", "Marta Pereira", Role.NURSE, "pereira-pass-9")
    staff.add("sn.harrow", "Gwen Harrow", Role.SUPERVISOR, BOSS)
    return AuthService(db, access)


def _refusal(auth: AuthService, code: str, password: str, station: str = "Station A") -> str:
    with pytest.raises(SignInRefused) as refused:
        auth.sign_in(code, password, station)
    return str(refused.value)


def test_after_the_free_tries_each_wrong_try_waits_longer_and_the_right_password_waits_too(
    auth: AuthService, clock: Clock
) -> None:
    messages = [_refusal(auth, "rn.okafor", "guess-guess-guess") for _ in range(3)]
    assert messages[0] == messages[1] == auth.not_recognised()
    assert "next try with this ID can be made in 1 second" in messages[2]
    # Inside the wait even the right password is refused, with the wait, not "wrong password".
    assert "paused" in _refusal(auth, "rn.okafor", PASSWORD)
    waits = []
    for _ in range(5):
        clock.advance(minutes=20)
        message = _refusal(auth, "rn.okafor", "guess-guess-guess")
        waits.append(message.split("made in ")[1].split(".")[0])
    assert waits == ["2 seconds", "4 seconds", "8 seconds", "16 seconds", "32 seconds"]
    clock.advance(seconds=33)
    assert auth.sign_in("rn.okafor", PASSWORD, "Station A").actor.staff_code == "rn.okafor"
    # A success clears the count: the next slip is free again.
    assert _refusal(auth, "rn.okafor", "slip-of-the-finger") == auth.not_recognised()


def test_the_wait_doubles_up_to_the_policy_ceiling() -> None:
    rule = Rule(3, timedelta(seconds=1), timedelta(minutes=15))
    waits = [rule.wait_after(n).total_seconds() for n in range(1, 16)]
    assert waits[:3] == [0, 0, 1]
    assert waits[3:11] == [2, 4, 8, 16, 32, 64, 128, 256]
    assert max(waits) == 900 and waits[-1] == 900
    assert rule.wait_after(10**6) == timedelta(minutes=15)


def test_unknown_ids_are_throttled_exactly_like_real_ones(auth: AuthService, clock: Clock) -> None:
    real = [_refusal(auth, "rn.okafor", "guess-guess-guess", "Bay 1") for _ in range(5)]
    clock.advance(hours=1)
    unknown = [_refusal(auth, "rn.nobody", "guess-guess-guess", "Bay 2") for _ in range(5)]
    assert real == unknown
    assert "paused" in real[-1]


def test_a_guesser_at_one_station_delays_the_last_supervisor_elsewhere_a_minute_at_most(
    auth: AuthService, clock: Clock
) -> None:
    for _ in range(25):
        clock.advance(minutes=16)  # the guesser waits out every delay there
        _refusal(auth, "sn.harrow", "guess-guess-guess", "Corridor PC")
    assert "15 minutes" in _refusal(auth, "sn.harrow", "guess-again", "Corridor PC")
    # In the office the owner waits at most the account-wide cap, never an outright lock.
    message = _refusal(auth, "sn.harrow", BOSS, "Office")
    assert "paused" in message
    assert int(message.split("made in ")[1].split(" ")[0]) <= 60
    clock.advance(seconds=60)
    assert auth.sign_in("sn.harrow", BOSS, "Office").actor.role is Role.SUPERVISOR


def test_a_station_wide_wait_never_delays_another_nurses_first_try(
    auth: AuthService, clock: Clock
) -> None:
    for code in [f"rn.x{n}" for n in range(12)]:  # a spray of IDs from one station
        _refusal(auth, code, "guess-guess-guess")
    # The next nurse gets in at once to an emergency, at the same station.
    assert auth.sign_in("rn.pereira", "pereira-pass-9", "Station A").actor.station == "Station A"
    # An ID already tried here waits for the station's (capped) wait...
    for code in [f"rn.y{n}" for n in range(12)]:
        _refusal(auth, code, "guess-guess-guess")
    _refusal(auth, "rn.okafor", "one-slip")
    message = _refusal(auth, "rn.okafor", PASSWORD)
    assert "paused" in message
    wait = int(message.split("made in ")[1].split(" ")[0])
    assert 1 <= wait <= 3
    clock.advance(seconds=3)
    assert auth.sign_in("rn.okafor", PASSWORD, "Station A").actor.staff_code == "rn.okafor"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every password verification sign-in makes, by the hash it checked against."""
    calls: list[str] = []

    def spy(password: str, stored: str) -> bool:
        calls.append(stored)
        return verify_password(password, stored)

    monkeypatch.setattr(auth_module, "verify_password", spy)
    yield calls


def test_every_answer_comes_from_one_path_with_exactly_one_verification(
    db: Database, auth: AuthService, verifications: list[str], access: AccessPolicy
) -> None:
    staff = StaffService(db, access)
    supervisor = auth.sign_in("sn.harrow", BOSS, "Office").actor
    staff.set_active(supervisor, staff.staff_id_of("rn.pereira"), False)
    staff.system_actor("Station A")
    for _ in range(3):
        _refusal(auth, "rn.okafor", "guess-guess-guess", "Bay 9")
    verifications.clear()
    tries = {
        "right password": lambda: auth.sign_in("sn.harrow", BOSS, "Office"),
        "wrong password": lambda: _refusal(auth, "sn.harrow", "not-it-at-all", "Office"),
        "unknown ID": lambda: _refusal(auth, "rn.nobody", PASSWORD),
        "not an ID at all": lambda: _refusal(auth, "my password!", PASSWORD),
        "deactivated": lambda: _refusal(auth, "rn.pereira", "pereira-pass-9"),
        "automatic account": lambda: _refusal(auth, "system", "anything-at-all"),
        "waiting": lambda: _refusal(auth, "rn.okafor", PASSWORD, "Bay 9"),
        "too long": lambda: _refusal(auth, "rn.okafor", "x" * 5000),
    }
    for name, attempt in tries.items():
        before = len(verifications)
        attempt()
        assert len(verifications) - before == 1, name
    assert "paused" in _refusal(auth, "rn.okafor", PASSWORD, "Bay 9")


def test_nothing_typed_is_stored_in_the_audit_or_the_throttle(
    db: Database, auth: AuthService
) -> None:
    secret = "Password-In-The-ID-Box"
    _refusal(auth, secret, "whatever-else")
    _refusal(auth, "rn.nobody", "whatever-else")
    with db.read() as session:
        stored = [str(r.detail) for r in session.scalars(select(AuditRow))]
        stored += [f"{r.key} {r.account}" for r in session.scalars(select(SignInThrottleRow))]
    assert stored and not any(
        text.casefold() in row.casefold() for row in stored for text in (secret, "nobody")
    )


def test_passwords_are_hashed_at_owasp_strength_with_the_cost_in_each_hash() -> None:
    assert (OWASP_SCRYPT.n, OWASP_SCRYPT.r, OWASP_SCRYPT.p) == (2**17, 8, 1)
    cheap = password_cost()
    try:
        set_password_cost(OWASP_SCRYPT)  # needs maxmem above OpenSSL's 32 MiB default
        stored = hash_password("correct-horse-1")
    finally:
        set_password_cost(cheap)
    assert stored.split("$")[1:4] == ["131072", "8", "1"]
    assert verify_password("correct-horse-1", stored)  # checked at its own cost
    assert not needs_rehash(stored)
    # A hash asking for absurd work is refused, not computed.
    absurd = stored.replace("$131072$", f"${2**24}$")
    assert not verify_password("correct-horse-1", absurd)


def test_a_weaker_hash_is_upgraded_at_its_owners_next_sign_in(
    db: Database, auth: AuthService
) -> None:
    cheap = password_cost()
    stronger = ScryptCost(n=cheap.n * 2, r=cheap.r, p=cheap.p)
    try:
        set_password_cost(stronger)
        with pytest.raises(SignInRefused):
            auth.sign_in("rn.okafor", "wrong-one-here", "Station A")
        with db.read() as session:
            before = session.scalars(select(Staff).where(Staff.staff_code == "rn.okafor")).one()
        assert needs_rehash(before.password_hash or "")
        auth.sign_in("rn.okafor", PASSWORD, "Station A")
        with db.read() as session:
            after = session.scalars(select(Staff).where(Staff.staff_code == "rn.okafor")).one()
        assert after.password_hash is not None
        assert after.password_hash.split("$")[1] == str(stronger.n)
        assert verify_password(PASSWORD, after.password_hash)
        assert not needs_rehash(after.password_hash)
    finally:
        set_password_cost(cheap)
