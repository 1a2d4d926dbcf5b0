"""The two chart pages, each a stack of x-linked plots in one ``GraphicsLayoutWidget``.

* Vitals & NEWS2: events, NEWS2 total by risk, respiration rate, SpO2 (scale and oxygen
  periods), blood pressure (systolic and diastolic lines), pulse, temperature, ACVPU.
* Withdrawal & mental state: events, withdrawal total, chart items (selectable; the panic,
  hallucination and confusion items emphasised), RASS, 4AT.

A page feeds its plots from a ``PatientSeries``; it never reads the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyqtgraph as pg

from wardconsole.domain.news2 import ACVPU
from wardconsole.services.charts import RISKS, PatientSeries, Track
from wardconsole.ui import formatting as fmt
from wardconsole.ui.patient.charts.bands import (
    Band,
    consciousness_scores,
    parameter_bands,
    total_risk_bands,
)
from wardconsole.ui.patient.charts.events import EVENTS_SPEC, EventLane, legend_text
from wardconsole.ui.patient.charts.palette import ChartPalette
from wardconsole.ui.patient.charts.tracks import SPARSE_POINTS, CurveStyle, TrackPlot, TrackSpec

_ITEM_SYMBOLS = ("star", "t", "s", "d", "o", "p", "h", "t1")
"""Items of one group share a colour; each has its own symbol (and every other one a dash)."""

_RISK_SYMBOLS = {
    "low": ("o", False),
    "low-medium": ("d", True),
    "medium": ("d", True),
    "high": ("t1", True),
}
"""The census shapes for the NEWS2 points: ○ low, then the shape of the severity the band
raises (◆ urgent for low-medium and medium, ▲ emergency for high)."""


def news2_bands() -> tuple[Band, ...]:
    """NEWS2 total shading from the domain's risk of each total (no single 3)."""
    out = []
    for low, high, risk in total_risk_bands():
        if risk == "low":
            continue
        score = 3 if risk == "high" else 2
        text = fmt.news2_band_text(risk).split(" ")[0]
        out.append(Band(low - 0.5, high + 0.5 if risk != "high" else 20.5, score, text))
    return tuple(out)


def _acvpu_bands() -> tuple[Band, ...]:
    scores = consciousness_scores()
    return tuple(Band(i - 0.5, i + 0.5, scores[level]) for i, level in enumerate(ACVPU))


class ChartPage:
    """A ``GraphicsLayoutWidget`` (owned by the caller's layout) and the plots on it."""

    def __init__(self, palette: ChartPalette) -> None:
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.ci.layout.setSpacing(0)
        self.widget.ci.setContentsMargins(2, 2, 6, 2)
        self.plots: list[TrackPlot] = []
        self._next_row = 0
        self._palette = palette
        self.widget.setBackground(palette.background)

    def add(self, spec: TrackSpec, *, last: bool = False) -> TrackPlot:
        track = TrackPlot(spec, self._palette, show_dates=last)
        row = self._next_row
        self._next_row += 1
        # Into the grid itself: pg.GraphicsLayout.addItem would lay out every row again and
        # add a border item for each.
        self.widget.ci.layout.addItem(track.container, row, 0)
        self.widget.ci.layout.setRowStretchFactor(row, spec.stretch)
        if self.plots:
            track.vb.setXLink(self.plots[0].vb)
        self.plots.append(track)
        return track

    @property
    def master(self) -> pg.ViewBox:
        return self.plots[0].vb

    @property
    def palette(self) -> ChartPalette:
        return self._palette

    def apply_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        self.widget.setBackground(palette.background)
        for plot in self.plots:
            plot.apply_palette(palette)

    def set_limits(self, low: float, high: float) -> None:
        for plot in self.plots:
            plot.vb.setLimits(xMin=low, xMax=high, minXRange=600.0)

    def set_overlays(self, regions: Sequence[tuple[float, float, str]]) -> None:
        for plot in self.plots:
            plot.set_overlays(regions)

    def set_crosshair(self, at: float | None) -> None:
        for plot in self.plots:
            if at is None:
                plot.crosshair.setVisible(False)
            else:
                plot.crosshair.setPos(at)
                plot.crosshair.setVisible(True)

    def plot_at(self, scene_pos: object) -> TrackPlot | None:
        for plot in self.plots:
            if plot.vb.sceneBoundingRect().contains(scene_pos):
                return plot
        return None


