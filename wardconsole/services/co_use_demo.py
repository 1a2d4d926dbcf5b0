"""A recent drinker on the demo ward (invented, deterministic): a stable patient admitted
between 30 and 80 hours ago (else the first admitted longer ago) drank until ten hours before
admission, and has had CIWA-Ar ratings every four hours that rise with the withdrawal and
settle. The last rating is
fresh, so the demo shows the chart track and the schedule without an overdue alarm at build
time."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from wardconsole.domain.assessments import CIWA_AR_ITEMS, score_assessment
from wardconsole.domain.intake import ALCOHOL_WITHDRAWAL
from wardconsole.services.db import Database
from wardconsole.store.models import Admission, AssessmentRow

LAST_DRINK_BEFORE_ADMISSION = timedelta(hours=10)
EVERY = timedelta(hours=4)
PEAK_TOTAL = 17
"""The highest demo CIWA-Ar total, around a day and a half after the last drink."""


def ciwa_answers(total: int) -> dict[str, Any]:
    """Item values adding up to ``total``, spread over tremor, sweats, anxiety and the rest."""
    order = ("tremor", "anxiety", "paroxysmal_sweats", "agitation", "nausea_vomiting", "headache")
    answers: dict[str, Any] = {item.key: 0 for item in CIWA_AR_ITEMS}
    left = total
    while left > 0:
        for key in order:
            if left and answers[key] < 7:
                answers[key] += 1
                left -= 1
    return answers


def add_recent_drinker(
    db: Database,
    courses: Mapping[int, str],
    nurse_ids: Sequence[int],
    *,
    now: datetime,
) -> int | None:
    """Make one stable patient a recent drinker with CIWA-Ar ratings; its admission id."""
    rule = db.policy.rules.get("alcohol_withdrawal")
    scheme = str(rule.params["band_scheme"]) if rule is not None else None
    with db.transaction() as session:
        stays = {a: now - session.get_one(Admission, a).admitted_at for a in courses}
        stable = [a for a, course in courses.items() if course == "stable"]
        # In the middle of the withdrawal if the ward has such a patient, else any long stay.
        chosen = [a for a in stable if timedelta(hours=30) <= stays[a] <= timedelta(hours=80)]
        chosen += [a for a in stable if stays[a] > timedelta(hours=80)]
        for admission_id in chosen[:1]:
            admission = session.get_one(Admission, admission_id)
            last_drink = admission.admitted_at - LAST_DRINK_BEFORE_ADMISSION
            admission.intake = {
                **(admission.intake or {}),
                "substance_use": {
                    "routes": ["snorted"],
                    "typical_amount": "1–2 g a day",
                    "frequency": "daily",
                    "duration_months": 26,
                    "last_use_at": (admission.admitted_at - timedelta(hours=8)).isoformat(),
                    "other_substances": ["alcohol"],
                    "other_substances_detail": "about a bottle of wine a day",
                    "alcohol_recent": True,
                    "last_drink_at": last_drink.isoformat(),
                },
            }
            admission.risk_flags = [*(admission.risk_flags or ()), ALCOHOL_WITHDRAWAL.label]
            rows: list[dict[str, Any]] = []
            at = admission.admitted_at + timedelta(minutes=30)
            index = 0
            while at <= now - timedelta(minutes=40):
                hours = (at - last_drink).total_seconds() / 3600
                total = round(PEAK_TOTAL * (hours / 36) * math.exp(1 - hours / 36))
                answers = ciwa_answers(total) | ({"band_scheme": scheme} if scheme else {})
                score = score_assessment("ciwa_ar", answers)
                rows.append(
                    {
                        "admission_id": admission_id,
                        "taken_at": at,
                        "recorded_at": at + timedelta(minutes=3),
                        "recorded_by_id": nurse_ids[index % len(nurse_ids)],
                        "station": "Station A",
                        "status": "final",
                        "note": "",
                        "kind": "ciwa_ar",
                        "answers": answers,
                        "total": score.total,
                        "label": score.label,
                    }
                )
                at += EVERY
                index += 1
            last = rows[-1]["taken_at"] if rows else None
            if last is not None and now - last > EVERY - timedelta(minutes=30):
                rows[-1]["taken_at"] = now - timedelta(minutes=40)  # the round just done
                rows[-1]["recorded_at"] = now - timedelta(minutes=37)
            if rows:
                session.execute(insert(AssessmentRow), rows)
            return admission_id
    return None
