"""Laying out handoff text on a printed page: wrapping, styles, shrinking to fit one page,
running on to continuation pages when it cannot (never cut).

Generated facts and the nurse's own words are set differently (upright behind a bullet or the
fact's severity, '◆ URGENT · …', vs.
italic under a "Nurse's notes" label with a rule beside it), so they stay distinguishable in
black-and-white print as on screen.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import text_to_path

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


def wrap(items: list[tuple[str, Style]], width: int, size: float | None = None) -> list[Line]:
    """Wrap to ``width`` characters; a fact's continuation lines hang under its text. Given
    the font ``size``, each item is re-wrapped narrower until every line, set in its style,
    measures within the width (bold and wide letters run past the average)."""
    lines: list[Line] = []
    for text, style in items:
        bullet = style in (Style.FACT, Style.ALERT)
        base = 2 if style in (Style.NOTE, Style.CHANGE) else 0
        usable = max(20, width - base - (2 if bullet else 0))
        if style is Style.CHANGE:
            usable = max(20, int(usable * 0.88))  # bold italic runs wider than the average
        while True:
            pieces = textwrap.wrap(text, width=usable) or [""]
            placed = [
                Line(piece, style, base + (2 if bullet and number else 0))
                for number, piece in enumerate(pieces)
            ]
            if size is None or usable <= 20 or all(_fits(line, width, size) for line in placed):
                break
            usable -= 2
        lines += placed
    return lines


def _fits(line: Line, width: int, size: float) -> bool:
    """Whether ``line``, indented and set in its style, measures within ``width`` average
    characters at ``size`` points."""
    bigger = size + 1.2 if line.style is Style.HEADING else size
    measured = _ems(line.text, line.style in _BOLD, line.style in _ITALIC) * bigger
    return measured + line.indent * size * CHAR_WIDTH_EM <= width * _char_pt(size)


@lru_cache(maxsize=4096)
def _ems(text: str, bold: bool, italic: bool) -> float:
    """The width of ``text`` in ems of DejaVu Sans (text width grows with the font size)."""
    font = FontProperties(
        family="DejaVu Sans",
        size=100,
        weight="bold" if bold else "normal",
        style="italic" if italic else "normal",
    )
    width, _height, _descent = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return float(width) / 100


_BOLD = frozenset({Style.HEADING, Style.ALERT, Style.NOTE_LABEL, Style.CHANGE})
_ITALIC = frozenset({Style.NOTE_LABEL, Style.NOTE, Style.CHANGE})


def _char_pt(size: float) -> float:
    """The width of one average character at ``size`` points, as ``fit`` counts them."""
    return size * CHAR_WIDTH_EM * 1.08


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
    more: TextBox | None = None,
    largest: float = 8.4,
    smallest: float = 5.6,
) -> tuple[list[list[Line]], float]:
    """Wrap ``items`` at the largest font size that fits ``box``; returns (pages of lines,
    size). When the text does not fit ``box`` even at ``smallest``, it runs on at ``largest``
    into continuation boxes (``more``, the same box when None): nothing is ever left out, and
    every line's descenders stay inside its box (a printed page's footer stays clear)."""
    size = largest
    while True:
        lines = wrap(items, _chars(box, figure_size, size), size)
        if _steps(lines) <= _capacity(box, figure_size, size):
            return [lines], size
        if size <= smallest:
            break
        size = max(smallest, round(size - 0.3, 2))
    size = largest
    lines = wrap(items, _chars(box, figure_size, size), size)
    pages: list[list[Line]] = []
    page: list[Line] = []
    capacity = _capacity(box, figure_size, size)
    section: Line | None = None
    for line in lines:
        if line.style is Style.HEADING:
            section = line
        if page and _steps([*page, line]) > capacity:
            pages.append(page)
            page = []
            capacity = _capacity(more or box, figure_size, size)
            if section is not None and line.style is not Style.HEADING:
                page.append(Line(f"{section.text} (continued)", Style.HEADING))
            if line.style is Style.NOTE:  # the nurse's words stay marked as theirs
                page.append(Line("Nurse's notes (continued):", Style.NOTE_LABEL))
        page.append(line)
    pages.append(page)
    return pages, size


HEADING_GAP = 0.35
"""Extra space above a section heading, in lines."""
DESCENT = 0.4
"""Room below the last baseline for descenders and a heading's rule, in lines."""


def _steps(lines: list[Line]) -> float:
    """The height ``lines`` take, in line steps, with the descent below the last one."""
    gaps = sum(HEADING_GAP for line in lines if line.style is Style.HEADING)
    return len(lines) + gaps + DESCENT


def _chars(box: TextBox, figure_size: tuple[float, float], size: float) -> int:
    width_pt = box.width * figure_size[0] * POINTS_PER_INCH
    return int(width_pt / _char_pt(size))


def _capacity(box: TextBox, figure_size: tuple[float, float], size: float) -> float:
    height_pt = box.height * figure_size[1] * POINTS_PER_INCH
    return height_pt / (size * line_spacing())


def line_spacing() -> float:
    return 1.32


def draw(figure: Figure, lines: list[Line], box: TextBox, size: float) -> None:
    """Set ``lines`` (one page of ``fit``) into ``box`` top-down."""
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
