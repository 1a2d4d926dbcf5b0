"""The open patient windows, one per admission, kept current with each census snapshot and
with every change written for their admission."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from wardconsole.domain.changes import Change
from wardconsole.services.views import CensusRow, CensusSnapshot
from wardconsole.ui.patient.charts.page_pool import ChartPagePool
from wardconsole.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the window and its charts (pyqtgraph) load with the first patient opened
    from wardconsole.ui.patient.charts.patient_charts import SeriesLoader
    from wardconsole.ui.patient.patient_window import PatientWindow


class PatientWindows:
    """Owns the patient windows (plain Python references; the windows have no Qt parent).

    A closed window is only hidden, so reopening the same patient is instant; hidden windows of
    patients who have left the census are dropped on the next snapshot, and beyond
    ``KEEP_HIDDEN`` the least recently opened hidden ones are dropped too. A dropped window's
    chart page goes to ``pages``, so the next patient's window does not build one.
    """

    KEEP_HIDDEN = 3

    def __init__(self, runner: TaskRunner, load_series: SeriesLoader) -> None:
        self._windows: dict[int, PatientWindow] = {}
        self._runner = runner
        self._load_series = load_series
        self._stale: set[int] = set()
        self.pages = ChartPagePool()

    def get(self, admission_id: int) -> PatientWindow | None:
        return self._windows.get(admission_id)

    def visible(self) -> list[PatientWindow]:
        return [w for w in self._windows.values() if w.isVisible()]

    def open(self, row: CensusRow, snapshot: CensusSnapshot) -> PatientWindow:
        """Show (or bring forward) the window for ``row``'s admission."""
        window = self._windows.pop(row.admission_id, None)
        if window is None:
            from wardconsole.ui.patient.patient_window import PatientWindow

            self._drop_hidden(keep=self.KEEP_HIDDEN)
            window = PatientWindow(
                row,
                snapshot.taken_at,
                load_series=self._load_series,
                runner=self._runner,
                pages=self.pages,
            )
            self._windows[row.admission_id] = window
        else:
            self._windows[row.admission_id] = window  # now the most recently opened
            window.set_row(row, snapshot.taken_at)
            if row.admission_id in self._stale:
                self._stale.discard(row.admission_id)
                window.data_changed()
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def update(self, snapshot: CensusSnapshot) -> None:
        rows = {row.admission_id: row for row in snapshot.rows}
        for admission_id, window in list(self._windows.items()):
            row = rows.get(admission_id)
            if row is not None:
                window.set_row(row, snapshot.taken_at)
            elif window.isVisible():
                window.set_discharged()
            else:
                self._drop(admission_id)

    def apply_changes(self, changes: Iterable[Change]) -> None:
        """Changes written anywhere on the ward: each shown window re-reads its charts once;
        a hidden one does so when it is opened again."""
        touched = {c.admission_id for c in changes if c.admission_id is not None}
        for admission_id in touched & set(self._windows):
            window = self._windows[admission_id]
            if window.isVisible():
                window.data_changed()
            else:
                self._stale.add(admission_id)

    def close_all(self) -> None:
        windows, self._windows = list(self._windows.values()), {}
        for window in windows:
            window.stop_loading()
            window.close()

    def _drop_hidden(self, keep: int) -> None:
        """Drop the least recently opened hidden windows beyond ``keep``."""
        hidden = [key for key, window in self._windows.items() if not window.isVisible()]
        for admission_id in hidden[: max(0, len(hidden) - keep)]:
            self._drop(admission_id)

    def _drop(self, admission_id: int) -> None:
        window = self._windows.pop(admission_id)
        self._stale.discard(admission_id)
        window.release_charts()
