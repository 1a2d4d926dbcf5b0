"""The bedside-monitor feed: an MLLP listener that stores ORU^R01 vitals and answers with ACKs.

MLLP frames a message as ``0x0B message 0x1C 0x0D``. Each connection may send many messages,
one at a time; each gets its ACK on the same connection. Bytes outside a frame are discarded;
a frame larger than ``MAX_MESSAGE_BYTES`` is answered with AR and the connection is closed.
Every message is handled inside a catch-all: whatever arrives, the sender gets an ACK and the
listener keeps running. Messages are written as the system account from this station, so a
retransmitted message (same MSH-10) is stored once.

Many monitors send at once. Their messages go to ONE writer thread, which writes whatever has
arrived since its last commit as one transaction (each message in a savepoint, so one refused
message leaves the others) and only then answers each connection: an ACK always means
committed, a busy ward costs one commit per group instead of one per message, and the feed's
own connections never compete for the database's write lock. A patient's clinical rules run
with the group that brings their sets, or — when they ran less than ``RULES_WINDOW_S`` ago —
once when that window ends, for everything that came meanwhile; each pass reads only the entries
that changed since the last (``store.entry_windows``). A database that stays busy (another
station writing, SQLite's single writer) is waited for, up to ``BUSY_WAIT_S``, before AE.

Only ORU^R01 is accepted, with the segments of its structure (``hl7_oru.ORU_R01_SEGMENTS``) and
at most ``MAX_SETS_PER_MESSAGE`` sets; a crafted time is answered AE naming the field. At most
``MAX_CONNECTIONS`` monitors are served at once, and listening beyond this computer needs an
allow-list of the monitors' addresses. A patient the feed may not write for — unknown,
discharged or not on the ward — gets one and the same AE, which does not echo the identifier.

Logs name message control IDs and outcomes, never patient identifiers or values.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import queue
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from wardconsole.interop.hl7_oru import (
    Header,
    MessageRejected,
    build_ack,
    decode,
    header_of,
    parse_oru,
)
from wardconsole.services.context import Actor, ServiceError
from wardconsole.services.db import Database
from wardconsole.services.importing import (
    ImportBatch,
    ImportReport,
    ImportService,
    UnknownPatient,
)

log = logging.getLogger(__name__)

START, END = b"\x0b", b"\x1c\x0d"
MAX_MESSAGE_BYTES = 1024 * 1024
IDLE_TIMEOUT_S = 300.0
DEFAULT_PORT = 2575
"""The port IANA registers for HL7 over MLLP; configurable with ``--port``."""
MAX_CONNECTIONS = 32
"""Monitors connected at once at most (a ward of 20 beds with room to spare); a connection
beyond it is closed at once, before anything is read. ``--max-connections`` changes it."""
LISTEN_BACKLOG = 64
"""Connections the operating system queues while the listener accepts (a ward's monitors
reconnecting together after a network break)."""
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_GROUP = 200
"""Messages written in one transaction at most (a group's commit is one disk flush)."""
BUSY_WAIT_S = 20.0
"""How long a group waits for a busy or locked database before its messages get AE."""
RULES_WINDOW_S = 0.2
"""A patient's clinical rules run at most once per this window for the feed (see
``GroupWriter``): an alarm from monitor values comes at most this much later, while twenty
monitors sending flat out no longer cost one rules pass per message."""


def frame(message: str | bytes) -> bytes:
    data = message.encode("utf-8") if isinstance(message, str) else message
    return START + data + END


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What happened to one message (for the ACK, the log and the tests)."""

    code: str  # AA | AE | AR
    text: str
    """For the sending monitor's ACK; it may name the patient, so it is never logged."""
    control_id: str
    report: ImportReport | None = None

    @property
    def log_text(self) -> str:
        """What the log and the terminal may say: counts and codes, no patient text."""
        if self.report is not None:
            return f"{self.report.sets_added} vital-sign sets stored"
        return {"AR": "rejected: not a usable ORU^R01"}.get(self.code, "nothing stored")


@dataclass(eq=False)
class _Waiting:
    batch: ImportBatch
    done: threading.Event = field(default_factory=threading.Event)
    result: ImportReport | BaseException | None = None


class GroupWriter:
    """The feed's one writer: each connection hands over its parsed message and waits; the
    writer commits everything waiting as one transaction, then wakes each with its result.

    The rules window: when the clinical rules have not run for ``rules_window``, a group's
    patients are ruled in the group's own transaction (a monitor sending a set a minute, or
    the first message after a quiet spell: the alarm commits with the set). Otherwise the
    group only stores and acknowledges, and one rules pass for every patient whose sets came
    meanwhile runs when the window ends. Twenty monitors sending flat out thus cost one rules
    pass per patient per window, not per message, and no alarm comes later than the window
    plus the group being written when it ends."""

    def __init__(
        self,
        service: ImportService,
        actor: Actor,
        max_group: int = MAX_GROUP,
        rules_window: float = RULES_WINDOW_S,
    ) -> None:
        self._service = service
        self._actor = actor
        self._max_group = max_group
        self._rules_window = rules_window
        self._queue: queue.Queue[_Waiting | None] = queue.Queue()
        self._ruled_at = -float("inf")
        """When the rules last ran (monotonic), in a group or in a pass."""
        self._waiting_rules: set[int] = set()
        """Stays whose sets were stored since the rules last ran for them."""
        self._thread = threading.Thread(target=self._run, name="wardconsole-mllp-writer")
        self._thread.daemon = True
        self._thread.start()
        self.groups = 0
        """Transactions committed (for the bench and the tests)."""
        self.rules_passes = 0
        """Rules passes run when a window ended (for the bench and the tests)."""

    def write(self, batch: ImportBatch) -> ImportReport:
        """Store ``batch`` with the next group; return once committed (or raise its error)."""
        waiting = _Waiting(batch)
        self._queue.put(waiting)
        waiting.done.wait()
        if isinstance(waiting.result, BaseException):
            raise waiting.result
        assert waiting.result is not None
        return waiting.result

    def stop(self) -> None:
        """Write what is queued, run the rules still waiting for their window, and end."""
        self._queue.put(None)
        self._thread.join(timeout=BUSY_WAIT_S + 5)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._until_rules_due())
            except queue.Empty:
                self._rules_pass()
                continue
            if first is None:
                self._rules_pass()
                return
            group = [first]
            while len(group) < self._max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(more)
            self._write(group)
            if self._until_rules_due() == 0:
                self._rules_pass()

    def _until_rules_due(self) -> float | None:
        if not self._waiting_rules:
            return None
        return max(0.0, self._ruled_at + self._rules_window - time.monotonic())

    def _write(self, group: list[_Waiting]) -> None:
        deadline = time.monotonic() + BUSY_WAIT_S
        delay = 0.05
        while True:
            started = time.monotonic()
            rules_now = started - self._ruled_at >= self._rules_window
            try:
                results = self._service.import_batches(
                    self._actor, [w.batch for w in group], rules_now=rules_now
                )
            except OperationalError as exc:
                if time.monotonic() + delay < deadline:
                    log.info("Monitor feed: database busy, waiting (%s)", type(exc).__name__)
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                self._finish(group, exc)
                return
            except BaseException as exc:  # a bug fails this group's messages, not the feed
                self._finish(group, exc)
                return
            self.groups += 1
            if rules_now:
                self._ruled_at = started
            for waiting, result in zip(group, results, strict=True):
                waiting.result = result
                waiting.done.set()
                if not rules_now and isinstance(result, ImportReport):
                    self._waiting_rules.update(result.admission_ids)
            return

    def _rules_pass(self) -> None:
        """The rules of every stay whose sets came since they last ran."""
        if not self._waiting_rules:
            return
        started = time.monotonic()
        try:
            self._service.run_rules(self._actor, set(self._waiting_rules))
        except Exception:  # tried again after a window; every station's ward tick runs them too
            log.warning("Monitor feed: the rules pass failed; trying again", exc_info=True)
            self._ruled_at = started
            return
        self.rules_passes += 1
        self._ruled_at = started
        self._waiting_rules.clear()

    @staticmethod
    def _finish(group: list[_Waiting], error: BaseException) -> None:
        for waiting in group:
            waiting.result = error
            waiting.done.set()


