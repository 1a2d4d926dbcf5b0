"""One patient's trends as numpy arrays, ready to draw: vitals, NEWS2, symptoms, events.

``ChartService.series(admission_id, start, end)`` reads the observation sets taken in
[start, end] (all of them, corrections and entered-in-error records included) plus the whole
admission's symptom ratings, assessments, PRN doses, escalation trail and corrections, in one
short read. Nothing here knows about Qt; every time is epoch seconds (UTC) so the chart can use
the arrays as they are.

Honesty rules the chart relies on:

* Only **current** values make the lines. A value replaced by a correction, or struck out as
  entered in error, is kept in ``corrections`` with its state, so it can be shown as such.
* A missing value in a partial set is left out of that parameter's line, never drawn as 0.
* A **gap** breaks the line (a NaN point right after the last value before it). An interval is
  a gap when it is more than ``GAP_FACTOR`` times the patient's usual interval around it (the
  median of the ``CADENCE_WINDOW`` intervals centred on it). DESIGN CHOICE, not a clinical
  threshold: a missed night between 4-hourly sets is a gap; 12-hourly sets of a NEWS2-0 patient
  are not; a monitor feed that stops for a few minutes is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any, Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from wardconsole.domain.entry_kinds import entry_title
from wardconsole.domain.entry_specs import SimpleEntry
from wardconsole.domain.formulary import Formulary
from wardconsole.domain.news2 import ACVPU, RISK_LABELS
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.domain.sessions import craving_text, session_title
from wardconsole.domain.withdrawal import ChartItem
from wardconsole.services.chart_cache import KeptSets, ObservationCache, SeriesKeep, SeriesRead
from wardconsole.services.chart_reads import opening_read
from wardconsole.services.context import Actor, NotFound
from wardconsole.services.db import Database
from wardconsole.services.fluid_series import FluidSeries, read_fluid_series
from wardconsole.services.medicines_series import MedicinesSeries, read_medicines_series
from wardconsole.services.nutrition import NutritionCourse, read_course
from wardconsole.services.sleep import SleepSeries, read_sleep_series
from wardconsole.services.stay_access import ensure_may_read
from wardconsole.services.weight_series import WeightSeries, read_weight_series
from wardconsole.store import repository, series
from wardconsole.store import sessions as sessions_store
from wardconsole.store.changes import admission_marker
from wardconsole.store.sessions import SessionRecord
from wardconsole.store.simple_entries import listed_stay_entries

GAP_FACTOR: Final = 2.0
"""An interval longer than this many usual intervals is a gap (DESIGN CHOICE, see module doc)."""
CADENCE_WINDOW: Final = 9
"""How many intervals, centred on one, define the usual interval there."""
MIN_CADENCE_S: Final = 60.0
"""Usual intervals shorter than a minute (repeated sets) count as a minute."""
BREAK_OFFSET_S: Final = 1.0
"""The NaN that breaks a line sits this long after the last value before the gap."""

RISKS: Final[tuple[str, ...]] = tuple(RISK_LABELS)
"""NEWS2 risk codes used in the arrays: index into this tuple (-1 = no score)."""

VITAL_TRACKS: Final[tuple[str, ...]] = (
    "news2_total",
    "respiration_rate",
    "spo2",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "temperature",
    "consciousness",
    "glucose",
)
"""The observation columns drawn as lines (glucose: codes are ``series.GLUCOSE_FLAGS``
indexes, -1 for a number, so a meter LO / HI is labelled, not read as 0.6 / 33.3)."""

GLUCOSE_FLAGS: Final = series.GLUCOSE_FLAGS
"""What a glucose track's codes index: the meter's "LO" / "HI" (-1 for a number)."""

CHARTED_ASSESSMENTS: Final[tuple[str, ...]] = ("rass", "4at", "ciwa_ar", "cows")
"""Assessment kinds drawn as lines; the others appear as events or in the table."""

ESCALATION_ACTIONS: Final[tuple[str, ...]] = (
    "raised",
    "raise_severity",
    "acknowledged",
    "resolved",
)


class EntryState(IntEnum):
    """What a stored entry is now: drawn in the line, or kept to show what was corrected."""

    CURRENT = 0
    CORRECTED = 1
    """Replaced by a later correction (the correction is current)."""
    ENTERED_IN_ERROR = 2
    """Struck out by an entered-in-error record."""
    ERROR_RECORD = 3
    """The record that strikes another out; it carries no value of its own."""

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    EntryState.CURRENT: "Current",
    EntryState.CORRECTED: "Corrected (replaced)",
    EntryState.ENTERED_IN_ERROR: "Entered in error",
    EntryState.ERROR_RECORD: "Entered-in-error record",
}


class EventKind(StrEnum):
    ESCALATION_RAISED = "escalation_raised"
    ESCALATION_ACKNOWLEDGED = "escalation_acknowledged"
    ESCALATION_RESOLVED = "escalation_resolved"
    PANIC = "panic"
    HALLUCINATION = "hallucination"
    PRN = "prn"
    CORRECTION = "correction"
    ENTERED_IN_ERROR = "entered_in_error"
    SESSION = "session"
    SESSION_DECLINED = "session_declined"


@dataclass(frozen=True, slots=True, eq=False)
class Track:
    """One line: ``x`` in epoch seconds (sorted), ``y`` with NaN where the line breaks.

    ``codes`` (optional) is a small integer per point, e.g. the NEWS2 risk; -1 at breaks.
    """

    x: np.ndarray
    y: np.ndarray
    codes: np.ndarray | None = None

    @property
    def points(self) -> int:
        """Real values (break markers not counted)."""
        return int(np.count_nonzero(~np.isnan(self.y)))

    @property
    def breaks(self) -> int:
        return len(self.y) - self.points

    def latest_at(self, t: float) -> tuple[float, float, int] | None:
        """(time, value, code) of the last value at or before ``t``; None in a gap or before."""
        index = int(np.searchsorted(self.x, t, side="right")) - 1
        if index < 0 or np.isnan(self.y[index]):
            return None
        code = int(self.codes[index]) if self.codes is not None else -1
        return float(self.x[index]), float(self.y[index]), code

    def count_between(self, start: float, end: float) -> int:
        lo, hi = np.searchsorted(self.x, (start, end))
        return int(hi - lo)


@dataclass(frozen=True, slots=True, eq=False)
class Marks:
    """Values that are not in the line any more: corrected or entered in error."""

    x: np.ndarray
    y: np.ndarray
    state: np.ndarray
    """``EntryState`` per mark."""
    current_y: np.ndarray
    """The value that replaced it (NaN when struck out or not known)."""


@dataclass(frozen=True, slots=True, eq=False)
class ObservationColumns:
    """Every stored set in the loaded range, current or not, oldest first."""

    matrix: np.ndarray
    """One row per set, columns as ``store.series.OBSERVATION_COLUMNS``."""
    state: np.ndarray
    """``EntryState`` per set."""
    missing_reasons: Mapping[int, Mapping[str, str]] = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        return self.matrix[:, series.OBSERVATION_COLUMNS.index(name)]

    @property
    def amends(self) -> np.ndarray:
        """The id of the set a row corrects or strikes out (NaN for an original entry)."""
        return self.column("amends_id")

    @property
    def times(self) -> np.ndarray:
        return self.matrix[:, 0]

    def __len__(self) -> int:
        return len(self.matrix)


@dataclass(frozen=True, slots=True, eq=False)
class SymptomColumns:
    times: np.ndarray
    ids: np.ndarray
    state: np.ndarray
    total: np.ndarray
    items: np.ndarray
    """(ratings, chart items) scores; NaN where an item was not rated."""
    item_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ScoreColumns:
    """One assessment kind over the stay."""

    times: np.ndarray
    ids: np.ndarray
    state: np.ndarray
    total: np.ndarray
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChartEvent:
    """A marker on the time axis; the UI words the time (local) and shows the rest on hover."""

    at: float
    kind: EventKind
    title: str
    detail: str = ""
    by: str = ""
    station: str = ""
    recorded_at: float | None = None
    """When it was written, if that differs from ``at`` (a correction made later)."""


@dataclass(frozen=True, slots=True)
class ReferenceLine:
    """A threshold drawn across a track, with where the number comes from."""

    track: str
    value: float
    label: str
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class PatientSeries:
    """Everything one patient's charts draw, as of ``as_of`` (all times epoch seconds, UTC)."""

    admission_id: int
    admitted_at: float
    discharged_at: float | None
    as_of: float
    shift_name: str
    shift_started_at: float
    loaded_from: float
    """Observation sets cover [loaded_from, loaded_to]; other entries cover the whole stay."""
    loaded_to: float
    spo2_scale: int
    spo2_target: str | None
    observations: ObservationColumns
    vitals: Mapping[str, Track]
    corrections: Mapping[str, Marks]
    oxygen: Track
    """1.0 while on supplemental oxygen, NaN otherwise (breaks included)."""
    sets: Track
    """Current sets: y is the row in ``observations`` (breaks included), for read-outs."""
    symptoms: SymptomColumns
    symptom_tracks: Mapping[str, Track]
    """'total' and one per chart item key."""
    chart_items: tuple[ChartItem, ...]
    chart_max_total: int
    assessments: Mapping[str, ScoreColumns]
    assessment_tracks: Mapping[str, Track]
    events: tuple[ChartEvent, ...]
    references: tuple[ReferenceLine, ...]
    fluids: FluidSeries
    """The food and fluid chart: bars per 24-hour period and the running balance (whole stay)."""
    medicines: MedicinesSeries = field(default_factory=MedicinesSeries.empty)
    """Watched doses, PRN per ward day and the diazepam-equivalent load (whole stay)."""
    weights: WeightSeries = field(default_factory=WeightSeries.empty)
    """Weighings with the MUST category, the screens, and what is due (whole stay)."""
    nutrition: NutritionCourse = field(default_factory=NutritionCourse.empty)
    """Meals eaten and bowel movements with the days since the last one (whole stay)."""
    sleep: SleepSeries = field(default_factory=SleepSeries.empty)
    """Each night of the stay: hours asleep (the nurse's entry or the estimate from the safety
    checks) and the withdrawal chart's sleep rating."""
    simple: Mapping[str, tuple[SimpleEntry, ...]] = field(default_factory=dict)
    """The stay's current entries of each simple kind not in ``NUTRITION_KINDS``, by kind
    (``EntryKind`` value), oldest first."""

    def covers(self, start: float, end: float) -> bool:
        """True when the observation sets for [start, end] (within the stay) are loaded."""
        stay_end = self.discharged_at if self.discharged_at is not None else self.as_of
        return self.loaded_from <= max(start, self.admitted_at) and self.loaded_to >= min(
            end, stay_end
        )


