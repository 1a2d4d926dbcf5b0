"""Governance that holds: every station on one database runs the same policy, unsigned policy
is visible, and an emergency is not silenced by one person alone.

The ward's policy is the digest recorded in ``ward_policies`` (append-only; the latest row
counts): the first station to start on a database records its own, and afterwards only a
supervisor adopts another (after a reviewed change to the policy files). A station whose digest
differs says so loudly and does not run the time-driven rules, so two stations never alarm on
different thresholds for the same patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wardconsole.services.context import (
    Actor,
    InvalidInput,
    Permission,
    ServiceError,
    require,
)
from wardconsole.services.db import Database
from wardconsole.services.text_rule import checks_text
from wardconsole.store import repository
from wardconsole.store.changes import record_change
from wardconsole.store.models import Staff, WardPolicyRow


class PolicyMismatch(ServiceError):
    """This station's policy differs from the ward's: time-driven rules are not run here."""


@dataclass(frozen=True, slots=True)
class PolicyStatus:
    """This station's policy against the ward's, and which files nobody has signed off."""

    station_digest: str
    station_version: str
    ward_digest: str | None
    ward_version: str | None
    adopted_at: datetime | None
    adopted_by: str | None
    adopted_station: str | None
    unsigned: tuple[str, ...]
    """Policy files without a governance sign-off (names staff recognise)."""

    @property
    def matches(self) -> bool:
        """True when the ward has no policy recorded yet or it is this station's."""
        return self.ward_digest is None or self.ward_digest == self.station_digest

    @property
    def mismatch_message(self) -> str:
        return (
            f"This station runs policy {self.station_version} ({short(self.station_digest)}) "
            f"but the ward runs {self.ward_version} ({short(self.ward_digest)}): time-driven "
            "alarms (overdue observations, missed checks) are NOT run at this station. "
            "Install the ward's policy files, or a supervisor adopts these after review "
            "(wardconsole policy adopt --reason ...)."
        )

    @property
    def unsigned_message(self) -> str:
        return (
            "Local policy not signed off: " + ", ".join(self.unsigned) + ". The thresholds in "
            "use are drafts awaiting clinical-governance sign-off."
        )


def short(digest: str | None) -> str:
    """The first 8 hex digits, as shown on screens and trails."""
    return (digest or "none")[:8]


class GovernanceService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def status(self) -> PolicyStatus:
        with self._db.read() as session:
            return self._status(session)

    def ensure_ward_policy(self, actor: Actor) -> PolicyStatus:
        """At start: a database with no ward policy takes this station's (audited)."""
        with self._db.transaction() as session:
            if _latest(session) is None:
                self._adopt(session, actor, "first_station")
            return self._status(session)

    @checks_text
    def adopt(self, actor: Actor, reason: str) -> PolicyStatus:
        """A supervisor makes this station's policy the ward's (after a reviewed change)."""
        require(actor, Permission.MANAGE_STAFF)
        if not reason.strip():
            raise InvalidInput({"reason": "reason: say which reviewed change this is"})
        with self._db.transaction() as session:
            self._adopt(session, actor, reason.strip())
            return self._status(session)

    def check_can_run_ward_rules(self, session: Session) -> None:
        """Refuse the time-driven rules on a station whose policy is not the ward's."""
        status = self._status(session)
        if not status.matches:
            raise PolicyMismatch(status.mismatch_message)

    # -- helpers -------------------------------------------------------------------------------

    def _adopt(self, session: Session, actor: Actor, reason: str) -> None:
        now = self._db.clock()
        row = WardPolicyRow(
            digest=self._db.policy_digest,
            version=self._versions(),
            signed_off=not self._unsigned(),
            recorded_at=now,
            recorded_by_id=actor.staff_id,
            station=actor.station,
        )
        session.add(row)
        session.flush()
        repository.write_audit(
            session,
            at=now,
            staff_id=actor.staff_id,
            station=actor.station,
            action="adopt_ward_policy",
            entity="ward_policy",
            entity_id=row.id,
            detail={"digest": row.digest, "version": row.version, "reason": reason},
        )
        record_change(session, "ward_policy", None, actor.station)

    def _status(self, session: Session) -> PolicyStatus:
        latest = _latest(session)
        ward, by = latest if latest is not None else (None, None)
        return PolicyStatus(
            station_digest=self._db.policy_digest,
            station_version=self._versions(),
            ward_digest=ward.digest if ward else None,
            ward_version=ward.version if ward else None,
            adopted_at=ward.recorded_at if ward else None,
            adopted_by=by,
            adopted_station=ward.station if ward else None,
            unsigned=self._unsigned(),
        )

    def _versions(self) -> str:
        db = self._db
        return (
            f"escalation {db.policy.version} · levels {db.observation_levels.version} · "
            f"chart {db.chart.version} · formulary {db.formulary.version} · "
            f"follow-up {db.follow_up_policy.version}"
        )[:128]

    def _unsigned(self) -> tuple[str, ...]:
        db = self._db
        files = (
            ("escalation policy", db.policy.signed_off),
            ("observation levels", db.observation_levels.signed_off),
            ("withdrawal chart", db.chart.signed_off),
            ("formulary", db.formulary.signed_off),
            ("fluid chart", db.fluid_policy.signed_off),
            ("weights", db.weight_policy.signed_off),
            ("sleep", db.sleep_policy.signed_off),
            ("follow-up after discharge", db.follow_up_policy.signed_off),
        )
        return tuple(name for name, signed in files if not signed)


def _latest(session: Session) -> tuple[WardPolicyRow, str] | None:
    row = session.execute(
        select(WardPolicyRow, Staff.display_name)
        .join(Staff, Staff.id == WardPolicyRow.recorded_by_id)
        .order_by(WardPolicyRow.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])
