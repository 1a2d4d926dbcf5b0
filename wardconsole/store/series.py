"""Time-series reads for the patient charts: numbers straight from the database into numpy.

A 30-day stay fed by a bedside monitor holds 43,200 observation sets. Building an ORM object or
even a SQLAlchemy ``Row`` per set costs more than the query itself, so the chart columns are
computed in SQL (times as epoch numbers, categories as small integer codes, booleans as 0/1,
NULL as a sentinel number). The observation sets come back as **columns**, not rows
(``observation_matrix``): the database joins each column into one comma-separated text
(``group_concat`` / ``string_agg``, every number in a form that reads back exactly), and numpy
parses each text in C. No Python object is made per set, and the database does its part
without holding Python's interpreter lock, so the window goes on building its plots meanwhile.
Anything the text cannot carry exactly (a fraction stored in a whole-number column by some
other program) falls back to the row-by-row read (``fetch_matrix``), which gives the same
matrix.

Statements are compiled with literal binds; only numbers, aware datetimes and fixed domain
codes are ever bound, never user text, and no ``%`` appears in the SQL (psycopg would read it
as a placeholder).
"""

from __future__ import annotations

import typing
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import (
    Float,
    Integer,
    Select,
    SQLColumnExpression,
    Text,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from wardconsole.store.entries import ENTRY_TABLES
from wardconsole.store.models import (
    Admission,
    AssessmentRow,
    EscalationEventRow,
    EscalationRow,
    ObservationSetRow,
    PrnDoseRow,
    Staff,
    SymptomEntryRow,
)

_UNIX_EPOCH_JULIAN_DAY = 2440587.5
_SECONDS_PER_DAY = 86400.0


class epoch_seconds(FunctionElement[float]):  # noqa: N801 - reads like the SQL function it is
    """Seconds since 1970-01-01 UTC of a stored (UTC) timestamp, as a float."""

    type = Float()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; julianday() keeps milliseconds.
    # Rounded to the millisecond, or the day arithmetic leaves a set a few nanoseconds after
    # the moment it was taken (and a read-out at that moment would miss it).
    arg = compiler.process(element.clauses, **kw)
    return f"ROUND((julianday({arg}) - {_UNIX_EPOCH_JULIAN_DAY}) * {_SECONDS_PER_DAY}, 3)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
    # EXTRACT returns numeric (a Python Decimal) on PostgreSQL 14+; a double is what numpy wants.
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(EPOCH FROM {arg}) AS DOUBLE PRECISION)"


