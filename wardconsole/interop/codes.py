"""Codes and units the console speaks to other systems, in one table.

Source: REFERENCE.md §8 (HL7 FHIR vital-signs value set [40], UK Core / NHS FHIR-NEWS2 [42][43],
HL7 PHR value set [41]) and PLATFORM.md (Synthea's BP panel 55284-4 and oral temperature
8331-1). Concepts with no verified LOINC or SNOMED code (ACVPU, supplemental oxygen, the local
withdrawal chart, the other bedside assessments, escalations) use the console's own local code
system, never a guessed standard code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from wardconsole.domain import simple_kinds
from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
IDENTIFIER_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
FLAG_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/flag-category"
VITAL_SIGNS_PROFILE: Final = "http://hl7.org/fhir/StructureDefinition/vitalsigns"

LOCAL_CODES: Final = "urn:wardconsole:codes"
POLICY_DIGEST: Final = "urn:wardconsole:policy-digest"
"""meta.tag system on an exported Flag: the SHA-256 of the local policy that raised it."""
"""The console's own code system, for concepts without a verified standard code."""
HOSPITAL_NUMBER_SYSTEM: Final = "urn:wardconsole:hospital-number"
"""Identifier system of the ward's hospital numbers (a trust may map it to its PAS URI)."""
STAFF_SYSTEM: Final = "urn:wardconsole:staff-code"
"""Identifier system of staff IDs (the author of an entry)."""

VITALS_PANEL: Final = "85353-1"
BP_PANEL: Final = "85354-9"
BP_PANEL_SYNTHEA: Final = "55284-4"
SYSTOLIC: Final = "8480-6"
DIASTOLIC: Final = "8462-4"
NEWS2_TOTAL_SNOMED: Final = "1104051000000101"
NEWS2_SUBSCORE_SNOMED: Final = {
    "respiration_rate": "1104301000000104",
    "pulse": "1104351000000103",
}
"""Only the sub-score codes REFERENCE.md §8 names; the others carry the local code alone."""


@dataclass(frozen=True, slots=True)
class VitalCode:
    """How one vital-sign field is coded and measured."""

    field: str
    loinc: str
    display: str
    ucum: str
    unit: str
    decimals: int
    """Chart precision: 0 for whole numbers, 1 for temperature (REFERENCE §1.5)."""


VITAL_CODES: Final[tuple[VitalCode, ...]] = (
    VitalCode("respiration_rate", "9279-1", "Respiratory rate", "/min", "breaths/minute", 0),
    VitalCode("spo2", "2708-6", "Oxygen saturation in Arterial blood", "%", "%", 0),
    VitalCode("pulse", "8867-4", "Heart rate", "/min", "beats/minute", 0),
    VitalCode("temperature", "8310-5", "Body temperature", "Cel", "C", 1),
    VitalCode("systolic_bp", SYSTOLIC, "Systolic blood pressure", "mm[Hg]", "mmHg", 0),
    VitalCode("diastolic_bp", DIASTOLIC, "Diastolic blood pressure", "mm[Hg]", "mmHg", 0),
)
VITAL_BY_FIELD: Final = {code.field: code for code in VITAL_CODES}

CAPILLARY_GLUCOSE: Final = VitalCode(
    "glucose",
    "14743-9",
    "Glucose [Moles/volume] in Capillary blood by Glucometer",
    "mmol/L",
    "mmol/L",
    1,
)
"""UK ward glucometer result in mmol/L (REFERENCE-2.md §12.7: use 14743-9, not 41653-7 mg/dL
nor the laboratory codes; several public repositories mislabel it)."""
OBSERVATION_INTERPRETATION: Final = (
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
)
OFF_SCALE: Final = {"LO": ("<", "Off scale low"), "HI": (">", "Off scale high")}
"""A meter's LO / HI: the reading is below / above what it can measure (no number)."""

IMPORT_LOINC: Final[dict[str, str]] = {
    "9279-1": "respiration_rate",
    "8867-4": "pulse",
    "2708-6": "spo2",
    "59408-5": "spo2",  # SpO2 by pulse oximetry (REFERENCE §8.1)
    "8310-5": "temperature",
    "8331-1": "temperature",  # oral temperature (Synthea)
    SYSTOLIC: "systolic_bp",
    DIASTOLIC: "diastolic_bp",
    "29463-7": "weight_kg",
    "8302-2": "height_m",
}
"""LOINC code -> vital-sign field, for single-value Observations and OBX segments."""
BP_PANELS: Final = frozenset({BP_PANEL, BP_PANEL_SYNTHEA})

