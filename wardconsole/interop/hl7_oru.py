"""HL7 v2 ORU^R01 observation messages (bedside-monitor output) -> vital-sign sets, and ACKs.

Parsing uses the ``hl7`` library (after stripping a UTF-8 byte-order mark, which breaks it).
The patient is PID-3 (first identifier: the hospital number). Each OBX with a LOINC code
(OBX-3, coding system ``LN``) of a vital sign, value type ``NM``, one numeric value (OBX-5) and
a unit (OBX-6) becomes a value; OBX of the same time (OBX-14, else OBR-7, else MSH-7) form one
set. Everything else is counted and skipped. Times without an offset are the sending monitor's
local time, taken as this computer's zone (monitors sit on the same ward).

Acknowledgements (original mode): AA stored (the text says what was skipped), AE understood
but not stored (unknown patient, nothing usable, database problem: resend later), AR refused
(not HL7, not ORU^R01, not a production message).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import hl7

from wardconsole.interop import codes as c
from wardconsole.services.importing import ImportBatch, PatientRef, VitalGroup

ACCEPTED_STATUSES = frozenset({"F", "C", "P", "R", "S", "A", ""})
"""OBX-11 result statuses that carry a usable result (D deleted, W wrong, X cannot be obtained,
I pending and N not asked are skipped)."""
MAX_HOSPITAL_NUMBER = 32
MAX_SETS_PER_MESSAGE = 240
"""Vital-sign sets one message may carry (four hours at one a minute: a monitor catching up
after a network break); a longer message is refused (AR) so it cannot hold the feed's one
writer. A technical limit, not a clinical one."""
MAX_SEGMENTS = 5_000
"""Segments in one message, counted before parsing."""
ORU_R01_SEGMENTS = frozenset(
    {"MSH", "SFT", "UAC", "PID", "PD1", "PRT", "NTE", "NK1", "ARV", "PV1", "PV2", "ORC", "OBR"}
    | {"TQ1", "TQ2", "CTD", "OBX", "FT1", "CTI", "SPM", "SAC", "TXA"}
)
"""The segments an ORU^R01 message is built from (HL7 v2.5 to v2.8 message structure ORU_R01,
and TXA, which real ORU^R01 output carries — see the converter sample in the tests). Any other
segment — another message's, or a sender's own Z-segment — has the message refused (AR) naming
it, so nothing outside what this mapping reads reaches the parser."""


class MessageRejected(ValueError):
    """The message cannot be processed at all (ACK AR)."""

    ack_code = "AR"

    def __init__(self, reason: str, error: str = "200^Unsupported message type") -> None:
        super().__init__(reason)
        self.error = error
        """HL7 table 0357 code^text for the ERR segment."""


class UnreadableValue(MessageRejected):
    """A well-formed message with a field that cannot be read (a crafted time): AE, with the
    field named, and nothing stored."""

    ack_code = "AE"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "102^Data type error")


@dataclass(frozen=True, slots=True)
class Header:
    """What an ACK needs from the message header (best effort for broken messages)."""

    sending_application: str = ""
    sending_facility: str = ""
    control_id: str = ""
    version: str = "2.5"


def decode(raw: bytes) -> str:
    """Message text with the byte-order mark gone and segments ended by carriage returns."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = text.lstrip("\ufeff").strip()
    segments = text.replace("\r\n", "\r").replace("\n", "\r").split("\r")
    return "\r".join(segment for segment in segments if segment.strip())


def header_of(text: str) -> Header:
    """Best-effort MSH fields, read by hand so even a message hl7 refuses gets a proper ACK."""
    first = text.split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 8:
        return Header()
    fields = first.split(first[3])

    def at(n: int) -> str:
        index = n - 1  # MSH-1 is the separator itself
        return fields[index].split(first[4])[0] if index < len(fields) else ""

    return Header(at(3), at(4), at(10)[:199], at(12) or "2.5")


