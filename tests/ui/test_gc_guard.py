"""Cyclic garbage is collected on the UI thread, from a timer, never on a worker thread."""

from __future__ import annotations

import gc
import weakref

from wardconsole.ui.gc_guard import UiThreadGarbageCollector


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_the_timer_collects_cycles_with_automatic_collection_off(qtbot, qapp) -> None:
    collector = UiThreadGarbageCollector(qapp)
    collector.YOUNG_INTERVAL_MS = 10
    collector._timer.setInterval(10)
    collector.start()
    try:
        assert not gc.isenabled()
        node = _Node()
        ref = weakref.ref(node)
        del node
        qtbot.waitUntil(lambda: ref() is None, timeout=3000)
    finally:
        collector.stop()
        collector.deleteLater()
        gc.disable()  # the test session keeps automatic collection off (tests/conftest.py)
