"""A patient's stays (or the ward) as one FHIR R4 Bundle of type ``collection``.

Per stay: an Encounter; per observation set: a vital-signs panel (85353-1, ``hasMember``) whose
members are one Observation per value in the vital-signs profile (LOINC code, UCUM unit; blood
pressure as 85354-9 with systolic/diastolic components), ACVPU and supplemental oxygen under the
console's local code system (no verified LOINC, REFERENCE §8), and values not taken as
Observations with ``dataAbsentReason``. A complete set adds its NEWS2 total as a ``survey``
Observation (SNOMED 1104051000000101, ``derivedFrom`` the vital signs, sub-scores as
components). Withdrawal-chart entries and bedside assessments are ``survey`` Observations;
escalations are Flags. Authors are Practitioners identified by staff ID.

An entry of a simple kind (``domain/simple_kinds.py``) without a mapping of its own — every one
but meals and bowels, whose older mappings stay — is one ``exam`` Observation coded from its spec
(``codes.kind_code``): one component per field, a choice as the console's code for it
(``codes.choice_code``), free text as ``valueString``. A choice field holding its "no value"
("type not seen", "not read") is a component with ``dataAbsentReason`` ``unknown`` and the
spec's words for it, so the file says it was recorded so; a text field left empty has no
component (a FHIR string is never empty). The entry's note is ``Observation.note``.

Resource ids are name-based UUIDs, so exporting the same record twice gives the same bundle.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from wardconsole.domain.bowels import BRISTOL_TYPES
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.meals import meal_text
from wardconsole.domain.news2 import RISK_LABELS
from wardconsole.domain.records import MissingReason
from wardconsole.interop import codes as c
from wardconsole.services.interop import (
    Author,
    ExportedAssessment,
    ExportedBowel,
    ExportedEntry,
    ExportedEscalation,
    ExportedFluid,
    ExportedMeal,
    ExportedObservation,
    ExportedSleep,
    ExportedSymptoms,
    ExportedWeighing,
    PatientRecord,
    StayRecord,
    WardRecord,
)

Json = dict[str, Any]
_NAMESPACE = uuid.UUID("6f1c2a56-3d1e-4f0e-9a8b-7b3c1d2e4f50")
_ACVPU_DISPLAY = {
    "A": "Alert",
    "C": "New confusion",
    "V": "Responds to voice",
    "P": "Responds to pain",
    "U": "Unresponsive",
}
_SETTING_TO_CLASS = {
    "inpatient": ("IMP", "inpatient encounter"),
    "emergency": ("EMER", "emergency"),
    "ambulatory": ("AMB", "ambulatory"),
    "external": ("AMB", "ambulatory"),
    "observation": ("OBSENC", "observation encounter"),
}
_GENDER = {"male": "male", "female": "female", "other": "other"}
_OWN_MAPPING: Final = frozenset({EntryKind.MEAL, EntryKind.BOWEL})
"""Simple kinds exported by a mapping of their own (``stay.meals``, ``stay.bowels``); every
other simple kind by ``_simple_entry``."""


def write_bundle(record: WardRecord, path: Path) -> int:
    """Write the bundle as UTF-8 JSON; returns the number of resources."""
    bundle = build_bundle(record)
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    return len(bundle["entry"])


def build_bundle(record: WardRecord) -> Json:
    builder = _Builder()
    for patient in record.patients:
        builder.add_patient(patient)
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NAMESPACE, f"bundle/{_time(record.exported_at)}")),
        "meta": {"lastUpdated": _time(record.exported_at)},
        "type": "collection",
        "timestamp": _time(record.exported_at),
        "entry": builder.entries,
    }


class _Builder:
    def __init__(self) -> None:
        self.entries: list[Json] = []
        self._practitioners: dict[str, str] = {}

    def _add(self, resource: Json) -> str:
        url = f"urn:uuid:{resource['id']}"
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    # -- who and where -------------------------------------------------------------------------

    def add_patient(self, patient: PatientRecord) -> None:
        hn = patient.hospital_number
        resource: Json = {
            "resourceType": "Patient",
            "id": _id(hn, "patient"),
            "identifier": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": c.IDENTIFIER_TYPE,
                                "code": "MR",
                                "display": "Medical record number",
                            }
                        ]
                    },
                    "system": c.HOSPITAL_NUMBER_SYSTEM,
                    "value": hn,
                }
            ],
            "name": [{"family": patient.family_name, "given": [patient.given_name]}],
            "gender": _GENDER.get(patient.sex, "unknown"),
            "birthDate": patient.date_of_birth.isoformat(),
        }
        subject = {
            "reference": self._add(resource),
            "display": f"{patient.given_name} {patient.family_name}",
        }
        for stay in patient.stays:
            self._add_stay(hn, subject, stay)

    def _practitioner(self, author: Author) -> Json:
        url = self._practitioners.get(author.staff_code)
        if url is None:
            url = self._add(
                {
                    "resourceType": "Practitioner",
                    "id": str(uuid.uuid5(_NAMESPACE, f"staff/{author.staff_code}")),
                    "identifier": [{"system": c.STAFF_SYSTEM, "value": author.staff_code}],
                    "name": [{"text": author.display_name}],
                }
            )
            self._practitioners[author.staff_code] = url
        return {"reference": url, "display": author.display_name}

    def _add_stay(self, hn: str, subject: Json, stay: StayRecord) -> None:
        info = stay.admission
        class_code, class_display = _SETTING_TO_CLASS.get(
            info.care_setting, _SETTING_TO_CLASS["inpatient"]
        )
        period: Json = {"start": _time(info.admitted_at)}
        if info.discharged_at is not None:
            period["end"] = _time(info.discharged_at)
        encounter: Json = {
            "resourceType": "Encounter",
            "id": _id(hn, "admission", info.admission_id),
            "status": "finished" if info.discharged_at else "in-progress",
            "class": {"system": c.ACT_CODE, "code": class_code, "display": class_display},
            "subject": subject,
            "period": period,
        }
        if info.reason:
            encounter["reasonCode"] = [{"text": info.reason}]
        if info.bed:
            encounter["location"] = [{"location": {"display": f"Bed {info.bed}"}}]
        ctx = _Context(hn, subject, {"reference": self._add(encounter)})
        for observation in stay.observations:
            self._add_set(ctx, observation)
        for entry in stay.symptoms:
            self._add(_symptoms(ctx, entry, self._practitioner(entry.author)))
        for assessment in stay.assessments:
            self._add(_assessment(ctx, assessment, self._practitioner(assessment.author)))
        self._add_physical_care(ctx, stay)
        self._add_weighings(ctx, stay)
        for escalation in stay.escalations:
            self._add(_flag(ctx, escalation))

    def _add_physical_care(self, ctx: _Context, stay: StayRecord) -> None:
        """Fluids, meals, bowels, the other simple kinds (coded from their specs), sleep."""
        for fluid in stay.fluids:
            self._add(_fluid(ctx, fluid, self._practitioner(fluid.author)))
        for meal in stay.meals:
            self._add(_meal(ctx, meal, self._practitioner(meal.author)))
        for bowel in stay.bowels:
            self._add(_bowel(ctx, bowel, self._practitioner(bowel.author)))
        for kind, entries in stay.entries.items():
            if kind not in _OWN_MAPPING:
                for entry in entries:
                    self._add(_simple_entry(ctx, entry, self._practitioner(entry.author)))
        for slept in stay.sleep:
            self._add(_sleep(ctx, slept, self._practitioner(slept.author)))

    def _add_weighings(self, ctx: _Context, stay: StayRecord) -> None:
        for weighing in stay.weighings:
            for resource in _weighing(ctx, weighing, self._practitioner(weighing.author)):
                self._add(resource)

    # -- an observation set ----------------------------------------------------------------------

    def _add_set(self, ctx: _Context, obs: ExportedObservation) -> None:
        performer = [self._practitioner(obs.author)]
        base = _SetBase(ctx, obs, performer)
        members: list[Json] = []
        valued: list[Json] = []
        vitals = obs.vitals
        for code in c.VITAL_CODES:
            if code.field in ("systolic_bp", "diastolic_bp"):
                continue
            value = getattr(vitals, code.field)
            if value is not None:
                ref = self._add(base.quantity(code, value))
                valued.append({"reference": ref})
            elif code.field in obs.missing_reasons:
                ref = self._add(
                    base.absent(code.field, _loinc(code.loinc, code.display), "vital-signs")
                )
            else:
                continue
            members.append({"reference": ref})
        bp = base.blood_pressure()
        if bp is not None:
            ref = self._add(bp)
            members.append({"reference": ref})
            if vitals.systolic_bp is not None:
                valued.append({"reference": ref})
        for field, resource in base.local_values():
            ref = self._add(resource)
            members.append({"reference": ref})
            if getattr(vitals, field) is not None:
                valued.append({"reference": ref})
        glucose = base.glucose()
        if glucose is not None:
            self._add(glucose)
        panel = base.resource("panel", _loinc(c.VITALS_PANEL, "Vital signs panel"), "vital-signs")
        panel["hasMember"] = members
        if obs.note:
            panel["note"] = [{"text": obs.note}]
        self._add(panel)
        if obs.news2_total is not None:
            self._add(base.news2(valued))


class _Context:
    def __init__(self, hn: str, subject: Json, encounter: Json) -> None:
        self.hn = hn
        self.subject = subject
        self.encounter = encounter


class _SetBase:
    """Shared pieces of the resources of one observation set."""

    def __init__(self, ctx: _Context, obs: ExportedObservation, performer: list[Json]) -> None:
        self.ctx = ctx
        self.obs = obs
        self.performer = performer

    def resource(self, part: str, code: Json, category: str) -> Json:
        resource: Json = {
            "resourceType": "Observation",
            "id": _id(self.ctx.hn, "set", self.obs.id, part),
            "status": "amended" if self.obs.amended else "final",
            "category": [_category(category)],
            "code": code,
            "subject": self.ctx.subject,
            "encounter": self.ctx.encounter,
            "effectiveDateTime": _time(self.obs.taken_at),
            "issued": _time(self.obs.recorded_at),
            "performer": self.performer,
        }
        if category == "vital-signs" and code["coding"][0]["system"] == c.LOINC:
            resource["meta"] = {"profile": [c.VITAL_SIGNS_PROFILE]}
        return resource

    def quantity(self, code: c.VitalCode, value: float | int) -> Json:
        resource = self.resource(code.field, _loinc(code.loinc, code.display), "vital-signs")
        resource["valueQuantity"] = _quantity(value, code)
        return resource

    def glucose(self) -> Json | None:
        """Capillary glucose by meter (LOINC 14743-9, mmol/L); a meter LO/HI is sent as text
        with the "off scale low/high" interpretation, never as a made-up number."""
        code = c.CAPILLARY_GLUCOSE
        if self.obs.glucose is None and self.obs.glucose_flag is None:
            return None
        resource = self.resource("glucose", _loinc(code.loinc, code.display), "laboratory")
        if self.obs.glucose is not None:
            resource["valueQuantity"] = _quantity(self.obs.glucose, code)
        else:
            flag = self.obs.glucose_flag or ""
            symbol, display = c.OFF_SCALE[flag]
            resource["valueString"] = flag
            resource["interpretation"] = [
                {
                    "coding": [
                        {"system": c.OBSERVATION_INTERPRETATION, "code": symbol, "display": display}
                    ],
                    "text": display,
                }
            ]
        return resource

    def absent(self, field: str, code: Json, category: str) -> Json:
        resource = self.resource(field, code, category)
        resource["dataAbsentReason"] = _absent(self.obs.missing_reasons[field])
        return resource

    def blood_pressure(self) -> Json | None:
        vitals, reasons = self.obs.vitals, self.obs.missing_reasons
        if vitals.systolic_bp is None and "systolic_bp" not in reasons:
            return None
        resource = self.resource("bp", _loinc(c.BP_PANEL, "Blood pressure panel"), "vital-signs")
        components = []
        for field in ("systolic_bp", "diastolic_bp"):
            code = c.VITAL_BY_FIELD[field]
            component: Json = {"code": _loinc(code.loinc, code.display)}
            value = getattr(vitals, field)
            if value is not None:
                component["valueQuantity"] = _quantity(value, code)
            else:
                component["dataAbsentReason"] = _absent(
                    reasons.get(field, MissingReason.NOT_IN_SOURCE.value)
                )
            components.append(component)
        resource["component"] = components
        if vitals.systolic_bp is None:
            resource["dataAbsentReason"] = _absent(reasons["systolic_bp"])
        return resource

    def local_values(self) -> Iterable[tuple[str, Json]]:
        vitals, reasons = self.obs.vitals, self.obs.missing_reasons
        acvpu = _local(c.LOCAL_CONSCIOUSNESS, "Level of consciousness (ACVPU)")
        if vitals.consciousness is not None:
            resource = self.resource("consciousness", acvpu, "exam")
            letter = vitals.consciousness
            resource["valueCodeableConcept"] = {
                "coding": [
                    {
                        "system": c.LOCAL_CODES,
                        "code": letter,
                        "display": _ACVPU_DISPLAY.get(letter, letter),
                    }
                ],
                "text": _ACVPU_DISPLAY.get(letter, letter),
            }
            yield "consciousness", resource
        elif "consciousness" in reasons:
            yield "consciousness", self.absent("consciousness", acvpu, "exam")
        oxygen = _local(c.LOCAL_ON_OXYGEN, "Receiving supplemental oxygen")
        if vitals.on_oxygen is not None:
            resource = self.resource("on_oxygen", oxygen, "exam")
            resource["valueBoolean"] = vitals.on_oxygen
            yield "on_oxygen", resource
        elif "on_oxygen" in reasons:
            yield "on_oxygen", self.absent("on_oxygen", oxygen, "exam")

    def news2(self, derived_from: list[Json]) -> Json:
        code = {
            "coding": [
                {
                    "system": c.SNOMED,
                    "code": c.NEWS2_TOTAL_SNOMED,
                    "display": "Royal College of Physicians NEWS2 total score",
                }
            ],
            "text": "NEWS2 total score",
        }
        resource = self.resource("news2", code, "survey")
        resource["valueQuantity"] = _score(self.obs.news2_total or 0)
        resource["derivedFrom"] = derived_from
        if self.obs.news2_risk:
            label = RISK_LABELS.get(self.obs.news2_risk, self.obs.news2_risk)
            resource["interpretation"] = [{"text": f"Clinical risk: {label}"}]
        components = []
        for field, score in sorted(self.obs.news2_subscores.items()):
            coding = [
                {
                    "system": c.LOCAL_CODES,
                    "code": f"{c.LOCAL_NEWS2_SUBSCORE}{field}",
                    "display": f"NEWS2 {field.replace('_', ' ')} score",
                }
            ]
            if field in c.NEWS2_SUBSCORE_SNOMED:
                coding.insert(0, {"system": c.SNOMED, "code": c.NEWS2_SUBSCORE_SNOMED[field]})
            components.append({"code": {"coding": coding}, "valueQuantity": _score(score)})
        if components:
            resource["component"] = components
        return resource


# -- charts, assessments, escalations ---------------------------------------------------------


def _survey(ctx: _Context, key: str, code: Json, at: datetime, performer: Json) -> Json:
    return {
        "resourceType": "Observation",
        "id": _id(ctx.hn, key),
        "status": "final",
        "category": [_category("survey")],
        "code": code,
        "subject": ctx.subject,
        "encounter": ctx.encounter,
        "effectiveDateTime": _time(at),
        "performer": [performer],
    }


def _symptoms(ctx: _Context, entry: ExportedSymptoms, performer: Json) -> Json:
    code = _local(
        c.LOCAL_WITHDRAWAL_TOTAL, "Ketamine withdrawal chart total (local tool, not validated)"
    )
    resource = _survey(ctx, f"symptoms/{entry.id}", code, entry.taken_at, performer)
    resource["method"] = {"text": f"Local withdrawal chart version {entry.chart_version}"}
    if entry.total is not None:
        resource["valueQuantity"] = _score(entry.total)
    else:
        resource["dataAbsentReason"] = _absent("unable")
    resource["component"] = [
        {
            "code": _local(f"{c.LOCAL_WITHDRAWAL_ITEM}{item}", item.replace("_", " ")),
            "valueInteger": int(score),
        }
        for item, score in sorted(entry.item_scores.items())
    ]
    return resource


def _assessment(ctx: _Context, entry: ExportedAssessment, performer: Json) -> Json:
    local = {
        "system": c.LOCAL_CODES,
        "code": f"{c.LOCAL_ASSESSMENT}{entry.kind}",
        "display": f"{entry.kind} assessment",
    }
    coding = [local]
    standard = c.ASSESSMENT_STANDARD_CODES.get(entry.kind)
    if standard is not None:
        system, code, display = standard
        coding.insert(0, {"system": system, "code": code, "display": display})
    resource = _survey(
        ctx,
        f"assessment/{entry.id}",
        {"coding": coding, "text": local["display"]},
        entry.taken_at,
        performer,
    )
    if entry.total is not None:
        resource["valueQuantity"] = _score(entry.total)
    elif entry.label:
        resource["valueString"] = entry.label
    else:
        resource["dataAbsentReason"] = _absent("unable")
    if entry.label and entry.total is not None:
        resource["interpretation"] = [{"text": entry.label}]
    return resource


def _fluid(ctx: _Context, entry: ExportedFluid, performer: Json) -> Json:
    """A drink or output: oral intake as LOINC 9000-1 in mL, the rest in the console's codes; an
    output passed but not measured says so in words, never as a number."""
    if entry.direction == "intake" and entry.what == "oral":
        code = _loinc(*c.FLUID_INTAKE_ORAL)
    else:
        display = {
            "iv": "IV fluid given",
            "subcut": "Subcutaneous fluid given",
            "urine": "Urine passed",
            "vomit": "Vomit",
        }.get(entry.what, f"{entry.direction} {entry.what}")
        code = _local(f"{c.LOCAL_FLUID}{entry.direction}-{entry.what}", display)
    resource = {
        "resourceType": "Observation",
        "id": _id(ctx.hn, "fluid", entry.id),
        "status": "final",
        "category": [_category("exam")],
        "code": code,
        "subject": ctx.subject,
        "encounter": ctx.encounter,
        "effectiveDateTime": _time(entry.taken_at),
        "performer": [performer],
    }
    if entry.volume_ml is None:
        resource["valueString"] = "passed, not measured"
    else:
        resource["valueQuantity"] = {
            "value": int(entry.volume_ml),
            "unit": "mL",
            "system": c.UCUM,
            "code": "mL",
        }
    if entry.description:
        resource["note"] = [{"text": entry.description}]
    return resource


_BODY_UNITS = {"kg": "kg", "m": "m", "kg/m2": "kg/m2"}


def _weighing(ctx: _Context, entry: ExportedWeighing, performer: Json) -> list[Json]:
    """Body weight (LOINC 29463-7, kg), height (8302-2, m) and the BMI from the latest height
    (39156-5, kg/m2) as vital-signs Observations with the values as typed; the weight 3–6
    months before admission in the console's own code, with where it came from."""
    out = []
    values = (
        ("weight", c.BODY_WEIGHT, entry.weight_kg, "kg"),
        ("height", c.BODY_HEIGHT, entry.height_m, "m"),
        ("bmi", c.BMI, entry.bmi, "kg/m2"),
    )
    for part, (code, display), value, unit in values:
        if value is None:
            continue
        out.append(
            {
                "resourceType": "Observation",
                "id": _id(ctx.hn, "weighing", entry.id, part),
                "status": "final",
                "category": [_category("vital-signs")],
                "code": _loinc(code, display),
                "subject": ctx.subject,
                "encounter": ctx.encounter,
                "effectiveDateTime": _time(entry.taken_at),
                "performer": [performer],
                "valueQuantity": {
                    "value": float(Decimal(value)),
                    "unit": unit,
                    "system": c.UCUM,
                    "code": _BODY_UNITS[unit],
                },
            }
        )
    if entry.before_kg is not None:
        planned = "planned" if entry.before_planned else "unplanned"
        source = entry.before_source.replace("_", "-")
        out.append(
            {
                "resourceType": "Observation",
                "id": _id(ctx.hn, "weighing", entry.id, "before"),
                "status": "final",
                "category": [_category("exam")],
                "code": _local(c.LOCAL_WEIGHT_BEFORE, "Weight 3–6 months before admission"),
                "subject": ctx.subject,
                "encounter": ctx.encounter,
                "effectiveDateTime": _time(entry.taken_at),
                "performer": [performer],
                "valueQuantity": {
                    "value": float(Decimal(entry.before_kg)),
                    "unit": "kg",
                    "system": c.UCUM,
                    "code": "kg",
                },
                "note": [{"text": f"{source}; change {planned}"}],
            }
        )
    return out