# -- gaps -------------------------------------------------------------------------------------


def usual_intervals(times: np.ndarray) -> np.ndarray:
    """For each interval between consecutive ``times``, the usual interval around it."""
    intervals = np.diff(times)
    if len(intervals) == 0:
        return intervals
    half = CADENCE_WINDOW // 2
    padded = np.pad(intervals, half, mode="edge")
    usual = np.median(sliding_window_view(padded, CADENCE_WINDOW), axis=1)
    floored: np.ndarray = np.maximum(usual, MIN_CADENCE_S)
    return floored


def make_track(
    times: np.ndarray,
    values: np.ndarray,
    usual: np.ndarray,
    codes: np.ndarray | None = None,
) -> Track:
    """A line through the finite ``values``, broken where an interval is a gap.

    ``usual`` is ``usual_intervals(times)`` of the whole series, so a parameter left out of a
    few partial sets is judged against how often the patient is observed at all.
    """
    finite = np.isfinite(values)
    if finite.all():  # most tracks of a monitor feed: no value to leave out
        x, y, c = times.copy(), values.copy(), codes.copy() if codes is not None else None
        usual_here = usual[: max(len(x) - 1, 0)]
    else:
        present = np.flatnonzero(finite)
        x = times[present]
        y = values[present]
        c = codes[present] if codes is not None else None
        usual_here = usual[present[:-1]]
    if len(x) >= 2:
        gap = np.diff(x) > GAP_FACTOR * usual_here
        after = np.flatnonzero(gap) + 1
        if len(after):
            x = np.insert(x, after, x[after - 1] + BREAK_OFFSET_S)
            y = np.insert(y, after, np.nan)
            if c is not None:
                c = np.insert(c, after, -1)
    return Track(_frozen(x), _frozen(y), _frozen(c) if c is not None else None)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


