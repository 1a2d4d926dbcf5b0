"""Synthetic census snapshots for UI tests and screenshots (invented people, invented numbers)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from wardconsole.domain.records import EscalationInfo, EscalationKind, EscalationState, Severity
from wardconsole.services.views import CensusRow, CensusSnapshot, WardSummary
from wardconsole.store.changes_api import Change

NOW = datetime(2025, 11, 26, 3, 0, tzinfo=UTC)
"""The census clock for most tests: 03:00 UTC, the middle of a night shift."""

_ids = itertools.count(1000)


def escalation(
    kind: EscalationKind = EscalationKind.PANIC,
    severity: Severity = Severity.URGENT,
    *,
    admission_id: int = 1,
    bed: str = "A1",
    patient_name: str = "Test Patient",
    raised_ago: timedelta = timedelta(minutes=20),
    now: datetime = NOW,
    explanation: str | None = None,
    acknowledged_by: str | None = None,
) -> EscalationInfo:
    raised = now - raised_ago
    return EscalationInfo(
        id=next(_ids),
        admission_id=admission_id,
        bed=bed,
        patient_name=patient_name,
        kind=kind,
        severity=severity,
        state=EscalationState.ACKNOWLEDGED if acknowledged_by else EscalationState.OPEN,
        rule_id=f"test.{kind.value}",
        explanation=explanation or f"{kind.label} rule met",
        prompts=(),
        raised_at=raised,
        updated_at=raised,
        acknowledged_at=None,
        acknowledged_by=acknowledged_by,
        resolved_at=None,
        resolved_by=None,
        outcome=None,
        last_announced_at=None,
        cascade_level=0,
        snoozed_until=None,
        version=1,
    )


def census_row(
    admission_id: int = 1,
    *,
    bed: str = "A1",
    name: str = "Test Patient",
    hospital_number: str | None = None,
    age: int = 34,
    detox_day: int = 2,
    news2_total: int | None = 1,
    news2_risk: str | None = "low",
    latest_set_partial: bool = False,
    symptom_total: int | None = 10,
    symptom_max: int = 109,
    escalations: Iterable[EscalationInfo] = (),
    last_obs_ago: timedelta | None = timedelta(hours=1),
    next_due_in: timedelta | None = timedelta(hours=3),
    nurse: str = "R. Okafor",
    risk_flags: tuple[str, ...] = (),
    now: datetime = NOW,
) -> CensusRow:
    open_escalations = tuple(
        sorted(
            (
                replace(e, admission_id=admission_id, bed=bed, patient_name=name)
                for e in escalations
            ),
            key=lambda e: (-e.severity, e.raised_at),
        )
    )
    return CensusRow(
        admission_id=admission_id,
        patient_id=admission_id + 500,
        bed=bed,
        patient_name=name,
        hospital_number=hospital_number or f"H{admission_id:07d}",
        age=age,
        admitted_at=now - timedelta(days=detox_day - 1, hours=5),
        detox_day=detox_day,
        news2_total=news2_total,
        news2_risk=news2_risk,
        latest_set_partial=latest_set_partial,
        symptom_total=symptom_total,
        symptom_max=symptom_max,
        open_escalations=open_escalations,
        last_obs_at=now - last_obs_ago if last_obs_ago is not None else None,
        next_obs_due_at=now + next_due_in if next_due_in is not None else None,
        assigned_nurse=nurse,
        risk_flags=risk_flags,
    )


def snapshot(
    rows: Iterable[CensusRow] = (),
    *,
    taken_at: datetime = NOW,
    beds_total: int = 20,
    free_beds: tuple[str, ...] | None = None,
) -> CensusSnapshot:
    rows = tuple(rows)
    if free_beds is None:
        occupied = {r.bed for r in rows}
        free_beds = tuple(b for b in ward_beds(beds_total) if b not in occupied)
    return CensusSnapshot(
        taken_at=taken_at,
        rows=rows,
        free_beds=free_beds,
        summary=WardSummary(
            beds_total=beds_total,
            beds_occupied=len(rows),
            patients_with_open_escalations=sum(1 for r in rows if r.open_escalations),
            overdue_observations=sum(
                1 for r in rows if r.next_obs_due_at is not None and r.next_obs_due_at < taken_at
            ),
        ),
    )


def ward_beds(count: int = 20) -> tuple[str, ...]:
    """'A1'..'A10', 'B1'..'B10' for a 20-bed ward."""
    half = (count + 1) // 2
    return tuple(f"A{i}" for i in range(1, half + 1)) + tuple(
        f"B{i}" for i in range(1, count - half + 1)
    )


def demo_ward(now: datetime = NOW) -> CensusSnapshot:
    """A realistic night on a 20-bed ward: 17 patients, a few escalations, two overdue."""
    h, m = timedelta(hours=1), timedelta(minutes=1)
    k, s = EscalationKind, Severity
    rows = [
        census_row(
            1,
            bed="A1",
            name="Maya Thornbury",
            age=27,
            detox_day=2,
            news2_total=7,
            news2_risk="high",
            symptom_total=41,
            last_obs_ago=35 * m,
            next_due_in=25 * m,
            escalations=[
                escalation(
                    k.DETERIORATION,
                    s.EMERGENCY,
                    raised_ago=30 * m,
                    explanation="NEWS2 7 (RR 25, HR 128): high clinical risk",
                ),
                escalation(
                    k.AGITATION,
                    s.URGENT,
                    raised_ago=50 * m,
                    explanation="Agitation score 3 on two checks",
                ),
            ],
            nurse="J. Mensah",
            risk_flags=("self-harm",),
            now=now,
        ),
        census_row(
            2,
            bed="A2",
            name="Dominic Ashgrove",
            age=41,
            detox_day=5,
            news2_total=2,
            news2_risk="low",
            symptom_total=12,
            last_obs_ago=2 * h + 10 * m,
            next_due_in=2 * h,
            nurse="J. Mensah",
            now=now,
        ),
        census_row(
            3,
            bed="A3",
            name="Priya Ramaswamy",
            age=33,
            detox_day=1,
            news2_total=5,
            news2_risk="medium",
            symptom_total=28,
            last_obs_ago=3 * h + 10 * m,
            next_due_in=-(1 * h + 5 * m),
            nurse="L. Kowalczyk",
            risk_flags=("falls",),
            escalations=[
                escalation(
                    k.OVERDUE_OBS,
                    s.URGENT,
                    raised_ago=65 * m,
                    explanation="4-hourly observations overdue by 1 h",
                )
            ],
            now=now,
        ),
        census_row(
            4,
            bed="A4",
            name="Callum O'Rourke",
            age=22,
            detox_day=3,
            news2_total=3,
            news2_risk="low-medium",
            symptom_total=19,
            last_obs_ago=50 * m,
            next_due_in=70 * m,
            nurse="L. Kowalczyk",
            escalations=[
                escalation(
                    k.CRAVING,
                    s.ADVISORY,
                    raised_ago=2 * h,
                    explanation="Craving 8/10 reported at 01:00",
                )
            ],
            now=now,
        ),
        census_row(
            6,
            bed="A6",
            name="Hannah Lindqvist",
            age=38,
            detox_day=7,
            news2_total=0,
            news2_risk="low",
            symptom_total=6,
            last_obs_ago=4 * h,
            next_due_in=4 * h,
            nurse="J. Mensah",
            now=now,
        ),
        census_row(
            7,
            bed="A7",
            name="Tobias Wrenfield",
            age=45,
            detox_day=4,
            news2_total=1,
            news2_risk="low",
            latest_set_partial=True,
            symptom_total=15,
            last_obs_ago=1 * h,
            next_due_in=3 * h,
            nurse="J. Mensah",
            risk_flags=("refuses obs at night",),
            now=now,
        ),
        census_row(
            8,
            bed="A8",
            name="Aisha Bello-Hart",
            age=29,
            detox_day=2,
            news2_total=4,
            news2_risk="low-medium",
            symptom_total=33,
            last_obs_ago=20 * m,
            next_due_in=40 * m,
            nurse="L. Kowalczyk",
            escalations=[
                escalation(
                    k.BLADDER,
                    s.URGENT,
                    raised_ago=15 * m,
                    explanation="Pain on voiding and haematuria reported",
                )
            ],
            risk_flags=("ketamine cystitis",),
            now=now,
        ),
        census_row(
            9,
            bed="A9",
            name="Ellis Marchetti",
            age=52,
            detox_day=9,
            news2_total=1,
            news2_risk="low",
            symptom_total=4,
            last_obs_ago=5 * h,
            next_due_in=7 * h,
            nurse="",
            now=now,
        ),
        census_row(
            10,
            bed="A10",
            name="Grace Adeyemi-Fox",
            age=31,
            detox_day=3,
            news2_total=None,
            news2_risk=None,
            latest_set_partial=True,
            symptom_total=22,
            last_obs_ago=90 * m,
            next_due_in=-(12 * m),
            nurse="L. Kowalczyk",
            escalations=[
                escalation(
                    k.MISSED_CHECK,
                    s.ADVISORY,
                    raised_ago=10 * m,
                    explanation="Hourly safety check not recorded",
                )
            ],
            now=now,
        ),
        census_row(
            11,
            bed="B1",
            name="Rory Pemberton",
            age=36,
            detox_day=6,
            news2_total=2,
            news2_risk="low",
            symptom_total=9,
            last_obs_ago=2 * h,
            next_due_in=2 * h,
            nurse="S. Nakamura",
            now=now,
        ),
        census_row(
            12,
            bed="B2",
            name="Siobhan Quill",
            age=24,
            detox_day=1,
            news2_total=6,
            news2_risk="medium",
            symptom_total=47,
            last_obs_ago=25 * m,
            next_due_in=35 * m,
            nurse="S. Nakamura",
            risk_flags=("absconding",),
            escalations=[
                escalation(
                    k.HALLUCINATION,
                    s.EMERGENCY,
                    raised_ago=8 * m,
                    explanation="Command hallucinations reported; 1:1 started",
                ),
                escalation(
                    k.PANIC, s.URGENT, raised_ago=40 * m, explanation="Panic score 8 at 02:20"
                ),
                escalation(
                    k.PRN_REVIEW,
                    s.ADVISORY,
                    raised_ago=1 * h,
                    explanation="3 PRN benzodiazepine doses in 12 h",
                ),
            ],
            now=now,
        ),
        census_row(
            13,
            bed="B3",
            name="Felix Amundsen",
            age=48,
            detox_day=8,
            news2_total=0,
            news2_risk="low",
            symptom_total=3,
            last_obs_ago=6 * h,
            next_due_in=6 * h,
            nurse="S. Nakamura",
            now=now,
        ),
        census_row(
            15,
            bed="B5",
            name="Niamh Castellanos",
            age=26,
            detox_day=2,
            news2_total=3,
            news2_risk="low-medium",
            symptom_total=26,
            last_obs_ago=1 * h,
            next_due_in=10 * m,
            nurse="A. Haddad",
            now=now,
        ),
        census_row(
            16,
            bed="B6",
            name="Oskar Fairweather",
            age=58,
            detox_day=4,
            news2_total=2,
            news2_risk="low",
            symptom_total=11,
            last_obs_ago=3 * h,
            next_due_in=1 * h,
            nurse="A. Haddad",
            risk_flags=("diabetic",),
            now=now,
        ),
        census_row(
            17,
            bed="B7",
            name="Leila Haddadi",
            age=30,
            detox_day=3,
            news2_total=1,
            news2_risk="low",
            symptom_total=14,
            last_obs_ago=2 * h + 30 * m,
            next_due_in=90 * m,
            nurse="A. Haddad",
            now=now,
        ),
        census_row(
            19,
            bed="B9",
            name="Bartholomew Ekwueme-Stanton",
            age=39,
            detox_day=10,
            news2_total=1,
            news2_risk="low",
            symptom_total=2,
            last_obs_ago=8 * h,
            next_due_in=4 * h,
            nurse="S. Nakamura",
            now=now,
        ),
        census_row(
            20,
            bed="B10",
            name="Zoe Villanueva",
            age=21,
            detox_day=1,
            news2_total=3,
            news2_risk="low-medium",
            symptom_total=30,
            last_obs_ago=45 * m,
            next_due_in=15 * m,
            nurse="A. Haddad",
            escalations=[
                escalation(
                    k.SELF_HARM,
                    s.URGENT,
                    raised_ago=25 * m,
                    explanation="C-SSRS screen positive at admission",
                    acknowledged_by="Dr P. Iyer",
                )
            ],
            risk_flags=("self-harm",),
            now=now,
        ),
    ]
    return snapshot(rows, taken_at=now)


class FakeChangeFeed:
    """An in-memory, thread-safe change feed. ``push()`` from the test; ``wait()`` from the watcher.

    ``wait`` returns early (after at most 50 ms) so a stopping watcher is never held up.
    Set ``down`` to make it fail like a lost database connection.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._pending: list[Change] = []
        self._seq = 0
        self.down = False
        self.closed = 0
        self.opened = 0
        self._woken = False

    def push(self, topic: str = "admission", admission_id: int | None = None) -> None:
        with self._condition:
            self._seq += 1
            self._pending.append(Change(self._seq, topic, admission_id))
            self._condition.notify_all()

    def wait(self, timeout: float) -> list[Change]:
        with self._condition:
            if self.down:
                raise ConnectionError("could not connect to server: Connection refused")
            self._condition.wait_for(lambda: bool(self._pending) or self._woken, min(timeout, 0.05))
            self._woken = False
            changes, self._pending = self._pending, []
            return changes

    def wake(self) -> None:
        with self._condition:
            self._woken = True
            self._condition.notify_all()

    def close(self) -> None:
        with self._condition:
            self.closed += 1


