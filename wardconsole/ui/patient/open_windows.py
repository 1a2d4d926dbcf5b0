"""The open patient windows, one per admission, kept current with each census snapshot and
with every change written for their admission."""

from __future__ import annotations

from collections.abc import Iterable

from wardconsole.services.views import CensusRow, CensusSnapshot
from wardconsole.store.changes_api import Change
from wardconsole.ui.patient.charts.patient_charts import SeriesLoader
from wardconsole.ui.patient.patient_window import PatientWindow
from wardconsole.ui.tasks import TaskRunner
from wardconsole.ui.theme import Theme


class PatientWindows:
    """Owns the patient windows (plain Python references; the windows have no Qt parent).

    A closed window is only hidden, so reopening the same patient is instant; hidden windows of
    patients who have left the census are dropped on the next snapshot.
    """

    def __init__(
        self, runner: TaskRunner | None = None, load_series: SeriesLoader | None = None
    ) -> None:
        self._windows: dict[int, PatientWindow] = {}
        self._runner = runner
        self._load_series = load_series
        self._stale: set[int] = set()

    def get(self, admission_id: int) -> PatientWindow | None:
        return self._windows.get(admission_id)

    def visible(self) -> list[PatientWindow]:
        return [w for w in self._windows.values() if w.isVisible()]

    def open(self, row: CensusRow, snapshot: CensusSnapshot, theme: Theme) -> PatientWindow:
        """Show (or bring forward) the window for ``row``'s admission."""
        window = self._windows.get(row.admission_id)
        if window is None:
            window = PatientWindow(
                row,
                snapshot.taken_at,
                theme=theme,
                load_series=self._load_series,
                runner=self._runner,
            )
            self._windows[row.admission_id] = window
        else:
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
                del self._windows[admission_id]

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

    def set_theme(self, theme: Theme) -> None:
        for window in self._windows.values():
            window.set_theme(theme)

    def close_all(self) -> None:
        windows, self._windows = list(self._windows.values()), {}
        for window in windows:
            window.stop_loading()
            window.close()
