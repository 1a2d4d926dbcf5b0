"""The ward formulary: the one home for drug facts, loaded and validated.

Each drug has one pharmacological class (benzodiazepine, Z-drug, antipsychotic, …); each class
says whether its doses count in the sedative/anxiolytic PRN count and whether the medicines
dependency watch follows it; some drugs carry a diazepam equivalent with its source and
citation (REFERENCE-2.md §12.4: approximate reference figures, never used to convert a
prescription). Prescribed maxima belong to the patient's prescription, not here.

The facts live in ``resources/policy/formulary.toml`` (local policy, governance sign-off); this
module reads them, refuses a broken file with a ``FormularyError`` naming the file, section and
problem, and answers two questions the rest of the console asks:

* ``Formulary.find(name)`` — the formulary drug a typed or stored name means (case and spacing
  do not matter; aliases count);
* ``Formulary.classify(drug, stored_class)`` — what a recorded dose counts as. A listed drug
  always takes its formulary class, whatever was stored (so diazepam stored as "analgesic" is a
  benzodiazepine, and lorazepam stored as "anxiolytic" or "benzodiazepine" is one class); a drug
  not listed keeps the class chosen for it, and a free-text class stored before the formulary
  is mapped through ``[legacy_classes]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from wardconsole.domain.configfiles import (
    TableReader,
    content_digest,
    default_policy_file,
    once_per_content,
    read_toml,
)
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import PrnDose

FORMULARY_FILE: Final = "formulary.toml"

_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)
EQUIVALENT_STATUSES: Final = MappingProxyType(
    {"verified": "read in the cited source", "secondary": "read only in a reproduction"}
)
"""How an equivalent was checked (REFERENCE-2.md labels). A NOT VERIFIED number is left out."""


class FormularyError(ValueError):
    """The formulary is unusable; the message names the file, section and problem."""


def normalise(name: str) -> str:
    """A name as compared: spacing collapsed, case folded (``" LoraZepam "`` → ``lorazepam``)."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class DrugClass:
    """A pharmacological class and the flags every drug of the class has."""

    key: str
    """Stored with each dose: never renamed."""
    label: str
    counts_as_sedative: bool
    """Counts in the sedative/anxiolytic PRN count the PRN-review rule uses."""
    dependency_watch: bool
    """The medicines dependency watch follows doses of this class."""


@dataclass(frozen=True, slots=True)
class DiazepamEquivalent:
    """``dose_mg`` (up to ``dose_mg_high`` for a range) ≈ ``diazepam_mg`` of diazepam, per
    ``source``. An approximate reference figure: never used to convert a prescription."""

    dose_mg: Decimal
    dose_mg_high: Decimal
    diazepam_mg: Decimal
    source: str
    citation: str
    status: str
    """A key of ``EQUIVALENT_STATUSES``."""

    @property
    def text(self) -> str:
        """``"1 mg ≈ diazepam 10 mg (Ashton)"``; a secondary source says so."""
        dose = _mg(self.dose_mg)
        if self.dose_mg_high != self.dose_mg:
            dose += f"–{_mg(self.dose_mg_high)}"
        where = self.source if self.status == "verified" else f"{self.source}, secondary source"
        return f"{dose} mg ≈ diazepam {_mg(self.diazepam_mg)} mg ({where})"