class FakeWard:
    """What the composition root would wire to the database, held in memory.

    ``load_census`` is the blocking call the UI must only make off the UI thread; it records the
    threads it was called on.
    """

    def __init__(self, census: CensusSnapshot | None = None) -> None:
        self._lock = threading.Lock()
        self._census = census if census is not None else snapshot()
        self.feed = FakeChangeFeed()
        self.load_threads: list[threading.Thread] = []
        self.failure: Exception | None = None
        self.whole = 0
        """How many of the census reads were asked for whole (``reload_census``)."""
        """What the console told the census changed (topic, admission id), in order; None:
        anything (read everything)."""

    @property
    def census(self) -> CensusSnapshot:
        with self._lock:
            return self._census

    @census.setter
    def census(self, value: CensusSnapshot) -> None:
        with self._lock:
            self._census = value

    @property
    def loads(self) -> int:
        with self._lock:
            return len(self.load_threads)

    def load_census(self) -> CensusSnapshot:
        with self._lock:
            self.load_threads.append(threading.current_thread())
            if self.failure is not None:
                raise self.failure
            return self._census

    def reload_census(self) -> CensusSnapshot:
        """The whole census read again (F5, the periodic refresh): counted in ``whole``."""
        with self._lock:
            self.whole += 1
        return self.load_census()

    def open_change_feed(self) -> FakeChangeFeed:
        if self.feed.down:
            raise ConnectionError("could not connect to server: Connection refused")
        self.feed.opened += 1
        return self.feed
