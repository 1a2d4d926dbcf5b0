"""Laying out handoff text on a printed page: wrapping, styles, shrinking to fit one page.

Generated facts and the nurse's own words are set differently (upright behind a bullet or the
fact's severity, '◆ URGENT · …', vs.
italic under a "Nurse's notes" label with a rule beside it), so they stay distinguishable in
black-and-white print as on screen.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from enum import Enum

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from wardconsole.domain.handoff_records import HandoffDraft, Section
from wardconsole.domain.handoff_refresh import CHANGE_MARK, FactChange, marks_for, unshown

POINTS_PER_INCH = 72
CHAR_WIDTH_EM = 0.5
"""Average DejaVu Sans character width in ems, for wrapping by character count."""


class Style(Enum):
    HEADING = "heading"
    FACT = "fact"
    ALERT = "alert"
    NOTE_LABEL = "note_label"
    NOTE = "note"
    MUTED = "muted"
    CHANGE = "change"
    """A Δ mark under a fact: the record changed since the draft (or since signing)."""


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    style: Style
    indent: int = 0
    """Extra indent in character widths (continuation lines of a wrapped item)."""


def sbar_items(
    draft: HandoffDraft,
    notes: dict[Section, str] | None,
    changes: tuple[FactChange, ...] = (),
) -> list[tuple[str, Style]]:
    """The page's text items in reading order, before wrapping; a changed fact is followed by
    its Δ mark in words."""
    items: list[tuple[str, Style]] = []
    for section in Section:
        items.append((f"{section.letter} — {section.heading}", Style.HEADING))
        marks = marks_for(changes, section)
        for position, fact in enumerate(draft.facts(section)):
            items.append((fact.line, Style.ALERT if fact.alert else Style.FACT))
            if position in marks:
                items.append((f"{CHANGE_MARK} {marks[position]}", Style.CHANGE))
        items += [(f"{CHANGE_MARK} {text}", Style.CHANGE) for text in unshown(changes, section)]
        text = (notes or {}).get(section, "").strip()
        if text:
            items.append(("Nurse's notes:", Style.NOTE_LABEL))
            items += [(paragraph, Style.NOTE) for paragraph in text.splitlines() if paragraph]
    return items


def wrap(items: list[tuple[str, Style]], width: int) -> list[Line]:
    """Wrap to ``width`` characters; a fact's continuation lines hang under its text."""
    lines: list[Line] = []
    for text, style in items:
        bullet = style in (Style.FACT, Style.ALERT)
        base = 2 if style in (Style.NOTE, Style.CHANGE) else 0
        usable = max(20, width - base - (2 if bullet else 0))
        if style is Style.CHANGE:
            usable = max(20, int(usable * 0.88))  # bold italic runs wider than the average
        for number, piece in enumerate(textwrap.wrap(text, width=usable) or [""]):
            lines.append(Line(piece, style, base + (2 if bullet and number else 0)))
    return lines


@dataclass(frozen=True, slots=True)
class TextBox:
    """A rectangle of the figure (figure fractions) that text is set into."""

    left: float
    top: float
    width: float
    height: float


def fit(
    items: list[tuple[str, Style]],
    box: TextBox,
    figure_size: tuple[float, float],
    *,
    largest: float = 8.4,
    smallest: float = 5.6,
) -> tuple[list[Line], float, int]:
    """Wrap ``items`` at the largest font size that fits ``box``; returns (lines, size,
    lines left out). Below ``smallest`` the text is cut, never made unreadable."""
    width_pt = box.width * figure_size[0] * POINTS_PER_INCH
    height_pt = box.height * figure_size[1] * POINTS_PER_INCH
    size = largest
    while True:
        chars = int(width_pt / (size * CHAR_WIDTH_EM * 1.08))
        lines = wrap(items, chars)
        capacity = int(height_pt / (size * line_spacing()))
        if len(lines) <= capacity:
            return lines, size, 0
        if size <= smallest:
            kept = lines[: max(0, capacity - 1)]
            return kept, size, len(lines) - len(kept)
        size = max(smallest, round(size - 0.3, 2))


def line_spacing() -> float:
    return 1.32


def draw(figure: Figure, lines: list[Line], box: TextBox, size: float, left_out: int) -> None:
    """Set ``lines`` into ``box`` top-down."""
    height_in = figure.get_size_inches()[1]
    step = size * line_spacing() / POINTS_PER_INCH / height_in
    char = size * CHAR_WIDTH_EM / POINTS_PER_INCH / figure.get_size_inches()[0]
    y = box.top
    note_top: float | None = None
    for line in lines:
        y -= step
        x = box.left + line.indent * char
        if line.style is Style.HEADING:
            y -= step * 0.35
            figure.text(
                box.left, y, line.text, fontsize=size + 1.2, fontweight="bold", va="baseline"
            )
            figure.add_artist(
                Line2D(
                    [box.left, box.left + box.width],
                    [y - step * 0.25] * 2,
                    transform=figure.transFigure,
                    color="0.6",
                    linewidth=0.4,
                )
            )
            note_top = None
            continue
        if line.style is Style.NOTE_LABEL:
            figure.text(
                x, y, line.text, fontsize=size, fontweight="bold", style="italic", va="baseline"
            )
            note_top = y - step * 0.2
            continue
        if line.style is Style.NOTE:
            figure.text(x, y, line.text, fontsize=size, style="italic", va="baseline")
            if note_top is not None:
                figure.add_artist(
                    Line2D(
                        [box.left + char * 0.6] * 2,
                        [note_top, y - step * 0.3],
                        transform=figure.transFigure,
                        color="black",
                        linewidth=1.2,
                    )
                )
            continue
        note_top = None
        if line.style is Style.CHANGE:
            figure.text(
                x, y, line.text, fontsize=size, style="italic", fontweight="bold", va="baseline"
            )
            continue
        weight = "bold" if line.style is Style.ALERT else "normal"
        colour = "0.4" if line.style is Style.MUTED else "black"
        figure.text(x, y, line.text, fontsize=size, fontweight=weight, color=colour, va="baseline")
    if left_out:
        figure.text(
            box.left,
            box.top - box.height,
            f"… {left_out} more line(s): see this handoff in the console",
            fontsize=size,
            style="italic",
            va="baseline",
        )