def entry_states(ids: np.ndarray, amends: np.ndarray, status: np.ndarray) -> np.ndarray:
    """``EntryState`` per row from (id, amends_id or NaN, 0 final / 1 entered in error)."""
    state = np.where(status == 0, EntryState.CURRENT, EntryState.ERROR_RECORD).astype(np.int8)
    amending = np.flatnonzero(np.isfinite(amends))
    if len(amending) == 0:
        return state
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    targets = amends[amending]
    found = np.searchsorted(sorted_ids, targets)
    found = np.clip(found, 0, len(sorted_ids) - 1)
    hit = sorted_ids[found] == targets
    originals = order[found[hit]]
    by_error = status[amending[hit]] != 0
    state[originals] = np.where(by_error, EntryState.ENTERED_IN_ERROR, EntryState.CORRECTED)
    return state


# -- the service ----------------------------------------------------------------------------


class ChartService:
    """Reads one patient's chart series in one short transaction.

    The observation sets already read are kept (``chart_cache``): a re-open or a live update
    reads only what changed, checked against the database in the same transaction. One
    service per console, shared by its windows.
    """

    def __init__(self, db: Database, cache: ObservationCache | None = None) -> None:
        self._db = db
        self.cache = cache if cache is not None else ObservationCache()
        self.kept_series: SeriesKeep[PatientSeries] = SeriesKeep()

    def series(
        self,
        admission_id: int,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        last: timedelta | None = None,
        reader: Actor | None = None,
    ) -> PatientSeries:
        """The patient's trends; observation sets only in [start, end] (None: the whole stay).

        ``last`` instead of ``start``: the sets of the last so long, by the database clock
        (the station's clock may differ). A series read moments ago is served again while
        nothing it was read from has changed (``chart_cache.SeriesKeep``).
        """
        read = self._read(admission_id, start, end, last, reader, ahead=False)
        assert read is not None  # only a read ahead skips a stay
        return read

    def read_ahead(self, admission_id: int, span: timedelta | None) -> int:
        """Read ahead of an open, and keep, what a window showing the last ``span`` (None: the
        whole stay) reads first (``chart_reads.opening_read``): a patient about to be opened
        then opens onto it, checked again against the database by that open. The sets read
        are kept as a prefetch (``ObservationCache``: only the last few such are kept).

        A discharged stay is not read (its read is checked and audited when it is opened).
        Returns the number of observation sets read for the range."""
        read = self._read(admission_id, None, None, opening_read(span), None, ahead=True)
        return 0 if read is None else len(read.observations)

    def _read(
        self,
        admission_id: int,
        start: datetime | None,
        end: datetime | None,
        last: timedelta | None,
        reader: Actor | None,
        *,
        ahead: bool,
    ) -> PatientSeries | None:
        now = self._db.clock()
        request = (start, end, last)
        if start is None and last is not None:
            start = now - last
        chart = self._db.chart
        shift = self._db.policy.shift_at(now.astimezone())
        shift_started_at = _shift_start(now, shift.start).timestamp()
        with self._db.read() as session:
            admission = repository.admission(session, admission_id)
            if ahead and (admission is None or admission.discharged_at is not None):
                return None
            ensure_may_read(self._db, session, admission_id, reader, "charts")
            if admission is None:
                raise NotFound(f"admission {admission_id} does not exist")
            marker = series.observation_marker(session, admission_id)
            this_read = SeriesRead(
                admission_id,
                request,
                (marker, admission_marker(session, admission_id)),
                now.timestamp(),
                shift_started_at,
            )
            kept_series = self.kept_series.get(this_read)
            if kept_series is not None:
                if not ahead:
                    self.cache.opened(admission_id)
                return kept_series
            kept, first, stop = self.cache.read(
                session, admission_id, start, end, _read_matrix, prefetch=ahead, marker=marker
            )
            symptom_rows = series.symptom_rows(session, admission_id)
            assessment_rows = series.assessment_rows(session, admission_id)
            prn_rows = series.prn_rows(session, admission_id)
            escalation_rows = series.escalation_event_rows(
                session, admission_id, ESCALATION_ACTIONS
            )
            correction_rows = series.correction_rows(session, admission_id)
            session_records = sessions_store.session_records(session, [admission_id])
            spo2_target = series.spo2_target(session, admission_id)
            medicines = read_medicines_series(
                session,
                self._db,
                admission_id,
                admission.admitted_at,
                admission.discharged_at or now,
            )
            fluid = read_fluid_series(
                session,
                self._db,
                admission_id,
                admission.admitted_at,
                admission.discharged_at or now,
            )
            weight = read_weight_series(session, self._db, admission_id, admission.admitted_at, now)
            nutrition = read_course(self._db, session, admission_id, None, admission.discharged_at)
            stay_end = admission.discharged_at or now
            sleep = read_sleep_series(
                session,
                self._db,
                admission_id,
                admission.admitted_at,
                stay_end,
                admission.discharged_at,
            )
            simple = {
                kind.value: entries
                for kind, entries in listed_stay_entries(session, admission_id).items()
            }

        observations, vitals, corrections, oxygen, sets = _derived(kept, first, stop)
        symptoms = _symptom_columns(symptom_rows, chart.items)
        assessments = _assessment_columns(assessment_rows)
        admitted = admission.admitted_at.timestamp()
        discharged = admission.discharged_at.timestamp() if admission.discharged_at else None
        read = PatientSeries(
            admission_id=admission_id,
            admitted_at=admitted,
            discharged_at=discharged,
            as_of=now.timestamp(),
            shift_name=shift.name,
            shift_started_at=shift_started_at,
            loaded_from=start.timestamp() if start is not None else admitted,
            loaded_to=end.timestamp() if end is not None else now.timestamp(),
            spo2_scale=admission.spo2_scale,
            spo2_target=spo2_target if admission.spo2_scale == 2 else None,
            observations=observations,
            vitals=vitals,
            corrections=corrections,
            oxygen=oxygen,
            sets=sets,
            symptoms=symptoms,
            symptom_tracks=_symptom_tracks(symptoms),
            chart_items=chart.items,
            chart_max_total=chart.max_total,
            assessments=assessments,
            assessment_tracks={
                kind: _score_track(assessments[kind])
                for kind in CHARTED_ASSESSMENTS
                if kind in assessments
            },
            events=_events(
                prn_rows,
                escalation_rows,
                correction_rows,
                assessment_rows,
                self._db.formulary,
                session_records,
            ),
            references=self._references(chart.items),
            fluids=fluid,
            medicines=medicines,
            weights=weight,
            nutrition=nutrition,
            sleep=sleep,
            simple=simple,
        )
        self.kept_series.put(this_read, read)
        return read

    def _references(self, items: Sequence[ChartItem]) -> tuple[ReferenceLine, ...]:
        """Threshold lines from the policy and the chart file (never typed in here)."""
        policy = self._db.policy
        lines: list[ReferenceLine] = []
        wanted = (
            ("4at", "confusion", "four_at_at_or_above", "4AT {v}+: possible delirium"),
            ("rass", "agitation", "rass_at_or_above", "RASS {v:+d}: agitation alert"),
            ("rass", "oversedation", "rass_at_or_below", "RASS {v:+d}: over-sedation alert"),
            ("ciwa_ar", "alcohol_withdrawal", "urgent_at_or_above", "CIWA-Ar {v}+: urgent"),
            ("ciwa_ar", "alcohol_withdrawal", "emergency_at_or_above", "CIWA-Ar {v}+: emergency"),
            ("cows", "opioid_withdrawal", "urgent_at_or_above", "COWS {v}+: urgent"),
            ("cows", "opioid_withdrawal", "emergency_at_or_above", "COWS {v}+: emergency"),
        )
        for track, rule_key, param, label in wanted:
            rule = policy.rules.get(rule_key)
            if rule is None or not rule.enabled or param not in rule.params:
                continue
            value = rule.number(param)
            lines.append(
                ReferenceLine(
                    track, value, label.format(v=value), f"escalation policy: {rule_key}.{param}"
                )
            )
        for item in items:
            if item.red_flag_at is not None:
                lines.append(
                    ReferenceLine(
                        item.key,
                        item.red_flag_at,
                        f"{item.label} red flag {item.red_flag_at}+",
                        "withdrawal chart file (unvalidated local tool)",
                    )
                )
        return tuple(lines)


