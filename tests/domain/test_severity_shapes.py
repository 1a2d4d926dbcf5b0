"""The words the domain writes for flags wear the shape of the severity their escalation or
policy gives (● advisory, ◆ urgent, ▲ emergency), and a fact that raises nothing wears none:
the handoff, the charts and the census read these texts as they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wardconsole.domain.bowels import bowel_status
from wardconsole.domain.fluid_policy import load_fluid_policy
from wardconsole.domain.fluids import FluidPlan, FluidTotals, latest_review, period_of
from wardconsole.domain.follow_up import Basis, FollowUpState, overdue_trigger
from wardconsole.domain.medicines import MedicineLine, list_text
from wardconsole.domain.records import ATTENTION_SIGN, Severity

NOW = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
SHAPES = {s.shape: s for s in Severity}


def _shapes(text: str) -> set[Severity]:
    return {SHAPES[c] for c in text if c in SHAPES}


def test_the_bowel_flag_wears_the_policys_flag_severity() -> None:
    policy = load_fluid_policy()
    for severity in Severity:
        status = bowel_status(
            None, NOW - timedelta(days=5), NOW, policy.bowel_flag_days, flag_severity=severity
        )
        assert status.flagged
        assert _shapes(status.text) == {severity}, status.text
        assert _shapes(status.short_text) == {severity}, status.short_text
    shipped = bowel_status(
        None,
        NOW - timedelta(days=5),
        NOW,
        policy.bowel_flag_days,
        flag_severity=policy.bowel_flag_severity,
    )
    assert f" — {policy.bowel_flag_severity.shape} not opened for" in shipped.text
    unflagged = bowel_status(None, NOW - timedelta(hours=2), NOW, policy.bowel_flag_days)
    assert not _shapes(unflagged.text)


def test_an_overdue_follow_up_wears_its_escalations_shape() -> None:
    trigger = overdue_trigger(
        due_at=NOW - timedelta(hours=1),
        hours=72,
        basis=Basis.STANDARD,
        attempts=(),
        now=NOW,
        when=lambda t: t.isoformat(),
    )
    assert trigger is not None
    assert _shapes(FollowUpState.OVERDUE.label) == {trigger.severity}
    assert FollowUpState.OVERDUE.label == f"{trigger.severity.shape} OVERDUE"
    assert not any(_shapes(state.label) for state in FollowUpState if state is not state.OVERDUE)


def test_intake_behind_carries_the_policys_review_severity() -> None:
    policy = load_fluid_policy()
    period = period_of(NOW, policy.day_start, "Europe/London")
    plan = FluidPlan(1, 8, NOW - timedelta(days=2), "bladder_pain", "", 4000, None)
    review = latest_review(plan, FluidTotals(100, 1, 0, 0, 0, 0), period, NOW, policy)
    assert review is not None and review.behind
    assert review.severity is policy.review_severity


def test_lines_awaiting_their_second_check_are_not_marked_as_an_escalation() -> None:
    line = MedicineLine(
        id=1,
        admission_id=1,
        drug="Diazepam",
        drug_class="benzodiazepine",
        dose="10 mg",
        route="oral",
        schedule="regular",
        frequency="at night",
        max_per_24h="",
        starts_at=NOW - timedelta(days=1),
        stop_at=None,
        reducing_until=None,
        transcribed_by="Robin Test",
        transcribed_at=NOW - timedelta(days=1),
    )
    assert not line.checked
    text = list_text([line], NOW)
    assert text is not None and text.endswith(
        f"— {ATTENTION_SIGN} 1 not yet checked against the chart"
    )
    assert not _shapes(text) and ATTENTION_SIGN not in SHAPES
