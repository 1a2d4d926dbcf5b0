"""A regular dose reads in the history as a nurse would write it: given, or omitted and why."""

from __future__ import annotations

from wardconsole.ui.patient.history_model import regular_dose_text


def test_given_and_omitted_regular_doses_read_plainly() -> None:
    given = {"drug": "Zopiclone", "dose": "7.5 mg", "route": "oral", "outcome": "given"}
    assert regular_dose_text(given) == "Regular Zopiclone 7.5 mg oral — given"
    omitted = {**given, "outcome": "omitted", "omitted_reason": "withheld_sedated"}
    assert (
        regular_dose_text(omitted) == "Regular Zopiclone 7.5 mg oral — omitted: withheld — sedated"
    )
