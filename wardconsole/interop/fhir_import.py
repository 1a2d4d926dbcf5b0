"""Importing vital-sign Observations from a FHIR R4 JSON file (Bundle, resource or NDJSON).

Mapping is by LOINC code (``codes.IMPORT_LOINC``; blood pressure panels 85354-9 and Synthea's
55284-4 by their 8480-6/8462-4 components) plus the console's own local codes for ACVPU and
supplemental oxygen; units are converted to the chart's (°F -> °C, kPa -> mmHg) and rounded
half-up to chart precision. Anything else — unknown codes, values the source marks absent,
values without a usable unit, statuses other than final/amended/corrected/preliminary — is
counted and skipped, never guessed.

Values become sets: the members of one vital-signs panel (``hasMember``) form one set; other
values of the same patient, stay and effective time form one set. A set keeps only the values
the file has; the rest are stored as missing "not in the imported record", so no NEWS2 is
computed unless the file holds the whole set.

Body weight and height become weighings. The food, fluid, bowel and sleep Observations the
console exports (oral intake 9000-1, the rest in its own codes) become entries of their own
(``fhir_chart``), checked by the ward's rules when written; a sleep estimate is derived here
from the safety checks, so one in a file is counted as not imported.

The patient is identified by the console's hospital-number identifier, else a medical-record
(MR) identifier; ``patient=`` names the patient when the file does not (or to override it).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from wardconsole.domain.news2 import ACVPU
from wardconsole.domain.records import MissingReason
from wardconsole.interop import codes as c
from wardconsole.interop.fhir_chart import chart_kind, chart_note, chart_values
from wardconsole.interop.fhir_reading import (
    MAX_BYTES,
    TEXT_OR_NONE,
    FhirInputError,
    Resource,
    codings,
    fhir_time,
    is_ndjson_file,
    iter_ndjson_lines,
    line_resource,
    line_resources,
    number,
    obj,
    objects,
    read_resources,
    string,
)
from wardconsole.services.bulk_import import BulkImportService
from wardconsole.services.chart_import import ESTIMATED_SLEEP, KIND_FIELDS
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.importing import (
    BODY_FIELDS,
    AuthorRef,
    ChartEntry,
    ImportBatch,
    ImportReport,
    ImportService,
    PatientRef,
    Progress,
    StayRef,
    VitalGroup,
)

__all__ = ["FhirInputError", "import_fhir_file", "parse_fhir"]

ACCEPTED_STATUSES = frozenset({"final", "amended", "corrected", "preliminary"})
MAX_HOSPITAL_NUMBER = 32
DATE_ONLY_NOTE = "Time not given in the source (date only); shown at midnight UTC."
_ACTS_AS_OURS = {
    c.NEWS2_TOTAL_SNOMED: "NEWS2 total score (recomputed here from the vital signs)",
    c.BMI[0]: "BMI (recomputed here from the weight and height)",
}


def import_fhir_file(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    patient: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Read, map and write one file — all or nothing. NDJSON is read a line at a time, twice
    (patients, stays and panels first, then the Observations), so memory follows the number
    of sets, not the size of the file, and written through the staging tables
    (``services.bulk_import``), so other stations keep writing while it is imported."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FhirInputError("file", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        bulk = is_ndjson_file(path)
        if bulk:
            batch = parse_ndjson_file(path, patient=patient, progress=progress)
        else:
            batch = parse_fhir(path.read_bytes(), label=path.name, patient=patient)
    except OSError as exc:
        raise FhirInputError(str(path), exc.strerror or "cannot be read") from None
    if bulk:
        return BulkImportService(db).import_batch(actor, batch, progress)
    return ImportService(db).import_batch(actor, batch, progress)


def parse_fhir(data: bytes, *, label: str, patient: str | None = None) -> ImportBatch:
    resources = read_resources(data)
    mapper = _Mapper(resources, patient.strip() if patient else None)
    return mapper.batch(label)


MAX_NDJSON_RESOURCES = 550_000
"""The most resources an NDJSON file may hold. Memory follows the sets and the resources'
names (kept to group and check them), not the size of the file: 600,000 Observations peaked
at 263 MB, so this keeps an import under 300 MB beside the console (a file of monitor
Observations reaches the 256 MB file limit at about 640,000). Refused while reading, before
anything is written."""

READ_PROGRESS_LINES = 1000
"""While a file is read, ``progress(0, 0)`` every so many lines: a cancel is honoured there."""


def parse_ndjson_file(
    path: Path, *, patient: str | None = None, progress: Progress | None = None
) -> ImportBatch:
    """``parse_fhir`` for an NDJSON file, streamed (see ``import_fhir_file``). ``progress``
    is called with (0, 0) as it reads, so raising from it (a cancel) stops the reading.
    A line of one Observation, nearly every line of a large file, is not made a ``Resource``
    in the first reading unless it is a panel: only its name is kept."""
    mapper = _Mapper([], patient.strip() if patient else None)
    panels = []
    counted = _resource_counter(progress)
    for line, value in iter_ndjson_lines(path):
        if _an_observation(value) and "hasMember" not in value:
            counted()
            mapper.know_line_observation(value, line)
            continue
        for resource in line_resources(value, line):
            counted()
            if resource.type == "Observation":
                mapper.know_observation(resource)
                if "hasMember" in resource.data:
                    panels.append(resource)
            else:
                mapper.know(resource)

    def observations() -> Iterator[Resource]:
        counted = _resource_counter(progress)
        for line, value in iter_ndjson_lines(path):
            if _an_observation(value):
                counted()
                yield line_resource(value, line)
                continue
            for resource in line_resources(value, line):
                counted()
                if resource.type == "Observation":
                    yield resource

    return mapper.batch(path.name, panels, observations)


def _an_observation(value: object) -> bool:
    """Whether an NDJSON line's value is one Observation (``fhir_reading.one_resource``)."""
    return value.__class__ is dict and value.get("resourceType") == "Observation"