def parse_oru(text: str, *, label_prefix: str = "monitor") -> ImportBatch:
    """Map one ORU^R01 message to a batch; ``MessageRejected`` when it cannot be processed."""
    try:
        return _parse_oru(decode(text.encode("utf-8", "surrogatepass")), label_prefix)
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, MessageRejected):
            raise
        # The hl7 containers raise these for structures they cannot index.
        raise MessageRejected(
            f"cannot read the message: {type(exc).__name__}", "102^Data type error"
        ) from None


def _parse_oru(text: str, label_prefix: str) -> ImportBatch:
    if not text.startswith("MSH"):
        raise MessageRejected("not an HL7 v2 message (it must start with MSH)")
    # Blank segments (a stray empty line) carry nothing, and the hl7 library trips on them.
    segments = [segment for segment in text.split("\r") if segment.strip()]
    _check_segments(segments)
    text = "\r".join(segments) + "\r"
    try:
        message = _parsed(text)
    except Exception as exc:  # the library raises several types for broken input
        raise MessageRejected(
            f"cannot parse the message: {type(exc).__name__}", "102^Data type error"
        ) from None
    msh = _segment(message, "MSH")
    if msh is None:
        raise MessageRejected("no MSH segment")
    kind = _components(message, _field(msh, 9))
    if kind[:2] != ["ORU", "R01"]:
        shown = "^".join(kind[:2]) or "none"
        raise MessageRejected(f"unsupported message type {shown}; send ORU^R01")
    processing = _components(message, _field(msh, 11))[0]
    if processing != "P":
        raise MessageRejected(
            f"processing ID {processing or 'missing'!r} is not production "
            "(P); test and training messages are not stored",
            "202^Unsupported processing id",
        )
    control_id = _field(msh, 10)
    if not control_id:
        raise MessageRejected("MSH-10 (message control ID) is empty")
    pid = _segment(message, "PID")
    hospital_number = ""
    if pid is not None:
        identifiers = _repetitions(message, _field(pid, 3))
        hospital_number = _components(message, identifiers[0])[0] if identifiers else ""
    if not hospital_number:
        raise MessageRejected("PID-3 (patient identifier) is missing")
    if len(hospital_number) > MAX_HOSPITAL_NUMBER:
        raise MessageRejected("PID-3 is longer than a hospital number can be")
    message_time = _time(message, _field(msh, 7), "MSH-7")
    return _Mapper(message, hospital_number, message_time).batch(
        source_key=f"{_field(msh, 3)}|{_field(msh, 4)}|{control_id}",
        label=f"{label_prefix} message {control_id}",
    )


def _parsed(text: str) -> Any:
    """The message split by hand (``_Message``) when it uses the usual separators, as every
    monitor seen does; a message with other encoding characters is left to the hl7 library."""
    first = text.strip()
    if first.startswith(_USUAL_HEADER):
        return _Message(first)
    return hl7.parse(text)


_USUAL_HEADER = "MSH|^~\\&|"


class _Segment(list[str]):
    """A segment's fields as text, read as the hl7 library's ``Segment`` is: ``segment(n)``
    is field n (MSH-1 being the field separator itself), and an absent field raises
    IndexError."""

    def __call__(self, number: int) -> str:
        return self[number]


class _Message:
    """An HL7 v2 message split into segments and fields only, exactly as ``hl7.parse`` splits
    them (its parse plan gives the separators); components are split when read. The library's
    parse builds a container for every component of every field, which cost most of a busy
    feed's handling of a message."""

    def __init__(self, text: str) -> None:
        plan = hl7.parser.create_parse_plan(text)
        self.separators: str = plan.separators
        self.esc: str = plan.esc
        self.segments = [self._split(line) for line in text.split("\r")]

    def _split(self, text: str) -> _Segment:
        if not any(separator in text for separator in self.separators[1:]):
            return _Segment([text])
        if text[:3] in ("MSH", "BHS", "FHS"):
            end = text.find(text[3], 4)
            rest = text[end + 1 :]
            fields = rest.split(self.separators[1]) if rest else []
            return _Segment([text[:3], text[3], text[4:end], *fields])
        return _Segment(text.split(self.separators[1]))

    def __iter__(self) -> Iterator[_Segment]:
        return iter(self.segments)

    def segment(self, name: str) -> _Segment:
        """The first segment called ``name``; KeyError when there is none."""
        for segment in self.segments:
            if segment and segment[0] == name:
                return segment
        raise KeyError(f"No {name} segments")

    def unescape(self, text: str) -> str:
        return str(hl7.util.unescape(self, text))


