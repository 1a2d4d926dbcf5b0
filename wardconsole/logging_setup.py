"""Log files that rotate and never hold patient data, and a crash hook that says one line.

The console's log goes to ``config.log_dir()/wardconsole.log`` (rotated at 1 MB, five old files
kept). The data on this ward is mental-health and substance-use information, so every record
passes ``PatientDataFilter`` before it is written:

* SQL statements and their bound parameters (SQLAlchemy error text) are withheld;
* quoted values, dates, hospital-number-like codes and long digit runs are masked;
* exception messages are withheld from tracebacks (a message such as ``InvalidInput`` or an
  ``IntegrityError`` can quote what a nurse typed); only the exception type and the frames
  (file, line, function) are kept, which is what an engineer needs.

``install_excepthook`` logs an unexpected crash that way and tells the user in one line where
the log is (the GUI passes a ``notify`` that shows the line in a message box). Qt-free.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import re
import sys
import threading
import traceback
import weakref
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from wardconsole.private_files import private_dir, touch_private

LOG_FILE = "wardconsole.log"
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_OURS: weakref.WeakSet[logging.Handler] = weakref.WeakSet()
"""Handlers this module installed, replaced (not duplicated) when logging is set up again."""
_LOG_FILE: list[Path | None] = [None]
"""The file ``setup_logging`` writes to (None: none set up, or the folder is not writable)."""

WITHHELD = "[withheld]"
_SQL_BLOCKS = re.compile(r"\[(SQL|parameters|generated in [^\]]*)\b[^\]]*\]?.*", re.DOTALL)
_SQL_TEXT = re.compile(r"\b(INSERT|UPDATE|DELETE|SELECT)\b.*", re.DOTALL | re.IGNORECASE)
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|“[^”\n]*”")
_DATES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:T[\d:.+\-Z]*| \d{2}:[\d:.+\-Z]*)?|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
)
_CODES = re.compile(r"\b[A-Za-z]{1,4}\d{5,}\b")
_DIGIT_RUNS = re.compile(r"\b\d[\d ]{8,}\d\b")
_DETAIL = re.compile(r"^DETAIL:.*$", re.MULTILINE)


def redact(text: str) -> str:
    """``text`` with anything that could identify a patient or quote a record masked."""
    text = _SQL_BLOCKS.sub(f"[SQL {WITHHELD}]", text)
    text = _DETAIL.sub(f"DETAIL: {WITHHELD}", text)
    if _SQL_TEXT.search(text) and ("VALUES" in text.upper() or "WHERE" in text.upper()):
        text = _SQL_TEXT.sub(f"[SQL {WITHHELD}]", text)
    text = _QUOTED.sub("'…'", text)
    text = _DATES.sub("[date]", text)
    text = _CODES.sub("[id]", text)
    return _DIGIT_RUNS.sub("[number]", text)


def safe_traceback(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> str:
    """A traceback with frames and exception types only: messages are withheld."""
    lines: list[str] = []
    current: BaseException | None = exc
    chain: list[tuple[type[BaseException], TracebackType | None]] = []
    seen: set[int] = set()
    if current is None:
        chain.append((exc_type, tb))
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((type(current), current.__traceback__ if chain else tb))
        current = current.__cause__ or current.__context__
    for index, (kind, frames) in enumerate(reversed(chain)):
        if index:
            lines.append("During handling of the above, another exception occurred:")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(frames):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message {WITHHELD})")
    return "\n".join(lines)


class PatientDataFilter(logging.Filter):
    """Masks patient-identifying text in a record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            kind, exc, tb = record.exc_info
            record.exc_text = safe_traceback(kind, exc, tb)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


TOLD = "told_on_terminal"
"""``extra={TOLD: True}``: a record whose line the user was already given on stderr, kept
out of the stderr handler so the terminal does not show it twice."""


def _not_told(record: logging.LogRecord) -> bool:
    return not getattr(record, TOLD, False)


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every log file it opens, rotated ones included, is owner-only (0600)."""

    def _open(self) -> io.TextIOWrapper:
        touch_private(Path(self.baseFilename))
        return super()._open()


def setup_logging(
    log_dir: Path | None = None, level: int = logging.INFO, *, max_bytes: int = MAX_BYTES
) -> Path | None:
    """Log to a rotating file (and warnings to stderr); return the log file's path.

    A log folder or file this user cannot write is said in one line on stderr, and warnings and
    errors go to stderr only (None is returned): the console still starts, it just keeps no
    log file.
    """
    from wardconsole.config import folder_problem

    if log_dir is None:
        from wardconsole.config import log_path

        log_dir = log_path()
    path: Path | None = log_dir / LOG_FILE
    try:
        private_dir(log_dir)
        touch_private(log_dir / LOG_FILE)
    except OSError as exc:
        path = None
        print(
            f"wardconsole: {folder_problem('log', log_dir, exc)}; warnings and errors go to the "
            "terminal only",
            file=sys.stderr,
        )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler in _OURS:
            root.removeHandler(handler)
            handler.close()
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(logging.WARNING)
    stderr_handler.addFilter(_not_told)
    handlers: list[logging.Handler] = [stderr_handler]
    if path is not None:
        handlers.append(
            _PrivateRotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=BACKUPS, encoding="utf-8", delay=True
            )
        )
    for handler in handlers:
        _OURS.add(handler)
        handler.addFilter(PatientDataFilter())
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    _LOG_FILE[0] = path
    return path


def current_log_file() -> Path | None:
    """Where this process logs, for the crash line (None: stderr only)."""
    return _LOG_FILE[0]


def crash_line(exc_type: type[BaseException], log_path: Path | None) -> str:
    """The one line a user sees after a crash (no message text, which may hold data). It
    promises nothing about saved entries: it cannot know whether the last save reached the
    database (a read-only or unreachable one, a station without its queue)."""
    where = f"; details are in {log_path}" if log_path else "; no log file is kept here"
    return (
        f"WardConsole hit an unexpected problem ({exc_type.__name__}){where}. "
        "Check your last entry: enter again anything the console did not confirm as saved."
    )


def install_excepthook(log_path: Path | None, notify: Callable[[str], None] | None = None) -> None:
    """Log uncaught exceptions (main and worker threads) safely and tell the user in one line."""
    log = logging.getLogger("wardconsole.crash")

    def report(
        kind: type[BaseException], exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc or kind(), tb)
            return
        if exc is not None:
            log.critical("Unhandled exception", exc_info=exc.with_traceback(tb))
        else:
            log.critical("Unhandled exception: %s without a value", kind.__name__)
        line = crash_line(kind, log_path)
        try:
            if notify is not None:
                notify(line)
            else:
                print(f"wardconsole: {line}", file=sys.stderr)
        except Exception:
            print(f"wardconsole: {line}", file=sys.stderr)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        report(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = report
    threading.excepthook = thread_hook
