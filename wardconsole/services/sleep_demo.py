"""The demo ward's nights: safety checks through each night of the stay before the current
check stream, and some nurses' sleep entries (invented, deterministic for a seed).

Sleep is poor early in withdrawal: on nights 1–3 a third of the patients sleep two to three and a
half hours and the rest four to six; later nights six to eight. The night nurse notes sleep for
about half the patients in the morning. A separate random generator per patient keeps the rest
of the demo unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from wardconsole.domain.observation_levels import LevelDefinition
from wardconsole.domain.safety_checks import Presentation
from wardconsole.domain.sleep import SleepQuality
from wardconsole.services.db import Database
from wardconsole.services.sleep import SleepReader
from wardconsole.store.models import SafetyCheckRow, SleepEntryRow

_CHECKS_FROM_NOW = timedelta(hours=9)
"""The observation demo's checks cover the last nine hours; these nights stop where it starts."""


def _hours_asleep(rng: random.Random, night_number: int, poor_sleeper: bool) -> float:
    if night_number <= 3:
        return rng.uniform(2.0, 3.5) if poor_sleeper else rng.uniform(4.0, 6.0)
    return rng.uniform(6.0, 8.0)


def add_sleep(
    db: Database,
    admissions: Mapping[int, datetime],
    nurse_ids: Sequence[int],
    *,
    now: datetime,
    seed: int,
) -> None:
    """Night checks and morning sleep entries for each admission (id -> admitted at)."""
    reader = SleepReader(db)
    level = db.observation_levels.default
    checks: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for number, (admission_id, admitted_at) in enumerate(sorted(admissions.items())):
        rng = random.Random(seed * 4099 + admission_id)
        poor = number % 3 == 0
        cutoff = max(admitted_at, now - _CHECKS_FROM_NOW)
        nights = [n for n in reader.stay_nights(admitted_at, now) if n.end <= now]
        for night_number, night in enumerate(nights, 1):
            hours = _hours_asleep(rng, night_number, poor)
            nurse = rng.choice(list(nurse_ids))
            slack = max(0.0, night.duration.total_seconds() / 3600 - 2 - hours)
            asleep_until = night.end - timedelta(hours=rng.uniform(0.25, min(2.0, slack) + 0.25))
            asleep_from = asleep_until - timedelta(hours=hours)
            t = night.start + timedelta(minutes=rng.randint(10, 40))
            while t < night.end:
                if admitted_at < t < cutoff:
                    awake = not asleep_from <= t < asleep_until
                    how = Presentation.CALM if awake else Presentation.ASLEEP
                    checks.append(_check(admission_id, t, how, level, nurse))
                t += timedelta(minutes=rng.randint(45, 60))
            morning = night.end - timedelta(minutes=rng.randint(10, 40))
            if night is nights[-1] and number % 2 == 0 and admitted_at < morning <= now:
                entries.append(
                    {
                        "admission_id": admission_id,
                        "night_of": night.start_date,
                        "minutes_slept": round(hours * 4) * 15,
                        "quality": (
                            SleepQuality.DISTURBED if hours < 5 else SleepQuality.SETTLED
                        ).value,
                        "woke_at": asleep_until if asleep_until <= morning else None,
                        "taken_at": morning,
                        "status": "final",
                        "note": "",
                        "recorded_at": morning,
                        "recorded_by_id": nurse,
                        "station": "demo",
                    }
                )
    with db.transaction() as session:
        if checks:
            session.execute(insert(SafetyCheckRow), checks)
        if entries:
            session.execute(insert(SleepEntryRow), entries)


def _check(
    admission_id: int, at: datetime, how: Presentation, level: LevelDefinition, nurse: int
) -> dict[str, Any]:
    return {
        "admission_id": admission_id,
        "location": "Bedroom",
        "presentation": how.value,
        "level": level.key,
        "check_minutes": level.check_minutes,
        "next_prompt_at": None,
        "taken_at": at,
        "status": "final",
        "note": "",
        "recorded_at": at,
        "recorded_by_id": nurse,
        "station": "demo",
    }
