"""Fixtures for UI tests: isolated QSettings, a clean application style, window factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication
from ui_context import TOUCHED, no_charts, ui_context
from ui_runner import shared_runner

from wardconsole.services.views import CensusSnapshot
from wardconsole.ui.context import UiContext
from wardconsole.ui.main_window import MainWindow
from wardconsole.ui.theme import Theme, theme_state

from .factories import FakeWard, demo_ward

OFFSCREEN_NOISE = (
    r"^This plugin does not support "
    r"(propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)( \(IGNORED\))?$"
)
"""The offscreen platform plugin warns when a window is shown or raised, or a popup (a
completer's list) grabs the keyboard; a real screen does not."""

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def isolated_settings(
    qapp: QApplication, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Each test reads and writes QSettings in its own directory, never the user's."""
    directory = tmp_path_factory.mktemp("settings")
    QCoreApplication.setOrganizationName("WardConsoleTests")
    QCoreApplication.setApplicationName("wardconsole-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(directory))
    yield


@pytest.fixture(autouse=True)
def plain_application_style(qapp: QApplication) -> Iterator[None]:
    """Themes restyle the whole application; put it back after each test."""
    yield
    qapp.setStyleSheet("")
    qapp.setPalette(qapp.style().standardPalette())


@pytest.fixture
def ward() -> FakeWard:
    """A 20-bed ward with 17 patients, in memory."""
    return FakeWard(demo_ward())


def make_context(ward: FakeWard, **fields: Any) -> UiContext:
    """The console over ``ward``; ``fields`` as for ``ui_context`` (who is signed in, the
    services the test's features use). Its patient windows show no charts: the in-memory ward
    keeps none (``no_charts``)."""
    fields.setdefault("load_patient_series", no_charts)
    return ui_context(
        load_census=ward.load_census,
        open_change_feed=ward.open_change_feed,
        reload_census=ward.reload_census,
        station="Nurses' station 1",
        ward_name="Ward 7 — Detox",
        database_label="SQLite (test, in memory)",
        runner=shared_runner(),
        **fields,
    )


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[..., MainWindow]]:
    """Build a shown main window over a FakeWard; waits until its first census is on screen.
    ``fields`` as for ``make_context``."""
    windows: list[MainWindow] = []

    def make(ward: FakeWard, *, wait_for_census: bool = True, **fields: Any) -> MainWindow:
        window = MainWindow(make_context(ward, **fields))
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        if wait_for_census:
            qtbot.waitUntil(lambda: window.snapshot is not None)
        return window

    yield make
    for window in windows:
        window.shutdown()


@pytest.fixture
def window(make_window: Callable[..., MainWindow], ward: FakeWard) -> MainWindow:
    return make_window(ward)


def shown_snapshot(window: MainWindow) -> CensusSnapshot:
    assert window.snapshot is not None
    return window.snapshot


@pytest.fixture(autouse=True)
def _no_unused_service_touched() -> Iterator[None]:
    """A service a test console stands in with ``Unused`` fails the test when touched, even on
    the background worker, where the console catches the error and shows "could not be read"."""
    TOUCHED.clear()
    yield
    touched, TOUCHED[:] = list(TOUCHED), []
    assert not touched, touched


@pytest.fixture(autouse=True)
def _day_theme_state_after_each_test() -> Iterator[None]:
    """What a test paints starts in the day theme (the theme state is application-wide)."""
    yield
    theme_state().set(Theme.DAY)
