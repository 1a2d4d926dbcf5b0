"""Reading a patient's chart ahead of the open: the census row a nurse has stopped on.

A nurse opens a patient from the census: arrows or the filter to the row, then Return. Once a
row has stayed selected for ``DWELL_MS``, the chart its window would read first (the range of
the preset the next window opens on, ``first_read``: the observation sets and every other entry
the chart draws) is read on the console's one ``TaskRunner`` into the chart service's keep, so
Return opens onto what was kept. The open checks it against the database like anything kept
(``services/chart_cache.py``): a correction made at another station meanwhile is read then,
never drawn stale.

The prefetch gives way to everything else on the worker: it is started only while no other task
is waiting or running there and no census read is about to be asked for (the change feed's
debounce); otherwise it is tried again after another dwell, while the row stays selected. A
newer selection supersedes a prefetch that has not started; opening a window does too (the
window's own read fills the keep). One already running finishes first on the serial worker and
the window's read, queued after it, finds its chart kept: the two never read at once. A failed
prefetch is logged and otherwise silent: the window then reads as it always has.

When a prefetch is back and its row is still selected, ``prepare`` is called on the UI thread in
the next idle moment (a zero timer): the console uses it to have a spare chart page built for
the window about to be opened (``ChartPagePool.ensure_spare``), when nothing else is asked of
the console then. After the read, not beside it: building a page while the worker reads holds
the UI thread about twice as long (both want the interpreter), and the read is short. A window
opened before it ran builds its page as it always has.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Final

from PySide6.QtCore import QObject, QTimer, Slot

from wardconsole.ui.patient.charts.first_read import opening_span, saved_preset
from wardconsole.ui.tasks import TaskHandle, TaskRunner

log = logging.getLogger(__name__)

DWELL_MS: Final = 400
"""How long a census row stays selected before its chart is read ahead. DESIGN CHOICE, not a
clinical threshold: arrowing through the census repeats a key every 30-50 ms (and a deliberate
press of an arrow takes well under 300 ms), so a row passed over is never read; a nurse who has
found her patient takes longer than this to press Return, and the read (tens of milliseconds for
the default range) is done before she does."""

ReadAhead = Callable[[int, timedelta | None], object]
"""``read_ahead(admission_id, span)``: read what a window showing the last ``span`` (None: the
whole stay) reads first into the chart service's keep (blocks; worker only)."""


class ChartPrefetch(QObject):
    """Reads ahead the chart of the selected census row (see module docstring)."""

    def __init__(
        self,
        runner: TaskRunner,
        read_ahead: ReadAhead,
        *,
        may_run: Callable[[], bool] | None = None,
        needs_read: Callable[[int], bool] | None = None,
        prepare: Callable[[], object] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``may_run()``: False while other work is about to be asked of the worker (besides
        the tasks it has). ``needs_read(admission)``: False when opening the patient reads no
        chart (their window is open or kept hidden: it is shown as it is). ``prepare()``: the
        UI thread's part of getting ready for the open, run once a prefetch is back (it
        decides itself whether the console is idle enough)."""
        super().__init__(parent)
        self._runner = runner
        self._read_ahead = read_ahead
        self._may_run = may_run or (lambda: True)
        self._needs_read = needs_read or (lambda _admission: True)
        self._wanted: int | None = None
        self._handle: TaskHandle[object] | None = None
        self._stopped = False
        self.prefetched: list[int] = []
        """Admissions read ahead, oldest first (the last few; for tests and the log)."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DWELL_MS)
        self._timer.timeout.connect(self._on_dwell)
        self._prepare = prepare
        self._prepare_for: int | None = None
        """The admission read ahead whose return may call ``prepare`` (None: none; an open
        or a newer selection clears it)."""
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(0)
        self._prepare_timer.timeout.connect(self._on_prepare)
        self.prepare_ms: list[float] = []
        """How long each ``prepare`` held the UI thread (the last few; for the bench)."""

    @property
    def pending(self) -> bool:
        """A dwell is being waited out, or a prefetch has yet to come back."""
        handle = self._handle
        in_flight = handle is not None and not handle.finished and not handle.cancelled
        return self._timer.isActive() or in_flight

    def row_selected(self, admission_id: int | None) -> None:
        """The census row now selected is ``admission_id``'s (None: no row)."""
        if self._stopped or admission_id == self._wanted:
            return
        self._wanted = admission_id
        self._prepare_for = None
        self._drop_waiting()
        if admission_id is not None:
            self._timer.start()

    def opening(self, admission_id: int) -> None:
        """A patient window is being opened: a prefetch that has not started is superseded by
        the window's own read; one running is reused (the window's read is queued after it)."""
        self._timer.stop()
        self._prepare_timer.stop()  # the window builds what it needs now
        self._prepare_for = None
        self._drop_waiting()
        self._wanted = admission_id  # the row is still selected: nothing more to read ahead

    def stop(self) -> None:
        """The census is closing: nothing more is read ahead, nothing waiting is run."""
        self._stopped = True
        self._timer.stop()
        self._prepare_timer.stop()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _drop_waiting(self) -> None:
        handle = self._handle
        if handle is not None and not handle.started:
            handle.cancel()
            self._handle = None

    @Slot()
    def _on_dwell(self) -> None:
        admission_id = self._wanted
        if self._stopped or admission_id is None:
            return
        if not self._needs_read(admission_id):
            return
        if self._runner.busy or not self._may_run():
            self._timer.start()  # the worker has other work: try again after another dwell
            return
        read = partial(self._read_ahead, admission_id, opening_span(saved_preset()))
        self._handle = self._runner.run(
            self,
            read,
            on_success=partial(self._on_read, admission_id),
            on_failure=partial(self._on_failed, admission_id),
            key="chart-prefetch",
        )
        self._prepare_for = admission_id

    @Slot()
    def _on_prepare(self) -> None:
        if self._prepare is None or self._stopped:
            return
        started = time.perf_counter()
        self._prepare()
        self.prepare_ms = [*self.prepare_ms[-7:], (time.perf_counter() - started) * 1000]

    def _on_read(self, admission_id: int, _kept: object) -> None:
        self._handle = None
        self.prefetched = [*self.prefetched[-7:], admission_id]
        if self._prepare is not None and admission_id == self._prepare_for:
            self._prepare_timer.start()
        log.debug("Chart of admission %d read ahead of its open", admission_id)

    def _on_failed(self, admission_id: int, error: BaseException) -> None:
        self._handle = None
        log.warning(
            "Reading ahead the chart of admission %d failed (%s); it is read when opened",
            admission_id,
            type(error).__name__,
        )
