"""The Medicines chart page: the dependency watch on the same time axis as the other pages.

* Events (as on every page).
* Doses: one row per watched formulary class; ▲ a PRN dose, ● a regular dose given, ○ a regular
  dose omitted (its reason on hover). The console's medicines list is a monitoring copy: confirm
  against the prescription.
* PRN doses per ward day (bars, the ward day from the shift pattern).
* Diazepam-equivalent load per ward day: an approximate reference figure (REFERENCE-2.md §12.4),
  never a conversion of a prescription; its source is in the point's tooltip.

Fed from ``PatientSeries.medicines``; it never reads the database.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from wardconsole.services.charts import PatientSeries, Track
from wardconsole.ui.patient.charts.events import EVENTS_SPEC, EventLane, legend_text
from wardconsole.ui.patient.charts.pages import ChartPage
from wardconsole.ui.patient.charts.palette import ChartPalette
from wardconsole.ui.patient.charts.tracks import CurveStyle, TrackSpec

BAR_SHARE = 0.6
_SYMBOLS = {"prn": "t1", "regular": "o", "omitted": "o"}


def _short(label: str) -> str:
    """A class's name short enough for the axis ("Z-drug", "Benzo."); the full name is in
    each dose's tooltip."""
    word = label.split(" (")[0]
    return word if len(word) <= 7 else word[:5] + "."


class MedicinesPage(ChartPage):
    def __init__(self, palette: ChartPalette) -> None:
        super().__init__(palette)
        self.events = EventLane(self.add(EVENTS_SPEC), palette)
        self.events.track.vb.setToolTip(legend_text())
        self.doses = self.add(
            TrackSpec(
                "medicine_doses",
                "Doses\n▲ PRN\n●/○ regular\ngiven/omitted",
                (-0.6, 2.6),
                stretch=5,
                description="Watched medicines by formulary class: PRN doses, regular doses "
                "given and omitted (as recorded on the ward console — confirm against the "
                "prescription)",
            )
        )
        self.prn_days = self.add(
            TrackSpec(
                "prn_per_day",
                "PRN\nper ward\nday",
                (0.0, 4.0),
                stretch=3,
                description="PRN doses of watched medicines per ward day",
            )
        )
        self.load = self.add(
            TrackSpec(
                "diazepam_load",
                "Diazepam\n-eq. mg\nper day\n(approx.)",
                (0.0, 30.0),
                stretch=3,
                description="Benzodiazepine and Z-drug load per ward day in diazepam-equivalent "
                "mg: an approximate reference figure (equivalence tables differ by source)",
            ),
            last=True,
        )
        self.load.add_curve(CurveStyle("load", "line", width=2.0, symbol="s"))
        self.points = {
            kind: pg.ScatterPlotItem(size=11, symbol=symbol, hoverable=True)
            for kind, symbol in _SYMBOLS.items()
        }
        for item in self.points.values():
            self.doses.add_item(item)
        self.bars = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[])
        self.prn_days.add_item(self.bars)
        self._colour()

    def apply_palette(self, palette: ChartPalette) -> None:
        super().apply_palette(palette)
        self._colour()

    def _colour(self) -> None:
        palette = self._palette
        pen = pg.mkPen(palette.foreground, width=1.5)
        self.points["prn"].setPen(pen)
        self.points["prn"].setBrush(pg.mkBrush(palette.symptoms))
        self.points["regular"].setPen(pen)
        self.points["regular"].setBrush(pg.mkBrush(palette.line))
        self.points["omitted"].setPen(pg.mkPen(palette.foreground, width=2))
        self.points["omitted"].setBrush(pg.mkBrush(palette.background))
        self.bars.setOpts(brush=pg.mkBrush(palette.symptoms), pen=pg.mkPen(palette.foreground))

    def set_series(self, series: PatientSeries) -> None:
        self.events.set_events(series.events)
        meds = series.medicines
        rows = max(len(meds.classes), 1)
        ticks = [(float(i), _short(label)) for i, label in enumerate(meds.classes)]
        self.doses.axis("left").setTicks([ticks, []])
        top = rows - 0.4 + 1.2  # headroom: the caption sits above the first row
        self.doses.vb.setLimits(yMin=-0.6, yMax=top)
        self.doses.vb.setYRange(-0.6, top, padding=0)
        for kind, item in self.points.items():
            chosen = [d for d in meds.doses if d.kind == kind]
            item.setData(
                x=[d.at for d in chosen], y=[d.row for d in chosen], data=[d.text for d in chosen]
            )
        days = meds.days
        starts = np.array([d.start for d in days], dtype=float)
        ends = np.array([d.end for d in days], dtype=float)
        middle = (starts + ends) / 2
        width = (ends - starts) * BAR_SHARE / 2
        counts = np.array([d.prn for d in days], dtype=float)
        self.bars.setOpts(x0=middle - width, x1=middle + width, y0=np.zeros(len(days)), y1=counts)
        self.prn_days.set_y_range_for([counts])
        x, y = meds.load_track()
        self.load.set_track("load", Track(x, y))
        self.load.set_y_range_for([y])

    def visible_points(self, series: PatientSeries, start: float, end: float) -> int:
        return sum(1 for d in series.medicines.doses if start <= d.at <= end)

    def clear(self) -> None:
        self.events.set_events(())
        for item in self.points.values():
            item.setData(x=[], y=[])
        self.bars.setOpts(x0=[], x1=[], y0=[], y1=[])
        self.load.set_track("load", None)
        self.set_crosshair(None)
