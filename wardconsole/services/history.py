"""What the bedside dialogs read: the patient being recorded for, their entry history with
every correction and strike-out, and the PRN doses of the last 24 hours.

Reads only; the writes are ``RecordingService``'s. Every view is an immutable snapshot, so a Qt
model can show it without ever touching the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from wardconsole.domain.after_prn import is_rt_dose
from wardconsole.domain.co_use import CoUse
from wardconsole.domain.formulary import Formulary
from wardconsole.domain.records import PrnDose, Severity
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.services.context import Actor, NotFound
from wardconsole.services.db import Database
from wardconsole.services.stay_access import ensure_may_read
from wardconsole.services.text_rule import checks_text
from wardconsole.store import co_use_queries, repository
from wardconsole.store import history as stored
from wardconsole.store.entries import ENTRY_TABLES
from wardconsole.store.history import PrnEffect, StoredEntry
from wardconsole.store.models import Admission

__all__ = [
    "EntryState",
    "HistoryEntry",
    "HistoryService",
    "PatientBrief",
    "PrnDoseView",
    "PrnEffect",
    "PrnSummary",
]


@dataclass(frozen=True, slots=True)
class PatientBrief:
    """Who an entry is being made for, and the per-patient settings the entry depends on."""

    admission_id: int
    patient_name: str
    bed: str
    hospital_number: str
    admitted_at: datetime
    discharged: bool
    spo2_scale: int
    """1 for everyone unless a prescriber set Scale 2 (REFERENCE.md §1.2)."""
    scale2_target: str | None = None
    scale2_prescribed_by: str | None = None
    co_use: CoUse | None = None
    """Co-used substances from the intake: CIWA-Ar for recent drinking, COWS for recent
    opioid use (REFERENCE-2.md §12.5, §12.6); None when nothing follows."""
    ciwa_band_scheme: str = ""
    """The CIWA-Ar band scheme governance chose (``assessments.CIWA_AR_SCHEMES`` key)."""


class EntryState(StrEnum):
    """Where an entry stands; the history shows all of them, nothing is ever removed."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    """A correction replaced it; the correction is a newer row in the history."""
    ENTERED_IN_ERROR = "entered_in_error"
    """Struck out with a reason; it no longer counts for scores, trends or rules."""

    @property
    def label(self) -> str:
        return {
            EntryState.CURRENT: "Current",
            EntryState.SUPERSEDED: "Superseded",
            EntryState.ENTERED_IN_ERROR: "Entered in error",
        }[self]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One stored entry as the history shows it."""

    entry_type: str
    """'observation', 'symptoms', 'assessment' or 'prn' (as ``RecordingService`` names them)."""
    id: int
    taken_at: datetime
    recorded_at: datetime
    recorded_by: str
    station: str
    state: EntryState
    note: str = ""
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)
    amends_id: int | None = None
    """Set on a correction: the entry it replaced."""
    amend_reason: str | None = None
    replaced_by: int | None = None
    """Set on a superseded entry: the correction that replaced it."""
    struck_reason: str | None = None
    struck_by: str | None = None
    struck_at: datetime | None = None
    effects: tuple[PrnEffect, ...] = ()

    @property
    def is_correction(self) -> bool:
        return self.amends_id is not None

    @property
    def can_amend(self) -> bool:
        """A current vital-sign set, fluid, weighing or entry of a simple kind (a meal, a
        bowel movement…) can be corrected in place (other entries: strike out and record
        again)."""
        return self.state is EntryState.CURRENT and (
            self.entry_type in ("observation", "fluid", "weight")
            or simple_spec(self.entry_type) is not None
        )

    @property
    def can_strike_out(self) -> bool:
        return self.state is EntryState.CURRENT


