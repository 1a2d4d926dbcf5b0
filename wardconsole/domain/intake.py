"""The admission intake: what a nurse asks on arrival, checked, and the risk flags it raises.

Clinical basis (REFERENCE.md): the ketamine pattern and time course §5.2 (withdrawal onset is
reported roughly 24–48 h after last use — low certainty); ketamine uropathy symptoms §5.3 and the
urinary red flags of §9A (BNSSG pathway [29f]); "K-cramps" §5.4; what to assess on admission
§5.5 (C-SSRS screener and PHQ-9 on admission); C-SSRS §6.3, GAD-7 §6.4, PHQ-9 §6.5. The scored
parts are scored by ``wardconsole.domain.assessments`` — never re-implemented here.

REFERENCE names no falls-risk tool, so "falls risk" is the admitting nurse's judgement with a
stated reason, not a score. Psychosis history is flagged because withdrawal with psychotic
features is described after long-term use (§5.1, §5.2 [22]).

An intake is four sections (``SECTIONS``). ``parse_intake`` checks a JSON-like mapping and
returns an ``Intake`` or raises ``IntakeProblems`` whose ``problems`` map ``section.field`` to a
message naming the field. ``Intake.to_json()`` is what the store keeps; ``risk_flags`` derives
the flags the census, the patient header and the handoff show.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain import assessments as a
from wardconsole.domain.validation import validate_score

INTAKE_VERSION: Final = 1
SECTIONS: Final[tuple[str, ...]] = ("substance_use", "physical", "mental_health", "risks")
SECTION_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "substance_use": "Substance use",
        "physical": "Physical health",
        "mental_health": "Mental health",
        "risks": "Other risks",
    }
)

CLOCK_TOLERANCE: Final = timedelta(minutes=5)
"""A station clock may lag the server slightly (same allowance as recording)."""
MAX_TEXT: Final = 2000
MAX_FLAG_TEXT: Final = 24
MAX_EXTRA_FLAGS: Final = 5
MAX_DETOX_ATTEMPTS: Final = 50
"""Entry sanity bound, not a clinical threshold: a larger count is almost surely a typing slip."""

# --- vocabularies (key -> what the nurse reads) --------------------------------------------------

ROUTES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "snorted": "Snorted (intranasal)",
        "oral": "Oral",
        "smoked": "Smoked",
        "injected_im": "Injected (intramuscular)",
        "injected_iv": "Injected (intravenous)",
        "other": "Other route",
    }
)
FREQUENCIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "daily": "Daily",
        "most_days": "Most days",
        "weekly": "Weekly",
        "less_than_weekly": "Less than weekly",
    }
)
OTHER_SUBSTANCES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "alcohol": "Alcohol",
        "benzodiazepines": "Benzodiazepines",
        "cannabis": "Cannabis",
        "cocaine": "Cocaine",
        "opioids": "Opioids",
        "amphetamines": "Amphetamines",
        "nicotine": "Nicotine",
        "other": "Other",
    }
)
URINARY_SYMPTOMS: Final[Mapping[str, str]] = MappingProxyType(
    {  # §5.3
        "frequency": "Frequency",
        "urgency": "Urgency",
        "bladder_pain": "Suprapubic / bladder pain",
        "dysuria": "Pain passing urine (dysuria)",
        "nocturia": "Nocturia",
        "urge_incontinence": "Urge incontinence",
    }
)
URINARY_RED_FLAGS: Final[Mapping[str, str]] = MappingProxyType(
    {  # §9A; scored by assessments.score_bladder
        a.VISIBLE_HAEMATURIA: "Visible haematuria",
        a.RETENTION: "Urinary retention",
        a.FLANK_PAIN: "Flank pain",
        a.NEW_RENAL_IMPAIRMENT: "New renal impairment",
    }
)
DIAGNOSES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "anxiety": "Anxiety",
        "depression": "Depression",
        "ptsd": "PTSD",
        "other": "Other diagnosis",
    }
)

# --- risk flags ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RiskFlagKind:
    """A kind of flag: the words stored and read in the handoff, and a compact census badge."""

    label: str
    badge: str
    source: str


SUICIDE_HIGH: Final = RiskFlagKind("Suicide risk: high", "Suicide▲", "C-SSRS screener (§6.3)")
SUICIDE_MODERATE: Final = RiskFlagKind(
    "Suicide risk: moderate", "Suicide◆", "C-SSRS screener (§6.3)"
)
SUICIDE_LOW: Final = RiskFlagKind("Suicide risk: low", "Suicide●", "C-SSRS screener (§6.3)")
CSSRS_DUE: Final = RiskFlagKind(
    "C-SSRS due", "C-SSRS due", "C-SSRS on admission; PHQ-9 item 9 ≥ 1 (§5.5, §6.3)"
)
SELF_HARM_HISTORY: Final = RiskFlagKind("Self-harm history", "Self-harm", "intake history")
PSYCHOSIS_HISTORY: Final = RiskFlagKind(
    "Psychosis history", "Psychosis", "withdrawal psychosis described (§5.2)"
)
BLADDER_RED_FLAG: Final = RiskFlagKind(
    "Bladder red flag", "Bladder", "urinary red flag (§5.3, §9A)"
)
FALLS_RISK: Final = RiskFlagKind("Falls risk", "Falls", "nurse judgement at intake")
NEWS2_PREGNANT: Final = RiskFlagKind(
    "NEWS2 not validated: pregnant",
    "NEWS2 preg",
    "NEWS2 is not validated in pregnancy (REFERENCE-2.md §12.10); scoring still runs",
)
ALLERGY: Final = RiskFlagKind("Allergy", "Allergy", "intake")
ALCOHOL_WITHDRAWAL: Final = RiskFlagKind(
    "Alcohol withdrawal risk",
    "Alcohol",
    "recent drinking at intake: CIWA-Ar (REFERENCE-2.md §12.6)",
)
OPIOID_WITHDRAWAL: Final = RiskFlagKind(
    "Opioid withdrawal risk", "Opioids", "recent opioid use at intake: COWS (REFERENCE-2.md §12.5)"
)
BENZODIAZEPINE_REGULAR: Final = RiskFlagKind(
    "Regular benzodiazepine use", "Benzo", "regular use at intake: prescriber review"
)

FLAG_KINDS: Final[tuple[RiskFlagKind, ...]] = (
    SUICIDE_HIGH,
    SUICIDE_MODERATE,
    SUICIDE_LOW,
    CSSRS_DUE,
    SELF_HARM_HISTORY,
    PSYCHOSIS_HISTORY,
    BLADDER_RED_FLAG,
    ALCOHOL_WITHDRAWAL,
    OPIOID_WITHDRAWAL,
    BENZODIAZEPINE_REGULAR,
    NEWS2_PREGNANT,
    FALLS_RISK,
    ALLERGY,
)
"""Every derived flag, most important first (the census shows them in this order)."""

_BADGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        **{kind.label.casefold(): kind.badge for kind in FLAG_KINDS},
        # Older free-text flags (demo ward, earlier records) read the same way.
        "suicide risk": "Suicide",
        "self-harm": "Self-harm",
        "falls": "Falls",
        "bladder: haematuria": "Bladder",
        "ketamine cystitis": "Bladder",
    }
)


def badge_text(flag: str) -> str:
    """The compact census badge for a stored flag; unknown flags are shortened, never dropped."""
    badge = _BADGES.get(flag.strip().casefold())
    if badge is not None:
        return badge
    text = flag.strip()
    return text if len(text) <= 12 else text[:11].rstrip() + "…"


def flag_rank(flag: str) -> int:
    """Sort key: derived flags in ``FLAG_KINDS`` order, then anything else."""
    for rank, kind in enumerate(FLAG_KINDS):
        if kind.label.casefold() == flag.strip().casefold():
            return rank
    return len(FLAG_KINDS)


# --- the intake ----------------------------------------------------------------------------------


class IntakeProblems(ValueError):
    """The intake was refused; ``problems`` maps ``section.field`` to a message naming it."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))


