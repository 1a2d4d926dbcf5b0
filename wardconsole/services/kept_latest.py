"""Each stay's latest entries for the census (its newest and newest complete observation sets
and the partial sets after them, its latest symptom chart, its latest RASS), kept between
refreshes by a reader that lives as long as its census and read again only for the stays whose
rows changed, at any station (``store.latest_versions``). So a refresh where a patient's
entries did not change reads none of them, and none is ever shown stale."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from wardconsole.domain.records import AssessmentEntry, ObservationSet, SymptomEntry
from wardconsole.store import repository
from wardconsole.store.latest_versions import rows_from, version
from wardconsole.store.models import AssessmentRow, ObservationSetRow, SymptomEntryRow

Value = TypeVar("Value")


@dataclass(frozen=True, slots=True)
class _Kept(Generic[Value]):
    value: Value
    row_ids: tuple[int, ...]
    """The current rows ``value`` was built from (a row amending one of them changes it)."""
    needs_from: datetime | None
    """``value`` depends only on rows taken from then on (None: on any row of the stay)."""
    measured_from: datetime | None
    key: tuple[int, int] | None
    """``version`` of the rows taken from ``measured_from`` on, read before ``value`` was (None:
    not known, read again)."""


class KeptLatest(Generic[Value]):
    """One kind of latest entry, kept per stay. ``read``: the values of the given stays as a
    fresh read gives them; ``needs_from``: from when a value's rows are taken; ``row_ids``: the
    rows it was built from."""

    def __init__(
        self,
        model: Any,
        read: Callable[[Session, list[int]], dict[int, Value]],
        needs_from: Callable[[Value], datetime | None],
        row_ids: Callable[[Value], tuple[int, ...]],
        *,
        kind: str | None = None,
    ) -> None:
        self._model, self._kind = model, kind
        self._read, self._needs_from, self._row_ids = read, needs_from, row_ids
        self._kept: dict[int, _Kept[Value]] = {}

    def values(
        self,
        session: Session,
        admission_ids: Sequence[int],
        *,
        changed: Collection[int] | None = None,
    ) -> dict[int, Value]:
        """Admission id -> its value (every stay asked for): one statement, one read more for
        the stays whose rows changed (whatever their number). A stay read for the first time
        is read without a statement (no more than a fresh read); from the next refresh on it is
        kept. ``changed``: the only stays whose rows may have changed since the last call (the
        change feed named them), so the others' kept values are taken without a statement."""
        unchanged = {
            a for a in admission_ids if changed is not None and a not in changed and a in self._kept
        }
        asked = [a for a in admission_ids if a not in unchanged]
        starts = {a: _earliest(k) for a in asked if (k := self._kept.get(a)) is not None}
        row_ids = [i for a in asked if (k := self._kept.get(a)) for i in k.row_ids]
        rows, amended = rows_from(session, self._model, starts, row_ids, kind=self._kind)
        fresh: dict[int, _Kept[Value]] = {a: self._kept[a] for a in unchanged}
        stale: list[int] = []
        for admission_id in asked:
            found = rows.get(admission_id, [])
            kept = self._kept.get(admission_id)
            if (
                kept is not None
                and admission_id not in amended
                and (
                    (kept.key is not None and version(found, kept.measured_from) == kept.key)
                    or _only_its_rows(found, kept)
                )
            ):
                # Unchanged as of this statement, which also measured where the value's rows
                # start now: that is the key from here on.
                needs = kept.needs_from
                fresh[admission_id] = _Kept(
                    kept.value, kept.row_ids, needs, needs, version(found, needs)
                )
            else:
                stale.append(admission_id)
        if stale:
            values = self._read(session, stale)
            for admission_id in stale:
                value = values[admission_id]
                measured = starts.get(admission_id)
                needs = self._needs_from(value)
                # The rows measured before this read cover the value's only if they start no
                # later than its rows do; otherwise the next refresh reads it again.
                covered = admission_id in starts and (
                    measured is None or (needs is not None and needs >= measured)
                )
                found = rows.get(admission_id, [])
                fresh[admission_id] = _Kept(
                    value,
                    self._row_ids(value),
                    needs,
                    measured,
                    version(found, measured) if covered else None,
                )
        self._kept = fresh
        return {admission_id: fresh[admission_id].value for admission_id in admission_ids}


def _only_its_rows(rows: Sequence[tuple[int, datetime]], kept: _Kept[Any]) -> bool:
    """Whether the rows taken from where the value's rows start are exactly the ones it was
    built from: rows are never removed, so then none was added there since it was read (the
    usual case; a key is needed only when other rows lie there, such as struck-out ones)."""
    start = kept.needs_from
    found = {row_id for row_id, taken_at in rows if start is None or taken_at >= start}
    return found == set(kept.row_ids)