@dataclass(frozen=True, slots=True)
class PrnDoseView:
    id: int
    given_at: datetime
    drug: str
    drug_class: str
    """How its formulary class reads (the class follows from the drug)."""
    dose: str
    route: str
    reason: str
    recorded_by: str
    counted: bool
    """Its formulary class counts as a sedative: the PRN-review rule counts it."""
    effects: tuple[PrnEffect, ...] = ()
    oral_antipsychotic: bool = False
    """An antipsychotic not given as rapid tranquillisation: counted on its own."""
    rapid_tranquillisation: bool = False
    """IM/IV sedative or antipsychotic: starts the rapid-tranquillisation schedule."""
    class_key: str = ""
    """The formulary class key (same-class doses are compared by it)."""
    class_reason: str = ""
    """Why the class was chosen, for a drug not in the formulary."""


@dataclass(frozen=True, slots=True)
class PrnSummary:
    """PRN doses in the policy's window (24 h), newest first, and the count the rule uses."""

    as_of: datetime
    window: timedelta
    review_above: int | None
    """The rule raises a PRN review when counted doses exceed this (None: rule disabled)."""
    doses: tuple[PrnDoseView, ...]
    review_severity: Severity = Severity.ADVISORY
    """The PRN review rule's severity (its shape marks the review line)."""

    @property
    def counted(self) -> int:
        return sum(1 for dose in self.doses if dose.counted)

    @property
    def review_due(self) -> bool:
        return self.review_above is not None and self.counted > self.review_above

    @property
    def oral_antipsychotics(self) -> int:
        """Antipsychotic PRN doses in the window that were not rapid tranquillisation (their own
        count: the sedative count above keeps its meaning)."""
        return sum(1 for dose in self.doses if dose.oral_antipsychotic)


class HistoryService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def patient(self, admission_id: int, *, reader: Actor | None = None) -> PatientBrief:
        """Who the entries are for; a discharged stay needs ``reader`` with the history
        permission (``services.stay_access``), as every read below does."""
        with self._db.read() as session:
            ensure_may_read(self._db, session, admission_id, reader, "details")
            info = repository.admission(session, admission_id)
            if info is None:
                raise NotFound(f"admission {admission_id} does not exist")
            extra = stored.scale2_prescription(session, admission_id)
            admission = session.get(Admission, admission_id)
            co_use = co_use_queries.co_use(session, admission) if admission else None
        alcohol = self._db.policy.rules.get("alcohol_withdrawal")
        return PatientBrief(
            admission_id=info.admission_id,
            patient_name=info.name,
            bed=info.bed or "—",
            hospital_number=info.hospital_number,
            admitted_at=info.admitted_at,
            discharged=info.discharged_at is not None,
            spo2_scale=info.spo2_scale,
            scale2_target=extra[0],
            scale2_prescribed_by=extra[1],
            co_use=co_use,
            ciwa_band_scheme=str(alcohol.params["band_scheme"]) if alcohol else "",
        )

    @checks_text
    def entries(
        self,
        admission_id: int,
        *,
        since: datetime | None = None,
        types: Sequence[str] = tuple(ENTRY_TABLES),
        reader: Actor | None = None,
    ) -> tuple[HistoryEntry, ...]:
        """Every entry of the admission, newest first; strike-out rows fold into the entry
        they strike out."""
        unknown = set(types) - set(ENTRY_TABLES)
        if unknown:
            raise ValueError(f"types: unknown entry type(s) {', '.join(sorted(unknown))}")
        with self._db.read() as session:
            ensure_may_read(self._db, session, admission_id, reader, "entries")
            rows = stored.entries(session, admission_id, since=since, types=types)
        return tuple(_with_class_text(e, self._db.formulary) for e in fold_history(rows))

    def prn_summary(
        self, admission_id: int, now: datetime | None = None, *, reader: Actor | None = None
    ) -> PrnSummary:
        now = now or self._db.clock()
        rule = self._db.policy.rules.get("prn_review")
        enabled = rule is not None and rule.enabled
        window = rule.hours("window_hours") if rule is not None else timedelta(hours=24)
        with self._db.read() as session:
            ensure_may_read(self._db, session, admission_id, reader, "PRN doses")
            rows = stored.entries(session, admission_id, since=now - window, types=("prn",))
        doses = tuple(
            _dose_view(entry, self._db.formulary.prn_dose(**_dose_fields(entry)), self._db)
            for entry in fold_history(rows)
            if entry.state is EntryState.CURRENT and entry.taken_at <= now
        )
        return PrnSummary(
            as_of=now,
            window=window,
            review_above=rule.number("max_doses") if enabled and rule else None,
            doses=doses,
            review_severity=rule.severity() if rule is not None else Severity.ADVISORY,
        )


