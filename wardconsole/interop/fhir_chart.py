"""Reading the food, fluid, bowel and sleep Observations the console exports (``fhir_export``)
back into entries: oral intake by LOINC 9000-1, everything else by the console's own codes
(``codes.LOCAL_FLUID``, ``LOCAL_MEAL``, ``LOCAL_SUPPLEMENT``, ``LOCAL_BOWEL``, ``LOCAL_SLEEP``).

Only what the file states is read; nothing is guessed. A meal's occasion, what was offered and
the reasons travel only in the entry's words (``meal_text``), so they are read back from the
words and kept only when the entry rebuilt from them reads exactly the same. A value this
module cannot read is a reason to skip, returned as text for the import report.

An entry of any simple kind (``domain/simple_kinds.py``) coded from its spec — the kind's code,
a component per field (``fhir_export._simple_entry``) — is read back from its components by
``simple_values``: a choice by the console's code for it, free text as written, a
``dataAbsentReason`` as the field's "no value" where the field allows one. A field the file
leaves out is left out (the import's checks then say whether the entry can do without it); a
component or a value the spec does not know is a reason to skip naming it, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from wardconsole.domain.entry_specs import EntryField, EntrySpec
from wardconsole.domain.meals import OCCASIONS, SUPPLEMENT_OUTCOMES, SUPPLEMENTS, Portion, meal_text
from wardconsole.domain.text_input import MAX_NOTE, text_problem
from wardconsole.interop import codes as c
from wardconsole.interop.fhir_reading import (
    Resource,
    codings,
    fhir_time,
    number,
    obj,
    objects,
    string,
)

NOT_MEASURED: Final = "passed, not measured"
TYPE_NOT_SEEN: Final = "bowels opened, type not seen"
_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_VOLUME_UNITS: Final = {"mL": Decimal(1), "ml": Decimal(1), "L": Decimal(1000), "l": Decimal(1000)}
_HOUR_UNITS: Final = {"h": Decimal(60), "min": Decimal(1)}

Codes = list[tuple[str, str, str]]


def chart_kind(all_codes: Codes) -> str | None:
    """``fluid``, ``meal``, ``bowel``, ``sleep`` for the console's chart Observations, a simple
    kind's value for an entry coded from its spec (``codes.kind_code``); ``estimate`` for a
    sleep estimate (derived, never imported); else None."""
    for system, code, _ in all_codes:
        if system == c.LOINC and code == c.FLUID_INTAKE_ORAL[0]:
            return "fluid"
        if system != c.LOCAL_CODES:
            continue
        if code.startswith(c.LOCAL_FLUID):
            return "fluid"
        if code in (c.LOCAL_MEAL[0], c.LOCAL_SUPPLEMENT[0]):
            return "meal"
        if code == c.LOCAL_BOWEL[0]:
            return "bowel"
        if code == c.LOCAL_SLEEP[0]:
            return "sleep"
        if code.startswith("sleep-") and "estimat" in code:
            return "estimate"
        if (spec := c.spec_of_code(code)) is not None:
            return spec.kind.value
    return None


def chart_note(resource: Resource, kind: str, all_codes: Codes) -> str:
    """The note of an entry coded from its spec (its ``Observation.note``; ``simple_values``
    checks it as a typed note); "" for the other kinds, whose notes hold their words."""
    if _coded_from_spec(kind, all_codes) is None:
        return ""
    return "\n".join(_notes(resource))


def chart_values(resource: Resource, kind: str, all_codes: Codes) -> dict[str, object] | str:
    """The entry's values as its table holds them, or why they cannot be read."""
    spec = _coded_from_spec(kind, all_codes)
    if spec is not None:
        return simple_values(resource, spec)
    if kind == "fluid":
        return _fluid(resource, all_codes)
    if kind == "meal":
        return _meal(resource, all_codes)
    if kind == "bowel":
        return _bowel(resource)
    return _sleep(resource)


def _coded_from_spec(kind: str, all_codes: Codes) -> EntrySpec | None:
    """The spec of ``kind`` when the codes hold its generic code (``codes.kind_code``)."""
    for system, code, _ in all_codes:
        if system == c.LOCAL_CODES and code == kind:
            return c.spec_of_code(code)
    return None


def simple_values(resource: Resource, spec: EntrySpec) -> dict[str, object] | str:
    """The values of an entry coded from its spec (``fhir_export._simple_entry``): the fields
    its components state, as the table holds them; or why they cannot be read, naming the
    component or the value."""
    what = spec.kind.words.title.lower()
    values: dict[str, object] = {}
    for index, component in enumerate(objects(resource, resource.data, "component", "component")):
        path = f"component[{index}]"
        found = codings(resource, obj(resource, component, "code", f"{path}.code"), path)
        code = next((code for system, code, _ in found if system == c.LOCAL_CODES), "")
        field = next((f for f in spec.fields if c.field_code(spec, f)[0] == code), None)
        if field is None:
            named = f"{code!r}" if code else "without the console's code"
            return f"{what}: component {named} not understood"
        if field.name in values:
            return f"{what}: {field.name} given twice"
        value = _component_value(resource, component, path, spec, field)
        if isinstance(value, _Unread):
            return f"{what}: {field.name}: {value.why}"
        values[field.name] = value
    note = "\n".join(_notes(resource))
    if problem := text_problem("note", note, max_length=MAX_NOTE, multiline=True):
        return f"{what}: {problem}"
    return values


