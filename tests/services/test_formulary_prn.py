"""PRN doses through the formulary: the class follows from the drug, a drug not in it needs a
class and a reason, doses stored with old free-text classes are counted by the drug, and a
second dose of one class within the policy minutes is warned about."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from wardfakes import Clock

from wardconsole.domain.records import EscalationKind
from wardconsole.services.context import Actor, InvalidInput
from wardconsole.services.db import Database
from wardconsole.services.escalations import EscalationService
from wardconsole.services.history import HistoryService
from wardconsole.services.recording import RecordingService
from wardconsole.services.safe_saves import _class_queued_before_the_formulary
from wardconsole.store.models import AuditRow, PrnDoseRow


def _give(db: Database, nurse: Actor, admission: int, drug: str, **extra: object) -> int:
    fields: dict[str, object] = {"dose": "1 mg", "route": "oral", "reason": "Anxiety"}
    fields.update(extra)
    return RecordingService(db).record_prn(nurse, admission, drug=drug, **fields).entry_id  # type: ignore[arg-type]


def _doses(db: Database) -> list[tuple[str, str, str | None]]:
    with db.read() as session:
        rows = session.execute(
            select(PrnDoseRow.drug, PrnDoseRow.drug_class, PrnDoseRow.class_reason).order_by(
                PrnDoseRow.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_the_class_follows_from_the_drug_and_diazepam_is_never_an_analgesic(
    db: Database, nurse: Actor, admission: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _give(db, nurse, admission, "Diazepam", drug_class="non_opioid_analgesic")
    assert refused.value.problems == {
        "drug_class": "drug_class: Diazepam is in the formulary as Benzodiazepine; the class "
        "follows from the drug"
    }
    assert _doses(db) == []  # nothing saved
    _give(db, nurse, admission, "  diazepam ")
    _give(db, nurse, admission, "Ativan", drug_class="benzodiazepine")
    assert _doses(db) == [("diazepam", "benzodiazepine", None), ("Ativan", "benzodiazepine", None)]


def test_a_drug_not_in_the_formulary_needs_a_class_and_a_reason(
    db: Database, nurse: Actor, admission: int
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _give(db, nurse, admission, "Trazodone")
    assert set(refused.value.problems) == {"drug_class", "class_reason"}
    assert refused.value.problems["drug_class"].startswith(
        "drug_class: Trazodone is not in the formulary; choose its class (Benzodiazepine, "
    )
    with pytest.raises(InvalidInput) as refused:
        _give(db, nurse, admission, "Trazodone", drug_class="sedative", class_reason="Sleep")
    assert set(refused.value.problems) == {"drug_class"}  # a formulary class, not free text
    with pytest.raises(InvalidInput) as refused:
        _give(db, nurse, admission, "Trazodone", drug_class="other_hypnotic", class_reason=" ")
    assert refused.value.problems == {
        "class_reason": "class_reason: say why this class, for a drug not in the formulary"
    }
    assert _doses(db) == []
    _give(
        db,
        nurse,
        admission,
        "Trazodone",
        drug_class="other_hypnotic",
        class_reason="Sedating antidepressant, pharmacist advised",
    )
    assert _doses(db) == [
        ("Trazodone", "other_hypnotic", "Sedating antidepressant, pharmacist advised")
    ]
    (entry,) = HistoryService(db).entries(admission, types=("prn",))
    assert entry.values["class_text"] == ("Other sedative or hypnotic (chosen, not in formulary)")
    assert entry.values["class_reason"] == "Sedating antidepressant, pharmacist advised"
    (view,) = HistoryService(db).prn_summary(admission).doses
    assert view.counted and view.class_reason.startswith("Sedating antidepressant")


def test_doses_stored_with_old_free_text_classes_are_counted_by_the_drug(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    """The ward's mislabels: diazepam saved as "analgesic" did not count; lorazepam was both
    "anxiolytic" and "benzodiazepine". Read through the formulary, each counts once."""
    stored = [
        ("Diazepam", "analgesic"),
        ("lorazepam", "anxiolytic"),
        ("Lorazepam", "benzodiazepine"),
        ("Trazodone", "sedative"),  # not in the formulary: the old word meant a sedative
        ("Gaviscon", "antacid"),  # not in the formulary, no class: shown as stored
    ]
    ids = []
    for drug, _old in stored:
        clock.advance(minutes=20)
        unlisted = {"drug_class": "other", "class_reason": "set-up"}
        listed = db.formulary.find(drug) is not None
        ids.append(_give(db, nurse, admission, drug, **({} if listed else unlisted)))
    with db.transaction() as session:  # (test set-up only: rows as an older release wrote them)
        for dose_id, (_drug, old) in zip(ids, stored, strict=True):
            session.execute(
                update(PrnDoseRow)
                .where(PrnDoseRow.id == dose_id)
                .values(drug_class=old, class_reason=None)
            )
    summary = HistoryService(db).prn_summary(admission)
    by_drug = {d.drug: d for d in summary.doses}
    assert summary.counted == 4 and summary.review_due
    assert by_drug["Diazepam"].drug_class == "Benzodiazepine" and by_drug["Diazepam"].counted
    assert by_drug["lorazepam"].class_key == by_drug["Lorazepam"].class_key == "benzodiazepine"
    assert by_drug["Trazodone"].drug_class == (
        "Other sedative or hypnotic (recorded as “sedative”)"
    )
    assert by_drug["Gaviscon"].drug_class == "antacid (not in the formulary)"
    assert not by_drug["Gaviscon"].counted
    history = {
        e.values["drug"]: e.values["class_text"] for e in HistoryService(db).entries(admission)
    }
    assert history["Diazepam"] == "Benzodiazepine"
    # The PRN-review rule counts the same way: the next save's rules raise the review.
    clock.advance(minutes=5)
    _give(db, nurse, admission, "Paracetamol", dose="1 g", reason="Headache")
    review = next(e for e in EscalationService(db).open() if e.kind is EscalationKind.PRN_REVIEW)
    assert review.explanation == (
        "4 sedative/anxiolytic PRN doses in 24 h (Diazepam ×1, lorazepam ×2, Trazodone ×1)"
    )


def test_a_second_dose_of_the_same_class_within_the_policy_minutes_is_warned_about(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    within = db.formulary.same_class_warning
    assert within == timedelta(minutes=120)
    first = _give(db, nurse, admission, "Lorazepam")
    given_at = clock.now
    clock.advance(minutes=40)
    warning = recording.same_class_warning(admission, drug="diazepam")
    assert warning is not None
    assert warning.class_label == "Benzodiazepine" and warning.within == within
    assert [(d.id, d.drug, d.dose, d.given_at) for d in warning.earlier] == [
        (first, "Lorazepam", "1 mg", given_at)
    ]
    assert recording.same_class_warning(admission, drug="Paracetamol") is None
    chosen = recording.same_class_warning(admission, drug="Unlisted", drug_class="benzodiazepine")
    assert chosen is not None and chosen.earlier[0].id == first
    assert recording.same_class_warning(admission, drug="Unlisted") is None  # no class yet
    # Backdated to more than the policy minutes after the first: no warning.
    assert (
        recording.same_class_warning(admission, drug="diazepam", given_at=given_at + within) is None
    )
    # The nurse confirms and saves: recorded in the audit trail.
    second = _give(db, nurse, admission, "Diazepam", same_class_confirmed=True)
    with db.read() as session:
        detail = session.scalars(
            select(AuditRow.detail).where(AuditRow.entity == "prn", AuditRow.entity_id == second)
        ).one()
    assert detail["same_class_confirmed"] is True and detail["class"] == "benzodiazepine"
    # A dose struck out in error is not an earlier dose.
    recording.mark_entered_in_error(nurse, "prn", first, "Not given")
    recording.mark_entered_in_error(nurse, "prn", second, "Not given")
    assert recording.same_class_warning(admission, drug="diazepam") is None


def test_a_dose_queued_before_the_formulary_is_replayed_with_a_class(db: Database) -> None:
    formulary = db.formulary
    assert _class_queued_before_the_formulary(formulary, "Lorazepam", "anxiolytic") == (None, "")
    assert _class_queued_before_the_formulary(formulary, "Trazodone", "hypnotic") == (
        "other_hypnotic",
        "queued before the formulary with the class “hypnotic”",
    )
    assert _class_queued_before_the_formulary(formulary, "Gaviscon", "antacid")[0] == "other"
