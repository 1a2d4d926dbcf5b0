"""Counting the SQL statements a use case sends (a screen's cost must not grow with the ward)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event


def statements_during(engine: Engine, action: Callable[[], Any]) -> list[str]:
    """The statements ``engine`` executed while ``action`` ran, in order."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen
