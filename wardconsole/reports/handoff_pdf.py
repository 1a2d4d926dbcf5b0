"""The printed shift handoff: one PDF per shift, a ward summary then one page per patient.

Built with matplotlib ``Figure`` + ``PdfPages`` (never pyplot), so it runs on a background
thread or from the command line. Each patient page carries small trend charts (NEWS2, pulse and
blood pressure, respiration and SpO2, the withdrawal chart total), the escalation and PRN
timeline, and the SBAR text — generated facts and the nurse's notes set apart. Everything reads
in black and white: line styles, markers, hatching and words, never colour alone. Fonts are
embedded as TrueType so the text stays selectable and searchable.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from wardconsole.domain.handoff import brief_change, load_handoff_policy
from wardconsole.domain.handoff_records import (
    UNRATED_MARK,
    HandoffDraft,
    HandoffStatus,
    Section,
    worst,
)
from wardconsole.domain.handoff_refresh import CHANGE_MARK
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.private_files import touch_private
from wardconsole.reports import handoff_charts as charts
from wardconsole.reports.handoff_text import Line, TextBox, draw, fit, sbar_items
from wardconsole.services.audit import AuditService
from wardconsole.services.context import Actor, Permission, require
from wardconsole.services.db import Database
from wardconsole.services.handoff import HandoffService, ReportPatient, ShiftReport

A4 = (8.27, 11.69)
MARGIN = 0.06
Progress = Callable[[int, int, str], None]

_RC: dict[Any, Any] = {  # matplotlib types the keys as a long Literal of rc names
    "pdf.fonttype": 42,  # TrueType: text extractable
    "font.family": "DejaVu Sans",
    "hatch.linewidth": 0.4,
    "axes.linewidth": 0.6,
}


def status_text(patient: ReportPatient) -> str:
    handoff = patient.handoff
    if handoff is None:
        return "Not drafted in the console: facts generated for this print"
    zone = patient.facts.shift.zone
    parts = [handoff.status.label]
    if handoff.status is HandoffStatus.SIGNED and handoff.signed_at:
        parts = [f"Signed by {handoff.signed_by} {handoff.signed_at.astimezone(zone):%a %H:%M}"]
        if handoff.amended:
            parts.append(f"amended since (now version {handoff.version_number})")
    elif handoff.status is HandoffStatus.SENT_BACK:
        parts.append(f"reason: {handoff.sent_back_reason}")
    parts.append(
        f"version {handoff.version_number} saved by {handoff.saved_by} "
        f"{handoff.saved_at.astimezone(zone):%a %H:%M}"
    )
    generated = patient.draft.generated_at.astimezone(zone)
    facts = f"facts as of {generated:%a %H:%M}"
    if handoff.drafted is not None and handoff.drafted.generated_at != generated:
        facts += f" (drafted {handoff.drafted.generated_at.astimezone(zone):%a %H:%M})"
    parts.append(facts)
    if handoff.changes:
        since = "signing" if handoff.status is HandoffStatus.SIGNED else "the draft"
        parts.append(f"{CHANGE_MARK} record changed since {since}: {len(handoff.changes)} marked")
    return " · ".join(parts)


def write_handoff_pdf(
    report: ShiftReport,
    path: str | Path,
    *,
    ward_name: str,
    printed_at: datetime,
    chart_max: int,
    progress: Progress | None = None,
    record_head: str = "",
) -> Path:
    """Write the shift's handoff to ``path`` (owner-only, 0600); ``progress(done, total,
    what)`` after each page; ``record_head`` is printed at the foot of the first page."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    touch_private(path)
    tick = progress or (lambda _done, _total, _what: None)
    patients = list(report.patients)
    sheets = [page_count(p) for p in patients]
    summary_sheets = len(summary_chunks(report))
    total = summary_sheets + sum(sheets)
    first_pages = [summary_sheets + 1 + sum(sheets[:i]) for i in range(len(patients))]
    page_of = {p.facts.admission_id: n for p, n in zip(patients, first_pages, strict=True)}
    shift = report.shift
    with (
        matplotlib.rc_context(_RC),
        PdfPages(
            path,
            metadata={
                "Title": f"Shift handoff — {ward_name} — {shift.label}",
                "Author": "WardConsole",
                "Subject": "Shift handoff (SBAR)",
                "CreationDate": None,
            },
        ) as pdf,
    ):
        tick(0, len(patients) + 1, "ward summary")
        for index, figure in enumerate(summary_pages(report, ward_name, printed_at, page_of)):
            if index == 0 and record_head:
                # Wrapped: the chain head is read against the record, so none of it may run
                # off the paper.
                head = "\n".join(textwrap.wrap(record_head, HEAD_WRAP))
                figure.text(MARGIN, 0.012, head, fontsize=6, family="monospace", va="bottom")
            pdf.savefig(figure)
        for number, (patient, first) in enumerate(zip(patients, first_pages, strict=True), 1):
            tick(number, len(patients) + 1, f"bed {patient.facts.bed}")
            for figure in patient_pages(
                patient, ward_name, printed_at, chart_max, page=first, pages=total
            ):
                pdf.savefig(figure)
        tick(len(patients) + 1, len(patients) + 1, "done")
    return path


