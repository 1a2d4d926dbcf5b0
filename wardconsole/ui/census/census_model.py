"""The ward census as a Qt table: one row per admitted patient, sorted most urgent first.

``CensusTableModel`` adapts an immutable ``CensusSnapshot``: every cell is rendered once when a
snapshot arrives (so ``data()`` is a lookup), and a new snapshot of the same patients updates
cells in place (``dataChanged`` for just the cells and roles that changed), so the selection and
scroll position survive a refresh. Admissions and discharges insert and remove rows.

``CensusProxyModel`` sorts (default: open escalation severity, then NEWS2 risk, then overdue
observations, then bed) and filters by name, bed or hospital number.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from wardconsole.domain.intake import badge_text, flag_rank
from wardconsole.domain.records import ATTENTION_SIGN, EscalationKind, Severity
from wardconsole.domain.sleep import LITTLE_SLEEP_SEVERITY
from wardconsole.domain.weights import WEIGHING_DUE_SEVERITY
from wardconsole.services.views import CensusRow, CensusSnapshot
from wardconsole.ui import formatting as fmt
from wardconsole.ui.theme import RiskPalette, Theme, risk_palette, theme_state

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``CensusRow`` behind any cell of a row."""
ADMISSION_ID_ROLE = Qt.ItemDataRole.UserRole + 2
"""``CensusRow.admission_id`` (an int) for any cell of a row."""
SORT_KEY_ROLE = Qt.ItemDataRole.UserRole + 3
"""A value that sorts the column so that ascending order puts the most worrying rows first
for clinical columns (NEWS2, symptoms, escalation, last obs, next due)."""
URGENCY_ROLE = Qt.ItemDataRole.UserRole + 4
"""An int, higher = more urgent: escalation severity, then NEWS2 band, then overdue obs."""
FILTER_TEXT_ROLE = Qt.ItemDataRole.UserRole + 5
"""Casefolded 'name bed hospital-number' that the filter box matches against."""
ELIDABLE_ROLE = Qt.ItemDataRole.UserRole + 7
"""The one part of a status cell's text that may be shortened in a narrow column (an
escalation's kind, a NEWS2 band's word, a level's short name); the words that carry risk —
severity, '+N', 'incomplete', 'LATE 2 h 10 min', 'ABSENT' — are never elided."""
KEEP_SUFFIX_ROLE = Qt.ItemDataRole.UserRole + 6
"""The end of a cell's text that must stay visible in a narrow column (the risk-flag badge
after a patient's name); the delegate elides what comes before it. None for most cells."""

SHORT_TEXT_ROLE = Qt.ItemDataRole.UserRole + 8
"""What a cell says when its column is too narrow for the whole text: a worded flag ("● low",
"chart") instead of a cut-off number. None for most cells."""

DUE_SOON = timedelta(minutes=15)

IndexLike = QModelIndex | QPersistentModelIndex


class CensusColumn(enum.IntEnum):
    BED = 0
    PATIENT = 1
    AGE = 2
    DETOX_DAY = 3
    NEWS2 = 4
    SYMPTOMS = 5
    ESCALATION = 6
    LAST_OBS = 7
    NEXT_DUE = 8
    NURSE = 9
    CHECKS = 10
    FLUIDS = 11
    SLEEP = 12
    MEDICINES = 13
    WEIGHT = 14

    @property
    def title(self) -> str:
        return _TITLES[self][0]

    @property
    def description(self) -> str:
        return _TITLES[self][1]


_TITLES = {
    CensusColumn.BED: ("Bed", "Bed"),
    CensusColumn.PATIENT: ("Patient", "Patient name and risk flags"),
    CensusColumn.AGE: ("Age", "Age in years"),
    CensusColumn.DETOX_DAY: ("Day", "Detox day (day 1 is the day of admission)"),
    CensusColumn.NEWS2: ("NEWS2", "Latest complete NEWS2 score and risk band"),
    CensusColumn.SYMPTOMS: ("Symptoms", "Latest withdrawal-chart total / maximum"),
    CensusColumn.ESCALATION: ("Escalation", "Most urgent open escalation, +N more"),
    CensusColumn.LAST_OBS: ("Last obs", "Time since the last vital-sign set"),
    CensusColumn.NEXT_DUE: ("Next obs", "When the next vital-sign set is due"),
    CensusColumn.NURSE: ("Nurse", "Assigned nurse"),
    CensusColumn.CHECKS: (
        "Checks",
        "Supportive observation level and, on raised levels, the time left until "
        "the latest moment for the next safety check",
    ),
    CensusColumn.FLUIDS: (
        "Fluids",
        "Fluid intake this period (from 07:00) / the patient's target, and the balance; "
        "flagged 'low', with the shape of the review's severity (policy), when behind the "
        "expected intake at a review time (targets are local policy, not an NHS standard); "
        "the food chart a medium-risk MUST screen started (BAPEN: document dietary intake for "
        "3 days), ● when a finished chart day has no meal recorded",
    ),
    CensusColumn.MEDICINES: (
        "Meds",
        "● Dependency review while the dependency-watch advisory is open (a sleep aid, "
        "benzodiazepine, gabapentinoid or opioid night after night, PRN use rising, or a "
        "reducing regimen past its planned end)",
    ),
    CensusColumn.WEIGHT: (
        "Weight",
        f"{WEIGHING_DUE_SEVERITY.shape} Weighing due: weighed at intake, then every "
        "interval in the ward's policy (BAPEN: repeat MUST weekly in hospital; the interval "
        "is local policy awaiting governance sign-off)",
    ),
    CensusColumn.SLEEP: (
        "Sleep",
        f"{LITTLE_SLEEP_SEVERITY.shape} little sleep on each of the last nights running: hours "
        "asleep per night, from the nurse's sleep entry or estimated from the safety checks "
        "(checks are samples; the numbers are local policy, not a published standard)",
    ),
}