@dataclass(frozen=True, slots=True)
class SubstanceUse:
    """Ketamine pattern (§5.2) and other substances."""

    routes: tuple[str, ...]
    typical_amount: str
    frequency: str
    duration_months: int
    last_use_at: datetime | None
    """None when the patient cannot say (``last_use_unknown``)."""
    other_substances: tuple[str, ...] = ()
    other_substances_detail: str = ""
    previous_detox_attempts: int = 0
    notes: str = ""
    alcohol_recent: bool = False
    """Recent regular drinking, so alcohol withdrawal is possible: CIWA-Ar follows
    (``domain.co_use``). Only with "alcohol" among the other substances."""
    last_drink_at: datetime | None = None
    """When the patient last drank (only with ``alcohol_recent``; None: not known)."""
    opioids_recent: bool = False
    """Recent opioid use, so opioid withdrawal is possible: COWS follows."""
    benzodiazepines_regular: bool = False
    """Regular benzodiazepine use: a prescriber review follows (no ward scale)."""


@dataclass(frozen=True, slots=True)
class Physical:
    """Ketamine uropathy (§5.3), K-cramps (§5.4), allergies, conditions, medication, falls."""

    urinary_symptoms: tuple[str, ...] = ()
    urinary_red_flags: tuple[str, ...] = ()
    bladder_pain_score: int | None = None
    k_cramps: bool = False
    abdominal_pain_score: int | None = None
    no_known_allergies: bool = False
    allergies: str = ""
    other_conditions: str = ""
    current_medication: str = ""
    falls_risk: bool = False
    falls_reason: str = ""
    notes: str = ""
    pregnant: bool = False
    """NEWS2 is not validated in pregnancy (REFERENCE-2.md §12.10): flagged, never suppressed."""


@dataclass(frozen=True, slots=True)
class MentalHealth:
    """Co-occurring diagnoses, history, and the admission screens (§5.5, §6.3–6.5)."""

    diagnoses: tuple[str, ...] = ()
    diagnoses_other: str = ""
    psychosis_history: bool = False
    hallucinations_history: bool = False
    psychosis_detail: str = ""
    self_harm_history: bool = False
    self_harm_detail: str = ""
    cssrs: Mapping[str, Any] | None = None
    """C-SSRS screener answers as ``assessments.score_cssrs`` takes them."""
    cssrs_not_done_reason: str = ""
    phq9: Mapping[str, Any] | None = None
    gad7: Mapping[str, Any] | None = None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class OtherRisks:
    """Flags the nurse adds by judgement (e.g. 'Absconding'), shown as entered."""

    extra_flags: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Intake:
    substance_use: SubstanceUse
    physical: Physical
    mental_health: MentalHealth
    risks: OtherRisks = field(default_factory=OtherRisks)

    def to_json(self) -> dict[str, Any]:
        """The stored form: plain JSON types, times as ISO text."""
        s = self.substance_use
        return {
            "version": INTAKE_VERSION,
            "substance_use": {
                "routes": list(s.routes),
                "typical_amount": s.typical_amount,
                "frequency": s.frequency,
                "duration_months": s.duration_months,
                "last_use_at": s.last_use_at.isoformat() if s.last_use_at else None,
                "last_use_unknown": s.last_use_at is None,
                "other_substances": list(s.other_substances),
                "other_substances_detail": s.other_substances_detail,
                "previous_detox_attempts": s.previous_detox_attempts,
                "notes": s.notes,
                "alcohol_recent": s.alcohol_recent,
                "last_drink_at": s.last_drink_at.isoformat() if s.last_drink_at else None,
                "opioids_recent": s.opioids_recent,
                "benzodiazepines_regular": s.benzodiazepines_regular,
            },
            "physical": _plain(self.physical),
            "mental_health": _plain(self.mental_health),
            "risks": _plain(self.risks),
        }

    def with_section(self, section: str, content: Intake) -> Intake:
        """This intake with one section taken from ``content`` (an amendment)."""
        return replace(self, **{section: getattr(content, section)})

    # -- scored parts, by the assessments module ----------------------------------------------

    def cssrs_score(self) -> a.AssessmentScore | None:
        answers = self.mental_health.cssrs
        return a.score_cssrs(answers) if answers is not None else None

    def phq9_score(self) -> a.AssessmentScore | None:
        answers = self.mental_health.phq9
        return a.score_phq9(answers) if answers is not None else None

    def gad7_score(self) -> a.AssessmentScore | None:
        answers = self.mental_health.gad7
        return a.score_gad7(answers) if answers is not None else None

    def bladder_score(self) -> a.AssessmentScore:
        return a.score_bladder({key: True for key in self.physical.urinary_red_flags})

    def scored_assessments(self) -> dict[str, dict[str, Any]]:
        """Assessments to record at admission (kind -> answers), so the rules see them."""
        out: dict[str, dict[str, Any]] = {}
        m, p = self.mental_health, self.physical
        for kind, answers in (("cssrs", m.cssrs), ("phq9", m.phq9), ("gad7", m.gad7)):
            if answers is not None:
                out[kind] = dict(answers)
        if p.urinary_red_flags:
            out["bladder"] = {key: True for key in p.urinary_red_flags}
        return out

    def risk_flags(self) -> tuple[RiskFlag, ...]:
        return derive_risk_flags(self)


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """One flag raised by the intake, with the reason the nurse can read in a tooltip."""

    kind: RiskFlagKind | None
    label: str
    reason: str

    @property
    def badge(self) -> str:
        return self.kind.badge if self.kind is not None else badge_text(self.label)