def _check_segments(segments: list[str]) -> None:
    """Refuse a message with too many segments or one not in an ORU^R01 (``AR``)."""
    if len(segments) > MAX_SEGMENTS:
        raise MessageRejected(
            f"{len(segments)} segments; at most {MAX_SEGMENTS} in one message",
            "207^Application internal error",
        )
    for number, segment in enumerate(segments, start=1):
        name = segment[:3]
        if name not in ORU_R01_SEGMENTS:
            shown = name if name.isalnum() and name.isascii() else "?"
            raise MessageRejected(
                f"segment {number} ({shown}) is not part of an ORU^R01 message",
                "100^Segment sequence error",
            )


class _Mapper:
    def __init__(self, message: Any, hospital_number: str, message_time: datetime | None) -> None:
        self.message = message
        self.patient = PatientRef(hospital_number)
        self.message_time = message_time
        self.skipped: Counter[str] = Counter()

    def batch(self, *, source_key: str, label: str) -> ImportBatch:
        groups: dict[datetime, dict[str, object]] = {}
        positions: dict[datetime, str] = {}
        request_time = self.message_time
        for number, segment in enumerate(self.message, start=1):
            name = str(segment[0])
            if name == "OBR":
                request_time = (
                    _time(self.message, _field(segment, 7), f"segment {number} OBR-7")
                    or self.message_time
                )
            elif name == "OBX":
                self._obx(segment, number, request_time, groups, positions)
        if len(groups) > MAX_SETS_PER_MESSAGE:
            raise MessageRejected(
                f"{len(groups)} vital-sign sets in one message; at most "
                f"{MAX_SETS_PER_MESSAGE} (send them in several messages)",
                "207^Application internal error",
            )
        vital_groups = []
        for index, (taken_at, values) in enumerate(sorted(groups.items())):
            ref = hashlib.sha256(f"{source_key}|{index}".encode()).hexdigest()[:48]
            vital_groups.append(
                VitalGroup(
                    source_ref=f"hl7:{ref}",
                    patient=self.patient,
                    taken_at=taken_at,
                    values=values,
                    position=positions[taken_at],
                )
            )
        return ImportBatch(
            source="monitor",
            label=label,
            groups=tuple(vital_groups),
            skipped=dict(self.skipped),
            create_records=False,
        )

    def _obx(
        self,
        segment: Any,
        number: int,
        request_time: datetime | None,
        groups: dict[datetime, dict[str, object]],
        positions: dict[datetime, str],
    ) -> None:
        code = self._loinc(_field(segment, 3))
        name = c.IMPORT_LOINC.get(code or "")
        if name is None:
            ident = _components(self.message, _field(segment, 3))
            self.skipped[f"not imported: {ident[0] or 'no code'} {_at(ident, 1)}".rstrip()] += 1
            return
        status = _field(segment, 11)
        if status not in ACCEPTED_STATUSES:
            self.skipped[f"result status {status!r}: {name}"] += 1
            return
        value_type = _field(segment, 2)
        if value_type != "NM":
            self.skipped[f"value type {value_type or 'missing'!r} is not numeric: {name}"] += 1
            return
        raw_values = _repetitions(self.message, _field(segment, 5))
        if len(raw_values) != 1:
            self.skipped[f"{'no value' if not raw_values else 'several values'}: {name}"] += 1
            return
        try:
            amount = Decimal(raw_values[0].strip())
        except InvalidOperation:
            self.skipped[f"value not a number: {name}"] += 1
            return
        if not amount.is_finite():
            self.skipped[f"value not a number: {name}"] += 1
            return
        unit = _components(self.message, _field(segment, 6))[0]
        if not unit:
            self.skipped[f"no unit: {name}"] += 1
            return
        try:
            converted = c.to_chart_units(name, amount, unit)
        except c.UnitProblem as exc:
            self.skipped[f"{exc}: {name}"] += 1
            return
        taken_at = _time(self.message, _field(segment, 14), f"segment {number} OBX-14")
        taken_at = taken_at or request_time
        if taken_at is None:
            self.skipped[f"no time: {name}"] += 1
            return
        values = groups.setdefault(taken_at, {})
        positions.setdefault(taken_at, f"segment {number} (OBX)")
        if name in values:
            self.skipped[f"repeated in one set: {name}"] += 1
            return
        values[name] = float(converted) if name == "temperature" else int(converted)

    def _loinc(self, field: str) -> str | None:
        parts = _components(self.message, field)
        if _at(parts, 2) == "LN":
            return parts[0]
        if _at(parts, 5) == "LN":
            return _at(parts, 3)
        return None