class epoch_text(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it is
    """A stored (UTC) timestamp as the text of an exact epoch number: whole milliseconds on
    SQLite (``EPOCH_TEXT_UNIT``), seconds with microseconds on PostgreSQL."""

    type = Text()
    inherit_cache = True
    name = "epoch_text"


@compiles(epoch_text, "sqlite")
def _epoch_text_sqlite(element: epoch_text, compiler: Any, **kw: Any) -> str:
    # julianday() keeps whole milliseconds; rounded to the nearest one they are exact, and
    # ROUND with no digits is cheap (with digits SQLite prints and re-parses the number).
    arg = compiler.process(element.clauses, **kw)
    return (
        f"CAST(ROUND((julianday({arg}) - {_UNIX_EPOCH_JULIAN_DAY}) * {_SECONDS_PER_DAY * 1000})"
        " AS INTEGER)"
    )


@compiles(epoch_text, "postgresql")
def _epoch_text_postgresql(element: epoch_text, compiler: Any, **kw: Any) -> str:
    return f"CAST({_epoch_postgresql(element, compiler, **kw)} AS TEXT)"


EPOCH_TEXT_UNIT: Mapping[str, float] = {"sqlite": 1000.0}
"""``epoch_text`` units per second, by dialect (1 when not listed)."""


class exact_text(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it is
    """A number as text that reads back as the very same number (``whole``: an integer)."""

    type = Text()
    inherit_cache = True
    name = "exact_text"

    def __init__(self, number: Any, *, whole: bool) -> None:
        super().__init__(number)
        self.whole = whole


@compiles(exact_text, "sqlite")
def _exact_text_sqlite(element: exact_text, compiler: Any, **kw: Any) -> str:
    # An integer is joined as its digits as it is. quote() writes a real with 15 significant
    # digits, or 20 when 15 would not read back as the same double (a plain cast keeps 15).
    arg = compiler.process(element.clauses, **kw)
    return arg if element.whole else f"quote({arg})"


@compiles(exact_text, "postgresql")
def _exact_text_postgresql(element: exact_text, compiler: Any, **kw: Any) -> str:
    # A double's text is the shortest that reads back exactly (extra_float_digits >= 1, the
    # default since PostgreSQL 12).
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


def code_of(
    column: SQLColumnExpression[Any], codes: Sequence[str], missing: int | None = None
) -> Any:
    """``codes.index(column)`` computed in SQL (``missing`` for NULL or an unknown value)."""
    return case({value: index for index, value in enumerate(codes)}, value=column, else_=missing)


NULL_NUMBER = -999_999_999
"""Stands for NULL on the way out of the database (no measurement, id or code takes it)."""


def number_or_null(column: Any) -> Any:
    """``column`` with NULL as ``NULL_NUMBER``: a row of plain numbers streams into numpy."""
    return func.coalesce(column, literal(NULL_NUMBER, Integer))


def fetch_matrix(session: Session, statement: Select[*tuple[Any, ...]]) -> np.ndarray:
    """Run a select whose columns are all numeric; return an (rows, columns) float64 array.

    Rows go from the cursor straight into a preallocated numpy record array
    (``np.fromiter``); columns built with ``number_or_null`` come back NaN where NULL.
    """
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    width = len(statement.selected_columns)
    record = np.dtype([(f"c{i}", np.float64) for i in range(width)])
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        records = np.fromiter(typing.cast(Iterable[tuple[float, ...]], cursor), dtype=record)
    finally:
        cursor.close()
    matrix: np.ndarray = records.view(np.float64).reshape(len(records), width)
    matrix[matrix == NULL_NUMBER] = np.nan
    return matrix


def _in_range(model: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    clauses = []
    if start is not None:
        clauses.append(model.taken_at >= start)
    if end is not None:
        clauses.append(model.taken_at <= end)
    return clauses


def _status_code(model: Any) -> Any:
    """0 for a final entry, 1 for an entered-in-error record."""
    return case((model.status == "final", 0), else_=1)


OBSERVATION_COLUMNS: tuple[str, ...] = (
    "taken_at",
    "id",
    "amends_id",
    "status",
    "respiration_rate",
    "spo2",
    "spo2_scale",
    "on_oxygen",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "temperature",
    "consciousness",
    "news2_total",
    "news2_risk",
    "glucose",
    "glucose_flag",
)
"""Column order of ``observation_matrix``. ``glucose`` draws a meter LO / HI at the meter's
range limit (``GLUCOSE_OFF_SCALE``) so the line shows the fall; ``glucose_flag`` says which
points those are (index into ``GLUCOSE_FLAGS``, -1 for a number) and is what a table shows."""

GLUCOSE_FLAGS: tuple[str, ...] = ("LO", "HI")
GLUCOSE_OFF_SCALE: tuple[float, float] = (0.6, 33.3)
"""Where LO / HI are drawn: the typical meter range (``domain.limits`` glucose, [37c])."""


def _observation_numbers(
    consciousness_codes: Sequence[str], risk_codes: Sequence[str]
) -> list[tuple[Any, bool]]:
    """The ``OBSERVATION_COLUMNS`` after the time, in SQL: (expression, whole number?)."""
    o = ObservationSetRow
    return [
        (o.id, True),
        (o.amends_id, True),
        (_status_code(o), True),
        (o.respiration_rate, True),
        (o.spo2, True),
        (o.spo2_scale, True),
        (cast(o.on_oxygen, Integer), True),
        (o.systolic_bp, True),
        (o.diastolic_bp, True),
        (o.pulse, True),
        (o.temperature, False),
        (code_of(o.consciousness, consciousness_codes), True),
        (o.news2_total, True),
        (code_of(o.news2_risk, risk_codes, -1), True),
        (
            case(
                (o.glucose_flag == GLUCOSE_FLAGS[0], GLUCOSE_OFF_SCALE[0]),
                (o.glucose_flag == GLUCOSE_FLAGS[1], GLUCOSE_OFF_SCALE[1]),
                else_=o.glucose_mmol,
            ),
            False,
        ),
        (code_of(o.glucose_flag, GLUCOSE_FLAGS, -1), True),
    ]


_BEFORE_ANY_SET = datetime(1, 1, 1, tzinfo=UTC)


def _observation_filter(
    admission_id: int, start: datetime | None, end: datetime | None, after_id: int | None
) -> list[Any]:
    o = ObservationSetRow
    after = [o.id > after_id] if after_id is not None else []
    return [o.admission_id == admission_id, *_in_range(o, start, end), *after]


def observation_matrix(
    session: Session,
    admission_id: int,
    start: datetime | None,
    end: datetime | None,
    *,
    consciousness_codes: Sequence[str],
    risk_codes: Sequence[str],
    after_id: int | None = None,
) -> np.ndarray:
    """Every observation set of the admission taken in [start, end], oldest first.

    All rows, current or not: ``amends_id`` and ``status`` (0 final, 1 entered in error) say
    which rows make others not current. Columns as in ``OBSERVATION_COLUMNS``; consciousness
    and NEWS2 risk are indexes into the given code tuples (risk -1: no score). ``after_id``:
    only sets stored after that one (a cached read catching up). Every column costs the
    database a value per set, so only what the chart draws is read.

    Read as columns of text (module docstring); equal to ``observation_rows_matrix``.
    """
    o = ObservationSetRow
    numbers = _observation_numbers(consciousness_codes, risk_codes)
    # One pass over the admission's sets in index order (taken_at, id): already oldest first.
    # A range on taken_at (for the whole stay, from a time before any set) makes SQLite walk
    # (admission, taken_at) rather than another index of the admission's sets.
    start = start if start is not None else _BEFORE_ANY_SET
    columns = [
        epoch_text(o.taken_at),
        *(exact_text(number_or_null(expression), whole=whole) for expression, whole in numbers),
    ]
    statement = select(
        func.count(),
        *(func.aggregate_strings(column, ",") for column in columns),
    ).where(*_observation_filter(admission_id, start, end, after_id))
    row = session.execute(statement).one()
    unit = EPOCH_TEXT_UNIT.get(session.get_bind().dialect.name, 1.0)
    wholes = [unit != 1.0] + [whole for _expression, whole in numbers]
    matrix = _parse_columns(int(row[0]), row[1:], wholes)
    if matrix is None:  # something the text could not carry exactly: read it row by row
        return observation_rows_matrix(
            session,
            admission_id,
            start,
            end,
            consciousness_codes=consciousness_codes,
            risk_codes=risk_codes,
            after_id=after_id,
        )
    if unit != 1.0:
        matrix[:, 0] /= unit
    times, ids = matrix[:, 0], matrix[:, 1]
    in_order = np.all((times[1:] > times[:-1]) | ((times[1:] == times[:-1]) & (ids[1:] > ids[:-1])))
    if not in_order:  # the database joined the texts in another order than asked
        matrix = matrix[np.lexsort((ids, times))]
    return matrix


def _parse_columns(
    count: int, texts: Sequence[str | None], wholes: Sequence[bool]
) -> np.ndarray | None:
    """The (count, columns) float64 matrix from one comma-separated text per column, with
    ``NULL_NUMBER`` as NaN; None when a text does not hold ``count`` numbers of its kind."""
    matrix = np.empty((count, len(texts)), dtype=np.float64)
    if count == 0:
        return matrix
    for column, (text, whole) in enumerate(zip(texts, wholes, strict=True)):
        if text is None:
            return None
        # Integers parse several times faster than reals: a real column that holds only
        # whole numbers (often only NULL_NUMBER, as glucose mostly does) is read as integers.
        values = _numbers(text, np.int64, count)
        if values is None and not whole:
            values = _numbers(text, np.float64, count)
        if values is None:
            return None
        matrix[:, column] = values
    matrix[matrix == NULL_NUMBER] = np.nan
    return matrix


def _numbers(text: str, dtype: type[np.generic], count: int) -> np.ndarray | None:
    """The ``count`` comma-separated numbers of ``text`` as ``dtype``; None when it holds
    anything else (a real where an integer is asked, text, more or fewer numbers)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            values = np.fromstring(text, dtype=dtype, sep=",")
    except (ValueError, DeprecationWarning):
        return None
    return values if len(values) == count else None


def observation_rows_matrix(
    session: Session,
    admission_id: int,
    start: datetime | None,
    end: datetime | None,
    *,
    consciousness_codes: Sequence[str],
    risk_codes: Sequence[str],
    after_id: int | None = None,
) -> np.ndarray:
    """``observation_matrix`` read row by row (``fetch_matrix``): what the column read falls
    back to, and what it is checked against."""
    o = ObservationSetRow
    statement = (
        select(
            epoch_seconds(o.taken_at),
            *(
                number_or_null(expression)
                for expression, _whole in _observation_numbers(consciousness_codes, risk_codes)
            ),
        )
        .where(*_observation_filter(admission_id, start, end, after_id))
        .order_by(o.taken_at, o.id)
    )
    return fetch_matrix(session, statement)


def observation_marker(session: Session, admission_id: int) -> tuple[int, int, int]:
    """(count, largest id, sum of ids) of the admission's observation sets: one index-only
    read that changes whenever a set is stored (sets are never updated in place)."""
    o = ObservationSetRow
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.max(o.id), 0),
            func.coalesce(func.sum(o.id), 0),
        ).where(o.admission_id == admission_id)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def observations_after(session: Session, admission_id: int, after_id: int) -> tuple[int, int]:
    """(count, sum of ids) of the admission's sets stored after set ``after_id``."""
    o = ObservationSetRow
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(o.id), 0)).where(
            o.admission_id == admission_id, o.id > after_id
        )
    ).one()
    return int(row[0]), int(row[1])


