"""The simple kinds' specs: what a nurse would be told for a wrong value, and the words a value
is shown in."""

from __future__ import annotations

import pytest

from wardconsole.domain.entry_kinds import EntryKind
from wardconsole.domain.simple_kinds import SIMPLE_KINDS, simple_spec


def test_every_simple_kind_is_an_entry_kind_with_unique_columns() -> None:
    for kind, spec in SIMPLE_KINDS.items():
        assert spec.kind is kind
        assert len(set(spec.columns)) == len(spec.columns)
        for field in spec.fields:
            assert field.plain_label and "&" in field.label, field.name
            values = [choice.value for choice in field.choices]
            assert len(set(values)) == len(values), field.name


def test_a_value_outside_the_list_is_refused_naming_the_field() -> None:
    bowels = simple_spec("bowel")
    assert bowels is not None
    assert bowels.problems({"bristol_type": 8})["bristol_type"].startswith("bristol_type: ")
    assert "bristol_type" in bowels.problems({"bristol_type": True})
    assert bowels.problems({"bristol_type": None}) == {}


def test_an_unknown_field_is_refused_not_dropped() -> None:
    bowels = SIMPLE_KINDS[EntryKind.BOWEL]
    problems = bowels.problems({"bristol_type": 4, "colour": "brown"})
    assert problems == {"colour": "colour: not a field of a bowel movement"}


def test_a_note_too_long_is_refused() -> None:
    bowels = SIMPLE_KINDS[EntryKind.BOWEL]
    assert "note" in bowels.problems({"bristol_type": 4}, "x" * 20_001)


def test_a_kinds_own_check_decides_fields_that_depend_on_each_other() -> None:
    meals = SIMPLE_KINDS[EntryKind.MEAL]
    assert meals.problems({"occasion": "lunch", "portion": "none"}) == {
        "reason": "reason: say why nothing was eaten"
    }
    assert meals.problems({"occasion": "lunch", "portion": "half"}) == {}


@pytest.mark.parametrize(
    ("kind", "values", "cell"),
    [
        ("bowel", {"bristol_type": 4}, "type 4"),
        ("bowel", {"bristol_type": None}, "not seen"),
        ("meal", {"occasion": "lunch", "portion": "half"}, "½"),
    ],
)
def test_the_table_cell_reads_as_the_nurse_chose(kind: str, values: dict, cell: str) -> None:
    spec = simple_spec(kind)
    assert spec is not None
    assert spec.summarise(spec.values(values)) == cell


def test_values_fill_every_column_and_strip_text() -> None:
    meals = SIMPLE_KINDS[EntryKind.MEAL]
    values = meals.values({"occasion": "lunch", "offered": " soup ", "portion": "all"})
    assert values["offered"] == "soup"
    assert values["supplement"] == "" and values["reason"] == ""
    assert set(values) == set(meals.columns)


def test_a_kind_that_is_not_simple_has_no_spec() -> None:
    assert simple_spec("fluid") is None
    assert simple_spec("no-such-kind") is None


def test_a_field_that_goes_with_another_is_refused_without_it() -> None:
    from dataclasses import replace

    from wardconsole.domain.entry_specs import Choice, EntryField, EntrySpec

    spec = EntrySpec(
        EntryKind.BOWEL,
        (
            EntryField("given", "&Given:", (Choice("drink", "Drink"),), absent="None"),
            EntryField("outcome", "&Outcome:", (Choice("ok", "Taken"),), goes_with="given"),
        ),
        text=lambda values: "",
    )
    assert spec.dependent == {"outcome": "given"}
    assert spec.problems({"outcome": "ok"}) == {"outcome": "outcome: only with a given"}
    assert spec.problems({"given": "drink", "outcome": "ok"}) == {}
    assert spec.problems({}) == {}  # nothing given, so no outcome to answer
    assert "outcome" in spec.problems({"given": "drink"})  # given, so the outcome is needed
    assert replace(spec, fields=spec.fields[:1]).dependent == {}