def _earliest(kept: _Kept[Any]) -> datetime | None:
    """Where this refresh's rows must start: both where the key was measured from and where the
    value's rows start now (None when either is the whole stay)."""
    if kept.key is None:
        return kept.needs_from
    if kept.measured_from is None or kept.needs_from is None:
        return None
    return min(kept.measured_from, kept.needs_from)


ObservationsRead = tuple[ObservationSet | None, ObservationSet | None, tuple[ObservationSet, ...]]
"""(Newest complete set, newest set, the partial sets after the newest complete one not before
the history window's start when read, oldest first)."""


class KeptObservations:
    """The census's observation sets per stay, as ``latest_and_complete_observations`` and
    ``partial_sets_after`` read them."""

    def __init__(self) -> None:
        self._since: datetime | None = None
        self._latest = self._nothing_kept()

    def _nothing_kept(self) -> KeptLatest[ObservationsRead]:
        return KeptLatest(ObservationSetRow, self._read, self._needs_from, _observation_ids)

    def read(
        self,
        session: Session,
        admission_ids: Sequence[int],
        since: datetime,
        *,
        changed: Collection[int] | None = None,
    ) -> tuple[
        dict[int, ObservationSet], dict[int, ObservationSet], dict[int, list[ObservationSet]]
    ]:
        """(Newest complete set, newest set, partial sets after the newest complete one taken
        from ``since`` on, oldest first), each by admission id, for the stays that have one.
        ``changed``: as ``KeptLatest.values`` takes it."""
        if self._since is not None and since < self._since:
            # Asked for an earlier time than before: kept partial sets may start too late.
            self._latest = self._nothing_kept()
        self._since = since
        values = self._latest.values(session, admission_ids, changed=changed)
        complete, latest, partials = {}, {}, {}
        for admission_id, (last_complete, last_any, after) in values.items():
            if last_complete is not None:
                complete[admission_id] = last_complete
            if last_any is not None:
                latest[admission_id] = last_any
            # The window's start moves on between refreshes: a kept partial set leaves it.
            recent = [o for o in after if o.taken_at >= since]
            if recent:
                partials[admission_id] = recent
        return complete, latest, partials

    def _read(self, session: Session, admission_ids: list[int]) -> dict[int, ObservationsRead]:
        assert self._since is not None
        complete, latest = repository.latest_and_complete_observations(session, admission_ids)
        partials = repository.partial_sets_after(
            session,
            {i: (complete[i].taken_at if i in complete else None) for i in admission_ids},
            since=self._since,
        )
        return {
            i: (complete.get(i), latest.get(i), tuple(partials.get(i, ()))) for i in admission_ids
        }

    def _needs_from(self, value: ObservationsRead) -> datetime | None:
        """From the newest complete set on; without one, from the window's start when read (or
        the newest set, if older)."""
        last_complete, last_any, _partials = value
        if last_complete is not None:
            return last_complete.taken_at
        if last_any is None:
            return None
        assert self._since is not None
        return min(self._since, last_any.taken_at)


def _observation_ids(value: ObservationsRead) -> tuple[int, ...]:
    last_complete, last_any, partials = value
    return tuple(o.id for o in (last_complete, last_any, *partials) if o is not None)


def _entry_ids(value: SymptomEntry | AssessmentEntry | None) -> tuple[int, ...]:
    return (value.id,) if value is not None else ()


def _entry_from(value: SymptomEntry | AssessmentEntry | None) -> datetime | None:
    return value.taken_at if value is not None else None


def kept_symptoms() -> KeptLatest[SymptomEntry | None]:
    """Each stay's latest symptom chart (``repository.latest_symptoms``), None for none."""

    def read(session: Session, admission_ids: list[int]) -> dict[int, SymptomEntry | None]:
        found = repository.latest_symptoms(session, admission_ids)
        return {i: found.get(i) for i in admission_ids}

    return KeptLatest(SymptomEntryRow, read, _entry_from, _entry_ids)


def kept_rass() -> KeptLatest[AssessmentEntry | None]:
    """Each stay's latest RASS (``repository.latest_rass``), None for none."""

    def read(session: Session, admission_ids: list[int]) -> dict[int, AssessmentEntry | None]:
        found = repository.latest_rass(session, admission_ids)
        return {i: found.get(i) for i in admission_ids}

    return KeptLatest(AssessmentRow, read, _entry_from, _entry_ids, kind="rass")