def missing_reasons(
    session: Session,
    admission_id: int,
    start: datetime | None,
    end: datetime | None,
    *,
    after_id: int | None = None,
) -> dict[int, Mapping[str, str]]:
    """Why values were not taken, for the partial sets in [start, end] (few rows);
    ``after_id``: only sets stored after that one."""
    o = ObservationSetRow
    after = [o.id > after_id] if after_id is not None else []
    rows = session.execute(
        select(o.id, o.missing_reasons).where(
            o.admission_id == admission_id,
            o.is_complete.is_(False),
            *_in_range(o, start, end),
            *after,
        )
    ).all()
    return {row.id: dict(row.missing_reasons or {}) for row in rows}


def spo2_target(session: Session, admission_id: int) -> str | None:
    """The prescribed SpO2 target range when the patient is on Scale 2 (e.g. '88–92')."""
    return session.scalar(select(Admission.spo2_scale2_target).where(Admission.id == admission_id))


def symptom_rows(session: Session, admission_id: int) -> list[Any]:
    """The admission's withdrawal-chart ratings, oldest first: (epoch, id, amends_id, status,
    total, item_scores)."""
    s = SymptomEntryRow
    return list(
        session.execute(
            select(
                epoch_seconds(s.taken_at),
                s.id,
                s.amends_id,
                _status_code(s),
                s.total,
                s.item_scores,
            )
            .where(s.admission_id == admission_id)
            .order_by(s.taken_at, s.id)
        ).all()
    )


