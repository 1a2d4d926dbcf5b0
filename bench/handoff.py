"""Shift handoff cost on a full ward at the end of a night: drafting every patient's handoff,
reading the board, and printing the PDF (summary + one page per patient).

The ward is the demo ward (NEWS2-driven observation frequency, symptom chart every 4 hours,
episodes, PRN) with every bed occupied; the clock stands at 06:40, twenty minutes before the end
of the night shift, as when the night nurse writes the handoff.

    python bench/handoff.py [--beds 30] [--repeat 3] [--db-dir DIR]

Last line: {"patients": ..., "draft_shift_s": ..., "board_ms": ..., "pdf_s": ...,
"pdf_pages": ..., "pdf_s_per_page": ...}
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from wardconsole.reports.handoff_pdf import build_handoff_pdf
from wardconsole.services.db import Database
from wardconsole.services.demo import NURSES, DemoOptions, build_demo_ward
from wardconsole.services.handoff import HandoffService
from wardconsole.services.staff import StaffService
from wardconsole.store.engine import make_engine, upgrade

END_OF_NIGHT = datetime(2026, 11, 26, 6, 40, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beds", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db-dir", type=Path)
    args = parser.parse_args(argv)
    folder = args.db_dir or Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ward.sqlite"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    db = Database(engine, clock=lambda: END_OF_NIGHT)
    build_demo_ward(db, DemoOptions(beds=args.beds, occupancy=1.0, seed=3, days=7))
    nurse = StaffService(db).actor(NURSES[0][0], "Bench")
    service = HandoffService(db)
    shift = service.this_shift()

    started = time.perf_counter()
    result = service.draft_shift(nurse, shift)
    draft_s = time.perf_counter() - started
    print(f"drafted {result.created} handoffs in {draft_s:.2f} s", file=sys.stderr)

    board_ms = []
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        board = service.board(shift)
        board_ms.append((time.perf_counter() - started) * 1000)
    print(
        f"board of {len(board.handoffs)}: median {statistics.median(board_ms):.0f} ms",
        file=sys.stderr,
    )

    pages: list[int] = []
    started = time.perf_counter()
    build_handoff_pdf(
        db,
        shift,
        folder / "handoff.pdf",
        ward_name="Bench ward",
        actor=nurse,
        progress=lambda done, total, _what: pages.append(total),
    )
    pdf_s = time.perf_counter() - started
    total_pages = pages[-1] if pages else 0
    engine.dispose()
    print(
        json.dumps(
            {
                "patients": len(board.handoffs),
                "draft_shift_s": round(draft_s, 3),
                "board_ms": round(statistics.median(board_ms), 1),
                "pdf_s": round(pdf_s, 2),
                "pdf_pages": total_pages,
                "pdf_s_per_page": round(pdf_s / max(total_pages, 1), 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
