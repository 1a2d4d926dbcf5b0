"""A tamper-evident record: content digests, a hash chain sealed in batches, and anchors.

Triggers refuse changes to the audit trail, but a superuser (or anyone on SQLite, with
``DROP TRIGGER`` or ``INSERT OR REPLACE``) can bypass them. So tampering is made *detectable*:

- every audit row about a clinical entry carries ``content_sha256``, a digest of the entry's
  values as stored (``CLINICAL_ENTITIES``), written in the same transaction as the entry;
- after commit, audit rows are sealed in batches into ``ledger_blocks``: each block lists its
  rows' hashes and chains to the previous block's hash (as SQL Server ledger blocks do: no
  global lock on every write; a row is unprotected only until its batch is sealed);
- the chain head is *anchored* where a station cannot write: ``ledger_anchors`` (only the
  owner role may append on PostgreSQL) and the printed signed handoff.

``verify`` walks the chain and the clinical tables and names the first row that does not
match. It detects changes and deletions of sealed audit rows and of recorded clinical entries,
rows slipped into a sealed range, and a chain rewritten since the latest anchor. It cannot
detect entries forged through the normal paths by someone holding a station's credentials,
nor changes to rows not yet sealed (the settle window) when the whole chain after the last
anchor is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import JSON, ColumnElement, Table, Text, cast, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import NullType

from wardconsole.store.models import (
    AssessmentRow,
    AuditRow,
    Base,
    LedgerAnchorRow,
    LedgerBlockRow,
    ObservationLevelRow,
    ObservationSetRow,
    PrnDoseRow,
    SafetyCheckRow,
    SymptomEntryRow,
)

CLINICAL_ENTITIES: Mapping[str, type[Base]] = {
    "observation": ObservationSetRow,
    "symptoms": SymptomEntryRow,
    "assessment": AssessmentRow,
    "prn": PrnDoseRow,
    "safety_check": SafetyCheckRow,
    "observation_level": ObservationLevelRow,
}
"""Audit entities whose rows are append-only clinical entries: their values are digested."""
DIGEST_KEY = "content_sha256"
GENESIS = "0" * 64
SETTLE = timedelta(minutes=2)
"""Rows are sealed once this old, so a transaction that took an earlier id but committed later
is never left out of a sealed range."""
BATCH = 5000


def _plain(value: Any) -> Any:
    """JSON for what ``json`` cannot write itself (times, dates, decimals)."""
    if isinstance(value, datetime):
        # The same instant reads with the connection's time zone on PostgreSQL: hash it in UTC.
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_encode = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_plain
).encode


def _sha256(data: Any) -> str:
    return hashlib.sha256(_encode(data).encode()).hexdigest()


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _raw(column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """A column read as the database stores it, without type processing: JSON as its stored
    text, times as the driver gives them. Digests then cover the stored bytes and are about
    ten times cheaper to compute than through the ORM's types."""
    if isinstance(column.type, JSON):
        return cast(column, Text)
    return type_coerce(column, NullType())


@cache
def _raw_columns(table: Table) -> tuple[ColumnElement[Any], ...]:
    return tuple(_raw(column) for column in table.columns)


def _row_digest(row: Sequence[Any]) -> str:
    return _sha256(list(row))


def table_digests(
    session: Session, entity: str, ids: Sequence[int] | None = None
) -> dict[int, str]:
    """Entry id -> digest of its stored values, for ``ids`` or (None) the whole table."""
    table = _table(CLINICAL_ENTITIES[entity])
    columns = _raw_columns(table)
    at_id = [column.name for column in table.columns].index("id")
    if ids is None or len(ids) > 20_000:  # most of the table: one scan beats many IN lists
        queries = [select(*columns)]
    else:
        queries = [
            select(*columns).where(table.c.id.in_(ids[chunk : chunk + 5000]))
            for chunk in range(0, len(ids), 5000)
        ]
    wanted = None if ids is None else set(ids)
    digests: dict[int, str] = {}
    for query in queries:
        for found in session.execute(query):
            entry_id = int(found[at_id])
            if wanted is None or entry_id in wanted:
                digests[entry_id] = _row_digest(found)
    return digests


def content_digest(session: Session, entity: str, entity_id: int | None) -> str | None:
    """The digest of a clinical entry's stored values (None for other entities)."""
    model = CLINICAL_ENTITIES.get(entity)
    if model is None or entity_id is None:
        return None
    session.flush()
    table = _table(model)
    row = session.execute(select(*_raw_columns(table)).where(table.c.id == entity_id)).first()
    return None if row is None else _row_digest(row)