def _shift_start(now: datetime, start: Any) -> datetime:
    """The most recent local wall-clock ``start`` at or before ``now`` (DST-safe)."""
    local_now = now.astimezone()
    for days_back in (0, 1):
        day = (local_now - timedelta(days=days_back)).date()
        candidate = datetime.combine(day, start).astimezone()
        if candidate <= local_now:
            return candidate
    return local_now  # pragma: no cover - one of the two days always qualifies


def _derived(
    kept: KeptSets, first: int, stop: int
) -> tuple[ObservationColumns, dict[str, Track], dict[str, Marks], Track, Track]:
    """The lines drawn from the kept rows [first, stop): computed once while they are kept."""
    derived = kept.derived.get((first, stop))
    if derived is None:
        derived = kept.derived[(first, stop)] = _observation_tracks(
            kept.matrix[first:stop], kept.reasons
        )
    return derived


def _read_matrix(
    session: Any,
    admission_id: int,
    start: datetime | None,
    end: datetime | None,
    *,
    after_id: int | None = None,
) -> np.ndarray:
    return series.observation_matrix(
        session,
        admission_id,
        start,
        end,
        consciousness_codes=ACVPU,
        risk_codes=RISKS,
        after_id=after_id,
    )


def _observation_tracks(
    matrix: np.ndarray, reasons: Mapping[int, Mapping[str, str]]
) -> tuple[ObservationColumns, dict[str, Track], dict[str, Marks], Track, Track]:
    """Which sets are current, and the lines and correction marks drawn from them."""
    column = series.OBSERVATION_COLUMNS.index
    ids = matrix[:, column("id")]
    state = entry_states(ids, matrix[:, column("amends_id")], matrix[:, column("status")])
    if reasons:
        keys = np.fromiter(reasons, dtype=np.float64, count=len(reasons))
        shown = keys[np.isin(keys, ids)]
        reasons = {int(key): reasons[int(key)] for key in shown}
    observations = ObservationColumns(
        matrix=_frozen(matrix), state=_frozen(state), missing_reasons=reasons
    )
    return (observations, *_vital_tracks(observations))


