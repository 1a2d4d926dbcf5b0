"""Garbage collection on the UI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed — often the database worker. If the garbage holds Qt objects, they are then destroyed
on that thread, which crashes Qt. The console therefore turns automatic collection off and
collects from a timer on the UI thread (the approach qutebrowser takes).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class UiThreadGarbageCollector(QObject):
    """Collects young objects often and everything now and then, always on the UI thread."""

    YOUNG_INTERVAL_MS = 1000
    FULL_EVERY = 30
    """A full collection every this many young ones (about every half minute)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(self.YOUNG_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timeout)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()

    def _on_timeout(self) -> None:
        self._ticks += 1
        gc.collect(2 if self._ticks % self.FULL_EVERY == 0 else 0)
