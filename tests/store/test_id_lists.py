"""A statement bound by a list of ids reads the same rows as ``IN`` on both backends,
and on PostgreSQL its text does not grow with the list (one array parameter)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from wardconsole.store.id_lists import among_ids, padded
from wardconsole.store.models import Patient


def _register(session: Session, count: int) -> list[int]:
    patients = [
        Patient(
            hospital_number=f"ID{number:06d}",
            given_name="Id",
            family_name=f"List{number}",
            date_of_birth=date(1990, 1, 1),
            created_at=datetime(2026, 12, 1, tzinfo=UTC),
        )
        for number in range(count)
    ]
    session.add_all(patients)
    session.flush()
    return sorted(p.id for p in patients)


def test_rows_among_a_list_of_ids_are_those_in_it(engine: Engine) -> None:
    statement = select(Patient.id).where(among_ids(Patient.id, "ids")).order_by(Patient.id)
    with Session(engine) as session, session.begin():
        ids = _register(session, 70)
        wanted = ids[::3]
        found = session.scalars(statement, {"ids": wanted}).all()
        assert found == sorted(wanted)
        assert session.scalars(statement, {"ids": []}).all() == []
        assert session.scalars(statement, {"ids": [max(ids) + 1000]}).all() == []
        combined = select(func.count()).where(among_ids(Patient.id, "ids"), Patient.id > ids[10])
        assert session.scalar(combined, {"ids": ids[5:20]}) == 9
        session.rollback()


def test_on_postgresql_the_list_is_one_array_parameter() -> None:
    statement = select(Patient.id).where(among_ids(Patient.id, "ids"))
    compiled = statement.compile(dialect=postgresql.dialect())
    assert "= ANY (%(ids)s::INTEGER[])" in str(compiled)
    assert list(compiled.params) == ["ids"]


def test_windows_are_padded_to_a_power_of_two_with_the_last_one() -> None:
    assert padded([]) == []
    assert padded([1]) == [1]
    assert padded([1, 2, 3]) == [1, 2, 3, 3]
    assert padded([1, 2, 3, 4]) == [1, 2, 3, 4]
    assert padded(list(range(5))) == [0, 1, 2, 3, 4, 4, 4, 4]
    assert {len(padded(list(range(n)))) for n in range(1, 61)} == {1, 2, 4, 8, 16, 32, 64}
