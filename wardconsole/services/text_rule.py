"""One text rule at the service boundary: every free-text field of every use case is checked here.

A use case marked ``@checks_text`` has each text argument — a ``str``, the strings inside a
mapping or a sequence, and the string fields of a dataclass such as ``NewPatient`` or
``RoundEntry`` — checked against ``TEXT_FIELDS`` before its body runs: NUL, lone surrogates and
other control characters are refused with the field named, and each field has a length limit,
so a million characters never reach the append-only audit and a megabyte search is refused as
bad input, not reported as "database unavailable". All problems are reported at once
(``InvalidInput``); nothing is saved.

A field is looked up by its own name (a parameter, or a dataclass field); text nested inside a
mapping or a sequence takes the rule of the field that holds it. A field with no rule is a
programming error (``MissingTextRule``), and ``tests/services/test_text_rule.py`` walks every
service's entry points so a new text field cannot skip the rule. The use cases keep their own
domain checks (a required reason, a known route); this is the floor under all of them.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final, ParamSpec, TypeVar

from wardconsole.domain.changes import Change
from wardconsole.domain.shifts import ShiftWindow
from wardconsole.domain.text_input import MAX_NOTE, text_problem
from wardconsole.services.context import Actor, InvalidInput

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class TextField:
    """The longest text a field takes, and whether line breaks and tabs are allowed in it."""

    max_length: int
    multiline: bool = False


_NOTE: Final = TextField(MAX_NOTE, multiline=True)
_CODE: Final = TextField(32)
"""A code picked from a list (a route, a kind, a level): short, one line."""
_LABEL: Final = TextField(120)
"""A name or a short label a person types on one line."""
_DETAIL: Final = TextField(4_000, multiline=True)
"""Values the program itself puts into an audit row's detail (bounded all the same)."""

TEXT_FIELDS: Final[Mapping[str, TextField]] = {
    # Free text a nurse, a clinician or a supervisor writes.
    "reason": _NOTE,
    "note": _NOTE,
    "notes": _NOTE,
    "text": _NOTE,
    "outcome": _NOTE,
    "comment": _NOTE,
    "summary": _NOTE,
    "content": _NOTE,
    "sections": _NOTE,
    "intake": _NOTE,
    "effect": _NOTE,
    "amend_reason": _NOTE,
    "class_reason": _NOTE,  # why a class was chosen for a drug not in the formulary
    "change_reason": _NOTE,
    "reason_text": _NOTE,
    "answers": _NOTE,
    "response": _LABEL,
    # Names and identifiers typed on one line.
    "hospital_number": TextField(32),
    "given_name": TextField(80),
    "family_name": TextField(80),
    "display_name": _LABEL,
    "staff_code": TextField(64),
    "password": TextField(1024),
    "bed": TextField(16),
    "to_bed": TextField(16),
    "labels": TextField(16),
    "ward": _LABEL,
    "station": TextField(64),
    "search": TextField(120),
    "patient": _LABEL,
    "agreed_with": _LABEL,
    "led_by": _LABEL,
    # The aftercare plan (``domain.follow_up.AftercarePlan``).
    "service": _LABEL,
    "service_contact": TextField(200),
    "patient_phone": TextField(40),
    "crisis_plan_detail": _NOTE,
    "relapse_prevention": _NOTE,
    "peer_support": TextField(200),
    "naloxone": _NOTE,
    "location": _LABEL,
    "label": TextField(200),
    "what": _LABEL,
    "description": _LABEL,  # a drink ("tea"), or what an output was
    # A weighing as typed (``domain.weights.WeightInput``).
    "weight_kg": TextField(12),
    "height_m": TextField(12),
    "before_kg": TextField(12),
    "before_source": _CODE,
    "before": _CODE,  # an imported weighing's weight before admission: (its source, planned)
    "occasion": _CODE,  # a meal, a snack or a supplement on its own
    "offered": _LABEL,  # what a meal was
    "supplement": _CODE,
    "supplement_outcome": _CODE,
    "supplement_reason": TextField(200),
    "drug": _LABEL,
    "dose": TextField(64),
    "route": _CODE,
    "drug_class": _CODE,
    "schedule": _CODE,
    "frequency": _LABEL,
    "max_per_24h": TextField(64),
    "omitted_reason": _CODE,
    "care_setting": TextField(64),
    "destination": TextField(64),
    "detail": _DETAIL,
    "sex": _CODE,
    # Codes from a list the program offers.
    "kind": _CODE,
    "role": _CODE,
    "entry_type": _CODE,
    "types": _CODE,
    "section": TextField(64),
    "level": _CODE,
    "presentation": _CODE,
    "session_type": _CODE,
    "attendance": _CODE,
    "risk_flags": TextField(64),
    "action": TextField(48),
    "entity": TextField(48),
    # Values of a set or a round, and the reasons for a blank (keys and values are short).
    "values": TextField(64),
    "entry_values": TextField(1_000),  # a simple kind's values: each field's spec has its limit
    "vitals": TextField(64),
    "missing_reasons": TextField(64),
    "confirmed": _CODE,
    "symptoms": _CODE,
    "item_scores": _CODE,
    "assessments": _NOTE,
    # Keys the program makes.
    "save_key": TextField(64),
    "fingerprints": TextField(64),  # a SHA-256 of the handoff facts shown (hex)
    "source": TextField(64),
    "source_ref": TextField(200),
    "responder": _LABEL,
    "export_format": _CODE,
    "file_path": TextField(4096),
    "method": _LABEL,
    "origin": _LABEL,  # where an export is written (the longest Linux path)
    "position": TextField(200),
    "author_code": _CODE,  # an author's ID as an imported file gives it (a staff ID's length)
    "skipped": TextField(200),
    "by": TextField(64),
    "os_user": TextField(128),
    "host": TextField(255),
}
"""Every free-text field a use case takes, by name. A field not here is refused loudly."""


