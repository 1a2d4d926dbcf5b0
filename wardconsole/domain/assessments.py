"""Scoring the bedside assessments nurses record, from the answers as entered.

Sources (REFERENCE.md): RASS §2 (Sessler 2002 [10]); 4AT §3.1 (the4at.com v1.2 official
scoring [12], NICE CG103 [13]); panic attack §6.1 (DSM-5 via Katzman 2014 [34]); hallucinations
§6.2 (BPRS-E v4.0 item 10, Ventura 1993 via CamCOPS [30]); C-SSRS screener §6.3 (Columbia
triage [27], Blueprint [28]); GAD-7 §6.4 [33]; PHQ-9 §6.5 [32]; craving §6.6 [35]; pain §7 [39];
bladder red flags §5.3/§9A (BNSSG pathway [29f]). For co-used substances (REFERENCE-2.md): CIWA-Ar
§12.6 with REFERENCE.md §4 (Sullivan 1989 [S20]; alcohol only) and COWS §12.5 (Wesson & Ling
2003 [S19]; opioids only).

Each ``score_*`` function takes the raw ``answers`` mapping (the schema is in its docstring and
in ``ANSWER_SCHEMAS``), refuses unknown keys and out-of-range answers with a ValueError naming
the answer key and the accepted values, and returns an ``AssessmentScore``. ``flags`` are stable
strings the rules engine and UI match on (see ``FLAGS``). Escalation thresholds that are local
design choices (RASS ±2, BPRS-E ≥ 5, craving ≥ 7) live in the escalation policy, not here.
Every kind also accepts an optional free-text ``note``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain import must as must_tool
from wardconsole.domain.validation import validate_score

# --- stable flag strings ------------------------------------------------------------------------
POSSIBLE_DELIRIUM: Final = "possible_delirium"
POSSIBLE_COGNITIVE_IMPAIRMENT: Final = "possible_cognitive_impairment"
PANIC_ATTACK: Final = "panic_attack"
PANIC_GRADUAL_ONSET: Final = "panic_gradual_onset"
RT_SIDE_EFFECT: Final = "rt_side_effect"
RT_HYDRATION_CONCERN: Final = "rt_hydration_concern"
RT_NOT_POSSIBLE: Final = "rt_not_possible"
LIMITED_SYMPTOM_ATTACK: Final = "limited_symptom_attack"
HALLUCINATIONS_PRESENT: Final = "hallucinations_present"
CSSRS_LOW: Final = "cssrs_low"
CSSRS_MODERATE: Final = "cssrs_moderate"
CSSRS_HIGH: Final = "cssrs_high"
CSSRS_REQUIRED: Final = "cssrs_required"
MAJOR_DEPRESSIVE_SYNDROME: Final = "major_depressive_syndrome"
GAD7_POSITIVE_SCREEN: Final = "gad7_positive_screen"
BLADDER_RED_FLAG: Final = "bladder_red_flag"
MUST_MEDIUM: Final = "must_medium"
MUST_HIGH: Final = "must_high"
VISIBLE_HAEMATURIA: Final = "visible_haematuria"
RETENTION: Final = "retention"
FLANK_PAIN: Final = "flank_pain"
NEW_RENAL_IMPAIRMENT: Final = "new_renal_impairment"

FLAGS: Final[tuple[str, ...]] = (
    POSSIBLE_DELIRIUM,
    POSSIBLE_COGNITIVE_IMPAIRMENT,
    PANIC_ATTACK,
    PANIC_GRADUAL_ONSET,
    LIMITED_SYMPTOM_ATTACK,
    HALLUCINATIONS_PRESENT,
    CSSRS_LOW,
    CSSRS_MODERATE,
    CSSRS_HIGH,
    CSSRS_REQUIRED,
    MAJOR_DEPRESSIVE_SYNDROME,
    GAD7_POSITIVE_SCREEN,
    BLADDER_RED_FLAG,
    VISIBLE_HAEMATURIA,
    RETENTION,
    FLANK_PAIN,
    NEW_RENAL_IMPAIRMENT,
    RT_SIDE_EFFECT,
    RT_HYDRATION_CONCERN,
    RT_NOT_POSSIBLE,
    MUST_MEDIUM,
    MUST_HIGH,
)
"""Every flag an assessment can carry."""


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    """The domain's reading of one assessment: total (None when the tool has none), label, flags."""

    total: int | None
    label: str
    flags: tuple[str, ...] = ()


# --- RASS (§2) ----------------------------------------------------------------------------------

RASS_TERMS: Final[Mapping[int, str]] = MappingProxyType(
    {
        4: "Combative",
        3: "Very agitated",
        2: "Agitated",
        1: "Restless",
        0: "Alert and calm",
        -1: "Drowsy",
        -2: "Light sedation",
        -3: "Moderate sedation",
        -4: "Deep sedation",
        -5: "Unarousable",
    }
)


def score_rass(answers: Mapping[str, Any]) -> AssessmentScore:
    """RASS. Answers: ``score`` −5…+4 (Sessler 2002). Label e.g. ``+2 Agitated``."""
    _only(answers, {"score"})
    value = validate_score("score", answers.get("score"), -5, 4)
    sign = f"{value:+d}" if value else "0"
    return AssessmentScore(value, f"{sign} {RASS_TERMS[value]}")


# --- 4AT (§3.1) ---------------------------------------------------------------------------------

_ALERTNESS: Final = MappingProxyType({"normal": 0, "mild_sleepiness": 0, "abnormal": 4})
_ATTENTION: Final = MappingProxyType(
    {"seven_or_more": 0, "fewer_than_seven": 1, "refused": 1, "untestable": 2}
)


