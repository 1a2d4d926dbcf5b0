"""SQLAlchemy 2 typed ORM models: the ward's persistent record.

Clinical rows (observation sets, symptom entries, assessments, PRN doses) are append-only:
a correction is a new row whose ``amends_id`` points at the row it replaces, with a reason;
"entered in error" is such a row with status ``entered_in_error``. A row is current when no
other row amends it. Every clinical row records who recorded it, when it was taken, when it
was entered and from which station. Times are stored in UTC (see ``UtcDateTime``).

Relationships default to ``lazy="raise"`` so an accidental lazy load (for example from a Qt
``data()`` call) fails loudly instead of querying.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, configure_mappers, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and returns them aware (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: clinical times must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON()}


class WriteStamp:
    """Who wrote a row, when, and from which station."""

    recorded_at: Mapped[datetime] = mapped_column()
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str] = mapped_column(String(64))


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_code: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))  # nurse | supervisor | readonly | system
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()


class SignInThrottleRow(Base):
    """Wrong sign-ins in a row per scope (see ``domain.sign_in_throttle``). Keys are keyed
    hashes, so a password typed into the ID field is never stored; ``account`` is the staff
    ID's keyed hash on its account and pair rows (cleared together by a success or a reset)."""

    __tablename__ = "sign_in_throttle"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str | None] = mapped_column(String(64), index=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column()
    wait_until: Mapped[datetime] = mapped_column()


class Bed(Base):
    __tablename__ = "beds"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(16), unique=True)
    ward: Mapped[str] = mapped_column(String(64))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_number: Mapped[str] = mapped_column(String(32), unique=True)
    given_name: Mapped[str] = mapped_column(String(80))
    family_name: Mapped[str] = mapped_column(String(80))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16), default="unknown")
    created_at: Mapped[datetime] = mapped_column()


class Admission(WriteStamp, Base):
    """One stay. ``bed_id`` is the current bed; moves are kept in ``bed_moves``."""

    __tablename__ = "admissions"
    __table_args__ = (Index("ix_admissions_open", "discharged_at", "bed_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    bed_id: Mapped[int | None] = mapped_column(ForeignKey("beds.id"))
    admitted_at: Mapped[datetime] = mapped_column()
    discharged_at: Mapped[datetime | None] = mapped_column()
    discharge_destination: Mapped[str | None] = mapped_column(String(64))
    discharge_summary: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    care_setting: Mapped[str] = mapped_column(String(32), default="inpatient")
    assigned_nurse_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    previous_admission_id: Mapped[int | None] = mapped_column(ForeignKey("admissions.id"))
    risk_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    intake: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spo2_scale: Mapped[int] = mapped_column(Integer, default=1)
    spo2_scale2_prescribed_by: Mapped[str | None] = mapped_column(String(120))
    spo2_scale2_prescribed_at: Mapped[datetime | None] = mapped_column()
    spo2_scale2_target: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BedMove(WriteStamp, Base):
    __tablename__ = "bed_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"), index=True)
    from_bed_id: Mapped[int | None] = mapped_column(ForeignKey("beds.id"))
    to_bed_id: Mapped[int] = mapped_column(ForeignKey("beds.id"))
    moved_at: Mapped[datetime] = mapped_column()


class ClinicalEntry(WriteStamp):
    """Columns shared by every append-only clinical entry."""

    taken_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(24), default="final")
    amend_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")