def build_handoff_pdf(
    db: Database,
    shift: ShiftWindow,
    path: str | Path,
    *,
    ward_name: str,
    actor: Actor,
    progress: Progress | None = None,
) -> Path:
    """Read the shift through the services and write its PDF (the CLI and the console use it).

    Printing patient data is an export: it needs the handoff permission (not read-only
    accounts) and writes an export audit row first, so a print is never unaudited; the file is
    owner-only. The record's chain head, sealed now, is printed on it: a paper anchor kept
    outside what any station can rewrite (``store.ledger``)."""
    require(actor, Permission.WRITE_HANDOFF)
    AuditService(db).record_export(
        actor, "handoff PDF", detail={"shift": shift.label, "file": Path(path).name[:120]}
    )
    report = HandoffService(db).report(shift)
    return write_handoff_pdf(
        report,
        path,
        ward_name=ward_name,
        printed_at=db.clock(),
        chart_max=db.chart.max_total,
        progress=progress,
        record_head=AuditService(db).sealed_head("handoff print"),
    )


# --- the ward summary -------------------------------------------------------------------------

_COLUMNS = (  # title, width in figure fraction (they add up to 1 - 2 * MARGIN)
    ("", 0.018),
    ("Bed", 0.04),
    ("Patient", 0.125),
    ("Day", 0.028),
    ("NEWS2 (range)", 0.108),
    ("Symptoms", 0.09),
    ("Escal.", 0.06),
    ("PRN", 0.032),
    ("Obs", 0.068),
    ("Handoff", 0.07),
    ("Changed since last shift", 0.216),
    ("Page", 0.025),
)
CHANGES_WRAP = 35
HEAD_WRAP = 140
"""Characters of the record chain head per line (6 pt monospace across the page)."""
ROWS_PER_PAGE = 30


def summary_chunks(report: ShiftReport) -> list[list[ReportPatient]]:
    """The summary's rows, riskiest first, one list per summary sheet."""
    ordered = report.by_risk()
    return [ordered[i : i + ROWS_PER_PAGE] for i in range(0, len(ordered), ROWS_PER_PAGE)] or [[]]


def summary_pages(
    report: ShiftReport, ward_name: str, printed_at: datetime, page_of: dict[int, int]
) -> list[Figure]:
    chunks = summary_chunks(report)
    return [
        _summary_page(report, ward_name, printed_at, chunk, page_of, continued=index > 0)
        for index, chunk in enumerate(chunks)
    ]


