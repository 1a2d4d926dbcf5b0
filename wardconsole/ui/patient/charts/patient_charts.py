"""One patient's trend charts: presets, pan/zoom, crosshair read-out, table, export, print.

Loading: the observation sets of the range on screen (plus a margin) are read on the
``TaskRunner``, never on the UI thread. A range or preset that needs sets not loaded yet asks
for them; a newer request cancels one still pending. Whatever is not loaded yet is hatched and
labelled, so it can never be mistaken for a gap. ``reload()`` (a change for this admission
arrived) re-reads the same range up to now; a view that follows the present moves with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QPointF, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from wardconsole.services.charts import PatientSeries
from wardconsole.ui import formatting as fmt
from wardconsole.ui.patient.charts import export
from wardconsole.ui.patient.charts.first_read import (
    PRESET_KEY,
    first_request,
    saved_preset,
)
from wardconsole.ui.patient.charts.medicines_page import MedicinesPage
from wardconsole.ui.patient.charts.page_pool import ChartPagePool
from wardconsole.ui.patient.charts.pages import (
    ChartPage,
    VitalsPage,
    WithdrawalPage,
    describe_value,
    overlay_spans,
    sparse,
)
from wardconsole.ui.patient.charts.palette import chart_palette
from wardconsole.ui.patient.charts.physical_page import PhysicalPage
from wardconsole.ui.patient.charts.readout import Readout, readout_at
from wardconsole.ui.patient.charts.table_models import ObservationTableModel, TimelineTableModel
from wardconsole.ui.patient.charts.tables import ChartTables
from wardconsole.ui.patient.charts.toolbar import ChartToolbar, Page, Preset
from wardconsole.ui.tasks import TaskHandle, TaskRunner
from wardconsole.ui.theme import Theme, theme_state

log = logging.getLogger(__name__)

_LaterPage = WithdrawalPage | PhysicalPage | MedicinesPage
"""The pages built on first use."""
_Page = TypeVar("_Page", WithdrawalPage, PhysicalPage, MedicinesPage)

SeriesLoader = Callable[..., PatientSeries]
"""``load(admission_id, *, start, end, last)``: blocks on the database (worker thread only)."""

RIGHT_PAD = 0.02
"""Room after 'now' at the right edge, as a share of the range, so the last value shows."""
RANGE_LOAD_DELAY_MS = 150
"""A pan or zoom asks for more data only once it has paused this long."""


class PatientCharts(QWidget):
    """The chart area of a patient window (see module docstring)."""

    readout_changed = Signal(object)
    """The crosshair read-out changed (a ``Readout``)."""

    range_changed = Signal(float, float)
    """The visible time range changed (epoch seconds)."""

    series_changed = Signal(object)
    """A newly loaded ``PatientSeries`` is on screen."""

    def __init__(
        self,
        admission_id: int,
        load_series: SeriesLoader,
        runner: TaskRunner,
        *,
        pages: ChartPagePool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PatientCharts")
        self._pages_pool = pages
        self._mouse_slots: dict[int, partial[None]] = {}
        self._admission_id = admission_id
        self._load_series = load_series
        self._runner = runner
        self._palette = chart_palette(theme_state().theme)
        self._series: PatientSeries | None = None
        self._handle: TaskHandle | None = None
        self._request: dict[str, Any] | None = None
        self._preset = saved_preset()
        self._following = True
        self._cursor: float | None = None
        self._caption = ""
        self._closed = False
        self._setting_range = False
        self.toolbar = ChartToolbar()
        # Ask first: the worker reads while the plots are being built.
        self._request_load(**self._first_request())

        self.vitals = pages.take(self._palette) if pages is not None else VitalsPage(self._palette)
        self.withdrawal: WithdrawalPage | None = None
        """Built the first time it is shown: most visits only need the vitals."""
        self.physical: PhysicalPage | None = None
        """The food and fluid chart; built the first time it is shown, like the withdrawal."""
        self.medicines: MedicinesPage | None = None
        """The medicines dependency watch; built the first time it is shown."""
        self._selected_items: tuple[str, ...] | None = None
        self._page = Page.VITALS
        self._tables: ChartTables | None = None
        self._range_timer = QTimer(self)
        self._range_timer.setSingleShot(True)
        self._range_timer.setInterval(RANGE_LOAD_DELAY_MS)

        self._stack = QStackedWidget()
        # Until the first read arrives a plain message stands in for the (empty) plots.
        self._waiting = QLabel("Loading the charts…")
        self._waiting.setObjectName("charts_waiting")
        self._waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack.addWidget(self._waiting)
        self._stack.addWidget(self.vitals.widget)
        theme_state().changed.connect(self._recolour)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.toolbar)
        layout.addWidget(self._stack, 1)
        self._connect_signals()
        self.toolbar.show_preset(self._preset)
        self.toolbar.show_page(Page.VITALS)

    # -- building -------------------------------------------------------------------------

    def _connect_signals(self) -> None:
        self.toolbar.preset_requested.connect(self._on_preset_requested)
        self.toolbar.page_requested.connect(self._on_page_requested)
        self.toolbar.items_changed.connect(self._on_items_changed)
        self.toolbar.export_requested.connect(self._on_export_requested)
        self.toolbar.print_requested.connect(self._on_print_requested)
        self._range_timer.timeout.connect(self._on_range_settled)
        self.vitals.master.sigXRangeChanged.connect(self._on_x_range_changed)
        self._connect_page(self.vitals)

    def _connect_page(self, page: ChartPage) -> None:
        slot = partial(self._on_mouse_moved, page)
        self._mouse_slots[id(page)] = slot
        page.widget.scene().sigMouseMoved.connect(slot)
        for plot in page.plots:
            plot.vb.sigRangeChangedManually.connect(self._on_range_changed_by_hand)

    def withdrawal_page(self) -> WithdrawalPage:
        """The withdrawal page, built on first use and kept in step with the vitals."""
        if self.withdrawal is None:
            self.withdrawal = self._attach(WithdrawalPage(self._palette))
            self._catch_up(self.withdrawal)
        return self.withdrawal

    def physical_page(self) -> PhysicalPage:
        """The Physical care page, built on first use and kept in step with the vitals."""
        if self.physical is None:
            self.physical = self._attach(PhysicalPage(self._palette))
            self._catch_up(self.physical)
        return self.physical

    def medicines_page(self) -> MedicinesPage:
        """The Medicines page, built on first use and kept in step with the vitals."""
        if self.medicines is None:
            self.medicines = self._attach(MedicinesPage(self._palette))
            self._catch_up(self.medicines)
        return self.medicines

    def _attach(self, page: _Page) -> _Page:
        """A page built on first use: on the vitals' range and moving with it, under the mouse."""
        # Take the shown range first: linking a view that still auto-ranges would make the
        # vitals follow it instead.
        page.master.setXRange(*self.view_range(), padding=0)
        page.master.setXLink(self.vitals.master)
        self._connect_page(page)
        self._stack.addWidget(page.widget)
        return page

    @property
    def tables(self) -> ChartTables:
        """The table page, built the first time it is asked for (most visits only draw)."""
        if self._tables is None:
            self._tables = ChartTables()
            self._stack.addWidget(self._tables)
            if self._series is not None:
                self._tables.set_series(self._series)
        return self._tables

    @property
    def observation_model(self) -> ObservationTableModel:
        return self.tables.observation_model

    @property
    def timeline_model(self) -> TimelineTableModel:
        return self.tables.timeline_model

    def _catch_up(self, page: _LaterPage) -> None:
        """A page built after the series arrived gets it, the crosshair and the range's look."""
        series = self._series
        if series is None:
            return
        self._feed(page, series)
        page.set_crosshair(self._cursor)
        self._after_range_change()

    def _feed(self, page: _LaterPage | None, series: PatientSeries) -> None:
        """A built page gets the series, the stay's limits and the overlays."""
        if page is None:
            return
        page.set_series(series)
        if isinstance(page, WithdrawalPage):
            page.select_items(self.selected_items)
        stay_end = series.discharged_at or series.as_of
        page.set_limits(series.admitted_at - 7200, stay_end + 7200)
        page.set_overlays(overlay_spans(series))

    def _pages(self) -> list[VitalsPage | WithdrawalPage | PhysicalPage | MedicinesPage]:
        pages = (self.vitals, self.withdrawal, self.physical, self.medicines)
        return [page for page in pages if page is not None]

    @property
    def selected_items(self) -> tuple[str, ...]:
        """Withdrawal chart items drawn (and read out); by default the grouped ones."""
        if self._selected_items is not None:
            return self._selected_items
        if self._series is None:
            return ()
        return tuple(item.key for item in self._series.chart_items if item.group)

    # -- public ---------------------------------------------------------------------------

    @property
    def admission_id(self) -> int:
        return self._admission_id

    @property
    def series(self) -> PatientSeries | None:
        return self._series

    @property
    def preset(self) -> Preset:
        return self._preset

    @property
    def loading(self) -> bool:
        return self._handle is not None and not self._handle.finished and not self._handle.cancelled

    @property
    def following(self) -> bool:
        """True while the view keeps the present moment at its right edge."""
        return self._following

    def page(self) -> Page:
        return self._page

    def set_page(self, page: Page) -> None:
        self._on_page_requested(page)

    def set_caption(self, caption: str) -> None:
        """Who the chart is about, written on exports and printouts."""
        self._caption = caption

    def set_preset(self, preset: Preset) -> None:
        self._on_preset_requested(preset)

    def view_range(self) -> tuple[float, float]:
        (start, end), _y = self.vitals.master.viewRange()
        return float(start), float(end)

    def set_view_range(self, start: float, end: float) -> None:
        """Show [start, end] (epoch seconds) as a pan or zoom by hand would."""
        self._following = False
        self.vitals.master.setXRange(start, end, padding=0)

    def reload(self) -> None:
        """Re-read what is loaded, up to now (a change for this admission arrived)."""
        if self._closed:
            return
        if self._series is None:
            self._request_load(**(self._request or self._first_request()))
            return
        series = self._series
        stay_end = series.discharged_at or series.as_of
        start = None if series.loaded_from <= series.admitted_at else series.loaded_from
        end = None if series.loaded_to >= stay_end - 1 else series.loaded_to
        self._request_load(start=_dt(start), end=_dt(end))

    def set_cursor_time(self, at: float | None) -> Readout | None:
        """Put the crosshair at ``at`` (epoch seconds) and read every track there."""
        self._cursor = at
        for page in self._pages():
            page.set_crosshair(at)
        return self._emit_readout()

    def readout(self) -> Readout | None:
        if self._series is None:
            return None
        at = self._cursor if self._cursor is not None else self._series.as_of
        return readout_at(self._series, at, self.selected_items)

    def select_items(self, keys: tuple[str, ...]) -> None:
        """Show these withdrawal-chart items (by key) on the items plot."""
        self._selected_items = tuple(keys)
        self.toolbar.tick_items(keys)
        if self.withdrawal is not None:
            self.withdrawal.select_items(self.selected_items)
        self._emit_readout()

    def _recolour(self, theme: Theme) -> None:
        """The theme state changed: every page built so far takes the new pens."""
        self._palette = chart_palette(theme)
        for page in self._pages():
            page.apply_palette(self._palette)
            page.events.apply_palette(self._palette)

    def render_image(self) -> QImage:
        """The chart (or table) as on screen, with the caption line above it."""
        page = self._stack.currentWidget()
        if page is None:
            raise RuntimeError("the chart window shows no page")
        view = page.grab()  # the page on screen, as it is
        return export.compose(
            view, self._caption_text(), self._palette.background, self._palette.foreground
        )

    def export_png(self, path: Path) -> Path:
        # PySide6's stub asks for bytes here, but the binding accepts only str.
        if not self.render_image().save(str(path), "PNG"):  # type: ignore[call-overload]
            raise OSError(f"could not write {path}")
        return path

    def print_to(self, printer: QPrinter) -> None:
        export.print_image(self.render_image(), printer)

    def close_charts(self) -> None:
        """Stop loading; the window is going away (results still in flight are dropped)."""
        self._closed = True
        self._range_timer.stop()
        if self._handle is not None:
            self._handle.cancel()

    def release_pages(self) -> None:
        """The window is dropped: give the vitals page back to the pool for the next window,
        emptied and cut loose from this one (these charts show nothing after this)."""
        self.close_charts()
        pool, self._pages_pool = self._pages_pool, None
        if pool is None:
            return
        page = self.vitals
        for other in (self.withdrawal, self.physical, self.medicines):
            if other is not None:
                other.master.setXLink(None)
        page.master.sigXRangeChanged.disconnect(self._on_x_range_changed)
        page.widget.scene().sigMouseMoved.disconnect(self._mouse_slots.pop(id(page)))
        for plot in page.plots:
            plot.vb.sigRangeChangedManually.disconnect(self._on_range_changed_by_hand)
        page.clear()
        self._stack.removeWidget(page.widget)
        page.widget.setParent(None)
        pool.give_back(page)

    # -- loading --------------------------------------------------------------------------

    def _first_request(self) -> dict[str, Any]:
        return first_request(self._preset)

    def _request_load(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        last: timedelta | None = None,
    ) -> None:
        if self._closed:
            return
        if self._handle is not None and not self._handle.finished:
            self._handle.cancel()  # superseded: its result would be out of date
        self._request = {"start": start, "end": end, "last": last}
        load = partial(self._load_series, self._admission_id, start=start, end=end, last=last)
        self._handle = self._runner.run(
            self,
            load,
            on_success=self._on_series_loaded,
            on_failure=self._on_series_failed,
            key=f"patient-chart:{self._admission_id}",
        )
        self.toolbar.set_status("Loading…", "neutral")

    def _pending_covers(self, wanted: dict[str, Any]) -> bool:
        """Whether the pending first read (``last`` so long, or everything) covers ``wanted``."""
        pending = self._request or {}
        if pending.get("start") is not None or pending.get("end") is not None:
            return False
        have, need = pending.get("last"), wanted.get("last")
        return have is None or (need is not None and have >= need)

    def _ensure_loaded(self, start: float, end: float) -> None:
        series = self._series
        if series is None or series.covers(start, end):
            return
        width = max(end - start, 3600.0)
        stay_end = series.discharged_at or series.as_of
        low = max(start - width, series.admitted_at)
        high = end + width
        self._request_load(
            start=None if low <= series.admitted_at else _dt(low),
            end=None if high >= stay_end else _dt(high),
        )

    def _on_series_loaded(self, series: PatientSeries) -> None:
        if self._closed:
            return
        self._handle = None
        self._series = series
        self._setting_range = True
        try:
            self.vitals.set_series(series, describe_value)
            self.toolbar.set_items(series.chart_items, self.selected_items)
            stay_end = series.discharged_at or series.as_of
            self.vitals.set_limits(series.admitted_at - 7200, stay_end + 7200)
            self.vitals.set_overlays(overlay_spans(series))
            for page in (self.withdrawal, self.physical, self.medicines):
                self._feed(page, series)
            if self._tables is not None:
                self._tables.set_series(series)
            self._show_page()
            if self._following:
                self._apply_preset_range()
        finally:
            self._setting_range = False
        self._after_range_change()
        self.toolbar.set_status(
            f"As of {fmt.local_time_text(_dt(series.as_of), seconds=False)}", "muted"
        )
        self.series_changed.emit(series)
        self._emit_readout()
        if not self._following:
            self._ensure_loaded(*self.view_range())

    def _on_series_failed(self, error: BaseException) -> None:
        self._handle = None
        log.warning("Loading the charts failed: %s", type(error).__name__)
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        self.toolbar.set_status(f"Charts not updated: {text}", "alert")
        if self._series is None:
            self._waiting.setText(
                f"The charts could not be read: {text}\nThey load as soon as the database answers."
            )

    # -- ranges ---------------------------------------------------------------------------

    def _preset_range(self, series: PatientSeries) -> tuple[float, float]:
        stay_end = series.discharged_at or series.as_of
        if self._preset is Preset.STAY:
            start = series.admitted_at
        elif self._preset is Preset.SHIFT:
            start = max(series.shift_started_at, series.admitted_at)
        else:
            span = self._preset.span
            assert span is not None
            start = stay_end - span.total_seconds()
        width = max(stay_end - start, 1800.0)
        return start - width * 0.01, stay_end + width * RIGHT_PAD

    def _apply_preset_range(self) -> None:
        if self._series is None:
            return
        start, end = self._preset_range(self._series)
        self._setting_range = True
        try:
            self.vitals.master.setXRange(start, end, padding=0)
        finally:
            self._setting_range = False
        self._after_range_change()
        self._ensure_loaded(start, end)

    def _after_range_change(self) -> None:
        series = self._series
        if series is None:
            return
        start, end = self.view_range()
        for page in self._pages():
            is_sparse = sparse(page.visible_points(series, start, end))
            for plot in page.plots:
                plot.set_sparse(is_sparse)
        if self.page() is Page.TABLE:
            self._update_tables(start, end)
        self.range_changed.emit(start, end)

    def _update_tables(self, start: float, end: float) -> None:
        self.tables.show_range(self._series, start, end)

    def _emit_readout(self) -> Readout | None:
        readout = self.readout()
        if readout is not None:
            self.readout_changed.emit(readout)
        return readout

    def _caption_text(self) -> str:
        start, end = self.view_range()
        shown = f"{fmt.local_datetime_text(_dt(start))} – {fmt.local_datetime_text(_dt(end))}"
        made = fmt.local_datetime_text(datetime.now(UTC))
        page = self.page().label
        return f"{self._caption}   ·   {page}   ·   {shown}   ·   produced {made}".strip(" ·")

    # -- slots ----------------------------------------------------------------------------

    @Slot(object)
    def _on_preset_requested(self, preset: Preset) -> None:
        self._preset = preset
        self.toolbar.show_preset(preset)
        QSettings().setValue(PRESET_KEY, self._preset.value)
        self._following = True
        if self._series is None and not self._pending_covers(self._first_request()):
            # Nothing on screen yet and the pending first read is too short: replace it.
            self._request_load(**self._first_request())
        self._apply_preset_range()

    @Slot(object)
    def _on_page_requested(self, page: Page) -> None:
        self._page = page
        self.toolbar.show_page(page)
        self._show_page()
        if page is Page.TABLE and self._series is not None:
            self._update_tables(*self.view_range())

    def _show_page(self) -> None:
        if self._series is None:
            return  # the waiting message stays until there is something to draw
        if self._page is Page.PHYSICAL:
            widget: QWidget = self.physical_page().widget
        elif self._page is Page.MEDICINES:
            widget = self.medicines_page().widget
        elif self._page is Page.WITHDRAWAL:
            widget = self.withdrawal_page().widget
        else:
            widget = self.tables if self._page is Page.TABLE else self.vitals.widget
        self._stack.setCurrentWidget(widget)

    @Slot()
    def _on_range_changed_by_hand(self) -> None:
        self._following = False
        self.toolbar.show_preset(None)

    def _on_x_range_changed(self, *_args: object) -> None:
        if self._setting_range:
            return
        self._after_range_change()
        self._range_timer.start()

    @Slot()
    def _on_range_settled(self) -> None:
        self._ensure_loaded(*self.view_range())

    def _on_mouse_moved(self, page: ChartPage, pos: QPointF) -> None:
        plot = page.plot_at(pos)
        if plot is None or self._series is None:
            return
        self.set_cursor_time(plot.vb.mapSceneToView(pos).x())

    @Slot(tuple)
    def _on_items_changed(self, keys: tuple[str, ...]) -> None:
        self._selected_items = keys
        if self.withdrawal is not None:
            self.withdrawal.select_items(keys)
        self._emit_readout()

    @Slot()
    def _on_export_requested(self) -> None:
        suggested = f"chart-{self._admission_id}-{datetime.now(UTC).astimezone():%Y%m%d-%H%M}.png"
        path = export.ExportDialog.ask(self, suggested)
        if path is None:
            return
        try:
            self.export_png(path)
        except OSError as exc:
            self.toolbar.set_status(f"Export failed: {exc}", "alert")
        else:
            self.toolbar.set_status(f"Saved {path.name}", "ok")

    @Slot()
    def _on_print_requested(self) -> None:
        printer = export.PrintDialog.ask(self)
        if printer is not None:
            self.print_to(printer)
            self.toolbar.set_status("Sent to the printer", "ok")


def _dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)