class VitalsPage(ChartPage):
    def __init__(self, palette: ChartPalette) -> None:
        super().__init__(palette)
        self.events = EventLane(self.add(EVENTS_SPEC), palette)
        self.events.track.vb.setToolTip(legend_text())
        self.news2 = self.add(
            TrackSpec(
                "news2_total",
                "NEWS2",
                (-0.5, 12.5),
                description="NEWS2 total, coloured and shaped by risk",
                bands=news2_bands(),
            )
        )
        # Thin but over one pixel, and solid: Qt draws such lines as segments, which a dense
        # month draws many times faster than one long path (dashes are slower still).
        self.news2.add_curve(CurveStyle("news2", "foreground", width=1.5, symbol=""))
        for risk in RISKS:
            symbol, filled = _RISK_SYMBOLS[risk]
            self.news2.add_curve(
                CurveStyle(
                    f"news2:{risk}",
                    f"risk:{risk}",
                    width=3.0,
                    symbol=symbol,
                    emphasised=True,
                    extras={"filled": filled},
                )
            )
        self.rr = self.add(
            TrackSpec(
                "respiration_rate",
                "RR\n/min",
                (6, 32),
                description="Respiration rate per minute",
                bands=parameter_bands("respiration_rate"),
            )
        )
        self.rr.add_curve(CurveStyle("rr", "line"))
        self.spo2 = self.add(
            TrackSpec("spo2", "SpO₂ %\nScale 1", (86, 101), bands=parameter_bands("spo2"))
        )
        self.spo2.add_curve(CurveStyle("spo2", "line"))
        self.spo2.add_curve(CurveStyle("oxygen", "oxygen", width=7.0, symbol="s"))
        self.bp = self.add(
            TrackSpec(
                "systolic_bp",
                "BP\nmmHg",
                (50, 190),
                stretch=5,
                bands=parameter_bands("systolic_bp"),
                description="Blood pressure: systolic ▼ (dark line, "
                "upper), diastolic ▲ (light line, lower); bands: "
                "systolic",
            )
        )
        self.bp.add_curve(CurveStyle("systolic", "line", symbol="t"))
        self.bp.add_curve(CurveStyle("diastolic", "second_line", symbol="t1"))
        self.pulse = self.add(
            TrackSpec("pulse", "Pulse\n/min", (40, 140), bands=parameter_bands("pulse"))
        )
        self.pulse.add_curve(CurveStyle("pulse", "line"))
        self.temperature = self.add(
            TrackSpec("temperature", "Temp\n°C", (35.0, 39.6), bands=parameter_bands("temperature"))
        )
        self.temperature.add_curve(CurveStyle("temperature", "line"))
        self.glucose = self.add(
            TrackSpec(
                "glucose",
                "CBG\nmmol/L",
                (2.0, 12.0),
                stretch=2,
                description="Capillary blood glucose by meter (mmol/L); a meter LO or HI is "
                "drawn at the meter's range limit and named in the table",
            )
        )
        self.glucose.add_curve(CurveStyle("glucose", "line"))
        self.acvpu = self.add(
            TrackSpec(
                "consciousness",
                "ACVPU",
                (-0.6, 4.6),
                stretch=2,
                bands=_acvpu_bands(),
                categories=ACVPU,
                invert=True,
            ),
            last=True,
        )
        self.acvpu.add_curve(CurveStyle("acvpu", "line", symbol="s"))
        self._scale = 1

    def set_series(self, series: PatientSeries, describe: Callable[[str], Callable]) -> None:
        self.events.set_events(series.events)
        vitals = series.vitals
        news2 = vitals["news2_total"]
        self.news2.set_track("news2", news2)
        for code, risk in enumerate(RISKS):
            if news2.codes is not None:
                self.news2.set_masked_track(f"news2:{risk}", news2, code)
        self.news2.set_y_range_for([news2.y])
        self._set_scale(series)
        pairs = (
            (self.rr, "rr", "respiration_rate"),
            (self.spo2, "spo2", "spo2"),
            (self.bp, "systolic", "systolic_bp"),
            (self.bp, "diastolic", "diastolic_bp"),
            (self.pulse, "pulse", "pulse"),
            (self.temperature, "temperature", "temperature"),
            (self.glucose, "glucose", "glucose"),
            (self.acvpu, "acvpu", "consciousness"),
        )
        for plot, curve, key in pairs:
            plot.set_track(curve, vitals[key])
        for plot, keys in (
            (self.rr, ("respiration_rate",)),
            (self.spo2, ("spo2",)),
            (self.bp, ("systolic_bp", "diastolic_bp")),
            (self.pulse, ("pulse",)),
            (self.temperature, ("temperature",)),
            (self.glucose, ("glucose",)),
        ):
            plot.set_y_range_for(
                [vitals[key].y for key in keys] + [series.corrections[key].y for key in keys]
            )
            plot.set_corrections([(series.corrections[key], describe(key)) for key in keys])
        self.news2.set_corrections([(series.corrections["news2_total"], describe("news2_total"))])
        self.acvpu.set_corrections(
            [(series.corrections["consciousness"], describe("consciousness"))]
        )
        top = self.spo2.vb.viewRange()[1][1]
        oxygen = series.oxygen
        self.spo2.set_track("oxygen", Track(oxygen.x, oxygen.y * (top - 0.6)))

    def _set_scale(self, series: PatientSeries) -> None:
        scale = series.spo2_scale
        self.spo2.title.setText(f"SpO₂ %\nScale {scale}")
        tip = f"Oxygen saturation on SpO₂ scale {scale}"
        if scale == 2:
            tip += f" (target {series.spo2_target})" if series.spo2_target else ""
            tip += "; bands shown for a patient on oxygen"
        self.spo2.title.setToolTip(tip + ". The green bar at the top: on supplemental oxygen.")
        if scale != self._scale:
            self._scale = scale
            bands = parameter_bands("spo2", scale=scale, on_oxygen=scale == 2)
            spec = self.spo2.spec
            self.spo2.spec = TrackSpec(
                spec.key,
                spec.title,
                (80, 101) if scale == 2 else spec.default_range,
                spec.stretch,
                bands,
                description=spec.description,
            )
            self.spo2.apply_palette(self._palette)

    def visible_points(self, series: PatientSeries, start: float, end: float) -> int:
        return series.sets.count_between(start, end)

    def clear(self) -> None:
        """Nothing of the last patient left: no lines, marks, events, crosshair or shading."""
        self.events.set_events(())
        for plot in self.plots:
            for name in plot.curves:
                plot.set_track(name, None)
            plot.set_corrections([])
            plot.set_overlays([])
        self.set_crosshair(None)


