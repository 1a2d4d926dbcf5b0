"""Save exactly once: a save key, a receipt, and the earlier result on a retry.

A bedside dialog makes a ``save_key`` before its first try and reuses it on every retry (a lost
connection, a replay of the station's queue). The entry and a receipt for the key are written in
one transaction, so a retry whose first try committed finds the receipt and hands back that
try's result instead of writing the entry twice. Two tries racing each other meet on the
receipt's unique key: the loser rolls back and reads the winner's result.

Every idempotent save (rounds, PRN doses, safety checks) goes through ``save_exactly_once``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wardconsole.services.context import Actor, ConflictError, InvalidInput
from wardconsole.services.db import Database
from wardconsole.store import receipts
from wardconsole.store.receipts import Receipt

T = TypeVar("T")

MAX_SAVE_KEY = 64


def save_key_problem(save_key: str | None) -> str | None:
    """Why ``save_key`` cannot be used (None when it can, or when there is none)."""
    if save_key is not None and not 0 < len(save_key.strip()) <= MAX_SAVE_KEY:
        return f"save_key: 1–{MAX_SAVE_KEY} characters, made once per save"
    return None


def check_save_key(save_key: str | None) -> None:
    """Refuse an unusable save key before anything is written."""
    if problem := save_key_problem(save_key):
        raise InvalidInput({"save_key": problem})


def save_exactly_once(
    db: Database,
    actor: Actor,
    *,
    save_key: str | None,
    kind: str,
    admission_id: int,
    now: datetime,
    write: Callable[[Session], tuple[T, Mapping[str, Any]]],
    earlier: Callable[[Session, Receipt], T],
) -> T:
    """Run ``write`` and the receipt for ``save_key`` in one transaction, or return the result
    of the try that already committed under that key.

    ``write(session)`` writes the entry and returns ``(result, entries)``: ``entries`` (the row
    ids written) is kept on the receipt, and ``earlier(session, receipt)`` rebuilds the result
    from it. ``kind`` names the save on the receipt (``round``, ``prn``, ``check``); a key
    already used by another kind of save or another admission is refused. Without a save key
    the entry is simply written.
    """
    try:
        with db.transaction() as session:
            if save_key is None or receipts.find_receipt(session, save_key) is None:
                result, entries = write(session)
                if save_key is not None:
                    receipts.add_receipt(
                        session,
                        save_key=save_key,
                        admission_id=admission_id,
                        kind=kind,
                        entries=entries,
                        at=now,
                        staff_id=actor.staff_id,
                        station=actor.station,
                    )
                return result
    except IntegrityError:
        # Two tries of one save racing: the other one may have committed first.
        found = _earlier(db, save_key, kind, admission_id, earlier) if save_key else None
        if found is None:
            raise
        return found
    assert save_key is not None
    found = _earlier(db, save_key, kind, admission_id, earlier)
    assert found is not None  # receipts are never deleted
    return found


def _earlier(
    db: Database,
    save_key: str,
    kind: str,
    admission_id: int,
    earlier: Callable[[Session, Receipt], T],
) -> T | None:
    """The result of an earlier, committed try of the save ``save_key``."""
    with db.read() as session:
        receipt = receipts.find_receipt(session, save_key)
        if receipt is None:
            return None
        if receipt.admission_id != admission_id or receipt.kind != kind:
            raise ConflictError("this save key belongs to another save; start a new entry")
        return earlier(session, receipt)
