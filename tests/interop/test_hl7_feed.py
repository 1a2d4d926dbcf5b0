"""The bedside-monitor feed: ORU^R01 messages in over MLLP, ACKs out, vitals stored for the
patient in PID; anything malformed gets an error ACK and the listener keeps serving."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from interop_support import HOSPITAL_NUMBER, SAMPLES, admit
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from wardfakes import NORMAL_SET, Clock

from wardconsole.domain.discharge import Destination
from wardconsole.domain.records import EscalationInfo
from wardconsole.interop import hl7_feed
from wardconsole.interop.hl7_feed import (
    END,
    START,
    GroupWriter,
    MessageHandler,
    MonitorFeed,
    frame,
)
from wardconsole.interop.hl7_oru import parse_oru
from wardconsole.services import importing
from wardconsole.services.admissions import AdmissionService
from wardconsole.services.context import Actor
from wardconsole.services.db import Database
from wardconsole.services.discharge import DischargeService
from wardconsole.services.escalations import EscalationService
from wardconsole.services.importing import ImportBatch, ImportReport, ImportService, UnknownPatient
from wardconsole.services.recording import RecordingService
from wardconsole.services.staff import StaffService
from wardconsole.store.models import AuditRow, ObservationSetRow, Staff

SAMPLE = SAMPLES / "hl7v2" / "ORU-R01-01.hl7"


def oru(
    control_id: str,
    at: str,
    *,
    patient: str = HOSPITAL_NUMBER,
    processing: str = "P",
    obx: list[str] | None = None,
) -> str:
    """A monitor's ORU^R01: HR, RR, SpO2, BP and temperature at ``at`` (HL7 DTM)."""
    segments = (
        obx
        if obx is not None
        else [
            f"OBX|1|NM|8867-4^Heart rate^LN||88|/min^beats per minute^UCUM|||||F|||{at}",
            f"OBX|2|NM|9279-1^Respiratory rate^LN||19|/min^breaths per minute^UCUM|||||F|||{at}",
            f"OBX|3|NM|59408-5^SpO2 by pulse oximetry^LN||95|%^percent^UCUM|||||F|||{at}",
            f"OBX|4|NM|8480-6^Systolic BP^LN||131|mm[Hg]^mmHg^UCUM|||||F|||{at}",
            f"OBX|5|NM|8462-4^Diastolic BP^LN||84|mm[Hg]^mmHg^UCUM|||||F|||{at}",
            f"OBX|6|NM|8310-5^Body temperature^LN||37.24|Cel^degrees C^UCUM|||||F|||{at}",
            f"OBX|7|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||95|%^percent^UCUM|||||F|||{at}",
        ]
    )
    return (
        "\r".join(
            [
                f"MSH|^~\\&|BEDSIDE|WARD7|WARDCONSOLE|WARD7|{at}||ORU^R01^ORU_R01|{control_id}|"
                f"{processing}|2.5.1",
                f"PID|1||{patient}^^^HOSP^MR||Abernethy^Aled||19940501|M",
                f"OBR|1|||85353-1^Vital signs panel^LN|||{at}",
                *segments,
            ]
        )
        + "\r"
    )


@pytest.fixture
def monitor(db: Database) -> Actor:
    return StaffService(db).system_actor("Monitor gateway")


@pytest.fixture
def stamp(clock: Clock) -> str:
    return (clock.now - timedelta(minutes=10)).strftime("%Y%m%d%H%M%S+0000")


def _sets(db: Database) -> list[ObservationSetRow]:
    with db.read() as session:
        rows = list(session.scalars(select(ObservationSetRow).order_by(ObservationSetRow.id)))
        session.expunge_all()
    return rows


def _ack(data: bytes) -> list[list[str]]:
    return [segment.split("|") for segment in data.decode().strip("\r").split("\r")]


# -- one message at a time -----------------------------------------------------------------------


