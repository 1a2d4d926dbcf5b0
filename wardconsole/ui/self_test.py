"""``wardconsole --self-test``: start as a nurse would, load every lazily loaded module, close.

The console imports only what its first screens need; printing, PDF, FHIR, HL7 and the chart
and dialog modules load on first use. A module the freezer left out would then fail a nurse's
first print, so the self-test imports each of them (``LAZY_MODULES``) and fails if one is
missing. On a demo ward it signs in a demo nurse through the sign-in form (the demo password is
documented) and waits for the census to be painted with its rows; otherwise it shows the
sign-in screen and closes it.

Each step prints one JSON line on stdout, ``{"self_test": step, "at": epoch seconds, ...}``:
``signin_ready`` (the form accepts typing), ``warmed_up`` (the census window's modules loaded
meanwhile, ``ui/warm_up.py``; the self-test types after it, as a nurse is still typing then),
``submitted``, ``accepted``, ``census_painted``
(with peak RSS, whether the alarm sound and the ward tick were ready, and which lazily loaded
modules were loaded all the same), ``lazy_modules``, ``closing``. ``bench/startup.py`` times
the launch from them, for the source and for the frozen build alike.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from wardconsole.services.context import Role
from wardconsole.ui.access.session import AccessContext
from wardconsole.ui.warm_up import WarmUp

LAZY_MODULES: tuple[str, ...] = (
    "matplotlib.backends.backend_pdf",
    "matplotlib.backends.backend_agg",
    "wardconsole.reports.handoff_pdf",
    "wardconsole.reports.discharge_letter",
    "wardconsole.interop.fhir_import",
    "wardconsole.interop.exporting",
    "wardconsole.interop.hl7_feed",
    "wardconsole.ui.patient.patient_window",
    "wardconsole.ui.patient.charts.patient_charts",
    "wardconsole.ui.bedside.observation_dialog",
    "wardconsole.ui.admissions.admission_dialog",
    "wardconsole.ui.admissions.discharge_dialog",
    "wardconsole.ui.patient.history_dialog",
    "wardconsole.ui.bedside.prn_dialog",
    "wardconsole.ui.handoff.editor_window",
    "PySide6.QtPrintSupport",
)
"""Modules the console loads on first use, not at start (printing, PDF, FHIR, HL7, charts and
dialogs). The self-test imports every one; a test checks none is loaded by the census.
QtMultimedia is not here: the alarm sound is opened before the census shows, and a station
without it says so instead of failing."""

POLL_MS = 2


def milestone(step: str, **extra: Any) -> None:
    """One JSON line on stdout (flushed at once: the bench reads it as it happens)."""
    print(json.dumps({"self_test": step, "at": time.time(), **extra}), flush=True)


def rss_now_mb() -> float:
    """This process's resident memory now (VmRSS; 0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ``ru_maxrss`` elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024, 1)


def import_lazy_modules() -> list[str]:
    """Import every lazily loaded module, then every module of the package (a dialog or report
    imported inside a function is a lazy path too, and the frozen build must carry what it
    imports); the names that failed (with why)."""
    failed: list[str] = []
    for name in LAZY_MODULES:
        _import(name, failed)
    for name in package_modules(failed):
        _import(name, failed)
    return failed


def package_modules(failed: list[str]) -> list[str]:
    """Every module of ``wardconsole`` (from the frozen build's archive too), except the entry
    point and the Alembic scripts, which act when imported."""
    import pkgutil

    import wardconsole

    def broken(name: str) -> None:
        failed.append(f"{name}: {sys.exc_info()[0]}: {sys.exc_info()[1]}")

    return [
        info.name
        for info in pkgutil.walk_packages(wardconsole.__path__, "wardconsole.", onerror=broken)
        if info.name != "wardconsole.__main__"
        and not info.name.startswith("wardconsole.store.migrations")
    ]


def _import(name: str, failed: list[str]) -> None:
    try:
        importlib.import_module(name)
    except Exception as exc:  # every failure is reported, none hidden
        failed.append(f"{name}: {type(exc).__name__}: {exc}")


class _Poll(QObject):
    """Calls ``check`` every few milliseconds until it returns True."""

    def __init__(self, check: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._check = check
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timeout)
        self._timer.start()

    def _on_timeout(self) -> None:
        if self._check():
            self._timer.stop()


class SelfTest(QObject):
    """Drives the sign-in screen and the census window (see module docstring)."""

    def __init__(self, app: QObject, access: AccessContext, warm_up: WarmUp | None = None) -> None:
        super().__init__(app)
        self.failed: list[str] = []
        self._access = access
        self._warm_up = warm_up
        self._ready = False
        self._poll = _Poll(self._sign_in_when_ready, self)

    def _sign_in_when_ready(self) -> bool:
        from wardconsole.ui.access.sign_in_dialog import SignInDialog

        dialog = next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, SignInDialog) and w.isVisible()
            ),
            None,
        )
        if dialog is None or not dialog.setup_loaded:
            return False  # a ward without accounts keeps the form disabled: loaded is enough
        if not self._ready:
            self._ready = True
            dialog.repaint()
            milestone("signin_ready", rss_mb=peak_rss_mb())
        if self._warm_up is not None and not self._warm_up.done:
            return False  # a nurse takes seconds to type; the census window loads meanwhile
        if self._warm_up is not None:
            milestone("warmed_up", ms=round(self._warm_up.elapsed_ms, 1))
        try:
            setup = self._access.setup()
        except Exception as exc:  # the screen showed it; the self-test fails with it
            self.failed.append(f"sign-in screen: {type(exc).__name__}")
            dialog.reject()
            return True
        nurse = next((code for code, role in setup.demo_accounts if role is Role.NURSE), None)
        if setup.demo_password is None or nurse is None:
            self._check_lazy_modules()
            dialog.reject()
            return True
        dialog.form.staff_id.setText(nurse)
        dialog.form.password.setText(setup.demo_password)
        milestone("submitted")
        dialog.form.button.click()
        return True

    def accepted(self) -> None:
        milestone("accepted")

    def watch(self, window: QMainWindow) -> None:
        """Wait for the census rows, note what was ready, load the lazy modules, close."""

        def census_painted() -> bool:
            snapshot = getattr(window, "snapshot", None)
            if snapshot is None or not snapshot.rows:
                return False
            window.repaint()
            escalations = getattr(window, "escalations", None)
            milestone(
                "census_painted",
                rows=len(snapshot.rows),
                loaded_early=[name for name in LAZY_MODULES if name in sys.modules],
                rss_mb=peak_rss_mb(),
                rss_now_mb=rss_now_mb(),
                sound_ready=escalations is not None and escalations.sound is not None,
                sound_status=(
                    escalations.sound.status_text
                    if escalations is not None and escalations.sound is not None
                    else ""
                ),
                tick_ready=escalations is not None and escalations.ticking,
            )
            self._check_lazy_modules()
            milestone("closing")
            window.close()
            return True

        self._poll = _Poll(census_painted, self)

    def _check_lazy_modules(self) -> None:
        started = time.perf_counter()
        before = len(sys.modules)
        self.failed = import_lazy_modules()
        milestone(
            "lazy_modules",
            count=len(LAZY_MODULES),
            imported=len(sys.modules) - before,
            failed=self.failed,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
