"""The escalation use cases as one nursing station performs them.

The console's escalation panel, banner and alarm scheduler talk to this one object. It binds
the station's name and "who is acting" to ``EscalationService`` so the UI passes only what the
nurse chose. Every method except ``now``/``policy``/``station`` blocks on the database: the UI
calls them on its background worker only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from wardconsole.domain.alerting import Announcement
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import Severity
from wardconsole.services.audit import AuditService
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.escalations import (
    EscalationBoard,
    EscalationChange,
    EscalationEvent,
    EscalationService,
    WardChecks,
)
from wardconsole.services.governance import GovernanceService, PolicyStatus
from wardconsole.services.text_rule import checks_text


class EscalationDesk:
    """One station's view of the ward's escalations and the actions it can take on them.

    ``actor`` is asked at each action, so a station whose signed-in member of staff changes
    attributes every step to whoever is there now. ``automatic`` is the account time-driven
    rules (overdue observations) are attributed to.
    """

    def __init__(
        self,
        db: Database,
        *,
        station: str,
        actor: Callable[[], Actor],
        automatic: Callable[[], Actor] | None = None,
        confirm: Callable[[str, str, Actor], Actor] | None = None,
    ) -> None:
        self._db = db
        self._confirm = confirm
        self._service = EscalationService(db)
        self._audit = AuditService(db)
        self._station = station
        self._actor = actor
        self._automatic = automatic or actor

    # -- non-blocking --------------------------------------------------------------------------

    @property
    def station(self) -> str:
        return self._station

    @property
    def policy(self) -> EscalationPolicy:
        return self._db.policy

    def now(self) -> datetime:
        """The ward clock (UTC, aware): ages and alarm intervals are measured on it."""
        return self._db.clock()

    # -- blocking: call on the background worker ---------------------------------------------

    def board(self) -> EscalationBoard:
        return self._service.board()

    def trail(self, escalation_id: int) -> list[EscalationEvent]:
        return self._service.trail(escalation_id)

    def acknowledge(self, escalation_id: int, version: int) -> None:
        self._service.acknowledge(self._actor(), escalation_id, version)

    @checks_text
    def record_action(self, escalation_id: int, text: str) -> None:
        self._service.record_action(self._actor(), escalation_id, text)

    @checks_text
    def resolve(self, escalation_id: int, version: int, outcome: str) -> None:
        self._service.resolve(self._actor(), escalation_id, version, outcome)

    @checks_text
    def snooze(
        self,
        escalation_id: int,
        version: int,
        minutes: int,
        reason: str,
        confirmed_by: Actor | None = None,
    ) -> None:
        self._service.snooze(
            self._actor(), escalation_id, version, minutes, reason, confirmed_by=confirmed_by
        )

    @checks_text
    def decline(
        self, escalation_id: int, version: int, reason: str, confirmed_by: Actor | None = None
    ) -> None:
        self._service.decline(
            self._actor(), escalation_id, version, reason, confirmed_by=confirmed_by
        )

    def signed_in(self) -> Actor:
        """Who is acting at this station now."""
        return self._actor()

    def needs_second_person(self, escalation_id: int) -> bool:
        """Declining or snoozing this escalation needs a colleague to sign in and confirm."""
        return self._service.needs_second_person(escalation_id)

    def confirm_second_person(self, staff_code: str, password: str) -> Actor:
        """A colleague signs in at this station to confirm (the station stays as it was)."""
        if self._confirm is None:
            raise ServiceError("a second member of staff cannot sign in at this station")
        return self._confirm(staff_code, password, self._actor())

    def policy_status(self) -> PolicyStatus:
        """This station's policy against the ward's (and which files are unsigned)."""
        return GovernanceService(self._db).status()

    @checks_text
    def raise_concern(self, admission_id: int, severity: Severity, reason: str) -> None:
        """'I am worried about this patient': an escalation whatever the scores say."""
        self._service.raise_concern(self._actor(), admission_id, severity, reason)

    @checks_text
    def record_announcements(self, announcements: Sequence[Announcement]) -> list[int]:
        """Write down what this station announced; returns the ids it actually cascaded."""
        if not announcements:
            return []
        plain = [a.escalation_id for a in announcements if not a.cascades]
        cascades = {a.escalation_id: a.cascade_from for a in announcements if a.cascades}
        if plain:
            self._service.mark_announced(plain, False, station=self._station)
        if not cascades:
            return []
        return self._service.mark_announced(
            list(cascades), True, station=self._station, cascade_from=cascades
        )

    def ward_checks(self) -> WardChecks:
        """When the time-driven checks last ran on any station; this station's clock skew."""
        return self._service.ward_checks()

    def evaluate_ward(self) -> list[EscalationChange]:
        """The ward tick: seal the audit rows that have settled into the record's hash chain
        (the ledger's timer — a row is protected within ``ledger.SETTLE`` and one tick of being
        written, whoever is signed in), then run the time-driven rules (overdue observations)
        for every admitted patient."""
        self._audit.seal_settled(self._station)
        return self._service.evaluate_ward(self._automatic())
