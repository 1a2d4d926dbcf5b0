"""A database outage for the services tests: writes fail as a lost server does while ``down``
is true (reads still work, as they do from a station that lost its write path last)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from wardconsole.services.db import Database


class Outage:
    """Makes ``db``'s transactions fail with the driver's 'server closed' while ``down``."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, db: Database, *, down: bool = False
    ) -> None:
        self.down = down
        real = db.transaction

        def transaction():  # type: ignore[no-untyped-def]
            if self.down:
                raise OperationalError("connect", {}, ConnectionRefusedError("server closed"))
            return real()

        monkeypatch.setattr(db, "transaction", transaction)