def _mg(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Drug:
    """One formulary drug."""

    name: str
    drug_class: DrugClass
    aliases: tuple[str, ...] = ()
    equivalents: tuple[DiazepamEquivalent, ...] = ()

    @property
    def counts_as_sedative(self) -> bool:
        return self.drug_class.counts_as_sedative

    @property
    def dependency_watch(self) -> bool:
        return self.drug_class.dependency_watch


class ClassSource(StrEnum):
    """Where a dose's class came from."""

    FORMULARY = "formulary"
    """The drug is in the formulary: its class, whatever was stored."""
    CHOSEN = "chosen"
    """A drug not in the formulary, with a formulary class chosen for it (and a reason)."""
    LEGACY = "legacy"
    """A drug not in the formulary with a free-text class from before it, mapped by
    ``[legacy_classes]``."""
    UNCLASSIFIED = "unclassified"
    """A drug not in the formulary whose stored class maps to nothing: counts as nothing."""


@dataclass(frozen=True, slots=True)
class DoseClass:
    """What a recorded dose counts as."""

    key: str
    """The formulary class key; for an unclassified dose, the class as stored."""
    label: str
    counts_as_sedative: bool
    dependency_watch: bool
    source: ClassSource
    stored: str
    """The class as stored with the dose."""
    drug: Drug | None = None
    """The formulary drug, when the drug is listed."""

    @property
    def text(self) -> str:
        """How the class reads in a table or the history."""
        if self.source is ClassSource.LEGACY and normalise(self.stored) != self.key:
            return f"{self.label} (recorded as “{self.stored}”)"
        if self.source is ClassSource.UNCLASSIFIED:
            return f"{self.stored or 'no class'} (not in the formulary)"
        if self.source is ClassSource.CHOSEN:
            return f"{self.label} (chosen, not in formulary)"
        return self.label


@dataclass(frozen=True, slots=True)
class Formulary:
    """The validated formulary."""

    name: str
    version: str
    classes: Mapping[str, DrugClass] = field(hash=False)
    """In the file's order."""
    drugs: tuple[Drug, ...]
    legacy_classes: Mapping[str, str] = field(hash=False)
    """A free-text class stored before the formulary (normalised) -> class key."""
    same_class_warning: timedelta
    """Two PRN doses of one class closer than this are warned about on entry (local policy)."""
    governance_signoff: str = ""
    source: str = ""
    digest: str = ""
    """SHA-256 of the file's content (see ``configfiles.content_digest``)."""
    _index: Mapping[str, Drug] = field(default_factory=dict, hash=False, repr=False)

    @property
    def signed_off(self) -> bool:
        return bool(self.governance_signoff.strip())

    def find(self, name: str) -> Drug | None:
        """The drug ``name`` (or one of its aliases) means; None when it is not listed."""
        return self._index.get(normalise(name))

    def drug_class(self, key: str) -> DrugClass | None:
        return self.classes.get(normalise(key))

    def names(self) -> tuple[str, ...]:
        """Every name and alias, for completion as a nurse types."""
        return tuple(name for drug in self.drugs for name in (drug.name, *drug.aliases))

    def classify(self, drug: str, stored_class: str) -> DoseClass:
        """What a dose of ``drug`` recorded with ``stored_class`` counts as."""
        found = self.find(drug)
        if found is not None:
            return _dose_class(found.drug_class, ClassSource.FORMULARY, stored_class, found)
        chosen = self.classes.get(normalise(stored_class))
        if chosen is not None:
            return _dose_class(chosen, ClassSource.CHOSEN, stored_class)
        mapped = self.legacy_classes.get(normalise(stored_class))
        if mapped is not None:
            return _dose_class(self.classes[mapped], ClassSource.LEGACY, stored_class)
        return DoseClass(
            key=stored_class.strip(),
            label=stored_class.strip(),
            counts_as_sedative=False,
            dependency_watch=False,
            source=ClassSource.UNCLASSIFIED,
            stored=stored_class,
        )

    def prn_dose(
        self,
        *,
        id: int,
        admission_id: int,
        given_at: datetime,
        drug: str,
        stored_class: str,
        dose: str = "",
        route: str = "",
        reason: str = "",
        class_reason: str | None = None,
    ) -> PrnDose:
        """A stored dose as the domain reads it: its class, flag and words from here."""
        found = self.classify(drug, stored_class)
        return PrnDose(
            id=id,
            admission_id=admission_id,
            given_at=given_at,
            drug=drug,
            drug_class=found.key,
            dose=dose,
            route=route,
            reason=reason,
            counts_as_sedative=found.counts_as_sedative,
            class_text=found.text,
            class_reason=class_reason or "",
        )


def _dose_class(
    drug_class: DrugClass, source: ClassSource, stored: str, drug: Drug | None = None
) -> DoseClass:
    return DoseClass(
        key=drug_class.key,
        label=drug_class.label,
        counts_as_sedative=drug_class.counts_as_sedative,
        dependency_watch=drug_class.dependency_watch,
        source=source,
        stored=stored,
        drug=drug,
    )


def same_class_doses(
    doses: Sequence[PrnDose], *, drug_class: str, at: datetime, within: timedelta
) -> tuple[PrnDose, ...]:
    """Doses of ``drug_class`` (a resolved class key) given less than ``within`` before or after
    ``at``, oldest first: a new dose at ``at`` would be a second dose of the class that soon."""
    return tuple(d for d in doses if d.drug_class == drug_class and abs(d.given_at - at) < within)


@once_per_content(FORMULARY_FILE)
def load_formulary(path: Path | None = None) -> Formulary:
    """Load and validate the formulary (default: the bundled ``policy/formulary.toml``)."""
    source: Path | Traversable = path if path is not None else default_policy_file(FORMULARY_FILE)
    data = read_toml(source, FormularyError)
    return replace(parse_formulary(data, str(source)), digest=content_digest(data))


def parse_formulary(data: Mapping[str, Any], where: str) -> Formulary:
    """Validate parsed TOML; ``where`` names the file in messages."""
    return _Parser(where).formulary(data)


def check_policy_classes(formulary: Formulary, policy: EscalationPolicy) -> None:
    """Refuse an escalation policy whose rules list a drug class the formulary does not have
    (a class a dose can never have would silently match nothing)."""
    for rule in policy.rules.values():
        for name, value in rule.params.items():
            if name != "drug_classes":
                continue
            unknown = [c for c in value if c not in formulary.classes]
            if unknown:
                raise FormularyError(
                    f"{policy.source}: [rules.{rule.key}] drug_classes: "
                    f"{', '.join(repr(c) for c in unknown)} not a class in {formulary.source} "
                    f"(classes: {', '.join(formulary.classes)})"
                )


class _Parser(TableReader):
    """Validation with messages of the form ``<file>: [section] key: problem``."""

    def __init__(self, where: str) -> None:
        super().__init__(where, FormularyError)

    def formulary(self, data: Mapping[str, Any]) -> Formulary:
        self.only(data, {"policy", "prn_entry", "classes", "legacy_classes", "drugs"}, "top level")
        header = self.table(data, "policy", "top level")
        self.only(header, {"name", "version", "governance_signoff"}, "policy")
        entry = self.table(data, "prn_entry", "top level")
        self.only(entry, {"same_class_warning_minutes"}, "prn_entry")
        minutes = self.integer(entry, "same_class_warning_minutes", "prn_entry", 1, 24 * 60)
        classes = self.classes(self.table(data, "classes", "top level"))
        drugs = self.drugs(data.get("drugs"), classes)
        index: dict[str, Drug] = {}
        for drug in drugs:
            for name in (drug.name, *drug.aliases):
                key = normalise(name)
                if key in index:
                    raise self.fail(
                        f"drugs.{drug.name}",
                        f"{name!r} is listed twice (also {index[key].name!r}); each drug once",
                    )
                index[key] = drug
        return Formulary(
            name=self.text(header, "name", "policy"),
            version=self.text(header, "version", "policy"),
            governance_signoff=self.text(header, "governance_signoff", "policy", empty=True),
            classes=MappingProxyType(classes),
            drugs=drugs,
            legacy_classes=MappingProxyType(self.legacy(data.get("legacy_classes", {}), classes)),
            same_class_warning=timedelta(minutes=minutes),
            source=self.where,
            _index=MappingProxyType(index),
        )

    def classes(self, table: Mapping[str, Any]) -> dict[str, DrugClass]:
        if not table:
            raise self.fail("classes", "define at least one class")
        classes: dict[str, DrugClass] = {}
        for key, item in table.items():
            section = f"classes.{key}"
            if not _KEY.fullmatch(key):
                raise self.fail(section, "a class key is lower-case letters, digits and _")
            if not isinstance(item, dict):
                raise self.fail(section, "must be a table")
            self.only(item, {"label", "counts_as_sedative", "dependency_watch"}, section)
            classes[key] = DrugClass(
                key=key,
                label=self.text(item, "label", section),
                counts_as_sedative=self.flag(item, "counts_as_sedative", section),
                dependency_watch=self.flag(item, "dependency_watch", section),
            )
        return classes

    def legacy(self, table: object, classes: Mapping[str, DrugClass]) -> dict[str, str]:
        if not isinstance(table, dict):
            raise self.fail("legacy_classes", "must be a table of stored word = class key")
        legacy: dict[str, str] = {}
        for word, key in table.items():
            if not isinstance(key, str) or key not in classes:
                raise self.fail(
                    "legacy_classes",
                    f"{word}: {key!r} is not a class (classes: {', '.join(classes)})",
                )
            legacy[normalise(word)] = key
        return legacy

    def drugs(self, items: object, classes: Mapping[str, DrugClass]) -> tuple[Drug, ...]:
        if not isinstance(items, list) or not items:
            raise self.fail("drugs", "define at least one [[drugs]] (name, class)")
        drugs: list[Drug] = []
        for number, item in enumerate(items, start=1):
            section = f"drugs #{number}"
            if not isinstance(item, dict):
                raise self.fail(section, "must be a table")
            name = self.text(item, "name", section)
            section = f"drugs.{name}"
            self.only(item, {"name", "class", "aliases", "equivalents"}, section)
            key = self.text(item, "class", section)
            if key not in classes:
                raise self.fail(
                    section, f"class: {key!r} is not a class (classes: {', '.join(classes)})"
                )
            aliases = item.get("aliases", [])
            if not isinstance(aliases, list) or not all(
                isinstance(a, str) and a.strip() for a in aliases
            ):
                raise self.fail(section, "aliases: must be a list of names")
            equivalents = item.get("equivalents", [])
            if not isinstance(equivalents, list):
                raise self.fail(section, "equivalents: must be [[drugs.equivalents]] tables")
            drugs.append(
                Drug(
                    name=" ".join(name.split()),
                    drug_class=classes[key],
                    aliases=tuple(" ".join(a.split()) for a in aliases),
                    equivalents=tuple(
                        self.equivalent(e, f"{section}.equivalents #{n}")
                        for n, e in enumerate(equivalents, start=1)
                    ),
                )
            )
        return tuple(drugs)

    def equivalent(self, item: object, section: str) -> DiazepamEquivalent:
        if not isinstance(item, dict):
            raise self.fail(section, "must be a table")
        self.only(item, {"dose_mg", "diazepam_mg", "source", "citation", "status"}, section)
        citation = item.get("citation")
        if not isinstance(citation, str) or not citation.strip():
            raise self.fail(
                section, "citation: a diazepam equivalent needs the citation it was read in"
            )
        status = item.get("status")
        if status not in EQUIVALENT_STATUSES:
            raise self.fail(
                section,
                f"status: one of {', '.join(EQUIVALENT_STATUSES)}, got {status!r} (a number "
                "not verified in any source is left out)",
            )
        raw = item.get("dose_mg")
        low, high = (raw, raw) if not isinstance(raw, list) or len(raw) != 2 else raw
        dose, dose_high = self.mg(low, section, "dose_mg"), self.mg(high, section, "dose_mg")
        if dose_high < dose:
            raise self.fail(section, "dose_mg: a range is [low, high]")
        return DiazepamEquivalent(
            dose_mg=dose,
            dose_mg_high=dose_high,
            diazepam_mg=self.mg(item.get("diazepam_mg"), section, "diazepam_mg"),
            source=self.text(item, "source", section),
            citation=citation.strip(),
            status=str(status),
        )

    def mg(self, value: object, section: str, key: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise self.fail(section, f"{key}: must be a positive number of mg, got {value!r}")
        return Decimal(str(value))
