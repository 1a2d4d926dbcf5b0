"""The escalation policy file: bundled defaults and clear errors for broken files."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from wardconsole.domain.policy import (
    RULE_SCHEMA,
    EscalationPolicy,
    PolicyError,
    default_policy_file,
    load_policy,
)
from wardconsole.domain.records import EscalationKind, Severity


def test_bundled_policy_values(policy: EscalationPolicy) -> None:
    assert policy.version
    assert not policy.signed_off
    assert set(policy.rules) == set(RULE_SCHEMA)
    assert all(EscalationKind(key) for key in policy.rules)
    assert policy.rule("agitation").number("rass_at_or_above") == 2
    assert policy.rule("oversedation").number("rass_at_or_below") == -2
    assert policy.rule("oversedation").number("news2_prompt_at_or_below") == -3
    assert policy.rule("hallucination").number("bprse_at_or_above") == 5
    assert policy.rule("hallucination").number("new_onset_at_or_above") == 4
    assert policy.rule("confusion").number("four_at_at_or_above") == 4
    assert policy.rule("craving").number("score_at_or_above") == 7
    assert policy.rule("self_harm").severity("severity_high") is Severity.EMERGENCY
    assert policy.reannounce == {
        Severity.EMERGENCY: timedelta(minutes=2),
        Severity.URGENT: timedelta(minutes=10),
        Severity.ADVISORY: None,
    }
    assert policy.cascade == ("Nurse in charge", "On-call doctor")
    assert policy.max_snooze == timedelta(minutes=30)
    assert set(policy.partial_recheck) == {"high", "medium", "low-medium", "low", "unscored"}
    assert policy.history_window >= timedelta(days=7)
    for rule in policy.rules.values():
        assert rule.enabled
        assert rule.rationale
        assert "\n" not in rule.rationale


@pytest.mark.parametrize(
    ("clock", "shift"),
    [
        (time(7, 0), "Day"),
        (time(18, 59), "Day"),
        (time(19, 0), "Night"),
        (time(0, 3), "Night"),
        (time(6, 59), "Night"),
    ],
)
def test_shift_pattern(policy: EscalationPolicy, clock: time, shift: str) -> None:
    assert policy.shift_at(clock).name == shift


# --- broken files ---------------------------------------------------------------------------------

BUNDLED = default_policy_file("escalation_policy.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "rass_at_or_above = 2",
            "rass_at_or_above = 9",
            "[rules.agitation] rass_at_or_above: must be a whole number 1–4, got 9",
        ),
        ("rass_at_or_above = 2", 'rass_at_or_above = "2"', "[rules.agitation] rass_at_or_above"),
        (
            "rass_at_or_above = 2",
            "rass_at_above = 2",
            "[rules.agitation] unknown key(s) rass_at_above",
        ),
        (
            'severity = "advisory"       # DESIGN CHOICE\nmax_doses',
            'severity = "low"\nmax_doses',
            "[rules.prn_review] severity: must be one of advisory",
        ),
        ('id = "craving"', 'id = "panic"', "[rules.craving] id: 'panic' is used by another rule"),
        (
            'enabled = true\nrationale = "Craving',
            'enabled = "yes"\nrationale = "Craving',
            "[rules.craving] enabled: must be true or false",
        ),
        (
            "news2_prompt_at_or_below = -3",
            "news2_prompt_at_or_below = -1",
            "news2_prompt_at_or_below: must not be above rass_at_or_below",
        ),
        (
            "new_onset_at_or_above = 4",
            "new_onset_at_or_above = 6",
            "new_onset_at_or_above: must not be above bprse_at_or_above",
        ),
        ('end = "07:00"', 'end = "06:00"', "[shifts] 06:00 is not covered"),
        ('end = "07:00"', 'end = "08:00"', "[shifts] 07:00 is in Day, Night"),
        ('start = "07:00"', 'start = "7am"', "start: must be a 24-hour time HH:MM"),
        (
            "max_snooze_minutes = 30",
            "max_snooze_minutes = 0",
            "[alerts] max_snooze_minutes: must be a whole number 1–240",
        ),
        (
            'cascade = ["Nurse in charge", "On-call doctor"]',
            "cascade = []",
            "[alerts] cascade: must be a non-empty list",
        ),
        ("low = 120", "lo = 120", "[schedule.partial_recheck_minutes] unknown key(s) lo"),
        ('version = "0.1-draft"', 'version = ""', "[policy] version: must be non-empty text"),
        ("grace_minutes = 15", "", "[rules.overdue_obs] grace_minutes: missing"),
        ("[rules.bladder]", "[rules.bladdr]", "[rules] missing rule(s) bladder"),
        (
            "urgent = 10",
            "urgent = 10\ncritical = 1",
            "[alerts.reannounce_minutes] unknown key(s) critical",
        ),
        ("[policy]", "[policy\n", "not valid TOML"),
        (
            "rass_after_prn_minutes = 60",
            "rass_after_prn_minutes = 0",
            "[schedule] rass_after_prn_minutes: must be a whole number 1–1440",
        ),
    ],
)
def test_broken_policy_gives_clear_error(tmp_path: Path, old: str, new: str, problem: str) -> None:
    assert old in BUNDLED
    path = write(tmp_path, BUNDLED.replace(old, new, 1))
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


def test_disabled_rule_loads(tmp_path: Path) -> None:
    text = BUNDLED.replace('id = "craving"\nenabled = true', 'id = "craving"\nenabled = false')
    assert not load_policy(write(tmp_path, text)).rule("craving").enabled


def test_advisory_reannounce_can_be_set(tmp_path: Path) -> None:
    text = BUNDLED.replace("urgent = 10", "urgent = 10\nadvisory = 60")
    assert load_policy(write(tmp_path, text)).reannounce[Severity.ADVISORY] == timedelta(hours=1)


def test_every_rule_threshold_says_where_it_comes_from() -> None:
    """Each numeric rule threshold carries a DESIGN CHOICE, published or § comment."""
    section = ""
    for line in BUNDLED.splitlines():
        if line.startswith("["):
            section = line
            continue
        code, _, comment = line.partition("#")
        if section.startswith("[rules.") and "=" in code:
            value = code.split("=", 1)[1].strip()
            if value.lstrip("-").isdigit():
                assert any(mark in comment for mark in ("DESIGN CHOICE", "published", "§")), line


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"absent\.toml"):
        load_policy(tmp_path / "absent.toml")


# --- safety floors, digest, second person -------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'id = "deterioration"\nenabled = true',
            'id = "deterioration"\nenabled = false',
            "[rules.deterioration] enabled: the 'deterioration' rule is a safety floor and "
            "cannot be switched off",
        ),
        (
            'id = "self_harm"\nenabled = true',
            'id = "self_harm"\nenabled = false',
            "[rules.self_harm] enabled: the 'self_harm' rule is a safety floor",
        ),
        (
            'severity_high = "emergency"',
            'severity_high = "urgent"',
            "[rules.self_harm] severity_high: the 'self_harm' rule is a safety floor; its "
            "severity cannot be lower than emergency",
        ),
    ],
)
def test_a_safety_floor_cannot_be_switched_off_or_lowered(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in BUNDLED
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, BUNDLED.replace(old, new, 1)))
    assert problem in str(info.value)


def test_staff_concern_cannot_be_configured_away(tmp_path: Path) -> None:
    text = BUNDLED + '\n[rules.staff_concern]\nid = "staff_concern"\nenabled = false\n'
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, text))
    assert "[rules.staff_concern] the 'staff_concern' rule is a safety floor" in str(info.value)


def test_raising_a_floor_rule_severity_is_allowed(tmp_path: Path) -> None:
    text = BUNDLED.replace('severity_moderate = "urgent"', 'severity_moderate = "emergency"', 1)
    assert load_policy(write(tmp_path, text)).rule("self_harm").severity("severity_moderate") == (
        Severity.EMERGENCY
    )


def test_the_digest_follows_the_content_not_comments_or_place(tmp_path: Path) -> None:
    bundled = load_policy()
    assert len(bundled.digest) == 64
    moved = load_policy(write(tmp_path, "# a comment\n" + BUNDLED))
    assert moved.digest == bundled.digest
    changed = load_policy(
        write(tmp_path, BUNDLED.replace("max_snooze_minutes = 30", "max_snooze_minutes = 20"))
    )
    assert changed.digest != bundled.digest


def test_second_person_for_emergencies_is_on_unless_the_file_says_off(tmp_path: Path) -> None:
    assert load_policy().second_person_for_emergency
    off = BUNDLED.replace(
        "emergency_needs_second_person = true", "emergency_needs_second_person = false"
    )
    assert not load_policy(write(tmp_path, off)).second_person_for_emergency
    missing = BUNDLED.replace("emergency_needs_second_person = true", "")
    assert load_policy(write(tmp_path, missing)).second_person_for_emergency
    with pytest.raises(PolicyError, match="emergency_needs_second_person: must be true or false"):
        load_policy(
            write(
                tmp_path,
                BUNDLED.replace(
                    "emergency_needs_second_person = true", 'emergency_needs_second_person = "yes"'
                ),
            )
        )


def test_rapid_tranquillisation_is_checked_at_least_hourly(tmp_path: Path) -> None:
    text = BUNDLED.replace("interval_minutes = 60", "interval_minutes = 120", 1)
    with pytest.raises(PolicyError, match=r"\[rules.rapid_tranquillisation\] interval_minutes"):
        load_policy(write(tmp_path, text))
    routes = BUNDLED.replace('routes = ["im", "iv"]', 'routes = ["im", "nasal"]', 1)
    with pytest.raises(PolicyError, match="routes: must be a non-empty list of routes"):
        load_policy(write(tmp_path, routes))
