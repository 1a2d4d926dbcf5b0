"""Each kind of entry and each assessment is named once, and every screen uses those names."""

from __future__ import annotations

from wardconsole.domain.assessments import NAMES, SCORERS, assessment_name
from wardconsole.domain.entry_kinds import (
    EntryKind,
    audit_action_labels,
    entry_label,
    entry_title,
)


def test_every_assessment_the_domain_scores_has_its_names() -> None:
    assert set(NAMES) == set(SCORERS)
    assert assessment_name("hallucination").full == "Hallucinations (BPRS-E)"
    assert assessment_name("craving").with_scale == "Craving (0–10)"
    assert assessment_name("phq9").with_scale == "PHQ-9"
    assert assessment_name("unheard_of").short == "unheard_of"


def test_entry_kinds_keep_their_stored_names_and_words() -> None:
    assert [k.value for k in EntryKind] == [
        "observation",
        "symptoms",
        "assessment",
        "prn",
        "session",
        "fluid",
        "fluid_plan",
        "regular_dose",
        "weight",
        "sleep",
        "meal",
        "bowel",
        "food_chart",
        "urine_dipstick",
    ]
    assert entry_label("sleep") == "Sleep"
    assert entry_label("urine_dipstick") == "Urine dipstick"
    assert entry_label("observation") == "Vital signs"
    assert entry_title("symptoms") == "Withdrawal chart rating"
    assert entry_label("fluids") == "fluids"  # not a kind: its raw value
    assert entry_label("fluid") == "Fluids"
    assert entry_label("bowel") == "Bowels"
    labels = audit_action_labels()
    assert labels["record_prn"] == "Gave PRN"
    assert labels["amend_observation"] == "Corrected vital signs"
    assert labels["amend_weight"] == "Corrected weight or height"
    assert labels["amend_food_chart"] == "Extended or stopped a food chart"
    assert {f"record_{k.value}" for k in EntryKind} <= set(labels)
