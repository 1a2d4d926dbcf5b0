"""How a station makes an escalation heard: the alert sound, its time-limited mute, and the
announcer that decides (on the ward clock) when an alarm sounds again or cascades.

Sound is optional hardware: a nursing-station PC may have no speakers, and QtMultimedia (from
``PySide6-Addons``) needs a system audio library (``libpulse0`` on Linux). ``open_alert_sound``
therefore never fails: it returns a ``SilentAlertSound`` that says why ("sound unavailable at
this station: …"), and the console shows that instead of pretending an alarm was heard.
QtMultimedia is imported only there, so nothing else (tests included) meets its start-up
warnings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot

from wardconsole.domain.alerting import AlarmFacts, AlarmMemory, Announcement
from wardconsole.domain.policy import EscalationPolicy
from wardconsole.domain.records import Severity

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

SOUND_FILES = {
    Severity.EMERGENCY: "alert-emergency.wav",
    Severity.URGENT: "alert-urgent.wav",
    Severity.ADVISORY: "alert-advisory.wav",
}
UNAVAILABLE = "Sound unavailable at this station"


class AlertSound(QObject):
    """The interface the console plays alarms through; tests substitute a recording one."""

    availability_changed = Signal()
    """``available`` or ``status_text`` changed (e.g. the audio device failed)."""

    @property
    def available(self) -> bool:
        raise NotImplementedError

    @property
    def status_text(self) -> str:
        """One line for the screen: 'Sound on' or why there is none."""
        raise NotImplementedError

    def play(self, severity: Severity) -> None:
        raise NotImplementedError


class SilentAlertSound(AlertSound):
    """No sound can be played here; ``reason`` says why, for the station's display."""

    def __init__(self, reason: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reason = reason

    @property
    def available(self) -> bool:
        return False

    @property
    def status_text(self) -> str:
        return f"{UNAVAILABLE}: {self._reason}"

    def play(self, severity: Severity) -> None:
        log.info("Alarm (%s) not sounded: %s", severity.label, self._reason)


class QtAlertSound(AlertSound):
    """QSoundEffect per severity; falls silent (and says so) if the device reports an error."""

    def __init__(self, effects: dict[Severity, QObject], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._effects = effects
        self._failure: str | None = None
        for effect in effects.values():
            effect.setParent(self)
            effect.statusChanged.connect(self._on_status_changed)  # type: ignore[attr-defined]

    @property
    def available(self) -> bool:
        return self._failure is None

    @property
    def status_text(self) -> str:
        return "Sound on" if self._failure is None else f"{UNAVAILABLE}: {self._failure}"

    def play(self, severity: Severity) -> None:
        if self._failure is None:
            self._effects[severity].play()  # type: ignore[attr-defined]

    @property
    def playing(self) -> bool:
        """True while an alert is sounding (a test waits for the sound to end)."""
        return any(e.isPlaying() for e in self._effects.values())  # type: ignore[attr-defined]

    @Slot()
    def _on_status_changed(self) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        if self._failure is None and any(
            e.status() == QSoundEffect.Status.Error  # type: ignore[attr-defined]
            for e in self._effects.values()
        ):
            self._failure = "the audio device reported an error"
            self.availability_changed.emit()


_sound_files = ExitStack()


def _sound_path(name: str) -> Path:
    """A real file path for a bundled sound (extracted once if the package is zipped)."""
    resource = resources.files("wardconsole.resources").joinpath("sounds", name)
    return _sound_files.enter_context(resources.as_file(resource))


def open_alert_sound() -> AlertSound:
    """The best alert sound this station can play, or a silent one that says why."""
    try:
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
    except ImportError as exc:
        return SilentAlertSound(f"audio library missing ({exc})")
    outputs = QMediaDevices.audioOutputs()
    if not outputs:
        return SilentAlertSound("no audio output device")
    effects: dict[Severity, QObject] = {}
    for severity, name in SOUND_FILES.items():
        effect = QSoundEffect()
        effect.setAudioDevice(QMediaDevices.defaultAudioOutput())
        effect.setSource(QUrl.fromLocalFile(str(_sound_path(name))))
        effect.setVolume(1.0)
        effects[severity] = effect
    return QtAlertSound(effects)


class SoundMute(QObject):
    """A station's alert-sound mute: always for a limited time, never permanent.

    Banner and status show the countdown (``status_text``); when it runs out the sound is back
    on by itself. Measured on the ward clock, so a test can run it forward.
    """

    mute_changed = Signal()
    """Muted, unmuted, or the countdown moved on (about once a second while muted)."""

    def __init__(self, clock: Clock, limit: timedelta, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._limit = limit
        self._until: datetime | None = None
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._on_countdown)

    @property
    def limit(self) -> timedelta:
        return self._limit

    @property
    def muted(self) -> bool:
        return self.remaining() > timedelta(0)

    def remaining(self) -> timedelta:
        if self._until is None:
            return timedelta(0)
        return max(timedelta(0), self._until - self._clock())

    def mute(self) -> None:
        """Mute for the policy's limit (again from now if already muted)."""
        self._until = self._clock() + self._limit
        self._countdown.start()
        self.mute_changed.emit()

    def unmute(self) -> None:
        self._until = None
        self._countdown.stop()
        self.mute_changed.emit()

    def status_text(self) -> str:
        left = self.remaining()
        seconds = int(left.total_seconds())
        return f"Sound muted — {seconds // 60}:{seconds % 60:02d} left" if seconds else ""

    @Slot()
    def _on_countdown(self) -> None:
        if not self.muted:
            self._until = None
            self._countdown.stop()
        self.mute_changed.emit()

    def stop(self) -> None:
        self._countdown.stop()


class Announcer(QObject):
    """Decides which alarms this station sounds now, sounds them, and reports them.

    ``set_alarms`` gives it the ward's open escalations (after each board read); ``tick`` runs it
    again on the clock. Each pass plays the most severe due alarm once (unless muted) and emits
    ``announced`` with everything due, for the banner and for writing down (and cascading).
    """

    announced = Signal(list)
    """``list[Announcement]`` made just now, most severe first (never empty)."""

    def __init__(
        self,
        policy: EscalationPolicy,
        clock: Clock,
        sound: AlertSound,
        mute: SoundMute,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._policy = policy
        self._clock = clock
        self._sound = sound
        self._mute = mute
        self._memory = AlarmMemory()
        self._alarms: tuple[AlarmFacts, ...] = ()

    def set_alarms(self, alarms: Sequence[AlarmFacts]) -> None:
        self._alarms = tuple(alarms)
        self.tick()

    def tick(self) -> list[Announcement]:
        due = self._memory.plan(self._alarms, self._clock(), self._policy)
        if due:
            if not self._mute.muted:
                self._sound.play(max(a.severity for a in due))
            self.announced.emit(due)
        return due