def test_an_oru_is_stored_as_one_set_and_acknowledged(
    db: Database, monitor: Actor, admission: int, clock: Clock, stamp: str
) -> None:
    outcome, ack = MessageHandler(db, monitor).handle(oru("MSG0001", stamp).encode())

    msh, msa = _ack(ack)[:2]
    assert msh[8] == "ACK^R01^ACK" and msh[4] == "BEDSIDE" and msh[11] == "2.5.1"
    assert msa[:3] == ["MSA", "AA", "MSG0001"]
    assert outcome.report is not None and outcome.report.skipped == {
        "not imported: 150456 MDC_PULS_OXIM_SAT_O2": 1
    }
    (row,) = _sets(db)
    assert row.admission_id == admission and row.source == "monitor"
    assert row.taken_at == clock.now - timedelta(minutes=10)
    assert (row.pulse, row.respiration_rate, row.spo2) == (88, 19, 95)
    assert (row.systolic_bp, row.diastolic_bp, row.temperature) == (131, 84, 37.2)
    # A monitor cannot see consciousness or oxygen: a partial set, never a made-up NEWS2.
    assert row.news2_total is None
    assert row.missing_reasons == {"consciousness": "not_in_source", "on_oxygen": "not_in_source"}
    with db.read() as session:
        author = session.get(Staff, row.recorded_by_id)
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "import_monitor")).one()
    assert author is not None and author.staff_code == "system"
    assert row.station == "Monitor gateway" == audit.station