def derive_risk_flags(intake: Intake) -> tuple[RiskFlag, ...]:
    """The intake's risk flags, most important first (see module docstring for the basis)."""
    flags: list[RiskFlag] = []
    m, p = intake.mental_health, intake.physical
    cssrs = intake.cssrs_score()
    if cssrs is not None:
        risk = a.cssrs_risk(cssrs.flags)
        kind = {"high": SUICIDE_HIGH, "moderate": SUICIDE_MODERATE, "low": SUICIDE_LOW}.get(risk)
        if kind is not None:
            flags.append(RiskFlag(kind, kind.label, f"C-SSRS screener at intake: {cssrs.label}"))
    phq9 = intake.phq9_score()
    if cssrs is None:
        reason = f"C-SSRS not done at intake: {m.cssrs_not_done_reason}"
        if phq9 is not None and a.CSSRS_REQUIRED in phq9.flags:
            reason += "; PHQ-9 item 9 is positive"
        flags.append(RiskFlag(CSSRS_DUE, CSSRS_DUE.label, reason))
    if m.self_harm_history:
        flags.append(
            RiskFlag(
                SELF_HARM_HISTORY,
                SELF_HARM_HISTORY.label,
                m.self_harm_detail or "history of self-harm",
            )
        )
    if m.psychosis_history or m.hallucinations_history:
        what = " and ".join(
            word
            for word, present in (
                ("psychosis", m.psychosis_history),
                ("hallucinations", m.hallucinations_history),
            )
            if present
        )
        detail = f": {m.psychosis_detail}" if m.psychosis_detail else ""
        flags.append(
            RiskFlag(PSYCHOSIS_HISTORY, PSYCHOSIS_HISTORY.label, f"history of {what}{detail}")
        )
    bladder = intake.bladder_score()
    if a.BLADDER_RED_FLAG in bladder.flags:
        flags.append(
            RiskFlag(
                BLADDER_RED_FLAG,
                BLADDER_RED_FLAG.label,
                f"{bladder.label} — medical review; urology pathway (§9A)",
            )
        )
    flags.extend(_co_use_flags(intake.substance_use))
    if p.pregnant:
        flags.append(
            RiskFlag(
                NEWS2_PREGNANT,
                NEWS2_PREGNANT.label,
                "maternity early-warning scores apply; NEWS2 is still scored and escalates",
            )
        )
    if p.falls_risk:
        flags.append(RiskFlag(FALLS_RISK, FALLS_RISK.label, p.falls_reason))
    if p.allergies:
        flags.append(RiskFlag(ALLERGY, ALLERGY.label, p.allergies))
    for extra in intake.risks.extra_flags:
        flags.append(RiskFlag(None, extra, "added by the admitting nurse"))
    return tuple(flags)


def _co_use_flags(s: SubstanceUse) -> list[RiskFlag]:
    """Co-used substances that can be dangerous in withdrawal (REFERENCE-2.md §12.4–§12.6)."""
    flags: list[RiskFlag] = []
    if s.alcohol_recent:
        since = "the last drink" if s.last_drink_at else "admission (last drink not known)"
        flags.append(
            RiskFlag(
                ALCOHOL_WITHDRAWAL,
                ALCOHOL_WITHDRAWAL.label,
                f"recent drinking: CIWA-Ar from {since}",
            )
        )
    if s.opioids_recent:
        flags.append(
            RiskFlag(OPIOID_WITHDRAWAL, OPIOID_WITHDRAWAL.label, "recent opioid use: COWS")
        )
    if s.benzodiazepines_regular:
        flags.append(
            RiskFlag(
                BENZODIAZEPINE_REGULAR,
                BENZODIAZEPINE_REGULAR.label,
                "regular benzodiazepine use: prescriber review (no ward withdrawal scale)",
            )
        )
    return flags


def preview_risk_flags(data: Mapping[str, Any], *, admitted_at: datetime) -> tuple[RiskFlag, ...]:
    """The flags a half-filled form would raise so far (sections that do not check yet count
    as empty), so the nurse sees them appear while typing."""
    intake = Intake(_EMPTY_SUBSTANCE_USE, Physical(), MentalHealth(cssrs_not_done_reason="—"))
    for section in SECTIONS:
        content = data.get(section)
        if not isinstance(content, Mapping):
            continue
        part: Intake | None
        try:
            part = parse_section(section, content, admitted_at=admitted_at)
        except IntakeProblems as exc:
            part = _lenient_section(section, content, exc.problems, admitted_at)
        if part is not None:
            intake = intake.with_section(section, part)
    return derive_risk_flags(intake)


def _lenient_section(
    section: str, content: Mapping[str, Any], problems: Mapping[str, str], admitted_at: datetime
) -> Intake | None:
    """Retry a section without the fields that failed (only for the preview)."""
    bad = {key.split(".", 1)[1] for key in problems if "." in key}
    kept = {k: v for k, v in content.items() if k not in bad}
    fillers: dict[str, dict[str, Any]] = {
        "physical": {"no_known_allergies": True, "falls_reason": "—"},
        "mental_health": {"cssrs_not_done_reason": "—", "diagnoses_other": "—"},
    }
    for key, value in fillers.get(section, {}).items():
        if key in bad or key not in kept:
            kept.setdefault(key, value)
    if section == "physical" and kept.get("allergies"):
        kept.pop("no_known_allergies", None)
    if section == "mental_health" and kept.get("cssrs") is not None:
        kept.pop("cssrs_not_done_reason", None)
    try:
        return parse_section(section, kept, admitted_at=admitted_at)
    except IntakeProblems:
        return None


def flag_labels(intake: Intake) -> tuple[str, ...]:
    """What ``Admission.risk_flags`` stores."""
    return tuple(flag.label for flag in derive_risk_flags(intake))


# --- parsing and validation ----------------------------------------------------------------------


