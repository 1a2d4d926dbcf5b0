"""The services' shared handle: engine, sessions, clock and the loaded local policy."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cached_property

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from wardconsole.domain.fluid_policy import FluidPolicy, load_fluid_policy
from wardconsole.domain.follow_up import FollowUpPolicy, load_follow_up_policy
from wardconsole.domain.formulary import Formulary, check_policy_classes, load_formulary
from wardconsole.domain.observation_levels import (
    ObservationLevelPolicy,
    load_observation_levels,
)
from wardconsole.domain.policy import EscalationPolicy, load_policy
from wardconsole.domain.shifts import DEFAULT_WARD_TIMEZONE, ShiftPattern
from wardconsole.domain.sleep import SleepPolicy, load_sleep_policy
from wardconsole.domain.weight_policy import WeightPolicy, load_weight_policy
from wardconsole.domain.withdrawal import WithdrawalChart, load_chart
from wardconsole.services.context import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    PermissionDenied,
    Role,
    take_pending_check,
)
from wardconsole.store.engine import make_session_factory
from wardconsole.store.models import Staff


def confirm_actor(session: Session, actor: Actor, permission: Permission) -> None:
    """Refuse unless the staff list, read now, lets ``actor`` do ``permission``."""
    row = session.execute(
        select(Staff.role, Staff.active).where(Staff.id == actor.staff_id)
    ).first()
    if row is None or not row.active:
        raise PermissionDenied(
            f"{actor.display_name}'s account is no longer active; nothing was saved. "
            "Sign in again, or ask a colleague."
        )
    role = Role(row.role)
    if permission not in ROLE_PERMISSIONS[role]:
        action = permission.value.replace("_", " ")
        raise PermissionDenied(
            f"{actor.display_name} ({role.value} in the staff list) may not {action}"
        )


POLICY_DIGEST = "policy_digest"
"""``Session.info`` key holding the digest of the policy the writing station runs."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Database:
    """One per process. Sessions are short: one use case, one transaction."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] | None = None,
        system_clock: Callable[[], datetime] = utc_now,
        policy: EscalationPolicy | None = None,
        chart: WithdrawalChart | None = None,
        ward_timezone: str = DEFAULT_WARD_TIMEZONE,
        observation_levels: ObservationLevelPolicy | None = None,
        formulary: Formulary | None = None,
        fluid_policy: FluidPolicy | None = None,
        weight_policy: WeightPolicy | None = None,
        sleep_policy: SleepPolicy | None = None,
        follow_up_policy: FollowUpPolicy | None = None,
    ) -> None:
        self.engine = engine
        self._system_clock = system_clock
        self._server_offset = timedelta(0)
        self._clock_skew: timedelta | None = None
        self.clock: Callable[[], datetime] = clock or self.server_aligned_now
        """The ward clock every service reads: by default this station's clock corrected to
        the database server's (``sync_clock``), so ``recorded_at`` and every due time come
        from one clock whichever station writes. Tests pass a fixed clock."""
        self._sessions = make_session_factory(engine)
        self._policy = policy
        self._chart = chart
        self._ward_timezone = ward_timezone
        self._observation_levels = observation_levels
        self._formulary = formulary
        self._fluid_policy = fluid_policy
        self._weight_policy = weight_policy
        self._sleep_policy = sleep_policy
        self._follow_up_policy = follow_up_policy

    @cached_property
    def policy(self) -> EscalationPolicy:
        return self._policy or load_policy()

    @cached_property
    def chart(self) -> WithdrawalChart:
        return self._chart or load_chart()

    @cached_property
    def observation_levels(self) -> ObservationLevelPolicy:
        """Supportive observation levels and check-round settings (local policy file)."""
        return self._observation_levels or load_observation_levels()

    @cached_property
    def fluid_policy(self) -> FluidPolicy:
        """The food and fluid chart's periods, targets, reviews and limits (local policy)."""
        return self._fluid_policy or load_fluid_policy()

    @cached_property
    def weight_policy(self) -> WeightPolicy:
        """Weighing interval, weight and height limits, the MUST food chart and refeeding
        prompt (local policy)."""
        return self._weight_policy or load_weight_policy()

    @cached_property
    def sleep_policy(self) -> SleepPolicy:
        """Which shift is the night, the estimate's coverage and the little-sleep flag."""
        return self._sleep_policy or load_sleep_policy()

    @cached_property
    def follow_up_policy(self) -> FollowUpPolicy:
        """Follow-up contact after discharge: its time limits, the destinations that start the
        clock, what counts as suicide risk (the overdue escalation rests on them)."""
        return self._follow_up_policy or load_follow_up_policy()

    @property
    def ward_timezone(self) -> str:
        """The ward's time zone name (fluid periods and shifts run on its wall clock)."""
        return self._ward_timezone

    @cached_property
    def formulary(self) -> Formulary:
        """The ward formulary: drug classes and flags, the one home for drug facts. The
        escalation policy's drug classes are checked against it (a broken pair stops here)."""
        formulary = self._formulary or load_formulary()
        check_policy_classes(formulary, self.policy)
        return formulary

    @cached_property
    def shifts(self) -> ShiftPattern:
        """The policy's shift pattern in the ward's time zone: "this shift" / "last shift"."""
        return ShiftPattern(self.policy.shifts, self._ward_timezone)

    # -- one clock for every station ---------------------------------------------------------

    def server_aligned_now(self) -> datetime:
        """This station's clock plus the offset to the database server measured last."""
        return self._system_clock() + self._server_offset

    def server_time(self) -> datetime:
        """The database server's clock now (UTC), read with one query."""
        with self.read() as session:
            if self.dialect == "postgresql":
                value = session.scalar(text("SELECT clock_timestamp()"))
            else:  # SQLite runs in this process: its clock is this computer's
                raw = session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
                value = datetime.fromisoformat(str(raw))
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def sync_clock(self) -> timedelta:
        """Measure how far this station's clock is from the server's; returns the skew
        (station minus server). Blocks on the database: call from the background worker."""
        before = self._system_clock()
        server = self.server_time()
        after = self._system_clock()
        station = before + (after - before) / 2
        self._server_offset = server - station
        self._clock_skew = station - server
        return self._clock_skew

    @property
    def clock_skew(self) -> timedelta | None:
        """This station's clock minus the server's at the last ``sync_clock`` (None: never)."""
        return self._clock_skew

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error.

        ``session.info[POLICY_DIGEST]`` is this station's policy digest, so every escalation
        written in the transaction records the policy that raised it. The acting staff
        member's permission (left by ``require``) is re-read inside it."""
        pending = take_pending_check()
        with self._sessions() as session, session.begin():
            session.info[POLICY_DIGEST] = self.policy_digest
            if pending is not None:
                confirm_actor(session, *pending)
            yield session

    @cached_property
    def policy_digest(self) -> str:
        """One digest for every policy file whose numbers raise escalations (the escalation
        policy, observation levels, withdrawal chart, formulary, fluid chart, sleep, follow-up
        after discharge): stations on one ward compare it."""
        parts = (
            self.policy.digest,
            self.observation_levels.digest,
            self.chart.digest,
            self.formulary.digest,
            self.fluid_policy.digest,
            self.sleep_policy.digest,
            self.follow_up_policy.digest,
        )
        return hashlib.sha256("|".join(parts).encode("ascii")).hexdigest()

    @contextmanager
    def read(self) -> Iterator[Session]:
        pending = take_pending_check()
        with self._sessions() as session:
            if pending is not None:
                confirm_actor(session, *pending)
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name
