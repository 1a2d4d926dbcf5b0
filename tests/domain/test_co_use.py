"""What follows from co-used substances at intake: the CIWA-Ar schedule from the last drink,
escalations on CIWA-Ar and COWS at the ward's thresholds, a prescriber review for regular
benzodiazepine use, and the policy and intake checks behind them (REFERENCE-2.md §12.5, §12.6)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from intakefakes import intake_data

from wardconsole.domain.assessments import CIWA_AR_ITEMS, COWS_ITEMS
from wardconsole.domain.co_use import CoUse, alcohol_timing, ciwa_ar_due, co_use_of
from wardconsole.domain.intake import IntakeProblems, flag_labels, parse_intake
from wardconsole.domain.policy import (
    EscalationPolicy,
    PolicyError,
    default_policy_file,
    load_policy,
)
from wardconsole.domain.records import EscalationKind as K
from wardconsole.domain.records import Severity
from wardconsole.domain.rules import evaluate
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import ADMITTED, NOW, ago, assess, state
from .test_co_use_scales import answers_for

DRINKER = CoUse(
    noted_at=ADMITTED, alcohol_recent=True, last_drink_at=ADMITTED - timedelta(hours=10)
)
HOUR = timedelta(hours=1)


def ciwa(at: datetime, total: int) -> Any:
    return assess("ciwa_ar", at, **answers_for(CIWA_AR_ITEMS, total), band_scheme="camcops")


def cows(at: datetime, total: int) -> Any:
    return assess("cows", at, **answers_for(COWS_ITEMS, total))


def triggers(policy: EscalationPolicy, chart: WithdrawalChart, *items: Any, co_use: Any = None):
    patient = replace(state(*items), co_use=co_use)
    return {t.kind: t for t in evaluate(patient, now=NOW, policy=policy, chart=chart)}


# --- the schedule from the last drink -------------------------------------------------------------


def schedule(co_use: CoUse | None, *ratings: Any, keep_on: int = 8) -> Any:
    return ciwa_ar_due(
        co_use,
        list(ratings),
        admitted_at=ADMITTED,
        interval=4 * HOUR,
        watch=96 * HOUR,
        keep_on_at_or_above=keep_on,
    )


def test_first_ciwa_ar_is_due_at_admission_then_every_interval() -> None:
    first = schedule(DRINKER)
    assert first is not None and first.due_at == ADMITTED and first.last_taken_at is None
    rating = ciwa(ADMITTED + HOUR, 3)
    after = schedule(DRINKER, rating)
    assert after is not None and after.due_at == ADMITTED + 5 * HOUR
    assert after.reason == "within 96 h of the last drink"


def test_schedule_ends_96_hours_after_the_last_drink_unless_the_score_is_high() -> None:
    last_drink = DRINKER.last_drink_at
    assert last_drink is not None
    low = ciwa(last_drink + 92 * HOUR, 4)  # next due at 96 h: the watch has ended
    assert schedule(DRINKER, low) is None
    just_inside = ciwa(last_drink + 92 * HOUR - timedelta(minutes=1), 4)
    assert schedule(DRINKER, just_inside) is not None
    high = ciwa(last_drink + 92 * HOUR, 8)
    kept = schedule(DRINKER, high)
    assert kept is not None and kept.reason == "latest CIWA-Ar 8 is at or above 8"


def test_last_drink_not_known_runs_the_schedule_from_admission() -> None:
    unknown = replace(DRINKER, last_drink_at=None)
    rating = ciwa(ADMITTED + 93 * HOUR, 2)
    assert schedule(unknown, rating) is None
    rating = ciwa(ADMITTED + 91 * HOUR, 2)
    found = schedule(unknown, rating)
    assert found is not None and found.reason == ("within 96 h of admission (last drink not known)")


def test_no_schedule_without_recent_drinking() -> None:
    assert schedule(None) is None
    assert schedule(CoUse(noted_at=ADMITTED, opioids_recent=True)) is None


def test_co_use_added_by_an_amendment_is_due_from_when_it_was_recorded() -> None:
    later = replace(DRINKER, noted_at=ADMITTED + 20 * HOUR)
    found = schedule(later)
    assert found is not None and found.due_at == ADMITTED + 20 * HOUR


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (30, "within the 48 h when withdrawal seizures usually occur"),
        (47, "within the 48 h when withdrawal seizures usually occur"),
        (48, "in the 48–96 h when delirium tremens usually begins"),
        (95, "in the 48–96 h when delirium tremens usually begins"),
        (96, "past the usual onset of delirium tremens (48–96 h)"),
    ],
)
def test_alcohol_timing_follows_the_published_course(hours: int, text: str) -> None:
    co_use = replace(DRINKER, last_drink_at=NOW - hours * HOUR)
    assert text in alcohol_timing(co_use, NOW, UTC)


# --- escalations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (7, None),
        (8, Severity.URGENT),
        (14, Severity.URGENT),
        (15, Severity.EMERGENCY),
        (67, Severity.EMERGENCY),
    ],
)
def test_ciwa_ar_escalates_at_the_policy_thresholds(
    policy: EscalationPolicy, chart: WithdrawalChart, total: int, severity: Severity | None
) -> None:
    found = triggers(policy, chart, ciwa(ago(minutes=20), total), co_use=DRINKER)
    trigger = found.get(K.ALCOHOL_WITHDRAWAL)
    assert (trigger.severity if trigger else None) == severity
    if trigger is not None:
        assert trigger.explanation.startswith(f"CIWA-Ar {total}/67: ")
        assert "(CamCOPS bands); last drink" in trigger.explanation
        assert any("NICE CG100" in p for p in trigger.prompts)


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (12, None),
        (13, Severity.URGENT),
        (36, Severity.URGENT),
        (37, Severity.EMERGENCY),
        (48, Severity.EMERGENCY),
    ],
)
def test_cows_escalates_at_the_policy_thresholds(
    policy: EscalationPolicy, chart: WithdrawalChart, total: int, severity: Severity | None
) -> None:
    found = triggers(policy, chart, cows(ago(minutes=20), total))
    trigger = found.get(K.OPIOID_WITHDRAWAL)
    assert (trigger.severity if trigger else None) == severity


def test_an_old_rating_no_longer_escalates(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    found = triggers(policy, chart, ciwa(ago(hours=9), 20), cows(ago(hours=9), 40))
    assert K.ALCOHOL_WITHDRAWAL not in found and K.OPIOID_WITHDRAWAL not in found


def test_ciwa_ar_overdue_for_a_recent_drinker(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    recent = replace(DRINKER, last_drink_at=NOW - 20 * HOUR)
    found = triggers(policy, chart, ciwa(ago(hours=4, minutes=20), 3), co_use=recent)
    trigger = found[K.CIWA_AR_DUE]
    assert trigger.severity is Severity.URGENT
    assert trigger.explanation == "CIWA-Ar: due 20 min ago (within 96 h of the last drink)"
    assert trigger.prompts == ("Record a CIWA-Ar now",)
    within_grace = triggers(policy, chart, ciwa(ago(hours=4, minutes=10), 3), co_use=recent)
    assert K.CIWA_AR_DUE not in within_grace
    assert K.CIWA_AR_DUE not in triggers(policy, chart, ciwa(ago(hours=4, minutes=20), 3))


def test_regular_benzodiazepine_use_prompts_a_prescriber_review(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    benzo = CoUse(noted_at=ADMITTED, benzodiazepines_regular=True)
    trigger = triggers(policy, chart, co_use=benzo)[K.BENZODIAZEPINE_REVIEW]
    assert trigger.severity is Severity.ADVISORY
    assert trigger.evidence_at == ADMITTED
    assert "Prescriber review" in trigger.prompts[0]
    assert K.BENZODIAZEPINE_REVIEW not in triggers(policy, chart, co_use=DRINKER)


def test_a_ward_protocol_prompt_from_policy_is_shown(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    rule = policy.rules["alcohol_withdrawal"]
    text = "Ward alcohol protocol: see the prescribing guideline"
    local = replace(rule, params={**rule.params, "ward_protocol_prompt": text})
    ward = replace(policy, rules={**policy.rules, "alcohol_withdrawal": local})
    found = triggers(ward, chart, ciwa(ago(minutes=5), 9), co_use=DRINKER)
    assert text in found[K.ALCOHOL_WITHDRAWAL].prompts
    assert not any(
        "thiamine" in p.lower()
        for p in triggers(policy, chart, ciwa(ago(minutes=5), 9))[K.ALCOHOL_WITHDRAWAL].prompts
    )


# --- the policy file ------------------------------------------------------------------------------

BUNDLED = default_policy_file("escalation_policy.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'band_scheme = "camcops"',
            'band_scheme = "mdcalc"',
            "band_scheme: must be one of the published schemes",
        ),
        (
            "urgent_at_or_above = 8 ",
            "urgent_at_or_above = 9 ",
            "urgent_at_or_above: must be where a CamCOPS band starts (8, 15), got 9",
        ),
        (
            "urgent_at_or_above = 13 ",
            "urgent_at_or_above = 12 ",
            "must be where a COWS band starts (5, 13, 25, 37), got 12",
        ),
        ("watch_hours = 96", "watch_hours = 24", "watch_hours"),
    ],
)
def test_policy_refuses_thresholds_off_the_published_bands(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in BUNDLED
    path = tmp_path / "policy.toml"
    path.write_text(BUNDLED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyError, match=re.escape(problem)):
        load_policy(path)


def test_choosing_another_published_scheme_moves_the_thresholds_with_it(tmp_path: Path) -> None:
    text = BUNDLED.replace('band_scheme = "camcops"', 'band_scheme = "asam_2020"', 1)
    text = text.replace("urgent_at_or_above = 8 ", "urgent_at_or_above = 10 ", 1)
    text = text.replace("emergency_at_or_above = 15 ", "emergency_at_or_above = 19 ", 1)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    assert load_policy(path).rules["alcohol_withdrawal"].params["band_scheme"] == "asam_2020"


# --- the intake -----------------------------------------------------------------------------------

T = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_intake_co_use_flags_and_facts() -> None:
    data = intake_data(
        T,
        substance_use={
            "other_substances": ["alcohol", "benzodiazepines", "opioids"],
            "alcohol_recent": True,
            "last_drink_at": (T - 12 * HOUR).isoformat(),
            "opioids_recent": True,
            "benzodiazepines_regular": True,
        },
    )
    intake = parse_intake(data, admitted_at=T)
    labels = flag_labels(intake)
    for label in (
        "Alcohol withdrawal risk",
        "Opioid withdrawal risk",
        "Regular benzodiazepine use",
    ):
        assert label in labels
    co_use = co_use_of(intake, T)
    assert co_use == CoUse(T, True, T - 12 * HOUR, True, True)
    assert parse_intake(intake.to_json(), admitted_at=T) == intake


def test_alcohol_ticked_alone_changes_nothing() -> None:
    intake = parse_intake(intake_data(T), admitted_at=T)
    assert co_use_of(intake, T) is None
    assert not any("withdrawal risk" in label for label in flag_labels(intake))


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        ({"other_substances": [], "alcohol_recent": True}, "alcohol_recent", "tick alcohol"),
        ({"opioids_recent": True}, "opioids_recent", "tick opioids"),
        ({"benzodiazepines_regular": True}, "benzodiazepines_regular", "tick benzodiazepines"),
        ({"last_drink_at": T.isoformat()}, "last_drink_at", "only asked for recent drinking"),
        (
            {"alcohol_recent": True, "last_drink_at": (T + 2 * HOUR).isoformat()},
            "last_drink_at",
            "after the admission time",
        ),
        ({"alcohol_recent": True, "last_drink_at": "yesterday"}, "last_drink_at", "not a date"),
    ],
)
def test_intake_refuses_inconsistent_co_use(fields: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(IntakeProblems) as caught:
        parse_intake(intake_data(T, substance_use=fields), admitted_at=T)
    assert message in caught.value.problems[f"substance_use.{key}"]


def test_the_intake_summary_and_history_name_the_co_use_and_the_items() -> None:
    from wardconsole.domain.assessments import scale_items_text
    from wardconsole.domain.intake_text import co_use_text

    data = intake_data(
        T,
        substance_use={
            "other_substances": ["alcohol", "opioids"],
            "alcohol_recent": True,
            "opioids_recent": True,
        },
    )
    intake = parse_intake(data, admitted_at=T)
    assert co_use_text(intake, UTC) == (
        "Co-use now: recent drinking (last drink not known): CIWA-Ar; recent opioid use: COWS."
    )
    answers = answers_for(CIWA_AR_ITEMS, 0) | {"tremor": 4, "orientation": 1}
    assert scale_items_text("ciwa_ar", answers) == (
        "tremor 4, orientation and clouding of sensorium 1"
    )
    assert scale_items_text("rass", {"score": 2}) == ""
