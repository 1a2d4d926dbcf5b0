"""One text rule at the service boundary: every use case's free text goes through it.

The entry points are found, not listed: every public method of every service class (a class
built from the ``Database``) whose parameters can carry text. A new use case or a new text
field therefore fails here until it is checked and has a length limit.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from enum import Enum
from typing import Any

import pytest
from sqlalchemy import func, select
from wardfakes import Clock

import wardconsole.services
from wardconsole.domain.records import Severity
from wardconsole.services.admissions import AdmissionService, NewPatient
from wardconsole.services.audit import AuditQuery, AuditService
from wardconsole.services.context import Actor, InvalidInput, Role
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.escalations import EscalationService
from wardconsole.services.recording import RecordingService, RoundEntry
from wardconsole.services.staff import StaffService
from wardconsole.services.text_rule import (
    NOT_INPUT,
    TEXT_FIELDS,
    field_name,
    is_text_checked,
    rule_for,
)
from wardconsole.store.models import AuditRow

CHECKED_INSIDE = {
    "ImportService.import_batch": "each set is checked with its place in the file",
    "ImportService.import_batches": "each set is checked with its place in the file",
    "BulkImportService.import_batch": "each set is checked with its place in the file",
    "StaffService.password_problem": "a check itself: returns the message for the form",
    **dict.fromkeys(
        (
            "AuthService.sign_in",
            "AuthService.confirm_second_person",
        ),
        "sign-in answers every ID and password the same way, through one path and one "
        "verification, and never stores what was typed (only a keyed hash of an unknown ID)",
    ),
}
"""Entry points that apply the same rule (``field_problem``) inside, and why."""


def _service_classes() -> Iterator[type]:
    for info in pkgutil.iter_modules(wardconsole.services.__path__):
        module = importlib.import_module(f"wardconsole.services.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or dataclasses.is_dataclass(cls):
                continue
            if cls.__name__.startswith("_"):  # a module's private helper, not a use case
                continue
            init = inspect.signature(cls.__init__).parameters
            if list(init)[1:2] == ["db"]:
                yield cls


def _entry_points() -> Iterator[tuple[str, Callable[..., Any]]]:
    for cls in _service_classes():
        for name, member in vars(cls).items():
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            yield f"{cls.__name__}.{name}", member


def _carries_text(hint: Any, seen: frozenset[type] = frozenset(), inside: bool = False) -> bool:
    """Whether a value of ``hint`` can hold text (``Any`` or ``object`` inside a mapping or a
    sequence can; a bare ``object`` parameter is a sentinel)."""
    origin = typing.get_origin(hint)
    if hint is str or (inside and hint in (Any, object)):
        return True
    if origin is typing.Literal or origin is Callable or hint in NOT_INPUT:
        return False
    if isinstance(hint, type) and issubclass(hint, Enum):
        return False
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and hint not in seen:
        fields = typing.get_type_hints(hint)
        return any(_carries_text(h, seen | {hint}) for h in fields.values())
    if origin is not None:
        args = typing.get_args(hint)
        container = origin not in (typing.Union, types.UnionType)
        return any(_carries_text(a, seen, container) for a in args if a is not Ellipsis)
    return False


def _text_params(function: Callable[..., Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(function)
    return {
        name: hint
        for name, hint in hints.items()
        if name not in ("return", "self") and _carries_text(hint)
    }


ENTRY_POINTS = sorted(_entry_points())
WITH_TEXT = [(name, fn) for name, fn in ENTRY_POINTS if _text_params(fn)]


def test_the_entry_points_are_found() -> None:
    names = {name for name, _ in WITH_TEXT}
    assert {"RecordingService.record_round", "EscalationService.snooze"} <= names
    assert {"AdmissionService.admit", "DischargeService.search", "AuthService.sign_in"} <= names
    assert len(WITH_TEXT) >= 40


@pytest.mark.parametrize(("name", "function"), WITH_TEXT, ids=[n for n, _ in WITH_TEXT])
def test_every_use_case_taking_text_goes_through_the_rule(
    name: str, function: Callable[..., Any]
) -> None:
    assert is_text_checked(function) or name in CHECKED_INSIDE, (
        f"{name} takes text; mark it @checks_text (services.text_rule)"
    )


def _field_names(name: str, hint: Any, seen: frozenset[type] = frozenset()) -> Iterator[str]:
    """The names the rule looks text up by: the parameter, or a dataclass's own fields."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if hint in seen:
            return
        for field_name, field_hint in typing.get_type_hints(hint).items():
            if _carries_text(field_hint):
                yield from _field_names(field_name, field_hint, seen | {hint})
        return
    inner = [a for a in typing.get_args(hint) if _carries_text(a, inside=True)]
    nested = [a for a in inner if isinstance(a, type) and dataclasses.is_dataclass(a)]
    if nested:
        for a in nested:
            yield from _field_names(name, a, seen)
        if any(not (isinstance(a, type) and dataclasses.is_dataclass(a)) for a in inner):
            yield name
        return
    yield name


