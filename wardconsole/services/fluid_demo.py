"""The demo ward's food and fluid charts, believable rather than tidy.

About a third of the patients are on a fluid chart: some drink too little, some drink less
because voiding hurts (ketamine bladder) and a few vomit early in withdrawal. Drinks come in
daytime clusters with fewer at night; on a chart most urine is measured, but not always ("passed
urine, not measured"). Patients not on a chart have the drinks nurses happen to note and no
output charted. A separate random generator per patient keeps the rest of the demo unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from wardconsole.services.db import Database
from wardconsole.store.models import FluidEntryRow, FluidPlanRow

_DRINKS = ("Water", "Water", "Water", "Tea", "Tea", "Coffee", "Squash", "Milk", "Juice")


@dataclass(frozen=True, slots=True)
class _Profile:
    plan_reason: str | None
    drinks_per_day: tuple[int, int]
    sip: tuple[int, int]
    """ml per drink (low, high)."""
    voids_per_day: tuple[int, int]
    measured_share: float
    vomits: bool = False


_PROFILES = (
    _Profile(None, (4, 8), (150, 300), (0, 0), 0.0),  # not on a chart: drinks noted, no output
    _Profile(None, (3, 7), (150, 250), (0, 0), 0.0),
    _Profile("poor_intake", (3, 6), (100, 220), (3, 5), 0.8),  # drinking too little
    _Profile(None, (5, 9), (200, 300), (0, 0), 0.0),
    _Profile("bladder_pain", (3, 5), (100, 200), (2, 4), 0.7),  # drinks less: voiding hurts
    _Profile(None, (4, 8), (150, 250), (0, 0), 0.0),
    _Profile("vomiting", (7, 11), (150, 250), (3, 6), 0.85, vomits=True),  # on track
    _Profile(None, (2, 6), (150, 250), (0, 0), 0.0),
)


def add_fluid_charts(
    db: Database,
    admissions: Mapping[int, datetime],
    nurse_ids: Sequence[int],
    *,
    now: datetime,
    seed: int,
) -> None:
    """Fluid entries and plans for each admission (admission id -> admitted at)."""
    entries: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    for number, (admission_id, admitted_at) in enumerate(sorted(admissions.items())):
        rng = random.Random(seed * 7919 + admission_id)
        profile = _PROFILES[number % len(_PROFILES)]
        made = _Patient(rng, admission_id, admitted_at, now, nurse_ids, profile)
        entries.extend(made.entries())
        plan = made.plan(db.fluid_policy.default_target_ml)
        if plan is not None:
            plans.append(plan)
    with db.transaction() as session:
        for model, rows in ((FluidPlanRow, plans), (FluidEntryRow, entries)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start : start + 5000])


class _Patient:
    def __init__(
        self,
        rng: random.Random,
        admission_id: int,
        admitted_at: datetime,
        now: datetime,
        nurse_ids: Sequence[int],
        profile: _Profile,
    ) -> None:
        self.rng = rng
        self.admission_id = admission_id
        self.admitted_at = admitted_at
        self.now = now
        self.nurse_ids = nurse_ids
        self.profile = profile

    def _stamp(self, at: datetime) -> dict[str, Any]:
        return {
            "admission_id": self.admission_id,
            "taken_at": at,
            "recorded_at": at + timedelta(minutes=self.rng.randint(0, 8)),
            "recorded_by_id": self.rng.choice(self.nurse_ids),
            "station": self.rng.choice(["Station A", "Station B"]),
            "status": "final",
            "note": "",
            "amends_id": None,
            "amend_reason": None,
        }

    def plan(self, default_target: int) -> dict[str, Any] | None:
        reason = self.profile.plan_reason
        if reason is None:
            return None
        started = self.admitted_at + timedelta(hours=self.rng.uniform(1, 4))
        if started >= self.now:
            started = self.admitted_at
        row = self._stamp(started)
        row["recorded_at"] = started
        detail = {
            "poor_intake": "drinks only when prompted",
            "bladder_pain": "says drinking makes the pain worse",
            "vomiting": "nausea and vomiting in withdrawal",
        }.get(reason, "")
        row.update(
            reason=reason,
            reason_text=detail,
            target_ml=default_target,
            # Reviewed on time so far: the next review is still ahead.
            review_at=max(started, self.now) + timedelta(hours=self.rng.randint(6, 60)),
            active=True,
        )
        return row

    def entries(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        day = self.admitted_at.replace(hour=0, minute=0, second=0, microsecond=0)
        while day <= self.now:
            rows.extend(self._day(day))
            day += timedelta(days=1)
        return [r for r in rows if self.admitted_at < r["taken_at"] <= self.now]

    def _day(self, day: datetime) -> list[dict[str, Any]]:
        rng, profile = self.rng, self.profile
        rows = []
        for _ in range(rng.randint(*profile.drinks_per_day)):
            at = day + timedelta(minutes=rng.randint(7 * 60 + 30, 22 * 60 + 30))
            row = self._stamp(at)
            row.update(
                direction="intake",
                what="oral",
                volume_ml=rng.randrange(profile.sip[0], profile.sip[1] + 1, 10),
                description=rng.choice(_DRINKS),
            )
            rows.append(row)
        for _ in range(rng.randint(*profile.voids_per_day)):
            at = day + timedelta(minutes=rng.randint(6 * 60, 23 * 60 + 30))
            row = self._stamp(at)
            measured = rng.random() < profile.measured_share
            row.update(
                direction="output",
                what="urine",
                volume_ml=rng.randrange(150, 451, 10) if measured else None,
                description="",
            )
            rows.append(row)
        hours_in = (day - self.admitted_at).total_seconds() / 3600
        if profile.vomits and hours_in < 48 and rng.random() < 0.7:
            at = day + timedelta(minutes=rng.randint(8 * 60, 20 * 60))
            row = self._stamp(at)
            row.update(
                direction="output",
                what="vomit",
                volume_ml=rng.randrange(100, 301, 10) if rng.random() < 0.6 else None,
                description="",
            )
            rows.append(row)
        return rows
