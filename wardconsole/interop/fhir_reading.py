"""Reading FHIR R4 JSON input — a Bundle, a single resource or NDJSON — strictly.

Anything that is not well-formed (bad JSON, a value of the wrong type in a field the console
reads, a time without a time zone) raises ``FhirInputError`` with the position (line/column,
NDJSON line, or bundle entry and field) and the reason, before anything is written.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

MAX_BYTES = 256 * 1024 * 1024
MAX_NUMBER_CHARS = 32
"""The longest number a file may write (sign, digits, point and exponent). A FHIR integer is
32-bit and no vital sign needs more than a few digits; a 5,000-digit number is refused with its
place in the file rather than handed to the parser."""

_DATETIME = re.compile(
    r"(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?"
)


class FhirInputError(ValueError):
    """Malformed input: nothing was imported."""

    def __init__(self, position: str, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"{position}: {reason}")


class Resource:
    """One resource of the input, where it stands, and the names others refer to it by.

    Made once per resource of a file (a month of monitor data is 100,000, read twice), so a
    plain class with slots: a frozen dataclass costs three times as much to make. Nothing
    assigns to one once made."""

    __slots__ = ("data", "full_url", "identity", "local_ref", "position", "type")

    def __init__(self, position: str, full_url: str | None, data: dict[str, Any]) -> None:
        kind = str(data["resourceType"])
        rid = data.get("id")
        local = f"{kind}/{rid}" if isinstance(rid, str) else None
        self.position = position
        """e.g. ``entry[12] (Observation/abc)`` or ``line 3 (Observation/abc)``."""
        self.full_url = full_url
        self.data = data
        self.type = kind
        self.local_ref = local
        """``Type/id``, when the resource has an id."""
        self.identity = full_url or local or position
        """fullUrl, else ``Type/id``, else the position. The three are worked out once here:
        a large file asks for them several times per resource."""

    def at(self, path: str) -> str:
        return f"{self.position} {path}"


@dataclass(frozen=True, slots=True)
class FhirTime:
    at: datetime
    date_only: bool


def read_resources(data: bytes) -> list[Resource]:
    """Every resource in the input, in order (bundle entries flattened)."""
    if len(data) > MAX_BYTES:
        raise FhirInputError("file", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FhirInputError(f"byte {exc.start}", "not UTF-8 text") from None
    if not text.strip():
        raise FhirInputError("file", "empty")
    try:
        top = _loads(text)
    except RecursionError:
        raise FhirInputError("file", "JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if len(lines) > 1 and _is_object(lines[0][1]):
            return _ndjson(lines)
        raise FhirInputError(f"line {exc.lineno}, column {exc.colno}", exc.msg) from None
    return _expand(top, "file", None)


def is_ndjson_file(path: Path) -> bool:
    """Whether the file is NDJSON: its first line is a whole JSON object and another follows
    (a pretty-printed bundle's first line is only ``{``)."""
    with path.open("rb") as handle:
        lines = []
        for raw in handle:
            if raw.strip():
                lines.append(raw)
                if len(lines) == 2:
                    break
    if len(lines) < 2:
        return False
    try:
        return _is_object(lines[0].decode("utf-8-sig"))
    except UnicodeDecodeError:
        return False


def iter_ndjson_file(path: Path) -> Iterator[Resource]:
    """The resources of an NDJSON file, one line at a time (the file is never held whole)."""
    for number, value in iter_ndjson_lines(path):
        if one_resource(value):  # the usual line: no list for it
            yield line_resource(value, number)
        else:
            yield from _expand(value, f"line {number}", None)


def iter_ndjson_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, JSON value) of each line that is not blank, read one at a time; a line
    that is not JSON raises ``FhirInputError``. What the value is, is not checked here: a
    value that is not ``one_resource`` goes to ``line_resources``."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            value = _fast_line(raw)
            if value is _UNREAD:
                value = _careful_line(raw, number)
                if value is _UNREAD:
                    continue
            yield number, value


def one_resource(value: object) -> bool:
    """Whether a line's value is a single resource (not a Bundle): ``line_resource`` reads it."""
    if value.__class__ is not dict:
        return False
    kind = value.get("resourceType")
    return kind.__class__ is str and kind != "Bundle"