def score_4at(answers: Mapping[str, Any]) -> AssessmentScore:
    """4AT v1.2, official scoring [12]; total 0–12.

    Answers: ``alertness`` "normal" | "mild_sleepiness" (< 10 s after waking, then normal) |
    "abnormal"; ``amt4_mistakes`` 0–4 or "untestable" (0 → 0, 1 → 1, 2+ or untestable → 2);
    ``attention`` "seven_or_more" | "fewer_than_seven" | "refused" | "untestable", or the number of
    months achieved 0–12 (≥ 7 → 0, < 7 → 1); ``acute_change`` bool (last 2 weeks, still evident in
    the last 24 h). Bands: ≥ 4 possible delirium, 1–3 possible cognitive impairment, 0 unlikely.
    """
    _only(answers, {"alertness", "amt4_mistakes", "attention", "acute_change"})
    alertness = _choice("alertness", answers.get("alertness"), _ALERTNESS)
    amt4_raw = answers.get("amt4_mistakes")
    if amt4_raw == "untestable":
        amt4 = 2
    else:
        mistakes = _score_or_word("amt4_mistakes", amt4_raw, 0, 4, "untestable")
        amt4 = 0 if mistakes == 0 else 1 if mistakes == 1 else 2
    attention_raw = answers.get("attention")
    if isinstance(attention_raw, str):
        attention = _choice("attention", attention_raw, _ATTENTION)
    else:
        months = _score_or_word("attention", attention_raw, 0, 12, ", ".join(_ATTENTION))
        attention = 0 if months >= 7 else 1
    acute = 4 if _bool("acute_change", answers.get("acute_change")) else 0
    total = alertness + amt4 + attention + acute
    if total >= 4:
        return AssessmentScore(
            total, "Possible delirium ± cognitive impairment", (POSSIBLE_DELIRIUM,)
        )
    if total >= 1:
        return AssessmentScore(
            total, "Possible cognitive impairment", (POSSIBLE_COGNITIVE_IMPAIRMENT,)
        )
    return AssessmentScore(0, "Delirium or severe cognitive impairment unlikely")


# --- panic attack (§6.1) ------------------------------------------------------------------------

PANIC_SYMPTOMS: Final[tuple[str, ...]] = (
    "palpitations",
    "sweating",
    "trembling",
    "shortness_of_breath",
    "choking",
    "chest_pain",
    "nausea",
    "dizziness",
    "chills_or_heat",
    "paraesthesias",
    "derealisation",
    "fear_of_losing_control",
    "fear_of_dying",
)
"""The 13 DSM-5 panic-attack symptoms, in DSM order."""


PANIC_ONSETS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "abrupt": "Abrupt surge, peak within minutes",
        "gradual": "Building over hours",
    }
)
"""How the symptoms came on. DSM-5 (§6.1) requires an abrupt surge that peaks within minutes."""


def score_panic(answers: Mapping[str, Any]) -> AssessmentScore:
    """DSM-5 panic-attack checklist; total = symptom count 0–13; ≥ 4 is a panic attack.

    Answers: either ``symptoms`` (a collection of ``PANIC_SYMPTOMS`` keys) or each symptom key
    as a bool; optional ``onset`` ("abrupt" | "gradual", see ``PANIC_ONSETS``), ``onset_at`` /
    ``peak_at`` (datetimes; peak not before onset) and ``distress`` 0–10 (design choice, §6.1).
    Fewer than 4 symptoms is a limited-symptom attack. DSM-5 requires an abrupt surge peaking
    within minutes: 4+ symptoms building over hours are "panic symptoms, gradual onset", not a
    panic attack (flag ``panic_gradual_onset``; look for other causes). An hour or more from
    onset to peak cannot be called "within minutes", so "abrupt" with such times is refused.
    Chest pain, dyspnoea and palpitations overlap with medical causes: never let this label
    suppress NEWS2 escalation (§6.1).
    """
    _only(answers, {"symptoms", "onset", "onset_at", "peak_at", "distress", *PANIC_SYMPTOMS})
    listed = answers.get("symptoms")
    flagged = {key for key in PANIC_SYMPTOMS if key in answers}
    if listed is not None and flagged:
        raise ValueError("symptoms: give either a symptoms list or per-symptom yes/no, not both")
    if listed is not None:
        present = _symptom_list(listed)
    else:
        present = {key for key in flagged if _bool(key, answers[key])}
    onset, peak = (_optional_time(k, answers.get(k)) for k in ("onset_at", "peak_at"))
    if onset is not None and peak is not None and peak < onset:
        raise ValueError("peak_at: must not be before onset_at")
    speed = answers.get("onset")
    if speed is not None:
        _choice("onset", speed, {key: 0 for key in PANIC_ONSETS})
        if (
            speed == "abrupt"
            and onset is not None
            and peak is not None
            and peak - onset >= timedelta(hours=1)
        ):
            raise ValueError(
                "onset: a peak an hour or more after onset is not 'abrupt' (DSM-5: peak "
                "within minutes); choose gradual"
            )
    distress = answers.get("distress")
    distress_text = ""
    if distress is not None:
        distress_text = f", distress {validate_score('distress', distress, 0, 10)}/10"
    count = len(present)
    if count >= 4 and speed == "gradual":
        return AssessmentScore(
            count,
            f"Panic symptoms, gradual onset — not a panic attack ({count}/13 symptoms"
            f"{distress_text})",
            (PANIC_GRADUAL_ONSET,),
        )
    if count >= 4:
        return AssessmentScore(
            count, f"Panic attack ({count}/13 symptoms{distress_text})", (PANIC_ATTACK,)
        )
    if count:
        return AssessmentScore(
            count,
            f"Limited-symptom attack ({count}/13 symptoms{distress_text})",
            (LIMITED_SYMPTOM_ATTACK,),
        )
    return AssessmentScore(0, f"No panic symptoms{distress_text}")


# --- hallucinations: BPRS-E item 10 (§6.2) ------------------------------------------------------

BPRSE_HALLUCINATION_ANCHORS: Final[Mapping[int, str]] = MappingProxyType(
    {
        1: "Not present",
        2: "Very mild",
        3: "Mild",
        4: "Moderate",
        5: "Moderately severe",
        6: "Severe",
        7: "Extremely severe",
    }
)
MODALITIES: Final[tuple[str, ...]] = ("auditory", "visual", "tactile", "olfactory", "gustatory")


