"""Engine set-up and schema migrations for SQLite (one station) and PostgreSQL (a ward).

SQLite runs in WAL mode with foreign keys on, ``synchronous=FULL`` and a busy timeout, so a
crash never loses a committed write and several windows on one PC can share the file.
Migrations are Alembic scripts in ``migrations/``, applied programmatically. A console start
checks the stored revision with one query against the newest script's revision (read from the
script files' text) and loads Alembic only when they differ.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from wardconsole.private_files import private_dir, touch_private

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000


class DatabaseError(Exception):
    """A database problem explained in one line for the user (bad URL, unreachable, too new)."""


class NoWardDatabase(DatabaseError):
    """The database asked for is not there (or holds no ward): it is never created silently,
    so a mistyped path cannot start a second, empty ward beside the real one."""

    def __init__(self, where: str) -> None:
        super().__init__(f"no ward database at {where}")
        self.where = where


def parse_url(url: str) -> URL:
    """Parse a database URL; plain paths are SQLite files; postgresql:// uses psycopg 3."""
    text = url.strip()
    if not text:
        raise DatabaseError("empty database URL")
    if "://" not in text:
        return make_url(f"sqlite:///{Path(text).expanduser().resolve()}")
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise DatabaseError(f"cannot understand database URL {text!r}: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://"
        )
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Plain PRAGMAs work on Python 3.11 and 3.12+ (the autocommit-based recipe does not).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Create an engine with the station-safe settings for its backend."""
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # Owner-only whatever the umask; SQLite gives -wal and -shm the file's own mode.
            database = Path(parsed.database)
            if not database.parent.exists():
                private_dir(database.parent)
            touch_private(database)
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    return create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5, "application_name": "wardconsole"},
    )


def _begin_before_savepoint(connection: Connection, _name: str | None) -> None:
    """Start the SQLite write transaction before a savepoint opens, if it has not started.

    pysqlite begins an SQLite transaction only before its first INSERT, UPDATE or DELETE; a
    SAVEPOINT opened before that is itself the outermost transaction, and its RELEASE commits
    on its own: an escalation without its audit row, a sealed block or a monitor message
    kept when the rest of their transaction failed. So when a savepoint is about to open and
    no transaction has begun, ``BEGIN IMMEDIATE`` starts it (waiting up to the busy timeout
    for another station's write, as the first INSERT would). Transactions without a savepoint
    are untouched: reads take no lock, and a write still begins at its first statement.
    (SQLAlchemy's recipe for pysqlite, a BEGIN at the start of every transaction, would make
    every read hold a snapshot, and a read-then-write transaction fail at once with "database
    is locked" when another station wrote in between, instead of waiting.)"""
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def describe_location(url: URL) -> str:
    """Where a database is, as a user would recognise it: the file, or the URL without any
    password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def open_ward(url: str | URL, *, create: bool = False, migrate_empty: bool = False) -> Engine:
    """An engine on the ward database at ``url``, its schema brought up to date.

    Only ``create`` (``wardconsole db init``, a demo ward) makes a missing SQLite file; without
    it a missing file, or a database with no ward schema, is refused with ``NoWardDatabase``.
    ``migrate_empty`` (``wardconsole db upgrade``) lays the schema into a database that exists
    but is empty, as an administrator does after ``CREATE DATABASE`` on PostgreSQL.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    database = parsed.database
    memory = not database or database == ":memory:"
    if not create and parsed.get_backend_name() == "sqlite" and not memory:
        assert database is not None
        if not Path(database).is_file():
            raise NoWardDatabase(database)
    engine = make_engine(parsed)
    try:
        if not (create or migrate_empty or memory) and stored_revision(engine) is None:
            raise NoWardDatabase(describe_location(parsed))
        upgrade(engine)
        check_writable(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def check_writable(engine: Engine) -> None:
    """Refuse an SQLite ward this user can only read (a read-only file or folder): a console
    that cannot save must not let a nurse type a round into it. A PostgreSQL station role's
    rights are checked by the server on every write (``store/privileges.py``)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.exec_driver_sql("ROLLBACK")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if "locked" in reason or "busy" in reason:
            return  # another station is writing this moment: writable, just busy
        raise DatabaseError(
            f"cannot save to the ward database {engine.url.database} ({reason}): nothing can be "
            "recorded here. Make the file and its folder writable by this user, or open a copy "
            "with --db"
        ) from None


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker  # the ORM loads after the sign-in screen shows

    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    script_dir = resources.files("wardconsole.store") / "migrations"
    config.set_main_option("script_location", str(script_dir))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


_REVISION_LINE = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*['"]?([\w.-]+|None)['"]?""", re.M
)


@cache
def script_head() -> str | None:
    """The newest migration's revision, read from the scripts' text (no Alembic import).

    None when the scripts do not form one line (several heads, or a file it cannot read):
    the caller then asks Alembic, which explains the problem.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    versions = resources.files("wardconsole.store") / "migrations" / "versions"
    for entry in versions.iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("__"):
            continue
        found = dict(_REVISION_LINE.findall(entry.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revision(engine: Engine) -> str | None:
    """The database's schema revision in one query (None: no schema yet). Also proves the
    database can be opened, with the one-line message of ``check_reachable``."""
    try:
        with engine.connect() as connection:
            try:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except DBAPIError:  # no table yet: a fresh database
                connection.rollback()
                if inspect(connection).has_table("alembic_version"):
                    raise
                return None
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open the database {engine.url!r}: {reason}") from None


def check_reachable(engine: Engine) -> None:
    """Raise DatabaseError with one clear line if the database cannot be opened."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open the database {engine.url!r}: {reason}") from None


def _known_revision(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def url_for(url: URL, username: str) -> str:
    """``url`` for another role, without any password, as a user would type it."""
    return URL.create(
        "postgresql",
        username=username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string(hide_password=False)


def _refuse_without_rights(engine: Engine, current: str | None, head: str | None) -> None:
    """A station's role must not try a migration it cannot finish: say who can run it."""
    with engine.connect() as connection:
        me = connection.exec_driver_sql("SELECT current_user").scalar()
        owner = connection.exec_driver_sql(
            "SELECT tableowner FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = 'alembic_version'"
        ).scalar()
        may_create = connection.exec_driver_sql(
            "SELECT has_schema_privilege(current_schema(), 'CREATE')"
        ).scalar()
        superuser = connection.exec_driver_sql(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).scalar()
    if superuser or (owner == me if owner is not None else may_create):
        return
    who = f"the schema owner ({owner})" if owner else "a role that may create tables here"
    url = url_for(engine.url, owner or "OWNER")
    raise DatabaseError(
        f"the database is at schema revision {current or 'none'} and this WardConsole needs "
        f"{head}; this connection ({me}) may not change the schema, so nothing was changed. "
        f"Ask {who} to run: wardconsole db upgrade --db {url}"
    )


def upgrade(engine: Engine, *, backup_dir: Path | None = None) -> bool:
    """Bring the schema to the newest revision; return True if anything was applied.

    A database from a newer WardConsole is refused rather than touched. For SQLite files the
    file is copied aside first (into ``backup_dir`` or next to it). A current schema costs one
    query; Alembic is loaded only when there is something to do or to explain.
    """
    head = script_head()
    if head is not None and stored_revision(engine) == head:
        return False
    check_reachable(engine)
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(engine))
    head = script.get_current_head()
    current = current_revision(engine)
    if current == head:
        return False
    if current is not None and not _known_revision(script, current):
        raise DatabaseError(
            f"the database is at schema revision {current}, newer than this WardConsole "
            "understands; install a newer version"
        )
    if engine.dialect.name == "postgresql":
        _refuse_without_rights(engine, current, head)
    database = engine.url.database
    if current is not None and engine.dialect.name == "sqlite" and database:
        source = Path(database)
        if source.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            target_dir = backup_dir or source.parent
            copy = target_dir / f"{source.name}.before-{head}-{stamp}.bak"
            touch_private(copy)
            shutil.copyfile(source, copy)
    command.upgrade(_alembic_config(engine), "head")
    return True
