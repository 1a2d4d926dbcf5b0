"""One vocabulary of severity shapes on the census: ● advisory, ◆ urgent, ▲ emergency.

Every column's cell is rendered (its text, its worded flag for a narrow column and its tooltip)
for rows built to trigger each flag, and every shape drawn must be the severity of the
escalation that flag raises — the escalation itself, the NEWS2 band's, the level policy's for a
late or absent patient, the fluid policy's for intake behind — or no severity shape at all
where none is raised (a check due now, a late check on a level that raises nothing): a nurse
glancing at a ▲ can trust it is an emergency.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from wardconsole.domain.fluid_policy import load_fluid_policy
from wardconsole.domain.observation_levels import load_observation_levels
from wardconsole.domain.records import ATTENTION_SIGN, EscalationKind, Severity
from wardconsole.domain.rules import news2_severity
from wardconsole.domain.sleep import LITTLE_SLEEP_SEVERITY
from wardconsole.services.views import CensusRow
from wardconsole.ui.census.census_model import (
    SHORT_TEXT_ROLE,
    CensusColumn,
    CensusTableModel,
)
from wardconsole.ui.census.summary_strip import SummaryStrip
from wardconsole.ui.theme import Theme, theme_state

from .factories import NOW, census_row, escalation, snapshot
from .test_risk_words import _behind, _little_sleep
from .test_risk_words import _rows as longest_rows

SHAPES = {s.shape: s for s in Severity}
E = EscalationKind


def _rows() -> list[CensusRow]:
    """The longest texts of every flag (as the risk-words test builds them), each with the
    severity its policy gives, and the flags the longest rows leave out."""
    levels, fluids = load_observation_levels(), load_fluid_policy()
    rows = []
    for row in longest_rows():
        if row.check_overdue_since is not None:
            row = replace(row, check_overdue_severity=levels.missed_check_severity)
        if row.fluid is not None and row.fluid.review is not None:
            review = replace(row.fluid.review, severity=fluids.review_severity)
            row = replace(row, fluid=replace(row.fluid, review=review))
        rows.append(row)
    late = rows[4]
    return [
        *rows,
        # a late check on a level whose missed checks raise no escalation
        replace(late, admission_id=20, bed="B20", check_overdue_severity=None),
        census_row(21, bed="B21", news2_total=7, news2_risk="high"),
        census_row(22, bed="B22", news2_total=5, news2_risk="medium"),
        census_row(23, bed="B23", news2_total=3, news2_risk="low-medium"),
        census_row(
            24,
            bed="B24",
            escalations=[
                escalation(E.FOLLOW_UP_OVERDUE, Severity.ADVISORY),
                escalation(E.DEPENDENCY_REVIEW, Severity.ADVISORY),
            ],
        ),
        replace(census_row(25, bed="B25"), fluid=_behind(), sleep=_little_sleep()),
    ]


def _raised(row: CensusRow, column: CensusColumn) -> set[Severity]:
    """The severities of the escalations behind what ``column`` flags for ``row``."""
    escalations = row.open_escalations
    if column is CensusColumn.ESCALATION:
        return {e.severity for e in escalations}
    if column is CensusColumn.NEWS2:
        found = news2_severity(row.effective_news2_risk)
        return {found} if found is not None else set()
    if column is CensusColumn.CHECKS:
        absent = {e.severity for e in escalations if e.kind is E.ABSENT}
        if absent:
            return absent
        late = row.check_overdue_since is not None and row.check_overdue_severity is not None
        return {row.check_overdue_severity} if late and row.check_overdue_severity else set()
    if column is CensusColumn.FLUIDS:
        review = row.fluid.review if row.fluid is not None else None
        return {review.severity} if review is not None and review.behind else set()
    if column is CensusColumn.SLEEP:
        return {LITTLE_SLEEP_SEVERITY} if row.sleep is not None else set()
    if column is CensusColumn.MEDICINES:
        return {e.severity for e in escalations if e.kind is E.DEPENDENCY_REVIEW}
    return set()


def _shapes(text: object) -> set[Severity]:
    return {SHAPES[c] for c in str(text or "") if c in SHAPES}


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_every_census_shape_is_the_severity_of_the_escalation_its_flag_raises(
    qtbot, theme: Theme
) -> None:
    rows = _rows()
    theme_state().set(theme)
    model = CensusTableModel()
    model.set_snapshot(snapshot(rows, taken_at=NOW))
    flagged = 0
    for r in range(model.rowCount()):
        bed = model.index(r, CensusColumn.BED).data()
        row = next(x for x in rows if x.bed == bed)
        for column in CensusColumn:
            index = model.index(r, column)
            shown = index.data(Qt.ItemDataRole.DisplayRole)
            texts = (shown, index.data(SHORT_TEXT_ROLE), index.data(Qt.ItemDataRole.ToolTipRole))
            raised = _raised(row, column)
            for text in texts:
                wrong = _shapes(text) - raised
                assert not wrong, (bed, column.name, text, sorted(raised))
            if raised:  # the loudest is shown, in the cell and in its narrow flag
                assert max(raised).shape in str(shown), (bed, column.name, shown)
                if index.data(SHORT_TEXT_ROLE) and column is not CensusColumn.ESCALATION:
                    assert max(raised).shape in index.data(SHORT_TEXT_ROLE)
                flagged += 1
    assert flagged >= 12  # every flag above was seen


def test_a_flag_that_raises_nothing_wears_the_neutral_sign() -> None:
    theme_state().set(Theme.DAY)
    model = CensusTableModel()
    model.set_snapshot(snapshot(_rows(), taken_at=NOW))
    texts = {
        model.index(r, CensusColumn.BED).data(): model.index(r, CensusColumn.CHECKS).data()
        for r in range(model.rowCount())
    }
    assert texts["B20"].startswith(f"{ATTENTION_SIGN} LATE 23 h 59 min")  # raises nothing
    assert texts["B05"].startswith("◆ LATE 23 h 59 min")  # the missed-check escalation: urgent
    assert texts["B06"].startswith(f"{ATTENTION_SIGN} ")  # check now: a prompt, not a severity
    assert texts["B07"].startswith("▲ ABSENT 23 h")  # not found: an emergency
    assert ATTENTION_SIGN not in SHAPES


def test_summary_tile_counts_escalations_of_every_severity_without_one_severity_shape(
    qtbot,
) -> None:
    strip = SummaryStrip("Ward 7")
    qtbot.addWidget(strip)
    rows = [census_row(1, bed="B01", escalations=[escalation(E.PANIC, Severity.ADVISORY)])]
    strip.set_snapshot(snapshot(rows, taken_at=NOW))
    text = strip.texts()["escalations"]
    assert text.startswith(f"{ATTENTION_SIGN} 1 with open escalations")
    assert not _shapes(text)