def score_hallucination(answers: Mapping[str, Any]) -> AssessmentScore:
    """BPRS-E item 10 "Hallucinations" (Ventura 1993 [30]); total = rating 1–7.

    Answers: ``score`` 1 (not present) … 7 (extremely severe); ``modalities`` a collection of
    ``MODALITIES`` (must be empty when the score is 1). Label e.g.
    ``6/7 Severe (auditory, visual)``. The escalation threshold (≥ 5, §9A) is policy.
    """
    _only(answers, {"score", "modalities"})
    value = validate_score("score", answers.get("score"), 1, 7)
    modalities = _modalities(answers.get("modalities", ()))
    if value == 1 and modalities:
        raise ValueError("modalities: must be empty when hallucinations are not present (score 1)")
    where = f" ({', '.join(modalities)})" if modalities else ""
    flags = (HALLUCINATIONS_PRESENT,) if value >= 2 else ()
    return AssessmentScore(value, f"{value}/7 {BPRSE_HALLUCINATION_ANCHORS[value]}{where}", flags)


def hallucination_modalities(answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The modalities of a stored hallucination entry, in ``MODALITIES`` order."""
    return _modalities(answers.get("modalities", ()))


# --- C-SSRS screener (§6.3) ---------------------------------------------------------------------

CSSRS_RISKS: Final[tuple[str, ...]] = ("none", "low", "moderate", "high")


def score_cssrs(answers: Mapping[str, Any]) -> AssessmentScore:
    """C-SSRS screener (since last contact / past month) with its skip logic; total None.

    Answers (bools): ``q1`` wish to be dead, ``q2`` suicidal thoughts, ``q3`` method, ``q4``
    intent, ``q5`` plan with intent, ``q6`` suicidal behaviour ever, ``q6_within_3_months``.
    Q1, Q2, Q6 are always asked. Q3–Q5 are asked only when Q2 is yes (required then; giving
    them — even "no" — when Q2 is no is an error: omit them or pass None).
    ``q6_within_3_months`` is required when Q6 is yes and must be omitted when Q6 is no.
    Risk (§6.3): high = Q4 or Q5, or Q6 within 3 months; moderate = Q3, or Q6 longer ago;
    low = Q1 and/or Q2 only; none = all no. Flags ``cssrs_low|moderate|high``.
    """
    _only(answers, {"q1", "q2", "q3", "q4", "q5", "q6", "q6_within_3_months"})
    q1 = _bool("q1", answers.get("q1"))
    q2 = _bool("q2", answers.get("q2"))
    q6 = _bool("q6", answers.get("q6"))
    if q2:
        q3, q4, q5 = (_bool(k, answers.get(k)) for k in ("q3", "q4", "q5"))
    else:
        for key in ("q3", "q4", "q5"):
            if answers.get(key) is not None:
                raise ValueError(f"{key}: only asked when q2 is yes; leave it unanswered")
        q3 = q4 = q5 = False
    recent_raw = answers.get("q6_within_3_months")
    if q6:
        recent = _bool("q6_within_3_months", recent_raw)
    elif recent_raw is not None:
        raise ValueError("q6_within_3_months: only asked when q6 is yes; leave it unanswered")
    else:
        recent = False
    if q4 or q5 or (q6 and recent):
        return AssessmentScore(None, "High risk", (CSSRS_HIGH,))
    if q3 or q6:
        return AssessmentScore(None, "Moderate risk", (CSSRS_MODERATE,))
    if q1 or q2:
        return AssessmentScore(None, "Low risk", (CSSRS_LOW,))
    return AssessmentScore(None, "No risk identified")


def cssrs_risk(flags: Collection[str]) -> str:
    """``none`` | ``low`` | ``moderate`` | ``high`` from a C-SSRS score's flags."""
    for risk, flag in (("high", CSSRS_HIGH), ("moderate", CSSRS_MODERATE), ("low", CSSRS_LOW)):
        if flag in flags:
            return risk
    return "none"


# --- PHQ-9 (§6.5) and GAD-7 (§6.4) --------------------------------------------------------------

PHQ9_BANDS: Final[tuple[tuple[int, str], ...]] = (
    (20, "Severe"),
    (15, "Moderately severe"),
    (10, "Moderate"),
    (5, "Mild"),
    (0, "None/minimal"),
)
GAD7_BANDS: Final[tuple[tuple[int, str], ...]] = (
    (15, "Severe"),
    (10, "Moderate"),
    (5, "Mild"),
    (0, "None/minimal"),
)


def score_phq9(answers: Mapping[str, Any]) -> AssessmentScore:
    """PHQ-9 (Kroenke 2001 via CamCOPS [32]); total 0–27 with bands.

    Answers: ``q1``…``q9`` each 0–3 (0 not at all … 3 nearly every day); optional ``q10``
    (functional difficulty 0–3, not scored). Item 9 ≥ 1 flags ``cssrs_required`` (§6.3, §9A).
    ``major_depressive_syndrome`` per CamCOPS: Q1 or Q2 ≥ 2 and ≥ 5 symptoms (Q1–Q8 ≥ 2, Q9 ≥ 1).
    """
    items = _items(answers, 9, extra={"q10"})
    if answers.get("q10") is not None:
        validate_score("q10", answers["q10"], 0, 3)
    total = sum(items)
    flags: list[str] = []
    if items[8] >= 1:
        flags.append(CSSRS_REQUIRED)
    symptoms = sum(1 for v in items[:8] if v >= 2) + (1 if items[8] >= 1 else 0)
    if (items[0] >= 2 or items[1] >= 2) and symptoms >= 5:
        flags.append(MAJOR_DEPRESSIVE_SYNDROME)
    label = _band(total, PHQ9_BANDS)
    if items[8] >= 1:
        label += "; item 9 positive: C-SSRS required"
    return AssessmentScore(total, label, tuple(flags))


def score_gad7(answers: Mapping[str, Any]) -> AssessmentScore:
    """GAD-7 (Spitzer 2006 via CamCOPS [33]); total 0–21; ≥ 10 is the usual screening cut-off.

    Answers: ``q1``…``q7`` each 0–3.
    """
    items = _items(answers, 7)
    total = sum(items)
    flags = (GAD7_POSITIVE_SCREEN,) if total >= 10 else ()
    return AssessmentScore(total, _band(total, GAD7_BANDS), flags)


# --- craving (§6.6), pain (§7), bladder (§5.3, §9A) ---------------------------------------------


def score_craving(answers: Mapping[str, Any]) -> AssessmentScore:
    """Craving 0–10 (0 none … 10 strongest imaginable); no norms, trend only (§6.6).

    Answers: ``score`` 0–10.
    """
    _only(answers, {"score"})
    value = validate_score("score", answers.get("score"), 0, 10)
    return AssessmentScore(value, f"Craving {value}/10")


PAIN_SITES: Final[tuple[str, ...]] = ("bladder", "abdomen", "other")


def score_pain(answers: Mapping[str, Any]) -> AssessmentScore:
    """Pain NRS 0–10 with site (§5.5, §7 [39]). Bands 1–3 mild, 4–6 moderate, 7–10 severe.

    Answers: ``score`` 0–10; ``site`` one of ``PAIN_SITES`` (required when score > 0);
    optional ``site_detail`` text (e.g. for "other").
    """
    _only(answers, {"score", "site", "site_detail"})
    value = validate_score("score", answers.get("score"), 0, 10)
    site = answers.get("site")
    if site is None and value > 0:
        raise ValueError(f"site: required when there is pain; expected one of {_list(PAIN_SITES)}")
    if site is not None and site not in PAIN_SITES:
        raise ValueError(f"site: {_show(site)} is not a site; expected one of {_list(PAIN_SITES)}")
    detail = answers.get("site_detail")
    if detail is not None and not isinstance(detail, str):
        raise ValueError("site_detail: expected text")
    band = (
        "no pain"
        if value == 0
        else "mild"
        if value <= 3
        else "moderate"
        if value <= 6
        else ("severe")
    )
    where = f" ({detail or site})" if site else ""
    return AssessmentScore(value, f"Pain {value}/10{where}, {band}")


_BLADDER_FLAGS: Final = (VISIBLE_HAEMATURIA, RETENTION, FLANK_PAIN, NEW_RENAL_IMPAIRMENT)
_BLADDER_LABELS: Final = MappingProxyType(
    {
        VISIBLE_HAEMATURIA: "visible haematuria",
        RETENTION: "urinary retention",
        FLANK_PAIN: "flank pain",
        NEW_RENAL_IMPAIRMENT: "new renal impairment",
    }
)


def score_bladder(answers: Mapping[str, Any]) -> AssessmentScore:
    """Urinary red-flag check (§5.3, §9A; BNSSG pathway [29f]); total None.

    Answers (bools, omitted = no): ``visible_haematuria``, ``retention``, ``flank_pain``,
    ``new_renal_impairment``. Any yes flags ``bladder_red_flag`` plus the item's own flag.
    """
    _only(answers, set(_BLADDER_FLAGS))
    present = tuple(
        key for key in _BLADDER_FLAGS if answers.get(key) is not None and _bool(key, answers[key])
    )
    if not present:
        return AssessmentScore(None, "No urinary red flags")
    text = ", ".join(_BLADDER_LABELS[key] for key in present)
    return AssessmentScore(None, f"Urinary red flag: {text}", (BLADDER_RED_FLAG, *present))


# --- checks after rapid tranquillisation (REFERENCE-2.md §12.9) -----------------------------------

RT_SIDE_EFFECTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "acute_dystonia": "Acute dystonia",
        "akathisia": "Akathisia",
        "rigidity": "Muscle rigidity",
        "breathing": "Slow or laboured breathing",
        "low_blood_pressure": "Low blood pressure / faint",
        "other": "Other side effect",
    }
)
"""Side effects looked for after rapid tranquillisation (a checklist, DESIGN CHOICE; NICE QS154
statement 4 asks for side effects to be monitored without listing them)."""
RT_HYDRATION: Final[Mapping[str, str]] = MappingProxyType(
    {"adequate": "Drinking adequately", "concern": "Hydration concern"}
)