class WithdrawalPage(ChartPage):
    def __init__(self, palette: ChartPalette) -> None:
        super().__init__(palette)
        self.events = EventLane(self.add(EVENTS_SPEC), palette)
        self.events.track.vb.setToolTip(legend_text())
        self.total = self.add(
            TrackSpec(
                "symptoms_total",
                "Chart\ntotal\n\nlocal,\nunvalid-\nated",
                (0, 40),
                stretch=4,
                description="Withdrawal chart total: trend only. Unvalidated local tool, "
                "no score bands",
            )
        )
        self.total.add_curve(CurveStyle("total", "symptoms", width=2.5))
        self.items = self.add(
            TrackSpec(
                "items",
                "Chart\nitems",
                (-0.2, 7.4),
                stretch=6,
                description="Withdrawal chart items chosen under "
                "Items; panic, hallucination and confusion items bold",
            )
        )
        # The items' legend has a row of its own under the plot, so it never hides a value.
        self.legend = pg.LegendItem(colCount=3, labelTextSize="9pt")
        self.widget.addItem(self.legend, row=self._next_row, col=0)
        self._next_row += 1
        # CIWA-Ar (alcohol) and COWS (opioids): only for patients rated on them, else hidden.
        self.ciwa_ar = self.add(
            TrackSpec(
                "ciwa_ar",
                "CIWA-Ar\nalcohol",
                (-1.0, 24.0),
                stretch=3,
                description="CIWA-Ar (alcohol withdrawal only), 0–67; lines at the ward's "
                "escalation thresholds",
            )
        )
        self.ciwa_ar.add_curve(CurveStyle("ciwa_ar", "line", symbol="o"))
        self.cows = self.add(
            TrackSpec(
                "cows",
                "COWS\nopioids",
                (-1.0, 40.0),
                stretch=3,
                description="COWS (opioid withdrawal only), 0–48; lines at the ward's "
                "escalation thresholds",
            )
        )
        self.cows.add_curve(CurveStyle("cows", "line", symbol="t"))
        self._co_use_rows = {"ciwa_ar": self._next_row - 2, "cows": self._next_row - 1}
        self.rass = self.add(TrackSpec("rass", "RASS", (-5.4, 4.4), stretch=3))
        self.rass.add_curve(CurveStyle("rass", "line", symbol="d"))
        self.four_at = self.add(TrackSpec("4at", "4AT", (-0.4, 12.4), stretch=3), last=True)
        self.four_at.add_curve(CurveStyle("4at", "line", symbol="s"))
        self._item_keys: tuple[str, ...] = ()
        self._selected: tuple[str, ...] = ()
        self._labels: dict[str, str] = {}
        self._series: PatientSeries | None = None

    def ensure_items(self, series: PatientSeries) -> None:
        """One curve per chart item, created once (items come from the chart file)."""
        keys = tuple(item.key for item in series.chart_items)
        if keys == self._item_keys:
            return
        self._item_keys = keys
        seen: dict[str | None, int] = {}
        for item in series.chart_items:
            grouped = item.group is not None
            number = seen[item.group] = seen.get(item.group, -1) + 1
            self._labels[item.key] = item.label
            curve = self.items.add_curve(
                CurveStyle(
                    item.key,
                    f"group:{item.group or ''}",
                    width=3.0 if grouped else 1.3,
                    dash=number % 2 == 1 or not grouped,
                    symbol=_ITEM_SYMBOLS[number % len(_ITEM_SYMBOLS)],
                    emphasised=grouped,
                    extras={"filled": number % 3 != 2},
                )
            )
            curve.setVisible(False)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return self._item_keys

    @property
    def selected_items(self) -> tuple[str, ...]:
        return self._selected

    def select_items(self, keys: Sequence[str]) -> None:
        self._selected = tuple(key for key in self._item_keys if key in keys)
        for key in self._item_keys:
            self.items.curves[key].setVisible(key in self._selected)
        self.legend.clear()
        for key in self._selected:
            self.legend.addItem(self.items.curves[key], self._labels.get(key, key))
        if self._series is not None:
            self.items.set_references(
                [ref for ref in self._series.references if ref.track in self._selected]
            )

    def set_series(self, series: PatientSeries) -> None:
        self._series = series
        self.ensure_items(series)
        self.events.set_events(series.events)
        tracks = series.symptom_tracks
        self.total.set_track("total", tracks.get("total"))
        self.total.set_y_range_for([tracks["total"].y] if "total" in tracks else [])
        for key in self._item_keys:
            self.items.set_track(key, tracks.get(key))
        self.items.set_references([ref for ref in series.references if ref.track in self._selected])
        for plot, kind in (
            (self.rass, "rass"),
            (self.four_at, "4at"),
            (self.ciwa_ar, "ciwa_ar"),
            (self.cows, "cows"),
        ):
            track = series.assessment_tracks.get(kind)
            plot.set_track(kind, track)
            plot.set_y_range_for([track.y] if track is not None else [])
            plot.set_references([ref for ref in series.references if ref.track == kind])
        for kind, row in self._co_use_rows.items():
            plot = self.ciwa_ar if kind == "ciwa_ar" else self.cows
            shown = kind in series.assessment_tracks
            plot.container.setVisible(shown)
            plot.container.setMaximumHeight(10_000 if shown else 0)
            self.widget.ci.layout.setRowStretchFactor(row, plot.spec.stretch if shown else 0)

    def visible_points(self, series: PatientSeries, start: float, end: float) -> int:
        total = series.symptom_tracks.get("total")
        return total.count_between(start, end) if total is not None else 0


