from __future__ import annotations

from dbfixtures import db_url, engine, sqlite_url  # noqa: F401 - fixtures used by tests
