"""Bowel movements with the Bristol Stool Form Scale, and the days since the last one.

The seven types and their descriptions are Lewis SJ & Heaton KW, "Stool form scale as a useful
guide to intestinal transit time", Scand J Gastroenterol 1997;32:920–4 (as in the openEHR
archetype ``openEHR-EHR-OBSERVATION.bristol_stool_scale.v0``; REFERENCE-2.md §12.3). The common
reading — types 1–2 suggest constipation, 3–4 are normal, 5–7 lean towards diarrhoea — is the
same source's. There is no published ward trigger for "no bowel movement for N days" (Rome IV's
"fewer than 3 spontaneous bowel movements per week" is a diagnostic criterion, not a ward
alert), so N is local policy (``fluid_chart.toml`` ``[bowels]``), a DESIGN CHOICE awaiting
governance sign-off, and the console says so wherever it shows the flag. Constipation is common
with some PRN medicines (opioids, anticholinergics), which is why the ward wants the flag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec, Values
from wardconsole.domain.records import Severity

BRISTOL_TYPES: Final = MappingProxyType(
    {
        1: "Separate hard lumps, like nuts (hard to pass)",
        2: "Sausage-shaped but lumpy",
        3: "Like a sausage but with cracks on its surface",
        4: "Like a sausage or snake, smooth and soft",
        5: "Soft blobs with clear-cut edges (passed easily)",
        6: "Fluffy pieces with ragged edges, a mushy stool",
        7: "Watery, no solid pieces, entirely liquid",
    }
)
"""Bristol Stool Form Scale (Lewis & Heaton 1997), type -> description."""

BRISTOL_SOURCE: Final = "Bristol Stool Form Scale (Lewis & Heaton 1997)"
FLAG_IS_POLICY: Final = "local policy, not a published threshold; awaiting governance sign-off"
"""How the console words the days-without flag when its policy is not signed off."""


def bristol_reading(bristol_type: int) -> str:
    """The scale's common reading of a type (same source)."""
    if bristol_type <= 2:
        return "suggests constipation"
    if bristol_type <= 4:
        return "normal"
    return "towards diarrhoea"


@dataclass(frozen=True, slots=True)
class BowelInput:
    """A bowel movement as typed; ``bristol_type`` None: opened, type not seen (e.g. the
    patient's own report)."""

    bristol_type: int | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class BowelEntry:
    """One current bowel movement."""

    id: int
    admission_id: int
    taken_at: datetime
    bristol_type: int | None

    @property
    def text(self) -> str:
        return bowel_text({"bristol_type": self.bristol_type})


def bowel_problems(entry: BowelInput) -> dict[str, str]:
    """What is wrong with ``entry`` (field -> message naming the field); empty when fine."""
    return BOWEL_SPEC.problems({"bristol_type": entry.bristol_type}, entry.note)


def bowel_text(values: Mapping[str, object]) -> str:
    """'Bowels opened — Bristol type 2 (sausage-shaped but lumpy)' / '… — type not seen'."""
    kind = values.get("bristol_type")
    if isinstance(kind, int) and kind in BRISTOL_TYPES:
        return f"Bowels opened — Bristol type {kind} ({BRISTOL_TYPES[kind].lower()})"
    return "Bowels opened — type not seen"


def _summary(values: Values) -> str:
    kind = values.get("bristol_type")
    return f"type {kind}" if kind else "not seen"


BOWEL_SPEC: Final = EntrySpec(
    EntryKind.BOWEL,
    (
        EntryField(
            "bristol_type",
            "&Bristol type:",
            tuple(Choice(n, f"Type {n} — {w}", f"type {n}") for n, w in BRISTOL_TYPES.items()),
            absent="Type not seen",
            hint="a Bristol stool type 1–7, or 'type not seen'",
        ),
    ),
    text=bowel_text,
    summary=_summary,
    audit_detail=dict,
)
"""Bowels as a simple kind: recorded, queued, corrected, exported and imported from this."""


@dataclass(frozen=True, slots=True)
class BowelStatus:
    """Days since the last bowel movement as of ``as_of`` (since admission when none)."""

    as_of: datetime
    last: BowelEntry | None
    since: datetime
    """The last movement, or the admission when none was recorded this stay."""
    flag_after_days: int
    signed_off: bool = False
    flag_severity: Severity = Severity.ADVISORY
    """The policy's severity for the flag (``[bowels] flag_severity``), whose shape it shows."""

    @property
    def days(self) -> int:
        """Whole days since ``since`` (floored)."""
        return max(0, (self.as_of - self.since) // timedelta(days=1))

    @property
    def flagged(self) -> bool:
        return self.as_of - self.since >= timedelta(days=self.flag_after_days)

    @property
    def short_text(self) -> str:
        """The chart's corner: 'Last opened 4 days ago (Bristol type 1) · ● 3+ days (ward flag,
        local policy)'."""
        text = self.text.removeprefix("Bowels: ").split(" — ")[0]
        text = text[:1].upper() + text[1:]
        if self.flagged:
            signed = "" if self.signed_off else ", not signed off"
            shape = self.flag_severity.shape
            text += f" · {shape} {self.flag_after_days}+ days (ward flag, local policy{signed})"
        return text

    @property
    def text(self) -> str:
        """'Bowels: last opened 2 days ago (Bristol type 4)' / 'Bowels: none recorded since
        admission (3 days) — not opened for 3 days or more (ward flag: local policy…)'."""
        days = f"{self.days} day{'' if self.days == 1 else 's'}"
        if self.last is None:
            text = f"Bowels: none recorded since admission ({days})"
        else:
            kind = self.last.bristol_type
            what = f"Bristol type {kind}" if kind is not None else "type not seen"
            when = "today" if self.days == 0 else f"{days} ago"
            text = f"Bowels: last opened {when} ({what})"
        if self.flagged:
            policy = "local policy" if self.signed_off else FLAG_IS_POLICY
            shape, after = self.flag_severity.shape, self.flag_after_days
            text += (
                f" — {shape} not opened for {after} days or more ({policy}); "
                "consider constipation, including from PRN medicines"
            )
        return text


def bowel_status(
    last: BowelEntry | None,
    admitted_at: datetime,
    as_of: datetime,
    flag_after_days: int,
    *,
    signed_off: bool = False,
    flag_severity: Severity = Severity.ADVISORY,
) -> BowelStatus:
    since = last.taken_at if last is not None else admitted_at
    return BowelStatus(as_of, last, since, flag_after_days, signed_off, flag_severity)


def course_line(entries: Sequence[BowelEntry], status: BowelStatus | None) -> str:
    """'Bowels: opened 5 times (Bristol types 4, 3, 2, 1, 1); last opened 4 days before
    discharge' for the discharge summary."""
    if not entries:
        since = f" ({status.days} days)" if status is not None else ""
        return f"Bowels: no bowel movement recorded during the stay{since}"
    kinds = ", ".join(str(e.bristol_type) if e.bristol_type else "not seen" for e in entries)
    times = f"{len(entries)} time{'s' if len(entries) != 1 else ''}"
    text = f"Bowels: opened {times} (Bristol types {kinds})"
    if status is not None:
        text += f"; last opened {status.days} day{'' if status.days == 1 else 's'} before discharge"
    return text
