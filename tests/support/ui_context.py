"""The one way tests build the main window's ``UiContext`` (UI tests, safety tests, benches)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ui_runner import shared_runner

from wardconsole.domain.changes import ChangeFeed
from wardconsole.domain.policy import EscalationPolicy, load_policy
from wardconsole.services.context import Actor, Role
from wardconsole.services.escalations import EscalationBoard, EscalationEvent, WardChecks
from wardconsole.services.governance import PolicyStatus
from wardconsole.services.sign_in import SignInSetup
from wardconsole.services.views import CensusSnapshot
from wardconsole.ui.access.session import AccessContext, StaffSession
from wardconsole.ui.context import UiContext
from wardconsole.ui.escalations.alerts import SilentAlertSound
from wardconsole.ui.tasks import TaskRunner

STATION = "Nurses' station 1"
TEST_NURSE = Actor(1, "rn.test", "Robin Test", Role.NURSE, STATION)
"""Who records in a test console that signs nobody in (the composition root answers with the
station's default account until staff sign in)."""
TEST_VISITOR = Actor(2, "vc.test", "Val Visitor", Role.READONLY, STATION)
"""A visiting clinician: may read the ward, not record, import, export or write a handoff."""


def no_letter(actor: Actor, admission_id: int, path: Path) -> Path:
    """The discharge letter of a test that does not export one: writing it is a test error."""
    raise AssertionError(f"this test writes no discharge letter ({admission_id} to {path})")


TOUCHED: list[str] = []
"""Every use of an ``Unused`` service in the running test, kept as well as raised: a use on the
background worker raises where the console catches it (a read that "could not be read"), so the
UI tests' conftest fails the test on what is kept here."""


class Unused:
    """A service the console always has but this test never uses: using it is a test error
    (as writing a discharge letter is for ``no_letter``), on whichever thread it happens."""

    def __init__(self, service: str) -> None:
        self._service = service

    def _touched(self, what: str) -> AssertionError:
        message = f"this test uses no {what}"
        TOUCHED.append(message)
        return AssertionError(message)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and introspection probes are not uses
            raise AttributeError(name)
        raise self._touched(f"{self._service} ({name})")

    def __call__(self, *_args: object, **_kwargs: object) -> Any:
        raise self._touched(self._service)


def no_charts(admission_id: int, *_args: object, **_kwargs: object) -> Any:
    """The chart loader of a console over an in-memory ward, which keeps no chart series: a
    patient window opened in such a test shows the note it shows when the charts cannot be read
    (as in a database outage), and the test is about the window, not its charts."""
    raise ConnectionError(f"an in-memory ward keeps no chart series (admission {admission_id})")


UNUSED_SERVICES = (
    *("observation", "sessions", "admissions", "discharges", "aftercare"),
    *("fluids", "medicines", "weights", "nutrition", "sleep", "decisions"),
    *("recording", "history", "interop", "handoff", "load_patient_series"),
)
"""The services a test console gets as ``Unused`` unless the test names its own."""


class QuietWard(Unused):
    """The escalation service of a ward where nothing is open and the ward checks have just
    run at this station: the panel, banner and alarm timers of a test console that is not
    about escalations have nothing to show or sound. Acting on an escalation is a test error.
    """

    def __init__(self, station: str) -> None:
        super().__init__("escalation actions")
        self._station = station
        self.policy: EscalationPolicy = load_policy()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def board(self) -> EscalationBoard:
        return EscalationBoard(self.now(), ())

    def ward_tick(self, station: str) -> list[object]:
        return []

    def ward_checks(self) -> WardChecks:
        now = self.now()
        policy = self.policy
        return WardChecks(
            now, now, self._station, policy.ward_checks_stale, None, policy.max_clock_skew
        )

    def trail(self, escalation_id: int) -> list[EscalationEvent]:
        return []

    def policy_status(self) -> PolicyStatus:
        """The ward runs this station's policy (recorded by the first station), all signed."""
        digest = self.policy.digest
        return PolicyStatus(digest, "test", digest, "test", None, None, None, ())


def quiet_access(
    session: StaffSession, runner: TaskRunner, station: str, ward_name: str
) -> AccessContext:
    """The station's sign-in and lock for a test console that is not about them: whoever
    ``session`` holds stays signed in (the screen never locks by itself during a test), and
    there is no staff list, audit trail or station queue to open."""
    unused = Unused("sign-in or lock")
    return AccessContext(
        sign_in=unused,
        setup=lambda: SignInSetup(can_sign_in=True, demo_password=None),
        record_lock=unused,
        record_sign_out=unused,
        idle_lock_after=timedelta(days=1),
        session=session,
        station=station,
        ward_name=ward_name,
        runner=runner,
    )


def no_read_ahead(admission_id: int, span: timedelta | None) -> int:
    """A station that reads no chart ahead of an open (nothing kept: an open reads as usual)."""
    return 0


def ui_context(
    load_census: Callable[[], CensusSnapshot],
    open_change_feed: Callable[[], ChangeFeed],
    *,
    station: str = STATION,
    ward_name: str = "Ward 7 — Detox",
    database_label: str = "SQLite (test)",
    signed_in: Actor | None = TEST_NURSE,
    **fields: Any,
) -> UiContext:
    """A ``UiContext`` as the composition root builds it, over the test's census and change
    feed: the console's one runner, ``signed_in`` at the station (who acts, and whose role
    the window's actions follow; None: nobody is), a quiet ward's escalations, a silent alert
    sound, no discharge letter and an ``Unused`` stand-in for each other service, unless
    ``fields`` names others: it gives the services the test's features use (an ``access``
    of its own brings its own session, which ``current_actor`` then asks)."""
    runner = fields.setdefault("runner", shared_runner())
    if "access" not in fields:
        fields["access"] = quiet_access(StaffSession(signed_in), runner, station, ward_name)
    fields.setdefault("current_actor", fields["access"].session.current_actor)
    fields.setdefault("escalations", QuietWard(station))
    fields.setdefault(
        "open_alert_sound", lambda: SilentAlertSound("no sound output configured for this console")
    )
    fields.setdefault("export_discharge_letter", no_letter)
    fields.setdefault("reload_census", load_census)
    fields.setdefault("read_chart_ahead", no_read_ahead)
    for service in UNUSED_SERVICES:
        fields.setdefault(service, Unused(service))
    return UiContext(
        load_census=load_census,
        open_change_feed=open_change_feed,
        station=station,
        ward_name=ward_name,
        database_label=database_label,
        **fields,
    )
