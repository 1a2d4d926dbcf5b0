"""Live NEWS2 while typing: each known parameter scores as it would in the complete set."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from wardconsole.domain.entry_scoring import live_news2
from wardconsole.domain.news2 import PARAMETERS, score_vitals
from wardconsole.domain.records import VitalSigns

FULL = VitalSigns(
    respiration_rate=26,
    spo2=93,
    spo2_scale=1,
    on_oxygen=False,
    systolic_bp=95,
    diastolic_bp=60,
    pulse=132,
    consciousness="A",
    temperature=38.4,
)

vital_sets = st.builds(
    VitalSigns,
    respiration_rate=st.integers(1, 69),
    spo2=st.integers(1, 100),
    spo2_scale=st.sampled_from([1, 2]),
    on_oxygen=st.booleans(),
    systolic_bp=st.integers(1, 399),
    pulse=st.integers(1, 299),
    consciousness=st.sampled_from(["A", "C", "V", "P", "U"]),
    temperature=st.integers(110, 490).map(lambda tenths: tenths / 10),
)


def test_a_half_typed_set_scores_the_parameters_already_known() -> None:
    typed = VitalSigns(respiration_rate=26, pulse=132)
    live = live_news2(typed)
    assert dict(live.parameter_scores) == {"respiration_rate": 3, "pulse": 3}
    assert live.result is None


def test_a_complete_set_has_the_full_result() -> None:
    live = live_news2(FULL)
    assert live.result is not None and live.result == score_vitals(FULL)


@given(vital_sets, st.sets(st.sampled_from(PARAMETERS)))
def test_every_known_parameter_scores_as_in_the_complete_set(
    full: VitalSigns, hidden: set[str]
) -> None:
    expected = score_vitals(full)
    assert expected is not None
    partial = replace(full, **{name: None for name in hidden})
    live = live_news2(partial)
    for name, score in live.parameter_scores.items():
        assert score == expected.parameter_scores[name], name
    assert set(live.parameter_scores) | set(live.waiting_for) == set(PARAMETERS) - hidden


def test_scale_2_spo2_waits_for_air_or_oxygen_only_when_it_matters() -> None:
    high = live_news2(VitalSigns(spo2=97, spo2_scale=2))
    assert high.waiting_for == ("spo2",) and "spo2" not in high.parameter_scores
    low = live_news2(VitalSigns(spo2=83, spo2_scale=2))
    assert low.parameter_scores["spo2"] == 3 and not low.waiting_for
