"""Bad input on every import path (FHIR files, HL7 v2 monitor messages): a refusal names where
and why, nothing impossible is stored, and nothing else is ever raised."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

from fuzzing import FUZZED, assert_plausible, nasty_scalars, nasty_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from wardfakes import Clock

from wardconsole.interop.fhir_import import parse_fhir
from wardconsole.interop.fhir_reading import FhirInputError
from wardconsole.interop.hl7_oru import MessageRejected, parse_oru
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.importing import ImportService
from wardconsole.services.staff import StaffService
from wardconsole.store import repository
from wardconsole.store.models import ObservationSetRow

EXAMPLES = int(os.environ.get("WARDCONSOLE_FUZZ_EXAMPLES", "20"))
PARSE = settings(max_examples=EXAMPLES * 10)
WRITE = settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
LOINC = [
    "8867-4",
    "9279-1",
    "59408-5",
    "2708-6",
    "8480-6",
    "8462-4",
    "8310-5",
    "8331-1",
    "85354-9",
    "55284-4",
    "0000-0",
    "",
]
UNITS = ["/min", "%", "mm[Hg]", "Cel", "[degF]", "kg", "", "K"]

json_values = st.one_of(
    nasty_scalars.filter(lambda v: _jsonable(v)),
    st.sampled_from([1e308, -1e308, 10**40, -(10**40), "72", "", None, [], {}]),
)
times = st.one_of(
    st.sampled_from(
        [
            "2026-11-25T21:00:00Z",
            "2026-11-25",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59+14:00",
            "2026-13-45T99:99:99Z",
            "yesterday",
            "",
        ]
    ),
    nasty_text,
)


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def observations() -> st.SearchStrategy[dict[str, Any]]:
    quantity = st.fixed_dictionaries(
        {
            "value": json_values,
            "unit": st.sampled_from(UNITS),
            "system": st.just("http://unitsofmeasure.org"),
            "code": st.sampled_from(UNITS),
        }
    )
    return st.fixed_dictionaries(
        {
            "resourceType": st.just("Observation"),
            "status": st.sampled_from(["final", "amended", "entered-in-error", "cancelled", "x"]),
            "code": st.fixed_dictionaries(
                {
                    "coding": st.lists(
                        st.fixed_dictionaries(
                            {
                                "system": st.sampled_from(["http://loinc.org", "urn:x"]),
                                "code": st.sampled_from(LOINC),
                            }
                        ),
                        min_size=1,
                        max_size=2,
                    )
                }
            ),
            "subject": st.fixed_dictionaries(
                {
                    "identifier": st.fixed_dictionaries(
                        {"value": st.one_of(st.just("KD000001"), nasty_text)}
                    )
                }
            ),
            "effectiveDateTime": times,
            "valueQuantity": quantity,
        }
    )


def bundles() -> st.SearchStrategy[bytes]:
    bundle = st.lists(observations(), max_size=4).map(
        lambda items: {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": r}
                for i, r in enumerate(items)
            ],
        }
    )
    return st.one_of(
        bundle.map(lambda b: json.dumps(b).encode()),
        st.binary(max_size=200),
        nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"",
                b"{}",
                b"[]",
                b"null",
                b"\xef\xbb\xbf{}",
                b'{"resourceType": 5}',
                b'{"resourceType": "Bundle", "entry": 7}',
                b"{" * 5000,
            ]
        ),
    )


@PARSE
@given(data=bundles())
def test_fhir_files_parse_or_are_refused_with_a_position(data: bytes) -> None:
    FUZZED["import: FHIR parse"] += 1
    try:
        parse_fhir(data, label="fuzz.json")
    except FhirInputError as exc:
        assert exc.position and exc.reason


def oru_messages() -> st.SearchStrategy[str]:
    value = st.one_of(
        nasty_text,
        st.integers(-(10**12), 10**12).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
    )
    obx = st.builds(
        lambda n, code, v, unit, at: f"OBX|{n}|NM|{code}^x^LN||{v}|{unit}^u^UCUM|||||F|||{at}",
        st.integers(1, 9),
        st.sampled_from(LOINC),
        value,
        st.sampled_from(UNITS),
        st.one_of(st.just("20261125210000+0000"), nasty_text.map(lambda t: t[:20])),
    )
    template = st.builds(
        lambda control, patient, segments: (
            "\r".join(
                [
                    f"MSH|^~\\&|BEDSIDE|WARD7|WARDCONSOLE|WARD7|20261125210000+0000||ORU^R01^ORU_R01|"
                    f"{control}|P|2.5.1",
                    f"PID|1||{patient}^^^HOSP^MR||Abernethy^Aled||19940501|M",
                    "OBR|1|||85353-1^Vital signs panel^LN|||20261125210000+0000",
                    *segments,
                ]
            )
            + "\r"
        ),
        st.one_of(st.just("C1"), nasty_text.map(lambda t: t[:30])),
        st.one_of(st.just("KD000001"), nasty_text.map(lambda t: t[:40])),
        st.lists(obx, max_size=5),
    )
    return st.one_of(template, nasty_text, st.text(max_size=300).map(lambda t: "MSH|" + t))


@PARSE
@given(message=oru_messages())
def test_monitor_messages_parse_or_are_rejected(message: str) -> None:
    FUZZED["import: HL7 parse"] += 1
    try:
        parse_oru(message)
    except MessageRejected as exc:
        assert str(exc).strip()


@WRITE
@given(data=bundles(), message=oru_messages())
def test_whatever_gets_through_an_import_is_possible(
    db: Database, nurse: Actor, admission: int, clock: Clock, data: bytes, message: str
) -> None:
    FUZZED["import: write"] += 2
    supervisor = _importer(db)
    for make in (lambda: parse_fhir(data, label="fuzz.json"), lambda: parse_oru(message)):
        try:
            batch = make()
        except (FhirInputError, MessageRejected):
            continue
        try:
            ImportService(db).import_batch(supervisor, batch)
        except ServiceError as exc:
            assert str(exc).strip()
    with db.read() as session:
        for row in session.scalars(select(ObservationSetRow)):
            assert_plausible(repository.to_observation(row).vitals)
            assert row.taken_at <= clock.now + timedelta(minutes=5)
        assert session.scalar(select(func.count()).select_from(ObservationSetRow)) is not None


def _importer(db: Database) -> Actor:
    return StaffService(db).system_actor("Import")