def _summary_page(
    report: ShiftReport,
    ward_name: str,
    printed_at: datetime,
    rows: list[ReportPatient],
    page_of: dict[int, int],
    *,
    continued: bool,
) -> Figure:
    figure = Figure(figsize=A4)
    shift, board = report.shift, report.board
    zone = shift.zone
    title = "Ward summary (continued)" if continued else f"Shift handoff — {ward_name}"
    figure.text(MARGIN, 0.965, title, fontsize=15, fontweight="bold")
    figure.text(MARGIN, 0.945, shift.label, fontsize=10)
    signoff = board.signoff
    signed = (
        f"Signed off by {signoff.signed_by} {signoff.signed_at.astimezone(zone):%a %H:%M}"
        f" ({signoff.handoff_count} handoffs)"
        if signoff
        else "NOT SIGNED OFF"
    )
    figure.text(
        MARGIN,
        0.928,
        f"{signed} · printed {printed_at.astimezone(zone):%a %d %b %H:%M} (ward time, {zone.key})",
        fontsize=8,
    )
    patients = report.patients
    summaries = [p.draft.summary for p in patients]
    counts = (
        f"{len(patients)} patients · {sum(1 for s in summaries if s.open_escalations)} with open "
        f"escalations · {sum(1 for s in summaries if s.overdue_at_end)} with observations "
        f"overdue · {sum(s.prn_doses for s in summaries)} PRN doses · handoffs: "
        + ", ".join(
            [
                f"{board.count(status)} {status.label.lower()}"
                for status in HandoffStatus
                if board.count(status)
            ]
            + ([f"{len(board.missing)} not drafted"] if board.missing else [])
        )
    )
    # Wrapped, so a busy ward's counts never run off the page (the last words were lost).
    figure.text(MARGIN, 0.918, "\n".join(textwrap.wrap(counts, 125)), fontsize=8, va="top")
    y = 0.88
    x_positions = _column_x()
    for (name, _width), x in zip(_COLUMNS, x_positions, strict=True):
        figure.text(x, y, name, fontsize=7, fontweight="bold", va="baseline")
    _rule(figure, y - 0.006, weight=0.8)
    y -= 0.02
    for patient in rows:
        cells = _summary_cells(patient, page_of.get(patient.facts.admission_id))
        # Each cell wrapped to its column, so a long one never runs into its neighbour.
        wrapped = [
            textwrap.wrap(cell, CHANGES_WRAP if index == len(_COLUMNS) - 2 else _cell_chars(width))
            or [""]
            for index, (cell, (_name, width)) in enumerate(zip(cells, _COLUMNS, strict=True))
        ]
        height = 0.0125 * max(len(lines) for lines in wrapped)
        for index, ((_name, _width), x) in enumerate(zip(_COLUMNS, x_positions, strict=True)):
            text = "\n".join(wrapped[index])
            figure.text(
                x,
                y,
                text,
                fontsize=6.4,
                va="top",
                linespacing=1.25,
                fontweight="bold" if index in (0, 1) else "normal",
            )
        y -= height + 0.004
        _rule(figure, y + 0.002, weight=0.3)
    _legend(figure)
    return figure


def _cell_chars(width: float) -> int:
    """How many characters of the summary's 6.4 pt type fit a column ``width`` wide."""
    return max(3, int(width * A4[0] * 72 / (6.4 * 0.62)))


def _column_x() -> list[float]:
    out, x = [], MARGIN
    for _name, width in _COLUMNS:
        out.append(x)
        x += width
    return out


