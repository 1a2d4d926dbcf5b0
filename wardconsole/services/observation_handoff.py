"""What the shift handoff says about observation levels and safety checks, per patient.

Levels in force during the shift (who set them, why, when to review), the checks due and how
they ended, and every absent-patient event, as handoff ``Fact`` lines. Runs inside the handoff's
own read session; the figures come from the same walk as the census and the compliance view.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from sqlalchemy.orm import Session

from wardconsole.domain.handoff_records import Fact
from wardconsole.domain.observation_levels import ObservationLevelPolicy
from wardconsole.domain.records import Severity
from wardconsole.domain.safety_checks import (
    CheckRecord,
    ComplianceCounts,
    LevelPeriod,
    LevelSpan,
    Presentation,
    SlotOutcome,
    levels_within,
    slots_between,
    with_default_level,
)
from wardconsole.services.db import Database
from wardconsole.store import safety_checks as store
from wardconsole.store.handoff_queries import StayAtShift

TOPIC = "safety_checks"


def observation_facts(
    db: Database,
    session: Session,
    stays: Sequence[StayAtShift],
    start: datetime,
    end: datetime,
    now: datetime,
    zone: tzinfo,
) -> dict[int, tuple[Fact, ...]]:
    """Handoff lines for each patient's shift ``[start, end)`` as known at ``now``; none for a
    patient on general observation all shift with no check recorded. Three statements for the
    whole ward (levels, the check each patient's walk starts from, the checks after it)."""
    policy = db.observation_levels
    ids = [stay.admission_id for stay in stays]
    levels = store.level_periods(session, ids)
    seeds = store.latest_checks_before(session, ids, start)
    checks_of = store.checks_from(
        session,
        {i: seeds[i].taken_at if i in seeds else start for i in ids},
        end + 2 * policy.max_interval,
    )
    return {
        stay.admission_id: _facts(
            policy,
            stay,
            levels.get(stay.admission_id, []),
            checks_of.get(stay.admission_id, []),
            start,
            end,
            now,
            zone,
        )
        for stay in stays
    }


def _facts(
    policy: ObservationLevelPolicy,
    stay: StayAtShift,
    levels: list[LevelPeriod],
    checks: list[CheckRecord],
    start: datetime,
    end: datetime,
    now: datetime,
    zone: tzinfo,
) -> tuple[Fact, ...]:
    """One patient's lines; ``checks`` run from the newest check before the shift (or its
    start) to two of the longest check intervals after its end."""

    def clock(at: datetime) -> str:
        return at.astimezone(zone).strftime("%H:%M")

    periods = with_default_level(levels, stay.admitted_at, policy)
    in_shift = levels_within(periods, start, end)
    recorded = [c for c in checks if start <= c.taken_at < end]
    if not recorded and not any(
        (policy.levels[s.period.level].raised if s.period.level in policy.levels else True)
        for s in in_shift
    ):
        return ()  # general observation and no check recorded: nothing to hand over
    facts = [_level_fact(span, policy, zone) for span in in_shift]
    slots = slots_between(
        periods, checks, start, end, now=now, policy=policy, until=stay.discharged_at
    )
    counts = ComplianceCounts.of(slots)
    if counts.due:
        text = (
            f"Safety checks: {counts.due} due, {counts.on_time} on time, {counts.late} late, "
            f"{counts.missed} missed"
        )
        if counts.overdue:
            text += f", {counts.overdue} overdue now"
        missed_severity = policy.missed_check_severity
        facts.append(
            Fact(text, TOPIC, missed_severity if counts.missed or counts.overdue else None)
        )
        missed = [
            clock(s.due_at) for s in slots if s.outcome in (SlotOutcome.MISSED, SlotOutcome.OVERDUE)
        ]
        if missed:
            facts.append(Fact(f"Checks not done: due {', '.join(missed)}", TOPIC, missed_severity))
    for check in checks:
        if start <= check.taken_at < end and check.presentation is Presentation.NOT_FOUND:
            who = f" by {check.nurse}" if check.nurse else ""
            where = f" (looked in: {check.location})" if check.location else ""
            found = next(
                (c for c in checks if check.taken_at < c.taken_at <= now and c.presentation.found),
                None,
            )
            text = f"ABSENT: not found at the check at {clock(check.taken_at)}{who}{where}"
            if found is not None:  # found since: an event of the shift, no longer an emergency
                text += f"; found at {clock(found.taken_at)}"
            severity = Severity.ADVISORY if found is not None else policy.absent_severity
            facts.append(Fact(text, TOPIC, severity))
    return tuple(facts)


def _level_fact(span: LevelSpan, policy: ObservationLevelPolicy, zone: tzinfo) -> Fact:
    """One level in force during the shift: the level the shift started on ("at the start of
    the shift", with when it was set) or the time it was set in the shift, until when, who set
    it, why, and when to review it."""
    period = span.period
    definition = policy.levels.get(period.level)
    raised = definition.raised if definition else True
    set_at = period.effective_from.astimezone(zone)
    until = f" until {span.until.astimezone(zone):%H:%M}" if span.until is not None else ""
    if not span.in_force_at_start:
        when = f" from {set_at:%H:%M}{until}"
    else:
        since = "since admission" if period.id is None else "since"
        when = (
            f" at the start of the shift ({since} {set_at:%a %H:%M}),{until}"
            if until
            else f" all shift ({since} {set_at:%a %H:%M})"
        )
    text = f"Observation level: {policy.label(period.level)}{when}"
    if period.id is not None:
        text += f", set by {period.set_by}" if period.set_by else ""
        text += f" ({period.reason})" if period.reason else ""
        if period.agreed_with:
            text += f", agreed with {period.agreed_with}"
        if period.review_at is not None and span.until is None:
            review = period.review_at.astimezone(zone)
            text += f"; review by {review:%a %H:%M}"
    return Fact(text, TOPIC, Severity.ADVISORY if raised else None)