class MessageHandler:
    """Turns one raw message into its outcome and ACK; never raises.

    With a ``GroupWriter`` the message is committed with whatever else arrived meanwhile;
    without one, in a transaction of its own."""

    def __init__(self, db: Database, actor: Actor, writer: GroupWriter | None = None) -> None:
        self._service = ImportService(db)
        self._actor = actor
        self._writer = writer

    def handle(self, raw: bytes) -> tuple[FeedOutcome, bytes]:
        text = decode(raw)
        header = header_of(text)
        error = "207^Application internal error"
        try:
            outcome = self._process(text, header)
        except MessageRejected as exc:
            outcome = FeedOutcome(exc.ack_code, str(exc), header.control_id)
            error = exc.error
        except UnknownPatient as exc:
            outcome = FeedOutcome("AE", str(exc), header.control_id)
            error = "204^Unknown key identifier"
        except ServiceError as exc:
            outcome = FeedOutcome("AE", str(exc), header.control_id)
        except SQLAlchemyError:
            log.warning(
                "Monitor message %s: database unavailable", header.control_id, exc_info=True
            )
            outcome = FeedOutcome("AE", "database unavailable; resend later", header.control_id)
        except Exception:  # a bug must cost one message, never the listener
            log.exception("Monitor message %s: unexpected error", header.control_id)
            outcome = FeedOutcome(
                "AE", "internal error; the message was not stored", header.control_id
            )
        ack = build_ack(
            header, outcome.code, outcome.text, station=self._actor.station, error=error
        )
        log.info(
            "Monitor message %s: %s %s",
            outcome.control_id or "(no id)",
            outcome.code,
            outcome.log_text,
        )
        return outcome, ack.encode("utf-8")

    def _process(self, text: str, header: Header) -> FeedOutcome:
        batch = parse_oru(text)
        if self._writer is not None:
            report = self._writer.write(batch)
        else:
            report = self._service.import_batch(self._actor, batch)
        if report.sets_added == 0 and report.already_present:
            return FeedOutcome("AA", "already stored (retransmission)", header.control_id, report)
        if report.sets_added == 0:
            reasons = "; ".join(f"{n} {r}" for r, n in sorted(report.skipped.items()))
            return FeedOutcome(
                "AE",
                f"no vital signs stored ({reasons or 'no OBX values'})",
                header.control_id,
                report,
            )
        return FeedOutcome("AA", report.summary(), header.control_id, report)