def _summary_cells(patient: ReportPatient, page: int | None) -> list[str]:
    s = patient.draft.summary
    facts = patient.facts
    mark = _worst_mark(patient.draft)
    news2 = "—"
    if s.news2_now is not None:
        band = "low-med" if s.news2_band_now == "low-medium" else s.news2_band_now
        news2 = f"{s.news2_now} {band}"
        if s.news2_min is not None:
            news2 += f" ({s.news2_min}–{s.news2_max})"
    if s.news2_at_least is not None:
        # A newer incomplete set scores higher: a lower bound, never a total.
        band = "low-med" if s.news2_bound_band == "low-medium" else s.news2_bound_band
        bound = f"incomplete ≥ {s.news2_at_least} {band}"
        news2 = bound if news2 == "—" else f"{bound}; last full {news2}"
    trend = "—"
    if s.symptom_last is not None:
        trend = f"{s.symptom_last}"
        if s.symptom_trend:
            trend = f"{s.symptom_trend} {s.symptom_first}→{s.symptom_last}"
    obs = []
    if s.late_observations:
        obs.append(f"{s.late_observations} late")
    if s.overdue_at_end:
        obs.append("OVERDUE")
    elif s.missed_observations:
        obs.append(f"{s.missed_observations} missed")
    status = patient.handoff.status.label if patient.handoff else "not drafted"
    if patient.handoff is not None and patient.handoff.changes:
        status += f" {CHANGE_MARK}"
    return [
        mark,
        facts.bed,
        _short(facts.patient_name, 24),
        str(facts.detox_day),
        news2,
        trend,
        (f"{s.escalations_in_shift}, {s.open_escalations} open" if s.escalations_in_shift else "—"),
        str(s.prn_doses) if s.prn_doses else "—",
        ", ".join(obs) or "on time",
        status,
        "; ".join(brief_change(change) for change in s.changes) or "—",
        str(page or ""),
    ]


def _worst_mark(draft: HandoffDraft) -> str:
    """The shape of the worst severity among the patient's facts (● ◆ ▲, as every screen);
    '!' when only facts stored before severities need attention; '' for none."""
    facts = [f for section in Section for f in draft.facts(section)]
    severity = worst(facts)
    if severity is not None:
        return severity.shape
    return UNRATED_MARK[0] if any(f.unrated for f in facts) else ""


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(figure: Figure) -> None:
    policy = load_handoff_policy()
    text = (
        "Severity, as on every screen: ▲ EMERGENCY, ◆ URGENT, ● ADVISORY — each fact that needs "
        "attention carries its escalation's severity; the first column shows the patient's "
        f"worst ({UNRATED_MARK}: stored before facts carried a severity). NEWS2 "
        "bands per RCP 2017: low 0–4, low–medium = one parameter scoring 3, medium 5–6, high ≥ 7. "
        "Escalations: open at some time in the shift, and still open at handover; a new one is "
        "shown with its severity's shape. Obs: late = taken "
        "after the due time plus the grace period of the local escalation policy. Symptoms: the "
        "ward's withdrawal chart (an unvalidated local tool); better/worse means a change of at "
        f"least {policy.symptom_trend_min_change} points over the shift (local policy "
        f"{policy.version}, design choice). Generated facts come from the record as printed; what "
        "a nurse wrote is printed separately as “Nurse's notes”. Δ: the record changed since "
        "the handoff was drafted (or signed) — each changed fact says what it said before."
    )
    figure.text(
        MARGIN,
        0.045,
        "\n".join(textwrap.wrap(text, 150)),
        fontsize=6,
        va="bottom",
        color="0.25",
        linespacing=1.3,
    )


def _rule(figure: Figure, y: float, *, weight: float) -> None:
    figure.add_artist(
        Line2D(
            [MARGIN, 1 - MARGIN],
            [y, y],
            transform=figure.transFigure,
            color="0.55",
            linewidth=weight,
        )
    )


# --- one patient ---------------------------------------------------------------------------------


TEXT_BOTTOM = 0.045
"""The lowest the handoff text reaches (descenders included): the footer sits below it."""
CONTINUED_TOP = 0.905


def patient_pages(
    patient: ReportPatient,
    ward_name: str,
    printed_at: datetime,
    chart_max: int,
    *,
    page: int,
    pages: int,
) -> list[Figure]:
    """The patient's page, then continuation pages for text that does not fit it (numbered
    from ``page`` of ``pages``)."""
    chunks, size = _patient_text(patient)
    first = _patient_page(patient, chart_max)
    draw(first, chunks[0], _first_box(patient), size)
    figures = [first]
    for chunk in chunks[1:]:
        figure = Figure(figsize=A4)
        _patient_header(figure, patient, continued=True)
        draw(figure, chunk, _continued_box(), size)
        figures.append(figure)
    for number, figure in enumerate(figures, start=page):
        _footer(figure, patient, ward_name, printed_at, page=number, pages=pages)
    return figures