def _vital_tracks(
    observations: ObservationColumns,
) -> tuple[dict[str, Track], dict[str, Marks], Track, Track]:
    state = observations.state
    current = np.flatnonzero(state == EntryState.CURRENT)
    # The current sets once, a column per row: each track then reads contiguous values.
    by_column = observations.matrix[current].T.copy()
    index = series.OBSERVATION_COLUMNS.index
    times = by_column[index("taken_at")]
    usual = usual_intervals(times)
    risk = by_column[index("news2_risk")].astype(np.int8)
    tracks: dict[str, Track] = {}
    marks: dict[str, Marks] = {}
    old = np.flatnonzero((state == EntryState.CORRECTED) | (state == EntryState.ENTERED_IN_ERROR))
    replacement = _replacement_rows(observations, old)
    for name in VITAL_TRACKS:
        column = observations.column(name)
        codes = None
        if name == "news2_total":
            codes = risk
        elif name == "glucose":
            codes = by_column[index("glucose_flag")].astype(np.int8)
        tracks[name] = make_track(times, by_column[index(name)], usual, codes=codes)
        values = column[old]
        shown = np.isfinite(values)
        replaced = np.full(len(old), np.nan)
        has = replacement >= 0
        replaced[has] = column[replacement[has]]
        marks[name] = Marks(
            x=_frozen(observations.times[old][shown]),
            y=_frozen(values[shown]),
            state=_frozen(state[old][shown]),
            current_y=_frozen(replaced[shown]),
        )
    recorded = make_track(times, by_column[index("on_oxygen")], usual)
    oxygen = Track(recorded.x, _frozen(np.where(recorded.y == 1, 1.0, np.nan)))
    sets = make_track(times, current.astype(np.float64), usual)
    return tracks, marks, oxygen, sets


