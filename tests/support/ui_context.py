"""The one way tests build the main window's ``UiContext`` (UI tests, safety tests, benches)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ui_runner import shared_runner

from wardconsole.domain.changes import ChangeFeed
from wardconsole.services.context import Actor, Role
from wardconsole.services.views import CensusSnapshot
from wardconsole.ui.context import UiContext
from wardconsole.ui.escalations.alerts import SilentAlertSound

STATION = "Nurses' station 1"
TEST_NURSE = Actor(1, "rn.test", "Robin Test", Role.NURSE, STATION)
"""Who records in a test console that signs nobody in (the composition root answers with the
station's default account until staff sign in)."""


def no_letter(actor: Actor, admission_id: int, path: Path) -> Path:
    """The discharge letter of a test that does not export one: writing it is a test error."""
    raise AssertionError(f"this test writes no discharge letter ({admission_id} to {path})")


class Unused:
    """A service the console always has but this test never uses: using it is a test error
    (as writing a discharge letter is for ``no_letter``)."""

    def __init__(self, service: str) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"this test uses no {self._service} ({name})")


UNUSED_SERVICES = (
    *("observation", "sessions", "admissions", "discharges", "aftercare"),
    *("fluids", "medicines", "weights", "nutrition", "sleep", "decisions"),
)
"""The services a test console gets as ``Unused`` unless the test names its own."""


def ui_context(
    load_census: Callable[[], CensusSnapshot],
    open_change_feed: Callable[[], ChangeFeed],
    *,
    station: str = STATION,
    ward_name: str = "Ward 7 — Detox",
    database_label: str = "SQLite (test)",
    **fields: Any,
) -> UiContext:
    """A ``UiContext`` as the composition root builds it, over the test's census and change
    feed: the console's one runner, a nurse at the station, a silent alert sound and no
    discharge letter and an ``Unused`` stand-in for each service, unless ``fields`` names
    others: it gives the services the test's features use."""
    fields.setdefault("runner", shared_runner())
    fields.setdefault("current_actor", lambda: TEST_NURSE)
    fields.setdefault(
        "open_alert_sound", lambda: SilentAlertSound("no sound output configured for this console")
    )
    fields.setdefault("export_discharge_letter", no_letter)
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
