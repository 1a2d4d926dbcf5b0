"""Interoperability throughput: FHIR export and import of a ward, and the monitor feed.

A demo ward (default 20 beds, 10 days) is exported as one FHIR R4 bundle, imported into an
empty SQLite database (all or nothing, one transaction), imported again (idempotent: nothing
added), and ORU^R01 messages are sent one after another over a loopback MLLP connection, each
waiting for its ACK (a monitor's behaviour).

    python bench/interop.py [--beds 20] [--days 10] [--messages 300]

Last line: {"export_s": ..., "export_resources": ..., "import_s": ..., "import_sets_per_s": ...,
"reimport_s": ..., "mllp_messages_per_s": ..., "mllp_ack_ms_p95": ...}
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_import import import_fhir_file
from wardconsole.interop.hl7_feed import END, MonitorFeed, frame
from wardconsole.services.db import Database
from wardconsole.services.demo import DemoOptions, build_demo_ward
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine, upgrade


def database(path: Path) -> Database:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Database(engine)


def oru(control_id: str, hospital_number: str, at: datetime, pulse: int) -> str:
    stamp = at.strftime("%Y%m%d%H%M%S+0000")
    return (
        "\r".join(
            [
                f"MSH|^~\\&|BEDSIDE|WARD|WC|WARD|{stamp}||ORU^R01|{control_id}|P|2.5.1",
                f"PID|1||{hospital_number}",
                f"OBX|1|NM|8867-4^HR^LN||{pulse}|/min|||||F|||{stamp}",
                f"OBX|2|NM|9279-1^RR^LN||16|/min|||||F|||{stamp}",
                f"OBX|3|NM|59408-5^SpO2^LN||97|%|||||F|||{stamp}",
                f"OBX|4|NM|8480-6^SBP^LN||124|mm[Hg]|||||F|||{stamp}",
                f"OBX|5|NM|8462-4^DBP^LN||78|mm[Hg]|||||F|||{stamp}",
            ]
        )
        + "\r"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beds", type=int, default=20)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wardbench-interop-"))
    ward = database(work / "ward.sqlite")
    build_demo_ward(ward, DemoOptions(beds=args.beds, days=args.days, seed=7))
    system = StaffService(ward).system_actor("bench")

    started = time.perf_counter()
    exported = export_to_file(ward, system, work / "ward.json")
    export_s = time.perf_counter() - started

    empty = database(work / "copy.sqlite")
    importer = StaffService(empty).system_actor("bench")
    started = time.perf_counter()
    report = import_fhir_file(empty, importer, work / "ward.json")
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    again = import_fhir_file(empty, importer, work / "ward.json")
    reimport_s = time.perf_counter() - started
    assert again.sets_added == 0

    from wardconsole.store.repository import open_admissions

    with ward.read() as session:
        patients = [a.hospital_number for a in open_admissions(session)]
    now = datetime.now(UTC)
    waits: list[float] = []
    with (
        MonitorFeed(ward, system, port=0) as feed,
        socket.create_connection(feed.address, timeout=30) as sock,
    ):
        started = time.perf_counter()
        for n in range(args.messages):
            message = oru(
                f"B{n:06d}",
                patients[n % len(patients)],
                now - timedelta(seconds=args.messages - n),
                60 + n % 40,
            )
            sent = time.perf_counter()
            sock.sendall(frame(message))
            reply = b""
            while not reply.endswith(END):
                reply += sock.recv(65536)
            waits.append(time.perf_counter() - sent)
            assert b"MSA|AA|" in reply, reply
        mllp_s = time.perf_counter() - started

    print(
        f"exported {exported.items} resources in {export_s:.2f} s; imported "
        f"{report.sets_added} sets in {import_s:.2f} s; re-import {reimport_s:.2f} s; "
        f"{args.messages} monitor messages in {mllp_s:.2f} s"
    )
    print(
        json.dumps(
            {
                "export_s": round(export_s, 3),
                "export_resources": exported.items,
                "import_s": round(import_s, 3),
                "import_sets": report.sets_added,
                "import_sets_per_s": round(report.sets_added / import_s, 1),
                "reimport_s": round(reimport_s, 3),
                "mllp_messages_per_s": round(args.messages / mllp_s, 1),
                "mllp_ack_ms_p95": round(statistics.quantiles(waits, n=20)[-1] * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
