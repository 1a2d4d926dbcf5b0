"""What follows from the co-used substances recorded at intake (REFERENCE-2.md §12.4–§12.6).

* **Recent drinking** → CIWA-Ar (for alcohol withdrawal only, never for ketamine: REFERENCE.md
  §4) on a schedule that runs from the time of the last drink (from admission when it is not
  known). Timing, from a textbook (Secondary, REFERENCE-2.md §12.6 [S22]): minor withdrawal 6–48
  h after the last drink; withdrawal **seizures usually within 48 h**; **delirium tremens
  begins 48–96 h** after it and lasts 5–7 days. How often CIWA-Ar is rated, how long after the
  last drink the schedule runs and the escalation thresholds are local policy (escalation policy
  ``[rules.ciwa_ar_due]`` and ``[rules.alcohol_withdrawal]``); the band scheme is the one
  governance chose among the published ones (``assessments.CIWA_AR_SCHEMES``).
* **Recent opioid use** → COWS (REFERENCE-2.md §12.5): offered on the bedside form; bands are
  labels, escalation thresholds local policy (``[rules.opioid_withdrawal]``).
* **Regular benzodiazepine use** → a prescriber review (``[rules.benzodiazepine_review]``). No
  validated ward withdrawal scale is named in the references, so none is offered.
* **Thiamine**: no source for a thiamine prompt was found in the references, so the console
  builds none in. A ward that has its own alcohol protocol text (thiamine included) puts it in
  ``[rules.alcohol_withdrawal] ward_protocol_prompt``, shown with every alcohol escalation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Final

from wardconsole.domain.intake import Intake
from wardconsole.domain.intake_text import short_when_text, span_text
from wardconsole.domain.records import AssessmentEntry

SEIZURE_WINDOW: Final = timedelta(hours=48)
"""Alcohol withdrawal seizures usually within 48 h of the last drink (REFERENCE-2.md §12.6 [S22],
Secondary)."""
DELIRIUM_TREMENS_ONSET: Final = (timedelta(hours=48), timedelta(hours=96))
"""Delirium tremens begins 48–96 h after the last drink (REFERENCE-2.md §12.6 [S22], Secondary)."""
TIMING_SOURCE: Final = "REFERENCE-2.md §12.6 [S22]"


@dataclass(frozen=True, slots=True)
class CoUse:
    """The co-use facts of one stay's current intake that change its care."""

    noted_at: datetime
    """When the intake (or the amendment) that says so was recorded."""
    alcohol_recent: bool = False
    last_drink_at: datetime | None = None
    opioids_recent: bool = False
    benzodiazepines_regular: bool = False

    @property
    def any(self) -> bool:
        return self.alcohol_recent or self.opioids_recent or self.benzodiazepines_regular


def co_use_of(intake: Intake, noted_at: datetime) -> CoUse | None:
    """The co-use facts of ``intake`` (None when nothing follows from it)."""
    s = intake.substance_use
    found = CoUse(
        noted_at=noted_at,
        alcohol_recent=s.alcohol_recent,
        last_drink_at=s.last_drink_at if s.alcohol_recent else None,
        opioids_recent=s.opioids_recent,
        benzodiazepines_regular=s.benzodiazepines_regular,
    )
    return found if found.any else None


def alcohol_timing(co_use: CoUse, now: datetime, zone: tzinfo | None) -> str:
    """Where the patient is in the published alcohol-withdrawal time course, e.g. "last drink
    Tue 1 Dec 22:00 (30 h ago): seizures usually within 48 h of it; delirium tremens usually
    begins 48–96 h after it"."""
    last = co_use.last_drink_at
    if last is None:
        return (
            "last drink not known: CIWA-Ar from admission; seizures usually within 48 h of "
            "the last drink, delirium tremens usually begins 48–96 h after it"
        )
    since = now - last
    head = f"last drink {short_when_text(last, zone)} ({span_text(since)} ago)"
    start, end = DELIRIUM_TREMENS_ONSET
    if since < SEIZURE_WINDOW:
        return (
            f"{head}: within the 48 h when withdrawal seizures usually occur; delirium tremens "
            "usually begins 48–96 h after the last drink"
        )
    if since < end:
        return f"{head}: in the 48–96 h when delirium tremens usually begins"
    return f"{head}: past the usual onset of delirium tremens ({start.days * 24}–{end.days * 24} h)"


@dataclass(frozen=True, slots=True)
class CiwaDue:
    """The next CIWA-Ar of a recent drinker."""

    due_at: datetime
    last_taken_at: datetime | None
    """The latest CIWA-Ar (None: none yet)."""
    reason: str
    """Why the schedule still runs ("within 96 h of the last drink", "last CIWA-Ar 12 …")."""


def ciwa_ar_due(
    co_use: CoUse | None,
    ratings: Sequence[AssessmentEntry],
    *,
    admitted_at: datetime,
    interval: timedelta,
    watch: timedelta,
    keep_on_at_or_above: int,
) -> CiwaDue | None:
    """When the next CIWA-Ar is due, or None when no schedule runs.

    The schedule runs for a recent drinker from ``watch`` after the last drink (after admission
    when the time is not known), and beyond that while the latest rating is at or above
    ``keep_on_at_or_above``. The first rating is due when the co-use was recorded (at
    admission, or when an amendment added it); each next one ``interval`` after the latest
    (``ratings``: CIWA-Ar entries, oldest first). Interval, watch and the threshold are local
    policy (DESIGN CHOICE; the timing basis is in the module docstring).
    """
    if co_use is None or not co_use.alcohol_recent:
        return None
    anchor = co_use.last_drink_at or admitted_at
    watch_end = anchor + watch
    latest = max(ratings, key=lambda e: e.taken_at) if ratings else None
    last_taken = latest.taken_at if latest is not None else None
    due = max(admitted_at, co_use.noted_at) if last_taken is None else last_taken + interval
    hours = int(watch.total_seconds() // 3600)
    since = "the last drink" if co_use.last_drink_at else "admission (last drink not known)"
    if due < watch_end:
        return CiwaDue(due, last_taken, f"within {hours} h of {since}")
    if latest is not None and (latest.total or 0) >= keep_on_at_or_above:
        return CiwaDue(
            due,
            last_taken,
            f"latest CIWA-Ar {latest.total} is at or above {keep_on_at_or_above}",
        )
    return None
