"""The discharge letter as a FHIR R4 document: a Bundle of type ``document`` whose first entry
is a Composition (one section per section of the PDF letter, as narrative) referring to the
Patient entry. The same content as the PDF (``domain.discharge_letter``), never the patient's
phone number. It is an export: permission, audit row, owner-only file.

The Composition's type is the local code ``discharge-letter`` (``urn:wardconsole:codes``): no
LOINC document code has been checked against the LOINC source here (see REFERENCE-2 §12.11).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path
from typing import Any

from wardconsole.domain.discharge_letter import DischargeLetter
from wardconsole.interop.codes import LOCAL_CODES
from wardconsole.private_files import open_private
from wardconsole.services.aftercare import AftercareService
from wardconsole.services.audit import AuditService
from wardconsole.services.context import Actor, Permission, require
from wardconsole.services.db import Database
from wardconsole.store import repository

Json = dict[str, Any]
_NAMESPACE = uuid.UUID("5b0c3b8e-4a35-4f55-9d59-1d3f3a0f7c21")


def letter_document(
    letter: DischargeLetter,
    *,
    hospital_number: str,
    given_name: str,
    family_name: str,
    born: date,
    author: str,
    at: datetime,
) -> Json:
    """The letter as a FHIR R4 document Bundle (JSON-ready)."""
    stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    patient_id = str(uuid.uuid5(_NAMESPACE, f"patient/{hospital_number}"))
    composition_id = str(uuid.uuid5(_NAMESPACE, f"letter/{hospital_number}/{stamp}"))
    patient = {
        "resourceType": "Patient",
        "id": patient_id,
        "identifier": [{"system": f"{LOCAL_CODES}:hospital-number", "value": hospital_number}],
        "name": [{"family": family_name, "given": [given_name]}],
        "birthDate": born.isoformat(),
    }
    composition = {
        "resourceType": "Composition",
        "id": composition_id,
        "status": "final",
        "type": {
            "coding": [{"system": LOCAL_CODES, "code": "discharge-letter"}],
            "text": "Discharge letter",
        },
        "subject": {"reference": f"urn:uuid:{patient_id}"},
        "date": stamp,
        "author": [{"display": author}],
        "title": letter.title,
        "section": [
            {
                "title": title,
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml"><ul>'
                    + "".join(f"<li>{escape(line)}</li>" for line in lines)
                    + "</ul></div>",
                },
            }
            for title, lines in letter.sections
        ],
    }
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NAMESPACE, f"document/{composition_id}")),
        "identifier": {"system": f"{LOCAL_CODES}:document", "value": composition_id},
        "type": "document",
        "timestamp": stamp,
        "entry": [
            {"fullUrl": f"urn:uuid:{composition_id}", "resource": composition},
            {"fullUrl": f"urn:uuid:{patient_id}", "resource": patient},
        ],
    }


def build_discharge_document(
    db: Database, admission_id: int, path: str | Path, *, actor: Actor, ward_name: str
) -> Path:
    """Export the letter as a FHIR document: permission, audit row, owner-only JSON file."""
    require(actor, Permission.EXPORT)
    letter = AftercareService(db).letter(actor, admission_id)
    with db.read() as session:
        info = repository.admission(session, admission_id)
    assert info is not None  # the letter was written for it
    document = letter_document(
        letter,
        hospital_number=info.hospital_number,
        given_name=info.given_name,
        family_name=info.family_name,
        born=info.date_of_birth,
        author=f"{ward_name} (WardConsole)",
        at=db.clock(),
    )
    AuditService(db).record_export(
        actor, "discharge letter (FHIR document)", admission_id=admission_id
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_private(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    return path
