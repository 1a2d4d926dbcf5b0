"""Weighings and MUST screens for the Physical care chart page: one point per weighing (with the
MUST category in force then) and one marker per screen, the stay's weight change, and what is due
(weighing, the medium-risk food chart, the ward's refeeding prompt)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from wardconsole.domain.weights import (
    MustScreen,
    WeightCourse,
    must_prompts,
    parse_decimal,
    weight_course,
)
from wardconsole.services.db import Database
from wardconsole.store import weights

SCREEN_APPLIES_AFTER = timedelta(days=1)
"""A screen done up to a day after a weighing is the one that weighing fed (a display choice)."""


@dataclass(frozen=True, slots=True, eq=False)
class WeightSeries:
    x: np.ndarray
    """Weighing times (epoch seconds), oldest first."""
    kg: np.ndarray
    texts: tuple[str, ...]
    """Per weighing: '61.2 kg · BMI 20.8 · MUST 1 medium risk'."""
    screen_x: np.ndarray
    screen_kg: np.ndarray
    """The weight the screen scored (NaN for an estimated screen: drawn on the axis floor)."""
    screen_risks: tuple[str, ...]
    screen_texts: tuple[str, ...]
    summary: str
    """'61.2 kg, BMI 20.8, −2.3 kg (−3.6 %) since Mon 02 Dec' or 'not weighed'."""
    due_text: str
    prompts: tuple[str, ...]

    @classmethod
    def empty(cls) -> WeightSeries:
        none = np.zeros(0)
        return cls(none, none, (), none, none, (), (), "not weighed", "", ())

    @property
    def points(self) -> int:
        return len(self.x) + len(self.screen_x)

    def text_at(self, at: float) -> str | None:
        """The latest weighing at or before ``at`` in words (None before the first)."""
        index = int(np.searchsorted(self.x, at, side="right")) - 1
        return self.texts[index] if index >= 0 else None


def screen_for(screens: tuple[MustScreen, ...], at: datetime) -> MustScreen | None:
    """The MUST screen in force at a weighing (see ``SCREEN_APPLIES_AFTER``)."""
    found = [s for s in screens if s.taken_at <= at + SCREEN_APPLIES_AFTER]
    return found[-1] if found else None


def weighing_texts(course: WeightCourse, screens: tuple[MustScreen, ...]) -> tuple[str, ...]:
    texts = []
    for entry in course.weighings:
        assert entry.weight_kg is not None
        words = course.up_to(entry.taken_at).summary()
        screen = screen_for(screens, entry.taken_at)
        if screen is not None:
            words += f" · {screen.label.split(' (')[0]}"
        texts.append(words)
    return tuple(texts)


def read_weight_series(
    session: Session, db: Database, admission_id: int, admitted_at: datetime, now: datetime
) -> WeightSeries:
    """The stay's weighings and screens (two statements; the food chart a screen started is
    drawn on the meals track, ``NutritionCourse.food_charts``)."""
    policy = db.weight_policy
    course = weight_course(
        weights.weighings(session, [admission_id])[admission_id], admitted_at, policy
    )
    screens = tuple(weights.must_screens(session, [admission_id])[admission_id])
    weighed = course.weighings
    screen_kg = []
    for screen in screens:
        value = parse_decimal(screen.weight_kg) if screen.weight_kg else None
        screen_kg.append(float(value) if value is not None else math.nan)
    return WeightSeries(
        x=np.array([e.taken_at.timestamp() for e in weighed], dtype=float),
        kg=np.array([float(e.weight_kg or 0) for e in weighed], dtype=float),
        texts=weighing_texts(course, screens),
        screen_x=np.array([s.taken_at.timestamp() for s in screens], dtype=float),
        screen_kg=np.array(screen_kg, dtype=float),
        screen_risks=tuple(s.risk.value for s in screens),
        screen_texts=tuple(s.label for s in screens),
        summary=course.summary(),
        due_text=course.due_text(now),
        prompts=must_prompts(screens[-1] if screens else None, now, policy),
    )
