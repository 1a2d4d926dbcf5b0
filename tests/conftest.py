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

# Fixtures shared by the store, services, interop, reports and safety tests (tests/support).
pytest_plugins = ["dbfixtures", "wardfixtures"]

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


def pytest_collection_finish(session: pytest.Session) -> None:
    """Every test module is imported now: move what the imports left on the heap (~300k
    objects: Qt, SQLAlchemy, numpy, matplotlib, the modules themselves) out of the
    collector's reach, so a collection walks only what the tests create."""
    gc.collect()
    gc.freeze()


def _uses_qt(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "qtbot" in names or "qapp" in names


@pytest.fixture(autouse=True)
def _collect_between_qt_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """As in the console (``ui/gc_guard.py``): a cyclic collection triggered on a worker
    thread could destroy Qt objects there and crash. So from the first test that uses Qt
    on, automatic collection stays off and a test that used Qt is collected after it, on
    this thread. Tests before it (and every test of a run without Qt) keep Python's
    automatic collection: there is no Qt object for it to meet.

    What is still alive after that collection (the run's and the module's state, caches the
    test filled) is frozen too, so the next test's collection walks only what that test
    creates; walking everything earlier tests of the module left had grown to a fifth of the
    UI tests' CPU. Frozen objects that die later go by reference counting as ever; one that
    ends up in a garbage cycle stays in memory until the run ends."""
    if not _uses_qt(request.node):
        yield
        return
    gc.disable()
    yield
    gc.collect()
    gc.freeze()


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a module's last test, its module fixtures gone too, what is still alive is the
    run's (caches, statements built once, the shared task runner, the QApplication): it is
    frozen like the imports, so a later collection walks only what later tests create
    instead of everything every earlier module left. With Qt in use (automatic collection
    off) that is the collection after each test, which had grown to over a second a test;
    without Qt it is Python's own full collection, which had grown to a quarter of a second
    each and a fifth of the services tests' CPU."""
    result = yield
    if nextitem is None or nextitem.path != item.path:
        gc.collect()
        gc.freeze()
    return result
