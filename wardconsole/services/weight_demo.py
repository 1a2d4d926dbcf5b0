"""The demo ward's weighings and MUST screens, believable rather than tidy.

Every patient is weighed and measured at intake with the weight 3–6 months before (mostly
self-reported) and screened with MUST; patients in for more than a week are weighed and screened
again on day 7 — except one, whose weekly weighing is overdue. The longest stay is losing
weight (weighed twice a week, the screens rising to high risk); the most recent admission is
thin enough to screen at medium risk, so its 3-day food chart runs. A separate random
generator per patient keeps the rest of the demo unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from wardconsole.domain.assessments import score_assessment
from wardconsole.domain.food_chart import FOOD_CHART_REASON, after_screen
from wardconsole.domain.weights import risk_of_flags
from wardconsole.services.db import Database
from wardconsole.store.models import AssessmentRow, FoodChartRow, WeightEntryRow

_TENTH = Decimal("0.1")


def add_weighings(
    db: Database,
    admissions: Mapping[int, datetime],
    nurse_ids: Sequence[int],
    *,
    now: datetime,
    seed: int,
) -> None:
    """Weighings and MUST screens for each admission (admission id -> admitted at)."""
    weighings: list[dict[str, Any]] = []
    screens: list[dict[str, Any]] = []
    ordered = sorted(admissions.items(), key=lambda item: (item[1], item[0]))
    losing = ordered[0][0] if ordered else None
    medium = ordered[-1][0] if ordered else None
    overdue = next((a for a, at in ordered[1:] if now - at > timedelta(days=8)), None)
    for admission_id, admitted_at in ordered:
        rng = random.Random(seed * 104_729 + admission_id)
        patient = _Patient(rng, admission_id, admitted_at, now, nurse_ids)
        if admission_id == losing:
            made = patient.losing_weight()
        elif admission_id == medium:
            made = patient.steady(bmi=Decimal("19.4"), loss=Decimal(0), weekly=False)
        else:
            made = patient.steady(
                bmi=Decimal(rng.randint(205, 285)) / 10,
                loss=Decimal(rng.randint(0, 40)) / 10,
                weekly=admission_id != overdue,
            )
        weighings.extend(made[0])
        screens.extend(row for row in made[1] if row["taken_at"] <= now)
    with db.transaction() as session:
        for model, rows in ((WeightEntryRow, weighings), (AssessmentRow, screens)):
            if rows:
                session.execute(insert(model), rows)
        _food_charts(session, screens, now, db.weight_policy.food_chart)


def _food_charts(
    session: Session, screens: Sequence[dict[str, Any]], now: datetime, days: timedelta
) -> None:
    """The food chart each patient's latest screen started, as saving it would have."""
    latest = {row["admission_id"]: row for row in sorted(screens, key=lambda r: r["taken_at"])}
    for admission_id, row in latest.items():
        risk = risk_of_flags(score_assessment("must", row["answers"]).flags)
        version = after_screen(None, risk, row["taken_at"], now, days)
        if version is None:
            continue
        screen_id = session.scalar(
            select(AssessmentRow.id).where(
                AssessmentRow.admission_id == admission_id,
                AssessmentRow.kind == "must",
                AssessmentRow.taken_at == row["taken_at"],
            )
        )
        stamp = {k: row[k] for k in ("admission_id", "taken_at", "recorded_at", "recorded_by_id")}
        stamp |= {k: row[k] for k in ("station", "status", "note", "amends_id", "amend_reason")}
        session.add(
            FoodChartRow(
                **stamp,
                reason=FOOD_CHART_REASON,
                screen_id=screen_id,
                ends_at=version.ends_at,
                active=True,
            )
        )


def _kg(value: Decimal) -> str:
    return f"{value.quantize(_TENTH, rounding=ROUND_HALF_UP)}"


class _Patient:
    def __init__(
        self,
        rng: random.Random,
        admission_id: int,
        admitted_at: datetime,
        now: datetime,
        nurse_ids: Sequence[int],
    ) -> None:
        self.rng = rng
        self.admission_id = admission_id
        self.admitted_at = admitted_at
        self.now = now
        self.nurse_ids = nurse_ids
        self.height = Decimal(rng.randint(155, 190)) / 100

    def _stamp(self, at: datetime) -> dict[str, Any]:
        return {
            "admission_id": self.admission_id,
            "taken_at": at,
            "recorded_at": at + timedelta(minutes=self.rng.randint(1, 8)),
            "recorded_by_id": self.rng.choice(self.nurse_ids),
            "station": self.rng.choice(["Station A", "Station B"]),
            "status": "final",
            "note": "",
            "amends_id": None,
            "amend_reason": None,
        }

    def _weighing(self, at: datetime, kg: Decimal, **extra: Any) -> dict[str, Any]:
        row = self._stamp(at)
        row.update(
            weight_kg=_kg(kg),
            height_m=None,
            before_kg=None,
            before_source="",
            before_planned=False,
            source="manual",
            source_ref=None,
        )
        row.update(extra)
        return row

    def _screen(self, at: datetime, answers: dict[str, Any]) -> dict[str, Any]:
        score = score_assessment("must", answers)
        row = self._stamp(at)
        row.update(kind="must", answers=answers, total=score.total, label=score.label)
        return row

    def _times(self, every: timedelta) -> list[datetime]:
        first = self.admitted_at + timedelta(minutes=self.rng.randint(40, 150))
        times = []
        at = first
        while at <= self.now:
            times.append(at)
            at += every
        return times

    def steady(
        self, *, bmi: Decimal, loss: Decimal, weekly: bool
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        weight = bmi * self.height * self.height
        before = weight / (1 - loss / 100)
        source = "documented" if self.rng.random() < 0.3 else "self_reported"
        times = self._times(timedelta(days=7)) if weekly else self._times(timedelta(days=99))
        weighings, screens = [], []
        for number, at in enumerate(times):
            kg = weight + Decimal(self.rng.randint(-6, 6)) / 10 if number else weight
            extra: dict[str, Any] = {}
            if number == 0:
                extra = {
                    "height_m": f"{self.height}",
                    "before_kg": _kg(before),
                    "before_source": source,
                }
            weighings.append(self._weighing(at, kg, **extra))
            screens.append(
                self._screen(
                    at + timedelta(minutes=20),
                    {
                        "weight_kg": _kg(kg),
                        "height_m": f"{self.height}",
                        "weight_before_kg": _kg(before),
                        "loss_planned": False,
                        "acute_no_intake": False,
                    },
                )
            )
        return weighings, screens

    def losing_weight(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Thin on admission after weeks of heavy use, eating little, weighed twice a week."""
        weight = Decimal("19.9") * self.height * self.height
        before = weight / Decimal("0.93")  # 7 % lost before admission, unplanned
        weighings, screens = [], []
        for number, at in enumerate(self._times(timedelta(days=3, hours=12))):
            kg = weight - Decimal("1.2") * number
            extra: dict[str, Any] = {}
            if number == 0:
                extra = {
                    "height_m": f"{self.height}",
                    "before_kg": _kg(before),
                    "before_source": "documented",
                    "note": "GP record: 3 months ago",
                }
            weighings.append(self._weighing(at, kg, **extra))
            screens.append(
                self._screen(
                    at + timedelta(minutes=15),
                    {
                        "weight_kg": _kg(kg),
                        "height_m": f"{self.height}",
                        "weight_before_kg": _kg(before),
                        "loss_planned": False,
                        "acute_no_intake": False,
                    },
                )
            )
        return weighings, screens