def _dose_fields(entry: HistoryEntry) -> dict[str, Any]:
    values = entry.values
    return {
        "id": entry.id,
        "admission_id": 0,
        "given_at": entry.taken_at,
        "drug": values["drug"],
        "stored_class": values["drug_class"],
        "dose": values["dose"],
        "route": values["route"],
        "reason": values["reason"],
        "class_reason": values.get("class_reason"),
    }


def _dose_view(entry: HistoryEntry, dose: PrnDose, db: Database) -> PrnDoseView:
    rapid = is_rt_dose(dose, db.policy)
    return PrnDoseView(
        id=entry.id,
        given_at=entry.taken_at,
        drug=dose.drug,
        drug_class=dose.class_text,
        dose=dose.dose,
        route=dose.route,
        reason=dose.reason,
        recorded_by=entry.recorded_by,
        counted=dose.counts_as_sedative,
        effects=entry.effects,
        oral_antipsychotic=dose.drug_class == "antipsychotic" and not rapid,
        rapid_tranquillisation=rapid,
        class_key=dose.drug_class,
        class_reason=dose.class_reason,
    )


def _with_class_text(entry: HistoryEntry, formulary: Formulary) -> HistoryEntry:
    """A PRN entry also says how its class reads through the formulary (``class_text``):
    older doses stored free text, which may not be the class of the drug."""
    if entry.entry_type != "prn":
        return entry
    values = entry.values
    found = formulary.classify(values["drug"], values["drug_class"])
    return replace(entry, values={**values, "class_text": found.text})


def fold_history(rows: Sequence[StoredEntry]) -> tuple[HistoryEntry, ...]:
    """Stored rows -> history entries: each strike-out row marks its original and is not
    listed itself; an entry replaced by a correction is superseded."""
    by_key = {(row.entry_type, row.id): row for row in rows}
    strikes = {
        (row.entry_type, row.amends_id): row
        for row in rows
        if row.status == "entered_in_error" and row.amends_id is not None
    }
    out: list[HistoryEntry] = []
    for row in rows:
        if row.status == "entered_in_error" and (row.entry_type, row.amends_id) in by_key:
            continue  # shown on the entry it strikes out
        strike = strikes.get((row.entry_type, row.id))
        if strike is not None or row.status == "entered_in_error":
            state = EntryState.ENTERED_IN_ERROR
        elif row.replaced_by is not None:
            state = EntryState.SUPERSEDED
        else:
            state = EntryState.CURRENT
        out.append(
            HistoryEntry(
                entry_type=row.entry_type,
                id=row.id,
                taken_at=row.taken_at,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
                station=row.station,
                state=state,
                note=row.note,
                values=row.values,
                amends_id=row.amends_id if row.status == "final" else None,
                amend_reason=row.amend_reason if row.status == "final" else None,
                replaced_by=row.replaced_by if strike is None else None,
                struck_reason=strike.amend_reason
                if strike is not None
                else (row.amend_reason if row.status == "entered_in_error" else None),
                struck_by=strike.recorded_by if strike is not None else None,
                struck_at=strike.recorded_at if strike is not None else None,
                effects=row.effects,
            )
        )
    return tuple(out)
