"""Log files rotate and hold no patient data; a crash is logged safely and told in one line."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from wardconsole.logging_setup import (
    BACKUPS,
    PatientDataFilter,
    crash_line,
    install_excepthook,
    redact,
    safe_traceback,
    setup_logging,
)
from wardconsole.services.context import InvalidInput

PATIENT = {
    "name": "Saoirse Penhaligon",
    "number": "KD004711",
    "dob": "1994-05-01",
    "nhs": "943 476 5919",
}


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    path = setup_logging(tmp_path / "logs")
    yield path
    for handler in root.handlers:
        if handler not in before:
            handler.close()
    root.handlers[:] = before
    root.setLevel(level)
    logging.captureWarnings(False)


def _written(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def _assert_no_patient(text: str) -> None:
    # A line's timestamp can hold any digits (",400" milliseconds): the typed value is looked
    # for in what follows it.
    messages = re.sub(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} ", "", text, flags=re.MULTILINE)
    for value in (*PATIENT.values(), "Penhaligon", "Saoirse", "400"):
        assert value not in messages, value


def test_messages_that_quote_patient_values_are_masked(log_file: Path) -> None:
    log = logging.getLogger("wardconsole.test")
    log.warning(
        "Saving %r for %s born %s failed", PATIENT["name"], PATIENT["number"], PATIENT["dob"]
    )
    log.info("NHS number %s", PATIENT["nhs"])
    log.error("pulse: '400' is outside 20–250")
    text = _written(log_file)
    _assert_no_patient(text)
    assert "Saving '…' for [id] born [date] failed" in text


def test_sql_errors_never_write_their_statement_or_parameters(log_file: Path) -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE p (name TEXT UNIQUE)"))
        connection.execute(text("INSERT INTO p VALUES (:n)"), {"n": PATIENT["name"]})
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO p VALUES (:n)"), {"n": PATIENT["name"]})
    except IntegrityError:
        logging.getLogger("wardconsole.test").exception("Save failed")
    text_written = _written(log_file)
    _assert_no_patient(text_written)
    assert "sqlalchemy.exc.IntegrityError (message [withheld])" in text_written
    assert "Save failed" in text_written and "test_logging.py" in text_written


def test_tracebacks_keep_frames_and_types_but_not_messages() -> None:
    try:
        try:
            raise InvalidInput({"name": f"name: {PATIENT['name']!r} is too long"})
        except InvalidInput as first:
            raise RuntimeError(f"while saving {PATIENT['number']}") from first
    except RuntimeError as exc:
        report = safe_traceback(type(exc), exc, exc.__traceback__)
    _assert_no_patient(report)
    assert "wardconsole.services.context.InvalidInput (message [withheld])" in report
    assert "builtins.RuntimeError (message [withheld])" in report
    assert report.index("InvalidInput") < report.index("RuntimeError")
    assert "test_tracebacks_keep_frames" in report


def test_the_filter_keeps_a_record_with_a_broken_format() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value %d", ("oops",), None)
    assert PatientDataFilter().filter(record)
    assert record.getMessage() == "value %d"


def test_logs_rotate(tmp_path: Path, log_file: Path) -> None:
    log_file = setup_logging(log_file.parent, max_bytes=20_000)
    log = logging.getLogger("wardconsole.test")
    for index in range(2_000):
        log.info("routine line %05d %s", index % 10, "x" * 80)
    files = sorted(p.name for p in log_file.parent.iterdir())
    assert "wardconsole.log" in files
    assert len(files) == BACKUPS + 1
    assert all(p.stat().st_size <= 20_000 for p in log_file.parent.iterdir())


def test_an_unhandled_crash_is_logged_safely_and_told_in_one_line(log_file: Path) -> None:
    told: list[str] = []
    saved_hook, saved_thread_hook = sys.excepthook, threading.excepthook
    try:
        install_excepthook(log_file, told.append)
        try:
            raise KeyError(PATIENT["name"])
        except KeyError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        worker = threading.Thread(target=lambda: 1 / 0)
        worker.start()
        worker.join()
    finally:
        sys.excepthook, threading.excepthook = saved_hook, saved_thread_hook
    assert told == [crash_line(KeyError, log_file), crash_line(ZeroDivisionError, log_file)]
    assert all("\n" not in line and str(log_file) in line for line in told)
    written = _written(log_file)
    _assert_no_patient(written)
    assert written.count("Unhandled exception") == 2 and "CRITICAL wardconsole.crash" in written


def test_a_crashing_command_line_run_prints_one_line(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from wardconsole.logging_setup import setup_logging, install_excepthook\n"
        f"path = setup_logging(Path({str(tmp_path)!r}))\n"
        "install_excepthook(path)\n"
        f"raise ValueError({PATIENT['name']!r})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("wardconsole: WardConsole hit an unexpected problem (ValueError)")
    _assert_no_patient(done.stderr)
    _assert_no_patient((tmp_path / "wardconsole.log").read_text(encoding="utf-8"))


def test_redact_leaves_ordinary_operational_text_alone() -> None:
    assert redact("Change feed failed: connection refused") == (
        "Change feed failed: connection refused"
    )
    assert redact("3 change(s) from other stations") == "3 change(s) from other stations"