def _resource_counter(progress: Progress | None) -> Callable[[], None]:
    """Called once per resource read: refuses a file of more than ``MAX_NDJSON_RESOURCES``
    and calls ``progress(0, 0)`` every ``READ_PROGRESS_LINES``."""
    count = 0

    def counted() -> None:
        nonlocal count
        count += 1
        if count > MAX_NDJSON_RESOURCES:
            raise FhirInputError(
                "file",
                f"holds more than {MAX_NDJSON_RESOURCES:,} resources; import it in parts "
                f"of at most that many (a month of monitor data for five patients is "
                "about 100,000)",
            )
        if progress is not None and count % READ_PROGRESS_LINES == 0:
            progress(0, 0)

    return counted


@dataclass
class _Group:
    key: tuple[Any, ...]
    patient: PatientRef
    taken_at: datetime
    stay: StayRef | None
    author: AuthorRef | None
    position: str
    values: dict[str, object] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    before: tuple[str, bool] | None = None

    def to_vital_group(self) -> VitalGroup:
        digest = hashlib.sha256(
            "|".join(
                [self.patient.hospital_number, self.taken_at.isoformat(), *sorted(self.members)]
            ).encode()
        ).hexdigest()
        return VitalGroup(
            source_ref=f"fhir:{digest[:48]}",
            patient=self.patient,
            taken_at=self.taken_at,
            values=dict(self.values),
            position=self.position,
            stay=self.stay,
            author=self.author,
            missing_reasons=dict(self.reasons),
            note=" ".join(dict.fromkeys(self.notes)),
            before=self.before,
        )


