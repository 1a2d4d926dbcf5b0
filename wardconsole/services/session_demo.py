"""Demo therapy and support sessions: a ward timetable, patients who mostly take part, some
declined or left early, a few days without 1:1 contact, and craving ratings at some sessions.

Written straight to the tables (as the rest of the demo ward is), with its own random stream,
so adding sessions does not change the demo's vital signs or escalations.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.sessions import Attendance, SessionType
from wardconsole.domain.shifts import boundary
from wardconsole.services.db import Database
from wardconsole.store.models import Admission, AssessmentRow, SupportSessionRow

TIMETABLE: tuple[tuple[time, tuple[SessionType, ...], int], ...] = (
    (time(10, 0), (SessionType.GROUP,), 60),
    (time(11, 30), (SessionType.KEY_WORKER,), 30),
    (time(14, 0), (SessionType.CBT, SessionType.ART, SessionType.PEER_SUPPORT), 60),
    (time(16, 30), (SessionType.MINDFULNESS, SessionType.MOVEMENT), 45),
    (time(18, 30), (SessionType.FAMILY,), 30),
)
"""(local start, the types that take turns in that slot by day, minutes)."""

LED_BY: dict[SessionType, str] = {
    SessionType.GROUP: "Therapy team",
    SessionType.CBT: "Psychology team",
    SessionType.ART: "Art therapist",
    SessionType.PEER_SUPPORT: "Peer mentor",
    SessionType.MINDFULNESS: "Therapy team",
    SessionType.MOVEMENT: "Activity coordinator",
    SessionType.FAMILY: "",
}


def add_sessions(
    db: Database,
    admission_ids: Sequence[int],
    nurses: Sequence[tuple[int, str]],
    *,
    now: datetime,
    seed: int,
) -> int:
    """Add the timetable's sessions from two hours after each admission up to ``now``; returns
    how many were written. ``nurses`` are (staff id, name): 1:1 time is with one of them."""
    zone = db.shifts.zone
    written = 0
    with db.transaction() as session:
        stays = session.execute(
            select(Admission.id, Admission.admitted_at).where(Admission.id.in_(admission_ids))
        ).all()
        for admission_id, admitted_at in stays:
            rng = random.Random(seed * 1_000_003 + admission_id)
            day = admitted_at.astimezone(zone).date()
            while day <= now.astimezone(zone).date():
                skip_one_to_one = rng.random() < 0.15
                for clock, kinds, minutes in TIMETABLE:
                    kind = kinds[day.toordinal() % len(kinds)]
                    start = boundary(day, clock, zone)
                    end = start + timedelta(minutes=minutes)
                    if start < admitted_at + timedelta(hours=2) or end > now:
                        continue
                    if kind is SessionType.KEY_WORKER and skip_one_to_one:
                        continue
                    if kind is SessionType.FAMILY and rng.random() < 0.7:
                        continue
                    nurse_id, nurse_name = rng.choice(list(nurses))
                    row, before, after = _session_row(
                        rng, admission_id, kind, start, end, nurse_id, nurse_name, now
                    )
                    if before is not None and after is not None:
                        session.add_all([before, after])
                        session.flush()
                        row.craving_before_id, row.craving_after_id = before.id, after.id
                    session.add(row)
                    written += 1
                day += timedelta(days=1)
    return written


def _session_row(
    rng: random.Random,
    admission_id: int,
    kind: SessionType,
    start: datetime,
    end: datetime,
    nurse_id: int,
    nurse_name: str,
    now: datetime,
) -> tuple[SupportSessionRow, AssessmentRow | None, AssessmentRow | None]:
    """The session row (craving links not yet set) and its craving ratings, if any."""
    draw = rng.random()
    attendance = (
        Attendance.ATTENDED
        if draw < 0.75
        else Attendance.DECLINED
        if draw < 0.92
        else Attendance.LEFT_EARLY
    )
    if attendance is Attendance.LEFT_EARLY:
        end = start + (end - start) / 2
    stamp = {
        "admission_id": admission_id,
        # Typed in a few minutes after the session, never after the ward is built.
        "recorded_at": min(end + timedelta(minutes=rng.randint(2, 20)), now),
        "recorded_by_id": nurse_id,
        "station": rng.choice(["Station A", "Station B"]),
        "status": "final",
        "note": "",
    }
    before = after = None
    rated = kind in (SessionType.GROUP, SessionType.KEY_WORKER, SessionType.CBT)
    if attendance.took_part and rated and rng.random() < 0.5:
        value = rng.randint(2, 6)
        before = _craving(stamp, start, value)
        after = _craving(stamp, end, max(0, value - rng.randint(0, 2)))
    row = SupportSessionRow(
        **stamp,
        taken_at=start,
        session_type=kind.value,
        attendance=attendance.value,
        ended_at=end,
        led_by=nurse_name if kind is SessionType.KEY_WORKER else LED_BY[kind],
    )
    return row, before, after


def _craving(stamp: dict[str, Any], at: datetime, value: int) -> AssessmentRow:
    answers = {"score": value}
    score = score_assessment("craving", answers)
    return AssessmentRow(
        **stamp, taken_at=at, kind="craving", answers=answers, total=score.total, label=score.label
    )