# -- ACK ----------------------------------------------------------------------------------------


def build_ack(
    header: Header,
    code: str,
    text: str,
    *,
    station: str,
    error: str = "207^Application internal error",
    now: datetime | None = None,
) -> str:
    """An original-mode ACK: MSH + MSA (+ ERR for AE/AR), segments ended by carriage returns."""
    now = now or datetime.now(UTC)
    stamp = now.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")
    control = hashlib.sha1(f"{header.control_id}|{now.isoformat()}".encode()).hexdigest()[:20]
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            "WardConsole",
            _escape(station[:60]),
            _escape(header.sending_application),
            _escape(header.sending_facility),
            stamp,
            "",
            "ACK^R01^ACK",
            control,
            "P",
            _escape(header.version) or "2.5",
        ]
    )
    segments = [msh, "|".join(["MSA", code, _escape(header.control_id), _escape(text[:200])])]
    if code != "AA":
        segments.append(
            "|".join(["ERR", "", "", f"{error}^HL70357", "E", "", "", "", _escape(text[:200])])
        )
    return "\r".join(segments) + "\r"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
        .replace("\r", " ")
        .replace("\n", " ")
    )


# -- raw field access (the hl7 containers raise IndexError for absent fields) ------------------


def _segment(message: Any, name: str) -> Any | None:
    try:
        return message.segment(name)
    except (KeyError, IndexError):
        return None


def _field(segment: Any, number: int) -> str:
    try:
        return str(segment(number))
    except IndexError:
        return ""


def _repetitions(message: Any, field: str) -> list[str]:
    if not field:
        return []
    return field.split(message.separators[2] if len(message.separators) > 2 else "~")


def _components(message: Any, text: str) -> list[str]:
    separator = message.separators[3] if len(message.separators) > 3 else "^"
    return [message.unescape(part) for part in text.split(separator)]


def _at(parts: list[str], index: int) -> str:
    return parts[index] if index < len(parts) else ""


def _time(message: Any, field: str, name: str = "time") -> datetime | None:
    """The time in ``field`` (UTC), None when absent or too short to be a set's time; a time
    that is there but cannot be a real instant (month 13, an offset of 99 hours, a year the
    clock cannot reach in UTC) is refused (``UnreadableValue``, AE) naming ``name``."""
    text = _components(message, field)[0] if field else ""
    if len(text) < 12:  # a time needs at least YYYYMMDDHHMM; a date alone is not a set's time
        return None
    try:
        parsed: datetime | None = hl7.parse_datetime(text)
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()  # the sender's local time = this ward's zone
        return parsed.astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        shown = text[:26] if text.isascii() and text.isprintable() else "(unprintable)"
        raise UnreadableValue(f"{name} {shown!r} is not a valid time") from None


__all__ = [
    "Header",
    "MessageRejected",
    "UnreadableValue",
    "build_ack",
    "decode",
    "header_of",
    "parse_oru",
]