class _Connection(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(self.server.idle_timeout)
        buffer = b""
        while not self.server.stopping.is_set():
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, OSError):
                return
            if not chunk:
                return
            buffer += chunk
            while True:
                start = buffer.find(START)
                if start < 0:
                    buffer = b""  # noise outside any frame
                    break
                buffer = buffer[start:]
                end = buffer.find(END)
                if end < 0:
                    if len(buffer) > MAX_MESSAGE_BYTES:
                        self._reply(
                            build_ack(
                                Header(),
                                "AR",
                                "message too large",
                                station=self.server.handler_station,
                                error="207^Application internal error",
                            ).encode()
                        )
                        return
                    break
                message, buffer = buffer[1:end], buffer[end + len(END) :]
                outcome, ack = self.server.message_handler.handle(message)
                self.server.on_outcome(outcome)
                if not self._reply(ack):
                    return

    def _reply(self, ack: bytes) -> bool:
        try:
            self.request.sendall(frame(ack))
            return True
        except OSError:
            return False


class SenderAllowList:
    """The monitors' addresses (or networks) allowed to connect; empty allows any sender,
    which is accepted only when listening on this computer alone."""

    def __init__(self, entries: Collection[str] = ()) -> None:
        try:
            self.networks = tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries)
        except ValueError as exc:
            raise ValueError(f"--allow: {exc}") from None

    def __bool__(self) -> bool:
        return bool(self.networks)

    def allows(self, host: str) -> bool:
        if not self.networks:
            return True
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        handler: MessageHandler,
        station: str,
        on_outcome: Callable[[FeedOutcome], None],
        idle_timeout: float,
        max_connections: int,
        senders: SenderAllowList,
    ) -> None:
        self.message_handler = handler
        self.handler_station = station
        self.on_outcome = on_outcome
        self.idle_timeout = idle_timeout
        self.stopping = threading.Event()
        self.max_connections = max_connections
        self.senders = senders
        self.active = 0
        self.refused = 0
        """Connections closed unread: over the cap or from an address not allowed."""
        self._count = threading.Lock()
        super().__init__(address, _Connection)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Admit a connection only from an allowed address and below the cap (runs on the
        accepting thread, before a thread is started for it)."""
        if not self.senders.allows(str(client_address[0])):
            log.warning("Monitor feed: a connection from an address not allowed was closed")
            with self._count:
                self.refused += 1
            return False
        with self._count:
            if self.active >= self.max_connections:
                self.refused += 1
                log.warning(
                    "Monitor feed: %d monitors connected already; a connection was closed",
                    self.active,
                )
                return False
            self.active += 1
        return True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._count:
                self.active -= 1


class MonitorFeed:
    """The listener. ``start()`` serves on a background thread; ``serve_forever()`` blocks.

    Listening beyond this computer (any ``host`` other than loopback) needs ``allowed_senders``,
    the monitors' addresses or networks; connections from elsewhere are closed unread. At most
    ``max_connections`` monitors are served at once."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        on_outcome: Callable[[FeedOutcome], None] | None = None,
        idle_timeout: float = IDLE_TIMEOUT_S,
        grouped: bool = True,
        allowed_senders: Collection[str] = (),
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        senders = SenderAllowList(allowed_senders)
        if host not in LOOPBACK and not senders:
            raise ValueError(
                f"listening on {host} lets any computer on the network send vitals; "
                "name the monitors' addresses with --allow"
            )
        if max_connections < 1:
            raise ValueError("--max-connections must be at least 1")
        self.writer = (
            GroupWriter(ImportService(db, carry_rules_state=True), actor) if grouped else None
        )
        try:
            self._server = _Server(
                (host, port),
                MessageHandler(db, actor, self.writer),
                actor.station,
                on_outcome or (lambda outcome: None),
                idle_timeout,
                max_connections,
                senders,
            )
        except OSError:
            if self.writer is not None:
                self.writer.stop()
            raise
        self._thread: threading.Thread | None = None

    @property
    def connections(self) -> tuple[int, int]:
        """Monitors connected now, and connections closed unread so far."""
        return self._server.active, self._server.refused

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, name="wardconsole-mllp", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; connections in progress end at their next read."""
        self._server.stopping.set()
        if self._thread is not None:
            self._server.shutdown()  # waits for serve_forever, so only when it runs
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.writer is not None:
            self.writer.stop()

    def __enter__(self) -> MonitorFeed:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.stop()