def line_resource(value: dict[str, Any], number: int) -> Resource:
    """The resource a line holds (``one_resource``), as ``line_resources`` gives it."""
    return _resource(value, f"line {number}", None)


def line_resources(value: object, number: int) -> list[Resource]:
    """The resources a line holds (a Bundle's entries flattened), or ``FhirInputError``."""
    return _expand(value, f"line {number}", None)


def _careful_line(raw: bytes, number: int) -> Any:
    """The line's JSON, read by ``_loads``; ``_UNREAD`` for a blank line."""
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        raise FhirInputError(f"line {number}", "not UTF-8 text") from None
    if not line.strip():
        return _UNREAD
    try:
        return _loads(line)
    except RecursionError:
        raise FhirInputError(f"line {number}", "JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise FhirInputError(f"line {number}, column {exc.colno}", exc.msg) from None


def _ndjson(lines: list[tuple[int, str]]) -> list[Resource]:
    resources: list[Resource] = []
    for number, line in lines:
        try:
            value = _loads(line)
        except RecursionError:
            raise FhirInputError(f"line {number}", "JSON nested too deeply") from None
        except json.JSONDecodeError as exc:
            raise FhirInputError(f"line {number}, column {exc.colno}", exc.msg) from None
        resources.extend(_expand(value, f"line {number}", None))
    return resources


def _expand(value: object, position: str, full_url: str | None) -> list[Resource]:
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise FhirInputError(position, "not a FHIR resource (a JSON object with resourceType)")
    if value["resourceType"] != "Bundle":
        return [_resource(value, position, full_url)]
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise FhirInputError(f"{position} entry", "expected a list of entries")
    prefix = "" if position == "file" else f"{position} "
    out: list[Resource] = []
    for index, entry in enumerate(entries):
        where = f"{prefix}entry[{index}]"
        if not isinstance(entry, dict):
            raise FhirInputError(where, "expected an object")
        url = entry.get("fullUrl")
        if url is not None and not isinstance(url, str):
            raise FhirInputError(f"{where} fullUrl", "expected a string")
        if "resource" not in entry:
            continue  # e.g. a request-only transaction entry: nothing to read
        out.extend(_expand(entry["resource"], where, url))
    return out


def _resource(value: dict[str, Any], position: str, full_url: str | None) -> Resource:
    """A resource that is not a Bundle, named by its position and ``Type/id``."""
    rid = value.get("id")
    named = f"{position} ({value['resourceType']}/{rid})" if isinstance(rid, str) else position
    return Resource(named, full_url, value)


class _NotJson(Exception):
    def __init__(self, token: str, reason: str = "is not valid JSON") -> None:
        self.token = token
        self.reason = reason


def _refuse(token: str) -> Any:
    raise _NotJson(token)


def _integer(token: str) -> int:
    if len(token) > MAX_NUMBER_CHARS:
        raise _NotJson(token, f"a number of {len(token)} characters; at most {MAX_NUMBER_CHARS}")
    return int(token)


def _decimal(token: str) -> float:
    if len(token) > MAX_NUMBER_CHARS:
        raise _NotJson(token, f"a number of {len(token)} characters; at most {MAX_NUMBER_CHARS}")
    value = float(token)
    if not math.isfinite(value):
        raise _NotJson(token, "a number too large to hold")
    return value


_DECODER = json.JSONDecoder(parse_constant=_refuse, parse_int=_integer, parse_float=_decimal)
"""Built once: ``json.loads`` with an argument builds a decoder per call (one per NDJSON line)."""


def _loads(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except _NotJson as exc:
        where = _place_of(text, exc.token)
        shown = exc.token if len(exc.token) <= 20 else f"{exc.token[:12]}…"
        raise json.JSONDecodeError(f"{shown} {exc.reason}", text, where) from None


_UNREAD = object()
"""``_fast_line``: not read, read the line the careful way; ``_careful_line``: a blank line."""
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 10


def _fast_line(raw: bytes) -> Any:
    """An NDJSON line read by orjson (several times faster), or ``_UNREAD`` to read it the
    careful way (``_loads``): a line orjson refuses, and one with ten digits in a row (an
    integer orjson would make a float, a number longer than ``MAX_NUMBER_CHARS``), so what
    is accepted, and the message for what is not, stay the same."""
    if _LONG_DIGITS in raw.translate(_DIGITS_AS_ZERO):
        return _UNREAD
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _UNREAD


def _place_of(text: str, token: str) -> int:
    """Where ``token`` stands as a value in ``text`` (after ':', '[' or ','), else 0."""
    found = re.search(r"[:\[,]\s*(" + re.escape(token) + r")(?![0-9.eE])", text)
    return found.start(1) if found else 0


def _is_object(line: str) -> bool:
    try:
        return isinstance(_loads(line), dict)
    except json.JSONDecodeError:
        return False


# -- typed access -----------------------------------------------------------------------------


def obj(
    resource: Resource, container: dict[str, Any], key: str, path: str
) -> dict[str, Any] | None:
    value = container.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FhirInputError(resource.at(path), "expected an object")
    return value


def objects(
    resource: Resource, container: dict[str, Any], key: str, path: str
) -> list[dict[str, Any]]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FhirInputError(resource.at(path), "expected a list of objects")
    return value


def string(resource: Resource, container: dict[str, Any], key: str, path: str) -> str | None:
    value = container.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FhirInputError(resource.at(path), "expected a string")
    return value


def number(resource: Resource, container: dict[str, Any], key: str, path: str) -> Decimal | None:
    value = container.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FhirInputError(resource.at(path), f"expected a number, got {_show(value)}")
    return Decimal(str(value))


TEXT_OR_NONE = frozenset({str, type(None)})
"""The classes of a JSON value ``string`` reads without complaint: checked in one step."""


def codings(
    resource: Resource, concept: dict[str, Any] | None, path: str
) -> list[tuple[str, str, str]]:
    """(system, code, display) of each coding of a CodeableConcept. Codings of plain
    strings are read at once (every Observation has some); anything else by
    ``_checked_codings``, which names what is wrong."""
    if concept is None:
        return []
    listed = concept.get("coding")
    if listed.__class__ is list:
        out = []
        for coding in listed:
            if coding.__class__ is not dict:
                break
            system, code, display = coding.get("system"), coding.get("code"), coding.get("display")
            if (
                system.__class__ not in TEXT_OR_NONE
                or code.__class__ not in TEXT_OR_NONE
                or display.__class__ not in TEXT_OR_NONE
            ):
                break
            out.append((system or "", code or "", display or ""))
        else:
            return out
    return _checked_codings(resource, concept, path)


def _checked_codings(
    resource: Resource, concept: dict[str, Any], path: str
) -> list[tuple[str, str, str]]:
    out = []
    for index, coding in enumerate(objects(resource, concept, "coding", f"{path}.coding")):
        where = f"{path}.coding[{index}]"
        out.append(
            (
                string(resource, coding, "system", f"{where}.system") or "",
                string(resource, coding, "code", f"{where}.code") or "",
                string(resource, coding, "display", f"{where}.display") or "",
            )
        )
    return out


def fhir_time(resource: Resource, text: str, path: str) -> FhirTime | None:
    """An aware UTC time; a date alone is midnight UTC. None when coarser than a day."""
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        raise FhirInputError(resource.at(path), f"{_show(text)} is not a FHIR dateTime")
    parts = match.groupdict()
    try:
        if parts["day"] is None:
            return None
        if parts["hour"] is None:
            day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
            return FhirTime(datetime(day.year, day.month, day.day, tzinfo=UTC), True)
        if parts["zone"] is None:
            raise FhirInputError(resource.at(path), f"{_show(text)} has a time but no time zone")
        iso = text.strip().replace("Z", "+00:00")
        return FhirTime(datetime.fromisoformat(iso).astimezone(UTC), False)
    except ValueError as exc:
        if isinstance(exc, FhirInputError):
            raise
        raise FhirInputError(
            resource.at(path), f"{_show(text)} is not a valid date or time"
        ) from None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