def test_a_retransmitted_message_is_stored_once(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    handler = MessageHandler(db, monitor)
    handler.handle(oru("MSG0002", stamp).encode())
    outcome, _ack_bytes = handler.handle(oru("MSG0002", stamp).encode())
    assert outcome.code == "AA" and "already stored" in outcome.text
    assert len(_sets(db)) == 1


def test_a_patient_not_on_the_ward_gets_an_error_ack(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    _, ack = MessageHandler(db, monitor).handle(oru("MSG0003", stamp, patient="NOBODY1").encode())
    segments = _ack(ack)
    assert segments[1][:3] == ["MSA", "AE", "MSG0003"]
    assert segments[1][3] == UnknownPatient.MESSAGE
    assert segments[2][0] == "ERR" and segments[2][3].startswith("204^")
    assert "NOBODY1" not in ack.decode()
    assert _sets(db) == []


def test_unknown_and_discharged_patients_get_the_same_reply(
    db: Database, monitor: Actor, nurse: Actor, clock: Clock, stamp: str
) -> None:
    """A sender cannot learn who has been on the ward: a discharged patient's identifier is
    answered exactly like one no one has (the reply never echoes it)."""
    from interop_support import admit

    stay = admit(db, nurse, clock, hospital_number="KD000777")
    service = DischargeService(db)
    draft = service.draft(stay, Destination.AFTERCARE)
    service.discharge(
        nurse,
        stay,
        destination=Destination.AFTERCARE,
        summary=draft.text,
        expected_version=draft.version,
    )
    handler = MessageHandler(db, monitor)
    replies = []
    for patient in ("KD000777", "KD000778"):
        outcome, ack = handler.handle(oru("SAME0001", stamp, patient=patient).encode())
        assert outcome.code == "AE" and patient not in ack.decode()
        msa, err = _ack(ack)[1:3]
        replies.append((outcome.text, msa[1:], err[1:]))
    assert replies[0] == replies[1]
    assert _sets(db) == []


def test_a_crafted_time_is_answered_ae_naming_the_field(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    handler = MessageHandler(db, monitor)
    for crafted in ("202401010000-9999", "00010101000000+1400", "20241301000000+0000"):
        message = oru("TIME0001", stamp).replace(f"|F|||{stamp}", f"|F|||{crafted}", 1)
        outcome, ack = handler.handle(message.encode())
        assert outcome.code == "AE", crafted
        assert "OBX-14" in outcome.text and "not a valid time" in outcome.text
        assert "internal error" not in ack.decode()
        assert _ack(ack)[2][3].startswith("102^")
    assert _sets(db) == []


def test_only_the_segments_of_an_oru_are_accepted(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    handler = MessageHandler(db, monitor)
    with_z = oru("SEG0001", stamp).replace("OBR|", "ZBX|secret|\rOBR|", 1)
    outcome, ack = handler.handle(with_z.encode())
    assert outcome.code == "AR" and "segment 3 (ZBX) is not part of an ORU^R01" in outcome.text
    assert _ack(ack)[2][3].startswith("100^")
    adt = oru("SEG0002", stamp).replace("ORU^R01^ORU_R01", "ADT^A01^ADT_A01")
    outcome, _ = handler.handle(adt.encode())
    assert outcome.code == "AR" and "unsupported message type ADT^A01" in outcome.text
    assert _sets(db) == []


def test_a_message_with_too_many_sets_is_refused_whole(
    db: Database, monitor: Actor, admission: int, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wardconsole.interop import hl7_oru

    monkeypatch.setattr(hl7_oru, "MAX_SETS_PER_MESSAGE", 3)
    times = [(clock.now - timedelta(minutes=m)).strftime("%Y%m%d%H%M%S+0000") for m in range(4)]
    obx = [
        f"OBX|{n}|NM|8867-4^Heart rate^LN||88|/min^beats per minute^UCUM|||||F|||{at}"
        for n, at in enumerate(times, start=1)
    ]
    handler = MessageHandler(db, monitor)
    outcome, _ = handler.handle(oru("MANY0001", times[0], obx=obx).encode())
    assert outcome.code == "AR" and "4 vital-sign sets in one message; at most 3" in outcome.text
    outcome, _ = handler.handle(oru("MANY0002", times[0], obx=obx[:3]).encode())
    assert outcome.code == "AA"
    assert len(_sets(db)) == 3


def test_the_log_names_messages_by_control_id_never_by_patient(
    db: Database,
    monitor: Actor,
    admission: int,
    stamp: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Patient identifiers never reach a log line (no masking needed afterwards)."""
    handler = MessageHandler(db, monitor)
    with caplog.at_level("INFO", logger="wardconsole"):
        handler.handle(oru("MSG0101", stamp).encode())
        handler.handle(oru("MSG0102", stamp, patient="NOBODY1").encode())
    logged = caplog.text
    assert "MSG0101" in logged and "MSG0102" in logged
    assert "KD000001" not in logged and "NOBODY1" not in logged and "Abernethy" not in logged


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("hello, monitor here", "not an HL7 v2 message"),
        (
            "MSH|^~\\&|A|B|C|D|20261125||ADT^A01|X9|P|2.5\rPID|1||KD000001",
            "unsupported message type",
        ),
        ("MSH|^~\\&|A|B|C|D|20261125||ORU^R01|X9|T|2.5\rPID|1||KD000001", "not production"),
        ("MSH|^~\\&|A|B|C|D|20261125||ORU^R01|X9|P|2.5\rOBX|1|NM|8867-4^HR^LN||80|/min", "PID-3"),
        ("\x00\x01\x02garbage\xff", "not an HL7 v2 message"),
    ],
)
def test_malformed_messages_are_rejected_with_ar(
    db: Database, monitor: Actor, admission: int, message: str, reason: str
) -> None:
    outcome, ack = MessageHandler(db, monitor).handle(message.encode("latin-1"))
    assert outcome.code == "AR" and reason in outcome.text
    assert _ack(ack)[1][1] == "AR"
    assert _sets(db) == []


def test_values_outside_the_stay_or_impossible_are_counted(
    db: Database, monitor: Actor, admission: int, clock: Clock, stamp: str
) -> None:
    before_stay = (clock.now - timedelta(days=5)).strftime("%Y%m%d%H%M%S+0000")
    outcome, _ = MessageHandler(db, monitor).handle(oru("MSG0004", before_stay).encode())
    assert outcome.code == "AE" and "time outside any stay" in outcome.text
    obx = [
        f"OBX|1|NM|8867-4^HR^LN||400|/min|||||F|||{stamp}",
        f"OBX|2|NM|9279-1^RR^LN||18|/min|||||F|||{stamp}",
        f"OBX|3|ST|2708-6^SpO2^LN||good|%|||||F|||{stamp}",
        f"OBX|4|NM|8310-5^Temp^LN||37|furlongs|||||F|||{stamp}",
        f"OBX|5|NM|8867-4^HR^LN||80|/min|||||X|||{stamp}",
        f"OBX|6|NM|8480-6^SBP^LN||1e+27|mm[Hg]|||||F|||{stamp}",
    ]
    outcome, _ = MessageHandler(db, monitor).handle(oru("MSG0005", stamp, obx=obx).encode())
    assert outcome.code == "AA" and outcome.report is not None
    assert outcome.report.skipped == {
        "impossible value refused: pulse": 1,
        "value type 'ST' is not numeric: spo2": 1,
        "unit 'furlongs' is not °C or °F: temperature": 1,
        "result status 'X': pulse": 1,
        "value 1E+27 is not a measurement: systolic_bp": 1,
    }
    (row,) = _sets(db)
    assert row.respiration_rate == 18 and row.pulse is None


def test_the_shared_sample_is_handled_sensibly(
    db: Database, monitor: Actor, nurse: Actor, clock: Clock
) -> None:
    """A field-coverage stress sample marked as a training message (T): refused, nothing stored;
    with a byte-order mark too. Sent as production for a patient on the ward, none of its
    OBX carries a usable vital sign, and each is counted."""
    from interop_support import admit

    raw = SAMPLE.read_bytes()
    handler = MessageHandler(db, monitor)
    for data in (raw, b"\xef\xbb\xbf" + raw):
        outcome, ack = handler.handle(data)
        assert outcome.code == "AR" and "not production" in outcome.text
        assert _ack(ack)[1][2] == "2.16.840.1.114222.4.3.3.5.1.2-20120314235954.325"
    admit(db, nurse, clock, hospital_number="14")
    outcome, _ = handler.handle(raw.replace(b"|T|2.5.1|", b"|P|2.5.1|", 1))
    assert outcome.code == "AE" and outcome.report is not None
    assert outcome.report.skipped == {
        "value type 'RP' is not numeric: pulse": 1,
        "result status 'I': pulse": 1,
        "not imported: no code": 1,
        "not imported: 625-4 Bacteria identified in Stool by Culture": 1,
        "not imported: 1063-7 Serum or Plasma": 1,
    }
    assert _sets(db) == []


# -- over a real socket ----------------------------------------------------------------------------


@pytest.fixture
def feed(db: Database, monitor: Actor) -> Iterator[MonitorFeed]:
    with MonitorFeed(db, monitor, host="127.0.0.1", port=0, idle_timeout=10) as running:
        yield running


def _exchange(sock: socket.socket, payload: bytes) -> bytes:
    sock.sendall(payload)
    data = b""
    while not data.endswith(END):
        chunk = sock.recv(65536)
        assert chunk, "the listener closed the connection"
        data += chunk
    assert data.startswith(START)
    return data[1:-2]


def test_mllp_over_loopback(
    db: Database, admission: int, feed: MonitorFeed, stamp: str, clock: Clock
) -> None:
    later = (clock.now - timedelta(minutes=5)).strftime("%Y%m%d%H%M%S+0000")
    with socket.create_connection(feed.address, timeout=10) as sock:
        first = _exchange(sock, frame(oru("MLLP0001", stamp)))
        assert _ack(first)[1][:3] == ["MSA", "AA", "MLLP0001"]
        garbage = _exchange(sock, START + b"\x00\xffthis is not HL7\r" + END)
        assert _ack(garbage)[1][1] == "AR"
        # Noise outside a frame is ignored; the next message on the same connection works.
        second = _exchange(sock, b"stray bytes" + frame(oru("MLLP0002", later)))
        assert _ack(second)[1][:3] == ["MSA", "AA", "MLLP0002"]
    with socket.create_connection(feed.address, timeout=10) as sock:  # still listening
        again = _exchange(sock, frame(oru("MLLP0001", stamp)))
        assert "already stored" in _ack(again)[1][3]
    assert [r.pulse for r in _sets(db)] == [88, 88]


def test_two_monitors_at_once(
    db: Database, nurse: Actor, clock: Clock, admission: int, feed: MonitorFeed, stamp: str
) -> None:
    from interop_support import admit

    admit(db, nurse, clock, hospital_number="KD000002", bed="B02")
    with (
        socket.create_connection(feed.address, timeout=10) as one,
        socket.create_connection(feed.address, timeout=10) as two,
    ):
        a = _exchange(one, frame(oru("BED1-1", stamp)))
        b = _exchange(two, frame(oru("BED2-1", stamp, patient="KD000002")))
    assert _ack(a)[1][1] == _ack(b)[1][1] == "AA"
    assert len({r.admission_id for r in _sets(db)}) == 2


def test_an_endless_frame_is_refused_and_the_listener_stays_up(
    db: Database, admission: int, feed: MonitorFeed, stamp: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wardconsole.interop import hl7_feed

    monkeypatch.setattr(hl7_feed, "MAX_MESSAGE_BYTES", 2000)
    with socket.create_connection(feed.address, timeout=10) as sock:
        refused = _exchange(sock, START + b"MSH|" + b"x" * 5000)
        assert _ack(refused)[1][1:4] == ["AR", "", "message too large"]
        assert sock.recv(10) == b""  # the connection is closed
    with socket.create_connection(feed.address, timeout=10) as sock:
        assert _ack(_exchange(sock, frame(oru("AFTER-1", stamp))))[1][1] == "AA"


def test_blank_segments_and_newlines_are_tolerated(stamp: str) -> None:
    from wardconsole.interop.hl7_oru import parse_oru

    message = oru("BLANK-1", stamp).replace("\rOBX|2", "\r\r\nOBX|2").replace("\r", "\n")
    batch = parse_oru(message)
    (group,) = batch.groups
    assert group.values["pulse"] == 88 and group.values["respiration_rate"] == 19


# -- many monitors at once -------------------------------------------------------------------------


def test_twenty_monitors_at_once_each_message_acked_and_stored_once(
    db: Database, admission: int, feed: MonitorFeed, clock: Clock
) -> None:
    """Every connection waits for its own ACK; every ACK is AA and means stored, exactly once."""
    monitors, each = 20, 5
    acks: dict[str, list[str]] = {}

    def send(monitor: int) -> None:
        with socket.create_connection(feed.address, timeout=30) as sock:
            for n in range(each):
                at = clock.now - timedelta(seconds=monitor * each + n + 1)
                control = f"M{monitor:02d}N{n}"
                reply = _exchange(sock, frame(oru(control, at.strftime("%Y%m%d%H%M%S+0000"))))
                acks[control] = _ack(reply)[1]

    threads = [threading.Thread(target=send, args=(m,)) for m in range(monitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(acks) == monitors * each
    assert {msa[1] for msa in acks.values()} == {"AA"}
    assert all(msa[2] == control for control, msa in acks.items())
    rows = _sets(db)
    assert len(rows) == monitors * each
    assert len({row.source_ref for row in rows}) == monitors * each
    assert feed.writer is not None and feed.writer.groups <= monitors * each


class _SlowService:
    """Holds the first group until released, so the next messages queue behind it; fails with
    a locked database as often as asked before it writes."""

    def __init__(self, locked_times: int = 0) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.groups: list[list[str]] = []
        self.locked_times = locked_times

    def import_batches(self, actor: Actor, batches: list, rules_now: bool = True) -> list:
        self.entered.set()
        self.release.wait(10)
        if self.locked_times:
            self.locked_times -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        self.groups.append([batch.label for batch in batches])
        return [ImportReport(1, 7, 0, {}) for _ in batches]


def _batch(label: str) -> ImportBatch:
    return ImportBatch("monitor", label, (), create_records=False)


def test_messages_arriving_during_a_commit_go_together_in_the_next(monitor: Actor) -> None:
    service = _SlowService()
    writer = GroupWriter(service, monitor)  # type: ignore[arg-type]
    done: list[ImportReport] = []
    threads = [
        threading.Thread(target=lambda n=n: done.append(writer.write(_batch(f"m{n}"))))
        for n in range(6)
    ]
    threads[0].start()
    assert service.entered.wait(10)  # the first message is being written
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 10
    while writer._queue.qsize() < 5 and time.monotonic() < deadline:
        time.sleep(0.01)  # the others queue behind it
    service.release.set()
    for thread in threads:
        thread.join(10)
    writer.stop()
    assert service.groups[0] == ["m0"]
    assert sorted(service.groups[1]) == ["m1", "m2", "m3", "m4", "m5"]
    assert len(done) == 6 and writer.groups == 2


def test_a_busy_database_is_waited_for_not_answered_with_ae(monitor: Actor) -> None:
    service = _SlowService(locked_times=2)
    service.release.set()
    writer = GroupWriter(service, monitor)  # type: ignore[arg-type]
    report = writer.write(_batch("m0"))
    writer.stop()
    assert report.sets_added == 1 and service.groups == [["m0"]]


def test_one_refused_message_leaves_the_rest_of_its_group(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    good = parse_oru(oru("GOOD0001", stamp))
    unknown = parse_oru(oru("BAD00001", stamp, patient="KD999999"))
    results = ImportService(db).import_batches(monitor, [good, unknown])
    assert isinstance(results[0], ImportReport) and results[0].sets_added == 1
    assert isinstance(results[1], UnknownPatient)
    assert len(_sets(db)) == 1


# -- connections ----------------------------------------------------------------------------------


def test_a_ward_of_monitors_fits_and_one_too_many_is_closed_unread(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    assert hl7_feed.MAX_CONNECTIONS >= 20 and hl7_feed.LISTEN_BACKLOG >= hl7_feed.MAX_CONNECTIONS
    with MonitorFeed(db, monitor, port=0, idle_timeout=10, max_connections=2) as running:
        one = socket.create_connection(running.address, timeout=10)
        two = socket.create_connection(running.address, timeout=10)
        try:
            assert _ack(_exchange(one, frame(oru("CAP0001", stamp))))[1][1] == "AA"
            assert _ack(_exchange(two, frame(oru("CAP0001", stamp))))[1][1] == "AA"
            with socket.create_connection(running.address, timeout=10) as third:
                third.sendall(frame(oru("CAP0002", stamp)))
                assert third.recv(100) == b""  # closed without an answer
        finally:
            one.close()
        # A monitor that disconnects frees its place for the next.
        deadline = time.monotonic() + 10
        while running.connections[0] > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        with socket.create_connection(running.address, timeout=10) as fourth:
            assert _ack(_exchange(fourth, frame(oru("CAP0003", stamp))))[1][1] == "AA"
        two.close()
        assert running.connections[1] == 1
    assert len(_sets(db)) == 1


def test_listening_beyond_this_computer_needs_the_monitors_addresses(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    with pytest.raises(ValueError, match="--allow"):
        MonitorFeed(db, monitor, host="0.0.0.0", port=0)
    with pytest.raises(ValueError, match="--allow"):
        MonitorFeed(db, monitor, host="127.0.0.1", port=0, allowed_senders=["not-an-address"])
    # Loopback is not on this list: its connection is closed before anything is read.
    with (
        MonitorFeed(db, monitor, port=0, allowed_senders=["10.20.0.0/24"]) as running,
        socket.create_connection(running.address, timeout=10) as sock,
    ):
        sock.sendall(frame(oru("ALLOW001", stamp)))
        assert sock.recv(100) == b""
    allowed = ["10.20.0.0/24", "127.0.0.1"]
    with (
        MonitorFeed(db, monitor, port=0, allowed_senders=allowed) as ok,
        socket.create_connection(ok.address, timeout=10) as sock,
    ):
        assert _ack(_exchange(sock, frame(oru("ALLOW002", stamp))))[1][1] == "AA"
    assert len(_sets(db)) == 1


# -- the rules window --------------------------------------------------------------------------


def _alarm_oru(control_id: str, at: str, patient: str = HOSPITAL_NUMBER) -> str:
    """SpO2 82 and pulse 150: red scores a monitor's partial set alarms on."""
    return oru(
        control_id,
        at,
        patient=patient,
        obx=[
            f"OBX|1|NM|8867-4^Heart rate^LN||150|/min^beats per minute^UCUM|||||F|||{at}",
            f"OBX|2|NM|59408-5^SpO2 by pulse oximetry^LN||82|%^percent^UCUM|||||F|||{at}",
        ],
    )


def _open_alarms(db: Database) -> list[str]:
    return [e.explanation for e in EscalationService(db).open()]


class _CountingService(ImportService):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.passes: list[set[int]] = []

    def run_rules(self, actor: Actor, admission_ids: Collection[int]) -> None:
        self.passes.append(set(admission_ids))
        super().run_rules(actor, admission_ids)


def test_a_quiet_monitor_alarms_with_its_own_message(
    db: Database, monitor: Actor, admission: int, clock: Clock
) -> None:
    service = _CountingService(db)
    writer = GroupWriter(service, monitor, rules_window=600)
    at = (clock.now - timedelta(minutes=2)).strftime("%Y%m%d%H%M%S+0000")
    try:
        report = writer.write(parse_oru(_alarm_oru("Q0001", at)))
        # The rules ran in the message's own transaction: the alarm is there with the ACK.
        assert report.sets_added == 1 and len(_open_alarms(db)) == 1
    finally:
        writer.stop()
    assert service.passes == []


def test_a_busy_monitor_alarms_when_the_window_ends_once_for_all_its_messages(
    db: Database, monitor: Actor, admission: int, clock: Clock
) -> None:
    service = _CountingService(db)
    writer = GroupWriter(service, monitor, rules_window=600)
    first = (clock.now - timedelta(minutes=3)).strftime("%Y%m%d%H%M%S+0000")
    try:
        writer.write(parse_oru(oru("B0001", first)))  # normal values: rules run, no alarm
        assert _open_alarms(db) == []
        for n in range(3):  # within the window: stored and acknowledged, rules wait
            at = (clock.now - timedelta(minutes=2, seconds=n)).strftime("%Y%m%d%H%M%S+0000")
            assert writer.write(parse_oru(_alarm_oru(f"B000{n + 2}", at))).sets_added == 1
        assert len(_sets(db)) == 4
    finally:
        writer.stop()  # stopping ends every window: the rules run before the feed ends
    assert service.passes == [{admission}]
    assert len(_open_alarms(db)) == 1


def test_the_alarm_comes_when_the_window_ends_without_another_message(
    db: Database, monitor: Actor, admission: int, clock: Clock
) -> None:
    service = _CountingService(db)
    writer = GroupWriter(service, monitor, rules_window=1.0)
    try:
        writer.write(
            parse_oru(
                oru("W0001", (clock.now - timedelta(minutes=3)).strftime("%Y%m%d%H%M%S+0000"))
            )
        )
        at = (clock.now - timedelta(minutes=2)).strftime("%Y%m%d%H%M%S+0000")
        writer.write(parse_oru(_alarm_oru("W0002", at)))
        deadline = time.monotonic() + 10
        while not _open_alarms(db) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(_open_alarms(db)) == 1 and service.passes == [{admission}]
    finally:
        writer.stop()


def test_the_same_message_twice_in_one_group_is_stored_once_both_acked(
    db: Database, monitor: Actor, admission: int, stamp: str
) -> None:
    message = parse_oru(oru("TWIN0001", stamp))
    first, second = ImportService(db).import_batches(monitor, [message, message])
    assert isinstance(first, ImportReport) and first.sets_added == 1
    assert isinstance(second, ImportReport) and second.already_present == 1
    assert len(_sets(db)) == 1


def test_a_message_that_fails_unexpectedly_costs_only_itself(
    db: Database,
    monitor: Actor,
    admission: int,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = importing._BatchWriter.write

    def write(self: Any, group: Any) -> None:
        if self.batch.label.endswith("BUG00001"):
            raise RuntimeError("a bug")
        original(self, group)

    monkeypatch.setattr(importing._BatchWriter, "write", write)
    messages = [
        parse_oru(oru(control, (clock.now - timedelta(minutes=m)).strftime("%Y%m%d%H%M%S+0000")))
        for m, control in ((9, "OK000001"), (8, "BUG00001"), (7, "OK000002"))
    ]
    results = ImportService(db).import_batches(monitor, messages)
    assert [type(r).__name__ for r in results] == ["ImportReport", "RuntimeError", "ImportReport"]
    assert [row.taken_at for row in _sets(db)] == [
        clock.now - timedelta(minutes=9),
        clock.now - timedelta(minutes=7),
    ]


def test_a_group_for_several_patients_raises_what_one_message_at_a_time_raises(
    db: Database, nurse: Actor, monitor: Actor, clock: Clock
) -> None:
    """Six patients in two halves with the same messages: the first half's come as one group
    (one rules pass for all), the second half's one message at a time (rules after each);
    each patient ends with the same escalations as their twin."""
    AdmissionService(db).ensure_beds([f"B0{n}" for n in range(1, 7)], "Test ward")
    numbers = [f"KD00010{n}" for n in range(6)]
    stays = [
        admit(db, nurse, clock, hospital_number=number, bed=f"B0{n + 1}")
        for n, number in enumerate(numbers)
    ]

    def at(minutes: int) -> str:
        return (clock.now - timedelta(minutes=minutes)).strftime("%Y%m%d%H%M%S+0000")

    def messages(patient: int, prefix: str) -> list[ImportBatch]:
        number = numbers[patient]
        plan = {
            0: [oru(f"{prefix}A1", at(6), patient=number), _alarm_oru(f"{prefix}A2", at(5))],
            1: [oru(f"{prefix}B{n}", at(6 - n), patient=number) for n in range(3)],
            2: [_alarm_oru(f"{prefix}C1", at(4)), _alarm_oru(f"{prefix}C2", at(3))],
        }[patient % 3]
        return [
            parse_oru(text.replace(f"PID|1||{HOSPITAL_NUMBER}^", f"PID|1||{number}^"))
            for text in plan
        ]

    service = ImportService(db)
    group = [batch for p in range(3) for batch in messages(p, "G")]
    assert all(isinstance(r, ImportReport) for r in service.import_batches(monitor, group))
    for p in range(3, 6):
        for batch in messages(p, "S"):
            service.import_batch(monitor, batch)

    def raised(admission_id: int) -> list[tuple[str, str, str, str]]:
        return sorted(
            (e.kind.value, e.severity.value, e.rule_id, e.explanation)
            for e in EscalationService(db).open()
            if e.admission_id == admission_id
        )

    assert [raised(stays[p]) for p in range(3)] == [raised(stays[p]) for p in range(3, 6)]
    assert raised(stays[0]) and raised(stays[2]) and not raised(stays[1])


class _Twins:
    """Two patients given the same monitor messages and the same changes from another
    station: twin 0 ruled by the feed's service (entries carried from pass to pass), twin 1
    by one that reads everything each time. Each message is stored in a group and ruled in a
    pass of its own."""

    def __init__(self, db: Database, nurse: Actor, monitor: Actor, clock: Clock) -> None:
        self.db, self.monitor, self.clock = db, monitor, clock
        self.numbers = ["KD000201", "KD000202"]
        self.stays = [
            admit(db, nurse, clock, hospital_number=number, bed=f"B0{n + 1}")
            for n, number in enumerate(self.numbers)
        ]
        self.services = [ImportService(db, carry_rules_state=True), ImportService(db)]
        self.elsewhere = StaffService(db).actor("rn.test", "Station B")
        self.escalations = EscalationService(db)

    def at(self, minutes: int) -> datetime:
        return self.clock.now - timedelta(minutes=minutes)

    def send(self, twin: int, control: str, minutes: int, alarm: bool = False) -> None:
        make = _alarm_oru if alarm else oru
        text = make(
            f"{control}{twin}",
            self.at(minutes).strftime("%Y%m%d%H%M%S+0000"),
            patient=self.numbers[twin],
        )
        service = self.services[twin]
        [report] = service.import_batches(self.monitor, [parse_oru(text)], rules_now=False)
        assert isinstance(report, ImportReport) and report.sets_added == 1
        service.run_rules(self.monitor, report.admission_ids)

    def set_taken(self, twin: int, minutes: int) -> int:
        with self.db.read() as session:
            return session.scalars(
                select(ObservationSetRow.id).where(
                    ObservationSetRow.admission_id == self.stays[twin],
                    ObservationSetRow.taken_at == self.at(minutes),
                )
            ).one()

    def open(self, twin: int) -> list[EscalationInfo]:
        return [e for e in self.escalations.open() if e.admission_id == self.stays[twin]]

    def raised(self, twin: int) -> list[tuple[str, str, str, str, str]]:
        return sorted(
            (e.kind.value, e.severity.value, e.state.value, e.rule_id, e.explanation)
            for e in self.open(twin)
        )

    def step(self, change: Callable[[int], None]) -> None:
        for twin in (0, 1):
            change(twin)
        assert self.raised(0) == self.raised(1)


def test_a_carried_rules_state_sees_what_another_station_changed_between_passes(
    db: Database, nurse: Actor, monitor: Actor, clock: Clock
) -> None:
    """After every pass both twins have the same escalations: an acknowledgement, a
    strike-out and a correction into a deterioration made at another station between passes
    are all seen by the carried state."""
    twins = _Twins(db, nurse, monitor, clock)
    recording = RecordingService(db)
    twins.step(lambda twin: twins.send(twin, "N1", 30))
    twins.step(lambda twin: twins.send(twin, "A1", 25, alarm=True))
    assert twins.raised(0)

    def acknowledge_then_alarm(twin: int) -> None:
        for e in twins.open(twin):
            twins.escalations.acknowledge(twins.elsewhere, e.id, e.version)
        twins.send(twin, "A2", 20, alarm=True)

    twins.step(acknowledge_then_alarm)

    def strike_out_then_normal(twin: int) -> None:
        for minutes in (25, 20):
            struck = twins.set_taken(twin, minutes)
            recording.mark_entered_in_error(
                twins.elsewhere, "observation", struck, "Probe on the wrong bed"
            )
        twins.send(twin, "N2", 15)

    twins.step(strike_out_then_normal)

    def correct_then_normal(twin: int) -> None:
        recording.record_observation(
            twins.elsewhere,
            twins.stays[twin],
            {**NORMAL_SET, "spo2": 84, "pulse": 128, "respiration_rate": 26},
            taken_at=twins.at(15),
            amends_id=twins.set_taken(twin, 15),
            amend_reason="Monitor read the wrong finger",
        )
        twins.send(twin, "N3", 10)

    twins.step(correct_then_normal)
    assert twins.raised(0)
