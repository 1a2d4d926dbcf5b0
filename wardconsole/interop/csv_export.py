"""A patient's (or the ward's) observation sets as CSV, one row per current set, then one row
per current meal (or supplement), bowel movement and nurse's sleep entry: the ``entry`` column
says which, and each kind fills its own columns (portion eaten, supplement given or declined
with the reason, the Bristol stool type, the night with the hours slept, settled or disturbed
and the waking time), leaving the others empty; then one row per current weighing (weight,
height and the BMI from the latest height as the console shows it).

Every other simple kind (``domain/simple_kinds.py``) has no columns of its own: its rows follow
the sleep rows, with the kind's stored name (``urine_dipstick``) in ``entry``, the entry's note
in ``note`` and its values in one last column, ``values``, as a JSON object of column -> stored
value (null or "" for "no value"), in the spec's order. That column is there only while such a
kind is registered (``columns()``), so a release without one writes ``FIXED_COLUMNS`` alone,
byte for byte as before, and one with one adds a single column at the end.

For audit and research: times in UTC (ISO 8601) so rows sort and join across sites, the
author's staff ID, where the set came from (bedside, import, monitor), the NEWS2 total only
for complete sets, and each missing value's reason. Text cells that a spreadsheet would run as
a formula (``=``, ``+``, ``-``, ``@``) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from wardconsole.domain import simple_kinds
from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.records import VITAL_FIELDS, MissingReason
from wardconsole.services.interop import ExportedEntry, StayRecord, WardRecord

FIXED_COLUMNS = (
    "hospital_number",
    "family_name",
    "given_name",
    "admission_id",
    "taken_at_utc",
    *VITAL_FIELDS,
    "spo2_scale",
    "capillary_glucose_mmol_l",
    "complete",
    "news2_total",
    "news2_risk",
    "missing",
    "recorded_by",
    "recorded_at_utc",
    "source",
    "amended",
    "note",
    "entry",
    "meal",
    "offered",
    "portion_eaten",
    "meal_reason",
    "supplement",
    "supplement_outcome",
    "supplement_reason",
    "bristol_type",
    "night_of",
    "hours_slept",
    "sleep_quality",
    "woke_at_utc",
    "weight_kg",
    "height_m",
    "bmi",
)
_OBSERVATION_COLUMNS = FIXED_COLUMNS.index("note") + 1
"""The columns an observation-set row fills (the rest are the other kinds')."""
KINDS_WITH_COLUMNS = frozenset({EntryKind.MEAL, EntryKind.BOWEL})
"""Simple kinds with columns of their own; the others' values go in ``values``."""
VALUES = "values"


def columns() -> tuple[str, ...]:
    """The header: ``FIXED_COLUMNS``, and ``values`` after them while a simple kind without
    columns of its own is registered."""
    if set(simple_kinds.SIMPLE_KINDS) <= KINDS_WITH_COLUMNS:
        return FIXED_COLUMNS
    return (*FIXED_COLUMNS, VALUES)


COLUMNS = columns()
"""This release's header."""


def write_csv(record: WardRecord, path: Path) -> int:
    """Write the CSV (UTF-8 with a BOM so spreadsheet programs read accents); returns rows."""
    rows = 0
    header = columns()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for patient in record.patients:
            for stay in patient.stays:
                for obs in stay.observations:
                    vitals = obs.vitals
                    missing = "; ".join(
                        f"{name}: {_reason(reason)}"
                        for name, reason in sorted(obs.missing_reasons.items())
                    )
                    writer.writerow(
                        _padded(
                            header,
                            [
                                _text(patient.hospital_number),
                                _text(patient.family_name),
                                _text(patient.given_name),
                                stay.admission.admission_id,
                                obs.taken_at.isoformat(timespec="seconds"),
                                *(_cell(getattr(vitals, name)) for name in VITAL_FIELDS),
                                vitals.spo2_scale,
                                obs.glucose_flag or _cell(obs.glucose),
                                "yes" if obs.news2_total is not None else "no",
                                _cell(obs.news2_total),
                                obs.news2_risk or "",
                                missing,
                                _text(obs.author.staff_code),
                                obs.recorded_at.isoformat(timespec="seconds"),
                                obs.source,
                                "yes" if obs.amended else "no",
                                _text(obs.note),
                                "observation set",
                            ],
                        )
                    )
                    rows += 1
                identity = {
                    "hospital_number": _text(patient.hospital_number),
                    "family_name": _text(patient.family_name),
                    "given_name": _text(patient.given_name),
                    "admission_id": stay.admission.admission_id,
                }
                for cells in _physical_rows(stay):
                    writer.writerow(_padded(header, [*identity.values(), *cells]))
                    rows += 1
                for entry in _simple_entries(stay):
                    writer.writerow([{**identity, **_simple_row(entry)}.get(n, "") for n in header])
                    rows += 1
                for weighing in stay.weighings:
                    named: dict[str, object] = {
                        "hospital_number": _text(patient.hospital_number),
                        "family_name": _text(patient.family_name),
                        "given_name": _text(patient.given_name),
                        "admission_id": stay.admission.admission_id,
                        "taken_at_utc": weighing.taken_at.isoformat(timespec="seconds"),
                        "recorded_by": _text(weighing.author.staff_code),
                        "entry": "weighing",
                        "weight_kg": weighing.weight_kg or "",
                        "height_m": weighing.height_m or "",
                        "bmi": weighing.bmi or "",
                    }
                    writer.writerow([named.get(name, "") for name in header])
                    rows += 1
    return rows


def _physical_rows(stay: StayRecord) -> list[list[object]]:
    """Meal and bowel rows: the time and author columns, then the kind's own columns."""
    blank = _OBSERVATION_COLUMNS - 4  # after the identity columns
    out: list[list[object]] = []
    for meal in stay.meals:
        entry = meal.entry
        cells: list[object] = [""] * blank
        cells[0] = entry.taken_at.isoformat(timespec="seconds")
        cells[COLUMNS.index("recorded_by") - 4] = _text(meal.author.staff_code)
        cells += [
            "meal",
            entry.occasion,
            _text(entry.offered),
            entry.portion.value if entry.portion is not None else "",
            _text(entry.reason),
            entry.supplement,
            entry.supplement_outcome,
            _text(entry.supplement_reason),
            "",
        ]
        out.append(cells)
    for bowel in stay.bowels:
        cells = [""] * blank
        cells[0] = bowel.entry.taken_at.isoformat(timespec="seconds")
        cells[COLUMNS.index("recorded_by") - 4] = _text(bowel.author.staff_code)
        cells += ["bowels", "", "", "", "", "", "", "", _cell(bowel.entry.bristol_type)]
        out.append(cells)
    for slept in stay.sleep:
        night = slept.entry
        cells = [""] * blank
        cells[0] = night.taken_at.isoformat(timespec="seconds")
        cells[COLUMNS.index("recorded_by") - 4] = _text(slept.author.staff_code)
        cells += ["sleep", *[""] * 8]
        cells += [
            night.night_of.isoformat(),
            f"{night.minutes_slept / 60:g}",
            night.quality.value,
            night.woke_at.isoformat(timespec="seconds") if night.woke_at else "",
        ]
        out.append(cells)
    return out


def _simple_entries(stay: StayRecord) -> list[ExportedEntry]:
    """The entries of the simple kinds without columns of their own, kind by kind."""
    return [
        entry
        for kind, entries in stay.entries.items()
        if kind not in KINDS_WITH_COLUMNS
        for entry in entries
    ]


def _simple_row(entry: ExportedEntry) -> dict[str, object]:
    """A simple kind's row by column: when, who, which kind, its note and its values."""
    values = {name: _stored(entry.values.get(name)) for name in entry.spec.columns}
    return {
        "taken_at_utc": entry.taken_at.isoformat(timespec="seconds"),
        "recorded_by": _text(entry.author.staff_code),
        "note": _text(entry.note),
        "entry": entry.spec.kind.value,
        VALUES: json.dumps(values, ensure_ascii=False, separators=(", ", ": ")),
    }


def _stored(value: object) -> object:
    """A value as JSON holds it: text, numbers and null as they are, anything else as text."""
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _reason(reason: str) -> str:
    try:
        return MissingReason(reason).label
    except ValueError:
        return reason


def _text(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _padded(header: tuple[str, ...], cells: list[object]) -> list[object]:
    """A row of an earlier kind, with the later kinds' columns left empty."""
    return [*cells, *[""] * (len(header) - len(cells))]