class MissingTextRule(LookupError):
    """A use case was given text in a field ``TEXT_FIELDS`` does not know (a programming
    error: add the field with its limit)."""


def rule_for(name: str) -> TextField:
    try:
        return TEXT_FIELDS[name]
    except KeyError:
        raise MissingTextRule(
            f"no text rule for the field {name!r}; add it to TEXT_FIELDS"
        ) from None


def field_problem(name: str, value: str, *, label: str | None = None) -> str | None:
    """The rule for one string field (``label`` names it in the message, default ``name``)."""
    rule = rule_for(name)
    return text_problem(label or name, value, max_length=rule.max_length, multiline=rule.multiline)


def check_text(fields: Mapping[str, object]) -> None:
    """Refuse (``InvalidInput``) if any of ``fields`` (name -> value) breaks the rule."""
    problems: dict[str, str] = {}
    for name, value in fields.items():
        _walk(name, value, None, problems)
    if problems:
        raise InvalidInput(problems)


def checks_text(use_case: Callable[P, R]) -> Callable[P, R]:
    """Check every text argument of ``use_case`` against the rule before it runs."""
    return checks_text_as()(use_case)


def checks_text_as(**names: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``checks_text``, with parameters known to the nurse by another field name (the search
    box's ``text`` is the field ``search``): the rule and the message use that name."""

    def decorate(use_case: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(use_case)

        @functools.wraps(use_case)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            check_text({names.get(k, k): v for k, v in bound.arguments.items() if k != "self"})
            return use_case(*args, **kwargs)

        checked.__text_checked__ = True  # type: ignore[attr-defined]
        checked.__text_names__ = dict(names)  # type: ignore[attr-defined]
        return checked

    return decorate


def field_name(function: object, parameter: str) -> str:
    """The field name the rule uses for ``parameter`` of a checked use case."""
    names: Mapping[str, str] = getattr(function, "__text_names__", {})
    return names.get(parameter, parameter)


def is_text_checked(function: object) -> bool:
    return bool(getattr(function, "__text_checked__", False))


NOT_INPUT: Final = (Actor, ShiftWindow, Change)
"""Values the program builds, not text anyone typed: the actor (read from the staff list), a
shift (from the policy) and a change the feed reported (written by the console's own use cases).
An enum member is a checked choice and is skipped too."""


def _walk(name: str, value: object, rule: TextField | None, problems: dict[str, str]) -> None:
    """Check the strings in ``value``: a dataclass field by its own rule, text inside a
    mapping or a sequence by the rule of the field holding it (resolved only when text is
    found, so a mapping of numbers needs no rule)."""
    if name in problems or isinstance(value, (Enum, *NOT_INPUT)):
        return
    if isinstance(value, str):
        rule = rule or rule_for(name)
        if problem := text_problem(
            name, value, max_length=rule.max_length, multiline=rule.multiline
        ):
            problems[name] = problem
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _walk(item.name, getattr(value, item.name), None, problems)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk(name, key, _KEY, problems)
            _walk(name, item, rule, problems)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _walk(name, item, rule, problems)


_KEY: Final = TextField(64)
"""A key inside a mapping (a vital sign's name, a handoff section): short and plain."""
