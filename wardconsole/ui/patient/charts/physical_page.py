"""The Physical care chart page: the food and fluid chart on the same time axis as the others.

* Events (as on every page).
* Fluid per 24-hour period: intake up, measured output down, one bar pair per period (07:00 →
  07:00 ward time, 23 or 25 hours on clock-change days); a ✕ marks a period with output that was
  not measured (its balance is unknown); a dashed line is the patient's target while on a chart.
* Running balance within each period, broken where it became unknown.

Fed from ``PatientSeries.fluids``; it never reads the database.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from wardconsole.services.charts import PatientSeries, Track
from wardconsole.ui.patient.charts.events import EVENTS_SPEC, EventLane, legend_text
from wardconsole.ui.patient.charts.pages import ChartPage
from wardconsole.ui.patient.charts.palette import ChartPalette
from wardconsole.ui.patient.charts.tracks import CurveStyle, TrackSpec

BAR_SHARE = 0.42
"""Each bar takes this share of its period's width (intake left of the middle, output right)."""


class PhysicalPage(ChartPage):
    def __init__(self, palette: ChartPalette) -> None:
        super().__init__(palette)
        self.events = EventLane(self.add(EVENTS_SPEC), palette)
        self.events.track.vb.setToolTip(legend_text())
        self.fluid = self.add(
            TrackSpec(
                "fluid_period",
                "Fluid\nml per\nperiod\n\n▲ in\n▼ out",
                (-1000.0, 2500.0),
                stretch=6,
                description="Fluid intake (up) and measured output (down) per 24-hour period "
                "from the ward's day start; ✕: output not measured, balance unknown; dashed: "
                "the patient's target (local policy, not an NHS standard)",
            )
        )
        self.balance = self.add(
            TrackSpec(
                "fluid_balance",
                "Running\nbalance\nml",
                (-1000.0, 2000.0),
                stretch=4,
                description="Intake − output since the period started; broken where an output "
                "was not measured (the balance is then unknown)",
            ),
            last=True,
        )
        self.balance.add_curve(CurveStyle("balance", "line", width=2.2, symbol=""))
        self.intake_bars = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.output_bars = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.unmeasured = pg.ScatterPlotItem(size=12, symbol="x", hoverable=True)
        for item in (self.intake_bars, self.output_bars, self.unmeasured):
            self.fluid.add_item(item)
        self.target = pg.InfiniteLine(angle=0, movable=False)
        self.target.setVisible(False)
        self.fluid.add_item(self.target, ignore_bounds=True)
        self.zero = pg.InfiniteLine(pos=0, angle=0, movable=False)
        self.balance.add_item(self.zero, ignore_bounds=True)
        self._series: PatientSeries | None = None
        self._colour_bars()

    def apply_palette(self, palette: ChartPalette) -> None:
        super().apply_palette(palette)
        self._colour_bars()

    def _colour_bars(self) -> None:
        palette = self._palette
        self.intake_bars.setOpts(brush=pg.mkBrush(palette.line), pen=pg.mkPen(palette.foreground))
        self.output_bars.setOpts(
            brush=pg.mkBrush(palette.symptoms), pen=pg.mkPen(palette.foreground)
        )
        self.unmeasured.setPen(pg.mkPen(palette.foreground, width=2))
        self.unmeasured.setBrush(pg.mkBrush(palette.foreground))
        pen = pg.mkPen(palette.reference, width=1.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        self.target.setPen(pen)
        self.zero.setPen(pg.mkPen(palette.grid, width=1))

    def set_series(self, series: PatientSeries) -> None:
        self._series = series
        self.events.set_events(series.events)
        fluids = series.fluids
        bars = fluids.bars
        starts = np.array([b.start for b in bars], dtype=float)
        ends = np.array([b.end for b in bars], dtype=float)
        middle = (starts + ends) / 2
        width = (ends - starts) * BAR_SHARE
        intake = np.array([b.totals.intake_ml for b in bars], dtype=float)
        output = np.array([b.totals.output_ml for b in bars], dtype=float)
        zeros = np.zeros(len(bars))
        self.intake_bars.setOpts(x0=middle - width, x1=middle, y0=zeros, y1=intake)
        self.output_bars.setOpts(x0=middle, x1=middle + width, y0=zeros, y1=-output)
        unknown = [i for i, b in enumerate(bars) if b.totals.unmeasured_outputs]
        self.unmeasured.setData(
            x=[middle[i] + width[i] / 2 for i in unknown],
            y=[-output[i] - 120 for i in unknown],
            data=[f"{bars[i].totals.balance_text} ({bars[i].label})".capitalize() for i in unknown],
        )
        plan = fluids.plan
        self.target.setVisible(plan is not None)
        if plan is not None:
            self.target.setPos(plan.target_ml)
            self.target.setToolTip(
                f"Target {plan.target_ml} ml per 24 h (local policy, not an NHS standard)"
            )
        reach = [intake, -output]
        if plan is not None:
            reach.append(np.array([plan.target_ml + 200.0]))
        self.fluid.set_y_range_for(reach)
        self.balance.set_track("balance", Track(fluids.balance_x, fluids.balance_y))
        self.balance.set_y_range_for([fluids.balance_y])

    def visible_points(self, series: PatientSeries, start: float, end: float) -> int:
        return sum(1 for e in series.fluids.entries if start <= e.taken_at.timestamp() <= end)

    def clear(self) -> None:
        self.events.set_events(())
        self.intake_bars.setOpts(x0=[], x1=[], y0=[], y1=[])
        self.output_bars.setOpts(x0=[], x1=[], y0=[], y1=[])
        self.unmeasured.setData(x=[], y=[])
        self.balance.set_track("balance", None)
        self.set_crosshair(None)