_COLUMNS = tuple(CensusColumn)
_CENTRED = frozenset({CensusColumn.BED, CensusColumn.AGE, CensusColumn.DETOX_DAY})


def short_name(full_name: str) -> str:
    """'Adaeze Okafor' -> 'A. Okafor': the census has no room for whole names at 1366 px."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name
    return f"{parts[0][0]}. {' '.join(parts[1:])}"


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str
    sort_key: Any
    tooltip: str = ""
    background: QColor | None = None
    foreground: QColor | None = None
    bold: bool = False
    italic: bool = False
    keep: str = ""
    """Suffix of ``text`` never elided (see ``KEEP_SUFFIX_ROLE``)."""
    elidable: str = ""
    """The only part of ``text`` that may be elided (see ``ELIDABLE_ROLE``)."""
    short: str = ""
    """What a too-narrow column shows instead (see ``SHORT_TEXT_ROLE``)."""


@dataclass(frozen=True, slots=True)
class _RenderedRow:
    row: CensusRow
    cells: tuple[_Cell, ...]
    urgency: int
    filter_text: str


# --- rendering: CensusRow + clock + palette -> cells ------------------------------------------


def urgency(row: CensusRow, now: datetime) -> int:
    """Higher is more urgent: top open escalation severity, then NEWS2 band, then overdue."""
    top = row.top_escalation
    severity = int(top.severity) if top is not None else 0
    overdue = 1 if fmt.is_overdue(row.next_obs_due_at, now) else 0
    return severity * 100 + fmt.news2_rank(row.effective_news2_risk) * 10 + overdue


def _patient_cell(row: CensusRow) -> _Cell:
    """Name, then the most important risk flag as a compact badge and '+N' for the others;
    the badge is kept visible in a narrow column (the name is elided first) and every flag is
    in the tooltip in full."""
    flags = sorted(row.risk_flags, key=flag_rank)
    badge = ""
    if flags:
        badge = f"  ⚑{badge_text(flags[0])}" + (f" +{len(flags) - 1}" if len(flags) > 1 else "")
    tip = [row.patient_name, f"Hospital number: {row.hospital_number}"]
    if flags:
        tip.append("Risk flags: " + ", ".join(flags))
    # The Nurse column folds away first on a narrow screen: the name stays reachable here.
    tip.append(
        f"Assigned nurse: {row.assigned_nurse}" if row.assigned_nurse else "No nurse assigned"
    )
    return _Cell(row.patient_name + badge, row.patient_name.casefold(), "\n".join(tip), keep=badge)


def _news2_bound_cell(row: CensusRow, palette: RiskPalette) -> _Cell:
    """A newer incomplete set scores above the last complete one: its lower bound, never a
    total ("at least 9 ▲ HIGH · incomplete")."""
    risk = row.news2_bound_risk
    band = fmt.news2_band_text(risk)
    text = f"at least {row.news2_at_least}  {band} · incomplete"
    last = (
        f"Last complete set: NEWS2 {row.news2_total} ({row.news2_risk})."
        if row.news2_total is not None
        else "No complete set yet."
    )
    tip = (
        f"{row.news2_bound_detail}\nAn incomplete set: the values taken already score this "
        f"much, so the patient's NEWS2 is at least {row.news2_at_least}. {last} "
        "Take a full set."
    )
    colours = palette.for_news2(risk)
    return _Cell(
        text,
        -(row.news2_at_least or 0),
        tip,
        background=colours.background if colours else None,
        foreground=colours.foreground if colours else None,
        bold=risk in ("medium", "high"),
        italic=True,
        elidable="incomplete",  # "at least N" and the band stay; the tooltip says it all
    )


def _news2_cell(row: CensusRow, palette: RiskPalette) -> _Cell:
    if row.news2_incomplete:
        return _news2_bound_cell(row, palette)
    incomplete = "The newest observation set was incomplete, so it has no NEWS2 score."
    if row.news2_total is None:
        text = "— incomplete" if row.latest_set_partial else "—"
        tip = incomplete if row.latest_set_partial else "No complete observation set yet."
        return _Cell(text, 1, tip, foreground=palette.muted, italic=True)
    band = fmt.news2_band_text(row.news2_risk)
    text = f"{row.news2_total}  {band}".rstrip()
    tip = f"NEWS2 {row.news2_total}" + (f" — {row.news2_risk} clinical risk" if band else "")
    if row.latest_set_partial:
        text += " · incomplete"
        tip += "\n" + incomplete + " This score is from the last complete set."
    colours = palette.for_news2(row.news2_risk)
    return _Cell(
        text,
        -row.news2_total,
        tip,
        background=colours.background if colours else None,
        foreground=colours.foreground if colours else None,
        bold=row.news2_risk == "high",
        italic=row.latest_set_partial,
        elidable=band.partition(" ")[2],  # the shape stays, and so does "incomplete"
    )


def _escalation_cell(row: CensusRow, palette: RiskPalette, urgency_value: int) -> _Cell:
    top = row.top_escalation
    if top is None:
        return _Cell("", -urgency_value, "No open escalations")
    more = len(row.open_escalations) - 1
    text = f"{fmt.severity_text(top.severity)} · {top.kind.label}"
    if more:
        text += f"  +{more}"
    tip = "\n".join(
        f"{fmt.severity_text(e.severity)} {e.kind.label}: {e.explanation}"
        + (f" (acknowledged by {e.acknowledged_by})" if e.acknowledged_by else "")
        for e in row.open_escalations
    )
    colours = palette.for_severity(top.severity)
    return _Cell(
        text,
        -urgency_value,
        tip,
        background=colours.background if colours else None,
        foreground=colours.foreground if colours else None,
        bold=True,
        elidable=top.kind.label,  # severity and +N stay
    )


def _next_due_cell(row: CensusRow, now: datetime, palette: RiskPalette) -> _Cell:
    due = row.next_obs_due_at
    if due is None:
        return _Cell("—", float("inf"), "No observations scheduled", foreground=palette.muted)
    tip = f"Next observations due {fmt.local_datetime_text(due)} (local time)"
    if row.last_obs_at is not None:  # the Last obs column folds away on a narrow screen
        tip += f"\nLast observations {fmt.local_datetime_text(row.last_obs_at)}"
    key = due.timestamp()
    if fmt.is_overdue(due, now):
        colours = palette.overdue
        return _Cell(
            fmt.due_text(due, now),
            key,
            tip,
            background=colours.background,
            foreground=colours.foreground,
            bold=True,
        )
    soon = due - now <= DUE_SOON
    return _Cell(
        fmt.due_text(due, now), key, tip, foreground=palette.due_soon if soon else None, bold=soon
    )


def _with_decisions(cell: _Cell, row: CensusRow) -> _Cell:
    """A clinician's decisions and 'NEWS2 not validated' shown with the score, never hiding it:
    'S2' for SpO2 Scale 2, '†' for any other decision or a population NEWS2 is not validated
    for; every word in the tooltip."""
    marks = []
    if any(d.startswith("SpO2 Scale 2") for d in row.clinical_decisions):
        marks.append("S2")
    if any(not d.startswith("SpO2 Scale 2") for d in row.clinical_decisions):
        marks.append("†")
    if row.news2_not_validated:
        marks.append("NEWS2 not validated")
    if not marks:
        return cell
    lines = [*row.clinical_decisions]
    if row.news2_not_validated:
        lines.append(
            "NEWS2 not validated: " + ", ".join(row.news2_not_validated) + " (still scored)"
        )
    suffix = " · " + " ".join(marks)
    return replace(
        cell,
        text=cell.text + suffix,
        tooltip="\n".join(filter(None, (cell.tooltip, *lines))),
        keep=cell.keep + suffix if cell.keep else suffix,
    )


def _with_after_prn(cell: _Cell, row: CensusRow, now: datetime, palette: RiskPalette) -> _Cell:
    """What is due after a PRN dose, beside the next observation set: 'RT 15 min ▸ 14:05' while
    rapid tranquillisation runs, 'RASS ▸ 14:05' after an oral dose; overdue loud."""
    lines: list[str] = []
    due: datetime | None = None
    if row.rt_next_due_at is not None:
        due = row.rt_next_due_at
        label = f"RT {row.rt_interval_minutes} min"
        lines.append(
            f"Rapid tranquillisation: NEWS2, RASS, hydration and side effects every "
            f"{row.rt_interval_minutes} min; next due {fmt.local_datetime_text(due)}"
        )
        if row.rt_not_possible:
            label += " asleep—not done"
            lines.append("Last attempt: asleep, observations not possible (not a normal check)")
    elif row.post_prn_rass_due_at is not None:
        due = row.post_prn_rass_due_at
        label = "RASS"
        lines.append(f"RASS due after a PRN dose by {fmt.local_datetime_text(due)}")
    if due is None:
        return cell
    overdue = fmt.is_overdue(due, now)
    extra = f"{label} {fmt.due_text(due, now)}"
    colours = palette.overdue if overdue else None
    sooner = row.next_obs_due_at is None or due < row.next_obs_due_at
    return replace(
        cell,
        # Whatever falls due first is read first (a narrow column elides the end).
        text=f"{extra} · {cell.text}" if sooner else f"{cell.text} · {extra}",
        sort_key=min(cell.sort_key, due.timestamp()),
        tooltip="\n".join(filter(None, (cell.tooltip, *lines))),
        background=colours.background if colours else cell.background,
        foreground=colours.foreground if colours else cell.foreground,
        bold=cell.bold or overdue,
    )


def _shape(severity: Severity | None) -> str:
    """The shape of the escalation a flag raises; ⚠ for a flag that raises none."""
    return severity.shape if severity is not None else ATTENTION_SIGN


def _checks_cell(row: CensusRow, now: datetime, palette: RiskPalette) -> _Cell:
    """Level and countdown to the latest time for the next safety check, in a few characters:
    'Int 15 · 9 min', '⚠ Int 15 · 9 min' (check now), '◆ LATE 4 min · Int 15', 'General',
    '▲ ABSENT 20 min' (not found at a check, until found). LATE and ABSENT carry the shape of
    the escalation they raise (the level policy's severities); a flag none raises, ⚠."""
    absent = next((e for e in row.open_escalations if e.kind is EscalationKind.ABSENT), None)
    if absent is not None:
        # Not found on a check: absent until found, whatever the level's countdown says.
        return _Cell(
            f"{absent.severity.shape} ABSENT {fmt.duration_text(now - absent.raised_at)}",
            (-1, absent.raised_at.timestamp()),
            f"Not found at a safety check at {fmt.local_time_text(absent.raised_at)}; "
            "absent until found (record a check when the patient is back)",
            background=palette.overdue.background,
            foreground=palette.overdue.foreground,
            bold=True,
        )
    if not row.observation_level:
        return _Cell("—", (9, 0.0), "No observation level", foreground=palette.muted)
    short = row.observation_level_short or row.observation_level
    tip = [f"Observation level: {row.observation_level}"]
    if row.level_review_suggested:
        tip.append("Review the level: its review time has passed or an escalation suggests it")
        short += " ↻"
    due = row.next_check_due_at
    if not row.observation_raised or due is None:
        return _Cell(
            short,
            (8, 0.0),
            "\n".join(tip),
            foreground=palette.muted,
            italic=row.level_review_suggested,
            elidable=row.observation_level_short or row.observation_level,
        )
    since = row.check_overdue_since or (due if due < now else None)
    if since is not None:
        tip.append(f"Safety check was due by {fmt.local_time_text(since)}: not recorded")
        # Risk first: 'LATE' and its time are never elided; the level's name may be.
        return _Cell(
            f"{_shape(row.check_overdue_severity)} LATE {fmt.duration_text(now - since)} · {short}",
            (0, since.timestamp()),
            "\n".join(tip),
            background=palette.overdue.background,
            foreground=palette.overdue.foreground,
            bold=True,
            elidable=f" · {short}",
        )
    tip.append(f"Next safety check by {fmt.local_time_text(due)} (local time)")
    prompted = row.check_prompt_at is not None and now >= row.check_prompt_at
    if prompted:
        tip.append("Check now (an irregular prompt time)")
    text = f"{ATTENTION_SIGN + ' ' if prompted else ''}{short} · {fmt.duration_text(due - now)}"
    soon = prompted or due - now <= timedelta(minutes=5)
    return _Cell(
        text,
        (1, due.timestamp()),
        "\n".join(tip),
        foreground=palette.due_soon if soon else None,
        bold=True,
        italic=row.level_review_suggested,
        elidable=row.observation_level_short or row.observation_level,
    )


def _fluid_cell(row: CensusRow, now: datetime, palette: RiskPalette) -> _Cell:
    """'650/1500 +350' (intake / target, balance), 'bal ?' while an output was not measured,
    '● low 400/1500 +50' when behind at a review (the shape of the review's severity, policy),
    '0 ml recorded · last 6 h ago' (never a bare 0), '—' off a chart with nothing recorded; too
    narrow for that: a worded flag ('● low', 'chart', "rec'd")."""
    fluid = row.fluid
    if fluid is None or (not fluid.on_chart and not fluid.recorded):
        tip = "Not on a fluid chart; nothing recorded this period (Ctrl+D records a drink)"
        return _Cell("—", (3, 0), tip, foreground=palette.muted, short="—")
    totals = fluid.totals
    lines = [
        f"Fluid period {fluid.period.label}",
        "In: " + totals.intake_text(fluid.last_intake_at, now),
        f"Out: {totals.output_text}",
        totals.balance_text.capitalize(),
    ]
    balance = totals.balance_ml
    balance_text = "bal ?" if balance is None else f"{balance:+d}"
    if totals.intake_count:
        intake = f"{totals.intake_ml}"
    elif fluid.last_intake_at is not None:
        intake = f"0 ml recorded · last {fmt.ago_text(fluid.last_intake_at, now)}"
    else:
        intake = "0 ml recorded"
    plan = fluid.plan
    if plan is None:
        text = f"{intake} ml {balance_text}" if totals.intake_count else intake
        return _Cell(text, (2, -totals.intake_ml), "\n".join(lines), short="rec'd")
    lines.insert(0, f"On a fluid chart: {plan.reason_label}; target {plan.target_ml} ml / 24 h")
    review = fluid.review
    if review is not None:
        lines.append(
            f"{review.clock} review: {review.intake_ml} of {review.expected_ml} ml expected"
        )
    lines.append("Targets and review thresholds: local policy, not an NHS standard")
    share = totals.intake_ml / plan.target_ml if plan.target_ml else 0.0
    if totals.intake_count:
        text = f"{intake}/{plan.target_ml} {balance_text}"
    else:
        text = f"{intake} · target {plan.target_ml}"
    if review is not None and review.behind:
        colours = palette.for_severity(review.severity)
        shape = review.severity.shape
        lines.insert(
            1, f"{shape} BEHIND at the review: offer drinks; a fluid intake review is raised"
        )
        return _Cell(
            f"{shape} low {text}",
            (0, share),
            "\n".join(lines),
            background=colours.background if colours else None,
            foreground=colours.foreground if colours else None,
            bold=True,
            short=f"{shape} low",
        )
    return _Cell(text, (1, share), "\n".join(lines), short="chart")


def _with_food_chart(cell: _Cell, row: CensusRow, palette: RiskPalette) -> _Cell:
    """The food chart a MUST screen started, beside the fluids: 'Food day 2/3' alone or after
    the fluid figures ('650/1500 +350 · food 2/3'), '● Food: no meal day 2' once a finished
    chart day has no meal recorded (advisory); too narrow: 'food' (also beside a fluid chart,
    whose line heads the tooltip) or '● food', a fluid review's '● low' first; the chart, its
    end and every day's meals in the tooltip."""
    view = row.food_chart
    if view is None:
        return cell
    lines = list(view.lines)
    lines.append("Food chart: MUST medium risk, BAPEN — document dietary intake for 3 days")
    tooltip = "\n".join(lines) if cell.text == "—" else "\n".join([cell.tooltip, "", *lines])
    flagged = view.severity is not None
    if cell.text == "—":
        text, short = view.short, "● food" if flagged else "food"
    else:
        food = "● food" if flagged else f"food {view.short.removeprefix('Food day ')}"
        text = f"{cell.text} · {food}" if view.running or flagged else cell.text
        short = "food" if cell.short in ("chart", "rec'd") else cell.short
        if flagged and not cell.short.startswith("●"):
            short = "● food"
    if not flagged or cell.bold:
        return replace(cell, text=text, tooltip=tooltip, short=short)
    colours = palette.for_severity(view.severity)
    return replace(
        cell,
        text=text,
        tooltip=tooltip,
        short=short,
        background=colours.background if colours else None,
        foreground=colours.foreground if colours else None,
        bold=True,
    )


def _weight_cell(row: CensusRow, palette: RiskPalette) -> _Cell:
    """'● Weighing due' (advisory, as the handoff words it; too narrow: '● due'), with when the
    patient was last weighed in the tooltip; blank with the next weighing otherwise."""
    if not row.weighing_due:
        return _Cell("", (1, 0), row.weighing_text or "Weighing: see the Physical care chart")
    colours = palette.for_severity(WEIGHING_DUE_SEVERITY)
    shape = WEIGHING_DUE_SEVERITY.shape
    return _Cell(
        f"{shape} Weighing due",
        (0, 0),
        f"{shape} {row.weighing_text}\nWeight and height: Patient → Weight and height…",
        background=colours.background if colours else None,
        foreground=colours.foreground if colours else None,
        bold=True,
        short=f"{shape} due",
    )


def _medicines_cell(row: CensusRow, palette: RiskPalette) -> _Cell:
    """'● Dependency review' while the dependency-watch advisory is open (too narrow: '● Dep.'),
    with what the watch found in the tooltip; '—' otherwise."""
    reviews = [e for e in row.open_escalations if e.kind is EscalationKind.DEPENDENCY_REVIEW]
    if not reviews:
        return _Cell("—", (1, 0), "No dependency review open", foreground=palette.muted, short="—")
    review = reviews[0]
    colours = palette.for_severity(review.severity)
    label = review.kind.label
    return _Cell(
        f"{review.severity.shape} {label}",
        (0, review.raised_at.timestamp()),
        f"{label} ({review.severity.label.lower()}): {review.explanation}\n"
        "Medicines list: Ctrl+Shift+M",
        background=colours.background if colours else None,
        foreground=colours.foreground if colours else None,
        bold=True,
        short=f"{review.severity.shape} Dep.",
    )


def _sleep_cell(row: CensusRow, palette: RiskPalette) -> _Cell:
    """'● 3 h · 2.5 h' (hours asleep on each of the last nights running) when little sleep is
    flagged, blank otherwise; too narrow for that: the worded flag '● low' (under the header
    "Sleep"). The shape is the flag's severity, at most advisory (it raises no escalation)."""
    flag = row.sleep
    if flag is None:
        return _Cell("", (1, 0), "No little-sleep flag (see the Physical care chart)")
    colours = palette.for_severity(LITTLE_SLEEP_SEVERITY)
    shape = LITTLE_SLEEP_SEVERITY.shape
    hours = " · ".join(f"{n.hours:g} h" if n.hours is not None else "?" for n in flag.nights)
    return _Cell(
        f"{shape} {hours}",
        (0, sum(n.hours or 0 for n in flag.nights)),
        "\n".join([f"{shape} Little sleep", *flag.detail]),
        background=colours.background if colours else None,
        foreground=colours.foreground if colours else None,
        bold=True,
        short=f"{shape} low",
    )


_TIMED = (
    CensusColumn.ESCALATION,
    CensusColumn.LAST_OBS,
    CensusColumn.NEXT_DUE,
    CensusColumn.CHECKS,
    CensusColumn.FLUIDS,
)
"""The columns whose cells (may) read the clock; every other cell is the row's alone. The
Fluids cell reads it only while it says how long ago the last intake was
(``_fluid_cell_reads_clock``)."""


def render_row(
    row: CensusRow, now: datetime, palette: RiskPalette, previous: _RenderedRow | None = None
) -> _RenderedRow:
    """The row's cells at ``now``. ``previous`` (the same patient rendered earlier with the same
    palette): when its row is unchanged, its cells that do not read the clock are kept rather
    than built again — a refresh mostly finds rows unchanged, and only the time has moved."""
    urgency_value = urgency(row, now)
    if previous is not None and previous.row == row:
        kept = previous.cells
        row_cells = {c: kept[c] for c in _COLUMNS if c not in _TIMED}
        if not _fluid_cell_reads_clock(row):
            row_cells[CensusColumn.FLUIDS] = kept[CensusColumn.FLUIDS]
    else:
        row_cells = _row_cells(row, palette)
    cells = row_cells | _timed_cells(
        row, now, palette, urgency_value, with_fluids=CensusColumn.FLUIDS not in row_cells
    )
    filter_text = f"{row.patient_name} {row.bed} {row.hospital_number}".casefold()
    return _RenderedRow(row, tuple(cells[c] for c in _COLUMNS), urgency_value, filter_text)


def _row_cells(row: CensusRow, palette: RiskPalette) -> dict[CensusColumn, _Cell]:
    """The cells that depend on the row (and the palette) only."""
    return {
        CensusColumn.BED: _Cell(row.bed, fmt.bed_sort_key(row.bed), f"Bed {row.bed}", bold=True),
        CensusColumn.PATIENT: _patient_cell(row),
        CensusColumn.AGE: _Cell(str(row.age), row.age),
        CensusColumn.DETOX_DAY: _Cell(
            str(row.detox_day),
            row.detox_day,
            f"Detox day {row.detox_day}; admitted {fmt.local_datetime_text(row.admitted_at)}",
        ),
        CensusColumn.NEWS2: _with_decisions(_news2_cell(row, palette), row),
        CensusColumn.SYMPTOMS: (
            _Cell(
                f"{row.symptom_total}/{row.symptom_max}",
                -row.symptom_total,
                "Latest withdrawal-chart total",
            )
            if row.symptom_total is not None
            else _Cell("—", 1, "No withdrawal chart yet", foreground=palette.muted)
        ),
        CensusColumn.NURSE: (
            _Cell(
                short_name(row.assigned_nurse),
                row.assigned_nurse.casefold(),
                f"Assigned nurse: {row.assigned_nurse}",
            )
            if row.assigned_nurse
            else _Cell(
                "unassigned", "\uffff", "No nurse assigned", foreground=palette.muted, italic=True
            )
        ),
        CensusColumn.MEDICINES: _medicines_cell(row, palette),
        CensusColumn.WEIGHT: _weight_cell(row, palette),
        CensusColumn.SLEEP: _sleep_cell(row, palette),
    }


def _fluid_cell_reads_clock(row: CensusRow) -> bool:
    """Whether the Fluids cell says how long ago something was: only '0 ml recorded · last
    6 h ago' does (with no intake this period and one before it); otherwise the cell is the
    row's alone and an unchanged row keeps it."""
    fluid = row.fluid
    return fluid is not None and not fluid.totals.intake_count and fluid.last_intake_at is not None


def _timed_cells(
    row: CensusRow,
    now: datetime,
    palette: RiskPalette,
    urgency_value: int,
    *,
    with_fluids: bool = True,
) -> dict[CensusColumn, _Cell]:
    """The cells that read the clock (``_TIMED``); ``with_fluids`` False: all but the Fluids
    cell (kept from an unchanged row, see ``_fluid_cell_reads_clock``)."""
    last = row.last_obs_at
    cells = {
        CensusColumn.ESCALATION: _escalation_cell(row, palette, urgency_value),
        CensusColumn.LAST_OBS: (
            _Cell(
                fmt.ago_text(last, now),
                last.timestamp(),
                f"Last observations {fmt.local_datetime_text(last)} (local time)",
            )
            if last is not None
            else _Cell(
                "none yet",
                float("-inf"),
                "No observations recorded this admission",
                foreground=palette.muted,
                italic=True,
            )
        ),
        CensusColumn.NEXT_DUE: _with_after_prn(
            _next_due_cell(row, now, palette), row, now, palette
        ),
        CensusColumn.CHECKS: _checks_cell(row, now, palette),
    }
    if with_fluids:
        cells[CensusColumn.FLUIDS] = _with_food_chart(_fluid_cell(row, now, palette), row, palette)
    return cells


# --- the model -------------------------------------------------------------------------------

_ROLE_FIELDS = {
    Qt.ItemDataRole.DisplayRole: "text",
    Qt.ItemDataRole.ToolTipRole: "tooltip",
    Qt.ItemDataRole.BackgroundRole: "background",
    Qt.ItemDataRole.ForegroundRole: "foreground",
    SORT_KEY_ROLE: "sort_key",
}
_ROW_ROLES = [ROW_ROLE, ADMISSION_ID_ROLE, URGENCY_ROLE, FILTER_TEXT_ROLE, SORT_KEY_ROLE]


def _font(bold: bool, italic: bool) -> QFont | None:
    if not bold and not italic:
        return None
    font = QFont()
    if bold:
        font.setBold(True)
    if italic:
        font.setItalic(True)
    return font


class CensusTableModel(QAbstractTableModel):
    """Table model over the rows of a ``CensusSnapshot`` (see module docstring)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._palette = theme_state().palette
        theme_state().changed.connect(self._recolour)
        self._snapshot: CensusSnapshot | None = None
        self._rows: list[_RenderedRow] = []

    # -- queries ------------------------------------------------------------------------------

    @property
    def snapshot(self) -> CensusSnapshot | None:
        return self._snapshot

    def census_row(self, row: int) -> CensusRow:
        return self._rows[row].row

    def row_of_admission(self, admission_id: int) -> int:
        """The model row showing ``admission_id``, or -1."""
        for i, rendered in enumerate(self._rows):
            if rendered.row.admission_id == admission_id:
                return i
        return -1

    # -- Qt model interface -------------------------------------------------------------------

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        rendered = self._rows[index.row()]
        column = _COLUMNS[index.column()]
        cell = rendered.cells[column]
        if role in _ROLE_FIELDS:
            return getattr(cell, _ROLE_FIELDS[role])
        if role == Qt.ItemDataRole.FontRole:
            return _font(cell.bold, cell.italic)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = (
                Qt.AlignmentFlag.AlignHCenter if column in _CENTRED else Qt.AlignmentFlag.AlignLeft
            )
            return horizontal | Qt.AlignmentFlag.AlignVCenter
        if role == ROW_ROLE:
            return rendered.row
        if role == ADMISSION_ID_ROLE:
            return rendered.row.admission_id
        if role == URGENCY_ROLE:
            return rendered.urgency
        if role == FILTER_TEXT_ROLE:
            return rendered.filter_text
        if role == KEEP_SUFFIX_ROLE:
            return cell.keep or None
        if role == ELIDABLE_ROLE:
            return cell.elidable or None
        if role == SHORT_TEXT_ROLE:
            return cell.short or None
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(_COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return _COLUMNS[section].description
        return None

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    # -- updates ------------------------------------------------------------------------------

    def _recolour(self, theme: Theme) -> None:
        """Re-colour every cell for ``theme`` (the theme state changed)."""
        palette = risk_palette(theme)
        if palette is self._palette:
            return
        self._palette = palette
        if self._snapshot is not None:
            self._apply(self._snapshot, recolour=True)

    def set_snapshot(self, snapshot: CensusSnapshot) -> None:
        """Show ``snapshot``: rows of patients still admitted are updated in place."""
        self._snapshot = snapshot
        self._apply(snapshot)

    def _apply(self, snapshot: CensusSnapshot, *, recolour: bool = False) -> None:
        """``recolour``: the palette changed, so no cell of the previous rendering is kept."""
        now = snapshot.taken_at
        incoming = {row.admission_id: row for row in snapshot.rows}
        # Discharged patients: remove their rows, bottom up, in contiguous runs.
        gone = [i for i, r in enumerate(self._rows) if r.row.admission_id not in incoming]
        for first, last in reversed(_runs(gone)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
        # Patients still here: update the cells that changed.
        for i, old in enumerate(self._rows):
            new = render_row(
                incoming.pop(old.row.admission_id),
                now,
                self._palette,
                previous=None if recolour else old,
            )
            self._rows[i] = new
            self._emit_changes(i, old, new)
        # New admissions: append (the proxy puts them in place).
        if incoming:
            added = [
                render_row(row, now, self._palette)
                for row in snapshot.rows
                if row.admission_id in incoming
            ]
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()

    def _emit_changes(self, i: int, old: _RenderedRow, new: _RenderedRow) -> None:
        if old.row != new.row or old.urgency != new.urgency:
            # Anything about the patient may have moved: sort keys, filter text, every cell.
            first, last = 0, len(_COLUMNS) - 1
            roles = set(_ROW_ROLES)
        else:
            changed = [c for c in _COLUMNS if old.cells[c] != new.cells[c]]
            if not changed:
                return
            first, last = min(changed), max(changed)
            roles = set()
        for c in range(first, last + 1):
            roles |= _changed_roles(old.cells[c], new.cells[c])
        self.dataChanged.emit(self.index(i, first), self.index(i, last), sorted(roles))


def _changed_roles(old: _Cell, new: _Cell) -> set[int]:
    roles = {
        int(role) for role, name in _ROLE_FIELDS.items() if getattr(old, name) != getattr(new, name)
    }
    if (old.bold, old.italic) != (new.bold, new.italic):
        roles.add(int(Qt.ItemDataRole.FontRole))
    return roles


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 9, 10] -> [(1, 3), (7, 7), (9, 10)]."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


# --- sorting and filtering -------------------------------------------------------------------


class CensusProxyModel(QSortFilterProxyModel):
    """Sorts the census (most urgent first by default) and filters it by name/bed/number."""

    DEFAULT_SORT_COLUMN = CensusColumn.ESCALATION
    DEFAULT_SORT_ORDER = Qt.SortOrder.AscendingOrder

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_KEY_ROLE)
        self.setFilterRole(FILTER_TEXT_ROLE)
        self.setFilterKeyColumn(CensusColumn.BED)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def sort_by_urgency(self) -> None:
        self.sort(self.DEFAULT_SORT_COLUMN, self.DEFAULT_SORT_ORDER)

    def set_filter_text(self, text: str) -> None:
        self.setFilterFixedString(text.strip())

    def admission_id(self, proxy_row: int) -> int | None:
        if not 0 <= proxy_row < self.rowCount():
            return None
        return self.index(proxy_row, 0).data(ADMISSION_ID_ROLE)

    def lessThan(self, left: IndexLike, right: IndexLike) -> bool:
        left_key, right_key = left.data(SORT_KEY_ROLE), right.data(SORT_KEY_ROLE)
        if left_key != right_key:
            return left_key < right_key
        # Ties: most urgent first, then bed order, whichever way the column is sorted
        # (Qt sorts descending by calling lessThan(right, left)).
        left_tie, right_tie = _tie_key(left), _tie_key(right)
        if self.sortOrder() == Qt.SortOrder.DescendingOrder:
            return right_tie < left_tie
        return left_tie < right_tie


def _tie_key(index: IndexLike) -> tuple[Any, ...]:
    bed = index.sibling(index.row(), CensusColumn.BED)  # a persistent index has no siblingAtColumn
    return (-index.data(URGENCY_ROLE), bed.data(SORT_KEY_ROLE), index.data(ADMISSION_ID_ROLE))