def score_rt_check(answers: Mapping[str, Any]) -> AssessmentScore:
    """Hydration and side effects after rapid tranquillisation (NICE QS154 st. 4); total None.

    Answers: ``status`` "done" | "asleep_not_possible"; when done, ``hydration`` ("adequate" |
    "concern") and ``side_effects`` (a list of ``RT_SIDE_EFFECTS`` keys, empty = none seen).
    "Asleep, observations not possible" is recorded as exactly that (flag ``rt_not_possible``)
    and never reads as a normal check. The vital signs and RASS of the same check are recorded
    as an observation set and a RASS.
    """
    _only(answers, {"status", "hydration", "side_effects"})
    status = answers.get("status")
    _choice("status", status, {"done": 0, "asleep_not_possible": 0})
    if status == "asleep_not_possible":
        for key in ("hydration", "side_effects"):
            if answers.get(key) is not None:
                raise ValueError(f"{key}: not asked when observations were not possible")
        return AssessmentScore(None, "Asleep — observations not possible", (RT_NOT_POSSIBLE,))
    _choice("hydration", answers.get("hydration"), {key: 0 for key in RT_HYDRATION})
    listed = answers.get("side_effects")
    if isinstance(listed, str) or not isinstance(listed, Collection):
        raise ValueError(
            f"side_effects: expected a list (empty = none) of {_list(RT_SIDE_EFFECTS)}"
        )
    for key in listed:
        if key not in RT_SIDE_EFFECTS:
            raise ValueError(
                f"side_effects: {_show(key)} is not listed; expected {_list(RT_SIDE_EFFECTS)}"
            )
    seen = [RT_SIDE_EFFECTS[key] for key in RT_SIDE_EFFECTS if key in listed]
    flags: list[str] = []
    parts = [RT_HYDRATION[answers["hydration"]]]
    if answers["hydration"] == "concern":
        flags.append(RT_HYDRATION_CONCERN)
    if seen:
        flags.append(RT_SIDE_EFFECT)
        parts.append("side effects: " + ", ".join(seen).lower())
    else:
        parts.append("no side effects seen")
    return AssessmentScore(None, "; ".join(parts), tuple(flags))