def parse_intake(
    data: Mapping[str, Any],
    *,
    admitted_at: datetime,
    date_of_birth: date | None = None,
    sections: Collection[str] = SECTIONS,
) -> Intake:
    """Check ``data`` (the stored/JSON form) and return the intake, or raise ``IntakeProblems``.

    Only ``sections`` are checked strictly; the others may be absent (an amendment of one
    section is checked with ``sections=(that one,)`` and merged by the caller).
    """
    if not isinstance(data, Mapping):
        raise IntakeProblems({"intake": "intake: expected the intake sections"})
    checker = _Checker()
    for name in data:
        if name != "version" and name not in SECTIONS:
            shown = str(name).strip()[:40] or repr(name)
            checker.problem(
                shown, f"{shown}: not an intake section; expected {', '.join(SECTIONS)}"
            )
    parts: dict[str, Any] = {}
    for name, parse in (
        ("substance_use", _substance_use),
        ("physical", _physical),
        ("mental_health", _mental_health),
        ("risks", _risks),
    ):
        raw = data.get(name)
        if raw is None and name not in sections:
            parts[name] = None
            continue
        if raw is None and name == "risks":
            raw = {}
        if not isinstance(raw, Mapping):
            checker.problem(name, f"{name}: section missing")
            continue
        section = checker.section(name, raw)
        parts[name] = parse(section, admitted_at=admitted_at, date_of_birth=date_of_birth)
        section.finish()
    if checker.problems:
        raise IntakeProblems(checker.problems)
    return Intake(
        substance_use=parts["substance_use"] or _EMPTY_SUBSTANCE_USE,
        physical=parts["physical"] or Physical(),
        mental_health=parts["mental_health"] or MentalHealth(cssrs_not_done_reason="—"),
        risks=parts["risks"] or OtherRisks(),
    )


def parse_section(
    section: str,
    content: Mapping[str, Any],
    *,
    admitted_at: datetime,
    date_of_birth: date | None = None,
) -> Intake:
    """Check one section's content; the returned intake holds it (other sections are blank)."""
    if section not in SECTIONS:
        raise IntakeProblems({"section": f"section: one of {', '.join(SECTIONS)}"})
    return parse_intake(
        {section: content},
        admitted_at=admitted_at,
        date_of_birth=date_of_birth,
        sections=(section,),
    )


_EMPTY_SUBSTANCE_USE: Final = SubstanceUse((), "", "daily", 0, None)


class _Checker:
    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def problem(self, key: str, message: str) -> None:
        self.problems.setdefault(key, message)

    def section(self, name: str, raw: Mapping[str, Any]) -> _Section:
        return _Section(self, name, raw)


