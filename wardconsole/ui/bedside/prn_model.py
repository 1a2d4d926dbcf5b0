"""PRN doses of the last 24 hours as a table, newest first, with their recorded effects.

A dose whose formulary class counts as a sedative (benzodiazepine, Z-drug, …) is marked "✓" and
bold (the column title explains the mark), so the count a nurse sees is the count the rule
uses; the class is the formulary's for the drug, whatever an older entry stored, and a class
chosen for a drug not in the formulary carries its reason. A dose whose effect is not yet
recorded says that too.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from wardconsole.services.history import PrnDoseView, PrnSummary
from wardconsole.ui import formatting as fmt
from wardconsole.ui.widgets.snapshot_model import SnapshotTableModel

DOSE_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``PrnDoseView`` behind any cell of a row."""


class PrnColumn(enum.IntEnum):
    GIVEN = 0
    DRUG = 1
    CLASS = 2
    REASON = 3
    EFFECT = 4

    @property
    def title(self) -> str:
        return ("Given", "Drug and dose", "Class (✓ counts)", "Reason", "Effect")[self]


class PrnDoseModel(SnapshotTableModel[PrnDoseView]):
    """Rows are the summary's doses (already newest first)."""

    headers = tuple(column.title for column in PrnColumn)
    row_role = DOSE_ROLE

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._summary: PrnSummary | None = None

    @property
    def summary(self) -> PrnSummary | None:
        return self._summary

    def set_summary(self, summary: PrnSummary) -> None:
        self._summary = summary
        self.set_rows(summary.doses)

    def dose(self, row: int) -> PrnDoseView:
        return self.row_at(row)

    def row_of(self, dose_id: int) -> int:
        for row, dose in enumerate(self.rows):
            if dose.id == dose_id:
                return row
        return -1

    def cell(self, dose: PrnDoseView, index: int, role: int) -> Any:
        column = PrnColumn(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(dose, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == PrnColumn.GIVEN:
                return (
                    f"Given {fmt.local_datetime_text(dose.given_at)} (local time), "
                    f"recorded by {dose.recorded_by}"
                )
            if column == PrnColumn.CLASS and dose.class_reason:
                return f"{dose.drug_class}\nClass chosen because: {dose.class_reason}"
            if column == PrnColumn.EFFECT and dose.effects:
                return "\n".join(
                    f"{fmt.local_time_text(e.assessed_at)} {e.effect} ({e.recorded_by})"
                    for e in dose.effects
                )
            return self._text(dose, column)
        if role == Qt.ItemDataRole.FontRole and column == PrnColumn.CLASS and dose.counted:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, dose: PrnDoseView, column: PrnColumn) -> str:
        match column:
            case PrnColumn.GIVEN:
                now = self._summary.as_of if self._summary is not None else dose.given_at
                return f"{fmt.local_time_text(dose.given_at)} ({fmt.ago_text(dose.given_at, now)})"
            case PrnColumn.DRUG:
                return f"{dose.drug} {dose.dose} {dose.route}".strip()
            case PrnColumn.CLASS:
                return f"✓ {dose.drug_class}" if dose.counted else dose.drug_class
            case PrnColumn.REASON:
                return dose.reason
            case PrnColumn.EFFECT:
                if not dose.effects:
                    return "— not yet recorded"
                return dose.effects[-1].effect


def summary_text(summary: PrnSummary) -> tuple[str, str]:
    """The 24-hour sedative/anxiolytic count in words, and its tone; oral antipsychotics are
    counted on their own line (they are not part of the PRN-review count)."""
    text, tone = _sedative_text(summary)
    if summary.oral_antipsychotics:
        hours = int(summary.window.total_seconds() // 3600)
        text += f"\nOral antipsychotic PRN in the last {hours} h: {summary.oral_antipsychotics}"
    return text, tone


def _sedative_text(summary: PrnSummary) -> tuple[str, str]:
    hours = int(summary.window.total_seconds() // 3600)
    counted = summary.counted
    noun = "dose" if counted == 1 else "doses"
    text = f"Sedative/anxiolytic PRN in the last {hours} h: {counted} {noun}"
    if summary.review_above is None:
        return text + " (PRN review rule switched off)", "muted"
    if summary.review_due:
        return (
            text + f" — {summary.review_severity.shape} more than {summary.review_above}: PRN "
            "review by the prescriber "
            "(local policy)",
            "alert",
        )
    if counted == summary.review_above:
        return (
            text + f" — one more raises a PRN review (local policy: more than "
            f"{summary.review_above})",
            "soon",
        )
    return text + f" (PRN review when more than {summary.review_above}, local policy)", "muted"