def _meal(ctx: _Context, meal: ExportedMeal, performer: Json) -> Json:
    """A meal or snack with the portion eaten (the console's codes), any supplement as a
    component; a supplement on its own is the supplement code with its outcome in words."""
    entry = meal.entry
    resource = _entry_observation(ctx, "meal", entry.id, entry.taken_at, performer)
    supplement: Json | None = None
    if entry.supplement:
        words = meal_text({**entry.values(), "portion": None, "offered": ""})
        supplement = {"code": _local(*c.LOCAL_SUPPLEMENT), "valueString": words}
    if entry.portion is None:
        resource["code"] = _local(*c.LOCAL_SUPPLEMENT)
        resource["valueString"] = supplement["valueString"] if supplement else ""
    else:
        resource["code"] = _local(*c.LOCAL_MEAL)
        portion = entry.portion
        resource["valueCodeableConcept"] = _local(
            f"{c.LOCAL_PORTION}{portion.value}", f"{portion.label} eaten"
        )
        if supplement is not None:
            resource["component"] = [supplement]
    resource["note"] = [{"text": entry.text}]
    return resource


def _bowel(ctx: _Context, bowel: ExportedBowel, performer: Json) -> Json:
    """A bowel movement with its Bristol type in the console's value set (no LOINC term
    exists); a type not seen says so in words."""
    entry = bowel.entry
    resource = _entry_observation(ctx, "bowel", entry.id, entry.taken_at, performer)
    resource["code"] = _local(*c.LOCAL_BOWEL)
    kind = entry.bristol_type
    if kind is None:
        resource["valueString"] = "bowels opened, type not seen"
    else:
        resource["valueCodeableConcept"] = _local(
            f"{c.LOCAL_BRISTOL}{kind}", f"Bristol type {kind}: {BRISTOL_TYPES[kind]}"
        )
    return resource