LOCAL_CONSCIOUSNESS: Final = "acvpu"
LOCAL_ON_OXYGEN: Final = "on-oxygen"
LOCAL_MISSING_REASON: Final = "missing-reason"
LOCAL_NEWS2_SUBSCORE: Final = "news2-subscore-"
LOCAL_WITHDRAWAL_TOTAL: Final = "withdrawal-chart-total"
LOCAL_WITHDRAWAL_ITEM: Final = "withdrawal-item-"
LOCAL_ASSESSMENT: Final = "assessment-"
LOCAL_ESCALATION: Final = "escalation-"

BODY_WEIGHT: Final = ("29463-7", "Body weight")
BODY_HEIGHT: Final = ("8302-2", "Body height")
BMI: Final = ("39156-5", "Body mass index (BMI) [Ratio]")
"""LOINC, verified (REFERENCE-2.md §12.11): weight in kg, height in m (exported; cm, m, g, lb and
in are read), BMI in kg/m2 exported where both are known and recomputed here on import."""
LOCAL_WEIGHT_BEFORE: Final = "weight-before-admission"
"""The weight 3–6 months before admission recorded at intake (MUST step 2): no LOINC term
says "before admission", so the console's own code (persisted)."""

FLUID_INTAKE_ORAL: Final = ("9000-1", "Fluid intake oral Measured")
"""LOINC, verified (REFERENCE-2.md §12.11). IV and subcutaneous fluids and every output use the
console's own codes below: no verified point code exists for them (9187-6 "Urine output" is
NOT VERIFIED, so it is not used)."""
LOCAL_FLUID: Final = "fluid-"
"""``fluid-intake-iv``, ``fluid-intake-subcut``, ``fluid-output-urine``, ``-vomit``, ``-other``
(persisted code values)."""

LOCAL_MEAL: Final = ("meal-portion-eaten", "Meal or snack: portion eaten")
"""The console's own code (persisted): no verified LOINC term exists for the portion of a meal
eaten. Its value is a ``LOCAL_PORTION`` code; a supplement on its own is ``LOCAL_SUPPLEMENT``."""
LOCAL_PORTION: Final = "portion-"
"""``portion-none``, ``-quarter``, ``-half``, ``-three_quarters``, ``-all`` (persisted)."""
LOCAL_SUPPLEMENT: Final = ("supplement", "Nutritional supplement given or declined")
LOCAL_BOWEL: Final = ("bowel-movement", "Bowel movement: Bristol stool form type")
"""The console's own code: there is no LOINC term for the Bristol type (REFERENCE-2.md §12.11;
11029-6 "Consistency of Stool" is not Bristol-specific). Its value is a ``LOCAL_BRISTOL`` code
from the console's Bristol value set (Lewis & Heaton 1997)."""
LOCAL_BRISTOL: Final = "bristol-type-"
"""``bristol-type-1`` … ``bristol-type-7`` (persisted)."""

LOCAL_SLEEP: Final = ("sleep-hours-nurse", "Hours slept in the night (nurse's observation)")
"""The console's own code (persisted): LOINC 93832-4 "Sleep duration" is only a secondary
source in REFERENCE-2.md §12.11 (not verified), so it is not used. The value is hours (UCUM
``h``); components are ``LOCAL_SLEEP_QUALITY`` and ``LOCAL_SLEEP_WOKE``. The estimate from the
safety checks is derived, not recorded, and is not exported."""
LOCAL_SLEEP_QUALITY: Final = ("sleep-quality", "Night settled or disturbed")
LOCAL_SLEEP_QUALITY_VALUE: Final = "sleep-quality-"
"""``sleep-quality-settled``, ``sleep-quality-disturbed`` (persisted)."""
LOCAL_SLEEP_WOKE: Final = ("sleep-woke-at", "Woke at")


# -- simple kinds -----------------------------------------------------------------------------
# A simple kind (``domain/simple_kinds.py``) without a mapping of its own is coded from its spec,
# so a new kind needs no line here. The codes are made of persisted names only — the kind's
# ``EntryKind`` value, the field's column and the choice's stored value — so they are as stable
# as the table: ``urine_dipstick``, ``urine_dipstick-nitrite``, ``urine_dipstick-nitrite-positive``.
# Meals and bowels keep the older codes above (``LOCAL_MEAL``, ``LOCAL_BOWEL``…) for their own
# mappings; their generic codes (``meal``, ``bowel-bristol_type-4``…) are read on import too.


def kind_code(spec: EntrySpec) -> tuple[str, str]:
    """The Observation's code of an entry of the kind and its display: ("bowel", "Bowel
    movement")."""
    return spec.kind.value, spec.kind.words.title


def field_code(spec: EntrySpec, field: EntryField) -> tuple[str, str]:
    """A component's code: ("bowel-bristol_type", "Bristol type")."""
    return f"{spec.kind.value}-{field.name}", field.plain_label


