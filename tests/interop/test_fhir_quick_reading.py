"""What a large file repeats on every line is read at once and remembered; the result, and
every refusal, is what the careful reading gives (a quick path that disagreed would change
stored values or messages without any other test noticing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wardconsole.interop import fhir_import
from wardconsole.interop.fhir_import import _Mapper, parse_ndjson_file
from wardconsole.interop.fhir_reading import FhirInputError, Resource, _checked_codings, codings

ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-1e3, 1e3),
    st.lists(st.none(), max_size=1),
)
TEXT = st.one_of(st.none(), st.sampled_from(["", "http://loinc.org", "8867-4", "%", "Cel"]))
CODING = st.one_of(
    st.fixed_dictionaries({}, optional={"system": TEXT, "code": TEXT, "display": TEXT}),
    st.fixed_dictionaries({}, optional={"system": ODD, "code": TEXT | ODD, "display": ODD}),
    ODD,
)
CONCEPT = st.fixed_dictionaries({}, optional={"coding": st.lists(CODING, max_size=3) | ODD})
RESOURCE = Resource("line 7 (Observation/o)", None, {"resourceType": "Observation", "id": "o"})


def _outcome(read: Any, *args: Any, **kwargs: Any) -> object:
    try:
        return read(*args, **kwargs)
    except FhirInputError as exc:
        return f"refused: {exc}"


@settings(max_examples=300, deadline=None)
@given(CONCEPT)
def test_codings_read_at_once_are_the_checked_ones(concept: dict[str, Any]) -> None:
    assert _outcome(codings, RESOURCE, concept, "code") == _outcome(
        _checked_codings, RESOURCE, concept, "code"
    )


AMOUNT = st.one_of(
    st.sampled_from([0, 37, 98.6, 36.85, -0.0, 0.0, 120, 10.1, 1e7, 36, 36.0]),
    st.integers(-300, 300),
    st.floats(-1e6, 1e6, allow_nan=False),
    ODD,
    st.sampled_from(["37", ""]),
)
UNIT = st.one_of(
    st.sampled_from(["/min", "%", "Cel", "[degF]", "mm[Hg]", "kPa", "kg", "cm", " % ", ""]),
    st.none(),
    ODD,
)
QUANTITY = st.fixed_dictionaries(
    {},
    optional={
        "value": AMOUNT,
        "unit": UNIT,
        "code": UNIT,
        "system": st.sampled_from(["http://unitsofmeasure.org", "urn:other"]) | st.none() | ODD,
    },
)
HOLDER = st.one_of(
    st.fixed_dictionaries({"valueQuantity": QUANTITY}),
    st.fixed_dictionaries({"valueQuantity": ODD}),
    st.fixed_dictionaries({}, optional={"valueString": st.just("x")}),
)
FIELD = st.sampled_from(
    ["pulse", "respiration_rate", "spo2", "temperature", "systolic_bp", "weight_kg", "height_m"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(FIELD, HOLDER), min_size=1, max_size=12))
@example([("temperature", {"valueQuantity": {"value": v, "code": "Cel"}}) for v in (0.0, -0.0)])
def test_a_quantity_read_at_once_and_remembered_is_the_checked_one(
    readings: list[tuple[str, dict[str, Any]]],
) -> None:
    """One mapping reads every value (remembering), the other each by the checked path: the
    same values, the same reasons counted, the same refusals."""
    quick, careful = _Mapper([], None), _Mapper([], None)
    for name, holder in readings:
        got = _outcome(quick._read_value, RESOURCE, name, holder, "component[0].")
        expected = _outcome(careful._checked_quantity, RESOURCE, name, holder, "component[0].")
        careful._in_units.clear()  # worked out afresh every time, as before it was remembered
        assert repr(got) == repr(expected)  # repr: 72 ≠ 72.0, -0.0 ≠ 0.0
        assert quick.skipped == careful.skipped


PATIENTS = [
    {
        "resourceType": "Patient",
        "id": f"p{n}",
        "identifier": [{"system": "urn:wardconsole:hospital-number", "value": f"KD00000{n}"}]
        if n
        else [],
        "name": [{"family": "Quick", "given": ["Reading"]}],
        "birthDate": "1980-02-03",
    }
    for n in range(3)
] + [
    {
        "resourceType": "Encounter",
        "id": "e1",
        "class": {"code": "IMP"},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-11-20T08:00:00Z"},
    }
]
VITAL = st.sampled_from(
    [
        ("8867-4", "/min", 72),
        ("8867-4", "/min", 72.0),
        ("9279-1", "{breaths}/min", 16),
        ("59408-5", "%", 97),
        ("8310-5", "[degF]", 98.6),
        ("8310-5", "Cel", 37.25),
        ("8310-5", "Cel", -0.0),
        ("29463-7", "kg", 70.05),
        ("1234-5", "/min", 1),
    ]
)
OBSERVATION = st.builds(
    lambda vital, time, subject, encounter, status, odd: {
        "resourceType": "Observation",
        "status": status,
        "code": {"coding": [{"system": "http://loinc.org", "code": vital[0]}]},
        "valueQuantity": {
            "value": vital[2],
            "code": vital[1],
            "system": "http://unitsofmeasure.org",
        }
        if odd is None
        else odd,
        "effectiveDateTime": time,
        "subject": subject,
        **({"encounter": encounter} if encounter else {}),
    },
    VITAL,
    st.sampled_from(["2026-11-25T20:00:00Z", "2026-11-25T20:00:00+01:00", "2026-11-25"]),
    st.sampled_from(
        [
            {"reference": "Patient/p1"},
            {"reference": "Patient/p2"},
            {"reference": "https://x.org/fhir/Patient/p1"},
            {"reference": "Patient/p0", "identifier": {"value": "KD000009"}},
            {"reference": "Patient/nobody"},
            {"identifier": {"value": "KD000008"}},
        ]
    ),
    st.sampled_from([None, {"reference": "Encounter/e1"}, {"reference": "Encounter/none"}]),
    st.sampled_from(["final", "amended", "cancelled"]),
    st.one_of(st.none(), st.none(), HOLDER.map(lambda h: h.get("valueQuantity"))),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(OBSERVATION, max_size=25), st.sampled_from([None, "KD000042"]))
def test_a_file_maps_alike_whatever_is_remembered(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    observations: list[dict[str, Any]],
    patient: str | None,
) -> None:
    """The same file mapped remembering what it repeats, and remembering nothing."""
    path = tmp_path / "quick.ndjson"
    if patient is not None and observations:  # one subject, or the file is refused
        observations = [{**o, "subject": observations[0]["subject"]} for o in observations]
    lines = [*PATIENTS, *({**o, "id": f"o{n}"} for n, o in enumerate(observations))]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    remembering = repr(_outcome(parse_ndjson_file, path, patient=patient))  # repr: 72 ≠ 72.0
    with monkeypatch.context() as patched:
        patched.setattr(fhir_import, "REMEMBERED", 0)
        assert repr(_outcome(parse_ndjson_file, path, patient=patient)) == remembering


def _observation(rid: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, **more}


def _bundle(entry: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "entry": [entry]}


PATIENT = {"resourceType": "Patient", "id": "p"}
PANEL = _observation("o1", hasMember=[])
TWICE = "Observation/o1 is given twice in this file (first at"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [PATIENT, _observation("o1"), _observation("o1")],
            f"line 3 (Observation/o1): {TWICE} line 2 (Observation/o1)); each resource needs",
        ),
        (
            [PATIENT, _observation("o1"), _bundle({"resource": _observation("o1")})],
            f"line 3 entry[0] (Observation/o1): {TWICE} line 2 (Observation/o1))",
        ),
        (
            [PATIENT, _bundle({"resource": _observation("o1")}), _observation("o1")],
            f"line 3 (Observation/o1): {TWICE} line 2 entry[0] (Observation/o1))",
        ),
        (
            [_bundle({"fullUrl": "Observation/o1", "resource": PATIENT}), _observation("o1")],
            f"line 2 (Observation/o1): {TWICE} line 1 entry[0] (Patient/p))",
        ),
        (
            [_observation("o1"), _bundle({"fullUrl": "Observation/o1", "resource": PATIENT})],
            f"line 2 entry[0] (Patient/p): {TWICE} line 1 (Observation/o1))",
        ),
        (
            [PATIENT, _observation("o1"), PANEL],
            f"line 3 (Observation/o1): {TWICE} line 2 (Observation/o1))",
        ),
        ([PATIENT, PANEL, _observation("o1")], f"line 3 (Observation/o1): {TWICE} line 2 "),
    ],
)
def test_a_name_given_twice_is_refused_with_both_places(
    tmp_path: Path, lines: list[dict[str, Any]], message: str
) -> None:
    """A line of one Observation keeps only its line's number for its place; the message
    names both places as for any other resource."""
    path = tmp_path / "twice.ndjson"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    with pytest.raises(FhirInputError) as refused:
        parse_ndjson_file(path)
    assert str(refused.value).startswith(message)
