"""The census table: what each cell says, how rows sort and filter, and how refreshes land."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from wardconsole.domain.fluids import FluidPlan, FluidSummary, FluidTotals, period_of
from wardconsole.domain.records import EscalationKind, Severity
from wardconsole.services.views import CensusSnapshot
from wardconsole.ui.census.census_model import (
    ADMISSION_ID_ROLE,
    ROW_ROLE,
    SORT_KEY_ROLE,
    URGENCY_ROLE,
    CensusColumn,
    CensusProxyModel,
    CensusTableModel,
)
from wardconsole.ui.escalations.escalation_model import EscalationTableModel
from wardconsole.ui.theme import Theme, risk_palette, theme_state

from .factories import NOW, census_row, demo_ward, escalation, snapshot

Display = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def model(qapp) -> CensusTableModel:
    model = CensusTableModel()
    model.set_snapshot(demo_ward())
    return model


@pytest.fixture
def proxy(model: CensusTableModel) -> CensusProxyModel:
    proxy = CensusProxyModel()
    proxy.setSourceModel(model)
    proxy.sort_by_urgency()
    return proxy


def cell(model, row: int, column: CensusColumn, role: int = Display):
    return model.index(row, column).data(role)


def beds_in_view_order(proxy: CensusProxyModel) -> list[str]:
    return [cell(proxy, r, CensusColumn.BED) for r in range(proxy.rowCount())]


def model_row(model: CensusTableModel, bed: str) -> int:
    for r in range(model.rowCount()):
        if model.census_row(r).bed == bed:
            return r
    raise AssertionError(f"bed {bed} not on the census")


# --- the Qt model contract ------------------------------------------------------------------


def test_census_model_passes_the_model_tester(qtmodeltester, model: CensusTableModel) -> None:
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)
    # The tester stays attached: admissions, discharges and updates must keep the contract.
    rows = list(demo_ward().rows)
    model.set_snapshot(snapshot([*rows[3:], census_row(99, bed="A5", name="New Admission")]))
    model.set_snapshot(snapshot([]))
    model.set_snapshot(demo_ward())


def test_proxy_passes_the_model_tester(qtmodeltester, proxy: CensusProxyModel) -> None:
    qtmodeltester.check(proxy)
    proxy.set_filter_text("a")
    proxy.sort(CensusColumn.NURSE, Qt.SortOrder.DescendingOrder)


def test_escalation_model_passes_the_model_tester(qtmodeltester, qapp) -> None:
    model = EscalationTableModel()
    row = demo_ward().rows[0]
    model.set_escalations(row.open_escalations, NOW)
    qtmodeltester.check(model)
    model.set_escalations((), NOW)
    model.set_escalations(row.open_escalations, NOW + timedelta(minutes=1))


def test_rows_have_no_children(model: CensusTableModel) -> None:
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.rowCount() == 17


# --- what the cells say ---------------------------------------------------------------------


def test_cells_read_like_the_ward_board(model: CensusTableModel) -> None:
    a1 = model_row(model, "A1")
    assert cell(model, a1, CensusColumn.PATIENT) == "Maya Thornbury  ⚑Self-harm"
    assert cell(model, a1, CensusColumn.AGE) == "27"
    assert cell(model, a1, CensusColumn.DETOX_DAY) == "2"
    assert cell(model, a1, CensusColumn.NEWS2) == "7  ▲ HIGH"
    assert cell(model, a1, CensusColumn.SYMPTOMS) == "41/109"
    assert cell(model, a1, CensusColumn.ESCALATION) == "▲ EMERGENCY · Deterioration  +1"
    assert cell(model, a1, CensusColumn.LAST_OBS) == "35 min ago"
    assert cell(model, a1, CensusColumn.NEXT_DUE) == "in 25 min"
    assert cell(model, a1, CensusColumn.NURSE) == "J. Mensah"


def test_last_obs_is_relative_to_the_snapshot_with_local_time_in_the_tooltip(
    model: CensusTableModel,
) -> None:
    a3 = model_row(model, "A3")
    assert cell(model, a3, CensusColumn.LAST_OBS) == "3 h 10 min ago"
    last = model.census_row(a3).last_obs_at
    tooltip = cell(model, a3, CensusColumn.LAST_OBS, Qt.ItemDataRole.ToolTipRole)
    assert last.astimezone().strftime("%H:%M") in tooltip
    assert "local time" in tooltip


def test_overdue_observations_are_loud(model: CensusTableModel) -> None:
    a3 = model_row(model, "A3")
    assert cell(model, a3, CensusColumn.NEXT_DUE) == "OVERDUE 1 h 5 min"
    assert cell(model, a3, CensusColumn.NEXT_DUE, Qt.ItemDataRole.FontRole).bold()
    assert (
        cell(model, a3, CensusColumn.NEXT_DUE, Qt.ItemDataRole.BackgroundRole)
        == risk_palette(Theme.DAY).overdue.background
    )
    assert cell(model, model_row(model, "A10"), CensusColumn.NEXT_DUE) == "OVERDUE 12 min"


def test_incomplete_observations_are_said_not_scored(model: CensusTableModel) -> None:
    assert cell(model, model_row(model, "A10"), CensusColumn.NEWS2) == "— incomplete"
    partial_with_older_score = cell(model, model_row(model, "A7"), CensusColumn.NEWS2)
    assert partial_with_older_score == "1  ○ LOW · incomplete"
    no_obs = census_row(
        5,
        news2_total=None,
        news2_risk=None,
        last_obs_ago=None,
        next_due_in=None,
        symptom_total=None,
    )
    model.set_snapshot(snapshot([no_obs]))
    assert cell(model, 0, CensusColumn.NEWS2) == "—"
    assert cell(model, 0, CensusColumn.LAST_OBS) == "none yet"
    assert cell(model, 0, CensusColumn.SYMPTOMS) == "—"


def test_escalation_colours_come_with_words(model: CensusTableModel) -> None:
    b2 = model_row(model, "B2")
    assert cell(model, b2, CensusColumn.ESCALATION).startswith("▲ EMERGENCY")
    assert cell(model, b2, CensusColumn.ESCALATION).endswith("+2")
    tooltip = cell(model, b2, CensusColumn.ESCALATION, Qt.ItemDataRole.ToolTipRole)
    assert "Command hallucinations reported" in tooltip
    assert "3 PRN benzodiazepine doses" in tooltip
    background = cell(model, b2, CensusColumn.ESCALATION, Qt.ItemDataRole.BackgroundRole)
    assert background == risk_palette(Theme.DAY).severity[Severity.EMERGENCY].background


def test_night_theme_recolours_without_changing_words(model: CensusTableModel, qtbot) -> None:
    a1 = model_row(model, "A1")
    before = cell(model, a1, CensusColumn.NEWS2)
    with qtbot.waitSignal(model.dataChanged):
        theme_state().set(Theme.NIGHT)
    assert cell(model, a1, CensusColumn.NEWS2) == before
    assert (
        cell(model, a1, CensusColumn.NEWS2, Qt.ItemDataRole.BackgroundRole)
        == risk_palette(Theme.NIGHT).news2["high"].background
    )


# --- sorting and filtering ------------------------------------------------------------------


def test_default_order_is_most_urgent_first(proxy: CensusProxyModel) -> None:
    beds = beds_in_view_order(proxy)
    # Emergencies (B2 before A1: both emergency, B2's NEWS2 is lower -> A1 first).
    assert beds[:2] == ["A1", "B2"]
    # Then urgent (A3 medium+overdue, A8 low-medium, B10 low-medium), then advisory.
    assert beds[2:5] == ["A3", "A8", "B10"]
    assert beds[5:7] == ["A4", "A10"]
    # No escalation: by NEWS2 band, then overdue, then bed.
    assert beds[7] == "B5"  # low-medium
    assert beds[8:] == ["A2", "A6", "A7", "A9", "B1", "B3", "B6", "B7", "B9"]


def test_emergency_sorts_before_urgent_before_none(qapp) -> None:
    rows = [
        census_row(1, bed="A1", news2_total=9, news2_risk="high"),
        census_row(2, bed="A2", escalations=[escalation(severity=Severity.URGENT)]),
        census_row(3, bed="A3", escalations=[escalation(severity=Severity.EMERGENCY)]),
        census_row(4, bed="A4", escalations=[escalation(severity=Severity.ADVISORY)]),
        census_row(5, bed="A5", next_due_in=-timedelta(minutes=5)),
    ]
    model = CensusTableModel()
    model.set_snapshot(snapshot(rows))
    proxy = CensusProxyModel()
    proxy.setSourceModel(model)
    proxy.sort_by_urgency()
    assert beds_in_view_order(proxy) == ["A3", "A2", "A4", "A1", "A5"]
    urgencies = [cell(proxy, r, CensusColumn.BED, URGENCY_ROLE) for r in range(5)]
    assert urgencies == sorted(urgencies, reverse=True)


def test_clicking_a_header_sorts_by_that_column(proxy: CensusProxyModel) -> None:
    proxy.sort(CensusColumn.BED, Qt.SortOrder.AscendingOrder)
    beds = beds_in_view_order(proxy)
    assert beds[:4] == ["A1", "A2", "A3", "A4"]
    assert beds.index("A10") < beds.index("B1")  # natural order, not "A10" < "A2"
    proxy.sort(CensusColumn.NEWS2, Qt.SortOrder.AscendingOrder)  # highest score first
    assert cell(proxy, 0, CensusColumn.BED) == "A1"
    proxy.sort(CensusColumn.AGE, Qt.SortOrder.DescendingOrder)
    assert cell(proxy, 0, CensusColumn.AGE) == "58"


def test_sort_key_role_gives_every_column_a_comparable_key(model: CensusTableModel) -> None:
    for column in CensusColumn:
        keys = [cell(model, r, column, SORT_KEY_ROLE) for r in range(model.rowCount())]
        sorted(keys)  # raises if a column mixes incomparable keys


@pytest.mark.parametrize(
    ("text", "beds"),
    [
        ("maya", ["A1"]),
        ("THORN", ["A1"]),
        ("b1", ["B1", "B10"]),
        ("A10", ["A10"]),
        ("H0000012", ["B2"]),
        ("nobody", []),
    ],
)
def test_filter_by_name_bed_or_hospital_number(
    proxy: CensusProxyModel, text: str, beds: list[str]
) -> None:
    proxy.set_filter_text(text)
    assert sorted(beds_in_view_order(proxy)) == sorted(beds)
    proxy.set_filter_text("")
    assert proxy.rowCount() == 17


# --- refreshes ------------------------------------------------------------------------------


def test_a_refresh_of_the_same_patients_updates_in_place_and_keeps_the_selection(
    qtbot, model: CensusTableModel, proxy: CensusProxyModel
) -> None:
    selection = QItemSelectionModel(proxy)
    b7 = next(r for r in range(proxy.rowCount()) if cell(proxy, r, CensusColumn.BED) == "B7")
    selection.select(
        proxy.index(b7, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    changed_rows: list[int] = []
    model.dataChanged.connect(lambda top, bottom, roles: changed_rows.append(top.row()))

    old = model.snapshot
    rows = list(old.rows)
    b6 = next(i for i, r in enumerate(rows) if r.bed == "B6")
    rows[b6] = replace(rows[b6], news2_total=3, news2_risk="low-medium")
    model.set_snapshot(replace(old, rows=tuple(rows)))

    assert resets == []
    assert changed_rows == [model_row(model, "B6")]
    [selected] = selection.selectedRows()
    assert selected.data() == "B7"
    assert cell(proxy, 0, CensusColumn.BED) == "A1"


def test_time_passing_changes_only_the_time_cells(model: CensusTableModel) -> None:
    changes: list[tuple[int, int, list[int]]] = []
    model.dataChanged.connect(
        lambda top, bottom, roles: changes.append((top.column(), bottom.column(), list(roles)))
    )
    model.set_snapshot(replace(model.snapshot, taken_at=NOW + timedelta(minutes=1)))
    assert len(changes) == model.rowCount()
    for first, last, roles in changes:
        assert CensusColumn.LAST_OBS <= first <= last <= CensusColumn.NEXT_DUE
        assert ROW_ROLE not in roles
        assert Qt.ItemDataRole.DisplayRole in roles


def test_after_time_passes_every_cell_reads_as_on_a_census_opened_now(qapp) -> None:
    """A refresh keeps the cells of an unchanged row that do not read the clock; what the
    nurse sees must still be exactly what a census opened at that moment shows."""
    model = CensusTableModel()
    model.set_snapshot(with_fluids(demo_ward()))
    roles = (
        Display,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        SORT_KEY_ROLE,
        URGENCY_ROLE,
    )
    for later in (timedelta(minutes=1), timedelta(hours=3), timedelta(days=2)):
        model.set_snapshot(replace(model.snapshot, taken_at=NOW + later))
        opened = CensusTableModel()
        opened.set_snapshot(model.snapshot)
        for r in range(model.rowCount()):
            for column in CensusColumn:
                for role in roles:
                    assert cell(model, r, column, role) == cell(opened, r, column, role), (
                        model.census_row(r).bed,
                        column.name,
                        role,
                    )


def with_fluids(ward: CensusSnapshot) -> CensusSnapshot:
    """``ward`` with its first three patients' fluids: drinking on a chart, nothing drunk this
    period since an intake 6 h ago (the cell says how long ago), nothing drunk this stay."""
    period = period_of(NOW, time(7), "Europe/London")
    plan = FluidPlan(1, 1, NOW - timedelta(days=2), "other", "", 2000, NOW + timedelta(days=1))
    fluids = (
        FluidSummary(period, FluidTotals(intake_ml=650, intake_count=3), NOW, plan, None),
        FluidSummary(period, FluidTotals(), NOW - timedelta(hours=6), plan, None),
        FluidSummary(period, FluidTotals(output_ml=300, output_count=1), None, None, None),
    )
    rows = list(ward.rows)
    for i, fluid in enumerate(fluids):
        rows[i] = replace(rows[i], fluid=fluid)
    return replace(ward, rows=tuple(rows))


def test_an_admission_adds_a_row_and_a_discharge_removes_one(
    model: CensusTableModel, proxy: CensusProxyModel
) -> None:
    selection = QItemSelectionModel(proxy)
    selection.select(
        proxy.index(3, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    selected_admission = proxy.index(3, 0).data(ADMISSION_ID_ROLE)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))

    rows = [r for r in model.snapshot.rows if r.bed != "B9"]
    rows.append(census_row(50, bed="A5", name="Noor Halvorsen"))
    model.set_snapshot(snapshot(rows))

    assert resets == []
    assert model.rowCount() == 17
    assert model.row_of_admission(19) == -1
    assert cell(model, model.row_of_admission(50), CensusColumn.PATIENT) == "Noor Halvorsen"
    [selected] = selection.selectedRows()
    assert selected.data(ADMISSION_ID_ROLE) == selected_admission


def test_invalid_indexes_have_no_data(model: CensusTableModel) -> None:
    assert model.data(QModelIndex()) is None
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_escalation_kind_labels_are_used(qapp) -> None:
    model = CensusTableModel()
    row = census_row(escalations=[escalation(EscalationKind.SELF_HARM, Severity.URGENT)])
    model.set_snapshot(snapshot([row]))
    assert cell(model, 0, CensusColumn.ESCALATION) == "◆ URGENT · Self-harm risk"


def test_what_is_due_after_a_prn_dose_is_beside_the_next_set(model: CensusTableModel) -> None:
    rass = replace(census_row(1, bed="A1"), post_prn_rass_due_at=NOW + timedelta(minutes=20))
    rt = replace(
        census_row(2, bed="A2"),
        rt_next_due_at=NOW - timedelta(minutes=10),
        rt_interval_minutes=15,
        rt_not_possible=True,
    )
    model.set_snapshot(snapshot([rass, rt]))
    assert cell(model, 0, CensusColumn.NEXT_DUE) == "RASS in 20 min · in 3 h"
    assert cell(model, 1, CensusColumn.NEXT_DUE) == (
        "RT 15 min asleep—not done OVERDUE 10 min · in 3 h"
    )
    assert cell(model, 1, CensusColumn.NEXT_DUE, Qt.ItemDataRole.FontRole).bold()
    tip = cell(model, 1, CensusColumn.NEXT_DUE, Qt.ItemDataRole.ToolTipRole)
    assert "asleep, observations not possible (not a normal check)" in tip
    later = replace(rass, post_prn_rass_due_at=NOW + timedelta(hours=4))
    model.set_snapshot(snapshot([later]))
    assert cell(model, 0, CensusColumn.NEXT_DUE) == "in 3 h · RASS in 4 h"


def test_clinician_decisions_and_news2_not_validated_stay_with_the_score(
    model: CensusTableModel,
) -> None:
    scale2 = replace(
        census_row(1, bed="A1", news2_total=3, news2_risk="low-medium"),
        clinical_decisions=("SpO2 Scale 2 (target 88–92 %, Amir Khan)",),
    )
    young = replace(census_row(2, bed="A2"), news2_not_validated=("under 16",))
    model.set_snapshot(snapshot([scale2, young]))
    assert cell(model, 0, CensusColumn.NEWS2).endswith(" · S2")
    assert cell(model, 0, CensusColumn.NEWS2).startswith("3")
    assert "SpO2 Scale 2 (target 88–92 %, Amir Khan)" in cell(
        model, 0, CensusColumn.NEWS2, Qt.ItemDataRole.ToolTipRole
    )
    assert cell(model, 1, CensusColumn.NEWS2).endswith(" · NEWS2 not validated")
    assert "under 16 (still scored)" in cell(
        model, 1, CensusColumn.NEWS2, Qt.ItemDataRole.ToolTipRole
    )
