"""Tampering with the record is detected: audit rows carry a digest of the clinical entry they
record, rows are sealed into a hash chain, the head is anchored, and ``verify`` names the first
row that does not match — on SQLite and on PostgreSQL, whatever bypasses the triggers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from wardfakes import NORMAL_SET, Clock

from wardconsole.cli import main
from wardconsole.services.audit import AuditService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.recording import RecordingService
from wardconsole.store import ledger
from wardconsole.store.models import AuditRow


def _record(db: Database, nurse: Actor, admission: int, pulse: int) -> int:
    result = RecordingService(db).record_observation(
        nurse, admission, {**NORMAL_SET, "pulse": pulse}
    )
    return result.entry_id


def _audit_of(db: Database, entity_id: int) -> AuditRow:
    with db.read() as session:
        return session.scalars(
            select(AuditRow).where(
                AuditRow.entity == "observation", AuditRow.entity_id == entity_id
            )
        ).one()


def _sealed(db: Database, clock: Clock, nurse: Actor, admission: int) -> list[int]:
    ids = [_record(db, nurse, admission, pulse) for pulse in (72, 88, 95)]
    clock.advance(minutes=3)
    assert AuditService(db).seal("Station A") > 0
    return ids


def _bypass(db: Database, *statements: str) -> None:
    """Run ``statements`` with the audit triggers out of the way, as an attacker would."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            connection.exec_driver_sql("ALTER TABLE ledger_blocks DISABLE TRIGGER USER")
        else:
            for trigger in ("audit_log_no_update", "audit_log_no_delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
            for trigger in ("ledger_blocks_no_update", "ledger_blocks_no_delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
        for statement in statements:
            connection.execute(text(statement))


def test_an_untouched_record_verifies_with_every_clinical_entry_checked(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    ids = _sealed(db, clock, nurse, admission)
    digest = _audit_of(db, ids[0]).detail[ledger.DIGEST_KEY]
    assert len(digest) == 64
    result = AuditService(db).verify()
    assert result.ok, result.problems
    assert result.clinical_rows >= 3 and result.blocks == 1 and result.unsealed_rows == 0
    assert result.summary().startswith("Record verified")


def test_a_trigger_less_update_of_a_vital_sign_set_is_named(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    ids = _sealed(db, clock, nurse, admission)
    with db.engine.begin() as connection:  # observation_sets has no trigger to bypass
        connection.execute(
            text("UPDATE observation_sets SET pulse = 60, news2_total = 0 WHERE id = :i"),
            {"i": ids[1]},
        )
    result = AuditService(db).verify()
    audit_id = _audit_of(db, ids[1]).id
    assert not result.ok
    assert result.problems[0] == (
        f"observation_sets row {ids[1]} (audit row {audit_id}) was changed since it was recorded"
    )


def test_a_deleted_entry_and_a_deleted_audit_row_are_named_first_bad_row_first(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    ids = _sealed(db, clock, nurse, admission)
    first, last = _audit_of(db, ids[0]).id, _audit_of(db, ids[2])
    _bypass(
        db,
        f"DELETE FROM audit_log WHERE id = {last.id}",
        f"DELETE FROM observation_sets WHERE id = {ids[0]}",
    )
    problems = AuditService(db).verify().problems
    assert problems[0] == f"observation_sets row {ids[0]} (audit row {first}) was deleted"
    assert f"audit row {last.id} was deleted after it was sealed" in problems


def test_insert_or_replace_of_audit_row_one_is_detected_on_sqlite(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's")
    _sealed(db, clock, nurse, admission)
    with db.engine.begin() as connection:  # the triggers stay; REPLACE does not fire them
        connection.exec_driver_sql(
            "INSERT OR REPLACE INTO audit_log (id, at, staff_id, station, action, entity, "
            "entity_id, detail) VALUES (1, '2026-11-25 20:00:00', NULL, 'x', 'nothing', "
            "'ward', NULL, '{}')"
        )
    problems = AuditService(db).verify().problems
    assert problems[0] == "audit row 1 was changed after it was sealed"


def test_a_chain_rewritten_end_to_end_is_caught_by_the_anchor(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    ids = _sealed(db, clock, nurse, admission)
    audit = AuditService(db)
    anchor = audit.anchor("office-pc")
    assert anchor is not None and audit.verify().ok
    # Someone with full access changes a set, fixes its audit digest and re-seals everything.
    target = _audit_of(db, ids[1])
    _bypass(
        db,
        f"UPDATE observation_sets SET pulse = 60 WHERE id = {ids[1]}",
        "DELETE FROM ledger_blocks",
    )
    with db.transaction() as session:
        row = session.get_one(AuditRow, target.id)
        forged = ledger.content_digest(session, "observation", ids[1])
        session.execute(
            update(AuditRow)
            .where(AuditRow.id == target.id)
            .values(detail={**row.detail, ledger.DIGEST_KEY: forged})
        )
    audit.seal("Station A")
    result = audit.verify()
    assert not result.ok
    assert "anchor" in result.problems[0]  # rewritten or cut, never "verified"
    assert not audit.verify(since_anchor=True).ok


def test_verify_from_the_last_anchor_checks_only_what_came_after_it(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    _sealed(db, clock, nurse, admission)
    audit = AuditService(db)
    audit.anchor("office-pc")
    later = _record(db, nurse, admission, 101)
    clock.advance(minutes=3)
    audit.seal("Station A")
    quick = audit.verify(since_anchor=True)
    assert quick.ok and quick.blocks == 1 and quick.clinical_rows == 1
    with db.engine.begin() as connection:
        connection.execute(text(f"UPDATE observation_sets SET pulse = 70 WHERE id = {later}"))
    assert "was changed since it was recorded" in audit.verify(since_anchor=True).problems[0]


def test_rows_inside_the_settle_window_are_not_sealed_yet(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    _record(db, nurse, admission, 80)
    assert AuditService(db).seal("Station A") == 0
    assert AuditService(db).verify().unsealed_rows >= 1


def test_the_command_line_verifies_and_exits_5_naming_the_first_bad_row(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    db: Database,
    clock: Clock,
    nurse: Actor,
    admission: int,
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("the command line is checked once, on a file")
    ids = _sealed(db, clock, nurse, admission)
    url = str(db.engine.url)
    anchors = tmp_path / "anchors.txt"
    assert main(["--db", url, "audit", "anchor", "--file", str(anchors)]) == 0
    assert anchors.stat().st_mode & 0o777 == 0o600
    assert main(["--db", url, "audit", "verify"]) == 0
    assert "Record verified" in capsys.readouterr().out
    with db.engine.begin() as connection:
        connection.execute(text(f"UPDATE observation_sets SET pulse = 50 WHERE id = {ids[0]}"))
    assert main(["--db", url, "audit", "verify"]) == 5
    out = capsys.readouterr().out
    assert out.startswith("RECORD VERIFICATION FAILED: observation_sets row")


def test_the_printed_handoff_line_names_the_sealed_head(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    _record(db, nurse, admission, 90)
    clock.advance(minutes=3)
    line = AuditService(db).sealed_head("handoff print")
    with db.read() as session:
        block = ledger.head(session)
    assert block is not None
    assert line.startswith(f"Record chain head: block {block.id} {block.block_hash}")


def test_the_ward_tick_seals_settled_rows_whoever_is_signed_in(
    db: Database, nurse: Actor, admission: int, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sealing runs on a timer: each ward tick seals what has settled (``ledger.SETTLE``), so a
    row is protected within minutes of being written without anyone opening the audit screen;
    a tick that may not seal still runs the rules."""
    from sqlalchemy.exc import OperationalError

    from wardconsole.services.escalations import EscalationService

    escalations = EscalationService(db)
    entry = _record(db, nurse, admission, 88)
    audit_id = _audit_of(db, entry).id
    escalations.ward_tick("Station A")
    with db.read() as session:
        assert ledger.head(session) is None  # not settled yet: a late commit may still land

    clock.advance(minutes=2)
    escalations.ward_tick("Station A")
    with db.read() as session:
        block = ledger.head(session)
    assert block is not None and block.last_audit_id >= audit_id
    assert AuditService(db).verify().ok

    def refused(*_args: object, **_kwargs: object) -> int:
        raise OperationalError("INSERT INTO ledger_blocks", {}, Exception("permission denied"))

    _record(db, nurse, admission, 90)
    monkeypatch.setattr(ledger, "seal", refused)
    clock.advance(minutes=5)
    escalations.ward_tick("Station A")  # the rules still ran, and said so for this station
    assert escalations.ward_checks().last_ran_at == clock.now


def test_a_block_sealed_in_a_transaction_that_fails_is_not_in_the_chain(
    db: Database, clock: Clock, nurse: Actor, admission: int
) -> None:
    """A block is sealed in a savepoint (a race with another station costs only the block):
    it is kept or lost with its transaction, never committed on its own (on SQLite the
    savepoint had been the transaction, committed by its release)."""
    _record(db, nurse, admission, 72)
    clock.advance(minutes=3)
    with pytest.raises(RuntimeError), db.transaction() as session:
        assert ledger.seal(session, clock.now, "Station A") > 0
        raise RuntimeError("the transaction fails after the block")
    with db.read() as session:
        assert ledger.head(session) is None
    assert AuditService(db).seal("Station A") > 0
    assert AuditService(db).verify().ok