def _simple_entry(ctx: _Context, entry: ExportedEntry, performer: Json) -> Json:
    """An entry of a simple kind coded from its spec: a component per field (see the module's
    words); ``fhir_chart.simple_values`` reads it back."""
    spec = entry.spec
    resource = _entry_observation(ctx, spec.kind.value, entry.id, entry.taken_at, performer)
    resource["code"] = _local(*c.kind_code(spec))
    components: list[Json] = []
    for field in spec.fields:
        value = entry.values.get(field.name)
        component: Json = {"code": _local(*c.field_code(spec, field))}
        if field.is_text:
            if value is None or value == "":
                continue
            component["valueString"] = str(value)
        elif value is None or value == field.absent_value:
            component["dataAbsentReason"] = {
                "coding": [{"system": c.DATA_ABSENT_REASON, "code": "unknown"}],
                "text": field.absent or "Not recorded",
            }
        else:
            choice = field.choice(value)
            if choice is None:  # a value the list no longer holds: its code, never a guess
                code = f"{c.field_code(spec, field)[0]}-{value}"
                component["valueCodeableConcept"] = _local(code, str(value))
            else:
                component["valueCodeableConcept"] = _local(*c.choice_code(spec, field, choice))
        components.append(component)
    if components:
        resource["component"] = components
    if entry.note:
        resource["note"] = [{"text": entry.note}]
    return resource