def assessment_rows(session: Session, admission_id: int) -> list[Any]:
    """The admission's assessments, oldest first: (epoch, id, amends_id, status, kind, total,
    label)."""
    a = AssessmentRow
    return list(
        session.execute(
            select(
                epoch_seconds(a.taken_at),
                a.id,
                a.amends_id,
                _status_code(a),
                a.kind,
                a.total,
                a.label,
            )
            .where(a.admission_id == admission_id)
            .order_by(a.taken_at, a.id)
        ).all()
    )


def prn_rows(session: Session, admission_id: int) -> list[Any]:
    """PRN doses with who gave them, oldest first."""
    p = PrnDoseRow
    return list(
        session.execute(
            select(
                epoch_seconds(p.taken_at),
                p.id,
                p.amends_id,
                _status_code(p),
                p.drug,
                p.drug_class,
                p.dose,
                p.route,
                p.reason,
                Staff.display_name,
                p.station,
            )
            .join(Staff, Staff.id == p.recorded_by_id)
            .where(p.admission_id == admission_id)
            .order_by(p.taken_at, p.id)
        ).all()
    )


def escalation_event_rows(session: Session, admission_id: int, actions: Sequence[str]) -> list[Any]:
    """The trail of the admission's escalations (only ``actions``), oldest first."""
    e, x = EscalationEventRow, EscalationRow
    return list(
        session.execute(
            select(
                epoch_seconds(e.at),
                e.action,
                e.detail,
                x.id,
                x.kind,
                x.severity,
                Staff.display_name,
                e.station,
            )
            .join(x, x.id == e.escalation_id)
            .outerjoin(Staff, Staff.id == e.staff_id)
            .where(x.admission_id == admission_id, e.action.in_(actions))
            .order_by(e.at, e.id)
        ).all()
    )


CORRECTABLE: Mapping[str, Any] = ENTRY_TABLES
"""Entry types that can be corrected or marked entered in error, by change-log topic."""


def correction_rows(session: Session, admission_id: int) -> list[tuple[str, Any]]:
    """Every correction or entered-in-error record of the admission, with the entry type:
    (epoch taken, epoch recorded, status, reason, by, station)."""
    out: list[tuple[str, Any]] = []
    for entry_type, model in CORRECTABLE.items():
        rows = session.execute(
            select(
                epoch_seconds(model.taken_at),
                epoch_seconds(model.recorded_at),
                model.status,
                model.amend_reason,
                Staff.display_name,
                model.station,
            )
            .join(Staff, Staff.id == model.recorded_by_id)
            .where(model.admission_id == admission_id, model.amends_id.is_not(None))
        ).all()
        out.extend((entry_type, row) for row in rows)
    return out
