"""The Physical care chart page: the food and fluid chart on the same time axis as the others.

* Events (as on every page).
* Fluid per 24-hour period: intake up, measured output down, one bar pair per period (07:00 →
  07:00 ward time, 23 or 25 hours on clock-change days); a ✕ marks a period with output that was
  not measured (its balance is unknown); a dashed line is the patient's target while on a chart.
* Running balance within each period, broken where it became unknown.
* Meals eaten: one point per meal or snack at the portion eaten (none … all; hover: what was
  offered, the reason, any supplement given or declined); a supplement on its own sits below;
  a shaded span for each food chart a medium-risk MUST screen started, and in the corner the
  latest chart and each of its days' meals (● a finished day with none recorded).
* Bowels: one point per movement at its Bristol stool type (1–7, Lewis & Heaton 1997; ✕: type
  not seen), and in the corner the days since the last one with the ward's flag.
* Sleep: hours asleep per night, one bar across each night (solid: the nurse's entry; hatched
  lighter: estimated from the safety checks, which are samples; ✕: too few checks to say), and
  a dashed line at the policy's little-sleep hours (local policy, not a published standard).
* Weight: one point per weighing (its hover text has the BMI, the change since the first weight
  and the MUST category in force), a lettered marker per MUST screen (L low, M medium, H high
  risk: letters, not the ● ◆ ▲ that state an escalation's severity everywhere else, and not
  colour alone), and in the corner what is due (weighing, the ward's refeeding prompt).

Fed from ``PatientSeries.fluids``; it never reads the database.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainterPath, QTransform

from wardconsole.domain.bowels import BRISTOL_SOURCE
from wardconsole.domain.sleep import night_label
from wardconsole.services.charts import PatientSeries, Track
from wardconsole.ui.patient.charts.events import EVENTS_SPEC, EventLane, legend_text
from wardconsole.ui.patient.charts.pages import ChartPage
from wardconsole.ui.patient.charts.palette import ChartPalette
from wardconsole.ui.patient.charts.tracks import CurveStyle, TrackSpec

SCREEN_LETTERS = {"low": "L", "medium": "M", "high": "H"}
"""MUST screens are marked with their category's initial: the shapes ● ◆ ▲ mean an escalation's
severity on every screen, and a MUST category is not one (high risk raises an advisory)."""


@cache
def screen_symbol(risk: str) -> QPainterPath:
    """The letter for a MUST category as a scatter symbol, centred and scaled to the unit box
    pyqtgraph sizes its symbols in (an unknown category gets '?')."""
    font = QFont()
    font.setBold(True)
    path = QPainterPath()
    path.addText(0, 0, font, SCREEN_LETTERS.get(risk, "?"))
    box = path.boundingRect()
    scale = 1.0 / max(box.width(), box.height())
    transform = QTransform()
    transform.scale(scale, scale)
    transform.translate(-box.x() - box.width() / 2, -box.y() - box.height() / 2)
    return transform.map(path)


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
                "Fluid\nml per\nperiod\n▲ in\n▼ out",
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
        )
        self.meals = self.add(
            TrackSpec(
                "meals",
                "Meals\neaten",
                (-0.35, 4.4),
                stretch=3,
                categories=("none", "¼", "½", "¾", "all"),
                description="Each meal or snack at the portion eaten (hover: what was offered, "
                "why little, supplements); ◆ below: a supplement on its own; shaded: a food "
                "chart after a medium-risk MUST screen (BAPEN: document dietary intake, 3 days)",
            )
        )
        self.food_chart_bands = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.meals.add_item(self.food_chart_bands)
        self.meal_points = pg.ScatterPlotItem(size=10, hoverable=True)
        self.meals.add_item(self.meal_points)
        self.food_notice = pg.TextItem(anchor=(0, 0))
        self.food_notice.setParentItem(self.meals.vb)  # fixed in the corner, never panned
        self.food_notice.setPos(4, 0)
        self.bowels = self.add(
            TrackSpec(
                "bowels",
                "Bowels\nBristol\ntype",
                (-0.5, 7.6),
                stretch=3,
                description=f"Each bowel movement at its {BRISTOL_SOURCE} type (1–2 suggest "
                "constipation, 3–4 normal, 5–7 towards diarrhoea; ✕: type not seen)",
            )
        )
        self.bowel_points = pg.ScatterPlotItem(size=11, hoverable=True)
        self.bowels.add_item(self.bowel_points)
        self.bowel_notice = pg.TextItem(anchor=(0, 0))
        self.bowel_notice.setParentItem(self.bowels.vb)  # fixed in the corner, never panned
        self.bowel_notice.setPos(4, 0)
        self.sleep = self.add(
            TrackSpec(
                "sleep",
                "Sleep\nh per\nnight",
                (0.0, 10.0),
                stretch=3,
                description="Hours asleep per night: solid, the nurse's entry; light, estimated "
                "from the safety checks (checks are samples); ✕ too few checks; dashed: the "
                "little-sleep hours (local policy, not a published standard)",
            )
        )
        self.sleep_entered = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.sleep_estimated = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.sleep_unknown = pg.ScatterPlotItem(size=12, symbol="x", hoverable=True)
        self.sleep_points = pg.ScatterPlotItem(size=1, hoverable=True)
        for item in (
            self.sleep_estimated,
            self.sleep_entered,
            self.sleep_unknown,
            self.sleep_points,
        ):
            self.sleep.add_item(item)
        self.little_sleep = pg.InfiniteLine(angle=0, movable=False)
        self.little_sleep.setVisible(False)
        self.sleep.add_item(self.little_sleep, ignore_bounds=True)
        self.weight = self.add(
            TrackSpec(
                "weight",
                "Weight\nkg",
                (0.0, 1.0),
                stretch=4,
                description="Weighings (hover: BMI, change since the first weight, MUST "
                "category) and MUST screens: L low, M medium, H high risk",
            ),
            last=True,
        )
        self.weight_line = pg.PlotDataItem(connect="finite")
        self.weight_points = pg.ScatterPlotItem(size=9, symbol="o", hoverable=True)
        self.screens = pg.ScatterPlotItem(size=17, hoverable=True)
        self.screens.setZValue(2)  # the letter is read over the weighing's point
        for item in (self.weight_line, self.weight_points, self.screens):
            self.weight.add_item(item)
        self.weight_notice = pg.TextItem(anchor=(0, 0))
        self.weight_notice.setParentItem(self.weight.vb)  # fixed in the corner, never panned
        self.weight_notice.setPos(4, 0)
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
        self.weight_line.setPen(pg.mkPen(palette.line, width=2))
        self.weight_points.setPen(pg.mkPen(palette.foreground, width=1.5))
        self.weight_points.setBrush(pg.mkBrush(palette.line))
        self.screens.setPen(pg.mkPen(palette.background, width=1.5))  # a halo over the point
        self.weight_notice.setColor(palette.foreground)
        for points in (self.meal_points, self.bowel_points):
            points.setPen(pg.mkPen(palette.foreground, width=1.5))
            points.setBrush(pg.mkBrush(palette.line))
        self.bowel_notice.setColor(palette.foreground)
        self.food_notice.setColor(palette.foreground)
        self.sleep_entered.setOpts(brush=pg.mkBrush(palette.line), pen=pg.mkPen(palette.foreground))
        light = pg.mkBrush(palette.line)
        colour = light.color()
        colour.setAlpha(90)
        light.setColor(colour)
        self.sleep_estimated.setOpts(brush=light, pen=pg.mkPen(palette.line, width=1.5))
        faint = pg.mkBrush(palette.line)
        shade = faint.color()
        shade.setAlpha(40)
        faint.setColor(shade)
        self.food_chart_bands.setOpts(brush=faint, pen=pg.mkPen(None))
        self.sleep_unknown.setPen(pg.mkPen(palette.foreground, width=2))
        self.sleep_unknown.setBrush(pg.mkBrush(palette.foreground))
        dashed = pg.mkPen(palette.reference, width=1.5)
        dashed.setStyle(Qt.PenStyle.DashLine)
        self.little_sleep.setPen(dashed)

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
        self._set_weights(series)
        self._set_meals_and_bowels(series)
        self._set_sleep(series)

    def _set_sleep(self, series: PatientSeries) -> None:
        sleep = series.sleep
        entered: list[tuple[float, float, float]] = []
        estimated: list[tuple[float, float, float]] = []
        unknown: list[tuple[float, str]] = []
        hover = []
        for night in sleep.nights:
            start, end = night.night.start.timestamp(), night.night.end.timestamp()
            inset = (end - start) * 0.08
            hours = night.hours
            text = f"{night_label(night.night, capital=True)}: {night.detail}"
            if hours is None:
                unknown.append(((start + end) / 2, text))
                continue
            (entered if night.entry is not None else estimated).append(
                (start + inset, end - inset, hours)
            )
            hover.append({"pos": ((start + end) / 2, hours), "data": text})
        for bars, rows in ((self.sleep_entered, entered), (self.sleep_estimated, estimated)):
            bars.setOpts(
                x0=[r[0] for r in rows],
                x1=[r[1] for r in rows],
                y0=[0.0] * len(rows),
                y1=[r[2] for r in rows],
            )
        self.sleep_unknown.setData(
            x=[u[0] for u in unknown], y=[0.4] * len(unknown), data=[u[1] for u in unknown]
        )
        self.sleep_points.setData(hover)
        self.little_sleep.setVisible(bool(sleep.little_hours))
        if sleep.little_hours:
            self.little_sleep.setPos(sleep.little_hours)
            self.little_sleep.setToolTip(
                f"Little sleep: under {sleep.little_hours} h (local policy, not a published "
                "standard)"
            )
        top = max([r[2] for r in entered + estimated] + [float(sleep.little_hours), 8.0])
        self.sleep.set_y_range(0.0, top + 1.0)

    def _set_meals_and_bowels(self, series: PatientSeries) -> None:
        course = series.nutrition
        self.meal_points.setData(
            [
                {
                    "pos": (
                        m.taken_at.timestamp(),
                        m.portion.eighths / 2 if m.portion is not None else -0.2,
                    ),
                    "symbol": "o" if m.portion is not None else "d",
                    "data": m.text,
                }
                for m in course.meals
            ]
        )
        self.bowel_points.setData(
            [
                {
                    "pos": (b.taken_at.timestamp(), b.bristol_type or 0),
                    "symbol": "s" if b.bristol_type else "x",
                    "data": b.text,
                }
                for b in course.bowels
            ]
        )
        status = course.status
        self.bowel_notice.setText(status.short_text if status is not None else "")
        charts = course.food_charts
        self.food_chart_bands.setOpts(
            x0=[v.chart.started_at.timestamp() for v in charts],
            x1=[v.chart.ends_at.timestamp() for v in charts],
            y0=[-0.35] * len(charts),
            y1=[4.4] * len(charts),
        )
        self.food_notice.setText("\n".join(charts[-1].lines) if charts else "")

    def _set_weights(self, series: PatientSeries) -> None:
        weights = series.weights
        self.weight_line.setData(weights.x, weights.kg)
        self.weight_points.setData(x=weights.x, y=weights.kg, data=list(weights.texts))
        known = np.concatenate([weights.kg, weights.screen_kg])
        known = known[np.isfinite(known)]
        low, high = (known.min() - 3, known.max() + 3) if len(known) else (40.0, 100.0)
        floor = np.where(np.isfinite(weights.screen_kg), weights.screen_kg, low + 1)
        self.screens.setData(
            [
                {
                    "pos": (x, y),
                    "symbol": screen_symbol(risk),
                    "brush": pg.mkBrush(self._palette.foreground),
                    "data": text,
                }
                for x, y, risk, text in zip(
                    weights.screen_x,
                    floor,
                    weights.screen_risks,
                    weights.screen_texts,
                    strict=True,
                )
            ]
        )
        self.weight.set_y_range(float(low), float(high))
        notice = [weights.due_text, *weights.prompts] if weights.due_text else []
        self.weight_notice.setText("\n".join(notice))

    def visible_points(self, series: PatientSeries, start: float, end: float) -> int:
        fluids = sum(1 for e in series.fluids.entries if start <= e.taken_at.timestamp() <= end)
        weighed = int(np.count_nonzero((series.weights.x >= start) & (series.weights.x <= end)))
        course = series.nutrition
        times = [m.taken_at for m in course.meals] + [b.taken_at for b in course.bowels]
        times += [e.taken_at for entries in series.simple.values() for e in entries]
        eaten = sum(1 for at in times if start <= at.timestamp() <= end)
        return fluids + weighed + eaten

    def clear(self) -> None:
        self.events.set_events(())
        self.intake_bars.setOpts(x0=[], x1=[], y0=[], y1=[])
        self.output_bars.setOpts(x0=[], x1=[], y0=[], y1=[])
        self.unmeasured.setData(x=[], y=[])
        self.balance.set_track("balance", None)
        self.weight_line.setData([], [])
        self.weight_points.setData(x=[], y=[])
        self.screens.setData([])
        self.weight_notice.setText("")
        self.meal_points.setData([])
        self.food_chart_bands.setOpts(x0=[], x1=[], y0=[], y1=[])
        self.food_notice.setText("")
        self.bowel_points.setData([])
        self.bowel_notice.setText("")
        for bars in (self.sleep_entered, self.sleep_estimated):
            bars.setOpts(x0=[], x1=[], y0=[], y1=[])
        self.sleep_unknown.setData(x=[], y=[])
        self.sleep_points.setData([])
        self.set_crosshair(None)