def _sleep(ctx: _Context, slept: ExportedSleep, performer: Json) -> Json:
    """A nurse's sleep entry: hours slept in the night (the console's own code; no verified
    LOINC term), settled or disturbed and the waking time as components."""
    entry = slept.entry
    resource = _entry_observation(ctx, "sleep", entry.id, entry.taken_at, performer)
    resource["code"] = _local(*c.LOCAL_SLEEP)
    resource["valueQuantity"] = {
        "value": round(entry.minutes_slept / 60, 2),
        "unit": "h",
        "system": c.UCUM,
        "code": "h",
    }
    quality = entry.quality
    components: list[Json] = [
        {
            "code": _local(*c.LOCAL_SLEEP_QUALITY),
            "valueCodeableConcept": _local(
                f"{c.LOCAL_SLEEP_QUALITY_VALUE}{quality.value}", quality.label
            ),
        }
    ]
    if entry.woke_at is not None:
        woke = _time(entry.woke_at)
        components.append({"code": _local(*c.LOCAL_SLEEP_WOKE), "valueDateTime": woke})
    resource["component"] = components
    resource["note"] = [{"text": f"Night of {entry.night_of:%a %d %b %Y}"}]
    return resource


def _entry_observation(
    ctx: _Context, kind: str, entry_id: int, taken_at: datetime, performer: Json
) -> Json:
    return {
        "resourceType": "Observation",
        "id": _id(ctx.hn, kind, entry_id),
        "status": "final",
        "category": [_category("exam")],
        "subject": ctx.subject,
        "encounter": ctx.encounter,
        "effectiveDateTime": _time(taken_at),
        "performer": [performer],
    }