class _Section:
    """Reads one section's fields, recording a problem per bad field (keyed section.field)."""

    def __init__(self, checker: _Checker, name: str, raw: Mapping[str, Any]) -> None:
        self._checker = checker
        self.name = name
        self._raw = raw
        self._seen: set[str] = set()

    def fail(self, key: str, message: str) -> None:
        self._checker.problem(f"{self.name}.{key}", f"{key}: {message}")

    def fail_as_is(self, key: str, message: str) -> None:
        """Record a message that already starts with the field name."""
        self._checker.problem(f"{self.name}.{key}", message)

    def has_problem(self, key: str) -> bool:
        return f"{self.name}.{key}" in self._checker.problems

    def get(self, key: str) -> Any:
        self._seen.add(key)
        return self._raw.get(key)

    def text(self, key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
        raw = self.get(key)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            self.fail(key, "expected text")
            return ""
        value = raw.strip()
        if required and not value:
            self.fail(key, "required")
        if len(value) > limit:
            self.fail(key, f"at most {limit} characters")
        return value

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(key, "expected yes or no")
            return False
        return value

    def choices(self, key: str, options: Mapping[str, str]) -> tuple[str, ...]:
        value = self.get(key) or ()
        if isinstance(value, str) or not isinstance(value, Collection):
            self.fail(key, f"expected a list from {', '.join(options)}")
            return ()
        unknown = [v for v in value if v not in options]
        if unknown:
            self.fail(key, f"{unknown[0]!r} is not an option; expected {', '.join(options)}")
            return ()
        return tuple(k for k in options if k in value)

    def whole(self, key: str, low: int, high: int, *, required: bool = True) -> int | None:
        value = self.get(key)
        if value is None and not required:
            return None
        try:
            return validate_score(key, value, low, high)
        except ValueError as exc:
            self.fail_as_is(key, str(exc))
            return None

    def finish(self) -> None:
        for key in self._raw:
            if key not in self._seen:
                shown = str(key).strip()[:40] or repr(key)
                self.fail(shown, f"not a field of {SECTION_TITLES[self.name].lower()}")


def _substance_use(
    s: _Section, *, admitted_at: datetime, date_of_birth: date | None
) -> SubstanceUse:
    routes = s.choices("routes", ROUTES)
    if not routes and not s.has_problem("routes"):
        s.fail("routes", "choose at least one route")
    amount = s.text("typical_amount", required=True, limit=120)
    frequency = s.get("frequency")
    if frequency not in FREQUENCIES:
        s.fail("frequency", f"choose one of {', '.join(FREQUENCIES.values()).lower()}")
        frequency = "daily"
    months = s.whole("duration_months", 0, 12 * 100)
    if months is not None and date_of_birth is not None:
        age_months = (admitted_at.date().year - date_of_birth.year) * 12 + (
            admitted_at.date().month - date_of_birth.month
        )
        if months > age_months:
            s.fail(
                "duration_months",
                "longer than the patient has been alive; check the duration or the date of birth",
            )
    last_use = _last_use(s, admitted_at)
    others = s.choices("other_substances", OTHER_SUBSTANCES)
    detail = s.text("other_substances_detail", required="other" in others, limit=200)
    attempts = s.whole("previous_detox_attempts", 0, MAX_DETOX_ATTEMPTS)
    alcohol = _only_with(s, "alcohol_recent", "alcohol", others)
    last_drink = _last_drink(s, admitted_at, alcohol)
    opioids = _only_with(s, "opioids_recent", "opioids", others)
    benzodiazepines = _only_with(s, "benzodiazepines_regular", "benzodiazepines", others)
    return SubstanceUse(
        routes=routes,
        typical_amount=amount,
        frequency=str(frequency),
        duration_months=months or 0,
        last_use_at=last_use,
        other_substances=others,
        other_substances_detail=detail,
        previous_detox_attempts=attempts or 0,
        notes=s.text("notes"),
        alcohol_recent=alcohol,
        last_drink_at=last_drink,
        opioids_recent=opioids,
        benzodiazepines_regular=benzodiazepines,
    )


def _only_with(s: _Section, key: str, substance: str, others: Collection[str]) -> bool:
    """A co-use detail, allowed only when its substance is ticked among the others."""
    value = s.flag(key)
    if value and substance not in others:
        s.fail(key, f"tick {OTHER_SUBSTANCES[substance].lower()} among the other substances first")
        return False
    return value


def _last_drink(s: _Section, admitted_at: datetime, alcohol_recent: bool) -> datetime | None:
    raw = s.get("last_drink_at")
    if raw is None:
        return None
    if not alcohol_recent:
        s.fail("last_drink_at", "only asked for recent drinking; tick it or clear the time")
        return None
    return _time_before_admission(s, "last_drink_at", raw, admitted_at)


def _time_before_admission(
    s: _Section, key: str, raw: object, admitted_at: datetime
) -> datetime | None:
    when = raw
    if isinstance(raw, str):
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            s.fail(key, f"{raw!r} is not a date and time")
            return None
    if not isinstance(when, datetime) or when.tzinfo is None:
        s.fail(key, "expected a date and time with a time zone")
        return None
    if when > admitted_at + CLOCK_TOLERANCE:
        s.fail(key, "is after the admission time; check the date")
        return None
    return when


def _last_use(s: _Section, admitted_at: datetime) -> datetime | None:
    raw = s.get("last_use_at")
    unknown = s.flag("last_use_unknown")
    if unknown:
        if raw is not None:
            s.fail("last_use_at", "give a time or tick 'not known', not both")
        return None
    if raw is None:
        s.fail("last_use_at", "when was ketamine last used? (or tick 'not known')")
        return None
    return _time_before_admission(s, "last_use_at", raw, admitted_at)


def _physical(s: _Section, *, admitted_at: datetime, date_of_birth: date | None) -> Physical:
    symptoms = s.choices("urinary_symptoms", URINARY_SYMPTOMS)
    red_flags = s.choices("urinary_red_flags", URINARY_RED_FLAGS)
    bladder_pain = s.whole("bladder_pain_score", 0, 10, required=False)
    k_cramps = s.flag("k_cramps")
    abdominal_pain = s.whole("abdominal_pain_score", 0, 10, required=False)
    nkda = s.flag("no_known_allergies")
    allergies = s.text("allergies", limit=500)
    if nkda and allergies:
        s.fail("allergies", "either list the allergies or tick 'no known allergies', not both")
    elif not nkda and not allergies:
        s.fail("allergies", "list the allergies, or tick 'no known allergies'")
    falls = s.flag("falls_risk")
    falls_reason = s.text("falls_reason", required=falls, limit=300)
    if falls_reason and not falls:
        s.fail("falls_reason", "tick 'falls risk' or clear the reason")
    return Physical(
        urinary_symptoms=symptoms,
        urinary_red_flags=red_flags,
        bladder_pain_score=bladder_pain,
        k_cramps=k_cramps,
        abdominal_pain_score=abdominal_pain,
        no_known_allergies=nkda,
        allergies=allergies,
        other_conditions=s.text("other_conditions"),
        current_medication=s.text("current_medication"),
        falls_risk=falls,
        falls_reason=falls_reason,
        notes=s.text("notes"),
        pregnant=s.flag("pregnant"),
    )


def _mental_health(
    s: _Section, *, admitted_at: datetime, date_of_birth: date | None
) -> MentalHealth:
    diagnoses = s.choices("diagnoses", DIAGNOSES)
    other = s.text("diagnoses_other", required="other" in diagnoses, limit=300)
    cssrs = _scored(s, "cssrs", a.score_cssrs)
    not_done = s.text("cssrs_not_done_reason", limit=300)
    if cssrs is None and not not_done and not s.has_problem("cssrs"):
        s.fail(
            "cssrs",
            "answer the C-SSRS screener (on admission, §5.5) or say why it could not be done",
        )
    if cssrs is not None and not_done:
        s.fail("cssrs_not_done_reason", "the screener was answered; clear the reason")
    self_harm = s.flag("self_harm_history")
    return MentalHealth(
        diagnoses=diagnoses,
        diagnoses_other=other,
        psychosis_history=s.flag("psychosis_history"),
        hallucinations_history=s.flag("hallucinations_history"),
        psychosis_detail=s.text("psychosis_detail", limit=500),
        self_harm_history=self_harm,
        self_harm_detail=s.text("self_harm_detail", limit=500),
        cssrs=cssrs,
        cssrs_not_done_reason=not_done,
        phq9=_scored(s, "phq9", a.score_phq9),
        gad7=_scored(s, "gad7", a.score_gad7),
        notes=s.text("notes"),
    )


def _scored(s: _Section, key: str, scorer: Any) -> Mapping[str, Any] | None:
    answers = s.get(key)
    if answers is None:
        return None
    if not isinstance(answers, Mapping):
        s.fail(key, "expected the screener's answers")
        return None
    try:
        scorer(answers)
    except ValueError as exc:
        s.fail(key, str(exc))
        return None
    return MappingProxyType({k: v for k, v in answers.items() if v is not None})


def _risks(s: _Section, *, admitted_at: datetime, date_of_birth: date | None) -> OtherRisks:
    raw = s.get("extra_flags") or ()
    flags: list[str] = []
    if isinstance(raw, str) or not isinstance(raw, Collection):
        s.fail("extra_flags", "expected a list of short flags")
    else:
        for item in raw:
            text = item.strip() if isinstance(item, str) else ""
            if not text:
                continue
            if len(text) > MAX_FLAG_TEXT:
                s.fail(
                    "extra_flags",
                    f"{text[:20]!r}…: a flag is at most {MAX_FLAG_TEXT} "
                    "characters; put details in the notes",
                )
            elif text.casefold() not in {f.casefold() for f in flags}:
                flags.append(text)
        if len(flags) > MAX_EXTRA_FLAGS:
            s.fail("extra_flags", f"at most {MAX_EXTRA_FLAGS} extra flags")
    return OtherRisks(extra_flags=tuple(flags), notes=s.text("notes"))


def _plain(section: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in section.__dataclass_fields__:
        value = getattr(section, name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = {
                k: sorted(v) if isinstance(v, set | frozenset) else v for k, v in value.items()
            }
        out[name] = value
    return out