# --- CIWA-Ar, alcohol withdrawal only (REFERENCE-2.md §12.6, REFERENCE.md §4) --------------------


@dataclass(frozen=True, slots=True)
class ScaleItem:
    """One item of a fixed-value scale: its answer key, name and the values it allows, each with
    the anchor text the form shows (paraphrased from the published form)."""

    key: str
    label: str
    anchors: Mapping[int, str]

    @property
    def allowed(self) -> tuple[int, ...]:
        return tuple(self.anchors)

    @property
    def max_score(self) -> int:
        return max(self.anchors)


def _steps(top: int, named: Mapping[int, str]) -> Mapping[int, str]:
    """Every value 0..top, the published anchors named and the values between them numbered."""
    return MappingProxyType({v: named.get(v, f"{v} (between anchors)") for v in range(top + 1)})


def _disturbance(none: str, very_mild: str) -> Mapping[int, str]:
    """The anchors shared by the tactile, auditory and visual items (REFERENCE.md §4)."""
    return MappingProxyType(
        {
            0: none,
            1: very_mild,
            2: "2 mild",
            3: "3 moderate",
            4: "4 moderately severe hallucinations",
            5: "5 severe hallucinations",
            6: "6 extremely severe hallucinations",
            7: "7 continuous hallucinations",
        }
    )


CIWA_AR_ITEMS: Final[tuple[ScaleItem, ...]] = (
    ScaleItem(
        "nausea_vomiting",
        "Nausea and vomiting",
        _steps(
            7,
            {
                0: "0 none",
                1: "1 mild nausea, no vomiting",
                4: "4 intermittent nausea with dry heaves",
                7: "7 constant nausea, frequent dry heaves and vomiting",
            },
        ),
    ),
    ScaleItem(
        "tremor",
        "Tremor (arms extended, fingers spread)",
        _steps(
            7,
            {
                0: "0 none",
                1: "1 not visible, can be felt fingertip to fingertip",
                4: "4 moderate, with arms extended",
                7: "7 severe, even with arms not extended",
            },
        ),
    ),
    ScaleItem(
        "paroxysmal_sweats",
        "Paroxysmal sweats",
        _steps(
            7,
            {
                0: "0 no sweat visible",
                1: "1 barely perceptible, palms moist",
                4: "4 beads of sweat on the forehead",
                7: "7 drenching sweats",
            },
        ),
    ),
    ScaleItem(
        "anxiety",
        "Anxiety",
        _steps(
            7,
            {
                0: "0 at ease",
                1: "1 mildly anxious",
                4: "4 moderately anxious or guarded",
                7: "7 equivalent to acute panic",
            },
        ),
    ),
    ScaleItem(
        "agitation",
        "Agitation",
        _steps(
            7,
            {
                0: "0 normal activity",
                1: "1 somewhat more than normal activity",
                4: "4 moderately fidgety and restless",
                7: "7 paces or thrashes about constantly",
            },
        ),
    ),
    ScaleItem(
        "tactile",
        "Tactile disturbances",
        _disturbance("0 none", "1 very mild itching, pins and needles, burning or numbness"),
    ),
    ScaleItem(
        "auditory",
        "Auditory disturbances",
        _disturbance("0 not present", "1 very mild harshness or ability to frighten"),
    ),
    ScaleItem(
        "visual",
        "Visual disturbances",
        _disturbance("0 not present", "1 very mild sensitivity to light"),
    ),
    ScaleItem(
        "headache",
        "Headache, fullness in head (not dizziness)",
        _steps(7, {0: "0 not present", 1: "1 very mild", 7: "7 extremely severe"}),
    ),
    ScaleItem(
        "orientation",
        "Orientation and clouding of sensorium",
        MappingProxyType(
            {
                0: "0 oriented, can do serial additions",
                1: "1 cannot do serial additions or is uncertain about the date",
                2: "2 disoriented for date by no more than 2 calendar days",
                3: "3 disoriented for date by more than 2 calendar days",
                4: "4 disoriented for place and/or person",
            }
        ),
    ),
)
"""The 10 CIWA-Ar items (Sullivan 1989): nine 0–7, orientation 0–4 (REFERENCE.md §4)."""
CIWA_AR_MAX: Final = 67
"""9 × 7 + 4 (REFERENCE-2.md §12.6; CamCOPS ``ciwa.py`` MAX_SCORE = 67 [S20])."""


@dataclass(frozen=True, slots=True)
class BandScheme:
    """A published set of severity bands: ``bands`` are (lowest total, label), highest first."""

    key: str
    name: str
    source: str
    bands: tuple[tuple[int, str], ...]

    def band(self, total: int) -> str:
        return _band(total, self.bands)

    @property
    def starts(self) -> tuple[int, ...]:
        """Where each band above the lowest begins, lowest first (e.g. 8, 15)."""
        return tuple(sorted(low for low, _ in self.bands if low > 0))


