"""Fixtures for the safety drills: databases on both backends, a nurse, an admitted patient;
and the closing figures (inputs fuzzed) at the end of the run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from wardfakes import Clock

from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import Actor
from wardconsole.services.db import Database


@pytest.fixture
def admission(db: Database, nurse: Actor, clock: Clock) -> int:
    service = AdmissionService(db)
    service.ensure_beds(["B01", "B02", "B03"], "Test ward")
    return service.admit(
        nurse,
        NewPatient("KD000001", "Aled", "Abernethy", date(1994, 5, 1)),
        bed="B01",
        admitted_at=clock.now - timedelta(hours=30),
        reason="Ketamine dependence",
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from fuzzing import FUZZED

    if FUZZED:
        total = sum(FUZZED.values())
        crashed = sum(
            1 for report in terminalreporter.stats.get("failed", []) if "test_fuzz" in report.nodeid
        )
        parts = ", ".join(f"{name} {count}" for name, count in sorted(FUZZED.items()))
        terminalreporter.write_line(
            f"SAFETY fuzz: {total} inputs, {crashed} failing properties ({parts})"
        )