AUDIT_COLUMNS = tuple(
    _raw(column).label(column.key)
    for column in (
        AuditRow.id,
        AuditRow.at,
        AuditRow.staff_id,
        AuditRow.station,
        AuditRow.action,
        AuditRow.entity,
        AuditRow.entity_id,
        AuditRow.detail,
    )
)
"""Every column of ``audit_log`` as stored, in the order they are hashed."""
_DIGEST_IN_DETAIL = re.compile(rf'"{DIGEST_KEY}"\s*:\s*"([0-9a-f]{{64}})"')


def row_hash(row: Sequence[Any]) -> str:
    """The hash of one audit row (a tuple of ``AUDIT_COLUMNS``), every column included."""
    return _sha256(list(row))


def _block_hash(block: LedgerBlockRow) -> str:
    return _sha256(
        [
            block.previous_hash,
            block.first_audit_id,
            block.last_audit_id,
            block.row_count,
            block.rows_digest,
            block.sealed_at,
            block.station,
        ]
    )


def _rows_digest(hashes: Iterable[str]) -> str:
    return hashlib.sha256("".join(hashes).encode()).hexdigest()


def head(session: Session) -> LedgerBlockRow | None:
    return session.scalar(select(LedgerBlockRow).order_by(LedgerBlockRow.id.desc()).limit(1))


