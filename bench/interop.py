"""Interoperability throughput: FHIR export and import of a ward, and the monitor feed.

A demo ward (default 20 beds, 10 days) is exported as one FHIR R4 bundle, imported into an
empty SQLite database (all or nothing, one transaction), imported again (idempotent: nothing
added), and ORU^R01 messages are sent one after another over a loopback MLLP connection, each
waiting for its ACK (a monitor's behaviour).

Bulk: an NDJSON file of ``--ndjson`` Observation resources (7 per set: RR, SpO2, BP panel,
pulse, temperature, ACVPU, oxygen; a month-style monitor feed for 5 patients) imported into an
empty SQLite database in a process of its own (peak RSS from /proc), streamed with sets
staged 500 sets at a time in short transactions and copied into the record in one final
step, against one transaction with one insert per set, ``--repeat`` times each in turn (medians).
``--ndjson-only`` prints just these figures.

Monitors: 20 monitors connected at once (a separate client process, one thread each), each
sending its next message as soon as the last is ACKed, for ``--seconds``; every ACK checked and
every message counted in the database afterwards (a set already on record — same patient,
second and values — is answered AA and not stored again); the grouped writer (one commit per
group, each patient's rules at most once per rules window, each pass reading only the entries
that changed since the last) against one commit and one rules pass per message, in the same
run, with the listener's CPU time per message.

    python bench/interop.py [--beds 20] [--days 10] [--messages 300] [--ndjson 100000]
                            [--repeat 3] [--ndjson-only]

Last line: {"export_s": ..., "export_resources": ..., "import_s": ..., "import_sets_per_s": ...,
"reimport_s": ..., "mllp_messages_per_s": ..., "mllp_ack_ms_p95": ..., "ndjson_sets_per_s": ...,
"ndjson_rss_mb": ..., "ndjson_sets_per_cpu_s": ..., "ndjson_per_row_sets_per_s": ...,
"ndjson_per_row_sets_per_cpu_s": ..., "ndjson_load_before": ..., "ndjson_load_after": ...,
"mllp_concurrent_messages_per_s": ...,
"mllp_concurrent_one_commit_each_per_s": ..., "mllp_concurrent_ae": ...,
"mllp_concurrent_ack_ms_p95": ..., "mllp_rules_window_ms": ...,
"mllp_concurrent_cpu_ms_per_message": ..., "mllp_concurrent_one_commit_each_cpu_ms_per_message":
..., "load_average": [before, after]}
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wardconsole.interop.exporting import export_to_file
from wardconsole.interop.fhir_import import import_fhir_file
from wardconsole.interop.hl7_feed import END, RULES_WINDOW_S, MonitorFeed, frame
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


def write_ndjson(path: Path, observations: int, patients: int = 5) -> int:
    """A monitor-style NDJSON file: patients and stays, then 7 Observations per set."""
    start = datetime(2026, 10, 1, tzinfo=UTC)
    sets = observations // (7 * patients)
    quantity = "http://unitsofmeasure.org"

    def q(code: str, value: float, unit: str) -> dict:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "unit": unit, "system": quantity, "code": unit},
        }

    written = 0
    with path.open("w", encoding="utf-8") as out:
        for p in range(patients):
            out.write(
                json.dumps(
                    {
                        "resourceType": "Patient",
                        "id": f"p{p}",
                        "identifier": [
                            {"system": "urn:wardconsole:hospital-number", "value": f"KD9{p:05d}"}
                        ],
                        "name": [{"family": f"Monitor{p}", "given": ["Bench"]}],
                        "birthDate": "1990-01-01",
                    }
                )
                + "\n"
            )
            end = start + timedelta(minutes=sets + 10)
            out.write(
                json.dumps(
                    {
                        "resourceType": "Encounter",
                        "id": f"e{p}",
                        "status": "finished",
                        "class": {"code": "IMP"},
                        "subject": {"reference": f"Patient/p{p}"},
                        "period": {"start": start.isoformat(), "end": end.isoformat()},
                    }
                )
                + "\n"
            )
        for i in range(sets):
            at = (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for p in range(patients):
                base = {
                    "resourceType": "Observation",
                    "status": "final",
                    "subject": {"reference": f"Patient/p{p}"},
                    "encounter": {"reference": f"Encounter/e{p}"},
                    "effectiveDateTime": at,
                }
                local = "urn:wardconsole:codes"
                bp = {
                    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
                    "component": [
                        {**q("8480-6", 120 + i % 10, "mm[Hg]")},
                        {**q("8462-4", 75, "mm[Hg]")},
                    ],
                }
                for item in (
                    q("9279-1", 16 + i % 4, "/min"),
                    q("59408-5", 96 + i % 3, "%"),
                    q("8867-4", 70 + i % 30, "/min"),
                    q("8310-5", 36.8, "Cel"),
                    bp,
                    {
                        "code": {"coding": [{"system": local, "code": "acvpu"}]},
                        "valueCodeableConcept": {"coding": [{"system": local, "code": "A"}]},
                    },
                    {
                        "code": {"coding": [{"system": local, "code": "on-oxygen"}]},
                        "valueBoolean": False,
                    },
                ):
                    written += 1
                    out.write(json.dumps({**base, "id": f"o{written}", **item}) + "\n")
    return written


def ndjson_child(args: argparse.Namespace) -> None:
    """In its own process: import the file into an empty database; print sets/s and RSS."""
    from wardconsole.interop.fhir_import import parse_ndjson_file
    from wardconsole.services import importing

    target = database(Path(args.target))
    actor = StaffService(target).system_actor("bench")
    started, cpu = time.perf_counter(), time.process_time()
    if args.chunk:  # the baseline: one transaction, one INSERT per set
        importing.CHUNK_SETS = args.chunk
        batch = parse_ndjson_file(Path(args.ndjson_child))
        report = importing.ImportService(target).import_batch(actor, batch)
    else:  # staged in chunks of CHUNK_SETS, then one final INSERT ... SELECT
        report = import_fhir_file(target, actor, Path(args.ndjson_child))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with open("/proc/self/status", encoding="ascii") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(
        json.dumps(
            {
                "sets": report.sets_added,
                "seconds": seconds,
                "cpu_s": cpu,
                "rss_mb": round(rss / 1024, 1),
            }
        )
    )


def ndjson_import(path: Path, target: Path, chunk: int | None) -> dict:
    command = [sys.executable, __file__, "--ndjson-child", str(path), "--target", str(target)]
    if chunk:
        command += ["--chunk", str(chunk)]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=1800)
    return json.loads(result.stdout.strip().splitlines()[-1])


def ndjson_figures(work: Path, args: argparse.Namespace) -> dict:
    """Medians of ``--repeat`` staged imports and as many one-insert-per-set imports of the
    same file, taken in turn (so load falls on both alike), with the load average."""
    ndjson = work / "monitor.ndjson"
    observations = write_ndjson(ndjson, args.ndjson)
    load_before = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {"staged": [], "per_row": []}
    for n in range(args.repeat):
        runs["staged"].append(ndjson_import(ndjson, work / f"staged{n}.sqlite", None))
        runs["per_row"].append(ndjson_import(ndjson, work / f"per-row{n}.sqlite", 1))
    load_after = os.getloadavg()[0]

    def median(kind: str, key: str) -> float:
        return statistics.median(run["sets"] / run[key] for run in runs[kind])

    staged, per_row = runs["staged"], runs["per_row"]
    print(
        f"NDJSON, {observations} Observations ({staged[0]['sets']} sets), medians of "
        f"{args.repeat}: {median('staged', 'seconds'):.0f} sets/s staged in chunks "
        f"(peak RSS {max(r['rss_mb'] for r in staged)} MB) against "
        f"{median('per_row', 'seconds'):.0f} sets/s with one insert per set in one "
        f"transaction (peak RSS {max(r['rss_mb'] for r in per_row)} MB); per CPU second "
        f"{median('staged', 'cpu_s'):.0f} against {median('per_row', 'cpu_s'):.0f} sets; "
        f"load average {load_before:.2f} before, {load_after:.2f} after (2 shared cores)"
    )
    return {
        "ndjson_sets_per_s": round(median("staged", "seconds"), 1),
        "ndjson_rss_mb": max(r["rss_mb"] for r in staged),
        "ndjson_sets_per_cpu_s": round(median("staged", "cpu_s"), 1),
        "ndjson_per_row_sets_per_s": round(median("per_row", "seconds"), 1),
        "ndjson_per_row_sets_per_cpu_s": round(median("per_row", "cpu_s"), 1),
        "ndjson_load_before": round(load_before, 2),
        "ndjson_load_after": round(load_after, 2),
    }


def clients_child(args: argparse.Namespace) -> None:
    """In its own process: ``--monitors`` threads, each a monitor sending for ``--seconds``."""
    host, port = args.clients_child.rsplit(":", 1)
    patients = args.patients.split(",")
    now = datetime.now(UTC)
    codes: list[str] = []
    waits: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def monitor(index: int) -> None:
        with socket.create_connection((host, int(port)), timeout=120) as sock:
            n = 0
            while time.monotonic() < stop_at:
                at = now - timedelta(seconds=n * args.monitors + index + 1)
                message = oru(
                    f"{args.tag}{index:02d}{n:06d}",
                    patients[index % len(patients)],
                    at,
                    60 + n % 40,
                )
                sent = time.perf_counter()
                sock.sendall(frame(message))
                reply = b""
                while not reply.endswith(END):
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("the listener closed the connection")
                    reply += chunk
                wait = time.perf_counter() - sent
                code = reply.split(b"MSA|", 1)[1][:2].decode()
                if b"already stored" in reply:  # the same set on record: AA, not stored again
                    code = "AA already"
                with lock:
                    codes.append(code)
                    waits.append(wait)
                n += 1

    threads = [threading.Thread(target=monitor, args=(i,)) for i in range(args.monitors)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "messages": len(codes),
                "seconds": elapsed,
                "aa": codes.count("AA") + codes.count("AA already"),
                "already": codes.count("AA already"),
                "ae": codes.count("AE"),
                "p95_ms": round(statistics.quantiles(waits, n=20)[-1] * 1000, 1),
            }
        )
    )


def concurrent_monitors(
    ward: Database, system: object, patients: list[str], grouped: bool, seconds: float, tag: str
) -> dict:
    """20 monitors at once against one listener; the outcome checked against the database."""
    from sqlalchemy import func, select

    from wardconsole.store.models import ObservationSetRow

    def stored() -> int:
        with ward.read() as session:
            count = session.scalar(
                select(func.count()).where(ObservationSetRow.source == "monitor")
            )
            return int(count or 0)

    before = stored()
    cpu = time.process_time()
    with MonitorFeed(ward, system, port=0, grouped=grouped) as feed:  # type: ignore[arg-type]
        host, port = feed.address
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--clients-child",
                f"{host}:{port}",
                "--monitors",
                "20",
                "--seconds",
                str(seconds),
                "--patients",
                ",".join(patients),
                "--tag",
                tag,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        groups = feed.writer.groups if feed.writer is not None else None
        passes = feed.writer.rules_passes if feed.writer is not None else None
    cpu = time.process_time() - cpu
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    outcome["stored"] = stored() - before
    outcome["groups"] = groups
    outcome["rules_passes"] = passes
    outcome["server_cpu_ms_per_message"] = round(cpu * 1000 / max(outcome["messages"], 1), 2)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beds", type=int, default=20)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--ndjson", type=int, default=100_000, help="Observations in the file")
    parser.add_argument("--seconds", type=float, default=15.0, help="of 20 monitors sending")
    parser.add_argument("--ndjson-child", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--chunk", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--clients-child", help=argparse.SUPPRESS)
    parser.add_argument("--monitors", type=int, default=20, help=argparse.SUPPRESS)
    parser.add_argument("--patients", help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="C", help=argparse.SUPPRESS)
    parser.add_argument("--ndjson-only", action="store_true", help="only the NDJSON figures")
    parser.add_argument("--repeat", type=int, default=3, help="NDJSON imports of each kind")
    args = parser.parse_args()
    if args.ndjson_child:
        ndjson_child(args)
        return
    if args.ndjson_only:
        print(json.dumps(ndjson_figures(Path(tempfile.mkdtemp(prefix="wardbench-")), args)))
        return
    if args.clients_child:
        clients_child(args)
        return
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

    load_before = os.getloadavg()[0]
    figures = ndjson_figures(work, args)
    grouped = concurrent_monitors(ward, system, patients, True, args.seconds, "G")
    single = concurrent_monitors(ward, system, patients, False, args.seconds, "S")
    load_after = os.getloadavg()[0]
    for name, outcome in (("grouped commits", grouped), ("one commit per message", single)):
        print(
            f"20 monitors at once, {name}: {outcome['messages']} messages in "
            f"{outcome['seconds']:.1f} s = {outcome['messages'] / outcome['seconds']:.0f}/s; "
            f"AA {outcome['aa']} ({outcome['already']} of them a set already on record), "
            f"AE {outcome['ae']}, stored {outcome['stored']}, "
            f"ACK p95 {outcome['p95_ms']} ms"
            + (
                f", {outcome['groups']} commits, {outcome['rules_passes']} rules passes after "
                f"a {RULES_WINDOW_S * 1000:.0f} ms window"
                if outcome["groups"] is not None
                else ""
            )
            + f"; listener CPU {outcome['server_cpu_ms_per_message']} ms per message"
        )
    print(f"load average {load_before:.2f} before, {load_after:.2f} after (2 shared cores)")

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
                **figures,
                "mllp_concurrent_messages_per_s": round(
                    grouped["messages"] / grouped["seconds"], 1
                ),
                "mllp_concurrent_one_commit_each_per_s": round(
                    single["messages"] / single["seconds"], 1
                ),
                "mllp_concurrent_ae": grouped["ae"],
                "mllp_concurrent_ack_ms_p95": grouped["p95_ms"],
                "mllp_rules_window_ms": round(RULES_WINDOW_S * 1000),
                "mllp_concurrent_cpu_ms_per_message": grouped["server_cpu_ms_per_message"],
                "mllp_concurrent_one_commit_each_cpu_ms_per_message": single[
                    "server_cpu_ms_per_message"
                ],
                "load_average": [round(load_before, 2), round(load_after, 2)],
            }
        )
    )


if __name__ == "__main__":
    main()