class _Mapper:
    def __init__(self, resources: list[Resource], patient: str | None) -> None:
        self.resources = resources
        self.override = patient
        self.skipped: Counter[str] = Counter()
        self.index: dict[str, Resource] = {}
        self.observation_keys: dict[str, str] = {}
        """Streamed input: an Observation's fullUrl or ``Type/id`` -> its identity."""
        self._seen: dict[str, str | int] = {}
        """fullUrl or ``Type/id`` -> where the file first gave it (a second is refused): its
        position, or for a line of one Observation the line's number (``_position``), which
        costs a third of the memory (a file of 100,000 Observations keeps 100,000)."""
        for resource in resources:
            self.know(resource)
        self.panel_of: dict[str, tuple[str, str]] = {}  # member identity -> (panel, note)
        self.groups: dict[tuple[Any, ...], _Group] = {}
        self.entries: list[ChartEntry] = []
        self._patients: dict[str, PatientRef] = {}
        self._stays: dict[str, StayRef | None] = {}
        self._times: dict[str, tuple[datetime, bool] | None] = {}
        # What a file repeats on every Observation, worked out once (see each user):
        self._patient_of: dict[str, PatientRef] = {}
        self._stay_of: dict[str, StayRef | None] = {}
        self._codes_say: dict[tuple[tuple[str, str, str], ...], _CodesSay] = {}
        self._importable: dict[str, bool] = {}
        self._in_units: dict[tuple[str, str, str | None], tuple[object, str]] = {}
        if patient is not None and not 0 < len(patient) <= MAX_HOSPITAL_NUMBER:
            raise FhirInputError(
                "--patient", f"a hospital number has 1–{MAX_HOSPITAL_NUMBER} characters"
            )

    def know(self, resource: Resource) -> None:
        for key in self._keys(resource):
            self.index[key] = resource

    def know_observation(self, resource: Resource) -> None:
        """A streamed Observation: only its name is kept, so panels can find their members."""
        for key in self._keys(resource):
            self.observation_keys[key] = resource.identity

    def know_line_observation(self, data: dict[str, Any], line: int) -> None:
        """``know_observation`` for a line of one Observation, without making it a
        ``Resource``: its one name is ``Observation/id`` (no fullUrl outside a Bundle)."""
        rid = data.get("id")
        if isinstance(rid, str):
            key = f"Observation/{rid}"
            self._given_once(key, line)
            self.observation_keys[key] = key

    def _keys(self, resource: Resource) -> list[str]:
        """The names others refer to ``resource`` by."""
        keys = [key for key in dict.fromkeys((resource.full_url, resource.local_ref)) if key]
        for key in keys:
            self._given_once(key, resource.position)
        return keys

    def _given_once(self, key: str, where: str | int) -> None:
        """A name given twice in one file is refused (two readings with one id: which one a
        reference means cannot be known, and one of them would be lost). ``where``: the
        position of the resource, or the number of its line if the line is one Observation."""
        first = self._seen.setdefault(key, where)
        if first == where:
            return
        first_at, position = _position(key, first), _position(key, where)
        if first_at != position:
            raise FhirInputError(
                position,
                f"{key} is given twice in this file (first at {first_at}); "
                "each resource needs its own id",
            )

    def batch(
        self,
        label: str,
        panels: list[Resource] | None = None,
        stream: Callable[[], Iterable[Resource]] | None = None,
    ) -> ImportBatch:
        """The sets of the input: ``self.resources``, or (streamed) the panels found in a
        first reading and the Observations of a second."""
        if stream is None:
            listed = [r for r in self.resources if r.type == "Observation"]
            observations: Iterable[Resource] = listed
            panels = listed
        else:
            observations = (r for r in stream() if r.type == "Observation")
        if self.override is not None:
            observations = self._check_single_subject(observations, stream)
        for resource in panels or []:
            self._note_panel(resource)
        for resource in observations:
            self._observation(resource)
        return ImportBatch(
            source="import",
            label=label,
            groups=tuple(self._vital_groups()),
            skipped=dict(self.skipped),
            create_records=True,
            entries=tuple(sorted(self.entries, key=lambda e: (e.taken_at, e.position))),
        )

    def _vital_groups(self) -> Iterator[VitalGroup]:
        """The sets in time order, each working copy let go once made (a large file's
        memory peaks here)."""
        ordered: list[_Group | None] = [*sorted(self.groups.values(), key=_in_time_order)]
        self.groups.clear()
        for index, group in enumerate(ordered):
            ordered[index] = None
            if group is not None and group.values:
                yield group.to_vital_group()

    # -- references --------------------------------------------------------------------------

    def resolve(
        self, resource: Resource, container: dict[str, Any], key: str, path: str
    ) -> Resource | None:
        ref = obj(resource, container, key, path)
        if ref is None:
            return None
        target = string(resource, ref, "reference", f"{path}.reference")
        return self._lookup(target) if target else None

    def _lookup(self, target: str) -> Resource | None:
        """A resource of the file by fullUrl, ``Type/id`` or an absolute URL ending so."""
        found = self.index.get(target)
        if found is None and "/" in target and not target.startswith("urn:"):
            found = self.index.get("/".join(target.rstrip("/").split("/")[-2:]))
        return found

    def _member_identity(self, target: str) -> str | None:
        """The identity of the Observation a panel's ``hasMember`` names, if in the file."""
        found = self._lookup(target)
        if found is not None:
            return found.identity
        identity = self.observation_keys.get(target)
        if identity is None and "/" in target and not target.startswith("urn:"):
            identity = self.observation_keys.get("/".join(target.rstrip("/").split("/")[-2:]))
        return identity

    def _check_single_subject(
        self,
        observations: Iterable[Resource],
        stream: Callable[[], Iterable[Resource]] | None,
    ) -> Iterable[Resource]:
        """Refuse a file of several patients when one hospital number was given for it; the
        Observations to map (read again when streamed)."""
        subjects = set()
        for resource in observations:
            ref = obj(resource, resource.data, "subject", "subject")
            if ref is not None:
                target = self.resolve(resource, resource.data, "subject", "subject")
                subjects.add(target.identity if target else str(ref.get("reference")))
        if len(subjects) > 1:
            raise FhirInputError(
                "file",
                f"holds {len(subjects)} patients; a hospital number "
                "given for the import can only name one",
            )
        if stream is None:
            return observations
        return (r for r in stream() if r.type == "Observation")

    # -- panels --------------------------------------------------------------------------------

    def _note_panel(self, resource: Resource) -> None:
        loinc = {code for system, code, _ in self._codes(resource) if system == c.LOINC}
        if c.VITALS_PANEL not in loinc:
            return
        notes = [n.get("text") for n in objects(resource, resource.data, "note", "note")]
        note = " ".join(t for t in notes if isinstance(t, str))
        found = 0
        for index, ref in enumerate(objects(resource, resource.data, "hasMember", "hasMember")):
            text = string(resource, ref, "reference", f"hasMember[{index}].reference")
            member = self._member_identity(text) if text else None
            if member is not None:
                self.panel_of[member] = (resource.identity, note)
                found += 1
        if not found:
            self.skipped["vital-signs panel whose members are not in the file"] += 1

    # -- one Observation -----------------------------------------------------------------------

    def _codes(self, resource: Resource) -> list[tuple[str, str, str]]:
        return codings(resource, obj(resource, resource.data, "code", "code"), "code")

    def _observation(self, resource: Resource) -> None:
        data = resource.data
        all_codes = self._codes(resource)
        names_panel, kind, fields = self._what_codes_say(all_codes)
        if names_panel and "hasMember" in data:
            return  # a grouper: its members carry the values
        status = string(resource, data, "status", "status") or "final"
        if kind is not None:
            return self._chart_entry(resource, kind, all_codes, status)
        if not fields:
            self.skipped[self._not_imported(all_codes)] += 1
            return
        if status not in ACCEPTED_STATUSES:
            self.skipped[f"status {status!r} (not a usable result)"] += len(fields)
            return
        when = self._effective(resource)
        if when is None:
            return self._skip(fields, "no usable time (none, or coarser than a day)")
        taken_at, date_only = when
        patient = self._patient(resource)
        if patient is None:
            return self._skip(
                fields, "patient not identified: give the hospital number for the import"
            )
        group = self._group(resource, patient, taken_at)
        if date_only:
            group.notes.append(DATE_ONLY_NOTE)
        if fields == _BP_FIELDS:
            self._blood_pressure(resource, group)
        else:
            self._value(resource, group, fields[0], data, "")
        if fields != ("before_kg",):
            # The weight before admission rides with its weighing's weight and height; left
            # out of the set's identity, a file imported before it was read is still on record.
            # The name kept from the first reading: one string for both (a large file's
            # memory peaks with every member of every set held).
            group.members.append(self.observation_keys.get(resource.identity, resource.identity))

    def _what_codes_say(self, all_codes: list[tuple[str, str, str]]) -> _CodesSay:
        """Whether the codes name a vital-signs panel, the chart entry they name (or None)
        and the set's fields they give; worked out once for each coding a file uses."""
        key = tuple(all_codes)
        said = self._codes_say.get(key)
        if said is None:
            loinc = [code for system, code, _ in all_codes if system == c.LOINC]
            local = [code for system, code, _ in all_codes if system == c.LOCAL_CODES]
            said = (c.VITALS_PANEL in loinc, chart_kind(all_codes), _fields(loinc, local))
            _remember(self._codes_say, key, said)
        return said

    def _chart_entry(
        self, resource: Resource, kind: str, all_codes: list[tuple[str, str, str]], status: str
    ) -> None:
        """A food, fluid, bowel or sleep Observation: one entry, or one value skipped."""
        if kind == "estimate":
            self.skipped[ESTIMATED_SLEEP] += 1
            return
        importable = self._importable.get(kind)
        if importable is None:  # worked out once for each kind a file holds
            importable = self._importable[kind] = kind in KIND_FIELDS
        if not importable:  # a kind the import has no checks for
            self.skipped[f"not imported: {kind} (no import checks for this kind)"] += 1
            return
        if status not in ACCEPTED_STATUSES:
            self.skipped[f"status {status!r} (not a usable result)"] += 1
            return
        when = self._effective(resource)
        if when is None:
            return self._skip([kind], "no usable time (none, or coarser than a day)")
        patient = self._patient(resource)
        if patient is None:
            return self._skip(
                [kind], "patient not identified: give the hospital number for the import"
            )
        values = chart_values(resource, kind, all_codes)
        if isinstance(values, str):
            self.skipped[values] += 1
            return
        taken_at, date_only = when
        note = chart_note(resource, kind, all_codes)
        if date_only:
            note = f"{DATE_ONLY_NOTE} {note}".strip()
        self.entries.append(
            ChartEntry(
                kind=kind,
                patient=patient,
                taken_at=taken_at,
                values=values,
                position=resource.position,
                stay=self._stay(resource),
                author=self._author(resource),
                note=note,
            )
        )

    def _skip(self, fields: Sequence[str], reason: str) -> None:
        self.skipped[reason] += len(fields)

    def _not_imported(self, all_codes: list[tuple[str, str, str]]) -> str:
        for system, code, display in all_codes:
            if code in _ACTS_AS_OURS:
                return f"not imported: {_ACTS_AS_OURS[code]}"
            if system == c.LOCAL_CODES:
                return f"not imported: {display or code} (not a vital sign)"
        if not all_codes:
            return "not imported: Observation without a code"
        system, code, display = all_codes[0]
        name = "LOINC" if system == c.LOINC else (system or "no system")
        return f"not imported: {name} {code} {display}".rstrip()

    def _effective(self, resource: Resource) -> tuple[datetime, bool] | None:
        data = resource.data
        text = data.get("effectiveDateTime")
        if text.__class__ is str and text in self._times:
            return self._times[text]
        text = string(resource, data, "effectiveDateTime", "effectiveDateTime")
        path = "effectiveDateTime"
        if text is None:
            text = string(resource, data, "effectiveInstant", "effectiveInstant")
            path = "effectiveInstant"
        if text is None:
            period = obj(resource, data, "effectivePeriod", "effectivePeriod")
            if period is not None:
                text = string(resource, period, "start", "effectivePeriod.start")
                path = "effectivePeriod.start"
        if text is None:
            return None
        if text not in self._times:
            parsed = fhir_time(resource, text, path)
            self._times[text] = (parsed.at, parsed.date_only) if parsed else None
        return self._times[text]

    def _group(self, resource: Resource, patient: PatientRef, taken_at: datetime) -> _Group:
        panel = self.panel_of.get(resource.identity)
        stay = self._stay(resource)
        if panel is not None:
            key: tuple[Any, ...] = ("panel", panel[0], taken_at)
        else:
            key = ("time", patient.hospital_number, stay.start if stay else None, taken_at)
        group = self.groups.get(key)
        if group is None:
            group = _Group(key, patient, taken_at, stay, self._author(resource), resource.position)
            if panel is not None and panel[1]:
                group.notes.append(panel[1])
            self.groups[key] = group
        return group

    # -- values --------------------------------------------------------------------------------

    def _blood_pressure(self, resource: Resource, group: _Group) -> None:
        components = objects(resource, resource.data, "component", "component")
        seen = set()
        for index, component in enumerate(components):
            path = f"component[{index}]"
            for system, code, _ in codings(
                resource, obj(resource, component, "code", f"{path}.code"), f"{path}.code"
            ):
                target = c.IMPORT_LOINC.get(code) if system == c.LOINC else None
                if target in ("systolic_bp", "diastolic_bp") and target not in seen:
                    seen.add(target)
                    self._value(resource, group, target, component, f"{path}.")
                    break
        for missing in {"systolic_bp", "diastolic_bp"} - seen:
            self.skipped[f"no value: {missing}"] += 1

    def _value(
        self, resource: Resource, group: _Group, name: str, holder: dict[str, Any], path: str
    ) -> None:
        if "dataAbsentReason" in holder and not any(k.startswith("value") for k in holder):
            self.skipped[f"no value (data absent): {name}"] += 1
            reason = self._absent_reason(resource, holder, path)
            if reason:
                group.reasons.setdefault(name, reason)
            return
        value = self._read_value(resource, name, holder, path)
        if value is None:
            return
        if name in group.values and group.values[name] != value:
            group = self._spill(group, resource)
        group.values[name] = value
        if name == "before_kg":
            group.before = _before_source(resource)

    def _spill(self, group: _Group, resource: Resource) -> _Group:
        """A second, different value of the same field at the same time: its own set."""
        n = 1
        while (key := (*group.key, "#", n)) in self.groups:
            n += 1
        extra = _Group(
            key, group.patient, group.taken_at, group.stay, group.author, resource.position
        )
        extra.members.append(resource.identity)
        self.groups[key] = extra
        return extra

    def _absent_reason(self, resource: Resource, holder: dict[str, Any], path: str) -> str | None:
        concept = obj(resource, holder, "dataAbsentReason", f"{path}dataAbsentReason")
        prefix = f"{c.LOCAL_MISSING_REASON}-"
        for system, code, _ in codings(resource, concept, f"{path}dataAbsentReason"):
            if system == c.LOCAL_CODES and code.startswith(prefix):
                reason = code[len(prefix) :]
                if reason in set(MissingReason):
                    return reason
        return None

    def _read_value(
        self, resource: Resource, name: str, holder: dict[str, Any], path: str
    ) -> object | None:
        if name == "consciousness":
            concept = obj(resource, holder, "valueCodeableConcept", f"{path}valueCodeableConcept")
            letters = [
                code
                for system, code, _ in codings(resource, concept, f"{path}valueCodeableConcept")
                if system == c.LOCAL_CODES and code in ACVPU
            ]
            if not letters:
                self.skipped["value not understood: consciousness"] += 1
                return None
            return letters[0]
        if name == "on_oxygen":
            value = holder.get("valueBoolean")
            if not isinstance(value, bool):
                self.skipped["value not understood: on_oxygen"] += 1
                return None
            return value
        quantity = holder.get("valueQuantity")
        if quantity.__class__ is dict:  # the usual quantity, read at once
            amount = quantity.get("value")
            system, code, unit = quantity.get("system"), quantity.get("code"), quantity.get("unit")
            if (
                (amount.__class__ is int or amount.__class__ is float)
                and system.__class__ in TEXT_OR_NONE
                and code.__class__ in TEXT_OR_NONE
                and unit.__class__ in TEXT_OR_NONE
            ):
                return self._in_chart_units(name, amount, _chosen_unit(system, code, unit))
        return self._checked_quantity(resource, name, holder, path)

    def _checked_quantity(
        self, resource: Resource, name: str, holder: dict[str, Any], path: str
    ) -> object | None:
        """``_read_value`` of a quantity, each part checked and named when wrong (what is
        read at once there gives the same value)."""
        quantity = obj(resource, holder, "valueQuantity", f"{path}valueQuantity")
        if quantity is None:
            reason = (
                "no value"
                if not any(k.startswith("value") for k in holder)
                else "value is not a quantity"
            )
            self.skipped[f"{reason}: {name}"] += 1
            return None
        amount = number(resource, quantity, "value", f"{path}valueQuantity.value")
        if amount is None:
            self.skipped[f"no value: {name}"] += 1
            return None
        system = string(resource, quantity, "system", f"{path}valueQuantity.system")
        code = string(resource, quantity, "code", f"{path}valueQuantity.code")
        unit = string(resource, quantity, "unit", f"{path}valueQuantity.unit")
        return self._in_chart_units(name, quantity["value"], _chosen_unit(system, code, unit))

    def _in_chart_units(self, name: str, amount: float, unit: str | None) -> object | None:
        """The value in the chart's unit and precision, or None with the reason counted;
        worked out once for each value and unit (a monitor repeats its readings)."""
        key = (name, str(amount), unit)  # str: what the conversion reads (Decimal(str(x)))
        found = self._in_units.get(key)
        if found is None:
            found = _remember(self._in_units, key, _converted(name, Decimal(key[1]), unit))
        value, skipped = found
        if skipped:
            self.skipped[skipped] += 1
            return None
        return value

    # -- who, which stay, which author ---------------------------------------------------------

    def _patient(self, resource: Resource) -> PatientRef | None:
        reference = _reference(resource.data, "subject")
        known = self._patient_of.get(reference) if reference is not None else None
        if known is not None:
            return known
        target = self.resolve(resource, resource.data, "subject", "subject")
        described = None
        if target is not None and target.type == "Patient":
            described = self._patients.get(target.identity)
            if described is None:
                described = self._patients[target.identity] = _describe_patient(target)
            if self.override is None and described.hospital_number and reference is not None:
                _remember(self._patient_of, reference, described)  # all the subject says
        if self.override is not None:
            if described is None:
                return PatientRef(self.override)
            return PatientRef(
                self.override,
                described.given_name,
                described.family_name,
                described.date_of_birth,
                described.sex,
            )
        if described is not None and described.hospital_number:
            return described
        ref = obj(resource, resource.data, "subject", "subject") or {}
        logical = obj(resource, ref, "identifier", "subject.identifier")
        if logical is not None:
            value = string(resource, logical, "value", "subject.identifier.value")
            if value and len(value) <= MAX_HOSPITAL_NUMBER:
                return PatientRef(value.strip())
        return None

    def _stay(self, resource: Resource) -> StayRef | None:
        reference = _reference(resource.data, "encounter")
        if reference is not None and reference in self._stay_of:
            return self._stay_of[reference]
        target = self.resolve(resource, resource.data, "encounter", "encounter")
        if target is None or target.type != "Encounter":
            return None
        if target.identity not in self._stays:
            self._stays[target.identity] = self._read_stay(target)
        if reference is not None:
            _remember(self._stay_of, reference, self._stays[target.identity])
        return self._stays[target.identity]

    def _read_stay(self, target: Resource) -> StayRef | None:
        data = target.data
        period = obj(target, data, "period", "period") or {}
        start_text = string(target, period, "start", "period.start")
        if start_text is None:
            return None
        start = fhir_time(target, start_text, "period.start")
        if start is None:
            return None
        end_text = string(target, period, "end", "period.end")
        end = fhir_time(target, end_text, "period.end") if end_text else None
        klass = obj(target, data, "class", "class") or {}
        code = string(target, klass, "code", "class.code") or "IMP"
        reason = ""
        for concept in objects(target, data, "reasonCode", "reasonCode"):
            text = string(target, concept, "text", "reasonCode.text")
            found = codings(target, concept, "reasonCode")
            reason = text or (found[0][2] if found else "")
            if reason:
                break
        return StayRef(
            start=start.at,
            end=end.at if end else None,
            care_setting=c.ENCOUNTER_CLASS_TO_SETTING.get(code, "inpatient"),
            reason=reason,
        )

    def _author(self, resource: Resource) -> AuthorRef | None:
        for index, _ in enumerate(objects(resource, resource.data, "performer", "performer")):
            holder = {"ref": resource.data["performer"][index]}
            target = self.resolve(resource, holder, "ref", f"performer[{index}]")
            if target is None or target.type != "Practitioner":
                continue
            for ident in objects(target, target.data, "identifier", "identifier"):
                if ident.get("system") == c.STAFF_SYSTEM and isinstance(ident.get("value"), str):
                    names = objects(target, target.data, "name", "name")
                    shown = names[0].get("text") if names else None
                    return AuthorRef(
                        ident["value"], shown if isinstance(shown, str) else ident["value"]
                    )
        return None