def seal(session: Session, now: datetime, station: str, *, settle: timedelta = SETTLE) -> int:
    """Seal the next batch of settled audit rows into a block; return how many rows. Two
    stations sealing at once cannot fork the chain (``previous_hash`` is unique): the loser
    seals nothing."""
    last = head(session)
    after = last.last_audit_id if last is not None else 0
    rows = session.execute(
        select(*AUDIT_COLUMNS)
        .where(AuditRow.id > after, AuditRow.at <= now - settle)
        .order_by(AuditRow.id)
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    hashes = [row_hash(row) for row in rows]
    block = LedgerBlockRow(
        first_audit_id=rows[0].id,
        last_audit_id=rows[-1].id,
        row_count=len(rows),
        row_hashes=json.dumps([[row.id, h[:16]] for row, h in zip(rows, hashes, strict=True)]),
        rows_digest=_rows_digest(hashes),
        previous_hash=last.block_hash if last is not None else GENESIS,
        block_hash="",
        sealed_at=now,
        station=station[:64],
    )
    block.block_hash = _block_hash(block)
    try:
        with session.begin_nested():
            session.add(block)
    except IntegrityError:
        return 0
    return len(rows)


def append_anchor(session: Session, now: datetime, by: str) -> LedgerAnchorRow | None:
    """Copy the chain head into the anchors (None when nothing is sealed yet)."""
    last = head(session)
    if last is None:
        return None
    anchor = LedgerAnchorRow(
        block_id=last.id, block_hash=last.block_hash, anchored_at=now, anchored_by=by[:128]
    )
    session.add(anchor)
    session.flush()
    return anchor


def latest_anchor(session: Session) -> LedgerAnchorRow | None:
    return session.scalar(select(LedgerAnchorRow).order_by(LedgerAnchorRow.id.desc()).limit(1))


@dataclass
class Verification:
    """What ``verify`` found. ``problems`` are in record order; the first is named first."""

    blocks: int = 0
    audit_rows: int = 0
    clinical_rows: int = 0
    unsealed_rows: int = 0
    anchor: LedgerAnchorRow | None = None
    at: datetime | None = None
    """When the check ran (set by the service)."""
    found: list[tuple[int, str]] = field(default_factory=list)
    """(audit row id the problem is about, or 0 for the chain itself; message)."""

    def add(self, audit_id: int, message: str) -> None:
        self.found.append((audit_id, message))

    @property
    def problems(self) -> list[str]:
        """Every problem, the chain's own first, then by audit row (the first bad row first)."""
        return [message for _, message in sorted(self.found, key=lambda item: item[0])]

    @property
    def ok(self) -> bool:
        return not self.found

    def details(self) -> str:
        """What was checked, for a record that verified."""
        anchored = "no anchor yet"
        if self.anchor is not None:
            at = f"{self.anchor.anchored_at:%Y-%m-%d %H:%M} UTC"
            anchored = f"head anchored at block {self.anchor.block_id} ({at})"
        return (
            f"{self.blocks} sealed blocks, {self.audit_rows} audit rows and "
            f"{self.clinical_rows} clinical entries match; {self.unsealed_rows} rows not sealed "
            f"yet; {anchored}"
        )

    def summary(self) -> str:
        if self.ok:
            return f"Record verified: {self.details()}."
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"RECORD VERIFICATION FAILED: {self.problems[0]}{more}."


def verify(  # noqa: C901 - one walk of the chain; every check reports into the same result
    session: Session, *, since_anchor: bool = False
) -> Verification:
    """Walk the chain (from the latest anchor when ``since_anchor``) and the clinical entries
    the walked audit rows recorded; report every row that does not match."""
    result = Verification(anchor=latest_anchor(session))
    blocks_query = select(LedgerBlockRow).order_by(LedgerBlockRow.id)
    previous = GENESIS
    if since_anchor and result.anchor is not None:
        anchored = session.get(LedgerBlockRow, result.anchor.block_id)
        if anchored is None or _block_hash(anchored) != result.anchor.block_hash:
            result.add(
                0,
                f"ledger block {result.anchor.block_id} no longer matches the anchor of "
                f"{result.anchor.anchored_at:%Y-%m-%d %H:%M} UTC (the chain was rewritten)",
            )
            return result
        blocks_query = blocks_query.where(LedgerBlockRow.id > anchored.id)
        previous = anchored.block_hash
    blocks = session.scalars(blocks_query).all()
    start = blocks[0].first_audit_id if blocks else None
    audit = {
        row.id: row
        for row in session.execute(
            select(*AUDIT_COLUMNS)
            .where(AuditRow.id >= (start if start is not None else 0))
            .order_by(AuditRow.id)
        )
    }
    sealed_ids: set[int] = set()
    anchor_seen = result.anchor is None or since_anchor
    for block in blocks:
        result.blocks += 1
        if block.previous_hash != previous:
            result.add(0, f"ledger block {block.id} does not follow the block before it")
        if _block_hash(block) != block.block_hash:
            result.add(0, f"ledger block {block.id} was altered")
        listed = [(int(i), str(h)) for i, h in json.loads(block.row_hashes)]
        full = []
        for audit_id, short in listed:
            sealed_ids.add(audit_id)
            row = audit.get(audit_id)
            if row is None:
                result.add(audit_id, f"audit row {audit_id} was deleted after it was sealed")
                continue
            digest = row_hash(row)
            full.append(digest)
            if digest[:16] != short:
                result.add(audit_id, f"audit row {audit_id} was changed after it was sealed")
        if len(full) == len(listed) and _rows_digest(full) != block.rows_digest:
            result.add(block.first_audit_id, f"ledger block {block.id} does not match its rows")
        for audit_id in audit:
            if block.first_audit_id <= audit_id <= block.last_audit_id and (
                audit_id not in sealed_ids
            ):
                result.add(
                    audit_id,
                    f"audit row {audit_id} was added inside a sealed range (block {block.id})",
                )
        result.audit_rows += len(listed)
        if result.anchor is not None and block.id == result.anchor.block_id:
            anchor_seen = True
            if block.block_hash != result.anchor.block_hash:
                result.add(
                    0,
                    f"ledger block {block.id} does not match the anchor of "
                    f"{result.anchor.anchored_at:%Y-%m-%d %H:%M} UTC (the chain was rewritten)",
                )
        previous = block.block_hash
    if not anchor_seen and result.anchor is not None:
        result.add(0, f"the anchored block {result.anchor.block_id} is missing (the chain was cut)")
    result.unsealed_rows = sum(1 for audit_id in audit if audit_id not in sealed_ids)
    _verify_clinical(session, audit.values(), result)
    return result


def _verify_clinical(session: Session, rows: Iterable[Any], result: Verification) -> None:
    wanted: dict[str, list[tuple[int, int, str]]] = {}
    for row in rows:
        if row.entity not in CLINICAL_ENTITIES or row.entity_id is None or not row.detail:
            continue
        found = _DIGEST_IN_DETAIL.search(row.detail)
        if found:
            wanted.setdefault(row.entity, []).append((row.id, row.entity_id, found.group(1)))
    for entity, items in wanted.items():
        table = _table(CLINICAL_ENTITIES[entity])
        stored = table_digests(session, entity, sorted({entity_id for _, entity_id, _ in items}))
        for audit_id, entity_id, digest in items:
            result.clinical_rows += 1
            now = stored.get(entity_id)
            if now is None:
                result.add(
                    audit_id, f"{table.name} row {entity_id} (audit row {audit_id}) was deleted"
                )
            elif now != digest:
                result.add(
                    audit_id,
                    f"{table.name} row {entity_id} (audit row {audit_id}) was changed since it "
                    "was recorded",
                )