def _replacement_rows(observations: ObservationColumns, old: np.ndarray) -> np.ndarray:
    """For each corrected row, the row of the correction that replaced it (-1 if none)."""
    ids = observations.column("id")
    amends = observations.amends
    result = np.full(len(old), -1, dtype=np.int64)
    amending = np.flatnonzero(observations.state == EntryState.CURRENT)
    amending = amending[np.isfinite(amends[amending])]
    if len(amending) == 0 or len(old) == 0:
        return result
    lookup = {float(amends[row]): int(row) for row in amending}
    for position, row in enumerate(old):
        result[position] = lookup.get(float(ids[row]), -1)
    return result


def _symptom_columns(rows: Sequence[Any], items: Sequence[ChartItem]) -> SymptomColumns:
    keys = tuple(item.key for item in items)
    n = len(rows)
    times = np.array([r[0] for r in rows], dtype=np.float64)
    ids = np.array([r[1] for r in rows], dtype=np.float64)
    amends = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64)
    status = np.array([r[3] for r in rows], dtype=np.float64)
    total = np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=np.float64)
    scores = np.full((n, len(keys)), np.nan)
    for i, row in enumerate(rows):
        given = row[5] or {}
        for j, key in enumerate(keys):
            value = given.get(key)
            if isinstance(value, int | float):
                scores[i, j] = value
    return SymptomColumns(
        times=_frozen(times),
        ids=_frozen(ids),
        state=_frozen(entry_states(ids, amends, status)),
        total=_frozen(total),
        items=_frozen(scores),
        item_keys=keys,
    )


