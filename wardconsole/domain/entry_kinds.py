"""The kinds of clinical entry a nurse records, and what each is called.

One home for "a kind of entry": the history, its filters, the audit browser, the corrections
and the chart's event lane all read their words from here, and the store maps each kind to its
table (``store.entries``). The value of each kind is a persisted identifier — it names the
entity on audit rows (``record_<kind>``, ``amend_<kind>``), the change-feed topic and the
history's entry type — so it never changes. Adding a kind: see ``docs/entry-kinds.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class EntryWords:
    """What the screens call one kind of entry."""

    label: str
    """In the history's type column ("Vital signs")."""
    plural: str
    """In the history's filter ("Assessments")."""
    title: str
    """One entry of the kind on the chart's event lane ("Observation set")."""
    recorded: str
    """The audit browser's words for ``record_<kind>``."""
    corrected: str | None = None
    """The audit browser's words for ``amend_<kind>``, where that has its own words."""


class EntryKind(StrEnum):
    """A kind of clinical entry: append-only, corrected by a new row, shown in the history."""

    OBSERVATION = "observation"
    SYMPTOMS = "symptoms"
    ASSESSMENT = "assessment"
    PRN = "prn"
    SESSION = "session"
    FLUID = "fluid"
    FLUID_PLAN = "fluid_plan"
    REGULAR_DOSE = "regular_dose"
    WEIGHT = "weight"
    SLEEP = "sleep"
    MEAL = "meal"
    BOWEL = "bowel"
    FOOD_CHART = "food_chart"
    URINE_DIPSTICK = "urine_dipstick"

    @property
    def words(self) -> EntryWords:
        return _WORDS[self]

    @property
    def label(self) -> str:
        return _WORDS[self].label


_WORDS: Final = MappingProxyType(
    {
        EntryKind.OBSERVATION: EntryWords(
            "Vital signs",
            "Vital signs",
            "Observation set",
            "Recorded vital signs",
            "Corrected vital signs",
        ),
        EntryKind.SYMPTOMS: EntryWords(
            "Withdrawal chart",
            "Withdrawal chart",
            "Withdrawal chart rating",
            "Recorded withdrawal chart",
        ),
        EntryKind.ASSESSMENT: EntryWords(
            "Assessment", "Assessments", "Assessment", "Recorded assessment"
        ),
        EntryKind.PRN: EntryWords("PRN", "PRN", "PRN dose", "Gave PRN"),
        EntryKind.SESSION: EntryWords(
            "Session",
            "Therapy and support sessions",
            "Therapy or support session",
            "Recorded session",
            "Corrected session",
        ),
        EntryKind.FLUID: EntryWords(
            "Fluids", "Fluids", "Fluid entry", "Recorded fluids", "Corrected fluids"
        ),
        EntryKind.FLUID_PLAN: EntryWords(
            "Fluid chart plan",
            "Fluid chart plans",
            "Fluid chart plan",
            "Set a fluid chart plan",
            "Changed a fluid chart plan",
        ),
        EntryKind.FOOD_CHART: EntryWords(
            "Food chart",
            "Food charts",
            "Food chart",
            "Started a food chart",
            "Extended or stopped a food chart",
        ),
        EntryKind.REGULAR_DOSE: EntryWords(
            "Regular dose",
            "Regular doses",
            "Regular dose (given or omitted)",
            "Recorded regular dose",
        ),
        EntryKind.WEIGHT: EntryWords(
            "Weight and height",
            "Weights and heights",
            "Weighing",
            "Recorded weight or height",
            "Corrected weight or height",
        ),
        EntryKind.SLEEP: EntryWords(
            "Sleep", "Sleep", "Sleep entry", "Recorded sleep", "Corrected sleep"
        ),
        EntryKind.MEAL: EntryWords(
            "Meal",
            "Meals and supplements",
            "Meal or supplement",
            "Recorded a meal",
            "Corrected a meal",
        ),
        EntryKind.BOWEL: EntryWords(
            "Bowels", "Bowels", "Bowel movement", "Recorded bowels", "Corrected bowels"
        ),
        EntryKind.URINE_DIPSTICK: EntryWords(
            "Urine dipstick",
            "Urine dipsticks",
            "Urine dipstick",
            "Recorded a urine dipstick",
            "Corrected a urine dipstick",
        ),
    }
)


def entry_label(entry_type: str) -> str:
    """The history's word for ``entry_type`` (the raw value for a kind it does not know)."""
    try:
        return EntryKind(entry_type).label
    except ValueError:
        return entry_type


def entry_title(entry_type: str) -> str:
    """The chart's word for one entry of ``entry_type``."""
    try:
        return EntryKind(entry_type).words.title
    except ValueError:
        return entry_type


def audit_action_labels() -> dict[str, str]:
    """``record_<kind>`` / ``amend_<kind>`` audit actions and their words, for every kind."""
    labels: dict[str, str] = {}
    for kind in EntryKind:
        labels[f"record_{kind.value}"] = kind.words.recorded
        if kind.words.corrected is not None:
            labels[f"amend_{kind.value}"] = kind.words.corrected
    return labels