def sparse(points: int) -> bool:
    return points < SPARSE_POINTS


def overlay_spans(series: PatientSeries) -> list[tuple[float, float, str]]:
    """Shaded spans: outside the stay, and within it whatever is not loaded yet."""
    stay_end = series.discharged_at or series.as_of
    far = 400 * 86400.0
    regions = [
        (series.admitted_at - far, series.admitted_at, "outside"),
        (stay_end, stay_end + far, "outside"),
    ]
    if series.loaded_from > series.admitted_at + 60:
        regions.append((series.admitted_at, series.loaded_from, "unloaded"))
    if series.loaded_to < stay_end - 60:
        regions.append((series.loaded_to, stay_end, "unloaded"))
    return regions


def describe_value(key: str) -> Callable[[float], str]:
    """How a corrected value of ``key`` is worded in its tooltip."""
    if key == "consciousness":
        return lambda value: ACVPU[int(value)] if 0 <= value < len(ACVPU) else "?"
    if key == "temperature":
        return lambda value: f"{value:.1f} °C"
    units = {
        "spo2": " %",
        "systolic_bp": " mmHg",
        "diastolic_bp": " mmHg",
        "respiration_rate": " /min",
        "pulse": " /min",
        "news2_total": "",
    }
    unit = units.get(key, "")
    return lambda value: f"{value:.0f}{unit}"
