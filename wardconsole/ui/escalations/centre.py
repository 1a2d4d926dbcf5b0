"""The station's escalation controller (``EscalationController``, a ``ui.controller.Controller``):
reads the ward's open escalations, runs the nurse's actions, sounds and cascades alarms, and runs
the time-driven ward rules.

All database work goes through the main window's ``TaskRunner`` (one background worker) as
calls on the ``EscalationService``; who is acting is read on the UI thread when the nurse acts,
and results come back on the UI thread. The board is re-read as soon as another station writes
(the change feed; a read still waiting is replaced, so a burst costs one), after this station's
own actions, and every ``BOARD_REFRESH_MS`` as a safety net.
Every ``TICK_MS`` ages move on and the announcer checks what is due; every ``WARD_TICK_MS`` the
ward rules run so an overdue observation raises its escalation without anyone saving anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction

from wardconsole.domain.alerting import Announcement, cascade_target
from wardconsole.domain.changes import Change, may_change_escalations
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import EscalationInfo, EscalationState
from wardconsole.services.context import (
    Actor,
    ConflictError,
    InvalidInput,
    Permission,
    ServiceError,
)
from wardconsole.services.escalations import (
    EscalationBoard,
    EscalationChange,
    EscalationEvent,
    EscalationService,
    WardChecks,
)
from wardconsole.services.governance import PolicyMismatch, PolicyStatus
from wardconsole.services.sign_in import SignedIn, SignInPurpose
from wardconsole.ui import formatting as fmt
from wardconsole.ui.access.session import may
from wardconsole.ui.escalations.alerts import AlertSound, Announcer, SoundMute
from wardconsole.ui.escalations.escalation_model import EscalationTrailModel, WardEscalationModel
from wardconsole.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

SignInCall = Callable[[str, str, SignInPurpose, Actor | None], SignedIn]
"""``AccessContext.sign_in``: staff ID, password, purpose, who asks."""

TICK_MS = 5_000
BOARD_REFRESH_MS = 30_000
WARD_TICK_MS = 60_000


@dataclass(frozen=True, slots=True)
class RingingAlarm:
    """An open, unacknowledged, unsnoozed escalation, as the banner shows it."""

    escalation: EscalationInfo
    responder: str | None
    """Who it has cascaded to, e.g. 'On-call doctor'; None before any cascade."""


@dataclass(frozen=True, slots=True)
class BannerState:
    """Everything the alarm banner shows."""

    alarms: tuple[RingingAlarm, ...]
    """Open, unacknowledged, unsnoozed escalations, most severe then oldest first."""
    now: datetime
    sound: str
    """'' when the sound is on; otherwise 'Sound muted — 4:12 left' or why it is unavailable."""


class EscalationController(QObject):
    """See the module docstring. Owns its models, timers, mute and announcer (Qt children)."""

    board_changed = Signal(object)
    """A new ``EscalationBoard`` was read (the model already shows it)."""

    acknowledged = Signal(object)
    """This station's acknowledgement of an ``EscalationInfo`` was saved."""

    banner_changed = Signal(object)
    """A new ``BannerState``: what this station is alarming about, and its sound."""

    announced = Signal(list)
    """``list[Announcement]`` just made (sound played unless muted): flash the banner."""

    notice_changed = Signal(str, str)
    """(message, tone) for the panel: tone 'alert' (conflict, failure) or 'ok'; '' clears."""

    busy_changed = Signal(bool)
    """An action is being saved (buttons wait) or has finished."""

    policy_notice_changed = Signal(str, str)
    """(message, tone) about the local policy: 'alert' when this station's policy is not the
    ward's (no time-driven rules run here); 'soon' for unsigned policy (supervisors); '' clears."""
    ward_checks_changed = Signal(str, str)
    """(line, tone) for the status bar: when the ward checks last ran on any station, and
    whether this station's clock agrees with the server's; tone 'alert' when either is wrong."""

    def __init__(
        self,
        service: EscalationService,
        current_actor: Callable[[], Actor],
        station: str,
        runner: TaskRunner,
        sound: AlertSound,
        parent: QObject | None = None,
        *,
        sign_in: SignInCall | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._actor = current_actor
        """Who is acting: asked on the UI thread when the nurse acts."""
        self._station = station
        self._sign_in = sign_in
        """The station's sign-in, for a colleague confirming a snooze or decline (None: none)."""
        self._runner = runner
        self._sound = sound  # owned by this reference alone (no Qt parent)
        self._board: EscalationBoard | None = None
        self._selected: int | None = None
        self._busy = False
        self._shut_down = False
        policy = service.policy
        self.model = WardEscalationModel(self, cascade=policy.cascade)
        self.trail_model = EscalationTrailModel(self)
        self.mute = SoundMute(service.now, policy.max_sound_mute, self)
        self.announcer = Announcer(policy, service.now, sound, self.mute, self)

        self._tick = self._timer(TICK_MS, self._on_tick)
        self._board_timer = self._timer(BOARD_REFRESH_MS, self.refresh)
        self._ward_timer = self._timer(WARD_TICK_MS, self._on_ward_tick)
        self.announcer.announced.connect(self._on_announced)
        self.mute.mute_changed.connect(self._on_mute_changed)
        sound.availability_changed.connect(self._on_mute_changed)

    def _timer(self, interval: int, slot: Callable[[], Any]) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(interval)
        timer.timeout.connect(slot)
        return timer

    # -- state -------------------------------------------------------------------------------

    @property
    def service(self) -> EscalationService:
        return self._service

    @property
    def policy(self) -> EscalationPolicy:
        return self._service.policy

    @property
    def sound(self) -> AlertSound:
        return self._sound

    @property
    def board(self) -> EscalationBoard | None:
        return self._board

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def ticking(self) -> bool:
        """The alarm announcer and the time-driven ward rules are running."""
        return self._tick.isActive() and self._ward_timer.isActive()

    @property
    def selected_id(self) -> int | None:
        return self._selected

    def now(self) -> datetime:
        return self._service.now()

    def banner_state(self) -> BannerState:
        """What this station is alarming about now, and whether it can be heard."""
        now = self.now()
        policy = self._service.policy
        escalations = self._board.escalations if self._board is not None else ()
        alarms = tuple(
            RingingAlarm(e, cascade_target(policy, e.cascade_level))
            for e in escalations
            if e.state is EscalationState.OPEN
            and (e.snoozed_until is None or e.snoozed_until <= now)
        )
        sound = self.mute.status_text() if self._sound.available else self._sound.status_text
        return BannerState(alarms, now, sound)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._shut_down:
            return
        for timer in (self._tick, self._board_timer, self._ward_timer):
            timer.start()
        self.refresh()
        self.evaluate_ward()
        self.check_policy()

    @Slot()
    def _on_ward_tick(self) -> None:
        self.evaluate_ward()
        self.check_policy()

    def check_policy(self) -> None:
        """Read this station's policy against the ward's in the background and say so."""
        if self._shut_down:
            return
        service, supervisor = self._service, may(self._actor, Permission.MANAGE_STAFF)
        self._runner.run(
            self,
            lambda: (service.policy_status(), supervisor),
            on_success=self._on_policy_status,
            on_failure=lambda e: log.warning("Policy status failed: %s", e),
            key="policy-status",
        )

    @Slot(object)
    def on_actor_changed(self, _actor: object) -> None:
        """Another member of staff signed in: what the panel says for her role (the unsigned
        policy notice is for supervisors) is read again now, not at the next ward tick."""
        self.check_policy()

    def _on_policy_status(self, answer: tuple[PolicyStatus, bool]) -> None:
        status, supervisor = answer
        if not status.matches:
            self.policy_notice_changed.emit(status.mismatch_message, "alert")
        elif status.unsigned and supervisor:
            self.policy_notice_changed.emit(status.unsigned_message, "soon")
        else:
            self.policy_notice_changed.emit("", "")

    def shutdown(self) -> None:
        self._shut_down = True
        for timer in (self._tick, self._board_timer, self._ward_timer):
            timer.stop()
        self.mute.stop()

    # -- reading -----------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Re-read the board (and the selected trail) in the background."""
        if self._shut_down:
            return
        self._runner.run(
            self,
            self._service.board,
            on_success=self._on_board_loaded,
            on_failure=self._on_board_failed,
            key="escalation-board",
        )
        self._load_trail()
        self.load_ward_checks()

    def load_ward_checks(self) -> None:
        """Read when the ward checks last ran (any station) in the background."""
        if self._shut_down:
            return
        self._runner.run(
            self,
            self._service.ward_checks,
            on_success=lambda status: self.ward_checks_changed.emit(*ward_checks_line(status)),
            on_failure=lambda e: log.warning("Ward checks status failed: %s", type(e).__name__),
            key="ward-checks",
        )

    def actions(self) -> list[QAction]:
        """None in the menus: the nurse acts on escalations from the panel and the banner."""
        return []

    @Slot(list)
    def on_changes(self, changes: list[Change]) -> None:
        """Another station (or this one) wrote something that may change the open escalations:
        re-read now (alarms cannot wait). Other writes leave the board as it is."""
        if may_change_escalations(changes):
            self.refresh()

    def select_escalation(self, escalation_id: int | None) -> None:
        """Show this escalation's trail (the panel's selection)."""
        if escalation_id == self._selected:
            return
        self._selected = escalation_id
        if escalation_id is None:
            self.trail_model.set_trail(None, ())
        self._load_trail()

    def _load_trail(self) -> None:
        escalation_id = self._selected
        if escalation_id is None or self._shut_down:
            return

        def loaded(events: list[EscalationEvent]) -> None:
            if escalation_id == self._selected:
                self.trail_model.set_trail(escalation_id, events)

        service = self._service
        self._runner.run(
            self,
            lambda: service.trail(escalation_id),
            on_success=loaded,
            on_failure=self._on_board_failed,
            key="escalation-trail",
        )

    def _on_board_loaded(self, board: EscalationBoard) -> None:
        if self._shut_down:
            return
        self._board = board
        self.model.set_escalations(board.escalations, self.now())
        self.board_changed.emit(board)
        self.announcer.set_alarms(board.escalations)
        self.banner_changed.emit(self.banner_state())

    def _on_board_failed(self, error: BaseException) -> None:
        log.warning("Reading escalations failed: %s", type(error).__name__)
        when = fmt.local_time_text(self._board.taken_at) if self._board else None
        shown = f"; showing what was read at {when}" if when else ""
        self.notice_changed.emit(
            f"Escalations could not be read ({_one_line(error)}){shown}.", "alert"
        )

    # -- clocks ------------------------------------------------------------------------------

    @Slot()
    def _on_tick(self) -> None:
        self.model.set_now(self.now())
        self.announcer.tick()
        self.banner_changed.emit(self.banner_state())

    @Slot()
    def evaluate_ward(self) -> None:
        """Run the time-driven rules (overdue observations) in the background."""
        if self._shut_down:
            return
        service, station = self._service, self._station
        self._runner.run(
            self,
            lambda: service.ward_tick(station),
            on_success=self._on_ward_evaluated,
            on_failure=self._on_ward_evaluation_failed,
            key="evaluate-ward",
        )

    def _on_ward_evaluated(self, changes: list[EscalationChange]) -> None:
        if changes:
            self.refresh()
        else:
            self.load_ward_checks()

    def _on_ward_evaluation_failed(self, error: BaseException) -> None:
        if isinstance(error, PolicyMismatch):
            self.policy_notice_changed.emit(str(error), "alert")
        else:
            log.warning("Ward rules failed: %s", type(error).__name__)
        self.load_ward_checks()  # the line turns to a warning once the checks are stale

    @Slot(list)
    def _on_announced(self, announcements: list[Announcement]) -> None:
        self.announced.emit(announcements)
        if self._shut_down:
            return

        def recorded(cascaded: list[int]) -> None:
            if cascaded:
                self.refresh()

        service, station = self._service, self._station
        self._runner.run(
            self,
            lambda: service.record_announcements(announcements, station),
            on_success=recorded,
            on_failure=lambda e: log.warning("Recording alarms failed: %s", type(e).__name__),
        )

    @Slot()
    def _on_mute_changed(self) -> None:
        self.banner_changed.emit(self.banner_state())

    # -- the nurse's actions -----------------------------------------------------------------

    def acknowledge(self, escalation: EscalationInfo) -> None:
        service, actor = self._service, self._actor()
        self._act(
            lambda: service.acknowledge(actor, escalation.id, escalation.version),
            escalation,
            "Acknowledged: you are on it",
            on_done=lambda: self.acknowledged.emit(escalation),
        )

    def record_action(self, escalation: EscalationInfo, text: str) -> None:
        service, actor = self._service, self._actor()
        self._act(
            lambda: service.record_action(actor, escalation.id, text),
            escalation,
            f"Action recorded: {text}",
        )

    def resolve(self, escalation: EscalationInfo, outcome: str) -> None:
        service, actor = self._service, self._actor()
        self._act(
            lambda: service.resolve(actor, escalation.id, escalation.version, outcome),
            escalation,
            "Resolved",
        )

    def snooze(
        self,
        escalation: EscalationInfo,
        minutes: int,
        reason: str,
        second: tuple[str, str] | None = None,
    ) -> None:
        """``second``: a colleague's staff ID and password, checked on the worker first."""
        service, actor, confirm = self._service, self._actor(), self._confirmer(second)

        def work() -> None:
            confirmer = confirm() if confirm is not None else None
            service.snooze(
                actor, escalation.id, escalation.version, minutes, reason, confirmed_by=confirmer
            )

        self._act(
            work,
            escalation,
            f"Snoozed for {minutes} min; the alarm returns after that"
            + (" (confirmed by a second member of staff)" if second else ""),
        )

    def decline(
        self, escalation: EscalationInfo, reason: str, second: tuple[str, str] | None = None
    ) -> None:
        service, actor, confirm = self._service, self._actor(), self._confirmer(second)

        def work() -> None:
            confirmer = confirm() if confirm is not None else None
            service.decline(
                actor, escalation.id, escalation.version, reason, confirmed_by=confirmer
            )

        self._act(
            work,
            escalation,
            "Closed without escalating; your reason is logged"
            + (" with the second member of staff" if second else ""),
        )

    def _confirmer(self, second: tuple[str, str] | None) -> Callable[[], Actor] | None:
        """The colleague's sign-in (run on the worker), or None when no second person was
        asked for. A colleague confirms at this station; the station stays as it was."""
        if second is None:
            return None
        sign_in, first, (code, password) = self._sign_in, self._actor(), second

        def confirm() -> Actor:
            if sign_in is None:
                raise ServiceError("a second member of staff cannot sign in at this station")
            return sign_in(code, password, SignInPurpose.CONFIRM, first).actor

        return confirm

    def _act(
        self,
        work: Callable[[], None],
        escalation: EscalationInfo,
        done: str,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        if self._busy or self._shut_down:
            return
        self._set_busy(True)
        what = f"{escalation.kind.label}, {escalation.where[:1].lower()}{escalation.where[1:]}"

        def succeeded(_result: object) -> None:
            self._set_busy(False)
            self.notice_changed.emit(f"{done} ({what}).", "ok")
            if on_done is not None:
                on_done()
            self.refresh()

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            self.notice_changed.emit(_failure_text(error, what), "alert")
            self.refresh()

        self._runner.run(self, work, on_success=succeeded, on_failure=failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_changed.emit(busy)


def _failure_text(error: BaseException, what: str) -> str:
    if isinstance(error, ConflictError):
        return f"{_sentence(str(error))} ({what}). The list has been refreshed."
    if isinstance(error, InvalidInput):
        problems = "; ".join(f"{field}: {msg}" for field, msg in error.problems.items())
        return f"Not saved ({what}): {problems}."
    if isinstance(error, ServiceError):
        return f"Not saved ({what}): {error}."
    return (
        f"Not saved ({what}): the database did not answer ({_one_line(error)}). "
        "Nothing was changed; try again."
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:160] if lines else type(error).__name__


def ward_checks_line(status: WardChecks) -> tuple[str, str]:
    """The status-bar line: "Ward checks last ran at 02:41", a warning when they are stale
    (policy minutes) or never ran, and one when this station's clock is off the server's."""
    if status.last_ran_at is None:
        text = "Ward checks have never run: overdue alarms are not being raised"
    else:
        text = f"Ward checks last ran at {fmt.local_time_text(status.last_ran_at)}"
        if status.stale:
            ago = fmt.duration_text(status.now - status.last_ran_at)
            text += f" ({status.station}), {ago} ago: overdue alarms are not being raised"
    tone = "alert" if status.stale else ""
    if status.clock_off and status.clock_skew is not None:
        way = "fast" if status.clock_skew > timedelta(0) else "slow"
        off = abs(status.clock_skew)
        size = (
            f"{int(off.total_seconds())} s"
            if off < timedelta(minutes=2)
            else fmt.duration_text(off)
        )
        text += f" · this computer's clock is {size} {way}; times come from the server"
        tone = "alert"
    return text, tone