@pytest.mark.parametrize(("name", "function"), WITH_TEXT, ids=[n for n, _ in WITH_TEXT])
def test_every_text_field_has_a_limit(name: str, function: Callable[..., Any]) -> None:
    for param, hint in _text_params(function).items():
        for field in _field_names(field_name(function, param), hint):
            assert rule_for(field).max_length <= 20_000, f"{name}: {field}"


def _hostile(hint: Any, seen: frozenset[type] = frozenset()) -> Any:
    """A value of ``hint`` whose every string holds a NUL (the body must never see it)."""
    if hint in (str, Any, object):
        return "a\x00b"
    origin = typing.get_origin(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        values = {}
        for field_ in dataclasses.fields(hint):
            field_hint = typing.get_type_hints(hint)[field_.name]
            values[field_.name] = (
                _hostile(field_hint, seen | {hint}) if _carries_text(field_hint) else None
            )
        return hint(**values)
    args = [a for a in typing.get_args(hint) if a is not Ellipsis]
    if origin in (typing.Union, types.UnionType):
        return _hostile(next(a for a in args if _carries_text(a)), seen)
    if origin is not None and issubclass(origin, Mapping):
        key, value = args
        text = _carries_text(value, inside=True)
        return {"k\x00" if key is str else 1: _hostile(value, seen) if text else 1}
    if origin is not None:
        return [_hostile(args[0], seen)]
    raise AssertionError(f"no hostile value for {hint}")


@pytest.mark.parametrize(("name", "function"), WITH_TEXT, ids=[n for n, _ in WITH_TEXT])
def test_a_nul_in_any_text_field_is_refused_naming_it_before_anything_runs(
    name: str, function: Callable[..., Any]
) -> None:
    if name in CHECKED_INSIDE:
        pytest.skip(CHECKED_INSIDE[name])
    signature = inspect.signature(function)
    text = _text_params(function)
    arguments: dict[str, Any] = {}
    for param in list(signature.parameters)[1:]:
        arguments[param] = _hostile(text[param]) if param in text else object()
    # ``self`` is a bare object: the use case's body, which would need the database, never runs.
    with pytest.raises(InvalidInput) as refused:
        function(object(), **arguments)
    expected = {
        f for param, hint in text.items() for f in _field_names(field_name(function, param), hint)
    }
    assert expected <= set(refused.value.problems), name
    for field, message in refused.value.problems.items():
        assert message.startswith(f"{field}: "), message


def test_the_rule_names_only_fields_it_was_given() -> None:
    """Every rule is for a field some entry point takes (no dead limits)."""
    used = {
        f
        for _, fn in WITH_TEXT
        for param, hint in _text_params(fn).items()
        for f in _field_names(field_name(fn, param), hint)
    }
    # An import's author ID is checked inside (see CHECKED_INSIDE); a role may come as text.
    assert set(TEXT_FIELDS) - used <= {"author_code", "role"}


# -- on the database: nothing saved ----------------------------------------------------------


def _audit_rows(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditRow)) or 0)


def test_a_million_character_reason_never_reaches_the_audit(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    escalations = EscalationService(db)
    before = _audit_rows(db)
    with pytest.raises(InvalidInput) as refused:
        escalations.raise_concern(nurse, admission, Severity.URGENT, "x" * 1_000_000)
    assert "reason" in refused.value.problems
    assert "1000000 typed" in refused.value.problems["reason"]
    assert _audit_rows(db) == before


def test_a_megabyte_search_is_bad_input_not_an_unavailable_database(
    db: Database, nurse: Actor
) -> None:
    staff = StaffService(db)
    staff.add("sup.text", "Sol Super", Role.SUPERVISOR, None)
    supervisor = staff.actor("sup.text", "Station A")
    with pytest.raises(InvalidInput) as refused:
        DischargeService(db).search(supervisor, "k" * 1_048_576)
    assert "characters" in str(refused.value)
    with pytest.raises(InvalidInput):
        AuditService(db).search(supervisor, AuditQuery(patient="p" * 1_048_576))


def test_control_characters_in_a_round_note_and_a_patient_name_are_refused_by_field(
    db: Database, nurse: Actor, admission: int, clock: Clock
) -> None:
    recording = RecordingService(db)
    before = _audit_rows(db)
    with pytest.raises(InvalidInput) as refused:
        recording.record_round(
            nurse, admission, RoundEntry(note="fine\x07"), save_key="r1", taken_at=clock.now
        )
    assert set(refused.value.problems) == {"note"}
    with pytest.raises(InvalidInput) as refused:
        AdmissionService(db).admit(
            nurse,
            NewPatient("KD9", "Ann\ud800", "Lee", clock.now.date() - timedelta(days=9000)),
            bed="B02",
            reason="Ketamine dependence",
        )
    assert set(refused.value.problems) == {"given_name"}
    assert _audit_rows(db) == before
    # Line breaks and tabs are text a nurse types in a note.
    recording.record_round(
        nurse,
        admission,
        RoundEntry(assessments={"rass": {"score": 0}}, note="settled\n\tasleep"),
        save_key="r2",
        taken_at=clock.now,
    )
