"""What every track says at one moment: the crosshair read-out.

For the vital signs it is the latest current set at or before the moment (a partial set says
which values were not taken and why); in a gap, or before the first entry, it says so rather
than carrying an old value forward. Pure functions over a ``PatientSeries`` (no Qt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wardconsole.domain.meals import meals_summary
from wardconsole.domain.news2 import ACVPU, News2LowerBound, news2_lower_bound
from wardconsole.domain.records import VitalSigns
from wardconsole.domain.simple_kinds import simple_spec
from wardconsole.services.charts import RISKS, PatientSeries, Track
from wardconsole.ui import formatting as fmt
from wardconsole.ui.patient.charts.bands import Band, consciousness_scores, parameter_bands

NO_DATA = "—"


@dataclass(frozen=True, slots=True)
class ReadoutRow:
    key: str
    label: str
    value: str
    """What a nurse reads: '22 /min · scores 2', '— (not taken: asleep)', '—'."""
    at: float | None = None
    """When the value was taken (epoch seconds), None when there is none."""


@dataclass(frozen=True, slots=True)
class Readout:
    at: float | None
    rows: tuple[ReadoutRow, ...]

    def texts(self) -> dict[str, str]:
        return {row.key: row.value for row in self.rows}

    @property
    def heading(self) -> str:
        if self.at is None:
            return "Point at the chart to read every track"
        return fmt.local_datetime_text(datetime.fromtimestamp(self.at, UTC))


_VITALS = (
    ("respiration_rate", "Resp. rate", "/min", "{:.0f}"),
    ("spo2", "SpO₂", "%", "{:.0f}"),
    ("pulse", "Pulse", "/min", "{:.0f}"),
    ("temperature", "Temp.", "°C", "{:.1f}"),
)


def score_of(bands: tuple[Band, ...], value: float) -> int | None:
    for band in bands:
        if band.low <= value <= band.high:
            return band.score
    return None


def _lower_bound(obs: Any, row: int) -> News2LowerBound | None:
    """The NEWS2 lower bound of the incomplete set at ``row`` (None if it cannot be scored)."""

    def number(name: str) -> float | None:
        value = obs.column(name)[row]
        return None if math.isnan(value) else float(value)

    level = number("consciousness")
    oxygen = number("on_oxygen")
    scale = number("spo2_scale")
    ints = {k: number(k) for k in ("respiration_rate", "spo2", "systolic_bp", "pulse")}
    try:
        return news2_lower_bound(
            VitalSigns(
                **{k: None if v is None else int(v) for k, v in ints.items()},
                spo2_scale=int(scale) if scale is not None else 1,
                on_oxygen=None if oxygen is None else bool(oxygen),
                consciousness=None if level is None else ACVPU[int(level)],
                temperature=number("temperature"),
            )
        )
    except (ValueError, IndexError):
        return None


def readout_at(series: PatientSeries, at: float, item_keys: tuple[str, ...] = ()) -> Readout:
    """Every track's value at ``at`` (epoch seconds)."""
    rows: list[ReadoutRow] = []
    found = series.sets.latest_at(at)
    obs = series.observations
    if found is None:
        rows.append(ReadoutRow("news2_total", "NEWS2", _none_text(series.sets, at)))
        for key, label, _unit, _form in _VITALS:
            rows.append(ReadoutRow(key, label, NO_DATA))
        rows.append(ReadoutRow("blood_pressure", "BP", NO_DATA))
        rows.append(ReadoutRow("consciousness", "ACVPU", NO_DATA))
        rows.append(ReadoutRow("oxygen", "Oxygen", NO_DATA))
    else:
        taken, row_value, _code = found
        row = int(row_value)
        set_id = int(obs.column("id")[row])
        reasons = obs.missing_reasons.get(set_id, {})
        when = fmt.local_time_text(datetime.fromtimestamp(taken, UTC))

        def missing(name: str) -> str:
            reason = reasons.get(name)
            return f"{NO_DATA} not taken ({reason})" if reason else f"{NO_DATA} not taken"

        total = obs.column("news2_total")[row]
        risk = int(obs.column("news2_risk")[row])
        if math.isnan(total):
            bound = _lower_bound(obs, row)
            if bound is not None and bound.at_least:
                # Its known values as a floor, never a total (news2_lower_bound).
                news2 = f"{bound.text} · {when}"
            else:
                news2 = f"{NO_DATA} incomplete set · {when}"
        else:
            band = fmt.news2_band_text(RISKS[risk]) if risk >= 0 else ""
            news2 = f"{total:.0f} {band} · {when}".replace("  ", " ")
        rows.append(ReadoutRow("news2_total", "NEWS2", news2, taken))
        scale = (
            int(obs.column("spo2_scale")[row])
            if not math.isnan(obs.column("spo2_scale")[row])
            else 1
        )
        oxygen = obs.column("on_oxygen")[row]
        for key, label, unit, form in _VITALS:
            value = obs.column(key)[row]
            if math.isnan(value):
                rows.append(ReadoutRow(key, label, missing(key), taken))
                continue
            bands = (
                parameter_bands("spo2", scale=scale, on_oxygen=bool(oxygen == 1))
                if key == "spo2"
                else parameter_bands(key)
            )
            score = score_of(bands, value)
            scored = f" · scores {score}" if score else ""
            rows.append(ReadoutRow(key, label, f"{form.format(value)} {unit}{scored}", taken))
        systolic, diastolic = obs.column("systolic_bp")[row], obs.column("diastolic_bp")[row]
        if math.isnan(systolic):
            bp = missing("systolic_bp")
        else:
            score = score_of(parameter_bands("systolic_bp"), systolic)
            lower = NO_DATA if math.isnan(diastolic) else f"{diastolic:.0f}"
            bp = f"{systolic:.0f}/{lower} mmHg" + (f" · scores {score}" if score else "")
        rows.append(ReadoutRow("blood_pressure", "BP", bp, taken))
        level = obs.column("consciousness")[row]
        if math.isnan(level):
            acvpu = missing("consciousness")
        else:
            letter = ACVPU[int(level)]
            score = consciousness_scores()[letter]
            acvpu = letter + (f" · scores {score}" if score else "")
        rows.append(ReadoutRow("consciousness", "ACVPU", acvpu, taken))
        if math.isnan(oxygen):
            rows.append(ReadoutRow("oxygen", "Oxygen", missing("on_oxygen"), taken))
        else:
            words = "on oxygen" if oxygen == 1 else "air"
            rows.append(ReadoutRow("oxygen", "Oxygen", f"{words} · SpO₂ scale {scale}", taken))
    rows.append(
        _simple(
            "symptoms_total",
            "Withdrawal total",
            series.symptom_tracks.get("total"),
            at,
            f"/{series.chart_max_total}",
        )
    )
    labels = {item.key: item.label for item in series.chart_items}
    for key in item_keys:
        rows.append(_simple(key, labels.get(key, key), series.symptom_tracks.get(key), at, ""))
    rows += _assessment_rows(series, at)
    rows.append(_fluids(series, at))
    rows += _meals_and_bowels(series, at)
    rows += _simple_kinds(series, at)
    night = series.sleep.night_at(at)
    rows.append(ReadoutRow("sleep", "Sleep", night.detail if night else NO_DATA))
    rows.append(ReadoutRow("weight", "Weight", series.weights.text_at(at) or NO_DATA))
    return Readout(at, tuple(rows))