CIWA_AR_SCHEMES: Final[Mapping[str, BandScheme]] = MappingProxyType(
    {
        "camcops": BandScheme(
            "camcops",
            "CamCOPS",
            "Sullivan 1989 via CamCOPS ciwa.py (REFERENCE-2.md §12.6 [S20])",
            ((15, "severe"), (8, "moderate"), (0, "mild/minimal")),
        ),
        "asam_2020": BandScheme(
            "asam_2020",
            "ASAM 2020",
            "ASAM 2020 alcohol withdrawal guideline, Table 1 (REFERENCE-2.md §12.6)",
            ((19, "severe"), (10, "moderate"), (0, "mild")),
        ),
        "uk_summary": BandScheme(
            "uk_summary",
            "UK teaching summary",
            "UK teaching summary (REFERENCE-2.md §12.6 [S21])",
            ((21, "over 20"), (15, "15–20"), (9, "9–14"), (0, "minimal (usually no medication)")),
        ),
    }
)
"""The published CIWA-Ar band schemes (REFERENCE-2.md §12.6: "bands differ; choose one and
record it"). Which one the ward uses is chosen by governance in the escalation policy
(``[rules.alcohol_withdrawal] band_scheme``); the service records it with each entry."""


def score_ciwa_ar(answers: Mapping[str, Any]) -> AssessmentScore:
    """CIWA-Ar (Sullivan 1989; REFERENCE-2.md §12.6, REFERENCE.md §4); total 0–67.

    Answers: ``nausea_vomiting``, ``tremor``, ``paroxysmal_sweats``, ``anxiety``, ``agitation``,
    ``tactile``, ``auditory``, ``visual``, ``headache`` each 0–7 and ``orientation`` 0–4 (all
    ten required); ``band_scheme`` one of ``CIWA_AR_SCHEMES`` (set from the ward's policy when
    it is saved). Label e.g. ``CIWA-Ar 12/67: moderate (CamCOPS bands)``. For alcohol
    withdrawal only: never apply it to ketamine (REFERENCE.md §4).
    """
    _only(answers, {*(item.key for item in CIWA_AR_ITEMS), "band_scheme"})
    total = sum(_item_value(item, answers.get(item.key)) for item in CIWA_AR_ITEMS)
    key = answers.get("band_scheme")
    if key is None:
        return AssessmentScore(total, f"CIWA-Ar {total}/{CIWA_AR_MAX} (no band scheme chosen)")
    scheme = CIWA_AR_SCHEMES.get(key) if isinstance(key, str) else None
    if scheme is None:
        raise ValueError(
            f"band_scheme: {_show(key)} is not a published scheme; expected one of "
            f"{_list(CIWA_AR_SCHEMES)}"
        )
    return AssessmentScore(
        total, f"CIWA-Ar {total}/{CIWA_AR_MAX}: {scheme.band(total)} ({scheme.name} bands)"
    )


# --- COWS, opioid withdrawal only (REFERENCE-2.md §12.5) ------------------------------------------

COWS_ITEMS: Final[tuple[ScaleItem, ...]] = (
    ScaleItem(
        "pulse",
        "Resting pulse (after 1 min sitting or lying)",
        MappingProxyType({0: "0 80 or below", 1: "1 81–100", 2: "2 101–120", 4: "4 over 120"}),
    ),
    ScaleItem(
        "sweating",
        "Sweating (past ½ h, not room or activity)",
        MappingProxyType(
            {
                0: "0 none",
                1: "1 reported chills or flushing",
                2: "2 flushed or observable moistness on face",
                3: "3 beads of sweat on brow or face",
                4: "4 sweat streaming off face",
            }
        ),
    ),
    ScaleItem(
        "restlessness",
        "Restlessness (observed)",
        MappingProxyType(
            {
                0: "0 able to sit still",
                1: "1 reports difficulty sitting still",
                3: "3 frequent shifting or extraneous movements",
                5: "5 unable to sit still for more than a few seconds",
            }
        ),
    ),
    ScaleItem(
        "pupils",
        "Pupil size",
        MappingProxyType(
            {
                0: "0 pinned or normal for room light",
                1: "1 possibly larger than normal",
                2: "2 moderately dilated",
                5: "5 so dilated only the rim of the iris is visible",
            }
        ),
    ),
    ScaleItem(
        "aches",
        "Bone or joint aches (new component only)",
        MappingProxyType(
            {
                0: "0 not present",
                1: "1 mild diffuse discomfort",
                2: "2 severe diffuse aching, reported",
                4: "4 rubbing joints or muscles, cannot sit still",
            }
        ),
    ),
    ScaleItem(
        "runny_nose",
        "Runny nose or tearing (not cold or allergy)",
        MappingProxyType(
            {
                0: "0 not present",
                1: "1 nasal stuffiness or unusually moist eyes",
                2: "2 nose running or tearing",
                4: "4 nose constantly running or tears streaming",
            }
        ),
    ),
    ScaleItem(
        "gi_upset",
        "GI upset (past ½ h)",
        MappingProxyType(
            {
                0: "0 no GI symptoms",
                1: "1 stomach cramps",
                2: "2 nausea or loose stool",
                3: "3 vomiting or diarrhoea",
                5: "5 multiple episodes of diarrhoea or vomiting",
            }
        ),
    ),
    ScaleItem(
        "tremor",
        "Tremor (outstretched hands)",
        MappingProxyType(
            {
                0: "0 no tremor",
                1: "1 tremor can be felt, not observed",
                2: "2 slight tremor observable",
                4: "4 gross tremor or muscle twitching",
            }
        ),
    ),
    ScaleItem(
        "yawning",
        "Yawning (observed)",
        MappingProxyType(
            {
                0: "0 no yawning",
                1: "1 once or twice during assessment",
                2: "2 three or more times during assessment",
                4: "4 several times a minute",
            }
        ),
    ),
    ScaleItem(
        "anxiety",
        "Anxiety or irritability",
        MappingProxyType(
            {
                0: "0 none",
                1: "1 reports increasing irritability or anxiousness",
                2: "2 obviously irritable or anxious",
                4: "4 so irritable or anxious that assessment is difficult",
            }
        ),
    ),
    ScaleItem(
        "gooseflesh",
        "Gooseflesh skin",
        MappingProxyType(
            {
                0: "0 skin is smooth",
                3: "3 piloerection felt, or hairs standing up on arms",
                5: "5 prominent piloerection",
            }
        ),
    ),
)
"""The 11 COWS items with only their allowed values (Wesson & Ling 2003, REFERENCE-2.md §12.5
[S19]); public implementations get some wrong (gooseflesh 5, not 4)."""
COWS_MAX: Final = 48
"""The sum of the item maxima (REFERENCE-2.md §12.5)."""
COWS_BANDS: Final[tuple[tuple[int, str], ...]] = (
    (37, "severe"),
    (25, "moderately severe"),
    (13, "moderate"),
    (5, "mild"),
    (0, "below the mild band"),
)
"""Wesson & Ling 2003 bands (REFERENCE-2.md §12.5 [S19]): 5–12 mild, 13–24 moderate, 25–36
moderately severe, > 36 severe; < 5 is not banded. Labels only: escalation is local policy."""