def _flag(ctx: _Context, escalation: ExportedEscalation) -> Json:
    period: Json = {"start": _time(escalation.raised_at)}
    if escalation.resolved_at is not None:
        period["end"] = _time(escalation.resolved_at)
    kind = escalation.kind
    text = f"{kind.label} ({escalation.severity.label}): {escalation.explanation}"
    if escalation.outcome:
        text += f" Outcome: {escalation.outcome}"
    meta: Json = {}
    if escalation.policy_digest:
        # Which local policy raised it: stations and audits can tell policies apart.
        meta = {"meta": {"tag": [{"system": c.POLICY_DIGEST, "code": escalation.policy_digest}]}}
    return {
        "resourceType": "Flag",
        "id": _id(ctx.hn, "escalation", escalation.id),
        **meta,
        "status": "active" if escalation.resolved_at is None else "inactive",
        "category": [
            {"coding": [{"system": c.FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}
        ],
        "code": {
            "coding": [
                {
                    "system": c.LOCAL_CODES,
                    "code": f"{c.LOCAL_ESCALATION}{kind.value}",
                    "display": kind.label,
                }
            ],
            "text": text,
        },
        "subject": ctx.subject,
        "encounter": ctx.encounter,
        "period": period,
    }


# -- small pieces --------------------------------------------------------------------------------


def _id(hn: str, *parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join([hn, *map(str, parts)])))


def _time(at: datetime) -> str:
    return at.isoformat()


def _category(code: str) -> Json:
    display = {
        "vital-signs": "Vital Signs",
        "survey": "Survey",
        "exam": "Exam",
        "laboratory": "Laboratory",
    }[code]
    return {"coding": [{"system": c.OBSERVATION_CATEGORY, "code": code, "display": display}]}


def _loinc(code: str, display: str) -> Json:
    return {"coding": [{"system": c.LOINC, "code": code, "display": display}], "text": display}


def _local(code: str, display: str) -> Json:
    return {
        "coding": [{"system": c.LOCAL_CODES, "code": code, "display": display}],
        "text": display,
    }


def _quantity(value: float | int, code: c.VitalCode) -> Json:
    number: float | int = round(float(value), 1) if code.decimals else int(value)
    return {"value": number, "unit": code.unit, "system": c.UCUM, "code": code.ucum}


def _score(value: int) -> Json:
    return {"value": int(value), "unit": "score", "system": c.UCUM, "code": "{score}"}


def _absent(reason: str) -> Json:
    try:
        label = MissingReason(reason).label
    except ValueError:
        label = reason
    return {
        "coding": [
            {
                "system": c.DATA_ABSENT_REASON,
                "code": c.DATA_ABSENT_FOR_REASON.get(reason, "not-performed"),
            },
            {
                "system": c.LOCAL_CODES,
                "code": f"{c.LOCAL_MISSING_REASON}-{reason}",
                "display": label,
            },
        ],
        "text": label,
    }
