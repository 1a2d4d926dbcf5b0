"""Facts drafted earlier against the record now: which facts changed, how the change is worded,
and the fingerprint a signature is checked against."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from types import MappingProxyType

from wardconsole.domain.handoff_records import Fact, HandoffDraft, HandoffSummary, Section
from wardconsole.domain.handoff_refresh import (
    Basis,
    draft_changes,
    fact_changes,
    marks_for,
    seal,
    unshown,
)
from wardconsole.domain.records import Severity

DRAFTED = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def draft(*assessment: Fact, recommendation: tuple[Fact, ...] = ()) -> HandoffDraft:
    sections = {s: () for s in Section} | {
        Section.ASSESSMENT: assessment,
        Section.RECOMMENDATION: recommendation,
    }
    return HandoffDraft(
        1, "2026-11-25T19:00", DRAFTED, MappingProxyType(sections), HandoffSummary()
    )


NEWS2_6 = Fact("NEWS2 now 6 (medium) at 03:30", "news2", Severity.URGENT)
NEWS2_5 = Fact("NEWS2 now 5 (medium) at 03:30", "news2", Severity.URGENT)
PRN = Fact("PRN this shift: none given", "prn")
ESCALATION = Fact(
    "Deterioration (urgent) raised 03:30: NEWS2 6; STILL OPEN", "escalation", Severity.URGENT
)
DUE_40 = Fact("Next NEWS2 set due Thu 26 Nov 04:30 (in 40 min)", "next_obs")
DUE_10 = Fact("Next NEWS2 set due Thu 26 Nov 04:30 (in 10 min)", "next_obs")


def test_a_changed_number_is_one_change_with_both_wordings() -> None:
    [change] = fact_changes(draft(NEWS2_5, PRN), draft(NEWS2_6, PRN), Basis.DRAFT)
    assert (change.shown, change.other, change.position) == (NEWS2_5, NEWS2_6, 0)
    assert change.text == "record changed since the draft: was “NEWS2 now 6 (medium) at 03:30”"
    assert marks_for([change], Section.ASSESSMENT) == {0: change.text}
    assert marks_for([change], Section.SITUATION) == {}


def test_lines_added_and_gone_are_named() -> None:
    changes = fact_changes(draft(NEWS2_6, PRN), draft(NEWS2_6, ESCALATION), Basis.DRAFT)
    added = next(c for c in changes if c.other is None)
    gone = next(c for c in changes if c.shown is None)
    assert added.text == "new since the draft" and added.position == 1
    assert unshown(changes, Section.ASSESSMENT) == [
        "record changed since the draft: no longer says “Deterioration (urgent) raised 03:30: "
        "NEWS2 6; STILL OPEN”"
    ]
    assert gone.position is None


def test_signed_facts_are_compared_with_what_the_record_says_now() -> None:
    changes = fact_changes(draft(NEWS2_6, ESCALATION), draft(NEWS2_5), Basis.SIGNED)
    assert [c.text for c in changes] == [
        "record changed since signing: now “NEWS2 now 5 (medium) at 03:30”",
        "record changed since signing: no longer in the record",
    ]


def test_a_line_reworded_by_the_clock_alone_is_not_marked_but_a_correction_is() -> None:
    stored = draft(NEWS2_6, recommendation=(DUE_40,))
    # Only the clock moved the "due in" wording: nothing new was recorded for it.
    assert draft_changes(draft(NEWS2_6, recommendation=(DUE_10,)), stored) == ()
    overdue = Fact(
        "OVERDUE at handover: set due 04:30, none taken by 06:30 (2 h)", "obs", Severity.URGENT
    )
    later = Fact(
        "OVERDUE at handover: set due 04:30, none taken by 06:50 (2 h 20 min)",
        "obs",
        Severity.URGENT,
    )
    assert draft_changes(draft(later), draft(overdue)) == ()
    # A different due time is a change of the record, whatever the clock did.
    corrected_due = Fact("Next NEWS2 set due Thu 26 Nov 03:30 (in 0 min)", "next_obs")
    [change] = draft_changes(draft(NEWS2_6, recommendation=(corrected_due,)), stored)
    assert change.other == DUE_40
    # A clinical number is marked.
    [news2] = draft_changes(draft(NEWS2_5, recommendation=(DUE_10,)), stored)
    assert news2.shown == NEWS2_5


def test_the_seal_covers_the_facts_and_the_revision_of_the_text() -> None:
    base = seal(3, draft(NEWS2_6))
    assert base == seal(3, draft(NEWS2_6))
    assert base != seal(4, draft(NEWS2_6))
    assert base != seal(3, draft(NEWS2_5))
    assert base != seal(3, draft(Fact(NEWS2_6.text, "news2")))
    # The severity is part of what is shown ('◆ URGENT · …'), so it is sealed.
    assert base != seal(3, draft(Fact(NEWS2_6.text, "news2", Severity.EMERGENCY)))


def test_a_line_gone_from_the_middle_does_not_shift_the_marks_onto_its_neighbours() -> None:
    watch = [
        Fact(f"Watch: {what}", "watch", Severity.URGENT) for what in ("NEWS2 5", "panic", "rass")
    ]
    stored = draft(recommendation=tuple(watch))
    now = draft(recommendation=(watch[1], watch[2]))
    [gone] = fact_changes(now, stored, Basis.DRAFT)
    assert (gone.shown, gone.other) == (None, watch[0])
    assert marks_for([gone], Section.RECOMMENDATION) == {}


# A handoff stored (and signed) before facts carried a severity: its generated facts as they were
# written then, "alert" only.
STORED_BEFORE_SEVERITIES = {
    "schema": 1,
    "admission_id": 1,
    "shift_key": "2026-11-25T19:00",
    "generated_at": DRAFTED.isoformat(),
    "sections": {
        "situation": [
            {"text": "Bed B01 · Aled Abernethy, 34 · H1", "topic": "patient", "alert": False}
        ],
        "background": [],
        "assessment": [{"text": NEWS2_6.text, "topic": "news2", "alert": True}],
        "recommendation": [
            {
                "text": "Outstanding: Panic escalation still open",
                "topic": "escalation",
                "alert": True,
            }
        ],
    },
    "summary": {"news2_now": 6, "news2_band_now": "medium"},
}


def _seal_before_severities(revision: int, stored: dict[str, object]) -> str:
    """The fingerprint exactly as it was computed before facts carried a severity."""
    sections = stored["sections"]
    assert isinstance(sections, dict)
    body = {
        "revision": revision,
        "sections": {
            name: [[f["text"], f["topic"], f["alert"]] for f in facts]
            for name, facts in sections.items()
        },
    }
    encoded = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def test_a_handoff_stored_before_severities_reads_and_seals_exactly_as_before() -> None:
    stored = HandoffDraft.from_json(STORED_BEFORE_SEVERITIES)
    [news2] = stored.facts(Section.ASSESSMENT)
    # Still an alert, but never given a severity (or a severity's shape) it was not drafted with.
    assert news2.alert and news2.unrated and news2.severity is None
    assert news2.line == "! ATTENTION · NEWS2 now 6 (medium) at 03:30"
    assert stored.facts(Section.SITUATION)[0].line == "• Bed B01 · Aled Abernethy, 34 · H1"
    # Written back as it was stored (no new key for an old fact), and the seal is unchanged.
    assert stored.to_json()["sections"] == STORED_BEFORE_SEVERITIES["sections"]
    assert seal(7, stored) == _seal_before_severities(7, STORED_BEFORE_SEVERITIES)
    # A fact drafted now that says the same words is not marked as a change of the record.
    now = draft(Fact(NEWS2_6.text, "news2", Severity.URGENT))
    assert not [
        c for c in fact_changes(now, stored, Basis.DRAFT) if c.section is Section.ASSESSMENT
    ]


def test_a_severity_is_stored_with_the_fact_and_read_back() -> None:
    drafted = draft(
        NEWS2_6, recommendation=(Fact("Outstanding: Panic", "escalation", Severity.EMERGENCY),)
    )
    stored = drafted.to_json()
    assert stored["sections"]["assessment"] == [
        {"text": NEWS2_6.text, "topic": "news2", "alert": True, "severity": "urgent"}
    ]
    assert HandoffDraft.from_json(stored).sections == drafted.sections
