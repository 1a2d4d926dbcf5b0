"""Command-line front door: the GUI by default, plus demo, db and staff commands.

Every error a user can cause (bad URL, unreachable server, a database from a newer version,
bad input) ends with one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from wardconsole import __version__
from wardconsole.config import Settings, demo_db_url

EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_REFUSED = 4


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wardconsole",
        description="WardConsole: the ketamine-detox ward console.",
    )
    parser.add_argument("--version", action="version", version=f"WardConsole {__version__}")
    parser.add_argument("--db", metavar="URL", help="database URL or SQLite file "
                        "(default: $WARDCONSOLE_DB, else a file in your data directory)")
    parser.add_argument("--station", help="this station's name (default: the host name)")
    parser.add_argument("--demo", action="store_true",
                        help="start on a fresh demo ward (a separate SQLite file)")
    parser.add_argument("--self-test", action="store_true",
                        help="open the console, load the census, close it and exit (smoke test)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="start the console (the default)")
    gui.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    demo = commands.add_parser("demo", help="fill a database with a synthetic demo ward")
    demo.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    demo.add_argument("--beds", type=int, default=20)
    demo.add_argument("--days", type=int, default=10)
    demo.add_argument("--seed", type=int, default=7)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply schema migrations")
    upgrade.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)

    staff = commands.add_parser("staff", help="staff accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = staff_commands.add_parser("add", help="add a staff account (asks for the password)")
    add.add_argument("staff_code")
    add.add_argument("display_name")
    add.add_argument("--role", choices=["nurse", "supervisor", "readonly"], default="nurse")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of prompting")
    add.add_argument("--db", metavar="URL", default=argparse.SUPPRESS)
    return parser


def _open_database(settings: Settings):
    from wardconsole.services.db import Database
    from wardconsole.store.engine import make_engine, upgrade

    engine = make_engine(settings.db_url)
    upgrade(engine)
    return Database(engine)


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.services.demo import DemoOptions, build_demo_ward

    if not 1 <= args.beds <= 200:
        raise CliError("--beds must be between 1 and 200", EXIT_USAGE)
    if not 1 <= args.days <= 60:
        raise CliError("--days must be between 1 and 60", EXIT_USAGE)
    db = _open_database(settings)

    def progress(done: int, total: int, what: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        print(f"\r[{bar}] {done}/{total} {what:<24}", end="", file=sys.stderr, flush=True)

    try:
        build_demo_ward(db, DemoOptions(beds=args.beds, days=args.days, seed=args.seed),
                        progress)
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    print(file=sys.stderr)
    print(f"Demo ward ready in {settings.db_url}")
    return 0


def _cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.store.engine import current_revision, make_engine, upgrade

    engine = make_engine(settings.db_url)
    applied = upgrade(engine)
    state = "upgraded to" if applied else "already at"
    print(f"Database {state} schema revision {current_revision(engine)}")
    return 0


def _cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.services.context import Role, ServiceError
    from wardconsole.services.staff import StaffService

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.staff_code}: ")
        if password != getpass.getpass("Repeat the password: "):
            raise CliError("the passwords do not match; nothing was saved")
    db = _open_database(settings)
    try:
        StaffService(db).add(args.staff_code, args.display_name, Role(args.role), password)
    except ServiceError as exc:
        raise CliError(str(exc)) from None
    print(f"Added {args.role} {args.staff_code} ({args.display_name})")
    return 0


def _cmd_gui(args: argparse.Namespace, settings: Settings) -> int:
    from wardconsole.app import run_gui

    return run_gui(settings, demo=args.demo, self_test=args.self_test)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    demo_gui = bool(getattr(args, "demo", False)) and args.command in (None, "gui")
    db = getattr(args, "db", None)
    if demo_gui and db is None:
        db = demo_db_url()
    settings = Settings.resolve(db=db, station=args.station)
    handlers = {"demo": _cmd_demo, "db": _cmd_db, "staff": _cmd_staff}
    handler = handlers.get(args.command or "gui", _cmd_gui)
    args.demo = demo_gui
    from wardconsole.store.engine import DatabaseError

    try:
        return handler(args, settings)
    except CliError as exc:
        print(f"wardconsole: {exc}", file=sys.stderr)
        return exc.code
    except DatabaseError as exc:
        print(f"wardconsole: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"wardconsole: database error: {reason}", file=sys.stderr)
        return EXIT_DATABASE
    except SQLAlchemyError as exc:
        print(f"wardconsole: database error: {type(exc).__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        print("wardconsole: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
