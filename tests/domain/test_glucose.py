"""Capillary glucose: the meter's LO/HI are readings, and low values escalate by JBDS-IP."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationKind as K
from wardconsole.domain.records import Severity
from wardconsole.domain.rules import evaluate
from wardconsole.domain.validation import validate_vitals
from wardconsole.domain.withdrawal import WithdrawalChart

from .builders import NOW, ago, obs, state


@pytest.mark.parametrize(("typed", "flag"), [("LO", "LO"), (" lo ", "LO"), ("HI", "HI")])
def test_the_meters_lo_and_hi_are_accepted_as_flagged_readings(typed: str, flag: str) -> None:
    report = validate_vitals({"glucose": typed})
    assert report.ok
    assert report.values["glucose"] is None
    assert report.values["glucose_flag"] == flag


def test_a_number_below_the_meter_range_points_to_lo() -> None:
    [problem] = validate_vitals({"glucose": "0.3"}).errors
    assert problem.field == "glucose"
    assert "0.6–33.3 mmol/L" in problem.message
    assert "recorded as LO or HI" in problem.message


def test_a_number_is_not_flagged() -> None:
    report = validate_vitals({"glucose": "3.4"})
    assert report.values["glucose"] == Decimal("3.4")
    assert report.values["glucose_flag"] is None


def _hypo(policy: EscalationPolicy, chart: WithdrawalChart, **glucose: Any) -> Any:
    reading = replace(obs(ago(minutes=5)), **glucose)
    found = {t.kind: t for t in evaluate(state(reading), now=NOW, policy=policy, chart=chart)}
    return found.get(K.HYPOGLYCAEMIA)


@pytest.mark.parametrize(
    ("glucose", "severity", "text"),
    [
        (3.9, Severity.URGENT, "Capillary glucose 3.9 mmol/L: below 4.0 (hypoglycaemia)"),
        (3.0, Severity.URGENT, "Capillary glucose 3.0 mmol/L: below 4.0 (hypoglycaemia)"),
        (
            2.9,
            Severity.EMERGENCY,
            "Capillary glucose 2.9 mmol/L: below 3.0 (level 2 hypoglycaemia)",
        ),
        (
            0.6,
            Severity.EMERGENCY,
            "Capillary glucose 0.6 mmol/L: below 3.0 (level 2 hypoglycaemia)",
        ),
    ],
)
def test_low_glucose_escalates_by_jbds_ip_and_level_2(
    policy: EscalationPolicy, chart: WithdrawalChart, glucose: float, severity: Severity, text: str
) -> None:
    trigger = _hypo(policy, chart, glucose=glucose)
    assert (trigger.severity, trigger.explanation) == (severity, text)


def test_lo_is_an_emergency(policy: EscalationPolicy, chart: WithdrawalChart) -> None:
    trigger = _hypo(policy, chart, glucose_flag="LO")
    assert trigger.severity is Severity.EMERGENCY
    assert trigger.explanation == "Capillary glucose LO: below the meter's range"


@pytest.mark.parametrize("reading", [{"glucose": 4.0}, {"glucose_flag": "HI"}, {}])
def test_four_and_above_hi_and_no_reading_raise_no_hypoglycaemia(
    policy: EscalationPolicy, chart: WithdrawalChart, reading: dict[str, Any]
) -> None:
    assert _hypo(policy, chart, **reading) is None


def test_a_later_normal_reading_ends_the_trigger(
    policy: EscalationPolicy, chart: WithdrawalChart
) -> None:
    low = replace(obs(ago(minutes=40)), glucose=2.5)
    treated = replace(obs(ago(minutes=10)), glucose=5.6)
    later_set = obs(ago(minutes=5))  # no glucose on it: the treated reading still counts
    found = evaluate(state(low, treated, later_set), now=NOW, policy=policy, chart=chart)
    assert K.HYPOGLYCAEMIA not in {t.kind for t in found}
