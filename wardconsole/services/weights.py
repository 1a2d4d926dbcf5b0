"""Reading a patient's weighings and MUST follow-up: the course of the stay (latest weight,
BMI, change since the first weight, when weighing is next due), the latest MUST screen and what
follows from it (the food chart a medium-risk screen started, the ward's refeeding prompt).
Writes go through ``RecordingService`` (``record_weight``, ``amend_weight``; the MUST screen is
an assessment, which starts the food chart)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from wardconsole.domain.weight_policy import WeightPolicy
from wardconsole.domain.weights import (
    MustScreen,
    WeightCourse,
    must_prefill,
    must_prompts,
    weight_course,
)
from wardconsole.services.context import NotFound
from wardconsole.services.db import Database
from wardconsole.services.food_chart import running_charts
from wardconsole.store import weights
from wardconsole.store.models import Admission


@dataclass(frozen=True, slots=True)
class WeightOverview:
    """One patient's weighings and MUST follow-up as of ``as_of``."""

    admission_id: int
    as_of: datetime
    course: WeightCourse
    screens: tuple[MustScreen, ...]
    """Current MUST screens of the stay, oldest first."""
    prompts: tuple[str, ...]
    policy: WeightPolicy

    @property
    def screen(self) -> MustScreen | None:
        return self.screens[-1] if self.screens else None

    @property
    def is_due(self) -> bool:
        return self.course.is_due(self.as_of)

    @property
    def due_text(self) -> str:
        return self.course.due_text(self.as_of)


class WeightService:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def policy(self) -> WeightPolicy:
        return self._db.weight_policy

    def overviews(
        self, admission_ids: Collection[int], at: datetime | None = None
    ) -> dict[int, WeightOverview]:
        """Every listed patient's overview (five statements whatever their number)."""
        now = at or self._db.clock()
        policy = self._db.weight_policy
        ids = list(admission_ids)
        with self._db.read() as session:
            admitted = dict(
                session.execute(
                    select(Admission.id, Admission.admitted_at).where(Admission.id.in_(ids))
                ).all()
            )
            found = weights.weighings(session, admitted)
            screens = weights.must_screens(session, admitted)
            charts = running_charts(session, admitted, now, self._db.shifts.zone)
        result = {}
        for admission_id, admitted_at in admitted.items():
            listed = tuple(screens.get(admission_id, ()))
            result[admission_id] = WeightOverview(
                admission_id=admission_id,
                as_of=now,
                course=weight_course(found.get(admission_id, ()), admitted_at, policy),
                screens=listed,
                prompts=(
                    *([charts[admission_id].summary] if admission_id in charts else []),
                    *must_prompts(listed[-1] if listed else None, now, policy),
                ),
                policy=policy,
            )
        return result

    def overview(self, admission_id: int, at: datetime | None = None) -> WeightOverview:
        found = self.overviews([admission_id], at)
        if admission_id not in found:
            raise NotFound(f"admission {admission_id} does not exist")
        return found[admission_id]

    def must_prefill(self, admission_id: int) -> dict[str, object]:
        """The MUST screen's starting answers from the latest weighings (see
        ``domain.weights.must_prefill``)."""
        return must_prefill(self.overview(admission_id).course)
