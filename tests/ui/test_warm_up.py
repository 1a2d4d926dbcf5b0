"""The census window's modules load while the sign-in screen waits, and only those."""

from __future__ import annotations

import json
import linecache
import subprocess
import sys

from wardconsole.ui.self_test import LAZY_MODULES, package_modules
from wardconsole.ui.warm_up import MAIN_WINDOW_MODULES, WarmUp, forget_module_sources


def test_the_warm_up_list_is_what_the_main_window_loads_and_nothing_lazy() -> None:
    """A name that the main window no longer needs would cost memory for nothing; a lazily
    loaded module (printing, charts, FHIR…) must stay out of it."""
    script = (
        "import json, sys, wardconsole.ui.main_window\nprint(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    loaded = set(json.loads(result.stdout))
    needed = set(MAIN_WINDOW_MODULES) - {"PySide6.QtMultimedia"}  # opened by the main window
    assert needed <= loaded, sorted(needed - loaded)
    assert not set(MAIN_WINDOW_MODULES) & set(LAZY_MODULES)
    assert MAIN_WINDOW_MODULES[-1] == "wardconsole.ui.main_window"


def test_warm_up_imports_one_module_per_turn_then_reports(qtbot) -> None:
    warm_up = WarmUp(modules=("json", "wardconsole.ui.formatting"))
    with qtbot.waitSignal(warm_up.finished, timeout=5000):
        warm_up.start()
    assert warm_up.done
    assert "wardconsole.ui.formatting" in sys.modules


def test_the_warm_up_leaves_no_module_source_in_the_line_cache(qtbot) -> None:
    """Qt for Python reads the source of every module imported after it into the line cache;
    the services and the census window's modules would leave megabytes there for nothing."""
    linecache.cache["read-by-pyside.py"] = (6, None, ["x = 1\n"], "read-by-pyside.py")
    warm_up = WarmUp(modules=("json",))
    with qtbot.waitSignal(warm_up.finished, timeout=5000):
        warm_up.start()
    assert "read-by-pyside.py" not in linecache.cache
    linecache.cache["read-by-pyside.py"] = (6, None, ["x = 1\n"], "read-by-pyside.py")
    forget_module_sources()
    assert not linecache.cache


def test_a_module_that_fails_to_load_stops_the_warm_up_and_is_logged(qtbot, caplog) -> None:
    warm_up = WarmUp(modules=("wardconsole.no_such_module", "json"))
    with qtbot.waitSignal(warm_up.finished, timeout=5000):
        warm_up.start()
    assert warm_up.done
    assert "wardconsole.no_such_module" in caplog.text


def test_the_self_test_walks_every_module_of_the_package_but_the_entry_and_migrations() -> None:
    """A dialog imported inside a function is a lazy path the packaged build must carry: the
    self-test imports every module, not only the listed ones (never the entry point, which would
    start a second console, nor the Alembic scripts)."""
    failed: list[str] = []
    names = package_modules(failed)
    assert failed == []
    assert {"wardconsole.ui.physical.meal_dialog", "wardconsole.reports.handoff_pdf"} <= set(names)
    assert "wardconsole.__main__" not in names
    assert not [n for n in names if n.startswith("wardconsole.store.migrations")]