_CodesSay = tuple[bool, str | None, tuple[str, ...]]
_BP_FIELDS = ("systolic_bp", "diastolic_bp")
REMEMBERED = 4096
"""The most codings, values with their units, and references a mapping remembers the
meaning of: a file repeats a few on every line; a crafted one with millions of distinct ones
costs time, not memory."""
K = TypeVar("K")
V = TypeVar("V")


def _position(key: str, where: str | int) -> str:
    """The position ``_Mapper._seen`` keeps for ``key``: as is, or from a line's number (a
    line of one Observation, ``Observation/id``, is named ``line n (Observation/id)``)."""
    return f"line {where} ({key})" if isinstance(where, int) else where


def _remember(memory: dict[K, V], key: K, value: V) -> V:
    """``value``, kept in ``memory`` under ``key`` while it holds fewer than REMEMBERED."""
    if len(memory) < REMEMBERED:
        memory[key] = value
    return value


def _reference(data: dict[str, Any], key: str) -> str | None:
    """``data[key].reference`` when it is a plain string (else None: read it the careful way)."""
    holder = data.get(key)
    if holder.__class__ is dict:
        reference = holder.get("reference")
        if reference.__class__ is str:
            return reference
    return None


def _chosen_unit(system: str | None, code: str | None, unit: str | None) -> str | None:
    """A quantity's UCUM code, else its human-readable unit."""
    if code and system in (None, c.UCUM):
        return code
    return unit


