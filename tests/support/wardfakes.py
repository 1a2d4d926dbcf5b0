"""Small test doubles shared by the service, UI and bench tests."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """A settable clock so due times and look-back windows are deterministic."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


NORMAL_SET = {
    "respiration_rate": 15,
    "spo2": 97,
    "spo2_scale": 1,
    "on_oxygen": False,
    "systolic_bp": 122,
    "diastolic_bp": 76,
    "pulse": 72,
    "consciousness": "A",
    "temperature": 36.8,
}
