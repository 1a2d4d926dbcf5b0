"""Words and small HTML for handoffs on screen (no Qt, so every phrase is testable directly).

Status is never shown by colour alone: each status has its own sign and word — signs that are
not severity shapes (● ◆ ▲ mean advisory, urgent, emergency on every screen, facts included).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from wardconsole.domain.handoff import brief_change
from wardconsole.domain.handoff_records import Fact, HandoffDraft, HandoffStatus, Section
from wardconsole.domain.handoff_refresh import (
    CHANGE_MARK,
    Basis,
    FactChange,
    clock_only,
    fact_changes,
    marks_for,
    unshown,
)
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.services.handoff import HandoffView, OpenEmergency, ShiftBoard

STATUS_TEXT = {
    HandoffStatus.DRAFT: "☐ Draft",
    HandoffStatus.SUBMITTED: "➜ Submitted",
    HandoffStatus.REVIEWED: "☑ Reviewed",
    HandoffStatus.SIGNED: "✔ Signed",
    HandoffStatus.SENT_BACK: "↩ Sent back",
}
NOT_DRAFTED = "✚ Not drafted"

BAND_TEXT = {"low": "LOW", "low-medium": "LOW-MED", "medium": "MED", "high": "HIGH"}


def status_text(view: HandoffView | None) -> str:
    """'➜ Submitted', '✔ Signed · amended', with ✎ when the nurse wrote notes and Δ when the
    record changed since the facts were drafted (or signed)."""
    if view is None:
        return NOT_DRAFTED
    text = STATUS_TEXT[view.status]
    if view.status is HandoffStatus.SIGNED and view.amended:
        text += " · amended"
    if view.has_notes:
        text += " ✎"
    if view.changes:
        text += f" {CHANGE_MARK}"
    return text


def changed_text(view: HandoffView) -> str:
    """'Δ 2 facts changed in the record since the draft (Thu 02:10) — marked below'; '' for none."""
    if not view.changes:
        return ""
    count = len(view.changes)
    facts = "fact" if count == 1 else "facts"
    if view.status is HandoffStatus.SIGNED:
        when = clock(view.signed_at, view.shift)
        return (
            f"{CHANGE_MARK} The record changed since signing ({when}): {count} {facts} "
            "marked — the signed text is shown"
        )
    drafted = view.drafted.generated_at if view.drafted is not None else None
    return (
        f"{CHANGE_MARK} The record changed since the draft ({clock(drafted, view.shift)}): "
        f"{count} {facts} marked — the facts shown are the record now"
    )


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
    """'New ◆ Panic 02:05 · NEWS2 ↑ low → medium' (the full words are in the tooltip); a new
    escalation carries its severity's shape, nothing else does (a change is bold and tinted)."""
    changes = view.draft.summary.changes
    return " · ".join(brief_change(c) for c in changes) if changes else "—"


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
    facts = f"facts from the record as of {clock(view.draft.generated_at, shift)}"
    if view.drafted is not None and view.drafted.generated_at != view.draft.generated_at:
        facts += f" (drafted {clock(view.drafted.generated_at, shift)})"
    parts.append(facts)
    return " · ".join(parts)


def facts_html(draft: HandoffDraft, section: Section, changes: tuple[FactChange, ...] = ()) -> str:
    """One SBAR section's generated facts: what needs attention in bold behind its severity's
    shape and word ('◆ URGENT · …', the census and banner's vocabulary), • otherwise; a changed
    fact carries its Δ mark in words under it."""
    marks = marks_for(changes, section)
    lines = [_fact_html(f, marks.get(i)) for i, f in enumerate(draft.facts(section))]
    lines += [f"<i>{CHANGE_MARK} {escape(text)}</i>" for text in unshown(changes, section)]
    return "<br>".join(lines) or "<i>nothing recorded</i>"


def _fact_html(fact: Fact, mark: str | None = None) -> str:
    text = f"<b>{escape(fact.line)}</b>" if fact.alert else escape(fact.line)
    if mark is None:
        return text
    return f"{text}<br>&nbsp;&nbsp;&nbsp;<i>{CHANGE_MARK} {escape(mark)}</i>"


def emergency_text(open_emergency: OpenEmergency, shift: ShiftWindow) -> str:
    """'Bed B01 · Aled Abernethy — Deterioration (emergency) raised 03:30: NEWS2 7; still open'."""
    e = open_emergency.escalation
    return (
        f"Bed {open_emergency.bed} · {open_emergency.patient_name} — {e.kind.label} "
        f"(emergency) raised {clock(e.raised_at, shift)}: {e.explanation}; still open"
    )


def review_lines(before: ShiftBoard, after: ShiftBoard, handoff_ids: tuple[int, ...]) -> list[str]:
    """What changed between the facts a supervisor was shown (``before``) and the record now
    (``after``), for the handoffs a signature was refused for: one line per change."""
    shown = {h.id: h for h in before.handoffs}
    now = {h.id: h for h in after.handoffs}
    lines: list[str] = []
    for handoff_id in handoff_ids:
        old, new = shown.get(handoff_id), now.get(handoff_id)
        if old is None or new is None:
            continue
        changes = fact_changes(new.draft, old.draft, Basis.DRAFT)
        clinical = [
            c
            for c in changes
            if c.shown is None or c.other is None or not clock_only(c.shown, c.other)
        ]
        for change in clinical or changes:
            where = f"Bed {new.bed} · {new.patient_name}"
            if change.shown is not None and change.other is not None:
                lines.append(
                    f"{where}: now “{change.shown.text}” — you were shown “{change.other.text}”"
                )
            elif change.shown is not None:
                lines.append(f"{where}: new “{change.shown.text}”")
            elif change.other is not None:
                lines.append(f"{where}: no longer “{change.other.text}”")
    return lines
