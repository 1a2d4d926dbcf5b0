"""Small trend charts for a patient's handoff page, drawn to survive black-and-white printing.

Every series differs by line style and marker, not colour; NEWS2 bands are hatched greys with
their names written beside them. Times are ward time. Only matplotlib's object API is used
(``Figure`` / ``Axes``), never pyplot, so this runs safely off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, HourLocator, date2num
from matplotlib.patches import Rectangle

from wardconsole.domain.handoff_records import PatientShiftFacts
from wardconsole.domain.news2 import news2_lower_bound
from wardconsole.domain.records import ObservationSet

INK = "black"
GREY = "0.45"
LIGHT = "0.88"
SMALL = 6.5


def _style(ax: Axes, facts: PatientShiftFacts, title: str) -> None:
    shift = facts.shift
    ax.set_xlim(date2num(shift.start), date2num(shift.end))
    ax.xaxis.set_major_locator(HourLocator(byhour=range(0, 24, 2), tz=shift.zone))
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=shift.zone))
    ax.tick_params(labelsize=SMALL, length=2, pad=1.5)
    ax.set_title(title, fontsize=7.5, loc="left", pad=2, fontweight="bold")
    ax.grid(True, axis="x", color=LIGHT, linewidth=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if facts.as_of < shift.end:  # the shift is still running: mark "now"
        ax.axvline(date2num(facts.as_of), color=GREY, linestyle=(0, (1, 2)), linewidth=0.8)


def _in_shift(facts: PatientShiftFacts) -> list[ObservationSet]:
    return [o for o in facts.observations if facts.shift.start <= o.taken_at <= facts.as_of]


def _series(
    observations: Sequence[ObservationSet], value: Callable[[ObservationSet], float | None]
) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for observation in observations:
        y = value(observation)
        if y is not None:
            xs.append(date2num(observation.taken_at))
            ys.append(float(y))
    return xs, ys


def _lower_bounds(observations: Sequence[ObservationSet]) -> tuple[list[float], list[float]]:
    """Incomplete sets whose known values score something: (time, lower bound)."""
    xs, ys = [], []
    for observation in observations:
        if observation.vitals.is_complete:
            continue
        try:
            bound = news2_lower_bound(observation.vitals)
        except ValueError:
            continue
        if bound.at_least:
            xs.append(date2num(observation.taken_at))
            ys.append(float(bound.at_least))
    return xs, ys


def _nothing(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=SMALL,
        color=GREY,
        style="italic",
    )


def news2_chart(ax: Axes, facts: PatientShiftFacts) -> None:
    """NEWS2 total as a step line, over hatched bands (RCP 2017 Chart 2: 5–6 medium, ≥ 7 high)."""
    _style(ax, facts, "NEWS2 total")
    xs, ys = _series(_in_shift(facts), lambda o: o.news2_total)
    bounds = _lower_bounds(_in_shift(facts))
    top = max([8.0, *(y + 1 for y in ys), *(y + 1 for y in bounds[1])])
    ax.set_ylim(0, top)
    ax.axhspan(4.5, 6.5, facecolor="0.93", edgecolor=GREY, hatch="....", linewidth=0)
    ax.axhspan(6.5, top, facecolor="0.82", edgecolor=GREY, hatch="////", linewidth=0)
    for y, label in ((5.5, "medium 5–6"), (7.5, "high ≥ 7")):
        ax.text(
            0.995,
            y,
            label,
            transform=ax.get_yaxis_transform(),
            fontsize=5.3,
            ha="right",
            va="center",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
        )
    if bounds[0]:
        # Incomplete sets: their known values as a lower bound, an open triangle "≥ N" off the
        # line (never joined to the complete totals).
        ax.plot(
            *bounds,
            linestyle="none",
            marker="^",
            markersize=3.6,
            color=INK,
            markerfacecolor="white",
        )
        for x, y in zip(*bounds, strict=True):
            ax.annotate(
                f"≥{y:.0f}",
                (x, y),
                textcoords="offset points",
                xytext=(0, 3.5),
                ha="center",
                fontsize=5.5,
            )
    if not ys:
        if not bounds[0]:
            _nothing(ax, "no complete set this shift")
        return
    ax.step(xs, ys, where="post", color=INK, linewidth=1.0)
    ax.plot(xs, ys, linestyle="none", marker="o", markersize=3.2, color=INK)
    for x, y in zip(xs, ys, strict=True):
        ax.annotate(
            f"{y:.0f}",
            (x, y),
            textcoords="offset points",
            xytext=(0, 3.5),
            ha="center",
            fontsize=5.5,
        )


def pulse_bp_chart(ax: Axes, facts: PatientShiftFacts) -> None:
    _style(ax, facts, "Pulse (/min) and systolic BP (mmHg)")
    observations = _in_shift(facts)
    pulse = _series(observations, lambda o: o.vitals.pulse)
    systolic = _series(observations, lambda o: o.vitals.systolic_bp)
    if not pulse[0] and not systolic[0]:
        _nothing(ax, "no pulse or blood pressure this shift")
        return
    ax.plot(
        *pulse, color=INK, linestyle="-", marker="o", markersize=2.8, linewidth=0.9, label="pulse"
    )
    ax.plot(
        *systolic,
        color=INK,
        linestyle="--",
        marker="s",
        markersize=2.8,
        linewidth=0.9,
        markerfacecolor="white",
        label="systolic BP",
    )
    values = pulse[1] + systolic[1]
    ax.set_ylim(max(0, min(values) - 15), max(values) + 15)
    ax.legend(fontsize=5.5, loc="upper left", frameon=False, ncols=2, handlelength=2.2)


def respiration_chart(ax: Axes, facts: PatientShiftFacts) -> None:
    _style(ax, facts, "Respiration rate (/min) and SpO2 (%)")
    observations = _in_shift(facts)
    rr = _series(observations, lambda o: o.vitals.respiration_rate)
    spo2 = _series(observations, lambda o: o.vitals.spo2)
    if not rr[0] and not spo2[0]:
        _nothing(ax, "no respiration rate or SpO2 this shift")
        return
    line_rr = ax.plot(
        *rr, color=INK, linestyle="-", marker="^", markersize=3, linewidth=0.9, label="resp. rate"
    )
    ax.set_ylim(0, max([30.0, *(v + 4 for v in rr[1])]))
    twin = ax.twinx()
    twin.set_xlim(ax.get_xlim())
    line_spo2 = twin.plot(
        *spo2,
        color=INK,
        linestyle=":",
        marker="D",
        markersize=2.6,
        linewidth=1.1,
        markerfacecolor="white",
        label="SpO2",
    )
    twin.set_ylim(min([88.0, *(v - 2 for v in spo2[1])]), 100.5)
    twin.tick_params(labelsize=SMALL, length=2, pad=1.5)
    twin.spines["top"].set_visible(False)
    ax.legend(
        line_rr + line_spo2,
        ["resp. rate", "SpO2"],
        fontsize=5.5,
        loc="lower left",
        frameon=False,
        ncols=2,
        handlelength=2.2,
    )


def symptom_chart(ax: Axes, facts: PatientShiftFacts, maximum: int) -> None:
    _style(ax, facts, f"Withdrawal chart total (of {maximum}; local, unvalidated)")
    ratings = [s for s in facts.symptoms if facts.shift.start <= s.taken_at <= facts.as_of]
    if not ratings:
        _nothing(ax, "not rated this shift")
        ax.set_ylim(0, 20)
        return
    xs = [date2num(s.taken_at) for s in ratings]
    ys = [float(s.total) for s in ratings]
    ax.plot(xs, ys, color=INK, linestyle="-.", marker="x", markersize=3.5, linewidth=0.9)
    ax.set_ylim(0, max(20.0, max(ys) + 5))
    for x, y in zip(xs, ys, strict=True):
        ax.annotate(
            f"{y:.0f}",
            (x, y),
            textcoords="offset points",
            xytext=(0, 3.5),
            ha="center",
            fontsize=5.5,
        )


def timeline_chart(ax: Axes, facts: PatientShiftFacts) -> None:
    """Escalations as bars from raised to resolved (hatched while still open), acknowledgement
    as ▲, and PRN doses as ▼ on their own row."""
    _style(ax, facts, "Escalations and PRN over the shift")
    shift, as_of = facts.shift, facts.as_of
    escalations = [
        e
        for e in facts.escalations
        if e.raised_at <= as_of and (e.resolved_at is None or e.resolved_at >= shift.start)
    ]
    doses = [p for p in facts.prn if shift.start <= p.dose.given_at <= as_of]
    labels: list[str] = []
    for row, e in enumerate(escalations):
        start = max(e.raised_at, shift.start)
        open_now = e.resolved_at is None or e.resolved_at > as_of
        end = as_of if open_now else e.resolved_at
        assert end is not None
        width = max(date2num(end) - date2num(start), 1 / (24 * 60))
        ax.add_patch(
            Rectangle(
                (date2num(start), row - 0.3),
                width,
                0.6,
                facecolor="white" if open_now else "0.8",
                edgecolor=INK,
                hatch="////" if open_now else None,
                linewidth=0.8,
            )
        )
        if e.acknowledged_at is not None and shift.start <= e.acknowledged_at <= as_of:
            ax.plot(
                [date2num(e.acknowledged_at)],
                [row],
                marker="^",
                color=INK,
                markersize=3.5,
                linestyle="none",
            )
        suffix = " (open)" if open_now else ""
        labels.append(f"{e.kind.label} [{e.severity.label[0]}]{suffix}")
    if doses:
        row = len(labels)
        xs = [date2num(p.dose.given_at) for p in doses]
        ax.plot(xs, [row] * len(xs), linestyle="none", marker="v", color=INK, markersize=4)
        for x, given in zip(xs, doses, strict=True):
            ax.annotate(
                given.dose.drug, (x, row), textcoords="offset points", xytext=(3, 2), fontsize=5.2
            )
        labels.append("PRN")
    if not labels:
        _nothing(ax, "no escalations or PRN this shift")
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
        return
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=SMALL)
    ax.set_ylim(len(labels) - 0.5, -0.5)
