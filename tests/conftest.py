"""Test-wide set-up shared by every package's tests.

Qt must never need a screen in tests, and pyqtgraph must bind to PySide6: both are decided
at import time, so they are set here, before any test module imports Qt.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["PYQTGRAPH_QT_LIB"] = "PySide6"

import pytest
from hypothesis import HealthCheck, settings

# Shared CI machines are noisy: a slow example is not a failure. Examples stay random.
settings.register_profile(
    "ward", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ward")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """scrypt at OWASP strength costs 128 MiB and a good fraction of a second per hash; tests
    hash at a cheap cost (each hash stores its own, so production code paths are the same)."""
    from wardconsole.services.staff import ScryptCost, password_cost, set_password_cost

    production = password_cost()
    set_password_cost(ScryptCost(n=2**10, r=8, p=1))
    yield
    set_password_cost(production)


@pytest.fixture(autouse=True, scope="session")
def _no_collection_on_worker_threads() -> Iterator[None]:
    """As in the console (``ui/gc_guard.py``): a cyclic collection triggered on a worker
    thread could destroy Qt objects there and crash, so collect only between tests."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_between_tests() -> Iterator[None]:
    yield
    gc.collect()
