"""``column IN (ids)`` bound as one list: an array on PostgreSQL, expanded on SQLite.

A census reads every admitted patient's rows with statements bound by the ward's admission
ids. Expanded on PostgreSQL (``IN (%(ids_1)s::INTEGER, …)``, one parameter per patient), each
such statement is rendered again on every refresh and, past 50 parameters, re-parsed by the
driver on every execution: a third of a station's refresh went to that at 60 patients. Bound
as one array (``= ANY(%(ids)s::INTEGER[])``) its text is the same whatever the ward's size,
so the driver and the server keep it prepared. SQLite has no arrays: there it stays ``IN``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ARRAY, Boolean, Integer, any_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class AmongIds(ColumnElement[bool]):
    """``column`` is one of the integer ids bound as ``name`` (a list) at execution."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True
    """A condition in itself (as ``IN`` is): SQLite is not given ``(…) = 1``."""
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own form: what caches key it by)
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: Any, name: str) -> None:
        self.column = coercions.expect(roles.ExpressionElementRole, column)
        self.name = name

    @property
    def _from_objects(self) -> list[Any]:
        return list(self.column._from_objects)


def among_ids(column: Any, name: str) -> AmongIds:
    """``column IN (:name)`` where ``name`` is bound to a list of integer ids."""
    return AmongIds(column, name)


@compiles(AmongIds)
def _expanded(element: AmongIds, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw))


@compiles(AmongIds, "postgresql")
def _as_array(element: AmongIds, compiler: Any, **kw: Any) -> str:
    ids = bindparam(element.name, type_=ARRAY(Integer))
    return str(compiler.process(element.column == any_(ids), **kw))


Window = TypeVar("Window")


def padded(windows: Sequence[Window]) -> list[Window]:
    """``windows`` (one bound range per patient of an ``OR``) with the last one repeated up to
    the next power of two: a statement built per number of windows is then built and compiled
    for a few numbers only, however many patients a refresh reads (a census that reads again
    only the patients the change feed names reads a different number each time). A range
    repeated in an ``OR`` selects nothing more."""
    if not windows:
        return []
    size = 1 << (len(windows) - 1).bit_length()
    return [*windows, *[windows[-1]] * (size - len(windows))]