class ObservationSetRow(ClinicalEntry, Base):
    """A vital-sign set. NEWS2 columns are filled only for a complete set."""

    __tablename__ = "observation_sets"
    __table_args__ = (
        Index("ix_observation_sets_admission_taken", "admission_id", "taken_at"),
        # A chart's corrections and partial sets: the few such rows of a stay, not all of it.
        Index("ix_observation_sets_admission_amends", "admission_id", "amends_id"),
        Index(
            "ix_observation_sets_admission_incomplete", "admission_id", "is_complete", "taken_at"
        ),
        UniqueConstraint("source", "source_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("observation_sets.id"), index=True)
    respiration_rate: Mapped[int | None] = mapped_column(Integer)
    spo2: Mapped[int | None] = mapped_column(Integer)
    spo2_scale: Mapped[int] = mapped_column(Integer, default=1)
    on_oxygen: Mapped[bool | None] = mapped_column(Boolean)
    systolic_bp: Mapped[int | None] = mapped_column(Integer)
    diastolic_bp: Mapped[int | None] = mapped_column(Integer)
    pulse: Mapped[int | None] = mapped_column(Integer)
    consciousness: Mapped[str | None] = mapped_column(String(1))
    temperature: Mapped[float | None] = mapped_column(Float)
    missing_reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_complete: Mapped[bool] = mapped_column(Boolean)
    news2_total: Mapped[int | None] = mapped_column(Integer)
    news2_risk: Mapped[str | None] = mapped_column(String(16))
    news2_subscores: Mapped[dict[str, Any] | None] = mapped_column()
    glucose_mmol: Mapped[float | None] = mapped_column(Float)
    """Capillary blood glucose by meter, mmol/L (0.1 resolution); None when not taken."""
    glucose_flag: Mapped[str | None] = mapped_column(String(2))
    """The meter's "LO" or "HI" (reading outside its range; no number), else None."""
    source: Mapped[str] = mapped_column(String(16), default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(200))


class SymptomEntryRow(ClinicalEntry, Base):
    """A withdrawal-chart rating (unvalidated local chart; see domain.withdrawal)."""

    __tablename__ = "symptom_entries"
    __table_args__ = (Index("ix_symptom_entries_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("symptom_entries.id"), index=True)
    chart_version: Mapped[str] = mapped_column(String(32))
    item_scores: Mapped[dict[str, Any]] = mapped_column()
    total: Mapped[int | None] = mapped_column(Integer)


class AssessmentRow(ClinicalEntry, Base):
    """A scored bedside assessment: RASS, 4AT, panic, hallucination, C-SSRS, PHQ-9, ..."""

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_admission_kind_taken", "admission_id", "kind", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    answers: Mapped[dict[str, Any]] = mapped_column()
    total: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120), default="")


class PrnDoseRow(ClinicalEntry, Base):
    """A PRN dose; ``taken_at`` is when it was given. Effects are separate rows."""

    __tablename__ = "prn_doses"
    __table_args__ = (Index("ix_prn_doses_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("prn_doses.id"), index=True)
    drug: Mapped[str] = mapped_column(String(120))
    drug_class: Mapped[str] = mapped_column(String(32))
    """A formulary class key; older rows hold free text (read through the formulary)."""
    dose: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    class_reason: Mapped[str | None] = mapped_column(Text)
    """Why this class was chosen for a drug not in the formulary (None: the formulary's)."""


class SupportSessionRow(ClinicalEntry, Base):
    """A therapy or support session offered to the patient (see ``domain.sessions``):
    ``taken_at`` is when it started. Craving ratings before and after it are assessment rows,
    linked here so the rules and the chart read them as any other craving rating."""

    __tablename__ = "support_sessions"
    __table_args__ = (Index("ix_support_sessions_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("support_sessions.id"), index=True)
    session_type: Mapped[str] = mapped_column(String(24))
    attendance: Mapped[str] = mapped_column(String(16))
    ended_at: Mapped[datetime] = mapped_column()
    led_by: Mapped[str] = mapped_column(String(120), default="")
    craving_before_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    craving_after_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))


class FluidEntryRow(ClinicalEntry, Base):
    """A food and fluid chart entry: a drink or prescribed fluid in, or an output.

    ``direction`` is intake | output; ``what`` the intake route or the output kind
    (``domain.fluids``). ``volume_ml`` is None only for an output passed but not measured, which
    makes the period's balance unknown."""

    __tablename__ = "fluid_entries"
    __table_args__ = (
        Index("ix_fluid_entries_admission_taken", "admission_id", "taken_at"),
        Index("ix_fluid_entries_admission_amends", "admission_id", "amends_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("fluid_entries.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    what: Mapped[str] = mapped_column(String(16))
    volume_ml: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(120), default="")


class SleepEntryRow(ClinicalEntry, Base):
    """A nurse's sleep entry for one night: hours slept (whole minutes), settled or disturbed,
    and when the patient woke. ``night_of`` is the local date the night shift starts on
    (``domain.sleep``); the estimate from the safety checks is computed, never stored."""

    __tablename__ = "sleep_entries"
    __table_args__ = (Index("ix_sleep_entries_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("sleep_entries.id"), index=True)
    night_of: Mapped[date] = mapped_column(Date)
    minutes_slept: Mapped[int] = mapped_column(Integer)
    quality: Mapped[str] = mapped_column(String(12))
    woke_at: Mapped[datetime | None] = mapped_column()


class FluidPlanRow(ClinicalEntry, Base):
    """A patient's fluid chart: why, the 24-hour intake target and when to review it.

    Versioned like an entry: a change (or stopping the chart, ``active`` False) is a new row
    that amends the one in force, so the current plan is ``entries.current``'s."""

    __tablename__ = "fluid_plans"
    __table_args__ = (Index("ix_fluid_plans_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("fluid_plans.id"), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    target_ml: Mapped[int] = mapped_column(Integer)
    review_at: Mapped[datetime] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class FoodChartRow(ClinicalEntry, Base):
    """A patient's food chart (``domain.food_chart``), started by a MUST screen at medium risk
    (``screen_id``) from the screen's time until ``ends_at``.

    Versioned like the fluid chart plan: a later medium screen that extends it, or a nurse
    stopping it early (``active`` False, ``ends_at`` the stop), is a new row amending the
    current one, so ``entries.current`` gives the chart."""

    __tablename__ = "food_charts"
    __table_args__ = (Index("ix_food_charts_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("food_charts.id"), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    screen_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    ends_at: Mapped[datetime] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WeightEntryRow(ClinicalEntry, Base):
    """A weighing: weight and/or height as typed (exact decimal text, ``domain.weights``), and
    at intake the weight 3–6 months before admission with where it came from and whether the
    change was planned (MUST step 2)."""

    __tablename__ = "weight_entries"
    __table_args__ = (
        Index("ix_weight_entries_admission_taken", "admission_id", "taken_at"),
        UniqueConstraint("source", "source_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("weight_entries.id"), index=True)
    weight_kg: Mapped[str | None] = mapped_column(String(12))
    height_m: Mapped[str | None] = mapped_column(String(12))
    before_kg: Mapped[str | None] = mapped_column(String(12))
    before_source: Mapped[str] = mapped_column(String(16), default="")
    before_planned: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    """manual (typed at the ward) or import (a FHIR file, ``source_ref`` its identity)."""
    source_ref: Mapped[str | None] = mapped_column(String(200))


class BulkImportRun(Base):
    """A bulk (NDJSON) import under way: its sets wait in the staging tables under its ID
    until one short final transaction copies them into the record. A run whose station
    stopped half way (a crash) leaves only staging rows, which no reader looks at; the next
    import clears them."""

    __tablename__ = "bulk_imports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column()
    touched_at: Mapped[datetime] = mapped_column()
    """Last chunk staged: a run untouched for a while is abandoned."""


class StagedObservationSet(Base):
    """A set of a bulk import, ready to copy into ``observation_sets`` (same columns). Its
    stay or author may still be a negative stand-in for one the final step creates."""

    __tablename__ = "staged_observation_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[str] = mapped_column(String(32), index=True)
    admission_id: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column()
    recorded_by_id: Mapped[int] = mapped_column(Integer)
    station: Mapped[str] = mapped_column(String(64))
    respiration_rate: Mapped[int | None] = mapped_column(Integer)
    spo2: Mapped[int | None] = mapped_column(Integer)
    spo2_scale: Mapped[int] = mapped_column(Integer)
    on_oxygen: Mapped[bool | None] = mapped_column(Boolean)
    systolic_bp: Mapped[int | None] = mapped_column(Integer)
    diastolic_bp: Mapped[int | None] = mapped_column(Integer)
    pulse: Mapped[int | None] = mapped_column(Integer)
    consciousness: Mapped[str | None] = mapped_column(String(1))
    temperature: Mapped[float | None] = mapped_column(Float)
    missing_reasons: Mapped[dict[str, Any]] = mapped_column()
    is_complete: Mapped[bool] = mapped_column(Boolean)
    news2_total: Mapped[int | None] = mapped_column(Integer)
    news2_risk: Mapped[str | None] = mapped_column(String(16))
    news2_subscores: Mapped[dict[str, Any] | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(200))


class StagedWeightEntry(Base):
    """A weighing of a bulk import, ready to copy into ``weight_entries`` (same columns)."""

    __tablename__ = "staged_weight_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[str] = mapped_column(String(32), index=True)
    admission_id: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column()
    recorded_by_id: Mapped[int] = mapped_column(Integer)
    station: Mapped[str] = mapped_column(String(64))
    weight_kg: Mapped[str | None] = mapped_column(String(12))
    height_m: Mapped[str | None] = mapped_column(String(12))
    before_kg: Mapped[str | None] = mapped_column(String(12))
    before_source: Mapped[str] = mapped_column(String(16))
    before_planned: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(200))


class MealEntryRow(ClinicalEntry, Base):
    """A meal, snack or supplement on the food chart (``domain.meals``): what was offered, the
    portion eaten (None for a supplement on its own) and any supplement given or declined."""

    __tablename__ = "meal_entries"
    __table_args__ = (Index("ix_meal_entries_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("meal_entries.id"), index=True)
    occasion: Mapped[str] = mapped_column(String(16))
    offered: Mapped[str] = mapped_column(String(120), default="")
    portion: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    supplement: Mapped[str] = mapped_column(String(24), default="")
    supplement_outcome: Mapped[str] = mapped_column(String(16), default="")
    supplement_reason: Mapped[str] = mapped_column(String(200), default="")


class BowelEntryRow(ClinicalEntry, Base):
    """A bowel movement with its Bristol stool type (None: type not seen; ``domain.bowels``)."""

    __tablename__ = "bowel_entries"
    __table_args__ = (Index("ix_bowel_entries_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("bowel_entries.id"), index=True)
    bristol_type: Mapped[int | None] = mapped_column(Integer)


class UrineDipstickRow(ClinicalEntry, Base):
    """A urine dipstick: the blood, leucocyte and nitrite pads as read (None: not read;
    ``domain.urine``)."""

    __tablename__ = "urine_dipsticks"
    __table_args__ = (Index("ix_urine_dipsticks_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("urine_dipsticks.id"), index=True)
    blood: Mapped[str | None] = mapped_column(String(16))
    leucocytes: Mapped[str | None] = mapped_column(String(16))
    nitrites: Mapped[str | None] = mapped_column(String(16))


class MedicineLineRow(ClinicalEntry, Base):
    """One line of a patient's medicines list: a MONITORING COPY transcribed from the ward's
    drug chart, never the administration record (``domain.medicines``). ``taken_at`` is when
    the medicine starts; a change (or a stop) is a new row amending this one."""

    __tablename__ = "medicine_lines"
    __table_args__ = (Index("ix_medicine_lines_admission", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("medicine_lines.id"), index=True)
    drug: Mapped[str] = mapped_column(String(120))
    drug_class: Mapped[str] = mapped_column(String(32))
    dose: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(16))
    schedule: Mapped[str] = mapped_column(String(16))  # regular | prn
    frequency: Mapped[str] = mapped_column(String(120), default="")
    max_per_24h: Mapped[str] = mapped_column(String(64), default="")
    stop_at: Mapped[datetime | None] = mapped_column()
    reducing_until: Mapped[datetime | None] = mapped_column()
    """The planned end of a reducing regimen (None: not a reducing regimen)."""


class MedicineLineCheckRow(WriteStamp, Base):
    """A second member of staff checked a medicines-list line against the drug chart."""

    __tablename__ = "medicine_line_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("medicine_lines.id"), index=True)


class RegularDoseRow(ClinicalEntry, Base):
    """A regular (scheduled) dose given or omitted, against a medicines-list line; ``taken_at``
    is when it was due or given."""

    __tablename__ = "regular_doses"
    __table_args__ = (Index("ix_regular_doses_admission_taken", "admission_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("regular_doses.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("medicine_lines.id"), index=True)
    drug: Mapped[str] = mapped_column(String(120))
    drug_class: Mapped[str] = mapped_column(String(32))
    dose: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # given | omitted
    omitted_reason: Mapped[str] = mapped_column(String(24), default="")


class PrnEffectRow(WriteStamp, Base):
    __tablename__ = "prn_effects"

    id: Mapped[int] = mapped_column(primary_key=True)
    dose_id: Mapped[int] = mapped_column(ForeignKey("prn_doses.id"), index=True)
    assessed_at: Mapped[datetime] = mapped_column()
    effect: Mapped[str] = mapped_column(Text)


class EscalationRow(Base):
    """A workflow item (not a clinical record): state changes are updates, each one also
    written to ``escalation_events``. ``version`` gives optimistic locking so two stations
    acknowledging at once cannot both win."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_open", "resolved_at", "admission_id"),
        # One open escalation per patient and kind, even when two stations raise it at once.
        Index(
            "uq_escalations_open_kind",
            "admission_id",
            "kind",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    kind: Mapped[str] = mapped_column(String(24))
    severity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")
    rule_id: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[str] = mapped_column(Text)
    prompts: Mapped[list[str]] = mapped_column(JSON, default=list)
    raised_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    outcome: Mapped[str | None] = mapped_column(Text)
    last_announced_at: Mapped[datetime | None] = mapped_column()
    cascade_level: Mapped[int] = mapped_column(Integer, default=0)
    snoozed_until: Mapped[datetime | None] = mapped_column()
    policy_digest: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the policy that raised it (or last raised its severity)."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    grade: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Highest severity grade within its kind seen while open (0: not graded)."""

    __mapper_args__ = {"version_id_col": version}


class EscalationEventRow(Base):
    """The trail of an escalation: raised, severity raised, acknowledged, action, snoozed..."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    policy_digest: Mapped[str | None] = mapped_column(String(64))
    """For raised / raise_severity / update: the policy whose rules did it."""
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    """The second member of staff who signed in to confirm (declining or snoozing an
    emergency)."""


class WardCheckRow(Base):
    """When each station last ran the time-driven ward checks (one row per station).

    With no console running nothing raises overdue or missed-check alarms, so every station
    shows when the checks last ran anywhere and warns when that is too long ago.
    """

    __tablename__ = "ward_checks"

    station: Mapped[str] = mapped_column(String(64), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column()


class LedgerBlockRow(Base):
    """A sealed batch of audit rows in the hash chain (``store.ledger``): each block names its
    rows' hashes and the previous block's hash. Append-only, like the audit it seals."""

    __tablename__ = "ledger_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_audit_id: Mapped[int] = mapped_column(Integer, unique=True)
    last_audit_id: Mapped[int] = mapped_column(Integer)
    row_count: Mapped[int] = mapped_column(Integer)
    row_hashes: Mapped[str] = mapped_column(Text)
    """JSON list of [audit id, first 16 hex digits of its row hash], in id order."""
    rows_digest: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64), unique=True)
    block_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column()
    station: Mapped[str] = mapped_column(String(64))


class LedgerAnchorRow(Base):
    """A chain head copied where stations cannot write: on PostgreSQL only the owner role may
    append here (``wardconsole audit anchor``); it is also printed on signed handoffs."""

    __tablename__ = "ledger_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(Integer)
    block_hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime] = mapped_column()
    anchored_by: Mapped[str] = mapped_column(String(128))


class AuditRow(Base):
    """Append-only audit trail: no update or delete path exists in the code."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str] = mapped_column(String(48))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ChangeRow(Base):
    """Change feed: one row per committed write, read by other stations (SQLite polls
    ``max(id)``; PostgreSQL also sends NOTIFY in the same transaction)."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_admission", "admission_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column()
    topic: Mapped[str] = mapped_column(String(32))
    admission_id: Mapped[int | None] = mapped_column(Integer)
    station: Mapped[str] = mapped_column(String(64))


class SchemaInfo(Base):
    """Key/value facts about the database (e.g. the ward name)."""

    __tablename__ = "ward_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SaveReceiptRow(WriteStamp, Base):
    """One save from a bedside dialog, keyed by a token the dialog made before its first try.

    When a save's outcome is unknown (the connection dropped while committing), the dialog
    retries with the same ``save_key``; finding the receipt means the first try committed, so a
    round or a PRN dose is never recorded twice. ``entries`` names the rows the save wrote.
    """

    __tablename__ = "save_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    save_key: Mapped[str] = mapped_column(String(64), unique=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # round | prn
    entries: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IntakeAmendmentRow(WriteStamp, Base):
    """A correction to one section of an admission's intake, with the reason.

    The intake saved at admission (``Admission.intake``) is never overwritten: the current intake
    is the original with each amendment's section applied in order, and every version stays
    readable. ``risk_flags`` are the flags derived after this amendment.
    """

    __tablename__ = "intake_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"), index=True)
    section: Mapped[str] = mapped_column(String(24))
    content: Mapped[dict[str, Any]] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    risk_flags: Mapped[list[str]] = mapped_column(JSON, default=list)


# One open admission per bed, even when two stations admit into the same bed at once.
Index(
    "uq_admissions_open_bed",
    Admission.bed_id,
    unique=True,
    sqlite_where=text("discharged_at IS NULL"),
    postgresql_where=text("discharged_at IS NULL"),
)


class HandoffRow(Base):
    """One patient's handoff for one shift: a workflow item, like an escalation.

    Status changes (draft -> submitted -> reviewed -> signed, or sent back) are field updates,
    each also written to ``handoff_events``; ``version`` gives optimistic locking so a save or a
    sign-off made on a stale screen is refused. The content is never updated: every save is a
    new ``handoff_versions`` row, and ``signed_version`` names the version the supervisor signed.
    Shift bounds are the UTC instants computed by ``domain.shifts``.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        UniqueConstraint("admission_id", "shift_start"),
        Index("ix_handoffs_shift_start", "shift_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    shift_name: Mapped[str] = mapped_column(String(32))
    shift_start: Mapped[datetime] = mapped_column()
    shift_end: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="draft")
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    signed_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    signed_at: Mapped[datetime | None] = mapped_column()
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    sent_back_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class HandoffVersionRow(WriteStamp, Base):
    """Append-only content of a handoff: the generated facts and the nurse's own words, kept
    apart. ``kind`` is draft | refresh | edit | amendment; an amendment (after signing) carries
    its reason. ``number`` is unique per handoff, so two stations saving at once cannot both win.
    """

    __tablename__ = "handoff_versions"
    __table_args__ = (UniqueConstraint("handoff_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    generated: Mapped[dict[str, Any]] = mapped_column()
    generated_at: Mapped[datetime] = mapped_column()
    nurse_text: Mapped[dict[str, Any]] = mapped_column(default=dict)
    amend_reason: Mapped[str | None] = mapped_column(Text)


class HandoffEventRow(Base):
    """The trail of a handoff: drafted, saved, submitted, commented, sent back, reviewed,
    signed, amended — who, when, from which station, and any comment or reason."""

    __tablename__ = "handoff_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    version_number: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")


class HandoffSignoffRow(Base):
    """A supervisor's sign-off of a whole shift's handoffs (one per shift)."""

    __tablename__ = "handoff_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_name: Mapped[str] = mapped_column(String(32))
    shift_start: Mapped[datetime] = mapped_column(unique=True)
    shift_end: Mapped[datetime] = mapped_column()
    signed_at: Mapped[datetime] = mapped_column()
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str] = mapped_column(String(64))
    handoff_count: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


class ObservationLevelRow(WriteStamp, Base):
    """A patient's supportive observation level, set by a named member of staff.

    Append-only: a change is a new row whose ``supersedes_id`` names the row it replaces (unique,
    so two stations changing the same level at once cannot both win). ``check_minutes`` keeps the
    interval in force when it was set, so history and compliance stay right if the policy file
    changes later. ``next_prompt_at`` is the irregular time the first check under this level is
    prompted (see ``domain.safety_checks``).
    """

    __tablename__ = "observation_levels"
    __table_args__ = (
        UniqueConstraint("supersedes_id"),
        Index("ix_observation_levels_admission_from", "admission_id", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    level: Mapped[str] = mapped_column(String(32))
    check_minutes: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    review_at: Mapped[datetime] = mapped_column()
    agreed_with: Mapped[str] = mapped_column(String(120), default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("observation_levels.id"))
    next_prompt_at: Mapped[datetime | None] = mapped_column()


class SafetyCheckRow(ClinicalEntry, Base):
    """One safety check on a patient: seen (or not found), where, and how.

    ``taken_at`` is when the patient was checked. ``level`` and ``check_minutes`` are the level
    in force then; ``next_prompt_at`` is the irregular time the next check is prompted.
    """

    __tablename__ = "safety_checks"
    __table_args__ = (
        Index("ix_safety_checks_admission_taken", "admission_id", "taken_at"),
        Index("ix_safety_checks_admission_amends", "admission_id", "amends_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("safety_checks.id"), index=True)
    location: Mapped[str] = mapped_column(String(64))
    presentation: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(32))
    check_minutes: Mapped[int] = mapped_column(Integer)
    next_prompt_at: Mapped[datetime | None] = mapped_column()


class ClinicalDecisionRow(WriteStamp, Base):
    """A clinician's documented decision about one patient (Scale 2, modified response,
    observation frequency, rapid-tranquillisation interval or end). Append-only: the latest row
    of a kind is the one in force; a withdrawal is a new row."""

    __tablename__ = "clinical_decisions"
    __table_args__ = (Index("ix_clinical_decisions_admission", "admission_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"))
    kind: Mapped[str] = mapped_column(String(24))
    decided_at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    review_at: Mapped[datetime | None] = mapped_column()


class WardPolicyRow(WriteStamp, Base):
    """The policy the ward runs (its digest), adopted by a supervisor or by the first station.
    Append-only: the latest row is the ward's policy; a station running another says so."""

    __tablename__ = "ward_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(128))
    signed_off: Mapped[bool] = mapped_column(Boolean, default=False)


class AftercarePlanRow(WriteStamp, Base):
    """The aftercare plan recorded at discharge (``domain.follow_up.AftercarePlan`` as JSON).
    Append-only: a change is a new row whose ``supersedes_id`` names the one it replaces. The
    patient's phone number is in ``plan`` only: never in an audit row or a log."""

    __tablename__ = "aftercare_plans"
    __table_args__ = (UniqueConstraint("supersedes_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"), index=True)
    plan: Mapped[dict[str, Any]] = mapped_column()
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("aftercare_plans.id"))


class FollowUpRow(Base):
    """The follow-up contact owed after one discharge: a workflow item opened by the discharge.
    ``due_at`` is the discharge plus ``hours`` of elapsed time; it closes (``closed_at``,
    ``state``) with the attempt that made contact or gave up. Attempts are their own rows."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    admission_id: Mapped[int] = mapped_column(ForeignKey("admissions.id"), unique=True)
    discharged_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column(index=True)
    hours: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(24))
    policy_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(24), default="open")
    closed_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class FollowUpAttemptRow(WriteStamp, Base):
    """One attempt to contact a discharged patient: when, what came of it, by whom."""

    __tablename__ = "follow_up_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")


def configure_mapping() -> None:
    """Resolve the mapped classes now instead of in the first query that needs them (about
    40 ms, once per process): a station does it while its sign-in screen waits, so the first
    census read after signing in does not."""
    configure_mappers()
