"""The discharge letter as a PDF: one A4 page or more of wrapped text, matplotlib ``Figure`` +
``PdfPages`` (never pyplot), fonts embedded as TrueType so the text stays searchable.

It is an export: ``build_discharge_letter`` needs the export permission, writes an audit row
and creates the file owner-only (0600) before anything is written into it.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from wardconsole.domain.discharge_letter import DischargeLetter
from wardconsole.private_files import touch_private
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.audit import AuditService
from wardconsole.services.context import Actor, Permission, require
from wardconsole.services.db import Database

A4 = (8.27, 11.69)
MARGIN = 0.08
LINE = 0.0165
WIDTH = 92
"""Characters per line of body text at 9.5 pt across the page."""
_RC: dict[Any, Any] = {"pdf.fonttype": 42, "font.family": "DejaVu Sans"}


def _lines(letter: DischargeLetter) -> list[tuple[str, str]]:
    """(style, text) lines: 'heading' or 'body', wrapped to the page."""
    out: list[tuple[str, str]] = []
    for title, lines in letter.sections:
        out.append(("heading", title))
        for line in lines:
            wrapped = textwrap.wrap(line, WIDTH, subsequent_indent="   ") or [""]
            out += [("body", "• " + wrapped[0])] + [("body", w) for w in wrapped[1:]]
        out.append(("gap", ""))
    return out


def _page(letter: DischargeLetter, ward_name: str, printed_at: datetime, n: int) -> Figure:
    figure = Figure(figsize=A4)
    figure.text(MARGIN, 0.955, letter.title, fontsize=14, weight="bold")
    figure.text(MARGIN, 0.935, letter.patient_line, fontsize=10)
    figure.text(
        MARGIN,
        0.025,
        f"{ward_name} · printed {printed_at:%d %b %Y %H:%M} · page {n} · "
        "confidential: for the receiving service and the GP",
        fontsize=7,
    )
    figure.add_artist(
        matplotlib.lines.Line2D([MARGIN, 1 - MARGIN], [0.925, 0.925], linewidth=0.6, color="k")
    )
    return figure


def write_letter_pdf(
    letter: DischargeLetter, path: str | Path, *, ward_name: str, printed_at: datetime
) -> Path:
    """Write the letter to ``path`` (owner-only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    touch_private(path)
    with (
        matplotlib.rc_context(_RC),
        PdfPages(
            path,
            metadata={"Title": letter.title, "Author": "WardConsole", "CreationDate": None},
        ) as pdf,
    ):
        number = 1
        figure = _page(letter, ward_name, printed_at, number)
        y = 0.9
        for style, text in _lines(letter):
            if y < 0.06:
                pdf.savefig(figure)
                number += 1
                figure = _page(letter, ward_name, printed_at, number)
                y = 0.9
            if style == "heading":
                figure.text(MARGIN, y, text.upper(), fontsize=10.5, weight="bold")
                y -= LINE * 1.3
            elif style == "body":
                figure.text(MARGIN + 0.01, y, text, fontsize=9.5)
                y -= LINE
            else:
                y -= LINE * 0.6
        pdf.savefig(figure)
    return path


def build_discharge_letter(
    db: Database,
    admission_id: int,
    path: str | Path,
    *,
    actor: Actor,
    ward_name: str,
) -> Path:
    """Export the discharge letter of a discharged stay: permission, audit row, 0600 file."""
    require(actor, Permission.EXPORT)
    letter = AftercareService(db).letter(actor, admission_id)
    AuditService(db).record_export(
        actor, "discharge letter (PDF)", admission_id=admission_id, detail={"pages": "A4"}
    )
    return write_letter_pdf(letter, path, ward_name=ward_name, printed_at=db.clock())
