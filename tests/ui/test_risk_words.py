"""The words that carry risk are never the ones a narrow column cuts off.

Every status cell of the census is rendered, through the census's own delegate and in its
styled font, at the narrowest width the console allows for its column (the risk columns never
give way; see ``GIVE_WAY_ORDER``), and the risk words must all be in what is drawn: the
severity and '+N' of an escalation, the NEWS2 score and 'incomplete', 'LATE' or 'ABSENT' with
their time, 'OVERDUE' with its time. Only a kind, a band's word or a level's name may shorten.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QStyleOptionViewItem

from wardconsole.domain.fluids import FluidPlan, FluidSummary, FluidTotals, ReviewFinding, period_of
from wardconsole.domain.policy import Shift
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.domain.shifts import ShiftPattern
from wardconsole.domain.sleep import (
    NightSleep,
    SleepEntry,
    SleepFlag,
    SleepQuality,
    estimate_sleep,
    little_sleep_flag,
    load_sleep_policy,
    recent_nights,
)
from wardconsole.ui.census.census_model import CensusColumn, CensusProxyModel, CensusTableModel
from wardconsole.ui.census.census_view import CensusView
from wardconsole.ui.theme import Theme, apply_theme, theme_state

from .factories import NOW, census_row, escalation, snapshot

E = EscalationKind


def _rows():
    """The longest status texts the census makes, one row each."""
    return [
        census_row(
            1,
            bed="B01",
            news2_total=20,
            news2_risk="high",
            latest_set_partial=True,
            escalations=[
                escalation(E.OVERDUE_OBS, Severity.EMERGENCY),
                *(escalation(E.PANIC) for _ in range(11)),
            ],
            next_due_in=-timedelta(hours=23, minutes=59),
        ),
        census_row(2, bed="B02", news2_total=0, news2_risk="low", latest_set_partial=True),
        census_row(
            3,
            bed="B03",
            news2_total=6,
            news2_risk="low-medium",
            latest_set_partial=True,
            escalations=[escalation(E.RAPID_TRANQUILLISATION, Severity.URGENT)],
        ),
        census_row(4, bed="B04", news2_total=None, news2_risk=None, latest_set_partial=True),
        replace(
            census_row(5, bed="B05"),
            observation_level="Within eyesight",
            observation_level_short="Eyesight",
            observation_raised=True,
            level_review_suggested=True,
            next_check_due_at=NOW - timedelta(hours=23, minutes=59),
            check_overdue_since=NOW - timedelta(hours=23, minutes=59),
            check_overdue_severity=Severity.URGENT,
        ),
        replace(
            census_row(6, bed="B06"),
            observation_level="Within arm's length",
            observation_level_short="Arm's len",
            observation_raised=True,
            level_review_suggested=True,
            next_check_due_at=NOW + timedelta(hours=11, minutes=59),
            check_prompt_at=NOW - timedelta(minutes=1),
        ),
        replace(
            census_row(
                7,
                bed="B07",
                escalations=[
                    escalation(E.ABSENT, Severity.EMERGENCY, raised_ago=timedelta(hours=23))
                ],
            ),
            observation_level="Intermittent 15 min",
            observation_level_short="Int 15",
            observation_raised=True,
            next_check_due_at=NOW + timedelta(minutes=9),
        ),
        replace(census_row(8, bed="B08"), fluid=_behind()),
        replace(census_row(9, bed="B09"), sleep=_little_sleep()),
    ]


def _little_sleep() -> SleepFlag:
    """3.5 h and 2.5 h asleep on the last two nights (the nurse's entries; the longest text)."""
    policy = load_sleep_policy()
    pattern = ShiftPattern(
        (Shift("Day", time(7), time(19)), Shift("Night", time(19), time(7))), "Europe/London"
    )
    nights = recent_nights(pattern, NOW, policy, 2)
    found = []
    for night, minutes in zip(nights, (210, 150), strict=True):
        entry = SleepEntry(1, 9, night.start_date, minutes, SleepQuality.DISTURBED, None, night.end)
        found.append(NightSleep(night, estimate_sleep(night, [], lambda _l: HOUR, policy), entry))
    flag = little_sleep_flag(found, policy)
    assert flag is not None
    return flag


def _behind() -> FluidSummary:
    """On a chart, behind at the review, and an output not measured (the longest text)."""
    plan = FluidPlan(
        1, 8, NOW - timedelta(days=2), "bladder_pain", "", 4000, NOW + timedelta(days=1)
    )
    totals = FluidTotals(1450, 9, 1250, 5, 2, 7)
    review = ReviewFinding(NOW - timedelta(minutes=5), "15:00", 2000, 1450, 4000)
    return FluidSummary(period_of(NOW, time(7), "Europe/London"), totals, NOW, plan, review)


HOUR = timedelta(hours=1)

RISK_WORDS = {  # bed -> column -> words that must be drawn whole
    "B01": {
        CensusColumn.NEWS2: ["20", "▲", "incomplete"],
        CensusColumn.ESCALATION: ["▲ EMERGENCY", "+11"],
        CensusColumn.NEXT_DUE: ["OVERDUE 23 h 59 min"],
    },
    "B02": {CensusColumn.NEWS2: ["0", "○", "incomplete"]},
    "B03": {CensusColumn.NEWS2: ["6", "◆", "incomplete"], CensusColumn.ESCALATION: ["◆ URGENT"]},
    "B04": {CensusColumn.NEWS2: ["incomplete"]},
    "B05": {CensusColumn.CHECKS: ["◆ LATE 23 h 59 min"]},
    "B06": {CensusColumn.CHECKS: ["⚠", "↻", "11 h 59 min"]},
    "B07": {CensusColumn.CHECKS: ["ABSENT 23 h"]},
    "B08": {CensusColumn.FLUIDS: ["● low"]},  # collapsed to the worded flag
    "B09": {CensusColumn.SLEEP: ["● low"]},  # little sleep, collapsed to the worded flag
}


@pytest.mark.parametrize("theme", [Theme.DAY, Theme.NIGHT])
def test_every_status_cell_keeps_its_risk_words_at_the_narrowest_width(
    qtbot, qapp, theme: Theme
) -> None:
    apply_theme(qapp, theme)
    theme_state().set(theme)
    model = CensusTableModel()
    model.set_snapshot(snapshot(_rows(), taken_at=NOW))
    proxy = CensusProxyModel()
    proxy.setSourceModel(model)
    view = CensusView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.apply_default_column_widths()
    view.show()
    delegate = view.itemDelegate()
    checked = 0
    for row in range(proxy.rowCount()):
        bed = proxy.index(row, CensusColumn.BED).data()
        for column, words in RISK_WORDS.get(bed, {}).items():
            index = proxy.index(row, column)
            option = QStyleOptionViewItem()
            view.initViewItemOption(option)
            option.rect = QRect(0, 0, view.give_way_floor(column), 30)
            delegate.initStyleOption(option, index)
            drawn = option.text
            assert option.fontMetrics.horizontalAdvance(drawn) <= option.rect.width() - 8, (
                bed,
                column.name,
                drawn,
            )
            for word in words:
                assert word in drawn, (bed, column.name, drawn, index.data())
            checked += 1
    assert checked == sum(len(columns) for columns in RISK_WORDS.values())
    apply_theme(qapp, Theme.DAY)
