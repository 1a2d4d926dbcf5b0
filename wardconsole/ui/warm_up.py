"""Load the census window's modules while the sign-in screen waits for the nurse.

Signing in used to start by importing the main window and everything it shows (about a third
of a second on these PCs) before the census could be drawn. The sign-in screen sits idle for
seconds while a nurse types, so those imports are done then, one module per turn of the event
loop (each a few tens of milliseconds, keystrokes are queued meanwhile and none is lost). It
starts once the station's services have loaded on the worker (``app.py``), so the two never
wait on each other's imports.
Printing, PDF, FHIR, HL7, charts and dialogs stay lazy (``self_test.LAZY_MODULES``): they are
not needed for the census and would only cost memory.
"""

from __future__ import annotations

import importlib
import linecache
import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

MAIN_WINDOW_MODULES: tuple[str, ...] = (
    "PySide6.QtMultimedia",  # the alarm sound, opened by the main window before the census
    "wardconsole.services.admissions",
    "wardconsole.services.discharge",
    "wardconsole.ui.access.controller",
    "wardconsole.ui.admissions.controller",
    "wardconsole.ui.bedside.controller",
    "wardconsole.ui.checks.controller",
    "wardconsole.services.handoff_facts",
    "wardconsole.services.handoff",
    "wardconsole.ui.handoff.context",
    "wardconsole.ui.context",
    "wardconsole.ui.escalations.centre",
    "wardconsole.ui.escalations.alert_banner",
    "wardconsole.ui.escalations.acknowledge_key",
    "wardconsole.ui.main_window",
)
"""Leaf first, so that each step imports a small part of the tree; the main window last.
A test checks that importing the main window loads every one of them (none is extra)."""


def forget_module_sources() -> None:
    """Drop the source text Qt for Python has put in Python's line cache: it reads the whole
    source of every module imported after PySide6 (looking for its feature switches), and the
    services and the census window's modules, all imported after the sign-in screen is up,
    left about 20 MB there that nothing reads again (a traceback reads its lines anew)."""
    linecache.clearcache()


class WarmUp(QObject):
    """Imports ``modules`` one per event-loop turn; ``finished`` once all are in."""

    finished = Signal()

    def __init__(
        self, parent: QObject | None = None, modules: tuple[str, ...] = MAIN_WINDOW_MODULES
    ) -> None:
        super().__init__(parent)
        self._pending = list(modules)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)
        self._started = 0.0
        self.elapsed_ms = 0.0
        """Time from ``start`` to the last import (what the nurse would otherwise wait)."""

    @property
    def done(self) -> bool:
        return not self._pending

    def start(self, after_ms: int = 0) -> None:
        """Begin after ``after_ms`` (the sign-in screen paints and takes focus first)."""
        self._started = time.perf_counter()
        forget_module_sources()  # what was imported before (the services, on the worker)
        self._timer.start(after_ms)

    def _step(self) -> None:
        name = self._pending.pop(0)
        try:
            importlib.import_module(name)
        except Exception:
            # Signing in imports the main window anyway and reports the failure there.
            log.exception("Could not load %s ahead of sign-in", name)
            self._pending.clear()
        if self._pending:
            self._timer.start(0)
            return
        forget_module_sources()
        self.elapsed_ms = (time.perf_counter() - self._started) * 1000
        self.finished.emit()
