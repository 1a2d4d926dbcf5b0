"""The demo ward's meals and bowels, believable rather than tidy.

Most patients eat half or more of three meals a day; some eat little in early withdrawal (none
or a quarter, "Not hungry", "Nausea or vomiting") and decline their nutritional drink; a few are
offered vitamins. Bowels open every day or two at Bristol types 3–5 for most; one patient in
eight has not opened their bowels for several days (their last stool hard, types 1–2), so the
ward's flag shows. A separate random generator per patient keeps the rest of the demo unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from wardconsole.domain.meals import REASONS, Portion
from wardconsole.services.db import Database
from wardconsole.store.models import BowelEntryRow, MealEntryRow, UrineDipstickRow

_MEALS = (
    ("breakfast", (8 * 60, 9 * 60 + 30), ("Porridge", "Toast", "Cereal and milk", "Toast")),
    ("lunch", (12 * 60, 13 * 60 + 30), ("Soup and bread", "Sandwich", "Jacket potato", "Pasta")),
    ("evening_meal", (17 * 60, 18 * 60 + 30), ("Shepherd's pie", "Curry and rice", "Fish pie")),
)
_EATS_WELL = (Portion.HALF, Portion.THREE_QUARTERS, Portion.ALL, Portion.ALL)
_EATS_LITTLE = (Portion.NONE, Portion.QUARTER, Portion.QUARTER, Portion.HALF)


def _stamp(
    at: datetime,
    rng: random.Random,
    admission_id: int,
    nurse_ids: Sequence[int],
    *,
    within_minutes: int,
) -> dict[str, Any]:
    """The shared columns of a demo entry taken at ``at``, written up to ``within_minutes``
    later by one of the nurses at one of the stations."""
    return {
        "admission_id": admission_id,
        "taken_at": at,
        "recorded_at": at + timedelta(minutes=rng.randint(0, within_minutes)),
        "recorded_by_id": rng.choice(nurse_ids),
        "station": rng.choice(["Station A", "Station B"]),
        "status": "final",
        "note": "",
        "amends_id": None,
        "amend_reason": None,
    }


def add_meals_and_bowels(
    db: Database,
    admissions: Mapping[int, datetime],
    nurse_ids: Sequence[int],
    *,
    now: datetime,
    seed: int,
) -> None:
    """Meal and bowel entries for each admission (admission id -> admitted at)."""
    meals: list[dict[str, Any]] = []
    bowels: list[dict[str, Any]] = []
    for number, (admission_id, admitted_at) in enumerate(sorted(admissions.items())):
        rng = random.Random(seed * 104_729 + admission_id)
        little = number % 8 in (2, 4)  # the fluid demo's poor drinkers eat little too
        constipated = number % 8 == 2

        def stamp(
            at: datetime, rng: random.Random = rng, admission_id: int = admission_id
        ) -> dict[str, Any]:
            return _stamp(at, rng, admission_id, nurse_ids, within_minutes=20)

        day = admitted_at.replace(hour=0, minute=0, second=0, microsecond=0)
        next_bowels = admitted_at + timedelta(hours=rng.uniform(10, 40))
        while day <= now:
            early = (day - admitted_at) < timedelta(days=3)
            for occasion, (first, last), offered in _MEALS:
                at = day + timedelta(minutes=rng.randint(first, last))
                if not admitted_at < at <= now:
                    continue
                portion = rng.choice(
                    _EATS_LITTLE if little or (early and rng.random() < 0.3) else _EATS_WELL
                )
                row = stamp(at)
                row.update(
                    occasion=occasion,
                    offered=rng.choice(offered),
                    portion=portion.value,
                    reason=rng.choice(REASONS[:2])
                    if portion in (Portion.NONE, Portion.QUARTER)
                    else "",
                    supplement="",
                    supplement_outcome="",
                    supplement_reason="",
                )
                if little and occasion != "breakfast":
                    declined = rng.random() < 0.6
                    row.update(
                        supplement="nutritional_drink",
                        supplement_outcome="declined" if declined else "given",
                        supplement_reason="Feels sick after it" if declined else "",
                    )
                elif occasion == "breakfast" and number % 8 == 5:
                    row.update(supplement="vitamins", supplement_outcome="given")
                meals.append(row)
            day += timedelta(days=1)
        quiet_from = now - timedelta(days=rng.uniform(3.3, 4.5)) if constipated else now
        while next_bowels <= now:
            if next_bowels <= quiet_from:
                row = stamp(next_bowels)
                hard = constipated and next_bowels + timedelta(days=2) > quiet_from
                row.update(
                    bristol_type=rng.choice((1, 2)) if hard else rng.choice((3, 4, 4, 5, None))
                )
                bowels.append(row)
            next_bowels += timedelta(hours=rng.uniform(18, 44))
    with db.transaction() as session:
        for model, rows in ((MealEntryRow, meals), (BowelEntryRow, bowels)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start : start + 5000])


def add_urine_dipsticks(
    db: Database,
    admissions: Mapping[int, datetime],
    nurse_ids: Sequence[int],
    *,
    now: datetime,
    seed: int,
) -> None:
    """A urine dipstick on admission for everyone, then each morning for the one patient in
    four with bladder symptoms (blood trace to 2+ early, settling); an old strip now and then
    leaves a pad "not read"."""
    rows: list[dict[str, Any]] = []
    for number, (admission_id, admitted_at) in enumerate(sorted(admissions.items())):
        rng = random.Random(seed * 7_919 + admission_id)
        bladder = number % 4 == 1
        at = admitted_at + timedelta(minutes=rng.randint(40, 150))
        day = 0
        while at <= now:
            blood = rng.choice(
                ("trace", "1+", "2+") if bladder and day < 4 else ("negative",) * 4 + ("trace",)
            )
            row = _stamp(at, rng, admission_id, nurse_ids, within_minutes=15)
            row.update(
                blood=blood,
                leucocytes=rng.choice(("negative", "negative", "trace")),
                nitrites=None if rng.random() < 0.05 else "negative",
            )
            rows.append(row)
            if not bladder:
                break
            day += 1
            at = (admitted_at + timedelta(days=day)).replace(hour=7, minute=rng.randint(0, 50))
    with db.transaction() as session:
        if rows:
            session.execute(insert(UrineDipstickRow), rows)