class _Unread:
    """Why a component's value cannot be read."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


def _component_value(
    resource: Resource, component: dict[str, Any], path: str, spec: EntrySpec, field: EntryField
) -> object:
    """The value a component states for ``field``, as the table holds it, or ``_Unread``."""
    if field.is_text:
        text = string(resource, component, "valueString", f"{path}.valueString")
        if text is not None:
            return text
        if "dataAbsentReason" in component:
            return ""
        return _Unread("no text")
    concept = obj(resource, component, "valueCodeableConcept", f"{path}.valueCodeableConcept")
    if concept is None:
        if "dataAbsentReason" in component and field.absent is not None:
            return field.absent_value
        return _Unread("no value")
    local = [
        code
        for system, code, _ in codings(resource, concept, f"{path}.valueCodeableConcept")
        if system == c.LOCAL_CODES
    ]
    for choice in field.choices:
        if c.choice_code(spec, field, choice)[0] in local:
            return choice.value
    named = f"{local[0]!r}" if local else "without the console's code"
    return _Unread(f"value {named} not understood")


def _fluid(resource: Resource, all_codes: Codes) -> dict[str, object] | str:
    data = resource.data
    direction, what = "intake", "oral"
    for system, code, _ in all_codes:
        if system == c.LOCAL_CODES and code.startswith(c.LOCAL_FLUID):
            direction, _, what = code[len(c.LOCAL_FLUID) :].partition("-")
            break
    notes = _notes(resource)
    values: dict[str, object] = {
        "direction": direction,
        "what": what,
        "description": notes[0] if notes else "",
    }
    if data.get("valueString") == NOT_MEASURED:
        values["volume_ml"] = None
        return values
    ml = _amount(resource, _VOLUME_UNITS, "fluid entry: volume")
    if isinstance(ml, str):
        return ml
    if ml != ml.to_integral_value():
        return "fluid entry refused: volume_ml: a whole number of ml"
    values["volume_ml"] = int(ml)
    return values


def _meal(resource: Resource, all_codes: Codes) -> dict[str, object] | str:
    """A meal (portion coded, any supplement a component in words) or a supplement on its own
    (its words the value); the rest is read from the entry's words in the note."""
    data = resource.data
    notes = _notes(resource)
    if not notes:
        return "meal or supplement: no words to read the occasion from"
    text = notes[0]
    local = {code for system, code, _ in all_codes if system == c.LOCAL_CODES}
    values: dict[str, object] | None
    if c.LOCAL_MEAL[0] not in local:
        values = _supplement_alone(text, data.get("valueString"))
    else:
        portion = _local_value(resource, data, c.LOCAL_PORTION)
        if portion not in set(Portion):
            return "meal or supplement: portion eaten not understood"
        values = _meal_words(text, Portion(portion), _supplement_component(resource))
    if values is None or meal_text(values) != text:
        return "meal or supplement: words not understood"
    return values


def _supplement_component(resource: Resource) -> str | None:
    for index, component in enumerate(objects(resource, resource.data, "component", "component")):
        path = f"component[{index}]"
        found = codings(resource, obj(resource, component, "code", f"{path}.code"), path)
        if (c.LOCAL_CODES, c.LOCAL_SUPPLEMENT[0]) in {(s, code) for s, code, _ in found}:
            words = string(resource, component, "valueString", f"{path}.valueString")
            return words or ""
    return None


def _supplement_alone(text: str, words: object) -> dict[str, object] | None:
    """A supplement on its own: its words (the value) are the note's without what was offered,
    which stands in brackets after the supplement's name."""
    if not isinstance(words, str):
        return None
    values = _supplement_words(words)
    if values is None:
        return None
    name = SUPPLEMENTS[str(values["supplement"])]
    offered = ""
    if text != words:
        head, tail = f"{name} (", f"){words[len(name) :]}"
        if not (text.startswith(head) and text.endswith(tail)):
            return None
        offered = text[len(head) : len(text) - len(tail)]
    return {**values, "occasion": "supplement", "offered": offered, "portion": None, "reason": ""}


