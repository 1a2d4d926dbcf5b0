"""A discharged patient's record as read-only HTML: each stay with its beds, the intake as
saved and as amended (with who, when and why), and the confirmed discharge summary."""

from __future__ import annotations

from html import escape

from wardconsole.domain.discharge import CARE_SETTINGS
from wardconsole.domain.intake import SECTION_TITLES
from wardconsole.domain.intake_text import describe_intake
from wardconsole.services.discharge import PatientRecord, StayRecord
from wardconsole.ui import formatting as fmt
from wardconsole.ui.admissions.discharged_model import destination_label


def record_html(record: PatientRecord) -> str:
    first = record.stays[0].detail
    born = f"{first.date_of_birth.day} {first.date_of_birth:%b %Y}"
    parts = [
        f"<h2>{escape(first.name)}</h2>",
        f"<p>Hospital no. <b>{escape(first.hospital_number)}</b> · born {born} · "
        f"{len(record.stays)} stay{'s' if len(record.stays) != 1 else ''} · "
        "<i>read-only record</i></p>",
    ]
    for number, stay in enumerate(record.stays):
        parts.append(_stay_html(stay, len(record.stays) - number))
    return "\n".join(parts)


def _stay_html(stay: StayRecord, number: int) -> str:
    d = stay.detail
    until = (
        f"discharged {fmt.local_datetime_text(d.discharged_at)} to "
        f"<b>{escape(destination_label(d.discharge_destination))}</b>"
        if d.discharged_at
        else "<b>still admitted</b>"
    )
    beds = " → ".join(escape(b.bed) for b in stay.beds) or "no bed"
    facts = [
        f"{CARE_SETTINGS.get(d.care_setting, d.care_setting)}; beds {beds}",
        f"Assigned nurse: {escape(d.assigned_nurse or 'unassigned')}",
    ]
    if d.reason:
        facts.append(f"Reason: {escape(d.reason)}")
    if d.previous_admission_id:
        facts.append("Readmission (linked to the stay below)")
    if d.risk_flags:
        facts.append("Risk flags: " + escape(", ".join(d.risk_flags)))
    html = [
        f"<h3>Stay {number}: admitted {fmt.local_datetime_text(d.admitted_at)}, {until}</h3>",
        "<p>" + "<br>".join(facts) + "</p>",
        "<h4>Intake</h4>",
    ]
    if stay.current_intake is None:
        html.append("<p><i>No structured intake was recorded for this stay.</i></p>")
    else:
        for title, lines in describe_intake(stay.current_intake, d.admitted_at, None):
            items = "".join(f"<li>{escape(line)}</li>" for line in lines)
            html.append(f"<p><b>{escape(title)}</b></p><ul>{items}</ul>")
    for amendment in stay.amendments:
        html.append(
            f"<p><i>{escape(SECTION_TITLES.get(amendment.section, amendment.section))} amended "
            f"{fmt.local_datetime_text(amendment.recorded_at)} by "
            f"{escape(amendment.recorded_by)} ({escape(amendment.station)}): "
            f"{escape(amendment.reason)}. The intake as first saved is kept.</i></p>"
        )
    if d.discharge_summary:
        html.append("<h4>Discharge summary</h4>")
        html.append(f"<pre style='white-space: pre-wrap'>{escape(d.discharge_summary)}</pre>")
    return "\n".join(html)
