"""Therapy and support sessions: what was offered, whether the patient took part, and the words
the handoff, the discharge summary and the ward's day list use for them.

A session is a clinical entry like any other (append-only, amended by a new row). Craving ratings
taken before and after it are ordinary craving assessments (``domain.assessments``, 0–10) linked
to the session, so the craving rule and the craving chart see them; this module holds no scale
of its own. No threshold lives here: the day list only says who has had no 1:1 key-worker contact
since the ward day began (the ward's midnight, in its time zone).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

from wardconsole.domain.handoff_records import Fact
from wardconsole.domain.shifts import boundary
from wardconsole.domain.text_input import MAX_NOTE, text_problem

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

MAX_LED_BY: Final = 120
"""Characters for who led the session (the column's width)."""


class SessionType(StrEnum):
    """A kind of therapy or support session. Values are stored: never change one."""

    KEY_WORKER = "key_worker"
    CBT = "cbt"
    GROUP = "group"
    PEER_SUPPORT = "peer_support"
    MINDFULNESS = "mindfulness"
    MOVEMENT = "movement"
    ART = "art"
    FAMILY = "family"

    @property
    def label(self) -> str:
        """The form's and the history's words ("1:1 key-worker time")."""
        return _TYPE_WORDS[self][0]

    @property
    def short(self) -> str:
        """The handoff's words ("1:1", "group")."""
        return _TYPE_WORDS[self][1]


_TYPE_WORDS: Final = {
    SessionType.KEY_WORKER: ("1:1 key-worker time", "1:1"),
    SessionType.CBT: ("CBT", "CBT"),
    SessionType.GROUP: ("Group therapy", "group"),
    SessionType.PEER_SUPPORT: ("Peer support", "peer support"),
    SessionType.MINDFULNESS: ("Mindfulness / meditation", "mindfulness"),
    SessionType.MOVEMENT: ("Yoga / stretching / walk", "yoga / walk"),
    SessionType.ART: ("Art therapy", "art therapy"),
    SessionType.FAMILY: ("Family contact", "family contact"),
}


class Attendance(StrEnum):
    """Whether the patient took part. Values are stored: never change one."""

    ATTENDED = "attended"
    DECLINED = "declined"
    LEFT_EARLY = "left_early"

    @property
    def label(self) -> str:
        return _ATTENDANCE_WORDS[self]

    @property
    def took_part(self) -> bool:
        """Attended, or attended and left early: the patient was there."""
        return self is not Attendance.DECLINED


_ATTENDANCE_WORDS: Final = {
    Attendance.ATTENDED: "Attended",
    Attendance.DECLINED: "Declined",
    Attendance.LEFT_EARLY: "Left early",
}


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """What a nurse records for one session (checked by ``check_session``)."""

    session_type: SessionType
    attendance: Attendance
    started_at: datetime
    ended_at: datetime
    led_by: str = ""
    craving_before: int | None = None
    craving_after: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SessionFact:
    """One current session as the handoff, the discharge summary and the day list read it."""

    admission_id: int
    started_at: datetime
    session_type: SessionType
    attendance: Attendance
    led_by: str = ""
    craving_before: int | None = None
    craving_after: int | None = None


def check_session(
    *,
    session_type: str,
    attendance: str,
    started_at: datetime,
    ended_at: datetime,
    led_by: str = "",
    craving_before: object = None,
    craving_after: object = None,
    note: str = "",
) -> SessionEntry:
    """The entry, or ValueError whose ``args[0]`` maps each bad field to a message naming it."""
    problems: dict[str, str] = {}
    kind = _member(SessionType, session_type, "session_type", problems)
    attended = _member(Attendance, attendance, "attendance", problems)
    if ended_at < started_at:
        problems["ended_at"] = "ended_at: is before the session started"
    led = text_problem("led_by", led_by, max_length=MAX_LED_BY)
    if led:
        problems["led_by"] = led
    wrote = text_problem("note", note, max_length=MAX_NOTE, multiline=True)
    if wrote:
        problems["note"] = wrote
    before = _craving("craving_before", craving_before, problems)
    after = _craving("craving_after", craving_after, problems)
    if attended is Attendance.DECLINED and after is not None:
        problems["craving_after"] = (
            "craving_after: the patient declined the session; record a craving rating "
            "on its own instead"
        )
    if problems or kind is None or attended is None:
        raise ValueError(problems)
    return SessionEntry(
        kind, attended, started_at, ended_at, led_by.strip(), before, after, note.strip()
    )


def _member(enum: type[E], value: str, name: str, problems: dict[str, str]) -> E | None:
    try:
        return enum(value)
    except ValueError:
        problems[name] = f"{name}: one of {', '.join(m.value for m in enum)}"
        return None


def _craving(name: str, value: object, problems: dict[str, str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        problems[name] = f"{name}: a whole number from 0 to 10 (Craving 0–10)"
        return None
    return value


# --- words ------------------------------------------------------------------------------------


def craving_text(before: int | None, after: int | None) -> str:
    """ "craving 7 → 4", "craving before 6", "" when neither was rated."""
    if before is not None and after is not None:
        return f"craving {before} → {after}"
    if before is not None:
        return f"craving before {before}"
    if after is not None:
        return f"craving after {after}"
    return ""


def session_title(session_type: SessionType, attendance: Attendance) -> str:
    """ "Group therapy — attended" (the chart's event and the history's line)."""
    return f"{session_type.label} — {attendance.label.lower()}"


def history_text(values: Mapping[str, object]) -> str:
    """The history's line for a stored session's values ("Group therapy — attended; led by
    Sam; craving 7 → 4")."""
    try:
        title = session_title(
            SessionType(str(values.get("session_type"))), Attendance(str(values.get("attendance")))
        )
    except ValueError:
        title = f"{values.get('session_type')} — {values.get('attendance')}"
    parts = [title]
    if values.get("led_by"):
        parts.append(f"led by {values['led_by']}")
    before, after = values.get("craving_before"), values.get("craving_after")
    craving = craving_text(
        before if isinstance(before, int) else None, after if isinstance(after, int) else None
    )
    if craving:
        parts.append(craving)
    return "; ".join(parts)


def handoff_facts(sessions: Sequence[SessionFact]) -> tuple[Fact, ...]:
    """One line for the shift: "Sessions this shift: engaged in group, CBT; declined 1:1".

    ``sessions`` are the shift's current sessions, oldest first; with none the line says so.
    Craving ratings taken at a session follow, one line per session.
    """
    if not sessions:
        return (Fact("Sessions this shift: none recorded", "sessions"),)
    parts = []
    for attendance, verb in (
        (Attendance.ATTENDED, "engaged in"),
        (Attendance.LEFT_EARLY, "left early from"),
        (Attendance.DECLINED, "declined"),
    ):
        shorts = _unique(s.session_type.short for s in sessions if s.attendance is attendance)
        if shorts:
            parts.append(f"{verb} {', '.join(shorts)}")
    out = [Fact("Sessions this shift: " + "; ".join(parts), "sessions")]
    rated = [s for s in sessions if s.craving_before is not None or s.craving_after is not None]
    for s in rated:
        out.append(
            Fact(
                f"{s.session_type.label}: {craving_text(s.craving_before, s.craving_after)}",
                "sessions",
            )
        )
    return tuple(out)


def attended_by_type(
    sessions: Iterable[SessionFact],
) -> list[tuple[SessionType, Mapping[Attendance, int]]]:
    """Per session type (in ``SessionType`` order, types with none left out): how many were
    attended, left early and declined."""
    counts: dict[SessionType, Counter[Attendance]] = {}
    for s in sessions:
        counts.setdefault(s.session_type, Counter())[s.attendance] += 1
    return [(kind, counts[kind]) for kind in SessionType if kind in counts]


def discharge_lines(sessions: Sequence[SessionFact]) -> list[str]:
    """The discharge summary's lines: sessions attended by type, then what was declined."""
    if not sessions:
        return ["No therapy or support sessions recorded."]
    lines = []
    for kind, counts in attended_by_type(sessions):
        attended = counts.get(Attendance.ATTENDED, 0)
        parts = [f"attended {attended}"]
        if counts.get(Attendance.LEFT_EARLY):
            parts.append(f"left early {counts[Attendance.LEFT_EARLY]}")
        if counts.get(Attendance.DECLINED):
            parts.append(f"declined {counts[Attendance.DECLINED]}")
        lines.append(f"{kind.label}: {', '.join(parts)}")
    took_part = sum(1 for s in sessions if s.attendance.took_part)
    lines.append(f"Took part in {took_part} of {len(sessions)} sessions offered.")
    return lines


# --- the ward's day ---------------------------------------------------------------------------


def ward_day_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant the ward's calendar day containing ``now`` began (its local midnight;
    a clock-change day is 23 or 25 hours long)."""
    today: date = now.astimezone(zone).date()
    return boundary(today, time(0, 0), zone)


@dataclass(frozen=True, slots=True)
class DayStatus:
    """One patient's sessions so far today, for the ward's day list."""

    one_to_one: SessionFact | None
    """The latest 1:1 key-worker session the patient took part in today, if any."""
    declined_one_to_one: SessionFact | None
    """The latest declined 1:1 today (shown when there was no contact)."""
    took_part: tuple[SessionType, ...]
    """Types of the other sessions the patient took part in today, in order."""

    @property
    def no_contact(self) -> bool:
        return self.one_to_one is None


def day_status(sessions: Sequence[SessionFact]) -> DayStatus:
    """Sum up one patient's current sessions of today (oldest first)."""
    ones = [s for s in sessions if s.session_type is SessionType.KEY_WORKER]
    contact = [s for s in ones if s.attendance.took_part]
    declined = [s for s in ones if not s.attendance.took_part]
    others = _unique(
        s.session_type
        for s in sessions
        if s.session_type is not SessionType.KEY_WORKER and s.attendance.took_part
    )
    return DayStatus(
        contact[-1] if contact else None, declined[-1] if declined else None, tuple(others)
    )


def _unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))
