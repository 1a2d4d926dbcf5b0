"""The formulary: one class per drug, found however the name is typed; a broken file is refused
naming what is wrong; old free-text classes are read through it so no dose is miscounted."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from wardconsole.domain.configfiles import default_policy_file
from wardconsole.domain.formulary import (
    ClassSource,
    FormularyError,
    check_policy_classes,
    load_formulary,
    same_class_doses,
)
from wardconsole.domain.policy import load_policy
from wardconsole.domain.records import PrnDose

SHIPPED = default_policy_file("formulary.toml").read_text(encoding="utf-8")
AT = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)


def _load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "formulary.toml"
    path.write_text(text, encoding="utf-8")
    load_formulary(path)


def test_the_shipped_formulary_loads_as_an_unsigned_local_policy() -> None:
    formulary = load_formulary()
    assert not formulary.signed_off
    assert formulary.source.endswith("formulary.toml")
    assert formulary.same_class_warning == timedelta(minutes=120)
    assert {"benzodiazepine", "z_drug", "antipsychotic", "sedating_antihistamine"} <= set(
        formulary.classes
    )
    assert {"gabapentinoid", "opioid", "non_opioid_analgesic"} <= set(formulary.classes)


def test_every_drug_has_a_class_and_every_equivalent_a_citation() -> None:
    formulary = load_formulary()
    assert len(formulary.drugs) >= 30
    for drug in formulary.drugs:
        assert drug.drug_class is formulary.classes[drug.drug_class.key], drug.name
        for equivalent in drug.equivalents:
            assert equivalent.citation.strip() and equivalent.source.strip(), drug.name
            assert equivalent.status in ("verified", "secondary"), drug.name
            assert "§12.4" in equivalent.citation, drug.name


def test_the_equivalents_are_the_ones_read_in_the_sources() -> None:
    """REFERENCE-2.md §12.4, Ashton column (dose ≈ diazepam 10 mg): verified values, and the
    dagger values read only in a reproduction, labelled secondary."""
    formulary = load_formulary()
    verified = {"Alprazolam": "0.5", "Chlordiazepoxide": "25", "Clonazepam": "0.5"}
    verified |= {"Diazepam": "10", "Lorazepam": "1", "Oxazepam": "20", "Temazepam": "20"}
    secondary = {"Nitrazepam": "10", "Zolpidem": "20", "Zopiclone": "15", "Zaleplon": "20"}
    for names, status in ((verified, "verified"), (secondary, "secondary")):
        for name, dose in names.items():
            drug = formulary.find(name)
            assert drug is not None
            (equivalent,) = drug.equivalents
            assert (equivalent.dose_mg, equivalent.diazepam_mg) == (Decimal(dose), Decimal(10))
            assert equivalent.status == status, name
    lormetazepam = formulary.find("lormetazepam")
    assert lormetazepam is not None
    assert lormetazepam.equivalents[0].text == "1–2 mg ≈ diazepam 10 mg (Ashton, secondary source)"
    lorazepam = formulary.find("Lorazepam")
    assert lorazepam is not None
    assert lorazepam.equivalents[0].text == "1 mg ≈ diazepam 10 mg (Ashton)"
    # No source read gives one: none is invented.
    for name in ("Midazolam", "Pregabalin", "Promethazine", "Haloperidol"):
        drug = formulary.find(name)
        assert drug is not None and drug.equivalents == (), name


def test_lookup_ignores_case_spacing_and_knows_aliases() -> None:
    formulary = load_formulary()
    for typed in ("lorazepam", "  LORAZEPAM ", "Lora\tzepam".replace("\t", ""), "Ativan"):
        drug = formulary.find(typed)
        assert drug is not None and drug.name == "Lorazepam", typed
    drug = formulary.find("hyoscine   BUTYLBROMIDE")
    assert drug is not None and drug.drug_class.key == "antispasmodic"
    assert formulary.find("codeine phosphate") is formulary.find("Codeine")
    assert formulary.find("nothing-like-a-drug") is None
    assert "Ativan" in formulary.names() and "Diazepam" in formulary.names()


def test_sedative_and_dependency_flags_follow_the_class() -> None:
    formulary = load_formulary()

    def flags(name: str) -> tuple[str, bool, bool]:
        drug = formulary.find(name)
        assert drug is not None
        return drug.drug_class.key, drug.counts_as_sedative, drug.dependency_watch

    assert flags("diazepam") == ("benzodiazepine", True, True)
    assert flags("zopiclone") == ("z_drug", True, True)
    assert flags("promethazine") == ("sedating_antihistamine", True, False)
    assert flags("pregabalin") == ("gabapentinoid", True, True)
    assert flags("haloperidol") == ("antipsychotic", False, False)
    assert flags("codeine") == ("opioid", False, True)
    assert flags("paracetamol") == ("non_opioid_analgesic", False, False)


def test_a_listed_drug_takes_its_class_whatever_was_stored() -> None:
    """The mislabels found on the ward: diazepam as an analgesic, lorazepam as an anxiolytic
    and as a benzodiazepine — each is a benzodiazepine and counts as a sedative, once."""
    formulary = load_formulary()
    diazepam = formulary.classify("Diazepam", "analgesic")
    assert (diazepam.key, diazepam.counts_as_sedative) == ("benzodiazepine", True)
    assert diazepam.source is ClassSource.FORMULARY and diazepam.text == "Benzodiazepine"
    as_anxiolytic = formulary.classify("lorazepam ", "anxiolytic")
    as_benzo = formulary.classify("Lorazepam", "benzodiazepine")
    assert as_anxiolytic.key == as_benzo.key == "benzodiazepine"
    assert as_anxiolytic.drug is as_benzo.drug


def test_a_drug_not_listed_keeps_its_chosen_or_mapped_class() -> None:
    formulary = load_formulary()
    chosen = formulary.classify("Trazodone", "other_hypnotic")
    assert chosen.source is ClassSource.CHOSEN and chosen.counts_as_sedative
    assert chosen.text == "Other sedative or hypnotic (chosen, not in formulary)"
    old = formulary.classify("Trazodone", "sedative")
    assert (old.source, old.key, old.counts_as_sedative) == (
        ClassSource.LEGACY,
        "other_hypnotic",
        True,
    )
    assert old.text == "Other sedative or hypnotic (recorded as “sedative”)"
    unknown = formulary.classify("Gaviscon", "antacid")
    assert (unknown.source, unknown.key, unknown.counts_as_sedative) == (
        ClassSource.UNCLASSIFIED,
        "antacid",
        False,
    )
    assert unknown.text == "antacid (not in the formulary)"


def test_same_class_doses_are_found_either_side_of_the_new_time() -> None:
    def dose(minutes: int, drug_class: str) -> PrnDose:
        return PrnDose(minutes, 1, AT + timedelta(minutes=minutes), "x", drug_class)

    doses = [dose(-130, "benzodiazepine"), dose(-119, "benzodiazepine"), dose(-5, "opioid")]
    doses.append(dose(30, "benzodiazepine"))
    found = same_class_doses(
        doses, drug_class="benzodiazepine", at=AT, within=timedelta(minutes=120)
    )
    assert [d.id for d in found] == [-119, 30]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'name = "Pregabalin"\nclass = "gabapentinoid"',
            'name = "Pregabalin"\nclass = "anticonvulsant"',
            "[drugs.Pregabalin] class: 'anticonvulsant' is not a class",
        ),
        (
            'name = "Gabapentin"',
            'name = "  pregabalin "',
            "[drugs.pregabalin] 'pregabalin' is listed twice (also 'Pregabalin')",
        ),
        (
            'aliases = ["Valium"]',
            'aliases = ["Ativan"]',
            "'Ativan' is listed twice",
        ),
        (
            'citation = "Ashton CH 2002/2007, Ashton column of Table 7, 2025 joint guideline on '
            'benzodiazepine tapering (REFERENCE-2.md §12.4 [S14])"\nstatus = "verified"\n\n'
            '[[drugs]]\nname = "Lorazepam"',
            'status = "verified"\n\n[[drugs]]\nname = "Lorazepam"',
            "[drugs.Diazepam.equivalents #1] citation: a diazepam equivalent needs the citation",
        ),
        (
            'status = "secondary"',
            'status = "not verified"',
            "status: one of verified, secondary, got 'not verified'",
        ),
        (
            "counts_as_sedative = true   # given PRN",
            'counts_as_sedative = "yes"   # given PRN',
            "[classes.sedating_antihistamine] counts_as_sedative: must be true or false",
        ),
        (
            'sedative = "other_hypnotic"',
            'sedative = "sedatives"',
            "[legacy_classes] sedative: 'sedatives' is not a class",
        ),
        (
            "same_class_warning_minutes = 120",
            "same_class_warning_minutes = 0",
            "[prn_entry] same_class_warning_minutes: must be a whole number 1–1440",
        ),
        ("dose_mg = 0.5", "dose_mg = -0.5", "dose_mg: must be a positive number of mg"),
        ("[classes.other]", "[classes.Other]", "[classes.Other] a class key is lower-case"),
        ('class = "opioid"\naliases', 'klass = "opioid"\naliases', "unknown key(s) klass"),
    ],
)
def test_a_broken_formulary_is_refused_naming_the_problem(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in SHIPPED
    with pytest.raises(FormularyError) as info:
        _load(tmp_path, SHIPPED.replace(old, new, 1))
    assert message in str(info.value)
    assert "formulary.toml" in str(info.value)


def test_the_shipped_policy_lists_only_formulary_classes() -> None:
    check_policy_classes(load_formulary(), load_policy())


def test_a_policy_rule_naming_a_class_the_formulary_lacks_is_refused(tmp_path: Path) -> None:
    bundled = default_policy_file("escalation_policy.toml").read_text(encoding="utf-8")
    data = tomllib.loads(bundled)
    classes = data["rules"]["post_prn_rass"]["drug_classes"]
    changed = bundled.replace(
        f"drug_classes = {_toml_list(classes)}",
        f"drug_classes = {_toml_list([*classes, 'tranquilliser'])}",
        1,
    )
    assert changed != bundled
    path = tmp_path / "escalation_policy.toml"
    path.write_text(changed, encoding="utf-8")
    with pytest.raises(FormularyError) as info:
        check_policy_classes(load_formulary(), load_policy(path))
    assert "drug_classes: 'tranquilliser' not a class in" in str(info.value)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"