def _symptom_tracks(symptoms: SymptomColumns) -> dict[str, Track]:
    current = np.flatnonzero(symptoms.state == EntryState.CURRENT)
    times = symptoms.times[current]
    usual = usual_intervals(times)
    tracks = {"total": make_track(times, symptoms.total[current], usual)}
    for j, key in enumerate(symptoms.item_keys):
        tracks[key] = make_track(times, symptoms.items[current, j], usual)
    return tracks


def _assessment_columns(rows: Sequence[Any]) -> dict[str, ScoreColumns]:
    by_kind: dict[str, list[Any]] = {}
    for row in rows:
        by_kind.setdefault(row[4], []).append(row)
    out: dict[str, ScoreColumns] = {}
    for kind, kind_rows in by_kind.items():
        ids = np.array([r[1] for r in kind_rows], dtype=np.float64)
        amends = np.array([np.nan if r[2] is None else r[2] for r in kind_rows], dtype=np.float64)
        status = np.array([r[3] for r in kind_rows], dtype=np.float64)
        out[kind] = ScoreColumns(
            times=_frozen(np.array([r[0] for r in kind_rows], dtype=np.float64)),
            ids=_frozen(ids),
            state=_frozen(entry_states(ids, amends, status)),
            total=_frozen(
                np.array([np.nan if r[5] is None else r[5] for r in kind_rows], dtype=np.float64)
            ),
            labels=tuple(r[6] or "" for r in kind_rows),
        )
    return out


def _score_track(scores: ScoreColumns) -> Track:
    current = np.flatnonzero(scores.state == EntryState.CURRENT)
    times = scores.times[current]
    return make_track(times, scores.total[current], usual_intervals(times))


_ESCALATION_EVENT_KIND = {
    "raised": EventKind.ESCALATION_RAISED,
    "raise_severity": EventKind.ESCALATION_RAISED,
    "acknowledged": EventKind.ESCALATION_ACKNOWLEDGED,
    "resolved": EventKind.ESCALATION_RESOLVED,
}
_ESCALATION_VERB = {
    "raised": "raised",
    "raise_severity": "severity raised",
    "acknowledged": "acknowledged",
    "resolved": "resolved",
}


