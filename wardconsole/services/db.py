"""The services' shared handle: engine, sessions, clock and the loaded local policy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from wardconsole.domain.observation_levels import (
    ObservationLevelPolicy,
    load_observation_levels,
)
from wardconsole.domain.policy import EscalationPolicy, load_policy
from wardconsole.domain.shifts import DEFAULT_WARD_TIMEZONE, ShiftPattern
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


def utc_now() -> datetime:
    return datetime.now(UTC)


class Database:
    """One per process. Sessions are short: one use case, one transaction."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utc_now,
        policy: EscalationPolicy | None = None,
        chart: WithdrawalChart | None = None,
        ward_timezone: str = DEFAULT_WARD_TIMEZONE,
        observation_levels: ObservationLevelPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self._sessions = make_session_factory(engine)
        self._policy = policy
        self._chart = chart
        self._ward_timezone = ward_timezone
        self._observation_levels = observation_levels

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
    def shifts(self) -> ShiftPattern:
        """The policy's shift pattern in the ward's time zone: "this shift" / "last shift"."""
        return ShiftPattern(self.policy.shifts, self._ward_timezone)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error. The
        acting staff member's permission (left by ``require``) is re-read inside it."""
        pending = take_pending_check()
        with self._sessions() as session, session.begin():
            if pending is not None:
                confirm_actor(session, *pending)
            yield session

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
