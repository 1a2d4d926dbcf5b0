"""The fluid chart's pure rules: periods on the ward's wall clock, totals and their words, the
review arithmetic, and the policy file's checks."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from wardconsole.domain.fluid_policy import FluidPolicyError, load_fluid_policy
from wardconsole.domain.fluids import (
    Direction,
    FluidEntry,
    FluidInput,
    FluidPlan,
    FluidTotals,
    fluid_problems,
    latest_review,
    no_urine_since,
    period_of,
    periods_between,
    totals_of,
)

LONDON = "Europe/London"
SEVEN = time(7, 0)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_an_entry_before_the_day_start_belongs_to_the_day_before() -> None:
    assert period_of(utc("2026-11-25 06:59:59"), SEVEN, LONDON).day == date(2026, 11, 24)
    assert period_of(utc("2026-11-25 07:00:00"), SEVEN, LONDON).day == date(2026, 11, 25)
    assert period_of(utc("2026-11-25 23:59:00"), SEVEN, LONDON).day == date(2026, 11, 25)
    assert period_of(utc("2026-11-26 00:01:00"), SEVEN, LONDON).day == date(2026, 11, 25)
    # Summer time: 07:00 BST is 06:00 UTC.
    assert period_of(utc("2026-07-01 06:00"), SEVEN, LONDON).start == utc("2026-07-01 06:00")
    assert period_of(utc("2026-07-01 05:59"), SEVEN, LONDON).day == date(2026, 6, 30)


def test_clock_change_periods_are_23_and_25_hours_and_labelled() -> None:
    spring = period_of(utc("2027-03-27 12:00"), SEVEN, LONDON)
    assert (spring.hours, spring.clock_change) == (23, "23 h: the clocks went forward")
    autumn = period_of(utc("2026-10-24 12:00"), SEVEN, LONDON)
    assert autumn.hours == 25 and autumn.label.endswith("(25 h: the clocks went back)")
    ordinary = period_of(utc("2026-11-25 12:00"), SEVEN, LONDON)
    assert ordinary.hours == 24 and ordinary.clock_change == ""
    assert ordinary.label == "Wed 25 Nov 07:00 → Thu 26 Nov 07:00"
    spans = periods_between(utc("2026-10-23 12:00"), utc("2026-10-26 08:00"), SEVEN, LONDON)
    assert [p.hours for p in spans] == [24, 25, 24, 24]
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))


def _entry(direction: Direction, what: str, ml: int | None) -> FluidEntry:
    return FluidEntry(1, 1, utc("2026-11-25 12:00"), direction, what, ml)


def test_the_balance_needs_every_output_measured_and_zero_is_never_bare() -> None:
    totals = totals_of(
        [
            _entry(Direction.INTAKE, "oral", 250),
            _entry(Direction.INTAKE, "iv", 500),
            _entry(Direction.OUTPUT, "urine", 300),
        ]
    )
    assert (totals.intake_ml, totals.output_ml, totals.balance_ml) == (750, 300, 450)
    assert totals.balance_text == "balance +450 ml"
    unknown = totals_of([_entry(Direction.OUTPUT, "urine", None)] * 2)
    assert unknown.balance_ml is None
    assert unknown.balance_text == "balance unknown — output not measured (2 times)"
    now = utc("2026-11-25 13:00")
    nothing = FluidTotals()
    assert (
        nothing.intake_text(now - timedelta(hours=6), now) == "0 ml recorded · last entry 6 h ago"
    )
    assert nothing.intake_text(None, now) == "0 ml recorded · no intake entry yet this stay"


def _plan(reason: str = "poor_intake", target: int = 1500) -> FluidPlan:
    return FluidPlan(1, 1, utc("2026-11-25 07:30"), reason, "", target, utc("2026-11-28 07:30"))


def test_the_review_expects_the_policys_share_of_the_target_rounded_up() -> None:
    policy = load_fluid_policy()
    period = period_of(utc("2026-11-25 12:00"), policy.day_start, LONDON)
    before = latest_review(
        _plan(target=1501), FluidTotals(intake_ml=700), period, utc("2026-11-25 14:59"), policy
    )
    assert before is None
    found = latest_review(
        _plan(target=1501), FluidTotals(intake_ml=750), period, utc("2026-11-25 15:00"), policy
    )
    assert found is not None and (found.clock, found.expected_ml) == ("15:00", 751)
    assert found.behind and "not an NHS standard" in found.text
    night = latest_review(
        _plan(), FluidTotals(intake_ml=1500), period, utc("2026-11-26 06:30"), policy
    )
    assert night is not None and night.clock == "06:00" and not night.behind


def test_no_urine_counts_only_on_a_chart_for_bladder_pain() -> None:
    policy = load_fluid_policy()
    plan = _plan("bladder_pain")
    later = plan.started_at + policy.no_urine
    assert no_urine_since(plan, None, later - timedelta(minutes=1), policy) is None
    assert no_urine_since(plan, None, later, policy) == plan.started_at
    voided = plan.started_at + timedelta(hours=2)
    assert no_urine_since(plan, voided, later, policy) is None
    assert no_urine_since(_plan("poor_intake"), None, later, policy) is None


def test_volumes_are_checked_against_the_policy_naming_the_field() -> None:
    policy = load_fluid_policy()
    assert fluid_problems(FluidInput(Direction.INTAKE, "oral", 200), policy) == {}
    assert "volume_ml" in fluid_problems(FluidInput(Direction.INTAKE, "oral", 0), policy)
    assert "volume_ml" in fluid_problems(FluidInput(Direction.INTAKE, "oral", True), policy)  # type: ignore[arg-type]
    assert fluid_problems(FluidInput(Direction.OUTPUT, "urine", None), policy) == {}
    assert "route" in fluid_problems(FluidInput(Direction.INTAKE, "nasal", 100), policy)
    big = policy.intake_confirm_above_ml + 1
    assert (
        "re-measure"
        in fluid_problems(FluidInput(Direction.INTAKE, "oral", big), policy)["volume_ml"]
    )
    assert fluid_problems(FluidInput(Direction.INTAKE, "oral", big, confirmed=True), policy) == {}


def test_the_policy_file_is_validated_naming_section_and_key(tmp_path: Path) -> None:
    policy = load_fluid_policy()
    assert policy.day_start == SEVEN and policy.presets_ml == (150, 200, 250)
    assert not policy.signed_off  # a draft until governance signs it off
    text = (Path(__file__).parents[2] / "resources/policy/fluid_chart.toml").read_text()
    broken = tmp_path / "fluid_chart.toml"
    broken.write_text(text.replace('day_start = "07:00"', 'day_start = "7am"'))
    with pytest.raises(FluidPolicyError, match=r"\[periods\] day_start"):
        load_fluid_policy(broken)
    broken.write_text(text.replace("presets_ml = [150, 200, 250]", "presets_ml = [150, 9000]"))
    with pytest.raises(FluidPolicyError, match=r"\[census\] presets_ml"):
        load_fluid_policy(broken)
