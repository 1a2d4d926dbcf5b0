"""Observation levels and safety checks for the demo ward (invented, deterministic for a seed).

Patients with hallucinations, confusion or panic are put on raised levels nine hours before
"now", with checks at irregular times inside each interval by the demo nurses; everyone else has
had general checks inside each hour. At build time no check is overdue, so the demo raises no
missed-check escalation until the clock moves on.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from wardconsole.domain.safety_checks import Presentation, prompt_time
from wardconsole.services.db import Database
from wardconsole.store.models import Admission, ObservationLevelRow, SafetyCheckRow

RAISED_FOR_COURSE: Mapping[str, tuple[str, str]] = {
    "hallucination": ("intermittent_15", "Hearing voices telling him to leave; BPRS-E 5"),
    "confusion": ("eyesight", "Disoriented at night, 4AT 5; wandering into other rooms"),
    "panic": ("intermittent_30", "Panic attacks overnight; asked for closer support"),
}
PLACES = ("Bedroom", "Bedroom", "Bedroom", "Lounge", "Corridor", "Bathroom / toilet")


def add_observation_levels(
    db: Database,
    courses: Mapping[int, str],
    nurse_ids: Sequence[int],
    *,
    now: datetime,
    seed: int,
) -> None:
    """Raised levels (by course) and recent checks for every admission in ``courses``."""
    rng = random.Random(seed * 7919 + 1)
    policy = db.observation_levels
    with db.transaction() as session:
        for admission_id, course in courses.items():
            admitted_at = session.get_one(Admission, admission_id).admitted_at
            key, reason = RAISED_FOR_COURSE.get(course, (policy.default_level, ""))
            definition = policy.level(key)
            since = max(admitted_at, now - timedelta(hours=9))  # the whole night so far
            nurse = rng.choice(list(nurse_ids))
            if reason:
                session.add(
                    ObservationLevelRow(
                        admission_id=admission_id,
                        level=key,
                        check_minutes=definition.check_minutes,
                        effective_from=since,
                        reason=reason,
                        review_at=since + policy.default_review,
                        agreed_with="Dr Iyer (on call)",
                        next_prompt_at=prompt_time(
                            since, since + definition.check_interval, definition, policy, rng
                        ),
                        recorded_at=since,
                        recorded_by_id=nurse,
                        station="demo",
                    )
                )
            t = since
            interval = definition.check_interval
            while True:
                t += interval * rng.uniform(0.35, 0.95)
                if t > now:
                    break
                if now - t > interval:
                    how = rng.choice((Presentation.CALM, Presentation.ASLEEP))
                else:
                    how = Presentation.ASLEEP if rng.random() < 0.7 else Presentation.CALM
                session.add(
                    SafetyCheckRow(
                        admission_id=admission_id,
                        location=rng.choice(PLACES),
                        presentation=how.value,
                        level=key,
                        check_minutes=definition.check_minutes,
                        next_prompt_at=prompt_time(t, t + interval, definition, policy, rng),
                        taken_at=t,
                        status="final",
                        note="",
                        recorded_at=t,
                        recorded_by_id=rng.choice(list(nurse_ids)),
                        station="demo",
                    )
                )