def page_count(patient: ReportPatient) -> int:
    """How many sheets ``patient_pages`` prints for the patient."""
    return len(_patient_text(patient)[0])


def _patient_text(patient: ReportPatient) -> tuple[list[list[Line]], float]:
    notes = dict(patient.handoff.notes) if patient.handoff else None
    changes = patient.handoff.changes if patient.handoff else ()
    items = sbar_items(patient.draft, notes, changes)
    return fit(items, _first_box(patient), A4, more=_continued_box())


def _first_box(patient: ReportPatient) -> TextBox:
    text_top = TIMELINE_TOP - _timeline_height(patient) - 0.03
    return TextBox(MARGIN, text_top, 1 - 2 * MARGIN, text_top - TEXT_BOTTOM)


def _continued_box() -> TextBox:
    return TextBox(MARGIN, CONTINUED_TOP, 1 - 2 * MARGIN, CONTINUED_TOP - TEXT_BOTTOM)


TIMELINE_TOP = 0.655


def _timeline_height(patient: ReportPatient) -> float:
    return 0.022 + 0.012 * _timeline_rows(patient)


def _patient_header(figure: Figure, patient: ReportPatient, *, continued: bool) -> None:
    facts = patient.facts
    title = f"Bed {facts.bed} · {facts.patient_name}, {facts.age}"
    figure.text(
        MARGIN,
        0.968,
        title + (" — continued" if continued else ""),
        fontsize=13,
        fontweight="bold",
    )
    figure.text(
        MARGIN,
        0.952,
        f"{facts.hospital_number} · detox day {facts.detox_day} · {facts.shift.label}",
        fontsize=8.5,
    )
    figure.text(MARGIN, 0.938, status_text(patient), fontsize=7.5, style="italic")


def _patient_page(patient: ReportPatient, chart_max: int) -> Figure:
    figure = Figure(figsize=A4)
    facts = patient.facts
    _patient_header(figure, patient, continued=False)
    width = (1 - 2 * MARGIN - 0.07) / 2
    height = 0.088
    left, right = MARGIN + 0.02, MARGIN + 0.02 + width + 0.06
    charts.news2_chart(figure.add_axes((left, 0.815, width, height)), facts)
    charts.pulse_bp_chart(figure.add_axes((right, 0.815, width, height)), facts)
    charts.respiration_chart(figure.add_axes((left, 0.69, width, height)), facts)
    charts.symptom_chart(figure.add_axes((right, 0.69, width, height)), facts, chart_max)
    timeline_height = _timeline_height(patient)
    charts.timeline_chart(
        figure.add_axes(
            (
                MARGIN + 0.13,
                TIMELINE_TOP - timeline_height,
                1 - 2 * MARGIN - 0.13,
                timeline_height,
            )
        ),
        facts,
    )
    return figure


def _footer(
    figure: Figure,
    patient: ReportPatient,
    ward_name: str,
    printed_at: datetime,
    *,
    page: int,
    pages: int,
) -> None:
    shift = patient.facts.shift
    printed = printed_at.astimezone(shift.zone)
    figure.text(
        MARGIN,
        0.02,
        f"{ward_name} · {shift.label} · printed {printed:%a %d %b %H:%M}",
        fontsize=6,
        color="0.3",
        gid="footer",
    )
    figure.text(
        1 - MARGIN,
        0.02,
        f"page {page} of {pages}",
        fontsize=6,
        color="0.3",
        ha="right",
        gid="footer",
    )


def _timeline_rows(patient: ReportPatient) -> int:
    facts = patient.facts
    escalations = sum(
        1
        for e in facts.escalations
        if e.raised_at <= facts.as_of
        and (e.resolved_at is None or e.resolved_at >= facts.shift.start)
    )
    doses = any(facts.shift.start <= p.dose.given_at <= facts.as_of for p in facts.prn)
    return max(1, escalations + (1 if doses else 0))
