"""A handoff never states a fact the record no longer says (SQLite and PostgreSQL): facts drafted
earlier are drafted again whenever the handoff is shown or printed, each change is marked, and a
signature covers exactly the facts shown — a correction made after the supervisor opened the
board stops the signing."""

from __future__ import annotations

import pytest
from dbfixtures import seed_database
from handoffnight import Ward, at, correct_the_0330_set, night_ward, record_drafted_night
from wardfakes import Clock

from wardconsole.domain.handoff_records import HandoffStatus, Section
from wardconsole.domain.handoff_refresh import Basis
from wardconsole.services.context import InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.handoff import FactsChanged, FactsSeal, HandoffView

NEWS2_5 = "NEWS2 now 5 (medium) at 03:30"
NEWS2_4 = "NEWS2 now 4 (low) at 03:30"


@pytest.fixture
def clock() -> Clock:
    return Clock(at(17, 0))


@pytest.fixture
def ward(db_url: str, db: Database, clock: Clock) -> Ward:
    return night_ward(db, clock, seed_database(db_url, record_drafted_night))


def news2_line(view: HandoffView) -> str:
    return next(f.text for f in view.draft.facts(Section.ASSESSMENT) if f.topic == "news2")


def submit_all(ward: Ward) -> None:
    for view in ward.board().handoffs:
        ward.handoff.submit(ward.nurse, view.id, view.revision)


def test_a_correction_after_the_draft_is_shown_with_its_mark(ward: Ward) -> None:
    assert news2_line(ward.view(ward.busy)).startswith(NEWS2_5)
    ward.clock.now = at(6, 35)
    correct_the_0330_set(ward)
    shown = ward.view(ward.busy)
    assert news2_line(shown).startswith(NEWS2_4)
    assert shown.draft.summary.news2_now == 4
    assert shown.drafted is not None and shown.drafted.summary.news2_now == 5
    change = next(
        c for c in shown.changes if c.section is Section.ASSESSMENT and c.shown.topic == "news2"
    )
    assert change.basis is Basis.DRAFT
    assert change.text.startswith(f"record changed since the draft: was “{NEWS2_5}")
    # The stored draft is untouched: only a person's action stores new facts.
    versions = ward.handoff.detail(shown.id).versions
    assert [v.kind for v in versions] == ["draft"]
    assert versions[0].draft.summary.news2_now == 5
    # The printed handoff draws on the same refreshed facts.
    report = ward.handoff.report(ward.handoff.this_shift())
    page = next(p for p in report.patients if p.facts.admission_id == ward.busy)
    assert page.draft.summary.news2_now == 4
    assert page.handoff is not None and page.handoff.changes == shown.changes
    # Nothing changed for the quiet patient: no marks.
    assert ward.view(ward.quiet).changes == ()


def test_signing_stops_when_a_fact_changed_since_the_board_was_opened(ward: Ward) -> None:
    submit_all(ward)
    ward.clock.now = at(6, 50)
    opened = ward.board()
    assert news2_line(next(h for h in opened.handoffs if h.admission_id == ward.busy)).startswith(
        NEWS2_5
    )
    ward.clock.now = at(6, 52)
    correct_the_0330_set(ward)  # another station, while the supervisor reads the board
    busy = next(h for h in opened.handoffs if h.admission_id == ward.busy)
    with pytest.raises(FactsChanged, match=r"bed B01 \(Aled Abernethy\)") as refused:
        ward.handoff.sign_shift(
            ward.supervisor, opened.shift, opened.revisions(), shown=opened.seal()
        )
    assert refused.value.handoff_ids == (busy.id,)
    again = ward.board()
    assert again.signoff is None
    assert {h.status for h in again.handoffs} == {HandoffStatus.SUBMITTED}
    # Re-reviewed: the board now shows NEWS2 4 with the change marked, and that is signed.
    shown = next(h for h in again.handoffs if h.admission_id == ward.busy)
    assert news2_line(shown).startswith(NEWS2_4)
    ward.clock.now = at(6, 55)
    ward.handoff.sign_shift(ward.supervisor, again.shift, again.revisions(), shown=again.seal())
    signed = ward.view(ward.busy)
    assert signed.status is HandoffStatus.SIGNED
    assert news2_line(signed) == news2_line(shown)
    assert signed.changes == ()
    detail = ward.handoff.detail(signed.id)
    assert [v.kind for v in detail.versions] == ["draft", "refresh"]
    assert signed.signed_version == 2
    assert detail.version(2).draft.sections == shown.draft.sections
    assert [e.action for e in detail.trail][-2:] == ["refreshed", "signed"]
    # The quiet patient's record did not change, but the facts shown were drafted later than
    # the stored ones ("next set due in 35 min"): what is signed is what was shown.
    quiet_shown = next(h for h in again.handoffs if h.admission_id == ward.quiet)
    quiet = ward.handoff.detail(quiet_shown.id)
    assert quiet.version(quiet.handoff.signed_version or 0).draft.sections == (
        quiet_shown.draft.sections
    )
    assert quiet_shown.changes == ()  # reworded by the clock alone: nothing marked


def test_a_signed_handoff_keeps_what_was_signed_and_marks_what_the_record_says_now(
    ward: Ward,
) -> None:
    submit_all(ward)
    ward.clock.now = at(6, 50)
    board = ward.board()
    ward.handoff.sign_shift(ward.supervisor, board.shift, board.revisions(), shown=board.seal())
    ward.clock.now = at(6, 58)
    correct_the_0330_set(ward)
    signed = ward.view(ward.busy)
    assert news2_line(signed).startswith(NEWS2_5)  # exactly what was signed
    change = next(
        c for c in signed.changes if c.section is Section.ASSESSMENT and c.shown.topic == "news2"
    )
    assert change.basis is Basis.SIGNED
    assert change.text.startswith(f"record changed since signing: now “{NEWS2_4}")


def test_a_seal_from_another_time_is_refused(ward: Ward) -> None:
    submit_all(ward)
    board = ward.board()
    future = FactsSeal(at(6, 50), board.seal().fingerprints)  # it is 06:30
    with pytest.raises(InvalidInput, match="as_of"):
        ward.handoff.sign_shift(ward.supervisor, board.shift, board.revisions(), shown=future)
    with pytest.raises(FactsChanged):
        ward.handoff.sign_shift(
            ward.supervisor,
            board.shift,
            board.revisions(),
            shown=FactsSeal(board.seal().as_of, {h.id: "0" * 64 for h in board.handoffs}),
        )
    assert ward.board().signoff is None


def test_the_board_names_each_emergency_still_open(ward: Ward) -> None:
    from wardconsole.domain.records import EscalationKind, Severity
    from wardconsole.services.escalations import EscalationService

    assert ward.board().open_emergencies == ()  # urgent ones only in the seeded night
    ward.clock.now = at(6, 40)
    EscalationService(ward.db).raise_concern(
        ward.nurse, ward.quiet, Severity.EMERGENCY, "Collapsed in the bathroom"
    )
    [emergency] = ward.board().open_emergencies
    assert (emergency.bed, emergency.patient_name) == ("B02", "Nia Nettleford")
    assert emergency.escalation.kind is EscalationKind.STAFF_CONCERN
    assert "Collapsed in the bathroom" in emergency.escalation.explanation