def _assessment_rows(series: PatientSeries, at: float) -> list[ReadoutRow]:
    """RASS and 4AT always; CIWA-Ar and COWS for the patients rated on them."""
    tracks = series.assessment_tracks
    rows = [
        _simple("rass", "RASS", tracks.get("rass"), at, "", signed=True),
        _simple("4at", "4AT", tracks.get("4at"), at, "/12"),
    ]
    for kind, label, top in (("ciwa_ar", "CIWA-Ar", 67), ("cows", "COWS", 48)):
        if kind in tracks:
            rows.append(_simple(kind, label, tracks[kind], at, f"/{top}"))
    return rows


def _fluids(series: PatientSeries, at: float) -> ReadoutRow:
    """The fluid period under the cursor: intake, output and the balance (or why unknown)."""
    bar = series.fluids.bar_at(at)
    if bar is None:
        return ReadoutRow("fluids", "Fluids", NO_DATA)
    totals = bar.totals
    intake = f"{totals.intake_ml} ml" if totals.intake_count else "0 ml recorded"
    start = fmt.local_time_text(datetime.fromtimestamp(bar.start, UTC))
    return ReadoutRow(
        "fluids",
        "Fluids",
        f"in {intake} · out {totals.output_text} · {totals.balance_text} (period from {start})",
        bar.start,
    )


def _meals_and_bowels(series: PatientSeries, at: float) -> list[ReadoutRow]:
    """The meals of the fluid period under the cursor and the bowels as of the cursor."""
    bar = series.fluids.bar_at(at)
    course = series.nutrition
    meals = meals_summary(course.meals_between(bar.start, bar.end)) if bar is not None else ""
    return [
        ReadoutRow("meals", "Meals", meals or NO_DATA),
        ReadoutRow("bowels", "Bowels", course.bowels_text_at(at) or NO_DATA),
    ]


def _simple_kinds(series: PatientSeries, at: float) -> list[ReadoutRow]:
    """Each other simple kind: its latest entry as of the cursor, in its spec's words."""
    rows = []
    for kind, entries in series.simple.items():
        spec = simple_spec(kind)
        if spec is None:
            continue
        latest = next((e for e in reversed(entries) if e.taken_at.timestamp() <= at), None)
        if latest is None:
            rows.append(ReadoutRow(kind, spec.kind.words.title, NO_DATA))
            continue
        taken = latest.taken_at.timestamp()
        rows.append(ReadoutRow(kind, spec.kind.words.title, spec.text(latest.values), taken))
    return rows


def _none_text(track: Track, at: float) -> str:
    if len(track.x) and at >= track.x[0]:
        return f"{NO_DATA} gap in observations"
    return NO_DATA


def _simple(
    key: str, label: str, track: Track | None, at: float, unit: str, *, signed: bool = False
) -> ReadoutRow:
    found = track.latest_at(at) if track is not None else None
    if found is None:
        return ReadoutRow(key, label, NO_DATA)
    taken, value, _code = found
    text = f"{value:+.0f}" if signed and value else f"{value:.0f}"
    when = fmt.local_time_text(datetime.fromtimestamp(taken, UTC))
    return ReadoutRow(key, label, f"{text}{unit} · {when}", taken)
