"""Shift handoff over a real database (SQLite and PostgreSQL): a night recorded through the
bedside services, drafted, written, reviewed, signed and amended."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from dbfixtures import seed_database
from handoffnight import Ward, at, night_ward, record_night
from sqlalchemy import func, select
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.handoff_records import HandoffStatus, Section
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.context import (
    ConflictError,
    InvalidInput,
    PermissionDenied,
    Role,
    ServiceError,
)
from wardconsole.services.db import Database
from wardconsole.services.handoff import HandoffService, HandoffView
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, HandoffVersionRow


@pytest.fixture
def clock() -> Clock:
    return Clock(at(17, 0))


@pytest.fixture
def ward(db_url: str, db: Database, clock: Clock) -> Ward:
    return night_ward(db, clock, seed_database(db_url, record_night))


def drafted(ward: Ward) -> Ward:
    ward.handoff.draft_shift(ward.nurse, ward.handoff.this_shift())
    return ward


def facts(view: HandoffView, section: Section) -> list[str]:
    return [f.text for f in view.draft.facts(section)]


def submit_all(ward: Ward) -> None:
    for view in ward.board().handoffs:
        ward.handoff.submit(ward.nurse, view.id, view.revision)


def test_this_shift_is_the_night_and_last_shift_the_day(ward: Ward) -> None:
    assert ward.handoff.this_shift().key == "2026-11-25T19:00"
    assert ward.handoff.last_shift().key == "2026-11-25T07:00"


def test_the_draft_of_a_seeded_night_has_the_right_facts(ward: Ward) -> None:
    result = ward.handoff.draft_shift(ward.nurse, ward.handoff.this_shift())
    assert (result.created, result.existing) == (2, 0)
    busy = ward.view(ward.busy)
    summary = busy.draft.summary
    assert busy.status is HandoffStatus.DRAFT
    assert (summary.news2_now, summary.news2_min, summary.news2_max) == (5, 1, 5)
    assert summary.prn_doses == 2
    # Panic (resolved), RASS after PRN (raised at 02:05: no RASS after the 22:10 zopiclone),
    # overdue observations (raised by the rules at 02:30, when the 01:50 set was 40 min late)
    # and deterioration (NEWS2 5 at 03:30); the last three are still open.
    assert summary.escalations_in_shift == 4
    assert summary.open_escalations == 3
    assert summary.late_observations == 1
    assert summary.overdue_at_end  # medium risk: hourly from 03:30, none by 06:30
    assessment = facts(busy, Section.ASSESSMENT)
    assert any(
        t.startswith(
            "Panic (urgent) raised 02:05: Panic attack (5/13 symptoms); "
            "acknowledged 02:09 by Adaeze Okafor; action 02:15 by Adaeze "
            "Okafor: 1:1 time, breathing exercises; resolved 03:10 by Adaeze "
            "Okafor; outcome: Settled with PRN"
        )
        for t in assessment
    )
    assert any(
        t.startswith("Deterioration (urgent) raised 03:30") and t.endswith("STILL OPEN")
        for t in assessment
    )
    assert (
        "Overdue observations (urgent) raised 02:30: Observations overdue by 40 min; STILL OPEN"
    ) in assessment
    assert (
        "Lorazepam 1 mg oral at 02:30 for Acute anxiety, given by Adaeze Okafor → effect "
        "03:30 Calmer, still anxious"
    ) in assessment
    assert any(
        t.startswith("Zopiclone 7.5 mg oral at 22:10") and t.endswith("NOT RECORDED")
        for t in assessment
    )
    assert "Late set at 03:30: 1 h 40 min after due 01:50" in assessment
    assert "OVERDUE at handover: set due 04:30, none taken by 06:30 (2 h)" in assessment
    assert facts(busy, Section.SITUATION)[1] == "Detox day 2 (admitted Tue 24 Nov 14:20)"
    assert "Risk flags: Suicide risk" in facts(busy, Section.BACKGROUND)
    # The board puts the busy patient first and says what changed since the day shift.
    board = ward.board()
    assert [h.bed for h in board.handoffs] == ["B01", "B02"]
    assert "NEWS2 band up: low → medium" in summary.changes
    assert "New PRN: Lorazepam, Zopiclone" in summary.changes
    assert board.missing == ()
    quiet = ward.view(ward.quiet)
    assert "All sets on time" in facts(quiet, Section.ASSESSMENT)


def test_drafting_again_adds_nothing_and_a_new_admission_gets_its_own(ward: Ward) -> None:
    drafted(ward)
    again = ward.handoff.draft_shift(ward.other_nurse, ward.handoff.this_shift())
    assert (again.created, again.existing) == (0, 2)
    AdmissionService(ward.db).admit(
        ward.nurse,
        NewPatient("KD000003", "Orla", "Oyelaran", date(1999, 1, 1)),
        bed="B03",
        admitted_at=at(5, 45),
        reason="Ketamine dependence",
    )
    assert [m.bed for m in ward.board().missing] == ["B03"]
    assert ward.handoff.draft_shift(ward.nurse, ward.handoff.this_shift()).created == 1
    assert len(ward.board().handoffs) == 3


def test_the_nurses_text_survives_and_stays_apart_from_the_facts(ward: Ward) -> None:
    view = drafted(ward).view(ward.busy)
    generated = view.draft
    saved = ward.handoff.save_notes(
        ward.nurse,
        view.id,
        view.revision,
        {
            "situation": "Settled after 03:10, asleep since 04:20.  ",
            "recommendation": "Ask the day team to review the PRN plan.",
        },
    )
    assert saved.notes[Section.SITUATION] == "Settled after 03:10, asleep since 04:20."
    assert saved.notes[Section.ASSESSMENT] == ""
    assert saved.draft == generated  # saving text never touches the generated facts
    assert saved.version_number == 2 and saved.saved_by == "Adaeze Okafor"
    # Another read (a different station) sees the same.
    again = ward.view(ward.busy)
    assert again.notes == saved.notes
    detail = ward.handoff.detail(view.id)
    assert [v.kind for v in detail.versions] == ["draft", "edit"]
    assert detail.version(1).notes[Section.SITUATION] == ""  # the first version is kept
    assert [e.action for e in detail.trail] == ["drafted", "saved"]
    with ward.db.read() as session:
        audit = session.scalars(select(AuditRow.action).where(AuditRow.entity == "handoff"))
        assert "handoff_saved" in list(audit)


def test_saving_the_same_text_twice_adds_no_version(ward: Ward) -> None:
    view = drafted(ward).view(ward.quiet)
    first = ward.handoff.save_notes(ward.nurse, view.id, view.revision, {"situation": "Calm"})
    second = ward.handoff.save_notes(ward.nurse, first.id, first.revision, {"situation": "Calm"})
    assert second.version_number == first.version_number == 2


def test_a_save_from_a_stale_screen_is_refused_and_changes_nothing(ward: Ward) -> None:
    view = drafted(ward).view(ward.busy)
    ward.handoff.save_notes(ward.other_nurse, view.id, view.revision, {"situation": "Mine"})
    with pytest.raises(
        ConflictError, match="Sven Lindqvist saved this handoff at 06:30 on Station B"
    ):
        ward.handoff.save_notes(ward.nurse, view.id, view.revision, {"situation": "Yours"})
    assert ward.view(ward.busy).notes[Section.SITUATION] == "Mine"


def test_bad_notes_name_the_field(ward: Ward) -> None:
    view = drafted(ward).view(ward.busy)
    with pytest.raises(InvalidInput) as error:
        ward.handoff.save_notes(
            ward.nurse, view.id, view.revision, {"plan": "x", "assessment": "y" * 4001}
        )
    assert set(error.value.problems) == {"plan", "assessment"}
    assert "at most 4000" in error.value.problems["assessment"]
    assert ward.view(ward.busy).version_number == 1


def test_refresh_picks_up_what_was_recorded_since_and_keeps_the_text(ward: Ward) -> None:
    view = drafted(ward).view(ward.busy)
    view = ward.handoff.save_notes(ward.nurse, view.id, view.revision, {"assessment": "Tired"})
    ward.clock.now = at(6, 40)
    RecordingService(ward.db).record_observation(ward.other_nurse, ward.busy, NORMAL_SET)
    refreshed = ward.handoff.refresh_facts(ward.nurse, view.id, view.revision)
    assert refreshed.version_number == 3
    assert refreshed.draft.summary.news2_now == 0
    assert not refreshed.draft.summary.overdue_at_end
    assert refreshed.notes[Section.ASSESSMENT] == "Tired"
    assert ward.handoff.detail(view.id).versions[-1].kind == "refresh"


def test_a_nurse_cannot_sign_the_shift(ward: Ward) -> None:
    drafted(ward)
    submit_all(ward)
    board = ward.board()
    for actor in (ward.nurse, ward.other_nurse):
        with pytest.raises(PermissionDenied, match="may not sign handoff"):
            ward.handoff.sign_shift(actor, board.shift, board.revisions(), shown=board.seal())
        with pytest.raises(PermissionDenied):
            ward.handoff.send_back(actor, board.handoffs[0].id, board.handoffs[0].revision, "x")
        with pytest.raises(PermissionDenied):
            ward.handoff.comment(actor, board.handoffs[0].id, "looks fine")
    after = ward.board()
    assert after.signoff is None
    assert {h.status for h in after.handoffs} == {HandoffStatus.SUBMITTED}


def test_the_shift_is_signed_only_when_every_handoff_is_submitted(ward: Ward) -> None:
    drafted(ward)
    busy = ward.view(ward.busy)
    ward.handoff.submit(ward.nurse, busy.id, busy.revision)
    board = ward.board()
    assert not board.ready_to_sign
    with pytest.raises(ServiceError, match=r"1 handoff\(s\) not submitted yet: bed B02 \(draft\)"):
        ward.handoff.sign_shift(ward.supervisor, board.shift, board.revisions(), shown=board.seal())
    assert ward.board().signoff is None


def test_review_comment_send_back_and_sign(ward: Ward) -> None:
    drafted(ward)
    submit_all(ward)
    busy = ward.view(ward.busy)
    assert busy.status is HandoffStatus.SUBMITTED and busy.submitted_by == "Adaeze Okafor"
    ward.handoff.comment(ward.supervisor, busy.id, "Please say who was informed about NEWS2 5")
    busy = ward.handoff.send_back(
        ward.supervisor, busy.id, busy.revision, "Add who was informed about the NEWS2 of 5"
    )
    assert busy.status is HandoffStatus.SENT_BACK
    assert busy.sent_back_reason == "Add who was informed about the NEWS2 of 5"
    assert busy.comments == 1
    busy = ward.handoff.save_notes(
        ward.nurse,
        busy.id,
        busy.revision,
        {"assessment": "Dr Patel informed 03:40, review at 08:00"},
    )
    busy = ward.handoff.submit(ward.nurse, busy.id, busy.revision)
    quiet = ward.view(ward.quiet)
    ward.handoff.mark_reviewed(ward.supervisor, quiet.id, quiet.revision)
    board = ward.board()
    assert board.ready_to_sign
    ward.clock.now = at(7, 5)
    signoff = ward.handoff.sign_shift(
        ward.supervisor,
        board.shift,
        board.revisions(),
        note="Busy night, well documented",
        shown=board.seal(),
    )
    assert (signoff.signed_by, signoff.handoff_count) == ("Gwen Harrow", 2)
    signed = ward.handoff.board(board.shift)
    assert signed.signoff is not None and signed.signoff.signed_by == "Gwen Harrow"
    assert {h.status for h in signed.handoffs} == {HandoffStatus.SIGNED}
    assert all(h.signed_by == "Gwen Harrow" and h.signed_at == at(7, 5) for h in signed.handoffs)
    trail = [e.action for e in ward.handoff.detail(busy.id).trail]
    assert trail == [
        "drafted",
        "submitted",
        "commented",
        "sent_back",
        "saved",
        "submitted",
        "signed",
    ]
    with pytest.raises(ConflictError, match="Gwen Harrow already signed this shift at 07:05"):
        ward.handoff.sign_shift(
            ward.supervisor, board.shift, signed.revisions(), shown=signed.seal()
        )


def test_signing_refuses_a_board_that_changed_since_it_was_read(ward: Ward) -> None:
    drafted(ward)
    submit_all(ward)
    board = ward.board()
    quiet = ward.view(ward.quiet)
    ward.handoff.mark_reviewed(ward.supervisor, quiet.id, quiet.revision)  # another station
    with pytest.raises(ConflictError, match="bed B02 changed since you opened the board"):
        ward.handoff.sign_shift(ward.supervisor, board.shift, board.revisions(), shown=board.seal())
    assert ward.board().signoff is None


def test_a_signed_handoff_cannot_be_silently_changed(ward: Ward) -> None:
    drafted(ward)
    view = ward.view(ward.busy)
    view = ward.handoff.save_notes(
        ward.nurse, view.id, view.revision, {"situation": "Settled by 03:10"}
    )
    submit_all(ward)
    board = ward.board()
    ward.handoff.sign_shift(ward.supervisor, board.shift, board.revisions(), shown=board.seal())
    signed = ward.view(ward.busy)
    with pytest.raises(
        ServiceError,
        match="signed by Gwen Harrow; it cannot be changed — a "
        "correction is an amendment with a reason",
    ):
        ward.handoff.save_notes(ward.nurse, signed.id, signed.revision, {"situation": "Edited"})
    with pytest.raises(ServiceError, match="signed by Gwen Harrow"):
        ward.handoff.refresh_facts(ward.nurse, signed.id, signed.revision)
    with pytest.raises(ServiceError):
        ward.handoff.submit(ward.nurse, signed.id, signed.revision)
    with pytest.raises(InvalidInput, match="reason"):
        ward.handoff.amend(ward.nurse, signed.id, signed.revision, {"situation": "x"}, "  ")
    assert ward.view(ward.busy) == signed  # nothing changed

    amended = ward.handoff.amend(
        ward.nurse,
        signed.id,
        signed.revision,
        {"situation": "Settled by 03:10; slept from 04:20"},
        "Added the time he fell asleep",
    )
    assert amended.status is HandoffStatus.SIGNED and amended.amended
    assert amended.notes[Section.SITUATION] == "Settled by 03:10; slept from 04:20"
    assert amended.signed_version == signed.version_number  # what was signed stays named
    detail = ward.handoff.detail(signed.id)
    assert detail.version(signed.version_number).notes[Section.SITUATION] == "Settled by 03:10"
    assert detail.versions[-1].kind == "amendment"
    assert detail.versions[-1].amend_reason == "Added the time he fell asleep"
    assert detail.trail[-1].action == "amended"
    with ward.db.read() as session:  # versions are only ever added
        count = session.scalar(
            select(func.count())
            .select_from(HandoffVersionRow)
            .where(HandoffVersionRow.handoff_id == signed.id)
        )
    assert count == len(detail.versions) == 3


def test_drafting_a_shift_that_has_not_started_is_refused(ward: Ward) -> None:
    day = ward.handoff.following_shift(ward.handoff.this_shift())
    with pytest.raises(InvalidInput, match="has not started"):
        ward.handoff.draft_shift(ward.nurse, day)


def test_read_only_staff_cannot_draft(ward: Ward) -> None:
    staff = StaffService(ward.db)
    staff.add("visitor", "Visiting Clinician", Role.READONLY, None)
    visitor = staff.actor("visitor", "Office")
    with pytest.raises(PermissionDenied):
        ward.handoff.draft_shift(visitor, ward.handoff.this_shift())


def test_the_background_describes_the_structured_intake(ward: Ward) -> None:
    from intakefakes import intake_data

    admitted = at(20, 0)
    AdmissionService(ward.db).admit(
        ward.nurse,
        NewPatient("KD000009", "Rowan", "Quarrie", date(1996, 3, 3)),
        bed="B03",
        admitted_at=admitted,
        reason="Ketamine dependence; bladder symptoms",
        intake=intake_data(admitted),
    )
    drafted(ward)
    view = next(h for h in ward.board().handoffs if h.bed == "B03")
    background = facts(view, Section.BACKGROUND)
    assert background[0] == "Admission reason: Ketamine dependence; bladder symptoms"
    assert any(line.startswith("Substance use:") and "snorted" in line for line in background)
    assert any(line.startswith("Mental health:") and "anxiety" in line for line in background)
    assert "Intake assessment: not recorded in the console" not in background
    # The demo-style patients without a structured intake say so.
    quiet = ward.view(ward.quiet)
    assert "Intake assessment: not recorded in the console" in facts(quiet, Section.BACKGROUND)


def test_the_night_the_clocks_go_back_is_one_13_hour_shift(db: Database) -> None:
    """25 October 2026: 01:00–02:00 happens twice in Europe/London; the night still has one
    handoff, and its times read as the ward clock showed them."""
    clock = Clock(datetime(2026, 10, 24, 17, 0, tzinfo=UTC))  # 18:00 BST
    db.clock = clock
    staff = StaffService(db)
    staff.add("rn.dst", "Dana Summer", Role.NURSE, None)
    nurse = staff.actor("rn.dst", "Station A")
    admissions = AdmissionService(db)
    admissions.ensure_beds(["C1"], "Test ward")
    admission = admissions.admit(
        nurse,
        NewPatient("KD0DST", "Ola", "Autumn", date(1990, 1, 1)),
        bed="C1",
        admitted_at=clock.now - timedelta(days=1),
    )
    record = RecordingService(db)
    for at_utc in (
        datetime(2026, 10, 24, 17, 30, tzinfo=UTC),  # 18:30 BST, before the shift
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 01:30 BST (the first one)
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ):  # 01:30 GMT (the second one)
        clock.now = at_utc
        record.record_observation(nurse, admission, NORMAL_SET)
    clock.now = datetime(2026, 10, 25, 6, 50, tzinfo=UTC)  # 06:50 GMT
    service = HandoffService(db)
    shift = service.this_shift()
    assert shift.label == "Night shift, Sat 24 Oct 19:00 – Sun 25 Oct 07:00"
    assert shift.duration == timedelta(hours=13)
    assert service.draft_shift(nurse, shift).created == 1
    (view,) = service.board(shift).handoffs
    assessment = facts(view, Section.ASSESSMENT)
    assert assessment[0].startswith(
        "NEWS2 now 0 (low) at 01:30; range over the shift 0–0 across 2 complete sets"
    )
    assert "Observation sets this shift: 2 complete" in assessment
    assert service.shift_starting(datetime(2026, 10, 24, 19, 0)) == shift


def test_the_board_reads_a_bigger_ward_with_the_same_statements(ward: Ward) -> None:
    """The board drafts every patient's facts each time it is shown: the safety checks,
    levels and medicines watch are read for the whole ward at once, so a ward of five costs
    the statements a ward of two does, never a query per patient."""
    from statements import statements_during

    shift = ward.handoff.this_shift()
    drafted(ward)
    two = statements_during(ward.db.engine, lambda: ward.handoff.board(shift))
    admissions = AdmissionService(ward.db)
    admissions.ensure_beds(["B04", "B05", "B06"], "Test ward")
    for n, bed in enumerate(("B03", "B04", "B05"), start=3):
        stay = admissions.admit(
            ward.nurse,
            NewPatient(f"KD00000{n}", "Extra", f"Patient{n}", date(1991, 1, n)),
            bed=bed,
            admitted_at=at(18, 0),
            reason="Ketamine dependence",
        )
        RecordingService(ward.db).record_observation(ward.nurse, stay, NORMAL_SET)
        RecordingService(ward.db).record_prn(
            ward.nurse, stay, drug="Zopiclone", dose="7.5 mg", route="oral", reason="Insomnia"
        )
    drafted(ward)
    five = ward.board()
    assert len(five.handoffs) == 5
    assert len(statements_during(ward.db.engine, lambda: ward.handoff.board(shift))) == len(two)