def score_cows(answers: Mapping[str, Any]) -> AssessmentScore:
    """COWS (Wesson & Ling 2003; REFERENCE-2.md §12.5 [S19]); total 0–48.

    Answers: ``pulse`` 0/1/2/4, ``sweating`` 0–4, ``restlessness`` 0/1/3/5, ``pupils``
    0/1/2/5, ``aches`` 0/1/2/4, ``runny_nose`` 0/1/2/4, ``gi_upset`` 0/1/2/3/5, ``tremor``
    0/1/2/4, ``yawning`` 0/1/2/4, ``anxiety`` 0/1/2/4, ``gooseflesh`` 0/3/5 (all eleven
    required; only these values). Bands (labels): 5–12 mild, 13–24 moderate, 25–36 moderately
    severe, > 36 severe. For opioid withdrawal only, not ketamine.
    """
    _only(answers, {item.key for item in COWS_ITEMS})
    total = sum(_item_value(item, answers.get(item.key)) for item in COWS_ITEMS)
    band = _band(total, COWS_BANDS)
    text = "not banded (below 5)" if total < 5 else f"{band} withdrawal"
    return AssessmentScore(total, f"COWS {total}/{COWS_MAX}: {text}")


SCALE_ITEMS: Final[Mapping[str, tuple[ScaleItem, ...]]] = MappingProxyType(
    {"ciwa_ar": CIWA_AR_ITEMS, "cows": COWS_ITEMS}
)
"""The assessments made of fixed-value items, by kind."""


def scale_items_text(kind: str, answers: Mapping[str, Any]) -> str:
    """The items that scored, e.g. "tremor 4, anxiety 3" ('' for other kinds or all zero)."""
    items = SCALE_ITEMS.get(kind, ())
    return ", ".join(
        f"{item.label.split(' (')[0].lower()} {answers[item.key]}"
        for item in items
        if isinstance(answers.get(item.key), int) and answers[item.key]
    )


def _item_value(item: ScaleItem, value: object) -> int:
    if value is None:
        raise ValueError(f"{item.key}: required ({item.label})")
    if isinstance(value, bool) or not isinstance(value, int) or value not in item.anchors:
        allowed = ", ".join(str(v) for v in item.allowed)
        raise ValueError(f"{item.key}: {_show(value)} is not allowed; expected one of {allowed}")
    return value


# --- MUST (REFERENCE-2.md §12.1) ---------------------------------------------------------------

_MUST_KEYS: Final = (
    "weight_kg",
    "height_m",
    "weight_before_kg",
    "loss_planned",
    "acute_no_intake",
    "estimated",
)


def score_must(answers: Mapping[str, Any]) -> AssessmentScore:
    """MUST, the BAPEN malnutrition screen (``domain.must``): total 0–6, or None when estimated.

    Answers: ``weight_kg`` and ``height_m`` as typed (text, exact decimals; kg and metres),
    ``weight_before_kg`` (3–6 months ago, omitted = not known), ``loss_planned`` and
    ``acute_no_intake`` (acutely ill, no intake for > 5 days) yes/no; or, when height or weight
    cannot be measured, only ``estimated``: the category (low, medium or high) from BAPEN's
    subjective criteria — stored with no score. Flags ``must_medium`` / ``must_high``.
    """
    _only(answers, _MUST_KEYS)
    estimated = answers.get("estimated")
    if estimated is not None:
        if set(answers) - {"estimated", "note"}:
            raise ValueError("estimated: an estimated screen has no measurements")
        risk = must_tool.MustRisk(
            _list_choice("estimated", estimated, tuple(r.value for r in must_tool.MustRisk))
        )
        result = must_tool.estimated_must(risk)
    else:
        for key in ("weight_kg", "height_m"):
            if not isinstance(answers.get(key), str):
                raise ValueError(f"{key}: required, as typed (text)")
        before = answers.get("weight_before_kg")
        if before is not None and not isinstance(before, str):
            raise ValueError("weight_before_kg: as typed (text), or omitted when not known")
        result = must_tool.score_must(
            weight_kg=answers["weight_kg"],
            height_m=answers["height_m"],
            weight_before_kg=before,
            loss_planned=_bool("loss_planned", answers.get("loss_planned", False)),
            acutely_ill_no_intake_over_5_days=_bool(
                "acute_no_intake", answers.get("acute_no_intake", False)
            ),
        )
    flags = {must_tool.MustRisk.MEDIUM: (MUST_MEDIUM,), must_tool.MustRisk.HIGH: (MUST_HIGH,)}
    return AssessmentScore(result.total, result.label, flags.get(result.risk, ()))


def _list_choice(key: str, value: object, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{key}: {_show(value)} is not an option; expected one of {_list(options)}"
        )
    return value


# --- dispatch -----------------------------------------------------------------------------------

