"""Whatever arrives — random bytes, random JSON, mangled HL7 — the readers either map it or
refuse it with a message; they never crash, and the monitor feed always answers with an ACK."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wardconsole.interop.fhir_import import FhirInputError, parse_fhir
from wardconsole.interop.hl7_feed import MessageHandler
from wardconsole.interop.hl7_oru import MessageRejected, decode, parse_oru
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.staff import StaffService

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
KEYS = st.sampled_from(
    [
        "resourceType",
        "entry",
        "resource",
        "code",
        "coding",
        "system",
        "valueQuantity",
        "value",
        "unit",
        "effectiveDateTime",
        "subject",
        "component",
        "status",
        "hasMember",
        "reference",
        "fullUrl",
        "id",
    ]
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
OBSERVATION = st.fixed_dictionaries(
    {
        "resourceType": st.just("Observation"),
        "status": st.sampled_from(["final", "amended", "cancelled", 3]),
        "code": st.fixed_dictionaries(
            {
                "coding": st.lists(
                    st.fixed_dictionaries(
                        {
                            "system": st.sampled_from(["http://loinc.org", "urn:x", 5]),
                            "code": st.sampled_from(
                                ["8867-4", "9279-1", "85354-9", "2708-6", "8310-5", "x"]
                            ),
                        }
                    ),
                    max_size=2,
                )
            }
        ),
        "effectiveDateTime": st.sampled_from(
            ["2026-11-25T20:00:00Z", "2026-11-25", "2026", "not a time", "2026-11-25T20:00"]
        ),
        "subject": st.just({"identifier": {"value": "KD000001"}}),
        "valueQuantity": st.fixed_dictionaries(
            {
                "value": st.one_of(
                    st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6), st.text(max_size=3)
                ),
                "code": st.sampled_from(["/min", "%", "Cel", "[degF]", "mm[Hg]", "kPa", "furlong"]),
            }
        ),
    }
)


def _parse(data: bytes) -> None:
    try:
        batch = parse_fhir(data, label="fuzz")
    except FhirInputError as exc:
        assert exc.position and exc.reason
    else:
        for group in batch.groups:
            assert group.values and group.taken_at.tzinfo is not None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _parse(data)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_random_json(value: Any) -> None:
    _parse(json.dumps(value).encode())


@settings(max_examples=150, deadline=None)
@given(st.lists(OBSERVATION, max_size=5))
def test_mangled_observations(observations: list[dict[str, Any]]) -> None:
    bundle = {"resourceType": "Bundle", "entry": [{"resource": o} for o in observations]}
    _parse(json.dumps(bundle).encode())


HL7_PIECES = st.sampled_from(
    [
        "MSH|^~\\&|A|B|C|D|20261125200000||ORU^R01|X1|P|2.5",
        "PID|1||KD000001",
        "OBX|1|NM|8867-4^HR^LN||80|/min|||||F|||20261125200000",
        "OBX|1|NM|8867-4^HR^LN||abc|/min",
        "OBX|2|NM|^^LN||1~2|",
        "OBR|1|||||x",
        "MSH|",
        "|||^^^",
        "\x0b",
        "\x1c",
        "\ufeff",
        "OBX|1|NM|8310-5^T^LN||99|[degF]|||||F|||2026",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(HL7_PIECES, max_size=6), st.text(max_size=30))
def test_mangled_hl7(pieces: list[str], noise: str) -> None:
    text = decode(("\r".join(pieces) + noise).encode("utf-8", "surrogatepass"))
    try:
        parse_oru(text)
    except MessageRejected as exc:
        assert str(exc)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(HL7_PIECES, max_size=6))
def test_the_feed_always_acknowledges(db: Database, admission: int, pieces: list[str]) -> None:
    handler = MessageHandler(db, _monitor(db))
    outcome, ack = handler.handle("\r".join(pieces).encode())
    assert outcome.code in ("AA", "AE", "AR")
    assert ack.startswith(b"MSH|^~\\&|WardConsole|") and b"\rMSA|" + outcome.code.encode() in ack


def _monitor(db: Database) -> Actor:
    return StaffService(db).system_actor("fuzz")
