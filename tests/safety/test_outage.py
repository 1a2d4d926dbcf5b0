"""Database outage mid-shift, against a PostgreSQL server of the test's own (never the shared
one): saves queue on the station, and once the server is back they are written in order,
exactly once, with their original times and author."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import throwaway_pg
from campaigns import outage_drill

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server() -> Iterator[throwaway_pg.ThrowawayPostgres]:
    problem = throwaway_pg.available()
    if problem:
        pytest.skip(f"no throwaway PostgreSQL: {problem}")
    pg = throwaway_pg.ThrowawayPostgres()
    pg.start()
    try:
        yield pg
    finally:
        pg.destroy()


def test_saves_during_an_outage_are_queued_and_replayed_once_back(
    server: throwaway_pg.ThrowawayPostgres, tmp_path: Path
) -> None:
    report = outage_drill(server, tmp_path, entries=6, down_for=1.0)
    print(
        f"\nSAFETY outage: seconds={report.outage_seconds} queued={report.queued} "
        f"replayed={report.replayed} duplicates={report.duplicates}"
    )
    assert report.saved_before == 1
    assert report.queued == 6
    assert report.outage_seconds >= 1.0
    assert (report.replayed, report.refused, report.duplicates) == (6, 0, 0)
    assert report.rows_in_order and report.original_times_kept and report.authors_kept
    assert server.running()
