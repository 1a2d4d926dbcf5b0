"""A real (SQLite) ward with staff accounts for the sign-in, lock, audit and staff UI tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbfixtures import migrated_sqlite
from ui_context import ui_context
from ui_runner import shared_runner
from wardfakes import Clock

from wardconsole.domain.access import load_access_policy
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.audit import AuditService
from wardconsole.services.auth import AuthService
from wardconsole.services.context import Actor, Role
from wardconsole.services.db import Database
from wardconsole.services.outbox import Outbox
from wardconsole.services.safe_saves import SafeSaves
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine
from wardconsole.ui.access.session import AccessContext, StaffSession
from wardconsole.ui.main_window import MainWindow

from .factories import NOW, FakeWard

PASSWORDS = {
    "rn.okafor": "okafor-night-1",
    "rn.pereira": "pereira-night-2",
    "sn.harrow": "harrow-super-3",
    "vc.visitor": "visitor-read-4",
}
STATION = "Nurses' station 1"


@dataclass
class AccessWorld:
    db: Database
    clock: Clock
    access: AccessContext
    session: StaffSession
    auth: AuthService
    saves: SafeSaves
    admission_id: int

    def actor(self, code: str) -> Actor:
        return StaffService(self.db).actor(code, STATION)


def build_world(
    path: Path, *, idle_ms: int = 60_000, session: StaffSession | None = None
) -> AccessWorld:
    engine = make_engine(migrated_sqlite(path / "ward.sqlite"))
    clock = Clock(NOW)
    db = Database(engine, clock=clock)
    policy = replace(load_access_policy(), idle_lock_after=timedelta(milliseconds=idle_ms))
    staff = StaffService(db, policy)
    for code, name, role in (
        ("rn.okafor", "Adaeze Okafor", Role.NURSE),
        ("rn.pereira", "Marta Pereira", Role.NURSE),
        ("sn.harrow", "Gwen Harrow", Role.SUPERVISOR),
        ("vc.visitor", "Visiting Clinician", Role.READONLY),
    ):
        staff.add(code, name, role, PASSWORDS[code])
    nurse = staff.actor("rn.okafor", STATION)
    admissions = AdmissionService(db)
    admissions.ensure_beds(["A1", "A2", "A3"], "Ward 7 — Detox")
    admission_id = admissions.admit(
        nurse,
        NewPatient("KD100001", "Maya", "Thornbury", date(1998, 3, 4)),
        bed="A1",
        admitted_at=clock.now - timedelta(hours=30),
        reason="Ketamine dependence",
    )
    saves = SafeSaves(db, Outbox(path / "outbox.sqlite", "test ward"))
    auth = AuthService(db, policy, saves)
    session = session if session is not None else StaffSession()
    access = AccessContext(
        sign_in=lambda code, password, purpose, previous: auth.sign_in(
            code, password, STATION, purpose=purpose, previous=previous
        ),
        setup=auth.setup,
        record_lock=auth.record_lock,
        record_sign_out=auth.record_sign_out,
        idle_lock_after=policy.idle_lock_after,
        session=session,
        station=STATION,
        ward_name="Ward 7 — Detox",
        runner=shared_runner(),
        staff=staff,
        audit=AuditService(db),
        saves=saves,
    )
    return AccessWorld(db, clock, access, session, auth, saves, admission_id)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[AccessWorld]:
    built = build_world(tmp_path)
    yield built
    built.db.engine.dispose()


@pytest.fixture
def make_secure_window(qtbot) -> Iterator[Callable[..., MainWindow]]:
    """A shown main window over a FakeWard census with real sign-in and lock behind it."""
    windows: list[MainWindow] = []

    def make(
        ward: FakeWard,
        world: AccessWorld,
        *,
        signed_in: str | None = "rn.okafor",
        **more: object,
    ) -> MainWindow:
        """``more``: further ``UiContext`` fields (a handoff, the escalation service…)."""
        if signed_in is not None:
            world.session.sign_in(world.actor(signed_in))
        context = ui_context(
            load_census=ward.load_census,
            open_change_feed=ward.open_change_feed,
            station=STATION,
            ward_name="Ward 7 — Detox",
            database_label="SQLite (test)",
            runner=shared_runner(),
            current_actor=world.session.current_actor,
            access=world.access,
            **more,  # type: ignore[arg-type]
        )
        window = MainWindow(context)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        qtbot.waitUntil(lambda: window.snapshot is not None)
        return window

    yield make
    for window in windows:
        window.shutdown()