def _meal_words(text: str, portion: Portion, supplement: str | None) -> dict[str, object] | None:
    """A meal's words back into its values (``meal_text``'s inverse), or None; the
    supplement's words, when it had one, end the note."""
    extra: dict[str, object] | None = {
        "supplement": "",
        "supplement_outcome": "",
        "supplement_reason": "",
    }
    if supplement is not None:
        if not text.endswith(f"; {supplement}"):
            return None
        text = text[: -len(supplement) - 2]
        extra = _supplement_words(supplement)
    if extra is None:
        return None
    marker = f": ate {portion.label}"
    for occasion, label in OCCASIONS.items():
        if not text.startswith(label):
            continue
        rest = text[len(label) :]
        # What was offered may itself hold "): ate ½": try each place the words could end.
        ends = [0] if rest.startswith(marker) else []
        if rest.startswith(" ("):
            ends += [i + 1 for i in range(2, len(rest)) if rest.startswith(f"){marker}", i)]
        for end in ends:
            after = rest[end + len(marker) :]
            if not after or after.startswith(" — "):
                return {
                    "occasion": occasion,
                    "offered": rest[2 : end - 1] if end else "",
                    "portion": portion.value,
                    "reason": after[3:],
                    **extra,
                }
    return None


def _supplement_words(words: str) -> dict[str, object] | None:
    """'Nutritional drink declined — nausea' back into its values, or None."""
    for key, name in SUPPLEMENTS.items():
        for outcome in SUPPLEMENT_OUTCOMES:
            head = f"{name} {outcome}"
            if words == head or words.startswith(f"{head} — "):
                return {
                    "supplement": key,
                    "supplement_outcome": outcome,
                    "supplement_reason": words[len(head) + 3 :],
                }
    return None


def _bowel(resource: Resource) -> dict[str, object] | str:
    data = resource.data
    if data.get("valueString") == TYPE_NOT_SEEN:
        return {"bristol_type": None}
    kind = _local_value(resource, data, c.LOCAL_BRISTOL)
    if not (kind.isascii() and kind.isdigit()):
        return "bowel entry: Bristol type not understood"
    return {"bristol_type": int(kind)}


def _sleep(resource: Resource) -> dict[str, object] | str:
    data = resource.data
    minutes = _amount(resource, _HOUR_UNITS, "sleep entry: hours slept")
    if isinstance(minutes, str):
        return minutes
    values: dict[str, object] = {
        "minutes_slept": int(minutes.to_integral_value()),
        "quality": None,
        "woke_at": None,
        "night_of": _night_of(_notes(resource)),
    }
    for index, component in enumerate(objects(resource, data, "component", "component")):
        path = f"component[{index}]"
        found = codings(resource, obj(resource, component, "code", f"{path}.code"), path)
        code = next((code for system, code, _ in found if system == c.LOCAL_CODES), "")
        if code == c.LOCAL_SLEEP_QUALITY[0]:
            values["quality"] = _local_value(resource, component, c.LOCAL_SLEEP_QUALITY_VALUE)
        elif code == c.LOCAL_SLEEP_WOKE[0]:
            text = string(resource, component, "valueDateTime", f"{path}.valueDateTime")
            woke = fhir_time(resource, text, f"{path}.valueDateTime") if text else None
            if woke is None or woke.date_only:
                return "sleep entry: waking time not understood"
            values["woke_at"] = woke.at
    return values


def _night_of(notes: list[str]) -> date | None:
    """The night from the export's 'Night of Sat 05 Dec 2026' (English month names, whatever
    the locale); None lets the ward's shift pattern say, as for a typed entry."""
    for note in notes:
        words = note.split()
        if len(words) == 6 and words[:2] == ["Night", "of"] and words[4] in _MONTHS:
            try:
                return date(int(words[5]), _MONTHS[words[4]], int(words[3]))
            except ValueError:
                return None
    return None


def _local_value(resource: Resource, holder: dict[str, Any], prefix: str) -> str:
    """The part after ``prefix`` of the console's code in ``valueCodeableConcept``; ''."""
    concept = obj(resource, holder, "valueCodeableConcept", "valueCodeableConcept")
    for system, code, _ in codings(resource, concept, "valueCodeableConcept"):
        if system == c.LOCAL_CODES and code.startswith(prefix):
            return code[len(prefix) :]
    return ""


def _notes(resource: Resource) -> list[str]:
    found = objects(resource, resource.data, "note", "note")
    return [n["text"] for n in found if isinstance(n.get("text"), str)]


def _amount(resource: Resource, units: Mapping[str, Decimal], what: str) -> Decimal | str:
    """The Observation's quantity in the unit ``units`` converts to, or why it cannot be read."""
    quantity = obj(resource, resource.data, "valueQuantity", "valueQuantity")
    amount = number(resource, quantity, "value", "valueQuantity.value") if quantity else None
    if quantity is None or amount is None:
        return f"{what}: no value"
    code = string(resource, quantity, "code", "valueQuantity.code")
    unit = (code or string(resource, quantity, "unit", "valueQuantity.unit") or "").strip()
    if unit not in units:
        return f"{what}: unit {unit or 'none'!r} is not one of {', '.join(units)}"
    return amount * units[unit]
