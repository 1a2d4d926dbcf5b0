"""Words and small HTML for handoffs on screen (no Qt, so every phrase is testable directly).

Status is never shown by colour alone: each status has its own shape and word.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from wardconsole.domain.handoff import brief_change
from wardconsole.domain.handoff_records import Fact, HandoffDraft, HandoffStatus, Section
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.handoff import HandoffView

STATUS_TEXT = {
    HandoffStatus.DRAFT: "○ Draft",
    HandoffStatus.SUBMITTED: "● Submitted",
    HandoffStatus.REVIEWED: "◆ Reviewed",
    HandoffStatus.SIGNED: "✔ Signed",
    HandoffStatus.SENT_BACK: "↩ Sent back",
}
NOT_DRAFTED = "✚ Not drafted"

BAND_TEXT = {"low": "LOW", "low-medium": "LOW-MED", "medium": "MED", "high": "HIGH"}


def status_text(view: HandoffView | None) -> str:
    """'● Submitted', '✔ Signed · amended', with ✎ when the nurse wrote notes."""
    if view is None:
        return NOT_DRAFTED
    text = STATUS_TEXT[view.status]
    if view.status is HandoffStatus.SIGNED and view.amended:
        text += " · amended"
    if view.has_notes:
        text += " ✎"
    return text


def clock(instant: datetime | None, shift: ShiftWindow) -> str:
    """Ward time: '06:30' during the shift, 'Wed 16:10' outside it; '—' for no time."""
    if instant is None:
        return "—"
    local = shift.local(instant)
    if shift.start <= instant <= shift.end:
        return f"{local:%H:%M}"
    return f"{local:%a %H:%M}"


def news2_text(view: HandoffView) -> str:
    s = view.draft.summary
    if s.news2_at_least is not None:
        # A later incomplete set scores higher: its lower bound, never a total.
        band = BAND_TEXT.get(s.news2_bound_band or "", "")
        last = f"; last full {s.news2_now}" if s.news2_now is not None else ""
        return f"at least {s.news2_at_least} {band} · incomplete{last}"
    if s.news2_now is None:
        return "— no score"
    band = BAND_TEXT.get(s.news2_band_now or "", "")
    text = f"{s.news2_now} {band}"
    if s.news2_min is not None and s.news2_max is not None and s.news2_min != s.news2_max:
        text += f" ({s.news2_min}–{s.news2_max})"
    return text


def changes_text(view: HandoffView) -> str:
    """'▲ New Panic (U) 02:05 · NEWS2 ↑ low → medium' (the full words are in the tooltip)."""
    changes = view.draft.summary.changes
    return "▲ " + " · ".join(brief_change(c) for c in changes) if changes else "—"


def escalations_text(view: HandoffView) -> str:
    """'3 · 2 open': escalations open during the shift, and still open at handover."""
    s = view.draft.summary
    if not s.escalations_in_shift:
        return "—"
    return f"{s.escalations_in_shift} · {s.open_escalations} open"


def prn_text(view: HandoffView) -> str:
    """PRN doses this shift, with last shift's count when it differs: '2 (was 0)'."""
    s = view.draft.summary
    if not s.prn_doses and not s.prn_doses_previous:
        return "—"
    if s.prn_doses_previous != s.prn_doses:
        return f"{s.prn_doses} (was {s.prn_doses_previous})"
    return str(s.prn_doses)


def obs_text(view: HandoffView) -> str:
    s = view.draft.summary
    parts = []
    if s.late_observations:
        parts.append(f"{s.late_observations} late")
    if s.overdue_at_end:
        parts.append("OVERDUE")
    elif s.missed_observations:
        parts.append(f"{s.missed_observations} missed")
    return ", ".join(parts) or "on time"


def saved_text(view: HandoffView) -> str:
    return f"{view.saved_by} {clock(view.saved_at, view.shift)}"


def describe(view: HandoffView) -> str:
    """The line under a handoff's title: status, version, who saved it, how fresh the facts are."""
    shift = view.shift
    parts = [status_text(view).split(" ", 1)[1]]
    if view.status is HandoffStatus.SIGNED:
        parts = [f"Signed by {view.signed_by} {clock(view.signed_at, shift)}"]
        if view.amended:
            parts.append(f"amended since signing (signed version {view.signed_version})")
    elif view.status is HandoffStatus.SUBMITTED:
        parts = [f"Submitted by {view.submitted_by} {clock(view.submitted_at, shift)}"]
    elif view.status is HandoffStatus.REVIEWED:
        parts = [f"Reviewed by {view.reviewed_by} {clock(view.reviewed_at, shift)}"]
    parts.append(f"version {view.version_number} saved by {saved_text(view)}")
    parts.append(f"facts from the record as of {clock(view.draft.generated_at, shift)}")
    return " · ".join(parts)


def facts_html(draft: HandoffDraft, section: Section) -> str:
    """One SBAR section's generated facts: ▲ and bold for what needs attention, • otherwise."""
    return "<br>".join(_fact_html(f) for f in draft.facts(section)) or "<i>nothing recorded</i>"


def _fact_html(fact: Fact) -> str:
    if fact.alert:
        return f"<b>▲ {escape(fact.text)}</b>"
    return f"• {escape(fact.text)}"


def notes_html(view: HandoffView) -> str:
    """The nurse's notes for read-only display, labelled per section."""
    parts = []
    for section in Section:
        text = view.notes.get(section, "").strip()
        if text:
            body = "<br>".join(escape(line) for line in text.splitlines())
            parts.append(f"<b>{section.heading}:</b> <i>{body}</i>")
    return "<br>".join(parts) or "<i>No notes written.</i>"
