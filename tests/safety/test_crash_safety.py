"""Crash safety: a writer SIGKILLed at random moments mid-burst never loses a reported save.

A save counts as committed when ``record_round`` has returned and the writer has printed its
key. After every campaign the database must pass its integrity check, hold every reported save,
and hold no half-save (an observation without its receipt or audit row, or the reverse).
"""

from __future__ import annotations

import os

import pytest
from campaigns import crash_campaign


def _check(report, kills: int) -> None:  # type: ignore[no-untyped-def]
    print(
        f"\nSAFETY crash {report.backend}: kills={report.kills} "
        f"saves_reported={report.saves_reported} saves_lost={report.saves_lost} "
        f"half_saves={report.half_saves} integrity={report.integrity} "
        f"seconds={report.seconds}"
    )
    assert report.kills >= kills * 0.9
    assert report.saves_reported > 0
    assert report.saves_lost == 0, report.lost_keys[:5]
    assert report.half_saves == 0
    assert report.integrity == "ok"


def test_killed_writers_lose_no_committed_save(db_url: str) -> None:
    _check(crash_campaign(db_url, kills=15, seed=11, max_delay=0.1), 15)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("WARDCONSOLE_SAFETY_HEAVY"),
    reason="200 kills per backend: set WARDCONSOLE_SAFETY_HEAVY=1 (or run bench/safety.py)",
)
def test_many_kills_lose_no_committed_save(db_url: str) -> None:
    _check(crash_campaign(db_url, kills=200, seed=12, max_delay=0.25), 200)