def _converted(name: str, amount: Decimal, unit: str | None) -> tuple[object, str]:
    """(value in chart units, "") or (None, why it is skipped)."""
    if unit is None:
        return None, f"no unit: {name}"
    try:
        converted = c.to_chart_units(name, amount, unit)
    except c.UnitProblem as exc:
        return None, f"{exc}: {name}"
    return _plain(converted, name), ""


def _in_time_order(group: _Group) -> tuple[datetime, str]:
    return (group.taken_at, group.position)


def _describe_patient(resource: Resource) -> PatientRef:
    data = resource.data
    hospital_number = ""
    identifiers = objects(resource, data, "identifier", "identifier")
    ours = [i for i in identifiers if i.get("system") == c.HOSPITAL_NUMBER_SYSTEM]
    record = [
        i
        for i in identifiers
        if any(
            code == "MR"
            for _, code, _ in codings(
                resource, obj(resource, i, "type", "identifier.type"), "identifier.type"
            )
        )
    ]
    for ident in ours + record:
        value = string(resource, ident, "value", "identifier.value")
        if value and len(value.strip()) <= MAX_HOSPITAL_NUMBER:
            hospital_number = value.strip()
            break
    names = objects(resource, data, "name", "name")
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    family = string(resource, official, "family", "name.family") or ""
    given_list = official.get("given") or []
    given = (
        given_list[0]
        if isinstance(given_list, list) and given_list and isinstance(given_list[0], str)
        else ""
    )
    birth = string(resource, data, "birthDate", "birthDate")
    born = None
    if birth is not None:
        try:
            born = date.fromisoformat(birth)
        except ValueError:
            if len(birth) == 10:
                raise FhirInputError(
                    resource.at("birthDate"), f"{birth!r} is not a valid date"
                ) from None
    gender = string(resource, data, "gender", "gender") or "unknown"
    return PatientRef(
        hospital_number,
        given,
        family,
        born,
        gender if gender in ("male", "female", "other") else "unknown",
    )


