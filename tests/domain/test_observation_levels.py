"""The observation-levels policy file: shipped defaults load, broken files say what is wrong."""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from wardconsole.domain.observation_levels import (
    ObservationLevelError,
    load_observation_levels,
)
from wardconsole.domain.records import EscalationKind, Severity

SHIPPED = (
    files("wardconsole.resources")
    .joinpath("policy/observation_levels.toml")
    .read_text(encoding="utf-8")
)


def test_shipped_levels_load_as_unsigned_local_defaults() -> None:
    policy = load_observation_levels()
    assert list(policy.levels) == [
        "general",
        "intermittent_30",
        "intermittent_15",
        "eyesight",
        "arms_length",
    ]
    assert policy.default.key == "general"
    assert policy.default.check_interval == timedelta(hours=1)
    assert policy.level("intermittent_15").irregular
    assert policy.level("arms_length").continuous
    assert not policy.signed_off
    assert policy.missed_check_severity is Severity.URGENT
    assert policy.absent_severity is Severity.EMERGENCY
    assert policy.review_prompt_kinds == {
        EscalationKind.SELF_HARM,
        EscalationKind.HALLUCINATION,
        EscalationKind.CONFUSION,
    }
    assert "DESIGN CHOICE" in SHIPPED and "sign-off" in SHIPPED


def test_a_level_no_longer_in_the_file_shows_its_stored_key() -> None:
    assert load_observation_levels().label("special_watch") == "special_watch"


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SHIPPED
    path = tmp_path / "levels.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'default_level = "general"',
            'default_level = "genral"',
            r"\[policy\] default_level: 'genral' is not one of the \[\[levels\]\] keys",
        ),
        (
            "check_minutes = 15                # DESIGN CHOICE (issue",
            "check_minutes = 4 # (issue",
            r"\[levels.intermittent_15\] check_minutes: 4 leaves no time for an irregular prompt",
        ),
        (
            'missed_check_severity = "urgent"',
            'missed_check_severity = "high"',
            r"\[checks\] missed_check_severity: must be one of advisory, urgent, emergency",
        ),
        (
            'review_prompt_kinds = ["self_harm"',
            'review_prompt_kinds = ["selfharm"',
            r"review_prompt_kinds: unknown kind\(s\) 'selfharm'",
        ),
        (
            "check_minutes = 60",
            "check_minutes = 0",
            r"\[levels.general\] check_minutes: must be a whole number 1–1440, got 0",
        ),
        (
            'key = "eyesight"',
            'key = "Eyesight"',
            r"\[levels #4\] key: must be a short lower-case id",
        ),
        ("max_backdate_minutes = 30", "max_backdate = 30", r"\[checks\] unknown key\(s\)"),
    ],
)
def test_broken_files_name_the_section_and_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(ObservationLevelError, match=message) as raised:
        load_observation_levels(_broken(tmp_path, old, new))
    assert "levels.toml" in str(raised.value)


def test_a_continuous_level_cannot_be_irregular(tmp_path: Path) -> None:
    text = SHIPPED.replace(
        "continuous = true\nirregular = false", "continuous = true\nirregular = true", 1
    )
    path = tmp_path / "levels.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ObservationLevelError, match=r"\[levels.eyesight\] irregular"):
        load_observation_levels(path)


def test_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "levels.toml"
    path.write_text("[policy\n", encoding="utf-8")
    with pytest.raises(ObservationLevelError, match="not valid TOML"):
        load_observation_levels(path)


def test_the_absent_patient_floor_cannot_be_lowered(tmp_path: Path) -> None:
    from wardconsole.domain.configfiles import default_policy_file

    bundled = default_policy_file("observation_levels.toml").read_text(encoding="utf-8")
    lowered = bundled.replace('absent_severity = "emergency"', 'absent_severity = "urgent"', 1)
    path = tmp_path / "levels.toml"
    path.write_text(lowered, encoding="utf-8")
    with pytest.raises(ObservationLevelError) as info:
        load_observation_levels(path)
    assert "[checks] absent_severity: the 'absent' rule is a safety floor" in str(info.value)