SCORERS: Final[Mapping[str, Callable[[Mapping[str, Any]], AssessmentScore]]] = MappingProxyType(
    {
        "rass": score_rass,
        "4at": score_4at,
        "panic": score_panic,
        "hallucination": score_hallucination,
        "cssrs": score_cssrs,
        "phq9": score_phq9,
        "gad7": score_gad7,
        "craving": score_craving,
        "pain": score_pain,
        "bladder": score_bladder,
        "rt_check": score_rt_check,
        "ciwa_ar": score_ciwa_ar,
        "cows": score_cows,
        "must": score_must,
    }
)
ASSESSMENT_KINDS: Final[tuple[str, ...]] = tuple(SCORERS)
"""Every ``AssessmentEntry.kind`` the domain understands."""


@dataclass(frozen=True, slots=True)
class AssessmentName:
    """What the screens and reports call one assessment."""

    short: str
    """History, chart timeline ("Panic")."""
    full: str
    """Handoff facts ("Panic checklist")."""
    scale: str = ""
    """Its range where a report lists readings ("0–10")."""

    @property
    def with_scale(self) -> str:
        """``short`` with its range in brackets when it has one ("Craving (0–10)")."""
        return f"{self.short} ({self.scale})" if self.scale else self.short


NAMES: Final[Mapping[str, AssessmentName]] = MappingProxyType(
    {
        "rass": AssessmentName("RASS", "RASS"),
        "4at": AssessmentName("4AT", "4AT"),
        "panic": AssessmentName("Panic", "Panic checklist"),
        "hallucination": AssessmentName(
            "Hallucinations", "Hallucinations (BPRS-E)", "BPRS-E item 10, 1–7"
        ),
        "cssrs": AssessmentName("C-SSRS", "C-SSRS"),
        "phq9": AssessmentName("PHQ-9", "PHQ-9"),
        "gad7": AssessmentName("GAD-7", "GAD-7"),
        "craving": AssessmentName("Craving", "Craving", "0–10"),
        "pain": AssessmentName("Pain", "Pain"),
        "bladder": AssessmentName("Bladder", "Bladder"),
        "rt_check": AssessmentName("RT check", "After rapid tranquillisation"),
        "ciwa_ar": AssessmentName("CIWA-Ar", "CIWA-Ar (alcohol withdrawal)", "0–67"),
        "cows": AssessmentName("COWS", "COWS (opioid withdrawal)", "0–48"),
        "must": AssessmentName("MUST", "MUST (malnutrition screening)", "0–6"),
    }
)
"""Every kind in ``SCORERS`` has its names here (checked by the tests)."""


def assessment_name(kind: str) -> AssessmentName:
    """The names of ``kind``; an unknown kind is called by its key."""
    return NAMES.get(kind) or AssessmentName(kind, kind)


ANSWER_SCHEMAS: Final[Mapping[str, str]] = MappingProxyType(
    {kind: (fn.__doc__ or "").strip() for kind, fn in SCORERS.items()}
)
"""Each kind's answer keys and scoring, as documented on its scorer."""


def score_assessment(kind: str, answers: Mapping[str, Any]) -> AssessmentScore:
    """Score ``answers`` for ``kind`` (one of ``ASSESSMENT_KINDS``); ValueError names the key."""
    scorer = SCORERS.get(kind) if isinstance(kind, str) else None
    if scorer is None:
        raise ValueError(
            f"kind: {_show(kind)} is not an assessment; expected one of {_list(ASSESSMENT_KINDS)}"
        )
    if not isinstance(answers, Mapping):
        raise ValueError(f"answers: expected a mapping of answers for {kind}")
    return scorer(answers)


# --- helpers ------------------------------------------------------------------------------------


def _only(answers: Mapping[str, Any], allowed: Collection[str]) -> None:
    for key in answers:
        if key != "note" and key not in allowed:
            raise ValueError(
                f"{_show(key)}: not an answer of this assessment; expected {_list(sorted(allowed))}"
            )
    note = answers.get("note")
    if note is not None and not isinstance(note, str):
        raise ValueError("note: expected text")


def _items(answers: Mapping[str, Any], count: int, extra: Collection[str] = ()) -> list[int]:
    keys = [f"q{i}" for i in range(1, count + 1)]
    _only(answers, {*keys, *extra})
    return [validate_score(key, answers.get(key), 0, 3) for key in keys]


def _band(total: int, bands: tuple[tuple[int, str], ...]) -> str:
    return next(label for low, label in bands if total >= low)


def _bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key}: expected yes or no (True/False), got {_show(value)}")
    return value


def _choice(key: str, value: object, options: Mapping[str, int]) -> int:
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{key}: {_show(value)} is not an option; expected one of {_list(options)}"
        )
    return options[value]


def _score_or_word(key: str, value: object, low: int, high: int, words: str) -> int:
    try:
        return validate_score(key, value, low, high)
    except ValueError as exc:
        raise ValueError(f"{exc}, or {words}") from None


def _symptom_list(listed: object) -> set[str]:
    if isinstance(listed, str) or not isinstance(listed, Collection):
        raise ValueError(f"symptoms: expected a list of symptom keys from {_list(PANIC_SYMPTOMS)}")
    present: set[str] = set()
    for key in listed:
        if key not in PANIC_SYMPTOMS:
            raise ValueError(
                f"symptoms: {_show(key)} is not a DSM-5 panic symptom; expected "
                f"keys from {_list(PANIC_SYMPTOMS)}"
            )
        present.add(key)
    return present


def _modalities(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Collection):
        raise ValueError(f"modalities: expected a collection of {_list(MODALITIES)}")
    for item in value:
        if item not in MODALITIES:
            raise ValueError(
                f"modalities: {_show(item)} is not a modality; expected {_list(MODALITIES)}"
            )
    return tuple(m for m in MODALITIES if m in value)


def _optional_time(key: str, value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{key}: {_show(value)} is not an ISO date-time") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{key}: expected a timezone-aware date-time")
    return value


def _list(options: Collection[str]) -> str:
    return ", ".join(options)


def _show(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:
        return "<a very large number>"
    return text if len(text) <= 40 else text[:37] + "..."