def choice_code(spec: EntrySpec, field: EntryField, choice: Choice) -> tuple[str, str]:
    """A choice's code in the component's value: ("bowel-bristol_type-4", "Type 4 — like a
    sausage or snake, smooth and soft")."""
    return f"{spec.kind.value}-{field.name}-{choice.value}", choice.label


def spec_of_code(code: str) -> EntrySpec | None:
    """The simple kind whose Observation code is ``code``; None for any other code."""
    for spec in simple_kinds.SIMPLE_KINDS.values():
        if spec.kind.value == code:
            return spec
    return None


ASSESSMENT_STANDARD_CODES: Final[dict[str, tuple[str, str, str]]] = {
    "phq9": (LOINC, "44261-6", "PHQ-9 total score [Reported]"),
    "gad7": (LOINC, "70274-6", "GAD-7 total score [Reported.PHQ]"),
    "pain": (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "rass": (SNOMED, "457441000124102", "Richmond agitation-sedation scale (assessment scale)"),
}
"""Assessment kind -> (system, code, display) where REFERENCE §8.1 gives one."""

ENCOUNTER_CLASS_TO_SETTING: Final[dict[str, str]] = {
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "NONAC": "inpatient",
    "EMER": "emergency",
    "AMB": "ambulatory",
    "OBSENC": "observation",
    "SS": "day case",
    "HH": "home",
    "VR": "virtual",
}

DATA_ABSENT_FOR_REASON: Final[dict[str, str]] = {
    "refused": "asked-declined",
    "not_in_source": "unknown",
}
"""Missing reason -> data-absent-reason code; every other reason is "not-performed"."""


# -- units -----------------------------------------------------------------------------------

_RATE_UNITS: Final = frozenset(
    {
        "/min",
        "1/min",
        "{beats}/min",
        "{beat}/min",
        "{breaths}/min",
        "{breath}/min",
        "beats/min",
        "breaths/min",
        "bpm",
        "beats/minute",
        "breaths/minute",
        "{counts}/min",
    }
)
_MMHG_PER_KPA: Final = Decimal("7.50061683")
_WEIGHT_UNITS: Final = {"kg": Decimal(1), "g": Decimal("0.001"), "[lb_av]": Decimal("0.45359237")}
_BODY_UNITS: Final = {
    "weight_kg": _WEIGHT_UNITS,
    "before_kg": _WEIGHT_UNITS,
    "height_m": {"m": Decimal(1), "cm": Decimal("0.01"), "[in_i]": Decimal("0.0254")},
}
"""Body weight to kg (0.1 kg) and height to m (0.01 m), half-up; exact UCUM factors."""


class UnitProblem(ValueError):
    """A value the console cannot convert for this field — an unknown unit, or a magnitude no
    measurement has (the value is skipped, not guessed)."""


_LARGEST = Decimal(10) ** 6
"""Far beyond any vital sign in any unit; larger numbers are garbage, not measurements."""


def _body_units(field: str, value: Decimal, unit: str) -> Decimal:
    factors = _BODY_UNITS[field]
    if unit not in factors:
        raise UnitProblem(f"unit {unit!r} is not one of {', '.join(factors)}")
    step = Decimal("0.01") if field == "height_m" else Decimal("0.1")
    return (value * factors[unit]).quantize(step, rounding=ROUND_HALF_UP)


def to_chart_units(field: str, value: Decimal, unit: str) -> Decimal:
    """Convert a measured value to the chart's unit and precision (half-up, REFERENCE §1.5)."""
    unit = unit.strip()
    if not value.is_finite() or abs(value) >= _LARGEST:
        raise UnitProblem(f"value {value} is not a measurement")
    if field in _BODY_UNITS:
        return _body_units(field, value, unit)
    return _vital_units(field, value, unit)


def _vital_units(field: str, value: Decimal, unit: str) -> Decimal:
    if field in ("respiration_rate", "pulse"):
        if unit not in _RATE_UNITS:
            raise UnitProblem(f"unit {unit!r} is not a rate per minute")
    elif field == "spo2":
        if unit != "%":
            raise UnitProblem(f"unit {unit!r} is not a percentage")
    elif field == "temperature":
        if unit in ("Cel", "°C", "C", "degC"):
            pass
        elif unit in ("[degF]", "°F", "F", "degF"):
            value = (value - 32) * 5 / 9
        else:
            raise UnitProblem(f"unit {unit!r} is not °C or °F")
    elif field in ("systolic_bp", "diastolic_bp"):
        if unit == "kPa":
            value = value * _MMHG_PER_KPA
        elif unit not in ("mm[Hg]", "mmHg", "mm Hg"):
            raise UnitProblem(f"unit {unit!r} is not mmHg or kPa")
    else:
        raise UnitProblem(f"no unit conversion for {field}")
    step = Decimal(1).scaleb(-VITAL_BY_FIELD[field].decimals)
    return value.quantize(step, rounding=ROUND_HALF_UP)
