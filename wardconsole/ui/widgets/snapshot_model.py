"""The shared base of the read-only tables: rows of immutable snapshots under a column spec.

A table over a list of snapshots writes the same Qt plumbing every time: row and column
counts (0 under a valid parent), the horizontal header, read-only flags, the guard against a
row that is gone, a role that hands back the whole snapshot behind any cell, and a reset when a
new list arrives. ``SnapshotTableModel`` writes it once; a model names its ``headers`` (the
column spec) and its ``row_role``, and says in ``cell`` what a cell shows for a role. Models
that update cells in place (the census, the round, the escalation board) keep their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

IndexLike = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")


class SnapshotTableModel(QAbstractTableModel, Generic[Row]):
    """Read-only rows of ``Row`` snapshots, one column per entry of ``headers``."""

    headers: ClassVar[Sequence[str]] = ()
    """The column titles, in column order."""

    row_role: ClassVar[int | None] = None
    """The role whose data is the snapshot behind any cell (None: no such role)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Row, ...] = ()

    # -- the rows ------------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[Row]) -> None:
        """Show these rows instead (a reset: views keep no stale row)."""
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    @property
    def rows(self) -> tuple[Row, ...]:
        return self._rows

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def cell(self, row: Row, column: int, role: int) -> Any:
        """What the cell at ``column`` of ``row`` shows for ``role`` (None: nothing)."""
        raise NotImplementedError

    # -- Qt model interface ---------------------------------------------------------------------

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if self.row_role is not None and role == self.row_role:
            return row
        return self.cell(row, index.column(), role)

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None
