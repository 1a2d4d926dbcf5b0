"""Test-wide set-up shared by every package's tests.

Qt must never need a screen in tests, and pyqtgraph must bind to PySide6: both are decided
at import time, so they are set here, before any test module imports Qt.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["PYQTGRAPH_QT_LIB"] = "PySide6"
