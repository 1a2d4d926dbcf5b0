"""Qt made unimportable, for the lane that runs the layers below the UI.

The domain, store, services, interop and reports must never need Qt (import-linter forbids the
imports; this lane proves it at run time, including for the tests and their fixtures). Loaded
with ``-p block_qt`` before any other plugin or conftest, it puts a finder first on
``sys.meta_path`` that refuses PySide6, shiboken6, pyqtgraph and pytest-qt as if they were not
installed.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

BLOCKED = frozenset({"PySide6", "shiboken6", "pyqtgraph", "pytestqt"})


class QtBlocker(importlib.abc.MetaPathFinder):
    """Refuses every module of a blocked package, whoever imports it."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (Qt is blocked in the Qt-free test lane)",
                name=fullname,
            )
        return None


def install() -> None:
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in BLOCKED)
    if loaded:
        raise RuntimeError(f"Qt was imported before it could be blocked: {', '.join(loaded)}")
    if not any(isinstance(finder, QtBlocker) for finder in sys.meta_path):
        sys.meta_path.insert(0, QtBlocker())


install()


def pytest_report_header() -> str:
    return "Qt-free lane: " + ", ".join(sorted(BLOCKED)) + " cannot be imported"