_LOCAL_FIELDS = {
    c.LOCAL_CONSCIOUSNESS: "consciousness",
    c.LOCAL_ON_OXYGEN: "on_oxygen",
    c.LOCAL_WEIGHT_BEFORE: "before_kg",
}
"""The console's own codes that are a value of a set (or of its weighing)."""


def _fields(loinc: list[str], local: list[str]) -> tuple[str, ...]:
    """The set's fields an Observation with these codes gives; () when none."""
    if any(code in c.BP_PANELS for code in loinc):
        return _BP_FIELDS
    found = [c.IMPORT_LOINC[code] for code in loinc if code in c.IMPORT_LOINC]
    found += [_LOCAL_FIELDS[code] for code in local if code in _LOCAL_FIELDS]
    return tuple(found[:1])


def _before_source(resource: Resource) -> tuple[str, bool]:
    """Where the weight before admission came from and whether the change was planned, from
    the export's note ('self-reported; change unplanned'); ('', False) when not said, which
    the weight rules refuse by name."""
    notes = objects(resource, resource.data, "note", "note")
    text = next((n["text"] for n in notes if isinstance(n.get("text"), str)), "")
    source, _, change = text.partition("; ")
    return source.strip().replace("-", "_"), change.strip() == "change planned"


def _plain(value: Decimal, name: str) -> object:
    if name in BODY_FIELDS:
        return f"{value.normalize():f}"  # exact decimal text, as a nurse types a weight
    return float(value) if name == "temperature" else int(value)