def _events(
    prn_rows: Sequence[Any],
    escalation_rows: Sequence[Any],
    correction_rows: Sequence[tuple[str, Any]],
    assessment_rows: Sequence[Any],
    formulary: Formulary,
    session_records: Sequence[SessionRecord] = (),
) -> tuple[ChartEvent, ...]:
    events: list[ChartEvent] = [_session_event(r) for r in session_records]
    for at, action, detail, _id, kind, severity, by, station in escalation_rows:
        label = _kind_label(kind)
        events.append(
            ChartEvent(
                at=at,
                kind=_ESCALATION_EVENT_KIND[action],
                title=(
                    f"{label} escalation {_ESCALATION_VERB[action]} ({_severity_label(severity)})"
                ),
                detail=detail or "",
                by=by or "",
                station=station or "",
            )
        )
    prn_states = entry_states(
        np.array([r[1] for r in prn_rows], dtype=np.float64),
        np.array([np.nan if r[2] is None else r[2] for r in prn_rows], dtype=np.float64),
        np.array([r[3] for r in prn_rows], dtype=np.float64),
    )
    for row, state in zip(prn_rows, prn_states, strict=True):
        at, _id, _amends, _status, drug, drug_class, dose, route, reason, by, station = row
        if state != EntryState.CURRENT:
            continue  # shown by its correction event
        events.append(
            ChartEvent(
                at=at,
                kind=EventKind.PRN,
                title=f"PRN {drug} {dose} {route}".strip(),
                detail=f"{formulary.classify(drug, drug_class).text}: {reason}".strip(": "),
                by=by or "",
                station=station or "",
            )
        )
    for entry_type, (taken, recorded, status, reason, by, station) in correction_rows:
        struck = status != "final"
        what = entry_title(entry_type)
        events.append(
            ChartEvent(
                at=taken,
                kind=EventKind.ENTERED_IN_ERROR if struck else EventKind.CORRECTION,
                title=f"{what} {'marked entered in error' if struck else 'corrected'}",
                detail=reason or "",
                by=by or "",
                station=station or "",
                recorded_at=recorded,
            )
        )
    states = entry_states(
        np.array([r[1] for r in assessment_rows], dtype=np.float64),
        np.array([np.nan if r[2] is None else r[2] for r in assessment_rows], dtype=np.float64),
        np.array([r[3] for r in assessment_rows], dtype=np.float64),
    )
    for row, state in zip(assessment_rows, states, strict=True):
        at, _id, _amends, _status, kind, _total, label = row
        if state != EntryState.CURRENT or kind not in ("panic", "hallucination"):
            continue
        title = "Panic assessment" if kind == "panic" else "Hallucination assessment (BPRS-E)"
        events.append(
            ChartEvent(
                at=at,
                kind=EventKind.PANIC if kind == "panic" else EventKind.HALLUCINATION,
                title=title,
                detail=label or "",
            )
        )
    events.sort(key=lambda event: event.at)
    return tuple(events)


def _session_event(record: SessionRecord) -> ChartEvent:
    """A session on the events lane: what, whether the patient took part, led by, cravings."""
    fact = record.fact
    detail = "; ".join(
        part
        for part in (
            f"led by {fact.led_by}" if fact.led_by else "",
            craving_text(fact.craving_before, fact.craving_after),
            record.note,
        )
        if part
    )
    return ChartEvent(
        at=fact.started_at.timestamp(),
        kind=EventKind.SESSION if fact.attendance.took_part else EventKind.SESSION_DECLINED,
        title=session_title(fact.session_type, fact.attendance),
        detail=detail,
        by=record.recorded_by,
        station=record.station,
    )


def _kind_label(kind: str) -> str:
    try:
        return EscalationKind(kind).label
    except ValueError:
        return kind.replace("_", " ").capitalize()


def _severity_label(severity: int) -> str:
    try:
        return Severity(severity).label
    except ValueError:
        return str(severity)
