"""The shift handoff's line for each simple kind of entry that has no facts of its own.

Meals and bowels are worded by ``services.nutrition.nutrition_facts`` (meals per period, the
food chart, days since the bowels last opened). Every other simple kind registered in
``domain/simple_kinds.py`` — a urine dipstick, say — gets one fact per patient that had such an
entry this shift: the entries in the kind's own words, latest first, with their times
("Urine dipstick this shift: … (03:10); … (23:40)"). Nothing is said for a patient without one:
a kind that is not charted for everyone would otherwise add a line to every patient. Read
with one statement per kind for the whole ward.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from wardconsole.domain.entry_specs import EntrySpec, SimpleEntry
from wardconsole.domain.handoff_records import Fact
from wardconsole.domain.simple_kinds import entries_line, listed_specs
from wardconsole.services.db import Database
from wardconsole.store.entries import ENTRY_TABLES
from wardconsole.store.simple_entries import entries_between


def simple_kind_facts(
    db: Database,
    session: Session,
    admission_ids: Sequence[int],
    shift_start: datetime,
    until: datetime,
) -> dict[int, tuple[Fact, ...]]:
    """Admission id -> one fact per simple kind without facts of its own that has entries
    taken in [shift_start, until] (patients without any are left out)."""
    specs = listed_specs()
    if not specs or not admission_ids:
        return {}
    end = until + timedelta(microseconds=1)  # an entry taken at the moment of drafting counts
    out: dict[int, list[Fact]] = {}
    for spec in specs:
        model = ENTRY_TABLES[spec.kind]
        found = entries_between(session, model, spec.columns, admission_ids, shift_start, end)
        for admission_id, entries in found.items():
            fact = Fact(shift_line(spec, entries, db.shifts.zone), spec.kind.value)
            out.setdefault(admission_id, []).append(fact)
    return {admission_id: tuple(facts) for admission_id, facts in out.items()}


def shift_line(spec: EntrySpec, entries: Sequence[SimpleEntry], zone: tzinfo) -> str:
    """'Urine dipstick this shift: … (03:10); … (23:40)' — ``entries`` newest first."""
    return entries_line(
        f"{spec.kind.words.label} this shift",
        spec,
        entries,
        lambda at: f"{at.astimezone(zone):%H:%M}",
    )
